"""Inpainting: fill the pixels of a hole from their surroundings.

Private to :func:`processing.restoration.inpaint`. Both methods work on the
hole's bounding box (plus a margin) only, and on the hole's pixels by flat
index, so their cost follows the hole, not the image.

- :func:`telea`: Telea's fast-marching inpainting, with the marching done a
  whole front at a time: the hole is peeled from its edge inwards, one
  layer of pixels per step, and every pixel of a layer is filled at once
  from the known pixels within ``radius`` (weighted by direction, distance
  and level, and extrapolated along the image gradient, the step limited
  to the range of the values it is made from), all layers' pixels
  vectorised per neighbour offset.
- :func:`harmonic`: the smoothest fill, Laplace's equation with the known
  pixels as boundary values, solved by red-black over-relaxation from
  coarse to fine on a pyramid, so large holes converge in few sweeps.
"""
from __future__ import annotations

import numpy as np

from ._progress import Progress, phase, report

__all__ = ["telea", "harmonic", "bounding_box"]

# Front pixels filled per vectorised chunk: bounds the work between two
# progress calls (and the size of the temporaries) on huge holes.
_CHUNK = 1 << 15

_NEIGHBOURS8 = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]


def bounding_box(hole: np.ndarray, margin: int) -> tuple[int, int, int, int]:
    """``(y0, y1, x0, x1)`` of the hole's pixels grown by ``margin``, inside the image."""
    rows = np.flatnonzero(hole.any(axis=1))
    cols = np.flatnonzero(hole.any(axis=0))
    h, w = hole.shape
    return (max(0, rows[0] - margin), min(h, rows[-1] + 1 + margin),
            max(0, cols[0] - margin), min(w, cols[-1] + 1 + margin))


def telea(planes: np.ndarray, hole: np.ndarray, radius: int, *, progress: Progress | None = None) -> np.ndarray:
    """Fill ``hole`` (bool ``(H, W)``) in ``planes`` ``(H, W, C)`` float32; returns a new array.

    Notes
    -----
    A. Telea, "An image inpainting technique based on the fast marching
    method", J. Graphics Tools 9, 2004. Each hole pixel ``p`` of layer
    ``T(p)`` (its step count from the hole's edge) becomes::

        sum_q w(p, q) (I(q) + grad I(q) . (p - q)) / sum_q w(p, q)

    over known ``q`` with ``|p - q| <= radius`` (and the 8 neighbours),
    where ``w = dir * dst * lev``: ``dir = |N(p) . (p - q)| / |p - q|`` with
    ``N(p)`` the front's normal (from ``p``'s known 8-neighbours),
    ``dst = 1 / |p - q|^2`` and ``lev = 1 / (1 + |T(p) - T(q)|)``. The
    gradient of ``I`` at an originally known ``q`` is a central difference
    where both neighbours are known, one-sided where one is, else zero; a
    filled pixel carries the weighted mean gradient of its sources.

    Unlike the paper, the gradient term (the sum's part beyond the weighted
    mean of ``I(q)``) is scaled down, by one factor for all channels, just
    enough that the value stays within the per-channel range of the
    ``I(q)`` it is made from, and the gradient the pixel carries on is
    scaled by the same factor (a slope limiter). A ramp, whose every value
    lies within its neighbours' range, is still continued; texture and
    noise, whose slopes would add up layer after layer into colours found
    nowhere around a large hole, are not. So every filled value lies within
    the range of the known values within ``radius`` of the hole. OpenCV's
    ``cv2.inpaint`` avoids the runaway differently: it divides the summed
    gradient term by its length, which leaves at most about one grey level
    of it.
    """
    h, w, channels = planes.shape
    pad = radius + 1
    hp, wp = h + 2 * pad, w + 2 * pad
    c = channels
    # One row per pixel: its value, x gradient and y gradient (so a single
    # gather fetches all three). Padding is "unknown and not to be filled":
    # never used, never reached.
    setup = phase(progress, 0.0, 0.1)
    data = np.zeros((hp, wp, 3 * c), np.float32)
    # The known values and their negatives, NaN where unknown: fmin skips
    # NaN, so the range of a pixel's sources (its minimum and minus its
    # maximum) takes one gather and one fmin per offset, and no masking.
    bounds = np.full((hp, wp, 2 * c), np.nan, np.float32)
    rows = max(1, (1 << 20) // max(w, 1))
    for y0 in range(0, h, rows):  # in bands: a big box takes a while to copy
        y1 = min(h, y0 + rows)
        data[pad + y0 : pad + y1, pad : pad + w, :c] = planes[y0:y1]
        band = bounds[pad + y0 : pad + y1, pad : pad + w]
        band[..., :c] = planes[y0:y1]
        np.negative(planes[y0:y1], out=band[..., c:])
        band[hole[y0:y1]] = np.nan
        report(setup, 0.3 * y1 / h)
    known = np.zeros((hp, wp), bool)
    known[pad : pad + h, pad : pad + w] = ~hole
    # Gradients of the known pixels from known neighbours only; filled pixels
    # get the mean gradient of the pixels they were filled from (damped by
    # the limiter in _fill). Carried along rather than re-measured on filled
    # values, noise is not differentiated twice, while a ramp is still
    # continued exactly.
    padded_hole = np.zeros((hp, wp), bool)
    padded_hole[pad : pad + h, pad : pad + w] = hole
    zone = _dilate(padded_hole, radius, phase(setup, 0.3, 0.6))
    _known_gradients(data, known, zone, c, phase(setup, 0.6, 1.0))
    data = data.reshape(hp * wp, 3 * c)
    bounds = bounds.reshape(hp * wp, 2 * c)
    # First front: hole pixels with a known 8-neighbour.
    near = np.zeros((hp, wp), bool)
    for dy, dx in _NEIGHBOURS8:
        near[1:-1, 1:-1] |= known[1 + dy : hp - 1 + dy, 1 + dx : wp - 1 + dx]
    known = known.ravel()
    todo = np.zeros((hp, wp), bool)
    todo[pad : pad + h, pad : pad + w] = hole
    todo = todo.ravel()
    front = np.flatnonzero(near.ravel() & todo)
    # T: 0 where known from the start, the layer where filled, infinite
    # where still unknown, so the level weight 1 / (1 + |T(p) - T(q)|) is 0
    # for unknown sources and needs no mask of its own.
    level = np.where(known, np.float32(0), np.float32(np.inf))
    total = int(hole.sum())
    # At least the 8 neighbours, even for radius 1: a front pixel may have
    # only a diagonal known neighbour, and would otherwise have no source.
    reach2 = max(radius * radius, 2)
    offsets = [(dy, dx) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
               if 0 < dy * dy + dx * dx <= reach2]
    shifts8 = np.array([dy * wp + dx for dy, dx in _NEIGHBOURS8])
    vec8 = np.array(_NEIGHBOURS8, np.float32)
    progress = phase(progress, 0.1, 1.0)
    done = 0
    step = 0
    while front.size:
        step += 1
        for start in range(0, front.size, _CHUNK):
            _fill(data, bounds, c, known, level, front[start : start + _CHUNK], np.float32(step), offsets, wp,
                  shifts8, vec8)
            report(progress, (done + min(front.size, start + _CHUNK)) / max(total, 1))
        known[front] = True
        level[front] = step
        todo[front] = False
        done += front.size
        # Next front: the still-empty 8-neighbours of this one.
        candidates = np.unique((front[:, None] + shifts8[None, :]).ravel())
        front = candidates[todo[candidates]]
    out = data.reshape(hp, wp, 3 * c)[pad : pad + h, pad : pad + w, :c]
    return np.ascontiguousarray(out)


def _fill(data, bounds, c, known, level, front, step, offsets, wp, shifts8, vec8) -> None:
    """Fill the pixels ``front`` (flat indices) of one layer from known pixels,
    and give them the weighted mean of those pixels' gradients (both with
    the gradient step limited: see :func:`telea`); ``bounds`` gets their
    values too.

    Every offset is applied to every front pixel; unknown sources get weight
    0 (no compaction: fewer, larger NumPy calls)."""
    n = front.size
    # Normal of the front at p: away from its known 8-neighbours.
    near = known[front[:, None] + shifts8[None, :]].astype(np.float32)  # (n, 8)
    normal = -(near @ vec8)  # sum of (p - q) over known q: (n, 2) as (dy, dx)
    length = np.hypot(normal[:, 0], normal[:, 1])
    length[length == 0] = 1.0
    normal /= length[:, None]
    ny, nx = np.ascontiguousarray(normal[:, 0]), np.ascontiguousarray(normal[:, 1])
    acc = np.zeros((n, 3 * c), np.float32)
    # Sums of w (p - q)_x and w (p - q)_y times the whole gathered rows: only
    # their gradient columns are used, but whole rows are contiguous, and
    # NumPy is several times faster on those than on a few strided columns.
    along_x = np.zeros((n, 3 * c), np.float32)
    along_y = np.zeros((n, 3 * c), np.float32)
    scratch = np.empty((n, 3 * c), np.float32)
    extent = np.full((n, 2 * c), np.nan, np.float32)  # (min, -max) of the sources' values
    wsum = np.zeros(n, np.float32)
    weight = np.empty(n, np.float32)
    tmp = np.empty(n, np.float32)
    gathered = np.empty((n, 3 * c), np.float32)
    source = np.empty((n, 2 * c), np.float32)
    for dy, dx in offsets:
        q = front + (dy * wp + dx)
        dist = np.float32(np.sqrt(dy * dy + dx * dx))
        # dir * dst * lev, with p - q = (-dy, -dx):
        # |N . (p - q)| / |p - q| / |p - q|^2 / (1 + |T(p) - T(q)|)
        np.multiply(ny, np.float32(-dy / dist**3), out=weight)
        np.multiply(nx, np.float32(-dx / dist**3), out=tmp)
        weight += tmp
        np.abs(weight, out=weight)
        np.maximum(weight, np.float32(1e-6 / dist**2), out=weight)
        np.take(level, q, out=tmp)
        tmp -= step
        np.abs(tmp, out=tmp)
        tmp += 1.0
        weight /= tmp
        np.take(data, q, axis=0, out=gathered)
        np.take(bounds, q, axis=0, out=source)
        np.fmin(extent, source, out=extent)
        flat = gathered.reshape(-1)
        np.multiply(flat, np.repeat(weight, 3 * c), out=flat)  # faster than broadcasting over 3c columns
        acc += gathered
        np.multiply(gathered, np.float32(-dx), out=scratch)
        along_x += scratch
        np.multiply(gathered, np.float32(-dy), out=scratch)
        along_y += scratch
        wsum += weight
    acc /= wsum[:, None]
    extrapolated = along_x[:, c : 2 * c] + along_y[:, 2 * c :]
    extrapolated /= wsum[:, None]
    # Limit the gradient step so the value stays within its sources' range,
    # in every channel (slope limiting). Unlimited, each layer extrapolates
    # from the previous one's extrapolation: over a wide hole noise and
    # texture slopes add up layer after layer into colours found nowhere
    # around it. One factor for all channels keeps the step's direction in
    # colour space (no hue of its own); the weighted mean needs no limit,
    # it always lies within the range.
    mean = acc[:, :c]
    lo, hi = extent[:, :c], -extent[:, c:]
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(extrapolated > 0, hi - mean, lo - mean) / extrapolated
    room[extrapolated == 0] = np.inf  # no step in this channel: no limit
    scale = np.clip(room.min(axis=1), 0.0, 1.0)
    mean += scale[:, None] * extrapolated
    np.clip(mean, lo, hi, out=mean)  # rounding only
    # The carried gradient is damped alike: a ramp (which stays within range)
    # is continued across the hole, texture that overshoots fades out.
    acc[:, c:] *= scale[:, None]
    data[front] = acc
    bounds[front, :c] = mean
    bounds[front, c:] = -mean


def _dilate(mask: np.ndarray, r: int, progress: Progress | None = None) -> np.ndarray:
    """``mask`` grown by ``r`` pixels in every direction (a square): shifted
    ORs down the rows, then along them, in bands of rows."""
    h, w = mask.shape
    padded = np.zeros((h + 2 * r, w + 2 * r), bool)
    padded[r : r + h, r : r + w] = mask
    out = np.empty((h, w), bool)
    rows = max(1, (1 << 20) // max(w, 1))
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        down = padded[y0 : y1].copy()
        for dy in range(1, 2 * r + 1):
            down |= padded[y0 + dy : y1 + dy]
        band = out[y0:y1]
        band[...] = down[:, 0:w]
        for dx in range(1, 2 * r + 1):
            band |= down[:, dx : dx + w]
        report(progress, y1 / h)
    return out


def _known_gradients(data: np.ndarray, known: np.ndarray, zone: np.ndarray, c: int,
                     progress: Progress | None) -> None:
    """Fill ``data[..., c:2c]`` and ``data[..., 2c:]`` (x and y differences of
    ``data[..., :c]``) at the known pixels of ``zone`` (those within reach of
    the hole: the only ones a fill reads), from known neighbours only:
    central, one-sided or zero. In pieces, reporting between them."""
    hp, wp = known.shape
    zone = np.flatnonzero(zone.ravel() & known.ravel())
    flat = data.reshape(hp * wp, 3 * c)
    known = known.ravel()
    for start in range(0, zone.size, _CHUNK):
        q = zone[start : start + _CHUNK]
        centre = flat[q, :c]
        for column, stride in ((c, 1), (2 * c, wp)):
            plus, minus = q + stride, q - stride
            kp = known[plus].astype(np.float32)[:, None]
            km = known[minus].astype(np.float32)[:, None]
            # Central where both neighbours are known, one-sided where one is.
            grad = kp * (flat[plus, :c] - centre) + km * (centre - flat[minus, :c])
            grad /= np.maximum(kp + km, 1.0)
            flat[q, column : column + c] = grad
        report(progress, min(1.0, (start + _CHUNK) / max(zone.size, 1)))


# --- harmonic ------------------------------------------------------------------

_SWEEPS_FINEST = 60
_SWEEPS_COARSE = 30
_OMEGA = 1.8


def harmonic(planes: np.ndarray, hole: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """Fill ``hole`` with the solution of Laplace's equation; returns a new array.

    Notes
    -----
    Inside the hole each value is the mean of its 4 neighbours (neighbours
    outside the image left out: the border is a mirror). Solved by red-black
    successive over-relaxation, first on the image halved until the hole is
    a few pixels across, each level starting from the coarser one's answer.
    """
    levels = [(planes, hole)]
    while min(levels[-1][1].shape) > 8 and levels[-1][1].sum() > 64:
        p, m = levels[-1]
        levels.append(_halve(p, m))
        report(progress, 0.0)  # halving a big box takes a while: a chance to cancel
    solution = None
    n = len(levels)
    weights = [(_SWEEPS_FINEST if i == 0 else _SWEEPS_COARSE) * levels[i][1].size for i in range(n)]
    done_work, all_work = 0.0, float(sum(weights))
    for i in range(n - 1, -1, -1):
        p, m = levels[i]
        u = p.copy()
        if solution is None:
            fill = p[~m].mean(axis=0) if (~m).any() else np.full(p.shape[2], 0.5, np.float32)
            u[m] = fill
        else:
            up = np.repeat(np.repeat(solution, 2, axis=0), 2, axis=1)[: p.shape[0], : p.shape[1]]
            u[m] = up[m]
        sweeps = _SWEEPS_FINEST if i == 0 else _SWEEPS_COARSE
        sub = phase(progress, done_work / all_work, (done_work + weights[i]) / all_work)
        _relax(u, m, sweeps, sub)
        done_work += weights[i]
        solution = u
    report(progress, 1.0)
    return solution


def _halve(planes: np.ndarray, hole: np.ndarray):
    """Half-size image and hole: a coarse pixel is known if any of its fine
    pixels is (its value their mean), a hole only if all four are."""
    h, w = hole.shape
    h2, w2 = (h + 1) // 2, (w + 1) // 2
    p = np.pad(planes, ((0, 2 * h2 - h), (0, 2 * w2 - w), (0, 0)), mode="edge")
    m = np.pad(hole, ((0, 2 * h2 - h), (0, 2 * w2 - w)), mode="edge")
    k = (~m).astype(np.float32).reshape(h2, 2, w2, 2)
    count = k.sum(axis=(1, 3))
    total = (p.reshape(h2, 2, w2, 2, -1) * k[..., None]).sum(axis=(1, 3))
    coarse_hole = count == 0
    coarse = total / np.maximum(count, 1)[..., None]
    return coarse.astype(np.float32), coarse_hole


def _relax(u: np.ndarray, hole: np.ndarray, sweeps: int, progress: Progress | None) -> None:
    """Red-black SOR sweeps of the 4-neighbour mean on the hole's pixels, in place."""
    h, w, c = u.shape
    ys, xs = np.nonzero(hole)
    if ys.size == 0:
        return
    # Neighbours by flat index; one outside the image is its mirror image
    # across the border (a zero-slope, Neumann, border).
    flat = u.reshape(h * w, c)
    idx = ys * w + xs
    up = np.where(ys > 0, idx - w, idx + w if h > 1 else idx)
    down = np.where(ys < h - 1, idx + w, idx - w if h > 1 else idx)
    left = np.where(xs > 0, idx - 1, idx + 1 if w > 1 else idx)
    right = np.where(xs < w - 1, idx + 1, idx - 1 if w > 1 else idx)
    colours = [(ys + xs) % 2 == parity for parity in (0, 1)]
    sets = [(idx[s], up[s], down[s], left[s], right[s]) for s in colours]
    omega = np.float32(_OMEGA)
    # Pixels of one colour never neighbour each other: any piece of a colour
    # may go first, so big holes are swept in pieces with a report after each.
    piece = 4 * _CHUNK
    for sweep in range(sweeps):
        for colour, (i, uu, dd, ll, rr) in enumerate(sets):
            for a in range(0, i.size, piece):
                b = a + piece
                mean = flat[uu[a:b]] + flat[dd[a:b]]
                mean += flat[ll[a:b]]
                mean += flat[rr[a:b]]
                mean *= np.float32(0.25)
                old = flat[i[a:b]]
                mean -= old
                mean *= omega
                mean += old
                flat[i[a:b]] = mean
                if i.size > piece:
                    report(progress, (sweep + (colour + min(1.0, b / i.size)) / 2) / sweeps)
        report(progress, (sweep + 1) / sweeps)
