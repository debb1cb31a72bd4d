"""The catalog's specs must agree with the processing functions' signatures."""
import inspect
import re

import numpy as np
import pytest

from editor.catalog import CATALOG, Catalog
from editor.errors import ParamError, UnknownOperationError
from editor.operations import Operation
from editor.params import ChoiceParam, FloatParam, ProxyScaling
from tests.conftest import make_image

OPS = list(CATALOG)


def test_catalog_is_not_empty_and_ids_are_namespaced():
    assert len(OPS) >= 2
    for op in OPS:
        assert "." in op.id and op.id == op.id.lower(), op.id
        assert op.title and op.category and op.description, op.id


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_specs_match_function_signature(op):
    signature = inspect.signature(op.function)
    params = list(signature.parameters.values())
    keywords = {p.name: p for p in params[1:]}
    declared = {spec.name for spec in op.params}
    for name in declared:
        assert name in keywords, f"{op.id}: param {name!r} is not an argument of {op.function.__name__}"
    for name, p in keywords.items():
        if p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.VAR_KEYWORD:
            assert name in declared, f"{op.id}: required argument {name!r} has no Param spec"
    for spec in op.params:
        # Defaults validate, and agree with the function's own default where it has one.
        assert spec.validate(spec.default) == spec.default, f"{op.id}.{spec.name}"
        default = keywords[spec.name].default
        if default is not inspect.Parameter.empty and not isinstance(default, (tuple, list)):
            assert default == spec.default, f"{op.id}.{spec.name}: spec {spec.default!r} vs function {default!r}"


# The only refusals allowed with default parameters: (operation, layout) ->
# what the message must say. A new ValueError anywhere else fails the test.
REFUSALS = {
    ("color.channel_mixer", "gray"): r"^channel_mixer needs an RGB or RGBA image, got a gray image of shape \(12, 14\)$",
}
LAYOUTS = {"gray": (12, 14), "rgb": (12, 14, 3), "rgba": (12, 14, 4)}


def test_refusal_table_names_real_operations():
    for op_id, layout in REFUSALS:
        assert op_id in CATALOG and layout in LAYOUTS


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_operation_runs_on_every_layout_with_defaults(op, layout):
    image = make_image(LAYOUTS[layout], seed=7)
    refusal = REFUSALS.get((op.id, layout))
    if refusal is not None:
        with pytest.raises(ValueError, match=refusal):
            op.apply(image, op.defaults())
        return
    out = op.apply(image, op.defaults())
    assert isinstance(out, np.ndarray) and out.dtype == np.float32, op.id
    assert out.ndim in (2, 3) and np.isfinite(out).all(), op.id
    assert out.min() >= 0 and out.max() <= 1, op.id
    if not op.changes_size:
        assert out.shape[:2] == image.shape[:2], op.id


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_pixel_params_declare_proxy_scaling(op):
    for spec in op.params:
        text = f"{spec.name} {spec.help}".lower()
        if spec.kind in ("float", "int") and ("pixel" in text or spec.name.endswith("_px")):
            assert spec.scaling is not ProxyScaling.NONE, f"{op.id}.{spec.name} is in pixels but does not scale"


def test_unknown_operation_suggests_a_name():
    with pytest.raises(UnknownOperationError, match="did you mean 'filter.gaussian_blur'"):
        CATALOG.get("filter.gausian_blur")


def test_validate_reports_field_and_range():
    op = CATALOG.get("filter.gaussian_blur")
    with pytest.raises(ParamError, match="sigma must be between 0 and 200, got -1"):
        op.validate({"sigma": -1})
    with pytest.raises(ParamError, match="no parameter 'radius'"):
        op.validate({"radius": 3})
    with pytest.raises(ParamError, match="'sigma' is missing"):
        op.validate({}, fill_defaults=False)


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="declared twice"):
        Catalog(OPS + OPS[:1])


def test_search_finds_by_title_and_category():
    assert [op.id for op in CATALOG.search("blur gaussian")] == ["filter.gaussian_blur"]
    assert CATALOG.search("no such thing at all") == []


@pytest.mark.parametrize("op", [op for op in OPS if op.canvas_rect], ids=lambda op: op.id)
def test_canvas_rect_names_four_numeric_params(op):
    kinds = [op.param(name).kind for name in op.canvas_rect]
    assert kinds == [kinds[0]] * 4 and kinds[0] in ("int", "float")


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_every_operation_runs_with_the_defaults_bound_to_the_image(op, layout):
    image = make_image(LAYOUTS[layout], seed=8)
    bound = op.for_image(image.shape)
    values = bound.defaults()
    assert op.validate(values, fill_defaults=False) == values  # a bound default is a valid step
    refusal = REFUSALS.get((op.id, layout))
    if refusal is not None:
        with pytest.raises(ValueError, match=refusal):
            op.apply(image, values)
        return
    out = op.apply(image, values)
    assert out.dtype == np.float32 and np.isfinite(out).all(), op.id


# -- text shown to users ------------------------------------------------------------------
MARKUP = re.compile(r":(func|class|meth|mod|attr):|`")
IDENTIFIER = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")  # sigma_px, angle_deg, seed_xy


def user_texts(op):
    yield "description", op.description
    for spec in op.params:
        yield f"{spec.name} label", spec.label
        yield f"{spec.name} help", spec.help
        if spec.kind == "choice":
            for value, label in spec.choices:
                yield f"{spec.name} choice {value}", label


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_text_shown_to_users_has_no_markup_or_identifiers(op):
    assert op.description.strip(), op.id
    for where, text in user_texts(op):
        assert not MARKUP.search(text), f"{op.id} {where}: {text!r}"
        assert not IDENTIFIER.search(text), f"{op.id} {where}: {text!r}"
        for spec in op.params:
            if "_" in spec.name:
                assert spec.name not in text, f"{op.id} {where} names the argument {spec.name}"


def test_the_checks_on_user_text_catch_what_the_new_user_saw():
    # What issue 10 quoted: the magic wand's and rotate's old descriptions.
    assert MARKUP.search("The image with the magic-wand region of :func:`region_grow` tinted.")
    assert IDENTIFIER.search("Rotate counter-clockwise by angle_deg degrees about the image centre.")
    assert not IDENTIFIER.search("Smooth away noise but keep edges: only similar colours are mixed.")


def test_a_missing_description_falls_back_to_the_summary_without_markup():
    def tinted(image, amount=0.5):
        """Tint the region of :func:`~processing.segmentation.region_grow` by ``amount``.

        More text.
        """
        return image

    op = Operation("test.tinted", "Tinted", "Test", tinted, (FloatParam("amount", "Amount"),))
    assert op.description == "Tint the region of region_grow by amount."


# -- defaults: the function's signature is the truth ---------------------------------------
def scaled_by(image, gain=0.5, *, mode="a"):
    return image * gain


def test_a_param_without_default_takes_the_functions():
    op = Operation("test.gain", "Gain", "Test", scaled_by,
                   (FloatParam("gain", "Gain"), ChoiceParam("mode", "Mode", choices=(("a", "A"), ("b", "B")))))
    assert op.defaults() == {"gain": 0.5, "mode": "a"}
    assert op.param("gain").default == 0.5


def test_a_default_that_disagrees_with_the_function_is_refused_unless_explained():
    with pytest.raises(ValueError, match=r"'gain' has default 0.25 but the function says 0.5"):
        Operation("test.gain", "Gain", "Test", scaled_by, (FloatParam("gain", "Gain", 0.25),))
    op = Operation("test.gain", "Gain", "Test", scaled_by,
                   (FloatParam("gain", "Gain", 0.25, default_reason="starts dimmer in the editor"),))
    assert op.defaults() == {"gain": 0.25}


def test_a_required_argument_needs_a_default_in_its_param():
    def needs(image, level):
        return image

    with pytest.raises(ValueError, match="'level' needs a default"):
        Operation("test.needs", "Needs", "Test", needs, (FloatParam("level", "Level"),))
    assert Operation("test.needs", "Needs", "Test", needs, (FloatParam("level", "Level", 0.5),)).defaults() == {"level": 0.5}


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
def test_explained_defaults_are_the_only_ones_that_differ(op):
    signature = inspect.signature(op.function).parameters
    for spec in op.params:
        default = signature[spec.name].default
        if default is inspect.Parameter.empty or spec.default_reason:
            continue
        assert spec.validate(default) == spec.default, f"{op.id}.{spec.name}"


# -- ranges that follow the image ----------------------------------------------------------
# Every parameter whose range or default depends on the image it applies to.
# A new one must be added here on purpose (and declared with maximum_from,
# default_from ... in the catalog).
IMAGE_BOUND = {
    ("geometry.crop", "x"), ("geometry.crop", "y"), ("geometry.crop", "width"), ("geometry.crop", "height"),
    ("geometry.translate", "dx"), ("geometry.translate", "dy"),
    ("geometry.resize", "width"), ("geometry.resize", "height"),
    ("geometry.perspective", "quad"), ("geometry.perspective", "width"), ("geometry.perspective", "height"),
    ("segmentation.magic_wand", "seed_xy"),
    ("morphology.remove_small_objects", "min_size"),
    ("synthesis.texture", "width"), ("synthesis.texture", "height"),
}


def test_exactly_the_image_dependent_params_follow_the_image():
    found = {(op.id, spec.name) for op in OPS for spec in op.params if spec.follows_image}
    assert found == IMAGE_BOUND


def test_crop_defaults_to_the_whole_image_with_sliders_up_to_its_size():
    crop = CATALOG.get("geometry.crop").for_image((400, 600, 3))
    assert crop.defaults() == {"x": 0, "y": 0, "width": 600, "height": 400}
    assert [(crop.param(n).minimum, crop.param(n).maximum) for n in ("x", "y", "width", "height")] == [
        (0, 599), (0, 399), (1, 600), (1, 400)
    ]
    image = make_image((40, 60, 3), seed=2)
    np.testing.assert_array_equal(crop.apply(image, CATALOG.get("geometry.crop").for_image(image.shape).defaults()), image)


def test_bound_ranges_follow_each_image_and_stay_inside_the_fixed_limits():
    translate = CATALOG.get("geometry.translate")
    for h, w in ((400, 600), (3000, 2000), (1, 1)):
        bound = translate.for_image((h, w))
        assert (bound.param("dx").minimum, bound.param("dx").maximum) == (-w, w)
        assert (bound.param("dy").minimum, bound.param("dy").maximum) == (-h, h)
    huge = translate.for_image((50_000, 50_000))
    assert (huge.param("dx").minimum, huge.param("dx").maximum) == (-10_000, 10_000)
    resize = CATALOG.get("geometry.resize").for_image((400, 600))
    assert (resize.param("width").maximum, resize.param("height").maximum) == (4800, 3200)
    assert resize.param("width").default == 0  # 0 still keeps the aspect ratio
    wand = CATALOG.get("segmentation.magic_wand").for_image((400, 600, 3))
    assert wand.param("seed_xy").maximum == (599.0, 399.0)
    with pytest.raises(ParamError, match="inside the image"):
        wand.param("seed_xy").validate((600, 10))
    small = CATALOG.get("morphology.remove_small_objects").for_image((5, 6))
    assert small.param("min_size").maximum == 30 and small.param("min_size").default == 30
    quad = CATALOG.get("geometry.perspective").for_image((400, 600)).defaults()["quad"]
    assert quad == ((0, 0), (600, 0), (600, 400), (0, 400))


def test_a_step_made_on_a_larger_image_keeps_its_values_when_shown():
    crop = CATALOG.get("geometry.crop")
    values = {"x": 700, "y": 10, "width": 900, "height": 50}
    bound = crop.for_image((400, 600), values)
    for name, value in values.items():
        spec = bound.param(name)
        assert spec.minimum <= value <= spec.maximum and spec.validate(value) == value
    assert bound.param("height").maximum == 400  # a value inside needs no widening


def test_operations_without_image_dependent_params_are_returned_as_they_are():
    blur = CATALOG.get("filter.gaussian_blur")
    assert blur.for_image((400, 600)) is blur
    assert not blur.follows_image


def test_the_catalog_itself_stays_unbound():
    CATALOG.get("geometry.crop").for_image((10, 10))
    assert CATALOG.get("geometry.crop").param("width").maximum == 100_000
    assert CATALOG.get("geometry.crop").param("width").maximum_from == "width"
