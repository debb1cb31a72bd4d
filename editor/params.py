"""Parameter specifications: what a user can set on an operation.

A spec knows its label, default, range and help text, how to check and coerce
a value (from a slider, a recipe file or the command line), and how the value
scales when an operation is previewed on a downscaled proxy. The UI builds
widgets from the spec's ``kind``; the command line parses with ``parse``.

Values are plain, hashable Python data (float, int, str, bool, tuples), so a
step's parameters can key a cache and round-trip through JSON.

Three ways in, one judge per kind:

- ``validate`` takes Python values and is lenient where people type
  ("3.5" for a number), for sliders and the command line (``parse``).
- ``from_json`` takes a value read from a file (recipe, project) and is
  strict: the JSON shape must be the kind's own (a number, not text that
  looks like one; a list of numbers, not a string), then ``validate``
  checks the range. Every kind must define it: a kind that forgets fails at
  class creation, so it cannot silently lose the strict check.
- ``bound_to(shape)`` gives the spec for one image: ranges and defaults that
  follow the image (a crop's width up to the image's width, a point inside
  it) become concrete numbers for the widgets. The unbound spec keeps the
  image-independent limits, which is what a recipe applied to other images
  is validated against.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, ClassVar, Union

from .errors import ParamError

__all__ = [
    "FROM_FUNCTION",
    "PICK_SOURCES",
    "Extent",
    "image_extent",
    "json_type",
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
    "VariantParam",
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
    try:
        # A JSON integer can have any number of digits: float() overflows.
        value = float(value)
    except OverflowError:
        raise ParamError(f"{name} must be a number of sensible size, got {_short(value)}") from None
    except (TypeError, ValueError):
        raise ParamError(f"{name} must be a number, got {_short(value)}") from None
    if not math.isfinite(value):
        raise ParamError(f"{name} must be finite, got {value!r}")
    return value


def _short(value: Any) -> str:
    """``repr(value)`` cut to a length fit for a message (a file may hold megabytes)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- strict JSON shapes ------------------------------------------------------------------
def json_type(value: Any) -> str:
    """What a JSON value is, in words, for messages.

    Examples
    --------
    >>> json_type([1]), json_type(True), json_type(None)
    ('a list', 'true/false', 'null')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_json_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _json_excerpt(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _wrong_json(name: str, wanted: str, value: Any) -> ParamError:
    return ParamError(f"{name} must be {wanted}, got {json_type(value)} ({_json_excerpt(value)})")


def _json_numbers(name: str, value: Any) -> list:
    """``value`` if it is a JSON list of numbers, else ParamError."""
    if not isinstance(value, list) or not all(_is_json_number(v) for v in value):
        raise _wrong_json(name, "a list of numbers", value)
    return value


def _json_rows(name: str, value: Any) -> list:
    """``value`` if it is a JSON list of lists of numbers, else ParamError."""
    if not isinstance(value, list) or not all(
        isinstance(row, list) and all(_is_json_number(v) for v in row) for row in value
    ):
        raise _wrong_json(name, "a list of lists of numbers", value)
    return value


# -- values that follow the image -------------------------------------------------------
Extent = Union[str, Callable[[int, int], Any]]
"""A quantity of the image a range or default follows: one of the names of
:func:`image_extent`, or a function ``(height, width) -> value``."""

_EXTENTS: dict[str, Callable[[int, int], Any]] = {
    "width": lambda h, w: w,
    "height": lambda h, w: h,
    "last_column": lambda h, w: w - 1,
    "last_row": lambda h, w: h - 1,
    "area": lambda h, w: h * w,
}


def image_extent(extent: Extent, shape: tuple[int, ...]) -> Any:
    """The value of ``extent`` for an image of ``shape`` ``(H, W[, C])``.

    Names: ``"width"``, ``"height"``, ``"last_column"`` (W - 1),
    ``"last_row"`` (H - 1), ``"area"`` (W H); or any function of
    ``(height, width)``.

    Examples
    --------
    >>> image_extent("width", (400, 600, 3)), image_extent(lambda h, w: -w, (400, 600))
    (600, -600)
    """
    height, width = int(shape[0]), int(shape[1])
    if callable(extent):
        return extent(height, width)
    try:
        return _EXTENTS[extent](height, width)
    except KeyError:
        raise ValueError(f"unknown image extent {extent!r}; use one of {', '.join(_EXTENTS)} or a function") from None


PICK_SOURCES = ("luminance", "color")
_REC709_LUMA = (0.2126, 0.7152, 0.0722)  # as the threshold and grayscale operations weigh R, G and B
"""What a click on the image can set a parameter to (``Param.pick``)."""


class _FromFunction:
    """Marker default: the operation takes it from its function's signature."""

    def __repr__(self) -> str:
        return "FROM_FUNCTION"

    def __reduce__(self):
        return "FROM_FUNCTION"


FROM_FUNCTION = _FromFunction()
"""A Param's default when none is written: :class:`~editor.operations.Operation`
fills it from the processing function's own default (the single truth)."""


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
        Value used when none is given. Leave it out (:data:`FROM_FUNCTION`)
        to take the function's own default: the function's signature is the
        truth for defaults (see :mod:`editor.catalog`).
    help : str
        Tooltip and command-line help.
    default_reason : str
        Why this spec's default differs from the function's, when it must
        (the custom kernel starts at "sharpen" so the preview shows
        something); an operation refuses a differing default without one.
    default_from : Extent, optional
        The default follows the image (see :meth:`bound_to`): crop width
        defaults to the image's width.
    pick : str, optional
        The value can be picked from the image with a click (the panel shows
        a pick button): ``"luminance"`` takes the brightness (Rec. 709 luma)
        of the pixels around the click, for levels and thresholds;
        ``"color"`` their mean colour. See :data:`PICK_SOURCES`.
    used_when : (str, value), optional
        The value matters only while another parameter of the operation has
        that value (a strength set by hand only while Auto is off); the
        panel greys it out otherwise.

    Subclasses set ``kind`` and define ``validate`` and ``from_json``.
    """

    kind: ClassVar[str] = "abstract"
    name: str
    label: str
    default: Any = FROM_FUNCTION
    help: str = ""
    default_reason: str = ""
    default_from: Extent | None = None
    pick: str | None = None
    used_when: tuple[str, Any] | None = None

    def __post_init__(self):
        if self.pick is not None and self.pick not in PICK_SOURCES:
            raise ValueError(f"{self.name}: pick must be one of {', '.join(PICK_SOURCES)}, got {self.pick!r}")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A kind without its own strict reader would let files through with
        # only the lenient command-line check: refuse to define it at all.
        for method in ("validate", "from_json"):
            if getattr(cls, method) is getattr(Param, method):
                raise TypeError(f"{cls.__name__} (a parameter kind) must define {method}()")

    def validate(self, value: Any) -> Any:
        """Return ``value`` coerced to this parameter's type, or raise ParamError."""
        raise NotImplementedError

    def from_sample(self, sample) -> Any:
        """The value a click on the image sets (see ``pick``), from the mean
        pixel around the click: one value per channel (gray, RGB or RGBA).

        Examples
        --------
        >>> level = FloatParam("level", "Level", 0.5, pick="luminance", decimals=3)
        >>> level.from_sample((0.2, 0.6, 0.9))  # 0.2126 * 0.2 + 0.7152 * 0.6 + 0.0722 * 0.9
        0.537
        >>> ColorParam("ref", "Reference", (0.5, 0.5, 0.5), pick="color").from_sample((0.25,))
        (0.25, 0.25, 0.25)
        """
        if self.pick is None:
            raise ParamError(f"{self.name} cannot be picked from the image")
        values = [float(v) for v in sample]
        if not values:
            raise ParamError(f"{self.name}: no pixel values to pick from")
        color = values[:3] if len(values) >= 3 else values[:1] * 3
        if self.pick == "color":
            return self.validate(tuple(min(1.0, max(0.0, v)) for v in color))
        luma = sum(w * v for w, v in zip(_REC709_LUMA, color))
        low, high = getattr(self, "minimum", 0.0), getattr(self, "maximum", 1.0)
        luma = min(high, max(low, luma))
        decimals = getattr(self, "decimals", None)
        return self.validate(round(luma, decimals) if decimals is not None else luma)

    def from_json(self, value: Any) -> Any:
        """The valid value for ``value`` read from a JSON file, or ParamError.

        Strict about the JSON type (no text for numbers, no string for a
        list), then as ``validate`` about the range.
        """
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

    @property
    def follows_image(self) -> bool:
        """Whether :meth:`bound_to` changes this spec for an image."""
        return self.default_from is not None

    def bound_to(self, shape: tuple[int, ...], value: Any = None) -> "Param":
        """This spec for an image of ``shape`` ``(H, W[, C])``.

        Ranges and defaults that follow the image become concrete; the range
        never grows beyond the unbound spec's, except to hold ``value`` (a
        step's current value, shown as it is even when it came from a larger
        image). Bind the catalog's spec, not a bound one.

        Examples
        --------
        >>> spec = IntParam("width", "Width", 100_000, minimum=1, maximum=100_000,
        ...                 maximum_from="width", default_from="width")
        >>> bound = spec.bound_to((400, 600))
        >>> bound.default, bound.minimum, bound.maximum
        (600, 1, 600)
        >>> spec.bound_to((400, 600), value=900).maximum  # a value from a larger image
        900
        """
        if self.default_from is None:
            return self
        return dataclasses.replace(self, default=self._bound_default(shape), default_from=None)

    def _bound_default(self, shape: tuple[int, ...]) -> Any:
        if self.default_from is None:
            return self.default
        try:
            return self.validate(image_extent(self.default_from, shape))
        except ParamError:
            return self.default


def _bind_range(spec, shape: tuple[int, ...], value: Any, convert: Callable[[Any], Any]):
    """``spec`` (a FloatParam or IntParam) with its range and default for ``shape``."""
    low, high = spec.minimum, spec.maximum
    if spec.minimum_from is not None:
        low = min(max(convert(image_extent(spec.minimum_from, shape)), spec.minimum), spec.maximum)
    if spec.maximum_from is not None:
        high = max(min(convert(image_extent(spec.maximum_from, shape)), spec.maximum), low)
    if value is not None:
        try:
            current = spec.validate(value)
        except ParamError:
            current = None
        if current is not None:
            low, high = min(low, current), max(high, current)
    default = min(max(spec._bound_default(shape), low), high)
    return dataclasses.replace(
        spec, minimum=low, maximum=high, default=default, minimum_from=None, maximum_from=None, default_from=None
    )


@dataclass(frozen=True)
class FloatParam(Param):
    """A real number set with a slider and a spin box.

    ``minimum_from`` / ``maximum_from`` (an :data:`Extent`) make the range
    follow the image in :meth:`bound_to`, inside ``minimum``..``maximum``.

    Examples
    --------
    >>> p = FloatParam("sigma", "Radius", 2.0, minimum=0.0, maximum=100.0, scaling=ProxyScaling.LENGTH)
    >>> p.validate("3.5"), p.scale(8.0, 0.25)
    (3.5, 2.0)
    >>> p.from_json("3.5")
    Traceback (most recent call last):
    ...
    editor.errors.ParamError: sigma must be a number, got text ("3.5")
    """

    kind: ClassVar[str] = "float"
    minimum: float = 0.0
    maximum: float = 1.0
    step: float = 0.01
    decimals: int = 2
    log: bool = False
    scaling: ProxyScaling = ProxyScaling.NONE
    minimum_from: Extent | None = None
    maximum_from: Extent | None = None

    def validate(self, value: Any) -> float:
        number = _number(self.name, value)
        if not self.minimum <= number <= self.maximum:
            raise ParamError(
                f"{self.name} must be between {self.minimum:g} and {self.maximum:g}, got {number:g}"
            )
        return number

    def from_json(self, value: Any) -> float:
        if not _is_json_number(value):
            raise _wrong_json(self.name, "a number", value)
        return self.validate(value)

    def scale(self, value: float, s: float) -> float:
        return value * self.scaling.factor(s)

    def describe(self, value: Any) -> str:
        return f"{self.label.lower()} {value:.{self.decimals}f}"

    @property
    def follows_image(self) -> bool:
        return any(e is not None for e in (self.default_from, self.minimum_from, self.maximum_from))

    def bound_to(self, shape: tuple[int, ...], value: Any = None) -> "FloatParam":
        if not self.follows_image:
            return self
        return _bind_range(self, shape, value, float)


@dataclass(frozen=True)
class IntParam(Param):
    """A whole number set with a slider and a spin box.

    ``minimum_from`` / ``maximum_from`` as for :class:`FloatParam`.

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
    minimum_from: Extent | None = None
    maximum_from: Extent | None = None

    def validate(self, value: Any) -> int:
        number = _number(self.name, value)
        if not number.is_integer():
            raise ParamError(f"{self.name} must be a whole number, got {_short(value)}")
        number = int(number)
        if not self.minimum <= number <= self.maximum:
            raise ParamError(f"{self.name} must be between {self.minimum} and {self.maximum}, got {number}")
        return number

    def from_json(self, value: Any) -> int:
        if not _is_json_number(value):
            raise _wrong_json(self.name, "a number", value)
        return self.validate(value)

    def scale(self, value: int, s: float) -> int:
        if self.scaling is ProxyScaling.NONE:
            return value
        return max(min(self.minimum, value), int(round(value * self.scaling.factor(s))))

    @property
    def follows_image(self) -> bool:
        return any(e is not None for e in (self.default_from, self.minimum_from, self.maximum_from))

    def bound_to(self, shape: tuple[int, ...], value: Any = None) -> "IntParam":
        if not self.follows_image:
            return self
        return _bind_range(self, shape, value, lambda v: int(round(v)))


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
            raise ParamError(f"{self.name} must be one of {', '.join(values)}; got {_short(value)}")
        return value

    def from_json(self, value: Any) -> str:
        if not isinstance(value, str):
            raise _wrong_json(self.name, "text", value)
        return self.validate(value)

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
        raise ParamError(f"{self.name} must be true or false, got {_short(value)}")

    def from_json(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise _wrong_json(self.name, "true or false", value)
        return value

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
    except TypeError:  # not iterable
        raise ParamError(f"{name} must be a list of numbers, got {_short(value)}") from None
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

    def from_json(self, value: Any) -> tuple[float, float, float]:
        return self.validate(_json_numbers(self.name, value))

    def to_json(self, value):
        return list(value)

    def describe(self, value: Any) -> str:
        """The colour as a web colour, short enough for the history list.

        Examples
        --------
        >>> ColorParam("ref", "Neutral colour", (0.0, 0.0, 0.0)).describe((0.90519, 0.76553, 0.62255))
        'neutral colour #e7c39f'
        """
        return f"{self.label.lower()} #" + "".join(f"{round(c * 255):02x}" for c in value)


@dataclass(frozen=True)
class PointParam(Param):
    """A pixel position ``(x, y)`` picked on the canvas; scales with the proxy.

    ``maximum`` is the largest ``(x, y)`` allowed, None for no limit: the
    unbound spec has none (a recipe does not know its image), the spec
    :meth:`bound_to` an image keeps the point on its pixels.

    Examples
    --------
    >>> p = PointParam("seed_xy", "Seed", (0.0, 0.0))
    >>> p.scale((100.0, 40.0), 0.5), p.bound_to((400, 600)).maximum
    ((50.0, 20.0), (599.0, 399.0))
    """

    kind: ClassVar[str] = "point"
    maximum: tuple[float, float] | None = None

    def validate(self, value: Any) -> tuple[float, float]:
        x, y = _tuple_of_numbers(self.name, value, 2)
        if x < 0 or y < 0:
            raise ParamError(f"{self.name} must not be negative, got ({x:g}, {y:g})")
        if self.maximum is not None and (x > self.maximum[0] or y > self.maximum[1]):
            mx, my = self.maximum
            raise ParamError(f"{self.name} must be inside the image (x up to {mx:g}, y up to {my:g}), got ({x:g}, {y:g})")
        return (x, y)

    def from_json(self, value: Any) -> tuple[float, float]:
        return self.validate(_json_numbers(self.name, value))

    def scale(self, value, s: float):
        return tuple(v * s for v in value)

    def to_json(self, value):
        return list(value)

    def describe(self, value: Any) -> str:
        return f"{self.label.lower()} ({value[0]:.0f}, {value[1]:.0f})"

    @property
    def follows_image(self) -> bool:
        return True  # a position on the image's pixels, by definition

    def bound_to(self, shape: tuple[int, ...], value: Any = None) -> "PointParam":
        mx, my = float(image_extent("last_column", shape)), float(image_extent("last_row", shape))
        if value is not None:
            try:
                x, y = dataclasses.replace(self, maximum=None).validate(value)
                mx, my = max(mx, x), max(my, y)
            except ParamError:
                pass
        unbound = dataclasses.replace(self, maximum=None)
        dx, dy = unbound._bound_default(shape)
        return dataclasses.replace(self, maximum=(mx, my), default=(min(dx, mx), min(dy, my)), default_from=None)


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

    def from_json(self, value: Any) -> tuple[float, float, float, float]:
        return self.validate(_json_numbers(self.name, value))

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

    def from_json(self, value: Any) -> tuple[tuple[float, ...], ...]:
        return self.validate(_json_rows(self.name, value))

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

    def from_json(self, value: Any):
        return self.validate(_json_rows(self.name, value))

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

    def from_json(self, value: Any):
        return self.validate(_json_rows(self.name, value))

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

    def from_json(self, value: Any):
        return self.validate(_json_rows(self.name, value))

    def scale(self, value, s: float):
        return tuple((float(a), float(b), float(t) * s) for a, b, t in value)

    def to_json(self, value):
        return [list(r) for r in value]

    def describe(self, value: Any) -> str:
        return self.label.lower()


@dataclass(frozen=True)
class VariantParam(Param):
    """One drawn augmentation variant (see :mod:`processing.augment`), held as
    canonical JSON text (sorted keys, no spaces) so that it stays hashable
    and equal variants compare equal; written to recipes as the JSON object
    itself. Its geometry is in fractions of the image size, so it needs no
    scaling on a proxy.

    Examples
    --------
    >>> p = VariantParam("variant", "Variant", '{"ops":[],"shape":[1,1]}')
    >>> p.validate({"shape": [4, 4], "ops": [{"transform": "hflip"}]})
    '{"ops":[{"transform":"hflip"}],"shape":[4,4]}'
    >>> p.describe('{"ops":[{"angle_deg":7.25,"transform":"rotate"}],"shape":[4,4]}')
    'rotate angle 7.25 \u00b0'
    """

    kind: ClassVar[str] = "variant"

    @staticmethod
    def text(variant: Any) -> str:
        """A variant (dict, or its JSON text) checked and as canonical JSON
        text; raises ValueError naming the field at fault."""
        from processing.augment import check_variant

        if isinstance(variant, str):
            if len(variant) > 1 << 20:
                raise ValueError("a variant's text must be at most a megabyte")
            try:
                variant = json.loads(variant, parse_constant=_not_a_number)
            except (ValueError, RecursionError) as exc:
                raise ValueError(f"a variant must be JSON: {exc}") from None
        return json.dumps(check_variant(variant), sort_keys=True, separators=(",", ":"), allow_nan=False)

    def validate(self, value: Any) -> str:
        if not isinstance(value, (str, dict)):
            raise ParamError(f"{self.name} must be an augmentation variant, got {_short(value)}")
        try:
            return self.text(value)
        except ValueError as exc:
            raise ParamError(f"{self.name} is not a valid variant ({exc})") from None

    def from_json(self, value: Any) -> str:
        if not isinstance(value, dict):
            raise _wrong_json(self.name, "an object", value)
        return self.validate(value)

    def to_json(self, value: Any) -> Any:
        return json.loads(value)

    def describe(self, value: Any) -> str:
        from .variant_text import summary

        return summary(json.loads(value))


def _not_a_number(name: str):
    raise ValueError(f"{name} is not a valid number")
