"""Background rendering: the newest request wins, stale work is dropped.

One worker thread renders while the GUI thread stays free: NumPy releases the
GIL in its loops. A new request supersedes any pending one, and a render in
progress is cancelled between steps as soon as a newer request exists.
"""
from __future__ import annotations

import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from editor.document import Document
from editor.errors import EditorError, RenderCancelled
from editor.steps import Step

from .qt_image import to_qimage


@dataclass
class RenderResult:
    """A finished render, delivered to the GUI thread."""

    generation: int
    factor: int
    pixels: np.ndarray
    image: QImage
    full_size: tuple[int, int]  # (width, height) at full resolution
    tag: object = None


@dataclass
class _Job:
    generation: int
    document: Document
    steps: tuple[Step, ...]
    factors: tuple[int, ...]
    tag: object


class RenderWorker(QObject):
    """Renders documents off the GUI thread.

    Signals
    -------
    rendered(RenderResult)
        One per factor of a request that was not superseded.
    failed(int, str)
        The generation and a message fit for the user.
    busy_changed(bool)
    """

    rendered = Signal(object)
    failed = Signal(int, str)
    busy_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._cond = threading.Condition()
        self._pending: _Job | None = None
        self._latest = 0
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="render-worker", daemon=True)
        self._thread.start()

    @property
    def latest_generation(self) -> int:
        return self._latest

    def request(self, document: Document, steps: Sequence[Step], factors: Sequence[int], tag: object = None) -> int:
        """Queue a render of ``steps`` at each of ``factors`` in turn (a proxy,
        then full size); returns its generation number."""
        with self._cond:
            self._latest += 1
            self._pending = _Job(self._latest, document, tuple(steps), tuple(factors), tag)
            self._cond.notify()
            return self._latest

    def cancel(self) -> None:
        """Drop pending work and cancel the render in progress."""
        with self._cond:
            self._latest += 1
            self._pending = None

    def shutdown(self) -> None:
        with self._cond:
            self._stopping = True
            self._latest += 1
            self._pending = None
            self._cond.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                job, self._pending = self._pending, None
            self.busy_changed.emit(True)
            try:
                self._run(job)
            finally:
                self.busy_changed.emit(False)

    def _run(self, job: _Job) -> None:
        stale = lambda: job.generation != self._latest or self._stopping  # noqa: E731
        h, w = job.document.source.shape[:2]
        for factor in job.factors:
            if stale():
                return
            try:
                pixels = job.document.render(steps=job.steps, factor=factor, cancel=stale)
                if stale():
                    return
                image = to_qimage(pixels)
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
                self.failed.emit(job.generation, f"internal error in rendering: {exc!r}")
                return
            ph, pw = pixels.shape[:2]
            # Size-changing steps make the proxy's full size an estimate until
            # the full render arrives.
            full_size = (w, h) if (pw, ph) == (-(-w // factor), -(-h // factor)) else (pw * factor, ph * factor)
            self.rendered.emit(RenderResult(job.generation, factor, pixels, image, full_size, job.tag))
