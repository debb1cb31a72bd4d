"""The crop tool with real mouse events: drag, adjust with handles, aspect
presets, apply with Enter, re-edit a crop step from the Steps panel, undo."""
import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.ui.canvas_input import H, W, press_drag, set_zoom, view_of
from tests.ui.conftest import wait_for_full_render


def crop_tool(qtbot, window):
    canvas = window.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_C)
    assert window.tools.active_id() == "crop"
    return window.tools.active


@pytest.mark.parametrize("zoom", [0.5, 1.0, 3.0])
def test_drag_then_handles_then_enter_make_the_crop_step(qtbot, window, zoom):
    canvas = set_zoom(qtbot, window, zoom)
    tool = crop_tool(qtbot, window)
    press_drag(qtbot, canvas, view_of(canvas, 10, 8), view_of(canvas, 50, 38))
    assert tool.crop_values() == {"x": 10, "y": 8, "width": 40, "height": 30}
    press_drag(qtbot, canvas, view_of(canvas, 50, 23), view_of(canvas, 60, 23))  # the right edge's handle
    press_drag(qtbot, canvas, view_of(canvas, 10, 8), view_of(canvas, 14, 4))  # the top-left corner's
    assert tool.crop_values() == {"x": 14, "y": 4, "width": 46, "height": 34}
    press_drag(qtbot, canvas, view_of(canvas, 30, 20), view_of(canvas, 24, 22))  # inside: moves it
    assert tool.crop_values() == {"x": 8, "y": 6, "width": 46, "height": 34}
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    step = window.document.steps[-1]
    assert step.op_id == "geometry.crop"
    assert dict(step.params) == {"x": 8, "y": 6, "width": 46, "height": 34}
    wait_for_full_render(qtbot, window)
    np.testing.assert_array_equal(window.document.render(), window.document.source[6:40, 8:54])
    assert tool.rect is None
    window.undo_stack.undo()
    assert window.document.steps == ()


def test_moving_stops_at_the_image_edges(qtbot, window):
    canvas = set_zoom(qtbot, window, 2.0)
    tool = crop_tool(qtbot, window)
    press_drag(qtbot, canvas, view_of(canvas, 30, 20), view_of(canvas, 50, 40))
    press_drag(qtbot, canvas, view_of(canvas, 40, 30), view_of(canvas, 75, 5))
    assert tool.crop_values() == {"x": 60, "y": 0, "width": 20, "height": 20}


def test_aspect_presets(qtbot, window):
    canvas = set_zoom(qtbot, window, 2.0)
    tool = crop_tool(qtbot, window)
    tool.aspect_box.setCurrentIndex(tool.aspect_box.findText("1:1"))
    press_drag(qtbot, canvas, view_of(canvas, 10, 10), view_of(canvas, 40, 30))
    assert tool.crop_values() == {"x": 10, "y": 10, "width": 20, "height": 20}
    # A preset chosen afterwards reshapes the rectangle about its centre.
    tool.aspect_box.setCurrentIndex(tool.aspect_box.findText("3:2"))
    tool.aspect_box.activated.emit(tool.aspect_box.currentIndex())
    values = tool.crop_values()
    assert abs(values["width"] - 1.5 * values["height"]) <= 1.5  # as near as whole pixels allow
    # An edge with an aspect: the other side follows, about its middle.
    tool.aspect_box.setCurrentIndex(tool.aspect_box.findText("Original"))
    tool.cancel()
    press_drag(qtbot, canvas, view_of(canvas, 20, 12), view_of(canvas, 60, 50))
    values = tool.crop_values()
    assert abs(values["width"] - W / H * values["height"]) <= 1.5
    tool.aspect_box.setCurrentIndex(tool.aspect_box.findText("9:16 (portrait)"))
    tool.aspect_box.activated.emit(tool.aspect_box.currentIndex())
    values = tool.crop_values()
    assert values["height"] > values["width"]
    assert abs(values["width"] - 9 / 16 * values["height"]) <= 1.5


def test_escape_drops_the_rectangle(qtbot, window):
    canvas = set_zoom(qtbot, window, 1.0)
    tool = crop_tool(qtbot, window)
    press_drag(qtbot, canvas, view_of(canvas, 10, 8), view_of(canvas, 50, 38))
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert tool.rect is None
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert window.document.steps == ()


def test_a_crop_step_is_re_edited_on_the_canvas(qtbot, window):
    canvas = set_zoom(qtbot, window, 2.0)
    tool = crop_tool(qtbot, window)
    press_drag(qtbot, canvas, view_of(canvas, 10, 8), view_of(canvas, 50, 38))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    window.choose_operation("tone.invert")
    window.apply_pending()
    wait_for_full_render(qtbot, window)
    assert canvas.sceneRect().width() == 40
    # Click the crop step in the Steps panel: the canvas shows the image it
    # crops, with the step's rectangle to adjust.
    listing = window.steps_panel.list
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=listing.visualItemRect(listing.item(0)).center())
    qtbot.waitUntil(lambda: tool.editing == 0)
    qtbot.waitUntil(lambda: canvas.sceneRect().width() == W)
    assert tool.crop_values() == {"x": 10, "y": 8, "width": 40, "height": 30}
    set_zoom(qtbot, window, 2.0)
    press_drag(qtbot, canvas, view_of(canvas, 50, 38), view_of(canvas, 70, 50))  # bottom-right corner
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert dict(window.document.steps[0].params) == {"x": 10, "y": 8, "width": 60, "height": 42}
    assert window.document.steps[1].op_id == "tone.invert"
    qtbot.waitUntil(lambda: canvas.sceneRect().width() == 60)
    wait_for_full_render(qtbot, window)
    window.undo_stack.undo()
    assert dict(window.document.steps[0].params) == {"x": 10, "y": 8, "width": 40, "height": 30}
