"""The histogram panel: luminance and R, G, B of what the canvas shows."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from processing.histogram import Histogram, histogram

BINS = 256
MAX_COUNTED_PIXELS = 2_000_000  # beyond this, sample with a stride: same shape, less work
LIVE_COUNTED_PIXELS = 250_000  # while a slider moves, every millisecond counts


def analyse(pixels: np.ndarray, factor: int, *, max_pixels: int = MAX_COUNTED_PIXELS) -> Histogram:
    """Histogram of a render, sampled so it costs a few ms even at full size.

    Runs in the render worker, next to the pixels it describes.
    """
    h, w = pixels.shape[:2]
    stride = max(1, int(np.ceil(np.sqrt(h * w / max_pixels))))
    return histogram(pixels, BINS, stride=stride)


def analyse_live(pixels: np.ndarray, factor: int) -> Histogram:
    """:func:`analyse` with a sparser sample, for frames shown during a drag."""
    return analyse(pixels, factor, max_pixels=LIVE_COUNTED_PIXELS)


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
        self.setMinimumSize(200, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set_histogram(self, hist: Histogram | None) -> None:
        self.histogram = hist
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
        rect = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        painter.fillRect(rect, QColor(28, 28, 30))
        hist = self.histogram
        if hist is None or hist.total == 0:
            painter.end()
            return
        rows = [hist.luminance] + [hist.counts[i] for i in range(hist.counts.shape[0])]
        # Scale to the 99.5th percentile of bins, so one spike (pure black or
        # white) does not flatten everything else.
        top = max(float(np.percentile(np.concatenate(rows), 99.5)), 1.0)

        def polygon(counts):
            heights = np.minimum(self._heights(counts, top), 1.0)
            xs = rect.left() + (np.arange(len(counts)) + 0.5) / len(counts) * rect.width()
            ys = rect.bottom() - heights * rect.height()
            points = [QPointF(rect.left(), rect.bottom())]
            points += [QPointF(float(x), float(y)) for x, y in zip(xs, ys)]
            points.append(QPointF(rect.right(), rect.bottom()))
            return QPolygonF(points)

        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(150, 150, 150, 90))
        painter.drawPolygon(polygon(hist.luminance))
        if hist.channels != ("gray",):
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for name, counts in zip(hist.channels, hist.counts):
                pen = QPen(_COLORS.get(name, QColor(200, 200, 200)))
                pen.setWidthF(1.3)
                painter.setPen(pen)
                path = QPainterPath()
                path.addPolygon(polygon(counts))
                painter.drawPath(path)
        painter.end()


class HistogramPanel(QWidget):
    """The plot, a log-scale switch, and the count of pixels it describes."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plot = HistogramPlot()
        self.log_box = QCheckBox("Log scale")
        self.info = QLabel()
        self.info.setStyleSheet("color: palette(mid);")
        row = QHBoxLayout()
        row.addWidget(self.log_box)
        row.addStretch(1)
        row.addWidget(self.info)
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
        if hist is not None:
            self.info.setText(f"{hist.total:,} px" + (f" (1 in {hist.stride ** 2})" if hist.stride > 1 else ""))

    def _log_toggled(self, on: bool) -> None:
        self.plot.log_scale = on
        self.plot.update()
