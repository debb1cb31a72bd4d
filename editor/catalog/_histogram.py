"""Catalog entries for processing.histogram.

``histogram()`` itself is not an image operation: the UI's histogram panel
calls it directly.
"""
from processing import histogram

from ..operations import Operation
from ..params import ChoiceParam, FloatParam, IntParam

OPERATIONS = [
    Operation(
        "histogram.equalize",
        "Equalize histogram",
        "Histogram",
        histogram.equalize_histogram,
        (
            ChoiceParam(
                "mode", "Mode",
                choices=(("luminance", "Luminance (keep colours)"), ("per_channel", "Per channel")),
                help="Equalise the brightness and keep each pixel's hue, or stretch R, G and B "
                "separately (stronger, shifts colours).",
            ),
        ),
        description="Spread the tones evenly over the whole range, for more contrast.",
        working_buffers=3.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "histogram.clahe",
        "Adaptive equalization (CLAHE)",
        "Histogram",
        histogram.clahe,
        (
            FloatParam(
                "clip_limit", "Clip limit", minimum=1.0, maximum=40.0, step=0.1, decimals=1, log=True,
                help="How far local contrast may be raised, as a multiple of the mean bin count: "
                "1 leaves the image unchanged, higher is stronger.",
            ),
            IntParam(
                "tiles", "Tiles", minimum=1, maximum=64,
                help="Number of tiles along each side; each tile is equalised on its own, "
                "so more tiles adapt to smaller details.",
            ),
        ),
        description="Raise the contrast region by region, limited so that noise is not blown up (CLAHE).",
        working_buffers=4.0,  # measured: tests/editor/test_memory_estimates.py
    ),
]
