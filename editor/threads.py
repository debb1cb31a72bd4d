"""How many threads the editor computes on: one setting for the whole process.

The processing library runs its tiles on one pool of threads
(:mod:`processing._parallel`), sized to the machine unless told otherwise.
This module is where the editor tells it: the Preferences' "Threads"
setting, the command line and the batch runner all go through
:func:`set_thread_count`.

BLAS, the linear-algebra library NumPy calls for matrix products, has a
thread pool of its own. Left alone, every one of our threads could start as
many BLAS threads as there are cores, and the machine would run cores
squared threads fighting for the same cores. Our tiles are already spread
over the cores, so each BLAS call should use one thread.

What can be done, and when:

- Before NumPy is first imported, the environment variables that BLAS
  libraries read at load time (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
  ``MKL_NUM_THREADS`` ...) set their pool size. :func:`pin_blas_threads`
  sets them (without overriding a value the user exported), and this module
  imports nothing that imports NumPy, so an entry point can call it first.
- After NumPy is imported, changing those variables does nothing: the BLAS
  library has read them already. Only a call into the loaded library (what
  the ``threadpoolctl`` package does) could resize its pool; the editor does
  not depend on that package, so :func:`pin_blas_threads` then only reports
  that it came too late. The processing library keeps its own matrix
  products small enough that OpenBLAS runs them on the calling thread
  anyway (see :mod:`processing.geometry`).
- Processes (a batch run over several files) each get their own pool; give
  each a share of the cores with :func:`threads_per_process` so that
  processes times threads stays at the number of cores.
"""
from __future__ import annotations

import numbers
import os
import sys

from processing._parallel import ENV_VAR, default_workers, set_workers, workers

__all__ = [
    "BLAS_ENV_VARS",
    "ENV_VAR",
    "set_thread_count",
    "thread_count",
    "pin_blas_threads",
    "threads_per_process",
]

#: Variables read by OpenBLAS, OpenMP runtimes, MKL, BLIS, Apple Accelerate
#: and numexpr when they load.
BLAS_ENV_VARS = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def _check_count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ValueError(f"the number of threads must be a whole number, got {n!r}")
    n = int(n)
    if n < 0:
        raise ValueError(f"the number of threads must be 0 (all cores) or more, got {n}")
    return n


def set_thread_count(n: int) -> int:
    """Compute on ``n`` threads from now on; 0 means all cores.

    With 0, the environment variable ``IMAGE_EDITOR_THREADS`` still applies
    if it is set (so a batch runner can give each process its share). Also
    keeps BLAS to one thread per call where that is still possible (see the
    module docstring). Work already running finishes on the threads it had.

    Returns
    -------
    int
        The number of threads now in use.

    Examples
    --------
    >>> set_thread_count(1)
    1
    >>> set_thread_count(0) >= 1
    True
    """
    n = _check_count(n)
    set_workers(None if n == 0 else n)
    pin_blas_threads()
    return workers()


def thread_count() -> int:
    """The number of threads processing runs on now.

    Examples
    --------
    >>> thread_count() >= 1
    True
    """
    return workers()


def pin_blas_threads(n: int = 1) -> bool:
    """Ask BLAS libraries for ``n`` threads per call, through the environment.

    A value the user already exported is kept. Returns whether it can still
    take effect, which is only before NumPy is imported (see the module
    docstring); afterwards the variables are still set, for any process
    started from this one.

    Examples
    --------
    >>> isinstance(pin_blas_threads(), bool)
    True
    """
    n = _check_count(n)
    for name in BLAS_ENV_VARS:
        os.environ.setdefault(name, str(max(1, n)))
    return "numpy" not in sys.modules


def threads_per_process(processes: int, cores: int | None = None) -> int:
    """Threads each of ``processes`` worker processes should use so that
    together they fill the cores without running more threads than cores.

    Examples
    --------
    >>> threads_per_process(4, cores=16)
    4
    >>> threads_per_process(8, cores=2)
    1
    """
    processes = _check_count(processes)
    cores = default_workers() if cores is None else _check_count(cores)
    return max(1, cores // max(1, processes))
