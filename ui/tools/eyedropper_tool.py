"""The eyedropper: click something that should be neutral gray.

A click reads the mean colour of the pixels around it (a 5 x 5 square of
the full-resolution image, rendered for that square only when the steps
allow) and adds a white balance step with that colour as its neutral
reference; with a white balance open in the Settings panel, the click sets
its reference instead. The same reading serves every parameter with a
"Pick" button (a threshold's level, the black and white points of levels).
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt

from editor.errors import EditorError
from processing.color import sample_color

from .base import CanvasTool, ToolEvent, register_tool

WHITE_BALANCE_OP = "color.white_balance"
SAMPLE_RADIUS = 2  # the mean of a (2r + 1)-pixel square: one noisy pixel does not decide


@register_tool(order=40)
class EyedropperTool(CanvasTool):
    id = "eyedropper"
    name = "&Eyedropper (White Balance)"
    icon = "eyedropper"
    shortcut = "I"
    cursor = Qt.CursorShape.CrossCursor
    status = "Eyedropper: click something that should be neutral gray or white to remove the colour cast."

    def __init__(self, controller):
        super().__init__(controller)
        # The panel's Pick buttons read pixels through this tool.
        controller.window.param_panel.sampler = self.sample_for_panel

    # -- reading pixels ---------------------------------------------------------------
    def sample(self, x: float, y: float, upto: int | None = None) -> tuple[float, ...] | None:
        """Mean pixel around image point (x, y) of the image after the first
        ``upto`` steps (all by default), at full resolution; None off the image."""
        document = self.controller.document
        if document is None:
            return None
        steps = document.steps if upto is None else document.steps[:upto]
        h, w = self.controller.window._input_shape(len(steps))[:2]
        if not (0 <= x < w and 0 <= y < h):
            return None
        col, row = math.floor(x), math.floor(y)
        x0, y0 = max(0, col - SAMPLE_RADIUS), max(0, row - SAMPLE_RADIUS)
        x1, y1 = min(w, col + SAMPLE_RADIUS + 1), min(h, row + SAMPLE_RADIUS + 1)
        try:
            region = document.render_region((x0, y0, x1 - x0, y1 - y0), steps=steps)
            if region is None:  # a step needs the whole image: render it (cached after)
                region = document.render(steps=steps)[y0:y1, x0:x1]
        except (EditorError, ValueError) as exc:
            self.controller.message(f"Cannot read the pixels there: {exc}")
            return None
        return sample_color(region, (x - x0, y - y0), SAMPLE_RADIUS)

    def sample_for_panel(self, x: float, y: float, mode: str, step_index: int | None):
        """For a Pick button: the image the operation in the panel applies to
        (before the step being edited; the current result for a new one)."""
        return self.sample(x, y, step_index if mode == "edit" else None)

    # -- events -------------------------------------------------------------------------
    def press(self, event: ToolEvent) -> bool:
        if event.button != Qt.MouseButton.LeftButton or self.controller.document is None:
            return False
        panel = self.controller.window.param_panel
        editing_balance = panel.operation is not None and panel.operation.id == WHITE_BALANCE_OP
        upto = panel.step_index if editing_balance and panel.mode == "edit" else None
        sample = self.sample(event.x, event.y, upto)
        if sample is None:
            return True
        if len(sample) < 3:
            self.controller.message("A gray image has no colour cast to remove.")
            return True
        # Five decimals keep a 16-bit pick exact (steps of 1/65535) and the step's summary short.
        reference = tuple(round(min(1.0, v), 5) for v in sample[:3])
        if min(reference) <= 0.0:
            self.controller.message("That pixel has no light in one colour: pick a brighter gray.")
            return True
        if editing_balance and panel.mode in ("new", "edit"):
            self.params_requested.emit({"reference": reference}, True)
        else:
            document = self.controller.document
            self.step_requested.emit(document.make_step(WHITE_BALANCE_OP, {"reference": reference}))
        r, g, b = (round(v * 255) for v in reference)
        self.controller.message(f"White balanced on ({r}, {g}, {b})")
        return True
