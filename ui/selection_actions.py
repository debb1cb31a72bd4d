"""The Select menu, and the undo commands for selections and step masks.

Select All / None / Invert, Feather, Grow, Shrink, Save the selection as a
mask image and load one as the selection; and, for the step being edited,
limit it to the current selection (its mask is replaced) or clear its mask.
Each is one undo entry; the document's selection is part of the history.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QUndoCommand
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from editor.document import Document
from editor.errors import EditorError
from editor.selection import MAX_FEATHER, MAX_GROW, Selection, load_mask_image, save_mask_image

from .actions import make_action

if TYPE_CHECKING:  # pragma: no cover
    from .main_window import MainWindow

MASK_FILTER = "Mask image (*.png);;All files (*)"


class SetSelectionCommand(QUndoCommand):
    """Replace the document's selection (None: select nothing)."""

    def __init__(self, document: Document, selection: Selection | None, text: str):
        super().__init__(text)
        self.document, self.old, self.new = document, document.selection, selection

    def redo(self) -> None:
        self.document.set_selection(self.new)

    def undo(self) -> None:
        self.document.set_selection(self.old)


WAND_COMMAND_ID = 2001


class WandSelectionCommand(SetSelectionCommand):
    """A wand click's selection; later tolerances of the same click merge
    into it, so a slider drag or a drag from the click is one undo entry."""

    def __init__(self, document: Document, selection: Selection | None, text: str, click: int):
        super().__init__(document, selection, text)
        self.click = click

    def id(self) -> int:
        return WAND_COMMAND_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, WandSelectionCommand) or other.click != self.click:
            return False
        self.new = other.new
        self.setText(other.text())
        return True


class SetStepMaskCommand(QUndoCommand):
    """Give step ``index`` another mask (None: the whole image)."""

    def __init__(self, document: Document, index: int, mask, text: str):
        super().__init__(text)
        self.document, self.index = document, index
        self.old = document.steps[index]
        self.new = self.old.with_mask(mask)

    def redo(self) -> None:
        self.document.replace(self.index, self.new)

    def undo(self) -> None:
        self.document.replace(self.index, self.old)


class SelectionActions(QObject):
    """The Select menu of one window."""

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        action = partial(make_action, window)
        self.all_action = action("Select &All", self.select_all, "Ctrl+A", tip="Select the whole image")
        self.none_action = action("Select &None", self.select_none, ["Ctrl+Shift+A", "Ctrl+D"],
                                  tip="Drop the selection: operations apply to the whole image")
        self.invert_action = action("&Invert Selection", self.invert, "Ctrl+I")
        self.feather_action = action("&Feather\u2026", self.feather, tip="Soften the selection's edge")
        self.grow_action = action("&Grow\u2026", partial(self.grow_or_shrink, True))
        self.shrink_action = action("S&hrink\u2026", partial(self.grow_or_shrink, False))
        self.save_action = action("&Save Selection as Mask\u2026", self.save_mask,
                                  tip="Write the selection as a grey PNG, white where selected")
        self.load_action = action("&Load Mask as Selection\u2026", self.load_mask,
                                  tip="Read a grey PNG of the image's size as the selection")
        self.limit_step_action = action("Limit Step to &Selection", self.limit_step,
                                        tip="The step being edited applies only inside the current selection")
        self.clear_step_mask_action = action("&Clear Step Mask", self.clear_step_mask,
                                             tip="The step being edited applies to the whole image again")
        self.mask_to_selection_action = action("Select Step's &Mask", self.mask_to_selection,
                                               tip="The mask of the step being edited becomes the selection, to change "
                                                   "it with the tools and put it back with Limit Step to Selection")

    def populate(self, menu: QMenu, tool_actions: list[QAction]) -> None:
        menu.addActions(tool_actions)
        menu.addSeparator()
        menu.addActions([self.all_action, self.none_action, self.invert_action])
        menu.addSeparator()
        menu.addActions([self.feather_action, self.grow_action, self.shrink_action])
        menu.addSeparator()
        menu.addActions([self.save_action, self.load_action])
        menu.addSeparator()
        menu.addActions([self.mask_to_selection_action, self.limit_step_action, self.clear_step_mask_action])

    def update_actions(self) -> None:
        document = self.window.document
        has_doc = document is not None
        has_sel = has_doc and document.selection is not None
        for act in (self.all_action, self.load_action):
            act.setEnabled(has_doc)
        for act in (self.none_action, self.invert_action, self.feather_action, self.grow_action,
                    self.shrink_action, self.save_action):
            act.setEnabled(has_sel)
        index = self._edited_index()
        self.limit_step_action.setEnabled(has_sel and index is not None)
        has_mask = index is not None and document.steps[index].mask is not None
        self.clear_step_mask_action.setEnabled(has_mask)
        self.mask_to_selection_action.setEnabled(has_mask)

    # -- helpers ---------------------------------------------------------------------
    @property
    def _tools(self):
        return self.window.tools

    def _set(self, selection: Selection | None, text: str) -> None:
        self._tools.change_selection(selection, "replace", text)

    def _current(self) -> Selection | None:
        document = self.window.document
        if document is None or document.selection is None:
            return None
        if document.selection.shape != self._tools.result_shape():
            return None
        return document.selection

    def _edited_index(self) -> int | None:
        document, panel = self.window.document, self.window.param_panel
        if document is None or panel.mode != "edit" or panel.step_index is None:
            return None
        return panel.step_index if panel.step_index < len(document.steps) else None

    # -- the actions -------------------------------------------------------------------
    def select_all(self) -> None:
        if self.window.document is not None:
            self._set(Selection.everything(self._tools.result_shape()), "Select All")

    def select_none(self) -> None:
        if self.window.document is not None and self.window.document.selection is not None:
            self._tools.change_selection(None, "replace", "Select None")

    def invert(self) -> None:
        current = self._current()
        if current is None:
            return
        inverted = current.inverted()
        self._set(None if inverted.is_empty() else inverted, "Invert Selection")

    def feather(self, radius: float | None = None) -> None:
        current = self._current()
        if current is None:
            return
        if radius is None:
            radius, ok = QInputDialog.getDouble(self.window, "Feather Selection", "Radius (pixels):", 10.0, 0.0,
                                                MAX_FEATHER, 1)
            if not ok:
                return
        self._apply(lambda: current.feathered(radius), f"Feather Selection {radius:g} px")

    def grow_or_shrink(self, grow: bool, radius: int | None = None) -> None:
        current = self._current()
        if current is None:
            return
        verb = "Grow" if grow else "Shrink"
        if radius is None:
            radius, ok = QInputDialog.getInt(self.window, f"{verb} Selection", "By (pixels):", 5, 1, MAX_GROW)
            if not ok:
                return
        self._apply(lambda: current.grown(radius) if grow else current.shrunk(radius), f"{verb} Selection {radius} px")

    def _apply(self, make, text: str) -> None:
        try:
            selection = make()
        except EditorError as exc:
            QMessageBox.warning(self.window, "Selection", str(exc))
            return
        self._set(None if selection.is_empty() else selection, text)

    def save_mask(self, path: str | Path | None = None) -> bool:
        current = self._current()
        if current is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, "Save Selection as Mask", "mask.png", MASK_FILTER)
            if not path:
                return False
        try:
            save_mask_image(path, current)
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot save the mask", str(exc))
            return False
        self._tools.message(f"Saved the selection as {Path(path).name}")
        return True

    def load_mask(self, path: str | Path | None = None) -> bool:
        if self.window.document is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Load Mask as Selection", "", MASK_FILTER)
            if not path:
                return False
        try:
            selection = load_mask_image(path, self._tools.result_shape())
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot use the mask", str(exc))
            return False
        self._set(None if selection.is_empty() else selection, f"Load Mask {Path(path).name}")
        return True

    def limit_step(self) -> None:
        index, current = self._edited_index(), self._current()
        document = self.window.document
        if index is None or current is None:
            return
        shape = self.window._input_shape(index)
        if tuple(shape[:2]) != current.shape:
            QMessageBox.warning(self.window, "Limit Step to Selection",
                                "The selection was made on an image of another size than the one this step "
                                "applies to (a step before it crops or resizes).")
            return
        self.window.undo_stack.push(SetStepMaskCommand(document, index, current.mask, "Limit Step to Selection"))

    def mask_to_selection(self) -> None:
        index = self._edited_index()
        document = self.window.document
        if index is None or document.steps[index].mask is None:
            return
        mask = document.steps[index].mask
        if mask.shape != self._tools.result_shape():
            QMessageBox.warning(self.window, "Select Step's Mask",
                                "The step's mask has the size of the image at that step, not of the image now "
                                "(a later step crops or resizes), so it cannot be shown as the selection.")
            return
        self._set(Selection(mask), f"Select Mask of Step {index + 1}")

    def clear_step_mask(self) -> None:
        index = self._edited_index()
        document = self.window.document
        if index is None or document.steps[index].mask is None:
            return
        self.window.undo_stack.push(SetStepMaskCommand(document, index, None, "Clear Step Mask"))
