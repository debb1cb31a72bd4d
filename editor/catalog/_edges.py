"""Catalog entries for processing.edges.

Gradient filters work on each colour channel; Canny works on the luminance and
returns a gray image of 0 and 1, like the thresholds.
"""
from processing import edges

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, FloatParam, ProxyScaling
from ._scratch import BAND_SCRATCH

_DIRECTION = ChoiceParam(
    "direction", "Direction",
    choices=(("both", "Magnitude (both)"), ("x", "Horizontal change (vertical edges)"),
             ("y", "Vertical change (horizontal edges)")),
    help="Edges in every direction, or the derivative along one axis only.",
)
_SIGNED = BoolParam(
    "signed", "Keep sign",
    help="With one direction: show rising edges light and falling edges dark on mid-gray.",
)


def _gradient(op_id: str, title: str, function) -> Operation:
    description = f"Show the edges: how fast the brightness changes, by the {title} operator."
    # Working buffers measured (tests/editor/test_memory_estimates.py): both derivatives and their magnitude.
    return Operation(op_id, title, "Edges", function, (_DIRECTION, _SIGNED), margin=1, description=description,
                     working_buffers=4.5)



def _high_not_below_low(values):
    if values["high"] < values["low"]:
        return "high", (
            f"the high threshold must be at least the low threshold, got low {values['low']:g} and high {values['high']:g}"
        )
    return None


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
                "signed", "Keep sign",
                help="Show the signed second derivative on mid-gray instead of its absolute value.",
            ),
        ),
        margin=1,
        description="Show edges and fine detail with the second derivative (Laplacian).",
    ),
    Operation(
        "edges.canny",
        "Canny edges",
        "Edges",
        edges.canny,
        (
            FloatParam(
                "sigma", "Smoothing", minimum=0.0, maximum=20.0, step=0.1, decimals=1,
                scaling=ProxyScaling.LENGTH,
                help="Gaussian blur before finding edges, in full-size pixels: larger keeps coarser edges.",
            ),
            FloatParam(
                "low", "Low threshold", minimum=0.0, maximum=1.5, step=0.005, decimals=3,
                help="Edges continue wherever the gradient is above this (1 = a sharp black-to-white step).",
            ),
            FloatParam(
                "high", "High threshold", minimum=0.0, maximum=1.5, step=0.005, decimals=3,
                help="Edges start only where the gradient is above this; must be at least the low threshold.",
            ),
        ),
        working_buffers=3.5,  # measured: tests/editor/test_memory_estimates.py
        thread_scratch=BAND_SCRATCH,  # its Gaussian smoothing
        description="Find thin, connected edges with Canny's detector; the result is black and white.",
        check=_high_not_below_low,
    ),
]
