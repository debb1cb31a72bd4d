"""Conversion of float32 images to QImage for display."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}
# Rows converted at a time: little temporary memory, however big the image
_ROWS = 64  # (bands that stay in the CPU's cache convert several times faster)


def _to_uint8(pixels: np.ndarray, out: np.ndarray, scratch: np.ndarray) -> None:
    """``out[...] = round(clip(pixels, 0, 1) * 255)``, through ``scratch``."""
    np.multiply(pixels, np.float32(255.0), out=scratch)
    scratch += np.float32(0.5)
    np.clip(scratch, 0, 255, out=scratch)
    out[...] = scratch


def to_qimage(pixels: np.ndarray) -> QImage:
    """8-bit QImage of a float32 image in [0, 1] (gray, RGB or RGBA), in the
    plain formats other programs expect (the clipboard).

    Safe to call from a worker thread: QImage, unlike QPixmap, is not tied to
    the GUI thread. The result owns its pixels.
    """
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    h, w = pixels.shape[:2]
    image = QImage(w, h, _FORMATS[channels])
    rows = _rows(image, w * channels).reshape((h, w) if channels == 1 else (h, w, channels))
    for y in range(0, h, _ROWS):
        block = pixels[y : y + _ROWS]
        _to_uint8(block, rows[y : y + _ROWS], np.empty(block.shape, np.float32))
    return image


def to_display_image(pixels: np.ndarray) -> QImage:
    """The same 8-bit values as :func:`to_qimage`, in the format the canvas
    paints fastest: 32-bit RGB (premultiplied ARGB with alpha), gray as
    three equal channels.

    Made in the render worker, a band of rows at a time, straight into the
    result's memory: NumPy does the arithmetic with the interpreter lock
    released, and Qt converts one small band at a time (its conversion holds
    the lock: a whole 24 MP image at once stalls the GUI thread for tens of
    milliseconds). Painting a scaled RGB32 image costs about a quarter of a
    scaled RGB888 one.
    """
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    h, w = pixels.shape[:2]
    fmt = QImage.Format.Format_ARGB32_Premultiplied if channels == 4 else QImage.Format.Format_RGB32
    image = QImage(w, h, fmt)
    dest = _rows(image, w * 4)
    shape = (_ROWS, w) if channels == 1 else (_ROWS, w, channels)
    band8, scratch = np.empty(shape, np.uint8), np.empty(shape, np.float32)
    for y in range(0, h, _ROWS):
        block = pixels[y : y + _ROWS]
        n = block.shape[0]
        _to_uint8(block, band8[:n], scratch[:n])
        band = QImage(band8.data, w, n, band8.strides[0], _FORMATS[channels]).convertToFormat(fmt)
        dest[y : y + n] = np.frombuffer(band.constBits(), np.uint8, count=band.bytesPerLine() * n).reshape(n, -1)[
            :, : w * 4
        ]
    return image


def _rows(image: QImage, row_bytes: int) -> np.ndarray:
    """The image's pixel memory as a writable ``(height, row_bytes)`` uint8 array."""
    h = image.height()
    data = np.frombuffer(image.bits(), np.uint8, count=image.bytesPerLine() * h)
    return data.reshape(h, image.bytesPerLine())[:, :row_bytes]
