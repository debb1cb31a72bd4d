"""Geometric transforms against slow, obviously-correct references.

The references below work one output pixel at a time with the textbook
formulas (inverse mapping, interpolation kernels evaluated at each tap,
resampling weights summed over every input pixel), on tiny images.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing import geometry
from processing.geometry import (
    affine,
    crop,
    flip,
    homography,
    perspective,
    resize,
    rotate,
    rotate90,
    translate,
)
from tests.conftest import make_image

LUMA = (0.2126, 0.7152, 0.0722)


# -- slow references -------------------------------------------------------------
def keys(x, a=-0.5):
    x = abs(x)
    if x <= 1:
        return (a + 2) * x**3 - (a + 3) * x**2 + 1
    if x < 2:
        return a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a
    return 0.0


def lanczos3(x):
    if abs(x) >= 3:
        return 0.0
    if x == 0:
        return 1.0
    px = math.pi * x
    return 3 * math.sin(px) * math.sin(px / 3) / (px * px)


def triangle(x):
    return max(0.0, 1.0 - abs(x))


KERNELS = {"bilinear": (triangle, 1), "bicubic": (keys, 2), "lanczos": (lanczos3, 3)}


def fill_vector(image, fill):
    """Per-plane value of new area: fill colour (luma for gray), alpha 0."""
    fill = (fill,) * 3 if np.isscalar(fill) else tuple(fill)
    if image.ndim == 2:
        return np.array([sum(w * f for w, f in zip(LUMA, fill))])
    if image.shape[2] == 4:
        return np.array(list(fill) + [0.0])
    return np.array(fill, float)


def reference_warp(image, inverse, out_shape, interpolation, fill):
    """Per-pixel inverse mapping: output centre (j + .5, i + .5) -> input
    position by ``inverse`` (3x3, homogeneous), then interpolation with taps
    outside the image reading the fill (premultiplied for RGBA)."""
    img = image.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    h, w, planes = img.shape
    rgba = planes == 4
    if rgba and interpolation != "nearest":
        img = img.copy()
        img[..., :3] *= img[..., 3:4]
    outside = fill_vector(image, fill)
    if rgba and interpolation != "nearest":
        outside = np.zeros(4)

    def pixel(r, c):
        if 0 <= r < h and 0 <= c < w:
            return img[r, c]
        return outside

    out = np.zeros(tuple(out_shape) + (planes,))
    for i in range(out_shape[0]):
        for j in range(out_shape[1]):
            p = inverse @ np.array([j + 0.5, i + 0.5, 1.0])
            if p[2] <= 1e-12:
                value = outside
            else:
                x, y = p[0] / p[2] - 0.5, p[1] / p[2] - 0.5
                if interpolation == "nearest":
                    value = pixel(math.floor(y + 0.5), math.floor(x + 0.5))
                else:
                    kernel, radius = (triangle, 1) if interpolation == "bilinear" else (keys, 2)
                    value = np.zeros(planes)
                    for r in range(math.floor(y) - radius + 1, math.floor(y) + radius + 1):
                        for c in range(math.floor(x) - radius + 1, math.floor(x) + radius + 1):
                            value = value + kernel(x - c) * kernel(y - r) * pixel(r, c)
            out[i, j] = value
    if rgba and interpolation != "nearest":
        alpha = np.clip(out[..., 3], 0, 1)
        color = np.where(alpha[..., None] > 1e-6, out[..., :3] / np.maximum(alpha, 1e-300)[..., None],
                         np.array(fill_vector(image[..., :3], fill)))
        out = np.concatenate([color, alpha[..., None]], axis=-1)
    out = np.clip(out, 0, 1)
    return out[..., 0] if image.ndim == 2 else out


def reference_resize(image, out_h, out_w, interpolation):
    """Each output pixel as the normalised 2-D weighted sum over all input
    pixels, with mirrored (edge-repeating) indices beyond the border."""
    img = image.astype(np.float64)
    if img.ndim == 3 and img.shape[2] == 4:
        img = img.copy()
        img[..., :3] *= img[..., 3:4]
    h, w = img.shape[:2]

    def weights_1d(n_in, n_out, i):
        ratio = n_in / n_out
        centre = (i + 0.5) * ratio
        weights = {}
        if interpolation == "area":
            for j in range(n_in):
                overlap = min(j + 1, (i + 1) * ratio) - max(j, i * ratio)
                if overlap > 0:
                    weights[j] = overlap
        else:
            kernel, support = KERNELS[interpolation]
            stretch = max(ratio, 1.0)
            for j in range(-4 * n_in, 5 * n_in):  # far beyond any support
                value = kernel((j + 0.5 - centre) / stretch)
                if value:
                    m = j % (2 * n_in)
                    m = m if m < n_in else 2 * n_in - 1 - m
                    weights[m] = weights.get(m, 0.0) + value
        total = sum(weights.values())
        return {j: v / total for j, v in weights.items()}

    out = np.zeros((out_h, out_w) + img.shape[2:])
    for i in range(out_h):
        wy = weights_1d(h, out_h, i)
        for j in range(out_w):
            wx = weights_1d(w, out_w, j)
            out[i, j] = sum(vy * vx * img[r, c] for r, vy in wy.items() for c, vx in wx.items())
    if img.ndim == 3 and img.shape[2] == 4:
        alpha = np.clip(out[..., 3], 0, 1)
        out[..., :3] = np.where(alpha[..., None] > 1e-6, out[..., :3] / np.maximum(alpha, 1e-300)[..., None], 0)
        out[..., 3] = alpha
    return np.clip(out, 0, 1)


def premultiplied(image):
    """Colour times alpha for RGBA (what is visible); other layouts unchanged."""
    if image.ndim == 3 and image.shape[2] == 4:
        return np.concatenate([image[..., :3] * image[..., 3:4], image[..., 3:4]], axis=-1)
    return image


def rotation_inverse(angle, h, w, out_h, out_w):
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    to_centre = np.array([[1, 0, -out_w / 2], [0, 1, -out_h / 2], [0, 0, 1.0]])
    turn = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])
    back = np.array([[1, 0, w / 2], [0, 1, h / 2], [0, 0, 1.0]])
    return back @ turn @ to_centre


# -- flip, rotate90, crop ---------------------------------------------------------
def test_flip_matches_loops(any_image):
    h, w = any_image.shape[:2]
    horizontal, vertical = flip(any_image, "horizontal"), flip(any_image, "vertical")
    for i in range(h):
        for j in range(w):
            np.testing.assert_array_equal(horizontal[i, j], any_image[i, w - 1 - j])
            np.testing.assert_array_equal(vertical[i, j], any_image[h - 1 - i, j])


@pytest.mark.parametrize("k", [-1, 0, 1, 2, 3, 5])
def test_rotate90_matches_loops(any_image, k):
    out = rotate90(any_image, k)
    image = any_image
    for _ in range(k % 4):  # one counter-clockwise quarter turn: out[i, j] = in[j, W-1-i]
        h, w = image.shape[:2]
        turned = np.empty((w, h) + image.shape[2:], np.float32)
        for i in range(w):
            for j in range(h):
                turned[i, j] = image[j, w - 1 - i]
        image = turned
    np.testing.assert_array_equal(out, image)
    assert out.dtype == np.float32 and out.flags.writeable


def test_crop_matches_slicing_and_clamps(any_image):
    h, w = any_image.shape[:2]
    np.testing.assert_array_equal(crop(any_image, 2, 3, 5, 4), any_image[3:7, 2:7])
    np.testing.assert_array_equal(crop(any_image, -3, -2, 6, 5), any_image[0:3, 0:3])
    np.testing.assert_array_equal(crop(any_image, 4, 5, 10**6, 10**6), any_image[5:, 4:])
    np.testing.assert_array_equal(crop(any_image, 0, 0, w, h), any_image)


@pytest.mark.parametrize("args, match", [
    ((30, 0, 5, 5), "outside the 23 x 17 image"),
    ((0, -9, 5, 5), "outside"),
    ((0, 0, 0, 5), "width must be >= 1"),
    ((0, 0, 5, 2.5), "height must be an integer"),
])
def test_crop_errors_are_clear(args, match):
    with pytest.raises(ValueError, match=match):
        crop(make_image((17, 23)), *args)


def test_flip_and_rotate_errors():
    image = make_image((4, 5))
    with pytest.raises(ValueError, match="direction must be one of horizontal, vertical"):
        flip(image, "diagonal")
    with pytest.raises(ValueError, match="k must be an integer"):
        rotate90(image, 1.5)
    with pytest.raises(ValueError, match="interpolation must be one of nearest, bilinear, bicubic"):
        rotate(image, 10, interpolation="lanczos")
    with pytest.raises(ValueError, match="fill"):
        rotate(image, 10, fill=(0.5, 2.0, 0.0))
    with pytest.raises(ValueError, match="angle_deg must be finite"):
        rotate(image, float("inf"))


# -- warps against the per-pixel reference --------------------------------------------
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("angle, expand", [(17.0, False), (-33.0, True), (90.0, False), (135.0, True)])
def test_rotate_matches_reference(any_image, interpolation, angle, expand):
    image = any_image[:9, :12]
    fill = (0.9, 0.3, 0.1)
    out = rotate(image, angle, expand=expand, interpolation=interpolation, fill=fill)
    h, w = image.shape[:2]
    if expand:
        t = math.radians(angle)
        out_w = math.ceil(w * abs(math.cos(t)) + h * abs(math.sin(t)) - 1e-6)
        out_h = math.ceil(w * abs(math.sin(t)) + h * abs(math.cos(t)) - 1e-6)
    else:
        out_h, out_w = h, w
    assert out.shape[:2] == (out_h, out_w)
    expected = reference_warp(image, rotation_inverse(angle, h, w, out_h, out_w), (out_h, out_w), interpolation, fill)
    np.testing.assert_allclose(out, expected, atol=2e-5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_affine_matches_reference(any_image, interpolation):
    image = any_image[:10, :11]
    matrix = ((0.8, 0.3, 1.7), (-0.2, 1.25, -0.6))
    out = affine(image, matrix, interpolation=interpolation, fill=0.4)
    forward = np.vstack([np.array(matrix), [0, 0, 1]])
    expected = reference_warp(image, np.linalg.inv(forward), image.shape[:2], interpolation, 0.4)
    np.testing.assert_allclose(out, expected, atol=2e-5)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("dx, dy", [(2.25, -1.5), (-0.5, 0.75)])
def test_translate_subpixel_matches_reference(any_image, interpolation, dx, dy):
    image = any_image[:8, :9]
    out = translate(image, dx, dy, interpolation=interpolation, fill=(0.0, 1.0, 0.0))
    inverse = np.array([[1, 0, -dx], [0, 1, -dy], [0, 0, 1.0]])
    expected = reference_warp(image, inverse, image.shape[:2], interpolation, (0.0, 1.0, 0.0))
    np.testing.assert_allclose(out, expected, atol=2e-5)


def homography_svd(src, dst):
    """Independent DLT: the null vector of the 8x9 system (Hartley & Zisserman)."""
    rows = []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([-x, -y, -1, 0, 0, 0, u * x, u * y, u])
        rows.append([0, 0, 0, -x, -y, -1, v * x, v * y, v])
    h = np.linalg.svd(np.array(rows, float))[2][-1].reshape(3, 3)
    return h / h[2, 2]


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_perspective_matches_reference(any_image, interpolation):
    image = any_image[:12, :14]
    quad = ((2.5, 1.0), (12.0, 2.5), (13.5, 11.0), (0.5, 9.0))
    out = perspective(image, quad, 9, 7, interpolation=interpolation, fill=0.2)
    assert out.shape[:2] == (7, 9)
    inverse = homography_svd([(0, 0), (9, 0), (9, 7), (0, 7)], quad)
    expected = reference_warp(image, inverse, (7, 9), interpolation, 0.2)
    np.testing.assert_allclose(out, expected, atol=2e-5)


def test_homography_maps_the_points():
    src = [(0, 0), (10, 0), (10, 6), (0, 6)]
    dst = [(1.5, 2.0), (11.0, 0.5), (9.0, 8.0), (0.0, 7.0)]
    h = homography(src, dst)
    for (x, y), (u, v) in zip(src, dst):
        p = h @ (x, y, 1)
        np.testing.assert_allclose(p[:2] / p[2], (u, v), atol=1e-9)
    np.testing.assert_allclose(h, homography_svd(src, dst), atol=1e-9)
    with pytest.raises(ValueError, match="collinear"):
        homography([(0, 0), (1, 1), (2, 2), (3, 3)], dst)


def test_perspective_straightens_a_photographed_page():
    """A smooth 'page' pattern seen through a known perspective comes back upright."""
    page_w, page_h = 40, 30
    page = lambda u, v: 0.5 + 0.3 * np.sin(u / 4.0) * np.cos(v / 5.0)  # noqa: E731
    quad = np.array([(12.0, 8.0), (70.0, 14.0), (66.0, 55.0), (6.0, 50.0)])
    to_page = homography_svd(quad, [(0, 0), (page_w, 0), (page_w, page_h), (0, page_h)])
    # The photo: each pixel centre looks up the page through the inverse homography.
    y, x = np.mgrid[0:64, 0:80] + 0.5
    p = np.einsum("ij,jhw->ihw", to_page, np.stack([x, y, np.ones_like(x)]))
    u, v = p[0] / p[2], p[1] / p[2]
    photo = np.where((u >= 0) & (u <= page_w) & (v >= 0) & (v <= page_h), page(u, v), 0.0).astype(np.float32)
    out = perspective(photo, tuple(map(tuple, quad)), page_w, page_h, interpolation="bicubic")
    v, u = np.mgrid[0:page_h, 0:page_w] + 0.5
    inner = (slice(2, -2), slice(2, -2))
    np.testing.assert_allclose(out[inner], page(u, v)[inner], atol=0.01)


def test_perspective_whole_image_and_automatic_size(any_image):
    h, w = any_image.shape[:2]
    out = perspective(any_image)  # all corners at (0, 0): the whole image, same size
    assert out.shape == any_image.shape
    np.testing.assert_allclose(premultiplied(out), premultiplied(any_image), atol=1e-5)
    # Longer of top (10.05) and bottom (12.04) sides; of left and right (both 7.07).
    assert perspective(any_image, ((1, 1), (11, 2), (12, 9), (0, 8))).shape[:2] == (7, 12)


@pytest.mark.parametrize("quad", [
    ((0, 0), (10, 10), (10, 0), (0, 10)),   # crossed (bow tie)
    ((0, 0), (10, 0), (2, 2), (0, 10)),     # concave
    ((0, 0), (5, 0), (10, 0), (0, 10)),     # three in a line
])
def test_perspective_refuses_bad_quads(quad):
    with pytest.raises(ValueError, match="convex quadrilateral"):
        perspective(make_image((12, 12)), quad)


def test_affine_refuses_singular_and_malformed_matrices():
    image = make_image((5, 5))
    with pytest.raises(ValueError, match="not invertible"):
        affine(image, ((1, 2, 0), (2, 4, 0)))
    with pytest.raises(ValueError, match="2 rows of 3 numbers"):
        affine(image, ((1, 0), (0, 1)))


# -- exactness --------------------------------------------------------------------
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("shape", [(12, 12), (11, 15, 3), (10, 14, 4)])
def test_rotate_by_90_through_the_warp_equals_rotate90(interpolation, shape):
    """Same-parity sides: a quarter turn maps pixel centres onto pixel centres,
    so the interpolating warp must reproduce rotate90 exactly where the
    rotated image covers the frame."""
    image = make_image(shape, seed=4)
    h, w = shape[:2]
    out = rotate(image, 90, expand=False, interpolation=interpolation)  # general warp unless square
    turned = rotate90(image)
    # rotate90's frame is w x h; the warp keeps h x w, centred on the same point.
    m = abs(h - w) // 2
    if h >= w:
        np.testing.assert_allclose(premultiplied(out[m : m + w, :]), premultiplied(turned[:, m : m + w]), atol=1e-6)
    else:
        np.testing.assert_allclose(premultiplied(out[:, m : m + h]), premultiplied(turned[m : m + h, :]), atol=1e-6)
    # And the general affine warp with a quarter-turn matrix, on the square case.
    square = image[: min(h, w), : min(h, w)]
    n = square.shape[0]
    quarter = affine(square, ((0, 1, 0), (-1, 0, n)), interpolation=interpolation)
    np.testing.assert_allclose(premultiplied(quarter), premultiplied(rotate90(square)), atol=1e-6)


def test_rotate_multiples_of_90_with_expand_are_lossless(any_image):
    for k in range(-4, 5):
        np.testing.assert_array_equal(rotate(any_image, 90 * k, expand=True), rotate90(any_image, k))


@pytest.mark.parametrize("dx, dy", [(3, -2), (-5, 4), (0, 0), (40, 0), (-1.0, 2.0)])
def test_translate_by_whole_pixels_is_exact(any_image, dx, dy):
    out = translate(any_image, dx, dy, fill=(0.2, 0.4, 0.6))
    h, w = any_image.shape[:2]
    outside = fill_vector(any_image, (0.2, 0.4, 0.6)).astype(np.float32)
    for i in range(h):
        for j in range(w):
            si, sj = i - int(dy), j - int(dx)
            expected = any_image[si, sj] if 0 <= si < h and 0 <= sj < w else outside.reshape(any_image.shape[2:])
            np.testing.assert_array_equal(out[i, j], expected)


def smooth_image(h, w):
    """Band-limited RGB test picture: periods of 15 pixels and more."""
    y, x = np.mgrid[0:h, 0:w] + 0.5
    base = 0.5 + 0.2 * np.sin(x / 2.5 + 0.3) * np.cos(y / 3.0) + 0.15 * np.cos((x + y) / 4.0)
    return np.stack([base, 1 - base, 0.8 * base], axis=-1).astype(np.float32)


@pytest.mark.parametrize("interpolation, tolerance", [("bilinear", 0.025), ("bicubic", 0.006), ("lanczos", 0.006)])
def test_resize_up_then_down_returns_close_to_the_original(interpolation, tolerance):
    image = smooth_image(24, 30)
    back = resize(resize(image, 2.0, interpolation=interpolation), 0.5, interpolation=interpolation)
    assert back.shape == image.shape
    # Only the blur of the two kernels remains: bilinear's triangles blur most.
    np.testing.assert_allclose(back, image, atol=tolerance)


@pytest.mark.parametrize("interpolation", ["nearest", "area"])
def test_resize_up_then_down_is_exact_for_box_kernels(any_image, interpolation):
    back = resize(resize(any_image, 2.0, interpolation=interpolation), 0.5, interpolation=interpolation)
    np.testing.assert_allclose(premultiplied(back), premultiplied(any_image), atol=1e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos", "area"])
@pytest.mark.parametrize("scale", [0.3, 0.5, 1.7, 2.0])
def test_resize_keeps_a_constant_image_constant(interpolation, scale):
    image = np.full((13, 17, 3), 0.37, np.float32)
    np.testing.assert_allclose(resize(image, scale, interpolation=interpolation), 0.37, atol=1e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_warps_keep_a_constant_image_constant_inside(interpolation):
    image = np.full((20, 20), 0.63, np.float32)
    out = rotate(image, 23.0, interpolation=interpolation, fill=0.0)
    np.testing.assert_allclose(out[7:13, 7:13], 0.63, atol=1e-6)


# -- resize against the reference --------------------------------------------------
@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "lanczos", "area"])
@pytest.mark.parametrize("size", [(5, 7), (13, 6), (21, 29)])
def test_resize_matches_reference(any_image, interpolation, size):
    image = any_image[:11, :13]
    out_h, out_w = size
    out = resize(image, width=out_w, height=out_h, mode="size", interpolation=interpolation)
    assert out.shape == (out_h, out_w) + image.shape[2:]
    np.testing.assert_allclose(premultiplied(out), premultiplied(reference_resize(image, out_h, out_w, interpolation)),
                               atol=1e-5)


def test_resize_nearest_picks_the_pixel_under_each_centre(any_image):
    out = resize(any_image, width=9, height=7, mode="size", interpolation="nearest")
    h, w = any_image.shape[:2]
    for i in range(7):
        for j in range(9):
            np.testing.assert_array_equal(out[i, j], any_image[int((i + 0.5) * h / 7), int((j + 0.5) * w / 9)])


def test_resize_sizes_and_modes():
    image = make_image((30, 40, 3))
    assert resize(image, 0.5).shape == (15, 20, 3)
    assert resize(image, 0.001).shape == (1, 1, 3)
    assert resize(image, 99, width=20, mode="size").shape == (15, 20, 3)
    assert resize(image, height=12, mode="size").shape == (12, 16, 3)
    assert resize(image, width=7, height=50, mode="size").shape == (50, 7, 3)
    np.testing.assert_array_equal(resize(image, mode="size"), image)
    with pytest.raises(ValueError, match="scale must be > 0"):
        resize(image, 0)
    with pytest.raises(ValueError, match="mode must be one of scale, size"):
        resize(image, mode="fit")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        resize(image, 2, interpolation="cubic")
    with pytest.raises(ValueError, match="megapixels"):
        resize(image, width=100_000, height=100_000, mode="size")


def zone_plate(n):
    """cos(pi r^2 / n): local frequency r / n cycles per pixel, 0.5 (Nyquist) at r = n / 2."""
    y, x = np.mgrid[0:n, 0:n] + 0.5 - n / 2
    return (0.5 + 0.5 * np.cos(np.pi * (x * x + y * y) / n)).astype(np.float32)


@pytest.mark.parametrize("interpolation, limit", [("lanczos", 0.005), ("bicubic", 0.005), ("bilinear", 0.005),
                                                  ("area", 0.05)])
def test_resize_to_quarter_does_not_alias_a_zone_plate(interpolation, limit):
    n = 256
    plate = zone_plate(n)
    small = resize(plate, 0.25, interpolation=interpolation)
    naive = plate[1::4, 1::4]  # decimation without a filter
    # Where the plate's local frequency is beyond 1.5x the new Nyquist (1/8
    # cycle per input pixel), a correct reduction can only show flat grey;
    # anything else there is aliasing (moire rings).
    y, x = np.mgrid[0:64, 0:64] + 0.5 - 32
    above = (np.hypot(x, y) * 4 / n > 1.5 / 8) & (np.hypot(x, y) < 30)
    def energy(img):
        return float(np.mean((img[above] - img[above].mean()) ** 2))
    assert energy(naive) > 0.05  # the test pattern really aliases
    assert energy(small) < limit * energy(naive)
    # Below the new Nyquist the rings survive.
    below = np.hypot(x, y) * 4 / n < 0.5 / 8
    assert small[below].std() > 0.1


# -- alpha and fill --------------------------------------------------------------
def test_new_areas_are_transparent_with_alpha_and_fill_colour_without():
    rgba = make_image((16, 16, 4), seed=9).copy()
    rgba[..., 3] = 1.0
    out = rotate(rgba, 45, expand=True)
    assert out[0, 0, 3] == 0 and out[out.shape[0] // 2, out.shape[1] // 2, 3] == pytest.approx(1.0)
    rgb = rotate(make_image((16, 16, 3)), 45, expand=True, fill=(1.0, 0.5, 0.0))
    np.testing.assert_allclose(rgb[0, 0], (1.0, 0.5, 0.0))
    gray = translate(make_image((8, 8)), 3, 0, fill=(1.0, 0.5, 0.0))
    np.testing.assert_allclose(gray[:, :3], 0.2126 + 0.7152 * 0.5, atol=1e-6)
    gray = translate(make_image((8, 8)), 0, -3, fill=0.25)
    np.testing.assert_allclose(gray[-3:], 0.25)
    shifted = translate(rgba, 2.5, 0)
    assert (shifted[:, :2, 3] == 0).all() and (shifted[:, 3:, 3] > 0.999).all()


def test_transparent_pixels_do_not_bleed_their_colour():
    """Premultiplied interpolation: a half-transparent edge keeps the colour of
    the opaque side, not a mix with the hidden colour of invisible pixels."""
    image = np.zeros((6, 8, 4), np.float32)
    image[:, :4] = (1.0, 0.0, 0.0, 1.0)      # opaque red
    image[:, 4:] = (0.0, 1.0, 0.0, 0.0)      # invisible green
    for out in (translate(image, 0.5, 0), resize(image, width=5, height=6, mode="size", interpolation="bilinear")):
        seen = out[..., 3] > 0
        np.testing.assert_allclose(out[..., :3][seen], np.broadcast_to((1.0, 0.0, 0.0), out[..., :3][seen].shape),
                                   atol=1e-5)
        assert ((out[..., 3] > 0) & (out[..., 3] < 1)).any()


# -- properties ------------------------------------------------------------------
@st.composite
def gray_rgb_rgba(draw):
    shape = draw(st.tuples(st.integers(1, 9), st.integers(1, 9)))
    channels = draw(st.sampled_from([None, 3, 4]))
    full = shape if channels is None else shape + (channels,)
    image = draw(arrays(np.float32, full, elements=st.floats(0, 1, width=32)))
    image.flags.writeable = False
    return image


def check_output(out, image, shape=None):
    assert out.dtype == np.float32
    assert out.shape[2:] == image.shape[2:]
    if shape is not None:
        assert out.shape[:2] == shape
    assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1


@settings(max_examples=40, deadline=None)
@given(image=gray_rgb_rgba(), angle=st.floats(-360, 360), expand=st.booleans(),
       interpolation=st.sampled_from(["nearest", "bilinear", "bicubic"]))
def test_rotate_properties(image, angle, expand, interpolation):
    out = rotate(image, angle, expand=expand, interpolation=interpolation)
    check_output(out, image, None if expand else image.shape[:2])
    # A full turn more is the same rotation (up to the rounding of angle + 360,
    # which could tip a nearest-neighbour tie); no turn is the identity.
    again = rotate(image, angle + 360.0, expand=expand, interpolation=interpolation)
    assert again.shape == out.shape
    if interpolation != "nearest":
        np.testing.assert_allclose(premultiplied(again), premultiplied(out), atol=1e-4)
    np.testing.assert_array_equal(rotate(image, 0.0, expand=expand, interpolation=interpolation), image)


@settings(max_examples=40, deadline=None)
@given(image=gray_rgb_rgba(), scale=st.floats(0.05, 4.0),
       interpolation=st.sampled_from(["nearest", "bilinear", "bicubic", "lanczos", "area"]))
def test_resize_properties(image, scale, interpolation):
    out = resize(image, scale, interpolation=interpolation)
    h, w = image.shape[:2]
    check_output(out, image, (max(1, round(h * scale)), max(1, round(w * scale))))
    np.testing.assert_array_equal(resize(image, 1.0, interpolation=interpolation), image)


@settings(max_examples=40, deadline=None)
@given(image=gray_rgb_rgba(), dx=st.floats(-12, 12), dy=st.floats(-12, 12),
       interpolation=st.sampled_from(["nearest", "bilinear", "bicubic"]))
def test_translate_and_affine_properties(image, dx, dy, interpolation):
    out = translate(image, dx, dy, interpolation=interpolation)
    check_output(out, image, image.shape[:2])
    via_affine = affine(image, ((1, 0, dx), (0, 1, dy)), interpolation=interpolation)
    np.testing.assert_allclose(premultiplied(via_affine), premultiplied(out), atol=1e-5)
    identity = affine(image, ((1, 0, 0), (0, 1, 0)), interpolation=interpolation)
    np.testing.assert_allclose(premultiplied(identity), premultiplied(image), atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(image=gray_rgb_rgba(), data=st.data())
def test_crop_flip_rotate90_perspective_properties(image, data):
    h, w = image.shape[:2]
    x, y = data.draw(st.integers(0, w - 1)), data.draw(st.integers(0, h - 1))
    cw, ch = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    check_output(crop(image, x, y, cw, ch), image, (min(ch, h - y), min(cw, w - x)))
    direction = data.draw(st.sampled_from(["horizontal", "vertical"]))
    np.testing.assert_array_equal(flip(flip(image, direction), direction), image)
    k = data.draw(st.integers(-5, 5))
    np.testing.assert_array_equal(rotate90(rotate90(image, k), -k), image)
    out = perspective(image, ((0, 0), (w, 0), (w, h), (0, h)), interpolation="bilinear")
    check_output(out, image, (h, w))
    np.testing.assert_allclose(premultiplied(out), premultiplied(image), atol=1e-5)


def test_tiles_bands_and_chunks_do_not_change_the_result(monkeypatch):
    """The references above run on images smaller than one tile; with tiny
    tiles, bands and matrix products every image crosses many of them (on
    two threads), and the result must not change."""
    rgba, gray = make_image((37, 41, 4), seed=5), make_image((29, 33), seed=6)
    calls = [
        lambda x: rotate(x, 21.0, expand=True, interpolation="bicubic"),
        lambda x: rotate(x, -8.0, interpolation="nearest"),
        lambda x: affine(x, ((0.7, 0.2, 3.0), (-0.1, 1.3, -2.0))),
        lambda x: perspective(x, ((2, 1), (30, 3), (28, 27), (1, 25)), 23, 19, interpolation="bicubic"),
        lambda x: translate(x, 3.25, -2.5, interpolation="bicubic"),
        lambda x: translate(x, -1.5, 0.75),
        lambda x: resize(x, 0.37, interpolation="lanczos"),
        lambda x: resize(x, width=70, height=50, mode="size", interpolation="bicubic"),
        lambda x: resize(x, 0.21, interpolation="area"),
    ]
    expected = [[f(image) for f in calls] for image in (rgba, gray)]
    monkeypatch.setattr(geometry, "_TILE", 6)
    monkeypatch.setattr(geometry, "_BAND", 3)
    monkeypatch.setattr(geometry, "_SERIAL_PRODUCT", 50)
    monkeypatch.setattr(geometry, "_SHIFT_TILE_VALUES", 100)
    for image, results in zip((rgba, gray), expected):
        for f, result in zip(calls, results):
            np.testing.assert_allclose(f(image), result, atol=1e-6)


# -- bilinear warps on images of many tiles ------------------------------------------------
def triangle(d):
    return np.maximum(0.0, 1.0 - np.abs(d))


def keys(d):
    d = np.abs(d)
    near = 1.5 * d**3 - 2.5 * d**2 + 1.0
    far = -0.5 * d**3 + 2.5 * d**2 - 4.0 * d + 2.0
    return np.where(d <= 1, near, np.where(d < 2, far, 0.0))


def reference_vectorised(image, inverse, out_shape, fill, interpolation="bilinear"):
    """Every output pixel at once, float64: the centre (j + .5, i + .5) maps
    through ``inverse`` to (x, y); taps at pixel centres around (x - .5, y - .5)."""
    kernel, radius = (triangle, 1) if interpolation == "bilinear" else (keys, 2)
    img = image.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    h, w, planes = img.shape
    rgba = planes == 4
    outside = np.zeros(planes) if rgba else fill_vector(image, fill)
    if rgba:
        img = img.copy()
        img[..., :3] *= img[..., 3:4]
    jj, ii = np.meshgrid(np.arange(out_shape[1]) + 0.5, np.arange(out_shape[0]) + 0.5)
    p = np.einsum("ab,bij->aij", inverse, np.stack([jj, ii, np.ones_like(jj)]))
    front = p[2] > 1e-12
    d = np.where(front, p[2], 1.0)
    x = np.where(front, p[0] / d - 0.5, -10.0)
    y = np.where(front, p[1] / d - 0.5, -10.0)
    x0, y0 = np.floor(x), np.floor(y)
    out = np.zeros(tuple(out_shape) + (planes,))
    for r_off in range(1 - radius, radius + 1):
        for c_off in range(1 - radius, radius + 1):
            r, c = y0 + r_off, x0 + c_off
            weight = kernel(x - c) * kernel(y - r)
            inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            value = np.where(inside[..., None],
                             img[np.clip(r, 0, h - 1).astype(int), np.clip(c, 0, w - 1).astype(int)], outside)
            out += weight[..., None] * value
    if rgba:
        alpha = np.clip(out[..., 3], 0, 1)
        color = np.where(alpha[..., None] > 1e-6, out[..., :3] / np.maximum(alpha, 1e-300)[..., None],
                         np.array(fill if not np.isscalar(fill) else (fill,) * 3, float))
        out = np.concatenate([color, alpha[..., None]], axis=-1)
    out = np.clip(out, 0, 1)
    return out[..., 0] if image.ndim == 2 else out


@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic"])
def test_the_vectorised_reference_agrees_with_the_per_pixel_reference(interpolation):
    image = make_image((9, 11, 4), seed=31)
    inverse = rotation_inverse(21.0, 9, 11, 10, 12)
    np.testing.assert_allclose(reference_vectorised(image, inverse, (10, 12), 0.3, interpolation),
                               reference_warp(image, inverse, (10, 12), interpolation, 0.3), atol=1e-12)


@pytest.mark.parametrize("shape", [(300, 280), (260, 330, 3), (270, 290, 4)])
def test_bilinear_rotate_on_many_tiles_matches_reference(shape):
    image = make_image(shape, seed=shape[0])
    if len(shape) == 3 and shape[2] == 4:
        image = image.copy()
        image[40:90, 100:200, 3] = 0.0  # a transparent hole whose colour must not bleed
    h, w = shape[:2]
    fill = (0.9, 0.3, 0.1)
    for angle, expand in ((23.0, True), (-8.0, False), (181.5, False)):
        out = rotate(image, angle, expand=expand, fill=fill)
        out_h, out_w = out.shape[:2]
        expected = reference_vectorised(image, rotation_inverse(angle, h, w, out_h, out_w), (out_h, out_w), fill)
        np.testing.assert_allclose(out, expected, atol=2e-5)


def test_bilinear_affine_strong_reduction_and_perspective_match_reference():
    # A reduction by 7: each output tile reaches far more input than it has
    # pixels, and is cut into smaller tiles.
    image = make_image((900, 1000), seed=3)
    matrix = ((0.14, 0.02, 5.0), (-0.01, 0.15, 3.0))
    out = affine(image, matrix, fill=0.4)
    forward = np.vstack([np.array(matrix), [0, 0, 1]])
    np.testing.assert_allclose(out, reference_vectorised(image, np.linalg.inv(forward), image.shape, 0.4), atol=2e-5)
    rgb = make_image((240, 310, 3), seed=4)
    quad = ((20.5, 10.0), (300.0, 25.5), (280.5, 230.0), (5.5, 200.0))
    out = perspective(rgb, quad, 400, 260, fill=(0.2, 0.5, 0.7))
    inverse = homography_svd([(0, 0), (400, 0), (400, 260), (0, 260)], quad)
    np.testing.assert_allclose(out, reference_vectorised(rgb, inverse, (260, 400), (0.2, 0.5, 0.7)), atol=2e-5)


def test_bilinear_warp_beyond_the_horizon_sees_outside():
    from processing._warp import bilinear_warp

    image = make_image((200, 300, 3), seed=6)
    inverse = np.array([[1.0, 0.1, 0.0], [0.0, 1.0, 0.0], [-0.004, 0.0005, 1.0]])  # d = 0 near u = 250
    out = bilinear_warp(image, inverse, 200, 300, (0.25, 0.5, 0.75), premultiplied=False)
    np.testing.assert_allclose(out, reference_vectorised(image, inverse, (200, 300), (0.25, 0.5, 0.75)), atol=2e-5)


def test_bilinear_warp_reports_progress_and_can_be_cancelled():
    image = make_image((300, 400, 3), seed=8)
    seen = []
    rotate(image, 10.0, progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)

    class Stop(Exception):
        pass

    def cancel(fraction):
        raise Stop

    with pytest.raises(Stop):
        affine(image, ((1.0, 0.1, 0.0), (0.0, 1.0, 0.0)), progress=cancel)


@pytest.mark.parametrize("shape", [(300, 420), (290, 410, 3)])
def test_bilinear_affine_fractions_that_sum_to_one_carry(shape):
    # Affine positions are built from a row term and a column term, each with
    # its own fraction. With this shear and translation the two fractions sum
    # to anything in [0, 2), so about half the pixels carry one into the
    # integer part; a translation by whole pixels must move pixels unchanged.
    image = make_image(shape, seed=11)
    matrix = ((1.0, -0.7, 60.6), (0.1, 1.0, -3.3))
    out = affine(image, matrix, fill=0.25)
    forward = np.vstack([np.array(matrix), [0, 0, 1]])
    np.testing.assert_allclose(out, reference_vectorised(image, np.linalg.inv(forward), image.shape[:2], 0.25),
                               atol=1e-6)
    moved = affine(image, ((1.0, 0.0, -7.0), (0.0, 1.0, -5.0)))
    np.testing.assert_allclose(moved[: shape[0] - 5, : shape[1] - 7], image[5:, 7:], atol=1e-6)


def test_bilinear_extreme_reduction_with_footprints_beyond_the_scratch_buffers():
    # A reduction by 200: an 8 x 8 output tile (the smallest it is cut into)
    # reaches the whole input, more than the per-thread scratch buffers keep;
    # such footprints get their own arrays, and reusing the buffers for the
    # next warp must not change its result.
    image = make_image((600, 700, 3), seed=12)
    matrix = ((1 / 200, 0.0, 0.3), (0.0, 1 / 200, 0.2))
    forward = np.vstack([np.array(matrix), [0, 0, 1]])
    expected = reference_vectorised(image, np.linalg.inv(forward), image.shape[:2], 0.5)
    np.testing.assert_allclose(affine(image, matrix, fill=0.5), expected, atol=2e-5)
    small = make_image((90, 110, 3), seed=13)
    turned = rotate(small, 17.0, fill=0.5)
    np.testing.assert_allclose(turned, reference_vectorised(small, rotation_inverse(17.0, 90, 110, 90, 110),
                                                          (90, 110), 0.5), atol=2e-5)
