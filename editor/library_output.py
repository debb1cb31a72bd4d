"""Library chatter kept off the terminal: warnings and C-level messages go to the log.

Pillow (``UserWarning``, ``DecompressionBombWarning``), NumPy
(``RuntimeWarning``) and C decoders such as libtiff (which write straight to
the process's standard error) all talk while the editor works on a damaged or
odd file. The command line reports one line per problem, in its own words;
what the libraries said is worth keeping for a bug report, not for the
person reading the terminal. :func:`library_output_to_log` sends all of it
to the ``image_editor.library`` logger, which writes to the file named by the
``IMAGE_EDITOR_LOG`` environment variable when it is set, and nowhere
otherwise.
"""
from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from typing import Iterator

__all__ = ["LOGGER_NAME", "LOG_ENV_VAR", "library_output_to_log", "configure_log"]

LOGGER_NAME = "image_editor.library"
LOG_ENV_VAR = "IMAGE_EDITOR_LOG"

_log = logging.getLogger(LOGGER_NAME)
_log.propagate = False  # never reaches logging's last-resort handler, which prints to stderr
_log.setLevel(logging.INFO)


def configure_log(environ=os.environ) -> None:
    """Send the library log to the file ``IMAGE_EDITOR_LOG`` names (once), or drop it."""
    if _log.handlers:
        return
    target = environ.get(LOG_ENV_VAR)
    handler: logging.Handler = logging.NullHandler()
    if target:
        try:
            handler = logging.FileHandler(target, encoding="utf-8", delay=True)
        except OSError:
            handler = logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    _log.addHandler(handler)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    _log.info("%s: %s (%s:%s)", category.__name__, message, filename, lineno)


@contextlib.contextmanager
def library_output_to_log() -> Iterator[None]:
    """Within the block, warnings and whatever C code writes to file descriptor 2 go to the log.

    Python code keeps writing to the real standard error through
    ``sys.stderr``, which is pointed at a copy of the original descriptor, so
    the editor's own messages still reach the terminal. Child processes
    started in the block inherit descriptor 2, so their library messages are
    logged too.
    """
    configure_log()
    saved_show = warnings.showwarning
    saved_stderr = sys.stderr
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):
        pass
    redirected = None
    original_fd = None
    try:
        if saved_stderr is None or saved_stderr.fileno() != 2:
            raise ValueError("sys.stderr is not descriptor 2")  # captured by a caller: leave it be
        original_fd = os.dup(2)
        redirected = tempfile.TemporaryFile()
        os.dup2(redirected.fileno(), 2)
        encoding = getattr(saved_stderr, "encoding", None) or "utf-8"
        sys.stderr = os.fdopen(os.dup(original_fd), "w", buffering=1, encoding=encoding, errors="backslashreplace")
    except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
        # No descriptor 2 of ours (stderr captured, an embedded interpreter): warnings are still logged.
        if original_fd is not None:
            with contextlib.suppress(OSError):
                os.dup2(original_fd, 2)
                os.close(original_fd)
            original_fd = None
        if redirected is not None:
            redirected.close()
            redirected = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _log_warning  # catch_warnings restores the previous one on exit
            yield
    finally:
        warnings.showwarning = saved_show
        if original_fd is not None:
            replaced = sys.stderr
            sys.stderr = saved_stderr
            with contextlib.suppress(OSError, ValueError):
                replaced.flush()
                replaced.close()
            os.dup2(original_fd, 2)
            os.close(original_fd)
        if redirected is not None:
            with redirected:
                redirected.seek(0)
                text = redirected.read().decode("utf-8", "backslashreplace").strip()
            for line in text.splitlines():
                if line.strip():
                    _log.info("stderr: %s", line)
