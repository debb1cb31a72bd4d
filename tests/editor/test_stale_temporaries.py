"""Temporary files of killed atomic writes are removed by the next write into the folder."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from editor.atomic import STALE_AFTER_SECONDS, atomic_write_bytes, remove_stale_temporaries

ROOT = Path(__file__).resolve().parents[2]
OLD = time.time() - STALE_AFTER_SECONDS - 60


def aged(path: Path, when: float = OLD) -> Path:
    os.utime(path, (when, when))
    return path


def test_only_the_writers_stale_files_are_removed(tmp_path):
    stale = tmp_path / ".photo.png.0123abcd.tmp"
    stale.write_bytes(b"half")
    aged(stale)
    fresh = tmp_path / ".photo.png.89abcdef.tmp"
    fresh.write_bytes(b"being written")
    others = {
        "photo.png": b"x", ".photo.png.tmp": b"x", ".photo.png.0123ABCD.tmp": b"x",
        "photo.png.0123abcd.tmp": b"x", ".photo.png.0123abc.tmp": b"x", ".bashrc": b"x",
    }
    for name, data in others.items():
        (tmp_path / name).write_bytes(data)
        aged(tmp_path / name)
    folder_named_alike = tmp_path / ".dir.0123abcd.tmp"
    folder_named_alike.mkdir()
    aged(folder_named_alike)
    target = tmp_path / "elsewhere.txt"
    target.write_bytes(b"x")
    link = tmp_path / ".link.0123abcd.tmp"
    link.symlink_to(target)

    removed = remove_stale_temporaries(tmp_path)

    assert removed == [stale]
    assert not stale.exists() and fresh.exists()
    assert all((tmp_path / name).exists() for name in others)
    assert folder_named_alike.is_dir() and link.is_symlink() and target.exists()


def test_a_missing_folder_is_no_error(tmp_path):
    assert remove_stale_temporaries(tmp_path / "gone") == []


def test_a_write_killed_with_sigkill_leaves_a_file_the_next_write_removes(tmp_path):
    target = tmp_path / "export.png"
    ready = tmp_path / "ready"
    code = f"""
import pathlib, time
from editor.atomic import atomic_write
with atomic_write({str(target)!r}) as handle:
    handle.write(b"half an image")
    handle.flush()
    pathlib.Path({str(ready)!r}).write_text("writing")
    time.sleep(600)
"""
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():  # wait for a condition, not a fixed time
            assert process.poll() is None, "the writer ended before it was killed"
            assert time.monotonic() < deadline, "the writer never started writing"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(left) == 1 and not target.exists()
    atomic_write_bytes(tmp_path / "other.txt", b"new")
    assert left[0].exists()  # too fresh to be known dead: another process might still be writing
    aged(left[0])
    atomic_write_bytes(tmp_path / "other.txt", b"newer")
    assert not left[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "ready"]
