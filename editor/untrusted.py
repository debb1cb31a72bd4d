"""The boundary for untrusted input: files and JSON checked before anything is built from them.

Every file the editor reads on a person's behalf (an image, a recipe, a
project, the source image a project names) may be damaged or hostile. The
checks here run before any big read or allocation:

- only regular files are read: a device such as ``/dev/zero`` or a named
  pipe would never end (or block), so it is refused at once;
- a JSON file's size is bounded before it is read, and its nesting depth
  as it is parsed (:func:`load_json`; :func:`check_json_depth` judges text
  without parsing it);
- a compressed payload's inflated size is bounded before inflating.

A failure raises :class:`UntrustedInputError`, an editor error whose message
says what is wrong in words fit for the user; the caller adds the file's
name and the field.
"""
from __future__ import annotations

import errno
import json
import os
import stat

import numpy as np

from .errors import EditorError

__all__ = [
    "UntrustedInputError",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_MASK_PIXELS",
    "ZLIB_MAX_RATIO",
    "special_file_reason",
    "check_regular_file",
    "open_regular",
    "read_regular_bytes",
    "check_json_depth",
    "json_depth",
    "value_depth",
    "load_json",
    "short_repr",
]

# A recipe or project is a few kilobytes; its masks, bit-packed and deflated,
# stay under a few megabytes even for a 100-megapixel image.
MAX_JSON_BYTES = 64 * 1024 * 1024
# The deepest a valid recipe or project goes is 6 (document, steps, step,
# params, a kernel's rows, a row); 32 leaves room and stays far below the
# parser's recursion limit.
MAX_JSON_DEPTH = 32
# A mask is one byte per pixel once decoded; 2**31 pixels (2 GB) is well past
# any image the editor opens by default (about 89 megapixels).
MAX_MASK_PIXELS = 1 << 31
# Deflate cannot compress better than about 1032 to 1: a payload claiming to
# inflate to more than this many times its size cannot be valid.
ZLIB_MAX_RATIO = 1032


class UntrustedInputError(EditorError):
    """A file or a value read from one was refused before use.

    Attributes
    ----------
    reason : str
        What is wrong, without the file's name (the caller adds it).
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def special_file_reason(mode: int) -> str | None:
    """Why a file of stat ``mode`` cannot be read as a document, or None for a regular file.

    Examples
    --------
    >>> import stat
    >>> special_file_reason(stat.S_IFREG | 0o644) is None
    True
    >>> special_file_reason(stat.S_IFCHR | 0o666)
    'it is a device, not a regular file'
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "it is a pipe, not a regular file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a regular file"
    return "it is not a regular file"


def check_regular_file(path: str | os.PathLike) -> os.stat_result:
    """The stat of ``path`` if it is a regular file (links followed); else raise.

    Raises
    ------
    UntrustedInputError
        For a folder, device, pipe or socket.
    OSError
        When the file cannot be looked at (missing, no permission).
    """
    info = os.stat(path)
    reason = special_file_reason(info.st_mode)
    if reason is not None:
        raise UntrustedInputError(reason)
    return info


def open_regular(path: str | os.PathLike):
    """Open ``path`` for binary reading, refusing anything but a regular file.

    The file is opened without blocking (a named pipe with no writer would
    block ``open`` forever) and checked on the open descriptor, so a file
    swapped for a device between the check and the read is still caught.

    Returns
    -------
    file object
        Opened ``"rb"``; the caller closes it.

    Raises
    ------
    UntrustedInputError
        For a device, pipe or socket.
    OSError
        Cannot be opened (missing, no permission, a folder: IsADirectoryError).

    Examples
    --------
    >>> open_regular("/dev/zero")
    Traceback (most recent call last):
    ...
    editor.untrusted.UntrustedInputError: it is a device, not a regular file
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if os.path.isdir(path):  # opening a folder read-only succeeds on POSIX
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    fd = os.open(path, flags)
    try:
        reason = special_file_reason(os.fstat(fd).st_mode)
        if reason is not None:
            raise UntrustedInputError(reason)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_bytes(path: str | os.PathLike, max_bytes: int = MAX_JSON_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes`` bytes.

    The size is checked before reading, and the read stops one byte past the
    limit in case the file grew meanwhile.

    Raises
    ------
    UntrustedInputError
        Not a regular file, or too big.
    OSError
        Cannot be read.
    """
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise UntrustedInputError(f"it is {_megabytes(size)}, more than the {_megabytes(max_bytes)} such a file may have")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UntrustedInputError(f"it is more than the {_megabytes(max_bytes)} such a file may have")
    return data


def short_repr(value, limit: int = 40) -> str:
    """``repr(value)`` cut to ``limit`` characters, for messages quoting values read from files.

    Examples
    --------
    >>> short_repr(10 ** 100)
    '1000000000000000000000000000000000000...'
    """
    try:
        text = repr(value)
    except ValueError:  # an int with more digits than Python will print
        return f"a {type(value).__name__} too long to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def json_depth(text: str | bytes) -> int:
    """Deepest nesting of brackets in JSON text, outside strings.

    Linear in the text's length and without recursion, so it can judge text
    the parser would recurse on too deeply.

    Examples
    --------
    >>> json_depth('{"a": [[1, 2], "[[[["]}')
    3
    >>> json_depth('"just a string"')
    0
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    codes = np.frombuffer(raw, np.uint8)
    if not codes.size:
        return 0
    # Strings: a quote not escaped by an odd run of backslashes toggles "inside a string".
    quote = codes == ord('"')
    backslash = (codes == ord("\\")).astype(np.int64)
    if backslash.any():
        # Length of the run of backslashes ending just before each byte.
        csum = np.cumsum(backslash)
        last_non = np.maximum.accumulate(np.where(backslash == 0, np.arange(codes.size), -1))
        before = np.empty(codes.size, np.int64)
        before[0] = 0
        # The run ending at i-1 is what was counted since the last other byte.
        idx = np.arange(1, codes.size)
        ln = last_non[idx - 1]
        before[1:] = np.where(ln >= 0, csum[idx - 1] - csum[np.maximum(ln, 0)], csum[idx - 1])
        quote &= before % 2 == 0
    inside = (np.cumsum(quote) - quote) % 2 == 1  # a quote itself counts as outside
    outside = ~inside & ~quote
    step = np.zeros(codes.size, np.int64)
    step[outside & ((codes == ord("[")) | (codes == ord("{")))] = 1
    step[outside & ((codes == ord("]")) | (codes == ord("}")))] = -1
    return int(max(0, np.cumsum(step).max()))


def value_depth(value) -> int:
    """Deepest nesting of lists and dicts in a parsed JSON value, without recursion.

    Examples
    --------
    >>> value_depth({"a": [[1, 2], "[[[["]})
    3
    """
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in item)
    return deepest


def load_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, **options):
    """``json.loads`` that refuses nesting deeper than ``max_depth``.

    The parser guards its own recursion (a RecursionError, never a crash),
    so the text is parsed first and the depth measured on the result: a
    linear walk, with no copy of the text. ``options`` go to ``json.loads``.

    Raises
    ------
    UntrustedInputError
        Nesting too deep.
    ValueError
        Not JSON (``json.JSONDecodeError``), or refused by a hook in ``options``.
    """
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise UntrustedInputError(f"it nests hundreds of levels deep; at most {max_depth} are allowed") from None
    depth = value_depth(value)
    if depth > max_depth:
        raise UntrustedInputError(f"it nests {depth} levels deep; at most {max_depth} are allowed")
    return value


def check_json_depth(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Raise :class:`UntrustedInputError` if ``text`` nests deeper than ``max_depth``.

    Examples
    --------
    >>> check_json_depth("[" * 40 + "]" * 40)
    Traceback (most recent call last):
    ...
    editor.untrusted.UntrustedInputError: it nests 40 levels deep; at most 32 are allowed
    """
    depth = json_depth(text)
    if depth > max_depth:
        raise UntrustedInputError(f"it nests {depth} levels deep; at most {max_depth} are allowed")
