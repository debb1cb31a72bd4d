"""Per-thread scratch arrays for the temporaries of tiled and per-call kernels.

Private, shared by the warps and augmentation. A fresh NumPy array of a
megabyte or more comes from the C library's allocator, which hands big
blocks back to the system when they are freed (``munmap``, or trimming the
top of the heap); the next call's block is new memory again and every 4 KB
page of it faults in on first touch. Measured here: on a 12 MP warp the
faults of per-tile temporaries cost 160-300 ms of kernel time (20-55 ms
with the blocks kept); on a 512 x 512 random resized crop, 2,000 faults and
8 ms against 1 ms of work. Keeping each temporary's block for the next
request of the same thread removes them.

A scratch array's contents are undefined and it is reused by the next
request for its slot on the same thread: never return one to a caller.
"""
from __future__ import annotations

import math
import threading

import numpy as np

__all__ = ["scratch"]

_local = threading.local()
_MIN_BLOCK = 1 << 16  # bytes: small requests share one size, so a slot is rarely regrown


def scratch(slot, shape: tuple[int, ...], dtype=np.float32, *, keep_bytes: int = 1 << 23) -> np.ndarray:
    """An array of ``shape`` and ``dtype`` in this thread's ``slot``, contents undefined.

    Parameters
    ----------
    slot : hashable
        Names the temporary; callers of different modules use distinct names.
    shape : tuple of int
    dtype : data-type
    keep_bytes : int
        Larger requests get a fresh array that is not kept, so a few huge
        images leave no huge blocks behind.

    Examples
    --------
    >>> a = scratch("example", (2, 3))
    >>> a.shape, a.dtype.name
    ((2, 3), 'float32')
    >>> scratch("example", (3,)).base is a.base  # the same block, reused
    True
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize  # math.prod: np.prod costs 2 us a call
    if nbytes > keep_bytes:
        return np.empty(shape, dtype)
    blocks = getattr(_local, "blocks", None)
    if blocks is None:
        blocks = _local.blocks = {}
    block = blocks.get(slot)
    if block is None or block.size < nbytes:
        block = blocks[slot] = np.empty(max(nbytes, _MIN_BLOCK), np.uint8)
    return block[:nbytes].view(dtype).reshape(shape)
