"""Train the shipped CNN denoiser, in NumPy, and write its model card.

    python scripts/train_denoiser.py            # the shipped model (about 40 min on 2 cores)
    python scripts/train_denoiser.py --card     # only re-measure and rewrite the card

Trains a :class:`processing.cnn.Network` on random patches (flipped and
rotated, a fifth of them made gray) of the CC0 photos in ``--samples``, one
photo held out, with gaussian noise of a standard deviation drawn uniformly
from 0 to ``--sigma-max``/255 (clipped to [0, 1], as ``processing.noise``
makes it), by Adam on the mean squared error, with a cosine learning-rate
decay. Everything is seeded: the same command on the same commit gives the
same weights on the same machine (BLAS may round differently elsewhere).

Writes into ``--out`` (``resources/models``): ``denoiser.npz`` (the model
file read by the editor), ``denoiser_training.json`` (the loss history and
the run's facts), ``denoiser_loss.png`` (the loss curve) and ``README.md``
(the model card with PSNR on the held-out photo at sigma 15, 25 and 50/255
beside the project's non-local means and total variation at their best
settings, and scikit-image's non-local means when it is installed).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from editor.model_file import load_model, save_model  # noqa: E402
from processing import cnn, noise, restoration  # noqa: E402
from processing._cnn_train import Adam, init_network, loss_and_gradients  # noqa: E402

EVAL_SIGMAS = (15, 25, 50)  # in 8-bit steps
EVAL_SEED = 2026


def read_photo(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), np.float32) / np.float32(255)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return 10 * math.log10(1.0 / mse) if mse > 0 else float("inf")


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "processing", "scripts", "editor"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Patches:
    """Random training patches with noise, reproducible from one seed."""

    def __init__(self, photos: list[np.ndarray], patch: int, sigma_max: float, gray_fraction: float,
                 seed: int):
        self.photos = photos
        self.patch = patch
        self.sigma_max = sigma_max
        self.gray_fraction = gray_fraction
        self.rng = np.random.default_rng(seed)

    def batch(self, n: int):
        p, rng = self.patch, self.rng
        clean = np.empty((n, p, p, 3), np.float32)
        noisy = np.empty_like(clean)
        sigma = rng.uniform(0.0, self.sigma_max, n).astype(np.float32)
        for i in range(n):
            photo = self.photos[rng.integers(len(self.photos))]
            y = rng.integers(photo.shape[0] - p + 1)
            x = rng.integers(photo.shape[1] - p + 1)
            patch = np.rot90(photo[y:y + p, x:x + p], rng.integers(4))
            if rng.integers(2):
                patch = patch[:, ::-1]
            seed = int(rng.integers(2 ** 31))
            if rng.random() < self.gray_fraction:
                gray = np.ascontiguousarray(patch.mean(axis=2))
                clean[i] = gray[..., None]
                noisy[i] = noise.add_noise(gray, "gaussian", float(sigma[i]), seed=seed)[..., None]
            else:
                clean[i] = patch
                noisy[i] = noise.add_noise(np.ascontiguousarray(patch), "gaussian", float(sigma[i]), seed=seed)
        return noisy, clean, sigma


def draw_loss_curve(history: list[tuple[int, float]], path: Path, title: str) -> None:
    """A plain line chart of the loss (log scale) with Pillow: no plotting library needed."""
    width, height, left, right, top, bottom = 800, 420, 70, 20, 40, 50
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    steps = np.array([s for s, _ in history], float)
    # PSNR-like scale: -10 log10(mse), higher is better, reads as dB.
    values = np.array([-10 * math.log10(max(v, 1e-12)) for _, v in history])
    lo, hi = math.floor(values.min()), math.ceil(values.max())
    x_of = lambda s: left + (width - left - right) * s / max(steps.max(), 1)  # noqa: E731
    y_of = lambda v: top + (height - top - bottom) * (hi - v) / max(hi - lo, 1e-9)  # noqa: E731
    draw.rectangle([left, top, width - right, height - bottom], outline="black")
    for v in range(int(lo), int(hi) + 1):
        y = y_of(v)
        draw.line([left, y, width - right, y], fill=(225, 225, 225))
        draw.text((left - 30, y - 6), f"{v}", fill="black")
    for k in range(6):
        s = steps.max() * k / 5
        draw.text((x_of(s) - 12, height - bottom + 8), f"{int(s)}", fill="black")
    draw.line([(x_of(s), y_of(v)) for s, v in zip(steps, values)], fill=(30, 90, 200), width=2)
    draw.text((left, 4), title, fill="black")
    draw.text((width // 2 - 20, height - 22), "step", fill="black")
    draw.text((4, top - 16), "-10 log10(training MSE, smoothed), dB", fill="black")
    image.save(path)


def train(args) -> None:
    samples = Path(args.samples)
    names = sorted(p.name for p in samples.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg"))
    if args.holdout not in names:
        raise SystemExit(f"the held-out photo {args.holdout} is not in {samples}")
    train_names = [n for n in names if n != args.holdout]
    photos = [read_photo(samples / n) for n in train_names]
    print(f"training on {train_names}, holding out {args.holdout}", flush=True)
    commit = git_commit()  # now: the code may change while a long run goes on
    net = init_network(args.depth, args.width, seed=args.seed)
    opt = Adam(net, lr=args.lr)
    data = Patches(photos, args.patch, args.sigma_max / 255, args.gray_fraction, args.seed + 1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    history: list[tuple[int, float]] = []
    start = time.perf_counter()
    running = None
    for step in range(1, args.steps + 1):
        opt.lr = args.lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / args.steps))
        noisy, clean, sigma = data.batch(args.batch)
        loss, gk, gb = loss_and_gradients(net, noisy, clean, sigma)
        net = opt.step(net, gk, gb)
        running = loss if running is None else 0.98 * running + 0.02 * loss
        if step % args.log_every == 0 or step == args.steps:
            history.append((step, running))
            elapsed = time.perf_counter() - start
            print(f"step {step}/{args.steps}  loss {running:.6f}  ({-10 * math.log10(running):.2f} dB)  "
                  f"lr {opt.lr:.2e}  {elapsed / 60:.1f} min", flush=True)
    minutes = (time.perf_counter() - start) / 60
    facts = {
        "command": "python scripts/train_denoiser.py " + " ".join(args.argv),
        "commit": commit,
        "seed": args.seed,
        "training_minutes": round(minutes, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, NumPy {np.__version__}",
        "data": {"train": train_names, "held_out": args.holdout},
        "settings": {k: getattr(args, k) for k in ("steps", "batch", "patch", "depth", "width", "lr",
                                                   "sigma_max", "gray_fraction")},
    }
    save_model(out / "denoiser.npz", net, metadata=facts)
    (out / "denoiser_training.json").write_text(json.dumps({**facts, "loss": history}, indent=1) + "\n")
    print(f"trained in {minutes:.1f} min", flush=True)
    write_card(args)


def best_of(func, values, clean, noisy):
    """Highest PSNR of ``func(noisy, v)`` over ``values`` and the value that gave it."""
    best = (-1.0, None)
    for v in values:
        best = max(best, (psnr(func(noisy, v), clean), v), key=lambda t: t[0])
    return best


# Settings swept for the classical methods, as multiples of the noise's sigma.
H_FACTORS = (0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
TV_FACTORS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


def peer_rows(clean: np.ndarray, noisy: np.ndarray, sigma: float) -> dict:
    """PSNR of the classical denoisers at their best settings (a sweep, with the clean image known).

    Non-local means compare 7 x 7 patches within 10 pixels and are told the
    true sigma; only ``h`` is swept. Total variation sweeps its weight.
    """
    rows = {}
    try:
        from processing import restoration
    except ImportError:
        restoration = None
    if restoration is not None and hasattr(restoration, "denoise_nl_means"):
        rows["NLM (this project)"] = best_of(
            lambda x, h: restoration.denoise_nl_means(x, h=h, patch_size=7, search_radius=10, sigma=sigma),
            [sigma * f for f in H_FACTORS], clean, noisy)
    if restoration is not None and hasattr(restoration, "denoise_tv"):
        rows["TV (this project)"] = best_of(lambda x, w: restoration.denoise_tv(x, weight=w),
                                            [sigma * f for f in TV_FACTORS], clean, noisy)
    try:
        from skimage.restoration import denoise_nl_means
    except ImportError:
        denoise_nl_means = None
    if denoise_nl_means is not None:
        rows["scikit-image denoise_nl_means"] = best_of(
            lambda x, h: denoise_nl_means(x, h=h, sigma=sigma, patch_size=7, patch_distance=10, fast_mode=True,
                                          channel_axis=-1).astype(np.float32),
            [sigma * f for f in H_FACTORS], clean, noisy)
    return rows


def write_card(args) -> None:
    out = Path(args.out)
    facts = json.loads((out / "denoiser_training.json").read_text())
    net = load_model(out / "denoiser.npz")
    settings = facts["settings"]
    draw_loss_curve([tuple(p) for p in facts["loss"]], out / "denoiser_loss.png",
                    f"Training loss, {settings['depth']} layers x {settings['width']} channels, seed {facts['seed']}")
    clean = read_photo(Path(args.samples) / facts["data"]["held_out"])
    table = {}
    for s in EVAL_SIGMAS:
        sigma = s / 255
        noisy = noise.add_noise(clean, "gaussian", sigma, seed=EVAL_SEED)
        estimated = restoration.estimate_noise(noisy)
        col = {"noisy": (psnr(noisy, clean), None),
               "CNN (this model), true noise level": (psnr(cnn.denoise(noisy, net, sigma), clean), None),
               "CNN, noise level measured (Auto)": (psnr(cnn.denoise(noisy, net, estimated), clean), estimated)}
        if not args.no_peers:
            col.update(peer_rows(clean, noisy, sigma))
        table[s] = col
        print(f"sigma {s}: " + ", ".join(f"{k} {v[0]:.2f}" for k, v in col.items()), flush=True)
    methods = list(dict.fromkeys(k for col in table.values() for k in col))
    lines = ["| Method | " + " | ".join(f"sigma {s}/255" for s in EVAL_SIGMAS) + " |",
             "|---|" + "---:|" * len(EVAL_SIGMAS)]
    for m in methods:
        cells = []
        for s in EVAL_SIGMAS:
            value, setting = table[s].get(m, (None, None))
            if value is None:
                cells.append("n/a")
            else:
                note = ""
                if setting is not None:
                    note = f" ({'measured' if m.startswith('CNN') else 'best at'} {setting * 255:.1f}/255)"
                cells.append(f"{value:.2f} dB{note}")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    ours = table[25]["CNN (this model), true noise level"][0]
    for m, (value, _) in table[25].items():
        if m not in ("noisy",) and not m.startswith("CNN"):
            lines.append(f"\nAt sigma 25/255 the CNN is **{ours - value:+.2f} dB** beside {m} at its best setting.")
    size_kb = (out / "denoiser.npz").stat().st_size / 1024
    s = facts["settings"]
    card = CARD.format(
        depth=s["depth"], width=s["width"], params=net.parameters, size_kb=size_kb, margin=net.margin,
        sigma_max=s["sigma_max"], gray=int(round(100 * s["gray_fraction"])), patch=s["patch"], batch=s["batch"],
        steps=s["steps"], lr=s["lr"], train=", ".join(facts["data"]["train"]), held_out=facts["data"]["held_out"],
        command=facts["command"], commit=facts["commit"], seed=facts["seed"], minutes=facts["training_minutes"],
        machine=facts["machine"], table="\n".join(lines), eval_seed=EVAL_SEED,
    )
    (out / "README.md").write_text(card)
    (out / "denoiser_figures.json").write_text(json.dumps(
        {str(s): {m: v[0] for m, v in col.items()} for s, col in table.items()}, indent=1) + "\n")
    print(f"wrote {out / 'README.md'}", flush=True)


CARD = """# Model card: the CNN denoiser (`denoiser.npz`)

The network behind **Denoise (CNN)** in the Restoration category. It was
trained by this repository's own script, in NumPy, on this machine; the file
is that script's output, unchanged.

## What it is

- A residual denoiser in the style of FFDNet (Zhang, Zuo and Zhang, 2018)
  and DnCNN (Zhang et al., 2017): the colour image is folded into 2 x 2 cells
  (12 channels at half size), a channel holding the noise level is added,
  {depth} layers of 3 x 3 convolutions ({width} channels, ReLU between them)
  predict the noise, which is unfolded and subtracted.
- {params} weights, {size_kb:.0f} KB on disk. Reach: {margin} pixels on each side.
- Input: RGB (a gray image goes through as three equal channels) with
  additive gaussian noise of standard deviation 0 to {sigma_max}/255,
  clipped to [0, 1]. The noise level is an input: the editor's strength.
- Not trained for: JPEG artefacts, real sensor noise with strong colour
  correlation or banding, noise above {sigma_max}/255, blur. On those it
  removes less, or smooths detail it takes for noise.

## Data

CC0 photos of scikit-image's data set (see `../shared/samples/LICENSES.md`):
trained on {train}; **{held_out} held out** for the figures below.
Random {patch} x {patch} patches, rotated by multiples of 90 degrees and
mirrored at random; {gray}% made gray (equal channels, equal noise).

## Training

    {command}

- {steps} steps of Adam on batches of {batch} patches, mean squared error,
  learning rate {lr} with cosine decay to zero.
- Commit: {commit}; seed {seed}.
- Training time on this machine: **{minutes} minutes** ({machine}, shared
  with other jobs).
- Loss curve: `denoiser_loss.png` (history in `denoiser_training.json`).

![loss curve](denoiser_loss.png)

## Figures (held-out photo {held_out})

PSNR against the clean photo; the noise is `processing.noise.add_noise`
gaussian with seed {eval_seed}. The CNN is given the true noise level, and
then the level the editor's Auto measures (`restoration.estimate_noise`).
The classical methods are shown at their **best** setting for each noise
level, chosen with the clean photo known (a setting no user can know): an
upper bound for them.

{table}

Regenerate the figures alone with `python scripts/train_denoiser.py --card`.
"""


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", default=str(ROOT.parent / "shared" / "samples"),
                        help="folder of training photos (default ../shared/samples from the repository root)")
    parser.add_argument("--holdout", default="chelsea.png", help="photo kept out of training for the figures")
    parser.add_argument("--out", default=str(ROOT / "resources" / "models"))
    parser.add_argument("--steps", type=int, default=16000)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--depth", type=int, default=6)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--sigma-max", type=float, default=60.0, help="largest training noise, in 8-bit steps")
    parser.add_argument("--gray-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--log-every", type=int, default=20)
    parser.add_argument("--card", action="store_true", help="only measure the saved model and write the card")
    parser.add_argument("--no-peers", action="store_true", help="leave the classical methods out of the card")
    args = parser.parse_args(argv)
    args.argv = [a for a in argv if a not in ("--card", "--no-peers")]
    if args.card:
        write_card(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
