"""Slow, obviously correct PNG and TIFF codecs, independent of the editor's.

The editor reads and writes 16-bit colour PNG with imagecodecs (libpng) and
TIFF with tifffile. These helpers let the tests check those files without
trusting either library: PNG is encoded and decoded here from the PNG
specification (section 9: the five row filters, Adam7) with zlib and plain
loops; a TIFF's strips are decoded here (no compression, LZW, deflate,
PackBits and the horizontal predictor, from TIFF 6.0 sections 9, 13 and 14),
with Pillow parsing the tags. Only small images: every byte goes through
Python.
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type
CHANNELS = {v: k for k, v in COLOR_TYPE.items()}


# -- PNG --------------------------------------------------------------------------------------
def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _predictor(kind: int, a: int, b: int, c: int) -> int:
    if kind not in (0, 1, 2, 3, 4):
        raise ValueError(f"unknown filter type {kind}")
    return (0, a, b, (a + b) // 2, paeth(a, b, c) if kind == 4 else 0)[kind]


def filter_rows(rows: list[bytes], bpp: int, kinds: list[int]) -> bytes:
    """PNG section 9.2, byte by byte."""
    out = bytearray()
    prior = bytes(len(rows[0]))
    for row, kind in zip(rows, kinds):
        out.append(kind)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            c = prior[i - bpp] if i >= bpp else 0
            out.append((x - _predictor(kind, a, prior[i], c)) % 256)
        prior = row
    return bytes(out)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(pixels: np.ndarray, kinds=(1,), interlace: bool = False, before: bytes = b"", after: bytes = b"") -> bytes:
    """PNG of uint8 or uint16 ``pixels`` (H, W) or (H, W, 2..4), row filters ``kinds`` cycled.

    ``before`` and ``after`` are whole chunks put before and after the image data.
    """
    array = pixels if pixels.ndim == 3 else pixels[..., None]
    h, w, channels = array.shape
    depth = 8 * array.dtype.itemsize
    bpp = channels * array.dtype.itemsize
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    stream = b""
    counter = 0
    for xs, ys, dx, dy in passes:
        sub = array[ys::dy, xs::dx]
        if sub.size == 0:
            continue
        rows = [sub[y].astype(sub.dtype.newbyteorder(">")).tobytes() for y in range(sub.shape[0])]
        row_kinds = [kinds[(counter + i) % len(kinds)] for i in range(len(rows))]
        counter += len(rows)
        stream += filter_rows(rows, bpp, row_kinds)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, COLOR_TYPE[channels], 0, 0, int(interlace))
    return (
        PNG_SIGNATURE + chunk(b"IHDR", ihdr) + before + chunk(b"IDAT", zlib.compress(stream)) + after
        + chunk(b"IEND", b"")
    )


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk, CRCs checked."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC in {kind!r}"
        chunks.append((kind, body))
        pos += 12 + length
    return chunks


def decode_png(data: bytes) -> np.ndarray:
    """Samples of a non-interlaced gray, gray + alpha, RGB or RGBA PNG of 8 or 16 bits."""
    chunks = png_chunks(data)
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    w, h, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert interlace == 0 and depth in (8, 16) and color_type in CHANNELS
    channels = CHANNELS[color_type]
    bpp = channels * depth // 8
    stream = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride = w * bpp
    assert len(stream) == h * (stride + 1), "wrong amount of image data"
    rows, prior = [], bytes(stride)
    for y in range(h):
        kind, line = stream[y * (stride + 1)], stream[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        row = bytearray(stride)
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            c = prior[i - bpp] if i >= bpp else 0
            row[i] = (line[i] + _predictor(kind, a, prior[i], c)) % 256
        rows.append(bytes(row))
        prior = row
    samples = np.frombuffer(b"".join(rows), ">u2" if depth == 16 else np.uint8).reshape(h, w, channels)
    samples = samples.astype(np.uint16 if depth == 16 else np.uint8)
    return samples[..., 0] if channels == 1 else samples


# -- TIFF ------------------------------------------------------------------------------------
def lzw_decode(data: bytes) -> bytes:
    """TIFF 6.0 section 13: 9- to 12-bit codes, most significant bit first, early change."""
    out = bytearray()
    table = [bytes([i]) for i in range(256)] + [b"", b""]  # 256 Clear, 257 EndOfInformation
    width, bit, prev = 9, 0, None
    padded = data + b"\0\0\0"
    while bit + width <= 8 * len(data):
        word = int.from_bytes(padded[bit // 8 : bit // 8 + 3], "big")
        code = (word >> (24 - width - bit % 8)) & ((1 << width) - 1)
        bit += width
        if code == 256:
            table, width, prev = table[:258], 9, None
            continue
        if code == 257:
            break
        if prev is None:
            entry = table[code]
        elif code < len(table):
            entry = table[code]
            table.append(prev + entry[:1])
        else:
            assert code == len(table), "LZW code out of range"
            entry = prev + prev[:1]
            table.append(entry)
        out += entry
        prev = entry
        if len(table) + 1 >= 1 << width and width < 12:
            width += 1
    return bytes(out)


def packbits_decode(data: bytes) -> bytes:
    """TIFF 6.0 section 9: a header byte n, then n + 1 literal bytes or one byte 257 - n times."""
    out, i = bytearray(), 0
    while i < len(data):
        n = data[i]
        i += 1
        if n < 128:
            out += data[i : i + n + 1]
            i += n + 1
        elif n > 128:
            out += data[i : i + 1] * (257 - n)
            i += 1
    return bytes(out)


def _tuple(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def read_tiff_strips(path: Path) -> tuple[np.ndarray, dict]:
    """Samples of the first page of a stripped, chunky, unsigned-integer TIFF, and its tags.

    Pillow parses the directory; the strips are read and decoded here.
    """
    data = Path(path).read_bytes()
    order = {b"II": "<", b"MM": ">"}[data[:2]]
    with Image.open(path) as image:
        tags = dict(image.tag_v2)
    assert 322 not in tags, "tiled: not handled here"
    assert tags.get(284, 1) == 1, "planar: not handled here"
    w, h, channels = tags[256], tags[257], tags.get(277, 1)
    bits = _tuple(tags[258])
    assert len(set(bits)) == 1 and bits[0] in (8, 16)
    dtype = np.dtype(f"{order}u{bits[0] // 8}")
    decode = {
        1: lambda b: b,
        5: lzw_decode,
        8: zlib.decompress,
        32946: zlib.decompress,
        32773: packbits_decode,
    }[tags.get(259, 1)]
    raw = b"".join(
        decode(data[offset : offset + count]) for offset, count in zip(_tuple(tags[273]), _tuple(tags[279]))
    )
    samples = np.frombuffer(raw, dtype)[: h * w * channels].reshape(h, w, channels).astype(dtype.newbyteorder("="))
    if tags.get(317, 1) == 2:  # horizontal differencing, modulo 2**bits
        samples = np.cumsum(samples, axis=1, dtype=samples.dtype)
    return (samples[..., 0] if channels == 1 else samples), tags
