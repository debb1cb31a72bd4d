"""Augmentation benchmark: images per second of processing.augment beside Albumentations 2.0.

Run with ``python tests/benchmarks/augment_bench.py`` (``--output FILE``
writes the Markdown table there too; ``--repeat`` sets the rounds).

The input is the sample photo resized to 512 x 512 RGB, 8 bits per channel
(what a training loader feeds Albumentations). Each row times one
transform, always applied (p = 1) with the same ranges on both sides, each
call drawing its own parameters (ours: :func:`processing.augment.sample`
with seed ``n`` for draw ``n``, then :func:`processing.augment.apply`;
theirs: the transform's ``__call__``, its generator reseeded with ``n``),
8-bit in and 8-bit out. The pipeline row chains six common transforms.
Each figure averages 20 draws, each draw's time the best of several
timings of that one call, as other processes share the machine and only
ever slow a call down (see :func:`best_times`); images per second are
single calls in this process (ours use the package's thread pool,
Albumentations' OpenCV its own threads).

The grid rows time what the Augment panel does when a slider moves: draw
9 variants of the pipeline for a 24 MP photo and apply them to a 1 MP proxy
of it, or to grid cells of 340 x 227 pixels (the proxy at a third of its
side); Albumentations runs its pipeline 9 times on the same picture.

Albumentations is a benchmark-only peer (the ``bench`` extra); the project
never imports it.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from processing import augment  # noqa: E402

try:  # a benchmark-only peer
    import albumentations as A
    import cv2
except ImportError:  # pragma: no cover - the bench extra is not installed
    A = cv2 = None


def _ours(name: str, **ranges) -> list[dict]:
    step = augment.default_step(name)
    step["p"] = 1.0
    step.update(ranges)
    return [step]


def cases():
    """(name, our pipeline, their transform) rows: the same ranges on both sides."""
    const = dict(border_mode=cv2.BORDER_CONSTANT, fill=0) if cv2 is not None else {}
    rows = [
        ("hflip", _ours("hflip"), lambda: A.HorizontalFlip(p=1)),
        ("vflip", _ours("vflip"), lambda: A.VerticalFlip(p=1)),
        ("rot90", _ours("rot90"), lambda: A.RandomRotate90(p=1)),
        ("rotate ±15°", _ours("rotate"), lambda: A.Rotate(limit=15, interpolation=cv2.INTER_LINEAR, p=1, **const)),
        ("affine (scale, translate, shear)", _ours("affine"),
         lambda: A.Affine(scale=(0.9, 1.1), translate_percent=(-0.1, 0.1), shear=(-10, 10),
                          interpolation=cv2.INTER_LINEAR, p=1, **const)),
        ("random resized crop", _ours("resized_crop"),
         lambda: A.RandomResizedCrop(size=(512, 512), scale=(0.5, 1.0), ratio=(0.75, 4 / 3), p=1)),
        ("perspective", _ours("perspective"),
         lambda: A.Perspective(scale=(0.05, 0.1), keep_size=True, p=1, **const)),
        ("grid distortion", _ours("grid_distortion"),
         lambda: A.GridDistortion(num_steps=5, distort_limit=0.3, p=1)),
        ("brightness", _ours("brightness"), lambda: A.RandomBrightnessContrast(0.2, 0.0, p=1)),
        ("contrast", _ours("contrast", factor=[0.8, 1.2]), lambda: A.RandomBrightnessContrast(0.0, 0.2, p=1)),
        ("saturation", _ours("saturation"),
         lambda: A.ColorJitter(brightness=0, contrast=0, saturation=(0.8, 1.2), hue=0, p=1)),
        ("hue", _ours("hue"), lambda: A.ColorJitter(brightness=0, contrast=0, saturation=0,
                                                     hue=(-10 / 360, 10 / 360), p=1)),
        ("gamma", _ours("gamma"), lambda: A.RandomGamma(gamma_limit=(80, 125), p=1)),
        ("gaussian blur", _ours("blur"), lambda: A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 1.5), p=1)),
        ("noise (gaussian)", _ours("noise"), lambda: A.GaussNoise(std_range=(0.01, 0.05), p=1)),
        ("cutout", _ours("cutout"),
         lambda: A.CoarseDropout(num_holes_range=(1, 8), hole_height_range=(0.05, 0.15),
                                 hole_width_range=(0.05, 0.15), fill=0, p=1)),
    ]
    return [row for row in rows if row[0] != "noise (gaussian)" or "noise" in augment.TRANSFORMS]


PIPELINE = [
    {"transform": "hflip", "p": 0.5},
    {"transform": "affine", "p": 1.0},
    {"transform": "brightness", "p": 1.0},
    {"transform": "gamma", "p": 1.0},
    {"transform": "blur", "p": 1.0},
    {"transform": "cutout", "p": 1.0},
]


def their_pipeline():
    return A.Compose([
        A.HorizontalFlip(p=0.5),
        A.Affine(scale=(0.9, 1.1), translate_percent=(-0.1, 0.1), shear=(-10, 10), interpolation=cv2.INTER_LINEAR,
                 border_mode=cv2.BORDER_CONSTANT, fill=0, p=1),
        A.RandomBrightnessContrast(0.2, 0.0, p=1),
        A.RandomGamma(gamma_limit=(80, 125), p=1),
        A.GaussianBlur(blur_limit=0, sigma_limit=(0.5, 1.5), p=1),
        A.CoarseDropout(num_holes_range=(1, 8), hole_height_range=(0.05, 0.15), hole_width_range=(0.05, 0.15),
                        fill=0, p=1),
    ])


def photo(width: int, height: int) -> np.ndarray:
    with Image.open(ROOT / "resources" / "sample.png") as im:
        return np.asarray(im.convert("RGB").resize((width, height), Image.Resampling.LANCZOS))


def best_times(calls, draws: int, rounds: int) -> list[float]:
    """Seconds per call of each of ``calls``: for each of ``draws`` draws
    (draw ``n`` is the same variant in every round), the best of ``rounds``
    timings of that one call, averaged over the draws.

    Each call is timed on its own, the contenders taking turns within each
    round: on a shared machine a round of many calls is often interrupted,
    and the longer a contender's round the more often, which would count
    the machine's other work against the slower side. The best of several
    timings of the same call is the one nobody interrupted. Albumentations
    draws from its own generator, reseeded with ``n`` before call ``n``
    (outside the timing) so that its draws repeat too.
    """
    best = [[float("inf")] * draws for _ in calls]
    for _ in range(rounds):
        for k, call in enumerate(calls):
            if call is None:
                continue
            prepare, run = call
            for n in range(draws):
                prepare(n)
                start = time.perf_counter()
                run(n)
                best[k][n] = min(best[k][n], time.perf_counter() - start)
    return [sum(b) / draws if b[0] != float("inf") else None for b in best]


def _ours_call(image, pipeline):
    return (lambda n: None, lambda n: augment.apply(image, augment.sample(pipeline, n, image.shape)))


def _their_call(image, transform):
    if transform is None:
        return None
    return (transform.set_random_seed, lambda n: transform(image=image)["image"])


def run(rounds: int) -> tuple[list, list]:
    image = photo(512, 512)
    rows = []
    for name, ours, theirs in cases() + [("pipeline of 6", PIPELINE, their_pipeline)]:
        transform = theirs() if A is not None else None
        t_ours, t_peer = best_times([_ours_call(image, ours), _their_call(image, transform)], 20, rounds)
        rows.append((name, 1 / t_ours, 1 / t_peer if t_peer else None))
    grid = []
    proxy = photo(1224, 816)  # a 6000 x 4000 photo reduced 4.9 times: 1 MP
    cell = photo(340, 227)
    for label, picture in (("9 variants on the 1 MP proxy", proxy), ("9 variants at cell size (340 x 227)", cell)):
        def nine(n, picture=picture):
            # As the panel: drawn for the 24 MP photo, applied to the reduced picture.
            augment.variants(picture, PIPELINE, n, 9, full_shape=(4000, 6000, 3))

        transform = their_pipeline() if A is not None else None

        def nine_theirs(n, picture=picture, transform=transform):
            for _ in range(9):
                transform(image=picture)

        theirs = (transform.set_random_seed, nine_theirs) if transform is not None else None
        t_ours, t_peer = best_times([(lambda n: None, nine), theirs], 3, rounds)
        grid.append((label, t_ours, t_peer))
    return rows, grid


def table(rows, grid) -> str:
    lines = [
        "| 512 x 512 RGB, 8-bit | ours (images/s) | Albumentations 2.0 (images/s) | ours / theirs time |",
        "|---|---:|---:|---:|",
    ]
    for name, ours, theirs in rows:
        ratio = f"{theirs / ours:.2f}x" if theirs else "n/a"
        lines.append(f"| {name} | {ours:,.0f} | {theirs:,.0f} | {ratio} |" if theirs else
                     f"| {name} | {ours:,.0f} | n/a | n/a |")
    lines += ["", "| Augment panel grid (6-transform pipeline) | ours (ms) | Albumentations 2.0 (ms) |",
              "|---|---:|---:|"]
    for label, ours, theirs in grid:
        lines.append(f"| {label} | {ours * 1e3:.1f} | {theirs * 1e3:.1f} |" if theirs else
                     f"| {label} | {ours * 1e3:.1f} | n/a |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per figure; the best counts (default: 5)")
    args = parser.parse_args(argv)
    rows, grid = run(args.repeat)
    text = table(rows, grid)
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
