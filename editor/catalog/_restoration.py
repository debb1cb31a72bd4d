"""Catalog entries for processing.noise and processing.restoration.

"Auto" strength: the denoisers' strength 0 means "measure the noise in the
image and choose for me" (the panel says so). An automatic strength reads
the whole image (its noise estimate), so such a step's margin is None (the
whole image): a zoomed-in preview then renders it whole, and matches the
final render.

Margins: non-local means reads its search window plus half a patch;
Richardson-Lucy each iteration reaches one PSF radius further; Wiener's
inverse filter has no hard edge: its declared margin is twice the context
each of its own tiles reads, where what is left of its response is lost
in the 8-bit rounding of a photo.
Total variation (stopped by a whole-image energy), noise (drawn for the
whole picture) and inpainting (a hole is filled from all its edges) need
the whole image.
"""
from processing import noise, restoration

from ..operations import Operation
from ..params import ChoiceParam, FloatParam, IntParam, ProxyScaling

_MAX_SIDE = 100_000

_PSF_CHOICES = (("gaussian", "Gaussian (soft focus)"), ("motion", "Motion (shake)"), ("disk", "Disk (out of focus)"))
_PSF_PARAMS = (
    ChoiceParam(
        "psf_kind", "Blur shape", choices=_PSF_CHOICES,
        help="What made the picture blurry: a soft lens or haze (Gaussian), a straight movement of the "
        "camera or subject (motion), or a lens out of focus (disk).",
    ),
    FloatParam(
        "psf_size", "Blur size", minimum=0.0, maximum=50.0, step=0.1, decimals=1, log=True,
        scaling=ProxyScaling.LENGTH,
        help="How far the blur spreads a point, in pixels of the full-size image: the Gaussian's radius "
        "(standard deviation), the length of the motion streak, or the radius of the defocus disk.",
    ),
    FloatParam(
        "angle_deg", "Motion angle", minimum=-180.0, maximum=180.0, step=1.0, decimals=0,
        help="Direction of a motion blur in degrees, counter-clockwise from horizontal (other shapes ignore it).",
    ),
)


def _psf_radius(params) -> int:
    """Half the side of the PSF the parameters describe, in pixels."""
    return max(restoration.make_psf(params["psf_kind"], params["psf_size"], params["angle_deg"]).shape) // 2


def _nl_means_margin(params) -> int | None:
    if params["h"] == 0:
        return None  # Auto measures the noise on the whole image
    return params["search_radius"] + (params["patch_size"] | 1) // 2


OPERATIONS = [
    Operation(
        "restore.add_noise",
        "Add noise",
        "Restoration",
        noise.add_noise,
        (
            ChoiceParam(
                "kind", "Kind",
                choices=(("gaussian", "Gaussian (grain)"), ("salt_pepper", "Salt and pepper (specks)"),
                         ("poisson", "Photon (low light)"), ("speckle", "Speckle (proportional)")),
                help="Grain of even strength everywhere; black and white specks; the noise of a dim photo, "
                "stronger in bright areas; or grain proportional to the brightness.",
            ),
            FloatParam(
                "amount", "Amount", minimum=0.0, maximum=1.0, step=0.005, decimals=3, log=True,
                help="Strength: the grain's standard deviation on a 0 to 1 scale (at white for photon "
                "noise), or the share of the picture turned into specks. 0 adds nothing.",
            ),
            IntParam(
                "seed", "Seed", minimum=0, maximum=2**31 - 1,
                help="Which random pattern: the same seed always gives the same noise.",
            ),
        ),
        description="Add grain, specks or low-light noise, reproducibly (for testing and training).",
    ),
    Operation(
        "restore.denoise_nl_means",
        "Denoise (non-local means)",
        "Restoration",
        restoration.denoise_nl_means,
        (
            FloatParam(
                "h", "Strength", minimum=0.0, maximum=0.5, step=0.005, decimals=3,
                help="How different two patches may be and still be averaged, on a 0 to 1 scale. "
                "0 is Auto: the noise is measured in the image and the strength chosen from it.",
            ),
            IntParam(
                "patch_size", "Patch size", minimum=1, maximum=15, step=2, scaling=ProxyScaling.LENGTH,
                help="Side of the square patches compared, in full-size pixels (odd; an even size counts "
                "as the next odd one). Larger patches keep textures, smaller ones fine detail.",
            ),
            IntParam(
                "search_radius", "Search distance", minimum=1, maximum=30, scaling=ProxyScaling.LENGTH,
                help="How far away, in full-size pixels, similar patches are looked for. Time grows with "
                "its square.",
            ),
        ),
        live=False,  # ~0.6 s per 0.26 MP in the bench: ~30-50 s for a 12 MP photo at the default search distance
        margin=_nl_means_margin,
        working_buffers=6.0,
        description="Remove noise by averaging each pixel with pixels whose surroundings look alike: "
        "keeps edges and textures.",
    ),
    Operation(
        "restore.denoise_tv",
        "Denoise (total variation)",
        "Restoration",
        restoration.denoise_tv,
        (
            FloatParam(
                "weight", "Strength", minimum=0.0, maximum=1.0, step=0.005, decimals=3, log=True,
                help="How flat the result may become at the expense of detail. 0 is Auto: chosen from "
                "the noise measured in the image.",
            ),
            IntParam(
                "iterations", "Iterations", minimum=1, maximum=1000, log=True,
                help="Most refinement steps; it stops earlier once the result no longer changes.",
            ),
        ),
        live=False,  # ~1.3 s for a 2 MP proxy, ~7 s per 12 MP at Auto strength (2 busy cores)
        working_buffers=5.0,
        description="Remove noise by flattening areas while keeping edges sharp (a cartoon-like smoothing "
        "when strong).",
    ),
    Operation(
        "restore.denoise_wavelet",
        "Denoise (wavelet)",
        "Restoration",
        restoration.denoise_wavelet,
        (
            FloatParam(
                "sigma", "Noise level", minimum=0.0, maximum=0.5, step=0.005, decimals=3,
                help="How strong the noise is, on a 0 to 1 scale; the larger, the more is smoothed away. "
                "0 is Auto: measured in the image.",
            ),
            ChoiceParam(
                "mode", "Shrinking", choices=(("soft", "Soft (smoother)"), ("hard", "Hard (keeps more detail)")),
                help="Soft shrinks all fine detail a little; hard keeps strong detail as it is and drops the rest.",
            ),
        ),
        live=True,  # a few passes over the image: ~0.2 s for a 2 MP proxy, ~1.4 s per 12 MP
        description="Remove noise quickly by dropping the faint fine-scale detail that noise is made of.",
    ),
    Operation(
        "restore.deblur_wiener",
        "Deblur (Wiener)",
        "Restoration",
        restoration.deblur_wiener,
        _PSF_PARAMS + (
            FloatParam(
                "balance", "Noise balance", minimum=0.0001, maximum=1.0, step=0.001, decimals=4, log=True,
                help="Small values recover more detail and amplify more noise; larger ones are calmer.",
            ),
        ),
        live=True,  # FFT tiles: ~0.15 s for a 2 MP proxy, ~1.2 s per 12 MP (2 busy cores)
        margin=lambda p: 4 * _psf_radius(p) + 32,
        working_buffers=6.0,
        description="Sharpen a blurred photo when you know the blur's shape: fast, one pass.",
    ),
    Operation(
        "restore.deblur_richardson_lucy",
        "Deblur (Richardson-Lucy)",
        "Restoration",
        restoration.deblur_richardson_lucy,
        _PSF_PARAMS + (
            IntParam(
                "iterations", "Iterations", minimum=1, maximum=200, log=True,
                help="More iterations recover more detail, and more noise.",
            ),
        ),
        live=False,  # two tiled FFT convolutions per iteration: tens of seconds per 12 MP
        margin=lambda p: p["iterations"] * (_psf_radius(p) + 1),
        working_buffers=6.0,
        description="Sharpen a blurred photo when you know the blur's shape, step by step: keeps "
        "brightness and never goes negative.",
    ),
    Operation(
        "restore.inpaint",
        "Inpaint",
        "Restoration",
        restoration.inpaint_area,
        (
            ChoiceParam(
                "method", "Method",
                choices=(("telea", "Continue edges (fast marching)"), ("harmonic", "Smooth")),
                help="Continue the colours and edges around the hole inward, or fill it as smoothly as "
                "possible (best for large plain areas).",
            ),
            IntParam(
                "radius", "Reach", minimum=1, maximum=30, scaling=ProxyScaling.LENGTH,
                help="Edge-continuing method: how far around each pixel, in full-size pixels, colours are "
                "taken from.",
            ),
            IntParam("x", "Left", minimum=0, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Without a selection: left edge of the rectangle to fill, in pixels."),
            IntParam("y", "Top", minimum=0, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Without a selection: top edge of the rectangle to fill, in pixels."),
            IntParam("width", "Width", minimum=0, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Without a selection: width of the rectangle to fill, in pixels (0: none). "
                     "Drag a rectangle on the image to set it."),
            IntParam("height", "Height", minimum=0, maximum=_MAX_SIDE, log=True,
                     scaling=ProxyScaling.LENGTH,
                     help="Without a selection: height of the rectangle to fill, in pixels (0: none)."),
            FloatParam(
                "threshold", "Fill brighter than", minimum=0.0, maximum=1.0, step=0.01,
                help="Without a selection: also fill every spot brighter than this (white dust and "
                "scratches on a scan). 1 fills none.",
            ),
        ),
        live=False,  # depends on the hole: a large one takes seconds
        canvas_rect=("x", "y", "width", "height"),
        mask_argument="mask",
        description="Fill the selection (or a rectangle, or bright specks) from its surroundings: remove "
        "blemishes, scratches and small objects.",
    ),
]
