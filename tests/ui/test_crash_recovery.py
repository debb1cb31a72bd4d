"""Crash recovery and the window that never dies: autosave, restore after a kill, the exception dialog."""
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from editor.project import read_project
from editor.steps import Step
from tests.ui.conftest import canvas_pixels, dispose, wait_for_full_render

ROOT = Path(__file__).resolve().parents[2]
STEPS = (
    Step("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.3}),
    Step("filter.gaussian_blur", {"sigma": 1.5}),
)


@pytest.fixture
def data(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("IMAGE_EDITOR_DATA", str(folder))
    return folder


def apply_steps(win, steps=STEPS):
    from ui.history_commands import AddStepCommand

    for step in steps:
        full = win.document.make_step(step.op_id, dict(step.params))
        win.undo_stack.push(AddStepCommand(win.document, full))


def dead_pid() -> int:
    """The number of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def new_window(qtbot):
    from ui.app import make_application
    from ui.main_window import MainWindow

    make_application()
    win = MainWindow()
    win.resize(900, 600)
    win.show()
    return win


def close(win, qtbot):
    dispose(win)


# -- autosave ------------------------------------------------------------------------
def test_edits_are_autosaved_in_the_project_format_and_removed_once_saved(qtbot, window, data, tmp_path):
    from ui.autosave import Autosaver

    saver = Autosaver(window, delay_ms=50)
    with qtbot.waitSignal(saver.saved, timeout=10000) as blocker:
        apply_steps(window)
    path = Path(blocker.args[0])
    assert path.parent == data and path.name == f"autosave-{os.getpid()}.iep.json"
    project = read_project(path)
    assert [s.op_id for s in project.steps] == [s.op_id for s in STEPS]
    assert project.steps == window.document.steps
    assert project.source_path == Path(window.document.info.path)
    assert not [p for p in data.iterdir() if p.name.endswith(".tmp")]  # written atomically

    with qtbot.waitSignal(saver.removed, timeout=10000):
        assert window.projects.save_to(tmp_path / "photo.iep.json")  # saved: nothing left to recover
    assert not path.exists()
    saver.finish()


def test_a_slider_gesture_merged_into_one_undo_entry_is_autosaved(qtbot, window, data):
    from ui.autosave import Autosaver
    from ui.history_commands import EditStepCommand

    apply_steps(window, STEPS[:1])
    saver = Autosaver(window, delay_ms=50)
    first = window.document.steps[0]
    window.undo_stack.push(EditStepCommand(window.document, 0, first.with_params({**first.params, "brightness": 0.2}), 7))
    with qtbot.waitSignal(saver.saved, timeout=10000):
        # Merged into the previous command: the undo stack's index does not move.
        window.undo_stack.push(EditStepCommand(window.document, 0, first.with_params({**first.params, "brightness": 0.3}), 7))
    assert read_project(saver.path).steps[0].params["brightness"] == 0.3
    saver.finish()


def test_a_normal_close_leaves_no_autosave(qtbot, window, data):
    from ui.autosave import Autosaver

    saver = Autosaver(window, delay_ms=50)
    with qtbot.waitSignal(saver.saved, timeout=10000):
        apply_steps(window)
    saver.finish()
    assert not saver.path.exists()


# -- restore -------------------------------------------------------------------------
def crashed_autosave(window, data) -> Path:
    """An autosave of ``window``'s edits as a killed editor would have left it."""
    from ui.autosave import autosave_bytes
    from editor.project import SOURCE_HASH_KEY

    data.mkdir(parents=True, exist_ok=True)
    path = data / f"autosave-{dead_pid()}.iep.json"
    doc = window.document
    path.write_bytes(autosave_bytes(doc.steps, doc.info.path, doc.info.extra[SOURCE_HASH_KEY], doc.catalog))
    return path


def test_restore_gives_the_same_steps_and_render_as_unsaved_undoable_edits(qtbot, window, data):
    from ui.autosave import Autosaver

    apply_steps(window)
    wait_for_full_render(qtbot, window)
    expected_pixels = canvas_pixels(window)
    expected_render = np.array(window.document.render())
    left = crashed_autosave(window, data)

    win = new_window(qtbot)
    try:
        saver = Autosaver(win, delay_ms=50)
        asked = []
        assert saver.offer_restore(ask=lambda p: asked.append(p) or True)
        assert asked == [left] and not left.exists()
        assert win.document.steps == window.document.steps
        assert win.isWindowModified() and not win.undo_stack.isClean()  # unsaved: closing asks
        wait_for_full_render(qtbot, win)
        np.testing.assert_array_equal(np.array(win.document.render()), expected_render)
        np.testing.assert_array_equal(canvas_pixels(win), expected_pixels)
        win.undo_stack.undo()
        assert win.document.steps == ()
        saver.finish()
    finally:
        close(win, qtbot)


def test_a_pasted_image_is_autosaved_with_its_pixels_and_restored_untitled(qtbot, data):
    import json

    from ui.autosave import Autosaver

    # 16-bit pixels, as a pasted 16-bit image gives: the autosave keeps every level.
    pixels = (np.random.default_rng(5).integers(0, 65536, (30, 40, 3)) / 65535).astype(np.float32)
    win = new_window(qtbot)
    try:
        win.files.open_pixels(pixels, "pasted from the clipboard", 16)
        saver = Autosaver(win, delay_ms=50)
        with qtbot.waitSignal(saver.saved, timeout=10000):
            apply_steps(win)
        assert saver.source_path.exists()
        expected = np.array(win.document.render())
        # What a killed editor leaves: the same two files under a process number that has ended.
        dead = dead_pid()
        source = data / f"autosave-{dead}-source.png"
        source.write_bytes(saver.source_path.read_bytes())
        saved = json.loads(saver.path.read_text())
        saved["source"]["path"] = str(source)
        left = data / f"autosave-{dead}.iep.json"
        left.write_text(json.dumps(saved))
        win.undo_stack.setClean()
        saver.finish()
        assert not saver.source_path.exists()  # a normal close removes the pixels too
    finally:
        close(win, qtbot)

    win = new_window(qtbot)
    try:
        saver = Autosaver(win, delay_ms=50)
        assert saver.offer_restore(ask=lambda p: True)
        assert not left.exists() and not source.exists()
        assert win.document.info.path is None  # untitled, as it was: Save asks where
        np.testing.assert_array_equal(win.document.source, pixels)
        np.testing.assert_array_equal(np.array(win.document.render()), expected)
        with qtbot.waitSignal(saver.saved, timeout=10000):  # and it is autosaved again, as its own
            apply_steps(win, STEPS[:1])
        assert saver.source_path.exists()
        win.undo_stack.setClean()
        saver.finish()
    finally:
        close(win, qtbot)


def test_the_selection_is_autosaved_and_restored_with_the_steps(qtbot, window, data):
    import json

    from editor.selection import Selection
    from ui.autosave import Autosaver
    from ui.selection_actions import SetSelectionCommand

    saver = Autosaver(window, delay_ms=50)
    apply_steps(window)
    h, w = window.document.shape_after()
    soft = np.zeros((h, w), np.float32)
    soft[10:30, 20:50] = 1.0
    soft[10:30, 50:55] = 100 / 255  # a feathered edge keeps its weights
    with qtbot.waitSignal(saver.saved, timeout=10000):
        window.undo_stack.push(SetSelectionCommand(window.document, Selection(soft), "Select"))
    # What a killed editor leaves: this autosave under a process number that has ended.
    left = data / f"autosave-{dead_pid()}.iep.json"
    left.write_text(saver.path.read_text())
    assert "selection" in json.loads(left.read_text())
    window.undo_stack.setClean()
    saver.finish()

    win = new_window(qtbot)
    try:
        restorer = Autosaver(win, delay_ms=50)
        assert restorer.offer_restore(ask=lambda p: True)
        assert win.document.steps == window.document.steps
        np.testing.assert_array_equal(win.document.selection.mask, soft)
        restorer.finish()
    finally:
        close(win, qtbot)


def test_discarding_removes_the_autosave_and_opens_nothing(qtbot, window, data):
    from ui.autosave import Autosaver

    apply_steps(window)
    left = crashed_autosave(window, data)
    win = new_window(qtbot)
    try:
        saver = Autosaver(win, delay_ms=50)
        assert not saver.offer_restore(ask=lambda p: False)
        assert not left.exists() and win.document is None
        saver.finish()
    finally:
        close(win, qtbot)


def test_the_autosave_of_a_running_editor_is_not_offered(qtbot, window, data):
    from ui.autosave import Autosaver, left_by_crashes

    saver = Autosaver(window, delay_ms=50)
    with qtbot.waitSignal(saver.saved, timeout=10000):
        apply_steps(window)
    assert left_by_crashes(data) == []  # this process is alive
    saver.finish()


def test_a_damaged_autosave_is_reported_and_the_window_stays_empty(qtbot, data, monkeypatch):
    from ui.autosave import Autosaver

    data.mkdir(parents=True)
    (data / f"autosave-{dead_pid()}.iep.json").write_text('{"format": "image-editor-project", "version": 1, "steps": [')
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: warnings.append(a[2])))
    win = new_window(qtbot)
    try:
        saver = Autosaver(win, delay_ms=50)
        assert not saver.offer_restore(ask=lambda p: True)
        assert len(warnings) == 1 and "Cannot open project" in warnings[0]
        assert win.document is None
        saver.finish()
    finally:
        close(win, qtbot)


EDITOR_THAT_GETS_KILLED = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from ui.app import make_application
from ui.main_window import MainWindow
from ui.autosave import Autosaver
from ui.history_commands import AddStepCommand

app = make_application()
win = MainWindow()
win.show()
assert win.open_file(sys.argv[1])
saver = Autosaver(win, delay_ms=200)
saver.saved.connect(lambda path: print("autosaved", path, flush=True))
for op_id, params in [("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.3}),
                      ("filter.gaussian_blur", {"sigma": 1.5})]:
    win.undo_stack.push(AddStepCommand(win.document, win.document.make_step(op_id, params)))
app.exec()
"""


def test_edits_survive_sigkill(qtbot, data, image_path):
    env = {**os.environ, "IMAGE_EDITOR_DATA": str(data), "QT_QPA_PLATFORM": "offscreen"}
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR_THAT_GETS_KILLED, str(image_path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = editor.stdout.readline()  # blocks until the autosave is written (or the editor dies)
        assert line.startswith("autosaved"), line
    finally:
        editor.send_signal(signal.SIGKILL)
        editor.wait()
        editor.stdout.close()

    from ui.autosave import Autosaver

    win = new_window(qtbot)
    try:
        saver = Autosaver(win, delay_ms=50)
        assert saver.offer_restore(ask=lambda p: True)
        assert [s.op_id for s in win.document.steps] == ["tone.brightness_contrast", "filter.gaussian_blur"]
        assert win.document.steps[1].params["sigma"] == 1.5
        wait_for_full_render(qtbot, win)
        saver.finish()
    finally:
        close(win, qtbot)


# -- the window never dies -------------------------------------------------------------
@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_shows_a_dialog_logs_and_the_editor_goes_on(qtbot, window, data):
    from ui.crash_guard import install_crash_guard

    apply_steps(window)
    steps = window.document.steps
    guard = install_crash_guard(window)
    try:
        def broken_slot():
            raise RuntimeError("the histogram exploded")

        QTimer.singleShot(0, broken_slot)  # called from Qt's event loop, as a real slot is
        qtbot.waitUntil(lambda: guard.dialog is not None and guard.dialog.isVisible(), timeout=10000)
        dialog = guard.dialog
        assert "RuntimeError: the histogram exploded" in dialog.text()
        assert "broken_slot" in dialog.detailedText()
        log = (data / "crash.log").read_text()
        assert "RuntimeError: the histogram exploded" in log and "Traceback" in log

        copy = next(b for b in dialog.buttons() if b.text() == "Copy Details")
        copy.click()
        assert "the histogram exploded" in QApplication.clipboard().text()
        assert dialog.isVisible()  # copying does not close it

        # The editor goes on with its document intact and still working.
        assert window.isVisible() and window.document.steps == steps
        apply_steps(window, STEPS[:1])
        assert len(window.document.steps) == 3
        wait_for_full_render(qtbot, window)
        dialog.close()
    finally:
        guard.uninstall()


@pytest.mark.qt_no_exception_capture
def test_exceptions_in_threads_and_repeated_ones_share_one_dialog(qtbot, window, data):
    from ui.crash_guard import install_crash_guard

    guard = install_crash_guard(window)
    try:
        def worker():
            raise ValueError("worker failed")

        thread = threading.Thread(target=worker, name="helper")
        thread.start()
        thread.join()
        qtbot.waitUntil(lambda: guard.dialog is not None and guard.dialog.isVisible(), timeout=10000)
        first = guard.dialog
        QTimer.singleShot(0, lambda: 1 / 0)
        qtbot.waitUntil(lambda: "(2 errors)" in first.informativeText(), timeout=10000)
        assert guard.dialog is first and guard.count == 2
        log = (data / "crash.log").read_text()
        assert "in thread helper" in log and "ValueError: worker failed" in log and "ZeroDivisionError" in log
        first.close()
    finally:
        guard.uninstall()


def test_the_memory_limit_setting_reaches_the_guard(tmp_path):
    from PySide6.QtCore import QSettings

    from editor.memory_guard import ceiling_bytes, set_ceiling
    from ui.preferences import Preferences

    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    try:
        store.setValue(Preferences.MEMORY_LIMIT_MB, 512)
        assert Preferences(store).apply_memory_limit() == 512  # reading the preferences applies it
        assert ceiling_bytes({}) == 512 * 1024 * 1024
        store.setValue(Preferences.MEMORY_LIMIT_MB, "nonsense")
        assert Preferences(store).apply_memory_limit() is None and ceiling_bytes({}) is None
    finally:
        set_ceiling(None)


APP_START = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from ui import app as app_module
from ui.main_window import MainWindow

def answer_yes(parent, title, text, *args, **kwargs):
    print("asked", title, flush=True)
    return QMessageBox.StandardButton.Yes

QMessageBox.question = staticmethod(answer_yes)

def check():
    windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
    win = windows[0] if windows else None
    if win is not None and win.document is not None and win.live.is_final_shown():
        print("restored", [s.op_id for s in win.document.steps], flush=True)
        win.undo_stack.setClean()  # the restored edits are unsaved: quitting would ask about them
        QApplication.instance().quit()
    else:
        QTimer.singleShot(20, check)

QTimer.singleShot(0, check)
sys.exit(app_module.run([]))
"""


def test_the_application_offers_the_restore_at_start(qtbot, window, data):
    # ui.app.run as a person starts it (in its own process: quitting ends a QApplication for good).
    apply_steps(window)
    crashed_autosave(window, data)
    env = {**os.environ, "IMAGE_EDITOR_DATA": str(data), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", APP_START], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "asked Restore unsaved edits?",
        "restored ['tone.brightness_contrast', 'filter.gaussian_blur']",
    ]
    assert not [p for p in data.iterdir() if p.name.startswith("autosave-")]  # a normal quit leaves none
