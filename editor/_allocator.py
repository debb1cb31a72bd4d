"""The C allocator of a batch process, told to keep freed memory for the next file.

glibc hands out every block above its mmap threshold (32 MB at most, so
every full-size array of a big photo) as fresh pages from the kernel, and
gives them back when the array is freed. The next array of the same size
is then faulted in and zero-filled again, page by page, in kernel time.
A batch process allocates the same arrays for every file, so this is pure
waste: 60 photos of 12 MP through blur, levels, unsharp mask and resize
took 63.0 s in one process, 21.7 s of it in the kernel; with the memory
kept, 44.8 s and 1.7 s. With a high threshold the arrays come
from the heap, and with a high trim threshold the heap keeps what was
freed, so from the second file on nothing is faulted in again.

The cost is memory held: a process keeps the peak of one file's working
set until it ends (measured: 474 MB -> 613 MB at most, the same after 10
or 60 files). That suits batch workers, which live for a run and hold one
image at a time, and not the window, where one big photo would leave its
peak held for the rest of the session; the window does not use this.

One arena: threads other than the main one otherwise allocate from arenas
of at most 64 MB, which hand anything bigger to the kernel anyway (a Dask
worker runs its tasks on such a thread, and so does the processing pool).
"""
from __future__ import annotations

import ctypes
import os
import sys
from contextlib import contextmanager
from typing import Iterator

__all__ = ["ALLOCATOR_ENVIRON", "freed_memory_kept", "tuned_by_user"]

_HEAP_UP_TO = 1 << 30  # blocks up to 1 GiB come from the heap (a 24 MP float RGB array is 288 MB)
_NEVER_TRIM = 2**31 - 1  # the largest value mallopt takes
_MMAP_THRESHOLD_MAX = 32 << 20  # glibc's ceiling for its sliding threshold on 64-bit systems

# For processes started afresh: glibc reads these when the process starts.
ALLOCATOR_ENVIRON = {
    "MALLOC_MMAP_THRESHOLD_": str(_HEAP_UP_TO),
    "MALLOC_TRIM_THRESHOLD_": str(_NEVER_TRIM),
    "MALLOC_ARENA_MAX": "1",
}

# mallopt's parameter numbers (glibc's malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


def tuned_by_user(environ=os.environ) -> bool:
    """Whether ``environ`` sets any of glibc's ``MALLOC_`` variables: the
    user's own tuning, which batch processes then leave alone.

    Examples
    --------
    >>> tuned_by_user({"MALLOC_ARENA_MAX": "4"}), tuned_by_user({})
    (True, False)
    """
    return any(name.startswith("MALLOC_") for name in environ)


def _mallopt():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library this process already has
        mallopt, trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    trim.argtypes, trim.restype = (ctypes.c_size_t,), ctypes.c_int
    return mallopt, trim


@contextmanager
def freed_memory_kept() -> Iterator[bool]:
    """While the block runs, this process's allocator keeps freed memory (see
    the module's notes); afterwards it gives what it holds back to the system.

    For a run in a process that goes on afterwards (the command line's own
    process, or a test's); worker processes get :data:`ALLOCATOR_ENVIRON`.
    Arrays allocated before the block are not affected.

    Yields
    ------
    bool
        Whether the allocator took the settings: False off glibc (macOS,
        Windows, musl), and when the environment sets any of glibc's
        ``MALLOC_`` variables (the user's own tuning), where nothing changes.

    Examples
    --------
    >>> with freed_memory_kept() as kept:
    ...     kept in (True, False)
    True
    """
    calls = _mallopt()
    if calls is None or tuned_by_user():
        yield False
        return
    mallopt, trim = calls
    # glibc answers 1 for a value it took; musl's stub answers 0 to everything.
    kept = all(mallopt(param, value) == 1 for param, value in (
        (_M_MMAP_THRESHOLD, _HEAP_UP_TO), (_M_TRIM_THRESHOLD, _NEVER_TRIM), (_M_ARENA_MAX, 1)))
    try:
        yield kept
    finally:
        if kept:
            # Where glibc's own sliding threshold ends up once big arrays have been
            # freed (it cannot be made to slide again), and its default arenas.
            mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
            mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_MAX)
            mallopt(_M_ARENA_MAX, 0)
            trim(0)
