"""A slider with fine control: a modifier slows the drag, keys and the wheel step.

As in darktable: a plain drag follows the mouse; holding Ctrl (or Shift)
while dragging moves the value ten times slower than the mouse, for the last
bit of precision. Arrow keys and the wheel move by a small step, with Ctrl
by the smallest step, and Page Up/Down (or Shift with the wheel) by a large
one.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider

FINE_FACTOR = 0.1  # value speed relative to the mouse while the modifier is held
FINE_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def wheel_delta(event, single_step: int, page_step: int) -> int | None:
    """How far a wheel event moves a slider: a single step a notch, the
    smallest step with Ctrl, a page with Shift; None for no vertical or
    horizontal turn."""
    notches = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
    if not notches:
        return None
    modifiers = event.modifiers()
    if modifiers & Qt.KeyboardModifier.ControlModifier:
        step = 1
    elif modifiers & Qt.KeyboardModifier.ShiftModifier:
        step = page_step
    else:
        step = single_step
    return int(round(notches * step))

class FineSlider(QSlider):
    """A horizontal ``QSlider`` with a fine drag and fine key and wheel steps.

    The step sizes are positions of the slider: ``singleStep`` for a key
    press or a wheel notch, 1 with Ctrl, ``pageStep`` for Page Up/Down or
    Shift with the wheel.
    """

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # (mouse x, slider position, fine) where the relative drag last re-anchored
        self._anchor: tuple[float, int, bool] | None = None

    def _positions_per_pixel(self) -> float:
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        handle = self.style().pixelMetric(QStyle.PixelMetric.PM_SliderLength, option, self)
        span = max(1, self.width() - handle)
        return (self.maximum() - self.minimum()) / span

    def mouseMoveEvent(self, event) -> None:
        if not self.isSliderDown():
            super().mouseMoveEvent(event)
            return
        fine = bool(event.modifiers() & FINE_MODIFIERS)
        if not fine and self._anchor is None:
            super().mouseMoveEvent(event)  # a plain drag: Qt's own
            return
        # Once a drag went fine, it stays relative to the mouse until the
        # release, so letting go of the modifier never makes the handle jump.
        x = event.position().x()
        if self._anchor is None or self._anchor[2] != fine:
            self._anchor = (x, self.sliderPosition(), fine)
        start_x, start_value, _ = self._anchor
        delta = (x - start_x) * self._positions_per_pixel() * (FINE_FACTOR if fine else 1.0)
        if self.invertedAppearance():
            delta = -delta
        self.setSliderPosition(int(round(start_value + delta)))
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        self._anchor = None
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        direction = {Qt.Key.Key_Right: 1, Qt.Key.Key_Up: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: -1}.get(key)
        if direction is not None and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.setValue(self.value() + direction)
            event.accept()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event) -> None:
        delta = wheel_delta(event, self.singleStep(), self.pageStep())
        if delta is None:
            event.ignore()
            return
        self.setValue(self.value() + delta)
        event.accept()
