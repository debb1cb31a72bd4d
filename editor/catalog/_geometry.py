"""Catalog entries for processing.geometry.

Pixel distances and positions (shifts, crop rectangle, sizes, quad corners,
matrix translations) scale with the preview proxy; angles, factors and
interpolation choices do not. Every transform that can change the image size
says so with ``changes_size=True``.

Ranges in pixels follow the image (``Operation.for_image``): crop and the
shifts up to its width and height, output sizes up to eight times it (the
resize factor's own limit). The fixed limits below are what a recipe applied
to any image is checked against.
"""
import math

from processing import geometry

from ..operations import Operation
from ..params import BoolParam, ChoiceParam, ColorParam, FloatParam, IntParam, ProxyScaling
from ._bounded import BoundedMatrixParam, BoundedQuadParam
from ._scratch import WARP_SCRATCH

_WARP_CHOICES = (("nearest", "Nearest neighbour"), ("bilinear", "Bilinear"), ("bicubic", "Bicubic"))
_RESIZE_CHOICES = _WARP_CHOICES + (("lanczos", "Lanczos"), ("area", "Area average"))
_MAX_SIDE = 100_000  # more than any real image: sizes are clamped or checked by the function
_MAX_ENLARGEMENT = 8  # as the resize factor's maximum


def _minus_width(height: int, width: int) -> int:
    return -width


def _minus_height(height: int, width: int) -> int:
    return -height


def _enlarged_width(height: int, width: int) -> int:
    return _MAX_ENLARGEMENT * width


def _enlarged_height(height: int, width: int) -> int:
    return _MAX_ENLARGEMENT * height


def _image_corners(height: int, width: int):
    """The whole image as a quad: its outer corners, clockwise from the top-left."""
    return ((0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height)))


# -- output sizes, for the memory guard: the functions' own formulas, without running them --
def _channels(shape):
    return shape[2:]


def _rotate90_shape(shape, values):
    k = int(values.get("k", 1))
    return (shape[1], shape[0], *_channels(shape)) if k % 2 else tuple(shape)


def _rotate_shape(shape, values):
    crop = values.get("crop", "none")
    if crop != "none":
        # The kept rectangle is a formula of the shape alone: the function's own.
        _, _, width, height = geometry.rotated_crop_rect(
            shape, float(values.get("angle_deg", 0.0)), expand=bool(values.get("expand", False)),
            interpolation=values.get("interpolation", "bilinear"), keep_aspect=crop == "aspect")
        return (height, width, *_channels(shape))
    if not values.get("expand", False):
        return tuple(shape)
    h, w = shape[:2]
    t = math.radians(float(values.get("angle_deg", 0.0)))
    c, s = abs(math.cos(t)), abs(math.sin(t))
    # As the function: ceil with a small tolerance so that multiples of 90 degrees are exact.
    return (math.ceil(w * s + h * c - 1e-6), math.ceil(w * c + h * s - 1e-6), *_channels(shape))


def _resize_shape(shape, values):
    h, w = shape[:2]
    if values.get("mode", "scale") == "scale":
        scale = float(values.get("scale", 1.0))
        return (max(1, round(h * scale)), max(1, round(w * scale)), *_channels(shape))
    width, height = int(values.get("width", 0)), int(values.get("height", 0))
    if width and height:
        out = (height, width)
    elif width:
        out = (max(1, round(h * width / w)), width)
    elif height:
        out = (height, max(1, round(w * height / h)))
    else:
        out = (h, w)
    return (*out, *_channels(shape))


def _crop_shape(shape, values):
    h, w = shape[:2]
    x, y = int(values.get("x", 0)), int(values.get("y", 0))
    width, height = int(values.get("width", w)), int(values.get("height", h))
    return (max(0, min(height, h - y)), max(0, min(width, w - x)), *_channels(shape))


def _perspective_shape(shape, values):
    h, w = shape[:2]
    quad = values.get("quad") or ((0, 0),) * 4
    points = [(float(x), float(y)) for x, y in quad]
    if not any(x or y for x, y in points):
        points = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]

    def side(a, b):
        return math.hypot(points[a][0] - points[b][0], points[a][1] - points[b][1])

    # An infinite side gives an infinite estimate, which the guard refuses with a message.
    out_w = int(values.get("width", 0)) or max(1, _rounded(max(side(0, 1), side(3, 2))))
    out_h = int(values.get("height", 0)) or max(1, _rounded(max(side(0, 3), side(1, 2))))
    return (out_h, out_w, *_channels(shape))


def _rounded(x: float) -> int:
    return round(x) if math.isfinite(x) else 1 << 62


def _interpolation(choices=_WARP_CHOICES) -> ChoiceParam:
    return ChoiceParam(
        "interpolation", "Interpolation", choices=choices,
        help="How values between pixels are read: nearest keeps hard pixels, bicubic is sharpest.",
    )


def _fill() -> ColorParam:
    return ColorParam(
        "fill", "Fill",
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
                "direction", "Direction",
                choices=(("horizontal", "Horizontal (mirror)"), ("vertical", "Vertical (upside down)")),
                help="Horizontal swaps left and right; vertical swaps top and bottom.",
            ),
        ),
        description="Mirror the image left to right, or turn it upside down.",
    ),
    Operation(
        "geometry.rotate90",
        "Rotate by 90°",
        "Geometry",
        geometry.rotate90,
        (
            IntParam(
                "k", "Quarter turns", minimum=-3, maximum=3,
                help="Number of 90 degree turns counter-clockwise; negative turns clockwise. Lossless.",
            ),
        ),
        changes_size=True,
        output_shape=_rotate90_shape,
        description="Turn the image by quarter turns, without any loss of quality.",
    ),
    Operation(
        "geometry.rotate",
        "Rotate",
        "Geometry",
        geometry.rotate,
        (
            FloatParam(
                "angle_deg", "Angle", minimum=-180.0, maximum=180.0, step=0.1, decimals=1,
                help="Degrees counter-clockwise about the image centre.",
            ),
            BoolParam("expand", "Expand", help="Grow the image to hold all of the rotated picture."),
            _interpolation(),
            _fill(),
            ChoiceParam(
                "crop", "Crop",
                choices=(("none", "None"), ("largest", "Largest rectangle"), ("aspect", "Keep aspect ratio")),
                help="Cut away the empty corners: keep the largest rectangle the rotated picture fills, "
                     "or the largest with the image's proportions.",
            ),
        ),
        changes_size=True,
        output_shape=_rotate_shape,
        description="Rotate by any angle about the centre of the image, for example to level a horizon.",
        thread_scratch=WARP_SCRATCH,
    ),
    Operation(
        "geometry.resize",
        "Resize",
        "Geometry",
        geometry.resize,
        (
            ChoiceParam(
                "mode", "Size by", choices=(("scale", "Scale factor"), ("size", "Width and height")),
                help="Resize by a factor, or to a width and height in pixels.",
            ),
            FloatParam(
                "scale", "Scale", minimum=0.01, maximum=float(_MAX_ENLARGEMENT), step=0.01, decimals=2, log=True,
                help="Factor on both sides (0.5 halves them) when sizing by scale factor.",
                used_when=("mode", "scale"),
            ),
            IntParam(
                "width", "Width", minimum=0, maximum=_MAX_SIDE, maximum_from=_enlarged_width,
                scaling=ProxyScaling.LENGTH,
                help="New width in pixels when sizing by width and height; 0 follows the height, keeping the aspect ratio.",
                used_when=("mode", "size"),
            ),
            IntParam(
                "height", "Height", minimum=0, maximum=_MAX_SIDE, maximum_from=_enlarged_height,
                scaling=ProxyScaling.LENGTH,
                help="New height in pixels when sizing by width and height; 0 follows the width, keeping the aspect ratio.",
                used_when=("mode", "size"),
            ),
            _interpolation(choices=_RESIZE_CHOICES),
        ),
        changes_size=True,
        output_shape=_resize_shape,
        description="Make the image larger or smaller, by a factor or to a width and height; smooth when shrinking.",
    ),
    Operation(
        "geometry.translate",
        "Translate",
        "Geometry",
        geometry.translate,
        (
            FloatParam(
                "dx", "Right", minimum=-10_000.0, maximum=10_000.0, step=1.0, decimals=1,
                minimum_from=_minus_width, maximum_from="width",
                scaling=ProxyScaling.LENGTH, help="Shift to the right in pixels (negative: left).",
            ),
            FloatParam(
                "dy", "Down", minimum=-10_000.0, maximum=10_000.0, step=1.0, decimals=1,
                minimum_from=_minus_height, maximum_from="height",
                scaling=ProxyScaling.LENGTH, help="Shift down in pixels (negative: up).",
            ),
            _interpolation(),
            _fill(),
        ),
        description="Shift the picture right or down inside a frame of the same size.",
    ),
    Operation(
        "geometry.crop",
        "Crop",
        "Geometry",
        geometry.crop,
        (
            # The function has no defaults: these are the editor's. Unbound,
            # the size means "up to the edge"; bound to an image, the whole image.
            IntParam("x", "Left", 0, minimum=0, maximum=_MAX_SIDE, maximum_from="last_column",
                     scaling=ProxyScaling.LENGTH,
                     help="Column of the first pixel kept, in pixels from the left edge."),
            IntParam("y", "Top", 0, minimum=0, maximum=_MAX_SIDE, maximum_from="last_row",
                     scaling=ProxyScaling.LENGTH,
                     help="Row of the first pixel kept, in pixels from the top edge."),
            IntParam("width", "Width", _MAX_SIDE, minimum=1, maximum=_MAX_SIDE, log=True,
                     maximum_from="width", default_from="width", scaling=ProxyScaling.LENGTH,
                     help="Width kept in pixels; clamped at the right edge of the image."),
            IntParam("height", "Height", _MAX_SIDE, minimum=1, maximum=_MAX_SIDE, log=True,
                     maximum_from="height", default_from="height", scaling=ProxyScaling.LENGTH,
                     help="Height kept in pixels; clamped at the bottom edge of the image."),
        ),
        changes_size=True,
        output_shape=_crop_shape,
        canvas_rect=("x", "y", "width", "height"),
        description="Keep a rectangle of the image and cut away the rest.",
    ),
    Operation(
        "geometry.affine",
        "Affine transform",
        "Geometry",
        geometry.affine,
        (
            BoundedMatrixParam(
                "matrix", "Matrix",
                help="Rows (a, b, tx); (c, d, ty): input (x, y) moves to (a x + b y + tx, c x + d y + ty), "
                     "translations in pixels from the top-left corner.",
            ),
            _interpolation(),
            _fill(),
        ),
        description="Stretch, shear, turn and move the image with a matrix of six numbers.",
        thread_scratch=WARP_SCRATCH,
    ),
    Operation(
        "geometry.perspective",
        "Perspective correction",
        "Geometry",
        geometry.perspective,
        (
            BoundedQuadParam(
                "quad", "Corners", default_from=_image_corners,
                help="Corners of the area to straighten, in pixels: top-left, top-right, bottom-right, "
                     "bottom-left. All (0, 0) means the whole image.",
            ),
            IntParam("width", "Width", minimum=0, maximum=_MAX_SIDE, maximum_from=_enlarged_width,
                     scaling=ProxyScaling.LENGTH,
                     help="Output width in pixels; 0 takes the longer of the area's top and bottom sides."),
            IntParam("height", "Height", minimum=0, maximum=_MAX_SIDE, maximum_from=_enlarged_height,
                     scaling=ProxyScaling.LENGTH,
                     help="Output height in pixels; 0 takes the longer of the area's left and right sides."),
            _interpolation(),
            _fill(),
        ),
        changes_size=True,
        output_shape=_perspective_shape,
        description="Straighten a slanted rectangle, such as a photographed page, into an upright one.",
        thread_scratch=WARP_SCRATCH,
    ),
]
