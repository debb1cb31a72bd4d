"""File faults lose nothing: a full disk, a read-only or vanished folder, a source deleted or changed."""
import errno
import os
from pathlib import Path

import numpy as np
import pytest

from editor import atomic
from editor.document import Document
from editor.errors import EditorError, ImageWriteError
from editor.image_file import ExportOptions, load_image, save_image
from editor.project import ProjectError, SourceChangedError, save_project
from editor.recipe import save_recipe
from editor.steps import Step
from tests.conftest import make_image

PIXELS = make_image((40, 50, 3), seed=4)
STEPS = (Step("filter.gaussian_blur", {"sigma": 1.0}),)


def only_file(folder: Path, name: str) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [name], "a temporary file was left behind"


@pytest.mark.parametrize("suffix, options", [
    (".png", ExportOptions()), (".jpg", ExportOptions()), (".tif", ExportOptions()),
    (".tif", ExportOptions(bit_depth=16)), (".png", ExportOptions(bit_depth=16)), (".webp", ExportOptions()),
])
def test_disk_full_during_export_keeps_the_previous_file(tmp_path, full_disk, suffix, options):
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"the previous export")
    with pytest.raises(ImageWriteError, match=f"Cannot write {target}: the disk is full"):
        save_image(target, PIXELS, options=options)
    assert target.read_bytes() == b"the previous export"
    only_file(tmp_path, target.name)


def test_disk_full_for_a_new_file_leaves_nothing(tmp_path, full_disk):
    with pytest.raises(ImageWriteError, match="the disk is full"):
        save_image(tmp_path / "new.png", PIXELS)
    assert list(tmp_path.iterdir()) == []


def test_disk_full_while_saving_a_project_or_recipe(tmp_path, full_disk):
    source = tmp_path / "photo.png"
    with open(source, "wb") as handle:  # plain open: only the atomic writer's files are on the full disk
        from PIL import Image

        Image.fromarray((PIXELS * 255).astype(np.uint8)).save(handle, "PNG")
    loaded = load_image(source)
    doc = Document(loaded.pixels, loaded.info, STEPS)
    project = tmp_path / "photo.iep.json"
    project.write_text("the previous project")
    with pytest.raises(EditorError, match="the disk is full"):
        save_project(project, doc)
    assert project.read_text() == "the previous project"
    with pytest.raises(EditorError, match="the disk is full"):
        save_recipe(tmp_path / "r.json", STEPS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.iep.json", "photo.png"]
    assert doc.steps == STEPS  # the document is untouched


@pytest.mark.parametrize("code, words", [(errno.EROFS, "the disk is read-only"), (errno.EDQUOT, "quota"),
                                         (errno.EACCES, "permission denied")])
def test_a_folder_that_cannot_be_written(tmp_path, monkeypatch, code, words):
    # Root may write into a read-only folder, so the system's refusal is simulated where it happens.
    real_open = os.open

    def refuse(path, flags, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise (PermissionError if code == errno.EACCES else OSError)(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(atomic.os, "open", refuse)
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    with pytest.raises(ImageWriteError, match=words):
        save_image(target, PIXELS)
    assert target.read_bytes() == b"old"


def test_a_folder_that_vanishes_before_the_rename(tmp_path, monkeypatch):
    folder = tmp_path / "usb"
    folder.mkdir()
    real_replace = os.replace

    def unplugged(src, dst):
        for entry in Path(src).parent.iterdir():
            entry.unlink()
        Path(src).parent.rmdir()
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", unplugged)
    with pytest.raises(ImageWriteError, match="the folder does not exist"):
        save_image(folder / "out.png", PIXELS)
    assert not folder.exists()


def test_a_folder_that_is_gone_already(tmp_path):
    with pytest.raises(ImageWriteError, match=f"Cannot write {tmp_path / 'gone' / 'x.png'}: the folder does not exist"):
        save_image(tmp_path / "gone" / "x.png", PIXELS)


def test_source_deleted_while_open_keeps_the_document_and_export_works(tmp_path):
    source = tmp_path / "photo.png"
    save_image(source, PIXELS)
    loaded = load_image(source)
    doc = Document(loaded.pixels, loaded.info, STEPS)
    before = np.array(doc.render())
    source.unlink()
    with pytest.raises(ProjectError, match=f"the source image {source} cannot be read"):
        save_project(tmp_path / "p.iep.json", doc)
    assert not (tmp_path / "p.iep.json").exists()
    np.testing.assert_array_equal(np.array(doc.render()), before)  # pixels were read once, at open
    save_image(tmp_path / "export.png", doc.render())
    assert load_image(tmp_path / "export.png").pixels.shape == PIXELS.shape


def test_source_changed_while_open_is_named_when_saving_the_project(tmp_path):
    from editor.project import SOURCE_HASH_KEY, file_sha256

    source = tmp_path / "photo.png"
    save_image(source, PIXELS)
    loaded = load_image(source)
    loaded.info.extra[SOURCE_HASH_KEY] = file_sha256(source)
    doc = Document(loaded.pixels, loaded.info, STEPS)
    save_image(source, make_image((40, 50, 3), seed=99))  # another program rewrites it
    with pytest.raises(SourceChangedError, match="was changed on disk after it was opened"):
        save_project(tmp_path / "p.iep.json", doc)
    assert not (tmp_path / "p.iep.json").exists() and doc.steps == STEPS
