"""k-means over every pixel in one sweep: nearest centre, cluster sums, then paint.

Private to the k-means functions of :mod:`processing.segmentation`. After the
centres are fitted on a sample, every pixel is assigned once, in cache-sized
chunks on the package's thread pool; the same sweep adds each chunk's pixels
to its clusters' sums and counts, so the clusters' mean colours over all
pixels come without another pass over the image. Painting is then one gather
of a small table per pixel.
"""
from __future__ import annotations

import numpy as np

from ._parallel import parallel_map, split
from ._progress import Progress

__all__ = ["assign", "paint"]

# OpenBLAS runs a product of m * n * k <= 4 * 65536 on the calling thread;
# bigger ones wake its own thread pool, which spins against ours. A chunk's
# score product (centres x channels x pixels) stays under that.
_SERIAL_PRODUCT = 1 << 18
_CHUNK_MIN = 1024


def _chunk(k: int, channels: int) -> int:
    return max(_CHUNK_MIN, _SERIAL_PRODUCT // max(1, k * channels))


def _nearest_exact(block: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    scores = block @ weights
    scores += bias
    return scores.argmin(axis=1)


_SPREAD = 4  # bins per cluster while summing (independent adds)

# Up to this many centres the index fits in the low bits of a float64 score
# without moving it by more than 2^-45 of its value.
_PACK_MAX_K = 256


def _nearest_packed(block: np.ndarray, weights_t: np.ndarray, bias: np.ndarray, bits: int):
    """Nearest centre of rows in [0, 1], scores centre-major in float64.

    ``weights_t`` is ``-2 c`` (k, C) and ``bias`` ``|c|^2 + C + 1`` so that
    every score is positive (``|x|^2 <= C``), and positive float64 values
    order like their bit patterns as integers. Writing the centre's index in
    the low ``bits`` bits of its score makes the minimum over centres (one
    reduction over contiguous rows) carry the winner with it. Returns the
    winners and the block as float64 channel rows ``(C, n)``.
    """
    columns = block.T.astype(np.float64)  # (C, n)
    scores = weights_t @ columns  # (k, n)
    scores += bias[:, None]
    packed = scores.view(np.int64)
    packed &= np.int64(-1 << bits)
    packed |= np.arange(len(bias), dtype=np.int64)[:, None]
    best = np.minimum.reduce(packed, axis=0)
    best &= np.int64((1 << bits) - 1)
    return best, columns


def assign(data: np.ndarray, centres: np.ndarray, *, sums: bool = False,
           progress: Progress | None = None):
    """Nearest centre (squared Euclidean) of every row of ``data``.

    Parameters
    ----------
    data : ndarray
        float32 ``(n, C)``.
    centres : ndarray
        ``(k, C)``; ties go to the lower index.
    sums : bool
        Also return each cluster's float64 sum of rows and its count.
    progress : callable, optional
        Called with the fraction of rows done; may raise to cancel.

    Returns
    -------
    labels : ndarray
        int32 ``(n,)`` in ``0..k-1``; with ``sums``, ``(labels, totals, counts)``.

    Notes
    -----
    ``argmin_c |c|^2 - 2 x.c`` (``|x|^2`` is the same for every centre), the
    products for a chunk of rows as one matrix product. For values in
    [0, 1] (images) the scores are float64, the centre's index is written in
    their lowest bits (perturbing them by less than 1e-13) and one minimum
    over the centres gives the winner: several times faster than NumPy's
    ``argmin`` along a short axis. Other values use ``argmin`` in float32.

    Examples
    --------
    >>> data = np.array([[0.1], [0.9], [0.4]], np.float32)
    >>> assign(data, np.array([[0.0], [1.0]])).tolist()
    [0, 1, 0]
    """
    n, channels = data.shape
    k = len(centres)
    centres = np.asarray(centres, np.float64)
    c = centres.astype(np.float32)
    weights = np.ascontiguousarray((-2 * c).T)  # (C, k)
    bias = (c * c).sum(axis=1)
    weights_t = -2.0 * centres
    bias_t = (centres * centres).sum(axis=1) + (channels + 1.0)
    bits = max(1, (k - 1).bit_length())
    labels = np.empty(n, np.int32)
    step = _chunk(k, channels)
    lanes = (np.arange(step) % _SPREAD).astype(np.int32)

    def run(span):
        start, stop = span
        total = np.zeros((k, channels), np.float64) if sums else None
        count = np.zeros(k, np.int64) if sums else None
        for a in range(start, stop, step):
            b = min(a + step, stop)
            block = data[a:b]
            lab = labels[a:b]
            if k <= _PACK_MAX_K and block.min() >= 0 and block.max() <= 1:
                lab[...], columns = _nearest_packed(block, weights_t, bias_t, bits)
            else:
                lab[...] = _nearest_exact(block, weights, bias)
                columns = block.T
            if sums:
                # Neighbouring pixels mostly share a cluster, and bincount's
                # adds to one bin wait for each other: spreading each
                # cluster over _SPREAD bins by position keeps them apart.
                bins = lab * _SPREAD
                bins += lanes[: b - a]
                count += np.bincount(bins, minlength=k * _SPREAD).reshape(k, _SPREAD).sum(axis=1)
                for ch in range(channels):
                    # Contiguous float64 weights: bincount uses them as they are.
                    spread = np.bincount(bins, weights=columns[ch], minlength=k * _SPREAD)
                    total[:, ch] += spread.reshape(k, _SPREAD).sum(axis=1)
        return total, count

    parts = parallel_map(run, split(n, minimum=step), progress=progress)
    if not sums:
        return labels
    totals = np.zeros((k, channels), np.float64)
    counts = np.zeros(k, np.int64)
    for total, count in parts:
        totals += total
        counts += count
    return labels, totals, counts


def paint(labels: np.ndarray, table: np.ndarray, color: np.ndarray, opacity: float, *,
          progress: Progress | None = None) -> np.ndarray:
    """``table[labels]`` laid over ``color`` at ``opacity``, clipped to [0, 1].

    ``labels`` int ``(n,)``, ``table`` float32 ``(k, C)``, ``color`` float32
    ``(n, C)``; returns float32 ``(n, C)``: ``(1 - o) color + o paint``,
    computed as ``(paint - color) o + color`` (the paint itself at ``o = 1``).

    Examples
    --------
    >>> table = np.array([[0.0], [1.0]], np.float32)
    >>> paint(np.array([1, 0]), table, np.full((2, 1), 0.5, np.float32), 0.5).ravel().tolist()
    [0.75, 0.25]
    """
    n, channels = color.shape
    out = np.empty((n, channels), np.float32)
    weight = np.float32(opacity)
    step = 1 << 16

    def run(span):
        start, stop = span
        for a in range(start, stop, step):
            b = min(a + step, stop)
            dst = out[a:b]
            np.take(table, labels[a:b], axis=0, out=dst, mode="clip")
            if opacity != 1.0:
                dst -= color[a:b]
                dst *= weight
                dst += color[a:b]
            np.clip(dst, 0.0, 1.0, out=dst)

    parallel_map(run, split(n, minimum=step), progress=progress)
    return out
