"""Catalog entries for processing.color."""
from processing import color

from ..operations import Operation
from ..params import ChoiceParam, ColorParam, FloatParam


def _reference_has_light(values):
    if min(values["reference"]) <= 0.0:
        r, g, b = values["reference"]
        return "reference", (
            f"the neutral colour needs some red, green and blue to balance on, got ({r:g}, {g:g}, {b:g})"
        )
    return None


def _mix(name: str, label: str) -> FloatParam:
    return FloatParam(name, label, minimum=-2.0, maximum=2.0, step=0.01,
                      help="Weight of this input channel in this output channel.")


OPERATIONS = [
    Operation(
        "color.grayscale",
        "Grayscale",
        "Color",
        color.grayscale,
        (
            ChoiceParam(
                "method", "Method",
                choices=(
                    ("luma", "Luma (Rec. 709)"),
                    ("average", "Average"),
                    ("lightness", "Lightness (HSL)"),
                    ("value", "Value (HSV)"),
                    ("red", "Red channel"),
                    ("green", "Green channel"),
                    ("blue", "Blue channel"),
                ),
                help="How the gray value is made from red, green and blue. The image keeps its channels and alpha.",
            ),
        ),
        margin=0,
        description="Turn the colours into shades of gray.",
    ),
    Operation(
        "color.hue_saturation",
        "Hue / saturation",
        "Color",
        color.hue_saturation,
        (
            FloatParam("hue_deg", "Hue", minimum=-180.0, maximum=180.0, step=1.0, decimals=0,
                       help="Hue rotation in degrees: 120 turns red to green."),
            FloatParam("saturation", "Saturation", minimum=-1.0, maximum=1.0,
                       help="-1 removes all colour, 0 keeps, 1 doubles the HSL saturation."),
            FloatParam("lightness", "Lightness", minimum=-1.0, maximum=1.0,
                       help="-1 is black, 0 keeps, 1 is white."),
        ),
        margin=0,
        description="Shift the hues, and raise or lower the saturation and the lightness.",
    ),
    Operation(
        "color.temperature_tint",
        "Temperature / tint",
        "Color",
        color.temperature_tint,
        (
            FloatParam("temperature", "Temperature", minimum=-1.0, maximum=1.0,
                       help="Positive warms (more red, less blue), negative cools."),
            FloatParam("tint", "Tint", minimum=-1.0, maximum=1.0,
                       help="Positive towards magenta, negative towards green."),
        ),
        margin=0,
        description="Make the colours warmer or cooler, and shift them towards magenta or green.",
    ),
    Operation(
        "color.white_balance",
        "White balance",
        "Color",
        color.white_balance,
        (
            ColorParam(
                "reference", "Neutral colour", pick="color",
                help="The colour of something in the photo that should be gray or white: pick it on the image "
                     "(the pixels around the click are averaged).",
            ),
        ),
        margin=0,
        description="Remove a colour cast: click something that should be neutral gray and the colours are "
                    "balanced so that it is.",
        check=_reference_has_light,
    ),
    Operation(
        "color.normalize_color",
        "Normalize colour",
        "Color",
        color.normalize_color,
        (
            ChoiceParam(
                "method", "Method",
                choices=(
                    ("gray_world", "Gray world"),
                    ("white_patch", "White patch"),
                    ("contrast_stretch", "Contrast stretch"),
                    ("standardize", "Standardize (mean 0, sd 1)"),
                ),
                help="Per-channel white balance or stretch computed from the image's own statistics.",
            ),
            FloatParam("percent_low", "Low percentile", minimum=0.0, maximum=100.0, step=0.1, decimals=1,
                       help="Contrast stretch: this percentile of each channel becomes 0."),
            FloatParam("percent_high", "High percentile", minimum=0.0, maximum=100.0, step=0.1, decimals=1,
                       help="Contrast stretch and white patch: this percentile of each channel becomes 1."),
        ),
        description="Balance or stretch each colour channel from the image's own statistics (automatic white balance or contrast).",
    ),
    Operation(
        "color.channel_mixer",
        "Channel mixer",
        "Color",
        color.channel_mixer,
        (
            _mix("r_from_r", "Red from red"),
            _mix("r_from_g", "Red from green"),
            _mix("r_from_b", "Red from blue"),
            _mix("g_from_r", "Green from red"),
            _mix("g_from_g", "Green from green"),
            _mix("g_from_b", "Green from blue"),
            _mix("b_from_r", "Blue from red"),
            _mix("b_from_g", "Blue from green"),
            _mix("b_from_b", "Blue from blue"),
        ),
        margin=0,
        description="Make each output channel from a mix of the red, green and blue of the input.",
    ),
]
