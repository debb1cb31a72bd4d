"""Catalog entries for processing.edges.

Gradient filters work on each colour channel; Canny works on the luminance and
returns a gray image of 0 and 1, like the thresholds.
"""
from processing import edges

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, FloatParam, ProxyScaling

_DIRECTION = ChoiceParam(
    "direction", "Direction", "both",
    choices=(("both", "Magnitude (both)"), ("x", "Horizontal change (vertical edges)"),
             ("y", "Vertical change (horizontal edges)")),
    help="Edges in every direction, or the derivative along one axis only.",
)
_SIGNED = BoolParam(
    "signed", "Keep sign", False,
    help="With one direction: show rising edges light and falling edges dark on mid-gray.",
)


def _gradient(op_id: str, title: str, function) -> Operation:
    return Operation(op_id, title, "Edges", function, (_DIRECTION, _SIGNED), margin=1)


OPERATIONS = [
    _gradient("edges.sobel", "Sobel", edges.sobel),
    _gradient("edges.prewitt", "Prewitt", edges.prewitt),
    _gradient("edges.scharr", "Scharr", edges.scharr),
    Operation(
        "edges.laplacian",
        "Laplacian",
        "Edges",
        edges.laplacian,
        (
            BoolParam(
                "signed", "Keep sign", False,
                help="Show the signed second derivative on mid-gray instead of its absolute value.",
            ),
        ),
        margin=1,
    ),
    Operation(
        "edges.canny",
        "Canny edges",
        "Edges",
        edges.canny,
        (
            FloatParam(
                "sigma", "Smoothing", 2.0, minimum=0.0, maximum=20.0, step=0.1, decimals=1,
                scaling=ProxyScaling.LENGTH,
                help="Gaussian blur before finding edges, in full-size pixels: larger keeps coarser edges.",
            ),
            FloatParam(
                "low", "Low threshold", 0.1, minimum=0.0, maximum=1.5, step=0.005, decimals=3,
                help="Edges continue wherever the gradient is above this (1 = a sharp black-to-white step).",
            ),
            FloatParam(
                "high", "High threshold", 0.2, minimum=0.0, maximum=1.5, step=0.005, decimals=3,
                help="Edges start only where the gradient is above this; must be at least the low threshold.",
            ),
        ),
    ),
]
