"""Per-thread scratch arrays for the temporaries of :mod:`processing.augment`.

Private. A fresh NumPy array of a few megabytes comes from the C library's
allocator, which hands big blocks back to the system when they are freed
(``munmap``, or trimming the top of the heap); the next call's block is new
memory again and every 4 KB page of it faults in on first touch. Measured on
512 x 512 RGB, one call's page faults cost more than its arithmetic (a
random resized crop: 2,000 faults, 8 ms, against 1 ms of work). Keeping each
temporary's block for the next call of the same thread removes them.

A scratch array's contents are undefined and it is reused by the next
request for its slot on the same thread: never return one to a caller.
"""
from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["scratch"]

_local = threading.local()
# Bytes kept per slot and thread: a 512 x 512 RGB image is 3 MB in float32,
# 6 MB in float64; a bigger request gets a fresh array (not kept, so a few
# huge images leave no huge blocks behind).
_KEEP = 1 << 23


def scratch(slot: str, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` in this thread's ``slot``, contents undefined."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > _KEEP:
        return np.empty(shape, dtype)
    blocks = getattr(_local, "blocks", None)
    if blocks is None:
        blocks = _local.blocks = {}
    block = blocks.get(slot)
    if block is None or block.size < nbytes:
        block = blocks[slot] = np.empty(max(nbytes, 1 << 16), np.uint8)
    return block[:nbytes].view(dtype).reshape(shape)
