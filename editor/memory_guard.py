"""Memory guard: estimate an allocation before making it, and refuse one that cannot fit.

An 8x enlargement of a 2900 x 2900 RGBA photo needs 8.6 GB as float32 for
its output alone; a machine without that much free memory would raise a raw
``MemoryError`` deep in NumPy or, worse, be killed by the system with the
person's work. The editor asks first: every operation (through its catalog
entry's :meth:`~editor.operations.Operation.output_shape`), every image load
and every mask decode estimates its bytes (output plus working buffers) and
calls :func:`check_allocation`, which raises :class:`MemoryLimitError` with a
message when the estimate exceeds the limit.

The limit is the smaller of

- the memory available now (``MemAvailable`` in ``/proc/meminfo`` on Linux;
  no such limit where the system does not say), and
- a ceiling set by the ``IMAGE_EDITOR_MEMORY_LIMIT`` environment variable
  (``"2G"``, ``"512M"``, ``"300000000"``) or by the editor's setting
  (:func:`set_ceiling`), whichever is set; the setting wins.
"""
from __future__ import annotations

import os
import re
import threading
from typing import Sequence

from .errors import EditorError

__all__ = [
    "ENV_VAR",
    "MemoryLimitError",
    "available_bytes",
    "ceiling_bytes",
    "set_ceiling",
    "limit_bytes",
    "parse_size",
    "format_bytes",
    "image_bytes",
    "check_allocation",
    "shape_text",
    "float_image_shape",
]

ENV_VAR = "IMAGE_EDITOR_MEMORY_LIMIT"
_MEMINFO = "/proc/meminfo"
_lock = threading.Lock()
_setting: int | None = None


class MemoryLimitError(EditorError, MemoryError):
    """An operation or a load would need more memory than it may use; nothing was allocated.

    Attributes
    ----------
    needed, limit : int
        Bytes the work would need, and bytes it may use.
    """

    def __init__(self, message: str, needed: int, limit: int):
        super().__init__(message)
        self.needed = needed
        self.limit = limit


def parse_size(text: str) -> int:
    """Bytes from a size such as ``"2G"``, ``"512 MB"``, ``"1.5GiB"`` or ``"300000"``.

    Units are powers of 1024 (K, M, G, T, with or without B or iB).

    Examples
    --------
    >>> parse_size("2G"), parse_size("512 MB"), parse_size("1000")
    (2147483648, 536870912, 1000)
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?)(?:i?b)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"a memory size is a number with an optional unit K, M, G or T, got {text!r}")
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgt".index(unit or " "))


def format_bytes(n: float) -> str:
    """A byte count for people.

    Examples
    --------
    >>> format_bytes(8_611_840_000), format_bytes(3_500_000), format_bytes(512)
    ('8.6 GB', '3.5 MB', '512 bytes')
    >>> format_bytes(10 ** 40)
    'more than a million terabytes'
    """
    if n >= 1e18:
        return "more than a million terabytes"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} bytes"


def available_bytes(meminfo: str = _MEMINFO) -> int | None:
    """Memory the system says is available now (``MemAvailable``), or None if it does not say."""
    try:
        with open(meminfo, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # the kernel writes kB, meaning KiB
    except (OSError, ValueError, IndexError):
        return None
    return None


def set_ceiling(nbytes: int | None) -> None:
    """The editor's own memory ceiling in bytes (None: the environment's, or none)."""
    global _setting
    if nbytes is not None and (isinstance(nbytes, bool) or not isinstance(nbytes, int) or nbytes <= 0):
        raise ValueError(f"the memory ceiling must be a positive number of bytes, got {nbytes!r}")
    with _lock:
        _setting = nbytes


def ceiling_bytes(environ=os.environ) -> int | None:
    """The configured ceiling: the editor's setting, else ``IMAGE_EDITOR_MEMORY_LIMIT``, else None.

    An unreadable environment value is ignored rather than stopping every operation.
    """
    with _lock:
        if _setting is not None:
            return _setting
    text = environ.get(ENV_VAR)
    if not text:
        return None
    try:
        value = parse_size(text)
    except ValueError:
        return None
    return value if value > 0 else None


def limit_bytes() -> tuple[int | None, str]:
    """(bytes an allocation may take, what sets that limit), or (None, "") when nothing does."""
    available = available_bytes()
    ceiling = ceiling_bytes()
    if ceiling is not None and (available is None or ceiling <= available):
        return ceiling, "the editor's memory limit"
    if available is not None:
        return available, "the memory available"
    return None, ""


def image_bytes(shape: Sequence[int], itemsize: int = 4) -> int:
    """Bytes of an array of ``shape`` (any size; Python ints never overflow).

    Examples
    --------
    >>> image_bytes((23200, 23200, 4))
    8611840000
    """
    count = 1
    for n in shape:
        count *= max(0, int(n))
    return count * itemsize


def check_allocation(nbytes: int, what: str) -> None:
    """Raise :class:`MemoryLimitError` if ``nbytes`` exceed the limit (see the module docstring).

    Parameters
    ----------
    nbytes : int
        Estimated bytes (output plus working buffers).
    what : str
        What needs them, as the start of a sentence: "Resize of this
        2900 x 2900 image".

    Examples
    --------
    >>> set_ceiling(1_000_000)
    >>> check_allocation(4_000_000, "This resize")
    Traceback (most recent call last):
    ...
    editor.memory_guard.MemoryLimitError: This resize would need about 4.0 MB of memory, more than the editor's memory limit (1.0 MB). Nothing was changed.
    >>> set_ceiling(None)
    """
    limit, source = limit_bytes()
    if limit is None or nbytes <= limit:
        return
    raise MemoryLimitError(
        f"{what} would need about {format_bytes(nbytes)} of memory, more than {source} "
        f"({format_bytes(limit)}). Nothing was changed.",
        int(nbytes), int(limit),
    )


def shape_text(shape: Sequence[int]) -> str:
    """``"2900 x 2900"`` for an image shape.

    Examples
    --------
    >>> shape_text((2900, 2000, 4))
    '2000 x 2900'
    """
    return f"{shape[1]} x {shape[0]}"


def float_image_shape(height: int, width: int, channels: int) -> tuple[int, ...]:
    """The editor's float32 image shape for a file of ``channels`` bands."""
    return (height, width) if channels == 1 else (height, width, 4 if channels in (2, 4) else 3)

