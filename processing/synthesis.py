"""Texture synthesis: a larger texture grown from a small sample.

Image quilting (Efros and Freeman 2001) lays square patches of the sample
on a grid with overlapping edges, in raster order. Each new patch is one
whose overlap with what is already placed differs least (within a
tolerance, picked at random among those close to the best), and it is
joined along the path of least difference through the overlap, so the seam
follows the texture instead of a straight line. Every output pixel is a
copy of a sample pixel; nothing is blended.

The overlap error of every candidate position comes from one FFT
correlation and three box sums (see :class:`processing._quilting.OverlapErrors`),
never a loop over positions; the cut is dynamic programming along the
overlap, a loop over its rows vectorised across its width.
"""
from __future__ import annotations

import math

import numpy as np

from ._image import as_image, check_int, check_range
from ._progress import Progress, report
from ._quilting import OverlapErrors, minimum_cut

__all__ = ["MAX_OUTPUT_PIXELS", "MAX_PATCHES", "MAX_SAMPLE_PIXELS", "synthesize_texture", "largest_rectangle"]

# Largest texture made, in pixels: beyond this a typo in a size would
# exhaust memory instead of failing with a message (as geometry's limit).
MAX_OUTPUT_PIXELS = 1 << 29
# Most patches in one texture: each is a step of Python, so tiny patches on
# a huge texture would run for hours (16384 x 16384 in patches of 32 is 0.47 M).
MAX_PATCHES = 1 << 20
# Largest sample: every patch is compared with all of it (an FFT of its
# size), so the time grows with its area; a texture sample rarely needs more.
MAX_SAMPLE_PIXELS = 1 << 20


def synthesize_texture(
    image: np.ndarray,
    width: int = 512,
    height: int = 512,
    patch_size: int = 32,
    overlap: int = 8,
    seed: int = 0,
    *,
    tolerance: float = 0.1,
    progress: Progress | None = None,
) -> np.ndarray:
    """A ``width x height`` texture quilted from patches of ``image``.

    Parameters
    ----------
    image : ndarray
        The sample: float32 gray ``(h, w)``, RGB or RGBA ``(h, w, C)`` in
        [0, 1]. All of it is the sample; crop it first to use a part (see
        :func:`largest_rectangle` for a selection).
    width, height : int
        Size of the result in pixels, >= 1.
    patch_size : int
        Side of the square patches in pixels, from 1 to the sample's smaller
        side. About the size of the texture's largest repeating element
        works best: smaller loses the structure, larger repeats the sample.
    overlap : int
        Width in pixels of the band where neighbouring patches overlap,
        ``0 <= overlap < patch_size``. Efros and Freeman use a sixth of the
        patch; a quarter hides seams better in irregular textures. 0 tiles
        random patches side by side.
    seed : int
        Seed of the random choices (>= 0): the same seed gives the same
        texture, byte for byte.
    tolerance : float
        A patch is picked at random among those whose overlap error is at
        most ``best + tolerance * (median - best)``, the best and median
        errors over all candidates (the median of an evenly spaced thousand
        when there are more than 2047): 0 takes only the best fit (the
        sample tends to be copied in large pieces), 1 any better than about
        half of all candidates; larger values give more variety and more
        visible seams.
    progress : callable, optional
        Called with the fraction done after each patch; it may raise to
        cancel.

    Returns
    -------
    ndarray
        float32 ``(height, width)`` or ``(height, width, C)``, the layout of
        ``image``; every pixel is a copy of one of its pixels (alpha too:
        RGBA patches are matched and copied with their transparency).

    Raises
    ------
    ValueError
        For a size below 1, a result above :data:`MAX_OUTPUT_PIXELS` or
        :data:`MAX_PATCHES` patches, a sample above
        :data:`MAX_SAMPLE_PIXELS`, a patch larger than the sample, an
        overlap outside ``0..patch_size - 1``, a negative seed or tolerance.

    Notes
    -----
    Patches of side ``B`` overlap by ``O`` and start every ``B - O``
    pixels. For each, the error of the candidate at ``(y, x)`` of the
    sample ``s`` against the placed pixels ``t`` under the overlap mask
    ``m`` is ``sum m s^2 - 2 (s * m t) + sum m t^2``, with ``*`` the
    cross-correlation (FFT) and the first sum read from an integral image.
    The new patch replaces the old pixels on its side of the minimum-error
    boundary cut through the overlap (dynamic programming); where it
    overlaps on two sides, on its side of both cuts.

    The paper picks among candidates within ``(1 + e)`` times the best
    error. That bound shrinks with the best error: where a candidate fits
    almost exactly (the continuation of the patch to the left, in the first
    row; smooth or dark parts of a sample), nearly nothing else is admitted
    and the synthesis copies the sample in long runs or repeats one patch.
    Measuring the tolerance from the best towards the median error keeps
    the same meaning at every level of error. On a 128 x 128 sample of fur
    (patch 32, overlap 8, tolerance 0.1) the paper's bound left a median of
    5 candidates per patch (1 for a third of them), this one 73; the fur and
    star-field textures repeated less, and plain wood looked the same.

    A. A. Efros and W. T. Freeman, "Image quilting for texture synthesis
    and transfer", SIGGRAPH 2001.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sample = rng.random((24, 24, 3)).astype(np.float32)
    >>> texture = synthesize_texture(sample, 60, 40, patch_size=12, overlap=4, seed=7)
    >>> texture.shape, texture.dtype
    ((40, 60, 3), dtype('float32'))
    >>> bool(np.isin(texture, sample).all())  # only the sample's own pixels
    True
    >>> np.array_equal(texture, synthesize_texture(sample, 60, 40, 12, 4, seed=7))
    True
    """
    sample = as_image(image)
    width = check_int("width", width, 1)
    height = check_int("height", height, 1)
    if width * height > MAX_OUTPUT_PIXELS:
        raise ValueError(
            f"the texture would be {width} x {height} pixels, more than the limit of "
            f"{MAX_OUTPUT_PIXELS // 1_000_000} megapixels"
        )
    patch = check_int("patch_size", patch_size, 1)
    h, w = sample.shape[:2]
    if h * w > MAX_SAMPLE_PIXELS:
        raise ValueError(
            f"the sample is {w} x {h} pixels, more than the limit of {MAX_SAMPLE_PIXELS / 1e6:.2f} megapixels; "
            "every patch is compared with the whole sample, so take a smaller region of the texture"
        )
    if patch > min(h, w):
        raise ValueError(
            f"patch_size must be at most the sample's smaller side ({min(h, w)} pixels; the sample is "
            f"{w} x {h}), got {patch}"
        )
    overlap = check_int("overlap", overlap, 0)
    if overlap >= patch:
        raise ValueError(f"overlap must be less than patch_size ({patch}), got {overlap}")
    seed = check_int("seed", seed, 0)
    tolerance = check_range("tolerance", tolerance, 0)
    step = patch - overlap
    patches = _count(width, step, overlap) * _count(height, step, overlap)
    if patches > MAX_PATCHES:
        raise ValueError(
            f"the texture would take {patches} patches of {patch} pixels, more than the limit of {MAX_PATCHES}; "
            "use larger patches or a smaller texture"
        )

    planes = sample if sample.ndim == 3 else sample[..., None]
    out = _quilt(planes, height, width, patch, overlap, np.random.default_rng(seed), tolerance, progress)
    return out if sample.ndim == 3 else out[..., 0]


def _count(length: int, step: int, overlap: int) -> int:
    """Patches along a side of ``length`` pixels: they start every ``step``
    pixels and the last reaches the end."""
    return max(1, math.ceil((length - overlap) / step))


def _quilt(sample, height, width, patch, overlap, rng, tolerance, progress):
    """The quilting loop on a channels-last sample; see :func:`synthesize_texture`."""
    step = patch - overlap
    across, down = _count(width, step, overlap), _count(height, step, overlap)
    # Drawn at once, one per patch: the choices depend on the seed only.
    draws = rng.random(down * across)
    if overlap == 0:
        return _tile(sample, height, width, patch, draws.reshape(down, across), progress)
    canvas = np.zeros((down * step + overlap, across * step + overlap, sample.shape[2]), np.float32)
    errors = OverlapErrors(sample, patch, overlap)
    inside = np.arange(overlap)
    for i in range(down):
        for j in range(across):
            y, x = i * step, j * step
            area = canvas[y:y + patch, x:x + patch]
            left, top = j > 0 and overlap > 0, i > 0 and overlap > 0
            if left or top:
                error = errors(area, left=left, top=top).ravel()
                best = error.min()
                # The median of a regular subsample of about a thousand candidates: as good
                # an estimate for the bound, at a tenth of the cost of the exact one.
                typical = float(np.median(error[::max(1, error.size // 1024)]))
                bound = best + tolerance * (typical - best)
                # The small slack keeps exact ties (and FFT rounding) among the candidates.
                candidates = np.flatnonzero(error <= bound + 1e-9 * (1.0 + best))
            else:
                candidates = np.arange(errors.rows * errors.cols)
            pick = candidates[min(int(draws[i * across + j] * candidates.size), candidates.size - 1)]
            py, px = divmod(int(pick), errors.cols)
            new = sample[py:py + patch, px:px + patch]
            keep_new = np.ones((patch, patch), bool)
            # Both cuts run down the length of their strip: the top strip is cut transposed.
            costs = []
            if left:
                costs.append(((new[:, :overlap] - area[:, :overlap]) ** 2).sum(axis=2))
            if top:
                costs.append(((new[:overlap] - area[:overlap]) ** 2).sum(axis=2).T)
            if costs:
                cuts = minimum_cut(np.stack(costs))
                if left:
                    keep_new[:, :overlap] &= inside[None, :] >= cuts[0][:, None]
                if top:
                    keep_new[:overlap] &= inside[:, None] >= cuts[-1][None, :]
            np.copyto(area, new, where=keep_new[..., None])
            report(progress, (i * across + j + 1) / (down * across))
    return canvas[:height, :width].copy()


def _tile(sample, height, width, patch, draws, progress):
    """Patches side by side with no overlap: nothing to match, so every
    patch is a free random pick and all are placed at once. Picks as the
    loop of :func:`_quilt` would (the same draw picks the same candidate)."""
    cols = sample.shape[1] - patch + 1
    picks = np.minimum((draws * ((sample.shape[0] - patch + 1) * cols)).astype(np.int64),
                       (sample.shape[0] - patch + 1) * cols - 1)
    top, left = np.divmod(picks, cols)
    within_y, within_x = np.arange(height) % patch, np.arange(width) % patch
    rows = top[np.arange(height) // patch][:, np.arange(width) // patch] + within_y[:, None]
    columns = left[np.arange(height) // patch][:, np.arange(width) // patch] + within_x[None, :]
    out = sample[rows, columns]
    report(progress, 1.0)
    return out


def largest_rectangle(mask: np.ndarray) -> tuple[int, int, int, int]:
    """The largest axis-aligned rectangle lying wholly inside ``mask``.

    Used to take a texture sample from a selection of any shape: every
    pixel of the rectangle is selected.

    Parameters
    ----------
    mask : ndarray
        bool ``(H, W)``, or float ``(H, W)`` weights in [0, 1] (a feathered
        selection), where pixels at 0.5 or more count as inside.

    Returns
    -------
    tuple of int
        ``(top, left, height, width)`` of the rectangle of largest area;
        among equals, the one whose bottom row comes first, then the
        leftmost. ``(0, 0, 0, 0)`` for an empty mask.

    Raises
    ------
    ValueError
        If ``mask`` is not two-dimensional.

    Notes
    -----
    The classic row-by-row dynamic programme: for each column, the height
    of the run of selected pixels ending in the current row, and how far
    left and right a rectangle of that height can reach; both reaches are
    running maxima and minima along the row, so each row is a few
    vectorised passes. The work is confined to the mask's bounding box.

    Examples
    --------
    >>> mask = np.zeros((5, 6), bool)
    >>> mask[1:4, 1:5] = True
    >>> mask[1, 1] = False  # a notch: the 3 x 3 block below and right of it remains
    >>> largest_rectangle(mask)
    (1, 2, 3, 3)
    """
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {mask.shape}")
    inside = mask if mask.dtype == bool else mask >= 0.5
    rows = np.flatnonzero(inside.any(axis=1))
    if rows.size == 0:
        return (0, 0, 0, 0)
    cols = np.flatnonzero(inside.any(axis=0))
    top0, left0 = int(rows[0]), int(cols[0])
    inside = inside[top0:rows[-1] + 1, left0:cols[-1] + 1]
    if inside.all():  # a rectangular selection, the usual case: its bounding box
        return (top0, left0, inside.shape[0], inside.shape[1])
    n = inside.shape[1]
    index = np.arange(n)
    run = np.zeros(n, np.int64)  # selected pixels straight up from this row
    reach_left = np.zeros(n, np.int64)  # first column of the widest rectangle of that height
    reach_right = np.full(n, n, np.int64)  # one past its last column
    best = (0, 0, 0, 0, 0)  # area, top, left, height, width
    for r, row in enumerate(inside):
        run = np.where(row, run + 1, 0)
        # Just past the last unselected pixel at or before each column, and the first one at or after it.
        wall_left = np.maximum.accumulate(np.where(row, 0, index + 1))
        wall_right = np.minimum.accumulate(np.where(row, n, index)[::-1])[::-1]
        reach_left = np.where(row, np.maximum(reach_left, wall_left), 0)
        reach_right = np.where(row, np.minimum(reach_right, wall_right), n)
        area = run * (reach_right - reach_left)
        j = int(area.argmax())
        if area[j] > best[0]:
            best = (int(area[j]), r - int(run[j]) + 1, int(reach_left[j]), int(run[j]),
                    int(reach_right[j] - reach_left[j]))
    _, top, left, tall, wide = best
    return (top0 + top, left0 + left, tall, wide)
