"""add_noise: seeded, identity at amount 0, and each kind has the statistics it promises."""
import numpy as np
import pytest

from processing.noise import NOISE_KINDS, add_noise
from tests.conftest import make_image


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_same_seed_same_bytes_other_seed_other_noise(kind):
    image = make_image((40, 50, 3), seed=2)
    a = add_noise(image, kind, 0.2, seed=7)
    b = add_noise(image, kind, 0.2, seed=7)
    c = add_noise(image, kind, 0.2, seed=8)
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32 and a.shape == image.shape
    assert a.min() >= 0.0 and a.max() <= 1.0


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_amount_zero_is_identity(kind, any_image):
    out = add_noise(any_image, kind, 0.0, seed=5)
    assert np.array_equal(out, any_image)
    assert out is not any_image


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_alpha_untouched(kind):
    image = make_image((30, 30, 4), seed=4)
    out = add_noise(image, kind, 0.3, seed=1)
    assert np.array_equal(out[..., 3], image[..., 3])
    assert not np.array_equal(out[..., :3], image[..., :3])


def test_gaussian_deviation_and_mean():
    flat = np.full((300, 300), 0.5, np.float32)
    noise = add_noise(flat, "gaussian", 0.05, seed=0) - 0.5
    assert abs(noise.std() - 0.05) < 0.002
    assert abs(noise.mean()) < 0.001


def test_speckle_scales_with_the_value():
    dark = add_noise(np.full((300, 300), 0.2, np.float32), "speckle", 0.1, seed=0)
    bright = add_noise(np.full((300, 300), 0.8, np.float32), "speckle", 0.1, seed=0)
    assert abs(dark.std() - 0.02) < 0.002
    assert abs(bright.std() - 0.08) < 0.004


def test_poisson_mean_and_variance():
    value = 0.25
    out = add_noise(np.full((400, 400), value, np.float32), "poisson", 0.1, seed=3)
    # Photons per unit: 1 / 0.1^2 = 100, so 25 photons on average, std 5 photons.
    assert abs(out.mean() - value) < 0.002
    assert abs(out.std() - 0.1 * np.sqrt(value)) < 0.002
    counts = out * 100.0
    assert np.allclose(counts, np.round(counts), atol=1e-3)  # whole photons


def test_salt_pepper_fraction_and_whole_pixels():
    image = np.full((200, 200, 3), 0.5, np.float32)
    out = add_noise(image, "salt_pepper", 0.1, seed=9)
    changed = np.any(out != 0.5, axis=2)
    assert abs(changed.mean() - 0.1) < 0.01
    black = np.all(out == 0.0, axis=2)
    white = np.all(out == 1.0, axis=2)
    assert np.array_equal(changed, black | white)  # all channels of a pixel together
    assert abs(black.mean() - white.mean()) < 0.01


@pytest.mark.parametrize("kind, amount, seed, message", [
    ("blur", 0.1, 0, "kind must be one of"),
    ("gaussian", -0.1, 0, "amount must be >= 0"),
    ("salt_pepper", 1.5, 0, "amount must be <= 1"),
    ("gaussian", 0.1, -1, "seed must be a non-negative integer"),
    ("gaussian", 0.1, 1.5, "seed must be a non-negative integer"),
])
def test_bad_arguments(kind, amount, seed, message):
    with pytest.raises(ValueError, match=message):
        add_noise(np.zeros((4, 4), np.float32), kind, amount, seed)
