"""Parameter specifications: what a user can set on an operation.

A spec knows its label, default, range and help text, how to check and coerce
a value (from a slider, a recipe file or the command line), and how the value
scales when an operation is previewed on a downscaled proxy. The UI builds
widgets from the spec's ``kind``; the command line parses with ``parse``.

Values are plain, hashable Python data (float, int, str, bool, tuples), so a
step's parameters can key a cache and round-trip through JSON.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from .errors import ParamError

__all__ = [
    "ProxyScaling",
    "Param",
    "FloatParam",
    "IntParam",
    "ChoiceParam",
    "BoolParam",
    "ColorParam",
    "PointParam",
    "RectParam",
    "KernelParam",
    "CurveParam",
    "QuadParam",
    "MatrixParam",
]


class ProxyScaling(Enum):
    """How a value changes when the image is previewed at scale ``s``.

    ``LENGTH`` values are distances or positions in pixels (multiplied by s),
    ``AREA`` values are pixel counts (multiplied by s squared), and ``NONE``
    values (amounts, angles, gamma, levels) are the same at every scale.
    """

    NONE = "none"
    LENGTH = "length"
    AREA = "area"

    def factor(self, s: float) -> float:
        return {"none": 1.0, "length": s, "area": s * s}[self.value]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ParamError(f"{name} must be a number, got {value!r}")
    if not isinstance(value, (int, float)):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParamError(f"{name} must be a number, got {value!r}") from None
    value = float(value)
    if not math.isfinite(value):
        raise ParamError(f"{name} must be finite, got {value!r}")
    return value


@dataclass(frozen=True)
class Param:
    """Base of all parameter specs.

    Attributes
    ----------
    name : str
        Keyword argument of the processing function.
    label : str
        Text shown beside the widget.
    default : Any
        Value used when none is given.
    help : str
        Tooltip and command-line help.
    """

    kind: ClassVar[str] = "abstract"
    name: str
    label: str
    default: Any
    help: str = ""

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ParamError."""
        raise NotImplementedError

    def scale(self, value: Any, s: float) -> Any:
        """Return the value to use on a proxy ``s`` times the full size."""
        return value

    def parse(self, text: str) -> Any:
        """Parse a command-line string into a valid value."""
        return self.validate(text)

    def to_json(self, value: Any) -> Any:
        """Plain JSON form of a valid value."""
        return value

    def describe(self, value: Any) -> str:
        """Short text for the history list ("radius 4.0")."""
        return f"{self.label.lower()} {value}"


@dataclass(frozen=True)
class FloatParam(Param):
    """A real number set with a slider and a spin box.

    Examples
    --------
    >>> p = FloatParam("sigma", "Radius", 2.0, minimum=0.0, maximum=100.0, scaling=ProxyScaling.LENGTH)
    >>> p.validate("3.5"), p.scale(8.0, 0.25)
    (3.5, 2.0)
    """

    kind: ClassVar[str] = "float"
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.01
    decimals: int = 2
    log: bool = False
    scaling: ProxyScaling = ProxyScaling.NONE

    def validate(self, value: Any) -> float:
        number = _number(self.name, value)
        if not self.minimum <= number <= self.maximum:
            raise ParamError(
                f"{self.name} must be between {self.minimum:g} and {self.maximum:g}, got {number:g}"
            )
        return number

    def scale(self, value: float, s: float) -> float:
        return value * self.scaling.factor(s)

    def describe(self, value: Any) -> str:
        return f"{self.label.lower()} {value:.{self.decimals}f}"


@dataclass(frozen=True)
class IntParam(Param):
    """A whole number set with a slider and a spin box.

    Examples
    --------
    >>> p = IntParam("radius", "Radius", 3, minimum=0, maximum=50, scaling=ProxyScaling.LENGTH)
    >>> p.validate(4.0), p.scale(20, 0.25), p.scale(1, 0.1)
    (4, 5, 0)
    """

    kind: ClassVar[str] = "int"
    minimum: int = 0
    maximum: int = 100
    step: int = 1
    log: bool = False
    scaling: ProxyScaling = ProxyScaling.NONE

    def validate(self, value: Any) -> int:
        number = _number(self.name, value)
        if not number.is_integer():
            raise ParamError(f"{self.name} must be a whole number, got {value!r}")
        number = int(number)
        if not self.minimum <= number <= self.maximum:
            raise ParamError(f"{self.name} must be between {self.minimum} and {self.maximum}, got {number}")
        return number

    def scale(self, value: int, s: float) -> int:
        if self.scaling is ProxyScaling.NONE:
            return value
        return max(min(self.minimum, value), int(round(value * self.scaling.factor(s))))


@dataclass(frozen=True)
class ChoiceParam(Param):
    """One of a fixed set of string values, shown as a combo box.

    ``choices`` is a tuple of ``(value, label)`` pairs.

    Examples
    --------
    >>> p = ChoiceParam("mode", "Mode", "luma", choices=(("luma", "Luminance"), ("rgb", "Per channel")))
    >>> p.validate("rgb")
    'rgb'
    """

    kind: ClassVar[str] = "choice"
    choices: tuple[tuple[str, str], ...] = ()

    def validate(self, value: Any) -> str:
        values = [v for v, _ in self.choices]
        if value not in values:
            raise ParamError(f"{self.name} must be one of {', '.join(values)}; got {value!r}")
        return value

    def describe(self, value: Any) -> str:
        return dict(self.choices).get(value, str(value)).lower()


@dataclass(frozen=True)
class BoolParam(Param):
    """An on/off switch, shown as a check box.

    Examples
    --------
    >>> BoolParam("expand", "Expand", False).parse("yes")
    True
    """

    kind: ClassVar[str] = "bool"

    def validate(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        raise ParamError(f"{self.name} must be true or false, got {value!r}")

    def parse(self, text: str) -> bool:
        lowered = str(text).strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ParamError(f"{self.name} must be true or false, got {text!r}")

    def describe(self, value: Any) -> str:
        return self.label.lower() if value else f"no {self.label.lower()}"


def _tuple_of_numbers(name: str, value: Any, length: int | None) -> tuple[float, ...]:
    if isinstance(value, str):
        value = [part for part in value.replace(",", " ").split() if part]
    try:
        items = tuple(_number(name, v) for v in value)
    except TypeError:
        raise ParamError(f"{name} must be a list of numbers, got {value!r}") from None
    if length is not None and len(items) != length:
        raise ParamError(f"{name} must have {length} numbers, got {len(items)}")
    return items


@dataclass(frozen=True)
class ColorParam(Param):
    """An RGB colour with components in [0, 1].

    Examples
    --------
    >>> ColorParam("fill", "Fill", (0.0, 0.0, 0.0)).parse("1, 0.5, 0")
    (1.0, 0.5, 0.0)
    """

    kind: ClassVar[str] = "color"

    def validate(self, value: Any) -> tuple[float, float, float]:
        rgb = _tuple_of_numbers(self.name, value, 3)
        if not all(0.0 <= c <= 1.0 for c in rgb):
            raise ParamError(f"{self.name} components must be in [0, 1], got {rgb}")
        return rgb

    def to_json(self, value):
        return list(value)


@dataclass(frozen=True)
class PointParam(Param):
    """A pixel position ``(x, y)`` picked on the canvas; scales with the proxy.

    Examples
    --------
    >>> PointParam("seed_xy", "Seed", (0.0, 0.0)).scale((100.0, 40.0), 0.5)
    (50.0, 20.0)
    """

    kind: ClassVar[str] = "point"

    def validate(self, value: Any) -> tuple[float, float]:
        x, y = _tuple_of_numbers(self.name, value, 2)
        if x < 0 or y < 0:
            raise ParamError(f"{self.name} must not be negative, got ({x:g}, {y:g})")
        return (x, y)

    def scale(self, value, s: float):
        return tuple(v * s for v in value)

    def to_json(self, value):
        return list(value)

    def describe(self, value: Any) -> str:
        return f"{self.label.lower()} ({value[0]:.0f}, {value[1]:.0f})"


@dataclass(frozen=True)
class RectParam(Param):
    """A rectangle ``(x, y, width, height)`` in pixels, dragged on the canvas.

    Examples
    --------
    >>> RectParam("rect", "Area", (0, 0, 10, 10)).scale((8, 8, 40, 20), 0.5)
    (4.0, 4.0, 20.0, 10.0)
    """

    kind: ClassVar[str] = "rect"

    def validate(self, value: Any) -> tuple[float, float, float, float]:
        x, y, w, h = _tuple_of_numbers(self.name, value, 4)
        if x < 0 or y < 0 or w <= 0 or h <= 0:
            raise ParamError(f"{self.name} needs x, y >= 0 and a positive size, got ({x:g}, {y:g}, {w:g}, {h:g})")
        return (x, y, w, h)

    def scale(self, value, s: float):
        return tuple(v * s for v in value)

    def to_json(self, value):
        return list(value)


@dataclass(frozen=True)
class KernelParam(Param):
    """A square convolution kernel typed by the user (odd size), with presets.

    ``presets`` maps a preset name to a kernel (tuple of row tuples).

    Examples
    --------
    >>> KernelParam("kernel", "Kernel", ((0, 0, 0), (0, 1, 0), (0, 0, 0))).validate([[1, 2, 1]] * 3)
    ((1.0, 2.0, 1.0), (1.0, 2.0, 1.0), (1.0, 2.0, 1.0))
    """

    kind: ClassVar[str] = "kernel"
    sizes: tuple[int, ...] = (3, 5, 7)
    presets: tuple[tuple[str, tuple[tuple[float, ...], ...]], ...] = ()

    def validate(self, value: Any) -> tuple[tuple[float, ...], ...]:
        if isinstance(value, str):
            value = [row for row in value.split(";") if row.strip()]
        try:
            rows = tuple(_tuple_of_numbers(self.name, row, None) for row in value)
        except TypeError:
            raise ParamError(f"{self.name} must be a square grid of numbers") from None
        n = len(rows)
        if n not in self.sizes or any(len(r) != n for r in rows):
            sizes = ", ".join(f"{k}x{k}" for k in self.sizes)
            raise ParamError(f"{self.name} must be a square grid of size {sizes}; got {n} rows")
        return rows

    def to_json(self, value):
        return [list(r) for r in value]

    def describe(self, value: Any) -> str:
        for name, kernel in self.presets:
            if tuple(tuple(float(v) for v in r) for r in kernel) == value:
                return f"{self.label.lower()} {name}"
        return f"{len(value)}x{len(value)} {self.label.lower()}"


@dataclass(frozen=True)
class CurveParam(Param):
    """Control points ``((x0, y0), (x1, y1), ...)`` of a tone curve in [0, 1].

    Examples
    --------
    >>> CurveParam("points", "Curve", ((0, 0), (1, 1))).validate([[0, 0], [0.5, 0.6], [1, 1]])
    ((0.0, 0.0), (0.5, 0.6), (1.0, 1.0))
    """

    kind: ClassVar[str] = "curve"

    def validate(self, value: Any):
        if isinstance(value, str):
            value = [p for p in value.split(";") if p.strip()]
        try:
            points = tuple(_tuple_of_numbers(self.name, p, 2) for p in value)
        except TypeError:
            raise ParamError(f"{self.name} must be a list of (x, y) points") from None
        if len(points) < 2:
            raise ParamError(f"{self.name} needs at least 2 points, got {len(points)}")
        xs = [p[0] for p in points]
        if any(b <= a for a, b in zip(xs, xs[1:])):
            raise ParamError(f"{self.name} x values must increase strictly, got {xs}")
        if not all(0 <= c <= 1 for p in points for c in p):
            raise ParamError(f"{self.name} coordinates must be in [0, 1]")
        return points

    def to_json(self, value):
        return [list(p) for p in value]

    def describe(self, value: Any) -> str:
        return f"{self.label.lower()} ({len(value)} points)"


@dataclass(frozen=True)
class QuadParam(Param):
    """Four corner points ``((x, y) * 4)`` in pixels: top-left, top-right,
    bottom-right, bottom-left.

    Examples
    --------
    >>> QuadParam("quad", "Corners", ((0, 0), (9, 0), (9, 9), (0, 9))).scale(((0, 0), (8, 0), (8, 8), (0, 8)), 0.5)[2]
    (4.0, 4.0)
    """

    kind: ClassVar[str] = "quad"

    def validate(self, value: Any):
        if isinstance(value, str):
            value = [p for p in value.split(";") if p.strip()]
        try:
            points = tuple(_tuple_of_numbers(self.name, p, 2) for p in value)
        except TypeError:
            raise ParamError(f"{self.name} must be four (x, y) points") from None
        if len(points) != 4:
            raise ParamError(f"{self.name} must be four (x, y) points, got {len(points)}")
        return points

    def scale(self, value, s: float):
        return tuple((x * s, y * s) for x, y in value)

    def to_json(self, value):
        return [list(p) for p in value]

    def describe(self, value: Any) -> str:
        return self.label.lower()


@dataclass(frozen=True)
class MatrixParam(Param):
    """A 2x3 affine matrix ``((a, b, tx), (c, d, ty))`` mapping output to input
    or input to output as the operation documents; translations scale with the proxy.

    Examples
    --------
    >>> MatrixParam("matrix", "Matrix", ((1, 0, 0), (0, 1, 0))).scale(((1, 0, 10), (0, 1, 4)), 0.5)
    ((1.0, 0.0, 5.0), (0.0, 1.0, 2.0))
    """

    kind: ClassVar[str] = "matrix"

    def validate(self, value: Any):
        if isinstance(value, str):
            value = [r for r in value.split(";") if r.strip()]
        try:
            rows = tuple(_tuple_of_numbers(self.name, r, 3) for r in value)
        except TypeError:
            raise ParamError(f"{self.name} must be two rows of three numbers") from None
        if len(rows) != 2:
            raise ParamError(f"{self.name} must be two rows of three numbers, got {len(rows)} rows")
        return rows

    def scale(self, value, s: float):
        return tuple((float(a), float(b), float(t) * s) for a, b, t in value)

    def to_json(self, value):
        return [list(r) for r in value]

    def describe(self, value: Any) -> str:
        return self.label.lower()
