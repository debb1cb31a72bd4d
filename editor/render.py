"""Rendering: fold a document's steps over its source, reusing cached results."""
from __future__ import annotations

import hashlib
import time
from typing import Callable, Sequence

import numpy as np

from processing._progress import Progress
from processing.pyramid import reduce

from .catalog import Catalog
from .errors import RenderCancelled
from .render_cache import RenderCache
from .steps import Step

__all__ = ["proxy_factor", "render_steps", "render_region", "apply_step", "step_callbacks"]


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


def apply_step(image: np.ndarray, step: Step, catalog: Catalog, *, scale: float = 1.0,
               progress: Progress | None = None) -> np.ndarray:
    """Apply one step (with its mask, if any) to ``image`` at proxy ``scale``.

    ``progress`` reaches the operation's function when it accepts one. An
    operation that takes the mask itself (``Operation.mask_argument``) gets
    it reduced to the proxy; any other's result is blended through it.
    """
    op = catalog.get(step.op_id)
    mask = None
    if step.mask is not None:
        mask = step.mask
        factor = int(round(1 / scale))
        if factor > 1:
            # Averaged weights: the proxy's edge pixels blend as much as the
            # full-resolution pixels they stand for.
            mask = reduce(mask.astype(np.float32), factor)
            if np.all((mask == 0) | (mask == 1)):
                mask = mask == 1
        if mask.shape != image.shape[:2]:
            raise ValueError(f"the mask of {op.title} is {mask.shape}, the image {image.shape[:2]}")
    if op.mask_argument is not None:
        return op.apply(image, step.params, scale=scale, progress=progress, mask=mask)
    result = op.apply(image, step.params, scale=scale, progress=progress)
    if mask is None:
        return result
    if result.shape[:2] != image.shape[:2]:  # a new channel layout (colour to gray) blends; a new size cannot
        raise ValueError(f"{op.title} changes the image size, so it cannot be limited to a selection")
    return blend_masked(image, result, mask)


def blend_masked(image: np.ndarray, result: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``result`` where ``mask`` is set, ``image`` elsewhere; with float
    weights ``w``, ``image (1 - w) + result w`` (exactly ``image`` where
    ``w`` is 0 and ``result`` where it is 1).

    When the operation changed the channel layout (a gray image painted with
    a colour overlay), the input is brought to the result's layout first.

    Examples
    --------
    >>> gray = np.zeros((1, 2), np.float32); rgb = np.ones((1, 2, 3), np.float32)
    >>> blend_masked(gray, rgb, np.array([[True, False]]))[0].tolist()
    [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    >>> blend_masked(gray, gray + 1, np.array([[0.25, 0.0]], np.float32)).tolist()
    [[0.25, 0.0]]
    """
    if image.shape != result.shape:
        channels = result.shape[2] if result.ndim == 3 else 1
        base = image if image.ndim == 3 else image[..., None]
        if channels == 1:
            base = base[..., :3].mean(axis=2)
        elif base.shape[2] == 1:
            base = np.repeat(base, 3, axis=2)
            if channels == 4:
                base = np.concatenate([base, np.ones(base.shape[:2] + (1,), np.float32)], axis=2)
        elif base.shape[2] == 4 and channels == 3:
            base = base[..., :3]
        elif base.shape[2] == 3 and channels == 4:
            base = np.concatenate([base, np.ones(base.shape[:2] + (1,), np.float32)], axis=2)
        image = base
    where = mask[..., None] if result.ndim == 3 else mask
    if mask.dtype == bool:
        return np.where(where, result, image).astype(np.float32, copy=False)
    weight = where.astype(np.float32, copy=False)
    out = image * (np.float32(1.0) - weight)
    out += result * weight
    return out.astype(np.float32, copy=False)


def step_callbacks(
    count: int,
    cancel: Callable[[], bool] | None,
    progress: Progress | None,
) -> list[Progress | None]:
    """One callback per step still to compute, for the step's function.

    Each first polls ``cancel`` and raises :class:`RenderCancelled` when it
    returns True, so a long operation stops between its tiles, not only
    between steps; then it tells ``progress`` the overall fraction: the steps
    share the range equally, step ``i`` covering ``i / count`` to
    ``(i + 1) / count``. None for every step when there is nothing to poll
    or tell.

    Examples
    --------
    >>> seen = []
    >>> first, second = step_callbacks(2, None, seen.append)
    >>> first(0.5); second(0.5); seen
    [0.25, 0.75]
    >>> step_callbacks(2, None, None)
    [None, None]
    """
    if cancel is None and progress is None:
        return [None] * count

    def make(index: int) -> Progress:
        def callback(fraction: float) -> None:
            if cancel is not None and cancel():
                raise RenderCancelled("render cancelled")
            if progress is not None:
                progress(min(1.0, (index + min(1.0, max(0.0, fraction))) / count))

        return callback

    return [make(i) for i in range(count)]


def _cached_prefix(source_key: str, steps: Sequence[Step], cache: RenderCache, factor: int):
    """(index, image, keys): the longest prefix of ``steps`` whose result is
    cached at ``factor`` (image None if not even the source is)."""
    keys = [f"{source_key}@{factor}"]
    for step in steps:
        keys.append(keys[-1] if not step.enabled else _chain(keys[-1], step))
    start = len(steps)
    image = cache.get(keys[start])
    while image is None and start > 0:
        start -= 1
        image = cache.get(keys[start])
    return start, image, keys


def _reduced_source(source: np.ndarray, source_key: str, cache: RenderCache, factor: int) -> np.ndarray:
    """The source reduced by ``factor``, from the finest cached proxy whose
    factor divides it when there is one (a 24 MP source costs ~0.3 s to
    reduce; its 1:4 proxy ~1/16 of that).

    Averages of averages over equal blocks are the average over the union, so
    this is exact wherever the image's size divides by the factor; in the
    last partial row or column of blocks, the partial blocks are weighted
    like full ones."""
    for finer in range(factor // 2, 1, -1):
        if factor % finer == 0:
            cached = cache.get(f"{source_key}@{finer}")
            if cached is not None:
                return reduce(cached, factor // finer)
    return reduce(source, factor)


def render_steps(
    source: np.ndarray,
    source_key: str,
    steps: Sequence[Step],
    catalog: Catalog,
    cache: RenderCache,
    *,
    factor: int = 1,
    cancel: Callable[[], bool] | None = None,
    progress: Progress | None = None,
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
        Polled between steps and, inside operations that report progress,
        between their tiles, rows or iterations; when it returns True,
        RenderCancelled is raised and nothing half-made is cached.
    progress : callable, optional
        Called with the fraction (0 to 1) of the steps still to compute that
        is done, each step an equal share; ends with 1.0.

    Returns
    -------
    ndarray
        Read-only float32 image.
    """
    scale = 1.0 / factor
    start, image, keys = _cached_prefix(source_key, steps, cache, factor)
    if image is None:
        if factor == 1:
            image = source
        else:
            t0 = time.perf_counter()
            image = _reduced_source(source, source_key, cache, factor)
            cache.put(keys[0], image, time.perf_counter() - t0)
    todo = [index for index in range(start, len(steps)) if steps[index].enabled]
    for index, callback in zip(todo, step_callbacks(len(todo), cancel, progress)):
        if cancel is not None and cancel():
            raise RenderCancelled("render cancelled")
        t0 = time.perf_counter()
        image = apply_step(image, steps[index], catalog, scale=scale, progress=callback)
        # Only a finished step's result is cached: a cancelled one raised above.
        cache.put(keys[index + 1], image, time.perf_counter() - t0)
    if progress is not None:
        progress(1.0)
    if image is source:
        return source
    if image.flags.writeable:
        image.flags.writeable = False
    return image


def render_region(
    source: np.ndarray,
    source_key: str,
    steps: Sequence[Step],
    catalog: Catalog,
    cache: RenderCache,
    rect: tuple[int, int, int, int],
    *,
    cancel: Callable[[], bool] | None = None,
    progress: Progress | None = None,
) -> np.ndarray | None:
    """Full-resolution pixels of ``rect`` after ``steps``, computed on that
    region only, plus the margin the remaining steps need.

    Starts from the longest full-resolution prefix in ``cache`` (the source
    if none). Exact: each step's output is exact farther than its margin
    from the crop's edge, and the crop's edges that meet the image's edges
    are the image's own borders.

    Parameters
    ----------
    rect : (x, y, width, height)
        The region, in full-resolution pixels of the input (it is clipped to
        the image).
    cancel, progress : callable, optional
        As for :func:`render_steps`.

    Returns
    -------
    ndarray or None
        The region's pixels, or None when a remaining step needs the whole
        image (see ``Operation.margin``) or the rectangle is empty.
    """
    start, image, _ = _cached_prefix(source_key, steps, cache, 1)
    if image is None:
        image = source
    remaining = [s for s in steps[start:] if s.enabled]
    margins = [catalog.get(s.op_id).margin_for(s.params) for s in remaining]
    if any(m is None for m in margins):
        return None
    h, w = image.shape[:2]
    x, y, rw, rh = (int(v) for v in rect)
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + rw), min(h, y + rh)
    if x1 <= x0 or y1 <= y0:
        return None
    total = sum(margins)
    cx0, cy0, cx1, cy1 = max(0, x0 - total), max(0, y0 - total), min(w, x1 + total), min(h, y1 + total)
    region = image[cy0:cy1, cx0:cx1]
    for step, callback in zip(remaining, step_callbacks(len(remaining), cancel, progress)):
        if cancel is not None and cancel():
            raise RenderCancelled("render cancelled")
        op = catalog.get(step.op_id)
        mask = None if step.mask is None else step.mask[cy0:cy1, cx0:cx1]
        if op.mask_argument is not None:
            result = op.apply(region, step.params, progress=callback, mask=mask)
        else:
            result = op.apply(region, step.params, progress=callback)
            if mask is not None:
                result = blend_masked(region, result, mask)
        region = result
    out = region[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
    out = np.ascontiguousarray(out)
    out.flags.writeable = False
    if progress is not None:
        progress(1.0)
    return out


def region_renderable(source_key: str, steps: Sequence[Step], catalog: Catalog, cache: RenderCache) -> bool:
    """Whether :func:`render_region` can serve ``steps`` now: every step after
    the longest cached full-resolution prefix has a margin."""
    start, _, _ = _cached_prefix(source_key, steps, cache, 1)
    return all(catalog.get(s.op_id).margin_for(s.params) is not None for s in steps[start:] if s.enabled)
