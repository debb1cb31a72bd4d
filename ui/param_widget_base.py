"""The base of every parameter widget: a value, and gestures that end.

Every widget emits ``changed(value, final)``: ``final`` is False while a
gesture (a slider drag, keys held, wheel turns) goes on and True when it
ends, which is when the full-resolution render starts and the undo entry
closes. Kept apart from the widget table so that widgets living in modules
of their own (the curve editor) subclass it without an import circle.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from editor.params import Param

GESTURE_PAUSE_MS = 350  # keys and wheel have no "release": a pause ends the gesture


class ParamWidget(QWidget):
    """Base class: holds a ``Param`` spec and reports value changes."""

    changed = Signal(object, bool)

    def __init__(self, param: Param, parent=None):
        super().__init__(parent)
        self.param = param
        self.setToolTip(param.help)
        self._pause = QTimer(self, singleShot=True, interval=GESTURE_PAUSE_MS)
        self._pause.timeout.connect(lambda: self.changed.emit(self.value(), True))

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        """Show ``value`` without emitting ``changed``."""
        raise NotImplementedError

    def reset(self) -> None:
        """Back to the default, as one finished gesture."""
        self.set_value(self.param.default)
        self.changed.emit(self.value(), True)

    def _moved(self, final: bool = False) -> None:
        if final:
            self._pause.stop()
            self.changed.emit(self.value(), True)
        else:
            self.changed.emit(self.value(), False)
            self._pause.start()


class DoubleClickReset(QObject):
    def __init__(self, widget: ParamWidget):
        super().__init__(widget)
        self._widget = widget

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.MouseButtonDblClick:
            self._widget.reset()
            return True
        return False
