"""A drawn augmentation variant, readable: in the Augment panel beside the
grid, and as the Settings of an "Augmentation variant" step.

:class:`VariantWidget` (the row for the "variant" parameter kind in
:data:`ui.param_widgets.WIDGETS`) shows them, and its JSON for exact edits.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from editor.errors import ParamError
from editor.variant_text import format_drawn
from .param_widget_base import ParamWidget


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
