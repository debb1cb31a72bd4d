"""The catalog's specs must agree with the processing functions' signatures."""
import inspect

import numpy as np
import pytest

from editor.catalog import CATALOG, Catalog
from editor.errors import ParamError, UnknownOperationError
from editor.params import ProxyScaling
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


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.id)
@pytest.mark.parametrize("shape", [(12, 14), (12, 14, 3), (12, 14, 4)], ids=["gray", "rgb", "rgba"])
def test_every_operation_runs_on_every_layout_with_defaults(op, shape):
    image = make_image(shape, seed=7)
    try:
        out = op.apply(image, op.defaults())
    except ValueError as exc:
        # An operation may refuse a layout, but only with a clear message.
        assert str(exc), op.id
        return
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
