"""Issue 14, the window side: the Augment panel's live grid of variants, the
parameters of a clicked variant, "Use as Step", targets and the check line."""
import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDockWidget

from ui.range_slider import HIGH

ROTATE_ONLY = [{"transform": "rotate", "p": 1.0, "angle_deg": [-5.0, 5.0]}]


@pytest.fixture
def panel(qtbot, window):
    """The window's Augment panel, shown, with a pipeline that always rotates."""
    dock = window.findChild(QDockWidget, "augment")
    assert dock.isHidden()  # hidden until asked for
    dock.toggleViewAction().trigger()
    qtbot.waitUntil(dock.isVisible)
    p = window.augment_panel
    with qtbot.waitSignal(p.frame_shown, timeout=10000):
        p.set_pipeline(ROTATE_ONLY)
    qtbot.waitUntil(lambda: _angles(p) and all(-5 <= a <= 5 for a in _angles(p)), timeout=10000)
    return p


def _angles(panel):
    frame = panel.grid.frame
    if frame is None:
        return []
    return [op["angle_deg"] for v in frame.variants for op in v.drawn["ops"] if op["transform"] == "rotate"]


def _drag_high_handle(qtbot, slider, dx):
    y = slider.height() // 2
    x = round(slider.position_x(slider.high()))
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    for step in range(1, 6):
        qtbot.mouseMove(slider, QPoint(x + dx * step // 5, y))
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(x + dx, y))


def test_the_grid_shows_nine_variants_and_follows_a_range_as_it_moves(qtbot, panel):
    assert len(panel.grid.frame.variants) == 9
    before = panel.grid.frame
    row = panel.editors[0].rows["angle_deg"]
    _drag_high_handle(qtbot, row.slider, 60)  # rightwards: a wider range up to a larger angle
    low, high = row.values()
    assert low == -5.0 and high > 20  # 60 px of a ~150 px slider over 360 degrees
    # Each variant's angle comes from the same random number stretched over
    # the new range: [low, high] holds them all, and the grid was redrawn.
    qtbot.waitUntil(lambda: panel.grid.frame is not before and _angles(panel) and
                    all(low <= a <= high for a in _angles(panel)) and max(_angles(panel)) > 5, timeout=10000)
    assert panel.pipeline()[0]["angle_deg"] == [low, high]


def test_grid_size_and_seed_change_the_variants(qtbot, panel):
    angles = _angles(panel)
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.grid_combo.setCurrentIndex(panel.grid_combo.findText("4 \u00d7 4"))
    qtbot.waitUntil(lambda: len(panel.grid.frame.variants) == 16, timeout=10000)
    assert _angles(panel)[:9] == angles  # variant k keeps its seed: the first nine are the same
    panel.seed_spin.setValue(12345)
    qtbot.waitUntil(lambda: len(_angles(panel)) == 16 and _angles(panel)[:9] != angles, timeout=10000)


def test_clicking_a_variant_shows_its_exact_parameters(qtbot, panel):
    grid = panel.grid
    centre = grid.cell_rect(4).center().toPoint()  # the middle cell: variant 5
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=centre)
    assert grid.selected_index() == 4
    angle = grid.frame.variants[4].drawn["ops"][0]["angle_deg"]
    assert panel.variant_title.text() == "Variant 5"
    assert f"Rotate: angle {angle:.6g} \u00b0" in panel.params_view.toPlainText()
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # the keyboard walks the grid
    assert grid.selected_index() == 5 and panel.variant_title.text() == "Variant 6"
    panel.copy_variant()
    from PySide6.QtGui import QGuiApplication

    assert json.loads(QGuiApplication.clipboard().text()) == grid.frame.variants[5].drawn


def test_the_check_line_reports_boxes_clipped_and_keypoints_out(qtbot, panel, window):
    from ui.augment_mosaic import Targets

    h, w = window.document.source.shape[:2]
    # A box in the corner and a keypoint at the very edge: any rotation of
    # 20 degrees or more about the centre takes part of them out of the frame.
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "rotate", "p": 1.0, "angle_deg": [20.0, 30.0]}])
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_targets(Targets(boxes=np.array([[0.0, 0.0, 20.0, 15.0]]), keypoints=np.array([[w - 0.5, 0.5]])))
    qtbot.waitUntil(lambda: "clipped" in panel.check_label.text() or "dropped" in panel.check_label.text(),
                    timeout=10000)
    text = panel.check_label.text()
    assert text.startswith("9 of 9 variants: ") and "9 keypoints out of frame" in text
    assert text.endswith("(variants 1, 2, 3, 4, 5, 6, 7, 8, 9)")
    assert all(v.problems for v in panel.grid.frame.variants)
    # Without a rotation nothing leaves the frame.
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "hflip", "p": 1.0}])
    qtbot.waitUntil(lambda: panel.check_label.text() == "No problems in 9 variants", timeout=10000)
    variant = panel.grid.frame.variants[0]
    assert not variant.problems
    (x0, y0, x1, y1, clipped), = variant.boxes
    # hflip of the box [0, 20] x [0, 15] on the grid's proxy (the image is small: no reduction)
    assert (x0, y0, x1, y1, clipped) == pytest.approx((w - 20.0, 0.0, w, 15.0, False))


def test_a_mask_keeps_its_labels_and_is_tinted_over_the_variants(qtbot, panel, window):
    from ui.augment_mosaic import Targets

    h, w = window.document.source.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[10:30, 20:50] = 3
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "vflip", "p": 1.0}])
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_targets(Targets(mask=mask))
    qtbot.waitUntil(lambda: panel.check_label.text() == "No problems in 9 variants", timeout=10000)
    assert "a mask (2 label values)" in panel.targets_label.text()
    from editor.errors import EditorError

    with pytest.raises(EditorError, match="the mask is 3 \u00d7 2 pixels"):
        panel.set_targets(Targets(mask=np.zeros((2, 3), np.uint8)))


def test_switching_a_transform_off_keeps_the_others_draws(qtbot, panel):
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "rotate", "p": 1.0, "angle_deg": [-5.0, 5.0]},
                            {"transform": "brightness", "p": 1.0, "delta": [-0.2, 0.2]}])
    qtbot.waitUntil(lambda: len(panel.grid.frame.variants[0].drawn["ops"]) == 2, timeout=10000)
    deltas = [v.drawn["ops"][1]["delta"] for v in panel.grid.frame.variants]
    panel.editors[0].enabled_box.click()
    qtbot.waitUntil(lambda: all(len(v.drawn["ops"]) == 1 for v in panel.grid.frame.variants), timeout=10000)
    assert [v.drawn["ops"][0]["delta"] for v in panel.grid.frame.variants] == deltas
    assert panel.pipeline()[0]["p"] == 0.0


def test_transforms_are_added_moved_and_removed(qtbot, panel):
    panel.add_transform("gamma")
    panel.add_transform("hflip")
    assert [s["transform"] for s in panel.pipeline()] == ["rotate", "gamma", "hflip"]
    panel.editors[2].move_requested.emit(-1)
    assert [s["transform"] for s in panel.pipeline()] == ["rotate", "hflip", "gamma"]
    panel.editors[0].remove_requested.emit()
    assert [s["transform"] for s in panel.pipeline()] == ["hflip", "gamma"]
    qtbot.waitUntil(lambda: {op["transform"] for v in panel.grid.frame.variants for op in v.drawn["ops"]}
                    <= {"hflip", "gamma"}, timeout=10000)


def test_range_keys_edit_the_pipeline(qtbot, panel):
    row = panel.editors[0].rows["angle_deg"]
    row.slider.setFocus()
    row.slider.set_active_handle(HIGH)
    qtbot.keyClick(row.slider, Qt.Key.Key_End)
    assert row.values()[1] == 180.0
    row.high_spin.setValue(45.0)
    assert panel.pipeline()[0]["angle_deg"] == [-5.0, 45.0]
    assert row.slider.high() == row.to_position(45.0)


def test_targets_load_from_files_next_to_the_image(qtbot, panel, window, tmp_path, monkeypatch):
    from PIL import Image

    h, w = window.document.source.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[5:25, 5:35] = 1
    mask[30:50, 40:70] = 2
    Image.fromarray(mask).save(tmp_path / "photo_mask.png")
    # YOLO: class, centre and size as fractions of the image
    (tmp_path / "photo.txt").write_text(f"0 {20 / w} {15 / h} {30 / w} {20 / h}\n1 0.5 0.5 0.25 0.25\n")
    (tmp_path / "points.csv").write_text("x,y\n10,12\n60.5,40\n")
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "hflip", "p": 1.0}])
    assert panel.load_mask(tmp_path / "photo_mask.png")
    assert panel.load_boxes(tmp_path / "photo.txt")
    assert panel.load_keypoints(tmp_path / "points.csv")
    assert panel.targets_label.text() == "Drawn over the variants: a mask (3 label values), 2 boxes, 2 keypoints"
    qtbot.waitUntil(lambda: len(panel.grid.frame.variants[0].boxes) == 2
                    and len(panel.grid.frame.variants[0].keypoints) == 2, timeout=10000)
    box = panel.grid.frame.variants[0].boxes[0]
    assert box[:4] == pytest.approx((w - 35.0, 5.0, w - 5.0, 25.0))  # the first box, mirrored
    kx, ky, inside = panel.grid.frame.variants[0].keypoints[0]
    assert (kx, ky, inside) == (pytest.approx(w - 10.0), pytest.approx(12.0), True)
    # A mask of another size is refused with the reason, and nothing changes.
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(tmp_path / "small.png")
    warnings = []
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: warnings.append(a[2])))
    assert not panel.load_mask(tmp_path / "small.png")
    assert "it is 5 \u00d7 5 pixels" in warnings[0]
    assert "3 label values" in panel.targets_label.text()
    panel.clear_targets_button.click()
    assert panel.targets_label.text() == "None loaded"


def test_save_and_load_a_pipeline(qtbot, panel, tmp_path):
    panel.add_transform("noise")
    panel.editors[1].rows["kind"].setCurrentText("speckle")
    panel.editors[0].rows["angle_deg"].set_values(-30.0, 10.0)
    saved = panel.pipeline()
    path = tmp_path / "aug.json"
    assert panel.save_pipeline(path)
    panel.set_pipeline([{"transform": "vflip"}])
    assert panel.load_pipeline(path)
    assert panel.pipeline() == saved
    assert [e.transform.name for e in panel.editors] == ["rotate", "noise"]


def test_use_as_step_adds_the_exact_variant_as_an_undoable_step(qtbot, panel, window):
    from processing import augment
    from tests.ui.conftest import wait_for_full_render

    pipeline = [{"transform": "rotate", "p": 1.0, "angle_deg": [-30.0, 30.0]},
                {"transform": "brightness", "p": 1.0, "delta": [-0.2, 0.2]}]
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline(pipeline)
    qtbot.waitUntil(lambda: len(panel.grid.frame.variants[2].drawn["ops"]) == 2, timeout=10000)
    qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton, pos=panel.grid.cell_rect(2).center().toPoint())
    drawn = panel.grid.frame.variants[2].drawn
    source = window.document.source
    # The variant shown is the one the seed gives for cell 3 at the image's full size.
    assert drawn == augment.sample(pipeline, (0, 0, 2), source.shape)
    assert panel.use_button.isEnabled()
    panel.use_button.click()
    assert window.undo_stack.count() == 1 and len(window.document.steps) == 1
    step = window.document.steps[0]
    assert step.op_id == "augment.variant" and json.loads(step.params["variant"]) == drawn
    wait_for_full_render(qtbot, window)
    expected = augment.apply(np.asarray(source), drawn).image
    np.testing.assert_array_equal(window.live.result.pixels, expected)
    # The grid now shows variants of the edited image.
    qtbot.waitUntil(lambda: panel.grid.frame.key[0][1] == window.document.revision, timeout=10000)
    window.undo_action.trigger()
    assert window.document.steps == () and window.undo_stack.count() == 1 and window.undo_stack.index() == 0
    wait_for_full_render(qtbot, window)
    np.testing.assert_array_equal(window.live.result.pixels, source)


def test_the_pipeline_seed_and_grid_come_back_in_the_next_session(qtbot, panel, window):
    from ui.main_window import MainWindow
    from tests.ui.conftest import dispose

    panel.add_transform("gamma")
    panel.seed_spin.setValue(99)
    panel.grid_combo.setCurrentIndex(panel.grid_combo.findText("4 \u00d7 4"))
    pipeline = panel.pipeline()
    window.undo_stack.setClean()
    window.close()
    again = MainWindow()
    try:
        assert again.augment_panel.pipeline() == pipeline
        assert again.augment_panel.seed() == 99 and again.augment_panel.grid_size() == (4, 4)
    finally:
        dispose(again)


def test_a_damaged_remembered_pipeline_gives_the_default_one(qtbot):
    from ui.augment_panel import DEFAULT_PIPELINE, PIPELINE_KEY, AugmentPanel
    from ui.preferences import settings

    settings().setValue(PIPELINE_KEY, '{"format": "image-editor-augment-pipeline", "version": 1, "steps": [{"transform": "melt"}]}')
    panel = AugmentPanel()
    qtbot.addWidget(panel)
    assert [s["transform"] for s in panel.pipeline()] == list(DEFAULT_PIPELINE)
    panel.shutdown()


def test_a_variant_step_is_re_edited_in_the_settings_panel(qtbot, panel, window):
    from ui.variant_widget import VariantWidget

    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_pipeline([{"transform": "rotate", "p": 1.0, "angle_deg": [10.0, 20.0]}])
    qtbot.waitUntil(lambda: all(10 <= a <= 20 for a in _angles(panel)), timeout=10000)
    panel.grid.select(0)
    panel.use_selected()
    window.select_step(0)
    widget = window.param_panel.widgets["variant"]
    assert isinstance(widget, VariantWidget)
    angle = panel.grid.frame.variants[0].drawn["ops"][0]["angle_deg"]
    assert widget.summary.text() == f"Rotate: angle {angle:.6g} \u00b0"
    widget.edit_button.click()
    assert not widget.editor.isHidden()
    text = widget.editor.toPlainText().replace(repr(angle), "-3.5")
    widget.editor.setPlainText(text)
    widget.set_button.click()
    assert json.loads(window.document.steps[0].params["variant"])["ops"][0]["angle_deg"] == -3.5
    assert widget.summary.text() == "Rotate: angle -3.5 \u00b0"
    assert window.undo_stack.count() == 2  # Use as Step, then the edit
    widget.editor.setPlainText('{"shape": [60, 80], "ops": [{"transform": "spin"}]}')
    widget.set_button.click()
    assert "not a valid variant" in widget.error.text()
    window.undo_action.trigger()
    assert json.loads(window.document.steps[0].params["variant"])["ops"][0]["angle_deg"] == angle


def test_a_step_that_turns_the_image_leaves_the_mask_out_with_a_message(qtbot, panel, window):
    from ui.augment_mosaic import Targets
    from ui.history_commands import AddStepCommand

    h, w = window.document.source.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    mask[:10, :10] = 1
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        panel.set_targets(Targets(mask=mask, boxes=np.array([[1.0, 1.0, 9.0, 9.0]])))
    messages = []
    panel.message.connect(lambda text, _ms: messages.append(text))
    turn = window.document.make_step("geometry.rotate90")
    with qtbot.waitSignal(panel.frame_shown, timeout=10000):
        window.undo_stack.push(AddStepCommand(window.document, turn))
    assert any("mask no longer fits" in m for m in messages)
    # The variants are of the turned image (w x h now), with the boxes still drawn.
    qtbot.waitUntil(lambda: panel.grid.frame.variants[0].rect[2:] == (h, w)
                    and len(panel.grid.frame.variants[0].boxes) == 1, timeout=10000)
