"""Tests of the fast paths of processing.augment for integer images: tables of
levels, whole-pixel copies, and resampling on the image's own levels, each
against a reference written here from the definitions (float64, or the
float32 formula of the per-value transforms)."""
import math

import numpy as np
import pytest

from processing import augment
from processing._parallel import set_workers
from tests.processing.test_augment import _readonly, _variant


def _all_levels(dtype, channels=3):
    """An image holding every level of ``dtype`` in every channel (and some
    of them twice when the count does not fill the rectangle)."""
    top = np.iinfo(dtype).max
    n = top + 1
    side = int(math.ceil(math.sqrt(n)))
    flat = np.arange(side * side) % n
    img = flat.reshape(side, side).astype(dtype)
    if channels:
        img = np.stack([np.roll(img, k * 7) for k in range(channels)], axis=-1)
    return _readonly(img)


def _float32_levels(op, v, top):
    """The per-value transforms, written as float32 arithmetic on values
    scaled to [0, 1], then rounded to the nearest level."""
    x = v.astype(np.float32) * np.float32(1.0 / top)
    name = op["transform"]
    if name == "brightness":
        x = x + np.float32(op["delta"])
    elif name == "contrast":
        x = (x - np.float32(0.5)) * np.float32(op["factor"]) + np.float32(0.5)
    else:
        x = np.power(np.clip(x, 0, 1), np.float32(op["gamma"]))
    return np.clip(x, 0, 1).astype(np.float32)


def _round_levels(x, top):
    return np.floor(np.clip(x * np.float32(top) + np.float32(0.5), 0, top)).astype(np.int64)


PER_VALUE = [
    {"transform": "brightness", "delta": 0.1},
    {"transform": "brightness", "delta": -0.37},
    {"transform": "brightness", "delta": 0.0013},
    {"transform": "brightness", "delta": 1.0},
    {"transform": "contrast", "factor": 1.23},
    {"transform": "contrast", "factor": 0.81},
    {"transform": "gamma", "gamma": 0.8},
    {"transform": "gamma", "gamma": 2.2},
]


@pytest.mark.parametrize("op", PER_VALUE, ids=lambda op: f"{op['transform']}-{list(op.values())[1]}")
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_per_value_transforms_match_their_float_formula_on_every_level(op, dtype):
    img = _all_levels(dtype)
    top = np.iinfo(dtype).max
    out = augment.apply(img, _variant(img.shape, op)).image
    expected = _round_levels(_float32_levels(op, img, top), top)
    assert out.dtype == img.dtype
    np.testing.assert_array_equal(out, expected)


def test_chains_of_per_value_transforms_round_once():
    img = _all_levels(np.uint8)
    ops = [{"transform": "brightness", "delta": 0.05}, {"transform": "gamma", "gamma": 1.7},
           {"transform": "contrast", "factor": 1.4}]
    out = augment.apply(img, _variant(img.shape, *ops)).image
    x = img.astype(np.float32) * np.float32(1 / 255)
    x = np.clip(x + np.float32(0.05), 0, 1).astype(np.float32)
    x = np.clip(np.power(x, np.float32(1.7)), 0, 1).astype(np.float32)
    x = np.clip((x - np.float32(0.5)) * np.float32(1.4) + np.float32(0.5), 0, 1).astype(np.float32)
    np.testing.assert_array_equal(out, _round_levels(x, 255))


@pytest.mark.parametrize("shape", [(7, 9, 3), (5, 5), (1, 1, 3), (6, 7, 1)])
def test_tables_apply_to_odd_sizes_views_and_alpha(shape):
    rng = np.random.default_rng(3)
    img = _readonly(rng.integers(0, 256, shape, dtype=np.uint8))
    op = {"transform": "gamma", "gamma": 1.9}
    expected = _round_levels(_float32_levels(op, img, 255), 255)
    np.testing.assert_array_equal(augment.apply(img, _variant(shape, op)).image, expected)
    flipped = _readonly(img[::-1, ::-1])  # a view with negative strides
    out = augment.apply(flipped, _variant(shape, op)).image
    np.testing.assert_array_equal(out, expected[::-1, ::-1])
    rgba = _readonly(rng.integers(0, 256, (4, 5, 4), dtype=np.uint8))
    out = augment.apply(rgba, _variant(rgba.shape, op)).image
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(out[..., :3], _round_levels(_float32_levels(op, rgba[..., :3], 255), 255))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("channels", [0, 1, 3, 4])
def test_flips_and_turns_copy_every_layout(dtype, channels):
    shape = (6, 9) if channels == 0 else (6, 9, channels)
    img = _readonly((np.arange(math.prod(shape)) % 251).reshape(shape).astype(dtype))
    cases = [("hflip", {}, img[:, ::-1]), ("vflip", {}, img[::-1])]
    cases += [("rot90", {"k": k}, np.rot90(img, k)) for k in range(4)]
    for name, extra, expected in cases:
        out = augment.apply(img, _variant(shape, {"transform": name, **extra})).image
        np.testing.assert_array_equal(out, expected)
        assert out.flags.c_contiguous and out.flags.writeable and not np.shares_memory(out, img)


# -- resampling on the levels against float64 --------------------------------------
def _bilinear(img, x, y, edge):
    """float64 bilinear reads of ``img`` at the positions ``(x, y)`` (corner
    convention): black outside, or (``edge``) the border pixels repeated."""
    img = img.astype(np.float64)
    h, w = img.shape[:2]
    fx, fy = x - 0.5, y - 0.5
    if edge:
        fx = np.clip(fx, 0, w - 1)
        fy = np.clip(fy, 0, h - 1)
        x0 = np.minimum(np.floor(fx), w - 2)
        y0 = np.minimum(np.floor(fy), h - 2)
    else:
        x0, y0 = np.floor(fx), np.floor(fy)
    tx, ty = fx - x0, fy - y0
    if img.ndim == 3:
        tx, ty = tx[..., None], ty[..., None]
    total = 0.0
    for dy, wy in ((0, 1 - ty), (1, ty)):
        for dx, wx in ((0, 1 - tx), (1, tx)):
            xi, yi = (x0 + dx).astype(int), (y0 + dy).astype(int)
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            value = img[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
            if img.ndim == 3:
                inside = inside[..., None]
            total = total + wy * wx * np.where(inside, value, 0.0)
    return total


def _inverse_positions(inverse, h, w):
    """Input positions of every output pixel centre through the 3x3 ``inverse``."""
    v, u = np.mgrid[0:h, 0:w] + 0.5
    x = inverse[0, 0] * u + inverse[0, 1] * v + inverse[0, 2]
    y = inverse[1, 0] * u + inverse[1, 1] * v + inverse[1, 2]
    d = inverse[2, 0] * u + inverse[2, 1] * v + inverse[2, 2]
    return x / d, y / d


def _centred(m, h, w):
    c = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1.0]])
    return c @ m @ np.linalg.inv(c)


def _homography(src, dst):
    rows, rhs = [], []
    for (px, py), (qx, qy) in zip(src, dst):
        rows.append([px, py, 1, 0, 0, 0, -qx * px, -qx * py])
        rows.append([0, 0, 0, px, py, 1, -qy * px, -qy * py])
        rhs += [qx, qy]
    a = np.linalg.solve(np.array(rows, float), np.array(rhs, float))
    return np.append(a, 1.0).reshape(3, 3)


def _output_to_input(op, h, w):
    """The map from output to input positions, written from each transform's definition."""
    name = op["transform"]
    if name == "rotate":
        t = math.radians(op["angle_deg"])
        # the output is the input turned counter-clockwise on screen (y down)
        forward = np.array([[math.cos(t), math.sin(t), 0], [-math.sin(t), math.cos(t), 0], [0, 0, 1]])
        return np.linalg.inv(_centred(forward, h, w))
    if name == "affine":
        s = op["scale"]
        shear = np.array([[1, math.tan(math.radians(op["shear_x_deg"])), 0],
                          [math.tan(math.radians(op["shear_y_deg"])), 1, 0], [0, 0, 1]])
        forward = _centred(shear @ np.diag([s, s, 1.0]), h, w)
        forward[0, 2] += op["translate_x"] * w
        forward[1, 2] += op["translate_y"] * h
        return np.linalg.inv(forward)
    if name == "resized_crop":
        return np.array([[op["width"], 0, op["x"] * w], [0, op["height"], op["y"] * h], [0, 0, 1.0]])
    if name == "perspective":
        c = op["corners"]
        quad = [(c[0][0] * w, c[0][1] * h), ((1 - c[1][0]) * w, c[1][1] * h),
                ((1 - c[2][0]) * w, (1 - c[2][1]) * h), (c[3][0] * w, (1 - c[3][1]) * h)]
        return _homography([(0, 0), (w, 0), (w, h), (0, h)], quad)
    raise AssertionError(name)


def _assert_rounded(out, exact, top):
    """``out`` holds the nearest level of ``exact`` wherever that is not a
    near tie, which float32 arithmetic (24 bits) may round either way."""
    exact = np.clip(exact, 0, top)
    near = 1e-3 + top * 2.0**-20
    clear = np.abs(exact - np.floor(exact) - 0.5) > near
    np.testing.assert_array_equal(out[clear], np.floor(exact + 0.5)[clear])
    assert np.abs(out.astype(np.float64) - exact).max() <= 0.5 + near
    assert clear.mean() > 0.8  # the test tests something


LEVEL_WARPS = [
    {"transform": "rotate", "angle_deg": 17.0},
    {"transform": "rotate", "angle_deg": -151.25},
    {"transform": "affine", "scale": 0.87, "translate_x": 0.07, "translate_y": -0.1,
     "shear_x_deg": 9.0, "shear_y_deg": -4.0},
    {"transform": "resized_crop", "x": 0.21, "y": 0.13, "width": 0.52, "height": 0.71},
    {"transform": "affine", "scale": 1.6, "translate_x": 0.3, "translate_y": 0.2,
     "shear_x_deg": 0.0, "shear_y_deg": 0.0},  # scale and shift only: black beyond two sides
    {"transform": "perspective", "corners": [[0.1, 0.05], [0.2, 0.1], [0.05, 0.15], [0.12, 0.0]]},
]


@pytest.mark.parametrize("op", LEVEL_WARPS, ids=lambda op: op["transform"])
@pytest.mark.parametrize("dtype,channels", [(np.uint8, 3), (np.uint8, 0), (np.uint16, 3)])
def test_integer_warps_are_the_rounded_bilinear_values(op, dtype, channels):
    rng = np.random.default_rng(4)
    h, w = 23, 31
    top = np.iinfo(dtype).max
    shape = (h, w, channels) if channels else (h, w)
    img = _readonly(rng.integers(0, top + 1, shape, dtype=dtype))
    out = augment.apply(img, _variant(shape, op)).image
    x, y = _inverse_positions(_output_to_input(op, h, w), h, w)
    assert out.dtype == img.dtype and out.shape == img.shape
    _assert_rounded(out, _bilinear(img, x, y, edge=False), top)


def test_grid_distortion_of_integer_images_is_the_rounded_bilinear_value():
    rng = np.random.default_rng(5)
    h, w, n = 19, 26, 3
    img = _readonly(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    dx, dy = rng.uniform(-0.4, 0.4, (2, n + 1, n + 1))
    op = {"transform": "grid_distortion", "cells": n, "dx": dx.tolist(), "dy": dy.tolist()}
    out = augment.apply(img, _variant(img.shape, op)).image
    # Node displacements in pixels, border nodes along the border only,
    # spread between the nodes bilinearly.
    ddx, ddy = dx * (w / n), dy * (h / n)
    ddx[:, 0] = ddx[:, -1] = 0
    ddy[0, :] = ddy[-1, :] = 0
    v, u = np.mgrid[0:h, 0:w] + 0.5
    gx, gy = u * n / w, v * n / h
    j0, i0 = np.minimum(gx.astype(int), n - 1), np.minimum(gy.astype(int), n - 1)
    tx, ty = gx - j0, gy - i0

    def spread(d):
        return ((1 - ty) * ((1 - tx) * d[i0, j0] + tx * d[i0, j0 + 1])
                + ty * ((1 - tx) * d[i0 + 1, j0] + tx * d[i0 + 1, j0 + 1]))

    exact = _bilinear(img, u + spread(ddx), v + spread(ddy), edge=True)
    assert out.dtype == np.uint8 and out.shape == img.shape
    _assert_rounded(out, exact, 255)


def test_a_later_change_of_values_is_rounded_once():
    """A warp followed by a per-value change: the warp's result is not
    rounded to 8 bits in between (that would be off by one level often)."""
    rng = np.random.default_rng(6)
    h, w = 21, 25
    img = _readonly(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    rotate = {"transform": "rotate", "angle_deg": 11.0}
    brighten = {"transform": "brightness", "delta": 0.1 / 3}
    out = augment.apply(img, _variant(img.shape, rotate, brighten)).image
    x, y = _inverse_positions(_output_to_input(rotate, h, w), h, w)
    exact = _bilinear(img, x, y, edge=False) + 255 * 0.1 / 3
    _assert_rounded(out, exact, 255)


@pytest.mark.parametrize("name,value", [("saturation", 0.0), ("saturation", 1.7), ("hue", 33.0), ("hue", -140.0)])
def test_saturation_and_hue_of_integer_images_round_the_exact_value(name, value):
    rng = np.random.default_rng(7)
    img = _readonly(rng.integers(0, 256, (17, 19, 3), dtype=np.uint8))
    key = "factor" if name == "saturation" else "shift_deg"
    out = augment.apply(img, _variant(img.shape, {"transform": name, key: value})).image
    v = img.astype(np.float64)
    luma = v @ np.array([0.2126, 0.7152, 0.0722])
    if name == "saturation":
        exact = value * v + (1 - value) * luma[..., None]
    else:
        # a turn about the gray axis: grays stay, the chroma plane turns
        t = math.radians(value)
        k = np.ones(3) / math.sqrt(3)
        mean = v @ k
        along = mean[..., None] * k
        perp = v - along
        exact = along + math.cos(t) * perp + math.sin(t) * np.cross(k, perp)
    _assert_rounded(out, exact, 255)


@pytest.mark.parametrize("name", ["rotate", "perspective", "grid_distortion", "resized_crop", "saturation"])
def test_results_do_not_depend_on_the_number_of_threads_or_earlier_calls(name):
    rng = np.random.default_rng(8)
    img = _readonly(rng.integers(0, 256, (300, 217, 3), dtype=np.uint8))
    step = augment.default_step(name)
    step["p"] = 1.0
    a = augment.sample([step], 1, img.shape)
    b = augment.sample([step], 2, img.shape)
    try:
        set_workers(1)
        first = augment.apply(img, a).image
        kept = first.copy()
        augment.apply(img, b)  # reuses every scratch block
        np.testing.assert_array_equal(first, kept)
        set_workers(3)
        np.testing.assert_array_equal(augment.apply(img, a).image, first)
    finally:
        set_workers(None)
