"""Conversion of float32 images to QImage for display."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}
# The formats the raster paint engine draws without converting each time:
# a scaled RGB888 image costs about four times as much to paint as RGB32.
_DISPLAY_FORMATS = {
    1: QImage.Format.Format_RGB32,
    3: QImage.Format.Format_RGB32,
    4: QImage.Format.Format_ARGB32_Premultiplied,
}


def to_qimage(pixels: np.ndarray) -> QImage:
    """8-bit QImage of a float32 image in [0, 1] (gray, RGB or RGBA).

    Safe to call from a worker thread: QImage, unlike QPixmap, is not tied to
    the GUI thread. The result owns its pixels.
    """
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    data = np.empty(pixels.shape, np.uint8)
    scaled = np.multiply(pixels, 255.0, dtype=np.float32)
    scaled += 0.5
    np.clip(scaled, 0, 255, out=scaled)
    data[...] = scaled
    h, w = pixels.shape[:2]
    image = QImage(data.data, w, h, data.strides[0], _FORMATS[channels])
    return image.copy()  # detach from the NumPy buffer


def to_display_image(pixels: np.ndarray) -> QImage:
    """Like :func:`to_qimage`, in the format the canvas paints fastest.

    Same 8-bit values; gray becomes RGB with three equal channels. Made in
    the render worker, so painting a frame on the GUI thread is only a copy
    (or a scaled copy) of 32-bit pixels.
    """
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    return to_qimage(pixels).convertToFormat(_DISPLAY_FORMATS[channels])
