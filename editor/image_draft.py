"""A quick, reduced decode of a big photo, shown while the full image loads.

JPEG can be decoded at 1/2, 1/4 or 1/8 of its size for a fraction of the
cost (the DCT is simply truncated); Pillow exposes this as ``Image.draft``.
Other formats have no such shortcut and get no draft.
"""
from __future__ import annotations

import os

import numpy as np
from PIL import Image, ImageOps

from .image_file import to_float
from .untrusted import UntrustedInputError, check_regular_file

__all__ = ["load_draft"]


def load_draft(path: str | os.PathLike, min_width: int, min_height: int) -> tuple[np.ndarray, tuple[int, int]] | None:
    """A reduced decode of ``path`` at least ``min_width x min_height``, upright.

    Parameters
    ----------
    path : str or path-like
        Image file.
    min_width, min_height : int
        The draft is not reduced below this (the canvas size).

    Returns
    -------
    (pixels, (full_width, full_height)) or None
        float32 pixels and the upright size of the full image; None when the
        format has no reduced decode, the reduction would be less than 2, or
        the file cannot be read (the full load then reports why).
    """
    try:
        check_regular_file(path)  # a pipe would block the open, a device never end
    except (OSError, UntrustedInputError):
        return None
    try:
        with Image.open(path) as image:
            if image.format != "JPEG":
                return None
            width, height = image.size
            scale = min(width / max(1, min_width), height / max(1, min_height))
            if scale < 2:
                return None
            image.draft("RGB", (width // int(min(scale, 8)), height // int(min(scale, 8))))
            orientation = image.getexif().get(0x0112, 1)
            upright = ImageOps.exif_transpose(image)
            pixels, _ = to_float(upright)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    full = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return pixels, full
