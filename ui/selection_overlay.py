"""Marching ants: the selection's outline over the canvas, crisp at every zoom.

The outline is the set of pixel edges between selected and unselected pixels
(where the weight crosses one half), merged into runs, kept as lines in image
coordinates (from a sampled grid only when it has too many lines to redraw
fast). It is drawn with 1-pixel cosmetic pens through the view's
transform, so it stays one screen pixel wide at any zoom or device pixel
ratio; a timer moves the dashes.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QLineF, QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QTransform

from editor.selection import Selection

__all__ = ["SelectionOverlay", "outline_segments"]

OUTLINE_MAX_PIXELS = 4_000_000  # a larger selection is outlined on a sampled grid, exactly in view when zoomed in
OUTLINE_MAX_LINES = 60_000  # a ragged outline with more is drawn from a coarser grid (it is redrawn 7 times a second)
DASH_INTERVAL_MS = 150


def _runs(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(line, start, stop) of every run of True along the rows of ``edges``."""
    padded = np.zeros((edges.shape[0], edges.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = edges
    change = np.diff(padded, axis=1)
    rows_start, starts = np.nonzero(change == 1)
    _rows_stop, stops = np.nonzero(change == -1)
    return rows_start, starts, stops


def outline_segments(mask: np.ndarray) -> np.ndarray:
    """Pixel-edge segments between selected and unselected pixels, merged
    along rows and columns: float array (N, 4) of x0, y0, x1, y1.

    Examples
    --------
    >>> m = np.zeros((3, 3), bool); m[1:, 1:] = True
    >>> sorted(map(tuple, outline_segments(m).astype(int).tolist()))
    [(1, 1, 1, 3), (1, 1, 3, 1), (1, 3, 3, 3), (3, 1, 3, 3)]
    """
    m = np.asarray(mask, dtype=bool)
    h, w = m.shape
    padded = np.zeros((h + 2, w + 2), dtype=bool)
    padded[1:-1, 1:-1] = m
    horizontal = padded[1:, 1:-1] != padded[:-1, 1:-1]  # (h+1, w): edge above row y
    vertical = padded[1:-1, 1:] != padded[1:-1, :-1]  # (h, w+1): edge left of column x
    y, x0, x1 = _runs(horizontal)
    x, y0, y1 = _runs(vertical.T)
    top = np.stack([x0, y, x1, y], axis=1)
    side = np.stack([x, y0, x, y1], axis=1)
    return np.concatenate([top, side]).astype(np.float64)


def _drop_cut_edges(segments: np.ndarray, shape: tuple[int, int], cut) -> np.ndarray:
    """Leave out the lines along the sides of a crop where it cut the mask
    (left, top, right, bottom): they are the crop's edge, not the selection's."""
    h, w = shape
    left, top, right, bottom = cut
    x0, y0, x1, y1 = segments.T
    keep = np.ones(len(segments), dtype=bool)
    vertical, horizontal = x0 == x1, y0 == y1
    if left:
        keep &= ~(vertical & (x0 == 0))
    if right:
        keep &= ~(vertical & (x0 == w))
    if top:
        keep &= ~(horizontal & (y0 == 0))
    if bottom:
        keep &= ~(horizontal & (y0 == h))
    return segments[keep]


class SelectionOverlay(QObject):
    """Draws the document's selection, or a preview of one, on a canvas.

    A large selection is outlined once on a sampled grid, which is exact to
    within a screen pixel when zoomed out; zoomed in further, the part in
    view is outlined from the full-resolution mask when it is painted (and
    kept until the view or the selection changes).
    """

    def __init__(self, canvas):
        super().__init__(canvas)
        self.canvas = canvas
        self.selection: Selection | None = None
        self._hard: np.ndarray | None = None
        self._lines: list[QLineF] = []
        self._step = 1  # the sampling of _lines
        self._in_view: tuple[tuple[int, int, int, int], list[QLineF]] | None = None
        self._preview_lines: list[QLineF] | None = None
        self._offset = 0
        self._timer = QTimer(self)
        self._timer.setInterval(DASH_INTERVAL_MS)
        self._timer.timeout.connect(self._march)
        canvas.overlays.append(self.paint)

    def set_selection(self, selection: Selection | None) -> None:
        self.selection = selection
        self._hard = None if selection is None else selection.hard()
        self._in_view = None
        if self._hard is None:
            self._lines, self._step = [], 1
        else:
            step = 1
            while self._hard.size // (step * step) > OUTLINE_MAX_PIXELS:
                step += 1
            self._lines, self._step = self._outline(self._hard, sample=step)
        self._changed()

    def set_preview(self, mask, factor: int = 1) -> None:
        """Show ``mask`` (bool, a Selection, or None for the document's
        selection again); ``factor`` is how much it was reduced from full size."""
        if mask is None:
            self._preview_lines = None
        else:
            data = mask.hard() if isinstance(mask, Selection) else np.asarray(mask) >= 0.5
            self._preview_lines = self._outline(data, factor)[0]
        self._changed()

    def lines(self, zoom: float | None = None) -> list[QLineF]:
        """The outline shown now, in image coordinates (none for a selection
        made on an image of another size than the one shown). Given the
        ``zoom`` (screen pixels per image pixel), exact to a screen pixel."""
        if self._preview_lines is not None:
            return self._preview_lines
        rect = self.canvas.sceneRect()
        if self.selection is None or self.selection.shape != (int(rect.height()), int(rect.width())):
            return []
        if zoom is None or self._step * zoom <= 1.0:
            return self._lines
        return self._lines_in_view()

    def _lines_in_view(self) -> list[QLineF]:
        view = self.canvas.visible_image_rect()
        h, w = self._hard.shape
        x0, y0 = max(0, int(view.left()) - 1), max(0, int(view.top()) - 1)
        x1, y1 = min(w, int(np.ceil(view.right())) + 1), min(h, int(np.ceil(view.bottom())) + 1)
        key = (x0, y0, x1, y1)
        if self._in_view is None or self._in_view[0] != key:
            lines = []
            if x1 > x0 and y1 > y0:
                crop = self._hard[y0:y1, x0:x1]
                lines, _ = self._outline(crop, offset=(x0, y0), cut=(x0 > 0, y0 > 0, x1 < w, y1 < h))
            self._in_view = (key, lines)
        return self._in_view[1]

    @staticmethod
    def _outline(mask: np.ndarray, factor: int = 1, sample: int = 1, offset=(0, 0),
                 cut=(False, False, False, False)) -> tuple[list[QLineF], int]:
        """Lines of the outline and the sampling step used: ``sample`` at
        least, coarser when the outline is too ragged to redraw fast."""
        step = sample
        while True:
            sampled = mask[::step, ::step] if step > 1 else mask
            segments = outline_segments(sampled)
            if len(segments) <= OUTLINE_MAX_LINES or min(sampled.shape) <= 64:
                break
            step *= 2
        if any(cut):
            segments = _drop_cut_edges(segments, sampled.shape, cut)
        segments *= step * factor
        segments[:, [0, 2]] += offset[0]
        segments[:, [1, 3]] += offset[1]
        return [QLineF(a, b, c, d) for a, b, c, d in segments.tolist()], step

    def _changed(self) -> None:
        if self.lines():
            self._timer.start()
        else:
            self._timer.stop()
        self.canvas.viewport().update()

    def _march(self) -> None:
        if not self.canvas.isVisible():
            return
        self._offset = (self._offset + 1) % 8
        self.canvas.viewport().update()

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        lines = self.lines(to_view.m11())
        if not lines:
            return
        painter.save()
        painter.setTransform(to_view)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        white = QPen(QColor(255, 255, 255))
        white.setCosmetic(True)
        white.setWidth(1)
        painter.setPen(white)
        painter.drawLines(lines)
        black = QPen(QColor(0, 0, 0))
        black.setCosmetic(True)
        black.setWidth(1)
        black.setStyle(Qt.PenStyle.CustomDashLine)
        black.setDashPattern([4.0, 4.0])
        black.setDashOffset(float(self._offset))
        painter.setPen(black)
        painter.drawLines(lines)
        painter.restore()
