"""UI test set-up: offscreen Qt, and a main window on a generated image."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from editor.image_file import save_image  # noqa: E402
from tests.conftest import make_image  # noqa: E402


@pytest.fixture
def image_path(tmp_path):
    path = tmp_path / "photo.png"
    save_image(path, make_image((60, 80, 3), seed=11))
    return path


@pytest.fixture
def window(qtbot, image_path):
    from ui.app import make_application
    from ui.main_window import MainWindow

    make_application()
    win = MainWindow()  # closed here, not by qtbot: it must be marked clean first
    win.resize(900, 600)
    win.show()
    assert win.open_file(image_path)
    wait_for_full_render(qtbot, win)
    yield win
    dispose(win)


def dispose(win):
    """Close the window and delete it now (no waiting on a clock).

    Closing with unsaved edits asks a question; tests that mean it answer it,
    so the stack is marked clean first.
    """
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    win.undo_stack.setClean()
    win.close()
    win.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


@pytest.fixture(autouse=True)
def private_settings(monkeypatch, tmp_path):
    """Each test gets its own settings file: recent files, window layout and
    theme never leak into the user's configuration or into the next test."""
    monkeypatch.setenv("IMAGE_EDITOR_SETTINGS", str(tmp_path / "settings.ini"))


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch):
    """A modal dialog nobody answers would hang the suite: fail loudly instead."""
    from PySide6.QtWidgets import QMessageBox

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected modal dialog: {args[1:3]}")

    for name in ("question", "warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(refuse))


def wait_for_full_render(qtbot, win, timeout=10000):
    """Until the newest requested render is on the canvas at full resolution."""
    qtbot.waitUntil(win.live.is_final_shown, timeout=timeout)


def drag_slider(qtbot, slider, values):
    """Press, move through ``values``, release: one gesture as a mouse makes it."""
    from PySide6.QtWidgets import QApplication

    slider.setSliderDown(True)
    for value in values:
        slider.setValue(value)
        QApplication.processEvents()  # each move is delivered before the next, as between mouse events
    slider.setSliderDown(False)  # emits sliderReleased


def canvas_pixels(win) -> np.ndarray:
    """What the canvas shows, as a uint8 array."""
    image = win.canvas.displayed_image().convertToFormat(win.canvas.displayed_image().Format.Format_RGB888)
    w, h = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())
    return data[:, : w * 3].reshape(h, w, 3).copy()
