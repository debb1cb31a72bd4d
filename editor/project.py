"""Projects: the source image's location and hash plus the full, editable step list.

A project file is small JSON written beside the image::

    {"format": "image-editor-project", "version": 1,
     "source": {"path": "photo.jpg", "sha256": "9f86d0..."},
     "steps": [ ...the same step data as a recipe (editor.recipe)... ],
     "selection": {"encoding": ..., "shape": [480, 640], "data": "..."}}

The selection (on the edited image) is kept when there is one, encoded as
step masks are.

The source path is stored relative to the project file's folder when it can
be (so a folder moved as a whole still opens), else absolute. The SHA-256 of
the source file's bytes detects an image that was changed or replaced: the
steps would no longer give the render that was saved. Opening a project
validates everything first and builds a new :class:`~editor.document.Document`;
the document that is open meanwhile is never touched.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

from .atomic import atomic_write_bytes
from .catalog import CATALOG, Catalog
from .document import Document
from .errors import EditorError, read_error_reason
from .image_file import load_image
from .recipe import RecipeError, check_format, decode_mask, encode_mask, parse_json, steps_from_data, steps_to_data
from .selection import Selection
from .untrusted import UntrustedInputError, open_regular, read_regular_bytes
from .untrusted import short_repr as _short

__all__ = [
    "PROJECT_FORMAT",
    "PROJECT_FORMAT_VERSION",
    "PROJECT_SUFFIX",
    "ProjectError",
    "SourceMissingError",
    "SourceChangedError",
    "file_sha256",
    "save_project",
    "load_project",
    "read_project",
    "ProjectData",
]

PROJECT_FORMAT = "image-editor-project"
PROJECT_FORMAT_VERSION = 1
PROJECT_SUFFIX = ".iep.json"

# Key under which load_project records the source hash in ImageInfo.extra, so
# that saving again can tell whether the file changed since it was opened.
SOURCE_HASH_KEY = "sha256"


class ProjectError(EditorError):
    """A project file cannot be read, is invalid, or cannot be written.

    Attributes
    ----------
    step, op_id, field
        As in :class:`editor.recipe.RecipeError` when the problem is in a step
        (``step`` is 1-based), else None.
    """

    def __init__(self, message: str, *, step: int | None = None, op_id: str | None = None, field: str | None = None):
        super().__init__(message)
        self.step = step
        self.op_id = op_id
        self.field = field


class SourceMissingError(ProjectError):
    """The project's source image is not where the project says.

    The UI offers to locate it and calls ``load_project(path, source_path=...)``.

    Attributes
    ----------
    expected_path : str
        Absolute path where the image was looked for.
    """

    def __init__(self, message: str, expected_path: str | os.PathLike):
        super().__init__(message, field="source")
        self.expected_path = str(expected_path)


class SourceChangedError(ProjectError):
    """The source image's content differs from when the project was saved.

    Opening anyway (``accept_changed_source=True``) applies the steps to the
    new content, which may not give the saved render.

    Attributes
    ----------
    path : str
        The source file that was read.
    expected_sha256, actual_sha256 : str
        Hash stored in the project and hash of the file now.
    """

    def __init__(self, message: str, path: str | os.PathLike, expected_sha256: str = "", actual_sha256: str = ""):
        super().__init__(message, field="source")
        self.path = str(path)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks.

    Raises
    ------
    editor.untrusted.UntrustedInputError
        ``path`` is a device, pipe or other special file.
    OSError
        It cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "x"
    >>> _ = f.write_bytes(b"abc")
    >>> file_sha256(f)[:16]
    'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with open_regular(path) as handle:  # a device or pipe would never end
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stored_source_path(source: Path, project: Path) -> str:
    """Source path relative to the project's folder where possible, else absolute."""
    source_abs = Path(os.path.abspath(source))
    folder = Path(os.path.abspath(project)).parent
    try:
        return Path(os.path.relpath(source_abs, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return str(source_abs)


def save_project(path: str | os.PathLike, document: Document) -> Path:
    """Write ``document``'s source reference and steps to ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        The project file to write (by convention ``<image>.iep.json``).
    document : Document
        Must have been opened from a file (``document.info.path``).

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ProjectError
        The document has no source file, or the file is gone.
    SourceChangedError
        The source file changed on disk since the document was opened (known
        when the document records the hash it was opened with, see
        :data:`SOURCE_HASH_KEY`); the project would not restore this render.
    editor.atomic.WriteError
        The project file could not be written; any previous one is intact.
    """
    path = Path(path)
    source = document.info.path
    if not source:
        raise ProjectError("Cannot save the project: the image was not opened from a file; export it first")
    try:
        digest = file_sha256(source)
    except UntrustedInputError as exc:
        raise ProjectError(f"Cannot save the project: the source image {source} cannot be read ({exc.reason})") from None
    except OSError as exc:
        raise ProjectError(f"Cannot save the project: the source image {source} cannot be read ({exc.strerror or exc})") from None
    opened_with = document.info.extra.get(SOURCE_HASH_KEY)
    if opened_with and opened_with != digest:
        raise SourceChangedError(
            f"Cannot save the project: the source image {source} was changed on disk after it was opened",
            source, opened_with, digest,
        )
    try:
        steps = steps_to_data(document.steps, document.catalog)
    except RecipeError as exc:
        raise ProjectError(f"Cannot save the project: {exc}", step=exc.step, op_id=exc.op_id, field=exc.field) from None
    data = {
        "format": PROJECT_FORMAT,
        "version": PROJECT_FORMAT_VERSION,
        "source": {"path": _stored_source_path(Path(source), path), "sha256": digest},
        "steps": steps,
    }
    if document.selection is not None:
        data["selection"] = encode_mask(document.selection.mask)
    atomic_write_bytes(path, (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("utf-8"))
    return path


@dataclasses.dataclass(frozen=True)
class ProjectData:
    """A validated project file, before its source image is read.

    Attributes
    ----------
    path : Path
        The project file.
    source_path : Path
        Where the source image should be (absolute).
    source_sha256 : str
        Hash of the source file's bytes when the project was saved.
    steps : tuple of Step
        The validated steps.
    selection : ndarray, optional
        The selection on the result when the project was saved (bool or
        float32 weights, the result's height and width).
    """

    path: Path
    source_path: Path
    source_sha256: str
    steps: tuple
    selection: object = None  # ndarray or None


def read_project(path: str | os.PathLike, *, catalog: Catalog = CATALOG) -> ProjectData:
    """Read and validate a project file without touching its source image.

    Raises
    ------
    ProjectError
        "Cannot open project PATH: ..." saying what is wrong, naming the step
        (1-based), operation and field for a problem in a step.
    """
    path = Path(path)
    prefix = f"Cannot open project {path}"
    try:
        raw = read_regular_bytes(path)
    except UntrustedInputError as exc:
        raise ProjectError(f"{prefix}: {exc.reason}") from None
    except OSError as exc:
        raise ProjectError(f"{prefix}: {read_error_reason(exc)}") from None
    try:
        data = parse_json(raw, "project", ProjectError)
        check_format(data, PROJECT_FORMAT, PROJECT_FORMAT_VERSION, "project", ProjectError)
    except ProjectError as exc:
        raise ProjectError(f"{prefix}: {exc}", field=exc.field) from None
    unknown = set(data) - {"format", "version", "source", "steps", "selection"}
    if unknown:
        key = sorted(unknown)[0]
        raise ProjectError(
            f"{prefix}: unknown key {key!r} (a project has format, version, source, steps and maybe selection)",
            field=key,
        )
    source = data.get("source")
    if not isinstance(source, dict) or set(source) != {"path", "sha256"}:
        raise ProjectError(f"{prefix}: 'source' must be an object with 'path' and 'sha256'", field="source")
    stored, digest = source["path"], source["sha256"]
    if not isinstance(stored, str) or not stored or "\0" in stored:
        raise ProjectError(f"{prefix}: the source path must be a file path, got {_short(stored)}", field="source")
    if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ProjectError(f"{prefix}: the source sha256 must be 64 hex digits, got {_short(digest)}", field="source")
    if "steps" not in data:
        raise ProjectError(f"{prefix}: the project has no 'steps' list", field="steps")
    try:
        steps = steps_from_data(data["steps"], catalog)
    except RecipeError as exc:
        raise ProjectError(f"{prefix}: {exc}", step=exc.step, op_id=exc.op_id, field=exc.field) from None
    selection = None
    if data.get("selection") is not None:
        try:
            selection = decode_mask(data["selection"])
        except ValueError as exc:
            raise ProjectError(f"{prefix}: the selection {exc}", field="selection") from None
    source_path = Path(stored)
    if not source_path.is_absolute():
        source_path = Path(os.path.abspath(path)).parent / source_path
    return ProjectData(path, Path(os.path.normpath(source_path)), digest, steps, selection)


def _check_masks(project: ProjectData, size: tuple[int, int], catalog: Catalog) -> None:
    """Masks of steps before any size-changing step must match the source's size."""
    for number, step in enumerate(project.steps, start=1):
        op = catalog.get(step.op_id)
        if step.mask is not None and step.mask.shape != tuple(size):
            (mh, mw), (h, w) = step.mask.shape, size
            raise ProjectError(
                f"Cannot open project {project.path}: step {number} ({op.title}, {op.id}): "
                f"its mask is {mw}x{mh} pixels but the source image is {w}x{h}",
                step=number, op_id=op.id, field="mask",
            )
        if step.enabled and op.changes_size:
            return  # later masks are checked against the resized image when rendering


def load_project(
    path: str | os.PathLike,
    *,
    catalog: Catalog = CATALOG,
    source_path: str | os.PathLike | None = None,
    accept_changed_source: bool = False,
) -> Document:
    """Open a project: a new Document with the source image and the saved steps.

    Parameters
    ----------
    path : str or path-like
        The project file.
    catalog : Catalog
        Where the steps' operations are looked up.
    source_path : str or path-like, optional
        Use this image instead of the one the project names (the user located
        a moved file). Its hash is still checked.
    accept_changed_source : bool
        Open even if the source's hash differs from the saved one.

    Returns
    -------
    Document
        Renders exactly as the saved document did when the source is unchanged.
        Its ``info.extra["sha256"]`` holds the source hash.

    Raises
    ------
    ProjectError
        The project file is missing, not a project, from a newer editor, or
        has an invalid step (message names the step, operation and field).
    SourceMissingError
        The source image is not found (``.expected_path`` says where).
    SourceChangedError
        The source image's content changed (``.path``); pass
        ``accept_changed_source=True`` to open anyway.
    editor.errors.ImageReadError
        The source exists but cannot be read as an image.
    """
    project = read_project(path, catalog=catalog)
    image_path = Path(source_path) if source_path is not None else project.source_path
    try:
        digest = file_sha256(image_path)
    except FileNotFoundError:
        raise SourceMissingError(
            f"The source image of project {project.path} was not found at {image_path}; locate it to open the project",
            image_path,
        ) from None
    except IsADirectoryError:
        raise SourceMissingError(
            f"The source image of project {project.path} should be at {image_path}, but that is a folder",
            image_path,
        ) from None
    except UntrustedInputError as exc:
        raise ProjectError(
            f"Cannot open project {project.path}: the source image {image_path} cannot be read ({exc.reason})",
            field="source",
        ) from None
    except OSError as exc:
        raise ProjectError(
            f"Cannot open project {project.path}: the source image {image_path} cannot be read ({exc.strerror or exc})",
            field="source",
        ) from None
    if digest != project.source_sha256 and not accept_changed_source:
        raise SourceChangedError(
            f"The source image {image_path} is not the one project {project.path} was saved with "
            "(its content has changed); the edits may not give the same result",
            image_path, project.source_sha256, digest,
        )
    loaded = load_image(image_path)
    _check_masks(project, loaded.pixels.shape[:2], catalog)
    info = dataclasses.replace(loaded.info, extra={**loaded.info.extra, SOURCE_HASH_KEY: digest})
    try:
        document = Document(loaded.pixels, info, project.steps, catalog=catalog)
    except EditorError as exc:  # validated already; kept for a catalog that disagrees with itself
        raise ProjectError(f"Cannot open project {project.path}: {exc}") from None
    if project.selection is not None:
        if project.selection.shape != document.shape_after():
            (mh, mw), (h, w) = project.selection.shape, document.shape_after()
            raise ProjectError(
                f"Cannot open project {project.path}: the selection is {mw}x{mh} pixels but the edited image "
                f"is {w}x{h}", field="selection")
        document.set_selection(Selection(project.selection))
    return document
