"""Putting a benchmark's Markdown sections into a results file, once.

A bench run again replaces its own section (from its ``## `` heading to the
next heading of that level) instead of adding a second copy below the first,
and keeps the sections other benches wrote.
"""
from __future__ import annotations

from pathlib import Path


def put_section(path: Path, text: str) -> None:
    """Write ``text`` (which starts with, or contains, one ``## `` heading)
    into ``path`` in place of the section with the same heading, or at the end.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.md"
    >>> _ = p.write_text("# R\\n\\n## A\\nold\\n\\n## B\\nb\\n")
    >>> put_section(p, "## A\\nnew\\n")
    >>> p.read_text()
    '# R\\n\\n## A\\nnew\\n\\n## B\\nb\\n'
    """
    text = text.strip("\n") + "\n"
    heading = next(line for line in text.splitlines() if line.startswith("## "))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    # The first copy of the section is replaced; later copies (left by older
    # runs that appended) are dropped.
    out, skipping, placed = [], False, False
    for line in lines:
        if line.startswith("## "):
            skipping = line.rstrip("\n") == heading
            if skipping and not placed:
                out.append(text + "\n")
                placed = True
        if not skipping:
            out.append(line)
    body = "".join(out).rstrip("\n")
    path.write_text(body + "\n" if placed else body + "\n\n" + text, encoding="utf-8")


def write_keeping_others(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, then the sections of the old file whose
    ``## `` headings ``text`` does not have, in their old order: a full run
    of one bench does not wipe what the others (and the notes) put there.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.md"
    >>> _ = p.write_text("# R\\n\\n## A\\nold\\n\\n## B\\nb\\n")
    >>> write_keeping_others(p, "# R\\n\\n## A\\nnew\\n")
    >>> p.read_text()
    '# R\\n\\n## A\\nnew\\n\\n## B\\nb\\n'
    """
    text = text.rstrip("\n") + "\n"
    old = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []
    ours = {line.rstrip("\n") for line in text.splitlines() if line.startswith("## ")}
    kept, keep = [], False
    for line in old:
        if line.startswith("## "):
            keep = line.rstrip("\n") not in ours
        if keep:
            kept.append(line)
    tail = "".join(kept).rstrip("\n")
    path.write_text(text + ("\n" + tail + "\n" if tail else ""), encoding="utf-8")
