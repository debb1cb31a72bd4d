"""Non-local means, one search offset at a time for all pixels at once.

Private to :func:`processing.restoration.denoise_nl_means`. For an offset
``o`` the squared difference between the image and the image shifted by
``o`` is summed over the patch with separable window sums (Gaussian
weights, a few multiply-adds per pixel per axis); that gives the distance
between the patch at every pixel ``p`` and the patch at ``p + o`` in a few
whole-array passes. The distance is symmetric, so the same map, read shifted
by ``o``, is the distance for offset ``-o``: only half the offsets are
computed.

Work is cut into bands of rows; one call of :func:`parallel_map` runs every
band for a small group of offsets (bands write disjoint rows of the
accumulators, so they never race), and the progress callback hears from it
after each band: a cancel waits for one band of a few offsets at most.
"""
from __future__ import annotations

import numpy as np

from ._parallel import parallel_map, split, workers
from ._progress import Progress, phase, report

__all__ = ["nl_means"]

# Pixel-offsets per task: a band of this many pixels for one offset pair, or
# fewer pixels for several. About 20-50 ms of NumPy work on one core.
_TASK_WORK = 1 << 19
# Rows per band aim at this many pixels (cache-sized working arrays).
_BAND_PIXELS = 1 << 17


def patch_weights(size: int) -> np.ndarray:
    """1-D Gaussian weights of a patch side, sigma ``(size - 1) / 4``, summing
    to 1 (their outer product weighs the patch, as in scikit-image)."""
    if size == 1:
        return np.ones(1)
    k = np.arange(size) - size // 2
    g = np.exp(-(k * k) / (2.0 * ((size - 1) / 4.0) ** 2))
    return g / g.sum()


def _weighted_sum(d: np.ndarray, g: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Separable weighted window sums of ``d``: ``(rows, cols)``.

    The weights are symmetric, so mirror taps are added before the one
    multiplication they share.
    """
    size = len(g)
    half = size // 2
    v = d[half : half + rows] * np.float32(g[half])
    tmp = np.empty_like(v)
    for k in range(half):
        np.add(d[k : k + rows], d[size - 1 - k : size - 1 - k + rows], out=tmp)
        tmp *= np.float32(g[k])
        v += tmp
    out = v[:, half : half + cols] * np.float32(g[half])
    tmp = np.empty_like(out)
    for k in range(half):
        np.add(v[:, k : k + cols], v[:, size - 1 - k : size - 1 - k + cols], out=tmp)
        tmp *= np.float32(g[k])
        out += tmp
    return out


def _band(planes, pad, pr, g, y0, y1, width, offsets, scale, bias, inv_h2, acc, wsum) -> None:
    """Add the weighted neighbours of rows ``y0:y1`` for ``offsets`` and their opposites.

    ``planes`` is the mirrored image, one contiguous plane per channel;
    ``acc`` the per-channel weighted sums, ``wsum`` the sum of weights.
    """
    nb = y1 - y0
    size = len(g)
    tmp = np.empty((nb, width), np.float32)
    for dy, dx in offsets:
        # Region Q of patch centres whose distance map serves both the
        # offset (pixels p of the band, read at p) and its opposite (read at p - o).
        qy0 = y0 - dy
        qx0 = min(0, -dx)
        q_rows, q_cols = nb + dy, width + abs(dx)
        ay, ax = qy0 - pr + pad, qx0 - pr + pad
        ry, rx = q_rows + size - 1, q_cols + size - 1
        d = None
        for plane in planes:
            diff = plane[ay : ay + ry, ax : ax + rx] - plane[ay + dy : ay + dy + ry, ax + dx : ax + dx + rx]
            diff *= diff
            if d is None:
                d = diff
            else:
                d += diff
        dist = _weighted_sum(d, g, q_rows, q_cols)
        # weight = exp(-max(weighted mean squared difference - 2 sigma^2, 0) / h^2)
        dist *= scale
        dist -= bias
        np.maximum(dist, 0.0, out=dist)
        dist *= -inv_h2
        weight = np.exp(dist, out=dist)
        w1 = weight[dy : dy + nb, -qx0 : -qx0 + width]
        w2 = weight[0:nb, -dx - qx0 : -dx - qx0 + width]
        for plane, total in zip(planes, acc):
            n1 = plane[y0 + dy + pad : y1 + dy + pad, dx + pad : dx + pad + width]
            n2 = plane[y0 - dy + pad : y1 - dy + pad, pad - dx : pad - dx + width]
            band = total[y0:y1]
            np.multiply(w1, n1, out=tmp)
            band += tmp
            np.multiply(w2, n2, out=tmp)
            band += tmp
        wsum[y0:y1] += w1
        wsum[y0:y1] += w2


def _mirrored_plane(color: np.ndarray, c: int, pad: int, progress: Progress | None) -> np.ndarray:
    """Channel ``c`` of ``color`` with ``pad`` mirrored pixels around it
    (``np.pad(mode="symmetric")``), copied in bands of rows with a progress
    call after each: reading one channel of an RGB image is slow, and a
    cancel should not wait for a whole 12 MP plane."""
    height, width = color.shape[:2]
    out = np.empty((height + 2 * pad, width + 2 * pad), np.float32)
    rows = max(1, (1 << 20) // max(width, 1))
    for y0 in range(0, height, rows):
        y1 = min(height, y0 + rows)
        out[pad + y0 : pad + y1, pad : pad + width] = color[y0:y1, :, c]
        report(progress, 0.0)
    return _mirror_edges(out, pad, height, width)


def _mirror_edges(out: np.ndarray, pad: int, height: int, width: int) -> np.ndarray:
    """Fill the ``pad`` border of ``out`` (interior already set) by mirror
    reflection with the edge repeated, however far it reaches."""
    cols = _reflect(np.arange(-pad, width + pad), width)
    rows = _reflect(np.arange(-pad, height + pad), height)
    inner = out[pad : pad + height]
    inner[:, :pad] = inner[:, pad + cols[:pad]]
    inner[:, pad + width :] = inner[:, pad + cols[pad + width :]]
    out[:pad] = out[pad + rows[:pad]]
    out[pad + height :] = out[pad + rows[pad + height :]]
    return out


def _reflect(i: np.ndarray, n: int) -> np.ndarray:
    """Source index of positions ``i`` mirrored with the edge repeated."""
    i = i % (2 * n)
    return np.where(i < n, i, 2 * n - 1 - i)


def nl_means(color: np.ndarray, h: float, patch_size: int, search_radius: int, sigma: float, *,
             progress: Progress | None = None) -> np.ndarray:
    """Non-local means of ``color`` ``(H, W, C)`` float32; see the public function."""
    height, width, channels = color.shape
    pr = patch_size // 2
    pad = pr + search_radius
    planes = [_mirrored_plane(color, c, pad, progress) for c in range(channels)]
    # The centre pixel (offset 0) has distance 0 and weight 1. (Copied from
    # the padded planes: whole rows, not every third float of an RGB image.)
    acc = []
    for plane in planes:
        acc.append(plane[pad : pad + height, pad : pad + width].copy())
        report(progress, 0.0)
    wsum = np.ones((height, width), np.float32)
    r = search_radius
    offsets = [(0, dx) for dx in range(1, r + 1)] + [(dy, dx) for dy in range(1, r + 1) for dx in range(-r, r + 1)]
    if not offsets:
        report(progress, 1.0)
        return np.stack(acc, axis=-1)
    rows = max(8, _BAND_PIXELS // max(width, 1))
    parts = max(-(-height // rows), min(height, 2 * workers()))
    bands = split(height, parts)
    band_pixels = max(1, -(-height // len(bands))) * width
    group = max(1, min(len(offsets), _TASK_WORK // band_pixels))
    groups = [offsets[i : i + group] for i in range(0, len(offsets), group)]
    weights = patch_weights(patch_size)
    scale = np.float32(1.0 / channels)
    bias = np.float32(2.0 * sigma * sigma)
    inv_h2 = np.float32(1.0 / (h * h))
    for g, chunk in enumerate(groups):
        parallel_map(
            lambda span, chunk=chunk: _band(planes, pad, pr, weights, span[0], span[1], width, chunk,
                                            scale, bias, inv_h2, acc, wsum),
            bands,
            progress=phase(progress, g / len(groups), (g + 1) / len(groups)),
        )
    out = np.empty(color.shape, np.float32)
    for c, total in enumerate(acc):
        np.divide(total, wsum, out=out[..., c])
    return out
