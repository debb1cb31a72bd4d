"""The eyedropper with real mouse events: a click on a gray card adds a white
balance step that makes it neutral; a threshold's level and levels' points
are picked from a pixel with their Pick buttons; undo removes the step."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from editor.image_file import save_image
from tests.ui.conftest import wait_for_full_render

LUMA = np.array([0.2126, 0.7152, 0.0722])
CARD = np.array([140, 121, 83]) / 255.0  # a gray card under warm light


@pytest.fixture
def cast_window(qtbot, window, tmp_path):
    rng = np.random.default_rng(5)
    image = rng.uniform(0.05, 0.6, (60, 80, 3))
    image[20:40, 30:50] = CARD
    path = tmp_path / "cast.png"
    save_image(path, image.astype(np.float32))
    window.undo_stack.setClean()
    assert window.open_file(path)
    wait_for_full_render(qtbot, window)
    return window


def click(qtbot, canvas, x, y, zoom=4.0):
    canvas.set_zoom(zoom)
    canvas.centerOn(x, y)
    point = canvas.mapFromScene(QPointF(x, y))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(point.x(), point.y()))


def test_a_click_on_the_gray_card_balances_it(qtbot, cast_window):
    window, canvas = cast_window, cast_window.canvas
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_I)
    assert window.tools.active_id() == "eyedropper"
    click(qtbot, canvas, 40.5, 30.5)
    step = window.document.steps[-1]
    assert step.op_id == "color.white_balance"
    np.testing.assert_allclose(step.params["reference"], CARD, atol=1e-5)
    wait_for_full_render(qtbot, window)
    out = window.document.render()
    card = out[20:40, 30:50].reshape(-1, 3)
    assert np.ptp(card, axis=1).max() < 1e-5  # neutral
    np.testing.assert_allclose(card[:, 0], float(LUMA @ CARD), atol=1e-5)  # as bright as it was
    window.undo_stack.undo()
    assert window.document.steps == ()


def test_the_sample_averages_the_pixels_around_the_click(qtbot, window):
    canvas = window.canvas
    window.tools.activate("eyedropper")
    click(qtbot, canvas, 12.5, 9.5)
    source = window.document.source
    expected = source[7:12, 10:15].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(window.document.steps[-1].params["reference"], expected, atol=1e-5)
    # With the white balance open, a second click changes its reference instead of adding a step.
    listing = window.steps_panel.list
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=listing.visualItemRect(listing.item(0)).center())
    qtbot.waitUntil(lambda: window.param_panel.mode == "edit")
    click(qtbot, canvas, 60.5, 40.5)
    assert len(window.document.steps) == 1
    expected = source[38:43, 58:63].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(window.document.steps[0].params["reference"], expected, atol=1e-5)


def test_pick_a_threshold_level_from_a_pixel(qtbot, cast_window):
    window, canvas = cast_window, cast_window.canvas
    window.choose_operation("threshold.global")
    widget = window.param_panel.widgets["level"]
    assert widget.pick_button is not None
    widget.pick_button.click()
    assert canvas.picking
    assert window.statusBar().currentMessage() == "Click on the image to take the brightness there"
    click(qtbot, canvas, 35.2, 25.7)
    assert not canvas.picking
    level = float(LUMA @ CARD)
    assert window.param_panel.values()["level"] == pytest.approx(round(level, 3), abs=1e-9)
    window.apply_pending()
    assert window.document.steps[-1].params["level"] == pytest.approx(round(level, 3), abs=1e-9)
    wait_for_full_render(qtbot, window)
    window.undo_stack.undo()
    assert window.document.steps == ()


def test_levels_points_are_picked_from_the_image_they_apply_to(qtbot, cast_window):
    window, canvas = cast_window, cast_window.canvas
    window.choose_operation("tone.levels")
    panel = window.param_panel
    panel.widgets["white"].pick_button.click()
    click(qtbot, canvas, 41.0, 33.0)
    assert panel.values()["white"] == pytest.approx(round(float(LUMA @ CARD), 3), abs=1e-9)
    # Pickers only where the catalog asks for them.
    assert panel.widgets["midtone_gamma"].pick_button is None
