"""Preferences: the settings store, and a dialog for the limits people may change.

Everything the editor remembers between sessions (recent files, window
layout, last folders, export settings, these preferences) lives in one
:class:`QSettings`, made by :func:`settings`. Setting the environment
variable ``IMAGE_EDITOR_SETTINGS`` to a file path puts it in that INI file
instead of the user's configuration; tests do that so they never touch it.
"""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from editor.image_file import default_max_pixels
from editor.render_cache import default_budget_bytes
from editor.memory_guard import set_ceiling
from editor.threads import set_thread_count

__all__ = ["SETTINGS_ENV", "settings", "Preferences", "PreferencesDialog"]

SETTINGS_ENV = "IMAGE_EDITOR_SETTINGS"
_MiB = 1024 * 1024


def settings() -> QSettings:
    """The editor's settings store (see the module docstring)."""
    path = os.environ.get(SETTINGS_ENV)
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings()


def _number(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


class Preferences:
    """Typed access to the preferences in a settings store.

    Parameters
    ----------
    store : QSettings, optional
        Defaults to :func:`settings`.
    """

    MAX_MEGAPIXELS = "preferences/max_megapixels"
    CACHE_MB = "preferences/cache_budget_mb"
    THREADS = "preferences/threads"
    MAX_THREADS = 1024
    MEMORY_LIMIT_MB = "preferences/memory_limit_mb"

    def __init__(self, store: QSettings | None = None):
        self.store = store if store is not None else settings()
        # The thread count and the memory ceiling are process-wide: reading
        # the preferences applies them.
        self.apply_threads()
        self.apply_memory_limit()

    @staticmethod
    def default_max_megapixels() -> float:
        """Pillow's decompression-bomb limit, in megapixels (about 89.5)."""
        return round(default_max_pixels() / 1e6, 1)

    @staticmethod
    def default_cache_mb() -> int:
        return default_budget_bytes() // _MiB

    @property
    def max_megapixels(self) -> float:
        """Largest image that opens, in megapixels."""
        return _number(self.store.value(self.MAX_MEGAPIXELS), self.default_max_megapixels())

    @max_megapixels.setter
    def max_megapixels(self, value: float) -> None:
        self.store.setValue(self.MAX_MEGAPIXELS, float(value))

    @property
    def max_pixels(self) -> int:
        """The same limit in pixels, for :func:`editor.image_file.load_image`."""
        return max(1, int(round(self.max_megapixels * 1e6)))

    @property
    def cache_budget_mb(self) -> int:
        """Memory for cached intermediate renders, in MiB."""
        return int(_number(self.store.value(self.CACHE_MB), self.default_cache_mb()))

    @cache_budget_mb.setter
    def cache_budget_mb(self, value: int) -> None:
        self.store.setValue(self.CACHE_MB, int(value))

    @property
    def cache_budget_bytes(self) -> int:
        return self.cache_budget_mb * _MiB

    @property
    def threads(self) -> int:
        """Threads to compute on; 0 (the default) means all cores."""
        try:
            value = int(self.store.value(self.THREADS, 0))
        except (TypeError, ValueError):
            return 0
        return value if 0 <= value <= self.MAX_THREADS else 0

    @threads.setter
    def threads(self, value: int) -> None:
        self.store.setValue(self.THREADS, int(value))

    def apply_threads(self) -> int:
        """Make processing use :attr:`threads`; returns the number in use."""
        return set_thread_count(self.threads)

    @property
    def memory_limit_mb(self) -> int:
        """Most memory an operation or a load may ask for, in MiB; 0 (the
        default) leaves it to the free memory (or IMAGE_EDITOR_MEMORY_LIMIT)."""
        return max(0, int(_number(self.store.value(self.MEMORY_LIMIT_MB), 0)))

    @memory_limit_mb.setter
    def memory_limit_mb(self, value: int) -> None:
        self.store.setValue(self.MEMORY_LIMIT_MB, int(value))

    def apply_memory_limit(self) -> int | None:
        """Give the memory guard :attr:`memory_limit_mb` as its ceiling."""
        megabytes = self.memory_limit_mb
        set_ceiling(megabytes * _MiB if megabytes > 0 else None)
        return megabytes or None


class PreferencesDialog(QDialog):
    """Maximum image size, render cache budget and threads; saved when accepted.

    Parameters
    ----------
    preferences : Preferences
        Where the values are read from and written to.
    parent : QWidget, optional
    """

    def __init__(self, preferences: Preferences, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.preferences = preferences

        self.max_megapixels = QDoubleSpinBox()
        self.max_megapixels.setRange(1.0, 100000.0)
        self.max_megapixels.setDecimals(1)
        self.max_megapixels.setSuffix(" MP")
        self.max_megapixels.setValue(preferences.max_megapixels)
        self.max_megapixels.setToolTip(
            "Images with more pixels than this are refused: a small, malicious file can expand to "
            f"gigabytes (a \u201cdecompression bomb\u201d). Default {Preferences.default_max_megapixels():g} MP."
        )
        self.cache_mb = QSpinBox()
        self.cache_mb.setRange(64, 1024 * 1024)
        self.cache_mb.setSingleStep(256)
        self.cache_mb.setSuffix(" MB")
        self.cache_mb.setValue(preferences.cache_budget_mb)
        self.cache_mb.setToolTip(
            "Memory for intermediate results, so re-editing a step re-renders from that step only. "
            f"Default {Preferences.default_cache_mb()} MB (a quarter of the memory, at most 4 GB)."
        )

        self.threads = QSpinBox()
        self.threads.setRange(0, Preferences.MAX_THREADS)
        self.threads.setSpecialValueText("All cores")
        self.threads.setValue(preferences.threads)
        self.threads.setToolTip(
            "How many processor cores filters and other operations use at once. "
            "Fewer leaves the computer more responsive for other work while an image renders."
        )

        form = QFormLayout()
        form.addRow("Maximum image size:", self.max_megapixels)
        form.addRow("Render cache:", self.cache_mb)
        form.addRow("Threads:", self.threads)
        self.memory_limit = QSpinBox()
        self.memory_limit.setRange(0, 1024 * 1024)
        self.memory_limit.setSingleStep(1024)
        self.memory_limit.setSuffix(" MB")
        self.memory_limit.setSpecialValueText("Free memory")
        self.memory_limit.setValue(preferences.memory_limit_mb)
        self.memory_limit.setToolTip(
            "An operation or an image that would need more memory than this is refused with a message "
            "instead of slowing the computer down. By default, the memory that is free decides."
        )
        form.addRow("Memory limit:", self.memory_limit)
        note = QLabel("The image size limit applies to the next image opened.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def restore_defaults(self) -> None:
        self.max_megapixels.setValue(Preferences.default_max_megapixels())
        self.cache_mb.setValue(Preferences.default_cache_mb())
        self.threads.setValue(0)
        self.memory_limit.setValue(0)

    def accept(self) -> None:
        self.preferences.max_megapixels = self.max_megapixels.value()
        self.preferences.cache_budget_mb = self.cache_mb.value()
        self.preferences.threads = self.threads.value()
        self.preferences.apply_threads()
        self.preferences.memory_limit_mb = self.memory_limit.value()
        self.preferences.apply_memory_limit()
        self.preferences.store.sync()
        super().accept()
