"""Drive the window as a person would: open, pick, drag, apply, undo, export."""
import numpy as np
import pytest

from editor.image_file import load_image
from processing.filters import gaussian_blur
from tests.ui.conftest import canvas_pixels, drag_slider, wait_for_full_render


def test_opens_on_image_and_shows_it(window):
    assert window.document is not None
    assert window.document.source.shape == (60, 80, 3)
    assert "photo.png" in window.windowTitle()
    shown = canvas_pixels(window)
    expected = np.rint(window.document.source * 255).astype(np.uint8)
    np.testing.assert_array_equal(shown, expected)


def test_blur_preview_apply_undo_redo_export(window, qtbot, tmp_path):
    window.sidebar.choose("filter.gaussian_blur")
    panel = window.param_panel
    assert panel.mode == "new" and "sigma" in panel.widgets
    slider = panel.widgets["sigma"].slider

    # Dragging previews on the canvas but changes nothing before Apply.
    start = slider.value()
    drag_slider(qtbot, slider, range(start, start + 220, 20))
    wait_for_full_render(qtbot, window)
    sigma = panel.values()["sigma"]
    assert sigma > 2.0
    assert window.document.steps == ()
    assert window.undo_stack.count() == 0
    expected = gaussian_blur(window.document.source, sigma)
    np.testing.assert_allclose(canvas_pixels(window), np.rint(expected * 255), atol=1)

    window.apply_action.trigger()
    assert len(window.document.steps) == 1 and window.undo_stack.count() == 1
    assert window.isWindowModified()

    # After Apply the panel edits that step: one drag is one undo entry.
    drag_slider(qtbot, slider, range(slider.value(), slider.value() - 150, -25))
    wait_for_full_render(qtbot, window)
    assert window.undo_stack.count() == 2
    edited = window.document.steps[0].params["sigma"]
    assert edited < sigma

    window.undo_action.trigger()
    assert window.document.steps[0].params["sigma"] == sigma
    assert panel.values()["sigma"] == sigma  # the panel follows undo
    window.undo_action.trigger()
    assert window.document.steps == ()
    wait_for_full_render(qtbot, window)
    np.testing.assert_array_equal(canvas_pixels(window), np.rint(window.document.source * 255))
    window.redo_action.trigger()
    window.redo_action.trigger()
    assert window.document.steps[0].params["sigma"] == edited
    wait_for_full_render(qtbot, window)

    out = tmp_path / "exported.png"
    assert window.export_to(out)
    reopened = load_image(out).pixels
    np.testing.assert_allclose(reopened, gaussian_blur(window.document.source, edited), atol=0.5 / 255 + 1e-6)


def test_cancel_drops_the_preview(window, qtbot):
    window.sidebar.choose("tone.brightness_contrast")
    window.param_panel.widgets["brightness"].spin.setValue(0.5)
    qtbot.waitUntil(window.live.is_current, timeout=5000)  # the preview is on the canvas
    window.cancel_action.trigger()
    wait_for_full_render(qtbot, window)
    assert window.document.steps == ()
    np.testing.assert_array_equal(canvas_pixels(window), np.rint(window.document.source * 255))


def test_drag_that_returns_to_start_leaves_no_entry(window, qtbot):
    window.sidebar.choose("tone.brightness_contrast")
    window.apply_action.trigger()
    slider = window.param_panel.widgets["brightness"].slider
    start = slider.value()
    drag_slider(qtbot, slider, [start + 50, start + 100, start])
    assert window.undo_stack.count() == 1 or not window.undo_stack.command(1).isObsolete()
    assert window.document.steps[0].params["brightness"] == 0.0
    assert window.undo_stack.index() == 1


def test_double_click_resets_to_default(window, qtbot):
    from PySide6.QtCore import Qt

    window.sidebar.choose("filter.gaussian_blur")
    widget = window.param_panel.widgets["sigma"]
    widget.spin.setValue(9.0)
    qtbot.mouseDClick(widget.slider, Qt.MouseButton.LeftButton)
    assert widget.value() == 2.0


def test_bad_file_gives_message_and_keeps_image(window, tmp_path, monkeypatch):
    messages = []
    monkeypatch.setattr("ui.main_window.QMessageBox.warning", lambda *a: messages.append(a[2]))
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    before = window.document
    assert not window.open_file(bad)
    assert window.document is before
    assert len(messages) == 1 and "broken.jpg" in messages[0]


@pytest.mark.parametrize("query,expected", [("gauss", "filter.gaussian_blur"), ("contrast", "tone.brightness_contrast")])
def test_sidebar_search(window, qtbot, query, expected):
    window.sidebar.search.setText(query)
    assert expected in window.sidebar.visible_ids()
    window.sidebar.search.returnPressed.emit()
    assert window.param_panel.operation.id == window.sidebar.visible_ids()[0]


def test_zoom_actions(window):
    window.actual_size_action.trigger()
    assert window.canvas.zoom() == pytest.approx(1.0)
    window.zoom_in_action.trigger()
    assert window.canvas.zoom() == pytest.approx(1.25)
    window.fit_action.trigger()
    assert window.canvas.zoom() > 1.25  # an 80x60 image fits a 900x600 window enlarged


def test_curve_editor_drag_adds_a_point_and_previews(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    window.sidebar.choose("tone.curves")
    widget = window.param_panel.widgets["points"]
    canvas = widget.canvas
    canvas.resize(200, 200)
    start = canvas._to_screen(0.5, 0.5).toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, canvas._to_screen(0.5, 0.7).toPoint())
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas._to_screen(0.5, 0.7).toPoint())
    points = window.param_panel.values()["points"]
    assert len(points) == 3 and points[1][1] > 0.6
    window.apply_action.trigger()
    assert window.document.steps[0].params["points"] == points
    qtbot.mouseDClick(canvas, Qt.MouseButton.LeftButton, pos=canvas._to_screen(*points[1]).toPoint())
    assert len(window.document.steps[0].params["points"]) == 2  # edits the applied step


def test_enter_applies_and_escape_cancels(window, qtbot):
    from PySide6.QtCore import Qt

    window.sidebar.choose("tone.brightness_contrast")
    slider = window.param_panel.widgets["brightness"].slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Return)
    assert len(window.document.steps) == 1
    window.sidebar.choose("tone.brightness_contrast")
    window.param_panel.widgets["brightness"].spin.setValue(0.3)
    qtbot.keyClick(window.param_panel.widgets["brightness"].slider, Qt.Key.Key_Escape)
    assert len(window.document.steps) == 1 and window.param_panel.mode == "none"


def test_crop_by_dragging_a_rectangle(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    window.sidebar.choose("geometry.crop")
    window.param_panel.rect_button.click()
    assert window.canvas.tool == "rect"
    window.actual_size_action.trigger()
    canvas = window.canvas
    start = canvas.mapFromScene(10, 5)
    end = canvas.mapFromScene(50, 35)
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas.viewport(), pos=QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseMove(canvas.viewport(), pos=end)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    values = window.param_panel.values()
    assert abs(values["x"] - 10) <= 1 and abs(values["y"] - 5) <= 1
    assert abs(values["width"] - 40) <= 2 and abs(values["height"] - 30) <= 2
    assert canvas.tool == "pan"
    window.apply_action.trigger()
    wait_for_full_render(qtbot, window)
    assert window.document.render().shape[:2] == (values["height"], values["width"])


def test_perspective_corners_by_four_clicks(window, qtbot):
    window.sidebar.choose("geometry.perspective")
    widget = window.param_panel.widgets["quad"]
    widget.pick_button.click()
    assert window.canvas.picking
    corners = [(5, 4), (70, 6), (72, 55), (3, 50)]
    for i, (x, y) in enumerate(corners):
        window.canvas.clicked.emit(float(x), float(y))
        assert window.canvas.picking == (i < 3)
    assert window.param_panel.values()["quad"] == tuple((float(x), float(y)) for x, y in corners)


def test_split_view_across_a_size_change(window, qtbot):
    window.sidebar.choose("geometry.crop")
    for name, value in {"x": 0, "y": 0, "width": 30, "height": 50}.items():
        window.param_panel.widgets[name].set_value(value)
    window.param_panel.values_changed.emit(window.param_panel.values(), True)
    window.apply_action.trigger()
    window.compare.set_mode("split")
    # 80x60 before, 30x50 after: different shapes, so the two go side by side.
    qtbot.waitUntil(lambda: window.compare.mode == "side", timeout=5000)
    assert window.before_canvas.isVisible()
    window.undo_action.trigger()
    window.sidebar.choose("geometry.resize")
    window.param_panel.widgets["scale"].set_value(0.5)
    window.param_panel.values_changed.emit(window.param_panel.values(), True)
    window.apply_action.trigger()
    wait_for_full_render(qtbot, window)
    window.compare.set_mode("split")
    qtbot.waitUntil(lambda: window.canvas.after_item.picture.width == 40
                    and window.canvas.before_item.picture.width == 80, timeout=5000)
    # Same shape, half the size: the before image is scaled into the after frame.
    assert window.compare.mode == "split"
    assert window.canvas.before_scale() == pytest.approx(0.5)
