"""The crop tool: drag a rectangle, adjust it with handles, apply.

After the drag the rectangle keeps eight handles (corners and edges) and
can be moved by dragging inside it; an aspect preset (free, the original's,
1:1, 4:3, 3:2, 16:9 and their portrait turns) holds its proportions; the
rule-of-thirds lines help placing the subject. Enter or Apply adds a crop
step; Escape drops the rectangle.

A crop step chosen in the Steps panel is re-edited here: the canvas shows
the image that step crops (the steps after it are hidden meanwhile), with
the step's rectangle and its handles; Enter or Apply changes the step (one
undo entry), Escape leaves it as it was.
"""
from __future__ import annotations

import itertools
import math

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QTransform

from ..history_commands import AddStepCommand, EditStepCommand
from ..tool_options_bar import ToolOptions
from .base import CanvasTool, ToolEvent, overlay_pen, register_tool

CROP_OP = "geometry.crop"
HANDLE_PX = 10.0  # handle size on screen
CLICK_SLOP = 3.0  # screen pixels a press may move and still be a click
ASPECTS = [
    ("Free", None),
    ("Original", "original"),
    ("1:1", (1, 1)),
    ("4:3", (4, 3)),
    ("3:2", (3, 2)),
    ("16:9", (16, 9)),
    ("3:4 (portrait)", (3, 4)),
    ("2:3 (portrait)", (2, 3)),
    ("9:16 (portrait)", (9, 16)),
]
# Handle names: which edges they move (left, top, right, bottom).
HANDLES = {
    "top-left": (True, True, False, False), "top": (False, True, False, False),
    "top-right": (False, True, True, False), "right": (False, False, True, False),
    "bottom-right": (False, False, True, True), "bottom": (False, False, False, True),
    "bottom-left": (True, False, False, True), "left": (True, False, False, False),
}
_gestures = itertools.count(-1, -1)  # edit gestures of their own: never merged with a slider's


def add_unmasked_step(tool: CanvasTool, step) -> None:
    """Add a step that changes the image's size as one undo entry. Not through
    the selection: a mask cannot limit a crop or a rotation."""
    document = tool.controller.document
    if document is not None:
        tool.controller.window.undo_stack.push(AddStepCommand(document, step))


def fit_aspect(left: float, top: float, right: float, bottom: float, ratio: float, moving: tuple[bool, ...],
               bounds: tuple[float, float]) -> tuple[float, float, float, float]:
    """The rectangle with width / height = ``ratio`` nearest to the one given,
    anchored on the edges that are not ``moving`` (left, top, right, bottom),
    inside ``(0, 0, width, height)`` of ``bounds``."""
    w_max, h_max = bounds
    move_l, move_t, move_r, move_b = moving
    width, height = right - left, bottom - top
    horizontal, vertical = move_l or move_r, move_t or move_b
    if horizontal and not vertical:
        height = width / ratio
    elif vertical and not horizontal:
        width = height * ratio
    elif width / max(height, 1e-9) > ratio:
        width = height * ratio
    else:
        height = width / ratio
    # Anchors: the fixed edge, or the centre of an axis whose both edges are free.
    cx, cy = (left + right) / 2, (top + bottom) / 2
    ax = right if move_l and not move_r else left if move_r and not move_l else cx
    ay = bottom if move_t and not move_b else top if move_b and not move_t else cy
    # Room from the anchor to the image's edges in the direction it grows.
    room_w = ax if ax == right and move_l else (w_max - ax) if ax == left and move_r else 2 * min(ax, w_max - ax)
    room_h = ay if ay == bottom and move_t else (h_max - ay) if ay == top and move_b else 2 * min(ay, h_max - ay)
    shrink = min(1.0, room_w / max(width, 1e-9), room_h / max(height, 1e-9))
    width, height = width * shrink, height * shrink

    def place(anchor, size, grows_from_low, grows_from_high):
        if grows_from_low and not grows_from_high:
            return anchor - size, anchor
        if grows_from_high and not grows_from_low:
            return anchor, anchor + size
        return anchor - size / 2, anchor + size / 2

    x0, x1 = place(ax, width, move_l, move_r) if (move_l or move_r) else place(ax, width, False, False)
    y0, y1 = place(ay, height, move_t, move_b) if (move_t or move_b) else place(ay, height, False, False)
    return x0, y0, x1, y1


@register_tool(order=30)
class CropTool(CanvasTool):
    id = "crop"
    name = "&Crop"
    icon = "crop"
    shortcut = "C"
    cursor = Qt.CursorShape.CrossCursor
    status = ("Crop: drag a rectangle, then adjust it with the handles or move it; "
              "Enter applies, Escape drops it.")

    def __init__(self, controller):
        super().__init__(controller)
        options = ToolOptions()
        self.aspect_box = options.choice("Aspect", ASPECTS, "Keep the rectangle's proportions")
        self.thirds_box = options.check("Rule of thirds", True, "Show lines dividing the rectangle in thirds")
        self.apply_button = options.button("Apply", "Crop to the rectangle (Enter)")
        self.cancel_button = options.button("Cancel", "Drop the rectangle (Escape)")
        self.options = options.finish()
        self.aspect_box.activated.connect(lambda _i: self._aspect_changed())
        self.thirds_box.toggled.connect(lambda _on: self.update())
        self.apply_button.clicked.connect(self.commit)
        self.cancel_button.clicked.connect(self.cancel)
        self.rect: list[float] | None = None  # left, top, right, bottom in image pixels
        self._drag: tuple[str, ToolEvent, list[float]] | None = None  # (what, press, rect at press)
        self.editing: int | None = None  # index of the crop step being re-edited
        self._update_buttons()
        window = controller.window
        window.steps_panel.step_selected.connect(self._step_selected)

    def options_widget(self):
        return self.options

    # -- state --------------------------------------------------------------------------
    def crop_values(self) -> dict[str, int] | None:
        """The step's parameters for the rectangle: whole pixels inside the image."""
        if self.rect is None:
            return None
        w, h = self.image_size()
        left, top, right, bottom = self.rect
        # The size is rounded as a whole, not as two edges: a ratio stays as near as pixels allow.
        x0, y0 = min(max(0, round(left)), w - 1), min(max(0, round(top)), h - 1)
        width = min(max(1, round(right - left)), w - x0)
        height = min(max(1, round(bottom - top)), h - y0)
        return {"x": x0, "y": y0, "width": width, "height": height}

    def set_rect(self, left: float, top: float, right: float, bottom: float) -> None:
        self.rect = [left, top, right, bottom]
        self._update_buttons()
        self.update()
        values = self.crop_values()
        self.status_changed.emit(f"Crop to {values['width']} x {values['height']} at ({values['x']}, "
                                 f"{values['y']}): Enter applies, Escape drops it; drag the handles to adjust.")

    def _update_buttons(self) -> None:
        self.apply_button.setEnabled(self.rect is not None)
        self.cancel_button.setEnabled(self.rect is not None or self.editing is not None)

    def ratio(self) -> float | None:
        data = self.aspect_box.currentData()
        if data is None:
            return None
        if data == "original":
            h, w = self._original_shape()
            return w / h
        return data[0] / data[1]

    def _original_shape(self) -> tuple[int, int]:
        document = self.controller.document
        return document.source.shape[:2] if document is not None else (1, 1)

    # -- events ------------------------------------------------------------------------
    def _hit(self, event: ToolEvent) -> str | None:
        """The handle under the pointer, "inside", or None."""
        if self.rect is None:
            return None
        to_view = self.canvas.viewportTransform()
        left, top, right, bottom = self.rect
        on_screen = to_view.mapRect(QRectF(left, top, right - left, bottom - top))
        # A small rectangle on screen keeps room inside it to grab it by.
        nearest, best = None, min(HANDLE_PX, max(3.0, min(on_screen.width(), on_screen.height()) / 4))
        for name, point in self._handle_points().items():
            p = to_view.map(point)
            distance = max(abs(p.x() - event.view.x()), abs(p.y() - event.view.y()))
            if distance <= best:  # the nearest: on a small rectangle the handles overlap
                nearest, best = name, distance
        if nearest is not None:
            return nearest
        if left <= event.x <= right and top <= event.y <= bottom:
            return "inside"
        return None

    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.controller.document is None:
            return False
        hit = self._hit(event)
        if hit is None:
            w, h = self.image_size()
            x, y = min(max(0.0, round(event.x)), w), min(max(0.0, round(event.y)), h)
            self._drag = ("new", event, [x, y, x, y])
        else:
            self._drag = (hit, event, list(self.rect))
        return True

    def move(self, event: ToolEvent) -> bool:
        if self._drag is None:
            hit = self._hit(event)
            cursors = {"inside": Qt.CursorShape.SizeAllCursor, "left": Qt.CursorShape.SizeHorCursor,
                       "right": Qt.CursorShape.SizeHorCursor, "top": Qt.CursorShape.SizeVerCursor,
                       "bottom": Qt.CursorShape.SizeVerCursor, "top-left": Qt.CursorShape.SizeFDiagCursor,
                       "bottom-right": Qt.CursorShape.SizeFDiagCursor, "top-right": Qt.CursorShape.SizeBDiagCursor,
                       "bottom-left": Qt.CursorShape.SizeBDiagCursor}
            self.canvas.viewport().setCursor(cursors.get(hit, self.cursor))
            return False
        what, start, rect = self._drag
        if what == "new" and math.hypot(event.view.x() - start.view.x(), event.view.y() - start.view.y()) <= CLICK_SLOP:
            return True
        self._drag_to(what, start, rect, event)
        return True

    def release(self, event: ToolEvent) -> bool:
        if self._drag is None or event.button != Qt.MouseButton.LeftButton:
            return False
        what, start, rect = self._drag
        self._drag = None
        if what == "new" and math.hypot(event.view.x() - start.view.x(), event.view.y() - start.view.y()) <= CLICK_SLOP:
            return True  # a click without a drag keeps the rectangle there is
        self._drag_to(what, start, rect, event)
        return True

    def _drag_to(self, what: str, start: ToolEvent, rect: list[float], event: ToolEvent) -> None:
        w, h = self.image_size()
        # Whole image pixels: the crop keeps whole pixels, the rectangle shows them.
        x, y = min(max(0.0, round(event.x)), w), min(max(0.0, round(event.y)), h)
        left, top, right, bottom = rect
        if what == "inside":
            dx = min(max(round(event.x - start.x), -left), w - right)
            dy = min(max(round(event.y - start.y), -top), h - bottom)
            self.set_rect(left + dx, top + dy, right + dx, bottom + dy)
            return
        if what == "new":
            # The press point is the anchor; the pointer is the opposite corner.
            ax, ay = left, top
            moving = (x < ax, y < ay, x >= ax, y >= ay)
            left, right = (x, ax) if x < ax else (ax, x)
            top, bottom = (y, ay) if y < ay else (ay, y)
        else:
            move_l, move_t, move_r, move_b = HANDLES[what]
            if move_l:
                left = min(x, right - 1)
            if move_r:
                right = max(x, left + 1)
            if move_t:
                top = min(y, bottom - 1)
            if move_b:
                bottom = max(y, top + 1)
            moving = HANDLES[what]
        ratio = self.ratio()
        if ratio is not None and right > left and bottom > top:
            left, top, right, bottom = fit_aspect(left, top, right, bottom, ratio, moving, (w, h))
        if right - left >= 1 and bottom - top >= 1:
            self.set_rect(left, top, right, bottom)

    def _aspect_changed(self) -> None:
        ratio = self.ratio()
        if self.rect is None or ratio is None:
            return
        w, h = self.image_size()
        self.set_rect(*fit_aspect(*self.rect, ratio, (True, True, True, True), (w, h)))

    def wants_key(self, event: QKeyEvent) -> bool:
        active = self.rect is not None or self.editing is not None
        return active and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)

    def key(self, event: QKeyEvent) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.rect is not None:
            self.commit()
            return True
        if event.key() == Qt.Key.Key_Escape:
            return self.cancel()
        return False

    # -- results ------------------------------------------------------------------------
    def commit(self) -> None:
        """Enter or Apply: add the crop step, or change the one re-edited."""
        values = self.crop_values()
        document = self.controller.document
        if values is None or document is None:
            return
        if self.editing is not None:
            index, self.editing = self.editing, None
            self.rect = None
            # The step may have gone meanwhile (undo): then there is nothing to change.
            if index < len(document.steps) and document.steps[index].op_id == CROP_OP:
                old = document.steps[index]
                new = old.with_params(dict(old.params, **values))
                if new != old:
                    self.controller.window.undo_stack.push(EditStepCommand(document, index, new, next(_gestures)))
            self._show_all_steps()
        else:
            self.rect = None
            add_unmasked_step(self, document.make_step(CROP_OP, values))
        self._update_buttons()
        self.status_changed.emit(self.status)
        self.update()

    def cancel(self) -> bool:
        had = self.rect is not None or self._drag is not None or self.editing is not None
        self.rect, self._drag = None, None
        if self.editing is not None:
            self.editing = None
            self._show_all_steps()
        self._update_buttons()
        self.status_changed.emit(self.status)
        self.update()
        return had

    # -- re-editing a crop step ---------------------------------------------------------------
    def _step_selected(self, index: int) -> None:
        document = self.controller.document
        if document is None or not 0 <= index < len(document.steps) or document.steps[index].op_id != CROP_OP:
            if self.editing is not None:
                self.cancel()  # another step chosen: the image comes back whole
            return
        # After the window has put the step in the Settings panel.
        QTimer.singleShot(0, lambda: self.edit_step(index))

    def edit_step(self, index: int) -> None:
        """Show the image crop step ``index`` applies to, with its rectangle."""
        document = self.controller.document
        if document is None or not 0 <= index < len(document.steps):
            return
        step = document.steps[index]
        if step.op_id != CROP_OP:
            return
        if self.controller.active is not self:
            self.controller.activate(self.id)
        self.editing = index
        window = self.controller.window
        h, w = window._input_shape(index)[:2]
        p = step.params
        x, y = p["x"], p["y"]
        self.rect = [float(x), float(y), float(min(w, x + p["width"])), float(min(h, y + p["height"]))]
        window.live.request(document.steps[:index], True)  # the image before the crop
        self._update_buttons()
        self.update()
        self.status_changed.emit(f"Re-editing crop step {index + 1}: adjust the rectangle; Enter applies, "
                                 "Escape leaves the step as it was.")

    def _show_all_steps(self) -> None:
        window = self.controller.window
        window._request_render(final=True)

    def deactivate(self) -> None:
        self.cancel()

    # -- overlay ------------------------------------------------------------------------------
    def _handle_points(self) -> dict[str, QPointF]:
        left, top, right, bottom = self.rect
        cx, cy = (left + right) / 2, (top + bottom) / 2
        return {"top-left": QPointF(left, top), "top": QPointF(cx, top), "top-right": QPointF(right, top),
                "right": QPointF(right, cy), "bottom-right": QPointF(right, bottom),
                "bottom": QPointF(cx, bottom), "bottom-left": QPointF(left, bottom), "left": QPointF(left, cy)}

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        if self.rect is None:
            return
        w, h = self.image_size()
        left, top, right, bottom = self.rect
        outer = to_view.mapRect(QRectF(0, 0, w, h))
        inner = to_view.mapRect(QRectF(left, top, right - left, bottom - top))
        painter.save()
        shade = QColor(0, 0, 0, 140)
        for part in (QRectF(outer.left(), outer.top(), outer.width(), inner.top() - outer.top()),
                     QRectF(outer.left(), inner.bottom(), outer.width(), outer.bottom() - inner.bottom()),
                     QRectF(outer.left(), inner.top(), inner.left() - outer.left(), inner.height()),
                     QRectF(inner.right(), inner.top(), outer.right() - inner.right(), inner.height())):
            if part.width() > 0 and part.height() > 0:
                painter.fillRect(part, shade)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.thirds_box.isChecked():
            painter.setPen(overlay_pen(QColor(255, 255, 255, 150)))
            for k in (1, 2):
                x = inner.left() + inner.width() * k / 3
                y = inner.top() + inner.height() * k / 3
                painter.drawLine(QPointF(x, inner.top()), QPointF(x, inner.bottom()))
                painter.drawLine(QPointF(inner.left(), y), QPointF(inner.right(), y))
        painter.setPen(overlay_pen(QColor(255, 255, 255)))
        painter.drawRect(inner)
        painter.setPen(overlay_pen(QColor(0, 0, 0), dashed=True))
        painter.drawRect(inner)
        half = HANDLE_PX / 2
        for point in self._handle_points().values():
            p = to_view.map(point)
            square = QRectF(p.x() - half, p.y() - half, HANDLE_PX, HANDLE_PX)
            painter.fillRect(square, QColor(255, 255, 255))
            painter.setPen(overlay_pen(QColor(0, 0, 0)))
            painter.drawRect(square)
        painter.restore()
