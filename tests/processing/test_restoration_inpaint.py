"""Inpainting: constant holes refill exactly, ramps nearly, the rest is untouched."""
import numpy as np
import pytest

from processing.restoration import INPAINT_METHODS, inpaint
from tests.conftest import make_image


def _hole(shape, boxes):
    mask = np.zeros(shape, bool)
    for y0, y1, x0, x1 in boxes:
        mask[y0:y1, x0:x1] = True
    return mask


@pytest.mark.parametrize("method", INPAINT_METHODS)
@pytest.mark.parametrize("channels", [(), (3,)])
def test_hole_in_a_constant_region_refills_exactly(method, channels):
    value = np.array([0.2, 0.5, 0.9])[: (channels[0] if channels else 1)]
    img = np.broadcast_to(value, (40, 50) + (channels or (1,))).reshape((40, 50) + channels).astype(np.float32).copy()
    mask = _hole((40, 50), [(10, 25, 12, 30), (30, 33, 2, 48)])
    damaged = img.copy()
    damaged[mask] = 1.0  # whatever was there must not matter
    np.testing.assert_allclose(inpaint(damaged, mask, method), img, atol=1e-5)


@pytest.mark.parametrize("method, tolerance", [("telea", 0.01), ("harmonic", 0.002)])
def test_hole_in_a_linear_ramp_refills_within_a_small_error(method, tolerance):
    y, x = np.mgrid[0:60, 0:70].astype(np.float32)
    ramp = (0.1 + 0.006 * x + 0.004 * y).astype(np.float32)
    mask = _hole((60, 70), [(15, 40, 20, 45), (5, 8, 5, 65)])
    damaged = ramp.copy()
    damaged[mask] = 0.0
    out = inpaint(damaged, mask, method)
    assert np.abs(out - ramp)[mask].max() < tolerance
    np.testing.assert_array_equal(out[~mask], ramp[~mask])


@pytest.mark.parametrize("method", INPAINT_METHODS)
def test_hole_at_the_border_and_alpha(method):
    img = make_image((30, 40, 4), seed=3)
    mask = _hole((30, 40), [(0, 6, 0, 9), (25, 30, 30, 40)])
    out = inpaint(img, mask, method)
    assert np.array_equal(out[..., 3], img[..., 3])
    assert np.array_equal(out[~mask], img[~mask])
    assert np.all(np.isfinite(out)) and out.min() >= 0 and out.max() <= 1
    if method == "harmonic":
        # Maximum principle: a harmonic fill stays within its boundary's values.
        edge = _hole((30, 40), [(0, 7, 0, 10)]) & ~mask
        for c in range(3):
            assert img[edge][:, c].min() - 1e-5 <= out[:6, :9, c].min()
            assert out[:6, :9, c].max() <= img[edge][:, c].max() + 1e-5


def test_radius_1_fills_pixels_whose_only_known_neighbour_is_diagonal():
    img = np.full((6, 7, 3), (0.3, 0.5, 0.7), np.float32)
    mask = np.ones((6, 7), bool)
    mask[0, 0] = False  # the first front pixel, (1, 1), touches it only by a corner
    damaged = img.copy()
    damaged[mask] = 0.0
    out = inpaint(damaged, mask, "telea", 1)
    np.testing.assert_allclose(out, img, atol=1e-6)


def test_soft_mask_blends_by_its_weight():
    img = np.full((20, 20), 0.2, np.float32)
    img[8:12, 8:12] = 1.0
    weight = np.zeros((20, 20), np.float32)
    weight[8:12, 8:12] = 0.25
    out = inpaint(img, weight, "harmonic")
    np.testing.assert_allclose(out[8:12, 8:12], 0.25 * 0.2 + 0.75 * 1.0, atol=1e-5)
    assert np.array_equal(out[weight == 0], img[weight == 0])


def test_empty_and_full_masks_change_nothing():
    img = make_image((10, 12, 3), seed=1)
    for mask in (np.zeros((10, 12), bool), np.ones((10, 12), bool)):
        np.testing.assert_array_equal(inpaint(img, mask), img)


@pytest.mark.parametrize("kwargs, message", [
    ({"mask": np.zeros((5, 5), bool)}, "mask must be an array shaped like the image"),
    ({"mask": np.zeros((8, 8), np.uint8)}, "mask must be bool or floating point"),
    ({"mask": np.zeros((8, 8), bool), "method": "ns"}, "method must be one of"),
    ({"mask": np.zeros((8, 8), bool), "radius": 0}, "radius must be >= 1"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        inpaint(np.zeros((8, 8), np.float32), **kwargs)


def _laplace_reference(img, mask):
    """Each hole pixel the mean of its 4 neighbours (a neighbour outside the
    image is the pixel mirrored across the border), the rest fixed: one
    linear equation per hole pixel, solved densely."""
    h, w = mask.shape
    pixels = [(y, x) for y in range(h) for x in range(w) if mask[y, x]]
    number = {p: i for i, p in enumerate(pixels)}
    a = np.zeros((len(pixels), len(pixels)))
    rhs = np.zeros((len(pixels), img.shape[2]))
    for i, (y, x) in enumerate(pixels):
        a[i, i] = 4.0
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            ny = 1 if ny < 0 else (h - 2 if ny >= h else ny)
            nx = 1 if nx < 0 else (w - 2 if nx >= w else nx)
            if mask[ny, nx]:
                a[i, number[(ny, nx)]] -= 1.0
            else:
                rhs[i] += img[ny, nx]
    out = img.astype(np.float64).copy()
    out[mask] = np.linalg.solve(a, rhs)
    return out


@pytest.mark.parametrize("exact_below", [256, 0])
def test_harmonic_solves_the_discrete_laplace_equation(exact_below, monkeypatch):
    """Small holes are solved exactly; larger ones by sweeps on the pyramid
    (forced here by lowering the exact solver's limit), to within a small error."""
    from processing import _inpaint
    monkeypatch.setattr(_inpaint, "_DIRECT", exact_below)
    img = make_image((24, 30, 3), seed=5)
    mask = _hole((24, 30), [(3, 12, 4, 15), (0, 5, 20, 30), (15, 18, 2, 28)])
    damaged = img.copy()
    damaged[mask] = 0.0
    out = inpaint(damaged, mask, "harmonic")
    expected = np.clip(_laplace_reference(damaged, mask), 0, 1)
    np.testing.assert_allclose(out, expected, atol=1e-5 if exact_below else 5e-4)
