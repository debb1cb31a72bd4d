"""Recipes: a document's steps alone, as JSON, to apply to other images.

A recipe is the step list without its source image::

    {"format": "image-editor-recipe", "version": 1,
     "steps": [{"op": "filter.gaussian_blur", "params": {"sigma": 2.0}, "enabled": true},
               {"op": "tone.brightness_contrast", "params": {...}, "enabled": true,
                "mask": {"encoding": "packbits-zlib-base64", "shape": [480, 640], "data": "..."}}]}

The same step data is embedded in project files (:mod:`editor.project`).

Loading validates everything before returning anything: the format marker,
the version, every operation id and every parameter (present, known, of the
right JSON type, in range) and every mask. A problem raises
:class:`RecipeError` naming the step (1-based), the operation and the field;
the caller gets steps only when all of them are valid, so nothing is ever
half-applied. Parameter values are written with ``Param.to_json`` and floats
in their shortest round-trip form, so a saved recipe renders bit-identically.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from .atomic import atomic_write_bytes
from .catalog import CATALOG, Catalog
from .errors import EditorError, ParamError, UnknownOperationError, read_error_reason
from .memory_guard import MemoryLimitError, check_allocation
from .operations import Operation
from .params import json_type
from .steps import Step
from .untrusted import (
    MAX_MASK_PIXELS,
    ZLIB_MAX_RATIO,
    UntrustedInputError,
    load_json,
    read_regular_bytes,
    short_repr as _short,
)

__all__ = [
    "RECIPE_FORMAT",
    "RECIPE_FORMAT_VERSION",
    "RecipeError",
    "encode_mask",
    "decode_mask",
    "steps_to_data",
    "steps_from_data",
    "dumps_recipe",
    "loads_recipe",
    "save_recipe",
    "load_recipe",
    "check_format",
    "parse_json",
]

RECIPE_FORMAT = "image-editor-recipe"
RECIPE_FORMAT_VERSION = 1
MASK_ENCODING = "packbits-zlib-base64"
SOFT_MASK_ENCODING = "uint8-zlib-base64"  # a feathered mask: one byte of weight (x 255) per pixel

_STEP_KEYS = ("op", "params", "enabled", "mask")


class RecipeError(EditorError):
    """A recipe (or the steps of a project) cannot be read or written.

    Attributes
    ----------
    step : int or None
        1-based number of the offending step, when the problem is in a step.
    op_id : str or None
        Operation id of that step, when known.
    field : str or None
        Parameter name or step key at fault ("sigma", "mask", ...), when known.
    """

    def __init__(self, message: str, *, step: int | None = None, op_id: str | None = None, field: str | None = None):
        super().__init__(message)
        self.step = step
        self.op_id = op_id
        self.field = field


# -- masks ------------------------------------------------------------------------
def encode_mask(mask: np.ndarray) -> dict[str, Any]:
    """Lossless compact JSON form of a bool (H, W) mask, or of a soft one
    (float weights that are multiples of 1/255, as steps keep them).

    A bool mask is bit-packed row-major (``np.packbits``), a soft one stored
    as one byte per pixel (weight x 255); either is deflated with zlib and
    written as base64, with its shape.

    Examples
    --------
    >>> mask = np.zeros((3, 5), bool); mask[1, 2:] = True
    >>> data = encode_mask(mask)
    >>> data["shape"], np.array_equal(decode_mask(data), mask)
    ([3, 5], True)
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or not (mask.dtype == bool or mask.dtype.kind == "f"):
        raise ValueError(f"a mask must be a 2-D bool or float array, got {mask.dtype} with shape {mask.shape}")
    if mask.dtype != bool:
        packed = np.rint(np.clip(mask, 0.0, 1.0) * 255.0).astype(np.uint8).tobytes()
        encoding = SOFT_MASK_ENCODING
    else:
        packed = np.packbits(mask, axis=None).tobytes()
        encoding = MASK_ENCODING
    return {
        "encoding": encoding,
        "shape": [int(mask.shape[0]), int(mask.shape[1])],
        "data": base64.b64encode(zlib.compress(packed, 9)).decode("ascii"),
    }


def decode_mask(data: Any) -> np.ndarray:
    """The bool (H, W) mask, or float32 weights, stored by :func:`encode_mask` (read-only).

    Raises
    ------
    ValueError
        With a message saying what is wrong with ``data``.
    """
    if not isinstance(data, dict):
        raise ValueError(f"must be an object with encoding, shape and data, got {json_type(data)}")
    unknown = set(data) - {"encoding", "shape", "data"}
    if unknown:
        raise ValueError(f"has unknown key {', '.join(sorted(map(repr, unknown)))}")
    encoding = data.get("encoding")
    if encoding not in (MASK_ENCODING, SOFT_MASK_ENCODING):
        raise ValueError(f"encoding must be {MASK_ENCODING!r} or {SOFT_MASK_ENCODING!r}, got {_short(encoding)}")
    soft = encoding == SOFT_MASK_ENCODING
    shape = data.get("shape")
    if (
        not isinstance(shape, list)
        or len(shape) != 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise ValueError(f"shape must be two whole numbers >= 0, got {_short(shape)}")
    text = data.get("data")
    if not isinstance(text, str):
        raise ValueError(f"data must be a base64 string, got {json_type(text)}")
    height, width = shape
    count = height * width
    if count > MAX_MASK_PIXELS:
        raise ValueError(
            f"shape {_short(shape)} is too large: at most {MAX_MASK_PIXELS} pixels are allowed in a mask"
        )
    expected = count if soft else (count + 7) // 8
    # Deflate has a fixed best ratio: data too short to hold the mask is refused before inflating.
    if expected > ZLIB_MAX_RATIO * (len(text) * 3 // 4) + 64:
        raise ValueError(f"data is too short to hold a {height}x{width} mask")
    try:  # the packed bytes, the bits unpacked, the bool mask
        check_allocation(expected + (4 if soft else 2) * count, f"A {width} x {height} mask")
    except MemoryLimitError as exc:
        raise ValueError(f"cannot be decoded: {exc}") from None
    try:
        compressed = base64.b64decode(text.encode("ascii"), validate=True)
        inflater = zlib.decompressobj()
        packed = inflater.decompress(compressed, expected + 1)  # never inflate more than needed
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError("data is not valid base64") from None
    except zlib.error as exc:
        raise ValueError(f"data is damaged ({exc})") from None
    if len(packed) != expected or not inflater.eof:
        raise ValueError(f"data does not hold a {height}x{width} mask")
    if soft:
        mask = (np.frombuffer(packed, np.uint8).astype(np.float32) / np.float32(255.0)).reshape(height, width)
    else:
        mask = np.unpackbits(np.frombuffer(packed, np.uint8), count=count).astype(bool).reshape(height, width)
    mask.flags.writeable = False
    return mask


# -- parameter values ---------------------------------------------------------------
def _validate_params(op: Operation, params: Mapping[str, Any], *, strict_json: bool) -> dict[str, Any]:
    """Every parameter checked and coerced; a problem raises _FieldError(field, message).

    With ``strict_json`` the values come from a file and each spec's own
    ``from_json`` judges them (a number must be a JSON number, not text that
    looks like one); otherwise they are Python values from a Step.
    """
    known = [p.name for p in op.params]
    unknown = [name for name in params if name not in known]
    if unknown:
        raise _FieldError(
            unknown[0],
            f"unknown parameter {unknown[0]!r}; {op.title} has "
            + (", ".join(map(repr, known)) if known else "no parameters"),
        )
    result = {}
    for spec in op.params:
        if spec.name not in params:
            raise _FieldError(spec.name, f"parameter {spec.name!r} is missing")
        value = params[spec.name]
        try:
            result[spec.name] = spec.from_json(value) if strict_json else spec.validate(value)
        except ParamError as exc:
            raise _FieldError(spec.name, str(exc)) from None
    problem = op.combination_problem(result)
    if problem is not None:
        raise _FieldError(*problem)
    return result


class _FieldError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _step_label(number: int, op_id: Any, op: Operation | None = None) -> str:
    if op is not None:
        return f"step {number} ({op.title}, {op.id})"
    if isinstance(op_id, str):
        return f"step {number} ({op_id})"
    return f"step {number}"


# -- steps <-> data ------------------------------------------------------------------
def steps_to_data(steps: Iterable[Step], catalog: Catalog = CATALOG) -> list[dict[str, Any]]:
    """Plain JSON-ready data for ``steps``; each step is validated first.

    Examples
    --------
    >>> steps_to_data([Step("filter.gaussian_blur", {"sigma": 2})])
    [{'op': 'filter.gaussian_blur', 'params': {'sigma': 2.0}, 'enabled': True}]
    """
    data = []
    for number, step in enumerate(steps, start=1):
        if not isinstance(step, Step):
            raise RecipeError(f"{_step_label(number, None)} is not a Step: {step!r}", step=number)
        try:
            op = catalog.get(step.op_id)
        except UnknownOperationError as exc:
            raise RecipeError(f"{_step_label(number, step.op_id)}: {exc}", step=number, op_id=step.op_id) from None
        try:
            values = _validate_params(op, step.params, strict_json=False)
        except _FieldError as exc:
            raise RecipeError(
                f"{_step_label(number, step.op_id, op)}: {exc}", step=number, op_id=op.id, field=exc.field
            ) from None
        item: dict[str, Any] = {
            "op": op.id,
            "params": {spec.name: spec.to_json(values[spec.name]) for spec in op.params},
            "enabled": bool(step.enabled),
        }
        if step.mask is not None:
            item["mask"] = encode_mask(step.mask)
        data.append(item)
    return data


def steps_from_data(data: Any, catalog: Catalog = CATALOG) -> tuple[Step, ...]:
    """Validated steps from the ``"steps"`` list of a recipe or project.

    Every step is checked before any is returned; the first problem raises
    :class:`RecipeError` naming the step (1-based), operation and field.

    Examples
    --------
    >>> steps_from_data([{"op": "filter.gaussian_blur", "params": {"sigma": 2.5}, "enabled": True}])[0].params
    FrozenParams({'sigma': 2.5})
    >>> steps_from_data([{"op": "filter.gaussian_blur", "params": {"sigma": -1}}])
    Traceback (most recent call last):
    ...
    editor.recipe.RecipeError: step 1 (Gaussian blur, filter.gaussian_blur): sigma must be between 0 and 200, got -1
    """
    if not isinstance(data, list):
        raise RecipeError(f"'steps' must be a list, got {json_type(data)}", field="steps")
    steps = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise RecipeError(f"{_step_label(number, None)} must be an object, got {json_type(item)}", step=number)
        op_id = item.get("op")
        if not isinstance(op_id, str):
            raise RecipeError(
                f"{_step_label(number, None)}: 'op' must be an operation id, got {json_type(op_id)}",
                step=number, field="op",
            )
        try:
            op = catalog.get(op_id)
        except UnknownOperationError as exc:
            raise RecipeError(f"{_step_label(number, op_id)}: {exc}", step=number, op_id=op_id, field="op") from None
        label = _step_label(number, op_id, op)
        unknown = [key for key in item if key not in _STEP_KEYS]
        if unknown:
            raise RecipeError(
                f"{label}: unknown key {unknown[0]!r} (a step has {', '.join(_STEP_KEYS)})",
                step=number, op_id=op_id, field=unknown[0],
            )
        params = item.get("params", {})
        if not isinstance(params, dict):
            raise RecipeError(
                f"{label}: 'params' must be an object, got {json_type(params)}", step=number, op_id=op_id, field="params"
            )
        try:
            values = _validate_params(op, params, strict_json=True)
        except _FieldError as exc:
            raise RecipeError(f"{label}: {exc}", step=number, op_id=op_id, field=exc.field) from None
        enabled = item.get("enabled", True)
        if not isinstance(enabled, bool):
            raise RecipeError(
                f"{label}: 'enabled' must be true or false, got {json_type(enabled)}",
                step=number, op_id=op_id, field="enabled",
            )
        mask = None
        if item.get("mask") is not None:
            try:
                mask = decode_mask(item["mask"])
            except ValueError as exc:
                raise RecipeError(f"{label}: mask {exc}", step=number, op_id=op_id, field="mask") from None
        steps.append(Step(op_id, values, mask, enabled))
    return tuple(steps)


# -- documents -------------------------------------------------------------------------
def check_format(data: Any, marker: str, version: int, noun: str, error=RecipeError) -> None:
    """Check the ``format`` marker and ``version`` of a recipe or project object.

    Raises ``error`` (a RecipeError-like class) with a message saying what the
    file is instead, or that it needs a newer editor.
    """
    if not isinstance(data, dict):
        raise error(f"this is not a {noun} file (expected a JSON object, got {json_type(data)})", field="format")
    found = data.get("format")
    if found != marker:
        others = {RECIPE_FORMAT: "recipe", "image-editor-project": "project"}
        if isinstance(found, str) and found in others:
            raise error(f"this is a {others[found]} file, not a {noun} file", field="format")
        raise error(f"this is not a {noun} file (format marker is {_short(found)}, expected {marker!r})", field="format")
    found_version = data.get("version")
    if not isinstance(found_version, int) or isinstance(found_version, bool) or found_version < 1:
        raise error(f"the format version must be a whole number >= 1, got {_short(found_version)}", field="version")
    if found_version > version:
        raise error(
            f"it was written by a newer version of the editor (format version {_short(found_version)}; "
            f"this editor reads version {version} and older)",
            field="version",
        )


def _reject_constant(name: str):
    raise ValueError(f"{name} is not a valid number")


_MAX_INT_DIGITS = 4000  # Python refuses to convert more than 4300, with a message for programmers
_TOO_LONG_INT = 10**_MAX_INT_DIGITS


def _parse_int(text: str) -> int:
    """A JSON integer; one too long to convert stands in as 10**4000, which every
    range check refuses, so the field it is in is the one named in the error."""
    digits = len(text.lstrip("-"))
    if digits > _MAX_INT_DIGITS:
        return -_TOO_LONG_INT if text.startswith("-") else _TOO_LONG_INT
    return int(text)


def parse_json(text: str | bytes, noun: str, error=RecipeError) -> Any:
    """``json.loads`` with errors (bad syntax, NaN, encoding, nesting too deep) turned into ``error``."""
    try:
        return load_json(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except UntrustedInputError as exc:
        raise error(f"this is not a valid {noun} file ({exc.reason})") from None
    except UnicodeDecodeError:
        raise error(f"this is not a {noun} file (it is not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise error(
            f"this is not a {noun} file (invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise error(f"this is not a valid {noun} file ({exc})") from None


def dumps_recipe(steps: Iterable[Step], catalog: Catalog = CATALOG) -> str:
    """The recipe of ``steps`` as JSON text.

    Examples
    --------
    >>> text = dumps_recipe([Step("filter.gaussian_blur", {"sigma": 1.5})])
    >>> loads_recipe(text) == (Step("filter.gaussian_blur", {"sigma": 1.5}),)
    True
    """
    document = {"format": RECIPE_FORMAT, "version": RECIPE_FORMAT_VERSION, "steps": steps_to_data(steps, catalog)}
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def loads_recipe(text: str | bytes, catalog: Catalog = CATALOG) -> tuple[Step, ...]:
    """Validated steps from recipe JSON text; raises :class:`RecipeError`."""
    data = parse_json(text, "recipe")
    check_format(data, RECIPE_FORMAT, RECIPE_FORMAT_VERSION, "recipe")
    unknown = set(data) - {"format", "version", "steps"}
    if unknown:
        key = sorted(unknown)[0]
        raise RecipeError(f"unknown key {key!r} in the recipe (it has format, version, steps)", field=key)
    if "steps" not in data:
        raise RecipeError("the recipe has no 'steps' list", field="steps")
    return steps_from_data(data["steps"], catalog)


def save_recipe(path: str | os.PathLike, steps: Iterable[Step], catalog: Catalog = CATALOG) -> Path:
    """Write the recipe of ``steps`` to ``path`` atomically; returns the path."""
    text = dumps_recipe(steps, catalog)
    atomic_write_bytes(path, text.encode("utf-8"))
    return Path(path)


def load_recipe(path: str | os.PathLike, catalog: Catalog = CATALOG) -> tuple[Step, ...]:
    """Validated steps from the recipe file at ``path``.

    Raises
    ------
    RecipeError
        "Cannot use recipe PATH: ..." with the reason, naming the step and
        field when the problem is in a step.
    """
    path = Path(path)
    try:
        raw = read_regular_bytes(path)
    except UntrustedInputError as exc:
        raise RecipeError(f"Cannot read recipe {path}: {exc.reason}") from None
    except OSError as exc:
        raise RecipeError(f"Cannot read recipe {path}: {read_error_reason(exc)}") from None
    try:
        return loads_recipe(raw, catalog)
    except RecipeError as exc:
        raise RecipeError(f"Cannot use recipe {path}: {exc}", step=exc.step, op_id=exc.op_id, field=exc.field) from None
