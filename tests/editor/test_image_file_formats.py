"""16-bit colour PNG (imagecodecs) and TIFF (tifffile) under editor.image_file.

Every file the editor writes is decoded by the independent codecs of
tests/editor/reference_codecs.py (PNG unfiltered by loops, TIFF strips
decompressed and un-predicted here, tags parsed by Pillow), and every file
it reads was made by them, by Pillow or by tifffile called directly with
layouts the editor itself never writes (tiles, separate planes, big-endian).
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
import tifffile
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from editor.errors import ImageReadError
from editor.image_file import TIFF_COMPRESSIONS, ExportOptions, ImageInfo, load_image, save_image
from tests.editor.reference_codecs import chunk, decode_png, encode_png, png_chunks, read_tiff_strips


def random_samples(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, np.iinfo(dtype).max + 1, shape, dtype=dtype)


def as_float(samples: np.ndarray) -> np.ndarray:
    """What the editor should load: samples / top as float32, gray + alpha as RGBA."""
    top = np.float32(np.iinfo(samples.dtype).max)
    if samples.ndim == 3 and samples.shape[2] == 2:
        samples = samples[..., [0, 0, 0, 1]]
    return (samples / top).astype(np.float32)


def to_samples(pixels: np.ndarray, depth: int) -> np.ndarray:
    """Float32 in [0, 1] -> the integer samples a file of ``depth`` bits must hold."""
    top = (1 << depth) - 1
    return np.rint(pixels * np.float32(top)).astype(np.uint16 if depth == 16 else np.uint8)  # in float32, as the editor does


def sample_info() -> ImageInfo:
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif[0x0110] = "Model X"
    exif.get_ifd(0x8769)[0x9003] = "2021:06:07 08:09:10"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0)})
    return ImageInfo(
        exif=exif.tobytes(), icc_profile=b"icc" * 50, xmp=b"<x:xmpmeta/>", dpi=(240.0, 240.0),
        text=(("Title", "caf\u00e9 au lait"),),
    )


SHAPES = [(5, 7), (6, 5, 2), (9, 11, 3), (4, 3, 4), (1, 1, 3), (13, 2, 3)]


# -- PNG read: files from the reference encoder -----------------------------------------------------
@pytest.mark.parametrize("kinds", [[0], [1], [2], [3], [4], [4, 1, 3, 0, 2, 2, 4]], ids=["none", "sub", "up", "average", "paeth", "mixed"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_every_filter_is_read_exactly(tmp_path, kinds, dtype):
    for shape in SHAPES:
        samples = random_samples(shape, dtype, seed=len(shape) + len(kinds))
        path = tmp_path / "f.png"
        path.write_bytes(encode_png(samples, kinds))
        loaded = load_image(path)
        np.testing.assert_array_equal(loaded.pixels, as_float(samples), err_msg=str(shape))
        assert loaded.info.bit_depth == 8 * samples.itemsize


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_adam7_interlaced_is_read_exactly(tmp_path, dtype):
    for shape in [(9, 11, 3), (17, 10, 4), (3, 2, 3), (1, 9, 3), (8, 1, 4)]:
        samples = random_samples(shape, dtype, seed=3)
        path = tmp_path / "i.png"
        path.write_bytes(encode_png(samples, [4, 3, 1, 2, 0], interlace=True))
        np.testing.assert_array_equal(load_image(path).pixels, as_float(samples), err_msg=str(shape))


def test_png_trns_colour_key_becomes_alpha(tmp_path):
    samples = random_samples((4, 5, 3), np.uint16, seed=2)
    samples[1, 2] = (1000, 2000, 3000)
    samples[samples[..., 0] == 1000] += 1  # no other pixel matches the key by chance
    samples[1, 2] = (1000, 2000, 3000)
    path = tmp_path / "key.png"
    path.write_bytes(encode_png(samples, before=chunk(b"tRNS", struct.pack(">HHH", 1000, 2000, 3000))))
    pixels = load_image(path).pixels
    assert pixels.shape == (4, 5, 4)
    expected_alpha = np.ones((4, 5), np.float32)
    expected_alpha[1, 2] = 0
    np.testing.assert_array_equal(pixels[..., 3], expected_alpha)
    np.testing.assert_array_equal(pixels[..., :3], as_float(samples))


def test_png_metadata_before_and_after_the_image_data_is_read(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    before = chunk(b"iTXt", b"Author\x00\x01\x00en\x00\x00" + zlib.compress("\u00e9crit".encode()))
    after = (
        chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"squeezed"))
        + chunk(b"eXIf", exif.tobytes()[6:])
        + chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))  # 300 dpi in pixels per metre
    )
    path = tmp_path / "meta.png"
    path.write_bytes(encode_png(random_samples((3, 4, 3), np.uint16), before=before, after=after))
    info = load_image(path).info
    assert dict(info.text) == {"Author": "\u00e9crit", "Comment": "squeezed"}
    kept = Image.Exif()
    kept.load(info.exif)
    assert kept[0x010F] == "Maker"
    assert info.dpi == pytest.approx((300.0, 300.0), abs=0.01)


# -- PNG write: decoded by the reference decoder --------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    channels=st.sampled_from([1, 3, 4]),
    level=st.integers(0, 9),
    seed=st.integers(0, 1000),
)
def test_png16_written_is_read_exactly_by_the_reference_decoder(tmp_path_factory, h, w, channels, level, seed):
    shape = (h, w, channels) if channels > 1 else (h, w)
    pixels = np.random.default_rng(seed).random(shape, dtype=np.float32)
    pixels.flags.writeable = False
    path = save_image(tmp_path_factory.mktemp("png") / "p.png", pixels, options=ExportOptions(bit_depth=16, png_compress_level=level))
    data = path.read_bytes()
    expected = to_samples(pixels, 16)
    np.testing.assert_array_equal(decode_png(data), expected)
    if channels == 1:  # a second, unrelated decoder: Pillow reads 16-bit gray exactly
        np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(data))), expected)
    np.testing.assert_array_equal(load_image(path).pixels, as_float(expected))


def test_png16_metadata_is_read_back_by_pillow(tmp_path):
    path = save_image(tmp_path / "m.png", np.full((3, 4, 3), 0.25, np.float32), info=sample_info(),
                      options=ExportOptions(bit_depth=16), recipe_text='{"steps": []}')
    kinds = [kind for kind, _ in png_chunks(path.read_bytes())]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and kinds.index(b"iCCP") < kinds.index(b"IDAT")
    with Image.open(path) as image:
        image.load()
        assert image.info["icc_profile"] == b"icc" * 50
        assert image.info["dpi"] == pytest.approx((240.0, 240.0), abs=0.02)  # whole pixels per metre
        assert image.text["Title"] == "caf\u00e9 au lait"
        assert image.text["XML:com.adobe.xmp"] == "<x:xmpmeta/>"
        assert image.text["image-editor:recipe"] == '{"steps": []}'
        exif = image.getexif()
        assert exif[0x010F] == "Maker" and exif.get_ifd(0x8825)[1] == "N"


def test_png16_compression_level_is_used(tmp_path):
    y, x = np.mgrid[0:64, 0:80].astype(np.float32)
    smooth = np.stack([x / 80, y / 64, (x + y) / 144], axis=-1)
    stored = save_image(tmp_path / "0.png", smooth, options=ExportOptions(bit_depth=16, png_compress_level=0))
    packed = save_image(tmp_path / "9.png", smooth, options=ExportOptions(bit_depth=16, png_compress_level=9))
    assert stored.stat().st_size > smooth.size * 2  # level 0 stores: at least the raw 16-bit samples
    assert packed.stat().st_size < stored.stat().st_size / 4
    np.testing.assert_array_equal(decode_png(packed.read_bytes()), to_samples(smooth, 16))


# -- PNG: damaged 16-bit files ------------------------------------------------------------------------
def good_png16() -> bytes:
    return encode_png(random_samples((8, 8, 3), np.uint16, seed=1), kinds=[1])


@pytest.mark.parametrize(
    "damage,reason",
    [
        (lambda d: d[: len(d) // 2], "truncated"),
        (lambda d: d[:45], "truncated"),
        (lambda d: d[:50] + bytes([d[50] ^ 0xFF]) + d[51:], "damaged"),  # in the image data: CRC
    ],
    ids=["half", "in-idat-header", "crc"],
)
def test_damaged_png16_gives_the_editors_read_error(tmp_path, damage, reason):
    path = tmp_path / "bad.png"
    path.write_bytes(damage(good_png16()))
    with pytest.raises(ImageReadError) as info:
        load_image(path)
    assert str(info.value).startswith(f"Cannot open {path}: ") and reason in str(info.value)


def test_unknown_png_filter_type_gives_the_editors_read_error(tmp_path):
    samples = random_samples((3, 4, 3), np.uint16)
    rows = samples.astype(">u2").reshape(3, -1).view(np.uint8)
    bad = np.hstack([np.full((3, 1), 7, np.uint8), rows]).tobytes()
    ihdr = struct.pack(">IIBBBBB", 4, 3, 16, 2, 0, 0, 0)
    path = tmp_path / "filter7.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bad)) + chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match="damaged"):
        load_image(path)


# -- TIFF write: decoded by the reference strip reader ----------------------------------------------
@pytest.mark.parametrize("compression", TIFF_COMPRESSIONS)
@pytest.mark.parametrize("channels", [1, 3, 4])
@pytest.mark.parametrize("depth", [8, 16])
def test_tiff_written_is_read_exactly_with_its_metadata(tmp_path, depth, channels, compression):
    shape = (23, 17, channels) if channels > 1 else (23, 17)
    pixels = np.random.default_rng(channels).random(shape, dtype=np.float32)
    options = ExportOptions(bit_depth=depth, tiff_compression=compression)
    path = save_image(tmp_path / "out.tif", pixels, info=sample_info(), options=options)
    samples, tags = read_tiff_strips(path)
    np.testing.assert_array_equal(samples, to_samples(pixels, depth))
    assert tags[317] == 2 if compression in ("lzw", "deflate") else tags.get(317, 1) == 1  # predictor
    assert tags.get(338, ()) == ((2,) if channels == 4 else ())  # unassociated alpha
    with Image.open(path) as image:
        exif = image.getexif()
        assert exif[0x010F] == "Maker" and exif[0x0110] == "Model X"
        assert exif.get_ifd(0x8769)[0x9003] == "2021:06:07 08:09:10"
        assert exif.get_ifd(0x8825)[1] == "N"
        assert image.info["icc_profile"] == b"icc" * 50
        assert image.info["xmp"] == b"<x:xmpmeta/>"
        assert image.info["dpi"] == pytest.approx((240.0, 240.0))
        if depth == 8 or channels == 1:  # a second decoder where Pillow keeps the precision
            np.testing.assert_array_equal(np.asarray(image), to_samples(pixels, depth))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, as_float(to_samples(pixels, depth)))
    assert loaded.info.bit_depth == depth


def test_tiff_without_metadata_has_no_exif_and_no_resolution(tmp_path):
    path = save_image(tmp_path / "bare.tif", np.zeros((4, 4, 3), np.float32), info=sample_info(),
                      options=ExportOptions(metadata="none", keep_icc=False))
    _, tags = read_tiff_strips(path)
    assert not {0x010F, 0x8769, 0x8825, 700, 34675} & set(tags)
    assert load_image(path).info.dpi is None


def test_lzw_and_deflate_make_a_16_bit_photo_smaller(tmp_path):
    # A smooth picture with a little noise, as a camera's 16-bit file: without
    # the predictor, LZW made such a file bigger than no compression at all.
    y, x = np.mgrid[0:256, 0:320].astype(np.float32)
    noise = np.random.default_rng(0).normal(0, 0.002, (256, 320, 3)).astype(np.float32)
    photo = np.clip(np.stack([0.5 + 0.3 * np.sin(x / 40 + k) * np.cos(y / 50) for k in range(3)], -1) + noise, 0, 1)
    sizes = {
        name: save_image(tmp_path / f"{name}.tif", photo, options=ExportOptions(bit_depth=16, tiff_compression=name)).stat().st_size
        for name in TIFF_COMPRESSIONS
    }
    # Measured: LZW 0.92 and deflate 0.78 of the uncompressed size (LZW was 1.30 without the predictor).
    assert sizes["lzw"] < 0.96 * sizes["none"] and sizes["deflate"] < 0.85 * sizes["none"], sizes


# -- TIFF read: layouts other programs write -----------------------------------------------------------
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
    samples = random_samples((40, 37, channels), np.uint16, seed=channels)
    path = tmp_path / "tiled.tif"
    path.write_bytes(tiled_tiff(samples, 16, byte_order))
    with Image.open(path) as image:  # the file is right: Pillow sees the high bytes
        np.testing.assert_array_equal(np.asarray(image), (samples >> 8).astype(np.uint8))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, as_float(samples))
    assert loaded.info.bit_depth == 16


def test_deep_tiff_written_by_libtiff_is_read_exactly(tmp_path):
    # An LZW-compressed 16-bit RGB TIFF written by libtiff through Pillow's
    # I;16 route, as another program would write it.
    samples = random_samples((40, 48, 3), np.uint16, seed=4)
    flat = Image.fromarray(samples.reshape(40, 48 * 3))
    path = tmp_path / "libtiff.tif"
    flat.save(path, "TIFF", compression="tiff_lzw", tiffinfo={256: 48, 277: 3, 262: 2, 258: (16, 16, 16), 284: 1})
    np.testing.assert_array_equal(load_image(path).pixels, as_float(samples))


@pytest.mark.parametrize("channels", [3, 4])
def test_separate_planes_and_big_endian_tiffs(tmp_path, channels):
    samples = random_samples((21, 13, channels), np.uint16, seed=channels)
    path = tmp_path / "planes.tif"
    tifffile.imwrite(
        path, np.moveaxis(samples, -1, 0), planarconfig="separate", byteorder=">", compression="zlib",
        photometric="rgb", extrasamples=("unassalpha",) if channels == 4 else None,
    )
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, as_float(samples))
    assert loaded.pixels.shape == (21, 13, channels)


def test_gray_alpha_tiff_becomes_rgba(tmp_path):
    samples = random_samples((6, 5, 2), np.uint8, seed=8)
    path = tmp_path / "la.tif"
    tifffile.imwrite(path, samples, photometric="minisblack", extrasamples=("unassalpha",), compression="lzw")
    np.testing.assert_array_equal(load_image(path).pixels, as_float(samples))


def test_multipage_16_bit_tiff_opens_its_first_page_with_a_note(tmp_path):
    pages = random_samples((3, 9, 7, 3), np.uint16, seed=5)
    path = tmp_path / "pages.tif"
    with tifffile.TiffWriter(path) as writer:
        for page in pages:
            writer.write(page, photometric="rgb", compression="lzw")
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, as_float(pages[0]))
    assert loaded.info.notes == ("pages.tif has 3 pages or frames; the first one was opened",)


# -- TIFF: damaged files -----------------------------------------------------------------------------
def good_tiff(tmp_path, **options) -> bytes:
    pixels = np.random.default_rng(0).random((64, 48, 3), dtype=np.float32)
    return save_image(tmp_path / "good.tif", pixels, options=ExportOptions(bit_depth=16, **options)).read_bytes()


@pytest.mark.parametrize("compression", ["none", "lzw", "deflate"])
def test_truncated_tiff_says_so(tmp_path, compression):
    data = good_tiff(tmp_path, tiff_compression=compression)
    path = tmp_path / "cut.tif"
    path.write_bytes(data[: len(data) // 2])  # the directory comes first, the strips are cut
    with pytest.raises(ImageReadError, match=r"^Cannot open .*cut\.tif: the file is truncated"):
        load_image(path)


@pytest.mark.parametrize("compression", ["lzw", "deflate"])
def test_corrupt_compressed_tiff_gives_the_editors_read_error(tmp_path, compression):
    data = bytearray(good_tiff(tmp_path, tiff_compression=compression))
    with Image.open(io.BytesIO(bytes(data))) as image:
        first = image.tag_v2[273][0]
    data[first : first + 64] = bytes((7 * i + 1) % 256 for i in range(64))  # garbage in the first strip
    path = tmp_path / "corrupt.tif"
    path.write_bytes(bytes(data))
    with pytest.raises(ImageReadError, match=r"^Cannot open .*corrupt\.tif: the file is damaged"):
        load_image(path)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_tiff_whose_directory_is_lost_is_named_as_a_damaged_tiff(tmp_path):
    data = good_tiff(tmp_path, tiff_compression="lzw")
    path = tmp_path / "headless.tif"
    path.write_bytes(data[:4] + struct.pack("<I", len(data) + 100) + data[8:])  # points past the end
    with pytest.raises(ImageReadError, match="it is a TIFF file, but damaged or truncated"):
        load_image(path)


# -- TIFF that Pillow cannot open: tifffile alone ------------------------------------------------------
def test_float_rgb_tiff_is_read_with_orientation_icc_and_resolution(tmp_path):
    stored = np.random.default_rng(6).random((5, 8, 3), dtype=np.float32)
    path = tmp_path / "hdr.tif"
    tifffile.imwrite(path, stored, photometric="rgb", iccprofile=b"icc" * 30, resolution=(300, 300),
                     resolutionunit="inch", extratags=[(0x0112, "H", 1, 6, True)])  # 6: turn a quarter clockwise
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, np.rot90(stored, k=-1))
    assert loaded.info.bit_depth == 32 and loaded.info.notes == ()
    assert loaded.info.icc_profile == b"icc" * 30 and loaded.info.dpi == pytest.approx((300.0, 300.0))


def test_16_bit_gray_alpha_tiff_is_read_exactly(tmp_path):
    samples = random_samples((7, 6, 2), np.uint16, seed=9)
    path = tmp_path / "la16.tif"
    tifffile.imwrite(path, samples, photometric="minisblack", extrasamples=("unassalpha",), compression="zlib")
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.pixels, as_float(samples))
    assert loaded.info.bit_depth == 16


def test_float_tiff_outside_0_1_is_scaled_with_a_note(tmp_path):
    stored = np.array([[[0.0, 2.0, 4.0], [1.0, 3.0, 0.5]]])
    path = tmp_path / "wide.tif"
    tifffile.imwrite(path, stored, photometric="rgb")
    loaded = load_image(path)
    np.testing.assert_allclose(loaded.pixels, stored / 4, atol=1e-7)
    assert loaded.info.notes == ("floating-point values from 0 to 4 were scaled to 0..1",)


def test_tiff_of_an_unsupported_kind_says_so(tmp_path):
    path = tmp_path / "ycbcr.tif"
    tifffile.imwrite(path, random_samples((4, 4, 3), np.uint16).astype(np.uint32), photometric="ycbcr")
    with pytest.raises(ImageReadError, match=r"this kind of TIFF is not supported \(ycbcr, 3 samples of 32 bits\)"):
        load_image(path)
