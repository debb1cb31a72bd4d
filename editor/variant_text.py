"""A drawn augmentation variant in words, for people: the Augment panel's
details, the history list's summary of an "Augmentation variant" step.

Qt-free, so the step's summary (in :mod:`editor.params`) and the window
read the same words.
"""
from __future__ import annotations

from processing import augment as aug

__all__ = ["DRAWN_LABELS", "format_drawn", "summary"]


# How the drawn values read (name, unit): fractions are of the image's width
# or height, as in the pipeline.
DRAWN_LABELS = {
    "k": ("quarter turns", ""), "angle_deg": ("angle", "\u00b0"), "scale": ("scale", "\u00d7"),
    "translate_x": ("shift right", "of width"), "translate_y": ("shift down", "of height"),
    "shear_x_deg": ("shear x", "\u00b0"), "shear_y_deg": ("shear y", "\u00b0"),
    "x": ("left", "of width"), "y": ("top", "of height"), "width": ("width", "of width"),
    "height": ("height", "of height"), "corners": ("corners moved in (x, y)", "of size"),
    "cells": ("cells", ""), "dx": ("nodes moved across", "of a cell"), "dy": ("nodes moved down", "of a cell"),
    "delta": ("added", ""), "factor": ("factor", "\u00d7"), "shift_deg": ("hue shift", "\u00b0"),
    "gamma": ("gamma", ""), "sigma_px": ("blur", "px"), "kind": ("kind", ""), "amount": ("amount", ""),
    "seed": ("noise seed", ""), "fill": ("fill", ""), "holes": ("holes (x, y, w, h)", "of size"),
}


def format_drawn(drawn: dict) -> str:
    """A variant's drawn parameters, one transform a line, every number to
    six significant digits (Copy gives them exactly).

    Examples
    --------
    >>> print(format_drawn({"shape": [4, 4], "ops": [{"transform": "rotate", "angle_deg": -13.41152}]}))
    Rotate: angle -13.4115 \u00b0
    """
    if not drawn["ops"]:
        return "No transform happened: the variant is the image itself."
    lines = []
    for op in drawn["ops"]:
        title = aug.TRANSFORMS[op["transform"]].title
        parts = []
        for key, value in op.items():
            if key == "transform":
                continue
            label, unit = DRAWN_LABELS.get(key, (key.replace("_", " "), ""))
            parts.append(f"{label} {_number_text(value)}" + (f" {unit}" if unit else ""))
        lines.append(f"{title}: {', '.join(parts)}" if parts else title)
    return "\n".join(lines)


def _number_text(value) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_number_text(v) for v in value) + "]"
    return repr(value)


def summary(drawn: dict, most: int = 3) -> str:
    """One short line for the history list: each transform with its first
    few values.

    Examples
    --------
    >>> summary({"shape": [4, 4], "ops": [{"transform": "rotate", "angle_deg": 7.25}, {"transform": "hflip"}]})
    'rotate angle 7.25 \u00b0, horizontal flip'
    >>> summary({"shape": [4, 4], "ops": []})
    'no change'
    """
    if not drawn["ops"]:
        return "no change"
    parts = []
    for op in drawn["ops"]:
        words = [aug.TRANSFORMS[op["transform"]].title.lower()]
        for key, value in op.items():
            if key in ("transform", "seed") or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if len(words) > most:
                break
            label, unit = DRAWN_LABELS.get(key, (key.replace("_", " "), ""))
            words.append(f"{label} {value:.3g}" + (f" {unit}" if unit else ""))
        parts.append(" ".join(words))
    return ", ".join(parts)
