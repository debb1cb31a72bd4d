"""Editor benchmark: the real window, offscreen, on a 24-megapixel photo.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/editor_bench.py [--quick] [--append RESULTS.md]

Measures what a person feels (issue 5's targets in brackets):

* open -> first painted frame of a 24 MP JPEG [< 1 s], and -> the full-resolution frame;
* for a slider drag of 30 steps on Gaussian blur, brightness/contrast, CLAHE and
  unsharp mask (those in the catalog): the time from each value change to the
  first painted frame showing that value or a newer one, median and 95th
  percentile [p95 < 50 ms]; the longest event-loop stall during the drag
  [< 50 ms]; the time from release to the full-resolution frame, and the
  longest stall while waiting for it;
* peak memory of the process (``VmHWM``, or ``ru_maxrss`` where there is no /proc).

How: a QTimer ticking every 2 ms records the gaps between its ticks (a gap is
time the event loop could not run); an application event filter notes the
start of each paint of the canvas viewport and the next event after it (the
paint's end). The canvas's image setter is wrapped to learn which render
(generation, proxy factor) each frame shows. The drag moves the slider like a
mouse: ``setSliderDown(True)``, ``setValue`` every 16 ms (a 60 Hz mouse), then
``setSliderDown(False)``, which emits ``sliderReleased``.

Only public attributes of the window are used (``open_file``, ``sidebar.choose``,
``param_panel.widgets``, ``worker.rendered``, ``worker.latest_generation``,
``canvas``), so the benchmark survives changes inside the UI.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer  # noqa: E402

STEPS = 30
STEP_MS = 16  # a 60 Hz mouse
TICK_MS = 2
TARGET_MS = 50.0
WINDOW_SIZE = (1920, 1080)  # a full-HD screen

# op id -> (names to find it by, the parameter dragged, slider start and end as fractions of its range)
DRAGS = {
    "filter.gaussian_blur": (("gaussian_blur",), "sigma", 0.25, 0.65),
    "tone.brightness_contrast": (("brightness_contrast",), "brightness", 0.5, 0.8),
    "histogram.clahe": (("clahe",), "clip_limit", 0.05, 0.45),
    "filter.unsharp_mask": (("unsharp_mask",), "amount", 0.2, 0.6),
}


def now() -> float:
    return time.perf_counter()


@dataclass
class Frame:
    generation: int
    factor: int
    t_set: float  # the canvas got the image
    t_paint: float | None = None  # end of the first viewport paint after that


class Probe(QObject):
    """Event-loop stalls, canvas paints and frames."""

    def __init__(self, app, window):
        super().__init__()
        self.window = window
        self.frames: list[Frame] = []
        self._painting: list[Frame] = []  # frames waiting for their paint to end
        self._in_paint = False
        self._viewports = set()
        self.ticks_on = False
        self.max_gap = 0.0
        self._last_tick = now()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._unclaimed: Frame | None = None  # set on the canvas, not yet matched to a render
        canvas = window.canvas
        self._hook_canvas(canvas)
        window.worker.rendered.connect(self._rendered)  # after the window's own slot
        app.installEventFilter(self)

    def _hook_canvas(self, canvas) -> None:
        self._viewports.add(canvas.viewport())
        for name in ("set_after", "set_image"):
            original = getattr(canvas, name, None)
            if original is None:
                continue

            def wrapper(image, factor=1, full_size=None, *args, _original=original, **kwargs):
                result = _original(image, factor, full_size, *args, **kwargs)
                frame = Frame(-1, int(factor), now())  # the generation comes with worker.rendered, if from there
                self.frames.append(frame)
                self._painting.append(frame)
                self._unclaimed = frame
                return result

            setattr(canvas, name, wrapper)
            return
        raise RuntimeError("the canvas has neither set_after nor set_image: update editor_bench.py")

    def _rendered(self, result) -> None:
        frame, self._unclaimed = self._unclaimed, None
        if frame is not None:  # None: the window dropped this render as stale
            frame.generation = result.generation

    def _tick(self) -> None:
        t = now()
        if self.ticks_on:
            self.max_gap = max(self.max_gap, t - self._last_tick)
        self._last_tick = t

    def start_stalls(self) -> None:
        self.max_gap = 0.0
        self._last_tick = now()
        self.ticks_on = True

    def stop_stalls(self) -> float:
        self.ticks_on = False
        return self.max_gap

    def eventFilter(self, obj, event) -> bool:
        if self._in_paint:  # the first event after a canvas paint: the paint is over
            self._in_paint = False
            t = now()
            for frame in self._painting:
                frame.t_paint = t
            self._painting.clear()
        if event.type() == QEvent.Type.Paint and self._painting and obj in self._viewports:
            self._in_paint = True
        return False

    def close(self, app) -> None:
        app.removeEventFilter(self)
        self.timer.stop()


def wait(app, predicate, timeout_s: float) -> bool:
    """Run the event loop until ``predicate()`` or the timeout; True if it came true."""
    deadline = now() + timeout_s
    loop = QEventLoop()
    checker = QTimer()
    checker.setInterval(5)
    checker.timeout.connect(lambda: (predicate() or now() > deadline) and loop.quit())
    checker.start()
    if not predicate():
        loop.exec()
    checker.stop()
    return bool(predicate())


def pause(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def make_photo(megapixels: float, folder: Path) -> Path:
    """The sample upscaled with LANCZOS to ``megapixels``, saved as a quality-90 JPEG."""
    from PIL import Image

    with Image.open(ROOT / "resources" / "sample.png") as im:
        aspect = im.width / im.height
        h = round((megapixels * 1e6 / aspect) ** 0.5)
        w = round(h * aspect)
        big = im.convert("RGB").resize((w, h), Image.Resampling.LANCZOS)
    path = folder / f"sample-{w}x{h}.jpg"
    big.save(path, quality=90)
    return path


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB.

    ``VmHWM`` from /proc where there is one: unlike ``ru_maxrss`` it is reset by
    exec, so it does not inherit the peak of the benchmark process that
    started this one. ``ru_maxrss`` elsewhere.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values, float), q)) if values else float("nan")


@dataclass
class DragResult:
    op_id: str
    param: str
    live: bool
    latencies: list[float] = field(default_factory=list)  # seconds, one per covered value change
    uncovered: int = 0  # value changes no painted frame ever answered
    frames: int = 0
    factors: set = field(default_factory=set)
    stall: float = 0.0
    release_to_full: float | None = None
    release_stall: float = 0.0
    note: str = ""


def find_op(catalog, op_id, names):
    if op_id in catalog:
        return catalog.get(op_id)
    for op in catalog:
        if op.function.__name__ in names:
            return op
    return None


def drag(app, window, probe, op, param, start, end) -> DragResult:
    result = DragResult(op.id, param, op.live)
    window.sidebar.choose(op.id)
    # Let the first preview and its full-resolution render finish.
    generation = window.worker.latest_generation
    wait(app, lambda: any(f.generation >= generation and f.factor == 1 and f.t_paint for f in probe.frames), 120)
    pause(100)
    widget = window.param_panel.widgets.get(param)
    if widget is None or not hasattr(widget, "slider"):
        sliders = [(n, w) for n, w in window.param_panel.widgets.items() if hasattr(w, "slider")]
        if not sliders:
            result.note = "no slider"
            return result
        param, widget = sliders[0]
        result.param = param
    slider = widget.slider
    lo, hi = slider.minimum(), slider.maximum()
    positions = [round(lo + (hi - lo) * (start + (end - start) * k / (STEPS - 1))) for k in range(STEPS)]
    released = []
    slider.sliderReleased.connect(lambda: released.append(now()))

    changes: list[tuple[float, int]] = []  # (time of the value change, generation it asked for)
    first_frame = len(probe.frames)
    probe.start_stalls()
    slider.setSliderDown(True)
    pause(STEP_MS)
    for position in positions:
        t = now()
        before = window.worker.latest_generation
        slider.setValue(position)
        after = window.worker.latest_generation
        if after != before:
            changes.append((t, after))
        pause(STEP_MS)
    t_release = now()
    slider.setSliderDown(False)  # emits sliderReleased
    if not released:
        slider.sliderReleased.emit()
    result.stall = probe.stop_stalls()
    release_generation = window.worker.latest_generation

    # Full resolution after the release (the stall probe keeps watching).
    probe.start_stalls()
    ok = wait(app, lambda: any(f.generation >= release_generation and f.factor == 1 and f.t_paint
                               for f in probe.frames[first_frame:]), 300)
    result.release_stall = probe.stop_stalls()
    if ok:
        full = next(f for f in probe.frames[first_frame:]
                    if f.generation >= release_generation and f.factor == 1 and f.t_paint)
        result.release_to_full = full.t_paint - t_release

    painted = [f for f in probe.frames[first_frame:] if f.t_paint is not None]
    drag_frames = [f for f in painted if f.t_paint <= t_release]
    result.frames = len(drag_frames)
    result.factors = {f.factor for f in drag_frames}
    for t, generation in changes:
        answer = next((f for f in painted if f.generation >= generation and f.t_paint >= t), None)
        if answer is None:
            result.uncovered += 1
        else:
            result.latencies.append(answer.t_paint - t)
    if not op.live:  # nothing is rendered while the slider moves: no latencies to speak of
        result.latencies, result.uncovered = [], 0
        result.note = "not live: previews on release only"
    window.cancel_pending()
    pause(200)
    return result


def fmt_ms(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "\u2014"
    return f"{seconds * 1000:.0f} ms"


def flag(seconds: float | None, target_ms: float) -> str:
    text = fmt_ms(seconds)
    return f"**{text}**" if seconds is not None and seconds == seconds and seconds * 1000 > target_ms else text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Editor benchmark (issue 5)")
    parser.add_argument("--quick", action="store_true", help="a 4 MP photo instead of 24 MP")
    parser.add_argument("--megapixels", type=float, default=None)
    parser.add_argument("--append", type=Path, default=None, help="append the Markdown section to this file")
    args = parser.parse_args(argv)
    megapixels = args.megapixels or (4.0 if args.quick else 24.0)

    from ui.app import make_application
    from ui.main_window import MainWindow

    sys.path.insert(0, str(HERE))
    from run import OtherLoad

    others = OtherLoad()

    from PySide6.QtCore import qInstallMessageHandler

    def quiet(mode, context, message):  # the offscreen platform's harmless complaint, repeated per dock
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet)
    app = make_application(["editor-bench"])
    with tempfile.TemporaryDirectory(prefix="editor-bench-") as folder:
        # A settings file of our own: start from the default layout and never
        # touch the user's recent files or saved window state.
        os.environ["IMAGE_EDITOR_SETTINGS"] = str(Path(folder) / "settings.ini")
        path = make_photo(megapixels, Path(folder))
        rss_start = peak_rss_mib()
        window = MainWindow()
        window.resize(*WINDOW_SIZE)
        window.show()
        pause(300)
        probe = Probe(app, window)
        viewport = window.canvas.viewport().size()

        # Open -> first frame, then the full-resolution frame.
        probe.start_stalls()
        t_open = now()
        opened = window.open_file(str(path))
        t_returned = now()
        first = full = None
        if opened:
            wait(app, lambda: any(f.t_paint for f in probe.frames), 60)
            first = next((f for f in probe.frames if f.t_paint), None)
            wait(app, lambda: any(f.t_paint and f.factor == 1 for f in probe.frames), 300)
            full = next((f for f in probe.frames if f.t_paint and f.factor == 1), None)
        open_stall = probe.stop_stalls()
        pause(300)

        drags: list[DragResult] = []
        missing = []
        if opened:
            for op_id, (names, param, start, end) in DRAGS.items():
                op = find_op(window.catalog, op_id, names)
                if op is None:
                    missing.append(op_id)
                    continue
                print(f"dragging {op.id}.{param} ...", file=sys.stderr, flush=True)
                drags.append(drag(app, window, probe, op, param, start, end))
        peak_rss = peak_rss_mib()
        probe.close(app)
        h, w = (window.document.source.shape[:2] if window.document is not None else (0, 0))
        window.close()

    other_share = others.share()
    lines = [
        "## Editor: live preview on a big photo (issue 5)",
        "",
        f"`tests/benchmarks/editor_bench.py`: the real window offscreen ({WINDOW_SIZE[0]}x{WINDOW_SIZE[1]} window, "
        f"{viewport.width()}x{viewport.height()} canvas viewport, default panel layout) on a {w}x{h} ({w * h / 1e6:.0f} MP) quality-90 JPEG made by upscaling resources/sample.png "
        f"with LANCZOS. Drag = {STEPS} slider steps every {STEP_MS} ms, then release. Latency = value change to the "
        "end of the first canvas paint showing that value or a newer one. Stall = longest gap between ticks of a "
        f"{TICK_MS} ms timer. Targets: p95 < {TARGET_MS:.0f} ms, stall < {TARGET_MS:.0f} ms, first frame < 1 s. "
        + (f"Other processes used {other_share:.0%} of the machine's CPU time meanwhile."
           if other_share is not None else ""),
        "",
    ]
    if not opened:
        lines.append("Could not open the photo.")
    else:
        lines += [
            f"- Open to first painted frame: {flag(first.t_paint - t_open if first else None, 1000)}"
            f" (proxy 1:{first.factor if first else '?'}; `open_file` returned after {fmt_ms(t_returned - t_open)}); "
            f"to the full-resolution frame: {fmt_ms(full.t_paint - t_open if full else None)}; "
            f"longest stall meanwhile: {flag(open_stall, TARGET_MS)}",
            f"- Peak memory (peak resident set, VmHWM): {peak_rss:.0f} MiB (peak {rss_start:.0f} MiB before the "
            f"window was made, from imports and making the JPEG; the float32 RGB source alone is "
            f"{w * h * 12 / 2 ** 20:.0f} MiB)",
            "",
            "| operation | slider | frames during drag (proxy) | latency median | latency p95 | unanswered changes | "
            "longest stall in drag | release to full res | longest stall after release |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for d in drags:
            factors = ", ".join(f"1:{f}" for f in sorted(d.factors)) or "\u2014"
            lines.append(
                f"| {d.op_id} | {d.param} | {d.frames} ({factors}) | "
                f"{fmt_ms(statistics.median(d.latencies)) if d.latencies else chr(0x2014)} | "
                f"{flag(percentile(d.latencies, 95) if d.latencies else None, TARGET_MS)} | "
                f"{d.uncovered} of {d.uncovered + len(d.latencies)} | {flag(d.stall, TARGET_MS)} | "
                f"{fmt_ms(d.release_to_full)} | {flag(d.release_stall, TARGET_MS)} |"
                + (f" {d.note}" if d.note else "")
            )
        if missing:
            lines += ["", "Not in the catalog yet: " + ", ".join(f"`{m}`" for m in missing) + "."]
    lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.append is not None:
        with open(args.append, "a") as f:
            f.write("\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
