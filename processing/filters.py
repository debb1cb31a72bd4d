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
