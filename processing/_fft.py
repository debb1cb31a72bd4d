"""FFT helpers for deconvolution: tiles with context, tapers, transfer functions.

Private to :mod:`processing.restoration`. A whole-image FFT of a 12 MP photo
takes about a second and cannot be interrupted, so large images are cut into
tiles of a fixed FFT size, each read with enough surrounding image (mirrored
at the image's edges) that what it keeps is right:

- a convolution with a PSF of radius ``r`` needs ``r`` pixels of context and
  is then exact (:func:`convolve_tiled`);
- a deconvolution filter reaches further; its tiles take a wider margin whose
  outer part is tapered to the tile's mean, so the FFT's wrap-around joins
  smooth values and does not ring into the kept centre (:func:`deconvolve_tiled`).

Tiles run on the package's pool; progress is reported after each.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._parallel import parallel_map
from ._progress import Progress
from ._scratch import scratch as _scratch
from ._tiles import reflect_block, reflect_index

__all__ = ["fast_length", "rfft2", "transfer", "scratch", "reflect_into", "taper", "conj_spectrum", "wiener_gain",
           "deconvolve_block", "convolve_tiled", "deconvolve_tiled"]

# FFT side aimed at per tile: 1024^2 float32 transforms take ~20-40 ms, so a
# cancel is heard quickly, and the margins stay a small share of the work.
_FFT_SIDE = 1024

# Largest work array kept per thread by scratch(): the blocks of one 1024 x
# 1024 tile and its filter (about 17 MB in all), so a big image does not pin more.
_SCRATCH_BYTES = 24 << 20


def fast_length(n: int) -> int:
    """Smallest ``2^a 3^b 5^c >= n``: lengths the FFT handles fastest.

    Examples
    --------
    >>> fast_length(1000), fast_length(1025)
    (1000, 1080)
    """
    best = 1 << max(0, (n - 1).bit_length())
    f5 = 1
    while f5 < best:
        f3 = f5
        while f3 < best:
            f2 = f3
            while f2 < n:
                f2 *= 2
            best = min(best, f2)
            f3 *= 3
        f5 *= 5
    return best


def rfft2(a: np.ndarray) -> np.ndarray:
    """``np.fft.rfft2(a)`` of a float32 2-D array, as complex64, computed
    through the inverse transforms: ``rfft2(a) = H W conj(ifft(ihfft(a)))``.

    NumPy's forward transforms of float32 data measured 5-10x slower than
    its inverse ones on the same sizes (NumPy 2.x); the identity gives the
    same spectrum (to float32 rounding) at the inverse transforms' speed.

    Examples
    --------
    >>> a = np.random.default_rng(0).random((6, 10)).astype(np.float32)
    >>> bool(np.allclose(rfft2(a), np.fft.rfft2(a), atol=1e-4))
    True
    """
    y = np.fft.ihfft(a, axis=1)
    y = np.fft.ifft(y, axis=0, out=y)
    np.conjugate(y, out=y)
    y *= np.float32(a.shape[0] * a.shape[1])
    return y


def transfer(psf: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Real-FFT transfer function of ``psf`` on a grid of ``shape``, its centre
    (``psf.shape // 2``) moved to the origin so filtering does not shift."""
    grid = np.zeros(shape, np.float32)
    kh, kw = psf.shape
    ch, cw = kh // 2, kw // 2
    # The PSF's four quadrants go to the grid's four corners (wrapping round,
    # and summed where a PSF larger than the grid folds onto itself).
    np.add.at(grid, ((np.arange(kh)[:, None] - ch) % shape[0], (np.arange(kw)[None, :] - cw) % shape[1]), psf)
    return rfft2(grid)


def scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """This thread's work array ``name`` (``processing._scratch``): fresh
    arrays of a megabyte or more cost more in page faults than the FFTs at
    these sizes (about 2 us a page here: 3 ms of faults in a 2 ms Wiener
    filter of a 512 x 512 image). Arrays over ``_SCRATCH_BYTES`` are not
    kept. Never hand one back to a caller: copy out of it."""
    return _scratch(("fft", name), shape, dtype, keep_bytes=_SCRATCH_BYTES)


def reflect_into(dst: np.ndarray, plane: np.ndarray, y0: int, x0: int) -> None:
    """Fill ``dst`` with ``plane`` from row ``y0`` and column ``x0`` on, the
    positions outside it mirrored (edge pixel repeated, as
    :func:`processing._tiles.reflect_block`, but into an existing array).

    Examples
    --------
    >>> dst = np.empty((1, 5))
    >>> reflect_into(dst, np.arange(3.0).reshape(1, 3), 0, -1); dst.tolist()
    [[0.0, 0.0, 1.0, 2.0, 2.0]]
    """
    fh, fw = dst.shape
    h, w = plane.shape
    ry = reflect_index(y0, y0 + fh, h)
    rx = reflect_index(x0, x0 + fw, w)
    # dst[top:bottom, left:right] is a plain slice of the plane; the rest is
    # mirrored, rows gathered by index (cheap: whole rows) and the outer
    # columns gathered from a narrow copy.
    top = min(max(-y0, 0), fh)
    bottom = min(max(h - y0, top), fh)
    left = min(max(-x0, 0), fw)
    right = min(max(w - x0, left), fw)
    if right > left:
        c0, c1 = x0 + left, x0 + right
        dst[top:bottom, left:right] = plane[y0 + top : y0 + bottom, c0:c1]
        if top > 0:
            dst[:top, left:right] = plane[ry[:top], c0:c1]
        if bottom < fh:
            dst[bottom:, left:right] = plane[ry[bottom:], c0:c1]
    for a, b in ((0, left), (right, fw)):
        if b > a:
            dst[:, a:b] = np.take(plane, rx[a:b], axis=1)[ry]


def taper(block: np.ndarray, width: int) -> None:
    """Blend the outer ``width`` pixels of ``block`` (in place) into its mean
    with a raised cosine, so opposite edges meet smoothly under wrap-around.

    Only the four edge strips are touched: rows first, then columns, so a
    corner gets both factors (``mean + (v - mean) wy wx``)."""
    if width <= 0:
        return
    mean = np.float32(block.mean())
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(width) + 0.5) / width)).astype(np.float32)
    h, w = block.shape
    ny, nx = min(width, h // 2), min(width, w // 2)
    for strip, weights in ((block[:ny], ramp[:ny, None]), (block[h - ny :], ramp[:ny][::-1, None]),
                           (block[:, :nx], ramp[None, :nx]), (block[:, w - nx :], ramp[None, :nx][:, ::-1])):
        strip -= mean
        strip *= weights
        strip += mean


def conj_spectrum(block: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``conj(rfft2(block)) / block.size`` into ``out`` (complex64, shape
    ``(H, W // 2 + 1)``) by NumPy's inverse transforms, the fast ones for
    float32 (see :func:`rfft2`): ``ifft(ihfft(block))``."""
    np.fft.ihfft(block, axis=1, out=out)
    return np.fft.ifft(out, axis=0, out=out)


def wiener_gain(psf: np.ndarray, shape: tuple[int, int], balance: float) -> np.ndarray:
    """Wiener filter for blocks of ``shape``, as used by :func:`deconvolve_block`.

    With ``H`` the PSF's transfer function (its centre at the origin), ``L``
    the 4-neighbour Laplacian's and ``N = H * W`` the block's size, the
    filter is ``conj(H) / (|H|^2 + balance |L|^2)``. Here it is returned
    for spectra as :func:`conj_spectrum` gives them (``S = conj(F) / N``):
    with ``S_h`` the PSF's, ``G = S_h / (|S_h|^2 + balance |L|^2 / N^2)``,
    and the deblurred block's spectrum is ``conj(S_y) G``, ``S_y`` the
    block's. complex64 ``(H, W // 2 + 1)``, in this thread's scratch memory
    (:func:`scratch`): valid until the thread's next call.
    """
    fh, fw = shape
    kh, kw = psf.shape
    ch, cw = kh // 2, kw // 2
    # The PSF's centre goes to the origin, its quadrants wrapping round to
    # the grid's corners (summed where a PSF wider than the grid folds onto
    # itself). Only its kh rows are non-zero: their row transforms are taken
    # alone, then the columns of the whole grid.
    rows = np.zeros((kh, fw), np.float32)
    np.add.at(rows, (slice(None), (np.arange(kw) - cw) % fw), psf)
    rows = np.fft.ihfft(rows, axis=1)
    gain = scratch("gain", (fh, fw // 2 + 1), np.complex64)
    if kh <= fh:
        gain[kh - ch : fh - ch] = 0
        gain[: kh - ch] = rows[ch:]
        gain[fh - ch :] = rows[:ch]
    else:
        gain[...] = 0
        np.add.at(gain, (np.arange(kh) - ch) % fh, rows)
    np.fft.ifft(gain, axis=0, out=gain)
    # |L| = (2 - 2 cos(2 pi u / H)) + (2 - 2 cos(2 pi v / W)), its weight
    # sqrt(balance) / N folded into the two short vectors.
    scale = np.sqrt(balance) / (fh * fw)
    lap_u = (scale * (2.0 - 2.0 * np.cos(2 * np.pi * np.arange(fh) / fh))).astype(np.float32)
    lap_v = (scale * (2.0 - 2.0 * np.cos(2 * np.pi * np.arange(fw // 2 + 1) / fw))).astype(np.float32)
    power = scratch("power", gain.shape, np.float32)
    np.add(lap_u[:, None], lap_v[None, :], out=power)
    np.multiply(power, power, out=power)
    square = scratch("square", gain.shape, np.float32)
    for part in (gain.real, gain.imag):
        np.multiply(part, part, out=square)
        power += square
    np.reciprocal(power, out=power)
    np.multiply(gain, power, out=gain)
    return gain


def deconvolve_block(block: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``block`` (float32 2-D, overwritten) filtered by ``gain`` (from
    :func:`wiener_gain` for its shape); the result is ``block`` itself."""
    fh, fw = block.shape
    spectrum = conj_spectrum(block, scratch("spectrum", gain.shape, np.complex64))
    np.conjugate(spectrum, out=spectrum)
    spectrum *= gain
    np.fft.ifft(spectrum, axis=0, out=spectrum)
    return np.fft.irfft(spectrum, n=fw, axis=1, out=block)


def _layout(h: int, w: int, margin: int) -> tuple[int, int, int, int]:
    """Core tile size and FFT size, per axis: ``(core_h, core_w, fft_h, fft_w)``.

    Tiles are FFTs of ``_FFT_SIDE``, or of four margins where the margin is
    large (a wide blur), so the kept core is at least half the tile. An
    image that fits one FFT of at most twice that side is one tile (no
    seams, no repeated margins).
    """
    side = fast_length(max(_FFT_SIDE, 4 * margin))

    def axis(n: int) -> tuple[int, int]:
        whole = fast_length(n + 2 * margin)
        if whole <= 2 * side:
            return n, whole
        return side - 2 * margin, side

    core_h, fft_h = axis(h)
    core_w, fft_w = axis(w)
    return core_h, core_w, fft_h, fft_w


def _run_tiles(planes: list[np.ndarray], margin: int, work: Callable[[np.ndarray], np.ndarray],
               taper_width: int, progress: Progress | None) -> list[np.ndarray]:
    """``work`` applied to every tile (with ``margin`` of context) of every plane."""
    h, w = planes[0].shape
    core_h, core_w, fft_h, fft_w = _layout(h, w, margin)
    outs = [np.empty((h, w), np.float32) for _ in planes]
    jobs = [(c, y0, x0) for c in range(len(planes)) for y0 in range(0, h, core_h) for x0 in range(0, w, core_w)]

    def run(job):
        c, y0, x0 = job
        block = np.empty((fft_h, fft_w), np.float32)
        src = reflect_block(planes[c], y0 - margin, y0 - margin + fft_h, x0 - margin, x0 - margin + fft_w)
        block[...] = src
        taper(block, taper_width)
        result = work(block)
        y1, x1 = min(y0 + core_h, h), min(x0 + core_w, w)
        outs[c][y0:y1, x0:x1] = result[margin : margin + y1 - y0, margin : margin + x1 - x0]

    parallel_map(run, jobs, progress=progress)
    return outs


def convolve_tiled(planes: list[np.ndarray], psf: np.ndarray, *, progress: Progress | None = None,
                   _cache: dict | None = None) -> list[np.ndarray]:
    """Each plane convolved with ``psf`` (mirrored borders), exactly, by tiled FFTs."""
    margin = max(psf.shape) // 2 + 1
    h, w = planes[0].shape
    _, _, fft_h, fft_w = _layout(h, w, margin)
    key = ("conv", id(psf), fft_h, fft_w)
    otf = None if _cache is None else _cache.get(key)
    if otf is None:
        otf = transfer(psf, (fft_h, fft_w)).astype(np.complex64)
        if _cache is not None:
            _cache[key] = otf
    shape = (fft_h, fft_w)
    return _run_tiles(planes, margin, lambda block: np.fft.irfft2(rfft2(block) * otf, s=shape), 0, progress)


def deconvolve_tiled(planes: list[np.ndarray], psf: np.ndarray, balance: float, margin: int, out: np.ndarray, *,
                     periodic: bool = False, progress: Progress | None = None) -> None:
    """Wiener-deconvolve each plane into ``out`` (``(H, W)`` for one plane, else
    ``(H, W, C)``), clipped to [0, 1]: tile by tile with ``margin`` of
    mirrored context whose outer half is tapered, or, if ``periodic``, as
    one block taken to wrap around. One filter serves every tile and plane;
    the blocks are scratch memory (:func:`scratch`)."""
    h, w = planes[0].shape
    if periodic:
        margin, (core_h, core_w, fh, fw) = 0, (h, w, h, w)
    else:
        core_h, core_w, fh, fw = _layout(h, w, margin)
    gain = wiener_gain(psf, (fh, fw), balance)
    jobs = [(c, y0, x0) for c in range(len(planes)) for y0 in range(0, h, core_h) for x0 in range(0, w, core_w)]

    def run(job):
        c, y0, x0 = job
        block = scratch("block", (fh, fw), np.float32)
        reflect_into(block, planes[c], y0 - margin, x0 - margin)
        taper(block, margin // 2)
        result = deconvolve_block(block, gain)
        y1, x1 = min(y0 + core_h, h), min(x0 + core_w, w)
        target = out[y0:y1, x0:x1] if out.ndim == 2 else out[y0:y1, x0:x1, c]
        np.clip(result[margin : margin + y1 - y0, margin : margin + x1 - x0], 0.0, 1.0, out=target)

    parallel_map(run, jobs, progress=progress)
