"""Mean adaptive threshold in one sweep: box sums and the comparison fused per band.

Private to :func:`processing.threshold.threshold_adaptive`. The box mean and
the comparison with it never leave the cache: each band of rows gets its
vertical window sums from a running sum, its horizontal ones from sums of
2, 4, 8 ... neighbours along the band's rows, and is compared right away.
No transposes, no full-size temporaries; the cost grows only with the
logarithm of the window size (1.26x from 5 to 101 pixels).
"""
from __future__ import annotations

import numpy as np

from ._parallel import parallel_map, split
from ._progress import Progress

__all__ = ["mean_threshold"]

# Rows per in-cache step: a band of float64 sums of a 4000-pixel-wide image
# stays within a core's L2 cache (measured on 12 MP, 16 and 32 rows tie).
_BAND_ROWS = 16


def _reflect(start: int, stop: int, n: int) -> np.ndarray:
    """Source index of positions ``start..stop-1``, mirrored with the edge
    sample repeated (``d c b a | a b c d | d c b a``), however far they reach."""
    i = np.arange(start, stop) % (2 * n)
    return np.where(i < n, i, 2 * n - 1 - i)


def _window_sums(a: np.ndarray, size: int, out: np.ndarray, spare: tuple[np.ndarray, np.ndarray]) -> None:
    """``out[:, x] = a[:, x : x + size].sum(axis=1)`` for every ``x``.

    Sums of 2, 4, 8 ... neighbours, each from two of the previous ones, and
    the window as the sum of those its length's binary digits name: about
    ``2 log2(size)`` whole-band additions. A prefix sum would do it in two
    passes, but NumPy's ``cumsum`` keeps the interpreter lock for its whole
    run, so bands on other threads would wait for it; additions release it.
    ``spare`` holds two arrays at least as big as ``a`` for the partial sums.
    """
    w = out.shape[1]
    block, length, start, first = a, 1, 0, True
    while True:
        if size & length:
            part = block[:, start : start + w]
            if first:
                np.copyto(out, part)
                first = False
            else:
                np.add(out, part, out=out)
            start += length
        if 2 * length > size:
            return
        n = block.shape[1] - length
        doubled = spare[0][: a.shape[0], :n]
        np.add(block[:, :n], block[:, length : length + n], out=doubled)
        block, spare, length = doubled, spare[::-1], 2 * length


def mean_threshold(luma: np.ndarray, radius: int, offset: float, *,
                   progress: Progress | None = None) -> np.ndarray:
    """``1.0`` where ``luma >= mean of its (2r+1)^2 window - offset``, else ``0.0``.

    ``luma`` is float32 ``(H, W)``; borders reflect with the edge repeated.

    Notes
    -----
    With ``n = (2r+1)^2`` and ``S`` the window sum, the test is
    ``luma * n >= S - n * offset`` (no division). The column sums of ``2r+1``
    rows, less ``(2r+1) offset``, slide down a band one row at a time in
    float64 (an add and a subtract per row); sums of 2, 4, 8 ... neighbouring
    column sums then make every horizontal window sum (see
    :func:`_window_sums`). Bands of rows run on the package's thread pool.

    Examples
    --------
    >>> img = np.full((5, 5), 0.5, np.float32); img[2, 2] = 0.1
    >>> mean_threshold(img, 1, 0.0)[2].tolist()
    [1.0, 1.0, 0.0, 1.0, 1.0]
    """
    h, w = luma.shape
    size = 2 * radius + 1
    n = np.float64(size * size)
    shift = np.float64(offset)
    cols = _reflect(-radius, w + radius, w)
    left, right = cols[:radius] + radius, cols[radius + w :] + radius
    # Source row entering the window of output row y is rows[y + 2r]; the one
    # leaving is rows[y - 1] (positions reflected past the edges).
    rows = _reflect(-radius, h + radius, h).tolist()
    out = np.empty((h, w), np.float32)

    def run(span: tuple[int, int]) -> None:
        start, stop = span
        # Column sums of the reflected rows, the margins mirrored in.
        sums = np.empty((_BAND_ROWS, w + 2 * radius), np.float64)
        spare = (np.empty_like(sums), np.empty_like(sums))
        inner = sums[:, radius : radius + w]
        scaled = np.empty((_BAND_ROWS, w), np.float64)
        window = np.empty((_BAND_ROWS, w), np.float64)
        # Column sums for the span's first row: how often each source row
        # occurs in its window (rows repeat when the window passes the image).
        counts = np.bincount(rows[start : start + size], minlength=h)
        present = np.flatnonzero(counts)
        previous = counts[present].astype(np.float64) @ luma[present].astype(np.float64)
        # Each column sum carries -offset per row; the window sums then carry
        # -n * offset, and the test becomes luma * n >= S - n * offset.
        previous -= size * shift
        for y0 in range(start, stop, _BAND_ROWS):
            y1 = min(y0 + _BAND_ROWS, stop)
            b = y1 - y0
            for k in range(b):
                y = y0 + k
                row = inner[k]
                if y == start:
                    row[:] = previous
                else:
                    np.add(previous, luma[rows[y + size - 1]], out=row)
                    np.subtract(row, luma[rows[y - 1]], out=row)
                previous = row
            band = sums[:b]
            band[:, :radius] = band[:, left]
            band[:, radius + w :] = band[:, right]
            _window_sums(band, size, window[:b], spare)
            np.multiply(luma[y0:y1], n, out=scaled[:b])
            np.greater_equal(scaled[:b], window[:b], out=out[y0:y1], casting="unsafe")

    parallel_map(run, split(h, minimum=_BAND_ROWS), progress=progress)
    return out
