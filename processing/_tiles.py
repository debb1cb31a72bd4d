"""Tiles and borders shared by the neighbourhood filters (filters, edges).

- :func:`tile_map` runs a function over pieces of an image on the package's
  pool (:mod:`processing._parallel`), inline when the work is too small to
  repay the hand-over, and reports progress per piece.
- :func:`reflect_index` and :func:`reflect_block` read an image extended by
  mirror reflection with the edge pixel repeated (``d c b a | a b c d``).
"""
from __future__ import annotations

from typing import Callable, Iterable, TypeVar

import numpy as np

from ._parallel import parallel_map, split
from ._progress import Progress, report

__all__ = ["PARALLEL_MIN", "tile_map", "split", "reflect_index", "reflect_block"]

_T = TypeVar("_T")
_R = TypeVar("_R")

# Below this much work (elements times taps) the pool costs more than it saves.
PARALLEL_MIN = 1 << 16


def tile_map(func: Callable[[_T], _R], pieces: Iterable[_T], work: int, *,
             progress: Progress | None = None) -> list[_R]:
    """``[func(piece) for piece in pieces]``, on the pool when ``work`` is big.

    ``work`` is a rough count of the element operations of the whole job.
    Progress is reported after each piece in either case, so a raising
    callback stops the job between pieces.

    Examples
    --------
    >>> tile_map(lambda s: s[1] - s[0], split(10, 3), 10)
    [3, 4, 3]
    """
    pieces = list(pieces)
    if work >= PARALLEL_MIN:
        return parallel_map(func, pieces, progress=progress)
    results = []
    for i, piece in enumerate(pieces):
        results.append(func(piece))
        report(progress, (i + 1) / len(pieces))
    return results


def reflect_index(start: int, stop: int, n: int) -> np.ndarray:
    """Source index of positions ``start..stop-1`` of a signal of length ``n``
    extended by mirror reflection with the edge sample repeated
    (``d c b a | a b c d | d c b a``), however far the positions reach.

    Examples
    --------
    >>> reflect_index(-2, 6, 4).tolist()
    [1, 0, 0, 1, 2, 3, 3, 2]
    """
    i = np.arange(start, stop) % (2 * n)
    return np.where(i < n, i, 2 * n - 1 - i)


def reflect_block(a: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """``a`` at rows ``y0..y1-1`` and columns ``x0..x1-1``, positions outside
    the image reflected (edge pixel repeated) however far they reach.

    A new contiguous array. The part inside the image is copied with plain
    slices; only the few reflected columns go through fancy indexing (fancy
    indexing along the columns of an RGB image is several times slower).

    Examples
    --------
    >>> reflect_block(np.arange(3.0).reshape(1, 3), 0, 1, -1, 4).tolist()
    [[0.0, 0.0, 1.0, 2.0, 2.0]]
    """
    h, w = a.shape[:2]
    src = a[y0:y1] if 0 <= y0 and y1 <= h else a[reflect_index(y0, y1, h)]
    out = np.empty((y1 - y0, x1 - x0) + a.shape[2:], a.dtype)
    n = x1 - x0
    left = min(max(-x0, 0), n)  # positions left of column 0
    right = min(max(w - x0, left), n)  # first position right of column w-1
    if right > left:
        out[:, left:right] = src[:, x0 + left : x0 + right]
    if left > 0 or right < n:
        cols = reflect_index(x0, x1, w)
        out[:, :left] = src[:, cols[:left]]
        out[:, right:] = src[:, cols[right:]]
    return out
