"""Steps that change the image size: the document, its proxies and later steps cope."""
import math

import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from processing.filters import gaussian_blur
from processing.geometry import crop, rotate
from processing.pyramid import reduce
from tests.conftest import make_image

SOURCE_SHAPE = (64, 96, 3)


@pytest.fixture
def doc():
    return Document(make_image(SOURCE_SHAPE, seed=11))


def assert_proxy_shape(proxy, full, factor):
    """A proxy is the full render reduced ``factor`` times, give or take a pixel of rounding."""
    assert proxy.ndim == full.ndim and proxy.shape[2:] == full.shape[2:]
    for p, f in zip(proxy.shape[:2], full.shape[:2]):
        assert abs(p - f / factor) <= 1, (proxy.shape, full.shape, factor)


def test_crop_then_blur_renders_at_full_size_and_on_proxies(doc):
    doc.push(doc.make_step("geometry.crop", x=8, y=4, width=40, height=32))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=4.0))
    full = doc.render()
    assert full.shape == (32, 40, 3)
    np.testing.assert_array_equal(full, gaussian_blur(crop(doc.source, 8, 4, 40, 32), 4.0))
    for factor in (2, 4):
        proxy = doc.render(factor=factor)
        assert proxy.shape == (32 // factor, 40 // factor, 3)  # the crop is on the proxy grid
        # The proxy shows the same part of the picture: close to the full render reduced.
        np.testing.assert_allclose(proxy, reduce(full, factor), atol=0.04)
    # The step before the blur renders on its own too.
    assert doc.render(upto=1, factor=4).shape == (8, 10, 3)


def test_rotate_expand_then_blur_renders_at_full_size_and_on_proxies(doc):
    doc.push(doc.make_step("geometry.rotate", angle_deg=30.0, expand=True))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=2.0))
    full = doc.render()
    t = math.radians(30)
    expected_w = math.ceil(96 * math.cos(t) + 64 * math.sin(t))
    expected_h = math.ceil(96 * math.sin(t) + 64 * math.cos(t))
    assert full.shape == (expected_h, expected_w, 3)
    np.testing.assert_allclose(full, gaussian_blur(rotate(doc.source, 30.0, expand=True), 2.0), atol=1e-6)
    for factor in (2, 4):
        proxy = doc.render(factor=factor)
        assert_proxy_shape(proxy, full, factor)
        # The rotated picture sits at the same place in the proxy frame.
        h, w = min(proxy.shape[0], full.shape[0] // factor), min(proxy.shape[1], full.shape[1] // factor)
        difference = np.abs(proxy[:h, :w] - reduce(full, factor)[:h, :w])
        assert difference.mean() < 0.03


# Non-default parameters for every size-changing geometry operation.
SIZE_CHANGES = [
    ("geometry.rotate90", {"k": 1}),
    ("geometry.rotate", {"angle_deg": -20.0, "expand": True, "interpolation": "bicubic"}),
    ("geometry.resize", {"mode": "scale", "scale": 0.5}),
    ("geometry.resize", {"mode": "size", "width": 50, "height": 0, "interpolation": "area"}),
    ("geometry.resize", {"mode": "size", "width": 120, "height": 40, "interpolation": "lanczos"}),
    ("geometry.crop", {"x": 10, "y": 6, "width": 33, "height": 21}),
    ("geometry.crop", {"x": 50, "y": 0, "width": 1000, "height": 1000}),
    ("geometry.perspective", {"quad": ((6.0, 4.0), (90.0, 10.0), (86.0, 60.0), (2.0, 55.0))}),
    ("geometry.perspective", {"quad": ((6.0, 4.0), (90.0, 10.0), (86.0, 60.0), (2.0, 55.0)),
                              "width": 40, "height": 60}),
]


@pytest.mark.parametrize("op_id, params", SIZE_CHANGES, ids=[f"{o}-{i}" for i, (o, _) in enumerate(SIZE_CHANGES)])
def test_every_size_change_keeps_proxies_in_proportion(doc, op_id, params):
    assert CATALOG.get(op_id).changes_size
    doc.push(doc.make_step(op_id, params))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=3.0))
    full = doc.render()
    for factor in (2, 4):
        proxy = doc.render(factor=factor)
        assert_proxy_shape(proxy, full, factor)
        assert proxy.dtype == np.float32 and 0 <= proxy.min() and proxy.max() <= 1


def test_pop_and_replace_follow_the_size(doc):
    doc.push(doc.make_step("geometry.crop", x=0, y=0, width=50, height=30))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=1.0))
    assert doc.render().shape == (30, 50, 3)
    assert doc.render(factor=2).shape == (15, 25, 3)

    # Undo the blur: the crop alone.
    blur = doc.pop()
    np.testing.assert_array_equal(doc.render(), crop(doc.source, 0, 0, 50, 30))
    # Redo it.
    doc.push(blur)
    assert doc.render().shape == (30, 50, 3)

    # Re-edit the crop: everything after it follows the new size, nothing stale from the cache.
    old = doc.replace(0, doc.make_step("geometry.crop", x=10, y=10, width=20, height=40))
    assert old.params["width"] == 50
    np.testing.assert_array_equal(doc.render(), gaussian_blur(crop(doc.source, 10, 10, 20, 40), 1.0))
    assert doc.render(factor=2).shape == (20, 10, 3)

    # Swap the crop for a rotation, then undo it back.
    doc.replace(0, doc.make_step("geometry.rotate90", k=1))
    assert doc.render().shape == (96, 64, 3)
    assert doc.render(factor=4).shape == (24, 16, 3)
    doc.replace(0, old)
    assert doc.render().shape == (30, 50, 3)

    # Undo everything: back to the source.
    doc.pop()
    doc.pop()
    assert doc.render() is doc.source
    assert doc.render(factor=4).shape == (16, 24, 3)


def test_a_mask_after_a_size_change_is_a_clear_error(doc):
    mask = np.zeros(SOURCE_SHAPE[:2], bool)
    mask[:, :40] = True
    doc.push(doc.make_step("geometry.crop", x=0, y=0, width=48, height=32))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=2.0, mask=mask))
    for factor in (1, 2, 4):
        with pytest.raises(ValueError, match=r"the mask of Gaussian blur is \(\d+, \d+\), the image \(\d+, \d+\)"):
            doc.render(factor=factor)
    # What comes before the bad step still renders, and removing it recovers.
    assert doc.render(upto=1).shape == (32, 48, 3)
    doc.pop()
    assert doc.render().shape == (32, 48, 3)


def test_a_size_change_cannot_be_limited_to_a_selection(doc):
    mask = np.ones(SOURCE_SHAPE[:2], bool)
    doc.push(doc.make_step("geometry.rotate", angle_deg=10.0, expand=True, mask=mask))
    with pytest.raises(ValueError, match="Rotate changes the image size, so it cannot be limited to a selection"):
        doc.render()
