"""Bytes each pool thread needs whatever the image size, for the memory estimate
(``Operation.thread_scratch``), shared by the catalog entries whose functions
use the same banded code."""

# The separable Gaussian's band buffers (processing.filters): three of 1 MB,
# and the band's reflected block with its halo rows, up to about 5 MB at
# sigma 7.5 on a 6000-pixel-wide photo. Every operation built on the Gaussian
# blur (unsharp mask, Canny, the Gaussian adaptive threshold) has them too.
BAND_SCRATCH = 8 << 20

# The warps' buffers (a 256 x 256 tile's taps, indices and footprint): 4.5 MB
# measured at two threads (tests/editor/test_memory_estimates.py).
WARP_SCRATCH = 6 << 20
