"""Catalog entries for processing.segmentation.

Operations that find labels show them as an overlay on the picture (mean
colour of each region, or a fixed palette); the magic wand tints its region.
"""
from processing import segmentation

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, ColorParam, FloatParam, IntParam, PointParam, ProxyScaling


def _mode(default: str) -> ChoiceParam:
    return ChoiceParam(
        "mode", "Show", default,
        choices=(("mean", "Mean colour"), ("palette", "Palette")),
        help="Paint each region with its mean colour, or with a distinct colour per region.",
    )


def _opacity(default: float) -> FloatParam:
    return FloatParam("opacity", "Opacity", default, minimum=0.0, maximum=1.0,
                      help="How much the region colours cover the picture.")


_CONNECTIVITY = IntParam(
    "connectivity", "Connectivity", 8, minimum=4, maximum=8, step=4,
    help="4: only side-by-side neighbours join up; 8: diagonal neighbours join too.",
)

OPERATIONS = [
    Operation(
        "segmentation.magic_wand",
        "Magic wand",
        "Segmentation",
        segmentation.region_highlight,
        (
            PointParam("seed_xy", "Seed", (0.0, 0.0), help="Click the colour to select."),
            FloatParam(
                "tolerance", "Tolerance", 0.1, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                help="Largest difference from the seed's colour, in any channel, that still matches.",
            ),
            _CONNECTIVITY,
            ChoiceParam(
                "mode", "Select", "connected",
                choices=(("connected", "Connected region"), ("global", "Every matching colour")),
                help="Only the matching area connected to the seed, or every matching colour in the image.",
            ),
            ColorParam("color", "Tint", (1.0, 0.25, 0.1), help="Colour laid over the selected region."),
            _opacity(0.5),
        ),
    ),
    Operation(
        "segmentation.components",
        "Connected components",
        "Segmentation",
        segmentation.components_overlay,
        (_CONNECTIVITY, _mode("palette"), _opacity(0.6)),
    ),
    Operation(
        "segmentation.kmeans",
        "Colour clustering (k-means)",
        "Segmentation",
        segmentation.kmeans_colors,
        (
            IntParam("k", "Colours", 8, minimum=1, maximum=64, help="Number of colour clusters."),
            IntParam("seed", "Seed", 0, minimum=0, maximum=9999,
                     help="Random seed: another value gives another, equally valid, clustering."),
            IntParam("iterations", "Iterations", 20, minimum=1, maximum=100,
                     help="Most refinement rounds (it stops earlier once stable)."),
            _mode("mean"),
            _opacity(1.0),
        ),
        live=False,
    ),
    Operation(
        "segmentation.slic",
        "Superpixels (SLIC)",
        "Segmentation",
        segmentation.slic_superpixels,
        (
            IntParam("n_segments", "Regions", 400, minimum=1, maximum=10_000, log=True,
                     help="About how many compact regions to cut the image into."),
            FloatParam("compactness", "Compactness", 10.0, minimum=0.1, maximum=100.0, step=0.1, decimals=1,
                       log=True, help="Higher gives rounder, more regular regions that follow edges less."),
            BoolParam("boundaries", "Boundaries", True, help="Draw the lines where regions meet."),
            _mode("mean"),
            _opacity(1.0),
            ColorParam("boundary_color", "Line colour", (1.0, 1.0, 0.0), help="Colour of the boundary lines."),
        ),
        live=False,
    ),
    Operation(
        "segmentation.split_objects",
        "Split touching objects (watershed)",
        "Segmentation",
        segmentation.split_objects,
        (
            FloatParam("threshold", "Threshold", 0.5, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                       help="Brightness separating objects from background (when not automatic)."),
            IntParam("min_distance", "Min. distance", 10, minimum=1, maximum=500, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Smallest distance between two object centres, in pixels of the full-size image."),
            BoolParam("auto_threshold", "Automatic threshold", True, help="Pick the threshold with Otsu's method."),
            ChoiceParam("foreground", "Objects are", "bright",
                        choices=(("bright", "Brighter than the background"), ("dark", "Darker than the background")),
                        help="Whether objects are lighter or darker than what surrounds them."),
            _mode("palette"),
            _opacity(0.6),
        ),
        live=False,
    ),
]
