"""Processing benchmark: our operations beside scipy, scikit-image, OpenCV and Pillow.

Run with ``make bench`` (or ``python tests/benchmarks/run.py``)::

    python tests/benchmarks/run.py            # 12 MP (24 MP for a subset), ~10 min
    python tests/benchmarks/run.py --quick    # 2 MP smoke run, no RESULTS.md
    python tests/benchmarks/run.py --only blur,erode --no-editor
    python tests/benchmarks/run.py --threads-only   # just the 1-thread vs all-cores table
    python tests/benchmarks/run.py --threads-only --output tests/benchmarks/RESULTS.md  # ... and put it there

Each of our catalog operations is called through ``Operation.apply`` with the
parameters of its case below (``CASES``) on a camera-size picture made by
upscaling ``resources/sample.png``, and timed beside the peers of the same case
(``peers.py``). Operations not yet in the catalog are listed, not timed.

Timing: one warm-up call (also checks that the call works), then several
runs, median; fewer runs for slow calls. The table is printed as Markdown and,
in a full run, written to ``tests/benchmarks/RESULTS.md`` with the machine's
description; the editor benchmark (``editor_bench.py``) runs afterwards in its
own process and appends its section.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import editor  # noqa: E402,F401  (first: BLAS gets one thread per call, as in the editor)
import numpy as np  # noqa: E402

from peers import PEERS, Inputs, make_inputs  # noqa: E402
from _sections import put_section, write_keeping_others  # noqa: E402

SAMPLE = ROOT / "resources" / "sample.png"
RESULTS = HERE / "RESULTS.md"

SHARPEN = ((0.0, -1.0, 0.0), (-1.0, 5.0, -1.0), (0.0, -1.0, 0.0))
# Magic wand on the wooden table: the region is about half the picture.
WAND = lambda h, w: {"seed_xy": (0.85 * w, 0.75 * h), "tolerance": 0.2, "connectivity": 8,  # noqa: E731
                     "mode": "connected"}
# Distance watershed of the binary picture's (bright) objects.
SPLIT = {"threshold": 0.5, "min_distance": 10, "auto_threshold": False, "foreground": "bright"}
MIXER = ((0.8, 0.2, 0.0), (0.1, 0.8, 0.1), (0.0, 0.2, 0.8))  # rows: output r, g, b from input r, g, b


# -- the cases ------------------------------------------------------------------------
@dataclass
class Case:
    """One timed call: an operation (or a plain function) with parameters.

    ``key`` is the operation id, with ``[variant]`` when an operation has more
    than one case; peers are registered under the same key. ``params`` may be
    a function of the picture's (height, width). ``names`` are function names
    to look for in the catalog when the id is not there (ids may still move).
    """

    key: str
    params: dict | Callable[[int, int], dict] = field(default_factory=dict)
    input: str = "rgb"  # rgb | gray | binary
    point: bool = False  # a point operation: target <= 3 memory passes
    function: str | None = None  # "module.name" in processing, for non-catalog functions
    names: tuple[str, ...] = ()
    describe: Callable[[Any], str] | None = None  # a note on the result (region size ...)

    @property
    def op_id(self) -> str:
        return self.key.split(" ")[0].split("[")[0]

    def params_for(self, h: int, w: int) -> dict:
        return dict(self.params(h, w) if callable(self.params) else self.params)

    def with_params(self, suffix: str, **changes) -> "Case":
        base = self.params

        def params(h, w):
            values = dict(base(h, w) if callable(base) else base)
            values.update(changes)
            return values

        return Case(f"{self.key} {suffix}", params, self.input, self.point, self.function, self.names, self.describe)


def _morph(name, shape="square", radius=2, key=None):
    return Case(key or f"morphology.{name}", {"shape": shape, "radius": radius})


CASES: list[Case] = [
    # filters
    Case("filter.gaussian_blur", {"sigma": 2.0}),
    Case("filter.box_blur", {"radius": 7}),
    Case("filter.median_filter", {"radius": 2}),
    Case("filter.unsharp_mask", {"radius": 2.0, "amount": 1.0, "threshold": 0.0}),
    Case("filter.bilateral_filter", {"sigma_spatial": 3.0, "sigma_range": 0.1}),
    Case("filter.convolve", {"kernel": SHARPEN, "normalize": False}),
    # edges, on the gray picture
    Case("edges.sobel", {}, "gray"),
    Case("edges.prewitt", {}, "gray"),
    Case("edges.scharr", {}, "gray"),
    Case("edges.laplacian", {}, "gray"),
    Case("edges.canny", {"sigma": 2.0, "low": 0.1, "high": 0.2}, "gray"),
    # tone: point operations
    Case("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.2}, point=True),
    Case("tone.gamma", {"gamma": 1.8}, point=True),
    Case("tone.levels", {"black": 0.05, "white": 0.95, "midtone_gamma": 1.2}, point=True),
    Case("tone.curves", {"points": ((0.0, 0.0), (0.25, 0.2), (0.75, 0.85), (1.0, 1.0))}, point=True),
    Case("tone.exposure", {"stops": 0.5}, point=True),
    Case("tone.invert", {}, point=True),
    Case("tone.posterize", {"levels": 4}, point=True),
    Case("tone.solarize", {"threshold": 0.5}, point=True),
    # colour
    Case("color.grayscale", {"method": "luma"}, point=True),
    Case("color.hue_saturation", {"hue_deg": 20.0, "saturation": 0.2, "lightness": 0.0}, point=True),
    Case("color.temperature_tint", {"temperature": 0.2, "tint": 0.1}, point=True),
    Case("color.channel_mixer", {f"{out}_from_{src}": MIXER[i][j] for i, out in enumerate("rgb")
                                 for j, src in enumerate("rgb")}, point=True),
    Case("color.normalize_color[gray_world]", {"method": "gray_world"}, point=True),
    Case("color.normalize_color[contrast_stretch]",
         {"method": "contrast_stretch", "percent_low": 1.0, "percent_high": 99.0}, point=True),
    Case("color.normalize_color[standardize]", {"method": "standardize"}, point=True),
    # histogram
    Case("histogram.histogram", {"bins": 256}, function="histogram.histogram"),
    Case("histogram.equalize", {"mode": "luminance"}, names=("equalize_histogram",)),
    Case("histogram.clahe", {"clip_limit": 2.0, "tiles": 8}),
    # thresholds, on the gray picture
    Case("threshold.global", {"level": 0.5}, "gray", point=True, names=("threshold_global",)),
    Case("threshold.otsu", {}, "gray", names=("threshold_otsu",)),
    Case("threshold.multi_otsu", {"classes": 3}, "gray", names=("threshold_multi_otsu",)),
    Case("threshold.adaptive", {"block_size": 31, "offset": 0.02, "method": "mean"}, "gray",
         names=("threshold_adaptive",)),
    Case("threshold.adaptive[gaussian]", {"block_size": 31, "offset": 0.02, "method": "gaussian"}, "gray",
         names=("threshold_adaptive",)),
    Case("threshold.triangle", {}, "gray", names=("threshold_triangle",)),
    # morphology, per channel on RGB; binary operations on the mask
    _morph("erode"),
    _morph("dilate"),
    _morph("opening"),
    _morph("closing"),
    _morph("gradient"),
    _morph("top_hat"),
    _morph("black_hat"),
    _morph("erode", "disk", 5, key="morphology.erode[disk]"),
    Case("morphology.fill_holes", {}, "binary"),
    Case("morphology.remove_small_objects", {"min_size": 64}, "binary"),
    Case("morphology.skeletonize", {}, "binary"),
    # geometry
    Case("geometry.flip", {"direction": "horizontal"}),
    Case("geometry.rotate90", {"k": 1}),
    Case("geometry.rotate", {"angle_deg": 10.0, "expand": False, "interpolation": "bilinear"}),
    Case("geometry.rotate[bicubic]", {"angle_deg": 10.0, "expand": False, "interpolation": "bicubic"}),
    Case("geometry.resize", {"scale": 0.5, "interpolation": "bilinear"}),
    Case("geometry.resize[up]", {"scale": 1.5, "interpolation": "bicubic"}),
    Case("geometry.translate", {"dx": 10.5, "dy": -4.25, "interpolation": "bilinear"}),
    Case("geometry.crop", lambda h, w: {"x": w // 4, "y": h // 4, "width": w // 2, "height": h // 2}),
    Case("geometry.affine", {"matrix": ((0.98, 0.17, -200.0), (-0.17, 0.98, 350.0))}),
    Case("geometry.perspective", lambda h, w: {"quad": (
        (0.05 * w, 0.08 * h), (0.97 * w, 0.02 * h), (0.93 * w, 0.95 * h), (0.02 * w, 0.90 * h)),
        "width": w, "height": h}),
    # segmentation: the catalog's operations paint labels over the picture; the
    # plain functions beside them are what the peers compute.
    Case("segmentation.kmeans", {"k": 8, "seed": 0, "iterations": 10, "mode": "mean", "opacity": 1.0},
         names=("kmeans_colors",)),
    Case("segmentation.components", {"connectivity": 8, "mode": "palette", "opacity": 0.6}, "binary",
         names=("components_overlay",)),
    Case("segmentation.label_components", {"connectivity": 8}, "binary", function="segmentation.label_components"),
    Case("segmentation.magic_wand", WAND, names=("region_highlight",)),
    Case("segmentation.region_grow", WAND, function="segmentation.region_grow",
         describe=lambda mask: f"the region is {np.mean(mask):.0%} of the picture"),
    Case("segmentation.slic", {"n_segments": 400, "compactness": 10.0, "boundaries": False},
         names=("slic_superpixels",)),
    Case("segmentation.split_objects", SPLIT, "binary", names=("split_objects",)),
    Case("segmentation.split_objects_labels", SPLIT, "binary", function="segmentation.split_objects_labels",
         describe=lambda labels: f"{int(np.max(labels))} objects"),
]

# Cases timed again on the 24 MP picture (time should double with the pixel count).
SCALING_24MP = [
    "filter.gaussian_blur", "filter.box_blur", "filter.median_filter", "filter.unsharp_mask",
    "tone.brightness_contrast", "color.grayscale", "edges.sobel", "histogram.clahe",
    "threshold.adaptive", "morphology.erode", "geometry.rotate", "segmentation.label_components",
    "segmentation.region_grow",
]


# Timed on 1 thread and on all cores (the "Threads" table).
THREAD_CASES = [
    "filter.gaussian_blur", "filter.box_blur", "filter.median_filter", "filter.bilateral_filter",
    "filter.unsharp_mask", "edges.sobel", "edges.canny", "histogram.clahe", "histogram.equalize",
    "geometry.rotate", "geometry.resize", "morphology.erode", "segmentation.kmeans", "segmentation.slic",
    "tone.brightness_contrast", "color.grayscale",
]
# A speed-up below this share of the ideal (the number of cores) counts as "does not scale".
SCALES = 0.65
# Why an operation gains less than the others from more threads.
THREAD_REASONS = {
    "tone.brightness_contrast": "a point operation reads and writes each value once, so the memory bus, "
                                "shared by all cores, is the limit, not arithmetic",
    "color.grayscale": "a point operation: memory-bound like brightness/contrast",
    "histogram.equalize": "a few memory passes (count, look up, rescale) with little arithmetic: memory-bound",
    "histogram.clahe": "the per-tile lookup tables are built serially between the tiled counting and "
                       "interpolation passes, which are themselves light on arithmetic",
    "edges.canny": "the hysteresis step groups edge pixels into chains with a whole-image union-find, "
                   "which is serial",
    "segmentation.kmeans": "the centres are fitted serially on a 100k-pixel sample (k-means++, Lloyd) "
                           "before the parallel assignment of every pixel",
    "segmentation.slic": "the passes are tiled by rows of grid cells, a few dozen pieces, and merging "
                         "small fragments (run labelling, union-find) is serial",
    "geometry.resize": "each pass is a set of small banded matrix products; shrinking by half leaves "
                       "little work per band, so memory traffic dominates",
    "morphology.erode": "a small square element costs a few min passes per pixel: memory-bound",
    "edges.sobel": "a few shifted adds per pixel: memory-bound",
    "filter.box_blur": "running sums, one add and one subtract per pixel: memory-bound, and the two "
                       "transposes are pure memory traffic",
}


def _radius_series() -> list[tuple[str, list[Case]]]:
    """Groups of the same operation at growing radius (cost should stay flat or grow linearly)."""
    by_key = {c.key: c for c in CASES}
    groups = [
        ("box blur, radius 2 vs 50 (flat)", [by_key["filter.box_blur"].with_params(f"r={r}", radius=r) for r in (2, 50)]),
        ("Gaussian blur, sigma 2 vs 50 (flat)",
         [by_key["filter.gaussian_blur"].with_params(f"sigma={s}", sigma=float(s)) for s in (2, 50)]),
        ("adaptive threshold, block 5 vs 101 (flat)",
         [by_key["threshold.adaptive"].with_params(f"block={b}", block_size=b) for b in (5, 101)]),
        ("median, radius 1/2/4/8 (at most linear)",
         [by_key["filter.median_filter"].with_params(f"r={r}", radius=r) for r in (1, 2, 4, 8)]),
        ("erosion square, radius 2 vs 50 (flat)",
         [by_key["morphology.erode"].with_params(f"r={r}", shape="square", radius=r) for r in (2, 50)]),
        ("erosion cross, radius 2 vs 50 (flat)",
         [by_key["morphology.erode"].with_params(f"r={r}", shape="cross", radius=r) for r in (2, 50)]),
    ]
    return groups


def growth_verdict(series: list[Case], results: list[tuple[str, float]]) -> str:
    """How the cost grows along a radius series.

    For a flat target: the last time over the first (ok within 1.5x). For the
    median: the exponent p of ``time ~ radius^p`` between neighbouring radii
    (1 = linear, the target; 2 = with the window's area).
    """
    times = [t for _, t in results]
    if series[0].op_id == "filter.median_filter":
        radii = [c.params_for(1, 1)["radius"] for c in series]
        exps = [math.log(t2 / t1) / math.log(r2 / r1) for (r1, t1), (r2, t2) in zip(zip(radii, times),
                                                                                  zip(radii[1:], times[1:]))]
        text = ", ".join(f"{e:.1f}" for e in exps)
        worst = max(exps[1:] or exps)  # radius 1 may take a special path
        return f"growth exponent {text}" + (" (**faster than linear**)" if worst > 1.25 else " (ok)")
    q = times[-1] / times[0]
    return "ok" if q <= 1.5 else f"**grows {q:.1f}x**"


# -- timing -----------------------------------------------------------------------------
class Timer:
    """Warm-up plus median of several runs; fewer runs for slow calls and when
    the run's time budget is nearly spent."""

    def __init__(self, quick: bool, budget_s: float):
        self.quick = quick
        self.start = time.perf_counter()
        self.budget_s = budget_s

    def runs_for(self, first: float) -> int:
        if first >= 3.0 or time.perf_counter() - self.start > 0.8 * self.budget_s:
            return 0  # the warm-up is the measurement
        if first >= 1.0:
            return 1 if self.quick else 2
        if first >= 0.25:
            return 2 if self.quick else 3
        return 3 if self.quick else 5

    def measure(self, thunk: Callable[[], Any]) -> tuple[float, int]:
        """(median seconds, number of timed calls)."""
        t0 = time.perf_counter()
        out = thunk()
        first = time.perf_counter() - t0
        del out
        runs = self.runs_for(first)
        if runs == 0:
            return first, 1
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            out = thunk()
            times.append(time.perf_counter() - t0)
            del out
        return statistics.median(times), runs


@dataclass
class Cell:
    seconds: float | None = None
    dtype: str = "f32"
    estimate: bool = False
    note: str = ""
    error: str = ""
    runs: int = 0

    def text(self) -> str:
        if self.error:
            return "error"
        if self.seconds is None:
            return "\u2014"
        s = fmt_time(self.seconds)
        if self.estimate:
            s = "~" + s
        marks = [m for m in (("u8" if self.dtype == "u8" else ""), ("est" if self.estimate else "")) if m]
        return f"{s} ({', '.join(marks)})" if marks else s


def fmt_time(seconds: float) -> str:
    ms = seconds * 1000
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 100:
        return f"{ms:.1f} ms"
    if ms < 10000:
        return f"{ms:.0f} ms"
    return f"{seconds:.1f} s"


# -- inputs --------------------------------------------------------------------------------
def picture_size(megapixels: float) -> tuple[int, int]:
    """(width, height) with the sample's 3:2 aspect and about ``megapixels`` pixels."""
    from PIL import Image

    with Image.open(SAMPLE) as im:
        aspect = im.width / im.height
    h = round(math.sqrt(megapixels * 1e6 / aspect))
    return round(h * aspect), h


def make_picture(megapixels: float) -> Inputs:
    """The sample photo upscaled with Pillow's LANCZOS to about ``megapixels``."""
    from PIL import Image

    w, h = picture_size(megapixels)
    with Image.open(SAMPLE) as im:
        big = im.convert("RGB").resize((w, h), Image.Resampling.LANCZOS)
    return make_inputs(np.asarray(big))


def ours_input(inputs: Inputs, kind: str) -> np.ndarray:
    """Read-only view of the input our operation gets (the editor hands read-only arrays)."""
    array = {"rgb": inputs.rgb, "gray": inputs.gray, "binary": inputs.binary}[kind].view()
    array.flags.writeable = False
    return array


def copy_time(timer: Timer, array: np.ndarray, runs: int = 11) -> float:
    """Median time of ``array.copy()``: one full-image memory pass (read + write)."""
    array.copy()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = array.copy()
        times.append(time.perf_counter() - t0)
        del out
    return statistics.median(times)


# -- resolving our operations -----------------------------------------------------------------
@dataclass
class Resolved:
    call: Callable[[np.ndarray, dict], Any] | None
    label: str  # what is shown in the table (the op id actually found)
    problems: list[str] = field(default_factory=list)  # parameter adjustments
    params: dict = field(default_factory=dict)  # what our call gets
    missing: str = ""  # why it is not timed


def resolve(case: Case, catalog, h: int, w: int) -> Resolved:
    wanted = case.params_for(h, w)
    if case.function:
        module_name, name = case.function.rsplit(".", 1)
        try:
            module = importlib.import_module(f"processing.{module_name}")
            function = getattr(module, name)
        except (ImportError, AttributeError):
            return Resolved(None, case.key, missing="not implemented yet")
        return Resolved(lambda image, p: function(image, **p), case.key + " (function)", params=wanted)

    op = None
    if case.op_id in catalog:
        op = catalog.get(case.op_id)
    else:
        names = case.names or (case.op_id.split(".", 1)[1],)
        for candidate in catalog:
            if candidate.function.__name__ in names or candidate.id.split(".", 1)[-1] in names:
                op = candidate
                break
    if op is None:
        return Resolved(None, case.key, missing="not implemented yet")

    from editor.errors import ParamError

    problems, kept = [], {}
    declared = {p.name: p for p in op.params}
    for name, value in wanted.items():
        if name not in declared:
            problems.append(f"no parameter {name!r}")
            continue
        try:
            kept[name] = declared[name].validate(value)
        except ParamError as exc:
            problems.append(str(exc))
    try:
        values = op.validate(kept)
    except ParamError as exc:
        return Resolved(None, case.key, missing=f"invalid parameters: {exc}")
    variant = case.key[len(case.op_id):]
    label = op.id + variant if op.id != case.op_id else case.key
    return Resolved(lambda image, p: op.apply(image, p), label, problems, values)


# -- one case ------------------------------------------------------------------------------------
@dataclass
class Row:
    case: Case
    label: str
    ours: Cell
    peers: dict[str, Cell]  # column -> cell
    copy_s: float
    problems: list[str]
    missing: str = ""
    note: str = ""


COLUMNS = ("scipy", "skimage", "cv2", "cv2 1t", "pillow")


def time_peers(case: Case, inputs: Inputs, timer: Timer, with_peers: bool, errors: list[str]) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    if not with_peers:
        return cells
    h, w = inputs.shape
    params = case.params_for(h, w)
    for spec in PEERS.get(case.key.split(" ")[0], []):
        columns = ("cv2", "cv2 1t") if spec.library == "cv2" else (spec.library,)
        for column in columns:
            cell = Cell(dtype=spec.dtype, estimate=spec.estimate, note=spec.note)
            cells[column] = cell
            source = inputs
            if spec.estimate:
                source = inputs.crop(min(h, 768), min(w, 1152))
            try:
                thunk = spec.make(source, params)
                if column.startswith("cv2"):
                    import cv2

                    cv2.setNumThreads(1 if column == "cv2 1t" else DEFAULT_CV_THREADS)
                try:
                    seconds, cell.runs = timer.measure(thunk)
                finally:
                    if column.startswith("cv2"):
                        cv2.setNumThreads(DEFAULT_CV_THREADS)
            except NotImplementedError:  # the peer has no equivalent for these parameters
                del cells[column]
                continue
            except Exception as exc:  # a peer that fails is reported, not fatal
                cell.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
                errors.append(f"{case.key} / {column}: {cell.error}")
                continue
            if spec.estimate:
                seconds *= (h * w) / (source.shape[0] * source.shape[1])
            cell.seconds = seconds
    return cells


def time_case(case: Case, inputs: Inputs, catalog, timer: Timer, copies: dict[str, float], errors: list[str],
              with_peers: bool = True) -> Row:
    h, w = inputs.shape
    resolved = resolve(case, catalog, h, w)
    ours = Cell()
    row = Row(case, resolved.label, ours, {}, copies[case.input], resolved.problems, resolved.missing)
    if resolved.call is None:
        return row
    image = ours_input(inputs, case.input)
    try:
        ours.seconds, ours.runs = timer.measure(lambda: resolved.call(image, resolved.params))
    except Exception as exc:
        ours.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
        errors.append(f"{case.key} / ours: {ours.error}")
        traceback.print_exc(limit=3, file=sys.stderr)
    if case.describe is not None and ours.seconds is not None:
        row.note = case.describe(resolved.call(image, resolved.params))
    row.peers = time_peers(case, inputs, timer, with_peers, errors)
    return row


# -- agreement: do the peers compute the same thing? ------------------------------------------------------
def agreement(case: Case, inputs: Inputs, catalog) -> dict[str, float]:
    """Max |ours - peer| on a small crop, for float32 peers giving the same shape."""
    small = inputs.crop(96, 144)
    h, w = small.shape
    resolved = resolve(case, catalog, h, w)
    if resolved.call is None:
        return {}
    try:
        ours = np.asarray(resolved.call(ours_input(small, case.input), resolved.params), np.float64)
    except Exception:
        return {}
    params = case.params_for(h, w)
    found = {}
    for spec in PEERS.get(case.key, []):
        if spec.dtype != "f32":
            continue
        try:
            out = spec.make(small, params)()
        except Exception:
            continue
        if isinstance(out, tuple) or not isinstance(out, np.ndarray):
            continue
        out = np.asarray(out, np.float64)
        if out.shape != ours.shape:
            continue
        found[spec.library] = float(np.max(np.abs(out - ours)))
    return found


# -- report ------------------------------------------------------------------------------------------------
def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt_ratio(r: float | None, target: float | None = None, tag: str = "") -> str:
    if r is None:
        return "\u2014"
    text = f"{r:.2f}" if r < 10 else f"{r:.0f}"
    if target is not None and r > target:
        text = f"**{text}**"
    return f"{text} ({tag})" if tag else text


def main_table(rows: list[Row]) -> tuple[list[str], dict]:
    head = ["op", "input", "ours", *COLUMNS, "ours / fastest", "ours / scipy-skimage", "ours / cv2 1t", "passes"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    cv_ratios, cv_ratios_all, misses = [], [], []
    for row in rows:
        if row.missing:
            continue
        ours = row.ours.seconds
        fastest_col = min((col for col, c in row.peers.items() if c.seconds is not None),
                          key=lambda col: row.peers[col].seconds, default=None)
        fastest = row.peers[fastest_col] if fastest_col else None
        r_fast = ratio(ours, fastest.seconds if fastest else None)
        sci = [row.peers[c] for c in ("scipy", "skimage") if c in row.peers and row.peers[c].seconds is not None]
        sci_f32 = [c for c in sci if c.dtype == "f32"] or sci
        best_sci = min(sci_f32, key=lambda c: c.seconds) if sci_f32 else None
        r_sci = ratio(ours, best_sci.seconds if best_sci else None)
        cv1 = row.peers.get("cv2 1t")
        r_cv = ratio(ours, cv1.seconds if cv1 and cv1.seconds is not None else None)
        if r_cv is not None:
            cv_ratios_all.append(r_cv)
            if cv1.dtype == "f32":
                cv_ratios.append(r_cv)
        passes = ratio(ours, row.copy_s)
        if r_sci is not None and r_sci > 1.0:
            misses.append(f"{row.label}: {r_sci:.2f}x scipy/skimage")
        if row.case.point and passes is not None and passes > 3.0:
            misses.append(f"{row.label}: {passes:.1f} memory passes (point operation)")
        label = row.label + (" \u2020" if row.problems else "")
        out = [
            label,
            row.case.input,
            row.ours.text(),
            *[row.peers[c].text() if c in row.peers else "" for c in COLUMNS],
            fmt_ratio(r_fast, tag=fastest_col or ""),
            fmt_ratio(r_sci, 1.0, "u8" if best_sci is not None and best_sci.dtype == "u8" else ""),
            fmt_ratio(r_cv, tag="u8" if cv1 is not None and cv1.dtype == "u8" else ""),
            fmt_ratio(passes, 3.0 if row.case.point else None) + (" (point)" if row.case.point else ""),
        ]
        lines.append("| " + " | ".join(out) + " |")
    summary = {
        "geomean_cv": math.exp(statistics.fmean(map(math.log, cv_ratios))) if cv_ratios else None,
        "n_cv": len(cv_ratios),
        "geomean_cv_all": math.exp(statistics.fmean(map(math.log, cv_ratios_all))) if cv_ratios_all else None,
        "n_cv_all": len(cv_ratios_all),
        "misses": misses,
    }
    return lines, summary


def machine_description(extra: dict) -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
    except OSError:
        pass
    versions = {"Python": platform.python_version(), "NumPy": np.__version__}
    for name, module in (("SciPy", "scipy"), ("scikit-image", "skimage"), ("OpenCV", "cv2"), ("Pillow", "PIL")):
        try:
            versions[name] = importlib.import_module(module).__version__
        except ImportError:
            versions[name] = "not installed"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"- Date: {datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu}, {os.cpu_count()} logical cores ({usable} usable); memory {mem}; {platform.system()} {platform.release()}",
        "- " + ", ".join(f"{k} {v}" for k, v in versions.items())
        + f"; OpenCV default threads: {DEFAULT_CV_THREADS}",
    ]
    lines += [f"- {k}: {v}" for k, v in extra.items()]
    return lines


class OtherLoad:
    """CPU time other processes used while we ran, as a share of the machine.

    The load average counts our own threads, so it cannot say whether the
    machine was shared; /proc/stat's busy time minus our own CPU time can.
    """

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        import resource

        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
            ticks = [int(v) for v in fields]
        except (OSError, ValueError, IndexError):
            return None
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        busy = sum(ticks[:8]) - idle  # user nice system idle iowait irq softirq steal
        own = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own.ru_utime + own.ru_stime

    def share(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[0] - self.start[0]
        others = (end[1] - self.start[1]) - (end[2] - self.start[2])
        return max(0.0, others) / (wall * (os.cpu_count() or 1))


# -- threads ------------------------------------------------------------------------------------------
def threads_section(inputs: Inputs, catalog, quick: bool, errors: list[str], log,
                    wanted: list[str] | None = None) -> list[str]:
    """The "Threads" table: each of ``THREAD_CASES`` on 1 thread and on all
    cores, interleaved runs, the minimum of each (the least disturbed by
    other processes sharing the machine), and the speed-up."""
    from processing._parallel import default_workers, set_workers

    cores = default_workers()
    h, w = inputs.shape
    by_key = {c.key: c for c in CASES}
    lines = [
        "## Threads", "",
        f"One call on the whole picture ({w}x{h}) with the processing pool on 1 thread and on all {cores} "
        "cores (`processing._parallel.set_workers`); runs alternate between the two settings and the "
        "fastest of each is kept, as other processes may share the machine. "
        f"Speed-up = 1 thread / {cores} threads (ideal {cores}x). *CPU* = the process's CPU time on {cores} "
        "threads / on 1 (medians): near 1 means splitting the work added little of its own, so a speed-up "
        "below the ideal comes from serial parts, memory bandwidth or cores taken by others.", "",
    ]
    if cores < 2:
        return lines + ["This machine lets the process use one core: nothing to compare.", ""]
    lines += [f"| op | 1 thread | {cores} threads | speed-up | CPU |", "|---|---|---|---|---|"]
    slow: list[tuple[str, float, str]] = []
    others = OtherLoad()
    for key in THREAD_CASES:
        if wanted and not any(s in key for s in wanted):
            continue
        case = by_key[key]
        resolved = resolve(case, catalog, h, w)
        if resolved.call is None:
            log(f"threads: {key}: {resolved.missing}")
            continue
        image = ours_input(inputs, case.input)
        times: dict[int, list[float]] = {1: [], cores: []}
        cpu: dict[int, list[float]] = {1: [], cores: []}

        def timed(n):
            set_workers(n)
            t0, c0 = time.perf_counter(), time.process_time()
            resolved.call(image, resolved.params)
            times[n].append(time.perf_counter() - t0)
            cpu[n].append(time.process_time() - c0)

        try:
            for n in (1, cores):  # warm-up, and the first estimate of the cost
                timed(n)
            first = times[1][0]
            runs = 1 if first > 6 else 2 if first > 2 or quick else 4
            for _ in range(runs):
                for n in (1, cores):
                    timed(n)
        except Exception as exc:  # noqa: BLE001 - reported, the table goes on
            errors.append(f"threads {key}: {type(exc).__name__}: {exc}")
            continue
        finally:
            set_workers(None)
        one, many = min(times[1]), min(times[cores])
        speedup = one / many
        mark = f"{speedup:.2f}x" if speedup >= SCALES * cores else f"**{speedup:.2f}x**"
        cpu_ratio = statistics.median(cpu[cores]) / max(1e-9, statistics.median(cpu[1]))
        lines.append(f"| {resolved.label} | {fmt_time(one)} | {fmt_time(many)} | {mark} | {cpu_ratio:.2f} |")
        log(f"threads: {resolved.label}: {fmt_time(one)} on 1, {fmt_time(many)} on {cores}: {speedup:.2f}x")
        if speedup < SCALES * cores:
            slow.append((resolved.label, speedup, THREAD_REASONS.get(key, "")))
    lines.append("")
    share = others.share()
    busy = share is not None and share > 0.25
    if share is not None:
        lines.append(
            f"Other processes used {share:.0%} of the machine's CPU time while this table was measured"
            + (f" ({datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, load average "
               f"{os.getloadavg()[0]:.1f}): **the cores were shared**, so a second thread of ours mostly waited "
               "for a core and the speed-ups understate what an idle machine gives." if busy else ".")
        )
        lines.append("")
    if slow:
        lines.append(f"Bold: below {SCALES * cores:.1f}x ({SCALES:.0%} of the ideal). Why these gain less:")
        lines.append("")
        unknown = ("no serial part; its tiles run on every thread, so here the cores were not free"
                   if busy else "no known serial part; probably noise")
        lines += [f"- {label} ({speedup:.2f}x): {reason or unknown}" for label, speedup, reason in slow]
        lines.append("")
    return lines


# -- main --------------------------------------------------------------------------------------------------
DEFAULT_CV_THREADS = 1


def main(argv=None) -> int:
    global DEFAULT_CV_THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 MP smoke run (4 MP for the scaling subset); prints only")
    parser.add_argument("--only", default="", help="comma-separated substrings of case keys to run")
    parser.add_argument("--no-peers", action="store_true", help="time our operations only")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 24 MP and radius checks")
    parser.add_argument("--no-editor", action="store_true", help="skip the editor benchmark")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"Markdown file to write (default {RESULTS.relative_to(ROOT)} for a full run, none for --quick or --only)")
    parser.add_argument("--budget", type=float, default=480.0, help="seconds after which calls are timed once")
    parser.add_argument("--no-threads", action="store_true", help="skip the 1-thread vs all-cores table")
    parser.add_argument("--threads-only", action="store_true",
                        help="run only the 1-thread vs all-cores table (12 MP, or 2 MP with --quick); with "
                             "--output, put it in that file in place of its Threads section")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    try:
        import cv2

        DEFAULT_CV_THREADS = cv2.getNumThreads()
    except ImportError:
        print("OpenCV is not installed: its columns stay empty (make bench installs it)", file=sys.stderr)

    from editor.catalog import CATALOG

    mp, mp_big = (2.0, 4.0) if args.quick else (12.0, 24.0)
    # A quick or partial run prints only: it must not replace the full table.
    output = args.output if args.output is not None else (None if args.quick or args.only else RESULTS)
    timer = Timer(args.quick, args.budget)
    load_before = os.getloadavg()
    others = OtherLoad()
    t_start = time.perf_counter()

    wanted = [s for s in args.only.split(",") if s]
    cases = [c for c in CASES if not wanted or any(s in c.key for s in wanted)]

    def log(msg):
        print(f"[{time.perf_counter() - t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)

    inputs = make_picture(mp)
    h, w = inputs.shape
    log(f"picture {w}x{h} ({w * h / 1e6:.1f} MP)")
    if args.threads_only:
        errors: list[str] = []
        lines = threads_section(inputs, CATALOG, args.quick, errors, log, wanted)
        lines += [f"- error: {e}" for e in errors]
        print("\n".join(lines))
        if args.output is not None:
            put_section(args.output, "\n".join(lines))
            log(f"wrote the Threads section of {args.output}")
        return 1 if errors else 0
    copies = {kind: copy_time(timer, ours_input(inputs, kind)) for kind in ("rgb", "gray", "binary")}
    bandwidth = 2 * inputs.rgb.nbytes / copies["rgb"] / 1e9
    log(f"numpy copy of the RGB float32 picture: {fmt_time(copies['rgb'])} = {bandwidth:.1f} GB/s (read + write)")

    errors: list[str] = []
    rows: list[Row] = []
    for case in cases:
        row = time_case(case, inputs, CATALOG, timer, copies, errors, with_peers=not args.no_peers)
        rows.append(row)
        if row.missing:
            log(f"{case.key}: {row.missing}")
        else:
            peers = ", ".join(f"{k} {c.text()}" for k, c in row.peers.items())
            log(f"{row.label}: ours {row.ours.text()}; {peers}")

    agree = {}
    for row in rows:
        if not row.missing and row.ours.seconds is not None:
            found = agreement(row.case, inputs, CATALOG)
            if found:
                agree[row.label] = found

    # Scaling checks (ours only).
    scaling_lines: list[str] = []
    if not args.no_scaling:
        by_key = {r.case.key: r for r in rows if not r.missing and r.ours.seconds is not None}
        subset = [k for k in SCALING_24MP if k in by_key]
        if subset:
            big = make_picture(mp_big)
            bh, bw = big.shape
            pixel_ratio = (bh * bw) / (h * w)
            log(f"scaling picture {bw}x{bh}")
            big_copies = {kind: copy_time(timer, ours_input(big, kind)) for kind in ("rgb", "gray", "binary")}
            scaling_lines += [
                f"### {bw * bh / 1e6:.0f} MP vs {w * h / 1e6:.0f} MP (pixel ratio {pixel_ratio:.2f}; target: time ratio about "
                "the same; bold: more than 1.25 times it)",
                "",
                f"| op | {w * h / 1e6:.0f} MP | {bw * bh / 1e6:.0f} MP | ratio |",
                "|---|---|---|---|",
            ]
            small_copy = copy_time(timer, ours_input(inputs, "rgb"))
            scaling_lines.append(
                f"| numpy copy (RGB) | {fmt_time(small_copy)} | {fmt_time(big_copies['rgb'])} | "
                f"{big_copies['rgb'] / small_copy:.2f} |"
            )
            for key in subset:
                # Both sizes timed back to back, so a change in the machine's
                # load between the main table and here does not count as scaling.
                case = by_key[key].case
                small = time_case(case, inputs, CATALOG, timer, copies, errors, with_peers=False)
                r = time_case(case, big, CATALOG, timer, big_copies, errors, with_peers=False)
                if r.ours.seconds is None or small.ours.seconds is None:
                    continue
                q = r.ours.seconds / small.ours.seconds
                flag = f"**{q:.2f}**" if q > 1.25 * pixel_ratio else f"{q:.2f}"
                scaling_lines.append(f"| {r.label} | {small.ours.text()} | {r.ours.text()} | {flag} |")
                log(f"{r.label}: {small.ours.text()} at {w}x{h}, {r.ours.text()} at {bw}x{bh}")
            del big
            scaling_lines.append("")

        for title, series in _radius_series():
            if wanted and not any(s in series[0].key for s in wanted):
                continue
            results = []
            for case in series:
                r = time_case(case, inputs, CATALOG, timer, copies, errors, with_peers=False)
                if r.missing or r.ours.seconds is None:
                    results = []
                    break
                results.append((case.key.split(" ", 1)[1], r.ours.seconds))
            if not results:
                continue
            base = results[0][1]
            cells = ", ".join(f"{name}: {fmt_time(s)} ({s / base:.2f}x)" for name, s in results)
            scaling_lines.append(f"- {title}: {cells}; {growth_verdict(series, results)}")
            log(f"{title}: {cells}")
        scaling_lines.append("")

    thread_lines = [] if args.no_threads else threads_section(inputs, CATALOG, args.quick, errors, log, wanted)

    load_after = os.getloadavg()
    elapsed = time.perf_counter() - t_start

    # -- the report --
    table, summary = main_table(rows)
    missing = [r.case.key for r in rows if r.missing == "not implemented yet"]
    invalid = [f"{r.case.key}: {r.missing}" for r in rows if r.missing and r.missing != "not implemented yet"]
    adjusted = [f"{r.label}: {'; '.join(r.problems)}" for r in rows if r.problems]
    other_share = others.share()
    busy = other_share is not None and other_share > 0.1
    extra = {
        "Picture": (f"{w}x{h} ({w * h / 1e6:.1f} MP) float32 RGB, made by upscaling resources/sample.png (600x400) "
                    "with Pillow LANCZOS at run time; uint8 peers get the same picture before the /255 conversion; "
                    "gray = Rec. 709 luma; binary = gray < 0.3"),
        "NumPy memory bandwidth": f"copy of the RGB float32 picture ({inputs.rgb.nbytes / 1e6:.0f} MB) takes "
                                  f"{fmt_time(copies['rgb'])}: {bandwidth:.1f} GB/s read + write; gray copy "
                                  f"{fmt_time(copies['gray'])}",
        "Other load": (f"other processes used {other_share:.0%} of the machine's CPU time during the run"
                       if other_share is not None else "unknown")
                      + f" (load average {load_before[0]:.2f} before, {load_after[0]:.2f} after, ours included)"
                      + (" \u2014 **the machine was busy** (other engineers' jobs share the cores), so times are noisy"
                         if busy else ""),
        "Run": f"{elapsed / 60:.1f} min{' (--quick)' if args.quick else ''}",
    }
    md = ["# Benchmark results", "", "Produced by `make bench` (`tests/benchmarks/run.py`); do not edit by hand.", "",
          "## Machine", "", *machine_description(extra), "",
          "## Processing: ours beside the peers", "",
          "Median wall time of one call on the whole picture. Cells marked `u8` ran on uint8 data (the peer takes "
          "nothing else), `est` were timed on a 1152x768 crop and scaled by the pixel count (too slow for the full "
          "picture). `cv2` uses OpenCV's default threads, `cv2 1t` `cv2.setNumThreads(1)`. "
          "*passes* = our time / time of a NumPy copy of the input (target <= 3 for point operations). "
          "Bold = misses its target. \u2020 = parameters adjusted (see below).", "",
          *table, ""]
    gm, gm_all = summary["geomean_cv"], summary["geomean_cv_all"]
    md.append(
        "Geometric mean of ours / single-thread OpenCV on float32: "
        + (f"**{gm:.2f}x** over {summary['n_cv']} operations (target <= 3)" if gm else "n/a")
        + (f"; including OpenCV's uint8-only calls: {gm_all:.2f}x over {summary['n_cv_all']}" if gm_all else "")
        + "."
    )
    md.append("")
    if summary["misses"]:
        md += ["Targets missed:", "", *[f"- {m}" for m in summary["misses"]], ""]
    described = [f"- {r.label}: {r.note}" for r in rows if r.note]
    if described:
        md += ["Results:", "", *described, ""]
    if scaling_lines:
        md += ["## Scaling", "", *scaling_lines]
    md += thread_lines
    if agree:
        md += ["## Do the peers compute the same thing?", "",
               "Max |ours - peer| on a 144x96 crop, float32 peers with the same output shape (0 = identical; "
               "differences come from clipping, normalisation or borders; see the notes in peers.py).", ""]
        md += [f"- {label}: " + ", ".join(f"{lib} {d:.2g}" for lib, d in found.items()) for label, found in agree.items()]
        md.append("")
    notes = sorted({f"{key} / {spec.library}: {spec.note}" for key, specs in PEERS.items() for spec in specs
                    if spec.note and any(r.case.key == key and not r.missing for r in rows)})
    if notes:
        md += ["### Peer notes", "", *[f"- {n}" for n in notes], ""]
    if missing:
        md += ["## Not implemented yet", "", "Cases whose operation is not in the catalog: "
               + ", ".join(f"`{k}`" for k in missing) + ".", ""]
    if adjusted or invalid:
        md += ["## Cases to update (\u2020)", "",
               "Our operation's parameters differ from the case in run.py; timed with the rest at defaults:", "",
               *[f"- {a}" for a in adjusted + invalid], ""]
    if errors:
        md += ["## Errors", "", *[f"- {e}" for e in errors], ""]
    text = "\n".join(md)
    print(text)
    if output is not None:
        write_keeping_others(output, text)  # the batch, editor and I/O benches' sections stay
        log(f"wrote {output}")

    if not args.no_editor:
        command = [sys.executable, str(HERE / "editor_bench.py")]
        if args.quick:
            command.append("--quick")
        if output is not None:
            command += ["--append", str(output)]
        log("editor benchmark: " + " ".join(command[1:]))
        env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
        result = subprocess.run(command, env=env)
        if result.returncode != 0:
            log(f"editor benchmark failed with exit code {result.returncode}")
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
