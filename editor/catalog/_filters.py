"""Catalog entries for processing.filters."""
from processing import filters

from ..operations import Operation
from ..params import FloatParam, IntParam, ProxyScaling

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
    ),
    Operation(
        "filter.median_filter",
        "Median",
        "Filters",
        filters.median_filter,
        (
            IntParam(
                "radius", "Radius", 1, minimum=0, maximum=50, log=True,
                scaling=ProxyScaling.LENGTH,
                help="Each pixel becomes the median of the (2 radius + 1) square around it: removes "
                "speckles and salt-and-pepper noise while keeping edges.",
            ),
        ),
        live=False,  # 1.5-5 s on a 12 MP photo for radius 2-8
    ),
]
