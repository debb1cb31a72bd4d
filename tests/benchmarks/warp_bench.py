"""Warps beside OpenCV on one thread, interleaved (issue 17's target: within 2.5x).

Run with ``python tests/benchmarks/warp_bench.py [--runs 15] [--output tests/benchmarks/RESULTS.md]``.

The bench's 12 MP picture (resources/sample.png upscaled with LANCZOS,
float32 RGB) and parameters. Ours runs through the catalog on the
processing pool (all cores), OpenCV with ``setNumThreads(1)``; the two
alternate call by call, so the machine's other load and its memory
management (page faults and huge-page compaction for each fresh 144 MB
result, which move a call by 50-300 ms of kernel time) fall on both alike.
Medians and minimums of wall time, and the processes' user and kernel CPU
time per call.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from editor.catalog import CATALOG  # noqa: E402
from processing._parallel import workers  # noqa: E402

from _sections import put_section  # noqa: E402  (this folder is on the path when run as a script)


def picture() -> np.ndarray:
    from PIL import Image

    src = Image.open(ROOT / "resources" / "sample.png").convert("RGB").resize((4242, 2828), Image.LANCZOS)
    rgb = np.asarray(src).astype(np.float32) / np.float32(255)
    rgb.setflags(write=False)
    return rgb


def cases(rgb: np.ndarray):
    import cv2

    cv2.setNumThreads(1)
    h, w = rgb.shape[:2]
    turn = cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), 10.0, 1.0)
    matrix = ((0.98, 0.17, -200.0), (-0.17, 0.98, 350.0))
    quad = ((0.05 * w, 0.08 * h), (0.97 * w, 0.02 * h), (0.93 * w, 0.95 * h), (0.02 * w, 0.90 * h))
    corners = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    keystone = cv2.getPerspectiveTransform(np.float32(quad), corners)
    border = cv2.BORDER_CONSTANT
    return {
        "rotate 10 degrees, bilinear": (
            "geometry.rotate", {"angle_deg": 10.0, "expand": False, "interpolation": "bilinear"},
            lambda: cv2.warpAffine(rgb, turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)),
        "rotate 10 degrees, bicubic": (
            "geometry.rotate", {"angle_deg": 10.0, "expand": False, "interpolation": "bicubic"},
            lambda: cv2.warpAffine(rgb, turn, (w, h), flags=cv2.INTER_CUBIC, borderMode=border)),
        "affine, bilinear": (
            "geometry.affine", {"matrix": matrix},
            lambda: cv2.warpAffine(rgb, np.array(matrix), (w, h), flags=cv2.INTER_LINEAR, borderMode=border)),
        "perspective, bilinear": (
            "geometry.perspective", {"quad": quad, "width": w, "height": h},
            lambda: cv2.warpPerspective(rgb, keystone, (w, h), flags=cv2.INTER_LINEAR, borderMode=border)),
        "translate 10.5, -4.25 px, bilinear": (
            "geometry.translate", {"dx": 10.5, "dy": -4.25},
            lambda: cv2.warpAffine(rgb, np.array([[1, 0, 10.5], [0, 1, -4.25]]), (w, h), flags=cv2.INTER_LINEAR,
                                   borderMode=border)),
    }


def timed(call) -> tuple[float, float, float]:
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    out = call()
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    del out
    return wall, r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="calls of each, alternating (default: %(default)s)")
    parser.add_argument("--output", type=Path, help="put the section in this Markdown file (replacing the last run's)")
    args = parser.parse_args(argv)
    rgb = picture()
    lines = [
        "## Warps beside OpenCV on one thread (issue 17)",
        "",
        f"`tests/benchmarks/warp_bench.py`: 12 MP float32 RGB, ours on {workers()} pool threads through the catalog, "
        f"OpenCV `setNumThreads(1)`, alternating call by call, {args.runs} calls each. Target: ours at most 2.5x "
        "OpenCV's wall time. CPU columns: user / kernel time per call (median).",
        "",
        "| warp | ours, median (min) | ours CPU | cv2 1t, median (min) | cv2 CPU | ours / cv2, median (min) |",
        "|---|---|---|---|---|---|",
    ]
    for name, (op_id, params, peer) in cases(rgb).items():
        op = CATALOG.get(op_id)
        values = dict(op.for_image(rgb.shape).defaults(), **params)

        def ours():
            return op.apply(rgb, values)

        ours(), peer()  # warm-up: first-call costs (imports, scratch) are not the steady state
        a = np.array([timed(f) for _ in range(args.runs) for f in (ours, peer)]) * 1e3
        mine, theirs = a[0::2], a[1::2]
        m, t = np.median(mine, axis=0), np.median(theirs, axis=0)
        ratio, best = m[0] / t[0], mine[:, 0].min() / theirs[:, 0].min()
        flag = "**" if min(ratio, best) > 2.5 else ""
        lines.append(
            f"| {name} | {m[0]:.0f} ({mine[:, 0].min():.0f}) ms | {m[1]:.0f} / {m[2]:.0f} ms | "
            f"{t[0]:.0f} ({theirs[:, 0].min():.0f}) ms | {t[1]:.0f} / {t[2]:.0f} ms | "
            f"{flag}{ratio:.2f} ({best:.2f}){flag} |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output is not None:
        put_section(args.output, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
