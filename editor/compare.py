"""Before/after comparison helpers (Qt-free): the difference heat map."""
from __future__ import annotations

import numpy as np

__all__ = ["difference_heatmap", "HEAT_COLORS"]

# Black -> purple -> red -> orange -> pale yellow: dark where nothing changed,
# bright where much did, readable for most colour-vision deficiencies.
HEAT_COLORS = np.array(
    [[0.0, 0.0, 0.0], [0.33, 0.06, 0.43], [0.78, 0.16, 0.26], [0.98, 0.55, 0.04], [0.99, 1.0, 0.64]],
    dtype=np.float32,
)


def difference_heatmap(after: np.ndarray, before: np.ndarray, gain: float = 4.0) -> np.ndarray:
    """Amplified absolute difference of two images as an RGB heat map.

    Parameters
    ----------
    after, before : ndarray
        float32 images of the same height and width (gray, RGB or RGBA; alpha
        is ignored, gray is compared with the mean of RGB).
    gain : float
        The largest per-channel difference is multiplied by this before
        colouring, so small changes show.

    Returns
    -------
    ndarray
        float32 RGB image in [0, 1].

    Raises
    ------
    ValueError
        If the two images differ in size.

    Examples
    --------
    >>> a = np.zeros((1, 2), np.float32); b = np.array([[0.0, 0.5]], np.float32)
    >>> heat = difference_heatmap(a, b)
    >>> heat[0, 0].tolist(), [round(float(v), 2) for v in heat[0, 1]]
    ([0.0, 0.0, 0.0], [0.99, 1.0, 0.64])
    """
    if after.shape[:2] != before.shape[:2]:
        # Callers put their own "Cannot compare:" in front: say only why.
        raise ValueError(
            f"the two images differ in size ({after.shape[1]} x {after.shape[0]} "
            f"and {before.shape[1]} x {before.shape[0]} pixels)"
        )

    def color(image):
        if image.ndim == 2:
            return image[..., None]
        return image[..., :3]

    a, b = color(after), color(before)
    if a.shape[2] != b.shape[2]:
        a = a.mean(axis=2, keepdims=True)
        b = b.mean(axis=2, keepdims=True)
    diff = np.abs(a - b).max(axis=2)
    level = np.clip(diff * np.float32(gain), 0.0, 1.0) * np.float32(len(HEAT_COLORS) - 1)
    low = np.minimum(level.astype(np.int32), len(HEAT_COLORS) - 2)
    t = (level - low)[..., None]
    return (HEAT_COLORS[low] * (1 - t) + HEAT_COLORS[low + 1] * t).astype(np.float32)
