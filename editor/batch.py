"""Headless batch: apply a recipe to image files, without Qt.

A batch run has three parts:

- :func:`plan_batch` turns the command line's inputs (files, folders,
  glob patterns) into work: one :class:`Task` (input, output) per file,
  with files whose output already exists skipped, and impossible ones
  (an output that would replace an input, two inputs with one output
  name, a pattern that matches nothing) failed before anything runs.
- :func:`process_file` is the unit of work: it reads one file, applies the
  steps, writes the output atomically and returns a small
  :class:`FileResult`; it never raises for a bad file, keeps nothing
  across files, and can be shipped to a worker process or a Dask worker.
- :func:`apply_recipe` runs the plan on an executor
  (:mod:`editor.executors`: this process, worker processes, or Dask),
  reporting each file's outcome as it comes.

Each step goes through the same :func:`editor.render.apply_step` as the
document's render, and the output is written by the same
:func:`editor.image_file.save_image` as the window's export, so a recipe
gives the window's pixels and bytes whichever executor runs it; a step
that refuses an image (a crop rectangle outside a smaller image) is named
in the file's error.

Outputs are written to a hidden temporary file beside the target and
renamed into place, so an interrupted run never leaves a half-written
output; running the same command again skips the outputs that exist and
removes temporary files that a killed run left behind.

Recipes hold absolute pixel values: applied to an image of another size, a
crop keeps the part of its rectangle that lies inside the image (as GIMP
and ImageMagick do) and fails, for that file only, when none of it does.
"""
from __future__ import annotations

import contextlib
import glob
import os
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from .catalog import CATALOG, Catalog
from .errors import EditorError, ImageReadError
from .executors import Executor, InProcess, Processes, WorkerDied
from .image_file import FORMATS_BY_SUFFIX, ExportOptions, load_image, save_image
from .render import apply_step
from .steps import Step

__all__ = [
    "BatchError",
    "OutputExists",
    "FileResult",
    "Task",
    "OUTPUT_FORMATS",
    "IMAGE_SUFFIXES",
    "output_path_for",
    "render_recipe",
    "export_options",
    "apply_recipe_to_file",
    "expand_inputs",
    "plan_batch",
    "process_file",
    "remove_leftovers",
    "apply_recipe",
]

# Extensions accepted by --format, each mapped to the suffix written.
OUTPUT_FORMATS = {suffix.lstrip("."): suffix for suffix in FORMATS_BY_SUFFIX}

# Files taken from a folder or a pattern (a file named on its own is tried whatever its name).
IMAGE_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".tif", ".tiff", ".webp", ".bmp", ".dib", ".gif",
    ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".qoi", ".psd", ".jp2", ".j2k", ".avif", ".ico",
})


class BatchError(EditorError):
    """One file of a batch cannot be processed; the others go on."""


class OutputExists(BatchError):
    """The output is there already and overwriting was not asked for: the file is skipped."""


@dataclass(frozen=True)
class FileResult:
    """What happened to one input file.

    Attributes
    ----------
    input : str
        The input file (or the pattern or folder that gave no file).
    output : str or None
        The file written or skipped (None if it failed before an output
        name was chosen).
    error : str or None
        Why it failed; None on success.
    seconds : float or None
        Time spent on the file, reading and writing included.
    size : (int, int) or None
        Width and height of the input, once it was read.
    skipped : bool
        The output existed already and was left as it was.
    """

    input: str
    output: str | None
    error: str | None = None
    seconds: float | None = None
    size: tuple[int, int] | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Written or skipped: nothing went wrong."""
        return self.error is None

    @property
    def status(self) -> str:
        """One of "written", "skipped" or "failed"."""
        return "failed" if self.error is not None else "skipped" if self.skipped else "written"


@dataclass(frozen=True)
class Task:
    """One file to process: small, picklable, and all a worker needs besides the recipe."""

    input: Path
    output: Path


def output_path_for(
    input_path: str | os.PathLike,
    *,
    outdir: str | os.PathLike | None = None,
    suffix: str = "-edited",
    format: str | None = None,
    subfolder: str | os.PathLike | None = None,
) -> Path:
    """Where the result for ``input_path`` goes: ``OUTDIR/<stem><suffix>.<ext>``.

    The folder defaults to the input's; the extension to the input's own when
    it is a format the editor writes, else ``png``. ``subfolder`` (the
    input's folder relative to a folder given as input) is kept under
    ``outdir``, so files of the same name in different folders do not meet.

    Examples
    --------
    >>> output_path_for("shots/a.jpg").as_posix()
    'shots/a-edited.jpg'
    >>> output_path_for("shots/a.gif", outdir="out", suffix="", format="tif").as_posix()
    'out/a.tif'
    >>> output_path_for("shots/2024/a.png", outdir="out", subfolder="2024").as_posix()
    'out/2024/a-edited.png'
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
    if outdir is None:
        folder = input_path.parent
    else:
        folder = Path(outdir) / subfolder if subfolder not in (None, "", ".") else Path(outdir)
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
    image = np.asarray(pixels, dtype=np.float32)
    steps = tuple(steps)
    for step in steps:
        catalog.get(step.op_id).validate(step.params, fill_defaults=False)
    for number, step in enumerate(steps, start=1):
        if not step.enabled:
            continue
        try:
            image = apply_step(image, step, catalog)
        except ValueError as exc:  # the operation refuses this image (its size, its layout)
            title = catalog.get(step.op_id).title
            raise BatchError(f"step {number} ({title}) cannot be applied to this image: {exc}") from None
    return image


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


def export_options(format: str | None = None, quality: int = 92, keep_metadata: bool = True) -> ExportOptions:
    """The window's export settings for the command line's choices.

    Everything else is the export dialog's default (chroma subsampling,
    PNG and TIFF compression, 16 bits for PNG and TIFF from a deeper
    source), so a batch writes the same bytes as Export with those choices.

    Examples
    --------
    >>> export_options("jpg", 80, keep_metadata=False).metadata
    'none'
    """
    return ExportOptions(
        format=format, quality=quality, metadata="all" if keep_metadata else "none", keep_icc=keep_metadata
    )


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
    options: ExportOptions | None = None,
    on_read: Callable[[tuple[int, int]], None] | None = None,
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
    options : ExportOptions, optional
        All export settings at once; replaces ``format``, ``quality`` and
        ``keep_metadata``.
    on_read : callable, optional
        Called with the input's ``(width, height)`` once it is read, before
        the steps run (to say what is being worked on).

    Returns
    -------
    Path
        The output written, as the window's export writes it (a source
        deeper than 8 bits gives 16-bit PNG and TIFF).

    Raises
    ------
    OutputExists
        The output exists and ``overwrite`` is false.
    BatchError
        The output is the input; or a step refuses the image (a mask of
        another size, a crop outside it): the message names the step.
    editor.errors.ImageReadError, editor.errors.ImageWriteError
        The input cannot be read or the output written (left as it was).
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if os.path.abspath(input_path) == os.path.abspath(output_path) or _same_file(input_path, output_path):
        raise BatchError(f"{output_path} is the input file itself; it is never overwritten")
    if output_path.exists() and not overwrite:
        raise OutputExists(f"{output_path} already exists (use --overwrite to replace it)")
    if options is None:
        options = export_options(format, quality, keep_metadata)
    loaded = load_image(input_path)
    if on_read is not None:
        on_read((int(loaded.pixels.shape[1]), int(loaded.pixels.shape[0])))
    result = render_recipe(recipe_steps, loaded.pixels, catalog)
    return save_image(output_path, result, info=loaded.info, options=options)


def process_file(
    recipe_steps: Sequence[Step],
    options: ExportOptions,
    overwrite: bool,
    task: Task,
    *,
    catalog: Catalog = CATALOG,
    on_start: Callable[[str, tuple[int, int]], None] | None = None,
) -> FileResult:
    """Process one :class:`Task` and say how it went; never raises for a bad file.

    This is what runs on a worker: the recipe and options are the same for
    every file, the task names the file, and the result is a few strings.

    Examples
    --------
    >>> result = process_file((), export_options(), False, Task(Path("no/such.png"), Path("no/such-out.png")))
    >>> result.status, result.error
    ('failed', 'the file does not exist')
    """
    input_path, output = task.input, task.output
    size: list[tuple[int, int]] = []
    started = time.perf_counter()

    def read(dimensions):
        size.append(dimensions)
        if on_start is not None:
            on_start(str(input_path), dimensions)

    skipped, error = False, None
    try:
        apply_recipe_to_file(
            recipe_steps, input_path, output, catalog=catalog, overwrite=overwrite, options=options, on_read=read
        )
    except OutputExists:  # made by someone else since the plan
        skipped = True
    except ImageReadError as exc:
        # The report names the input already: give only the reason.
        error = exc.reason if exc.path == str(input_path) else str(exc)
    except MemoryError as exc:
        # The memory guard's refusal says what needed how much; a raw one cannot.
        error = str(exc) if isinstance(exc, EditorError) else "there is not enough memory to process it"
    except Exception as exc:
        error = str(exc) if isinstance(exc, EditorError) else f"{type(exc).__name__}: {exc}"
    return FileResult(
        str(input_path), str(output), error, seconds=time.perf_counter() - started,
        size=size[0] if size else None, skipped=skipped,
    )


# -- what to do --------------------------------------------------------------------------------
def _has_pattern(text: str) -> bool:
    return any(char in text for char in "*?[")


def _pattern_base(pattern: Path) -> Path:
    """The folder a pattern starts from: its leading parts without wildcards.

    Examples
    --------
    >>> _pattern_base(Path("shots/**/*.jpg")).as_posix(), _pattern_base(Path("*.png")).as_posix()
    ('shots', '.')
    """
    parts = []
    for part in pattern.parts[:-1]:
        if _has_pattern(part):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _hidden(path: Path, base: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(base).parts)


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder)
        return True
    except ValueError:
        return False


def expand_inputs(
    inputs: Iterable[str | os.PathLike],
    *,
    recursive: bool = False,
    exclude: str | os.PathLike | None = None,
) -> tuple[list[tuple[Path, Path | None]], list[FileResult]]:
    """The files that ``inputs`` name, each once, in the order given.

    A file is taken as it is (a missing one fails when it is read). A
    folder gives its image files (:data:`IMAGE_SUFFIXES`, not hidden ones),
    and those of its subfolders too when ``recursive``. A glob pattern
    (``*``, ``?``, ``[...]``; ``**`` crosses folders) gives the image files
    it matches, their subfolders below the pattern's first wildcard kept
    like a folder's. Files inside ``exclude`` (the output folder) are left out
    of folders and patterns, so a second run does not take the first
    run's outputs as inputs.

    Returns
    -------
    files : list of (Path, Path or None)
        Each file, and for files found in a folder their subfolder relative
        to it (kept under the output folder).
    failures : list of FileResult
        Folders and patterns that gave no file.

    Examples
    --------
    >>> files, failures = expand_inputs(["no/such/*.png"])
    >>> files, failures[0].error
    ([], 'no image file matches this pattern')
    """
    excluded = Path(exclude).resolve() if exclude is not None else None
    files: list[tuple[Path, Path | None]] = []
    failures: list[FileResult] = []
    seen: set[str] = set()

    def add(path: Path, subfolder: Path | None) -> None:
        key = os.path.normcase(os.path.abspath(path))
        if key not in seen:
            seen.add(key)
            files.append((path, subfolder))

    for given in inputs:
        text = os.fspath(given)
        path = Path(text)
        if path.is_dir():
            found = path.rglob("*") if recursive else path.iterdir()
            chosen = sorted(
                p for p in found
                if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file() and not _hidden(p, path) and not _inside(p, excluded)
            )
            if not chosen:
                hint = "" if recursive else " (use --recursive to include its subfolders)"
                failures.append(FileResult(text, None, f"the folder has no image files{hint}"))
            for p in chosen:
                add(p, p.parent.relative_to(path))
        elif _has_pattern(text) and not path.exists():
            chosen = sorted(
                Path(p) for p in glob.glob(text, recursive=True)
                if Path(p).suffix.lower() in IMAGE_SUFFIXES and Path(p).is_file() and not _inside(Path(p), excluded)
            )
            if not chosen:
                failures.append(FileResult(text, None, "no image file matches this pattern"))
            base = _pattern_base(path)
            for p in chosen:
                add(p, p.parent.relative_to(base) if p.is_relative_to(base) else None)
        else:
            add(path, None)
    return files, failures


def plan_batch(
    inputs: Iterable[str | os.PathLike],
    *,
    outdir: str | os.PathLike | None = None,
    suffix: str = "-edited",
    format: str | None = None,
    overwrite: bool = False,
    recursive: bool = False,
) -> list[Task | FileResult]:
    """What a run would do, file by file, without reading any image.

    Returns
    -------
    list of Task or FileResult
        In input order: a :class:`Task` for each file to process; a
        skipped :class:`FileResult` for each file whose output exists
        (unless ``overwrite``); a failed one for each file that cannot be
        done (its output would replace an input, or be the output of an
        earlier file) and for each folder or pattern that gave no file.

    Examples
    --------
    >>> [type(entry).__name__ for entry in plan_batch(["a.png", "b.png"], outdir="out")]
    ['Task', 'Task']
    """
    files, failures = expand_inputs(inputs, recursive=recursive, exclude=outdir)
    input_keys = {os.path.normcase(os.path.abspath(p)) for p, _ in files}
    input_ids = {ident for ident in (_file_id(p) for p, _ in files) if ident is not None}
    claimed: dict[str, Path] = {}
    plan: list[Task | FileResult] = list(failures)
    for input_path, subfolder in files:
        output = None
        try:
            output = output_path_for(input_path, outdir=outdir, suffix=suffix, format=format, subfolder=subfolder)
            key = os.path.normcase(os.path.abspath(output))
            if key in input_keys or _file_id(output) in input_ids:
                raise BatchError(f"{output} is one of the input files; it is never overwritten")
            if key in claimed:
                raise BatchError(f"{output} is also the output of {claimed[key]}; give the files different names")
            claimed[key] = input_path
        except EditorError as exc:
            plan.append(FileResult(str(input_path), str(output) if output is not None else None, str(exc)))
            continue
        if not overwrite and output.exists():
            plan.append(FileResult(str(input_path), str(output), skipped=True))
        else:
            plan.append(Task(input_path, output))
    return plan


def remove_leftovers(outputs: Iterable[str | os.PathLike]) -> int:
    """Delete the temporary files that a killed writer left beside these outputs.

    The atomic writer names them ``.<name>.<random>.tmp`` in the output's
    folder; a process killed between creating and renaming one leaves it.
    Returns how many were removed.
    """
    removed = 0
    for output in outputs:
        output = Path(output)
        with contextlib.suppress(OSError):
            for leftover in output.parent.glob(f".{glob.escape(output.name)}.*.tmp"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
                    removed += 1
    return removed


# -- doing it ----------------------------------------------------------------------------------
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
    recursive: bool = False,
    catalog: Catalog = CATALOG,
    on_result: Callable[[FileResult], None] | None = None,
    on_start: Callable[[str, tuple[int, int]], None] | None = None,
    jobs: int = 1,
    executor: Executor | None = None,
    plan: list[Task | FileResult] | None = None,
) -> list[FileResult]:
    """Apply the steps to every input, carrying on after failures.

    Inputs are expanded and outputs named by :func:`plan_batch` (unless a
    ``plan`` from it is given); existing outputs are skipped unless
    ``overwrite``.

    Parameters
    ----------
    on_result : callable, optional
        Called with each :class:`FileResult` as soon as the file is done
        (skipped and impossible files first, before any work).
    on_start : callable, optional
        Called with the input path and its ``(width, height)`` when a file
        has been read and its steps start (in this process only).
    jobs : int
        Files processed at once, each in its own process, the cores shared
        out among them; 1 works in this process, file after file, every
        operation using all cores through the processing pool. Needs the
        standard catalog (workers import their own).
    executor : Executor, optional
        Where to run instead (:class:`editor.executors.Dask`, ...);
        ``jobs`` is then ignored.

    Returns
    -------
    list of FileResult
        One per planned file, in plan order.

    Raises
    ------
    KeyboardInterrupt
        After an interruption, once the workers are stopped and any
        temporary file they left is removed; ``on_result`` has seen every
        file finished until then.
    """
    if jobs < 1:
        raise BatchError(f"the number of jobs must be at least 1, got {jobs}")
    if plan is None:
        plan = plan_batch(inputs, outdir=outdir, suffix=suffix, format=format, overwrite=overwrite, recursive=recursive)
    options = export_options(format, quality, keep_metadata)
    results: list[FileResult | None] = [None] * len(plan)

    def done(index: int, result: FileResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    work: list[tuple[int, Task]] = []
    for index, entry in enumerate(plan):
        if isinstance(entry, FileResult):
            done(index, entry)
        else:
            work.append((index, entry))
    remove_leftovers(entry.output for entry in plan if isinstance(entry, Task) or entry.skipped)
    for folder in {task.output.parent for _, task in work}:
        with contextlib.suppress(OSError):  # if it cannot be made, each file says why
            folder.mkdir(parents=True, exist_ok=True)

    if executor is None:
        if jobs == 1 or len(work) < 2 or catalog is not CATALOG:
            executor = InProcess()
        else:
            executor = Processes(min(jobs, len(work)))
    if isinstance(executor, InProcess):
        func = partial(process_file, catalog=catalog, on_start=on_start)
    elif catalog is not CATALOG:
        raise BatchError("worker processes use the standard catalog; run other catalogs with one job")
    else:
        func = process_file  # the catalog holds lambdas and is not sent: workers import their own
    tasks = [task for _, task in work]
    if not isinstance(executor, InProcess):
        # Another process (or machine) may start in another folder: send paths that do not depend on it.
        tasks = [Task(Path(os.path.abspath(t.input)), Path(os.path.abspath(t.output))) for t in tasks]
    finished: set[int] = set()
    outcomes = executor.map(func, tasks, shared=(tuple(recipe_steps), options, overwrite))
    try:
        for position, outcome in outcomes:
            finished.add(position)
            task = tasks[position]
            if isinstance(outcome, WorkerDied):
                outcome = FileResult(str(task.input), str(task.output), str(outcome))
            elif not isinstance(outcome, FileResult):
                outcome = FileResult(str(task.input), str(task.output), f"the worker failed: {outcome!r}")
            index, planned = work[position]
            done(index, replace(outcome, input=str(planned.input), output=str(planned.output)))
    except BaseException:
        outcomes.close()  # stops the workers, wherever the interruption came
        unfinished = [position for position in range(len(tasks)) if position not in finished]
        if not overwrite:
            # A file renamed into place just before the stop, its result not yet back: this
            # run wrote it (it did not exist when planned), and the rename made it complete.
            for position in unfinished:
                index, planned = work[position]
                if tasks[position].output.exists():
                    finished.add(position)
                    done(index, FileResult(str(planned.input), str(planned.output)))
        if executor.local:  # its workers are gone: nothing will rename what they left
            remove_leftovers(tasks[position].output for position in unfinished if position not in finished)
        raise
    return results
