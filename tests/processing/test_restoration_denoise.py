"""Denoisers against slow, obviously correct references on small images."""
import numpy as np
import pytest

from processing.noise import add_noise
from processing.restoration import denoise_nl_means
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
    ({"h": 0.1, "patch_size": 4}, "patch_size must be odd"),
    ({"h": 0.1, "search_radius": -1}, "search_radius must be >= 0"),
    ({"h": 0.1, "sigma": -0.5}, "sigma must be >= 0"),
])
def test_nl_means_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        denoise_nl_means(np.zeros((8, 8), np.float32), **kwargs)
