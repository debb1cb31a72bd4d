"""Batch benchmark: `image-editor apply` over many big photos on all cores and on Dask (issue 16).

Run with ``make bench-batch`` (or ``python tests/benchmarks/batch_bench.py``)::

    python tests/benchmarks/batch_bench.py                       # 60 photos of 12 MP
    python tests/benchmarks/batch_bench.py --files 12 --megapixels 4
    python tests/benchmarks/batch_bench.py --append tests/benchmarks/RESULTS.md

The photos are resources/sample.png upscaled with LANCZOS, each a little
different (mirrored, shifted in brightness), written once as quality-90
JPEGs to a temporary folder. The recipe has five steps: Gaussian blur,
levels, unsharp mask, resize to 50 %, and a quality-90 JPEG export.

Each configuration runs the real command in a subprocess, from start to
exit (interpreter, imports, workers and, for Dask, the local cluster's
start and stop included): ``--jobs 1`` (one core: one file at a time,
one pool thread), ``--jobs 2`` (two cores: two worker processes with one
pool thread each), and ``--executor dask`` on a local cluster of 2
workers with one thread each. Every run writes the same bytes; the script
checks that.

Per-image accounting: "the work alone" is a bare loop over the same files
in a fresh process (decode, each operation, encode with the atomic write,
timed part by part, with the allocator a batch worker has), with one pool
thread, as each configuration gives a file. Batch runs and these loops
alternate, so the machine's other load falls on all of them alike; a
batch's overhead is its time per image over the loop's (over half of it
for two workers). The same loop with every core on each file shows what
``--jobs 1`` leaves unused to keep the rest of the machine free. Two such loops at once,
one thread each on every other photo, show what two workers can reach on
this machine with no batch machinery at all: the cores slow each other
down (shared caches and memory), so even they fall short of twice one loop.

Targets: ``--jobs 2`` at least 1.8x ``--jobs 1`` in images per second; Dask
within 15 % of ``--jobs 2``; the batch's time per image at most 10 % over
the decode + operations + encode of a file.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from editor._allocator import ALLOCATOR_ENVIRON  # noqa: E402
from editor.image_file import ExportOptions, load_image, save_image  # noqa: E402
from editor.recipe import save_recipe  # noqa: E402
from editor.render import apply_step  # noqa: E402
from editor.catalog import CATALOG  # noqa: E402
from editor.steps import Step  # noqa: E402
from processing._parallel import workers  # noqa: E402

from _sections import put_section  # noqa: E402  (this folder is on the path when run as a script)

STEPS = (
    Step("filter.gaussian_blur", {"sigma": 2.0}),
    Step("tone.levels", {"black": 0.04, "white": 0.96, "midtone_gamma": 1.1}),
    Step("filter.unsharp_mask", {"radius": 2.0, "amount": 0.8, "threshold": 0.0}),
    Step("geometry.resize", {"mode": "scale", "scale": 0.5, "width": 0, "height": 0, "interpolation": "bicubic"}),
)
QUALITY = 90


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_photos(count: int, megapixels: float, folder: Path) -> tuple[int, int]:
    """``count`` JPEGs of about ``megapixels`` from the sample, written once (kept if already there)."""
    import numpy as np
    from PIL import Image

    with Image.open(ROOT / "resources" / "sample.png") as im:
        aspect = im.width / im.height
        h = round((megapixels * 1e6 / aspect) ** 0.5)
        w = round(h * aspect)
        big = np.asarray(im.convert("RGB").resize((w, h), Image.Resampling.LANCZOS))
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        path = folder / f"photo{n:03d}.jpg"
        if path.exists():
            continue
        variant = big[:, ::-1] if n % 2 else big
        shift = (n % 7) * 3 - 9
        variant = np.clip(variant.astype(np.int16) + shift, 0, 255).astype(np.uint8)
        Image.fromarray(variant).save(path, quality=90)
    return w, h


class Load:
    """CPU time other processes used during a run, as a share of the machine
    (/proc/stat's busy time minus our own and our children's)."""

    def __init__(self):
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        except (OSError, ValueError, IndexError):
            return None
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
        busy = (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")
        own = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for f in ("ru_utime", "ru_stime"))
        return time.perf_counter(), busy, own

    def others(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[0] - self.start[0]
        return max(0.0, (end[1] - self.start[1]) - (end[2] - self.start[2])) / (wall * (os.cpu_count() or 1))


def run_batch(recipe: Path, photos: Path, out: Path, extra: list[str], env: dict | None = None) -> tuple[float, float | None]:
    """Wall time of one `image-editor apply` over the folder, and the others' share of the CPU meanwhile."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    command = [sys.executable, "-m", "editor", "apply", str(recipe), str(photos), "-o", str(out),
               "--format", "jpg", "--quality", str(QUALITY), *extra]
    load = Load()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600,
                          env=dict(os.environ, **(env or {})))
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(extra)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall, load.others()


def parts_loop(photos: Path, out: Path, half: int | None = None) -> dict:
    """The work alone: decode, each operation and encode of every photo (or of every other one,
    from ``half``), one after the other, in this process with no batch machinery; seconds per
    part summed over the photos, and CPU time."""
    import json

    totals: dict[str, float] = {}
    options = ExportOptions(format="JPEG", quality=QUALITY, metadata="all", keep_icc=True)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    files = sorted(photos.iterdir())
    for photo in files if half is None else files[half::2]:
        t = time.perf_counter()
        loaded = load_image(photo)
        totals["decode"] = totals.get("decode", 0.0) + time.perf_counter() - t
        image = loaded.pixels
        for step in STEPS:
            t = time.perf_counter()
            image = apply_step(image, step, CATALOG)
            name = step.op_id.split(".")[-1]
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - t
        t = time.perf_counter()
        save_image(out / f"{photo.stem}.jpg", image, info=loaded.info, options=options)
        totals["encode"] = totals.get("encode", 0.0) + time.perf_counter() - t
        del loaded, image
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(json.dumps({"parts": totals, "cpu": cpu}))
    return totals


# A bare loop runs as a batch worker does: one BLAS thread, and the allocator
# keeping freed memory for the next file.
_LOOP_ENVIRON = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", **ALLOCATOR_ENVIRON}


def run_parts(photos: Path, out: Path, threads: int) -> tuple[dict[str, float], float]:
    """:func:`parts_loop` in a fresh process whose pool has ``threads`` threads."""
    import json

    if out.exists():
        shutil.rmtree(out)
    out.mkdir()
    env = dict(os.environ, **_LOOP_ENVIRON, IMAGE_EDITOR_THREADS=str(threads))
    done = subprocess.run([sys.executable, __file__, "--parts-of", str(photos), "--parts-out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the parts loop failed:\n{done.stderr[-2000:]}")
    shutil.rmtree(out, ignore_errors=True)
    result = json.loads(done.stdout.splitlines()[-1])
    return result["parts"], result["cpu"]


def run_parts_pair(photos: Path, out: Path) -> tuple[float, float]:
    """Two :func:`parts_loop` processes at once, one pool thread each, each on every other photo:
    what two workers do with no batch machinery. Their wall time from start to the last exit
    (interpreters and imports included, as in a batch run), and the parts' time summed over both."""
    import json

    env = dict(os.environ, **_LOOP_ENVIRON, IMAGE_EDITOR_THREADS="1")
    folders = [out / f"half{half}" for half in (0, 1)]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    started = time.perf_counter()
    loops = [subprocess.Popen([sys.executable, __file__, "--parts-of", str(photos), "--parts-out", str(folder),
                               "--parts-half", str(half)], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)
             for half, folder in enumerate(folders)]
    printed = [loop.communicate(timeout=3600)[0] for loop in loops]
    wall = time.perf_counter() - started
    if any(loop.returncode != 0 for loop in loops):
        raise SystemExit("a parts loop of the pair failed")
    shutil.rmtree(out, ignore_errors=True)
    return wall, sum(sum(json.loads(text.splitlines()[-1])["parts"].values()) for text in printed)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=60, help="number of photos (default: %(default)s)")
    parser.add_argument("--megapixels", type=float, default=12.0, help="size of each photo (default: %(default)s)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    parser.add_argument("--no-all-cores", action="store_true", help="skip the bare loop with every core on each file")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "image-editor-batch-bench",
                        help="where the photos are written once and kept (default: %(default)s)")
    parser.add_argument("--append", type=Path, help="Markdown file to put the results in (replacing the previous run's)")
    parser.add_argument("--parts-of", type=Path, help=argparse.SUPPRESS)  # the parts loop's own process
    parser.add_argument("--parts-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parts-half", type=int, choices=(0, 1), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.parts_of is not None:
        parts_loop(args.parts_of, args.parts_out, args.parts_half)
        return 0

    photos = args.folder / f"{args.files}x{args.megapixels:g}MP"
    log(f"making {args.files} photos of {args.megapixels:g} MP in {photos} (once)")
    w, h = make_photos(args.files, args.megapixels, photos)
    recipe = args.folder / "recipe.json"
    save_recipe(recipe, STEPS)
    cores = workers()
    have_dask = False
    try:
        import distributed  # noqa: F401
        have_dask = not args.no_dask
    except ImportError:
        log("distributed is not installed: no Dask row (pip install -e '.[distributed]')")

    # Batch runs and the bare work loops alternate, so the machine's other load falls on all of them alike.
    plan = [("--jobs 1", ["-j", "1"], None), ("parts", 1, None), ("--jobs 2", ["-j", "2"], None),
            ("pair", 2, None)]
    if have_dask:
        plan.append(("Dask, 2 local workers", ["--executor", "dask", "-j", "2"], None))
    if not args.no_all_cores and cores > 1:
        plan.append(("parts", cores, None))

    rows, parts, outputs = [], {}, {}
    pair = None
    for label, what, env in plan:
        if label == "pair":
            log("two bare loops at once, one pool thread each")
            load = Load()
            pair = run_parts_pair(photos, args.folder / "pair-out")
            log(f"  {pair[0]:.1f} s, others used {100 * (load.others() or 0):.0f}% of the CPU")
            continue
        if label == "parts":
            log(f"the work alone, {what} pool thread(s)")
            load = Load()
            totals, cpu = run_parts(photos, args.folder / "parts-out", what)
            parts[what] = (totals, cpu)
            log(f"  {sum(totals.values()):.1f} s, others used {100 * (load.others() or 0):.0f}% of the CPU")
            continue
        out = args.folder / f"out-{len(rows)}"
        log(f"{label}")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall, others = run_batch(recipe, photos, out, what, env)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        log(f"  {wall:.1f} s, {args.files / wall:.2f} images/s, others used {100 * (others or 0):.0f}% of the CPU")
        outputs[label] = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
        shutil.rmtree(out, ignore_errors=True)
        rows.append((label, wall, others, cpu))
    first = next(iter(outputs.values()))
    identical = all(o == first for o in outputs.values()) and len(first) == args.files

    n = args.files
    walls = {label: wall for label, wall, _, _ in rows}
    sum_one = sum(parts[1][0].values())
    expected = {"--jobs 1": sum_one, "--jobs 2": sum_one / 2, "Dask, 2 local workers": sum_one / 2}
    lines = [
        "",
        "## Batch: `image-editor apply` at scale (issue 16)",
        "",
        f"`tests/benchmarks/batch_bench.py` (`make bench-batch`): {n} quality-90 JPEGs of {w}x{h} "
        f"({w * h / 1e6:.1f} MP), resources/sample.png upscaled with LANCZOS (mirrored and brightness-shifted "
        "copies); recipe: Gaussian blur (sigma 2), levels, unsharp mask (radius 2), resize to 50 % (bicubic), "
        f"JPEG quality 90. Each run is the whole command in a subprocess, start to exit, once; {cores} cores. "
        "\"The work alone\" is a bare loop over the same files in one process (decode, the four operations, "
        "encode and atomic write, nothing else), run between the batch runs; a batch's overhead is its time "
        "per image over that loop's (over half of it for two workers). "
        f"Outputs of all runs byte-identical: {'yes' if identical else 'NO'}.",
        "",
        "| run | wall time | images / s | vs --jobs 1 | time per image | the work alone per image | overhead | CPU time per image | others' CPU share |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, wall, others, cpu in rows:
        share = f"{100 * others:.0f}%" if others is not None else "?"
        alone = expected[label] / n
        lines.append(
            f"| {label} | {wall:.1f} s | {n / wall:.2f} | {walls['--jobs 1'] / wall:.2f}x | {wall / n:.2f} s | "
            f"{alone:.2f} s | {100 * (wall / n / alone - 1):+.0f}% | {cpu / n:.2f} s | {share} |")
    for threads in sorted(parts, reverse=True):
        totals, cpu = parts[threads]
        lines.append(f"| the work alone, {threads} thread{'s' if threads > 1 else ''} | {sum(totals.values()):.1f} s "
                     f"| {n / sum(totals.values()):.2f} | | {sum(totals.values()) / n:.2f} s | | | {cpu / n:.2f} s | |")
    if pair is not None:
        lines.append(f"| two bare loops at once, 1 thread each | {pair[0]:.1f} s | {n / pair[0]:.2f} | "
                     f"{walls['--jobs 1'] / pair[0]:.2f}x | {pair[0] / n:.2f} s | | | {pair[1] / n:.2f} s | |")
    lines += [""]
    for threads in sorted(parts, reverse=True):
        totals = parts[threads][0]
        lines.append(f"Parts per image with {threads} pool thread{'s' if threads > 1 else ''}: "
                     + ", ".join(f"{k} {1000 * v / n:.0f} ms" for k, v in totals.items()) + ".")
    lines += [
        "",
        f"- --jobs 2 / --jobs 1: {walls['--jobs 1'] / walls['--jobs 2']:.2f}x (target >= 1.8x)",
    ]
    if pair is not None:
        lines.append(f"- two bare loops at once / --jobs 1: {walls['--jobs 1'] / pair[0]:.2f}x, the most --jobs 2 "
                     "could reach on this machine with no batch machinery at all; each loop's own time per image "
                     f"is {pair[1] / sum_one:.2f}x what one loop alone takes"
                     + (" (the two cores slow each other down)" if pair[1] > sum_one else ""))
    if "Dask, 2 local workers" in walls:
        lines.append(f"- Dask time / --jobs 2 time: {walls['Dask, 2 local workers'] / walls['--jobs 2']:.2f} "
                     "(target <= 1.15)")
    if cores in parts and cores > 1:
        sum_all = sum(parts[cores][0].values())
        lines.append(f"- One file on {cores} pool threads takes {sum_all / sum_one:.2f}x its time on one (the work "
                     "alone): what --jobs 1 gives up to leave the other cores free, and why files, not threads, "
                     "are what the cores are shared by")
    lines += [""]
    text = "\n".join(lines)
    print(text)
    if args.append is not None:
        put_section(args.append, text)
        log(f"written into {args.append}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
