"""Headless batch: apply a recipe to image files, without Qt.

:func:`apply_recipe_to_file` is the unit of work (one input, one output,
nothing shared), so it can run in a process pool or on a cluster as is.
:func:`apply_recipe` runs it over many files, reporting each file's outcome
and carrying on after a failure. Rendering goes through the same
:func:`editor.render.render_steps` as the document, so a recipe gives
bit-identical pixels in the GUI and here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .catalog import CATALOG, Catalog
from .errors import EditorError
from .image_file import FORMATS_BY_SUFFIX, ExportOptions, ImageInfo, load_image, save_image
from .render import render_steps
from .render_cache import RenderCache
from .steps import Step

__all__ = [
    "BatchError",
    "FileResult",
    "OUTPUT_FORMATS",
    "output_path_for",
    "render_recipe",
    "apply_recipe_to_file",
    "apply_recipe",
]

# Extensions accepted by --format, each mapped to the suffix written.
OUTPUT_FORMATS = {suffix.lstrip("."): suffix for suffix in FORMATS_BY_SUFFIX}


class BatchError(EditorError):
    """One file of a batch cannot be processed; the others go on."""


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file.

    Attributes
    ----------
    input : str
        The input file.
    output : str or None
        The file written (None if it failed before an output name was chosen).
    error : str or None
        Why it failed; None on success.
    """

    input: str
    output: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def output_path_for(
    input_path: str | os.PathLike,
    *,
    outdir: str | os.PathLike | None = None,
    suffix: str = "-edited",
    format: str | None = None,
) -> Path:
    """Where the result for ``input_path`` goes: ``OUTDIR/<stem><suffix>.<ext>``.

    The folder defaults to the input's; the extension to the input's own when
    it is a format the editor writes, else ``png``.

    Examples
    --------
    >>> output_path_for("shots/a.jpg").as_posix()
    'shots/a-edited.jpg'
    >>> output_path_for("shots/a.gif", outdir="out", suffix="", format="tif").as_posix()
    'out/a.tif'
    """
    input_path = Path(input_path)
    if format is not None:
        key = format.lower().lstrip(".")
        if key not in OUTPUT_FORMATS:
            raise BatchError(f"unknown output format {format!r}; use one of {', '.join(sorted(OUTPUT_FORMATS))}")
        extension = OUTPUT_FORMATS[key]
    elif input_path.suffix.lower() in FORMATS_BY_SUFFIX:
        extension = input_path.suffix
    else:
        extension = ".png"
    folder = Path(outdir) if outdir is not None else input_path.parent
    return folder / f"{input_path.stem}{suffix}{extension}"


def render_recipe(steps: Sequence[Step], pixels: np.ndarray, catalog: Catalog = CATALOG) -> np.ndarray:
    """``pixels`` after ``steps``, exactly as a :class:`~editor.document.Document` renders them.

    No intermediate image is kept (the cache has no budget), so memory is the
    input plus the steps' working arrays.

    Examples
    --------
    >>> img = np.full((2, 2), 0.5, np.float32)
    >>> float(render_recipe([Step("tone.brightness_contrast", {"brightness": 0.25, "contrast": 0.0})], img)[0, 0])
    0.75
    """
    source = np.asarray(pixels, dtype=np.float32)
    steps = tuple(steps)
    for step in steps:
        catalog.get(step.op_id).validate(step.params, fill_defaults=False)
    result = render_steps(source, "batch", steps, catalog, RenderCache(budget_bytes=0))
    return result


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _file_id(path: Path) -> tuple[int, int] | None:
    """(device, inode) of an existing file, to spot the same file under two names."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _bit_depth(info: ImageInfo, pixels: np.ndarray, output: Path, format: str | None) -> int:
    fmt = format or FORMATS_BY_SUFFIX.get(output.suffix.lower())
    if info.bit_depth >= 16 and pixels.ndim == 2 and fmt in ("PNG", "TIFF"):
        return 16
    return 8


def apply_recipe_to_file(
    recipe_steps: Sequence[Step],
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    catalog: Catalog = CATALOG,
    format: str | None = None,
    overwrite: bool = False,
    quality: int = 92,
    keep_metadata: bool = True,
) -> Path:
    """Read ``input_path``, apply the steps, write ``output_path`` atomically.

    Self-contained (no shared state), so it can be shipped to worker
    processes or a cluster as it is.

    Parameters
    ----------
    recipe_steps : sequence of Step
        Validated steps, e.g. from :func:`editor.recipe.load_recipe`.
    input_path, output_path : str or path-like
        Image to read and file to write; the output's suffix picks the
        format unless ``format`` (a Pillow format name) is given.
    catalog : Catalog
        Where the steps' operations are looked up.
    overwrite : bool
        Replace an existing output file. The input file is never replaced,
        whatever this says.
    quality : int
        JPEG / WebP quality.
    keep_metadata : bool
        Copy the input's EXIF and ICC profile to the output.

    Returns
    -------
    Path
        The output written. Gray images read at 16 bits are written at 16
        bits to PNG and TIFF; everything else at 8 bits.

    Raises
    ------
    BatchError
        The output is the input, or exists and ``overwrite`` is false.
    editor.errors.ImageReadError, editor.errors.ImageWriteError
        The input cannot be read or the output written (left as it was).
    ValueError
        An operation refused the image (e.g. a mask of another size).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if os.path.abspath(input_path) == os.path.abspath(output_path) or _same_file(input_path, output_path):
        raise BatchError(f"{output_path} is the input file itself; it is never overwritten")
    if output_path.exists() and not overwrite:
        raise BatchError(f"{output_path} already exists (use --overwrite to replace it)")
    loaded = load_image(input_path)
    result = render_recipe(recipe_steps, loaded.pixels, catalog)
    options = ExportOptions(
        format=format,
        bit_depth=_bit_depth(loaded.info, result, output_path, format),
        quality=quality,
        metadata="all" if keep_metadata else "none",
        keep_icc=keep_metadata,
    )
    return save_image(output_path, result, info=loaded.info, options=options)


def apply_recipe(
    recipe_steps: Sequence[Step],
    inputs: Iterable[str | os.PathLike],
    *,
    outdir: str | os.PathLike | None = None,
    suffix: str = "-edited",
    format: str | None = None,
    overwrite: bool = False,
    quality: int = 92,
    keep_metadata: bool = True,
    catalog: Catalog = CATALOG,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Apply the steps to every input, one at a time, carrying on after failures.

    Output names come from :func:`output_path_for`. A file whose output would
    be another input, or the same output as an earlier file, fails rather than
    overwrite it.

    Parameters
    ----------
    on_result : callable, optional
        Called with each :class:`FileResult` as soon as the file is done.

    Returns
    -------
    list of FileResult
        One per input, in order.
    """
    inputs = [Path(p) for p in inputs]
    input_keys = {os.path.normcase(os.path.abspath(p)) for p in inputs}
    input_ids = {ident for ident in map(_file_id, inputs) if ident is not None}
    claimed: dict[str, Path] = {}
    results = []
    for input_path in inputs:
        output = None
        try:
            output = output_path_for(input_path, outdir=outdir, suffix=suffix, format=format)
            key = os.path.normcase(os.path.abspath(output))
            if key in input_keys or _file_id(output) in input_ids:
                raise BatchError(f"{output} is one of the input files; it is never overwritten")
            if key in claimed:
                raise BatchError(f"{output} is also the output of {claimed[key]}; give the files different names")
            claimed[key] = input_path
            apply_recipe_to_file(
                recipe_steps, input_path, output, catalog=catalog, overwrite=overwrite,
                quality=quality, keep_metadata=keep_metadata,
            )
            result = FileResult(str(input_path), str(output))
        except Exception as exc:  # one bad file must not stop the batch
            message = str(exc) if isinstance(exc, EditorError) else f"{type(exc).__name__}: {exc}"
            result = FileResult(str(input_path), str(output) if output is not None else None, message)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results
