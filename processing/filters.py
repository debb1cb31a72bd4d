"""Smoothing and sharpening filters.

Borders: every filter here extends the image by mirror reflection about the
edge, repeating the edge pixel (``d c b a | a b c d``); this is
``scipy.ndimage``'s ``mode="reflect"`` and NumPy's ``np.pad(mode="symmetric")``.
"""
from __future__ import annotations

import numpy as np

from ._image import as_image, check_range, merge_alpha, split_alpha

__all__ = ["gaussian_kernel1d", "gaussian_blur"]


def gaussian_kernel1d(sigma: float, truncate: float = 4.0) -> np.ndarray:
    """Sampled, normalised 1-D Gaussian of standard deviation ``sigma`` pixels.

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, > 0.
    truncate : float
        The kernel extends to ``round(truncate * sigma)`` pixels each side.

    Returns
    -------
    ndarray
        float64 weights of odd length summing to 1.

    Examples
    --------
    >>> k = gaussian_kernel1d(1.0)
    >>> len(k), round(float(k.sum()), 6)
    (9, 1.0)
    """
    sigma = check_range("sigma", sigma, 0)
    radius = int(truncate * sigma + 0.5)
    if radius == 0:  # narrower than a pixel: the sampled kernel is a delta
        return np.ones(1)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 * (x / sigma) ** 2)
    return weights / weights.sum()


def _correlate_axis(data: np.ndarray, weights: np.ndarray, axis: int) -> np.ndarray:
    """Correlate ``data`` with symmetric ``weights`` along one axis, reflect border."""
    radius = len(weights) // 2
    pad = [(0, 0)] * data.ndim
    pad[axis] = (radius, radius)
    padded = np.pad(data, pad, mode="symmetric")
    n = data.shape[axis]
    out = np.zeros(data.shape, dtype=np.float32)
    # Symmetric kernel: add mirrored taps together first, halving the multiplies.
    centre = np.take(padded, np.arange(radius, radius + n), axis=axis)
    np.multiply(centre, np.float32(weights[radius]), out=out)
    for offset in range(1, radius + 1):
        left = padded.take(np.arange(radius - offset, radius - offset + n), axis=axis)
        right = padded.take(np.arange(radius + offset, radius + offset + n), axis=axis)
        pair = np.add(left, right)
        pair *= np.float32(weights[radius + offset])
        out += pair
    return out


def gaussian_blur(image: np.ndarray, sigma: float = 2.0, *, truncate: float = 4.0) -> np.ndarray:
    """Blur with a Gaussian of standard deviation ``sigma`` pixels.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    sigma : float
        Standard deviation in pixels; 0 returns a copy.
    truncate : float
        Kernel half-width in standard deviations.

    Returns
    -------
    ndarray
        Blurred float32 image of the same shape.

    Notes
    -----
    Separable: a 1-D correlation along rows, then along columns, with the
    sampled Gaussian ``w(x) = exp(-x^2 / (2 sigma^2))`` normalised to sum 1.
    Borders reflect (see the module docstring).

    Examples
    --------
    >>> img = np.zeros((5, 5), np.float32); img[2, 2] = 1
    >>> out = gaussian_blur(img, 1.0)
    >>> out.dtype, round(float(out.sum()), 4), bool(out[2, 2] < 1)
    (dtype('float32'), 1.0, True)
    """
    image = as_image(image)
    sigma = check_range("sigma", sigma, 0)
    truncate = check_range("truncate", truncate, 0.5)
    color, alpha = split_alpha(image)
    if sigma == 0:
        return image.copy()
    weights = gaussian_kernel1d(sigma, truncate)
    blurred = _correlate_axis(_correlate_axis(color, weights, 0), weights, 1)
    np.clip(blurred, 0.0, 1.0, out=blurred)
    return merge_alpha(blurred, alpha)
