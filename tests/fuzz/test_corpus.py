"""Every kept fuzz case, replayed as a regular test (see corpus/README.md)."""
import pytest

from editor.project import ProjectError, load_project, read_project
from editor.recipe import RecipeError, load_recipe
from tests.fuzz.common import CORPUS, bounded
from tests.fuzz.test_fuzz_images import check_outcome

IMAGES = sorted((CORPUS / "images").iterdir())
RECIPES = sorted((CORPUS / "recipes").glob("*.json"))
PROJECTS = sorted((CORPUS / "projects").glob("*.json"))

# What the message must say for each hostile recipe, and the field named where a step is at fault.
RECIPE_EXPECTED = {
    "affine-singular.json": ("must be invertible", "matrix"),
    "canny-high-below-low.json": ("high threshold must be at least the low threshold", "high"),
    "format-is-a-list.json": (r"format marker is \[1\]", "format"),
    "kernel-1e308.json": ("weights must be between", "kernel"),
    "levels-white-equals-black.json": ("white point must be above the black point", "white"),
    "mask-inflates-to-gigabytes.json": ("too short to hold a 46000x46000 mask", "mask"),
    "mask-shape-400-digits.json": ("is too large", "mask"),
    "nested-5000-deep.json": (r"nests hundreds of levels deep; at most 32 are allowed", None),
    "perspective-quad-1e308.json": ("coordinates must be between", "quad"),
    "sigma-400-digits.json": ("sigma", "sigma"),
    "sigma-5000-digits.json": ("sigma", "sigma"),
    "sigma-nan.json": ("NaN is not a valid number", None),
    "version-400-digits.json": ("newer version of the editor", "version"),
}


def test_every_recipe_in_the_corpus_has_an_expectation():
    assert {p.name for p in RECIPES} == set(RECIPE_EXPECTED)


@pytest.mark.parametrize("path", IMAGES, ids=lambda p: p.name)
def test_image(path):
    check_outcome(path)


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_recipe(path):
    pattern, field = RECIPE_EXPECTED[path.name]
    with bounded(), pytest.raises(RecipeError, match=pattern) as info:
        load_recipe(path)
    assert str(info.value).startswith(f"Cannot use recipe {path}: ")
    assert len(str(info.value)) < 400
    if field is not None:
        assert info.value.field == field


@pytest.mark.parametrize("path", PROJECTS, ids=lambda p: p.name)
def test_project(path):
    with bounded(), pytest.raises(ProjectError, match=f"Cannot open project {path}") as info:
        load_project(path)
    assert info.value.field == "source"
    if "number" in path.name:
        with pytest.raises(ProjectError, match="source path must be a file path"):
            read_project(path)
