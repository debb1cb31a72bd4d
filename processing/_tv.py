"""Chambolle's projection algorithm for total-variation denoising, in bands.

Private to :func:`processing.restoration.denoise_tv`. One plane at a time;
each iteration is two whole-image steps (the divergence of the dual field,
then its projected gradient step), each cut into bands of rows on the pool,
so a cancel waits for one band of one step.
"""
from __future__ import annotations

import numpy as np

from ._progress import Progress, phase
from ._tiles import split, tile_map

__all__ = ["tv_plane"]


def tv_plane(f: np.ndarray, weight: float, iterations: int, eps: float, *,
             progress: Progress | None = None) -> np.ndarray:
    """Minimise ``1/2 ||u - f||^2 + weight TV(u)`` for one float32 plane ``f``.

    The iteration, its stopping rule (relative change of the dual energy
    below ``eps``) and its output are those of scikit-image's
    ``denoise_tv_chambolle``, so results agree to rounding.
    """
    h, w = f.shape
    p0 = np.zeros((h, w), np.float32)  # dual field, along rows (axis 0)
    p1 = np.zeros((h, w), np.float32)  # and along columns (axis 1)
    out = f.copy()
    tau = np.float32(0.25)
    step = np.float32(tau / weight)
    # Bands of at least ~128k pixels: smaller ones cost more to hand over than they save.
    bands = split(h, max(1, min(64, f.size >> 17)))
    work = f.size * 8

    def divergence(span):
        """``out = f + d`` with ``d`` the (negated) divergence of p; sum of d^2."""
        y0, y1 = span
        d = p0[y0:y1] + p1[y0:y1]
        np.negative(d, out=d)
        if y0 == 0:
            d[1:] += p0[0 : y1 - 1]
        else:
            d += p0[y0 - 1 : y1 - 1]
        d[:, 1:] += p1[y0:y1, :-1]
        np.add(f[y0:y1], d, out=out[y0:y1])
        return float(np.dot(d.ravel(), d.ravel()))

    def project(span):
        """Gradient of ``out``, then p <- (p - tau g) / (1 + tau |g| / weight); sum of |g|."""
        y0, y1 = span
        g0 = np.empty((y1 - y0, w), np.float32)
        last = min(y1, h - 1)
        np.subtract(out[y0 + 1 : last + 1], out[y0:last], out=g0[: last - y0])
        g0[last - y0 :] = 0.0
        g1 = np.empty((y1 - y0, w), np.float32)
        np.subtract(out[y0:y1, 1:], out[y0:y1, :-1], out=g1[:, :-1])
        g1[:, -1] = 0.0
        norm = g0 * g0
        norm += g1 * g1
        np.sqrt(norm, out=norm)
        total = float(norm.sum(dtype=np.float64))
        norm *= step
        norm += 1
        g0 *= tau
        g1 *= tau
        band0, band1 = p0[y0:y1], p1[y0:y1]
        band0 -= g0
        band0 /= norm
        band1 -= g1
        band1 /= norm
        return total

    e_init = e_prev = 0.0
    for i in range(iterations):
        start, stop = i / iterations, (i + 1) / iterations
        middle = (start + stop) / 2
        if i > 0:
            e_data = sum(tile_map(divergence, bands, work, progress=phase(progress, start, middle)))
        else:
            e_data = 0.0
        e_tv = sum(tile_map(project, bands, work, progress=phase(progress, middle, stop)))
        energy = (e_data + weight * e_tv) / f.size
        if i == 0:
            e_init = e_prev = energy
        elif abs(e_prev - energy) < eps * e_init:
            break
        else:
            e_prev = energy
    return out
