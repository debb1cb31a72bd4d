"""Paths of bundled resources (sample photo, icons), and themed icons."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SAMPLE_IMAGE = RESOURCES / "sample.png"
APP_ICON = RESOURCES / "icon.svg"


def is_bundled(path: str | Path) -> bool:
    """Whether ``path`` is (inside) the application's own resources folder,
    where nothing of the user's should be saved or looked for."""
    try:
        Path(path).resolve().relative_to(RESOURCES.resolve())
        return True
    except ValueError:
        return False


_ICON_INK = "#d8d8d8"  # the stroke colour the SVGs are drawn with
_ICON_SIZES = (16, 24, 32, 48)


def icon(name: str) -> QIcon:
    """An SVG icon from ``resources/icons`` drawn in the palette's text colour,
    so it reads on dark and light themes; an empty icon if it is missing."""
    path = RESOURCES / "icons" / f"{name}.svg"
    if not path.exists():
        return QIcon()
    app = QGuiApplication.instance()
    palette = app.palette() if app is not None else QPalette()
    result = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active), (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        ink = palette.color(group, QPalette.ColorRole.WindowText).name()
        svg = path.read_text(encoding="utf-8").replace(_ICON_INK, ink)
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        for size in _ICON_SIZES:
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            result.addPixmap(pixmap, mode)
    return result
