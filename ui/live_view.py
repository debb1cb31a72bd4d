"""The Qt side of the live preview: render workers in, canvas and histogram out.

:class:`LiveView` asks the Qt-free :class:`editor.preview.PreviewModel` what
to render, hands that to the render workers, and shows each finished frame
the model accepts. It also measures what the frames cost on this machine
(render, conversion, histogram and painting) so the model can keep live
frames within their budget, reduces the source to the live resolutions in
the background after a final render (the model says which), and shows the
progress of long renders.

Opening a file also lives here (:func:`load_in_background`): the reduced
draft of a big JPEG and the full decode both run off the GUI thread.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QToolButton

from editor.catalog import Catalog
from editor.compare import difference_heatmap
from editor.document import Document
from editor.errors import EditorError, RenderCancelled
from editor.image_draft import load_draft
from editor.image_file import load_image
from editor.preview import Kind, PreviewModel, RenderRequest, Verdict
from editor.project import SOURCE_HASH_KEY, file_sha256
from editor.render import proxy_factor
from editor.steps import Step

from . import histogram_panel
from .canvas import ImageCanvas
from .histogram_panel import HistogramPanel
from .qt_image import to_display_image
from .render_worker import RenderResult, RenderWorker

BUSY_DELAY_MS = 300  # show progress only for work a person would notice
# A percentage and the time left, once the render has reported this much
# (earlier estimates of the time left jump about too much to help).
ESTIMATE_AFTER_FRACTION = 0.03


def format_time_left(seconds: float) -> str:
    """Time left as a person reads it: "about 40 s left", "about 3 min left".

    Examples
    --------
    >>> format_time_left(3.2), format_time_left(125)
    ('about 4 s left', 'about 2 min left')
    """
    if seconds < 60:
        return f"about {max(1, int(seconds + 0.999))} s left"
    return f"about {int(seconds / 60 + 0.5)} min left"


class LiveView(QObject):
    """Renders what the window should show and puts it on the canvas.

    Signals
    -------
    result_shown(RenderResult)
        A new result frame is on the canvas (the window then updates the
        comparison).
    before_shown()
        A new "before" image is on the canvas.
    message(str, int)
        A status bar message and how long to show it (ms).
    """

    result_shown = Signal(object)
    before_shown = Signal()
    message = Signal(str, int)

    def __init__(
        self,
        canvas: ImageCanvas,
        before_canvas: ImageCanvas,
        histogram: HistogramPanel,
        size_label: QLabel,
        catalog: Catalog,
        parent=None,
    ):
        super().__init__(parent)
        self.canvas, self.before_canvas, self.histogram = canvas, before_canvas, histogram
        self.size_label = size_label
        self.catalog = catalog
        self.model = PreviewModel()
        self.document: Document | None = None
        self.result: RenderResult | None = None  # the result frame on the canvas
        self.worker = RenderWorker(self, "render-after")
        self.before_worker = RenderWorker(self, "render-before")
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # until the operation reports how far it is
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("Rendering\u2026")
        self.progress.setTextVisible(True)
        self.cancel_button = QToolButton(text="Cancel")
        self.cancel_button.setToolTip("Stop the render in progress (Escape)")
        self.progress.hide()
        self.cancel_button.hide()
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)
        self._progress_generation = 0
        self._progress_started = 0.0
        self._progress_fraction0 = 0.0
        self._paint_pending = False
        self.worker.rendered.connect(self._on_rendered)
        self.worker.failed.connect(self._on_failed)
        self.worker.busy_changed.connect(self._on_busy)
        self.worker.progressed.connect(self._on_progress)
        self.before_worker.rendered.connect(self._on_before_rendered)
        self.canvas.painted.connect(self._on_painted)

    # -- what is shown -------------------------------------------------------------
    @property
    def shown(self) -> tuple[int, int]:
        """(generation, factor) of the newest result frame on the canvas."""
        return self.model.shown_generation, self.model.shown_factor

    def is_current(self, result: RenderResult | None = None) -> bool:
        """Whether ``result`` (default: the one shown) answers the newest request."""
        result = result if result is not None else self.result
        return result is not None and result.generation == self.worker.latest_generation

    def is_final_shown(self) -> bool:
        """Whether the newest request is on the canvas at full resolution."""
        return self.model.is_showing(self.worker.latest_generation, 1)

    def display_factor(self) -> int:
        """Reduction that renders about as many pixels as the canvas shows."""
        if self.document is None:
            return 1
        ratio = self.canvas.devicePixelRatioF()
        viewport = self.canvas.viewport().size()
        return proxy_factor(self.document.source.shape, int(viewport.width() * ratio), int(viewport.height() * ratio))

    # -- documents -----------------------------------------------------------------
    def set_document(self, document: Document) -> None:
        """Drop everything of the previous document: none of its frames may
        reach the screen, and none of its renders may delay this one's."""
        self.worker.cancel()
        self.before_worker.cancel()
        self.model.reset(self.worker.latest_generation, self.before_worker.latest_generation)
        self.document = document
        self.result = None
        self.canvas.clear_before()
        self.before_canvas.clear_before()
        self.histogram.set_histogram(None)

    def show_draft(self, image, factor: int, full_size: tuple[int, int]) -> None:
        """Paint a quick reduced decode (``image`` reduced by ``factor``)
        while the full image loads; frames of what was open before never
        replace it."""
        self.worker.cancel()
        self.before_worker.cancel()
        self.model.reset(self.worker.latest_generation, self.before_worker.latest_generation)
        self.canvas.set_after(image, factor, full_size)

    def cancel(self) -> None:
        """Stop rendering; the canvas keeps what it shows."""
        self.worker.cancel()
        self.before_worker.cancel()
        self.model.drop_upto(self.worker.latest_generation, self.before_worker.latest_generation)
        self._busy_timer.stop()
        self.progress.hide()
        self.cancel_button.hide()

    def shutdown(self) -> None:
        self.worker.shutdown()
        self.before_worker.shutdown()

    # -- requests ------------------------------------------------------------------
    def request(self, steps: Sequence[Step], final: bool) -> None:
        """Render ``steps`` over the document: a live frame while a control
        moves (``final`` False), else the display proxy then full size."""
        if self.document is None:
            return
        steps = tuple(steps)
        factor = self.display_factor()
        live_capable = not steps or self.catalog.get(steps[-1].op_id).live
        if not final and not live_capable:
            self.message.emit("This operation previews when you release the control", 3000)
            return
        h, w = self.document.source.shape[:2]
        display_pixels = -(-w // factor) * -(-h // factor)
        region = None if final else self._region(steps, factor)
        request = self.model.request(steps, display_factor=factor, final=final, live_capable=live_capable,
                                     display_pixels=display_pixels, region=region)
        if request is not None:
            self._submit(request)

    def _region(self, steps: tuple[Step, ...], factor: int) -> tuple[int, int, int, int] | None:
        """Zoomed in past the proxy's detail, the visible part at full
        resolution, when a region render can serve these steps now."""
        if not self.model.wants_region(factor, self.canvas.zoom()):
            return None
        visible = self.canvas.visible_image_rect()
        source_size = (self.document.source.shape[1], self.document.source.shape[0])
        if visible.isEmpty() or self.result is None or self.result.full_size != source_size:
            return None
        if not self.document.can_render_region(steps):
            return None
        return int(visible.x()), int(visible.y()), int(visible.width()) + 2, int(visible.height()) + 2

    def _submit(self, request: RenderRequest) -> None:
        document = self.document
        analyse = histogram_panel.analyse_live if request.sparse_histogram else histogram_panel.analyse
        if request.region is None:
            self.worker.request(document, request.steps, request.factors, tag=request.tag, analyse=analyse,
                                live=request.live)
            return
        rect, steps, tag = request.region, request.steps, request.tag

        def compute(f, cancel, progress):
            if f > 1:  # then the proxy, for the histogram only
                return document.render(steps=steps, factor=f, cancel=cancel), tag.as_analysis()
            region = document.render_region(rect, steps=steps, cancel=cancel)
            if region is None:  # the cache dropped what made it possible: skip this frame
                raise RenderCancelled("region no longer renderable")
            return region

        def analyse_proxy(pixels, f):
            return analyse(pixels, f) if f > 1 else None

        self.worker.submit(compute, request.factors, document.source.shape, tag=tag, analyse=analyse_proxy,
                           live=True)

    def _prefetch(self, display_factor: int) -> None:
        """Reduce the source to the live resolutions in the background (a
        no-op once they are cached; a comparison's render supersedes it)."""
        document, request = self.document, self.model.prefetch_request(display_factor)
        if not request.factors:
            return

        def compute(f, cancel, progress):
            for factor in request.factors:
                if cancel():
                    raise RenderCancelled("prefetch superseded")
                document.render(steps=(), factor=factor, cancel=cancel)
            raise RenderCancelled("nothing to show")  # made for the cache only

        # On the "before" worker, usually idle: the result worker's numbering
        # says which request is the newest, and this one is nobody's.
        self.before_worker.submit(compute, request.factors[:1], document.source.shape, tag=request.tag)

    def request_before(self, before_count: int, difference: bool) -> None:
        """Render the image to compare with the result on the canvas."""
        result, document = self.result, self.document
        if document is None or result is None:
            return
        request = self.model.before_request(document.steps, before_count, result.factor, difference=difference,
                                            full_size=result.full_size)
        if not difference:
            self.before_worker.request(document, request.steps, request.factors, tag=request.tag)
            return
        after, steps = result.pixels, request.steps

        def compute(f, cancel, progress):
            return difference_heatmap(after, document.render(steps=steps, factor=f, cancel=cancel))

        self.before_worker.submit(compute, request.factors, document.source.shape, tag=request.tag)

    # -- results -------------------------------------------------------------------
    def _on_rendered(self, result: RenderResult) -> None:
        tag = result.tag
        pixels = result.pixels.shape[0] * result.pixels.shape[1]
        self.model.observe(tag, result.factor, pixels, result.compute_seconds, result.overhead_seconds)
        verdict = self.model.accept(result.generation, tag, result.factor)
        if verdict is Verdict.SHOW_REGION:
            self.canvas.set_region(result.image, *tag.origin)
        elif verdict is Verdict.HISTOGRAM:
            self.histogram.set_histogram(result.analysis)
        elif verdict is Verdict.SHOW:
            # The prefetch goes first: showing the result asks for the
            # comparison's "before" on the same worker, which must supersede
            # the prefetch, never the other way round.
            if tag.kind is Kind.FINAL and result.factor == 1 and self.is_current(result):
                self._prefetch(tag.display_factor)
            self._show_result(result)

    def _show_result(self, result: RenderResult) -> None:
        self.result = result
        self._paint_pending = True  # the next paint of the canvas shows this frame
        self.canvas.set_after(result.image, result.factor, result.full_size)
        # Every frame brings its histogram: the full-resolution one counts
        # the image itself (sampled past a few megapixels), a proxy's is scaled.
        if result.analysis is not None:
            self.histogram.set_histogram(result.analysis)
        w, h = result.full_size
        self.size_label.setText(f"{w} \u00d7 {h}" + (" (preview)" if result.factor > 1 else ""))
        self.result_shown.emit(result)

    def _on_painted(self, seconds: float) -> None:
        if self._paint_pending:
            self._paint_pending = False
            self.model.observe_paint(seconds)

    def _on_failed(self, generation: int, message: str) -> None:
        if generation >= self.model.shown_generation:
            self.message.emit(f"Cannot render: {message}", 8000)

    def _on_before_rendered(self, result: RenderResult) -> None:
        if self.model.accept_before(result.generation) is Verdict.DROP:
            return
        if result.tag.kind is Kind.DIFFERENCE:
            self.canvas.set_difference(result.image, result.factor, result.tag.full_size)
            return
        self.canvas.set_before(result.image, result.factor, result.full_size)
        self.before_canvas.set_after(result.image, result.factor, result.full_size)
        self.before_shown.emit()

    # -- progress --------------------------------------------------------------------
    def _on_busy(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
            self._progress_generation = 0
            self._progress_started = time.perf_counter()
            self.progress.setRange(0, 0)
            self.progress.setFormat("Rendering\u2026")
        else:
            self._busy_timer.stop()
            self.progress.hide()
            self.cancel_button.hide()

    def _show_busy(self) -> None:
        if self.worker.busy:
            self.progress.show()
            self.cancel_button.show()

    def _on_progress(self, generation: int, fraction: float) -> None:
        """A percentage and the time left for the render in progress (the
        worker sends a few of these a second at most)."""
        if generation != self.worker.latest_generation or not self.worker.busy:
            return  # a stale render's progress says nothing about the wait
        now = time.perf_counter()
        if generation != self._progress_generation:
            # Estimates start with the first report: the render may have
            # waited for or followed a proxy before.
            self._progress_generation = generation
            self._progress_started, self._progress_fraction0 = now, fraction
        percent = int(fraction * 100)
        self.progress.setRange(0, 100)
        self.progress.setValue(percent)
        text = f"Rendering {percent}%"
        done = fraction - self._progress_fraction0
        elapsed = now - self._progress_started
        if done >= ESTIMATE_AFTER_FRACTION and elapsed > 0:
            text += f", {format_time_left(elapsed * (1.0 - fraction) / done)}"
        self.progress.setFormat(text)


def load_in_background(
    path: str | Path,
    max_pixels: int,
    draft_size: tuple[int, int],
    on_draft: Callable[[Any, int, tuple[int, int]], None],
):
    """Decode ``path`` on a thread while the window keeps painting (it takes
    no input meanwhile): first a reduced draft of a big JPEG, shown through
    ``on_draft(image, factor, full_size)`` as soon as it is ready, then the
    image. Nothing is decoded or converted on the GUI thread.

    Returns the loaded image; raises EditorError when it cannot be read.
    """
    outcome: dict[str, Any] = {}
    lock = threading.Lock()

    def work():
        try:
            draft = load_draft(path, *draft_size)
            if draft is not None:
                pixels, full_size = draft
                factor = max(1, round(full_size[0] / pixels.shape[1]))
                with lock:
                    outcome["draft"] = (to_display_image(pixels), factor, full_size)
            loaded = load_image(path, max_pixels=max_pixels)
            # Remember the file's hash: a project saved later refuses a
            # source that changed on disk since it was opened.
            loaded.info.extra.setdefault(SOURCE_HASH_KEY, file_sha256(path))
            outcome["loaded"] = loaded
        except EditorError as exc:
            outcome["error"] = exc
        except MemoryError:
            outcome["error"] = EditorError(f"Cannot open {path}: not enough memory for an image this large")

    def poll():
        with lock:
            draft = outcome.pop("draft", None)
        if draft is not None and "loaded" not in outcome and "error" not in outcome:
            on_draft(*draft)  # (the full image already here: a draft would only flash)
        if not thread.is_alive():
            loop.quit()

    thread = threading.Thread(target=work, name="image-loader", daemon=True)
    thread.start()
    loop = QEventLoop()
    timer = QTimer(interval=5)
    timer.timeout.connect(poll)
    timer.start()
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    timer.stop()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["loaded"]
