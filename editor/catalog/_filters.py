"""Catalog entries for processing.filters."""
import math

from processing import filters

from ..operations import Operation
from ..params import BoolParam, FloatParam, IntParam, ProxyScaling
from ._bounded import BoundedKernelParam
from ._scratch import BAND_SCRATCH


def _gaussian_margin(name: str):
    """Reach of a Gaussian of standard deviation ``params[name]`` (4 sigma)."""
    return lambda params: int(4.0 * params[name] + 0.5) + 1


OPERATIONS = [
    Operation(
        "filter.gaussian_blur",
        "Gaussian blur",
        "Filters",
        filters.gaussian_blur,
        (
            FloatParam(
                "sigma", "Radius", 2.0, minimum=0.0, maximum=200.0, step=0.1, decimals=1, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Standard deviation of the Gaussian, in pixels of the full-size image.",
            ),
        ),
        margin=_gaussian_margin("sigma"),
        description="Soften the image with a smooth, natural-looking blur.",
        working_buffers=4.0,  # measured: tests/editor/test_memory_estimates.py
        thread_scratch=BAND_SCRATCH,
    ),
    Operation(
        "filter.box_blur",
        "Box blur",
        "Filters",
        filters.box_blur,
        (
            IntParam(
                "radius", "Radius", 2, minimum=0, maximum=200, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Each pixel becomes the mean of the (2 radius + 1) square around it, in full-size pixels.",
            ),
        ),
        margin=lambda p: p["radius"],
        description="Blur by averaging each pixel with the square of pixels around it.",
        working_buffers=4.0,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "filter.median_filter",
        "Median",
        "Filters",
        filters.median_filter,
        (
            IntParam(
                # Capped where a full 12 MP render still takes seconds, not
                # minutes: the exact median's cost grows about as r^1.5
                # (12 MP from an 8-bit file, 2 cores: 1.5 s at radius 7, 5.2 s at 15).
                "radius", "Radius", 1, minimum=0, maximum=15, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Each pixel becomes the median of the (2 radius + 1) square around it: removes "
                "speckles and salt-and-pepper noise while keeping edges.",
            ),
        ),
        live=False,  # 12 MP photo, 2 cores: 0.3 s at radius 2 (0.5 s on float data), 1.5 s at 7
        margin=lambda p: p["radius"],
        description="Remove specks and salt-and-pepper noise while keeping edges sharp.",
    ),
    Operation(
        "filter.unsharp_mask",
        "Unsharp mask",
        "Filters",
        filters.unsharp_mask,
        (
            FloatParam(
                "radius", "Radius", 2.0, minimum=0.0, maximum=100.0, step=0.1, decimals=1, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Size of the detail to enhance: sigma of the Gaussian blur, in full-size pixels.",
            ),
            FloatParam(
                "amount", "Amount", 1.0, minimum=0.0, maximum=5.0, step=0.05,
                help="Strength: 0 leaves the image unchanged, 1 doubles the detail.",
            ),
            FloatParam(
                "threshold", "Threshold", 0.0, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                help="Differences smaller than this are not sharpened (keeps noise and skin smooth).",
            ),
        ),
        margin=_gaussian_margin("radius"),
        description="Sharpen by boosting the difference between the image and a blurred copy.",
        working_buffers=3.5,  # measured: tests/editor/test_memory_estimates.py
        thread_scratch=BAND_SCRATCH,
    ),
    Operation(
        "filter.bilateral_filter",
        "Bilateral",
        "Filters",
        filters.bilateral_filter,
        (
            FloatParam(
                "sigma_spatial", "Spatial radius", 3.0, minimum=0.0, maximum=20.0, step=0.1, decimals=1,
                scaling=ProxyScaling.LENGTH,
                help="Sigma of the neighbourhood in full-size pixels; the window reaches twice as far.",
            ),
            FloatParam(
                "sigma_range", "Colour range", 0.1, minimum=0.0, maximum=1.0, step=0.01, log=True,
                help="Colours further apart than about this are not mixed: small values keep more edges.",
            ),
        ),
        live=False,  # exact windowed filter: about 4 s on a 12 MP photo at sigma 3,
        margin=lambda p: math.ceil(2 * p["sigma_spatial"]),
        description="Smooth away noise but keep edges: only neighbours of similar colour are mixed.",
        working_buffers=7.5,  # measured: tests/editor/test_memory_estimates.py
    ),
    Operation(
        "filter.convolve",
        "Custom kernel",
        "Filters",
        filters.convolve,
        (
            BoundedKernelParam(
                "kernel", "Kernel", filters.KERNEL_PRESETS["sharpen"],
                default_reason="the function's identity kernel would preview as no change at all",
                presets=tuple(filters.KERNEL_PRESETS.items()),
                help="Weights of a 3x3, 5x5 or 7x7 convolution (the kernel is flipped, as in "
                "mathematics; a CNN layer correlates, i.e. uses it unflipped).",
            ),
            BoolParam(
                "normalize", "Normalize", False,
                help="Divide the weights by their sum (when it is not zero) so flat areas keep their brightness.",
            ),
        ),
        margin=lambda p: len(p["kernel"]) // 2,
        description="Run each colour channel through a small grid of weights you type, or a preset.",
        working_buffers=4.0,  # measured: tests/editor/test_memory_estimates.py
    ),
]
