"""The transforms of :mod:`processing.augment` and their parameters: the
table a pipeline step names, with each parameter's bounds and defaults.

Private; :mod:`processing.augment` re-exports the public names.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

__all__ = ["Range", "Choice", "Transform", "TRANSFORMS", "MATRIX_OPS", "EXACT_OPS", "MAX_STEPS", "check_number"]


@dataclass(frozen=True)
class Range:
    """A parameter drawn uniformly from a ``[low, high]`` range set in the pipeline.

    ``minimum`` and ``maximum`` bound what a range may hold; ``default`` is
    the range a new step starts with. ``log`` draws uniformly in the
    logarithm (factors such as a scale or a gamma); ``integer`` draws whole
    numbers, both ends included.
    """

    name: str
    label: str
    minimum: float
    maximum: float
    default: tuple[float, float]
    unit: str = ""
    log: bool = False
    integer: bool = False
    help: str = ""


@dataclass(frozen=True)
class Choice:
    """A parameter chosen in the pipeline (not drawn): one of ``choices``."""

    name: str
    label: str
    choices: tuple[str, ...]
    default: str
    help: str = ""


@dataclass(frozen=True)
class Transform:
    """One transform a pipeline step can name.

    ``family`` is ``"geometric"`` (moves pixels: masks, boxes and keypoints
    follow) or ``"photometric"`` (changes values only).
    """

    name: str
    title: str
    family: str
    params: tuple[Range | Choice, ...] = ()
    p: float = 0.5
    help: str = ""


_T = [
    Transform("hflip", "Horizontal flip", "geometric", (), 0.5, "Mirror left to right."),
    Transform("vflip", "Vertical flip", "geometric", (), 0.5, "Mirror top to bottom."),
    Transform("rot90", "Rotate 90", "geometric", (), 0.5,
              "Turn by 0, 90, 180 or 270 degrees, each as likely."),
    Transform("rotate", "Rotate", "geometric", (
        Range("angle_deg", "Angle", -180.0, 180.0, (-15.0, 15.0), "°",
              help="Counter-clockwise about the centre; corners that leave are cut, new areas are black."),
    ), 0.5, "Rotate by an angle within a range."),
    Transform("affine", "Scale, translate, shear", "geometric", (
        Range("scale", "Scale", 0.25, 4.0, (0.9, 1.1), "×", log=True, help="Zoom about the centre."),
        Range("translate", "Translate", -0.5, 0.5, (-0.1, 0.1), "of size",
              help="Shift, as a fraction of the width (horizontally) and height (vertically), drawn for each."),
        Range("shear_deg", "Shear", -45.0, 45.0, (-10.0, 10.0), "°",
              help="Slant, drawn for each direction."),
    ), 0.5, "Scale, shift and slant as one affine transform."),
    Transform("resized_crop", "Random resized crop", "geometric", (
        Range("area", "Area", 0.05, 1.0, (0.5, 1.0), "of image",
              help="Part of the image the crop covers."),
        Range("ratio", "Aspect ratio", 0.25, 4.0, (0.75, 4 / 3), "w/h", log=True,
              help="Shape of the crop, relative to the image's own."),
    ), 0.5, "Cut a random part of the image and stretch it back to the full size."),
    Transform("perspective", "Perspective", "geometric", (
        Range("distortion", "Distortion", 0.0, 0.4, (0.05, 0.1), "of size",
              help="How far each corner may move inwards, as a fraction of the size."),
    ), 0.5, "Move the corners inwards by random amounts: a view from another angle."),
    Transform("grid_distortion", "Grid distortion", "geometric", (
        Range("cells", "Cells", 2, 16, (5, 5), integer=True, help="Grid cells across each side."),
        Range("distort", "Distortion", -0.45, 0.45, (-0.3, 0.3), "of cell",
              help="How far each grid node moves, as a fraction of a cell."),
    ), 0.5, "Bend the image by moving the nodes of a coarse grid."),
    Transform("brightness", "Brightness", "photometric", (
        Range("delta", "Brightness", -1.0, 1.0, (-0.2, 0.2), help="Added to every value (1 is full scale)."),
    ), 0.5, "Add a random amount to every colour value."),
    Transform("contrast", "Contrast", "photometric", (
        Range("factor", "Contrast", 0.1, 4.0, (0.8, 1.25), "×", log=True,
              help="Stretch of the values about mid gray."),
    ), 0.5, "Stretch or squeeze values about mid gray."),
    Transform("saturation", "Saturation", "photometric", (
        Range("factor", "Saturation", 0.0, 4.0, (0.8, 1.2), "×",
              help="0 is gray, 1 unchanged; gray images are left alone."),
    ), 0.5, "Make colours more or less vivid."),
    Transform("hue", "Hue", "photometric", (
        Range("shift_deg", "Hue shift", -180.0, 180.0, (-10.0, 10.0), "°",
              help="Turn of the colour wheel; gray images are left alone."),
    ), 0.5, "Shift hues around the colour wheel."),
    Transform("gamma", "Gamma", "photometric", (
        Range("gamma", "Gamma", 0.2, 5.0, (0.8, 1.25), log=True,
              help="Values are raised to this power: above 1 darkens the mid-tones."),
    ), 0.5, "Brighten or darken the mid-tones."),
    Transform("blur", "Gaussian blur", "photometric", (
        Range("sigma_px", "Blur", 0.0, 20.0, (0.5, 1.5), "px", help="Standard deviation of the blur."),
    ), 0.5, "Blur with a Gaussian of random width."),
    Transform("noise", "Noise", "photometric", (
        Choice("kind", "Kind", ("gaussian", "salt_pepper", "poisson", "speckle"), "gaussian",
               help="Gaussian, salt and pepper, photon (Poisson) or speckle noise."),
        Range("amount", "Amount", 0.0, 0.5, (0.01, 0.05),
              help="Strength: the standard deviation, or the fraction of pixels for salt and pepper."),
    ), 0.5, "Add random noise."),
    Transform("cutout", "Cutout", "photometric", (
        Range("holes", "Holes", 1, 64, (1, 8), integer=True, help="Number of rectangles blanked out."),
        Range("size", "Hole size", 0.01, 0.5, (0.05, 0.15), "of side",
              help="Side of each rectangle, as a fraction of the image's width and height."),
        Range("fill", "Fill", 0.0, 1.0, (0.0, 0.0), help="Gray level of the holes."),
    ), 0.5, "Blank out random rectangles (coarse dropout); masks and labels are left alone."),
]

#: Every transform a pipeline step can name, in the order a panel lists them.
TRANSFORMS: dict[str, Transform] = {t.name: t for t in _T}

MATRIX_OPS = {"hflip", "vflip", "rot90", "rotate", "affine", "resized_crop", "perspective"}
EXACT_OPS = {"hflip", "vflip", "rot90"}
MAX_STEPS = 64


def check_number(where: str, value) -> float:
    """``value`` as a finite float; ValueError naming ``where`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{where} must be finite, got {value!r}")
    return number
