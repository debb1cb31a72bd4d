"""Bilinear and bicubic inverse-mapped warps, lean: the hot path of rotate,
affine and perspective.

Private to :mod:`processing.geometry` (and the augmentations). Same sampling,
fill and alpha rules as its general warp (see that module's docstring), and
the same sums in the same order, written for the two interpolations used
most, with every per-pixel step counted:

- No padded copy of the whole input. Each 256 x 256 tile of the output
  copies the block of input its taps reach (its *footprint*, a little more
  than the tile at any angle) into a small buffer, with the outside colour
  where the block leaves the image; gathers then hit the cache, and the
  copy runs on the pool with the rest.
- The taps of every output pixel (2 x 2, or 4 x 4 for bicubic) are gathers
  with one index array, read through views of the buffer shifted by whole
  pixels and rows (no index arithmetic per tap; views are 1-D and
  contiguous, as ``np.take`` copies any other array first).
- Positions need more than float32's 24 bits to keep fractions exact to
  1e-7 far from the origin. Projective maps compute them in float64 per
  pixel. Affine maps split them once into integer and fraction terms per
  output row and per output column (a position is the sum of the two); a
  tile adds two float32 fractions and carries one where they reach 1, and
  builds its footprint offsets in float32, exact as they stay below 2**24:
  no float64 array of the tile's size, one conversion to integers. The
  interpolation is float32, in place on the gathered planes.

Measured and left out (12 MP RGB, one thread): gathering straight from the
input instead of a footprint copy (5% slower: rows far apart miss the
cache), ``np.modf`` for the carry (12 times floor and subtract), tiles of
64 to 192 rows or 256 columns (within 2%), and Pillow's float transform
(135 ms a channel bilinear, 250 ms bicubic, against about 160 ms and 440 ms here
for all three channels; it also clamps to the edge pixel where the warp
blends in the fill colour).
"""
from __future__ import annotations

import numpy as np

from ._parallel import parallel_map, split
from ._progress import Progress
from ._scratch import scratch

__all__ = ["bilinear_warp", "cubic_weights", "lean_warp"]

# Side of an output tile. Its temporaries and footprint stay in the L2 cache;
# on one thread 128 and 256 cost the same, but on two threads 256 took 0.55-0.8x
# the time of 128 here (fewer, longer NumPy calls between the threads' turns
# at the interpreter lock).
_TILE = 256
# A tile whose footprint has more pixels than this (a strong reduction, a
# perspective's far side) is cut in four, so buffers stay cache-sized.
_MAX_FOOTPRINT = 1 << 16
_OUTSIDE = "outside"  # a tile that sees nothing of the input
# Per-thread scratch for a tile's footprint, taps, fractions and index
# (slots: 0 footprint, 1 taps, 2-5 affine offsets, fractions and carry,
# 6 index, 7-11 float64 positions, divisors and floors, 12 bicubic sum).
# Tile temporaries live in per-thread scratch (processing._scratch): allocated
# per tile, blocks of this size went back to the system when freed and every
# tile faulted fresh pages in (on 12 MP, 160-300 ms of kernel time per warp,
# 20-55 ms with the blocks kept). Each thread keeps about 5 MB.
# Elements kept per slot: a tile's index, fractions and positions, and most
# footprints. The taps of a full 256 x 256 tile of three or four lanes are
# larger and come from the C library's heap each time, which measured the
# same as keeping them (glibc reuses blocks of that size).
_SCRATCH_MAX = 1 << 18


def _buffer(slot: int, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    """An array of ``shape`` in this thread's warp scratch ``slot``; its
    contents are undefined, and it is reused by the next call for that slot.
    Footprints over ``_SCRATCH_MAX`` elements (an extreme reduction's) are not kept."""
    dtype = np.dtype(dtype)
    return scratch(("warp", slot), shape, dtype, keep_bytes=_SCRATCH_MAX * dtype.itemsize)


def cubic_weights(t: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keys (a = -0.5) weights of the taps at offsets -1, 0, 1, 2 for fraction ``t``.

    Examples
    --------
    >>> [float(w) for w in cubic_weights(np.float32(0.5))]
    [-0.0625, 0.5625, 0.5625, -0.0625]
    """
    t2 = t * t
    t3 = t2 * t
    w0 = -0.5 * t3 + t2 - 0.5 * t
    w1 = 1.5 * t3 - 2.5 * t2 + 1.0
    w2 = -1.5 * t3 + 2.0 * t2 + 0.5 * t
    w3 = 0.5 * t3 - 0.5 * t2
    return w0, w1, w2, w3


def bilinear_warp(
    image: np.ndarray,
    inverse: np.ndarray,
    out_h: int,
    out_w: int,
    outside: tuple[float, ...],
    *,
    premultiplied: bool,
    progress: Progress | None = None,
) -> np.ndarray:
    """:func:`lean_warp` with bilinear interpolation.

    Examples
    --------
    >>> img = np.array([[0.0, 1.0]], np.float32)
    >>> shift = np.array([[1, 0, 0.5], [0, 1, 0], [0, 0, 1.0]])  # read half a pixel right
    >>> bilinear_warp(img, shift, 1, 2, (0.0,), premultiplied=False).tolist()
    [[0.5, 0.5]]
    """
    return lean_warp(image, inverse, out_h, out_w, outside, interpolation="bilinear",
                     premultiplied=premultiplied, progress=progress)


def lean_warp(
    image: np.ndarray,
    inverse: np.ndarray,
    out_h: int,
    out_w: int,
    outside: tuple[float, ...],
    *,
    interpolation: str,
    premultiplied: bool,
    progress: Progress | None = None,
) -> np.ndarray:
    """Resample ``image`` on an ``out_h x out_w`` grid through ``inverse``.

    Parameters
    ----------
    image : ndarray
        float32 ``(H, W)`` or ``(H, W, C)``.
    inverse : ndarray
        3x3 map from output positions ``(u, v, 1)`` (pixel corners at
        integers) to homogeneous input positions.
    outside : tuple of float
        One value per channel seen outside the input (for RGBA, the fill
        colour then alpha 0).
    interpolation : {"bilinear", "bicubic"}
        2 x 2 taps with linear weights, or 4 x 4 with Keys' cubic (a = -0.5).
    premultiplied : bool
        RGBA: interpolate colour premultiplied by alpha and divide back;
        pixels that end fully transparent get the colour of ``outside``.
    progress : callable, optional
        Cancel-and-progress callback, called between tiles.

    Returns
    -------
    ndarray
        float32 ``(out_h, out_w) + image.shape[2:]``, clipped to [0, 1].

    Notes
    -----
    Output pixel centre ``(u + 0.5, v + 0.5)`` maps to ``(x, y)``; the value
    is ``(1-ty)((1-tx) p00 + tx p01) + ty((1-tx) p10 + tx p11)`` with the four
    input pixels around ``(x - 0.5, y - 0.5)``, computed as
    ``top = p00 + tx (p01 - p00)``, ``bottom`` alike, ``top + ty (bottom - top)``.
    Bicubic: ``sum_r wy_r (sum_c wx_c p_rc)`` over the 4 x 4 pixels from one
    before to two after, weights from :func:`cubic_weights`, summed in that
    order (as the general warp of :mod:`processing.geometry` does).
    With ``premultiplied``, outside is transparent black, colour is
    premultiplied by alpha before and divided after; where alpha ends at 0
    the colour is that of ``outside``.

    Examples
    --------
    >>> img = np.array([[0.0, 1.0]], np.float32)
    >>> shift = np.array([[1, 0, 0.5], [0, 1, 0], [0, 0, 1.0]])  # read half a pixel right
    >>> lean_warp(img, shift, 1, 2, (0.0,), interpolation="bicubic", premultiplied=False).tolist()
    [[0.5625, 0.5625]]
    """
    if interpolation not in ("bilinear", "bicubic"):
        raise ValueError(f"interpolation must be bilinear or bicubic, got {interpolation!r}")
    cubic = interpolation == "bicubic"
    # Taps of a position x (pixel-index coordinates) run from floor(x) + lo
    # to floor(x) + lo + n - 1; positions beyond ``reach`` of the image read
    # only outside taps, so they are clamped there (the value is then the
    # outside colour exactly, whatever the weights).
    n, lo = (4, -1) if cubic else (2, 0)
    reach = float(n - 1 + lo)  # 1 bilinear, 2 bicubic: clamp to -reach..w - 1 + reach
    h, w = image.shape[:2]
    lanes = 1 if image.ndim == 2 else image.shape[2]
    source = np.ascontiguousarray(image).reshape(h, w, lanes)
    fill_color = np.asarray(outside[: min(lanes, 3)], np.float32)
    border = np.zeros(lanes, np.float32) if premultiplied else np.asarray(outside, np.float32)

    m = np.asarray(inverse, np.float64)
    projective = not (m[2, 0] == 0 and m[2, 1] == 0 and m[2, 2] == 1)
    u = np.arange(out_w, dtype=np.float64) + 0.5
    # Per-column terms. Affine: pixel-index coordinates (centres at integers,
    # hence -0.5). Projective: homogeneous, divided per pixel.
    shift = 0.0 if projective else -0.5
    col_x = m[0, 0] * u + m[0, 2] + shift
    col_y = m[1, 0] * u + m[1, 2] + shift
    col_d = m[2, 0] * u + m[2, 2]

    if not projective:
        # Affine: x = col_x[j] + m01 (i + 0.5) is a column term plus a row
        # term. Each is split once, here, into an integer and a fraction in
        # [0, 1); a tile then adds two float32 fractions (exact to 2e-7) and
        # carries one where their sum reaches 1, and its integer offsets are
        # small enough (< 2**24) to stay exact in float32 too. No float64
        # array of the tile's size, no float-to-integer conversion but one.
        v_all = np.arange(out_h, dtype=np.float64) + 0.5
        col_ix, col_fx = _split(col_x)
        col_iy, col_fy = _split(col_y)
        row_ix, row_fx = _split(m[0, 1] * v_all)
        row_iy, row_fy = _split(m[1, 1] * v_all)

    out = np.empty((out_h, out_w, lanes), np.float32)
    # Every tap outside gives this (the blend of equal values; for RGBA,
    # transparent black taps come out as the fill colour with alpha 0).
    outside_tile = np.empty((_TILE, _TILE, lanes), np.float32)
    outside_tile[...] = np.clip(np.asarray(outside, np.float32), 0.0, 1.0)

    def footprint(y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """Input rows y0..y1-1, columns x0..x1-1 as ``(rows, cols, lanes)``,
        ``border`` outside the image, colour premultiplied if asked."""
        block = _buffer(0, (y1 - y0, x1 - x0, lanes))
        ya, yb, xa, xb = max(y0, 0), min(y1, h), max(x0, 0), min(x1, w)
        if not (ya == y0 and yb == y1 and xa == x0 and xb == x1):
            block[...] = border
        if yb > ya and xb > xa:
            inner = block[ya - y0 : yb - y0, xa - x0 : xb - x0]
            inner[...] = source[ya:yb, xa:xb]
            if premultiplied:
                inner[..., :3] *= inner[..., 3:]
        return block

    # Where a tile's positions are known to stay within the clamp limits, their
    # extremes come from its corners (an affine map, or a projective one in
    # front of the horizon, takes a rectangle to a convex quadrilateral); the
    # margin covers the rounding of corner versus per-pixel arithmetic.
    margin = 1e-6

    m00, m01, m02 = (float(t) for t in m[0])
    m10, m11, m12 = (float(t) for t in m[1])
    m20, m21, m22 = (float(t) for t in m[2])

    def corner_bounds(i0, i1, j0, j1):
        """(x_min, x_max, y_min, y_max) of the tile's positions, None where
        they may leave the clamp limits, or ``_OUTSIDE`` where all of them
        lie beyond one limit (every tap reads outside)."""
        # Plain floats: four corners cost less than one call on small arrays.
        xs, ys = [], []
        for uu in (j0 + 0.5, j1 - 0.5):
            for vv in (i0 + 0.5, i1 - 0.5):
                x = m00 * uu + m01 * vv + m02
                y = m10 * uu + m11 * vv + m12
                if projective:
                    d = m20 * uu + m21 * vv + m22
                    if not d > 1e-9:
                        return None
                    x, y = x / d, y / d
                xs.append(x - 0.5)
                ys.append(y - 0.5)
        bounds = min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin
        if bounds[1] < -reach or bounds[0] > w - 1 + reach or bounds[3] < -reach or bounds[2] > h - 1 + reach:
            return _OUTSIDE
        if bounds[0] < -reach or bounds[1] > w - 1 + reach or bounds[2] < -reach or bounds[3] > h - 1 + reach:
            return None
        return bounds

    def work(tile: tuple[int, int, int, int]) -> None:
        i0, i1, j0, j1 = tile
        th, tw = i1 - i0, j1 - j0
        bounds = corner_bounds(i0, i1, j0, j1)
        if bounds is _OUTSIDE:
            # New area only (a corner of a rotation, the far side of a
            # shift): the value the taps would give, without reading them.
            out[i0:i1, j0:j1] = outside_tile[:th, :tw]
            return
        if bounds is not None:
            x_lo, y_lo = int(np.floor(bounds[0])) + lo, int(np.floor(bounds[2])) + lo
            x_hi, y_hi = int(np.floor(bounds[1])) + lo + n, int(np.floor(bounds[3])) + lo + n
        if bounds is not None and not projective:
            rows, cols = y_hi - y_lo, x_hi - x_lo
            if rows * cols > max(_MAX_FOOTPRINT, 4 * th * tw) and th * tw > 64:
                split_tile(i0, i1, j0, j1)
                return
            # Inside, affine: no clamp; see _split above.
            stride = cols * lanes
            # Both terms relative to the tile's first column: each stays
            # within the footprint's size, exact in float32. The index is
            # that of the first tap, floor(x) + lo.
            cy0, cx0 = col_iy[j0], col_ix[j0]
            base, tx, ty, carry = (_buffer(slot, (th, tw)) for slot in (2, 3, 4, 5))
            np.add(((row_iy[i0:i1] + (cy0 + lo - y_lo)) * stride + (row_ix[i0:i1] + (cx0 + lo - x_lo)) * lanes)
                   .astype(np.float32)[:, None],
                   ((col_iy[j0:j1] - cy0) * stride + (col_ix[j0:j1] - cx0) * lanes)
                   .astype(np.float32)[None, :], out=base)
            np.add(row_fx[i0:i1, None], col_fx[None, j0:j1], out=tx)
            np.add(row_fy[i0:i1, None], col_fy[None, j0:j1], out=ty)
            np.floor(tx, out=carry)
            tx -= carry
            if lanes > 1:
                carry *= lanes
            base += carry
            np.floor(ty, out=carry)
            ty -= carry
            carry *= stride
            base += carry
            index = _buffer(6, (th * tw,), np.intp)
            np.copyto(index, base.reshape(-1), casting="unsafe")
            gather(i0, i1, j0, j1, index, tx.reshape(-1), ty.reshape(-1), y_lo, y_hi, x_lo, x_hi)
            return
        else:
            v = (np.arange(i0, i1, dtype=np.float64) + 0.5)[:, None]
            fx, fy = (_buffer(slot, (th, tw), np.float64) for slot in (7, 8))
            np.add(col_x[None, j0:j1], m[0, 1] * v, out=fx)
            np.add(col_y[None, j0:j1], m[1, 1] * v, out=fy)
            if projective:
                d = np.add(col_d[None, j0:j1], m[2, 1] * v, out=_buffer(9, (th, tw), np.float64))
                if bounds is None:
                    behind = d <= 1e-12  # beyond the horizon: nothing of the input
                    if behind.any():
                        d[behind] = 1.0
                        fx[behind] = fy[behind] = -np.inf
                # (Inside, d > 1e-9 at the corners, so everywhere between.)
                fx /= d
                fy /= d
                if bounds is None:
                    fx -= 0.5
                    fy -= 0.5
            if bounds is None:
                # Clamp where all taps already lie outside (the value is then
                # the outside colour exactly).
                np.clip(fx, -reach, w - 1 + reach, out=fx)
                np.clip(fy, -reach, h - 1 + reach, out=fy)
                x_lo, x_hi = int(np.floor(fx.min())) + lo, int(np.floor(fx.max())) + lo + n
                y_lo, y_hi = int(np.floor(fy.min())) + lo, int(np.floor(fy.max())) + lo + n
            # Relative to the footprint's corner, so that the integer part is
            # the first tap (positions >= 0). Projective inside: the half
            # pixel comes off here too.
            half = 0.5 if projective and bounds is not None else 0.0
            fx -= x_lo - lo + half
            fy -= y_lo - lo + half
        rows, cols = y_hi - y_lo, x_hi - x_lo
        if rows * cols > max(_MAX_FOOTPRINT, 4 * th * tw) and th * tw > 64:
            split_tile(i0, i1, j0, j1)
            return
        # Floors, fractions and the index in float64 (exact: integers far
        # below 2**53), converted once: mixing integer and float arrays in
        # one operation costs NumPy a buffered cast, three times as much.
        ix, iy, diff = (_buffer(slot, (th, tw), np.float64) for slot in (10, 11, 9))
        np.floor(fx, out=ix)
        np.floor(fy, out=iy)
        tx, ty = (_buffer(slot, (th, tw)) for slot in (3, 4))
        np.subtract(fx, ix, out=diff)
        np.copyto(tx, diff, casting="same_kind")
        np.subtract(fy, iy, out=diff)
        np.copyto(ty, diff, casting="same_kind")
        iy *= cols * lanes
        if lanes > 1:
            ix *= lanes
        iy += ix
        index = _buffer(6, (th * tw,), np.intp)
        np.copyto(index, iy.reshape(-1), casting="unsafe")
        gather(i0, i1, j0, j1, index, tx.reshape(-1), ty.reshape(-1), y_lo, y_hi, x_lo, x_hi)

    def split_tile(i0, i1, j0, j1):
        hy, hx = (i0 + i1) // 2, (j0 + j1) // 2
        for part in ((i0, hy, j0, hx), (i0, hy, hx, j1), (hy, i1, j0, hx), (hy, i1, hx, j1)):
            if part[1] > part[0] and part[3] > part[2]:
                work(part)

    def gather(i0, i1, j0, j1, index, tx, ty, y_lo, y_hi, x_lo, x_hi):
        """Interpolate the tile from its footprint: ``index`` is each output
        pixel's top-left tap in the flat footprint, ``tx, ty`` its fractions."""
        th, tw = i1 - i0, j1 - j0
        flat = footprint(y_lo, y_hi, x_lo, x_hi).reshape(-1)
        row = (x_hi - x_lo) * lanes
        length = flat.size - (n - 1) * (row + lanes) - lanes + 1
        # Taps of every lane are gathered into one array so that the blend
        # runs once over all lanes (take with mode="wrap" writes its ``out``
        # directly; the index never wraps).
        taps = _buffer(1, (4, lanes, th * tw))

        def take(offset, into):
            for c in range(lanes):
                start = offset + c
                flat[start : start + length].take(index, mode="wrap", out=into[c])

        if cubic:
            wx, wy = cubic_weights(tx), cubic_weights(ty)
            top = _buffer(12, (lanes, th * tw))
            for ky in range(4):
                # One row of taps: sum_c wx_c p_rc, then times wy_r.
                part = top if ky == 0 else taps[0]
                take(ky * row, part)
                part *= wx[0]
                for kx in range(1, 4):
                    take(ky * row + kx * lanes, taps[kx])
                    taps[kx] *= wx[kx]
                    part += taps[kx]
                part *= wy[ky]
                if ky:
                    top += part
        else:
            # taps: top-left, top-right, bottom-left, bottom-right; the rows
            # are blended along x together (one call per step for both).
            for k, offset in enumerate((0, lanes, row, row + lanes)):
                take(offset, taps[k])
            left, right = taps[0::2], taps[1::2]
            right -= left
            right *= tx
            left += right
            top, bottom = taps[0], taps[2]
            bottom -= top
            bottom *= ty
            top += bottom
        if premultiplied:
            a = top[3]
            np.clip(a, 0.0, 1.0, out=a)
            visible = a > 1e-6
            hidden = ~visible
            for c in range(3):
                np.divide(top[c], a, out=top[c], where=visible)
                top[c][hidden] = fill_color[c]
        # Rounding can pass 0 or 1 by an ulp: clip straight into the output,
        # all lanes in one call (the rows of a lane stay the inner loop).
        np.clip(top.reshape(lanes, th, tw), 0.0, 1.0, out=out[i0:i1, j0:j1].transpose(2, 0, 1))

    tiles = [(i, min(i + _TILE, out_h), j, min(j + _TILE, out_w))
             for i in range(0, out_h, _TILE) for j in range(0, out_w, _TILE)]
    # Runs of consecutive tiles go to the pool together (a fixed number of
    # runs, several per thread): a few futures and wake-ups instead of one
    # per tile, and ``progress`` still hears every few milliseconds.
    def run(span: tuple[int, int]) -> None:
        for tile in tiles[span[0] : span[1]]:
            work(tile)

    parallel_map(run, split(len(tiles)), progress=progress)
    return out.reshape((out_h, out_w) + image.shape[2:])


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``x`` as int64 integer parts and float32 fractions in [0, 1) (a
    fraction that rounds up to 1 in float32 is carried into the integer)."""
    whole = np.floor(x)
    frac = (x - whole).astype(np.float32)
    up = frac >= 1
    whole[up] += 1
    frac[up] = 0
    return whole.astype(np.int64), frac
