"""The package's one thread pool (processing._parallel)."""
import threading

import pytest

from processing import _parallel
from processing._parallel import (
    ENV_VAR,
    default_workers,
    in_pool,
    parallel_map,
    set_workers,
    split,
    using_workers,
    workers,
)


@pytest.fixture(autouse=True)
def restore_workers():
    saved = _parallel._requested
    yield
    _parallel._requested = saved


class Cancel(Exception):
    pass


# -- size ----------------------------------------------------------------------------
def test_environment_variable_sets_the_default(monkeypatch):
    set_workers(None)
    monkeypatch.setenv(ENV_VAR, "3")
    assert default_workers() == 3
    assert workers() == 3


@pytest.mark.parametrize("value", ["", "0", "-2", "many", "2.5"])
def test_unusable_environment_values_fall_back_to_the_cores(monkeypatch, value):
    set_workers(None)
    monkeypatch.setenv(ENV_VAR, value)
    assert default_workers() == _parallel._cores()


def test_set_workers_overrides_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "5")
    set_workers(2)
    assert workers() == 2
    set_workers(None)
    assert workers() == 5


@pytest.mark.parametrize("value, message", [
    (0, "must be >= 1, got 0"),
    (-3, "must be >= 1, got -3"),
    (2.5, "must be a whole number, got 2.5"),
    (True, "must be a whole number, got True"),
    ("4", "must be a whole number, got '4'"),
])
def test_set_workers_refuses_what_is_not_a_thread_count(value, message):
    set_workers(2)
    with pytest.raises(ValueError, match=message):
        set_workers(value)
    assert workers() == 2  # unchanged


def test_using_workers_sets_the_size_for_the_block_and_restores_what_was_set(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "5")
    set_workers(None)
    with using_workers(1):
        assert workers() == 1
    assert workers() == 5 and _parallel._requested is None  # still the default, not a copy of it
    set_workers(3)
    with pytest.raises(RuntimeError), using_workers(2):
        assert workers() == 2
        raise RuntimeError
    assert workers() == 3


def test_using_workers_refuses_a_bad_count_and_changes_nothing():
    set_workers(2)
    with pytest.raises(ValueError, match="must be >= 1"), using_workers(0):
        pass
    assert workers() == 2


# -- results -----------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 4])
def test_results_come_back_in_the_order_of_the_items(n):
    set_workers(n)
    # Early items wait for late ones, so on two or more threads they finish
    # out of order; the results must not.
    done = {i: threading.Event() for i in range(12)}

    def task(i):
        if n > 1 and i % 2 == 0 and i + 1 in done:
            done[i + 1].wait(timeout=5)
        done[i].set()
        return i * i

    assert parallel_map(task, range(12)) == [i * i for i in range(12)]


def test_empty_and_single_item():
    assert parallel_map(lambda x: x, []) == []
    seen = []
    assert parallel_map(lambda x: x + 1, [4], progress=seen.append) == [5]
    assert seen == [1.0]


@pytest.mark.parametrize("n", [1, 2])
def test_a_task_exception_reaches_the_caller(n):
    set_workers(n)

    def task(i):
        if i == 5:
            raise ZeroDivisionError(f"tile {i}")
        return i

    with pytest.raises(ZeroDivisionError, match="tile 5"):
        parallel_map(task, range(20))


@pytest.mark.parametrize("n", [1, 2])
def test_progress_rises_to_one(n):
    set_workers(n)
    seen = []
    parallel_map(lambda i: i, range(30), progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(a <= b for a, b in zip(seen, seen[1:]))
    assert all(0.0 <= f <= 1.0 for f in seen)


@pytest.mark.parametrize("n", [1, 2])
def test_cancel_drops_the_tasks_not_started(monkeypatch, n):
    set_workers(n)
    ran = []
    count_lock = threading.Lock()
    real = _parallel._run_task

    def counted(func, item):
        with count_lock:
            ran.append(item)
        return real(func, item)

    monkeypatch.setattr(_parallel, "_run_task", counted)
    release = threading.Event()

    def task(i):
        # Tasks after the first hold their thread a little, so the caller
        # cancels while they run; the wait has a bound, so nothing hangs.
        if i > 0:
            release.wait(timeout=0.5)
        return i

    def progress(fraction):
        raise Cancel

    with pytest.raises(Cancel):
        parallel_map(task, range(100), progress=progress)
    # The first report comes after the first task; by then at most two
    # tasks per thread have been handed to the pool, and no others start.
    assert 1 <= len(ran) <= 2 * n
    ran.clear()
    release.set()
    parallel_map(task, range(100))
    assert len(ran) == 100  # the pool is still usable afterwards


@pytest.mark.parametrize("n", [1, 2, 3])
def test_nested_calls_run_inline_without_deadlock(n):
    set_workers(n)
    inner_in_pool = []

    def outer(i):
        inner_in_pool.append(in_pool())
        return sum(parallel_map(lambda j: i * 10 + j, range(5)))

    result = parallel_map(outer, range(8))
    assert result == [sum(i * 10 + j for j in range(5)) for i in range(8)]
    assert not in_pool()  # the caller is not a pool thread
    if n > 1:
        assert all(inner_in_pool)


# -- split ---------------------------------------------------------------------------
@pytest.mark.parametrize("length", [0, 1, 7, 64, 65, 1000])
@pytest.mark.parametrize("parts", [None, 1, 3, 200])
def test_split_covers_the_range_once_in_order(length, parts):
    pieces = split(length, parts)
    covered = [i for a, b in pieces for i in range(a, b)]
    assert covered == list(range(length))
    assert all(b > a for a, b in pieces)
    if parts is not None:
        assert len(pieces) <= parts


def test_split_does_not_depend_on_the_thread_count():
    set_workers(1)
    one = split(3000)
    set_workers(7)
    assert split(3000) == one
    assert len(one) >= 16  # several pieces per thread on common machines


def test_split_minimum_piece_length():
    pieces = split(100, minimum=30)
    assert all(b - a >= 30 for a, b in pieces)
    assert pieces[0][0] == 0 and pieces[-1][1] == 100
