import pytest

from editor.errors import ParamError
from editor.params import (
    BoolParam, ChoiceParam, CurveParam, FloatParam, IntParam, KernelParam, ProxyScaling,
)


def test_float_validation_and_scaling():
    p = FloatParam("sigma", "Radius", 2.0, minimum=0, maximum=10, scaling=ProxyScaling.LENGTH)
    assert p.validate(3) == 3.0
    assert p.scale(8.0, 0.25) == 2.0
    for bad in (-0.1, 10.5, "abc", float("nan"), None, True):
        with pytest.raises(ParamError):
            p.validate(bad)


def test_area_scaling_uses_square():
    p = IntParam("min_size", "Min size", 64, minimum=0, maximum=10_000, scaling=ProxyScaling.AREA)
    assert p.scale(64, 0.5) == 16


def test_int_rejects_fractions():
    p = IntParam("radius", "Radius", 1, minimum=0, maximum=10)
    with pytest.raises(ParamError, match="whole number"):
        p.validate(1.5)


def test_choice_lists_the_options():
    p = ChoiceParam("mode", "Mode", "a", choices=(("a", "A"), ("b", "B")))
    with pytest.raises(ParamError, match="one of a, b"):
        p.validate("c")


def test_bool_is_strict_but_parses_text():
    p = BoolParam("expand", "Expand", False)
    with pytest.raises(ParamError):
        p.validate(1)
    assert p.parse("on") is True and p.parse("no") is False


def test_kernel_shape_checked():
    p = KernelParam("kernel", "Kernel", ((0, 0, 0), (0, 1, 0), (0, 0, 0)))
    assert p.parse("0 0 0; 0 1 0; 0 0 0") == ((0, 0, 0), (0, 1, 0), (0, 0, 0))
    with pytest.raises(ParamError, match="square grid"):
        p.validate([[1, 2], [3, 4]])


def test_curve_needs_increasing_x():
    p = CurveParam("points", "Curve", ((0, 0), (1, 1)))
    with pytest.raises(ParamError, match="increase"):
        p.validate([[0, 0], [0.5, 0.5], [0.4, 1]])


# -- each kind owns its strict JSON check ---------------------------------------------------
import dataclasses  # noqa: E402
import json  # noqa: E402

from editor import params as params_module  # noqa: E402
from editor.params import (  # noqa: E402
    ColorParam, MatrixParam, Param, PointParam, QuadParam, RectParam, VariantParam, image_extent,
)


def all_kinds(cls=Param):
    """Every kind defined in editor.params (not the classes tests make)."""
    for sub in cls.__subclasses__():
        if sub.__module__ == params_module.__name__:
            yield sub
        yield from all_kinds(sub)


# One spec of every kind, with a value a file may hold for it.
SAMPLES = {
    "float": (FloatParam("amount", "Amount", 0.5, minimum=0, maximum=1), 0.25),
    "int": (IntParam("count", "Count", 3, minimum=0, maximum=10), 4),
    "choice": (ChoiceParam("mode", "Mode", "a", choices=(("a", "A"), ("b", "B"))), "b"),
    "bool": (BoolParam("flag", "Flag", False), True),
    "color": (ColorParam("fill", "Fill", (0.0, 0.0, 0.0)), [0.1, 0.2, 0.3]),
    "point": (PointParam("seed_xy", "Seed", (0.0, 0.0)), [3, 4]),
    "rect": (RectParam("area", "Area", (0, 0, 1, 1)), [1, 2, 3, 4]),
    "kernel": (KernelParam("kernel", "Kernel", ((0, 0, 0), (0, 1, 0), (0, 0, 0))), [[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "curve": (CurveParam("points", "Curve", ((0, 0), (1, 1))), [[0, 0], [0.5, 0.7], [1, 1]]),
    "quad": (QuadParam("quad", "Corners", ((0, 0), (1, 0), (1, 1), (0, 1))), [[0, 0], [9, 0], [9, 9], [0, 9]]),
    "matrix": (MatrixParam("matrix", "Matrix", ((1, 0, 0), (0, 1, 0))), [[1, 0, 2], [0, 1, 3]]),
    "variant": (VariantParam("variant", "Variant", '{"ops":[],"shape":[1,1]}'),
                {"shape": [4, 6], "ops": [{"transform": "rotate", "angle_deg": 7.5}]}),
}

HUGE = 10**400  # a JSON integer of 401 digits: float() of it overflows
# Values no kind accepts from a file. Each must give a ParamError, nothing else.
HOSTILE = [
    HUGE, -HUGE, float("inf"), float("nan"), "12", "0.5, 0.5", None, {"a": 1}, [1, "2"], [HUGE, 0],
    [[1, 2], [3]], [[HUGE, 0], [0, 0], [0, 0], [0, 0]], [[HUGE] * 3] * 3, [[float("nan")] * 2] * 2, [],
]


def test_every_kind_in_the_module_has_a_sample():
    kinds = {cls.kind for cls in all_kinds()}
    assert kinds == set(SAMPLES), "a new kind needs a row in SAMPLES (and so in these tests)"
    assert all(getattr(params_module, name) for name in params_module.__all__)


@pytest.mark.parametrize("cls", list(all_kinds()), ids=lambda c: c.__name__)
def test_every_kind_defines_its_own_json_check(cls):
    assert cls.from_json is not Param.from_json
    assert cls.validate is not Param.validate


def test_a_kind_without_a_json_check_cannot_be_defined():
    with pytest.raises(TypeError, match="must define from_json"):
        @dataclasses.dataclass(frozen=True)
        class Loose(Param):  # noqa: F841
            kind = "loose"

            def validate(self, value):
                return value


@pytest.mark.parametrize("kind", list(SAMPLES))
def test_sample_values_round_trip_through_json(kind):
    spec, value = SAMPLES[kind]
    valid = spec.from_json(value)
    assert spec.from_json(json.loads(json.dumps(spec.to_json(valid)))) == valid


@pytest.mark.parametrize("kind", list(SAMPLES))
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: json.dumps(v)[:24])
def test_hostile_file_values_give_a_param_error_naming_the_field(kind, value):
    spec, _ = SAMPLES[kind]
    with pytest.raises(ParamError) as info:
        spec.from_json(value)
    assert spec.name in str(info.value) and len(str(info.value)) < 300


@pytest.mark.parametrize("kind", list(SAMPLES))
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: json.dumps(v)[:24])
def test_the_lenient_check_fails_only_with_param_errors_too(kind, value):
    spec, _ = SAMPLES[kind]
    try:
        spec.validate(value)
    except ParamError:
        pass  # anything but ParamError fails the test


def test_strict_and_lenient_differ_where_people_type():
    spec, _ = SAMPLES["float"]
    assert spec.validate("0.5") == 0.5
    with pytest.raises(ParamError, match="amount must be a number, got text"):
        spec.from_json("0.5")
    point, _ = SAMPLES["point"]
    assert point.parse("3, 4") == (3.0, 4.0)
    with pytest.raises(ParamError, match="seed_xy must be a list of numbers, got text"):
        point.from_json("3, 4")


# -- ranges and defaults that follow the image -----------------------------------------------
def test_image_extents():
    assert [image_extent(name, (400, 600, 3)) for name in ("width", "height", "last_column", "last_row", "area")] == [
        600, 400, 599, 399, 240_000
    ]
    assert image_extent(lambda h, w: 2 * h + w, (4, 5)) == 13
    with pytest.raises(ValueError, match="unknown image extent 'depth'"):
        image_extent("depth", (4, 5))


def test_numeric_bounds_clamp_to_the_fixed_range_and_widen_for_a_value():
    spec = IntParam("width", "Width", 10_000, minimum=1, maximum=10_000, maximum_from="width", default_from="width")
    assert spec.follows_image
    bound = spec.bound_to((30, 40))
    assert (bound.minimum, bound.maximum, bound.default) == (1, 40, 40)
    assert not bound.follows_image  # concrete now
    assert spec.bound_to((30, 50_000)).maximum == 10_000
    assert spec.bound_to((30, 40), value=70).maximum == 70
    assert spec.bound_to((30, 40), value="nonsense").maximum == 40
    shift = FloatParam("dx", "Right", 0.0, minimum=-100.0, maximum=100.0,
                       minimum_from=lambda h, w: -w, maximum_from="width")
    bound = shift.bound_to((30, 40))
    assert (bound.minimum, bound.maximum, bound.default) == (-40.0, 40.0, 0.0)


def test_an_unbound_spec_is_returned_as_it_is():
    spec = FloatParam("sigma", "Radius", 2.0, minimum=0, maximum=10)
    assert spec.bound_to((30, 40)) is spec and not spec.follows_image


def test_points_are_kept_on_the_image_once_bound():
    spec = PointParam("seed_xy", "Seed", (0.0, 0.0))
    assert spec.validate((5000, 5000)) == (5000.0, 5000.0)  # a recipe does not know its image
    bound = spec.bound_to((30, 40))
    assert bound.maximum == (39.0, 29.0)
    with pytest.raises(ParamError, match="inside the image"):
        bound.validate((40, 0))
    assert bound.validate((39, 29)) == (39.0, 29.0)
    assert spec.bound_to((30, 40), value=(50, 3)).maximum == (50.0, 29.0)


def test_defaults_can_follow_the_image():
    quad = QuadParam("quad", "Corners", ((0, 0),) * 4, default_from=lambda h, w: ((0, 0), (w, 0), (w, h), (0, h)))
    assert quad.bound_to((3, 4)).default == ((0.0, 0.0), (4.0, 0.0), (4.0, 3.0), (0.0, 3.0))
