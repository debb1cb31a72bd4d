"""A round brush for painting masks: coverage of a stroke and how strokes add up.

Geometry: positions are continuous image coordinates ``(x, y)``, x to the
right and y down, with pixel ``(row, column)`` covering ``[column,
column + 1) x [row, row + 1)``, so its centre is ``(column + 0.5, row +
0.5)``. These are the canvas's scene coordinates.

A brush of radius ``r`` dragged along a segment covers the union of the
disks centred on the segment, which is the set of points whose distance to
the segment is at most ``r`` (a capsule). A pixel's coverage is a function
of the distance ``d`` from its centre to the segment: 1 up to ``hardness *
r``, falling smoothly to 0 at ``r``, and 0 beyond. A hard brush
(``hardness`` 1) therefore covers exactly the pixels with ``d <= r``.

How paint adds up (the accumulation rule):

- Within one stroke a pixel takes the *largest* coverage of any segment
  (equivalently, the coverage of its distance to the whole polyline): going
  over the same place again in one stroke, or the overlap of two segments at
  a joint, does not build up.
- The finished stroke then goes onto the mask at the brush's opacity ``o``
  like paint over a canvas: ``m' = m + (1 - m) o s`` when painting and
  ``m' = m (1 - o s)`` when erasing (``s`` the stroke's coverage). Two
  separate strokes at opacity 0.5 over the same pixel give 0.75.

All functions are pure. :func:`segment_coverage` returns only the part of
the image inside the segment's bounding box, so a stroke segment on a
24-megapixel mask costs the segment's area, not the image's: the caller
combines that patch into its own buffers.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ._image import check_point, check_range

__all__ = ["segment_coverage", "stroke_coverage", "composite_stroke", "paint_stroke"]


def _shape(shape) -> tuple[int, int]:
    try:
        h, w = int(shape[0]), int(shape[1])
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"shape must be (height, width), got {shape!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"shape must be at least 1 x 1, got {h} x {w}")
    return h, w


def _check_brush(radius: float, hardness: float) -> tuple[float, float]:
    radius = check_range("radius", radius, 0)
    if radius == 0.0:
        raise ValueError("radius must be > 0, got 0")
    return radius, check_range("hardness", hardness, 0, 1)


def _span(low: float, high: float, radius: float, size: int) -> tuple[int, int]:
    """Pixels ``[first, stop)`` along one axis whose centres lie within
    ``radius`` of ``[low, high]``, clipped to ``[0, size)``."""
    first = math.ceil(low - radius - 0.5)
    stop = math.floor(high + radius - 0.5) + 1
    return max(0, first), min(size, stop)


def _falloff(d2: np.ndarray, radius: float, hardness: float) -> np.ndarray:
    """Coverage for squared distances ``d2`` (float64, overwritten), as float32."""
    if hardness >= 1.0:
        return (d2 <= radius * radius).astype(np.float32)
    inner = hardness * radius
    t = np.sqrt(d2, out=d2)
    np.subtract(radius, t, out=t)
    t *= 1.0 / (radius - inner)
    np.clip(t, 0.0, 1.0, out=t)
    # Smoothstep: no kink where the soft edge meets the solid core or the outside.
    out = t.astype(np.float32)
    out *= out * (np.float32(3.0) - np.float32(2.0) * out)
    return out


def segment_coverage(start, end, radius: float, *, hardness: float = 1.0, shape,
                     scale: float = 1.0) -> tuple[np.ndarray, tuple[int, int]]:
    """Coverage of a round brush dragged from ``start`` to ``end``, over the
    segment's bounding box.

    Parameters
    ----------
    start, end : (float, float)
        Segment ends ``(x, y)`` in image coordinates (see the module notes);
        equal ends give a single dab. They may lie outside the image.
    radius : float
        Brush radius in pixels, > 0.
    hardness : float
        Fraction of the radius painted at full strength, in [0, 1]; the rest
        fades smoothly to nothing at the radius.
    shape : (int, int)
        ``(height, width)`` of the mask painted on: the patch is clipped to it.
    scale : float
        Multiplies positions and radius first, > 0: ``1 / f`` paints the same
        stroke on a proxy reduced ``f`` times.

    Returns
    -------
    patch : ndarray
        float32 coverage in [0, 1] of the pixels in the bounding box of the
        segment widened by the radius, clipped to ``shape``; 0-sized when
        that box misses the image.
    origin : (int, int)
        ``(row, column)`` of the patch's top-left pixel in the mask.

    Notes
    -----
    With ``a``, ``b`` the ends and ``p`` a pixel centre, the distance is
    ``|p - a - t (b - a)|`` with ``t = clip((p - a).(b - a) / |b - a|^2, 0, 1)``;
    the coverage is 1 for ``d <= h r``, ``s^2 (3 - 2 s)`` with
    ``s = (r - d) / (r - h r)`` up to ``r``, and 0 beyond.

    Examples
    --------
    >>> patch, origin = segment_coverage((1.5, 1.5), (1.5, 1.5), 1.0, shape=(4, 5))
    >>> origin, patch.astype(int).tolist()
    ((0, 0), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    """
    x0, y0 = check_point("start", start)
    x1, y1 = check_point("end", end)
    radius, hardness = _check_brush(radius, hardness)
    h, w = _shape(shape)
    scale = check_range("scale", scale, 0)
    if scale == 0.0:
        raise ValueError("scale must be > 0, got 0")
    x0, y0, x1, y1, radius = x0 * scale, y0 * scale, x1 * scale, y1 * scale, radius * scale
    c0, c1 = _span(min(x0, x1), max(x0, x1), radius, w)
    r0, r1 = _span(min(y0, y1), max(y0, y1), radius, h)
    if c1 <= c0 or r1 <= r0:
        return np.zeros((0, 0), np.float32), (r0, c0)
    # Offsets from the start keep the numbers small, and float64 keeps a pixel
    # whose centre is exactly on the edge on the same side as a reference would.
    xs = (np.arange(c0, c1, dtype=np.float64) + (0.5 - x0))[None, :]
    ys = (np.arange(r0, r1, dtype=np.float64) + (0.5 - y0))[:, None]
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        d2 = xs * xs + ys * ys
    else:
        # In place, two full-size temporaries: on a big brush the patch has
        # a million pixels and allocation would cost more than the arithmetic.
        t = xs * dx + ys * dy
        t *= 1.0 / length2
        np.clip(t, 0.0, 1.0, out=t)
        d2 = t * dx
        np.subtract(xs, d2, out=d2)
        d2 *= d2
        t *= dy
        np.subtract(ys, t, out=t)
        t *= t
        d2 += t
    return _falloff(d2, radius, hardness), (r0, c0)


def stroke_coverage(points: Sequence, radius: float, *, hardness: float = 1.0, shape,
                    scale: float = 1.0) -> np.ndarray:
    """Coverage of a whole stroke through ``points``: the largest coverage of
    any of its segments at each pixel.

    Parameters
    ----------
    points : sequence of (float, float)
        The pointer's positions ``(x, y)``, at least one (one is a dab).
    radius, hardness, shape, scale
        As for :func:`segment_coverage`.

    Returns
    -------
    ndarray
        float32 ``shape`` array in [0, 1].

    Examples
    --------
    >>> cover = stroke_coverage([(0.5, 0.5), (4.5, 0.5), (4.5, 2.5)], 0.5, shape=(3, 6))
    >>> cover.astype(int).tolist()
    [[1, 1, 1, 1, 1, 0], [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 1, 0]]
    """
    h, w = _shape(shape)
    points = list(points)
    if not points:
        raise ValueError("a stroke needs at least one point, got none")
    out = np.zeros((h, w), np.float32)
    pairs = zip(points, points[1:]) if len(points) > 1 else [(points[0], points[0])]
    for a, b in pairs:
        patch, (r, c) = segment_coverage(a, b, radius, hardness=hardness, shape=(h, w), scale=scale)
        if patch.size:
            view = out[r:r + patch.shape[0], c:c + patch.shape[1]]
            np.maximum(view, patch, out=view)
    return out


def composite_stroke(before: np.ndarray, stroke: np.ndarray, *, opacity: float = 1.0,
                     erase: bool = False) -> np.ndarray:
    """Put a finished stroke's coverage onto a mask.

    Parameters
    ----------
    before : ndarray
        float32 mask in [0, 1] (bool is read as 0 and 1).
    stroke : ndarray
        The stroke's coverage in [0, 1], same shape (or a patch of both).
    opacity : float
        Strength of the brush in [0, 1].
    erase : bool
        Take the stroke away from the mask instead of adding it.

    Returns
    -------
    ndarray
        The new float32 mask.

    Notes
    -----
    Painting: ``m + (1 - m) o s``; erasing: ``m (1 - o s)``.

    Examples
    --------
    >>> m = composite_stroke(np.zeros(1, np.float32), np.ones(1, np.float32), opacity=0.5)
    >>> m.tolist(), composite_stroke(m, np.ones(1, np.float32), opacity=0.5).tolist()
    ([0.5], [0.75])
    >>> composite_stroke(np.ones(1, np.float32), np.ones(1, np.float32), opacity=0.5, erase=True).tolist()
    [0.5]
    """
    before = np.asarray(before)
    stroke = np.asarray(stroke)
    if before.shape != stroke.shape:
        raise ValueError(f"the stroke's shape {stroke.shape} differs from the mask's {before.shape}")
    opacity = check_range("opacity", opacity, 0, 1)
    if not isinstance(erase, (bool, np.bool_)):
        raise ValueError(f"erase must be true or false, got {erase!r}")
    m = before.astype(np.float32)
    amount = stroke.astype(np.float32) * np.float32(opacity)
    if erase:
        return m * (np.float32(1.0) - amount)
    return m + (np.float32(1.0) - m) * amount


def paint_stroke(mask: np.ndarray, points: Sequence, radius: float, *, hardness: float = 1.0,
                 opacity: float = 1.0, erase: bool = False) -> np.ndarray:
    """Paint (or erase) one brush stroke through ``points`` on a mask.

    Parameters
    ----------
    mask : ndarray
        2-D float32 (or bool) mask in [0, 1]; not changed.
    points : sequence of (float, float)
        The stroke's positions ``(x, y)`` in image coordinates.
    radius, hardness
        As for :func:`segment_coverage`.
    opacity, erase
        As for :func:`composite_stroke`.

    Returns
    -------
    ndarray
        The new float32 mask.

    Examples
    --------
    >>> out = paint_stroke(np.zeros((3, 4), np.float32), [(0.5, 1.5), (3.5, 1.5)], 0.5)
    >>> out.astype(int).tolist()
    [[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]]
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D, got shape {mask.shape}")
    stroke = stroke_coverage(points, radius, hardness=hardness, shape=mask.shape)
    return composite_stroke(mask, stroke, opacity=opacity, erase=erase)
