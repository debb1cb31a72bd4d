import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from processing.tone import brightness_contrast
from tests.conftest import make_image


def reference_bc(x, brightness, contrast):
    slope = min(math.tan((contrast + 1) * math.pi / 4), 1e4)
    return min(1.0, max(0.0, (x - 0.5) * slope + 0.5 + brightness))


@pytest.mark.parametrize("b,c", [(0, 0), (0.2, 0), (-0.3, 0.5), (0.1, -0.7), (0, 1), (0, -1)])
def test_brightness_contrast_formula(any_image, b, c):
    out = brightness_contrast(any_image, b, c)
    color = any_image[..., :3] if any_image.ndim == 3 and any_image.shape[2] == 4 else any_image
    expected = np.vectorize(lambda v: reference_bc(float(v), b, c))(color)
    got = out[..., :3] if out.ndim == 3 and out.shape[2] == 4 else out
    np.testing.assert_allclose(got, expected, atol=1e-5)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_neutral_is_identity(any_image):
    np.testing.assert_allclose(brightness_contrast(any_image), any_image, atol=1e-7)


@pytest.mark.parametrize("kwargs,match", [({"brightness": 2}, "brightness"), ({"contrast": -1.5}, "contrast")])
def test_rejects_out_of_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        brightness_contrast(np.zeros((2, 2), np.float32), **kwargs)


@settings(max_examples=40, deadline=None)
@given(b=st.floats(-1, 1), c=st.floats(-1, 1), seed=st.integers(0, 100))
def test_properties(b, c, seed):
    image = make_image((5, 6, 3), seed=seed)
    out = brightness_contrast(image, b, c)
    assert out.dtype == np.float32 and out.shape == image.shape
    assert out.min() >= 0 and out.max() <= 1


# --------------------------------------------------------------------------
# Shared helpers and the other tone operations
# --------------------------------------------------------------------------

from processing import _bands, tone  # noqa: E402
from processing.tone import (  # noqa: E402
    curves,
    exposure,
    gamma,
    invert,
    levels,
    pchip_slopes,
    posterize,
    solarize,
)


def _color(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def per_value(image, f):
    """Apply a scalar reference function to every colour value, in float64, one at a time."""
    color = _color(image).astype(np.float64)
    out = np.empty_like(color)
    for index, value in np.ndenumerate(color):
        out[index] = f(float(value))
    return out


def check_against(image, out, f, atol=1e-6):
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_allclose(_color(out), per_value(image, f), atol=atol)
    if image.ndim == 3 and image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])


@pytest.mark.parametrize("g", [0.1, 0.45, 1.0, 2.2, 10.0])
def test_gamma_formula(any_image, g):
    check_against(any_image, gamma(any_image, g), lambda v: min(1.0, max(0.0, v)) ** (1.0 / g))


def test_gamma_keeps_black_and_white_exactly():
    image = np.array([[0.0, 1.0, 0.0]], np.float32)
    for g in (0.1, 0.5, 2.2, 10.0):
        np.testing.assert_array_equal(gamma(image, g), image)


@pytest.mark.parametrize("black,white,mid", [(0, 1, 1), (0.1, 0.9, 1), (0.2, 0.6, 2.0), (0.0, 0.5, 0.4), (0.3, 0.31, 1.5)])
def test_levels_formula(any_image, black, white, mid):
    # The black point is carried as a float32 (as the pixels are): a range
    # 0.01 wide magnifies its 1e-8 rounding a hundredfold.
    b32 = float(np.float32(black))

    def ref(v):
        t = min(1.0, max(0.0, (v - b32) / (white - black)))
        return t ** (1.0 / mid)

    check_against(any_image, levels(any_image, black, white, mid), ref, atol=1e-6)


@pytest.mark.parametrize("stops", [-3, -0.5, 0, 0.7, 2])
def test_exposure_formula(any_image, stops):
    check_against(any_image, exposure(any_image, stops), lambda v: min(1.0, v * 2.0 ** stops))


def test_invert_formula_and_involution(any_image):
    out = invert(any_image)
    check_against(any_image, out, lambda v: 1.0 - v, atol=3e-8)
    np.testing.assert_allclose(invert(out), any_image, rtol=0, atol=6e-8)


@pytest.mark.parametrize("n", [2, 3, 5, 16, 256])
def test_posterize_formula(any_image, n):
    out = posterize(any_image, n)
    check_against(any_image, out, lambda v: math.floor(v * (n - 1) + 0.5) / (n - 1), atol=1e-7)
    assert len(np.unique(_color(out))) <= n


def test_posterize_256_keeps_8bit_values():
    image = (np.arange(256, dtype=np.float32) / 255).reshape(16, 16)
    np.testing.assert_array_equal(posterize(image, 256), image)


@pytest.mark.parametrize("t", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_solarize_formula(any_image, t):
    check_against(any_image, solarize(any_image, t), lambda v: 1.0 - v if v > t else v)


def test_solarize_threshold_one_is_identity(any_image):
    np.testing.assert_array_equal(solarize(any_image, 1.0), any_image)


# --------------------------------------------------------------------------
# Curves: a monotone cubic (PCHIP) checked against a loop implementation
# --------------------------------------------------------------------------


def _sign(v):
    return int(v > 0) - int(v < 0)


def reference_slopes(x, y):
    """Fritsch-Carlson/Butland PCHIP derivatives, written out point by point."""
    n = len(x)
    h = [x[i + 1] - x[i] for i in range(n - 1)]
    delta = [(y[i + 1] - y[i]) / h[i] for i in range(n - 1)]
    if n == 2:
        return [delta[0], delta[0]]
    d = [0.0] * n
    for k in range(1, n - 1):
        if delta[k - 1] == 0 or delta[k] == 0 or _sign(delta[k - 1]) != _sign(delta[k]):
            d[k] = 0.0
        else:
            w1 = 2 * h[k] + h[k - 1]
            w2 = h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])

    def end(h0, h1, m0, m1):
        s = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if _sign(s) != _sign(m0):
            return 0.0
        if _sign(m0) != _sign(m1) and abs(s) > 3 * abs(m0):
            return 3 * m0
        return s

    d[0] = end(h[0], h[1], delta[0], delta[1])
    d[-1] = end(h[-1], h[-2], delta[-1], delta[-2])
    return d


def reference_curve(points):
    """The cubic Hermite interpolant itself, evaluated directly (no table)."""
    x = [p[0] for p in points]
    y = [p[1] for p in points]
    d = reference_slopes(x, y)

    def f(v):
        if v <= x[0]:
            return y[0]
        if v >= x[-1]:
            return y[-1]
        k = max(i for i in range(len(x) - 1) if x[i] <= v)
        hk = x[k + 1] - x[k]
        t = (v - x[k]) / hk
        return ((2 * t**3 - 3 * t**2 + 1) * y[k] + (t**3 - 2 * t**2 + t) * hk * d[k]
                + (-2 * t**3 + 3 * t**2) * y[k + 1] + (t**3 - t**2) * hk * d[k + 1])

    return f


CURVES = [
    ((0.0, 0.0), (1.0, 1.0)),
    ((0.0, 1.0), (1.0, 0.0)),
    ((0.0, 0.0), (0.25, 0.15), (0.75, 0.85), (1.0, 1.0)),  # S curve
    ((0.0, 0.1), (0.5, 0.9), (1.0, 0.2)),  # non-monotone data: a peak
    ((0.2, 0.0), (0.4, 0.4), (0.41, 0.6), (0.8, 1.0)),  # steep, flat outside [0.2, 0.8]
    ((0.0, 0.0), (0.3, 0.5), (0.6, 0.5), (1.0, 1.0)),  # a plateau
]


@pytest.mark.parametrize("points", CURVES)
def test_pchip_slopes_match_loop_reference(points):
    x, y = zip(*points)
    np.testing.assert_allclose(pchip_slopes(x, y), reference_slopes(list(x), list(y)), rtol=1e-12, atol=1e-12)


def test_pchip_slopes_match_scipy_when_installed():
    interpolate = pytest.importorskip("scipy.interpolate")
    rng = np.random.default_rng(4)
    for _ in range(20):
        x = np.sort(rng.choice(np.linspace(0, 1, 101), size=rng.integers(3, 8), replace=False))
        y = rng.random(len(x))
        expected = interpolate.PchipInterpolator(x, y).derivative()(x)
        np.testing.assert_allclose(pchip_slopes(x, y), expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("points", CURVES)
def test_curves_match_direct_hermite(any_image, points):
    check_against(any_image, curves(any_image, points), reference_curve(points), atol=1e-6)


def test_curves_default_is_identity(any_image):
    np.testing.assert_allclose(curves(any_image), any_image, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_curves_monotone_data_give_a_monotone_curve_through_the_points(data):
    n = data.draw(st.integers(2, 7))
    gaps = data.draw(st.lists(st.floats(0.02, 1.0), min_size=n - 1, max_size=n - 1))
    start = data.draw(st.floats(0, 0.2))
    xs = start + np.cumsum([0.0] + gaps) / sum(gaps) * (1 - start) * data.draw(st.floats(0.5, 1.0))
    ys = np.sort(data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    points = tuple((float(a), float(b)) for a, b in zip(xs, ys))
    ramp = np.linspace(0, 1, 2001, dtype=np.float32)[None, :]
    out = curves(ramp, points)[0].astype(np.float64)
    assert np.all(np.diff(out) >= -1e-6)  # rises where the points rise
    assert out.min() >= ys.min() - 1e-6 and out.max() <= ys.max() + 1e-6  # no overshoot
    # float32 positions carry a relative error of 6e-8, which the curve's
    # slope magnifies: allow for it on steep curves. A PCHIP is never
    # steeper than 3 times its steepest secant.
    steepest = 3 * max(abs(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(points, points[1:]))
    at_knots = curves(np.array([xs], np.float32), points)[0]
    np.testing.assert_allclose(at_knots, ys, atol=2e-6 + 6e-8 * steepest)
    f = reference_curve(points)
    np.testing.assert_allclose(out, [f(float(v)) for v in ramp[0]], atol=1e-6 + 6e-8 * steepest)


@pytest.mark.parametrize(
    "points,match",
    [
        (((0.0, 0.0),), "at least 2"),
        (((0.5, 0.0), (0.5, 1.0)), "increase strictly"),
        (((0.6, 0.0), (0.2, 1.0)), "increase strictly"),
        (((0.0, 0.0), (1.0, 1.5)), r"in \[0, 1\]"),
        (((0.0, 0.0), (1.0, float("nan"))), r"in \[0, 1\]"),
        (((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)), "pairs"),
        ("abc", "pairs"),
    ],
)
def test_curves_rejects_bad_points(points, match):
    with pytest.raises(ValueError, match=match):
        curves(np.zeros((2, 2), np.float32), points)


# --------------------------------------------------------------------------
# Validation, neutral parameters, properties and the banded/threaded path
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "func,kwargs,match",
    [
        (gamma, {"gamma": 0}, "gamma must be > 0, got 0"),
        (gamma, {"gamma": -1}, "gamma must be > 0"),
        (gamma, {"gamma": float("nan")}, "gamma must be finite"),
        (levels, {"black": 0.5, "white": 0.5}, "white must be > black"),
        (levels, {"black": -0.1}, "black must be >= 0"),
        (levels, {"white": 1.2}, "white must be <= 1"),
        (levels, {"midtone_gamma": 0}, "midtone_gamma must be > 0"),
        (exposure, {"stops": 21}, "stops must be <= 20"),
        (posterize, {"levels": 1}, "levels must be >= 2"),
        (posterize, {"levels": 257}, "levels must be <= 256"),
        (posterize, {"levels": 2.5}, "levels must be an integer"),
        (solarize, {"threshold": 1.5}, "threshold must be <= 1"),
    ],
)
def test_rejects_bad_parameters(func, kwargs, match):
    with pytest.raises(ValueError, match=match):
        func(np.zeros((2, 2), np.float32), **kwargs)


NEUTRAL = [
    (gamma, {"gamma": 1.0}),
    (levels, {}),
    (curves, {}),
    (exposure, {"stops": 0.0}),
    (solarize, {"threshold": 1.0}),
    (brightness_contrast, {}),
]


@pytest.mark.parametrize("func,kwargs", NEUTRAL, ids=lambda v: getattr(v, "__name__", ""))
def test_neutral_parameters_are_identity(any_image, func, kwargs):
    out = func(any_image, **kwargs)
    np.testing.assert_allclose(out, any_image, atol=1e-7)
    assert not np.shares_memory(out, any_image)


OPERATIONS = [
    (brightness_contrast, {"brightness": st.floats(-1, 1), "contrast": st.floats(-1, 1)}),
    (gamma, {"gamma": st.floats(0.05, 20)}),
    (levels, {"black": st.floats(0, 0.45), "white": st.floats(0.55, 1), "midtone_gamma": st.floats(0.1, 10)}),
    (curves, {"points": st.sampled_from(CURVES)}),
    (exposure, {"stops": st.floats(-20, 20)}),
    (invert, {}),
    (posterize, {"levels": st.integers(2, 256)}),
    (solarize, {"threshold": st.floats(0, 1)}),
]


@pytest.mark.parametrize("func,strategies", OPERATIONS, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_point_operation_properties(func, strategies, data):
    shape = data.draw(st.sampled_from([(4, 5), (3, 7, 3), (6, 2, 4), (1, 1), (1, 9, 3)]))
    image = make_image(shape, seed=data.draw(st.integers(0, 50)))
    before = image.copy()
    kwargs = {name: data.draw(s) for name, s in strategies.items()}
    out = func(image, **kwargs)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(image, before)
    if image.ndim == 3 and image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])


@pytest.mark.parametrize("func,kwargs", [
    (gamma, {"gamma": 2.2}),
    (levels, {"black": 0.1, "white": 0.8, "midtone_gamma": 1.7}),
    (curves, {"points": CURVES[2]}),
    (exposure, {"stops": 0.5}),
    (posterize, {"levels": 5}),
    (solarize, {"threshold": 0.4}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_banded_threaded_path_equals_whole_image_path(monkeypatch, func, kwargs):
    # Many small bands split across the two threads, on a non-contiguous view
    # (every other column of a bigger RGBA image), give the same pixels as
    # one band on one thread.
    base = make_image((37, 50, 4), seed=9)
    view = base[:, ::2]
    whole = func(np.ascontiguousarray(view), **kwargs)
    monkeypatch.setattr(_bands, "PARALLEL_MIN", 0)
    monkeypatch.setattr(_bands, "BAND_ELEMENTS", 64)
    banded = func(view, **kwargs)
    np.testing.assert_array_equal(banded, whole)


def test_bands_cover_every_row_once(monkeypatch):
    monkeypatch.setattr(_bands, "PARALLEL_MIN", 0)
    seen = []
    _bands.for_bands(lambda a, b: seen.extend(range(a, b)), 101, 7, band_elements=20)
    assert sorted(seen) == list(range(101))


def test_band_helper_propagates_errors_from_the_worker(monkeypatch):
    monkeypatch.setattr(_bands, "PARALLEL_MIN", 0)

    def fail_late(start, stop):
        if start >= 50:
            raise RuntimeError("band failed")

    with pytest.raises(RuntimeError, match="band failed"):
        _bands.for_bands(fail_late, 100, 10, band_elements=10)
