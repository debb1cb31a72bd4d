"""The targets of one image for the Augment panel: its mask, boxes and keypoints.

The panel draws them over every variant and checks what the variants do to
them. Masks and labels come in the formats the dataset export reads
(:mod:`editor.dataset_export`): a mask or label image, YOLO ``.txt``, COCO
``.json``; boxes and keypoints may also be plain CSV, one box
(``x_min, y_min, x_max, y_max``) or one point (``x, y``) a line, in pixels,
with an optional header line. Every file is untrusted input: any problem is
one :class:`TargetsError` naming the file (and the line).
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path

import numpy as np

from .dataset_export import read_coco, read_mask, read_yolo
from .errors import EditorError, read_error_reason
from .untrusted import UntrustedInputError, read_regular_bytes

__all__ = ["TargetsError", "load_mask", "load_boxes", "load_keypoints", "parse_points"]

MAX_TEXT_BYTES = 16 * 1024 * 1024
MAX_POINTS = 100_000


class TargetsError(EditorError):
    """A mask, boxes or keypoints file that cannot be used; the message says why."""


def load_mask(path: str | os.PathLike, shape: tuple[int, int] | None = None) -> np.ndarray:
    """The values of a mask or label image (as stored: indices, integers);
    ``shape`` (height, width), when given, must match."""
    values = read_mask(path).values
    if shape is not None and values.shape[:2] != tuple(shape):
        raise TargetsError(f"Cannot use mask {path}: it is {values.shape[1]} \u00d7 {values.shape[0]} pixels, "
                           f"the image {shape[1]} \u00d7 {shape[0]}")
    return values


def _text(path: Path, what: str) -> str:
    try:
        return read_regular_bytes(path, MAX_TEXT_BYTES).decode("utf-8-sig")
    except UntrustedInputError as exc:
        raise TargetsError(f"Cannot read {what} {path}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise TargetsError(f"Cannot read {what} {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise TargetsError(f"Cannot read {what} {path}: {read_error_reason(exc)}") from None


def parse_points(text: str, columns: int, where: str = "the text") -> np.ndarray:
    """Rows of ``columns`` numbers, one a line, separated by commas, semicolons
    or spaces; blank lines and lines starting with ``#`` are skipped, and a
    first line that is not numbers is a header.

    Examples
    --------
    >>> parse_points("x,y\\n10, 20\\n# a comment\\n30.5 40\\n", 2).tolist()
    [[10.0, 20.0], [30.5, 40.0]]
    >>> parse_points("1,2,3\\n", 2)
    Traceback (most recent call last):
    ...
    editor.augment_targets.TargetsError: Cannot use the text, line 1: expected 2 numbers, got 3
    """
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f for f in re.split(r"[,;\s]+", line) if f]
        try:
            values = [float(f) for f in fields]
        except ValueError:
            if not rows and number == 1:
                continue  # a header
            raise TargetsError(f"Cannot use {where}, line {number}: not numbers: {line[:60]!r}") from None
        if len(values) != columns:
            raise TargetsError(f"Cannot use {where}, line {number}: expected {columns} numbers, got {len(values)}")
        if not all(math.isfinite(v) for v in values):
            raise TargetsError(f"Cannot use {where}, line {number}: the numbers must be finite")
        rows.append(values)
        if len(rows) > MAX_POINTS:
            raise TargetsError(f"Cannot use {where}: more than {MAX_POINTS} rows")
    return np.array(rows, np.float64).reshape(-1, columns)


def _coco_entry(path: Path, image_name: str | None) -> list[dict]:
    coco = read_coco(path)
    images = coco["images"]
    if image_name is not None and image_name in images:
        entry = images[image_name]
    elif len(images) == 1:
        entry = next(iter(images.values()))
    else:
        raise TargetsError(f"Cannot use labels {path}: no image named {image_name or '(untitled)'} in it")
    return list(coco["annotations"].get(entry["id"], ()))


def load_boxes(path: str | os.PathLike, shape: tuple[int, int], image_name: str | None = None
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Boxes ``(N, 4)`` in pixels ``x_min, y_min, x_max, y_max`` of the image
    of ``shape`` (height, width), and its keypoints ``(K, 2)`` when a COCO
    file gives some (else None).

    ``.txt`` is YOLO (normalised centre and size), ``.json`` COCO (the image
    named ``image_name``, or the file's only image), anything else CSV.
    """
    path = Path(path)
    h, w = shape
    suffix = path.suffix.lower()
    if suffix == ".txt" and not _looks_like_csv(path):
        _, boxes = read_yolo(path)
        cx, cy, bw, bh = boxes.T
        return np.stack([(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h], axis=1), None
    if suffix == ".json":
        annotations = _coco_entry(path, image_name)
        boxes = np.array([[x, y, x + bw, y + bh] for x, y, bw, bh in (a["bbox"] for a in annotations)],
                         np.float64).reshape(-1, 4)
        points = [(kp[i], kp[i + 1]) for a in annotations for kp in [a.get("keypoints", [])]
                  for i in range(0, len(kp), 3) if kp[i + 2] > 0]
        return boxes, (np.array(points, np.float64).reshape(-1, 2) if points else None)
    boxes = parse_points(_text(path, "boxes"), 4, str(path))
    if ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any():
        raise TargetsError(f"Cannot use boxes {path}: each box is x_min, y_min, x_max, y_max with min <= max")
    return boxes, None


def _looks_like_csv(path: Path) -> bool:
    # YOLO lines hold five numbers separated by spaces; a .txt of four
    # comma-separated pixel coordinates is CSV.
    try:
        head = read_regular_bytes(path, MAX_TEXT_BYTES)[:4096].decode("utf-8", "replace")
    except (UntrustedInputError, OSError):
        return False
    return "," in head


def load_keypoints(path: str | os.PathLike, image_name: str | None = None) -> np.ndarray:
    """Keypoints ``(K, 2)`` in pixels: CSV ``x, y`` a line, or the visible
    keypoints of a COCO file's image."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        annotations = _coco_entry(path, image_name)
        points = [(kp[i], kp[i + 1]) for a in annotations for kp in [a.get("keypoints", [])]
                  for i in range(0, len(kp), 3) if kp[i + 2] > 0]
        if not points:
            raise TargetsError(f"Cannot use keypoints {path}: the image has no visible keypoints")
        return np.array(points, np.float64).reshape(-1, 2)
    return parse_points(_text(path, "keypoints"), 2, str(path))
