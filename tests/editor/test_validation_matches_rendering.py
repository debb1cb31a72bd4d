"""Every value validation accepts renders: finite output in [0, 1], or a refusal named below.

Each operation is swept over its parameters' corners (minimum, maximum,
default, every choice; for kernels, quads and matrices their extreme
values), one parameter at a time and all at once, on odd images (1x1, 1xN,
Nx1, gray, RGB, RGBA, constant, black, white, alpha 0). NumPy's overflow and
invalid-value warnings count as failures too: they are NaN or infinity on
the way.
"""
import re
import warnings

import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.errors import ParamError
from editor.memory_guard import MemoryLimitError
from tests.editor.sweep_cases import BIG, corners, odd_images, parameter_sets
from tests.editor.test_catalog import REFUSALS

OPS = list(CATALOG)
IMAGES = odd_images()

# Refusals that depend on the image, not on the values alone: a recipe made
# on one image may not fit another, and batch reports that file only.
IMAGE_DEPENDENT = {
    "geometry.crop": r"^the crop rectangle .* lies outside the \d+ x \d+ image$",
    "segmentation.magic_wand": r"^seed_xy \(.*\) is outside the \d+x\d+ image$",
    "synthesis.texture": r"^the texture would take \d+ patches of \d+ pixels, more than the limit",
}


def layout(image):
    return "gray" if image.ndim == 2 else {3: "rgb", 4: "rgba"}[image.shape[2]]


def run(op, params, name, image):
    """None if the case renders well or is refused as allowed, else what went wrong."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            out = op.apply(image, params)
    except MemoryLimitError:
        return None  # refused up front with a message: the output cannot fit
    except ValueError as exc:
        allowed = [REFUSALS.get((op.id, layout(image))), IMAGE_DEPENDENT.get(op.id)]
        if any(p is not None and re.search(p.replace(r"\(12, 14\)", r"\(\d+, \d+\)"), str(exc)) for p in allowed):
            return None
        return f"{name}: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - any other exception is the finding
        return f"{name}: {type(exc).__name__}: {exc}"
    if out.dtype != np.float32:
        return f"{name}: dtype {out.dtype}"
    if not np.isfinite(out).all():
        return f"{name}: NaN or infinity in the output"
    if out.size and (out.min() < 0 or out.max() > 1):
        return f"{name}: values outside [0, 1] ({out.min()}, {out.max()})"
    return None


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_every_accepted_corner_renders(op):
    failures = []
    accepted = 0
    for raw in parameter_sets(op):
        try:
            params = op.validate(raw)
        except ParamError:
            continue  # validation refuses the combination: nothing to render
        accepted += 1
        for name, image in IMAGES.items():
            problem = run(op, params, name, image)
            if problem is not None:
                changed = {k: v for k, v in params.items() if v != op.defaults()[k]}
                failures.append(f"{problem} with {changed}")
    assert accepted >= 1
    assert not failures, "\n".join(failures[:20])


def test_the_issue_examples_are_refused_by_validation():
    with pytest.raises(ParamError, match="weights must be between"):
        CATALOG.get("filter.convolve").validate({"kernel": [[BIG] * 3] * 3})
    with pytest.raises(ParamError, match="coordinates must be between"):
        CATALOG.get("geometry.perspective").validate({"quad": [[0, 0], [BIG, 0], [BIG, BIG], [0, BIG]]})
    with pytest.raises(ParamError, match="must be invertible"):
        CATALOG.get("geometry.affine").validate({"matrix": [[0, 0, 0], [0, 0, 0]]})
    with pytest.raises(ParamError, match="high threshold must be at least the low threshold"):
        CATALOG.get("edges.canny").validate({"low": 0.5, "high": 0.2})
    with pytest.raises(ParamError, match="white point must be above the black point"):
        CATALOG.get("tone.levels").validate({"black": 0.6, "white": 0.6})


def test_a_recipe_with_a_combination_refused_names_the_field():
    from editor.recipe import RecipeError, loads_recipe

    op = CATALOG.get("edges.canny")
    params = {**op.defaults(), "low": 0.9, "high": 0.1}
    text = '{"format": "image-editor-recipe", "version": 1, "steps": [{"op": "edges.canny", "params": %s}]}' % (
        __import__("json").dumps(params)
    )
    with pytest.raises(RecipeError, match=r"step 1 \(Canny edges, edges.canny\): the high threshold") as info:
        loads_recipe(text)
    assert info.value.field == "high"


def test_corners_are_values_the_specs_accept():
    for op in OPS:
        for spec in op.params:
            for value in corners(spec):
                assert spec.validate(value) == value
