"""Smoothing and sharpening filters.

Borders: every filter here extends the image by mirror reflection about the
edge, repeating the edge pixel (``d c b a | a b c d``); this is
``scipy.ndimage``'s ``mode="reflect"`` and NumPy's ``np.pad(mode="symmetric")``.
"""
from __future__ import annotations

import functools
from typing import Callable

import numpy as np

from ._bands import for_bands as _for_bands
from ._fft import fast_length
from ._image import as_image, check_int, check_range, merge_alpha, split_alpha
from ._progress import Progress, phase, report
from ._tiles import reflect_block as _reflect_block
from ._tiles import reflect_index as _reflect_index
from ._tiles import split as _split
from ._tiles import tile_map as _parallel

__all__ = [
    "gaussian_kernel1d",
    "gaussian_blur",
    "box_blur",
    "median_filter",
    "unsharp_mask",
    "convolve",
    "KERNEL_PRESETS",
    "bilateral_filter",
]

# ---------------------------------------------------------------------------
# Shared machinery: the pool and reflected borders live in processing._tiles
# (edges uses them too); here, a layout in which every 1-D pass runs along
# axis 0 (whole contiguous rows per NumPy call).
# ---------------------------------------------------------------------------


_TILE = 256


def _transpose(a: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """Contiguous transpose of a 2-D array.

    Copied in cache-sized square tiles (a plain ``a.T.copy()`` strides through
    memory and is 2-4x slower on large images), bands of tiles on the pool.
    """
    h, w = a.shape
    out = np.empty((w, h), a.dtype)

    def band(span):
        for y0 in range(span[0], span[1], _TILE):
            for x0 in range(0, w, _TILE):
                out[x0 : x0 + _TILE, y0 : y0 + _TILE] = a[y0 : y0 + _TILE, x0 : x0 + _TILE].T

    tiles = -(-h // _TILE)
    spans = [(a0 * _TILE, min(h, b0 * _TILE)) for a0, b0 in _split(tiles)]
    _parallel(band, spans, a.size, progress=progress)
    return out


def _to_columns(color: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """``(H, W[, C])`` -> ``(W, C*H)``: image column ``x`` becomes row ``x``.

    A 1-D pass along image rows then runs along axis 0, like a vertical pass.
    """
    h, w = color.shape[:2]
    c = 1 if color.ndim == 2 else color.shape[2]
    return _transpose(np.ascontiguousarray(color).reshape(h, w * c), progress).reshape(w, c * h)


def _from_columns(cols: np.ndarray, shape: tuple[int, ...], progress: Progress | None = None) -> np.ndarray:
    """Inverse of :func:`_to_columns`."""
    h, w = shape[:2]
    c = 1 if len(shape) == 2 else shape[2]
    return _transpose(cols.reshape(w * c, h), progress).reshape(shape)


def _box_mean_axis0(src: np.ndarray, radius: int, progress: Progress | None = None) -> np.ndarray:
    """Mean over ``2*radius+1`` rows centred on each row, reflect border.

    ``src`` is 2-D float32 ``(L, M)``. A running sum in float64 slides down the
    rows: one add and one subtract of a whole row per output row, so the cost
    does not depend on the radius. Rows are split across the thread pool,
    in pieces at least four windows long so that starting a piece's sum costs
    little beside running it.
    """
    n = src.shape[0]
    size = 2 * radius + 1
    scale = 1.0 / size
    out = np.empty(src.shape, np.float32)

    def run(span):
        start, stop = span
        idx = _reflect_index(start - radius, stop + radius, n)
        # Initial window: how often each source row occurs in it (rows repeat
        # when the radius exceeds the image), as one small matrix product.
        counts = np.bincount(idx[:size], minlength=n)
        rows = np.flatnonzero(counts)
        acc = counts[rows].astype(np.float64) @ src[rows].astype(np.float64)
        np.multiply(acc, scale, out=out[start], casting="unsafe")
        idx = idx.tolist()
        for y in range(start + 1, stop):
            k = y - start
            acc += src[idx[k + size - 1]]
            acc -= src[idx[k - 1]]
            np.multiply(acc, scale, out=out[y], casting="unsafe")

    _parallel(run, _split(n, minimum=4 * size), src.size, progress=progress)
    return out


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


# Kernels longer than this run through the FFT; shorter ones directly. Both
# cost the same near this length on a 12 MP image (measured: tests/benchmarks).
_FFT_MIN_TAPS = 61
_STRIP_ROWS = 16  # output rows per in-cache step of the direct correlation
_FFT_BLOCK = 64  # columns per FFT batch


def _direct_axis0(src: np.ndarray, weights: np.ndarray, out: np.ndarray, start: int, stop: int) -> None:
    """``out[start:stop]`` = correlation along axis 0 with symmetric ``weights``.

    Works in strips of rows small enough to stay in cache; mirrored taps are
    added before multiplying, halving the multiplies.
    """
    n = src.shape[0]
    radius = len(weights) // 2
    taps = [np.float32(w) for w in weights]
    tmp = np.empty((_STRIP_ROWS,) + src.shape[1:], np.float32)
    for y0 in range(start, stop, _STRIP_ROWS):
        y1 = min(stop, y0 + _STRIP_ROWS)
        lo, hi = y0 - radius, y1 + radius
        if lo >= 0 and hi <= n:
            rows = src[lo:hi]
        else:  # a strip touching the border: gather its reflected rows
            rows = src[_reflect_index(lo, hi, n)]
        m = y1 - y0
        acc, pair = out[y0:y1], tmp[:m]
        np.multiply(rows[radius : radius + m], taps[radius], out=acc)
        for d in range(1, radius + 1):
            np.add(rows[radius - d : radius - d + m], rows[radius + d : radius + d + m], out=pair)
            pair *= taps[radius + d]
            acc += pair


def _fft_axis0(src: np.ndarray, weights: np.ndarray, out: np.ndarray, start: int, stop: int) -> None:
    """``out[:, start:stop]`` = correlation along axis 0 through the FFT.

    The columns ``start:stop`` are reflect-padded by the kernel radius and
    convolved circularly with a transform length at least as long as the
    padded signal, so nothing wraps around: the result equals the direct sum
    up to float64 rounding. Columns go through in small blocks, transposed so
    that each transform runs along contiguous memory (2x faster than along
    axis 0) and the block stays in cache.
    """
    n = src.shape[0]
    radius = len(weights) // 2
    padded_n = n + 2 * radius
    size = fast_length(padded_n)
    spectrum = np.fft.rfft(weights, size)  # symmetric: correlation = convolution
    idx = _reflect_index(-radius, n + radius, n)
    block = np.zeros((_FFT_BLOCK, size), np.float64)
    for c0 in range(start, stop, _FFT_BLOCK):
        c1 = min(stop, c0 + _FFT_BLOCK)
        signal = block[: c1 - c0]
        signal[:, :padded_n] = src[idx, c0:c1].T
        freq = np.fft.rfft(signal, axis=1)
        freq *= spectrum
        full = np.fft.irfft(freq, size, axis=1)
        out[:, c0:c1] = full[:, 2 * radius : 2 * radius + n].T


def _correlate_axis0(src: np.ndarray, weights: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """Correlate a 2-D float32 array with symmetric ``weights`` along axis 0,
    reflect border; direct for short kernels, FFT for long ones, on the pool."""
    out = np.empty(src.shape, np.float32)
    if len(weights) == 1:
        np.multiply(src, np.float32(weights[0]), out=out)
        report(progress, 1.0)
        return out
    if len(weights) < _FFT_MIN_TAPS:
        spans = _split(-(-src.shape[0] // _STRIP_ROWS))
        spans = [(a * _STRIP_ROWS, min(src.shape[0], b * _STRIP_ROWS)) for a, b in spans]
        _parallel(lambda s: _direct_axis0(src, weights, out, *s), spans, src.size, progress=progress)
    else:
        spans = _split(src.shape[1], minimum=_FFT_BLOCK)
        _parallel(lambda s: _fft_axis0(src, weights, out, *s), spans, src.size, progress=progress)
    return out


def _symmetric_taps(acc: np.ndarray, tmp: np.ndarray, src: np.ndarray, weights, step: int, axis: int) -> None:
    """``acc = sum_d weights[r+d] * src shifted by d*step`` along ``axis`` (0 or 1),
    for a symmetric kernel: mirrored taps are added before multiplying."""
    radius = len(weights) // 2
    n = acc.shape[axis]

    def shifted(d):
        lo = (radius + d) * step
        return src[lo : lo + n] if axis == 0 else src[:, lo : lo + n]

    np.multiply(shifted(0), np.float32(weights[radius]), out=acc)
    for d in range(1, radius + 1):
        np.add(shifted(-d), shifted(d), out=tmp)
        tmp *= np.float32(weights[radius + d])
        acc += tmp


# Values per buffer of a band: 1 MB of float32. Each band costs a few dozen
# NumPy calls, and between two calls a pool thread needs the interpreter lock:
# with 256 KB buffers two threads spent their time handing it over (5,000
# switches per 12 MP blur, 2 threads slower than 1). With 1 MB, sigma 2 on
# 12 MP: 1 thread 230 -> 200 ms, 2 threads 225 -> 130 ms.
_DIRECT_BAND = 1 << 18


def _separable_direct(color: np.ndarray, weights_y: np.ndarray, weights_x: np.ndarray,
                      progress: Progress | None = None) -> np.ndarray:
    """Correlate with ``outer(weights_y, weights_x)`` (short symmetric kernels):
    both passes on each band of rows while it is in cache, no transposes.

    The horizontal pass shifts along the interleaved rows by whole pixels
    (``C`` elements), so it is as contiguous as the vertical one.
    """
    h, w = color.shape[:2]
    c = 1 if color.ndim == 2 else color.shape[2]
    ry, rx = len(weights_y) // 2, len(weights_x) // 2
    out = np.empty((h, w * c), np.float32)
    band = max(4, _DIRECT_BAND // ((w + 2 * rx) * c))

    def run(span):
        vertical = np.empty((band, (w + 2 * rx) * c), np.float32)
        tmp_v = np.empty_like(vertical)
        tmp_h = np.empty((band, w * c), np.float32)
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            m = y1 - y0
            block = _reflect_block(color, y0 - ry, y1 + ry, -rx, w + rx).reshape(m + 2 * ry, -1)
            _symmetric_taps(vertical[:m], tmp_v[:m], block, weights_y, 1, 0)
            _symmetric_taps(out[y0:y1], tmp_h[:m], vertical[:m], weights_x, c, 1)

    spans = [(a * band, min(h, b * band)) for a, b in _split(-(-h // band))]
    _parallel(run, spans, color.size * (len(weights_y) + len(weights_x)), progress=progress)
    return out.reshape(color.shape)


def _separable(color: np.ndarray, weights_y: np.ndarray, weights_x: np.ndarray,
               progress: Progress | None = None) -> np.ndarray:
    """Correlate a gray or multi-channel image with ``outer(weights_y, weights_x)``.

    Short kernels: both passes per band of rows (:func:`_separable_direct`).
    Long kernels go through the FFT, whose 1-D passes run along axis 0 of a 2-D
    array (the horizontal one on a transposed copy).
    """
    if len(weights_y) < _FFT_MIN_TAPS and len(weights_x) < _FFT_MIN_TAPS:
        return _separable_direct(color, weights_y, weights_x, progress)
    rows = np.ascontiguousarray(color).reshape(color.shape[0], -1)
    vertical = _correlate_axis0(rows, weights_y, phase(progress, 0.0, 0.4)).reshape(color.shape)
    columns = _to_columns(vertical, phase(progress, 0.4, 0.5))
    horizontal = _correlate_axis0(columns, weights_x, phase(progress, 0.5, 0.9))
    return _from_columns(horizontal, color.shape, phase(progress, 0.9, 1.0))


def gaussian_blur(image: np.ndarray, sigma: float = 2.0, *, truncate: float = 4.0,
                  progress: Progress | None = None) -> np.ndarray:
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
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Blurred float32 image of the same shape.

    Notes
    -----
    Separable: a 1-D correlation along columns, then along rows, with the
    sampled Gaussian ``w(x) = exp(-x^2 / (2 sigma^2))``, ``|x| <= round(truncate
    * sigma)``, normalised to sum 1. Borders reflect (see the module
    docstring), also when the kernel is longer than the image.

    The result is the exact sampled convolution whatever the radius. Short
    kernels (fewer than 61 taps, sigma below about 7.5) are summed directly in
    cache-sized strips; longer ones go through a float64 FFT of the
    reflect-padded signal, long enough that nothing wraps around, so the cost
    per pixel grows only with the logarithm of the image side and a sigma of 50
    costs about what a sigma of 8 does. Work is split across the thread pool.

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
    blurred = _separable(color, weights, weights, progress)
    np.clip(blurred, 0.0, 1.0, out=blurred)
    return merge_alpha(blurred, alpha)


def box_blur(image: np.ndarray, radius: int = 2, *, progress: Progress | None = None) -> np.ndarray:
    """Replace each pixel by the mean of the ``(2*radius+1)`` square around it.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    radius : int
        Half-width of the square window in pixels, >= 0; 0 returns a copy.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Blurred float32 image of the same shape.

    Notes
    -----
    ``out(y, x) = 1/(2r+1)^2 * sum_{|dy|<=r, |dx|<=r} in(y+dy, x+dx)``, with
    borders reflected (see the module docstring), also when the radius is
    larger than the image. The filter is separable: a vertical then a
    horizontal 1-D mean, each a running sum in float64 (one add and one
    subtract per pixel), so the cost is the same for every radius and the
    precision does not degrade on large images. The horizontal pass runs on
    a transposed copy so that both passes work on whole contiguous rows; rows
    are shared across the thread pool.

    Examples
    --------
    >>> img = np.zeros((5, 5), np.float32); img[2, 2] = 0.9
    >>> out = box_blur(img, 1)
    >>> round(float(out[1, 1]), 4), round(float(out[0, 0]), 4)
    (0.1, 0.0)
    """
    image = as_image(image)
    radius = check_int("radius", radius, 0)
    if radius == 0:
        return image.copy()
    color, alpha = split_alpha(image)
    rows = np.ascontiguousarray(color).reshape(color.shape[0], -1)
    vertical = _box_mean_axis0(rows, radius, phase(progress, 0.0, 0.4))
    columns = _to_columns(vertical.reshape(color.shape), phase(progress, 0.4, 0.5))
    horizontal = _box_mean_axis0(columns, radius, phase(progress, 0.5, 0.9))
    blurred = _from_columns(horizontal, color.shape, phase(progress, 0.9, 1.0))
    np.clip(blurred, 0.0, 1.0, out=blurred)
    return merge_alpha(blurred, alpha)


# ---------------------------------------------------------------------------
# Median
# ---------------------------------------------------------------------------


def _batcher_stage(n: int, p: int) -> list[tuple[int, int]]:
    """Compare-exchange pairs of stage ``p`` of Batcher's odd-even merge sort
    on ``n`` wires (``n`` a power of two): merges sorted runs of length ``p``."""
    pairs = []
    k = p
    while k >= 1:
        for j in range(k % p, n - k, 2 * k):
            for i in range(min(k, n - j - k)):
                if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                    pairs.append((i + j, i + j + k))
        k //= 2
    return pairs


@functools.lru_cache(maxsize=256)
def _merge_network(m: int, n: int, lo: int, hi: int):
    """A pruned comparator network giving ranks ``lo..hi`` of ``A + B``, with
    ``A`` (wires ``0..m-1``) sorted and ``B`` (wires ``m..m+n-1``) in any order.

    Batcher's networks on power-of-two halves padded with +inf (comparisons
    with a pad are resolved while building), then pruned backwards to the
    comparisons the wanted ranks depend on. Returns ``(ops, outputs)``: ops
    ``(a, b, need_min, need_max)`` leave the minimum on wire ``a`` and the
    maximum on wire ``b``; ``outputs`` are the wires holding ranks lo..hi.
    """
    half = 1
    while half < max(m, n, 1):
        half *= 2
    slot: list[int | None] = [None] * (2 * half)  # None: a +inf pad
    slot[:m] = range(m)
    slot[half : half + n] = range(m, m + n)
    pairs = []
    p = 1
    while p < half:  # sort B in its half
        pairs += [(half + i, half + j) for i, j in _batcher_stage(half, p)]
        p *= 2
    pairs += _batcher_stage(2 * half, half)  # merge the halves
    ops = []
    for i, j in pairs:
        a, b = slot[i], slot[j]
        if b is None:
            continue
        if a is None:  # real value meets a pad: it just moves down
            slot[i], slot[j] = b, None
            continue
        ops.append((a, b))
    outputs = tuple(slot[r] for r in range(lo, hi + 1))
    needed = set(outputs)
    kept = []
    for a, b in reversed(ops):
        need_min, need_max = a in needed, b in needed
        if need_min or need_max:
            kept.append((a, b, need_min, need_max))
            needed.update((a, b))
    return tuple(reversed(kept)), outputs


def _run_network(wires: list, ops) -> list:
    """Apply a comparator network to a list of same-shape arrays (new arrays)."""
    wires = list(wires)
    for a, b, need_min, need_max in ops:
        x, y = wires[a], wires[b]
        if need_min:
            wires[a] = np.minimum(x, y)
        if need_max:
            wires[b] = np.maximum(x, y)
    return wires


# Cost model choosing, per merge, between a comparator network on planes and
# np.sort along rows (seconds; measured on a 2-core AMD EPYC, only the ratios
# matter): per NumPy call, per element of a comparison, per sorted row and per
# item and level of a sort.
_CALL = 1.5e-6
_NETWORK_OP = {4: 0.3e-9, 2: 0.06e-9, 1: 0.03e-9}  # by item size: NaN-aware float min is slower
_SORT_ROW, _SORT_ITEM = 45e-9, 0.3e-9


def _median_band(p: np.ndarray, radius: int, tile: int) -> np.ndarray:
    """Exact median of every ``k x k`` window (``k = 2r+1``) of a padded band.

    ``p`` holds ``rows + 2r`` by ``cols + 2r`` pixels, ``rows`` and ``cols``
    multiples of ``tile``; returns the ``rows x cols`` medians.

    Tiles of outputs share most of their windows (the *core*, the intersection
    of the windows in the tile). The core is sorted once per tile and pruned to
    the ranks that can still be the median of some window in the tile; then the
    tile is halved (alternately across and down), each half merging in the
    strip of pixels its windows share beyond the parent core and pruning again,
    until tiles are single pixels and one rank is left (Adams 2021, "Fast median
    filters using separable sorting networks"). Each merge is a pruned
    comparator network (:func:`_merge_network`) run on whole planes: one array
    per candidate rank, each comparison one ``np.minimum``/``np.maximum`` over
    all tiles at once (3-4x faster than ``np.sort`` along short rows); merges
    too big for a network (large radii, near the top) use ``np.sort``.
    """
    k = 2 * radius + 1
    n = k * k
    h = (n - 1) // 2  # rank of the median in a window, from 0
    rows, cols = p.shape[0] - 2 * radius, p.shape[1] - 2 * radius

    def keep(ty, tx):
        # Core of a ty x tx tile: (k-ty+1) x (k-tx+1) pixels; each window adds
        # n - size more, so only core ranks h-extra .. h can be a median.
        size = (k - ty + 1) * (k - tx + 1)
        return max(0, h - (n - size)), min(size - 1, h)

    def grid(y, x, gy, gx, sy, sx):  # view v[a, b] = p[y + a*sy, x + b*sx]
        return p[y : y + (gy - 1) * sy + 1 : sy, x : x + (gx - 1) * sx + 1 : sx]

    def merge(kept, strip_views, lo, hi):
        """Ranks lo..hi of kept + strip (lists of planes), for one child."""
        m, extra = len(kept), len(strip_views)
        ops, outputs = _merge_network(m, extra, lo, hi)
        tiles = strip_views[0].size
        length = m + extra
        network = sum(a + b for _, _, a, b in ops) * (_CALL + tiles * _NETWORK_OP[p.itemsize])
        sort = (length + hi - lo + 1) * _CALL + tiles * (_SORT_ROW + _SORT_ITEM * length * length.bit_length())
        if network <= sort:
            wires = _run_network(kept + strip_views, ops)
            return [wires[o] for o in outputs]
        # Big merges near the top of large windows: np.sort along rows instead.
        # NumPy's vectorised sort takes 16-bit integers but not bytes (12x slower).
        merged = np.empty(strip_views[0].shape + (length,), np.uint16 if p.dtype == np.uint8 else p.dtype)
        for i, plane in enumerate(kept + strip_views):
            merged[..., i] = plane
        merged.sort(axis=-1)
        ranks = merged[..., lo : hi + 1].astype(p.dtype, copy=False)
        return [ranks[..., i] for i in range(hi - lo + 1)]

    def interleave(a, b, axis):
        """Planes of the two halves, merged back into planes over the finer grid."""
        out = []
        for x, y in zip(a, b):
            shape = list(x.shape)
            shape[axis] *= 2
            out.append(np.stack([x, y], axis=axis + 1).reshape(shape))
        return out

    ty = tx = tile
    gy, gx = rows // ty, cols // tx
    below, hi = keep(ty, tx)
    core = [grid(ty - 1 + i, tx - 1 + j, gy, gx, ty, tx) for i in range(k - ty + 1) for j in range(k - tx + 1)]
    kept = merge([], core, below, hi)
    across = True
    while ty > 1 or tx > 1:
        if (across and tx > 1) or ty == 1:
            half = tx // 2
            # Left half gains the columns left of the parent core; right half those right of it.
            sides = [
                [grid(ty - 1 + i, x0 + j, gy, gx, ty, tx) for i in range(k - ty + 1) for j in range(half)]
                for x0 in (half - 1, k)
            ]
            tx, axis = half, 1
        else:
            half = ty // 2
            sides = [
                [grid(y0 + i, tx - 1 + j, gy, gx, ty, tx) for i in range(half) for j in range(k - tx + 1)]
                for y0 in (half - 1, k)
            ]
            ty, axis = half, 0
        across = not across
        lo, hi = keep(ty, tx)
        first, second = (merge(kept, strips, lo - below, hi - below) for strips in sides)
        kept = interleave(first, second, axis)
        gy, gx = (gy * 2, gx) if axis == 0 else (gy, gx * 2)
        below = lo
    return kept[0]


def _median3x3(p: np.ndarray) -> np.ndarray:
    """Exact 3x3 median of a band padded by one pixel, with min/max only.

    Sort each vertical triple; the median of the nine is then the median of
    (largest column minimum, median column median, smallest column maximum)
    over the three columns of the window (A. W. Paeth, Graphics Gems, 1990).
    """
    a, b, c = p[:-2], p[1:-1], p[2:]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    mid = np.minimum(hi, c)
    hi = np.maximum(hi, c)
    lo, mid = np.minimum(lo, mid), np.maximum(lo, mid)
    lo = np.maximum(np.maximum(lo[:, :-2], lo[:, 1:-1]), lo[:, 2:])
    hi = np.minimum(np.minimum(hi[:, :-2], hi[:, 1:-1]), hi[:, 2:])
    x, y, z = mid[:, :-2], mid[:, 1:-1], mid[:, 2:]
    mid = np.maximum(np.minimum(x, y), np.minimum(np.maximum(x, y), z))
    return np.maximum(np.minimum(lo, mid), np.minimum(np.maximum(lo, mid), hi))


def _as_codes(values: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], None]] | None:
    """Values of an 8- or 16-bit file (``k / 255`` or ``k / 65535``) as their
    integer codes, with the function that writes codes back as their exact
    values (``decode(codes, out)``); None for other data.

    Comparisons on bytes or 16-bit integers cost a tenth or a quarter of those
    on float32 (no NaN to honour, four or two times the values per vector),
    and the code order is the value order, so a median of codes is the code
    of the median. Codes decode as the loader made them (``k / top``, correctly
    rounded) or else through a table read from the data, so whatever rounding
    made the values is kept; any value off the grid keeps the float path.
    """
    for top, dtype in ((255, np.uint8), (65535, np.uint16)):
        row = values[0] * np.float32(top)
        if not (np.abs(row - np.rint(row)) <= 1e-3).all():
            continue  # off this grid already in the first row: spare the passes
        scaled = np.multiply(values, np.float32(top), dtype=np.float32)
        np.rint(scaled, out=scaled)
        if not (scaled.min() >= 0 and scaled.max() <= top):  # NaN fails too
            return None
        codes = scaled.astype(dtype)
        if np.array_equal(np.divide(codes, np.float32(top), dtype=np.float32), values):
            # Divided into a contiguous array, then copied: dividing straight into
            # a channel of the output (a strided view) is 5x slower.
            def decode(c: np.ndarray, out: np.ndarray, top=np.float32(top)) -> None:
                out[...] = np.divide(c, top, dtype=np.float32)

            return codes, decode
        table = np.zeros(top + 1, np.float32)
        table[codes] = values
        if np.array_equal(table[codes], values):
            def look_up(c: np.ndarray, out: np.ndarray, table=table) -> None:
                out[...] = table[c]

            return codes, look_up
    return None


def median_filter(image: np.ndarray, radius: int = 1, *, progress: Progress | None = None) -> np.ndarray:
    """Replace each pixel by the median of the ``(2*radius+1)`` square around it.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Each colour
        channel is filtered on its own; alpha is passed through unchanged.
    radius : int
        Half-width of the square window in pixels, >= 0; 0 returns a copy.

    Returns
    -------
    ndarray
        Filtered float32 image of the same shape; every output value is one of
        the input values of its window.

    Notes
    -----
    Exact: the middle value of the ``(2r+1)^2`` window values (their count is
    odd), borders reflected (see the module docstring).

    The windows of neighbouring pixels overlap almost entirely, so the work is
    shared between them: for a tile of ``T x T`` outputs (``T`` the largest
    power of two ``<= 2r+1``, halved from ``r = 5`` on, where that measured
    faster) the pixels common to all its windows are sorted
    once, and only the values whose rank can still make them the median of one
    of the tile's windows are kept. The tile is then halved again and again,
    each half merging in the strip of pixels its own windows share, sorting and
    pruning, down to single pixels. This is the pruning scheme of A. Adams,
    "Fast median filters using separable sorting networks", ACM TOG 40(4),
    2021, with pruned Batcher networks of ``np.minimum``/``np.maximum`` over
    whole planes of tiles. The work per pixel grows a little faster than the
    radius (about ``r^1.4`` for radii 2 to 12: merges cost ``n log^2 n``), far
    below the ``r^2`` of sorting every window. Radius 1 uses the exact min/max
    network of Paeth (Graphics Gems, 1990). Bands of rows and channels are
    shared among the processing pool's threads.

    Values as an 8- or 16-bit file gives them (``k / 255``, ``k / 65535``)
    are filtered as their integer codes, byte or 16-bit comparisons being
    several times cheaper than float32 ones (2.9x faster at radius 7 on a
    12 MP photo); the output values are the same, bit for bit.

    Examples
    --------
    >>> img = np.full((5, 5), 0.5, np.float32); img[2, 2] = 1.0  # an outlier
    >>> float(median_filter(img, 1)[2, 2])
    0.5
    """
    image = as_image(image)
    radius = check_int("radius", radius, 0)
    if radius == 0:
        return image.copy()
    color, alpha = split_alpha(image)
    planes = [color] if color.ndim == 2 else [color[..., c] for c in range(color.shape[2])]
    h, w = color.shape[:2]
    k = 2 * radius + 1
    tile = 1 << (k.bit_length() - 1)
    if k >= 11:
        # Half the largest tile: the core sorted per tile is bigger, but the
        # merges below it are cheaper (measured 8-17% less work for r = 5..15).
        tile //= 2
    # Rows per step: keeps a band's work in cache. Bands of codes (a byte or two
    # per value) can be taller; whether this picture has codes is seen on its top.
    band = tile * max(1, 64 // tile)
    if radius > 1 and _as_codes(_reflect_block(planes[0], 0, band, 0, min(w, 256))) is not None:
        band = tile * max(1, 512 // tile)
    rows = -(-h // band) * band
    cols = -(-w // tile) * tile
    out = np.empty(color.shape, np.float32)
    planes_out = [out] if color.ndim == 2 else [out[..., c] for c in range(color.shape[2])]
    jobs = [(c, y0) for c in range(len(planes)) for y0 in range(0, rows, band)]

    def run(span):
        for c, y0 in jobs[span[0] : span[1]]:
            y1 = min(h, y0 + band)
            padded = _reflect_block(planes[c], y0 - radius, y0 + band + radius, -radius, cols + radius)
            if radius == 1:
                planes_out[c][y0:y1] = _median3x3(padded)[: y1 - y0, :w]
                continue
            coded = _as_codes(padded)
            if coded is None:
                planes_out[c][y0:y1] = _median_band(padded, radius, tile)[: y1 - y0, :w]
            else:
                codes, decode = coded
                decode(_median_band(codes, radius, tile)[: y1 - y0, :w], planes_out[c][y0:y1])

    _parallel(run, _split(len(jobs)), color.size * k, progress=progress)
    return merge_alpha(out, alpha)


# ---------------------------------------------------------------------------
# Sharpening, user kernels, edge-preserving smoothing
# ---------------------------------------------------------------------------


def unsharp_mask(
    image: np.ndarray, radius: float = 2.0, amount: float = 1.0, threshold: float = 0.0, *,
    progress: Progress | None = None,
) -> np.ndarray:
    """Sharpen by adding back the difference between the image and its blur.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    radius : float
        Standard deviation in pixels of the Gaussian blur that defines the
        detail to enhance, >= 0; 0 returns a copy.
    amount : float
        Gain on the detail, >= 0: 0 returns a copy, 1 doubles the detail.
    threshold : float
        Minimum absolute detail in [0, 1] to sharpen, per channel: smaller
        differences (noise, smooth gradients) are left alone.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Sharpened float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    ``d = I - G_radius * I``; ``out = clip(I + amount * d * [|d| >= threshold], 0, 1)``
    with the Gaussian of :func:`gaussian_blur` (reflect borders). This is
    GIMP's and scikit-image's unsharp mask (``radius`` is the Gaussian's sigma).

    Examples
    --------
    >>> img = np.zeros((1, 6), np.float32); img[:, 3:] = 0.5  # a soft step
    >>> out = unsharp_mask(img, 1.0, 1.0)
    >>> bool(out[0, 2] < 0.05 and out[0, 3] > 0.5)  # darker before, brighter after
    True
    """
    image = as_image(image)
    radius = check_range("radius", radius, 0)
    amount = check_range("amount", amount, 0)
    threshold = check_range("threshold", threshold, 0, 1)
    if radius == 0 or amount == 0:
        return image.copy()
    color, alpha = split_alpha(image)
    weights = gaussian_kernel1d(radius)
    detail = _separable(color, weights, weights, phase(progress, 0.0, 0.9))
    small, gain = np.float32(threshold), np.float32(amount)

    def sharpen(start: int, stop: int) -> None:
        # In bands across the pool: four whole-image passes in a row on one
        # thread took as long as the blur on two.
        d, c = detail[start:stop], color[start:stop]
        np.subtract(c, d, out=d)
        if threshold > 0:
            d[np.abs(d) < small] = 0
        d *= gain
        d += c
        np.clip(d, 0.0, 1.0, out=d)

    _for_bands(sharpen, color.shape[0], color[0].size, progress=phase(progress, 0.9, 1.0))
    return merge_alpha(detail, alpha)


# Preset kernels for convolve (also offered in the catalog).
KERNEL_PRESETS: dict[str, tuple[tuple[float, ...], ...]] = {
    "identity": ((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 0.0)),
    "sharpen": ((0.0, -1.0, 0.0), (-1.0, 5.0, -1.0), (0.0, -1.0, 0.0)),
    "emboss": ((-2.0, -1.0, 0.0), (-1.0, 1.0, 1.0), (0.0, 1.0, 2.0)),
    "outline": ((-1.0, -1.0, -1.0), (-1.0, 8.0, -1.0), (-1.0, -1.0, -1.0)),
}

_MAX_KERNEL = 15


def _check_kernel(kernel) -> np.ndarray:
    try:
        k = np.array(kernel, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"kernel must be a square grid of numbers, got {kernel!r}") from None
    if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] % 2 == 0 or k.shape[0] > _MAX_KERNEL:
        raise ValueError(
            f"kernel must be square with an odd size up to {_MAX_KERNEL} (3x3, 5x5, 7x7 ...), "
            f"got shape {k.shape}"
        )
    if not np.all(np.isfinite(k)):
        raise ValueError("kernel values must be finite")
    return k


def _correlate2d(color: np.ndarray, kernel: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """Correlate every channel with a small 2-D kernel, reflect border.

    Sums one shifted copy per non-zero weight, in bands of rows small enough
    to stay in cache, bands shared across the thread pool.
    """
    h, w = color.shape[:2]
    c = 1 if color.ndim == 2 else color.shape[2]
    r = kernel.shape[0] // 2
    taps = [(i, j, float(v)) for (i, j), v in np.ndenumerate(kernel) if v != 0]
    out = np.empty((h, w * c), np.float32)
    band = max(8, (1 << 17) // (w * c + 1))  # about 512 KB of output per step
    if not taps:
        out[...] = 0
        return out.reshape(color.shape)

    def run(span):
        tmp = np.empty((band, w * c), np.float32)
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            rows = _reflect_block(color, y0 - r, y1 + r, -r, w + r).reshape(y1 - y0 + 2 * r, -1)
            acc, t = out[y0:y1], tmp[: y1 - y0]
            for n, (i, j, v) in enumerate(taps):
                shifted = rows[i : i + y1 - y0, j * c : j * c + w * c]
                if n == 0:
                    np.multiply(shifted, np.float32(v), out=acc)
                elif v == 1:
                    acc += shifted
                elif v == -1:
                    acc -= shifted
                else:
                    np.multiply(shifted, np.float32(v), out=t)
                    acc += t

    spans = [(a * band, min(h, b * band)) for a, b in _split(-(-h // band))]
    _parallel(run, spans, color.size * len(taps), progress=progress)
    return out.reshape(color.shape)


def convolve(
    image: np.ndarray,
    kernel=KERNEL_PRESETS["identity"],
    normalize: bool = False,
    *,
    progress: Progress | None = None,
) -> np.ndarray:
    """Convolve each colour channel with a small user-given square kernel.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    kernel : sequence of sequences of float
        Square kernel of odd size (3x3, 5x5, 7x7, up to 15x15), rows top to
        bottom. See ``KERNEL_PRESETS`` for identity, sharpen, emboss and outline.
    normalize : bool
        Divide the kernel by the sum of its weights first (when that sum is
        not zero), so that flat areas keep their brightness.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Filtered float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    True convolution, ``out(y, x) = sum_{i,j} k(i, j) in(y - i, x - j)`` with
    ``i, j`` from ``-r`` to ``r`` around the kernel centre: the kernel is
    rotated by 180 degrees before it slides over the image, as in
    ``scipy.ndimage.convolve``. A CNN layer (and OpenCV's ``filter2D``)
    computes the *correlation*, ``sum k(i, j) in(y + i, x + j)``; pass the
    kernel rotated by 180 degrees to get it. The two agree for symmetric
    kernels such as sharpen and outline; emboss lights the other side.
    Borders reflect (see the module docstring). Values outside [0, 1] are
    clipped.

    Examples
    --------
    >>> img = np.zeros((3, 3), np.float32); img[1, 1] = 1
    >>> out = convolve(img, ((0, 0, 0), (0, 0, 0.5), (0, 0, 0)))
    >>> out[1].tolist()  # the impulse response is the kernel itself
    [0.0, 0.0, 0.5]
    """
    image = as_image(image)
    k = _check_kernel(kernel)
    if not isinstance(normalize, (bool, np.bool_)):
        raise ValueError(f"normalize must be true or false, got {normalize!r}")
    if normalize:
        total = k.sum()
        if abs(total) > 1e-12:
            k = k / total
    color, alpha = split_alpha(image)
    out = _correlate2d(color, k[::-1, ::-1], progress)
    np.clip(out, 0.0, 1.0, out=out)
    return merge_alpha(out, alpha)


def bilateral_filter(image: np.ndarray, sigma_spatial: float = 3.0, sigma_range: float = 0.1, *,
                     progress: Progress | None = None) -> np.ndarray:
    """Smooth while keeping edges: average neighbours that are near and similar.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    sigma_spatial : float
        Standard deviation in pixels of the spatial Gaussian, >= 0. The window
        is the disc of radius ``ceil(2 * sigma_spatial)``. 0 returns a copy.
    sigma_range : float
        Standard deviation of the range Gaussian in intensity units (0-1), >= 0:
        neighbours whose colour differs by much more than this barely count.
        0 returns a copy.
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows; it may
        raise to stop the work.

    Returns
    -------
    ndarray
        Filtered float32 image of the same shape.

    Notes
    -----
    Exact windowed bilateral filter (Tomasi and Manduchi, 1998):

    ``out(p) = sum_q w(p, q) I(q) / sum_q w(p, q)``,
    ``w(p, q) = exp(-|p - q|^2 / (2 ss^2)) exp(-|I(p) - I(q)|^2 / (2 sr^2))``

    over ``|p - q| <= ceil(2 ss)``, where ``|I(p) - I(q)|`` is the Euclidean
    distance between the RGB colours (the absolute difference for gray), so
    colour edges are kept as a whole. Borders reflect. The weights are
    symmetric, so each pair of pixels is weighed once and used both ways. The
    cost grows with the window area, ``O(sigma_spatial^2)`` per pixel.

    Examples
    --------
    >>> img = np.zeros((4, 6), np.float32); img[:, 3:] = 1  # a hard edge
    >>> out = bilateral_filter(img, 2.0, 0.1)
    >>> bool(np.abs(out - img).max() < 1e-6)  # kept: the two sides never mix
    True
    """
    image = as_image(image)
    sigma_spatial = check_range("sigma_spatial", sigma_spatial, 0)
    sigma_range = check_range("sigma_range", sigma_range, 0)
    radius = int(np.ceil(2 * sigma_spatial))
    if radius == 0 or sigma_range == 0:
        return image.copy()
    color, alpha = split_alpha(image)
    h, w = color.shape[:2]
    # Half of the disc: the other half is the same pairs seen from the other end.
    offsets = [
        (dy, dx)
        for dy in range(0, radius + 1)
        for dx in range(-radius, radius + 1)
        if (dy > 0 or dx > 0) and dy * dy + dx * dx <= radius * radius
    ]
    # Clamped so that tiny sigmas cannot overflow to -inf (0 * inf = nan).
    range_scale = np.float32(-min(0.5 / max(sigma_range**2, 1e-300), 1e30))
    spatial_scale = -min(0.5 / max(sigma_spatial**2, 1e-300), 1e30)
    out = np.empty(color.shape, np.float32)
    band = max(8, (1 << 16) // (w + 1))
    r = radius

    def run(span):
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            bh = y1 - y0
            p = _reflect_block(color, y0 - r, y1 + r, -r, w + r)  # (bh+2r, w+2r[, c])
            # Channels as separate contiguous planes: every operation below then
            # runs on plain contiguous rows.
            planes = [p] if p.ndim == 2 else [np.ascontiguousarray(p[..., c]) for c in range(p.shape[2])]
            num = [q[r : r + bh, r : r + w].copy() for q in planes]
            den = np.ones((bh, w), np.float32)
            for dy, dx in offsets:
                # Weights of the pairs (q, q + o) for every q of the output and
                # of the output shifted by -o (padded coordinates; 0 <= dy <= r).
                ya, xa = r - dy, r - max(dx, 0)
                hb, wb = bh + dy, w + abs(dx)
                dist = np.zeros((hb, wb), np.float32)
                for q in planes:
                    diff = np.subtract(q[ya : ya + hb, xa : xa + wb], q[ya + dy : ya + dy + hb, xa + dx : xa + dx + wb])
                    diff *= diff
                    dist += diff
                dist *= range_scale
                dist += np.float32((dy * dy + dx * dx) * spatial_scale)
                weight = np.exp(dist, out=dist)
                # q receives q + o ...
                wq = weight[dy : dy + bh, r - xa : r - xa + w]
                den += wq
                # ... and q + o receives q: output pixel s gets weight(s - o) * I(s - o).
                ws = weight[0:bh, r - dx - xa : r - dx - xa + w]
                den += ws
                tmp = np.empty((bh, w), np.float32)
                for q, acc in zip(planes, num):
                    np.multiply(wq, q[r + dy : r + dy + bh, r + dx : r + dx + w], out=tmp)
                    acc += tmp
                    np.multiply(ws, q[r - dy : r - dy + bh, r - dx : r - dx + w], out=tmp)
                    acc += tmp
            for c, acc in enumerate(num):
                acc /= den
                if color.ndim == 2:
                    out[y0:y1] = acc
                else:
                    out[y0:y1, :, c] = acc

    spans = [(a * band, min(h, b * band)) for a, b in _split(-(-h // band))]
    _parallel(run, spans, color.size * len(offsets), progress=progress)
    np.clip(out, 0.0, 1.0, out=out)
    return merge_alpha(out, alpha)
