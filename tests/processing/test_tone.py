import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from processing.tone import brightness_contrast
from tests.conftest import make_image


def reference_bc(x, brightness, contrast):
    slope = min(math.tan((contrast + 1) * math.pi / 4), 1e4)
    return min(1.0, max(0.0, (x - 0.5) * slope + 0.5 + brightness))


@pytest.mark.parametrize("b,c", [(0, 0), (0.2, 0), (-0.3, 0.5), (0.1, -0.7), (0, 1), (0, -1)])
def test_brightness_contrast_formula(any_image, b, c):
    out = brightness_contrast(any_image, b, c)
    color = any_image[..., :3] if any_image.ndim == 3 and any_image.shape[2] == 4 else any_image
    expected = np.vectorize(lambda v: reference_bc(float(v), b, c))(color)
    got = out[..., :3] if out.ndim == 3 and out.shape[2] == 4 else out
    np.testing.assert_allclose(got, expected, atol=1e-5)
    if any_image.ndim == 3 and any_image.shape[2] == 4:
        np.testing.assert_array_equal(out[..., 3], any_image[..., 3])


def test_neutral_is_identity(any_image):
    np.testing.assert_allclose(brightness_contrast(any_image), any_image, atol=1e-7)


@pytest.mark.parametrize("kwargs,match", [({"brightness": 2}, "brightness"), ({"contrast": -1.5}, "contrast")])
def test_rejects_out_of_range(kwargs, match):
    with pytest.raises(ValueError, match=match):
        brightness_contrast(np.zeros((2, 2), np.float32), **kwargs)


@settings(max_examples=40, deadline=None)
@given(b=st.floats(-1, 1), c=st.floats(-1, 1), seed=st.integers(0, 100))
def test_properties(b, c, seed):
    image = make_image((5, 6, 3), seed=seed)
    out = brightness_contrast(image, b, c)
    assert out.dtype == np.float32 and out.shape == image.shape
    assert out.min() >= 0 and out.max() <= 1
