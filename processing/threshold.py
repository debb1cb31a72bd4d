"""Thresholding: global, automatic (Otsu, multi-level Otsu, triangle) and adaptive.

Every threshold works on the luminance: the gray values themselves, or the
Rec. 709 luma ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` of a colour image
(alpha is ignored). The result is a gray float32 ``(H, W)`` image whose
values are exactly 0 and 1 (several for multi-level Otsu), so any later
operation can take it; the alpha of an RGBA input is dropped.

A pixel is white (1) when its luminance is greater than or equal to the
level. Automatic levels are computed on a histogram of ``bins`` equal bins
over [0, 1] (256 by default) and returned as a bin edge ``k / bins``, so the
comparison ``Y >= k / bins`` puts exactly the bins ``>= k`` in the white class.
"""
from __future__ import annotations

import numpy as np

from . import filters
from ._counts import block_map as _parallel
from ._counts import count as _count
from ._counts import count_index as _count_index
from ._counts import luminance as _luminance
from ._counts import row_blocks as _row_blocks
from ._image import as_image, check_int, check_range, split_alpha
from ._local_mean import mean_threshold
from ._progress import Progress, phase

__all__ = [
    "threshold_global",
    "otsu_level",
    "threshold_otsu",
    "multi_otsu_levels",
    "threshold_multi_otsu",
    "threshold_adaptive",
    "triangle_level",
    "threshold_triangle",
]

_ADAPTIVE_METHODS = ("mean", "gaussian")


def _luma_of(image: np.ndarray) -> np.ndarray:
    """Validated image -> its float32 luminance ``(H, W)`` (read only for callers)."""
    color, _ = split_alpha(as_image(image))
    return _luminance(color)


def _binarize(luma: np.ndarray, level, progress: Progress | None = None) -> np.ndarray:
    """``1.0`` where ``luma >= level`` else ``0.0``; ``level`` a scalar or an array like ``luma``."""
    h, w = luma.shape
    out = np.empty((h, w), np.float32)
    scalar = np.ndim(level) == 0
    if scalar:
        level = np.float32(level)

    def block(rows):
        y0, y1 = rows
        np.greater_equal(luma[y0:y1], level if scalar else level[y0:y1], out=out[y0:y1], casting="unsafe")

    _parallel(block, _row_blocks(h, w), progress=progress)
    return out


def _check_bins(bins: int, high: int = 1 << 16) -> int:
    return check_int("bins", bins, 2, high)


# ---------------------------------------------------------------------------
# Global


def threshold_global(image: np.ndarray, level: float = 0.5) -> np.ndarray:
    """White where the luminance is at least ``level``, black elsewhere.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    level : float
        Threshold in [0, 1]; 0 makes everything white.

    Returns
    -------
    ndarray
        float32 ``(H, W)`` with values 0 and 1.

    Notes
    -----
    ``out = 1 if Y >= level else 0``, ``Y`` the gray value or the Rec. 709
    luma, compared in float32.

    Examples
    --------
    >>> img = np.array([[0.2, 0.5, 0.8]], np.float32)
    >>> threshold_global(img, 0.5).tolist()
    [[0.0, 1.0, 1.0]]
    """
    luma = _luma_of(image)
    level = check_range("level", level, 0, 1)
    return _binarize(luma, level)


# ---------------------------------------------------------------------------
# Otsu


def _otsu_scores(counts: np.ndarray) -> np.ndarray:
    """Between-class variance for each split "bins <= k | bins > k", k = 0..bins-2.

    Values are bin centres. A split leaving a class empty scores 0.
    """
    counts = np.asarray(counts, np.float64)
    bins = counts.shape[0]
    centres = (np.arange(bins) + 0.5) / bins
    total, total_sum = counts.sum(), counts @ centres
    w0 = np.cumsum(counts)[:-1]
    s0 = np.cumsum(counts * centres)[:-1]
    w1 = total - w0
    both = (w0 > 0) & (w1 > 0)
    mu0 = np.divide(s0, w0, out=np.zeros_like(s0), where=both)
    mu1 = np.divide(total_sum - s0, w1, out=np.zeros_like(s0), where=both)
    return np.where(both, w0 * w1 * (mu0 - mu1) ** 2, 0.0) / (total * total)


def otsu_level(image: np.ndarray, *, bins: int = 256) -> float:
    """Otsu's threshold of the luminance: the level that best splits it in two.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    bins : int
        Histogram bins over [0, 1].

    Returns
    -------
    float
        The level ``(k + 1) / bins``: bins ``0..k`` are the dark class and
        ``Y >= level`` selects the bright one.

    Notes
    -----
    Otsu, "A threshold selection method from gray-level histograms", IEEE
    SMC 9(1), 1979. Over every split ``k`` of the histogram (values at the
    bin centres), maximises the between-class variance
    ``w0 w1 (mu0 - mu1)^2`` (class weights and means from cumulative sums,
    all splits at once). Ties, such as the splits inside an empty gap of the
    histogram, go to the lowest ``k``; an image of a single level scores 0
    everywhere and gets ``1 / bins``.

    Examples
    --------
    >>> img = np.array([[0.1, 0.15, 0.2, 0.7, 0.8]], np.float32)
    >>> level = otsu_level(img)
    >>> 0.2 < level <= 0.7
    True
    """
    luma = _luma_of(image)
    bins = _check_bins(bins)
    k = int(np.argmax(_otsu_scores(_count(luma, bins))))
    return (k + 1) / bins


def threshold_otsu(image: np.ndarray) -> np.ndarray:
    """Binarise at Otsu's level of the luminance (see :func:`otsu_level`).

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].

    Returns
    -------
    ndarray
        float32 ``(H, W)`` with values 0 and 1: 1 where ``Y >= otsu_level(image)``.

    Notes
    -----
    Otsu (1979) on a 256-bin histogram of the gray values or Rec. 709 luma.

    Examples
    --------
    >>> img = np.array([[0.1, 0.15, 0.2, 0.7, 0.8]], np.float32)
    >>> threshold_otsu(img).tolist()
    [[0.0, 0.0, 0.0, 1.0, 1.0]]
    """
    luma = _luma_of(image)
    k = int(np.argmax(_otsu_scores(_count(luma, 256))))
    return _binarize(luma, (k + 1) / 256)


# ---------------------------------------------------------------------------
# Multi-level Otsu


def _multi_otsu_starts(counts: np.ndarray, classes: int) -> list[int]:
    """First bin of classes 1..classes-1 maximising the between-class variance.

    Dynamic programming over contiguous classes of bins, exact.
    """
    counts = np.asarray(counts, np.float64)
    bins = counts.shape[0]
    centres = (np.arange(bins) + 0.5) / bins
    cum_w = np.concatenate([[0.0], np.cumsum(counts)])
    cum_s = np.concatenate([[0.0], np.cumsum(counts * centres)])
    # score[a, b]: (sum of values)^2 / count for the class of bins a..b.
    w = cum_w[None, 1:] - cum_w[:-1, None]
    s = cum_s[None, 1:] - cum_s[:-1, None]
    upper = np.triu(np.ones((bins, bins), bool))
    score = np.divide(s * s, w, out=np.zeros_like(w), where=upper & (w > 0))
    score[~upper] = -np.inf
    # best[b]: best total for bins 0..b cut in m classes; start[m][b]: first bin of the last class.
    best = score[0].copy()
    starts = []
    for m in range(1, classes):
        # The last class is a..b; the first m classes cover 0..a-1 (needs a >= m).
        prev = np.full(bins, -np.inf)
        prev[m:] = best[m - 1 : bins - 1]
        total = prev[:, None] + score
        choice = np.argmax(total, axis=0)
        best = total[choice, np.arange(bins)]
        starts.append(choice)
    cuts = []
    end = bins - 1
    for choice in reversed(starts):
        a = int(choice[end])
        cuts.append(a)
        end = a - 1
    return cuts[::-1]


def _check_classes(classes: int) -> int:
    return check_int("classes", classes, 2, 5)


def multi_otsu_levels(image: np.ndarray, classes: int = 3, *, bins: int = 256) -> tuple[float, ...]:
    """Levels splitting the luminance into ``classes`` classes, Otsu's criterion.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    classes : int
        Number of classes, 2 to 5.
    bins : int
        Histogram bins over [0, 1], at most 1024.

    Returns
    -------
    tuple of float
        ``classes - 1`` increasing levels ``a_i / bins``; class ``i`` is
        ``level_i <= Y < level_{i+1}``.

    Notes
    -----
    Liao, Chen and Chung, "A fast algorithm for multilevel thresholding",
    J. Inf. Sci. Eng. 17, 2001: maximising the between-class variance is
    maximising ``sum_i S_i^2 / W_i`` (``W_i`` pixels and ``S_i`` sum of the
    bin-centre values of class ``i``). Classes are contiguous runs of bins,
    so the exact optimum over all ``C(bins - 1, classes - 1)`` cuts is found
    by dynamic programming over the bins, each step one vectorised
    ``bins x bins`` maximum: ``O(classes bins^2)``. With ``classes = 2`` this
    is :func:`otsu_level`. Ties go to the lowest cuts.

    Examples
    --------
    >>> img = np.array([[0.1, 0.12, 0.5, 0.52, 0.9, 0.92]], np.float32)
    >>> [round(v, 4) for v in multi_otsu_levels(img, 3)]  # 31/256 and 134/256
    [0.1211, 0.5234]
    """
    luma = _luma_of(image)
    classes = _check_classes(classes)
    bins = _check_bins(bins, 1024)
    return tuple(a / bins for a in _multi_otsu_starts(_count(luma, bins), classes))


def threshold_multi_otsu(image: np.ndarray, classes: int = 3) -> np.ndarray:
    """Posterise the luminance into ``classes`` gray levels at multi-Otsu levels.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    classes : int
        Number of classes, 2 to 5.

    Returns
    -------
    ndarray
        float32 ``(H, W)``: class ``i`` (darkest 0) becomes the gray
        ``i / (classes - 1)``, so the values are evenly spaced in [0, 1]
        and 2 classes give the 0/1 image of :func:`threshold_otsu`.

    Notes
    -----
    Levels from :func:`multi_otsu_levels` on 256 bins. Each pixel's bin is
    looked up in a table of its class's gray.

    Examples
    --------
    >>> img = np.array([[0.1, 0.12, 0.5, 0.52, 0.9, 0.92]], np.float32)
    >>> threshold_multi_otsu(img, 3).tolist()
    [[0.0, 0.0, 0.5, 0.5, 1.0, 1.0]]
    """
    luma = _luma_of(image)
    classes = _check_classes(classes)
    bins = 256
    cuts = _multi_otsu_starts(_count(luma, bins), classes)
    lut = np.zeros(bins, np.float32)
    for i, a in enumerate(cuts, start=1):
        lut[a:] = i / (classes - 1)
    h, w = luma.shape
    out = np.empty((h, w), np.float32)

    def block(rows):
        y0, y1 = rows
        lut.take(_count_index(luma[y0:y1], bins), out=out[y0:y1])

    _parallel(block, _row_blocks(h, w))
    return out


# ---------------------------------------------------------------------------
# Adaptive


def threshold_adaptive(
    image: np.ndarray, block_size: int = 31, offset: float = 0.02, method: str = "mean", *,
    progress: Progress | None = None,
) -> np.ndarray:
    """White where the luminance is at least its neighbourhood's mean minus ``offset``.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    block_size : int
        Width in pixels of the square neighbourhood, >= 1. Windows are
        centred, so an even size uses the next odd one (``2 (block_size // 2) + 1``).
    offset : float
        Subtracted from the local mean, in [-1, 1]: a positive offset keeps
        flat areas white and blackens only pixels darker than their
        surroundings by more than ``offset`` (text on paper).
    method : {"mean", "gaussian"}
        ``"mean"``: plain mean over the square
        (:func:`processing.filters.box_blur`); ``"gaussian"``: Gaussian
        weighted mean with ``sigma = (block_size - 1) / 6``
        (:func:`processing.filters.gaussian_blur`), as scikit-image's
        ``threshold_local``.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        float32 ``(H, W)`` with values 0 and 1.

    Notes
    -----
    ``out = 1 if Y >= m(Y) - offset else 0`` with ``m`` the local mean of
    the luminance ``Y`` (OpenCV's ``adaptiveThreshold``, with ``>=``). The
    local statistics cost O(1) per pixel: for the box, running column sums
    and row prefix sums in float64, compared as ``(Y + offset) n >= S``
    (``S`` the window sum of ``n`` pixels) band by band without leaving the
    cache; for the Gaussian, whatever :func:`processing.filters.gaussian_blur`
    uses.
    Borders reflect (the edge pixel repeated), as in every filter.

    Examples
    --------
    >>> img = np.full((7, 7), 0.8, np.float32); img[3, 3] = 0.2
    >>> out = threshold_adaptive(img, 3, 0.05)
    >>> out[3].tolist(), out.shape
    ([1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0], (7, 7))
    """
    luma = _luma_of(image)
    block_size = check_int("block_size", block_size, 1)
    offset = check_range("offset", offset, -1, 1)
    if method not in _ADAPTIVE_METHODS:
        raise ValueError(f"method must be one of {', '.join(_ADAPTIVE_METHODS)}; got {method!r}")
    if method == "mean":
        # Box sums and the comparison fused per band of rows, in float64.
        return mean_threshold(luma, block_size // 2, offset, progress=progress)
    local = filters.gaussian_blur(luma, (block_size - 1) / 6.0, progress=phase(progress, 0.0, 0.9))
    local -= np.float32(offset)
    return _binarize(luma, local, phase(progress, 0.9, 1.0))


# ---------------------------------------------------------------------------
# Triangle


def _triangle_bin(counts: np.ndarray) -> tuple[int, bool]:
    """Zack's triangle: the bin farthest below the line from the peak to the far end.

    Returns the bin and whether the long tail is on the bright side.
    """
    counts = np.asarray(counts, np.float64)
    bins = counts.shape[0]
    filled = np.flatnonzero(counts)
    low, high = int(filled[0]), int(filled[-1])
    peak = int(np.argmax(counts))
    bright_tail = high - peak > peak - low
    if bright_tail:  # mirror so that the long tail is on the left
        counts = counts[::-1]
        low, peak = bins - 1 - high, bins - 1 - peak
    # Line from (low, 0) to (peak, counts[peak]); distance of (x, counts[x])
    # below it is proportional to counts[peak] (x - low) - (peak - low) counts[x].
    x = np.arange(low, peak + 1)
    below = counts[peak] * (x - low) - (peak - low) * counts[low : peak + 1]
    k = int(low + np.argmax(below))
    return (bins - 1 - k, True) if bright_tail else (k, False)


def _triangle_level(luma: np.ndarray, bins: int) -> float:
    k, bright_tail = _triangle_bin(_count(luma, bins))
    return (k + 1) / bins if bright_tail else k / bins


def triangle_level(image: np.ndarray, *, bins: int = 256) -> float:
    """Threshold of the luminance by the triangle method (Zack et al.).

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    bins : int
        Histogram bins over [0, 1].

    Returns
    -------
    float
        A bin edge: ``Y >= level`` is the class away from the histogram's peak.

    Notes
    -----
    Zack, Rogers and Latt, "Automatic measurement of sister chromatid
    exchange frequency", J. Histochem. Cytochem. 25(7), 1977. A line joins
    the histogram's peak to the end of its longer tail (the first or last
    non-empty bin, at height 0); the chosen bin is the one where the
    histogram lies farthest below that line. It belongs to the peak's class:
    with the tail on the bright side the level is the bin's upper edge,
    otherwise its lower edge, so inverting the image inverts the result.
    Equal tails count as a dark tail. Suited to one dominant background
    peak and a faint foreground (cells, stars, text). A single-level image
    gets its own bin's lower edge (all white).

    Examples
    --------
    >>> img = np.zeros((10, 10), np.float32); img[0, :5] = np.linspace(0.4, 0.9, 5)
    >>> 0 < triangle_level(img) <= 0.4
    True
    """
    luma = _luma_of(image)
    return _triangle_level(luma, _check_bins(bins))


def threshold_triangle(image: np.ndarray) -> np.ndarray:
    """Binarise at the triangle method's level (see :func:`triangle_level`).

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].

    Returns
    -------
    ndarray
        float32 ``(H, W)`` with values 0 and 1: 1 where ``Y >= triangle_level(image)``.

    Notes
    -----
    Zack et al. (1977) on a 256-bin histogram of the gray values or Rec. 709 luma.

    Examples
    --------
    >>> img = np.zeros((10, 10), np.float32); img[0, :5] = np.linspace(0.4, 0.9, 5)
    >>> int(threshold_triangle(img).sum())
    5
    """
    luma = _luma_of(image)
    return _binarize(luma, _triangle_level(luma, 256))
