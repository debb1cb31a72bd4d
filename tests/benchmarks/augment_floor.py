"""What NumPy alone cannot go below, beside Albumentations, for the augmentations over 2x (issue 14).

Run with ``python tests/benchmarks/augment_floor.py`` (``--output FILE``
writes the Markdown table there too).

``processing`` imports NumPy only (docs/DESIGN.md, and the augmentation
issue: "processing/augment.py, NumPy only"); Albumentations runs OpenCV's
compiled, vectorised loops. For each transform where ours is more than
twice Albumentations' time in augment_bench.py, this times the cheapest
NumPy work that transform cannot do without, alone, on the same 512 x 512
RGB 8-bit picture, each figure the best of many calls:

- horizontal flip: a copy of the picture with its pixels in reverse order
  along each row (the fastest of three ways NumPy has to make one: the
  whole array, its pixels as 3-byte items, or one channel at a time);
- gamma: an 8-bit picture through a table, the one pass that maps every
  level at once, exactly (a gather; the power itself costs far more): the
  faster of a 256-entry table, or a table of every pair of levels read
  two bytes at a time (a table of three levels at a time would hold 16
  million entries, longer to build than to use);
- for scale only, not bounds: rotate, affine and perspective read four
  source pixels for each output pixel, at places along the map (those of
  a 10-degree rotation, given here for free; the fastest of four 3-byte,
  four 1-byte-per-channel, or two 6-byte side-by-side gathers); contrast,
  the table or the shortest fixed-point arithmetic (multiply, add, shift,
  narrow; no clipping even);
- gaussian blur, for scale only: a separable filter at sigma 1.0 (7 taps),
  one multiply and one add per tap and direction on float32, plus the
  conversion in and out. It is not a bound: 16-bit fixed-point passes over
  half the bytes, with symmetric taps paired, could take about half of it.

The flip's reversed copy and the gamma's table are each the transform
itself, not one way of many: nothing NumPy offers does either faster. When
that alone is more than twice Albumentations' whole transform, no NumPy
implementation meets the issue's "no transform more than 2x slower than
Albumentations"; the last column says so. The other rows only compare: a
cleverer way may exist, so they are "not ruled out" even above 2x.

Albumentations is a benchmark-only peer (the ``bench`` extra).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from augment_bench import cases, photo  # noqa: E402  (puts the project on the path)

from processing import augment  # noqa: E402

try:  # a benchmark-only peer
    import albumentations as A  # noqa: F401
except ImportError:  # pragma: no cover - the bench extra is not installed
    A = None


# The rows whose floor is the transform's own core (see the notes); the blur's is only a comparison.
BOUNDS = ("hflip", "gamma")


def best(call, calls: int = 50, rounds: int = 7) -> float:
    """Seconds per call: the best of ``rounds`` averages of ``calls`` calls."""
    call()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        times.append((time.perf_counter() - start) / calls)
    return min(times)


def floors(image: np.ndarray) -> dict[str, tuple[str, float]]:
    """``{row: (what is timed, seconds)}`` for the rows of augment_bench.py this covers."""
    h, w, _ = image.shape
    pixels = image.view(np.dtype("V3")).reshape(h, w)

    def by_channel():
        out = np.empty_like(image)
        for c in range(3):
            np.copyto(out[..., c], image[:, ::-1, c])
        return out

    flip = min(best(lambda: image[:, ::-1].copy()),
               best(lambda: pixels[:, ::-1].copy()),
               best(by_channel))

    # The four neighbours of where a 10-degree rotation about the centre reads each output pixel.
    flat = pixels.reshape(-1)
    i, j = np.mgrid[0:h, 0:w].astype(np.float64) + 0.5
    c, s = np.cos(np.radians(10)), np.sin(np.radians(10))
    y = c * (i - h / 2) - s * (j - w / 2) + h / 2 - 0.5
    x = s * (i - h / 2) + c * (j - w / 2) + w / 2 - 0.5
    i0 = np.clip(np.floor(y).astype(np.intp), 0, h - 2)
    j0 = np.clip(np.floor(x).astype(np.intp), 0, w - 2)
    corner = i0 * w + j0
    places = [corner, corner + 1, corner + w, corner + w + 1]
    byte_places = [(3 * p[..., None] + np.arange(3)).reshape(h, w, 3) for p in places]
    bytes_flat = image.reshape(-1)
    # Two pixels side by side as one 6-byte item: a row's two neighbours in one read.
    pairs = np.ndarray((h * w - 1,), dtype=np.dtype("V6"), buffer=image, strides=(3,))
    four_reads = min(best(lambda: [np.take(flat, p) for p in places], calls=10),
                     best(lambda: [np.take(bytes_flat, p) for p in byte_places], calls=10),
                     best(lambda: [np.take(pairs, p) for p in places[::2]], calls=10))

    table = np.arange(255, -1, -1, dtype=np.uint8)
    # Two levels at a time: a table of every pair of levels (65,536 entries), half the gathers.
    pair_table = (table[:, None].astype(np.uint16) | (table[None, :].astype(np.uint16) << 8)).reshape(-1)
    pair_table = pair_table.reshape(256, 256).T.reshape(-1).copy()  # index: first byte + 256 * second
    index = np.empty(image.size // 2, np.intp)

    def by_pairs():
        np.copyto(index, image.reshape(-1).view(np.uint16))
        return np.take(pair_table, index).view(np.uint8).reshape(image.shape)

    lookup = min(best(lambda: np.take(table, image)), best(by_pairs))

    def fixed_point():
        wide = np.multiply(image, np.uint16(77), dtype=np.uint16)
        wide += np.uint16(1000)
        wide >>= 6
        return wide.astype(np.uint8)

    contrast = min(lookup, best(fixed_point))

    taps = np.exp(-0.5 * np.arange(-3, 4) ** 2).astype(np.float32)
    taps /= taps.sum()

    def separable():
        # Shifted slices of the picture, no padding (the floor leaves out the borders).
        f = image.astype(np.float32)
        for axis in (0, 1):
            n = f.shape[axis] - len(taps) + 1
            acc = np.zeros_like(f[:n] if axis == 0 else f[:, :n])
            for k, tap in enumerate(taps):
                acc += (f[k:k + n] if axis == 0 else f[:, k:k + n]) * tap
            f = acc
        return np.rint(f).astype(np.uint8)

    blur = best(separable, calls=10)  # float32; fixed-point integers would need fewer bytes per pass
    reversed_copy = "a reversed copy of the picture"
    reads = "bilinear reads along a 10° rotation's map"
    return {
        "hflip": (reversed_copy, flip),
        "rotate ±15°": (reads, four_reads),
        "affine (scale, translate, shear)": (reads, four_reads),
        "perspective": (reads, four_reads),
        "contrast": ("a table of levels or fixed-point arithmetic", contrast),
        "gamma": ("a table of levels, read by pairs", lookup),
        "gaussian blur": ("7 taps each way on float32, in and out (not a bound: see the notes)", blur),
    }


def timed(image: np.ndarray, names) -> tuple[dict[str, float], dict[str, float]]:
    """Ours (draw and apply) and Albumentations' time per call for each row, the ranges of augment_bench.py."""
    ours, peer = {}, {}
    for name, pipeline, make in cases():
        if name not in names:
            continue
        seeds = iter(range(10**9))
        ours[name] = best(lambda pipeline=pipeline: augment.apply(
            image, augment.sample(pipeline, next(seeds) % 20, image.shape)))
        if A is None:
            continue
        transform = make()
        transform.set_random_seed(0)  # then a new draw at every call, as in training
        peer[name] = best(lambda transform=transform: transform(image=image))
    return ours, peer


def table(rows: dict[str, tuple[str, float]], ours: dict[str, float], peer: dict[str, float]) -> str:
    lines = [
        "| 512 x 512 RGB, 8-bit | the NumPy floor | floor (µs) | ours, whole transform (µs) "
        "| Albumentations, whole transform (µs) | floor / theirs | 2x reachable in NumPy? |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for name, (what, seconds) in rows.items():
        if name not in peer:
            lines.append(f"| {name} | {what} | {seconds * 1e6:.0f} | {ours[name] * 1e6:.0f} | n/a | n/a | n/a |")
            continue
        ratio = seconds / peer[name]
        verdict = "not ruled out" if ratio <= 2 or name not in BOUNDS else "no"
        lines.append(f"| {name} | {what} | {seconds * 1e6:.0f} | {ours[name] * 1e6:.0f} | {peer[name] * 1e6:.0f} "
                     f"| {ratio:.2f}x | {verdict} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    image = photo(512, 512)
    rows = floors(image)
    ours, peer = timed(image, rows)
    text = table(rows, ours, peer)
    print(text)
    if args.output is not None:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
