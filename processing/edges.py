"""Edge detection: gradient magnitudes (Sobel, Prewitt, Scharr), Laplacian, Canny.

Borders: as in :mod:`processing.filters`, the image is extended by mirror
reflection with the edge pixel repeated (``d c b a | a b c d``), so a flat
image has no edge at its border.

Outputs are images in [0, 1]. Each gradient operator's response is divided by
the largest value that operator can reach on an image in [0, 1], so results
are never clipped and compare across operators; see each function's Notes.
"""
from __future__ import annotations

from itertools import product

import numpy as np

from ._image import as_image, check_range, merge_alpha, split_alpha
from ._progress import Progress, phase, report
from ._tiles import reflect_block as _reflect_block
from ._tiles import split as _split
from ._tiles import tile_map as _parallel
from .filters import gaussian_blur

__all__ = ["sobel", "prewitt", "scharr", "laplacian", "canny"]

_DIRECTIONS = ("both", "x", "y")

# 3x3 gradient operators as (smoothing across, derivative along) 1-D weights:
# the x kernel is outer(smooth, deriv), e.g. Sobel [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]].
_OPERATORS = {
    "sobel": (1.0, 2.0),
    "prewitt": (1.0, 1.0),
    "scharr": (3.0, 10.0),
}


def _max_magnitude(side: float, centre: float) -> float:
    """Largest ``hypot(gx, gy)`` the operator gives on a 3x3 patch in [0, 1].

    The magnitude is a convex function of the nine values, so its maximum over
    the cube [0, 1]^9 is reached at a corner: try all 512 binary patches.
    """
    smooth = np.array([side, centre, side])
    kx = np.outer(smooth, [-1.0, 0.0, 1.0])
    patches = np.array(list(product((0.0, 1.0), repeat=9))).reshape(-1, 3, 3)
    gx = (patches * kx).sum(axis=(1, 2))
    gy = (patches * kx.T).sum(axis=(1, 2))
    return float(np.hypot(gx, gy).max())


_MAX_MAGNITUDE = {name: _max_magnitude(*w) for name, w in _OPERATORS.items()}


def _banded(color: np.ndarray, func, out: np.ndarray, halo: int = 1) -> None:
    """Call ``func(padded, dst)`` for bands of rows of a gray or interleaved image.

    ``padded`` is the band with ``halo`` reflected rows above and below and
    ``halo`` reflected pixels left and right, as a 2-D ``(rows, (W+2h)*C)``
    array; ``dst`` is the matching ``(rows, W*C)`` slice of ``out``. Bands
    small enough to stay in cache, shared across the thread pool.
    """
    h, w = color.shape[:2]
    c = 1 if color.ndim == 2 else color.shape[2]
    flat_out = out.reshape(h, w * c)
    band = max(8, (1 << 16) // (w * c + 1))

    def run(span):
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            padded = _reflect_block(color, y0 - halo, y1 + halo, -halo, w + halo).reshape(y1 - y0 + 2 * halo, -1)
            func(padded, flat_out[y0:y1], c)

    spans = [(a * band, min(h, b * band)) for a, b in _split(-(-h // band))]
    _parallel(run, spans, color.size * 8)


def _gradients(padded: np.ndarray, c: int, side: float, centre: float):
    """``gx, gy`` of a padded 2-D band (x shifts by ``c`` elements): correlation
    with ``outer(smooth, [-1, 0, 1])`` and its transpose, done separably."""
    side, centre = np.float32(side), np.float32(centre)
    up, mid, down = padded[:-2], padded[1:-1], padded[2:]
    across = up + down  # smoothing down the columns, for gx
    if side != 1:
        across *= side
    across += centre * mid if centre != 1 else mid
    gx = across[:, 2 * c :] - across[:, : -2 * c]
    diff = down - up  # derivative down the columns, for gy
    along = diff[:, : -2 * c] + diff[:, 2 * c :]
    if side != 1:
        along *= side
    along += centre * diff[:, c:-c] if centre != 1 else diff[:, c:-c]
    return gx, along


def _gradient_filter(image, name: str, direction: str, signed: bool) -> np.ndarray:
    image = as_image(image)
    if direction not in _DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(_DIRECTIONS)}; got {direction!r}")
    if not isinstance(signed, (bool, np.bool_)):
        raise ValueError(f"signed must be true or false, got {signed!r}")
    side, centre = _OPERATORS[name]
    axis_max = 2 * side + centre  # largest |gx|: a vertical step from 0 to 1
    norm = _MAX_MAGNITUDE[name]
    color, alpha = split_alpha(image)
    out = np.empty(color.shape, np.float32)

    def band(padded, dst, c):
        gx, gy = _gradients(padded, c, side, centre)
        if direction == "both":
            np.hypot(gx, gy, out=dst)
            dst *= np.float32(1 / norm)
            np.minimum(dst, 1, out=dst)  # rounding only: norm is the true maximum
            return
        g = gx if direction == "x" else gy
        if signed:
            np.multiply(g, np.float32(0.5 / axis_max), out=dst)
            dst += np.float32(0.5)
        else:
            np.abs(g, out=dst)
            dst *= np.float32(1 / axis_max)
        np.clip(dst, 0, 1, out=dst)

    _banded(color, band, out)
    return merge_alpha(out, alpha)


_GRADIENT_DOC = """Edge strength by the {title} operator: the gradient magnitude.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Each colour
        channel is processed on its own; alpha is passed through unchanged.
    direction : {{"both", "x", "y"}}
        ``"both"``: the magnitude ``sqrt(gx^2 + gy^2)``. ``"x"``: the
        horizontal derivative only (shows vertical edges); ``"y"``: the
        vertical one (horizontal edges).
    signed : bool
        With one direction only: keep the sign, mapping the derivative to
        ``0.5 + g / (2 * {axis_max:g})`` (flat areas mid-gray, rising edges
        light, falling edges dark) instead of ``|g| / {axis_max:g}``.

    Returns
    -------
    ndarray
        float32 edge image of the same shape, in [0, 1].

    Notes
    -----
    ``gx`` is the correlation with ``{kernel}`` (positive where the image gets
    brighter to the right), ``gy`` with its transpose (brighter downwards),
    computed separably; borders reflect. The magnitude is divided by
    {norm:.4f}, the largest magnitude any image in [0, 1] can produce (convex
    in the pixel values, so found over the 512 binary 3x3 patches); a straight
    step from 0 to 1 gives {step:.4f}. One direction is divided by
    {axis_max:g}, its largest absolute value, reached on a step from 0 to 1.

    Examples
    --------
    >>> img = np.zeros((4, 6), np.float32); img[:, 3:] = 1  # a vertical edge
    >>> out = {name}(img, direction="x")
    >>> out[0].round(3).tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    """


def _doc(name: str, title: str) -> str:
    side, centre = _OPERATORS[name]
    kernel = np.outer([side, centre, side], [-1, 0, 1]).astype(int).tolist()
    axis_max = 2 * side + centre
    return _GRADIENT_DOC.format(
        title=title, name=name, kernel=kernel, axis_max=axis_max,
        norm=_MAX_MAGNITUDE[name], step=axis_max / _MAX_MAGNITUDE[name],
    )


def sobel(image: np.ndarray, direction: str = "both", *, signed: bool = False) -> np.ndarray:
    return _gradient_filter(image, "sobel", direction, signed)


def prewitt(image: np.ndarray, direction: str = "both", *, signed: bool = False) -> np.ndarray:
    return _gradient_filter(image, "prewitt", direction, signed)


def scharr(image: np.ndarray, direction: str = "both", *, signed: bool = False) -> np.ndarray:
    return _gradient_filter(image, "scharr", direction, signed)


sobel.__doc__ = _doc("sobel", "Sobel")
prewitt.__doc__ = _doc("prewitt", "Prewitt")
scharr.__doc__ = _doc("scharr", "Scharr")


def laplacian(image: np.ndarray, *, signed: bool = False) -> np.ndarray:
    """Second-derivative edge response: the 4-neighbour Laplacian.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Each colour
        channel is processed on its own; alpha is passed through unchanged.
    signed : bool
        Keep the sign: ``0.5 + L / 8`` (flat areas mid-gray) instead of the
        absolute response ``|L| / 4``.

    Returns
    -------
    ndarray
        float32 image of the same shape, in [0, 1].

    Notes
    -----
    ``L(y, x) = I(y-1, x) + I(y+1, x) + I(y, x-1) + I(y, x+1) - 4 I(y, x)``,
    the kernel ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`` of ``scipy.ndimage.laplace``
    and OpenCV's ``Laplacian(ksize=1)``. ``|L| <= 4`` on images in [0, 1]
    (an isolated bright or dark pixel), hence the scaling. Borders reflect.
    Edges show as a pair of lines, one each side of the step.

    Examples
    --------
    >>> img = np.zeros((3, 3), np.float32); img[1, 1] = 1  # a bright dot
    >>> laplacian(img).tolist()
    [[0.0, 0.25, 0.0], [0.25, 1.0, 0.25], [0.0, 0.25, 0.0]]
    """
    image = as_image(image)
    if not isinstance(signed, (bool, np.bool_)):
        raise ValueError(f"signed must be true or false, got {signed!r}")
    color, alpha = split_alpha(image)
    out = np.empty(color.shape, np.float32)

    def band(padded, dst, c):
        mid = padded[1:-1]
        np.add(padded[:-2, c:-c], padded[2:, c:-c], out=dst)
        dst += mid[:, : -2 * c]
        dst += mid[:, 2 * c :]
        dst -= np.float32(4) * mid[:, c:-c]
        if signed:
            dst *= np.float32(1 / 8)
            dst += np.float32(0.5)
        else:
            np.abs(dst, out=dst)
            dst *= np.float32(1 / 4)
        np.clip(dst, 0, 1, out=dst)

    _banded(color, band, out)
    return merge_alpha(out, alpha)


# ---------------------------------------------------------------------------
# Canny
# ---------------------------------------------------------------------------

_TAN_22_5 = np.float32(np.tan(np.pi / 8))
_TAN_67_5 = np.float32(np.tan(3 * np.pi / 8))


def _luminance(color: np.ndarray) -> np.ndarray:
    """Gray values of a gray image, Rec. 709 luma of an RGB one (float32)."""
    if color.ndim == 2:
        return color
    y = color[..., 0] * np.float32(0.2126)
    y += color[..., 1] * np.float32(0.7152)
    y += color[..., 2] * np.float32(0.0722)
    return y


def _suppress(p: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Non-maximum suppression on a band: keep a pixel only where its magnitude
    peaks across the edge, i.e. along the gradient direction quantised to 0,
    45, 90 or 135 degrees. The magnitude must be > the neighbour behind and >=
    the one ahead (so a plateau two pixels wide keeps one pixel).

    ``p`` is the magnitude with one reflected pixel all around; ``gx``, ``gy``
    the gradients of the inner pixels.
    """
    centre = p[1:-1, 1:-1]

    def peak(behind, ahead):
        keep = np.greater(centre, behind)
        keep &= np.greater_equal(centre, ahead)
        return keep

    ax, ay = np.abs(gx), np.abs(gy)
    horizontal = ay <= _TAN_22_5 * ax  # gradient along x: compare left and right
    vertical = ay >= _TAN_67_5 * ax
    # Diagonal: down-right (y-1, x-1) / (y+1, x+1) when gx and gy have the same
    # sign, else up-right (y+1, x-1) / (y-1, x+1).
    main = np.equal(gx > 0, gy > 0)
    diagonal = np.where(main, peak(p[:-2, :-2], p[2:, 2:]), peak(p[2:, :-2], p[:-2, 2:]))
    return np.where(horizontal, peak(p[1:-1, :-2], p[1:-1, 2:]),
                    np.where(vertical, peak(p[:-2, 1:-1], p[2:, 1:-1]), diagonal))


def _components(mask: np.ndarray, progress: Progress | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Label the 8-connected components of ``mask``.

    Returns the flat indices of the mask's pixels and, for each, a component
    id (the smallest member index in the compressed numbering). Vectorised
    union by minimum label along the edges between neighbouring pixels, with
    pointer jumping to flatten the trees: O(log n) rounds of array operations.
    """
    h, w = mask.shape
    flat = np.flatnonzero(mask)
    n = flat.size
    index = np.full(h * w, -1, np.int32 if n < 2**31 else np.int64)
    index[flat] = np.arange(n)
    ys, xs = np.divmod(flat, w)
    us, vs = [], []
    # Each neighbour pair once: right, down, down-right, down-left.
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ok = (ys + dy < h) & (xs + dx >= 0) & (xs + dx < w)
        src = np.flatnonzero(ok)
        dst = index[flat[ok] + dy * w + dx]
        keep = dst >= 0
        us.append(src[keep])
        vs.append(dst[keep])
    u = np.concatenate(us)
    v = np.concatenate(vs)
    parent = np.arange(n)
    rounds = 0
    while u.size:
        # The number of rounds is not known in advance: each reports half of
        # what is left, so the fraction rises and never reaches 1 early.
        rounds += 1
        report(progress, 1.0 - 0.5**rounds)
        pu, pv = parent[u], parent[v]
        low = np.minimum(pu, pv)
        before = parent.copy()
        np.minimum.at(parent, pu, low)
        np.minimum.at(parent, pv, low)
        while True:  # pointer jumping: point every node at its root
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped
        if np.array_equal(parent, before):
            break
        # Edges inside one component are done; keep only those still joining two.
        live = parent[u] != parent[v]
        u, v = u[live], v[live]
    report(progress, 1.0)
    return flat, parent


def canny(image: np.ndarray, sigma: float = 2.0, low: float = 0.1, high: float = 0.2, *,
          progress: Progress | None = None) -> np.ndarray:
    """Thin, connected edges by Canny's detector, as a binary image.

    Parameters
    ----------
    image : ndarray
        float32 gray ``(H, W)``, RGB or RGBA image in [0, 1]. Colour images
        are reduced to their Rec. 709 luma; alpha is ignored.
    sigma : float
        Standard deviation in pixels of the Gaussian smoothing applied first,
        >= 0 (0: no smoothing). Larger values keep only coarser edges.
    low, high : float
        Hysteresis thresholds on the gradient magnitude, ``0 <= low <= high``.
        Pixels above ``high`` start edges, which then extend through pixels
        above ``low``. The magnitude is scaled so that a sharp step from 0 to 1
        gives 1 (before smoothing).
    progress : callable, optional
        Called with the fraction done (0 to 1) between bands of rows and
        rounds of the grouping; it may raise to stop the work.

    Returns
    -------
    ndarray
        float32 gray ``(H, W)`` image: 1 on edges, 0 elsewhere.

    Notes
    -----
    J. Canny, "A computational approach to edge detection", IEEE PAMI 8(6),
    1986, in four steps:

    1. Gaussian smoothing (:func:`processing.filters.gaussian_blur`).
    2. Sobel gradients ``gx, gy``, magnitude ``sqrt(gx^2 + gy^2) / 4``.
    3. Non-maximum suppression: the gradient direction is quantised to 0, 45,
       90 or 135 degrees; a pixel stays only if its magnitude is greater than
       its neighbour behind and at least its neighbour ahead in that direction.
    4. Hysteresis: the remaining pixels with magnitude >= ``low`` are grouped
       into 8-connected chains (vectorised union-find), and a chain is kept if
       any of its pixels has magnitude >= ``high``.

    Borders reflect, so the image border itself is not an edge.

    Examples
    --------
    >>> img = np.zeros((7, 8), np.float32); img[:, 4:] = 1
    >>> edges = canny(img, sigma=1.0)
    >>> edges.sum(axis=1).tolist()  # one thin edge pixel per row, beside the step
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    >>> sorted(set(np.nonzero(edges)[1].tolist())) in ([3], [4])
    True
    """
    image = as_image(image)
    sigma = check_range("sigma", sigma, 0)
    low = check_range("low", low, 0)
    high = check_range("high", high, 0)
    if low > high:
        raise ValueError(f"low must be <= high, got low={low!r} and high={high!r}")
    color, _ = split_alpha(image)
    gray = _luminance(color)
    if sigma > 0:
        gray = gaussian_blur(gray, sigma, progress=phase(progress, 0.0, 0.3))
    h, w = gray.shape
    gx, gy, magnitude = (np.empty((h, w), np.float32) for _ in range(3))
    candidates = np.empty((h, w), bool)
    band = max(8, (1 << 15) // (w + 1))
    spans = [(a * band, min(h, b * band)) for a, b in _split(-(-h // band))]

    def gradients(span):
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            bx, by = _gradients(_reflect_block(gray, y0 - 1, y1 + 1, -1, w + 1), 1, 1.0, 2.0)
            gx[y0:y1], gy[y0:y1] = bx, by
            np.hypot(bx, by, out=magnitude[y0:y1])
            magnitude[y0:y1] *= np.float32(0.25)

    def suppress(span):
        for y0 in range(span[0], span[1], band):
            y1 = min(span[1], y0 + band)
            keep = _suppress(_reflect_block(magnitude, y0 - 1, y1 + 1, -1, w + 1), gx[y0:y1], gy[y0:y1])
            np.logical_and(keep, magnitude[y0:y1] >= np.float32(low), out=candidates[y0:y1])

    _parallel(gradients, spans, gray.size * 8, progress=phase(progress, 0.3, 0.5))
    _parallel(suppress, spans, gray.size * 8, progress=phase(progress, 0.5, 0.7))
    flat, label = _components(candidates, phase(progress, 0.7, 1.0))
    strong_roots = np.zeros(flat.size, bool)
    strong_roots[label[magnitude.ravel()[flat] >= np.float32(high)]] = True
    out = np.zeros(h * w, np.float32)
    out[flat[strong_roots[label]]] = 1
    return out.reshape(h, w)
