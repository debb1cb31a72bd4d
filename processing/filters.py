"""Smoothing and sharpening filters.

Borders: every filter here extends the image by mirror reflection about the
edge, repeating the edge pixel (``d c b a | a b c d``); this is
``scipy.ndimage``'s ``mode="reflect"`` and NumPy's ``np.pad(mode="symmetric")``.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._image import as_image, check_int, check_range, merge_alpha, split_alpha

__all__ = ["gaussian_kernel1d", "gaussian_blur", "box_blur"]

# ---------------------------------------------------------------------------
# Shared machinery: reflect indices, a two-thread pool, and a layout in which
# every 1-D pass runs along axis 0 (whole contiguous rows per NumPy call).
# ---------------------------------------------------------------------------

_WORKERS = 2
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()
_THREAD_PREFIX = "processing-filters"
# Below this many elements the pool costs more than it saves.
_PARALLEL_MIN = 1 << 16


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_WORKERS, thread_name_prefix=_THREAD_PREFIX)
        return _POOL


def _parallel(func, chunks, size: int) -> list:
    """Run ``func(chunk)`` for each chunk, on the pool when the work is big.

    Runs inline when already on a pool thread, so nested calls cannot deadlock.
    """
    chunks = list(chunks)
    if (
        len(chunks) < 2
        or size < _PARALLEL_MIN
        or threading.current_thread().name.startswith(_THREAD_PREFIX)
    ):
        return [func(c) for c in chunks]
    return list(_pool().map(func, chunks))


def _split(n: int, parts: int = _WORKERS) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges cutting ``range(n)`` into ``parts`` near-equal pieces."""
    parts = max(1, min(parts, n))
    edges = np.linspace(0, n, parts + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _reflect_index(start: int, stop: int, n: int) -> np.ndarray:
    """Source index of positions ``start..stop-1`` of a signal of length ``n``
    extended by mirror reflection with the edge sample repeated
    (``d c b a | a b c d | d c b a``), however far the positions reach."""
    i = np.arange(start, stop) % (2 * n)
    return np.where(i < n, i, 2 * n - 1 - i)


_TILE = 256


def _transpose(a: np.ndarray) -> np.ndarray:
    """Contiguous transpose of a 2-D array.

    Copied in cache-sized square tiles (a plain ``a.T.copy()`` strides through
    memory and is 2-4x slower on large images), bands of tiles on two threads.
    """
    h, w = a.shape
    out = np.empty((w, h), a.dtype)

    def band(span):
        for y0 in range(span[0], span[1], _TILE):
            for x0 in range(0, w, _TILE):
                out[x0 : x0 + _TILE, y0 : y0 + _TILE] = a[y0 : y0 + _TILE, x0 : x0 + _TILE].T

    tiles = -(-h // _TILE)
    spans = [(a0 * _TILE, min(h, b0 * _TILE)) for a0, b0 in _split(tiles)]
    _parallel(band, spans, a.size)
    return out


def _to_columns(color: np.ndarray) -> np.ndarray:
    """``(H, W[, C])`` -> ``(W, C*H)``: image column ``x`` becomes row ``x``.

    A 1-D pass along image rows then runs along axis 0, like a vertical pass.
    """
    h, w = color.shape[:2]
    c = 1 if color.ndim == 2 else color.shape[2]
    return _transpose(np.ascontiguousarray(color).reshape(h, w * c)).reshape(w, c * h)


def _from_columns(cols: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`_to_columns`."""
    h, w = shape[:2]
    c = 1 if len(shape) == 2 else shape[2]
    return _transpose(cols.reshape(w * c, h)).reshape(shape)


def _box_mean_axis0(src: np.ndarray, radius: int) -> np.ndarray:
    """Mean over ``2*radius+1`` rows centred on each row, reflect border.

    ``src`` is 2-D float32 ``(L, M)``. A running sum in float64 slides down the
    rows: one add and one subtract of a whole row per output row, so the cost
    does not depend on the radius. Rows are split across the thread pool.
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

    _parallel(run, _split(n), src.size)
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


def _fft_length(n: int) -> int:
    """Smallest ``2^a 3^b 5^c >= n`` (fast sizes for the FFT)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


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
    size = _fft_length(padded_n)
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


def _correlate_axis0(src: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Correlate a 2-D float32 array with symmetric ``weights`` along axis 0,
    reflect border; direct for short kernels, FFT for long ones, on two threads."""
    out = np.empty(src.shape, np.float32)
    if len(weights) == 1:
        np.multiply(src, np.float32(weights[0]), out=out)
        return out
    if len(weights) < _FFT_MIN_TAPS:
        spans = _split(-(-src.shape[0] // _STRIP_ROWS))
        spans = [(a * _STRIP_ROWS, min(src.shape[0], b * _STRIP_ROWS)) for a, b in spans]
        _parallel(lambda s: _direct_axis0(src, weights, out, *s), spans, src.size)
    else:
        _parallel(lambda s: _fft_axis0(src, weights, out, *s), _split(src.shape[1]), src.size)
    return out


def _separable(color: np.ndarray, weights_y: np.ndarray, weights_x: np.ndarray) -> np.ndarray:
    """Correlate a gray or multi-channel image with ``outer(weights_y, weights_x)``.

    Both 1-D passes run along axis 0 of a 2-D array (the horizontal one on a
    transposed copy), which keeps every NumPy call on long contiguous rows.
    """
    rows = np.ascontiguousarray(color).reshape(color.shape[0], -1)
    vertical = _correlate_axis0(rows, weights_y).reshape(color.shape)
    return _from_columns(_correlate_axis0(_to_columns(vertical), weights_x), color.shape)


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
    Separable: a 1-D correlation along columns, then along rows, with the
    sampled Gaussian ``w(x) = exp(-x^2 / (2 sigma^2))``, ``|x| <= round(truncate
    * sigma)``, normalised to sum 1. Borders reflect (see the module
    docstring), also when the kernel is longer than the image.

    The result is the exact sampled convolution whatever the radius. Short
    kernels (fewer than 61 taps, sigma below about 7.5) are summed directly in
    cache-sized strips; longer ones go through a float64 FFT of the
    reflect-padded signal, long enough that nothing wraps around, so the cost
    per pixel grows only with the logarithm of the image side and a sigma of 50
    costs about what a sigma of 8 does. Work is split across two threads.

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
    blurred = _separable(color, weights, weights)
    np.clip(blurred, 0.0, 1.0, out=blurred)
    return merge_alpha(blurred, alpha)


def box_blur(image: np.ndarray, radius: int = 2) -> np.ndarray:
    """Replace each pixel by the mean of the ``(2*radius+1)`` square around it.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Alpha is passed
        through unchanged.
    radius : int
        Half-width of the square window in pixels, >= 0; 0 returns a copy.

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
    are shared between two threads.

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
    vertical = _box_mean_axis0(np.ascontiguousarray(color).reshape(color.shape[0], -1), radius)
    columns = _to_columns(vertical.reshape(color.shape))
    blurred = _from_columns(_box_mean_axis0(columns, radius), color.shape)
    np.clip(blurred, 0.0, 1.0, out=blurred)
    return merge_alpha(blurred, alpha)
