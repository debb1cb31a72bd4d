"""Fuzzing recipes, projects, masks, augmentation pipelines and variants:
wrong types, missing and extra fields,
NaN, infinity, enormous numbers, deep nesting, damaged text.

A valid document is changed at one or more places; loading must give
validated steps or the editor's own error naming the file (and the step and
field when the problem is in a step). Steps that validate are then rendered
on small images: that must work or be one of the refusals the sweep allows.
"""
import json
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from editor.augment_pipeline import PipelineError, dumps_pipeline, loads_pipeline
from editor.catalog import CATALOG
from editor.errors import EditorError
from editor.project import ProjectError, read_project
from editor.recipe import RecipeError, decode_mask, encode_mask, loads_recipe, steps_to_data
from editor.steps import Step
from tests.editor.test_validation_matches_rendering import run
from tests.fuzz.common import bounded, fuzz_settings

IMAGES = {
    "rgb": np.random.default_rng(1).random((5, 6, 3), dtype=np.float32),
    "gray": np.random.default_rng(2).random((6, 5), dtype=np.float32),
}


def _valid_steps():
    mask = np.zeros((5, 6), bool)
    mask[1:3, 2:5] = True
    steps = [Step(op.id, op.defaults()) for op in CATALOG]
    steps.append(Step("filter.gaussian_blur", CATALOG.get("filter.gaussian_blur").defaults(), mask))
    return steps


STEPS_DATA = steps_to_data(_valid_steps())
RECIPE = {"format": "image-editor-recipe", "version": 1, "steps": STEPS_DATA}
PROJECT = {
    "format": "image-editor-project", "version": 1,
    "source": {"path": "photo.png", "sha256": "ab" * 32}, "steps": STEPS_DATA,
    "selection": encode_mask(np.linspace(0, 1, 30, dtype=np.float32).reshape(5, 6)),
}

numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.just(10**400), st.just(-(10**400)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1e308, -1e308, 5e-324, math.nan, math.inf, -math.inf, 2**63, 2**64 + 1]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12))
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)


def paths(value, prefix=()):
    """Every place in a JSON structure: tuples of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def edited(document, edits):
    """``document`` with each edit applied: (path index, action, value)."""
    doc = json.loads(json.dumps(document))
    for where, action, value in edits:
        places = list(paths(doc))
        path = places[where % len(places)]
        if not path:
            doc = value if action == "replace" else doc
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if action == "replace":
            parent[last] = value
        elif action == "delete":
            del parent[last]
        elif action == "extra" and isinstance(parent, dict):
            parent[f"extra_{where}"] = value
        elif action == "extra" and isinstance(parent, list):
            parent.append(value)
        elif action == "nest":
            wrapped = parent[last]
            for _ in range(where % 50):
                wrapped = [wrapped]
            parent[last] = wrapped
    return doc


edits = st.lists(
    st.tuples(st.integers(0, 10**6), st.sampled_from(["replace", "delete", "extra", "nest"]), json_values),
    min_size=1, max_size=3,
)


def dumps(doc) -> str:
    return json.dumps(doc, allow_nan=True)  # NaN and Infinity as a careless writer would put them


def render_checked(steps):
    """Each validated step renders on small images, or is refused as the sweep allows."""
    for step in steps:
        if step.mask is not None:
            continue  # a mask of another size is refused by the render, named; checked in the recipe tests
        op = CATALOG.get(step.op_id)
        for name, image in IMAGES.items():
            problem = run(op, op.validate(step.params), name, image)
            assert problem is None, f"{op.id}: {problem}"


@fuzz_settings
@given(changes=edits)
def test_edited_recipes(changes):
    text = dumps(edited(RECIPE, changes))
    with bounded():
        try:
            steps = loads_recipe(text)
        except RecipeError as exc:
            assert "Traceback" not in str(exc) and len(str(exc)) < 2000
            return
        render_checked(steps)


@fuzz_settings
@given(changes=edits)
def test_edited_projects(tmp_path_factory, changes):
    path = tmp_path_factory.mktemp("p") / "edited.iep.json"
    path.write_text(dumps(edited(PROJECT, changes)))
    with bounded():
        try:
            project = read_project(path)
        except ProjectError as exc:
            assert str(exc).startswith(f"Cannot open project {path}: ")
            return
    assert project.path == path


MASKS = [encode_mask(np.eye(7, 9, dtype=bool)),
         encode_mask(np.round(np.linspace(0, 1, 63).reshape(7, 9) * 255).astype(np.float32) / 255)]


@fuzz_settings
@given(which=st.integers(0, 1), changes=edits)
def test_edited_masks(which, changes):
    data = edited(MASKS[which], changes)
    with bounded():
        try:
            mask = decode_mask(data)
        except ValueError:
            return
    assert mask.ndim == 2
    assert mask.dtype == bool or (mask.dtype == np.float32 and 0 <= mask.min() and mask.max() <= 1)


def _every_transform():
    from processing import augment

    return json.loads(dumps_pipeline([augment.default_step(name) for name in augment.TRANSFORMS]))


PIPELINE = _every_transform()
PIXELS = {
    "uint8": (np.random.default_rng(3).random((9, 11, 3)) * 255).astype(np.uint8),
    "uint16 gray": (np.random.default_rng(4).random((11, 9)) * 65535).astype(np.uint16),
    "float rgba": np.random.default_rng(5).random((8, 8, 4), dtype=np.float32),
}


@fuzz_settings
@given(changes=edits, seed=st.integers(0, 2**32))
def test_edited_pipelines(changes, seed):
    from processing import augment

    with bounded():
        try:
            pipeline = loads_pipeline(dumps(edited(PIPELINE, changes)))
        except PipelineError as exc:
            assert "Traceback" not in str(exc) and len(str(exc)) < 2000
            return
        for name, image in PIXELS.items():  # a pipeline that loads runs, and keeps the image's type
            out = augment.apply(image, augment.sample(pipeline, seed, image.shape[:2])).image
            assert out.dtype == image.dtype, name
            if out.dtype == np.float32:
                assert np.isfinite(out).all() and 0 <= out.min() and out.max() <= 1, name


@fuzz_settings
@given(changes=edits, seed=st.integers(0, 2**16))
def test_edited_variants(changes, seed):
    from processing import augment

    image = PIXELS["uint8"]
    variant = augment.sample(PIPELINE["steps"], seed, image.shape[:2])
    with bounded():
        try:
            checked = augment.check_variant(edited(variant, changes))
        except ValueError as exc:
            assert len(str(exc)) < 2000
            return
        out = augment.apply(image, checked).image  # a variant that checks applies
    assert out.dtype == np.uint8 and out.ndim == 3


@fuzz_settings
@given(
    text=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200),
        st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
        st.integers(1, 200_000).map(lambda n: '{"a":' * n + "0" + "}" * n),
        st.integers(1, 10_000).map(lambda n: "9" * n),
        st.integers(0, len(dumps(RECIPE))).map(lambda n: dumps(RECIPE)[:n]),
    )
)
def test_damaged_text(text):
    with bounded():
        try:
            loads_recipe(text)
        except RecipeError:
            pass


def test_the_unedited_documents_load():
    assert len(loads_recipe(dumps(RECIPE))) == len(CATALOG) + 1
    _ = EditorError  # every error above is one of these


def test_cases_the_pipeline_and_variant_fuzzing_found():
    # Each once raised a raw TypeError or OverflowError instead of the file's own error.
    from processing import augment

    for steps in ([{"transform": [["rotate"]]}], [{"transform": "rotate", "p": 10**400}],
                  [{"transform": "rotate", "angle_deg": [-(10**400), 10**400]}]):
        text = json.dumps({"format": "image-editor-augment-pipeline", "version": 1, "steps": steps})
        try:
            loads_pipeline(text)
        except PipelineError as exc:
            assert len(str(exc)) < 300
        else:
            raise AssertionError(f"{steps} was accepted")
    variant = {"shape": [4, 4], "ops": [{"transform": [["rot90"]], "k": 1}]}
    try:
        augment.check_variant(variant)
    except ValueError as exc:
        assert "unknown transform" in str(exc)
    else:
        raise AssertionError("a list as a transform name was accepted")
