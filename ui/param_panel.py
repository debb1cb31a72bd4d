"""The parameter panel: widgets for the chosen operation, built from its specs."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFrame,
    QFormLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from editor.operations import Operation

from .param_widgets import ParamWidget, widget_for


class ParamPanel(QWidget):
    """Shows one operation's parameters.

    Two modes: ``"new"`` previews an operation not yet applied (Apply and
    Cancel are shown), ``"edit"`` changes a step already in the document (each
    gesture becomes one undo entry, so no Apply is needed).

    Signals
    -------
    values_changed(dict, bool)
        All current values, and whether the gesture just ended.
    apply_requested, cancel_requested
        Apply or Cancel (Enter or Escape) in "new" mode.
    """

    values_changed = Signal(dict, bool)
    pick_requested = Signal(object)  # a PointWidget wants a canvas click, or None
    rect_requested = Signal(bool)  # the operation wants a rectangle dragged on the canvas
    apply_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.operation: Operation | None = None
        self.mode = "none"
        self.step_index: int | None = None
        self.widgets: dict[str, ParamWidget] = {}
        self._labels: dict[str, QLabel] = {}
        # Reads the mean pixel around a click for parameters picked from the
        # image: (x, y, mode, step_index) -> values per channel, or None.
        self.sampler = None
        self.title = QLabel("Pick an operation on the left")
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        self.title.setWordWrap(True)  # a long title must not widen the dock
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: palette(mid);")
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Labels above their controls: the sliders get the dock's whole width.
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        # The settings scroll when the dock is shorter than they are (a curve
        # editor above Apply and Cancel): nothing is cut off, and the dock
        # never grows to fit its content, which would shrink the canvas.
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.buttons = QDialogButtonBox()
        self.apply_button = QPushButton("Apply")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip("Add this operation to the image (Enter)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Drop the preview (Escape)")
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        # Keeps the keyboard focus when Apply disappears (see show_operation).
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addWidget(self.scroll, 1)
        content = QWidget()
        inner = QVBoxLayout(content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.form_host)
        inner.addWidget(self.buttons)
        inner.addStretch(1)
        self.scroll.setWidget(content)
        self.apply_button.clicked.connect(self.apply_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.clear()

    def show_operation(self, op: Operation, values: dict[str, Any], mode: str, step_index: int | None = None) -> None:
        """Build widgets for ``op`` showing ``values``.

        The same operation keeps its widgets (Apply switches to editing the
        new step without the sliders flickering or losing keyboard focus).
        """
        # Equal, not identical: an operation bound to the image is a new object each time.
        same = self.operation == op and bool(self.widgets)
        self.operation, self.mode, self.step_index = op, mode, step_index
        self.title.setText(op.title if mode == "new" else f"{op.title} (step {step_index + 1})")
        if mode != "new" and self.buttons.isAncestorOf(self.focusWidget() or self):
            # Hiding a focused Apply button would send the focus to the next
            # panel (the Steps list), which would then pick a step by itself.
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.buttons.setVisible(mode == "new")
        if same:
            self.set_values(values)
            return
        self._clear_form()
        self.description.setText(op.description)
        for param in op.params:
            widget = widget_for(param)
            widget.set_value(values.get(param.name, param.default))
            widget.changed.connect(self._changed)
            if hasattr(widget, "pick_requested"):
                widget.pick_requested.connect(self.pick_requested)
            if param.pick is not None:
                widget.sampler = self._sample
            self.widgets[param.name] = widget
            if param.kind == "bool":
                self.form.addRow("", widget)
            else:
                label = QLabel(param.label)
                label.setToolTip(param.help)
                self.form.addRow(label, widget)
                self._labels[param.name] = label
        if op.canvas_rect is not None:
            self.rect_button = QPushButton("Drag on image")
            self.rect_button.setCheckable(True)
            self.rect_button.setToolTip("Drag a rectangle on the image to set the area")
            self.rect_button.toggled.connect(self.rect_requested)
            self.form.addRow("", self.rect_button)
        if not op.params:
            self.form.addRow(QLabel("This operation has no settings."))
        self._grey_unused()

    def _grey_unused(self) -> None:
        """Grey out the settings that do not matter with the others as they are."""
        if self.operation is None:
            return
        values = self.values()
        for param in self.operation.params:
            if param.used_when is None or param.name not in self.widgets:
                continue
            other, wanted = param.used_when
            used = values.get(other) == wanted
            self.widgets[param.name].setEnabled(used)
            if param.name in self._labels:
                self._labels[param.name].setEnabled(used)

    def _sample(self, x: float, y: float):
        """The mean pixel around image point (x, y) of the image the shown
        operation applies to, from ``sampler(x, y, mode, step_index)`` (set
        by the eyedropper tool); None if nobody can read pixels."""
        if self.sampler is None:
            return None
        return self.sampler(x, y, self.mode, self.step_index)

    def clear(self) -> None:
        self._clear_form()
        self.operation, self.mode, self.step_index = None, "none", None
        self.title.setText("Pick an operation on the left")
        self.description.setText("Its settings appear here; the canvas previews them before you apply.")
        self.buttons.setVisible(False)

    def set_rect(self, x: int, y: int, width: int, height: int) -> None:
        """A rectangle dragged on the canvas: set the four parameters at once."""
        op = self.operation
        if op is None or op.canvas_rect is None:
            return
        for name, value in zip(op.canvas_rect, (x, y, width, height)):
            spec = op.param(name)
            self.widgets[name].set_value(min(spec.maximum, max(spec.minimum, value)))
        self.rect_button.setChecked(False)
        self.values_changed.emit(self.values(), True)

    def values(self) -> dict[str, Any]:
        return {name: widget.value() for name, widget in self.widgets.items()}

    def set_values(self, values: dict[str, Any]) -> None:
        """Show ``values`` without emitting (after undo or redo)."""
        for name, widget in self.widgets.items():
            if name in values:
                widget.set_value(values[name])
        self._grey_unused()

    def keyPressEvent(self, event) -> None:
        if self.mode == "new" and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.apply_requested.emit()
        elif self.mode == "new" and event.key() == Qt.Key.Key_Escape:
            self.cancel_requested.emit()
        else:
            super().keyPressEvent(event)

    def _changed(self, _value, final: bool) -> None:
        self._grey_unused()
        self.values_changed.emit(self.values(), final)

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        self._labels: dict[str, QLabel] = {}
