"""Memory guard: outputs that cannot fit are refused up front, with a message, without allocating."""
import tracemalloc

import numpy as np
import pytest

from editor import memory_guard
from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import EditorError, ImageReadError
from editor.image_file import ImageInfo, load_image, save_image
from editor.memory_guard import (
    MemoryLimitError,
    available_bytes,
    ceiling_bytes,
    check_allocation,
    parse_size,
    set_ceiling,
)
from editor.recipe import RecipeError, encode_mask, loads_recipe
from editor.steps import Step


@pytest.fixture
def ceiling():
    """Set the editor's memory ceiling for one test."""
    def set_to(nbytes):
        set_ceiling(nbytes)
    yield set_to
    set_ceiling(None)


def test_meminfo_is_read(tmp_path):
    fake = tmp_path / "meminfo"
    fake.write_text("MemTotal:       24000000 kB\nMemFree:  100 kB\nMemAvailable:   12345678 kB\n")
    assert available_bytes(str(fake)) == 12345678 * 1024
    assert available_bytes(str(tmp_path / "none")) is None


def test_ceiling_from_the_environment_and_the_setting(ceiling):
    assert ceiling_bytes({"IMAGE_EDITOR_MEMORY_LIMIT": "512M"}) == 512 * 1024 * 1024
    assert ceiling_bytes({"IMAGE_EDITOR_MEMORY_LIMIT": "lots"}) is None
    assert ceiling_bytes({}) is None
    ceiling(1000)
    assert ceiling_bytes({"IMAGE_EDITOR_MEMORY_LIMIT": "512M"}) == 1000  # the setting wins
    with pytest.raises(ValueError):
        set_ceiling(-1)


@pytest.mark.parametrize("text, expected", [("1", 1), ("1k", 1024), ("2 GiB", 2 << 30), ("1.5G", 3 << 29), ("3TB", 3 << 40)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_the_environment_ceiling_refuses(monkeypatch):
    monkeypatch.setenv("IMAGE_EDITOR_MEMORY_LIMIT", "1M")
    with pytest.raises(MemoryLimitError, match=r"about 2\.0 MB of memory, more than the editor's memory limit \(1\.0 MB\)"):
        check_allocation(2_000_000, "This")
    check_allocation(1000, "This")


def test_eight_times_resize_of_a_2900_square_rgba_is_refused_without_allocating(ceiling, monkeypatch):
    ceiling(2 << 30)  # 2 GiB: the output alone is 8.6 GB
    image = np.zeros((2900, 2900, 4), np.float32)
    op = CATALOG.get("geometry.resize")
    tracemalloc.start()
    try:
        with pytest.raises(MemoryLimitError) as info:
            op.apply(image, op.validate({"mode": "scale", "scale": 8.0}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "Resize of this 2900 x 2900 image (giving 23200 x 23200 pixels)" in message
    assert "more than the editor's memory limit (2.1 GB)" in message
    assert info.value.needed >= 23200 * 23200 * 4 * 4  # at least the float32 RGBA output
    assert peak < 10_000_000  # nothing image-sized was allocated
    assert isinstance(info.value, EditorError)


def test_the_same_refusal_in_a_document_render(ceiling):
    # The window and headless both render through the document's steps.
    ceiling(2 << 30)
    doc = Document(np.zeros((2900, 2900, 4), np.float32), ImageInfo())
    doc.push(Step("geometry.resize", CATALOG.get("geometry.resize").validate({"mode": "scale", "scale": 8.0})))
    with pytest.raises(MemoryLimitError, match="Resize of this 2900 x 2900 image"):
        doc.render()


@pytest.mark.parametrize("op_id, values", [
    ("geometry.resize", {"mode": "scale", "scale": 2.5}),
    ("geometry.resize", {"mode": "scale", "scale": 0.01}),
    ("geometry.resize", {"mode": "size", "width": 17, "height": 0}),
    ("geometry.resize", {"mode": "size", "width": 0, "height": 9}),
    ("geometry.resize", {"mode": "size", "width": 5, "height": 40}),
    ("geometry.resize", {"mode": "size", "width": 0, "height": 0}),
    ("geometry.rotate90", {"k": 1}),
    ("geometry.rotate90", {"k": -2}),
    ("geometry.rotate", {"angle_deg": 33.3, "expand": True}),
    ("geometry.rotate", {"angle_deg": 90.0, "expand": True}),
    ("geometry.rotate", {"angle_deg": -180.0, "expand": True}),
    ("geometry.rotate", {"angle_deg": 12.0, "expand": False}),
    ("geometry.crop", {"x": 3, "y": 2, "width": 100, "height": 4}),
    ("geometry.crop", {"x": 0, "y": 0, "width": 5, "height": 5}),
    ("geometry.perspective", {"quad": ((1, 1), (20, 2), (19, 11), (2, 12))}),
    ("geometry.perspective", {"quad": ((0, 0),) * 4, "width": 7, "height": 0}),
    ("geometry.perspective", {"quad": ((0, 0),) * 4}),
])
@pytest.mark.parametrize("shape", [(13, 23), (13, 23, 3), (20, 7, 4)])
def test_declared_output_shape_matches_the_real_output(op_id, values, shape):
    op = CATALOG.get(op_id)
    params = op.validate(values)
    image = np.random.default_rng(0).random(shape, dtype=np.float32)
    try:
        real = op.function(image, **params)
    except ValueError:
        pytest.skip("the function refuses this combination")
    assert op.result_shape(shape, params)[:2] == real.shape[:2]


def test_every_size_changing_operation_declares_its_output_shape():
    for op in CATALOG:
        if op.changes_size:
            assert op.output_shape is not None, op.id


def test_a_huge_perspective_quad_is_refused_by_the_guard_not_overflowing():
    # Validation refuses such a quad; the guard is the second line for values that bypass it.
    op = CATALOG.get("geometry.perspective")
    params = {**op.defaults(), "quad": ((0, 0), (1e308, 0), (1e308, 1e308), (0, 1e308))}
    with pytest.raises(MemoryLimitError, match="more than a million terabytes"):
        op.apply(np.zeros((8, 8), np.float32), params)


def test_loading_an_image_that_cannot_fit_is_refused_before_decoding(tmp_path, ceiling):
    path = tmp_path / "big.png"
    save_image(path, np.zeros((600, 800, 3), np.float32))
    ceiling(1_000_000)
    with pytest.raises(ImageReadError, match=r"Opening this 800 x 600 image would need about .* more than the editor's memory limit"):
        load_image(path)
    ceiling(None)
    assert load_image(path).pixels.shape == (600, 800, 3)


def test_a_mask_that_cannot_fit_is_refused(ceiling):
    mask = np.zeros((1000, 1000), bool)
    text = (
        '{"format": "image-editor-recipe", "version": 1, "steps": [{"op": "filter.gaussian_blur", '
        '"params": {"sigma": 1.0}, "enabled": true, "mask": %s}]}'
    ) % __import__("json").dumps(encode_mask(mask))
    assert loads_recipe(text)[0].mask.shape == (1000, 1000)
    ceiling(100_000)
    with pytest.raises(RecipeError, match="mask cannot be decoded: A 1000 x 1000 mask would need") as info:
        loads_recipe(text)
    assert info.value.field == "mask"


def test_headless_apply_refuses_with_one_line(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from editor.recipe import save_recipe

    root = Path(__file__).resolve().parents[2]
    save_image(tmp_path / "a.png", np.zeros((300, 300, 4), np.float32))
    save_recipe(tmp_path / "r.json", [Step("geometry.resize", CATALOG.get("geometry.resize").validate({"mode": "scale", "scale": 8.0}))])
    env = {**os.environ, "IMAGE_EDITOR_MEMORY_LIMIT": "20M"}
    done = subprocess.run(
        [sys.executable, "-m", "editor", "apply", str(tmp_path / "r.json"), str(tmp_path / "a.png")],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Resize of this 300 x 300 image (giving 2400 x 2400 pixels) would need" in lines[0]
    assert not (tmp_path / "a-edited.png").exists()
