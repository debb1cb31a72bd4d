"""The Steps panel: the document's re-editable stack of operations.

Each row is a step with its parameters in short and a check box that turns it
on or off. Click a row to edit that step; drag rows to reorder; Delete removes
the selected step. The panel only asks (signals); the window turns each
request into an undo command, and the panel redraws from the document.
"""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from editor.document import Document

_INDEX = Qt.ItemDataRole.UserRole


class StepsPanel(QWidget):
    """Lists the steps of a document.

    Signals
    -------
    step_selected(int)
        Row clicked: edit that step (-1 when the selection is cleared).
    toggle_requested(int, bool)
    delete_requested(int)
    move_requested(int, int)
        Source and destination index.
    compare_requested(int)
        Use the image after this many steps as "before" (0 = original).
    """

    step_selected = Signal(int)
    toggle_requested = Signal(int, bool)
    delete_requested = Signal(int)
    move_requested = Signal(int, int)
    compare_requested = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.document: Document | None = None
        self.before_count = 0
        self.list = QListWidget()
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.setToolTip("Click a step to edit it, drag to reorder, untick to switch it off")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected step (Delete)")
        self.compare_button = QPushButton("Compare with")
        self.compare_button.setToolTip("Show the image after the selected step as \u201cbefore\u201d")
        self.original_button = QPushButton("Compare with original")
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.compare_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.original_button)
        self._rebuilding = False
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(self._row_changed)
        self.list.model().rowsMoved.connect(self._rows_moved)
        self.delete_button.clicked.connect(self._delete_current)
        self.compare_button.clicked.connect(lambda: self.compare_requested.emit(self.list.currentRow() + 1))
        self.original_button.clicked.connect(lambda: self.compare_requested.emit(0))
        shortcut = QShortcut(QKeySequence.StandardKey.Delete, self.list)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self._delete_current)
        self._update_buttons()

    def set_document(self, document: Document | None) -> None:
        self.document = document
        self.before_count = 0
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        """Redraw from the document, keeping (or setting) the selection."""
        if select is None:
            select = self.list.currentRow()
        self._rebuilding = True
        self.list.clear()
        if self.document is not None:
            catalog = self.document.catalog
            for i, step in enumerate(self.document.steps):
                op = catalog.get(step.op_id)
                marker = "  \u25c0 before" if i + 1 == self.before_count else ""
                masked = "  \u25d0 masked" if step.mask is not None else ""
                item = QListWidgetItem(f"{i + 1}. {op.summary(step.params)}{masked}{marker}")
                item.setData(_INDEX, i)
                # Not drop-enabled: a row dropped on another row moves between
                # rows instead of replacing it.
                item.setFlags(
                    (item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
                    & ~Qt.ItemFlag.ItemIsDropEnabled
                )
                item.setCheckState(Qt.CheckState.Checked if step.enabled else Qt.CheckState.Unchecked)
                note = "\nApplies only inside its mask (Select > Clear Step Mask to apply it everywhere)"
                item.setToolTip(f"{op.title}\n{op.description}" + (note if step.mask is not None else "")
                                + ("" if step.enabled else "\n(switched off)"))
                if not step.enabled:
                    font = item.font()
                    font.setStrikeOut(True)
                    item.setFont(font)
                self.list.addItem(item)
            if 0 <= select < self.list.count():
                self.list.setCurrentRow(select)
        self._rebuilding = False
        self._update_buttons()

    def select(self, index: int) -> None:
        """Select row ``index`` without emitting step_selected."""
        self._rebuilding = True
        self.list.setCurrentRow(index)
        self._rebuilding = False
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.list.currentRow() >= 0
        self.delete_button.setEnabled(has)
        self.compare_button.setEnabled(has)
        self.original_button.setEnabled(self.document is not None)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if self._rebuilding or self.document is None:
            return
        index = item.data(_INDEX)
        enabled = item.checkState() == Qt.CheckState.Checked
        if index is not None and index < len(self.document.steps) and self.document.steps[index].enabled != enabled:
            self.toggle_requested.emit(index, enabled)

    def _row_changed(self, row: int) -> None:
        self._update_buttons()
        if not self._rebuilding:
            self.step_selected.emit(row)

    def _rows_moved(self, _parent: QModelIndex, start: int, _end: int, _dest: QModelIndex, row: int) -> None:
        if self._rebuilding:
            return
        destination = row - 1 if row > start else row
        if destination != start:
            self.move_requested.emit(start, destination)

    def _delete_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.delete_requested.emit(row)
