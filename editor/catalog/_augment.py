"""Catalog entry for processing.augment: one exact augmentation variant as an
ordinary, re-editable step.

The Augment panel's "Use as step" adds a step of this operation holding the
variant drawn for the chosen grid cell (its exact parameters, not the
pipeline's ranges), so the history, recipes and the command line treat it
like any other edit. The variant's geometry is in fractions of the image
size and blur widths scale with it, so the step previews on a proxy and
renders at full size alike.
"""
from processing import augment

from ..operations import Operation
from ..params import VariantParam


def _variant_shape(shape, values):
    return augment.output_shape(tuple(shape), values.get("variant", augment.IDENTITY_VARIANT))


OPERATIONS = [
    Operation(
        "augment.variant",
        "Augmentation variant",
        "Augment",
        augment.apply_variant,
        (
            VariantParam(
                "variant", "Variant",
                help="The exact transforms of one augmentation variant, as drawn in the Augment panel.",
            ),
        ),
        changes_size=True,
        output_shape=_variant_shape,
        description="Apply one exact augmentation variant (flips, turns, warps, colour changes) as drawn "
        "in the Augment panel.",
    ),
]
