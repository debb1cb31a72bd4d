"""Bilinear resampling at per-pixel positions, one channel at a time, for
:mod:`processing.augment`: the grid distortion of any image, and the
rotations, affine maps and perspectives of integer images on their own levels.

Private. Positions follow :mod:`processing.geometry`: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, its centre is ``(j + 0.5, i + 0.5)``.

Why per channel: NumPy gathers items of 1, 2, 4 or 8 bytes with a tight
loop, but a whole RGB pixel (12 bytes of float32) with a generic copy per
item, several times slower. So the image is split into planes (one strided
copy per channel) and each tap is a gather of single float32 values. All
temporaries live in per-thread scratch blocks (see ``_augment_scratch``).
"""
from __future__ import annotations

import numpy as np

from ._scratch import scratch
from ._parallel import parallel_map
from ._progress import Progress

__all__ = ["remap_edge", "warp_levels"]

_BAND = 1 << 15  # output pixels per band: a band's float64 positions take 256 KB


def _planes(image: np.ndarray, pad: int) -> np.ndarray:
    """float32 ``(lanes, h + 2 pad, w + 2 pad)`` copy of ``image``, zero in the
    ``pad`` border."""
    h, w = image.shape[:2]
    lanes = 1 if image.ndim == 2 else image.shape[2]
    planes = scratch("remap_planes", (lanes, h + 2 * pad, w + 2 * pad))
    if pad:
        planes[:, :pad] = 0.0
        planes[:, -pad:] = 0.0
        planes[:, :, :pad] = 0.0
        planes[:, :, -pad:] = 0.0
    inner = planes[:, pad : pad + h, pad : pad + w]
    for c in range(lanes):
        np.copyto(inner[c], image if image.ndim == 2 else image[..., c])
    return planes


def _bands(out_h: int, out_w: int) -> list[tuple[int, int]]:
    """Bands of output rows of about ``_BAND`` pixels: each band's
    temporaries stay in cache, and bands share the pool."""
    rows = max(1, _BAND // max(out_w, 1))
    return [(r, min(out_h, r + rows)) for r in range(0, out_h, rows)]


def _blend(planes: np.ndarray, index: np.ndarray, fx: np.ndarray, fy: np.ndarray, step_x: int, step_y: int,
           out: np.ndarray, rounded: bool, scale: float | None) -> None:
    """For each plane, ``top = p00 + fx (p01 - p00)``, ``bottom`` alike,
    ``top + fy (bottom - top)`` at the flat ``index`` of ``p00``, into
    channel ``c`` of ``out``: rounded (``out`` integer), or multiplied by
    ``scale`` if given."""
    shape = index.shape
    p00 = scratch("remap_p00", shape)
    p01 = scratch("remap_p01", shape)
    p10 = scratch("remap_p10", shape)
    p11 = scratch("remap_p11", shape)
    for c in range(planes.shape[0]):
        flat = planes[c].reshape(-1)
        # mode "wrap": every index is in range, and NumPy's default mode
        # checks each one at about twice the cost of the gather.
        np.take(flat, index, out=p00, mode="wrap")
        np.take(flat[step_x:], index, out=p01, mode="wrap")
        p01 -= p00
        p01 *= fx
        p01 += p00
        np.take(flat[step_y:], index, out=p10, mode="wrap")
        np.take(flat[step_y + step_x:], index, out=p11, mode="wrap")
        p11 -= p10
        p11 *= fx
        p11 += p10
        p11 -= p01
        p11 *= fy
        p01 += p11
        if rounded:
            # Each blend stays between its two values (up to float32
            # rounding), so within 0 .. top: no clip before truncating rounds.
            p01 += np.float32(0.5)
        elif scale is not None:
            p01 *= np.float32(scale)
        if out.ndim == 3:
            out[..., c] = p01
        else:
            out[...] = p01


def _output(image: np.ndarray, shape: tuple[int, int], rounded: bool) -> tuple[np.ndarray, float | None]:
    """The output array, and the scale from levels to [0, 1] (integer images
    not rounded)."""
    lanes = () if image.ndim == 2 else image.shape[2:]
    out = np.empty(shape + lanes, image.dtype if rounded else np.float32)
    scale = 1.0 / np.iinfo(image.dtype).max if image.dtype.kind == "u" and not rounded else None
    return out, scale


def remap_edge(image: np.ndarray, x: np.ndarray, y: np.ndarray, *, rounded: bool = False,
               progress: Progress | None = None) -> np.ndarray:
    """``image`` read bilinearly at the float32 positions ``(x, y)``, the border
    pixels repeated beyond the edges (height and width at least 2).

    Integer images are read on their own levels, then rounded to their
    dtype (``rounded``) or scaled to float32 in [0, 1]. Float images (in
    [0, 1]) come back float32, bit for bit what a blend of whole pixels
    gives: the same float32 operations in the same order.
    """
    h, w = image.shape[:2]
    rounded = rounded and image.dtype.kind == "u"
    planes = _planes(image, 0)
    out, scale = _output(image, x.shape, rounded)

    def band(span):
        r0, r1 = span
        fx = np.clip(x[r0:r1] - np.float32(0.5), 0.0, w - 1.0, dtype=np.float32)
        fy = np.clip(y[r0:r1] - np.float32(0.5), 0.0, h - 1.0, dtype=np.float32)
        x0 = np.minimum(fx.astype(np.intp), w - 2)
        y0 = np.minimum(fy.astype(np.intp), h - 2)
        fx -= x0
        fy -= y0
        index = y0
        index *= w
        index += x0
        _blend(planes, index, fx, fy, 1, w, out[r0:r1], rounded, scale)

    parallel_map(band, _bands(*x.shape), progress=progress)
    if not rounded:
        np.clip(out, 0.0, 1.0, out=out)
    return out


def warp_levels(image: np.ndarray, inverse: np.ndarray, out_h: int, out_w: int, *, rounded: bool,
                progress: Progress | None = None) -> np.ndarray:
    """Integer gray or RGB ``image`` resampled bilinearly on an ``out_h x
    out_w`` grid through the 3x3 output-to-input map ``inverse``, black
    outside, on its own levels; then rounded to its dtype (``rounded``) or
    scaled to float32 in [0, 1].

    Output pixel centre ``(u + 0.5, v + 0.5)`` maps to ``(x, y)``; the value
    blends the four input pixels around ``(x - 0.5, y - 0.5)`` as
    :func:`remap_edge` does. Positions are float64 per pixel (fractions exact
    to far below a level); the image gets a border of two black pixels, so
    positions are clamped into it and every tap is a plain gather.
    """
    h, w = image.shape[:2]
    m = np.asarray(inverse, np.float64)
    pad = 2
    planes = _planes(image, pad)
    row_w = w + 2 * pad
    out, scale = _output(image, (out_h, out_w), rounded)
    projective = not (m[2, 0] == 0 and m[2, 1] == 0 and m[2, 2] == 1)
    u = np.arange(out_w, dtype=np.float64) + 0.5
    # Per-column terms; a band adds its per-row terms.
    col_x = m[0, 0] * u + (m[0, 2] if projective else m[0, 2] - 0.5)
    col_y = m[1, 0] * u + (m[1, 2] if projective else m[1, 2] - 0.5)
    col_d = m[2, 0] * u + m[2, 2]

    def band(span):
        r0, r1 = span
        v = np.arange(r0, r1, dtype=np.float64) + 0.5
        shape = (r1 - r0, out_w)
        x = np.add.outer(m[0, 1] * v, col_x, out=scratch("warp_x", shape, np.float64))
        y = np.add.outer(m[1, 1] * v, col_y, out=scratch("warp_y", shape, np.float64))
        if projective:
            d = np.add.outer(m[2, 1] * v, col_d, out=scratch("warp_d", shape, np.float64))
            behind = d <= 1e-12  # behind the horizon: nowhere in the input
            d[behind] = 1.0
            x /= d
            y /= d
            x[behind] = -10.0
            y[behind] = -10.0
            x -= 0.5
            y -= 0.5
            # Near the horizon positions grow without bound; far outside,
            # any position in the black border will do.
            np.clip(x, -4.0, w + 4.0, out=x)
            np.clip(y, -4.0, h + 4.0, out=y)
        ix = np.floor(x, out=scratch("warp_ix", shape, np.float64))
        iy = np.floor(y, out=scratch("warp_iy", shape, np.float64))
        fx = np.subtract(x, ix, out=scratch("warp_fx", shape), casting="same_kind")
        fy = np.subtract(y, iy, out=scratch("warp_fy", shape), casting="same_kind")
        # Taps at -2 .. w + 1 read the black border; beyond, both taps are black.
        np.clip(ix, -2.0, float(w), out=ix)
        np.clip(iy, -2.0, float(h), out=iy)
        iy *= row_w
        iy += ix
        index = np.add(iy, float(pad * row_w + pad), out=scratch("warp_index", shape, np.intp), casting="unsafe")
        _blend(planes, index, fx, fy, 1, row_w, out[r0:r1], rounded, scale)

    parallel_map(band, _bands(out_h, out_w), progress=progress)
    if not rounded:
        np.clip(out, 0.0, 1.0, out=out)
    return out
