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
