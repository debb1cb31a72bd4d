"""Denoisers against slow, obviously correct references on small images."""
import numpy as np
import pytest

from processing.noise import add_noise
from processing.restoration import denoise_nl_means, denoise_tv, denoise_wavelet
from tests.conftest import make_image


def _psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((np.asarray(a, np.float64) - b) ** 2))


def _scene(shape):
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = 0.3 + 0.3 * x + 0.1 * np.sin(6 * y)
    base[h // 4 : 3 * h // 4, w // 3 : 2 * w // 3] += 0.3
    if len(shape) == 3:
        base = np.stack([base * (0.8 + 0.1 * c) for c in range(shape[2])], axis=-1)
    return base.astype(np.float32)


# --- non-local means ---------------------------------------------------------

def _nl_means_reference(image, h, patch_size, radius, sigma):
    """Per pixel, per candidate: the definition written out plainly."""
    img = image[..., None] if image.ndim == 2 else image
    rows, cols, channels = img.shape
    half = patch_size // 2
    pad = half + radius
    padded = np.pad(img.astype(np.float64), ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
    k = np.arange(patch_size) - half
    spread = max((patch_size - 1) / 4, 1e-9)
    g = np.exp(-(k * k) / (2 * spread * spread)) if patch_size > 1 else np.ones(1)
    kernel = np.outer(g, g)
    kernel /= kernel.sum()
    out = np.zeros(img.shape)
    for y in range(rows):
        for x in range(cols):
            cy, cx = y + pad, x + pad
            mine = padded[cy - half : cy + half + 1, cx - half : cx + half + 1]
            total, weights = np.zeros(channels), 0.0
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    other = padded[cy + dy - half : cy + dy + half + 1, cx + dx - half : cx + dx + half + 1]
                    distance = np.sum(kernel[..., None] * (mine - other) ** 2) / channels
                    weight = np.exp(-max(distance - 2 * sigma * sigma, 0.0) / (h * h))
                    total += weight * padded[cy + dy, cx + dx]
                    weights += weight
            out[y, x] = total / weights
    return out.reshape(image.shape)


@pytest.mark.parametrize("shape", [(12, 12), (12, 12, 3)])
@pytest.mark.parametrize("h, patch_size, radius, sigma", [(0.3, 5, 3, 0.05), (0.1, 3, 2, 0.0), (0.2, 1, 4, 0.1)])
def test_nl_means_matches_explicit_weights(shape, h, patch_size, radius, sigma):
    image = make_image(shape, seed=4)
    out = denoise_nl_means(image, h, patch_size, radius, sigma=sigma)
    expected = _nl_means_reference(image, h, patch_size, radius, sigma)
    assert out.dtype == np.float32 and out.shape == image.shape
    np.testing.assert_allclose(out, expected, atol=2e-6)


def test_nl_means_alpha_kept_and_noise_removed():
    clean = _scene((64, 64, 3))
    noisy = add_noise(clean, "gaussian", 0.08, seed=1)
    rgba = np.dstack([noisy, np.linspace(0, 1, 64 * 64, dtype=np.float32).reshape(64, 64)])
    out = denoise_nl_means(rgba, 0.0, 5, 5)  # "auto" strength and sigma
    assert np.array_equal(out[..., 3], rgba[..., 3])
    assert _psnr(out[..., :3], clean) > _psnr(noisy, clean) + 5


def test_nl_means_search_radius_zero_is_identity():
    image = make_image((10, 11, 3), seed=2)
    np.testing.assert_array_equal(denoise_nl_means(image, 0.1, 3, 0, sigma=0.0), image)


@pytest.mark.parametrize("kwargs, message", [
    ({"h": -1.0}, "h must be >= 0"),
    ({"h": 0.1, "patch_size": 0}, "patch_size must be >= 1"),
    ({"h": 0.1, "search_radius": -1}, "search_radius must be >= 0"),
    ({"h": 0.1, "sigma": -0.5}, "sigma must be >= 0"),
])
def test_nl_means_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        denoise_nl_means(np.zeros((8, 8), np.float32), **kwargs)


# --- total variation ---------------------------------------------------------

def _rof_energy(u, f, weight):
    """1/2 sum (u - f)^2 + weight * sum |forward-difference gradient of u| (last row/column: 0)."""
    u = u.astype(np.float64)
    gy = np.zeros_like(u)
    gx = np.zeros_like(u)
    gy[:-1] = u[1:] - u[:-1]
    gx[:, :-1] = u[:, 1:] - u[:, :-1]
    return 0.5 * np.sum((u - f) ** 2) + weight * np.sum(np.sqrt(gy * gy + gx * gx))


def test_tv_energy_decreases_with_iterations():
    f = add_noise(_scene((24, 28)), "gaussian", 0.1, seed=3)
    energies = [_rof_energy(denoise_tv(f, 0.15, n, eps=0.0), f, 0.15) for n in (1, 5, 20, 100, 400)]
    assert energies[0] == pytest.approx(_rof_energy(f, f, 0.15))  # the first iterate is the input
    assert all(b < a for a, b in zip(energies, energies[1:]))


def test_tv_converged_result_is_a_minimum():
    f = add_noise(_scene((16, 18)), "gaussian", 0.1, seed=5)
    u = denoise_tv(f, 0.1, 3000, eps=0.0)
    best = _rof_energy(u, f, 0.1)
    rng = np.random.default_rng(0)
    for _ in range(20):
        nudge = rng.normal(0, 1e-3, f.shape)
        assert _rof_energy(u + nudge, f, 0.1) > best - 1e-6
    # Fixed point: more iterations from here change nothing that matters.
    np.testing.assert_allclose(denoise_tv(f, 0.1, 6000, eps=0.0), u, atol=2e-3)


def test_tv_constant_is_a_fixed_point_and_alpha_kept():
    flat = np.full((9, 10, 4), 0.4, np.float32)
    flat[..., 3] = np.linspace(0, 1, 90).reshape(9, 10)
    out = denoise_tv(flat, 0.2)
    np.testing.assert_allclose(out[..., :3], 0.4, atol=1e-7)
    assert np.array_equal(out[..., 3], flat[..., 3])


def test_tv_channels_are_independent():
    rgb = add_noise(_scene((20, 20, 3)), "gaussian", 0.1, seed=6)
    out = denoise_tv(rgb, 0.1, 50, eps=0.0)
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], denoise_tv(np.ascontiguousarray(rgb[..., c]), 0.1, 50, eps=0.0))


def test_tv_auto_weight_denoises():
    clean = _scene((64, 64))
    noisy = add_noise(clean, "gaussian", 0.08, seed=2)
    assert _psnr(denoise_tv(noisy), clean) > _psnr(noisy, clean) + 4


# --- wavelet -------------------------------------------------------------------

def _haar_level(a):
    """One orthonormal Haar level by its definition on each 2x2 block."""
    h, w = a.shape
    ll = np.zeros((h // 2, w // 2))
    bands = [np.zeros((h // 2, w // 2)) for _ in range(3)]
    for i in range(h // 2):
        for j in range(w // 2):
            p, q, r, s = a[2 * i, 2 * j], a[2 * i, 2 * j + 1], a[2 * i + 1, 2 * j], a[2 * i + 1, 2 * j + 1]
            ll[i, j] = (p + q + r + s) / 2
            bands[0][i, j] = (p - q + r - s) / 2
            bands[1][i, j] = (p + q - r - s) / 2
            bands[2][i, j] = (p - q - r + s) / 2
    return ll, bands


def _haar_inverse_level(ll, bands):
    h, w = ll.shape
    out = np.zeros((2 * h, 2 * w))
    for i in range(h):
        for j in range(w):
            a, b, c, d = ll[i, j], bands[0][i, j], bands[1][i, j], bands[2][i, j]
            out[2 * i, 2 * j] = (a + b + c + d) / 2
            out[2 * i, 2 * j + 1] = (a - b + c - d) / 2
            out[2 * i + 1, 2 * j] = (a + b - c - d) / 2
            out[2 * i + 1, 2 * j + 1] = (a - b - c + d) / 2
    return out


def _wavelet_reference(plane, sigma, levels):
    approx = plane.astype(np.float64)
    stack = []
    for _ in range(levels):
        approx, bands = _haar_level(approx)
        shrunk = []
        for band in bands:
            t = sigma**2 / np.sqrt(max(np.mean(band**2) - sigma**2, np.finfo(np.float32).eps))
            shrunk.append(np.sign(band) * np.maximum(np.abs(band) - t, 0))
        stack.append(shrunk)
    for bands in reversed(stack):
        approx = _haar_inverse_level(approx, bands)
    return np.clip(approx, 0, 1)


@pytest.mark.parametrize("levels", [1, 2])
def test_wavelet_matches_haar_bayes_shrink_written_out(levels):
    image = add_noise(_scene((16, 24, 3)), "gaussian", 0.08, seed=3)
    out = denoise_wavelet(image, 0.08, levels=levels)
    for c in range(3):
        np.testing.assert_allclose(out[..., c], _wavelet_reference(image[..., c], 0.08, levels), atol=2e-6)


def test_wavelet_tiny_sigma_reconstructs_odd_sizes():
    image = make_image((13, 21), seed=5)
    np.testing.assert_allclose(denoise_wavelet(image, 1e-6), image, atol=1e-5)


def test_wavelet_auto_denoises_and_keeps_alpha():
    clean = _scene((64, 64, 3))
    noisy = add_noise(clean, "gaussian", 0.08, seed=4)
    rgba = np.dstack([noisy, np.full((64, 64), 0.7, np.float32)])
    out = denoise_wavelet(rgba)
    assert np.array_equal(out[..., 3], rgba[..., 3])
    assert _psnr(out[..., :3], clean) > _psnr(noisy, clean) + 3
    hard = denoise_wavelet(noisy, 0.08, mode="hard")
    assert _psnr(hard, clean) > _psnr(noisy, clean) + 2
    with pytest.raises(ValueError, match="mode must be soft or hard"):
        denoise_wavelet(noisy, mode="firm")


def test_nl_means_even_patch_is_the_next_odd_and_sigma_defaults():
    image = add_noise(_scene((20, 22, 3)), "gaussian", 0.05, seed=8)
    np.testing.assert_array_equal(denoise_nl_means(image, 0.06, 4, 3), denoise_nl_means(image, 0.06, 5, 3))
    # An explicit strength takes nothing off the distances unless told.
    np.testing.assert_array_equal(denoise_nl_means(image, 0.06, 5, 3), denoise_nl_means(image, 0.06, 5, 3, sigma=0.0))
    # Auto: sigma measured, strength 0.7 sigma.
    from processing.restoration import estimate_noise
    sigma = estimate_noise(image)
    np.testing.assert_array_equal(denoise_nl_means(image, 0.0, 5, 3),
                                  denoise_nl_means(image, 0.7 * sigma, 5, 3, sigma=sigma))
