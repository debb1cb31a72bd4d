"""The untrusted-input boundary: special files, sizes, nesting, masks, library chatter."""
import base64
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from editor.errors import EditorError, ImageReadError
from editor.image_draft import load_draft
from editor.image_file import load_image, save_image
from editor.project import ProjectError, file_sha256, load_project, read_project
from editor.recipe import RecipeError, decode_mask, load_recipe, loads_recipe
from editor.untrusted import (
    MAX_JSON_DEPTH,
    UntrustedInputError,
    check_json_depth,
    json_depth,
    open_regular,
    read_regular_bytes,
)

ROOT = Path(__file__).resolve().parents[2]
HUGE = "1" + "0" * 400


def recipe_text(steps):
    return json.dumps({"format": "image-editor-recipe", "version": 1, "steps": steps})


def blur_step(**extra):
    return {"op": "filter.gaussian_blur", "params": {"sigma": 1.0}, "enabled": True, **extra}


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    return path


# -- special files ------------------------------------------------------------------
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_devices_are_refused_by_every_reader(device, tmp_path):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(ImageReadError, match="device, not a regular file"):
        load_image(device)
    with pytest.raises(RecipeError, match=f"Cannot read recipe {device}: it is a device"):
        load_recipe(device)
    with pytest.raises(ProjectError, match="it is a device"):
        read_project(device)
    with pytest.raises(UntrustedInputError):
        file_sha256(device)
    assert load_draft(device, 10, 10) is None


def test_project_whose_source_is_dev_zero_is_refused_at_once(tmp_path):
    # Hashing /dev/zero never ends: the project must be refused before reading a byte of it.
    project = tmp_path / "p.iep.json"
    project.write_text(json.dumps({
        "format": "image-editor-project", "version": 1,
        "source": {"path": "/dev/zero", "sha256": "0" * 64}, "steps": [],
    }))
    with pytest.raises(ProjectError, match=r"source image /dev/zero cannot be read \(it is a device") as info:
        load_project(project)
    assert info.value.field == "source"


def test_a_named_pipe_is_refused_without_blocking(fifo):
    # No writer ever opens the pipe: a blocking open would wait forever.
    with pytest.raises(ImageReadError, match="pipe, not a regular file"):
        load_image(fifo)
    with pytest.raises(RecipeError, match="pipe, not a regular file"):
        load_recipe(fifo)
    with pytest.raises(ProjectError, match="pipe, not a regular file"):
        read_project(fifo)
    with pytest.raises(UntrustedInputError, match="pipe"):
        open_regular(fifo)


def test_a_folder_is_still_reported_as_a_folder(tmp_path):
    with pytest.raises(RecipeError, match="it is a folder"):
        load_recipe(tmp_path)
    with pytest.raises(IsADirectoryError):
        open_regular(tmp_path)


def test_symlink_to_a_regular_file_is_read(tmp_path):
    target = tmp_path / "real.json"
    target.write_bytes(b"{}")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert read_regular_bytes(link) == b"{}"


# -- sizes --------------------------------------------------------------------------
def test_a_recipe_larger_than_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:  # sparse: 100 MB that take no disk space
        handle.truncate(100_000_000)
    with pytest.raises(RecipeError, match=r"it is 100\.0 MB, more than the 67\.1 MB"):
        load_recipe(path)


def test_read_regular_bytes_limit():
    data = read_regular_bytes(__file__, max_bytes=10_000_000)
    assert data == Path(__file__).read_bytes()
    with pytest.raises(UntrustedInputError, match="more than the 0.0 MB"):
        read_regular_bytes(__file__, max_bytes=10)


# -- nesting ------------------------------------------------------------------------
def reference_depth(value):
    if isinstance(value, dict):
        return 1 + max((reference_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((reference_depth(v) for v in value), default=0)
    return 0


@pytest.mark.parametrize("value", [
    0, "x", [], {}, [[[]]], {"a": [1, {"b": "]]]]"}]},
    ["\\", "\"[[", {"\\\\": ["\\\"{"]}], [["a\\\\"], "b"],
])
def test_json_depth_ignores_brackets_inside_strings(value):
    text = json.dumps(value)
    assert json_depth(text) == reference_depth(value)
    assert json_depth(text.encode()) == reference_depth(value)


def test_deep_nesting_is_refused_before_parsing():
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000):
        with pytest.raises(RecipeError, match=f"at most {MAX_JSON_DEPTH} are allowed"):
            loads_recipe(text)
    check_json_depth("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)  # the limit itself is fine
    with pytest.raises(RecipeError, match="it nests 40 levels deep; at most 32 are allowed"):
        loads_recipe('{"format": "image-editor-recipe", "version": 1, "steps": ' + "[" * 39 + "]" * 39 + "}")


def test_value_depth_agrees_with_the_text_scan():
    from editor.untrusted import value_depth

    for value in ([], {}, [[[]]], {"a": [1, {"b": "]]]]"}]}, ["\\", "\"[[", {"k": [[[], [[]]]]}]):
        assert value_depth(value) == json_depth(json.dumps(value)) == reference_depth(value)


# -- the examples -------------------------------------------------------------
@pytest.mark.parametrize("text, pattern", [
    ('{"format": [1], "version": 1, "steps": []}', r"not a recipe file \(format marker is \[1\]"),
    ('{"format": {"a": 1}, "version": 1, "steps": []}', r"format marker is \{'a': 1\}"),
    ('{"format": "image-editor-recipe", "version": %s, "steps": []}' % HUGE, r"format version 1000+\.\.\.;"),
    ('{"format": "image-editor-recipe", "version": %s, "steps": []}' % ("9" * 50000), r"format version 1000+\.\.\.;"),
    ('{"format": "image-editor-recipe", "version": [1], "steps": []}', r"version must be a whole number >= 1, got \[1\]"),
])
def test_hostile_document_fields(text, pattern):
    with pytest.raises(RecipeError, match=pattern) as info:
        loads_recipe(text)
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("digits", [401, 5000, 100_000])
def test_enormous_integers_in_a_parameter_name_the_field(digits):
    text = recipe_text([{"op": "filter.gaussian_blur", "params": {"sigma": 0}}]).replace('"sigma": 0', '"sigma": ' + "9" * digits)
    with pytest.raises(RecipeError, match=r"step 1 \(Gaussian blur, filter.gaussian_blur\): sigma") as info:
        loads_recipe(text)
    assert info.value.field == "sigma"
    assert len(str(info.value)) < 300


@pytest.mark.parametrize("shape", [[int(HUGE), 1], [1, int(HUGE)], [100_000, 100_000], [-1, 2], [1.5, 2], [1, 2, 3]])
def test_hostile_mask_shapes_are_refused_before_allocation(shape):
    mask = {"encoding": "packbits-zlib-base64", "shape": shape, "data": ""}
    with pytest.raises(RecipeError, match="mask shape") as info:
        loads_recipe(recipe_text([blur_step(mask=mask)]))
    assert info.value.field == "mask" and info.value.step == 1
    assert len(str(info.value)) < 300


def test_a_mask_that_would_inflate_to_gigabytes_is_refused_up_front(monkeypatch):
    # 40000 x 40000 pixels = 200 MB packed; deflate cannot reach that from 1 KB.
    data = base64.b64encode(zlib.compress(b"\0" * 1000)).decode()
    mask = {"encoding": "packbits-zlib-base64", "shape": [40_000, 40_000], "data": data}

    def no_inflating(*args, **kwargs):
        raise AssertionError("inflated a payload that cannot hold the mask")

    monkeypatch.setattr(zlib, "decompressobj", no_inflating)
    with pytest.raises(ValueError, match="too short to hold a 40000x40000 mask"):
        decode_mask(mask)


def test_a_real_zlib_bomb_mask_is_refused_without_inflating_it_all():
    # A valid stream that inflates far past what the shape needs: inflation stops at the shape.
    payload = zlib.compress(b"\0" * 50_000_000, 9)
    mask = {"encoding": "packbits-zlib-base64", "shape": [100, 80], "data": base64.b64encode(payload).decode()}
    with pytest.raises(ValueError, match="does not hold a 100x80 mask"):
        decode_mask(mask)


def test_a_well_formed_mask_still_loads():
    from editor.recipe import encode_mask

    mask = np.zeros((300, 200), bool)
    mask[10:50, 20:90] = True
    assert np.array_equal(decode_mask(encode_mask(mask)), mask)


# -- library output at the command line ------------------------------------------------
def bomb_png(path, width, height):
    """A PNG whose header claims width x height pixels and holds a few bytes of data."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def run_cli(*args, env_extra=None, code=None):
    env = {**os.environ, "PYTHONWARNINGS": "always", **(env_extra or {})}
    command = [sys.executable, "-c", code] if code else [sys.executable, "-m", "editor", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_decompression_bomb_warning_never_reaches_the_terminal(tmp_path):
    # 10000 x 9000 = 90 MP: past Pillow's warning threshold, so Pillow warns while opening it.
    bomb = tmp_path / "bomb.png"
    bomb_png(bomb, 10_000, 9_000)
    save_image(tmp_path / "ok.png", np.zeros((4, 4), np.float32))
    (tmp_path / "r.json").write_text(recipe_text([blur_step()]))
    log = tmp_path / "library.log"
    done = run_cli("apply", str(tmp_path / "r.json"), str(bomb), env_extra={"IMAGE_EDITOR_LOG": str(log)})
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"FAILED  {bomb}:")
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr
    assert "DecompressionBombWarning" in log.read_text()


def test_warnings_and_c_level_messages_are_logged_not_printed(tmp_path):
    # A library that warns from Python and writes to descriptor 2 from C, then fails.
    code = """
import os, sys, warnings
import numpy as np
from editor import cli
from editor.errors import ImageReadError

def noisy(args):
    warnings.warn("Possibly corrupt EXIF data", UserWarning)
    np.log(np.zeros(1))  # NumPy RuntimeWarning: divide by zero
    os.write(2, b"TIFFReadDirectory: Warning, Unknown field with tag 50001\\n")
    raise ImageReadError("x.tif", "the file is damaged")

cli._cmd_ops = noisy
cli.SUBCOMMANDS["ops"] = lambda sub: sub.add_parser("ops").set_defaults(run=noisy)
sys.exit(cli.main(["ops"]))
"""
    log = tmp_path / "library.log"
    done = run_cli(code=code, env_extra={"IMAGE_EDITOR_LOG": str(log)})
    assert done.returncode == 2
    assert done.stderr == "image-editor: Cannot open x.tif: the file is damaged\n"
    text = log.read_text()
    assert "UserWarning: Possibly corrupt EXIF data" in text
    assert "RuntimeWarning: divide by zero" in text
    assert "TIFFReadDirectory: Warning" in text


def test_messages_of_the_editor_itself_still_reach_stderr(tmp_path):
    done = run_cli("recipe-check", "/dev/zero")
    assert done.returncode == 2
    assert done.stderr == "image-editor: Cannot read recipe /dev/zero: it is a device, not a regular file\n"
