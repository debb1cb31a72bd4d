"""Shared pieces of the fuzz tests: example counts, seeds, the outcome check.

The number of examples per target is small by default so the whole fuzz set
runs in well under a minute; ``make fuzz`` sets ``IMAGE_EDITOR_FUZZ_EXAMPLES``
to run many more. A case that finds a failure is kept in ``corpus/`` and
replayed by ``test_corpus.py`` as a regular test.
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import threading
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from PIL import Image

from editor.image_file import save_image
from editor.memory_guard import set_ceiling

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = int(os.environ.get("IMAGE_EDITOR_FUZZ_EXAMPLES", "25"))
# Far above any case here (a few kilobytes of pixels); a hang is a finding, not slowness.
HANG_SECONDS = 60
# Anything bigger than this is a blow-up for images of at most a few hundred pixels.
FUZZ_MEMORY_CEILING = 256 * 1024 * 1024
FUZZ_MAX_PIXELS = 4_000_000

fuzz_settings = settings(
    max_examples=EXAMPLES,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


@contextlib.contextmanager
def bounded():
    """Fail a case that hangs (main thread only), and refuse any estimate above the fuzz ceiling."""
    set_ceiling(FUZZ_MEMORY_CEILING)
    use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()
    if use_alarm:
        def hung(signum, frame):
            raise TimeoutError(f"a fuzz case ran for more than {HANG_SECONDS} s")

        previous = signal.signal(signal.SIGALRM, hung)
        signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        set_ceiling(None)


def _encoded(pixels: np.ndarray, suffix: str, **options) -> bytes:
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    import tempfile

    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / f"seed{suffix}"
        save_image(path, pixels, **options)
        return path.read_bytes()


def _pillow_bytes(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def seed_files() -> dict[str, bytes]:
    """Valid small files of every format and common mode, the starting points of mutation."""
    rng = np.random.default_rng(5)
    rgb = rng.random((9, 7, 3), dtype=np.float32)
    rgba = rng.random((6, 5, 4), dtype=np.float32)
    gray = rng.random((8, 6), dtype=np.float32)
    seeds = {
        "rgb.png": _encoded(rgb, ".png"),
        "rgba.png": _encoded(rgba, ".png"),
        "gray.jpg": _encoded(gray, ".jpg"),
        "rgb.jpg": _encoded(rgb, ".jpg"),
        "rgb.tif": _encoded(rgb, ".tif"),
        "rgb.webp": _encoded(rgb, ".webp"),
        "rgb.bmp": _encoded(rgb, ".bmp"),
    }
    from editor.image_file import ExportOptions

    seeds["gray16.png"] = _encoded(gray, ".png", options=ExportOptions(bit_depth=16))
    seeds["gray16.tif"] = _encoded(gray, ".tif", options=ExportOptions(bit_depth=16))
    palette = Image.fromarray((rgb * 255).astype(np.uint8)).convert("P")
    seeds["palette.gif"] = _pillow_bytes(palette, "GIF")
    seeds["palette.tif"] = _pillow_bytes(palette, "TIFF", compression="tiff_lzw")
    seeds["cmyk.jpg"] = _pillow_bytes(Image.fromarray((rgb * 255).astype(np.uint8)).convert("CMYK"), "JPEG")
    seeds["float.tif"] = _pillow_bytes(Image.fromarray(gray.astype(np.float32), "F"), "TIFF")
    return seeds
