"""Tone operations: per-pixel curves applied to every colour channel.

All are point operations: each output pixel depends on its input pixel only.
Alpha is passed through untouched; gray, RGB and RGBA images are accepted and
every channel of a colour image gets the same curve.

Speed: a point operation is bounded by memory traffic, so each one streams
the image in row bands small enough to stay in the CPU's cache (a few hundred
KB), runs all of its arithmetic on a band while it is cached, and writes the
band once to the output. Two threads share the bands. A chain of NumPy calls
on the whole image would instead cost one trip through main memory per call.
"""
from __future__ import annotations

import math

import numpy as np

from ._bands import map_bands as _map_bands
from ._image import as_image, check_int, check_range

__all__ = [
    "brightness_contrast",
    "gamma",
    "levels",
    "curves",
    "exposure",
    "invert",
    "posterize",
    "solarize",
    "pchip_slopes",
]

def _affine_kernel(scale: float, offset: float):
    """Kernel for ``clip(x * scale + offset, 0, 1)``."""
    scale, offset = np.float32(scale), np.float32(offset)

    def kernel(src, dst):
        np.multiply(src, scale, out=dst)
        if offset:
            dst += offset
        np.clip(dst, 0.0, 1.0, out=dst)

    return kernel


def _point_map(image: np.ndarray, scale: float, offset: float) -> np.ndarray:
    """``clip(x * scale + offset, 0, 1)`` on colour channels, alpha copied."""
    return _map_bands(image, _affine_kernel(scale, offset))


_SMALLEST_NORMAL = np.float32(2.0 ** -126)


def _power01_inplace(values: np.ndarray, exponent: float) -> None:
    """``values ** exponent`` in place for ``values`` in [0, 1], ``exponent > 0``.

    Computed as ``exp2(exponent * log2(x))``: NumPy's SIMD log2 and exp2 are
    three times faster than its float32 ``power``. Zeros (and exponents
    below -126) would send both to their slow special-value paths, so the
    input is floored at the smallest normal float and the exponent clamped,
    and exact zeros are restored by a mask. Error below 1e-7.
    """
    nonzero = np.greater(values, np.float32(0.0), out=np.empty(values.shape, np.float32))
    np.clip(values, _SMALLEST_NORMAL, np.float32(1.0), out=values)
    np.log2(values, out=values)
    values *= np.float32(exponent)
    np.clip(values, np.float32(-126.0), np.float32(0.0), out=values)
    np.exp2(values, out=values)
    values *= nonzero


def _check_positive(name: str, value: float) -> float:
    number = check_range(name, value)
    if number <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return number


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------


def brightness_contrast(image: np.ndarray, brightness: float = 0.0, contrast: float = 0.0) -> np.ndarray:
    """Shift brightness and stretch contrast about mid-grey.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    brightness : float
        Added to every value, in [-1, 1].
    contrast : float
        In [-1, 1]: -1 flattens to mid-grey, 0 leaves the image, 1 is a hard
        threshold at 0.5.

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    ``out = clip((x - 0.5) * k + 0.5 + brightness, 0, 1)`` with the slope
    ``k = tan((contrast + 1) * pi / 4)`` (GIMP's contrast curve), capped at 1e4.

    Examples
    --------
    >>> img = np.array([[0.25, 0.75]], np.float32)
    >>> brightness_contrast(img, 0.1, 0.0).tolist()
    [[0.3499999940395355, 0.8500000238418579]]
    >>> brightness_contrast(img, 0.0, -1.0).tolist()
    [[0.5, 0.5]]
    """
    image = as_image(image)
    brightness = check_range("brightness", brightness, -1, 1)
    contrast = check_range("contrast", contrast, -1, 1)
    slope = min(math.tan((contrast + 1.0) * math.pi / 4.0), 1e4)
    slope = max(slope, 0.0)
    return _point_map(image, slope, 0.5 - 0.5 * slope + brightness)


def gamma(image: np.ndarray, gamma: float = 1.0) -> np.ndarray:
    """Gamma correction: ``x ** (1 / gamma)``; above 1 brightens the midtones.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    gamma : float
        Positive. 1 leaves the image unchanged, 2.2 lifts the midtones as a
        display encoding would, 0.5 darkens them. Black and white stay fixed.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    ``out = clip(x, 0, 1) ** (1 / gamma)``: the convention of GIMP's and
    Photoshop's Levels gamma (the exponent is the reciprocal, so larger is
    brighter). scikit-image's ``adjust_gamma(image, g)`` is ``gamma(image, 1 / g)``.

    Examples
    --------
    >>> img = np.array([[0.0, 0.25, 1.0]], np.float32)
    >>> gamma(img, 2.0).tolist()
    [[0.0, 0.5, 1.0]]
    """
    image = as_image(image)
    g = _check_positive("gamma", gamma)
    if g == 1.0:
        return image.copy()
    exponent = 1.0 / g

    def kernel(src, dst):
        np.clip(src, 0.0, 1.0, out=dst)
        _power01_inplace(dst, exponent)

    return _map_bands(image, kernel)


def levels(image: np.ndarray, black: float = 0.0, white: float = 1.0, midtone_gamma: float = 1.0) -> np.ndarray:
    """Map the input range ``[black, white]`` to [0, 1], then bend the midtones.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    black : float
        Input value that becomes 0; everything darker clips to 0. In [0, 1).
    white : float
        Input value that becomes 1; everything brighter clips to 1. In
        (black, 1].
    midtone_gamma : float
        Positive gamma applied after the stretch, as :func:`gamma`: above 1
        brightens the midtones, 1 leaves them.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    ``out = clip((x - black) / (white - black), 0, 1) ** (1 / midtone_gamma)``,
    the input half of the Levels dialog in GIMP and Photoshop.

    Examples
    --------
    >>> img = np.array([[0.1, 0.3, 0.5, 0.9]], np.float32)
    >>> levels(img, 0.1, 0.5).astype(float).round(3).tolist()
    [[0.0, 0.5, 1.0, 1.0]]
    >>> levels(img, 0.1, 0.5, midtone_gamma=2.0).astype(float).round(3).tolist()
    [[0.0, 0.707, 1.0, 1.0]]
    """
    image = as_image(image)
    black = check_range("black", black, 0, 1)
    white = check_range("white", white, 0, 1)
    g = _check_positive("midtone_gamma", midtone_gamma)
    if white <= black:
        raise ValueError(f"white must be > black, got black={black!r}, white={white!r}")
    # Subtract, then scale: exact near the black point even for a narrow range.
    low, scale = np.float32(black), np.float32(1.0 / (white - black))
    exponent = 1.0 / g

    def kernel(src, dst):
        np.subtract(src, low, out=dst)
        dst *= scale
        np.clip(dst, 0.0, 1.0, out=dst)
        if exponent != 1.0:
            _power01_inplace(dst, exponent)

    return _map_bands(image, kernel)


def pchip_slopes(x, y) -> np.ndarray:
    """Derivatives at the knots of the monotone cubic (PCHIP) through ``(x, y)``.

    Parameters
    ----------
    x : array_like
        Strictly increasing knot positions, at least 2.
    y : array_like
        Values at the knots.

    Returns
    -------
    ndarray
        float64 derivative at each knot. With them, the piecewise cubic
        Hermite interpolant is monotone wherever the data are, and has no
        overshoot: a local extremum of the data stays one of the curve.

    Notes
    -----
    Fritsch & Carlson, "Monotone piecewise cubic interpolation", SIAM J.
    Numer. Anal. 17 (1980), with the interior derivatives of Fritsch & Butland
    (1984): 0 where the secants ``delta`` on either side differ in sign or
    one is 0, else the weighted harmonic mean
    ``(w1 + w2) / (w1 / delta[k-1] + w2 / delta[k])``,
    ``w1 = 2 h[k] + h[k-1]``, ``w2 = h[k] + 2 h[k-1]``. End derivatives use
    the three-point formula, set to 0 if its sign differs from the end secant
    and limited to 3 times that secant if the secants change sign. This is
    MATLAB's ``pchip`` and SciPy's ``PchipInterpolator``. Two knots give the
    straight line.

    Examples
    --------
    >>> pchip_slopes([0, 0.5, 1], [0, 0.5, 1]).tolist()
    [1.0, 1.0, 1.0]
    >>> pchip_slopes([0, 0.5, 1], [0, 1, 0]).tolist()  # a peak: flat on top
    [4.0, 0.0, -4.0]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    h = np.diff(x)
    delta = np.diff(y) / h
    n = len(x)
    d = np.empty(n)
    if n == 2:
        d[:] = delta[0]
        return d
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w1 = 2 * h[1:] + h[:-1]
        w2 = h[1:] + 2 * h[:-1]
        harmonic = (w1 + w2) / (w1 / delta[:-1] + w2 / delta[1:])
    flat = (np.sign(delta[:-1]) != np.sign(delta[1:])) | (delta[:-1] == 0) | (delta[1:] == 0)
    d[1:-1] = np.where(flat, 0.0, harmonic)

    def end(h0, h1, m0, m1):
        slope = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if np.sign(slope) != np.sign(m0):
            return 0.0
        if np.sign(m0) != np.sign(m1) and abs(slope) > 3 * abs(m0):
            return 3 * m0
        return slope

    d[0] = end(h[0], h[1], delta[0], delta[1])
    d[-1] = end(h[-1], h[-2], delta[-1], delta[-2])
    return d


# Table size of the curve: linear interpolation between 65536 exact samples
# errs by at most h^2/8 * max|f''| (h = 1/65535), about 1e-7 for steep curves.
_CURVE_SAMPLES = 1 << 16


def _curve_table(points) -> tuple[np.ndarray, np.ndarray]:
    """Sample the PCHIP through ``points`` evenly from the first to the last
    point's x: values and steps to the next sample."""
    xk = np.array([p[0] for p in points], dtype=np.float64)
    yk = np.array([p[1] for p in points], dtype=np.float64)
    dk = pchip_slopes(xk, yk)
    u = np.linspace(xk[0], xk[-1], _CURVE_SAMPLES)
    k = np.clip(np.searchsorted(xk, u, side="right") - 1, 0, len(xk) - 2)
    h = xk[k + 1] - xk[k]
    t = (u - xk[k]) / h
    t2, t3 = t * t, t * t * t
    values = (
        (2 * t3 - 3 * t2 + 1) * yk[k]
        + (t3 - 2 * t2 + t) * h * dk[k]
        + (-2 * t3 + 3 * t2) * yk[k + 1]
        + (t3 - t2) * h * dk[k + 1]
    )
    values[0], values[-1] = yk[0], yk[-1]
    np.clip(values, 0.0, 1.0, out=values)
    steps = np.zeros_like(values)
    steps[:-1] = np.diff(values)
    return values.astype(np.float32), steps.astype(np.float32)


def _check_points(points) -> tuple[tuple[float, float], ...]:
    try:
        pts = tuple((float(p[0]), float(p[1])) for p in points)
        if any(len(p) != 2 for p in points):
            raise TypeError
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"points must be a sequence of (x, y) pairs, got {points!r}") from None
    if len(pts) < 2:
        raise ValueError(f"points needs at least 2 control points, got {len(pts)}")
    if not all(math.isfinite(c) and 0.0 <= c <= 1.0 for p in pts for c in p):
        raise ValueError(f"points coordinates must be in [0, 1], got {pts}")
    xs = [p[0] for p in pts]
    if any(b <= a for a, b in zip(xs, xs[1:])):
        raise ValueError(f"points x values must increase strictly, got {xs}")
    return pts


def curves(image: np.ndarray, points=((0.0, 0.0), (1.0, 1.0))) -> np.ndarray:
    """Map values through a smooth curve drawn through control points.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    points : sequence of (x, y)
        At least two control points in [0, 1] with strictly increasing x.
        The default, the diagonal, leaves the image unchanged.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    The curve is the monotone piecewise cubic Hermite interpolant (PCHIP) of
    the points, with the slopes of :func:`pchip_slopes` (Fritsch & Carlson
    1980; Fritsch & Butland 1984): it passes through every point, rises where
    they rise, and never overshoots them, so it cannot ring below 0 or above
    1 as a natural spline can. Left of the first point the curve is flat at
    its y, likewise right of the last. The cubic is sampled exactly at 65536
    evenly spaced inputs from the first point to the last and evaluated by
    linear interpolation between samples: the error is below
    ``h^2 / 8 max|f''|`` with ``h = (x_last - x_first) / 65535``, about 1e-7
    even for points 0.02 apart.

    Examples
    --------
    >>> img = np.array([[0.0, 0.25, 0.5, 1.0]], np.float32)
    >>> curves(img, ((0, 0), (0.5, 0.75), (1, 1))).astype(float).round(4).tolist()
    [[0.0, 0.4531, 0.75, 1.0]]
    >>> curves(img, ((0, 1), (1, 0))).tolist()  # a falling line inverts
    [[1.0, 0.75, 0.5, 0.0]]
    """
    image = as_image(image)
    pts = _check_points(points)
    values, steps = _curve_table(pts)
    # value and step side by side, fetched by one 8-byte gather per pixel
    pairs = np.stack([values, steps], axis=1).view(np.float64).ravel()
    last = np.float32(_CURVE_SAMPLES - 1)
    first_x = np.float32(pts[0][0])
    scale = np.float32((_CURVE_SAMPLES - 1) / (pts[-1][0] - pts[0][0]))

    def kernel(src, dst):
        # position on the table (clamped: the curve is flat outside the
        # points), its integer part and the fraction left over
        np.subtract(src, first_x, out=dst)
        dst *= scale
        np.clip(dst, 0.0, last, out=dst)
        whole = np.floor(dst)
        dst -= whole
        index = whole.astype(np.int32)
        # indices are in range: "wrap" only skips the bounds check
        pair = pairs.take(index, mode="wrap").view(np.float32).reshape(index.shape + (2,))
        dst *= pair[..., 1]
        dst += pair[..., 0]

    return _map_bands(image, kernel)


def exposure(image: np.ndarray, stops: float = 0.0) -> np.ndarray:
    """Change exposure by ``stops`` photographic stops: multiply by ``2 ** stops``.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    stops : float
        +1 doubles every value, -1 halves it; 0 leaves the image. In [-20, 20].

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    ``out = clip(x * 2 ** stops, 0, 1)`` on the stored values. It is exact
    exposure only for linear-light data; on gamma-encoded (sRGB) values it is
    the familiar "exposure" slider of editors that work on encoded values.

    Examples
    --------
    >>> exposure(np.array([[0.2, 0.6]], np.float32), 1.0).tolist()
    [[0.4000000059604645, 1.0]]
    """
    image = as_image(image)
    stops = check_range("stops", stops, -20, 20)
    return _point_map(image, 2.0 ** stops, 0.0)


def invert(image: np.ndarray) -> np.ndarray:
    """Negative: ``1 - x`` on every colour channel, alpha kept.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1]. Inverting twice gives the
        input back to within float32 rounding (3e-8).

    Examples
    --------
    >>> invert(np.array([[0.0, 0.25, 1.0]], np.float32)).tolist()
    [[1.0, 0.75, 0.0]]
    """
    image = as_image(image)
    return _point_map(image, -1.0, 1.0)


def posterize(image: np.ndarray, levels: int = 4) -> np.ndarray:
    """Reduce every channel to ``levels`` evenly spaced values.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    levels : int
        Number of output values per channel, in [2, 256]: 2 gives pure 0 and
        1, 256 is 8-bit quantisation.

    Returns
    -------
    ndarray
        float32 image of the same shape with values ``k / (levels - 1)``.

    Notes
    -----
    ``out = floor(x * (levels - 1) + 0.5) / (levels - 1)``: each value goes to
    the nearest level, halves rounding up (GIMP's posterize).

    Examples
    --------
    >>> posterize(np.array([[0.1, 0.3, 0.5, 0.9]], np.float32), 3).tolist()
    [[0.0, 0.5, 0.5, 1.0]]
    """
    image = as_image(image)
    levels = check_int("levels", levels, 2, 256)
    steps = np.float32(levels - 1)

    def kernel(src, dst):
        np.multiply(src, steps, out=dst)
        dst += np.float32(0.5)
        np.floor(dst, out=dst)
        dst /= steps
        np.clip(dst, 0.0, 1.0, out=dst)

    return _map_bands(image, kernel)


def solarize(image: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Invert the values above ``threshold``, keep the others (Sabattier effect).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through.
    threshold : float
        In [0, 1]. Values ``x > threshold`` become ``1 - x``; 1 leaves the
        image unchanged, 0 inverts everything but exact black.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    ``out = 1 - x if x > threshold else x``, per channel, as Pillow's
    ``ImageOps.solarize`` (which inverts ``x >= threshold`` on 8-bit values).
    Computed without branches as ``x + (x > t) * (1 - 2 x)``.

    Examples
    --------
    >>> solarize(np.array([[0.25, 0.5, 0.75]], np.float32), 0.5).tolist()
    [[0.25, 0.5, 0.25]]
    """
    image = as_image(image)
    t = np.float32(check_range("threshold", threshold, 0, 1))

    def kernel(src, dst):
        above = np.greater(src, t, out=np.empty(src.shape, np.float32))
        np.multiply(src, np.float32(-2.0), out=dst)
        dst += np.float32(1.0)
        dst *= above
        dst += src
        np.clip(dst, 0.0, 1.0, out=dst)

    return _map_bands(image, kernel)
