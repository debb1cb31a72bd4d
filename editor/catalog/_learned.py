"""Catalog entries for learned operations: the CNN denoiser (processing.cnn).

The network's weights are data the editor reads from ``resources/models``
(:mod:`editor.model_file`); the processing function takes them as an
argument, so the operation here is a thin wrapper that loads the shipped
model once and turns the user's strength into the network's noise level.
"""
from __future__ import annotations

from processing import cnn, restoration
from processing._progress import Progress

from ..model_file import shipped_denoiser
from ..operations import Operation
from ..params import BoolParam, FloatParam

# The training covered noise up to 60/255; past it the network extrapolates.
MAX_STRENGTH = 75.0


def denoise_cnn(image, strength: float = 25.0, auto: bool = True, *, progress: Progress | None = None):
    """Remove noise with the shipped convolutional network.

    ``strength`` is the standard deviation of the noise to remove, in 8-bit
    steps (0..255 scale); with ``auto`` it is measured from the image instead
    (:func:`processing.restoration.estimate_noise`).
    """
    sigma = restoration.estimate_noise(image) if auto else strength / 255.0
    sigma = min(max(sigma, 0.0), MAX_STRENGTH / 255.0)
    return cnn.denoise(image, shipped_denoiser(), sigma, progress=progress)


OPERATIONS = [
    Operation(
        "restore.denoise_cnn",
        "Denoise (CNN)",
        "Restoration",
        denoise_cnn,
        (
            FloatParam(
                "strength", "Strength", minimum=0.0, maximum=MAX_STRENGTH, step=1.0, decimals=1,
                help="How much noise to remove: its standard deviation in steps of 8-bit values "
                "(5 is faint grain, 25 strong noise, 50 very strong). Higher values smooth more. "
                "Used when Auto is off.",
                used_when=("auto", False),
            ),
            BoolParam(
                "auto", "Auto",
                help="Measure the noise in the image and remove that much; turn off to set the strength by hand.",
            ),
        ),
        live=False,  # a 12 MP colour photo takes 20 to 45 s on 2 shared cores
        # The measured noise level depends on the whole image, so the image
        # is never rendered region by region.
        margin=None,
        working_buffers=1.0,
        # Each thread's tile (im2col columns of 32 channels x 9 taps): measured
        # 67 MB for two threads on a small photo (tests/editor/test_memory_estimates.py).
        thread_scratch=40 << 20,
        description="Remove grain and sensor-like noise with a small neural network trained for it.",
    ),
]
