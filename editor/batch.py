"""Headless batch: apply a recipe to image files, without Qt.

:func:`apply_recipe_to_file` is the unit of work (one input, one output,
nothing shared), so it can run in a process pool or on a cluster as is.
:func:`apply_recipe` runs it over many files, reporting each file's outcome
and carrying on after a failure. Each step goes through the same
:func:`editor.render.apply_step` as the document's render, so a recipe gives
bit-identical pixels in the GUI and here; a step that refuses an image (a
crop rectangle outside a smaller image) is named in the file's error.

Recipes hold absolute pixel values: applied to an image of another size, a
crop keeps the part of its rectangle that lies inside the image (as GIMP
and ImageMagick do) and fails, for that file only, when none of it does.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from processing._parallel import ENV_VAR as THREADS_ENV_VAR
from processing._parallel import set_workers, workers

from .catalog import CATALOG, Catalog
from .errors import EditorError, ImageReadError
from .image_file import FORMATS_BY_SUFFIX, ExportOptions, ImageInfo, load_image, save_image
from .render import apply_step
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
    seconds : float or None
        Time spent on the file, reading and writing included.
    size : (int, int) or None
        Width and height of the input, once it was read.
    """

    input: str
    output: str | None
    error: str | None = None
    seconds: float | None = None
    size: tuple[int, int] | None = None

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
    on_read : callable, optional
        Called with the input's ``(width, height)`` once it is read, before
        the steps run (to say what is being worked on).

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
    BatchError
        Also when a step refuses the image (a mask of another size, a crop
        outside it): the message names the step.
    """
    input_path, output_path = Path(input_path), Path(output_path)
    if os.path.abspath(input_path) == os.path.abspath(output_path) or _same_file(input_path, output_path):
        raise BatchError(f"{output_path} is the input file itself; it is never overwritten")
    if output_path.exists() and not overwrite:
        raise BatchError(f"{output_path} already exists (use --overwrite to replace it)")
    loaded = load_image(input_path)
    if on_read is not None:
        on_read((int(loaded.pixels.shape[1]), int(loaded.pixels.shape[0])))
    result = render_recipe(recipe_steps, loaded.pixels, catalog)
    options = ExportOptions(
        format=format,
        bit_depth=_bit_depth(loaded.info, result, output_path, format),
        quality=quality,
        metadata="all" if keep_metadata else "none",
        keep_icc=keep_metadata,
    )
    return save_image(output_path, result, info=loaded.info, options=options)


def _process_file(
    recipe_steps: Sequence[Step],
    input_path: Path,
    output: Path,
    catalog: Catalog,
    options: dict,
    on_start: Callable[[str, tuple[int, int]], None] | None = None,
) -> FileResult:
    """One file's outcome; never raises (one bad file must not stop the batch)."""
    size: list[tuple[int, int]] = []
    started = time.perf_counter()

    def read(dimensions):
        size.append(dimensions)
        if on_start is not None:
            on_start(str(input_path), dimensions)

    try:
        apply_recipe_to_file(recipe_steps, input_path, output, catalog=catalog, on_read=read, **options)
        error = None
    except ImageReadError as exc:
        # The report names the input already: give only the reason.
        error = exc.reason if exc.path == str(input_path) else str(exc)
    except Exception as exc:
        error = str(exc) if isinstance(exc, EditorError) else f"{type(exc).__name__}: {exc}"
    return FileResult(
        str(input_path), str(output), error, seconds=time.perf_counter() - started, size=size[0] if size else None
    )


def _process_file_in_worker(recipe_steps, input_path, output, options) -> FileResult:
    # The catalog holds lambdas and is not sent: a worker uses its own import of it.
    return _process_file(recipe_steps, input_path, output, CATALOG, options)


# -- several processes --------------------------------------------------------------------
_BLAS_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def threads_per_process(jobs: int, total: int | None = None) -> int:
    """Threads each of ``jobs`` worker processes may use, so that together they
    use ``total`` (the processing pool's size, by default) and no more.

    Examples
    --------
    >>> threads_per_process(2, total=8), threads_per_process(4, total=2)
    (4, 1)
    """
    total = workers() if total is None else total
    return max(1, total // max(1, jobs))


def worker_environment(threads: int, environ=os.environ) -> dict[str, str]:
    """Environment variables for worker processes: the processing pool gets
    ``threads`` threads, and BLAS libraries one thread each unless the user
    set their own, so processes, pool threads and BLAS threads do not multiply.

    Examples
    --------
    >>> worker_environment(2, environ={})["IMAGE_EDITOR_THREADS"]
    '2'
    >>> worker_environment(2, environ={"OMP_NUM_THREADS": "3"}).get("OMP_NUM_THREADS")
    """
    env = {THREADS_ENV_VAR: str(threads)}
    env.update({name: "1" for name in _BLAS_VARS if name not in environ})
    return env


@contextmanager
def _environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_in_processes(jobs: int, calls: Sequence[tuple[Callable, tuple]]):
    """Run ``func(*args)`` for each of ``calls`` in ``jobs`` worker processes;
    yield ``(index, result)`` as each finishes (the result is the exception
    if the call raised or its process died).

    Workers are started fresh ("spawn": no copy of this process's threads),
    each with :func:`threads_per_process` threads in the processing pool.
    BLAS reads its thread count when NumPy is imported, which happens before
    any initializer runs, so the workers' environment is set while they start.
    """
    threads = threads_per_process(jobs)
    pool = ProcessPoolExecutor(
        jobs, mp_context=multiprocessing.get_context("spawn"), initializer=set_workers, initargs=(threads,)
    )
    try:
        # Processes start as tasks are submitted: submit all while the environment holds.
        with _environment(worker_environment(threads)):
            futures = {pool.submit(func, *args): index for index, (func, args) in enumerate(calls)}
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the call raised, or its process was killed
                result = exc
            yield futures[future], result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
    on_start: Callable[[str, tuple[int, int]], None] | None = None,
    jobs: int = 1,
) -> list[FileResult]:
    """Apply the steps to every input, carrying on after failures.

    Output names come from :func:`output_path_for`. A file whose output would
    be another input, or the same output as an earlier file, fails rather than
    overwrite it.

    Parameters
    ----------
    on_result : callable, optional
        Called with each :class:`FileResult` as soon as the file is done.
    on_start : callable, optional
        Called with the input path and its ``(width, height)`` when a file
        has been read and its steps start (one process only).
    jobs : int
        Files processed at once, each in its own process; 1 (the default)
        works in this process, file after file, every operation using all
        cores through the processing pool. With more, the cores are shared
        out (:func:`threads_per_process`): worth it for many small files.
        Needs the standard catalog (workers import their own).

    Returns
    -------
    list of FileResult
        One per input, in order.
    """
    inputs = [Path(p) for p in inputs]
    input_keys = {os.path.normcase(os.path.abspath(p)) for p in inputs}
    input_ids = {ident for ident in map(_file_id, inputs) if ident is not None}
    options = {"overwrite": overwrite, "quality": quality, "keep_metadata": keep_metadata}
    claimed: dict[str, Path] = {}
    results: list[FileResult | None] = [None] * len(inputs)
    work: list[tuple[int, Path, Path]] = []

    def done(index: int, result: FileResult) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    for index, input_path in enumerate(inputs):
        output = None
        try:
            output = output_path_for(input_path, outdir=outdir, suffix=suffix, format=format)
            key = os.path.normcase(os.path.abspath(output))
            if key in input_keys or _file_id(output) in input_ids:
                raise BatchError(f"{output} is one of the input files; it is never overwritten")
            if key in claimed:
                raise BatchError(f"{output} is also the output of {claimed[key]}; give the files different names")
            claimed[key] = input_path
        except EditorError as exc:
            done(index, FileResult(str(input_path), str(output) if output is not None else None, str(exc)))
            continue
        work.append((index, input_path, output))

    if jobs < 1:
        raise BatchError(f"the number of jobs must be at least 1, got {jobs}")
    if jobs == 1 or len(work) < 2 or catalog is not CATALOG:
        for index, input_path, output in work:
            done(index, _process_file(recipe_steps, input_path, output, catalog, options, on_start))
    else:
        calls = [(_process_file_in_worker, (tuple(recipe_steps), input_path, output, options))
                 for _, input_path, output in work]
        for position, outcome in run_in_processes(min(jobs, len(work)), calls):
            index, input_path, output = work[position]
            if isinstance(outcome, BaseException):
                outcome = FileResult(str(input_path), str(output), f"the worker process failed: {outcome!r}")
            done(index, outcome)
    return results
