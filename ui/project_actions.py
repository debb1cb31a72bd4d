"""Projects and recipes in the window: Save/Open Project, Export/Import Recipe.

A project is the source image's path and hash plus the editable steps; a
recipe is the steps alone, to apply to other images here or headless.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from editor.errors import EditorError
from editor.project import (
    PROJECT_SUFFIX,
    SourceChangedError,
    SourceMissingError,
    load_project,
    save_project,
)
from editor.recipe import load_recipe, save_recipe

from .actions import make_action
from .history_commands import ReplaceStepsCommand
from .resources import is_bundled

PROJECT_FILTER = f"Image Editor project (*{PROJECT_SUFFIX});;All files (*)"
RECIPE_FILTER = "Recipe (*.json);;All files (*)"


class ProjectActions(QObject):
    """The project and recipe actions of one main window.

    Attributes
    ----------
    path : Path or None
        The project file of the current document, once saved or opened.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.path: Path | None = None

        action = partial(make_action, window)
        self.save_action = action("&Save Project", self.save, QKeySequence.StandardKey.Save,
                                  tip="Save the steps, re-editable, in a project file beside the image")
        self.save_as_action = action("Save Project &As\u2026", self.save_as, QKeySequence.StandardKey.SaveAs)
        self.open_action = action("Open &Project\u2026", self.open_dialog, "Ctrl+Shift+O")
        self.export_recipe_action = action("Export &Recipe\u2026", self.export_recipe,
                                           tip="Save the steps alone, to apply to other images")
        self.import_recipe_action = action("&Import Recipe\u2026", self.import_recipe,
                                           tip="Append a recipe's steps to this image")

    def actions(self) -> list[QAction]:
        return [self.open_action, self.save_action, self.save_as_action, None,
                self.export_recipe_action, self.import_recipe_action]

    def update_actions(self) -> None:
        has_doc = self.window.document is not None
        for act in (self.save_action, self.save_as_action, self.export_recipe_action, self.import_recipe_action):
            act.setEnabled(has_doc)

    def document_replaced(self, project_path: Path | None = None) -> None:
        """A new document is shown: it belongs to ``project_path`` (or none yet)."""
        self.path = project_path

    # -- projects ------------------------------------------------------------------
    def default_path(self) -> Path:
        info = self.window.document.info
        stem = Path(info.path).stem if info.path else "untitled"
        if info.path and not is_bundled(info.path):
            return Path(info.path).with_name(stem + PROJECT_SUFFIX)  # beside its image
        return Path(self.window.files.start_folder()) / f"{stem}{PROJECT_SUFFIX}"

    def save(self) -> bool:
        """Save to the current project file, asking for one the first time."""
        if self.window.document is None:
            return False
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        if self.window.document is None:
            return False
        name, _ = QFileDialog.getSaveFileName(self.window, "Save Project", str(self.default_path()), PROJECT_FILTER)
        if not name:
            return False
        if not name.endswith(PROJECT_SUFFIX):
            name += PROJECT_SUFFIX
        return self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        try:
            save_project(path, self.window.document)
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot save project", str(exc))
            return False
        self.path = Path(path)
        self.window.undo_stack.setClean()
        self.window.files.add_recent(path)
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def open_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self.window, "Open Project", self.window.files.start_folder(), PROJECT_FILTER)
        if name:
            self.open(Path(name))

    def open(self, path: Path) -> bool:
        """Open a project; offer to locate a moved source or accept a changed one."""
        if not self.window.maybe_save():
            return False
        source_path, accept_changed = None, False
        while True:
            try:
                document = load_project(path, catalog=self.window.catalog, source_path=source_path,
                                        accept_changed_source=accept_changed)
                break
            except SourceMissingError as exc:
                answer = QMessageBox.question(
                    self.window, "Source image not found",
                    f"{exc}\n\nDo you want to locate the image?",
                    QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Open:
                    return False
                located, _ = QFileDialog.getOpenFileName(
                    self.window, f"Locate {Path(exc.expected_path).name}", str(Path(path).parent)
                )
                if not located:
                    return False
                source_path = located
            except SourceChangedError as exc:
                answer = QMessageBox.question(
                    self.window, "Source image changed",
                    f"{exc}\n\nOpen it anyway? The steps will be applied to the image as it is now.",
                    QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
                )
                if answer != QMessageBox.StandardButton.Open:
                    return False
                accept_changed = True
            except EditorError as exc:
                QMessageBox.warning(self.window, "Cannot open project", str(exc))
                return False
        self.window.set_document(document)
        self.path = Path(path)
        self.window.files.add_recent(path)
        name = Path(path).name
        self.window.setWindowTitle(f"{name}[*] \u2014 {self.window.APP_NAME}")
        return True

    # -- recipes ------------------------------------------------------------------
    def export_recipe(self) -> bool:
        document = self.window.document
        if document is None:
            return False
        suggestion = str(self.default_path()).replace(PROJECT_SUFFIX, ".recipe.json")
        name, _ = QFileDialog.getSaveFileName(self.window, "Export Recipe", suggestion, RECIPE_FILTER)
        if not name:
            return False
        return self.export_recipe_to(Path(name))

    def export_recipe_to(self, path: Path) -> bool:
        try:
            save_recipe(path, self.window.document.steps, self.window.catalog)
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot export recipe", str(exc))
            return False
        self.window.statusBar().showMessage(f"Recipe saved to {path}", 5000)
        return True

    def import_recipe(self) -> bool:
        if self.window.document is None:
            return False
        name, _ = QFileDialog.getOpenFileName(self.window, "Import Recipe", self.window.files.start_folder(), RECIPE_FILTER)
        return bool(name) and self.import_recipe_from(Path(name))

    def import_recipe_from(self, path: Path) -> bool:
        """Append the recipe's steps as one undoable edit; nothing if any is invalid."""
        document = self.window.document
        try:
            steps = load_recipe(path, self.window.catalog)
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot import recipe", str(exc))
            return False
        if not steps:
            self.window.statusBar().showMessage(f"{path.name} has no steps", 5000)
            return False
        try:
            command = ReplaceStepsCommand(document, document.steps + steps, f"Apply recipe {path.name}")
            self.window.undo_stack.push(command)
        except EditorError as exc:
            QMessageBox.warning(self.window, "Cannot apply recipe", str(exc))
            return False
        return True
