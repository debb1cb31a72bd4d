"""Atomic file writes: a temporary file in the target folder, then a rename.

A failed write (disk full, no permission, a folder that vanished, an
exception while encoding) leaves the previous file exactly as it was and no
temporary file behind. A write killed outright leaves its temporary file;
the next write into that folder removes it once it is stale
(:func:`remove_stale_temporaries`).

The file written has the mode any program's new file would have: 0666 less
the process's umask (0644 or 0664 usually), so others can read an export
the user shares. A file that is replaced keeps its mode, and its owner and
group where the process may set them (as root, or a group the user is in),
as an editor saving over a file is expected to.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import BinaryIO, Iterator

from .errors import EditorError

__all__ = ["atomic_write", "atomic_write_bytes", "WriteError", "remove_stale_temporaries", "STALE_AFTER_SECONDS"]

_NEW_FILE_MODE = 0o666  # less the umask, applied by the system as for any new file
_TRIES = 100
# The writer's own temporary names: "." + target name + "." + 8 hex digits + ".tmp".
_TEMPORARY_NAME = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")
# A write in progress touches its file continuously; one untouched this long was killed.
STALE_AFTER_SECONDS = 15 * 60


class WriteError(EditorError):
    """A file could not be written; the target is left as it was."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot write {self.path}: {reason}")


_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EROFS: "the disk is read-only",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file is too large for this disk",
    errno.EIO: "the disk reported an input/output error",
}


def _reason(exc: OSError) -> str:
    """Why a write failed, in words for people; the previous file is intact (said by the caller)."""
    if isinstance(exc, FileNotFoundError):
        return "the folder does not exist (was it removed or the disk disconnected?)"
    if isinstance(exc, PermissionError):
        return "permission denied: the folder or file is read-only for you"
    if exc.errno in _REASONS:  # the system's own words after ours, as people search for them
        return f"{_REASONS[exc.errno]} ({exc.strerror})" if exc.strerror else _REASONS[exc.errno]
    return exc.strerror or str(exc)


def _create_temporary(path: Path) -> tuple[BinaryIO, str]:
    """A new, empty file beside ``path`` with the mode ``path`` will have.

    Returns the open file and its name. A new target gets 0666 less the
    umask from the system itself (reading the umask is not thread-safe); a
    replaced target's mode, owner and group are copied before any byte is
    written, so the content is never more exposed than the old file was.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        old = os.stat(path)
    except OSError:
        old = None
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(_TRIES):
        name = str(folder / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(name, flags, 0o600 if old is not None else _NEW_FILE_MODE)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 random names all taken
        raise FileExistsError(f"no free temporary file name in {folder}")
    try:
        if old is not None:
            if hasattr(os, "fchown"):
                with contextlib.suppress(OSError):  # only root, or a group the user is in, may
                    os.fchown(fd, old.st_uid, old.st_gid)
            os.chmod(name, stat.S_IMODE(old.st_mode))  # after chown, which may clear set-id bits
        handle = os.fdopen(fd, "w+b")
        # As open(name) would: encoders (tifffile) use the file's name as a path.
        handle.raw.name = name
        return handle, name
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def remove_stale_temporaries(folder: str | os.PathLike, *, older_than: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove this writer's temporary files left in ``folder`` by writes that were killed.

    A write killed outright (SIGKILL, power cut) cannot remove its temporary
    file. Only files named as :func:`atomic_write` names them, regular (not
    links), owned by this user and not modified for ``older_than`` seconds
    are removed, so a write in progress in another process is left alone.
    Best effort: a file that cannot be removed is skipped.

    Returns
    -------
    list of Path
        The files removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> left = folder / ".photo.png.0123abcd.tmp"
    >>> _ = left.write_bytes(b"half")
    >>> os.utime(left, (0, 0))  # untouched since 1970
    >>> [p.name for p in remove_stale_temporaries(folder)]
    ['.photo.png.0123abcd.tmp']
    """
    removed: list[Path] = []
    limit = time.time() - older_than
    uid = os.getuid() if hasattr(os, "getuid") else None
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMPORARY_NAME.match(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or info.st_mtime > limit:
                continue
            if uid is not None and info.st_uid != uid:
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary binary file that replaces ``path`` when the block ends.

    If the block raises, the temporary file is removed and ``path`` is
    untouched; OSErrors are reported as :class:`WriteError`. The file is
    open for reading too (an encoder may read back what it wrote).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_write(target) as f:
    ...     _ = f.write(b"hello")
    >>> target.read_bytes()
    b'hello'
    """
    path = Path(path)
    remove_stale_temporaries(path.parent if str(path.parent) else ".")  # left by earlier writes that were killed
    try:
        handle, tmp_name = _create_temporary(path)
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        raise WriteError(path, _reason(exc)) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    with atomic_write(path) as handle:
        handle.write(data)
