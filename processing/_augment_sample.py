"""Sampling helpers of :mod:`processing.augment`: nearest-neighbour warps for
label images of any dtype, and per-pixel coordinate maps (grid distortion).

Private. Positions follow :mod:`processing.geometry`: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, its centre is ``(j + 0.5, i + 0.5)``.
"""
from __future__ import annotations

import numpy as np

from ._scratch import scratch

__all__ = ["matrix_positions", "nearest_index", "take_nearest", "bilinear_remap", "hat_matrix", "axis_bilinear",
           "axis_bilinear_levels", "axis_nearest", "take_axes"]


def matrix_positions(inverse: np.ndarray, out_h: int, out_w: int) -> tuple[np.ndarray, np.ndarray]:
    """Input positions ``(x, y)`` (float64, ``out_h x out_w``) of every output
    pixel centre through the 3x3 output-to-input map ``inverse``; positions
    behind a perspective's horizon are ``-inf``."""
    m = np.asarray(inverse, np.float64)
    u = np.arange(out_w, dtype=np.float64) + 0.5
    v = (np.arange(out_h, dtype=np.float64) + 0.5)[:, None]
    x = m[0, 0] * u + m[0, 1] * v + m[0, 2]
    y = m[1, 0] * u + m[1, 1] * v + m[1, 2]
    if not (m[2, 0] == 0 and m[2, 1] == 0 and m[2, 2] == 1):
        d = m[2, 0] * u + m[2, 1] * v + m[2, 2]
        behind = d <= 1e-12
        d = np.where(behind, 1.0, d)
        x = np.where(behind, -np.inf, x / d)
        y = np.where(behind, -np.inf, y / d)
    return x, y


def nearest_index(x: np.ndarray, y: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat index of the input pixel that contains each position, and where
    the position falls outside the ``h x w`` input."""
    fx = np.floor(x)
    fy = np.floor(y)
    outside = ~((fx >= 0) & (fx < w) & (fy >= 0) & (fy < h))
    ix = np.clip(np.nan_to_num(fx, nan=0.0, posinf=0.0, neginf=0.0), 0, w - 1).astype(np.intp)
    iy = np.clip(np.nan_to_num(fy, nan=0.0, posinf=0.0, neginf=0.0), 0, h - 1).astype(np.intp)
    iy *= w
    iy += ix
    return iy, outside


def take_nearest(array: np.ndarray, index: np.ndarray, outside: np.ndarray | None, fill) -> np.ndarray:
    """``array`` (``(h, w)`` or ``(h, w, c)``, any dtype) read at the flat
    pixel ``index``; ``fill`` where ``outside``."""
    h, w = array.shape[:2]
    flat = array.reshape((h * w,) + array.shape[2:])
    out = flat.take(index.reshape(-1), axis=0).reshape(index.shape + array.shape[2:])
    if outside is not None and outside.any():
        out[outside] = fill
    return out


def _pixels(array: np.ndarray) -> np.ndarray:
    """``array`` (``(h, w, c)``, C-contiguous) viewed as ``(h, w)`` items of
    one whole pixel each, so gathers move a pixel per item."""
    return array.view(np.dtype((np.void, array.itemsize * array.shape[2])))[..., 0]


def _unpixels(items: np.ndarray, dtype, lanes: int) -> np.ndarray:
    return items.view(dtype).reshape(items.shape + (lanes,))


def bilinear_remap(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """float32 ``image`` read bilinearly at positions ``(x, y)`` (float32,
    corner convention), the border pixels repeated beyond the edges."""
    h, w = image.shape[:2]
    src = np.ascontiguousarray(image, np.float32)
    lanes = 1 if src.ndim == 2 else src.shape[2]
    flat = src.reshape(h * w) if lanes == 1 else _pixels(src).reshape(h * w)
    fx = np.clip(x - np.float32(0.5), 0.0, w - 1.0, dtype=np.float32)
    fy = np.clip(y - np.float32(0.5), 0.0, h - 1.0, dtype=np.float32)
    x0 = np.minimum(fx.astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(fy.astype(np.intp), max(h - 2, 0))
    fx -= x0
    fy -= y0
    if lanes > 1:
        fx, fy = fx[..., None], fy[..., None]
    step_x = 1 if w > 1 else 0
    step_y = w if h > 1 else 0
    base = y0
    base *= w
    base += x0

    def tap(offset: int) -> np.ndarray:
        items = flat.take(base + offset if offset else base)
        return items if lanes == 1 else _unpixels(items, np.float32, lanes)

    top = tap(0)
    right = tap(step_x)
    right -= top
    right *= fx
    top += right
    bottom = tap(step_y)
    right = tap(step_y + step_x)
    right -= bottom
    right *= fx
    bottom += right
    bottom -= top
    bottom *= fy
    top += bottom
    np.clip(top, 0.0, 1.0, out=top)
    return top


def _axis_taps(scale: float, offset: float, n_out: int, n_in: int):
    """Bilinear taps along one axis for ``input = scale * output + offset``:
    the two input indices of each output position (clamped into the input)
    and their weights (zero for a tap outside, which reads the black fill)."""
    f = scale * (np.arange(n_out, dtype=np.float64) + 0.5) + offset - 0.5
    i0 = np.floor(f)
    t = f - i0
    i0 = i0.astype(np.intp)
    i1 = i0 + 1
    w0 = ((1.0 - t) * ((i0 >= 0) & (i0 < n_in))).astype(np.float32)
    w1 = (t * ((i1 >= 0) & (i1 < n_in))).astype(np.float32)
    return np.clip(i0, 0, n_in - 1), np.clip(i1, 0, n_in - 1), w0, w1


def axis_bilinear(image: np.ndarray, inverse: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """float32 ``image`` (gray or RGB) resampled bilinearly through an
    axis-aligned output-to-input map (scale and shift only), black outside.

    Separable: rows are blended first (gathers of whole rows), then columns
    (gathers of whole pixels); the same values as the 2-D blend of the four
    taps, in about half the time.
    """
    m = np.asarray(inverse, np.float64)
    h, w = image.shape[:2]
    r0, r1, wr0, wr1 = _axis_taps(m[1, 1], m[1, 2], out_h, h)
    c0, c1, wc0, wc1 = _axis_taps(m[0, 0], m[0, 2], out_w, w)
    src = np.ascontiguousarray(image, np.float32)
    shape = (-1,) + (1,) * (src.ndim - 1)
    rows = src.take(r0, axis=0)
    rows *= wr0.reshape(shape)
    lower = src.take(r1, axis=0)
    lower *= wr1.reshape(shape)
    rows += lower
    lanes = 1 if src.ndim == 2 else src.shape[2]
    shape = (1, -1) + (1,) * (src.ndim - 2)
    if lanes == 1:
        out = rows.take(c0, axis=1)
        right = rows.take(c1, axis=1)
    else:
        items = _pixels(rows)
        out = _unpixels(items.take(c0, axis=1), np.float32, lanes)
        right = _unpixels(items.take(c1, axis=1), np.float32, lanes)
    out *= wc0.reshape(shape)
    right *= wc1.reshape(shape)
    out += right
    np.clip(out, 0.0, 1.0, out=out)
    return out


def axis_bilinear_levels(image: np.ndarray, inverse: np.ndarray, out_h: int, out_w: int, *,
                         rounded: bool) -> np.ndarray:
    """Integer ``image`` (gray or RGB, uint8 or uint16) resampled bilinearly
    through an axis-aligned output-to-input map, black outside; rounded
    back to its dtype (``rounded``) or scaled to float32 in [0, 1].

    The arithmetic is float32 on the levels themselves (exact in float32),
    so there is no scaling to [0, 1] and back, and no float copy of the
    whole input: only the input rows the output reads are touched, first
    blended across columns (gathers of single values, which NumPy does far
    faster than gathers of whole pixels), then across rows (whole rows).
    """
    m = np.asarray(inverse, np.float64)
    h, w = image.shape[:2]
    lanes = 1 if image.ndim == 2 else image.shape[2]
    r0, r1, wr0, wr1 = _axis_taps(m[1, 1], m[1, 2], out_h, h)
    c0, c1, wc0, wc1 = _axis_taps(m[0, 0], m[0, 2], out_w, w)
    lo = int(min(r0.min(), r1.min()))
    hi = int(max(r0.max(), r1.max())) + 1
    src = np.ascontiguousarray(image[lo:hi]).reshape(hi - lo, w * lanes)
    if lanes > 1:
        within = np.arange(lanes)
        c0 = (c0[:, None] * lanes + within).reshape(-1)
        c1 = (c1[:, None] * lanes + within).reshape(-1)
        wc0 = np.repeat(wc0, lanes)
        wc1 = np.repeat(wc1, lanes)
    taps = scratch("taps", (hi - lo, len(c0)), image.dtype)
    cols = scratch("cols", taps.shape)
    other = scratch("other", taps.shape)
    np.multiply(np.take(src, c0, axis=1, out=taps, mode="wrap"), wc0, out=cols)
    cols += np.multiply(np.take(src, c1, axis=1, out=taps, mode="wrap"), wc1, out=other)
    out = scratch("out", (out_h, len(c0)))
    np.multiply(np.take(cols, r0 - lo, axis=0, out=out, mode="wrap"), wr0[:, None], out=out)
    lower = scratch("lower", out.shape)
    out += np.multiply(np.take(cols, r1 - lo, axis=0, out=lower, mode="wrap"), wr1[:, None], out=lower)
    top = np.float32(np.iinfo(image.dtype).max)
    shape = (out_h, out_w) + image.shape[2:]
    if not rounded:
        scaled = np.multiply(out, np.float32(1.0 / top), out=np.empty(out.shape, np.float32))
        return np.clip(scaled, 0.0, 1.0, out=scaled).reshape(shape)
    # Weights are at least 0 and sum to at most 1 (up to float32 rounding),
    # so the values stay within 0 .. top: no clip before truncating rounds.
    out += np.float32(0.5)
    return out.astype(image.dtype).reshape(shape)


def axis_nearest(inverse: np.ndarray, out_h: int, out_w: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Input row of each output row and input column of each output column
    through an axis-aligned map; -1 where it falls outside the input."""
    m = np.asarray(inverse, np.float64)
    rows = np.floor(m[1, 1] * (np.arange(out_h) + 0.5) + m[1, 2]).astype(np.intp)
    cols = np.floor(m[0, 0] * (np.arange(out_w) + 0.5) + m[0, 2]).astype(np.intp)
    rows[(rows < 0) | (rows >= h)] = -1
    cols[(cols < 0) | (cols >= w)] = -1
    return rows, cols


def take_axes(array: np.ndarray, rows: np.ndarray, cols: np.ndarray, fill) -> np.ndarray:
    """``array`` at the given rows and columns (any dtype); ``fill`` where either is -1."""
    out = array.take(np.maximum(rows, 0), axis=0).take(np.maximum(cols, 0), axis=1)
    if (rows < 0).any():
        out[rows < 0] = fill
    if (cols < 0).any():
        out[:, cols < 0] = fill
    return out


def hat_matrix(positions: np.ndarray, nodes: int, length: float) -> np.ndarray:
    """``(len(positions), nodes)`` linear-interpolation weights from ``nodes``
    evenly spaced nodes (the first at 0, the last at ``length``) to
    ``positions`` along a side ``length`` long."""
    t = np.clip(np.asarray(positions, np.float64), 0.0, length) * (nodes - 1) / length
    return np.maximum(0.0, 1.0 - np.abs(t[:, None] - np.arange(nodes)[None, :]))
