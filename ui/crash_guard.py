"""The window never dies: an unexpected exception is shown, logged, and survived.

Qt calls Python slots and event handlers from C++; an exception escaping one
reaches :data:`sys.excepthook`, and one escaping a worker thread reaches
:data:`threading.excepthook`. :class:`CrashGuard` takes both: the details go
to ``crash.log`` in the user's data folder, and a dialog says what happened
with a button to copy the details for a bug report. The event loop goes on,
so the document and its history stay as they were; the autosave keeps them
safe if the editor does stop.
"""
from __future__ import annotations

import datetime
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from .autosave import data_folder

__all__ = ["CrashGuard", "install_crash_guard", "LOG_NAME"]

LOG_NAME = "crash.log"
_MAX_LOG_BYTES = 1_000_000  # the log keeps its newest half when it grows past this


class CrashGuard(QObject):
    """Catches exceptions nobody handled, logs them and shows them without stopping the editor.

    Parameters
    ----------
    window : QWidget
        Parent of the dialog.
    folder : Path, optional
        Where ``crash.log`` is written (default: the data folder).

    Attributes
    ----------
    dialog : QMessageBox or None
        The dialog on screen, if any; further exceptions while it is shown
        are logged and counted in it rather than opening more dialogs.
    count : int
        Exceptions caught so far.
    """

    caught = Signal(str, str)  # message, details: delivered to the GUI thread

    def __init__(self, window, folder: Path | None = None):
        super().__init__(window)
        self.window = window
        self.folder = Path(folder) if folder is not None else data_folder()
        self.log_path = self.folder / LOG_NAME
        self.dialog: QMessageBox | None = None
        self.count = 0
        self._shown_in_dialog = 0
        self._previous_hook = None
        self._previous_thread_hook = None
        self.caught.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> "CrashGuard":
        self._previous_hook, sys.excepthook = sys.excepthook, self._hook
        self._previous_thread_hook, threading.excepthook = threading.excepthook, self._thread_hook
        return self

    def uninstall(self) -> None:
        if self._previous_hook is not None and sys.excepthook == self._hook:
            sys.excepthook = self._previous_hook
        if self._previous_thread_hook is not None and threading.excepthook == self._thread_hook:
            threading.excepthook = self._previous_thread_hook

    # -- hooks -----------------------------------------------------------------------
    def _hook(self, kind, value, tb) -> None:
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            (self._previous_hook or sys.__excepthook__)(kind, value, tb)
            return
        self.handle(kind, value, tb)

    def _thread_hook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, thread=getattr(args.thread, "name", None))

    def handle(self, kind, value, tb, thread: str | None = None) -> None:
        """Log one exception and show it (from any thread)."""
        self.count += 1
        details = "".join(traceback.format_exception(kind, value, tb))
        where = f" in thread {thread}" if thread else ""
        stamp = datetime.datetime.now().isoformat(timespec="seconds")
        self._log(f"--- {stamp}{where}\n{details}\n")
        message = f"{kind.__name__}: {value}" if str(value) else kind.__name__
        self.caught.emit(message, details)  # queued: the dialog is made on the GUI thread

    def _log(self, text: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.log_path.exists() and self.log_path.stat().st_size > _MAX_LOG_BYTES:
                kept = self.log_path.read_bytes()[-_MAX_LOG_BYTES // 2 :]
                self.log_path.write_bytes(kept)
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(text)
        except OSError:
            pass  # a log that cannot be written must not become a second failure

    # -- the dialog --------------------------------------------------------------------
    @Slot(str, str)
    def _show(self, message: str, details: str) -> None:
        self._shown_in_dialog += 1
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.setInformativeText(self._informative())
            self.dialog.setDetailedText(self.dialog.detailedText() + "\n" + details)
            return
        self._shown_in_dialog = 1
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Something went wrong")
        box.setText(f"An unexpected error occurred: {message}\n\nYour image and its edits are unchanged; "
                    "you can go on working.")
        box.setInformativeText(self._informative())
        box.setDetailedText(details)
        copy = box.addButton("Copy Details", QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()  # an action button would close the box; copying should not
        copy.clicked.connect(lambda: QApplication.clipboard().setText(box.detailedText()))
        box.addButton(QMessageBox.StandardButton.Close)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = box
        box.show()  # not exec(): no nested event loop inside an exception handler

    def _informative(self) -> str:
        extra = f" ({self._shown_in_dialog} errors)" if self._shown_in_dialog > 1 else ""
        return f"The details were written to {self.log_path}{extra}."


def install_crash_guard(window, folder: Path | None = None) -> CrashGuard:
    """A :class:`CrashGuard` for ``window``, installed as the exception hooks."""
    return CrashGuard(window, folder).install()
