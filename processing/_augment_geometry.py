"""Geometry of the ops of :mod:`processing.augment`: points through 3x3 maps,
grid distortion's node displacements and per-pixel positions, box outlines,
and exact flips and quarter turns.

Private. Positions follow :mod:`processing.geometry`: pixel ``(i, j)`` covers
``[j, j + 1) x [i, i + 1)``, its centre is ``(j + 0.5, i + 0.5)``.
"""
from __future__ import annotations

import numpy as np

from ._augment_sample import hat_matrix

__all__ = ["map_points", "grid_forward", "grid_positions", "box_outline", "axis_aligned", "exact"]


def map_points(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``(N, 2)`` points through the 3x3 ``matrix``; NaN where they fall behind a perspective's horizon."""
    if len(points) == 0:
        return points
    hom = points @ matrix[:, :2].T + matrix[:, 2]
    d = hom[:, 2:3]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = hom[:, :2] / d
    out[(d[:, 0] <= 1e-12)] = np.nan  # behind a perspective's horizon: nowhere in the frame
    return out


def _grid_nodes(op: dict, h: int, w: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Node displacements in pixels; border nodes move along the border only,
    so the frame stays covered."""
    n = op["cells"]
    dx = np.asarray(op["dx"], np.float64) * (w / n)
    dy = np.asarray(op["dy"], np.float64) * (h / n)
    dx[:, 0] = dx[:, -1] = 0.0
    dy[0, :] = dy[-1, :] = 0.0
    return dx, dy, n


def _grid_inverse(op: dict, h: int, w: int, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Input positions that the output positions ``(x, y)`` (1-D) read from."""
    dx, dy, n = _grid_nodes(op, h, w)
    wx = hat_matrix(x, n + 1, w)
    wy = hat_matrix(y, n + 1, h)
    return x + np.einsum("pi,ij,pj->p", wy, dx, wx), y + np.einsum("pi,ij,pj->p", wy, dy, wx)


def grid_forward(op: dict, h: int, w: int, points: np.ndarray) -> np.ndarray:
    """Where input ``points`` land: the inverse map solved by fixed-point
    iteration (it converges, as nodes move less than half a cell)."""
    if len(points) == 0:
        return points
    px, py = points[:, 0], points[:, 1]
    qx, qy = px.copy(), py.copy()
    for _ in range(50):
        ix, iy = _grid_inverse(op, h, w, qx, qy)
        ex, ey = ix - px, iy - py
        qx, qy = qx - ex, qy - ey
        if max(np.abs(ex).max(), np.abs(ey).max()) < 1e-9:
            break
    return np.stack([qx, qy], axis=1)


def grid_positions(op: dict, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel input positions of a grid distortion (separable: the node
    displacements are spread by two small matrix products)."""
    dx, dy, n = _grid_nodes(op, h, w)
    ry = hat_matrix(np.arange(h) + 0.5, n + 1, h)
    # Across columns each pixel lies between two nodes: a gather of two
    # columns and a blend, instead of a matrix product (one big enough for
    # BLAS's own threads, which spin when other work shares the cores).
    t = (np.arange(w) + 0.5) * (n / w)
    left = np.minimum(t.astype(np.intp), n - 1)
    frac = (t - left).astype(np.float32)
    out = []
    for d, base in ((dx, (np.arange(w, dtype=np.float32) + 0.5)[None, :]),
                    (dy, (np.arange(h, dtype=np.float32) + 0.5)[:, None])):
        rows = (ry @ d).astype(np.float32)  # (h, n + 1): the displacement down each node column
        a = rows.take(left, axis=1)
        b = rows.take(left + 1, axis=1)
        b -= a
        b *= frac
        a += b
        a += base
        out.append(a)
    return out[0], out[1]


def box_outline(boxes: np.ndarray, samples: int) -> np.ndarray:
    """Points along each box's outline, ``(N * 4 * samples, 2)``: its corners
    and, for maps that bend straight lines, points between them."""
    t = np.linspace(0.0, 1.0, samples, endpoint=False)
    x0, y0, x1, y1 = (boxes[:, k : k + 1] for k in range(4))
    xs = np.concatenate([x0 + (x1 - x0) * t, np.broadcast_to(x1, (len(boxes), samples)),
                         x1 - (x1 - x0) * t, np.broadcast_to(x0, (len(boxes), samples))], axis=1)
    ys = np.concatenate([np.broadcast_to(y0, (len(boxes), samples)), y0 + (y1 - y0) * t,
                         np.broadcast_to(y1, (len(boxes), samples)), y1 - (y1 - y0) * t], axis=1)
    return np.stack([xs.reshape(-1), ys.reshape(-1)], axis=1)


def axis_aligned(m: np.ndarray) -> bool:
    """An affine map without rotation or shear: x and y are read independently."""
    return m[0, 1] == 0 and m[1, 0] == 0 and m[2, 0] == 0 and m[2, 1] == 0 and m[2, 2] == 1


def exact(op: dict, array: np.ndarray) -> np.ndarray:
    """A flip or quarter turn of any array, moving whole pixels (a view)."""
    name = op["transform"]
    if name == "hflip":
        return array[:, ::-1]
    if name == "vflip":
        return array[::-1]
    return np.rot90(array, op["k"] % 4)
