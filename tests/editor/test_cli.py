"""Headless apply and recipe-check: batch behaviour, exit codes, bit-identical output, no Qt."""
import io
import json
import os
import re
import signal
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.batch import FileResult, apply_recipe, apply_recipe_to_file, output_path_for, render_recipe
from editor import cli as cli_module
from editor.cli import SUBCOMMANDS, main
from editor.document import Document
from editor.image_file import from_float, load_image, save_image
from editor.recipe import save_recipe
from editor.steps import Step
from tests.conftest import make_image

ROOT = Path(__file__).resolve().parents[2]

STEPS = (
    Step("filter.gaussian_blur", {"sigma": 1.3}),
    Step("tone.brightness_contrast", {"brightness": 0.05, "contrast": 0.25}),
    Step("filter.gaussian_blur", {"sigma": 4.0}, enabled=False),
)


@pytest.fixture
def files(tmp_path):
    save_image(tmp_path / "a.png", make_image((20, 30, 3), seed=1))
    save_image(tmp_path / "b.png", make_image((25, 18), seed=2))
    save_image(tmp_path / "c.jpg", make_image((16, 16, 3), seed=3))
    save_recipe(tmp_path / "r.json", STEPS)
    return tmp_path


def doc_render_as_uint8(path, steps=STEPS):
    loaded = load_image(path)
    return np.asarray(from_float(Document(loaded.pixels, loaded.info, steps).render()))


def test_subcommands_are_registered():
    assert {"apply", "recipe-check", "ops"} <= set(SUBCOMMANDS)


def test_apply_writes_each_file_bit_identical_to_a_document_render(files, capsys):
    rc = main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "b.png")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "2 written, 0 skipped, 0 failed" in out
    for name in ("a", "b"):
        written = np.asarray(Image.open(files / f"{name}-edited.png"))
        np.testing.assert_array_equal(written, doc_render_as_uint8(files / f"{name}.png"))


def test_render_recipe_equals_document_render_bit_for_bit(any_image):
    steps = STEPS + (Step("tone.brightness_contrast", {"brightness": -0.2, "contrast": 0.7}),)
    np.testing.assert_array_equal(render_recipe(steps, any_image), Document(any_image, steps=steps).render())
    assert render_recipe((), any_image).dtype == np.float32


def test_an_output_folder_that_does_not_exist_is_made_and_a_file_there_is_refused(files, capsys):
    out = files / "results" / "today"
    assert main(["apply", str(files / "r.json"), str(files / "a.png"), "-o", str(out), "--dry-run"]) == 0
    assert not out.exists()  # a dry run makes nothing
    assert main(["apply", str(files / "r.json"), str(files / "a.png"), "-o", str(out)]) == 0
    assert [p.name for p in out.iterdir()] == ["a-edited.png"]
    capsys.readouterr()
    assert main(["apply", str(files / "r.json"), str(files / "b.png"), "-o", str(files / "a.png")]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_outdir_suffix_format(files, capsys):
    out = files / "out"
    out.mkdir()
    rc = main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "c.jpg"),
               "-o", str(out), "--suffix", "", "--format", "tif"])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.tif", "c.tif"]
    np.testing.assert_array_equal(np.asarray(Image.open(out / "a.tif")), doc_render_as_uint8(files / "a.png"))


def test_failures_are_reported_and_the_rest_goes_on(files, capsys):
    (files / "broken.png").write_bytes(b"not a png")
    rc = main(["apply", str(files / "r.json"), str(files / "broken.png"), str(files / "missing.png"), str(files / "a.png")])
    assert rc == 1
    captured = capsys.readouterr()
    # The line names the file once, then says why (not "a.png: Cannot open a.png: ...").
    assert f"FAILED  {files / 'broken.png'}: it is not an image file" in captured.err
    assert f"FAILED  {files / 'missing.png'}: the file does not exist" in captured.err
    assert captured.err.count("broken.png") == 1
    assert "1 written, 0 skipped, 2 failed" in captured.out
    assert (files / "a-edited.png").exists() and not (files / "broken-edited.png").exists()


def test_existing_outputs_are_skipped_unless_overwrite(files, capsys):
    target = files / "a-edited.png"
    target.write_bytes(b"previous")
    assert main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "b.png")]) == 0
    out = capsys.readouterr().out
    assert f"skipped {files / 'a.png'}: {target} exists" in out
    assert "1 written, 1 skipped, 0 failed" in out
    assert target.read_bytes() == b"previous"
    assert main(["apply", str(files / "r.json"), str(files / "a.png"), "--overwrite"]) == 0
    np.testing.assert_array_equal(np.asarray(Image.open(target)), doc_render_as_uint8(files / "a.png"))


def test_input_files_are_never_overwritten(files, capsys):
    originals = {p.name: p.read_bytes() for p in files.iterdir() if p.suffix in (".png", ".jpg")}
    # An empty suffix in the same folder would write over each input, even with --overwrite.
    rc = main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "c.jpg"), "--suffix", "", "--overwrite"])
    assert rc == 1
    assert capsys.readouterr().err.count("is one of the input files; it is never overwritten") == 2
    # One input's output named like another input (b-edited.png given as an input too).
    save_image(files / "a-edited.png", make_image((5, 5), seed=9))
    originals["a-edited.png"] = (files / "a-edited.png").read_bytes()
    rc = main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "a-edited.png"), "--overwrite"])
    assert rc == 1
    assert {p.name: p.read_bytes() for p in files.iterdir() if p.name in originals} == originals
    assert (files / "a-edited-edited.png").exists()


def test_the_per_file_function_refuses_its_input_even_under_another_name(files):
    link = files / "link.png"
    try:
        os.link(files / "a.png", link)
    except OSError:
        pytest.skip("hard links not supported here")
    before = (files / "a.png").read_bytes()
    with pytest.raises(Exception, match="is the input file itself"):
        apply_recipe_to_file(STEPS, files / "a.png", link, overwrite=True)
    with pytest.raises(Exception, match="is the input file itself"):
        apply_recipe_to_file(STEPS, files / "a.png", files / "." / "a.png", overwrite=True)
    assert (files / "a.png").read_bytes() == before


def test_two_inputs_with_the_same_output_name(files):
    save_image(files / "a.jpg", make_image((8, 8, 3), seed=4))
    results = apply_recipe(STEPS, [files / "a.png", files / "a.jpg"], format="png")
    assert [r.ok for r in results] == [True, False]
    assert "is also the output of" in results[1].error


def test_apply_recipe_to_file_is_reusable_and_keeps_16_bit_gray(tmp_path):
    gray16 = tmp_path / "g.png"
    Image.fromarray((make_image((12, 9), seed=5) * 65535).astype(np.uint16)).save(gray16)
    out = apply_recipe_to_file(STEPS, gray16, tmp_path / "g-out.png")
    reread = load_image(out)
    assert reread.info.bit_depth == 16
    loaded = load_image(gray16)
    expected = np.rint(np.clip(Document(loaded.pixels, steps=STEPS).render(), 0, 1) * 65535).astype(np.uint16)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), expected)


def test_a_mask_that_does_not_fit_fails_that_file_only(files):
    steps = (Step("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.0}, mask=np.ones((20, 30), bool)),)
    results = apply_recipe(steps, [files / "a.png", files / "b.png"])
    assert results[0].ok and not results[1].ok
    assert "mask" in results[1].error
    assert isinstance(results[0], FileResult)


def test_output_path_for():
    assert output_path_for("x/photo.webp") == Path("x/photo-edited.webp")
    assert output_path_for("x/photo.gif") == Path("x/photo-edited.png")
    assert output_path_for("x/photo.png", outdir="y", suffix="_v2", format="JPG") == Path("y/photo_v2.jpg")
    with pytest.raises(Exception, match="unknown output format 'xyz'"):
        output_path_for("x/photo.png", format="xyz")


def test_invalid_recipe_fails_before_any_file(files, capsys):
    bad = files / "bad.json"
    bad.write_text(json.dumps({"format": "image-editor-recipe", "version": 1,
                               "steps": [{"op": "filter.gaussian_blur", "params": {"sigma": 999}}]}))
    assert main(["apply", str(bad), str(files / "a.png")]) == 2
    err = capsys.readouterr().err
    assert f"Cannot use recipe {bad}: step 1 (Gaussian blur, filter.gaussian_blur): sigma must be between" in err
    assert not (files / "a-edited.png").exists()


def test_recipe_check_lists_the_steps(files, capsys):
    mask = np.zeros((6, 9), bool)
    save_recipe(files / "m.json", STEPS + (Step("filter.gaussian_blur", {"sigma": 0.5}, mask=mask),))
    assert main(["recipe-check", str(files / "m.json")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{files / 'm.json'}: valid recipe, 4 steps"
    assert out[1:] == [
        "  1. Gaussian blur, radius 1.3",
        "  2. Brightness / contrast, brightness 0.05, contrast 0.25",
        "  3. Gaussian blur, radius 4.0  [disabled]",
        "  4. Gaussian blur, radius 0.5  [masked, 9x6]",
    ]


def test_recipe_check_reports_problems(files, capsys):
    (files / "bad.json").write_text(json.dumps({"format": "image-editor-recipe", "version": 1,
                                                 "steps": [{"op": "tone.brightness", "params": {}}]}))
    assert main(["recipe-check", str(files / "bad.json")]) == 2
    assert "step 1 (tone.brightness): unknown operation 'tone.brightness'; did you mean" in capsys.readouterr().err


def test_headless_apply_imports_no_qt(files):
    script = (
        "import sys\n"
        "from editor.cli import main\n"
        f"rc = main(['apply', {str(files / 'r.json')!r}, {str(files / 'a.png')!r}])\n"
        "qt = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6')))\n"
        "print('QT', qt)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "QT []" in done.stdout
    assert (files / "a-edited.png").exists()


def test_per_file_work_survives_pickling_for_worker_processes(files):
    # A cluster or process pool ships the function and its arguments pickled.
    mask = np.zeros((20, 30), bool)
    mask[5:15, 5:25] = True
    steps = STEPS + (Step("tone.brightness_contrast", {"brightness": 0.3, "contrast": 0.0}, mask=mask),)
    function, shipped = pickle.loads(pickle.dumps((apply_recipe_to_file, steps)))
    assert shipped == steps
    out = function(shipped, files / "a.png", files / "remote.png")
    np.testing.assert_array_equal(np.asarray(Image.open(out)), doc_render_as_uint8(files / "a.png", steps))


# -- what apply says while it works --------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals")
def test_a_terminal_that_does_not_say_its_width_still_shows_the_bar(files):
    # A new pseudo-terminal has 0 rows and 0 columns until someone sizes it
    # (what `script` and some containers give); tqdm draws nothing that wide.
    control, terminal = os.openpty()
    try:
        command = [sys.executable, "-m", "editor", "apply", str(files / "r.json"), str(files / "a.png"),
                   str(files / "b.png"), "-o", str(files / "out"), "-j", "1"]
        run = subprocess.Popen(command, cwd=ROOT, stdin=terminal, stdout=terminal, stderr=terminal)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(control, 4096)
            except OSError:  # the other end closed: the command has exited
                break
            if not chunk:
                break
            shown += chunk
        assert run.wait(timeout=120) == 0
    finally:
        os.close(control)
    text = shown.decode(errors="replace")
    assert re.search(r"2/2 \[\d\d:\d\d<", text), text
    assert "2 written, 0 skipped, 0 failed" in text


def test_not_on_a_terminal_apply_says_one_line_per_file_with_its_time(files, capsys):
    rc = main(["apply", str(files / "r.json"), str(files / "a.png"), str(files / "b.png")])
    assert rc == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert len(lines) == 3
    for line, name in zip(sorted(lines[:2]), ("a", "b")):  # in the order they finish
        assert re.fullmatch(rf"ok      {re.escape(str(files / name))}\.png -> .*{name}-edited\.png  \(\d+\.\d+ s\)", line), line
    assert re.fullmatch(r"2 written, 0 skipped, 0 failed in \d+\.\d+ s", lines[2])
    assert captured.err == ""  # no progress lines in a log file


def test_on_a_terminal_apply_shows_a_progress_bar_and_the_file_at_work(files, monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    seen = []
    real = cli_module._ApplyReport.result

    def result(self, result):
        seen.append(terminal.getvalue())  # what stood on the terminal while the file was processed
        real(self, result)

    monkeypatch.setattr(cli_module._ApplyReport, "result", result)
    (files / "broken.png").write_bytes(b"not a png")
    args = ["apply", str(files / "r.json"), str(files / "a.png"), str(files / "b.png"), str(files / "broken.png")]
    assert main([*args, "-j", "1"]) == 1
    assert "a.png (30 x 20)" in seen[0].rsplit("\r", 1)[-1]
    assert "b.png (18 x 25)" in seen[1].rsplit("\r", 1)[-1]
    shown = terminal.getvalue()
    final = shown.rsplit("\r", 1)[-1]
    assert re.search(r"3/3 \[\d\d:\d\d<\d\d:\d\d, +\d+\.\d+(file/s|s/file)\]", final), final
    assert "1 failed" in final
    assert f"FAILED  {files / 'broken.png'}: it is not an image file" in shown
    out = capsys.readouterr().out
    assert "ok " not in out  # the bar replaces the per-file lines
    assert out.startswith("2 written, 0 skipped, 1 failed in ")


def test_durations_read_as_times():
    assert cli_module._duration(0.004) == "0.00 s"
    assert cli_module._duration(59.94) == "59.9 s"
    assert cli_module._duration(3600) == "60 min 00 s"


# -- recipes on images of another size ----------------------------------------------------
CROP = Step("geometry.crop", {"x": 10, "y": 5, "width": 600, "height": 400})


def test_a_crop_larger_than_the_image_keeps_what_lies_inside(files):
    result = render_recipe((CROP,), load_image(files / "a.png").pixels)  # a.png is 30 x 20
    np.testing.assert_array_equal(result, load_image(files / "a.png").pixels[5:, 10:])


def test_a_crop_outside_a_smaller_image_fails_that_file_naming_the_step(files):
    steps = (STEPS[0], Step("geometry.crop", {"x": 25, "y": 0, "width": 100, "height": 100}))
    results = apply_recipe(steps, [files / "a.png", files / "b.png"])  # 30 wide, then 18 wide
    assert results[0].ok and results[0].size == (30, 20)
    assert not results[1].ok and results[1].size == (18, 25)
    assert results[1].error == (
        "step 2 (Crop) cannot be applied to this image: "
        "the crop rectangle x=25, y=0, 100 x 100 lies outside the 18 x 25 image"
    )
    assert not (files / "b-edited.png").exists()


# -- several processes ----------------------------------------------------------------------
def test_worker_processes_share_the_cores_instead_of_multiplying_threads():
    from processing._parallel import workers

    from editor.executors import run_in_processes, worker_environment
    from editor.threads import threads_per_process

    env = worker_environment(3, environ={"MKL_NUM_THREADS": "2", "MALLOC_ARENA_MAX": "4"})
    assert env == {"IMAGE_EDITOR_THREADS": "3", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    calls = [(workers, ()), (os.getenv, ("IMAGE_EDITOR_THREADS",)), (os.getenv, ("OPENBLAS_NUM_THREADS",)),
             (os.getenv, ("MALLOC_MMAP_THRESHOLD_",))]
    before = dict(os.environ)
    seen = dict(run_in_processes(2, calls))
    expected = threads_per_process(2, cores=workers())
    assert seen[0] == expected and seen[1] == str(expected)
    assert seen[2] == os.environ.get("OPENBLAS_NUM_THREADS", "1")
    mine = any(name.startswith("MALLOC_") for name in os.environ)
    assert seen[3] == (os.environ.get("MALLOC_MMAP_THRESHOLD_") if mine else str(1 << 30))
    assert dict(os.environ) == before  # the parent's environment is left as it was


def test_jobs_is_the_number_of_cores_a_run_uses():
    from processing._parallel import using_workers, workers

    from editor.executors import InProcess, Processes, local_executor

    with using_workers(4):
        one = local_executor(1, items=10)
        assert isinstance(one, InProcess) and one.threads == 1  # one core, the rest left free
        two = local_executor(2, items=10)
        assert isinstance(two, Processes) and (two.jobs, two.cores) == (2, 2)
        assert (local_executor(3, items=2).jobs, local_executor(3, items=2).cores) == (2, 3)
        assert local_executor(4, items=1).threads == 4  # a single file gets all it was given
        assert local_executor(16, items=1).threads == 4  # never more threads than the pool has
        # Each worker's pool gets its share of the cores it was given, not of the machine.
        assert [result for _, result in Processes(2, cores=4).map(_call_workers, [0, 1])] == [2, 2]
        seen = [result for _, result in one.map(lambda _: workers(), [0, 1])]
        assert seen == [1, 1] and workers() == 4  # the pool's size comes back after the run


def test_apply_with_jobs_1_computes_on_one_thread(files, capsys, monkeypatch):
    from processing._parallel import workers

    import editor.batch

    seen = []
    original = editor.batch.apply_step

    def recording(*args, **kwargs):
        seen.append(workers())
        return original(*args, **kwargs)

    monkeypatch.setattr(editor.batch, "apply_step", recording)
    inputs = [str(files / n) for n in ("a.png", "b.png")]
    assert main(["apply", str(files / "r.json"), *inputs, "-o", str(files / "out"), "-j", "1"]) == 0
    assert seen and set(seen) == {1}


def test_apply_with_several_processes_writes_the_same_files(files, capsys):
    out1, out2 = files / "one", files / "two"
    out1.mkdir()
    out2.mkdir()
    inputs = [str(files / n) for n in ("a.png", "b.png", "c.jpg")]
    assert main(["apply", str(files / "r.json"), *inputs, "-o", str(out1)]) == 0
    assert main(["apply", str(files / "r.json"), *inputs, str(files / "missing.png"), "-o", str(out2), "-j", "2"]) == 1
    captured = capsys.readouterr()
    assert "3 written, 0 skipped, 1 failed" in captured.out and "missing.png: the file does not exist" in captured.err
    for name in ("a-edited.png", "b-edited.png", "c-edited.jpg"):
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name
    results = apply_recipe(STEPS, inputs, outdir=out2, overwrite=True, jobs=2)
    assert [r.input for r in results] == inputs and all(r.ok for r in results)
    assert main(["apply", str(files / "r.json"), inputs[0], "-j", "-1"]) == 2


def test_a_stop_signal_dropped_inside_a_finaliser_still_stops_the_run(capsys):
    # Python drops an exception raised in a finaliser (Dask's weakref callbacks
    # are where Ctrl+C once vanished): the run must stop at the next file anyway.
    from editor.cli import _StopSignals

    class Finalised:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)

    stop = _StopSignals()
    with stop:
        stop.check()  # no signal yet: the run goes on
        Finalised()  # collected at once; the KeyboardInterrupt raised in __del__ is dropped
        with pytest.raises(KeyboardInterrupt):
            stop.check()
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            stop.check()  # the stop is being handled: the clean-up carries on
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert "KeyboardInterrupt" not in capsys.readouterr().err


def _call_workers(_item):
    from processing._parallel import workers

    return workers()
