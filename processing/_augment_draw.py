"""Drawing of :mod:`processing.augment`: one function per transform that
draws a step's exact parameters from its ranges.

Private. Each takes ``(rng, step, h, w)`` and returns the variant's op.
"""
from __future__ import annotations

import math

import numpy as np

from ._augment_transforms import TRANSFORMS, Choice, Range

__all__ = ["DRAW"]


def _draw(rng: np.random.Generator, spec: Range, values) -> float:
    low, high = values
    if spec.integer:
        return int(rng.integers(int(low), int(high), endpoint=True))
    u = float(rng.random())
    if spec.log and low > 0:
        return float(math.exp(math.log(low) + u * (math.log(high) - math.log(low))))
    return float(low + u * (high - low))


def _ranges(step):
    t = TRANSFORMS[step["transform"]]
    return {spec.name: spec for spec in t.params}


def _draw_simple(rng, step, h, w):
    """One value per parameter, named as in the step (Choice copied)."""
    op = {"transform": step["transform"]}
    for name, spec in _ranges(step).items():
        op[name] = step[name] if isinstance(spec, Choice) else _draw(rng, spec, step[name])
    return op


def _draw_rot90(rng, step, h, w):
    return {"transform": "rot90", "k": int(rng.integers(0, 4))}


def _draw_affine(rng, step, h, w):
    spec = _ranges(step)
    return {
        "transform": "affine",
        "scale": _draw(rng, spec["scale"], step["scale"]),
        "translate_x": _draw(rng, spec["translate"], step["translate"]),
        "translate_y": _draw(rng, spec["translate"], step["translate"]),
        "shear_x_deg": _draw(rng, spec["shear_deg"], step["shear_deg"]),
        "shear_y_deg": _draw(rng, spec["shear_deg"], step["shear_deg"]),
    }


def _draw_resized_crop(rng, step, h, w):
    spec = _ranges(step)
    area = _draw(rng, spec["area"], step["area"])
    ratio = _draw(rng, spec["ratio"], step["ratio"])
    # Fractions of the width and height whose product is the area and whose
    # quotient is the ratio (relative to the image's own shape); a side
    # longer than the image is cut to it (the area is then smaller).
    cw = min(1.0, math.sqrt(area * ratio))
    ch = min(1.0, math.sqrt(area / ratio))
    x = float(rng.random()) * (1.0 - cw)
    y = float(rng.random()) * (1.0 - ch)
    return {"transform": "resized_crop", "x": x, "y": y, "width": cw, "height": ch}


def _draw_perspective(rng, step, h, w):
    spec = _ranges(step)
    d = _draw(rng, spec["distortion"], step["distortion"])
    jitter = rng.random((4, 2)) * d
    return {"transform": "perspective", "corners": [[float(a), float(b)] for a, b in jitter]}


def _draw_grid(rng, step, h, w):
    spec = _ranges(step)
    cells = _draw(rng, spec["cells"], step["cells"])
    low, high = step["distort"]
    dx = low + rng.random((cells + 1, cells + 1)) * (high - low)
    dy = low + rng.random((cells + 1, cells + 1)) * (high - low)
    return {"transform": "grid_distortion", "cells": cells,
            "dx": [[float(v) for v in row] for row in dx], "dy": [[float(v) for v in row] for row in dy]}


def _draw_noise(rng, step, h, w):
    op = _draw_simple(rng, step, h, w)
    op["seed"] = int(rng.integers(0, 2**63 - 1))
    return op


def _draw_cutout(rng, step, h, w):
    spec = _ranges(step)
    holes = _draw(rng, spec["holes"], step["holes"])
    fill = _draw(rng, spec["fill"], step["fill"])
    low, high = step["size"]
    rects = []
    for _ in range(holes):
        hw, hh = (float(low + v * (high - low)) for v in rng.random(2))
        x, y = (float(v) for v in rng.random(2))
        # Centre anywhere in the image, as Albumentations' CoarseDropout: holes may overhang the edge.
        rects.append([x - hw / 2, y - hh / 2, hw, hh])
    return {"transform": "cutout", "fill": fill, "holes": rects}


DRAW = {
    "hflip": lambda rng, step, h, w: {"transform": "hflip"},
    "vflip": lambda rng, step, h, w: {"transform": "vflip"},
    "rot90": _draw_rot90,
    "rotate": _draw_simple,
    "affine": _draw_affine,
    "resized_crop": _draw_resized_crop,
    "perspective": _draw_perspective,
    "grid_distortion": _draw_grid,
    "brightness": _draw_simple,
    "contrast": _draw_simple,
    "saturation": _draw_simple,
    "hue": _draw_simple,
    "gamma": _draw_simple,
    "blur": _draw_simple,
    "noise": _draw_noise,
    "cutout": _draw_cutout,
}
