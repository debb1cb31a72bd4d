"""Slow operations report progress, stop when the callback raises, and give
the same pixels whatever the number of threads and whether anyone listens."""
import threading

import numpy as np
import pytest

from processing import _parallel, edges, filters, geometry, histogram, morphology, segmentation, threshold
from processing._parallel import parallel_map, set_workers
from tests.conftest import make_image

# Big enough that every operation splits its work into many pieces (the
# smallest threshold for that is 2^18 pixels), small enough to run quickly.
SHAPE = (512, 560)
SHARPEN5 = np.full((5, 5), -1.0 / 24)
SHARPEN5[2, 2] = 2.0


def _markers():
    markers = np.zeros(SHAPE, np.int32)
    markers[100, 100], markers[400, 450], markers[50, 500] = 1, 2, 3
    return markers


OPERATIONS = {
    # id: (function, positional arguments after the image, keywords, input)
    "gaussian_blur": (filters.gaussian_blur, (2.0,), {}, "rgb"),
    "gaussian_blur[fft]": (filters.gaussian_blur, (12.0,), {}, "rgb"),
    "box_blur": (filters.box_blur, (5,), {}, "rgb"),
    "median_filter": (filters.median_filter, (2,), {}, "rgb"),
    "unsharp_mask": (filters.unsharp_mask, (2.0, 1.0), {}, "rgb"),
    "bilateral_filter": (filters.bilateral_filter, (1.5, 0.1), {}, "rgb"),
    "convolve": (filters.convolve, (SHARPEN5,), {}, "rgb"),
    "canny": (edges.canny, (2.0, 0.1, 0.2), {}, "gray"),
    "equalize_histogram": (histogram.equalize_histogram, ("luminance",), {}, "rgb"),
    "equalize_histogram[per_channel]": (histogram.equalize_histogram, ("per_channel",), {}, "rgb"),
    "clahe": (histogram.clahe, (2.0, 8), {}, "rgb"),
    "threshold_adaptive[mean]": (threshold.threshold_adaptive, (31, 0.02, "mean"), {}, "gray"),
    "threshold_adaptive[gaussian]": (threshold.threshold_adaptive, (31, 0.02, "gaussian"), {}, "gray"),
    "erode": (morphology.erode, ("square", 2), {}, "rgb"),
    "dilate[disk]": (morphology.dilate, ("disk", 6), {}, "rgb"),
    "opening": (morphology.opening, ("disk", 3), {}, "rgb"),
    "closing": (morphology.closing, ("square", 3), {}, "rgb"),
    "gradient": (morphology.gradient, ("diamond", 2), {}, "rgb"),
    "top_hat": (morphology.top_hat, ("cross", 3), {}, "rgb"),
    "black_hat": (morphology.black_hat, ("disk", 2), {}, "binary"),
    "skeletonize": (morphology.skeletonize, (), {}, "binary"),
    "rotate": (geometry.rotate, (10.0,), {"interpolation": "bilinear"}, "rgb"),
    "rotate[bicubic, expand]": (geometry.rotate, (33.0,), {"interpolation": "bicubic", "expand": True}, "rgba"),
    "affine": (geometry.affine, (((0.98, 0.17, -20.0), (-0.17, 0.98, 35.0)),), {}, "rgb"),
    "perspective": (geometry.perspective, (((20, 30), (540, 10), (530, 500), (10, 480)),), {}, "rgb"),
    "resize[down]": (geometry.resize, (0.5,), {"interpolation": "bilinear"}, "rgb"),
    "resize[up]": (geometry.resize, (1.5,), {"interpolation": "bicubic"}, "rgb"),
    "translate": (geometry.translate, (10.5, -4.25), {}, "rgb"),
    "kmeans_colors": (segmentation.kmeans_colors, (6,), {"iterations": 5}, "rgb"),
    "kmeans_labels": (segmentation.kmeans_labels, (6,), {"iterations": 5}, "rgb"),
    "slic_superpixels": (segmentation.slic_superpixels, (100, 10.0), {"iterations": 4}, "rgb"),
    "region_highlight": (segmentation.region_highlight, ((280, 256), 0.2), {}, "rgb"),
    "components_overlay": (segmentation.components_overlay, (), {}, "gray"),
    "split_objects": (segmentation.split_objects, (), {"min_distance": 8}, "rgb"),
    "watershed_from_markers": (segmentation.watershed_from_markers, (_markers(),), {}, "gray"),
}


def _input(kind: str) -> np.ndarray:
    if kind == "binary":
        return make_image(SHAPE, seed=3) > 0.55
    channels = {"gray": (), "rgb": (3,), "rgba": (4,)}[kind]
    return make_image(SHAPE + channels, seed=11)


INPUTS = {kind: _input(kind) for kind in ("gray", "rgb", "rgba", "binary")}


def run(op_id, **kwargs):
    function, args, keywords, kind = OPERATIONS[op_id]
    return function(INPUTS[kind], *args, **keywords, **kwargs)


class Cancel(Exception):
    pass


@pytest.fixture(autouse=True)
def restore_workers():
    saved = _parallel._requested
    yield
    _parallel._requested = saved


@pytest.fixture
def task_counter(monkeypatch):
    """The tasks run through the pool (or inline through parallel_map)."""
    ran = []
    lock = threading.Lock()
    real = _parallel._run_task

    def counted(func, item):
        with lock:
            ran.append(item)
        return real(func, item)

    monkeypatch.setattr(_parallel, "_run_task", counted)
    return ran


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("op_id", OPERATIONS)
def test_progress_rises_and_ends_at_one(op_id, workers):
    set_workers(workers)
    seen = []
    run(op_id, progress=seen.append)
    assert seen[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert all(a <= b for a, b in zip(seen, seen[1:])), seen
    if workers == 1:
        # Every piece reports as it ends (on the pool, the caller may find
        # several done at once); the first report comes early, so a cancel
        # is heard early.
        assert len(seen) >= 3, seen
        assert seen[0] < 0.5


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("op_id", OPERATIONS)
def test_a_raising_callback_stops_the_operation(op_id, workers, task_counter):
    set_workers(workers)
    run(op_id, progress=lambda f: None)
    total = len(task_counter)
    task_counter.clear()
    calls = []

    def stop(fraction):
        calls.append(fraction)
        raise Cancel

    with pytest.raises(Cancel):
        run(op_id, progress=stop)
    assert len(calls) == 1  # nothing swallowed the exception and went on
    if total >= 8:  # tiled: only the tiles running at the first report finished
        assert len(task_counter) <= total // 2, (len(task_counter), total)


@pytest.mark.parametrize("op_id", OPERATIONS)
def test_same_pixels_on_one_or_two_threads_with_or_without_progress(op_id):
    set_workers(1)
    one = run(op_id)
    set_workers(2)
    two = run(op_id)
    listened = run(op_id, progress=lambda f: None)
    np.testing.assert_array_equal(two, one)
    np.testing.assert_array_equal(listened, one)
    assert two.dtype == one.dtype


@pytest.mark.parametrize("op_id", ["gaussian_blur", "median_filter", "clahe", "rotate", "slic_superpixels",
                                   "erode", "kmeans_colors"])
def test_operations_inside_pooled_tasks_do_not_deadlock(op_id):
    set_workers(2)
    expected = run(op_id)
    results = parallel_map(lambda _: run(op_id), range(3))
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_progress_is_reported_from_the_calling_thread():
    set_workers(2)
    threads = set()
    filters.bilateral_filter(INPUTS["rgb"], 1.5, 0.1, progress=lambda f: threads.add(threading.get_ident()))
    assert threads == {threading.get_ident()}
