"""Background rendering: the newest request wins, stale work is dropped.

One worker thread renders while the GUI thread stays free (NumPy releases
the GIL in its loops). A new request replaces any pending one. What happens
to the render in progress depends on its kind:

- a *live* render (a proxy or region while a slider moves) runs to the end
  and is shown even if a newer request came meanwhile: its frame is still
  newer than the one on screen, and dropping finished frames would leave a
  fast drag with hardly any;
- any other render (full resolution) stops between steps once superseded.

``cancel()`` drops everything up to now, live or not: nothing requested
before it reaches the screen. Conversion to QImage also happens here: QImage,
unlike QPixmap, may be made off the GUI thread.
"""
from __future__ import annotations

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

from .qt_image import to_qimage

# compute(factor, cancel) -> pixels, or (pixels, tag) to say what was made.
# ``cancel()`` is true once the job is stale.
Compute = Callable[[int, Callable[[], bool]], np.ndarray]
# analyse(pixels, factor) -> anything the GUI wants with the result (a histogram).
Analyse = Callable[[np.ndarray, int], object]


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
    """

    rendered = Signal(object)
    failed = Signal(int, str)
    busy_changed = Signal(bool)

    def __init__(self, parent=None, name: str = "render-worker"):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: _Job | None = None
        self._latest = 0
        self._cancelled_upto = 0
        self._stopping = False
        self.busy = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def latest_generation(self) -> int:
        return self._latest

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

        def compute(factor, cancel):
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
        """Queue any ``compute(factor, cancel) -> pixels`` job (see the module
        docstring for ``live``)."""
        with self._cond:
            self._latest += 1
            size = (source_shape[1], source_shape[0])
            self._pending = _Job(self._latest, compute, tuple(factors), size, tag, analyse, live)
            self._cond.notify()
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
            self._cond.notify()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    if self.busy:
                        self.busy = False
                        self.busy_changed.emit(False)
                    self._cond.wait()
                if self._stopping:
                    return
                job, self._pending = self._pending, None
            if not self.busy:
                self.busy = True
                self.busy_changed.emit(True)
            self._run(job)

    def _run(self, job: _Job) -> None:
        def cancelled() -> bool:
            return job.generation <= self._cancelled_upto or self._stopping

        def superseded() -> bool:
            return job.generation != self._latest

        def stop() -> bool:
            return cancelled() or (not job.live and superseded())

        w, h = job.source_size
        for index, factor in enumerate(job.factors):
            # Never start more work for a superseded request; a live one
            # still finishes the frame it is making.
            if cancelled() or (superseded() and (index > 0 or not job.live)):
                return
            try:
                started = time.perf_counter()
                pixels, tag = job.compute(factor, stop), job.tag
                compute_seconds = time.perf_counter() - started
                if isinstance(pixels, tuple):
                    pixels, tag = pixels
                if stop():
                    return
                image = to_qimage(pixels)
                analysis = job.analyse(pixels, factor) if job.analyse is not None else None
            except RenderCancelled:
                return
            except (EditorError, ValueError, TypeError) as exc:
                self.failed.emit(job.generation, str(exc))
                return
            except MemoryError:
                self.failed.emit(job.generation, "not enough memory for this operation at this image size")
                return
            except Exception as exc:  # a bug in an operation must not kill the worker
                traceback.print_exc(file=sys.stderr)
                self.failed.emit(job.generation, f"internal error while rendering: {exc!r}")
                return
            ph, pw = pixels.shape[:2]
            if (pw, ph) == (-(-w // factor), -(-h // factor)):
                full_size = (w, h)
            else:
                # Size-changing steps: the proxy's full size is an estimate
                # until the full render arrives.
                full_size = (pw * factor, ph * factor)
            self.rendered.emit(
                RenderResult(
                    job.generation, factor, pixels, image, full_size, tag, analysis,
                    time.perf_counter() - job.started, compute_seconds,
                )
            )
