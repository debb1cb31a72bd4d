"""Image restoration: estimate noise, denoise, deblur and inpaint.

Every function takes a float32 image in [0, 1] (gray, RGB or RGBA; alpha
passes through untouched) and returns a new one. The slow ones take
``progress=None`` (keyword-only) and call it between offsets, iterations or
tiles, often enough that a callback raising to cancel stops them within a
fraction of a second on a 12 MP photo.
"""
from __future__ import annotations

import numpy as np

from . import _fft, _inpaint, _wavelet
from ._image import as_image, check_int, check_range, merge_alpha, split_alpha
from ._nlm import nl_means as _nl_means
from ._progress import Progress, phase, report
from ._tv import tv_plane as _tv_plane

__all__ = [
    "estimate_noise",
    "denoise_nl_means",
    "denoise_tv",
    "denoise_wavelet",
    "PSF_KINDS",
    "psf_gaussian",
    "psf_motion",
    "psf_disk",
    "make_psf",
    "deconvolve_wiener",
    "deconvolve_richardson_lucy",
    "deblur_wiener",
    "deblur_richardson_lucy",
    "INPAINT_METHODS",
    "inpaint",
    "inpaint_area",
]

# "Auto" strengths, as multiples of the estimated noise deviation: the
# values that gave the best PSNR on photos with added noise of deviation
# 0.05 and 0.1 (tests/benchmarks/restoration_bench.py).
_NLM_AUTO_H = 0.7
_TV_AUTO_WEIGHT = 0.7

# Orthonormal Daubechies-2 (4 taps) filters: the low pass h and its quadrature
# mirror g. The finest diagonal detail of white noise of deviation sigma has
# deviation sigma again (sum g^2 = 1), and is barely touched by smooth shading.
_S3 = np.sqrt(3.0)
_DB2_LOW = np.array([1 + _S3, 3 + _S3, 3 - _S3, 1 - _S3]) / (4 * np.sqrt(2.0))
_DB2_HIGH = _DB2_LOW[::-1] * np.array([1.0, -1.0, 1.0, -1.0])
# median(|N(0, 1)|): turns the median absolute detail into a deviation.
_MAD_TO_SIGMA = 0.6744897501960817


# Most diagonal details the estimate looks at: a median of a million is as
# steady as of twelve million, and a 12 MP photo is measured in ~0.1 s.
_MAX_DETAILS = 1 << 20


def _finest_diagonal(plane: np.ndarray) -> np.ndarray:
    """Finest db2 diagonal (HH) details of ``plane`` (at least 4 x 4), from
    non-overlapping bands of 4 rows; on large images every k-th band only."""
    h, w = plane.shape
    quads = h // 4
    cols = (w - 4) // 2 + 1
    k = max(1, -(-(quads * cols) // _MAX_DETAILS))
    bands = plane[: 4 * quads].reshape(quads, 4, w)[::k]
    # Along the rows (axis 2): 'valid' high pass at every second position.
    rows = sum(bands[:, :, t : t + 2 * cols - 1 : 2] * np.float32(g) for t, g in enumerate(_DB2_HIGH))
    # Down each band of 4 rows: one coefficient.
    return sum(rows[:, t, :] * np.float32(g) for t, g in enumerate(_DB2_HIGH))


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
    orthonormal Daubechies-2 wavelet transform (those of every other
    position, and on large images of evenly spread bands of rows, about a
    million). Edges make a few large coefficients, which the median ignores. (D. L. Donoho, I. M. Johnstone,
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
        detail = _finest_diagonal(plane)
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
        Side of the square patches compared, in pixels, >= 1; an even size
        is taken as the next odd one (patches are centred on their pixel).
    search_radius : int
        Patches are looked for up to this many pixels away in each
        direction (a ``2r+1`` square), >= 0.
    sigma : float, optional
        Deviation of the noise, in image units. Twice its square is taken
        off every patch distance, so that patches differing only by noise
        weigh fully. None: estimated (:func:`estimate_noise`) when ``h`` is
        0, else 0 (nothing taken off: the classic filter).
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
    patch_size = check_int("patch_size", patch_size, 1) | 1
    search_radius = check_int("search_radius", search_radius, 0)
    color, alpha = split_alpha(image)
    if sigma is None:
        sigma = estimate_noise(color) if h == 0.0 else 0.0
        report(progress, 0.0)  # a chance to cancel between the estimate and the work
    sigma = check_range("sigma", sigma, 0.0)
    if h == 0.0:
        h = _NLM_AUTO_H * sigma
    if h == 0.0:  # nothing to remove (a clean, flat image)
        return merge_alpha(color.copy(), alpha)
    out = _nl_means(_as_planes(np.ascontiguousarray(color)), h, patch_size, search_radius, sigma,
                    progress=progress)
    out = out[..., 0] if color.ndim == 2 else out
    return merge_alpha(out, alpha)


def denoise_tv(image: np.ndarray, weight: float = 0.0, iterations: int = 200, *, eps: float = 2e-4,
               progress: Progress | None = None) -> np.ndarray:
    """Remove noise by total variation: flat areas become flat, edges stay sharp.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    weight : float
        Strength, >= 0: how much flatness is worth against fidelity to the
        input. 0 chooses it from the estimated noise (``0.7 * sigma``).
    iterations : int
        Most iterations to run, >= 1; the solver stops earlier once the
        energy changes by less than ``eps`` (relative to the first).
    eps : float
        Relative change of the energy below which the iteration stops.
    progress : callable, optional
        Called with the fraction of the iterations done; may raise to cancel.

    Returns
    -------
    ndarray
        Denoised float32 image of the same shape.

    Notes
    -----
    Each colour channel ``f`` is replaced by the minimiser of the
    Rudin-Osher-Fatemi energy::

        1/2 sum (u - f)^2 + weight * sum |grad u|

    found by Chambolle's projection algorithm (A. Chambolle, "An algorithm
    for total variation minimization and applications", J. Math. Imaging
    and Vision 20, 2004) with step 1/4, forward differences and the same
    stopping rule as scikit-image's ``denoise_tv_chambolle``. Each
    iteration is a few whole-image passes, cut into bands of rows.

    Examples
    --------
    >>> step = np.zeros((16, 16), np.float32); step[:, 8:] = 1.0
    >>> rng = np.random.default_rng(0)
    >>> noisy = (step + 0.1 * rng.standard_normal(step.shape)).astype(np.float32)
    >>> out = denoise_tv(noisy, 0.1)
    >>> bool(np.abs(out - step).mean() < 0.5 * np.abs(noisy - step).mean())
    True
    """
    image = as_image(image)
    weight = check_range("weight", weight, 0.0)
    iterations = check_int("iterations", iterations, 1)
    eps = check_range("eps", eps, 0.0)
    color, alpha = split_alpha(image)
    if weight == 0.0:
        weight = _TV_AUTO_WEIGHT * estimate_noise(color)
        report(progress, 0.0)
    if weight == 0.0:
        return merge_alpha(color.copy(), alpha)
    planes = _as_planes(color)
    out = np.empty(planes.shape, np.float32)
    n = planes.shape[2]
    for c in range(n):
        out[..., c] = _tv_plane(np.ascontiguousarray(planes[..., c]), weight, iterations, eps,
                                progress=phase(progress, c / n, (c + 1) / n))
    report(progress, 1.0)
    return merge_alpha(out[..., 0] if color.ndim == 2 else out, alpha)


# --- wavelet ---------------------------------------------------------------------

def denoise_wavelet(image: np.ndarray, sigma: float | None = 0.0, *, mode: str = "soft",
                    levels: int | None = None, progress: Progress | None = None) -> np.ndarray:
    """Remove noise by shrinking the small wavelet coefficients (BayesShrink).

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    sigma : float, optional
        Deviation of the noise in image units; 0 (or None) estimates it
        (:func:`estimate_noise`).
    mode : {"soft", "hard"}
        Soft thresholding shrinks every coefficient toward 0 (smoother);
        hard keeps those above the threshold unchanged.
    levels : int, optional
        Number of wavelet levels, >= 1; by default 3 fewer than the most
        the smaller side allows (as scikit-image), at least 1.
    progress : callable, optional
        Called with the fraction done (per channel and level); may raise
        to cancel.

    Returns
    -------
    ndarray
        Denoised float32 image, clipped to [0, 1].

    Notes
    -----
    Orthonormal Haar wavelet (scikit-image's default ``db1``), each channel
    on its own. Every detail band gets its own soft threshold
    ``sigma^2 / sqrt(max(mean(d^2) - sigma^2, eps))`` (S. G. Chang, B. Yu,
    M. Vetterli, "Adaptive wavelet thresholding for image denoising and
    compression", IEEE Trans. Image Processing 9, 2000). Sides are mirrored
    up to a multiple of ``2^levels`` and cropped back.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((64, 64), 0.5, np.float32)
    >>> noisy = (clean + 0.1 * rng.standard_normal(clean.shape)).astype(np.float32)
    >>> out = denoise_wavelet(noisy, 0.1)
    >>> bool(np.abs(out - clean).mean() < 0.5 * np.abs(noisy - clean).mean())
    True
    """
    image = as_image(image)
    if mode not in ("soft", "hard"):
        raise ValueError(f"mode must be soft or hard, got {mode!r}")
    color, alpha = split_alpha(image)
    if sigma is None or sigma == 0:
        sigma = estimate_noise(color)
        report(progress, 0.0)
    sigma = check_range("sigma", sigma, 0.0)
    h, w = color.shape[:2]
    most = max(0, int(np.floor(np.log2(min(h, w)))))
    if levels is None:
        levels = max(most - 3, 1)
    levels = check_int("levels", levels, 1, 30)
    if sigma == 0.0:
        return merge_alpha(color.copy(), alpha)
    step = 1 << levels
    ph, pw = -(-h // step) * step, -(-w // step) * step
    variance = sigma * sigma
    planes = _plane_list(color)
    out = []
    total = len(planes) * levels * 2
    done = 0
    for plane in planes:
        approx = np.pad(plane, ((0, ph - h), (0, pw - w)), mode="symmetric") if (ph, pw) != (h, w) else plane
        stack = []
        for _ in range(levels):
            approx, details = _wavelet.haar_forward(approx)
            stack.append(tuple(_wavelet.bayes_shrink(d, variance, mode) for d in details))
            done += 1
            report(progress, done / total)
        for details in reversed(stack):
            approx = _wavelet.haar_inverse(approx, details)
            done += 1
            report(progress, done / total)
        out.append(np.ascontiguousarray(approx[:h, :w]))
    return _from_planes(out, color, alpha)


# --- point-spread functions --------------------------------------------------

PSF_KINDS = ("gaussian", "motion", "disk")

# Sub-pixel samples per pixel side when a PSF's shape is drawn (anti-aliasing).
_SUPERSAMPLE = 8


def psf_gaussian(sigma: float) -> np.ndarray:
    """Point-spread function of a Gaussian blur (out-of-focus haze, lens softness).

    Parameters
    ----------
    sigma : float
        Standard deviation in pixels, >= 0 (0 is no blur).

    Returns
    -------
    ndarray
        Float32 ``(2r+1, 2r+1)`` kernel, ``r = ceil(3.5 sigma)``, summing to 1.

    Examples
    --------
    >>> k = psf_gaussian(1.0)
    >>> k.shape, round(float(k.sum()), 6), bool(k[4, 4] == k.max())
    ((9, 9), 1.0, True)
    """
    sigma = check_range("sigma", sigma, 0.0, 100.0)
    if sigma == 0.0:
        return np.ones((1, 1), np.float32)
    r = int(np.ceil(3.5 * sigma))
    x = np.arange(-r, r + 1)
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    k = np.outer(g, g)
    return (k / k.sum()).astype(np.float32)


def psf_motion(length: float, angle_deg: float = 0.0) -> np.ndarray:
    """Point-spread function of straight camera or subject motion.

    Parameters
    ----------
    length : float
        Length of the streak in pixels, >= 0 (below 1: no blur).
    angle_deg : float
        Direction of the streak in degrees, counter-clockwise from the
        x axis (0: horizontal, 90: vertical).

    Returns
    -------
    ndarray
        Float32 odd-sized square kernel summing to 1: a line segment of that
        length through the centre, anti-aliased.

    Examples
    --------
    >>> k = psf_motion(5, 0)
    >>> k.shape, [round(float(v), 2) for v in k[3]]
    ((7, 7), [0.0, 0.2, 0.2, 0.2, 0.2, 0.2, 0.0])
    """
    length = check_range("length", length, 0.0, 1000.0)
    angle = np.deg2rad(check_range("angle_deg", angle_deg))
    if length < 1.0:
        return np.ones((1, 1), np.float32)
    r = int(np.ceil(length / 2))
    size = 2 * r + 1
    # Points spread evenly along the segment, each counted in the pixel it
    # falls in: every pixel weighs the length of line it holds.
    count = int(np.ceil(length * _SUPERSAMPLE))
    t = ((np.arange(count) + 0.5) / count - 0.5) * length
    xs = np.rint(r + t * np.cos(angle)).astype(int)
    ys = np.rint(r - t * np.sin(angle)).astype(int)
    k = np.zeros((size, size))
    np.add.at(k, (ys, xs), 1.0)
    return (k / k.sum()).astype(np.float32)


def psf_disk(radius: float) -> np.ndarray:
    """Point-spread function of defocus: a uniform disk.

    Parameters
    ----------
    radius : float
        Radius of the disk in pixels, >= 0 (below 0.5: no blur).

    Returns
    -------
    ndarray
        Float32 ``(2r+1, 2r+1)`` kernel, ``r = ceil(radius)``, summing to 1;
        edge pixels weigh the share of them the disk covers.

    Examples
    --------
    >>> k = psf_disk(2)
    >>> k.shape, bool(k[2, 2] == k.max()), bool(k[0, 0] == 0)
    ((5, 5), True, True)
    """
    radius = check_range("radius", radius, 0.0, 500.0)
    if radius < 0.5:
        return np.ones((1, 1), np.float32)
    r = int(np.ceil(radius))
    n = _SUPERSAMPLE
    sub = (np.arange((2 * r + 1) * n) + 0.5) / n - (r + 0.5)
    inside = (sub[:, None] ** 2 + sub[None, :] ** 2) <= radius * radius
    k = inside.reshape(2 * r + 1, n, 2 * r + 1, n).mean(axis=(1, 3))
    return (k / k.sum()).astype(np.float32)


def make_psf(kind: str, size: float, angle_deg: float = 0.0) -> np.ndarray:
    """The PSF of ``kind`` (``"gaussian"``, ``"motion"`` or ``"disk"``) and size:
    sigma, length or radius in pixels; ``angle_deg`` is used by motion only.

    Examples
    --------
    >>> make_psf("disk", 3).shape
    (7, 7)
    """
    if kind == "gaussian":
        return psf_gaussian(size)
    if kind == "motion":
        return psf_motion(size, angle_deg)
    if kind == "disk":
        return psf_disk(size)
    raise ValueError(f"psf kind must be one of {', '.join(PSF_KINDS)}; got {kind!r}")


def _check_psf(psf) -> np.ndarray:
    """A PSF as a float32 2-D array summing to 1, or ValueError."""
    try:
        k = np.asarray(psf, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("psf must be a 2-D array of numbers") from None
    if k.ndim != 2 or k.size == 0:
        raise ValueError(f"psf must be a non-empty 2-D array, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ValueError("psf must hold finite numbers")
    if np.any(k < 0):
        raise ValueError("psf must not be negative")
    total = k.sum()
    if total <= 0:
        raise ValueError("psf must have a positive sum")
    return (k / total).astype(np.float32)


_BOUNDARIES = ("reflect", "periodic")


def _check_boundary(boundary: str) -> str:
    if boundary not in _BOUNDARIES:
        raise ValueError(f"boundary must be one of {', '.join(_BOUNDARIES)}; got {boundary!r}")
    return boundary


def _plane_list(color: np.ndarray) -> list[np.ndarray]:
    planes = _as_planes(color)
    return [np.ascontiguousarray(planes[..., c]) for c in range(planes.shape[2])]


def _from_planes(planes: list[np.ndarray], color: np.ndarray, alpha) -> np.ndarray:
    out = planes[0] if color.ndim == 2 else np.stack(planes, axis=-1)
    np.clip(out, 0.0, 1.0, out=out)
    return merge_alpha(out, alpha)


# --- deconvolution -----------------------------------------------------------

def _wiener_margin(psf: np.ndarray) -> int:
    """Context each Wiener tile reads: the inverse filter reaches a few PSF widths."""
    return max(psf.shape) + 8


def deconvolve_wiener(image: np.ndarray, psf, balance: float = 0.01, *, boundary: str = "reflect",
                      progress: Progress | None = None) -> np.ndarray:
    """Sharpen a blurred image whose blur is known: Wiener deconvolution.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    psf : array_like
        The blur's point-spread function, 2-D, non-negative; normalised to
        sum 1. Its centre is at index ``shape // 2``. See :func:`psf_gaussian`,
        :func:`psf_motion`, :func:`psf_disk`.
    balance : float
        Regularisation, > 0: small values restore more detail and more
        noise, large ones less of both. Typical: 0.001 to 0.1.
    boundary : {"reflect", "periodic"}
        ``"reflect"``: the image is extended by mirroring and processed in
        tiles whose outer margins are tapered, so borders do not ring.
        ``"periodic"``: one FFT of the whole image, which is taken to wrap
        around (exact for synthetic periodic images; rings on photos).
    progress : callable, optional
        Called with the fraction done (per tile); may raise to cancel.

    Returns
    -------
    ndarray
        Float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    With ``H`` the transfer function of the PSF, ``L`` that of the discrete
    Laplacian (a smoothness prior, as in scikit-image's ``wiener``) and
    ``Y`` the image's spectrum::

        X = conj(H) Y / (|H|^2 + balance |L|^2)

    Examples
    --------
    >>> flat = np.full((16, 16), 0.5, np.float32)  # nothing to sharpen: unchanged
    >>> bool(np.allclose(deconvolve_wiener(flat, psf_disk(2), 0.01), 0.5, atol=1e-4))
    True
    """
    image = as_image(image)
    k = _check_psf(psf)
    balance = check_range("balance", balance, 0.0)
    if balance == 0.0:
        raise ValueError("balance must be > 0, got 0")
    boundary = _check_boundary(boundary)
    color, alpha = split_alpha(image)
    # Strided channel views: the tiles copy out of them anyway.
    planes = [color] if color.ndim == 2 else [color[..., c] for c in range(color.shape[2])]
    out = np.empty(color.shape, np.float32)
    _fft.deconvolve_tiled(planes, k, balance, _wiener_margin(k), out, periodic=boundary == "periodic",
                          progress=progress)
    return merge_alpha(out, alpha)


def deconvolve_richardson_lucy(image: np.ndarray, psf, iterations: int = 30, *, boundary: str = "reflect",
                               progress: Progress | None = None) -> np.ndarray:
    """Sharpen a blurred image whose blur is known: Richardson-Lucy deconvolution.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    psf : array_like
        The blur's point-spread function, 2-D, non-negative; normalised to
        sum 1, centre at index ``shape // 2``.
    iterations : int
        Number of multiplicative updates, >= 1. More restores more detail
        (and, on noisy images, more noise).
    boundary : {"reflect", "periodic"}
        How convolutions see past the border: mirrored (the default; done
        exactly in tiles) or wrapped around.
    progress : callable, optional
        Called with the fraction done; may raise to cancel.

    Returns
    -------
    ndarray
        Float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    Starting from the blurred image ``y`` itself, with ``*`` convolution and
    ``k'`` the PSF flipped (W. H. Richardson, J. Opt. Soc. Am. 62, 1972;
    L. B. Lucy, Astron. J. 79, 1974)::

        x <- x * (k' * (y / (k * x)))

    The estimate stays non-negative and keeps the image's total brightness.

    Examples
    --------
    >>> img = np.full((16, 16), 0.5, np.float32)
    >>> bool(np.allclose(deconvolve_richardson_lucy(img, psf_disk(2), 5), 0.5, atol=1e-5))
    True
    """
    image = as_image(image)
    k = _check_psf(psf)
    iterations = check_int("iterations", iterations, 1)
    boundary = _check_boundary(boundary)
    color, alpha = split_alpha(image)
    observed = _plane_list(color)
    flipped = np.ascontiguousarray(k[::-1, ::-1])
    tiny = np.float32(1e-12)
    if boundary == "periodic":
        shape = observed[0].shape
        otf = _fft.transfer(k, shape).astype(np.complex64)
        otf_flipped = _fft.transfer(flipped, shape).astype(np.complex64)

        def blur(planes, kernel, sub):
            spectrum = otf if kernel is k else otf_flipped
            out = [np.fft.irfft2(_fft.rfft2(p) * spectrum, s=shape).astype(np.float32) for p in planes]
            report(sub, 1.0)
            return out
    else:
        cache: dict = {}

        def blur(planes, kernel, sub):
            return _fft.convolve_tiled(planes, kernel, progress=sub, _cache=cache)

    estimate = [p.copy() for p in observed]
    for i in range(iterations):
        start, stop = i / iterations, (i + 1) / iterations
        middle = (start + stop) / 2
        reblurred = blur(estimate, k, phase(progress, start, middle))
        for r, y in zip(reblurred, observed):
            np.maximum(r, tiny, out=r)
            np.divide(y, r, out=r)
        corrections = blur(reblurred, flipped, phase(progress, middle, stop))
        for x, c in zip(estimate, corrections):
            x *= c
    return _from_planes(estimate, color, alpha)


# --- inpainting ----------------------------------------------------------------

INPAINT_METHODS = ("telea", "harmonic")


def inpaint(image: np.ndarray, mask: np.ndarray, method: str = "telea", radius: int = 5, *,
            progress: Progress | None = None) -> np.ndarray:
    """Fill the masked pixels (scratches, blemishes, removed objects) from their surroundings.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray, RGB or RGBA (alpha passes through).
    mask : ndarray
        ``(H, W)``: bool (True where to fill) or float weights in [0, 1]
        (a feathered selection: pixels with weight above 0 are filled, and
        the result blended with the original by the weight).
    method : {"telea", "harmonic"}
        ``"telea"``: fast marching from the hole's edge inwards, continuing
        the surrounding values and their gradients (never beyond the range
        of the values around the hole); keeps lines and edges that cross
        small holes. ``"harmonic"``: the smoothest fill (each
        pixel the mean of its neighbours); best for large smooth areas.
    radius : int
        Telea only: known pixels this close (in pixels, >= 1) contribute.
    progress : callable, optional
        Called with the fraction done; may raise to cancel.

    Returns
    -------
    ndarray
        Float32 image of the same shape; pixels outside the mask unchanged.

    Notes
    -----
    Telea: A. Telea, "An image inpainting technique based on the fast
    marching method", J. Graphics Tools 9(1), 2004, with the march done one
    front of pixels at a time. Harmonic: Laplace's equation with the known
    pixels as boundary values, solved by red-black over-relaxation on an
    image pyramid, coarse to fine. A hole that fills the image is left as
    it is (there is nothing to fill it from).

    Examples
    --------
    >>> img = np.full((8, 8), 0.25, np.float32); img[3:5, 3:5] = 1.0
    >>> hole = np.zeros((8, 8), bool); hole[3:5, 3:5] = True
    >>> bool(np.allclose(inpaint(img, hole), 0.25))
    True
    """
    image = as_image(image)
    if method not in INPAINT_METHODS:
        raise ValueError(f"method must be one of {', '.join(INPAINT_METHODS)}; got {method!r}")
    radius = check_int("radius", radius, 1, 100)
    if not isinstance(mask, np.ndarray) or mask.shape != image.shape[:2]:
        shape = getattr(mask, "shape", None)
        raise ValueError(f"mask must be an array shaped like the image, {image.shape[:2]}, got {shape}")
    if mask.dtype == bool:
        weight = None
        hole = mask
    elif mask.dtype.kind == "f":
        weight = np.clip(mask, 0.0, 1.0).astype(np.float32)
        hole = weight > 0
    else:
        raise ValueError(f"mask must be bool or floating point, got dtype {mask.dtype}")
    color, alpha = split_alpha(image)
    out = color.copy()
    if not hole.any() or hole.all():
        report(progress, 1.0)
        return merge_alpha(out, alpha)
    # Work on the hole's bounding box with enough context around it.
    y0, y1, x0, x1 = _inpaint.bounding_box(hole, radius + 2 if method == "telea" else 2)
    sub_hole = hole[y0:y1, x0:x1]
    region = out[y0:y1, x0:x1]
    if method == "harmonic" and weight is None:
        # Only the hole's values are computed: no copy of the box.
        values = _inpaint.harmonic_fill(_as_planes(region), sub_hole, progress=progress)
        np.clip(values, 0.0, 1.0, out=values)
        region[sub_hole] = values[:, 0] if color.ndim == 2 else values
        report(progress, 1.0)
        return merge_alpha(out, alpha)
    box = _as_planes(np.ascontiguousarray(color[y0:y1, x0:x1]))
    if method == "telea":
        filled = _inpaint.telea(box, sub_hole, radius, progress=progress)
    else:
        filled = _inpaint.harmonic(box, sub_hole, progress=progress)
    np.clip(filled, 0.0, 1.0, out=filled)
    filled = filled[..., 0] if color.ndim == 2 else filled
    if weight is None:
        region[sub_hole] = filled[sub_hole]
    else:
        k = weight[y0:y1, x0:x1]
        k = k if color.ndim == 2 else k[..., None]
        region += k * (filled - region)
    report(progress, 1.0)
    return merge_alpha(out, alpha)


def deblur_wiener(image: np.ndarray, psf_kind: str = "gaussian", psf_size: float = 2.0, angle_deg: float = 0.0,
                  balance: float = 0.01, *, progress: Progress | None = None) -> np.ndarray:
    """Wiener deconvolution with a PSF given by kind and size (see :func:`make_psf`).

    ``psf_size`` is the Gaussian's sigma, the motion's length or the disk's
    radius, in pixels; ``angle_deg`` the motion's direction. Otherwise as
    :func:`deconvolve_wiener`.

    Examples
    --------
    >>> deblur_wiener(np.full((8, 8), 0.5, np.float32), "disk", 2.0).shape
    (8, 8)
    """
    return deconvolve_wiener(image, make_psf(psf_kind, psf_size, angle_deg), balance, progress=progress)


def deblur_richardson_lucy(image: np.ndarray, psf_kind: str = "gaussian", psf_size: float = 2.0,
                           angle_deg: float = 0.0, iterations: int = 30, *,
                           progress: Progress | None = None) -> np.ndarray:
    """Richardson-Lucy deconvolution with a PSF given by kind and size (see :func:`make_psf`).

    As :func:`deblur_wiener` for the PSF, as :func:`deconvolve_richardson_lucy`
    otherwise.

    Examples
    --------
    >>> deblur_richardson_lucy(np.full((8, 8), 0.5, np.float32), "motion", 3.0, 45.0, 2).shape
    (8, 8)
    """
    return deconvolve_richardson_lucy(image, make_psf(psf_kind, psf_size, angle_deg), iterations,
                                      progress=progress)


def inpaint_area(image: np.ndarray, method: str = "telea", radius: int = 5, x: int = 0, y: int = 0,
                 width: int = 0, height: int = 0, threshold: float = 1.0, *, mask: np.ndarray | None = None,
                 progress: Progress | None = None) -> np.ndarray:
    """Inpaint a selection, or, without one, a rectangle and the pixels brighter than a threshold.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1].
    method, radius
        As :func:`inpaint`.
    x, y, width, height : int
        Rectangle to fill, in pixels (clipped to the image; an empty one
        fills nothing). Used when ``mask`` is None.
    threshold : float
        Also fill the pixels whose brightest channel is above this value
        (white dust and scratches on a scan); 1 fills none. Used when
        ``mask`` is None.
    mask : ndarray, optional
        The pixels to fill (bool or weights 0..1, ``(H, W)``); when given,
        the rectangle and threshold are ignored.
    progress : callable, optional
        As :func:`inpaint`.

    Returns
    -------
    ndarray
        Float32 image of the same shape.

    Examples
    --------
    >>> img = np.full((8, 8), 0.25, np.float32); img[2, 3] = 1.0
    >>> bool(np.allclose(inpaint_area(img, threshold=0.9), 0.25))
    True
    """
    image = as_image(image)
    if mask is None:
        for name, value in (("x", x), ("y", y), ("width", width), ("height", height)):
            check_int(name, value, 0)
        threshold = check_range("threshold", threshold, 0.0, 1.0)
        color, _ = split_alpha(image)
        brightest = color if color.ndim == 2 else color.max(axis=2)
        mask = brightest > np.float32(threshold)
        mask[int(y) : int(y) + int(height), int(x) : int(x) + int(width)] = True
    return inpaint(image, mask, method, radius, progress=progress)
