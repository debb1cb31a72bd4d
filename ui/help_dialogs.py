"""The Help menu's dialogs: the keyboard shortcuts and About.

The shortcut list is generated from the window's actions, so it cannot go
out of date when a shortcut changes; keys that are not actions (holding a key,
mouse modifiers) are listed from one table here.
"""
from __future__ import annotations

import html
import platform
from importlib import metadata

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

# Keys and gestures that are not menu actions.
OTHER_KEYS = (
    ("Hold \\", "Show the before image"),
    ("Enter", "Apply the previewed operation (in the Settings panel, the operation list or its search box)"),
    ("Delete", "Delete the selected step (in the Steps panel)"),
    ("Ctrl or Shift + drag a slider", "Fine adjustment: the value moves ten times slower than the mouse"),
    ("Arrow keys, wheel on a slider", "Step the value; with Ctrl, the smallest step"),
    ("Double-click a slider", "Reset it to its default"),
    ("Shift / Ctrl / Shift+Ctrl + a selection tool", "Add to / subtract from / intersect with the selection"),
    ("Drag after a magic wand click", "Right or down selects more, left or up less"),
    ("[ and ]", "Smaller or larger brush; right button or Alt paints away"),
    ("Escape", "Cancel what the current tool is doing"),
    ("Arrow keys, Enter in the Augment grid", "Pick a variant; use it as a step"),
    ("Tab on a range slider", "Go to its other handle"),
)

# What ships with the editor and under which licence (see the README and resources/README.md).
LICENCES = (
    ("Image Editor", "MIT"),
    ("Qt 6 and PySide6", "LGPL v3"),
    ("NumPy", "BSD 3-clause"),
    ("Pillow", "MIT-CMU (HPND)"),
    ("Sample photo (coffee)", "CC0, by Rachel Michetti"),
)


_NAMED_KEYS = {
    Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_Delete, Qt.Key.Key_Backspace,
    Qt.Key.Key_Tab, Qt.Key.Key_Insert, Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_PageUp,
    Qt.Key.Key_PageDown, Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
    Qt.Key.Key_Space,
}


def _on_a_keyboard(sequence: QKeySequence) -> bool:
    """Whether a sequence's key is on an ordinary keyboard: the platform's
    standard bindings also list media keys (Open, Paste, F18) few people have."""
    if sequence.isEmpty():
        return False
    key = sequence[0].key()
    return (0x20 <= key.value <= 0x7E or Qt.Key.Key_F1.value <= key.value <= Qt.Key.Key_F12.value
            or key in _NAMED_KEYS)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action that has a shortcut, in menu order, once each."""
    rows, seen = [], set()
    for act in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts() if _on_a_keyboard(k)]
        keys = [k for k in keys if k]
        text = act.text().replace("&", "").rstrip(".\u2026")
        if not keys or (text, tuple(keys)) in seen:
            continue
        seen.add((text, tuple(keys)))
        rows.append((", ".join(keys), text))
    return rows


def _table(rows) -> str:
    cells = "".join(
        f"<tr><td style='padding-right:18px'><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
        for keys, what in rows
    )
    return f"<table cellspacing='4'>{cells}</table>"


def _dialog(parent: QWidget, title: str, body: QWidget) -> QDialog:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(body)
    layout.addWidget(buttons)
    return dialog


def shortcuts_dialog(parent: QWidget, actions: list[QAction]) -> QDialog:
    """A dialog listing every shortcut of ``actions`` and the other keys."""
    browser = QTextBrowser()
    browser.setHtml(
        "<h3>Menu and toolbar</h3>" + _table(shortcut_rows(actions))
        + "<h3>Other keys and gestures</h3>" + _table(OTHER_KEYS)
    )
    dialog = _dialog(parent, "Keyboard Shortcuts", browser)
    dialog.resize(620, 560)
    return dialog


def versions() -> list[tuple[str, str]]:
    """(component, version) of the editor and what it runs on."""
    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    import numpy

    return [
        ("Image Editor", version("image-editor")),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
        ("PySide6", pyside_version),
        ("NumPy", numpy.__version__),
        ("Pillow", version("Pillow")),
    ]


def about_dialog(parent: QWidget) -> QDialog:
    """Versions and licences."""
    label = QLabel(
        "<h2>Image Editor</h2>"
        "<p>NumPy processing with live sliders, a before/after view, a history you can re-edit, "
        "and recipes that run the same edits headless.</p>"
        "<h3>Versions</h3>" + _table(versions())
        + "<h3>Licences</h3>" + _table(LICENCES)
    )
    label.setWordWrap(True)
    return _dialog(parent, "About Image Editor", label)
