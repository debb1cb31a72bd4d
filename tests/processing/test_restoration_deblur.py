"""PSFs, Wiener and Richardson-Lucy against plain references; deblurring raises PSNR."""
import numpy as np
import pytest

from processing import restoration as R
from processing._parallel import set_workers
from processing.noise import add_noise


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((np.asarray(a, np.float64) - b) ** 2))


def _photo_like(shape, seed=0):
    """Blocks, a ramp and fine stripes: detail for the blur to take away."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    img = 0.2 + 0.3 * (x / w) + 0.15 * (np.sin(x / 2.5) > 0) * (y > h // 2)
    for _ in range(8):
        y0, x0 = rng.integers(0, h - 10), rng.integers(0, w - 10)
        img[y0 : y0 + rng.integers(4, 12), x0 : x0 + rng.integers(4, 12)] = rng.uniform(0.1, 0.9)
    if len(shape) == 3:
        img = np.stack([img * (0.7 + 0.15 * c) for c in range(shape[2])], axis=-1)
    return np.clip(img, 0, 1).astype(np.float32)


def _blur_reflect(img, psf):
    """Direct convolution with mirrored borders (edge repeated), one tap at a time."""
    kh, kw = psf.shape
    planes = img[..., None] if img.ndim == 2 else img
    padded = np.pad(planes.astype(np.float64), ((kh // 2, kh - 1 - kh // 2), (kw // 2, kw - 1 - kw // 2), (0, 0)),
                    mode="symmetric")
    out = np.zeros(planes.shape)
    h, w = planes.shape[:2]
    for i in range(kh):
        for j in range(kw):
            # convolution: out(y, x) = sum k(i, j) img(y - (i - ci), x - (j - cj))
            out += psf[kh - 1 - i, kw - 1 - j] * padded[i : i + h, j : j + w]
    return out.reshape(img.shape).astype(np.float32)


def _circular(img, psf):
    """Circular convolution written with np.roll: out(p) = sum_k psf(k) img(p - (k - centre))."""
    out = np.zeros(img.shape)
    ch, cw = psf.shape[0] // 2, psf.shape[1] // 2
    for i in range(psf.shape[0]):
        for j in range(psf.shape[1]):
            out += psf[i, j] * np.roll(img.astype(np.float64), (i - ch, j - cw), axis=(0, 1))
    return out


# --- PSFs ---------------------------------------------------------------------

@pytest.mark.parametrize("psf", [R.psf_gaussian(2.5), R.psf_motion(11, 30), R.psf_motion(6.5, 90), R.psf_disk(4.3)])
def test_psfs_are_normalised_centred_and_symmetric(psf):
    assert psf.dtype == np.float32 and psf.ndim == 2 and psf.shape[0] % 2 == 1 and psf.shape[0] == psf.shape[1]
    assert psf.sum() == pytest.approx(1.0, abs=1e-5)
    assert np.all(psf >= 0)
    np.testing.assert_allclose(psf, psf[::-1, ::-1], atol=1e-6)  # point-symmetric about the centre
    c = psf.shape[0] // 2
    ys, xs = np.mgrid[0 : psf.shape[0], 0 : psf.shape[1]]
    assert np.sum(psf * (ys - c)) == pytest.approx(0, abs=1e-5)
    assert np.sum(psf * (xs - c)) == pytest.approx(0, abs=1e-5)


def test_psf_shapes_follow_their_parameters():
    g = R.psf_gaussian(2.0)
    xs = np.arange(g.shape[1]) - g.shape[1] // 2
    assert np.sqrt(np.sum(g.sum(axis=0) * xs**2)) == pytest.approx(2.0, rel=0.01)
    horizontal = R.psf_motion(9, 0)
    assert np.count_nonzero(horizontal.sum(axis=1) > 1e-6) == 1  # one row
    assert np.count_nonzero(horizontal.sum(axis=0) > 1e-6) == 9  # nine pixels long
    vertical = R.psf_motion(9, 90)
    np.testing.assert_allclose(vertical, horizontal.T, atol=1e-6)
    disk = R.psf_disk(5)
    ys, xs = np.mgrid[-5:6, -5:6]
    inside = disk > 0
    assert np.all(ys[inside] ** 2 + xs[inside] ** 2 <= 6 * 6)
    assert np.ptp(disk[ys**2 + xs**2 <= 16]) < 1e-6  # flat inside
    assert R.psf_disk(0).tolist() == [[1.0]] and R.psf_gaussian(0).tolist() == [[1.0]]
    with pytest.raises(ValueError, match="psf kind must be one of"):
        R.make_psf("box", 3)


# --- Wiener -------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(16, 20), (12, 14, 3), (5, 7)])  # the last smaller than the PSF
def test_wiener_periodic_matches_the_frequency_formula(shape):
    rng = np.random.default_rng(1)
    img = rng.random(shape).astype(np.float32) * 0.5 + 0.25
    psf = R.psf_gaussian(1.2)
    balance = 0.05
    out = R.deconvolve_wiener(img, psf, balance, boundary="periodic")
    # Frequency response written from scratch: a full complex DFT of the PSF on
    # the image grid with its centre at the origin, and of the Laplacian stencil.
    h, w = shape[:2]
    grid = np.zeros((h, w))
    c = psf.shape[0] // 2
    for i in range(psf.shape[0]):
        for j in range(psf.shape[1]):
            grid[(i - c) % h, (j - c) % w] += psf[i, j]
    lap = np.zeros((h, w))
    lap[0, 0], lap[1, 0], lap[-1, 0], lap[0, 1], lap[0, -1] = 4, -1, -1, -1, -1
    H, L = np.fft.fft2(grid), np.fft.fft2(lap)
    planes = img[..., None] if img.ndim == 2 else img
    expected = np.stack([
        np.real(np.fft.ifft2(np.conj(H) * np.fft.fft2(planes[..., k]) / (np.abs(H) ** 2 + balance * np.abs(L) ** 2)))
        for k in range(planes.shape[2])
    ], axis=-1).reshape(shape)
    np.testing.assert_allclose(out, np.clip(expected, 0, 1), atol=2e-5)


@pytest.mark.parametrize("threads", [1, 2])
def test_wiener_deblurs_with_reflected_borders(threads):
    set_workers(threads)
    try:
        clean = _photo_like((96, 120, 3))
        for psf in (R.psf_gaussian(1.5), R.psf_motion(7, 20), R.psf_disk(2.5)):
            blurred = add_noise(_blur_reflect(clean, psf), "gaussian", 0.002, seed=3)
            out = R.deconvolve_wiener(blurred, psf, 0.003)
            assert _psnr(out, clean) > _psnr(blurred, clean) + 2
            # Borders too: the outer 8 pixels improve, they do not ring.
            ring = np.ones(clean.shape[:2], bool)
            ring[8:-8, 8:-8] = False
            assert _psnr(out[ring], clean[ring]) > _psnr(blurred[ring], clean[ring]) + 1.5
    finally:
        set_workers(None)


def test_wiener_tiles_agree_with_one_tile(monkeypatch):
    """A large image is cut into tiles; their seams must not show."""
    from processing import _fft
    clean = _photo_like((300, 260))
    psf = R.psf_disk(3)
    blurred = _blur_reflect(clean, psf)
    whole = R.deconvolve_wiener(blurred, psf, 0.01)
    monkeypatch.setattr(_fft, "_FFT_SIDE", 128)  # forces 2 x 3 tiles and more
    tiled = R.deconvolve_wiener(blurred, psf, 0.01)
    assert np.abs(tiled - whole).max() < 0.01


# --- Richardson-Lucy -----------------------------------------------------------

@pytest.mark.parametrize("shape", [(14, 17), (4, 6)])  # the second smaller than the PSF
def test_richardson_lucy_periodic_matches_the_plain_update(shape):
    rng = np.random.default_rng(4)
    img = (rng.random(shape) * 0.6 + 0.2).astype(np.float32)
    psf = R.psf_motion(5, 30)
    x = img.astype(np.float64)
    for _ in range(6):
        x = x * _circular(img / _circular(x, psf), psf[::-1, ::-1])
    out = R.deconvolve_richardson_lucy(img, psf, 6, boundary="periodic")
    np.testing.assert_allclose(out, np.clip(x, 0, 1), atol=2e-5)


def test_richardson_lucy_reflect_convolutions_are_exact(monkeypatch):
    """Tiled convolutions with mirrored borders equal a direct convolution, seams or not."""
    from processing import _fft
    rng = np.random.default_rng(5)
    img = rng.random((70, 90)).astype(np.float32)
    psf = R.psf_disk(3.5)
    monkeypatch.setattr(_fft, "_FFT_SIDE", 32)
    (out,) = _fft.convolve_tiled([img], psf)
    np.testing.assert_allclose(out, _blur_reflect(img, psf), atol=1e-5)


def test_richardson_lucy_deblurs_and_keeps_alpha():
    clean = _photo_like((80, 100, 3))
    psf = R.psf_gaussian(1.5)
    blurred = _blur_reflect(clean, psf)
    rgba = np.dstack([blurred, np.full(clean.shape[:2], 0.3, np.float32)])
    out = R.deconvolve_richardson_lucy(rgba, psf, 20)
    assert np.array_equal(out[..., 3], rgba[..., 3])
    assert _psnr(out[..., :3], clean) > _psnr(blurred, clean) + 2


@pytest.mark.parametrize("call, message", [
    (lambda img: R.deconvolve_wiener(img, np.ones((3, 3)), 0), "balance must be > 0"),
    (lambda img: R.deconvolve_wiener(img, -np.ones((3, 3)), 0.1), "psf must not be negative"),
    (lambda img: R.deconvolve_wiener(img, np.ones(3), 0.1), "psf must be a non-empty 2-D array"),
    (lambda img: R.deconvolve_richardson_lucy(img, np.zeros((3, 3)), 5), "psf must have a positive sum"),
    (lambda img: R.deconvolve_richardson_lucy(img, np.ones((3, 3)), 0), "iterations must be >= 1"),
    (lambda img: R.deconvolve_richardson_lucy(img, np.ones((3, 3)), 3, boundary="zero"), "boundary must be one of"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(np.zeros((8, 8), np.float32))
