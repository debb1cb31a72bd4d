"""Image quilting: reproducible, made only of copied sample pixels, joined
along the cheapest seam; the sample rectangle of a selection."""
import itertools

import numpy as np
import pytest

from processing import synthesis
from processing._quilting import OverlapErrors, minimum_cut
from processing.synthesis import largest_rectangle, synthesize_texture


def unique_sample(height, width, channels=None, seed=0):
    """A read-only sample whose pixels are all different, so that each
    output pixel tells where in the sample it came from.

    Channel 0 (or the gray value) is a shuffled ramp k / n: distinct and
    exact in float32. Other channels are random."""
    rng = np.random.default_rng(seed)
    n = height * width
    ids = (rng.permutation(n) / n).astype(np.float32).reshape(height, width)
    if channels is None:
        sample = ids
    else:
        sample = rng.random((height, width, channels)).astype(np.float32)
        sample[..., 0] = ids
    sample.flags.writeable = False
    return sample


def provenance(output, sample):
    """(row, column) in ``sample`` of every output pixel; asserts that each
    output pixel is a whole copy of a sample pixel (all its channels)."""
    ids = sample if sample.ndim == 2 else sample[..., 0]
    order = np.argsort(ids, axis=None)
    key = output if output.ndim == 2 else output[..., 0]
    found = np.searchsorted(ids.ravel()[order], key.ravel())
    found = np.minimum(found, order.size - 1)
    flat = order[found]
    assert np.array_equal(ids.ravel()[flat], key.ravel()), "an output value is not in the sample"
    rows, cols = np.unravel_index(flat, ids.shape)
    rows, cols = rows.reshape(key.shape), cols.reshape(key.shape)
    assert np.array_equal(sample[rows, cols], output), "an output pixel mixes channels of different sample pixels"
    return rows, cols


def brute_force_cut(cost):
    """The cheapest top-to-bottom path with moves of at most one column, by
    trying every path."""
    rows, cols = cost.shape
    best, best_path = np.inf, None
    for start in range(cols):
        for moves in itertools.product((-1, 0, 1), repeat=rows - 1):
            path = [start]
            for m in moves:
                path.append(path[-1] + m)
            if min(path) < 0 or max(path) >= cols:
                continue
            total = sum(cost[r, c] for r, c in enumerate(path))
            if total < best:
                best, best_path = total, path
    return best_path


# -- the minimum cut -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (5, 1), (5, 3), (6, 4)])
@pytest.mark.parametrize("seed", range(4))
def test_minimum_cut_matches_exhaustive_search(shape, seed):
    cost = np.random.default_rng(seed).random(shape)
    assert minimum_cut(cost).tolist() == brute_force_cut(cost)


def test_minimum_cut_of_a_stack_cuts_each_array_on_its_own():
    rng = np.random.default_rng(5)
    costs = rng.random((3, 6, 4))
    assert minimum_cut(costs).tolist() == [brute_force_cut(c) for c in costs]


def test_minimum_cut_follows_a_cheap_valley():
    cost = np.ones((6, 5))
    valley = [0, 1, 2, 3, 3, 4]
    cost[np.arange(6), valley] = 0.0
    assert minimum_cut(cost).tolist() == valley


# -- overlap errors of all candidates --------------------------------------------------
@pytest.mark.parametrize("left, top", [(True, False), (False, True), (True, True)])
@pytest.mark.parametrize("channels", [1, 3])
def test_overlap_errors_equal_the_sum_of_squares_at_every_candidate(left, top, channels):
    rng = np.random.default_rng(channels)
    sample = rng.random((13, 11, channels))
    patch, overlap = 5, 2
    placed = rng.random((patch, patch, channels))
    inside = np.zeros((patch, patch), bool)
    if left:
        inside[:, :overlap] = True
    if top:
        inside[:overlap, :] = True
    expected = np.empty((13 - patch + 1, 11 - patch + 1))
    for y in range(expected.shape[0]):
        for x in range(expected.shape[1]):
            difference = sample[y:y + patch, x:x + patch] - placed
            expected[y, x] = (difference[inside] ** 2).sum()
    errors = OverlapErrors(sample, patch, overlap)(placed, left=left, top=top)
    np.testing.assert_allclose(errors, expected, rtol=1e-9, atol=1e-9)


# -- reproducible ----------------------------------------------------------------------
def test_same_seed_gives_the_same_bytes_and_another_seed_another_texture():
    sample = unique_sample(24, 30, 3)
    first = synthesize_texture(sample, 70, 50, patch_size=10, overlap=3, seed=11)
    again = synthesize_texture(sample, 70, 50, patch_size=10, overlap=3, seed=11)
    other = synthesize_texture(sample, 70, 50, patch_size=10, overlap=3, seed=12)
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()


def test_input_is_not_changed():
    sample = unique_sample(20, 20, 4)
    before = sample.copy()
    synthesize_texture(sample, 40, 40, patch_size=8, overlap=2, seed=0)
    assert np.array_equal(sample, before)


# -- every pixel is a copy of a sample pixel, in whole patches -------------------------
@pytest.mark.parametrize("channels", [None, 3, 4], ids=["gray", "rgb", "rgba"])
@pytest.mark.parametrize("patch, overlap", [(10, 3), (9, 2), (7, 0)])
def test_pixels_are_copies_placed_patch_by_patch(channels, patch, overlap):
    sample = unique_sample(26, 22, channels, seed=patch)
    height, width = 61, 53
    out = synthesize_texture(sample, width, height, patch_size=patch, overlap=overlap, seed=3)
    rows, cols = provenance(out, sample)
    shift_y = rows - np.arange(height)[:, None]
    shift_x = cols - np.arange(width)[None, :]
    step = patch - overlap
    # Each patch's core, which no other patch reaches, is one block of the sample.
    shifts = {}
    for y0 in range(0, height, step):
        for x0 in range(0, width, step):
            core = (slice(y0 + overlap, min(y0 + step, height)), slice(x0 + overlap, min(x0 + step, width)))
            if shift_y[core].size == 0:
                continue
            dy, dx = np.unique(shift_y[core]), np.unique(shift_x[core])
            assert dy.size == 1 and dx.size == 1, f"the core of the patch at ({y0}, {x0}) is not one block"
            # The block lies inside the sample.
            assert 0 <= y0 + dy[0] <= sample.shape[0] - patch and 0 <= x0 + dx[0] <= sample.shape[1] - patch
            shifts[y0, x0] = (dy[0], dx[0])
    # Every pixel, seams included, comes from one of the patches that cover it, at that patch's offset.
    for y in range(height):
        for x in range(width):
            covering = {shifts[y0, x0] for (y0, x0) in shifts if y0 <= y < y0 + patch and x0 <= x < x0 + patch}
            assert (shift_y[y, x], shift_x[y, x]) in covering, (y, x)


# -- patch choice and seam on constructed examples --------------------------------------
def overlap_cost(sample, old, new, patch, overlap):
    """Squared difference, summed over channels, between the right strip
    of the patch at column ``old`` and the left strip of the one at ``new``
    (a one-row sample)."""
    step = patch - overlap
    a = sample[:, old + step:old + patch].astype(np.float64)
    b = sample[:, new:new + overlap].astype(np.float64)
    return ((a - b) ** 2).reshape(a.shape[0], overlap, -1).sum(axis=2)


@pytest.mark.parametrize("tolerance", [0.3, 1.0])
@pytest.mark.parametrize("seed", range(6))
def test_patches_are_picked_within_the_tolerance_of_the_best(tolerance, seed):
    patch, overlap = 6, 2
    sample = unique_sample(patch, 40, 3, seed=seed)  # 35 candidates in one row
    out = synthesize_texture(sample, 2 * patch - overlap, patch, patch_size=patch, overlap=overlap,
                             seed=seed, tolerance=tolerance)
    _, cols = provenance(out, sample)
    old, new = int(cols[0, 0]), int(cols[0, -1]) - (patch - 1)
    errors = np.array([overlap_cost(sample, old, c, patch, overlap).sum() for c in range(40 - patch + 1)])
    best, median = errors.min(), np.median(errors)
    assert errors[new] <= best + tolerance * (median - best) + 1e-9


@pytest.mark.parametrize("channels", [None, 3])
@pytest.mark.parametrize("seed", range(6))
def test_second_patch_is_the_best_match_and_the_seam_the_cheapest_path(channels, seed):
    patch, overlap = 6, 3
    step = patch - overlap
    # One row of candidates, too few for the first patch to be continued
    # exactly (its continuation would start past the last candidate): the
    # second patch differs from the first in the overlap, so the seam matters.
    sample = unique_sample(patch, patch + step - 1, channels, seed=seed)
    out = synthesize_texture(sample, 2 * patch - overlap, patch, patch_size=patch, overlap=overlap,
                             seed=seed, tolerance=0.0)
    rows, cols = provenance(out, sample)
    assert (rows == np.arange(patch)[:, None]).all()
    old = int(cols[0, 0])  # the first patch's left column
    new = int(cols[0, -1]) - (patch - 1)  # the second patch's left column
    assert new != old + step
    # With no tolerance the second patch is the candidate of least overlap error, found by trying all.
    errors = [overlap_cost(sample, old, c, patch, overlap).sum() for c in range(sample.shape[1] - patch + 1)]
    assert new == int(np.argmin(errors))
    # Across the overlap, old pixels left of the cheapest path, new ones from it on.
    path = brute_force_cut(overlap_cost(sample, old, new, patch, overlap))
    for r in range(patch):
        for k in range(overlap):
            expected = old + step + k if k < path[r] else new + k
            assert cols[r, step + k] == expected, (r, k)


def test_top_seam_is_the_cheapest_path_across_the_columns():
    patch, overlap = 6, 3
    step = patch - overlap
    sample = unique_sample(patch + step - 1, patch, 3, seed=9)  # one column of candidates, none continuing the first
    out = synthesize_texture(sample, patch, 2 * patch - overlap, patch_size=patch, overlap=overlap,
                             seed=4, tolerance=0.0)
    rows, cols = provenance(out, sample)
    assert (cols == np.arange(patch)[None, :]).all()
    old, new = int(rows[0, 0]), int(rows[-1, 0]) - (patch - 1)
    assert new != old + step
    a = sample[old + step:old + patch].astype(np.float64)
    b = sample[new:new + overlap].astype(np.float64)
    path = brute_force_cut(((a - b) ** 2).sum(axis=2).T)  # one row per column of the image
    for c in range(patch):
        for k in range(overlap):
            expected = old + step + k if k < path[c] else new + k
            assert rows[step + k, c] == expected, (c, k)


def test_large_tolerance_picks_patches_at_random():
    sample = unique_sample(40, 40, seed=2)
    out = synthesize_texture(sample, 120, 120, patch_size=8, overlap=2, seed=1, tolerance=1e9)
    rows, cols = provenance(out, sample)
    shifts = {(rows[y, x] - y, cols[y, x] - x) for y in range(4, 120, 6) for x in range(4, 120, 6)}
    assert len(shifts) > 100  # of the 400 patches, nearly all different


def test_a_periodic_sample_is_continued_seamlessly():
    # A sample that tiles with period 5: the best patch always continues the pattern.
    y, x = np.mgrid[0:30, 0:30]
    sample = (((3 * y + x) % 5) / 5).astype(np.float32)
    out = synthesize_texture(sample, 64, 48, patch_size=12, overlap=4, seed=6, tolerance=0.0)
    yy, xx = np.mgrid[0:48, 0:64]
    phase = int(round(out[0, 0] * 5))
    assert np.allclose(out, ((3 * yy + xx + phase) % 5) / 5)


# -- shapes, dtypes, sizes -------------------------------------------------------------
@pytest.mark.parametrize("shape", [(20, 24), (20, 24, 3), (20, 24, 4)])
@pytest.mark.parametrize("size", [(1, 1), (5, 30), (100, 7), (64, 64)])
def test_shape_and_dtype(shape, size):
    sample = unique_sample(*shape[:2], shape[2] if len(shape) == 3 else None)
    width, height = size
    out = synthesize_texture(sample, width, height, patch_size=8, overlap=3, seed=0)
    assert out.shape == (height, width) + shape[2:]
    assert out.dtype == np.float32


def test_float64_input_and_patch_of_the_whole_sample():
    sample = np.random.default_rng(0).random((9, 12))
    out = synthesize_texture(sample, 30, 20, patch_size=9, overlap=4, seed=2)
    assert out.dtype == np.float32 and out.shape == (20, 30)
    assert np.isin(out, sample.astype(np.float32)).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"width": 0}, r"^width must be >= 1, got 0$"),
    ({"height": -3}, r"^height must be >= 1, got -3$"),
    ({"width": 2.5}, r"^width must be an integer, got 2.5$"),
    ({"width": 1 << 15, "height": 1 << 15},
     r"^the texture would be 32768 x 32768 pixels, more than the limit of 536 megapixels$"),
    ({"patch_size": 21}, r"^patch_size must be at most the sample's smaller side \(20 pixels; the sample is "
                         r"24 x 20\), got 21$"),
    ({"patch_size": 0}, r"^patch_size must be >= 1, got 0$"),
    ({"patch_size": 8, "overlap": 8}, r"^overlap must be less than patch_size \(8\), got 8$"),
    ({"overlap": -1}, r"^overlap must be >= 0, got -1$"),
    ({"seed": -1}, r"^seed must be >= 0, got -1$"),
    ({"tolerance": -0.1}, r"^tolerance must be >= 0, got -0.1$"),
])
def test_precise_errors(kwargs, message):
    sample = unique_sample(20, 24, 3)
    arguments = {"width": 40, "height": 40, "patch_size": 8, "overlap": 2, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        synthesize_texture(sample, **arguments)


def test_limits_are_the_documented_ones():
    assert synthesis.MAX_OUTPUT_PIXELS == 1 << 29
    assert synthesis.MAX_PATCHES == synthesis.MAX_SAMPLE_PIXELS == 1 << 20


def test_too_many_patches_and_too_large_a_sample_are_refused():
    sample = unique_sample(20, 24, 3)
    # 8-pixel patches overlapping by 2 start every 6 pixels: (8192 - 2) / 6 = 1365 of them each way.
    with pytest.raises(ValueError, match=r"^the texture would take 1863225 patches of 8 pixels, more than the "
                                         r"limit of 1048576; use larger patches or a smaller texture$"):
        synthesize_texture(sample, 8192, 8192, patch_size=8, overlap=2, seed=0)
    big = np.zeros((1025, 1024), np.float32)
    with pytest.raises(ValueError, match=r"^the sample is 1024 x 1025 pixels, more than the limit of 1.05 "
                                         r"megapixels; every patch is compared with the whole sample"):
        synthesize_texture(big, 64, 64, patch_size=32, overlap=8, seed=0)


def test_without_overlap_patches_are_tiled_as_the_loop_would_pick_them():
    sample = unique_sample(30, 26, 3, seed=4)
    out = synthesize_texture(sample, 50, 45, patch_size=9, overlap=0, seed=8)
    draws = np.random.default_rng(8).random(6 * 5)  # ceil(50 / 9) across, ceil(45 / 9) down
    candidates_across = 26 - 9 + 1
    for k, u in enumerate(draws):
        i, j = divmod(k, 6)
        top, left = divmod(int(u * (30 - 9 + 1) * candidates_across), candidates_across)
        block = out[9 * i:9 * i + 9, 9 * j:9 * j + 9]
        np.testing.assert_array_equal(block, sample[top:top + block.shape[0], left:left + block.shape[1]])


def test_integer_images_are_refused():
    with pytest.raises(TypeError, match="floating point"):
        synthesize_texture(np.zeros((20, 20), np.uint8), 30, 30, 8, 2, 0)


# -- progress and cancel ---------------------------------------------------------------
def test_progress_is_reported_per_patch_and_can_cancel():
    sample = unique_sample(20, 20, 3)
    seen = []
    synthesize_texture(sample, 44, 30, patch_size=8, overlap=2, seed=0, progress=seen.append)
    patches = 7 * 5  # ceil((44 - 2) / 6) across, ceil((30 - 2) / 6) down
    assert len(seen) == patches and seen == sorted(seen) and seen[-1] == 1.0

    class Stop(Exception):
        pass

    calls = []

    def cancel(fraction):
        calls.append(fraction)
        if len(calls) == 3:
            raise Stop

    with pytest.raises(Stop):
        synthesize_texture(sample, 44, 30, patch_size=8, overlap=2, seed=0, progress=cancel)
    assert len(calls) == 3


# -- the sample rectangle of a selection ------------------------------------------------
def brute_force_largest_area(mask):
    h, w = mask.shape
    best = 0
    for top in range(h):
        for left in range(w):
            for bottom in range(top + 1, h + 1):
                for right in range(left + 1, w + 1):
                    if (right - left) * (bottom - top) > best and mask[top:bottom, left:right].all():
                        best = (right - left) * (bottom - top)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_largest_rectangle_is_inside_and_as_large_as_any(seed):
    rng = np.random.default_rng(seed)
    mask = rng.random((7, 9)) < (0.6 + 0.03 * seed)
    top, left, height, width = largest_rectangle(mask)
    assert height * width == brute_force_largest_area(mask)
    if height:
        assert mask[top:top + height, left:left + width].all()


def test_largest_rectangle_of_a_selection_shape():
    mask = np.zeros((40, 50), np.float32)
    yy, xx = np.mgrid[0:40, 0:50]
    mask[(yy - 20) ** 2 + (xx - 25) ** 2 <= 15 ** 2] = 1.0  # a disc
    mask[5:35, 3:6] = 0.7  # a soft strip, counted in (>= 0.5)
    mask[0:40, 48] = 0.4  # too faint to count
    top, left, height, width = largest_rectangle(mask)
    assert height * width == brute_force_largest_area(mask >= 0.5)
    assert largest_rectangle(np.zeros((4, 4), bool)) == (0, 0, 0, 0)
    assert largest_rectangle(np.ones((3, 5), bool)) == (0, 0, 3, 5)


def test_largest_rectangle_refuses_an_image():
    with pytest.raises(ValueError, match=r"^mask must be 2-D \(H, W\), got shape \(3, 3, 3\)$"):
        largest_rectangle(np.ones((3, 3, 3), bool))
