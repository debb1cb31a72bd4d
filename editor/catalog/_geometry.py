"""Catalog entries for processing.geometry.

Pixel distances and positions (shifts, crop rectangle, sizes, quad corners,
matrix translations) scale with the preview proxy; angles, factors and
interpolation choices do not. Every transform that can change the image size
says so with ``changes_size=True``.
"""
from processing import geometry

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, ColorParam, FloatParam, IntParam, MatrixParam, ProxyScaling, QuadParam

_WARP_CHOICES = (("nearest", "Nearest neighbour"), ("bilinear", "Bilinear"), ("bicubic", "Bicubic"))
_RESIZE_CHOICES = _WARP_CHOICES + (("lanczos", "Lanczos"), ("area", "Area average"))
_MAX_SIDE = 100_000  # more than any real image: sizes are clamped or checked by the function


def _interpolation(default: str = "bilinear", choices=_WARP_CHOICES) -> ChoiceParam:
    return ChoiceParam(
        "interpolation", "Interpolation", default, choices=choices,
        help="How values between pixels are read: nearest keeps hard pixels, bicubic is sharpest.",
    )


def _fill() -> ColorParam:
    return ColorParam(
        "fill", "Fill", (0.0, 0.0, 0.0),
        help="Colour of the uncovered areas (images with alpha get transparency there instead).",
    )


OPERATIONS = [
    Operation(
        "geometry.flip",
        "Flip",
        "Geometry",
        geometry.flip,
        (
            ChoiceParam(
                "direction", "Direction", "horizontal",
                choices=(("horizontal", "Horizontal (mirror)"), ("vertical", "Vertical (upside down)")),
                help="Horizontal swaps left and right; vertical swaps top and bottom.",
            ),
        ),
    ),
    Operation(
        "geometry.rotate90",
        "Rotate by 90°",
        "Geometry",
        geometry.rotate90,
        (
            IntParam(
                "k", "Quarter turns", 1, minimum=-3, maximum=3,
                help="Number of 90 degree turns counter-clockwise; negative turns clockwise. Lossless.",
            ),
        ),
        changes_size=True,
    ),
    Operation(
        "geometry.rotate",
        "Rotate",
        "Geometry",
        geometry.rotate,
        (
            FloatParam(
                "angle_deg", "Angle", 0.0, minimum=-180.0, maximum=180.0, step=0.1, decimals=1,
                help="Degrees counter-clockwise about the image centre.",
            ),
            BoolParam("expand", "Expand", False, help="Grow the image to hold all of the rotated picture."),
            _interpolation(),
            _fill(),
        ),
        changes_size=True,
    ),
    Operation(
        "geometry.resize",
        "Resize",
        "Geometry",
        geometry.resize,
        (
            ChoiceParam(
                "mode", "Size by", "scale", choices=(("scale", "Scale factor"), ("size", "Width and height")),
                help="Resize by a factor, or to a width and height in pixels.",
            ),
            FloatParam(
                "scale", "Scale", 1.0, minimum=0.01, maximum=8.0, step=0.01, decimals=2, log=True,
                help="Factor on both sides (0.5 halves them) when sizing by scale factor.",
            ),
            IntParam(
                "width", "Width", 0, minimum=0, maximum=_MAX_SIDE, log=False,
                scaling=ProxyScaling.LENGTH,
                help="New width in pixels when sizing by width and height; 0 follows the height, keeping the aspect ratio.",
            ),
            IntParam(
                "height", "Height", 0, minimum=0, maximum=_MAX_SIDE, log=False,
                scaling=ProxyScaling.LENGTH,
                help="New height in pixels when sizing by width and height; 0 follows the width, keeping the aspect ratio.",
            ),
            _interpolation("bicubic", _RESIZE_CHOICES),
        ),
        changes_size=True,
    ),
    Operation(
        "geometry.translate",
        "Translate",
        "Geometry",
        geometry.translate,
        (
            FloatParam(
                "dx", "Right", 0.0, minimum=-10_000.0, maximum=10_000.0, step=1.0, decimals=1,
                scaling=ProxyScaling.LENGTH, help="Shift to the right in pixels (negative: left).",
            ),
            FloatParam(
                "dy", "Down", 0.0, minimum=-10_000.0, maximum=10_000.0, step=1.0, decimals=1,
                scaling=ProxyScaling.LENGTH, help="Shift down in pixels (negative: up).",
            ),
            _interpolation(),
            _fill(),
        ),
    ),
    Operation(
        "geometry.crop",
        "Crop",
        "Geometry",
        geometry.crop,
        (
            IntParam("x", "Left", 0, minimum=0, maximum=_MAX_SIDE, scaling=ProxyScaling.LENGTH,
                     help="Column of the first pixel kept, in pixels from the left edge."),
            IntParam("y", "Top", 0, minimum=0, maximum=_MAX_SIDE, scaling=ProxyScaling.LENGTH,
                     help="Row of the first pixel kept, in pixels from the top edge."),
            IntParam("width", "Width", _MAX_SIDE, minimum=1, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Width kept in pixels; clamped at the right edge of the image."),
            IntParam("height", "Height", _MAX_SIDE, minimum=1, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Height kept in pixels; clamped at the bottom edge of the image."),
        ),
        changes_size=True,
        canvas_rect=("x", "y", "width", "height"),
    ),
    Operation(
        "geometry.affine",
        "Affine transform",
        "Geometry",
        geometry.affine,
        (
            MatrixParam(
                "matrix", "Matrix", ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
                help="Rows (a, b, tx); (c, d, ty): input (x, y) moves to (a x + b y + tx, c x + d y + ty), "
                     "translations in pixels from the top-left corner.",
            ),
            _interpolation(),
            _fill(),
        ),
    ),
    Operation(
        "geometry.perspective",
        "Perspective correction",
        "Geometry",
        geometry.perspective,
        (
            QuadParam(
                "quad", "Corners", ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0)),
                help="Corners of the area to straighten, in pixels: top-left, top-right, bottom-right, "
                     "bottom-left. All (0, 0) means the whole image.",
            ),
            IntParam("width", "Width", 0, minimum=0, maximum=_MAX_SIDE, scaling=ProxyScaling.LENGTH,
                     help="Output width in pixels; 0 takes the longer of the quad's top and bottom sides."),
            IntParam("height", "Height", 0, minimum=0, maximum=_MAX_SIDE, scaling=ProxyScaling.LENGTH,
                     help="Output height in pixels; 0 takes the longer of the quad's left and right sides."),
            _interpolation(),
            _fill(),
        ),
        changes_size=True,
    ),
]
