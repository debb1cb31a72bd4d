"""Catalog entries for processing.tone."""
from processing import tone

from ..operations import Operation
from ..params import CurveParam, FloatParam, IntParam


def _white_above_black(values):
    if values["white"] <= values["black"]:
        return "white", (
            f"the white point must be above the black point, got black {values['black']:g} and white {values['white']:g}"
        )
    return None


OPERATIONS = [
    Operation(
        "tone.brightness_contrast",
        "Brightness / contrast",
        "Tone",
        tone.brightness_contrast,
        (
            FloatParam("brightness", "Brightness", minimum=-1.0, maximum=1.0, help="Added to every value."),
            FloatParam(
                "contrast", "Contrast", minimum=-1.0, maximum=1.0,
                help="-1 flattens to grey, 0 keeps, 1 thresholds at mid-grey.",
            ),
        ),
        margin=0,
        description="Brighten or darken the image, and raise or lower its contrast.",
    ),
    Operation(
        "tone.exposure",
        "Exposure",
        "Tone",
        tone.exposure,
        (
            FloatParam(
                "stops", "Stops", minimum=-5.0, maximum=5.0, step=0.1,
                help="Photographic stops: +1 doubles every value, -1 halves it.",
            ),
        ),
        margin=0,
        description="Change the exposure in photographic stops: each stop doubles or halves the light.",
    ),
    Operation(
        "tone.levels",
        "Levels",
        "Tone",
        tone.levels,
        (
            FloatParam("black", "Black point", minimum=0.0, maximum=1.0, step=0.005, decimals=3, pick="luminance",
                       help="Input value that becomes black; darker values clip."),
            FloatParam("white", "White point", minimum=0.0, maximum=1.0, step=0.005, decimals=3, pick="luminance",
                       help="Input value that becomes white; brighter values clip. Must exceed the black point."),
            FloatParam("midtone_gamma", "Midtones (gamma)", minimum=0.1, maximum=10.0, step=0.01, log=True,
                       help="Above 1 brightens the midtones, below 1 darkens them."),
        ),
        margin=0,
        description="Set the black and white points, then brighten or darken the midtones.",
        check=_white_above_black,
    ),
    Operation(
        "tone.curves",
        "Curves",
        "Tone",
        tone.curves,
        (
            CurveParam("points", "Curve",
                       help="Control points (input, output) of a smooth monotone curve."),
        ),
        margin=0,
        description="Reshape the tones with a smooth curve through points you place.",
    ),
    Operation(
        "tone.gamma",
        "Gamma",
        "Tone",
        tone.gamma,
        (
            FloatParam("gamma", "Gamma", minimum=0.1, maximum=10.0, step=0.01, log=True,
                       help="out = in ** (1 / gamma): above 1 brightens the midtones."),
        ),
        margin=0,
        description="Brighten or darken the midtones while black and white stay as they are.",
    ),
    Operation(
        "tone.invert",
        "Invert",
        "Tone",
        tone.invert,
        (),
        margin=0,
        description="Make a negative: dark becomes light and colours turn to their opposites; transparency is kept.",
    ),
    Operation(
        "tone.posterize",
        "Posterize",
        "Tone",
        tone.posterize,
        (IntParam("levels", "Levels", minimum=2, maximum=256, help="Values kept per channel."),),
        margin=0,
        description="Reduce each colour channel to a few evenly spaced values, for a poster look.",
    ),
    Operation(
        "tone.solarize",
        "Solarize",
        "Tone",
        tone.solarize,
        (
            FloatParam("threshold", "Threshold", minimum=0.0, maximum=1.0,
                       help="Values above it are inverted; 1 leaves the image unchanged."),
        ),
        margin=0,
        description="Invert the tones above a threshold and keep the others (the Sabattier effect).",
    ),
]
