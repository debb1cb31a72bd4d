"""A drawn augmentation variant, readable: in the Augment panel beside the
grid, and as the Settings of an "Augmentation variant" step.

:func:`format_drawn` writes a variant's parameters in words;
:class:`VariantWidget` (the row for the "variant" parameter kind in
:data:`ui.param_widgets.WIDGETS`) shows them, and its JSON for exact edits.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from editor.errors import ParamError
from processing import augment as aug

from .param_widget_base import ParamWidget


# How the drawn values read (name, unit): fractions are of the image's width
# or height, as in the pipeline.
DRAWN_LABELS = {
    "k": ("quarter turns", ""), "angle_deg": ("angle", "\u00b0"), "scale": ("scale", "\u00d7"),
    "translate_x": ("shift right", "of width"), "translate_y": ("shift down", "of height"),
    "shear_x_deg": ("shear x", "\u00b0"), "shear_y_deg": ("shear y", "\u00b0"),
    "x": ("left", "of width"), "y": ("top", "of height"), "width": ("width", "of width"),
    "height": ("height", "of height"), "corners": ("corners moved in (x, y)", "of size"),
    "cells": ("cells", ""), "dx": ("nodes moved across", "of a cell"), "dy": ("nodes moved down", "of a cell"),
    "delta": ("added", ""), "factor": ("factor", "\u00d7"), "shift_deg": ("hue shift", "\u00b0"),
    "gamma": ("gamma", ""), "sigma_px": ("blur", "px"), "kind": ("kind", ""), "amount": ("amount", ""),
    "seed": ("noise seed", ""), "fill": ("fill", ""), "holes": ("holes (x, y, w, h)", "of size"),
}


def format_drawn(drawn: dict) -> str:
    """A variant's drawn parameters, one transform a line, every number to
    six significant digits (Copy gives them exactly).

    Examples
    --------
    >>> print(format_drawn({"shape": [4, 4], "ops": [{"transform": "rotate", "angle_deg": -13.41152}]}))
    Rotate: angle -13.4115 \u00b0
    """
    if not drawn["ops"]:
        return "No transform happened: the variant is the image itself."
    lines = []
    for op in drawn["ops"]:
        title = aug.TRANSFORMS[op["transform"]].title
        parts = []
        for key, value in op.items():
            if key == "transform":
                continue
            label, unit = DRAWN_LABELS.get(key, (key.replace("_", " "), ""))
            parts.append(f"{label} {_number_text(value)}" + (f" {unit}" if unit else ""))
        lines.append(f"{title}: {', '.join(parts)}" if parts else title)
    return "\n".join(lines)


def _number_text(value) -> str:
    if isinstance(value, bool) or isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_number_text(v) for v in value) + "]"
    return repr(value)


class VariantWidget(ParamWidget):
    """The variant in words; **Edit Values** opens its JSON, and **Set** (or
    Ctrl+Enter in the text) applies what was typed as one edit of the step."""

    def __init__(self, param, parent=None):
        super().__init__(param, parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.edit_button = QPushButton("Edit Values")
        self.edit_button.setCheckable(True)
        self.edit_button.setToolTip("Change the drawn values by hand, as JSON (fractions of the image size)")
        self.editor = QPlainTextEdit()
        self.editor.setMinimumHeight(120)
        self.editor.setAccessibleName("Variant values as JSON")
        self.set_button = QPushButton("Set")
        self.set_button.setToolTip("Apply the typed values to the step (Ctrl+Enter)")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d9534f;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.set_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)
        layout.addWidget(self.editor)
        layout.addWidget(self.error)
        self._value = param.default
        self.edit_button.toggled.connect(self._show_editor)
        self.set_button.clicked.connect(self._set)
        self.editor.installEventFilter(self)
        self._show_editor(False)
        self.set_value(param.default)

    def value(self):
        return self._value

    def set_value(self, value) -> None:
        self._value = value
        try:
            drawn = json.loads(value) if isinstance(value, str) else value
            self.summary.setText(format_drawn(drawn))
            self.editor.setPlainText(json.dumps(drawn, indent=1))
        except (ValueError, KeyError, TypeError):
            self.summary.setText(str(value))
        self.error.clear()

    def _show_editor(self, on: bool) -> None:
        for widget in (self.editor, self.set_button, self.error):
            widget.setVisible(on)

    def _set(self) -> None:
        try:
            value = self.param.validate(self.editor.toPlainText())
        except ParamError as exc:
            self.error.setText(str(exc))
            return
        self.set_value(value)
        self._moved(final=True)

    def eventFilter(self, obj, event) -> bool:
        if (obj is self.editor and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self._set()
            return True
        return super().eventFilter(obj, event)
