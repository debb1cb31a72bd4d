"""Counting values into bins and reading luminance, by blocks of rows:
shared by the histogram and threshold modules.

Blocks hold a fixed number of pixels (a few MB of temporaries), not a number
tied to the thread count, so sums assembled from them never depend on it.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, TypeVar

import numpy as np

from ._parallel import parallel_map
from ._progress import Progress, report

__all__ = ["LUMA_WEIGHTS", "row_blocks", "block_map", "luminance", "count_index", "count"]

#: Rec. 709 luma weights (R, G, B); they sum to 1.
LUMA_WEIGHTS = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)

_BLOCK_PIXELS = 1 << 18  # pixels per block of rows: a few MB of temporaries
_T = TypeVar("_T")


def row_blocks(height: int, width: int, start: int = 0) -> list[tuple[int, int]]:
    """Split rows ``start:height`` into blocks of about ``_BLOCK_PIXELS`` pixels.

    Examples
    --------
    >>> row_blocks(5, 1 << 17)
    [(0, 2), (2, 4), (4, 5)]
    """
    rows = max(1, _BLOCK_PIXELS // max(width, 1))
    return [(y, min(y + rows, height)) for y in range(start, height, rows)]


def block_map(fn: Callable[[Any], _T], blocks: Iterable[Any], *,
              progress: Progress | None = None) -> list[_T]:
    """``[fn(b) for b in blocks]``, spread over the package's thread pool.

    Examples
    --------
    >>> block_map(lambda b: b[1] - b[0], [(0, 2), (2, 5)])
    [2, 3]
    """
    return parallel_map(fn, blocks, progress=progress)


def luminance(color: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """Rec. 709 luma of an RGB ``(H, W, 3)`` image; a gray image is returned as is.

    The result of a gray input is the input itself: callers must not write to it.

    Examples
    --------
    >>> luminance(np.ones((1, 2, 3), np.float32)).round(4).tolist()
    [[1.0, 1.0]]
    """
    if color.ndim == 2:
        report(progress, 1.0)
        return color
    h, w = color.shape[:2]
    out = np.empty((h, w), np.float32)

    def block(rows):
        y0, y1 = rows
        np.matmul(color[y0:y1], LUMA_WEIGHTS, out=out[y0:y1])

    block_map(block, row_blocks(h, w), progress=progress)
    return out


def count_index(values: np.ndarray, bins: int) -> np.ndarray:
    """Bin of each value as int32, for counting: ``floor(x * bins)`` clamped to the bins.

    Clamping the product to just below ``bins`` before truncating puts 1.0
    (and anything above) in the last bin in one pass.

    Examples
    --------
    >>> count_index(np.array([0.0, 0.5, 1.0, 2.0], np.float32), 4).tolist()
    [0, 2, 3, 3]
    """
    dtype = np.float32 if bins & (bins - 1) == 0 else np.float64
    scaled = np.multiply(values, dtype(bins), dtype=dtype)
    np.clip(scaled, 0, np.nextafter(dtype(bins), dtype(0)), out=scaled)
    return scaled.astype(np.int32)


def count(values: np.ndarray, bins: int, progress: Progress | None = None) -> np.ndarray:
    """Histogram (int64, ``bins``) of a gray ``(H, W)`` array, on the thread pool.

    Examples
    --------
    >>> count(np.array([[0.1, 0.9, 0.95]], np.float32), 2).tolist()
    [1, 2]
    """
    h, w = values.shape

    def block(rows):
        k = count_index(values[rows[0] : rows[1]], bins)
        return np.bincount(k.ravel(), minlength=bins)

    return np.sum(block_map(block, row_blocks(h, w), progress=progress), axis=0, dtype=np.int64)
