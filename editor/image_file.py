"""Reading and writing image files with Pillow.

The one place where file dtypes (uint8, uint16, ...) meet the editor's float32
in [0, 1]. EXIF orientation is applied on load so pixels are always upright;
metadata is kept for export. Writes are atomic: a temporary file in the
target folder, flushed and synced, then renamed over the target.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .atomic import WriteError, atomic_write
from .errors import ImageReadError, ImageWriteError

__all__ = ["ImageInfo", "LoadedImage", "load_image", "save_image", "to_float", "from_float", "FORMATS_BY_SUFFIX"]

# Suffix -> Pillow format name for export.
FORMATS_BY_SUFFIX = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".webp": "WEBP",
    ".bmp": "BMP",
}

_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class ImageInfo:
    """What the editor remembers about the file an image came from.

    Attributes
    ----------
    path : str or None
        Where it was read from (None for a pasted or generated image).
    format : str or None
        Pillow's format name ("JPEG", "PNG", ...).
    mode : str
        Pillow's mode of the file ("RGB", "I;16", "P", ...).
    bit_depth : int
        Bits per sample in the file: 8, 16 or 32.
    exif : bytes or None
        EXIF block with the orientation reset to 1 (pixels are upright).
    icc_profile : bytes or None
        Embedded ICC colour profile.
    notes : tuple of str
        Things the user should know about the load (first page of many, ...).
    """

    path: str | None = None
    format: str | None = None
    mode: str = "RGB"
    bit_depth: int = 8
    exif: bytes | None = None
    icc_profile: bytes | None = None
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class LoadedImage:
    """Pixels (float32 in [0, 1], read-only) and the file's :class:`ImageInfo`."""

    pixels: np.ndarray
    info: ImageInfo


_SIXTEEN_BIT_MODES = {"I;16", "I;16L", "I;16B", "I;16N"}


def to_float(image: Image.Image) -> tuple[np.ndarray, int]:
    """Convert a Pillow image to float32 in [0, 1] and report its bit depth.

    Returns gray ``(H, W)``, RGB ``(H, W, 3)`` or RGBA ``(H, W, 4)``.

    Examples
    --------
    >>> pixels, depth = to_float(Image.new("I;16", (2, 1), 65535))
    >>> pixels.tolist(), depth
    ([[1.0, 1.0]], 16)
    """
    mode = image.mode
    if mode in _SIXTEEN_BIT_MODES:
        data = np.asarray(image).astype(np.float32)
        return data / np.float32(65535), 16
    if mode == "I":
        data = np.asarray(image)
        # 16-bit PNG/TIFF data often arrives as 32-bit "I"; keep its 16-bit scale.
        if data.size and data.min() >= 0 and data.max() <= 65535:
            return data.astype(np.float32) / np.float32(65535), 16
        lo, hi = float(data.min()), float(data.max())
        return ((data.astype(np.float64) - lo) / max(hi - lo, 1.0)).astype(np.float32), 32
    if mode == "F":
        data = np.asarray(image, dtype=np.float32)
        return np.clip(np.nan_to_num(data), 0.0, 1.0), 32
    if mode == "1":
        image = image.convert("L")
    elif mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("LA", "La", "PA"):
        image = image.convert("RGBA")
    elif mode == "RGBa":
        image = image.convert("RGBA")
    elif mode not in ("L", "RGB", "RGBA"):
        image = image.convert("RGB")
    data = np.asarray(image, dtype=np.uint8)
    return data.astype(np.float32) * np.float32(1 / 255), 8


def from_float(pixels: np.ndarray, bit_depth: int = 8) -> Image.Image:
    """Convert float32 pixels in [0, 1] to a Pillow image of 8 or 16 bits.

    16 bits are available for gray images (mode ``I;16``): Pillow has no
    16-bit colour mode to write from.

    Examples
    --------
    >>> from_float(np.ones((1, 2), np.float32), 16).mode
    'I;16'
    """
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    clipped = np.clip(np.nan_to_num(pixels, nan=0.0), 0.0, 1.0)
    if bit_depth == 16:
        if clipped.ndim != 2:
            raise ValueError("16-bit export is available for gray images only")
        return Image.fromarray(np.rint(clipped * 65535).astype(np.uint16))  # mode I;16
    return Image.fromarray(np.rint(clipped * 255).astype(np.uint8))


def load_image(path: str | os.PathLike) -> LoadedImage:
    """Read an image file into float32 pixels with EXIF orientation applied.

    Parameters
    ----------
    path : str or path-like
        File to read.

    Returns
    -------
    LoadedImage

    Raises
    ------
    ImageReadError
        With a message that names the file and says what is wrong.
    """
    path = Path(path)
    try:
        with Image.open(path) as opened:
            notes = []
            frames = getattr(opened, "n_frames", 1)
            if frames > 1:
                notes.append(f"{path.name} has {frames} pages or frames; the first one was opened")
            icc = opened.info.get("icc_profile")
            upright = ImageOps.exif_transpose(opened)
            upright.load()
            exif = upright.getexif()
            if _EXIF_ORIENTATION in exif:
                exif[_EXIF_ORIENTATION] = 1
            pixels, depth = to_float(upright)
            info = ImageInfo(
                path=str(path),
                format=opened.format,
                mode=opened.mode,
                bit_depth=depth,
                exif=exif.tobytes() if len(exif) else None,
                icc_profile=icc,
                notes=tuple(notes),
            )
    except FileNotFoundError:
        raise ImageReadError(path, "the file does not exist") from None
    except IsADirectoryError:
        raise ImageReadError(path, "it is a folder, not a file") from None
    except PermissionError:
        raise ImageReadError(path, "permission denied") from None
    except UnidentifiedImageError:
        raise ImageReadError(path, "it is not an image file, or its format is not supported") from None
    except Image.DecompressionBombError as exc:
        raise ImageReadError(path, f"the image is too large to open safely ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageReadError(path, f"the file is damaged or truncated ({exc})") from None
    pixels.flags.writeable = False
    return LoadedImage(pixels, info)


def save_image(
    path: str | os.PathLike,
    pixels: np.ndarray,
    *,
    info: ImageInfo | None = None,
    format: str | None = None,
    bit_depth: int = 8,
    quality: int = 92,
    keep_metadata: bool = True,
) -> Path:
    """Write ``pixels`` to ``path`` atomically.

    Parameters
    ----------
    path : str or path-like
        Target file; its suffix picks the format unless ``format`` is given.
    pixels : ndarray
        float32 image in [0, 1].
    info : ImageInfo, optional
        Source metadata; EXIF and ICC profile are written when
        ``keep_metadata`` is true and the format carries them.
    format : str, optional
        Pillow format name ("PNG", "JPEG", ...).
    bit_depth : int
        8, or 16 for gray PNG and TIFF.
    quality : int
        JPEG and WebP quality, 1-100.
    keep_metadata : bool
        Write the source's EXIF and ICC profile.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ImageWriteError
        The target is left exactly as it was.
    """
    path = Path(path)
    fmt = format or FORMATS_BY_SUFFIX.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(FORMATS_BY_SUFFIX))
        raise ImageWriteError(path, f"unknown file type {path.suffix!r}; use one of {known}")
    if bit_depth == 16 and fmt not in ("PNG", "TIFF"):
        raise ImageWriteError(path, f"{fmt} cannot hold 16 bits per channel; use PNG or TIFF")
    try:
        image = from_float(pixels, bit_depth)
    except ValueError as exc:
        raise ImageWriteError(path, str(exc)) from None
    if fmt == "JPEG" and image.mode == "RGBA":
        image = image.convert("RGB")  # JPEG has no alpha channel
    options: dict[str, Any] = {}
    if fmt in ("JPEG", "WEBP"):
        options["quality"] = int(quality)
    if keep_metadata and info is not None:
        if info.exif and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
            options["exif"] = info.exif
        if info.icc_profile and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
            options["icc_profile"] = info.icc_profile
    try:
        with atomic_write(path) as handle:
            image.save(handle, format=fmt, **options)
    except WriteError as exc:
        raise ImageWriteError(path, exc.reason) from None
    except (ValueError, KeyError, OSError) as exc:
        raise ImageWriteError(path, str(exc)) from None
    return path
