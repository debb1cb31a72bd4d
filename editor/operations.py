"""An operation: a processing function with the parameter specs a user sets."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np

from processing._progress import Progress

from .errors import ParamError
from .params import Param

__all__ = ["Operation"]


def _takes_progress(function: Callable[..., Any]) -> bool:
    """Whether ``function`` accepts a ``progress`` keyword (the processing
    library's cancel-and-progress callback)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):  # some builtins have no signature
        return False
    spec = parameters.get("progress")
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
        One line for the sidebar; defaults to the docstring's summary.
    margin : int or callable, optional
        How far, in pixels, an output pixel's value reaches into the input:
        0 for point operations, a radius for local filters, as an int or a
        function of the parameters. None (the default) means the operation
        needs the whole image (histograms, global statistics, geometry), so
        it cannot be rendered region by region.
    canvas_rect : tuple of four str, optional
        Names of the x, y, width and height parameters that a rectangle
        dragged on the canvas sets (crop).
    takes_progress : bool
        Whether the function accepts the ``progress`` callback (found from
        its signature when the operation is made); :meth:`apply` passes it
        on only then.

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

    def __post_init__(self):
        object.__setattr__(self, "takes_progress", _takes_progress(self.function))
        if not self.description:
            doc = inspect.getdoc(self.function) or ""
            summary = doc.split("\n\n")[0].replace("\n", " ").replace("``", "")
            object.__setattr__(self, "description", summary)

    def margin_for(self, values: Mapping[str, Any]) -> int | None:
        """Pixels of context this operation needs around a region, or None."""
        if self.margin is None or self.changes_size:
            return None
        return int(self.margin(values) if callable(self.margin) else self.margin)

    def param(self, name: str) -> Param:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise ParamError(f"{self.title} has no parameter {name!r}")

    def defaults(self) -> dict[str, Any]:
        """Every parameter at its default value."""
        return {p.name: p.default for p in self.params}

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
        return result

    def scaled(self, values: Mapping[str, Any], scale: float) -> dict[str, Any]:
        """Parameters to use on a proxy ``scale`` times the full size."""
        if scale == 1.0:
            return dict(values)
        return {p.name: p.scale(values[p.name], scale) for p in self.params if p.name in values}

    def apply(self, image: np.ndarray, values: Mapping[str, Any], *, scale: float = 1.0,
              progress: Progress | None = None) -> np.ndarray:
        """Run the function on ``image`` with validated, proxy-scaled parameters.

        ``progress`` (called with the fraction done, 0 to 1; it may raise to
        stop the work) reaches functions that accept it; the others run to
        the end without reporting.
        """
        params = self.scaled(values, scale)
        if progress is not None and self.takes_progress:
            return self.function(image, **params, progress=progress)
        return self.function(image, **params)

    def summary(self, values: Mapping[str, Any]) -> str:
        """Short text for the history list: "Gaussian blur, radius 4.00"."""
        parts = [p.describe(values[p.name]) for p in self.params if p.name in values]
        return ", ".join([self.title] + parts)
