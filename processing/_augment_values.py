"""Pixel values of :mod:`processing.augment`: scaling integer images to
float32 and back, elementwise transforms through one table of levels,
cutout, whole-pixel copies and the colour matrices of saturation and hue.

Private.
"""
from __future__ import annotations

import math

import numpy as np

from ._scratch import scratch
from ._parallel import parallel_map
from ._augment_tables import apply_table, compact

__all__ = ["SCALE", "as_float", "from_float", "for_bands", "color_of", "ELEMENTWISE", "elementwise", "elementwise_inplace",
           "lookup", "cutout_native", "blank",
           "compact", "color_matrix", "color_native"]


SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def as_float(image: np.ndarray, slot: str | None = None) -> np.ndarray:
    """float32 values in [0, 1] of ``image``: a new array, or with ``slot``
    (integer images only) this thread's scratch array of that name, for a
    temporary that the next step reads and drops."""
    scale = SCALE.get(image.dtype)
    if scale is None:
        return image.astype(np.float32)
    if slot is None:
        out = image.astype(np.float32)
    else:
        out = scratch(slot, image.shape)
        np.copyto(out, image)
    out *= np.float32(1.0 / scale)
    return out


def from_float(image: np.ndarray, dtype: np.dtype, ops: list[dict] = ()) -> np.ndarray:
    """float32 ``image`` in [0, 1] as ``dtype``, integers rounded to nearest:
    always a new array for them. ``ops``, per-value transforms, are applied
    first (in place: ``image`` must be the caller's to change).

    Bands of rows on the pool: every pass over a band runs in cache.
    """
    scale = SCALE.get(dtype)
    if scale is None:
        if ops:
            for_bands(image, lambda band: elementwise_inplace(ops, color_of(band)))
        return image.astype(dtype, copy=False)
    out = np.empty(image.shape, dtype)

    def convert(band, rows):
        if ops:
            elementwise_inplace(ops, color_of(band))
        tmp = np.multiply(band, np.float32(scale), out=scratch("from_float", band.shape))
        tmp += np.float32(0.5)  # values are >= 0: truncating x + 0.5 rounds
        np.clip(tmp, np.float32(0), np.float32(scale), out=tmp)
        out[rows] = tmp

    for_bands(image, convert, with_rows=True)
    return out


def color_of(image: np.ndarray) -> np.ndarray:
    """The colour of ``image``: a view without alpha for RGBA, else itself."""
    return image[..., :3] if image.ndim == 3 and image.shape[2] == 4 else image


def for_bands(image: np.ndarray, func, with_rows: bool = False) -> None:
    """``func(image[rows])`` (and ``rows``, a slice, if ``with_rows``) for
    bands of rows of about ``_BAND`` values, on the pool."""
    h = image.shape[0] if image.ndim else 1
    per_row = max(1, image.size // max(h, 1))
    step = max(1, _BAND // per_row)
    spans = [slice(r, min(h, r + step)) for r in range(0, h, step)]
    if image.ndim == 0 or len(spans) <= 1:
        rows = slice(None)
        func(image, rows) if with_rows else func(image)
        return
    parallel_map((lambda rows: func(image[rows], rows)) if with_rows else (lambda rows: func(image[rows])), spans)


_BAND = 1 << 16  # values per band: 256 KB of float32


ELEMENTWISE = {"brightness", "contrast", "gamma"}


def elementwise(op: dict, values: np.ndarray) -> np.ndarray:
    """float32 ``values`` after a transform that maps each value on its own
    (a new array, clipped to [0, 1])."""
    name = op["transform"]
    if name == "brightness":
        out = values + np.float32(op["delta"])
    elif name == "contrast":
        out = values - np.float32(0.5)
        out *= np.float32(op["factor"])
        out += np.float32(0.5)
    else:
        out = np.power(np.clip(values, 0.0, 1.0), np.float32(op["gamma"]))
    np.clip(out, 0.0, 1.0, out=out)
    return out


def elementwise_inplace(ops: list[dict], values: np.ndarray) -> None:
    """float32 ``values`` after per-value ``ops``, in place: the same float32
    operations in the same order as :func:`elementwise`, so the same bits."""
    for op in ops:
        name = op["transform"]
        if name == "brightness":
            values += np.float32(op["delta"])
        elif name == "contrast":
            values -= np.float32(0.5)
            values *= np.float32(op["factor"])
            values += np.float32(0.5)
        else:
            np.clip(values, 0.0, 1.0, out=values)
            np.power(values, np.float32(op["gamma"]), out=values)
        np.clip(values, 0.0, 1.0, out=values)


def lookup(work: np.ndarray, ops: list[dict], to_float: bool) -> np.ndarray:
    """Integer ``work`` after elementwise ``ops``, through one table of every
    level: as float32 (``to_float``) or rounded back to its own dtype. Far
    cheaper than converting the image (one gather instead of a conversion,
    the arithmetic and a conversion back), and each level goes through
    the same float32 arithmetic as a float image's values would."""
    levels = as_float(np.arange(int(SCALE[work.dtype]) + 1, dtype=work.dtype))
    for op in ops:
        levels = elementwise(op, levels)
    table = levels if to_float else from_float(levels, work.dtype)
    if work.ndim == 3 and work.shape[2] == 4:  # alpha: passed through
        out = as_float(work) if to_float else np.array(work)
        out[..., :3] = table.take(work[..., :3], mode="wrap")
        return out
    if to_float:
        return table.take(work, mode="wrap")  # every index is a level: nothing wraps
    return apply_table(work, table)


def color_native(op: dict, work: np.ndarray, rounded: bool) -> np.ndarray:
    """Saturation or hue of an integer RGB image (no alpha), computed on the
    levels themselves; rounded to its dtype (``rounded``) or scaled to
    float32 in [0, 1].

    float32 on exact levels, the 3 x 3 colour matrix applied to (pixels x 3)
    blocks (see :func:`_product`; float64 takes twice as long).
    Rounded, the few values within float32's error of halfway between two
    levels are computed again in float64, so that each result is the level
    nearest the exact value (either, at an exact tie).
    """
    top = float(SCALE[work.dtype])
    matrix = np.ascontiguousarray(color_matrix(op).T)
    x = scratch("color", work.shape)
    np.copyto(x, work)
    pixels = x.reshape(-1, 3)
    turned = _product(pixels, matrix.astype(np.float32), scratch("turned", pixels.shape))
    if not rounded:
        scaled = np.multiply(turned, np.float32(1.0 / top), out=np.empty(pixels.shape, np.float32))
        return np.clip(scaled, 0.0, 1.0, out=scaled).reshape(work.shape)
    turned += np.float32(0.5)
    # Truncating a value within float32's error (a few units in the last
    # place of the largest term of a row of the product; ``near`` is wider)
    # of a whole number could go either way: truncate it at both ends of
    # that interval, and compute again in float64 where the two differ.
    near = np.float32(2.0**-19 * (1.0 + top * np.abs(matrix).sum(axis=0).max()))
    np.clip(turned, near, np.float32(top + 0.5), out=turned)
    out = np.subtract(turned, near, out=scratch("color", pixels.shape)).astype(work.dtype)
    turned += near
    high = scratch("high", pixels.shape, work.dtype)
    np.copyto(high, turned, casting="unsafe")  # truncates, as astype
    doubt = np.flatnonzero(np.not_equal(out, high, out=scratch("doubt", pixels.shape, bool)))
    if len(doubt):
        p, c = np.divmod(doubt, 3)
        exact = np.einsum("pj,pj->p", work.reshape(-1, 3)[p].astype(np.float64), matrix.T[c])
        out.reshape(-1)[doubt] = np.clip(np.floor(exact + 0.5), 0.0, top)
    return out.reshape(work.shape)


_PRODUCT_ROWS = 1 << 14


def _product(pixels: np.ndarray, matrix: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``pixels @ matrix`` into ``out`` as a stack of products of at most
    ``_PRODUCT_ROWS`` rows. One product of the whole image is a single
    BLAS call, which OpenBLAS splits across its own threads; they spin
    while they wait, and on a machine busy with other work (or with this
    package's pool) that costs several times the product. Products this
    small run on the calling thread; as (H, W, 3) NumPy would make one
    call per row, half as fast."""
    n = len(pixels) - len(pixels) % _PRODUCT_ROWS
    if n:
        stack = (n // _PRODUCT_ROWS, _PRODUCT_ROWS, pixels.shape[1])
        np.matmul(pixels[:n].reshape(stack), matrix, out=out[:n].reshape(stack))
    if n < len(pixels):
        np.matmul(pixels[n:], matrix, out=out[n:])
    return out


def cutout_native(op: dict, work: np.ndarray) -> np.ndarray:
    """Cutout on an integer image in its own dtype: the fill rounded as a
    float image's result would be."""
    out = compact(work)
    fill = from_float(np.array([op["fill"]], np.float32), work.dtype)[0]
    blank(op, out[..., :3] if out.ndim == 3 and out.shape[2] == 4 else out, fill)
    return out


def blank(op: dict, color: np.ndarray, fill) -> None:
    h, w = color.shape[:2]
    for x, y, hw, hh in op["holes"]:
        j0, j1 = max(0, round(x * w)), min(w, round((x + hw) * w))
        i0, i1 = max(0, round(y * h)), min(h, round((y + hh) * h))
        color[i0:i1, j0:j1] = fill


_LUMA = np.array([0.2126, 0.7152, 0.0722])


def color_matrix(op: dict) -> np.ndarray:
    """3x3 linear RGB map: saturation blends with Rec. 709 luma; hue turns
    colours about the gray axis."""
    gray = np.tile(_LUMA, (3, 1))
    if op["transform"] == "saturation":
        f = op["factor"]
        return f * np.eye(3) + (1 - f) * gray
    # Rotation about the gray axis (1, 1, 1)/sqrt(3) by Rodrigues' formula:
    # a turn of the chroma plane that leaves grays alone, a linear stand-in
    # for a turn of HSV hue (one matrix product instead of a round trip
    # through HSV).
    t = math.radians(op["shift_deg"])
    k = np.ones(3) / math.sqrt(3)
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    rot = math.cos(t) * np.eye(3) + math.sin(t) * cross + (1 - math.cos(t)) * np.outer(k, k)
    return rot
