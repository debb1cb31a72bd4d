"""Catalog entries for processing.morphology."""
from processing import morphology

from ..operations import Operation
from ..params import ChoiceParam, IntParam, ProxyScaling

_SHAPE = ChoiceParam(
    "shape", "Shape", "disk",
    choices=(("disk", "Disk"), ("square", "Square"), ("diamond", "Diamond"), ("cross", "Cross")),
    help="Structuring element: the neighbourhood each pixel looks at. Square and cross cost the same "
    "at any radius; disk and diamond grow with the radius.",
)
_RADIUS = IntParam(
    "radius", "Radius", 1, minimum=0, maximum=100, log=True, scaling=ProxyScaling.LENGTH,
    help="Half-size of the structuring element, in pixels of the full-size image.",
)
_CONNECTIVITY = IntParam(
    "connectivity", "Connectivity", 8, minimum=4, maximum=8, step=4,
    help="4: only side-by-side neighbours join up; 8: diagonal neighbours join too.",
)


def _one_pass(values) -> int:
    return values["radius"]


def _two_passes(values) -> int:
    # An erosion then a dilation (or the reverse): each reads `radius` further.
    return 2 * values["radius"]


def _grey(op_id: str, title: str, function, margin) -> Operation:
    return Operation(f"morphology.{op_id}", title, "Morphology", function, (_SHAPE, _RADIUS), margin=margin)


# Grey-level operators are local (margin = how far they read); the binary
# ones depend on whole connected shapes, so they keep the default (None).
OPERATIONS = [
    _grey("erode", "Erode", morphology.erode, _one_pass),
    _grey("dilate", "Dilate", morphology.dilate, _one_pass),
    _grey("opening", "Opening", morphology.opening, _two_passes),
    _grey("closing", "Closing", morphology.closing, _two_passes),
    _grey("gradient", "Morphological gradient", morphology.gradient, _one_pass),
    _grey("top_hat", "Top-hat (bright details)", morphology.top_hat, _two_passes),
    _grey("black_hat", "Black-hat (dark details)", morphology.black_hat, _two_passes),
    Operation("morphology.fill_holes", "Fill holes", "Morphology", morphology.fill_holes),
    Operation(
        "morphology.remove_small_objects",
        "Remove small objects",
        "Morphology",
        morphology.remove_small_objects,
        (
            IntParam(
                "min_size", "Minimum area", 64, minimum=0, maximum=1_000_000, log=True,
                scaling=ProxyScaling.AREA,
                help="Objects with fewer pixels than this (in the full-size image) are removed.",
            ),
            _CONNECTIVITY,
        ),
    ),
    Operation("morphology.skeletonize", "Skeletonize", "Morphology", morphology.skeletonize, live=False),
]
