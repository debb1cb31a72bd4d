"""Recipes: exact round trips (parameters and masks) and validation on load."""
import base64
import json
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.atomic import WriteError
from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import EditorError
from editor.operations import Operation
from editor.params import (
    BoolParam,
    ChoiceParam,
    ColorParam,
    CurveParam,
    FloatParam,
    IntParam,
    KernelParam,
    PointParam,
)
from editor.recipe import (
    RECIPE_FORMAT_VERSION,
    RecipeError,
    decode_mask,
    dumps_recipe,
    encode_mask,
    load_recipe,
    loads_recipe,
    save_recipe,
    steps_from_data,
    steps_to_data,
)
from editor.steps import Step
from tests.conftest import make_image


def everything(image, amount=0.5, count=3, mode="a", flag=False, color=(0, 0, 0), seed_xy=(0, 0),
               kernel=((0, 0, 0), (0, 1, 0), (0, 0, 0)), curve=((0, 0), (1, 1))):
    """A fake operation with one parameter of each kind; its result depends on all of them."""
    k = np.asarray(kernel, np.float32)
    value = (amount + count / 10 + (mode == "b") + flag + sum(color) + sum(seed_xy) / 100
             + float(k.sum()) + float(np.asarray(curve).sum())) % 1.0
    return np.clip(image * np.float32(0.5) + np.float32(value) * np.float32(0.5), 0, 1).astype(np.float32)


EVERYTHING = Operation(
    "test.everything", "Everything", "Test", everything,
    (
        FloatParam("amount", "Amount", 0.5, minimum=0.0, maximum=1.0),
        IntParam("count", "Count", 3, minimum=0, maximum=10),
        ChoiceParam("mode", "Mode", "a", choices=(("a", "A"), ("b", "B"))),
        BoolParam("flag", "Flag", False),
        ColorParam("color", "Colour", (0.0, 0.0, 0.0)),
        PointParam("seed_xy", "Seed", (0.0, 0.0)),
        KernelParam("kernel", "Kernel", ((0, 0, 0), (0, 1, 0), (0, 0, 0))),
        CurveParam("curve", "Curve", ((0.0, 0.0), (1.0, 1.0))),
    ),
)
CAT = CATALOG.extended([EVERYTHING])


def recipe_text(steps, version=RECIPE_FORMAT_VERSION):
    return json.dumps({"format": "image-editor-recipe", "version": version, "steps": steps})


def good_step(**params):
    values = {"amount": 0.25, "count": 4, "mode": "b", "flag": True, "color": [0.1, 0.2, 0.3],
              "seed_xy": [3, 4], "kernel": [[0, 1, 0], [1, -4, 1], [0, 1, 0]], "curve": [[0, 0], [0.5, 0.7], [1, 1]]}
    values.update(params)
    return {"op": "test.everything", "params": values, "enabled": True}


# -- round trips -----------------------------------------------------------------------
def test_round_trip_every_parameter_kind_mask_and_enabled():
    mask = make_image((9, 13), seed=3) > 0.5
    doc = Document(make_image((9, 13, 3)), catalog=CAT)
    doc.push(doc.make_step("filter.gaussian_blur", sigma=0.1 + 0.2))  # 0.30000000000000004 must survive
    doc.push(doc.make_step("test.everything", steps_from_data([good_step()], CAT)[0].params, mask=mask))
    doc.push(doc.make_step("tone.brightness_contrast", brightness=-1 / 3).with_enabled(False))
    loaded = loads_recipe(dumps_recipe(doc.steps, CAT), CAT)
    assert loaded == doc.steps
    assert loaded[0].params["sigma"] == 0.1 + 0.2
    assert isinstance(loaded[1].params["count"], int) and isinstance(loaded[1].params["kernel"], tuple)
    np.testing.assert_array_equal(loaded[1].mask, mask)
    assert loaded[1].mask.dtype == bool and not loaded[1].mask.flags.writeable
    assert loaded[2].enabled is False and loaded[0].enabled is True
    # The same recipe renders bit-identically on a fresh document.
    fresh = Document(doc.source, steps=loaded, catalog=CAT)
    np.testing.assert_array_equal(fresh.render(), doc.render())


def test_file_format_is_the_documented_json():
    data = json.loads(dumps_recipe([Step("filter.gaussian_blur", {"sigma": 2})]))
    assert data == {
        "format": "image-editor-recipe",
        "version": RECIPE_FORMAT_VERSION,
        "steps": [{"op": "filter.gaussian_blur", "params": {"sigma": 2.0}, "enabled": True}],
    }


def test_save_and_load_file(tmp_path):
    steps = (Step("filter.gaussian_blur", {"sigma": 1.25}), Step("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.0}))
    path = save_recipe(tmp_path / "r.json", steps)
    assert load_recipe(path) == steps
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # no temporary file left


def test_save_into_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(WriteError, match="folder does not exist"):
        save_recipe(tmp_path / "nope" / "r.json", [Step("filter.gaussian_blur", {"sigma": 1.0})])


def test_saving_an_invalid_step_is_refused_naming_it():
    with pytest.raises(RecipeError, match=r"step 2 \(Gaussian blur, filter.gaussian_blur\): sigma must be between") as info:
        dumps_recipe([Step("filter.gaussian_blur", {"sigma": 1.0}), Step("filter.gaussian_blur", {"sigma": -5.0})])
    assert (info.value.step, info.value.field) == (2, "sigma")
    with pytest.raises(RecipeError, match="step 1 .*did you mean"):
        steps_to_data([Step("filter.gausian_blur", {})])


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.integers(0, 40), st.integers(0, 2**32 - 1), st.floats(0, 1))
def test_mask_encoding_is_lossless(h, w, seed, density):
    mask = np.random.default_rng(seed).random((h, w)) < density
    data = json.loads(json.dumps(encode_mask(mask)))
    decoded = decode_mask(data)
    assert decoded.shape == (h, w) and decoded.dtype == bool
    np.testing.assert_array_equal(decoded, mask)


def test_mask_encoding_is_compressed():
    mask = np.zeros((1000, 1500), bool)
    mask[200:700, 300:1200] = True
    assert len(json.dumps(encode_mask(mask))) < 5_000  # 1.5 Mpx as one byte each would be 1.5 MB


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 200), st.floats(-1, 1), st.floats(-1, 1), st.booleans())
def test_float_parameters_round_trip_exactly(sigma, brightness, contrast, enabled):
    steps = (Step("filter.gaussian_blur", {"sigma": sigma}),
             Step("tone.brightness_contrast", {"brightness": brightness, "contrast": contrast}, enabled=enabled))
    assert loads_recipe(dumps_recipe(steps)) == steps


# -- validation on load ------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, pattern",
    [
        ("not json at all", r"not a recipe file \(invalid JSON at line 1"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"format": "something-else", "version": 1, "steps": []}), "format marker is 'something-else'"),
        (json.dumps({"format": "image-editor-project", "version": 1, "steps": []}), "project file, not a recipe"),
        (json.dumps({"format": "image-editor-recipe", "version": "1", "steps": []}), "version must be a whole number"),
        (recipe_text([], version=RECIPE_FORMAT_VERSION + 1), "newer version of the editor"),
        (json.dumps({"format": "image-editor-recipe", "version": 1}), "no 'steps' list"),
        (json.dumps({"format": "image-editor-recipe", "version": 1, "steps": {}}), "'steps' must be a list"),
        (json.dumps({"format": "image-editor-recipe", "version": 1, "steps": [], "extra": 1}), "unknown key 'extra'"),
        ('{"format": "image-editor-recipe", "version": 1, "steps": [{"op": "filter.gaussian_blur", '
         '"params": {"sigma": NaN}}]}', "NaN is not a valid number"),
    ],
)
def test_invalid_documents_are_reported(text, pattern):
    with pytest.raises(RecipeError, match=pattern):
        loads_recipe(text, CAT)


@pytest.mark.parametrize(
    "step, pattern, field",
    [
        ({"op": "test.everythin", "params": {}}, r"unknown operation 'test.everythin'; did you mean 'test.everything'", "op"),
        ({"params": {}}, "'op' must be an operation id", "op"),
        ("blur", "must be an object", None),
        (good_step(amount=2.0), "amount must be between 0 and 1, got 2", "amount"),
        (good_step(amount="0.5"), "amount must be a number, got text", "amount"),
        (good_step(amount=True), "amount must be a number, got true/false", "amount"),
        (good_step(count=2.5), "count must be a whole number", "count"),
        (good_step(count=11), "count must be between 0 and 10", "count"),
        (good_step(mode="c"), "mode must be one of a, b", "mode"),
        (good_step(mode=1), "mode must be text", "mode"),
        (good_step(flag=1), "flag must be true or false", "flag"),
        (good_step(color="1, 0, 0"), "color must be a list of numbers", "color"),
        (good_step(color=[1, 0]), "color must have 3 numbers", "color"),
        (good_step(color=[1, 0, 2]), r"color components must be in \[0, 1\]", "color"),
        (good_step(seed_xy=[-1, 0]), "seed_xy must not be negative", "seed_xy"),
        (good_step(kernel=[[1, 2], [3, 4]]), "kernel must be a square grid", "kernel"),
        (good_step(kernel=[1, 2, 3]), "kernel must be a list of lists of numbers", "kernel"),
        (good_step(curve=[[0, 0], [0, 1]]), "x values must increase strictly", "curve"),
        (good_step(extra=1), "unknown parameter 'extra'; Everything has 'amount'", "extra"),
        ({"op": "test.everything", "params": {"amount": 0.5}}, "parameter 'count' is missing", "count"),
        ({"op": "test.everything", "params": []}, "'params' must be an object", "params"),
        (dict(good_step(), enabled="yes"), "'enabled' must be true or false", "enabled"),
        (dict(good_step(), masks=None), "unknown key 'masks'", "masks"),
        (dict(good_step(), mask={"encoding": "png", "shape": [2, 2], "data": ""}), "mask encoding must be", "mask"),
        (dict(good_step(), mask={"encoding": "packbits-zlib-base64", "shape": [2], "data": ""}), "mask shape", "mask"),
        (dict(good_step(), mask={"encoding": "packbits-zlib-base64", "shape": [2, 2], "data": "%%%"}),
         "not valid base64", "mask"),
        (dict(good_step(), mask={"encoding": "packbits-zlib-base64", "shape": [2, 2], "data": "AAAA"}),
         "mask data is damaged", "mask"),
        (dict(good_step(), mask={"encoding": "packbits-zlib-base64", "shape": [40, 40],
                                 "data": base64.b64encode(zlib.compress(b"\xff" * 10)).decode()}),
         "does not hold a 40x40 mask", "mask"),
    ],
)
def test_invalid_steps_name_step_operation_and_field(step, pattern, field):
    text = recipe_text([good_step(), step])
    with pytest.raises(RecipeError, match=pattern) as info:
        loads_recipe(text, CAT)
    error = info.value
    assert str(error).startswith("step 2")
    assert error.step == 2 and error.field == field
    if isinstance(step, dict) and step.get("op") == "test.everything":
        assert "(Everything, test.everything)" in str(error)


def test_load_recipe_names_the_file_and_keeps_the_step(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(recipe_text([good_step(), good_step(), good_step(count=99)]))
    with pytest.raises(RecipeError, match=rf"Cannot use recipe {path}: step 3 \(Everything, test.everything\): count") as info:
        load_recipe(path, CAT)
    assert (info.value.step, info.value.op_id, info.value.field) == (3, "test.everything", "count")
    with pytest.raises(RecipeError, match="the file does not exist"):
        load_recipe(tmp_path / "missing.json")
    with pytest.raises(RecipeError, match="folder, not a file"):
        load_recipe(tmp_path)
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(RecipeError, match="not a recipe file"):
        load_recipe(tmp_path / "bin.json")


def test_nothing_is_half_applied():
    # The first steps are valid, the last is not: the caller gets no steps at all,
    # so a document cannot end up with a prefix of the recipe.
    doc = Document(make_image((8, 8, 3)), catalog=CAT)
    doc.push(doc.make_step("filter.gaussian_blur", sigma=1.0))
    before = doc.steps
    with pytest.raises(EditorError):
        doc.set_steps(doc.steps + loads_recipe(recipe_text([good_step(), good_step(), {"op": "nope"}]), CAT))
    assert doc.steps == before


def test_recipe_error_is_an_editor_error():
    assert issubclass(RecipeError, EditorError)


# -- the loader asks each parameter kind ----------------------------------------------------
import dataclasses  # noqa: E402

from editor.errors import ParamError  # noqa: E402
from editor.params import Param  # noqa: E402


@dataclasses.dataclass(frozen=True)
class EvenParam(Param):
    """A kind the loader has never heard of: only its own from_json knows that
    a file must hold a JSON integer, where validate (typed text) takes "4"."""

    kind = "even"

    def validate(self, value):
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ParamError(f"{self.name} must be an even number, got {value!r}") from None
        if number % 2:
            raise ParamError(f"{self.name} must be an even number, got {number}")
        return number

    def from_json(self, value):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ParamError(f"{self.name} must be a JSON integer here, got {value!r}")
        return self.validate(value)


def evenly(image, pairs=2):
    return image


EVEN_CAT = CATALOG.extended([Operation("test.even", "Even", "Test", evenly, (EvenParam("pairs", "Pairs"),))])


def test_the_loader_uses_the_kinds_own_json_check():
    def load(value):
        return loads_recipe(recipe_text([{"op": "test.even", "params": {"pairs": value}}]), EVEN_CAT)

    assert load(4)[0].params["pairs"] == 4
    with pytest.raises(RecipeError, match=r"step 1 \(Even, test.even\): pairs must be a JSON integer here, got '4'") as info:
        load("4")  # validate() alone would have taken it
    assert info.value.field == "pairs"
    with pytest.raises(RecipeError, match="pairs must be an even number, got 3"):
        load(3)


HUGE_TEXT = "1" + "0" * 400  # a JSON integer far beyond any float
HOSTILE_JSON = [HUGE_TEXT, "-" + HUGE_TEXT, "1e400", '"12"', "[1, 2]", "[[1, 2], [3]]", '{"a": 1}', "null",
                f"[{HUGE_TEXT}, 0]", f"[[{HUGE_TEXT}, 0], [0, 0], [0, 0], [0, 0]]", f"[[{HUGE_TEXT}, 0, 0], [0, 1, 0]]"]


def _valid_json(op):
    return {spec.name: spec.to_json(spec.default) for spec in op.params}


@pytest.mark.parametrize("op", [op for op in CATALOG if op.params], ids=lambda op: op.id)
def test_hostile_values_for_every_catalog_parameter_name_step_and_field(op):
    for spec in op.params:
        for hostile in HOSTILE_JSON:
            params = _valid_json(op)
            params[spec.name] = "@HOSTILE@"
            step = json.dumps({"op": op.id, "params": params}).replace('"@HOSTILE@"', hostile)
            text = recipe_text([]).replace('"steps": []', f'"steps": [{step}]')
            try:
                loads_recipe(text)
            except RecipeError as exc:
                assert (exc.step, exc.op_id, exc.field) == (1, op.id, spec.name), (spec.name, hostile, str(exc))
                assert str(exc).startswith(f"step 1 ({op.title}, {op.id}): {spec.name} ")
                assert len(str(exc)) < 400
            else:
                if hostile == "[1, 2]" and spec.kind == "point":
                    continue  # a valid point
                pytest.fail(f"{op.id}.{spec.name} accepted {hostile[:30]}")


def test_nan_in_a_file_is_refused_before_any_parameter_is_read():
    text = recipe_text([{"op": "geometry.translate", "params": {"dx": "@", "dy": 0.0}}]).replace('"@"', "NaN")
    with pytest.raises(RecipeError, match="NaN is not a valid number"):
        loads_recipe(text)
