"""The ``image-editor`` command.

With no arguments or with image paths it opens the editor window. Headless
sub-commands (``ops``, ...) run without Qt: the GUI package is imported by
name only when a window is wanted, so the core never depends on it.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from typing import Callable, Sequence

from .catalog import CATALOG
from .errors import EditorError
from .library_output import library_output_to_log

__all__ = ["main", "SUBCOMMANDS"]


def _cmd_ops(args: argparse.Namespace) -> int:
    """List the operations and their parameters."""
    for category, ops in CATALOG.categories().items():
        print(f"{category}:")
        for op in ops:
            print(f"  {op.id:32s} {op.title}")
            if args.verbose:
                for p in op.params:
                    # A default that follows the image is shown as the image gives it in the editor.
                    default = "follows the image" if p.default_from is not None else f"default {p.default!r}"
                    print(f"      {p.name} ({p.kind}, {default}) {p.help}")
    return 0


def _ops_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ops", help="list the operations in the catalog")
    parser.add_argument("-v", "--verbose", action="store_true", help="show parameters too")
    parser.set_defaults(run=_cmd_ops)


def _describe_step(number: int, step) -> str:
    op = CATALOG.get(step.op_id)
    text = f"{number:3d}. {op.summary(step.params)}"
    if step.mask is not None:
        text += f"  [masked, {step.mask.shape[1]}x{step.mask.shape[0]}]"
    if not step.enabled:
        text += "  [disabled]"
    return text


def _cmd_recipe_check(args: argparse.Namespace) -> int:
    """Validate a recipe and print its steps."""
    from .recipe import load_recipe

    steps = load_recipe(args.recipe)
    print(f"{args.recipe}: valid recipe, {len(steps)} step{'s' if len(steps) != 1 else ''}")
    for number, step in enumerate(steps, start=1):
        print(_describe_step(number, step))
    return 0


def _recipe_check_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("recipe-check", help="validate a recipe file and list its steps")
    parser.add_argument("recipe", help="recipe file (JSON, from Export Recipe)")
    parser.set_defaults(run=_cmd_recipe_check)


def _duration(seconds: float) -> str:
    """A time for people: "0.35 s", "12.4 s", "3 min 05 s".

    Examples
    --------
    >>> _duration(0.349), _duration(12.44), _duration(185)
    ('0.35 s', '12.4 s', '3 min 05 s')
    """
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


class _ApplyReport:
    """What ``apply`` says while it works, and its summary.

    On a terminal (standard error is one): a progress bar with the count,
    the rate and the time left, the file being worked on beside it when
    files go one at a time, and a line above the bar for each failure.
    Otherwise (a log file, a pipe): one line per file, ``ok`` (with its
    time) and ``skipped`` on standard output, ``FAILED`` (with the reason)
    on standard error.
    """

    def __init__(self, out, err, *, to_do: int):
        self.out, self.err = out, err
        self.counts = {"written": 0, "skipped": 0, "failed": 0}
        self.bar = None
        if _is_terminal(err):
            self.bar = _progress_bar(err, to_do, "file")

    def start(self, name: str, size: tuple[int, int]) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{os.path.basename(name)} ({size[0]} x {size[1]})", refresh=True)

    def planned(self, result) -> None:
        """A file settled before any work: skipped, or impossible."""
        self._count(result)
        if self.bar is not None:
            if not result.ok:
                self.bar.write(f"FAILED  {result.input}: {result.error}", file=self.err)
            self.bar.set_description_str(self._tally(), refresh=True)
        else:
            self._line(result)

    def result(self, result) -> None:
        self._count(result)
        if self.bar is not None:
            if not result.ok:
                self.bar.write(f"FAILED  {result.input}: {result.error}", file=self.err)
            self.bar.set_description_str(self._tally(), refresh=False)
            self.bar.set_postfix_str("", refresh=False)  # that file is done
            self.bar.update(1)
        else:
            self._line(result)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def summary(self, seconds: float, *, interrupted: bool = False, not_done: int = 0) -> str:
        text = f"{self._tally(all_three=True)} in {_duration(seconds)}"
        if interrupted:
            text = f"interrupted: {text}"
        if not_done:
            text += f"; {not_done} not done (run the same command again to do them)"
        return text

    def _count(self, result) -> None:
        self.counts[result.status] += 1

    def _tally(self, all_three: bool = False) -> str:
        c = self.counts
        if all_three:
            return f"{c['written']} written, {c['skipped']} skipped, {c['failed']} failed"
        parts = [f"{c[k]} {k}" for k in ("skipped", "failed") if c[k]]
        return ", ".join(parts)

    def _line(self, result) -> None:
        if result.status == "written":
            took = f"  ({_duration(result.seconds)})" if result.seconds is not None else ""  # None: seen after a stop
            print(f"ok      {result.input} -> {result.output}{took}", file=self.out, flush=True)
        elif result.status == "skipped":
            print(f"skipped {result.input}: {result.output} exists", file=self.out, flush=True)
        else:
            print(f"FAILED  {result.input}: {result.error}", file=self.err, flush=True)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _progress_bar(err, total: int, unit: str):
    """A progress bar on the terminal ``err``, as wide as the terminal.

    A terminal that does not say its size (a pseudo-terminal nobody sized:
    ``script``, some containers started with a terminal) reports 0 columns
    and 0 rows, and tqdm draws no bar in 0 rows: it gets 80 x 24 instead.
    """
    from tqdm import tqdm

    try:
        size = os.get_terminal_size(err.fileno())
        sized = size.columns > 0 and size.lines > 0
    except (AttributeError, OSError, ValueError):  # no file descriptor (a test's stand-in): tqdm decides
        sized = True
    shape = {"dynamic_ncols": True} if sized else {"ncols": 80, "nrows": 24}
    return tqdm(total=total, file=err, unit=unit, smoothing=0.2, leave=True, **shape)


class _StopSignals:
    """Ctrl+C and SIGTERM (a job scheduler, ``kill``) stop a run the same way:
    workers stopped, temporary files removed, the summary so far printed.

    The handler raises KeyboardInterrupt where the main thread happens to be,
    and Python drops an exception raised inside a weakref callback or a
    finaliser (Dask runs many). So the signal is also remembered, and
    :meth:`check`, called after each finished file, raises it again; and
    the "Exception ignored" traceback Python would print for the dropped one
    is not shown.
    """

    def __init__(self):
        self.received = False
        self._previous: dict[int, object] = {}
        self._previous_hook = sys.unraisablehook

    def _unraisable(self, unraisable) -> None:
        if not (self.received and issubclass(unraisable.exc_type, KeyboardInterrupt)):
            self._previous_hook(unraisable)

    def _handle(self, signum, frame):
        self.received = True
        raise KeyboardInterrupt

    def check(self) -> None:
        # Not while the interruption is being handled: the clean-up reports the
        # files that were finished as it stopped, and must get to the end.
        if self.received and not isinstance(sys.exc_info()[1], KeyboardInterrupt):
            raise KeyboardInterrupt

    def __enter__(self) -> "_StopSignals":
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[signum] = signal.signal(signum, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                return self
        self._previous_hook = sys.unraisablehook
        sys.unraisablehook = self._unraisable
        return self

    def __exit__(self, *exc) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        if self._previous:
            sys.unraisablehook = self._previous_hook


def _dry_run(plan, out, err) -> int:
    from .batch import FileResult

    counts = {"written": 0, "skipped": 0, "failed": 0}
    for entry in plan:
        if isinstance(entry, FileResult):
            counts[entry.status] += 1
            if entry.skipped:
                print(f"would skip  {entry.input}: {entry.output} exists", file=out)
            else:
                print(f"FAILED  {entry.input}: {entry.error}", file=err)
        else:
            counts["written"] += 1
            print(f"would write {entry.input} -> {entry.output}", file=out)
    print(f"dry run: {counts['written']} to write, {counts['skipped']} to skip, {counts['failed']} failed; "
          "nothing was written", file=out)
    return 1 if counts["failed"] else 0


def _cmd_apply(args: argparse.Namespace) -> int:
    """Apply a recipe to image files; 0 if all succeeded, 1 if any failed, 130 if interrupted."""
    import time

    from .batch import FileResult, apply_recipe, plan_batch
    from .executors import Dask, ExecutorError, InProcess, local_executor
    from .recipe import load_recipe

    steps = load_recipe(args.recipe)
    if args.outdir is not None and args.outdir.exists() and not args.outdir.is_dir():
        print(f"image-editor: {args.outdir} is a file, not a folder to write into", file=sys.stderr)
        return 2
    if not 1 <= args.quality <= 100:
        print(f"image-editor: --quality must be between 1 and 100, got {args.quality}", file=sys.stderr)
        return 2
    if args.jobs is not None and args.jobs < 0:
        print(f"image-editor: --jobs must be 0 (one per core) or more, got {args.jobs}", file=sys.stderr)
        return 2
    if args.scheduler is not None:
        args.executor = "dask"
    from processing._parallel import workers

    jobs = args.jobs or workers()

    plan = plan_batch(args.inputs, outdir=args.outdir, suffix=args.suffix, format=args.format,
                      overwrite=args.overwrite, recursive=args.recursive)
    if args.dry_run:
        return _dry_run(plan, sys.stdout, sys.stderr)
    to_do = sum(not isinstance(entry, FileResult) for entry in plan)
    if to_do == 0:
        executor = InProcess()  # nothing to do: no workers, no cluster
    elif args.executor == "dask":
        first = next((entry for entry in plan if not isinstance(entry, FileResult)), None)
        paths = [os.path.abspath(first.input), os.path.abspath(first.output.parent)] if first is not None else []
        executor = Dask(args.scheduler, workers=jobs, paths=paths)
    else:
        executor = local_executor(jobs, to_do)

    report = _ApplyReport(sys.stdout, sys.stderr, to_do=to_do)
    started = time.perf_counter()

    settled = {id(entry) for entry in plan if isinstance(entry, FileResult)}

    stop = _StopSignals()

    def on_result(result) -> None:
        (report.planned if id(result) in settled else report.result)(result)
        stop.check()

    interrupted = False
    try:
        with stop:
            apply_recipe(
                steps, (), plan=plan, format=args.format, overwrite=args.overwrite, quality=args.quality,
                keep_metadata=not args.strip_metadata, on_result=on_result, on_start=report.start,
                executor=executor,
            )
    except KeyboardInterrupt:
        interrupted = True
    except ExecutorError as exc:
        report.close()
        print(f"image-editor: {exc}", file=sys.stderr)
        return 2
    finally:
        report.close()
    seen = sum(report.counts.values())
    print(report.summary(time.perf_counter() - started, interrupted=interrupted, not_done=len(plan) - seen), flush=True)
    if interrupted:
        return 130
    return 1 if report.counts["failed"] else 0


def _apply_parser(sub: argparse._SubParsersAction) -> None:
    from pathlib import Path

    from .image_file import FORMATS_BY_SUFFIX

    formats = sorted({suffix.lstrip(".") for suffix in FORMATS_BY_SUFFIX})
    parser = sub.add_parser(
        "apply",
        help="apply a recipe to image files, folders or patterns, headless",
        description="Apply a recipe's steps to each input and write <name><suffix>.<ext>. "
        "Inputs are files, folders (their image files; --recursive for subfolders too) and patterns "
        "such as 'photos/*.jpg' or 'photos/**/*.png' (quote them). "
        "Outputs that exist already are skipped, so running the same command again after an "
        "interruption finishes the rest; outputs are never left half-written. "
        "A file that fails is reported and the others go on; the exit code is 1 if any failed. "
        "Input files are never overwritten.",
    )
    parser.add_argument("recipe", help="recipe file (JSON, from Export Recipe)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or patterns")
    parser.add_argument("-o", "--outdir", type=Path,
                        help="folder for the results, made if need be (default: beside each input); "
                        "files found in subfolders keep their subfolder in it")
    parser.add_argument("-r", "--recursive", action="store_true", help="include the subfolders of folders given")
    parser.add_argument("--suffix", default="-edited", help="added to each file name (default: %(default)s)")
    parser.add_argument("--format", choices=formats, help="output format (default: the input's, or png)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing output files (by default they are skipped and counted)")
    parser.add_argument("--quality", type=int, default=92, help="JPEG/WebP quality 1-100 (default: %(default)s)")
    parser.add_argument("--strip-metadata", action="store_true", help="do not copy EXIF and ICC profile")
    parser.add_argument("-n", "--dry-run", action="store_true",
                        help="list what would be written and skipped, and write nothing")
    parser.add_argument(
        "-j", "--jobs", type=int, default=None,
        help="cores to use: that many files at once, each in its own process (fewer files share the "
        "cores); with --executor dask and no --scheduler, the number of local workers (default: every "
        "core). 1 works on one file at a time on one core, leaving the rest of the machine free",
    )
    _executor_arguments(parser)
    parser.set_defaults(run=_cmd_apply)


def _executor_arguments(parser: argparse.ArgumentParser) -> None:
    """--executor and --scheduler, the same for every command that runs files on workers."""
    parser.add_argument("--executor", choices=("processes", "dask"), default="processes",
                        help="where files are processed: worker processes on this machine, or a Dask "
                        "distributed cluster (needs the 'distributed' extra; default: %(default)s)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies "
                        "--executor dask; its workers must see the same paths). Without it, a local "
                        "cluster is started for the run")


def _cmd_augment(args: argparse.Namespace) -> int:
    """Export N augmented variants of each input; 0 if all succeeded, 1 if any failed, 130 if interrupted."""
    import time

    from .augment_pipeline import load_pipeline
    from .dataset_export import export_dataset, find_sources
    from .executors import ExecutorError

    for name, value, low in (("--per-image", args.per_image, 1), ("--seed", args.seed, 0), ("--jobs", args.jobs, 0)):
        if value is not None and value < low:
            print(f"image-editor: {name} must be {low} or more, got {value}", file=sys.stderr)
            return 2
    if not 0.0 <= args.min_visibility <= 1.0:
        print(f"image-editor: --min-visibility must be between 0 and 1, got {args.min_visibility}", file=sys.stderr)
        return 2
    if (args.labels is None) != (args.label_format is None):
        print("image-editor: --labels and --label-format go together", file=sys.stderr)
        return 2
    if args.outdir.exists() and not args.outdir.is_dir():
        print(f"image-editor: the output folder {args.outdir} is a file", file=sys.stderr)
        return 2
    if not args.outdir.exists() and not args.outdir.parent.is_dir():
        print(f"image-editor: cannot make the output folder {args.outdir}: the folder above it does not exist",
              file=sys.stderr)
        return 2
    pipeline = load_pipeline(args.pipeline)
    from processing._parallel import workers

    jobs = args.jobs or workers()
    sources, categories, failures = find_sources(
        args.inputs, masks=args.masks, labels=args.labels, label_format=args.label_format,
        recursive=args.recursive, exclude=args.outdir)
    for failure in failures:
        print(f"FAILED  {failure.source}: {failure.error}", file=sys.stderr)
    if not sources:
        print("image-editor: no input to augment", file=sys.stderr)
        return 1

    total = len(sources) * args.per_image
    bar = None
    if _is_terminal(sys.stderr):
        bar = _progress_bar(sys.stderr, total, "image")
    stop = _StopSignals()

    def progress(fraction: float) -> None:
        if bar is not None:
            bar.update(round(fraction * total) - bar.n)
        stop.check()

    def on_failure(failure) -> None:
        text = f"FAILED  {failure.source}: {failure.error}"
        if bar is not None:
            bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    from .executors import Dask, local_executor

    if args.scheduler is not None or args.executor == "dask":
        first = sources[0].image
        executor = Dask(args.scheduler, workers=jobs,
                        paths=[os.path.abspath(first), os.path.abspath(args.outdir.parent)])
    else:
        executor = local_executor(jobs, len(sources))
    started = time.perf_counter()
    interrupted = False
    result = None
    try:
        with stop:
            result = export_dataset(sources, args.outdir, pipeline, per_image=args.per_image, seed=args.seed,
                                    label_format=args.label_format, categories=categories,
                                    min_visibility=args.min_visibility, jobs=jobs, progress=progress,
                                    on_failure=on_failure, executor=executor)
    except KeyboardInterrupt:
        interrupted = True
    except ExecutorError as exc:
        if bar is not None:
            bar.close()
        print(f"image-editor: {exc}", file=sys.stderr)
        return 2
    finally:
        if bar is not None:
            bar.close()
    written = len(result.records) if result is not None else _manifest_count(args.outdir)
    failed = len(failures) + (len(result.failures) if result is not None else 0)
    text = f"{written} written, {failed} failed in {_duration(time.perf_counter() - started)}"
    if interrupted:
        print(f"interrupted: {text}; the manifest lists the files finished", flush=True)
        return 130
    print(f"{text}; manifest in {args.outdir / 'manifest.csv'}", flush=True)
    return 1 if failed else 0


def _manifest_count(outdir) -> int:
    """Outputs listed in the manifest an interrupted export wrote (0 if none)."""
    import json

    try:
        return len(json.loads((outdir / "manifest.json").read_text("utf-8"))["outputs"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _augment_parser(sub: argparse._SubParsersAction) -> None:
    from pathlib import Path

    parser = sub.add_parser(
        "augment",
        help="write augmented variants of images, with their masks and labels, and a manifest",
        description="Write --per-image variants of each input drawn from an augmentation pipeline "
        "(saved from the Augment panel), with masks and labels transformed alike, and a manifest "
        "(CSV and JSON) giving each output's source, SHA-256, seed and drawn parameters. "
        "Inputs are files, folders and patterns such as 'photos/*.jpg' (quote them). "
        "The same seed gives the same files whatever --jobs is. Ctrl+C stops, leaving complete files only.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or patterns")
    parser.add_argument("-o", "--outdir", type=Path, required=True,
                        help="output folder (created if missing; images/, masks/, labels/ go in it)")
    parser.add_argument("--per-image", type=int, default=1, help="variants per input (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run, 0 or more (default: %(default)s)")
    parser.add_argument("--pipeline", type=Path, required=True, help="augmentation pipeline (JSON)")
    parser.add_argument("--masks", type=Path, help="folder of masks or label images, matched by file name")
    parser.add_argument("--labels", type=Path,
                        help="YOLO: folder of .txt files matched by file name; COCO: a JSON file, or a folder "
                        "holding one")
    parser.add_argument("--label-format", choices=("yolo", "coco"), help="format of --labels (and of the output)")
    parser.add_argument("--min-visibility", type=float, default=0.3,
                        help="drop a box keeping less than this fraction of its area in the frame "
                        "(default: %(default)s)")
    parser.add_argument("-r", "--recursive", action="store_true", help="include the subfolders of folders given")
    parser.add_argument("-j", "--jobs", type=int, default=None,
                        help="cores to use: that many inputs at once, each in its own process (fewer inputs "
                        "share the cores); with --executor dask and no --scheduler, the number of local "
                        "workers (default: every core). 1 works on one input at a time on one core")
    _executor_arguments(parser)
    parser.set_defaults(run=_cmd_augment)


# Sub-command name -> function adding its parser. Later sub-commands add a row.
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "ops": _ops_parser,
    "apply": _apply_parser,
    "recipe-check": _recipe_check_parser,
    "augment": _augment_parser,
}


def _headless(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="image-editor", description="Headless image editing.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS.values():
        add(sub)
    args = parser.parse_args(argv)
    try:
        with library_output_to_log():
            return args.run(args)
    except EditorError as exc:
        print(f"image-editor: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("image-editor: there is not enough memory for this; try a smaller image or fewer jobs", file=sys.stderr)
        return 2


def _missing_display(environ=os.environ, platform: str = sys.platform) -> str | None:
    """Why the window cannot open here, or None. Qt itself would abort the
    process with a message about reinstalling, which helps nobody.

    Examples
    --------
    >>> _missing_display({}, "linux").startswith("there is no display")
    True
    >>> _missing_display({"DISPLAY": ":0"}, "linux") is None
    True
    """
    if not platform.startswith("linux"):
        return None
    if any(environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    commands = ", ".join(SUBCOMMANDS)
    return (
        "there is no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
        f"Run it in a desktop session, or use a headless command: {commands}."
    )


def _gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="image-editor",
        description="Open the image editor. Sub-commands for headless use: " + ", ".join(SUBCOMMANDS),
    )
    parser.add_argument("images", nargs="*", help="image files to open (the sample photo if none)")
    args = parser.parse_args(argv)
    missing = _missing_display()
    if missing:
        print(f"image-editor: {missing}", file=sys.stderr)
        return 1
    try:
        app = importlib.import_module("ui.app")
    except ImportError as exc:
        print(f"image-editor: the window cannot start because Qt is missing or broken: {exc}", file=sys.stderr)
        return 1
    return app.run(args.images)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``image-editor`` and ``python -m editor``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        try:
            return _headless(argv)
        except BrokenPipeError:
            # Output piped into `head` and the like: stop quietly, as cat does.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    return _gui(argv)
