"""The canvas tool framework: what a tool is and what it gets from the canvas.

A tool is a small object the canvas hands its mouse, key and wheel events to,
already mapped to image coordinates. It paints its own overlay (a rubber
band, handles, a line) over the image, names its cursor, and says in the
status bar what a click and a drag will do. A tool never changes pixels: it
asks for a step, a selection or a parameter change with a signal, and the
tool controller turns the request into an undo command.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QKeyEvent, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:  # pragma: no cover
    from ..canvas import ImageCanvas
    from .controller import ToolController

__all__ = ["ToolEvent", "CanvasTool", "ToolSpec", "TOOLS", "register_tool", "selection_mode"]


@dataclass(frozen=True)
class ToolEvent:
    """A mouse event in image coordinates.

    Attributes
    ----------
    x, y : float
        The point in full-resolution image coordinates: (0, 0) is the top-left
        corner of the top-left pixel, (1, 1) its bottom-right corner. Exact at
        every zoom and device pixel ratio: the view's own transform is
        inverted, with the event's sub-pixel position.
    view : QPointF
        The point in viewport (logical pixel) coordinates.
    button : Qt.MouseButton
        The button that changed (press, release); NoButton for moves.
    buttons : Qt.MouseButtons
        The buttons held.
    modifiers : Qt.KeyboardModifiers
        Shift, Ctrl, Alt ... held.
    """

    x: float
    y: float
    view: QPointF
    button: Qt.MouseButton
    buttons: Qt.MouseButton
    modifiers: Qt.KeyboardModifier

    @property
    def pixel(self) -> tuple[int, int]:
        """The image pixel under the point (column, row); may be outside the image."""
        return math.floor(self.x), math.floor(self.y)

    @property
    def point(self) -> QPointF:
        return QPointF(self.x, self.y)


def selection_mode(modifiers: Qt.KeyboardModifier, default: str = "replace") -> str:
    """How a new selection combines with the current one, from the keys held:
    Shift adds, Ctrl or Alt subtracts, Shift with Ctrl intersects."""
    shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
    ctrl = bool(modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier))
    if shift and ctrl:
        return "intersect"
    if shift:
        return "add"
    if ctrl:
        return "subtract"
    return default


class CanvasTool(QObject):
    """Base class of the canvas tools; subclasses override what they use.

    Class attributes (the registry entry): ``id``, ``name``, ``icon`` (an SVG
    name in resources/icons), ``shortcut``, ``cursor`` and ``status`` (what a
    click and a drag do, shown in the status bar while the tool is active).

    Event handlers return True when they used the event; False lets the
    canvas do its default (the middle button and Space-drag always pan).

    Signals
    -------
    step_requested(object)
        Add this ``Step`` to the document (one undo entry). The controller
        attaches the current selection as the step's mask unless the tool
        set one itself.
    selection_requested(object, str, str)
        Combine this mask (bool or float32 (H, W), full resolution of the
        current result) with the selection; the mode ("replace", "add",
        "subtract", "intersect") and the undo text.
    selection_preview(object)
        A selection to show (marching ants) while a gesture is not finished
        (the wand's live tolerance), or None to show the document's again.
    params_requested(dict, bool)
        Change parameters of the operation in the Settings panel (a new
        preview or the edited step); True when the gesture ended.
    status_changed(str)
        A new status-bar text (defaults to ``status``).
    """

    id = ""
    name = ""
    icon = ""
    shortcut = ""
    cursor: Qt.CursorShape | QCursor = Qt.CursorShape.CrossCursor
    status = ""

    step_requested = Signal(object)
    selection_requested = Signal(object, str, str)
    selection_preview = Signal(object)
    params_requested = Signal(dict, bool)
    status_changed = Signal(str)

    def __init__(self, controller: "ToolController"):
        super().__init__(controller)
        self.controller = controller

    # -- context -----------------------------------------------------------------
    @property
    def canvas(self) -> "ImageCanvas":
        return self.controller.canvas

    def update(self) -> None:
        """Repaint the overlay."""
        self.canvas.viewport().update()

    def image_size(self) -> tuple[int, int]:
        """(width, height) of the current result in full-resolution pixels."""
        rect = self.canvas.sceneRect()
        return int(rect.width()), int(rect.height())

    def screen_scale(self) -> float:
        """Screen (logical) pixels per image pixel: to keep handles a fixed
        size on screen."""
        return self.canvas.zoom() or 1.0

    # -- life cycle -----------------------------------------------------------------
    def activate(self) -> None:
        """The tool became the active one."""

    def deactivate(self) -> None:
        """Another tool was chosen: drop any gesture in progress."""
        self.cancel()

    def cancel(self) -> bool:
        """Escape: drop the gesture in progress. True if there was one
        (else Escape goes on to cancel a preview or a render)."""
        return False

    def options_widget(self) -> QWidget | None:
        """Controls shown in the tool options bar while the tool is active."""
        return None

    # -- events (image coordinates) -------------------------------------------------
    def press(self, event: ToolEvent) -> bool:
        return False

    def move(self, event: ToolEvent) -> bool:
        """Pointer moved (with or without a button held)."""
        return False

    def release(self, event: ToolEvent) -> bool:
        return False

    def double_click(self, event: ToolEvent) -> bool:
        return False

    def key(self, event: QKeyEvent) -> bool:
        """A key pressed while the canvas has focus."""
        return False

    def wants_key(self, event: QKeyEvent) -> bool:
        """Whether the tool takes this key before the window's shortcuts
        (Escape or Return during a gesture)."""
        return False

    def wheel(self, event: ToolEvent, wheel: QWheelEvent) -> bool:
        """Wheel turned; return True to stop the canvas zooming."""
        return False

    # -- overlay --------------------------------------------------------------------
    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        """Draw the overlay. ``painter`` draws in viewport (logical pixel)
        coordinates; ``to_view`` maps image coordinates there. Use a 1-pixel
        pen for outlines: they stay crisp at every zoom."""


@dataclass(frozen=True)
class ToolSpec:
    """One registry entry: everything the toolbar and the menus need."""

    id: str
    name: str
    icon: str
    shortcut: str
    status: str
    factory: Callable[["ToolController"], CanvasTool]
    order: int = 100


TOOLS: dict[str, ToolSpec] = {}


def register_tool(cls: type[CanvasTool] | None = None, *, order: int = 100) -> Any:
    """Class decorator: add a tool to the toolbar (in ``order``).

    Examples
    --------
    ``@register_tool(order=10)`` above ``class RectangleTool(CanvasTool)``.
    """

    def add(tool: type[CanvasTool]) -> type[CanvasTool]:
        if not tool.id:
            raise ValueError(f"{tool.__name__} needs an id")
        TOOLS[tool.id] = ToolSpec(tool.id, tool.name, tool.icon, tool.shortcut, tool.status, tool, order)
        return tool

    return add(cls) if cls is not None else add


def overlay_pen(color: QColor, width: int = 1, dashed: bool = False) -> QPen:
    """A pen for tool overlays: ``width`` screen pixels at every zoom (cosmetic)."""
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidth(width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen
