"""The editor's thread-count setting (editor.threads)."""
import os
import subprocess
import sys

import pytest

from editor import threads
from processing import _parallel


@pytest.fixture(autouse=True)
def restore_workers(monkeypatch):
    saved = _parallel._requested
    for name in threads.BLAS_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    yield
    _parallel._requested = saved


def test_a_count_sets_the_pool_and_zero_means_all_cores():
    assert threads.set_thread_count(3) == 3
    assert _parallel.workers() == 3
    assert threads.thread_count() == 3
    assert threads.set_thread_count(0) == _parallel._cores()


def test_zero_leaves_the_environment_variable_in_charge(monkeypatch):
    monkeypatch.setenv(threads.ENV_VAR, "2")
    threads.set_thread_count(5)
    assert threads.thread_count() == 5  # an explicit setting wins
    assert threads.set_thread_count(0) == 2


@pytest.mark.parametrize("value, message", [
    (-1, "0 \\(all cores\\) or more, got -1"),
    (1.5, "whole number, got 1.5"),
    (None, "whole number, got None"),
])
def test_invalid_counts_are_refused(value, message):
    threads.set_thread_count(2)
    with pytest.raises(ValueError, match=message):
        threads.set_thread_count(value)
    assert threads.thread_count() == 2


def test_blas_is_asked_for_one_thread_but_a_users_choice_is_kept(monkeypatch):
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    threads.set_thread_count(2)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "1"
    assert os.environ["MKL_NUM_THREADS"] == "3"
    assert threads.pin_blas_threads() is False  # NumPy is loaded in this process: too late


def test_the_module_can_pin_blas_before_numpy_loads():
    # In a fresh interpreter, importing editor.threads must not import NumPy,
    # so an entry point can pin BLAS before anything else loads it.
    code = ("import sys; import editor.threads as t; "
            "print(t.pin_blas_threads(), 'numpy' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in threads.BLAS_ENV_VARS}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split() == ["True", "False"]


@pytest.mark.parametrize("processes, cores, expected", [(1, 8, 8), (3, 8, 2), (8, 8, 1), (16, 4, 1), (0, 4, 4)])
def test_threads_per_process_fill_the_cores_without_exceeding_them(processes, cores, expected):
    assert threads.threads_per_process(processes, cores) == expected
