"""The straighten tool: draw a line along something level or plumb.

On release the image is rotated by the smaller turn that makes the line
horizontal or vertical (one rotate step, undoable), cropped to the rectangle
the rotated picture fills if the option says so. With the Rotate operation
open in the Settings panel, the line adjusts its angle instead.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QTransform

from processing.straighten import level_angle

from ..tool_options_bar import ToolOptions
from .base import CanvasTool, ToolEvent, overlay_pen, register_tool
from .crop_tool import add_unmasked_step

ROTATE_OP = "geometry.rotate"
MIN_LINE_PX = 8.0  # screen pixels: shorter lines are taken as a stray click
CROPS = [("Keep aspect ratio", "aspect"), ("Largest rectangle", "largest"), ("No crop", "none")]


@register_tool(order=32)
class StraightenTool(CanvasTool):
    id = "straighten"
    name = "&Straighten"
    icon = "straighten"
    shortcut = "S"
    cursor = Qt.CursorShape.CrossCursor
    status = "Straighten: draw a line along a horizon or an upright edge; the image turns to make it level or plumb."

    def __init__(self, controller):
        super().__init__(controller)
        options = ToolOptions()
        self.crop_box = options.choice("Crop", CROPS, "Cut away the empty corners the rotation leaves")
        self.options = options.finish()
        self.start: ToolEvent | None = None
        self.end: ToolEvent | None = None

    def options_widget(self):
        return self.options

    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.controller.document is None:
            return False
        self.start = self.end = event
        return True

    def move(self, event: ToolEvent) -> bool:
        if self.start is None:
            return False
        self.end = event
        self.update()
        if self._long_enough():
            angle = level_angle((self.start.x, self.start.y), (event.x, event.y))
            self.status_changed.emit(f"Straighten: release to rotate by {angle:+.2f}\u00b0")
        return True

    def release(self, event: ToolEvent) -> bool:
        if self.start is None or event.button != Qt.MouseButton.LeftButton:
            return False
        self.end = event
        start, end = (self.start.x, self.start.y), (event.x, event.y)
        long_enough = self._long_enough()
        self.start = self.end = None
        self.update()
        self.status_changed.emit(self.status)
        if not long_enough:
            return True
        self.straighten(level_angle(start, end))
        return True

    def straighten(self, angle: float) -> None:
        """Turn the image by ``angle`` degrees counter-clockwise."""
        document = self.controller.document
        panel = self.controller.window.param_panel
        if panel.operation is not None and panel.operation.id == ROTATE_OP and panel.mode in ("new", "edit"):
            # The line was drawn on the rotated preview: it corrects the angle there is.
            current = float(panel.values().get("angle_deg", 0.0))
            total = (current + angle + 180.0) % 360.0 - 180.0
            self.params_requested.emit({"angle_deg": total}, True)
            self.controller.message(f"Rotation set to {total:+.2f}\u00b0")
            return
        step = document.make_step(ROTATE_OP, {"angle_deg": angle, "crop": self.crop_box.currentData()})
        add_unmasked_step(self, step)
        self.controller.message(f"Rotated by {angle:+.2f}\u00b0")

    def _long_enough(self) -> bool:
        if self.start is None or self.end is None:
            return False
        return math.hypot(self.end.view.x() - self.start.view.x(), self.end.view.y() - self.start.view.y()) >= MIN_LINE_PX

    def cancel(self) -> bool:
        had = self.start is not None
        self.start = self.end = None
        self.update()
        return had

    def wants_key(self, event: QKeyEvent) -> bool:
        return event.key() == Qt.Key.Key_Escape and self.start is not None

    def key(self, event: QKeyEvent) -> bool:
        return event.key() == Qt.Key.Key_Escape and self.cancel()

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        if self.start is None or self.end is None:
            return
        a, b = to_view.map(self.start.point), to_view.map(self.end.point)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(overlay_pen(QColor(255, 255, 255), 2))
        painter.drawLine(a, b)
        painter.setPen(overlay_pen(QColor(0, 0, 0), 1, dashed=True))
        painter.drawLine(a, b)
        if self._long_enough():
            angle = level_angle((self.start.x, self.start.y), (self.end.x, self.end.y))
            painter.setPen(QColor(255, 255, 255))
            painter.drawText(b + QPointF(10, -10), f"{angle:+.2f}\u00b0")
        painter.restore()
