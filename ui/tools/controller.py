"""The tool controller: the toolbar, the active tool, and what tools ask for.

One controller per window. It builds a checkable toolbar button and a
shortcut for every registered tool (one active at a time; Pan is "no tool"),
shows the active tool's options in a second toolbar and its hint in the
status bar, hands the tool to the canvas, and turns the tools' requests into
undo commands: a step (masked by the selection), a new selection, or new
parameters for the Settings panel.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QFrame, QLabel, QScrollArea, QSizePolicy, QToolBar

from editor.document import Document
from editor.errors import EditorError
from editor.selection import Selection, combine
from editor.steps import Step

from ..history_commands import AddStepCommand
from ..selection_actions import SetSelectionCommand, WandSelectionCommand
from ..selection_overlay import SelectionOverlay
from .base import TOOLS, CanvasTool

if TYPE_CHECKING:  # pragma: no cover
    from ..main_window import MainWindow

class _Delivery(QObject):
    """Brings a background job's result back to the GUI thread."""

    done = Signal(object, object)  # result, error message (None when it worked)


class _Job(QRunnable):
    def __init__(self, work, delivery: _Delivery):
        super().__init__()
        self.work, self.delivery = work, delivery

    def run(self) -> None:
        try:
            result = self.work()
        except Exception as exc:  # noqa: BLE001 - reported to the user, never lost
            self.delivery.done.emit(None, str(exc) or type(exc).__name__)
        else:
            self.delivery.done.emit(result, None)


PAN_STATUS = "Drag to pan the image; wheel to zoom. Pick a tool on the toolbar to select or paint."


class ToolController(QObject):
    """Owns the tools of one window.

    Attributes
    ----------
    tools : dict
        Tool id -> CanvasTool instance.
    actions : dict
        Tool id -> checkable QAction ("pan" included).
    toolbar, options_bar : QToolBar

    Signals
    -------
    tool_changed(str)
        The id of the tool now active ("pan" for none).
    """

    tool_changed = Signal(str)

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        self.canvas = window.canvas
        self.overlay = SelectionOverlay(self.canvas)
        self.tools: dict[str, CanvasTool] = {}
        self.actions: dict[str, QAction] = {}
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        self.active: CanvasTool | None = None
        self.hint = QLabel()
        self.hint.setObjectName("tool-hint")
        # A long hint is cut off rather than widening the window (which would
        # move the image under the pointer).
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._observed: Document | None = None
        self._deliveries: set[_Delivery] = set()
        self._holders: dict[str, QAction | None] = {}  # tool id -> its options in the bar
        self._build()

    # -- building ---------------------------------------------------------------------
    def _build(self) -> None:
        from . import load_tools

        load_tools()
        self.toolbar = QToolBar("Tools")
        self.toolbar.setObjectName("tools-toolbar")
        self.options_bar = QToolBar("Tool Options")
        self.options_bar.setObjectName("tool-options-toolbar")
        # One height for every tool, so the image does not move when the
        # options change: that of the tallest control they hold.
        self.options_bar.setMinimumHeight(QComboBox().sizeHint().height() + 8)
        pan = self._action("pan", "&Pan", "pan", "H", "Drag to pan the image")
        self.toolbar.addAction(pan)
        for spec in sorted(TOOLS.values(), key=lambda s: (s.order, s.name)):
            tool = spec.factory(self)
            self.tools[spec.id] = tool
            tool.step_requested.connect(self.add_step)
            tool.selection_requested.connect(self.change_selection)
            tool.selection_preview.connect(self.overlay.set_preview)
            tool.params_requested.connect(self.change_params)
            tool.status_changed.connect(self._show_hint)
            self.toolbar.addAction(self._action(spec.id, spec.name, spec.icon, spec.shortcut, spec.status))
        pan.setChecked(True)
        self.options_title = QLabel()
        self.options_title.setStyleSheet("font-weight: bold; padding: 0 8px;")
        self.options_bar.addWidget(self.options_title)
        self._show_options("pan")
        self._show_hint(PAN_STATUS)

    def _action(self, tool_id: str, name: str, icon_name: str, shortcut: str, status: str) -> QAction:
        act = QAction(name, self.window)
        act.setCheckable(True)
        act.setProperty("icon_name", icon_name or None)
        plain = name.replace("&", "")
        if shortcut:
            act.setShortcut(shortcut)
            act.setToolTip(f"{plain} ({shortcut})")
        else:
            act.setToolTip(plain)
        act.setStatusTip(status)
        act.setData(tool_id)
        act.triggered.connect(lambda _checked=False, t=tool_id: self.activate(t))
        self.group.addAction(act)
        self.actions[tool_id] = act
        return act

    def _show_options(self, tool_id: str) -> None:
        """Show ``tool_id``'s name and options in the options bar, hiding the
        others' (each tool's options are added once and kept)."""
        self.options_title.setText(self.actions[tool_id].text().replace("&", ""))
        tool = self.tools.get(tool_id)
        if tool is not None and tool_id not in self._holders:
            options = tool.options_widget()
            self._holders[tool_id] = None if options is None else self.options_bar.addWidget(self._holder(options))
        for owner, action in self._holders.items():
            if action is not None:
                action.setVisible(owner == tool_id)

    @staticmethod
    def _holder(options) -> QScrollArea:
        """The options in a frame that takes the bar's remaining width and
        cuts them off at the right in a narrow window, rather than widening
        the window (which would move the image under the pointer)."""
        holder = QScrollArea()
        holder.setFrameShape(QFrame.Shape.NoFrame)
        holder.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        holder.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        options.adjustSize()  # its natural width, not stretched across the bar
        holder.setWidget(options)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        holder.setFixedHeight(options.sizeHint().height())
        return holder

    def menu_actions(self) -> list[QAction]:
        return list(self.actions.values())

    # -- the active tool -----------------------------------------------------------------
    def activate(self, tool_id: str) -> None:
        """Make ``tool_id`` the active tool ("pan": none)."""
        if tool_id != "pan" and tool_id not in self.tools:
            raise ValueError(f"unknown tool {tool_id!r}")
        tool = self.tools.get(tool_id)
        if tool is self.active:
            return
        if self.active is not None:
            self.active.deactivate()
        self.active = tool
        self.actions[tool_id].setChecked(True)
        self._show_options(tool_id)
        if tool is not None:
            tool.activate()
        self.canvas.set_active_tool(tool)
        self._show_hint(tool.status if tool is not None else PAN_STATUS)
        self.tool_changed.emit(tool_id)

    def active_id(self) -> str:
        return self.active.id if self.active is not None else "pan"

    def cancel(self) -> bool:
        """Escape: the active tool drops its gesture; True if it had one."""
        return self.active is not None and self.active.cancel()

    def _show_hint(self, text: str) -> None:
        self.hint.setText(text)
        self.hint.setToolTip(text)

    # -- context for the tools -----------------------------------------------------------
    @property
    def document(self) -> Document | None:
        return self.window.document

    def document_replaced(self) -> None:
        """A new document is open: follow its selection."""
        document = self.document
        if document is not None and document is not self._observed:
            self._observed = document
            document.subscribe_selection(lambda d=document: self._selection_changed(d))
        if self.active is not None:
            self.active.cancel()
        self.overlay.set_selection(None if document is None else document.selection)

    def _selection_changed(self, document: Document) -> None:
        if document is self.document:
            self.overlay.set_selection(document.selection)

    def result_shape(self) -> tuple[int, int]:
        """(height, width) of the current result: what a selection covers."""
        rect = self.canvas.sceneRect()
        return int(rect.height()), int(rect.width())

    def result_image(self, max_pixels: int | None = None) -> tuple[np.ndarray, int]:
        """The image after all steps and the reduction it was rendered at
        (the smallest integer keeping it within ``max_pixels``)."""
        document = self.document
        if document is None:
            raise EditorError("There is no image open.")
        h, w = self.result_shape() if not self.canvas.sceneRect().isEmpty() else document.source.shape[:2]
        factor = 1
        if max_pixels is not None:
            while (h // factor) * (w // factor) > max_pixels and factor < min(h, w):
                factor += 1
        return document.render(factor=factor), factor

    def run_in_background(self, work, done) -> None:
        """Run ``work()`` off the GUI thread; then ``done(result, error)`` on
        it (error is a message, or None). For tool work that takes longer than
        a frame (the wand's flood), so the window never freezes."""
        delivery = _Delivery(self)
        self._deliveries.add(delivery)

        def deliver(result, error):
            self._deliveries.discard(delivery)
            delivery.deleteLater()
            done(result, error)

        delivery.done.connect(deliver)
        QThreadPool.globalInstance().start(_Job(work, delivery))

    def message(self, text: str, timeout: int = 5000) -> None:
        self.window.statusBar().showMessage(text, timeout)

    # -- requests from tools, as undo commands ---------------------------------------------
    def add_step(self, step: Step) -> None:
        """Add ``step`` as one undo entry, limited to the selection if there
        is one, unless the step changes the image's size (crop, rotate),
        which a mask cannot limit."""
        document = self.document
        if document is None:
            return
        step = document.masked(step, self.result_shape())
        try:
            self.window.undo_stack.push(AddStepCommand(document, step))
        except (EditorError, ValueError) as exc:
            self.message(str(exc))

    def change_selection(self, mask, mode: str, text: str) -> None:
        """Combine ``mask`` (or a Selection; None clears) with the selection
        in ``mode``, as one undo entry named ``text``."""
        document = self.document
        if document is None:
            return
        current = document.selection
        if current is not None and current.shape != self.result_shape():
            current = None
        if mask is None:
            new = None
        else:
            data = mask.mask if isinstance(mask, Selection) else np.asarray(mask)
            new = combine(current, data, mode)
        if new == current:
            self.overlay.set_preview(None)
            return
        self.window.undo_stack.push(SetSelectionCommand(document, new, text))
        self.overlay.set_preview(None)

    def wand_selection(self, mask, mode: str, base: Selection | None, click: int, text: str) -> None:
        """The selection of wand click number ``click``: ``mask`` combined with
        ``base`` (the selection before the click). Another tolerance for the
        same click replaces it within the same undo entry."""
        document = self.document
        if document is None:
            return
        data = mask.mask if isinstance(mask, Selection) else np.asarray(mask)
        new = combine(base, data, mode)
        self.overlay.set_preview(None)
        if new == document.selection:
            return
        self.window.undo_stack.push(WandSelectionCommand(document, new, text, click))

    def change_params(self, values: dict, final: bool) -> None:
        """New parameter values for the operation in the Settings panel."""
        panel = self.window.param_panel
        if panel.operation is None:
            return
        merged = dict(panel.values(), **values)
        panel.set_values(merged)
        panel.values_changed.emit(panel.values(), final)
