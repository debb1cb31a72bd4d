"""Streaming over cache-sized bands of rows, shared by the point operations
(tone, color).

A point operation reads each value once and writes it once; done in one
NumPy call per step over the whole image it would make its temporaries the
size of the image and run at the speed of main memory. Done band by band,
with bands small enough that the source, the destination and a few
temporaries stay in the L2 cache, it runs several times faster. Groups of
consecutive bands run on the package's pool (:mod:`processing._parallel`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._parallel import parallel_map, split
from ._progress import Progress, report

__all__ = ["BAND_ELEMENTS", "PARALLEL_MIN", "for_bands", "map_bands"]

# Elements per band: src, dst and a few temporaries of this size fit in L2.
BAND_ELEMENTS = 1 << 17
# Below this many elements a second thread costs more than it saves.
PARALLEL_MIN = 1 << 19
# Elements per task handed to the pool: a band is too little work to repay
# the hand-over (a point operation streams it in a fraction of a millisecond).
TASK_ELEMENTS = 1 << 20


def for_bands(func: Callable[[int, int], None], n_rows: int, row_elements: int,
              band_elements: int | None = None, *, progress: Progress | None = None) -> None:
    """Call ``func(start, stop)`` over consecutive row ranges covering ``n_rows``.

    Each range holds about ``band_elements`` elements (at least one row),
    whatever the number of threads, so a result assembled per band does not
    depend on it. Big jobs hand groups of consecutive bands to the pool;
    nesting is safe (see :func:`processing._parallel.parallel_map`).

    Examples
    --------
    >>> seen = []
    >>> for_bands(lambda a, b: seen.append((a, b)), 5, 4, band_elements=8)
    >>> seen
    [(0, 2), (2, 4), (4, 5)]
    """
    step = max(1, (band_elements or BAND_ELEMENTS) // max(1, row_elements))
    starts = list(range(0, n_rows, step))

    def run(group: tuple[int, int]) -> None:
        for start in starts[group[0] : group[1]]:
            func(start, min(start + step, n_rows))

    if n_rows * row_elements < PARALLEL_MIN or len(starts) < 2:
        run((0, len(starts)))
        report(progress, 1.0)
        return
    per_task = max(1, TASK_ELEMENTS // (step * max(1, row_elements)))
    parallel_map(run, split(len(starts), minimum=per_task), progress=progress)


def map_bands(image: np.ndarray, kernel: Callable[[np.ndarray, np.ndarray], None],
              *, shape: tuple[int, ...] | None = None, keep_alpha: bool = True,
              band_elements: int | None = None, progress: Progress | None = None) -> np.ndarray:
    """A new image made by ``kernel(src_band, dst_band)`` over cache-sized row bands.

    ``kernel`` must fill every element of ``dst_band`` (it may use it as
    scratch) and must not write ``src_band``. The output has ``shape``
    (default: the image's; its first axis must be the image's rows). With
    ``keep_alpha`` the alpha plane of an RGBA image is copied back over
    whatever the kernel wrote, so kernels can treat all channels alike.

    Examples
    --------
    >>> def double(src, dst):
    ...     np.multiply(src, 2, out=dst)
    >>> map_bands(np.ones((2, 3), np.float32), double).tolist()
    [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]
    """
    out = np.empty(image.shape if shape is None else shape, dtype=np.float32)
    restore = keep_alpha and image.ndim == 3 and image.shape[2] == 4 and out.shape == image.shape

    def band(start: int, stop: int) -> None:
        src, dst = image[start:stop], out[start:stop]
        kernel(src, dst)
        if restore:
            dst[..., 3] = src[..., 3]

    for_bands(band, image.shape[0], image[0].size, band_elements, progress=progress)
    return out
