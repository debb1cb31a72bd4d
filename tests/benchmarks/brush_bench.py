"""Brush benchmark: a stroke segment to the screen on a 24-megapixel photo.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/brush_bench.py [--megapixels 24] [--output FILE]

The real window, offscreen, full-HD, on a 24 MP photo fitted to the view and
at 100%. A stroke of 120 pointer moves (16 image pixels apart, a quick
drag) is sent to the canvas as mouse events. For each move it times:

* **segment to screen**: the move event handled (the segment painted on the
  proxy mask and its overlay pixels) plus the synchronous repaint of the
  part of the view it changed: what a person sees follow the pointer
  [p95 < 50 ms];
* **full-resolution segment**: the same segment painted into the 24 MP mask
  (the tool does this when the event loop is free, off the path to the
  screen);
* **stroke end**: release to the selection made (one per stroke: a copy and
  a digest of the mask).

For brush diameters of 40, 150 and 600 image pixels. Beside it, the same
segments drawn with OpenCV (``cv2.line`` with round caps into a float32
mask of the same size, hard edge only, no stroke rule) as a peer for the
per-segment painting; OpenCV is in the ``bench`` extra only.

Prints a Markdown table; ``--output FILE`` also writes it there.
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from editor_bench import make_photo  # noqa: E402  (the same enlarged sample photo)

MOVES = 120
STEP_PX = 16.0  # image pixels between pointer positions
SIZES = (40, 150, 600)
TARGET_MS = 50.0


def pause(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait(app, condition, seconds: float) -> bool:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if condition():
            return True
    return condition()


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def stroke_points(w: int, h: int, centre: tuple[float, float], span: float) -> list[tuple[float, float]]:
    """A wavy stroke around ``centre``: MOVES points STEP_PX apart (roughly)."""
    cx, cy = centre
    points = []
    for i in range(MOVES + 1):
        t = i / MOVES
        x = cx - span / 2 + span * t
        y = cy + span / 6 * math.sin(t * 4 * math.pi)
        points.append((min(w - 1.0, max(0.0, x)), min(h - 1.0, max(0.0, y))))
    return points


def time_stroke(app, window, tool, points, size: int) -> dict[str, list[float]]:
    canvas = window.canvas
    viewport = canvas.viewport()
    tool.size_box.setValue(size)
    tool.hardness_box.setValue(75)
    views = []
    for x, y in points:
        p = canvas.mapFromScene(QPointF(x, y))
        views.append(QPoint(p.x(), p.y()))
    screen, full = [], []
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, views[0])
    tool.flush()
    for view in views[1:]:
        start = time.perf_counter()
        QTest.mouseMove(viewport, view)
        viewport.repaint()  # only the region the segment invalidated is painted
        screen.append(time.perf_counter() - start)
        start = time.perf_counter()
        tool.flush()
        full.append(time.perf_counter() - start)
    start = time.perf_counter()
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, views[-1])
    end = time.perf_counter() - start
    app.processEvents()
    return {"screen": screen, "full": full, "end": [end]}


def opencv_segments(shape, points, size: int) -> list[float] | None:
    try:
        import cv2
    except ImportError:
        return None
    mask = np.zeros(shape, np.float32)
    times = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        start = time.perf_counter()
        cv2.line(mask, (round(x0), round(y0)), (round(x1), round(y1)), 1.0, thickness=size, lineType=cv2.LINE_8)
        times.append(time.perf_counter() - start)
    return times


def run(megapixels: float) -> str:
    from ui.app import make_application
    from ui.main_window import MainWindow

    app = make_application()
    with tempfile.TemporaryDirectory() as folder:
        path = make_photo(megapixels, Path(folder))
        window = MainWindow()
        window.setGeometry(0, 0, 1920, 1080)
        window.show()
        pause(200)
        view_w, view_h = window.canvas.viewport().width(), window.canvas.viewport().height()
        if not window.open_file(str(path)):
            raise SystemExit(f"could not open {path}")
        wait(app, window.live.is_final_shown, 300)
        h, w = window.document.source.shape[:2]
        window.tools.activate("brush")
        tool = window.tools.active
        rows = []
        for zoom_name in ("fit", "100%"):
            if zoom_name == "fit":
                window.canvas.fit_to_window()
                span = w * 0.6
            else:
                window.canvas.set_zoom(1.0)
                window.canvas.centerOn(w / 2, h / 2)
                span = min(1400.0, w * 0.6)
            pause(100)
            for size in SIZES:
                points = stroke_points(w, h, (w / 2, h / 2), min(span, MOVES * STEP_PX))
                times = time_stroke(app, window, tool, points, size)
                window.undo_stack.undo()  # the next stroke starts from no selection again
                app.processEvents()
                peer = opencv_segments((h, w), points, size) if zoom_name == "fit" else None
                rows.append((zoom_name, size, times, peer))
        window.undo_stack.setClean()
        window.close()

    ms = 1000.0
    lines = [
        f"Brush on a {w} x {h} photo ({w * h / 1e6:.1f} MP), canvas {view_w} x {view_h}, {MOVES} moves per stroke, "
        f"{os.cpu_count()} cores. Times in ms; target: segment to screen p95 < {TARGET_MS:.0f} ms.",
        "",
        "| zoom | brush (px) | segment to screen, median | p95 | full-resolution segment, median | p95 "
        "| stroke end | OpenCV `cv2.line` segment, median | p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for zoom_name, size, times, peer in rows:
        screen, full = times["screen"], times["full"]
        peer_cells = ("-", "-") if peer is None else (f"{statistics.median(peer) * ms:.2f}",
                                                       f"{percentile(peer, 95) * ms:.2f}")
        lines.append(
            f"| {zoom_name} | {size} | {statistics.median(screen) * ms:.1f} | {percentile(screen, 95) * ms:.1f} "
            f"| {statistics.median(full) * ms:.2f} | {percentile(full, 95) * ms:.2f} | {times['end'][0] * ms:.0f} "
            f"| {peer_cells[0]} | {peer_cells[1]} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Brush: stroke segment to screen on a large photo")
    parser.add_argument("--megapixels", type=float, default=24.0)
    parser.add_argument("--output", type=Path, default=None, help="also write the table to this file")
    args = parser.parse_args(argv)
    table = run(args.megapixels)
    print(table)
    if args.output is not None:
        args.output.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
