"""What a first-time user trips over (issue 10): each test failed before its fix."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from editor.project import PROJECT_SUFFIX
from tests.ui.conftest import wait_for_full_render


def _panel_agrees_with_steps(win) -> bool:
    """The Settings panel edits exactly the step highlighted in the Steps list."""
    row = win.steps_panel.list.currentRow()
    panel = win.param_panel
    if panel.mode == "edit":
        return row == panel.step_index and win.document.steps[row].op_id == panel.operation.id
    return row == -1


def _settle_layout():
    """Run the layout requests now queued: geometry is final after this, no
    waiting on a clock."""
    for _ in range(3):
        QApplication.sendPostedEvents()
        QApplication.processEvents()


def _focus(win, qtbot):
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)


def test_apply_button_leaves_the_panel_on_the_new_step(window, qtbot):
    _focus(window, qtbot)
    window.sidebar.choose("filter.gaussian_blur")
    window.apply_action.trigger()
    window.sidebar.choose("tone.gamma")
    qtbot.mouseClick(window.param_panel.apply_button, Qt.MouseButton.LeftButton)
    assert len(window.document.steps) == 2
    assert window.param_panel.step_index == 1
    assert _panel_agrees_with_steps(window)


def test_crop_applied_with_the_button_is_the_step_in_the_panel(window, qtbot):
    _focus(window, qtbot)
    window.sidebar.choose("tone.invert")
    qtbot.mouseClick(window.param_panel.apply_button, Qt.MouseButton.LeftButton)
    window.sidebar.choose("geometry.crop")
    qtbot.mouseClick(window.param_panel.apply_button, Qt.MouseButton.LeftButton)
    assert [s.op_id for s in window.document.steps] == ["tone.invert", "geometry.crop"]
    assert window.param_panel.operation.id == "geometry.crop" and window.param_panel.step_index == 1
    assert _panel_agrees_with_steps(window)


def _apply_three(win):
    for op_id in ("tone.invert", "tone.gamma", "filter.box_blur"):
        win.sidebar.choose(op_id)
        win.apply_action.trigger()


def test_delete_selects_the_next_step_and_shows_it(window, qtbot):
    _apply_three(window)
    window.steps_panel.list.setCurrentRow(1)
    assert window.param_panel.operation.id == "tone.gamma"
    window.steps_panel.delete_button.click()
    assert [s.op_id for s in window.document.steps] == ["tone.invert", "filter.box_blur"]
    assert window.param_panel.operation.id == "filter.box_blur"
    assert _panel_agrees_with_steps(window)
    window.steps_panel.delete_button.click()  # the last one: the previous is next
    assert window.param_panel.operation.id == "tone.invert"
    assert _panel_agrees_with_steps(window)
    window.undo_action.trigger()
    assert _panel_agrees_with_steps(window)


def test_panel_follows_its_step_when_it_moves_and_through_undo(window, qtbot):
    _apply_three(window)
    window.steps_panel.list.setCurrentRow(0)
    window.steps_panel.move_requested.emit(0, 2)
    assert window.param_panel.operation.id == "tone.invert" and window.param_panel.step_index == 2
    assert _panel_agrees_with_steps(window)
    window.undo_action.trigger()
    assert window.param_panel.step_index == 0 and _panel_agrees_with_steps(window)
    for _ in range(3):
        window.undo_action.trigger()
        assert _panel_agrees_with_steps(window)
    assert window.param_panel.mode == "none"


def test_compare_marker_follows_the_step_not_the_row(window, qtbot):
    _apply_three(window)
    gamma = window.document.step_ids[1]
    window.steps_panel.list.setCurrentRow(1)
    window.steps_panel.compare_button.click()
    assert window.compare.before_count == 2
    window.steps_panel.move_requested.emit(1, 0)  # gamma goes first
    assert window.document.step_ids[0] == gamma
    assert window.compare.before_count == 1
    assert "before" in window.steps_panel.list.item(0).text()
    assert "before" not in window.steps_panel.list.item(1).text()
    window.undo_action.trigger()
    assert window.compare.before_count == 2


def test_enter_in_the_operations_list_applies(window, qtbot):
    _focus(window, qtbot)
    tree = window.sidebar.tree
    item = window.sidebar.item_for("tone.invert")
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.param_panel.mode == "new" and window.param_panel.operation.id == "tone.invert"
    tree.setFocus()
    qtbot.waitUntil(tree.hasFocus)
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert [s.op_id for s in window.document.steps] == ["tone.invert"]
    assert window.param_panel.mode == "edit" and _panel_agrees_with_steps(window)


def test_choosing_the_same_operation_again_keeps_its_settings(window, qtbot):
    window.sidebar.choose("tone.gamma")
    window.param_panel.widgets["gamma"].spin.setValue(1.7)
    window.sidebar.choose("tone.gamma")
    assert window.param_panel.values()["gamma"] == pytest.approx(1.7)


def test_search_then_enter_twice_previews_then_applies(window, qtbot):
    window.sidebar.search.setText("gamma")
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)
    assert window.param_panel.mode == "new" and window.param_panel.operation.id == "tone.gamma"
    qtbot.keyClick(window.sidebar.search, Qt.Key.Key_Return)
    assert [s.op_id for s in window.document.steps] == ["tone.gamma"]


def _fits(canvas, image_w, image_h) -> bool:
    view = canvas.viewport().size()
    return abs(canvas.zoom() - min(view.width() / image_w, view.height() / image_h)) < 0.02 * canvas.zoom()


@pytest.mark.parametrize("route", ["side", "split after crop"])
def test_side_by_side_shares_the_width_and_fits(window, qtbot, route):
    window.resize(1400, 880)
    size = (80, 60)
    if route == "split after crop":
        window.sidebar.choose("geometry.crop")
        for name, value in (("x", 10), ("y", 5), ("width", 40), ("height", 50)):
            window.param_panel.widgets[name].set_value(value)
        window.param_panel.widgets["width"].changed.emit(40, True)
        window.apply_action.trigger()
        wait_for_full_render(qtbot, window)
        size = (40, 50)
        window.compare.actions["split"].trigger()
    else:
        window.actual_size_action.trigger()  # not fitted before: side by side fits anyway
        window.compare.actions["side"].trigger()
    qtbot.waitUntil(lambda: window.compare.mode == "side" and window.before_canvas.isVisible())
    left, right = window.compare.views.sizes()
    assert abs(left - right) <= 2
    # One zoom for both panes, at which the larger image (the original,
    # after a crop) fits its pane.
    qtbot.waitUntil(lambda: _fits(window.before_canvas, 80, 60))
    window.actual_size_action.trigger()
    window.fit_action.trigger()
    assert _fits(window.before_canvas, 80, 60)
    assert window.canvas.zoom() <= window.canvas.fit_zoom() + 1e-9
    assert window.before_canvas.zoom() == pytest.approx(window.canvas.zoom())


def test_new_curve_can_be_grabbed_at_its_origin(window, qtbot):
    window.resize(1400, 880)
    qtbot.waitUntil(lambda: window.width() == 1400)
    window.sidebar.choose("tone.curves")
    qtbot.waitUntil(lambda: window.param_panel.widgets["points"].canvas.isVisible())
    curve = window.param_panel.widgets["points"].canvas
    viewport = window.param_panel.scroll.viewport()
    origin = curve.mapTo(viewport, curve._to_screen(0.0, 0.0).toPoint())
    assert viewport.rect().contains(origin)
    # and it can be dragged from there, as a person would
    qtbot.mousePress(curve, Qt.MouseButton.LeftButton, pos=curve._to_screen(0.0, 0.0).toPoint())
    qtbot.mouseMove(curve, curve._to_screen(0.0, 0.2).toPoint())
    qtbot.mouseRelease(curve, Qt.MouseButton.LeftButton, pos=curve._to_screen(0.0, 0.2).toPoint())
    assert window.param_panel.values()["points"][0][1] > 0.1


def test_docks_keep_their_size_and_the_canvas_stays_fitted(window, qtbot):
    window.resize(1400, 880)
    qtbot.waitUntil(lambda: window.width() == 1400)
    window.fit_action.trigger()
    qtbot.waitUntil(lambda: _fits(window.canvas, 80, 60))
    size, zoom = window.canvas.viewport().size(), window.canvas.zoom()
    for op in window.catalog:
        if op.changes_size:
            continue  # a new image size refits by design
        window.sidebar.choose(op.id)
        window.apply_action.trigger()
        _settle_layout()
        assert window.canvas.viewport().size() == size, op.id
        assert window.canvas.zoom() == zoom, op.id
        window.undo_action.trigger()


def _dialog_folders(monkeypatch):
    seen = []

    def fake(parent, caption, folder="", *args, **kwargs):
        seen.append(str(folder))
        return "", ""

    monkeypatch.setattr("ui.file_actions.QFileDialog.getOpenFileName", staticmethod(fake))
    monkeypatch.setattr("ui.project_actions.QFileDialog.getOpenFileName", staticmethod(fake))
    return seen


def test_dialogs_never_start_in_the_bundled_resources(window, qtbot, monkeypatch, tmp_path):
    from ui.resources import SAMPLE_IMAGE, is_bundled

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    window.files.store.remove("folders/open")
    assert window.open_file(SAMPLE_IMAGE)
    seen = _dialog_folders(monkeypatch)
    window.files.open_dialog()
    window.projects.open_dialog()
    window.projects.import_recipe()
    assert len(seen) == 3 and not any(is_bundled(f) for f in seen)
    assert not is_bundled(window.projects.default_path())
    assert not is_bundled(window.files.suggested_path(window.files.last_options()))


def test_dialogs_start_in_the_last_folder_used(window, monkeypatch, image_path):
    seen = _dialog_folders(monkeypatch)
    window.files.open_dialog()
    assert seen == [str(image_path.parent.resolve())]


def test_open_recent_lists_projects(window, qtbot, tmp_path):
    window.sidebar.choose("tone.invert")
    window.apply_action.trigger()
    project = tmp_path / f"look{PROJECT_SUFFIX}"
    assert window.projects.save_to(project)
    assert str(project.resolve()) == window.files.recent_files()[0]
    window.files._fill_recent_menu()
    texts = [a.text() for a in window.files.recent_menu.actions()]
    assert any(f"look{PROJECT_SUFFIX} (project)" in t for t in texts)


def test_undo_menu_text_is_elided_but_complete_elsewhere(window):
    window.sidebar.choose("color.channel_mixer")  # nine weights: a long summary
    window.apply_action.trigger()
    full = window.undo_stack.undoText()
    assert len(full) > 60
    text = window.undo_action.text()
    assert len(text) <= 48 and text.endswith("\u2026")
    assert full in window.undo_action.statusTip()


def test_help_lists_every_shortcut_from_the_actions(window, qtbot):
    window.show_shortcuts()
    dialog = window._shortcuts
    qtbot.waitExposed(dialog)
    from PySide6.QtWidgets import QTextBrowser

    text = dialog.findChild(QTextBrowser).toPlainText()
    for act in (window.apply_action, window.undo_action, window.fit_action, window.compare.actions["side"]):
        keys = act.shortcut().toString(act.shortcut().SequenceFormat.NativeText)
        assert keys and keys in text
    assert "Hold \\" in text
    dialog.close()


def test_about_gives_versions_and_licences(window):
    from PySide6.QtWidgets import QLabel

    from ui.help_dialogs import about_dialog

    dialog = about_dialog(window)
    text = dialog.findChild(QLabel).text()
    for name in ("Python", "Qt", "PySide6", "NumPy", "Pillow", "MIT", "LGPL", "CC0"):
        assert name in text
    dialog.deleteLater()


def test_crop_ranges_and_defaults_follow_the_image(window, qtbot):
    window.sidebar.choose("geometry.crop")
    widgets = window.param_panel.widgets
    assert window.param_panel.values() == {"x": 0, "y": 0, "width": 80, "height": 60}
    assert widgets["width"].spin.maximum() == 80 and widgets["height"].spin.maximum() == 60
    widgets["width"].set_value(40)
    widgets["width"].changed.emit(40, True)
    window.apply_action.trigger()
    # the next operation sees the cropped image
    window.sidebar.choose("geometry.crop")
    assert window.param_panel.values()["width"] == 40
    assert window.param_panel.widgets["width"].spin.maximum() == 40
    # re-editing the first crop shows the ranges of its own input
    window.cancel_action.trigger()
    window.steps_panel.list.setCurrentRow(0)
    assert window.param_panel.widgets["width"].spin.maximum() == 80


def test_magic_wand_seed_stays_on_the_image(window):
    window.sidebar.choose("segmentation.magic_wand")
    seed = window.param_panel.widgets["seed_xy"]
    assert seed.x_spin.maximum() <= 80 and seed.y_spin.maximum() <= 60


def test_enter_on_the_canvas_after_dragging_a_crop_applies(window, qtbot):
    _focus(window, qtbot)
    window.sidebar.choose("geometry.crop")
    window.param_panel.rect_button.click()
    canvas = window.canvas
    start = canvas.mapFromScene(10, 10)
    end = canvas.mapFromScene(50, 40)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas.viewport(), end)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    assert window.param_panel.values()["width"] == 40
    canvas.setFocus()
    qtbot.waitUntil(canvas.hasFocus)
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert [s.op_id for s in window.document.steps] == ["geometry.crop"]
    assert _panel_agrees_with_steps(window)


def test_a_long_histogram_note_does_not_widen_its_dock(window, qtbot):
    from PySide6.QtWidgets import QDockWidget

    window.resize(1400, 880)
    qtbot.waitUntil(lambda: window.width() == 1400)
    left = window.findChild(QDockWidget, "operations")
    window.resizeDocks([left], [180], Qt.Orientation.Horizontal)
    _settle_layout()
    size = window.canvas.viewport().size()
    # a big photo's count, estimated from its proxy
    window.histogram_panel.info.setText("39,352,320 px (estimated from 1 in 36)")
    _settle_layout()
    assert window.canvas.viewport().size() == size
