"""The canvas tools driven with real mouse events: selections at several
zooms, modes, the wand, masked operations, undo, save and reopen."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from tests.ui.canvas_input import H, W, press_drag, set_zoom, view_of
from tests.ui.conftest import wait_for_full_render


def reference_rect(x0, y0, x1, y1):
    mask = np.zeros((H, W), bool)
    mask[y0:y1, x0:x1] = True
    return mask


def selection(window):
    sel = window.document.selection
    return None if sel is None else np.asarray(sel.hard())


@pytest.mark.parametrize("zoom", [1 / 3, 1.0, 4.0])
def test_rectangle_selection_at_zoom(qtbot, window, zoom):
    set_zoom(qtbot, window, zoom)
    window.tools.activate("select.rectangle")
    canvas = window.canvas
    # At 1/3 a screen pixel spans three image pixels: corners on multiples of 3
    # are hit exactly; at 400% any visible pixel edge is.
    x0, y0, x1, y1 = (9, 12, 30, 27) if zoom < 1 else (31, 22, 45, 31)
    start, end = view_of(canvas, x0, y0), view_of(canvas, x1, y1)
    assert canvas.viewport().rect().contains(start) and canvas.viewport().rect().contains(end)
    press_drag(qtbot, canvas, start, end)
    got = selection(window)
    assert got is not None
    np.testing.assert_array_equal(got, reference_rect(x0, y0, x1, y1))


def test_modes_are_set_operations(qtbot, window):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.rectangle")
    canvas = window.canvas
    a = (30, 20, 42, 32)
    b = (36, 26, 48, 38)
    ra, rb = reference_rect(*a), reference_rect(*b)

    def drag(rect, modifier=Qt.KeyboardModifier.NoModifier):
        press_drag(qtbot, canvas, view_of(canvas, *rect[:2]), view_of(canvas, *rect[2:]), modifier)

    drag(a)
    drag(b, Qt.KeyboardModifier.ShiftModifier)
    np.testing.assert_array_equal(selection(window), ra | rb)
    drag(a)
    drag(b, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(selection(window), ra & ~rb)
    drag(a)
    drag(b, Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(selection(window), ra & rb)
    # Each gesture is one undo entry: undo goes back to the plain rectangle a.
    window.undo_stack.undo()
    np.testing.assert_array_equal(selection(window), ra)


def test_shortcuts_pick_tools_and_escape_cancels_a_lasso(qtbot, window):
    canvas = window.canvas
    canvas.setFocus()
    for key, tool in ((Qt.Key.Key_M, "select.rectangle"), (Qt.Key.Key_L, "select.lasso"), (Qt.Key.Key_W, "select.wand")):
        qtbot.keyClick(canvas, key)
        assert window.tools.active_id() == tool
        assert window.tools.hint.text() == window.tools.active.status
        assert canvas.viewport().cursor().shape() == Qt.CursorShape.CrossCursor
    qtbot.keyClick(canvas, Qt.Key.Key_L)
    set_zoom(qtbot, window, 4.0)
    viewport = canvas.viewport()
    for x, y in ((32, 22), (44, 22)):
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view_of(canvas, x, y))
    assert len(window.tools.active.points) == 2
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert window.tools.active.points == []
    assert window.document.selection is None


def test_polygonal_lasso(qtbot, window):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.lasso")
    canvas = window.canvas
    viewport = canvas.viewport()
    corners = [(32, 22), (46, 22), (46, 34), (32, 34)]
    for x, y in corners:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view_of(canvas, x, y))
    qtbot.keyClick(canvas, Qt.Key.Key_Return)
    np.testing.assert_array_equal(selection(window), reference_rect(32, 22, 46, 34))


def test_masked_blur_leaves_outside_identical_and_undo_removes_it(qtbot, window):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.rectangle")
    canvas = window.canvas
    press_drag(qtbot, canvas, view_of(canvas, 31, 22), view_of(canvas, 45, 31))
    inside = reference_rect(31, 22, 45, 31)
    before = np.array(window.document.render())
    window.choose_operation("filter.gaussian_blur")
    window.apply_pending()
    step = window.document.steps[-1]
    assert step.mask is not None
    after = np.array(window.document.render())
    assert np.array_equal(after[~inside], before[~inside])  # bit-identical outside
    assert not np.array_equal(after[inside], before[inside])
    assert "masked" in window.steps_panel.list.item(0).text()
    window.undo_stack.undo()
    assert window.document.steps == ()


def test_edit_and_clear_a_step_mask(qtbot, window):
    window.choose_operation("tone.invert")
    window.apply_pending()
    window.select_step(0)
    assert window.document.steps[0].mask is None
    window.select_actions.select_all()
    window.select_actions.invert()  # nothing left: no selection
    assert window.document.selection is None
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.rectangle")
    press_drag(qtbot, window.canvas, view_of(window.canvas, 31, 22), view_of(window.canvas, 45, 31))
    window.select_step(0)
    window.select_actions.update_actions()
    assert window.select_actions.limit_step_action.isEnabled()
    window.select_actions.limit_step()
    np.testing.assert_array_equal(window.document.steps[0].mask, reference_rect(31, 22, 45, 31))
    # Edit the mask: select it, subtract a part with Ctrl, put it back.
    window.select_actions.select_none()
    window.select_step(0)
    window.select_actions.mask_to_selection()
    np.testing.assert_array_equal(selection(window), reference_rect(31, 22, 45, 31))
    press_drag(qtbot, window.canvas, view_of(window.canvas, 31, 22), view_of(window.canvas, 38, 31),
               Qt.KeyboardModifier.ControlModifier)
    window.select_step(0)
    window.select_actions.limit_step()
    np.testing.assert_array_equal(window.document.steps[0].mask, reference_rect(38, 22, 45, 31))
    window.undo_stack.undo()
    np.testing.assert_array_equal(window.document.steps[0].mask, reference_rect(31, 22, 45, 31))
    window.select_actions.clear_step_mask()
    assert window.document.steps[0].mask is None
    window.undo_stack.undo()
    assert window.document.steps[0].mask is not None


def bfs_region(image, seed, tolerance_level, connectivity):
    """Plain breadth-first flood fill: pixels reached through pixels whose
    largest channel difference from the seed is <= level / 255 (to within
    the 1/1000 of a level the wand allows for float rounding)."""
    from collections import deque

    h, w = image.shape[:2]
    ref = image[seed[1], seed[0]].astype(np.float64)
    diff = np.abs(image.astype(np.float64) - ref)
    dist = diff.max(axis=2) if diff.ndim == 3 else diff
    ok = dist * 255 <= tolerance_level + 1e-3
    seen = np.zeros((h, w), bool)
    queue = deque([(seed[1], seed[0])])
    seen[seed[1], seed[0]] = True
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    while queue:
        y, x = queue.popleft()
        for dy, dx in steps:
            ny, nx = y + dy, x + dx
            if 0 <= ny < h and 0 <= nx < w and not seen[ny, nx] and ok[ny, nx]:
                seen[ny, nx] = True
                queue.append((ny, nx))
    return seen


def test_wand_click_then_drag_and_slider(qtbot, window):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.wand")
    tool = window.tools.active
    tool.options.tolerance.setValue(20)
    canvas = window.canvas
    seed = (40, 30)
    image = np.asarray(window.document.render())
    point = view_of(canvas, seed[0] + 0.5, seed[1] + 0.5)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: window.document.selection is not None)  # the flood runs off the GUI thread
    np.testing.assert_array_equal(selection(window), bfs_region(image, seed, 20, 8))
    # The slider changes the same click's selection, in the same undo entry.
    tool.options.tolerance.setValue(60)
    np.testing.assert_array_equal(selection(window), bfs_region(image, seed, 60, 8))
    # Dragging right and down from the click raises the tolerance.
    viewport = canvas.viewport()
    point = view_of(canvas, seed[0] + 0.5, seed[1] + 0.5)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseMove(viewport, point + QPoint(20, 20))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=point + QPoint(20, 20))
    qtbot.waitUntil(lambda: not tool.busy and window.undo_stack.count() == 2)
    level = tool.options.tolerance.value()
    assert level == 60 + 20
    np.testing.assert_array_equal(selection(window), bfs_region(image, seed, level, 8))
    window.undo_stack.undo()
    np.testing.assert_array_equal(selection(window), bfs_region(image, seed, 60, 8))
    window.undo_stack.undo()
    assert window.document.selection is None


def test_a_wand_click_on_a_large_image_floods_a_reduced_copy_and_keeps_exact_edges(qtbot, window, monkeypatch):
    import ui.tools.selection_tools as tools_module
    from editor.document import Document

    # A disk whose edge crosses the reduced copy's blocks; "large" is made small here.
    y, x = np.mgrid[0:H, 0:W]
    disk = np.where((x - 41.3) ** 2 + (y - 29.6) ** 2 < 17.7 ** 2, 0.8, 0.2).astype(np.float32)
    window.set_document(Document(np.stack([disk, disk * 0.5, 1 - disk], axis=-1)))
    monkeypatch.setattr(tools_module, "WAND_MAX_PIXELS", (H // 3) * (W // 3))
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.wand")
    tool = window.tools.active
    tool.options.tolerance.setValue(20)
    point = view_of(window.canvas, 41.5, 30.5)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: window.document.selection is not None)
    assert tool.click.factor == 3
    image = np.asarray(window.document.render())
    np.testing.assert_array_equal(selection(window), bfs_region(image, (41, 30), 20, 8))


def test_a_wand_click_shows_an_outline_at_once_while_its_flood_runs(qtbot, window, monkeypatch):
    import ui.tools.selection_tools as tools_module

    monkeypatch.setattr(tools_module, "WAND_GLANCE_PIXELS", 300)  # a glance at 1:4 of this small image
    held = []  # the background flood, held back as on a large photo
    monkeypatch.setattr(window.tools, "run_in_background", lambda work, done: held.append((work, done)))
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.wand")
    tool = window.tools.active
    tool.options.tolerance.setValue(20)
    overlay = window.tools.overlay
    seed = (40, 30)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=view_of(window.canvas, seed[0] + 0.5, seed[1] + 0.5))
    assert len(held) == 1 and window.document.selection is None
    assert tool.click.glance_factor == 4 and overlay.lines()  # an outline already, from the glance
    tool.options.tolerance.setValue(30)  # and it follows the slider meanwhile
    glance_lines = overlay.lines()
    assert glance_lines
    work, done = held.pop()
    done(work(), None)  # the flood lands: the exact selection
    image = np.asarray(window.document.render())
    qtbot.waitUntil(lambda: window.document.selection is not None)
    np.testing.assert_array_equal(selection(window), bfs_region(image, seed, 30, 8))


def test_masked_step_survives_project_and_runs_headless(qtbot, window, tmp_path):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.ellipse")
    tool = window.tools.active
    tool.options.feather.setValue(3.0)
    press_drag(qtbot, window.canvas, view_of(window.canvas, 28, 18), view_of(window.canvas, 50, 40))
    assert window.document.selection.is_soft
    window.choose_operation("tone.invert")
    window.apply_pending()
    expected = np.array(window.document.render())
    project = tmp_path / "edit.iep.json"
    from editor.project import load_project, save_project

    save_project(project, window.document)
    document = load_project(project)
    assert document.steps[0].mask is not None and document.steps[0].mask.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(document.render()), expected)
    # Headless: the recipe carries the mask; apply it to the same image.
    from editor.recipe import save_recipe

    recipe = tmp_path / "recipe.json"
    save_recipe(recipe, document.steps)
    outdir = tmp_path / "out"
    outdir.mkdir()
    source = Path(window.document.info.path)
    result = subprocess.run([sys.executable, "-m", "editor", "apply", str(recipe), str(source), "-o", str(outdir),
                             "--format", "tiff"], capture_output=True, text=True, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    from editor.image_file import load_image

    (out,) = outdir.iterdir()
    written = load_image(out).pixels
    np.testing.assert_allclose(written, expected, atol=0.5 / 255 + 1e-6)  # written in 8 bits, like its source


DPR_SCRIPT = r'''
import sys
import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from ui.app import make_application
from ui.main_window import MainWindow
from editor.document import Document

make_application()
win = MainWindow()
win.resize(900, 600)
win.show()
rng = np.random.default_rng(1)
win.set_document(Document(rng.random((60, 80, 3), dtype=np.float32)))
canvas = win.canvas
for _ in range(200):
    QApplication.processEvents()
    if not canvas.sceneRect().isEmpty():
        break
canvas.set_zoom(4.0)
canvas.centerOn(40, 30)
QApplication.processEvents()
win.tools.activate("select.rectangle")
viewport = canvas.viewport()
start = canvas.mapFromScene(QPointF(31, 22))
end = canvas.mapFromScene(QPointF(45, 31))
QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
QTest.mouseMove(viewport, end)
QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
got = win.document.selection.hard()
expected = np.zeros((60, 80), bool)
expected[22:31, 31:45] = True
# A half logical pixel (one device pixel at ratio 2) maps to an eighth of an
# image pixel at 400%: the tools see it.
seen = []
tool = win.tools.active
tool.press = lambda event: seen.append((event.x, event.y)) or True
half = QPointF(start) + QPointF(0.5, 0.5)
event = QMouseEvent(QMouseEvent.Type.MouseButtonPress, half, canvas.mapToGlobal(half), Qt.MouseButton.LeftButton,
                    Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
QApplication.sendEvent(viewport, event)
print(viewport.devicePixelRatioF(), bool(np.array_equal(got, expected)), seen[0][0] - 31, seen[0][1] - 22)
win.undo_stack.setClean()
win.close()
'''


def test_rectangle_selection_with_device_pixel_ratio_2(tmp_path):
    """Run in a process of its own with Qt scaling the offscreen screen by 2.
    What it proves: with a real device pixel ratio of 2 (a high-DPI screen),
    the events' logical positions, and their half pixels, map to the right
    image points; it cannot prove how a particular platform rounds input."""
    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen",
               IMAGE_EDITOR_SETTINGS=str(tmp_path / "settings.ini"))
    result = subprocess.run([sys.executable, "-c", DPR_SCRIPT], capture_output=True, text=True, env=env,
                            cwd=Path(__file__).resolve().parents[2], timeout=120)
    assert result.returncode == 0, result.stderr
    ratio, same, dx, dy = result.stdout.split()[-4:]
    assert float(ratio) == 2.0
    assert same == "True"
    assert float(dx) == pytest.approx(0.125) and float(dy) == pytest.approx(0.125)


def test_free_lasso_drag(qtbot, window):
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.lasso")
    canvas = window.canvas
    viewport = canvas.viewport()
    corners = [(32, 22), (46, 22), (46, 34), (32, 34)]
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=view_of(canvas, *corners[0]))
    for x, y in corners[1:] + corners[:1]:
        qtbot.mouseMove(viewport, view_of(canvas, x, y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=view_of(canvas, *corners[0]))
    np.testing.assert_array_equal(selection(window), reference_rect(32, 22, 46, 34))
    window.undo_stack.undo()
    assert window.document.selection is None


def test_wand_mask_from_a_reduced_copy_covers_blocks():
    from ui.tools.selection_tools import upsample_mask

    small = np.array([[True, False], [False, True]])
    expected = np.kron(small, np.ones((3, 3), bool))
    np.testing.assert_array_equal(upsample_mask(small, 3, (6, 6)), expected)
    np.testing.assert_array_equal(upsample_mask(small, 3, (5, 4)), expected[:5, :4])
    grown = upsample_mask(small, 3, (7, 8))  # past the last block: its edge repeats
    np.testing.assert_array_equal(grown[:6, :6], expected)
    np.testing.assert_array_equal(grown[6, :6], expected[5])
    np.testing.assert_array_equal(grown[:6, 7], expected[:, 5])


def test_marching_ants_are_exact_in_view_when_zoomed_in(qtbot, window, monkeypatch):
    import ui.selection_overlay as overlay_module

    monkeypatch.setattr(overlay_module, "OUTLINE_MAX_PIXELS", 1000)  # as if the image were huge: sampled by 3
    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.rectangle")
    press_drag(qtbot, window.canvas, view_of(window.canvas, 31, 22), view_of(window.canvas, 46, 31))
    overlay = window.tools.overlay
    assert overlay._step == 3
    edges = {(31, 22, 46, 22), (31, 31, 46, 31), (31, 22, 31, 31), (46, 22, 46, 31)}
    in_view = {tuple(round(v) for v in (l.x1(), l.y1(), l.x2(), l.y2())) for l in overlay.lines(4.0)}
    assert in_view == edges  # the rectangle fits in the view: all four, exactly
    coarse = {tuple(round(v) for v in (l.x1(), l.y1(), l.x2(), l.y2())) for l in overlay.lines(0.25)}
    assert all(v % 3 == 0 for line in coarse for v in line)  # zoomed out: the sampled grid, under a screen pixel


def test_save_and_load_a_mask_through_the_select_menu(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from editor.image_file import save_image

    set_zoom(qtbot, window, 4.0)
    window.tools.activate("select.rectangle")
    press_drag(qtbot, window.canvas, view_of(window.canvas, 31, 22), view_of(window.canvas, 45, 31))
    assert window.select_actions.save_mask(tmp_path / "mask.png")
    window.select_actions.select_none()
    assert window.document.selection is None
    assert window.select_actions.load_mask(tmp_path / "mask.png")
    np.testing.assert_array_equal(selection(window), reference_rect(31, 22, 45, 31))
    window.undo_stack.undo()
    assert window.document.selection is None
    save_image(tmp_path / "small.png", np.zeros((10, 10), np.float32))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *args: warnings.append(args[2])))
    assert not window.select_actions.load_mask(tmp_path / "small.png")
    assert "10 x 10 pixels but the image is 80 x 60" in warnings[0]
    assert window.document.selection is None


def test_a_ragged_preview_is_outlined_on_a_coarser_grid_to_keep_up(qtbot, window, monkeypatch):
    import ui.selection_overlay as overlay_module

    monkeypatch.setattr(overlay_module, "PREVIEW_MAX_LINES", 5000)
    overlay = window.tools.overlay
    ragged = np.random.default_rng(2).random((512, 512)) < 0.5  # a quarter of a million pixel edges
    assert len(overlay_module.outline_segments(ragged)) > 5000
    overlay.set_preview(ragged)
    assert 0 < len(overlay.lines()) <= 5000
    overlay.set_preview(None)
