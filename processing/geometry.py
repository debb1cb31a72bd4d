"""Geometric transforms: flips, rotations, resizing, translation, crop, affine
and perspective warps.

Coordinates
-----------
Positions are in pixels measured from the top-left *corner* of the image, x to
the right and y down: the pixel in row ``i`` and column ``j`` covers the square
``[j, j + 1) x [i, i + 1)`` and its centre is at ``(j + 0.5, i + 0.5)``. With
this convention a position on a proxy reduced ``f`` times is exactly the
full-size position divided by ``f``, which is how the editor scales points,
quads and matrix translations for previews. Angles are in degrees,
counter-clockwise as seen on screen (like ``numpy.rot90``).

Sampling
--------
Warps (:func:`rotate`, :func:`translate`, :func:`affine`, :func:`perspective`)
map every output pixel centre back into the input (an inverse map) and
interpolate there: ``nearest``, ``bilinear`` (2 x 2 taps) or ``bicubic``
(Keys' cubic convolution with ``a = -0.5``, 4 x 4 taps). Places that fall
outside the input are new area: transparent (alpha 0) for RGBA images,
otherwise the ``fill`` colour (a gray level, or an RGB triple that gray images
see as its Rec. 709 luma). The work is done in square tiles of the output
on the package's thread pool: a tile's footprint in the input stays compact at
any angle, so the gathers hit the cache. Bilinear and bicubic warps copy each
tile's footprint (with the outside colour where it leaves the input) into
per-thread scratch and gather all taps of a pixel with one index
(``processing._warp``); nearest neighbour gathers from one padded, planar copy
of the input. Fractional :func:`translate` uses the same kernels with weights
that are constant over the image, as shifted slices, in tiles of a few rows.

:func:`resize` is separable: one 1-D resampling pass per axis with weights
precomputed for each output row and column, applied as small banded matrix
products: small enough that BLAS computes each on the calling thread, spread
over the package's own thread pool (OpenBLAS's own thread pool spins, and slows
down many times over when other work shares the cores). When shrinking, the kernel is widened by the reduction factor
(as Pillow does, and OpenCV's ``INTER_AREA``), so it low-passes before it
decimates and does not alias. Its borders reflect (edge pixel repeated).

RGBA images are interpolated with premultiplied alpha, so that transparent
pixels do not bleed their (invisible) colour into the edges of what is kept;
``nearest`` copies pixels as they are.
"""
from __future__ import annotations

import math

import numpy as np

from ._image import as_image, check_int, check_range, split_alpha
from ._parallel import parallel_map, split
from ._progress import Progress, phase
from ._scratch import scratch
from ._warp import cubic_weights as _cubic_weights, lean_warp

__all__ = [
    "WARP_INTERPOLATIONS",
    "RESIZE_INTERPOLATIONS",
    "flip",
    "rotate90",
    "rotate",
    "ROTATE_CROPS",
    "rotated_crop_rect",
    "resize",
    "translate",
    "crop",
    "affine",
    "perspective",
    "homography",
]

WARP_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
ROTATE_CROPS = ("none", "largest", "aspect")
# How far inside the input an output pixel's centre must map for none of its
# interpolation taps to read outside (so no fill colour blends into it).
_TAP_MARGIN = {"nearest": 0.0, "bilinear": 0.5, "bicubic": 1.5}
RESIZE_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos", "area")

# Largest output a transform may produce, in pixels: beyond this a typo in a
# size or scale would exhaust memory instead of failing with a message.
MAX_OUTPUT_PIXELS = 1 << 29

_TILE = 128  # side of a warp tile in output pixels: temporaries stay in cache
_BAND = 8  # output rows (columns) per banded matrix: more would multiply zeros
# OpenBLAS runs a matrix product of m * n * k <= 4 * 65536 on the calling
# thread; larger ones go to its own thread pool, which spins and collapses
# when the cores are shared. Resize keeps its products below the limit and
# spreads them over the package's pool instead.
_SERIAL_PRODUCT = 1 << 18
_SHIFT_TILE_VALUES = 1 << 17  # floats per tile of a fractional translate (512 kB)
_SHIFT_ROWS = 32  # rows per tile of a fractional translate
_PAD = 4  # border of fill around the input for warps (bicubic reaches 2 beyond)
_LUMA = (0.2126, 0.7152, 0.0722)  # Rec. 709, for an RGB fill on a gray image
_WHOLE_IMAGE = ((0.0, 0.0), (0.0, 0.0), (0.0, 0.0), (0.0, 0.0))


# -- validation helpers ---------------------------------------------------------
def _check_choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _fill_planes(fill, channels: int) -> tuple[float, ...]:
    """The fill colour as one value per colour plane of the image."""
    if isinstance(fill, (int, float, np.floating, np.integer)) and not isinstance(fill, bool):
        level = check_range("fill", fill, 0, 1)
        return (level,) * channels
    try:
        values = tuple(check_range("fill", v, 0, 1) for v in fill)
    except TypeError:
        raise ValueError(f"fill must be a gray level or an (r, g, b) triple in [0, 1], got {fill!r}") from None
    if len(values) != 3:
        raise ValueError(f"fill must be a gray level or an (r, g, b) triple in [0, 1], got {fill!r}")
    if channels == 1:
        return (float(sum(w * v for w, v in zip(_LUMA, values))),)
    return values


def _check_output_size(height: int, width: int) -> None:
    if height * width > MAX_OUTPUT_PIXELS:
        raise ValueError(
            f"the result would be {width} x {height} pixels, more than the limit of "
            f"{MAX_OUTPUT_PIXELS // 1_000_000} megapixels"
        )


def _run_tiles(height: int, width: int, tile_h: int, tile_w: int, work,
               progress: Progress | None = None) -> None:
    """Call ``work(i0, i1, j0, j1)`` over a ``height x width`` grid in tiles on the thread pool.

    Runs of consecutive tiles go to the pool together (a fixed number of
    runs, several per thread), so handing over costs little however small
    the tiles, and ``progress`` hears after each run.
    """
    tiles = [
        (i, min(i + tile_h, height), j, min(j + tile_w, width))
        for i in range(0, height, tile_h)
        for j in range(0, width, tile_w)
    ]

    def run(span):
        for t in tiles[span[0] : span[1]]:
            work(*t)

    parallel_map(run, split(len(tiles)), progress=progress)


# -- exact rearrangements -----------------------------------------------------
def _moved(image: np.ndarray, rearrange) -> np.ndarray:
    """``rearrange(image).copy()`` moving whole pixels: a colour image is viewed
    as one opaque item per pixel, so NumPy copies 12 or 16 bytes at a time
    instead of running an inner loop of 3 or 4 floats (about twice as fast)."""
    if image.ndim == 3:
        channels = image.shape[2]
        try:
            pixels = image.view(np.dtype((np.void, image.itemsize * channels)))[..., 0]
        except ValueError:  # channels not contiguous: move them the slow way
            return np.array(rearrange(image), order="C")
        moved = np.array(rearrange(pixels), order="C")
        return moved.view(np.float32).reshape(moved.shape + (channels,))
    return np.array(rearrange(image), order="C")


def flip(image: np.ndarray, direction: str = "horizontal") -> np.ndarray:
    """Mirror the image left-right or top-bottom.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    direction : {"horizontal", "vertical"}
        ``"horizontal"`` swaps left and right (a mirror image); ``"vertical"``
        swaps top and bottom.

    Returns
    -------
    ndarray
        A new float32 image of the same shape; pixels are moved, not changed.

    Notes
    -----
    ``out[i, j] = image[i, W - 1 - j]`` (horizontal) or
    ``out[i, j] = image[H - 1 - i, j]`` (vertical).

    Examples
    --------
    >>> img = np.array([[0.0, 0.5, 1.0]], np.float32)
    >>> flip(img).tolist()
    [[1.0, 0.5, 0.0]]
    >>> flip(img, "vertical").tolist()
    [[0.0, 0.5, 1.0]]
    """
    image = as_image(image)
    _check_choice("direction", direction, ("horizontal", "vertical"))
    if direction == "horizontal":
        return _moved(image, lambda a: a[:, ::-1])
    return image[::-1].copy()


def rotate90(image: np.ndarray, k: int = 1) -> np.ndarray:
    """Rotate by ``k`` quarter turns counter-clockwise (negative: clockwise).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    k : int
        Number of 90 degree turns; any integer, taken modulo 4.

    Returns
    -------
    ndarray
        A new float32 image; width and height are swapped for odd ``k``.

    Notes
    -----
    Lossless: pixels are moved, not interpolated (``numpy.rot90`` on the first
    two axes). ``rotate90(image, k)`` equals ``rotate(image, 90 * k, expand=True)``.

    Examples
    --------
    >>> img = np.array([[0.0, 0.5], [0.25, 1.0]], np.float32)
    >>> rotate90(img).tolist()
    [[0.5, 1.0], [0.0, 0.25]]
    >>> rotate90(img, -1).tolist()
    [[0.25, 0.0], [1.0, 0.5]]
    """
    image = as_image(image)
    k = check_int("k", k) % 4
    return _moved(image, lambda a: np.rot90(a, k))


def crop(image: np.ndarray, x: int, y: int, width: int, height: int) -> np.ndarray:
    """Keep the rectangle of ``width x height`` pixels whose top-left pixel is ``(x, y)``.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    x, y : int
        Column and row of the rectangle's top-left pixel. May be negative or
        beyond the image: the rectangle is clamped to the image.
    width, height : int
        Size of the rectangle in pixels, >= 1; clamped to the image, so a
        huge value means "up to the right (bottom) edge".

    Returns
    -------
    ndarray
        A new float32 image of the part of the rectangle inside the image.

    Raises
    ------
    ValueError
        If the size is < 1 or the rectangle does not overlap the image.

    Examples
    --------
    >>> img = np.arange(12, dtype=np.float32).reshape(3, 4) / 12
    >>> (crop(img, 1, 1, 2, 5) * 12).tolist()
    [[5.0, 6.0], [9.0, 10.0]]
    >>> crop(img, 5, 0, 2, 2)
    Traceback (most recent call last):
    ...
    ValueError: the crop rectangle x=5, y=0, 2 x 2 lies outside the 4 x 3 image
    """
    image = as_image(image)
    x = check_int("x", x)
    y = check_int("y", y)
    width = check_int("width", width, 1)
    height = check_int("height", height, 1)
    h, w = image.shape[:2]
    x0, x1 = max(x, 0), min(x + width, w)
    y0, y1 = max(y, 0), min(y + height, h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"the crop rectangle x={x}, y={y}, {width} x {height} lies outside the {w} x {h} image")
    return image[y0:y1, x0:x1].copy()


# -- resampling kernels -----------------------------------------------------
def _triangle(x: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x: np.ndarray, a: float = -0.5) -> np.ndarray:
    """Keys (1981) cubic convolution kernel, support 2."""
    x = np.abs(x)
    x2, x3 = x * x, x * x * x
    near = (a + 2) * x3 - (a + 3) * x2 + 1
    far = a * x3 - 5 * a * x2 + 8 * a * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _lanczos3(x: np.ndarray) -> np.ndarray:
    return np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)


_KERNELS = {"bilinear": (_triangle, 1.0), "bicubic": (_keys_cubic, 2.0), "lanczos": (_lanczos3, 3.0)}


def _mirror(index: np.ndarray, n: int) -> np.ndarray:
    """Reflect indices into ``[0, n)`` with the edge pixel repeated (d c b a | a b c d)."""
    period = index % (2 * n)
    return np.where(period < n, period, 2 * n - 1 - period)


def _resize_weights(n_in: int, n_out: int, interpolation: str) -> tuple[np.ndarray, np.ndarray]:
    """Input indices and weights, each ``(n_out, taps)``, of a 1-D resampling.

    Output pixel ``i`` has its centre at ``c = (i + 0.5) * n_in / n_out`` in
    input coordinates; input pixel ``j`` has its centre at ``j + 0.5``.
    """
    ratio = n_in / n_out  # > 1 when shrinking
    centre = (np.arange(n_out) + 0.5) * ratio
    if interpolation == "nearest":
        index = np.minimum(np.floor(centre).astype(np.intp), n_in - 1)[:, None]
        return index, np.ones(index.shape)
    if interpolation == "area":
        # Exact overlap of the output pixel's footprint [i, i + 1) * ratio with
        # each input pixel [j, j + 1): a box filter as wide as the output pixel.
        low, high = centre - 0.5 * ratio, centre + 0.5 * ratio
        first = np.floor(low).astype(np.intp)
        taps = int(math.ceil(ratio)) + 1
        j = first[:, None] + np.arange(taps)
        weights = np.clip(np.minimum(j + 1, high[:, None]) - np.maximum(j, low[:, None]), 0.0, None)
    else:
        kernel, support = _KERNELS[interpolation]
        stretch = max(ratio, 1.0)  # widen the kernel by the reduction factor
        radius = support * stretch
        first = np.floor(centre - radius - 0.5).astype(np.intp) + 1
        taps = int(math.ceil(2 * radius)) + 1
        j = first[:, None] + np.arange(taps)
        weights = kernel((j + 0.5 - centre[:, None]) / stretch)
    weights /= weights.sum(axis=1, keepdims=True)
    return _mirror(j, n_in), weights


def _band_matrix(index: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Dense weights of some output pixels over the span of inputs they read."""
    j0, j1 = int(index.min()), int(index.max()) + 1
    matrix = np.zeros((index.shape[0], j1 - j0), np.float64)
    rows = np.broadcast_to(np.arange(index.shape[0])[:, None], index.shape)
    np.add.at(matrix, (rows, index - j0), weights)  # mirrored taps may repeat
    return matrix.astype(np.float32), j0, j1


def _in_bands(n_out: int, work, progress: Progress | None = None) -> None:
    """Call ``work(start, stop)`` for bands of ``_BAND`` outputs on the thread pool."""
    _run_tiles(n_out, 1, _BAND, 1, lambda s, e, _j0, _j1: work(s, e), progress)


def _resample_rows(data: np.ndarray, index: np.ndarray, weights: np.ndarray,
                   progress: Progress | None = None) -> np.ndarray:
    """Resample axis 0 of ``data`` (n_in, M) to (n_out, M): banded matrix products."""
    n_out, size = index.shape[0], data.shape[1]
    out = np.empty((n_out, size), np.float32)

    def work(s, e):
        matrix, j0, j1 = _band_matrix(index[s:e], weights[s:e])
        step = max(32, _SERIAL_PRODUCT // matrix.size)
        for c in range(0, size, step):
            np.matmul(matrix, data[j0:j1, c : c + step], out=out[s:e, c : c + step])

    _in_bands(n_out, work, progress)
    return out


def _resample_columns(data: np.ndarray, index: np.ndarray, weights: np.ndarray, channels: int,
                      progress: Progress | None = None) -> np.ndarray:
    """Resample axis 1 of ``data`` (H, W * C), channels interleaved, to (H, n_out * C)."""
    n_out, n_rows = index.shape[0], data.shape[0]
    out = np.empty((n_rows, n_out * channels), np.float32)
    eye = np.eye(channels, dtype=np.float32)

    def work(s, e):
        matrix, j0, j1 = _band_matrix(index[s:e], weights[s:e])
        # (rows, span*C) @ (span*C, n*C): the Kronecker product keeps channels apart.
        kron = np.kron(matrix.T, eye)
        src, dst = data[:, j0 * channels : j1 * channels], out[:, s * channels : e * channels]
        step = max(8, _SERIAL_PRODUCT // kron.size)
        for r in range(0, n_rows, step):
            np.matmul(src[r : r + step], kron, out=dst[r : r + step])

    _in_bands(n_out, work, progress)
    return out


def _premultiply(image: np.ndarray) -> np.ndarray:
    out = image.copy()
    out[..., :3] *= image[..., 3:4]
    return out


def _unpremultiply(work: np.ndarray, fill: tuple[float, ...]) -> np.ndarray:
    """Straight RGBA from premultiplied, in place; fully transparent pixels get ``fill``."""
    alpha = work[..., 3]
    np.clip(alpha, 0.0, 1.0, out=alpha)
    color = work[..., :3]
    visible = alpha > 1e-6
    np.divide(color, alpha[..., None], out=color, where=visible[..., None])
    color[~visible] = np.asarray(fill, np.float32)
    np.clip(color, 0.0, 1.0, out=color)
    return work


def resize(
    image: np.ndarray,
    scale: float = 1.0,
    width: int = 0,
    height: int = 0,
    *,
    mode: str = "scale",
    interpolation: str = "bicubic",
    progress: Progress | None = None,
) -> np.ndarray:
    """Resize by a factor or to a size, antialiased when shrinking.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    scale : float
        Factor applied to both sides when ``mode="scale"`` (0.5 halves them).
    width, height : int
        Output size in pixels when ``mode="size"``. A zero side follows the
        other one, keeping the aspect ratio; both zero keep the input size.
    mode : {"scale", "size"}
        Which of ``scale`` or ``width``/``height`` sets the output size.
    interpolation : {"nearest", "bilinear", "bicubic", "lanczos", "area"}
        The resampling kernel: nearest neighbour (no filtering), triangle,
        Keys cubic (``a = -0.5``), Lanczos-3, or area averaging (the exact
        overlap of each output pixel's footprint with the input pixels).
    progress : callable, optional
        Called with the fraction done (0 to 1) between tiles of the output; it
        may raise to stop the work.

    Returns
    -------
    ndarray
        float32 image of the new size with the same channels, in [0, 1].

    Notes
    -----
    Separable: rows, then columns (or the other way, whichever shrinks first).
    Output pixel ``i`` is centred at ``c = (i + 0.5) * n_in / n_out`` in the
    input and is ``sum_j k((j + 0.5 - c) / s) x_j / sum_j k(...)`` with
    ``s = max(n_in / n_out, 1)``: when shrinking, the kernel is stretched by the
    reduction factor so it removes frequencies the smaller image cannot hold
    (Pillow's resampling; OpenCV's ``INTER_AREA`` for ``area``). Nearest
    neighbour takes input pixel ``floor(c)`` and is not antialiased. Borders
    reflect. RGBA is resampled with premultiplied alpha. Kernels with negative
    lobes (bicubic, lanczos) can overshoot; results are clipped to [0, 1].

    Examples
    --------
    >>> img = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
    >>> resize(img, 2, interpolation="nearest").tolist()[0]
    [0.0, 0.0, 1.0, 1.0]
    >>> resize(img, 0.5, interpolation="area").tolist()
    [[0.5]]
    >>> resize(np.zeros((30, 40), np.float32), width=20, mode="size").shape
    (15, 20)
    """
    image = as_image(image)
    _check_choice("mode", mode, ("scale", "size"))
    _check_choice("interpolation", interpolation, RESIZE_INTERPOLATIONS)
    h, w = image.shape[:2]
    if mode == "scale":
        scale = check_range("scale", scale, 0)
        if scale == 0:
            raise ValueError("scale must be > 0, got 0")
        out_w, out_h = max(1, round(w * scale)), max(1, round(h * scale))
    else:
        width = check_int("width", width, 0)
        height = check_int("height", height, 0)
        if width and height:
            out_w, out_h = width, height
        elif width:
            out_w, out_h = width, max(1, round(h * width / w))
        elif height:
            out_w, out_h = max(1, round(w * height / h)), height
        else:
            out_w, out_h = w, h
    _check_output_size(out_h, out_w)
    if (out_h, out_w) == (h, w):
        return image.copy()

    if interpolation == "nearest":  # a pure gather: pixels are copied, not mixed
        rows = _resize_weights(h, out_h, "nearest")[0][:, 0]
        cols = _resize_weights(w, out_w, "nearest")[0][:, 0]
        return image.take(rows, axis=0).take(cols, axis=1)

    alpha = split_alpha(image)[1]
    premultiplied = alpha is not None
    work = _premultiply(image) if premultiplied else image
    channels = 1 if work.ndim == 2 else work.shape[2]
    rows = _resize_weights(h, out_h, interpolation) if out_h != h else None
    cols = _resize_weights(w, out_w, interpolation) if out_w != w else None

    def along_rows(data, n_cols, progress):
        if rows is None:
            return data
        flat = data.reshape(data.shape[0], -1)
        return _resample_rows(flat, *rows, progress).reshape((out_h, n_cols) + work.shape[2:])

    def along_columns(data, progress):
        if cols is None:
            return data
        n_rows = data.shape[0]
        flat = np.ascontiguousarray(data).reshape(n_rows, -1)
        return _resample_columns(flat, *cols, channels, progress).reshape((n_rows, out_w) + work.shape[2:])

    first, second = phase(progress, 0.0, 0.5), phase(progress, 0.5, 1.0)
    if out_h / h <= out_w / w:  # shrink (or grow least) first: less work in the second pass
        out = along_columns(along_rows(work, w, first), second)
    else:
        out = along_rows(along_columns(work, first), out_w, second)
    out = np.ascontiguousarray(out, dtype=np.float32)
    if premultiplied:
        return _unpremultiply(out, (0.0, 0.0, 0.0))
    np.clip(out, 0.0, 1.0, out=out)  # overshoot of bicubic and lanczos, rounding of the others
    return out


# -- warps: inverse mapping with interpolation ------------------------------------------
def _warp(
    image: np.ndarray,
    inverse: np.ndarray,
    out_h: int,
    out_w: int,
    interpolation: str,
    fill,
    progress: Progress | None = None,
) -> np.ndarray:
    """Resample ``image`` on an ``out_h x out_w`` grid through a 3x3 inverse map.

    ``inverse`` maps output positions ``(u, v, 1)`` to homogeneous input
    positions (corner convention, see the module docstring). Samples outside
    the input see a border of fill colour (alpha 0 for RGBA).
    """
    _check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)
    _check_output_size(out_h, out_w)
    h, w = image.shape[:2]
    color, alpha = split_alpha(image)
    channels = 1 if color.ndim == 2 else 3
    fill_color = _fill_planes(fill, channels)
    premultiplied = alpha is not None and interpolation != "nearest"

    # Planar, padded copy of the input whose border holds what is outside.
    # Planes keep the per-pixel arithmetic on long contiguous runs (measured
    # faster than gathering interleaved RGBA pixels, whose inner loop is 4 long).
    lanes = 1 if image.ndim == 2 else image.shape[2]
    hp, wp = h + 2 * _PAD, w + 2 * _PAD
    padded = np.empty((lanes, hp, wp), np.float32)
    outside = fill_color + (0.0,) * (lanes - channels)
    if premultiplied:
        outside = (0.0,) * lanes
    for c in range(lanes):
        padded[c] = outside[c]
    inner = padded[:, _PAD : _PAD + h, _PAD : _PAD + w]
    inner[...] = np.moveaxis(image, -1, 0) if image.ndim == 3 else image
    if premultiplied:
        inner[:3] *= inner[3]
    flat = padded.reshape(-1) if lanes == 1 else padded.reshape(lanes, -1)
    fill_pixel = np.asarray(fill_color, np.float32)

    out = np.empty((out_h, out_w) + image.shape[2:], np.float32)
    m = np.asarray(inverse, np.float64)
    projective = not (m[2, 0] == 0 and m[2, 1] == 0 and m[2, 2] == 1)
    u = np.arange(out_w, dtype=np.float64) + 0.5
    # Input position minus 0.5: pixel-index coordinates, centres at integers.
    row_x, row_y = m[0, 0] * u + m[0, 2] - 0.5 * (not projective), m[1, 0] * u + m[1, 2] - 0.5 * (not projective)
    row_d = m[2, 0] * u + m[2, 2]

    ax = 0 if lanes == 1 else 1  # the axis of pixels in ``flat``

    def work(i0, i1, j0, j1):
        v = (np.arange(i0, i1, dtype=np.float64) + 0.5)[:, None]
        fx = (row_x[j0:j1] + m[0, 1] * v).ravel()
        fy = (row_y[j0:j1] + m[1, 1] * v).ravel()
        if projective:
            d = (row_d[j0:j1] + m[2, 1] * v).ravel()
            behind = d <= 1e-12  # beyond the horizon: nothing of the input
            if behind.any():
                d[behind] = 1.0
                fx[behind] = fy[behind] = -np.inf
            fx /= d
            fy /= d
            fx -= 0.5
            fy -= 0.5
        # Clamp where every tap already lies in the fill border, so that the
        # indices stay inside the padded array.
        np.clip(fx, -2.0, w + 1.0, out=fx)
        np.clip(fy, -2.0, h + 1.0, out=fy)
        if interpolation == "nearest":
            fx += 0.5 + _PAD
            fy += 0.5 + _PAD
            index = np.floor(fy).astype(np.intp)
            index *= wp
            index += np.floor(fx).astype(np.intp)
            vals = flat.take(index, axis=ax)
        else:
            x0, y0 = np.floor(fx), np.floor(fy)
            tx = (fx - x0).astype(np.float32)
            ty = (fy - y0).astype(np.float32)
            base = y0.astype(np.intp)
            base += _PAD
            base *= wp
            base += x0.astype(np.intp)
            base += _PAD
            if interpolation == "bilinear":
                top = flat.take(base, axis=ax)
                top += tx * (flat.take(base + 1, axis=ax) - top)
                base += wp
                bottom = flat.take(base, axis=ax)
                bottom += tx * (flat.take(base + 1, axis=ax) - bottom)
                bottom -= top
                bottom *= ty
                vals = top
                vals += bottom
            else:
                wx, wy = _cubic_weights(tx), _cubic_weights(ty)
                vals = None
                base -= wp + 1
                for ky in range(4):
                    row = wx[0] * flat.take(base, axis=ax)
                    for kx in range(1, 4):
                        row += wx[kx] * flat.take(base + kx, axis=ax)
                    row *= wy[ky]
                    if vals is None:
                        vals = row
                    else:
                        vals += row
                    base += wp
        if premultiplied:
            a = vals[3]
            np.clip(a, 0.0, 1.0, out=a)
            visible = a > 1e-6
            np.divide(vals[:3], a, out=vals[:3], where=visible)
            vals[:3, ~visible] = fill_pixel[:, None]
        np.clip(vals, 0.0, 1.0, out=vals)
        if lanes == 1:
            out[i0:i1, j0:j1] = vals.reshape(i1 - i0, j1 - j0)
        else:
            out[i0:i1, j0:j1] = vals.T.reshape(i1 - i0, j1 - j0, lanes)

    # Square-ish tiles: their footprint in the input stays compact whatever
    # the angle, so the gathers hit the cache.
    _run_tiles(out_h, out_w, _TILE, _TILE, work, progress)
    return out


def _transform_matrix(a, b, c, d, e, f) -> np.ndarray:
    return np.array([[a, b, c], [d, e, f], [0.0, 0.0, 1.0]], np.float64)


def _warp_any(image, inverse, out_h, out_w, interpolation, fill, progress) -> np.ndarray:
    """:func:`_warp`, or for bilinear and bicubic the lean path of
    ``processing._warp`` (same sampling, fill and alpha rules; 3-4x faster)."""
    if interpolation == "nearest":
        return _warp(image, inverse, out_h, out_w, interpolation, fill, progress)
    _check_output_size(out_h, out_w)
    color, alpha = split_alpha(image)
    channels = 1 if color.ndim == 2 else 3
    lanes = 1 if image.ndim == 2 else image.shape[2]
    outside = _fill_planes(fill, channels) + (0.0,) * (lanes - channels)
    return lean_warp(image, inverse, out_h, out_w, outside, interpolation=interpolation,
                     premultiplied=alpha is not None, progress=progress)


def _rotated_frame(w: int, h: int, angle: float, expand: bool) -> tuple[int, int, float, float]:
    """Output width and height of :func:`rotate`, and the cosine and sine
    (exact for multiples of 90 degrees), for an angle in [0, 360)."""
    quarter = angle / 90.0
    if quarter.is_integer():
        cos, sin = ((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0))[int(quarter) % 4]
    else:
        cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    if expand:
        # ceil with a small tolerance so that multiples of 90 degrees are exact.
        out_w = max(1, math.ceil(w * abs(cos) + h * abs(sin) - 1e-6))
        out_h = max(1, math.ceil(w * abs(sin) + h * abs(cos) - 1e-6))
    else:
        out_w, out_h = w, h
    return out_w, out_h, cos, sin


def rotated_crop_rect(shape, angle_deg: float, *, expand: bool = False, interpolation: str = "bilinear",
                      keep_aspect: bool = False) -> tuple[int, int, int, int]:
    """The largest upright rectangle of :func:`rotate`'s output that the
    rotated picture covers entirely (no fill colour in it, nor blended into
    its edge pixels).

    Parameters
    ----------
    shape : tuple
        Shape ``(H, W[, C])`` of the image before rotating.
    angle_deg : float
        The rotation, degrees counter-clockwise.
    expand, interpolation
        As for :func:`rotate`: they set the output frame and how far from
        the input's edge an output pixel must sample to see none of the fill.
    keep_aspect : bool
        The largest rectangle with the input's aspect ratio, rather than the
        largest of any shape.

    Returns
    -------
    (x, y, width, height) : tuple of int
        The rectangle in the output's pixels, for :func:`crop`; at least one
        pixel.

    Notes
    -----
    The pixels whose interpolation taps all fall inside the input have
    centres mapping into the input shrunk by a margin ``m`` on every side
    (0 for nearest and for multiples of 90 degrees, 0.5 for bilinear, 1.5
    for bicubic): a ``W = w - 2m`` by
    ``H = h - 2m`` rectangle, turned by ``t`` about the output's centre. The
    largest upright rectangle in it is centred (the region is convex and
    symmetric about the centre). With ``c = |cos t|``, ``s = |sin t|``, for
    the largest of any shape (Hoff's construction), if the short side ``S``
    is at most ``2 s c L`` (``L`` the long side) the rectangle touches the
    long sides only and is ``S / (2s)`` by ``S / (2c)`` along the long and
    short directions; otherwise it is ``(W c - H s) / (c^2 - s^2)`` by
    ``(H c - W s) / (c^2 - s^2)``. Keeping the aspect ratio, it is ``k w``
    by ``k h`` with ``k = min(W / (w c + h s), H / (w s + h c))``. The
    rectangle is then clipped to the output frame, and the pixels whose
    centres lie in it are kept.

    Examples
    --------
    >>> rotated_crop_rect((400, 600), 0)
    (0, 0, 600, 400)
    >>> rotated_crop_rect((400, 600), 5, keep_aspect=True)
    (34, 23, 532, 354)
    """
    try:
        h, w = int(shape[0]), int(shape[1])
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"shape must be (height, width[, channels]), got {shape!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"shape must be at least 1 x 1, got {h} x {w}")
    angle = check_range("angle_deg", angle_deg) % 360.0
    if not isinstance(expand, (bool, np.bool_)):
        raise ValueError(f"expand must be true or false, got {expand!r}")
    margin = _TAP_MARGIN[_check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)]
    if (angle / 90.0).is_integer():
        margin = 0.0  # every sample lands on a pixel centre: the other taps weigh nothing
    out_w, out_h, cos, sin = _rotated_frame(w, h, angle, expand)
    c, s = abs(cos), abs(sin)
    valid_w, valid_h = max(0.0, w - 2 * margin), max(0.0, h - 2 * margin)
    if keep_aspect:
        k = min(valid_w / (w * c + h * s), valid_h / (w * s + h * c))
        rect_w, rect_h = k * w, k * h
    else:
        long_side, short_side = max(valid_w, valid_h), min(valid_w, valid_h)
        if short_side <= 2.0 * s * c * long_side or abs(s - c) < 1e-12:
            # Touching the long sides only: a square-ish half-diagonal fit.
            along, across = (short_side / (2 * s) if s else math.inf), (short_side / (2 * c) if c else math.inf)
            rect_w, rect_h = (along, across) if valid_w >= valid_h else (across, along)
        else:
            cos2 = c * c - s * s
            rect_w, rect_h = (valid_w * c - valid_h * s) / cos2, (valid_h * c - valid_w * s) / cos2
    rect_w, rect_h = min(rect_w, out_w), min(rect_h, out_h)
    ox, oy = out_w / 2, out_h / 2
    tolerance = 1e-9  # a centre exactly on the edge counts as inside despite rounding
    x0 = math.ceil(ox - rect_w / 2 - 0.5 - tolerance)
    x1 = math.floor(ox + rect_w / 2 - 0.5 + tolerance)
    y0 = math.ceil(oy - rect_h / 2 - 0.5 - tolerance)
    y1 = math.floor(oy + rect_h / 2 - 0.5 + tolerance)
    if x1 < x0:  # too thin for any pixel: the middle one
        x0 = x1 = min(out_w - 1, max(0, math.floor(ox)))
    if y1 < y0:
        y0 = y1 = min(out_h - 1, max(0, math.floor(oy)))
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(out_w - 1, x1), min(out_h - 1, y1)
    return x0, y0, x1 - x0 + 1, y1 - y0 + 1


def rotate(
    image: np.ndarray,
    angle_deg: float = 0.0,
    *,
    expand: bool = False,
    interpolation: str = "bilinear",
    fill=(0.0, 0.0, 0.0),
    crop: str = "none",
    progress: Progress | None = None,
) -> np.ndarray:
    """Rotate counter-clockwise by ``angle_deg`` degrees about the image centre.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    angle_deg : float
        Angle in degrees, counter-clockwise on screen.
    expand : bool
        Grow the output to hold the whole rotated image; otherwise it keeps the
        input size and the corners are cut off.
    interpolation : {"nearest", "bilinear", "bicubic"}
        How pixels between input samples are read.
    fill : float or (r, g, b)
        Colour of the new areas uncovered by the rotation; RGBA images get
        transparent pixels there instead.
    crop : {"none", "largest", "aspect"}
        Keep only a rectangle with no uncovered area in it: ``"largest"``
        the largest one, ``"aspect"`` the largest with the input's aspect
        ratio (see :func:`rotated_crop_rect`); ``"none"`` keeps the frame.
    progress : callable, optional
        Called with the fraction done (0 to 1) between tiles of the
        bilinear path; it may raise to cancel.

    Returns
    -------
    ndarray
        float32 rotated image; same size as the input unless ``expand`` or
        ``crop``.

    Notes
    -----
    With ``(cx, cy)`` and ``(cx', cy')`` the input and output centres, output
    position ``(u, v)`` samples the input at
    ``x = cx + (u - cx') cos t - (v - cy') sin t`` and
    ``y = cy + (u - cx') sin t + (v - cy') cos t`` (y down, t the angle).
    With ``expand`` the output is ``ceil(W |cos t| + H |sin t|)`` by
    ``ceil(W |sin t| + H |cos t|)``. Multiples of 90 degrees are exact:
    sine and cosine are taken as exact integers, and when the whole image fits
    the pixels are moved as by :func:`rotate90`. Shrinking is not prefiltered.

    Examples
    --------
    >>> img = np.array([[0.0, 0.5], [0.25, 1.0]], np.float32)
    >>> bool((rotate(img, 90) == rotate90(img)).all())
    True
    >>> rotate(np.ones((10, 20), np.float32), 30, expand=True).shape
    (19, 23)
    >>> rotate(np.ones((400, 600), np.float32), 5, crop="aspect").shape
    (354, 532)
    """
    image = as_image(image)
    angle = check_range("angle_deg", angle_deg) % 360.0
    if not isinstance(expand, (bool, np.bool_)):
        raise ValueError(f"expand must be true or false, got {expand!r}")
    _check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)
    _check_choice("crop", crop, ROTATE_CROPS)
    _fill_planes(fill, 1)  # validate before any work
    h, w = image.shape[:2]
    frame_w, frame_h, cos, sin = _rotated_frame(w, h, angle, expand)
    x0, y0, out_w, out_h = 0, 0, frame_w, frame_h
    if crop != "none":
        x0, y0, out_w, out_h = rotated_crop_rect(image.shape, angle, expand=expand, interpolation=interpolation,
                                                 keep_aspect=crop == "aspect")
    quarter = angle / 90.0
    if quarter.is_integer():
        k = int(quarter) % 4
        if expand or k % 2 == 0 or h == w:
            turned = rotate90(image, k)
            return turned if crop == "none" else turned[y0:y0 + out_h, x0:x0 + out_w].copy()
    # Only the kept rectangle is computed: the output's centre, seen from its corner.
    cx, cy, ox, oy = w / 2, h / 2, frame_w / 2 - x0, frame_h / 2 - y0
    inverse = _transform_matrix(
        cos, -sin, cx - cos * ox + sin * oy,
        sin, cos, cy - sin * ox - cos * oy,
    )
    return _warp_any(image, inverse, out_h, out_w, interpolation, fill, progress)


def translate(
    image: np.ndarray,
    dx: float = 0.0,
    dy: float = 0.0,
    *,
    interpolation: str = "bilinear",
    fill=(0.0, 0.0, 0.0),
    progress: Progress | None = None,
) -> np.ndarray:
    """Shift the picture by ``(dx, dy)`` pixels inside a frame of the same size.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    dx, dy : float
        Shift in pixels, right and down. Fractions are interpolated.
    interpolation : {"nearest", "bilinear", "bicubic"}
        How fractional shifts are read between pixels.
    fill : float or (r, g, b)
        Colour of the uncovered border; transparent for RGBA images.
    progress : callable, optional
        Called with the fraction done (0 to 1) between tiles of the output; it
        may raise to stop the work.

    Returns
    -------
    ndarray
        float32 image of the same shape: ``out(x, y) = image(x - dx, y - dy)``.

    Notes
    -----
    Whole-pixel shifts (on both axes) copy pixels exactly; ``nearest`` rounds
    the shift to whole pixels. Fractional shifts interpolate exactly as
    :func:`affine` would, but as the weights are the same for every pixel,
    each tap is a shifted slice of the image (separable: rows, then columns).

    Examples
    --------
    >>> img = np.array([[0.25, 0.5, 1.0]], np.float32)
    >>> translate(img, 1).tolist()
    [[0.0, 0.25, 0.5]]
    >>> translate(img, -0.5, fill=1.0).tolist()
    [[0.375, 0.75, 1.0]]
    """
    image = as_image(image)
    dx = check_range("dx", dx)
    dy = check_range("dy", dy)
    _check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)
    h, w = image.shape[:2]
    color, alpha = split_alpha(image)
    fill_color = _fill_planes(fill, 1 if color.ndim == 2 else 3)
    if interpolation == "nearest":  # the pixel whose centre is nearest: a whole-pixel shift
        dx, dy = float(-math.floor(0.5 - dx)), float(-math.floor(0.5 - dy))
    if not (dx.is_integer() and dy.is_integer()):
        return _shift_subpixel(image, dx, dy, interpolation, fill_color, progress)
    out = np.empty(image.shape, np.float32)
    if image.ndim == 2:
        out[...] = fill_color[0]
    else:
        out[..., :3] = fill_color
        if alpha is not None:
            out[..., 3] = 0.0
    dx, dy = int(dx), int(dy)
    if abs(dx) < w and abs(dy) < h:
        out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = image[
            max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
        ]
    return out


def _shift_subpixel(image: np.ndarray, dx: float, dy: float, interpolation: str, fill_color,
                    progress: Progress | None = None) -> np.ndarray:
    """``translate`` by a fraction of a pixel: the same taps and weights as the
    warp, but constant over the image, so each tap is a shifted slice."""
    h, w = image.shape[:2]
    alpha = split_alpha(image)[1]
    offsets = (0, 1) if interpolation == "bilinear" else (-1, 0, 1, 2)

    def taps(shift):
        # Output index j reads input j + k + o with weight w_o(t), -shift = k + t.
        k = math.floor(-shift)
        t = np.float32(-shift - k)
        weights = (1 - t, t) if interpolation == "bilinear" else _cubic_weights(t)
        return k, [(o, np.float32(wt)) for o, wt in zip(offsets, weights) if wt != 0]

    kx, taps_x = taps(dx)
    ky, taps_y = taps(dy)
    lo_x, hi_x = taps_x[0][0], taps_x[-1][0]
    lo_y, hi_y = taps_y[0][0], taps_y[-1][0]
    outside = (0.0,) * 4 if alpha is not None else (fill_color[0] if image.ndim == 2 else fill_color)
    out = np.empty(image.shape, np.float32)
    channels = image.shape[2:]

    lanes = 1 if image.ndim == 2 else image.shape[2]
    border = np.asarray(outside, np.float32)

    def work(i0, i1, j0, j1):
        # Block of input rows i0 + ky + lo_y .. i1 - 1 + ky + hi_y and columns
        # j0 + kx + lo_x .. j1 - 1 + kx + hi_x, with the fill (alpha 0)
        # outside the image; rows of a block are flat (pixels times lanes),
        # so every pass below runs along whole rows. Blocks and sums live in
        # per-thread scratch: fresh arrays of this size cost a page fault
        # per page on every tile.
        th, tw = i1 - i0, j1 - j0
        r0, c0 = i0 + ky + lo_y, j0 + kx + lo_x
        rows, cols = th + hi_y - lo_y, tw + hi_x - lo_x
        block = scratch(("shift", 0), (rows, cols, lanes))
        sr0, sr1 = max(r0, 0), min(r0 + rows, h)
        sc0, sc1 = max(c0, 0), min(c0 + cols, w)
        if sr1 <= sr0 or sc1 <= sc0:
            block[...] = border
        else:
            # Only the parts outside the image get the fill.
            block[: sr0 - r0] = border
            block[sr1 - r0 :] = border
            block[sr0 - r0 : sr1 - r0, : sc0 - c0] = border
            block[sr0 - r0 : sr1 - r0, sc1 - c0 :] = border
            inside = block[sr0 - r0 : sr1 - r0, sc0 - c0 : sc1 - c0]
            inside[...] = image[sr0:sr1, sc0:sc1].reshape(inside.shape)
            if alpha is not None:
                inside[..., :3] *= inside[..., 3:]
        flat = block.reshape(rows, cols * lanes)
        across, part = scratch(("shift", 1), (rows, tw * lanes)), scratch(("shift", 2), (rows, tw * lanes))
        for n, (o, weight) in enumerate(taps_x):
            start = (o - lo_x) * lanes
            np.multiply(flat[:, start : start + tw * lanes], weight, out=across if n == 0 else part)
            if n:
                across += part
        tile, part = scratch(("shift", 3), (th, tw * lanes)), part[:th]
        for n, (o, weight) in enumerate(taps_y):
            np.multiply(across[o - lo_y : o - lo_y + th], weight, out=tile if n == 0 else part)
            if n:
                tile += part
        tile = tile.reshape((th, tw) + channels)
        if alpha is not None:
            a = tile[..., 3]
            np.clip(a, 0.0, 1.0, out=a)
            visible = a > 1e-6
            np.divide(tile[..., :3], a[..., None], out=tile[..., :3], where=visible[..., None])
            tile[~visible, :3] = fill_color
        np.clip(tile, 0.0, 1.0, out=out[i0:i1, j0:j1])

    # Tiles of up to _SHIFT_ROWS rows, as wide as the budget of values allows:
    # the block and the sums stay in the cache, and the taps' extra rows (one
    # or three) are few beside the tile's own.
    tile_w = min(w, max(16, _SHIFT_TILE_VALUES // (_SHIFT_ROWS * lanes)))
    tile_h = max(1, min(_SHIFT_ROWS, _SHIFT_TILE_VALUES // (tile_w * lanes)))
    _run_tiles(h, w, tile_h, tile_w, work, progress)
    return out


def affine(
    image: np.ndarray,
    matrix=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
    *,
    interpolation: str = "bilinear",
    fill=(0.0, 0.0, 0.0),
    progress: Progress | None = None,
) -> np.ndarray:
    """Apply a 2x3 affine transform that maps input positions to output positions.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    matrix : 2x3 nested sequence
        ``((a, b, tx), (c, d, ty))``: the input position ``(x, y)`` moves to
        ``(a x + b y + tx, c x + d y + ty)``, in pixels from the image's
        top-left corner. It must be invertible.
    interpolation : {"nearest", "bilinear", "bicubic"}
        How pixels between input samples are read.
    fill : float or (r, g, b)
        Colour of output places no input maps to; transparent for RGBA images.
    progress : callable, optional
        Called with the fraction done (0 to 1) between tiles of the
        bilinear path; it may raise to cancel.

    Returns
    -------
    ndarray
        float32 image of the same shape as the input.

    Notes
    -----
    Each output pixel centre ``p`` samples the input at ``A^-1 (p - t)``
    (inverse mapping), so every output pixel gets exactly one value. Large
    reductions are not prefiltered; use :func:`resize` for those.

    Examples
    --------
    >>> img = np.array([[0.25, 0.5, 1.0]], np.float32)
    >>> affine(img, ((1, 0, 1), (0, 1, 0))).tolist()
    [[0.0, 0.25, 0.5]]
    >>> affine(img, ((-1, 0, 3), (0, 1, 0))).tolist()  # a mirror about x = 1.5
    [[1.0, 0.5, 0.25]]
    """
    image = as_image(image)
    try:
        forward = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"matrix must be 2 rows of 3 numbers, got {matrix!r}") from None
    if forward.shape != (2, 3):
        raise ValueError(f"matrix must be 2 rows of 3 numbers, got shape {forward.shape}")
    if not np.isfinite(forward).all():
        raise ValueError("matrix must contain finite numbers")
    _check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)
    linear = forward[:, :2]
    det = float(np.linalg.det(linear))
    if abs(det) < 1e-9:
        raise ValueError(f"matrix is not invertible (determinant {det:g})")
    full = np.vstack([forward, [0.0, 0.0, 1.0]])
    h, w = image.shape[:2]
    return _warp_any(image, np.linalg.inv(full), h, w, interpolation, fill, progress)


def homography(source, destination) -> np.ndarray:
    """The 3x3 projective transform that maps four ``source`` points onto ``destination``.

    Parameters
    ----------
    source, destination : sequence of 4 (x, y) points
        Corresponding points; no three of either set may be collinear.

    Returns
    -------
    ndarray
        float64 ``(3, 3)`` matrix ``H`` with ``H[2, 2] = 1`` such that
        ``H @ (x, y, 1)`` is proportional to ``(x', y', 1)`` for each pair.

    Notes
    -----
    The direct linear transform: each pair gives two equations
    ``x' (g x + h y + 1) = a x + b y + c`` and ``y' (g x + h y + 1) = d x + e y + f``
    in the eight unknowns, solved with ``numpy.linalg.solve`` (Hartley and
    Zisserman, *Multiple View Geometry*, 4.1).

    Examples
    --------
    >>> square = [(0, 0), (1, 0), (1, 1), (0, 1)]
    >>> np.round(homography(square, [(0, 0), (2, 0), (2, 2), (0, 2)]), 6).tolist()
    [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
    """
    src = np.asarray(source, np.float64)
    dst = np.asarray(destination, np.float64)
    if src.shape != (4, 2) or dst.shape != (4, 2):
        raise ValueError("homography needs four (x, y) source and destination points")
    system = np.zeros((8, 8))
    rhs = np.zeros(8)
    for n, ((x, y), (xd, yd)) in enumerate(zip(src, dst)):
        system[2 * n] = (x, y, 1, 0, 0, 0, -xd * x, -xd * y)
        system[2 * n + 1] = (0, 0, 0, x, y, 1, -yd * x, -yd * y)
        rhs[2 * n], rhs[2 * n + 1] = xd, yd
    try:
        solution = np.linalg.solve(system, rhs)
    except np.linalg.LinAlgError:
        raise ValueError("the points do not define a perspective transform (three of them are collinear)") from None
    return np.append(solution, 1.0).reshape(3, 3)


def _check_convex(quad: np.ndarray) -> None:
    edges = np.roll(quad, -1, axis=0) - quad
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    scale = float(np.abs(edges).max()) ** 2
    if scale == 0 or not ((cross > 1e-9 * scale).all() or (cross < -1e-9 * scale).all()):
        raise ValueError(
            "quad must be a convex quadrilateral with its corners in order "
            f"top-left, top-right, bottom-right, bottom-left; got {quad.tolist()}"
        )


def perspective(
    image: np.ndarray,
    quad=_WHOLE_IMAGE,
    width: int = 0,
    height: int = 0,
    *,
    interpolation: str = "bilinear",
    fill=(0.0, 0.0, 0.0),
    progress: Progress | None = None,
) -> np.ndarray:
    """Map a quadrilateral of the input onto an upright rectangle (keystone correction).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    quad : 4 (x, y) points
        Corners of the region in the input, in pixels from the image's
        top-left corner, in the order top-left, top-right, bottom-right,
        bottom-left (for instance the corners of a photographed page). All four
        at ``(0, 0)`` stands for the whole image.
    width, height : int
        Output size in pixels; 0 takes the longer of the quad's two opposite
        sides, so a page keeps roughly its size.
    interpolation : {"nearest", "bilinear", "bicubic"}
        How pixels between input samples are read.
    fill : float or (r, g, b)
        Colour where the rectangle sees outside the input; transparent for RGBA.
    progress : callable, optional
        Called with the fraction done (0 to 1) between tiles of the
        bilinear path; it may raise to cancel.

    Returns
    -------
    ndarray
        float32 image of ``height x width`` pixels.

    Notes
    -----
    The homography ``H`` taking the output corners ``(0, 0), (W, 0), (W, H),
    (0, H)`` to the quad's corners is solved from the four correspondences
    (:func:`homography`); each output pixel centre ``p`` samples the input at
    ``H p`` in homogeneous coordinates. Not prefiltered: when the quad is much
    larger than the output, resize afterwards instead of asking for a small
    output here.

    Examples
    --------
    >>> img = np.arange(16, dtype=np.float32).reshape(4, 4) / 15
    >>> out = perspective(img, ((1, 1), (3, 1), (3, 3), (1, 3)))
    >>> out.shape, bool(np.allclose(out, img[1:3, 1:3]))
    ((2, 2), True)
    """
    image = as_image(image)
    h, w = image.shape[:2]
    if quad is None:
        quad = _WHOLE_IMAGE
    try:
        points = np.array(quad, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"quad must be four (x, y) points, got {quad!r}") from None
    if points.shape != (4, 2):
        raise ValueError(f"quad must be four (x, y) points, got shape {points.shape}")
    if not np.isfinite(points).all():
        raise ValueError("quad must contain finite numbers")
    if not points.any():
        points = np.array([(0, 0), (w, 0), (w, h), (0, h)], np.float64)
    _check_convex(points)
    width = check_int("width", width, 0)
    height = check_int("height", height, 0)
    _check_choice("interpolation", interpolation, WARP_INTERPOLATIONS)
    _fill_planes(fill, 1)
    side = lambda a, b: float(np.hypot(*(points[a] - points[b])))  # noqa: E731
    out_w = width or max(1, round(max(side(0, 1), side(3, 2))))
    out_h = height or max(1, round(max(side(0, 3), side(1, 2))))
    corners = [(0, 0), (out_w, 0), (out_w, out_h), (0, out_h)]
    return _warp_any(image, homography(corners, points), out_h, out_w, interpolation, fill, progress)
