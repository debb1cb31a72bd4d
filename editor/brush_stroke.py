"""A brush stroke painted into a mask segment by segment, in place.

The processing functions (:mod:`processing.brush`) are pure: they return the
coverage of one segment over its bounding box. A stroke on a 24-megapixel
mask must not copy the mask for every segment, so this small model keeps the
arrays a stroke paints into and changes only each segment's box:

- the mask itself (changed in place),
- the stroke's own coverage so far (the largest of its segments: a stroke
  does not build up over itself),
- the mask as it was before the stroke, copied tile by tile the first time
  the stroke reaches a tile (so a short stroke never copies the whole mask).

Each touched box becomes ``composite(before, stroke)``: see
:mod:`processing.brush` for the rule. The brush tool keeps one layer at full
resolution and one on a reduced proxy it shows on screen.
"""
from __future__ import annotations

import math

import numpy as np

from processing.brush import composite_stroke, segment_coverage

__all__ = ["BrushSettings", "StrokeLayer"]

_TILE = 256  # side of the pieces of the "before" copy


class BrushSettings:
    """Size, hardness, opacity and erase of a brush (plain values, checked).

    Examples
    --------
    >>> BrushSettings(size=20, hardness=0.5).radius
    10.0
    """

    def __init__(self, size: float = 30.0, hardness: float = 1.0, opacity: float = 1.0, erase: bool = False):
        if not size > 0:
            raise ValueError(f"brush size must be > 0, got {size!r}")
        if not 0.0 <= hardness <= 1.0:
            raise ValueError(f"brush hardness must be in [0, 1], got {hardness!r}")
        if not 0.0 <= opacity <= 1.0:
            raise ValueError(f"brush opacity must be in [0, 1], got {opacity!r}")
        self.size, self.hardness, self.opacity, self.erase = float(size), float(hardness), float(opacity), bool(erase)

    @property
    def radius(self) -> float:
        return self.size / 2.0


class StrokeLayer:
    """One stroke on one mask (full resolution, or a proxy ``scale`` times as large).

    Parameters
    ----------
    mask : ndarray
        Writable float32 ``(H, W)`` mask in [0, 1]; painted in place.
    settings : BrushSettings
    scale : float
        Positions and sizes (full-resolution pixels) are multiplied by this
        for this mask: ``1 / f`` for a proxy reduced ``f`` times.

    Examples
    --------
    >>> mask = np.zeros((5, 8), np.float32)
    >>> layer = StrokeLayer(mask, BrushSettings(size=1.0))
    >>> layer.segment((0.5, 2.5), (7.5, 2.5))
    (2, 0, 3, 8)
    >>> mask.astype(int).tolist()[2]
    [1, 1, 1, 1, 1, 1, 1, 1]
    """

    def __init__(self, mask: np.ndarray, settings: BrushSettings, scale: float = 1.0):
        if mask.ndim != 2 or mask.dtype != np.float32 or not mask.flags.writeable:
            raise ValueError(f"the mask must be a writable float32 2-D array, got {mask.dtype} {mask.shape}")
        self.mask = mask
        self.settings = settings
        self.scale = float(scale)
        h, w = mask.shape
        # Untouched pages of these cost nothing: the system hands them out on first write.
        self.stroke = np.zeros((h, w), np.float32)
        self.before = np.empty((h, w), np.float32)
        self._saved = np.zeros((math.ceil(h / _TILE), math.ceil(w / _TILE)), bool)
        self.bounds: tuple[int, int, int, int] | None = None  # (row0, col0, row1, col1) touched so far

    def _save_before(self, r0: int, c0: int, r1: int, c1: int) -> None:
        tiles = self._saved[r0 // _TILE:(r1 - 1) // _TILE + 1, c0 // _TILE:(c1 - 1) // _TILE + 1]
        if tiles.all():
            return
        for ty, tx in zip(*np.nonzero(~tiles)):
            ty += r0 // _TILE
            tx += c0 // _TILE
            rows = slice(ty * _TILE, (ty + 1) * _TILE)
            cols = slice(tx * _TILE, (tx + 1) * _TILE)
            self.before[rows, cols] = self.mask[rows, cols]
            self._saved[ty, tx] = True

    def segment(self, start, end) -> tuple[int, int, int, int] | None:
        """Paint from ``start`` to ``end`` (full-resolution ``(x, y)``); the
        box changed, ``(row0, col0, row1, col1)``, or None if it is off the mask."""
        s = self.settings
        patch, (r0, c0) = segment_coverage(start, end, s.radius, hardness=s.hardness, shape=self.mask.shape,
                                           scale=self.scale)
        if patch.size == 0:
            return None
        r1, c1 = r0 + patch.shape[0], c0 + patch.shape[1]
        self._save_before(r0, c0, r1, c1)
        stroke = self.stroke[r0:r1, c0:c1]
        np.maximum(stroke, patch, out=stroke)
        self.mask[r0:r1, c0:c1] = composite_stroke(self.before[r0:r1, c0:c1], stroke, opacity=s.opacity,
                                                   erase=s.erase)
        box = (r0, c0, r1, c1)
        b = self.bounds
        self.bounds = box if b is None else (min(b[0], r0), min(b[1], c0), max(b[2], r1), max(b[3], c1))
        return box

    def revert(self) -> None:
        """Put back the mask as it was before the stroke (Escape); the layer
        is spent after this."""
        for ty, tx in zip(*np.nonzero(self._saved)):
            rows = slice(ty * _TILE, (ty + 1) * _TILE)
            cols = slice(tx * _TILE, (tx + 1) * _TILE)
            self.mask[rows, cols] = self.before[rows, cols]
        self._saved[:] = False
        self.bounds = None
