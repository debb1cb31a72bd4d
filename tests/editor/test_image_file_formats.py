"""The two codecs under editor.image_file: png16 (NumPy + zlib) and tiff_io.

png16 is checked against a slow reference encoder written here (every PNG
row filter and Adam7 interlacing done with plain loops, from the PNG
specification) and against Pillow where Pillow can read the file; tiff_io
against Pillow's 8-bit view of the same samples (the high bytes).
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor import png16, tiff_io

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}


# -- a slow, obviously correct PNG encoder -------------------------------------------------
def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_rows(rows: list[bytes], bpp: int, kinds: list[int]) -> bytes:
    """PNG section 9.2, byte by byte."""
    out = bytearray()
    prior = bytes(len(rows[0]))
    for row, kind in zip(rows, kinds):
        out.append(kind)
        for i, x in enumerate(row):
            a = row[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((x - predictor) % 256)
        prior = row
    return bytes(out)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def reference_png(pixels: np.ndarray, kinds, interlace: bool = False, extra: bytes = b"") -> bytes:
    """Encode with the given row filter types (cycled), optionally Adam7."""
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
    return png16.SIGNATURE + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(stream)) + chunk(b"IEND", b"")


def random_pixels(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)


SHAPES = [(5, 7), (6, 5, 2), (9, 11, 3), (4, 3, 4), (1, 1, 3), (13, 2, 3)]


# -- png16: decoding --------------------------------------------------------------------------
@pytest.mark.parametrize("kinds", [[0], [1], [2], [3], [4], [4, 1, 3, 0, 2, 2, 4]], ids=["none", "sub", "up", "average", "paeth", "mixed"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_decode_every_filter_matches_reference(kinds, dtype):
    for shape in SHAPES:
        pixels = random_pixels(shape, dtype, seed=len(shape) + len(kinds))
        data = reference_png(pixels, kinds)
        np.testing.assert_array_equal(png16.decode(data), pixels, err_msg=str(shape))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_decode_adam7_interlaced(dtype):
    for shape in [(9, 11, 3), (17, 10, 4), (3, 2, 3), (1, 9, 3), (8, 1, 4)]:
        pixels = random_pixels(shape, dtype, seed=3)
        data = reference_png(pixels, [4, 3, 1, 2, 0], interlace=True)
        np.testing.assert_array_equal(png16.decode(data), pixels, err_msg=str(shape))
        if dtype == np.uint8:  # Pillow agrees with the reference encoder
            np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), pixels)


@pytest.mark.parametrize("shape", [(6, 9, 3), (7, 5, 4)])
def test_pillow_reads_the_reference_16_bit_files_as_their_high_bytes(shape):
    pixels = random_pixels(shape, np.uint16, seed=5)
    data = reference_png(pixels, [4, 3, 2, 1, 0])
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), (pixels >> 8).astype(np.uint8))


def test_decode_pillow_written_8_bit_png():
    pixels = random_pixels((40, 33, 3), np.uint8, seed=8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG", optimize=True)
    np.testing.assert_array_equal(png16.decode(buffer.getvalue()), pixels)


def test_trns_colour_key_becomes_alpha():
    pixels = random_pixels((4, 5, 3), np.uint16, seed=2)
    pixels[1, 2] = (1000, 2000, 3000)
    trns = chunk(b"tRNS", struct.pack(">HHH", 1000, 2000, 3000))
    decoded = png16.decode(reference_png(pixels, [1], extra=trns))
    assert decoded.shape == (4, 5, 4)
    assert decoded[1, 2, 3] == 0
    assert (decoded[..., 3] == 0).sum() == 1 and decoded[0, 0, 3] == 65535
    np.testing.assert_array_equal(decoded[..., :3], pixels)


# -- png16: encoding ----------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    channels=st.sampled_from([1, 2, 3, 4]),
    deep=st.booleans(),
    level=st.integers(0, 9),
    seed=st.integers(0, 1000),
)
def test_encode_decode_round_trip(h, w, channels, deep, level, seed):
    dtype = np.uint16 if deep else np.uint8
    pixels = random_pixels((h, w, channels) if channels > 1 else (h, w), dtype, seed)
    pixels.flags.writeable = False
    data = png16.encode(pixels, compress_level=level)
    np.testing.assert_array_equal(png16.decode(data), pixels)
    seen = np.asarray(Image.open(io.BytesIO(data)))
    if channels == 1 and deep:
        np.testing.assert_array_equal(seen, pixels)  # Pillow reads 16-bit gray exactly (I;16)
    elif channels != 2 or not deep:  # Pillow turns 16-bit gray+alpha into RGBA
        np.testing.assert_array_equal(seen, pixels >> 8 if deep else pixels)


def test_smooth_image_uses_sub_or_up_and_compresses():
    y, x = np.mgrid[0:64, 0:80]
    pixels = np.stack([x * 800, y * 900, (x + y) * 400], axis=-1).astype(np.uint16)
    data = png16.encode(pixels)
    stream = zlib.decompress(b"".join(body for kind, body in png16._chunks(data) if kind == b"IDAT"))
    kinds = np.frombuffer(stream, np.uint8).reshape(64, -1)[:, 0]
    assert set(kinds.tolist()) <= {0, 1, 2} and set(kinds.tolist()) & {1, 2}
    assert len(data) < pixels.nbytes / 4


def test_many_blocks_and_idat_chunks_form_one_valid_stream(monkeypatch):
    monkeypatch.setattr(png16, "_ROW_BLOCK_BYTES", 300)  # several row blocks on two threads
    monkeypatch.setattr(png16, "_IDAT_CHUNK", 100)
    pixels = random_pixels((50, 20, 3), np.uint16, seed=9)
    data = png16.encode(pixels, compress_level=9)
    idats = [kind for kind, _ in png16._chunks(data) if kind == b"IDAT"]
    assert len(idats) > 5
    np.testing.assert_array_equal(png16.decode(data), pixels)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), (pixels >> 8).astype(np.uint8))


def test_metadata_chunks_are_read_back_by_pillow_and_png16():
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    chunks = [
        png16.icc_chunk(b"profile-bytes" * 10),
        png16.phys_chunk((300.0, 150.0)),
        png16.exif_chunk(exif.tobytes()),
        png16.text_chunk("Title", "caf\u00e9 au lait"),
        png16.text_chunk("XML:com.adobe.xmp", "<x:xmpmeta/>"),
    ]
    data = png16.encode(random_pixels((3, 4, 3), np.uint16), chunks=chunks)
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.info["icc_profile"] == b"profile-bytes" * 10
    assert image.info["dpi"] == pytest.approx((300.0, 150.0), abs=0.02)  # whole pixels per metre
    assert image.text["Title"] == "caf\u00e9 au lait"
    assert image.getexif()[0x010F] == "Maker"
    meta = png16.metadata(data)
    assert meta["icc_profile"] == b"profile-bytes" * 10
    assert meta["dpi"] == pytest.approx((300.0, 150.0), abs=0.02)  # whole pixels per metre
    assert meta["text"] == {"Title": "caf\u00e9 au lait"}
    assert meta["xmp"] == b"<x:xmpmeta/>"
    loaded = Image.Exif()
    loaded.load(meta["exif"])
    assert loaded[0x010F] == "Maker"


def test_metadata_reads_compressed_text_chunks():
    ztxt = chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"squeezed"))
    itxt = chunk(b"iTXt", b"Author\x00\x01\x00en\x00\x00" + zlib.compress("\u00e9crit".encode()))
    data = reference_png(random_pixels((2, 2, 3), np.uint16), [0], extra=ztxt + itxt)
    assert png16.metadata(data)["text"] == {"Comment": "squeezed", "Author": "\u00e9crit"}


@pytest.mark.parametrize(
    "pixels,message",
    [
        (np.zeros((2, 2), np.float32), "uint8 or uint16"),
        (np.zeros((2, 2, 5), np.uint8), "(H, W, 1..4)"),
        (np.zeros((0, 2), np.uint8), "not empty"),
    ],
)
def test_encode_rejects_bad_input(pixels, message):
    with pytest.raises(ValueError) as info:
        png16.encode(pixels)
    assert message in str(info.value)


# -- png16: damaged data --------------------------------------------------------------------------
def good_png() -> bytes:
    return png16.encode(random_pixels((8, 8, 3), np.uint16, seed=1))


@pytest.mark.parametrize(
    "damage,message",
    [
        (lambda d: b"GIF89a" + d[6:], "bad signature"),
        (lambda d: d[: len(d) // 2], "truncated"),
        (lambda d: d[:-12], "truncated"),  # IEND missing
        (lambda d: d[:20] + bytes([d[20] ^ 0xFF]) + d[21:], "CRC"),
    ],
    ids=["signature", "half", "no-iend", "crc"],
)
def test_damaged_png_is_reported(damage, message):
    with pytest.raises(png16.PNGError) as info:
        png16.decode(damage(good_png()))
    assert message in str(info.value)


def test_unknown_filter_type_and_short_data_are_reported():
    pixels = random_pixels((3, 4, 3), np.uint16)
    rows = pixels.astype(">u2").reshape(3, -1).view(np.uint8)
    bad = np.hstack([np.full((3, 1), 7, np.uint8), rows]).tobytes()
    ihdr = struct.pack(">IIBBBBB", 4, 3, 16, 2, 0, 0, 0)
    head = png16.SIGNATURE + chunk(b"IHDR", ihdr)
    with pytest.raises(png16.PNGError, match="filter type 7"):
        png16.decode(head + chunk(b"IDAT", zlib.compress(bad)) + chunk(b"IEND", b""))
    with pytest.raises(png16.PNGError, match="truncated"):
        png16.decode(head + chunk(b"IDAT", zlib.compress(bad[:-5])) + chunk(b"IEND", b""))
    with pytest.raises(png16.PNGError, match="damaged"):
        png16.decode(head + chunk(b"IDAT", b"not zlib at all") + chunk(b"IEND", b""))


def test_palette_png_is_left_to_pillow():
    buffer = io.BytesIO()
    Image.new("P", (3, 3)).save(buffer, "PNG")
    with pytest.raises(png16.PNGError, match="colour type 3"):
        png16.decode(buffer.getvalue())


# -- tiff_io ---------------------------------------------------------------------------------------
def sample_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif[0x0110] = "Model X"
    exif.get_ifd(0x8769)[0x9003] = "2021:06:07 08:09:10"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0)})
    loaded = Image.Exif()
    loaded.load(exif.tobytes())
    return loaded


@pytest.mark.parametrize("compression", list(tiff_io.COMPRESSIONS))
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiff_round_trip_with_metadata(tmp_path, dtype, channels, compression):
    for byte_order in "<>":
        check_tiff_round_trip(tmp_path / f"out{byte_order == '<'}.tif", dtype, channels, compression, byte_order)


def check_tiff_round_trip(path, dtype, channels, compression, byte_order):
    shape = (23, 17, channels) if channels > 1 else (23, 17)
    pixels = random_pixels(shape, dtype, seed=channels)
    with open(path, "wb") as handle:
        tiff_io.write(
            handle, pixels, compression=compression, exif=sample_exif(), icc_profile=b"icc" * 50,
            xmp=b"<x:xmpmeta/>", dpi=(240.0, 240.0), byte_order=byte_order,
        )
    with Image.open(path) as image:
        deep = tiff_io.is_deep_color(image)
        exif = image.getexif()
        assert exif[0x010F] == "Maker" and exif[0x0110] == "Model X"
        assert exif.get_ifd(0x8769)[0x9003] == "2021:06:07 08:09:10"
        assert exif.get_ifd(0x8825)[1] == "N"
        assert image.info["icc_profile"] == b"icc" * 50
        assert image.info["xmp"] == b"<x:xmpmeta/>"
        assert image.info["dpi"] == pytest.approx((240.0, 240.0))
        eight_bit = np.asarray(image)
    assert deep == (dtype == np.uint16 and channels > 1)
    if compression == "none":
        assert path.read_bytes()[:2] == (b"II" if byte_order == "<" else b"MM")
    if deep:
        np.testing.assert_array_equal(tiff_io.read_deep_color(path), pixels)
        np.testing.assert_array_equal(eight_bit, (pixels >> 8).astype(np.uint8))
    else:
        np.testing.assert_array_equal(eight_bit, pixels)


def tiled_tiff(pixels: np.ndarray, tile: int, byte_order: str) -> bytes:
    """An uncompressed, tiled TIFF of 16-bit RGB(A) samples, as scanners and
    raw converters write them; edge tiles are padded as the format requires."""
    from PIL import TiffImagePlugin

    h, w, channels = pixels.shape
    tiles = []
    for y in range(0, h, tile):
        for x in range(0, w, tile):
            block = np.zeros((tile, tile, channels), pixels.dtype)
            part = pixels[y : y + tile, x : x + tile]
            block[: part.shape[0], : part.shape[1]] = part
            tiles.append(block.astype(byte_order + "u2").tobytes())
    ifd = TiffImagePlugin.ImageFileDirectory_v2(prefix=b"II" if byte_order == "<" else b"MM")
    for tag, value in {256: w, 257: h, 258: (16,) * channels, 259: 1, 262: 2, 277: channels, 284: 1,
                       322: tile, 323: tile}.items():
        ifd[tag] = value
    if channels == 4:
        ifd[338] = (2,)
    ifd[324] = tuple(range(len(tiles)))  # placeholders of the final size
    ifd[325] = tuple(len(t) for t in tiles)
    ifd.tagtype[324] = ifd.tagtype[325] = 4  # LONG
    start = 8 + len(ifd.tobytes(8))
    ifd[324] = tuple(start + i * len(tiles[0]) for i in range(len(tiles)))
    header = (b"II*\x00" + (8).to_bytes(4, "little")) if byte_order == "<" else (b"MM\x00*" + (8).to_bytes(4, "big"))
    return header + ifd.tobytes(8) + b"".join(tiles)


@pytest.mark.parametrize("byte_order", ["<", ">"])
@pytest.mark.parametrize("channels", [3, 4])
def test_tiled_deep_tiff_is_read_exactly(tmp_path, byte_order, channels):
    pixels = random_pixels((40, 37, channels), np.uint16, seed=channels)
    path = tmp_path / "tiled.tif"
    path.write_bytes(tiled_tiff(pixels, 16, byte_order))
    with Image.open(path) as image:
        assert tiff_io.is_deep_color(image) and 322 in image.tag_v2
        np.testing.assert_array_equal(np.asarray(image), (pixels >> 8).astype(np.uint8))  # the file is right
    np.testing.assert_array_equal(tiff_io.read_deep_color(path), pixels)


def test_deep_tiff_written_by_libtiff_is_read_exactly(tmp_path):
    # An LZW-compressed 16-bit RGB TIFF written by libtiff through Pillow's
    # I;16 route, as another program would write it.
    pixels = random_pixels((40, 48, 3), np.uint16, seed=4)
    flat = Image.fromarray(pixels.reshape(40, 48 * 3))
    path = tmp_path / "tiled.tif"
    flat.save(path, "TIFF", compression="tiff_lzw", tiffinfo={256: 48, 277: 3, 262: 2, 258: (16, 16, 16), 284: 1})
    with Image.open(path) as image:
        assert tiff_io.is_deep_color(image)
    np.testing.assert_array_equal(tiff_io.read_deep_color(path), pixels)


def test_tiff_write_rejects_bad_input():
    with pytest.raises(ValueError, match="compression must be one of"):
        tiff_io.write(io.BytesIO(), np.zeros((2, 2), np.uint8), compression="jpeg2000")
    with pytest.raises(ValueError, match="uint8 or uint16"):
        tiff_io.write(io.BytesIO(), np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="not empty"):
        tiff_io.write(io.BytesIO(), np.zeros((2, 2, 2), np.uint8))
