"""Application start-up: QApplication, style, main window."""
from __future__ import annotations

import sys
from typing import Sequence

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from editor.library_output import library_output_to_log

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


def run(paths: Sequence[str]) -> int:
    """Open a window on ``paths`` (the bundled sample if none) and run the event loop."""
    app = make_application()
    # What libraries say about odd files (Pillow's and NumPy's warnings, libtiff
    # on standard error) goes to the log (IMAGE_EDITOR_LOG), as at the command
    # line: the window says what matters in its own words.
    with library_output_to_log():
        window = MainWindow()  # its preferences set the thread count and the memory ceiling
        guard = install_crash_guard(window)  # an exception in the UI is shown and logged, not fatal
        window.show()
        autosaver = Autosaver(window)
        app.aboutToQuit.connect(autosaver.finish)
        if not autosaver.offer_restore():
            window.open_file(paths[0] if paths else SAMPLE_IMAGE)
        code = app.exec()
        guard.uninstall()
    return code
