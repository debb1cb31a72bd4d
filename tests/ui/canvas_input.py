"""Mouse input on the canvas for the tool tests, mapped with Qt's own
transforms (not the tools' mapping, which is what the tests check)."""
from PySide6.QtCore import QPoint, QPointF, Qt

H, W = 60, 80  # the conftest image


def view_of(canvas, x: float, y: float) -> QPoint:
    """The viewport pixel whose top-left corner is image point (x, y)."""
    point = canvas.mapFromScene(QPointF(x, y))
    return QPoint(point.x(), point.y())


def image_of(canvas, view: QPoint) -> tuple[float, float]:
    """The image point Qt maps a viewport pixel to (its own inverse transform)."""
    inverse, _ = canvas.viewportTransform().inverted()
    p = inverse.map(QPointF(view))
    return p.x(), p.y()


def press_drag(qtbot, canvas, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier):
    """Press at ``start``, move through the middle to ``end``, release there."""
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    qtbot.mouseMove(viewport, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def set_zoom(qtbot, window, zoom: float):
    """The window's canvas at ``zoom``, centred on the image; returns the canvas."""
    canvas = window.canvas
    canvas.set_zoom(zoom)
    canvas.centerOn(W / 2, H / 2)
    qtbot.waitUntil(lambda: abs(canvas.zoom() - zoom) < 1e-9)
    return canvas
