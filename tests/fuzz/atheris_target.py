"""Coverage-guided fuzzing of the loaders with atheris (libFuzzer), for `make fuzz`.

The hypothesis tests beside this file mutate files in ways we thought of;
libFuzzer instead follows the branches its inputs reach inside the loaders,
Pillow's and tifffile's decoders included. Each input must end as the
hypothesis tests demand: a sane image or the editor's own read error, a
recipe or the editor's recipe error, an augmentation pipeline or the
pipeline error (and a pipeline that loads must run). Anything else (a raw exception, a hang
past the bound) stops the run with the input saved as ``crash-*``: keep it in
``corpus/`` as a regular test.

Usage::

    python tests/fuzz/atheris_target.py image  -max_total_time=60 [libFuzzer options]
    python tests/fuzz/atheris_target.py recipe -max_total_time=60
    python tests/fuzz/atheris_target.py pipeline -max_total_time=60

Not part of ``make test``: it runs for as long as it is told.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    from editor.augment_pipeline import PipelineError, loads_pipeline  # noqa: E402
    from editor.image_file import load_image  # noqa: E402
    from editor.recipe import RecipeError, loads_recipe  # noqa: E402
    from processing import augment  # noqa: E402

from tests.fuzz.common import seed_files  # noqa: E402
from tests.fuzz.test_fuzz_images import check_outcome  # noqa: E402
from tests.fuzz.test_fuzz_json import PIPELINE, PIXELS, RECIPE, dumps  # noqa: E402

_SCRATCH = Path(tempfile.mkdtemp(prefix="image-editor-atheris-"))
_SUFFIXES = [".png", ".jpg", ".tif", ".webp", ".bmp", ".gif"]


def fuzz_image(data: bytes) -> None:
    """Bytes as an image file, under the suffix the first byte picks."""
    if not data:
        return
    path = _SCRATCH / f"case{_SUFFIXES[data[0] % len(_SUFFIXES)]}"
    path.write_bytes(data[1:])
    check_outcome(path)  # asserts the outcome; the bound on time and memory is inside


def fuzz_recipe(data: bytes) -> None:
    """Bytes as the text of a recipe file."""
    try:
        loads_recipe(data.decode("utf-8", "replace"))
    except RecipeError:
        pass


def fuzz_pipeline(data: bytes) -> None:
    """Bytes as the text of a pipeline file; one that loads is applied."""
    try:
        steps = loads_pipeline(data.decode("utf-8", "replace"))
    except PipelineError:
        return
    for image in PIXELS.values():
        out = augment.apply(image, augment.sample(steps, len(data), image.shape[:2])).image
        assert out.dtype == image.dtype


TARGETS = {"image": fuzz_image, "recipe": fuzz_recipe, "pipeline": fuzz_pipeline}


def _seed_corpus(target: str) -> Path:
    """A folder of valid inputs for libFuzzer to start from."""
    folder = Path(tempfile.mkdtemp(prefix=f"image-editor-atheris-{target}-seeds-"))
    if target == "image":
        for i, (name, data) in enumerate(sorted(seed_files().items())):
            suffix = Path(name).suffix.lower()
            pick = _SUFFIXES.index(suffix) if suffix in _SUFFIXES else 0
            (folder / f"seed{i}").write_bytes(bytes([pick]) + data)
    elif target == "recipe":
        (folder / "recipe").write_text(dumps(RECIPE))
    else:
        (folder / "pipeline").write_text(dumps(PIPELINE))
    return folder


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: atheris_target.py {'|'.join(TARGETS)} [libFuzzer options]")
    target = argv[1]
    options = [a for a in argv[2:]]
    if not any(not a.startswith("-") for a in options):
        options.append(str(_seed_corpus(target)))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    atheris.Setup([argv[0], *options], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
