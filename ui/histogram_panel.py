"""The histogram panel: luminance and R, G, B of the image the canvas shows,
counted as pixels of the full-resolution image (estimated from a proxy or a
sample, and labelled so, until the exact counts are cheap to have)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from processing.histogram import Histogram, histogram

BINS = 256
MAX_COUNTED_PIXELS = 2_000_000  # beyond this, sample with a stride: same shape, less work
LIVE_COUNTED_PIXELS = 120_000  # while a slider moves, every millisecond counts
SPIKE_WIDTH = 3.0  # screen pixels: the narrowest an occupied bin is drawn
REPAINT_INTERVAL_MS = 100  # a histogram changing faster than this is not read anyway


def analyse(pixels: np.ndarray, factor: int, *, max_pixels: int = MAX_COUNTED_PIXELS) -> Histogram:
    """Histogram of a render, as counts of the full-resolution image's pixels.

    Runs in the render worker, next to the pixels it describes. A big render
    is sampled with a stride so this costs a few ms, and the counts of a
    sample or of a proxy (reduced by ``factor``) are scaled to stand for the
    whole image: the returned ``stride`` is the effective sampling step,
    ``factor`` times the sampling stride (1 when every pixel was counted).
    """
    h, w = pixels.shape[:2]
    stride = max(1, int(np.ceil(np.sqrt(h * w / max_pixels))))
    counted = histogram(pixels, BINS, stride=stride)
    step = stride * max(1, int(factor))
    if step == 1:
        return counted
    scale = np.float64(step * step)
    return Histogram(
        np.rint(counted.counts * scale).astype(np.int64),
        np.rint(counted.luminance * scale).astype(np.int64),
        counted.edges,
        counted.channels,
        step,
    )


def analyse_live(pixels: np.ndarray, factor: int) -> Histogram:
    """:func:`analyse` with a sparser sample, for frames shown during a drag."""
    return analyse(pixels, factor, max_pixels=LIVE_COUNTED_PIXELS)


def describe(hist: Histogram) -> str:
    """What the counts stand for, for the label under the plot.

    Examples
    --------
    >>> counts = np.zeros((1, 256), np.int64); counts[0, 0] = 4800
    >>> describe(Histogram(counts, counts[0], np.linspace(0, 1, 257), ("gray",), 1))
    '4,800 px'
    >>> describe(Histogram(counts, counts[0], np.linspace(0, 1, 257), ("gray",), 4))
    '4,800 px (estimated from 1 in 16)'
    """
    if hist.stride <= 1:
        return f"{hist.total:,} px"
    return f"{hist.total:,} px (estimated from 1 in {hist.stride ** 2})"


_COLORS = {
    "red": QColor(230, 70, 70, 150),
    "green": QColor(70, 200, 90, 150),
    "blue": QColor(80, 130, 240, 150),
    "gray": QColor(200, 200, 200, 150),
}


class HistogramPlot(QWidget):
    """Draws the curves; filled luminance behind outlined channels."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.histogram: Histogram | None = None
        self.log_scale = False
        self._since_paint = QElapsedTimer()
        self._repaint_timer = QTimer(self, singleShot=True)
        self._repaint_timer.timeout.connect(self._repaint)
        self.setMinimumSize(200, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_histogram(self, hist: Histogram | None) -> None:
        """Show ``hist``; while new ones come faster than ``REPAINT_INTERVAL_MS``
        (a slider drag), the plot is redrawn at that pace, with the newest."""
        self.histogram = hist
        if self._repaint_timer.isActive():
            return
        elapsed = self._since_paint.elapsed() if self._since_paint.isValid() else REPAINT_INTERVAL_MS
        if elapsed >= REPAINT_INTERVAL_MS:
            self._repaint()
        else:
            self._repaint_timer.start(REPAINT_INTERVAL_MS - elapsed)

    def _repaint(self) -> None:
        self._since_paint.start()
        self.update()

    def _heights(self, counts: np.ndarray, top: float) -> np.ndarray:
        values = counts.astype(np.float64)
        if self.log_scale:
            values = np.log1p(values)
            top = np.log1p(top)
        return values / max(top, 1e-12)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        frame = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        painter.fillRect(frame, QColor(28, 28, 30))
        hist = self.histogram
        if hist is None or hist.total == 0:
            painter.end()
            return
        # Inset, so spikes in the first and last bins (pure black, pure
        # white: a thresholded image has nothing else) are not on the frame.
        rect = frame.adjusted(SPIKE_WIDTH, 4, -SPIKE_WIDTH, -1)
        rows = [hist.luminance] + [hist.counts[i] for i in range(hist.counts.shape[0])]
        # Scale to the 99.5th percentile of the occupied bins, so one spike
        # does not flatten everything else; with only a few occupied bins
        # (a two-level image), to the highest.
        occupied = np.concatenate(rows)
        occupied = occupied[occupied > 0]
        if occupied.size == 0:
            painter.end()
            return
        top = float(np.percentile(occupied, 99.5)) if occupied.size > 2 * len(rows) * 8 else float(occupied.max())
        top = max(top, 1.0)

        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(150, 150, 150, 110))
        painter.drawPath(self._bars(hist.luminance, top, rect))
        if hist.channels != ("gray",):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for name, counts in zip(hist.channels, hist.counts):
                pen = QPen(_COLORS.get(name, QColor(200, 200, 200)))
                # One device pixel: a wider antialiased outline costs ten
                # times as much to draw, at every frame of a drag.
                pen.setWidthF(1.0)
                pen.setCosmetic(True)
                painter.setPen(pen)
                painter.drawPath(self._bars(counts, top, rect))
        painter.end()

    def _bars(self, counts: np.ndarray, top: float, rect: QRectF) -> QPainterPath:
        """The counts as a step outline, closed along the bottom; an occupied
        bin is at least ``SPIKE_WIDTH`` wide and two pixels high, so a lone
        spike shows."""
        n = len(counts)
        heights = np.minimum(self._heights(counts, top), 1.0) * rect.height()
        heights = np.where(counts > 0, np.maximum(heights, 2.0), 0.0)
        left = rect.left() + np.arange(n) / n * rect.width()
        right = rect.left() + (np.arange(n) + 1) / n * rect.width()
        centre = (left + right) / 2
        half = np.maximum((right - left) / 2, SPIKE_WIDTH / 2)
        # A narrow occupied bin widens around its centre; neighbours overlap,
        # which a filled outline does not mind.
        left = np.where(counts > 0, np.minimum(left, centre - half), left)
        right = np.where(counts > 0, np.maximum(right, centre + half), right)
        path = QPainterPath(QPointF(rect.left(), rect.bottom()))
        for x0, x1, h in zip(left.tolist(), right.tolist(), heights.tolist()):
            y = rect.bottom() - h
            path.lineTo(x0, y)
            path.lineTo(x1, y)
        path.lineTo(rect.right(), rect.bottom())
        path.closeSubpath()
        return path


class HistogramPanel(QWidget):
    """The plot, a log-scale switch, and the count of pixels it describes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = HistogramPlot()
        self.log_box = QCheckBox("Log scale")
        self.info = QLabel()
        self.info.setStyleSheet("color: palette(mid);")
        # The count wraps rather than widening the dock (and shrinking the canvas).
        self.info.setWordWrap(True)
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.info.setAlignment(Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(self.log_box)
        row.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.plot, 1)
        layout.addLayout(row)
        self.log_box.toggled.connect(self._log_toggled)

    @property
    def histogram(self) -> Histogram | None:
        return self.plot.histogram

    def set_histogram(self, hist: Histogram | None) -> None:
        self.plot.set_histogram(hist)
        self.info.setText(describe(hist) if hist is not None else "")

    def _log_toggled(self, on: bool) -> None:
        self.plot.log_scale = on
        self.plot.update()
