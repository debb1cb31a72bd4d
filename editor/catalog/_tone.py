"""Catalog entries for processing.tone."""
from processing import tone

from ..operations import Operation
from ..params import FloatParam

OPERATIONS = [
    Operation(
        "tone.brightness_contrast",
        "Brightness / contrast",
        "Tone",
        tone.brightness_contrast,
        (
            FloatParam("brightness", "Brightness", 0.0, minimum=-1.0, maximum=1.0, help="Added to every value."),
            FloatParam(
                "contrast", "Contrast", 0.0, minimum=-1.0, maximum=1.0,
                help="-1 flattens to grey, 0 keeps, 1 thresholds at mid-grey.",
            ),
        ),
    ),
]
