"""Crash recovery: the edit stack is autosaved, and offered back at the next start.

A few seconds after the last change, the window's steps are written in the
project format (source image path and hash, every step) to
``autosave-<process id>.iep.json`` in the user's data folder, atomically and
off the GUI thread. When the edits are saved in a project, or the editor
closes normally, the file is removed. A file left by a process that no longer
runs is what a crash or a kill leaves: at the next start the editor offers to
restore it (the same steps on the same source, so the same render, as
unsaved edits that can be undone) or to discard it.

An image with no file behind it (pasted from the clipboard) gets one: its
pixels are written once, losslessly at their bit depth, to
``autosave-<process id>-source.png`` beside the autosave, which names it as
its source. Restored, the image is untitled again, as it was.

The data folder is ``IMAGE_EDITOR_DATA`` when that is set (tests), else
Qt's application data location.
"""
from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from editor.atomic import atomic_write_bytes, remove_stale_temporaries
from editor.document import Document
from editor.errors import EditorError
from editor.image_file import ExportOptions, save_image
from editor.project import (
    PROJECT_FORMAT,
    PROJECT_FORMAT_VERSION,
    PROJECT_SUFFIX,
    SOURCE_HASH_KEY,
    SourceChangedError,
    file_sha256,
    load_project,
)
from editor.recipe import encode_mask, steps_to_data

__all__ = ["DATA_ENV", "data_folder", "Autosaver", "left_by_crashes", "AUTOSAVE_DELAY_MS"]

DATA_ENV = "IMAGE_EDITOR_DATA"
AUTOSAVE_DELAY_MS = 3000  # after the last change: a slider drag is saved once, when it rests
_NAME = re.compile(r"^autosave-(\d+)" + re.escape(PROJECT_SUFFIX) + "$")
_SOURCE = re.compile(r"^autosave-(\d+)-source\.png$")


def _source_of(autosave: Path) -> Path:
    """Where the pixels of a pasted image autosaved as ``autosave`` are kept."""
    return autosave.with_name(autosave.name[: -len(PROJECT_SUFFIX)] + "-source.png")


def data_folder() -> Path:
    """The user's data folder for the editor (created if need be)."""
    folder = os.environ.get(DATA_ENV) or QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation
    )
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process of that number: leave its file alone
    return True


def left_by_crashes(folder: Path) -> list[Path]:
    """Autosave files whose editor is no longer running, newest first."""
    found = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _NAME.match(entry.name)
            if match and entry.is_file() and not _running(int(match.group(1))):
                found.append(entry)
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def autosave_bytes(steps, source: str, digest: str, catalog, selection=None) -> bytes:
    """The project file's bytes for ``steps`` on ``source`` (as editor.project
    writes them), with the selection's mask when there is one."""
    data = {
        "format": PROJECT_FORMAT,
        "version": PROJECT_FORMAT_VERSION,
        "source": {"path": str(Path(os.path.abspath(source))), "sha256": digest},
        "steps": steps_to_data(steps, catalog),
    }
    if selection is not None:
        data["selection"] = encode_mask(selection.mask)
    return (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8")


class Autosaver(QObject):
    """Autosaves one main window's edits and restores them after a crash.

    Parameters
    ----------
    window : MainWindow
        Watched through its undo stack and its document; nothing in it is
        changed except by :meth:`restore`.
    folder : Path, optional
        Where the autosave lives (default :func:`data_folder`).

    Signals
    -------
    saved(str)
        A snapshot was written (its path), from the writer thread.
    removed()
        The autosave was removed (the edits were saved or discarded).
    """

    saved = Signal(str)
    removed = Signal()

    def __init__(self, window, folder: Path | None = None, delay_ms: int = AUTOSAVE_DELAY_MS):
        super().__init__(window)
        self.window = window
        self.folder = Path(folder) if folder is not None else data_folder()
        self.path = self.folder / f"autosave-{os.getpid()}{PROJECT_SUFFIX}"
        self.source_path = _source_of(self.path)
        self._pasted_written = None  # a weak reference to the document whose pixels are on disk
        remove_stale_temporaries(self.folder)  # from autosaves killed while writing
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="autosave")  # in order, one at a time
        self._lock = threading.Lock()
        self._watched: Document | None = None
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self.save_now)
        window.undo_stack.indexChanged.connect(self._changed)
        window.undo_stack.cleanChanged.connect(self._changed)

    # -- saving -------------------------------------------------------------------
    def _changed(self, *_args) -> None:
        document = self.window.document
        if document is not None and document is not self._watched:
            self._watched = document
            document.subscribe(lambda doc=document: self._document_changed(doc))
        self._timer.start()

    def _document_changed(self, document: Document) -> None:
        if document is self.window.document:
            self._timer.start()  # also catches slider edits merged into one undo entry

    def save_now(self):
        """Snapshot the edits now and write them off the GUI thread; returns the write's future.

        With nothing unsaved (no document, no steps, or the undo stack clean)
        the autosave is removed instead.
        """
        self._timer.stop()
        document = self.window.document
        unsaved = (document is not None and not self.window.undo_stack.isClean()
                   and (bool(document.steps) or document.selection is not None))
        if not unsaved:
            return self._writer.submit(self._remove)
        steps, source, selection = document.steps, document.info.path, document.selection
        if source:
            digest = document.info.extra.get(SOURCE_HASH_KEY)
            return self._writer.submit(self._write, steps, source, digest, document.catalog, selection)
        return self._writer.submit(self._write_pasted, steps, document, document.catalog, selection)

    def _write(self, steps, source, digest, catalog, selection=None) -> None:
        try:
            if not digest:
                digest = file_sha256(source)
            atomic_write_bytes(self.path, autosave_bytes(steps, source, digest, catalog, selection))
        except (EditorError, OSError):
            return  # the next change tries again; autosave must never disturb the work
        self.saved.emit(str(self.path))

    def _write_pasted(self, steps, document: Document, catalog, selection) -> None:
        try:
            written = self._pasted_written() if self._pasted_written is not None else None
            if written is not document:  # once per image, not at every edit
                bit_depth = 16 if document.info.bit_depth > 8 else 8
                save_image(self.source_path, document.source,
                           options=ExportOptions(format="PNG", bit_depth=bit_depth, metadata="none"))
                self._pasted_written = weakref.ref(document)
        except (EditorError, OSError):
            return
        self._write(steps, str(self.source_path), None, catalog, selection)

    def _remove(self) -> None:
        for path in (self.path, self.source_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._pasted_written = None
        self.removed.emit()

    def finish(self) -> None:
        """The editor closes normally: no crash to recover from."""
        self._timer.stop()
        self._writer.submit(self._remove).result()
        self._writer.shutdown(wait=True)

    # -- restoring -------------------------------------------------------------------
    def offer_restore(self, ask=None) -> bool:
        """Offer each autosave left by a crash; True if one was restored.

        ``ask(path) -> bool`` decides (default: a question to the user);
        a declined autosave is discarded.
        """
        ask = ask or self._ask
        self._remove_orphan_sources()
        for path in left_by_crashes(self.folder):
            if ask(path):
                if self.restore(path):
                    for left in (path, _source_of(path)):
                        with contextlib.suppress(OSError):
                            left.unlink()  # it lives on as this process's autosave
                    return True
            else:
                for left in (path, _source_of(path)):
                    with contextlib.suppress(OSError):
                        left.unlink()
        return False

    def _remove_orphan_sources(self) -> None:
        """Pixels of pasted images whose editor ended before (or after) its autosave."""
        with contextlib.suppress(OSError):
            for entry in self.folder.iterdir():
                match = _SOURCE.match(entry.name)
                if match and not _running(int(match.group(1))):
                    autosave = entry.with_name(f"autosave-{match.group(1)}{PROJECT_SUFFIX}")
                    if not autosave.exists():
                        entry.unlink()

    def _ask(self, path: Path) -> bool:
        try:
            source = Path(json.loads(path.read_text(encoding="utf-8"))["source"]["path"]).name
            what = "edits of a pasted image" if _SOURCE.match(source) else f"edits of {source}"
        except (OSError, ValueError, KeyError, TypeError):
            what = "edits"
        answer = QMessageBox.question(
            self.window, "Restore unsaved edits?",
            f"The editor did not close normally last time. Restore the unsaved {what}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard,
            QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def restore(self, path: Path) -> bool:
        """Open the autosave's source with its steps as one undoable, unsaved edit."""
        from .history_commands import ReplaceStepsCommand

        window = self.window
        try:
            try:
                saved = load_project(path, catalog=window.catalog)
            except SourceChangedError:
                saved = load_project(path, catalog=window.catalog, accept_changed_source=True)
                window.statusBar().showMessage(
                    "The image changed on disk since the edits were made; they were applied to it as it is now", 10000
                )
        except EditorError as exc:
            QMessageBox.warning(window, "Cannot restore the edits", str(exc))
            return False
        info = saved.info
        if info.path and _SOURCE.match(Path(info.path).name):  # a pasted image: untitled again
            info = dataclasses.replace(info, path=None, format=None, notes=("restored after a crash",))
        fresh = Document(saved.source, info, catalog=window.catalog)
        window.set_document(fresh)
        window.undo_stack.push(ReplaceStepsCommand(fresh, saved.steps, "Restore unsaved edits"))
        if saved.selection is not None:
            fresh.set_selection(saved.selection)
        window.statusBar().showMessage("Restored the unsaved edits", 8000)
        return True
