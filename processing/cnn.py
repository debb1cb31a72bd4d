"""A small convolutional network in NumPy: a learned denoiser.

The network is the one of FFDNet (Zhang, Zuo and Zhang 2018) with the
residual output of DnCNN (Zhang et al. 2017), small enough to train on two
cores in under an hour:

1. The noisy colour image is cut into 2 x 2 cells and each cell becomes 12
   channels of a half-size image ("pixel unshuffle"): a quarter of the
   positions to convolve, twice the reach per layer.
2. A channel holding the noise level (the same value everywhere) is added, so
   one network covers a range of noise levels and the editor's strength
   slider says how much to remove.
3. A stack of 3 x 3 convolutions with "same" (zero) padding, each but the last
   followed by ReLU, predicts the noise in the 12 channels.
4. The noise is put back to full size and subtracted from the noisy image.

A network is plain data (:class:`Network`: kernels, biases and a few numbers).
Reading and writing model files happens in the editor; training lives in
``scripts/train_denoiser.py`` with the backward passes in
:mod:`processing._cnn_train`.

Convolution runs as im2col followed by one matrix product per layer (float32,
through BLAS). Inference is tiled with the network's reach as margin, so
memory stays bounded on large photos, and the tiles run on the package's pool
(:mod:`processing._parallel`). The zero padding of every layer falls at the
image's own edges only where the tile touches them, so a tiled result equals
the whole-image one.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._image import as_image, merge_alpha, split_alpha
from ._parallel import parallel_map
from ._progress import Progress
from ._tiles import reflect_block

__all__ = [
    "Network",
    "conv3x3",
    "im2col3x3",
    "relu",
    "space_to_depth",
    "depth_to_space",
    "forward",
    "denoise",
    "first_layer_kernels",
    "feature_maps",
    "TILE",
]

# Subtracted from the image before the first layer (see network_input).
INPUT_OFFSET = 0.5

# Side of an inference tile in full-size pixels (a multiple of every scale
# used). 256 keeps the im2col matrix of a tile near 20 MB for 24 channels and
# the margin overhead small ((256 + 2 * 16)^2 / 256^2 = 1.27 for 8 layers).
TILE = 256


@dataclass(frozen=True, eq=False)
class Network:
    """Weights and shape of a denoising network.

    Parameters
    ----------
    kernels : tuple of ndarray
        One float32 array ``(3, 3, c_in, c_out)`` per convolution layer, in
        order (float64 throughout is accepted too, for gradient checks). The first layer takes ``channels * scale**2`` channels, plus
        one when ``noise_map`` is true; the last gives ``channels * scale**2``.
    biases : tuple of ndarray
        One array ``(c_out,)`` per layer, of the kernels' type.
    channels : int
        Colour channels of the images the network was trained on (3).
    scale : int
        Side of the cells folded into channels before the convolutions (1 for
        none, 2 as in FFDNet).
    noise_map : bool
        Whether an input channel carries the noise level.
    noise_scale : float
        The noise-level channel holds ``sigma * noise_scale`` (sigma in image
        units, 0..1), which brings it near the range of the image values.

    Raises
    ------
    ValueError
        If the layers do not chain or do not fit ``channels`` and ``scale``.

    Examples
    --------
    >>> k = (np.zeros((3, 3, 13, 4), np.float32), np.zeros((3, 3, 4, 12), np.float32))
    >>> b = (np.zeros(4, np.float32), np.zeros(12, np.float32))
    >>> Network(k, b).margin
    4
    """

    kernels: tuple
    biases: tuple
    channels: int = 3
    scale: int = 2
    noise_map: bool = True
    noise_scale: float = 4.0

    def __post_init__(self):
        kernels = tuple(self.kernels)
        biases = tuple(self.biases)
        for name, value in (("channels", self.channels), ("scale", self.scale)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.noise_map, bool):
            raise ValueError(f"noise_map must be true or false, got {self.noise_map!r}")
        if not (isinstance(self.noise_scale, numbers.Real) and math.isfinite(self.noise_scale)
                and self.noise_scale > 0):
            raise ValueError(f"noise_scale must be a positive number, got {self.noise_scale!r}")
        if not kernels:
            raise ValueError("a network needs at least one layer")
        if len(kernels) != len(biases):
            raise ValueError(f"{len(kernels)} kernels but {len(biases)} biases")
        folded = self.channels * self.scale ** 2
        expected_in = folded + (1 if self.noise_map else 0)
        dtype = getattr(kernels[0], "dtype", None)
        if dtype not in (np.float32, np.float64):
            dtype = np.dtype(np.float32)
        for i, (k, b) in enumerate(zip(kernels, biases)):
            if not isinstance(k, np.ndarray) or k.dtype != dtype or k.ndim != 4 or k.shape[:2] != (3, 3):
                raise ValueError(f"layer {i}: kernel must be a {dtype} array (3, 3, in, out), "
                                 f"got {getattr(k, 'dtype', type(k).__name__)} {getattr(k, 'shape', '')}")
            if k.shape[2] != expected_in:
                raise ValueError(f"layer {i}: kernel takes {k.shape[2]} channels, expected {expected_in}")
            if not isinstance(b, np.ndarray) or b.dtype != dtype or b.shape != (k.shape[3],):
                raise ValueError(f"layer {i}: bias must be a {dtype} array ({k.shape[3]},), "
                                 f"got {getattr(b, 'dtype', type(b).__name__)} {getattr(b, 'shape', '')}")
            expected_in = k.shape[3]
        if expected_in != folded:
            raise ValueError(f"the last layer gives {expected_in} channels, expected {folded}")
        object.__setattr__(self, "kernels", kernels)
        object.__setattr__(self, "biases", biases)

    @property
    def margin(self) -> int:
        """Reach of the network in full-size pixels: one cell per layer."""
        return len(self.kernels) * self.scale

    @property
    def parameters(self) -> int:
        """Number of weights and biases."""
        return sum(k.size + b.size for k, b in zip(self.kernels, self.biases))


def im2col3x3(x: np.ndarray, dtype=None) -> np.ndarray:
    """The 3 x 3 neighbourhoods of every position, zero outside, as rows.

    Parameters
    ----------
    x : ndarray
        ``(N, H, W, C)``.
    dtype : dtype, optional
        Of the result; ``x``'s by default.

    Returns
    -------
    ndarray
        ``(N * H * W, 9 * C)``: row ``(n, y, x)`` holds the neighbours
        ``(y + dy, x + dx)`` for ``dy, dx`` in -1, 0, 1 (row-major), each with
        its ``C`` channels.

    Examples
    --------
    >>> im2col3x3(np.ones((1, 2, 2, 1), np.float32))[0].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    """
    n, h, w, c = x.shape
    cols = np.empty((n, h, w, 3, 3, c), x.dtype if dtype is None else dtype)
    for dy in (-1, 0, 1):
        ys, yd = slice(max(dy, 0), h + min(dy, 0)), slice(max(-dy, 0), h + min(-dy, 0))
        for dx in (-1, 0, 1):
            xs, xd = slice(max(dx, 0), w + min(dx, 0)), slice(max(-dx, 0), w + min(-dx, 0))
            tap = cols[:, :, :, dy + 1, dx + 1]
            tap[:, yd, xd] = x[:, ys, xs]
            # Only the one row or column a shift leaves uncovered is zeroed
            # (zeroing the whole matrix first costs as much as filling it).
            if dy:
                tap[:, 0 if dy < 0 else h - 1] = 0
            if dx:
                tap[:, :, 0 if dx < 0 else w - 1] = 0
    return cols.reshape(n * h * w, 9 * c)


def conv3x3(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """3 x 3 convolution with zero ("same") padding, any channel counts.

    Parameters
    ----------
    x : ndarray
        ``(N, H, W, C_in)`` float32.
    kernel : ndarray
        ``(3, 3, C_in, C_out)`` float32; ``kernel[dy + 1, dx + 1, i, o]``
        weighs input channel ``i`` at offset ``(dy, dx)`` for output ``o``
        (correlation, as in every deep-learning library).
    bias : ndarray
        ``(C_out,)`` float32.

    Returns
    -------
    ndarray
        ``(N, H, W, C_out)`` float32.

    Notes
    -----
    ``out[n, y, x, o] = bias[o] + sum_{dy, dx, i} x[n, y+dy, x+dx, i] kernel[dy+1, dx+1, i, o]``,
    computed as one matrix product of :func:`im2col3x3` with the kernel.

    The product is accumulated in float64 and rounded once to float32. BLAS
    float32 kernels sum in an order that depends on the size of the matrix,
    so the same pixel would come out a unit in the last place different in
    a tile and in the whole image; in float64 those differences stay far
    below float32's rounding, and tiled inference equals whole-image
    inference (to about one value in 10^8 that lands on a rounding tie).

    Examples
    --------
    >>> k = np.zeros((3, 3, 1, 1), np.float32); k[1, 2, 0, 0] = 1  # the right neighbour
    >>> x = np.arange(3, dtype=np.float32).reshape(1, 1, 3, 1)
    >>> conv3x3(x, k, np.zeros(1, np.float32)).ravel().tolist()
    [1.0, 2.0, 0.0]
    """
    n, h, w, c = x.shape
    if kernel.shape[:3] != (3, 3, c):
        raise ValueError(f"kernel must be (3, 3, {c}, C_out) for {c} input channels, got {kernel.shape}")
    out = im2col3x3(x, np.float64) @ kernel.reshape(9 * c, -1).astype(np.float64)
    out += bias
    return out.astype(np.result_type(x.dtype, np.float32), copy=False).reshape(n, h, w, -1)


def relu(x: np.ndarray) -> np.ndarray:
    """``max(x, 0)``, in place (the caller owns ``x``).

    Examples
    --------
    >>> relu(np.array([-1.0, 2.0], np.float32)).tolist()
    [0.0, 2.0]
    """
    return np.maximum(x, 0, out=x)


def space_to_depth(x: np.ndarray, s: int) -> np.ndarray:
    """Fold ``s x s`` cells into channels: ``(N, H, W, C)`` -> ``(N, H/s, W/s, s*s*C)``.

    Channel ``(i * s + j) * C + c`` of a cell holds channel ``c`` of its pixel
    ``(i, j)``. ``H`` and ``W`` must be multiples of ``s``.

    Examples
    --------
    >>> space_to_depth(np.arange(4.0).reshape(1, 2, 2, 1), 2).ravel().tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    n, h, w, c = x.shape
    if s == 1:
        return x
    return (x.reshape(n, h // s, s, w // s, s, c).transpose(0, 1, 3, 2, 4, 5)
            .reshape(n, h // s, w // s, s * s * c))


def depth_to_space(x: np.ndarray, s: int) -> np.ndarray:
    """Inverse of :func:`space_to_depth`.

    Examples
    --------
    >>> a = np.arange(16.0).reshape(1, 2, 2, 4)
    >>> bool(np.array_equal(space_to_depth(depth_to_space(a, 2), 2), a))
    True
    """
    n, h, w, c = x.shape
    if s == 1:
        return x
    c //= s * s
    return (x.reshape(n, h, w, s, s, c).transpose(0, 1, 3, 2, 4, 5)
            .reshape(n, h * s, w * s, c))


def network_input(network: Network, noisy: np.ndarray, sigma) -> np.ndarray:
    """The first layer's input: the folded image less ``INPUT_OFFSET``, and the noise-level channel.

    ``noisy`` is ``(N, H, W, channels)`` with ``H`` and ``W`` multiples of
    ``network.scale``; ``sigma`` is a number or one per image.
    """
    dtype = np.result_type(noisy.dtype, np.float32)
    x = space_to_depth(noisy, network.scale)
    n, h, w, c = x.shape
    inputs = np.empty((n, h, w, c + (1 if network.noise_map else 0)), dtype)
    # Centred on zero, so that the first layer's units see values of both
    # signs: on raw [0, 1] values most ReLUs end up always on or always off
    # and the network trains as if it were linear.
    np.subtract(x, dtype.type(INPUT_OFFSET), out=inputs[..., :c])
    if not network.noise_map:
        return inputs
    level = np.broadcast_to(np.asarray(sigma, dtype).reshape(-1), (n,))
    inputs[..., c] = (level * dtype.type(network.noise_scale))[:, None, None]
    return inputs


def forward(network: Network, noisy: np.ndarray, sigma) -> np.ndarray:
    """Denoise a batch, unclipped: ``noisy`` minus the predicted noise.

    Parameters
    ----------
    network : Network
    noisy : ndarray
        ``(N, H, W, network.channels)`` float32, ``H`` and ``W`` multiples of
        ``network.scale``.
    sigma : float or ndarray
        Noise level of each image (standard deviation, image units 0..1).

    Returns
    -------
    ndarray
        ``(N, H, W, channels)`` float32.

    Examples
    --------
    >>> k = (np.zeros((3, 3, 13, 12), np.float32),)
    >>> net = Network(k, (np.zeros(12, np.float32),))
    >>> x = np.full((1, 4, 4, 3), 0.5, np.float32)
    >>> bool(np.array_equal(forward(net, x, 0.1), x))  # predicts no noise
    True
    """
    x = network_input(network, noisy, sigma)
    last = len(network.kernels) - 1
    for i, (k, b) in enumerate(zip(network.kernels, network.biases)):
        x = conv3x3(x, k, b)
        if i < last:
            relu(x)
    return noisy - depth_to_space(x, network.scale)


def _check_sigma(sigma) -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real) or not math.isfinite(sigma):
        raise ValueError(f"sigma must be a finite number, got {sigma!r}")
    if not 0.0 <= sigma <= 1.0:
        raise ValueError(f"sigma must be in [0, 1] (image units), got {sigma}")
    return float(sigma)


def denoise(image: np.ndarray, network: Network, sigma: float, *, tile: int = TILE,
            progress: Progress | None = None) -> np.ndarray:
    """Remove gaussian-like noise of level ``sigma`` with a trained network.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], gray ``(H, W)``, RGB or RGBA (alpha passed
        through untouched).
    network : Network
        A trained denoiser for ``network.channels`` = 3 colour channels; a
        gray image goes through it as a colour image with three equal
        channels and comes back as their mean.
    sigma : float
        Standard deviation of the noise to remove, in image units (0..1;
        25/255 is strong noise). Larger values smooth more.
    tile : int
        Side of the tiles the image is cut into, in pixels (rounded up to a
        multiple of the network's scale). Only memory and speed depend on it,
        not the result.
    progress : callable, optional
        Called with the fraction done after each tile; may raise to cancel.

    Returns
    -------
    ndarray
        New float32 image, same shape, clipped to [0, 1].

    Notes
    -----
    Each tile is read with a margin of ``network.margin`` pixels (one cell
    per layer) from its neighbours, which is the whole reach of the network:
    the tile's own zero padding never reaches its kept centre, and at the
    image's border the padding is the network's own. An odd height or width
    is extended by one mirrored row or column and cut back afterwards.

    Examples
    --------
    >>> k = (np.zeros((3, 3, 13, 12), np.float32),)
    >>> net = Network(k, (np.zeros(12, np.float32),))
    >>> img = np.full((5, 7), 0.25, np.float32)
    >>> bool(np.array_equal(denoise(img, net, 0.1), img))
    True
    """
    image = as_image(image)
    if not isinstance(network, Network):
        raise ValueError(f"network must be a Network, got {type(network).__name__}")
    sigma = _check_sigma(sigma)
    if isinstance(tile, bool) or not isinstance(tile, numbers.Integral) or tile < 1:
        raise ValueError(f"tile must be a positive integer, got {tile!r}")
    if network.channels != 3:
        raise ValueError(f"this denoiser needs a network for 3 colour channels, got {network.channels}")
    color, alpha = split_alpha(image)
    gray = color.ndim == 2
    src = color[..., None] if gray else color
    h, w = src.shape[:2]
    s = network.scale
    step = -(-int(tile) // s) * s
    hp, wp = -(-h // s) * s, -(-w // s) * s  # extended to whole cells
    m = network.margin
    out = np.empty((h, w) if gray else (h, w, 3), np.float32)
    boxes = [(y, min(y + step, hp), x, min(x + step, wp))
             for y in range(0, hp, step) for x in range(0, wp, step)]

    def run(box):
        y0, y1, x0, x1 = box
        # The margin stops at the extended image's border: beyond it the
        # network sees its own zero padding, exactly as on the whole image.
        by0, by1, bx0, bx1 = max(y0 - m, 0), min(y1 + m, hp), max(x0 - m, 0), min(x1 + m, wp)
        block = reflect_block(src, by0, by1, bx0, bx1)
        if gray:
            block = np.repeat(block, 3, axis=2)
        result = forward(network, block[None], sigma)[0]
        ty1, tx1 = min(y1, h), min(x1, w)
        kept = result[y0 - by0 : ty1 - by0, x0 - bx0 : tx1 - bx0]
        if gray:
            kept = kept.mean(axis=2)
        np.clip(kept, 0.0, 1.0, out=out[y0:ty1, x0:tx1])

    parallel_map(run, boxes, progress=progress)
    return merge_alpha(out, alpha)


def first_layer_kernels(network: Network) -> np.ndarray:
    """The first layer's kernels as small colour pictures, to show what the network looks for.

    Each output channel of the first layer weighs a 3 x 3 block of cells,
    which is a ``3 * scale`` square of pixels of the image; this puts every
    weight back at its pixel and colour (the noise-level channel left out).

    Returns
    -------
    ndarray
        ``(outputs, 3 * scale, 3 * scale, channels)`` float32 weights, not
        normalised.

    Examples
    --------
    >>> k = np.zeros((3, 3, 13, 2), np.float32); k[0, 2, 3 + 2, 1] = 1  # cell (0, 2), pixel (0, 1), blue
    >>> net = Network((k, np.zeros((3, 3, 2, 12), np.float32)), (np.zeros(2, np.float32), np.zeros(12, np.float32)))
    >>> pictures = first_layer_kernels(net)
    >>> pictures.shape, [int(i) for i in np.argwhere(pictures)[0]]
    ((2, 6, 6, 3), [1, 0, 5, 2])
    """
    s, c = network.scale, network.channels
    k = network.kernels[0][:, :, : s * s * c]  # (3, 3, s*s*c, out)
    out = k.shape[3]
    k = k.reshape(3, 3, s, s, c, out)  # (cell y, cell x, pixel i, pixel j, colour, out)
    return np.ascontiguousarray(k.transpose(5, 0, 2, 1, 3, 4).reshape(out, 3 * s, 3 * s, c), np.float32)


def feature_maps(image: np.ndarray, network: Network, sigma: float, layer: int = 0) -> np.ndarray:
    """What the channels of one layer respond to on an image (after its ReLU).

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1]; best small (a few hundred pixels a side),
        as the whole image goes through at once.
    network : Network
    sigma : float
        Noise level given to the network (image units).
    layer : int
        Which layer, from 0; the last layer has no ReLU.

    Returns
    -------
    ndarray
        ``(channels, H / scale, W / scale)`` float32, rounded up to whole cells.

    Examples
    --------
    >>> k = (np.ones((3, 3, 13, 4), np.float32), np.zeros((3, 3, 4, 12), np.float32))
    >>> net = Network(k, (np.zeros(4, np.float32), np.zeros(12, np.float32)))
    >>> feature_maps(np.zeros((6, 5), np.float32), net, 0.0).shape
    (4, 3, 3)
    """
    image = as_image(image)
    sigma = _check_sigma(sigma)
    if isinstance(layer, bool) or not isinstance(layer, numbers.Integral) or not 0 <= layer < len(network.kernels):
        raise ValueError(f"layer must be from 0 to {len(network.kernels) - 1}, got {layer!r}")
    color, _ = split_alpha(image)
    if color.ndim == 2:
        color = np.repeat(color[..., None], 3, axis=2)
    s = network.scale
    h, w = color.shape[:2]
    block = reflect_block(color, 0, -(-h // s) * s, 0, -(-w // s) * s)
    x = network_input(network, block[None], sigma)
    last = len(network.kernels) - 1
    for i in range(layer + 1):
        x = conv3x3(x, network.kernels[i], network.biases[i])
        if i < last:
            relu(x)
    return np.ascontiguousarray(x[0].transpose(2, 0, 1))
