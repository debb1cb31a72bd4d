"""Mathematical morphology: erosion, dilation and what is built from them,
plus hole filling, small-object removal and skeletons of binary images.

Grey-level operations work per channel on gray, RGB and RGBA images (alpha
is passed through), on binary images stored as 0/1 floats, and on bool masks
(which they return as bool masks). Every structuring element here is
symmetric, so erosion is the minimum and dilation the maximum over the
element centred on each pixel, and results equal that direct definition
exactly (no approximation anywhere).

Borders: the image is extended by mirror reflection with the edge pixel
repeated (``d c b a | a b c d``), as ``np.pad(mode="symmetric")`` and
``scipy.ndimage``'s ``mode="reflect"``; an element wider than the image sees
the reflection repeated.

Cost per pixel, for a radius ``r``:

- ``square``: O(1) whatever ``r``, a separable running min/max (van Herk
  1992; Gil & Werman 1993): blocks of the window length get a prefix and a
  suffix running max, and every window is the max of one suffix and one
  prefix (windows of up to 5 pixels down columns, 11 along rows, take a few
  shifted maxima instead, which is faster there).
- ``cross``: O(1) whatever ``r``, the max of a horizontal and a vertical
  running max.
- ``disk`` and ``diamond``: O(r), exact. The element is a stack of row
  spans; the spans' running maxima of increasing widths are built from each
  other by doubling (a window of width ``w + s`` is the max of two windows of
  width ``w`` shifted by ``s <= w``), then one max per row of the element.
  That is about ``3 r`` array operations instead of the ``(2 r + 1)^2`` of
  the direct definition.

Work is split into bands of rows (with a halo of ``r`` rows) across two
threads; NumPy releases the GIL in these loops.
"""
from __future__ import annotations

import math

import numpy as np

from ._image import as_image, check_int, merge_alpha, split_alpha
from ._labels import as_mask as _as_mask
from ._labels import check_connectivity as _check_connectivity
from ._labels import mask_runs as _mask_runs
from ._labels import paint_mask as _paint_mask
from ._labels import run_roots as _run_roots
from ._parallel import parallel_map, split
from ._progress import Progress, phase, report
from ._square_rank import MAX_RADIUS as _SQUARE_BANDED_MAX, square_rank as _square_rank

__all__ = [
    "SHAPES",
    "structuring_element",
    "erode",
    "dilate",
    "opening",
    "closing",
    "gradient",
    "top_hat",
    "black_hat",
    "fill_holes",
    "remove_small_objects",
    "skeletonize",
]

SHAPES = ("square", "disk", "cross", "diamond")
"""Names of the structuring elements, for :func:`structuring_element`."""

_MIN_BAND_PIXELS = 1 << 18  # below this, one thread does it all


def _check_shape(shape) -> str:
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}; got {shape!r}")
    return shape


def _half_widths(shape: str, radius: int) -> np.ndarray:
    """Half-width of each row ``dy = -r .. r`` of the element."""
    dy = np.abs(np.arange(-radius, radius + 1))
    if shape == "square":
        return np.full(2 * radius + 1, radius)
    if shape == "diamond":
        return radius - dy
    if shape == "disk":
        return np.array([math.isqrt(radius * radius - int(d) * int(d)) for d in dy])
    # cross: one full row, the others a single pixel
    return np.where(dy == 0, radius, 0)


def structuring_element(shape: str = "disk", radius: int = 1) -> np.ndarray:
    """The boolean footprint of a structuring element.

    Parameters
    ----------
    shape : {"square", "disk", "cross", "diamond"}
        ``square``: every offset with ``max(|dx|, |dy|) <= radius``;
        ``disk``: ``dx^2 + dy^2 <= radius^2``;
        ``cross``: ``dx == 0`` or ``dy == 0`` (a plus sign, arms ``radius``
        long); ``diamond``: ``|dx| + |dy| <= radius``.
    radius : int
        Half-size in pixels, >= 0; the array is ``2 radius + 1`` wide.

    Returns
    -------
    ndarray
        bool ``(2 radius + 1, 2 radius + 1)``, centred.

    Examples
    --------
    >>> structuring_element("disk", 2).astype(int)
    array([[0, 0, 1, 0, 0],
           [0, 1, 1, 1, 0],
           [1, 1, 1, 1, 1],
           [0, 1, 1, 1, 0],
           [0, 0, 1, 0, 0]])
    >>> structuring_element("cross", 1).astype(int).tolist()
    [[0, 1, 0], [1, 1, 1], [0, 1, 0]]
    """
    shape = _check_shape(shape)
    radius = check_int("radius", radius, 0)
    half = _half_widths(shape, radius)
    dx = np.abs(np.arange(-radius, radius + 1))
    return dx[None, :] <= half[:, None]


# ---------------------------------------------------------------------------
# Running min/max kernels on padded arrays
# ---------------------------------------------------------------------------

def _take(axis: int, start: int, stop: int) -> tuple:
    return (slice(None),) * axis + (slice(start, stop),)


def _running(p: np.ndarray, width: int, axis: int, op) -> np.ndarray:
    """``op``-reduce every window of ``width`` along ``axis``; the output is
    ``width - 1`` shorter than ``p`` along that axis."""
    length = p.shape[axis]
    n = length - width + 1
    # A few shifted maxima beat the block bookkeeping for short windows; the
    # bound is higher along rows, where the blocks are gathered across memory.
    if width <= (5 if axis == 0 else 11):
        out = p[_take(axis, 0, n)].copy()
        for k in range(1, width):
            op(out, p[_take(axis, k, k + n)], out=out)
        return out
    # van Herk / Gil-Werman: blocks of `width`, prefix and suffix running op.
    blocks = -(-length // width)
    moved = np.moveaxis(p, axis, 0)
    rest = moved.shape[1:]
    prefix = np.empty((blocks * width,) + rest, p.dtype)
    prefix[:length] = moved
    prefix[length:] = moved[-1:]  # filler, never inside a complete window
    suffix = prefix.copy()
    pre = prefix.reshape((blocks, width) + rest)
    suf = suffix.reshape((blocks, width) + rest)
    for k in range(1, width):
        op(pre[:, k - 1], pre[:, k], out=pre[:, k])
        op(suf[:, width - k], suf[:, width - k - 1], out=suf[:, width - k - 1])
    # Window [i, i + width) = suffix from i to its block end + prefix of the next block.
    out = op(suffix[:n], prefix[width - 1 : width - 1 + n])
    return np.moveaxis(out, 0, axis)


def _spans(p: np.ndarray, half: np.ndarray, op) -> np.ndarray:
    """``op`` over an element given by its row half-widths ``half`` (dy = -r..r),
    on ``p`` padded by ``r`` on both axes."""
    r = len(half) // 2
    h = p.shape[0] - 2 * r
    w = p.shape[1] - 2 * r
    widths = sorted(set(int(a) for a in half))
    cur = p  # cur[y, u] = op of p[y + top, u .. u + cur_len - 1]
    cur_len = 1
    top = 0  # row of p that is row 0 of cur
    out = None
    for i, a in enumerate(widths):
        target = 2 * a + 1
        while cur_len < target:
            step = min(cur_len, target - cur_len)
            cur = op(cur[:, :-step], cur[:, step:])
            cur_len += step
        for dy in np.flatnonzero(half == a) - r:
            piece = cur[r + dy - top : r + dy - top + h, r - a : r - a + w]
            if out is None:
                out = piece.copy()
            else:
                op(out, piece, out=out)
        if i + 1 < len(widths):
            # Rows still needed: those of the wider spans, |dy| <= reach.
            reach = int(np.max(np.abs(np.flatnonzero(half > a) - r)))
            first = r - reach - top
            cur = cur[first : first + h + 2 * reach]
            top = r - reach
    return out


def _filter_padded(p: np.ndarray, shape: str, r: int, op) -> np.ndarray:
    """``op`` (np.minimum or np.maximum) over the element, ``p`` padded by ``r``."""
    if r == 0:
        return p.copy()
    w = 2 * r + 1
    if shape == "square":
        return _running(_running(p, w, 0, op), w, 1, op)
    if shape == "cross":
        out = _running(p[r:-r], w, 1, op)
        op(out, _running(p[:, r:-r], w, 0, op), out=out)
        return out
    return _spans(p, _half_widths(shape, r), op)


def _row_bands(h: int, w: int, r: int) -> list[tuple[int, int]]:
    # Each band reads 2r rows beyond its own: bands at least 8r rows tall
    # keep that overlap small.
    if h * w < _MIN_BAND_PIXELS:
        return [(0, h)]
    return split(h, minimum=max(8, 8 * r))


def _rank_filter(data: np.ndarray, shape: str, r: int, op, progress: Progress | None = None) -> np.ndarray:
    """Min or max over the element on an unpadded ``(H, W[, C])`` array."""
    if r == 0:
        report(progress, 1.0)
        return data.copy()
    pad = [(r, r), (r, r)] + [(0, 0)] * (data.ndim - 2)
    p = np.pad(data, pad, mode="symmetric")
    h, w = data.shape[:2]
    bands = _row_bands(h, w, r)
    if len(bands) == 1:
        out = _filter_padded(p, shape, r, op)
        report(progress, 1.0)
        return out
    out = np.empty(data.shape, data.dtype)

    def run(band):
        y0, y1 = band
        out[y0:y1] = _filter_padded(p[y0 : y1 + 2 * r], shape, r, op)

    parallel_map(run, bands, progress=progress)
    return out


# ---------------------------------------------------------------------------
# Grey-level operators
# ---------------------------------------------------------------------------

def _prepare(image, shape, radius):
    """Validate; return (data, alpha, is_mask, shape, radius)."""
    if isinstance(image, np.ndarray) and image.dtype == np.bool_:
        if image.ndim != 2 or image.size == 0:
            raise ValueError(f"a mask must be a non-empty 2-D bool array, got shape {image.shape}")
        data, alpha, is_mask = image, None, True
    else:
        data, alpha = split_alpha(as_image(image))
        is_mask = False
    return data, alpha, is_mask, _check_shape(shape), check_int("radius", radius, 0)


def _finish(result, alpha, is_mask):
    return result if is_mask else merge_alpha(result, alpha)


def _erode(data, shape, r, progress=None):
    return _rank_filter(data, shape, r, np.minimum, progress)


def _dilate(data, shape, r, progress=None):
    return _rank_filter(data, shape, r, np.maximum, progress)


def _difference(a, b, is_mask):
    """``a - b`` where ``a >= b`` pixelwise (``a & ~b`` for masks)."""
    if is_mask:
        return a & ~b
    np.subtract(a, b, out=a)
    return a


def erode(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
          progress: Progress | None = None) -> np.ndarray:
    """Grey-level erosion: the minimum over the structuring element.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1] (per channel, alpha passed
        through), or a bool ``(H, W)`` mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element, see :func:`structuring_element`.
    radius : int
        Element half-size in pixels, >= 0; 0 returns a copy.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype as ``image``.

    Notes
    -----
    ``out(y, x) = min { f(y + dy, x + dx) : (dy, dx) in element }`` with the
    reflected border of the module docstring; the square and cross cost O(1)
    per pixel (van Herk / Gil-Werman), the disk and diamond O(radius).

    Examples
    --------
    >>> img = np.ones((5, 5), np.float32); img[2, 2] = 0
    >>> erode(img, "cross", 1).astype(int).tolist()
    [[1, 1, 1, 1, 1], [1, 1, 0, 1, 1], [1, 0, 0, 0, 1], [1, 1, 0, 1, 1], [1, 1, 1, 1, 1]]
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    if shape == "square" and 0 < radius <= _SQUARE_BANDED_MAX:
        # Small squares: both passes per band while it is in the cache.
        return _finish(_square_rank(data, radius, np.minimum, progress), alpha, is_mask)
    return _finish(_erode(data, shape, radius, progress), alpha, is_mask)


def dilate(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
           progress: Progress | None = None) -> np.ndarray:
    """Grey-level dilation: the maximum over the structuring element.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1] (per channel, alpha passed
        through), or a bool ``(H, W)`` mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element, see :func:`structuring_element`.
    radius : int
        Element half-size in pixels, >= 0; 0 returns a copy.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype as ``image``.

    Notes
    -----
    ``out(y, x) = max { f(y + dy, x + dx) : (dy, dx) in element }``; the
    elements are symmetric, so this is also the Minkowski dilation.

    Examples
    --------
    >>> m = np.zeros((3, 5), bool); m[1, 2] = True
    >>> dilate(m, "square", 1).astype(int).tolist()
    [[0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0]]
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    if shape == "square" and 0 < radius <= _SQUARE_BANDED_MAX:
        return _finish(_square_rank(data, radius, np.maximum, progress), alpha, is_mask)
    return _finish(_dilate(data, shape, radius, progress), alpha, is_mask)


def opening(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
            progress: Progress | None = None) -> np.ndarray:
    """Opening: erosion then dilation; removes bright details smaller than the element.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (per channel) or a bool mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element.
    radius : int
        Element half-size in pixels, >= 0.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype; never brighter than ``image``.

    Notes
    -----
    ``open(f) = dilate(erode(f))``. Idempotent, and ``open(f) <= f``.

    Examples
    --------
    >>> img = np.zeros((5, 5), np.float32); img[2, 2] = 1
    >>> float(opening(img, "square", 1).max())
    0.0
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    eroded = _erode(data, shape, radius, phase(progress, 0.0, 0.5))
    return _finish(_dilate(eroded, shape, radius, phase(progress, 0.5, 1.0)), alpha, is_mask)


def closing(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
            progress: Progress | None = None) -> np.ndarray:
    """Closing: dilation then erosion; fills dark details smaller than the element.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (per channel) or a bool mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element.
    radius : int
        Element half-size in pixels, >= 0.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype; never darker than ``image``.

    Notes
    -----
    ``close(f) = erode(dilate(f))``. Idempotent, and ``close(f) >= f``.

    Examples
    --------
    >>> img = np.ones((5, 5), np.float32); img[2, 2] = 0
    >>> float(closing(img, "square", 1).min())
    1.0
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    dilated = _dilate(data, shape, radius, phase(progress, 0.0, 0.5))
    return _finish(_erode(dilated, shape, radius, phase(progress, 0.5, 1.0)), alpha, is_mask)


def gradient(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
             progress: Progress | None = None) -> np.ndarray:
    """Morphological gradient: dilation minus erosion (an edge strength).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (per channel) or a bool mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element.
    radius : int
        Element half-size in pixels, >= 0.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype, values in [0, 1] (for a mask: the pixels
        within the element of both a foreground and a background pixel).

    Notes
    -----
    ``grad(f) = dilate(f) - erode(f)`` (Beucher's gradient).

    Examples
    --------
    >>> img = np.zeros((1, 6), np.float32); img[:, 3:] = 1
    >>> gradient(img, "square", 1).tolist()
    [[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]]
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    dilated = _dilate(data, shape, radius, phase(progress, 0.0, 0.5))
    result = _difference(dilated, _erode(data, shape, radius, phase(progress, 0.5, 1.0)), is_mask)
    return _finish(result, alpha, is_mask)


def top_hat(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
            progress: Progress | None = None) -> np.ndarray:
    """White top-hat: the image minus its opening (bright details smaller than the element).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (per channel) or a bool mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element.
    radius : int
        Element half-size in pixels, >= 0.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype, values in [0, 1].

    Notes
    -----
    ``tophat(f) = f - open(f)``; it flattens an uneven background under
    small bright features.

    Examples
    --------
    >>> img = np.full((5, 5), 0.5, np.float32); img[2, 2] = 1
    >>> top_hat(img, "square", 1)[1:4, 1:4].tolist()
    [[0.0, 0.0, 0.0], [0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    opened = _dilate(_erode(data, shape, radius, phase(progress, 0.0, 0.5)), shape, radius, phase(progress, 0.5, 1.0))
    if is_mask:
        result = data & ~opened
    else:
        result = np.subtract(data, opened, out=opened)
    return _finish(result, alpha, is_mask)


def black_hat(image: np.ndarray, shape: str = "disk", radius: int = 1, *,
              progress: Progress | None = None) -> np.ndarray:
    """Black top-hat: the closing minus the image (dark details smaller than the element).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (per channel) or a bool mask.
    shape : {"square", "disk", "cross", "diamond"}
        Structuring element.
    radius : int
        Element half-size in pixels, >= 0.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Same shape and dtype, values in [0, 1].

    Notes
    -----
    ``blackhat(f) = close(f) - f``.

    Examples
    --------
    >>> img = np.full((5, 5), 0.5, np.float32); img[2, 2] = 0
    >>> black_hat(img, "square", 1)[2].tolist()
    [0.0, 0.0, 0.5, 0.0, 0.0]
    """
    data, alpha, is_mask, shape, radius = _prepare(image, shape, radius)
    closed = _erode(_dilate(data, shape, radius, phase(progress, 0.0, 0.5)), shape, radius, phase(progress, 0.5, 1.0))
    return _finish(_difference(closed, data, is_mask), alpha, is_mask)


# ---------------------------------------------------------------------------
# Binary images
# ---------------------------------------------------------------------------

def _binary(image):
    """(mask, restore): the foreground mask of ``image`` and a function that
    turns a result mask back into the input's kind (bool mask, or a float32
    image whose colour channels are 0/1 and whose alpha is passed through)."""
    mask = _as_mask(image, "image")
    if image.dtype == np.bool_:
        return mask, lambda result: result
    color, alpha = split_alpha(as_image(image))

    def restore(result):
        values = result.astype(np.float32)
        if color.ndim == 3:
            values = np.repeat(values[..., None], color.shape[2], axis=2)
        return merge_alpha(values, alpha)

    return mask, restore


def fill_holes(image: np.ndarray) -> np.ndarray:
    """Fill the holes of a binary image: background not connected to the border.

    Parameters
    ----------
    image : ndarray
        bool ``(H, W)`` mask, or a float32 gray/RGB/RGBA image thresholded
        at 0.5 on its luma (Rec. 709; >= 0.5 is foreground).

    Returns
    -------
    ndarray
        A bool mask for a mask; otherwise a float32 image of the input's
        shape with colour channels 0 or 1 and alpha passed through.

    Notes
    -----
    Background pixels are joined with 4-connectivity (so an 8-connected
    ring of foreground closes a hole), as in ``scipy.ndimage.binary_fill_holes``.
    A background component is a hole when none of its pixels is on the
    image border; the outside of the image counts as background.

    Examples
    --------
    >>> ring = np.ones((4, 4), bool); ring[1:3, 1:3] = False
    >>> bool(fill_holes(ring).all())
    True
    >>> fill_holes(ring[:, :3]).astype(int).tolist()
    [[1, 1, 1], [1, 0, 0], [1, 0, 0], [1, 1, 1]]
    """
    mask, restore = _binary(image)
    h, w = mask.shape
    runs = _mask_runs(~mask)
    roots = _run_roots(runs, 4)
    on_border = (runs.row == 0) | (runs.row == h - 1) | (runs.start == 0) | (runs.end == w)
    open_root = np.zeros(len(runs), np.bool_)
    open_root[roots[on_border]] = True
    holes = _paint_mask(runs, ~open_root[roots])
    return restore(mask | holes)


def remove_small_objects(image: np.ndarray, min_size: int = 64, connectivity: int = 8) -> np.ndarray:
    """Remove the connected components of a binary image smaller than ``min_size`` pixels.

    Parameters
    ----------
    image : ndarray
        bool ``(H, W)`` mask, or a float32 image thresholded at 0.5 on its
        luma (see :func:`fill_holes`).
    min_size : int
        Components with fewer pixels than this are removed; >= 0.
    connectivity : {4, 8}
        Pixel connectivity of the components.

    Returns
    -------
    ndarray
        Same kind as :func:`fill_holes` returns.

    Notes
    -----
    Components are found by the run-based labelling of
    :func:`processing.segmentation.label_components`; their areas are the
    sums of their run lengths.

    Examples
    --------
    >>> m = np.array([[1, 1, 0, 0], [1, 1, 0, 1], [0, 0, 0, 0]], bool)
    >>> remove_small_objects(m, 2).astype(int).tolist()
    [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    """
    mask, restore = _binary(image)
    min_size = check_int("min_size", min_size, 0)
    connectivity = _check_connectivity(connectivity)
    runs = _mask_runs(mask)
    roots = _run_roots(runs, connectivity)
    area = np.bincount(roots, weights=runs.length, minlength=len(runs))
    return restore(_paint_mask(runs, area[roots] >= min_size))


def _zhang_suen_tables() -> np.ndarray:
    """Deletion tables of the two Zhang-Suen sub-iterations, indexed by the
    8-neighbour code (bit i set for neighbour P(i+2): N, NE, E, SE, S, SW, W, NW)."""
    tables = np.zeros((2, 256), np.bool_)
    for code in range(256):
        p = [(code >> i) & 1 for i in range(8)]  # P2 .. P9
        n = sum(p)
        transitions = sum(1 for i in range(8) if p[i] == 0 and p[(i + 1) % 8] == 1)
        if not (2 <= n <= 6 and transitions == 1):
            continue
        p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
        tables[0, code] = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
        tables[1, code] = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
    return tables


_ZS_TABLES = _zhang_suen_tables()


def skeletonize(image: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """Thin a binary image to one-pixel-wide lines (Zhang-Suen thinning).

    Parameters
    ----------
    image : ndarray
        bool ``(H, W)`` mask, or a float32 image thresholded at 0.5 on its
        luma (see :func:`fill_holes`).
    progress : callable, optional
        Called after each sub-iteration with a fraction that rises towards 1
        (the number of iterations is not known in advance); it may raise to
        stop the work.

    Returns
    -------
    ndarray
        Same kind as :func:`fill_holes` returns.

    Notes
    -----
    Zhang & Suen, "A fast parallel algorithm for thinning digital patterns",
    CACM 27(3), 1984. Each iteration has two sub-iterations; in each, every
    foreground pixel P1 whose neighbours P2..P9 (N, NE, E, SE, S, SW, W, NW)
    satisfy ``2 <= B <= 6`` (B foreground neighbours), ``A == 1`` (one 0-to-1
    transition around P2, P3, ..., P9, P2) and
    ``P2 P4 P6 = P4 P6 P8 = 0`` (first) or ``P2 P4 P8 = P2 P6 P8 = 0``
    (second) is deleted, all at once. Iterations stop when nothing changes.
    Each test is a lookup of the 8-bit neighbour code in a 256-entry table;
    only contour pixels (and the neighbours of deleted ones) are examined.
    The outside of the image is background. As in the original, a 2x2
    square vanishes entirely.

    Examples
    --------
    >>> bar = np.zeros((5, 9), bool); bar[1:4, 1:8] = True
    >>> skeletonize(bar).astype(int)
    array([[0, 0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 1, 1, 1, 1, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0, 0, 0, 0, 0]])
    """
    mask, restore = _binary(image)
    h, w = mask.shape
    k = w + 2
    grid = np.zeros((h + 2, k), np.uint8)
    grid[1:-1, 1:-1] = mask
    flat = grid.ravel()
    steps = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))  # P2 .. P9
    offsets = np.array([dy * k + dx for dy, dx in steps])
    # Candidates: foreground pixels with at most 6 foreground neighbours.
    count = np.zeros((h, w), np.uint8)
    for dy, dx in steps:
        count += grid[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
    yy, xx = np.nonzero(mask & (count <= 6))
    candidates = (yy + 1) * k + xx + 1
    listed = np.zeros(flat.size, np.bool_)  # membership of `candidates`
    listed[candidates] = True
    sub, idle, rounds = 0, 0, 0
    while idle < 2 and candidates.size:
        # Each sub-iteration thins by about a pixel; most shapes are done in
        # a few dozen, so the fraction climbs by a tenth of what is left.
        rounds += 1
        report(progress, 1.0 - 0.9**rounds)
        code = np.zeros(candidates.size, np.uint8)
        for bit, o in enumerate(offsets):
            code |= flat[candidates + o] << np.uint8(bit)
        doomed_at = _ZS_TABLES[sub][code]
        if doomed_at.any():
            doomed = candidates[doomed_at]
            flat[doomed] = 0
            listed[doomed] = False
            # Neighbours of deleted pixels may now be deletable: list them.
            around = (doomed[:, None] + offsets).ravel()
            around = np.unique(around[(flat[around] == 1) & ~listed[around]])
            listed[around] = True
            candidates = np.concatenate([candidates[~doomed_at], around])
            idle = 0
        else:
            idle += 1
        sub ^= 1
    report(progress, 1.0)
    return restore(grid[1:-1, 1:-1].astype(np.bool_))
