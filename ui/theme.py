"""Colour themes: dark (the default), light, or the desktop's own scheme."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory


def dark_palette() -> QPalette:
    """A neutral dark palette: photo editors are dark so the image stands out."""
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: QColor(45, 45, 48),
        QPalette.ColorRole.WindowText: QColor(220, 220, 220),
        QPalette.ColorRole.Base: QColor(30, 30, 32),
        QPalette.ColorRole.AlternateBase: QColor(45, 45, 48),
        QPalette.ColorRole.ToolTipBase: QColor(30, 30, 32),
        QPalette.ColorRole.ToolTipText: QColor(220, 220, 220),
        QPalette.ColorRole.Text: QColor(220, 220, 220),
        QPalette.ColorRole.Button: QColor(55, 55, 58),
        QPalette.ColorRole.ButtonText: QColor(220, 220, 220),
        QPalette.ColorRole.BrightText: QColor(255, 80, 80),
        QPalette.ColorRole.Highlight: QColor(70, 130, 200),
        QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(100, 160, 230),
        QPalette.ColorRole.Mid: QColor(150, 150, 150),
        QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
    }
    for role, color in colors.items():
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(120, 120, 120))
    return palette


def light_palette() -> QPalette:
    """Fusion's own light palette, with a calmer highlight."""
    palette = QStyleFactory.create("Fusion").standardPalette()
    palette.setColor(QPalette.ColorRole.Highlight, QColor(60, 120, 200))
    return palette


THEMES = ("dark", "light", "system")


def system_prefers_light() -> bool:
    """True when the desktop says it uses a light colour scheme."""
    hints = QGuiApplication.styleHints()
    return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Light


def apply_theme(app: QApplication, theme: str) -> None:
    """``"dark"`` (the default: photo editors are dark so the image stands
    out), ``"light"``, or ``"system"`` to follow the desktop's scheme."""
    if theme not in THEMES:
        theme = "dark"
    light = theme == "light" or (theme == "system" and system_prefers_light())
    app.setPalette(light_palette() if light else dark_palette())
    app.setProperty("editor_theme", theme)
