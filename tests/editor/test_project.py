"""Projects: source reference and hash, exact render on reopening, clear errors."""
import hashlib
import json
import os
import shutil

import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import ImageReadError
from editor.image_file import load_image, save_image
from editor.operations import Operation
from editor.params import FloatParam
from editor.project import (
    PROJECT_FORMAT_VERSION,
    ProjectError,
    SourceChangedError,
    SourceMissingError,
    file_sha256,
    load_project,
    save_project,
)
from editor.recipe import RecipeError, steps_to_data
from tests.conftest import make_image


def shift(image, amount=0.1):
    return np.clip(image + np.float32(amount), 0, 1).astype(np.float32)


SHIFT = Operation("test.shift", "Shift", "Test", shift, (FloatParam("amount", "Amount", 0.1, minimum=-1, maximum=1),))
CAT = CATALOG.extended([SHIFT])


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "images" / "photo.png"
    path.parent.mkdir()
    save_image(path, make_image((24, 32, 3), seed=5))
    return path


def edited_document(photo, catalog=CATALOG):
    loaded = load_image(photo)
    doc = Document(loaded.pixels, loaded.info, catalog=catalog)
    mask = np.zeros(loaded.pixels.shape[:2], bool)
    mask[5:15, 3:20] = True
    doc.push(doc.make_step("filter.gaussian_blur", sigma=1.7))
    doc.push(doc.make_step("tone.brightness_contrast", brightness=0.1, contrast=0.3, mask=mask))
    doc.push(doc.make_step("filter.gaussian_blur", sigma=0.6).with_enabled(False))
    doc.push(doc.make_step("tone.brightness_contrast", brightness=-0.05, contrast=1 / 7))
    return doc


def test_round_trip_restores_the_exact_render_and_the_editable_stack(photo, tmp_path):
    doc = edited_document(photo)
    project = save_project(photo.with_suffix(".iep.json"), doc)
    reopened = load_project(project)
    assert reopened.steps == doc.steps
    np.testing.assert_array_equal(reopened.steps[1].mask, doc.steps[1].mask)
    np.testing.assert_array_equal(reopened.render(), doc.render())
    np.testing.assert_array_equal(reopened.source, doc.source)
    assert reopened.info.path == str(photo)
    # Still editable: re-editing a reopened step renders like the original would.
    doc.replace(0, doc.steps[0].with_params(sigma=3.0))
    reopened.replace(0, reopened.steps[0].with_params(sigma=3.0))
    np.testing.assert_array_equal(reopened.render(), doc.render())


def test_the_selection_is_kept_in_the_project_and_must_fit_the_edited_image(photo, tmp_path):
    from editor.selection import Selection

    doc = edited_document(photo)
    doc.push(doc.make_step("geometry.crop", x=2, y=3, width=20, height=15))
    soft = np.zeros((15, 20), np.float32)
    soft[2:9, 4:12] = 1.0
    soft[2:9, 12] = 128 / 255
    doc.set_selection(Selection(soft))
    project = save_project(photo.with_suffix(".iep.json"), doc)
    reopened = load_project(project)
    np.testing.assert_array_equal(reopened.selection.mask, soft)
    assert load_project(save_project(tmp_path / "none.iep.json", edited_document(photo))).selection is None

    data = json.loads(project.read_text())
    data["steps"] = data["steps"][:-1]  # without the crop, the selection no longer fits
    project.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="the selection is 20x15 pixels but the edited image is 32x24"):
        load_project(project)
    data["selection"] = {"encoding": "packbits-zlib-base64", "shape": [2, 2], "data": "!!"}
    project.write_text(json.dumps(data))
    with pytest.raises(ProjectError, match="the selection"):
        load_project(project)


def test_file_content(photo, tmp_path):
    project = save_project(tmp_path / "p.json", edited_document(photo))
    data = json.loads(project.read_text())
    assert data["format"] == "image-editor-project" and data["version"] == PROJECT_FORMAT_VERSION
    assert data["source"] == {"path": "images/photo.png", "sha256": hashlib.sha256(photo.read_bytes()).hexdigest()}
    assert [s["op"] for s in data["steps"]] == ["filter.gaussian_blur", "tone.brightness_contrast"] * 2
    assert data["steps"][1]["mask"]["shape"] == [24, 32]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["images", "p.json"]  # written atomically, nothing left over


def test_source_path_relative_so_a_moved_folder_still_opens(photo, tmp_path):
    doc = edited_document(photo)
    save_project(photo.parent / "photo.iep.json", doc)
    moved = tmp_path / "elsewhere"
    shutil.move(photo.parent, moved)
    reopened = load_project(moved / "photo.iep.json")
    assert reopened.info.path == str(moved / "photo.png")
    np.testing.assert_array_equal(reopened.render(), doc.render())


def test_source_moved_alone_is_reported_and_can_be_located(photo, tmp_path):
    doc = edited_document(photo)
    project = save_project(tmp_path / "p.json", doc)
    new_place = tmp_path / "found.png"
    photo.rename(new_place)
    with pytest.raises(SourceMissingError, match="was not found at .*photo.png; locate it") as info:
        load_project(project)
    assert info.value.expected_path == str(photo)
    assert isinstance(info.value, ProjectError)
    reopened = load_project(project, source_path=new_place)
    assert reopened.info.path == str(new_place)
    np.testing.assert_array_equal(reopened.render(), doc.render())


def test_changed_source_is_reported_unless_accepted(photo, tmp_path):
    doc = edited_document(photo)
    project = save_project(tmp_path / "p.json", doc)
    save_image(photo, make_image((24, 32, 3), seed=6))
    with pytest.raises(SourceChangedError, match="content has changed") as info:
        load_project(project)
    assert info.value.path == str(photo)
    assert info.value.actual_sha256 == file_sha256(photo) != info.value.expected_sha256
    reopened = load_project(project, accept_changed_source=True)
    assert reopened.steps == doc.steps
    np.testing.assert_array_equal(reopened.source, load_image(photo).pixels)
    # A located file is hash-checked too.
    other = tmp_path / "other.png"
    save_image(other, make_image((24, 32, 3), seed=7))
    with pytest.raises(SourceChangedError):
        load_project(project, source_path=other)


def test_saving_after_the_source_changed_on_disk_is_refused(photo, tmp_path):
    reopened = load_project(save_project(tmp_path / "p.json", edited_document(photo)))
    save_image(photo, make_image((24, 32, 3), seed=8))
    with pytest.raises(SourceChangedError, match="changed on disk after it was opened"):
        save_project(tmp_path / "p2.json", reopened)
    assert not (tmp_path / "p2.json").exists()


def test_saving_needs_a_source_file(tmp_path):
    with pytest.raises(ProjectError, match="not opened from a file"):
        save_project(tmp_path / "p.json", Document(make_image((4, 4))))


def test_absolute_path_when_no_relative_one_exists(photo, tmp_path, monkeypatch):
    import editor.project as project_module

    def no_relpath(path, start=None):
        raise ValueError("path is on mount 'C:', start on mount 'D:'")

    monkeypatch.setattr(project_module.os.path, "relpath", no_relpath)
    data = json.loads(save_project(tmp_path / "p.json", edited_document(photo)).read_text())
    assert data["source"]["path"] == str(photo) and os.path.isabs(data["source"]["path"])
    monkeypatch.undo()
    assert load_project(tmp_path / "p.json").info.path == str(photo)


def test_extended_catalog_steps_round_trip(photo, tmp_path):
    loaded = load_image(photo)
    doc = Document(loaded.pixels, loaded.info, catalog=CAT)
    doc.push(doc.make_step("test.shift", amount=0.2))
    project = save_project(tmp_path / "p.json", doc)
    np.testing.assert_array_equal(load_project(project, catalog=CAT).render(), doc.render())
    with pytest.raises(ProjectError, match=r"step 1 \(test.shift\): unknown operation"):
        load_project(project)  # the default catalog does not have the fake


# -- corrupted or hand-edited files -----------------------------------------------------------
def mutate(project, change):
    data = json.loads(project.read_text())
    change(data)
    project.write_text(json.dumps(data))


def set_step(index, key, value):
    def change(data):
        data["steps"][index][key] = value
    return change


def set_param(index, name, value):
    def change(data):
        data["steps"][index]["params"][name] = value
    return change


@pytest.mark.parametrize(
    "change, pattern, where",
    [
        (set_param(1, "contrast", 5), r"step 2 \(Brightness / contrast, tone.brightness_contrast\): contrast must be between",
         (2, "contrast")),
        (set_param(0, "sigma", "big"), r"step 1 \(Gaussian blur, filter.gaussian_blur\): sigma must be a number", (1, "sigma")),
        (set_param(0, "sigma", 10**400), r"step 1 \(Gaussian blur, filter.gaussian_blur\): sigma must be a number of "
         "sensible size", (1, "sigma")),
        (set_param(1, "brightness", [0.1]), r"step 2 .*brightness must be a number, got a list", (2, "brightness")),
        (set_step(3, "op", "tone.brightnes_contrast"), "step 4 .*did you mean 'tone.brightness_contrast'", (4, "op")),
        (lambda d: d["steps"][2]["params"].pop("sigma"), r"step 3 .*parameter 'sigma' is missing", (3, "sigma")),
        (set_param(0, "radius", 3), r"step 1 .*unknown parameter 'radius'", (1, "radius")),
        (lambda d: d["steps"][1]["mask"].update(data="AAAA"), r"step 2 .*mask data is damaged", (2, "mask")),
        (lambda d: d.update(version=PROJECT_FORMAT_VERSION + 1), "newer version of the editor", (None, "version")),
        (lambda d: d.update(format="image-editor-recipe"), "recipe file, not a project file", (None, "format")),
        (lambda d: d.pop("source"), "'source' must be an object", (None, "source")),
        (lambda d: d["source"].update(sha256="xyz"), "sha256 must be 64 hex digits", (None, "source")),
        (lambda d: d["source"].update(path=3), "source path must be a file path", (None, "source")),
        (lambda d: d.pop("steps"), "no 'steps' list", (None, "steps")),
        (lambda d: d.update(comment="hi"), "unknown key 'comment'", (None, "comment")),
    ],
)
def test_hand_edited_project_gives_a_clear_error(photo, tmp_path, change, pattern, where):
    project = save_project(tmp_path / "p.json", edited_document(photo))
    mutate(project, change)
    with pytest.raises(ProjectError, match=pattern) as info:
        load_project(project)
    assert str(info.value).startswith(f"Cannot open project {project}: ")
    assert (info.value.step, info.value.field) == where


def test_mask_of_the_wrong_size_is_reported(photo, tmp_path):
    project = save_project(tmp_path / "p.json", edited_document(photo))
    other = edited_document(photo)
    small = np.ones((4, 4), bool)
    other.replace(1, other.make_step("tone.brightness_contrast", brightness=0.1, mask=small))
    replacement = steps_to_data(other.steps)[1]
    mutate(project, lambda d: d["steps"].__setitem__(1, replacement))
    with pytest.raises(ProjectError, match=r"step 2 .*mask is 4x4 pixels but the source image is 32x24"):
        load_project(project)


@pytest.mark.parametrize("content", [b"", b"{", b"\x89PNG\r\n\x1a\n garbage", b"[]", b'{"format": 1}'])
def test_corrupted_project_file(photo, tmp_path, content):
    project = tmp_path / "p.json"
    project.write_bytes(content)
    with pytest.raises(ProjectError, match=rf"Cannot open project {project}: this is not a project file"):
        load_project(project)


def test_missing_project_file_and_unreadable_source(photo, tmp_path):
    with pytest.raises(ProjectError, match="the file does not exist"):
        load_project(tmp_path / "none.json")
    project = save_project(tmp_path / "p.json", edited_document(photo))
    photo.write_bytes(b"not an image")
    with pytest.raises(ImageReadError, match="not an image file"):
        load_project(project, accept_changed_source=True)


def test_failed_open_leaves_the_open_document_untouched(photo, tmp_path):
    doc = edited_document(photo)
    project = save_project(tmp_path / "p.json", doc)
    before_steps, before_revision, before_render = doc.steps, doc.revision, doc.render().copy()
    mutate(project, set_param(3, "brightness", 9))
    with pytest.raises(ProjectError):
        doc = load_project(project)  # the caller's variable is only rebound on success
    assert doc.steps == before_steps and doc.revision == before_revision
    np.testing.assert_array_equal(doc.render(), before_render)


def test_errors_are_distinct_from_recipe_errors():
    assert not issubclass(ProjectError, RecipeError)
    assert issubclass(SourceMissingError, ProjectError) and issubclass(SourceChangedError, ProjectError)
