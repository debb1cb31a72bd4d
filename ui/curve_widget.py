"""A tone-curve editor: drag control points, click to add, double-click to remove."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from processing.tone import curves

from .param_widget_base import ParamWidget

HANDLE_PX = 6  # how close (screen pixels) a press must be to grab a point


class CurveCanvas(QWidget):
    """The drawing surface; ``owner`` is told about every change."""

    def __init__(self, owner: "CurveWidget"):
        super().__init__(owner)
        self.owner = owner
        self.setMinimumSize(180, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMouseTracking(True)
        self.dragging: int | None = None
        self.setToolTip("Drag a point; click to add one; double-click a point to remove it")

    def _frame(self) -> QRectF:
        side = min(self.width(), self.height()) - 12
        return QRectF(6, 6, side, side)

    def _to_screen(self, x: float, y: float) -> QPointF:
        f = self._frame()
        return QPointF(f.left() + x * f.width(), f.bottom() - y * f.height())

    def _to_value(self, point: QPointF) -> tuple[float, float]:
        f = self._frame()
        x = (point.x() - f.left()) / f.width()
        y = (f.bottom() - point.y()) / f.height()
        return min(1.0, max(0.0, x)), min(1.0, max(0.0, y))

    def _hit(self, point: QPointF) -> int | None:
        for i, (x, y) in enumerate(self.owner.points):
            p = self._to_screen(x, y)
            if abs(p.x() - point.x()) <= HANDLE_PX and abs(p.y() - point.y()) <= HANDLE_PX:
                return i
        return None

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        f = self._frame()
        painter.fillRect(f, QColor(30, 30, 32))
        grid = QPen(QColor(70, 70, 74))
        painter.setPen(grid)
        for i in range(1, 4):
            painter.drawLine(self._to_screen(i / 4, 0), self._to_screen(i / 4, 1))
            painter.drawLine(self._to_screen(0, i / 4), self._to_screen(1, i / 4))
        painter.drawLine(self._to_screen(0, 0), self._to_screen(1, 1))
        # Draw the very curve the operation applies.
        xs = np.linspace(0, 1, 129, dtype=np.float32)
        ys = curves(xs[None, :], tuple(self.owner.points))[0]
        path = QPainterPath(self._to_screen(float(xs[0]), float(ys[0])))
        for x, y in zip(xs[1:], ys[1:]):
            path.lineTo(self._to_screen(float(x), float(y)))
        painter.setPen(QPen(QColor(235, 235, 235), 1.6))
        painter.drawPath(path)
        painter.setBrush(QColor(240, 198, 116))
        for x, y in self.owner.points:
            painter.drawEllipse(self._to_screen(x, y), 4, 4)
        painter.end()

    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self._hit(event.position())
        if hit is None:
            x, y = self._to_value(event.position())
            points = self.owner.points
            if any(abs(x - px) < 0.01 for px, _ in points):
                return
            points.append((x, y))
            points.sort()
            hit = points.index((x, y))
            self.owner.points_changed(final=False)
        self.dragging = hit

    def mouseMoveEvent(self, event) -> None:
        if self.dragging is None:
            self.setCursor(Qt.CursorShape.PointingHandCursor if self._hit(event.position()) is not None
                           else Qt.CursorShape.CrossCursor)
            return
        points, i = self.owner.points, self.dragging
        x, y = self._to_value(event.position())
        # x stays strictly between the neighbours so the curve stays a function.
        low = points[i - 1][0] + 0.01 if i > 0 else 0.0
        high = points[i + 1][0] - 0.01 if i < len(points) - 1 else 1.0
        points[i] = (round(min(high, max(low, x)), 4), round(y, 4))
        self.owner.points_changed(final=False)

    def mouseReleaseEvent(self, event) -> None:
        if self.dragging is not None:
            self.dragging = None
            self.owner.points_changed(final=True)

    def mouseDoubleClickEvent(self, event) -> None:
        hit = self._hit(event.position())
        if hit is not None and len(self.owner.points) > 2:
            del self.owner.points[hit]
            self.owner.points_changed(final=True)


class CurveWidget(ParamWidget):
    """Edits a :class:`editor.params.CurveParam`."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.points: list[tuple[float, float]] = []
        self.canvas = CurveCanvas(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.set_value(param.default)

    def value(self):
        return self.param.validate(self.points)

    def set_value(self, value) -> None:
        self.points = [tuple(p) for p in self.param.validate(value)]
        self.canvas.update()

    def points_changed(self, final: bool) -> None:
        self.canvas.update()
        self.changed.emit(self.value(), final)
