"""FFT helpers for deconvolution: tiles with context, tapers, transfer functions.

Private to :mod:`processing.restoration`. A whole-image FFT of a 12 MP photo
takes about a second and cannot be interrupted, so large images are cut into
tiles of a fixed FFT size, each read with enough surrounding image (mirrored
at the image's edges) that what it keeps is right:

- a convolution with a PSF of radius ``r`` needs ``r`` pixels of context and
  is then exact (:func:`convolve_tiled`);
- a deconvolution filter reaches further; its tiles take a wider margin whose
  outer part is tapered to the tile's mean, so the FFT's wrap-around joins
  smooth values and does not ring into the kept centre (:func:`filter_tiled`).

Tiles run on the package's pool; progress is reported after each.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from ._parallel import parallel_map
from ._progress import Progress
from ._tiles import reflect_block

__all__ = ["fast_length", "rfft2", "transfer", "laplacian_transfer", "taper", "convolve_tiled", "filter_tiled"]

# FFT side aimed at per tile: 1024^2 float32 transforms take ~20-40 ms, so a
# cancel is heard quickly, and the margins stay a small share of the work.
_FFT_SIDE = 1024


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
    # The PSF's four quadrants go to the grid's four corners (wrapping round).
    grid[: kh - ch, : kw - cw] = psf[ch:, cw:]
    grid[: kh - ch, shape[1] - cw :] = psf[ch:, :cw]
    grid[shape[0] - ch :, : kw - cw] = psf[:ch, cw:]
    grid[shape[0] - ch :, shape[1] - cw :] = psf[:ch, :cw]
    return rfft2(grid)


def laplacian_transfer(shape: tuple[int, int]) -> np.ndarray:
    """Real-FFT transfer function of the 4-neighbour Laplacian on ``shape``:
    ``4 - 2 cos(2 pi u / H) - 2 cos(2 pi v / W)``."""
    h, w = shape
    u = np.cos(2 * np.pi * np.arange(h) / h)[:, None]
    v = np.cos(2 * np.pi * np.arange(w // 2 + 1) / w)[None, :]
    return (4.0 - 2.0 * u - 2.0 * v).astype(np.float32)


def taper(block: np.ndarray, width: int) -> None:
    """Blend the outer ``width`` pixels of ``block`` (in place) into its mean
    with a raised cosine, so opposite edges meet smoothly under wrap-around."""
    if width <= 0:
        return
    mean = np.float32(block.mean())
    ramp = (0.5 - 0.5 * np.cos(np.pi * (np.arange(width) + 0.5) / width)).astype(np.float32)
    h, w = block.shape
    wy = np.ones(h, np.float32)
    wx = np.ones(w, np.float32)
    ny, nx = min(width, h // 2), min(width, w // 2)
    wy[:ny], wy[h - ny :] = ramp[:ny], ramp[:ny][::-1]
    wx[:nx], wx[w - nx :] = ramp[:nx], ramp[:nx][::-1]
    block -= mean
    block *= wy[:, None]
    block *= wx[None, :]
    block += mean


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


def filter_tiled(planes: list[np.ndarray], response: Callable[[tuple[int, int]], np.ndarray], margin: int, *,
                 progress: Progress | None = None) -> list[np.ndarray]:
    """Each plane multiplied in the frequency domain by ``response(fft_shape)``,
    tile by tile with ``margin`` of context whose outer half is tapered."""
    h, w = planes[0].shape
    _, _, fft_h, fft_w = _layout(h, w, margin)
    shape = (fft_h, fft_w)
    gain = response(shape).astype(np.complex64)
    return _run_tiles(planes, margin, lambda block: np.fft.irfft2(rfft2(block) * gain, s=shape),
                      margin // 2, progress)
