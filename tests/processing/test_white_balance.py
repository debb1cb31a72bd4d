"""White balance on a picked reference, and the eyedropper's sample."""
import numpy as np
import pytest

from processing.color import sample_color, white_balance

LUMA = np.array([0.2126, 0.7152, 0.0722])


def cast_scene(seed=0):
    """A scene under a warm cast: random colours times (1.1, 1.0, 0.7), with a
    gray card at rows 10-19, columns 20-29."""
    rng = np.random.default_rng(seed)
    scene = rng.uniform(0.05, 0.8, (40, 60, 3))
    scene[10:20, 20:30] = 0.45
    return np.clip(scene * (1.1, 1.0, 0.7), 0, 1).astype(np.float32)


def test_the_picked_reference_becomes_neutral_and_keeps_its_brightness():
    image = cast_scene()
    image.flags.writeable = False
    reference = sample_color(image, (24.3, 14.8), 2)
    np.testing.assert_allclose(reference, [0.495, 0.45, 0.315], atol=1e-6)
    out = white_balance(image, reference)
    card = out[10:20, 20:30].reshape(-1, 3)
    assert np.ptp(card, axis=1).max() < 1e-6  # R = G = B
    np.testing.assert_allclose(card[:, 1], float(np.dot(LUMA, reference)), atol=1e-6)
    # Every pixel is scaled by the same gains (where nothing clipped): the cast is gone everywhere.
    gains = float(np.dot(LUMA, reference)) / np.array(reference)
    expected = np.clip(image.astype(np.float64) * gains, 0, 1)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_sixteen_bit_steps_survive():
    # Neighbouring 16-bit levels must stay apart: nothing is rounded to 8 bits.
    levels = (np.arange(30000, 30064) / 65535.0).astype(np.float32)
    image = np.stack([levels, levels * 0.9, levels * 0.8], axis=-1)[None]
    reference = tuple(float(v) for v in image[0, 10])
    out = white_balance(image, reference)
    green = out[0, :, 1].astype(np.float64)
    assert np.all(np.diff(green) > 0.5 / 65535)
    assert np.ptp(out[0, 10]) < 1e-6


def test_alpha_gray_and_neutral_references_are_left_alone():
    rgba = np.concatenate([cast_scene(1), np.linspace(0, 1, 40 * 60, dtype=np.float32).reshape(40, 60, 1)], axis=2)
    out = white_balance(rgba, (0.6, 0.5, 0.3))
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    gray = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(white_balance(gray, (0.6, 0.5, 0.3)), gray)
    image = cast_scene(2)
    np.testing.assert_array_equal(white_balance(image, (0.3, 0.3, 0.3)), image)
    assert white_balance(image).dtype == np.float32


def test_sample_averages_the_square_around_the_pixel_cut_at_the_edges():
    image = np.arange(5 * 6, dtype=np.float32).reshape(5, 6) / 100
    # Pixel (row 2, column 3), radius 1: rows 1-3, columns 2-4.
    expected = np.mean([image[r, c] for r in (1, 2, 3) for c in (2, 3, 4)])
    assert sample_color(image, (3.9, 2.0), 1) == pytest.approx((expected,))
    corner = np.mean([image[r, c] for r in (0, 1, 2) for c in (0, 1, 2)])
    assert sample_color(image, (0.0, 0.0), 2) == pytest.approx((corner,))
    rgba = np.zeros((3, 3, 4), np.float32)
    rgba[1, 1] = (0.2, 0.4, 0.6, 1.0)
    assert sample_color(rgba, (1.5, 1.5), 0) == pytest.approx((0.2, 0.4, 0.6, 1.0))


@pytest.mark.parametrize("call, message", [
    (lambda: white_balance(np.zeros((2, 2, 3), np.float32), (0.5, 0.0, 0.5)),
     r"reference components must be > 0 to balance on .* got \(0.5, 0.0, 0.5\)"),
    (lambda: white_balance(np.zeros((2, 2, 3), np.float32), (0.5, 0.5)),
     r"reference must be an \(r, g, b\) colour in \[0, 1\], got \(0.5, 0.5\)"),
    (lambda: white_balance(np.zeros((2, 2, 3), np.float32), (0.5, 1.5, 0.5)), r"in \[0, 1\]"),
    (lambda: white_balance(np.zeros((2, 2, 3), np.float32), "gray"), r"reference must be an \(r, g, b\) colour"),
    (lambda: sample_color(np.zeros((2, 3), np.float32), (3.0, 0.0)), r"point \(3, 0\) is outside the 3 x 2 image"),
    (lambda: sample_color(np.zeros((2, 3), np.float32), (1.0, 0.0), -1), "radius_px must be >= 0, got -1"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
