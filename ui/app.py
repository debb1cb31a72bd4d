"""Application start-up: QApplication, style, main window."""
from __future__ import annotations

import sys
from typing import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from editor.memory_guard import set_ceiling

from .autosave import Autosaver
from .crash_guard import install_crash_guard
from .main_window import MainWindow
from .preferences import settings
from .resources import APP_ICON, SAMPLE_IMAGE
from .theme import apply_theme


def make_application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, created once, with the editor's name, icon and style."""
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName("Image Editor")
    app.setOrganizationName("ImageEditor")
    app.setWindowIcon(QIcon(str(APP_ICON)))
    app.setStyle("Fusion")
    apply_theme(app, str(settings().value("view/theme", "dark")))
    return app


MEMORY_LIMIT_KEY = "preferences/memory_limit_mb"


def apply_memory_limit(store) -> int | None:
    """Set the memory guard's ceiling from the settings (MiB; absent or 0: none, the
    ``IMAGE_EDITOR_MEMORY_LIMIT`` variable or the free memory decides)."""
    try:
        megabytes = int(float(store.value(MEMORY_LIMIT_KEY, 0) or 0))
    except (TypeError, ValueError):
        megabytes = 0
    set_ceiling(megabytes * 1024 * 1024 if megabytes > 0 else None)
    return megabytes or None


def run(paths: Sequence[str]) -> int:
    """Open a window on ``paths`` (the bundled sample if none) and run the event loop."""
    app = make_application()
    apply_memory_limit(settings())
    window = MainWindow()
    guard = install_crash_guard(window)  # an exception in the UI is shown and logged, not fatal
    window.show()
    autosaver = Autosaver(window)
    app.aboutToQuit.connect(autosaver.finish)
    if not autosaver.offer_restore():
        window.open_file(paths[0] if paths else SAMPLE_IMAGE)
    code = app.exec()
    guard.uninstall()
    return code
