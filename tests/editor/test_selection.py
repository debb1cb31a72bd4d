"""The selection model, soft step masks, and their storage."""
import json

import numpy as np
import pytest

from editor.document import Document
from editor.errors import EditorError
from editor.image_file import save_image
from editor.project import load_project, save_project
from editor.recipe import decode_mask, encode_mask, steps_from_data, steps_to_data
from editor.render import blend_masked
from editor.selection import Selection, combine, load_mask_image, save_mask_image
from editor.steps import Step


def gradient(shape=(24, 32)):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    return np.stack([x / shape[1], y / shape[0], (x + y) % 7 / 7], axis=2).astype(np.float32)


def test_combine_and_derived_selections():
    a = np.zeros((10, 10), bool)
    a[2:6, 2:6] = True
    b = np.zeros((10, 10), bool)
    b[4:8, 4:8] = True
    added = combine(Selection(a), b, "add")
    np.testing.assert_array_equal(added.mask, a | b)
    assert combine(Selection(a), a, "subtract") is None  # nothing left
    np.testing.assert_array_equal(combine(Selection(a[:5]), b, "add").mask, b)  # a stale size counts as none
    assert Selection(a).bounds() == (2, 2, 4, 4)
    np.testing.assert_array_equal(Selection(a).inverted().mask, ~a)
    grown = Selection(a).grown(1).mask
    assert grown[1, 3] and not grown[1, 1]  # a disk, not a square
    cross = a & np.roll(a, 1, 0) & np.roll(a, -1, 0) & np.roll(a, 1, 1) & np.roll(a, -1, 1)
    np.testing.assert_array_equal(Selection(a).shrunk(1).mask, cross)  # the disk of radius 1 is a cross
    soft = Selection(a).feathered(4)
    assert soft.is_soft and 0 < soft.mask[1, 4] < soft.mask[3, 4] < 1
    with pytest.raises(EditorError, match="feather radius must be between 0 and 500"):
        Selection(a).feathered(-1)


def test_step_keeps_soft_weights_to_1_255_and_hard_ones_as_bool():
    soft = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    step = Step("tone.invert", {}, soft)
    assert step.mask.dtype == np.float32 and not step.mask.flags.writeable
    np.testing.assert_array_equal(step.mask * 255, np.rint(soft * 255))
    assert Step("tone.invert", {}, np.array([[0.0, 1.0]], np.float32)).mask.dtype == bool
    assert Step("tone.invert", {}, soft) == Step("tone.invert", {}, soft.copy())
    assert Step("tone.invert", {}, soft) != Step("tone.invert", {}, soft * 0.5)
    with pytest.raises(ValueError, match="finite"):
        Step("tone.invert", {}, np.array([[np.nan]], np.float32))


def test_blend_is_exact_where_weights_are_0_or_1():
    rng = np.random.default_rng(0)
    image, result = rng.random((8, 8, 3), np.float32), rng.random((8, 8, 3), np.float32)
    weights = rng.choice([0.0, 1.0, 0.25], (8, 8)).astype(np.float32)
    out = blend_masked(image, result, weights)
    assert np.array_equal(out[weights == 0], image[weights == 0])
    assert np.array_equal(out[weights == 1], result[weights == 1])
    quarter = weights == 0.25
    np.testing.assert_allclose(out[quarter], 0.75 * image[quarter] + 0.25 * result[quarter], rtol=1e-6)


def test_masked_blur_leaves_outside_bit_identical_at_full_and_proxy_size():
    doc = Document(gradient((48, 64)))
    mask = np.zeros((48, 64), np.float32)
    mask[10:30, 12:40] = 1.0
    mask[10:30, 40:44] = 0.5  # a soft edge
    doc.push(doc.make_step("filter.gaussian_blur", {"sigma": 3.0}, mask=mask))
    full = doc.render()
    outside = mask == 0
    assert np.array_equal(full[outside], doc.source[outside])
    proxy = doc.render(factor=4)
    source_proxy = doc.render(upto=0, factor=4)
    untouched = np.ones((12, 16), bool)
    untouched[2:8, 3:11] = False  # the blocks the mask reaches (10..30 x 12..44)
    assert np.array_equal(proxy[untouched], source_proxy[untouched])


def test_soft_masks_round_trip_through_recipes_and_projects(tmp_path):
    weights = (np.arange(20 * 30).reshape(20, 30) % 256 / 255).astype(np.float32)
    data = encode_mask(Step("tone.invert", {}, weights).mask)
    assert data["encoding"] == "uint8-zlib-base64"
    np.testing.assert_array_equal(decode_mask(data), Step("tone.invert", {}, weights).mask)
    source = tmp_path / "img.png"
    save_image(source, gradient((20, 30)))
    from editor.image_file import load_image

    doc = Document(load_image(source).pixels, load_image(source).info)
    doc.push(doc.make_step("tone.invert", mask=weights))
    doc.push(doc.make_step("tone.gamma", mask=weights > 0.5))
    expected = doc.render()
    save_project(tmp_path / "p.iep.json", doc)
    reopened = load_project(tmp_path / "p.iep.json")
    assert reopened.steps == doc.steps
    np.testing.assert_array_equal(reopened.render(), expected)


def test_old_bool_masks_still_load():
    mask = np.zeros((3, 5), bool)
    mask[1, 2:] = True
    old = {"op": "tone.invert", "params": {}, "enabled": True,
           "mask": {"encoding": "packbits-zlib-base64", "shape": [3, 5],
                    "data": encode_mask(mask)["data"]}}
    (step,) = steps_from_data(json.loads(json.dumps([old])))
    assert step.mask.dtype == bool
    np.testing.assert_array_equal(step.mask, mask)
    assert steps_to_data([step])[0]["mask"]["encoding"] == "packbits-zlib-base64"


def test_mask_png_round_trip_and_size_check(tmp_path):
    weights = np.zeros((12, 16), np.float32)
    weights[2:9, 3:12] = 1.0
    weights[2:9, 12] = 128 / 255
    sel = Selection(weights)
    path = save_mask_image(tmp_path / "mask.png", sel)
    loaded = load_mask_image(path, (12, 16))
    np.testing.assert_array_equal(loaded.mask, weights)
    hard = save_mask_image(tmp_path / "hard.png", Selection(weights == 1))
    assert load_mask_image(hard, (12, 16)).mask.dtype == bool
    with pytest.raises(EditorError, match="is 16 x 12 pixels but the image is 20 x 12"):
        load_mask_image(path, (12, 20))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a png at all")
    with pytest.raises(EditorError, match="Cannot read the mask junk.png"):
        load_mask_image(junk, (12, 16))


def test_document_selection_and_masked_steps():
    doc = Document(gradient())
    seen = []
    doc.subscribe_selection(lambda: seen.append(doc.selection))
    step = doc.make_step("tone.invert")
    assert doc.masked(step) is step
    sel = Selection(np.eye(24, 32, dtype=bool))
    doc.set_selection(sel)
    assert seen == [sel]
    np.testing.assert_array_equal(doc.masked(step, (24, 32)).mask, sel.mask)
    assert doc.masked(step, (10, 10)).mask is None  # made on an image of another size


def test_a_size_changing_step_is_not_limited_to_the_selection():
    doc = Document(gradient())
    doc.set_selection(Selection(np.eye(24, 32, dtype=bool)))
    crop = doc.make_step("geometry.crop", x=2, y=2, width=10, height=8)
    assert doc.masked(crop, (24, 32)).mask is None
