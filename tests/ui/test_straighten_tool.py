"""The straighten tool with real mouse events: the rotate step's angle
levels (or plumbs) the drawn line, the crop option, the Rotate panel, undo."""
import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from processing.geometry import rotate
from tests.ui.canvas_input import H, W, image_of, press_drag, view_of
from tests.ui.conftest import wait_for_full_render


def straighten(qtbot, window, zoom):
    canvas = window.canvas
    canvas.set_zoom(zoom)
    canvas.centerOn(W / 2, H / 2)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_S)
    assert window.tools.active_id() == "straighten"
    return canvas, window.tools.active


@pytest.mark.parametrize("zoom", [1.0, 3.0])
def test_a_tilted_line_becomes_a_rotate_step_that_levels_it(qtbot, window, zoom):
    canvas, _tool = straighten(qtbot, window, zoom)
    a, b = view_of(canvas, 10, 40), view_of(canvas, 70, 33)
    press_drag(qtbot, canvas, a, b)
    (x0, y0), (x1, y1) = image_of(canvas, a), image_of(canvas, b)
    # The line rises to the right by (y0 - y1) over (x1 - x0): turn clockwise by that much.
    expected = -math.degrees(math.atan2(y0 - y1, x1 - x0))
    assert expected == pytest.approx(-math.degrees(math.atan2(7, 60)), abs=0.5)
    step = window.document.steps[-1]
    assert step.op_id == "geometry.rotate"
    assert step.params["angle_deg"] == pytest.approx(expected, abs=1e-9)
    assert step.params["crop"] == "aspect" and step.params["expand"] is False
    assert step.mask is None
    wait_for_full_render(qtbot, window)
    out = window.document.render()
    np.testing.assert_allclose(out, rotate(window.document.source, expected, crop="aspect"), atol=1e-6)
    assert out.shape[0] < H and out.shape[1] < W
    assert abs(out.shape[1] / out.shape[0] - W / H) < 0.05
    window.undo_stack.undo()
    assert window.document.steps == ()


def test_a_near_vertical_line_is_made_plumb_without_crop(qtbot, window):
    canvas, tool = straighten(qtbot, window, 2.0)
    tool.crop_box.setCurrentIndex(tool.crop_box.findData("none"))
    a, b = view_of(canvas, 40, 5), view_of(canvas, 43, 55)
    press_drag(qtbot, canvas, a, b)
    (x0, y0), (x1, y1) = image_of(canvas, a), image_of(canvas, b)
    # Leaning right going down: a clockwise turn of atan(dx / dy) brings it upright.
    expected = -math.degrees(math.atan2(x1 - x0, y1 - y0))
    step = window.document.steps[-1]
    assert step.params["angle_deg"] == pytest.approx(expected, abs=1e-9)
    assert step.params["crop"] == "none"
    wait_for_full_render(qtbot, window)
    assert window.document.render().shape == (H, W, 3)


def test_a_short_click_and_escape_add_nothing(qtbot, window):
    canvas, _tool = straighten(qtbot, window, 1.0)
    press_drag(qtbot, canvas, view_of(canvas, 10, 10), view_of(canvas, 12, 11))
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view_of(canvas, 10, 40))
    qtbot.mouseMove(viewport, view_of(canvas, 60, 30))
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, view_of(canvas, 60, 30))
    assert window.document.steps == ()


def test_with_the_rotate_panel_open_the_line_corrects_its_angle(qtbot, window):
    window.choose_operation("geometry.rotate")
    window.param_panel.widgets["angle_deg"].set_value(10.0)
    window.param_panel.values_changed.emit(window.param_panel.values(), True)
    canvas, _tool = straighten(qtbot, window, 1.0)
    a, b = view_of(canvas, 10, 30), view_of(canvas, 70, 25)
    press_drag(qtbot, canvas, a, b)
    (x0, y0), (x1, y1) = image_of(canvas, a), image_of(canvas, b)
    expected = 10.0 - math.degrees(math.atan2(y0 - y1, x1 - x0))
    assert window.param_panel.values()["angle_deg"] == pytest.approx(expected, abs=0.06)  # the spin box's decimals
    assert window.document.steps == ()  # still a preview: Apply adds it
