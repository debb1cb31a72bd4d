"""Histograms and histogram equalisation: global and contrast-limited adaptive.

Values are counted in ``bins`` equal bins over [0, 1]: bin ``k`` holds the
values ``k / bins <= x < (k + 1) / bins`` and the last bin also holds 1.0
(the bins of ``np.histogram(x, bins, range=(0, 1))``). Values outside [0, 1]
are counted in the end bins.

Colour images are equalised on their luminance, Rec. 709 luma
``Y = 0.2126 R + 0.7152 G + 0.0722 B`` of the stored (gamma-encoded) values,
and the colour is then scaled by ``Y' / Y`` so every pixel keeps its hue
(see :func:`equalize_histogram`). Alpha is passed through and not counted.

The work is split into blocks of rows run on the package's thread pool (NumPy
releases the GIL in its loops).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._counts import LUMA_WEIGHTS
from ._counts import block_map as _parallel
from ._counts import count as _count
from ._counts import count_index as _count_index
from ._counts import luminance as _luminance
from ._counts import row_blocks as _row_blocks
from ._image import as_image, check_int, check_range, merge_alpha, split_alpha
from ._progress import Progress, phase

__all__ = ["Histogram", "histogram", "equalize_histogram", "clahe"]

def _bin_index(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin of each value and its position inside the bin.

    Returns ``(k, frac)``: ``k`` (intp) in ``[0, bins - 1]`` and ``frac`` in
    [0, 1] with ``values * bins == k + frac`` for values in [0, 1] (1.0 is
    bin ``bins - 1`` with ``frac = 1``). The product is exact in float32 when
    ``bins`` is a power of two and computed in float64 otherwise, so a value
    is never put in the neighbour of its bin by rounding.
    """
    dtype = np.float32 if bins & (bins - 1) == 0 else np.float64
    scaled = np.multiply(values, dtype(bins), dtype=dtype)
    np.clip(scaled, 0, bins, out=scaled)
    floor = np.floor(scaled)
    np.minimum(floor, bins - 1, out=floor)
    scaled -= floor  # all in one float type: no int-to-float conversion
    return floor.astype(np.intp), scaled


def _count_channels(color: np.ndarray, bins: int, with_luma: bool,
                    progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Histograms of R, G and B (int64 ``(3, bins)``) and, if asked, of the luma.

    The three channels are counted by one ``bincount`` of ``k + c * bins``.
    """
    h, w = color.shape[:2]
    blocks = _row_blocks(h, w)
    rows = blocks[0][1] - blocks[0][0]
    # Materialised once: adding a broadcast (3,) offset is several times slower.
    offsets = np.empty((rows, w, 3), np.int32)
    offsets[...] = np.arange(3, dtype=np.int32) * bins

    def block(rows):
        y0, y1 = rows
        part = color[y0:y1]
        k = _count_index(part, bins)
        k += offsets[: y1 - y0]
        per_channel = np.bincount(k.ravel(), minlength=3 * bins)
        if not with_luma:
            return per_channel, None
        luma_k = _count_index(np.matmul(part, LUMA_WEIGHTS), bins)
        return per_channel, np.bincount(luma_k.ravel(), minlength=bins)

    parts = _parallel(block, blocks, progress=progress)
    counts = np.sum([p[0] for p in parts], axis=0, dtype=np.int64).reshape(3, bins)
    luma = np.sum([p[1] for p in parts], axis=0, dtype=np.int64) if with_luma else None
    return counts, luma


def _cdf_knots(counts: np.ndarray) -> np.ndarray:
    """Cumulative distribution at the bin edges: ``F[..., 0] = 0``, ``F[..., -1] = 1``.

    ``counts`` has shape ``(..., bins)``; the result ``(..., bins + 1)`` is
    float64. An all-zero histogram gives the identity ``F = edges``.
    """
    counts = np.asarray(counts, dtype=np.float64)
    bins = counts.shape[-1]
    knots = np.zeros(counts.shape[:-1] + (bins + 1,))
    np.cumsum(counts, axis=-1, out=knots[..., 1:])
    total = knots[..., -1:]
    empty = total[..., 0] <= 0
    knots /= np.where(total > 0, total, 1.0)
    knots[empty] = np.linspace(0.0, 1.0, bins + 1)
    return knots


def _segment_lut(knots: np.ndarray) -> np.ndarray:
    """Per-bin (start, slope) of a piecewise-linear map, packed as complex64.

    Packing both numbers in one complex64 lets one gather fetch them.
    """
    lut = np.empty(knots.shape[:-1] + (knots.shape[-1] - 1, 2), np.float32)
    lut[..., 0] = knots[..., :-1]
    lut[..., 1] = np.diff(knots, axis=-1)
    return lut.view(np.complex64)[..., 0]


def _apply_knots(values: np.ndarray, knots: np.ndarray, out: np.ndarray | None = None,
                 progress: Progress | None = None) -> np.ndarray:
    """Evaluate the piecewise-linear map through ``(edges, knots)`` at ``values``."""
    bins = knots.shape[-1] - 1
    lut = _segment_lut(knots)
    if out is None:
        out = np.empty(values.shape, np.float32)
    h, w = values.shape

    def block(rows):
        y0, y1 = rows
        k, frac = _bin_index(values[y0:y1], bins)
        seg = lut.take(k)
        res = out[y0:y1]
        np.multiply(frac, seg.imag, out=res, casting="unsafe")
        res += seg.real

    _parallel(block, _row_blocks(h, w), progress=progress)
    return out


def _rescale_to_luma(color: np.ndarray, luma: np.ndarray, new_luma: np.ndarray,
                     progress: Progress | None = None) -> np.ndarray:
    """Scale RGB so its luma becomes ``new_luma`` while keeping its hue.

    Each pixel is multiplied by ``r = Y' / Y``. Where that pushes a channel
    above 1 the pixel is moved toward the gray of the same luma just enough
    to fit, ``out = Y' + a (r c - Y')`` with ``a = (1 - Y') / (r max(c) - Y')``:
    hue and the new luma are kept, saturation gives way. Black pixels (luma
    0) become the gray ``Y'``. Written as ``out = s c + o`` with per-pixel
    ``s = a r`` and ``o = (1 - a) Y'``, so the colour data is read once.
    """
    h, w = luma.shape
    out = np.empty(color.shape, np.float32)

    def block(rows):
        y0, y1 = rows
        y, y_new, c = luma[y0:y1], new_luma[y0:y1], color[y0:y1]
        lit = y > 0
        ratio = np.divide(y_new, y, out=np.zeros_like(y), where=lit)
        peak = np.maximum(np.maximum(c[..., 0], c[..., 1]), c[..., 2])
        peak *= ratio
        over = peak > 1.0
        squeeze = np.ones_like(y)
        np.divide(1.0 - y_new, peak - y_new, out=squeeze, where=over)
        squeeze[~lit] = 0.0
        scale = squeeze * ratio
        offset = (1.0 - squeeze) * y_new
        res = out[y0:y1]
        np.multiply(c, scale[..., None], out=res)
        res += offset[..., None]
        np.clip(res, 0.0, 1.0, out=res)

    _parallel(block, _row_blocks(h, w), progress=progress)
    return out


def _check_bins(bins: int) -> int:
    return check_int("bins", bins, 2, 1 << 16)


# ---------------------------------------------------------------------------
# Histogram


@dataclass(frozen=True)
class Histogram:
    """Counts of an image's values per channel and of its luminance.

    Attributes
    ----------
    counts : ndarray
        int64 ``(C, bins)``: one row per colour channel, C = 1 for gray and 3
        for RGB and RGBA (alpha is not counted).
    luminance : ndarray
        int64 ``(bins,)``: counts of the Rec. 709 luma (the gray values
        themselves for a gray image).
    edges : ndarray
        float64 ``(bins + 1,)`` bin edges from 0 to 1.
    channels : tuple of str
        Name of each row of ``counts``: ``("gray",)`` or ``("red", "green", "blue")``.
    stride : int
        Sampling step used in both directions (1 = every pixel).
    """

    counts: np.ndarray
    luminance: np.ndarray
    edges: np.ndarray
    channels: tuple[str, ...]
    stride: int

    @property
    def bins(self) -> int:
        return self.luminance.shape[0]

    @property
    def total(self) -> int:
        """Number of pixels counted (in each row)."""
        return int(self.luminance.sum())


def histogram(image: np.ndarray, bins: int = 256, *, stride: int = 1) -> Histogram:
    """Count the values of each colour channel and of the luminance.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1].
    bins : int
        Number of equal bins over [0, 1], 2 to 65536.
    stride : int
        Count every ``stride``-th pixel along both axes, the pixels
        ``image[::stride, ::stride]``: a ``stride`` of 4 counts 1/16 of the
        pixels, 16 times faster, which is plenty for a histogram display.

    Returns
    -------
    Histogram
        Per-channel counts, luminance counts, bin edges, channel names and
        the stride used.

    Notes
    -----
    Bin ``k`` holds ``k / bins <= x < (k + 1) / bins`` and the last bin also
    holds 1 (as ``np.histogram(x, bins, range=(0, 1))``); values outside
    [0, 1] go to the end bins. Each value is binned by one multiply
    (``floor(x * bins)``) and the colour channels are counted in one
    ``np.bincount`` by offsetting channel ``c`` by ``c * bins``. Luminance is
    Rec. 709 luma ``0.2126 R + 0.7152 G + 0.0722 B``.

    Examples
    --------
    >>> img = np.array([[0.0, 0.3], [0.6, 1.0]], np.float32)
    >>> h = histogram(img, bins=4)
    >>> h.counts.tolist(), h.luminance.tolist(), h.channels
    ([[1, 1, 1, 1]], [1, 1, 1, 1], ('gray',))
    >>> histogram(np.zeros((8, 8, 4), np.float32), 4, stride=2).counts.tolist()
    [[16, 0, 0, 0], [16, 0, 0, 0], [16, 0, 0, 0]]
    """
    image = as_image(image)
    bins = _check_bins(bins)
    stride = check_int("stride", stride, 1)
    color, _ = split_alpha(image)
    if stride > 1:
        color = color[::stride, ::stride]
    edges = np.linspace(0.0, 1.0, bins + 1)
    if color.ndim == 2:
        counts = _count(color, bins)
        return Histogram(counts[None, :], counts.copy(), edges, ("gray",), stride)

    counts, luma = _count_channels(color, bins, with_luma=True)
    return Histogram(counts, luma, edges, ("red", "green", "blue"), stride)


# ---------------------------------------------------------------------------
# Global equalisation


_EQUALIZE_MODES = ("luminance", "per_channel")


def equalize_histogram(image: np.ndarray, mode: str = "luminance", *, bins: int = 256,
                       progress: Progress | None = None) -> np.ndarray:
    """Spread the values so that their histogram becomes flat.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged and not counted.
    mode : {"luminance", "per_channel"}
        ``"luminance"`` equalises the Rec. 709 luma and scales each RGB pixel
        to its new luma, keeping its hue; ``"per_channel"`` equalises R, G and
        B independently, which stretches each one but shifts colours. Both
        are the same on a gray image.
    bins : int
        Number of histogram bins over [0, 1].
    progress : callable, optional
        Called with the fraction done (0 to 1) between blocks of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        float32 image of the same shape, values in [0, 1].

    Notes
    -----
    Each value is replaced by the fraction of pixels below it,
    ``out = F(x)``, where ``F`` is the cumulative histogram taken as uniform
    inside each bin: with ``n_j`` pixels in bin ``j`` of ``N``, for ``x`` in
    bin ``k`` at ``x * bins = k + t``,
    ``F(x) = (sum_{j<k} n_j + t n_k) / N``. This is the textbook
    ``s = T(r) = integral of p_r`` (Gonzalez & Woods, *Digital Image
    Processing*, 3.3.1) without quantising the output to the bins, so an
    image whose histogram is already flat is left unchanged.

    In luminance mode ``c' = c Y' / Y``; a pixel whose scaled channels would
    exceed 1 is desaturated toward the gray ``Y'`` just enough to fit, which
    keeps its hue and its new luma.

    Examples
    --------
    Four bins with 2, 1, 0 and 1 pixels at their centres: each value moves to
    the middle of its share of the cumulative histogram.

    >>> img = np.array([[0.125, 0.125, 0.375, 0.875]], np.float32)
    >>> equalize_histogram(img, bins=4).tolist()
    [[0.25, 0.25, 0.625, 0.875]]
    """
    image = as_image(image)
    if mode not in _EQUALIZE_MODES:
        raise ValueError(f"mode must be one of {', '.join(_EQUALIZE_MODES)}; got {mode!r}")
    bins = _check_bins(bins)
    color, alpha = split_alpha(image)
    if color.ndim == 2:
        counts = _count(color, bins, phase(progress, 0.0, 0.3))
        return _apply_knots(color, _cdf_knots(counts), progress=phase(progress, 0.3, 1.0))
    if mode == "per_channel":
        # The three channel maps side by side: channel c uses bins c*bins...
        counts = _count_channels(color, bins, False, phase(progress, 0.0, 0.4))[0]
        lut = _segment_lut(_cdf_knots(counts)).ravel()
        offsets = np.arange(3, dtype=np.intp) * bins
        out = np.empty(color.shape, np.float32)

        def block(rows):
            y0, y1 = rows
            k, frac = _bin_index(color[y0:y1], bins)
            k += offsets
            seg = lut.take(k)
            res = out[y0:y1]
            np.multiply(frac, seg.imag, out=res, casting="unsafe")
            res += seg.real

        _parallel(block, _row_blocks(*color.shape[:2]), progress=phase(progress, 0.4, 1.0))
        return merge_alpha(out, alpha)
    luma = _luminance(color, phase(progress, 0.0, 0.15))
    counts = _count(luma, bins, phase(progress, 0.15, 0.3))
    new_luma = _apply_knots(luma, _cdf_knots(counts), progress=phase(progress, 0.3, 0.6))
    return merge_alpha(_rescale_to_luma(color, luma, new_luma, phase(progress, 0.6, 1.0)), alpha)


# ---------------------------------------------------------------------------
# CLAHE


def _tile_edges(size: int, tiles: int) -> np.ndarray:
    """Boundaries of ``tiles`` tiles of (nearly) equal size along an axis of ``size`` pixels."""
    return (np.arange(tiles + 1) * size) // tiles


def _interpolation_axis(size: int, edges: np.ndarray):
    """For each pixel along an axis: the tiles whose centres surround it and the weight.

    Returns ``(lo, hi, weight)``: the pixel's value is ``(1 - weight) * map_lo +
    weight * map_hi``. Pixels outside the first or last centre use that tile
    alone. Also returns the runs of pixels between consecutive centres.
    """
    centres = (edges[:-1] + edges[1:] - 1) / 2.0
    pos = np.arange(size, dtype=np.float64)
    hi = np.searchsorted(centres, pos, side="right")  # first centre > pos
    lo = np.clip(hi - 1, 0, len(centres) - 1)
    hi = np.clip(hi, 0, len(centres) - 1)
    span = centres[hi] - centres[lo]
    weight = np.divide(pos - centres[lo], span, out=np.zeros(size), where=span > 0)
    np.clip(weight, 0.0, 1.0, out=weight)
    return lo, hi, weight


def _clip_histograms(counts: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Clip histograms at ``limit`` and redistribute the excess so none exceeds it.

    ``counts`` (..., bins) and ``limit`` (...) with ``limit >= mean count``.
    Returns float64 histograms with the same totals and maximum ``<= limit``.

    The result is what repeating "clip at the limit, spread the excess
    evenly over all bins" converges to: ``min(h, c) + (limit - c)`` for the
    largest level ``c`` at which the total is kept,
    ``g(c) = sum(min(h, c)) - bins c = sum(h) - bins limit``. With the counts
    sorted descending and ``P_j`` the sum of the ``j`` largest,
    ``sum(min(h, c)) = min_j (j c + sum(h) - P_j)`` (clip the ``j`` largest),
    so ``g(c) >= sum(h) - bins limit`` holds for every ``j < bins`` exactly
    when ``c <= (bins limit - P_j) / (bins - j)``: the level is the minimum
    of these ``bins`` bounds. A minimum of closed forms, with no search for
    the right piece, so rounding cannot pick a wrong one.
    """
    h = np.asarray(counts, dtype=np.float64)
    bins = h.shape[-1]
    limit = np.asarray(limit, dtype=np.float64)[..., None]
    desc = -np.sort(-h, axis=-1)
    prefix = np.zeros(h.shape[:-1] + (bins,))
    np.cumsum(desc[..., :-1], axis=-1, out=prefix[..., 1:])
    bounds = (bins * limit - prefix) / (bins - np.arange(bins))
    c = np.maximum(bounds.min(axis=-1, keepdims=True), 0.0)
    return np.minimum(h, c) + (limit - c)


def clahe(
    image: np.ndarray,
    clip_limit: float = 2.0,
    tiles: int | tuple[int, int] = 8,
    *,
    bins: int = 256,
    progress: Progress | None = None,
) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation (CLAHE).

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Colour images
        are equalised on their luminance and keep their hue, as in
        :func:`equalize_histogram`; alpha is passed through.
    clip_limit : float
        Highest count a bin may keep, as a multiple of the tile's mean count
        per bin (OpenCV's ``clipLimit``), >= 1. 1 makes every tile's
        histogram flat, which leaves the image unchanged; large values
        approach plain equalisation of each tile.
    tiles : int or (int, int)
        Number of tiles along each axis (rows, columns), >= 1; OpenCV's
        ``tileGridSize``. Tiles have equal sizes to within one pixel; more
        tiles than pixels along an axis are reduced to one tile per pixel.
    bins : int
        Histogram bins per tile.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        float32 image of the same shape, values in [0, 1].

    Notes
    -----
    Zuiderveld, "Contrast Limited Adaptive Histogram Equalization",
    *Graphics Gems IV*, 1994. The image is cut into ``tiles`` tiles; each
    tile's histogram is clipped at ``clip_limit * pixels / bins`` and the
    clipped excess is spread over all bins until no bin exceeds the limit
    (in closed form, see ``_clip_histograms``). Each tile gives a
    mapping ``F_t``, the cumulative of its clipped histogram taken as
    uniform inside each bin (as in :func:`equalize_histogram`). A pixel's
    value is the bilinear interpolation of the mappings of the four tiles
    whose centres surround it, ``(1-wy)((1-wx) F00 + wx F01) + wy((1-wx) F10
    + wx F11)``, each evaluated at the pixel; beyond the outermost centres
    the nearest tiles are used, so no border padding is needed.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img = (0.4 + 0.2 * rng.random((64, 64))).astype(np.float32)
    >>> out = clahe(img, 4.0, 4)
    >>> bool(np.ptp(out) > np.ptp(img)), out.dtype
    (True, dtype('float32'))
    >>> np.allclose(clahe(img, 1.0, 4), img, atol=1e-5)
    True
    """
    image = as_image(image)
    clip_limit = check_range("clip_limit", clip_limit, 1.0)
    if isinstance(tiles, (tuple, list)):
        if len(tiles) != 2:
            raise ValueError(f"tiles must be an integer or a pair (rows, columns), got {tiles!r}")
        tiles_y, tiles_x = (check_int("tiles", t, 1) for t in tiles)
    else:
        tiles_y = tiles_x = check_int("tiles", tiles, 1)
    bins = _check_bins(bins)
    color, alpha = split_alpha(image)
    values = _luminance(color, phase(progress, 0.0, 0.1))
    h, w = values.shape
    tiles_y, tiles_x = min(tiles_y, h), min(tiles_x, w)
    row_edges, col_edges = _tile_edges(h, tiles_y), _tile_edges(w, tiles_x)

    # Per-tile histograms: one bincount per band of tile rows, the tile
    # column folded into the index as col * bins + k.
    col_tile = np.repeat(np.arange(tiles_x, dtype=np.int32), np.diff(col_edges)) * bins

    def band_counts(i):
        k = _count_index(values[row_edges[i] : row_edges[i + 1]], bins)
        k += col_tile
        return np.bincount(k.ravel(), minlength=tiles_x * bins).reshape(tiles_x, bins)

    counts = np.stack(_parallel(band_counts, range(tiles_y), progress=phase(progress, 0.1, 0.4)))
    pixels = np.outer(np.diff(row_edges), np.diff(col_edges)).astype(np.float64)
    clipped = _clip_histograms(counts, clip_limit * pixels / bins)
    lut = _segment_lut(_cdf_knots(clipped)).reshape(tiles_y, tiles_x * bins)

    # Bilinear interpolation of the tile mappings. Rows between two tile
    # centres share their pair of tile rows, so each run of such rows needs
    # two gathers per tile row (left and right tile), four in all.
    row_lo, row_hi, wy = _interpolation_axis(h, row_edges)
    col_lo, col_hi, wx = _interpolation_axis(w, col_edges)
    col_lo = col_lo * bins
    col_hi = col_hi * bins
    wx = wx.astype(np.float32)
    wy = wy.astype(np.float32)
    key = row_lo * tiles_y + row_hi
    runs = np.flatnonzero(np.diff(key)) + 1
    starts = np.concatenate([[0], runs])
    ends = np.concatenate([runs, [h]])
    blocks = [b for s, e in zip(starts, ends) for b in _row_blocks(e, w, s)]
    mapped = np.empty((h, w), np.float32)

    def block(rows):
        y0, y1 = rows
        k, frac = _bin_index(values[y0:y1], bins)
        frac = frac.astype(np.float32, copy=False)
        left, right = k + col_lo, k + col_hi
        result = []
        for lut_row in (lut[row_lo[y0]], lut[row_hi[y0]]):
            a, b = lut_row.take(left), lut_row.take(right)
            va = a.real + frac * a.imag
            vb = b.real + frac * b.imag
            vb -= va
            vb *= wx
            vb += va
            result.append(vb)
        top, bottom = result
        bottom -= top
        bottom *= wy[y0:y1, None]
        bottom += top
        np.clip(bottom, 0.0, 1.0, out=mapped[y0:y1])

    if color.ndim == 2:
        _parallel(block, blocks, progress=phase(progress, 0.4, 1.0))
        return mapped
    _parallel(block, blocks, progress=phase(progress, 0.4, 0.75))
    return merge_alpha(_rescale_to_luma(color, values, mapped, phase(progress, 0.75, 1.0)), alpha)
