"""Colour operations: conversion to gray, hue/saturation, white balance, mixing.

Conventions of this module:

- Colours are the stored (gamma-encoded, usually sRGB) values; nothing is
  linearised. Luma is therefore Rec. 709 *luma* Y', not CIE luminance.
- Every operation keeps the image's layout: RGB stays RGB, RGBA keeps its
  alpha untouched, and gray ``(H, W)`` stays gray. What a colour operation
  does to a gray image is said in its docstring: either the part of it that
  makes sense for gray, or a clear ``ValueError``.
- Point operations stream the image in cache-sized row bands on the thread pool
  (see :mod:`processing._bands`).
"""
from __future__ import annotations

import math

import numpy as np

from ._bands import for_bands as _for_bands
from ._bands import map_bands as _map_bands
from ._image import as_image, check_range

__all__ = [
    "REC709_LUMA",
    "grayscale",
    "hue_saturation",
    "temperature_tint",
    "white_balance",
    "sample_color",
    "normalize_color",
    "channel_percentiles",
    "channel_mixer",
]

REC709_LUMA = (0.2126, 0.7152, 0.0722)
"""Rec. 709 (sRGB) luma weights of R, G and B."""

_GRAY_METHODS = ("luma", "average", "lightness", "value", "red", "green", "blue")


def _is_gray(image: np.ndarray) -> bool:
    return image.ndim == 2


def _channel_row(values, image: np.ndarray, fill: float) -> np.ndarray:
    """Per-channel constants tiled along one image row, for a flat ``(rows, W*C)`` band.

    A band reshaped to ``(rows, W*C)`` times this row applies one constant per
    channel with long contiguous inner loops (broadcasting against a ``(C,)``
    vector would run NumPy's inner loop three elements at a time). Channels
    beyond ``values`` (alpha) get ``fill``.
    """
    channels = 1 if image.ndim == 2 else image.shape[2]
    per_pixel = np.full(channels, fill, dtype=np.float32)
    per_pixel[: len(values)] = values
    return np.tile(per_pixel, image.shape[1])


def _flat(band: np.ndarray) -> np.ndarray:
    """A ``(rows, W*C)`` view of a band (a copy only if the band is not contiguous)."""
    return band.reshape(band.shape[0], -1)


def _gain_offset(image: np.ndarray, gains, before=None, after=None) -> np.ndarray:
    """``clip((x + before_c) * gain_c + after_c, 0, 1)`` per colour channel; alpha kept.

    Shifting before the gain makes the value ``-before_c`` map to exactly
    ``after_c`` (the black point of a stretch lands on 0 exactly).
    """
    gain_row = _channel_row(gains, image, 1.0)
    before_row = None if before is None else _channel_row(before, image, 0.0)
    after_row = None if after is None else _channel_row(after, image, 0.0)

    def kernel(src, dst):
        flat = _flat(dst)
        if before_row is None:
            np.multiply(_flat(src), gain_row, out=flat)
        else:
            np.add(_flat(src), before_row, out=flat)
            flat *= gain_row
        if after_row is not None:
            flat += after_row
        np.clip(flat, 0.0, 1.0, out=flat)

    return _map_bands(image, kernel)


# ---------------------------------------------------------------------------
# Grayscale
# ---------------------------------------------------------------------------


def _capped_taps(weights) -> np.ndarray:
    """float32 weights, each within an ulp or two of ``weights`` (which sum
    to 1), whose float32 sum is at most 1 whatever the order of the additions.

    Rounding to nearest is monotone, so for values in [0, 1] the computed
    sum of ``w_i * x_i`` (in any order, with or without fused multiply-adds)
    is at most the computed sum of the ``w_i`` in that order: if every
    order of those three sums stays <= 1, so does every gray value, and the
    result needs no cap at 1 (a pass over the output saved).

    Examples
    --------
    >>> t = _capped_taps((0.2126, 0.7152, 0.0722))
    >>> bool(t[0] + t[1] + t[2] <= 1 and t[1] + t[2] + t[0] <= 1)
    True
    """
    taps = np.asarray(weights, np.float64).astype(np.float32)
    one = np.float32(1.0)
    while True:
        a, b, c = taps
        if max((a + b) + c, (a + c) + b, (b + c) + a) <= one:
            return taps
        k = int(np.argmax(taps))
        taps[k] = np.nextafter(taps[k], np.float32(0.0))


def _spread_gray(gray_of):
    """A band kernel that writes ``gray_of(src, plane)``'s plane into the three channels."""

    def kernel(src, dst):
        y = np.empty(src.shape[:2], np.float32)
        gray_of(src, y)
        # Strided copies of one cached plane: cheaper than a broadcast
        # assignment, whose innermost loop would run over just 3 channels.
        for c in range(3):
            dst[..., c] = y

    return kernel


def grayscale(image: np.ndarray, method: str = "luma", *, keep_channels: bool = True) -> np.ndarray:
    """Convert to shades of gray.

    Parameters
    ----------
    image : ndarray
        float32 RGB or RGBA image in [0, 1]. A gray ``(H, W)`` image is
        already gray: it is returned as a copy whatever the method.
    method : {"luma", "average", "lightness", "value", "red", "green", "blue"}
        How a pixel's gray value ``Y`` is made from its ``R, G, B``:

        - ``"luma"``: ``0.2126 R + 0.7152 G + 0.0722 B``, Rec. 709 luma on
          the stored (gamma-encoded) values, not linearised. GIMP calls this
          "Luma"; it keeps the perceived brightness of sRGB images closely.
        - ``"average"``: ``(R + G + B) / 3`` (the I of HSI).
        - ``"lightness"``: ``(max + min) / 2`` (the L of HSL).
        - ``"value"``: ``max(R, G, B)`` (the V of HSV).
        - ``"red"``, ``"green"``, ``"blue"``: that channel alone, as a
          photographer's colour filter on black-and-white film would.
    keep_channels : bool, keyword-only
        True (default): the layout is kept, RGB gives RGB with ``Y`` in all
        three channels and RGBA also keeps its alpha; later colour
        operations (tinting, mixing) then still apply. False: return the
        ``(H, W)`` gray image; an RGBA input loses its alpha, as a gray
        image has none in this package.

    Returns
    -------
    ndarray
        float32 image in [0, 1]: the input's shape, or ``(H, W)``.

    Examples
    --------
    >>> rgb = np.array([[[1.0, 0.0, 0.0], [0.2, 0.4, 0.6]]], np.float32)
    >>> grayscale(rgb, keep_channels=False).astype(float).round(4).tolist()
    [[0.2126, 0.3719]]
    >>> grayscale(rgb, "green")[0, 1].tolist()
    [0.4000000059604645, 0.4000000059604645, 0.4000000059604645]
    """
    image = as_image(image)
    if method not in _GRAY_METHODS:
        raise ValueError(f"method must be one of {', '.join(_GRAY_METHODS)}; got {method!r}")
    if not isinstance(keep_channels, (bool, np.bool_)):
        raise ValueError(f"keep_channels must be True or False, got {keep_channels!r}")
    if _is_gray(image):
        return image.copy()
    weights = {"luma": REC709_LUMA, "average": (1 / 3, 1 / 3, 1 / 3),
               "red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "blue": (0.0, 0.0, 1.0)}.get(method)
    if method in ("red", "green", "blue"):
        weights = None  # a plain copy of the channel, exactly

    if weights is not None:
        # One matrix-vector product per band (BLAS reads each pixel once and
        # keeps the sum in registers), instead of three multiply passes; the
        # weights of an RGBA pixel give alpha a zero weight. The weights are
        # rounded so that no sum can pass 1 (see _capped_taps): no pass to cap.
        taps = np.zeros(image.shape[2], np.float32)
        taps[:3] = _capped_taps(weights)

        def weighted(src, y):
            np.matmul(src.reshape(-1, src.shape[-1]), taps, out=y.reshape(-1))

        if not keep_channels:
            if image.flags.c_contiguous:
                # No temporaries to keep in cache: one product over the whole
                # image, which is limited by memory, not by the cores (12 MP:
                # 0.93-0.96x rgb2gray with BLAS on one thread, where bands on
                # two pool threads took 1.1x; a multi-threaded BLAS splits it).
                y = np.empty(image.shape[:2], np.float32)
                weighted(image, y)
                return y
            return _map_bands(image, weighted, shape=image.shape[:2])

        return _map_bands(image, _spread_gray(weighted))

    def gray_of(src, y):
        r, g, b = src[..., 0], src[..., 1], src[..., 2]
        if method in ("lightness", "value"):
            # several passes over each channel: contiguous planes pay off
            r, g, b = np.moveaxis(src[..., :3], -1, 0).copy()
        if method == "lightness":
            np.maximum(r, g, out=y)
            np.maximum(y, b, out=y)
            low = np.minimum(r, g)
            np.minimum(low, b, out=low)
            y += low
            y *= np.float32(0.5)
        elif method == "value":
            np.maximum(r, g, out=y)
            np.maximum(y, b, out=y)
        else:
            np.copyto(y, src[..., "rgb".index(method[0])])
        np.clip(y, 0.0, 1.0, out=y)

    if not keep_channels:
        return _map_bands(image, gray_of, shape=image.shape[:2])

    return _map_bands(image, _spread_gray(gray_of))


# ---------------------------------------------------------------------------
# Hue / saturation / lightness
# ---------------------------------------------------------------------------

# Smallest chroma divided by: 1 / (C + tiny) is finite for C = 0, where every
# numerator it multiplies is 0 as well.
_TINY = np.float32(1e-30)


# Band size of hue_saturation, tuned apart from the point operations': it
# keeps a dozen temporaries of a band's pixel count and makes ~50 NumPy calls
# per band, so cache size and call overhead pull in opposite directions.
_HSL_BAND = 1 << 17


def _lightness_map(lightness: float):
    """``(scale, offset)`` with ``L' = L * scale + offset`` for the lightness slider."""
    if lightness < 0:
        return 1.0 + lightness, 0.0
    return 1.0 - lightness, lightness


def hue_saturation(image: np.ndarray, hue_deg: float = 0.0, saturation: float = 0.0,
                   lightness: float = 0.0) -> np.ndarray:
    """Rotate hue, scale saturation and shift lightness in the HSL model.

    Parameters
    ----------
    image : ndarray
        float32 RGB or RGBA image in [0, 1]; alpha is passed through. Gray
        ``(H, W)`` images have no hue or saturation: only ``lightness``
        applies to them (as it would to the gray pixels of an RGB image).
    hue_deg : float
        Hue rotation in degrees, in [-180, 180]: 120 turns red to green.
    saturation : float
        In [-1, 1]: HSL saturation is multiplied by ``1 + saturation`` and
        clipped to 1. -1 gives gray, 0 leaves it.
    lightness : float
        In [-1, 1]: -1 gives black, 1 white, 0 leaves it.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    Per pixel, with ``M = max(R, G, B)``, ``m = min``, chroma ``C = M - m``:
    lightness ``L = (M + m) / 2``, saturation ``S = C / (1 - |2L - 1|)`` and
    hue ``H`` on the hexagon in sixths of a turn (Smith, "Color gamut
    transform pairs", SIGGRAPH 1978). Then ``H' = H + hue_deg / 60``,
    ``S' = min(S (1 + saturation), 1)``, and ``L' = L (1 + lightness)`` for
    negative ``lightness`` or ``L + (1 - L) lightness`` otherwise, as GIMP's
    Hue-Saturation tool (whose slider is half as strong). Back to RGB:
    ``C' = S' (1 - |2L' - 1|)`` and each channel is
    ``L' - C'/2 + C' clip(|| H' - k | - 3| - 1, 0, 1)`` with ``k`` = 0, 2, 4
    for R, G, B, the hexagon's trapezoid profile. Everything is branch-free
    NumPy on cache-sized bands.

    Examples
    --------
    >>> red = np.array([[[1.0, 0.0, 0.0]]], np.float32)
    >>> hue_saturation(red, 120).tolist()
    [[[0.0, 1.0, 0.0]]]
    >>> hue_saturation(red, saturation=-1).tolist()
    [[[0.5, 0.5, 0.5]]]
    """
    image = as_image(image)
    hue = check_range("hue_deg", hue_deg, -180, 180)
    saturation = check_range("saturation", saturation, -1, 1)
    lightness = check_range("lightness", lightness, -1, 1)
    l_scale, l_offset = _lightness_map(lightness)
    if _is_gray(image):
        if lightness == 0:
            return image.copy()
        return _gain_offset(image, (l_scale,), after=(l_offset,))
    shift = (hue / 60.0) % 6.0
    if shift == 0.0 and saturation == 0.0 and lightness == 0.0:
        return image.copy()
    f32 = np.float32
    sat_gain = f32(1.0 + saturation)
    # 2L' = (M + m) * l_scale + 2 * l_offset
    l_scale, two_l_offset = f32(l_scale), f32(2.0 * l_offset)
    change_sl = saturation != 0.0 or lightness != 0.0

    def clip_rgb(dst):
        # rounding can put a value an ulp outside [0, 1]
        rgb = dst[..., :3] if dst.shape[2] == 4 else dst
        np.clip(rgb, 0.0, 1.0, out=rgb)

    def kernel(src, dst):
        shape = src.shape[:2]
        planes = np.empty((3,) + shape, np.float32)
        np.copyto(planes, np.moveaxis(src[..., :3], -1, 0))
        r, g, b = planes
        big = np.maximum(r, g)
        np.maximum(big, b, out=big)
        small = np.minimum(r, g)
        np.minimum(small, b, out=small)
        chroma = big - small
        tmp = np.empty(shape, np.float32)
        if change_sl:
            # S = C / min(M + m, 2 - M - m); C' = S' * min(2L', 2 - 2L')
            total = big + small
            np.subtract(f32(2.0), total, out=tmp)
            np.minimum(tmp, total, out=tmp)
            tmp += _TINY
            sat = np.divide(chroma, tmp)
            sat *= sat_gain
            np.clip(sat, 0.0, 1.0, out=sat)
            two_l = total
            two_l *= l_scale
            if two_l_offset:
                two_l += two_l_offset
            np.subtract(f32(2.0), two_l, out=tmp)
            np.minimum(tmp, two_l, out=tmp)
            new_chroma = np.multiply(sat, tmp, out=sat)
            # m' = L' - C'/2 = (2L' - C') / 2
            new_small = two_l
            new_small -= new_chroma
            new_small *= f32(0.5)
        else:
            new_chroma, new_small = chroma, small
        if shift == 0.0:
            # Hue kept: each channel keeps its place between min and max.
            ratio = chroma
            ratio += _TINY
            np.divide(new_chroma, ratio, out=ratio)
            for c in range(3):
                np.subtract(planes[c], small, out=tmp)
                tmp *= ratio
                np.add(tmp, new_small, out=dst[..., c])
            clip_rgb(dst)
            return
        # Hexagonal hue in sixths: R max -> (G - B)/C, G max -> 2 + (B - R)/C,
        # B max -> 4 + (R - G)/C, selected without branches by 0/1 masks.
        is_r = np.equal(r, big, out=np.empty(shape, np.float32))
        is_g = np.equal(g, big, out=np.empty(shape, np.float32))
        np.subtract(f32(1.0), is_r, out=tmp)
        is_g *= tmp  # G is max and R is not
        hue6 = np.subtract(r, g)  # the B-max numerator, corrected below
        np.add(b, g, out=tmp)
        tmp -= r
        tmp -= r  # (B - R) - (R - G)
        tmp *= is_g
        hue6 += tmp
        np.subtract(g, b, out=tmp)
        tmp += g
        tmp -= r  # (G - B) - (R - G)
        tmp *= is_r
        hue6 += tmp
        chroma += _TINY
        hue6 /= chroma
        # offset 4 - 2 is_g - 4 is_r, plus the rotation, reduced to [-1, 6)
        is_g *= f32(-2.0)
        is_r *= f32(-4.0)
        hue6 += is_g
        hue6 += is_r
        hue6 += f32(4.0 + shift)
        wrap = np.greater_equal(hue6, f32(6.0), out=is_g)
        wrap *= f32(-6.0)
        hue6 += wrap
        for c in range(3):
            # trapezoid profile clip(||H' - 2c| - 3| - 1, 0, 1); for red,
            # with H' in [-1, 6), the inner absolute value is not needed
            if c == 0:
                np.subtract(hue6, f32(3.0), out=tmp)
            else:
                np.subtract(hue6, f32(2 * c), out=tmp)
                np.abs(tmp, out=tmp)
                tmp -= f32(3.0)
            np.abs(tmp, out=tmp)
            tmp -= f32(1.0)
            np.clip(tmp, 0.0, 1.0, out=tmp)
            tmp *= new_chroma
            np.add(tmp, new_small, out=dst[..., c])
        clip_rgb(dst)

    return _map_bands(image, kernel, band_elements=_HSL_BAND)


# ---------------------------------------------------------------------------
# White balance
# ---------------------------------------------------------------------------

# Strength of the sliders: +-1 is half a stop on the channel it moves.
_BALANCE_STOPS = 0.5


def temperature_tint(image: np.ndarray, temperature: float = 0.0, tint: float = 0.0) -> np.ndarray:
    """Warm or cool the colours (temperature) and shift them to magenta or green (tint).

    Parameters
    ----------
    image : ndarray
        float32 RGB or RGBA image in [0, 1]; alpha is passed through. A gray
        ``(H, W)`` image has no colour balance to change: it is returned
        as a copy.
    temperature : float
        In [-1, 1]: positive warms (more red, less blue), negative cools.
    tint : float
        In [-1, 1]: positive towards magenta (less green), negative towards
        green.

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    Per-channel gains, as a camera's white balance multipliers:
    ``R *= 2 ** (k t)``, ``B *= 2 ** (-k t)``, ``G *= 2 ** (-k tint)`` with
    ``k = 0.5`` stop, then all three divided by the Rec. 709 luma of the
    gains so a neutral gray keeps its luma. Applied to the stored values
    (no linearisation), like the temperature sliders of most editors.

    Examples
    --------
    >>> gray = np.full((1, 1, 3), 0.5, np.float32)
    >>> warm = temperature_tint(gray, 1.0)[0, 0]
    >>> bool(warm[0] > warm[1] > warm[2])
    True
    >>> round(float(warm @ np.float32([0.2126, 0.7152, 0.0722])), 4)
    0.5
    """
    image = as_image(image)
    temperature = check_range("temperature", temperature, -1, 1)
    tint = check_range("tint", tint, -1, 1)
    if _is_gray(image) or (temperature == 0.0 and tint == 0.0):
        return image.copy()
    gains = np.array([2.0 ** (_BALANCE_STOPS * temperature), 2.0 ** (-_BALANCE_STOPS * tint),
                      2.0 ** (-_BALANCE_STOPS * temperature)])
    gains /= gains @ np.array(REC709_LUMA)
    return _gain_offset(image, gains)


def white_balance(image: np.ndarray, reference=(0.5, 0.5, 0.5)) -> np.ndarray:
    """Balance the colours so that ``reference`` becomes a neutral gray.

    Parameters
    ----------
    image : ndarray
        float32 RGB or RGBA image in [0, 1]; alpha is passed through. A gray
        ``(H, W)`` image is neutral already: it is returned as a copy.
    reference : (float, float, float)
        The colour, as the image has it, of something that should be gray
        (picked with the eyedropper: see :func:`sample_color`). Components in
        (0, 1]; an equal triple changes nothing.

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    Per-channel gains ``g_c = Y / r_c``, with ``Y`` the Rec. 709 luma of the
    reference ``r``: the reference becomes ``(Y, Y, Y)``, a gray of the same
    brightness, and every other colour is scaled like it (a von Kries
    adaptation on the stored values, as a camera's white balance
    multipliers). The gains are exact in float: a 16-bit image keeps its
    precision.

    Examples
    --------
    >>> img = np.array([[[0.6, 0.5, 0.4], [0.3, 0.25, 0.2]]], np.float32)
    >>> out = white_balance(img, (0.6, 0.5, 0.4))
    >>> [round(float(v), 4) for v in out[0, 0]], [round(float(v), 4) for v in out[0, 1]]
    ([0.514, 0.514, 0.514], [0.257, 0.257, 0.257])
    """
    image = as_image(image)
    try:
        ref = tuple(float(v) for v in reference)
    except (TypeError, ValueError):
        raise ValueError(f"reference must be an (r, g, b) colour, got {reference!r}") from None
    if len(ref) != 3 or not all(math.isfinite(v) and v <= 1.0 for v in ref):
        raise ValueError(f"reference must be an (r, g, b) colour in [0, 1], got {reference!r}")
    if min(ref) <= 0.0:
        raise ValueError(f"reference components must be > 0 to balance on (a channel with no light "
                         f"cannot be scaled to gray), got {ref}")
    if _is_gray(image) or ref[0] == ref[1] == ref[2]:
        return image.copy()
    luma = sum(w * v for w, v in zip(REC709_LUMA, ref))
    return _gain_offset(image, [luma / v for v in ref])


def sample_color(image: np.ndarray, point, radius_px: int = 2) -> tuple[float, ...]:
    """Mean colour of the pixels around ``point``: what an eyedropper reads.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1].
    point : (float, float)
        ``(x, y)`` in pixels from the top-left corner; the pixel containing
        it is the centre of the sample. It must be on the image.
    radius_px : int
        Half the side of the square sampled: ``2 * radius_px + 1`` pixels a
        side, cut at the image's edges. 0 reads one pixel.

    Returns
    -------
    tuple of float
        One mean per channel (gray: one value; RGBA: four), in float64
        averaged from the float32 values (no rounding to 8 bits).

    Examples
    --------
    >>> img = np.zeros((4, 4, 3), np.float32); img[0, 0] = (0.9, 0.6, 0.3)
    >>> [round(v, 3) for v in sample_color(img, (0.5, 0.5), 1)]
    [0.225, 0.15, 0.075]
    """
    image = as_image(image)
    try:
        x, y = (float(v) for v in point)
    except (TypeError, ValueError):
        raise ValueError(f"point must be a pair of numbers (x, y), got {point!r}") from None
    h, w = image.shape[:2]
    if not (0.0 <= x < w and 0.0 <= y < h):
        raise ValueError(f"point ({x:g}, {y:g}) is outside the {w} x {h} image")
    radius = int(check_range("radius_px", radius_px, 0))
    col, row = int(x), int(y)
    patch = image[max(0, row - radius):row + radius + 1, max(0, col - radius):col + radius + 1]
    means = patch.reshape(-1, 1 if image.ndim == 2 else image.shape[2]).mean(axis=0, dtype=np.float64)
    return tuple(float(v) for v in means)


# ---------------------------------------------------------------------------
# Colour normalization: statistics in one or two streaming passes
# ---------------------------------------------------------------------------


def _color_view(image: np.ndarray) -> np.ndarray:
    """The colour channels as ``(H, W, C)``: gray is one channel, RGBA drops alpha."""
    if image.ndim == 2:
        return image[..., None]
    return image[..., :3]


def _channel_moments(color: np.ndarray, center=None) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-channel float64 sums of ``color``, or of ``d = color - center`` and ``d^2``.

    One streaming pass. With ``center`` near the mean, ``var = E[d^2] - E[d]^2``
    loses nothing to cancellation (the shifted-data algorithm; Chan, Golub
    and LeVeque, Am. Stat. 37, 1983).
    """
    h, w, c = color.shape
    partial: dict[int, tuple] = {}
    center_row = None if center is None else np.tile(np.asarray(center, np.float32), w)

    def band(start, stop):
        block = color[start:stop].reshape(stop - start, -1)
        if center_row is None:
            # rows first (long contiguous loops), in float64 across bands
            partial[start] = (block.sum(axis=0, dtype=np.float64), None)
            return
        dev = block - center_row
        first = dev.sum(axis=0, dtype=np.float64)
        dev *= dev
        partial[start] = (first, dev.sum(axis=0, dtype=np.float64))

    _for_bands(band, h, w * c)
    # summed in a fixed order, so the result does not depend on thread timing
    order = sorted(partial)
    first = np.sum([partial[s][0] for s in order], axis=0).reshape(w, c).sum(axis=0)
    if center_row is None:
        return first, None
    second = np.sum([partial[s][1] for s in order], axis=0).reshape(w, c).sum(axis=0)
    return first, second


# Pixels sampled to bracket each percentile before the exact pass.
_SAMPLE_PIXELS = 1 << 16


def _sample_pixels(color: np.ndarray) -> np.ndarray:
    """About ``_SAMPLE_PIXELS`` pixels of ``color`` as ``(m, C)``, all of them if fewer.

    Rows and columns are picked at random (fixed seed, so results repeat)
    rather than on a regular grid, which a periodic pattern could alias.
    """
    h, w, c = color.shape
    if h * w <= _SAMPLE_PIXELS:
        return color.reshape(-1, c)
    side = math.sqrt(_SAMPLE_PIXELS / (h * w))
    rng = np.random.default_rng(0)
    rows = np.sort(rng.choice(h, size=max(1, min(h, round(h * side))), replace=False))
    cols = np.sort(rng.choice(w, size=max(1, min(w, round(w * side))), replace=False))
    return color[rows][:, cols].reshape(-1, c)


def channel_percentiles(image: np.ndarray, percents) -> np.ndarray:
    """Exact per-channel percentiles, as ``np.percentile`` with linear interpolation.

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image (alpha is not a colour channel and is
        left out).
    percents : sequence of float
        Percentiles in [0, 100].

    Returns
    -------
    ndarray
        float64 array of shape ``(len(percents), C)``: C is 1 for gray, else 3.

    Notes
    -----
    Selection by sampling instead of a sort (Floyd & Rivest, CACM 18, 1975):
    the order statistics of a sample of about 65536 pixels bracket each
    wanted rank within +-4 standard deviations of the sampling error; one
    streaming pass over the image then counts, per channel, the values below
    each bracket and gathers the few inside it, and a partition of those
    gives the exact order statistic. If a rank falls outside its bracket
    (very unlikely), that channel is partitioned whole. The result equals
    ``np.percentile(channel, percents)`` (the "linear" method, definition 7
    of Hyndman & Fan 1996).

    Examples
    --------
    >>> img = np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 11
    >>> (channel_percentiles(img, [0, 50, 100]) * 11).round(6).tolist()
    [[0.0, 1.0, 2.0], [4.5, 5.5, 6.5], [9.0, 10.0, 11.0]]
    """
    image = as_image(image)
    percents = [check_range("percent", p, 0, 100) for p in percents]
    color = _color_view(image)
    h, w, c = color.shape
    n = h * w
    # Each percentile interpolates between the order statistics low and high.
    plan = []
    for p in percents:
        pos = p / 100.0 * (n - 1)
        low = min(int(math.floor(pos)), n - 1)
        plan.append((low, min(low + 1, n - 1), pos - low))
    ranks = sorted({r for low, high, _ in plan for r in (low, high)})

    # Brackets from the sample: ordinals j_lo..j_hi of the sorted sample.
    sample = _sample_pixels(color)
    m = len(sample)
    ordinals = {}
    for r in ranks:
        q = r / (n - 1) if n > 1 else 0.0
        centre = q * (m - 1)
        margin = 4.0 * math.sqrt(m * q * (1.0 - q)) + 4.0
        j_lo, j_hi = math.floor(centre - margin), math.ceil(centre + margin)
        ordinals[r] = (j_lo if j_lo >= 0 else None, j_hi if j_hi < m else None)
    kth = sorted({j for pair in ordinals.values() for j in pair if j is not None})
    # intervals[ch]: merged [lo, hi] value ranges, each with the ranks it must hold
    intervals: list[list[list]] = []
    for ch in range(c):
        column = np.partition(sample[:, ch], kth) if kth else sample[:, ch]
        spans = sorted(
            (-np.inf if j_lo is None else float(column[j_lo]),
             np.inf if j_hi is None else float(column[j_hi]), r)
            for r, (j_lo, j_hi) in ordinals.items()
        )
        merged: list[list] = []
        for lo, hi, r in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
                merged[-1][2].append(r)
            else:
                merged.append([lo, hi, [r]])
        intervals.append(merged)

    # One streaming pass: per layer (k-th interval of every channel), count
    # the values below it and gather the values inside it.
    layers = max(len(iv) for iv in intervals)
    f32 = np.float32
    lo_rows, hi_rows = [], []
    for k in range(layers):
        lo = [iv[k][0] if k < len(iv) else -np.inf for iv in intervals]
        hi = [iv[k][1] if k < len(iv) else -np.inf for iv in intervals]
        lo_rows.append(np.tile(np.array(lo, f32), w))
        hi_rows.append(np.tile(np.array(hi, f32), w))
    results: dict[int, list] = {}

    def band(start, stop):
        flat = color[start:stop].reshape(stop - start, -1)
        found = []
        for k in range(layers):
            below = np.less(flat, lo_rows[k])
            # per-column counts: uint8 sums of up to 255 rows, then widened
            counts = np.zeros(flat.shape[1], np.int64)
            as_bytes = below.view(np.uint8)
            for row in range(0, len(as_bytes), 255):
                counts += np.add.reduce(as_bytes[row:row + 255], axis=0, dtype=np.uint8)
            inside = np.less_equal(flat, hi_rows[k])
            inside ^= below  # lo <= x <= hi, as below implies inside
            index = np.flatnonzero(inside)
            found.append((counts, flat.ravel()[index], index % c))
        results[start] = found

    _for_bands(band, h, w * c)
    order = sorted(results)
    gathered = []  # per layer: (count below per channel, values per channel)
    for k in range(layers):
        counts = np.sum([results[s][k][0] for s in order], axis=0).reshape(w, c).sum(axis=0)
        values = np.concatenate([results[s][k][1] for s in order])
        channels = np.concatenate([results[s][k][2] for s in order])
        gathered.append((counts, [values[channels == ch] for ch in range(c)]))

    def exact(ch: int, r: int) -> float:
        for k, (_lo, _hi, held) in enumerate(intervals[ch]):
            if r in held:
                below = int(gathered[k][0][ch])
                inside = gathered[k][1][ch]
                if below <= r < below + len(inside):
                    return float(np.partition(inside, r - below)[r - below])
                break
        # The sample misled us (an adversarial image): partition the channel.
        return float(np.partition(color[..., ch].ravel(), r)[r])

    result = np.empty((len(percents), c))
    for ch in range(c):
        values = {r: exact(ch, r) for r in ranks}
        for i, (low, high, frac) in enumerate(plan):
            result[i, ch] = values[low] + frac * (values[high] - values[low])
    return result


_NORMALIZE_METHODS = ("gray_world", "white_patch", "contrast_stretch", "standardize")


def normalize_color(image: np.ndarray, method: str = "gray_world", percent_low: float = 1.0,
                    percent_high: float = 99.0) -> np.ndarray:
    """Normalize each colour channel from its own statistics (auto white balance / contrast).

    Parameters
    ----------
    image : ndarray
        float32 gray, RGB or RGBA image in [0, 1]. Alpha is passed through and
        is not counted in the statistics. A gray image is one channel and
        gets the same per-channel formula.
    method : {"gray_world", "white_patch", "contrast_stretch", "standardize"}
        - ``"gray_world"``: scale each channel so its mean equals the mean of
          the channel means (the scene is assumed gray on average; Buchsbaum,
          J. Franklin Inst. 310, 1980). Gray images are unchanged.
        - ``"white_patch"``: scale each channel so its ``percent_high``
          percentile becomes 1 (Land's white patch / max-RGB; 100 uses the
          maximum, a lower value ignores specular highlights and noise).
        - ``"contrast_stretch"``: map each channel's ``percent_low``
          percentile to 0 and ``percent_high`` percentile to 1, clipping
          beyond (auto levels).
        - ``"standardize"``: ``z = (x - mean_c) / std_c`` per channel (zero
          mean, unit variance, the normalization done before training a
          model), shown as ``clip(0.5 + z / 6, 0, 1)``: the mean becomes
          mid-gray and +-3 standard deviations span [0, 1].
    percent_low : float
        Lower percentile in [0, 100], used by ``contrast_stretch``.
    percent_high : float
        Upper percentile in [0, 100], used by ``white_patch`` and
        ``contrast_stretch``; must exceed ``percent_low`` for the latter.

    Returns
    -------
    ndarray
        float32 image of the same shape in [0, 1].

    Notes
    -----
    Each method ends as ``clip((x - s_c) * a_c + t_c, 0, 1)``. Degenerate channels
    are left as they are: a channel of mean 0 (gray world), percentile 0
    (white patch) or equal low and high percentiles (stretch); a constant
    channel standardizes to 0.5. Percentiles are exact
    (:func:`channel_percentiles`), equal to ``np.percentile``'s.

    Examples
    --------
    >>> img = np.array([[[0.2, 0.4, 0.6], [0.4, 0.8, 1.0]]], np.float32)
    >>> normalize_color(img, "gray_world").astype(float).round(3).tolist()
    [[[0.378, 0.378, 0.425], [0.756, 0.756, 0.708]]]
    >>> normalize_color(img, "contrast_stretch", 0, 100).tolist()
    [[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]
    """
    image = as_image(image)
    if method not in _NORMALIZE_METHODS:
        raise ValueError(f"method must be one of {', '.join(_NORMALIZE_METHODS)}; got {method!r}")
    percent_low = check_range("percent_low", percent_low, 0, 100)
    percent_high = check_range("percent_high", percent_high, 0, 100)
    if method == "contrast_stretch" and percent_low >= percent_high:
        raise ValueError(
            f"percent_low must be < percent_high, got percent_low={percent_low!r}, percent_high={percent_high!r}"
        )
    color = _color_view(image)
    c = color.shape[2]
    n = color.shape[0] * color.shape[1]
    gains = np.ones(c)
    if method in ("gray_world", "standardize"):
        if method == "gray_world":
            mean = _channel_moments(color)[0] / n
            ok = mean > 0
            gains[ok] = mean.mean() / mean[ok]
            return _gain_offset(image, gains)
        center = _sample_pixels(color).mean(axis=0, dtype=np.float64).astype(np.float32)
        first, second = _channel_moments(color, center)
        mean = center + first / n
        std = np.sqrt(np.maximum(second / n - (first / n) ** 2, 0.0))
        ok = std > 0
        gains[ok] = 1.0 / (6.0 * std[ok])
        gains[~ok] = 0.0
        return _gain_offset(image, gains, before=-mean, after=np.full(c, 0.5))
    if method == "white_patch":
        white = channel_percentiles(image, [percent_high])[0]
        ok = white > 0
        gains[ok] = 1.0 / white[ok]
        return _gain_offset(image, gains)
    low, high = channel_percentiles(image, [percent_low, percent_high])
    ok = high > low
    gains[ok] = 1.0 / (high[ok] - low[ok])
    return _gain_offset(image, gains, before=np.where(ok, -low, 0.0))


# ---------------------------------------------------------------------------
# Channel mixer
# ---------------------------------------------------------------------------


def channel_mixer(image: np.ndarray,
                  r_from_r: float = 1.0, r_from_g: float = 0.0, r_from_b: float = 0.0,
                  g_from_r: float = 0.0, g_from_g: float = 1.0, g_from_b: float = 0.0,
                  b_from_r: float = 0.0, b_from_g: float = 0.0, b_from_b: float = 1.0) -> np.ndarray:
    """Make each output channel a weighted sum of the input channels.

    Parameters
    ----------
    image : ndarray
        float32 RGB or RGBA image in [0, 1]; alpha is passed through. A gray
        ``(H, W)`` image has only one channel to mix from: it is refused
        with a ``ValueError``.
    r_from_r, r_from_g, r_from_b : float
        Weights of R, G and B in the output red, each in [-2, 2].
    g_from_r, g_from_g, g_from_b : float
        Weights in the output green.
    b_from_r, b_from_g, b_from_b : float
        Weights in the output blue. The identity matrix (the defaults)
        leaves the image unchanged.

    Returns
    -------
    ndarray
        float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    ``out = clip(M @ [R, G, B], 0, 1)`` per pixel with
    ``M = [[r_from_r, r_from_g, r_from_b], [g_from_r, ...], [b_from_r, ...]]``
    (GIMP's and Photoshop's Channel Mixer without its normalization option;
    rows summing to 1 keep a neutral gray neutral).

    Examples
    --------
    >>> img = np.array([[[0.2, 0.4, 0.6]]], np.float32)
    >>> channel_mixer(img, 0, 0, 1, 0, 1, 0, 1, 0, 0).tolist()  # swap red and blue
    [[[0.6000000238418579, 0.4000000059604645, 0.20000000298023224]]]
    """
    image = as_image(image)
    names = ("r_from_r", "r_from_g", "r_from_b", "g_from_r", "g_from_g", "g_from_b",
             "b_from_r", "b_from_g", "b_from_b")
    values = (r_from_r, r_from_g, r_from_b, g_from_r, g_from_g, g_from_b, b_from_r, b_from_g, b_from_b)
    matrix = np.array([check_range(n, v, -2, 2) for n, v in zip(names, values)]).reshape(3, 3)
    if _is_gray(image):
        raise ValueError(
            f"channel_mixer needs an RGB or RGBA image, got a gray image of shape {image.shape}"
        )
    if np.array_equal(matrix, np.eye(3)):
        return image.copy()
    weights = matrix.astype(np.float32)

    def kernel(src, dst):
        planes = np.empty((3,) + src.shape[:2], np.float32)
        np.copyto(planes, np.moveaxis(src[..., :3], -1, 0))
        acc = np.empty(src.shape[:2], np.float32)
        tmp = np.empty_like(acc)
        for row in range(3):
            np.multiply(planes[0], weights[row, 0], out=acc)
            for col in (1, 2):
                if weights[row, col]:
                    np.multiply(planes[col], weights[row, col], out=tmp)
                    acc += tmp
            np.clip(acc, 0.0, 1.0, out=dst[..., row])

    return _map_bands(image, kernel)
