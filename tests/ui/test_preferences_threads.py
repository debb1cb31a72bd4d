"""The Threads preference sets how many threads processing uses."""
import pytest

from processing import _parallel


@pytest.fixture(autouse=True)
def restore_workers():
    saved = _parallel._requested
    yield
    _parallel._requested = saved


def test_threads_setting_is_saved_and_applied(qtbot):
    from ui.app import make_application
    from ui.preferences import Preferences, PreferencesDialog, settings

    make_application()
    prefs = Preferences(settings())
    assert prefs.threads == 0  # all cores by default
    assert _parallel.workers() == _parallel.default_workers()
    dialog = PreferencesDialog(prefs)
    qtbot.addWidget(dialog)
    assert dialog.threads.text() == "All cores"
    dialog.threads.setValue(1)
    dialog.accept()
    assert _parallel.workers() == 1
    assert Preferences(settings()).threads == 1  # stored, and applied again when read
    assert _parallel.workers() == 1

    dialog = PreferencesDialog(Preferences(settings()))
    qtbot.addWidget(dialog)
    dialog.restore_defaults()
    dialog.accept()
    assert Preferences(settings()).threads == 0
    assert _parallel.workers() == _parallel.default_workers()


def test_a_bad_stored_value_means_all_cores():
    from ui.preferences import Preferences, settings

    store = settings()
    store.setValue(Preferences.THREADS, "lots")
    assert Preferences(store).threads == 0
    store.setValue(Preferences.THREADS, -4)
    assert Preferences(store).threads == 0


def test_memory_limit_setting_is_saved_and_given_to_the_guard(qtbot):
    from editor.memory_guard import ceiling_bytes, set_ceiling
    from ui.app import make_application
    from ui.preferences import Preferences, PreferencesDialog, settings

    make_application()
    try:
        dialog = PreferencesDialog(Preferences(settings()))
        qtbot.addWidget(dialog)
        assert dialog.memory_limit.text() == "Free memory"
        dialog.memory_limit.setValue(2048)
        dialog.accept()
        assert ceiling_bytes({}) == 2048 * 1024 * 1024
        assert Preferences(settings()).memory_limit_mb == 2048
        dialog = PreferencesDialog(Preferences(settings()))
        qtbot.addWidget(dialog)
        dialog.restore_defaults()
        dialog.accept()
        assert ceiling_bytes({}) is None
    finally:
        set_ceiling(None)
