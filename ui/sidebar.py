"""The operation sidebar: the catalog by category, with a search box."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from editor.catalog import Catalog

_OP_ID = Qt.ItemDataRole.UserRole


class OperationSidebar(QWidget):
    """Lists every operation of a catalog; activating one emits its id.

    Typing in the search box filters by title, id, category and description;
    Enter in the box picks the first match (Enter again applies it), arrows
    move through the list.

    Signals
    -------
    operation_chosen(str)
        Clicked: preview this operation.
    operation_entered(str)
        Enter pressed on it: the window previews it, or applies it when it
        is already the one previewed (a click then Enter applies, as Enter
        does in the Settings panel).
    """

    operation_chosen = Signal(str)
    operation_entered = Signal(str)

    def __init__(self, catalog: Catalog, parent=None):
        super().__init__(parent)
        self.catalog = catalog
        self.search = QLineEdit(placeholderText="Search operations (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        for category, ops in catalog.categories().items():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(group.flags() & ~Qt.ItemFlag.ItemIsSelectable)
            for op in ops:
                item = QTreeWidgetItem(group, [op.title])
                item.setData(0, _OP_ID, op.id)
                # The id is what recipes and the command line call it: said so.
                item.setToolTip(0, f"<b>{op.title}</b><br>{op.description}<br><i>In recipes: {op.id}</i>")
                self._items[op.id] = item
        self.tree.expandAll()
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose_first_visible)
        self.tree.itemClicked.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.installEventFilter(self)

    def item_for(self, op_id: str) -> QTreeWidgetItem:
        return self._items[op_id]

    def choose(self, op_id: str) -> None:
        """Select ``op_id`` and emit it, as a click would."""
        item = self._items[op_id]
        self.tree.setCurrentItem(item)
        self.operation_chosen.emit(op_id)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.tree and event.type() == QEvent.Type.KeyPress and event.key() in (
            Qt.Key.Key_Return, Qt.Key.Key_Enter
        ) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            item = self.tree.currentItem()
            op_id = item.data(0, _OP_ID) if item is not None else None
            if op_id:
                self.operation_entered.emit(op_id)
            return True
        return super().eventFilter(obj, event)

    def visible_ids(self) -> list[str]:
        return [op_id for op_id, item in self._items.items() if not item.isHidden()]

    def _filter(self, text: str) -> None:
        matches = {op.id for op in self.catalog.search(text)}
        for op_id, item in self._items.items():
            item.setHidden(op_id not in matches)
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group.setHidden(all(group.child(j).isHidden() for j in range(group.childCount())))

    def _choose_first_visible(self) -> None:
        visible = self.visible_ids()
        if visible:
            self.tree.setCurrentItem(self._items[visible[0]])
            self.operation_entered.emit(visible[0])

    def _activated(self, item: QTreeWidgetItem) -> None:
        op_id = item.data(0, _OP_ID)
        if op_id:
            self.operation_chosen.emit(op_id)
