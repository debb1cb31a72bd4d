"""Undo commands: each stores steps (parameters), never pixels."""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from editor.document import Document
from editor.steps import Step

EDIT_STEP_ID = 1001


def _summary(document: Document, step: Step) -> str:
    return document.catalog.get(step.op_id).summary(step.params)


class AddStepCommand(QUndoCommand):
    """Insert a step (Apply)."""

    def __init__(self, document: Document, step: Step, index: int | None = None):
        super().__init__(f"Apply {_summary(document, step)}")
        self.document, self.step = document, step
        self.index = len(document.steps) if index is None else index

    def redo(self) -> None:
        self.document.insert(self.index, self.step)

    def undo(self) -> None:
        self.document.remove(self.index)


class EditStepCommand(QUndoCommand):
    """Change a step's parameters; merges with the next edit of the same
    gesture, so one slider drag is one undo entry."""

    def __init__(self, document: Document, index: int, new: Step, gesture: int):
        self.document, self.index = document, index
        self.old, self.new, self.gesture = document.steps[index], new, gesture
        super().__init__(f"Edit {_summary(document, new)}")

    def id(self) -> int:
        return EDIT_STEP_ID

    def redo(self) -> None:
        self.document.replace(self.index, self.new)

    def undo(self) -> None:
        self.document.replace(self.index, self.old)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditStepCommand) or other.index != self.index or other.gesture != self.gesture:
            return False
        self.new = other.new
        self.setText(other.text())
        # A gesture that ends where it began leaves no entry.
        self.setObsolete(self.new == self.old)
        return True
