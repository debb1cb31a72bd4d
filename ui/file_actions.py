"""Files in the window: open, recent files, export, clipboard, drag and drop.

:class:`FileActions` is owned by the main window. It creates the file
actions (Open, Open Recent, Export, Export As, Copy Result, Paste as New
Image, Preferences), remembers recent files, the last folders, the last
export settings and the window layout in the settings store
(:func:`ui.preferences.settings`), and opens files dropped on the window.
Opening itself stays the window's job (``MainWindow.open_file``), so every
way in (menu, recent, drop, command line) behaves the same.
"""
from __future__ import annotations

import dataclasses
import json
import threading
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QGraphicsView, QMenu, QMessageBox

from editor.document import Document
from editor.errors import EditorError
from editor.image_file import EXPORT_FORMATS, ExportOptions, ImageInfo, save_image
from editor.project import PROJECT_SUFFIX

from .actions import make_action
from .export_dialog import ExportDialog
from .preferences import Preferences, PreferencesDialog, settings
from .qt_image import to_qimage
from .resources import is_bundled

__all__ = ["FileActions", "qimage_to_array", "OPEN_FILTER"]

OPEN_FILTER = (
    "Images (*.png *.jpg *.jpeg *.jpe *.tif *.tiff *.webp *.bmp *.gif *.ppm *.pgm *.pbm *.pnm *.tga *.ico "
    "*.jp2 *.j2k *.avif *.dds *.pcx *.psd *.sgi *.mpo);;All files (*)"
)
MAX_RECENT = 10
RECENT_KEY = "files/recent"
OPEN_FOLDER_KEY = "folders/open"
EXPORT_FOLDER_KEY = "folders/export"
EXPORT_OPTIONS_KEY = "export/options"
GEOMETRY_KEY = "window/geometry"
STATE_KEY = "window/state"


def qimage_to_array(image: QImage) -> np.ndarray:
    """float32 pixels in [0, 1] of a QImage: gray, RGB, or RGBA if it has alpha.

    Images of more than 8 bits per channel (``Format_RGBA64`` ...) keep
    16-bit precision.
    """
    if image.isNull():
        raise ValueError("the image is empty")
    w, h = image.width(), image.height()
    deep = image.depth() > 32
    alpha = image.hasAlphaChannel()
    if image.isGrayscale() and not alpha:
        fmt, channels, dtype = (QImage.Format.Format_Grayscale16, 1, np.uint16) if deep else (QImage.Format.Format_Grayscale8, 1, np.uint8)
    elif deep:
        fmt, channels, dtype = QImage.Format.Format_RGBA64, 4, np.uint16
    else:
        fmt, channels, dtype = (QImage.Format.Format_RGBA8888 if alpha else QImage.Format.Format_RGB888), (4 if alpha else 3), np.uint8
    converted = image.convertToFormat(fmt)
    row = np.frombuffer(converted.constBits(), np.uint8).reshape(h, converted.bytesPerLine())
    samples = row[:, : w * channels * np.dtype(dtype).itemsize].copy().view(dtype).reshape(h, w, channels)
    pixels = np.divide(samples, np.float32(np.iinfo(dtype).max), dtype=np.float32)
    if channels == 1:
        return pixels[..., 0]
    if channels == 4 and not alpha:
        return pixels[..., :3]
    return pixels


def _recipe_text(document: Document) -> str | None:
    """The document's steps as a recipe (the processing log to embed)."""
    try:
        from editor.recipe import dumps_recipe
    except ImportError:  # pragma: no cover - recipes are part of the editor
        return None
    try:
        return dumps_recipe(document.steps, document.catalog)
    except EditorError:
        return None


def _options_to_text(options: ExportOptions) -> str:
    return json.dumps(dataclasses.asdict(options), sort_keys=True)


def _options_from_text(text: Any) -> ExportOptions:
    try:
        data = json.loads(str(text))
        fields = {f.name for f in dataclasses.fields(ExportOptions)}
        return ExportOptions(**{k: v for k, v in data.items() if k in fields})
    except (TypeError, ValueError, AttributeError):
        return ExportOptions()


class FileActions(QObject):
    """The file actions of one main window.

    Parameters
    ----------
    window : MainWindow
        Needs ``document``, ``catalog``, ``open_file(path)``,
        ``set_document(document)``, ``maybe_save()`` and a status bar.
    store : QSettings, optional
        Where recent files, folders, export settings and the window layout
        are kept; :func:`ui.preferences.settings` by default.

    Attributes
    ----------
    recipe_text : callable
        ``recipe_text(document) -> str | None``: the processing log offered
        for embedding in exports.
    """

    def __init__(self, window, store: QSettings | None = None):
        super().__init__(window)
        self.window = window
        self.store = store if store is not None else settings()
        self.preferences = Preferences(self.store)
        self.recipe_text: Callable[[Document], str | None] = _recipe_text
        self._last_export: tuple[Document, str, ExportOptions] | None = None
        self._restored = False

        action = partial(make_action, window)
        self.open_action = action("&Open\u2026", self.open_dialog, QKeySequence.StandardKey.Open,
                                  icon_name="open", tip="Open an image")
        self.export_as_action = action("&Export As\u2026", self.export_as, "Ctrl+Shift+E", icon_name="export",
                                       tip="Write the edited image to a file, choosing how")
        self.export_action = action("E&xport", self.export_again, "Ctrl+E",
                                    tip="Export again with the last settings, to the same file")
        self.copy_action = action("&Copy Result", self.copy_result, QKeySequence.StandardKey.Copy,
                                  tip="Copy the edited image to the clipboard")
        self.paste_action = action("&Paste as New Image", self.paste, QKeySequence.StandardKey.Paste,
                                   tip="Open the image on the clipboard")
        self.preferences_action = action("Pre&ferences\u2026", self.show_preferences, QKeySequence.StandardKey.Preferences)
        self.recent_menu = QMenu("Open &Recent", window)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.clear_recent_action = QAction("Clear Recent Files", window)
        self.clear_recent_action.triggered.connect(self.clear_recent)

        window.setAcceptDrops(True)
        window.installEventFilter(self)
        for view in window.findChildren(QGraphicsView):
            view.viewport().installEventFilter(self)

    def populate(self, menu: QMenu) -> None:
        """Add the file actions to ``menu`` (the window's File menu)."""
        menu.addAction(self.open_action)
        menu.addMenu(self.recent_menu)
        menu.addAction(self.paste_action)
        menu.addSeparator()
        menu.addActions([self.export_action, self.export_as_action, self.copy_action])
        menu.addSeparator()
        menu.addAction(self.preferences_action)

    def update_actions(self) -> None:
        """Enable what makes sense now; called by the window whenever its state changes."""
        document = self.window.document
        for act in (self.export_action, self.export_as_action, self.copy_action):
            act.setEnabled(document is not None)
        if document is not None and document.cache.budget_bytes != self.preferences.cache_budget_bytes:
            document.cache.budget_bytes = self.preferences.cache_budget_bytes

    # -- opening -------------------------------------------------------------------------
    @property
    def max_pixels(self) -> int:
        """Largest image that opens (Preferences), for ``load_image``."""
        return self.preferences.max_pixels

    def open_dialog(self) -> bool:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open Image", self.start_folder(), OPEN_FILTER)
        return self.open_path(path) if path else False

    def start_folder(self) -> str:
        """Where a file dialog opens: the folder used last, else the open
        image's folder, else the user's Pictures or home folder; never the
        application's own folder of bundled resources."""
        candidates = [self.store.value(OPEN_FOLDER_KEY), self._document_folder()]
        pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
        candidates += [pictures, str(Path.home())]
        for folder in candidates:
            if folder and Path(str(folder)).is_dir() and not is_bundled(str(folder)):
                return str(folder)
        return str(Path.home())

    def remember_folder(self, path: str | Path) -> None:
        """The next file dialog starts in the folder of ``path``."""
        self.store.setValue(OPEN_FOLDER_KEY, str(Path(path).resolve().parent))

    def open_path(self, path: str | Path) -> bool:
        """Open ``path`` in the window (which says why if it cannot)."""
        return bool(self.window.open_file(str(path)))

    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first in Open Recent and remember its folder."""
        resolved = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != resolved]
        self.store.setValue(RECENT_KEY, [resolved, *recent][:MAX_RECENT])
        self.remember_folder(resolved)

    def recent_files(self) -> list[str]:
        value = self.store.value(RECENT_KEY) or []
        return [str(v) for v in ([value] if isinstance(value, str) else value)]

    def clear_recent(self) -> None:
        self.store.remove(RECENT_KEY)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for number, path in enumerate(recent, 1):
            kind = " (project)" if path.endswith(PROJECT_SUFFIX) else ""
            act = self.recent_menu.addAction(f"&{number % 10} {Path(path).name}{kind}")
            act.setToolTip(path)
            act.setStatusTip(path)
            act.setData(path)
            act.triggered.connect(lambda _checked=False, p=path: self._open_recent(p))
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction(self.clear_recent_action)
        self.clear_recent_action.setEnabled(bool(recent))

    def _open_recent(self, path: str) -> bool:
        if not Path(path).exists():
            QMessageBox.warning(self.window, "Cannot open image", f"Cannot open {path}: the file no longer exists")
            self.store.setValue(RECENT_KEY, [p for p in self.recent_files() if p != path])
            return False
        return self.open_path(path)

    # -- exporting ------------------------------------------------------------------------
    def _document_folder(self) -> str | None:
        document = self.window.document
        if document is not None and document.info.path:
            return str(Path(document.info.path).parent)
        return None

    def last_options(self) -> ExportOptions:
        """The options of the last export (the defaults the first time)."""
        return _options_from_text(self.store.value(EXPORT_OPTIONS_KEY, ""))

    def suggested_path(self, options: ExportOptions) -> str:
        document = self.window.document
        stem = Path(document.info.path).stem if document is not None and document.info.path else "image"
        folder = self.store.value(EXPORT_FOLDER_KEY)
        if not folder or not Path(str(folder)).is_dir():
            folder = self.start_folder()
        fmt = options.format or "PNG"
        return str(Path(str(folder)) / f"{stem}-edited{EXPORT_FORMATS[fmt].suffixes[0]}")

    def make_dialog(self) -> ExportDialog:
        """The Export As dialog, filled with the last settings (not shown)."""
        document = self.window.document
        options = self.last_options()
        if self._last_export is not None and self._last_export[0] is document:
            path, options = self._last_export[1], self._last_export[2]
        else:
            path = self.suggested_path(options)
        return ExportDialog(
            self.window,
            path=path,
            options=options,
            info=document.info,
            pixels=document.render,
            recipe_available=self.recipe_text(document) is not None,
        )

    def export_as(self) -> bool:
        """Ask where and how, then export."""
        if self.window.document is None:
            return False
        dialog = self.make_dialog()
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return False
        path, options = dialog.settings()
        return self.export_to(path, options)

    def export_again(self) -> bool:
        """Export with the last settings to the same file; Export As the first time."""
        last = self._last_export
        if last is None or last[0] is not self.window.document:
            return self.export_as()
        return self.export_to(last[1], last[2])

    def export_to(self, path: str | Path, options: ExportOptions | None = None) -> bool:
        """Render at full resolution and write ``path``; on failure say why.

        ``options`` default to ``ExportOptions()`` (format from the suffix).
        Writing over the image that was opened needs the user's confirmation.
        """
        document = self.window.document
        if document is None:
            return False
        options = options or ExportOptions()
        path = Path(path)
        try:
            options.resolve_format(path)
        except ValueError as exc:
            QMessageBox.warning(self.window, "Cannot export", f"Cannot write {path}: {exc}")
            return False
        if not self._may_write(path):
            return False
        recipe = self.recipe_text(document) if options.embed_recipe else None

        def work():
            pixels = document.render()
            return save_image(path, pixels, info=document.info, options=options, recipe_text=recipe)

        try:
            self._off_the_gui_thread(work)
        except (EditorError, ValueError) as exc:
            QMessageBox.warning(self.window, "Cannot export", str(exc))
            return False
        except MemoryError:
            QMessageBox.warning(self.window, "Cannot export", f"Cannot write {path}: not enough memory")
            return False
        self._last_export = (document, str(path), options)
        self.store.setValue(EXPORT_OPTIONS_KEY, _options_to_text(options))
        self.store.setValue(EXPORT_FOLDER_KEY, str(path.parent))
        self.window.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def _may_write(self, path: Path) -> bool:
        """False unless ``path`` is not the opened image, or the user confirms."""
        source = self.window.document.info.path
        if source is None or not path.exists() or path.resolve() != Path(source).resolve():
            return True
        answer = QMessageBox.question(
            self.window,
            "Replace the original?",
            f"{path.name} is the image you opened. Replace it with the edited result? "
            "The original cannot be recovered.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _off_the_gui_thread(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in a thread; the window keeps painting but takes no input."""
        outcome: dict[str, Any] = {}

        def run():
            try:
                outcome["value"] = work()
            except BaseException as exc:  # noqa: BLE001 - re-raised on the GUI thread
                outcome["error"] = exc

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            thread = threading.Thread(target=run, name="image-export", daemon=True)
            thread.start()
            loop = QEventLoop()
            poll = QTimer(interval=5)
            poll.timeout.connect(lambda: thread.is_alive() or loop.quit())
            poll.start()
            if thread.is_alive():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
            poll.stop()
            thread.join()
        finally:
            QApplication.restoreOverrideCursor()
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    # -- clipboard -----------------------------------------------------------------------------
    def copy_result(self) -> bool:
        """Put the edited image, at full resolution, on the clipboard."""
        document = self.window.document
        if document is None:
            return False
        try:
            pixels = self._off_the_gui_thread(document.render)
        except (EditorError, MemoryError) as exc:
            QMessageBox.warning(self.window, "Cannot copy", str(exc))
            return False
        QApplication.clipboard().setImage(to_qimage(pixels))
        h, w = pixels.shape[:2]
        self.window.statusBar().showMessage(f"Copied the result ({w} \u00d7 {h}) to the clipboard", 4000)
        return True

    def paste(self) -> bool:
        """Open the clipboard's image (or the image file copied) as a new document."""
        mime = QApplication.clipboard().mimeData()
        files = self._local_files(mime.urls()) if mime is not None and mime.hasUrls() else []
        if files:
            return self.open_path(files[0])
        image = QApplication.clipboard().image()
        if image.isNull():
            self.window.statusBar().showMessage("The clipboard holds no image", 4000)
            return False
        return self.open_pixels(qimage_to_array(image), "pasted from the clipboard", 16 if image.depth() > 32 else 8)

    def open_pixels(self, pixels: np.ndarray, note: str, bit_depth: int = 8) -> bool:
        """Show ``pixels`` as a new, untitled document."""
        if not self.window.maybe_save():
            return False
        mode = {2: "L", 3: "RGB", 4: "RGBA"}[pixels.ndim if pixels.ndim == 2 else pixels.shape[2]]
        info = ImageInfo(path=None, format=None, mode=mode, bit_depth=bit_depth, notes=(note,))
        self.window.set_document(Document(pixels, info, catalog=self.window.catalog))
        h, w = pixels.shape[:2]
        self.window.statusBar().showMessage(f"Image {note} ({w} \u00d7 {h})", 4000)
        return True

    # -- preferences ---------------------------------------------------------------------------
    def show_preferences(self) -> bool:
        dialog = PreferencesDialog(self.preferences, self.window)
        if dialog.exec() != PreferencesDialog.DialogCode.Accepted:
            return False
        self.update_actions()  # applies the cache budget to the open document
        return True

    # -- window layout ------------------------------------------------------------------------
    def save_window_state(self) -> None:
        self.store.setValue(GEOMETRY_KEY, self.window.saveGeometry())
        self.store.setValue(STATE_KEY, self.window.saveState())
        self.store.sync()

    def restore_window_state(self) -> bool:
        """Window geometry and panel layout of the last session, if any."""
        geometry, state = self.store.value(GEOMETRY_KEY), self.store.value(STATE_KEY)
        restored = False
        if geometry is not None:
            restored = self.window.restoreGeometry(geometry)
        if state is not None:
            restored = self.window.restoreState(state) or restored
        return restored

    # -- drag and drop ---------------------------------------------------------------------------
    @staticmethod
    def _local_files(urls: list[QUrl]) -> list[str]:
        return [url.toLocalFile() for url in urls if url.isLocalFile() and url.toLocalFile()]

    def _accepts(self, mime) -> bool:
        return mime is not None and ((mime.hasUrls() and bool(self._local_files(mime.urls()))) or mime.hasImage())

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._accepts(event.mimeData()):
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            mime = event.mimeData()
            if not self._accepts(mime):
                return False
            event.acceptProposedAction()
            files = self._local_files(mime.urls()) if mime.hasUrls() else []
            image = QImage(mime.imageData()) if mime.hasImage() and not files else None
            # Open once the drop has returned, so the source application is not kept waiting.
            QTimer.singleShot(0, lambda: self.open_dropped(files, image))
            return True
        if obj is self.window:
            if kind == QEvent.Type.Polish and not self._restored:
                self._restored = True
                self.restore_window_state()
            elif kind == QEvent.Type.Close:
                self.save_window_state()
        return False

    def open_dropped(self, files: list[str], image: QImage | None = None) -> bool:
        """Open what was dropped: the first local file, else the image data."""
        if files:
            if len(files) > 1:
                self.window.statusBar().showMessage(f"Opening {Path(files[0]).name}: one image at a time", 5000)
            return self.open_path(files[0])
        if image is not None and not image.isNull():
            return self.open_pixels(qimage_to_array(image), "dropped on the window")
        return False
