"""The main window: canvas, operation sidebar, parameter panel and history."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QUndoView,
)

from editor.catalog import CATALOG, Catalog
from editor.document import Document
from editor.errors import EditorError
from editor.image_file import FORMATS_BY_SUFFIX, load_image, save_image
from editor.render import proxy_factor
from editor.steps import Step

from .canvas import ImageCanvas
from .history_commands import AddStepCommand, EditStepCommand
from .param_panel import ParamPanel
from .render_worker import RenderResult, RenderWorker
from .resources import icon
from .sidebar import OperationSidebar

APP_NAME = "Image Editor"
OPEN_FILTER = "Images (*.png *.jpg *.jpeg *.tif *.tiff *.webp *.bmp *.gif *.ppm *.pgm *.tga);;All files (*)"
EXPORT_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff);;WebP (*.webp);;BMP (*.bmp)"


class MainWindow(QMainWindow):
    """The editor window.

    The document holds the state; this window shows it and turns gestures
    into undo commands that call the document's primitives.
    """

    def __init__(self, catalog: Catalog = CATALOG, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.document: Document | None = None
        self.undo_stack = QUndoStack(self)
        self.worker = RenderWorker(self)
        self._pending: Step | None = None  # previewed, not yet applied
        self._gesture = 0
        self._in_gesture = False
        self._shown: tuple[int, int] = (0, 0)  # (generation, factor) on the canvas
        self._result: RenderResult | None = None

        self.canvas = ImageCanvas()
        self.setCentralWidget(self.canvas)
        self.sidebar = OperationSidebar(catalog)
        self.param_panel = ParamPanel()
        self.history_view = QUndoView(self.undo_stack)
        self.history_view.setEmptyLabel("Original")
        self._add_dock("Operations", self.sidebar, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Settings", self.param_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("History", self.history_view, Qt.DockWidgetArea.RightDockWidgetArea)

        self.probe_label = QLabel()
        self.zoom_label = QLabel()
        self.size_label = QLabel()
        for label in (self.probe_label, self.size_label, self.zoom_label):
            self.statusBar().addPermanentWidget(label)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()

        self.sidebar.operation_chosen.connect(self.choose_operation)
        self.param_panel.values_changed.connect(self._on_values_changed)
        self.param_panel.apply_requested.connect(self.apply_pending)
        self.param_panel.cancel_requested.connect(self.cancel_pending)
        self.worker.rendered.connect(self._on_rendered)
        self.worker.failed.connect(self._on_render_failed)
        self.canvas.pixel_hovered.connect(self._probe)
        self.canvas.zoom_changed.connect(self._show_zoom)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.undo_stack.indexChanged.connect(self._history_moved)

        self.setWindowTitle(f"[*]{APP_NAME}")
        self.resize(1280, 820)
        self._update_actions()

    def _add_dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # -- actions: created in one place, enabled in one place ----------------------
    def _create_actions(self) -> None:
        def action(text, slot, shortcut=None, icon_name=None, tip=""):
            act = QAction(text, self)
            if shortcut is not None:
                if isinstance(shortcut, (list, tuple)):
                    act.setShortcuts([QKeySequence(s) for s in shortcut])
                else:
                    act.setShortcut(QKeySequence(shortcut))
            if icon_name:
                act.setIcon(icon(icon_name))
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            return act

        self.open_action = action("&Open\u2026", self.open_dialog, QKeySequence.StandardKey.Open, "open", "Open an image")
        self.export_action = action(
            "&Export As\u2026", self.export_dialog, "Ctrl+Shift+E", "export", "Write the edited image to a file"
        )
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.setIcon(icon("undo"))
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setIcon(icon("redo"))
        self.apply_action = action("&Apply", self.apply_pending, None, "apply", "Add the previewed operation")
        self.cancel_action = action("&Cancel Preview", self.cancel_pending, None, None, "Drop the preview")
        self.zoom_in_action = action("Zoom &In", self.canvas.zoom_in, [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], "zoom-in")
        self.zoom_out_action = action("Zoom &Out", self.canvas.zoom_out, QKeySequence.StandardKey.ZoomOut, "zoom-out")
        self.fit_action = action("&Fit to Window", self.canvas.fit_to_window, "Ctrl+0", "zoom-fit")
        self.actual_size_action = action("&100%", self.canvas.actual_size, "Ctrl+1", "zoom-100")
        self.find_action = action("Find Operation", self._focus_search, QKeySequence.StandardKey.Find)
        self.addAction(self.find_action)

    def _create_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addActions([self.open_action, self.export_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.apply_action, self.cancel_action, self.find_action])
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action])

    def _create_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.addActions([self.open_action, self.export_action])
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])
        bar.addSeparator()
        bar.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action])

    def _update_actions(self) -> None:
        has_doc = self.document is not None
        for act in (self.export_action, self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action):
            act.setEnabled(has_doc)
        self.apply_action.setEnabled(self._pending is not None)
        self.cancel_action.setEnabled(self._pending is not None)
        self.sidebar.setEnabled(has_doc)

    # -- files ---------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Image", self._folder(), OPEN_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Open ``path``; on failure say why and keep the current image."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            loaded = load_image(path)
        except EditorError as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot open image", str(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.set_document(Document(loaded.pixels, loaded.info, catalog=self.catalog))
        for note in loaded.info.notes:
            self.statusBar().showMessage(note, 8000)
        return True

    def set_document(self, document: Document) -> None:
        """Show ``document``, dropping the previous one and its history."""
        self.worker.cancel()
        self._pending = None
        self.param_panel.clear()
        self.undo_stack.clear()
        self.document = document
        document.subscribe(self._on_document_changed)
        h, w = document.source.shape[:2]
        name = Path(document.info.path).name if document.info.path else "Untitled"
        self.setWindowTitle(f"{name}[*] \u2014 {APP_NAME}")
        self.setWindowFilePath(document.info.path or "")
        self.size_label.setText(f"{w} \u00d7 {h}")
        self._shown = (0, 0)
        self._request_render(final=True)
        self._update_actions()

    def export_dialog(self) -> None:
        if self.document is None:
            return
        stem = Path(self.document.info.path).stem if self.document.info.path else "image"
        suggestion = str(Path(self._folder()) / f"{stem}-edited.png")
        path, _ = QFileDialog.getSaveFileName(self, "Export Image", suggestion, EXPORT_FILTER)
        if path:
            if not Path(path).suffix:
                path += ".png"
            self.export_to(path)

    def export_to(self, path: str | Path) -> bool:
        """Render at full resolution and write ``path``; on failure say why."""
        if self.document is None:
            return False
        if Path(path).suffix.lower() not in FORMATS_BY_SUFFIX:
            QMessageBox.warning(self, "Cannot export", f"Unknown file type {Path(path).suffix!r}.")
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            pixels = self.document.render()
            save_image(path, pixels, info=self.document.info)
        except (EditorError, ValueError, MemoryError) as exc:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot export", str(exc))
            return False
        QApplication.restoreOverrideCursor()
        self.statusBar().showMessage(f"Exported {path}", 5000)
        return True

    def _folder(self) -> str:
        if self.document is not None and self.document.info.path:
            return str(Path(self.document.info.path).parent)
        return str(Path.home())

    # -- operations and previews ------------------------------------------------
    @Slot(str)
    def choose_operation(self, op_id: str) -> None:
        """Start previewing ``op_id`` with its default parameters."""
        if self.document is None:
            return
        op = self.catalog.get(op_id)
        self._pending = Step(op_id, op.defaults())
        self.param_panel.show_operation(op, op.defaults(), "new")
        self._request_render(final=True)
        self._update_actions()

    def apply_pending(self) -> None:
        """Add the previewed operation to the document as one undo entry."""
        if self._pending is None or self.document is None:
            return
        step = self._pending
        self._pending = None
        self.undo_stack.push(AddStepCommand(self.document, step))
        index = len(self.document.steps) - 1
        op = self.catalog.get(step.op_id)
        # The applied step stays in the panel: further moves edit it.
        self.param_panel.show_operation(op, dict(step.params), "edit", index)
        self._update_actions()

    def cancel_pending(self) -> None:
        """Drop the preview; the document is unchanged."""
        if self._pending is None:
            return
        self._pending = None
        self.param_panel.clear()
        self._request_render(final=True)
        self._update_actions()

    def _on_values_changed(self, values: dict[str, Any], final: bool) -> None:
        if self.document is None:
            return
        self._in_gesture = not final
        try:
            op = self.param_panel.operation
            values = op.validate(values)
        except EditorError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        if self.param_panel.mode == "new" and self._pending is not None:
            self._pending = self._pending.with_params(values)
            self._request_render(final)
        elif self.param_panel.mode == "edit":
            index = self.param_panel.step_index
            new = self.document.steps[index].with_params(values)
            if new != self.document.steps[index]:
                self.undo_stack.push(EditStepCommand(self.document, index, new, self._gesture))
            elif final:
                self._request_render(final=True)
        if final:
            self._gesture += 1

    def _on_document_changed(self) -> None:
        self._request_render(final=not self._in_gesture)

    def _display_steps(self) -> tuple[Step, ...]:
        steps = self.document.steps
        return steps + (self._pending,) if self._pending is not None else steps

    def _request_render(self, final: bool) -> None:
        if self.document is None:
            return
        steps = self._display_steps()
        ratio = self.canvas.devicePixelRatioF()
        viewport = self.canvas.viewport().size()
        factor = proxy_factor(self.document.source.shape, int(viewport.width() * ratio), int(viewport.height() * ratio))
        if not final:
            live = all(self.catalog.get(s.op_id).live for s in steps[-1:])
            if live:
                self.worker.request(self.document, steps, (factor,))
            return
        factors = (factor, 1) if factor > 1 else (1,)
        self.worker.request(self.document, steps, factors)

    def _on_rendered(self, result: RenderResult) -> None:
        generation, factor = self._shown
        if result.generation < generation or (result.generation == generation and result.factor > factor):
            return  # an older render finishing late never replaces a newer one
        self._shown = (result.generation, result.factor)
        self._result = result
        self.canvas.set_image(result.image, result.factor, result.full_size)
        w, h = result.full_size
        self.size_label.setText(f"{w} \u00d7 {h}")

    def _on_render_failed(self, generation: int, message: str) -> None:
        if generation >= self._shown[0]:
            self.statusBar().showMessage(f"Cannot render: {message}", 8000)

    def _sync_panel_to_document(self) -> None:
        """After undo/redo, show the edited step's current values (or nothing)."""
        if self.param_panel.mode != "edit" or self.document is None:
            return
        index = self.param_panel.step_index
        if index is None or index >= len(self.document.steps):
            self.param_panel.clear()
            return
        step = self.document.steps[index]
        if step.op_id != self.param_panel.operation.id:
            self.param_panel.clear()
            return
        self.param_panel.set_values(dict(step.params))

    def _history_moved(self, _index: int) -> None:
        self._sync_panel_to_document()
        self._update_actions()

    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    # -- status bar ---------------------------------------------------------------
    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def _probe(self, x: int, y: int) -> None:
        result = self._result
        if result is None or x < 0:
            self.probe_label.setText("")
            return
        px, py = x // result.factor, y // result.factor
        h, w = result.pixels.shape[:2]
        if not (0 <= px < w and 0 <= py < h):
            self.probe_label.setText("")
            return
        value = result.pixels[py, px]
        values = [float(value)] if result.pixels.ndim == 2 else [float(v) for v in value]
        names = "L" if len(values) == 1 else "RGBA"[: len(values)]
        text = "  ".join(f"{n} {round(v * 255):3d} ({v:.3f})" for n, v in zip(names, values))
        self.probe_label.setText(f"x {x}, y {y}   {text}")

    def _focus_search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def closeEvent(self, event) -> None:
        self.worker.shutdown()
        super().closeEvent(event)
