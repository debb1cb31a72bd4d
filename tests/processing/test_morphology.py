from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from processing import morphology
from processing.morphology import (
    SHAPES,
    black_hat,
    closing,
    dilate,
    erode,
    fill_holes,
    gradient,
    opening,
    remove_small_objects,
    skeletonize,
    structuring_element,
    top_hat,
)
from tests.conftest import make_image

# ---------------------------------------------------------------------------
# Slow, obviously correct references
# ---------------------------------------------------------------------------


def element_reference(shape, r):
    """The element written out from its definition, offset by offset."""
    out = np.zeros((2 * r + 1, 2 * r + 1), bool)
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if shape == "square":
                inside = True
            elif shape == "disk":
                inside = dx * dx + dy * dy <= r * r
            elif shape == "cross":
                inside = dx == 0 or dy == 0
            else:
                inside = abs(dx) + abs(dy) <= r
            out[dy + r, dx + r] = inside
    return out


def rank_reference(image, shape, r, reducer):
    """min or max of the reflected image over the element, pixel by pixel."""
    footprint = element_reference(shape, r)
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    padded = np.pad(image, pad, mode="symmetric")
    out = np.empty_like(image)
    for y in range(image.shape[0]):
        for x in range(image.shape[1]):
            window = padded[y : y + 2 * r + 1, x : x + 2 * r + 1][footprint]
            out[y, x] = reducer(window, axis=0)
    return out


def erode_ref(image, shape, r):
    return rank_reference(image, shape, r, np.min)


def dilate_ref(image, shape, r):
    return rank_reference(image, shape, r, np.max)


def color_of(image):
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


NEIGHBOURS = {
    4: [(-1, 0), (1, 0), (0, -1), (0, 1)],
    8: [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)],
}


def components_reference(mask, connectivity):
    """Flood fill from each unvisited pixel: a list of pixel lists."""
    h, w = mask.shape
    seen = np.zeros_like(mask)
    comps = []
    for y in range(h):
        for x in range(w):
            if mask[y, x] and not seen[y, x]:
                seen[y, x] = True
                queue, comp = deque([(y, x)]), []
                while queue:
                    cy, cx = queue.popleft()
                    comp.append((cy, cx))
                    for dy, dx in NEIGHBOURS[connectivity]:
                        ny, nx = cy + dy, cx + dx
                        if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                            seen[ny, nx] = True
                            queue.append((ny, nx))
                comps.append(comp)
    return comps


def fill_holes_reference(mask):
    out = mask.copy()
    h, w = mask.shape
    for comp in components_reference(~mask, 4):
        if not any(y in (0, h - 1) or x in (0, w - 1) for y, x in comp):
            for y, x in comp:
                out[y, x] = True
    return out


def remove_small_reference(mask, min_size, connectivity):
    out = np.zeros_like(mask)
    for comp in components_reference(mask, connectivity):
        if len(comp) >= min_size:
            for y, x in comp:
                out[y, x] = True
    return out


def zhang_suen_reference(mask):
    """Zhang & Suen (1984) as written in the paper, pixel by pixel."""
    img = np.pad(mask.astype(int), 1)
    h, w = img.shape
    changed = True
    while changed:
        changed = False
        for sub in (0, 1):
            doomed = []
            for y in range(1, h - 1):
                for x in range(1, w - 1):
                    if not img[y, x]:
                        continue
                    p = [img[y - 1, x], img[y - 1, x + 1], img[y, x + 1], img[y + 1, x + 1],
                         img[y + 1, x], img[y + 1, x - 1], img[y, x - 1], img[y - 1, x - 1]]
                    b = sum(p)
                    a = sum(1 for i in range(8) if p[i] == 0 and p[(i + 1) % 8] == 1)
                    p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
                    if sub == 0:
                        side = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
                    else:
                        side = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
                    if 2 <= b <= 6 and a == 1 and side:
                        doomed.append((y, x))
            for y, x in doomed:
                img[y, x] = 0
            changed |= bool(doomed)
    return img[1:-1, 1:-1].astype(bool)


# ---------------------------------------------------------------------------
# Structuring elements
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [0, 1, 2, 3, 5, 9])
def test_structuring_element_matches_definition(shape, radius):
    se = structuring_element(shape, radius)
    assert se.dtype == bool and se.shape == (2 * radius + 1, 2 * radius + 1)
    np.testing.assert_array_equal(se, element_reference(shape, radius))
    # Symmetric both ways, so erosion by it is a plain minimum.
    np.testing.assert_array_equal(se, se[::-1])
    np.testing.assert_array_equal(se, se[:, ::-1])


def test_structuring_element_rejects_bad_arguments():
    with pytest.raises(ValueError, match="shape must be one of square, disk, cross, diamond; got 'ball'"):
        structuring_element("ball", 2)
    with pytest.raises(ValueError, match="radius must be >= 0, got -2"):
        structuring_element("disk", -2)
    with pytest.raises(ValueError, match="radius must be an integer"):
        structuring_element("disk", 1.5)


# ---------------------------------------------------------------------------
# Erosion and dilation: exact against the direct definition
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("radius", [1, 2, 4, 7])
def test_erode_dilate_equal_direct_min_max(any_image, shape, radius):
    color = color_of(any_image)
    np.testing.assert_array_equal(color_of(erode(any_image, shape, radius)), erode_ref(color, shape, radius))
    np.testing.assert_array_equal(color_of(dilate(any_image, shape, radius)), dilate_ref(color, shape, radius))


@pytest.mark.parametrize("shape", SHAPES)
def test_element_larger_than_image_repeats_the_reflection(shape):
    image = make_image((3, 5), seed=11)
    for r in (4, 6, 11):
        np.testing.assert_array_equal(erode(image, shape, r), erode_ref(image, shape, r))
        np.testing.assert_array_equal(dilate(image, shape, r), dilate_ref(image, shape, r))


@pytest.mark.parametrize("shape", SHAPES)
def test_banded_threaded_path_is_exact(monkeypatch, shape):
    # Force the split into row bands with halos on a small image.
    monkeypatch.setattr(morphology, "_MIN_BAND_PIXELS", 1)
    image = make_image((21, 16, 3), seed=4)
    for r in (1, 3, 6):
        np.testing.assert_array_equal(erode(image, shape, r), erode_ref(image, shape, r))
        np.testing.assert_array_equal(dilate(image, shape, r), dilate_ref(image, shape, r))


@st.composite
def images(draw):
    h, w = draw(st.integers(1, 11)), draw(st.integers(1, 11))
    kind = draw(st.sampled_from(["gray", "rgb", "rgba", "binary", "mask"]))
    if kind == "mask":
        return draw(arrays(np.bool_, (h, w)))
    if kind == "binary":
        return draw(arrays(np.bool_, (h, w))).astype(np.float32)
    shape = {"gray": (h, w), "rgb": (h, w, 3), "rgba": (h, w, 4)}[kind]
    return draw(arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))


@settings(max_examples=60, deadline=None)
@given(image=images(), shape=st.sampled_from(SHAPES), radius=st.integers(0, 7))
def test_erode_dilate_exact_properties(image, shape, radius):
    image.flags.writeable = False
    color = color_of(image)
    for func, ref in ((erode, erode_ref), (dilate, dilate_ref)):
        out = func(image, shape, radius)
        assert out.shape == image.shape and out.dtype == image.dtype
        np.testing.assert_array_equal(color_of(out), ref(color, shape, radius))
        if image.ndim == 3 and image.shape[2] == 4:
            np.testing.assert_array_equal(out[..., 3], image[..., 3])
    assert (erode(image, shape, radius) <= image).all() and (image <= dilate(image, shape, radius)).all()


@settings(max_examples=40, deadline=None)
@given(image=images(), shape=st.sampled_from(SHAPES), radius=st.integers(0, 4))
def test_compound_operators_equal_their_definitions(image, shape, radius):
    image.flags.writeable = False
    c = color_of(image)
    opened = dilate_ref(erode_ref(c, shape, radius), shape, radius)
    closed = erode_ref(dilate_ref(c, shape, radius), shape, radius)
    if image.dtype == bool:
        expected = {
            opening: opened, closing: closed,
            gradient: dilate_ref(c, shape, radius) & ~erode_ref(c, shape, radius),
            top_hat: c & ~opened, black_hat: closed & ~c,
        }
    else:
        expected = {
            opening: opened, closing: closed,
            gradient: dilate_ref(c, shape, radius) - erode_ref(c, shape, radius),
            top_hat: c - opened, black_hat: closed - c,
        }
    for func, want in expected.items():
        out = func(image, shape, radius)
        assert out.shape == image.shape and out.dtype == image.dtype, func.__name__
        np.testing.assert_array_equal(color_of(out), want, err_msg=func.__name__)
        if image.dtype != bool:
            assert out.min() >= 0 and out.max() <= 1
    # Opening and closing are idempotent.
    np.testing.assert_array_equal(opening(opening(image, shape, radius), shape, radius), opening(image, shape, radius))
    np.testing.assert_array_equal(closing(closing(image, shape, radius), shape, radius), closing(image, shape, radius))


@pytest.mark.parametrize("func", [erode, dilate, opening, closing, gradient, top_hat, black_hat])
def test_operators_keep_layout_and_alpha(any_image, func):
    out = func(any_image, "disk", 2)
    assert out.shape == any_image.shape and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_radius_zero_is_identity(any_image):
    for func in (erode, dilate, opening, closing):
        out = func(any_image, "square", 0)
        np.testing.assert_array_equal(out, any_image)
        assert out is not any_image
    assert color_of(gradient(any_image, "square", 0)).max() == 0


def test_binary_float_image_stays_binary():
    image = (make_image((15, 18), seed=2) > 0.5).astype(np.float32)
    for func in (erode, dilate, opening, closing, gradient, top_hat, black_hat):
        out = func(image, "diamond", 2)
        assert set(np.unique(out)) <= {0.0, 1.0}
    np.testing.assert_array_equal(erode(image, "disk", 3), erode(image > 0.5, "disk", 3).astype(np.float32))


def test_morphology_rejects_bad_input():
    img = np.zeros((4, 4), np.float32)
    with pytest.raises(ValueError, match="shape must be one of"):
        erode(img, "circle", 1)
    with pytest.raises(ValueError, match="radius must be >= 0, got -1"):
        dilate(img, "disk", -1)
    with pytest.raises(TypeError, match="floating point"):
        erode(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="2-D bool"):
        erode(np.zeros((4, 4, 3), bool))


# ---------------------------------------------------------------------------
# Binary operations
# ---------------------------------------------------------------------------

masks = st.integers(1, 14).flatmap(lambda h: st.integers(1, 14).flatmap(
    lambda w: arrays(np.bool_, (h, w))))


@settings(max_examples=60, deadline=None)
@given(mask=masks)
def test_fill_holes_matches_flood_from_border(mask):
    mask.flags.writeable = False
    out = fill_holes(mask)
    assert out.dtype == bool and out.shape == mask.shape
    np.testing.assert_array_equal(out, fill_holes_reference(mask))


@settings(max_examples=60, deadline=None)
@given(mask=masks, min_size=st.integers(0, 12), connectivity=st.sampled_from([4, 8]))
def test_remove_small_objects_matches_reference(mask, min_size, connectivity):
    mask.flags.writeable = False
    np.testing.assert_array_equal(
        remove_small_objects(mask, min_size, connectivity),
        remove_small_reference(mask, min_size, connectivity),
    )


@settings(max_examples=60, deadline=None)
@given(mask=masks)
def test_skeletonize_matches_zhang_suen_reference(mask):
    mask.flags.writeable = False
    np.testing.assert_array_equal(skeletonize(mask), zhang_suen_reference(mask))


def test_skeleton_of_shapes_is_thin_and_inside():
    mask = np.zeros((40, 60), bool)
    mask[5:35, 5:20] = True  # a thick rectangle
    yy, xx = np.mgrid[:40, :60]
    mask |= (yy - 20) ** 2 + (xx - 42) ** 2 <= 12 ** 2  # a disk
    skel = skeletonize(mask)
    np.testing.assert_array_equal(skel, zhang_suen_reference(mask))
    assert skel.any() and not (skel & ~mask).any()
    # One pixel wide: no 2x2 block of skeleton pixels.
    assert not (skel[1:, 1:] & skel[:-1, 1:] & skel[1:, :-1] & skel[:-1, :-1]).any()
    # Each shape stays one piece.
    assert len(components_reference(skel, 8)) == 2
    # A one-pixel line is already thin.
    line = np.zeros((5, 9), bool)
    line[2, 1:8] = True
    np.testing.assert_array_equal(skeletonize(line), zhang_suen_reference(line))


@pytest.mark.parametrize("func", [fill_holes, remove_small_objects, skeletonize])
def test_binary_operations_threshold_float_images(any_image, func):
    out = func(any_image)
    assert out.shape == any_image.shape and out.dtype == np.float32
    color = color_of(out)
    assert set(np.unique(color)) <= {0.0, 1.0}
    if color.ndim == 3:  # the same mask in every colour channel
        assert (color == color[..., :1]).all()
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])
    c = color_of(any_image)
    luma = c if c.ndim == 2 else c[..., 0] * np.float32(0.2126) + c[..., 1] * np.float32(0.7152) + c[..., 2] * np.float32(0.0722)
    plane = color if color.ndim == 2 else color[..., 0]
    np.testing.assert_array_equal(plane.astype(bool), func(luma >= 0.5))


def test_fill_holes_fills_a_ring_but_not_a_bay():
    ring = np.zeros((9, 9), bool)
    ring[1:8, 1:8] = True
    ring[3:6, 3:6] = False
    assert fill_holes(ring)[1:8, 1:8].all()
    bay = ring.copy()
    bay[4, 6:8] = False  # the hole opens to the outside
    np.testing.assert_array_equal(fill_holes(bay), bay)


def test_binary_operations_reject_bad_arguments():
    m = np.zeros((4, 4), bool)
    with pytest.raises(ValueError, match="min_size must be >= 0, got -1"):
        remove_small_objects(m, -1)
    with pytest.raises(ValueError, match="connectivity must be 4 or 8, got 6"):
        remove_small_objects(m, 3, 6)
    with pytest.raises(ValueError, match="must be 2-D"):
        skeletonize(np.zeros((3, 3, 3), bool))


@pytest.mark.parametrize("shape", SHAPES)
def test_operators_are_local_within_their_reach(shape):
    # What a region render relies on: a crop padded by the operator's reach
    # (radius, or twice it for two passes) gives the same interior.
    image = make_image((50, 60, 3), seed=12)
    r = 4
    for func, reach in ((erode, r), (dilate, r), (gradient, r), (opening, 2 * r), (closing, 2 * r),
                        (top_hat, 2 * r), (black_hat, 2 * r)):
        full = func(image, shape, r)
        crop = image[15 - reach : 35 + reach, 20 - reach : 40 + reach]
        part = func(crop, shape, r)[reach:-reach, reach:-reach]
        np.testing.assert_array_equal(part, full[15:35, 20:40], err_msg=func.__name__)


# Square erosion and dilation run band by band (a few rows at a time, with
# halo rows read straight from the image, reflected only at the top and the
# bottom): images taller and wider than several bands, and radii up to the
# largest that path takes and past it, must equal the direct definition.
@pytest.mark.parametrize("shape", [(61, 7), (9, 47, 3), (33, 20, 4), (2, 70)])
@pytest.mark.parametrize("radius", [1, 3, 9, 20, 23])
def test_square_banded_path_equals_direct_min_max(shape, radius):
    image = make_image(shape, seed=radius + shape[0])
    color = color_of(image)
    np.testing.assert_array_equal(color_of(erode(image, "square", radius)), erode_ref(color, "square", radius))
    np.testing.assert_array_equal(color_of(dilate(image, "square", radius)), dilate_ref(color, "square", radius))


def test_square_banded_path_on_masks():
    rng = np.random.default_rng(3)
    mask = rng.random((45, 38)) > 0.7
    mask.flags.writeable = False
    for radius in (1, 2, 5):
        out = erode(mask, "square", radius)
        assert out.dtype == np.bool_
        np.testing.assert_array_equal(out, erode_ref(mask, "square", radius))
        np.testing.assert_array_equal(dilate(mask, "square", radius), dilate_ref(mask, "square", radius))
