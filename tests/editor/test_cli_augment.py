"""``image-editor augment``: the same files whatever --jobs, clear errors,
Ctrl+C leaving complete files only."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from editor.augment_pipeline import save_pipeline
from editor.cli import SUBCOMMANDS, main
from processing import augment

PIPELINE = [
    {"transform": "hflip", "p": 0.5},
    {"transform": "rotate", "p": 0.8, "angle_deg": [-20, 20]},
    {"transform": "brightness", "p": 0.5, "delta": [-0.1, 0.1]},
    {"transform": "cutout", "p": 0.5},
]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(11)
    (tmp_path / "in").mkdir()
    (tmp_path / "masks").mkdir()
    (tmp_path / "labels").mkdir()
    for n in range(3):
        Image.fromarray((rng.random((24, 32, 3)) * 255).astype(np.uint8)).save(tmp_path / "in" / f"p{n}.png")
        mask = np.zeros((24, 32), np.uint8)
        mask[5:15, 8:20] = n + 1
        Image.fromarray(mask).save(tmp_path / "masks" / f"p{n}.png")
        (tmp_path / "labels" / f"p{n}.txt").write_text("2 0.4375 0.41666 0.375 0.41666\n")
    save_pipeline(tmp_path / "aug.json", PIPELINE)
    return tmp_path


def _tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_augment_is_registered():
    assert "augment" in SUBCOMMANDS


def test_same_files_for_one_and_two_jobs(data, capsys):
    common = [str(data / "in"), "--per-image", "3", "--seed", "5", "--pipeline", str(data / "aug.json"),
              "--masks", str(data / "masks"), "--labels", str(data / "labels"), "--label-format", "yolo"]
    assert main(["augment", *common, "-o", str(data / "one"), "--jobs", "1"]) == 0
    assert main(["augment", *common, "-o", str(data / "two"), "--jobs", "2"]) == 0
    assert "9 written, 0 failed" in capsys.readouterr().out
    one, two = _tree(data / "one"), _tree(data / "two")
    assert one == two
    assert len([k for k in one if k.startswith("images/")]) == 9
    assert len([k for k in one if k.startswith("masks/")]) == 9
    assert len([k for k in one if k.startswith("labels/")]) == 9
    manifest = json.loads(one["manifest.json"])
    assert [r["output"] for r in manifest["outputs"]][:3] == ["images/p0_000.png", "images/p0_001.png",
                                                               "images/p0_002.png"]


def test_one_job_computes_on_one_thread_and_reports_every_variant(data, capsys, monkeypatch):
    from processing._parallel import workers

    import editor.dataset_export

    seen = []
    original = editor.dataset_export._export_source

    def recording(task, after_variant, records):
        def counted():
            seen.append(workers())
            after_variant()

        return original(task, counted, records)

    monkeypatch.setattr(editor.dataset_export, "_export_source", recording)
    before = workers()
    assert main(["augment", str(data / "in"), "--per-image", "2", "--pipeline", str(data / "aug.json"),
                 "-o", str(data / "one"), "--jobs", "1"]) == 0
    assert seen == [1] * 6  # three inputs, two variants each, on one core
    assert workers() == before  # the pool's size comes back afterwards


def test_a_different_seed_gives_different_files(data):
    base = [str(data / "in"), "--per-image", "2", "--pipeline", str(data / "aug.json"), "--jobs", "1"]
    assert main(["augment", *base, "--seed", "1", "-o", str(data / "a")]) == 0
    assert main(["augment", *base, "--seed", "2", "-o", str(data / "b")]) == 0
    a, b = _tree(data / "a" / "images"), _tree(data / "b" / "images")
    assert a.keys() == b.keys() and a != b


@pytest.mark.parametrize("extra, message", [
    (["--pipeline", "nope.json"], "Cannot read pipeline nope.json: the file does not exist"),
    (["--pipeline", "{bad}", "--labels", "x"], "--labels and --label-format go together"),
    (["--pipeline", "{bad}", "--per-image", "0"], "--per-image must be 1 or more"),
    (["--pipeline", "{bad}", "--seed", "-3"], "--seed must be 0 or more"),
    (["--pipeline", "{bad}", "--min-visibility", "1.5"], "--min-visibility must be between 0 and 1"),
    (["--pipeline", "{bad}"], "Cannot use pipeline"),
    (["--pipeline", "{good}", "--masks", "nowhere"], "the masks folder nowhere does not exist"),
])
def test_errors_are_clear_and_without_traceback(data, capsys, monkeypatch, extra, message):
    monkeypatch.chdir(data)
    (data / "bad.json").write_text('{"format": "image-editor-augment-pipeline", "version": 1, '
                                   '"steps": [{"transform": "rotate", "angle_deg": [0, 999]}]}')
    extra = [e.replace("{bad}", "bad.json").replace("{good}", "aug.json") for e in extra]
    assert main(["augment", "in", "-o", "out", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    if "Cannot use pipeline" in message:
        assert "step 1 (rotate): angle_deg must lie within -180 .. 180" in err


def test_an_input_without_its_mask_fails_alone(data, capsys):
    (data / "masks" / "p1.png").unlink()
    code = main(["augment", str(data / "in"), "-o", str(data / "out"), "--pipeline", str(data / "aug.json"),
                 "--masks", str(data / "masks"), "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 1
    assert "p1.png: no mask named p1.* in" in captured.err
    assert "2 written, 1 failed" in captured.out


def test_interrupted_run_leaves_complete_files_and_a_manifest_of_them(data, capsys, monkeypatch):
    calls = {"n": 0}
    real_apply = augment.apply

    def interrupted_apply(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(augment, "apply", interrupted_apply)
    code = main(["augment", str(data / "in"), "-o", str(data / "out"), "--per-image", "2",
                 "--pipeline", str(data / "aug.json"), "--jobs", "1"])
    assert code == 130
    assert "interrupted: 3 written" in capsys.readouterr().out
    images = sorted(p.name for p in (data / "out" / "images").iterdir())
    assert images == ["p0_000.png", "p0_001.png", "p1_000.png"]  # each complete
    manifest = json.loads((data / "out" / "manifest.json").read_text())
    assert [r["output"] for r in manifest["outputs"]] == [f"images/{name}" for name in images]
    for name in images:
        Image.open(data / "out" / "images" / name).load()


def test_ctrl_c_in_a_real_run_exits_130_with_no_partial_files(tmp_path):
    rng = np.random.default_rng(12)
    (tmp_path / "in").mkdir()
    for n in range(40):
        Image.fromarray((rng.random((160, 160, 3)) * 255).astype(np.uint8)).save(tmp_path / "in" / f"i{n:02d}.png")
    save_pipeline(tmp_path / "aug.json", [{"transform": "rotate", "p": 1.0}, {"transform": "blur", "p": 1.0}])
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen(
        [sys.executable, "-m", "editor", "augment", str(tmp_path / "in"), "-o", str(out), "--per-image", "20",
         "--pipeline", str(tmp_path / "aug.json"), "--jobs", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "images").is_dir() and any((out / "images").iterdir()):
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    for p in (out / "images").iterdir():
        Image.open(p).load()  # every file there is complete
    manifest = json.loads((out / "manifest.json").read_text())
    for record in manifest["outputs"]:
        assert (out / record["output"]).is_file()


def test_the_command_and_the_dialogs_export_write_the_same_files(data):
    from editor.augment_pipeline import load_pipeline
    from editor.dataset_export import export_dataset, find_sources

    assert main(["augment", str(data / "in"), "-o", str(data / "cli"), "--per-image", "2", "--seed", "3",
                 "--pipeline", str(data / "aug.json"), "--masks", str(data / "masks"),
                 "--labels", str(data / "labels"), "--label-format", "yolo"]) == 0
    # what the Export Dataset dialog calls, in this process
    sources, categories, _ = find_sources([data / "in"], masks=data / "masks", labels=data / "labels",
                                          label_format="yolo")
    export_dataset(sources, data / "dialog", load_pipeline(data / "aug.json"), per_image=2, seed=3,
                   label_format="yolo", categories=categories)
    assert _tree(data / "cli") == _tree(data / "dialog")
