"""File handling in the window: export dialog, Export again, recent files,
clipboard, drag and drop, preferences, window layout.

Settings go to a temporary INI file (IMAGE_EDITOR_SETTINGS), never to the
user's configuration. Native file dialogs are never opened: the export
dialog is driven through its widgets and its settings object.
"""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QMessageBox

from editor.image_file import ExportOptions, load_image, read_embedded_recipe, save_image
from tests.conftest import make_image
from tests.ui.conftest import wait_for_full_render
from ui.export_dialog import ExportDialog
from ui.file_actions import FileActions, qimage_to_array
from ui.preferences import SETTINGS_ENV, Preferences, PreferencesDialog, settings


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    path = tmp_path / "settings.ini"
    monkeypatch.setenv(SETTINGS_ENV, str(path))
    return path


@pytest.fixture
def messages(monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: shown.append(args[2]) or QMessageBox.StandardButton.Ok)
    return shown


def answer_questions(monkeypatch, answer):
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def add_blur(window):
    document = window.document
    document.push(document.make_step("filter.gaussian_blur", sigma=1.5))


# -- export dialog ---------------------------------------------------------------------
def test_export_through_the_dialog_settings(window, qtbot, tmp_path):
    add_blur(window)
    dialog = window.files.make_dialog()
    qtbot.addWidget(dialog)
    target = tmp_path / "out" / "result.jpg"
    target.parent.mkdir()
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(target))  # typing the name picks the format
    assert dialog.format() == "JPEG" and not dialog.depth_combo.isEnabled()
    dialog.quality_spin.setValue(70)
    dialog.subsampling_combo.setCurrentIndex(dialog.subsampling_combo.findData("4:4:4"))
    dialog.metadata_combo.setCurrentIndex(dialog.metadata_combo.findData("no_gps"))
    path, options = dialog.settings()
    assert path == str(target)
    assert options == ExportOptions(format="JPEG", quality=70, subsampling="4:4:4", metadata="no_gps")
    assert window.files.export_to(path, options)
    with Image.open(target) as written:
        assert written.format == "JPEG" and JpegImagePlugin.get_sampling(written) == 0
    expected = window.document.render()
    assert np.abs(load_image(target).pixels - expected).mean() < 0.02
    # The next dialog starts from these settings, in this folder.
    again = window.files.make_dialog()
    qtbot.addWidget(again)
    assert again.settings() == (str(target), options)


def test_export_as_then_export_repeats_the_settings(window, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "repeat.png"

    def accept_with_settings(dialog):
        dialog.set_settings(str(target), ExportOptions(format="PNG", png_compress_level=1, bit_depth=16))
        return ExportDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept_with_settings)
    window.files.export_as_action.trigger()
    assert load_image(target).info.bit_depth == 16
    target.unlink()
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: pytest.fail("Export must not ask again"))
    add_blur(window)
    window.files.export_action.trigger()  # Ctrl+E
    reopened = load_image(target)
    assert reopened.info.bit_depth == 16
    np.testing.assert_allclose(reopened.pixels, window.document.render(), atol=1 / 65535)


def test_export_without_a_previous_export_opens_the_dialog(window, monkeypatch):
    opened = []
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: opened.append(dialog) or ExportDialog.DialogCode.Rejected)
    assert window.files.export_again() is False
    assert len(opened) == 1


def test_dialog_follows_format_bit_depth_and_metadata_support(window, qtbot, tmp_path):
    deep = tmp_path / "deep.png"
    save_image(deep, np.random.default_rng(1).random((20, 30, 3), dtype=np.float32), options=ExportOptions(bit_depth=16))
    assert window.open_file(deep)
    dialog = window.files.make_dialog()
    qtbot.addWidget(dialog)
    assert dialog.format() == "PNG" and dialog.depth_combo.currentData() == 16  # 16-bit source: 16 by default
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("JPEG"))
    assert dialog.path().endswith(".jpg")
    assert not dialog.depth_combo.isEnabled() and dialog.depth_combo.currentData() == 8
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("TIFF"))
    assert dialog.path().endswith(".tif") and dialog.depth_combo.isEnabled() and dialog.depth_combo.currentData() == 16
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("BMP"))
    assert not dialog.metadata_combo.isEnabled()
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("WEBP"))
    dialog.webp_lossless_check.setChecked(True)
    assert not dialog.webp_quality_spin.isEnabled()
    assert dialog.options().webp_lossless and dialog.options().format == "WEBP"


def test_dialog_shows_a_size_estimate(window, qtbot, tmp_path):
    dialog = window.files.make_dialog()
    qtbot.addWidget(dialog)
    dialog.set_settings(str(tmp_path / "s.jpg"), ExportOptions(quality=80))
    size = dialog.update_estimate()
    path, options = dialog.settings()
    assert window.files.export_to(path, options)
    assert size == (tmp_path / "s.jpg").stat().st_size  # a small image is encoded whole: exact
    assert dialog.estimate_label.text().endswith(("KB", "bytes"))


def test_processing_log_embedded_when_asked(window, qtbot, tmp_path):
    add_blur(window)
    dialog = window.files.make_dialog()
    qtbot.addWidget(dialog)
    assert dialog.recipe_check.isEnabled()
    dialog.set_settings(str(tmp_path / "log.png"), ExportOptions(embed_recipe=True))
    assert window.files.export_to(*dialog.settings())
    text = read_embedded_recipe(tmp_path / "log.png")
    assert text is not None and "filter.gaussian_blur" in text
    assert window.files.export_to(tmp_path / "plain.png")
    assert read_embedded_recipe(tmp_path / "plain.png") is None


def test_dialog_asks_before_replacing_an_existing_file(window, qtbot, tmp_path, monkeypatch):
    existing = tmp_path / "there.png"
    existing.write_bytes(b"old")
    dialog = window.files.make_dialog()
    qtbot.addWidget(dialog)
    dialog.set_settings(str(existing), ExportOptions())
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    dialog.accept()
    assert asked and dialog.result() != ExportDialog.DialogCode.Accepted
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    dialog.accept()
    assert dialog.result() == ExportDialog.DialogCode.Accepted


# -- never lose a file ------------------------------------------------------------------------
def test_overwriting_the_opened_image_needs_confirmation(window, image_path, monkeypatch):
    add_blur(window)
    before = image_path.read_bytes()
    asked = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    assert window.export_to(image_path) is False
    assert image_path.read_bytes() == before and len(asked) == 1 and "image you opened" in asked[0]
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    assert window.export_to(image_path) is True
    assert image_path.read_bytes() != before


def test_failed_export_says_why_and_keeps_the_old_file(window, tmp_path, messages, monkeypatch):
    assert window.export_to(tmp_path / "missing" / "x.png") is False
    assert "the folder does not exist" in messages[-1]
    assert window.export_to(tmp_path / "x.gif") is False
    assert "unknown file type '.gif'" in messages[-1]
    target = tmp_path / "kept.png"
    target.write_bytes(b"previous export")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(Image.SAVE, "PNG", fail)
    assert window.export_to(target) is False
    assert "No space left on device" in messages[-1] and target.read_bytes() == b"previous export"


# -- recent files -------------------------------------------------------------------------------
def test_recent_files_are_remembered_and_reopened(window, image_path, tmp_path, messages):
    second = tmp_path / "second.png"
    save_image(second, make_image((30, 40), seed=2))
    assert window.open_file(second)
    files = window.files
    assert files.recent_files() == [str(second.resolve()), str(image_path.resolve())]
    assert window.open_file(image_path)
    assert files.recent_files() == [str(image_path.resolve()), str(second.resolve())]
    assert FileActions(window).recent_files() == files.recent_files()  # persisted in the settings file

    files._fill_recent_menu()
    entries = [a for a in files.recent_menu.actions() if a.data()]
    assert [a.data() for a in entries] == files.recent_files()
    assert entries[0].text().endswith("photo.png") and entries[1].text().endswith("second.png")
    entries[1].trigger()
    assert window.document.info.path == str(second)

    second.unlink()
    assert files._open_recent(str(second.resolve())) is False
    assert "no longer exists" in messages[-1]
    assert files.recent_files() == [str(image_path.resolve())]
    files.clear_recent()
    assert files.recent_files() == []


def test_recent_list_is_bounded(window, tmp_path):
    for i in range(14):
        window.files.add_recent(tmp_path / f"f{i}.png")
    recent = window.files.recent_files()
    assert len(recent) == 10 and recent[0].endswith("f13.png")


def test_a_file_that_cannot_be_opened_is_not_added(window, tmp_path, messages):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    before = window.document
    assert not window.open_file(bad)
    assert window.document is before and "bad.png" in messages[-1]
    assert str(bad.resolve()) not in window.files.recent_files()


# -- clipboard ---------------------------------------------------------------------------------
def test_copy_result_and_paste_as_new_image(window, qtbot):
    add_blur(window)
    assert window.files.copy_result()
    copied = qimage_to_array(QApplication.clipboard().image())
    np.testing.assert_array_equal(copied, np.rint(window.document.render() * 255) / np.float32(255))

    rgba = np.zeros((5, 7, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = np.arange(7) * 30
    image = QImage(rgba.tobytes(), 7, 5, 28, QImage.Format.Format_RGBA8888).copy()
    QApplication.clipboard().setImage(image)
    window.undo_stack.setClean()  # nothing to save first
    assert window.files.paste()
    document = window.document
    assert document.info.path is None and document.source.shape == (5, 7, 4)
    np.testing.assert_array_equal(document.source, rgba / np.float32(255))
    assert "Untitled" in window.windowTitle()


def test_paste_a_copied_file_and_an_empty_clipboard(window, tmp_path):
    other = tmp_path / "copied.png"
    save_image(other, make_image((10, 12, 3), seed=4))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(other))])
    QApplication.clipboard().setMimeData(mime)
    assert window.files.paste()
    assert window.document.info.path == str(other)
    QApplication.clipboard().clear()
    assert window.files.paste() is False


@pytest.mark.parametrize(
    "fmt,channels,deep",
    [(QImage.Format.Format_Grayscale8, 1, False), (QImage.Format.Format_RGB888, 3, False),
     (QImage.Format.Format_RGBA8888, 4, False), (QImage.Format.Format_RGBA64, 4, True)],
)
def test_qimage_to_array(fmt, channels, deep):
    rng = np.random.default_rng(0)
    dtype = np.uint16 if deep else np.uint8
    data = rng.integers(0, np.iinfo(dtype).max + 1, (3, 5, channels), dtype=dtype)
    stride = 5 * channels * data.itemsize
    image = QImage(data.tobytes(), 5, 3, stride, fmt).copy()
    pixels = qimage_to_array(image)
    expected = data / np.float32(np.iinfo(dtype).max)
    np.testing.assert_allclose(pixels, expected[..., 0] if channels == 1 else expected, atol=1e-7)
    assert pixels.dtype == np.float32


# -- drag and drop -----------------------------------------------------------------------------
def drop_on(widget, mime):
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_dropping_a_file_opens_it(window, qtbot, tmp_path):
    dropped = tmp_path / "dropped.png"
    save_image(dropped, make_image((16, 24, 3), seed=6))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dropped))])
    assert drop_on(window.canvas.viewport(), mime) == (True, True)
    qtbot.waitUntil(lambda: window.document.info.path == str(dropped), timeout=5000)
    wait_for_full_render(qtbot, window)
    assert window.document.source.shape == (16, 24, 3)


def test_dropping_something_else_is_refused_and_a_bad_file_keeps_the_image(window, qtbot, tmp_path, messages):
    text = QMimeData()
    text.setText("just words")
    assert drop_on(window, text) == (False, False)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(bad))])
    before = window.document
    assert drop_on(window, mime) == (True, True)
    qtbot.waitUntil(lambda: bool(messages), timeout=5000)
    assert window.document is before and "broken.jpg" in messages[0]


# -- preferences --------------------------------------------------------------------------------
def test_preferences_are_saved_and_applied(window, qtbot, image_path, messages):
    prefs = window.files.preferences
    assert prefs.max_megapixels == Preferences.default_max_megapixels()
    dialog = PreferencesDialog(prefs, window)
    qtbot.addWidget(dialog)
    dialog.max_megapixels.setValue(1.0)
    dialog.cache_mb.setValue(300)
    dialog.accept()
    assert Preferences(settings()).max_megapixels == 1.0  # stored in the settings file
    assert Preferences(settings()).cache_budget_mb == 300
    window.files.update_actions()
    assert window.document.cache.budget_bytes == 300 * 1024 * 1024

    big = image_path.with_name("big.png")
    Image.new("L", (1200, 1000)).save(big)  # 1.2 megapixels
    before = window.document
    assert not window.open_file(big)
    assert window.document is before and "Preferences" in messages[-1] and "1.2 megapixels" in messages[-1]
    prefs.max_megapixels = 2.0
    assert window.open_file(big)

    dialog.restore_defaults()
    assert dialog.max_megapixels.value() == Preferences.default_max_megapixels()


# -- window layout --------------------------------------------------------------------------------
def test_window_geometry_and_layout_are_restored(qtbot):
    from PySide6.QtWidgets import QDockWidget

    from ui.main_window import MainWindow

    def make():
        win = MainWindow()
        qtbot.addWidget(win)
        win.show()
        return win

    def close(win):
        win.close()
        win.worker.shutdown()
        win.before_worker.shutdown()

    first = make()
    first.resize(820, 610)
    first.findChild(QDockWidget, "histogram").hide()
    close(first)
    assert settings().value("window/geometry") is not None

    second = make()
    # Not the default 1400 x 880: the saved size (the offscreen platform's
    # frame bookkeeping may shift it by a few pixels).
    assert abs(second.width() - 820) < 30 and abs(second.height() - 610) < 30
    assert not second.findChild(QDockWidget, "histogram").isVisible()
    assert second.findChild(QDockWidget, "operations").isVisible()
    close(second)


def test_file_menu_and_shortcuts(window):
    from PySide6.QtGui import QKeySequence

    files = window.files
    assert files.open_action.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Open)
    assert files.export_as_action.shortcut() == QKeySequence("Ctrl+Shift+E")
    assert files.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert files.copy_action.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Copy)
    assert files.paste_action.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Paste)
    entries = window.file_menu.actions()
    for act in (files.open_action, files.export_action, files.export_as_action, files.copy_action,
                files.paste_action, files.preferences_action, files.recent_menu.menuAction()):
        assert act in entries
    assert window.open_action is files.open_action and window.export_action is files.export_as_action
    assert window.acceptDrops()
