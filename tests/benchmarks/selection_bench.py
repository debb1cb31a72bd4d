"""Selection benchmark: the magic wand on a 24-megapixel photo.

    python tests/benchmarks/selection_bench.py [--quick] [--output FILE]

Measures (issue 12's target: p95 < 50 ms):

* click -> first outline: the editor's glance, a flood of a copy of at most
  ``WAND_GLANCE_PIXELS`` shown while the real flood runs in the background;
* click -> first selection: the level map of a click (``wand_levels``), at
  full resolution and on the reduced copy the editor floods (at most
  ``WAND_MAX_PIXELS``), flooded as far as the editor's first flood goes
  (``first_cap`` of the default tolerance 32), plus the first mask;
* tolerance past the first flood -> the rest flooded (in the background;
  the outline keeps following the slider meanwhile);
* tolerance change -> new outline: one comparison of the level map and the
  outline the marching ants draw (segments and the lines handed to Qt), as
  the editor does while the slider or the drag moves;
* release -> selection: the mask brought to full size (from the reduced
  copy, its edges settled on the full image by ``refine_mask``) and made the
  document's selection, once per gesture;
* peers, for what one flood at one tolerance costs them on the same image:
  scikit-image's ``segmentation.flood`` and OpenCV's ``floodFill`` (they
  flood again for every tolerance; the level map does it once).

The photo is the bundled sample enlarged to 6000 x 4000 (bicubic, plus a
little noise so that flat areas are not perfectly flat). Times are the 95th
percentile over the seeds and repeats; the machine is shared, so the table
also gives the minimum.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from processing.pyramid import reduce  # noqa: E402
from processing.wand import refine_mask, sample_color, wand_levels, wand_mask  # noqa: E402
from editor.selection import Selection  # noqa: E402
from ui.selection_overlay import SelectionOverlay  # noqa: E402
from ui.tools.selection_tools import WAND_GLANCE_PIXELS, WAND_MAX_PIXELS, first_cap  # noqa: E402

SEEDS = [(0.1, 0.1), (0.5, 0.5), (0.8, 0.7)]  # fractions of width and height
TOLERANCES = [16, 32, 48, 64, 96]


def photo(width: int, height: int) -> np.ndarray:
    base = Image.open(ROOT / "resources" / "sample.png").convert("RGB").resize((width, height), Image.BICUBIC)
    pixels = np.asarray(base, dtype=np.float32) / 255.0
    rng = np.random.default_rng(0)
    pixels += rng.normal(0, 1.5 / 255, pixels.shape).astype(np.float32)
    return np.clip(pixels, 0, 1)


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]


def timed(func, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    value = func(*args, **kwargs)
    return time.perf_counter() - t0, value


def reduced(image: np.ndarray, limit: int) -> tuple[np.ndarray, int]:
    h, w = image.shape[:2]
    factor = 1
    while (h // factor) * (w // factor) > limit:
        factor += 1
    if factor == 1:
        return image, 1
    hh, ww = h // factor, w // factor
    return image[: hh * factor, : ww * factor].reshape(hh, factor, ww, factor, -1).mean(axis=(1, 3)), factor


def glance(image: np.ndarray, seed: tuple[int, int], factor: int) -> None:
    """What the editor does at once on a click: flood a copy of at most
    WAND_GLANCE_PIXELS and outline it (WandTool's glance)."""
    h, w = image.shape[:2]
    step = int(np.ceil(np.sqrt(h * w / WAND_GLANCE_PIXELS)))
    small = reduce(image, step)
    levels = wand_levels(small, (min(seed[0] // step, small.shape[1] - 1), min(seed[1] // step, small.shape[0] - 1)),
                         max_level=first_cap(32))
    SelectionOverlay._outline(wand_mask(levels, 32 / 255), factor * step)


def bench_wand(image: np.ndarray, label: str, repeats: int, full=None) -> list[tuple[str, list[float]]]:
    h, w = image.shape[:2]
    clicks, glances, changes, commits, rests = [], [], [], [], []
    factor = 1 if full is None else full.shape[0] // h
    for fx, fy in SEEDS:
        seed = (int(fx * w), int(fy * h))
        for _ in range(repeats):
            if full is not None:
                glances.append(timed(glance, image, seed, factor)[0])
            elapsed, levels = timed(wand_levels, image, seed, max_level=first_cap(32))
            t_mask, mask = timed(wand_mask, levels, 32 / 255)
            clicks.append(elapsed + t_mask)
        elapsed, levels = timed(wand_levels, image, seed)
        rests.append(elapsed)
        for k in TOLERANCES:
            t0 = time.perf_counter()
            mask = wand_mask(levels, k / 255)
            SelectionOverlay._outline(mask, factor)
            changes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        if full is not None:  # edges settled on the full image, as the editor does
            mask = refine_mask(full, mask, factor, sample_color(image, seed), TOLERANCES[-1] / 255)
        Selection(mask)
        commits.append(time.perf_counter() - t0)
    rows = [(f"click \u2192 first outline, a {WAND_GLANCE_PIXELS // 1000} k-pixel glance ({label})", glances)]
    return [row for row in rows if row[1]] + [
        (f"click \u2192 first selection ({label})", clicks),
        (f"tolerance past the first flood \u2192 all levels ({label})", rests),
        (f"tolerance change \u2192 new outline ({label})", changes),
        (f"release \u2192 selection at full size, exact edges ({label})", commits)]


def bench_peers(image: np.ndarray) -> list[tuple[str, list[float]]]:
    rows = []
    h, w = image.shape[:2]
    seeds = [(int(fx * w), int(fy * h)) for fx, fy in SEEDS]
    try:
        from skimage.segmentation import flood

        times = []
        for x, y in seeds:
            # flood takes one channel: give it the wand's largest-difference distance (its cost included)
            t0 = time.perf_counter()
            flood(np.abs(image - image[y, x]).max(axis=2), (y, x), tolerance=32 / 255)
            times.append(time.perf_counter() - t0)
        rows.append(("scikit-image flood, one tolerance (24 MP)", times))
    except ImportError:
        pass
    try:
        import cv2

        times = []
        img8 = np.ascontiguousarray((image * 255 + 0.5).astype(np.uint8))
        for x, y in seeds:
            mask = np.zeros((h + 2, w + 2), np.uint8)
            flags = 8 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
            t0 = time.perf_counter()
            cv2.floodFill(img8, mask, (x, y), (0, 0, 0), (32, 32, 32), (32, 32, 32), flags)
            times.append(time.perf_counter() - t0)
        rows.append(("OpenCV floodFill, one tolerance (24 MP)", times))
    except ImportError:
        pass
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 6 MP image and one repeat")
    parser.add_argument("--output", help="also write the table to this file")
    args = parser.parse_args(argv)
    width, height = (3000, 2000) if args.quick else (6000, 4000)
    image = photo(width, height)
    size = f"{width * height / 1e6:.0f} MP"
    rows = []
    small, factor = reduced(image, WAND_MAX_PIXELS)
    rows += bench_wand(small, f"editor: {size} flooded at 1:{factor}", 1 if args.quick else 3, image)
    rows += bench_wand(image, f"full {size}", 1)
    rows += bench_peers(image)
    lines = [f"### Magic wand on {width} x {height} (target p95 < 50 ms)", "",
             "| measurement | p95 ms | min ms | median ms | n |", "|---|---:|---:|---:|---:|"]
    for name, times in rows:
        lines.append(f"| {name} | {p95(times) * 1000:.0f} | {min(times) * 1000:.0f} | "
                     f"{statistics.median(times) * 1000:.0f} | {len(times)} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.output:
        Path(args.output).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
