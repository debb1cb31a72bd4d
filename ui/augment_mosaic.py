"""The Augment panel's grid of variants, as pixels: what each cell shows.

Qt-free apart from the cell record the grid widget reads: the variants of
the current image's proxy drawn side by side, the mask tinted over each,
the boxes and keypoints carried to where each variant put them, and the
check line under the grid.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from processing import augment as aug
from editor.errors import RenderCancelled

from .augment_grid import VariantView

# Mask labels are tinted over the variants in these colours (label 1 first).
MASK_COLOURS = np.array([(255, 64, 64), (64, 160, 255), (255, 210, 0), (80, 220, 120), (200, 90, 255),
                         (255, 140, 40)], np.float32) / 255.0
MASK_OPACITY = 0.45


@dataclass(frozen=True)
class Targets:
    """What is drawn over each variant, in the current image's full-size pixels."""

    mask: np.ndarray | None = None  # (H, W) label image
    boxes: np.ndarray | None = None  # (N, 4) x_min, y_min, x_max, y_max
    keypoints: np.ndarray | None = None  # (K, 2) x, y

    @property
    def empty(self) -> bool:
        return self.mask is None and self.boxes is None and self.keypoints is None


def grid_factor(shape: tuple[int, int], cell_px: tuple[int, int]) -> int:
    """The reduction of the current image for the grid: the largest factor
    of the form 2^k or 3 * 2^k that keeps the proxy at least as big as a
    cell. Such factors are at most 1.5 times finer than needed (the variants
    cost what their pixels cost), and each reduces from a finer one already
    in the render cache (half of it) instead of from the whole photo.

    Examples
    --------
    >>> grid_factor((4000, 6000), (300, 200)), grid_factor((4000, 6000), (190, 120))
    (16, 24)
    >>> grid_factor((60, 80), (300, 200))
    1
    """
    h, w = shape
    cw, ch = max(1, cell_px[0]), max(1, cell_px[1])
    ideal = max(1, min(w // cw, h // ch))
    power = 1 << (ideal.bit_length() - 1)
    return 3 * power // 2 if power >= 2 and 3 * power // 2 <= ideal else power


def _proxy_targets(targets: Targets, factor: int, proxy_shape: tuple[int, int]) -> Targets:
    """Targets at the proxy's resolution: the mask read at the centre of each
    proxy pixel (nearest, so it keeps its label values), points divided."""
    mask = targets.mask
    if mask is not None and factor > 1:
        ph, pw = proxy_shape
        rows = np.minimum(np.arange(ph) * factor + factor // 2, mask.shape[0] - 1)
        cols = np.minimum(np.arange(pw) * factor + factor // 2, mask.shape[1] - 1)
        mask = mask[rows[:, None], cols[None, :]]
    scale = 1.0 / factor
    boxes = targets.boxes * scale if targets.boxes is not None else None
    keypoints = targets.keypoints * scale if targets.keypoints is not None else None
    return Targets(mask, boxes, keypoints)


def _display_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3]


def _tint(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Labels above 0 tinted in their colour over the image (a colour mask
    in its own colours)."""
    if mask.ndim == 3:
        colour = mask[..., :3].astype(np.float32)
        top = float(np.iinfo(mask.dtype).max) if mask.dtype.kind in "ui" else max(1.0, float(colour.max()))
        colour /= top
        where = colour.max(axis=2) > 0
        out = np.array(rgb, np.float32, copy=True)
        out[where] = out[where] * (1 - MASK_OPACITY) + colour[where] * MASK_OPACITY
        return out
    labels = mask.astype(np.int64, copy=False)
    where = labels > 0
    if not where.any():
        return rgb
    out = np.array(rgb, np.float32, copy=True)
    colours = MASK_COLOURS[(labels[where] - 1) % len(MASK_COLOURS)]
    out[where] = out[where] * (1 - MASK_OPACITY) + colours * MASK_OPACITY
    return out


def describe_check(check) -> list[str]:
    """What the check line says about one variant (nothing when all is well)."""
    return [] if check.ok else [check.summary()]


def make_grid(base: np.ndarray, shape: tuple[int, int], pipeline: list[dict], seed: int, count: int,
              targets: Targets, factor: int, cancel=None) -> tuple[np.ndarray, list[VariantView]]:
    """The mosaic of ``count`` variants of ``base`` (the current image reduced
    by ``factor``, its full size ``shape``) and what each cell holds.

    Variant ``i`` is drawn with the seed ``(seed, 0, i)``: the grid shows the
    variants a dataset export with this seed makes of its first input.
    """
    proxied = _proxy_targets(targets, factor, base.shape[:2])
    results = []
    for index in range(count):
        if cancel is not None and cancel():
            raise RenderCancelled("grid superseded")
        drawn = aug.sample(pipeline, aug.variant_seed(seed, 0, index), shape)
        out = aug.apply(base, drawn, masks=() if proxied.mask is None else (proxied.mask,),
                              boxes=proxied.boxes, keypoints=proxied.keypoints)
        results.append((drawn, out))
    cell_h = max(out.image.shape[0] for _, out in results)
    cell_w = max(out.image.shape[1] for _, out in results)
    columns = max(1, min(count, math.ceil(math.sqrt(count))))
    rows = math.ceil(count / columns)
    mosaic = np.zeros((rows * cell_h, columns * cell_w, 3), np.float32)
    views = []
    for index, (drawn, out) in enumerate(results):
        rgb = _display_rgb(out.image)
        if out.masks:
            rgb = _tint(rgb, out.masks[0])
        h, w = rgb.shape[:2]
        row, column = divmod(index, columns)
        y, x = row * cell_h, column * cell_w
        mosaic[y : y + h, x : x + w] = rgb
        clipped = set(out.check.boxes_clipped)
        boxes = [(*map(float, box), int(i) in clipped) for box, i in zip(out.boxes, out.box_indices)]
        keypoints = [(float(kx), float(ky), bool(inside)) for (kx, ky), inside in zip(out.keypoints, out.keypoints_inside)]
        views.append(VariantView(index, (x, y, w, h), drawn, boxes, keypoints, describe_check(out.check), out.check))
    return mosaic, views


def check_line(views: list[VariantView], targets: Targets) -> str:
    """The line under the grid: what went wrong in the shown variants, in
    total, and which variants (each one's own report is with its parameters)."""
    if targets.empty:
        return "No mask, boxes or keypoints loaded: nothing to check."
    line = aug.Check.combined([v.check for v in views])
    which = [str(v.index + 1) for v in views if v.problems]
    if which:
        line += f" (variant{'s' * (len(which) != 1)} {', '.join(which)})"
    return line[:1].upper() + line[1:]
