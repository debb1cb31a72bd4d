"""The package's one thread pool: every tiled operation runs its tiles here.

NumPy releases the GIL in its loops, so tiles of one image run truly in
parallel on threads. One pool, sized to the machine, serves the whole
package; nobody else in ``processing/`` creates threads.

- Size: every core this process may use, unless ``IMAGE_EDITOR_THREADS`` (an
  environment variable) or :func:`set_workers` (the editor's setting) says
  otherwise. Batch runs with several processes give each process a share.
- Nesting: a task already running on the pool runs any inner
  :func:`parallel_map` inline, on its own thread. Inner calls can never wait
  for a pool thread that is waiting for them (no deadlock), and never put
  more threads to work than the pool has (no oversubscription).
- Progress and cancel: :func:`parallel_map` reports the fraction of tasks
  done to the caller's progress callback, from the calling thread only, so a
  callback need not be thread-safe. With a callback, tasks are handed to the
  pool a few at a time (two per thread), so one that raises (to cancel) finds
  at most that many started: the running ones finish their tile, which is
  small, the others never start, and the exception reaches the caller.
  Without one, nobody can cancel, and all tasks are handed over at once.
"""
from __future__ import annotations

import numbers
import os
import threading
from concurrent.futures import FIRST_COMPLETED, FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

from ._progress import Progress, report

__all__ = [
    "ENV_VAR",
    "default_workers",
    "workers",
    "set_workers",
    "using_workers",
    "in_pool",
    "parallel_map",
    "split",
]

ENV_VAR = "IMAGE_EDITOR_THREADS"
# Default number of pieces for split(): enough for 16 threads to get four
# each; fixed, so that results never depend on the thread count.
PIECES = 64

_T = TypeVar("_T")
_R = TypeVar("_R")

_lock = threading.Lock()
_local = threading.local()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_requested: int | None = None  # set_workers(); None = environment or machine


def _cores() -> int:
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return max(1, counter() or 1)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Threads to use when nobody set a number: ``IMAGE_EDITOR_THREADS`` if it
    holds a positive integer, else the cores this process may run on.

    Examples
    --------
    >>> default_workers() >= 1
    True
    """
    value = os.environ.get(ENV_VAR, "").strip()
    if value:
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n >= 1:
            return min(n, 1024)
    return _cores()


def workers() -> int:
    """How many threads the pool runs tiles on (1 means everything inline).

    Examples
    --------
    >>> workers() >= 1
    True
    """
    return _requested if _requested is not None else default_workers()


def set_workers(n: int | None) -> None:
    """Use ``n`` threads from now on; None goes back to the default.

    Work already running keeps its pool; the next call gets the new size.

    Examples
    --------
    >>> set_workers(1); workers()
    1
    >>> set_workers(None); workers() == default_workers()
    True
    """
    global _requested
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise ValueError(f"the number of threads must be a whole number, got {n!r}")
        n = int(n)
        if n < 1:
            raise ValueError(f"the number of threads must be >= 1, got {n}")
    with _lock:
        _requested = n


@contextmanager
def using_workers(n: int) -> Iterator[None]:
    """Use ``n`` threads inside the block, then whatever was set before it.

    For a caller that was given a number of cores for a while (a batch run
    told to use one core), without losing the setting it found.

    Examples
    --------
    >>> set_workers(None)
    >>> with using_workers(1):
    ...     workers()
    1
    >>> workers() == default_workers()
    True
    """
    global _requested
    before = _requested
    set_workers(n)
    try:
        yield
    finally:
        with _lock:
            _requested = before


def in_pool() -> bool:
    """Whether the calling thread is one of the pool's (inner work runs inline)."""
    return getattr(_local, "in_pool", False)


def _mark_pool_thread() -> None:
    _local.in_pool = True


def _get_pool(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            old = _pool
            _pool = ThreadPoolExecutor(size, thread_name_prefix="processing", initializer=_mark_pool_thread)
            _pool_size = size
            if old is not None:
                old.shutdown(wait=False)
        return _pool


def _run_task(func: Callable[[_T], _R], item: _T) -> _R:
    """Every task of :func:`parallel_map` goes through here, on the pool or
    inline: one place where a test can count the tasks that ran."""
    return func(item)


def parallel_map(
    func: Callable[[_T], _R],
    items: Iterable[_T],
    *,
    progress: Progress | None = None,
) -> list[_R]:
    """``[func(item) for item in items]``, the items spread over the pool.

    Parameters
    ----------
    func : callable
        Called once per item; must not depend on the order of the calls.
    items : iterable
        Tiles, bands or any other independent pieces of work.
    progress : callable, optional
        Called with the fraction of items done (0 to 1) from the calling
        thread. It may raise to cancel: items not yet started are dropped and
        the exception propagates.

    Returns
    -------
    list
        The results in the order of ``items``.

    Examples
    --------
    >>> parallel_map(lambda x: x * x, range(5))
    [0, 1, 4, 9, 16]
    """
    items = list(items)
    n = len(items)
    size = workers()
    if n < 2 or size < 2 or in_pool():
        results = []
        for i, item in enumerate(items):
            results.append(_run_task(func, item))
            report(progress, (i + 1) / n)
        return results
    pool = _get_pool(size)
    futures: list = []
    try:
        if progress is None:
            # Nobody can cancel: hand everything over at once, and wake once,
            # at the end or at the first failure.
            futures = [pool.submit(_run_task, func, item) for item in items]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                future.result()  # a task's exception reaches the caller now
        else:
            _feed(pool, func, items, futures, 2 * size, progress)
    except BaseException:
        for future in futures:
            future.cancel()
        wait(futures)  # running tiles end before the caller's arrays go away
        raise
    return [f.result() for f in futures]


def _feed(pool, func, items, futures: list, window: int, progress: Progress) -> None:
    """Run ``items`` on ``pool`` with at most ``window`` handed over at a time,
    topped up as they finish, reporting to ``progress`` as they do.

    Threads stay busy, and however late the caller gets to run, no more than
    the window has started by the time it reports: a cancel drops the rest.
    Appends every future it makes to ``futures``.
    """
    n = len(items)
    pending: set = set()
    finished = 0
    while True:
        while len(futures) < n and len(pending) < window:
            future = pool.submit(_run_task, func, items[len(futures)])
            futures.append(future)
            pending.add(future)
        if not pending:
            return
        # Wake at least every 0.1 s even while long tiles run, so the
        # listener's cancel check is heard and nothing more is queued.
        done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
        for future in done:
            future.result()  # a task's exception reaches the caller now
        finished += len(done)
        report(progress, finished / n)


def split(n: int, parts: int | None = None, *, minimum: int = 1) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges cutting ``range(n)`` into near-equal pieces.

    Parameters
    ----------
    n : int
        Length to cut (rows, usually).
    parts : int, optional
        How many pieces; by default 64 (fewer when ``n`` is small): several
        per thread on most machines, so a slow piece does not leave the
        others idle and progress moves in small steps. The default does not
        depend on the number of threads, so neither does any result computed
        piece by piece (a running sum restarted at each piece, say).
    minimum : int
        Smallest piece length.

    Examples
    --------
    >>> split(10, 3)
    [(0, 3), (3, 7), (7, 10)]
    >>> split(0)
    []
    """
    if n <= 0:
        return []
    if parts is None:
        parts = PIECES
    parts = max(1, min(int(parts), n // max(1, minimum)))
    edges = [round(i * n / parts) for i in range(parts + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
