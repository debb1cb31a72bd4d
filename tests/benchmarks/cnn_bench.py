"""Benchmark of the CNN denoiser: quality beside the classical denoisers, speed and memory.

    python tests/benchmarks/cnn_bench.py [--samples DIR] [--output FILE]

- PSNR on the held-out photo (named in the model file) at sigma 15, 25 and
  50/255: the shipped CNN given the true noise level, the project's
  non-local means and total variation at their best settings, and
  scikit-image's ``denoise_nl_means`` at its best ``h`` (found by a sweep
  with the clean photo known), through the same code as the model card.
- Time of a 12 MP colour photo (4000 x 3000) on the machine's cores (the
  minimum of ``--repeat`` runs) and the peak memory NumPy allocates during
  it beyond the input image (tracemalloc follows NumPy's allocations).
- Model file size and the training time stated in the model file.

Prints a Markdown table; ``--output FILE`` writes it there too.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from editor import model_file  # noqa: E402
from processing import cnn, noise  # noqa: E402
from processing._parallel import workers  # noqa: E402


def _training_script():
    spec = importlib.util.spec_from_file_location("train_denoiser", ROOT / "scripts" / "train_denoiser.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def quality_rows(train, net, metadata, samples: Path) -> list[str]:
    held_out = metadata["data"]["held_out"]
    clean = train.read_photo(samples / held_out)
    table: dict = {}
    for s in train.EVAL_SIGMAS:
        sigma = s / 255
        noisy = noise.add_noise(clean, "gaussian", sigma, seed=train.EVAL_SEED)
        col = {"noisy input": (train.psnr(noisy, clean), None),
               "CNN (shipped model)": (train.psnr(cnn.denoise(noisy, net, sigma), clean), None)}
        col.update(train.peer_rows(clean, noisy, sigma))
        table[s] = col
    methods = list(dict.fromkeys(m for col in table.values() for m in col))
    lines = [f"PSNR on the held-out photo {held_out} ({clean.shape[1]} x {clean.shape[0]}), "
             "classical methods at their best setting:", "",
             "| Method | " + " | ".join(f"sigma {s}/255" for s in train.EVAL_SIGMAS) + " |",
             "|---|" + "---:|" * len(train.EVAL_SIGMAS)]
    for m in methods:
        cells = []
        for s in train.EVAL_SIGMAS:
            value, setting = table[s].get(m, (None, None))
            cells.append("n/a" if value is None else f"{value:.2f} dB"
                         + (f" (h or weight {setting * 255:.1f}/255)" if setting is not None else ""))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    cnn25 = table[25]["CNN (shipped model)"][0]
    for m, (value, _) in table[25].items():
        if m not in ("noisy input", "CNN (shipped model)"):
            lines.append(f"\nAt sigma 25/255 the CNN is {cnn25 - value:+.2f} dB beside {m}.")
    return lines


def speed_rows(net, repeat: int) -> list[str]:
    rng = np.random.default_rng(0)
    h, w = 3000, 4000
    base = np.linspace(0, 1, w, dtype=np.float32)[None, :, None] * np.ones((h, 1, 3), np.float32)
    image = np.clip(base + rng.standard_normal((h, w, 3), dtype=np.float32) * np.float32(0.1), 0, 1)
    times = []
    peak = 0
    for i in range(repeat):
        if i == 0:
            tracemalloc.start()
        start = time.perf_counter()
        out = cnn.denoise(image, net, 0.1)
        times.append(time.perf_counter() - start)
        if i == 0:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        del out
    return [
        "",
        f"| 12 MP colour (4000 x 3000), {workers()} threads | |",
        "|---|---:|",
        f"| time, min of {repeat} | {min(times):.1f} s (target < 20 s) |",
        f"| peak NumPy memory beyond the input image (output included) | {peak / 1e9:.2f} GB (target < 1.5 GB) |",
    ]


def model_rows(net, path: Path, metadata: dict) -> list[str]:
    return [
        "",
        "| Model | |",
        "|---|---:|",
        f"| layers x channels | {len(net.kernels)} x {net.kernels[0].shape[3]} |",
        f"| weights | {net.parameters} |",
        f"| file size | {path.stat().st_size / 1e6:.2f} MB (target < 2 MB) |",
        f"| training time on this machine | {metadata.get('training_minutes', '?')} min |",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default=str(ROOT.parent / "shared" / "samples"))
    parser.add_argument("--model", default=str(model_file.DEFAULT_DENOISER))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--output", help="also write the table to this file")
    args = parser.parse_args(argv)
    path = Path(args.model)
    net = model_file.load_model(path)
    metadata = model_file.read_metadata(path.read_bytes(), path)
    train = _training_script()
    lines = ["## CNN denoiser", ""]
    lines += quality_rows(train, net, metadata, Path(args.samples))
    lines += speed_rows(net, args.repeat)
    lines += model_rows(net, path, metadata)
    text = "\n".join(lines) + "\n"
    print(text)
    if args.output:
        Path(args.output).write_text(text)


if __name__ == "__main__":
    main()
