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
        self.step_id: int | None = None  # given on the first redo, kept after

    def redo(self) -> None:
        self.step_id = self.document.insert(self.index, self.step, step_id=self.step_id)

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


class RemoveStepCommand(QUndoCommand):
    """Delete a step."""

    def __init__(self, document: Document, index: int):
        self.document, self.index, self.step = document, index, document.steps[index]
        self.step_id = document.step_ids[index]
        super().__init__(f"Delete {_summary(document, self.step)}")

    def redo(self) -> None:
        self.document.remove(self.index)

    def undo(self) -> None:
        self.document.insert(self.index, self.step, step_id=self.step_id)


class MoveStepCommand(QUndoCommand):
    """Reorder: the step at ``source`` ends up at ``destination``."""

    def __init__(self, document: Document, source: int, destination: int):
        self.document, self.source, self.destination = document, source, destination
        super().__init__(f"Move {_summary(document, document.steps[source])}")

    def redo(self) -> None:
        self.document.move(self.source, self.destination)

    def undo(self) -> None:
        self.document.move(self.destination, self.source)


class ToggleStepCommand(QUndoCommand):
    """Switch a step on or off without losing it."""

    def __init__(self, document: Document, index: int, enabled: bool):
        self.document, self.index, self.enabled = document, index, enabled
        verb = "Enable" if enabled else "Disable"
        super().__init__(f"{verb} {_summary(document, document.steps[index])}")

    def redo(self) -> None:
        self.document.replace(self.index, self.document.steps[self.index].with_enabled(self.enabled))

    def undo(self) -> None:
        self.document.replace(self.index, self.document.steps[self.index].with_enabled(not self.enabled))


class ReplaceStepsCommand(QUndoCommand):
    """Replace the whole list at once (import a recipe, append its steps)."""

    def __init__(self, document: Document, steps, text: str):
        super().__init__(text)
        self.document, self.old, self.new = document, document.steps, tuple(steps)
        self.old_ids, self.new_ids = document.step_ids, None

    def redo(self) -> None:
        self.document.set_steps(self.new, step_ids=self.new_ids)
        self.new_ids = self.document.step_ids

    def undo(self) -> None:
        self.document.set_steps(self.old, step_ids=self.old_ids)
