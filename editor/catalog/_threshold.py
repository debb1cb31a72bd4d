"""Catalog entries for processing.threshold.

Every threshold returns a gray image of 0 and 1 (levels for multi-Otsu),
computed on the luminance of colour images.
"""
from processing import threshold

from ..operations import Operation
from ..params import ChoiceParam, FloatParam, IntParam, ProxyScaling

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
                "level", "Level", 0.5, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                help="Luminance at or above this level becomes white, below it black.",
            ),
        ),
        margin=0,
    ),
    Operation("threshold.otsu", "Otsu threshold", "Threshold", threshold.threshold_otsu),
    Operation(
        "threshold.multi_otsu",
        "Multi-level Otsu",
        "Threshold",
        threshold.threshold_multi_otsu,
        (
            IntParam(
                "classes", "Classes", 3, minimum=2, maximum=5,
                help="Number of gray levels in the result, spread evenly from black to white.",
            ),
        ),
    ),
    Operation(
        "threshold.adaptive",
        "Adaptive threshold",
        "Threshold",
        threshold.threshold_adaptive,
        (
            IntParam(
                "block_size", "Block size", 31, minimum=3, maximum=501, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Width in pixels of the neighbourhood each pixel is compared with.",
            ),
            FloatParam(
                "offset", "Offset", 0.02, minimum=-0.5, maximum=0.5, step=0.005, decimals=3,
                help="Subtracted from the local mean: positive keeps flat areas white.",
            ),
            ChoiceParam(
                "method", "Local mean", "mean",
                choices=(("mean", "Box mean"), ("gaussian", "Gaussian weighted")),
                help="Plain mean over the square, or a Gaussian-weighted mean.",
            ),
        ),
        margin=_adaptive_margin,
    ),
    Operation("threshold.triangle", "Triangle threshold", "Threshold", threshold.threshold_triangle),
]
