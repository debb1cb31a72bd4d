"""Background rendering: the newest request wins, stale work never holds the screen.

Renders run off the GUI thread while it stays free (NumPy releases the GIL in
its loops). A new request replaces any pending one. What happens to the
render in progress depends on its kind:

- a *live* render (a proxy or region while a slider moves) runs to the end
  and is shown even if a newer request came meanwhile: its frame is still
  newer than the one on screen, and dropping finished frames would leave a
  fast drag with hardly any;
- any other render (full resolution) stops at its next chance once
  superseded (between steps, and wherever the operation reports progress).

``cancel()`` drops everything up to now, live or not: nothing requested
before it reaches the screen.

A stale render may not stop quickly: an operation that never reports
progress runs to its end. So when a new request comes while the running
render is stale, the worker does not wait for it: it leaves that thread to
finish on its own (its result is dropped) and starts a fresh thread for the
new request. At most ``MAX_ABANDONED`` such threads exist at once; past that,
new work waits for the running render as before.

Conversion to QImage also happens here (QImage, unlike QPixmap, may be made
off the GUI thread), and so does the histogram: the GUI thread only paints.
"""
from __future__ import annotations

import inspect
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.document import Document
from editor.errors import EditorError, RenderCancelled
from editor.steps import Step

from .qt_image import to_display_image

# compute(factor, cancel, progress) -> pixels, or (pixels, tag) to say what
# was made. ``cancel()`` is true once the job is stale; ``progress(fraction)``
# reports the fraction done (and raises RenderCancelled once stale).
Compute = Callable[[int, Callable[[], bool], Callable[[float], None]], np.ndarray]
# analyse(pixels, factor) -> anything the GUI wants with the result (a histogram).
Analyse = Callable[[np.ndarray, int], object]

MAX_ABANDONED = 2  # stale renders left to finish on their own threads
PROGRESS_INTERVAL_S = 0.2  # at most five progress signals a second


def _accepts_progress() -> bool:
    """Whether ``Document.render`` takes a progress callback (newer cores do)."""
    try:
        return "progress" in inspect.signature(Document.render).parameters
    except (TypeError, ValueError):
        return False


RENDER_TAKES_PROGRESS = _accepts_progress()


@dataclass
class RenderResult:
    """A finished render, delivered to the GUI thread."""

    generation: int
    factor: int
    pixels: np.ndarray
    image: QImage
    full_size: tuple[int, int]  # (width, height) at full resolution
    tag: object = None
    analysis: object = None
    seconds: float = 0.0  # from request to result
    compute_seconds: float = 0.0  # rendering alone
    overhead_seconds: float = 0.0  # conversion to QImage and the analysis


@dataclass
class _Job:
    generation: int
    compute: Compute
    factors: tuple[int, ...]
    source_size: tuple[int, int]
    tag: object
    analyse: Analyse | None = None
    live: bool = False
    started: float = field(default_factory=time.perf_counter)


class _Runner:
    """One worker thread; ``abandoned`` once it may no longer deliver."""

    def __init__(self):
        self.abandoned = False
        self.job: _Job | None = None
        self.thread: threading.Thread | None = None


class RenderWorker(QObject):
    """Runs render jobs off the GUI thread, newest first.

    Signals
    -------
    rendered(RenderResult)
        One per factor of a request that was not superseded.
    failed(int, str)
        The generation and a message fit for the user.
    busy_changed(bool)
        True when a job starts, False when the worker goes idle.
    progressed(int, float)
        The generation and the fraction done of a request's last render (the
        full-resolution one), a few times a second when the operation
        reports it.
    """

    rendered = Signal(object)
    failed = Signal(int, str)
    busy_changed = Signal(bool)
    progressed = Signal(int, float)

    def __init__(self, parent=None, name: str = "render-worker"):
        super().__init__(parent)
        self._name = name
        self._cond = threading.Condition()
        self._pending: _Job | None = None
        self._latest = 0
        self._cancelled_upto = 0
        self._stopping = False
        self.busy = False
        self._abandoned: list[_Runner] = []
        self._start_runner()

    @property
    def latest_generation(self) -> int:
        return self._latest

    @property
    def abandoned_threads(self) -> int:
        """Stale renders still running on threads of their own."""
        with self._cond:
            self._abandoned = [r for r in self._abandoned if r.thread.is_alive()]
            return len(self._abandoned)

    def request(
        self,
        document: Document,
        steps: Sequence[Step],
        factors: Sequence[int],
        tag: object = None,
        analyse: Analyse | None = None,
        live: bool = False,
    ) -> int:
        """Render ``steps`` of ``document`` at each of ``factors`` in turn (a
        proxy, then full size); returns the request's generation number."""
        steps = tuple(steps)

        def compute(factor, cancel, progress):
            if RENDER_TAKES_PROGRESS:
                return document.render(steps=steps, factor=factor, cancel=cancel, progress=progress)
            return document.render(steps=steps, factor=factor, cancel=cancel)

        return self.submit(compute, factors, document.source.shape, tag, analyse, live)

    def submit(
        self,
        compute: Compute,
        factors: Sequence[int],
        source_shape: tuple[int, ...],
        tag: object = None,
        analyse: Analyse | None = None,
        live: bool = False,
    ) -> int:
        """Queue any ``compute(factor, cancel, progress) -> pixels`` job (see
        the module docstring for ``live``)."""
        with self._cond:
            self._latest += 1
            size = (source_shape[1], source_shape[0])
            self._pending = _Job(self._latest, compute, tuple(factors), size, tag, analyse, live)
            running = self._runner.job
            if running is not None and self._is_stale(running) and self._may_abandon():
                # Stale work must not delay the screen: leave it to finish
                # on its own thread and take the new job on a fresh one.
                self._runner.abandoned = True
                self._abandoned.append(self._runner)
                self._start_runner()
            self._cond.notify_all()
            return self._latest

    def cancel(self) -> None:
        """Drop pending work and cancel the render in progress."""
        with self._cond:
            self._cancelled_upto = self._latest
            self._pending = None

    def shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            self._latest += 1
            self._pending = None
            self._cond.notify_all()
            runner = self._runner
        runner.thread.join(timeout=10)

    # -- inside the worker threads -------------------------------------------------
    def _start_runner(self) -> None:
        runner = _Runner()
        runner.thread = threading.Thread(target=self._loop, args=(runner,), name=self._name, daemon=True)
        self._runner = runner  # before it runs: the loop asks whether it is the current one
        runner.thread.start()

    def _may_abandon(self) -> bool:
        self._abandoned = [r for r in self._abandoned if r.thread.is_alive()]
        return len(self._abandoned) < MAX_ABANDONED

    def _is_stale(self, job: _Job) -> bool:
        """Whether nothing ``job`` makes can reach the screen any more."""
        return job.generation <= self._cancelled_upto or (not job.live and job.generation != self._latest)

    def _set_busy(self, busy: bool) -> None:
        if self.busy != busy:
            self.busy = busy
            try:
                self.busy_changed.emit(busy)
            except RuntimeError:  # the window is gone (a script that never closed it, exiting)
                self._stopping = True

    def _loop(self, runner: _Runner) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping and not runner.abandoned:
                    if self._runner is runner:
                        self._set_busy(False)
                    self._cond.wait()
                if self._stopping or runner.abandoned:
                    return
                job, self._pending = self._pending, None
                runner.job = job
            if self._runner is runner:
                self._set_busy(True)
            try:
                self._run(job, runner)
            finally:
                with self._cond:
                    runner.job = None

    def _run(self, job: _Job, runner: _Runner) -> None:
        def cancelled() -> bool:
            return job.generation <= self._cancelled_upto or self._stopping or runner.abandoned

        def superseded() -> bool:
            return job.generation != self._latest

        def stop() -> bool:
            return cancelled() or (not job.live and superseded())

        last_report = [0.0]
        reporting = [False]  # only the last (full-resolution) render's progress is shown

        def progress(fraction: float) -> None:
            if stop():
                raise RenderCancelled("render cancelled")
            now = time.perf_counter()
            if reporting[0] and now - last_report[0] >= PROGRESS_INTERVAL_S:
                last_report[0] = now
                self.progressed.emit(job.generation, float(fraction))

        w, h = job.source_size
        for index, factor in enumerate(job.factors):
            # Never start more work for a superseded request; a live one
            # still finishes the frame it is making.
            if cancelled() or (superseded() and (index > 0 or not job.live)):
                return
            reporting[0] = index == len(job.factors) - 1
            try:
                started = time.perf_counter()
                pixels, tag = job.compute(factor, stop, progress), job.tag
                compute_seconds = time.perf_counter() - started
                if isinstance(pixels, tuple):
                    pixels, tag = pixels
                if stop():
                    return
                started = time.perf_counter()
                image = to_display_image(pixels)
                analysis = job.analyse(pixels, factor) if job.analyse is not None else None
                overhead_seconds = time.perf_counter() - started
            except RenderCancelled:
                return
            except (EditorError, ValueError, TypeError) as exc:
                if not cancelled():
                    self.failed.emit(job.generation, str(exc))
                return
            except MemoryError:
                if not cancelled():
                    self.failed.emit(job.generation, "not enough memory for this operation at this image size")
                return
            except Exception as exc:  # a bug in an operation must not kill the worker
                traceback.print_exc(file=sys.stderr)
                if not cancelled():
                    self.failed.emit(job.generation, f"internal error while rendering: {exc!r}")
                return
            ph, pw = pixels.shape[:2]
            if (pw, ph) == (-(-w // factor), -(-h // factor)):
                full_size = (w, h)
            else:
                # Size-changing steps: the proxy's full size is an estimate
                # until the full render arrives.
                full_size = (pw * factor, ph * factor)
            with self._cond:  # an abandoned thread never delivers
                if cancelled():
                    return
                self.rendered.emit(
                    RenderResult(
                        job.generation, factor, pixels, image, full_size, tag, analysis,
                        time.perf_counter() - job.started, compute_seconds, overhead_seconds,
                    )
                )
