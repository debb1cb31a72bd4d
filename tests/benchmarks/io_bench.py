"""File I/O benchmark: 16-bit colour TIFF and PNG, written and read back.

Run with ``python tests/benchmarks/io_bench.py`` (``--append`` adds the table
to ``tests/benchmarks/RESULTS.md``; ``--label`` names the code measured, e.g.
"before" when run against an older checkout with ``PYTHONPATH``).

The picture is the sample photo upscaled with Pillow's LANCZOS to 12 MP
(4242 x 2828, RGB) plus seeded Gaussian noise of standard deviation 0.002,
as a camera's 16-bit file has: without noise the upscaled values are so
smooth that every compression looks better than it would on a real photo.
Each case is written through ``save_image`` and read through ``load_image``
(the editor's public calls: quantisation and float conversion included),
three times each; the table gives the fastest run, because other processes
share the machine and only ever make a run slower.
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: "--label before" may point at another checkout

from editor.image_file import ExportOptions, load_image, save_image  # noqa: E402

CASES = [
    ("TIFF, no compression", ".tif", ExportOptions(bit_depth=16, tiff_compression="none")),
    ("TIFF, LZW", ".tif", ExportOptions(bit_depth=16, tiff_compression="lzw")),
    ("TIFF, deflate", ".tif", ExportOptions(bit_depth=16, tiff_compression="deflate")),
    ("PNG, level 6", ".png", ExportOptions(bit_depth=16, png_compress_level=6)),
]


def picture(width: int = 4242, height: int = 2828, noise: float = 0.002) -> np.ndarray:
    with Image.open(ROOT / "resources" / "sample.png") as im:
        big = im.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
    pixels = np.asarray(big, np.float32) / 255
    pixels += np.random.default_rng(0).normal(0, noise, pixels.shape).astype(np.float32)
    return np.clip(pixels, 0, 1)


def fastest(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def run(repeat: int) -> list[tuple[str, float, float, int]]:
    pixels = picture()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, suffix, options in CASES:
            path = Path(folder) / f"bench{suffix}"
            write = fastest(lambda: save_image(path, pixels, options=options), repeat)
            read = fastest(lambda: load_image(path), repeat)
            loaded = load_image(path)
            assert loaded.info.bit_depth == 16 and np.abs(loaded.pixels - pixels).max() < 1e-4, name
            rows.append((name, write, read, path.stat().st_size))
            print(f"{name}: write {write:.2f} s, read {read:.2f} s, {path.stat().st_size / 1e6:.1f} MB", flush=True)
    return rows


def table(rows, label: str) -> str:
    lines = [f"| file ({label}) | write | read | size |", "|---|---|---|---|"]
    for name, write, read, size in rows:
        lines.append(f"| {name} | {write:.2f} s | {read:.2f} s | {size / 1e6:.1f} MB |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--append", action="store_true", help="append the table to RESULTS.md")
    args = parser.parse_args(argv)
    rows = run(args.repeat)
    text = table(rows, args.label)
    print(text)
    if args.append:
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as handle:
            handle.write(f"\n{text}\n\n(`tests/benchmarks/io_bench.py`, {stamp}, {os.cpu_count()} cores)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
