"""Export of an augmented dataset: N variants of every input, with its mask and
labels, and a manifest that says how each output was made.

Shared by the Export Dataset dialog and ``image-editor augment``, so both
write the same files for the same seed.

Layout of the output folder::

    images/<name>_<k>.<ext>      the input's format (PNG for formats the editor does not write)
    masks/<name>_<k>.png         when masks are given (TIFF for 32-bit and float masks)
    labels/<name>_<k>.txt        YOLO labels, when given in YOLO format
    annotations.json             COCO labels, when given in COCO format
    manifest.csv, manifest.json  one row per output

``<name>`` is the input's file name without its suffix (made unique with
``-2``, ``-3`` ... when two inputs share one) and ``<k>`` the variant's
number from 000. Variant ``k`` of input ``i`` is drawn with the seed
``(seed, i, k)`` (:func:`processing.augment.variant_seed`), so what a file
holds depends on the seed, the pipeline and the order of the inputs only,
never on how many processes did the work.

Masks and labels are found by file name: the mask of ``photo.jpg`` is the
file named ``photo.<any image suffix>`` in the masks folder (PNG first), its
YOLO labels ``photo.txt`` in the labels folder (none: the image has no
objects), its COCO annotations those of the image whose ``file_name`` is
``photo.jpg`` in the folder's one JSON file. Every one of these files is
untrusted input, checked before use; a problem with one input's files fails
that input and the others go on.

Each file is written atomically and the manifest last (also when the export
is stopped, listing what was finished), so a stopped export leaves complete
files only.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from processing import augment
from processing._progress import Progress, report

from .atomic import atomic_write_bytes
from .batch import IMAGE_SUFFIXES, expand_inputs, remove_leftovers
from .errors import EditorError, read_error_reason
from .executors import InProcess, Processes
from .image_file import EXPORT_FORMATS, FORMATS_BY_SUFFIX, ExportOptions, encode_image, load_image
from .recipe import parse_json
from .untrusted import UntrustedInputError, check_regular_file, read_regular_bytes

__all__ = [
    "LABEL_FORMATS",
    "MANIFEST_FORMAT",
    "DatasetError",
    "Source",
    "Failure",
    "Targets",
    "load_targets",
    "ExportResult",
    "find_sources",
    "export_dataset",
    "read_mask",
    "read_yolo",
    "read_coco",
]

LABEL_FORMATS = ("yolo", "coco")
MANIFEST_FORMAT = "image-editor-augment-manifest"
MANIFEST_VERSION = 1
_MAX_LABEL_BYTES = 16 * 1024 * 1024
_MAX_PER_IMAGE = 100_000
_CSV_FIELDS = ("output", "sha256", "source", "input_index", "variant_index", "seed", "mask", "mask_sha256",
               "labels", "labels_sha256", "check", "parameters")


class DatasetError(EditorError):
    """An export cannot start, or one input's files cannot be used; the message says why."""


@dataclass(frozen=True)
class Source:
    """One input and the files matched to it.

    ``annotations`` holds its COCO annotations (already checked) and
    ``coco_image`` its COCO image record, when labels are COCO.
    """

    index: int
    image: Path
    name: str
    mask: Path | None = None
    yolo: Path | None = None
    coco_image: dict | None = None
    annotations: tuple = ()


@dataclass(frozen=True)
class Failure:
    """An input that could not be exported, and why."""

    source: str
    error: str


@dataclass
class ExportResult:
    """What an export wrote: the manifest's records in order, and the failures."""

    outdir: Path
    records: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    manifest_json: Path | None = None
    manifest_csv: Path | None = None


# -- finding the inputs' masks and labels ------------------------------------------
def _mask_for(image: Path, folder: Path) -> Path | None:
    candidates = sorted(p for p in folder.glob(_glob_escape(image.stem) + ".*")
                        if p.suffix.lower() in IMAGE_SUFFIXES and p.stem == image.stem)
    if not candidates:
        return None
    exact = [p for p in candidates if p.name == image.name and p.resolve() != image.resolve()]
    pngs = [p for p in candidates if p.suffix.lower() == ".png"]
    return (pngs or exact or candidates)[0]


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


def find_sources(
    inputs: Sequence[str | os.PathLike],
    *,
    masks: str | os.PathLike | None = None,
    labels: str | os.PathLike | None = None,
    label_format: str | None = None,
    recursive: bool = False,
    exclude: str | os.PathLike | None = None,
) -> tuple[list[Source], list[dict] | None, list[Failure]]:
    """The inputs' image files with their masks and labels matched by name.

    Parameters
    ----------
    inputs : sequence of path
        Image files, folders (their image files) and glob patterns.
    masks : path, optional
        Folder of masks or label images.
    labels : path, optional
        Folder of YOLO ``.txt`` files, or (COCO) a folder holding one JSON
        file, or that JSON file.
    label_format : {"yolo", "coco"}, optional
        Required with ``labels``.
    exclude : path, optional
        The output folder: files inside it are not taken as inputs.

    Returns
    -------
    sources : list of Source
    categories : list of dict or None
        COCO categories, copied to the output's annotations.
    failures : list of Failure
        Folders and patterns that gave no file, and inputs without a mask.

    Raises
    ------
    DatasetError
        A folder that does not exist, a label format missing or unknown,
        a COCO file that cannot be used.
    """
    if labels is not None and label_format not in LABEL_FORMATS:
        raise DatasetError(f"say which format the labels are in: one of {', '.join(LABEL_FORMATS)}"
                           + (f" (got {label_format!r})" if label_format is not None else ""))
    mask_dir = Path(masks) if masks is not None else None
    if mask_dir is not None and not mask_dir.is_dir():
        raise DatasetError(f"the masks folder {mask_dir} does not exist")
    coco = None
    label_path = Path(labels) if labels is not None else None
    if label_path is not None:
        if label_format == "yolo" and not label_path.is_dir():
            raise DatasetError(f"the labels folder {label_path} does not exist")
        if label_format == "coco":
            coco = read_coco(_coco_file(label_path))
    files, misses = expand_inputs(inputs, recursive=recursive, exclude=exclude)
    failures = [Failure(m.input, m.error) for m in misses]
    sources: list[Source] = []
    used: set[str] = set()
    for path, _ in files:
        name = path.stem
        n = 2
        while name.lower() in used:
            name = f"{path.stem}-{n}"
            n += 1
        used.add(name.lower())
        mask = None
        if mask_dir is not None:
            mask = _mask_for(path, mask_dir)
            if mask is None:
                failures.append(Failure(str(path), f"no mask named {path.stem}.* in {mask_dir}"))
                continue
        yolo = label_path / f"{path.stem}.txt" if label_format == "yolo" else None
        coco_image, annotations = None, ()
        if coco is not None:
            coco_image = coco["images"].get(path.name)
            annotations = tuple(coco["annotations"].get(coco_image["id"], ())) if coco_image else ()
        sources.append(Source(len(sources), path, name, mask, yolo, coco_image, annotations))
    return sources, (coco["categories"] if coco is not None else None), failures


def _coco_file(path: Path) -> Path:
    if path.is_file():
        return path
    if not path.is_dir():
        raise DatasetError(f"the labels folder {path} does not exist")
    found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
    if len(found) != 1:
        raise DatasetError(f"the labels folder {path} must hold one COCO JSON file, found {len(found)}")
    return found[0]


# -- reading labels and masks (untrusted) ---------------------------------------------
def _finite(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


def read_coco(path: str | os.PathLike) -> dict:
    """A COCO annotation file, checked: ``{"images": {file name: image},
    "annotations": {image id: [annotation, ...]}, "categories": [...]}``.

    Only what the export uses is checked and kept: each image's ``id`` and
    ``file_name``; each annotation's ``image_id``, ``category_id``, ``bbox``
    and optional ``keypoints``, ``iscrowd`` and polygon ``segmentation``
    (run-length encoded segmentations are not carried over).
    """
    path = Path(path)
    try:
        raw = read_regular_bytes(path)
    except UntrustedInputError as exc:
        raise DatasetError(f"Cannot read labels {path}: {exc.reason}") from None
    except OSError as exc:
        raise DatasetError(f"Cannot read labels {path}: {read_error_reason(exc)}") from None

    def fail(message: str):
        raise DatasetError(f"Cannot use labels {path}: {message}")

    data = parse_json(raw, "COCO annotation", error=lambda m, **_: DatasetError(f"Cannot use labels {path}: {m}"))
    if not isinstance(data, dict):
        fail("a COCO file is a JSON object with images, annotations and categories")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key, []), list):
            fail(f"'{key}' must be a list")
    images: dict[str, dict] = {}
    ids = set()
    for n, image in enumerate(data.get("images", [])):
        if (not isinstance(image, dict) or isinstance(image.get("id"), bool) or not isinstance(image.get("id"), int)
                or not isinstance(image.get("file_name"), str)):
            fail(f"images[{n}] needs an integer id and a file_name")
        name = os.path.basename(image["file_name"].replace("\\", "/"))
        images[name] = {"id": image["id"], "file_name": image["file_name"]}
        ids.add(image["id"])
    annotations: dict[int, list] = {}
    for n, ann in enumerate(data.get("annotations", [])):
        where = f"annotations[{n}]"
        if not isinstance(ann, dict):
            fail(f"{where} must be an object")
        if ann.get("image_id") not in ids:
            fail(f"{where}: image_id {str(ann.get('image_id'))[:20]} is not among the images")
        category = ann.get("category_id")
        if isinstance(category, bool) or not isinstance(category, int):
            fail(f"{where}: category_id must be an integer")
        bbox = ann.get("bbox")
        if (not isinstance(bbox, list) or len(bbox) != 4 or not all(_finite(v) for v in bbox)
                or bbox[2] < 0 or bbox[3] < 0):
            fail(f"{where}: bbox must be [x, y, width, height] with a size >= 0")
        kept = {"category_id": category, "bbox": [float(v) for v in bbox]}
        if "iscrowd" in ann:
            if ann["iscrowd"] not in (0, 1) or isinstance(ann["iscrowd"], bool):
                fail(f"{where}: iscrowd must be 0 or 1")
            kept["iscrowd"] = ann["iscrowd"]
        if "keypoints" in ann:
            kp = ann["keypoints"]
            if not isinstance(kp, list) or len(kp) % 3 or not all(_finite(v) for v in kp) or len(kp) > 3000:
                fail(f"{where}: keypoints must be a list of x, y, visibility triples")
            if any(v not in (0, 1, 2) for v in kp[2::3]):
                fail(f"{where}: keypoint visibility must be 0, 1 or 2")
            kept["keypoints"] = [float(v) for v in kp]
        segmentation = ann.get("segmentation")
        if isinstance(segmentation, list):
            if (len(segmentation) > 1000
                    or not all(isinstance(p, list) and len(p) % 2 == 0 and 6 <= len(p) <= 100_000
                               and all(_finite(v) for v in p) for p in segmentation)):
                fail(f"{where}: segmentation must be a list of polygons [x1, y1, x2, y2, ...] of 3 points or more")
            kept["segmentation"] = [[float(v) for v in p] for p in segmentation]
        annotations.setdefault(ann["image_id"], []).append(kept)
    categories = data.get("categories", [])
    for n, cat in enumerate(categories):
        if not isinstance(cat, dict) or isinstance(cat.get("id"), bool) or not isinstance(cat.get("id"), int):
            fail(f"categories[{n}] needs an integer id")
    return {"images": images, "annotations": annotations, "categories": categories}


def read_yolo(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """YOLO box labels: ``(classes (N,) int, boxes (N, 4) normalised cx, cy, w, h)``.

    A missing file means an image without objects (YOLO's convention).
    """
    path = Path(path)
    if not path.exists():
        return np.zeros(0, np.int64), np.zeros((0, 4))
    try:
        text = read_regular_bytes(path, _MAX_LABEL_BYTES).decode("utf-8")
    except UntrustedInputError as exc:
        raise DatasetError(f"Cannot read labels {path}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise DatasetError(f"Cannot read labels {path}: it is not UTF-8 text") from None
    except OSError as exc:
        raise DatasetError(f"Cannot read labels {path}: {read_error_reason(exc)}") from None
    classes, boxes = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 5:
            raise DatasetError(f"Cannot use labels {path}, line {number}: expected 5 values "
                               f"(class x_center y_center width height), got {len(fields)}")
        try:
            cls = int(fields[0])
            values = [float(v) for v in fields[1:]]
        except ValueError:
            raise DatasetError(f"Cannot use labels {path}, line {number}: not numbers: {line[:60]!r}") from None
        if cls < 0 or not all(math.isfinite(v) for v in values) or values[2] < 0 or values[3] < 0:
            raise DatasetError(f"Cannot use labels {path}, line {number}: the class must be >= 0 and the "
                               "box finite with a size >= 0")
        classes.append(cls)
        boxes.append(values)
    return np.array(classes, np.int64), np.array(boxes, np.float64).reshape(-1, 4)


_MASK_MODES = {"1", "L", "P", "I;16", "I;16L", "I;16B", "I;16N", "I", "F", "RGB", "RGBA", "LA"}


@dataclass(frozen=True)
class _Mask:
    values: np.ndarray
    mode: str
    palette: list | None


def read_mask(path: str | os.PathLike, *, max_pixels: int | None = None) -> _Mask:
    """A mask or label image with its values as stored (no conversion to float).

    Palette images keep their indices (and palette), 16-bit and 32-bit
    label images their integers.
    """
    from PIL import Image

    from .image_file import default_max_pixels

    path = Path(path)
    limit = max_pixels or default_max_pixels()
    try:
        check_regular_file(path)
        with Image.open(path) as opened:
            if opened.width * opened.height > limit:
                raise DatasetError(f"Cannot open mask {path}: larger than {limit / 1e6:.0f} megapixels")
            if opened.mode not in _MASK_MODES:
                raise DatasetError(f"Cannot open mask {path}: its mode {opened.mode} is not a mask or label image")
            opened.load()
            palette = opened.getpalette() if opened.mode == "P" else None
            values = np.array(opened)
            mode = opened.mode
    except DatasetError:
        raise
    except UntrustedInputError as exc:
        raise DatasetError(f"Cannot open mask {path}: {exc.reason}") from None
    except OSError as exc:
        raise DatasetError(f"Cannot open mask {path}: {read_error_reason(exc) if exc.errno else exc}") from None
    except Exception as exc:  # noqa: BLE001 - decoders of untrusted bytes raise any kind
        raise DatasetError(f"Cannot open mask {path}: the file is damaged ({exc})") from None
    if mode.startswith("I;16"):
        values = values.astype(np.uint16)
    return _Mask(values, mode, palette)


def _encode_mask(mask: _Mask, values: np.ndarray) -> tuple[bytes, str]:
    from PIL import Image

    buffer = io.BytesIO()
    if mask.mode in ("I", "F"):
        Image.fromarray(np.ascontiguousarray(values)).save(buffer, format="TIFF", compression="tiff_adobe_deflate")
        return buffer.getvalue(), ".tif"
    if mask.mode == "1":
        image = Image.fromarray(np.ascontiguousarray(values, bool))
    elif mask.mode.startswith("I;16"):
        image = Image.fromarray(np.ascontiguousarray(values, np.uint16))
    else:
        image = Image.fromarray(np.ascontiguousarray(values), mode="L" if mask.mode == "P" else mask.mode)
        if mask.mode == "P":
            image.putpalette(mask.palette)
    image.save(buffer, format="PNG")
    return buffer.getvalue(), ".png"


# -- one input's targets -----------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    """An input's mask and labels, in pixels, ready for :func:`processing.augment.apply`.

    ``mask`` is the mask as stored (``mask.values``, ``mask.mode``); ``boxes``
    ``(N, 4)`` pixel ``x_min, y_min, x_max, y_max`` with their ``classes``
    (YOLO class or COCO category), None without labels; ``keypoints``
    ``(K, 2)`` pixel positions (COCO keypoints that are labelled, then the
    vertices of segmentation polygons), None without COCO labels; ``owners``
    says what each keypoint row is: ``("k", annotation, keypoint)`` or
    ``("s", annotation, polygon, vertex)``.
    """

    mask: Any = None
    classes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    boxes: np.ndarray | None = None
    keypoints: np.ndarray | None = None
    owners: tuple = ()


def load_targets(source: Source, height: int, width: int, label_format: str | None) -> Targets:
    """Read ``source``'s mask and labels for an image of ``height x width``
    pixels (the panel shows them over the grid; the export transforms them).

    Raises
    ------
    DatasetError
        A mask of another size, or a label file that cannot be used.
    """
    h, w = int(height), int(width)
    mask = None
    if source.mask is not None:
        mask = read_mask(source.mask)
        if mask.values.shape[:2] != (h, w):
            raise DatasetError(f"the mask {source.mask} is {mask.values.shape[1]} x {mask.values.shape[0]}, "
                               f"the image {w} x {h}")
    if label_format == "yolo":
        classes, normalised = read_yolo(source.yolo)
        boxes = np.stack([(normalised[:, 0] - normalised[:, 2] / 2) * w, (normalised[:, 1] - normalised[:, 3] / 2) * h,
                          (normalised[:, 0] + normalised[:, 2] / 2) * w, (normalised[:, 1] + normalised[:, 3] / 2) * h],
                         axis=1) if len(normalised) else np.zeros((0, 4))
        return Targets(mask, classes, boxes)
    if label_format == "coco":
        anns = source.annotations
        boxes = np.array([[a["bbox"][0], a["bbox"][1], a["bbox"][0] + a["bbox"][2], a["bbox"][1] + a["bbox"][3]]
                          for a in anns], np.float64).reshape(-1, 4)
        classes = np.array([a["category_id"] for a in anns], np.int64)
        points, owners = [], []
        for n, a in enumerate(anns):
            kp = a.get("keypoints", [])
            for k in range(len(kp) // 3):
                if kp[3 * k + 2] > 0:
                    points.append((kp[3 * k], kp[3 * k + 1]))
                    owners.append(("k", n, k))
            for j, polygon in enumerate(a.get("segmentation", ())):
                for k in range(len(polygon) // 2):
                    points.append((polygon[2 * k], polygon[2 * k + 1]))
                    owners.append(("s", n, j, k))
        return Targets(mask, classes, boxes, np.array(points, np.float64).reshape(-1, 2), tuple(owners))
    return Targets(mask)


# -- the work on one input ---------------------------------------------------------
@dataclass(frozen=True)
class _Task:
    source: Source
    outdir: str
    pipeline: list
    per_image: int
    seed: int
    label_format: str | None
    min_visibility: float


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(outdir: Path, relative: str, data: bytes) -> str:
    atomic_write_bytes(outdir / relative, data)
    return _sha256(data)


def _image_format(path: Path) -> tuple[str, str]:
    fmt = FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None or fmt not in EXPORT_FORMATS:
        return "PNG", ".png"
    return fmt, path.suffix.lower()


def _export_source(task: _Task, after_variant: Callable[[], None] | None = None,
                   records: list | None = None) -> list[dict]:
    """Write every variant of one input; returns its manifest records (with
    their COCO annotations under ``"_annotations"``, taken out by the caller),
    appended to ``records`` as each variant is finished."""
    source = task.source
    outdir = Path(task.outdir)
    loaded = load_image(source.image)
    pixels = loaded.pixels
    h, w = pixels.shape[:2]
    targets = load_targets(source, h, w, task.label_format)
    mask, classes, boxes, keypoints, kp_owner = (targets.mask, targets.classes, targets.boxes, targets.keypoints,
                                                 targets.owners)
    fmt, suffix = _image_format(source.image)
    options = ExportOptions(format=fmt, quality=95, metadata="none")
    records = [] if records is None else records
    for k in range(task.per_image):
        seed = augment.variant_seed(task.seed, source.index, k)
        variant = augment.sample(task.pipeline, seed, pixels.shape)
        result = augment.apply(pixels, variant, masks=[mask.values] if mask is not None else [], boxes=boxes,
                               keypoints=keypoints, min_visibility=task.min_visibility)
        stem = f"{source.name}_{k:03d}"
        buffer = io.BytesIO()
        encode_image(buffer, result.image, fmt, options, info=loaded.info)
        image_rel = f"images/{stem}{suffix}"
        record: dict[str, Any] = {
            "output": image_rel, "sha256": _write(outdir, image_rel, buffer.getvalue()),
            "source": os.path.abspath(source.image), "input_index": source.index, "variant_index": k,
            "seed": task.seed, "mask": None, "mask_sha256": None, "labels": None, "labels_sha256": None,
            "check": result.check.summary(), "parameters": variant,
        }
        if mask is not None:
            data, mask_suffix = _encode_mask(mask, result.masks[0])
            record["mask"] = f"masks/{stem}{mask_suffix}"
            record["mask_sha256"] = _write(outdir, record["mask"], data)
        oh, ow = result.image.shape[:2]
        if task.label_format == "yolo":
            lines = []
            for index, (x0, y0, x1, y1) in zip(result.box_indices, result.boxes):
                lines.append(f"{classes[index]} {(x0 + x1) / 2 / ow:.6f} {(y0 + y1) / 2 / oh:.6f} "
                             f"{(x1 - x0) / ow:.6f} {(y1 - y0) / oh:.6f}\n")
            record["labels"] = f"labels/{stem}.txt"
            record["labels_sha256"] = _write(outdir, record["labels"], "".join(lines).encode("ascii"))
        elif task.label_format == "coco":
            record["_annotations"] = _coco_annotations(source, result, kp_owner)
            record["_size"] = (ow, oh)
        records.append(record)
        if after_variant is not None:
            after_variant()
    return records


def _coco_annotations(source: Source, result: augment.Augmented, kp_owner) -> list[dict]:
    oh, ow = result.image.shape[:2]
    moved: dict[tuple, tuple[float, float, bool]] = {}
    for owner, (x, y), inside in zip(kp_owner, result.keypoints, result.keypoints_inside):
        moved[owner] = (float(x), float(y), bool(inside))
    out = []
    for index, (x0, y0, x1, y1) in zip(result.box_indices, result.boxes):
        ann = source.annotations[index]
        new = {"category_id": ann["category_id"],
               "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
               "area": float((x1 - x0) * (y1 - y0)), "iscrowd": ann.get("iscrowd", 0)}
        if "keypoints" in ann:
            kp = list(ann["keypoints"])
            for k in range(len(kp) // 3):
                if ("k", index, k) in moved:
                    x, y, inside = moved[("k", index, k)]
                    kp[3 * k: 3 * k + 3] = [x, y, kp[3 * k + 2]] if inside else [0.0, 0.0, 0]
            new["keypoints"] = kp
            new["num_keypoints"] = sum(1 for v in kp[2::3] if v > 0)
        if "segmentation" in ann:
            polygons = []
            for j, polygon in enumerate(ann["segmentation"]):
                vertices = [moved[("s", index, j, k)][:2] for k in range(len(polygon) // 2)]
                clipped = _clip_polygon(vertices, ow, oh)
                if len(clipped) >= 3:
                    polygons.append([float(v) for xy in clipped for v in xy])
            new["segmentation"] = polygons
            new["area"] = float(sum(_polygon_area(p) for p in polygons))
        out.append(new)
    return out


def _clip_polygon(vertices: list[tuple[float, float]], width: float, height: float) -> list[tuple[float, float]]:
    """The part of a polygon inside the frame ``[0, width] x [0, height]``
    (Sutherland-Hodgman: clipped against each edge of the frame in turn).

    Examples
    --------
    >>> _clip_polygon([(-2, 1), (3, 1), (3, 4), (-2, 4)], 10, 10)
    [(0.0, 1.0), (3, 1), (3, 4), (0.0, 4.0)]
    """
    if any(math.isnan(v) for xy in vertices for v in xy):
        return []  # a vertex behind a perspective's horizon: the shape is lost
    edges = ((0, 0.0, True), (0, float(width), False), (1, 0.0, True), (1, float(height), False))
    for axis, limit, low in edges:
        if not vertices:
            break
        inside = (lambda p: p[axis] >= limit) if low else (lambda p: p[axis] <= limit)
        result = []
        for k, current in enumerate(vertices):
            previous = vertices[k - 1]
            if inside(current) != inside(previous):
                t = (limit - previous[axis]) / (current[axis] - previous[axis])
                crossing = [previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])]
                crossing[axis] = limit
                result.append((float(crossing[0]), float(crossing[1])))
            if inside(current):
                result.append(current)
        vertices = result
    return vertices


def _polygon_area(flat: list[float]) -> float:
    """Area of a polygon given as ``[x1, y1, x2, y2, ...]`` (shoelace formula).

    Examples
    --------
    >>> _polygon_area([0, 0, 4, 0, 4, 3, 0, 3])
    12.0
    """
    xs, ys = flat[0::2], flat[1::2]
    return abs(sum(xs[k - 1] * ys[k] - xs[k] * ys[k - 1] for k in range(len(xs)))) / 2.0


def _outputs(task: _Task) -> list[Path]:
    """Every file the task may write (for removing what a stopped worker left half-written)."""
    outdir = Path(task.outdir)
    _, suffix = _image_format(task.source.image)
    paths = []
    for k in range(task.per_image):
        stem = f"{task.source.name}_{k:03d}"
        paths += [outdir / "images" / f"{stem}{suffix}", outdir / "masks" / f"{stem}.png",
                  outdir / "masks" / f"{stem}.tif", outdir / "labels" / f"{stem}.txt"]
    return paths


def _run_task(task: _Task):
    """For worker processes: records, or the failure as a message."""
    try:
        return _export_source(task)
    except EditorError as exc:
        return Failure(str(task.source.image), str(exc))
    except MemoryError:
        return Failure(str(task.source.image), "there is not enough memory for this image")


# -- the export --------------------------------------------------------------------
def export_dataset(
    sources: Sequence[Source],
    outdir: str | os.PathLike,
    pipeline,
    *,
    per_image: int,
    seed: int,
    label_format: str | None = None,
    categories: list | None = None,
    min_visibility: float = 0.3,
    jobs: int = 1,
    progress: Progress | None = None,
    on_failure: Callable[[Failure], None] | None = None,
    executor=None,
) -> ExportResult:
    """Write ``per_image`` variants of every source, then the manifest.

    Parameters
    ----------
    sources : sequence of Source
        From :func:`find_sources`.
    outdir : path
        Output folder; created if missing (its parent must exist).
    pipeline : list of dict
        See :func:`processing.augment.check_pipeline`.
    per_image : int
        Variants per input, >= 1.
    seed : int
        The run's seed, >= 0.
    label_format : {"yolo", "coco"}, optional
        How the sources' labels are given, and written.
    categories : list, optional
        COCO categories (from :func:`find_sources`).
    min_visibility : float
        A box keeping less than this fraction of its area in the frame is dropped.
    jobs : int
        Worker processes; 1 works in this process (and reports progress
        after every variant). The files are the same whatever the number.
    progress : callable, optional
        Called with the fraction done; it may raise to stop the export,
        which then writes the manifest of what was finished and lets the
        exception through. A KeyboardInterrupt does the same.
    on_failure : callable, optional
        Told of each input that fails (the others go on).
    executor : editor.executors.Executor, optional
        Where to run the inputs instead (a Dask cluster: the workers must
        see the same paths; worker processes given a number of cores); ``jobs``
        is then ignored. An ``InProcess`` one still reports progress after
        every variant.

    Returns
    -------
    ExportResult
    """
    steps = augment.check_pipeline(pipeline)
    if isinstance(per_image, bool) or not isinstance(per_image, int) or not 1 <= per_image <= _MAX_PER_IMAGE:
        raise DatasetError(f"the number of variants per image must be between 1 and {_MAX_PER_IMAGE}, got {per_image!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise DatasetError(f"the seed must be a whole number >= 0, got {seed!r}")
    if label_format is not None and label_format not in LABEL_FORMATS:
        raise DatasetError(f"the label format must be one of {', '.join(LABEL_FORMATS)}, got {label_format!r}")
    outdir = Path(outdir)
    if not outdir.parent.is_dir():
        raise DatasetError(f"the folder {outdir.parent} does not exist")
    folders = ["images"] + (["masks"] if any(s.mask for s in sources) else []) + (["labels"] if label_format == "yolo" else [])
    try:
        for name in folders:
            (outdir / name).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"Cannot create the output folder {outdir}: {read_error_reason(exc)}") from None

    result = ExportResult(outdir)
    by_source: dict[int, list[dict]] = {}
    tasks = [_Task(s, str(outdir), steps, per_image, seed, label_format, min_visibility) for s in sources]
    total = max(1, len(tasks) * per_image)

    def failed(task: _Task, message: str) -> None:
        failure = Failure(str(task.source.image), message)
        result.failures.append(failure)
        if on_failure is not None:
            on_failure(failure)

    try:
        report(progress, 0.0)
        if isinstance(executor, InProcess) or (executor is None and (jobs <= 1 or len(tasks) < 2)):
            done = 0
            # Its own loop rather than the executor's map: progress after every variant.
            with executor.session() if executor is not None else contextlib.nullcontext():
                for task in tasks:
                    def after_variant() -> None:
                        nonlocal done
                        done += 1
                        report(progress, done / total)

                    try:
                        # Records arrive as variants finish: a stop keeps those finished.
                        _export_source(task, after_variant, by_source.setdefault(task.source.index, []))
                    except EditorError as exc:
                        failed(task, str(exc))
                    except MemoryError:
                        failed(task, "there is not enough memory for this image")
        else:
            finished = 0
            seen: set[int] = set()
            executor = executor or Processes(min(jobs, len(tasks)))
            outcomes = executor.map(_run_task, tasks)
            try:
                for index, outcome in outcomes:
                    seen.add(index)
                    finished += 1
                    if isinstance(outcome, Failure):
                        failed(tasks[index], outcome.error)
                    elif isinstance(outcome, BaseException):
                        failed(tasks[index], str(outcome) or type(outcome).__name__)
                    else:
                        by_source[tasks[index].source.index] = outcome
                    report(progress, finished / len(tasks))
            finally:
                outcomes.close()  # the workers are stopped: what they were writing can go
                if executor.local:  # a cluster's workers may still be renaming theirs into place
                    remove_leftovers(path for index, task in enumerate(tasks) if index not in seen
                                     for path in _outputs(task))
    finally:
        # Also when stopped: the manifest lists what was finished.
        _write_manifests(result, by_source, steps, per_image, seed, label_format, categories)
    return result


def _write_manifests(result: ExportResult, by_source, steps, per_image, seed, label_format, categories) -> None:
    records = [r for index in sorted(by_source) for r in by_source[index]]
    if label_format == "coco":
        images, annotations = [], []
        for number, record in enumerate(records, start=1):
            ow, oh = record.pop("_size")
            images.append({"id": number, "file_name": record["output"], "width": ow, "height": oh})
            for ann in record.pop("_annotations"):
                annotations.append({"id": len(annotations) + 1, "image_id": number, **ann})
        coco = {"images": images, "annotations": annotations, "categories": categories or []}
        data = (json.dumps(coco, indent=1, allow_nan=False) + "\n").encode("utf-8")
        atomic_write_bytes(result.outdir / "annotations.json", data)
        for record in records:
            record["labels"] = "annotations.json"
            record["labels_sha256"] = _sha256(data)
    result.records = records
    document = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "seed": seed, "per_image": per_image,
                "label_format": label_format, "pipeline": steps, "outputs": records}
    result.manifest_json = result.outdir / "manifest.json"
    atomic_write_bytes(result.manifest_json, (json.dumps(document, indent=1, allow_nan=False) + "\n").encode("utf-8"))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = {k: ("" if record[k] is None else record[k]) for k in _CSV_FIELDS}
        row["parameters"] = json.dumps(record["parameters"], separators=(",", ":"), allow_nan=False)
        writer.writerow(row)
    result.manifest_csv = result.outdir / "manifest.csv"
    atomic_write_bytes(result.manifest_csv, text.getvalue().encode("utf-8"))
