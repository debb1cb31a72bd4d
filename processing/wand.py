"""The magic wand as a level map: for every pixel, the tolerance at which it joins.

A wand click floods from a seed over pixels whose colour is within a tolerance
of the seed's. Rather than flooding again for every tolerance, the flood is
done once, for all tolerances: each pixel gets the smallest tolerance level at
which it is selected. A tolerance change is then one comparison,
``levels <= k``, over the image.

For the contiguous wand that level is a minimax path value: the smallest,
over all paths of neighbouring pixels from the seed to the pixel, of the
largest colour distance on the path. A priority flood (a bucket queue over
the quantised levels, Meyer's flooding) computes it exactly, growing the
region level by level, in vectorised breadth-first steps over the whole
frontier at once. For the global wand (select by colour) it is the pixel's
own quantised distance.
"""
from __future__ import annotations

import numpy as np

from ._image import as_image, check_int
from ._progress import Progress, report

__all__ = ["color_distance", "quantize_distance", "wand_levels", "wand_mask", "sample_color", "refine_mask"]

# A distance this far below a level still counts as that level: colours read
# from 8-bit files are multiples of 1/255, whose float32 differences times 255
# land a hair above the integer.
_LEVEL_SLACK = 1e-3


def _check_seed(shape: tuple[int, ...], seed) -> tuple[int, int]:
    try:
        x, y = (int(v) for v in seed)
    except (TypeError, ValueError):
        raise ValueError(f"seed must be a pair of pixel coordinates (x, y), got {seed!r}") from None
    h, w = shape[:2]
    if not (0 <= x < w and 0 <= y < h):
        raise ValueError(f"seed ({x}, {y}) must lie inside the {w}x{h} image")
    return x, y


def sample_color(image: np.ndarray, seed, radius: int = 0) -> np.ndarray:
    """The colour at ``seed`` (x, y), or the mean over a square of half-size
    ``radius`` around it (clipped to the image).

    Examples
    --------
    >>> img = np.arange(9, dtype=np.float32).reshape(3, 3) / 8
    >>> float(sample_color(img, (1, 1))), float(sample_color(img, (1, 1), radius=1))
    (0.5, 0.5)
    """
    image = as_image(image)
    x, y = _check_seed(image.shape, seed)
    radius = check_int("radius", radius, 0)
    h, w = image.shape[:2]
    patch = image[max(0, y - radius): min(h, y + radius + 1), max(0, x - radius): min(w, x + radius + 1)]
    channels = patch.reshape(-1, *image.shape[2:])
    return channels.mean(axis=0, dtype=np.float64).astype(np.float32)


def color_distance(image: np.ndarray, color) -> np.ndarray:
    """Largest per-channel difference from ``color``, float32 ``(H, W)`` in [0, 1].

    The largest difference, not the Euclidean one: a tolerance then means
    "no channel differs by more than this", the rule GIMP's wand uses.
    Alpha, when present, counts as a channel.

    Examples
    --------
    >>> img = np.array([[[0.2, 0.5, 0.5], [0.5, 0.5, 0.9]]], np.float32)
    >>> [round(float(v), 3) for v in color_distance(img, [0.5, 0.5, 0.5])[0]]
    [0.3, 0.4]
    """
    image = as_image(image)
    color = np.asarray(color, dtype=np.float32).reshape(-1)
    channels = 1 if image.ndim == 2 else image.shape[2]
    if color.size != channels:
        raise ValueError(f"color must have {channels} value(s) for this image, got {color.size}")
    if image.ndim == 2:
        return np.abs(image - color[0])
    distance = np.abs(image[..., 0] - color[0])
    for c in range(1, channels):
        np.maximum(distance, np.abs(image[..., c] - color[c]), out=distance)
    return distance


def quantize_distance(distance: np.ndarray, levels: int = 256) -> np.ndarray:
    """The level ``k`` (0 to ``levels - 1``) of each distance: the smallest
    ``k`` with ``distance <= k / (levels - 1)`` (to within 1/1000 of a level).

    Returns uint8 for up to 256 levels, else uint16.

    Examples
    --------
    >>> quantize_distance(np.array([0.0, 1 / 255, 0.5, 1.0], np.float32)).tolist()
    [0, 1, 128, 255]
    """
    levels = check_int("levels", levels, 2, 65536)
    scaled = np.asarray(distance, dtype=np.float32) * np.float32(levels - 1) - np.float32(_LEVEL_SLACK)
    q = np.ceil(scaled, out=scaled)
    np.clip(q, 0, levels - 1, out=q)
    return q.astype(np.uint8 if levels <= 256 else np.uint16)


def _offsets(width: int, connectivity: int) -> np.ndarray:
    four = [-1, 1, -width, width]
    if connectivity == 4:
        return np.array(four, dtype=np.int64)
    return np.array(four + [-width - 1, -width + 1, width - 1, width + 1], dtype=np.int64)


def _flood(q: np.ndarray, seed: tuple[int, int], levels: int, connectivity: int, max_level: int,
           progress: Progress | None) -> np.ndarray:
    """Minimax path levels from ``seed`` over the quantised distances ``q``,
    up to ``max_level``; pixels that join later get ``max_level + 1``."""
    h, w = q.shape
    wp = w + 2
    big = levels  # above every level: the padding border is never entered
    padded = np.full((h + 2, wp), big, dtype=np.int32)
    padded[1:-1, 1:-1] = q
    qflat = padded.ravel()
    out = np.full(qflat.size, big, dtype=np.int32)
    seen = qflat == big  # the border counts as seen: no bounds checks below
    stamp = np.empty(qflat.size, dtype=np.int64)  # deduplicates neighbours shared by frontier pixels
    counting = np.arange(4096, dtype=np.int64)  # sliced; doubled when a frontier outgrows it
    offsets = _offsets(wp, connectivity)
    start = (seed[1] + 1) * wp + seed[0] + 1
    seen[start] = True
    out[start] = qflat[start]
    # Pixels found at a higher level than the one being flooded wait, with
    # their level in ``out``, until the flood reaches it: the bucket queue.
    waiting = [np.array([start], dtype=np.int64)]
    lows = [int(qflat[start])]  # the lowest level in each waiting chunk
    while waiting:
        k = min(lows)
        if k > max_level:
            break  # the rest joins above the levels asked for
        due = [i for i, low in enumerate(lows) if low == k]
        pool = np.concatenate([waiting[i] for i in due]) if len(due) > 1 else waiting[due[0]]
        waiting = [chunk for i, chunk in enumerate(waiting) if lows[i] != k]
        lows = [low for low in lows if low != k]
        level_of = out[pool]
        frontier = pool[level_of == k]
        rest = pool[level_of != k]
        if rest.size:
            waiting.append(rest)
            lows.append(int(level_of[level_of != k].min()))
        while frontier.size:
            near = (frontier[:, None] + offsets).ravel()
            near = near[~seen[near]]
            if near.size == 0:
                break
            if near.size > counting.size:
                counting = np.arange(2 * near.size, dtype=np.int64)
            count = counting[: near.size]
            stamp[near] = count
            near = near[stamp[near] == count]
            seen[near] = True
            found = np.maximum(qflat[near], k)
            out[near] = found
            here = found == k
            frontier = near[here]
            if not here.all():
                waiting.append(near[~here])
                lows.append(int(found[~here].min()))
        if progress is not None:
            report(progress, k / levels)
    result = out.reshape(h + 2, wp)[1:-1, 1:-1]
    return np.minimum(result, max_level + 1) if max_level < levels - 1 else result


def wand_levels(image: np.ndarray, seed, *, contiguous: bool = True, connectivity: int = 8,
                sample_radius: int = 0, levels: int = 256, max_level: int | None = None,
                progress: Progress | None = None) -> np.ndarray:
    """For every pixel, the smallest tolerance level at which the wand selects it.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    seed : (int, int)
        The clicked pixel, (x, y).
    contiguous : bool
        True: only pixels connected to the seed through selected pixels (the
        magic wand). False: every pixel close enough in colour (select by colour).
    connectivity : {4, 8}
        Neighbours of a pixel: the 4 sharing an edge, or also the 4 diagonal ones.
    sample_radius : int
        0 compares with the seed pixel; r > 0 with the mean of the
        (2r+1) x (2r+1) square around it.
    levels : int
        Number of tolerance levels, 2 to 65536; level ``k`` is the tolerance
        ``k / (levels - 1)`` of colour distance.
    max_level : int, optional
        Flood only up to this level (the work grows with the area reached):
        the map is exact for every tolerance up to ``max_level``, and pixels
        that would join later get ``max_level + 1``. Default: all levels.
    progress : callable, optional
        Called with the fraction of levels flooded; it may raise to stop.

    Returns
    -------
    ndarray
        uint8 (up to 256 levels) or uint16 ``(H, W)``: ``levels <= k`` is the
        selection at tolerance level ``k``.

    Notes
    -----
    The colour distance ``d`` is the largest per-channel difference from the
    sample (:func:`color_distance`), quantised to ``q = ceil(d (levels - 1))``.
    Contiguous: ``L(p) = min over paths s -> p of max q along the path``,
    computed by a priority flood from the seed: level by level, the region
    grows breadth-first into every neighbour whose ``q`` is at most the
    level; a neighbour with a higher ``q`` waits in that level's bucket with
    ``L = q``. Each pixel is visited once; the work is vectorised over the
    frontier of each breadth-first step.

    Examples
    --------
    >>> img = np.array([[0.0, 0.5, 0.1, 0.1]], np.float32)
    >>> wand_levels(img, (0, 0), levels=11).tolist()
    [[0, 5, 5, 5]]
    >>> wand_levels(img, (0, 0), levels=11, contiguous=False).tolist()
    [[0, 5, 1, 1]]
    >>> wand_levels(img, (0, 0), levels=11, max_level=2).tolist()
    [[0, 3, 3, 3]]
    """
    image = as_image(image)
    seed = _check_seed(image.shape, seed)
    if connectivity not in (4, 8):
        raise ValueError(f"connectivity must be 4 or 8, got {connectivity!r}")
    levels = check_int("levels", levels, 2, 65536)
    max_level = levels - 1 if max_level is None else check_int("max_level", max_level, 0, levels - 1)
    q = quantize_distance(color_distance(image, sample_color(image, seed, sample_radius)), levels)
    if not contiguous:
        report(progress, 1.0)
        return q
    result = _flood(q, seed, levels, connectivity, max_level, progress)
    report(progress, 1.0)
    return result.astype(q.dtype)


def wand_mask(level_map: np.ndarray, tolerance: float, levels: int = 256) -> np.ndarray:
    """The wand's selection at ``tolerance`` (0 to 1) from a level map.

    Examples
    --------
    >>> wand_mask(np.array([[0, 5, 9]], np.uint8), 0.5, levels=11).tolist()
    [[True, True, False]]
    """
    if not 0.0 <= tolerance <= 1.0:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance}")
    k = int(np.floor(tolerance * (levels - 1) + _LEVEL_SLACK))
    return np.asarray(level_map) <= k


def _blocks(small: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """Each pixel of ``small`` as a ``factor`` square, cut or edge-padded to ``shape``."""
    big = np.repeat(np.repeat(small, factor, axis=0), factor, axis=1)
    h, w = shape
    if h > big.shape[0] or w > big.shape[1]:
        big = np.pad(big, ((0, max(0, h - big.shape[0])), (0, max(0, w - big.shape[1]))), mode="edge")
    return big[:h, :w]


def _near_a_change(small: np.ndarray) -> np.ndarray:
    """Pixels of ``small`` with a 3 x 3 neighbour of the other value."""
    padded = np.pad(small, 1, mode="edge")
    h, w = small.shape
    some = np.zeros((h, w), bool)
    every = np.ones((h, w), bool)
    for dy in range(3):
        for dx in range(3):
            window = padded[dy : dy + h, dx : dx + w]
            some |= window
            every &= window
    return some & ~every


def refine_mask(image: np.ndarray, small: np.ndarray, factor: int, color, tolerance: float, *,
                levels: int = 256) -> np.ndarray:
    """A wand selection made on a copy reduced by ``factor``, at the full
    resolution of ``image``, with edges exact to the pixel.

    The wand floods a reduced copy of a large photo so that a click answers
    at once; upsampled, its selection would have edges in blocks of
    ``factor`` pixels. Blocks well inside or well outside the selection
    (their 3 x 3 reduced neighbourhood all one way) are kept as they are;
    in the blocks along its edge each full-resolution pixel is selected
    when its own colour is within ``tolerance`` of ``color``, the wand's
    rule. Only the edge's pixels are read.

    Parameters
    ----------
    image : ndarray
        The full-resolution float32 image the reduced copy was made from.
    small : ndarray of bool
        The selection on the reduced copy.
    factor : int
        The reduction (1 returns ``small``).
    color : array_like
        The sampled colour the wand compared with.
    tolerance : float
        0 to 1, as for :func:`wand_mask`.
    levels : int
        The wand's number of tolerance levels.

    Returns
    -------
    ndarray of bool
        ``image``'s height and width.

    Examples
    --------
    >>> img = np.zeros((2, 6), np.float32); img[:, 3:] = 1.0   # an edge in mid-block
    >>> small = np.array([[True, True, False]])                 # found on a 1:2 copy
    >>> refine_mask(img, small, 2, [0.0], 0.1)[0].astype(int).tolist()
    [1, 1, 1, 0, 0, 0]
    """
    image = as_image(image)
    small = np.asarray(small, dtype=bool)
    factor = check_int("factor", factor, 1)
    if factor == 1:
        if small.shape != image.shape[:2]:
            raise ValueError(f"the mask is {small.shape}, the image {image.shape[:2]}")
        return small
    h, w = image.shape[:2]
    if small.shape != (h // factor, w // factor) and small.shape != (-(-h // factor), -(-w // factor)):
        raise ValueError(f"a mask of {small.shape} is not a 1:{factor} copy of an image of {(h, w)}")
    if not 0.0 <= tolerance <= 1.0:
        raise ValueError(f"tolerance must be between 0 and 1, got {tolerance}")
    mask = _blocks(small, factor, (h, w))
    edge = _blocks(_near_a_change(small), factor, (h, w))
    rows, cols = np.nonzero(edge)
    if rows.size:
        pixels = image[rows, cols]
        distance = color_distance(pixels[None], color)[0]
        k = int(np.floor(tolerance * (levels - 1) + _LEVEL_SLACK))
        mask[rows, cols] = quantize_distance(distance, levels) <= k
    return mask
