"""The main window: canvas, operation sidebar, parameter panel, steps and history."""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QUndoView,
    QWidget,
)

from editor.catalog import CATALOG, Catalog
from editor.document import Document
from editor.errors import EditorError
from editor.project import PROJECT_SUFFIX
from editor.steps import Step

from .actions import make_action
from .augment_panel import add_augment_dock
from .network_view import NetworkView
from .canvas import ImageCanvas
from .compare_view import CompareView
from .file_actions import FileActions
from .histogram_panel import HistogramPanel
from .help_dialogs import about_dialog, shortcuts_dialog
from .history_commands import (
    AddStepCommand,
    EditStepCommand,
    MoveStepCommand,
    RemoveStepCommand,
    ToggleStepCommand,
)
from .live_view import LiveView, load_in_background
from .param_panel import ParamPanel
from .preferences import settings
from .project_actions import ProjectActions
from .resources import icon
from .selection_actions import SelectionActions
from .sidebar import OperationSidebar
from .steps_panel import StepsPanel
from .theme import apply_theme
from .tools.controller import ToolController

APP_NAME = "Image Editor"
UNDO_TEXT_CHARS = 48  # longer Undo/Redo menu texts end in an ellipsis
class MainWindow(QMainWindow):
    """The editor window.

    The document holds the state; this window shows it and turns gestures
    into undo commands that call the document's primitives. What to render
    and what reaches the canvas is the live view's business (``self.live``).
    """

    APP_NAME = APP_NAME

    def __init__(self, catalog: Catalog = CATALOG, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.document: Document | None = None
        self.undo_stack = QUndoStack(self)
        self._pending: Step | None = None  # previewed, not yet applied
        self._gesture = 0
        # The step is named by its document identity, not its position, so
        # the panel keeps editing a step that moves.
        self._edited_id: int | None = None  # the step the Settings panel edits

        self.canvas = ImageCanvas()
        self.compare = CompareView(self, self.canvas)  # before/after modes and the "before" pane
        self.before_canvas = self.compare.before_canvas
        self.setCentralWidget(self.compare.views)
        self.sidebar = OperationSidebar(catalog)
        self.param_panel = ParamPanel()
        self.steps_panel = StepsPanel()
        self.histogram_panel = HistogramPanel()
        self.history_view = QUndoView(self.undo_stack)
        self.history_view.setEmptyLabel("Opened")
        self._add_dock("Operations", self.sidebar, Qt.DockWidgetArea.LeftDockWidgetArea)
        self._add_dock("Settings", self.param_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self._add_dock("Steps", self.steps_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        histogram_dock = self._add_dock("Histogram", self.histogram_panel, Qt.DockWidgetArea.LeftDockWidgetArea)
        history_dock = self._add_dock("History", self.history_view, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.findChild(QDockWidget, "steps"), history_dock)
        self.findChild(QDockWidget, "steps").raise_()
        histogram_dock.setMaximumHeight(260)
        self.augment_panel = add_augment_dock(self)  # hidden until View > Panels > Augment
        self.network_view = NetworkView()  # what the denoising CNN sees; hidden until View > Panels > Network
        self._add_dock("Network", self.network_view, Qt.DockWidgetArea.RightDockWidgetArea).hide()
        # Settings get most of the right column: a curve editor with Apply
        # below it needs about 400 px; the steps list scrolls.
        self.resizeDocks([self.findChild(QDockWidget, "settings"), self.findChild(QDockWidget, "steps")],
                         [560, 280], Qt.Orientation.Vertical)
        self.resizeDocks([self.findChild(QDockWidget, "settings")], [360], Qt.Orientation.Horizontal)

        self._create_status_bar()
        self.projects = ProjectActions(self)
        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._connect()

        self.setWindowTitle(f"[*]{APP_NAME}")
        self.resize(1400, 880)
        self._update_actions()

    def _add_dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _create_status_bar(self) -> None:
        self.probe_label = QLabel()
        self.zoom_label = QLabel()
        self.size_label = QLabel()
        self.live = LiveView(self.canvas, self.before_canvas, self.histogram_panel, self.size_label, self.catalog, self)
        self.worker, self.before_worker = self.live.worker, self.live.before_worker  # the result's, the "before"'s
        self.progress, self.cancel_render_button = self.live.progress, self.live.cancel_button
        bar = self.statusBar()
        for widget in (self.probe_label, self.progress, self.cancel_render_button, self.size_label, self.zoom_label):
            bar.addPermanentWidget(widget)

    # -- actions: created in one place, enabled in one place ----------------------
    def _create_actions(self) -> None:
        action = partial(make_action, self)
        self.tools = ToolController(self)  # canvas tools: toolbar, shortcuts, their undo commands
        self.select_actions = SelectionActions(self)
        self.files = FileActions(self)  # Open, Recent, Export, clipboard, drops, preferences
        self.open_action, self.export_action = self.files.open_action, self.files.export_as_action
        self.quit_action = action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.undo_action.setProperty("icon_name", "undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.setProperty("icon_name", "redo")
        self.apply_action = action("&Apply", self.apply_pending, "Ctrl+Return", icon_name="apply",
                                   tip="Add the previewed operation")
        self.cancel_action = action("&Cancel", self.cancel, "Escape", icon_name="cancel",
                                    tip="Drop the preview or stop rendering")
        self.zoom_in_action = action("Zoom &In", self.canvas.zoom_in, [QKeySequence.StandardKey.ZoomIn, "Ctrl+="],
                                     icon_name="zoom-in")
        self.zoom_out_action = action("Zoom &Out", self.canvas.zoom_out, QKeySequence.StandardKey.ZoomOut,
                                      icon_name="zoom-out")
        self.fit_action = action("&Fit to Window", self.compare.fit_to_window, "Ctrl+0", icon_name="zoom-fit")
        self.actual_size_action = action("&100%", self.canvas.actual_size, "Ctrl+1", icon_name="zoom-100")
        self.shortcuts_action = action("&Keyboard Shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents)
        self.about_action = action("&About Image Editor", lambda: about_dialog(self).exec())
        self.find_action = action("Find Operation", self._focus_search, QKeySequence.StandardKey.Find)
        self.addAction(self.find_action)
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        current = QApplication.instance().property("editor_theme") or "dark"
        for theme, text in (("dark", "&Dark"), ("light", "&Light"), ("system", "Follow &System")):
            act = action(text, lambda t=theme: self.set_theme(t))
            act.setCheckable(True)
            act.setChecked(theme == current)
            self.theme_group.addAction(act)
            self.theme_actions[theme] = act
        self._refresh_icons()

    def _create_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("&File")
        self.files.populate(self.file_menu)
        self.file_menu.insertAction(self.files.preferences_action, self.augment_panel.export_dataset_action)
        self.file_menu.addSeparator()
        for act in self.projects.actions():
            self.file_menu.addSeparator() if act is None else self.file_menu.addAction(act)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.apply_action, self.cancel_action, self.find_action])
        self.view_menu = self.menuBar().addMenu("&View")
        self.view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action])
        self.view_menu.addSeparator()
        self.view_menu.addActions(list(self.compare.actions.values()))
        self.view_menu.addAction(self.compare.hold_hint_action)
        self.view_menu.addSeparator()
        self.view_menu.addMenu("&Theme").addActions(list(self.theme_actions.values()))
        panels = self.view_menu.addMenu("&Panels")
        for dock in self.findChildren(QDockWidget):
            panels.addAction(dock.toggleViewAction())
        self.select_actions.populate(self.menuBar().addMenu("&Select"), self.tools.menu_actions())
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.about_action])

    def _create_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        bar.addActions([self.open_action, self.export_action])
        bar.addSeparator()
        bar.addActions([self.undo_action, self.redo_action])
        bar.addSeparator()
        bar.addActions([self.zoom_in_action, self.zoom_out_action, self.fit_action, self.actual_size_action])
        bar.addSeparator()
        bar.addActions(list(self.compare.actions.values()))
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self.tools.toolbar)
        self.addToolBarBreak()
        self.addToolBar(self.tools.options_bar)
        self.statusBar().addWidget(self.tools.hint, 1)

    def _update_actions(self) -> None:
        has_doc = self.document is not None
        for act in (self.export_action, self.zoom_in_action, self.zoom_out_action, self.fit_action,
                    self.actual_size_action, *self.compare.actions.values()):
            act.setEnabled(has_doc)
        self.apply_action.setEnabled(self._pending is not None)
        self.cancel_action.setEnabled(self._pending is not None or self.worker.busy)
        self.sidebar.setEnabled(has_doc)
        self.tools.toolbar.setEnabled(has_doc)
        self.select_actions.update_actions()
        self.projects.update_actions()
        self.files.update_actions()

    def _connect(self) -> None:
        self.sidebar.operation_chosen.connect(self.choose_operation)
        self.sidebar.operation_entered.connect(self._operation_entered)
        self.param_panel.values_changed.connect(self._on_values_changed)
        self.param_panel.apply_requested.connect(self.apply_pending)
        self.param_panel.cancel_requested.connect(self.cancel_pending)
        self.param_panel.pick_requested.connect(self._start_pick)
        self.param_panel.rect_requested.connect(lambda on: self.canvas.set_tool("rect" if on else "pan"))
        self.canvas.rect_selected.connect(self._rect_selected)
        self.canvas.enter_pressed.connect(self.apply_pending)
        self.steps_panel.step_selected.connect(self.select_step)
        self.steps_panel.toggle_requested.connect(self._toggle_step)
        self.steps_panel.delete_requested.connect(self._delete_step)
        self.steps_panel.move_requested.connect(self._move_step)
        self.steps_panel.compare_requested.connect(self.compare.set_before_count)
        self.compare.before_moved.connect(self._sync_selection)
        self.compare.connect_live(self.live)
        self.live.result_shown.connect(lambda result: self.network_view.set_image(result.pixels))
        self.live.message.connect(self.statusBar().showMessage)
        self.worker.busy_changed.connect(lambda _busy: self._update_actions())
        self.canvas.pixel_hovered.connect(self._probe)
        self.canvas.zoom_changed.connect(self._show_zoom)
        self.canvas.clicked.connect(self._picked)
        self.cancel_render_button.clicked.connect(self.cancel_render)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.undo_stack.indexChanged.connect(self._history_moved)
        # After the actions' own update from the stack, which sets the full text.
        self.undo_stack.undoTextChanged.connect(self._elide_undo_texts)
        self.undo_stack.redoTextChanged.connect(self._elide_undo_texts)

    def set_theme(self, theme: str) -> None:
        """Dark (default), light, or follow the system; remembered for next time."""
        apply_theme(QApplication.instance(), theme)
        settings().setValue("view/theme", theme)
        # Style sheets resolve palette colours when applied: apply them again.
        for widget in self.findChildren(QWidget):
            if widget.styleSheet():
                widget.setStyleSheet(widget.styleSheet())
        self.theme_actions[theme].setChecked(True)
        self._refresh_icons()

    def _refresh_icons(self) -> None:
        # Icons are drawn in the palette's text colour: redraw after a theme change.
        for act in self.findChildren(QAction):
            name = act.property("icon_name")
            if name:
                act.setIcon(icon(name))

    # -- files ---------------------------------------------------------------
    def open_dialog(self) -> None:
        self.files.open_dialog()

    def open_file(self, path: str | Path) -> bool:
        """Open an image or a project; on failure say why and keep what is open."""
        if str(path).endswith(PROJECT_SUFFIX):
            return self.projects.open(Path(path))
        if not self.maybe_save():
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        shown_draft = []

        def show_draft(image, factor, full_size):
            shown_draft.append(True)
            self.live.show_draft(image, factor, full_size)

        viewport = self.canvas.viewport().size()
        try:
            loaded = load_in_background(path, self.files.max_pixels, (viewport.width(), viewport.height()), show_draft)
        except EditorError as exc:
            QApplication.restoreOverrideCursor()
            if shown_draft and self.document is not None:
                self._request_render(final=True)  # back to what was open
            QMessageBox.warning(self, "Cannot open image", str(exc))
            return False
        finally:
            if QApplication.overrideCursor() is not None:
                QApplication.restoreOverrideCursor()
        self.set_document(Document(loaded.pixels, loaded.info, catalog=self.catalog))
        self.files.add_recent(path)
        for note in loaded.info.notes:
            self.statusBar().showMessage(note, 8000)
        return True

    def set_document(self, document: Document) -> None:
        """Show ``document``, dropping the previous one and its history."""
        self.live.set_document(document)
        self._pending = None
        self.param_panel.clear()
        self.undo_stack.clear()
        self.document = document
        document.subscribe(self._on_document_changed)
        self.compare.set_document(document)
        self._edited_id = None
        self.projects.document_replaced()
        self.augment_panel.set_document(document)
        self.steps_panel.set_document(document)
        self.tools.document_replaced()
        self._sync_selection()
        h, w = document.source.shape[:2]
        name = Path(document.info.path).name if document.info.path else "Untitled"
        self.setWindowTitle(f"{name}[*] \u2014 {APP_NAME}")
        self.setWindowFilePath(document.info.path or "")
        self.size_label.setText(f"{w} \u00d7 {h}")
        self._request_render(final=True)
        self._update_actions()

    def maybe_save(self) -> bool:
        """Ask before unsaved edits would be lost; False means the user cancelled."""
        if self.document is None or self.undo_stack.isClean():
            return True
        buttons = QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
        answer = QMessageBox.question(
            self, "Unsaved edits", "The image has edits that are not saved in a project. Save them first?",
            buttons, QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.projects.save()
        return answer == QMessageBox.StandardButton.Discard

    def export_dialog(self) -> None:
        self.files.export_as()

    def export_to(self, path: str | Path) -> bool:
        """Render at full resolution and write ``path``; on failure say why."""
        return self.files.export_to(path)

    # -- operations and previews ------------------------------------------------
    @Slot(str)
    def choose_operation(self, op_id: str) -> None:
        """Start previewing ``op_id`` with its default parameters."""
        if self.document is None:
            return
        if self._pending is not None and self._pending.op_id == op_id:
            return  # chosen again (a second click): keep what was set
        # Ranges that depend on the image (crop, seeds, corners) follow the
        # image this step will apply to: the result of every step so far.
        op = self.catalog.get(op_id).for_image(self._input_shape(len(self.document.steps)))
        self._pending = Step(op_id, op.defaults())
        self._edited_id = None
        self.steps_panel.select(-1)
        self.param_panel.show_operation(op, op.defaults(), "new")
        self._request_render(final=True)
        self._update_actions()

    def _operation_entered(self, op_id: str) -> None:
        if self._pending is not None and self._pending.op_id == op_id:
            self.apply_pending()
        else:
            self.choose_operation(op_id)

    def select_step(self, index: int) -> None:
        """Edit step ``index``: its sliders come back; moving them re-renders from it."""
        if self.document is None:
            return
        if self._pending is not None:
            self._pending = None
            self._request_render(final=True)
        valid = 0 <= index < len(self.document.steps)
        self._edited_id = self.document.step_ids[index] if valid else None
        if not valid:
            self.param_panel.clear()
        self._sync_selection(show=True)
        self._update_actions()

    def apply_pending(self) -> None:
        """Add the previewed operation to the document as one undo entry."""
        if self._pending is None or self.document is None:
            return
        step = self.document.masked(self._pending, self._input_shape(len(self.document.steps)))
        self._pending = None
        command = AddStepCommand(self.document, step)
        self.undo_stack.push(command)
        # The applied step stays in the panel: further moves edit it.
        self._edited_id = command.step_id
        self._sync_selection(show=True)
        self._update_actions()

    def cancel_pending(self) -> None:
        """Drop the preview; the document is unchanged."""
        if self._pending is None:
            return
        self._pending = None
        self.param_panel.clear()
        self._request_render(final=True)
        self._update_actions()

    def cancel(self) -> None:
        """Escape: drop the preview if there is one, else stop rendering."""
        if self.tools.cancel():
            return
        if self._pending is not None:
            self.cancel_pending()
        else:
            self.cancel_render()

    def cancel_render(self) -> None:
        """Stop the render in progress; the canvas keeps what it shows."""
        self.live.cancel()
        self.statusBar().showMessage("Rendering cancelled", 4000)

    def _on_values_changed(self, values: dict[str, Any], final: bool) -> None:
        if self.document is None or self.param_panel.operation is None:
            return
        self.live.model.in_gesture = not final
        try:
            values = self.param_panel.operation.validate(values)
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
        self.compare.document_changed()
        self._sync_selection()
        self._request_render(final=not self.live.model.in_gesture)

    def _input_shape(self, index: int) -> tuple[int, ...]:
        """Shape of the image step ``index`` applies to (after the steps before it)."""
        return self.document.shape_after(index) + self.document.source.shape[2:]

    def _display_steps(self) -> tuple[Step, ...]:
        steps = self.document.steps
        if self._pending is None:
            return steps
        return steps + (self.document.masked(self._pending, self._input_shape(len(steps))),)

    def proxy_factor(self) -> int:
        """Reduction that renders about as many pixels as the canvas shows."""
        return self.live.display_factor()

    def _request_render(self, final: bool) -> None:
        self.live.request(self._display_steps(), final)

    # -- steps panel requests, as undo commands ----------------------------------
    def _toggle_step(self, index: int, enabled: bool) -> None:
        self.undo_stack.push(ToggleStepCommand(self.document, index, enabled))

    def _delete_step(self, index: int) -> None:
        # The next step (else the previous one) becomes the selected one, so
        # Delete pressed again deletes on, as in a list of layers.
        ids = self.document.step_ids
        neighbour = ids[index + 1] if index + 1 < len(ids) else ids[index - 1] if index > 0 else None
        self.undo_stack.push(RemoveStepCommand(self.document, index))
        after = self.document.index_of(neighbour)
        self.select_step(-1 if after is None else after)

    def _move_step(self, source: int, destination: int) -> None:
        # The edited step follows its identity to the new row.
        self.undo_stack.push(MoveStepCommand(self.document, source, destination))

    def _history_moved(self, _index: int) -> None:
        self._sync_selection()
        self._update_actions()

    def _clean_changed(self, clean: bool) -> None:
        self.setWindowModified(not clean)

    def _sync_selection(self, show: bool = False) -> None:
        """Make the Steps list and the Settings panel agree on one step.

        Called after every change of the document (edits, undo, redo, moves,
        deletes): the panel keeps editing the same step wherever it went, shows
        its current values, and is cleared if the step is gone. ``show`` puts
        the edited step in the panel even when the panel showed something else.
        """
        document, panel = self.document, self.param_panel
        if document is None:
            return
        index = document.index_of(self._edited_id) if self._edited_id is not None else None
        if panel.mode == "new" and not show:
            index = None
        # The list first: a panel change can move keyboard focus into the
        # list, which must then find the right row already current.
        self.steps_panel.before_count = self.compare.before_count
        self.steps_panel.refresh(select=-1 if index is None else index)
        if index is None:
            self._edited_id = None
            if panel.mode == "edit":
                panel.clear()
        elif panel.mode == "edit" or show:
            step = document.steps[index]
            op = self.catalog.get(step.op_id)
            if op.follows_image:
                op = op.for_image(self._input_shape(index), step.params)
            if panel.mode == "edit" and panel.operation == op and panel.step_index == index:
                if panel.values() != dict(step.params):
                    panel.set_values(dict(step.params))
            else:
                panel.show_operation(op, dict(step.params), "edit", index)

    # -- picking points on the canvas ------------------------------------------------
    def _start_pick(self, widget) -> None:
        self._picking_widget = widget
        self.canvas.set_picking(widget is not None)
        if widget is not None:
            self.statusBar().showMessage(self._pick_prompt(widget), 8000)

    @staticmethod
    def _pick_prompt(widget) -> str:
        if hasattr(widget, "next_corner"):
            return f"Click the {widget.next_corner()} corner on the image"
        if hasattr(widget, "pick_prompt"):
            return widget.pick_prompt()
        return "Click on the image to pick the point"

    def _picked(self, x: float, y: float) -> None:
        widget = getattr(self, "_picking_widget", None)
        if widget is None:
            self.canvas.set_picking(False)
            return
        if widget.picked(x, y):
            self.statusBar().showMessage(self._pick_prompt(widget), 8000)
            return
        self.canvas.set_picking(False)
        self._picking_widget = None

    def _rect_selected(self, x: int, y: int, width: int, height: int) -> None:
        self.canvas.set_tool("pan")
        self.param_panel.set_rect(x, y, width, height)

    # -- status bar ---------------------------------------------------------------
    def _show_zoom(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def _probe(self, x: int, y: int) -> None:
        result = self.live.result
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
        approx = " (preview)" if result.factor > 1 else ""
        self.probe_label.setText(f"x {x}, y {y}   {text}{approx}")

    def show_shortcuts(self) -> None:
        """Help > Keyboard Shortcuts: every action's keys, from the actions themselves."""
        actions = [a for menu in self.menuBar().findChildren(QMenu) for a in menu.actions()]
        self._shortcuts = shortcuts_dialog(self, actions)
        self._shortcuts.show()

    def _elide_undo_texts(self) -> None:
        # A long step summary would run the Edit menu off the screen; the
        # whole text stays in the tooltip, the status bar and the History.
        for act, text in ((self.undo_action, self.undo_stack.undoText()), (self.redo_action, self.undo_stack.redoText())):
            verb = "&Undo" if act is self.undo_action else "&Redo"
            full = f"{verb} {text}".strip()
            act.setText(full if len(full) <= UNDO_TEXT_CHARS else full[: UNDO_TEXT_CHARS - 1].rstrip(", ") + "\u2026")
            act.setStatusTip(full.replace("&", ""))

    def _focus_search(self) -> None:
        self.sidebar.search.setFocus()
        self.sidebar.search.selectAll()

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.compare.shutdown()
        self.live.shutdown()
        self.augment_panel.shutdown()
        super().closeEvent(event)
