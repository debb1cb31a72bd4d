"""`image-editor apply` at scale, end to end in subprocesses: folders, patterns, skip and rerun
after an interruption, dry run, worker processes and a Dask cluster giving the window's bytes."""
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.document import Document
from editor.executors import Processes, WorkerDied, _call, _dask_interrupt_race, _QuietDaskLogs
from editor.image_file import ExportOptions, load_image, save_image
from editor.recipe import save_recipe
from editor.steps import Step
from tests.conftest import make_image

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180  # no run may hang the suite

STEPS = (
    Step("filter.gaussian_blur", {"sigma": 1.5}),
    Step("tone.levels", {"black": 0.05, "white": 0.9, "midtone_gamma": 1.2}),
    Step("filter.unsharp_mask", {"radius": 2.0, "amount": 0.8, "threshold": 0.0}),
    Step("geometry.resize", {"mode": "scale", "scale": 0.5, "width": 0, "height": 0, "interpolation": "bicubic"}),
)
SLOW_STEPS = (Step("filter.gaussian_blur", {"sigma": 25.0}), Step("filter.unsharp_mask", {"radius": 25.0, "amount": 1.0, "threshold": 0.0}))


def _write(path, pixels, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    save_image(path, pixels, options=ExportOptions(**kwargs))


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A folder of small photos in several formats, one corrupt, some in subfolders."""
    root = tmp_path_factory.mktemp("photos")
    _write(root / "a.png", make_image((40, 62, 3), seed=1))
    _write(root / "b.jpg", make_image((48, 33, 3), seed=2), quality=90)
    _write(root / "c.png", make_image((30, 21), seed=3), bit_depth=16)  # a deep source: 16-bit output
    _write(root / "sub" / "d.png", make_image((24, 24, 4), seed=4))
    _write(root / "sub" / "deeper" / "a.png", make_image((20, 26, 3), seed=5))  # same name as a top one
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    (root / "notes.txt").write_text("not an image, and not taken from a folder")
    save_recipe(root.parent / "recipe.json", STEPS)
    return root


def window_export(source: Path, target: Path, steps=STEPS, **options) -> bytes:
    """What the window writes for this recipe: the document's render, exported with the same options."""
    loaded = load_image(source)
    pixels = Document(loaded.pixels, loaded.info, steps).render()
    save_image(target, pixels, info=loaded.info, options=ExportOptions(**options))
    return target.read_bytes()


def run_apply(*args, timeout=TIMEOUT):
    command = [sys.executable, "-m", "editor", "apply", *map(str, args)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def files_under(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


GOOD = {"a.png": "a-edited.png", "b.jpg": "b-edited.jpg", "c.png": "c-edited.png",
        "sub/d.png": "sub/d-edited.png", "sub/deeper/a.png": "sub/deeper/a-edited.png"}


@pytest.fixture(scope="module")
def references(photos, tmp_path_factory):
    folder = tmp_path_factory.mktemp("references")
    return {out: window_export(photos / src, folder / out.replace("/", "_")) for src, out in GOOD.items()}


# -- a folder with a corrupt file -------------------------------------------------------------
def test_a_folder_with_a_corrupt_file_reports_it_and_writes_the_rest_as_the_window_does(photos, references, tmp_path):
    done = run_apply(photos.parent / "recipe.json", photos, "--recursive", "-o", tmp_path, "-j", "2")
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("FAILED") == 1
    assert f"FAILED  {photos / 'broken.jpg'}: " in done.stderr
    assert done.stdout.splitlines()[-1].startswith("5 written, 0 skipped, 1 failed in ")
    assert files_under(tmp_path) == references
    # The 16-bit source gave a 16-bit output, as Export does, and the sizes are halved.
    assert Image.open(tmp_path / "c-edited.png").mode.startswith("I;16")
    assert Image.open(tmp_path / "a-edited.png").size == (31, 20)


def test_an_output_folder_that_is_a_file_fails_before_any_work(photos, tmp_path):
    (tmp_path / "taken").write_bytes(b"a file")
    done = run_apply(photos.parent / "recipe.json", photos / "a.png", "-o", tmp_path / "taken")
    assert done.returncode == 2 and "is a file, not a folder" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


# -- folders, patterns, --recursive, --dry-run ---------------------------------------------
def test_dry_run_lists_what_would_be_written_and_writes_nothing(photos, tmp_path):
    (tmp_path / "a-edited.png").write_bytes(b"there already")
    done = run_apply(photos.parent / "recipe.json", photos, "-o", tmp_path, "--dry-run")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines == [
        f"would skip  {photos / 'a.png'}: {tmp_path / 'a-edited.png'} exists",
        f"would write {photos / 'b.jpg'} -> {tmp_path / 'b-edited.jpg'}",
        f"would write {photos / 'broken.jpg'} -> {tmp_path / 'broken-edited.jpg'}",  # not read in a dry run
        f"would write {photos / 'c.png'} -> {tmp_path / 'c-edited.png'}",
        "dry run: 3 to write, 1 to skip, 0 failed; nothing was written",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-edited.png"]
    nothing = run_apply(photos.parent / "recipe.json", photos / "*.gif", "-n")
    assert nothing.returncode == 1
    assert f"FAILED  {photos / '*.gif'}: no image file matches this pattern" in nothing.stderr


def test_patterns_and_recursive_folders_pick_image_files_once_each(photos, tmp_path):
    def planned(*inputs):
        done = run_apply(photos.parent / "recipe.json", *inputs, "-o", tmp_path, "-n")
        return sorted(line.split()[2] for line in done.stdout.splitlines() if line.startswith("would write"))

    top = [str(photos / n) for n in ("a.png", "b.jpg", "broken.jpg", "c.png")]
    assert planned(photos) == top  # not notes.txt, not the subfolders
    assert planned(photos, "-r") == sorted(top + [str(photos / "sub" / "d.png"), str(photos / "sub" / "deeper" / "a.png")])
    assert planned(photos / "*.png") == [str(photos / "a.png"), str(photos / "c.png")]
    everything = planned(photos / "**" / "*.png")
    assert everything == sorted(str(photos / p) for p in ("a.png", "c.png", "sub/d.png", "sub/deeper/a.png"))
    # The same file named twice, by a pattern and by itself, is done once.
    assert planned(photos / "a.png", photos / "?.png") == [str(photos / "a.png"), str(photos / "c.png")]


def test_an_output_folder_inside_the_input_folder_is_not_read_back(photos, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.png").write_bytes((photos / "a.png").read_bytes())
    (folder / "out").mkdir()
    first = run_apply(photos.parent / "recipe.json", folder, "-r", "-o", folder / "out")
    again = run_apply(photos.parent / "recipe.json", folder, "-r", "-o", folder / "out")
    assert first.returncode == again.returncode == 0, first.stderr + again.stderr
    assert again.stdout.splitlines()[-1].startswith("0 written, 1 skipped, 0 failed")
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["x-edited.png"]


# -- interrupted runs --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def slow_batch(tmp_path_factory):
    """Small files first, then a big one that takes seconds: a run is still busy when the first output lands."""
    root = tmp_path_factory.mktemp("slow")
    for n in range(5):
        _write(root / "in" / f"small{n}.png", make_image((30, 40, 3), seed=10 + n))
    y, x = np.mgrid[0:2000, 0:2400].astype(np.float32)
    big = np.stack([(x / 2400), (y / 2000), (x + y) / 4400], axis=-1).astype(np.float32)
    _write(root / "in" / "z_big.png", big, png_compress_level=1)
    save_recipe(root / "recipe.json", SLOW_STEPS)
    refs = root / "refs"
    refs.mkdir()
    expected = {f"{p.stem}-edited.png": window_export(p, refs / f"{p.stem}-edited.png", SLOW_STEPS)
                for p in sorted((root / "in").iterdir())}
    return root, expected


def _interrupt(root: Path, outdir: Path, how: list[str], kill) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "editor", "apply", str(root / "recipe.json"), str(root / "in"), "-o", str(outdir),
               *how]
    with open(outdir.parent / "first.out", "w+") as out:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + TIMEOUT
            while not any(outdir.glob("*-edited.png")):  # wait for the first finished file
                assert proc.poll() is None and time.monotonic() < deadline, "the run ended before any output"
                time.sleep(0.02)
            kill(proc)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.seek(0)
        return subprocess.CompletedProcess(command, proc.returncode, out.read(), "")


def _to_process(signum):
    return lambda proc: proc.send_signal(signum)


def _to_group(signum):  # what Ctrl+C at a terminal does: every process of the job gets it
    return lambda proc: os.killpg(proc.pid, signum)


@pytest.mark.parametrize("how, stop", [
    (["-j", "1"], _to_process(signal.SIGINT)),
    (["-j", "2"], _to_group(signal.SIGINT)),
    (["-j", "2"], _to_process(signal.SIGTERM)),
    (["--executor", "dask", "-j", "2"], _to_group(signal.SIGINT)),
], ids=["1", "2", "2-sigterm", "dask"])
def test_ctrl_c_stops_the_workers_prints_the_summary_and_a_rerun_finishes(slow_batch, tmp_path, how, stop):
    if "dask" in how:
        pytest.importorskip("distributed")
    root, expected = slow_batch
    outdir = tmp_path / "out"
    outdir.mkdir()
    first = _interrupt(root, outdir, how, stop)
    assert first.returncode == 130, first.stdout
    summary = first.stdout.splitlines()[-1]
    assert summary.startswith("interrupted: ") and "not done (run the same command again to do them)" in summary, \
        first.stdout
    assert "Traceback" not in first.stdout  # workers, Dask's too, leave the stopping to the command
    written = sorted(p.name for p in outdir.iterdir())
    assert summary.startswith(f"interrupted: {len(written)} written, 0 skipped, 0 failed in ")
    assert "z_big-edited.png" not in written and 1 <= len(written) < len(expected)
    assert all(name in expected for name in written)  # no temporary file left, even hidden
    for name in written:
        assert (outdir / name).read_bytes() == expected[name]

    rerun = run_apply(root / "recipe.json", root / "in", "-o", outdir, *how)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.splitlines()[-1].startswith(
        f"{len(expected) - len(written)} written, {len(written)} skipped, 0 failed in ")
    assert files_under(outdir) == expected


def test_a_killed_run_leaves_no_partial_output_and_a_rerun_finishes_and_cleans_up(slow_batch, tmp_path):
    root, expected = slow_batch
    outdir = tmp_path / "out"
    outdir.mkdir()
    first = _interrupt(root, outdir, ["-j", "2"], lambda proc: os.killpg(proc.pid, signal.SIGKILL))  # the whole job
    assert first.returncode == -signal.SIGKILL
    for path in outdir.iterdir():  # whatever has its final name is complete
        if not path.name.startswith("."):
            assert path.read_bytes() == expected[path.name]
    # What a kill in the middle of writing leaves: the writer's hidden temporary file.
    (outdir / ".z_big-edited.png.k1ll3d.tmp").write_bytes(b"half a PNG")
    rerun = run_apply(root / "recipe.json", root / "in", "-o", outdir, "-j", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert files_under(outdir) == expected


# -- executors -------------------------------------------------------------------------------
def test_a_file_that_kills_its_worker_process_fails_alone_and_is_not_retried_forever():
    calls = [(abs, (-1,)), (os._exit, (3,)), (abs, (-2,)), (abs, (-3,))]
    seen = dict(Processes(2).map(_call, calls))
    assert seen[0] == 1 and seen[2] == 2 and seen[3] == 3
    assert isinstance(seen[1], WorkerDied)


def test_jobs_1_and_jobs_2_write_the_same_bytes(photos, references, tmp_path):
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        out.mkdir()
        done = run_apply(photos.parent / "recipe.json", photos, "-r", "-o", out, "-j", jobs)
        assert done.returncode == 1, done.stderr  # the corrupt file
        assert files_under(out) == references


# -- Dask ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("distributed")
    import dask
    from distributed import LocalCluster

    # A running cluster set up as the README advises for batches.
    settings = {"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0}
    with dask.config.set(settings):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    yield cluster
    cluster.close()


def _logged_name_error(function: str, filename: str) -> logging.LogRecord:
    namespace: dict = {}
    exec(compile(f"def {function}():\n    return missing\n", filename, "exec"), namespace)
    try:
        namespace[function]()
    except NameError:
        return logging.LogRecord("tornado.application", logging.ERROR, filename, 2, "Exception in callback",
                                 None, sys.exc_info())
    raise AssertionError("the function was meant to fail")


def test_only_dasks_own_interrupt_race_is_kept_from_the_user():
    dask_utils = str(Path("site-packages") / "distributed" / "utils.py")
    assert not _dask_interrupt_race(_logged_name_error("cancel", dask_utils))
    assert _dask_interrupt_race(_logged_name_error("submit", dask_utils))
    assert _dask_interrupt_race(_logged_name_error("cancel", "recipe_plugin.py"))
    plain = logging.LogRecord("tornado.application", logging.ERROR, "x", 1, "plain", None, None)
    assert _dask_interrupt_race(plain)
    quiet = _QuietDaskLogs()
    assert quiet.filter(plain) and not quiet.filter(_logged_name_error("cancel", dask_utils))
    quiet.stopping = True  # once the run is being stopped, nothing Dask's loop says is shown
    assert not quiet.filter(plain)


def test_dask_on_a_running_cluster_writes_the_window_bytes_and_reports_the_corrupt_file(
        dask_cluster, photos, references, tmp_path):
    done = run_apply(photos.parent / "recipe.json", photos, "-r", "-o", tmp_path,
                     "--scheduler", dask_cluster.scheduler_address)
    assert done.returncode == 1, done.stderr
    assert f"FAILED  {photos / 'broken.jpg'}: " in done.stderr
    assert done.stdout.splitlines()[-1].startswith("5 written, 0 skipped, 1 failed in ")
    assert files_under(tmp_path) == references
    again = run_apply(photos.parent / "recipe.json", photos, "-r", "-o", tmp_path,
                      "--scheduler", dask_cluster.scheduler_address)
    assert again.stdout.splitlines()[-1].startswith("0 written, 5 skipped, 1 failed in ")


def test_augment_on_a_running_cluster_writes_the_same_files_as_one_process(dask_cluster, tmp_path):
    from editor.augment_pipeline import save_pipeline

    rng = np.random.default_rng(3)
    (tmp_path / "in").mkdir()
    for n in range(3):
        _write(tmp_path / "in" / f"p{n}.png", rng.random((24, 32, 3)).astype(np.float32))
    save_pipeline(tmp_path / "aug.json", [{"transform": "hflip", "p": 0.5},
                                          {"transform": "rotate", "p": 0.8, "angle_deg": [-20, 20]}])
    common = [sys.executable, "-m", "editor", "augment", str(tmp_path / "in"), "--per-image", "2", "--seed", "4",
              "--pipeline", str(tmp_path / "aug.json")]
    one = subprocess.run([*common, "-o", str(tmp_path / "one"), "--jobs", "1"], cwd=ROOT, capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert one.returncode == 0, one.stderr
    dask = subprocess.run([*common, "-o", str(tmp_path / "dask"), "--scheduler", dask_cluster.scheduler_address],
                          cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    assert dask.returncode == 0, dask.stderr
    assert "6 written, 0 failed" in dask.stdout
    assert files_under(tmp_path / "dask") == files_under(tmp_path / "one")


def test_dask_without_a_scheduler_starts_a_local_cluster(photos, references, tmp_path):
    pytest.importorskip("distributed")
    done = run_apply(photos.parent / "recipe.json", photos / "*.png", photos / "b.jpg", "-o", tmp_path,
                     "--executor", "dask", "-j", "2")
    assert done.returncode == 0, done.stderr
    assert files_under(tmp_path) == {k: v for k, v in references.items() if "/" not in k}


def test_a_task_that_kills_its_dask_worker_is_reported_not_retried_forever(dask_cluster):
    from editor.executors import Dask

    calls = [(abs, (-1,)), (os._exit, (3,)), (abs, (-2,)), (abs, (-3,)), (abs, (-4,))]
    seen = dict(Dask(dask_cluster.scheduler_address).map(_call, calls))
    # The others finish, however many workers the bad one took down with it.
    assert {i: seen[i] for i in (0, 2, 3, 4)} == {0: 1, 2: 2, 3: 3, 4: 4}
    assert isinstance(seen[1], WorkerDied)


def test_a_cluster_whose_workers_do_not_see_the_files_is_refused_with_the_reason(dask_cluster, tmp_path):
    from editor.executors import Dask, ExecutorError

    missing = tmp_path / "not-on-the-shared-storage"
    with pytest.raises(ExecutorError, match=f"does not see {missing}: the inputs and the output folder must be on"):
        list(Dask(dask_cluster.scheduler_address, paths=[str(tmp_path), str(missing)]).map(abs, [-1]))
    assert dict(Dask(dask_cluster.scheduler_address, paths=[str(tmp_path)]).map(abs, [-1])) == {0: 1}
