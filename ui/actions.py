"""Making QActions the same way everywhere: shortcuts, themed icon, tooltip."""
from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

Shortcut = str | QKeySequence.StandardKey


def make_action(
    parent: QObject,
    text: str,
    slot: Callable[[], object],
    shortcut: Shortcut | Sequence[Shortcut] | None = None,
    *,
    icon_name: str | None = None,
    tip: str = "",
) -> QAction:
    """A QAction calling ``slot()``, with its shortcuts shown in the tooltip.

    ``icon_name`` names an SVG in ``resources/icons``; the window draws it in
    the theme's colours (and again when the theme changes).
    """
    act = QAction(text, parent)
    if shortcut is not None:
        shortcuts = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
        keys: list[QKeySequence] = []
        for s in shortcuts:
            keys += QKeySequence.keyBindings(s) if isinstance(s, QKeySequence.StandardKey) else [QKeySequence(s)]
        act.setShortcuts(keys)
    if icon_name:
        act.setProperty("icon_name", icon_name)
    plain = text.replace("&", "").rstrip(".\u2026")
    keys_text = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    act.setToolTip(f"{plain} ({keys_text})" if keys_text else plain)
    act.setStatusTip(tip)
    act.triggered.connect(lambda _checked=False: slot())
    return act
