"""An operation: a processing function with the parameter specs a user sets."""
from __future__ import annotations

import copy
import dataclasses
import inspect
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from processing._parallel import workers
from processing._progress import Progress

from .errors import ParamError
from .memory_guard import check_allocation, image_bytes, shape_text
from .params import FROM_FUNCTION, Param

__all__ = ["Operation", "plain_text"]

_ROLE = re.compile(r":(?:func|meth|class|mod|attr|data|obj|exc|ref):`~?(?:[\w.]*\.)?([^`<]+?)(?:\s*<[^>]*>)?`")


def plain_text(text: str) -> str:
    """reST and numpydoc markup removed, for text shown to users.

    Roles (``:func:`name```) become the bare name, literal and interpreted
    text lose their backticks, lines are joined.

    Examples
    --------
    >>> plain_text("Tint the region of :func:`~processing.segmentation.region_grow`.")
    'Tint the region of region_grow.'
    >>> plain_text("Multiply by ``2 ** stops``\\nand `clip`.")
    'Multiply by 2 ** stops and clip.'
    """
    text = _ROLE.sub(r"\1", text)
    text = text.replace("``", "").replace("`", "")
    return " ".join(text.split())


def _accepts(function: Callable[..., Any], name: str) -> bool:
    """Whether ``function`` accepts the keyword ``name``."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    spec = parameters.get(name)
    if spec is not None:
        return spec.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


@dataclass(frozen=True)
class Operation:
    """One entry of the catalog.

    Attributes
    ----------
    id : str
        Stable identifier used in recipes and on the command line, such as
        ``"filter.gaussian_blur"``.
    title : str
        Name shown in the sidebar ("Gaussian blur").
    category : str
        Sidebar group ("Filters").
    function : callable
        ``function(image, **params) -> image``: a pure processing function.
    params : tuple of Param
        What the user can set, in display order.
    live : bool
        Fast enough to re-render while a slider moves; slow operations
        preview when the gesture ends, with progress and Cancel.
    changes_size : bool
        The output may differ in shape from the input (crop, rotate, resize).
    description : str
        One line for the sidebar, written for users. Without one, the
        docstring's summary is used with its reST markup removed, which
        may still name parameters; the catalog gives every entry its own.
    margin : int or callable, optional
        How far, in pixels, an output pixel's value reaches into the input:
        0 for point operations, a radius for local filters, as an int or a
        function of the parameters. None (the default) means the operation
        needs the whole image (histograms, global statistics, geometry), so
        it cannot be rendered region by region; a function returns None for
        parameters that need the whole image (an automatic strength measured
        on all of it).
    canvas_rect : tuple of four str, optional
        Names of the x, y, width and height parameters that a rectangle
        dragged on the canvas sets (crop).
    takes_progress : bool
        Whether the function accepts the ``progress`` callback (found from
        its signature when the operation is made); :meth:`apply` passes it
        on only then.
    output_shape : callable, optional
        ``output_shape(shape, params) -> shape`` for an operation that
        changes the size: the result's ``(H, W)`` or ``(H, W, C)`` for an
        input of ``shape``, computed from the parameters without running it,
        so the memory guard can refuse an output that cannot fit. Without
        it the output has the input's height and width.
    working_buffers : float
        Image-sized float32 buffers the function needs besides its output
        (separable passes, padded copies), for the memory estimate.
    thread_scratch : int
        Bytes each worker thread needs whatever the image size (a tile's
        buffers), added once per thread of the pool to the estimate.
    check : callable, optional
        ``check(values) -> (name, message) or None``: a rule that ties
        parameters together (Canny's high threshold at least its low one),
        so that values each in range but refused together by the function
        are refused by validation, naming the parameter.
    mask_argument : str, optional
        For an operation whose function uses the step's mask itself (the
        holes to inpaint, the sample to synthesise from), the keyword it
        takes it by. The renderer then passes the mask (a 2-D array of
        weights 0 to 1 at the rendered resolution, or None when the step has
        none) instead of blending the result through it.

    Examples
    --------
    >>> from processing.tone import brightness_contrast
    >>> from editor.params import FloatParam
    >>> op = Operation("tone.bc", "Brightness", "Tone", brightness_contrast,
    ...                (FloatParam("brightness", "Brightness", 0.0, minimum=-1, maximum=1),))
    >>> op.apply(np.full((1, 1), 0.5, np.float32), {"brightness": 0.25}).tolist()
    [[0.75]]
    """

    id: str
    title: str
    category: str
    function: Callable[..., np.ndarray]
    params: tuple[Param, ...] = ()
    live: bool = True
    changes_size: bool = False
    description: str = ""
    margin: int | Callable[[Mapping[str, Any]], int] | None = None
    canvas_rect: tuple[str, str, str, str] | None = None
    # Decided once, here, rather than on every call.
    takes_progress: bool = field(init=False, repr=False, compare=False, default=False)
    output_shape: Callable[[tuple[int, ...], Mapping[str, Any]], tuple[int, ...]] | None = None
    working_buffers: float = 2.0
    thread_scratch: int = 0
    check: Callable[[Mapping[str, Any]], tuple[str, str] | None] | None = None
    mask_argument: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "takes_progress", _accepts(self.function, "progress"))
        if self.mask_argument is not None and not _accepts(self.function, self.mask_argument):
            raise ValueError(f"{self.id}: the function takes no {self.mask_argument!r} argument for the step's mask")
        if not self.description:
            doc = inspect.getdoc(self.function) or ""
            object.__setattr__(self, "description", plain_text(doc.split("\n\n")[0]))
        object.__setattr__(self, "params", tuple(self._with_function_defaults()))
        names = {spec.name for spec in self.params}
        for spec in self.params:
            if spec.used_when is not None and spec.used_when[0] not in names - {spec.name}:
                raise ValueError(f"{self.id}: {spec.name!r} is used when {spec.used_when[0]!r} is set, "
                                 "which is not another parameter of the operation")

    def _with_function_defaults(self):
        """The specs with the function's defaults filled in and checked.

        The function's signature is the truth for defaults: a spec without one
        takes the function's, and a spec that repeats it must agree (or say
        in ``default_reason`` why the editor starts elsewhere).
        """
        try:
            signature = inspect.signature(self.function).parameters
        except (TypeError, ValueError):  # a builtin without a signature
            signature = {}
        for spec in self.params:
            argument = signature.get(spec.name)
            has_default = argument is not None and argument.default is not inspect.Parameter.empty
            if spec.default is FROM_FUNCTION:
                if not has_default:
                    raise ValueError(f"{self.id}: parameter {spec.name!r} needs a default (the function has none)")
                try:
                    value = spec.validate(argument.default)
                except ParamError as exc:
                    raise ValueError(f"{self.id}: the function's default for {spec.name!r} is invalid: {exc}") from None
                yield dataclasses.replace(spec, default=value)
                continue
            if has_default and not spec.default_reason:
                try:
                    agrees = spec.validate(argument.default) == spec.default
                except ParamError:
                    agrees = False
                if not agrees:
                    raise ValueError(
                        f"{self.id}: parameter {spec.name!r} has default {spec.default!r} but the function says "
                        f"{argument.default!r}; leave it out to use the function's, or give a default_reason"
                    )
            yield spec

    def margin_for(self, values: Mapping[str, Any]) -> int | None:
        """Pixels of context this operation needs around a region, or None."""
        if self.margin is None or self.changes_size:
            return None
        margin = self.margin(values) if callable(self.margin) else self.margin
        return None if margin is None else int(margin)

    def param(self, name: str) -> Param:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise ParamError(f"{self.title} has no parameter {name!r}")

    def defaults(self) -> dict[str, Any]:
        """Every parameter at its default value (see :meth:`for_image` for
        defaults that follow the image)."""
        return {p.name: p.default for p in self.params}

    @property
    def follows_image(self) -> bool:
        """Whether some parameter's range or default depends on the image."""
        return any(p.follows_image for p in self.params)

    def for_image(self, shape: tuple[int, ...], values: Mapping[str, Any] | None = None) -> "Operation":
        """This operation with its parameter specs bound to an image of ``shape``.

        Ranges and defaults that depend on the image become concrete: crop
        defaults to the whole image with sliders up to its width and height,
        the magic wand's seed stays on its pixels. ``values`` (a step's
        current parameters) widen a range that would not hold them, so a
        step made on a larger image shows its value rather than a clamped one.
        Validation of steps and recipes uses the unbound catalog entry.

        Parameters
        ----------
        shape : tuple
            ``(H, W)`` or ``(H, W, C)`` of the image the operation applies
            to (the input of the step).
        values : mapping, optional
            Current values to keep in range.

        Examples
        --------
        >>> from editor.catalog import CATALOG
        >>> crop = CATALOG.get("geometry.crop").for_image((400, 600, 3))
        >>> crop.defaults()
        {'x': 0, 'y': 0, 'width': 600, 'height': 400}
        >>> crop.param("width").maximum, crop.param("x").maximum
        (600, 599)
        """
        values = values or {}
        if not self.follows_image:
            return self
        bound = copy.copy(self)  # not dataclasses.replace: bound defaults differ from the function's by design
        object.__setattr__(bound, "params", tuple(p.bound_to(shape, values.get(p.name)) for p in self.params))
        return bound

    def validate(self, values: Mapping[str, Any], *, fill_defaults: bool = True) -> dict[str, Any]:
        """Check and coerce ``values``; unknown names are an error.

        With ``fill_defaults=False`` a missing parameter is an error too, as a
        recipe must say everything it means.
        """
        unknown = set(values) - {p.name for p in self.params}
        if unknown:
            raise ParamError(f"{self.title} has no parameter {', '.join(sorted(map(repr, unknown)))}")
        result = {}
        for spec in self.params:
            if spec.name in values:
                result[spec.name] = spec.validate(values[spec.name])
            elif fill_defaults:
                result[spec.name] = spec.default
            else:
                raise ParamError(f"{self.title}: parameter {spec.name!r} is missing")
        problem = self.combination_problem(result)
        if problem is not None:
            raise ParamError(problem[1])
        return result

    def combination_problem(self, values: Mapping[str, Any]) -> tuple[str, str] | None:
        """(parameter name, message) when valid values are refused together, else None."""
        if self.check is None:
            return None
        return self.check(values)

    def scaled(self, values: Mapping[str, Any], scale: float) -> dict[str, Any]:
        """Parameters to use on a proxy ``scale`` times the full size."""
        if scale == 1.0:
            return dict(values)
        return {p.name: p.scale(values[p.name], scale) for p in self.params if p.name in values}

    def result_shape(self, shape: tuple[int, ...], values: Mapping[str, Any]) -> tuple[int, ...]:
        """The output's shape for an input of ``shape``, without running the function.

        Channels are counted at least three (an overlay turns gray into
        colour), so the estimate errs on the large side.

        Examples
        --------
        >>> from editor.catalog import CATALOG
        >>> CATALOG.get("geometry.resize").result_shape((100, 50, 4), {"mode": "scale", "scale": 2.0})
        (200, 100, 4)
        """
        shape = tuple(int(n) for n in shape)
        height, width = shape[:2]
        channels = max(3, shape[2] if len(shape) == 3 else 1)
        if self.output_shape is not None:
            try:
                out = tuple(self.output_shape(shape, values))
            except (ArithmeticError, ValueError, TypeError, KeyError):  # the function's own check will say why
                out = None
            if out is not None:
                height, width = out[:2]
                if len(out) == 3:
                    channels = max(channels, out[2])
        return (height, width, channels)

    def estimate_bytes(self, shape: tuple[int, ...], values: Mapping[str, Any]) -> int:
        """Bytes this operation would allocate on an input of ``shape``: output plus working buffers."""
        quarters = round(4 * (1 + self.working_buffers))  # integers: a hostile size must not overflow a float
        scratch = self.thread_scratch * workers() if self.thread_scratch else 0
        return image_bytes(self.result_shape(shape, values)) * quarters // 4 + scratch

    def check_memory(self, shape: tuple[int, ...], values: Mapping[str, Any]) -> None:
        """Raise :class:`editor.memory_guard.MemoryLimitError` if the result cannot fit in memory."""
        needed = self.estimate_bytes(shape, values)
        out = self.result_shape(shape, values)
        what = f"{self.title} of this {shape_text(shape)} image"
        if out[:2] != tuple(shape[:2]) and max(out[:2]) < 10**9:
            what += f" (giving {shape_text(out)} pixels)"
        check_allocation(needed, what)

    def apply(self, image: np.ndarray, values: Mapping[str, Any], *, scale: float = 1.0,
              progress: Progress | None = None, mask: np.ndarray | None = None) -> np.ndarray:
        """Run the function on ``image`` with validated, proxy-scaled parameters.

        The memory the result needs is checked first (see :meth:`check_memory`).
        ``progress`` (called with the fraction done, 0 to 1; it may raise to
        stop the work) reaches functions that accept it; the others run to
        the end without reporting. ``mask`` reaches the function of an
        operation with a ``mask_argument`` (None included); the others
        ignore it, the caller blending their result through it.
        """
        scaled = self.scaled(values, scale)
        self.check_memory(image.shape, scaled)
        if self.mask_argument is not None:
            scaled[self.mask_argument] = mask
        if progress is not None and self.takes_progress:
            return self.function(image, **scaled, progress=progress)
        return self.function(image, **scaled)

    def summary(self, values: Mapping[str, Any]) -> str:
        """Short text for the history list: "Gaussian blur, radius 4.00"."""
        parts = [p.describe(values[p.name]) for p in self.params if p.name in values]
        return ", ".join([self.title] + parts)
