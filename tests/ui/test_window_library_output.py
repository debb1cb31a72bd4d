"""In the window too, what libraries print goes to the log, not the terminal."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import os, sys, warnings
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    import ui.app
    from ui.main_window import MainWindow

    def open_file(self, path):
        # what Pillow and libtiff do on an odd file: a Python warning, and C code on descriptor 2
        warnings.warn("library says hello", UserWarning)
        os.write(2, b"TIFFReadDirectory: C says hello\\n")
        print("the editor's own line", file=sys.stderr)
        QTimer.singleShot(0, QApplication.instance().quit)
        return True

    MainWindow.open_file = open_file
    sys.exit(ui.app.run([]))
""")


def test_library_messages_go_to_the_log_not_the_terminal(tmp_path):
    log = tmp_path / "library.log"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", IMAGE_EDITOR_LOG=str(log),
               IMAGE_EDITOR_SETTINGS=str(tmp_path / "s.ini"), IMAGE_EDITOR_DATA=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "says hello" not in done.stderr
    assert "the editor's own line" in done.stderr
    logged = log.read_text()
    assert "library says hello" in logged and "C says hello" in logged
