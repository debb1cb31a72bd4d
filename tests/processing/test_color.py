import colorsys
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from processing import _bands
from processing import color as color_module
from processing.color import (
    REC709_LUMA,
    channel_mixer,
    channel_percentiles,
    grayscale,
    hue_saturation,
    normalize_color,
    temperature_tint,
)
from tests.conftest import make_image


def _color(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def per_pixel(image, f):
    """Apply ``f(r, g, b) -> (r', g', b')`` to every pixel, in float64, one at a time."""
    rgb = image[..., :3].astype(np.float64)
    out = np.empty_like(rgb)
    for y in range(rgb.shape[0]):
        for x in range(rgb.shape[1]):
            out[y, x] = f(*(float(v) for v in rgb[y, x]))
    return out


def assert_alpha_kept(image, out):
    if image.ndim == 3 and image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])


@pytest.fixture(params=[(17, 23, 3), (17, 23, 4)], ids=["rgb", "rgba"])
def color_image(request):
    return make_image(request.param, seed=request.param[2])


# --------------------------------------------------------------------------
# grayscale
# --------------------------------------------------------------------------

GRAY_REFERENCE = {
    "luma": lambda r, g, b: 0.2126 * r + 0.7152 * g + 0.0722 * b,
    "average": lambda r, g, b: (r + g + b) / 3,
    "lightness": lambda r, g, b: (max(r, g, b) + min(r, g, b)) / 2,
    "value": lambda r, g, b: max(r, g, b),
    "red": lambda r, g, b: r,
    "green": lambda r, g, b: g,
    "blue": lambda r, g, b: b,
}


@pytest.mark.parametrize("method", sorted(GRAY_REFERENCE))
def test_grayscale_matches_formula(color_image, method):
    expected = per_pixel(color_image, lambda *rgb: (GRAY_REFERENCE[method](*rgb),) * 3)
    out = grayscale(color_image, method)
    assert out.shape == color_image.shape and out.dtype == np.float32
    np.testing.assert_allclose(out[..., :3], expected, atol=1e-6)
    assert_alpha_kept(color_image, out)
    flat = grayscale(color_image, method, keep_channels=False)
    assert flat.shape == color_image.shape[:2] and flat.dtype == np.float32
    np.testing.assert_allclose(flat, expected[..., 0], atol=1e-6)


def test_grayscale_luma_weights_are_rec709():
    assert REC709_LUMA == (0.2126, 0.7152, 0.0722)
    white = np.ones((1, 1, 3), np.float32)
    assert grayscale(white, keep_channels=False)[0, 0] == pytest.approx(1.0, abs=1e-7)


def test_grayscale_of_gray_is_a_copy():
    image = make_image((5, 6), seed=2)
    for method in GRAY_REFERENCE:
        out = grayscale(image, method)
        np.testing.assert_array_equal(out, image)
        assert not np.shares_memory(out, image)


def test_grayscale_rejects_unknown_method():
    with pytest.raises(ValueError, match="method must be one of luma, average"):
        grayscale(np.zeros((2, 2, 3), np.float32), "luminosity")


# --------------------------------------------------------------------------
# hue / saturation / lightness against the standard library's colorsys
# --------------------------------------------------------------------------


def reference_hsl(hue_deg, saturation, lightness):
    def f(r, g, b):
        h, l, s = colorsys.rgb_to_hls(r, g, b)
        h = (h + hue_deg / 360.0) % 1.0
        s = min(s * (1 + saturation), 1.0)
        l = l * (1 + lightness) if lightness < 0 else l + (1 - l) * lightness
        return colorsys.hls_to_rgb(h, l, s)

    return f


HSL_CASES = [
    (0, 0, 0), (30, 0, 0), (-170, 0, 0), (180, 0, 0), (120, 0, 0), (60, 0, 0),
    (0, 0.5, 0), (0, -0.7, 0.3), (0, 0, -0.4), (77, 0.3, -0.4), (-45, -1, 0.2),
    (180, 1, 1), (-180, -1, -1), (12.5, 0.9, 0.6),
]


@pytest.mark.parametrize("hue,sat,light", HSL_CASES)
def test_hue_saturation_matches_colorsys(color_image, hue, sat, light):
    image = np.array(color_image)
    # Corner cases: white, black, gray, pure primaries, ties for the maximum.
    image[0, :8, :3] = [[1, 1, 1], [0, 0, 0], [0.5, 0.5, 0.5], [1, 0, 0], [0, 1, 0], [0, 0, 1],
                        [0.3, 0.3, 0.1], [0.2, 0.6, 0.6]]
    image.flags.writeable = False
    out = hue_saturation(image, hue, sat, light)
    assert out.shape == image.shape and out.dtype == np.float32
    np.testing.assert_allclose(out[..., :3], per_pixel(image, reference_hsl(hue, sat, light)), atol=2e-6)
    assert_alpha_kept(image, out)


def test_hue_rotation_turns_primaries():
    rgb = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1]]], np.float32)
    np.testing.assert_allclose(hue_saturation(rgb, 120), [[[0, 1, 0], [0, 0, 1], [1, 0, 0]]], atol=1e-6)
    np.testing.assert_allclose(hue_saturation(rgb, 60)[0, 0], [1, 1, 0], atol=1e-6)


def test_hue_saturation_on_gray_applies_lightness_only():
    image = make_image((6, 7), seed=3)
    np.testing.assert_array_equal(hue_saturation(image, 90, 0.5, 0), image)
    for light in (-0.6, 0.4):
        as_rgb = np.repeat(image[..., None], 3, axis=2)
        expected = hue_saturation(as_rgb, 90, 0.5, light)[..., 0]
        np.testing.assert_allclose(hue_saturation(image, 90, 0.5, light), expected, atol=1e-6)


# --------------------------------------------------------------------------
# temperature / tint
# --------------------------------------------------------------------------


def reference_balance(temperature, tint):
    gains = [2 ** (0.5 * temperature), 2 ** (-0.5 * tint), 2 ** (-0.5 * temperature)]
    norm = sum(w * g for w, g in zip(REC709_LUMA, gains))
    gains = [g / norm for g in gains]
    return lambda r, g, b: tuple(min(1.0, v * k) for v, k in zip((r, g, b), gains))


@pytest.mark.parametrize("temperature,tint", [(0, 0), (0.5, 0), (-1, 0), (0, 0.7), (0.3, -0.4), (1, 1)])
def test_temperature_tint_matches_gains(color_image, temperature, tint):
    out = temperature_tint(color_image, temperature, tint)
    np.testing.assert_allclose(out[..., :3], per_pixel(color_image, reference_balance(temperature, tint)),
                               atol=1e-6)
    assert_alpha_kept(color_image, out)


@settings(max_examples=30, deadline=None)
@given(temperature=st.floats(-1, 1), tint=st.floats(-1, 1), level=st.floats(0, 0.5))
def test_temperature_tint_keeps_the_luma_of_a_neutral_gray(temperature, tint, level):
    gray = np.full((2, 2, 3), level, np.float32)
    out = temperature_tint(gray, temperature, tint)
    assert grayscale(out, keep_channels=False)[0, 0] == pytest.approx(level, abs=1e-6)
    if temperature > 0.05 and level > 0.01:
        assert out[0, 0, 0] > out[0, 0, 2]


def test_temperature_tint_leaves_gray_images():
    image = make_image((4, 5), seed=1)
    np.testing.assert_array_equal(temperature_tint(image, 0.8, -0.3), image)


# --------------------------------------------------------------------------
# channel_percentiles: exact, as np.percentile
# --------------------------------------------------------------------------


def reference_percentiles(image, percents):
    color = _color(image)
    color = color[..., None] if color.ndim == 2 else color
    return np.array([np.percentile(color[..., c].astype(np.float64), percents)
                     for c in range(color.shape[2])]).T


PERCENTS = [0, 0.5, 1, 2.5, 37.3, 50, 98, 99, 100]


@pytest.mark.parametrize("shape", [(1, 1), (1, 5, 3), (17, 23), (17, 23, 3), (17, 23, 4), (61, 47, 3)])
def test_channel_percentiles_equal_numpy(shape):
    image = make_image(shape, seed=sum(shape))
    np.testing.assert_allclose(channel_percentiles(image, PERCENTS), reference_percentiles(image, PERCENTS),
                               rtol=0, atol=1e-7)


@pytest.mark.parametrize("sample", [1, 3, 17, 200])
def test_channel_percentiles_with_small_samples_and_ties(monkeypatch, sample):
    # Tiny samples give wide or wrong brackets; ties (a posterized image, a
    # clipped highlight) put many equal values at the wanted ranks.
    monkeypatch.setattr(color_module, "_SAMPLE_PIXELS", sample)
    rng = np.random.default_rng(sample)
    image = (np.round(rng.random((40, 30, 3)) ** 2 * 5) / 5).astype(np.float32)
    image[:10] = 1.0
    percents = [0, 1, 13.7, 50, 75, 99, 100]
    np.testing.assert_allclose(channel_percentiles(image, percents), reference_percentiles(image, percents),
                               rtol=0, atol=1e-7)


def test_channel_percentiles_fall_back_when_the_sample_misleads(monkeypatch):
    # A sample that brackets nothing: the exact answer must still come out.
    monkeypatch.setattr(color_module, "_sample_pixels", lambda color: np.zeros((5, color.shape[2]), np.float32))
    image = make_image((20, 30, 3), seed=5)
    np.testing.assert_allclose(channel_percentiles(image, [1, 50, 99]), reference_percentiles(image, [1, 50, 99]),
                               rtol=0, atol=1e-7)


def test_channel_percentiles_on_the_threaded_path(monkeypatch):
    monkeypatch.setattr(_bands, "PARALLEL_MIN", 0)
    monkeypatch.setattr(_bands, "BAND_ELEMENTS", 100)
    monkeypatch.setattr(color_module, "_SAMPLE_PIXELS", 50)
    image = make_image((45, 38, 4), seed=8)
    np.testing.assert_allclose(channel_percentiles(image, [2, 50, 98]), reference_percentiles(image, [2, 50, 98]),
                               rtol=0, atol=1e-7)


def test_channel_percentiles_validate():
    with pytest.raises(ValueError, match="percent must be <= 100"):
        channel_percentiles(np.zeros((2, 2), np.float32), [50, 101])


# --------------------------------------------------------------------------
# normalize_color: each method against its textbook statistics
# --------------------------------------------------------------------------


def reference_normalize(image, method, low=1.0, high=99.0):
    color = _color(image).astype(np.float64)
    color = color[..., None] if color.ndim == 2 else color
    out = np.empty_like(color)
    means = [color[..., c].mean() for c in range(color.shape[2])]
    for c in range(color.shape[2]):
        x = color[..., c]
        if method == "gray_world":
            y = x * (np.mean(means) / means[c]) if means[c] > 0 else x
        elif method == "white_patch":
            top = np.percentile(x, high)
            y = x / top if top > 0 else x
        elif method == "contrast_stretch":
            lo, hi = np.percentile(x, [low, high])
            y = (x - lo) / (hi - lo) if hi > lo else x
        else:
            sd = x.std()
            y = 0.5 + (x - x.mean()) / sd / 6 if sd > 0 else np.full_like(x, 0.5)
        out[..., c] = np.clip(y, 0, 1)
    return out[..., 0] if image.ndim == 2 else out


METHODS = ["gray_world", "white_patch", "contrast_stretch", "standardize"]


@pytest.mark.parametrize("method", METHODS)
def test_normalize_color_matches_statistics(any_image, method):
    out = normalize_color(any_image, method)
    assert out.shape == any_image.shape and out.dtype == np.float32
    np.testing.assert_allclose(_color(out), reference_normalize(any_image, method), atol=2e-6)
    assert_alpha_kept(any_image, out)


@pytest.mark.parametrize("low,high", [(0, 100), (5, 95), (20, 21), (0, 50)])
def test_normalize_contrast_stretch_percentiles(color_image, low, high):
    out = normalize_color(color_image, "contrast_stretch", low, high)
    np.testing.assert_allclose(out[..., :3], reference_normalize(color_image, "contrast_stretch", low, high),
                               atol=1e-5)


def test_normalize_contrast_stretch_hits_zero_and_one():
    image = make_image((30, 20, 3), seed=4)
    out = normalize_color(image, "contrast_stretch", 0, 100)
    for c in range(3):
        assert out[..., c].min() == 0.0 and out[..., c].max() == pytest.approx(1.0, abs=1e-6)


def test_normalize_gray_world_balances_channel_means():
    image = make_image((30, 20, 3), seed=4) * np.float32([0.5, 0.8, 0.3])
    image.flags.writeable = False
    means = normalize_color(image, "gray_world").reshape(-1, 3).astype(np.float64).mean(axis=0)
    assert np.ptp(means) < 1e-5


def test_normalize_standardize_mean_and_spread():
    # Uniform values lie within sqrt(3) standard deviations: nothing clips.
    image = np.random.default_rng(6).random((40, 30, 3), dtype=np.float32) * np.float32([0.2, 0.5, 1.0])
    image.flags.writeable = False
    z = (normalize_color(image, "standardize").astype(np.float64) - 0.5) * 6
    flat = z.reshape(-1, 3)
    np.testing.assert_allclose(flat.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(flat.std(axis=0), 1, atol=1e-5)


def test_normalize_degenerate_channels():
    image = np.zeros((4, 5, 3), np.float32)
    image[..., 1] = 0.4
    image[0, 0, 2] = 0.8
    image.flags.writeable = False
    np.testing.assert_array_equal(normalize_color(image, "gray_world")[..., 0], 0)
    np.testing.assert_array_equal(normalize_color(image, "white_patch", percent_high=50)[..., 0], 0)
    stretch = normalize_color(image, "contrast_stretch", 0, 100)
    np.testing.assert_array_equal(stretch[..., 1], np.float32(0.4))  # constant channel left alone
    standard = normalize_color(image, "standardize")
    np.testing.assert_array_equal(standard[..., 0], 0.5)
    np.testing.assert_array_equal(standard[..., 1], 0.5)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"method": "retinex"}, "method must be one of gray_world, white_patch"),
        ({"method": "contrast_stretch", "percent_low": 60, "percent_high": 40}, "percent_low must be < percent_high"),
        ({"percent_low": -1}, "percent_low must be >= 0"),
        ({"percent_high": 101}, "percent_high must be <= 100"),
    ],
)
def test_normalize_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        normalize_color(np.zeros((3, 3, 3), np.float32), **kwargs)


def test_normalize_uses_percentiles_only_where_relevant():
    # Crossed percentiles do not matter to the methods that do not use them.
    image = make_image((5, 5, 3), seed=2)
    normalize_color(image, "gray_world", 60, 40)
    normalize_color(image, "standardize", 60, 40)


# --------------------------------------------------------------------------
# channel_mixer
# --------------------------------------------------------------------------

MIXES = [
    (1, 0, 0, 0, 1, 0, 0, 0, 1),
    (0, 0, 1, 0, 1, 0, 1, 0, 0),
    (0.3, 0.59, 0.11, 0.3, 0.59, 0.11, 0.3, 0.59, 0.11),
    (1.5, -0.5, 0, -0.2, 1.2, 0, 0, 0.4, 0.6),
    (-2, 2, 0.5, 0, 0, 0, 2, 2, 2),
]


@pytest.mark.parametrize("mix", MIXES)
def test_channel_mixer_matches_matrix_product(color_image, mix):
    m = np.array(mix, np.float64).reshape(3, 3)

    def f(r, g, b):
        return tuple(min(1.0, max(0.0, m[i, 0] * r + m[i, 1] * g + m[i, 2] * b)) for i in range(3))

    out = channel_mixer(color_image, *mix)
    np.testing.assert_allclose(out[..., :3], per_pixel(color_image, f), atol=1e-6)
    assert_alpha_kept(color_image, out)


def test_channel_mixer_refuses_gray():
    with pytest.raises(ValueError, match=r"channel_mixer needs an RGB or RGBA image, got a gray image of shape \(2, 3\)"):
        channel_mixer(np.zeros((2, 3), np.float32))


def test_channel_mixer_validates_weights():
    with pytest.raises(ValueError, match="g_from_b must be <= 2, got 3"):
        channel_mixer(np.zeros((2, 2, 3), np.float32), g_from_b=3)


# --------------------------------------------------------------------------
# Properties shared by every colour operation
# --------------------------------------------------------------------------

OPERATIONS = [
    (grayscale, {"method": st.sampled_from(sorted(GRAY_REFERENCE))}),
    (hue_saturation, {"hue_deg": st.floats(-180, 180), "saturation": st.floats(-1, 1),
                      "lightness": st.floats(-1, 1)}),
    (temperature_tint, {"temperature": st.floats(-1, 1), "tint": st.floats(-1, 1)}),
    (normalize_color, {"method": st.sampled_from(METHODS), "percent_low": st.floats(0, 40),
                       "percent_high": st.floats(60, 100)}),
    (channel_mixer, {name: st.floats(-2, 2) for name in
                     ("r_from_r", "r_from_g", "r_from_b", "g_from_r", "g_from_g", "g_from_b",
                      "b_from_r", "b_from_g", "b_from_b")}),
]


@pytest.mark.parametrize("func,strategies", OPERATIONS, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_color_operation_properties(func, strategies, data):
    shape = data.draw(st.sampled_from([(4, 5, 3), (3, 7, 4), (1, 1, 3), (6, 2), (1, 9, 4)]))
    image = make_image(shape, seed=data.draw(st.integers(0, 50)))
    before = image.copy()
    kwargs = {name: data.draw(s) for name, s in strategies.items()}
    if func is channel_mixer and image.ndim == 2:
        with pytest.raises(ValueError, match="gray"):
            func(image, **kwargs)
        return
    out = func(image, **kwargs)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(image, before)
    assert_alpha_kept(image, out)


NEUTRAL = [
    (hue_saturation, {}),
    (temperature_tint, {}),
    (channel_mixer, {}),
    (normalize_color, {"method": "contrast_stretch", "percent_low": 0, "percent_high": 100}),
]


@pytest.mark.parametrize("func,kwargs", NEUTRAL, ids=lambda v: getattr(v, "__name__", ""))
def test_neutral_parameters_are_identity(func, kwargs):
    image = make_image((9, 8, 4), seed=1)
    if func is normalize_color:
        # a stretch is neutral when the channels already span [0, 1]
        image = np.array(image)
        image[0, 0, :3], image[0, 1, :3] = 0.0, 1.0
    out = func(image, **kwargs)
    np.testing.assert_allclose(out, image, atol=2e-7)
    assert not np.shares_memory(out, image)


@pytest.mark.parametrize("func,kwargs", [
    (grayscale, {"method": "luma"}),
    (grayscale, {"method": "lightness"}),
    (hue_saturation, {"hue_deg": 50, "saturation": 0.2, "lightness": -0.1}),
    (hue_saturation, {"saturation": 0.4}),
    (temperature_tint, {"temperature": 0.4, "tint": 0.1}),
    (normalize_color, {"method": "standardize"}),
    (normalize_color, {"method": "contrast_stretch"}),
    (channel_mixer, {"r_from_g": 0.3, "b_from_b": 0.7}),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_banded_threaded_path_equals_whole_image_path(monkeypatch, func, kwargs):
    base = make_image((37, 50, 4), seed=9)
    view = base[:, ::2]  # non-contiguous
    whole = func(np.ascontiguousarray(view), **kwargs)
    monkeypatch.setattr(_bands, "PARALLEL_MIN", 0)
    monkeypatch.setattr(_bands, "BAND_ELEMENTS", 64)
    monkeypatch.setattr(color_module, "_HSL_BAND", 64)
    banded = func(view, **kwargs)
    np.testing.assert_allclose(banded, whole, rtol=0, atol=1e-7)


def test_hsl_reference_sanity():
    # The reference itself: colorsys round trip is the identity.
    f = reference_hsl(0, 0, 0)
    for rgb in [(0.2, 0.4, 0.6), (1.0, 0.0, 0.5), (0.3, 0.3, 0.3)]:
        assert all(math.isclose(a, b, abs_tol=1e-12) for a, b in zip(f(*rgb), rgb))


# Weighted gray methods run as one matrix-vector product per band of rows:
# images of many bands, and alpha weighed zero.
@pytest.mark.parametrize("shape", [(300, 257, 3), (97, 1030, 4)])
@pytest.mark.parametrize("method", ["luma", "average"])
def test_grayscale_weighted_on_many_bands_matches_formula(shape, method):
    image = make_image(shape, seed=shape[1])
    rgb = image[..., :3].astype(np.float64)
    weights = {"luma": (0.2126, 0.7152, 0.0722), "average": (1 / 3, 1 / 3, 1 / 3)}[method]
    expected = np.clip(sum(w * rgb[..., c] for c, w in enumerate(weights)), 0, 1)
    flat = grayscale(image, method, keep_channels=False)
    np.testing.assert_allclose(flat, expected, atol=1e-6)
    out = grayscale(image, method)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], flat)
    if shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])



# The weighted gray methods do not cap their sums at 1: their weights are
# rounded so that no sum of values in [0, 1] can pass it. White and values
# just under 1, on images of many bands, stay within [0, 1].
@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("method", ["luma", "average"])
def test_grayscale_weighted_never_passes_one(method, channels):
    rng = np.random.default_rng(channels)
    image = np.ones((300, 257, channels), np.float32)
    near = 1 - rng.integers(0, 4, size=(150, 257, channels)) * np.float32(2 ** -24)
    image[150:] = near.astype(np.float32)
    for keep in (False, True):
        out = grayscale(image, method, keep_channels=keep)
        assert out.max() <= 1.0 and out.min() >= 1 - 1e-6
