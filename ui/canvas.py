"""The canvas: the image in a zoomable, pannable view, with before/after modes.

Scene coordinates are full-resolution pixels of the edited ("after") image.
Images are drawn straight from QImage, only the exposed part, choosing the
display-resolution proxy when it has enough detail for the zoom and the
full-resolution image when it does not: no multi-megapixel QPixmap is ever
built on the GUI thread.

Point-and-click tools (ui.tools) get the canvas's mouse, key and wheel events
in image coordinates and paint their overlays over the image; the middle
button pans whatever tool is active.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStyleOptionGraphicsItem,
)

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.01, 64.0
CANVAS_GREY = QColor(128, 128, 128)  # neutral mid-grey so colours are judged fairly


@dataclass
class Picture:
    """One image at up to two resolutions: a proxy reduced by ``factor`` and,
    once rendered, the full-resolution image."""

    proxy: QImage | None = None
    factor: int = 1
    full: QImage | None = None
    width: int = 0  # full-resolution size
    height: int = 0

    def best(self, screen_per_pixel: float) -> tuple[QImage | None, float]:
        """The image to draw at this zoom and its scale to full resolution."""
        if self.full is not None and (self.proxy is None or screen_per_pixel * self.factor > 1.0):
            return self.full, 1.0
        if self.proxy is not None:
            return self.proxy, float(self.factor)
        return self.full, 1.0


class PictureItem(QGraphicsItem):
    """Draws a :class:`Picture`, optionally clipped to the left or right of a
    vertical line (the split of the before/after view)."""

    def __init__(self):
        super().__init__()
        self.picture = Picture()
        self.clip_left_of: float | None = None  # draw only x < this
        self.clip_right_of: float | None = None  # draw only x >= this
        # An exact full-resolution render of part of the picture, drawn over a
        # proxy while zoomed in: (image, x, y).
        self.region: tuple[QImage, int, int] | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)

    def set_picture(self, picture: Picture) -> None:
        self.prepareGeometryChange()
        self.picture = picture
        self.region = None
        self.update()

    def set_region(self, image: QImage, x: int, y: int) -> None:
        self.region = (image, x, y)
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.picture.width, self.picture.height)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        image, scale = self.picture.best(lod)
        if image is None:
            return
        target = option.exposedRect.intersected(self.boundingRect())
        if self.clip_left_of is not None:
            target = target.intersected(QRectF(0, 0, max(0.0, self.clip_left_of), self.picture.height))
        if self.clip_right_of is not None:
            target = target.intersected(
                QRectF(self.clip_right_of, 0, max(0.0, self.picture.width - self.clip_right_of), self.picture.height)
            )
        if target.isEmpty():
            return
        # Past 2 screen pixels per image pixel, show crisp pixels: that is what
        # a pixel peeper wants; below, smooth the reduction.
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, lod * scale < 2.0)
        source = QRectF(target.x() / scale, target.y() / scale, target.width() / scale, target.height() / scale)
        painter.drawImage(target, image, source)
        if self.region is not None and scale > 1:
            region, x, y = self.region
            area = target.intersected(QRectF(x, y, region.width(), region.height()))
            if not area.isEmpty():
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, lod < 2.0)
                painter.drawImage(area, region, area.translated(-x, -y))


class SplitHandle(QGraphicsItem):
    """The draggable vertical line between before (left) and after (right)."""

    def __init__(self, canvas: "ImageCanvas"):
        super().__init__()
        self._canvas = canvas
        self.height = 0.0
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, False)
        self.setCursor(Qt.CursorShape.SplitHCursor)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setZValue(10)

    def _width(self) -> float:
        view_scale = self._canvas.zoom() or 1.0
        return 12.0 / view_scale  # about 12 screen pixels to grab at any zoom

    def boundingRect(self) -> QRectF:
        w = self._width()
        return QRectF(-w / 2, 0, w, self.height)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pen = QPen(QColor(255, 255, 255, 230))
        pen.setCosmetic(True)
        pen.setWidth(2)
        painter.setPen(pen)
        painter.drawLine(QPointF(0, 0), QPointF(0, self.height))

    def mousePressEvent(self, event) -> None:
        event.accept()

    def mouseMoveEvent(self, event) -> None:
        self._canvas.set_split(event.scenePos().x() / max(1.0, self._canvas.scene_width()))


class ImageCanvas(QGraphicsView):
    """Shows the edited image, and the "before" image in the compare modes.

    Modes: ``"after"``, ``"split"`` (before left of a draggable line, after to
    the right, same zoom and pan), ``"before"`` (hold backslash) and
    ``"difference"`` (a heat map set with :meth:`set_difference`).

    Signals
    -------
    pixel_hovered(int, int)
        Full-resolution pixel under the cursor, (-1, -1) when off the image.
    zoom_changed(float)
        Screen pixels per image pixel.
    view_changed()
        Zoom or pan moved (side-by-side views follow each other).
    clicked(float, float)
        A click with the pick tool on, in image pixels.
    rect_selected(int, int, int, int)
        x, y, width, height of a rectangle dragged with the rectangle tool.
    enter_pressed()
        Enter or Return with the canvas focused (after a drag on the image,
        Enter applies, as in GIMP).
    painted(float)
        Seconds the last paint of the view took (the live preview budgets
        its frames with it).
    """

    pixel_hovered = Signal(int, int)
    zoom_changed = Signal(float)
    view_changed = Signal()
    clicked = Signal(float, float)
    rect_selected = Signal(int, int, int, int)
    enter_pressed = Signal()
    painted = Signal(float)

    MODES = ("after", "split", "before", "difference")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.after_item = PictureItem()
        self.before_item = PictureItem()
        self.difference_item = PictureItem()
        self.split_handle = SplitHandle(self)
        for item in (self.before_item, self.after_item, self.difference_item, self.split_handle):
            self.scene().addItem(item)
        self.setBackgroundBrush(QBrush(CANVAS_GREY))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setMouseTracking(True)
        self.mode = "after"
        self.split = 0.5
        self.picking = False
        self.tool = "pan"
        self._rubber_start: QPointF | None = None
        # The point-and-click tool (ui.tools) that gets mouse and key events
        # in image coordinates, and what is painted over the image.
        self.active_tool = None
        self.overlays: list[Callable[[QPainter, QTransform], None]] = []
        self._pan_from: QPointF | None = None  # middle-button pan in progress
        self._fit = True
        self._badge = QLabel(self.viewport())
        self._badge.setStyleSheet(
            "QLabel { background: rgba(20, 20, 20, 190); color: #f0c674; padding: 3px 7px; border-radius: 4px; }"
        )
        self._badge.move(8, 8)
        self._badge.hide()
        self._label = QLabel(self.viewport())
        self._label.setStyleSheet(
            "QLabel { background: rgba(20, 20, 20, 170); color: #e0e0e0; padding: 2px 6px; border-radius: 3px; }"
        )
        self._label.hide()
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)
        self._apply_mode()

    # -- pictures -------------------------------------------------------------
    @property
    def factor(self) -> int:
        return self.after_item.picture.factor

    def scene_width(self) -> float:
        return float(self.after_item.picture.width)

    def set_after(self, image: QImage, factor: int, full_size: tuple[int, int]) -> None:
        """Show ``image`` (reduced by ``factor`` from ``full_size`` (w, h)) as the result."""
        self._set(self.after_item, image, factor, full_size)
        resized = (full_size[0], full_size[1]) != (self.sceneRect().width(), self.sceneRect().height())
        self.scene().setSceneRect(QRectF(0, 0, full_size[0], full_size[1]))
        self.split_handle.prepareGeometryChange()
        self.split_handle.height = float(full_size[1])
        self._update_badge()
        self._apply_mode()
        if resized and self._fit:
            self.fit_to_window()

    def set_region(self, image: QImage, x: int, y: int) -> None:
        """Draw an exact full-resolution render of part of the result over the
        proxy, at image pixel (x, y); the next result replaces it."""
        self.after_item.set_region(image, x, y)
        self._badge.setText("Preview (exact in view)")
        self._badge.adjustSize()

    def set_before(self, image: QImage, factor: int, full_size: tuple[int, int]) -> None:
        """The image to compare with (the original, or any earlier step)."""
        self._set(self.before_item, image, factor, full_size)
        self._apply_mode()

    def set_difference(self, image: QImage, factor: int, full_size: tuple[int, int]) -> None:
        self._set(self.difference_item, image, factor, full_size)
        self._apply_mode()

    def clear_before(self) -> None:
        self.before_item.set_picture(Picture())
        self.difference_item.set_picture(Picture())

    @staticmethod
    def _set(item: PictureItem, image: QImage, factor: int, full_size: tuple[int, int]) -> None:
        old = item.picture
        if factor > 1:
            item.set_picture(Picture(image, factor, None, *full_size))
            return
        # A full render follows its own proxy: keep the proxy for zoomed-out views.
        keep = (old.width, old.height) == tuple(full_size) and old.proxy is not None
        item.set_picture(Picture(old.proxy if keep else None, old.factor if keep else 1, image, *full_size))

    def displayed_image(self) -> QImage:
        """The best-resolution result image (full if rendered, else the proxy)."""
        p = self.after_item.picture
        return p.full if p.full is not None else p.proxy

    def is_preview_badge_shown(self) -> bool:
        return not self._badge.isHidden()

    def _update_badge(self) -> None:
        p = self.after_item.picture
        if p.full is None and p.factor > 1:
            self._badge.setText(f"Preview (approximate, 1:{p.factor})")
            self._badge.adjustSize()
            self._badge.show()
        else:
            self._badge.hide()

    # -- compare modes ------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        if mode not in self.MODES:
            raise ValueError(f"unknown canvas mode {mode!r}")
        self.mode = mode
        self._apply_mode()

    def set_split(self, fraction: float) -> None:
        """Move the split line to ``fraction`` of the image width (0 to 1)."""
        self.split = min(1.0, max(0.0, fraction))
        self._apply_mode()

    def before_scale(self) -> float:
        """How much the before image is scaled to sit in the after image's frame."""
        before, after = self.before_item.picture, self.after_item.picture
        return after.width / before.width if before.width else 1.0

    def effective_mode(self) -> str:
        """The mode actually shown: compare modes need a before image."""
        before = self.before_item.picture
        if before.proxy is None and before.full is None:
            return "after"
        if self.mode == "difference" and self.difference_item.picture.width == 0:
            return "after"
        return self.mode

    def _apply_mode(self) -> None:
        mode = self.effective_mode()
        after = self.after_item.picture
        x = self.split * after.width
        scale = self.before_scale()
        self.before_item.setScale(scale)
        self.after_item.setVisible(mode in ("after", "split"))
        self.before_item.setVisible(mode in ("split", "before"))
        self.difference_item.setVisible(mode == "difference")
        self.after_item.clip_right_of = x if mode == "split" else None
        self.before_item.clip_left_of = x / scale if mode == "split" else None
        self.split_handle.setVisible(mode == "split")
        self.split_handle.setPos(x, 0)
        labels = {"split": "Before | After", "before": "Before", "difference": "Difference"}
        if mode in labels:
            self._label.setText(labels[mode])
            self._label.adjustSize()
            self._label.move(self.viewport().width() - self._label.width() - 8, 8)
            self._label.show()
        else:
            self._label.hide()
        self.after_item.update()
        self.before_item.update()
        self.scene().update()

    # -- zoom --------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._fit = False
        self.setTransform(self.transform().fromScale(zoom, zoom))
        self.zoom_changed.emit(zoom)
        self.view_changed.emit()

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit_to_window(self) -> None:
        self._fit = True
        if not self.sceneRect().isEmpty():
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_changed.emit(self.zoom())
        self.view_changed.emit()

    def fit_zoom(self) -> float:
        """The zoom at which the whole image fits the view."""
        rect, view = self.sceneRect(), self.viewport().size()
        if rect.isEmpty() or view.isEmpty():
            return self.zoom()
        return min(view.width() / rect.width(), view.height() / rect.height())

    def follow(self, other: "ImageCanvas") -> None:
        """Take ``other``'s zoom and pan (side-by-side view)."""
        if self.transform() != other.transform():
            self.setTransform(other.transform())
        self.horizontalScrollBar().setValue(other.horizontalScrollBar().value())
        self.verticalScrollBar().setValue(other.verticalScrollBar().value())

    def visible_image_rect(self) -> QRectF:
        """The part of the image (full-resolution pixels) that is on screen."""
        return self.mapToScene(self.viewport().rect()).boundingRect().intersected(self.sceneRect())

    # -- events ------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        started = time.perf_counter()
        super().paintEvent(event)
        self.painted.emit(time.perf_counter() - started)

    def wheelEvent(self, event: QWheelEvent) -> None:
        tool = self._tool_for_events()
        if tool is not None and tool.wheel(self.tool_event(event), event):
            event.accept()
            return
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit_to_window()
        self._apply_mode()

    # -- tools ---------------------------------------------------------------------
    def image_point(self, view_point: QPointF) -> QPointF:
        """The image (scene) point under a viewport point, keeping fractions:
        exact at every zoom, and for the half pixels of a high-DPI screen."""
        inverse, _ok = self.viewportTransform().inverted()
        return inverse.map(QPointF(view_point))

    def view_point(self, image_point: QPointF) -> QPointF:
        """The viewport point (logical pixels, fractional) of an image point."""
        return self.viewportTransform().map(QPointF(image_point))

    def tool_event(self, event):
        """A :class:`ui.tools.base.ToolEvent` for a mouse or wheel event."""
        from .tools.base import ToolEvent

        view = QPointF(event.position())
        point = self.image_point(view)
        button = event.button() if hasattr(event, "button") else Qt.MouseButton.NoButton
        return ToolEvent(point.x(), point.y(), view, button, event.buttons(), event.modifiers())

    def set_active_tool(self, tool) -> None:
        """Give events to ``tool`` (a CanvasTool), or to nobody (None: drag pans)."""
        if self.active_tool is tool:
            return
        self.active_tool = tool
        self._apply_drag_mode()
        self.viewport().update()

    def _tool_for_events(self):
        """The framework tool, unless an operation's own canvas mode (its
        rectangle or point picking) is on, or there is no image."""
        if self.tool != "pan" or self.sceneRect().isEmpty():
            return None
        return self.active_tool

    def _apply_drag_mode(self) -> None:
        modes = {"pan": QGraphicsView.DragMode.ScrollHandDrag, "pick": QGraphicsView.DragMode.NoDrag,
                 "rect": QGraphicsView.DragMode.RubberBandDrag}
        if self.tool == "pan" and self.active_tool is not None:
            self.setDragMode(QGraphicsView.DragMode.NoDrag)
            cursor = self.active_tool.cursor
        else:
            self.setDragMode(modes[self.tool])
            cursor = Qt.CursorShape.OpenHandCursor if self.tool == "pan" else Qt.CursorShape.CrossCursor
        self.viewport().setCursor(cursor)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        tool = self._tool_for_events()
        if not self.overlays and tool is None:
            return
        to_view = self.viewportTransform()
        painter.save()
        # Overlays draw in viewport pixels with 1-pixel pens: crisp at any zoom.
        painter.resetTransform()
        for overlay in self.overlays:
            overlay(painter, to_view)
        if tool is not None:
            tool.paint(painter, to_view)
        painter.restore()

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            tool = self._tool_for_events()
            if tool is not None and tool.wants_key(event):
                event.accept()
                return True
        return super().event(event)

    def _pan_by(self, event) -> None:
        delta = event.position() - self._pan_from
        self._pan_from = QPointF(event.position())
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = None
            event.accept()
            return
        tool = self._tool_for_events()
        if tool is not None and tool.release(self.tool_event(event)):
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self.tool == "rect" and self._rubber_start is not None and event.button() == Qt.MouseButton.LeftButton:
            end = self.mapToScene(event.position().toPoint())
            rect = QRectF(self._rubber_start, end).normalized().intersected(self.sceneRect())
            self._rubber_start = None
            if rect.width() >= 1 and rect.height() >= 1:
                x, y = int(round(rect.x())), int(round(rect.y()))
                self.rect_selected.emit(x, y, max(1, int(round(rect.right())) - x), max(1, int(round(rect.bottom())) - y))

    def mousePressEvent(self, event) -> None:
        tool = self._tool_for_events()
        if tool is not None and event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = QPointF(event.position())  # the middle button pans whatever the tool
            event.accept()
            return
        if tool is not None:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            if tool.press(self.tool_event(event)):
                event.accept()
                return
        if self.tool == "rect" and event.button() == Qt.MouseButton.LeftButton:
            self._rubber_start = self.mapToScene(event.position().toPoint())
        if self.picking and event.button() == Qt.MouseButton.LeftButton:
            point = self.mapToScene(event.position().toPoint())
            if self.sceneRect().contains(point):
                self.clicked.emit(point.x(), point.y())
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        tool = self._tool_for_events()
        if tool is not None and tool.double_click(self.tool_event(event)):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_by(event)
            event.accept()
            return
        tool = self._tool_for_events()
        if tool is None or not tool.move(self.tool_event(event)):
            super().mouseMoveEvent(event)
        point = self.image_point(event.position())
        if self.sceneRect().contains(point):
            self.pixel_hovered.emit(int(point.x()), int(point.y()))
        else:
            self.pixel_hovered.emit(-1, -1)

    def keyPressEvent(self, event) -> None:
        tool = self._tool_for_events()
        if tool is not None and tool.key(event):
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.enter_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.pixel_hovered.emit(-1, -1)

    def set_tool(self, tool: str) -> None:
        """``"pan"`` (drag pans), ``"pick"`` (a click reports a point) or
        ``"rect"`` (a drag reports a rectangle)."""
        if tool not in ("pan", "pick", "rect"):
            raise ValueError(f"unknown canvas tool {tool!r}")
        self.tool = tool
        self.picking = tool == "pick"
        self._apply_drag_mode()
        self.viewport().update()

    def set_picking(self, on: bool) -> None:
        """Turn the pick tool on (a click reports a point) or off (drag pans)."""
        self.set_tool("pick" if on else "pan")
