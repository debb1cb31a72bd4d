"""The Network view: what the denoising CNN computes, shown on the current image.

Two pictures: the first layer's 24 kernels, each drawn as the small colour
patch of pixels it weighs (red where a colour counts positively, dark where
negatively, grey where not at all), and the 24 feature maps that layer makes
of the image on the canvas (bright where a kernel responds). A person sees
that the first layer finds edges, lines and colour differences, which the
later layers combine into an estimate of the noise.

The image is reduced to at most ``MAX_SIDE`` pixels a side before it goes
through the layer, so an update costs milliseconds; it is computed only
while the view is visible.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from editor.errors import EditorError
from editor.model_file import shipped_denoiser
from processing import cnn, restoration

from .qt_image import to_qimage

MAX_SIDE = 192  # pixels of the image fed to the layer
KERNEL_ZOOM = 8  # screen pixels per kernel pixel
COLUMNS = 4
GAP = 2


def mosaic(tiles: np.ndarray, columns: int = COLUMNS, gap: int = GAP) -> np.ndarray:
    """Tiles ``(n, h, w[, c])`` laid out in rows of ``columns`` on a white background."""
    n, h, w = tiles.shape[:3]
    rows = -(-n // columns)
    shape = (rows * (h + gap) - gap, columns * (w + gap) - gap) + tiles.shape[3:]
    out = np.ones(shape, np.float32)
    for i, tile in enumerate(tiles):
        y, x = divmod(i, columns)
        out[y * (h + gap): y * (h + gap) + h, x * (w + gap): x * (w + gap) + w] = tile
    return out


def kernel_picture(network: cnn.Network) -> np.ndarray:
    """The first layer's kernels, each scaled to its own largest weight, mid-grey at zero."""
    kernels = cnn.first_layer_kernels(network)
    peak = np.abs(kernels).reshape(len(kernels), -1).max(axis=1).reshape(-1, 1, 1, 1)
    pictures = 0.5 + 0.5 * kernels / np.maximum(peak, 1e-12)
    pictures = np.repeat(np.repeat(pictures, KERNEL_ZOOM, axis=1), KERNEL_ZOOM, axis=2)
    return mosaic(pictures.astype(np.float32))


def feature_picture(network: cnn.Network, pixels: np.ndarray) -> np.ndarray:
    """The first layer's feature maps of ``pixels`` (reduced first), each scaled to its own maximum."""
    step = max(1, -(-max(pixels.shape[:2]) // MAX_SIDE))
    small = np.ascontiguousarray(pixels[::step, ::step], np.float32)
    sigma = min(restoration.estimate_noise(small), 1.0)
    maps = cnn.feature_maps(small, network, sigma)
    peak = maps.reshape(len(maps), -1).max(axis=1).reshape(-1, 1, 1)
    return mosaic((maps / np.maximum(peak, 1e-12)).astype(np.float32))


class NetworkView(QWidget):
    """Dock content showing the CNN denoiser's first layer; feed it with :meth:`set_image`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pixels: np.ndarray | None = None
        self._stale = False
        self._network: cnn.Network | None = None
        inner = QWidget()
        layout = QVBoxLayout(inner)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.kernels_title = QLabel("First layer: what each of its 24 filters looks for (6 x 6 pixels, colour)")
        self.kernels = QLabel()
        self.features_title = QLabel("Its response to the current image (bright: strong)")
        self.features = QLabel()
        for label in (self.kernels_title, self.features_title):
            label.setWordWrap(True)
        for widget in (self.message, self.kernels_title, self.kernels, self.features_title, self.features):
            layout.addWidget(widget)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _load(self) -> cnn.Network | None:
        if self._network is None:
            try:
                self._network = shipped_denoiser()
            except EditorError as exc:
                self.message.setText(f"The denoising network could not be loaded. {exc}")
                return None
            self.kernels.setPixmap(QPixmap.fromImage(to_qimage(kernel_picture(self._network))))
        return self._network

    def set_image(self, pixels: np.ndarray | None) -> None:
        """The image on the canvas changed (None: no image); redrawn now if visible, else when shown."""
        self._pixels = pixels
        self._stale = True
        if self.isVisible():
            self._refresh()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._stale:
            self._refresh()

    def _refresh(self) -> None:
        self._stale = False
        network = self._load()
        if network is None:
            return
        if self._pixels is None:
            self.features.clear()
            self.message.setText("Open an image to see the feature maps.")
            return
        self.message.setText("")
        picture = feature_picture(network, self._pixels)
        self.features.setPixmap(QPixmap.fromImage(to_qimage(picture)))
        self.features.setAlignment(Qt.AlignmentFlag.AlignLeft)
