"""RenderCache: honest byte accounting, the budget, and what it evicts first."""
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.render_cache import RenderCache, default_budget_bytes


def img(n_floats, value=0.0):
    return np.full(n_floats, value, np.float32)


def held_bytes(cache):
    """Bytes the cached arrays keep alive: each distinct underlying buffer once."""
    owners = {}
    for key in cache.keys():
        array = cache.get(key)
        base = array
        while isinstance(base, np.ndarray) and base.base is not None:
            base = base.base
        owners[id(base)] = base.nbytes if isinstance(base, np.ndarray) else array.nbytes
    return sum(owners.values())


def test_put_get_and_accounting():
    cache = RenderCache(budget_bytes=1000)
    a = img(10, 0.5)
    cache.put("a", a, cost=0.1)
    assert cache.get("a") is a and not a.flags.writeable
    assert cache.get("missing") is None
    assert (cache.hits, cache.misses, cache.nbytes, len(cache)) == (1, 1, 40, 1)
    cache.put("a", img(20), cost=0.1)  # replacing a key does not count it twice
    assert cache.nbytes == 80 and len(cache) == 1
    cache.clear()
    assert cache.nbytes == 0 and len(cache) == 0


def test_image_larger_than_the_budget_is_not_stored():
    cache = RenderCache(budget_bytes=100)
    cache.put("small", img(10), cost=1.0)
    cache.put("big", img(100), cost=1.0)
    assert "big" not in cache and "small" in cache and cache.nbytes == 40
    assert RenderCache(budget_bytes=0).nbytes == 0


def test_evicts_the_cheapest_to_recompute_first():
    cache = RenderCache(budget_bytes=120)
    cache.put("slow", img(10), cost=2.0)
    cache.put("cheap", img(10), cost=0.001)
    cache.put("medium", img(10), cost=0.5)
    cache.put("new", img(10), cost=0.5)  # one must go: the cheap one
    assert sorted(cache.keys()) == ["medium", "new", "slow"]
    cache.put("newer", img(10), cost=0.5)  # then the cheaper of the rest, the slow one stays
    assert "slow" in cache and cache.nbytes <= 120


def test_cost_is_per_byte_held():
    # Same time to recompute, but one is four times bigger: dropping it frees more per second lost.
    cache = RenderCache(budget_bytes=230)
    cache.put("large", img(40), cost=1.0)
    cache.put("small", img(10), cost=1.0)
    cache.put("new", img(10), cost=1.0)
    assert "large" not in cache and {"small", "new"} <= set(cache.keys())


def test_at_equal_cost_the_least_recently_used_goes():
    cache = RenderCache(budget_bytes=120)
    for key in "abc":
        cache.put(key, img(10), cost=1.0)
    cache.get("a")
    cache.put("d", img(10), cost=1.0)
    assert sorted(cache.keys()) == ["a", "c", "d"]


def test_the_entry_just_put_is_kept():
    cache = RenderCache(budget_bytes=50)
    cache.put("slow", img(10), cost=100.0)
    cache.put("cheap", img(10), cost=1e-6)  # over budget: the old, slow one goes, not the one just made
    assert cache.keys() == ["cheap"]


def test_shrinking_the_budget_evicts_at_once():
    cache = RenderCache(budget_bytes=1000)
    for i in range(10):
        cache.put(i, img(20), cost=i + 1)
    cache.budget_bytes = 250
    assert cache.nbytes <= 250 and len(cache) == 3
    assert sorted(cache.keys()) == [7, 8, 9]  # the most expensive survive


def test_default_budget():
    assert 0 < default_budget_bytes() <= 4 * 1024**3
    assert RenderCache().budget_bytes == default_budget_bytes()


def test_a_view_is_accounted_for_the_memory_it_keeps_alive():
    # An operation may return a view (a crop, a channel): the cache must not hold a
    # small view while the whole full-size buffer stays alive behind it.
    big = np.zeros((1000, 1000), np.float32)  # 4 MB
    crop = big[10:20, 10:20]  # 400 bytes, pins 4 MB
    cache = RenderCache(budget_bytes=10_000)
    cache.put("crop", crop, cost=1.0)
    assert cache.nbytes <= cache.budget_bytes
    assert held_bytes(cache) <= cache.budget_bytes
    np.testing.assert_array_equal(cache.get("crop"), crop)
    assert not cache.get("crop").flags.writeable


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 400),
    st.lists(st.tuples(st.integers(0, 12), st.integers(0, 40), st.floats(0, 10)), max_size=40),
)
def test_never_over_budget_and_accounting_is_exact(budget, puts):
    cache = RenderCache(budget_bytes=budget)
    for key, size, cost in puts:
        cache.put(key, img(size), cost=cost)
        assert cache.nbytes <= budget
        assert cache.nbytes == sum(cache.get(k).nbytes for k in cache.keys()) == held_bytes(cache)
        if size * 4 <= budget:
            assert key in cache  # what was just computed is available for the next step


def test_thread_safe_accounting():
    cache = RenderCache(budget_bytes=4000)
    errors = []

    def worker(offset):
        try:
            for i in range(300):
                cache.put((offset, i % 17), img(1 + (i * 7) % 30), cost=(i % 5) * 0.1)
                cache.get((1 - offset, i % 17))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache.nbytes == sum(cache.get(k).nbytes for k in cache.keys()) <= 4000


@pytest.mark.parametrize("cost", [0.0, -1.0])
def test_zero_or_negative_cost_is_the_cheapest(cost):
    cache = RenderCache(budget_bytes=80)
    cache.put("free", img(10), cost=cost)
    cache.put("paid", img(10), cost=0.001)
    cache.put("new", img(10), cost=0.001)
    assert "free" not in cache
