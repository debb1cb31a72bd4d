"""TIFF at 8 and 16 bits with all metadata, around Pillow's TIFF machinery.

Two things Pillow (checked with 11 to 13) cannot do on its own:

- It has no 16-bit colour mode: a TIFF of 16-bit RGB or RGBA samples is
  read into 8-bit ``RGB``/``RGBA`` (the unpacker keeps the high byte of
  each sample), and such a file cannot be written.
- Written through libtiff (any compression), a file cannot carry the EXIF
  and GPS sub-IFDs ("Error setting from dictionary").

TIFF has many compressions (LZW, Deflate, PackBits, ...) that are best left
to libtiff, so this module does not code TIFF data itself.

Reading 16-bit colour
    The file is decoded twice by Pillow's own decoders (raw or libtiff,
    whatever the file needs): once as Pillow does, giving the high bytes,
    and once with the byte order of the unpacker swapped (``RGB;16L`` read
    as ``RGB;16B`` and so on), giving the low bytes; ``high * 256 + low``
    is the exact sample. It costs a second decode and works for strips and
    tiles, both byte orders and every compression Pillow reads. Premultiplied
    alpha, separate planes or anything unexpected gives None, and the caller
    falls back to 8 bits.

Writing
    The pixels are encoded on their own first: uncompressed strips are cut
    here from the array; compressed ones come from Pillow/libtiff, a 16-bit
    colour image being handed over as a 16-bit gray image ``W * C`` pixels
    wide (its raw rows are exactly the rows of the colour image) with the
    tags describing the colour layout. The compressed strips are then
    copied, untouched, into a file assembled here with Pillow's
    ``ImageFileDirectory_v2``: the layout tags of the encoded file plus the
    metadata (EXIF with its sub-IFDs, ICC profile, XMP, resolution).

The tests check both ways against each other and against Pillow's 8-bit view,
on both byte orders and every compression offered.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, TiffImagePlugin, TiffTags

__all__ = ["COMPRESSIONS", "is_deep_color", "read_deep_color", "write"]

# Our names -> Pillow's names of TIFF compressions.
COMPRESSIONS = {"none": None, "lzw": "tiff_lzw", "deflate": "tiff_adobe_deflate", "packbits": "packbits"}

_WIDTH, _LENGTH, _BITS, _COMPRESSION, _PHOTOMETRIC = 256, 257, 258, 259, 262
_STRIPS, _SAMPLES, _ROWS, _COUNTS, _PLANAR = 273, 277, 278, 279, 284
_PREDICTOR, _EXTRA, _FORMAT, _ICC, _XMP = 317, 338, 339, 34675, 700
_LAYOUT = (_WIDTH, _LENGTH, _BITS, _COMPRESSION, _PHOTOMETRIC, _SAMPLES, _ROWS, _PLANAR, _PREDICTOR, _EXTRA, _FORMAT)
_SWAP = {"B": "L", "L": "B", "N": "B" if sys.byteorder == "little" else "L"}
_STRIP_BYTES = 1 << 20


# -- reading ----------------------------------------------------------------------
def _as_tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def is_deep_color(opened: Image.Image) -> bool:
    """True for an unloaded TIFF of 16-bit unsigned RGB or RGBA samples."""
    tags = getattr(opened, "tag_v2", None)
    if opened.format != "TIFF" or tags is None or opened.mode not in ("RGB", "RGBA"):
        return False
    bits = _as_tuple(tags.get(_BITS, (1,)))
    return (
        tags.get(_PHOTOMETRIC) == 2
        and len(bits) >= 3
        and all(b == 16 for b in bits)
        and all(f == 1 for f in _as_tuple(tags.get(_FORMAT, 1)))
        and tags.get(_PLANAR, 1) == 1
    )


def _decode(path: Path, low: bool) -> np.ndarray | None:
    with Image.open(path) as image:
        if low:
            tiles = []
            for tile in image.tile:
                args = _as_tuple(tile.args)
                rawmode = args[0]
                if not isinstance(rawmode, str) or rawmode[-3:-1] != "16" or not rawmode.startswith(("RGB;", "RGBA;", "RGBX;")):
                    return None  # premultiplied, planar or unknown: not this way
                tiles.append(tile._replace(args=(rawmode[:-1] + _SWAP[rawmode[-1]],) + args[1:]))
            image.tile = tiles
        image.load()
        return np.asarray(image)


def read_deep_color(path: str | Path) -> np.ndarray | None:
    """The exact 16-bit samples of a colour TIFF, or None if not possible.

    Parameters
    ----------
    path : str or Path
        A TIFF for which :func:`is_deep_color` is true. The first page is
        read; its EXIF orientation is applied (Pillow does it for TIFF).

    Returns
    -------
    ndarray or None
        ``uint16`` of shape ``(H, W, 3)`` or ``(H, W, 4)``.
    """
    path = Path(path)
    low = _decode(path, low=True)
    if low is None:
        return None
    high = _decode(path, low=False)
    if high is None or high.shape != low.shape:
        return None
    return (high.astype(np.uint16) << 8) | low


# -- writing ----------------------------------------------------------------------
def _raw_strips(array: np.ndarray, byte_order: str) -> tuple[dict, dict, list[bytes], bytes]:
    h, w, channels = array.shape
    layout = {
        _WIDTH: w,
        _LENGTH: h,
        _BITS: (8 * array.dtype.itemsize,) * channels,
        _COMPRESSION: 1,
        _PHOTOMETRIC: 1 if channels == 1 else 2,
        _SAMPLES: channels,
        _PLANAR: 1,
    }
    if channels == 4:
        layout[_EXTRA] = (2,)  # unassociated alpha
    row_bytes = w * channels * array.dtype.itemsize
    rows = max(1, min(h, _STRIP_BYTES // row_bytes))
    layout[_ROWS] = rows
    ordered = np.ascontiguousarray(array.astype(array.dtype.newbyteorder(byte_order), copy=False))
    strips = [ordered[start : start + rows].tobytes() for start in range(0, h, rows)]
    return layout, {}, strips, b"II" if byte_order == "<" else b"MM"


def _libtiff_strips(array: np.ndarray, compression: str) -> tuple[dict, dict, list[bytes], bytes]:
    h, w, channels = array.shape
    options: dict[str, object] = {"compression": COMPRESSIONS[compression]}
    if array.dtype == np.uint16 and channels > 1:
        image = Image.fromarray(np.ascontiguousarray(array).reshape(h, w * channels))  # mode I;16
        layout = {_WIDTH: w, _SAMPLES: channels, _PHOTOMETRIC: 2, _BITS: (16,) * channels, _PLANAR: 1}
        if channels == 4:
            layout[_EXTRA] = (2,)
        options["tiffinfo"] = layout
    else:
        image = Image.fromarray(array[..., 0] if channels == 1 else array)
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF", **options)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as encoded:
        tags = encoded.tag_v2
        layout = {tag: tags[tag] for tag in _LAYOUT if tag in tags}
        types = {tag: tags.tagtype[tag] for tag in layout}
        offsets, counts = _as_tuple(tags[_STRIPS]), _as_tuple(tags[_COUNTS])
    strips = [data[o : o + c] for o, c in zip(offsets, counts)]
    return layout, types, strips, data[:2]


def _add_exif(ifd: TiffImagePlugin.ImageFileDirectory_v2, exif: Image.Exif) -> None:
    """Copy ``exif``'s tags, with its EXIF and GPS sub-IFDs, as Exif.tobytes does."""
    groups = (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo)
    for tag in exif:
        value = exif[tag]
        if tag in groups:
            value = dict(exif.get_ifd(tag))
            interop = value.get(ExifTags.IFD.Interop)
            if tag == ExifTags.IFD.Exif and interop is not None and not isinstance(interop, dict):
                value[ExifTags.IFD.Interop] = exif.get_ifd(ExifTags.IFD.Interop)
        ifd[tag] = value


def write(
    fileobj: BinaryIO,
    pixels: np.ndarray,
    *,
    compression: str = "deflate",
    exif: Image.Exif | None = None,
    icc_profile: bytes | None = None,
    xmp: bytes | None = None,
    dpi: tuple[float, float] | None = None,
    byte_order: str = "<",
) -> None:
    """Write 8- or 16-bit gray, RGB or RGBA pixels as a one-page TIFF file.

    Parameters
    ----------
    fileobj : binary file
        Where the bytes go.
    pixels : ndarray
        ``uint8`` or ``uint16``, shape ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``
        (alpha is written as unassociated alpha).
    compression : {"none", "lzw", "deflate", "packbits"}
        TIFF compression.
    exif : PIL.Image.Exif, optional
        Tags for the first IFD, with EXIF and GPS sub-IFDs; tags describing
        the pixel layout are replaced by the real ones.
    icc_profile, xmp : bytes, optional
        Embedded colour profile and XMP packet.
    dpi : (float, float), optional
        Resolution in dots per inch.
    byte_order : {"<", ">"}
        Little-endian ("II") or big-endian ("MM") file when uncompressed;
        libtiff writes compressed files in the machine's byte order.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> write(buffer, np.full((2, 3, 3), 40000, np.uint16), compression="lzw")
    >>> buffer.getvalue()[:2] in (b"II", b"MM")
    True
    """
    array = np.asarray(pixels)
    if array.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"pixels must be uint8 or uint16, got {array.dtype}")
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or 0 in array.shape:
        raise ValueError(f"pixels must be (H, W), (H, W, 3) or (H, W, 4) and not empty, got {np.shape(pixels)}")
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be one of {', '.join(COMPRESSIONS)}, got {compression!r}")
    if byte_order not in ("<", ">"):
        raise ValueError(f"byte_order must be '<' or '>', got {byte_order!r}")

    if compression == "none":
        layout, types, strips, prefix = _raw_strips(array, byte_order)
    else:
        layout, types, strips, prefix = _libtiff_strips(array, compression)

    ifd = TiffImagePlugin.ImageFileDirectory_v2(prefix=prefix)
    if exif is not None:
        _add_exif(ifd, exif)
    for tag in (_XMP, _ICC, *_LAYOUT, _STRIPS, _COUNTS, 296, 282, 283):
        if tag in ifd:
            del ifd[tag]
    if xmp:
        ifd[_XMP] = xmp
        ifd.tagtype[_XMP] = TiffTags.BYTE
    if icc_profile:
        ifd[_ICC] = icc_profile
        ifd.tagtype[_ICC] = TiffTags.UNDEFINED
    if dpi:
        ifd[296] = 2
        ifd[282], ifd[283] = float(dpi[0]), float(dpi[1])
    for tag, value in layout.items():
        ifd[tag] = value
        if tag in types:
            ifd.tagtype[tag] = types[tag]
    # Strip offsets are relative here: Pillow moves them past the IFD.
    offsets, position = [], 0
    for strip in strips:
        offsets.append(position)
        position += len(strip)
    ifd[_STRIPS] = tuple(offsets)
    ifd[_COUNTS] = tuple(len(s) for s in strips)
    ifd.tagtype[_STRIPS] = ifd.tagtype[_COUNTS] = TiffTags.LONG
    if fileobj.tell() != 0:
        raise ValueError("a TIFF file must be written from the start of the file")
    ifd.save(fileobj)
    for strip in strips:
        fileobj.write(strip)
