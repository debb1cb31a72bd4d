"""Inpainting never invents colours: a fill stays within the colours around the hole.

The regression: on a large ragged hole in wood grain, Telea's fill
continued the grain's gradients across the whole hole, and every layer
added its slope again, so the fill ran far outside the surrounding
colours (saturated magenta, yellow and green blobs after clipping).
"""
import numpy as np
import pytest

from processing.restoration import INPAINT_METHODS, inpaint

RADIUS = 5

# Two browns: every pixel of the image is a mix of them, so every colour
# around the hole lies on the segment between them.
DARK = np.array([0.30, 0.17, 0.08])
LIGHT = np.array([0.62, 0.41, 0.22])


def _smooth_noise(shape, scale, rng):
    """Noise with features about ``scale`` pixels across (box-blurred white noise)."""
    noise = rng.random(shape)
    for axis in (0, 1):
        kernel = np.ones(scale) / scale
        noise = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), axis, noise)
    return (noise - noise.min()) / (noise.max() - noise.min())


def _grain_and_ragged_hole(seed):
    """A wood-like two-colour texture (streaks plus fine noise) and a large ragged hole in it."""
    rng = np.random.default_rng(seed)
    h, w = 72, 96
    y, x = np.mgrid[0:h, 0:w]
    streaks = 0.5 + 0.5 * np.sin(0.9 * y + 0.08 * x + 3 * _smooth_noise((h, w), 9, rng))
    t = np.clip(0.7 * streaks + 0.3 * rng.random((h, w)), 0, 1)
    img = (DARK + t[..., None] * (LIGHT - DARK)).astype(np.float32)
    blobs = _smooth_noise((h, w), 7, rng)
    hole = blobs > np.quantile(blobs, 0.6)
    hole[:3] = hole[-3:] = False
    hole[:, :3] = hole[:, -3:] = False
    return img, hole


def _ring(hole, reach):
    """Known pixels within ``reach`` pixels (a square) of the hole."""
    grown = hole.copy()
    for _ in range(reach):
        g = grown.copy()
        g[1:] |= grown[:-1]
        g[:-1] |= grown[1:]
        g[:, 1:] |= grown[:, :-1]
        g[:, :-1] |= grown[:, 1:]
        grown = g
    return grown & ~hole


@pytest.mark.parametrize("method", INPAINT_METHODS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fill_of_a_ragged_hole_stays_within_the_surrounding_colours(method, seed):
    img, hole = _grain_and_ragged_hole(seed)
    assert 0.25 < hole.mean() < 0.6  # a large, irregular hole
    damaged = img.copy()
    damaged[hole] = (1.0, 0.0, 1.0)  # magenta: whatever was there must not leak
    out = inpaint(damaged, hole, method, RADIUS)
    around = img[_ring(hole, 2 * RADIUS)]
    filled = out[hole]
    tolerance = 1e-4
    # Per channel within the surrounding pixels' range...
    assert np.all(filled >= around.min(axis=0) - tolerance)
    assert np.all(filled <= around.max(axis=0) + tolerance)
    # ...and no new hue: on the line through the two browns (their convex hull).
    direction = (LIGHT - DARK) / np.linalg.norm(LIGHT - DARK)
    offset = filled - DARK
    off_line = offset - (offset @ direction)[:, None] * direction
    assert np.linalg.norm(off_line, axis=1).max() < tolerance


def test_fill_inside_a_few_colours_stays_within_their_range():
    # Blocks of three unrelated colours with sharp edges, a hole over the meeting point.
    img = np.empty((48, 48, 3), np.float32)
    img[:, :24] = (0.8, 0.2, 0.1)
    img[:, 24:] = (0.1, 0.3, 0.7)
    img[30:] = (0.2, 0.7, 0.2)
    hole = np.zeros((48, 48), bool)
    hole[14:40, 10:38] = True
    hole[20:26, 4:44] = True
    for method in INPAINT_METHODS:
        out = inpaint(img, hole, method, RADIUS)
        around = img[_ring(hole, 2 * RADIUS)]
        assert np.all(out[hole] >= around.min(axis=0) - 1e-4), method
        assert np.all(out[hole] <= around.max(axis=0) + 1e-4), method
