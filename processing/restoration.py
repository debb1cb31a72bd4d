"""Image restoration: estimate noise, denoise, deblur and inpaint.

Every function takes a float32 image in [0, 1] (gray, RGB or RGBA; alpha
passes through untouched) and returns a new one. The slow ones take
``progress=None`` (keyword-only) and call it between offsets, iterations or
tiles, often enough that a callback raising to cancel stops them within a
fraction of a second on a 12 MP photo.
"""
from __future__ import annotations

import numpy as np

from ._image import as_image, check_int, check_range, merge_alpha, split_alpha
from ._nlm import nl_means as _nl_means
from ._progress import Progress

__all__ = ["estimate_noise", "denoise_nl_means"]

# "Auto" strengths, as multiples of the estimated noise deviation: the
# values that gave the best PSNR on photos with added noise of deviation
# 0.05 and 0.1 (tests/benchmarks/restoration_bench.py).
_NLM_AUTO_H = 0.7

# Orthonormal Daubechies-2 (4 taps) filters: the low pass h and its quadrature
# mirror g. The finest diagonal detail of white noise of deviation sigma has
# deviation sigma again (sum g^2 = 1), and is barely touched by smooth shading.
_S3 = np.sqrt(3.0)
_DB2_LOW = np.array([1 + _S3, 3 + _S3, 3 - _S3, 1 - _S3]) / (4 * np.sqrt(2.0))
_DB2_HIGH = _DB2_LOW[::-1] * np.array([1.0, -1.0, 1.0, -1.0])
# median(|N(0, 1)|): turns the median absolute detail into a deviation.
_MAD_TO_SIGMA = 0.6744897501960817


def _high_pass_decimated(x: np.ndarray, axis: int) -> np.ndarray:
    """Finest-scale db2 detail along ``axis`` (every second position, 'valid')."""
    n = x.shape[axis]
    count = (n - len(_DB2_HIGH)) // 2 + 1
    out = None
    for k, tap in enumerate(_DB2_HIGH):
        index = [slice(None)] * x.ndim
        index[axis] = slice(k, k + 2 * count - 1, 2)
        term = x[tuple(index)] * np.float32(tap)
        out = term if out is None else out + term
    return out


def estimate_noise(image: np.ndarray) -> float:
    """Estimate the standard deviation of white Gaussian noise in an image.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``
        (alpha is ignored).

    Returns
    -------
    float
        The noise deviation ``sigma`` in image units (0..1): the mean of the
        colour channels' estimates. About 0 on a clean, smooth image.

    Notes
    -----
    Donoho and Johnstone's robust estimator: ``sigma = median(|d|) / 0.6745``
    where ``d`` are the finest diagonal (HH) detail coefficients of an
    orthonormal Daubechies-2 wavelet transform. Edges make a few large
    coefficients, which the median ignores. (D. L. Donoho, I. M. Johnstone,
    "Ideal spatial adaptation by wavelet shrinkage", Biometrika 81, 1994.)
    Images smaller than 4 pixels along a side are mirrored to 4 first.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noisy = (0.5 + 0.1 * rng.standard_normal((256, 256))).astype(np.float32)
    >>> round(estimate_noise(noisy), 2)
    0.1
    """
    image = as_image(image)
    color, _ = split_alpha(image)
    planes = [color] if color.ndim == 2 else [color[..., c] for c in range(color.shape[2])]
    sigmas = []
    for plane in planes:
        h, w = plane.shape
        if h < 4 or w < 4:
            plane = np.pad(plane, ((0, max(0, 4 - h)), (0, max(0, 4 - w))), mode="symmetric")
        detail = _high_pass_decimated(_high_pass_decimated(plane, 1), 0)
        sigmas.append(float(np.median(np.abs(detail))) / _MAD_TO_SIGMA)
    return float(np.mean(sigmas))


def _as_planes(color: np.ndarray) -> np.ndarray:
    """``(H, W)`` -> ``(H, W, 1)``; colour images as they are."""
    return color[..., None] if color.ndim == 2 else color


def denoise_nl_means(image: np.ndarray, h: float = 0.0, patch_size: int = 7, search_radius: int = 10, *,
                     sigma: float | None = None, progress: Progress | None = None) -> np.ndarray:
    """Remove noise by averaging pixels whose surrounding patches look alike.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    h : float
        Filter strength in image units, >= 0: patches whose mean squared
        difference (less the noise's share, see ``sigma``) is about ``h^2``
        get weight ``1/e``. Larger smooths more. 0 chooses it from the
        noise: ``0.7 * sigma``.
    patch_size : int
        Side of the square patches compared, in pixels, odd, >= 1.
    search_radius : int
        Patches are looked for up to this many pixels away in each
        direction (a ``2r+1`` square), >= 0.
    sigma : float, optional
        Deviation of the noise, in image units. Twice its square is taken
        off every patch distance, so that patches differing only by noise
        weigh fully. None estimates it (:func:`estimate_noise`); 0 takes
        nothing off.
    progress : callable, optional
        Called with the fraction done; may raise to cancel.

    Returns
    -------
    ndarray
        Denoised float32 image of the same shape.

    Notes
    -----
    Buades, Coll and Morel's non-local means, with uniform patch weights
    (scikit-image's ``fast_mode``)::

        d(p, q) = mean over the patch and channels of (I(p + k) - I(q + k))^2
        w(p, q) = exp(-max(d(p, q) - 2 sigma^2, 0) / h^2)
        out(p)  = sum_q w(p, q) I(q) / sum_q w(p, q)

    over ``q`` in the search square around ``p``. Colour channels share
    one weight. For each offset ``q - p`` the distances of all pixels are
    box sums of one squared-difference image, and ``d`` is symmetric, so
    the cost is about ``2 r^2`` whole-image passes, whatever the patch
    size. Borders are mirrored.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((32, 32), 0.5, np.float32)
    >>> noisy = (clean + 0.1 * rng.standard_normal(clean.shape)).astype(np.float32)
    >>> out = denoise_nl_means(noisy, 0.08, 5, 5, sigma=0.1)
    >>> bool(np.abs(out - clean).std() < 0.3 * np.abs(noisy - clean).std())
    True
    """
    image = as_image(image)
    h = check_range("h", h, 0.0)
    patch_size = check_int("patch_size", patch_size, 1)
    if patch_size % 2 == 0:
        raise ValueError(f"patch_size must be odd, got {patch_size}")
    search_radius = check_int("search_radius", search_radius, 0)
    color, alpha = split_alpha(image)
    if sigma is None:
        sigma = estimate_noise(color)
    sigma = check_range("sigma", sigma, 0.0)
    if h == 0.0:
        h = _NLM_AUTO_H * sigma
    if h == 0.0:  # nothing to remove (a clean, flat image)
        return merge_alpha(color.copy(), alpha)
    out = _nl_means(_as_planes(np.ascontiguousarray(color)), h, patch_size, search_radius, sigma,
                    progress=progress)
    out = out[..., 0] if color.ndim == 2 else out
    return merge_alpha(out, alpha)
