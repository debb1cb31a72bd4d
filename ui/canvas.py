"""The canvas: the image in a zoomable, pannable view."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel

ZOOM_STEP = 1.25
MIN_ZOOM, MAX_ZOOM = 0.01, 64.0
CANVAS_GREY = QColor(128, 128, 128)  # neutral mid-grey so colours are judged fairly


class ImageCanvas(QGraphicsView):
    """Shows one image; scene coordinates are full-resolution pixels.

    A proxy image (``factor`` > 1) is drawn scaled up by its factor, so the
    picture keeps its place and size when the full-resolution render
    replaces it.

    Signals
    -------
    pixel_hovered(int, int)
        Full-resolution pixel under the cursor, (-1, -1) when off the image.
    zoom_changed(float)
        Screen pixels per image pixel.
    """

    pixel_hovered = Signal(int, int)
    zoom_changed = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setBackgroundBrush(QBrush(CANVAS_GREY))
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setMouseTracking(True)
        self._fit = True
        self._full_size = (0, 0)
        self.factor = 1
        self._badge = QLabel(self.viewport())
        self._badge.setStyleSheet(
            "QLabel { background: rgba(20, 20, 20, 190); color: #f0c674; padding: 3px 7px; border-radius: 4px; }"
        )
        self._badge.move(8, 8)
        self._badge.hide()

    # -- image ---------------------------------------------------------------
    def set_image(self, image: QImage, factor: int = 1, full_size: tuple[int, int] | None = None) -> None:
        """Show ``image``, a render reduced by ``factor`` from ``full_size`` (w, h)."""
        full_w, full_h = full_size or (image.width() * factor, image.height() * factor)
        resized = (full_w, full_h) != self._full_size
        self._full_size = (full_w, full_h)
        self.factor = factor
        self._item.setPixmap(QPixmap.fromImage(image))
        self._item.setScale(full_w / max(1, image.width()))
        self.scene().setSceneRect(QRectF(0, 0, full_w, full_h))
        if factor > 1:
            self._badge.setText(f"Preview (approximate, 1:{factor})")
            self._badge.adjustSize()
            self._badge.show()
        else:
            self._badge.hide()
        if resized and self._fit:
            self.fit_to_window()

    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    def displayed_image(self) -> QImage:
        return self._item.pixmap().toImage()

    @property
    def badge_text(self) -> str:
        return self._badge.text() if self._badge.isVisible() or not self._badge.isHidden() else ""

    def is_preview_badge_shown(self) -> bool:
        return not self._badge.isHidden()

    # -- zoom ------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        self._fit = False
        self.resetTransform()
        self.scale(zoom, zoom)
        self._update_smoothing()
        self.zoom_changed.emit(zoom)

    def zoom_in(self) -> None:
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def fit_to_window(self) -> None:
        self._fit = True
        if self._full_size[0] and self._full_size[1]:
            self.fitInView(self.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._update_smoothing()
        self.zoom_changed.emit(self.zoom())

    def _update_smoothing(self) -> None:
        # Past 2x, show crisp pixels: that is what a pixel peeper wants.
        mode = Qt.TransformationMode.FastTransformation if self.zoom() * self.factor >= 2 else Qt.TransformationMode.SmoothTransformation
        self._item.setTransformationMode(mode)

    def visible_image_rect(self) -> QRectF:
        """The part of the image (full-resolution pixels) that is on screen."""
        return self.mapToScene(self.viewport().rect()).boundingRect().intersected(self.sceneRect())

    # -- events ------------------------------------------------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.set_zoom(self.zoom() * ZOOM_STEP**steps)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit_to_window()

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        point: QPointF = self.mapToScene(event.position().toPoint())
        x, y = int(point.x()), int(point.y())
        w, h = self._full_size
        if 0 <= point.x() < w and 0 <= point.y() < h:
            self.pixel_hovered.emit(x, y)
        else:
            self.pixel_hovered.emit(-1, -1)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self.pixel_hovered.emit(-1, -1)
