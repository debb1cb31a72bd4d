"""Editor benchmark: the real window, offscreen, on a 24-megapixel photo.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/editor_bench.py [--quick] [--load both] [--append RESULTS.md]

Measures what a person feels (issue 5's targets in brackets):

* open -> first painted frame of a 24 MP JPEG [< 1 s], and -> the full-resolution frame;
* for a slider drag of 30 steps on Gaussian blur, brightness/contrast, CLAHE and
  unsharp mask (those in the catalog): the time from each value change to the
  first painted frame showing that value or a newer one, median and 95th
  percentile [p95 < 50 ms]; the longest event-loop stall during the drag
  [< 50 ms]; the time from release to the full-resolution frame, and the
  longest stall while waiting for it;
* peak memory of the process (``VmHWM``, or ``ru_maxrss`` where there is no /proc);
* what each live frame costs, broken down: the render in the worker, the
  worker's conversion to a QImage and histogram, the wait from the request
  to the start of its render (the frame in progress before it), and painting
  on the GUI thread (the costs that do not shrink with the proxy);
* all of it twice, side by side: on the machine as it is, and with every
  core kept busy by another process (``stress-ng`` if installed, else one
  busy-loop process per core), as on a machine shared with other work or
  a slower one.

How: a QTimer ticking every 2 ms records the gaps between its ticks (a gap is
time the event loop could not run); an application event filter notes the
start of each paint of the canvas viewport and the next event after it (the
paint's end). The canvas's image setter is wrapped to learn which render
(generation, proxy factor) each frame shows. The drag moves the slider like a
mouse: ``setSliderDown(True)``, ``setValue`` every 16 ms (a 60 Hz mouse), then
``setSliderDown(False)``, which emits ``sliderReleased``.

Only public attributes of the window are used (``open_file``, ``sidebar.choose``,
``param_panel.widgets``, ``worker.rendered``, ``worker.latest_generation``,
``canvas``, ``canvas.painted`` when there is one), so the benchmark survives
changes inside the UI.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
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
        # (time, compute, conversion + histogram, request to start of render) per live frame rendered
        self.renders: list[tuple[float, float, float, float]] = []
        self.paints: list[tuple[float, float]] = []  # (time, seconds) per canvas paint
        if hasattr(canvas, "painted"):
            canvas.painted.connect(lambda seconds: self.paints.append((now(), seconds)))
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
        compute = getattr(result, "compute_seconds", 0.0)
        overhead = getattr(result, "overhead_seconds", float("nan"))
        waited = getattr(result, "seconds", 0.0) - compute - (overhead if overhead == overhead else 0.0)
        self.renders.append((now(), compute, overhead, max(0.0, waited)))
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
    compute: list[float] = field(default_factory=list)  # per live frame rendered, seconds
    overhead: list[float] = field(default_factory=list)  # conversion + histogram
    waited: list[float] = field(default_factory=list)  # request to start of its render
    paint: list[float] = field(default_factory=list)  # per canvas paint during the drag


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
    first_render, first_paint = len(probe.renders), len(probe.paints)
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
    for t, compute, overhead, waited in probe.renders[first_render:]:
        if t <= t_release:
            result.compute.append(compute)
            result.overhead.append(overhead)
            result.waited.append(waited)
    result.paint = [seconds for t, seconds in probe.paints[first_paint:] if t <= t_release]
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


def busy_load() -> list[subprocess.Popen]:
    """Keep every core busy with other processes: stress-ng if installed,
    else one busy-loop Python process per core."""
    cores = os.cpu_count() or 1
    if shutil.which("stress-ng"):
        return [subprocess.Popen(["stress-ng", "--cpu", str(cores), "--quiet"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(cores)]


def stop_load(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def measure(megapixels: float) -> dict:
    """One run of the benchmark in this process; the results as plain data."""
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

    return {
        "viewport": [viewport.width(), viewport.height()],
        "size": [w, h],
        "opened": bool(opened),
        "open_first": first.t_paint - t_open if first else None,
        "open_first_factor": first.factor if first else None,
        "open_returned": t_returned - t_open,
        "open_full": full.t_paint - t_open if full else None,
        "open_stall": open_stall,
        "peak_rss": peak_rss,
        "rss_start": rss_start,
        "other_share": others.share(),
        "missing": missing,
        "drags": [
            {
                "op_id": d.op_id, "param": d.param, "frames": d.frames, "factors": sorted(d.factors),
                "latencies": d.latencies, "uncovered": d.uncovered, "stall": d.stall,
                "release_to_full": d.release_to_full, "release_stall": d.release_stall, "note": d.note,
                "compute": d.compute, "overhead": d.overhead, "waited": d.waited, "paint": d.paint,
            }
            for d in drags
        ],
    }


def median_ms(values) -> str:
    values = [v for v in values if v == v]
    return fmt_ms(statistics.median(values)) if values else "\u2014"


def p95_ms(values) -> str:
    values = [v for v in values if v == v]
    return fmt_ms(percentile(values, 95)) if values else "\u2014"


def report(runs: dict[str, dict], megapixels: float) -> str:
    """The Markdown section: one column per load, side by side."""
    names = list(runs)
    any_run = next(iter(runs.values()))
    w, h = any_run["size"]
    vw, vh = any_run["viewport"]
    loads = {
        "quiet": "the machine as it is",
        "busy": f"every core kept busy by another process ({'stress-ng' if shutil.which('stress-ng') else 'one busy-loop process per core'})",
    }
    lines = [
        "## Editor: live preview on a big photo, quiet and busy machine (issue 17)",
        "",
        f"`tests/benchmarks/editor_bench.py --megapixels {megapixels:g}`: the real window offscreen "
        f"({WINDOW_SIZE[0]}x{WINDOW_SIZE[1]} window, {vw}x{vh} canvas viewport, default panel layout) on a {w}x{h} "
        f"({w * h / 1e6:.0f} MP) quality-90 JPEG made by upscaling resources/sample.png with LANCZOS. Drag = {STEPS} "
        f"slider steps every {STEP_MS} ms, then release. Latency = value change to the end of the first canvas paint "
        f"showing that value or a newer one. Stall = longest gap between ticks of a {TICK_MS} ms timer. Targets: "
        f"p95 < {TARGET_MS:.0f} ms, stall < {TARGET_MS:.0f} ms, first frame < 1 s. Runs: "
        + "; ".join(f"**{n}** = {loads.get(n, n)}" for n in names) + ". Other processes' share of the CPU during "
        "each run: " + ", ".join(
            f"{n} {runs[n]['other_share']:.0%}" if runs[n]["other_share"] is not None else f"{n} ?" for n in names)
        + ".",
        "",
        "| open | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]

    def row(label, key, target=None):
        cells = []
        for n in names:
            value = runs[n][key]
            cells.append(flag(value, target) if target else fmt_ms(value))
        return f"| {label} | " + " | ".join(cells) + " |"

    lines += [
        row("to first painted frame", "open_first", 1000),
        row("`open_file` returned", "open_returned"),
        row("to the full-resolution frame", "open_full"),
        row("longest stall", "open_stall", TARGET_MS),
        "| peak memory (VmHWM) | " + " | ".join(f"{runs[n]['peak_rss']:.0f} MiB" for n in names) + " |",
        "",
        "| operation | " + " | ".join(f"{label} {n}" for label in ("p95", "median") for n in names)
        + " | " + " | ".join(f"stall in drag {n}" for n in names)
        + " | " + " | ".join(f"release to full {n}" for n in names)
        + " | " + " | ".join(f"proxies {n}" for n in names) + " |",
        "|---|" + "---|" * (5 * len(names)),
    ]
    ops = [d["op_id"] for d in any_run["drags"]]
    by_op = {n: {d["op_id"]: d for d in runs[n]["drags"]} for n in names}
    for op in ops:
        ds = [by_op[n].get(op) for n in names]
        cells = [flag(percentile(d["latencies"], 95) if d and d["latencies"] else None, TARGET_MS) for d in ds]
        cells += [median_ms(d["latencies"]) if d else "\u2014" for d in ds]
        cells += [flag(d["stall"], TARGET_MS) if d else "\u2014" for d in ds]
        cells += [fmt_ms(d["release_to_full"]) if d else "\u2014" for d in ds]
        cells += [(", ".join(f"1:{f}" for f in d["factors"]) or "\u2014") + f" ({d['frames']} frames)"
                  if d else "\u2014" for d in ds]
        note = next((d["note"] for d in ds if d and d["note"]), "")
        lines.append(f"| {op} | " + " | ".join(cells) + " |" + (f" {note}" if note else ""))
    lines += [
        "",
        "What a live frame cost during each drag, median (p95): the render in the worker; the worker's "
        "conversion to a QImage and histogram; the wait from the request to the start of its render; "
        "painting the canvas on the GUI thread.",
        "",
        "| operation | run | frames rendered | render | conversion + histogram | wait before render | paint |",
        "|---|---|---|---|---|---|---|",
    ]
    for op in ops:
        for n in names:
            d = by_op[n].get(op)
            if d is None:
                continue
            cells = [str(len(d["compute"]))]
            cells += [f"{median_ms(d[k])} ({p95_ms(d[k])})" for k in ("compute", "overhead", "waited", "paint")]
            lines.append(f"| {op} | {n} | " + " | ".join(cells) + " |")
    missing = sorted({m for n in names for m in runs[n]["missing"]})
    if missing:
        lines += ["", "Not in the catalog yet: " + ", ".join(f"`{m}`" for m in missing) + "."]
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Editor benchmark (issues 5 and 17)")
    parser.add_argument("--quick", action="store_true", help="a 4 MP photo instead of 24 MP")
    parser.add_argument("--megapixels", type=float, default=None)
    parser.add_argument("--load", choices=("quiet", "busy", "both"), default="both",
                        help="run on the machine as it is, with every core kept busy, or both (default)")
    parser.add_argument("--json", type=Path, default=None, help=argparse.SUPPRESS)  # one run's data, for --load both
    parser.add_argument("--append", type=Path, default=None, help="put the Markdown section in this file (replacing the previous run's)")
    args = parser.parse_args(argv)
    megapixels = args.megapixels or (4.0 if args.quick else 24.0)

    if args.load == "both":
        # Each run in a process of its own: neither inherits the other's caches or peak memory.
        runs = {}
        with tempfile.TemporaryDirectory(prefix="editor-bench-runs-") as folder:
            for load in ("quiet", "busy"):
                out = Path(folder) / f"{load}.json"
                print(f"-- run with load: {load}", file=sys.stderr, flush=True)
                subprocess.run([sys.executable, __file__, "--megapixels", str(megapixels), "--load", load,
                                "--json", str(out)], check=True)
                runs[load] = json.loads(out.read_text())
    else:
        load = busy_load() if args.load == "busy" else []
        try:
            if load:
                pause_s = 1.0
                time.sleep(pause_s)  # let the load spin up
            runs = {args.load: measure(megapixels)}
        finally:
            stop_load(load)
        if args.json is not None:
            args.json.write_text(json.dumps(runs[args.load]))
            return 0
    text = report(runs, megapixels)
    print(text)
    if args.append is not None:
        from _sections import put_section  # this folder is on the path when run as a script

        put_section(args.append, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
