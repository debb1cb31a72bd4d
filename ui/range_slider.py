"""A slider with two handles: the low and high ends of a range.

Augmentation draws each variant's value from a range (rotate between -15 and
15 degrees); one slider with two handles shows the range as a span, which two
separate sliders do not. It behaves like the editor's other sliders
(:mod:`ui.fine_slider`):

- drag a handle; drag the span between the handles to move both; click the
  groove to bring the nearer handle there;
- Ctrl or Shift while dragging moves ten times slower than the mouse;
- arrow keys and the wheel move the active handle by a step (with Ctrl, by
  one position; Page Up/Down and Shift with the wheel by a page); Tab goes
  from the low handle to the high one before leaving the slider, Shift+Tab
  back; Home and End send the active handle to its limit;
- double-click asks for a reset (the owner decides what the default is).

Positions are integers from ``minimum()`` to ``maximum()`` as in ``QSlider``;
the owner maps them to values.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .fine_slider import FINE_FACTOR, FINE_MODIFIERS

HANDLE_RADIUS = 7.0  # px; the handles are discs
GROOVE_HEIGHT = 4.0
LOW, HIGH = 0, 1


class RangeSlider(QWidget):
    """A horizontal slider with a low and a high handle (``low <= high``).

    Signals
    -------
    range_changed(int, int)
        The low and high positions, whenever either moves.
    slider_pressed()
        A mouse gesture starts (a drag of a handle or of the span).
    slider_released()
        The mouse gesture ends: the moment for work that waits for the
        final value.
    reset_requested()
        A double-click.
    """

    range_changed = Signal(int, int)
    slider_pressed = Signal()
    slider_released = Signal()
    reset_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._minimum, self._maximum = 0, 100
        self._values = [0, 100]
        self._single_step, self._page_step = 1, 10
        self._active = LOW  # the handle keys and the wheel move
        self._pressed: int | None = None  # LOW, HIGH, or "span"; None when no drag
        # (mouse x, low, high, fine) where the drag last anchored
        self._anchor: tuple[float, int, int, bool] | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(80)

    # -- the QSlider-like interface ---------------------------------------------------
    def minimum(self) -> int:
        return self._minimum

    def maximum(self) -> int:
        return self._maximum

    def setRange(self, minimum: int, maximum: int) -> None:
        if maximum < minimum:
            raise ValueError(f"maximum must be >= minimum, got {minimum}..{maximum}")
        self._minimum, self._maximum = int(minimum), int(maximum)
        self.set_values(*self._values)

    def setSingleStep(self, step: int) -> None:
        self._single_step = max(1, int(step))

    def singleStep(self) -> int:
        return self._single_step

    def setPageStep(self, step: int) -> None:
        self._page_step = max(1, int(step))

    def pageStep(self) -> int:
        return self._page_step

    def low(self) -> int:
        return self._values[LOW]

    def high(self) -> int:
        return self._values[HIGH]

    def values(self) -> tuple[int, int]:
        return self._values[LOW], self._values[HIGH]

    def active_handle(self) -> int:
        """``LOW`` (0) or ``HIGH`` (1): the handle keys and the wheel move."""
        return self._active

    def set_active_handle(self, handle: int) -> None:
        if handle not in (LOW, HIGH):
            raise ValueError(f"handle must be 0 (low) or 1 (high), got {handle}")
        self._active = handle
        self.update()

    def is_slider_down(self) -> bool:
        """Whether a mouse gesture is in progress."""
        return self._pressed is not None

    def set_values(self, low: int, high: int) -> None:
        """Set both ends (clipped to the range; swapped if given high first);
        emits ``range_changed`` when they change."""
        low, high = sorted((int(low), int(high)))
        low = min(max(low, self._minimum), self._maximum)
        high = min(max(high, self._minimum), self._maximum)
        if [low, high] != self._values:
            self._values = [low, high]
            self.update()
            self.range_changed.emit(low, high)

    def _set_handle(self, handle: int, position: int) -> None:
        # A handle stops at the other one: the ends never cross.
        values = list(self._values)
        if handle == LOW:
            values[LOW] = min(max(int(position), self._minimum), values[HIGH])
        else:
            values[HIGH] = max(min(int(position), self._maximum), values[LOW])
        self.set_values(*values)

    # -- geometry -------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(160, int(2 * HANDLE_RADIUS + 8))

    def minimumSizeHint(self) -> QSize:
        return QSize(80, int(2 * HANDLE_RADIUS + 8))

    def _span_px(self) -> tuple[float, float]:
        left = HANDLE_RADIUS + 2
        return left, max(left + 1.0, self.width() - HANDLE_RADIUS - 2)

    def position_x(self, position: int) -> float:
        """The x coordinate (in the widget) of a position's handle centre."""
        left, right = self._span_px()
        extent = max(1, self._maximum - self._minimum)
        return left + (position - self._minimum) / extent * (right - left)

    def _positions_per_pixel(self) -> float:
        left, right = self._span_px()
        return (self._maximum - self._minimum) / (right - left)

    def _position_at(self, x: float) -> int:
        left, _ = self._span_px()
        return int(round(self._minimum + (x - left) * self._positions_per_pixel()))

    def _handle_at(self, x: float) -> int | str:
        """Which part a press at ``x`` grabs: a handle, or the span between them."""
        low_x, high_x = self.position_x(self.low()), self.position_x(self.high())
        d_low, d_high = abs(x - low_x), abs(x - high_x)
        if min(d_low, d_high) <= HANDLE_RADIUS + 1:
            if d_low == d_high:  # handles on top of each other: the side pressed says which
                return LOW if x < low_x or (x == low_x and self.low() > self._minimum) else HIGH
            return LOW if d_low < d_high else HIGH
        if low_x < x < high_x:
            return "span"
        return LOW if d_low < d_high else HIGH

    # -- painting -------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        cy = self.height() / 2
        left, right = self._span_px()
        groove = QRectF(left, cy - GROOVE_HEIGHT / 2, right - left, GROOVE_HEIGHT)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(group, QPalette.ColorRole.Mid).darker(150))
        painter.drawRoundedRect(groove, 2, 2)
        low_x, high_x = self.position_x(self.low()), self.position_x(self.high())
        span = QRectF(low_x, cy - GROOVE_HEIGHT / 2 - 1, high_x - low_x, GROOVE_HEIGHT + 2)
        painter.setBrush(palette.color(group, QPalette.ColorRole.Highlight) if self.isEnabled()
                         else palette.color(group, QPalette.ColorRole.Mid))
        painter.drawRect(span)
        for handle, x in ((LOW, low_x), (HIGH, high_x)):
            active = handle == self._active and self.hasFocus()
            pen = QPen(palette.color(group, QPalette.ColorRole.Highlight if active else QPalette.ColorRole.Mid))
            pen.setWidthF(2.0 if active else 1.0)
            painter.setPen(pen)
            painter.setBrush(palette.color(group, QPalette.ColorRole.Button).lighter(130 if active else 110))
            path = QPainterPath()
            path.addEllipse(QPointF(x, cy), HANDLE_RADIUS, HANDLE_RADIUS)
            painter.drawPath(path)

    # -- mouse ----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        x = event.position().x()
        grabbed = self._handle_at(x)
        if grabbed != "span":
            self._active = grabbed
            # A press on the groove away from the handle brings it there.
            if abs(x - self.position_x(self._values[grabbed])) > HANDLE_RADIUS + 1:
                self._set_handle(grabbed, self._position_at(x))
        self._pressed = grabbed
        self._anchor = None
        self.update()
        self.slider_pressed.emit()
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self._pressed is None:
            event.ignore()
            return
        x = event.position().x()
        fine = bool(event.modifiers() & FINE_MODIFIERS)
        # Relative to where the drag anchored, so a modifier pressed or let go
        # mid-drag never makes a handle jump.
        if self._anchor is None or self._anchor[3] != fine:
            self._anchor = (x, self.low(), self.high(), fine)
        start_x, low, high, _ = self._anchor
        delta = int(round((x - start_x) * self._positions_per_pixel() * (FINE_FACTOR if fine else 1.0)))
        if self._pressed == "span":
            delta = min(max(delta, self._minimum - low), self._maximum - high)
            self.set_values(low + delta, high + delta)
        else:
            self._set_handle(self._pressed, (low, high)[self._pressed] + delta)
        event.accept()

    def mouseReleaseEvent(self, event) -> None:
        if self._pressed is None:
            event.ignore()
            return
        self._pressed = None
        self._anchor = None
        self.slider_released.emit()
        event.accept()

    def mouseDoubleClickEvent(self, event) -> None:
        self.reset_requested.emit()
        event.accept()

    # -- keys and wheel ---------------------------------------------------------------
    def keyPressEvent(self, event) -> None:
        key, modifiers = event.key(), event.modifiers()
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        steps = {
            Qt.Key.Key_Right: 1, Qt.Key.Key_Up: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Down: -1,
        }
        value = self._values[self._active]
        if key in steps:
            self._set_handle(self._active, value + steps[key] * (1 if ctrl else self._single_step))
        elif key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            self._set_handle(self._active, value + (self._page_step if key == Qt.Key.Key_PageUp else -self._page_step))
        elif key == Qt.Key.Key_Home:
            self._set_handle(self._active, self._minimum)
        elif key == Qt.Key.Key_End:
            self._set_handle(self._active, self._maximum)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def focusNextPrevChild(self, forward: bool) -> bool:
        # Tab visits the low handle, then the high one, then leaves.
        if forward and self._active == LOW:
            self.set_active_handle(HIGH)
            return True
        if not forward and self._active == HIGH:
            self.set_active_handle(LOW)
            return True
        return super().focusNextPrevChild(forward)

    def focusInEvent(self, event) -> None:
        reason = event.reason()
        if reason == Qt.FocusReason.TabFocusReason:
            self._active = LOW
        elif reason == Qt.FocusReason.BacktabFocusReason:
            self._active = HIGH
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()

    def wheelEvent(self, event) -> None:
        notches = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        if not notches:
            event.ignore()
            return
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            step = 1
        elif modifiers & Qt.KeyboardModifier.ShiftModifier:
            step = self._page_step
        else:
            step = self._single_step
        self._set_handle(self._active, self._values[self._active] + int(round(notches * step)))
        event.accept()
