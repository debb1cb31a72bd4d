"""Selection shapes as masks, and combining masks (add, subtract, intersect).

Shapes are given in continuous image coordinates: (0, 0) is the top-left
corner of the top-left pixel. A pixel belongs to a shape when its centre
``(x + 0.5, y + 0.5)`` lies inside, so a rectangle from (2, 3) to (5, 7)
holds exactly the pixels with 2 <= x < 5 and 3 <= y < 7. Masks are bool
``(H, W)``, or float32 weights in [0, 1] where soft (feathered).
"""
from __future__ import annotations

import numpy as np

__all__ = ["rectangle_mask", "ellipse_mask", "polygon_mask", "combine_masks", "MODES"]

MODES = ("replace", "add", "subtract", "intersect")


def _check_shape(shape) -> tuple[int, int]:
    try:
        h, w = (int(v) for v in shape[:2])
    except (TypeError, ValueError):
        raise ValueError(f"shape must be (height, width), got {shape!r}") from None
    if h <= 0 or w <= 0:
        raise ValueError(f"shape must be positive, got {h}x{w}")
    return h, w


def rectangle_mask(shape, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Pixels whose centres lie in the rectangle with corners (x0, y0), (x1, y1).

    Examples
    --------
    >>> rectangle_mask((3, 4), 1, 0, 3, 2).astype(int).tolist()
    [[0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
    """
    h, w = _check_shape(shape)
    left, right = sorted((float(x0), float(x1)))
    top, bottom = sorted((float(y0), float(y1)))
    # Centre c = i + 0.5 inside [left, right) <=> ceil(left - 0.5) <= i < ceil(right - 0.5)
    c0, c1 = (int(np.clip(np.ceil(v - 0.5), 0, w)) for v in (left, right))
    r0, r1 = (int(np.clip(np.ceil(v - 0.5), 0, h)) for v in (top, bottom))
    mask = np.zeros((h, w), dtype=bool)
    mask[r0:r1, c0:c1] = True
    return mask


def ellipse_mask(shape, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Pixels whose centres lie in the ellipse inscribed in the rectangle
    (x0, y0)-(x1, y1).

    Examples
    --------
    >>> ellipse_mask((5, 5), 0, 0, 5, 5).astype(int).tolist()[0]
    [0, 1, 1, 1, 0]
    """
    h, w = _check_shape(shape)
    left, right = sorted((float(x0), float(x1)))
    top, bottom = sorted((float(y0), float(y1)))
    mask = np.zeros((h, w), dtype=bool)
    rx, ry = (right - left) / 2, (bottom - top) / 2
    if rx <= 0 or ry <= 0:
        return mask
    cx, cy = (left + right) / 2, (top + bottom) / 2
    r0, r1 = max(0, int(np.floor(top))), min(h, int(np.ceil(bottom)) + 1)
    c0, c1 = max(0, int(np.floor(left))), min(w, int(np.ceil(right)) + 1)
    if r1 <= r0 or c1 <= c0:
        return mask
    ys = (np.arange(r0, r1) + 0.5 - cy) / ry
    xs = (np.arange(c0, c1) + 0.5 - cx) / rx
    mask[r0:r1, c0:c1] = xs[None, :] ** 2 + ys[:, None] ** 2 < 1.0
    return mask


def polygon_mask(shape, points) -> np.ndarray:
    """Pixels whose centres lie inside a closed polygon (even-odd rule).

    Parameters
    ----------
    shape : (int, int)
        (height, width) of the mask.
    points : array-like (N, 2)
        Vertices (x, y) in image coordinates; the last joins the first.

    Notes
    -----
    Scanline fill without a loop over pixels: every edge toggles, on each
    pixel-centre row it crosses, the first column whose centre lies right of
    the crossing; a running parity along each row then marks the inside.

    Examples
    --------
    >>> polygon_mask((4, 4), [(0, 0), (4, 0), (0, 4)]).astype(int).tolist()
    [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    """
    h, w = _check_shape(shape)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must be a list of (x, y) pairs, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points must be finite numbers")
    mask = np.zeros((h, w), dtype=bool)
    if len(pts) < 3:
        return mask
    a, b = pts, np.roll(pts, -1, axis=0)
    lo = np.minimum(a[:, 1], b[:, 1])
    hi = np.maximum(a[:, 1], b[:, 1])
    # Rows whose centre y = r + 0.5 satisfies lo <= y < hi (half-open: a
    # vertex shared by two edges is counted once).
    first = np.clip(np.ceil(lo - 0.5), 0, h).astype(np.int64)
    last = np.clip(np.ceil(hi - 0.5), 0, h).astype(np.int64)
    counts = np.maximum(last - first, 0)
    total = int(counts.sum())
    if total == 0:
        return mask
    edge = np.repeat(np.arange(len(pts)), counts)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = first[edge] + offsets
    yc = rows + 0.5
    ax, ay, bx, by = a[edge, 0], a[edge, 1], b[edge, 0], b[edge, 1]
    xc = ax + (yc - ay) * (bx - ax) / (by - ay)
    cols = np.clip(np.ceil(xc - 0.5), 0, w).astype(np.int64)
    toggles = np.zeros((h, w + 1), dtype=np.uint8)
    np.add.at(toggles, (rows, cols), 1)
    mask[:] = (np.cumsum(toggles[:, :w], axis=1, dtype=np.uint32) & 1).astype(bool)
    return mask


def combine_masks(current: np.ndarray | None, new: np.ndarray, mode: str = "replace") -> np.ndarray:
    """Combine a new selection with the current one.

    ``"replace"``: the new one; ``"add"``: union (the larger weight);
    ``"subtract"``: current less new (``min(current, 1 - new)``);
    ``"intersect"``: the smaller weight. With no current selection, add and
    replace give the new one, subtract and intersect an empty one.

    Returns bool when both masks are bool, else float32.

    Examples
    --------
    >>> a = np.array([True, True, False]); b = np.array([False, True, True])
    >>> [combine_masks(a, b, m).astype(int).tolist() for m in ("add", "subtract", "intersect")]
    [[1, 1, 1], [1, 0, 0], [0, 1, 0]]
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    new = np.asarray(new)
    if current is None:
        if mode in ("replace", "add"):
            return new.copy()
        return np.zeros(new.shape, dtype=new.dtype)
    current = np.asarray(current)
    if current.shape != new.shape:
        raise ValueError(f"the masks differ in size: {current.shape} and {new.shape}")
    if mode == "replace":
        return new.copy()
    if current.dtype == bool and new.dtype == bool:
        if mode == "add":
            return current | new
        if mode == "subtract":
            return current & ~new
        return current & new
    cur = current.astype(np.float32, copy=False)
    nxt = new.astype(np.float32, copy=False)
    if mode == "add":
        return np.maximum(cur, nxt)
    if mode == "subtract":
        return np.minimum(cur, np.float32(1.0) - nxt)
    return np.minimum(cur, nxt)
