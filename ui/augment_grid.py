"""The grid of augmented variants: each cell one variant of the current image.

:class:`VariantGrid` paints a :class:`GridFrame`: the variants side by side
in one image (made off the GUI thread, see :mod:`ui.augment_panel`), with
the boxes and keypoints of each variant drawn over it as lines, so they stay
sharp at any cell size. Masks arrive already tinted into the pixels.

Click a cell (or move with the arrow keys) to select a variant; Enter or a
double-click asks to use it as a step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from editor.variant_text import format_drawn

CELL_GAP = 6  # px between cells
BOX_COLOURS = ("#ffcc00", "#00d0ff", "#ff6ad5", "#7dff6a", "#ff8a3d", "#b08cff")
KEYPOINT_RADIUS = 3.5
OUT_OF_FRAME = QColor("#ff4040")


@dataclass
class VariantView:
    """What one cell shows and reports, in the variant's own pixels (at the
    resolution it was drawn: the grid's proxy).

    Attributes
    ----------
    index : int
        The variant's number (0 for the top-left cell).
    rect : tuple of int
        (x, y, width, height) of the variant in the frame's mosaic image.
    drawn : object
        The exact parameters drawn for this variant (shown when selected,
        used for "Use as step").
    boxes : list of tuple
        ``(x_min, y_min, x_max, y_max, clipped)`` of each box still in the frame.
    keypoints : list of tuple
        ``(x, y, inside)`` of each keypoint (those outside are drawn at the
        nearest edge, in red).
    problems : list of str
        What went wrong in this variant, in words ("1 box dropped").
    """

    index: int
    rect: tuple[int, int, int, int]
    drawn: Any = None
    boxes: list[tuple[float, float, float, float, bool]] = field(default_factory=list)
    keypoints: list[tuple[float, float, bool]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    check: Any = None  # the full report (processing.augment.Check)


@dataclass
class GridFrame:
    """A finished grid: the mosaic image and what each of its cells holds."""

    image: QImage
    rows: int
    columns: int
    variants: list[VariantView]
    key: object = None  # what it was made from (pipeline, seed, image revision)


class VariantGrid(QWidget):
    """Paints a :class:`GridFrame` and lets a person pick a variant.

    Signals
    -------
    selected(int)
        A variant was clicked or reached with the arrow keys (-1: none).
    activated(int)
        Enter or a double-click on a variant: use it.
    """

    selected = Signal(int)
    activated = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.frame: GridFrame | None = None
        self.rows, self.columns = 3, 3
        self._selected = -1
        self._placeholder = "Open an image to see its variants"
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(180, 140)
        self.setToolTip("Click a variant to see its drawn parameters; double-click or Enter to use it as a step")
        self.setAccessibleName("Variants")

    # -- state --------------------------------------------------------------------
    def set_layout(self, rows: int, columns: int) -> None:
        """The number of cells, before the frame for them arrives."""
        self.rows, self.columns = rows, columns
        if self._selected >= rows * columns:
            self.select(-1)
        self.update()

    def set_frame(self, frame: GridFrame | None) -> None:
        self.frame = frame
        if frame is not None:
            self.rows, self.columns = frame.rows, frame.columns
        count = len(frame.variants) if frame is not None else 0
        if self._selected >= count:
            self.select(-1)
        self.update()

    def set_placeholder(self, text: str) -> None:
        """What an empty grid says (no image, nothing to draw)."""
        self._placeholder = text
        self.update()

    def selected_index(self) -> int:
        return self._selected

    def selected_variant(self) -> VariantView | None:
        if self.frame is None or not 0 <= self._selected < len(self.frame.variants):
            return None
        return self.frame.variants[self._selected]

    def select(self, index: int) -> None:
        if index != self._selected:
            self._selected = index
            self.update()
        self.selected.emit(index)

    # -- geometry ------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        return QSize(360, 280)

    def cell_rect(self, index: int) -> QRectF:
        """The area of cell ``index`` in the widget."""
        rows, columns = max(1, self.rows), max(1, self.columns)
        w = (self.width() - CELL_GAP * (columns + 1)) / columns
        h = (self.height() - CELL_GAP * (rows + 1)) / rows
        row, column = divmod(index, columns)
        return QRectF(CELL_GAP + column * (w + CELL_GAP), CELL_GAP + row * (h + CELL_GAP), max(1.0, w), max(1.0, h))

    def image_rect(self, index: int) -> QRectF:
        """Where variant ``index`` is painted: its cell, less what keeps its
        aspect ratio."""
        cell = self.cell_rect(index)
        if self.frame is None or index >= len(self.frame.variants):
            return cell
        _, _, w, h = self.frame.variants[index].rect
        scale = min(cell.width() / max(1, w), cell.height() / max(1, h))
        pw, ph = w * scale, h * scale
        return QRectF(cell.x() + (cell.width() - pw) / 2, cell.y() + (cell.height() - ph) / 2, pw, ph)

    def index_at(self, point: QPointF) -> int:
        count = self.rows * self.columns
        for index in range(count):
            if self.cell_rect(index).contains(point):
                return index
        return -1

    # -- painting -------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        if self.frame is None:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        for variant in self.frame.variants:
            self._paint_variant(painter, variant)
        if 0 <= self._selected < len(self.frame.variants):
            pen = QPen(palette.color(QPalette.ColorRole.Highlight))
            pen.setWidthF(3.0 if self.hasFocus() else 2.0)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.image_rect(self._selected).adjusted(-2, -2, 2, 2))

    def _paint_variant(self, painter: QPainter, variant: VariantView) -> None:
        target = self.image_rect(variant.index)
        x, y, w, h = variant.rect
        painter.drawImage(target, self.frame.image, QRectF(x, y, w, h))
        # The number first: boxes and keypoints in the corner stay visible over it.
        self._paint_badge(painter, target, str(variant.index + 1), bool(variant.problems))
        scale = target.width() / max(1, w)
        for number, (x0, y0, x1, y1, clipped) in enumerate(variant.boxes):
            pen = QPen(QColor(BOX_COLOURS[number % len(BOX_COLOURS)]))
            pen.setWidthF(1.5)
            if clipped:
                pen.setStyle(Qt.PenStyle.DashLine)  # a clipped box: part of it left the frame
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(target.x() + x0 * scale, target.y() + y0 * scale,
                                    (x1 - x0) * scale, (y1 - y0) * scale))
        for kx, ky, inside in variant.keypoints:
            # One outside the frame is shown at the nearest edge, in red.
            px = target.x() + min(max(kx, 0.0), w) * scale
            py = target.y() + min(max(ky, 0.0), h) * scale
            painter.setPen(QPen(QColor("black"), 1.0))
            painter.setBrush(QColor("#40ff80") if inside else OUT_OF_FRAME)
            painter.drawEllipse(QPointF(px, py), KEYPOINT_RADIUS, KEYPOINT_RADIUS)

    def _paint_badge(self, painter: QPainter, target: QRectF, text: str, warn: bool) -> None:
        # The variant's number on a dark plate, readable on any image; red when
        # the check line has something to say about it.
        metrics = painter.fontMetrics()
        label = f"{text} !" if warn else text
        width = metrics.horizontalAdvance(label) + 8
        plate = QRectF(target.x() + 2, target.y() + 2, width, metrics.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(160, 20, 20, 220) if warn else QColor(0, 0, 0, 170))
        painter.drawRoundedRect(plate, 3, 3)
        painter.setPen(QColor("white"))
        painter.drawText(plate, Qt.AlignmentFlag.AlignCenter, label)

    # -- input -----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            index = self.index_at(event.position())
            if self.frame is not None and index >= len(self.frame.variants):
                index = -1
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.select(index)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        index = self.index_at(event.position())
        if self.frame is not None and 0 <= index < len(self.frame.variants):
            self.select(index)
            self.activated.emit(index)
        event.accept()

    def keyPressEvent(self, event) -> None:
        count = len(self.frame.variants) if self.frame is not None else 0
        key = event.key()
        moves = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -self.columns, Qt.Key.Key_Down: self.columns}
        if key in moves and count:
            current = self._selected if self._selected >= 0 else 0
            target = current + moves[key] if self._selected >= 0 else 0
            if 0 <= target < count:
                self.select(target)
            event.accept()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and 0 <= self._selected < count:
            self.activated.emit(self._selected)
            event.accept()
        else:
            super().keyPressEvent(event)

    def event(self, event) -> bool:
        # Hovering a variant tells what was drawn for it, without a click.
        if event.type() == QEvent.Type.ToolTip and self.frame is not None:
            index = self.index_at(QPointF(event.pos()))
            if 0 <= index < len(self.frame.variants):
                QToolTip.showText(event.globalPos(), self.variant_tooltip(index), self)
                return True
        return super().event(event)

    def variant_tooltip(self, index: int) -> str:
        variant = self.frame.variants[index]
        text = f"Variant {index + 1}\n{format_drawn(variant.drawn)}"
        if variant.problems:
            text += "\nCheck: " + "; ".join(variant.problems)
        return text + "\n\nClick to select; double-click to use it as a step"

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.update()
