"""Texture synthesis benchmark: image quilting, and its overlap error three ways.

Run with ``make bench`` or on its own::

    python tests/benchmarks/synthesis_bench.py
    python tests/benchmarks/synthesis_bench.py --output synthesis.md --repeat 5

The sample is a 128 x 128 crop of the wooden table in ``resources/sample.png``
(its bottom-right corner). The target of issue 15 is a 1024 x 1024 texture
from it in under 5 s. No peer library offers image quilting (scikit-image,
OpenCV and scipy have none), so the second table compares the one step that
decides the speed, the overlap error of every candidate for one patch, as we
compute it (one FFT correlation and box sums) with two direct ways: NumPy
over a sliding window of the sample, and a Python loop over the candidates.
Times per texture for those are the per-patch time multiplied by the number
of patches, so they are estimates; ours are measured whole.

Timing: one warm-up call, then the minimum of ``--repeat`` runs (the machine
is shared: the minimum is the least disturbed run).
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from processing._quilting import OverlapErrors  # noqa: E402
from processing.synthesis import synthesize_texture  # noqa: E402

SAMPLE = ROOT / "resources" / "sample.png"
WOOD = (472, 272, 600, 400)  # left, top, right, bottom: plain wood grain

# (label, sample side, layout, width, height, patch, overlap)
CASES = [
    ("1024 x 1024 from 128 x 128 RGB, patch 32, overlap 8 (target < 5 s)", 128, "rgb", 1024, 1024, 32, 8),
    ("1024 x 1024 from 128 x 128 gray, patch 32, overlap 8", 128, "gray", 1024, 1024, 32, 8),
    ("1024 x 1024 from 128 x 128 RGB, patch 48, overlap 12", 128, "rgb", 1024, 1024, 48, 12),
    ("1024 x 1024 from 128 x 128 RGB, patch 16, overlap 4", 128, "rgb", 1024, 1024, 16, 4),
    ("2048 x 2048 from 256 x 256 RGB, patch 64, overlap 16", 256, "rgb", 2048, 2048, 64, 16),
]


def load_sample(side: int, layout: str) -> np.ndarray:
    image = Image.open(SAMPLE).convert("RGB")
    left, top, right, bottom = WOOD
    if side != right - left:  # a larger sample: the same corner, grown up and to the left
        left, top = right - side, bottom - side
    pixels = np.asarray(image.crop((left, top, right, bottom)), np.float32) / 255.0
    if layout == "gray":
        pixels = pixels @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return np.ascontiguousarray(pixels)


def best_time(call, repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def patches(width: int, height: int, patch: int, overlap: int) -> int:
    step = patch - overlap
    return math.ceil((width - overlap) / step) * math.ceil((height - overlap) / step)


# -- the overlap error of all candidates, three ways --------------------------------------
def direct_numpy(sample, placed, patch, overlap):
    """Every candidate's L-shaped overlap compared directly, as
    sum m s^2 - 2 sum m s t + sum m t^2 with each sum an einsum over a
    sliding-window view of the sample (no FFT, no box sums)."""
    inside = np.zeros((patch, patch))
    inside[:, :overlap] = 1.0
    inside[:overlap, :] = 1.0
    view = lambda a: np.lib.stride_tricks.sliding_window_view(a, (patch, patch), axis=(0, 1))  # noqa: E731
    template = np.moveaxis(placed, 2, 0) * inside
    energy = np.einsum("yxcij,ij->yx", view(sample * sample), inside)
    correlation = np.einsum("yxcij,cij->yx", view(sample), template)
    return energy - 2.0 * correlation + float((template * template).sum())


def python_loop(sample, placed, patch, overlap):
    """One candidate at a time in Python (what the issue rules out)."""
    inside = np.zeros((patch, patch), bool)
    inside[:, :overlap] = True
    inside[:overlap, :] = True
    rows, cols = sample.shape[0] - patch + 1, sample.shape[1] - patch + 1
    out = np.empty((rows, cols))
    target = placed[inside]
    for y in range(rows):
        for x in range(cols):
            d = sample[y:y + patch, x:x + patch][inside] - target
            out[y, x] = float((d * d).sum())
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per case (the minimum is shown)")
    parser.add_argument("--output", type=Path, help="also write the Markdown tables to this file")
    args = parser.parse_args(argv)

    lines = [
        "## Texture synthesis (image quilting)",
        "",
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, NumPy {np.__version__}; "
        f"minimum of {args.repeat} runs.",
        "",
        "| texture | patches | time (s) | ms per patch |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, side, layout, width, height, patch, overlap in CASES:
        sample = load_sample(side, layout)
        seconds = best_time(lambda: synthesize_texture(sample, width, height, patch, overlap, seed=0), args.repeat)
        count = patches(width, height, patch, overlap)
        lines.append(f"| {label} | {count} | {seconds:.2f} | {1000 * seconds / count:.2f} |")
        print(lines[-1], flush=True)

    lines += [
        "",
        "Overlap error of every candidate for one interior patch (left and top strips), 128 x 128 RGB "
        "sample, patch 32, overlap 8: 97 x 97 candidates.",
        "",
        "| method | ms per patch | estimated s per 1024 x 1024 texture | vs ours |",
        "| --- | ---: | ---: | ---: |",
    ]
    sample = load_sample(128, "rgb").astype(np.float64)
    placed = sample[10:42, 50:82] + 0.01
    patch, overlap = 32, 8
    errors = OverlapErrors(sample, patch, overlap)
    count = patches(1024, 1024, patch, overlap)
    ours = best_time(lambda: errors(placed, left=True, top=True), 5 * args.repeat)
    reference = errors(placed, left=True, top=True)
    for name, call, repeat in [
        ("ours: FFT correlation + box sums", lambda: errors(placed, left=True, top=True), 5 * args.repeat),
        ("NumPy einsum over a sliding window", lambda: direct_numpy(sample, placed, patch, overlap), args.repeat),
        ("Python loop over candidates", lambda: python_loop(sample, placed, patch, overlap), 1),
    ]:
        np.testing.assert_allclose(call(), reference, rtol=1e-8, atol=1e-8)  # all three agree
        seconds = ours if name.startswith("ours") else best_time(call, repeat)
        lines.append(f"| {name} | {1000 * seconds:.2f} | {seconds * count:.1f} | {seconds / ours:.0f}x |")
        print(lines[-1], flush=True)

    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
