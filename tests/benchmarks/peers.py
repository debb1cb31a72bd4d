"""Peer implementations of our operations, keyed by benchmark case.

Each peer is a *maker*: ``make(inputs, params) -> thunk``. The maker does the
untimed preparation (PIL conversion, structuring elements, kernels, LUTs) and
returns a zero-argument callable that does the work being timed and returns
its result. ``params`` are the same values our operation gets in the case, so
a peer computes the same thing with the same conventions:

* sigma in pixels, kernels truncated at 4 sigma (scipy's ``truncate=4``);
* a "radius" r is a square window of side 2r+1;
* borders reflect with the edge pixel repeated wherever the peer allows it:
  scipy ``mode="reflect"`` = OpenCV ``BORDER_REFLECT`` = NumPy ``"symmetric"``.

Where a peer only takes uint8 it gets the uint8 version of the same picture
(``dtype="u8"``) and the table marks the cell. A ``note`` says where the work is
not quite the same (a composite of calls, a gray-only algorithm, another
border rule). ``estimate=True`` marks peers too slow for 12 MP: they are timed
on a crop and scaled by the pixel ratio, and the cell is marked.

Libraries are imported lazily so a missing one only drops its peers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

__all__ = ["Peer", "PEERS", "LIBRARIES", "Inputs", "make_inputs"]

LIBRARIES = ("scipy", "skimage", "cv2", "pillow")


@dataclass
class Inputs:
    """The same picture in every form a peer or our operation needs."""

    rgb: np.ndarray  # float32 (H, W, 3) in [0, 1]
    rgb_u8: np.ndarray  # uint8 (H, W, 3)
    gray: np.ndarray  # float32 (H, W), Rec. 709 luma of rgb
    gray_u8: np.ndarray
    mask: np.ndarray  # bool (H, W): blobs with holes, from a threshold of gray
    binary: np.ndarray  # the mask as a float32 0/1 image

    def crop(self, h: int, w: int) -> "Inputs":
        """The top-left ``h x w`` corner of every form (a fresh, contiguous copy)."""
        return Inputs(*(np.ascontiguousarray(a[:h, :w]) for a in (
            self.rgb, self.rgb_u8, self.gray, self.gray_u8, self.mask, self.binary)))

    @property
    def shape(self) -> tuple[int, int]:
        return self.gray.shape

    def pil(self, which: str):
        """A Pillow image of ``rgb_u8``, ``gray_u8`` or ``mask`` (made once, cached)."""
        cache = self.__dict__.setdefault("_pil", {})
        if which not in cache:
            from PIL import Image

            array = {"rgb": self.rgb_u8, "gray": self.gray_u8, "mask": self.mask.astype(np.uint8) * 255}[which]
            cache[which] = Image.fromarray(array)
        return cache[which]


def make_inputs(rgb_u8: np.ndarray) -> Inputs:
    """All forms from one uint8 RGB picture (float32 = uint8 / 255)."""
    rgb = rgb_u8.astype(np.float32) / np.float32(255)
    gray = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    np.clip(gray, 0, 1, out=gray)
    gray_u8 = np.round(gray * 255).astype(np.uint8)
    # Dark wood grain and shadows on a brighter cup and saucer: many blobs,
    # some with holes, a few large regions; a realistic binary test image.
    mask = gray < 0.3
    return Inputs(rgb, rgb_u8, gray, gray_u8, mask, mask.astype(np.float32))


@dataclass(frozen=True)
class Peer:
    library: str  # one of LIBRARIES
    make: Callable[[Inputs, dict], Callable[[], Any]]
    dtype: str = "f32"  # "f32" or "u8": the data the peer runs on
    note: str = ""
    estimate: bool = False  # timed on a crop, scaled by pixel count


PEERS: dict[str, list[Peer]] = {}


def peer(case: str, library: str, dtype: str = "f32", note: str = "", estimate: bool = False):
    """Register the decorated maker as a peer of ``case``."""

    def register(make):
        PEERS.setdefault(case, []).append(Peer(library, make, dtype, note, estimate))
        return make

    return register


# -- small helpers (untimed unless called inside a thunk) ----------------------------
def _cv2():
    import cv2

    return cv2


def _ndi():
    from scipy import ndimage

    return ndimage


def _ksize(sigma: float, truncate: float = 4.0) -> int:
    """Odd kernel side for a Gaussian truncated like scipy: 2 * int(t * s + 0.5) + 1."""
    return 2 * int(truncate * sigma + 0.5) + 1


def _cv_clip01(x):
    """Clip a float32 array to [0, 1] in place with OpenCV (two threshold passes)."""
    cv2 = _cv2()
    cv2.threshold(x, 1.0, 1.0, cv2.THRESH_TRUNC, dst=x)
    cv2.threshold(x, 0.0, 0.0, cv2.THRESH_TOZERO, dst=x)
    return x


def _lut_u8(curve: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """A 256-entry uint8 LUT sampling ``curve`` on [0, 1]."""
    x = np.arange(256, dtype=np.float64) / 255.0
    return np.clip(np.round(np.asarray(curve(x), np.float64) * 255.0), 0, 255).astype(np.uint8)


def _pillow_lut(inputs: Inputs, curve, which: str = "rgb"):
    image = inputs.pil(which)
    bands = len(image.getbands())
    lut = list(_lut_u8(curve)) * bands
    return lambda: image.point(lut)


def _cv_lut(inputs: Inputs, curve, which: str = "rgb"):
    cv2 = _cv2()
    data = inputs.rgb_u8 if which == "rgb" else inputs.gray_u8
    lut = _lut_u8(curve)
    return lambda: cv2.LUT(data, lut)


def _square(radius: int) -> np.ndarray:
    return np.ones((2 * radius + 1,) * 2, bool)


def footprint(shape: str, radius: int) -> np.ndarray:
    """Structuring element as our morphology defines it (square, disk, cross, diamond)."""
    r = int(radius)
    y, x = np.mgrid[-r : r + 1, -r : r + 1]
    if shape == "square":
        return np.ones_like(x, bool)
    if shape == "disk":
        return x * x + y * y <= r * r
    if shape == "cross":
        return (x == 0) | (y == 0)
    if shape == "diamond":
        return np.abs(x) + np.abs(y) <= r
    raise ValueError(f"unknown structuring element {shape!r}")


# -- filters ---------------------------------------------------------------------
@peer("filter.gaussian_blur", "scipy")
def _(i, p):
    ndi, s = _ndi(), p["sigma"]
    return lambda: ndi.gaussian_filter(i.rgb, sigma=(s, s, 0), mode="reflect", truncate=4.0)


@peer("filter.gaussian_blur", "skimage")
def _(i, p):
    from skimage.filters import gaussian

    return lambda: gaussian(i.rgb, sigma=p["sigma"], mode="reflect", truncate=4.0, channel_axis=2, preserve_range=True)


@peer("filter.gaussian_blur", "cv2")
def _(i, p):
    cv2, k = _cv2(), _ksize(p["sigma"])
    return lambda: cv2.GaussianBlur(i.rgb, (k, k), p["sigma"], borderType=cv2.BORDER_REFLECT)


@peer("filter.gaussian_blur", "pillow", "u8", note="extended-box approximation")
def _(i, p):
    from PIL import ImageFilter

    image, f = i.pil("rgb"), ImageFilter.GaussianBlur(p["sigma"])
    return lambda: image.filter(f)


@peer("filter.box_blur", "scipy")
def _(i, p):
    ndi, k = _ndi(), 2 * p["radius"] + 1
    return lambda: ndi.uniform_filter(i.rgb, size=(k, k, 1), mode="reflect")


@peer("filter.box_blur", "cv2")
def _(i, p):
    cv2, k = _cv2(), 2 * p["radius"] + 1
    return lambda: cv2.blur(i.rgb, (k, k), borderType=cv2.BORDER_REFLECT)


@peer("filter.box_blur", "pillow", "u8")
def _(i, p):
    from PIL import ImageFilter

    image, f = i.pil("rgb"), ImageFilter.BoxBlur(p["radius"])
    return lambda: image.filter(f)


@peer("filter.median_filter", "scipy")
def _(i, p):
    ndi, k = _ndi(), 2 * p["radius"] + 1
    return lambda: ndi.median_filter(i.rgb, size=(k, k, 1), mode="reflect")


@peer("filter.median_filter", "skimage", "u8", note="rank.median, per channel: the same pixels and channels, 1 byte each")
def _(i, p):
    from skimage.filters.rank import median

    fp = _square(p["radius"]).astype(np.uint8)
    return lambda: np.stack([median(i.rgb_u8[..., c], footprint=fp) for c in range(3)], axis=-1)


@peer("filter.median_filter", "cv2", note="BORDER_REPLICATE; float32 only up to 5x5, else uint8")
def _(i, p):
    cv2, k = _cv2(), 2 * p["radius"] + 1
    return lambda: cv2.medianBlur(i.rgb, k)


@peer("filter.median_filter", "pillow", "u8")
def _(i, p):
    from PIL import ImageFilter

    image, f = i.pil("rgb"), ImageFilter.MedianFilter(2 * p["radius"] + 1)
    return lambda: image.filter(f)


def _unsharp_numpy(image, blurred, amount, threshold):
    diff = image - blurred
    if threshold > 0:
        diff[np.abs(diff) < threshold] = 0
    out = image + amount * diff
    return np.clip(out, 0, 1, out=out)


@peer("filter.unsharp_mask", "scipy", note="gaussian_filter + NumPy")
def _(i, p):
    ndi, s = _ndi(), p["radius"]
    return lambda: _unsharp_numpy(i.rgb, ndi.gaussian_filter(i.rgb, (s, s, 0), mode="reflect"), p["amount"], p.get("threshold", 0))


@peer("filter.unsharp_mask", "skimage", note="no threshold")
def _(i, p):
    # channel_axis=2, not -1: skimage 0.26 slices rows for a negative axis here.
    from skimage.filters import unsharp_mask

    return lambda: unsharp_mask(i.rgb, radius=p["radius"], amount=p["amount"], channel_axis=2, preserve_range=True)


@peer("filter.unsharp_mask", "cv2", note="GaussianBlur + addWeighted")
def _(i, p):
    cv2, s, a = _cv2(), p["radius"], p["amount"]
    k = _ksize(s)

    def run():
        blurred = cv2.GaussianBlur(i.rgb, (k, k), s, borderType=cv2.BORDER_REFLECT)
        return _cv_clip01(cv2.addWeighted(i.rgb, 1 + a, blurred, -a, 0))

    return run


@peer("filter.unsharp_mask", "pillow", "u8")
def _(i, p):
    from PIL import ImageFilter

    threshold = int(round(p.get("threshold", 0) * 255))
    image, f = i.pil("rgb"), ImageFilter.UnsharpMask(p["radius"], int(round(p["amount"] * 100)), threshold)
    return lambda: image.filter(f)


@peer("filter.bilateral_filter", "cv2", note="window 2*ceil(2*sigma_spatial)+1, colour distance over RGB")
def _(i, p):
    cv2 = _cv2()
    d = 2 * math.ceil(2 * p["sigma_spatial"]) + 1
    return lambda: cv2.bilateralFilter(i.rgb, d, p["sigma_range"], p["sigma_spatial"], borderType=cv2.BORDER_REFLECT)


@peer("filter.bilateral_filter", "skimage", estimate=True, note="denoise_bilateral, same window")
def _(i, p):
    from skimage.restoration import denoise_bilateral

    win = 2 * math.ceil(2 * p["sigma_spatial"]) + 1
    return lambda: denoise_bilateral(
        i.rgb, win_size=win, sigma_color=p["sigma_range"], sigma_spatial=p["sigma_spatial"], mode="reflect", channel_axis=2
    )


def _kernel(p) -> np.ndarray:
    k = np.array(p["kernel"], np.float32)
    if p.get("normalize") and abs(k.sum()) > 1e-12:
        k = k / k.sum()
    return k


@peer("filter.convolve", "scipy")
def _(i, p):
    ndi, k = _ndi(), _kernel(p)[::-1, ::-1, None]  # convolution = correlation with the flipped kernel
    return lambda: np.clip(ndi.correlate(i.rgb, k, mode="reflect"), 0, 1)


@peer("filter.convolve", "cv2")
def _(i, p):
    cv2, k = _cv2(), np.ascontiguousarray(_kernel(p)[::-1, ::-1])
    return lambda: _cv_clip01(cv2.filter2D(i.rgb, -1, k, borderType=cv2.BORDER_REFLECT))


@peer("filter.convolve", "pillow", "u8")
def _(i, p):
    from PIL import ImageFilter

    k = _kernel(p)[::-1, ::-1]
    image, f = i.pil("rgb"), ImageFilter.Kernel(k.shape, k.ravel().tolist(), scale=1)
    return lambda: image.filter(f)


# -- edges (on the gray image) -----------------------------------------------------
def _ndi_gradient(name):
    def make(i, p):
        ndi = _ndi()
        f = getattr(ndi, name)
        return lambda: np.hypot(f(i.gray, axis=1, mode="reflect"), f(i.gray, axis=0, mode="reflect"))

    return make


def _sk_edge(name):
    def make(i, p):
        import skimage.filters

        f = getattr(skimage.filters, name)
        return lambda: f(i.gray, mode="reflect")

    return make


peer("edges.sobel", "scipy")(_ndi_gradient("sobel"))
peer("edges.sobel", "skimage")(_sk_edge("sobel"))
peer("edges.prewitt", "scipy")(_ndi_gradient("prewitt"))
peer("edges.prewitt", "skimage")(_sk_edge("prewitt"))
peer("edges.scharr", "skimage")(_sk_edge("scharr"))


@peer("edges.sobel", "cv2")
def _(i, p):
    cv2 = _cv2()

    def run():
        gx = cv2.Sobel(i.gray, cv2.CV_32F, 1, 0, ksize=3, borderType=cv2.BORDER_REFLECT)
        gy = cv2.Sobel(i.gray, cv2.CV_32F, 0, 1, ksize=3, borderType=cv2.BORDER_REFLECT)
        return cv2.magnitude(gx, gy)

    return run


@peer("edges.scharr", "cv2")
def _(i, p):
    cv2 = _cv2()

    def run():
        gx = cv2.Scharr(i.gray, cv2.CV_32F, 1, 0, borderType=cv2.BORDER_REFLECT)
        gy = cv2.Scharr(i.gray, cv2.CV_32F, 0, 1, borderType=cv2.BORDER_REFLECT)
        return cv2.magnitude(gx, gy)

    return run


@peer("edges.prewitt", "cv2", note="two filter2D + magnitude")
def _(i, p):
    cv2 = _cv2()
    kx = np.array([[-1, 0, 1]] * 3, np.float32)
    ky = np.ascontiguousarray(kx.T)

    def run():
        gx = cv2.filter2D(i.gray, -1, kx, borderType=cv2.BORDER_REFLECT)
        gy = cv2.filter2D(i.gray, -1, ky, borderType=cv2.BORDER_REFLECT)
        return cv2.magnitude(gx, gy)

    return run


@peer("edges.laplacian", "scipy")
def _(i, p):
    ndi = _ndi()
    return lambda: ndi.laplace(i.gray, mode="reflect")


@peer("edges.laplacian", "skimage")
def _(i, p):
    from skimage.filters import laplace

    return lambda: laplace(i.gray, ksize=3)


@peer("edges.laplacian", "cv2")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.Laplacian(i.gray, cv2.CV_32F, ksize=1, borderType=cv2.BORDER_REFLECT)


@peer("edges.canny", "skimage")
def _(i, p):
    from skimage.feature import canny

    return lambda: canny(i.gray, sigma=p["sigma"], low_threshold=p["low"], high_threshold=p["high"], mode="reflect")


@peer("edges.canny", "cv2", "u8", note="GaussianBlur + Canny (L2 gradient)")
def _(i, p):
    cv2, s = _cv2(), p["sigma"]
    k = _ksize(s)
    # Sobel on 0..255 data: thresholds in those units.
    low, high = p["low"] * 255 * 4, p["high"] * 255 * 4

    def run():
        blurred = cv2.GaussianBlur(i.gray_u8, (k, k), s, borderType=cv2.BORDER_REFLECT)
        return cv2.Canny(blurred, low, high, L2gradient=True)

    return run


# -- tone (point operations on RGB) -----------------------------------------------------
def _bc_curve(p):
    k = min(math.tan((p["contrast"] + 1) * math.pi / 4), 1e4)
    return lambda x: np.clip((x - 0.5) * k + 0.5 + p["brightness"], 0, 1)


@peer("tone.brightness_contrast", "cv2", note="addWeighted + clip")
def _(i, p):
    cv2 = _cv2()
    k = min(math.tan((p["contrast"] + 1) * math.pi / 4), 1e4)
    return lambda: _cv_clip01(cv2.addWeighted(i.rgb, k, i.rgb, 0.0, 0.5 - 0.5 * k + p["brightness"]))


@peer("tone.brightness_contrast", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, _bc_curve(p))


@peer("tone.gamma", "skimage")
def _(i, p):
    from skimage.exposure import adjust_gamma

    return lambda: adjust_gamma(i.rgb, 1.0 / p["gamma"])


@peer("tone.gamma", "cv2")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.pow(i.rgb, 1.0 / p["gamma"])


@peer("tone.gamma", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, lambda x: x ** (1.0 / p["gamma"]))


def _levels_curve(p):
    return lambda x: np.clip((x - p["black"]) / (p["white"] - p["black"]), 0, 1) ** (1.0 / p["midtone_gamma"])


@peer("tone.levels", "skimage", note="rescale_intensity + adjust_gamma")
def _(i, p):
    from skimage.exposure import adjust_gamma, rescale_intensity

    return lambda: adjust_gamma(
        rescale_intensity(i.rgb, in_range=(p["black"], p["white"]), out_range=(0.0, 1.0)), 1.0 / p["midtone_gamma"]
    )


@peer("tone.levels", "cv2", note="addWeighted + clip + pow")
def _(i, p):
    cv2 = _cv2()
    scale = 1.0 / (p["white"] - p["black"])

    def run():
        x = _cv_clip01(cv2.addWeighted(i.rgb, scale, i.rgb, 0.0, -p["black"] * scale))
        return cv2.pow(x, 1.0 / p["midtone_gamma"], dst=x)

    return run


@peer("tone.levels", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, _levels_curve(p))


def _curve_of_points(points):
    xs, ys = zip(*points)
    return lambda x: np.interp(x, xs, ys)


@peer("tone.curves", "cv2", "u8", note="LUT")
def _(i, p):
    return _cv_lut(i, _curve_of_points(p["points"]))


@peer("tone.curves", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, _curve_of_points(p["points"]))


@peer("tone.exposure", "cv2", note="multiply + clip")
def _(i, p):
    cv2 = _cv2()
    gain = 2.0 ** p["stops"]
    return lambda: _cv_clip01(cv2.multiply(i.rgb, (gain, gain, gain, 0.0)))


@peer("tone.exposure", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, lambda x: np.clip(x * 2.0 ** p["stops"], 0, 1))


@peer("tone.invert", "skimage")
def _(i, p):
    from skimage.util import invert

    return lambda: invert(i.rgb)


@peer("tone.invert", "cv2", note="addWeighted")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.addWeighted(i.rgb, -1.0, i.rgb, 0.0, 1.0)


@peer("tone.invert", "pillow", "u8")
def _(i, p):
    from PIL import ImageOps

    image = i.pil("rgb")
    return lambda: ImageOps.invert(image)


@peer("tone.posterize", "cv2", "u8", note="LUT")
def _(i, p):
    n = p["levels"]
    return _cv_lut(i, lambda x: np.round(x * (n - 1)) / (n - 1))


@peer("tone.posterize", "pillow", "u8", note="point LUT")
def _(i, p):
    n = p["levels"]
    return _pillow_lut(i, lambda x: np.round(x * (n - 1)) / (n - 1))


@peer("tone.solarize", "cv2", "u8", note="LUT")
def _(i, p):
    t = p["threshold"]
    return _cv_lut(i, lambda x: np.where(x >= t, 1 - x, x))


@peer("tone.solarize", "pillow", "u8")
def _(i, p):
    from PIL import ImageOps

    image, t = i.pil("rgb"), int(round(p["threshold"] * 255))
    return lambda: ImageOps.solarize(image, t)


# -- colour --------------------------------------------------------------------------
@peer("color.grayscale", "skimage", note="rgb2gray then gray2rgb: the case keeps RGB, so the peer returns the same RGB image")
def _(i, p):
    # rgb2gray alone writes a third of what the case writes (it returns the
    # (H, W) gray image); gray2rgb gives the peer the same output as ours.
    from skimage.color import gray2rgb, rgb2gray

    return lambda: gray2rgb(rgb2gray(i.rgb))


@peer("color.grayscale", "cv2", note="Rec. 601 weights")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.cvtColor(i.rgb, cv2.COLOR_RGB2GRAY)


@peer("color.grayscale", "pillow", "u8", note="Rec. 601 weights")
def _(i, p):
    image = i.pil("rgb")
    return lambda: image.convert("L")


@peer("color.hue_saturation", "skimage", note="HSV round trip")
def _(i, p):
    from skimage.color import hsv2rgb, rgb2hsv

    def run():
        hsv = rgb2hsv(i.rgb)
        hsv[..., 0] = (hsv[..., 0] + p["hue_deg"] / 360.0) % 1.0
        hsv[..., 1] = np.clip(hsv[..., 1] * (1 + p["saturation"]), 0, 1)
        return hsv2rgb(hsv)

    return run


@peer("color.hue_saturation", "cv2", note="HLS round trip")
def _(i, p):
    cv2 = _cv2()

    def run():
        hls = cv2.cvtColor(i.rgb, cv2.COLOR_RGB2HLS)
        h, l, s = cv2.split(hls)
        h = cv2.add(h, p["hue_deg"])
        h[h >= 360] -= 360
        s = _cv_clip01(cv2.multiply(s, 1 + p["saturation"]))
        l = _cv_clip01(cv2.add(l, p["lightness"]))
        return cv2.cvtColor(cv2.merge((h, l, s)), cv2.COLOR_HLS2RGB)

    return run


@peer("color.hue_saturation", "pillow", "u8", note="HSV round trip, point LUTs")
def _(i, p):
    from PIL import Image

    image = i.pil("rgb")
    shift = int(round(p["hue_deg"] / 360 * 256))
    hue_lut = [(v + shift) % 256 for v in range(256)]
    sat_lut = list(_lut_u8(lambda x: np.clip(x * (1 + p["saturation"]), 0, 1)))

    def run():
        h, s, v = image.convert("HSV").split()
        return Image.merge("HSV", (h.point(hue_lut), s.point(sat_lut), v)).convert("RGB")

    return run


def _tt_gains(p):
    t, g = p["temperature"], p["tint"]
    return (1 + 0.5 * t, 1 - 0.5 * g, 1 - 0.5 * t)  # the usual shape; the cost does not depend on the exact gains


@peer("color.temperature_tint", "cv2", note="multiply + clip")
def _(i, p):
    cv2 = _cv2()
    gains = _tt_gains(p) + (0.0,)
    return lambda: _cv_clip01(cv2.multiply(i.rgb, gains))


@peer("color.temperature_tint", "pillow", "u8", note="point LUT per band")
def _(i, p):
    image = i.pil("rgb")
    lut = []
    for g in _tt_gains(p):
        lut += list(_lut_u8(lambda x, g=g: np.clip(x * g, 0, 1)))
    return lambda: image.point(lut)


def _mixer_matrix(p) -> np.ndarray:
    """Rows: output r, g, b; columns: input r, g, b (from ``r_from_g``-style parameters)."""
    return np.array([[p[f"{out}_from_{src}"] for src in "rgb"] for out in "rgb"], np.float32)


@peer("color.channel_mixer", "cv2", note="transform + clip")
def _(i, p):
    cv2, m = _cv2(), _mixer_matrix(p)
    return lambda: _cv_clip01(cv2.transform(i.rgb, m))


@peer("color.channel_mixer", "pillow", "u8", note="convert with a matrix")
def _(i, p):
    image, m = i.pil("rgb"), _mixer_matrix(p)
    matrix = tuple(float(v) for row in m for v in tuple(row) + (0.0,))
    return lambda: image.convert("RGB", matrix)


@peer("color.normalize_color[gray_world]", "cv2", note="mean + multiply + clip")
def _(i, p):
    cv2 = _cv2()

    def run():
        means = cv2.mean(i.rgb)[:3]
        target = sum(means) / 3
        return _cv_clip01(cv2.multiply(i.rgb, tuple(target / max(m, 1e-6) for m in means) + (0.0,)))

    return run


@peer("color.normalize_color[contrast_stretch]", "skimage", note="np.percentile + rescale_intensity per channel")
def _(i, p):
    from skimage.exposure import rescale_intensity

    def run():
        out = np.empty_like(i.rgb)
        for c in range(3):
            lo, hi = np.percentile(i.rgb[..., c], (p["percent_low"], p["percent_high"]))
            out[..., c] = rescale_intensity(i.rgb[..., c], in_range=(lo, hi), out_range=(0.0, 1.0))
        return out

    return run


@peer("color.normalize_color[contrast_stretch]", "pillow", "u8", note="ImageOps.autocontrast(cutoff)")
def _(i, p):
    from PIL import ImageOps

    image = i.pil("rgb")
    cutoff = (p["percent_low"], 100 - p["percent_high"])
    return lambda: ImageOps.autocontrast(image, cutoff=cutoff, preserve_tone=False)


@peer("color.normalize_color[standardize]", "cv2", note="meanStdDev + arithmetic")
def _(i, p):
    cv2 = _cv2()

    def run():
        mean, std = cv2.meanStdDev(i.rgb)
        scale = tuple(float(1 / (6 * max(s, 1e-6))) for s in std.ravel()) + (0.0,)  # +-3 sd span [0, 1]
        shifted = cv2.subtract(i.rgb, tuple(float(m) for m in mean.ravel()) + (0.0,))
        return _cv_clip01(cv2.add(cv2.multiply(shifted, scale), (0.5, 0.5, 0.5, 0.0)))

    return run


# -- histogram -------------------------------------------------------------------------
@peer("histogram.histogram", "skimage", note="per channel")
def _(i, p):
    from skimage.exposure import histogram

    return lambda: histogram(i.rgb, nbins=p["bins"], source_range="dtype", channel_axis=2)


@peer("histogram.histogram", "cv2")
def _(i, p):
    cv2, n = _cv2(), p["bins"]
    return lambda: [cv2.calcHist([i.rgb], [c], None, [n], [0.0, 1.0 + 1e-6]) for c in range(3)]


@peer("histogram.histogram", "pillow", "u8")
def _(i, p):
    image = i.pil("rgb")
    return lambda: image.histogram()


@peer("histogram.equalize", "skimage", note="one histogram over all channels")
def _(i, p):
    from skimage.exposure import equalize_hist

    return lambda: equalize_hist(i.rgb)


@peer("histogram.equalize", "cv2", "u8", note="equalizeHist on Y of YCrCb")
def _(i, p):
    cv2 = _cv2()

    def run():
        ycc = cv2.cvtColor(i.rgb_u8, cv2.COLOR_RGB2YCrCb)
        ycc[..., 0] = cv2.equalizeHist(np.ascontiguousarray(ycc[..., 0]))
        return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB)

    return run


@peer("histogram.equalize", "pillow", "u8", note="per channel")
def _(i, p):
    from PIL import ImageOps

    image = i.pil("rgb")
    return lambda: ImageOps.equalize(image)


def _tiles(p) -> int:
    t = p.get("tiles", 8)
    return int(t[0] if isinstance(t, (tuple, list)) else t)


@peer("histogram.clahe", "skimage", note="equalize_adapthist (V of HSV)")
def _(i, p):
    from skimage.exposure import equalize_adapthist

    h, w = i.shape
    n = _tiles(p)
    return lambda: equalize_adapthist(i.rgb, kernel_size=(h // n, w // n), clip_limit=0.01)


@peer("histogram.clahe", "cv2", "u8", note="CLAHE on L of Lab")
def _(i, p):
    cv2 = _cv2()
    n = _tiles(p)
    clahe = cv2.createCLAHE(clipLimit=p["clip_limit"], tileGridSize=(n, n))

    def run():
        lab = cv2.cvtColor(i.rgb_u8, cv2.COLOR_RGB2LAB)
        lab[..., 0] = clahe.apply(np.ascontiguousarray(lab[..., 0]))
        return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)

    return run


# -- thresholds (on the gray image) ---------------------------------------------------------
@peer("threshold.global", "cv2")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.threshold(i.gray, p["level"], 1.0, cv2.THRESH_BINARY)[1]


@peer("threshold.global", "pillow", "u8", note="point LUT")
def _(i, p):
    return _pillow_lut(i, lambda x: (x > p["level"]).astype(float), "gray")


@peer("threshold.otsu", "skimage")
def _(i, p):
    from skimage.filters import threshold_otsu

    return lambda: (i.gray > threshold_otsu(i.gray)).astype(np.float32)


@peer("threshold.otsu", "cv2", "u8")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.threshold(i.gray_u8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]


@peer("threshold.multi_otsu", "skimage")
def _(i, p):
    from skimage.filters import threshold_multiotsu

    return lambda: np.digitize(i.gray, threshold_multiotsu(i.gray, classes=p["classes"])).astype(np.float32) / (
        p["classes"] - 1
    )


@peer("threshold.triangle", "skimage")
def _(i, p):
    from skimage.filters import threshold_triangle

    return lambda: (i.gray > threshold_triangle(i.gray)).astype(np.float32)


@peer("threshold.triangle", "cv2", "u8")
def _(i, p):
    cv2 = _cv2()
    return lambda: cv2.threshold(i.gray_u8, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_TRIANGLE)[1]


def _adaptive_peers(case: str, method: str):
    @peer(case, "skimage", note="threshold_local")
    def _(i, p):
        from skimage.filters import threshold_local

        def run():
            local = threshold_local(i.gray, p["block_size"], method=method, offset=p["offset"], mode="reflect")
            return (i.gray > local).astype(np.float32)

        return run

    @peer(case, "cv2", "u8", note="adaptiveThreshold, BORDER_REPLICATE")
    def _(i, p):
        cv2 = _cv2()
        kind = cv2.ADAPTIVE_THRESH_MEAN_C if method == "mean" else cv2.ADAPTIVE_THRESH_GAUSSIAN_C
        return lambda: cv2.adaptiveThreshold(i.gray_u8, 255, kind, cv2.THRESH_BINARY, p["block_size"], p["offset"] * 255)


_adaptive_peers("threshold.adaptive", "mean")
_adaptive_peers("threshold.adaptive[gaussian]", "gaussian")


# -- morphology (RGB per channel; binary ops on the mask) ----------------------------------------
_MORPH = {
    # op: (scipy.ndimage function, skimage.morphology function, OpenCV op)
    "erode": ("grey_erosion", "erosion", "ERODE"),
    "dilate": ("grey_dilation", "dilation", "DILATE"),
    "opening": ("grey_opening", "opening", "MORPH_OPEN"),
    "closing": ("grey_closing", "closing", "MORPH_CLOSE"),
    "gradient": ("morphological_gradient", None, "MORPH_GRADIENT"),
    "top_hat": ("white_tophat", "white_tophat", "MORPH_TOPHAT"),
    "black_hat": ("black_tophat", "black_tophat", "MORPH_BLACKHAT"),
}


def _morph_peers(case: str, name: str):
    ndi_name, sk_name, cv_name = _MORPH[name]

    @peer(case, "scipy")
    def _(i, p):
        f = getattr(_ndi(), ndi_name)
        fp = footprint(p["shape"], p["radius"])
        if fp.all():  # a full rectangle: scipy's separable min/max path
            k = fp.shape[0]
            return lambda: f(i.rgb, size=(k, k, 1), mode="reflect")
        return lambda: f(i.rgb, footprint=fp[..., None], mode="reflect")

    if sk_name:

        @peer(case, "skimage")
        def _(i, p):
            import skimage.morphology

            f = getattr(skimage.morphology, sk_name)
            fp = footprint(p["shape"], p["radius"])[..., None]
            return lambda: f(i.rgb, footprint=fp)

    @peer(case, "cv2")
    def _(i, p):
        cv2 = _cv2()
        kernel = footprint(p["shape"], p["radius"]).astype(np.uint8)
        if cv_name == "ERODE":
            return lambda: cv2.erode(i.rgb, kernel, borderType=cv2.BORDER_REFLECT)
        if cv_name == "DILATE":
            return lambda: cv2.dilate(i.rgb, kernel, borderType=cv2.BORDER_REFLECT)
        op = getattr(cv2, cv_name)
        return lambda: cv2.morphologyEx(i.rgb, op, kernel, borderType=cv2.BORDER_REFLECT)

    if name in ("erode", "dilate"):

        @peer(case, "pillow", "u8", note="square only")
        def _(i, p):
            from PIL import ImageFilter

            if p["shape"] != "square":
                raise NotImplementedError("Pillow's min/max filters are square")
            image = i.pil("rgb")
            f = (ImageFilter.MinFilter if name == "erode" else ImageFilter.MaxFilter)(2 * p["radius"] + 1)
            return lambda: image.filter(f)


for _name in _MORPH:
    _morph_peers(f"morphology.{_name}", _name)
_morph_peers("morphology.erode[disk]", "erode")


@peer("morphology.fill_holes", "scipy")
def _(i, p):
    ndi = _ndi()
    return lambda: ndi.binary_fill_holes(i.mask)


@peer("morphology.fill_holes", "cv2", "u8", note="floodFill of the background from the border")
def _(i, p):
    cv2 = _cv2()
    h, w = i.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)

    def run():
        padded[1:-1, 1:-1] = i.mask
        flood = np.zeros((h + 4, w + 4), np.uint8)
        cv2.floodFill(padded, flood, (0, 0), 2)
        return padded[1:-1, 1:-1] != 2

    return run


@peer("morphology.remove_small_objects", "scipy", note="label + bincount")
def _(i, p):
    ndi = _ndi()

    def run():
        labels, _ = ndi.label(i.mask, structure=np.ones((3, 3)))
        sizes = np.bincount(labels.ravel())
        keep = sizes >= p["min_size"]
        keep[0] = False
        return keep[labels]

    return run


@peer("morphology.remove_small_objects", "skimage")
def _(i, p):
    from skimage.morphology import remove_small_objects

    return lambda: remove_small_objects(i.mask, max_size=p["min_size"] - 1, connectivity=2)


@peer("morphology.remove_small_objects", "cv2", "u8", note="connectedComponentsWithStats")
def _(i, p):
    cv2 = _cv2()
    data = i.mask.astype(np.uint8)

    def run():
        _, labels, stats, _ = cv2.connectedComponentsWithStats(data, connectivity=8)
        keep = stats[:, cv2.CC_STAT_AREA] >= p["min_size"]
        keep[0] = False
        return keep[labels]

    return run


@peer("morphology.skeletonize", "skimage")
def _(i, p):
    from skimage.morphology import skeletonize

    return lambda: skeletonize(i.mask)


# -- geometry ------------------------------------------------------------------------------------
@peer("geometry.flip", "cv2")
def _(i, p):
    cv2 = _cv2()
    code = 1 if p["direction"] == "horizontal" else 0
    return lambda: cv2.flip(i.rgb, code)


@peer("geometry.flip", "pillow", "u8")
def _(i, p):
    from PIL import Image

    image = i.pil("rgb")
    t = Image.Transpose.FLIP_LEFT_RIGHT if p["direction"] == "horizontal" else Image.Transpose.FLIP_TOP_BOTTOM
    return lambda: image.transpose(t)


@peer("geometry.rotate90", "cv2")
def _(i, p):
    cv2 = _cv2()
    code = {1: cv2.ROTATE_90_COUNTERCLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_CLOCKWISE}[p["k"] % 4]
    return lambda: cv2.rotate(i.rgb, code)


@peer("geometry.rotate90", "pillow", "u8")
def _(i, p):
    from PIL import Image

    image = i.pil("rgb")
    t = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}[p["k"] % 4]
    return lambda: image.transpose(t)


_ORDER = {"nearest": 0, "bilinear": 1, "bicubic": 3}


def _rotate_peers(case: str):
    @peer(case, "scipy", note="spline order 3 for bicubic")
    def _(i, p):
        ndi = _ndi()
        order = _ORDER[p["interpolation"]]
        return lambda: ndi.rotate(i.rgb, p["angle_deg"], axes=(1, 0), reshape=p["expand"], order=order, mode="constant")

    @peer(case, "skimage", note="spline order 3 for bicubic")
    def _(i, p):
        from skimage.transform import rotate

        order = _ORDER[p["interpolation"]]
        return lambda: rotate(i.rgb, p["angle_deg"], resize=p["expand"], order=order, preserve_range=True)

    @peer(case, "cv2")
    def _(i, p):
        cv2 = _cv2()
        h, w = i.shape
        m = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), p["angle_deg"], 1.0)
        flag = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC}[p["interpolation"]]
        return lambda: cv2.warpAffine(i.rgb, m, (w, h), flags=flag, borderMode=cv2.BORDER_CONSTANT)

    @peer(case, "pillow", "u8")
    def _(i, p):
        from PIL import Image

        image = i.pil("rgb")
        flag = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
                "bicubic": Image.Resampling.BICUBIC}[p["interpolation"]]
        return lambda: image.rotate(p["angle_deg"], flag, expand=p["expand"])


_rotate_peers("geometry.rotate")
_rotate_peers("geometry.rotate[bicubic]")


def _resize_peers(case: str, slow: bool = False):
    """``slow``: scipy's and scikit-image's spline upscaling take tens of seconds
    at 12 MP, so they are timed on a crop (marked ``est``)."""
    def size(i, p):
        h, w = i.shape
        return max(1, round(w * p["scale"])), max(1, round(h * p["scale"]))

    @peer(case, "skimage", note="anti_aliasing when shrinking", estimate=slow)
    def _(i, p):
        from skimage.transform import resize

        w, h = size(i, p)
        order = {"nearest": 0, "bilinear": 1, "bicubic": 3}.get(p["interpolation"], 1)
        return lambda: resize(i.rgb, (h, w), order=order, anti_aliasing=p["scale"] < 1, preserve_range=True)

    @peer(case, "cv2", note="INTER_AREA when shrinking")
    def _(i, p):
        cv2 = _cv2()
        w, h = size(i, p)
        if p["scale"] < 1:
            flag = cv2.INTER_AREA
        else:
            flag = {"nearest": cv2.INTER_NEAREST, "bilinear": cv2.INTER_LINEAR, "bicubic": cv2.INTER_CUBIC,
                    "lanczos": cv2.INTER_LANCZOS4}.get(p["interpolation"], cv2.INTER_LINEAR)
        return lambda: cv2.resize(i.rgb, (w, h), interpolation=flag)

    @peer(case, "pillow", note="mode F, per channel")
    def _(i, p):
        from PIL import Image

        w, h = size(i, p)
        flag = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
                "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
                "area": Image.Resampling.BOX}[p["interpolation"]]
        bands = [Image.fromarray(np.ascontiguousarray(i.rgb[..., c])) for c in range(3)]
        return lambda: np.stack([np.asarray(b.resize((w, h), flag)) for b in bands], axis=-1)

    @peer(case, "scipy", note="zoom, spline order; no antialiasing", estimate=slow)
    def _(i, p):
        if p["scale"] < 1:
            raise NotImplementedError("scipy.ndimage.zoom does not antialias: not the same work")
        ndi = _ndi()
        order = {"nearest": 0, "bilinear": 1, "bicubic": 3}.get(p["interpolation"], 1)
        return lambda: ndi.zoom(i.rgb, (p["scale"], p["scale"], 1), order=order)


_resize_peers("geometry.resize")
_resize_peers("geometry.resize[up]", slow=True)


@peer("geometry.translate", "scipy", note="shift, order 1")
def _(i, p):
    ndi = _ndi()
    return lambda: ndi.shift(i.rgb, (p["dy"], p["dx"], 0), order=1, mode="constant")


@peer("geometry.translate", "cv2", note="warpAffine, bilinear")
def _(i, p):
    cv2 = _cv2()
    h, w = i.shape
    m = np.float32([[1, 0, p["dx"]], [0, 1, p["dy"]]])
    return lambda: cv2.warpAffine(i.rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


@peer("geometry.crop", "pillow", "u8")
def _(i, p):
    image = i.pil("rgb")
    box = (int(p["x"]), int(p["y"]), int(p["x"] + p["width"]), int(p["y"] + p["height"]))
    return lambda: image.crop(box).load()


def _affine3(p) -> np.ndarray:
    """The case's 2x3 matrix as 3x3; it maps input (x, y) to output (x, y), as ours does."""
    m = np.eye(3)
    m[:2] = np.asarray(p["matrix"], float)
    return m


@peer("geometry.affine", "scipy", note="affine_transform, order 1")
def _(i, p):
    ndi = _ndi()
    inv = np.linalg.inv(_affine3(p))  # output -> input, in (x, y)
    # scipy works in (row, col, channel) coordinates.
    matrix = np.array([[inv[1, 1], inv[1, 0], 0, inv[1, 2]], [inv[0, 1], inv[0, 0], 0, inv[0, 2]],
                       [0, 0, 1, 0], [0, 0, 0, 1]])
    return lambda: ndi.affine_transform(i.rgb, matrix, order=1, mode="constant")


@peer("geometry.affine", "skimage", note="warp, order 1")
def _(i, p):
    from skimage.transform import AffineTransform, warp

    t = AffineTransform(matrix=np.linalg.inv(_affine3(p)))  # warp takes the output -> input map
    return lambda: warp(i.rgb, t, order=1, preserve_range=True)


@peer("geometry.affine", "cv2", note="warpAffine, bilinear")
def _(i, p):
    cv2 = _cv2()
    h, w = i.shape
    m = _affine3(p)[:2].astype(np.float32)
    return lambda: cv2.warpAffine(i.rgb, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


@peer("geometry.affine", "pillow", "u8")
def _(i, p):
    from PIL import Image

    image = i.pil("rgb")
    data = tuple(np.linalg.inv(_affine3(p))[:2].ravel())  # Pillow takes the output -> input map
    return lambda: image.transform(image.size, Image.Transform.AFFINE, data, Image.Resampling.BILINEAR)


def _quad_homography(i, p):
    """Homography mapping the output rectangle (the input's size) to the quad."""
    cv2 = _cv2()
    h, w = i.shape
    dst = np.float32(p["quad"])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    return cv2.getPerspectiveTransform(src, dst)  # output -> input


@peer("geometry.perspective", "cv2", note="warpPerspective, bilinear")
def _(i, p):
    cv2 = _cv2()
    h, w = i.shape
    m = _quad_homography(i, p)
    return lambda: cv2.warpPerspective(i.rgb, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)


@peer("geometry.perspective", "skimage", note="warp with ProjectiveTransform, order 1")
def _(i, p):
    from skimage.transform import ProjectiveTransform, warp

    t = ProjectiveTransform(matrix=_quad_homography(i, p))
    return lambda: warp(i.rgb, t, order=1, preserve_range=True)


@peer("geometry.perspective", "pillow", "u8")
def _(i, p):
    from PIL import Image

    image = i.pil("rgb")
    m = _quad_homography(i, p)
    m = m / m[2, 2]
    data = tuple(m.ravel()[:8])
    return lambda: image.transform(image.size, Image.Transform.PERSPECTIVE, data, Image.Resampling.BILINEAR)


# -- segmentation ------------------------------------------------------------------------------------
KMEANS_SAMPLE = 100_000  # pixels a k-means fit sees; all pixels are then assigned


def _sample(i, seed=0):
    flat = i.rgb.reshape(-1, 3)
    rng = np.random.default_rng(seed)
    return flat, flat[rng.choice(len(flat), size=min(KMEANS_SAMPLE, len(flat)), replace=False)]


@peer("segmentation.kmeans", "scipy", note="kmeans2 (k-means++) on a sample, vq on all pixels")
def _(i, p):
    from scipy.cluster.vq import kmeans2, vq

    flat, sample = _sample(i)

    def run():
        centers, _ = kmeans2(sample, p["k"], iter=p["iterations"], minit="++", seed=p["seed"])
        labels, _ = vq(flat, centers.astype(np.float32), check_finite=False)
        return centers.astype(np.float32)[labels].reshape(i.rgb.shape)

    return run


@peer("segmentation.kmeans", "cv2", note="kmeans (k-means++) on a sample, batchDistance on all pixels")
def _(i, p):
    cv2 = _cv2()
    flat, sample = _sample(i)
    sample = np.ascontiguousarray(sample)
    criteria = (cv2.TERM_CRITERIA_MAX_ITER, p["iterations"], 0)

    def run():
        cv2.setRNGSeed(p["seed"])
        _, _, centers = cv2.kmeans(sample, p["k"], None, criteria, 1, cv2.KMEANS_PP_CENTERS)
        _, labels = cv2.batchDistance(flat, centers, cv2.CV_32F, normType=cv2.NORM_L2SQR, K=1)
        return centers[labels.ravel()].reshape(i.rgb.shape)

    return run


@peer("segmentation.label_components", "scipy", note="labels only, no colouring")
def _(i, p):
    ndi = _ndi()
    structure = np.ones((3, 3)) if p["connectivity"] == 8 else None
    return lambda: ndi.label(i.mask, structure=structure)


@peer("segmentation.label_components", "skimage", note="labels only, no colouring")
def _(i, p):
    from skimage.measure import label

    return lambda: label(i.mask, connectivity=2 if p["connectivity"] == 8 else 1)


@peer("segmentation.label_components", "cv2", "u8", note="labels only, no colouring")
def _(i, p):
    cv2 = _cv2()
    data = i.mask.astype(np.uint8)
    return lambda: cv2.connectedComponents(data, connectivity=p["connectivity"], ltype=cv2.CV_32S)


@peer("segmentation.region_grow", "skimage", note="flood on the gray image")
def _(i, p):
    from skimage.segmentation import flood

    x, y = (int(v) for v in p["seed_xy"])
    conn = 2 if p.get("connectivity", 8) == 8 else 1
    return lambda: flood(i.gray, (y, x), tolerance=p["tolerance"], connectivity=conn)


@peer("segmentation.region_grow", "cv2", note="floodFill, fixed range, mask only")
def _(i, p):
    cv2 = _cv2()
    h, w = i.shape
    x, y = (int(v) for v in p["seed_xy"])
    t = p["tolerance"]
    conn = 8 if p.get("connectivity", 8) == 8 else 4
    flags = conn | cv2.FLOODFILL_FIXED_RANGE | cv2.FLOODFILL_MASK_ONLY | (1 << 8)

    def run():
        mask = np.zeros((h + 2, w + 2), np.uint8)
        cv2.floodFill(i.rgb, mask, (x, y), 0, (t, t, t), (t, t, t), flags)
        return mask[1:-1, 1:-1]

    return run


@peer("segmentation.slic", "skimage", note="slic (Lab) + mean colour per segment", estimate=True)
def _(i, p):
    from skimage.color import label2rgb
    from skimage.segmentation import slic

    def run():
        labels = slic(i.rgb, n_segments=p["n_segments"], compactness=p["compactness"], channel_axis=2, start_label=0)
        return label2rgb(labels, i.rgb, kind="avg", bg_label=-1)

    return run


@peer("segmentation.split_objects_labels", "skimage", note="distance transform, peak_local_max markers, watershed")
def _(i, p):
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    ndi = _ndi()

    def run():
        dist = ndi.distance_transform_edt(i.mask)
        peaks = peak_local_max(dist, min_distance=10, labels=i.mask)
        markers = np.zeros(dist.shape, np.int32)
        markers[tuple(peaks.T)] = np.arange(1, len(peaks) + 1)
        return watershed(-dist, markers, mask=i.mask)

    return run


@peer("segmentation.split_objects_labels", "cv2", "u8", note="distanceTransform, thresholded peaks as markers, watershed")
def _(i, p):
    cv2 = _cv2()
    data = i.mask.astype(np.uint8)

    def run():
        dist = cv2.distanceTransform(data, cv2.DIST_L2, 5)
        sure = (dist > 0.5 * dist.max()).astype(np.uint8)
        _, markers = cv2.connectedComponents(sure)
        markers = markers + 1
        markers[(data == 0)] = 1
        markers[(data == 1) & (sure == 0)] = 0
        return cv2.watershed(i.rgb_u8, markers)

    return run
