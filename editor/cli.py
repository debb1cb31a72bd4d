"""The ``image-editor`` command.

With no arguments or with image paths it opens the editor window. Headless
sub-commands (``ops``, ...) run without Qt: the GUI package is imported by
name only when a window is wanted, so the core never depends on it.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from .catalog import CATALOG
from .errors import EditorError

__all__ = ["main", "SUBCOMMANDS"]


def _cmd_ops(args: argparse.Namespace) -> int:
    """List the operations and their parameters."""
    for category, ops in CATALOG.categories().items():
        print(f"{category}:")
        for op in ops:
            print(f"  {op.id:32s} {op.title}")
            if args.verbose:
                for p in op.params:
                    print(f"      {p.name} ({p.kind}, default {p.default!r}) {p.help}")
    return 0


def _ops_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ops", help="list the operations in the catalog")
    parser.add_argument("-v", "--verbose", action="store_true", help="show parameters too")
    parser.set_defaults(run=_cmd_ops)


# Sub-command name -> function adding its parser. Later sub-commands add a row.
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "ops": _ops_parser,
}


def _headless(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="image-editor", description="Headless image editing.")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in SUBCOMMANDS.values():
        add(sub)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except EditorError as exc:
        print(f"image-editor: {exc}", file=sys.stderr)
        return 2


def _gui(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="image-editor",
        description="Open the image editor. Sub-commands for headless use: " + ", ".join(SUBCOMMANDS),
    )
    parser.add_argument("images", nargs="*", help="image files to open (the sample photo if none)")
    args = parser.parse_args(argv)
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
        return _headless(argv)
    return _gui(argv)
