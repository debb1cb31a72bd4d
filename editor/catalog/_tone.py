"""Catalog entries for processing.tone."""
from processing import tone

from ..operations import Operation
from ..params import CurveParam, FloatParam, IntParam

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
        margin=0,
    ),
    Operation(
        "tone.exposure",
        "Exposure",
        "Tone",
        tone.exposure,
        (
            FloatParam(
                "stops", "Stops", 0.0, minimum=-5.0, maximum=5.0, step=0.1,
                help="Photographic stops: +1 doubles every value, -1 halves it.",
            ),
        ),
        margin=0,
    ),
    Operation(
        "tone.levels",
        "Levels",
        "Tone",
        tone.levels,
        (
            FloatParam("black", "Black point", 0.0, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                       help="Input value that becomes black; darker values clip."),
            FloatParam("white", "White point", 1.0, minimum=0.0, maximum=1.0, step=0.005, decimals=3,
                       help="Input value that becomes white; brighter values clip. Must exceed the black point."),
            FloatParam("midtone_gamma", "Midtones (gamma)", 1.0, minimum=0.1, maximum=10.0, step=0.01, log=True,
                       help="Above 1 brightens the midtones, below 1 darkens them."),
        ),
        margin=0,
    ),
    Operation(
        "tone.curves",
        "Curves",
        "Tone",
        tone.curves,
        (
            CurveParam("points", "Curve", ((0.0, 0.0), (1.0, 1.0)),
                       help="Control points (input, output) of a smooth monotone curve."),
        ),
        margin=0,
    ),
    Operation(
        "tone.gamma",
        "Gamma",
        "Tone",
        tone.gamma,
        (
            FloatParam("gamma", "Gamma", 1.0, minimum=0.1, maximum=10.0, step=0.01, log=True,
                       help="out = in ** (1 / gamma): above 1 brightens the midtones."),
        ),
        margin=0,
    ),
    Operation("tone.invert", "Invert", "Tone", tone.invert, (), margin=0),
    Operation(
        "tone.posterize",
        "Posterize",
        "Tone",
        tone.posterize,
        (IntParam("levels", "Levels", 4, minimum=2, maximum=256, help="Values kept per channel."),),
        margin=0,
    ),
    Operation(
        "tone.solarize",
        "Solarize",
        "Tone",
        tone.solarize,
        (
            FloatParam("threshold", "Threshold", 0.5, minimum=0.0, maximum=1.0,
                       help="Values above it are inverted; 1 leaves the image unchanged."),
        ),
        margin=0,
    ),
]
