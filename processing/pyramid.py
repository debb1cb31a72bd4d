"""Integer-factor reduction for previews: the image at 1/2, 1/3, ... of its size."""
from __future__ import annotations

import numpy as np

from ._image import as_image, check_int

__all__ = ["reduce"]


def reduce(image: np.ndarray, factor: int) -> np.ndarray:
    """Shrink by an integer ``factor`` by averaging ``factor x factor`` blocks.

    Parameters
    ----------
    image : ndarray
        float32 image (gray, RGB or RGBA), or a 2-D bool mask.
    factor : int
        Reduction factor, >= 1. The output has ``ceil(H / factor)`` rows and
        ``ceil(W / factor)`` columns; partial blocks at the right and bottom
        edges average the pixels they have.

    Returns
    -------
    ndarray
        float32 reduced image (a bool mask is returned as the block coverage in
        [0, 1]); a copy when ``factor`` is 1.

    Notes
    -----
    Box averaging is the exact area integral for integer factors, so it does
    not alias and keeps the mean brightness.

    Examples
    --------
    >>> reduce(np.arange(16, dtype=np.float32).reshape(4, 4) / 16, 2).tolist()
    [[0.15625, 0.28125], [0.65625, 0.78125]]
    >>> reduce(np.ones((3, 5), np.float32), 2).shape
    (2, 3)
    """
    factor = check_int("factor", factor, 1)
    if image.dtype == np.bool_:
        image = image.astype(np.float32)
    image = as_image(image)
    if factor == 1:
        return image.copy()
    h, w = image.shape[:2]
    hf, wf = h // factor, w // factor
    out_h, out_w = -(-h // factor), -(-w // factor)
    out = np.empty((out_h, out_w) + image.shape[2:], np.float32)
    tail = image.shape[2:]
    if hf and wf:
        core = image[: hf * factor, : wf * factor].reshape((hf, factor, wf, factor) + tail)
        out[:hf, :wf] = core.mean(axis=(1, 3), dtype=np.float32)
    # Partial blocks on the right, bottom and corner: average what exists.
    if out_w > wf and hf:
        right = image[: hf * factor, wf * factor :].reshape((hf, factor, -1) + tail)
        out[:hf, wf] = right.mean(axis=(1, 2), dtype=np.float32)
    if out_h > hf:
        bottom = image[hf * factor :]
        for j in range(out_w):
            out[hf, j] = bottom[:, j * factor : (j + 1) * factor].mean(axis=(0, 1), dtype=np.float32)
    return out
