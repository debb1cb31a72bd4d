"""Issue 6 in the window: every history edit undoable, re-editing, projects, recipes."""
import json

import numpy as np
import pytest

from editor.project import PROJECT_SUFFIX
from processing.filters import gaussian_blur
from processing.tone import brightness_contrast
from tests.ui.conftest import canvas_pixels, drag_slider, wait_for_full_render


def apply(window, op_id, **params):
    window.sidebar.choose(op_id)
    for name, value in params.items():
        window.param_panel.widgets[name].set_value(value)
        window.param_panel.widgets[name].changed.emit(value, True)
    window.apply_action.trigger()


def summaries(window):
    return [(s.op_id, dict(s.params), s.enabled) for s in window.document.steps]


def test_every_history_edit_is_undoable(window, qtbot):
    apply(window, "filter.gaussian_blur", sigma=1.0)
    apply(window, "tone.brightness_contrast", brightness=0.2)
    apply(window, "tone.brightness_contrast", brightness=-0.1)
    states = [summaries(window)]
    panel = window.steps_panel
    assert panel.list.count() == 3
    assert "Gaussian blur" in panel.list.item(0).text()

    panel.toggle_requested.emit(1, False)
    states.append(summaries(window))
    assert window.document.steps[1].enabled is False
    panel.move_requested.emit(0, 2)
    states.append(summaries(window))
    assert window.document.steps[2].op_id == "filter.gaussian_blur"
    panel.delete_requested.emit(0)
    states.append(summaries(window))
    assert len(window.document.steps) == 2

    for expected in reversed(states[:-1]):
        window.undo_action.trigger()
        assert summaries(window) == expected
    for expected in states[1:]:
        window.redo_action.trigger()
        assert summaries(window) == expected
    wait_for_full_render(qtbot, window)
    np.testing.assert_allclose(canvas_pixels(window), np.rint(window.document.render() * 255), atol=1)


def test_checkbox_in_steps_panel_disables_step(window, qtbot):
    from PySide6.QtCore import Qt

    apply(window, "tone.brightness_contrast", brightness=0.3)
    window.steps_panel.list.item(0).setCheckState(Qt.CheckState.Unchecked)
    assert window.document.steps[0].enabled is False
    wait_for_full_render(qtbot, window)
    np.testing.assert_array_equal(canvas_pixels(window), np.rint(window.document.source * 255))
    window.undo_action.trigger()
    assert window.document.steps[0].enabled is True


def test_reediting_step_2_of_5_rerenders_from_it(window, qtbot):
    for b in (0.05, 0.1, 0.0, -0.05, 0.02):
        apply(window, "tone.brightness_contrast", brightness=b)
    window.steps_panel.list.setCurrentRow(1)
    assert window.param_panel.mode == "edit" and window.param_panel.step_index == 1
    slider = window.param_panel.widgets["brightness"].slider
    drag_slider(qtbot, slider, range(slider.value(), slider.value() + 60, 10))
    wait_for_full_render(qtbot, window)
    assert window.undo_stack.count() == 6
    expected = window.document.source
    for step in window.document.steps:
        expected = brightness_contrast(expected, step.params["brightness"])
    np.testing.assert_array_equal(window.document.render(), expected)
    np.testing.assert_allclose(canvas_pixels(window), np.rint(expected * 255), atol=1)


def test_modified_mark_follows_clean_state(window, tmp_path):
    assert not window.isWindowModified()
    apply(window, "tone.invert") if "tone.invert" in window.catalog else apply(window, "tone.brightness_contrast")
    assert window.isWindowModified()
    assert window.projects.save_to(tmp_path / f"p{PROJECT_SUFFIX}")
    assert not window.isWindowModified()
    window.undo_action.trigger()
    assert window.isWindowModified()


def test_project_round_trip_gives_identical_pixels(window, qtbot, tmp_path, monkeypatch):
    apply(window, "filter.gaussian_blur", sigma=2.5)
    apply(window, "tone.brightness_contrast", brightness=0.1, contrast=0.3)
    window.steps_panel.toggle_requested.emit(0, False)
    window.steps_panel.toggle_requested.emit(0, True)
    before = window.document.render().copy()
    project = tmp_path / f"edit{PROJECT_SUFFIX}"
    assert window.projects.save_to(project)
    window.set_document(type(window.document)(np.zeros((5, 5), np.float32)))
    assert window.open_file(project)
    assert len(window.document.steps) == 2
    np.testing.assert_array_equal(window.document.render(), before)
    assert not window.isWindowModified()
    wait_for_full_render(qtbot, window)
    # The stack is editable again.
    window.steps_panel.list.setCurrentRow(0)
    assert window.param_panel.values()["sigma"] == 2.5


def test_corrupt_project_keeps_the_open_document(window, tmp_path, monkeypatch):
    messages = []
    monkeypatch.setattr("ui.project_actions.QMessageBox.warning", lambda *a: messages.append(a[2]))
    apply(window, "tone.brightness_contrast", brightness=0.1)
    window.undo_stack.setClean()
    document, steps = window.document, window.document.steps
    bad = tmp_path / f"bad{PROJECT_SUFFIX}"
    bad.write_text("{ this is not json")
    assert not window.open_file(bad)
    edited = tmp_path / f"edited{PROJECT_SUFFIX}"
    assert window.projects.save_to(edited)
    data = json.loads(edited.read_text())
    data["steps"][0]["params"]["brightness"] = 7
    edited.write_text(json.dumps(data))
    assert not window.open_file(edited)
    assert window.document is document and window.document.steps == steps
    assert len(messages) == 2
    assert "bad" in messages[0]
    assert "step 1" in messages[1] and "brightness" in messages[1]


def test_missing_source_offers_to_locate(window, tmp_path, monkeypatch, image_path):
    import shutil

    apply(window, "tone.brightness_contrast", brightness=0.1)
    expected = window.document.render().copy()
    project = tmp_path / f"moved{PROJECT_SUFFIX}"
    window.projects.save_to(project)
    moved = tmp_path / "elsewhere.png"
    shutil.move(image_path, moved)
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr("ui.project_actions.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Open)
    monkeypatch.setattr("ui.project_actions.QFileDialog.getOpenFileName", lambda *a, **k: (str(moved), ""))
    assert window.open_file(project)
    np.testing.assert_array_equal(window.document.render(), expected)


def test_recipe_export_and_import(window, tmp_path, monkeypatch):
    messages = []
    monkeypatch.setattr("ui.project_actions.QMessageBox.warning", lambda *a: messages.append(a[2]))
    apply(window, "filter.gaussian_blur", sigma=1.5)
    recipe = tmp_path / "look.recipe.json"
    assert window.projects.export_recipe_to(recipe)
    window.undo_action.trigger()
    assert window.document.steps == ()
    assert window.projects.import_recipe_from(recipe)
    assert [s.op_id for s in window.document.steps] == ["filter.gaussian_blur"]
    np.testing.assert_array_equal(window.document.render(), gaussian_blur(window.document.source, 1.5))
    window.undo_action.trigger()  # one undo removes the whole recipe
    assert window.document.steps == ()
    broken = tmp_path / "broken.recipe.json"
    data = json.loads(recipe.read_text())
    data["steps"].append({"op": "filter.no_such_op", "params": {}})
    broken.write_text(json.dumps(data))
    assert not window.projects.import_recipe_from(broken)
    assert window.document.steps == ()
    assert "no_such_op" in messages[0]


def test_close_with_unsaved_edits_asks(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    apply(window, "tone.brightness_contrast", brightness=0.1)
    asked = []
    monkeypatch.setattr("ui.main_window.QMessageBox.question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Cancel)
    window.close()
    assert asked == ["Unsaved edits"] and window.isVisible()
    monkeypatch.setattr("ui.main_window.QMessageBox.question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    assert window.open_file(window.document.info.path)
    assert window.document.steps == () and not window.isWindowModified()


def test_dragging_a_row_in_the_steps_list_moves_the_step(window):
    from PySide6.QtCore import QModelIndex

    apply(window, "filter.gaussian_blur", sigma=1.0)
    apply(window, "tone.brightness_contrast", brightness=0.2)
    apply(window, "tone.brightness_contrast", brightness=-0.1)
    model = window.steps_panel.list.model()
    # What an internal drag and drop does to the list's model: row 0 to the end.
    assert model.moveRow(QModelIndex(), 0, QModelIndex(), 3)
    assert [s.op_id for s in window.document.steps] == [
        "tone.brightness_contrast", "tone.brightness_contrast", "filter.gaussian_blur"]
    assert "Move" in window.undo_stack.undoText()
    window.undo_action.trigger()
    assert window.document.steps[0].op_id == "filter.gaussian_blur"
