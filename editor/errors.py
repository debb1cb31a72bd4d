"""Errors the editor reports to people: each message is meant to be shown as is."""
from __future__ import annotations


class EditorError(Exception):
    """Base of every error with a message fit for a dialog or the terminal."""


def read_error_reason(exc: OSError) -> str:
    """Why a file could not be read, in words fit for a message.

    Examples
    --------
    >>> read_error_reason(FileNotFoundError(2, "No such file or directory"))
    'the file does not exist'
    """
    if isinstance(exc, FileNotFoundError):
        return "the file does not exist"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc)


class ParamError(EditorError, ValueError):
    """A parameter value is missing, of the wrong type or out of range."""


class UnknownOperationError(EditorError, KeyError):
    """A step or recipe names an operation the catalog does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ImageReadError(EditorError):
    """A file could not be read as an image."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot open {self.path}: {reason}")


class ImageWriteError(EditorError):
    """An image could not be written; the target file is left as it was."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot write {self.path}: {reason}")


class RenderCancelled(EditorError):
    """A render was cancelled before it finished; nothing was changed."""
