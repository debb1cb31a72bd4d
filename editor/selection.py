"""The selection: where the next operation applies, as float weights in [0, 1].

A :class:`Selection` is immutable (like a step), so the undo history can keep
the one before and after every change. The document holds the current one;
an operation applied while it exists stores its mask in the step, and the
renderer blends the operation's result through it. Building one from
shapes, the wand, feathering, growing and shrinking, and reading or writing a
mask image all live here; the UI only asks.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from processing.filters import gaussian_blur
from processing.morphology import dilate, erode
from processing.selection import combine_masks

from .atomic import atomic_write_bytes
from .errors import EditorError
from .image_file import load_image

__all__ = ["Selection", "SelectionError", "combine", "load_mask_image", "save_mask_image", "MAX_FEATHER", "MAX_GROW"]

MAX_FEATHER = 500.0  # pixels
MAX_GROW = 500  # pixels


class SelectionError(EditorError):
    """A selection cannot be made, read or written (the message says why)."""


@dataclass(frozen=True, eq=False)
class Selection:
    """A selection mask: float32 ``(H, W)`` weights in [0, 1] (read-only).

    Bool masks are accepted and kept as bool (a hard selection costs a
    quarter of the memory); everything else becomes float32, clipped.

    Examples
    --------
    >>> sel = Selection(np.array([[True, False]]))
    >>> sel.shape, sel.inverted().mask.tolist(), sel.bounds()
    ((1, 2), [[False, True]], (0, 0, 1, 1))
    """

    mask: np.ndarray

    def __post_init__(self):
        mask = np.asarray(self.mask)
        if mask.ndim != 2 or mask.size == 0:
            raise ValueError(f"a selection mask must be a non-empty 2-D array, got shape {mask.shape}")
        # One copy (a 24 MP float mask is 96 MB), clipped in place.
        mask = np.array(mask, dtype=bool if mask.dtype == bool else np.float32, order="C")
        if mask.dtype != bool:
            np.clip(mask, 0.0, 1.0, out=mask)
        mask.flags.writeable = False
        object.__setattr__(self, "mask", mask)

    def __eq__(self, other: object) -> bool:
        # Compared only when a change may be no change (rare): no digest
        # is kept, which would cost a pass over every new selection.
        if not isinstance(other, Selection):
            return False
        a, b = self.mask, other.mask
        return a is b or (a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b)))

    def __hash__(self) -> int:
        return hash((self.mask.shape, self.mask.dtype.str))

    @property
    def shape(self) -> tuple[int, int]:
        return self.mask.shape

    @property
    def is_soft(self) -> bool:
        return self.mask.dtype != bool

    def weights(self) -> np.ndarray:
        """The mask as float32 weights (a view when already float)."""
        return self.mask if self.is_soft else self.mask.astype(np.float32)

    def hard(self) -> np.ndarray:
        """Where the weight is at least one half."""
        return self.mask if not self.is_soft else self.mask >= 0.5

    def is_empty(self) -> bool:
        return not bool(self.mask.any())

    def bounds(self) -> tuple[int, int, int, int] | None:
        """(x, y, width, height) of the selected area, None if empty."""
        rows = np.flatnonzero(self.mask.any(axis=1))
        if rows.size == 0:
            return None
        cols = np.flatnonzero(self.mask.any(axis=0))
        return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)

    # -- derived selections ---------------------------------------------------------
    def inverted(self) -> "Selection":
        return Selection(~self.mask if not self.is_soft else 1.0 - self.mask)

    def feathered(self, radius: float) -> "Selection":
        """Edges softened by a Gaussian of standard deviation ``radius / 2``
        (the weight falls from 1 to 0 over about ``2 radius`` pixels)."""
        radius = _check_amount("feather radius", radius, MAX_FEATHER)
        if radius == 0:
            return self
        return Selection(gaussian_blur(self.weights(), radius / 2.0))

    def grown(self, radius: int) -> "Selection":
        """Every pixel within ``radius`` of a selected one selected (disk).
        Soft weights grow as their maximum over the disk."""
        radius = int(_check_amount("grow radius", radius, MAX_GROW))
        return self if radius == 0 else Selection(dilate(self.mask, "disk", radius))

    def shrunk(self, radius: int) -> "Selection":
        """Only pixels whose whole disk of ``radius`` is selected stay."""
        radius = int(_check_amount("shrink radius", radius, MAX_GROW))
        return self if radius == 0 else Selection(erode(self.mask, "disk", radius))

    @classmethod
    def everything(cls, shape: tuple[int, int]) -> "Selection":
        return cls(np.ones(shape[:2], dtype=bool))


def _check_amount(name: str, value: float, limit: float) -> float:
    value = float(value)
    if not (0 <= value <= limit):
        raise SelectionError(f"The {name} must be between 0 and {limit:g} pixels, got {value:g}.")
    return value


def combine(current: Selection | None, mask: np.ndarray, mode: str = "replace") -> Selection | None:
    """The selection after combining ``mask`` with ``current`` in ``mode``
    (replace, add, subtract, intersect); None when nothing is left selected.

    A current selection of another size (the image was cropped since) is
    dropped first, as if there were none.

    Examples
    --------
    >>> a = Selection(np.array([[True, True]]))
    >>> combine(a, np.array([[True, False]]), "subtract").mask.tolist()
    [[False, True]]
    >>> combine(a, np.array([[True, True]]), "subtract") is None
    True
    """
    mask = np.asarray(mask)
    if current is not None and current.shape != mask.shape:
        current = None
    if current is None and mode in ("replace", "add"):
        result = mask  # the Selection makes its own copy
    else:
        result = combine_masks(None if current is None else current.mask, mask, mode)
    if not result.any():
        return None
    return Selection(result)


# -- mask images -------------------------------------------------------------------
def save_mask_image(path: str | os.PathLike, selection: Selection) -> Path:
    """Write the selection as an 8-bit grey PNG (white = selected), atomically."""
    weights = selection.weights()
    data = np.round(weights * 255.0).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(data, mode="L").save(buffer, format="PNG")
    path = Path(path)
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except EditorError as exc:
        raise SelectionError(f"Cannot write the mask {path.name}: {exc}") from None
    return path


def load_mask_image(path: str | os.PathLike, shape: tuple[int, int]) -> Selection:
    """Read a mask image as a selection: grey levels (or alpha) become weights.

    The file is untrusted: it goes through the editor's image loader (size
    and memory checks), and its size must equal ``shape`` (height, width) of
    the image it is meant for.

    Raises
    ------
    SelectionError
        The file cannot be read, or its size differs.
    """
    path = Path(path)
    try:
        loaded = load_image(path)
    except EditorError as exc:
        raise SelectionError(f"Cannot read the mask {path.name}: {exc}") from None
    pixels = loaded.pixels
    h, w = (int(v) for v in shape[:2])
    ph, pw = pixels.shape[:2]
    if (ph, pw) != (h, w):
        raise SelectionError(
            f"The mask {path.name} is {pw} x {ph} pixels but the image is {w} x {h}: a mask must have the image's size."
        )
    if pixels.ndim == 2:
        weights = pixels
    elif pixels.shape[2] == 4 and np.any(pixels[..., 3] < 1.0):
        weights = pixels[..., 3]  # a transparent mask: its alpha says where
    else:
        weights = pixels[..., :3].mean(axis=2)
    weights = np.round(np.clip(weights, 0.0, 1.0) * 255.0) / 255.0
    if np.all((weights == 0) | (weights == 1)):
        return Selection(weights >= 0.5)
    return Selection(weights.astype(np.float32))
