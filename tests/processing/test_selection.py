"""Selection shapes and how masks combine."""
import numpy as np
import pytest

from processing.selection import combine_masks, ellipse_mask, polygon_mask, rectangle_mask


def centres(shape):
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    return xs + 0.5, ys + 0.5


def test_rectangle_holds_the_pixels_between_its_edges():
    mask = rectangle_mask((10, 12), 7, 8, 2, 3)  # corners in any order
    expected = np.zeros((10, 12), bool)
    expected[3:8, 2:7] = True
    np.testing.assert_array_equal(mask, expected)
    assert not rectangle_mask((4, 4), -5, -5, 0, 0).any()
    assert rectangle_mask((4, 4), -5, -5, 99, 99).all()


def test_ellipse_is_the_centres_inside():
    x, y = centres((20, 30))
    expected = ((x - 14) / 11) ** 2 + ((y - 10) / 7) ** 2 < 1
    np.testing.assert_array_equal(ellipse_mask((20, 30), 3, 3, 25, 17), expected)


def point_in_polygon(px, py, pts):
    """Ray casting, one point at a time."""
    inside = False
    n = len(pts)
    for i in range(n):
        (x1, y1), (x2, y2) = pts[i], pts[(i + 1) % n]
        if (y1 > py) != (y2 > py):
            cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
            if px < cross:
                inside = not inside
    return inside


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_polygon_matches_ray_casting(seed):
    rng = np.random.default_rng(seed)
    pts = [tuple(p) for p in rng.uniform(-3, 33, (9, 2))]  # self-crossing, partly outside
    mask = polygon_mask((25, 30), pts)
    expected = np.array([[point_in_polygon(x + 0.5, y + 0.5, pts) for x in range(30)] for y in range(25)])
    np.testing.assert_array_equal(mask, expected)


def test_combine_modes_are_set_operations():
    rng = np.random.default_rng(3)
    a, b = rng.random((6, 6)) > 0.5, rng.random((6, 6)) > 0.5
    np.testing.assert_array_equal(combine_masks(a, b, "replace"), b)
    np.testing.assert_array_equal(combine_masks(a, b, "add"), a | b)
    np.testing.assert_array_equal(combine_masks(a, b, "subtract"), a & ~b)
    np.testing.assert_array_equal(combine_masks(a, b, "intersect"), a & b)
    assert not combine_masks(None, b, "intersect").any()
    soft = combine_masks(a.astype(np.float32) * 0.5, b, "add")
    assert soft.dtype == np.float32 and soft.max() == 1.0
    with pytest.raises(ValueError, match="mode must be one of"):
        combine_masks(a, b, "xor")
    with pytest.raises(ValueError, match="differ in size"):
        combine_masks(a, b[:3], "add")
