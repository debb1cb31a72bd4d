"""Pipeline files: round trip, and untrusted content refused with the file and field named."""
import json

import pytest

from editor.augment_pipeline import (PipelineError, dumps_pipeline, load_pipeline, loads_pipeline,
                                     pipeline_from_data, save_pipeline)
from processing import augment


def test_round_trip_keeps_every_step(tmp_path):
    steps = [augment.default_step(name) for name in augment.TRANSFORMS]
    steps[1]["p"] = 0.25
    path = save_pipeline(tmp_path / "aug.json", steps)
    assert load_pipeline(path) == augment.check_pipeline(steps)
    data = json.loads(path.read_text())
    assert data["format"] == "image-editor-augment-pipeline" and data["version"] == 1


def test_a_bare_list_is_a_pipeline():
    assert loads_pipeline('[{"transform": "hflip", "p": 1}]') == [{"transform": "hflip", "p": 1.0}]


def test_filled_in_defaults():
    assert pipeline_from_data([{"transform": "rotate"}]) == [augment.default_step("rotate")]


@pytest.mark.parametrize("text, message", [
    ("not json", "invalid JSON at line 1"),
    ('{"format": "image-editor-recipe", "version": 1, "steps": []}', "this is not an augmentation pipeline"),
    ('{"format": "image-editor-augment-pipeline", "version": 9, "steps": []}', "newer version"),
    ('{"format": "image-editor-augment-pipeline", "version": 1}', "no 'steps' list"),
    ('{"format": "image-editor-augment-pipeline", "version": 1, "steps": [], "x": 1}', "unknown key 'x'"),
    ('[{"transform": "rotate", "angle_deg": [-5, NaN]}]', "NaN is not a valid number"),
    ('[{"transform": "rotate", "angle_deg": [-5, "5"]}]', "step 1 (rotate): angle_deg must be a number"),
    ('[{"transform": "hflip"}, {"transform": "warp"}]', "step 2: unknown transform 'warp'"),
    ("[" * 100 + "]" * 100, "levels deep"),
])
def test_bad_content_is_refused_with_the_field(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(PipelineError) as caught:
        load_pipeline(path)
    assert str(caught.value).startswith(f"Cannot use pipeline {path}: ")
    assert message in str(caught.value)


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(PipelineError, match="the file does not exist"):
        load_pipeline(tmp_path / "missing.json")
    with pytest.raises(PipelineError, match="it is a folder"):
        load_pipeline(tmp_path)
    with pytest.raises(PipelineError, match="it is a device"):
        load_pipeline("/dev/zero")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 << 20))
    with pytest.raises(PipelineError, match="more than"):
        load_pipeline(big)


def test_saving_an_invalid_pipeline_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(PipelineError, match="p must be between 0 and 1"):
        save_pipeline(tmp_path / "x.json", [{"transform": "hflip", "p": 3}])
    assert not (tmp_path / "x.json").exists()
    assert json.loads(dumps_pipeline([]))["steps"] == []
