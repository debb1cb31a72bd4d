"""Variants as untrusted data: :func:`check_variant` of :mod:`processing.augment`
and the bounds of every field a drawn op holds.

Private; :mod:`processing.augment` re-exports :func:`check_variant`.
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._augment_transforms import MAX_STEPS as _MAX_STEPS
from ._augment_transforms import TRANSFORMS
from ._augment_transforms import check_number as _number

__all__ = ["check_variant"]


_VARIANT_FIELDS = {
    "hflip": {},
    "vflip": {},
    "rot90": {"k": (0, 3)},
    "rotate": {"angle_deg": (-360.0, 360.0)},
    "affine": {"scale": (0.01, 100.0), "translate_x": (-10.0, 10.0), "translate_y": (-10.0, 10.0),
               "shear_x_deg": (-80.0, 80.0), "shear_y_deg": (-80.0, 80.0)},
    "resized_crop": {"x": (0.0, 1.0), "y": (0.0, 1.0), "width": (1e-6, 1.0), "height": (1e-6, 1.0)},
    "perspective": {"corners": None},
    "grid_distortion": {"cells": (1, 64), "dx": None, "dy": None},
    "brightness": {"delta": (-1.0, 1.0)},
    "contrast": {"factor": (0.0, 100.0)},
    "saturation": {"factor": (0.0, 100.0)},
    "hue": {"shift_deg": (-360.0, 360.0)},
    "gamma": {"gamma": (0.01, 100.0)},
    "blur": {"sigma_px": (0.0, 200.0)},
    "noise": {"kind": None, "amount": (0.0, 1.0), "seed": (0, 2**63 - 1)},
    "cutout": {"fill": (0.0, 1.0), "holes": None},
}
_INTEGER_FIELDS = {"k", "cells", "seed"}


def _number_list(where, value, shape, low, high):
    try:
        array = np.array(value, dtype=object)
    except Exception:  # noqa: BLE001 - any malformed nesting is one error
        array = None
    if array is None or array.shape != shape:
        raise ValueError(f"{where} must be an array of shape {list(shape)}, got {value!r:.80}")
    for v in array.reshape(-1):
        number = _number(where, v)
        if not low <= number <= high:
            raise ValueError(f"{where} values must lie within {low:g} .. {high:g}, got {v!r}")
    return array.astype(np.float64).tolist()


def check_variant(variant) -> dict:
    """Validate a drawn variant (for instance one read back from a manifest).

    Returns it as new data; raises ValueError naming the field at fault.

    Examples
    --------
    >>> check_variant({"shape": [4, 4], "ops": [{"transform": "rot90", "k": 1}]})
    {'shape': [4, 4], 'ops': [{'transform': 'rot90', 'k': 1}]}
    >>> check_variant({"shape": [4, 4], "ops": [{"transform": "rot90", "k": 5}]})
    Traceback (most recent call last):
    ...
    ValueError: op 1 (rot90): k must lie within 0 .. 3, got 5
    """
    if not isinstance(variant, dict) or set(variant) - {"shape", "ops"} or "ops" not in variant:
        raise ValueError("a variant must be an object with a shape and a list of ops")
    shape = variant.get("shape")
    if (not isinstance(shape, (list, tuple)) or len(shape) != 2
            or any(not (type(v) is int or isinstance(v, numbers.Integral) and not isinstance(v, bool))
                   or not 1 <= v <= 1 << 20
                   for v in shape)):
        raise ValueError(f"a variant's shape must be [height, width] in pixels, got {shape!r:.80}")
    ops = variant["ops"]
    if not isinstance(ops, (list, tuple)) or len(ops) > _MAX_STEPS:
        raise ValueError(f"a variant's ops must be a list of at most {_MAX_STEPS} entries")
    out_ops = []
    for number, op in enumerate(ops, start=1):
        if not isinstance(op, dict) or not isinstance(op.get("transform"), str) or op["transform"] not in _VARIANT_FIELDS:
            name = op.get("transform") if isinstance(op, dict) else op
            raise ValueError(f"op {number}: unknown transform {name!r:.40}")
        name = op["transform"]
        where = f"op {number} ({name})"
        fields = _VARIANT_FIELDS[name]
        if set(op) != {"transform"} | set(fields):
            missing = sorted(set(fields) - set(op))
            extra = sorted(set(op) - set(fields) - {"transform"})
            raise ValueError(f"{where}: " + (f"missing field {missing[0]!r}" if missing
                                              else f"unknown field {extra[0]!r}"))
        checked: dict[str, Any] = {"transform": name}
        for key, bounds in fields.items():
            value = op[key]
            w = f"{where}: {key}"
            if key == "kind":
                kinds = TRANSFORMS["noise"].params[0].choices
                if value not in kinds:
                    raise ValueError(f"{w} must be one of {', '.join(kinds)}; got {value!r:.40}")
                checked[key] = value
            elif key == "corners":
                checked[key] = _number_list(w, value, (4, 2), 0.0, 0.49)
            elif key in ("dx", "dy"):
                cells = checked.get("cells")
                if cells is None:
                    raise ValueError(f"{where}: cells must come before {key}")
                checked[key] = _number_list(w, value, (cells + 1, cells + 1), -0.49, 0.49)
            elif key == "holes":
                if not isinstance(value, (list, tuple)) or len(value) > 256:
                    raise ValueError(f"{w} must be a list of at most 256 rectangles")
                checked[key] = _number_list(w, value, (len(value), 4), -1.0, 2.0) if value else []
            else:
                number = _number(w, value)
                if key in _INTEGER_FIELDS:
                    if isinstance(value, float) and not value.is_integer() or not isinstance(value, numbers.Real):
                        raise ValueError(f"{w} must be a whole number, got {value!r}")
                    number = int(value)
                if not bounds[0] <= number <= bounds[1]:
                    raise ValueError(f"{w} must lie within {bounds[0]:g} .. {bounds[1]:g}, got {value!r}")
                checked[key] = number
        if name == "resized_crop" and (checked["x"] + checked["width"] > 1 + 1e-9
                                       or checked["y"] + checked["height"] > 1 + 1e-9):
            raise ValueError(f"{where}: the crop must lie inside the image")
        out_ops.append(checked)
    return {"shape": [int(shape[0]), int(shape[1])], "ops": out_ops}
