"""Catalog entry for processing.augment: one exact augmentation variant as an
ordinary, re-editable step.

The Augment panel's "Use as step" adds a step of this operation holding the
variant drawn for the chosen grid cell (its exact parameters, not the
pipeline's ranges), so the history, recipes and the command line treat it
like any other edit. The variant's geometry is in fractions of the image
size and blur widths scale with it, so the step previews on a proxy and
renders at full size alike.
"""
import json

import numpy as np

from processing import augment
from processing._progress import Progress

from ..operations import Operation
from ..params import VariantParam

IDENTITY_VARIANT = '{"ops":[],"shape":[1,1]}'


def apply_variant(image: np.ndarray, variant: str = IDENTITY_VARIANT, *,
                  progress: Progress | None = None) -> np.ndarray:
    """Apply one drawn augmentation variant, given as its canonical JSON text
    (the step's value, see :class:`~editor.params.VariantParam`).

    Examples
    --------
    >>> img = np.arange(6, dtype=np.float32).reshape(2, 3) / 5
    >>> bool((apply_variant(img, '{"ops":[{"transform":"vflip"}],"shape":[2,3]}') == img[::-1]).all())
    True
    """
    data = json.loads(variant) if isinstance(variant, str) else variant
    return augment.apply(image, data, progress=progress).image


def _variant_shape(shape, values):
    return augment.output_shape(tuple(shape), json.loads(values.get("variant", IDENTITY_VARIANT)))


OPERATIONS = [
    Operation(
        "augment.variant",
        "Augmentation variant",
        "Augment",
        apply_variant,
        (
            VariantParam(
                "variant", "Variant",
                help="The exact transforms of one augmentation variant, as drawn in the Augment panel.",
            ),
        ),
        changes_size=True,
        output_shape=_variant_shape,
        # A float copy of an 8/16-bit input, the warped image, and a
        # photometric transform's own result.
        working_buffers=3.0,
        description="Apply one exact augmentation variant (flips, turns, warps, colour changes) as drawn "
        "in the Augment panel.",
    ),
]
