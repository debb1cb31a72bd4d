"""Tone operations: per-pixel curves applied to every colour channel.

All are point operations: each output pixel depends on its input pixel only,
so they cost a few passes over memory. Alpha is passed through.
"""
from __future__ import annotations

import math

import numpy as np

from ._image import as_image, check_range

__all__ = ["brightness_contrast"]


def _point_map(image: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """``clip(x * scale + offset, 0, 1)`` on colour channels, alpha copied."""
    out = np.empty_like(image)
    if image.ndim == 3 and image.shape[2] == 4:
        color, out_color = image[..., :3], out[..., :3]
        out[..., 3] = image[..., 3]
    else:
        color, out_color = image, out
    np.multiply(color, np.float32(scale), out=out_color)
    out_color += np.float32(offset)
    np.clip(out_color, 0.0, 1.0, out=out_color)
    return out


def brightness_contrast(image: np.ndarray, brightness: float = 0.0, contrast: float = 0.0) -> np.ndarray:
    """Shift brightness and stretch contrast about mid-grey.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    brightness : float
        Added to every value, in [-1, 1].
    contrast : float
        In [-1, 1]: -1 flattens to mid-grey, 0 leaves the image, 1 is a hard
        threshold at 0.5.

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    ``out = clip((x - 0.5) * k + 0.5 + brightness, 0, 1)`` with the slope
    ``k = tan((contrast + 1) * pi / 4)`` (GIMP's contrast curve), capped at 1e4.

    Examples
    --------
    >>> img = np.array([[0.25, 0.75]], np.float32)
    >>> brightness_contrast(img, 0.1, 0.0).tolist()
    [[0.3499999940395355, 0.8500000238418579]]
    >>> brightness_contrast(img, 0.0, -1.0).tolist()
    [[0.5, 0.5]]
    """
    image = as_image(image)
    brightness = check_range("brightness", brightness, -1, 1)
    contrast = check_range("contrast", contrast, -1, 1)
    slope = min(math.tan((contrast + 1.0) * math.pi / 4.0), 1e4)
    slope = max(slope, 0.0)
    return _point_map(image, slope, 0.5 - 0.5 * slope + brightness)
