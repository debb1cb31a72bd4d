"""Synthetic noise: degrade an image on purpose, reproducibly.

Used to test the restorers (:mod:`processing.restoration`) and to augment
training data. Every kind is seeded: the same image, kind, amount and seed
give the same bytes on every run and machine, and an amount of 0 returns the
image unchanged. Alpha, where there is one, is passed through untouched.
"""
from __future__ import annotations

import numbers

import numpy as np

from ._image import as_image, check_range, merge_alpha, split_alpha

__all__ = ["NOISE_KINDS", "add_noise"]

NOISE_KINDS = ("gaussian", "salt_pepper", "poisson", "speckle")


def add_noise(image: np.ndarray, kind: str = "gaussian", amount: float = 0.05,
              seed: int = 0) -> np.ndarray:
    """Add random noise of a given kind and strength.

    Parameters
    ----------
    image : ndarray
        Float32 image in [0, 1], ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``.
    kind : {"gaussian", "salt_pepper", "poisson", "speckle"}
        - ``"gaussian"``: additive, independent per sample, standard
          deviation ``amount`` (in image units, 0..1).
        - ``"salt_pepper"``: a fraction ``amount`` of the pixels (0..1) turns
          black or white, half each; all channels of a pixel together.
        - ``"poisson"``: photon (shot) noise; ``amount`` is the standard
          deviation at full white, so darker values get less,
          ``amount * sqrt(value)``.
        - ``"speckle"``: multiplicative, ``value * (1 + n)`` with ``n`` of
          standard deviation ``amount``.
    amount : float
        Strength, >= 0 (at most 1 for ``"salt_pepper"``); 0 is the identity.
    seed : int
        Seed of the random generator (a non-negative integer). The same seed
        gives the same noise.

    Returns
    -------
    ndarray
        New float32 image of the same shape, clipped to [0, 1].

    Notes
    -----
    Poisson noise draws ``k ~ Poisson(value * peak)`` photons with
    ``peak = 1 / amount^2`` and returns ``k / peak``: the mean is the clean
    value and the variance ``amount^2 * value``.

    Examples
    --------
    >>> img = np.full((4, 4), 0.5, np.float32)
    >>> noisy = add_noise(img, "gaussian", 0.1, seed=1)
    >>> bool(np.array_equal(noisy, add_noise(img, "gaussian", 0.1, seed=1)))
    True
    >>> bool(np.array_equal(add_noise(img, "speckle", 0.0, seed=3), img))
    True
    """
    image = as_image(image)
    if kind not in NOISE_KINDS:
        raise ValueError(f"kind must be one of {', '.join(NOISE_KINDS)}; got {kind!r}")
    amount = check_range("amount", amount, 0.0, 1.0 if kind == "salt_pepper" else None)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if amount == 0.0:
        return image.copy()
    color, alpha = split_alpha(image)
    rng = np.random.default_rng(int(seed))
    if kind == "gaussian":
        noise = rng.standard_normal(color.shape, dtype=np.float32)
        noise *= np.float32(amount)
        out = noise
        out += color
    elif kind == "speckle":
        noise = rng.standard_normal(color.shape, dtype=np.float32)
        noise *= np.float32(amount)
        noise *= color
        out = noise
        out += color
    elif kind == "poisson":
        peak = 1.0 / (amount * amount)
        # float64 for the rate: peak can be large and the counts must stay exact.
        counts = rng.poisson(color.astype(np.float64) * peak)
        out = (counts / peak).astype(np.float32)
    else:  # salt_pepper
        draw = rng.random(color.shape[:2], dtype=np.float32)
        out = color.copy()
        # One draw per pixel: below amount/2 is pepper, in [amount/2, amount) salt.
        out[draw < amount * 0.5] = 0.0
        out[(draw >= amount * 0.5) & (draw < amount)] = 1.0
    np.clip(out, 0.0, 1.0, out=out)
    return merge_alpha(out, alpha)
