"""Compact rows of controls for the "Tool Options" toolbar.

A tool builds its options once with :class:`ToolOptions` and returns the
widget from ``options_widget()``; the controls are plain Qt widgets kept as
attributes, so tools and tests read and set them directly.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QWidget,
)

__all__ = ["ToolOptions"]


class ToolOptions(QWidget):
    """A horizontal row: labelled number boxes (with a short slider), combo
    boxes, check boxes and buttons, in the order added."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(4, 0, 4, 0)
        self.row.setSpacing(6)

    def label(self, text: str) -> QLabel:
        label = QLabel(text)
        self.row.addWidget(label)
        return label

    def number(self, text: str, minimum: int, maximum: int, value: int, suffix: str = "",
               tip: str = "", slider: bool = True, slider_maximum: int | None = None) -> QSpinBox:
        """A spin box (and a slider moving with it) for a whole number. The
        slider may stop short of the maximum (``slider_maximum``) so that the
        usual values get most of its length; the box takes any value."""
        self.label(text)
        spin = QSpinBox()
        spin.setRange(minimum, maximum)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        if slider:
            bar = QSlider(Qt.Orientation.Horizontal)
            bar.setRange(minimum, min(maximum, slider_maximum or maximum))
            bar.setValue(value)
            bar.setFixedWidth(90)
            bar.setToolTip(tip)
            # A value past the slider's end leaves the slider at its end, not the value at it.
            bar.valueChanged.connect(lambda v: None if v == bar.maximum() and spin.value() > v else spin.setValue(v))
            spin.valueChanged.connect(bar.setValue)
            self.row.addWidget(bar)
            spin.slider = bar
        self.row.addWidget(spin)
        return spin

    def choice(self, text: str, items: list[tuple[str, object]], tip: str = "") -> QComboBox:
        if text:
            self.label(text)
        combo = QComboBox()
        for label, data in items:
            combo.addItem(label, data)
        combo.setToolTip(tip)
        self.row.addWidget(combo)
        return combo

    def check(self, text: str, checked: bool = False, tip: str = "") -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(checked)
        box.setToolTip(tip)
        self.row.addWidget(box)
        return box

    def button(self, text: str, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        self.row.addWidget(button)
        return button

    def finish(self) -> "ToolOptions":
        self.row.addStretch(1)
        return self
