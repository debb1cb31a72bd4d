"""The orthonormal 2-D Haar transform and BayesShrink thresholds.

Private to :func:`processing.restoration.denoise_wavelet`.
"""
from __future__ import annotations

import numpy as np

__all__ = ["haar_forward", "haar_inverse", "bayes_shrink"]


def haar_forward(a: np.ndarray):
    """One level of the orthonormal 2-D Haar transform of ``a`` (even sides):
    the approximation and the three detail bands."""
    a00, a01, a10, a11 = a[0::2, 0::2], a[0::2, 1::2], a[1::2, 0::2], a[1::2, 1::2]
    s0, d0 = a00 + a01, a00 - a01
    s1, d1 = a10 + a11, a10 - a11
    half = np.float32(0.5)
    return (s0 + s1) * half, ((d0 + d1) * half, (s0 - s1) * half, (d0 - d1) * half)


def haar_inverse(approx: np.ndarray, details) -> np.ndarray:
    """Inverse of :func:`haar_forward`."""
    horizontal, vertical, diagonal = details
    half = np.float32(0.5)
    s0, s1 = (approx + vertical) * half, (approx - vertical) * half
    d0, d1 = (horizontal + diagonal) * half, (horizontal - diagonal) * half
    h, w = approx.shape
    out = np.empty((2 * h, 2 * w), np.float32)
    out[0::2, 0::2], out[0::2, 1::2] = s0 + d0, s0 - d0
    out[1::2, 0::2], out[1::2, 1::2] = s1 + d1, s1 - d1
    return out


def bayes_shrink(band: np.ndarray, variance: float, mode: str) -> np.ndarray:
    """Threshold one detail band with the BayesShrink threshold."""
    spread = float(np.mean(band.astype(np.float64) ** 2))
    threshold = variance / np.sqrt(max(spread - variance, np.finfo(np.float32).eps))
    if mode == "hard":
        return np.where(np.abs(band) > threshold, band, np.float32(0))
    return (np.sign(band) * np.maximum(np.abs(band) - np.float32(threshold), 0)).astype(np.float32)
