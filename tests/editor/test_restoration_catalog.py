"""Restoration in the editor: in the sidebar, re-editable, in recipes, masks used as holes."""
import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.recipe import dumps_recipe, loads_recipe
from processing.noise import add_noise
from processing.restoration import denoise_nl_means, inpaint
from tests.conftest import make_image

IDS = [
    "restore.add_noise",
    "restore.denoise_nl_means",
    "restore.denoise_tv",
    "restore.denoise_wavelet",
    "restore.deblur_wiener",
    "restore.deblur_richardson_lucy",
    "restore.inpaint",
    "restore.denoise_cnn",  # editor/catalog/_learned.py
]


def test_all_in_the_restoration_category_slow_ones_preview_on_release():
    group = [op.id for op in CATALOG.categories()["Restoration"]]
    assert group == IDS
    for op_id in IDS[1:]:
        op = CATALOG.get(op_id)
        assert op.takes_progress, op_id
        assert op.live == (op_id in ("restore.denoise_wavelet", "restore.deblur_wiener")), op_id


def test_steps_round_trip_through_a_recipe_and_re_edit():
    doc = Document(make_image((24, 30, 3), seed=1))
    doc.push(doc.make_step("restore.add_noise", kind="speckle", amount=0.1, seed=4))
    doc.push(doc.make_step("restore.denoise_nl_means", h=0.05, patch_size=5, search_radius=3))
    doc.push(doc.make_step("restore.deblur_wiener", psf_kind="motion", psf_size=5.0, angle_deg=30.0, balance=0.02))
    steps = loads_recipe(dumps_recipe(doc.steps))
    assert steps == tuple(doc.steps)
    first = doc.render()
    doc.replace(1, doc.make_step("restore.denoise_nl_means", h=0.1, patch_size=5, search_radius=3))
    assert not np.array_equal(doc.render(), first)


def test_auto_strength_renders_the_whole_image_for_a_region():
    op = CATALOG.get("restore.denoise_nl_means")
    auto = op.defaults()
    assert auto["h"] == 0.0
    assert op.margin_for(auto) is None  # the whole image
    doc = Document(add_noise(make_image((40, 50, 3), seed=3), "gaussian", 0.05, seed=2))
    doc.push(doc.make_step("restore.denoise_nl_means", dict(auto, search_radius=3)))
    assert doc.render_region((10, 10, 8, 8)) is None  # so a region preview renders it whole
    assert op.margin_for(dict(auto, h=0.05, patch_size=7, search_radius=4)) == 4 + 3


def test_auto_strength_follows_the_noise():
    clean = make_image((40, 40), seed=2) * 0 + np.float32(0.5)
    light = add_noise(clean, "gaussian", 0.02, seed=1)
    heavy = add_noise(clean, "gaussian", 0.1, seed=1)
    op = CATALOG.get("restore.denoise_nl_means")
    for noisy in (light, heavy):
        out = op.apply(noisy, dict(op.defaults(), search_radius=4))
        assert np.abs(out - 0.5).std() < 0.35 * np.abs(noisy - 0.5).std()


def test_inpaint_uses_the_steps_mask_and_ignores_the_rectangle():
    image = make_image((30, 36, 3), seed=5)
    hole = np.zeros((30, 36), bool)
    hole[10:16, 12:20] = True
    doc = Document(image)
    doc.push(doc.make_step("restore.inpaint", {"x": 0, "y": 0, "width": 5, "height": 5}, mask=hole))
    out = doc.render()
    np.testing.assert_allclose(out, inpaint(image, hole), atol=1e-6)
    assert np.array_equal(out[~hole], image[~hole])  # not blended, and the rectangle left alone


def test_inpaint_without_a_mask_fills_the_rectangle_or_the_bright_specks():
    image = np.full((20, 24), 0.3, np.float32)
    image[5:9, 6:11] = 0.9
    image[15, 20] = 1.0
    doc = Document(image)
    doc.push(doc.make_step("restore.inpaint", {"x": 6, "y": 5, "width": 5, "height": 4, "threshold": 0.95}))
    np.testing.assert_allclose(doc.render(), 0.3, atol=1e-5)
    doc = Document(image)
    doc.push(doc.make_step("restore.inpaint"))  # defaults: nothing to fill
    np.testing.assert_array_equal(doc.render(), image)


@pytest.mark.parametrize("op_id", IDS[1:])
def test_each_reports_progress_through_the_render(op_id):
    image = make_image((40, 48, 3), seed=6)
    doc = Document(image)
    params = {"search_radius": 3} if op_id == "restore.denoise_nl_means" else {}
    if op_id == "restore.inpaint":
        params = {"x": 10, "y": 10, "width": 8, "height": 8}
    doc.push(doc.make_step(op_id, params))
    seen = []
    doc.render(progress=seen.append)
    assert len(seen) >= 2 and seen[-1] == 1.0
    assert all(0 <= a <= b <= 1 for a, b in zip(seen, seen[1:]))


def test_nl_means_entry_is_the_library_function():
    image = make_image((20, 22, 3), seed=9)
    op = CATALOG.get("restore.denoise_nl_means")
    values = dict(op.defaults(), h=0.08, patch_size=5, search_radius=3)
    np.testing.assert_array_equal(op.apply(image, values), denoise_nl_means(image, 0.08, 5, 3))
