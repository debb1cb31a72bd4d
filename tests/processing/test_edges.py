from collections import deque
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing import edges
from processing.edges import canny, laplacian, prewitt, scharr, sobel
from tests.conftest import make_image

KERNELS = {  # correlation kernels for d/dx, written out by hand
    "sobel": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float64),
    "prewitt": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], np.float64),
    "scharr": np.array([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]], np.float64),
}
FUNCTIONS = {"sobel": sobel, "prewitt": prewitt, "scharr": scharr}


def correlate3(plane, kernel):
    """Direct 3x3 correlation, reflect border (edge pixel repeated), float64."""
    padded = np.pad(plane.astype(np.float64), 1, mode="symmetric")
    out = np.zeros(plane.shape, np.float64)
    for y in range(plane.shape[0]):
        for x in range(plane.shape[1]):
            out[y, x] = np.sum(kernel * padded[y : y + 3, x : x + 3])
    return out


def max_magnitude(kernel):
    """Largest gradient magnitude over all 512 binary 3x3 patches."""
    best = 0.0
    for bits in product((0.0, 1.0), repeat=9):
        patch = np.array(bits).reshape(3, 3)
        best = max(best, float(np.hypot(np.sum(kernel * patch), np.sum(kernel.T * patch))))
    return best


def planes(image):
    return [image] if image.ndim == 2 else [image[..., c] for c in range(min(3, image.shape[2]))]


# --------------------------------------------------------------------------
# Gradient operators
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_gradient_magnitude_matches_direct(any_image, name):
    k = KERNELS[name]
    norm = max_magnitude(k)
    out = FUNCTIONS[name](any_image)
    for got, plane in zip(planes(out), planes(any_image)):
        expected = np.hypot(correlate3(plane, k), correlate3(plane, k.T)) / norm
        np.testing.assert_allclose(got, expected, atol=2e-6)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


@pytest.mark.parametrize("name", sorted(KERNELS))
@pytest.mark.parametrize("direction", ["x", "y"])
@pytest.mark.parametrize("signed", [False, True])
def test_one_direction_matches_direct(name, direction, signed):
    image = make_image((11, 14, 3), seed=4)
    k = KERNELS[name] if direction == "x" else KERNELS[name].T
    top = np.abs(k).sum() / 2  # the positive weights: a 0 -> 1 step
    out = FUNCTIONS[name](image, direction, signed=signed)
    for got, plane in zip(planes(out), planes(image)):
        g = correlate3(plane, k)
        expected = 0.5 + g / (2 * top) if signed else np.abs(g) / top
        np.testing.assert_allclose(got, expected, atol=2e-6)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_gradient_normalisation_reaches_one_and_step_gives_documented_value(name):
    k = KERNELS[name]
    norm = max_magnitude(k)
    np.testing.assert_allclose(edges._MAX_MAGNITUDE[name], norm)
    # The maximising binary patch, tiled so the reflect border keeps it, gives 1.
    for bits in product((0.0, 1.0), repeat=9):
        patch = np.array(bits).reshape(3, 3)
        if np.isclose(np.hypot(np.sum(k * patch), np.sum(k.T * patch)), norm):
            break
    image = np.zeros((5, 5), np.float32)
    image[1:4, 1:4] = patch
    assert FUNCTIONS[name](image)[2, 2] == pytest.approx(1.0, abs=1e-6)
    step = np.zeros((4, 6), np.float32)
    step[:, 3:] = 1
    top = np.abs(k).sum() / 2
    np.testing.assert_allclose(FUNCTIONS[name](step)[:, 2:4], top / norm, atol=1e-6)


def test_flat_image_has_no_edges_even_at_the_border(any_image):
    flat = np.full(any_image.shape, 0.6, np.float32)
    for f in (sobel, prewitt, scharr, laplacian):
        assert np.abs(planes(f(flat))[0]).max() < 1e-6
    assert canny(flat).max() == 0


@pytest.mark.parametrize("bad", ["z", "xy", None])
def test_gradient_rejects_bad_direction(bad):
    with pytest.raises(ValueError, match="direction"):
        sobel(np.zeros((4, 4), np.float32), bad)


# --------------------------------------------------------------------------
# Laplacian
# --------------------------------------------------------------------------


@pytest.mark.parametrize("signed", [False, True])
def test_laplacian_matches_direct(any_image, signed):
    k = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float64)
    out = laplacian(any_image, signed=signed)
    for got, plane in zip(planes(out), planes(any_image)):
        lap = correlate3(plane, k)
        expected = 0.5 + lap / 8 if signed else np.abs(lap) / 4
        np.testing.assert_allclose(got, expected, atol=2e-6)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_edges_on_the_thread_pool(monkeypatch):
    from processing import _tiles, filters
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((60, 9, 3), seed=6)  # several bands of rows
    k = KERNELS["sobel"]
    for got, plane in zip(planes(sobel(image)), planes(image)):
        expected = np.hypot(correlate3(plane, k), correlate3(plane, k.T)) / max_magnitude(k)
        np.testing.assert_allclose(got, expected, atol=2e-6)


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    name=st.sampled_from(["sobel", "prewitt", "scharr", "laplacian"]),
    direction=st.sampled_from(["both", "x", "y"]),
    signed=st.booleans(),
)
def test_edge_filter_properties(image, name, direction, signed):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    if name == "laplacian":
        out = laplacian(image, signed=signed)
    else:
        out = FUNCTIONS[name](image, direction, signed=signed)
    assert out.shape == image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


# --------------------------------------------------------------------------
# Canny
# --------------------------------------------------------------------------


def reference_canny(gray, low, high):
    """Canny without smoothing, step by step with loops, float64.

    Sobel gradients / 4; the direction quantised by its angle; a pixel stays if
    its magnitude is > the neighbour behind and >= the one ahead (positions as
    documented); hysteresis by breadth-first search from the strong pixels.
    """
    k = KERNELS["sobel"]
    gx, gy = correlate3(gray, k), correlate3(gray, k.T)
    mag = np.hypot(gx, gy) / 4
    h, w = gray.shape
    padded = np.pad(mag, 1, mode="symmetric")
    keep = np.zeros((h, w), bool)
    for y in range(h):
        for x in range(w):
            angle = np.degrees(np.arctan2(gy[y, x], gx[y, x])) % 180
            if angle < 22.5 or angle >= 157.5:
                behind, ahead = (0, -1), (0, 1)
            elif angle < 67.5:  # down-right in image coordinates (y down)
                behind, ahead = (-1, -1), (1, 1)
            elif angle < 112.5:
                behind, ahead = (-1, 0), (1, 0)
            else:
                behind, ahead = (1, -1), (-1, 1)
            m = mag[y, x]
            keep[y, x] = (
                m > padded[y + 1 + behind[0], x + 1 + behind[1]]
                and m >= padded[y + 1 + ahead[0], x + 1 + ahead[1]]
                and m >= low
            )
    out = np.zeros((h, w), np.float32)
    queue = deque((y, x) for y in range(h) for x in range(w) if keep[y, x] and mag[y, x] >= high)
    for y, x in queue:
        out[y, x] = 1
    while queue:
        y, x = queue.popleft()
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                v, u = y + dy, x + dx
                if 0 <= v < h and 0 <= u < w and keep[v, u] and not out[v, u]:
                    out[v, u] = 1
                    queue.append((v, u))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_canny_matches_reference(seed):
    # Values in steps of 1/8 keep every gradient exact, so no comparison in the
    # two implementations can round differently.
    image = np.round(make_image((24, 31), seed=seed, readonly=False) * 8) / 8
    low, high = 0.1013, 0.2507
    np.testing.assert_array_equal(canny(image, sigma=0, low=low, high=high), reference_canny(image, low, high))


def test_canny_finds_the_outline_of_a_square():
    image = np.zeros((40, 40, 4), np.float32)
    image[..., 3] = 1
    image[10:30, 12:28, :3] = 0.9
    out = canny(image, sigma=1.5, low=0.1, high=0.2)
    assert out.shape == (40, 40) and out.dtype == np.float32
    assert set(np.unique(out).tolist()) == {0.0, 1.0}
    ys, xs = np.nonzero(out)
    # Every edge pixel lies within one pixel of the square's boundary ...
    dist = np.minimum.reduce([np.abs(ys - 9.5), np.abs(ys - 29.5), np.abs(xs - 11.5), np.abs(xs - 27.5)])
    assert dist.max() <= 1.5
    # ... and the outline is closed and thin: about one pixel per boundary step.
    assert 2 * (20 + 16) - 8 <= out.sum() <= 2 * (20 + 16) + 8


def test_canny_hysteresis_keeps_weak_edges_connected_to_strong_ones():
    image = np.zeros((20, 30), np.float32)
    image[:, 15:] = np.linspace(0.3, 0.9, 20)[:, None]  # an edge weak at the top, strong below
    out = canny(image, sigma=1.0, low=0.05, high=0.5)
    # Top rows are weak (step 0.3) yet kept: they are chained to the strong bottom.
    assert out[:, 13:17].sum(axis=1).min() >= 1
    isolated = np.zeros((20, 30), np.float32)
    isolated[:, 15:] = 0.3  # the same weak edge alone
    assert canny(isolated, sigma=1.0, low=0.05, high=0.5).max() == 0
    assert canny(isolated, sigma=1.0, low=0.05, high=0.1).max() == 1


def test_components_match_breadth_first_labelling():
    rng = np.random.default_rng(3)
    mask = rng.random((30, 40)) < 0.45
    flat, label = edges._components(mask)
    h, w = mask.shape
    seen = -np.ones((h, w), int)
    count = 0
    for y0, x0 in zip(*np.nonzero(mask)):
        if seen[y0, x0] >= 0:
            continue
        queue = deque([(y0, x0)])
        seen[y0, x0] = count
        while queue:
            y, x = queue.popleft()
            for dy, dx in product((-1, 0, 1), repeat=2):
                v, u = y + dy, x + dx
                if 0 <= v < h and 0 <= u < w and mask[v, u] and seen[v, u] < 0:
                    seen[v, u] = count
                    queue.append((v, u))
        count += 1
    expected = seen.ravel()[flat]
    # Same partition: labels map one to one.
    pairs = set(zip(label.tolist(), expected.tolist()))
    assert len(pairs) == len(set(label.tolist())) == count


@pytest.mark.parametrize("params,match", [
    (dict(sigma=-1), "sigma"), (dict(low=-0.1), "low"), (dict(low=0.5, high=0.2), "low"), (dict(high=float("nan")), "high"),
])
def test_canny_rejects_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        canny(np.zeros((4, 4), np.float32), **params)


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    sigma=st.floats(0, 3), low=st.floats(0, 0.5), extra=st.floats(0, 0.5),
)
def test_canny_properties(image, sigma, low, extra):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = canny(image, sigma, low, low + extra)
    assert out.shape == image.shape[:2] and out.dtype == np.float32
    assert set(np.unique(out).tolist()) <= {0.0, 1.0}
