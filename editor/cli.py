"""The ``image-editor`` command.

With no arguments or with image paths it opens the editor window. Headless
sub-commands (``ops``, ...) run without Qt: the GUI package is imported by
name only when a window is wanted, so the core never depends on it.
"""
from __future__ import annotations

import argparse
import importlib
import os
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
    """What ``apply`` says while it works.

    One line per file, with the time it took: ``ok`` lines on stdout,
    ``FAILED`` lines on stderr. On a terminal, a line "processing NAME
    (W x H)..." also stands on stderr while a file is being worked on (a
    big photo can take seconds), and the file's own line replaces it.
    """

    def __init__(self, out, err):
        self.out, self.err = out, err
        self.live = _is_terminal(err)
        self.showing = 0

    def start(self, name: str, size: tuple[int, int]) -> None:
        if not self.live:
            return
        self._clear()
        line = f"processing {name} ({size[0]} x {size[1]})..."
        self.err.write(line)
        self.err.flush()
        self.showing = len(line)

    def result(self, result) -> None:
        self._clear()
        if result.ok:
            print(f"ok      {result.input} -> {result.output}  ({_duration(result.seconds)})", file=self.out, flush=True)
        else:
            print(f"FAILED  {result.input}: {result.error}", file=self.err, flush=True)

    def _clear(self) -> None:
        if self.showing:
            self.err.write("\r" + " " * self.showing + "\r")
            self.err.flush()
            self.showing = 0


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _cmd_apply(args: argparse.Namespace) -> int:
    """Apply a recipe to image files; 0 if all succeeded, 1 if any failed."""
    import time

    from .batch import apply_recipe
    from .recipe import load_recipe

    steps = load_recipe(args.recipe)
    if args.outdir is not None and not args.outdir.is_dir():
        print(f"image-editor: output folder {args.outdir} does not exist", file=sys.stderr)
        return 2
    if not 1 <= args.quality <= 100:
        print(f"image-editor: --quality must be between 1 and 100, got {args.quality}", file=sys.stderr)
        return 2
    if args.jobs < 0:
        print(f"image-editor: --jobs must be 0 (one per core) or more, got {args.jobs}", file=sys.stderr)
        return 2
    jobs = args.jobs
    if jobs == 0:
        from processing._parallel import workers

        jobs = workers()

    report = _ApplyReport(sys.stdout, sys.stderr)
    started = time.perf_counter()
    results = apply_recipe(
        steps,
        args.inputs,
        outdir=args.outdir,
        suffix=args.suffix,
        format=args.format,
        overwrite=args.overwrite,
        quality=args.quality,
        keep_metadata=not args.strip_metadata,
        on_result=report.result,
        on_start=report.start,
        jobs=jobs,
    )
    failed = sum(not r.ok for r in results)
    print(f"{len(results) - failed} written, {failed} failed in {_duration(time.perf_counter() - started)}")
    return 1 if failed else 0


def _apply_parser(sub: argparse._SubParsersAction) -> None:
    from pathlib import Path

    from .image_file import FORMATS_BY_SUFFIX

    formats = sorted({suffix.lstrip(".") for suffix in FORMATS_BY_SUFFIX})
    parser = sub.add_parser(
        "apply",
        help="apply a recipe to image files, headless",
        description="Apply a recipe's steps to each input and write <name><suffix>.<ext>. "
        "A file that fails is reported and the others go on; the exit code is 1 if any failed. "
        "Input files are never overwritten.",
    )
    parser.add_argument("recipe", help="recipe file (JSON, from Export Recipe)")
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="image files to process")
    parser.add_argument("-o", "--outdir", type=Path, help="folder for the results (default: beside each input)")
    parser.add_argument("--suffix", default="-edited", help="added to each file name (default: %(default)s)")
    parser.add_argument("--format", choices=formats, help="output format (default: the input's, or png)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing output files")
    parser.add_argument("--quality", type=int, default=92, help="JPEG/WebP quality 1-100 (default: %(default)s)")
    parser.add_argument("--strip-metadata", action="store_true", help="do not copy EXIF and ICC profile")
    parser.add_argument(
        "-j", "--jobs", type=int, default=1,
        help="files processed at once, each in its own process, sharing the cores (0: one per core). "
        "The default, 1, gives all cores to each file in turn; more helps with many small files "
        "(default: %(default)s)",
    )
    parser.set_defaults(run=_cmd_apply)


# Sub-command name -> function adding its parser. Later sub-commands add a row.
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "ops": _ops_parser,
    "apply": _apply_parser,
    "recipe-check": _recipe_check_parser,
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
