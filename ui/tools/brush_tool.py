"""The brush: paint the selection with a round brush.

A stroke paints at the pointer's pace on a photo of any size: each pointer
move paints one segment on a reduced proxy of the mask, shown as a red tint
over the image, and repaints only the part of the view the segment covers;
the full-resolution mask follows segment by segment when the event loop is
free, and is complete when the button is released. Zoomed in past the
proxy's detail, the tint of the part repainted comes from the
full-resolution mask instead (few pixels at such zooms). The finished stroke
becomes the selection (one undo entry), so any operation then applies
through it, and inpainting takes it as its mask.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QTransform

from editor.brush_stroke import BrushSettings, StrokeLayer

from ..tool_options_bar import ToolOptions
from .base import CanvasTool, ToolEvent, overlay_pen, register_tool

OVERLAY_PIXELS = 2_000_000  # the proxy mask shown on screen has about this many pixels
OVERLAY_ALPHA = 140  # of 255, where the mask is fully painted
SIZE_STEP = 1.25  # [ and ] divide or multiply the size by this
MAX_SIZE = 5000


@register_tool(order=20)
class BrushTool(CanvasTool):
    id = "brush"
    name = "&Brush"
    icon = "brush"
    shortcut = "B"
    cursor = Qt.CursorShape.CrossCursor
    status = ("Brush: drag to paint the selection; right button or Alt+drag erases; "
              "[ and ] change the size. Operations then apply where you painted.")

    def __init__(self, controller):
        super().__init__(controller)
        options = ToolOptions()
        self.size_box = options.number("Size", 1, MAX_SIZE, 40, " px", "Brush diameter in image pixels ([ and ])",
                                       slider_maximum=500)
        self.hardness_box = options.number("Hardness", 0, 100, 75, " %",
                                           "How much of the brush paints at full strength; the rest fades out")
        self.opacity_box = options.number("Opacity", 1, 100, 100, " %",
                                          "Strength of one stroke; going over a place again in the same stroke "
                                          "does not add up, a new stroke does")
        self.options = options.finish()
        self.size_box.valueChanged.connect(lambda _v: self._outline_moved(self._hover))
        self._full: np.ndarray | None = None  # the mask being painted, full resolution
        self._proxy: np.ndarray | None = None  # the same, reduced by _factor, shown on screen
        self._factor = 1
        self._pixels: np.ndarray | None = None  # premultiplied ARGB of the overlay
        self._image: QImage | None = None  # a QImage over _pixels (no copy)
        self._source = None  # the document selection the masks were made from
        self._layers: tuple[StrokeLayer, StrokeLayer] | None = None  # (full, proxy) during a stroke
        self._erasing = False
        self._last: tuple[float, float] | None = None
        self._pending: list[tuple[tuple[float, float], tuple[float, float]]] = []  # full-resolution segments
        self._hover: QPointF | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self.flush)

    def options_widget(self):
        return self.options

    def settings(self, erase: bool = False) -> BrushSettings:
        return BrushSettings(self.size_box.value(), self.hardness_box.value() / 100.0,
                             self.opacity_box.value() / 100.0, erase)

    # -- the masks ---------------------------------------------------------------------
    def _prepare(self) -> None:
        """Working masks that match the document's selection and the image shown."""
        document = self.controller.document
        h, w = self.controller.result_shape()
        selection = document.selection if document is not None else None
        if self._full is not None and self._full.shape == (h, w) and selection is self._source:
            return
        if selection is not None and selection.shape == (h, w):
            full = np.array(selection.mask, dtype=np.float32)  # one copy, bool or float
        else:
            full = np.zeros((h, w), np.float32)
        f = max(1, math.ceil(math.sqrt(h * w / OVERLAY_PIXELS)))
        proxy = np.zeros((math.ceil(h / f), math.ceil(w / f)), np.float32)
        centres = full[f // 2::f, f // 2::f]  # the proxy pixel's centre, as the brush measures it
        proxy[:centres.shape[0], :centres.shape[1]] = centres
        self._full, self._proxy, self._factor, self._source = full, proxy, f, selection
        self._pixels = np.zeros(proxy.shape, np.uint32)
        self._image = QImage(self._pixels.data, proxy.shape[1], proxy.shape[0], proxy.shape[1] * 4,
                             QImage.Format.Format_ARGB32_Premultiplied)
        self._tint(0, 0, *proxy.shape)

    def _tint(self, r0: int, c0: int, r1: int, c1: int) -> None:
        """Redo the overlay's pixels over a box of the proxy: red, as a quick mask."""
        alpha = (self._proxy[r0:r1, c0:c1] * OVERLAY_ALPHA + 0.5).astype(np.uint32)
        self._pixels[r0:r1, c0:c1] = (alpha << 24) | (alpha << 16)

    def working_mask(self) -> np.ndarray | None:
        """The full-resolution mask as painted so far (after :meth:`flush`)."""
        return self._full

    # -- events ---------------------------------------------------------------------------
    def press(self, event: ToolEvent) -> bool:
        if self.controller.document is None or self._layers is not None:
            return False
        alt = bool(event.modifiers & Qt.KeyboardModifier.AltModifier)
        if event.button == Qt.MouseButton.RightButton:
            erase = True
        elif event.button == Qt.MouseButton.LeftButton:
            erase = alt
        else:
            return False
        self._prepare()
        settings = self.settings(erase)
        self._erasing = erase
        self._layers = (StrokeLayer(self._full, settings), StrokeLayer(self._proxy, settings, 1.0 / self._factor))
        self._last = (event.x, event.y)
        self._segment(self._last, self._last)
        return True

    def move(self, event: ToolEvent) -> bool:
        self._outline_moved(event.point)
        if self._layers is None:
            return False
        point = (event.x, event.y)
        if point != self._last:
            self._segment(self._last, point)
            self._last = point
        return True

    def release(self, event: ToolEvent) -> bool:
        if self._layers is None:
            return False
        expected = Qt.MouseButton.RightButton if event.button == Qt.MouseButton.RightButton else Qt.MouseButton.LeftButton
        if event.button != expected:
            return True
        point = (event.x, event.y)
        if point != self._last:
            self._segment(self._last, point)
        self.flush()
        self._layers = None
        self._last = None
        text = "Brush: Erase" if self._erasing else "Brush: Paint"
        self.selection_requested.emit(self._full, "replace", text)
        # The selection is now this mask: the next stroke goes on painting it without a copy.
        document = self.controller.document
        self._source = document.selection if document is not None else None
        return True

    def cancel(self) -> bool:
        if self._layers is None:
            return False
        self._flush_timer.stop()
        self._pending.clear()
        full, proxy = self._layers
        full.revert()
        proxy.revert()
        self._layers = None
        self._last = None
        if self._proxy is not None:
            self._tint(0, 0, *self._proxy.shape)
        self.update()
        return True

    def activate(self) -> None:
        self.canvas.viewport().installEventFilter(self)

    def deactivate(self) -> None:
        self.cancel()
        self.canvas.viewport().removeEventFilter(self)
        self._outline_moved(None)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._outline_moved(None)  # no brush outline left behind where the pointer was
        return False

    def wants_key(self, event: QKeyEvent) -> bool:
        return event.key() in (Qt.Key.Key_BracketLeft, Qt.Key.Key_BracketRight) or (
            event.key() == Qt.Key.Key_Escape and self._layers is not None)

    def key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_BracketRight:
            self.size_box.setValue(min(MAX_SIZE, max(self.size_box.value() + 1, round(self.size_box.value() * SIZE_STEP))))
            return True
        if event.key() == Qt.Key.Key_BracketLeft:
            self.size_box.setValue(max(1, min(self.size_box.value() - 1, round(self.size_box.value() / SIZE_STEP))))
            return True
        if event.key() == Qt.Key.Key_Escape:
            return self.cancel()
        return False

    # -- painting -------------------------------------------------------------------------
    def _segment(self, start, end) -> None:
        """One segment: on the proxy and the screen now, at full resolution soon."""
        box = self._layers[1].segment(start, end)
        self._pending.append((start, end))
        self._flush_timer.start()
        if box is not None:
            self._tint(*box)
            f = self._factor
            r0, c0, r1, c1 = box
            self._repaint_image_rect(QRectF(c0 * f, r0 * f, (c1 - c0) * f, (r1 - r0) * f))

    def flush(self) -> None:
        """Paint the segments waiting for the full-resolution mask."""
        self._flush_timer.stop()
        if self._layers is None:
            self._pending.clear()
            return
        full = self._layers[0]
        for start, end in self._pending:
            full.segment(start, end)
        self._pending.clear()

    def _repaint_image_rect(self, rect: QRectF) -> None:
        view = self.canvas.viewportTransform().mapRect(rect).toAlignedRect().adjusted(-2, -2, 2, 2)
        self.canvas.viewport().update(view)

    def _outline_moved(self, point: QPointF | None) -> None:
        old, self._hover = self._hover, point
        for p in (old, point):
            if p is not None:
                r = self.size_box.value() / 2.0 * 1.25 + 2.0 / max(self.screen_scale(), 1e-6)
                self._repaint_image_rect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))

    def _paint_fine(self, painter: QPainter, to_view: QTransform) -> None:
        """Zoomed in past the proxy's detail: tint the exposed part from the
        full-resolution mask (a small area at such zooms)."""
        self.flush()
        exposed = painter.clipBoundingRect() if painter.hasClipping() else QRectF(self.canvas.viewport().rect())
        inverse, _ok = to_view.inverted()
        area = inverse.mapRect(exposed).intersected(QRectF(0, 0, self._full.shape[1], self._full.shape[0]))
        if area.isEmpty():
            return
        c0, r0 = max(0, math.floor(area.left())), max(0, math.floor(area.top()))
        c1 = min(self._full.shape[1], math.ceil(area.right()) + 1)
        r1 = min(self._full.shape[0], math.ceil(area.bottom()) + 1)
        alpha = (self._full[r0:r1, c0:c1] * OVERLAY_ALPHA + 0.5).astype(np.uint32)
        pixels = np.ascontiguousarray((alpha << 24) | (alpha << 16))
        tint = QImage(pixels.data, c1 - c0, r1 - r0, (c1 - c0) * 4, QImage.Format.Format_ARGB32_Premultiplied)
        painter.save()
        painter.setTransform(to_view)
        painter.drawImage(QRectF(c0, r0, c1 - c0, r1 - r0), tint)
        painter.restore()

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        document = self.controller.document
        if document is None:
            return
        if self._layers is None and (document.selection is not self._source or self._full is None
                                     or self._full.shape != self.controller.result_shape()):
            self._prepare()  # the selection changed (undo, another tool): show the new one
        if self._image is not None and self._full is not None and self.screen_scale() * self._factor >= 2:
            self._paint_fine(painter, to_view)
        elif self._image is not None:
            f = self._factor
            visible = self.canvas.visible_image_rect()
            source = QRectF(visible.x() / f, visible.y() / f, visible.width() / f, visible.height() / f)
            source = source.intersected(QRectF(0, 0, self._image.width(), self._image.height()))
            if not source.isEmpty():
                # Whole proxy pixels, so the tint lines up with the image's pixels.
                source = QRectF(QRect(math.floor(source.x()), math.floor(source.y()),
                                      math.ceil(source.width()) + 1, math.ceil(source.height()) + 1))
                source = source.intersected(QRectF(0, 0, self._image.width(), self._image.height()))
                painter.save()
                painter.setTransform(to_view)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.screen_scale() * f < 2)
                target = QRectF(source.x() * f, source.y() * f, source.width() * f, source.height() * f)
                painter.drawImage(target, self._image, source)
                painter.restore()
        if self._hover is not None:
            centre = to_view.map(self._hover)
            r = self.size_box.value() / 2.0 * self.screen_scale()
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(overlay_pen(QColor(255, 255, 255)))
            painter.drawEllipse(centre, r, r)
            painter.setPen(overlay_pen(QColor(0, 0, 0), dashed=True))
            painter.drawEllipse(centre, r, r)
            hard = r * self.hardness_box.value() / 100.0
            if 2.0 < hard < r - 2.0:
                painter.setPen(overlay_pen(QColor(255, 255, 255, 120), dashed=True))
                painter.drawEllipse(centre, hard, hard)
            painter.restore()
