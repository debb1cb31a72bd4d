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
  coarse to fine on a pyramid (its top exactly), so large holes converge
  in few sweeps.
"""
from __future__ import annotations

import numpy as np

from ._progress import Progress, phase, report

__all__ = ["telea", "harmonic", "harmonic_fill", "bounding_box"]

# Front pixels filled per vectorised chunk: bounds the work between two
# progress calls (and the size of the temporaries) on huge holes.
_CHUNK = 1 << 15
_SUM_VALUES = 1 << 20  # float32 values of a Telea call's per-offset sums

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
    # Front pixels per call of _fill: its sums per column and row offset
    # (one row of 3c values per pixel for each) stay near 4 MB.
    offsets = _Offsets(offsets, wp)
    sums = len(offsets.columns) + len(offsets.rows)
    chunk = max(256, _SUM_VALUES // (sums * 3 * c))
    shifts8 = np.array([dy * wp + dx for dy, dx in _NEIGHBOURS8])
    vec8 = np.array(_NEIGHBOURS8, np.float32)
    progress = phase(progress, 0.1, 1.0)
    done = 0
    step = 0
    while front.size:
        step += 1
        for start in range(0, front.size, chunk):
            _fill(data, bounds, c, known, level, front[start : start + chunk], np.float32(step), offsets,
                  shifts8, vec8)
            report(progress, (done + min(front.size, start + chunk)) / max(total, 1))
        known[front] = True
        level[front] = step
        todo[front] = False
        done += front.size
        # Next front: the still-empty 8-neighbours of this one.
        candidates = np.unique((front[:, None] + shifts8[None, :]).ravel())
        front = candidates[todo[candidates]]
    out = data.reshape(hp, wp, 3 * c)[pad : pad + h, pad : pad + w, :c]
    return np.ascontiguousarray(out)


class _Offsets:
    """A Telea neighbourhood's offsets ``(dy, dx)`` and what the weights need
    of them, computed once per fill: flat index shifts, the direction and
    distance factors ``-dy / |d|^3`` and ``-dx / |d|^3`` and the weight's
    floor ``1e-6 / |d|^2`` (as columns), and the distinct column and row offsets."""

    def __init__(self, pairs, wp: int):
        self.pairs = [(int(dy), int(dx)) for dy, dx in pairs]
        d = np.array(self.pairs, np.float64).reshape(-1, 2)
        dist = np.sqrt((d * d).sum(axis=1))
        self.shifts = (d[:, 0] * wp + d[:, 1]).astype(np.intp)
        self.coef_y = (-d[:, 0] / dist**3).astype(np.float32)
        self.coef_x = (-d[:, 1] / dist**3).astype(np.float32)
        self.floor = (1e-6 / dist**2).astype(np.float32)[:, None]
        self.columns = sorted({dx for _, dx in self.pairs})
        self.rows = sorted({dy for dy, _ in self.pairs})


def _fill(data, bounds, c, known, level, front, step, offsets: _Offsets, shifts8, vec8) -> None:
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
    # The weights of all offsets at once, (k, n): few calls on small arrays.
    # dir * dst * lev, with p - q = (-dy, -dx):
    # |N . (p - q)| / |p - q| / |p - q|^2 / (1 + |T(p) - T(q)|)
    weights = np.multiply.outer(offsets.coef_y, normal[:, 0])
    weights += np.multiply.outer(offsets.coef_x, normal[:, 1])
    np.abs(weights, out=weights)
    np.maximum(weights, offsets.floor, out=weights)
    shifts = offsets.shifts
    lev = level.take(np.add.outer(shifts, front))
    lev -= step
    np.abs(lev, out=lev)
    lev += 1.0
    weights /= lev
    wsum = weights.sum(axis=0)
    # The weighted source rows summed per column offset dx and per row offset
    # dy: the gradient term's sums of w (p - q)_x and w (p - q)_y times the
    # rows are then a few multiples of those, and their plain sum (over all
    # dx) is the weighted mean's. Two additions per offset instead of five.
    by_dx = {dx: np.zeros((n, 3 * c), np.float32) for dx in offsets.columns}
    by_dy = {dy: np.zeros((n, 3 * c), np.float32) for dy in offsets.rows}
    extent = np.full((n, 2 * c), np.nan, np.float32)  # (min, -max) of the sources' values
    gathered = np.empty((n, 3 * c), np.float32)
    source = np.empty((n, 2 * c), np.float32)
    flat = gathered.reshape(-1)
    for k, (dy, dx) in enumerate(offsets.pairs):
        q = front + shifts[k]
        data.take(q, axis=0, out=gathered)
        bounds.take(q, axis=0, out=source)
        np.fmin(extent, source, out=extent)
        np.multiply(flat, np.repeat(weights[k], 3 * c), out=flat)  # faster than broadcasting over 3c columns
        by_dx[dx] += gathered
        by_dy[dy] += gathered
    acc = sum(by_dx.values())
    extrapolated = np.zeros((n, c), np.float32)
    for dx, part in by_dx.items():
        if dx:
            extrapolated += np.float32(-dx) * part[:, c : 2 * c]
    for dy, part in by_dy.items():
        if dy:
            extrapolated += np.float32(-dy) * part[:, 2 * c :]
    acc /= wsum[:, None]
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

# Sweeps per level at most; a level stops early once a sweep changes no
# value by more than _TOLERANCE (a 50th of an 8-bit step).
_SWEEPS_FINEST = 60
_SWEEPS_COARSE = 30
_TOLERANCE = 1.0 / 255 / 50
_OMEGA = 1.8
# The pyramid stops at a level with this many hole pixels at most, solved
# exactly (a dense system: a few milliseconds).
_DIRECT = 256

# Pixels per piece of the halving and of the solver's set-up, with a
# progress report after each.
_BAND = 1 << 18

# Unknowns are gathered as single items of 4, 8 or 16 bytes (a pixel's
# channels, padded to 1, 2 or 4): NumPy's take copies those several times
# faster than rows of three float32.
_ITEM = {1: np.float32, 2: np.complex64, 4: np.complex128}


def harmonic(planes: np.ndarray, hole: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """Fill ``hole`` with the solution of Laplace's equation; returns a new array.

    See :func:`harmonic_fill`, which gives only the hole's values.
    """
    out = planes.copy()
    out[hole] = harmonic_fill(planes, hole, progress=progress)
    return out


def harmonic_fill(planes: np.ndarray, hole: np.ndarray, *, progress: Progress | None = None) -> np.ndarray:
    """Values for the pixels of ``hole`` (bool ``(H, W)``) in ``planes``
    ``(H, W, C)`` float32, as ``planes[hole]`` lists them: ``(n, C)``.

    Notes
    -----
    Inside the hole each value is the mean of its 4 neighbours (neighbours
    outside the image left out: the border is a mirror). Solved by red-black
    successive over-relaxation, first on the image halved until the hole
    has at most ``_DIRECT`` pixels (that level solved exactly, as a dense
    linear system), each level starting from the coarser one's answer.
    Only the hole's pixels are unknowns, numbered red ones first, then
    black; the known neighbours of each are summed once, so a sweep is a
    few gathers from that short vector and arithmetic on contiguous slices.
    A level stops when a sweep changes no value by more than about a 50th
    of an 8-bit step.
    """
    levels = [(planes, hole)]
    at_start = phase(progress, 0.0, 0.0)  # halving a big box takes a while: chances to cancel
    while min(levels[-1][1].shape) > 8 and np.count_nonzero(levels[-1][1]) > _DIRECT:
        levels.append(_halve(*levels[-1], at_start))
    counts = [max(1, int(np.count_nonzero(m))) for _, m in levels]
    sweeps = [_SWEEPS_FINEST if i == 0 else _SWEEPS_COARSE for i in range(len(levels))]
    weights = [sweeps[i] * counts[i] for i in range(len(levels))]
    done_work, all_work = 0.0, float(sum(weights))
    coarser = None
    for i in range(len(levels) - 1, -1, -1):
        p, m = levels[i]
        sub = phase(progress, done_work / all_work, (done_work + weights[i]) / all_work)
        ys, xs = np.nonzero(m)
        if coarser is None:
            known = ~m
            start = p[known].mean(axis=0) if known.any() else np.full(p.shape[2], 0.5, np.float32)
            start = np.broadcast_to(start.astype(np.float32), (ys.size, p.shape[2]))
        else:
            start = _parents(ys, xs, *coarser, sub)
        fill = _solve(p, m, ys, xs, start, sweeps[i], sub)
        coarser = (p, m, fill)
        done_work += weights[i]
    report(progress, 1.0)
    return coarser[2]


def _halve(planes: np.ndarray, hole: np.ndarray, progress: Progress | None = None):
    """Half-size image and hole: a coarse pixel is known if any of its fine
    pixels is (its value their mean), a hole only if all of them are. In
    bands of rows, reporting after each."""
    h, w, c = planes.shape
    h2, w2 = (h + 1) // 2, (w + 1) // 2
    total = np.empty((h2, w2, c), np.float32)
    coarse_hole = np.empty((h2, w2), bool)
    band = max(1, _BAND // w2)
    for r0 in range(0, h2, band):
        r1 = min(h2, r0 + band)
        f0, f1 = 2 * r0, min(h, 2 * r1)
        # Known values, zero in the hole and in the row and column that pad
        # an odd size (which count as unknown).
        values = np.zeros((2 * (r1 - r0), 2 * w2, c), np.float32)
        values[: f1 - f0, :w] = planes[f0:f1]
        values[: f1 - f0, :w][hole[f0:f1]] = 0.0
        known = np.zeros((2 * (r1 - r0), 2 * w2), np.float32)
        np.logical_not(hole[f0:f1], out=known[: f1 - f0, :w], casting="unsafe")
        out = total[r0:r1]
        np.add(values[0::2, 0::2], values[1::2, 0::2], out=out)
        out += values[0::2, 1::2]
        out += values[1::2, 1::2]
        count = known[0::2, 0::2] + known[1::2, 0::2]
        count += known[0::2, 1::2]
        count += known[1::2, 1::2]
        coarse_hole[r0:r1] = count == 0
        np.maximum(count, 1.0, out=count)
        out /= count[..., None]
        report(progress, r1 / h2)
    return total, coarse_hole


def _parents(ys: np.ndarray, xs: np.ndarray, coarse: np.ndarray, coarse_hole: np.ndarray,
             coarse_fill: np.ndarray, progress: Progress | None = None) -> np.ndarray:
    """The coarse level's value (known, or as filled) at the parent of each
    fine pixel ``(ys, xs)``: the start of the finer level's sweeps."""
    w2 = coarse_hole.shape[1]
    out = np.empty((ys.size, coarse.shape[2]), np.float32)
    flat = coarse.reshape(-1, coarse.shape[2])
    filled = np.flatnonzero(coarse_hole)
    for a in range(0, ys.size, _BAND):
        parent = (ys[a : a + _BAND] // 2) * w2 + xs[a : a + _BAND] // 2
        part = flat[parent]
        if filled.size:
            at = np.minimum(np.searchsorted(filled, parent), filled.size - 1)
            hit = filled[at] == parent
            part[hit] = coarse_fill[at[hit]]
        out[a : a + _BAND] = part
        report(progress, 0.0)
    return out


def _solve(planes: np.ndarray, hole: np.ndarray, ys: np.ndarray, xs: np.ndarray, start: np.ndarray, sweeps: int,
           progress: Progress | None) -> np.ndarray:
    """Red-black SOR for Laplace's equation on the hole's pixels ``(ys, xs)``
    (row-major), from ``start`` ``(n, C)``; returns the ``(n, C)`` values."""
    h, w, c = planes.shape
    n = ys.size
    if n == 0:
        return np.zeros((0, c), np.float32)
    idx = ys * w + xs
    # Unknowns numbered red (even y + x) first: each colour is then one
    # contiguous slice, and its neighbours are all of the other colour.
    red = (ys + xs) % 2 == 0
    order = np.concatenate([np.flatnonzero(red), np.flatnonzero(~red)])
    n_red = int(np.count_nonzero(red))
    rank = np.empty(n, np.intp)
    rank[order] = np.arange(n)
    report(progress, 0.0)
    width = c if c > 4 else (1, 2, 4, 4)[c - 1]
    item = _ITEM.get(width)
    # Row n of the unknowns is zero: where a neighbour is known its index
    # points there, and its value is in `known_sum` instead.
    x = np.zeros((n + 1, width), np.float32)
    known_sum = np.zeros((n, width), np.float32)
    columns = np.empty((4, n), np.intp)
    flat_hole = hole.ravel()
    for a in range(0, n, _BAND):  # in pieces: a big hole takes a while
        b = min(n, a + _BAND)
        o = order[a:b]
        x[a:b, :c] = start[o]
        yy, xx, ii = ys[o], xs[o], idx[o]
        # Neighbours by flat index; one outside the image is its mirror image
        # across the border (a zero-slope, Neumann, border).
        neighbours = (np.where(yy > 0, ii - w, ii + w if h > 1 else ii),
                      np.where(yy < h - 1, ii + w, ii - w if h > 1 else ii),
                      np.where(xx > 0, ii - 1, ii + 1 if w > 1 else ii),
                      np.where(xx < w - 1, ii + 1, ii - 1 if w > 1 else ii))
        for k, nb in enumerate(neighbours):
            inside = flat_hole[nb]
            at = np.minimum(np.searchsorted(idx, nb), n - 1)
            columns[k, a:b] = np.where(inside, rank[at], n)
            values = planes[nb // w, nb % w]  # planes may be a view of a larger image
            values[inside] = 0.0
            known_sum[a:b, :c] += values
        report(progress, 0.0)
    if n <= _DIRECT:
        # Few unknowns (the pyramid's top): solve 4 x_i - sum of x_j over the
        # neighbours j in the hole = the sum over those outside, exactly.
        system = np.zeros((n, n + 1))
        rows = np.arange(n)
        for k in range(4):
            system[rows, columns[k]] -= 1.0
        system = system[:, :n]
        system[rows, rows] += 4.0
        try:
            solution = np.linalg.solve(system, known_sum[:, :c])
        except np.linalg.LinAlgError:  # no known pixel reaches it (cannot happen in a pyramid of a real hole)
            pass
        else:
            report(progress, 1.0)
            return solution.astype(np.float32)[rank]
    omega = np.float32(_OMEGA)
    piece = 4 * _CHUNK
    parts = [(a, min(a + piece, stop)) for start_, stop in ((0, n_red), (n_red, n))
             for a in range(start_, stop, piece)]
    buffers = np.empty((2, min(piece, n), width), np.float32)
    xv = x.view(item).reshape(-1) if item is not None else x
    for sweep in range(sweeps):
        change = 0.0
        for a, b in parts:
            acc, more = buffers[0, : b - a], buffers[1, : b - a]
            if item is not None:
                acc_v, more_v = acc.view(item).reshape(-1), more.view(item).reshape(-1)
            else:
                acc_v, more_v = acc, more
            np.take(xv, columns[0, a:b], axis=0, out=acc_v)
            for k in (1, 2, 3):
                np.take(xv, columns[k, a:b], axis=0, out=more_v)
                acc += more
            acc += known_sum[a:b]
            # x += omega * (mean of the neighbours - x)
            acc *= np.float32(0.25)
            acc -= x[a:b]
            acc *= omega
            x[a:b] += acc
            np.abs(acc, out=acc)
            change = max(change, float(acc.max()))
            if len(parts) > 2:
                report(progress, (sweep + b / n) / sweeps)
        report(progress, (sweep + 1) / sweeps)
        if change < _TOLERANCE:
            break
    return x[:n, :c][rank]
