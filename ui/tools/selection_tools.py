"""Selection tools: rectangle, ellipse, lasso (free and polygonal), the
magic wand and select by colour.

Modes follow the keys held when the gesture starts: Shift adds, Ctrl or Alt
subtracts, Shift+Ctrl intersects; otherwise the mode chosen in the tool
options (replace by default). A feather radius set in the options softens
each new selection.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPolygonF, QTransform
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QWidget,
)

from editor.errors import EditorError
from editor.selection import MAX_FEATHER, Selection
from processing.pyramid import reduce
from processing.selection import MODES, ellipse_mask, polygon_mask, rectangle_mask
from processing.wand import refine_mask, sample_color, wand_levels, wand_mask

from .base import CanvasTool, ToolEvent, overlay_pen, register_tool, selection_mode

CLICK_SLOP = 3.0  # screen pixels a press may move and still be a click
WAND_MAX_PIXELS = 1_000_000  # the wand floods a reduced copy of larger images (pure NumPy: ~1 s per 1.5 MP)
# While that flood runs, a copy this small is flooded at once for an outline
# within a frame of the click (tens of milliseconds at most).
WAND_GLANCE_PIXELS = 40_000
WAND_LEVELS = 256
WAND_FIRST_LEVELS = 64  # a click floods at least this far at once (see first_cap)
MODE_NAMES = {"replace": "Replace", "add": "Add (Shift)", "subtract": "Subtract (Ctrl)",
              "intersect": "Intersect (Shift+Ctrl)"}


def draw_outline(painter: QPainter, shape) -> None:
    """A black-and-white dashed outline (visible on any image), in view coordinates."""
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(overlay_pen(QColor(255, 255, 255)))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    shape(painter)
    painter.setPen(overlay_pen(QColor(0, 0, 0), dashed=True))
    shape(painter)


class SelectionOptions(QWidget):
    """Mode and feather, shared by the selection tools."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.mode = QComboBox()
        for mode in MODES:
            self.mode.addItem(MODE_NAMES[mode], mode)
        self.mode.setToolTip("How a new selection combines with the current one")
        self.feather = QDoubleSpinBox()
        self.feather.setRange(0.0, MAX_FEATHER)
        self.feather.setDecimals(1)
        self.feather.setSuffix(" px")
        self.feather.setToolTip("Soften the edge of each new selection by this radius")
        self.layout_ = QHBoxLayout(self)
        self.layout_.setContentsMargins(4, 0, 4, 0)
        self.layout_.addWidget(QLabel("Mode"))
        self.layout_.addWidget(self.mode)
        self.layout_.addWidget(QLabel("Feather"))
        self.layout_.addWidget(self.feather)

    def mode_for(self, event: ToolEvent) -> str:
        return selection_mode(event.modifiers, self.mode.currentData())


class _SelectTool(CanvasTool):
    """Shared by the selection tools: options, and committing a mask."""

    def __init__(self, controller):
        super().__init__(controller)
        self.options = SelectionOptions()

    def options_widget(self) -> QWidget:
        return self.options

    def commit(self, mask: np.ndarray, mode: str, text: str) -> None:
        radius = self.options.feather.value()
        selection: np.ndarray | Selection = mask
        if radius > 0 and mask.any():
            selection = Selection(mask).feathered(radius)
        self.selection_requested.emit(selection, mode, text)


class _DragShapeTool(_SelectTool):
    """A shape dragged from corner to corner."""

    shape_name = ""

    def __init__(self, controller):
        super().__init__(controller)
        self.start: ToolEvent | None = None
        self.end: ToolEvent | None = None
        self.mode = "replace"

    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        self.start = self.end = event
        self.mode = self.options.mode_for(event)
        self.update()
        return True

    def move(self, event: ToolEvent) -> bool:
        if self.start is None:
            return False
        self.end = event
        self.update()
        return True

    def release(self, event: ToolEvent) -> bool:
        if self.start is None or event.button != Qt.MouseButton.LeftButton:
            return False
        start, self.start = self.start, None
        self.end = None
        self.update()
        moved = QLineF(start.view, event.view).length()
        if moved <= CLICK_SLOP:
            if self.mode == "replace":  # a click without a drag drops the selection, as in GIMP
                self.selection_requested.emit(None, "replace", "Select None")
            return True
        w, h = self.image_size()
        x0, y0 = self._snap(start.x, w), self._snap(start.y, h)
        x1, y1 = self._snap(event.x, w), self._snap(event.y, h)
        mask = self.make_mask((h, w), x0, y0, x1, y1)
        self.commit(mask, self.mode, f"{self.shape_name} Select {abs(x1 - x0)} \u00d7 {abs(y1 - y0)}")
        return True

    @staticmethod
    def _snap(value: float, limit: int) -> int:
        """Corners sit on pixel edges: the nearest one, inside the image."""
        return int(min(limit, max(0, math.floor(value + 0.5))))

    def make_mask(self, shape, x0, y0, x1, y1) -> np.ndarray:
        raise NotImplementedError

    def cancel(self) -> bool:
        if self.start is None:
            return False
        self.start = self.end = None
        self.update()
        return True

    def wants_key(self, event: QKeyEvent) -> bool:
        return self.start is not None and event.key() == Qt.Key.Key_Escape

    def key(self, event: QKeyEvent) -> bool:
        return event.key() == Qt.Key.Key_Escape and self.cancel()

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        if self.start is None or self.end is None:
            return
        rect = QRectF(to_view.map(self.start.point), to_view.map(self.end.point)).normalized()
        draw_outline(painter, lambda p: self.draw_shape(p, rect))

    def draw_shape(self, painter: QPainter, rect: QRectF) -> None:
        painter.drawRect(rect)


@register_tool(order=10)
class RectangleSelectTool(_DragShapeTool):
    id = "select.rectangle"
    name = "&Rectangle Select"
    icon = "select-rect"
    shortcut = "M"
    shape_name = "Rectangle"
    status = ("Rectangle select: drag to select a rectangle; Shift adds, Ctrl subtracts, Shift+Ctrl intersects; "
              "a click drops the selection.")

    def make_mask(self, shape, x0, y0, x1, y1) -> np.ndarray:
        return rectangle_mask(shape, x0, y0, x1, y1)


@register_tool(order=11)
class EllipseSelectTool(_DragShapeTool):
    id = "select.ellipse"
    name = "&Ellipse Select"
    icon = "select-ellipse"
    shortcut = "E"
    shape_name = "Ellipse"
    status = "Ellipse select: drag the box of an ellipse; Shift adds, Ctrl subtracts, Shift+Ctrl intersects."

    def make_mask(self, shape, x0, y0, x1, y1) -> np.ndarray:
        return ellipse_mask(shape, x0, y0, x1, y1)

    def draw_shape(self, painter: QPainter, rect: QRectF) -> None:
        painter.drawEllipse(rect)


@register_tool(order=12)
class LassoTool(_SelectTool):
    """Free lasso while dragging, polygonal lasso by clicks; both in one path."""

    id = "select.lasso"
    name = "&Lasso"
    icon = "select-lasso"
    shortcut = "L"
    status = ("Lasso: drag to draw a free outline, or click corner after corner; double-click, Enter or a click "
              "on the first point closes it. Backspace removes the last corner, Escape drops it.")

    def __init__(self, controller):
        super().__init__(controller)
        self.points: list[QPointF] = []
        self.hover: QPointF | None = None
        self.pressed: ToolEvent | None = None
        self._points_at_press = 0
        self.mode = "replace"

    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        if not self.points:
            self.mode = self.options.mode_for(event)
        elif self._near_first(event):
            self.close()
            return True
        self.pressed = event
        self.points.append(event.point)
        self._points_at_press = len(self.points)
        self.update()
        return True

    def move(self, event: ToolEvent) -> bool:
        if not self.points:
            return False
        self.hover = event.point
        if self.pressed is not None:  # between press and release: the button is held
            last = self.canvas.view_point(self.points[-1])
            if QLineF(last, event.view).length() >= 2.0:  # freehand: a point every 2 screen pixels
                self.points.append(event.point)
        self.update()
        return True

    def release(self, event: ToolEvent) -> bool:
        if self.pressed is None or event.button != Qt.MouseButton.LeftButton:
            return False
        self.pressed = None
        freehand = len(self.points) > self._points_at_press
        if freehand and self._points_at_press == 1 and len(self.points) >= 3:
            self.close()  # one drag from start to end: a free outline
        return True

    def double_click(self, event: ToolEvent) -> bool:
        if len(self.points) >= 3:
            self.close()
            return True
        return False

    def _near_first(self, event: ToolEvent) -> bool:
        if len(self.points) < 3:
            return False
        return QLineF(self.canvas.view_point(self.points[0]), event.view).length() <= 2 * CLICK_SLOP

    def close(self) -> None:
        points = [(p.x(), p.y()) for p in self.points]
        self.points, self.hover, self.pressed = [], None, None
        self.update()
        if len(points) < 3:
            return
        w, h = self.image_size()
        mask = polygon_mask((h, w), points)
        self.commit(mask, self.mode, f"Lasso Select ({len(points)} points)")

    def cancel(self) -> bool:
        if not self.points:
            return False
        self.points, self.hover, self.pressed = [], None, None
        self.update()
        return True

    def wants_key(self, event: QKeyEvent) -> bool:
        return bool(self.points) and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                                                     Qt.Key.Key_Backspace)

    def key(self, event: QKeyEvent) -> bool:
        if not self.points:
            return False
        if event.key() == Qt.Key.Key_Escape:
            return self.cancel()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close()
            return True
        if event.key() == Qt.Key.Key_Backspace:
            self.points.pop()
            self.update()
            return True
        return False

    def paint(self, painter: QPainter, to_view: QTransform) -> None:
        if not self.points:
            return
        view = [to_view.map(p) for p in self.points]
        if self.hover is not None and self.pressed is None:
            view.append(to_view.map(self.hover))
        draw_outline(painter, lambda p: p.drawPolyline(QPolygonF(view)))


def upsample_mask(small: np.ndarray, factor: int, shape: tuple[int, int]) -> np.ndarray:
    """A mask made on a copy reduced by ``factor``, at full size ``shape``:
    each pixel becomes a factor x factor block; the rows and columns past
    the reduced copy's last whole block repeat its edge."""
    if factor == 1:
        return small
    hs, ws = small.shape
    big = np.broadcast_to(small[:, None, :, None], (hs, factor, ws, factor)).reshape(hs * factor, ws * factor)
    h, w = shape
    if h > big.shape[0] or w > big.shape[1]:
        big = np.pad(big, ((0, max(0, h - big.shape[0])), (0, max(0, w - big.shape[1]))), mode="edge")
    return big[:h, :w]


class WandOptions(SelectionOptions):
    """Selection options plus the wand's own."""

    def __init__(self, contiguous: bool, parent=None):
        super().__init__(parent)
        self.tolerance = QSlider(Qt.Orientation.Horizontal)
        self.tolerance.setRange(0, WAND_LEVELS - 1)
        self.tolerance.setValue(32)
        self.tolerance.setFixedWidth(160)
        self.tolerance.setToolTip("How far a colour may be from the clicked one and still be selected "
                                  "(after a click this changes that selection; dragging from the click does too)")
        self.tolerance_label = QLabel("32")
        self.tolerance_label.setMinimumWidth(28)
        self.contiguous = QCheckBox("Contiguous")
        self.contiguous.setChecked(contiguous)
        self.contiguous.setToolTip("Only the area connected to the clicked pixel; off: that colour everywhere")
        self.connectivity = QComboBox()
        self.connectivity.addItem("8 neighbours", 8)
        self.connectivity.addItem("4 neighbours", 4)
        self.connectivity.setToolTip("Whether pixels touching by a corner are connected")
        self.sample = QComboBox()
        for text, radius in (("Point sample", 0), ("3 \u00d7 3 average", 1), ("5 \u00d7 5 average", 2),
                             ("11 \u00d7 11 average", 5)):
            self.sample.addItem(text, radius)
        self.sample.setToolTip("Compare with the clicked pixel, or with the average around it")
        for widget in (QLabel("Tolerance"), self.tolerance, self.tolerance_label, self.contiguous,
                       self.connectivity, self.sample):
            self.layout_.addWidget(widget)


class _Click:
    """One wand click: what to flood, its level map so far (exact up to
    ``cap``), and the selection it was combined with."""

    def __init__(self, number: int, image: np.ndarray, seed: tuple[int, int], options: dict, factor: int,
                 mode: str, base: Selection | None, point: ToolEvent):
        self.number, self.image, self.seed, self.options = number, image, seed, options
        self.factor, self.mode, self.base, self.point = factor, mode, base, point
        self.levels: np.ndarray | None = None
        self.cap = -1  # the level map is exact for tolerances up to this
        self.glance: np.ndarray | None = None  # a quick level map of a smaller copy, until ``levels`` lands
        self.glance_factor = factor
        self.glance_cap = -1

    def flood(self, cap: int) -> np.ndarray:
        return wand_levels(self.image, self.seed, max_level=cap, **self.options)

    def take_glance(self, cap: int) -> None:
        """Flood a copy of at most ``WAND_GLANCE_PIXELS`` up to ``cap``, here and now."""
        h, w = self.image.shape[:2]
        step = math.ceil(math.sqrt(h * w / WAND_GLANCE_PIXELS))
        if step <= 1:
            return
        small = reduce(self.image, step)
        seed = (min(self.seed[0] // step, small.shape[1] - 1), min(self.seed[1] // step, small.shape[0] - 1))
        self.glance = wand_levels(small, seed, max_level=cap, **self.options)
        self.glance_factor, self.glance_cap = self.factor * step, cap


def first_cap(tolerance: int) -> int:
    """How far the first flood of a click goes: the work grows with the
    area reached, so a click floods a little past its tolerance; going
    higher later floods the rest in the background."""
    return min(WAND_LEVELS - 1, max(WAND_FIRST_LEVELS, 2 * tolerance))


@register_tool(order=13)
class WandTool(_SelectTool):
    """The magic wand: click to select similar colours; then the tolerance
    slider, or dragging from the click (right/down more, left/up less),
    changes that selection live."""

    id = "select.wand"
    name = "Magic &Wand"
    icon = "select-wand"
    shortcut = "W"
    contiguous = True
    status = ("Magic wand: click to select the area of similar colour; drag right or down from the click for more, "
              "left or up for less; the tolerance slider changes the last click's selection.")

    def __init__(self, controller):
        CanvasTool.__init__(self, controller)
        self.options = WandOptions(self.contiguous)
        self.options.tolerance.valueChanged.connect(self._tolerance_moved)
        self.options.tolerance.sliderReleased.connect(lambda: self._commit_click())
        self.click: _Click | None = None
        self.dragging = False
        self.busy = False  # a flood is running in the background
        self._start: ToolEvent | None = None
        self._start_tolerance = 0
        self._clicks = 0
        self._commit_when_ready = False

    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton:
            return False
        w, h = self.image_size()
        x, y = event.pixel
        if not (0 <= x < w and 0 <= y < h):
            return True
        try:
            image, factor = self.controller.result_image(WAND_MAX_PIXELS)
        except EditorError as exc:
            self.controller.message(str(exc))
            return True
        document = self.controller.document
        base = document.selection if document is not None else None
        if base is not None and base.shape != self.controller.result_shape():
            base = None
        self._clicks += 1
        seed = (min(x // factor, image.shape[1] - 1), min(y // factor, image.shape[0] - 1))
        options = dict(contiguous=self.options.contiguous.isChecked(),
                       connectivity=self.options.connectivity.currentData(),
                       sample_radius=self.options.sample.currentData(), levels=WAND_LEVELS)
        self.click = _Click(self._clicks, image, seed, options, factor, self.options.mode_for(event), base, event)
        self.dragging = True
        self._commit_when_ready = False
        self._start = event
        self._start_tolerance = self.options.tolerance.value()
        self.controller.overlay.set_preview(None)
        cap = first_cap(self._start_tolerance)
        self.click.take_glance(cap)
        self._preview()
        self._flood(cap)
        return True

    def _flood(self, cap: int) -> None:
        """Flood the current click up to ``cap`` in the background."""
        click = self.click
        self.busy = True
        self.status_changed.emit("Selecting\u2026")
        self.controller.run_in_background(lambda: click.flood(cap),
                                          lambda levels, error: self._flooded(click, cap, levels, error))

    def _flooded(self, click: _Click, cap: int, levels, error) -> None:
        """A flood of ``click`` up to ``cap`` landed (or failed)."""
        if click is not self.click or not self.busy:
            return  # a newer click, or cancelled
        self.busy = False
        self.status_changed.emit(self.status)
        if error is not None:
            self.controller.message(f"The wand could not select: {error}")
            self.dragging = False
            return
        click.levels, click.cap = levels, cap
        if self.options.tolerance.value() > cap:
            self._flood(WAND_LEVELS - 1)  # the tolerance went past it meanwhile: the rest too
        self._preview()
        if not self.busy and (self._commit_when_ready or not self.dragging):
            self._commit_when_ready = False
            self._commit_click()

    def ready(self) -> bool:
        """Whether the selection at the current tolerance is known exactly."""
        return self.click is not None and self.options.tolerance.value() <= self.click.cap

    def move(self, event: ToolEvent) -> bool:
        if not self.dragging or self._start is None:
            return False
        start = self._start.view
        delta = (event.view.x() - start.x()) + (event.view.y() - start.y())
        value = int(round(self._start_tolerance + delta / 2))  # a level per two screen pixels
        self.options.tolerance.setValue(max(0, min(WAND_LEVELS - 1, value)))
        return True

    def release(self, event: ToolEvent) -> bool:
        if not self.dragging or event.button != Qt.MouseButton.LeftButton:
            return False
        self.dragging = False
        self._commit_click()
        return True

    def _tolerance_moved(self, value: int) -> None:
        self.options.tolerance_label.setText(str(value))
        click = self.click
        if click is None:
            return
        if click.levels is None:
            self._preview()  # the glance follows until the flood lands
            return
        if value > click.cap and not self.busy:
            self._flood(WAND_LEVELS - 1)
        self._preview()
        if not self.dragging and not self.options.tolerance.isSliderDown():
            self._commit_click()  # keyboard or a click on the slider's groove

    def mask(self) -> np.ndarray:
        """The last click's selection at the current tolerance (at most the
        level flooded so far), reduced size."""
        level = min(self.options.tolerance.value(), self.click.cap)
        return wand_mask(self.click.levels, level / (WAND_LEVELS - 1), WAND_LEVELS)

    def _preview(self) -> None:
        click = self.click
        if click.levels is not None:
            self.controller.overlay.set_preview(self.mask(), click.factor)
        elif click.glance is not None:
            level = min(self.options.tolerance.value(), click.glance_cap)
            self.controller.overlay.set_preview(wand_mask(click.glance, level / (WAND_LEVELS - 1), WAND_LEVELS),
                                                click.glance_factor)

    def full_mask(self) -> np.ndarray:
        """The selection at full resolution: found on the reduced copy, its
        edges then settled pixel by pixel on the full image (the render of
        the steps is cached, so this reads only the edge's pixels)."""
        small = self.mask()
        click = self.click
        if click.factor == 1:
            return small
        try:
            image, factor = self.controller.result_image()
        except (EditorError, MemoryError):
            return upsample_mask(small, click.factor, self.controller.result_shape())
        colour = sample_color(click.image, click.seed, click.options["sample_radius"])
        level = min(self.options.tolerance.value(), click.cap)
        return refine_mask(image, small, click.factor, colour, level / (WAND_LEVELS - 1), levels=WAND_LEVELS)

    def _commit_click(self) -> None:
        if self.click is None or self.controller.document is None:
            return
        if not self.ready():
            self._commit_when_ready = True  # a flood is still running: commit when it lands
            return
        mask = self.full_mask()
        radius = self.options.feather.value()
        selection: np.ndarray | Selection = mask
        if radius > 0 and mask.any():
            selection = Selection(mask).feathered(radius)
        tolerance = self.options.tolerance.value()
        self.controller.wand_selection(selection, self.click.mode, self.click.base, self.click.number,
                                       f"{self.name.replace('&', '')} (tolerance {tolerance})")

    def cancel(self) -> bool:
        had = self.dragging or self.busy
        self.dragging = False
        self._commit_when_ready = False
        if self.busy:
            self.busy = False  # the running flood's result will be ignored
            if self.click is not None and self.click.levels is None:
                self.click = None
            self.status_changed.emit(self.status)
        self.controller.overlay.set_preview(None)
        return had

    def deactivate(self) -> None:
        self.cancel()
        self.click = None


@register_tool(order=14)
class ColorRangeTool(WandTool):
    """Select by colour: the wand over the whole image, not only the connected area."""

    id = "select.color"
    name = "Select by &Colour"
    icon = "select-color"
    shortcut = "Shift+O"
    contiguous = False
    status = ("Select by colour: click a colour to select it everywhere in the image; drag from the click or use "
              "the tolerance slider for a wider or narrower range.")
