"""The Augment panel's pipeline editor rows: one box per transform, one range slider per setting."""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from processing import augment as aug

from .range_slider import RangeSlider

SLIDER_STEPS = 1000


class RangeRow(QWidget):
    """A range setting: a two-handled slider between two number boxes.

    Signals
    -------
    changed(bool)
        The range moved; True when the gesture ended.
    """

    changed = Signal(bool)

    def __init__(self, spec, values, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.slider = RangeSlider()
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setSingleStep(SLIDER_STEPS // 200)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        unit = f" ({spec.unit})" if spec.unit else ""
        help_text = (spec.help + "\n\n" if spec.help else "") + (
            "Drag a handle, or the span between them to move both; Ctrl or Shift for fine control. "
            "Arrow keys move the highlighted handle, Tab goes to the other. Double-click to reset.")
        self.slider.setToolTip(help_text)
        self.slider.setAccessibleName(f"{spec.label}{unit} range")
        self.low_spin, self.high_spin = self._spin("from"), self._spin("to")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.low_spin)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.high_spin)
        self._syncing = False
        self.set_values(*values)
        self.slider.range_changed.connect(self._slider_moved)
        self.slider.slider_released.connect(lambda: self.changed.emit(True))
        self.slider.reset_requested.connect(self.reset)
        self.low_spin.valueChanged.connect(lambda _v: self._spin_changed())
        self.high_spin.valueChanged.connect(lambda _v: self._spin_changed())
        # Keys and the wheel have no release: a pause ends their gesture.
        self._pause = QTimer(self, singleShot=True, interval=350)
        self._pause.timeout.connect(lambda: self.changed.emit(True))

    def _spin(self, end: str):
        spec = self.spec
        spin = QSpinBox() if spec.integer else QDoubleSpinBox()
        if not spec.integer:
            span = spec.maximum - spec.minimum
            spin.setDecimals(3 if span <= 2 else 2 if span <= 50 else 1)
            spin.setSingleStep(span / 100)
        spin.setRange(int(spec.minimum) if spec.integer else spec.minimum,
                      int(spec.maximum) if spec.integer else spec.maximum)
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(64)
        spin.setToolTip(f"{spec.label}: {end}")
        spin.setAccessibleName(f"{spec.label} {end}")
        return spin

    # Slider position t in [0, 1] <-> value; log ranges (scale, gamma) put 1
    # in the middle, where it belongs.
    def to_value(self, position: int) -> float:
        spec, t = self.spec, position / SLIDER_STEPS
        if spec.log and spec.minimum > 0:
            value = math.exp(math.log(spec.minimum) + t * (math.log(spec.maximum) - math.log(spec.minimum)))
        else:
            value = spec.minimum + t * (spec.maximum - spec.minimum)
        return float(round(value)) if spec.integer else value

    def to_position(self, value: float) -> int:
        spec = self.spec
        if spec.log and spec.minimum > 0:
            t = (math.log(max(value, spec.minimum)) - math.log(spec.minimum)) / (
                math.log(spec.maximum) - math.log(spec.minimum))
        else:
            t = (value - spec.minimum) / max(spec.maximum - spec.minimum, 1e-12)
        return int(round(min(1.0, max(0.0, t)) * SLIDER_STEPS))

    def values(self) -> list[float]:
        low, high = float(self.low_spin.value()), float(self.high_spin.value())
        return [min(low, high), max(low, high)]

    def set_values(self, low: float, high: float) -> None:
        """Show ``[low, high]`` without emitting ``changed``."""
        self._syncing = True
        self.low_spin.setValue(int(low) if self.spec.integer else low)
        self.high_spin.setValue(int(high) if self.spec.integer else high)
        self.slider.set_values(self.to_position(low), self.to_position(high))
        self._syncing = False

    def reset(self) -> None:
        self.set_values(*self.spec.default)
        self.changed.emit(True)

    def _slider_moved(self, low: int, high: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        # Only the end that moved takes the slider's value: the other keeps
        # what was typed, however the slider rounds it.
        if self.to_position(self.low_spin.value()) != low:
            self.low_spin.setValue(self._spin_value(low))
        if self.to_position(self.high_spin.value()) != high:
            self.high_spin.setValue(self._spin_value(high))
        self._syncing = False
        self.changed.emit(False)
        if not self.slider.is_slider_down():
            self._pause.start()  # keys or the wheel: their gesture ends with a pause

    def _spin_value(self, position: int):
        value = self.to_value(position)
        return int(value) if self.spec.integer else value

    def _spin_changed(self) -> None:
        if self._syncing:
            return
        low, high = self.values()
        self._syncing = True
        self.slider.set_values(self.to_position(low), self.to_position(high))
        self._syncing = False
        self.changed.emit(True)


class StepEditor(QFrame):
    """One transform of the pipeline: on/off, chance, settings, move, remove.

    Signals
    -------
    changed(bool)
        A setting changed; True when the gesture ended.
    remove_requested(), move_requested(int)
        The × button; the ↑ and ↓ buttons (-1 or +1).
    """

    changed = Signal(bool)
    remove_requested = Signal()
    move_requested = Signal(int)

    def __init__(self, step: dict, enabled: bool = True, parent=None):
        super().__init__(parent)
        self.transform = aug.TRANSFORMS[step["transform"]]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.enabled_box = QCheckBox(self.transform.title)
        self.enabled_box.setChecked(enabled)
        self.enabled_box.setStyleSheet("font-weight: bold;")
        self.enabled_box.setToolTip(f"{self.transform.help}\n\nUntick to switch it off without losing its settings.")
        self.chance = QSpinBox()
        self.chance.setRange(0, 100)
        self.chance.setSuffix(" %")
        self.chance.setValue(int(round(step["p"] * 100)))
        self.chance.setKeyboardTracking(False)
        self.chance.setToolTip("Chance that this transform happens in a variant")
        self.chance.setAccessibleName(f"{self.transform.title} chance")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.enabled_box, 1)
        header.addWidget(QLabel("Chance"))
        header.addWidget(self.chance)
        for text, tip, slot in (("\u2191", "Move up", lambda: self.move_requested.emit(-1)),
                                ("\u2193", "Move down", lambda: self.move_requested.emit(1)),
                                ("\u00d7", "Remove this transform", self.remove_requested.emit)):
            button = QToolButton(text=text, toolTip=tip)
            button.setAutoRaise(True)
            button.setAccessibleName(tip)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            header.addWidget(button)
        form = QFormLayout()
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows: dict[str, Any] = {}
        for spec in self.transform.params:
            if isinstance(spec, aug.Choice):
                widget = QComboBox()
                widget.addItems(list(spec.choices))
                widget.setCurrentText(step[spec.name])
                widget.setToolTip(spec.help)
                widget.currentTextChanged.connect(lambda _t: self.changed.emit(True))
            else:
                widget = RangeRow(spec, step[spec.name])
                widget.changed.connect(self.changed)
            unit = getattr(spec, "unit", "")
            label = QLabel(spec.label + (f" ({unit})" if unit else ""))
            label.setToolTip(spec.help)
            form.addRow(label, widget)
            self.rows[spec.name] = widget
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addLayout(form)
        self.enabled_box.toggled.connect(self._enabled_changed)
        self.chance.valueChanged.connect(lambda _v: self.changed.emit(True))
        self._enabled_changed(enabled, emit=False)

    def _enabled_changed(self, on: bool, emit: bool = True) -> None:
        self.chance.setEnabled(on)
        for widget in self.rows.values():
            widget.setEnabled(on)
        if emit:
            self.changed.emit(True)

    def is_enabled(self) -> bool:
        return self.enabled_box.isChecked()

    def step(self) -> dict:
        """The pipeline step this box shows; switched off, its chance is 0 (see
        the module docstring)."""
        step: dict[str, Any] = {"transform": self.transform.name,
                                "p": self.chance.value() / 100 if self.is_enabled() else 0.0}
        for name, widget in self.rows.items():
            step[name] = widget.currentText() if isinstance(widget, QComboBox) else widget.values()
        return step


# -- the preview computation ---------------------------------------------------------
