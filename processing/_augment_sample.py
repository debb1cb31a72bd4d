"""Sampling helpers of :mod:`processing.augment`: nearest-neighbour warps for
label images of any dtype, and per-pixel coordinate maps (grid distortion).

Private. Positions follow :mod:`processing.geometry`: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, its centre is ``(j + 0.5, i + 0.5)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["matrix_positions", "nearest_index", "take_nearest", "bilinear_remap", "hat_matrix"]


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


def bilinear_remap(image: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """float32 ``image`` read bilinearly at positions ``(x, y)`` (float,
    corner convention), the border pixels repeated beyond the edges."""
    h, w = image.shape[:2]
    lanes = 1 if image.ndim == 2 else image.shape[2]
    flat = np.ascontiguousarray(image, np.float32).reshape(h * w, lanes)
    fx = np.clip(x - 0.5, 0.0, w - 1.0).astype(np.float32)
    fy = np.clip(y - 0.5, 0.0, h - 1.0).astype(np.float32)
    x0 = np.minimum(fx.astype(np.intp), max(w - 2, 0))
    y0 = np.minimum(fy.astype(np.intp), max(h - 2, 0))
    tx = (fx - x0)[..., None]
    ty = (fy - y0)[..., None]
    step_x = 1 if w > 1 else 0
    step_y = w if h > 1 else 0
    base = y0 * w + x0
    top = flat.take(base, axis=0)
    top += tx * (flat.take(base + step_x, axis=0) - top)
    base += step_y
    bottom = flat.take(base, axis=0)
    bottom += tx * (flat.take(base + step_x, axis=0) - bottom)
    bottom -= top
    bottom *= ty
    top += bottom
    np.clip(top, 0.0, 1.0, out=top)
    return top.reshape(x.shape + image.shape[2:])


def hat_matrix(positions: np.ndarray, nodes: int, length: float) -> np.ndarray:
    """``(len(positions), nodes)`` linear-interpolation weights from ``nodes``
    evenly spaced nodes (the first at 0, the last at ``length``) to
    ``positions`` along a side ``length`` long."""
    t = np.clip(np.asarray(positions, np.float64), 0.0, length) * (nodes - 1) / length
    return np.maximum(0.0, 1.0 - np.abs(t[:, None] - np.arange(nodes)[None, :]))
