"""The memory guard's estimate of each operation is not below what the
operation really allocates: output plus working buffers, measured with
tracemalloc (NumPy reports its buffers to it) on an ordinary photo, with
the pool at two threads (per-thread scratch counts)."""
import tracemalloc

import numpy as np
import pytest

from editor.catalog import CATALOG
from processing._parallel import set_workers, workers
from tests.conftest import make_image

IMAGE = make_image((240, 320, 3), seed=21)


@pytest.fixture
def two_threads():
    before = workers()
    set_workers(2)
    yield
    set_workers(before)


@pytest.mark.parametrize("op", list(CATALOG), ids=lambda op: op.id)
def test_the_estimate_covers_what_the_operation_allocates(op, two_threads):
    bound = op.for_image(IMAGE.shape)
    values = bound.defaults()
    estimate = op.estimate_bytes(IMAGE.shape, values)
    tracing = tracemalloc.is_tracing()  # something else may trace already: measure from here
    if not tracing:
        tracemalloc.start()
    peaks = []
    try:
        for _ in range(2):  # tracing is global: the lower of two keeps out another thread's passing allocation
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            op.apply(IMAGE, values)
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        if not tracing:
            tracemalloc.stop()
    peak = min(peaks)
    assert peak <= estimate, (
        f"{op.id} allocated {peak / IMAGE.nbytes:.2f} images at its peak, the estimate says "
        f"{estimate / IMAGE.nbytes:.2f}: raise its working_buffers"
    )
