"""The Augment panel: tune an augmentation pipeline while watching its variants.

Left, the pipeline: one box per transform with its chance of happening and a
range slider for each of its settings; transforms are added from a menu,
switched off, moved and removed; a seed; the grid's size; Save and Load of
the pipeline as JSON; and the *targets* of the current image (a mask or
label image, boxes, keypoints) drawn over every variant. Right, the grid of
variants of the current image, a check line saying what went wrong in the
shown variants (a new label value, a box dropped or clipped, a keypoint out
of frame), and the exact parameters of the variant clicked, with "Use as
Step" to keep that variant in the history.

The variants are drawn from a reduced copy of the current image (the
proxy), a little larger than a cell, on the panel's own render worker
(:class:`ui.render_worker.RenderWorker`, the scheme the canvas uses: the
newest request wins, a frame in progress still lands): a slider move on a
24-megapixel photo redraws the grid in a few tens of milliseconds. A
switched-off transform keeps its place with a chance of 0, so the other
transforms draw the same values as before (each draws from a stream seeded
by its position) and a saved pipeline gives the same variants headless.
"""
from __future__ import annotations

import json
import random
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from processing import augment as aug
from editor import augment_pipeline, augment_targets
from editor.document import Document
from editor.errors import EditorError

from .augment_grid import GridFrame, VariantGrid
from .augment_mosaic import Targets, check_line, grid_factor, make_grid
from .augment_rows import StepEditor
from editor.variant_text import format_drawn
from .history_commands import AddStepCommand
from .preferences import settings
from .render_worker import RenderResult, RenderWorker

GRID_SIZES = ((2, 2), (3, 3), (4, 4), (5, 5), (3, 2), (4, 3))
DEFAULT_GRID = (3, 3)
DEFAULT_PIPELINE = ("hflip", "rotate", "brightness", "contrast")
MAX_SEED = 2**31 - 1
VARIANT_OPERATION = "augment.variant"  # a step that applies one drawn variant
PIPELINE_FILTER = "Augmentation pipelines (*.json);;All files (*)"
PIPELINE_FOLDER_KEY = "folders/augment"
PIPELINE_KEY, SEED_KEY, GRID_KEY = "augment/pipeline", "augment/seed", "augment/grid"


# -- the panel -------------------------------------------------------------------------
class AugmentPanel(QWidget):
    """The Augment dock's contents. See the module docstring.

    Parameters
    ----------
    undo_stack : QUndoStack
        Where "Use as Step" pushes its command.

    Signals
    -------
    frame_shown(object)
        A new grid of variants is on screen (its :class:`GridFrame`).
    message(str, int)
        A status-bar message and how long to show it (ms).
    """

    frame_shown = Signal(object)
    message = Signal(str, int)

    def __init__(self, undo_stack=None, parent=None):
        super().__init__(parent)
        self.undo_stack = undo_stack
        self.document: Document | None = None
        self.targets = Targets()
        self.editors: list[StepEditor] = []
        self.worker = RenderWorker(self, name="augment-grid")
        self._base_lock = threading.Lock()
        self._base: tuple[object, np.ndarray] | None = None  # (what it was made from, proxy)
        self._shown_key = None
        self._submitted_key = None  # what the newest grid request draws
        self._targets_version = 0  # counts the targets loaded
        self._document_number = 0  # counts the documents followed
        self._build()
        self._restore()
        self.worker.rendered.connect(self._on_rendered)
        self.worker.failed.connect(self._on_failed)

    # -- building -------------------------------------------------------------------
    def _build(self) -> None:
        self.add_button = QToolButton(text="Add Transform")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.add_button)
        for family in ("geometric", "photometric"):
            menu.addSection(family.capitalize())
            for transform in aug.TRANSFORMS.values():
                if transform.family == family:
                    act = menu.addAction(transform.title)
                    act.setToolTip(transform.help)
                    act.triggered.connect(lambda _c=False, n=transform.name: self.add_transform(n))
        menu.setToolTipsVisible(True)
        self.add_button.setMenu(menu)
        self.load_button = QPushButton("Load\u2026")
        self.load_button.setToolTip("Load a pipeline saved as JSON")
        self.save_button = QPushButton("Save\u2026")
        self.save_button.setToolTip("Save the pipeline as JSON (for Export Dataset and the command line)")
        self.load_button.clicked.connect(self.load_dialog)
        self.save_button.clicked.connect(self.save_dialog)
        top = QHBoxLayout()
        top.addWidget(self.add_button)
        top.addStretch(1)
        top.addWidget(self.load_button)
        top.addWidget(self.save_button)

        self.steps_host = QWidget()
        self.steps_layout = QVBoxLayout(self.steps_host)
        self.steps_layout.setContentsMargins(0, 0, 0, 0)
        self.steps_layout.setSpacing(4)
        self.steps_layout.addStretch(1)
        self.empty_label = QLabel("No transforms: add one with Add Transform.")
        self.empty_label.setStyleSheet("color: palette(mid);")
        self.steps_layout.insertWidget(0, self.empty_label)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.steps_host)

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setValue(0)
        self.seed_spin.setKeyboardTracking(False)
        self.seed_spin.setToolTip("The same seed always gives the same variants, here, in Export Dataset "
                                  "and on the command line")
        self.seed_spin.setAccessibleName("Seed")
        self.reseed_button = QToolButton(text="New")
        self.reseed_button.setToolTip("Pick another seed at random: other variants")
        self.reseed_button.clicked.connect(lambda: self.seed_spin.setValue(random.randrange(MAX_SEED)))
        self.grid_combo = QComboBox()
        for rows, columns in GRID_SIZES:
            self.grid_combo.addItem(f"{columns} \u00d7 {rows}", (rows, columns))
        self.grid_combo.setCurrentIndex(GRID_SIZES.index(DEFAULT_GRID))
        self.grid_combo.setToolTip("How many variants the grid shows (columns \u00d7 rows)")
        self.grid_combo.setAccessibleName("Grid size")
        options = QHBoxLayout()
        options.addWidget(QLabel("Seed"))
        options.addWidget(self.seed_spin, 1)
        options.addWidget(self.reseed_button)
        options.addSpacing(8)
        options.addWidget(QLabel("Grid"))
        options.addWidget(self.grid_combo)

        targets = QGroupBox("Targets of the current image")
        self.mask_button = QPushButton("Mask\u2026")
        self.mask_button.setToolTip("A mask or label image of the same size as the image (PNG, TIFF)")
        self.boxes_button = QPushButton("Boxes\u2026")
        self.boxes_button.setToolTip("Bounding boxes: YOLO text (.txt), COCO JSON (.json) or CSV "
                                     "(x_min, y_min, x_max, y_max in pixels)")
        self.keypoints_button = QPushButton("Keypoints\u2026")
        self.keypoints_button.setToolTip("Keypoints: CSV or text, one x, y pair in pixels a line")
        self.clear_targets_button = QPushButton("Clear")
        self.clear_targets_button.setToolTip("Forget the loaded mask, boxes and keypoints")
        self.targets_label = QLabel("None loaded")
        self.targets_label.setWordWrap(True)
        self.targets_label.setStyleSheet("color: palette(mid);")
        buttons = QGridLayout(targets)
        buttons.addWidget(self.mask_button, 0, 0)
        buttons.addWidget(self.boxes_button, 0, 1)
        buttons.addWidget(self.keypoints_button, 0, 2)
        buttons.addWidget(self.clear_targets_button, 0, 3)
        buttons.addWidget(self.targets_label, 1, 0, 1, 4)
        self.mask_button.clicked.connect(self.load_mask_dialog)
        self.boxes_button.clicked.connect(self.load_boxes_dialog)
        self.keypoints_button.clicked.connect(self.load_keypoints_dialog)
        self.clear_targets_button.clicked.connect(lambda: self.set_targets(Targets()))

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.setContentsMargins(4, 4, 4, 4)
        left.addLayout(top)
        left.addWidget(scroll, 1)
        left.addLayout(options)
        left.addWidget(targets)

        self.grid = VariantGrid()
        self.check_label = QLabel()
        self.check_label.setWordWrap(True)
        self.check_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.check_label.setAccessibleName("Check")
        self.variant_title = QLabel("Click a variant")
        self.variant_title.setStyleSheet("font-weight: bold;")
        self.params_view = QPlainTextEdit()
        self.params_view.setReadOnly(True)
        self.params_view.setMinimumWidth(220)
        self.params_view.setPlaceholderText("The exact parameters drawn for the variant you click")
        self.params_view.setAccessibleName("Drawn parameters")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the variant's parameters as JSON")
        self.use_button = QPushButton("Use as Step")
        self.use_button.setToolTip("Add this exact variant to the image's history as a step (Enter in the grid)")
        self.copy_button.clicked.connect(self.copy_variant)
        self.use_button.clicked.connect(self.use_selected)
        # The grid takes the dock's whole height; the chosen variant's
        # parameters and what to do with it sit in a column beside it.
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.use_button, 1)
        details = QVBoxLayout()
        details.addWidget(self.variant_title)
        details.addWidget(self.params_view, 1)
        details.addLayout(buttons)
        grid_column = QVBoxLayout()
        grid_column.addWidget(self.grid, 1)
        grid_column.addWidget(self.check_label)
        view = QWidget()
        right = QHBoxLayout(view)
        right.setContentsMargins(4, 4, 4, 4)
        right.addLayout(grid_column, 3)
        right.addLayout(details, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(controls)
        self.splitter.addWidget(view)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.seed_spin.valueChanged.connect(lambda _v: self.schedule())
        self.grid_combo.currentIndexChanged.connect(self._grid_size_changed)
        self.grid.selected.connect(self._show_selected)
        self.grid.activated.connect(lambda _i: self.use_selected())
        self._show_selected(-1)

    # -- the pipeline ------------------------------------------------------------------
    def add_transform(self, name: str, step: dict | None = None, schedule: bool = True,
                      enabled: bool = True) -> StepEditor:
        """Add a transform at the end (with its default ranges unless ``step`` says)."""
        editor = StepEditor(step or aug.default_step(name), enabled)
        editor.changed.connect(lambda final: self.schedule())
        editor.remove_requested.connect(lambda: self.remove_transform(self.editors.index(editor)))
        editor.move_requested.connect(lambda d: self.move_transform(self.editors.index(editor), d))
        self.editors.append(editor)
        self.steps_layout.insertWidget(len(self.editors) - 1, editor)
        self.empty_label.setVisible(False)
        if schedule:
            self.schedule()
        return editor

    def remove_transform(self, index: int) -> None:
        editor = self.editors.pop(index)
        self.steps_layout.removeWidget(editor)
        editor.deleteLater()
        self.empty_label.setVisible(not self.editors)
        self.schedule()

    def move_transform(self, index: int, direction: int) -> None:
        target = index + direction
        if not 0 <= target < len(self.editors):
            return
        editor = self.editors.pop(index)
        self.editors.insert(target, editor)
        self.steps_layout.removeWidget(editor)
        self.steps_layout.insertWidget(target, editor)
        self.schedule()

    def pipeline(self) -> list[dict]:
        """The pipeline as data, switched-off transforms with a chance of 0."""
        return [editor.step() for editor in self.editors]

    def set_pipeline(self, pipeline: list[dict]) -> None:
        """Show ``pipeline`` (checked first: an error leaves the panel as it was)."""
        steps = aug.check_pipeline(pipeline)
        for editor in self.editors:
            self.steps_layout.removeWidget(editor)
            editor.deleteLater()
        self.editors = []
        for step in steps:
            self.add_transform(step["transform"], step, schedule=False)
        self.empty_label.setVisible(not self.editors)
        self.schedule()

    def seed(self) -> int:
        return self.seed_spin.value()

    def grid_size(self) -> tuple[int, int]:
        """(rows, columns)."""
        return self.grid_combo.currentData()

    def _grid_size_changed(self) -> None:
        self.grid.set_layout(*self.grid_size())
        self.schedule()

    # -- documents and targets ---------------------------------------------------------------
    def set_document(self, document: Document | None) -> None:
        """Follow ``document`` (the window's): the grid shows variants of its
        current image and redraws when its steps change."""
        self.document = document
        self._document_number += 1  # names it in frame keys (an id() may be reused)
        self._submitted_key = None
        self.targets = Targets()
        self._targets_version += 1
        self._update_targets_label()
        with self._base_lock:
            self._base = None
        if document is not None:
            document.subscribe(lambda d=document: self._document_changed(d))
        self.grid.set_frame(None)
        self.schedule()

    def _document_changed(self, document: Document) -> None:
        if document is self.document:
            self.schedule()

    def set_targets(self, targets: Targets) -> None:
        """Mask, boxes and keypoints of the current image, in its pixels."""
        if self.document is not None and targets.mask is not None:
            shape = self.document.shape_after()
            if targets.mask.shape[:2] != shape:
                raise EditorError(f"the mask is {targets.mask.shape[1]} \u00d7 {targets.mask.shape[0]} pixels, "
                                  f"the image {shape[1]} \u00d7 {shape[0]}")
        self.targets = targets
        self._targets_version += 1
        self._update_targets_label()
        self.schedule()

    def _update_targets_label(self) -> None:
        t = self.targets
        parts = []
        if t.mask is not None:
            values = np.unique(t.mask)
            parts.append(f"a mask ({len(values)} label value{'s' * (len(values) != 1)})")
        if t.boxes is not None:
            parts.append(f"{len(t.boxes)} box{'es' * (len(t.boxes) != 1)}")
        if t.keypoints is not None:
            parts.append(f"{len(t.keypoints)} keypoint{'s' * (len(t.keypoints) != 1)}")
        self.targets_label.setText("Drawn over the variants: " + ", ".join(parts) if parts else "None loaded")

    # -- the grid -------------------------------------------------------------------------------
    def schedule(self) -> None:
        """Redraw the grid (off the GUI thread) if it is on screen."""
        document = self.document
        if document is None:
            self.grid.set_placeholder("Open an image to see its variants")
            return
        if not self.isVisible():
            return  # the dock is closed: nothing to draw; showing it asks again
        try:
            pipeline = aug.check_pipeline(self.pipeline())
        except ValueError as exc:
            self.check_label.setText(f"Cannot draw the variants: {exc}")
            return
        rows, columns = self.grid_size()
        count = rows * columns
        shape = document.shape_after()
        cell = self.grid.cell_rect(0)
        ratio = self.grid.devicePixelRatioF()
        factor = grid_factor(shape, (int(cell.width() * ratio), int(cell.height() * ratio)))
        seed, targets, steps = self.seed(), self.targets, document.steps
        if targets.mask is not None and targets.mask.shape[:2] != shape:
            # A step changed the image's size since the mask was loaded.
            targets = Targets(None, targets.boxes, targets.keypoints)
            self.message.emit("The mask no longer fits the image (a step changed its size): not drawn", 6000)
        base_key = (self._document_number, document.revision, factor)
        key = (base_key, json.dumps(pipeline), seed, count, self._targets_version, targets.mask is None, factor)
        if key == self._submitted_key:
            return  # the same grid again (a gesture's end after its last move)
        self._submitted_key = key

        def compute(_factor, cancel, progress):
            base = self._proxy(document, steps, base_key, factor, cancel)
            mosaic, views = make_grid(base, shape, pipeline, seed, count, targets, factor, cancel)
            return mosaic, (key, rows, columns, views, targets)

        self.worker.submit(compute, (1,), (1, 1), live=True)

    def _proxy(self, document, steps, base_key, factor, cancel) -> np.ndarray:
        """The current image reduced by ``factor``, kept between frames (a
        slider move only redraws the variants)."""
        with self._base_lock:
            if self._base is not None and self._base[0] == base_key:
                return self._base[1]
        base = document.render(steps=steps, factor=factor, cancel=cancel)
        with self._base_lock:
            self._base = (base_key, base)
        return base

    def _on_rendered(self, result: RenderResult) -> None:
        key, rows, columns, views, targets = result.tag
        if self.document is None or key[0][0] != self._document_number:
            return  # a frame of the image open before
        frame = GridFrame(result.image, rows, columns, views, key)
        self._shown_key = key
        self.grid.set_frame(frame)
        self.check_label.setText(check_line(views, targets))
        self._show_selected(self.grid.selected_index())
        self.frame_shown.emit(frame)

    def _on_failed(self, _generation: int, message: str) -> None:
        self.check_label.setText(f"Cannot draw the variants: {message}")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.schedule()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.isVisible():
            # A resize may change the proxy's resolution; one redraw when it settles.
            if not hasattr(self, "_resize_timer"):
                self._resize_timer = QTimer(self, singleShot=True, interval=150)
                self._resize_timer.timeout.connect(self.schedule)
            self._resize_timer.start()

    def shutdown(self) -> None:
        """The window closes: stop drawing, and remember the pipeline, seed and
        grid size for next time."""
        self.worker.shutdown()
        store = settings()
        try:
            store.setValue(PIPELINE_KEY, augment_pipeline.dumps_pipeline(self.pipeline()))
        except EditorError:
            pass  # nothing worth keeping
        store.setValue(SEED_KEY, self.seed())
        store.setValue(GRID_KEY, self.grid_combo.currentIndex())

    def _restore(self) -> None:
        # The settings file is untrusted like any file: a pipeline that does
        # not check out is dropped for the default one.
        store = settings()
        try:
            steps = augment_pipeline.loads_pipeline(str(store.value(PIPELINE_KEY, "")))
        except (EditorError, ValueError, TypeError):
            steps = [aug.default_step(name) for name in DEFAULT_PIPELINE]
        for step in steps:
            self.add_transform(step["transform"], step, schedule=False)
        self.empty_label.setVisible(not self.editors)
        try:
            self.seed_spin.setValue(min(MAX_SEED, max(0, int(store.value(SEED_KEY, 0)))))
            index = int(store.value(GRID_KEY, GRID_SIZES.index(DEFAULT_GRID)))
        except (TypeError, ValueError):
            index = GRID_SIZES.index(DEFAULT_GRID)
        if 0 <= index < len(GRID_SIZES):
            self.grid_combo.setCurrentIndex(index)

    def export_dataset_dialog(self, parent=None) -> None:
        """File > Export Dataset: this pipeline and seed, many files."""
        from .dataset_dialog import DatasetDialog

        dialog = DatasetDialog(self.pipeline(), self.seed(), parent or self)
        dialog.exec()

    # -- the selected variant ---------------------------------------------------------------------
    def _show_selected(self, index: int) -> None:
        variant = self.grid.selected_variant()
        has = variant is not None
        self.use_button.setEnabled(has and self.document is not None and self.undo_stack is not None)
        self.copy_button.setEnabled(has)
        if not has:
            self.variant_title.setText("Click a variant")
            self.params_view.setPlainText("")
            return
        self.variant_title.setText(f"Variant {variant.index + 1}")
        text = format_drawn(variant.drawn)
        if variant.problems:
            text += "\nCheck: " + "; ".join(variant.problems)
        self.params_view.setPlainText(text)

    def copy_variant(self) -> None:
        variant = self.grid.selected_variant()
        if variant is not None:
            QGuiApplication.clipboard().setText(json.dumps(variant.drawn))
            self.message.emit("The variant's parameters are on the clipboard", 3000)

    def use_selected(self) -> None:
        """Add the selected variant to the history as an ordinary step."""
        variant = self.grid.selected_variant()
        document = self.document
        if variant is None or document is None or self.undo_stack is None:
            return
        try:
            step = document.make_step(VARIANT_OPERATION, variant=variant.drawn)
        except EditorError as exc:
            self.message.emit(f"Cannot use the variant: {exc}", 6000)
            return
        self.undo_stack.push(AddStepCommand(document, step))
        self.message.emit(f"Variant {variant.index + 1} added as a step", 4000)

    # -- files ---------------------------------------------------------------------------------------
    def _folder(self) -> str:
        return str(settings().value(PIPELINE_FOLDER_KEY, "") or "")

    def _remember_folder(self, path: str) -> None:
        settings().setValue(PIPELINE_FOLDER_KEY, str(Path(path).parent))

    def save_dialog(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, "Save Pipeline", str(Path(self._folder()) / "augment.json"),
                                              PIPELINE_FILTER)
        if not name:
            return False
        if not name.lower().endswith(".json"):
            name += ".json"
        self._remember_folder(name)
        return self.save_pipeline(name)

    def save_pipeline(self, path: str | Path) -> bool:
        try:
            augment_pipeline.save_pipeline(path, self.pipeline())
        except (EditorError, OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot save the pipeline", str(exc))
            return False
        self.message.emit(f"Saved the pipeline to {Path(path).name}", 4000)
        return True

    def load_dialog(self) -> bool:
        name, _ = QFileDialog.getOpenFileName(self, "Load Pipeline", self._folder(), PIPELINE_FILTER)
        if not name:
            return False
        self._remember_folder(name)
        return self.load_pipeline(name)

    def load_pipeline(self, path: str | Path) -> bool:
        try:
            pipeline = augment_pipeline.load_pipeline(path)
            self.set_pipeline(pipeline)
        except (EditorError, OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot load the pipeline", str(exc))
            return False
        self.message.emit(f"Loaded the pipeline {Path(path).name}", 4000)
        return True

    def _target_dialog(self, title: str, filter_text: str) -> str:
        folder = ""
        if self.document is not None and self.document.info.path:
            folder = str(Path(self.document.info.path).parent)
        name, _ = QFileDialog.getOpenFileName(self, title, folder, filter_text)
        return name

    def _load_target(self, load) -> bool:
        try:
            self.set_targets(load())
        except (EditorError, OSError, ValueError) as exc:
            QMessageBox.warning(self, "Cannot load the targets", str(exc))
            return False
        return True

    def load_mask_dialog(self) -> bool:
        name = self._target_dialog("Load Mask", "Images (*.png *.tif *.tiff *.bmp);;All files (*)")
        return bool(name) and self.load_mask(name)

    def load_boxes_dialog(self) -> bool:
        name = self._target_dialog("Load Boxes", "Boxes (*.txt *.json *.csv);;All files (*)")
        return bool(name) and self.load_boxes(name)

    def load_keypoints_dialog(self) -> bool:
        name = self._target_dialog("Load Keypoints", "Keypoints (*.csv *.txt);;All files (*)")
        return bool(name) and self.load_keypoints(name)

    def _image_name(self) -> str | None:
        path = self.document.info.path if self.document is not None else None
        return Path(path).name if path else None

    def _shape(self) -> tuple[int, int]:
        if self.document is None:
            raise EditorError("Open an image first: the targets belong to it")
        return self.document.shape_after()

    def load_mask(self, path: str | Path) -> bool:
        """A mask or label image of the current image."""
        return self._load_target(lambda: Targets(augment_targets.load_mask(path, self._shape()),
                                                 self.targets.boxes, self.targets.keypoints))

    def load_boxes(self, path: str | Path) -> bool:
        """Boxes (YOLO, COCO with its keypoints, or CSV) of the current image."""
        def load():
            boxes, keypoints = augment_targets.load_boxes(path, self._shape(), self._image_name())
            return Targets(self.targets.mask, boxes, keypoints if keypoints is not None else self.targets.keypoints)
        return self._load_target(load)

    def load_keypoints(self, path: str | Path) -> bool:
        """Keypoints (CSV or COCO) of the current image."""
        return self._load_target(lambda: Targets(self.targets.mask, self.targets.boxes,
                                                 augment_targets.load_keypoints(path, self._image_name())))

TOGGLE_SHORTCUT = "Ctrl+Alt+A"


def add_augment_dock(window) -> AugmentPanel:
    """Put the Augment panel in a dock of ``window`` (a MainWindow), hidden
    until View > Panels > Augment (Ctrl+Alt+A); also make File > Export
    Dataset (``panel.export_dataset_action``). Returns the panel."""
    from PySide6.QtWidgets import QDockWidget

    from .actions import make_action

    panel = AugmentPanel(window.undo_stack)
    dock = QDockWidget("Augment", window)
    dock.setObjectName("augment")
    dock.setWidget(panel)
    # Below the canvas: the grid wants width, the pipeline its own column.
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setShortcut(TOGGLE_SHORTCUT)
    toggle.setToolTip(f"Show or hide the Augment panel ({TOGGLE_SHORTCUT})")
    toggle.toggled.connect(lambda on: on and window.resizeDocks([dock], [max(340, window.height() * 2 // 5)],
                                                                  Qt.Orientation.Vertical))
    panel.message.connect(window.statusBar().showMessage)
    panel.export_dataset_action = make_action(
        window, "Export &Dataset\u2026", lambda: panel.export_dataset_dialog(window),
        tip="Write augmented variants of many images, with their masks, labels and a manifest")
    return panel
