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
import math
import random
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
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
from editor.errors import EditorError, RenderCancelled

from .augment_grid import GridFrame, VariantGrid, VariantView
from editor.variant_text import format_drawn
from .history_commands import AddStepCommand
from .preferences import settings
from .range_slider import RangeSlider
from .render_worker import RenderResult, RenderWorker

SLIDER_STEPS = 1000
GRID_SIZES = ((2, 2), (3, 3), (4, 4), (5, 5), (3, 2), (4, 3))
DEFAULT_GRID = (3, 3)
DEFAULT_PIPELINE = ("hflip", "rotate", "brightness", "contrast")
MAX_SEED = 2**31 - 1
VARIANT_OPERATION = "augment.variant"  # a step that applies one drawn variant
PIPELINE_FILTER = "Augmentation pipelines (*.json);;All files (*)"
PIPELINE_FOLDER_KEY = "folders/augment"
PIPELINE_KEY, SEED_KEY, GRID_KEY = "augment/pipeline", "augment/seed", "augment/grid"
# Mask labels are tinted over the variants in these colours (label 1 first).
MASK_COLOURS = np.array([(255, 64, 64), (64, 160, 255), (255, 210, 0), (80, 220, 120), (200, 90, 255),
                         (255, 140, 40)], np.float32) / 255.0
MASK_OPACITY = 0.45


# -- one range, one transform ------------------------------------------------------
class RangeRow(QWidget):
    """A range setting: a two-handled slider between two number boxes.

    Signals
    -------
    changed(bool)
        The range moved; True when the gesture ended.
    """

    changed = Signal(bool)

    def __init__(self, spec, values, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.slider = RangeSlider()
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setSingleStep(SLIDER_STEPS // 200)
        self.slider.setPageStep(SLIDER_STEPS // 20)
        unit = f" ({spec.unit})" if spec.unit else ""
        help_text = (spec.help + "\n\n" if spec.help else "") + (
            "Drag a handle, or the span between them to move both; Ctrl or Shift for fine control. "
            "Arrow keys move the highlighted handle, Tab goes to the other. Double-click to reset.")
        self.slider.setToolTip(help_text)
        self.slider.setAccessibleName(f"{spec.label}{unit} range")
        self.low_spin, self.high_spin = self._spin("from"), self._spin("to")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.low_spin)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.high_spin)
        self._syncing = False
        self.set_values(*values)
        self.slider.range_changed.connect(self._slider_moved)
        self.slider.slider_released.connect(lambda: self.changed.emit(True))
        self.slider.reset_requested.connect(self.reset)
        self.low_spin.valueChanged.connect(lambda _v: self._spin_changed())
        self.high_spin.valueChanged.connect(lambda _v: self._spin_changed())
        # Keys and the wheel have no release: a pause ends their gesture.
        self._pause = QTimer(self, singleShot=True, interval=350)
        self._pause.timeout.connect(lambda: self.changed.emit(True))

    def _spin(self, end: str):
        spec = self.spec
        spin = QSpinBox() if spec.integer else QDoubleSpinBox()
        if not spec.integer:
            span = spec.maximum - spec.minimum
            spin.setDecimals(3 if span <= 2 else 2 if span <= 50 else 1)
            spin.setSingleStep(span / 100)
        spin.setRange(int(spec.minimum) if spec.integer else spec.minimum,
                      int(spec.maximum) if spec.integer else spec.maximum)
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(64)
        spin.setToolTip(f"{spec.label}: {end}")
        spin.setAccessibleName(f"{spec.label} {end}")
        return spin

    # Slider position t in [0, 1] <-> value; log ranges (scale, gamma) put 1
    # in the middle, where it belongs.
    def to_value(self, position: int) -> float:
        spec, t = self.spec, position / SLIDER_STEPS
        if spec.log and spec.minimum > 0:
            value = math.exp(math.log(spec.minimum) + t * (math.log(spec.maximum) - math.log(spec.minimum)))
        else:
            value = spec.minimum + t * (spec.maximum - spec.minimum)
        return float(round(value)) if spec.integer else value

    def to_position(self, value: float) -> int:
        spec = self.spec
        if spec.log and spec.minimum > 0:
            t = (math.log(max(value, spec.minimum)) - math.log(spec.minimum)) / (
                math.log(spec.maximum) - math.log(spec.minimum))
        else:
            t = (value - spec.minimum) / max(spec.maximum - spec.minimum, 1e-12)
        return int(round(min(1.0, max(0.0, t)) * SLIDER_STEPS))

    def values(self) -> list[float]:
        low, high = float(self.low_spin.value()), float(self.high_spin.value())
        return [min(low, high), max(low, high)]

    def set_values(self, low: float, high: float) -> None:
        """Show ``[low, high]`` without emitting ``changed``."""
        self._syncing = True
        self.low_spin.setValue(int(low) if self.spec.integer else low)
        self.high_spin.setValue(int(high) if self.spec.integer else high)
        self.slider.set_values(self.to_position(low), self.to_position(high))
        self._syncing = False

    def reset(self) -> None:
        self.set_values(*self.spec.default)
        self.changed.emit(True)

    def _slider_moved(self, low: int, high: int) -> None:
        if self._syncing:
            return
        self._syncing = True
        # Only the end that moved takes the slider's value: the other keeps
        # what was typed, however the slider rounds it.
        if self.to_position(self.low_spin.value()) != low:
            self.low_spin.setValue(self._spin_value(low))
        if self.to_position(self.high_spin.value()) != high:
            self.high_spin.setValue(self._spin_value(high))
        self._syncing = False
        self.changed.emit(False)
        if not self.slider.is_slider_down():
            self._pause.start()  # keys or the wheel: their gesture ends with a pause

    def _spin_value(self, position: int):
        value = self.to_value(position)
        return int(value) if self.spec.integer else value

    def _spin_changed(self) -> None:
        if self._syncing:
            return
        low, high = self.values()
        self._syncing = True
        self.slider.set_values(self.to_position(low), self.to_position(high))
        self._syncing = False
        self.changed.emit(True)


class StepEditor(QFrame):
    """One transform of the pipeline: on/off, chance, settings, move, remove.

    Signals
    -------
    changed(bool)
        A setting changed; True when the gesture ended.
    remove_requested(), move_requested(int)
        The × button; the ↑ and ↓ buttons (-1 or +1).
    """

    changed = Signal(bool)
    remove_requested = Signal()
    move_requested = Signal(int)

    def __init__(self, step: dict, enabled: bool = True, parent=None):
        super().__init__(parent)
        self.transform = aug.TRANSFORMS[step["transform"]]
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.enabled_box = QCheckBox(self.transform.title)
        self.enabled_box.setChecked(enabled)
        self.enabled_box.setStyleSheet("font-weight: bold;")
        self.enabled_box.setToolTip(f"{self.transform.help}\n\nUntick to switch it off without losing its settings.")
        self.chance = QSpinBox()
        self.chance.setRange(0, 100)
        self.chance.setSuffix(" %")
        self.chance.setValue(int(round(step["p"] * 100)))
        self.chance.setKeyboardTracking(False)
        self.chance.setToolTip("Chance that this transform happens in a variant")
        self.chance.setAccessibleName(f"{self.transform.title} chance")
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.enabled_box, 1)
        header.addWidget(QLabel("Chance"))
        header.addWidget(self.chance)
        for text, tip, slot in (("\u2191", "Move up", lambda: self.move_requested.emit(-1)),
                                ("\u2193", "Move down", lambda: self.move_requested.emit(1)),
                                ("\u00d7", "Remove this transform", self.remove_requested.emit)):
            button = QToolButton(text=text, toolTip=tip)
            button.setAutoRaise(True)
            button.setAccessibleName(tip)
            button.clicked.connect(lambda _checked=False, s=slot: s())
            header.addWidget(button)
        form = QFormLayout()
        form.setContentsMargins(18, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.rows: dict[str, Any] = {}
        for spec in self.transform.params:
            if isinstance(spec, aug.Choice):
                widget = QComboBox()
                widget.addItems(list(spec.choices))
                widget.setCurrentText(step[spec.name])
                widget.setToolTip(spec.help)
                widget.currentTextChanged.connect(lambda _t: self.changed.emit(True))
            else:
                widget = RangeRow(spec, step[spec.name])
                widget.changed.connect(self.changed)
            unit = getattr(spec, "unit", "")
            label = QLabel(spec.label + (f" ({unit})" if unit else ""))
            label.setToolTip(spec.help)
            form.addRow(label, widget)
            self.rows[spec.name] = widget
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 6)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addLayout(form)
        self.enabled_box.toggled.connect(self._enabled_changed)
        self.chance.valueChanged.connect(lambda _v: self.changed.emit(True))
        self._enabled_changed(enabled, emit=False)

    def _enabled_changed(self, on: bool, emit: bool = True) -> None:
        self.chance.setEnabled(on)
        for widget in self.rows.values():
            widget.setEnabled(on)
        if emit:
            self.changed.emit(True)

    def is_enabled(self) -> bool:
        return self.enabled_box.isChecked()

    def step(self) -> dict:
        """The pipeline step this box shows; switched off, its chance is 0 (see
        the module docstring)."""
        step: dict[str, Any] = {"transform": self.transform.name,
                                "p": self.chance.value() / 100 if self.is_enabled() else 0.0}
        for name, widget in self.rows.items():
            step[name] = widget.currentText() if isinstance(widget, QComboBox) else widget.values()
        return step


# -- the preview computation ---------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    """What is drawn over each variant, in the current image's full-size pixels."""

    mask: np.ndarray | None = None  # (H, W) label image
    boxes: np.ndarray | None = None  # (N, 4) x_min, y_min, x_max, y_max
    keypoints: np.ndarray | None = None  # (K, 2) x, y

    @property
    def empty(self) -> bool:
        return self.mask is None and self.boxes is None and self.keypoints is None


def full_shape(document: Document) -> tuple[int, int]:
    """Height and width of the current image (after every step), from the
    operations' declared output shapes: nothing is rendered."""
    shape = document.source.shape[:2]
    for step in document.steps:
        if step.enabled:
            op = document.catalog.get(step.op_id)
            if op.changes_size:
                shape = op.result_shape(shape, step.params)[:2]
    return int(shape[0]), int(shape[1])


def grid_factor(shape: tuple[int, int], cell_px: tuple[int, int]) -> int:
    """The reduction of the current image for the grid: the largest factor
    of the form 2^k or 3 * 2^k that keeps the proxy at least as big as a
    cell. Such factors are at most 1.5 times finer than needed (the variants
    cost what their pixels cost), and each reduces from a finer one already
    in the render cache (half of it) instead of from the whole photo.

    Examples
    --------
    >>> grid_factor((4000, 6000), (300, 200)), grid_factor((4000, 6000), (190, 120))
    (16, 24)
    >>> grid_factor((60, 80), (300, 200))
    1
    """
    h, w = shape
    cw, ch = max(1, cell_px[0]), max(1, cell_px[1])
    ideal = max(1, min(w // cw, h // ch))
    power = 1 << (ideal.bit_length() - 1)
    return 3 * power // 2 if power >= 2 and 3 * power // 2 <= ideal else power


def _proxy_targets(targets: Targets, factor: int, proxy_shape: tuple[int, int]) -> Targets:
    """Targets at the proxy's resolution: the mask read at the centre of each
    proxy pixel (nearest, so it keeps its label values), points divided."""
    mask = targets.mask
    if mask is not None and factor > 1:
        ph, pw = proxy_shape
        rows = np.minimum(np.arange(ph) * factor + factor // 2, mask.shape[0] - 1)
        cols = np.minimum(np.arange(pw) * factor + factor // 2, mask.shape[1] - 1)
        mask = mask[rows[:, None], cols[None, :]]
    scale = 1.0 / factor
    boxes = targets.boxes * scale if targets.boxes is not None else None
    keypoints = targets.keypoints * scale if targets.keypoints is not None else None
    return Targets(mask, boxes, keypoints)


def _display_rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.repeat(image[..., None], 3, axis=2)
    return image[..., :3]


def _tint(rgb: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Labels above 0 tinted in their colour over the image (a colour mask
    in its own colours)."""
    if mask.ndim == 3:
        colour = mask[..., :3].astype(np.float32)
        top = float(np.iinfo(mask.dtype).max) if mask.dtype.kind in "ui" else max(1.0, float(colour.max()))
        colour /= top
        where = colour.max(axis=2) > 0
        out = np.array(rgb, np.float32, copy=True)
        out[where] = out[where] * (1 - MASK_OPACITY) + colour[where] * MASK_OPACITY
        return out
    labels = mask.astype(np.int64, copy=False)
    where = labels > 0
    if not where.any():
        return rgb
    out = np.array(rgb, np.float32, copy=True)
    colours = MASK_COLOURS[(labels[where] - 1) % len(MASK_COLOURS)]
    out[where] = out[where] * (1 - MASK_OPACITY) + colours * MASK_OPACITY
    return out


def describe_check(check) -> list[str]:
    """What the check line says about one variant (nothing when all is well)."""
    return [] if check.ok else [check.summary()]


def make_grid(base: np.ndarray, shape: tuple[int, int], pipeline: list[dict], seed: int, count: int,
              targets: Targets, factor: int, cancel=None) -> tuple[np.ndarray, list[VariantView]]:
    """The mosaic of ``count`` variants of ``base`` (the current image reduced
    by ``factor``, its full size ``shape``) and what each cell holds.

    Variant ``i`` is drawn with the seed ``(seed, 0, i)``: the grid shows the
    variants a dataset export with this seed makes of its first input.
    """
    proxied = _proxy_targets(targets, factor, base.shape[:2])
    results = []
    for index in range(count):
        if cancel is not None and cancel():
            raise RenderCancelled("grid superseded")
        drawn = aug.sample(pipeline, aug.variant_seed(seed, 0, index), shape)
        out = aug.apply(base, drawn, masks=() if proxied.mask is None else (proxied.mask,),
                              boxes=proxied.boxes, keypoints=proxied.keypoints)
        results.append((drawn, out))
    cell_h = max(out.image.shape[0] for _, out in results)
    cell_w = max(out.image.shape[1] for _, out in results)
    columns = max(1, min(count, math.ceil(math.sqrt(count))))
    rows = math.ceil(count / columns)
    mosaic = np.zeros((rows * cell_h, columns * cell_w, 3), np.float32)
    views = []
    for index, (drawn, out) in enumerate(results):
        rgb = _display_rgb(out.image)
        if out.masks:
            rgb = _tint(rgb, out.masks[0])
        h, w = rgb.shape[:2]
        row, column = divmod(index, columns)
        y, x = row * cell_h, column * cell_w
        mosaic[y : y + h, x : x + w] = rgb
        clipped = set(out.check.boxes_clipped)
        boxes = [(*map(float, box), int(i) in clipped) for box, i in zip(out.boxes, out.box_indices)]
        keypoints = [(float(kx), float(ky), bool(inside)) for (kx, ky), inside in zip(out.keypoints, out.keypoints_inside)]
        views.append(VariantView(index, (x, y, w, h), drawn, boxes, keypoints, describe_check(out.check), out.check))
    return mosaic, views


def check_line(views: list[VariantView], targets: Targets) -> str:
    """The line under the grid: what went wrong in the shown variants, in
    total, and which variants (each one's own report is with its parameters)."""
    if targets.empty:
        return "No mask, boxes or keypoints loaded: nothing to check."
    line = aug.Check.combined([v.check for v in views])
    which = [str(v.index + 1) for v in views if v.problems]
    if which:
        line += f" (variant{'s' * (len(which) != 1)} {', '.join(which)})"
    return line[:1].upper() + line[1:]


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
            shape = full_shape(self.document)
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
        shape = full_shape(document)
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
        return full_shape(self.document)

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
