"""Validation and channel helpers shared by every processing module.

Kept private: these are the conventions of the package (float32 in [0, 1],
gray or RGB(A), alpha passed through), not operations a user picks.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["as_image", "split_alpha", "merge_alpha", "check_range", "check_int", "check_point"]


def as_image(image, name: str = "image") -> np.ndarray:
    """Validate an image and return it as a float32 array (no copy if possible).

    Parameters
    ----------
    image : ndarray
        Float array shaped ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``.
    name : str
        Name used in error messages.

    Returns
    -------
    ndarray
        The same data as float32; a view when the input is already float32.

    Raises
    ------
    TypeError
        If ``image`` is not a floating-point NumPy array.
    ValueError
        If its shape is not that of a gray, RGB or RGBA image, or it is empty.

    Examples
    --------
    >>> as_image(np.zeros((2, 3), np.float32)).shape
    (2, 3)
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(image).__name__}")
    if image.dtype.kind != "f":
        raise TypeError(
            f"{name} must be floating point in [0, 1], got dtype {image.dtype}; "
            "convert integer images when loading them"
        )
    if image.ndim == 3 and image.shape[2] not in (3, 4):
        raise ValueError(f"{name} must have 3 or 4 channels, got {image.shape[2]}")
    if image.ndim not in (2, 3):
        raise ValueError(f"{name} must be 2-D (gray) or 3-D (RGB/RGBA), got shape {image.shape}")
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {image.shape}")
    return image.astype(np.float32, copy=False)


def split_alpha(image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Split an RGBA image into its colour and alpha; others have no alpha.

    Examples
    --------
    >>> color, alpha = split_alpha(np.zeros((2, 2, 4), np.float32))
    >>> color.shape, alpha.shape
    ((2, 2, 3), (2, 2))
    """
    if image.ndim == 3 and image.shape[2] == 4:
        return image[..., :3], image[..., 3]
    return image, None


def merge_alpha(color: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    """Reattach an alpha plane removed by :func:`split_alpha`.

    Examples
    --------
    >>> merge_alpha(np.zeros((2, 2, 3), np.float32), np.ones((2, 2), np.float32)).shape
    (2, 2, 4)
    """
    if alpha is None:
        return color
    out = np.empty(color.shape[:2] + (4,), dtype=np.float32)
    out[..., :3] = color
    out[..., 3] = alpha
    return out


def check_range(name: str, value: float, low: float | None = None, high: float | None = None) -> float:
    """Return ``value`` as float if ``low <= value <= high``, else raise ValueError.

    Examples
    --------
    >>> check_range("sigma", 2, 0)
    2.0
    >>> check_range("sigma", -1, 0)
    Traceback (most recent call last):
    ...
    ValueError: sigma must be >= 0, got -1
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and number < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return number


def check_int(name: str, value: int, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as int if it is integral and in range, else raise ValueError.

    Examples
    --------
    >>> check_int("radius", 3, 0)
    3
    >>> check_int("radius", 2.5, 0)
    Traceback (most recent call last):
    ...
    ValueError: radius must be an integer, got 2.5
    >>> check_int("radius", "x")
    Traceback (most recent call last):
    ...
    ValueError: radius must be an integer, got 'x'
    """
    try:
        integral = not isinstance(value, bool) and float(value).is_integer()
    except (TypeError, ValueError):
        integral = False
    if not integral:
        raise ValueError(f"{name} must be an integer, got {value!r}")
    number = int(value)
    if low is not None and number < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
    if high is not None and number > high:
        raise ValueError(f"{name} must be <= {high}, got {value!r}")
    return number


def check_point(name: str, value) -> tuple[float, float]:
    """``value`` as a finite ``(x, y)`` pair of floats; ValueError naming ``name``.

    Examples
    --------
    >>> check_point("start", [3, 4.5])
    (3.0, 4.5)
    """
    try:
        x, y = (float(v) for v in value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a pair of numbers (x, y), got {value!r:.60}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{name} must be finite, got ({x}, {y})")
    return x, y
