"""Runs and union-find: the labelling core shared by segmentation and
morphology, and the reading of a mask argument.

A 2-D image is cut into maximal horizontal runs (of a mask's True pixels, or
of equal values); runs in consecutive rows that touch are joined by a
vectorised union-find. Everything is whole-array NumPy work, no per-pixel
Python loop.
"""
from __future__ import annotations

import numpy as np

from ._image import as_image, check_int, split_alpha

__all__ = [
    "Runs", "mask_runs", "value_runs", "run_edges", "union_find", "run_roots",
    "paint_runs", "paint_mask", "consecutive", "check_connectivity", "luma", "as_mask",
]


class Runs:
    """Maximal horizontal runs of a 2-D image, in raster order.

    ``row``, ``start`` and ``end`` (exclusive) are int64 arrays; ``value`` is
    the value of each run (None for the runs of a boolean mask's True pixels).
    """

    __slots__ = ("shape", "row", "start", "end", "value")

    def __init__(self, shape, row, start, end, value=None):
        self.shape = shape
        self.row = row
        self.start = start
        self.end = end
        self.value = value

    def __len__(self):
        return len(self.row)

    @property
    def length(self) -> np.ndarray:
        return self.end - self.start


def mask_runs(mask: np.ndarray) -> Runs:
    """Runs of True pixels of a 2-D bool mask."""
    h, w = mask.shape
    k = w + 2  # a False column either side: every run starts and ends in its row
    padded = np.zeros((h, k), np.bool_)
    padded[:, 1:-1] = mask
    flat = padded.ravel()
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts, ends = change[0::2], change[1::2]
    row = starts // k
    base = row * k + 1
    return Runs((h, w), row, starts - base, ends - base)


def value_runs(values: np.ndarray) -> Runs:
    """Runs of equal values of a 2-D array; every pixel is in one run."""
    h, w = values.shape
    cut = np.ones((h, w), np.bool_)
    cut[:, 1:] = values[:, 1:] != values[:, :-1]
    starts = np.flatnonzero(cut)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = h * w
    row = starts // w
    # A run never crosses a row: the next start is at most the next row's first pixel.
    ends = np.minimum(ends, (row + 1) * w)
    return Runs((h, w), row, starts - row * w, ends - row * w, values.ravel()[starts])


def run_edges(runs: Runs, connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs ``(a, b)`` of runs in consecutive rows that touch (and, for value
    runs, hold the same value); ``a < b`` always."""
    n = len(runs)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    h, w = runs.shape
    k = w + 2
    d = 1 if connectivity == 8 else 0
    key_start = runs.row * k + runs.start
    key_end = runs.row * k + runs.end
    next_row = (runs.row + 1) * k
    # Runs b of the next row touch run a iff start_b < end_a + d and end_b > start_a - d.
    lo = np.searchsorted(key_end, next_row + runs.start - d, side="right")
    hi = np.searchsorted(key_start, next_row + runs.end + d, side="left")
    count = np.maximum(hi - lo, 0)
    total = int(count.sum())
    a = np.repeat(np.arange(n, dtype=np.int64), count)
    # b = lo[a] + (0, 1, ..., count[a] - 1), built without a loop.
    first = np.cumsum(count) - count
    b = np.arange(total, dtype=np.int64) - np.repeat(first - lo, count)
    if runs.value is not None and total:
        same = runs.value[a] == runs.value[b]
        a, b = a[same], b[same]
    return a, b


def union_find(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Root of every node of a graph with ``n`` nodes and edges ``(a, b)``.

    The root of a component is its smallest node. Each round hooks every root
    under the smallest root it shares an edge with, then jumps pointers until
    every node points at its root; edges inside one tree are dropped.
    """
    parent = np.arange(n, dtype=np.int64)
    while a.size:
        ra, rb = parent[a], parent[b]
        apart = ra != rb
        if not apart.any():
            break
        a, b, ra, rb = a[apart], b[apart], ra[apart], rb[apart]
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def run_roots(runs: Runs, connectivity: int) -> np.ndarray:
    a, b = run_edges(runs, connectivity)
    return union_find(len(runs), a, b)


def paint_runs(runs: Runs, values: np.ndarray, dtype=np.int32) -> np.ndarray:
    """Image of ``runs.shape`` with each run filled with its value, 0 elsewhere."""
    h, w = runs.shape
    diff = np.zeros(h * w + 1, dtype)
    flat_start = runs.row * w + runs.start
    diff[flat_start] = values
    diff[runs.row * w + runs.end] -= values  # run ends are distinct from each other
    return np.cumsum(diff[:-1], dtype=dtype).reshape(h, w)


def paint_mask(runs: Runs, selected: np.ndarray) -> np.ndarray:
    """Bool mask of the pixels of the selected runs."""
    sub = Runs(runs.shape, runs.row[selected], runs.start[selected], runs.end[selected])
    return paint_runs(sub, np.ones(len(sub), np.int8), np.int8).view(np.bool_)


def consecutive(roots: np.ndarray) -> np.ndarray:
    """Map each run's root to 1..n in order of the roots (raster order)."""
    is_root = roots == np.arange(len(roots))
    number = np.cumsum(is_root, dtype=np.int32)
    return number[roots]


def check_connectivity(connectivity) -> int:
    connectivity = check_int("connectivity", connectivity)
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    return connectivity


def luma(color: np.ndarray) -> np.ndarray:
    """Rec. 709 luma of an RGB image (its only channel for gray)."""
    if color.ndim == 2:
        return color
    out = color[..., 0] * np.float32(0.2126)
    out += color[..., 1] * np.float32(0.7152)
    out += color[..., 2] * np.float32(0.0722)
    return out


def as_mask(mask, name: str = "mask") -> np.ndarray:
    """A bool mask as is; a float image thresholded at 0.5 (on its luma)."""
    if isinstance(mask, np.ndarray) and mask.dtype == np.bool_:
        if mask.ndim != 2:
            raise ValueError(f"{name} must be 2-D, got shape {mask.shape}")
        if mask.size == 0:
            raise ValueError(f"{name} is empty: shape {mask.shape}")
        return mask
    image = as_image(mask, name)
    color, _ = split_alpha(image)
    return luma(color) >= np.float32(0.5)
