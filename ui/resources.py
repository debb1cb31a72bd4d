"""Paths of bundled resources (sample photo, icons)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SAMPLE_IMAGE = RESOURCES / "sample.png"
APP_ICON = RESOURCES / "icon.svg"


def icon(name: str) -> QIcon:
    """An SVG icon from ``resources/icons``; an empty icon if it is missing."""
    path = RESOURCES / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()
