"""Training of :mod:`processing.cnn` networks: backward passes, loss, Adam.

Used by ``scripts/train_denoiser.py`` and the tests, never by the editor.
Everything is NumPy; the shapes follow :mod:`processing.cnn` (batches
``(N, H, W, C)``, kernels ``(3, 3, C_in, C_out)``).

The forward pass is run again here keeping what each backward pass needs
(the im2col matrix of every layer's input and every layer's output), with the
same functions as inference, so the network trained is the network shipped.
"""
from __future__ import annotations

import numpy as np

from .cnn import Network, depth_to_space, im2col3x3, network_input, relu, space_to_depth

__all__ = [
    "col2im3x3",
    "conv3x3_backward",
    "relu_backward",
    "init_network",
    "loss_and_gradients",
    "Adam",
]


def col2im3x3(cols: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
    """Adjoint of :func:`processing.cnn.im2col3x3`: add every row's
    neighbourhood back at its place (entries that fell outside are dropped).

    Examples
    --------
    >>> x = np.ones((1, 2, 2, 1), np.float32)
    >>> col2im3x3(im2col3x3(x), x.shape).ravel().tolist()  # each pixel seen 4 times
    [4.0, 4.0, 4.0, 4.0]
    """
    n, h, w, c = shape
    cols = cols.reshape(n, h, w, 3, 3, c)
    x = np.zeros(shape, cols.dtype)
    for dy in (-1, 0, 1):
        ys, yd = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h + min(-dy, 0))
        for dx in (-1, 0, 1):
            xs, xd = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w + min(-dx, 0))
            x[:, ys, xs] += cols[:, yd, xd, dy + 1, dx + 1]
    return x


def conv3x3_backward(cols: np.ndarray, kernel: np.ndarray, grad_out: np.ndarray,
                     input_shape: tuple[int, int, int, int], *, need_input: bool = True):
    """Gradients of :func:`processing.cnn.conv3x3`.

    Parameters
    ----------
    cols : ndarray
        ``im2col3x3(x)`` of the layer's input ``x``.
    kernel : ndarray
        ``(3, 3, C_in, C_out)``.
    grad_out : ndarray
        Gradient of the loss with respect to the output, ``(N, H, W, C_out)``.
    input_shape : tuple
        Shape of ``x``.
    need_input : bool
        Whether to compute the gradient with respect to ``x`` (the first
        layer's is not needed).

    Returns
    -------
    grad_x, grad_kernel, grad_bias : ndarray
        ``grad_x`` is None when not needed.
    """
    c_out = kernel.shape[3]
    g = grad_out.reshape(-1, c_out)
    grad_kernel = (cols.T @ g).reshape(kernel.shape)
    grad_bias = g.sum(axis=0, dtype=np.float64).astype(g.dtype)
    grad_x = None
    if need_input:
        grad_x = col2im3x3(g @ kernel.reshape(-1, c_out).T, input_shape)
    return grad_x, grad_kernel, grad_bias


def relu_backward(output: np.ndarray, grad_out: np.ndarray) -> np.ndarray:
    """Gradient through ReLU given its output: passes where the output is positive.

    Examples
    --------
    >>> relu_backward(np.array([0.0, 2.0]), np.array([5.0, 5.0])).tolist()
    [0.0, 5.0]
    """
    return np.where(output > 0, grad_out, 0).astype(grad_out.dtype, copy=False)


def init_network(depth: int, width: int, *, channels: int = 3, scale: int = 2, noise_map: bool = True,
                 noise_scale: float = 4.0, seed: int = 0) -> Network:
    """A fresh network: He-normal kernels, zero biases, and a last layer
    scaled down so that training starts near "no noise predicted".

    Examples
    --------
    >>> net = init_network(3, 8, seed=1)
    >>> [k.shape for k in net.kernels]
    [(3, 3, 13, 8), (3, 3, 8, 8), (3, 3, 8, 12)]
    """
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be >= 1, got {depth} and {width}")
    rng = np.random.default_rng(seed)
    folded = channels * scale * scale
    sizes = [folded + (1 if noise_map else 0)] + [width] * (depth - 1) + [folded]
    kernels, biases = [], []
    for i, (c_in, c_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        std = np.sqrt(2.0 / (9 * c_in))
        if i == depth - 1:
            std *= 0.1
        kernels.append(rng.standard_normal((3, 3, c_in, c_out)) * std)
        biases.append(np.zeros(c_out))
    if depth > 1 and width >= 2 * folded:
        _start_as_high_pass(kernels, folded)
    kernels = [k.astype(np.float32) for k in kernels]
    biases = [b.astype(np.float32) for b in biases]
    return Network(tuple(kernels), tuple(biases), channels=channels, scale=scale, noise_map=noise_map,
                   noise_scale=noise_scale)


def _start_as_high_pass(kernels: list, folded: int) -> None:
    """Give the network a working denoiser to start from.

    Without normalisation layers, a plain ReLU stack learns the near-identity
    path that noise prediction needs (the noise is most of the input's fine
    detail) only after thousands of steps: Adam moves a weight by about the
    learning rate per step, and that path needs weights near 1 through every
    layer. So the first ``2 * folded`` channels start as that path: the first
    layer splits each input channel ``x`` into ``relu(x)`` and ``relu(-x)``,
    the middle layers pass them on, and the last layer recombines them into
    ``x - box(x)`` (the input less its 3 x 3 cell mean), a crude high-pass
    estimate of the noise. The other channels keep their random start and
    learn the rest. (Identity, or "Dirac", initialisation.)
    """
    for c in range(folded):
        kernels[0][:, :, c, 2 * c] *= 0.1
        kernels[0][:, :, c, 2 * c + 1] *= 0.1
        kernels[0][1, 1, c, 2 * c] += 1.0
        kernels[0][1, 1, c, 2 * c + 1] -= 1.0
    for k in kernels[1:-1]:
        k[:, :, : 2 * folded, : 2 * folded] *= 0.1
        for c in range(2 * folded):
            k[1, 1, c, c] += 1.0
    last = kernels[-1]
    for c in range(folded):
        for sign, channel in ((1.0, 2 * c), (-1.0, 2 * c + 1)):
            last[:, :, channel, c] -= sign / 9.0
            last[1, 1, channel, c] += sign


def loss_and_gradients(network: Network, noisy: np.ndarray, clean: np.ndarray, sigma):
    """Mean squared error of :func:`processing.cnn.forward` and its gradients.

    Parameters
    ----------
    network : Network
    noisy, clean : ndarray
        ``(N, H, W, channels)`` float32 batches.
    sigma : float or ndarray
        Noise level of each image of the batch.

    Returns
    -------
    loss : float
        ``mean((forward(network, noisy, sigma) - clean) ** 2)``.
    grad_kernels, grad_biases : list of ndarray
        Gradients of ``loss`` for every layer.
    """
    x = network_input(network, noisy, sigma)
    last = len(network.kernels) - 1
    saved = []  # (cols, input shape, output) per layer
    for i, (k, b) in enumerate(zip(network.kernels, network.biases)):
        cols = im2col3x3(x)
        y = cols @ k.reshape(-1, k.shape[3])
        y += b
        y = y.reshape(x.shape[:3] + (k.shape[3],))
        if i < last:
            relu(y)
        saved.append((cols, x.shape, y))
        x = y
    residual = noisy - depth_to_space(x, network.scale) - clean
    loss = float(np.mean(np.square(residual, dtype=np.float64)))
    # d loss / d output = 2 (output - clean) / size; the output is noisy minus
    # the unfolded prediction, hence the sign.
    grad = space_to_depth(residual * residual.dtype.type(-2.0 / residual.size), network.scale)
    grad = np.ascontiguousarray(grad)
    grad_kernels: list = [None] * len(network.kernels)
    grad_biases: list = [None] * len(network.kernels)
    for i in range(last, -1, -1):
        cols, shape, y = saved[i]
        if i < last:
            grad = relu_backward(y, grad)
        grad, grad_kernels[i], grad_biases[i] = conv3x3_backward(
            cols, network.kernels[i], grad, shape, need_input=i > 0)
    return loss, grad_kernels, grad_biases


class Adam:
    """Adam (Kingma and Ba 2015) over a network's kernels and biases.

    ``step`` returns a new :class:`Network`; the moments live here.

    Examples
    --------
    >>> from processing._cnn_train import init_network
    >>> net = init_network(2, 4, seed=0)
    >>> opt = Adam(net, lr=1e-3)
    >>> x = np.full((1, 4, 4, 3), 0.5, np.float32)
    >>> loss, gk, gb = loss_and_gradients(net, x, x, 0.0)
    >>> opt.step(net, gk, gb).kernels[0].shape
    (3, 3, 13, 4)
    """

    def __init__(self, network: Network, *, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        params = list(network.kernels) + list(network.biases)
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, network: Network, grad_kernels, grad_biases) -> Network:
        self.t += 1
        params = list(network.kernels) + list(network.biases)
        grads = list(grad_kernels) + list(grad_biases)
        correction1 = 1.0 - self.beta1 ** self.t
        correction2 = 1.0 - self.beta2 ** self.t
        new = []
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * np.square(g)
            update = (self.lr / correction1) * m / (np.sqrt(v / correction2) + self.eps)
            new.append((p - update).astype(p.dtype))
        n = len(network.kernels)
        return Network(tuple(new[:n]), tuple(new[n:]), channels=network.channels, scale=network.scale,
                       noise_map=network.noise_map, noise_scale=network.noise_scale)
