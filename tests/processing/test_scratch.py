"""Per-thread scratch arrays: reused per slot and thread, never shared between slots or threads."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from processing._scratch import scratch


def test_a_slot_gives_back_its_memory_in_any_shape_and_dtype():
    a = scratch("test-a", (8, 9), np.float32)
    again = scratch("test-a", (8, 9), np.float32)
    assert np.shares_memory(a, again)
    other_dtype = scratch("test-a", (4, 9), np.complex64)
    assert other_dtype.shape == (4, 9) and other_dtype.dtype == np.complex64
    assert np.shares_memory(a, other_dtype)


def test_slots_do_not_share_memory():
    a = scratch("test-a", (8, 9), np.float32)
    b = scratch("test-b", (8, 9), np.float32)
    assert not np.shares_memory(a, b)
    assert not np.shares_memory(scratch(("fft", "test-a"), (8, 9)), a)


def test_a_bigger_request_grows_the_slot_and_keeps_the_new_block():
    scratch("test-grow", (4,), np.float64)
    big = scratch("test-grow", (1 << 15,), np.float64)
    assert big.shape == (1 << 15,)
    big[:] = 1.0  # writable through its whole length
    assert np.shares_memory(scratch("test-grow", (1 << 15,), np.float64), big)


def test_requests_over_the_limit_are_fresh_arrays():
    a = scratch("test-big", (1000,), np.float32, keep_bytes=1000)
    b = scratch("test-big", (1000,), np.float32, keep_bytes=1000)
    assert not np.shares_memory(a, b)


def test_threads_do_not_share_a_slot():
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(scratch, "test-thread", (64,)).result()
        # Each thread keeps its own block: one made in this thread is another.
        mine = scratch("test-thread", (64,))
    assert not np.shares_memory(first, mine)
