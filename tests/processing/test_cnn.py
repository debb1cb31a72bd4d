"""The NumPy CNN: layers against independent references, gradients against
finite differences, tiled inference against whole-image inference, and a
tiny training run."""
from __future__ import annotations

import numpy as np
import pytest

from processing import cnn
from processing._cnn_train import (
    Adam,
    col2im3x3,
    conv3x3_backward,
    init_network,
    loss_and_gradients,
    relu_backward,
)


def _readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def _direct_conv(x, kernel, bias):
    """3 x 3 correlation with zero padding, one output value at a time."""
    n, h, w, c_in = x.shape
    c_out = kernel.shape[3]
    padded = np.zeros((n, h + 2, w + 2, c_in))
    padded[:, 1:-1, 1:-1] = x
    out = np.zeros((n, h, w, c_out))
    for b in range(n):
        for y in range(h):
            for xx in range(w):
                for o in range(c_out):
                    total = bias[o]
                    for dy in range(3):
                        for dx in range(3):
                            for i in range(c_in):
                                total += padded[b, y + dy, xx + dx, i] * kernel[dy, dx, i, o]
                    out[b, y, xx, o] = total
    return out


def _numeric_gradient(f, array, eps=1e-6):
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        old = array[index]
        array[index] = old + eps
        plus = f()
        array[index] = old - eps
        minus = f()
        array[index] = old
        grad[index] = (plus - minus) / (2 * eps)
    return grad


def _net64(net):
    return cnn.Network(tuple(k.astype(np.float64) for k in net.kernels),
                       tuple(b.astype(np.float64) for b in net.biases),
                       channels=net.channels, scale=net.scale, noise_map=net.noise_map,
                       noise_scale=net.noise_scale)


# --- forward -------------------------------------------------------------------


@pytest.mark.parametrize("c_in,c_out", [(1, 1), (3, 5), (13, 4)])
def test_conv_matches_direct_loop(c_in, c_out):
    rng = np.random.default_rng(c_in * 10 + c_out)
    x = rng.standard_normal((2, 4, 5, c_in)).astype(np.float32)
    k = rng.standard_normal((3, 3, c_in, c_out)).astype(np.float32)
    b = rng.standard_normal(c_out).astype(np.float32)
    got = cnn.conv3x3(_readonly(x), _readonly(k), _readonly(b))
    assert got.dtype == np.float32 and got.shape == (2, 4, 5, c_out)
    np.testing.assert_allclose(got, _direct_conv(x, k, b), rtol=1e-5, atol=1e-5)


def test_conv_refuses_a_kernel_for_other_channels():
    with pytest.raises(ValueError, match="kernel must be"):
        cnn.conv3x3(np.zeros((1, 2, 2, 3), np.float32), np.zeros((3, 3, 4, 1), np.float32), np.zeros(1, np.float32))


def test_fold_and_unfold_place_pixels_as_documented():
    x = np.arange(2 * 4 * 6 * 3, dtype=np.float32).reshape(2, 4, 6, 3)
    folded = cnn.space_to_depth(x, 2)
    assert folded.shape == (2, 2, 3, 12)
    for i in range(2):
        for j in range(2):
            np.testing.assert_array_equal(folded[..., (i * 2 + j) * 3:(i * 2 + j + 1) * 3], x[:, i::2, j::2])
    np.testing.assert_array_equal(cnn.depth_to_space(folded, 2), x)


# --- backward against finite differences ---------------------------------------


def test_conv_backward_matches_finite_differences():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 3))
    k = rng.standard_normal((3, 3, 3, 2))
    b = rng.standard_normal(2)
    weights = rng.standard_normal((2, 3, 4, 2))  # loss = sum(weights * conv(x))
    loss = lambda: float(np.sum(weights * cnn.conv3x3(x, k, b)))  # noqa: E731
    gx, gk, gb = conv3x3_backward(cnn.im2col3x3(x), k, weights, x.shape)
    np.testing.assert_allclose(gx, _numeric_gradient(loss, x), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gk, _numeric_gradient(loss, k), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, _numeric_gradient(loss, b), rtol=1e-6, atol=1e-7)


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 3, 5, 2))
    cols = rng.standard_normal((15, 18))
    # <im2col(x), cols> == <x, col2im(cols)>
    assert np.isclose(np.sum(cnn.im2col3x3(x) * cols), np.sum(x * col2im3x3(cols, x.shape)))


def test_relu_backward_matches_finite_differences():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    x[np.abs(x) < 0.1] = 0.5  # stay away from the kink
    weights = rng.standard_normal((3, 4))
    loss = lambda: float(np.sum(weights * cnn.relu(x.copy())))  # noqa: E731
    np.testing.assert_allclose(relu_backward(cnn.relu(x.copy()), weights), _numeric_gradient(loss, x), atol=1e-8)


def test_fold_backward_is_unfold():
    # The gradient of a permutation is the inverse permutation.
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 4, 4, 3))
    weights = rng.standard_normal((1, 2, 2, 12))
    loss = lambda: float(np.sum(weights * cnn.space_to_depth(x, 2)))  # noqa: E731
    np.testing.assert_allclose(cnn.depth_to_space(weights, 2), _numeric_gradient(loss, x), atol=1e-8)


def test_whole_network_gradient_matches_finite_differences():
    net = init_network(3, 4, seed=5)
    # A larger last layer, so that every layer's gradient is well above rounding.
    net = _net64(cnn.Network(net.kernels[:2] + (net.kernels[2] * 10,), net.biases))
    rng = np.random.default_rng(6)
    noisy = rng.random((2, 4, 6, 3))
    clean = rng.random((2, 4, 6, 3))
    sigma = np.array([0.05, 0.2])

    def loss_with(kernels, biases):
        out = cnn.forward(cnn.Network(kernels, biases), noisy, sigma)
        return float(np.mean((out - clean) ** 2))

    loss, gk, gb = loss_and_gradients(net, noisy, clean, sigma)
    assert np.isclose(loss, loss_with(net.kernels, net.biases))
    kernels, biases = [k.copy() for k in net.kernels], [b.copy() for b in net.biases]
    for i in range(3):
        numeric_k = _numeric_gradient(lambda: loss_with(tuple(kernels), tuple(biases)), kernels[i], eps=1e-7)
        numeric_b = _numeric_gradient(lambda: loss_with(tuple(kernels), tuple(biases)), biases[i], eps=1e-7)
        np.testing.assert_allclose(gk[i], numeric_k, rtol=1e-4, atol=1e-8)
        np.testing.assert_allclose(gb[i], numeric_b, rtol=1e-4, atol=1e-8)


# --- training ------------------------------------------------------------------


def test_a_tiny_network_learns_to_denoise_a_batch():
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:8, 0:8] / 8.0
    clean = np.stack([np.stack([yy, xx, (yy + xx) / 2], axis=-1)] * 4).astype(np.float32)
    noisy = (clean + 0.1 * rng.standard_normal(clean.shape)).astype(np.float32)
    net = init_network(3, 8, seed=8)
    opt = Adam(net, lr=3e-3)
    first, _, _ = loss_and_gradients(net, noisy, clean, 0.1)
    for _ in range(40):
        loss, gk, gb = loss_and_gradients(net, noisy, clean, 0.1)
        net = opt.step(net, gk, gb)
    last, _, _ = loss_and_gradients(net, noisy, clean, 0.1)
    assert last < 0.7 * first
    assert all(k.dtype == np.float32 for k in net.kernels)


# --- inference -----------------------------------------------------------------


@pytest.fixture(scope="module")
def small_net():
    net = init_network(4, 6, seed=9)
    # Strong weights so every layer matters to the output.
    return cnn.Network(net.kernels[:3] + (net.kernels[3] * 10,), net.biases)


@pytest.mark.parametrize("shape", [(37, 53, 3), (40, 64), (33, 31, 4), (1, 1, 3), (2, 9)])
def test_tiled_equals_whole_image(small_net, shape):
    image = _readonly(np.random.default_rng(10).random(shape).astype(np.float32))
    whole = cnn.denoise(image, small_net, 0.1, tile=10_000)
    assert whole.shape == shape and whole.dtype == np.float32
    for tile in (2, 7, 16, 30):
        np.testing.assert_array_equal(cnn.denoise(image, small_net, 0.1, tile=tile), whole)


def test_whole_image_is_the_network_on_the_image(small_net):
    image = np.random.default_rng(11).random((12, 16, 3)).astype(np.float32)
    expected = np.clip(cnn.forward(small_net, image[None], 0.2)[0], 0, 1)
    np.testing.assert_allclose(cnn.denoise(image, small_net, 0.2), expected, atol=1e-6)


def test_alpha_is_untouched_and_gray_stays_gray(small_net):
    rng = np.random.default_rng(12)
    rgba = rng.random((9, 11, 4)).astype(np.float32)
    out = cnn.denoise(rgba, small_net, 0.1)
    np.testing.assert_array_equal(out[..., 3], rgba[..., 3])
    np.testing.assert_array_equal(out[..., :3], cnn.denoise(rgba[..., :3].copy(), small_net, 0.1))
    gray = rng.random((9, 11)).astype(np.float32)
    # Through the network as three equal channels, back as their mean.
    expected = np.clip(cnn.forward(small_net, np.repeat(gray[None, ..., None], 3, axis=3)[:, :8, :10], 0.1)[0]
                       .mean(axis=2), 0, 1)
    got = cnn.denoise(gray[:8, :10].copy(), small_net, 0.1)
    assert got.shape == (8, 10)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_progress_per_tile_and_cancel(small_net):
    image = np.random.default_rng(13).random((20, 20, 3)).astype(np.float32)
    seen = []
    cnn.denoise(image, small_net, 0.1, tile=10, progress=seen.append)
    # Reported as tiles finish (several may finish between two reports).
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)

    class Stop(Exception):
        pass

    def cancel(fraction):
        raise Stop

    with pytest.raises(Stop):
        cnn.denoise(image, small_net, 0.1, tile=10, progress=cancel)


@pytest.mark.parametrize("sigma", [-0.1, 1.5, float("nan"), "0.1", True])
def test_bad_sigma_is_refused(small_net, sigma):
    with pytest.raises(ValueError, match="sigma"):
        cnn.denoise(np.zeros((4, 4), np.float32), small_net, sigma)


def test_networks_that_do_not_chain_are_refused():
    k = np.zeros((3, 3, 13, 4), np.float32)
    with pytest.raises(ValueError, match="layer 1: kernel takes 5 channels, expected 4"):
        cnn.Network((k, np.zeros((3, 3, 5, 12), np.float32)), (np.zeros(4, np.float32), np.zeros(12, np.float32)))
    with pytest.raises(ValueError, match="last layer gives 4 channels, expected 12"):
        cnn.Network((k,), (np.zeros(4, np.float32),))
    with pytest.raises(ValueError, match="bias"):
        cnn.Network((np.zeros((3, 3, 13, 12), np.float32),), (np.zeros(4, np.float32),))
