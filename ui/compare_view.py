"""Before and after: the four view modes, the step compared with, and the held backslash.

The window owns one :class:`CompareView`. It holds the second canvas (the
"before" pane of side by side), the splitter both canvases live in, the
View menu's mode actions, and which step "before" means, following that
step when the history moves it. What to render is still the live view's
business; this object only asks it for the "before" image when a mode
needs one.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QSplitter

from .actions import make_action
from .canvas import ImageCanvas

if TYPE_CHECKING:
    from editor.document import Document

    from .live_view import LiveView
    from .render_worker import RenderResult

COMPARE_MODES = {
    "after": ("Result", "Show the edited image", "Alt+1"),
    "split": ("Split Before/After", "Before left of a draggable line, after to the right", "Alt+2"),
    "side": ("Side by Side", "Before and after next to each other, zoom and pan together", "Alt+3"),
    "difference": ("Difference", "Amplified difference between before and after, as a heat map", "Alt+4"),
}


class _HoldBeforeKey(QObject):
    """Backslash held down anywhere in the window shows the "before" image
    (except while typing in a text or number field)."""

    def __init__(self, compare: "CompareView", window):
        super().__init__(window)
        self._compare, self._window = compare, window

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and event.key() == Qt.Key.Key_Backslash:
            focus = QApplication.focusWidget()
            if isinstance(focus, (QLineEdit, QAbstractSpinBox)) or not self._window.isActiveWindow():
                return False
            if not event.isAutoRepeat():
                self._compare.hold_before(kind == QEvent.Type.KeyPress)
            return True
        return False


class CompareView(QObject):
    """The before/after comparison of one window.

    Parameters
    ----------
    window : QMainWindow
        Parent of the actions; its status bar carries the messages.
    canvas : ImageCanvas
        The canvas showing the result.

    Examples
    --------
    >>> compare = CompareView(window, window.canvas)      # doctest: +SKIP
    >>> compare.set_mode("side")                           # doctest: +SKIP
    """

    before_moved = Signal()  # the step compared with changed: its marker in the Steps list moves

    def __init__(self, window, canvas: ImageCanvas):
        super().__init__(window)
        self._window, self.canvas = window, canvas
        self.live: LiveView | None = None
        self.document: Document | None = None
        self.mode = "after"
        self.before_count = 0  # "before" is the image after this many steps (0 = the original)
        # The step is named by its document identity, not its position, so
        # the "before" marker follows a step that moves.
        self._before_id: int | None = None
        self._before_size: tuple[float, float] = (0.0, 0.0)  # of the "before" image last shown
        self._holding = False
        self._syncing = False
        self.before_canvas = ImageCanvas()
        self.before_canvas.hide()
        self.views = QSplitter()
        self.views.addWidget(self.before_canvas)
        self.views.addWidget(canvas)
        self.group = QActionGroup(self)
        self.actions: dict[str, QAction] = {}
        for mode, (text, tip, key) in COMPARE_MODES.items():
            act = make_action(window, text, lambda m=mode: self.set_mode(m), key, icon_name=f"compare-{mode}", tip=tip)
            act.setCheckable(True)
            self.group.addAction(act)
            self.actions[mode] = act
        self.actions["after"].setChecked(True)
        self.hold_hint_action = QAction("Hold \\ to See Before", window)
        self.hold_hint_action.setEnabled(False)
        self._hold_filter = _HoldBeforeKey(self, window)
        QApplication.instance().installEventFilter(self._hold_filter)
        canvas.view_changed.connect(lambda: self._sync_views(canvas, self.before_canvas))
        self.before_canvas.view_changed.connect(lambda: self._sync_views(self.before_canvas, canvas))

    def connect_live(self, live: "LiveView") -> None:
        """Take the "before" images from ``live``, which renders them."""
        self.live = live
        live.before_shown.connect(self._on_before_shown)
        live.before_worker.failed.connect(self._on_before_failed)
        live.result_shown.connect(self._on_result_shown)

    def shutdown(self) -> None:
        """Stop watching the keyboard (the window is closing)."""
        QApplication.instance().removeEventFilter(self._hold_filter)

    def _message(self, text: str, msecs: int) -> None:
        self._window.statusBar().showMessage(text, msecs)

    # -- the document ----------------------------------------------------------------
    def set_document(self, document: "Document") -> None:
        """A new image: compare with its original."""
        self.document = document
        self.before_count = 0
        self._before_id = None

    def document_changed(self) -> None:
        """The history changed: "before" stays the same step wherever it went
        (the original when that step is gone)."""
        if self._before_id is not None:
            index = self.document.index_of(self._before_id)
            if index is None:
                self._before_id = None
            self.before_count = 0 if index is None else index + 1

    # -- modes ------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """``"after"``, ``"split"``, ``"side"`` (side by side) or ``"difference"``."""
        if mode not in COMPARE_MODES:
            raise ValueError(f"unknown compare mode {mode!r}")
        entering_side = mode == "side" and self.mode != "side"
        self.mode = mode
        self.actions[mode].setChecked(True)
        self.before_canvas.setVisible(mode == "side")
        self._apply_canvas_mode()
        if entering_side:
            # A pane that was hidden comes back at whatever size the splitter
            # guesses: share the width evenly, then fit once the panes have it.
            total = sum(self.views.sizes()) or self.views.width()
            self.views.setSizes([total // 2, total - total // 2])
            QTimer.singleShot(0, self._fit_side_by_side)
        self._request_before()

    def fit_to_window(self) -> None:
        """The whole image in view (both images, side by side)."""
        if self.mode == "side":
            self._fit_side_by_side()
        else:
            self.canvas.fit_to_window()

    def _fit_side_by_side(self) -> None:
        # One zoom for both panes (they pan together), small enough that the
        # larger of the two images fits its pane: after a crop, the original.
        if self.mode != "side":
            return
        self.canvas.fit_to_window()
        if not self.before_canvas.sceneRect().isEmpty():
            zoom = min(self.canvas.fit_zoom(), self.before_canvas.fit_zoom())
            if zoom < self.canvas.zoom():
                self.canvas.set_zoom(zoom)
        self.before_canvas.follow(self.canvas)

    def set_before_count(self, count: int) -> None:
        """Compare with the image after ``count`` steps (0 = the original)."""
        if self.document is None:
            return
        self.before_count = max(0, min(count, len(self.document.steps)))
        self._before_id = self.document.step_ids[self.before_count - 1] if self.before_count else None
        self.before_moved.emit()
        label = "the original" if self.before_count == 0 else f"step {self.before_count}"
        self._message(f"Comparing with {label}", 4000)
        if self.mode == "after":
            self.set_mode("split")
        else:
            self._request_before()

    def hold_before(self, down: bool) -> None:
        """While backslash is held, show the before image."""
        if self.document is None or down == self._holding:
            return
        self._holding = down
        self._apply_canvas_mode()
        if down:
            self._request_before()

    def _apply_canvas_mode(self) -> None:
        if self._holding:
            self.canvas.set_mode("before")
        else:
            self.canvas.set_mode({"side": "after"}.get(self.mode, self.mode))

    def _request_before(self) -> None:
        """Ask for the image to compare with the result on the canvas (if any)."""
        if self.document is None or self.live is None or (self.mode == "after" and not self._holding):
            return
        difference = self.mode == "difference" and not self._holding
        self.live.request_before(self.before_count, difference)

    # -- what the renders bring ---------------------------------------------------------
    def _on_result_shown(self, _result: "RenderResult") -> None:
        self._check_split_shapes()
        self._request_before()

    def _on_before_failed(self, _generation: int, message: str) -> None:
        self._message(f"Cannot compare: {message}", 6000)
        if self.mode == "difference":
            self.set_mode("side")

    def _on_before_shown(self) -> None:
        size = self.before_canvas.sceneRect().size().toTuple()
        if self.mode == "side" and size != self._before_size:
            self._fit_side_by_side()  # a new "before" shape: both fit again
        self._before_size = size
        self._check_split_shapes()

    def _check_split_shapes(self) -> None:
        """A split line needs before and after of one shape (a resize can be
        scaled to fit); other shapes are shown side by side. Judged only on
        the current result, never on one an edit has made stale."""
        before, result = self.canvas.before_item.picture, self.live.result
        if self.mode != "split" or before.width == 0 or result is None:
            return
        if not self.live.is_current(result):
            return
        (aw, ah), (bw, bh) = result.full_size, (before.width, before.height)
        if abs(bw / bh - aw / ah) > 0.01 * (aw / ah):
            self._message("The images differ in shape: showing them side by side", 5000)
            self.set_mode("side")

    def _sync_views(self, leader: ImageCanvas, follower: ImageCanvas) -> None:
        if self._syncing or self.mode != "side":
            return
        self._syncing = True
        follower.follow(leader)
        self._syncing = False
