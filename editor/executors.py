"""Where batch work runs: in this process, in worker processes, or on a Dask cluster.

Each executor runs one top-level function over a list of items and yields
``(index, result)`` as each item finishes, in completion order. The
function never raises for a bad item (it returns its failure as a result);
what an executor reports instead of a result is a :class:`WorkerDied` (the
process running the item died: a crash, the out-of-memory killer) or the
exception the call raised.

The three share the same rules, so a recipe gives the same pixels on any:

- One item is one task: it carries file paths, never pixels; the worker
  reads, computes and writes, and sends back a small status. Nothing is
  kept across items, so a worker holds one image at a time.
- Workers share the cores instead of multiplying threads: N worker
  processes given C cores get C / N threads each in the processing pool,
  and BLAS libraries one thread each. A command's ``--jobs N`` gives a run
  N cores (:func:`local_executor`).
- When a worker process dies (a crash, the out-of-memory killer), the
  items it may have been running are run again one at a time; one that
  kills its worker while running alone is reported as failed, never
  retried forever. On Dask the scheduler does the same, up to its
  ``allowed-failures``.
- Stopping (Ctrl+C, or closing the generator) ends the workers promptly;
  :attr:`Executor.local` says whether they are surely gone afterwards (the
  caller may then remove what they left half-written).
"""
from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

from processing._parallel import ENV_VAR as THREADS_ENV_VAR
from processing._parallel import default_workers, set_workers, using_workers, workers

from ._allocator import ALLOCATOR_ENVIRON, freed_memory_kept, tuned_by_user
from .errors import EditorError
from .threads import threads_per_process

__all__ = [
    "ExecutorError",
    "WorkerDied",
    "Executor",
    "InProcess",
    "Processes",
    "Dask",
    "local_executor",
    "worker_environment",
    "run_in_processes",
]

Outcome = Iterator[tuple[int, Any]]


class ExecutorError(EditorError):
    """The executor itself cannot run (a missing package, an unreachable cluster)."""


class WorkerDied(Exception):
    """The process working on an item died; the item is not retried again."""

    def __init__(self, detail: str = ""):
        message = "the worker process died while working on this file (it crashed or ran out of memory)"
        super().__init__(f"{message}: {detail}" if detail else message)


# -- sharing the cores -----------------------------------------------------------------------
_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_environment(threads: int, environ=os.environ) -> dict[str, str]:
    """Environment variables for worker processes: the processing pool gets
    ``threads`` threads, and BLAS libraries one thread each unless the user
    set their own, so processes, pool threads and BLAS threads do not multiply;
    and the C allocator keeps freed memory for the next file (see
    ``editor._allocator``), unless the user tuned it themselves.

    Examples
    --------
    >>> worker_environment(2, environ={})["IMAGE_EDITOR_THREADS"]
    '2'
    >>> worker_environment(2, environ={"OMP_NUM_THREADS": "3"}).get("OMP_NUM_THREADS")
    >>> worker_environment(1, environ={})["MALLOC_ARENA_MAX"]
    '1'
    """
    env = {THREADS_ENV_VAR: str(threads)}
    env.update({name: "1" for name in _BLAS_VARS if name not in environ})
    if not tuned_by_user(environ):
        env.update(ALLOCATOR_ENVIRON)
    return env


@contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# -- executors ---------------------------------------------------------------------------------
class Executor:
    """Runs ``func(*shared, item)`` for each item; see the module's notes.

    Attributes
    ----------
    local : bool
        Its workers are surely stopped when :meth:`map` ends or is closed.
    """

    local = True

    def map(self, func: Callable, items: Sequence, shared: tuple = ()) -> Outcome:
        raise NotImplementedError


class InProcess(Executor):
    """Items one after the other in this process, each on ``threads`` pool
    threads (by default the pool as it is); the allocator keeps freed memory
    for the next item while they run.

    The function need not be picklable (a lambda, a partial holding the
    catalog), and a Ctrl+C reaches it directly.
    """

    def __init__(self, threads: int | None = None):
        if threads is not None and threads < 1:
            raise ValueError(f"the number of threads must be at least 1, got {threads}")
        self.threads = threads

    @contextmanager
    def session(self):
        """What :meth:`map` runs its items in, for a caller running its own
        loop (one that reports progress within an item): the pool's size and
        the allocator's settings, restored afterwards."""
        sized = using_workers(self.threads) if self.threads is not None else contextlib.nullcontext()
        with sized, freed_memory_kept():
            yield

    def map(self, func, items, shared=()):
        with self.session():
            for index, item in enumerate(items):
                try:
                    result = func(*shared, item)
                except Exception as exc:
                    result = exc
                yield index, result


_shared: tuple = ()


def _start_worker(threads: int, shared: tuple) -> None:
    global _shared
    # The parent decides when to stop: a Ctrl+C at the terminal reaches the
    # whole process group, and a worker must not answer it on its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_workers(threads)
    _shared = shared


def _call_in_worker(func, item):
    return func(*_shared, item)


class Processes(Executor):
    """Items in ``jobs`` worker processes, each with its share of ``cores``
    (by default the processing pool's size).

    Workers are started fresh ("spawn": no copy of this process's threads).
    BLAS reads its thread count when NumPy is imported, which happens before
    any initializer runs, so the parent's environment holds the workers'
    values while the pool lives (processes start as work is handed out).
    ``shared`` is sent once to each worker, not with every item.
    """

    local = True

    def __init__(self, jobs: int, cores: int | None = None):
        if jobs < 1:
            raise ValueError(f"the number of processes must be at least 1, got {jobs}")
        if cores is not None and cores < 1:
            raise ValueError(f"the number of cores must be at least 1, got {cores}")
        self.jobs = int(jobs)
        self.cores = cores

    def _pool(self, threads: int, shared: tuple) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            self.jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(threads, shared),
        )

    def map(self, func, items, shared=()):
        items = list(items)
        threads = threads_per_process(self.jobs, self.cores if self.cores is not None else workers())
        pending = deque(range(len(items)))
        suspects: deque[int] = deque()  # were running when a worker died
        with _environment(worker_environment(threads)):
            pool = self._pool(threads, shared)
            finished = False
            try:
                running: dict = {}
                while pending or suspects or running:
                    # One item per worker at a time, so the items running when a
                    # worker dies are known; a suspect then runs alone to find out.
                    if suspects:
                        if not running:
                            index = suspects.popleft()
                            running[pool.submit(_call_in_worker, func, items[index])] = index
                    else:
                        while pending and len(running) < self.jobs:
                            index = pending.popleft()
                            running[pool.submit(_call_in_worker, func, items[index])] = index
                    alone = len(running) == 1  # if its worker dies, it is the cause
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    broken = False
                    for future in done:
                        index = running.pop(future)
                        try:
                            yield index, future.result()
                        except BrokenProcessPool:
                            broken = True
                            if alone:
                                yield index, WorkerDied()
                            else:
                                suspects.append(index)
                        except Exception as exc:
                            yield index, exc
                    if broken:
                        # Every running item fails with the pool; sort them out, then start afresh.
                        for future in list(running):
                            index = running.pop(future)
                            try:
                                yield index, future.result()
                            except BrokenProcessPool:
                                suspects.append(index)
                            except Exception as exc:
                                yield index, exc
                        pool.shutdown(wait=True)
                        pool = self._pool(threads, shared)
                finished = True
            finally:
                if finished:
                    pool.shutdown(wait=True)
                else:  # interrupted, or the caller stopped reading
                    _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down, ending workers that are still busy (an interruption)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    # Before 3.14 the pool has no public way to end a running task: end its processes.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)
    pool.shutdown(wait=True)


def local_executor(jobs: int, items: int) -> Executor:
    """Where a command's ``--jobs`` runs ``items`` items on this machine:
    with ``jobs`` cores (at most the processing pool's size).

    Up to ``jobs`` items at once, each in a worker process on a core of its
    own; fewer items than that share the cores among them. One core, or a
    single item, runs in this process. So ``--jobs 1`` keeps to one core and
    leaves the rest of the machine free, and every added job adds a core.

    Examples
    --------
    >>> from processing._parallel import workers
    >>> local_executor(1, items=60).threads
    1
    >>> pool = local_executor(2, items=60)
    >>> pool.jobs, pool.cores == min(2, workers())
    (2, True)
    >>> local_executor(8, items=1).threads == min(8, workers())
    True
    """
    cores = min(jobs, workers())
    if jobs == 1 or items < 2:
        return InProcess(threads=cores)
    return Processes(min(jobs, items), cores=cores)


def run_in_processes(jobs: int, calls: Sequence[tuple[Callable, tuple]]) -> Outcome:
    """Run ``func(*args)`` for each of ``calls`` in ``jobs`` worker processes;
    yield ``(index, result)`` as each finishes (the result is the exception
    if the call raised, or a :class:`WorkerDied`)."""
    yield from Processes(jobs).map(_call, list(calls))


def _call(call):
    func, args = call
    return func(*args)


# -- Dask ----------------------------------------------------------------------------------
def _dask_task(func, shared, item):
    """Runs on a Dask worker: the pool gets this worker's share of the machine."""
    from distributed import get_worker

    try:
        slots = get_worker().state.nthreads
    except (ValueError, AttributeError):
        slots = 1
    set_workers(max(1, default_workers() // max(1, slots)))
    return func(*shared, item)


@contextmanager
def _logs_silenced(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def _sigint_ignored_by_children():
    """Processes started in this block ignore Ctrl+C, as the process pool's workers do.

    Ctrl+C at a terminal reaches the whole process group; Dask's workers would
    each print a traceback. An ignored signal is the one disposition a new
    process inherits, so it is set while the workers start; this process then
    handles Ctrl+C again and stops them. A Ctrl+C during those seconds is lost.
    """
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _dask_interrupt_race(record: logging.LogRecord) -> bool:
    """False for the NameError Dask 2026.8 logs when Ctrl+C lands in one of its
    blocking calls before the call's task exists (``sync``'s ``cancel``
    callback reads a variable not yet set); the interruption itself is
    handled by the command, so the user would see a traceback about nothing."""
    if not record.exc_info or not isinstance(record.exc_info[1], NameError):
        return True
    tb = record.exc_info[2]
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code if tb is not None else None
    return not (code is not None and code.co_name == "cancel" and "distributed" in code.co_filename)


class _QuietDaskLogs(logging.Filter):
    """Keeps from the user what Dask's event loop logs about a run being
    stopped: everything once ``stopping`` is set (results in flight fail as
    the workers are killed), and the interrupt race before it."""

    stopping = False

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.stopping and _dask_interrupt_race(record)


def _local_spawn_environ(configured: dict, environ=os.environ) -> dict[str, str]:
    """What a local Dask worker gets set before it starts (BLAS reads its own
    variables then): Dask's ``configured`` pre-spawn variables without its
    allocator settings, one thread each, and the batch workers' allocator
    unless the user tuned their own (which the worker then inherits).

    Dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` by default, to give
    memory back between tasks, so every large temporary array would be mapped
    and zero-filled afresh (see ``editor._allocator``).

    Examples
    --------
    >>> env = _local_spawn_environ({"MALLOC_TRIM_THRESHOLD_": "65536"}, environ={})
    >>> env["MALLOC_TRIM_THRESHOLD_"], env["OMP_NUM_THREADS"]
    ('2147483647', '1')
    >>> "MALLOC_TRIM_THRESHOLD_" in _local_spawn_environ({"MALLOC_TRIM_THRESHOLD_": "65536"},
    ...                                                  environ={"MALLOC_ARENA_MAX": "2"})
    False
    """
    env = {name: value for name, value in configured.items() if not name.startswith("MALLOC_")}
    # Only the user's allocator variables count here: the BLAS ones are always
    # one thread in a worker that runs one task at a time.
    mine = {name: value for name, value in environ.items() if name.startswith("MALLOC_")}
    env.update(worker_environment(1, environ=mine))
    return env


def _worker_sees(paths: Sequence[str]) -> str | None:
    """On a worker: the first of ``paths`` it cannot see, or None. Importing
    this module there also proves the editor is installed."""
    for path in paths:
        if not os.path.exists(path):
            return path
    return None


class Dask(Executor):
    """Items as tasks on a Dask distributed cluster.

    Without a scheduler address, a local cluster of ``workers`` processes
    (one per core by default) with one thread each is started and closed
    with the run, with BLAS at one thread and the processing pool at one
    thread per worker, so nothing oversubscribes the cores. With an
    address, the cluster's own workers run the tasks: they need this
    package installed, and the input and output paths must mean the same
    files on every worker (shared storage).

    A task whose worker dies is given back to the scheduler, which retries
    it on another worker; after ``allowed-failures`` deaths (a setting of
    the scheduler; 1 on the local cluster) the task fails with
    ``KilledWorker`` and is reported here as a :class:`WorkerDied`. The
    scheduler blames every task the dead worker held, so the local cluster
    hands a worker one task at a time (``worker-saturation`` 1.0).
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, paths: Sequence[str] = ()):
        self.scheduler = scheduler
        self.workers = workers
        self.paths = tuple(str(p) for p in paths)
        self.local = scheduler is None

    def _connect(self):
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the Dask executor needs the 'distributed' package; install it with "
                "pip install 'image-editor[distributed]'"
            ) from None
        if self.scheduler is not None:
            try:
                client = Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
            try:
                self._check_workers(client)
            except BaseException:
                client.close()
                raise
            return client, None
        n = self.workers or default_workers()
        spawn_environ = _local_spawn_environ(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
        settings = {
            # One task on a worker at a time: when a file kills its worker, no other
            # file queued there is blamed with it.
            "distributed.scheduler.worker-saturation": 1.0,
            "distributed.scheduler.allowed-failures": 1,
            "distributed.nanny.pre-spawn-environ": spawn_environ,
            # Nobody reads a run's statistical profile or dashboard; the profiler
            # would sample each worker's stack every 10 ms for nothing.
            "distributed.worker.profile.enabled": False,
        }
        with dask.config.set(settings), _sigint_ignored_by_children():
            cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        try:
            return Client(cluster), cluster
        except BaseException:
            cluster.close()
            raise

    def _check_workers(self, client) -> None:
        """Fail early, with a reason, when the cluster's workers cannot do the work."""
        try:
            client.wait_for_workers(1, timeout=60)
        except (TimeoutError, OSError):
            raise ExecutorError(f"the Dask scheduler at {self.scheduler} has no workers") from None
        try:
            seen = client.run(_worker_sees, self.paths)
        except Exception as exc:  # the function cannot even be unpickled there
            raise ExecutorError(
                f"the Dask workers cannot run the editor ({type(exc).__name__}: {exc}); "
                "install image-editor, the same version as here, on every worker"
            ) from None
        for worker, missing in sorted(seen.items()):
            if missing:
                raise ExecutorError(
                    f"the Dask worker {worker} does not see {missing}: the inputs and the output folder must "
                    "be on storage that every worker mounts at the same path"
                )

    def map(self, func, items, shared=()):
        items = list(items)
        quiet = _QuietDaskLogs()
        # Where Dask's event loop logs what fails in its callbacks.
        loggers = [logging.getLogger(name) for name in ("tornado.application", "asyncio")]
        for logger in loggers:
            logger.addFilter(quiet)
        try:
            yield from self._map(func, items, shared, quiet)
        finally:
            for logger in loggers:
                logger.removeFilter(quiet)

    def _map(self, func, items, shared, quiet: _QuietDaskLogs):
        from distributed import KilledWorker, as_completed

        client, cluster = self._connect()
        futures: dict = {}
        pids: dict = {}
        finished = False
        try:
            # Local workers are ended at once on an interruption: closing the cluster
            # would first let every running task finish.
            pids = client.run(os.getpid) if cluster is not None else {}
            # The recipe travels with each task (it is small: steps and options). Scattered
            # once instead, it would be lost with the workers holding it when a file
            # kills them, and every task after it would fail.
            for index, item in enumerate(items):
                future = client.submit(_dask_task, func, shared, item, pure=False, retries=0)
                futures[future] = index
            # Results come with their futures, gathered on Dask's own thread: this thread then
            # only waits on a condition, which Ctrl+C interrupts cleanly. Waiting in
            # future.result() instead, Ctrl+C can trip Dask into logging a traceback of its own.
            for future, outcome in as_completed(list(futures), with_results=True, raise_errors=False):
                index = futures.pop(future)
                if future.status == "error":
                    _, error, _ = outcome
                    result = WorkerDied() if isinstance(error, KilledWorker) else error
                else:
                    result = outcome
                future.release()  # nothing kept across files, here or on the cluster
                yield index, result
            finished = True
        finally:
            silenced = contextlib.ExitStack()
            if not finished:
                # Results in flight, the scheduler's complaints about the data of killed
                # workers: errors of the stopping, which mean nothing to the user.
                quiet.stopping = True
                silenced.enter_context(_logs_silenced("distributed"))
            if futures:
                client.cancel(list(futures), force=True)
            if not finished:
                for pid in pids.values():
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
            with silenced:
                try:
                    client.close()
                    if cluster is not None:
                        cluster.close()
                except Exception:
                    if finished:
                        raise
                    # Tearing down killed workers may time out; the interruption is what matters.

