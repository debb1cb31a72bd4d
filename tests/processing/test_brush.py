"""The round brush: exact disk paths, soft edges, erasing and how paint adds up."""
import math

import numpy as np
import pytest

from processing.brush import composite_stroke, paint_stroke, segment_coverage, stroke_coverage


def distance_to_segment(px, py, a, b):
    """Plain-Python distance from a point to a segment (the reference)."""
    (ax, ay), (bx, by) = a, b
    vx, vy = bx - ax, by - ay
    length2 = vx * vx + vy * vy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * vx + (py - ay) * vy) / length2))
    return math.hypot(px - ax - t * vx, py - ay - t * vy)


def reference_path(shape, points, radius, pixel=1.0):
    """Pixels whose centre is within ``radius`` of the polyline. ``pixel`` is
    the size of one pixel in the points' units (a proxy's reduction)."""
    h, w = shape
    out = np.zeros(shape, bool)
    pairs = list(zip(points, points[1:])) or [(points[0], points[0])]
    for row in range(h):
        for col in range(w):
            cx, cy = (col + 0.5) * pixel, (row + 0.5) * pixel
            out[row, col] = min(distance_to_segment(cx, cy, a, b) for a, b in pairs) <= radius
    return out


SEGMENTS = [
    ((3.2, 4.7), (17.9, 11.3), 2.5),    # diagonal, fractional everything
    ((10.0, 10.0), (10.0, 10.0), 3.0),  # a dab on a pixel corner
    ((5.5, 2.5), (5.5, 18.5), 0.5),     # one pixel wide, vertical
    ((0.0, 0.0), (24.0, 20.0), 4.0),    # corner to corner
    ((12.25, 9.75), (13.0, 9.0), 6.3),  # short segment, big brush
]


@pytest.mark.parametrize("start, end, radius", SEGMENTS)
def test_hard_segment_covers_exactly_the_disk_path(start, end, radius):
    shape = (20, 24)
    patch, (row, col) = segment_coverage(start, end, radius, shape=shape)
    full = np.zeros(shape, np.float32)
    full[row:row + patch.shape[0], col:col + patch.shape[1]] = patch
    assert set(np.unique(patch)) <= {0.0, 1.0}
    np.testing.assert_array_equal(full.astype(bool), reference_path(shape, [start, end], radius))


def test_patch_is_the_segments_bounding_box_only():
    patch, (row, col) = segment_coverage((100.5, 200.5), (110.5, 205.5), 3.0, shape=(4000, 6000))
    # Centres within 3 of x in [100.5, 110.5] and y in [200.5, 205.5]: columns 97..113, rows 197..208.
    assert (row, col) == (197, 97)
    assert patch.shape == (208 - 197 + 1, 113 - 97 + 1)


def test_stroke_is_the_union_of_its_segments():
    points = [(2.0, 3.0), (15.5, 4.0), (9.0, 16.0), (20.0, 18.5)]
    cover = stroke_coverage(points, 2.2, shape=(20, 24))
    np.testing.assert_array_equal(cover.astype(bool), reference_path((20, 24), points, 2.2))


def test_edges_are_clipped_at_the_image_bounds():
    shape = (10, 12)
    start, end = (-6.0, -3.0), (5.0, 14.0)  # starts and ends outside
    patch, (row, col) = segment_coverage(start, end, 2.0, shape=shape)
    assert (row, col) == (0, 0) and patch.shape[0] <= 10 and patch.shape[1] <= 12
    full = np.zeros(shape, np.float32)
    full[:patch.shape[0], :patch.shape[1]] = patch
    np.testing.assert_array_equal(full.astype(bool), reference_path(shape, [start, end], 2.0))
    outside, _ = segment_coverage((-20.0, -20.0), (-10.0, -15.0), 2.0, shape=shape)
    assert outside.size == 0
    assert stroke_coverage([(50.0, 50.0)], 3.0, shape=shape).sum() == 0


def test_soft_edge_follows_the_distance():
    shape, start, end, radius, hardness = (30, 30), (8.0, 9.0), (21.0, 17.0), 7.0, 0.4
    cover = stroke_coverage([start, end], radius, hardness=hardness, shape=shape)
    d = np.array([[distance_to_segment(c + 0.5, r + 0.5, start, end) for c in range(30)] for r in range(30)])
    assert (cover[d <= hardness * radius - 1e-9] == 1.0).all()
    assert (cover[d > radius + 1e-9] == 0.0).all()
    ring = (d > hardness * radius + 1e-6) & (d < radius - 1e-6)
    assert ring.sum() > 50 and ((cover[ring] > 0) & (cover[ring] < 1)).all()
    # Farther from the segment is never stronger.
    order = np.argsort(d.ravel(), kind="stable")
    assert (np.diff(cover.ravel()[order]) <= 1e-6).all()


def test_zero_hardness_still_reaches_exactly_the_radius():
    cover = stroke_coverage([(10.0, 10.0)], 5.0, hardness=0.0, shape=(20, 20))
    np.testing.assert_array_equal(cover > 0, reference_path((20, 20), [(10.0, 10.0)], 5.0 - 1e-9))


def test_proxy_gets_the_same_geometry_scaled():
    f = 4
    points = [(13.0, 22.0), (70.0, 41.0)]
    radius = 9.0
    proxy = stroke_coverage(points, radius, shape=(20, 25), scale=1 / f)
    # A proxy pixel stands for f x f full pixels: its centre is at (j + 0.5) f.
    np.testing.assert_array_equal(proxy.astype(bool), reference_path((20, 25), points, radius, pixel=f))


def test_opacity_does_not_build_up_within_a_stroke():
    mask = np.zeros((12, 30), np.float32)
    back_and_forth = [(3.0, 6.0), (26.0, 6.0), (4.0, 6.0), (25.0, 6.5)]
    once = paint_stroke(mask, back_and_forth, 3.0, opacity=0.5)
    assert set(np.unique(once)) == {0.0, 0.5}
    twice = paint_stroke(once, [(3.0, 6.0), (26.0, 6.0)], 3.0, opacity=0.5)
    assert twice[6, 15] == pytest.approx(0.75)  # a second stroke paints over the first
    assert twice[0, 0] == 0.0


def test_erase_takes_paint_away():
    mask = np.full((10, 10), 0.8, np.float32)
    mask.flags.writeable = False
    erased = paint_stroke(mask, [(5.0, 5.0)], 2.0, erase=True)
    inside = reference_path((10, 10), [(5.0, 5.0)], 2.0)
    assert (erased[inside] == 0.0).all() and (erased[~inside] == np.float32(0.8)).all()
    half = paint_stroke(mask, [(5.0, 5.0)], 2.0, opacity=0.25, erase=True)
    np.testing.assert_allclose(half[inside], 0.8 * 0.75, rtol=1e-6)
    assert (mask == np.float32(0.8)).all()


def test_composite_rule():
    before = np.array([0.0, 0.2, 1.0, 0.6], np.float32)
    stroke = np.array([1.0, 0.5, 0.3, 0.0], np.float32)
    painted = composite_stroke(before, stroke, opacity=0.8)
    np.testing.assert_allclose(painted, [0.8, 0.2 + 0.8 * 0.5 * 0.8, 1.0, 0.6], rtol=1e-6)
    erased = composite_stroke(before, stroke, opacity=0.8, erase=True)
    np.testing.assert_allclose(erased, [0.0, 0.2 * (1 - 0.4), 1.0 * (1 - 0.24), 0.6], rtol=1e-6)
    np.testing.assert_array_equal(composite_stroke(np.array([True, False]), np.array([0.0, 1.0])), [1.0, 1.0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: segment_coverage((0, 0), (1, 1), 0.0, shape=(5, 5)), "radius must be > 0, got 0"),
        (lambda: segment_coverage((0, 0), (1, 1), -2, shape=(5, 5)), "radius must be >= 0, got -2"),
        (lambda: segment_coverage((0, 0), (1, 1), 2, hardness=1.5, shape=(5, 5)), "hardness must be <= 1"),
        (lambda: segment_coverage((0, float("nan")), (1, 1), 2, shape=(5, 5)), "start must be finite"),
        (lambda: segment_coverage((0, 0), "x", 2, shape=(5, 5)), "end must be a pair of numbers"),
        (lambda: segment_coverage((0, 0), (1, 1), 2, shape=(0, 5)), "shape must be at least 1 x 1, got 0 x 5"),
        (lambda: stroke_coverage([], 2, shape=(5, 5)), "a stroke needs at least one point"),
        (lambda: composite_stroke(np.zeros(3), np.zeros(2)), "the stroke's shape (2,) differs from the mask's (3,)"),
        (lambda: composite_stroke(np.zeros(3), np.zeros(3), opacity=2), "opacity must be <= 1, got 2"),
        (lambda: paint_stroke(np.zeros((2, 2, 3)), [(0, 0)], 1), "mask must be 2-D, got shape (2, 2, 3)"),
    ],
)
def test_errors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
