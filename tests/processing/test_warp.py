"""The lean warps of ``processing._warp`` (bilinear and bicubic) on images of
many tiles, against the vectorised float64 reference of test_geometry
(written from the definitions), and against the general warp of
``processing.geometry``.

The reference evaluates the kernel at the distance of every tap (the
triangle, or Keys' cubic with a = -0.5 written as its two polynomials), reads
the outside value for taps beyond the image, premultiplies RGBA and divides
back. Images are a few hundred pixels a side so that every kind of tile
occurs: inside, on the border, wholly outside, cut in four (strong
reductions), beyond a perspective's horizon.
"""

import numpy as np
import pytest

from processing import geometry
from processing._warp import bilinear_warp, lean_warp
from processing.geometry import affine, perspective, rotate
from tests.conftest import make_image
from tests.processing.test_geometry import fill_vector, keys, reference_vectorised as reference, rotation_inverse

def assert_close(out, expected, atol=2e-5):
    """Equal within ``atol``; for RGBA, the colour is compared premultiplied
    (dividing by a faint alpha at an edge magnifies rounding), and where the
    reference is fully transparent it must be the fill colour exactly."""
    if out.ndim == 3 and out.shape[2] == 4:
        alpha, alpha_ref = out[..., 3:], expected[..., 3:]
        np.testing.assert_allclose(alpha, alpha_ref, atol=atol)
        np.testing.assert_allclose(out[..., :3] * alpha, expected[..., :3] * alpha_ref, atol=atol)
        clear = alpha_ref[..., 0] == 0
        np.testing.assert_allclose(out[clear, :3], expected[clear, :3], atol=1e-6)
    else:
        np.testing.assert_allclose(out, expected, atol=atol)


def with_hole(image):
    """RGBA with a transparent block whose (invisible) colour must not bleed."""
    if image.ndim == 3 and image.shape[2] == 4:
        image = image.copy()
        image[40:90, 100:200, 3] = 0.0
        image[40:90, 100:200, :3] = 1.0
        image.flags.writeable = False
    return image


SHAPES = [(261, 283), (259, 331, 3), (270, 293, 4)]  # odd sizes: partial tiles at both ends
IDS = ["gray", "rgb", "rgba"]


def test_keys_kernel_hand_values():
    # a = -0.5: k(0) = 1, k(1) = k(2) = 0, k(0.5) = 0.5625, k(1.5) = -0.0625.
    np.testing.assert_allclose(keys(np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5])),
                               [1.0, 0.5625, 0.0, -0.0625, 0.0, 0.0], atol=1e-15)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_rotate_at_awkward_angles_matches_reference(shape, interpolation):
    image = with_hole(make_image(shape, seed=shape[1]))
    h, w = shape[:2]
    fill = (0.9, 0.3, 0.1)
    for angle, expand in ((23.0, True), (-7.3, False), (181.5, False), (89.9, True)):
        out = rotate(image, angle, expand=expand, interpolation=interpolation, fill=fill)
        out_h, out_w = out.shape[:2]
        expected = reference(image, rotation_inverse(angle, h, w, out_h, out_w), (out_h, out_w), fill, interpolation)
        assert_close(out, expected)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_affine_with_carries_reduction_and_far_translation_matches_reference(shape, interpolation):
    image = with_hole(make_image(shape, seed=shape[0] + 1))
    for matrix, fill in (
        (((1.0, -0.7, 60.6), (0.1, 1.0, -3.3)), 0.25),  # fractions of row and column terms carry
        (((0.14, 0.02, 5.0), (-0.01, 0.15, 3.0)), (0.2, 0.6, 0.4)),  # a reduction by 7: tiles cut in four
        (((1.3, 0.2, -0.4), (-0.25, 1.1, 7.7)), 1.0),  # an enlargement
    ):
        out = affine(image, matrix, interpolation=interpolation, fill=fill)
        forward = np.vstack([np.array(matrix), [0, 0, 1]])
        expected = reference(image, np.linalg.inv(forward), image.shape[:2], fill, interpolation)
        assert_close(out, expected)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_positions_far_from_the_origin_keep_their_fractions(interpolation):
    # The inverse adds a million pixels and takes them away again: positions
    # are large in the middle of the arithmetic, the result must not move.
    image = make_image((150, 170, 3), seed=5)
    turn = np.array([[0.98, 0.17, 0.3], [-0.17, 0.98, 0.7], [0, 0, 1.0]])
    far = np.array([[1, 0, 1e6], [0, 1, -2e5], [0, 0, 1.0]]) @ turn @ np.array([[1, 0, -1e6], [0, 1, 2e5], [0, 0, 1.0]])
    outside = (0.1, 0.2, 0.3)
    out = lean_warp(image, far, 150, 170, outside, interpolation=interpolation, premultiplied=False)
    assert_close(out, reference(image, far, (150, 170), outside, interpolation))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_perspective_and_horizon_match_reference(shape, interpolation):
    image = with_hole(make_image(shape, seed=7))
    h, w = shape[:2]
    quad = ((20.5, 10.0), (w - 3.0, 25.5), (w - 20.5, h - 10.0), (5.5, h - 40.0))
    out = perspective(image, quad, 301, 257, interpolation=interpolation, fill=(0.2, 0.5, 0.7))
    inverse = geometry.homography([(0, 0), (301, 0), (301, 257), (0, 257)], quad)
    assert_close(out, reference(image, inverse, (257, 301), (0.2, 0.5, 0.7), interpolation))
    # d = 0 near u = 250: the right part sees nothing of the input.
    beyond = np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [-0.004, 0.0005, 1.0]])
    outside = tuple(fill_vector(image, 0.6))
    lanes = 1 if image.ndim == 2 else image.shape[2]
    out = lean_warp(image, beyond, h, w, outside, interpolation=interpolation, premultiplied=lanes == 4)
    assert_close(out, reference(image, beyond, (h, w), 0.6, interpolation))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_lean_warp_equals_the_general_warp(shape, interpolation):
    # The general warp (processing.geometry._warp, float64 positions, a
    # padded copy of the whole input) computes the same sums in the same
    # order; they differ by the rounding of the fractions only.
    image = with_hole(make_image(shape, seed=9))
    h, w = shape[:2]
    for inverse, out_h, out_w in (
        (rotation_inverse(-33.0, h, w, h + 40, w - 30), h + 40, w - 30),
        (np.linalg.inv(np.array([[1.0, -0.7, 60.6], [0.1, 1.0, -3.3], [0, 0, 1]])), h, w),
        (np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [-0.004, 0.0005, 1.0]]), h, w),
    ):
        general = geometry._warp(image, inverse, out_h, out_w, interpolation, (0.9, 0.3, 0.1))
        lean = geometry._warp_any(image, inverse, out_h, out_w, interpolation, (0.9, 0.3, 0.1), None)
        assert_close(lean, general, atol=1e-6)


def test_bilinear_warp_is_lean_warp_bilinear():
    image = make_image((40, 50, 3), seed=2)
    inverse = rotation_inverse(12.0, 40, 50, 40, 50)
    np.testing.assert_array_equal(
        bilinear_warp(image, inverse, 40, 50, (0.1, 0.2, 0.3), premultiplied=False),
        lean_warp(image, inverse, 40, 50, (0.1, 0.2, 0.3), interpolation="bilinear", premultiplied=False))


def test_lean_warp_refuses_other_interpolations():
    image = make_image((4, 5), seed=1)
    with pytest.raises(ValueError, match="interpolation must be bilinear or bicubic, got 'nearest'"):
        lean_warp(image, np.eye(3), 4, 5, (0.0,), interpolation="nearest", premultiplied=False)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_progress_is_polled_and_cancel_stops(interpolation):
    image = make_image((700, 900, 3), seed=8)  # a dozen tiles of 256 x 256
    seen = []
    rotate(image, 10.0, interpolation=interpolation, progress=seen.append)
    assert len(seen) > 2 and seen[-1] == 1.0 and seen == sorted(seen)

    class Stop(Exception):
        pass

    def cancel(fraction):
        raise Stop

    with pytest.raises(Stop):
        affine(image, ((1.0, 0.1, 0.0), (0.0, 1.0, 0.0)), interpolation=interpolation, progress=cancel)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_translate_in_many_tiles_matches_reference(shape, interpolation, monkeypatch):
    # Tiles of 2 x 16 to 32 x 64 pixels: every tile meets a border, a corner
    # or the inside, and blocks reach beyond the image on every side.
    from processing.geometry import translate

    image = with_hole(make_image(shape, seed=12))[30:120, 80:211]
    h, w = image.shape[:2]
    for values in (1 << 11, 100):
        monkeypatch.setattr(geometry, "_SHIFT_TILE_VALUES", values)
        for dx, dy, fill in ((10.5, -4.25, (0.9, 0.3, 0.1)), (-0.3, 0.0, 0.7), (0.0, 2.75, 0.0),
                             (-w + 1.5, 3.5, 1.0), (3.25, h + 0.5, 0.2)):
            out = translate(image, dx, dy, interpolation=interpolation, fill=fill)
            inverse = np.array([[1, 0, -dx], [0, 1, -dy], [0, 0, 1.0]])
            assert_close(out, reference(image, inverse, (h, w), fill, interpolation))


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
@pytest.mark.parametrize("shape", SHAPES, ids=IDS)
def test_tiles_that_see_only_outside_get_the_outside_value(shape, interpolation):
    # Shifted by more than a tile (128 pixels) right and up: whole tiles on
    # the left and at the bottom read nothing of the input, others straddle
    # the edge, the rest are inside.
    image = with_hole(make_image(shape, seed=14))
    fill = (0.9, 0.3, 0.1)
    matrix = ((0.99, 0.05, 170.3), (-0.05, 0.99, -140.7))
    out = affine(image, matrix, interpolation=interpolation, fill=fill)
    forward = np.vstack([np.array(matrix), [0, 0, 1]])
    expected = reference(image, np.linalg.inv(forward), image.shape[:2], fill, interpolation)
    assert_close(out, expected)
    corner = out[-100:, :100]
    value = fill_vector(image, fill)
    np.testing.assert_array_equal(corner, np.broadcast_to(value.astype(np.float32).squeeze(), corner.shape))
