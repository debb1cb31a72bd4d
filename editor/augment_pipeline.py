"""Augmentation pipelines as JSON files: saved by the Augment panel, read by
the panel, the Export Dataset dialog and ``image-editor augment``.

A pipeline file is a JSON object::

    {"format": "image-editor-augment-pipeline", "version": 1,
     "steps": [{"transform": "hflip", "p": 0.5},
               {"transform": "rotate", "p": 1.0, "angle_deg": [-15, 15]}]}

A bare list of steps is accepted too (the form :mod:`processing.augment`
works with). The file is untrusted input: its size and nesting are bounded
before parsing, and every step is checked by
:func:`processing.augment.check_pipeline`; any failure is one
:class:`PipelineError` naming the file and the field.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from processing import augment

from .atomic import atomic_write_bytes
from .errors import EditorError, read_error_reason
from .recipe import parse_json
from .untrusted import UntrustedInputError, read_regular_bytes

__all__ = ["PIPELINE_FORMAT", "PIPELINE_FORMAT_VERSION", "PipelineError", "pipeline_from_data",
           "dumps_pipeline", "loads_pipeline", "save_pipeline", "load_pipeline"]

PIPELINE_FORMAT = "image-editor-augment-pipeline"
PIPELINE_FORMAT_VERSION = 1
_MAX_BYTES = 1 << 20  # a pipeline is a few hundred bytes; a megabyte is no pipeline


class PipelineError(EditorError):
    """A pipeline cannot be read, or is not valid; the message says where."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def pipeline_from_data(data: Any) -> list[dict]:
    """Checked, complete pipeline steps from parsed JSON (object or list).

    Examples
    --------
    >>> pipeline_from_data([{"transform": "vflip"}])
    [{'transform': 'vflip', 'p': 0.5}]
    >>> pipeline_from_data({"format": "image-editor-augment-pipeline", "version": 1, "steps": 3})
    Traceback (most recent call last):
    ...
    editor.augment_pipeline.PipelineError: steps: a pipeline must be a list of steps, got int
    """
    if isinstance(data, dict):
        if data.get("format") != PIPELINE_FORMAT:
            raise PipelineError(
                f"this is not an augmentation pipeline (format is {str(data.get('format'))[:40]!r}, "
                f"expected {PIPELINE_FORMAT!r})", field="format")
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise PipelineError(f"the format version must be a whole number >= 1, got {str(version)[:20]!r}",
                                field="version")
        if version > PIPELINE_FORMAT_VERSION:
            raise PipelineError(f"it was written by a newer version of the editor (format version {version}; "
                                f"this editor reads version {PIPELINE_FORMAT_VERSION} and older)", field="version")
        extra = sorted(set(data) - {"format", "version", "steps"})
        if extra:
            raise PipelineError(f"unknown key {extra[0][:40]!r} (a pipeline has format, version, steps)",
                                field=extra[0])
        if "steps" not in data:
            raise PipelineError("the pipeline has no 'steps' list", field="steps")
        data = data["steps"]
        where = "steps: "
    else:
        where = ""
    try:
        return augment.check_pipeline(data)
    except ValueError as exc:
        raise PipelineError(f"{where}{exc}", field="steps") from None


def dumps_pipeline(pipeline) -> str:
    """The pipeline as JSON text (checked first).

    Examples
    --------
    >>> loads_pipeline(dumps_pipeline([{"transform": "gamma"}]))
    [{'transform': 'gamma', 'p': 0.5, 'gamma': [0.8, 1.25]}]
    """
    try:
        steps = augment.check_pipeline(pipeline)
    except ValueError as exc:
        raise PipelineError(str(exc), field="steps") from None
    document = {"format": PIPELINE_FORMAT, "version": PIPELINE_FORMAT_VERSION, "steps": steps}
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def loads_pipeline(text: str | bytes) -> list[dict]:
    """Checked pipeline steps from JSON text; raises :class:`PipelineError`."""
    return pipeline_from_data(parse_json(text, "pipeline", error=PipelineError))


def save_pipeline(path: str | os.PathLike, pipeline) -> Path:
    """Write ``pipeline`` to ``path`` atomically; returns the path."""
    atomic_write_bytes(path, dumps_pipeline(pipeline).encode("utf-8"))
    return Path(path)


def load_pipeline(path: str | os.PathLike) -> list[dict]:
    """Checked pipeline steps from the file at ``path``.

    Raises
    ------
    PipelineError
        "Cannot read pipeline PATH: ..." or "Cannot use pipeline PATH: ..."
        with the reason, naming the step and field.
    """
    path = Path(path)
    try:
        raw = read_regular_bytes(path, _MAX_BYTES)
    except UntrustedInputError as exc:
        raise PipelineError(f"Cannot read pipeline {path}: {exc.reason}") from None
    except OSError as exc:
        raise PipelineError(f"Cannot read pipeline {path}: {read_error_reason(exc)}") from None
    try:
        return loads_pipeline(raw)
    except PipelineError as exc:
        raise PipelineError(f"Cannot use pipeline {path}: {exc}", field=exc.field) from None
