import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing.filters import gaussian_blur, gaussian_kernel1d
from tests.conftest import make_image


def reference_kernel1d(sigma, truncate=4.0):
    """The sampled Gaussian written out from its definition, independently of
    the production code: taps at integer offsets up to ``int(truncate * sigma
    + 0.5)`` each side (scipy.ndimage's truncation), weights
    ``exp(-x^2 / (2 sigma^2))`` divided by their sum; a single tap when the
    reach is under half a pixel."""
    reach = int(truncate * sigma + 0.5)
    weights = [math.exp(-(x * x) / (2.0 * sigma * sigma)) for x in range(-reach, reach + 1)]
    total = math.fsum(weights)
    return np.array([w / total for w in weights])


def test_reference_kernel_known_values():
    # Hand-checked numbers anchor the reference itself: sigma 1 reaches 4 px;
    # the centre tap is 1 / sum(exp(-x^2/2)) = 0.39894...; the outer tap exp(-8) times it.
    k = reference_kernel1d(1.0)
    assert len(k) == 9
    assert k[4] == pytest.approx(0.3989434, abs=1e-6)
    assert k[0] == pytest.approx(0.3989434 * math.exp(-8.0), rel=1e-5)
    assert len(reference_kernel1d(0.1)) == 1


@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5, 7.0])
def test_gaussian_kernel1d_matches_reference(sigma):
    np.testing.assert_allclose(gaussian_kernel1d(sigma), reference_kernel1d(sigma), rtol=1e-12, atol=1e-15)


def direct_gaussian(image, sigma, truncate=4.0):
    """Slow, obviously correct: 2-D correlation with the outer-product kernel,
    reflect border (edge pixel repeated), pixel by pixel."""
    k1 = reference_kernel1d(sigma, truncate)
    kernel = np.outer(k1, k1)
    r = len(k1) // 2
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image.astype(np.float64), pad, mode="symmetric")
    out = np.zeros(image.shape, np.float64)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            window = padded[y : y + 2 * r + 1, x : x + 2 * r + 1]
            out[y, x] = np.tensordot(kernel, window, axes=([0, 1], [0, 1]))
    return out


def _color(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.5])
def test_gaussian_matches_direct_convolution(any_image, sigma):
    out = gaussian_blur(any_image, sigma)
    color = any_image[..., :3] if any_image.ndim == 3 and any_image.shape[2] == 4 else any_image
    expected = direct_gaussian(color, sigma)
    got = out[..., :3] if out.ndim == 3 and out.shape[2] == 4 else out
    np.testing.assert_allclose(got, expected, atol=2e-6)


@pytest.mark.parametrize("sigma", [8.0, 20.0])
def test_gaussian_fft_path_matches_direct_convolution(any_image, sigma):
    # Kernels of 61 taps or more go through the FFT; the result must not change.
    out = gaussian_blur(any_image, sigma)
    expected = direct_gaussian(_color(any_image), sigma)
    np.testing.assert_allclose(_color(out), expected, atol=2e-6)


@pytest.mark.parametrize("fft_min_taps", [3, 10**6])
def test_gaussian_both_paths_agree(monkeypatch, fft_min_taps):
    # Force every kernel through one path (FFT, then direct), on the thread pool.
    from processing import _tiles, filters
    monkeypatch.setattr(filters, "_FFT_MIN_TAPS", fft_min_taps)
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((37, 29, 3), seed=9)
    for sigma in (0.7, 3.0, 9.0):
        np.testing.assert_allclose(gaussian_blur(image, sigma), direct_gaussian(image, sigma), atol=2e-6)


def test_gaussian_passes_alpha_through():
    image = make_image((9, 11, 4), seed=3)
    out = gaussian_blur(image, 2.0)
    np.testing.assert_array_equal(out[..., 3], image[..., 3])


def test_gaussian_sigma_larger_than_image():
    image = make_image((3, 4), seed=5)
    np.testing.assert_allclose(gaussian_blur(image, 6.0), direct_gaussian(image, 6.0), atol=2e-6)


def test_gaussian_sigma_zero_is_identity(any_image):
    out = gaussian_blur(any_image, 0)
    np.testing.assert_array_equal(out, any_image)
    assert out is not any_image


def test_gaussian_keeps_constant_image():
    image = np.full((20, 20, 3), 0.3, np.float32)
    np.testing.assert_allclose(gaussian_blur(image, 3.0), 0.3, atol=1e-6)


@pytest.mark.parametrize("bad", [-1, float("nan"), "x"])
def test_gaussian_rejects_bad_sigma(bad):
    with pytest.raises(ValueError, match="sigma"):
        gaussian_blur(np.zeros((4, 4), np.float32), bad)


def test_gaussian_rejects_bad_images():
    with pytest.raises(TypeError, match="floating point"):
        gaussian_blur(np.zeros((4, 4), np.uint8), 1.0)
    with pytest.raises(ValueError, match="channels"):
        gaussian_blur(np.zeros((4, 4, 2), np.float32), 1.0)
    with pytest.raises(ValueError, match="empty"):
        gaussian_blur(np.zeros((0, 4), np.float32), 1.0)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([3, 4])),
                 elements=st.floats(0, 1, width=32)),
    sigma=st.floats(0, 5),
)
def test_gaussian_properties(image, sigma):
    image.flags.writeable = False
    out = gaussian_blur(image, sigma)
    assert out.shape == image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    # A blur never leaves the range of its input.
    assert out[..., :3].min() >= image[..., :3].min() - 1e-6
    assert out[..., :3].max() <= image[..., :3].max() + 1e-6


# --------------------------------------------------------------------------
# Box blur
# --------------------------------------------------------------------------

from processing.filters import box_blur  # noqa: E402


def direct_box(image, radius):
    """Mean over the (2r+1)^2 window, reflect border, pixel by pixel, float64."""
    r = radius
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image.astype(np.float64), pad, mode="symmetric")
    out = np.zeros(image.shape, np.float64)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            out[y, x] = padded[y : y + 2 * r + 1, x : x + 2 * r + 1].mean(axis=(0, 1))
    return out


@pytest.mark.parametrize("radius", [1, 2, 5])
def test_box_matches_direct_mean(any_image, radius):
    out = box_blur(any_image, radius)
    np.testing.assert_allclose(_color(out), direct_box(_color(any_image), radius), atol=1e-6)


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (3, 4, 3)])
@pytest.mark.parametrize("radius", [3, 11])
def test_box_radius_larger_than_image(shape, radius):
    # np.pad "symmetric" reflects again and again when the pad exceeds the size.
    image = make_image(shape, seed=7)
    np.testing.assert_allclose(box_blur(image, radius), direct_box(image, radius), atol=1e-6)


def test_box_passes_alpha_through_and_keeps_constant():
    image = make_image((9, 11, 4), seed=3)
    np.testing.assert_array_equal(box_blur(image, 3)[..., 3], image[..., 3])
    flat = np.full((30, 20, 3), 0.7, np.float32)
    np.testing.assert_allclose(box_blur(flat, 4), 0.7, atol=1e-6)


def test_box_radius_zero_is_identity(any_image):
    out = box_blur(any_image, 0)
    np.testing.assert_array_equal(out, any_image)
    assert out is not any_image


def test_box_precision_on_a_long_image():
    # A running sum in float32 would drift along 20000 rows; float64 does not.
    rng = np.random.default_rng(0)
    image = rng.random((20000, 3), dtype=np.float32)
    image.flags.writeable = False
    out = box_blur(image, 2)
    padded = np.pad(image.astype(np.float64), 2, mode="symmetric")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (5, 5))
    np.testing.assert_allclose(out, windows.mean(axis=(2, 3)), atol=1e-7)


def test_box_parallel_path_matches_direct(monkeypatch):
    # Images above the threading threshold go through the two-thread pool.
    from processing import _tiles, filters
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((40, 33, 3), seed=11)
    np.testing.assert_allclose(box_blur(image, 4), direct_box(image, 4), atol=1e-6)


@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_box_rejects_bad_radius(bad):
    with pytest.raises(ValueError, match="radius"):
        box_blur(np.zeros((4, 4), np.float32), bad)


@settings(max_examples=40, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    radius=st.integers(0, 6),
)
def test_box_properties(image, radius):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = box_blur(image, radius)
    assert out.shape == image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    c_in, c_out = _color(image), _color(out)
    assert c_out.min() >= c_in.min() - 1e-6 and c_out.max() <= c_in.max() + 1e-6


# --------------------------------------------------------------------------
# Median
# --------------------------------------------------------------------------

from processing.filters import median_filter  # noqa: E402


def direct_median(plane, radius):
    """Middle of the sorted (2r+1)^2 window values, reflect border, pixel by pixel."""
    r = radius
    padded = np.pad(plane, r, mode="symmetric")
    out = np.zeros(plane.shape, np.float32)
    for y in range(plane.shape[0]):
        for x in range(plane.shape[1]):
            values = sorted(padded[y : y + 2 * r + 1, x : x + 2 * r + 1].ravel().tolist())
            out[y, x] = values[len(values) // 2]
    return out


def _planes(image):
    return [image] if image.ndim == 2 else [image[..., c] for c in range(min(3, image.shape[2]))]


def _with_ties(shape, seed):
    # Few distinct values make many ties, the hard case for rank bookkeeping.
    image = np.round(make_image(shape, seed, readonly=False) * 6) / 6
    image.flags.writeable = False
    return image


@pytest.mark.parametrize("radius", [1, 2, 3, 5])
def test_median_matches_direct(any_image, radius):
    out = median_filter(any_image, radius)
    for got, plane in zip(_planes(out), _planes(any_image)):
        np.testing.assert_array_equal(got, direct_median(plane, radius))


@pytest.mark.parametrize("radius", [1, 2, 4, 9])
def test_median_with_ties_and_odd_sizes(radius):
    image = _with_ties((23, 37), seed=radius)
    np.testing.assert_array_equal(median_filter(image, radius), direct_median(image, radius))


@pytest.mark.parametrize("shape", [(1, 1), (2, 9), (7, 1), (3, 4, 3)])
def test_median_radius_larger_than_image(shape):
    image = make_image(shape, seed=5)
    for radius in (2, 6):
        out = median_filter(image, radius)
        for got, plane in zip(_planes(out), _planes(image)):
            np.testing.assert_array_equal(got, direct_median(plane, radius))


def test_median_passes_alpha_and_removes_salt_and_pepper():
    image = make_image((20, 30, 4), seed=2, readonly=False)
    image[..., :3] = 0.4
    image[5, 7, :3] = 1.0
    image[12, 20, :3] = 0.0
    out = median_filter(image, 1)
    np.testing.assert_array_equal(out[..., :3], np.float32(0.4))
    np.testing.assert_array_equal(out[..., 3], image[..., 3])


def test_median_parallel_path_matches_direct(monkeypatch):
    from processing import _tiles, filters
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((70, 45, 3), seed=8)  # more than one band of rows
    out = median_filter(image, 2)
    for got, plane in zip(_planes(out), _planes(image)):
        np.testing.assert_array_equal(got, direct_median(plane, 2))


def test_median_radius_zero_is_identity(any_image):
    out = median_filter(any_image, 0)
    np.testing.assert_array_equal(out, any_image)
    assert out is not any_image


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_median_rejects_bad_radius(bad):
    with pytest.raises(ValueError, match="radius"):
        median_filter(np.zeros((4, 4), np.float32), bad)


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 10), st.integers(1, 10), st.sampled_from([1, 3, 4])),
                 elements=st.sampled_from([0.0, 0.25, 0.5, 1.0]) | st.floats(0, 1, width=32)),
    radius=st.integers(0, 4),
)
def test_median_properties(image, radius):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = median_filter(image, radius)
    assert out.shape == image.shape and out.dtype == np.float32
    for got, plane in zip(_planes(out), _planes(image)):
        np.testing.assert_array_equal(got, direct_median(plane, radius))


# --------------------------------------------------------------------------
# Unsharp mask
# --------------------------------------------------------------------------

from processing.filters import KERNEL_PRESETS, bilateral_filter, convolve, unsharp_mask  # noqa: E402


def direct_unsharp(image, radius, amount, threshold):
    detail = image.astype(np.float64) - direct_gaussian(image, radius)
    detail[np.abs(detail) < threshold] = 0
    return np.clip(image + amount * detail, 0, 1)


@pytest.mark.parametrize("radius,amount,threshold", [(1.0, 1.0, 0.0), (2.5, 0.6, 0.0), (1.5, 2.0, 0.05)])
def test_unsharp_matches_formula(any_image, radius, amount, threshold):
    out = unsharp_mask(any_image, radius, amount, threshold)
    expected = direct_unsharp(_color(any_image), radius, amount, threshold)
    got = _color(out)
    # Detail within float rounding of the threshold may fall either side: ignore those.
    detail = _color(any_image) - direct_gaussian(_color(any_image), radius)
    near = np.abs(np.abs(detail) - threshold) < 1e-5
    np.testing.assert_allclose(got[~near], expected[~near], atol=1e-5)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_unsharp_increases_local_contrast_and_keeps_flat():
    step = np.zeros((8, 16), np.float32)
    step[:, 8:] = 0.6
    step[:, :8] = 0.3
    out = unsharp_mask(step, 1.5, 1.0)
    assert out[4, 7] < 0.3 and out[4, 8] > 0.6  # overshoot on both sides of the edge
    flat = np.full((10, 10, 3), 0.5, np.float32)
    np.testing.assert_allclose(unsharp_mask(flat, 3.0, 2.0), 0.5, atol=1e-6)


def test_unsharp_threshold_protects_small_detail():
    image = make_image((20, 20), seed=4)
    out = unsharp_mask(image, 2.0, 1.5, threshold=1.0)  # no detail is that large
    np.testing.assert_array_equal(out, image)


@pytest.mark.parametrize("params", [dict(radius=0.0), dict(amount=0.0)])
def test_unsharp_neutral_is_identity(any_image, params):
    out = unsharp_mask(any_image, **params)
    np.testing.assert_array_equal(out, any_image)
    assert out is not any_image


@pytest.mark.parametrize("name,value", [("radius", -1), ("amount", -0.5), ("threshold", 1.5), ("threshold", -0.1)])
def test_unsharp_rejects_bad_parameters(name, value):
    with pytest.raises(ValueError, match=name):
        unsharp_mask(np.zeros((4, 4), np.float32), **{name: value})


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 10), st.integers(1, 10), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    radius=st.floats(0, 4), amount=st.floats(0, 5), threshold=st.floats(0, 1),
)
def test_unsharp_properties(image, radius, amount, threshold):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = unsharp_mask(image, radius, amount, threshold)
    assert out.shape == image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


# --------------------------------------------------------------------------
# Convolve
# --------------------------------------------------------------------------


def direct_convolve(image, kernel):
    """out(y, x) = sum_{a,b} k[a+r, b+r] in(y-a, x-b), reflect border, float64."""
    k = np.asarray(kernel, np.float64)
    r = k.shape[0] // 2
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image.astype(np.float64), pad, mode="symmetric")
    out = np.zeros(image.shape, np.float64)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            for a in range(-r, r + 1):
                for b in range(-r, r + 1):
                    out[y, x] += k[a + r, b + r] * padded[y + r - a, x + r - b]
    return np.clip(out, 0, 1)


@pytest.mark.parametrize("name", sorted(KERNEL_PRESETS))
def test_convolve_presets_match_direct(any_image, name):
    out = convolve(any_image, KERNEL_PRESETS[name])
    np.testing.assert_allclose(_color(out), direct_convolve(_color(any_image), KERNEL_PRESETS[name]), atol=1e-6)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


@pytest.mark.parametrize("size", [3, 5, 7])
def test_convolve_random_kernels_match_direct(size):
    rng = np.random.default_rng(size)
    kernel = tuple(tuple(row) for row in rng.normal(0, 0.3, (size, size)).tolist())
    image = make_image((12, 15, 3), seed=size)
    np.testing.assert_allclose(convolve(image, kernel), direct_convolve(image, kernel), atol=1e-5)


def test_convolve_is_convolution_not_correlation():
    image = np.zeros((5, 5), np.float32)
    image[2, 2] = 1
    kernel = ((0, 0, 0), (0, 0, 0), (0, 0.5, 0.25))
    # The impulse response of a convolution is the kernel itself, unflipped.
    np.testing.assert_allclose(convolve(image, kernel)[1:4, 1:4], kernel)


def test_convolve_normalize():
    image = make_image((9, 9), seed=1)
    box = [[2.0] * 3] * 3
    np.testing.assert_allclose(convolve(image, box, normalize=True), direct_box(image, 1), atol=1e-6)
    # A kernel summing to zero is left as it is.
    zero_sum = KERNEL_PRESETS["outline"]
    np.testing.assert_array_equal(convolve(image, zero_sum, True), convolve(image, zero_sum, False))


def test_convolve_parallel_path(monkeypatch):
    from processing import _tiles, filters
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((50, 7, 3), seed=12)
    kernel = KERNEL_PRESETS["emboss"]
    np.testing.assert_allclose(convolve(image, kernel), direct_convolve(image, kernel), atol=1e-6)


def test_convolve_identity_is_exact(any_image):
    np.testing.assert_array_equal(convolve(any_image, KERNEL_PRESETS["identity"]), any_image)


@pytest.mark.parametrize("bad", [[[1, 2], [3, 4]], [[1, 2, 3]], [[1, 2, 3]] * 2, [["a"] * 3] * 3, [[np.nan] * 3] * 3, 5])
def test_convolve_rejects_bad_kernels(bad):
    with pytest.raises(ValueError, match="kernel"):
        convolve(np.zeros((4, 4), np.float32), bad)


@settings(max_examples=30, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    kernel=arrays(np.float64, st.sampled_from([(3, 3), (5, 5)]), elements=st.floats(-3, 3)),
    normalize=st.booleans(),
)
def test_convolve_properties(image, kernel, normalize):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = convolve(image, kernel.tolist(), normalize)
    assert out.shape == image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1


# --------------------------------------------------------------------------
# Bilateral
# --------------------------------------------------------------------------


def direct_bilateral(image, sigma_spatial, sigma_range):
    """Per-pixel weighted mean over the disc |o| <= ceil(2 ss), RGB distance, float64."""
    r = int(np.ceil(2 * sigma_spatial))
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image.astype(np.float64), pad, mode="symmetric")
    out = np.zeros(image.shape, np.float64)
    h, w = image.shape[:2]
    for y in range(h):
        for x in range(w):
            centre = padded[y + r, x + r]
            num, den = 0.0, 0.0
            for dy in range(-r, r + 1):
                for dx in range(-r, r + 1):
                    if dy * dy + dx * dx > r * r:
                        continue
                    q = padded[y + r + dy, x + r + dx]
                    d2 = np.sum((q - centre) ** 2)
                    wgt = np.exp(-(dy * dy + dx * dx) / (2 * sigma_spatial**2) - d2 / (2 * sigma_range**2))
                    num = num + wgt * q
                    den += wgt
            out[y, x] = num / den
    return out


@pytest.mark.parametrize("sigma_spatial,sigma_range", [(1.0, 0.1), (2.2, 0.3), (1.5, 2.0)])
def test_bilateral_matches_direct(any_image, sigma_spatial, sigma_range):
    image = any_image[:9, :11]
    out = bilateral_filter(image, sigma_spatial, sigma_range)
    np.testing.assert_allclose(_color(out), direct_bilateral(_color(image), sigma_spatial, sigma_range), atol=2e-6)
    if image.ndim == 3 and image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])


def test_bilateral_keeps_edges_and_smooths_noise():
    rng = np.random.default_rng(0)
    clean = np.zeros((24, 24, 3), np.float32)
    clean[:, 12:] = 0.8
    noisy = np.clip(clean + rng.normal(0, 0.02, clean.shape), 0, 1).astype(np.float32)
    out = bilateral_filter(noisy, 2.0, 0.1)
    assert np.abs(out - clean).std() < 0.5 * np.abs(noisy - clean).std()
    assert abs(float(out[:, 11].mean()) - 0.0) < 0.03 and abs(float(out[:, 12].mean()) - 0.8) < 0.03


def test_bilateral_parallel_path(monkeypatch):
    from processing import _tiles, filters
    monkeypatch.setattr(_tiles, "PARALLEL_MIN", 0)
    image = make_image((40, 6, 3), seed=13)
    np.testing.assert_allclose(bilateral_filter(image, 1.2, 0.2), direct_bilateral(image, 1.2, 0.2), atol=2e-6)


@pytest.mark.parametrize("params", [dict(sigma_spatial=0.0), dict(sigma_range=0.0)])
def test_bilateral_neutral_is_identity(any_image, params):
    out = bilateral_filter(any_image, **params)
    np.testing.assert_array_equal(out, any_image)
    assert out is not any_image


@pytest.mark.parametrize("name", ["sigma_spatial", "sigma_range"])
def test_bilateral_rejects_bad_sigmas(name):
    with pytest.raises(ValueError, match=name):
        bilateral_filter(np.zeros((4, 4), np.float32), **{name: -1.0})


@settings(max_examples=20, deadline=None)
@given(
    image=arrays(np.float32, st.tuples(st.integers(1, 8), st.integers(1, 8), st.sampled_from([1, 3, 4])),
                 elements=st.floats(0, 1, width=32)),
    sigma_spatial=st.floats(0, 2.5), sigma_range=st.floats(0, 1),
)
def test_bilateral_properties(image, sigma_spatial, sigma_range):
    if image.shape[2] == 1:
        image = image[..., 0]
    image.flags.writeable = False
    out = bilateral_filter(image, sigma_spatial, sigma_range)
    assert out.shape == image.shape and out.dtype == np.float32
    assert np.all(np.isfinite(out)) and out.min() >= 0 and out.max() <= 1
    # A weighted mean never leaves the range of its window.
    c_in, c_out = _color(image), _color(out)
    assert c_out.min() >= c_in.min() - 1e-6 and c_out.max() <= c_in.max() + 1e-6


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (1, 1, 4), (2, 3)])
@pytest.mark.parametrize("box", [(0, 5, 0, 7), (-3, 8, -2, 9), (2, 4, -9, 1), (-11, -1, 6, 20), (3, 30, 7, 8)])
def test_reflect_block_matches_numpy_symmetric_pad(shape, box):
    from processing.filters import _reflect_block
    image = make_image(shape, seed=1)
    y0, y1, x0, x1 = box
    pad = 40
    padded = np.pad(image, [(pad, pad), (pad, pad)] + [(0, 0)] * (image.ndim - 2), mode="symmetric")
    expected = padded[pad + y0 : pad + y1, pad + x0 : pad + x1]
    np.testing.assert_array_equal(_reflect_block(image, y0, y1, x0, x1), expected)


@pytest.mark.parametrize("m,n", [(0, 1), (0, 7), (3, 5), (6, 5), (10, 4), (9, 16)])
def test_merge_network_gives_the_requested_ranks(m, n):
    from processing.filters import _merge_network, _run_network
    rng = np.random.default_rng(m * 31 + n)
    a = np.sort(rng.random((m, 40)), axis=0)  # sorted input
    b = np.round(rng.random((n, 40)) * 4) / 4  # unsorted, with ties
    merged = np.sort(np.concatenate([a, b]), axis=0)
    for lo, hi in [(0, m + n - 1), ((m + n) // 2, (m + n) // 2), (1, max(1, m + n - 2))]:
        if hi >= m + n:
            continue
        ops, outputs = _merge_network(m, n, lo, hi)
        wires = _run_network(list(a) + list(b), ops)
        np.testing.assert_array_equal(np.array([wires[o] for o in outputs]), merged[lo : hi + 1])


def test_median_sort_path_for_big_merges(monkeypatch):
    # Force np.sort for every merge: the result must not change.
    from processing import filters
    monkeypatch.setattr(filters, "_NETWORK_OP", {4: 1.0, 2: 1.0, 1: 1.0})
    image = _with_ties((19, 26), seed=3)
    for radius in (2, 3):
        np.testing.assert_array_equal(median_filter(image, radius), direct_median(image, radius))
    coded = _from_file((19, 26), 255, seed=3)  # bytes are sorted as 16-bit integers
    for radius in (2, 3):
        np.testing.assert_array_equal(median_filter(coded, radius), direct_median(coded, radius))


def _from_file(shape, top, seed):
    """What the loader makes of an 8- or 16-bit file: k / top, correctly rounded float32."""
    codes = np.random.default_rng(seed).integers(0, top + 1, shape)
    codes[: shape[0] // 2] //= max(1, top // 8)  # few levels in the top half: ties
    image = np.divide(codes, np.float32(top), dtype=np.float32)
    image.flags.writeable = False
    return image


@pytest.fixture
def median_dtypes(monkeypatch):
    """The dtypes the median network ran on, to see which path a picture took."""
    from processing import filters
    seen = []
    band = filters._median_band

    def spy(p, radius, tile):
        seen.append(p.dtype)
        return band(p, radius, tile)

    monkeypatch.setattr(filters, "_median_band", spy)
    return seen


@pytest.mark.parametrize("top, dtype", [(255, np.uint8), (65535, np.uint16)])
@pytest.mark.parametrize("shape", [(37, 29), (70, 45, 3), (23, 40, 4)])
def test_median_of_file_values_runs_on_their_codes_and_gives_the_same_values(median_dtypes, top, dtype, shape):
    image = _from_file(shape, top, seed=shape[0])
    for radius in (2, 3, 7):
        median_dtypes.clear()
        out = median_filter(image, radius)
        assert set(median_dtypes) == {np.dtype(dtype)}
        for got, plane in zip(_planes(out), _planes(image)):
            np.testing.assert_array_equal(got, direct_median(plane, radius))


def test_median_of_values_rounded_another_way_keeps_them_bit_for_bit(median_dtypes):
    # 8-bit levels, but not k / 255 in float32: some are one step of float32 off it.
    levels = np.divide(np.arange(256), np.float32(255), dtype=np.float32)
    levels[1::3] = np.nextafter(levels[1::3], np.float32(1))
    image = levels[np.random.default_rng(4).integers(0, 256, (40, 33))]
    out = median_filter(image, 3)
    assert median_dtypes == [np.dtype(np.uint8)]
    np.testing.assert_array_equal(out, direct_median(image, 3))
    assert np.isin(out, levels).all()


def test_median_of_values_off_every_grid_stays_in_float(median_dtypes):
    image = np.array(_from_file((90, 30), 255, seed=6))
    image[70:] = make_image((20, 30), seed=6)  # the last band is not from a file
    from processing import filters
    assert filters._as_codes(image[70:]) is None
    assert filters._as_codes(np.full((3, 3), np.nan, np.float32)) is None
    out = median_filter(image, 2)
    assert np.dtype(np.float32) in median_dtypes
    np.testing.assert_array_equal(out, direct_median(image, 2))


def numpy_median(plane, radius):
    """np.median over the reflect-padded window: the middle of an odd count."""
    padded = np.pad(plane.astype(np.float64), radius, mode="symmetric")
    k = 2 * radius + 1
    out = np.empty(plane.shape)
    for y in range(plane.shape[0]):
        for x in range(plane.shape[1]):
            out[y, x] = np.median(padded[y : y + k, x : x + k])
    return out.astype(np.float32)


@pytest.mark.parametrize("radius", [5, 7, 8, 12, 15])
@pytest.mark.parametrize("shape", [(41, 37), (23, 70, 3), (66, 19, 4)])
def test_median_larger_radii_with_ties_match_numpy(radius, shape):
    # Radii whose tiles are halved, on data with many ties and read-only input.
    image = _with_ties(shape, seed=radius + shape[0])
    out = median_filter(image, radius)
    assert out.dtype == np.float32 and out.shape == image.shape
    for got, plane in zip(_planes(out), _planes(image)):
        np.testing.assert_array_equal(got, numpy_median(plane, radius))
    if len(shape) == 3 and shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], image[..., 3])
