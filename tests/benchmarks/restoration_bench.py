"""Restoration benchmark: quality and time beside scikit-image and OpenCV, and cancel latency.

Run with ``make bench`` (all benchmarks) or alone::

    python tests/benchmarks/restoration_bench.py [--output FILE] [--quick]

Quality, on a photo (``/work/shared/samples/astronaut.png`` when present,
else ``resources/sample.png``), 512 x 512 at most:

- denoisers on the photo with Gaussian noise of deviation 0.05 and 0.1 (our
  ``add_noise``, seed 1), every library given the same parameters (strength
  0.8 sigma for non-local means and total variation, the true sigma, 7 x 7
  patches, search distance 10). OpenCV's ``fastNlMeansDenoisingColored``
  works on 8-bit pixels and is reported beside them with its strength in
  8-bit units;
- deblurring on the photo's gray version blurred (mirrored borders) by a
  Gaussian (sigma 2), a motion streak (9 px at 30 degrees) and a defocus
  disk (radius 3), plus noise of deviation 0.005; Wiener with balance 0.01,
  Richardson-Lucy with 30 iterations;
- inpainting: RMSE inside 30 random rectangles and 5 long scratches.

PSNR in dB against the clean photo. Times: the best of several in-process
runs (the machine is shared; the minimum is the least disturbed): at least
three, and for quick operations as many as fit in half a second (at most
100), ours and the peers' alike.

Cancel latency: on a 12 MP (4000 x 3000) RGB version of the photo, each slow
operation is started and asked to stop one second later (a timer sets a flag
that the progress callback turns into an exception, as the editor's Cancel
does); the latency is the time from the request to the exception reaching
the caller. An operation done within that second is run again and asked to
stop a quarter of the way through.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

import editor  # noqa: E402,F401  (first: BLAS gets one thread per call, as in the editor)
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from processing import restoration as R  # noqa: E402
from processing.noise import add_noise  # noqa: E402

PHOTO = Path("/work/shared/samples/astronaut.png")
SAMPLE = ROOT / "resources" / "sample.png"


def _photo() -> np.ndarray:
    path = PHOTO if PHOTO.exists() else SAMPLE
    img = Image.open(path).convert("RGB")
    if max(img.size) > 512:
        img.thumbnail((512, 512), Image.Resampling.LANCZOS)
    return np.asarray(img, np.float32) / 255.0


def psnr(out, clean) -> float:
    return float(10 * np.log10(1.0 / np.mean((np.asarray(out, np.float64) - clean) ** 2)))


def best_time(func, runs: int, budget: float = 0.5):
    """The result of ``func()`` and the least of ``runs`` timings, or of as many
    more as fit in ``budget`` seconds (up to 100): a few milliseconds' work
    needs many tries for one undisturbed by the other processes."""
    best, result, spent, done = float("inf"), None, 0.0, 0
    while done < runs or (runs > 1 and spent < budget and done < 100):
        start = time.perf_counter()
        result = func()
        took = time.perf_counter() - start
        best, spent, done = min(best, took), spent + took, done + 1
    return result, best


class Table:
    def __init__(self, title: str, header: tuple[str, ...]):
        self.title, self.header, self.rows = title, header, []

    def add(self, *cells):
        self.rows.append(tuple(cells))
        print("  " + " | ".join(str(c) for c in cells), flush=True)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.header) + " |",
                 "|" + "|".join("---" for _ in self.header) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"


def _fmt(p, t):
    return f"{p:.2f} dB", f"{t:.3f} s"


def denoise_table(clean, runs) -> Table:
    import cv2
    from skimage.restoration import denoise_nl_means, denoise_tv_chambolle
    table = Table("Denoising (PSNR, best time)", ("noise", "method", "ours", "ours time", "peer", "peer PSNR",
                                                  "peer time", "PSNR diff", "time ratio"))
    for sigma in (0.05, 0.1):
        noisy = add_noise(clean, "gaussian", sigma, seed=1)
        h = 0.8 * sigma
        print(f"sigma {sigma}: noisy {psnr(noisy, clean):.2f} dB", flush=True)
        ours, t_ours = best_time(lambda: R.denoise_nl_means(noisy, h, 7, 10, sigma=sigma), runs)
        for fast in (True, False):
            peer, t_peer = best_time(lambda: denoise_nl_means(noisy, patch_size=7, patch_distance=10, h=h,
                                                              fast_mode=fast, sigma=sigma, channel_axis=-1),
                                     1 if not fast else runs)
            name = f"skimage denoise_nl_means fast_mode={fast}"
            table.add(sigma, "non-local means", f"{psnr(ours, clean):.2f}", f"{t_ours:.2f}", name,
                      f"{psnr(peer, clean):.2f}", f"{t_peer:.2f}", f"{psnr(ours, clean) - psnr(peer, clean):+.2f}",
                      f"{t_ours / t_peer:.2f}")
        u8 = np.round(noisy * 255).astype(np.uint8)
        strength = 0.8 * sigma * 255
        peer, t_peer = best_time(lambda: cv2.fastNlMeansDenoisingColored(u8, None, strength, strength, 7, 21), runs)
        table.add(sigma, "non-local means", f"{psnr(ours, clean):.2f}", f"{t_ours:.2f}",
                  "OpenCV fastNlMeansDenoisingColored (8-bit, search 21x21)", f"{psnr(peer / 255.0, clean):.2f}",
                  f"{t_peer:.2f}", f"{psnr(ours, clean) - psnr(peer / 255.0, clean):+.2f}", f"{t_ours / t_peer:.2f}")
        weight = 0.8 * sigma
        ours, t_ours = best_time(lambda: R.denoise_tv(noisy, weight), runs)
        peer, t_peer = best_time(lambda: denoise_tv_chambolle(noisy, weight=weight, channel_axis=-1), runs)
        table.add(sigma, "total variation", f"{psnr(ours, clean):.2f}", f"{t_ours:.2f}",
                  "skimage denoise_tv_chambolle", f"{psnr(peer, clean):.2f}", f"{t_peer:.2f}",
                  f"{psnr(ours, clean) - psnr(peer, clean):+.2f}", f"{t_ours / t_peer:.2f}")
        if hasattr(R, "denoise_wavelet"):
            from skimage.restoration import denoise_wavelet
            ours, t_ours = best_time(lambda: R.denoise_wavelet(noisy, sigma), runs)
            peer, t_peer = best_time(lambda: denoise_wavelet(noisy, sigma=sigma, mode="soft", method="BayesShrink",
                                                             channel_axis=-1, convert2ycbcr=False,
                                                             rescale_sigma=True), runs)
            table.add(sigma, "wavelet (BayesShrink)", f"{psnr(ours, clean):.2f}", f"{t_ours:.2f}",
                      "skimage denoise_wavelet", f"{psnr(peer, clean):.2f}", f"{t_peer:.2f}",
                      f"{psnr(ours, clean) - psnr(peer, clean):+.2f}", f"{t_ours / t_peer:.2f}")
    return table


def deblur_table(clean_rgb, runs) -> Table:
    from scipy import ndimage
    from skimage.restoration import richardson_lucy, wiener
    clean = (clean_rgb @ np.array([0.299, 0.587, 0.114], np.float32)).astype(np.float32)
    table = Table("Deblurring (gray photo, PSNR, best time)", ("blur", "blurred", "method", "ours", "ours time",
                                                              "skimage", "skimage time", "PSNR diff", "time ratio"))
    for name, psf in (("gaussian sigma 2", R.psf_gaussian(2.0)), ("motion 9 px, 30 deg", R.psf_motion(9, 30)),
                      ("disk radius 3", R.psf_disk(3))):
        blurred = ndimage.convolve(clean, psf, mode="reflect")
        blurred = add_noise(blurred.astype(np.float32), "gaussian", 0.005, seed=2)
        before = psnr(blurred, clean)
        ours, t_ours = best_time(lambda: R.deconvolve_wiener(blurred, psf, 0.01), runs)
        # Timed without the clip to [0, 1] that ours includes (clipped for its PSNR).
        peer, t_peer = best_time(lambda: wiener(blurred, psf, 0.01), runs)
        peer = np.clip(peer, 0, 1)
        table.add(name, f"{before:.2f}", "Wiener, balance 0.01", f"{psnr(ours, clean):.2f}", f"{t_ours * 1e3:.2f} ms",
                  f"{psnr(peer, clean):.2f}", f"{t_peer * 1e3:.2f} ms", f"{psnr(ours, clean) - psnr(peer, clean):+.2f}",
                  f"{t_ours / t_peer:.2f}")
        ours, t_ours = best_time(lambda: R.deconvolve_richardson_lucy(blurred, psf, 30), runs)
        peer, t_peer = best_time(lambda: richardson_lucy(blurred, psf, num_iter=30), runs)
        table.add(name, f"{before:.2f}", "Richardson-Lucy, 30 iterations", f"{psnr(ours, clean):.2f}",
                  f"{t_ours * 1e3:.1f} ms", f"{psnr(peer, clean):.2f}", f"{t_peer * 1e3:.1f} ms",
                  f"{psnr(ours, clean) - psnr(peer, clean):+.2f}", f"{t_ours / t_peer:.2f}")
    return table


def _holes(shape, seed=0):
    rng = np.random.default_rng(seed)
    h, w = shape
    mask = np.zeros(shape, bool)
    for _ in range(30):
        y, x = rng.integers(0, h - 20), rng.integers(0, w - 20)
        mask[y : y + rng.integers(3, 20), x : x + rng.integers(3, 20)] = True
    for _ in range(5):
        y = rng.integers(20, h - 20)
        mask[y : y + 3, w // 10 : 9 * w // 10] = True
    return mask


def inpaint_table(clean, runs) -> Table:
    import cv2
    from skimage.restoration import inpaint_biharmonic
    mask = _holes(clean.shape[:2])
    damaged = clean.copy()
    damaged[mask] = 0.0
    u8 = np.round(damaged * 255).astype(np.uint8)
    m8 = mask.astype(np.uint8)

    def rmse(out):
        return float(np.sqrt(np.mean((np.asarray(out, np.float64)[mask] - clean[mask]) ** 2)))

    table = Table(f"Inpainting ({int(mask.sum())} hole pixels; RMSE inside the holes, best time)",
                  ("method", "RMSE", "time", "vs OpenCV Telea RMSE"))
    cv_telea, t = best_time(lambda: cv2.inpaint(u8, m8, 5, cv2.INPAINT_TELEA), runs)
    reference = rmse(cv_telea / 255.0)
    for label, func in (
        ("ours telea, radius 5", lambda: R.inpaint(damaged, mask, "telea", 5)),
        ("ours harmonic", lambda: R.inpaint(damaged, mask, "harmonic")),
    ):
        out, t_ours = best_time(func, runs)
        table.add(label, f"{rmse(out):.4f}", f"{t_ours * 1e3:.1f} ms", f"{rmse(out) / reference:.2f}x")
    table.add("OpenCV INPAINT_TELEA, radius 5 (8-bit)", f"{reference:.4f}", f"{t * 1e3:.1f} ms", "1.00x")
    out, t = best_time(lambda: cv2.inpaint(u8, m8, 5, cv2.INPAINT_NS), runs)
    table.add("OpenCV INPAINT_NS, radius 5 (8-bit)", f"{rmse(out / 255.0):.4f}", f"{t * 1e3:.1f} ms",
              f"{rmse(out / 255.0) / reference:.2f}x")
    out, t = best_time(lambda: inpaint_biharmonic(damaged, mask, channel_axis=-1), runs)
    table.add("skimage inpaint_biharmonic", f"{rmse(out):.4f}", f"{t * 1e3:.1f} ms", f"{rmse(out) / reference:.2f}x")
    return table


class _Stop(Exception):
    pass


def cancel_latency(func, after: float = 1.0) -> tuple[float, int, float]:
    """(latency, polls before the request, seconds run) of ``func(progress)`` cancelled ``after`` seconds in."""
    requested = threading.Event()
    when = {}
    polls = [0]

    def progress(fraction):
        polls[0] += 1
        if requested.is_set():
            raise _Stop

    def request():
        when["t"] = time.perf_counter()
        requested.set()

    timer = threading.Timer(after, request)
    start = time.perf_counter()
    timer.start()
    try:
        func(progress)
    except _Stop:
        end = time.perf_counter()
        return end - when["t"], polls[0], end - start
    finally:
        timer.cancel()
    end = time.perf_counter()
    return float("nan"), polls[0], end - start  # finished before the request


def cancel_table(clean) -> Table:
    big = np.asarray(Image.fromarray(np.round(clean * 255).astype(np.uint8)).resize((4000, 3000),
                                                                                     Image.Resampling.BICUBIC),
                     np.float32) / 255.0
    noisy = add_noise(big, "gaussian", 0.05, seed=1)
    hole = np.zeros(big.shape[:2], bool)
    hole[800:2200, 1000:3000] = True  # 2.8 MP hole
    hole[100:104, :] = True
    table = Table("Cancel latency on a 12 MP RGB photo (cancel requested 1 s after the start)",
                  ("operation", "latency", "progress calls in the first second"))
    cases = [
        ("non-local means (auto, patch 7, search 10)", lambda p: R.denoise_nl_means(noisy, 0.0, progress=p)),
        ("total variation (auto)", lambda p: R.denoise_tv(noisy, 0.0, progress=p)),
        ("Wiener, disk radius 5", lambda p: R.deconvolve_wiener(noisy, R.psf_disk(5), 0.01, progress=p)),
        ("Richardson-Lucy, gaussian 3, 30 it.", lambda p: R.deconvolve_richardson_lucy(noisy, R.psf_gaussian(3), 30,
                                                                                         progress=p)),
        ("inpaint telea (2.8 MP hole)", lambda p: R.inpaint(big, hole, "telea", progress=p)),
        ("inpaint harmonic (2.8 MP hole)", lambda p: R.inpaint(big, hole, "harmonic", progress=p)),
    ]
    if hasattr(R, "denoise_wavelet"):
        cases.append(("wavelet (auto)", lambda p: R.denoise_wavelet(noisy, progress=p)))
    for name, func in cases:
        latency, polls, ran = cancel_latency(func)
        if latency != latency:  # NaN: done before the request; ask again a quarter of the way in
            latency, _, _ = cancel_latency(func, ran / 4)
            if latency != latency:
                table.add(name, f"finished in {ran:.2f} s, before the request", polls)
            else:
                table.add(name, f"{latency * 1000:.0f} ms (it runs {ran:.2f} s: cancel requested at "
                                f"{ran / 4:.2f} s)", f"{polls} (all)")
        else:
            table.add(name, f"{latency * 1000:.0f} ms", polls)
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="also write the Markdown tables to this file")
    parser.add_argument("--quick", action="store_true", help="one timing run each, no cancel table")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else 3
    clean = _photo()
    tables = [denoise_table(clean, runs), deblur_table(clean, runs), inpaint_table(clean, runs)]
    if not args.quick:
        tables.append(cancel_table(clean))
    text = "## Restoration\n\n" + "\n".join(t.markdown() for t in tables)
    print()
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
