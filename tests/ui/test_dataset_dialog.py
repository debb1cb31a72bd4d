"""Issue 14: File > Export Dataset writes what the headless export writes, shows
progress, and a cancelled export leaves only complete files."""
import hashlib
import json
import threading

import numpy as np
import pytest
from PIL import Image

from editor.image_file import save_image
from tests.conftest import make_image

PIPELINE = [
    {"transform": "hflip", "p": 0.5},
    {"transform": "rotate", "p": 1.0, "angle_deg": [-20.0, 20.0]},
    {"transform": "brightness", "p": 0.7, "delta": [-0.1, 0.1]},
]


@pytest.fixture
def dataset(tmp_path):
    """Three small photos, their label masks and YOLO boxes, matched by name."""
    images, masks, labels = (tmp_path / name for name in ("photos", "masks", "labels"))
    for folder in (images, masks, labels):
        folder.mkdir()
    for n in range(3):
        save_image(images / f"shot{n}.png", make_image((40, 56, 3), seed=20 + n))
        mask = np.zeros((40, 56), np.uint8)
        mask[8 + n : 30, 10 : 40 - n] = n + 1
        Image.fromarray(mask).save(masks / f"shot{n}.png")
        (labels / f"shot{n}.txt").write_text(f"{n} 0.45 0.5 0.5 0.55\n")
    return tmp_path


@pytest.fixture
def dialog(qtbot):
    from ui.dataset_dialog import DatasetDialog

    d = DatasetDialog(PIPELINE, seed=7)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    yield d
    if d.is_running():
        d.cancel()
        qtbot.waitUntil(lambda: not d.is_running(), timeout=20000)


def _fill(dialog, dataset, out, per_image=3):
    dialog.add_inputs([dataset / "photos"])
    dialog.masks.edit.setText(str(dataset / "masks"))
    dialog.labels.edit.setText(str(dataset / "labels"))
    dialog.label_format.setCurrentIndex(dialog.label_format.findData("yolo"))
    dialog.per_input.setValue(per_image)
    dialog.output.edit.setText(str(out))


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_dialog_writes_the_files_the_headless_export_writes(qtbot, dialog, dataset):
    out = dataset / "from-dialog"
    _fill(dialog, dataset, out)
    with qtbot.waitSignal(dialog.finished_export, timeout=30000) as blocker:
        dialog.export_button.click()
    assert blocker.args == ["done"]
    assert dialog.progress.value() == 100
    assert "9 variants written" in dialog.status.text()

    # The same run from the command line, with the pipeline as the panel saves it.
    from editor.augment_pipeline import save_pipeline
    from editor.cli import main

    headless = dataset / "headless"
    save_pipeline(dataset / "aug.json", PIPELINE)
    assert main(["augment", str(dataset / "photos"), "-o", str(headless), "--per-image", "3", "--seed", "7",
                 "--pipeline", str(dataset / "aug.json"), "--masks", str(dataset / "masks"),
                 "--labels", str(dataset / "labels"), "--label-format", "yolo", "--jobs", "1"]) in (0, None)

    mine, theirs = _files(out), _files(headless)
    assert sorted(mine) == sorted(theirs)
    assert len([n for n in mine if n.startswith("images/")]) == 9
    assert len([n for n in mine if n.startswith("masks/")]) == 9
    assert len([n for n in mine if n.startswith("labels/")]) == 9
    for name in mine:
        if not name.startswith("manifest"):
            assert mine[name] == theirs[name], name
    # The manifests list the same outputs, hashes and parameters.
    ours = json.loads(mine["manifest.json"])
    reference = json.loads(theirs["manifest.json"])
    strip = ("output", "sha256", "parameters", "seed", "variant_index")
    records = ours["outputs"]
    ref_records = reference["outputs"]
    assert [{k: r[k] for k in strip} for r in records] == [{k: r[k] for k in strip} for r in ref_records]


def test_cancel_leaves_only_complete_files(qtbot, dialog, dataset, monkeypatch):
    from editor import dataset_export

    written = []
    second_written, go_on = threading.Event(), threading.Event()
    real_write = dataset_export._write

    def write_then_wait(outdir, relative, data):
        digest = real_write(outdir, relative, data)
        written.append(relative)
        if len(written) == 18:  # four variants of the first input, two of the second (image, mask, labels each)
            second_written.set()
            go_on.wait(20)
        return digest

    monkeypatch.setattr(dataset_export, "_write", write_then_wait)
    out = dataset / "cancelled"
    _fill(dialog, dataset, out, per_image=4)
    dialog.export_button.click()
    qtbot.waitUntil(second_written.is_set, timeout=20000)
    assert dialog.is_running() and dialog.cancel_button.isVisible()
    with qtbot.waitSignal(dialog.finished_export, timeout=20000) as blocker:
        dialog.cancel_button.click()
        go_on.set()
    assert blocker.args == ["cancelled"]
    assert "Cancelled" in dialog.status.text()

    manifest = json.loads((out / "manifest.json").read_text())
    records = manifest["outputs"]
    assert 4 <= len(records) < 12  # stopped early
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    listed = {r["output"] for r in records} | {r["mask"] for r in records} | {r["labels"] for r in records}
    # Every file is complete: nothing half-written or temporary, and every
    # file the manifest lists is there with the bytes it says.
    assert files - {"manifest.json", "manifest.csv"} <= set(written)
    for record in records:
        assert hashlib.sha256((out / record["output"]).read_bytes()).hexdigest() == record["sha256"]
    assert listed <= files
    for name in files:
        if name.startswith(("images/", "masks/")):
            with Image.open(out / name) as image:
                image.load()  # raises on a truncated file
                assert image.size == (56, 40)
    assert not dialog.is_running() and dialog.export_button.isEnabled()


def test_missing_settings_are_named_before_anything_runs(qtbot, dialog, dataset):
    dialog.export_button.click()
    assert "Add the images" in dialog.status.text() and not dialog.is_running()
    dialog.add_inputs([dataset / "photos"])
    dialog.export_button.click()
    assert "output folder" in dialog.status.text()
    dialog.output.edit.setText(str(dataset / "out"))
    dialog.masks.edit.setText(str(dataset / "nowhere"))
    dialog.export_button.click()
    assert "masks folder" in dialog.status.text() and not dialog.is_running()


def test_only_cancel_can_be_used_while_exporting(qtbot, dialog, dataset, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    from editor import dataset_export

    started, go_on = threading.Event(), threading.Event()
    real_write = dataset_export._write

    def write_then_wait(outdir, relative, data):
        started.set()
        go_on.wait(20)
        return real_write(outdir, relative, data)

    monkeypatch.setattr(dataset_export, "_write", write_then_wait)
    _fill(dialog, dataset, dataset / "out", per_image=1)
    dialog.export_button.click()
    qtbot.waitUntil(started.is_set, timeout=20000)
    usable = [b.text() for b in dialog.findChildren(QPushButton) if b.isVisible() and b.isEnabled()]
    assert usable == ["Cancel"] and not dialog.per_input.isEnabled() and not dialog.inputs.isEnabled()
    with qtbot.waitSignal(dialog.finished_export, timeout=20000) as blocker:
        go_on.set()
    assert blocker.args == ["done"] and dialog.export_button.isEnabled() and dialog.per_input.isEnabled()


def test_no_labels_leaves_the_labels_folder_out(qtbot, dialog, dataset):
    _fill(dialog, dataset, dataset / "out", per_image=1)
    dialog.label_format.setCurrentIndex(dialog.label_format.findData("none"))
    assert not dialog.labels.isEnabled()
    assert dialog.options()["labels"] is None and dialog.options()["label_format"] is None
    with qtbot.waitSignal(dialog.finished_export, timeout=30000):
        dialog.export_button.click()
    assert not (dataset / "out" / "labels").exists() and len(list((dataset / "out" / "masks").iterdir())) == 3
    dialog.label_format.setCurrentIndex(dialog.label_format.findData("coco"))
    assert dialog.labels.isEnabled()
