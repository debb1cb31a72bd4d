"""Sliders a person can set precisely: fine drag, keys, wheel, typed values."""
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from ui.fine_slider import FineSlider


@pytest.fixture
def slider(qtbot):
    s = FineSlider()
    s.setRange(0, 1000)
    s.setSingleStep(5)
    s.setPageStep(50)
    s.resize(500, 24)
    qtbot.addWidget(s)
    s.show()
    qtbot.waitExposed(s)
    s.setValue(500)
    return s


def _drag(qtbot, slider, dx, modifier=Qt.KeyboardModifier.NoModifier):
    handle = slider.style().subControlRect(
        slider.style().ComplexControl.CC_Slider, _option(slider), slider.style().SubControl.SC_SliderHandle, slider
    ).center()
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=handle)
    # QTest's mouseMove carries no modifiers: send the moves ourselves.
    for step in range(1, 11):
        pos = QPointF(handle + QPoint(dx * step // 10, 0))
        event = QMouseEvent(QEvent.Type.MouseMove, pos, slider.mapToGlobal(pos), Qt.MouseButton.NoButton,
                            Qt.MouseButton.LeftButton, modifier)
        QApplication.sendEvent(slider, event)
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=handle + QPoint(dx, 0))


def _option(slider):
    from PySide6.QtWidgets import QStyleOptionSlider

    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    return option


def test_ctrl_drag_moves_ten_times_slower(qtbot, slider):
    _drag(qtbot, slider, 100)
    plain = slider.value() - 500
    slider.setValue(500)
    _drag(qtbot, slider, 100, Qt.KeyboardModifier.ControlModifier)
    fine = slider.value() - 500
    assert plain > 100  # about 100 px of 1000 positions over ~480 px
    assert fine == pytest.approx(plain / 10, abs=3)


def test_a_drag_is_one_gesture_even_when_it_goes_fine(qtbot, slider):
    released = []
    slider.sliderReleased.connect(lambda: released.append(slider.value()))
    _drag(qtbot, slider, 80, Qt.KeyboardModifier.ShiftModifier)
    assert len(released) == 1


def _wheel(slider, notches, modifiers=Qt.KeyboardModifier.NoModifier):
    centre = QPointF(slider.rect().center())
    event = QWheelEvent(centre, slider.mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(slider, event)


def test_wheel_steps_small_fine_and_large(slider):
    _wheel(slider, 1)
    assert slider.value() == 505
    _wheel(slider, -2, Qt.KeyboardModifier.ControlModifier)
    assert slider.value() == 503
    _wheel(slider, 1, Qt.KeyboardModifier.ShiftModifier)
    assert slider.value() == 553


def test_arrow_keys_step_and_ctrl_arrows_step_finer(qtbot, slider):
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.value() == 505
    qtbot.keyClick(slider, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    assert slider.value() == 504


def test_parameter_sliders_are_fine_sliders_with_typed_values(window):
    window.sidebar.choose("filter.gaussian_blur")
    widget = window.param_panel.widgets["sigma"]
    assert isinstance(widget.slider, FineSlider)
    widget.spin.setValue(7.5)  # typed, as Enter in the box commits it
    assert window.param_panel.values()["sigma"] == 7.5
    assert abs(widget._to_value(widget.slider.value()) - 7.5) < 0.5
