from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing import segmentation as seg
from processing.segmentation import (
    PALETTE,
    components_overlay,
    distance_transform,
    kmeans_colors,
    kmeans_labels,
    label_components,
    label_overlay,
    region_grow,
    region_highlight,
    slic_labels,
    slic_superpixels,
    split_objects,
    split_objects_labels,
    watershed_from_markers,
)
from tests.conftest import make_image

NEIGHBOURS = {
    4: [(-1, 0), (1, 0), (0, -1), (0, 1)],
    8: [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)],
}


def flood_labels(mask, connectivity):
    """Labels by flood fill from each new pixel in raster order."""
    h, w = mask.shape
    out = np.zeros((h, w), np.int32)
    n = 0
    for y in range(h):
        for x in range(w):
            if mask[y, x] and not out[y, x]:
                n += 1
                out[y, x] = n
                queue = deque([(y, x)])
                while queue:
                    cy, cx = queue.popleft()
                    for dy, dx in NEIGHBOURS[connectivity]:
                        ny, nx = cy + dy, cx + dx
                        if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not out[ny, nx]:
                            out[ny, nx] = n
                            queue.append((ny, nx))
    return out


def color_of(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def luma_of(image):
    c = color_of(image)
    if c.ndim == 2:
        return c
    return c[..., 0] * np.float32(0.2126) + c[..., 1] * np.float32(0.7152) + c[..., 2] * np.float32(0.0722)


masks = st.integers(1, 16).flatmap(lambda h: st.integers(1, 16).flatmap(lambda w: arrays(np.bool_, (h, w))))


# ---------------------------------------------------------------------------
# label_components
# ---------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(mask=masks, connectivity=st.sampled_from([4, 8]))
def test_label_components_matches_flood_fill(mask, connectivity):
    mask.flags.writeable = False
    out = label_components(mask, connectivity)
    assert out.dtype == np.int32 and out.shape == mask.shape
    np.testing.assert_array_equal(out, flood_labels(mask, connectivity))


def test_label_components_on_long_snakes():
    # A spiral and a serpentine: components whose run graphs are long chains.
    n = 41
    spiral = np.zeros((n, n), bool)
    y0, x0, y1, x1 = 0, 0, n - 1, n - 1
    while y0 <= y1 and x0 <= x1:
        spiral[y0, x0 : x1 + 1] = True
        spiral[y0 : y1 + 1, x1] = True
        spiral[y1, x0 : x1 + 1] = True
        spiral[y0 + 2 : y1 + 1, x0] = True
        y0, x0, y1, x1 = y0 + 2, x0 + 2, y1 - 2, x1 - 2
        if y0 <= y1:
            spiral[y0, x0 - 2 : x0 + 1] = True
    serpentine = np.zeros((30, 40), bool)
    serpentine[:, ::2] = True
    serpentine[-1, 1::4] = True
    serpentine[0, 3::4] = True
    for mask in (spiral, serpentine, spiral.T, ~spiral):
        for connectivity in (4, 8):
            np.testing.assert_array_equal(label_components(mask, connectivity), flood_labels(mask, connectivity))
    assert label_components(serpentine, 4).max() == 1


def test_label_components_thresholds_images(any_image):
    labels = label_components(any_image, 8)
    np.testing.assert_array_equal(labels, flood_labels(luma_of(any_image) >= 0.5, 8))


def test_label_components_rejects_bad_input():
    with pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6"):
        label_components(np.zeros((3, 3), bool), 6)
    with pytest.raises(ValueError, match="must be 2-D"):
        label_components(np.zeros((3, 3, 3), bool))
    with pytest.raises(TypeError, match="floating point"):
        label_components(np.zeros((3, 3), np.uint8))


# ---------------------------------------------------------------------------
# label_overlay
# ---------------------------------------------------------------------------


def overlay_reference(image, labels, mode, opacity):
    color = color_of(image).astype(np.float64)
    if mode == "palette" and color.ndim == 2:
        color = np.repeat(color[..., None], 3, axis=2)
    out = color.copy()
    for lab in np.unique(labels):
        if lab == 0:
            continue
        where = labels == lab
        if mode == "mean":
            paint = color_of(image)[where].astype(np.float64).mean(axis=0)
        else:
            paint = PALETTE[(lab - 1) % len(PALETTE)]
        out[where] = (1 - opacity) * color[where] + opacity * paint
    return out


@pytest.mark.parametrize("mode", ["mean", "palette"])
@pytest.mark.parametrize("opacity", [0.0, 0.4, 1.0])
def test_label_overlay_matches_reference(any_image, mode, opacity):
    labels = np.random.default_rng(0).integers(0, 5, any_image.shape[:2])
    out = label_overlay(any_image, labels, mode, opacity)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(color_of(out), overlay_reference(any_image, labels, mode, opacity), atol=1e-6)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])
    if mode == "mean" or any_image.ndim == 3:
        assert out.shape == any_image.shape
    else:
        assert out.shape == any_image.shape + (3,)


def test_palette_colours_are_distinct():
    assert PALETTE.shape == (64, 3) and PALETTE.min() >= 0 and PALETTE.max() <= 1
    # Consecutive labels never look alike.
    assert np.abs(np.diff(PALETTE, axis=0)).max(axis=1).min() > 0.15
    assert len(np.unique(PALETTE.round(3), axis=0)) == 64


def test_label_overlay_rejects_bad_labels():
    img = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match="shape"):
        label_overlay(img, np.zeros((4, 3), int))
    with pytest.raises(ValueError, match="integer"):
        label_overlay(img, np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=">= 0"):
        label_overlay(img, -np.ones((3, 4), int))
    with pytest.raises(ValueError, match="mode must be one of mean, palette; got 'rainbow'"):
        label_overlay(img, np.zeros((3, 4), int), "rainbow")
    with pytest.raises(ValueError, match="opacity must be <= 1"):
        label_overlay(img, np.zeros((3, 4), int), "mean", 2)


def test_components_overlay_paints_each_component(any_image):
    out = components_overlay(any_image, 4, "palette", 1.0)
    labels = flood_labels(luma_of(any_image) >= 0.5, 4)
    np.testing.assert_allclose(color_of(out), overlay_reference(any_image, labels, "palette", 1.0), atol=1e-6)


# ---------------------------------------------------------------------------
# region_grow
# ---------------------------------------------------------------------------


def grow_reference(image, seed_xy, tolerance, connectivity, mode):
    color = color_of(image)
    x, y = int(seed_xy[0]), int(seed_xy[1])
    diff = np.abs(color - color[y, x])
    match = (diff if diff.ndim == 2 else diff.max(axis=2)) <= np.float32(tolerance)
    if mode == "global":
        return match
    labels = flood_labels(match, connectivity)
    return labels == labels[y, x]


@settings(max_examples=60, deadline=None)
@given(
    image=st.tuples(st.integers(1, 12), st.integers(1, 12), st.sampled_from([None, 3, 4])).flatmap(
        lambda s: arrays(np.float32, s[:2] if s[2] is None else s, elements=st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.9]))),
    fx=st.floats(0, 0.999), fy=st.floats(0, 0.999),
    tolerance=st.sampled_from([0.0, 0.05, 0.2, 0.7]),
    connectivity=st.sampled_from([4, 8]), mode=st.sampled_from(["connected", "global"]),
)
def test_region_grow_matches_flood_fill(image, fx, fy, tolerance, connectivity, mode):
    image.flags.writeable = False
    seed = (fx * image.shape[1], fy * image.shape[0])
    out = region_grow(image, seed, tolerance, connectivity, mode)
    assert out.dtype == bool and out.shape == image.shape[:2]
    assert out[int(seed[1]), int(seed[0])]
    np.testing.assert_array_equal(out, grow_reference(image, seed, tolerance, connectivity, mode))


def test_region_grow_on_a_large_image_uses_bands():
    # Big enough to be split into two bands of rows on two threads.
    h, w = 600, 500
    yy, xx = np.mgrid[:h, :w]
    image = np.where((yy - 300) ** 2 + (xx - 250) ** 2 < 200 ** 2, 0.8, 0.2).astype(np.float32)
    image[300, :] = 0.5  # a line cuts the disk in two
    image = np.stack([image, image * 0.5, 1 - image], axis=-1)
    image.flags.writeable = False
    top = region_grow(image, (250, 150), 0.1, 4)
    expected = ((yy - 300) ** 2 + (xx - 250) ** 2 < 200 ** 2) & (yy < 300)
    np.testing.assert_array_equal(top, expected)
    both = region_grow(image, (250, 150), 0.1, 4, "global")
    np.testing.assert_array_equal(both, ((yy - 300) ** 2 + (xx - 250) ** 2 < 200 ** 2) & (yy != 300))


def test_region_grow_rejects_bad_arguments():
    img = np.zeros((4, 5), np.float32)
    with pytest.raises(ValueError, match=r"seed_xy \(5, 0\) is outside the 5x4 image"):
        region_grow(img, (5, 0))
    with pytest.raises(ValueError, match="tolerance must be <= 1"):
        region_grow(img, (0, 0), 1.5)
    with pytest.raises(ValueError, match="mode must be one of connected, global"):
        region_grow(img, (0, 0), 0.1, 8, "all")
    with pytest.raises(ValueError, match="seed_xy must be a pair"):
        region_grow(img, 3)


def test_region_highlight_tints_only_the_region(any_image):
    out = region_highlight(any_image, (3, 4), 0.2, 8, "connected", (1.0, 0.0, 0.0), 0.5)
    region = region_grow(any_image, (3, 4), 0.2, 8, "connected")
    base = color_of(any_image)
    base = np.repeat(base[..., None], 3, axis=2) if base.ndim == 2 else base
    expected = np.where(region[..., None], 0.5 * base + 0.5 * np.array([1.0, 0, 0]), base)
    np.testing.assert_allclose(color_of(out), expected, atol=1e-6)
    assert out.shape[:2] == any_image.shape[:2] and out.dtype == np.float32
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


# ---------------------------------------------------------------------------
# k-means
# ---------------------------------------------------------------------------


def lloyd_reference(samples, centres, iterations):
    centres = [np.array(c, float) for c in centres]
    previous = None
    for _ in range(iterations):
        assigned = [int(np.argmin([((s - c) ** 2).sum() for c in centres])) for s in samples]
        if assigned == previous:
            break
        previous = assigned
        for j in range(len(centres)):
            members = [s for s, a in zip(samples, assigned) if a == j]
            if members:
                centres[j] = np.mean(members, axis=0)
    return np.array(centres)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_lloyd_matches_reference(data):
    n = data.draw(st.integers(5, 40))
    c = data.draw(st.sampled_from([1, 3]))
    # Multiples of 1/64: distances are exact in both formulas, so ties break alike.
    samples = data.draw(arrays(np.float64, (n, c), elements=st.integers(0, 64).map(lambda v: v / 64)))
    k = data.draw(st.integers(1, 4))
    start = samples[data.draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))]
    np.testing.assert_allclose(seg._lloyd(samples, start, 10), lloyd_reference(samples, start, 10), atol=1e-9)


def test_kmeans_plus_plus_picks_distinct_samples():
    samples = np.array([[0.0], [0.0], [0.5], [1.0], [1.0]])
    for s in range(10):
        centres = seg._kmeans_plus_plus(samples, 3, np.random.default_rng(s))
        assert sorted(centres.ravel().tolist()) == [0.0, 0.5, 1.0]
    # Fewer distinct colours than k: it stops at the distinct ones.
    assert len(seg._kmeans_plus_plus(samples, 5, np.random.default_rng(0))) == 3


def test_kmeans_labels_are_a_lloyd_fixed_point(rgb_image):
    labels = kmeans_labels(rgb_image, 4, seed=3, iterations=200)
    assert labels.dtype == np.int32 and labels.shape == rgb_image.shape[:2]
    assert labels.min() == 1 and labels.max() == 4
    data = rgb_image.reshape(-1, 3).astype(np.float64)
    flat = labels.ravel() - 1
    means = np.array([data[flat == j].mean(axis=0) for j in range(4)])
    d2 = ((data[:, None, :] - means[None]) ** 2).sum(-1)
    # Every pixel sits with its nearest cluster mean (up to float32 rounding).
    assert (d2[np.arange(len(data)), flat] <= d2.min(axis=1) + 1e-5).all()
    # Clusters are numbered from dark to bright.
    luma = means @ np.array([0.2126, 0.7152, 0.0722])
    assert (np.diff(luma) > 0).all()


def test_kmeans_recovers_separated_clusters_and_is_seeded():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, (30, 40))
    palette = np.array([[0.9, 0.1, 0.1], [0.1, 0.8, 0.2], [0.1, 0.2, 0.9]], np.float32)
    image = np.clip(palette[truth] + rng.normal(0, 0.03, (30, 40, 3)), 0, 1).astype(np.float32)
    labels = kmeans_labels(image, 3, seed=1, sample_size=500)
    # Same partition as the truth, whatever the numbering.
    pairs = set(zip(truth.ravel().tolist(), labels.ravel().tolist()))
    assert len(pairs) == 3
    np.testing.assert_array_equal(labels, kmeans_labels(image, 3, seed=1, sample_size=500))


def test_kmeans_colors_paints_cluster_means(any_image):
    out = kmeans_colors(any_image, 3, seed=2)
    labels = kmeans_labels(any_image, 3, seed=2)
    np.testing.assert_allclose(color_of(out), overlay_reference(any_image, labels, "mean", 1.0), atol=1e-6)
    assert out.shape == any_image.shape
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_kmeans_with_more_clusters_than_colours():
    image = np.zeros((4, 4, 3), np.float32)
    image[:, 2:] = 1
    labels = kmeans_labels(image, 8)
    assert labels.max() == 2 and (labels[:, :2] == 1).all() and (labels[:, 2:] == 2).all()


def test_kmeans_rejects_bad_arguments():
    img = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="k must be >= 1, got 0"):
        kmeans_labels(img, 0)
    with pytest.raises(ValueError, match="iterations must be >= 1"):
        kmeans_labels(img, 2, 0, 0)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        kmeans_colors(img, 2, -1)


# ---------------------------------------------------------------------------
# SLIC
# ---------------------------------------------------------------------------


def slic_assign_reference(grid, feats):
    """Each pixel to the nearest of its cell's 3x3 neighbouring centres."""
    h, w = feats.shape[:2]
    out = np.zeros((h, w), np.int32)
    for y in range(h):
        for x in range(w):
            bi, bj = y // grid.ch, x // grid.cw
            best = np.inf
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    i, j = bi + dy, bj + dx
                    if 0 <= i < grid.gh and 0 <= j < grid.gw:
                        d = ((feats[y, x].astype(float) - grid.cf[i, j]) ** 2).sum()
                        d += grid.weight * ((y - grid.cy[i, j]) ** 2 + (x - grid.cx[i, j]) ** 2)
                        if d < best - 1e-6:
                            best, out[y, x] = d, i * grid.gw + j
    return out


@pytest.mark.parametrize("shape,n,compactness", [((23, 31, 3), 12, 10.0), ((17, 40), 9, 3.0), ((30, 30, 3), 25, 40.0)])
def test_slic_assignment_and_update_match_reference(shape, n, compactness):
    image = make_image(shape, seed=9)
    feats = seg._to_lab(color_of(image))
    grid = seg._SlicGrid(feats, n, compactness)
    for _ in range(3):
        labels, sums = grid.assign(with_sums=True)
        np.testing.assert_array_equal(labels, slic_assign_reference(grid, feats))
        np.testing.assert_array_equal(grid.assign(), labels)
        old = (grid.cy.copy(), grid.cx.copy(), grid.cf.copy())
        grid.update(sums)
        yy, xx = np.mgrid[: shape[0], : shape[1]]
        for c in range(grid.gh * grid.gw):
            where = labels == c
            i, j = divmod(c, grid.gw)
            if where.any():
                assert grid.cy[i, j] == pytest.approx(yy[where].mean())
                assert grid.cx[i, j] == pytest.approx(xx[where].mean())
                np.testing.assert_allclose(grid.cf[i, j], feats[where].astype(float).mean(axis=0), rtol=1e-5)
            else:
                assert (grid.cy[i, j], grid.cx[i, j]) == (old[0][i, j], old[1][i, j])


def merge_reference(labels, min_size):
    """Pieces (4-connected, same label) in raster order; small ones join the
    piece of the pixel before their first pixel (left, or above at x = 0)."""
    h, w = labels.shape
    piece = np.zeros((h, w), int)
    first, n = [], 0
    for y in range(h):
        for x in range(w):
            if piece[y, x]:
                continue
            n += 1
            first.append((y, x))
            piece[y, x] = n
            queue = deque([(y, x)])
            while queue:
                cy, cx = queue.popleft()
                for dy, dx in NEIGHBOURS[4]:
                    ny, nx = cy + dy, cx + dx
                    if 0 <= ny < h and 0 <= nx < w and not piece[ny, nx] and labels[ny, nx] == labels[y, x]:
                        piece[ny, nx] = n
                        queue.append((ny, nx))
    target = list(range(n + 1))
    for p in range(1, n + 1):
        y, x = first[p - 1]
        if (piece == p).sum() < min_size and (y, x) != (0, 0):
            before = (y, x - 1) if x > 0 else (y - 1, 0)
            target[p] = target[piece[before]]  # earlier pieces are final already
    kept = sorted(set(target[1:]))
    number = {p: i + 1 for i, p in enumerate(kept)}
    return np.vectorize(lambda p: number[target[p]])(piece)


@settings(max_examples=40, deadline=None)
@given(labels=st.integers(1, 10).flatmap(lambda h: st.integers(1, 10).flatmap(
    lambda w: arrays(np.int32, (h, w), elements=st.integers(0, 3)))), min_size=st.integers(1, 6))
def test_merge_fragments_matches_reference(labels, min_size):
    np.testing.assert_array_equal(seg._merge_fragments(labels, min_size), merge_reference(labels, min_size))


def test_slic_superpixels_are_connected_and_follow_edges():
    image = np.zeros((40, 60, 3), np.float32)
    image[:, :25] = (0.9, 0.2, 0.1)
    image[:, 25:] = (0.1, 0.3, 0.8)
    image = np.clip(image + np.random.default_rng(0).normal(0, 0.01, image.shape), 0, 1).astype(np.float32)
    labels = slic_labels(image, 24, 10.0)
    assert labels.min() == 1 and set(np.unique(labels)) == set(range(1, labels.max() + 1))
    assert 12 <= labels.max() <= 40
    for lab in range(1, labels.max() + 1):  # every superpixel is one 4-connected piece
        assert flood_labels(labels == lab, 4).max() == 1
    # No superpixel straddles the colour edge.
    assert not set(np.unique(labels[:, :25])) & set(np.unique(labels[:, 25:]))


def test_slic_superpixels_output(any_image):
    out = slic_superpixels(any_image, 6, 10.0, False)
    labels = slic_labels(any_image, 6, 10.0)
    np.testing.assert_allclose(color_of(out), overlay_reference(any_image, labels, "mean", 1.0), atol=1e-6)
    lined = slic_superpixels(any_image, 6, 10.0, True, boundary_color=(1.0, 0.0, 1.0))
    edge = np.zeros(labels.shape, bool)
    edge[:, :-1] |= labels[:, :-1] != labels[:, 1:]
    edge[:-1] |= labels[:-1] != labels[1:]
    assert edge.any()
    np.testing.assert_array_equal(color_of(lined)[edge], np.tile([1.0, 0.0, 1.0], (edge.sum(), 1)))
    assert lined.shape[:2] == any_image.shape[:2] and lined.dtype == np.float32
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(lined[..., 3], any_image[..., 3])


def test_slic_on_tiny_images_and_bad_arguments():
    assert slic_labels(np.zeros((1, 1), np.float32), 400).tolist() == [[1]]
    assert slic_labels(np.zeros((2, 3, 3), np.float32), 400).max() >= 1
    with pytest.raises(ValueError, match="n_segments must be >= 1"):
        slic_labels(np.zeros((4, 4), np.float32), 0)
    with pytest.raises(ValueError, match="compactness must be >= 0"):
        slic_labels(np.zeros((4, 4), np.float32), 4, -1)
    with pytest.raises(ValueError, match="boundary_color"):
        slic_superpixels(np.zeros((4, 4), np.float32), 4, boundary_color=(2, 0, 0))


# ---------------------------------------------------------------------------
# Distance transform and watershed
# ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(mask=masks)
def test_distance_transform_matches_brute_force(mask):
    mask.flags.writeable = False
    out = distance_transform(mask)
    assert out.dtype == np.float32 and out.shape == mask.shape
    if mask.all():
        assert np.isinf(out).all()
        return
    bg = np.argwhere(~mask)
    yy, xx = np.mgrid[: mask.shape[0], : mask.shape[1]]
    expected = np.sqrt(((yy[..., None] - bg[:, 0]) ** 2 + (xx[..., None] - bg[:, 1]) ** 2).min(axis=-1))
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_distance_transform_of_a_wide_and_a_tall_disk():
    for h, w in ((31, 57), (57, 31)):
        yy, xx = np.mgrid[:h, :w]
        mask = (yy - h // 2) ** 2 + (xx - w // 2) ** 2 <= 12 ** 2
        bg = np.argwhere(~mask)
        expected = np.sqrt(((yy[..., None] - bg[:, 0]) ** 2 + (xx[..., None] - bg[:, 1]) ** 2).min(axis=-1))
        np.testing.assert_allclose(distance_transform(mask), expected, rtol=1e-6)


def watershed_reference(elevation, markers, mask, connectivity, levels):
    """The definition: for each level in turn, grow regions in waves into
    unlabelled mask pixels of level <= L; a pixel joins the region of its
    lowest labelled neighbour (then the smallest label)."""
    q = seg._quantise(elevation, levels)
    h, w = q.shape
    lab = np.where(mask, markers, 0).astype(np.int64)
    for level in range(levels):
        while True:
            grown = {}
            for y in range(h):
                for x in range(w):
                    if lab[y, x] or not mask[y, x] or q[y, x] > level:
                        continue
                    offers = [(float(elevation[y + dy, x + dx]), lab[y + dy, x + dx])
                              for dy, dx in NEIGHBOURS[connectivity]
                              if 0 <= y + dy < h and 0 <= x + dx < w and lab[y + dy, x + dx] > 0]
                    if offers:
                        grown[y, x] = min(offers)[1]
            if not grown:
                break
            for (y, x), v in grown.items():
                lab[y, x] = v
    return lab


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_watershed_matches_level_wave_definition(data):
    h, w = data.draw(st.integers(1, 9)), data.draw(st.integers(1, 9))
    levels = data.draw(st.integers(2, 6))
    elevation = data.draw(arrays(np.float32, (h, w), elements=st.floats(0, 1, width=32)))
    markers = data.draw(arrays(np.int32, (h, w), elements=st.sampled_from([0] * 8 + [1, 2, 3])))
    mask = data.draw(arrays(np.bool_, (h, w), elements=st.sampled_from([True] * 4 + [False])))
    connectivity = data.draw(st.sampled_from([4, 8]))
    out = watershed_from_markers(elevation, markers, mask, connectivity=connectivity, levels=levels)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, watershed_reference(elevation, markers, mask, connectivity, levels))


def test_watershed_rejects_bad_input():
    e = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match="finite"):
        watershed_from_markers(np.full((3, 3), np.nan), np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="shape"):
        watershed_from_markers(e, np.zeros((2, 3), int))
    with pytest.raises(ValueError, match="mask must be a bool array"):
        watershed_from_markers(e, np.zeros((3, 3), int), np.ones((3, 3)))
    with pytest.raises(ValueError, match="levels must be >= 2"):
        watershed_from_markers(e, np.zeros((3, 3), int), levels=1)


def two_coins(gap=0):
    yy, xx = np.mgrid[:40, :70]
    a = (yy - 20) ** 2 + (xx - 20) ** 2 <= 15 ** 2
    b = (yy - 20) ** 2 + (xx - (49 + gap)) ** 2 <= 15 ** 2
    return a, b


def test_split_objects_separates_touching_coins():
    a, b = two_coins()
    assert label_components(a | b).max() == 1  # they touch
    image = np.where(a | b, 0.8, 0.2).astype(np.float32)
    labels = split_objects_labels(image, min_distance=8)
    assert labels.max() == 2
    assert (labels[a & ~b] == 1).mean() > 0.99 and (labels[b & ~a] == 2).mean() > 0.99
    # The line between them is the perpendicular bisector (x = 34.5), symmetric.
    np.testing.assert_array_equal(labels == 1, (labels == 2)[:, ::-1])
    np.testing.assert_array_equal(labels > 0, a | b)
    # Dark coins on a light table, fixed threshold.
    dark = split_objects_labels(1 - image, 0.5, 8, auto_threshold=False, foreground="dark")
    np.testing.assert_array_equal(dark, labels)


def test_split_objects_keeps_a_single_coin_whole_and_fills_holes():
    a, _ = two_coins()
    image = np.where(a, 0.9, 0.1).astype(np.float32)
    image[18:23, 18:23] = 0.1  # a dark mark on the coin
    labels = split_objects_labels(image, min_distance=5)
    assert labels.max() == 1 and (labels > 0).sum() == a.sum()


def test_split_objects_overlay(any_image):
    out = split_objects(any_image, min_distance=3, mode="palette", opacity=1.0)
    labels = split_objects_labels(any_image, min_distance=3)
    np.testing.assert_allclose(color_of(out), overlay_reference(any_image, labels, "palette", 1.0), atol=1e-6)


def otsu_reference(values, bins=256):
    hist = np.bincount(np.clip((values.ravel() * bins).astype(int), 0, bins - 1), minlength=bins)
    centres = (np.arange(bins) + 0.5) / bins
    best, best_t = -1.0, 0
    for t in range(1, bins):
        n0, n1 = hist[:t].sum(), hist[t:].sum()
        if n0 == 0 or n1 == 0:
            continue
        m0 = (hist[:t] * centres[:t]).sum() / n0
        m1 = (hist[t:] * centres[t:]).sum() / n1
        between = n0 * n1 * (m0 - m1) ** 2
        if between > best:
            best, best_t = between, t
    return best_t / bins


def test_otsu_matches_reference():
    rng = np.random.default_rng(2)
    for _ in range(5):
        values = np.clip(np.concatenate([rng.normal(rng.uniform(0.1, 0.4), 0.05, 500),
                                         rng.normal(rng.uniform(0.6, 0.9), 0.08, 300)]), 0, 1)
        assert seg._otsu(values) == pytest.approx(otsu_reference(values))


def test_split_objects_rejects_bad_arguments():
    img = np.zeros((5, 5), np.float32)
    with pytest.raises(ValueError, match="min_distance must be >= 1"):
        split_objects_labels(img, 0.5, 0)
    with pytest.raises(ValueError, match="foreground must be one of bright, dark"):
        split_objects_labels(img, foreground="light")


# k-means over every pixel: nearest centres by packed float64 scores, cluster
# sums gathered in the same sweep, chunks on the thread pool.
@pytest.mark.parametrize("k", [1, 3, 17, 200])
def test_kmeans_assignment_is_the_nearest_centre(k):
    from processing._kmeans import assign

    rng = np.random.default_rng(k)
    data = rng.random((30_000, 3)).astype(np.float32)
    data[:500] = np.round(data[:500] * 4) / 4  # repeated values and exact ties
    centres = rng.random((k, 3))
    centres[k // 2] = centres[0]  # a duplicate centre: ties go to the lower index
    centres[-1] = (0.25, 0.5, 0.75)
    labels, totals, counts = assign(data, centres, sums=True)
    d2 = ((data[:, None, :].astype(np.float64) - centres[None]) ** 2).sum(axis=-1)
    np.testing.assert_array_equal(labels, d2.argmin(axis=1))
    np.testing.assert_array_equal(counts, np.bincount(labels, minlength=k))
    expected = np.array([data[labels == j].astype(np.float64).sum(axis=0) for j in range(k)])
    np.testing.assert_allclose(totals, expected.reshape(k, 3), rtol=1e-12, atol=1e-9)


def test_kmeans_on_many_chunks_paints_means_over_all_pixels():
    image = make_image((180, 170, 3), seed=12)  # several chunks of the sweep
    out = kmeans_colors(image, 6, seed=4, sample_size=2000)
    labels = kmeans_labels(image, 6, seed=4, sample_size=2000)
    np.testing.assert_allclose(out, overlay_reference(image, labels, "mean", 1.0), atol=1e-6)
    half = kmeans_colors(image, 6, seed=4, sample_size=2000, opacity=0.4)
    np.testing.assert_allclose(half, overlay_reference(image, labels, "mean", 0.4), atol=1e-6)


def test_kmeans_is_deterministic_by_seed_and_reports_progress():
    image = make_image((120, 150, 4), seed=13)
    seen = []
    first = kmeans_colors(image, 5, seed=7, sample_size=3000, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    np.testing.assert_array_equal(first, kmeans_colors(image, 5, seed=7, sample_size=3000))
    np.testing.assert_array_equal(kmeans_labels(image, 5, seed=7, sample_size=3000),
                                  kmeans_labels(image, 5, seed=7, sample_size=3000))
    np.testing.assert_array_equal(first[..., 3], image[..., 3])
