"""Segmentation: colour clustering, connected components, the magic wand,
superpixels and a watershed that splits touching objects.

Labels are ``int32 (H, W)`` images: 0 is background (or "no region"), regions
are numbered from 1. Functions that return labels have a sibling that returns
a displayable image (``label_overlay`` paints labels over the picture with
their mean colour or a fixed palette).

Connected components are found on *runs*: each row is cut into maximal runs
of foreground (or of one label value), runs in consecutive rows that touch are
joined by a vectorised union-find (hooking every root to its smallest
neighbouring root, then full pointer jumping, until no edge joins two trees).
Apart from one vectorised pass to find the runs and one to paint the labels
back, the work is proportional to the number of runs, not of pixels, and there
is no Python loop over pixels or runs.

Splitting touching objects: marker-controlled watershed
(:func:`watershed_from_markers`, Beucher & Meyer 1993) on the negated
Euclidean distance transform of the thresholded foreground, with one marker
per maximum of the distance (:func:`split_objects`). We chose it over
graph-based or active-contour methods because it is the standard answer to
the coins-on-a-table case, it is parameter-light (a threshold and the smallest
distance between object centres), its result is defined exactly (so it can
be tested against a slow reference), and a level-by-level flood vectorises
well: each grey level is flooded in breadth-first waves over index arrays,
never a Python loop per pixel.
"""
from __future__ import annotations

import math

import numpy as np

from ._image import as_image, check_int, check_range, merge_alpha, split_alpha
from ._labels import as_mask as _as_mask
from ._labels import check_connectivity as _check_connectivity
from ._labels import consecutive as _consecutive
from ._labels import luma as _luma
from ._labels import mask_runs as _mask_runs
from ._labels import paint_mask as _paint_mask
from ._labels import paint_runs as _paint_runs
from ._labels import run_roots as _run_roots
from ._labels import value_runs as _value_runs
from ._parallel import parallel_map, split
from ._progress import Progress, phase, report
from .morphology import dilate, fill_holes
from ._kmeans import assign as _kmeans_assign, paint as _kmeans_paint

__all__ = [
    "PALETTE",
    "label_components",
    "components_overlay",
    "label_overlay",
    "region_grow",
    "region_highlight",
    "kmeans_labels",
    "kmeans_colors",
    "slic_labels",
    "slic_superpixels",
    "distance_transform",
    "watershed_from_markers",
    "split_objects_labels",
    "split_objects",
]


def label_components(mask: np.ndarray, connectivity: int = 8) -> np.ndarray:
    """Label the connected components of a binary image.

    Parameters
    ----------
    mask : ndarray
        bool ``(H, W)`` mask, or a float32 image whose luma is thresholded at
        0.5 (pixels >= 0.5 are foreground).
    connectivity : {4, 8}
        4 joins pixels that share an edge, 8 also those that share a corner.

    Returns
    -------
    ndarray
        int32 ``(H, W)`` labels: 0 on background, 1..n on the components,
        numbered in raster order of their first pixel.

    Notes
    -----
    Run-based union-find: each row is split into runs of foreground, runs in
    consecutive rows that touch are found with a sorted search, and the run
    graph is reduced by parallel hooking (every root under the smallest
    neighbouring root) and pointer jumping (Shiloach & Vishkin 1982). The
    root of each tree is its first run, so numbering the roots in order gives
    raster order. Labels are painted back with a cumulative sum of run
    start/end markers.

    Examples
    --------
    >>> m = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], bool)
    >>> label_components(m, 4).tolist()
    [[1, 0, 2], [0, 0, 2], [3, 3, 0]]
    >>> label_components(m, 8).tolist()
    [[1, 0, 2], [0, 0, 2], [2, 2, 0]]
    >>> label_components(np.eye(3, dtype=bool), 8).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    mask = _as_mask(mask)
    connectivity = _check_connectivity(connectivity)
    runs = _mask_runs(mask)
    roots = _run_roots(runs, connectivity)
    return _paint_runs(runs, _consecutive(roots))


# ---------------------------------------------------------------------------
# Showing labels
# ---------------------------------------------------------------------------

_OVERLAY_MODES = ("mean", "palette")


def _make_palette(n: int = 64) -> np.ndarray:
    """``n`` distinct colours: hues a golden angle apart, alternating
    saturation and value so that neighbours in the sequence differ."""
    i = np.arange(n)
    hue = (i * 0.6180339887498949) % 1.0
    sat = np.where(i % 2 == 0, 0.85, 0.6)
    val = np.where(i % 3 == 1, 0.7, 0.95)
    sector = np.floor(hue * 6).astype(int) % 6
    frac = hue * 6 - np.floor(hue * 6)
    p, q, t = val * (1 - sat), val * (1 - sat * frac), val * (1 - sat * (1 - frac))
    table = np.array([[val, t, p], [q, val, p], [p, val, t], [p, q, val], [t, p, val], [val, p, q]])
    rgb = table[sector, :, i]
    return rgb.astype(np.float32)


PALETTE = _make_palette()
"""The fixed label palette: label ``L >= 1`` is drawn in ``PALETTE[(L - 1) % 64]``."""


def _check_mode(mode) -> str:
    if mode not in _OVERLAY_MODES:
        raise ValueError(f"mode must be one of mean, palette; got {mode!r}")
    return mode


def _check_labels(labels, shape) -> np.ndarray:
    if not isinstance(labels, np.ndarray) or labels.dtype.kind not in "iu":
        raise ValueError("labels must be an integer NumPy array")
    if labels.shape != tuple(shape):
        raise ValueError(f"labels must have the image's shape {tuple(shape)}, got {labels.shape}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"labels must be >= 0, got {labels.min()}")
    return labels


def _to_rgb(color: np.ndarray) -> np.ndarray:
    return np.repeat(color[..., None], 3, axis=2) if color.ndim == 2 else color


def _blend(color: np.ndarray, paint: np.ndarray, where: np.ndarray, opacity: float) -> np.ndarray:
    """``color`` with ``paint`` laid over it at ``opacity`` where ``where`` holds."""
    if opacity == 1.0:
        mixed = paint
    else:
        mixed = paint - color
        mixed *= np.float32(opacity)
        mixed += color
    w = where[..., None] if color.ndim == 3 else where
    out = np.where(w, mixed, color).astype(np.float32, copy=False)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def _mean_colors(color: np.ndarray, labels: np.ndarray, n: int, progress: Progress | None = None) -> np.ndarray:
    """Mean colour of each label 0..n, float32 ``(n + 1, C)`` (or ``(n + 1,)`` for gray).

    Counts and sums per band of rows on the thread pool, added up in band
    order (the bands do not depend on the thread count, so neither does the
    result).
    """
    h, w = labels.shape
    planes = [color] if color.ndim == 2 else [color[..., c] for c in range(color.shape[2])]
    parts: dict[int, np.ndarray] = {}

    def run(y0, y1):
        flat = labels[y0:y1].ravel()
        part = np.empty((1 + len(planes), n + 1))
        part[0] = np.bincount(flat, minlength=n + 1)
        for c, plane in enumerate(planes):
            part[1 + c] = np.bincount(flat, weights=plane[y0:y1].ravel(), minlength=n + 1)
        parts[y0] = part

    _in_bands(h, w, run, progress)
    total = parts[0].copy()
    for y0 in sorted(parts)[1:]:
        total += parts[y0]
    count = np.maximum(total[0], 1)
    means = (total[1:] / count).T.astype(np.float32)
    return means[:, 0] if color.ndim == 2 else means


def label_overlay(image: np.ndarray, labels: np.ndarray, mode: str = "mean", opacity: float = 1.0, *,
                  progress: Progress | None = None) -> np.ndarray:
    """Show a label image over the picture, in mean colours or a fixed palette.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]; alpha is passed through.
    labels : ndarray
        Integer ``(H, W)`` labels; 0 is background and is left as it is.
    mode : {"mean", "palette"}
        ``mean`` paints each region with its mean colour in ``image``;
        ``palette`` with a fixed colour per label (:data:`PALETTE`).
    opacity : float
        In [0, 1]: how much the paint covers the picture.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        float32 image; RGB(A) for ``palette`` even when ``image`` is gray,
        otherwise of the same shape.

    Notes
    -----
    ``out = (1 - opacity) * image + opacity * paint`` on labelled pixels.

    Examples
    --------
    >>> img = np.array([[0.2, 0.4, 1.0]], np.float32)
    >>> label_overlay(img, np.array([[1, 1, 0]])).tolist()
    [[0.30000001192092896, 0.30000001192092896, 1.0]]
    >>> label_overlay(img, np.array([[1, 1, 0]]), "palette").shape
    (1, 3, 3)
    """
    image = as_image(image)
    color, alpha = split_alpha(image)
    labels = _check_labels(labels, color.shape[:2])
    mode = _check_mode(mode)
    opacity = check_range("opacity", opacity, 0, 1)
    n = int(labels.max()) if labels.size else 0
    if mode == "mean":
        table = _mean_colors(color, labels, n, phase(progress, 0.0, 0.4))
    else:
        color = _to_rgb(color)
        table = np.zeros((n + 1, 3), np.float32)
        table[1:] = PALETTE[np.arange(n) % len(PALETTE)]
    report(progress, 0.4)
    h, w = labels.shape
    out = np.empty(color.shape, np.float32)

    def run(y0, y1):
        band = labels[y0:y1]
        out[y0:y1] = _blend(color[y0:y1], table[band], band > 0, opacity)

    _in_bands(h, w, run, phase(progress, 0.4, 1.0))
    return merge_alpha(out, alpha)


def components_overlay(image: np.ndarray, connectivity: int = 8, mode: str = "palette",
                       opacity: float = 0.6, *, progress: Progress | None = None) -> np.ndarray:
    """Connected components of the thresholded image, shown as a label overlay.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; foreground is luma >= 0.5.
    connectivity : {4, 8}
        Pixel connectivity, see :func:`label_components`.
    mode : {"mean", "palette"}
        How the components are painted, see :func:`label_overlay`.
    opacity : float
        Paint opacity in [0, 1].
    progress : callable, optional
        Called with the fraction done (0 to 1); it may raise to stop the work.

    Returns
    -------
    ndarray
        float32 image, see :func:`label_overlay`.

    Examples
    --------
    >>> img = np.array([[1, 0, 1]], np.float32)
    >>> components_overlay(img, mode="mean", opacity=1.0).tolist()
    [[1.0, 0.0, 1.0]]
    """
    labels = label_components(image, connectivity)
    report(progress, 0.3)
    return label_overlay(image, labels, mode, opacity, progress=phase(progress, 0.3, 1.0))


# ---------------------------------------------------------------------------
# The magic wand
# ---------------------------------------------------------------------------

_GROW_MODES = ("connected", "global")


def _in_bands(h: int, w: int, fn, progress: Progress | None = None) -> None:
    """Call ``fn(y0, y1)`` over bands of rows on the thread pool (one band for small images)."""
    bands = [(0, h)] if h * w < (1 << 18) else split(h)
    parallel_map(lambda band: fn(*band), bands, progress=progress)


def _seed_pixel(seed_xy, shape) -> tuple[int, int]:
    try:
        x, y = (float(v) for v in seed_xy)
    except (TypeError, ValueError):
        raise ValueError(f"seed_xy must be a pair (x, y), got {seed_xy!r}") from None
    h, w = shape
    if not (math.isfinite(x) and math.isfinite(y)) or not (0 <= x < w and 0 <= y < h):
        raise ValueError(f"seed_xy ({x:g}, {y:g}) is outside the {w}x{h} image")
    return int(x), int(y)


def _within_tolerance(color: np.ndarray, seed_value: np.ndarray, tolerance: float,
                      progress: Progress | None = None) -> np.ndarray:
    """``max_c |color_c - seed_c| <= tolerance``, in bands of rows."""
    h, w = color.shape[:2]
    out = np.empty((h, w), np.bool_)
    tol = np.float32(tolerance)
    planes = [color] if color.ndim == 2 else [color[..., c] for c in range(color.shape[2])]
    seeds = np.atleast_1d(seed_value)

    def run(y0, y1):
        diff = np.empty((y1 - y0, w), np.float32)
        ok = out[y0:y1]
        ok[...] = True
        for plane, s in zip(planes, seeds):
            np.subtract(plane[y0:y1], s, out=diff)
            np.abs(diff, out=diff)
            ok &= diff <= tol

    _in_bands(h, w, run, progress)
    return out


def region_grow(image: np.ndarray, seed_xy, tolerance: float = 0.1, connectivity: int = 8,
                mode: str = "connected", *, progress: Progress | None = None) -> np.ndarray:
    """The magic wand: the region around a seed pixel whose colour is close to the seed's.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is ignored.
    seed_xy : (float, float)
        Seed position ``(x, y)`` in pixels; pixel ``(int(x), int(y))``.
    tolerance : float
        In [0, 1]: a pixel matches when every colour channel differs from
        the seed's by at most this much.
    connectivity : {4, 8}
        How matching pixels join the region in ``connected`` mode.
    mode : {"connected", "global"}
        ``connected``: the matching pixels connected to the seed (flood
        fill); ``global``: every matching pixel in the image.
    progress : callable, optional
        Called with the fraction done (0 to 1); it may raise to stop the work.

    Returns
    -------
    ndarray
        bool ``(H, W)`` mask of the region.

    Notes
    -----
    The colour distance is the largest channel difference (Chebyshev),
    ``max_c |I_c(p) - I_c(seed)| <= tolerance``, as GIMP's fuzzy select
    compares colours. The connected region is the seed's component of the
    matching mask, found by the run-based labelling of
    :func:`label_components` and painted from its runs only.

    Examples
    --------
    >>> img = np.array([[0.1, 0.15, 0.9, 0.1], [0.9, 0.12, 0.9, 0.1]], np.float32)
    >>> region_grow(img, (0, 0), 0.1, 4).astype(int).tolist()
    [[1, 1, 0, 0], [0, 1, 0, 0]]
    >>> region_grow(img, (0, 0), 0.1, 4, "global").astype(int).tolist()
    [[1, 1, 0, 1], [0, 1, 0, 1]]
    """
    image = as_image(image)
    color, _ = split_alpha(image)
    x, y = _seed_pixel(seed_xy, color.shape[:2])
    tolerance = check_range("tolerance", tolerance, 0, 1)
    connectivity = _check_connectivity(connectivity)
    if mode not in _GROW_MODES:
        raise ValueError(f"mode must be one of connected, global; got {mode!r}")
    match = _within_tolerance(color, color[y, x], tolerance, phase(progress, 0.0, 0.5))
    if mode == "global":
        return match
    runs = _mask_runs(match)
    roots = _run_roots(runs, connectivity)
    report(progress, 0.8)
    in_row = np.flatnonzero((runs.row == y) & (runs.start <= x) & (runs.end > x))
    region = _paint_mask(runs, roots == roots[in_row[0]])
    report(progress, 1.0)
    return region


def region_highlight(image: np.ndarray, seed_xy, tolerance: float = 0.1, connectivity: int = 8,
                     mode: str = "connected", color=(1.0, 0.25, 0.1), opacity: float = 0.5, *,
                     progress: Progress | None = None) -> np.ndarray:
    """The image with the magic-wand region of :func:`region_grow` tinted.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is passed through.
    seed_xy, tolerance, connectivity, mode
        As for :func:`region_grow`.
    color : (float, float, float)
        RGB tint in [0, 1].
    opacity : float
        Tint opacity in [0, 1].
    progress : callable, optional
        As for :func:`region_grow`.

    Returns
    -------
    ndarray
        float32 RGB(A) image (a gray image becomes RGB so that the tint shows).

    Examples
    --------
    >>> img = np.array([[0.0, 0.0, 1.0]], np.float32)
    >>> region_highlight(img, (0, 0), 0.1, color=(1, 0, 0), opacity=1.0)[0, :, 0].tolist()
    [1.0, 1.0, 1.0]
    """
    region = region_grow(image, seed_xy, tolerance, connectivity, mode, progress=phase(progress, 0.0, 0.5))
    rgb_tint = np.array(color, np.float32)
    if rgb_tint.shape != (3,) or not ((rgb_tint >= 0) & (rgb_tint <= 1)).all():
        raise ValueError(f"color must be three numbers in [0, 1], got {color!r}")
    opacity = check_range("opacity", opacity, 0, 1)
    base, alpha = split_alpha(as_image(image))
    base = _to_rgb(base)
    paint = np.broadcast_to(rgb_tint, base.shape)
    out = merge_alpha(_blend(base, paint, region, opacity), alpha)
    report(progress, 1.0)
    return out


# ---------------------------------------------------------------------------
# k-means colour clustering
# ---------------------------------------------------------------------------

def _kmeans_plus_plus(samples: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy k-means++ seeding (Arthur & Vassilvitskii 2007): the first
    centre uniformly; each next one drawn ``2 + ln k`` times with probability
    proportional to the squared distance to the nearest centre so far, the
    draw that lowers the total squared distance most kept (as scikit-learn
    does; single draws leave a poor start now and then). Stops early when
    every sample coincides with a centre (fewer distinct colours than ``k``)."""
    n = len(samples)
    trials = 2 + int(math.log(k)) if k > 1 else 1
    centres = [samples[rng.integers(n)]]
    d2 = ((samples - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        cumulative = np.cumsum(d2)
        total = cumulative[-1]
        if total <= 0:
            break
        picks = np.minimum(np.searchsorted(cumulative, rng.random(trials) * total, side="right"), n - 1)
        best = None
        for pick in picks.tolist():
            if d2[pick] <= 0:  # a sample already at a centre (rounding at the ends)
                continue
            candidate = np.minimum(d2, ((samples - samples[pick]) ** 2).sum(axis=1))
            potential = candidate.sum()
            if best is None or potential < best[0]:
                best = (potential, pick, candidate)
        if best is None:
            break
        centres.append(samples[best[1]])
        d2 = best[2]
    return np.array(centres, np.float64)


def _lloyd(samples: np.ndarray, centres: np.ndarray, iterations: int,
           progress: Progress | None = None) -> np.ndarray:
    """Lloyd's iterations: assign to the nearest centre, move centres to the
    mean of their samples (an empty cluster keeps its centre).

    Assignment and the cluster sums come from one sweep
    (``processing._kmeans.assign``); the sums are float64.
    """
    rows = samples.astype(np.float32)  # the samples are image values: exact
    centres = np.array(centres, np.float64)
    assigned = None
    for i in range(iterations):
        new, totals, counts = _kmeans_assign(rows, centres, sums=True)
        if assigned is not None and np.array_equal(new, assigned):
            break
        assigned = new
        filled = counts > 0
        centres[filled] = totals[filled] / counts[filled, None]
        report(progress, (i + 1) / iterations)
    report(progress, 1.0)
    return centres


def _kmeans_fit(image, k, seed, iterations, sample_size, progress=None):
    """Validate; fit centres on a sample. Returns (colour planes, pixels as
    float32 rows, centres numbered from darkest to brightest by luma)."""
    image = as_image(image)
    color, _ = split_alpha(image)
    k = check_int("k", k, 1, 256)
    seed = check_int("seed", seed, 0)
    iterations = check_int("iterations", iterations, 1)
    sample_size = check_int("sample_size", sample_size, 1)
    h, w = color.shape[:2]
    data = np.ascontiguousarray(color).reshape(h * w, -1)
    rng = np.random.default_rng(seed)
    if h * w <= sample_size:
        samples = data
    else:
        samples = data[rng.integers(0, h * w, sample_size)]
    samples = samples.astype(np.float64)
    centres = _lloyd(samples, _kmeans_plus_plus(samples, k, rng), iterations, progress)
    weights = np.array([0.2126, 0.7152, 0.0722]) if data.shape[1] == 3 else np.ones(1)
    order = np.argsort(centres @ weights, kind="stable")
    return color, data, centres[order]


def kmeans_labels(image: np.ndarray, k: int = 8, seed: int = 0, iterations: int = 20, *,
                  sample_size: int = 100_000, progress: Progress | None = None) -> np.ndarray:
    """Cluster the colours of an image with k-means; return the label image.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is ignored.
    k : int
        Number of clusters, 1..256 (fewer come out when the image has fewer
        distinct colours).
    seed : int
        Seed of the random generator (sampling and k-means++), >= 0: the same
        seed gives the same result.
    iterations : int
        Most Lloyd iterations, >= 1 (they stop earlier once assignments are stable).
    sample_size : int
        Pixels drawn (uniformly, with replacement) to fit the centres; an
        image with no more pixels than this uses all of them.
    progress : callable, optional
        Called with the fraction of pixels assigned; it may raise to cancel.

    Returns
    -------
    ndarray
        int32 ``(H, W)`` labels 1..k', clusters numbered from darkest to
        brightest centre (by Rec. 709 luma).

    Notes
    -----
    k-means++ seeding (Arthur & Vassilvitskii 2007) then Lloyd's algorithm
    on the sample; every pixel then goes to the nearest centre, computed as
    ``argmin_c (|c|^2 - 2 x.c)`` with a matrix product per cache-sized chunk,
    chunks spread over the thread pool.

    Examples
    --------
    >>> img = np.array([[0.1, 0.12, 0.9], [0.88, 0.1, 0.9]], np.float32)
    >>> kmeans_labels(img, 2).tolist()
    [[1, 1, 2], [2, 1, 2]]
    """
    # The fit (on a sample) is a small share; the assignment of every pixel the rest.
    color, data, centres = _kmeans_fit(image, k, seed, iterations, sample_size, phase(progress, 0.0, 0.3))
    labels = _kmeans_assign(data, centres, progress=phase(progress, 0.3, 1.0))
    labels += 1
    return labels.reshape(color.shape[:2])


def kmeans_colors(image: np.ndarray, k: int = 8, seed: int = 0, iterations: int = 20, *,
                  mode: str = "mean", opacity: float = 1.0, sample_size: int = 100_000,
                  progress: Progress | None = None) -> np.ndarray:
    """Posterise by colour clustering: each pixel painted with its cluster's mean colour.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is passed through.
    k, seed, iterations, sample_size
        As for :func:`kmeans_labels`.
    mode : {"mean", "palette"}
        Paint clusters in their mean colour (over all their pixels) or in
        the fixed palette, see :func:`label_overlay`.
    opacity : float
        In [0, 1]; 1 replaces the picture by the cluster colours.
    progress : callable, optional
        Called with the fraction done; it may raise to cancel.

    Returns
    -------
    ndarray
        float32 image (see :func:`label_overlay` for the shape).

    Notes
    -----
    ``label_overlay(image, kmeans_labels(image, ...), mode, opacity)``. For
    ``mean``, the pass that assigns the pixels also sums them per cluster,
    so the mean colours need no second pass over the image.

    Examples
    --------
    >>> img = np.array([[0.1, 0.2, 0.9, 1.0]], np.float32)
    >>> kmeans_colors(img, 2)
    array([[0.15, 0.15, 0.95, 0.95]], dtype=float32)
    """
    mode = _check_mode(mode)
    opacity = check_range("opacity", opacity, 0, 1)
    if mode != "mean":
        labels = kmeans_labels(image, k, seed, iterations, sample_size=sample_size,
                               progress=phase(progress, 0.0, 0.8))
        return label_overlay(image, labels, mode, opacity, progress=phase(progress, 0.8, 1.0))
    color, data, centres = _kmeans_fit(image, k, seed, iterations, sample_size, phase(progress, 0.0, 0.2))
    labels, totals, counts = _kmeans_assign(data, centres, sums=True, progress=phase(progress, 0.2, 0.7))
    means = (totals / np.maximum(counts, 1)[:, None]).astype(np.float32)
    painted = _kmeans_paint(labels, means, data, opacity, progress=phase(progress, 0.7, 1.0))
    alpha = split_alpha(as_image(image))[1]
    return merge_alpha(painted.reshape(color.shape), alpha)


# ---------------------------------------------------------------------------
# SLIC superpixels
# ---------------------------------------------------------------------------

_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def _lab_f(t: np.ndarray) -> np.ndarray:
    delta = 6.0 / 29.0
    small = t <= delta**3
    out = np.cbrt(t)
    out[small] = t[small] / (3 * delta * delta) + 4.0 / 29.0
    return out


def _to_lab(color: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB values, float32 ``(H, W, 3)``; for a gray
    image only L*, as ``(H, W, 1)``."""
    h, w = color.shape[:2]
    channels = 1 if color.ndim == 2 else 3
    out = np.empty((h, w, channels), np.float32)

    def run(y0, y1):
        c = color[y0:y1]
        linear = np.where(c <= 0.04045, c / np.float32(12.92), ((c + np.float32(0.055)) / np.float32(1.055)) ** 2.4)
        if channels == 1:
            out[y0:y1, :, 0] = 116 * _lab_f(linear) - 16
            return
        m = (_SRGB_TO_XYZ / _WHITE_D65[:, None]).T.astype(np.float32)
        fx, fy, fz = np.moveaxis(_lab_f(linear @ m), 2, 0)
        out[y0:y1, :, 0] = 116 * fy - 16
        out[y0:y1, :, 1] = 500 * (fx - fy)
        out[y0:y1, :, 2] = 200 * (fy - fz)

    _in_bands(h, w, run, progress)
    return out


_NINE = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]


class _SlicGrid:
    """Cluster centres on a grid of ``gh x gw`` cells of ``ch x cw`` pixels;
    each pixel compares itself only with the centres of its cell's 3x3
    neighbourhood, which covers SLIC's 2S x 2S search windows."""

    def __init__(self, feats: np.ndarray, n_segments: int, compactness: float):
        h, w, channels = feats.shape
        step = math.sqrt(h * w / n_segments)
        gh = max(1, min(h, int(round(h / step))))
        gw = max(1, min(w, int(round(w / step))))
        self.ch, self.cw = -(-h // gh), -(-w // gw)
        self.gh, self.gw = -(-h // self.ch), -(-w // self.cw)
        self.h, self.w, self.channels = h, w, channels
        self.weight = np.float32((compactness / step) ** 2)
        hp, wp = self.gh * self.ch, self.gw * self.cw
        padded = np.empty((hp, wp, channels), np.float32)
        padded[:h, :w] = feats
        padded[h:, :w] = feats[-1:]
        padded[:, w:] = padded[:, w - 1 : w]
        self.blocks = padded.reshape(self.gh, self.ch, self.gw, self.cw, channels)
        # Initial centres: the middle of each cell, moved to the lowest
        # gradient of its 3x3 neighbourhood (Achanta et al. 2012).
        ys = (np.arange(self.gh) * self.ch + np.minimum((np.arange(self.gh) + 1) * self.ch, h) - 1) // 2
        xs = (np.arange(self.gw) * self.cw + np.minimum((np.arange(self.gw) + 1) * self.cw, w) - 1) // 2
        cy, cx = np.meshgrid(ys, xs, indexing="ij")
        if h >= 3 and w >= 3:
            best = np.full(cy.shape, np.inf)
            by, bx = cy.copy(), cx.copy()
            for dy, dx in _NINE:
                y = np.clip(cy + dy, 1, h - 2)
                x = np.clip(cx + dx, 1, w - 2)
                g = ((feats[y, x + 1] - feats[y, x - 1]) ** 2).sum(-1) + ((feats[y + 1, x] - feats[y - 1, x]) ** 2).sum(-1)
                better = g < best
                best[better], by[better], bx[better] = g[better], y[better], x[better]
            cy, cx = by, bx
        self.cy = cy.astype(np.float64)
        self.cx = cx.astype(np.float64)
        self.cf = feats[cy, cx].astype(np.float64)

    def assign(self, with_sums: bool = False, progress: Progress | None = None):
        """Label (centre index, row-major over the grid) of every pixel,
        ``(H, W)`` int32; with ``with_sums``, also the per-centre pixel
        count and sums of y, x and the features, ``(gh * gw, 3 + C)``, which
        are accumulated band by band while the band is in cache."""
        gh, gw, ch, cw, h, w = self.gh, self.gw, self.ch, self.cw, self.h, self.w
        n = gh * gw
        out = np.empty((gh, ch, gw, cw), np.int32)
        sums = np.zeros((gh, n, 3 + self.channels))
        wgt = self.weight
        # Centres padded by one cell each side; missing centres cost +inf.
        cf = np.zeros((gh + 2, gw + 2, self.channels))
        cf[1:-1, 1:-1] = self.cf
        cy = np.zeros((gh + 2, gw + 2))
        cx = np.zeros((gh + 2, gw + 2))
        cy[1:-1, 1:-1] = self.cy
        cx[1:-1, 1:-1] = self.cx
        bias = np.full((gh + 2, gw + 2), np.inf)
        bias[1:-1, 1:-1] = 0.0
        local_y = np.arange(ch, dtype=np.float64)[:, None]
        local_x = np.arange(cw, dtype=np.float32)[None, None, :]
        x0 = np.arange(gw) * cw
        shift = np.array([dy * gw + dx for dy, dx in _NINE], np.int32)
        xs = np.arange(w, dtype=np.float64)

        def band(i):
            f = self.blocks[i]  # (ch, gw, cw, C)
            best = np.full((ch, gw, cw), np.inf, np.float32)
            pick = np.zeros((ch, gw, cw), np.int8)
            score = np.empty_like(best)
            for c, (dy, dx) in enumerate(_NINE):
                if not 0 <= i + dy < gh:
                    continue
                cells = (1 + i + dy, slice(1 + dx, 1 + dx + gw))
                col = cf[cells]  # (gw, C)
                # Positions relative to the cell being labelled keep float32 sums small.
                yy = cy[cells] - i * ch
                xx = cx[cells] - x0
                # score = |c|^2 - 2 f.c + wgt (|p_c|^2 - 2 p.p_c), p local to the cell
                const = bias[cells] + (col * col).sum(-1) + wgt * (yy * yy + xx * xx)
                a = (const - 2 * wgt * local_y * yy).astype(np.float32)[:, :, None]
                b = (-2 * wgt * xx).astype(np.float32)[:, None] * local_x
                m2 = (-2 * col).astype(np.float32)
                np.multiply(f[..., 0], m2[:, None, 0], out=score)
                for k in range(1, self.channels):
                    score += f[..., k] * m2[:, None, k]
                score += a
                score += b
                better = score < best
                np.copyto(best, score, where=better)
                pick[better] = c
            labels = shift[pick]
            labels += (i * gw + np.arange(gw, dtype=np.int32))[None, :, None]
            out[i] = labels
            if not with_sums:
                return
            rows = min(ch, h - i * ch)
            # Labels here belong to cell rows i - 1 .. i + 1: number them locally.
            first = max(i - 1, 0) * gw
            span = (min(i + 2, gh) - max(i - 1, 0)) * gw
            local = labels.reshape(ch, gw * cw)[:rows, :w] - first
            # Counts per (row, label) and per (column, label) give the pixel
            # counts and the sums of y and x without weighted passes.
            per_row = np.bincount((local + (np.arange(rows) * span)[:, None]).ravel(), minlength=rows * span)
            per_row = per_row.reshape(rows, span)
            per_col = np.bincount((local * w + np.arange(w)).ravel(), minlength=span * w).reshape(span, w)
            acc = sums[i, first : first + span]
            acc[:, 0] = per_row.sum(axis=0)
            acc[:, 1] = (np.arange(rows) + i * ch) @ per_row
            acc[:, 2] = per_col @ xs
            flat = local.ravel()
            fv = f.reshape(ch, gw * cw, self.channels)[:rows, :w]
            for k in range(self.channels):
                acc[:, 3 + k] = np.bincount(flat, weights=fv[..., k].ravel(), minlength=span)

        if h * w < (1 << 18):
            for i in range(gh):
                band(i)
            report(progress, 1.0)
        else:
            parallel_map(band, range(gh), progress=progress)
        labels = out.reshape(gh * ch, gw * cw)[:h, :w]
        return (labels, sums.sum(axis=0)) if with_sums else labels

    def update(self, sums: np.ndarray) -> None:
        """Move every centre to the mean position and colour of its pixels
        (``sums`` from :meth:`assign`); a centre with no pixel stays."""
        count = sums[:, 0]
        has = count > 0
        mean = sums[has, 1:] / count[has, None]
        self.cy.ravel()[has] = mean[:, 0]
        self.cx.ravel()[has] = mean[:, 1]
        self.cf.reshape(-1, self.channels)[has] = mean[:, 2:]


def _merge_fragments(labels: np.ndarray, min_size: int) -> np.ndarray:
    """Relabel the 4-connected pieces of ``labels`` 1..n in raster order,
    merging every piece smaller than ``min_size`` into the piece just before
    its first pixel (to its left, or above at the start of a row)."""
    runs = _value_runs(labels)
    roots = _run_roots(runs, 4)
    piece = _consecutive(roots)  # 1..m per run
    m = len(first := np.flatnonzero(roots == np.arange(len(roots))))
    size = np.bincount(piece, weights=runs.length, minlength=m + 1)
    row_first = np.searchsorted(runs.row, np.arange(runs.shape[0]))
    before = np.where(runs.start[first] > 0, first - 1, row_first[np.maximum(runs.row[first] - 1, 0)])
    target = np.arange(m + 1)
    movable = (size[1:] < min_size) & ~((runs.row[first] == 0) & (runs.start[first] == 0))
    target[1:][movable] = piece[before[movable]]
    while True:  # follow chains of merges; targets always come earlier
        nxt = target[target]
        if np.array_equal(nxt, target):
            break
        target = nxt
    kept = target == np.arange(m + 1)
    number = np.cumsum(kept, dtype=np.int32) - 1  # piece 0 does not exist
    return _paint_runs(runs, number[target[piece]])


def slic_labels(image: np.ndarray, n_segments: int = 400, compactness: float = 10.0, *,
                iterations: int = 10, progress: Progress | None = None) -> np.ndarray:
    """SLIC superpixels: compact regions of similar colour, as a label image.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is ignored.
    n_segments : int
        About how many superpixels, >= 1.
    compactness : float
        Weight of distance against colour difference, >= 0: higher gives
        squarer superpixels that follow colour edges less.
    iterations : int
        Assignment passes, >= 1.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of grid cells
        in every pass; it may raise to stop the work.

    Returns
    -------
    ndarray
        int32 ``(H, W)`` labels 1..n, each superpixel 4-connected, numbered
        in raster order of their first pixel.

    Notes
    -----
    Achanta et al., "SLIC superpixels compared to state-of-the-art
    superpixel methods", PAMI 2012. Colours in CIE L*a*b* (L* only for gray);
    grid step ``S = sqrt(N / n_segments)``; a pixel ``p`` goes to the centre
    ``c`` among the 3x3 nearest grid cells' centres minimising
    ``|lab_p - lab_c|^2 + (compactness / S)^2 |p - c|^2``; centres move to
    their pixels' means; pieces smaller than ``S^2 / 4`` are merged into the
    piece before them (the connectivity step of the paper).

    Examples
    --------
    >>> img = np.zeros((20, 20, 3), np.float32); img[:, 10:] = 1
    >>> labels = slic_labels(img, 4)
    >>> int(labels.max()), bool((labels[:, :10, None] != labels[:, None, 10:]).all())
    (4, True)
    """
    image = as_image(image)
    color, _ = split_alpha(image)
    n_segments = check_int("n_segments", n_segments, 1)
    compactness = check_range("compactness", compactness, 0)
    iterations = check_int("iterations", iterations, 1)
    h, w = color.shape[:2]
    feats = _to_lab(color, phase(progress, 0.0, 0.05))
    grid = _SlicGrid(feats, min(n_segments, h * w), compactness)
    share = 0.9 / iterations
    for i in range(iterations - 1):
        _, sums = grid.assign(with_sums=True, progress=phase(progress, 0.05 + i * share, 0.05 + (i + 1) * share))
        grid.update(sums)
    labels = grid.assign(progress=phase(progress, 0.95 - share, 0.95))
    labels = _merge_fragments(labels, max(1, int(grid.ch * grid.cw / 4)))
    report(progress, 1.0)
    return labels


def _boundaries(labels: np.ndarray) -> np.ndarray:
    """Pixels whose right or lower neighbour has another label."""
    edge = np.zeros(labels.shape, np.bool_)
    edge[:, :-1] = labels[:, :-1] != labels[:, 1:]
    edge[:-1] |= labels[:-1] != labels[1:]
    return edge


def slic_superpixels(image: np.ndarray, n_segments: int = 400, compactness: float = 10.0,
                     boundaries: bool = True, *, mode: str = "mean", opacity: float = 1.0,
                     boundary_color=(1.0, 1.0, 0.0), iterations: int = 10,
                     progress: Progress | None = None) -> np.ndarray:
    """SLIC superpixels shown as their mean colour, with optional boundaries.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; alpha is passed through.
    n_segments, compactness, iterations, progress
        As for :func:`slic_labels`.
    boundaries : bool
        Draw a one-pixel line where superpixels meet.
    mode : {"mean", "palette"}
        Paint, see :func:`label_overlay`.
    opacity : float
        Paint opacity in [0, 1] (0 shows the picture, with boundaries if drawn).
    boundary_color : (float, float, float)
        RGB colour of the lines, components in [0, 1].

    Returns
    -------
    ndarray
        float32 image of the input's shape; RGB(A) when colour had to be
        drawn on a gray image (palette or boundaries).

    Examples
    --------
    >>> img = np.zeros((20, 20, 3), np.float32); img[:, 10:] = 1
    >>> out = slic_superpixels(img, 4)
    >>> out[0, 9].tolist(), out[0, 0].tolist()
    ([1.0, 1.0, 0.0], [0.0, 0.0, 0.0])
    """
    line = np.array(boundary_color, np.float32)
    if line.shape != (3,) or not ((line >= 0) & (line <= 1)).all():
        raise ValueError(f"boundary_color must be three numbers in [0, 1], got {boundary_color!r}")
    if not isinstance(boundaries, (bool, np.bool_)):
        raise ValueError(f"boundaries must be true or false, got {boundaries!r}")
    labels = slic_labels(image, n_segments, compactness, iterations=iterations,
                         progress=phase(progress, 0.0, 0.85))
    out = label_overlay(image, labels, mode, opacity, progress=phase(progress, 0.85, 1.0))
    if not boundaries:
        return out
    color, alpha = split_alpha(out)
    color = _to_rgb(color).copy()
    color[_boundaries(labels)] = line
    return merge_alpha(color, alpha)


# ---------------------------------------------------------------------------
# Distance transform and watershed
# ---------------------------------------------------------------------------

def _column_distance(mask: np.ndarray) -> np.ndarray:
    """Squared distance (float64) from each pixel to the nearest background
    pixel of its own column; ``(H + W)^2`` or more where a column has none."""
    h, w = mask.shape
    far = 2 * (h + w)
    rows = np.arange(h, dtype=np.int32)[:, None]
    above = np.where(mask, np.int32(-far), rows)
    np.maximum.accumulate(above, axis=0, out=above)
    below = np.where(mask, np.int32(h + far), rows)
    below = np.minimum.accumulate(below[::-1], axis=0)[::-1]
    dist = np.minimum(rows - above, below - rows).astype(np.float64)
    return dist * dist


def _lower_envelope(f: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """``min_q ((p - q)^2 + f[:, q])`` along each row: the squared distance
    transform's second pass (Felzenszwalb & Huttenlocher 2012, lower envelope
    of parabolas), run for all rows at once while looping over columns."""
    rows, n = f.shape
    r = np.arange(rows)
    ft = np.ascontiguousarray(f.T)  # column q of f is contiguous: ft[q]
    # Envelope per row, stored transposed: apex v[j, row] and boundaries z[j, row].
    vt = np.zeros((n, rows), np.int64)
    zt = np.empty((n + 1, rows))
    zt[0], zt[1] = -np.inf, np.inf
    k = np.zeros(rows, np.int64)
    vf, zf = vt.ravel(), zt.ravel()
    top_v = np.zeros(rows, np.int64)  # v[k] of each row
    top_f = ft[0].copy()  # f[v[k]] + v[k]^2
    top_z = np.full(rows, -np.inf)  # z[k]
    for q in range(1, n):
        if q % 32 == 0:
            report(progress, q / n)
        fq = ft[q] + q * q
        s = (fq - top_f) / (2.0 * (q - top_v))
        active = np.flatnonzero(s <= top_z)
        while active.size:  # pop parabolas hidden by the new one
            ka = k[active] - 1
            k[active] = ka
            flat = ka * rows + active
            va = vf[flat]
            top_v[active] = va
            top_f[active] = ft[va, active] + va * va
            top_z[active] = zf[flat]
            s[active] = (fq[active] - top_f[active]) / (2.0 * (q - va))
            active = active[s[active] <= top_z[active]]
        k += 1
        flat = k * rows + r
        vf[flat] = q
        zf[flat] = s
        zf[flat + rows] = np.inf
        top_v[:] = q
        top_f = fq
        top_z = s
    # Read the envelope: segment j covers z[j] <= p < z[j + 1]. One sorted
    # search over all rows, offset so that rows do not mix.
    z = zt.T.copy()
    z[np.arange(n + 1)[None, :] > k[:, None] + 1] = np.inf
    keys = (np.clip(z, -1, n) + 1 + (r * (n + 2))[:, None]).ravel()
    p = np.arange(n)
    queries = (p[None, :] + 1 + (r * (n + 2))[:, None]).ravel()
    row_of, j = np.divmod(np.searchsorted(keys, queries, side="right") - 1, n + 1)
    apex = vf[j * rows + row_of].reshape(rows, n)
    return (p[None, :] - apex) ** 2 + np.take_along_axis(f, apex, axis=1)


def distance_transform(mask: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """Exact Euclidean distance from each foreground pixel to the nearest background pixel.

    Parameters
    ----------
    mask : ndarray
        bool ``(H, W)`` mask (True is foreground), or a float32 image
        thresholded at 0.5 on its luma.
    progress : callable, optional
        Called with the fraction done (0 to 1) every few dozen columns; it
        may raise to stop the work.

    Returns
    -------
    ndarray
        float32 ``(H, W)`` distances in pixels, 0 on background; ``inf``
        everywhere when there is no background pixel.

    Notes
    -----
    Separable exact algorithm (Felzenszwalb & Huttenlocher, "Distance
    transforms of sampled functions", Theory of Computing 2012): the squared
    distance along columns with running min/max of background indices, then
    along rows the lower envelope of the parabolas ``(p - q)^2 + f(q)``,
    computed for all rows together. Only pixels inside the image count as
    background (as ``scipy.ndimage.distance_transform_edt``).

    Examples
    --------
    >>> m = np.ones((3, 5), bool); m[1, 0] = False
    >>> distance_transform(m).round(3).tolist()[1]
    [0.0, 1.0, 2.0, 3.0, 4.0]
    """
    mask = _as_mask(mask)
    if mask.all():
        report(progress, 1.0)
        return np.full(mask.shape, np.inf, np.float32)
    # Loop over the shorter side.
    flip = mask.shape[0] < mask.shape[1]
    m = mask.T if flip else mask
    d2 = _lower_envelope(_column_distance(m), phase(progress, 0.1, 0.95))
    out = np.sqrt(d2).astype(np.float32)
    out = np.ascontiguousarray(out.T) if flip else out
    report(progress, 1.0)
    return out


def _neighbour_offsets(width: int, connectivity: int) -> np.ndarray:
    steps = [(-1, 0), (0, -1), (0, 1), (1, 0)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    return np.array([dy * width + dx for dy, dx in steps], np.int64)


def _quantise(elevation: np.ndarray, levels: int) -> np.ndarray:
    low, high = float(elevation.min()), float(elevation.max())
    if high <= low:
        return np.zeros(elevation.shape, np.int32)
    scaled = (elevation.astype(np.float64) - low) * ((levels - 1) / (high - low))
    return np.rint(scaled).astype(np.int32)


def watershed_from_markers(elevation: np.ndarray, markers: np.ndarray, mask: np.ndarray | None = None, *,
                           connectivity: int = 8, levels: int = 256,
                           progress: Progress | None = None) -> np.ndarray:
    """Marker-controlled watershed: flood a relief from labelled markers.

    Parameters
    ----------
    elevation : ndarray
        Finite float ``(H, W)`` relief (any range), quantised into ``levels``
        grey levels from its minimum to its maximum.
    markers : ndarray
        Integer ``(H, W)`` seeds: 0 for unlabelled pixels, >= 1 for the
        region each marker pixel starts.
    mask : ndarray, optional
        bool ``(H, W)``: only these pixels are flooded (others come out 0).
    connectivity : {4, 8}
        Neighbourhood through which regions grow.
    levels : int
        Number of grey levels, 2..65536.
    progress : callable, optional
        Called with the fraction of grey levels flooded (0 to 1); it may
        raise to stop the work.

    Returns
    -------
    ndarray
        int32 ``(H, W)`` labels: every pixel of the mask reachable from a
        marker gets the label of the region that floods it first; 0 elsewhere.

    Notes
    -----
    Meyer's flooding (Beucher & Meyer 1993) with a hierarchical queue, run
    level by level: for each level ``L`` in increasing order, the regions
    grow in breadth-first waves into unlabelled pixels of level ``<= L``.
    A pixel reached by several regions in the same wave joins the region
    of its lowest labelled neighbour (by the unquantised elevation; the
    smallest label if those are equal), as a drop of water would, so the
    lines between regions do not lean towards either side. Pixels met at a
    higher level wait in that level's bucket. Each wave is a handful of
    array operations on the frontier's indices.

    Examples
    --------
    >>> relief = np.array([[0, 1, 2, 1, 0]], np.float32)
    >>> watershed_from_markers(relief, np.array([[1, 0, 0, 0, 2]])).tolist()
    [[1, 1, 1, 2, 2]]
    """
    elevation = np.asarray(elevation)
    if elevation.ndim != 2 or elevation.size == 0 or elevation.dtype.kind not in "fiu":
        raise ValueError(f"elevation must be a non-empty 2-D numeric array, got shape {elevation.shape}")
    if not np.isfinite(elevation).all():
        raise ValueError("elevation must be finite")
    markers = _check_labels(markers, elevation.shape)
    if mask is None:
        mask = np.ones(elevation.shape, np.bool_)
    elif not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != elevation.shape:
        raise ValueError(f"mask must be a bool array of shape {elevation.shape}")
    connectivity = _check_connectivity(connectivity)
    levels = check_int("levels", levels, 2, 65536)
    h, w = elevation.shape
    k = w + 2
    level = np.zeros((h + 2, k), np.int32)
    level[1:-1, 1:-1] = _quantise(elevation, levels)
    height = np.zeros((h + 2, k), np.float64)
    height[1:-1, 1:-1] = elevation
    label = np.full((h + 2, k), -1, np.int32)  # -1: outside the mask, never flooded
    label[1:-1, 1:-1] = np.where(mask, markers, -1)
    lab, lev, hgt = label.ravel(), level.ravel(), height.ravel()
    offsets = _neighbour_offsets(k, connectivity)
    buckets: list[list] = [[] for _ in range(levels)]

    def claim(idx, labs, src):
        """Give each pixel of ``idx`` the label offered by its lowest
        neighbour (``src`` is that neighbour's height), smallest label on ties."""
        order = np.lexsort((labs, src, idx))
        idx, labs = idx[order], labs[order]
        first = np.ones(len(idx), np.bool_)
        first[1:] = idx[1:] != idx[:-1]
        idx = idx[first]
        lab[idx] = labs[first]
        return idx

    def spread(front, current):
        while front.size:
            nb = (front[:, None] + offsets).ravel()
            src = np.repeat(front, len(offsets))
            free = lab[nb] == 0
            nb, src = nb[free], src[free]
            nlev = lev[nb]
            now = nlev <= current
            if not now.all():
                later = ~now
                li, ls, lv = nb[later], src[later], nlev[later]
                order = np.argsort(lv, kind="stable")
                li, ls, lv = li[order], ls[order], lv[order]
                lf, hf = lab[ls], hgt[ls]
                cuts = np.flatnonzero(lv[1:] != lv[:-1]) + 1
                for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(lv)]):
                    buckets[lv[a]].append((li[a:b], lf[a:b], hf[a:b]))
                nb, src = nb[now], src[now]
            front = claim(nb, lab[src], hgt[src]) if nb.size else nb

    spread(np.flatnonzero(lab > 0), 0)
    for current in range(1, levels):
        report(progress, current / levels)
        if not buckets[current]:
            continue
        idx, labs, src = (np.concatenate(part) for part in zip(*buckets[current]))
        buckets[current] = []
        free = lab[idx] == 0
        if free.any():
            spread(claim(idx[free], labs[free], src[free]), current)
    out = label[1:-1, 1:-1]
    out[out < 0] = 0
    report(progress, 1.0)
    return np.ascontiguousarray(out)


def _otsu(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the cut maximising the
    between-class variance of a ``bins``-bin histogram."""
    hist = np.bincount(np.clip((values.ravel() * bins).astype(np.int64), 0, bins - 1), minlength=bins)
    p = hist / hist.sum()
    centres = (np.arange(bins) + 0.5) / bins
    w0 = np.cumsum(p)
    m0 = np.cumsum(p * centres)
    total = m0[-1]
    w1 = 1 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total * w0 - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1
    return float((np.argmax(between[:-1]) + 1) / bins)


_FOREGROUNDS = ("bright", "dark")


def split_objects_labels(image: np.ndarray, threshold: float = 0.5, min_distance: int = 10, *,
                         auto_threshold: bool = True, foreground: str = "bright",
                         connectivity: int = 8, progress: Progress | None = None) -> np.ndarray:
    """Label the objects of an image, splitting touching ones (coins on a table).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image; its Rec. 709 luma is thresholded.
    threshold : float
        Luma threshold in [0, 1], used when ``auto_threshold`` is False.
    min_distance : int
        Smallest distance in pixels between two object centres, >= 1:
        distance maxima closer than this make one object.
    auto_threshold : bool
        Use Otsu's threshold instead of ``threshold``.
    foreground : {"bright", "dark"}
        Objects are brighter (luma >= threshold) or darker (luma < threshold)
        than the background.
    connectivity : {4, 8}
        Connectivity of markers and of the flooding.
    progress : callable, optional
        Called with the fraction done (0 to 1); it may raise to stop the work.

    Returns
    -------
    ndarray
        int32 ``(H, W)`` labels, 0 on background, 1..n on objects.

    Notes
    -----
    Foreground by threshold, with its holes filled (the texture of a coin
    must not make holes in it); its Euclidean distance transform ``D``
    (:func:`distance_transform`); markers are the connected plateaus of
    pixels equal to the maximum of ``D`` over the square of half-size
    ``min_distance`` around them (one marker per object centre, the window
    of ``skimage.feature.peak_local_max``); then
    :func:`watershed_from_markers` floods ``-D`` inside the foreground, so
    touching objects part along the necks between them.

    Examples
    --------
    >>> yy, xx = np.mgrid[:20, :34]
    >>> coins = ((yy - 10) ** 2 + (xx - 10) ** 2 <= 64) | ((yy - 10) ** 2 + (xx - 23) ** 2 <= 64)
    >>> labels = split_objects_labels(coins.astype(np.float32), min_distance=5)
    >>> int(labels.max()), int(labels[10, 10]), int(labels[10, 23])
    (2, 1, 2)
    """

    image = as_image(image)
    color, _ = split_alpha(image)
    threshold = check_range("threshold", threshold, 0, 1)
    min_distance = check_int("min_distance", min_distance, 1)
    if not isinstance(auto_threshold, (bool, np.bool_)):
        raise ValueError(f"auto_threshold must be true or false, got {auto_threshold!r}")
    if foreground not in _FOREGROUNDS:
        raise ValueError(f"foreground must be one of bright, dark; got {foreground!r}")
    connectivity = _check_connectivity(connectivity)
    luma = _luma(color)
    if auto_threshold:
        threshold = _otsu(luma)
    fg = luma >= np.float32(threshold) if foreground == "bright" else luma < np.float32(threshold)
    fg = fill_holes(fg)
    if not fg.any() or fg.all():
        report(progress, 1.0)
        return label_components(fg, connectivity)
    dist = distance_transform(fg, progress=phase(progress, 0.05, 0.3))
    peaks = fg & (dist >= dilate(dist, "square", min_distance, progress=phase(progress, 0.3, 0.45)))
    markers = label_components(peaks, connectivity)
    return watershed_from_markers(-dist, markers, fg, connectivity=connectivity,
                                  progress=phase(progress, 0.45, 1.0))


def split_objects(image: np.ndarray, threshold: float = 0.5, min_distance: int = 10,
                  auto_threshold: bool = True, foreground: str = "bright", mode: str = "palette",
                  opacity: float = 0.6, *, connectivity: int = 8,
                  progress: Progress | None = None) -> np.ndarray:
    """Objects split by the distance watershed, shown as a label overlay.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image.
    threshold, min_distance, auto_threshold, foreground, connectivity
        As for :func:`split_objects_labels`.
    mode : {"mean", "palette"}
        How objects are painted, see :func:`label_overlay`.
    opacity : float
        Paint opacity in [0, 1].
    progress : callable, optional
        As for :func:`split_objects_labels`.

    Returns
    -------
    ndarray
        float32 image, see :func:`label_overlay`.

    Examples
    --------
    >>> img = np.zeros((9, 9), np.float32); img[2:7, 2:7] = 1
    >>> split_objects(img, min_distance=2, mode="mean", opacity=1.0).tolist() == img.tolist()
    True
    """
    labels = split_objects_labels(image, threshold, min_distance, auto_threshold=auto_threshold,
                                  foreground=foreground, connectivity=connectivity,
                                  progress=phase(progress, 0.0, 0.85))
    return label_overlay(image, labels, mode, opacity, progress=phase(progress, 0.85, 1.0))
