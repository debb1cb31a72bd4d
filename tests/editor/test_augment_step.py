"""One drawn augmentation variant as an ordinary step: rendered, re-edited,
saved in a recipe, previewed on a proxy."""
import json

import numpy as np

from editor.document import Document
from editor.params import VariantParam
from editor.recipe import dumps_recipe, loads_recipe
from editor.steps import Step
from processing import augment

PIPELINE = [{"transform": "rot90", "p": 1.0}, {"transform": "rotate", "p": 1.0, "angle_deg": [-20, 20]},
            {"transform": "brightness", "p": 1.0}]


def _source(shape=(24, 32, 3)):
    return np.random.default_rng(3).random(shape).astype(np.float32)


def test_a_variant_step_renders_the_variant():
    source = _source()
    variant = augment.sample(PIPELINE, 9, source.shape)
    doc = Document(source)
    doc.push(doc.make_step("augment.variant", {"variant": variant}))
    expected = augment.apply(source, variant).image
    np.testing.assert_array_equal(doc.render(), expected)
    doc.pop()
    np.testing.assert_array_equal(doc.render(), source)


def test_a_variant_step_survives_a_recipe():
    variant = augment.sample(PIPELINE, 4, (24, 32))
    text = dumps_recipe([Step("augment.variant", {"variant": VariantParam.text(variant)})])
    assert json.loads(text)["steps"][0]["params"]["variant"] == variant  # readable in the file
    (step,) = loads_recipe(text)
    assert json.loads(step.params["variant"]) == variant


def test_a_variant_step_on_a_proxy_approximates_the_full_render():
    yy, xx = np.mgrid[0:64, 0:96]
    source = np.stack([xx / 96, yy / 64, (xx > 48) * 1.0], axis=-1).astype(np.float32)
    doc = Document(source)
    reduced = {}
    for angle in (30, -30):
        variant = augment.sample([{"transform": "rotate", "p": 1.0, "angle_deg": [angle, angle]}], 1, (16, 24))
        doc.set_steps([doc.make_step("augment.variant", {"variant": variant})])
        reduced[angle] = doc.render().reshape(16, 4, 24, 4, 3).mean(axis=(1, 3))
    proxy = doc.render(factor=4)  # the -30 degree step, on a proxy a quarter the size
    assert proxy.shape[:2] == (16, 24)
    assert np.abs(proxy - reduced[-30]).mean() < 0.5 * np.abs(proxy - reduced[30]).mean()
