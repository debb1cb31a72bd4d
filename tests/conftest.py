"""Shared fixtures: seeded test images made on the fly (no files shipped)."""
from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Tests must pass on a slow, busy machine: no per-example deadline, no
# "too slow" health check. Under CI the examples are derandomised, so a run
# is repeatable and a failure there reproduces here.
settings.register_profile(
    "editor",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")),
)
settings.load_profile("editor")


def make_image(shape, seed=0, readonly=True) -> np.ndarray:
    """A smooth-plus-noise float32 image in [0, 1] of the given shape."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = 0.5 + 0.25 * np.sin(x / 3.0) * np.cos(y / 5.0)
    if len(shape) == 3:
        base = np.stack([base * (0.6 + 0.2 * c) for c in range(shape[2])], axis=-1)
    image = np.clip(base + rng.normal(0, 0.1, shape), 0, 1).astype(np.float32)
    if readonly:
        image.flags.writeable = False
    return image


@pytest.fixture(params=[(17, 23), (17, 23, 3), (17, 23, 4)], ids=["gray", "rgb", "rgba"])
def any_image(request) -> np.ndarray:
    """A read-only test image of each layout: gray, RGB and RGBA."""
    return make_image(request.param, seed=len(request.param))


@pytest.fixture
def rgb_image() -> np.ndarray:
    return make_image((32, 48, 3), seed=1)


@pytest.fixture
def full_disk(monkeypatch):
    """Every temporary file the atomic writer creates is backed by /dev/full:
    writes fail with ENOSPC. Returns a function that frees the disk again."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    real_open = os.open

    def open_on_full_disk(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith(".tmp"):
            full = real_open("/dev/full", os.O_RDWR)
            os.dup2(full, fd)
            os.close(full)
        return fd

    from editor import atomic

    monkeypatch.setattr(atomic.os, "open", open_on_full_disk)
    # Calling what the fixture gives frees the disk again.
    return lambda: monkeypatch.setattr(atomic.os, "open", real_open)
