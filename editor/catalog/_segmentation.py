"""Catalog entries for processing.segmentation.

Operations that find labels show them as an overlay on the picture (mean
colour of each region, or a fixed palette); the magic wand tints its region.
"""
from processing import segmentation

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, ColorParam, FloatParam, IntParam, PointParam, ProxyScaling


def _mode() -> ChoiceParam:
    return ChoiceParam(
        "mode", "Show",
        choices=(("mean", "Mean colour"), ("palette", "Palette")),
        help="Paint each region with its mean colour, or with a distinct colour per region.",
    )


def _opacity() -> FloatParam:
    return FloatParam("opacity", "Opacity", minimum=0.0, maximum=1.0,
                      help="How much the region colours cover the picture.")


_CONNECTIVITY = IntParam(
    "connectivity", "Connectivity", minimum=4, maximum=8, step=4,
    help="4: only side-by-side neighbours join up; 8: diagonal neighbours join too.",
)

OPERATIONS = [
    Operation(
        "segmentation.magic_wand",
        "Magic wand",
        "Segmentation",
        segmentation.region_highlight,
        (
            # The function needs a seed; the editor starts at the top-left pixel.
            PointParam("seed_xy", "Seed", (0.0, 0.0), help="Click the colour to select."),
            FloatParam(
                "tolerance", "Tolerance", minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                help="Largest difference from the seed's colour, in any channel, that still matches.",
            ),
            _CONNECTIVITY,
            ChoiceParam(
                "mode", "Select",
                choices=(("connected", "Connected region"), ("global", "Every matching colour")),
                help="Only the matching area connected to the seed, or every matching colour in the image.",
            ),
            ColorParam("color", "Tint", help="Colour laid over the selected region."),
            _opacity(),
        ),
        description="Select the area of similar colour around a point you click, shown tinted.",
    ),
    Operation(
        "segmentation.components",
        "Connected components",
        "Segmentation",
        segmentation.components_overlay,
        (_CONNECTIVITY, _mode(), _opacity()),
        description="Find the separate objects of the image after a threshold, and paint each one.",
        working_buffers=4.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "segmentation.kmeans",
        "Colour clustering (k-means)",
        "Segmentation",
        segmentation.kmeans_colors,
        (
            IntParam("k", "Colours", minimum=1, maximum=64, help="Number of colour clusters."),
            IntParam("seed", "Seed", minimum=0, maximum=9999,
                     help="Random seed: another value gives another, equally valid, clustering."),
            IntParam("iterations", "Iterations", minimum=1, maximum=100,
                     help="Most refinement rounds (it stops earlier once stable)."),
            _mode(),
            _opacity(),
        ),
        live=False,
        description="Reduce the image to a few colours found by clustering (k-means).",
        working_buffers=8.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "segmentation.slic",
        "Superpixels (SLIC)",
        "Segmentation",
        segmentation.slic_superpixels,
        (
            IntParam("n_segments", "Regions", minimum=1, maximum=10_000, log=True,
                     help="About how many compact regions to cut the image into."),
            FloatParam("compactness", "Compactness", minimum=0.1, maximum=100.0, step=0.1, decimals=1,
                       log=True, help="Higher gives rounder, more regular regions that follow edges less."),
            BoolParam("boundaries", "Boundaries", help="Draw the lines where regions meet."),
            _mode(),
            _opacity(),
            ColorParam("boundary_color", "Line colour", help="Colour of the boundary lines."),
        ),
        live=False,
        description="Cut the image into small regions of similar colour (superpixels).",
        working_buffers=12.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "segmentation.split_objects",
        "Split touching objects (watershed)",
        "Segmentation",
        segmentation.split_objects,
        (
            FloatParam("threshold", "Threshold", minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                       help="Brightness separating objects from background (when not automatic)."),
            IntParam("min_distance", "Min. distance", minimum=1, maximum=500, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Smallest distance between two object centres, in pixels of the full-size image."),
            BoolParam("auto_threshold", "Automatic threshold", help="Pick the threshold with Otsu's method."),
            ChoiceParam("foreground", "Objects are",
                        choices=(("bright", "Brighter than the background"), ("dark", "Darker than the background")),
                        help="Whether objects are lighter or darker than what surrounds them."),
            _mode(),
            _opacity(),
        ),
        live=False,
        description="Separate touching objects, such as cells or coins, and paint each one (watershed).",
        working_buffers=9.0,  # measured: tests/editor/test_memory_estimates.py
    ),
]
