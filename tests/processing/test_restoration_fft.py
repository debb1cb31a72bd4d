"""The FFT helpers behind Wiener deconvolution, against plain references."""
import numpy as np
import pytest

from processing import _fft
from processing import restoration as R
from processing._tiles import reflect_block


@pytest.mark.parametrize("shape", [(9, 11), (3, 2), (1, 1), (40, 7)])
def test_reflect_into_matches_reflect_block(shape):
    rng = np.random.default_rng(0)
    plane = rng.random(shape).astype(np.float32)
    h, w = shape
    for y0 in (-13, -2, 0, 1, h - 2, h + 3):
        for x0 in (-9, -1, 0, 2, w - 1, w + 5):
            for size in ((4, 5), (30, 3), (2 * h + 7, 2 * w + 9)):
                dst = np.full(size, np.nan, np.float32)
                _fft.reflect_into(dst, plane, y0, x0)
                expected = reflect_block(plane, y0, y0 + size[0], x0, x0 + size[1])
                np.testing.assert_array_equal(dst, expected)


@pytest.mark.parametrize("shape, width", [((20, 30), 6), ((9, 7), 5), ((12, 12), 1)])
def test_taper_is_the_separable_raised_cosine(shape, width):
    block = np.random.default_rng(1).random(shape).astype(np.float32)
    expected = block.astype(np.float64)
    mean = expected.mean()
    weights = []
    for n in shape:
        k = min(width, n // 2)
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(width) + 0.5) / width)
        wgt = np.ones(n)
        wgt[:k] = ramp[:k]
        wgt[n - k :] = ramp[:k][::-1]
        weights.append(wgt)
    expected = mean + (expected - mean) * weights[0][:, None] * weights[1][None, :]
    _fft.taper(block, width)
    np.testing.assert_allclose(block, expected, atol=1e-6)


@pytest.mark.parametrize("shape", [(40, 52), (33, 30, 3)])
def test_wiener_reflect_is_the_formula_on_the_mirrored_tapered_block(shape):
    """One tile: the image mirrored out to the FFT size, its outer half-margin
    tapered to the block's mean, filtered by the Wiener formula, cropped."""
    rng = np.random.default_rng(2)
    img = (rng.random(shape) * 0.5 + 0.25).astype(np.float32)
    psf = R.psf_motion(7, 20)
    balance = 0.02
    out = R.deconvolve_wiener(img, psf, balance)
    margin = R._wiener_margin(psf)
    h, w = shape[:2]
    fh, fw = _fft.fast_length(h + 2 * margin), _fft.fast_length(w + 2 * margin)
    grid = np.zeros((fh, fw))
    ch, cw = psf.shape[0] // 2, psf.shape[1] // 2
    for i in range(psf.shape[0]):
        for j in range(psf.shape[1]):
            grid[(i - ch) % fh, (j - cw) % fw] += psf[i, j] / psf.sum()
    lap = np.zeros((fh, fw))
    lap[0, 0], lap[1, 0], lap[-1, 0], lap[0, 1], lap[0, -1] = 4, -1, -1, -1, -1
    H, L = np.fft.fft2(grid), np.fft.fft2(lap)
    planes = img[..., None] if img.ndim == 2 else img
    expected = []
    for c in range(planes.shape[2]):
        ys = np.arange(-margin, fh - margin)
        xs = np.arange(-margin, fw - margin)
        # Mirror with the edge repeated: -1 -> 0, -2 -> 1, h -> h - 1.
        ys = np.where(ys < 0, -ys - 1, np.where(ys >= h, 2 * h - 1 - ys, ys))
        xs = np.where(xs < 0, -xs - 1, np.where(xs >= w, 2 * w - 1 - xs, xs))
        block = planes[..., c].astype(np.float64)[ys[:, None], xs[None, :]]
        mean = block.mean()
        t = margin // 2
        ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(t) + 0.5) / t)
        wy, wx = np.ones(fh), np.ones(fw)
        wy[:t], wy[fh - t :], wx[:t], wx[fw - t :] = ramp, ramp[::-1], ramp, ramp[::-1]
        block = mean + (block - mean) * wy[:, None] * wx[None, :]
        x = np.real(np.fft.ifft2(np.conj(H) * np.fft.fft2(block) / (np.abs(H) ** 2 + balance * np.abs(L) ** 2)))
        expected.append(x[margin : margin + h, margin : margin + w])
    expected = np.stack(expected, axis=-1).reshape(shape)
    np.testing.assert_allclose(out, np.clip(expected, 0, 1), atol=2e-5)


def test_results_do_not_share_the_reused_work_memory():
    rng = np.random.default_rng(3)
    a, b = (rng.random((30, 40)).astype(np.float32) for _ in range(2))
    first = R.deconvolve_wiener(a, R.psf_disk(2), 0.01)
    kept = first.copy()
    second = R.deconvolve_wiener(b, R.psf_disk(2), 0.01)
    np.testing.assert_array_equal(first, kept)
    assert not np.shares_memory(first, second)
