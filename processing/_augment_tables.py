"""Fast application of a table of levels to an integer image, for
:mod:`processing.augment`'s per-value transforms, and fast whole-pixel copies.

Private. NumPy has no vectorised gather: ``np.take`` converts its indices
to machine integers and then copies one item per index, about 0.4 ns per
item, where a SIMD table lookup does 16 or 32 items at once. So:

- A table that only shifts levels (a brightness change, once rounded to
  8 bits) is applied as a clip and an add, both vectorised: about ten times
  cheaper than a gather.
- Any other 8-bit table is applied to *pairs* of bytes: a table of 65,536
  two-byte entries (128 KB, it stays in cache) maps each pair of levels at
  once, so there are half as many indices to convert and gather.

Either way the result is exactly ``table[image]``.
"""
from __future__ import annotations

import sys

import numpy as np

from ._scratch import scratch

__all__ = ["apply_table", "shift_of", "pair_table", "compact"]


def shift_of(table: np.ndarray) -> int | None:
    """The whole number ``d`` when ``table[v] == clip(v + d, 0, top)`` for every
    level ``v`` (``top`` the last level), else None."""
    top = len(table) - 1
    # The one candidate: the first entry above 0 is not clipped (0 + d
    # when d > 0, else the level 1 - d maps to 1); then check them all.
    first = int(np.argmax(table > 0))
    d = int(table[first]) - first
    if not -top <= d <= top:
        return None
    ramp = _ramp(table.dtype, top)  # clip(v + d) for every v is a slice of it
    if ramp[top + 1 + d : 2 * top + 2 + d].tobytes() == table.tobytes():
        return d
    return None


_RAMPS: dict = {}


def _ramp(dtype, top: int) -> np.ndarray:
    """``top + 1`` zeros, the levels ``0 .. top``, ``top + 1`` times ``top``."""
    key = (np.dtype(dtype), top)
    ramp = _RAMPS.get(key)
    if ramp is None:
        ramp = np.concatenate([np.zeros(top + 1), np.arange(top + 1), np.full(top + 1, top)]).astype(dtype)
        ramp.setflags(write=False)
        ramp = _RAMPS[key] = ramp
    return ramp


def pair_table(table: np.ndarray) -> np.ndarray:
    """``(65536,)`` uint16: entry ``p`` holds, byte for byte, the 8-bit
    ``table`` applied to each of the two bytes of the native uint16 ``p``."""
    pairs = np.empty((256, 256, 2), np.uint8)
    # Native order: on a little-endian machine the first byte in memory is
    # the low one (the column), on a big-endian one the high one (the row).
    first, second = (table[None, :], table[:, None]) if sys.byteorder == "little" else (table[:, None], table[None, :])
    pairs[:, :, 0] = first
    pairs[:, :, 1] = second
    return pairs.reshape(-1).view(np.uint16)


def apply_table(image: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``table[image]`` as a new C-contiguous array: ``image`` uint8 or
    uint16, ``table`` of its dtype with one entry per level."""
    top = np.iinfo(image.dtype).max
    kind = image.dtype.type
    d = shift_of(table)
    if d is not None:
        # table[v] = clip(v + d): clip first so the add cannot wrap around.
        if d >= 0:
            out = np.clip(image, kind(0), kind(top - d))
            out += kind(d)
        else:
            out = np.clip(image, kind(-d), kind(top))
            out -= kind(-d)
        return out if out.flags.c_contiguous else np.ascontiguousarray(out)
    if image.dtype != np.uint8 or image.size < 2:
        return table.take(image, mode="wrap")  # every index is a level: nothing wraps
    flat = np.ascontiguousarray(image).reshape(-1)
    out = np.empty(flat.shape, np.uint8)
    even = flat.size - flat.size % 2
    # np.take converts its indices to machine integers first; into a kept
    # block, not a fresh one each call.
    index = scratch("table_index", (even // 2,), np.intp)
    np.copyto(index, flat[:even].view(np.uint16))
    np.take(pair_table(table), index, out=out[:even].view(np.uint16), mode="wrap")
    if even < flat.size:
        out[-1] = table[flat[-1]]
    return out.reshape(image.shape)


def compact(array: np.ndarray) -> np.ndarray:
    """A C-contiguous copy of ``array`` (often a flipped or turned view).

    NumPy copies a colour image with a loop over its 3 or 4 values per
    pixel, the slowest way. A flip (rows still in order, their pixels
    reversed) is copied one channel at a time instead, each a long strided
    loop (about twice as fast); other layouts (quarter turns) as whole
    pixels, one item each. Pixels of 2, 4 or 8 bytes (8-bit RGBA) are
    copied as one machine word each.
    """
    if array.ndim == 3 and array.strides[2] == array.itemsize:
        lanes = array.shape[2]
        size = array.itemsize * lanes
        if array.strides[1] == size:  # rows in order (a vertical flip): a copy per row
            return np.array(array, order="C")
        if size in (2, 4, 8):  # a pixel is a machine word: copy words
            words = array.view(np.dtype(f"u{size}"))
            return np.array(words, order="C").view(array.dtype).reshape(array.shape)
        if array.strides[1] == -size:
            out = np.empty(array.shape, array.dtype)
            for c in range(lanes):
                out[..., c] = array[..., c]
            return out
        try:
            pixels = array.view(np.dtype((np.void, array.itemsize * lanes)))
        except ValueError:
            return np.array(array, order="C")
        return np.array(pixels, order="C").view(array.dtype).reshape(array.shape)
    return np.array(array, order="C")
