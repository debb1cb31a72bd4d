"""The brush driven with real mouse events: strokes cover the disk path
exactly, the right button erases, [ and ] resize, the stroke is the
selection an operation then applies through, and undo takes it back."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from editor.brush_stroke import BrushSettings, StrokeLayer
from tests.ui.canvas_input import H, W, image_of, view_of
from tests.processing.test_brush import distance_to_segment
from tests.ui.conftest import wait_for_full_render


def disk_path(points, radius, shape=(H, W)):
    """Pixels whose centre lies within ``radius`` of the polyline (the reference)."""
    pairs = list(zip(points, points[1:])) or [(points[0], points[0])]
    out = np.zeros(shape, bool)
    for row in range(shape[0]):
        for col in range(shape[1]):
            out[row, col] = min(distance_to_segment(col + 0.5, row + 0.5, a, b) for a, b in pairs) <= radius
    return out


def stroke(qtbot, canvas, views, button=Qt.MouseButton.LeftButton, modifier=Qt.KeyboardModifier.NoModifier):
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, button, modifier, views[0])
    for v in views[1:]:
        qtbot.mouseMove(viewport, v)
    qtbot.mouseRelease(viewport, button, modifier, views[-1])


def brush(window, size, hardness=100, opacity=100):
    window.tools.activate("brush")
    tool = window.tools.active
    tool.size_box.setValue(size)
    tool.hardness_box.setValue(hardness)
    tool.opacity_box.setValue(opacity)
    return tool


@pytest.mark.parametrize("zoom", [0.5, 1.0, 4.0])
def test_a_stroke_covers_exactly_the_disk_path(qtbot, window, zoom):
    canvas = window.canvas
    canvas.set_zoom(zoom)
    canvas.centerOn(W / 2, H / 2)
    tool = brush(window, 9)
    views = [view_of(canvas, x, y) for x, y in ((12.0, 14.0), (30.0, 22.0), (55.0, 18.0), (60.0, 44.0))]
    stroke(qtbot, canvas, views)
    qtbot.waitUntil(lambda: window.document.selection is not None)
    points = [image_of(canvas, v) for v in views]
    expected = disk_path(points, 4.5)
    got = np.asarray(window.document.selection.weights())
    assert set(np.unique(got)) <= {0.0, 1.0}
    np.testing.assert_array_equal(got > 0.5, expected)
    assert tool.working_mask() is not None


def test_right_button_and_alt_erase_and_undo_takes_each_stroke_back(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(4.0)
    canvas.centerOn(W / 2, H / 2)
    brush(window, 12)
    line = [view_of(canvas, x, 30.0) for x in (30.0, 38.0, 50.0)]
    stroke(qtbot, canvas, line)
    painted = disk_path([image_of(canvas, v) for v in line], 6.0)
    np.testing.assert_array_equal(window.document.selection.hard(), painted)
    dab = [view_of(canvas, 40.0, 30.0)]
    stroke(qtbot, canvas, dab, button=Qt.MouseButton.RightButton)
    erased = disk_path([image_of(canvas, dab[0])], 6.0)
    np.testing.assert_array_equal(window.document.selection.hard(), painted & ~erased)
    other = [view_of(canvas, 46.0, 30.0)]
    stroke(qtbot, canvas, other, modifier=Qt.KeyboardModifier.AltModifier)
    erased_too = disk_path([image_of(canvas, other[0])], 6.0)
    np.testing.assert_array_equal(window.document.selection.hard(), painted & ~erased & ~erased_too)
    window.undo_stack.undo()
    window.undo_stack.undo()
    np.testing.assert_array_equal(window.document.selection.hard(), painted)
    window.undo_stack.undo()
    assert window.document.selection is None
    # After undo the brush starts again from the document's selection (none).
    stroke(qtbot, canvas, dab)
    np.testing.assert_array_equal(window.document.selection.hard(), erased)


def test_opacity_and_soft_edges(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(2.0)
    canvas.centerOn(W / 2, H / 2)
    brush(window, 16, hardness=50, opacity=50)
    back_and_forth = [view_of(canvas, x, 30.0) for x in (20.0, 60.0, 22.0, 58.0)]
    stroke(qtbot, canvas, back_and_forth)
    weights = np.asarray(window.document.selection.weights())
    assert weights.max() == pytest.approx(0.5, abs=1e-6)  # no build-up within a stroke
    assert 0.0 < weights[30, 40 + 0] and ((weights > 0) & (weights < 0.5)).any()
    stroke(qtbot, canvas, back_and_forth[:2])
    assert np.asarray(window.document.selection.weights()).max() == pytest.approx(0.75, abs=1e-6)


def test_brackets_change_the_size_and_escape_drops_a_stroke(qtbot, window):
    canvas = window.canvas
    tool = brush(window, 40)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_BracketRight)
    assert tool.size_box.value() == 50
    qtbot.keyClick(canvas, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(canvas, Qt.Key.Key_BracketLeft)
    assert tool.size_box.value() == 32
    viewport = canvas.viewport()
    centre = view_of(canvas, 40.0, 30.0)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    qtbot.mouseMove(viewport, view_of(canvas, 50.0, 30.0))
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
    assert window.document.selection is None
    assert window.undo_stack.count() == 0
    assert not tool.working_mask().any()


def test_b_picks_the_brush_and_an_operation_applies_through_the_painted_mask(qtbot, window):
    canvas = window.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_B)
    assert window.tools.active_id() == "brush"
    canvas.set_zoom(4.0)
    canvas.centerOn(W / 2, H / 2)
    window.tools.active.size_box.setValue(10)
    views = [view_of(canvas, 30.0, 30.0), view_of(canvas, 50.0, 30.0)]
    stroke(qtbot, canvas, views)
    weights = np.asarray(window.document.selection.weights()).copy()
    outside, inside = weights == 0, weights == 1
    before = window.document.render()
    window.choose_operation("tone.invert")
    window.apply_pending()
    wait_for_full_render(qtbot, window)
    after = window.document.render()
    step = window.document.steps[-1]
    assert step.mask is not None
    assert outside.sum() > 1000 and inside.sum() > 100  # the default brush has a soft edge
    np.testing.assert_array_equal(after[outside], before[outside])  # outside the painting: untouched
    np.testing.assert_allclose(after[inside], 1.0 - before[inside], atol=1e-6)


def test_stroke_layer_paints_only_the_box_and_reverts():
    mask = np.full((600, 700), 0.25, np.float32)
    layer = StrokeLayer(mask, BrushSettings(size=10))
    box = layer.segment((100.0, 100.0), (120.0, 110.0))
    assert box == (95, 95, 115, 125)
    expected = disk_path([(5.0, 5.0), (25.0, 15.0)], 5.0, shape=(20, 30))  # the box's own coordinates
    np.testing.assert_array_equal(mask[95:115, 95:125] == 1.0, expected)
    assert (mask[:95] == 0.25).all() and (mask[115:] == 0.25).all()
    layer.revert()
    assert (mask == 0.25).all()


def test_the_brush_paints_onto_the_selection_there_is(qtbot, window):
    canvas = window.canvas
    canvas.set_zoom(4.0)
    canvas.centerOn(W / 2, H / 2)
    window.tools.activate("select.rectangle")
    stroke(qtbot, canvas, [view_of(canvas, 28.0, 20.0), view_of(canvas, 40.0, 30.0), view_of(canvas, 52.0, 40.0)])
    rect = np.zeros((H, W), bool)
    rect[20:40, 28:52] = True
    np.testing.assert_array_equal(window.document.selection.hard(), rect)
    brush(window, 8)
    line = [view_of(canvas, 20.0, 30.0), view_of(canvas, 60.0, 30.0)]
    stroke(qtbot, canvas, line)
    painted = disk_path([image_of(canvas, v) for v in line], 4.0)
    np.testing.assert_array_equal(window.document.selection.hard(), rect | painted)
    stroke(qtbot, canvas, line, button=Qt.MouseButton.RightButton)
    np.testing.assert_array_equal(window.document.selection.hard(), rect & ~painted)
