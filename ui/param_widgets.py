"""Widgets for parameter specs: a table from ``Param.kind`` to a widget class.

A new parameter kind is one class (here, or in a module of its own that
subclasses ``ParamWidget``) and one row in ``WIDGETS``. Every widget emits
``changed(value, final)``; see ``ui.param_widget_base``.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)

from editor.errors import ParamError
from editor.params import Param

from .curve_widget import CurveWidget
from .fine_slider import FineSlider
from .param_widget_base import ParamWidget, DoubleClickReset
from .variant_widget import VariantWidget

SLIDER_STEPS = 1000
SLIDER_HELP = ("Drag; hold Ctrl or Shift for fine control. Arrow keys and the wheel step "
               "(with Ctrl, finer). Type a value in the box. Double-click to reset.")


class _PickFromImage:
    """A "Pick" button for a parameter with a pick option (``Param.pick``):
    the window takes the next click on the image and calls :meth:`picked`;
    the value comes from the pixels there, read by ``sampler(x, y)`` (the
    panel sets it; it returns the mean pixel, one value per channel)."""

    PICK_TIPS = {"luminance": "Click on the image to take the brightness there",
                 "color": "Click on the image to take the colour there (a few pixels averaged)"}

    def _add_pick_button(self, layout) -> None:
        self.sampler = None
        self.pick_button = None
        if self.param.pick is None:
            return
        self.pick_button = QToolButton(text="Pick", toolTip=self.PICK_TIPS[self.param.pick])
        self.pick_button.setCheckable(True)
        layout.addWidget(self.pick_button)
        self.pick_button.toggled.connect(lambda on: self.pick_requested.emit(self if on else None))

    def pick_prompt(self) -> str:
        """What the status bar says while the window waits for the click."""
        return self.PICK_TIPS[self.param.pick]

    def picked(self, x: float, y: float) -> bool:
        """A click on the image at (x, y): take the value there, as one finished gesture."""
        self.pick_button.setChecked(False)
        sample = self.sampler(x, y) if self.sampler is not None else None
        if sample is None:
            return False
        try:
            value = self.param.from_sample(sample)
        except ParamError:
            return False
        self.set_value(value)
        self._moved(final=True)
        return False


class _SliderWidget(_PickFromImage, ParamWidget):
    """Slider and spin box kept in step; double-click the slider to reset."""

    pick_requested = Signal(object)

    def __init__(self, param, spin, parent=None):
        super().__init__(param, parent)
        self.slider = FineSlider()
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setSingleStep(SLIDER_STEPS // 200)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip((param.help + "\n\n" if param.help else "") + SLIDER_HELP)
        self.spin = spin
        self.spin.setKeyboardTracking(False)
        self.spin.setRange(param.minimum, param.maximum)
        self.spin.setSingleStep(param.step)
        self.spin.setMinimumWidth(80)
        self.reset_button = QToolButton(text="\u21ba", toolTip=f"Reset to {param.default}")
        self.reset_button.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin)
        layout.addWidget(self.reset_button)
        self._add_pick_button(layout)
        self._syncing = False
        self.slider.installEventFilter(DoubleClickReset(self))
        self.slider.valueChanged.connect(self._slider_moved)
        self.slider.sliderReleased.connect(lambda: self.changed.emit(self.value(), True))
        self.spin.valueChanged.connect(self._spin_changed)
        self.reset_button.clicked.connect(self.reset)
        self.set_value(param.default)

    # Slider position t in [0, 1] <-> value; "log" sliders give fine control
    # near the minimum, where small radii and amounts matter most.
    def _decades(self) -> float:
        p = self.param
        return max(1.0, math.log10(max((p.maximum - p.minimum) / max(p.step, 1e-9), 10.0)))

    def _to_value(self, position: int) -> float:
        p, t = self.param, position / SLIDER_STEPS
        if p.log:
            d = self._decades()
            t = (10 ** (t * d) - 1) / (10**d - 1)
        return p.minimum + t * (p.maximum - p.minimum)

    def _to_position(self, value: float) -> int:
        p = self.param
        t = (value - p.minimum) / max(p.maximum - p.minimum, 1e-12)
        if p.log:
            d = self._decades()
            t = math.log10(1 + t * (10**d - 1)) / d
        return int(round(min(1.0, max(0.0, t)) * SLIDER_STEPS))

    def value(self):
        return self.param.validate(self.spin.value())

    def set_value(self, value) -> None:
        self._syncing = True
        self.spin.setValue(value)
        self.slider.setValue(self._to_position(value))
        self._syncing = False

    def _slider_moved(self, position: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        self.spin.setValue(self._round(self._to_value(position)))
        self._syncing = False
        if self.slider.isSliderDown():
            self.changed.emit(self.value(), False)  # sliderReleased ends this gesture
        else:
            self._moved()

    def _spin_changed(self, value) -> None:
        if self._syncing:
            return
        self._syncing = True
        self.slider.setValue(self._to_position(value))
        self._syncing = False
        self._moved()

    def _round(self, value):
        return value


class FloatWidget(_SliderWidget):
    def __init__(self, param, parent=None):
        spin = QDoubleSpinBox()
        spin.setDecimals(param.decimals)
        super().__init__(param, spin, parent)

    def _round(self, value):
        return round(value, self.param.decimals)


class IntWidget(_SliderWidget):
    def __init__(self, param, parent=None):
        super().__init__(param, QSpinBox(), parent)

    def _round(self, value):
        return int(round(value))


class ChoiceWidget(ParamWidget):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.combo = QComboBox()
        for value, label in param.choices:
            self.combo.addItem(label, value)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self.set_value(param.default)
        self.combo.activated.connect(lambda _: self._moved(final=True))

    def value(self):
        return self.combo.currentData()

    def set_value(self, value) -> None:
        self.combo.setCurrentIndex(max(0, self.combo.findData(value)))


class BoolWidget(ParamWidget):
    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.check = QCheckBox(param.label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check)
        self.set_value(param.default)
        self.check.clicked.connect(lambda _: self._moved(final=True))

    def value(self):
        return self.check.isChecked()

    def set_value(self, value) -> None:
        self.check.setChecked(bool(value))


class ColorWidget(_PickFromImage, ParamWidget):
    """A swatch button that opens the colour dialog (and a Pick button for a
    colour taken from the image)."""

    pick_requested = Signal(object)

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.button = QPushButton()
        self.button.setMinimumWidth(80)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.button)
        self._add_pick_button(layout)
        self._value = param.default
        self.set_value(param.default)
        self.button.clicked.connect(self._pick)

    def value(self):
        return self._value

    def set_value(self, value) -> None:
        self._value = self.param.validate(value)
        color = QColor.fromRgbF(*self._value)
        # The value keeps its full precision (a 16-bit pick); the name shows 8 bits.
        self.button.setText(color.name())
        self.button.setToolTip(", ".join(f"{v:.4f}" for v in self._value))
        self.button.setStyleSheet(f"background: {color.name()}; color: {'black' if color.lightnessF() > 0.5 else 'white'};")

    def _pick(self) -> None:
        chosen = QColorDialog.getColor(QColor.fromRgbF(*self._value), self, self.param.label)
        if chosen.isValid():
            self.set_value((chosen.redF(), chosen.greenF(), chosen.blueF()))
            self._moved(final=True)


class KernelWidget(ParamWidget):
    """A grid of cells for a convolution kernel, a size box and presets."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.size_box = QComboBox()
        for n in param.sizes:
            self.size_box.addItem(f"{n} x {n}", n)
        self.preset_box = QComboBox()
        self.preset_box.addItem("Preset\u2026", None)
        for name, kernel in param.presets:
            self.preset_box.addItem(name, kernel)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.size_box, 0, 0)
        layout.addWidget(self.preset_box, 0, 1)
        layout.addWidget(self.grid_host, 1, 0, 1, 2)
        self.cells: list[list[QLineEdit]] = []
        self.set_value(param.default)
        self.size_box.activated.connect(self._resize)
        self.preset_box.activated.connect(self._preset)

    def _build(self, n: int) -> None:
        for row in self.cells:
            for cell in row:
                cell.deleteLater()
        self.cells = []
        for i in range(n):
            row = []
            for j in range(n):
                cell = QLineEdit("0")
                cell.setFixedWidth(44)
                cell.setAlignment(Qt.AlignmentFlag.AlignRight)
                cell.editingFinished.connect(self._edited)
                self.grid.addWidget(cell, i, j)
                row.append(cell)
            self.cells.append(row)

    def value(self):
        try:
            return self.param.validate([[float(c.text() or 0) for c in row] for row in self.cells])
        except (ValueError, ParamError):
            return self.param.default

    def set_value(self, value) -> None:
        kernel = self.param.validate(value)
        if len(kernel) != len(self.cells):
            self._build(len(kernel))
        self.size_box.setCurrentIndex(max(0, self.size_box.findData(len(kernel))))
        for row, values in zip(self.cells, kernel):
            for cell, v in zip(row, values):
                cell.setText(f"{v:g}")

    def _resize(self) -> None:
        n = self.size_box.currentData()
        old = self.value()
        m = len(old)
        new = [[0.0] * n for _ in range(n)]
        offset = (n - m) // 2
        for i in range(m):
            for j in range(m):
                if 0 <= i + offset < n and 0 <= j + offset < n:
                    new[i + offset][j + offset] = old[i][j]
        self.set_value(new)
        self._moved(final=True)

    def _preset(self) -> None:
        kernel = self.preset_box.currentData()
        if kernel is not None:
            self.set_value(kernel)
            self._moved(final=True)
        self.preset_box.setCurrentIndex(0)

    def _edited(self) -> None:
        self._moved(final=True)


class PointWidget(ParamWidget):
    """A pixel position: typed, or picked with a click on the canvas."""

    pick_requested = Signal(object)

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        # A point bound to the image stays on it; an unbound one allows any pixel.
        max_x, max_y = param.maximum if param.maximum is not None else (1e6, 1e6)
        self.x_spin = QDoubleSpinBox(decimals=0, maximum=max_x, prefix="x ")
        self.y_spin = QDoubleSpinBox(decimals=0, maximum=max_y, prefix="y ")
        self.pick_button = QToolButton(text="Pick", toolTip="Click on the image to choose the point")
        self.pick_button.setCheckable(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.x_spin, self.y_spin, self.pick_button):
            layout.addWidget(widget)
        self.set_value(param.default)
        for spin in (self.x_spin, self.y_spin):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda _: self._moved(final=True))
        self.pick_button.toggled.connect(lambda on: self.pick_requested.emit(self if on else None))

    def value(self):
        return (float(self.x_spin.value()), float(self.y_spin.value()))

    def set_value(self, value) -> None:
        x, y = self.param.validate(value)
        for spin, v in ((self.x_spin, x), (self.y_spin, y)):
            spin.blockSignals(True)
            spin.setValue(v)
            spin.blockSignals(False)

    def picked(self, x: float, y: float) -> bool:
        """The canvas reports a click: take it as one finished gesture."""
        self.set_value((round(x), round(y)))
        self.pick_button.setChecked(False)
        self._moved(final=True)
        return False


class QuadWidget(ParamWidget):
    """Four corners: typed, or picked with four clicks on the canvas
    (top-left, top-right, bottom-right, bottom-left)."""

    pick_requested = Signal(object)
    CORNERS = ("top-left", "top-right", "bottom-right", "bottom-left")

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.text = TextWidget(param)
        self.pick_button = QToolButton(text="Pick corners", toolTip="Click the four corners on the image, "
                                       "clockwise from the top-left")
        self.pick_button.setCheckable(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.pick_button)
        self._picked: list[tuple[float, float]] = []
        self.text.changed.connect(self.changed)
        self.pick_button.toggled.connect(self._toggled)

    def value(self):
        return self.text.value()

    def set_value(self, value) -> None:
        self.text.set_value(value)

    def next_corner(self) -> str:
        return self.CORNERS[len(self._picked)]

    def _toggled(self, on: bool) -> None:
        self._picked = []
        self.pick_requested.emit(self if on else None)

    def picked(self, x: float, y: float) -> bool:
        """A canvas click; returns True while more corners are wanted."""
        self._picked.append((float(round(x)), float(round(y))))
        if len(self._picked) < 4:
            return True
        self.set_value(tuple(self._picked))
        self.pick_button.setChecked(False)
        self._moved(final=True)
        return False


class TextWidget(ParamWidget):
    """Fallback for structured values (points, rectangles, curves, matrices):
    typed as numbers separated by commas, groups by semicolons."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.edit = QLineEdit()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        self._value = param.default
        self.set_value(param.default)
        self.edit.editingFinished.connect(self._edited)

    @staticmethod
    def _format(value) -> str:
        if isinstance(value, (tuple, list)) and value and isinstance(value[0], (tuple, list)):
            return "; ".join(", ".join(f"{v:g}" for v in group) for group in value)
        if isinstance(value, (tuple, list)):
            return ", ".join(f"{v:g}" for v in value)
        return str(value)

    def value(self):
        return self._value

    def set_value(self, value) -> None:
        self._value = value
        self.edit.setText(self._format(value))
        self.edit.setStyleSheet("")

    def _edited(self) -> None:
        try:
            self._value = self.param.parse(self.edit.text())
        except ParamError as exc:
            self.edit.setStyleSheet("border: 1px solid #d9534f;")
            self.edit.setToolTip(str(exc))
            return
        self.edit.setStyleSheet("")
        self._moved(final=True)


# Param.kind -> widget class. A new parameter kind is one row here.
WIDGETS: dict[str, type[ParamWidget]] = {
    "float": FloatWidget,
    "int": IntWidget,
    "choice": ChoiceWidget,
    "bool": BoolWidget,
    "color": ColorWidget,
    "kernel": KernelWidget,
    "point": PointWidget,
    "rect": TextWidget,
    "curve": CurveWidget,
    "quad": QuadWidget,
    "matrix": TextWidget,
    "variant": VariantWidget,
}


def widget_for(param: Param, parent=None) -> ParamWidget:
    """The widget for ``param``'s kind (a text field for unknown kinds)."""
    return WIDGETS.get(param.kind, TextWidget)(param, parent)
