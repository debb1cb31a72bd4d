import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing.threshold import (
    multi_otsu_levels,
    otsu_level,
    threshold_adaptive,
    threshold_global,
    threshold_multi_otsu,
    threshold_otsu,
    threshold_triangle,
    triangle_level,
)
from tests.conftest import make_image

WEIGHTS = np.array([0.2126, 0.7152, 0.0722], np.float32)


def luma_of(image):
    """Reference luminance: gray as is, else the Rec. 709 weighted sum of R, G, B."""
    if image.ndim == 2:
        return image
    return (image[..., :3] @ WEIGHTS).astype(np.float32)


def bins_of(luma, bins=256):
    return np.minimum(np.floor(luma.astype(np.float64) * bins), bins - 1).astype(int)


def two_cluster_image(shape, seed, low=0.25, high=0.7, spread=0.08):
    """Dark and bright noisy blobs: a clearly bimodal histogram."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    mask = np.zeros((h, w), bool)
    mask[h // 4 : 3 * h // 4, w // 3 :] = True
    base = np.where(mask, high, low)[..., None] if len(shape) == 3 else np.where(mask, high, low)
    noise = rng.normal(0, spread, shape)
    image = np.clip(base + noise, 0, 1).astype(np.float32)
    image.flags.writeable = False
    return image


# ---------------------------------------------------------------------------
# global


def test_global_matches_per_pixel_comparison(any_image):
    luma = luma_of(any_image)
    for level in (0.0, 0.3, 0.5, float(luma[3, 4]), 1.0):
        out = threshold_global(any_image, level)
        assert out.shape == luma.shape and out.dtype == np.float32
        expected = [[1.0 if v >= np.float32(level) else 0.0 for v in row] for row in luma]
        np.testing.assert_array_equal(out, expected)


def test_global_level_zero_is_all_white():
    assert threshold_global(make_image((5, 5), 1), 0.0).min() == 1.0


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_global_rejects_bad_level(bad):
    with pytest.raises(ValueError, match="level"):
        threshold_global(np.zeros((3, 3), np.float32), bad)


# ---------------------------------------------------------------------------
# Otsu


def exhaustive_otsu(luma, bins=256):
    """Try every split k of the bins; the class means and weights from the pixels themselves."""
    k_of = bins_of(luma, bins).ravel()
    values = (k_of + 0.5) / bins  # pixels at their bin centres
    n = values.size
    best_k, best_score = 0, -1.0
    for k in range(bins):
        dark, bright = values[k_of <= k], values[k_of > k]
        if len(dark) == 0 or len(bright) == 0:
            score = 0.0
        else:
            score = (len(dark) / n) * (len(bright) / n) * (dark.mean() - bright.mean()) ** 2
        if score > best_score:
            best_k, best_score = k, score
    return (best_k + 1) / bins


@pytest.mark.parametrize(
    "image",
    [
        make_image((20, 24), 1),
        make_image((20, 24, 3), 2),
        make_image((20, 24, 4), 3),
        two_cluster_image((30, 30), 4),
        two_cluster_image((16, 20, 3), 5, 0.1, 0.9, 0.02),
        np.random.default_rng(6).random((15, 15)).astype(np.float32),
    ],
    ids=["gray", "rgb", "rgba", "bimodal", "bimodal-rgb-gaps", "uniform"],
)
def test_otsu_equals_exhaustive_search(image):
    level = otsu_level(image)
    assert level == exhaustive_otsu(luma_of(image))
    np.testing.assert_array_equal(threshold_otsu(image), luma_of(image) >= level)


def test_otsu_other_bin_counts():
    image = make_image((21, 19), 7)
    for bins in (16, 100):
        assert otsu_level(image, bins=bins) == exhaustive_otsu(image, bins)


def test_otsu_separates_two_clusters():
    image = two_cluster_image((40, 40), 8, spread=0.03)
    truth = np.zeros((40, 40), bool)
    truth[10:30, 13:] = True
    np.testing.assert_array_equal(threshold_otsu(image), truth)


def test_otsu_constant_image():
    image = np.full((4, 4), 0.5, np.float32)
    assert otsu_level(image) == 1 / 256
    assert threshold_otsu(image).min() == 1.0


# ---------------------------------------------------------------------------
# multi-Otsu


def brute_multi_otsu(luma, classes, bins=256):
    """All cuts between the non-empty bins (cuts inside a gap give the same
    classes); score = between-class variance from the pixels; returns the class map."""
    k_of = bins_of(luma, bins)
    values = (k_of + 0.5) / bins
    filled = np.unique(k_of)
    n, mean = values.size, values.mean()
    best, best_map = -1.0, None
    for cut in itertools.combinations(filled[1:], classes - 1):
        cls = np.searchsorted(np.array(cut), k_of, side="right")
        score = 0.0
        for c in range(classes):
            member = values[cls == c]
            if member.size:
                score += member.size / n * (member.mean() - mean) ** 2
        if score > best + 1e-15:
            best, best_map = score, cls
    return (best_map / (classes - 1)).astype(np.float32)


@pytest.mark.parametrize("classes", [2, 3, 4])
def test_multi_otsu_matches_brute_force(classes):
    # 24 distinct levels keep the brute force small; noise levels are bin centres.
    rng = np.random.default_rng(classes)
    levels = (np.sort(rng.choice(256, 24, replace=False)) + 0.5) / 256
    image = rng.choice(levels, size=(18, 22)).astype(np.float32)
    np.testing.assert_array_equal(threshold_multi_otsu(image, classes), brute_multi_otsu(image, classes))


def test_multi_otsu_five_classes_on_five_clusters():
    rng = np.random.default_rng(3)
    centres = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    truth = rng.integers(0, 5, (30, 30))
    image = np.clip(centres[truth] + rng.normal(0, 0.02, truth.shape), 0, 1).astype(np.float32)
    np.testing.assert_array_equal(threshold_multi_otsu(image, 5), (truth / 4).astype(np.float32))
    levels = multi_otsu_levels(image, 5)
    assert len(levels) == 4 and all(a < b for a, b in zip(levels, levels[1:]))
    assert all(c < level < c + 0.2 for c, level in zip(centres, levels))


def test_multi_otsu_two_classes_is_otsu(any_image):
    assert multi_otsu_levels(any_image, 2) == (otsu_level(any_image),)
    np.testing.assert_array_equal(threshold_multi_otsu(any_image, 2), threshold_otsu(any_image))


def test_multi_otsu_levels_match_output():
    image = make_image((25, 25, 3), 9)
    levels = multi_otsu_levels(image, 4)
    luma = luma_of(image)
    classes = (luma[..., None] >= np.array(levels, np.float32)).sum(-1)
    np.testing.assert_array_equal(threshold_multi_otsu(image, 4), (classes / 3).astype(np.float32))


def test_multi_otsu_fewer_levels_than_classes():
    image = np.array([[0.2, 0.2, 0.8]], np.float32)
    out = threshold_multi_otsu(image, 4)
    assert out.dtype == np.float32 and set(np.unique(out).tolist()) <= set(np.float32([0, 1 / 3, 2 / 3, 1]).tolist())
    assert out[0, 0] < out[0, 2]


@pytest.mark.parametrize("bad", [1, 6, 2.5])
def test_multi_otsu_rejects_bad_classes(bad):
    with pytest.raises(ValueError, match="classes"):
        threshold_multi_otsu(np.zeros((3, 3), np.float32), bad)


# ---------------------------------------------------------------------------
# adaptive


def ref_local_mean(luma, radius):
    """Mean over the (2r+1)^2 window, reflect border (edge repeated), pixel by pixel."""
    padded = np.pad(luma.astype(np.float64), radius, mode="symmetric")
    out = np.zeros(luma.shape)
    size = 2 * radius + 1
    for y in range(luma.shape[0]):
        for x in range(luma.shape[1]):
            out[y, x] = padded[y : y + size, x : x + size].mean()
    return out


def ref_local_gaussian(luma, sigma, truncate=4.0):
    """Direct 2-D Gaussian-weighted mean, reflect border."""
    r = int(truncate * sigma + 0.5)
    x = np.arange(-r, r + 1)
    k1 = np.exp(-0.5 * (x / sigma) ** 2)
    k1 /= k1.sum()
    kernel = np.outer(k1, k1)
    padded = np.pad(luma.astype(np.float64), r, mode="symmetric")
    out = np.zeros(luma.shape)
    for y in range(luma.shape[0]):
        for x_ in range(luma.shape[1]):
            out[y, x_] = (padded[y : y + 2 * r + 1, x_ : x_ + 2 * r + 1] * kernel).sum()
    return out


def assert_binary_matches(out, luma, threshold, margin=1e-5):
    """Compare away from the decision boundary, where float rounding cannot decide."""
    assert out.dtype == np.float32 and set(np.unique(out)) <= {0.0, 1.0}
    clear = np.abs(luma - threshold) > margin
    np.testing.assert_array_equal(out[clear], (luma >= threshold)[clear])
    assert clear.mean() > 0.9


@pytest.mark.parametrize("block_size, offset", [(3, 0.0), (7, 0.02), (8, -0.05), (41, 0.01)])
def test_adaptive_mean_matches_window_loop(any_image, block_size, offset):
    luma = luma_of(any_image)
    out = threshold_adaptive(any_image, block_size, offset, "mean")
    assert out.shape == luma.shape
    assert_binary_matches(out, luma, ref_local_mean(luma, block_size // 2) - offset)


@pytest.mark.parametrize("block_size", [3, 13])
def test_adaptive_gaussian_matches_direct_weights(block_size):
    image = make_image((16, 19, 3), 10)
    luma = luma_of(image)
    out = threshold_adaptive(image, block_size, 0.01, "gaussian")
    assert_binary_matches(out, luma, ref_local_gaussian(luma, (block_size - 1) / 6) - 0.01)


def test_adaptive_handles_uneven_lighting():
    # Dark text strokes on paper lit by a strong gradient: one global level fails, the local mean does not.
    h, w = 40, 60
    light = np.linspace(0.35, 1.0, w)[None, :].repeat(h, 0)
    text = np.zeros((h, w), bool)
    text[10:30:4, 5:55] = True
    image = (light * np.where(text, 0.5, 1.0)).astype(np.float32)
    out = threshold_adaptive(image, 9, 0.05)
    np.testing.assert_array_equal(out == 0, text)
    assert not np.array_equal(threshold_otsu(image) == 0, text)


def test_adaptive_block_one_and_flat_image():
    image = make_image((9, 9), 11)
    # Block 1: the mean is the pixel itself, so Y >= Y - offset everywhere.
    assert threshold_adaptive(image, 1, 0.0).min() == 1.0
    flat = np.full((12, 12), 0.4, np.float32)
    assert threshold_adaptive(flat, 5, 0.02).min() == 1.0
    assert threshold_adaptive(flat, 5, -0.02).max() == 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"block_size": 0}, "block_size must be >= 1, got 0"),
        ({"offset": 2}, "offset must be <= 1, got 2"),
        ({"method": "median"}, "method must be one of mean, gaussian; got 'median'"),
    ],
)
def test_adaptive_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        threshold_adaptive(np.zeros((5, 5), np.float32), **kwargs)


# ---------------------------------------------------------------------------
# triangle


def ref_triangle(luma, bins=256):
    """Geometric triangle method: line from the peak to the far end (height 0),
    the bin with the largest perpendicular distance below the line."""
    counts = np.bincount(bins_of(luma, bins).ravel(), minlength=bins).astype(float)
    filled = np.flatnonzero(counts)
    low, high, peak = filled[0], filled[-1], int(np.argmax(counts))
    end = high if high - peak > peak - low else low
    x1, y1, x2, y2 = end, 0.0, peak, counts[peak]
    norm = np.hypot(x2 - x1, y2 - y1)
    best, best_d = peak, -np.inf
    for k in range(min(end, peak), max(end, peak) + 1):
        # Signed distance, positive below the line (away from the histogram's bulk).
        d = ((x2 - x1) * (y1 - counts[k]) - (x1 - k) * (y2 - y1)) / norm
        d = d if end < peak else -d
        better = d > best_d + 1e-9 or (abs(d - best_d) <= 1e-9 and (k < best if end < peak else k > best))
        if better:
            best, best_d = k, d
    return (best + 1) / bins if end > peak else best / bins


def skewed_image(shape, seed, bright_tail=True):
    rng = np.random.default_rng(seed)
    values = np.clip(0.15 + rng.exponential(0.12, shape), 0, 1)
    values = values if bright_tail else 1 - values
    image = values.astype(np.float32)
    image.flags.writeable = False
    return image


@pytest.mark.parametrize("bright_tail", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_triangle_matches_geometric_reference(bright_tail, seed):
    image = skewed_image((30, 30), seed, bright_tail)
    level = triangle_level(image)
    assert level == ref_triangle(image)
    np.testing.assert_array_equal(threshold_triangle(image), image >= level)


def test_triangle_hand_computed_histogram():
    # 16 bins; the line runs from (2, 0) to the peak (12, 100): 10 per bin. Below
    # it by 100 (x - 2) - 10 h(x): bin 4 scores 200, bin 10 scores 500, bin 11 400.
    counts = {2: 60, 3: 5, 5: 40, 6: 40, 7: 40, 8: 40, 9: 40, 10: 30, 11: 50, 12: 100}
    values = np.concatenate([np.full(n, (k + 0.5) / 16) for k, n in counts.items()])
    image = values.reshape(1, -1).astype(np.float32)
    assert triangle_level(image, bins=16) == ref_triangle(image, 16) == 10 / 16
    # Mirrored: the tail is bright, bin 15 - 10 = 5 goes with the peak (dark) class.
    assert triangle_level(1 - image, bins=16) == ref_triangle(1 - image, 16) == 6 / 16


def test_triangle_colour_uses_luma():
    rgb = np.repeat(skewed_image((20, 20), 4)[..., None], 3, axis=-1)
    assert triangle_level(rgb) == ref_triangle(luma_of(rgb))


def test_triangle_inverting_the_image_inverts_the_result():
    rng = np.random.default_rng(5)
    k = np.clip(40 + rng.exponential(30, (25, 25)).astype(int), 0, 255)
    image = ((k + 0.5) / 256).astype(np.float32)  # bin centres: 1 - x is exactly bin 255 - k
    out = threshold_triangle(image)
    np.testing.assert_array_equal(threshold_triangle(1 - image), 1 - out)
    assert 0 < out.mean() < 0.5  # the faint bright tail is the foreground


def test_triangle_constant_image_is_white():
    assert threshold_triangle(np.full((3, 3), 0.3, np.float32)).min() == 1.0


# ---------------------------------------------------------------------------
# Properties of every threshold


OPS = {
    "global": lambda im: threshold_global(im, 0.5),
    "otsu": threshold_otsu,
    "multi3": lambda im: threshold_multi_otsu(im, 3),
    "multi5": lambda im: threshold_multi_otsu(im, 5),
    "adaptive_mean": lambda im: threshold_adaptive(im, 5, 0.02),
    "adaptive_gauss": lambda im: threshold_adaptive(im, 7, 0.0, "gaussian"),
    "triangle": threshold_triangle,
}


@settings(max_examples=60, deadline=None)
@given(
    image=arrays(
        np.float32,
        st.one_of(
            st.tuples(st.integers(1, 10), st.integers(1, 10)),
            st.tuples(st.integers(1, 10), st.integers(1, 10), st.sampled_from([3, 4])),
        ),
        elements=st.floats(0, 1, width=32),
    ),
    name=st.sampled_from(sorted(OPS)),
)
def test_threshold_properties(image, name):
    image.flags.writeable = False
    before = image.copy()
    out = OPS[name](image)
    assert out.shape == image.shape[:2] and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    allowed = {0.0, 0.25, 0.5, 0.75, 1.0} if name.startswith("multi") else {0.0, 1.0}
    assert set(np.unique(out).tolist()) <= allowed
    np.testing.assert_array_equal(image, before)
    # Brighter never turns black: every threshold here is monotone in the luminance
    # for a fixed level (the adaptive one compares with a neighbourhood instead).
    if not name.startswith("adaptive"):
        luma = luma_of(image).ravel()
        order = np.argsort(luma, kind="stable")
        assert np.all(np.diff(out.ravel()[order]) >= 0)


# The mean method runs band by band (column sums sliding down, sums of 2, 4,
# 8 ... neighbours along rows): shapes taller than many bands, wider than tall, and windows
# larger than the image check the seams and the reflected borders.
@pytest.mark.parametrize("shape", [(150, 9), (7, 300), (9, 11), (1, 1), (2, 40)])
@pytest.mark.parametrize("block_size, offset", [(1, 0.01), (5, 0.03), (31, -0.02), (61, 0.005)])
def test_adaptive_mean_bands_and_borders(shape, block_size, offset):
    luma = make_image(shape, seed=sum(shape) + block_size)
    out = threshold_adaptive(luma, block_size, offset, "mean")
    assert out.shape == luma.shape
    assert_binary_matches(out, luma, ref_local_mean(luma, block_size // 2) - offset, margin=1e-6)


def test_adaptive_mean_flat_is_exact_at_zero_offset():
    # Y >= mean(Y) holds with equality on a flat image: no rounding may break it.
    for value in (0.1, 0.4, 1.0 / 3.0, 0.9):
        flat = np.full((40, 33), value, np.float32)
        for block in (3, 31, 101):
            assert threshold_adaptive(flat, block, 0.0).min() == 1.0


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 31, 32, 33, 101])
def test_window_sums_of_every_length_match_a_direct_sum(size):
    from processing._local_mean import _window_sums

    rng = np.random.default_rng(size)
    a = rng.random((3, 40 + size - 1))
    spare = (np.full_like(a, np.nan), np.full_like(a, np.nan))  # leftovers would show
    out = np.empty((3, 40))
    _window_sums(a, size, out, spare)
    direct = np.array([[row[x : x + size].sum() for x in range(40)] for row in a])
    np.testing.assert_allclose(out, direct, rtol=1e-12)
