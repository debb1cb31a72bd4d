"""Catalog entries for processing.threshold.

Every threshold returns a gray image of 0 and 1 (levels for multi-Otsu),
computed on the luminance of colour images.
"""
from processing import threshold

from ..operations import Operation
from ..params import ChoiceParam, FloatParam, IntParam, ProxyScaling
from ._scratch import BAND_SCRATCH

def _adaptive_margin(values) -> int:
    # The local mean reads a (block_size | 1) window; the Gaussian reads
    # 4 sigma with sigma = (block_size - 1) / 6.
    block = values["block_size"] | 1
    return max(block // 2, int(4 * (block - 1) / 6 + 0.5)) + 1


OPERATIONS = [
    Operation(
        "threshold.global",
        "Threshold",
        "Threshold",
        threshold.threshold_global,
        (
            FloatParam(
                "level", "Level", minimum=0.0, maximum=1.0, step=0.005, decimals=3, pick="luminance",
                help="Luminance at or above this level becomes white, below it black.",
            ),
        ),
        margin=0,
        description="Black and white: white where the brightness reaches the chosen level.",
    ),
    Operation(
        "threshold.otsu",
        "Otsu threshold",
        "Threshold",
        threshold.threshold_otsu,
        description="Black and white at the level that best separates dark from light (Otsu's method).",
    ),
    Operation(
        "threshold.multi_otsu",
        "Multi-level Otsu",
        "Threshold",
        threshold.threshold_multi_otsu,
        (
            IntParam(
                "classes", "Classes", minimum=2, maximum=5,
                help="Number of gray levels in the result, spread evenly from black to white.",
            ),
        ),
        description="Reduce the brightness to a few gray levels that best separate the tones (multi-level Otsu).",
        working_buffers=3.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "threshold.adaptive",
        "Adaptive threshold",
        "Threshold",
        threshold.threshold_adaptive,
        (
            IntParam(
                "block_size", "Block size", minimum=3, maximum=501, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Width in pixels of the neighbourhood each pixel is compared with.",
            ),
            FloatParam(
                "offset", "Offset", minimum=-0.5, maximum=0.5, step=0.005, decimals=3,
                help="Subtracted from the local mean: positive keeps flat areas white.",
            ),
            ChoiceParam(
                "method", "Local mean",
                choices=(("mean", "Box mean"), ("gaussian", "Gaussian weighted")),
                help="Plain mean over the square, or a Gaussian-weighted mean.",
            ),
        ),
        margin=_adaptive_margin,
        thread_scratch=BAND_SCRATCH,  # the Gaussian-weighted mean
        description="Black and white by comparing each pixel with its surroundings: copes with uneven lighting.",
    ),
    Operation(
        "threshold.triangle",
        "Triangle threshold",
        "Threshold",
        threshold.threshold_triangle,
        description="Black and white at a level found by the triangle method: suits a small subject on a large even background.",
    ),
]
