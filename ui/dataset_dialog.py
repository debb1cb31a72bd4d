"""File > Export Dataset: augmented variants of many images, with their masks,
labels and a manifest.

The dialog gathers what the command line's ``image-editor augment`` takes
(inputs, masks and labels folders matched by file name, the label format,
variants per input, the seed, the pipeline, the output folder) and runs the
same export (:mod:`editor.dataset_export`) off the GUI thread, on a
:class:`ui.render_worker.RenderWorker` like every long job of the window:
the progress bar follows the export's progress, Cancel stops it at its next
report, and the export's atomic writes leave only complete files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from editor.errors import EditorError, RenderCancelled

from .file_actions import OPEN_FILTER
from .preferences import settings
from .render_worker import RenderResult, RenderWorker

LABEL_FORMATS = (("none", "No labels"), ("yolo", "YOLO (one .txt per image)"), ("coco", "COCO (one .json)"))
MAX_VARIANTS = 10_000
MAX_SEED = 2**31 - 1
FOLDER_KEY = "folders/dataset"


class _Stop(Exception):
    """Cancel, carried through the export."""


def _start_folder(widget) -> str:
    """Where folder and file pickers open: the folder used last, else where
    the window's own dialogs open."""
    remembered = settings().value(FOLDER_KEY, "")
    if remembered:
        return str(remembered)
    window = widget.window().parent() if widget.window().parent() is not None else widget.window()
    files = getattr(window, "files", None)
    return files.start_folder() if files is not None else ""


def _export_module():
    from editor import dataset_export

    return dataset_export


class _FolderField(QWidget):
    """A folder: typed, or picked with Browse…"""

    def __init__(self, title: str, placeholder: str, parent=None):
        super().__init__(parent)
        self.title = title
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse\u2026")
        self.button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)

    def browse(self) -> None:
        start = self.edit.text() or _start_folder(self)
        folder = QFileDialog.getExistingDirectory(self, self.title, start)
        if folder:
            self.edit.setText(folder)
            settings().setValue(FOLDER_KEY, folder)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text) if text else None


class DatasetDialog(QDialog):
    """Export Dataset. ``pipeline`` and ``seed`` come from the Augment panel.

    Signals
    -------
    finished_export(str)
        ``"done"``, ``"cancelled"`` or ``"failed"`` when an export ends.
    """

    finished_export = Signal(str)

    def __init__(self, pipeline: list[dict], seed: int = 0, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export Dataset")
        self.pipeline = list(pipeline)
        self.summary: object = None  # what the last finished export reported
        self._running = False
        self._result: RenderResult | None = None
        self._failure: str | None = None
        self.worker = RenderWorker(self, name="dataset-export")
        self.worker.rendered.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.progressed.connect(self._on_progress)
        self.worker.busy_changed.connect(self._on_busy)

        self.inputs = QListWidget()
        self.inputs.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.inputs.setToolTip("Images to augment; a folder stands for every image in it")
        self.inputs.setMinimumHeight(110)
        add_files = QPushButton("Add Files\u2026")
        add_folder = QPushButton("Add Folder\u2026")
        remove = QPushButton("Remove")
        add_files.clicked.connect(self._add_files)
        add_folder.clicked.connect(self._add_folder)
        remove.clicked.connect(lambda: [self.inputs.takeItem(self.inputs.row(i)) for i in self.inputs.selectedItems()])
        input_buttons = QVBoxLayout()
        for button in (add_files, add_folder, remove):
            input_buttons.addWidget(button)
        input_buttons.addStretch(1)
        input_row = QHBoxLayout()
        input_row.addWidget(self.inputs, 1)
        input_row.addLayout(input_buttons)

        self.masks = _FolderField("Masks Folder", "Optional: masks named like their images")
        self.labels = _FolderField("Labels Folder", "Optional: labels named like their images")
        self.label_format = QComboBox()
        for key, title in LABEL_FORMATS:
            self.label_format.addItem(title, key)
        self.label_format.setCurrentIndex(1)
        self.label_format.currentIndexChanged.connect(self._label_format_changed)
        self.per_input = QSpinBox()
        self.per_input.setRange(1, MAX_VARIANTS)
        self.per_input.setValue(5)
        self.per_input.setToolTip("How many variants each input gives")
        self.seed = QSpinBox()
        self.seed.setRange(0, MAX_SEED)
        self.seed.setValue(seed)
        self.seed.setToolTip("The same seed writes the same files, here and on the command line")
        self.pipeline_label = QLabel()
        self.pipeline_label.setWordWrap(True)
        load_pipeline = QPushButton("Load\u2026")
        load_pipeline.setToolTip("Use a pipeline saved as JSON instead of the Augment panel's")
        load_pipeline.clicked.connect(self._load_pipeline)
        pipeline_row = QHBoxLayout()
        pipeline_row.addWidget(self.pipeline_label, 1)
        pipeline_row.addWidget(load_pipeline)
        self.output = _FolderField("Output Folder", "Where images, masks, labels and the manifest go")

        form = QFormLayout()
        form.addRow("Inputs", input_row)
        form.addRow("Masks", self.masks)
        form.addRow("Labels", self.labels)
        form.addRow("Label format", self.label_format)
        form.addRow("Variants per input", self.per_input)
        form.addRow("Seed", self.seed)
        form.addRow("Pipeline", pipeline_row)
        form.addRow("Output", self.output)

        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.reject)
        self.cancel_button.setToolTip("Stop the export: what is written stays, every file complete")

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(640, 520)
        self._show_pipeline()
        self._set_running(False)

    def _label_format_changed(self) -> None:
        # "No labels": the labels folder is not read, so it cannot be set.
        self.labels.setEnabled(self.label_format.currentData() != "none" and not self._running)

    # -- inputs ----------------------------------------------------------------------
    def add_inputs(self, paths) -> None:
        """Files or folders to export from."""
        present = {self.inputs.item(i).text() for i in range(self.inputs.count())}
        for path in paths:
            if str(path) not in present:
                self.inputs.addItem(str(path))
                present.add(str(path))

    def input_paths(self) -> list[Path]:
        return [Path(self.inputs.item(i).text()) for i in range(self.inputs.count())]

    def _add_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Add Images", _start_folder(self), OPEN_FILTER)
        if names:
            settings().setValue(FOLDER_KEY, str(Path(names[0]).parent))
            self.add_inputs(names)

    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add Folder", _start_folder(self))
        if folder:
            settings().setValue(FOLDER_KEY, folder)
            self.add_inputs([folder])

    def set_pipeline(self, pipeline: list[dict]) -> None:
        self.pipeline = list(pipeline)
        self._show_pipeline()

    def _show_pipeline(self) -> None:
        from processing.augment import TRANSFORMS

        names = [TRANSFORMS[s["transform"]].title for s in self.pipeline if s.get("p", 1) > 0]
        self.pipeline_label.setText(", ".join(names) if names else "Empty: every variant is a copy of its input")

    def _load_pipeline(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Load Pipeline", _start_folder(self),
                                              "Augmentation pipelines (*.json);;All files (*)")
        if not name:
            return
        from editor.augment_pipeline import load_pipeline

        try:
            self.set_pipeline(load_pipeline(name))
        except (EditorError, OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot load the pipeline", str(exc))

    # -- running ---------------------------------------------------------------------------
    def options(self) -> dict:
        """The export's settings, as the keyword arguments of the export."""
        label_format = self.label_format.currentData()
        return {
            "inputs": self.input_paths(),
            "output": self.output.path(),
            "pipeline": self.pipeline,
            "per_image": self.per_input.value(),
            "seed": self.seed.value(),
            "masks": self.masks.path(),
            "labels": self.labels.path() if label_format != "none" else None,
            "label_format": label_format if label_format != "none" else None,
        }

    def _problem(self, options: dict) -> str | None:
        if not options["inputs"]:
            return "Add the images to export (files or a folder)."
        if options["output"] is None:
            return "Choose the output folder."
        for name in ("masks", "labels"):
            folder = options[name]
            if folder is not None and not folder.is_dir():
                return f"The {name} folder {folder} does not exist."
        return None

    def start(self) -> None:
        """Export with the settings shown, off the GUI thread."""
        if self._running:
            return
        options = self.options()
        problem = self._problem(options)
        if problem:
            self.status.setText(problem)
            return
        self._result, self._failure = None, None
        self.progress.setValue(0)
        self.status.setText("Exporting\u2026")
        self._set_running(True)
        module = _export_module()

        def compute(_factor, _cancel, progress):
            def report(fraction: float) -> None:
                # The export treats an editor error inside an input as that
                # input's failure and goes on: a stop must be something else.
                try:
                    progress(fraction)
                except RenderCancelled:
                    raise _Stop() from None

            try:
                sources, categories, misses = module.find_sources(
                    options["inputs"], masks=options["masks"], labels=options["labels"],
                    label_format=options["label_format"], exclude=options["output"])
                result = module.export_dataset(
                    sources, options["output"], options["pipeline"], per_image=options["per_image"],
                    seed=options["seed"], label_format=options["label_format"], categories=categories,
                    progress=report)
            except _Stop:
                raise RenderCancelled("export cancelled") from None
            except OSError as exc:
                raise EditorError(str(exc)) from exc
            result.failures[:0] = misses
            return np.zeros((1, 1), np.float32), result

        self.worker.submit(compute, (1,), (1, 1))

    def cancel(self) -> None:
        """Stop the export at its next progress report."""
        if self._running:
            self.status.setText("Cancelling\u2026")
            self.worker.cancel()
        else:
            self.reject()

    def is_running(self) -> bool:
        return self._running

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.export_button.setEnabled(not running)
        self.cancel_button.setVisible(running)
        self.close_button.setVisible(not running)
        # Nothing the export reads may change under it: only Cancel stays.
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QLineEdit, QSpinBox, QComboBox, QListWidget, QPushButton)):
                if widget not in (self.cancel_button, self.close_button):
                    widget.setEnabled(not running)
        self._label_format_changed()

    def _on_progress(self, _generation: int, fraction: float) -> None:
        self.progress.setValue(int(fraction * 100))

    def _on_done(self, result: RenderResult) -> None:
        self._result = result
        self.summary = result.tag

    def _on_failed(self, _generation: int, message: str) -> None:
        self._failure = message

    def _on_busy(self, busy: bool) -> None:
        if busy or not self._running:
            return
        self._set_running(False)
        if self._result is not None:
            self.progress.setValue(100)
            self.status.setText(_summary_text(self.summary, self.output.path()))
            outcome = "done"
        elif self._failure is not None:
            self.status.setText(f"The export stopped: {self._failure}")
            outcome = "failed"
        else:
            self.status.setText("Cancelled. The files written so far are complete.")
            outcome = "cancelled"
        self.finished_export.emit(outcome)

    def reject(self) -> None:
        if self._running:
            self.cancel()
            return
        self.worker.shutdown()
        super().reject()

    def closeEvent(self, event) -> None:
        if self._running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)


def _summary_text(result, output: Path | None) -> str:
    """What the status line says when an export ends."""
    written = len(result.records)
    text = f"Done: {written} variant{'s' * (written != 1)} written to {output}, with a manifest."
    if result.failures:
        first = result.failures[0]
        more = f" (and {len(result.failures) - 1} more)" if len(result.failures) > 1 else ""
        text += f"\n{len(result.failures)} input{'s' * (len(result.failures) != 1)} skipped{more}: " \
                f"{Path(first.source).name}: {first.error}"
    return text
