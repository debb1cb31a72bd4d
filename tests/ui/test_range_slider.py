"""The two-handled range slider: drag a handle or the span, keys, wheel, Tab."""
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from ui.range_slider import HIGH, LOW, RangeSlider


@pytest.fixture
def slider(qtbot):
    s = RangeSlider()
    s.setRange(0, 1000)
    s.setSingleStep(5)
    s.setPageStep(50)
    s.resize(420, 24)
    qtbot.addWidget(s)
    s.show()
    qtbot.waitExposed(s)
    s.set_values(200, 800)
    return s


def _drag(qtbot, slider, start_x, dx):
    y = slider.height() // 2
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=QPoint(start_x, y))
    for step in range(1, 11):
        qtbot.mouseMove(slider, QPoint(start_x + dx * step // 10, y))
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=QPoint(start_x + dx, y))


def test_dragging_the_low_handle_moves_only_it(qtbot, slider):
    ranges = []
    slider.range_changed.connect(lambda lo, hi: ranges.append((lo, hi)))
    with qtbot.waitSignal(slider.slider_released):
        _drag(qtbot, slider, round(slider.position_x(200)), 60)
    low, high = slider.values()
    assert low > 250 and high == 800  # 60 px of ~400 px over 1000 positions
    assert ranges and all(hi == 800 for _, hi in ranges)


def test_a_handle_stops_at_the_other(qtbot, slider):
    _drag(qtbot, slider, round(slider.position_x(800)), -400)
    assert slider.values() == (200, 200)


def test_dragging_the_span_moves_both_ends_and_keeps_the_width(qtbot, slider):
    _drag(qtbot, slider, round(slider.position_x(500)), 40)
    low, high = slider.values()
    assert low > 200 and high - low == 600
    _drag(qtbot, slider, round(slider.position_x(500)), 400)  # past the end: stops there
    assert slider.values() == (400, 1000)


def test_keys_move_the_active_handle_and_tab_switches_handles(qtbot):
    holder = QWidget()
    layout = QVBoxLayout(holder)
    slider, other = RangeSlider(), QLineEdit()
    slider.setRange(0, 1000)
    slider.setSingleStep(5)
    slider.setPageStep(50)
    slider.set_values(200, 800)
    layout.addWidget(slider)
    layout.addWidget(other)
    qtbot.addWidget(holder)
    holder.show()
    qtbot.waitExposed(holder)
    slider.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(slider.hasFocus)
    assert slider.active_handle() == LOW
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert slider.values() == (205, 800)
    qtbot.keyClick(slider, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert slider.values() == (206, 800)
    qtbot.keyClick(slider, Qt.Key.Key_Tab)  # to the high handle, still in the slider
    assert slider.hasFocus() and slider.active_handle() == HIGH
    qtbot.keyClick(slider, Qt.Key.Key_PageDown)
    assert slider.values() == (206, 750)
    qtbot.keyClick(slider, Qt.Key.Key_End)
    assert slider.values() == (206, 1000)
    qtbot.keyClick(slider, Qt.Key.Key_Tab)  # and out
    qtbot.waitUntil(other.hasFocus)


def test_wheel_steps_the_active_handle(qtbot, slider):
    slider.set_active_handle(HIGH)
    pos = QPointF(10, 10)
    event = QWheelEvent(pos, slider.mapToGlobal(pos), QPoint(), QPoint(0, -240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(slider, event)
    assert slider.values() == (200, 790)


def test_values_are_clipped_and_ordered(slider):
    slider.set_values(1200, -5)
    assert slider.values() == (0, 1000)
    with pytest.raises(ValueError, match="maximum must be >= minimum"):
        slider.setRange(5, 1)
