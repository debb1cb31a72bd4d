"""Mean adaptive threshold in one sweep: box sums and the comparison fused per band.

Private to :func:`processing.threshold.threshold_adaptive`. The box mean and
the comparison with it never leave the cache: each band of rows gets its
vertical window sums from a running sum, its horizontal ones from a prefix
sum along the band's rows, and is compared right away. No transposes, no
full-size temporaries, cost independent of the window size.
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


def mean_threshold(luma: np.ndarray, radius: int, offset: float, *,
                   progress: Progress | None = None) -> np.ndarray:
    """``1.0`` where ``luma >= mean of its (2r+1)^2 window - offset``, else ``0.0``.

    ``luma`` is float32 ``(H, W)``; borders reflect with the edge repeated.

    Notes
    -----
    With ``n = (2r+1)^2`` and ``S`` the window sum, the test is
    ``luma * n >= S - n * offset`` (no division). The column sums of ``2r+1``
    rows, less ``(2r+1) offset``, slide down a band one row at a time in
    float64 (an add and a subtract per row); a float64 prefix sum along each
    row of those column sums then gives every horizontal window sum as one
    difference. Bands of rows run on the package's thread pool.

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
    left, right = cols[:radius] + radius + 1, cols[radius + w :] + radius + 1
    # Source row entering the window of output row y is rows[y + 2r]; the one
    # leaving is rows[y - 1] (positions reflected past the edges).
    rows = _reflect(-radius, h + radius, h).tolist()
    out = np.empty((h, w), np.float32)

    def run(span: tuple[int, int]) -> None:
        start, stop = span
        # sums[:, 0] = 0, sums[:, 1:] = column sums of the reflected row;
        # after the prefix sum, window sums are sums[:, x + size] - sums[:, x].
        sums = np.empty((_BAND_ROWS, w + 2 * radius + 1), np.float64)
        sums[:, 0] = 0.0
        inner = sums[:, radius + 1 : radius + 1 + w]
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
            previous = previous.copy()  # the prefix sum below overwrites it
            band = sums[:b]
            band[:, 1 : radius + 1] = band[:, left]
            band[:, radius + 1 + w :] = band[:, right]
            np.cumsum(band[:, 1:], axis=1, out=band[:, 1:])
            np.subtract(band[:, size:], band[:, :w], out=window[:b])
            np.multiply(luma[y0:y1], n, out=scaled[:b])
            np.greater_equal(scaled[:b], window[:b], out=out[y0:y1], casting="unsafe")

    parallel_map(run, split(h, minimum=_BAND_ROWS), progress=progress)
    return out
