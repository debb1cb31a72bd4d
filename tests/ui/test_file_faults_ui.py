"""File faults in the window: each says why, and nothing is lost."""

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import canvas_pixels, wait_for_full_render


@pytest.fixture
def warnings_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k: shown.append((title, text))))
    return shown


def edit(win):
    from ui.history_commands import AddStepCommand

    step = win.document.make_step("tone.brightness_contrast", {"brightness": 0.2, "contrast": 0.1})
    win.undo_stack.push(AddStepCommand(win.document, step))


def test_export_on_a_full_disk_says_so_and_keeps_everything(qtbot, window, tmp_path, warnings_shown, full_disk):
    edit(window)
    wait_for_full_render(qtbot, window)
    shown = canvas_pixels(window)
    target = tmp_path / "export.png"
    target.write_bytes(b"yesterday's export")
    assert not window.export_to(target)
    assert warnings_shown == [("Cannot export", f"Cannot write {target}: the disk is full (No space left on device)")]
    assert target.read_bytes() == b"yesterday's export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    assert len(window.document.steps) == 1 and window.isWindowModified()
    np.testing.assert_array_equal(canvas_pixels(window), shown)
    full_disk()  # space again: the same export now works
    assert window.export_to(target)


def test_export_into_a_folder_that_vanished(qtbot, window, tmp_path, warnings_shown):
    folder = tmp_path / "stick"
    folder.mkdir()
    folder.rmdir()
    assert not window.export_to(folder / "out.png")
    assert "the folder does not exist" in warnings_shown[-1][1]
    assert window.document is not None


def test_saving_the_project_after_the_source_was_deleted(qtbot, window, image_path, tmp_path, warnings_shown):
    edit(window)
    image_path.unlink()
    assert not window.projects.save_to(tmp_path / "p.iep.json")
    title, text = warnings_shown[-1]
    assert title == "Cannot save project" and f"the source image {image_path} cannot be read" in text
    assert not window.undo_stack.isClean() and len(window.document.steps) == 1
    assert window.export_to(tmp_path / "still.png")  # the pixels are in memory: nothing is lost


def test_saving_the_project_after_the_source_changed(qtbot, window, image_path, tmp_path, warnings_shown):
    from editor.image_file import save_image
    from tests.conftest import make_image

    edit(window)
    save_image(image_path, make_image((60, 80, 3), seed=12))
    assert not window.projects.save_to(tmp_path / "p.iep.json")
    assert "was changed on disk after it was opened" in warnings_shown[-1][1]
    assert not (tmp_path / "p.iep.json").exists() and not window.undo_stack.isClean()


def test_the_memory_guard_in_the_window(qtbot, window):
    # An enlargement that cannot fit is refused with a message; the document and canvas stay as they were.
    from editor.memory_guard import set_ceiling
    from ui.history_commands import AddStepCommand

    from tests.ui.conftest import wait_for_full_render as settle

    settle(qtbot, window)
    shown = canvas_pixels(window)
    set_ceiling(1_000_000)
    try:
        step = window.document.make_step("geometry.resize", {"mode": "scale", "scale": 8.0})
        window.undo_stack.push(AddStepCommand(window.document, step))
        qtbot.waitUntil(lambda: "would need about" in window.statusBar().currentMessage(), timeout=10000)
        message = window.statusBar().currentMessage()
        assert message.startswith("Cannot render: Resize of this")
        assert "more than the editor's memory limit (1.0 MB)" in message
        assert window.isVisible() and len(window.document.steps) == 1
        np.testing.assert_array_equal(canvas_pixels(window), shown)
        window.undo_stack.undo()
    finally:
        set_ceiling(None)
    settle(qtbot, window)
