"""The batch processes' allocator keeps freed memory for the next file."""
import ctypes
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from editor._allocator import ALLOCATOR_ENVIRON, freed_memory_kept
from editor.executors import InProcess

SIZE = 64 << 20  # above glibc's largest sliding mmap threshold (32 MB)


def _glibc() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        ctypes.CDLL(None).gnu_get_libc_version
    except AttributeError:
        return False
    return True


needs_glibc = pytest.mark.skipif(not _glibc(), reason="the allocator settings are glibc's")
untuned = pytest.mark.skipif(any(name.startswith("MALLOC_") for name in os.environ),
                             reason="this environment tunes the allocator itself")


def _faults_of_a_second_array() -> int:
    """Page faults taken by filling a big array allocated after an equal one was freed."""
    first = np.empty(SIZE, np.uint8)
    first.fill(1)
    del first
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    second = np.empty(SIZE, np.uint8)
    second.fill(2)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del second
    return faults


@needs_glibc
@untuned
def test_inside_the_block_a_freed_array_is_reused_without_page_faults():
    outside = _faults_of_a_second_array()
    with freed_memory_kept() as kept:
        assert kept
        inside = _faults_of_a_second_array()
    after = _faults_of_a_second_array()
    # Fresh pages fault once each (or once per huge page of 2 MB: 32 here).
    assert outside >= 16 and after >= 16
    assert inside < max(4, outside // 8)


@needs_glibc
def test_worker_processes_started_with_the_environment_reuse_freed_memory():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from tests.editor.test_allocator import _faults_of_a_second_array as f; print(f())"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {name: value for name, value in os.environ.items() if not name.startswith("MALLOC_")}
    plain = subprocess.run([sys.executable, "-c", code, root], env=env, capture_output=True, text=True, check=True)
    kept = subprocess.run([sys.executable, "-c", code, root], env={**env, **ALLOCATOR_ENVIRON},
                          capture_output=True, text=True, check=True)
    assert int(plain.stdout) >= 16
    assert int(kept.stdout) < max(4, int(plain.stdout) // 8)


@needs_glibc
@untuned
def test_a_run_in_this_process_keeps_memory_while_it_runs_and_not_after():
    seen = list(InProcess().map(lambda item: _faults_of_a_second_array(), [0, 1]))
    assert [index for index, _ in seen] == [0, 1]
    assert all(faults < 4 for _, faults in seen)
    assert _faults_of_a_second_array() >= 16


@needs_glibc
def test_the_users_own_allocator_settings_are_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with freed_memory_kept() as kept:
        assert not kept
        assert _faults_of_a_second_array() >= 16


def test_local_dask_workers_get_the_batch_allocator_unless_the_user_tuned_their_own():
    from editor.executors import _local_spawn_environ

    dask_default = {"MALLOC_TRIM_THRESHOLD_": "65536", "SOMETHING_ELSE": "x"}
    ours = _local_spawn_environ(dask_default, environ={})
    assert {name: ours[name] for name in ALLOCATOR_ENVIRON} == ALLOCATOR_ENVIRON
    assert ours["SOMETHING_ELSE"] == "x" and ours["OMP_NUM_THREADS"] == "1"
    theirs = _local_spawn_environ(dask_default, environ={"MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "4"})
    # Nothing overrides what the worker inherits from the user, and BLAS keeps one thread.
    assert not any(name.startswith("MALLOC_") for name in theirs)
    assert theirs["OMP_NUM_THREADS"] == "1"
