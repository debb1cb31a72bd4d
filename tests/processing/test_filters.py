import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing.filters import gaussian_blur, gaussian_kernel1d
from tests.conftest import make_image


def direct_gaussian(image, sigma, truncate=4.0):
    """Slow, obviously correct: 2-D correlation with the outer-product kernel,
    reflect border (edge pixel repeated), pixel by pixel."""
    k1 = gaussian_kernel1d(sigma, truncate)
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
    from processing import filters
    monkeypatch.setattr(filters, "_FFT_MIN_TAPS", fft_min_taps)
    monkeypatch.setattr(filters, "_PARALLEL_MIN", 0)
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
    from processing import filters
    monkeypatch.setattr(filters, "_PARALLEL_MIN", 0)
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
    from processing import filters
    monkeypatch.setattr(filters, "_PARALLEL_MIN", 0)
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
