"""The slow restorers poll their progress callback often enough to stop within
half a second on a 12 MP photo, and stop when it raises.

Not timed: the polls are counted against the work done between them. The
budgets below are work a busy core gets through in well under 0.25 s
(tests/benchmarks/restoration_bench.py measures the real latency on 12 MP).
"""
import numpy as np
import pytest

from processing import _parallel
from processing import restoration as R
from processing._parallel import set_workers
from processing.noise import add_noise
from tests.conftest import make_image

# Pixel-offset pairs of non-local means between polls (each pair is about
# 25 array operations on one pixel's three channels).
NLM_BUDGET = 1 << 20
# Pixel-iterations of one plane for total variation and Richardson-Lucy.
ITERATION_BUDGET = 1 << 19
# Pixels of one plane per Wiener FFT tile (1024 x 1024, the largest FFT run at once).
TILE_BUDGET = 1 << 20
# Hole pixels times neighbour offsets per Telea step.
TELEA_BUDGET = (1 << 15) * 81


class Cancel(Exception):
    pass


@pytest.fixture(autouse=True)
def one_worker():
    saved = _parallel._requested
    set_workers(1)  # polls then come after every piece: a deterministic count
    yield
    _parallel._requested = saved


def _count(call):
    polls = []
    call(polls.append)
    assert polls and polls[-1] == 1.0
    assert all(a <= b for a, b in zip(polls, polls[1:]))
    return len(polls)


IMAGE = add_noise(make_image((200, 230, 3), seed=1), "gaussian", 0.05, seed=2)
PIXELS = 200 * 230


@pytest.mark.parametrize("radius", [2, 6])
def test_nl_means_polls_per_offset_work(radius):
    polls = _count(lambda p: R.denoise_nl_means(IMAGE, 0.05, 5, radius, progress=p))
    pairs = 2 * radius * radius + 2 * radius
    assert polls >= PIXELS * pairs / NLM_BUDGET


@pytest.mark.parametrize("iterations", [3, 12])
def test_tv_polls_every_iteration(iterations):
    polls = _count(lambda p: R.denoise_tv(IMAGE, 0.1, iterations, eps=0.0, progress=p))
    assert polls >= 3 * (2 * iterations - 1)  # both steps of each iteration (the first has one), each channel
    assert polls >= 3 * PIXELS * iterations / ITERATION_BUDGET


@pytest.mark.parametrize("iterations", [2, 9])
def test_richardson_lucy_polls_every_half_iteration(iterations):
    polls = _count(lambda p: R.deconvolve_richardson_lucy(IMAGE, R.psf_disk(2), iterations, progress=p))
    assert polls >= 2 * iterations


def test_wiener_polls_per_tile(monkeypatch):
    from processing import _fft
    polls = _count(lambda p: R.deconvolve_wiener(IMAGE, R.psf_gaussian(1.5), 0.01, progress=p))
    assert polls >= 3 * max(1, PIXELS // TILE_BUDGET)
    # Scaled down as a 12 MP photo meets 1024 x 1024 tiles: a 600 x 700 image
    # and 64-pixel tiles (grown to four margins, 42 pixels each for this PSF).
    monkeypatch.setattr(_fft, "_FFT_SIDE", 64)
    gray = make_image((600, 700), seed=3)
    psf = R.psf_gaussian(1.5)
    side = 4 * R._wiener_margin(psf)
    tiles = _count(lambda p: R.deconvolve_wiener(gray, psf, 0.01, progress=p))
    assert tiles >= 600 * 700 / (side * side)  # at most one tile's FFT between two polls
    np.testing.assert_allclose(R.deconvolve_wiener(gray, psf, 0.01), _untiled(gray, psf), atol=0.01)


def _untiled(gray, psf):
    from processing import _fft
    saved = _fft._FFT_SIDE
    _fft._FFT_SIDE = 4096
    try:
        return R.deconvolve_wiener(gray, psf, 0.01)
    finally:
        _fft._FFT_SIDE = saved


@pytest.mark.parametrize("method", R.INPAINT_METHODS)
def test_inpaint_polls_per_layer_or_sweep(method, monkeypatch):
    from processing import _inpaint
    monkeypatch.setattr(_inpaint, "_CHUNK", 256)  # small pieces, as a huge hole has many
    hole = np.zeros(IMAGE.shape[:2], bool)
    hole[40:160, 50:190] = True
    polls = _count(lambda p: R.inpaint(IMAGE, hole, method, progress=p))
    if method == "telea":
        layers = 60  # the hole is 120 x 140: peeled in 60 layers from its edge
        assert polls >= layers
        assert polls >= hole.sum() * 81 / (256 * 81)
    else:
        assert polls >= _inpaint._SWEEPS_FINEST
        assert polls >= hole.sum() / (4 * 256)


@pytest.mark.parametrize("call", [
    lambda p: R.denoise_nl_means(IMAGE, 0.0, 5, 4, progress=p),
    lambda p: R.denoise_tv(IMAGE, 0.0, progress=p),
    lambda p: R.deconvolve_wiener(IMAGE, R.psf_motion(7, 10), 0.01, progress=p),
    lambda p: R.deconvolve_richardson_lucy(IMAGE, R.psf_disk(3), 10, progress=p),
    lambda p: R.inpaint(IMAGE, IMAGE[..., 0] > 0.7, "telea", progress=p),
    lambda p: R.inpaint(IMAGE, IMAGE[..., 0] > 0.7, "harmonic", progress=p),
], ids=["nl_means", "tv", "wiener", "richardson_lucy", "telea", "harmonic"])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_raising_callback_stops_it(call, workers):
    set_workers(workers)
    calls = []

    def stop(fraction):
        calls.append(fraction)
        raise Cancel

    with pytest.raises(Cancel):
        call(stop)
    assert len(calls) == 1  # nothing swallowed the exception and went on
    if workers == 1:  # on the pool, short pieces may all end before the first report
        assert calls[0] < 1.0  # heard before the work was done
