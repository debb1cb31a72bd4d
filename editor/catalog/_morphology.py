"""Catalog entries for processing.morphology."""
from processing import morphology

from ..operations import Operation
from ..params import ChoiceParam, IntParam, ProxyScaling

_SHAPE = ChoiceParam(
    "shape", "Shape",
    choices=(("disk", "Disk"), ("square", "Square"), ("diamond", "Diamond"), ("cross", "Cross")),
    help="Structuring element: the neighbourhood each pixel looks at. Square and cross cost the same "
    "at any radius; disk and diamond grow with the radius.",
)
_RADIUS = IntParam(
    "radius", "Radius", minimum=0, maximum=100, log=True, scaling=ProxyScaling.LENGTH,
    help="Half-size of the structuring element, in pixels of the full-size image.",
)
_CONNECTIVITY = IntParam(
    "connectivity", "Connectivity", minimum=4, maximum=8, step=4,
    help="4: only side-by-side neighbours join up; 8: diagonal neighbours join too.",
)


def _one_pass(values) -> int:
    return values["radius"]


def _two_passes(values) -> int:
    # An erosion then a dilation (or the reverse): each reads `radius` further.
    return 2 * values["radius"]


def _grey(op_id: str, title: str, function, margin, description: str) -> Operation:
    # Working buffers measured (tests/editor/test_memory_estimates.py): a
    # second pass keeps one more image alive.
    return Operation(
        f"morphology.{op_id}", title, "Morphology", function, (_SHAPE, _RADIUS), margin=margin, description=description,
        working_buffers=5.5 if margin is _two_passes or op_id == "gradient" else 4.5,
    )


# Grey-level operators are local (margin = how far they read); the binary
# ones depend on whole connected shapes, so they keep the default (None).
OPERATIONS = [
    _grey("erode", "Erode", morphology.erode, _one_pass,
          "Shrink bright areas and grow dark ones: each pixel takes the darkest value around it."),
    _grey("dilate", "Dilate", morphology.dilate, _one_pass,
          "Grow bright areas and shrink dark ones: each pixel takes the brightest value around it."),
    _grey("opening", "Opening", morphology.opening, _two_passes,
          "Remove bright specks smaller than the shape; larger areas keep their outline."),
    _grey("closing", "Closing", morphology.closing, _two_passes,
          "Fill dark specks and gaps smaller than the shape; larger areas keep their outline."),
    _grey("gradient", "Morphological gradient", morphology.gradient, _one_pass,
          "Outline the shapes: the difference between the brightest and darkest values around each pixel."),
    _grey("top_hat", "Top-hat (bright details)", morphology.top_hat, _two_passes,
          "Keep only the bright details smaller than the shape."),
    _grey("black_hat", "Black-hat (dark details)", morphology.black_hat, _two_passes,
          "Keep only the dark details smaller than the shape, shown bright."),
    Operation(
        "morphology.fill_holes",
        "Fill holes",
        "Morphology",
        morphology.fill_holes,
        description="Fill the holes inside the white shapes of a black-and-white image.",
    ),
    Operation(
        "morphology.remove_small_objects",
        "Remove small objects",
        "Morphology",
        morphology.remove_small_objects,
        (
            IntParam(
                "min_size", "Minimum area", minimum=0, maximum=1_000_000, maximum_from="area", log=True,
                scaling=ProxyScaling.AREA,
                help="Objects with fewer pixels than this (in the full-size image) are removed.",
            ),
            _CONNECTIVITY,
        ),
        description="Remove the white specks of a black-and-white image that are smaller than an area.",
    ),
    Operation(
        "morphology.skeletonize",
        "Skeletonize",
        "Morphology",
        morphology.skeletonize,
        live=False,
        description="Thin the white shapes of a black-and-white image to lines one pixel wide.",
        working_buffers=5.0,  # measured: tests/editor/test_memory_estimates.py
    ),
]
