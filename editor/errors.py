"""Errors the editor reports to people: each message is meant to be shown as is."""
from __future__ import annotations


class EditorError(Exception):
    """Base of every error with a message fit for a dialog or the terminal."""


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
