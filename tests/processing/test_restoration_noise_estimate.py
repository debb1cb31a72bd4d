"""estimate_noise: recovers the deviation of added white noise, ignores smooth shading and edges."""
import numpy as np
import pytest

from processing.restoration import estimate_noise


def _scene(shape, seed=0):
    """Smooth shading plus a few hard-edged rectangles: no noise of its own."""
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = 0.3 + 0.4 * x * y
    base[h // 4 : h // 2, w // 5 : w // 2] += 0.2
    base[2 * h // 3 :, 3 * w // 4 :] -= 0.15
    if len(shape) == 3:
        base = np.stack([base] * shape[2], axis=-1)
    return base


@pytest.mark.parametrize("sigma", [0.01, 0.05, 0.1])
@pytest.mark.parametrize("shape", [(200, 240), (200, 240, 3)])
def test_recovers_added_noise(sigma, shape):
    rng = np.random.default_rng(1)
    noisy = (_scene(shape) + rng.normal(0, sigma, shape)).astype(np.float32)
    assert estimate_noise(noisy) == pytest.approx(sigma, rel=0.08)


def test_clean_image_is_about_zero():
    assert estimate_noise(_scene((200, 240)).astype(np.float32)) < 0.002


def test_channels_are_averaged_and_alpha_ignored():
    rng = np.random.default_rng(2)
    image = np.empty((128, 128, 4), np.float32)
    image[..., 0] = 0.5 + rng.normal(0, 0.02, (128, 128))
    image[..., 1] = 0.5 + rng.normal(0, 0.04, (128, 128))
    image[..., 2] = 0.5 + rng.normal(0, 0.06, (128, 128))
    image[..., 3] = rng.random((128, 128))  # very "noisy" alpha
    assert estimate_noise(image) == pytest.approx(0.04, rel=0.08)


def test_tiny_images_do_not_fail():
    assert estimate_noise(np.zeros((1, 1), np.float32)) == 0.0
    assert estimate_noise(np.full((3, 9, 3), 0.5, np.float32)) == pytest.approx(0.0, abs=1e-7)
