"""Rendering: fold a document's steps over its source, reusing cached results."""
from __future__ import annotations

import hashlib
import math
import time
from typing import Callable, Sequence

import numpy as np

from processing.pyramid import reduce

from .catalog import Catalog
from .errors import RenderCancelled
from .render_cache import RenderCache
from .steps import Step

__all__ = ["proxy_factor", "render_steps", "apply_step"]


def proxy_factor(image_shape: tuple[int, ...], view_width: int, view_height: int) -> int:
    """Largest integer reduction that keeps the image at least as big as the view.

    Examples
    --------
    >>> proxy_factor((4000, 6000, 3), 1500, 1000)
    4
    >>> proxy_factor((400, 600), 1500, 1000)
    1
    """
    h, w = image_shape[:2]
    if view_width <= 0 or view_height <= 0:
        return 1
    return max(1, min(w // max(1, view_width), h // max(1, view_height)))


def _chain(previous: str, step: Step) -> str:
    return hashlib.blake2b((previous + repr(step.key)).encode(), digest_size=16).hexdigest()


def apply_step(image: np.ndarray, step: Step, catalog: Catalog, *, scale: float = 1.0) -> np.ndarray:
    """Apply one step (with its mask, if any) to ``image`` at proxy ``scale``."""
    op = catalog.get(step.op_id)
    result = op.apply(image, step.params, scale=scale)
    if step.mask is None:
        return result
    if result.shape != image.shape:
        raise ValueError(f"{op.title} changes the image size, so it cannot be limited to a selection")
    mask = step.mask
    factor = int(round(1 / scale))
    if factor > 1:
        mask = reduce(mask, factor) >= 0.5
    if mask.shape != image.shape[:2]:
        raise ValueError(f"the mask of {op.title} is {mask.shape}, the image {image.shape[:2]}")
    where = mask[..., None] if image.ndim == 3 else mask
    return np.where(where, result, image).astype(np.float32, copy=False)


def render_steps(
    source: np.ndarray,
    source_key: str,
    steps: Sequence[Step],
    catalog: Catalog,
    cache: RenderCache,
    *,
    factor: int = 1,
    cancel: Callable[[], bool] | None = None,
) -> np.ndarray:
    """The image after ``steps``, computed from the longest cached prefix.

    Parameters
    ----------
    source : ndarray
        The full-size source image.
    source_key : str
        Identifies ``source`` in ``cache``.
    steps : sequence of Step
        Steps to apply in order; disabled steps pass their input through.
    catalog : Catalog
        Where the steps' operations are looked up.
    cache : RenderCache
        Intermediate results, keyed by the chain of steps that made them.
    factor : int
        Proxy reduction: 1 renders at full size, 4 at a quarter of the width
        and height, with length parameters scaled to match.
    cancel : callable, optional
        Polled between steps; when it returns True, RenderCancelled is raised
        and nothing half-made is cached.

    Returns
    -------
    ndarray
        Read-only float32 image.
    """
    scale = 1.0 / factor
    keys = [f"{source_key}@{factor}"]
    for step in steps:
        keys.append(keys[-1] if not step.enabled else _chain(keys[-1], step))

    start = len(steps)
    image = cache.get(keys[start])
    while image is None and start > 0:
        start -= 1
        image = cache.get(keys[start])
    if image is None:
        if factor == 1:
            image = source
        else:
            t0 = time.perf_counter()
            image = reduce(source, factor)
            cache.put(keys[0], image, time.perf_counter() - t0)
    for index in range(start, len(steps)):
        step = steps[index]
        if not step.enabled:
            continue
        if cancel is not None and cancel():
            raise RenderCancelled("render cancelled")
        t0 = time.perf_counter()
        image = apply_step(image, step, catalog, scale=scale)
        cache.put(keys[index + 1], image, time.perf_counter() - t0)
    if image is source:
        return source
    if image.flags.writeable:
        image.flags.writeable = False
    return image


def scaled_size(shape: tuple[int, ...], factor: int) -> tuple[int, int]:
    """(height, width) of a proxy reduced by ``factor``."""
    return math.ceil(shape[0] / factor), math.ceil(shape[1] / factor)
