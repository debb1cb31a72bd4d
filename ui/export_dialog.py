"""The Export As dialog: where, which format, and how, as one ExportOptions.

The dialog only gathers settings: :meth:`ExportDialog.settings` gives the
target path and an :class:`editor.image_file.ExportOptions`, the same object
the command line builds, and the caller writes the file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
)

from editor.image_file import (
    EXPORT_FORMATS,
    FORMATS_BY_SUFFIX,
    JPEG_SUBSAMPLING,
    METADATA_POLICIES,
    TIFF_COMPRESSIONS,
    ExportOptions,
    ImageInfo,
    estimate_size,
)

__all__ = ["ExportDialog", "format_size", "file_filter"]

METADATA_TITLES = {"all": "Keep all", "no_gps": "Remove location (GPS)", "none": "Remove all"}
TIFF_TITLES = {"none": "None", "lzw": "LZW", "deflate": "Deflate (ZIP)", "packbits": "PackBits"}
SUBSAMPLING_TITLES = {
    "4:4:4": "4:4:4 (best colour)",
    "4:2:2": "4:2:2",
    "4:2:0": "4:2:0 (smallest)",
}
ESTIMATE_DELAY_MS = 250


def format_size(size: int) -> str:
    """A byte count for people: "812 KB", "3.4 MB".

    Examples
    --------
    >>> format_size(812_345), format_size(3_400_000), format_size(900)
    ('812 KB', '3.4 MB', '900 bytes')
    """
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"


def file_filter(selected: str | None = None) -> tuple[str, str]:
    """The save dialog's filter list, and the entry for format ``selected``."""
    entries = {
        name: f"{info.title} (" + " ".join(f"*{s}" for s in info.suffixes) + ")"
        for name, info in EXPORT_FORMATS.items()
    }
    return ";;".join(entries.values()), entries.get(selected or "", "")


class ExportDialog(QDialog):
    """Format and options for an export, with a live size estimate.

    Parameters
    ----------
    parent : QWidget, optional
    path : str
        The suggested target file.
    options : ExportOptions
        Starting values (the last export's, usually).
    info : ImageInfo, optional
        The source's metadata: its bit depth picks the default depth, and
        metadata options are offered only when there is something to keep.
    pixels : callable, optional
        Returns the image to export (float32); called once, when the first
        size estimate is made. No estimate without it.
    recipe_available : bool
        Whether the processing log can be embedded.
    """

    def __init__(
        self,
        parent=None,
        *,
        path: str,
        options: ExportOptions | None = None,
        info: ImageInfo | None = None,
        pixels: Callable[[], np.ndarray] | None = None,
        recipe_available: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle("Export Image")
        self.info = info or ImageInfo()
        self._pixels_source = pixels
        self._pixels: np.ndarray | None = None
        self._confirmed_path: str | None = None
        self._syncing = False
        options = options or ExportOptions()

        # Where
        self.path_edit = QLineEdit(path)
        self.browse_button = QPushButton("Browse\u2026")
        self.browse_button.clicked.connect(self.browse)
        where = QHBoxLayout()
        where.addWidget(self.path_edit, 1)
        where.addWidget(self.browse_button)

        # Format and its options
        self.format_combo = QComboBox()
        for name, fmt in EXPORT_FORMATS.items():
            self.format_combo.addItem(fmt.title, name)
        self.quality_slider = QSlider(Qt.Orientation.Horizontal)
        self.quality_slider.setRange(1, 100)
        self.quality_spin = QSpinBox()
        self.quality_spin.setRange(1, 100)
        self.quality_slider.valueChanged.connect(self.quality_spin.setValue)
        self.quality_spin.valueChanged.connect(self.quality_slider.setValue)
        self.subsampling_combo = QComboBox()
        for value in JPEG_SUBSAMPLING:
            self.subsampling_combo.addItem(SUBSAMPLING_TITLES[value], value)
        self.png_level_spin = QSpinBox()
        self.png_level_spin.setRange(0, 9)
        self.png_level_spin.setToolTip("0 writes fastest, 9 smallest; the pixels are the same")
        self.webp_lossless_check = QCheckBox("Lossless")
        self.webp_quality_spin = QSpinBox()
        self.webp_quality_spin.setRange(1, 100)
        self.tiff_combo = QComboBox()
        for value in TIFF_COMPRESSIONS:
            self.tiff_combo.addItem(TIFF_TITLES[value], value)

        self.pages = QStackedWidget()
        self._page_index: dict[str, int] = {}
        jpeg_quality = QHBoxLayout()
        jpeg_quality.addWidget(self.quality_slider, 1)
        jpeg_quality.addWidget(self.quality_spin)
        self._add_page("JPEG", [("Quality:", jpeg_quality), ("Chroma subsampling:", self.subsampling_combo)])
        self._add_page("PNG", [("Compression level:", self.png_level_spin)])
        self._add_page("WEBP", [("", self.webp_lossless_check), ("Quality:", self.webp_quality_spin)])
        self._add_page("TIFF", [("Compression:", self.tiff_combo)])
        self._add_page("BMP", [("", QLabel("No options: uncompressed, 8 bits, no metadata, no transparency."))])

        self.depth_combo = QComboBox()
        self.depth_combo.addItem("8 bits per channel", 8)
        self.depth_combo.addItem("16 bits per channel", 16)
        self.metadata_combo = QComboBox()
        for value in METADATA_POLICIES:
            self.metadata_combo.addItem(METADATA_TITLES[value], value)
        self.metadata_combo.setToolTip("EXIF (camera, date, location), XMP and text carried from the source")
        self.icc_check = QCheckBox("Embed the colour profile")
        self.recipe_check = QCheckBox("Embed the processing log (how this image was made)")
        self.recipe_check.setEnabled(recipe_available)
        if not recipe_available:
            self.recipe_check.setToolTip("There is no processing log for this image")
        self.estimate_label = QLabel()

        form = QFormLayout()
        form.addRow("File:", where)
        form.addRow("Format:", self.format_combo)
        form.addRow(self.pages)
        form.addRow("Bit depth:", self.depth_combo)
        form.addRow("Metadata:", self.metadata_combo)
        form.addRow("", self.icc_check)
        form.addRow("", self.recipe_check)
        form.addRow("Estimated size:", self.estimate_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self._estimate_timer = QTimer(self, singleShot=True, interval=ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self.update_estimate)
        self.set_settings(path, options)
        self.path_edit.textEdited.connect(self._path_edited)
        self.format_combo.currentIndexChanged.connect(self._format_chosen)
        for signal in (
            self.quality_spin.valueChanged, self.subsampling_combo.currentIndexChanged,
            self.png_level_spin.valueChanged, self.webp_lossless_check.toggled, self.webp_quality_spin.valueChanged,
            self.tiff_combo.currentIndexChanged, self.depth_combo.currentIndexChanged,
            self.metadata_combo.currentIndexChanged, self.icc_check.toggled, self.recipe_check.toggled,
        ):
            signal.connect(self._changed)

    def _add_page(self, name: str, rows) -> None:
        page = QGroupBox(f"{EXPORT_FORMATS[name].title} options")
        form = QFormLayout(page)
        for label, item in rows:
            form.addRow(label, item)
        self._page_index[name] = self.pages.addWidget(page)

    # -- settings in and out ------------------------------------------------------------
    def set_settings(self, path: str, options: ExportOptions) -> None:
        """Show ``path`` and ``options`` in the widgets."""
        self._syncing = True
        try:
            self.path_edit.setText(str(path))
            try:
                fmt = options.resolve_format(path)
            except ValueError:
                fmt = "PNG"
            self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
            self.quality_spin.setValue(options.quality)
            self.webp_quality_spin.setValue(options.quality)
            self.subsampling_combo.setCurrentIndex(self.subsampling_combo.findData(options.subsampling))
            self.png_level_spin.setValue(options.png_compress_level)
            self.webp_lossless_check.setChecked(options.webp_lossless)
            self.tiff_combo.setCurrentIndex(self.tiff_combo.findData(options.tiff_compression))
            self.metadata_combo.setCurrentIndex(self.metadata_combo.findData(options.metadata))
            self.icc_check.setChecked(options.keep_icc)
            self.recipe_check.setChecked(options.embed_recipe and self.recipe_check.isEnabled())
            self._requested_depth = options.bit_depth
        finally:
            self._syncing = False
        self._format_shown(fmt)

    def format(self) -> str:
        return self.format_combo.currentData()

    def path(self) -> str:
        return self.path_edit.text().strip()

    def options(self) -> ExportOptions:
        """The options the widgets show.

        The bit depth is None (the default for the source and format) unless
        it was chosen, so it is not carried to images it does not suit.
        """
        fmt = self.format()
        quality = self.webp_quality_spin.value() if fmt == "WEBP" else self.quality_spin.value()
        return ExportOptions(
            format=fmt,
            quality=quality,
            subsampling=self.subsampling_combo.currentData(),
            png_compress_level=self.png_level_spin.value(),
            webp_lossless=self.webp_lossless_check.isChecked(),
            tiff_compression=self.tiff_combo.currentData(),
            bit_depth=self._requested_depth if self.depth_combo.isEnabled() else None,
            metadata=self.metadata_combo.currentData(),
            keep_icc=self.icc_check.isChecked(),
            embed_recipe=self.recipe_check.isChecked(),
        )

    def settings(self) -> tuple[str, ExportOptions]:
        """(path, options) as the widgets show them."""
        return self.path(), self.options()

    # -- keeping widgets consistent ----------------------------------------------------------
    def _path_edited(self, text: str) -> None:
        fmt = FORMATS_BY_SUFFIX.get(Path(text).suffix.lower())
        if fmt is not None and fmt != self.format():
            self._syncing = True
            self.format_combo.setCurrentIndex(self.format_combo.findData(fmt))
            self._syncing = False
            self._format_shown(fmt)
        self._changed()

    def _format_chosen(self, _index: int) -> None:
        if self._syncing:
            return
        fmt = self.format()
        path = Path(self.path()) if self.path() else None
        if path is not None and FORMATS_BY_SUFFIX.get(path.suffix.lower()) != fmt:
            self.path_edit.setText(str(path.with_suffix(EXPORT_FORMATS[fmt].suffixes[0])))
        self._format_shown(fmt)
        self._changed()

    def _format_shown(self, fmt: str) -> None:
        """Show the options of ``fmt``; the bit depth is the one asked for, if the format holds it."""
        info = EXPORT_FORMATS[fmt]
        syncing, self._syncing = self._syncing, True
        try:
            self.pages.setCurrentIndex(self._page_index[fmt])
            deep = 16 in info.bit_depths
            self.depth_combo.setEnabled(deep)
            depth = ExportOptions(bit_depth=self._requested_depth if deep else None).resolve_bit_depth(fmt, self.info)
            self.depth_combo.setCurrentIndex(self.depth_combo.findData(depth))
            self.metadata_combo.setEnabled(info.metadata)
            self.icc_check.setEnabled(info.metadata and self.info.icc_profile is not None)
            self.webp_quality_spin.setEnabled(not self.webp_lossless_check.isChecked())
        finally:
            self._syncing = syncing

    def _changed(self, *_args) -> None:
        if self._syncing:
            return
        if self.sender() is self.depth_combo:
            self._requested_depth = self.depth_combo.currentData()
        self.webp_quality_spin.setEnabled(not self.webp_lossless_check.isChecked())
        if self._pixels_source is not None:
            self.estimate_label.setText("\u2026")
            self._estimate_timer.start()

    # -- size estimate -----------------------------------------------------------------------
    def update_estimate(self) -> int | None:
        """Estimate the file size now; shows it and returns it (None if unknown)."""
        if self._pixels_source is None:
            self.estimate_label.setText("unknown")
            return None
        try:
            if self._pixels is None:
                self._pixels = self._pixels_source()
            options = self.options()
            size = estimate_size(self._pixels, options, info=self.info, format=options.format)
        except (ValueError, OSError, MemoryError) as exc:
            self.estimate_label.setText(f"unknown ({exc})")
            return None
        approximate = "" if self._pixels.shape[0] * self._pixels.shape[1] <= 2 * (1 << 18) else "about "
        self.estimate_label.setText(approximate + format_size(size))
        return size

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._pixels_source is not None:
            self._estimate_timer.start()

    # -- choosing the file ----------------------------------------------------------------
    def browse(self) -> None:
        filters, selected = file_filter(self.format())
        path, _ = QFileDialog.getSaveFileName(self, "Export Image", self.path(), filters, selected)
        if path:
            if not Path(path).suffix:
                path += EXPORT_FORMATS[self.format()].suffixes[0]
            self._confirmed_path = path  # the file dialog asked about replacing it
            self.path_edit.setText(path)
            self._path_edited(path)

    def accept(self) -> None:
        path = self.path()
        if not path:
            QMessageBox.warning(self, "Export Image", "Choose a file name to export to.")
            return
        suffix = Path(path).suffix.lower()
        if suffix not in FORMATS_BY_SUFFIX:
            path += EXPORT_FORMATS[self.format()].suffixes[0]
            self.path_edit.setText(path)
        target = Path(path)
        source = self.info.path
        is_source = source is not None and target.exists() and target.resolve() == Path(source).resolve()
        if target.exists() and path != self._confirmed_path and not is_source:
            answer = QMessageBox.question(
                self, "Replace file?", f"{target.name} already exists in {target.parent}. Replace it?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().accept()
