"""Saved files are not private: a new file gets 0666 less the umask, a replaced one keeps its mode.

Issue 10, bug 4: exports, projects, recipes and batch outputs were created
0600 whatever the umask, and writing over a 0664 file made it 0600. Every
kind of file the editor writes goes through the same atomic writer; each is
checked here, new and written over, under two umasks.
"""
from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from editor.batch import apply_recipe_to_file
from editor.document import Document
from editor.image_file import ExportOptions, load_image, save_image
from editor.project import save_project
from editor.recipe import save_recipe
from editor.steps import Step
from tests.conftest import make_image

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
STEPS = (Step("tone.invert", {}),)


@pytest.fixture
def umask():
    """Set the process umask for one test, and put the old one back."""
    old = os.umask(0o022)
    try:
        yield os.umask
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def source(tmp_path) -> Path:
    path = tmp_path / "photo.png"
    save_image(path, make_image((12, 16, 3), seed=1))
    return path


def write_export(path: Path, source: Path) -> None:
    save_image(path, make_image((12, 16, 3), seed=2), options=ExportOptions(bit_depth=16))


def write_tiff_export(path: Path, source: Path) -> None:
    loaded = load_image(source)
    save_image(path, loaded.pixels, info=loaded.info, options=ExportOptions(tiff_compression="lzw"))


def write_project(path: Path, source: Path) -> None:
    loaded = load_image(source)
    save_project(path, Document(loaded.pixels, loaded.info))


def write_recipe(path: Path, source: Path) -> None:
    save_recipe(path, STEPS)


def write_batch_output(path: Path, source: Path) -> None:
    apply_recipe_to_file(STEPS, source, path, overwrite=True)


WRITERS = {
    "export-png": (write_export, "out.png"),
    "export-tiff": (write_tiff_export, "out.tif"),
    "project": (write_project, "photo.iep.json"),
    "recipe": (write_recipe, "steps.json"),
    "batch-apply": (write_batch_output, "photo-edited.jpg"),
}


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)], ids=["umask022", "umask002", "umask077"])
def test_new_file_gets_0666_less_the_umask(tmp_path, source, umask, kind, mask, expected):
    write, name = WRITERS[kind]
    umask(mask)
    target = tmp_path / name
    write(target, source)
    assert oct(mode_of(target)) == oct(expected)


@pytest.mark.parametrize("kind", WRITERS)
@pytest.mark.parametrize("old_mode", [0o664, 0o640, 0o600, 0o755], ids=oct)
def test_file_written_over_keeps_its_mode(tmp_path, source, umask, kind, old_mode):
    write, name = WRITERS[kind]
    umask(0o077)  # a new file would be 0600: the old mode must come from the old file
    target = tmp_path / name
    target.write_bytes(b"the old file")
    target.chmod(old_mode)
    write(target, source)
    assert target.read_bytes() != b"the old file"
    assert oct(mode_of(target)) == oct(old_mode)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


@pytest.mark.skipif(not IS_ROOT, reason="only root can give a file to another user")
@pytest.mark.parametrize("kind", WRITERS)
def test_file_written_over_by_root_keeps_its_owner_and_group(tmp_path, source, umask, kind):
    write, name = WRITERS[kind]
    target = tmp_path / name
    target.write_bytes(b"the old file")
    os.chown(target, 4321, 4322)
    target.chmod(0o664)
    write(target, source)
    info = os.stat(target)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (4321, 4322, 0o664)
