"""Tests of processing.augment: every geometric transform against a direct
reference, targets kept aligned, seeds, dtypes and the validation of
pipelines and variants."""
import json
import math

import numpy as np
import pytest

from processing import augment

GEOMETRIC = [n for n, t in augment.TRANSFORMS.items() if t.family == "geometric"]
PHOTOMETRIC = [n for n, t in augment.TRANSFORMS.items() if t.family == "photometric"]


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _variant(shape, *ops):
    return {"shape": list(shape[:2]), "ops": list(ops)}


def _always(name, **ranges):
    step = augment.default_step(name)
    step["p"] = 1.0
    step.update(ranges)
    return step


@pytest.fixture
def photo():
    rng = np.random.default_rng(1)
    return _readonly(rng.random((13, 17, 3)).astype(np.float32))


# -- exact rearrangements ---------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_flips_and_quarter_turns_are_exact(dtype):
    rng = np.random.default_rng(2)
    img = _readonly((rng.random((5, 7, 3)) * 200).astype(dtype))
    cases = [({"transform": "hflip"}, img[:, ::-1]), ({"transform": "vflip"}, img[::-1])]
    cases += [({"transform": "rot90", "k": k}, np.rot90(img, k)) for k in range(4)]
    for op, expected in cases:
        out = augment.apply(img, _variant(img.shape, op)).image
        assert out.dtype == img.dtype
        assert out.flags.c_contiguous and out.flags.writeable
        np.testing.assert_array_equal(out, expected)


def test_quarter_turn_moves_points_with_pixels():
    img = np.zeros((4, 6), np.uint8)
    img[1, 4] = 9
    for k in range(4):
        out = augment.apply(img, _variant(img.shape, {"transform": "rot90", "k": k}), keypoints=[(4.5, 1.5)])
        x, y = out.keypoints[0]
        assert out.image[int(y), int(x)] == 9
        assert out.keypoints_inside.all()


# -- warps against a point-by-point reference ------------------------------------
def _reference_forward(op, h, w):
    """Where the input point (x, y) goes, written out from the definitions."""
    name = op["transform"]
    cx, cy = w / 2, h / 2

    def f(x, y):
        if name == "rotate":
            t = math.radians(op["angle_deg"])
            dx, dy = x - cx, y - cy
            # counter-clockwise on screen, y down
            return cx + math.cos(t) * dx + math.sin(t) * dy, cy - math.sin(t) * dx + math.cos(t) * dy
        if name == "affine":
            dx, dy = (x - cx) * op["scale"], (y - cy) * op["scale"]
            sx, sy = math.tan(math.radians(op["shear_x_deg"])), math.tan(math.radians(op["shear_y_deg"]))
            return (cx + dx + sx * dy + op["translate_x"] * w, cy + dy + sy * dx + op["translate_y"] * h)
        if name == "resized_crop":
            return ((x - op["x"] * w) * w / (op["width"] * w), (y - op["y"] * h) * h / (op["height"] * h))
        if name == "perspective":
            # the projective map taking the inner quad to the output's corners, solved here
            c = op["corners"]
            quad = [(c[0][0] * w, c[0][1] * h), ((1 - c[1][0]) * w, c[1][1] * h),
                    ((1 - c[2][0]) * w, (1 - c[2][1]) * h), (c[3][0] * w, (1 - c[3][1]) * h)]
            rect = [(0, 0), (w, 0), (w, h), (0, h)]
            rows, rhs = [], []
            for (px, py), (qx, qy) in zip(quad, rect):
                rows.append([px, py, 1, 0, 0, 0, -qx * px, -qx * py])
                rows.append([0, 0, 0, px, py, 1, -qy * px, -qy * py])
                rhs += [qx, qy]
            a, b, cc, d, e, ff, g, hh = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
            den = g * x + hh * y + 1
            return (a * x + b * y + cc) / den, (d * x + e * y + ff) / den
        raise AssertionError(name)

    return f


def _invert(f, u, v):
    """Solve f(x, y) = (u, v) by Newton's method (numerical Jacobian)."""
    x, y = u, v
    for _ in range(50):
        fx, fy = f(x, y)
        ex, ey = fx - u, fy - v
        e = 1e-6
        a, c = [(p - q) / e for p, q in zip(f(x + e, y), (fx, fy))]
        b, d = [(p - q) / e for p, q in zip(f(x, y + e), (fx, fy))]
        det = a * d - b * c
        x -= (d * ex - b * ey) / det
        y -= (-c * ex + a * ey) / det
    return x, y


def _bilinear_reference(img, x, y):
    """Bilinear read at (x, y) (corner convention) with black outside."""
    h, w = img.shape[:2]
    fx, fy = x - 0.5, y - 0.5
    x0, y0 = math.floor(fx), math.floor(fy)
    tx, ty = fx - x0, fy - y0
    total = np.zeros(img.shape[2:])
    for yy, wy in ((y0, 1 - ty), (y0 + 1, ty)):
        for xx, wx in ((x0, 1 - tx), (x0 + 1, tx)):
            if 0 <= yy < h and 0 <= xx < w:
                total = total + wy * wx * img[yy, xx]
    return total


WARP_OPS = [
    {"transform": "rotate", "angle_deg": 23.0},
    {"transform": "rotate", "angle_deg": -141.5},
    {"transform": "affine", "scale": 1.3, "translate_x": 0.1, "translate_y": -0.05,
     "shear_x_deg": 12.0, "shear_y_deg": -7.0},
    {"transform": "resized_crop", "x": 0.2, "y": 0.1, "width": 0.5, "height": 0.7},
    {"transform": "perspective", "corners": [[0.1, 0.05], [0.2, 0.1], [0.05, 0.15], [0.12, 0.0]]},
]


@pytest.mark.parametrize("op", WARP_OPS, ids=lambda op: op["transform"])
def test_warps_match_a_point_by_point_mapping(photo, op):
    h, w = photo.shape[:2]
    f = _reference_forward(op, h, w)
    label = np.arange(h * w, dtype=np.int32).reshape(h, w)
    out = augment.apply(photo, _variant(photo.shape, op), masks=[label], mask_fill=-1)
    for i in range(h):
        for j in range(w):
            x, y = _invert(f, j + 0.5, i + 0.5)
            np.testing.assert_allclose(out.image[i, j], np.clip(_bilinear_reference(photo, x, y), 0, 1), atol=2e-5)
            xi, yi = math.floor(x), math.floor(y)
            near_edge = min(abs(x - round(x)), abs(y - round(y))) < 1e-6
            if not near_edge:
                expected = label[yi, xi] if 0 <= xi < w and 0 <= yi < h else -1
                assert out.masks[0][i, j] == expected, (i, j)


def test_perspective_maps_the_corners_onto_the_inner_quad(photo):
    h, w = photo.shape[:2]
    corners = [[0.1, 0.05], [0.2, 0.1], [0.05, 0.15], [0.12, 0.0]]
    op = {"transform": "perspective", "corners": corners}
    quad = [(0.1 * w, 0.05 * h), ((1 - 0.2) * w, 0.1 * h), ((1 - 0.05) * w, (1 - 0.15) * h), (0.12 * w, h)]
    out = augment.apply(photo, _variant(photo.shape, op), keypoints=quad)
    np.testing.assert_allclose(out.keypoints, [(0, 0), (w, 0), (w, h), (0, h)], atol=1e-9)
    # the middle of the output reads the input through the same projective map
    kp = augment.apply(photo, _variant(photo.shape, op), keypoints=[(6.5, 7.5)]).keypoints[0]
    assert 0 < kp[0] < w and 0 < kp[1] < h


def test_grid_distortion_matches_a_point_by_point_mapping(photo):
    h, w = photo.shape[:2]
    n = 3
    rng = np.random.default_rng(10)
    dx, dy = rng.uniform(-0.4, 0.4, (2, n + 1, n + 1))
    op = {"transform": "grid_distortion", "cells": n, "dx": dx.tolist(), "dy": dy.tolist()}
    out = augment.apply(photo, _variant(photo.shape, op)).image

    def node_value(grid, gx, gy):
        """Bilinear interpolation between grid nodes at node coordinates (gx, gy)."""
        i0, j0 = min(int(gy), n - 1), min(int(gx), n - 1)
        ty, tx = gy - i0, gx - j0
        return ((1 - ty) * ((1 - tx) * grid[i0][j0] + tx * grid[i0][j0 + 1])
                + ty * ((1 - tx) * grid[i0 + 1][j0] + tx * grid[i0 + 1][j0 + 1]))

    # border nodes move along the border only
    ddx = dx * (w / n)
    ddy = dy * (h / n)
    ddx[:, 0] = ddx[:, -1] = 0
    ddy[0, :] = ddy[-1, :] = 0
    for i in range(h):
        for j in range(w):
            u, v = j + 0.5, i + 0.5
            x = u + node_value(ddx, u * n / w, v * n / h)
            y = v + node_value(ddy, u * n / w, v * n / h)
            # border pixels repeat beyond the edges
            fx = min(max(x - 0.5, 0.0), w - 1.0)
            fy = min(max(y - 0.5, 0.0), h - 1.0)
            x0, y0 = min(int(fx), w - 2), min(int(fy), h - 2)
            tx, ty = fx - x0, fy - y0
            ref = ((1 - ty) * ((1 - tx) * photo[y0, x0] + tx * photo[y0, x0 + 1])
                   + ty * ((1 - tx) * photo[y0 + 1, x0] + tx * photo[y0 + 1, x0 + 1]))
            np.testing.assert_allclose(out[i, j], ref, atol=1e-4)


def test_grid_distortion_keeps_the_frame_and_maps_points_consistently():
    rng = np.random.default_rng(3)
    img = _readonly(rng.random((30, 40)).astype(np.float32))
    v = augment.sample([_always("grid_distortion")], 5, img.shape)
    points = np.array([(3.0, 4.0), (20.5, 15.5), (39.0, 29.0), (0.0, 0.0)])
    out = augment.apply(img, v, keypoints=points)
    assert out.image.shape == img.shape
    # the pixel at the mapped point reads (nearly) the input at the original point
    label = np.arange(30 * 40).reshape(30, 40)
    lab = augment.apply(img, v, masks=[label]).masks[0]
    x, y = out.keypoints[1]
    assert lab[int(y), int(x)] in {label[15 + a, 20 + b] for a in (-1, 0, 1) for b in (-1, 0, 1)}
    np.testing.assert_allclose(out.keypoints[3], (0, 0), atol=1e-9)  # corners stay put


# -- targets -----------------------------------------------------------------------
@pytest.mark.parametrize("name", GEOMETRIC + ["cutout", "blur"])
def test_masks_keep_their_label_set(name):
    labels = np.zeros((24, 30), np.int32)
    labels[3:12, 4:14] = 5
    labels[14:22, 16:28] = 70000  # beyond float32's exact integers is not needed, but beyond 16 bits
    for seed in range(4):
        v = augment.sample([_always(name)], seed, labels.shape)
        out = augment.apply(np.zeros((24, 30, 3), np.uint8), v, masks=[labels, labels > 0])
        assert set(np.unique(out.masks[0])) <= {0, 5, 70000}
        assert out.masks[0].dtype == np.int32 and out.masks[1].dtype == bool
        assert out.check.new_label_values == ((), ())


def test_new_label_values_are_reported():
    labels = np.full((10, 10), 3, np.uint8)
    out = augment.apply(labels, _variant(labels.shape, {"transform": "rotate", "angle_deg": 45.0}), masks=[labels])
    assert out.check.new_label_values == ((0,),)
    assert not out.check.ok and "new label value" in out.check.summary()


@pytest.mark.parametrize("name", ["rotate", "affine", "resized_crop", "perspective", "grid_distortion",
                                  "hflip", "rot90"])
def test_box_around_a_square_encloses_the_transformed_square(name):
    h, w = 48, 64
    square = np.zeros((h, w), np.uint8)
    square[18:30, 25:37] = 1
    box = [25, 18, 37, 30]
    ranges = {"rotate": {"angle_deg": [-40, 40]}, "resized_crop": {"area": [0.6, 1.0]}}.get(name, {})
    checked = 0
    for seed in range(5):
        v = augment.sample([_always(name, **ranges)], seed, square.shape)
        out = augment.apply(square, v, masks=[square], boxes=[box], min_visibility=0.0)
        ys, xs = np.nonzero(out.masks[0])
        if len(xs) == 0:
            continue
        assert list(out.box_indices) == [0]
        x0, y0, x1, y1 = out.boxes[0]
        # every object pixel lies in the box (nearest sampling: half a pixel of slack)
        assert xs.min() + 0.5 >= x0 - 0.5 and xs.max() + 0.5 <= x1 + 0.5
        assert ys.min() + 0.5 >= y0 - 0.5 and ys.max() + 0.5 <= y1 + 0.5
        checked += 1
    assert checked >= 3


def test_boxes_are_clipped_and_dropped_by_visible_fraction():
    img = np.zeros((10, 20), np.float32)
    boxes = [[2, 2, 6, 6], [14, 2, 18, 6], [0, 0, 20, 10]]
    # shift right by 0.25 of the width (5 px): box 1 keeps 1/4 of its area, box 2 is cut
    op = {"transform": "affine", "scale": 1.0, "translate_x": 0.25, "translate_y": 0.0,
          "shear_x_deg": 0.0, "shear_y_deg": 0.0}
    out = augment.apply(img, _variant(img.shape, op), boxes=boxes, min_visibility=0.3)
    assert list(out.box_indices) == [0, 2]
    np.testing.assert_allclose(out.boxes, [[7, 2, 11, 6], [5, 0, 20, 10]])
    assert out.check.boxes_dropped == (1,) and out.check.boxes_clipped == (2,)
    out = augment.apply(img, _variant(img.shape, op), boxes=boxes, min_visibility=0.2)
    assert list(out.box_indices) == [0, 1, 2]
    np.testing.assert_allclose(out.boxes[1], [19, 2, 20, 6])
    assert out.check.boxes_clipped == (1, 2)


def test_keypoints_out_of_frame_are_flagged():
    img = np.zeros((10, 10), np.float32)
    op = {"transform": "affine", "scale": 1.0, "translate_x": 0.3, "translate_y": 0.0,
          "shear_x_deg": 0.0, "shear_y_deg": 0.0}
    out = augment.apply(img, _variant(img.shape, op), keypoints=[(2.5, 5.5), (8.5, 1.5)])
    np.testing.assert_allclose(out.keypoints, [(5.5, 5.5), (11.5, 1.5)])
    assert out.keypoints_inside.tolist() == [True, False]
    assert out.check.keypoints_out == (1,)
    assert out.check.summary() == "1 keypoint out of frame"


@pytest.mark.parametrize("name", ["rotate", "affine", "perspective", "resized_crop"])
def test_keypoints_land_on_the_transformed_pixel(name):
    h, w = 40, 50
    labels = np.zeros((h, w), np.int32)
    labels[19:22, 29:32] = 1  # a 3x3 spot centred on pixel (20, 30)
    checked = 0
    for seed in range(5):
        v = augment.sample([_always(name)], seed, labels.shape)
        out = augment.apply(labels.astype(np.float32), v, masks=[labels], keypoints=[(30.5, 20.5)])
        if not out.keypoints_inside[0]:
            continue
        x, y = out.keypoints[0]
        assert out.masks[0][int(y), int(x)] == 1
        assert out.image[int(y), int(x)] > 0.5
        checked += 1
    assert checked >= 3


# -- seeds and dtypes -------------------------------------------------------------
def _full_pipeline():
    return [_always(n) for n in augment.TRANSFORMS]


def test_same_seed_same_bytes_different_seeds_differ():
    rng = np.random.default_rng(4)
    img = _readonly((rng.random((20, 24, 3)) * 255).astype(np.uint8))
    pipe = [dict(s, p=0.7) for s in _full_pipeline()]
    a = augment.apply(img, augment.sample(pipe, (9, 0, 1), img.shape)).image
    b = augment.apply(img, augment.sample(pipe, (9, 0, 1), img.shape)).image
    c = augment.apply(img, augment.sample(pipe, (9, 0, 2), img.shape)).image
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()
    assert augment.sample(pipe, (9, 0, 1), img.shape) != augment.sample(pipe, (9, 1, 1), img.shape)


def test_variant_survives_json_exactly():
    pipe = _full_pipeline()
    v = augment.sample(pipe, 123, (30, 40))
    assert json.loads(json.dumps(v)) == v
    img = np.random.default_rng(5).random((30, 40, 3)).astype(np.float32)
    assert augment.apply(img, v).image.tobytes() == augment.apply(img, json.loads(json.dumps(v))).image.tobytes()


def test_one_step_moving_leaves_the_others_draws_alone():
    pipe = [_always("rotate"), _always("brightness")]
    a = augment.sample(pipe, 3, (8, 8))
    pipe[0]["angle_deg"] = [-90.0, 90.0]
    pipe[1]["p"] = 0.99
    b = augment.sample(pipe, 3, (8, 8))
    assert a["ops"][1] == b["ops"][1]
    assert a["ops"][0] != b["ops"][0]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_dtype_and_channels_are_kept(dtype, channels):
    shape = (12, 10) if channels == 0 else (12, 10, channels)
    rng = np.random.default_rng(6)
    scale = {np.uint8: 255, np.uint16: 65535}.get(dtype, 1.0)
    img = _readonly((rng.random(shape) * scale).astype(dtype))
    v = augment.sample([_always(n) for n in ("affine", "brightness", "hue", "blur", "cutout")], 2, shape)
    out = augment.apply(img, v).image
    assert out.dtype == img.dtype and out.shape == img.shape


def test_sixteen_bit_precision_is_kept():
    img = _readonly(np.arange(0, 65536, 97, dtype=np.uint16)[:600].reshape(20, 30))
    out = augment.apply(img, _variant(img.shape, {"transform": "brightness", "delta": 0.0})).image
    np.testing.assert_array_equal(out, img)  # 16-bit values come back, not 8-bit steps
    out = augment.apply(img, _variant(img.shape, {"transform": "brightness", "delta": 1 / 65535})).image
    np.testing.assert_array_equal(out, np.minimum(img.astype(np.int64) + 1, 65535))


def test_alpha_untouched_by_photometric_transforms():
    rng = np.random.default_rng(7)
    img = _readonly(rng.random((6, 6, 4)).astype(np.float32))
    for name in ("brightness", "contrast", "saturation", "hue", "gamma", "blur", "noise", "cutout"):
        out = augment.apply(img, augment.sample([_always(name)], 1, img.shape)).image
        np.testing.assert_array_equal(out[..., 3], img[..., 3])
    as8 = _readonly((img * 255).astype(np.uint8))
    for name in ("brightness", "gamma", "cutout"):  # the 8-bit shortcuts too
        out = augment.apply(as8, augment.sample([_always(name)], 1, img.shape)).image
        np.testing.assert_array_equal(out[..., 3], as8[..., 3])


def test_photometric_values():
    img = _readonly(np.array([[[0.2, 0.4, 0.6]]], np.float32))
    v = lambda op: _variant(img.shape, op)  # noqa: E731
    out = augment.apply(img, v({"transform": "contrast", "factor": 2.0})).image
    np.testing.assert_allclose(out, [[[0.0, 0.3, 0.7]]], atol=1e-6)
    out = augment.apply(img, v({"transform": "gamma", "gamma": 2.0})).image
    np.testing.assert_allclose(out, [[[0.04, 0.16, 0.36]]], atol=1e-6)
    out = augment.apply(img, v({"transform": "saturation", "factor": 0.0})).image
    luma = 0.2126 * 0.2 + 0.7152 * 0.4 + 0.0722 * 0.6
    np.testing.assert_allclose(out, [[[luma] * 3]], atol=1e-6)
    out = augment.apply(img, v({"transform": "hue", "shift_deg": 120.0})).image
    np.testing.assert_allclose(out, [[[0.6, 0.2, 0.4]]], atol=1e-6)  # a third of a turn cycles the primaries
    gray = np.full((1, 1, 3), 0.3, np.float32)
    np.testing.assert_allclose(augment.apply(gray, v({"transform": "hue", "shift_deg": 77.0})).image, gray, atol=1e-6)


def test_cutout_blanks_its_holes():
    img = np.ones((10, 20), np.float32)
    op = {"transform": "cutout", "fill": 0.25, "holes": [[0.1, 0.2, 0.2, 0.3], [0.9, 0.9, 0.5, 0.5]]}
    out = augment.apply(img, _variant(img.shape, op)).image
    expected = np.ones((10, 20), np.float32)
    expected[2:5, 2:6] = 0.25
    expected[9:, 18:] = 0.25
    np.testing.assert_array_equal(out, expected)


def test_blur_width_follows_the_image_size():
    img = np.zeros((40, 40), np.float32)
    img[20, 20] = 1.0
    v = _variant((40, 40), {"transform": "blur", "sigma_px": 2.0})
    small = np.zeros((20, 20), np.float32)
    small[10, 10] = 1.0
    big = augment.apply(img, v).image
    half = augment.apply(small, v).image  # a proxy at half size blurs half as wide
    ratio = big[20, 20] / half[10, 10]
    assert 0.2 < ratio < 0.3  # peak of a 2-D Gaussian scales as 1 / sigma^2


def test_apply_leaves_inputs_alone():
    rng = np.random.default_rng(8)
    img = _readonly((rng.random((9, 9, 3)) * 255).astype(np.uint8))
    mask = _readonly(np.eye(9, dtype=np.int32))
    out = augment.apply(img, _variant(img.shape, {"transform": "hflip"}), masks=[mask])
    assert not np.shares_memory(out.image, img) and not np.shares_memory(out.masks[0], mask)


# -- validation --------------------------------------------------------------------
@pytest.mark.parametrize("pipeline, message", [
    ({"transform": "hflip"}, "a pipeline must be a list"),
    ([{"transform": "spin"}], "step 1: unknown transform 'spin'"),
    ([{"transform": "hflip", "p": 2}], "step 1 (hflip): p must be between 0 and 1"),
    ([{"transform": "rotate", "angle_deg": [0, 400]}], "step 1 (rotate): angle_deg must lie within -180 .. 180"),
    ([{"transform": "rotate", "angle": 3}], "step 1 (rotate): unknown field 'angle'"),
    ([{"transform": "cutout", "holes": [1.5, 2]}], "step 1 (cutout): holes must be whole numbers"),
    ([{"transform": "noise", "kind": "pink"}], "step 1 (noise): kind must be one of"),
    ([{"transform": "gamma", "gamma": "x"}], "step 1 (gamma): gamma must be a number"),
    ([{"transform": "gamma", "gamma": float("nan")}], "must be finite"),
])
def test_bad_pipelines_are_refused_precisely(pipeline, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        augment.check_pipeline(pipeline)


@pytest.mark.parametrize("variant, message", [
    ({"ops": []}, "shape"),
    ({"shape": [4, 4], "ops": [{"transform": "rot90"}]}, "missing field 'k'"),
    ({"shape": [4, 4], "ops": [{"transform": "blur", "sigma_px": -1}]}, "sigma_px must lie within"),
    ({"shape": [4, 4], "ops": [{"transform": "perspective", "corners": [[0, 0]]}]}, "shape \\[4, 2\\]"),
    ({"shape": [4, 4], "ops": [{"transform": "resized_crop", "x": 0.5, "y": 0, "width": 0.6, "height": 1}]},
     "inside the image"),
    ({"shape": [4, 4], "ops": [{"transform": "grid_distortion", "cells": 2, "dx": [[0] * 3] * 3,
                                "dy": [[0.9] * 3] * 3}]}, "dy values must lie within"),
])
def test_bad_variants_are_refused_precisely(variant, message):
    with pytest.raises(ValueError, match=message):
        augment.check_variant(variant)


def test_bad_seeds_and_images_are_refused():
    with pytest.raises(ValueError, match="seed must be"):
        augment.sample([], -1, (4, 4))
    with pytest.raises(ValueError, match="image must be"):
        augment.apply(np.zeros((4, 4, 2)), _variant((4, 4)))
    with pytest.raises(ValueError, match="mask 0 must be"):
        augment.apply(np.zeros((4, 4)), _variant((4, 4)), masks=[np.zeros((3, 4))])


def test_noise_is_seeded_per_variant():
    img = _readonly(np.full((16, 16, 3), 0.5, np.float32))
    step = _always("noise", amount=[0.1, 0.1])
    a = augment.apply(img, augment.sample([step], (1, 0, 0), img.shape)).image
    b = augment.apply(img, augment.sample([step], (1, 0, 0), img.shape)).image
    c = augment.apply(img, augment.sample([step], (1, 0, 1), img.shape)).image
    assert a.tobytes() == b.tobytes() != c.tobytes()
    assert 0.05 < float(np.std(a - 0.5)) < 0.15


@pytest.mark.parametrize("name", ["brightness", "contrast", "gamma", "cutout"])
def test_eight_bit_shortcuts_match_the_float_path(name):
    rng = np.random.default_rng(9)
    img8 = _readonly((rng.random((9, 11, 3)) * 255).astype(np.uint8))
    v = augment.sample([_always(name), _always("gamma")], 4, img8.shape)
    fast = augment.apply(img8, v).image
    # the reference: the float path, rounded once at the end
    slow = augment.apply(img8.astype(np.float32) / np.float32(255), v).image
    expected = np.floor(slow * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    assert np.abs(fast.astype(int) - expected).max() <= 1
    assert (fast != expected).mean() < 0.01


def test_progress_goes_forward_and_can_stop_the_work():
    img = _readonly(np.zeros((40, 40, 3), np.float32))
    pipe = [_always("rotate"), _always("brightness"), _always("hflip")]
    v = augment.sample(pipe, 0, img.shape)
    seen = []
    augment.apply(img, v, progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)

    class Stop(Exception):
        pass

    def stop(fraction):
        if fraction > 0:
            raise Stop

    with pytest.raises(Stop):
        augment.apply(img, v, progress=stop)


def test_grid_cells_are_the_exports_variants():
    img = _readonly(np.random.default_rng(12).random((10, 12, 3)).astype(np.float32))
    pipe = [_always("rotate"), _always("hue")]
    cells = augment.variants(img, pipe, 8, 3, input_index=2)
    for k, (variant, out) in enumerate(cells):
        assert variant == augment.sample(pipe, (8, 2, k), img.shape)
        assert out.image.tobytes() == augment.apply(img, variant).image.tobytes()


def test_a_grid_on_a_preview_draws_for_the_full_image():
    full = np.zeros((40, 40), np.float32)
    full[20, 20] = 1.0
    preview = np.zeros((10, 10), np.float32)
    preview[5, 5] = 1.0
    pipe = [_always("blur", sigma_px=[4.0, 4.0])]
    ((variant, cell),) = augment.variants(preview, pipe, 1, 1, full_shape=full.shape)
    assert variant == augment.sample(pipe, (1, 0, 0), full.shape)  # the export's variant 0
    # sigma 4 on the full image is sigma 1 on the preview: its peak is that of a unit Gaussian
    assert cell.image[5, 5] == pytest.approx(1 / (2 * np.pi), rel=0.05)
