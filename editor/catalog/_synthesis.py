"""Catalog entry for processing.synthesis: a texture grown from a sample.

The step's selection is the sample (``mask_argument``): the largest
rectangle that lies wholly inside it, so that nothing outside the selection
is copied; a rectangle selection is taken as it is. Without a selection the
whole image is the sample.

The editor adapts two sizes to the sample instead of refusing them, because
the sample (the selection) can change after the values were set and a
recipe meets images of every size: a patch larger than the sample is the
sample's smaller side, and its overlap shrinks with it. The same rule keeps
the proxy preview valid, where every length is scaled and rounded: the
preview is the same quilting of the reduced sample with patch and overlap
reduced alike, so it shows the texture's structure at the same relative
scale (its random choices differ from the full render's).
"""
from __future__ import annotations

import numpy as np

from processing._progress import Progress
from processing.synthesis import largest_rectangle, synthesize_texture

from ..operations import Operation
from ..params import FloatParam, IntParam, ProxyScaling

_MAX_SIDE = 16_384  # 16384 x 16384 is within the function's limit of 2^29 pixels


def _slider_width(height: int, width: int) -> int:
    return max(4096, 4 * width)


def _slider_height(height: int, width: int) -> int:
    return max(4096, 4 * height)


def texture_from_sample(
    image: np.ndarray,
    width: int = 0,
    height: int = 0,
    patch_size: int = 32,
    overlap: int = 8,
    seed: int = 0,
    variety: float = 0.1,
    *,
    mask: np.ndarray | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """A texture quilted from the selected part of ``image``, as the editor runs it.

    ``width`` and ``height`` of 0 keep the image's. The sample is the
    largest rectangle inside ``mask`` (weights >= 0.5), or the whole image
    without one. A ``patch_size`` larger than the sample becomes its smaller
    side, with ``overlap`` reduced in proportion and kept below the patch
    size. ``variety`` is the tolerance of
    :func:`processing.synthesis.synthesize_texture`, which does the work.

    Examples
    --------
    >>> image = np.random.default_rng(0).random((40, 50, 3)).astype(np.float32)
    >>> selection = np.zeros((40, 50), bool); selection[5:25, 10:40] = True
    >>> out = texture_from_sample(image, 64, 48, patch_size=32, overlap=8, mask=selection)
    >>> out.shape, bool(np.isin(out, image[5:25, 10:40]).all())
    ((48, 64, 3), True)
    """
    full_height, full_width = image.shape[:2]
    if mask is not None:
        top, left, rows, cols = largest_rectangle(mask)
        if rows == 0:
            raise ValueError("the selection holds no whole pixel to take a texture sample from")
        image = image[top:top + rows, left:left + cols]
    patch = min(patch_size, *image.shape[:2])
    overlap = min(overlap, round(overlap * patch / patch_size), patch - 1)
    return synthesize_texture(image, width or full_width, height or full_height, patch, overlap, seed,
                              tolerance=variety, progress=progress)


def _output_shape(shape, values):
    height = int(values.get("height", 0)) or shape[0]
    width = int(values.get("width", 0)) or shape[1]
    return (height, width, *shape[2:])


def _overlap_below_patch(values):
    if values["overlap"] >= values["patch_size"]:
        return "overlap", (
            f"the overlap must be less than the patch size ({values['patch_size']} pixels), got {values['overlap']}"
        )
    return None


OPERATIONS = [
    Operation(
        "synthesis.texture",
        "Texture synthesis",
        "Synthesis",
        texture_from_sample,
        (
            IntParam(
                "width", "Width", minimum=0, maximum=_MAX_SIDE, maximum_from=_slider_width,
                scaling=ProxyScaling.LENGTH,
                help="Width of the new texture in pixels; 0 keeps the width of the image.",
            ),
            IntParam(
                "height", "Height", minimum=0, maximum=_MAX_SIDE, maximum_from=_slider_height,
                scaling=ProxyScaling.LENGTH,
                help="Height of the new texture in pixels; 0 keeps the height of the image.",
            ),
            IntParam(
                "patch_size", "Patch size", minimum=2, maximum=1024, log=True, scaling=ProxyScaling.LENGTH,
                help="Side of the square pieces copied from the sample, in pixels: about the size of the "
                     "texture's largest repeating detail. Smaller loses the pattern, larger repeats the "
                     "sample. A size larger than the sample is reduced to fit it.",
            ),
            IntParam(
                "overlap", "Overlap", minimum=0, maximum=512, scaling=ProxyScaling.LENGTH,
                help="Width in pixels of the band where neighbouring pieces overlap and the seam is cut along "
                     "the path where they differ least; less than the patch size. A quarter of the patch "
                     "size is a good start; 0 lays pieces side by side.",
            ),
            IntParam(
                "seed", "Seed", minimum=0, maximum=99_999,
                help="Random seed: another number gives another, equally good texture; the same number "
                     "always the same one.",
            ),
            FloatParam(
                "variety", "Variety", minimum=0.0, maximum=1.0, step=0.01,
                help="How far from the best fitting piece a piece may be and still be picked at random, "
                     "as a share of the way to a typical piece. 0 takes only the best fit, which can copy "
                     "the sample in large pieces; higher values mix more but show more seams.",
            ),
        ),
        live=False,
        changes_size=True,
        output_shape=_output_shape,
        check=_overlap_below_patch,
        mask_argument="mask",
        description="Grow a new texture of any size from a sample: the selection (the largest rectangle "
                    "inside it) or, without one, the whole image. Pieces of the sample are laid edge to edge "
                    "and joined along their least visible seams.",
    ),
]
