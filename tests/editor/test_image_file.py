"""Opening anything, exporting exactly what was asked, never losing a file.

Every test file is built here with Pillow, tifffile or the independent PNG
encoder of reference_codecs.py in a temporary folder; nothing is shipped.
"""
from __future__ import annotations

import errno
import io
import os
from pathlib import Path

import numpy as np
import pytest
import imagecodecs
import tifffile
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from editor import image_file
from editor.errors import ImageReadError, ImageWriteError
from editor.image_file import (
    RECIPE_KEY,
    ExportOptions,
    ImageInfo,
    estimate_size,
    load_image,
    read_embedded_recipe,
    save_image,
)
from tests.conftest import make_image
from tests.editor.reference_codecs import PNG_SIGNATURE, chunk, encode_png

CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def quantized(pixels: np.ndarray, depth: int = 8) -> np.ndarray:
    top = 255 if depth == 8 else 65535
    return (np.rint(np.clip(pixels, 0, 1) * top) / top).astype(np.float32)


def as_rgb(pixels: np.ndarray) -> np.ndarray:
    return np.repeat(pixels[..., None], 3, axis=-1) if pixels.ndim == 2 else pixels


LAYOUTS = {"gray": (19, 23), "rgb": (19, 23, 3), "rgba": (19, 23, 4)}


# -- round trips -----------------------------------------------------------------------------
LOSSLESS = [
    ("png8", ".png", ExportOptions(bit_depth=8), 8),
    ("png16", ".png", ExportOptions(bit_depth=16), 16),
    ("tiff8-none", ".tif", ExportOptions(bit_depth=8, tiff_compression="none"), 8),
    ("tiff8-lzw", ".tif", ExportOptions(bit_depth=8, tiff_compression="lzw"), 8),
    ("tiff16-deflate", ".tiff", ExportOptions(bit_depth=16, tiff_compression="deflate"), 16),
    ("tiff16-packbits", ".tif", ExportOptions(bit_depth=16, tiff_compression="packbits"), 16),
    ("tiff16-none", ".tif", ExportOptions(bit_depth=16, tiff_compression="none"), 16),
    ("bmp", ".bmp", ExportOptions(), 8),
    ("webp-lossless", ".webp", ExportOptions(webp_lossless=True), 8),
]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("name,suffix,options,depth", LOSSLESS, ids=[c[0] for c in LOSSLESS])
def test_lossless_round_trip(tmp_path, layout, name, suffix, options, depth):
    pixels = make_image(LAYOUTS[layout], seed=3)
    path = save_image(tmp_path / f"out{suffix}", pixels, options=options)
    loaded = load_image(path)
    expected = quantized(pixels, depth)
    if name.startswith("webp") and layout == "gray":
        expected = as_rgb(expected)  # WebP has no gray: written as RGB
    if name == "bmp" and layout == "rgba":  # no alpha in BMP: flattened over white
        alpha = pixels[..., 3:]
        expected = quantized(pixels[..., :3] * alpha + (1 - alpha))
    np.testing.assert_array_equal(loaded.pixels, expected)
    assert loaded.pixels.dtype == np.float32 and not loaded.pixels.flags.writeable
    assert loaded.info.bit_depth == depth
    assert loaded.info.format == options.resolve_format(path)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("suffix,options", [(".jpg", ExportOptions(quality=95, subsampling="4:4:4")), (".webp", ExportOptions(quality=95))])
def test_lossy_round_trip_is_close(tmp_path, layout, suffix, options):
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    smooth = 0.5 + 0.3 * np.sin(x / 9) * np.cos(y / 7)
    pixels = {
        "gray": smooth,
        "rgb": np.stack([smooth, 1 - smooth, smooth * 0.5], -1),
        "rgba": np.stack([smooth, 1 - smooth, smooth * 0.5, 1 - smooth * 0.5], -1),
    }[layout].astype(np.float32)
    loaded = load_image(save_image(tmp_path / f"out{suffix}", pixels, options=options)).pixels
    if suffix == ".jpg" and layout == "rgba":  # no alpha in JPEG: flattened over white
        pixels = pixels[..., :3] * pixels[..., 3:] + (1 - pixels[..., 3:])
    if suffix == ".webp" and layout == "gray":
        pixels = as_rgb(pixels)
    assert loaded.shape == pixels.shape
    assert np.abs(loaded - pixels).mean() < 0.01
    assert np.abs(loaded - pixels).max() < 0.08


def test_jpeg_flattens_transparency_over_white(tmp_path):
    pixels = np.zeros((16, 16, 4), np.float32)
    pixels[..., 0] = 1.0  # red, half of it fully transparent
    pixels[:, :8, 3] = 1.0
    loaded = load_image(save_image(tmp_path / "flat.jpg", pixels, options=ExportOptions(quality=100, format="JPEG"))).pixels
    assert loaded.shape == (16, 16, 3)
    np.testing.assert_allclose(loaded[4:12, 1:5], [[[1, 0, 0]] * 4] * 8, atol=0.03)
    np.testing.assert_allclose(loaded[4:12, 11:15], np.ones((8, 4, 3)), atol=0.03)


def test_jpeg_chroma_subsampling_is_written_as_asked(tmp_path):
    from PIL import JpegImagePlugin

    pixels = make_image((32, 32, 3), seed=4)
    found = {}
    for sampling in image_file.JPEG_SUBSAMPLING:
        path = save_image(tmp_path / f"s{sampling.replace(':', '')}.jpg", pixels, options=ExportOptions(subsampling=sampling))
        with Image.open(path) as image:
            found[sampling] = JpegImagePlugin.get_sampling(image)
    assert found == {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def test_quality_and_compression_level_change_the_file(tmp_path):
    pixels = make_image((64, 64, 3), seed=5)
    low = save_image(tmp_path / "low.jpg", pixels, options=ExportOptions(quality=20)).stat().st_size
    high = save_image(tmp_path / "high.jpg", pixels, options=ExportOptions(quality=98)).stat().st_size
    assert low < high / 2
    fast = save_image(tmp_path / "fast.png", pixels, options=ExportOptions(png_compress_level=0)).stat().st_size
    small = save_image(tmp_path / "small.png", pixels, options=ExportOptions(png_compress_level=9)).stat().st_size
    assert small < fast
    lossless = save_image(tmp_path / "l.webp", pixels, options=ExportOptions(webp_lossless=True))
    np.testing.assert_array_equal(load_image(lossless).pixels, quantized(pixels))


@settings(max_examples=20, deadline=None)
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    channels=st.sampled_from([0, 3, 4]),
    depth=st.sampled_from([8, 16]),
    fmt=st.sampled_from(["PNG", "TIFF"]),
    seed=st.integers(0, 99),
)
def test_round_trip_property(tmp_path_factory, h, w, channels, depth, fmt, seed):
    rng = np.random.default_rng(seed)
    shape = (h, w, channels) if channels else (h, w)
    pixels = rng.random(shape, dtype=np.float32)
    pixels.flags.writeable = False
    path = tmp_path_factory.mktemp("prop") / ("p.png" if fmt == "PNG" else "p.tif")
    save_image(path, pixels, options=ExportOptions(bit_depth=depth))
    loaded = load_image(path).pixels
    assert loaded.shape == shape and loaded.dtype == np.float32
    assert 0.0 <= loaded.min() and loaded.max() <= 1.0
    np.testing.assert_array_equal(loaded, quantized(pixels, depth))


# -- 16 bits end to end --------------------------------------------------------------------------
def deep_samples(shape, seed=0) -> np.ndarray:
    """uint16 samples whose low bytes matter (8-bit precision would lose them)."""
    return np.random.default_rng(seed).integers(0, 65536, shape, dtype=np.uint16)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
@pytest.mark.parametrize("channels", [0, 3, 4])
def test_16_bit_source_is_exported_at_16_bits_by_default(tmp_path, suffix, channels):
    samples = deep_samples((12, 10, channels) if channels else (12, 10), seed=channels)
    source = tmp_path / f"source{suffix}"
    if suffix == ".png":
        source.write_bytes(encode_png(samples))
    else:
        tifffile.imwrite(source, samples, compression="lzw", photometric="rgb" if channels else "minisblack",
                         extrasamples=("unassalpha",) if channels == 4 else None)
    loaded = load_image(source)
    assert loaded.info.bit_depth == 16
    np.testing.assert_array_equal(np.rint(loaded.pixels * 65535).astype(np.uint16), samples)
    for out_suffix in (".png", ".tif"):
        out = save_image(tmp_path / f"again{out_suffix}", loaded.pixels, info=loaded.info)
        again = load_image(out)
        assert again.info.bit_depth == 16
        np.testing.assert_array_equal(again.pixels, loaded.pixels)
    eight = load_image(save_image(tmp_path / "eight.png", loaded.pixels, info=loaded.info, options=ExportOptions(bit_depth=8)))
    assert eight.info.bit_depth == 8


def test_pillow_16_bit_gray_png_and_tiff_keep_precision(tmp_path):
    samples = deep_samples((7, 9), seed=2)
    for suffix in (".png", ".tif"):
        path = tmp_path / f"gray{suffix}"
        Image.fromarray(samples).save(path)
        loaded = load_image(path)
        assert loaded.info.bit_depth == 16 and loaded.info.mode.startswith("I")
        np.testing.assert_array_equal(np.rint(loaded.pixels * 65535).astype(np.uint16), samples)


def test_big_endian_16_bit_gray_tiff(tmp_path):
    samples = deep_samples((6, 5), seed=3)
    path = tmp_path / "mm.tif"
    tifffile.imwrite(path, samples, byteorder=">")
    loaded = load_image(path)
    assert loaded.info.mode == "I;16B" and loaded.info.bit_depth == 16
    np.testing.assert_array_equal(np.rint(loaded.pixels * 65535).astype(np.uint16), samples)


def test_16_bit_gray_alpha_png_becomes_rgba(tmp_path):
    samples = deep_samples((5, 6, 2), seed=7)
    path = tmp_path / "la16.png"
    path.write_bytes(encode_png(samples))
    loaded = load_image(path)
    assert loaded.pixels.shape == (5, 6, 4) and loaded.info.bit_depth == 16
    got = np.rint(loaded.pixels * 65535).astype(np.uint16)
    for c in range(3):
        np.testing.assert_array_equal(got[..., c], samples[..., 0])
    np.testing.assert_array_equal(got[..., 3], samples[..., 1])


def test_16_bit_cannot_go_into_jpeg(tmp_path):
    with pytest.raises(ImageWriteError, match="JPEG cannot hold 16 bits"):
        save_image(tmp_path / "x.jpg", make_image((4, 4, 3)), options=ExportOptions(bit_depth=16))
    assert not (tmp_path / "x.jpg").exists()


# -- opening every mode ----------------------------------------------------------------------------
def test_open_modes_1_l_la_rgb_rgba(tmp_path):
    rng = np.random.default_rng(1)
    bits = rng.random((6, 8)) > 0.5
    Image.fromarray(bits).save(tmp_path / "bits.png")
    np.testing.assert_array_equal(load_image(tmp_path / "bits.png").pixels, bits.astype(np.float32))

    la = rng.integers(0, 256, (6, 8, 2), dtype=np.uint8)
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    loaded = load_image(tmp_path / "la.png").pixels
    expected = np.stack([la[..., 0]] * 3 + [la[..., 1]], -1) / np.float32(255)
    np.testing.assert_allclose(loaded, expected, atol=1e-7)

    for mode, channels in (("L", ()), ("RGB", (3,)), ("RGBA", (4,))):
        data = rng.integers(0, 256, (6, 8, *channels), dtype=np.uint8)
        Image.fromarray(data, mode).save(tmp_path / f"{mode}.png")
        loaded = load_image(tmp_path / f"{mode}.png")
        assert loaded.info.mode == mode
        np.testing.assert_allclose(loaded.pixels, data / np.float32(255), atol=1e-7)


@pytest.mark.parametrize("transparent", [False, True])
def test_open_palette_image(tmp_path, transparent):
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
    index = np.array([[0, 1, 2, 3], [3, 2, 1, 0]], np.uint8)
    image = Image.fromarray(index, "P")
    image.putpalette([v for rgb in palette for v in rgb])
    path = tmp_path / "p.png"
    image.save(path, transparency=2) if transparent else image.save(path)
    loaded = load_image(path).pixels
    expected = np.zeros((2, 4, 4 if transparent else 3), np.float32)
    for y in range(2):
        for x in range(4):
            rgb = palette[index[y, x]]
            expected[y, x, :3] = np.array(rgb) / 255
            if transparent:
                expected[y, x, 3] = 0.0 if index[y, x] == 2 else 1.0
    np.testing.assert_allclose(loaded, expected, atol=1e-7)


def test_open_cmyk_without_profile_uses_the_naive_formula(tmp_path):
    cmyk = np.array([[[0, 0, 0, 0], [255, 0, 0, 0], [0, 128, 0, 128], [0, 0, 0, 255]]], np.uint8)
    path = tmp_path / "cmyk.tif"
    Image.fromarray(cmyk, "CMYK").save(path)
    loaded = load_image(path)
    c, m, y, k = (cmyk[..., i] / 255 for i in range(4))
    expected = np.stack([(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)], -1)
    np.testing.assert_allclose(loaded.pixels, expected, atol=1e-6)
    assert any("without a colour profile" in n for n in loaded.info.notes)


@pytest.mark.skipif(not CMYK_PROFILE.exists() or image_file.ImageCms is None, reason="needs a CMYK ICC profile and littleCMS")
def test_open_cmyk_jpeg_with_its_icc_profile(tmp_path):
    from PIL import ImageCms

    profile = CMYK_PROFILE.read_bytes()
    cmyk = Image.fromarray(np.array([[[0, 255, 0, 0], [255, 0, 0, 0], [0, 0, 255, 0], [30, 30, 30, 30]]] * 4, np.uint8), "CMYK")
    path = tmp_path / "cmyk.jpg"
    cmyk.save(path, quality=100, icc_profile=profile)
    loaded = load_image(path)
    with Image.open(path) as decoded:
        reference = ImageCms.profileToProfile(
            decoded, ImageCms.ImageCmsProfile(io.BytesIO(profile)), ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    np.testing.assert_allclose(loaded.pixels, np.asarray(reference) / 255, atol=1e-6)
    naive = 1 - np.asarray(cmyk)[..., :3] / 255
    assert np.abs(loaded.pixels[0, 0] - naive[0, 0]).max() > 0.05  # really colour-managed: SWOP magenta is not pure
    assert loaded.info.icc_profile is None  # the pixels are sRGB now
    assert any("ICC profile" in n for n in loaded.info.notes)


def test_open_integer_and_float_tiffs(tmp_path):
    small = np.array([[0, 1000, 65535]], np.int32)
    Image.fromarray(small, "I").save(tmp_path / "i16.tif")
    loaded = load_image(tmp_path / "i16.tif")
    np.testing.assert_allclose(loaded.pixels, small / 65535, atol=1e-7)
    assert loaded.info.bit_depth == 16

    wide = np.array([[-100, 0, 300000]], np.int32)
    Image.fromarray(wide, "I").save(tmp_path / "i32.tif")
    loaded = load_image(tmp_path / "i32.tif")
    np.testing.assert_allclose(loaded.pixels, (wide + 100) / 300100, atol=1e-7)
    assert loaded.info.bit_depth == 32 and any("scaled to 0..1" in n for n in loaded.info.notes)

    unit = np.array([[0.0, 0.25, 1.0]], np.float32)
    Image.fromarray(unit, "F").save(tmp_path / "f.tif")
    loaded = load_image(tmp_path / "f.tif")
    np.testing.assert_array_equal(loaded.pixels, unit)
    assert loaded.info.bit_depth == 32 and loaded.info.notes == ()

    hdr = np.array([[0.0, 2.0, 4.0, np.nan]], np.float32)
    Image.fromarray(hdr, "F").save(tmp_path / "hdr.tif")
    np.testing.assert_allclose(load_image(tmp_path / "hdr.tif").pixels, [[0.0, 0.5, 1.0, 0.0]])


def test_gif_first_frame_and_multipage_tiff_first_page_with_a_note(tmp_path):
    frames = [Image.new("RGB", (8, 6), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    frames[0].save(tmp_path / "pages.tif", save_all=True, append_images=frames[1:])
    for name in ("anim.gif", "pages.tif"):
        loaded = load_image(tmp_path / name)
        np.testing.assert_allclose(loaded.pixels[..., :3], np.broadcast_to([1.0, 0.0, 0.0], (6, 8, 3)), atol=1e-6)
        assert loaded.info.notes == (f"{name} has 3 pages or frames; the first one was opened",)


def test_other_formats_pillow_reads(tmp_path):
    pixels = np.random.default_rng(3).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    for suffix in (".ppm", ".tga", ".bmp"):
        Image.fromarray(pixels).save(tmp_path / f"x{suffix}")
        np.testing.assert_allclose(load_image(tmp_path / f"x{suffix}").pixels, pixels / 255, atol=1e-7)


# -- EXIF orientation ------------------------------------------------------------------------------
def reference_orient(stored: np.ndarray, orientation: int) -> np.ndarray:
    """EXIF 2.3, tag 0x0112: where the stored row 0 and column 0 are shown, by loops."""
    h, w = stored.shape[:2]
    swapped = orientation >= 5
    out = np.empty((w, h) + stored.shape[2:] if swapped else stored.shape, stored.dtype)
    for y in range(h):
        for x in range(w):
            target = {
                1: (y, x), 2: (y, w - 1 - x), 3: (h - 1 - y, w - 1 - x), 4: (h - 1 - y, x),
                5: (x, y), 6: (x, h - 1 - y), 7: (w - 1 - x, h - 1 - y), 8: (w - 1 - x, y),
            }[orientation]
            out[target] = stored[y, x]
    return out


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_on_jpeg(tmp_path, orientation):
    stored = np.zeros((16, 24, 3), np.uint8)
    stored[:8, :8] = (250, 0, 0)  # an asymmetric picture: red top-left, green right edge
    stored[:, 20:] = (0, 250, 0)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Maker"
    path = tmp_path / f"o{orientation}.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif.tobytes())
    loaded = load_image(path)
    with Image.open(path) as raw:
        decoded = np.asarray(raw) / np.float32(255)
        upright = np.asarray(ImageOps.exif_transpose(raw)) / np.float32(255)
    np.testing.assert_array_equal(loaded.pixels, reference_orient(decoded, orientation))
    np.testing.assert_array_equal(loaded.pixels, upright)  # Pillow agrees
    kept = Image.Exif()
    kept.load(loaded.info.exif)
    assert kept[0x0112] == 1 and kept[0x010F] == "Maker"
    out = save_image(tmp_path / f"out{orientation}.jpg", loaded.pixels, info=loaded.info)
    with Image.open(out) as again:
        assert again.getexif()[0x0112] == 1
        assert again.size == (loaded.pixels.shape[1], loaded.pixels.shape[0])


@pytest.mark.parametrize("orientation", [2, 5, 6, 8])
def test_exif_orientation_on_png_and_tiff_8_and_16_bit(tmp_path, orientation):
    """Pillow applies TIFF orientation itself while loading, PNG's not: neither twice."""
    samples = deep_samples((5, 7, 3), seed=orientation)
    exif = Image.Exif()
    exif[0x0112] = orientation
    png = tmp_path / "o.png"
    png.write_bytes(encode_png(samples, before=chunk(b"eXIf", exif.tobytes()[6:])))  # without "Exif\0\0"
    tif = tmp_path / "o.tif"
    tifffile.imwrite(tif, samples, photometric="rgb", extratags=[(0x0112, "H", 1, orientation, True)])
    expected = reference_orient(samples, orientation)
    for path in (png, tif):
        loaded = load_image(path)
        np.testing.assert_array_equal(np.rint(loaded.pixels * 65535).astype(np.uint16), expected)
    eight = (samples >> 8).astype(np.uint8)
    for suffix in (".png", ".tif"):
        path = tmp_path / f"o8{suffix}"
        Image.fromarray(eight).save(path, exif=exif.tobytes())
        loaded = load_image(path)
        np.testing.assert_array_equal(np.rint(loaded.pixels * 255).astype(np.uint8), reference_orient(eight, orientation))


# -- metadata kept and stripped --------------------------------------------------------------------
def rich_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    exif[0x0110] = "Model X"
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2021:06:07 08:09:10"
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    return exif.tobytes()


def source_info(**changes) -> ImageInfo:
    values = dict(
        path="/photos/source.jpg", format="JPEG", exif=rich_exif(), icc_profile=b"ICC-profile-bytes" * 20,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description exif:GPSLatitude="51,30N"/></x:xmpmeta>',
        dpi=(300.0, 300.0), text=(("Title", "Harbour"),),
    )
    values.update(changes)
    return ImageInfo(**values)


def exif_of(path) -> Image.Exif:
    with Image.open(path) as image:
        image.load()
        return image.getexif()


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_metadata_kept(tmp_path, suffix):
    out = save_image(tmp_path / f"all{suffix}", make_image((12, 16, 3)), info=source_info())
    exif = exif_of(out)
    assert exif[0x010F] == "Maker" and exif[0x0110] == "Model X"
    assert exif[0x0112] == 1  # pixels are upright: orientation reset
    assert exif.get_ifd(0x8769)[0x9003] == "2021:06:07 08:09:10"
    assert exif.get_ifd(0x8825)[1] == "N"
    loaded = load_image(out)
    assert loaded.info.icc_profile == b"ICC-profile-bytes" * 20
    assert loaded.info.xmp is not None and b"GPSLatitude" in loaded.info.xmp
    if suffix != ".webp":
        assert loaded.info.dpi == pytest.approx((300.0, 300.0), abs=0.05)
    if suffix == ".png":
        assert dict(loaded.info.text) == {"Title": "Harbour"}


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_strip_gps_only(tmp_path, suffix):
    out = save_image(tmp_path / f"nogps{suffix}", make_image((12, 16, 3)), info=source_info(), options=ExportOptions(metadata="no_gps"))
    exif = exif_of(out)
    assert exif[0x010F] == "Maker"
    assert exif.get_ifd(0x8769)[0x9003] == "2021:06:07 08:09:10"
    assert 0x8825 not in exif and exif.get_ifd(0x8825) == {}
    loaded = load_image(out)
    assert loaded.info.xmp is None  # it mentions GPS
    assert loaded.info.icc_profile == b"ICC-profile-bytes" * 20


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".tif", ".webp"])
def test_strip_everything_but_keep_icc_as_asked(tmp_path, suffix):
    pixels = make_image((12, 16, 3))
    out = save_image(tmp_path / f"none{suffix}", pixels, info=source_info(), options=ExportOptions(metadata="none"))
    exif = exif_of(out)
    assert 0x010F not in exif and 0x8825 not in exif and 0x8769 not in exif
    loaded = load_image(out)
    assert loaded.info.exif is None and loaded.info.xmp is None and loaded.info.text == ()
    assert loaded.info.icc_profile == b"ICC-profile-bytes" * 20
    bare = save_image(tmp_path / f"bare{suffix}", pixels, info=source_info(), options=ExportOptions(metadata="none", keep_icc=False))
    assert load_image(bare).info.icc_profile is None


def test_metadata_read_from_a_camera_like_jpeg_and_carried_to_png(tmp_path):
    source = tmp_path / "camera.jpg"
    Image.fromarray(np.full((8, 8, 3), 128, np.uint8)).save(
        source, exif=rich_exif(), icc_profile=b"P" * 300, xmp=b"<x:xmpmeta/>", dpi=(240, 240)
    )
    loaded = load_image(source)
    assert loaded.pixels.shape == (8, 8, 3)  # orientation 6 applied (square: same shape)
    out = save_image(tmp_path / "edited.png", loaded.pixels, info=loaded.info)
    again = load_image(out)
    assert again.info.icc_profile == b"P" * 300 and again.info.xmp == b"<x:xmpmeta/>"
    assert again.info.dpi == pytest.approx((240, 240), abs=0.05)
    exif = Image.Exif()
    exif.load(again.info.exif)
    assert exif[0x0110] == "Model X" and exif.get_ifd(0x8825)[3] == "W"


def test_tiff_layout_tags_are_not_carried_as_metadata(tmp_path):
    source = tmp_path / "scan.tif"
    Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(source, exif=rich_exif())
    loaded = load_image(source)
    exif = Image.Exif()
    exif.load(loaded.info.exif)
    assert 256 not in exif and 273 not in exif and 259 not in exif
    assert exif[0x010F] == "Maker"
    out = save_image(tmp_path / "out.jpg", loaded.pixels, info=loaded.info)
    assert load_image(out).pixels.shape == loaded.pixels.shape


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_damaged_exif_does_not_stop_the_load(tmp_path):
    path = tmp_path / "bad-exif.png"
    for body in (b"MM\x00*\x00\x00\x00\x08\x00\x05garbage", b"XX\x00*garbage"):
        path.write_bytes(encode_png(deep_samples((3, 3, 3)), before=chunk(b"eXIf", body)))
        loaded = load_image(path)
        assert loaded.pixels.shape == (3, 3, 3) and loaded.info.exif is None
    assert loaded.info.notes[0].startswith("the EXIF data is damaged and was not kept")


# -- the embedded processing log -------------------------------------------------------------------
RECIPE = '{"version": 1, "steps": [{"op": "filter.gaussian_blur", "params": {"sigma": 2.0}}]}'


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif", ".webp"])
def test_recipe_embedded_only_when_given(tmp_path, suffix):
    pixels = make_image((8, 8, 3))
    plain = save_image(tmp_path / f"plain{suffix}", pixels, info=source_info())
    assert read_embedded_recipe(plain) is None
    logged = save_image(tmp_path / f"log{suffix}", pixels, info=source_info(), recipe_text=RECIPE)
    assert read_embedded_recipe(logged) == RECIPE
    with Image.open(logged) as image:
        image.load()
        if suffix == ".png":
            assert image.text[RECIPE_KEY] == RECIPE
        else:
            comment = image.getexif().get_ifd(0x8769)[0x9286]
            assert comment.startswith(b"ASCII\x00\x00\x00" + RECIPE_KEY.encode())
    # Re-exporting the opened file does not carry the old log along.
    loaded = load_image(logged)
    assert loaded.info.embedded_recipe == RECIPE
    again = save_image(tmp_path / f"again{suffix}", loaded.pixels, info=loaded.info)
    assert read_embedded_recipe(again) is None
    assert exif_of(again)[0x010F] == "Maker"


def test_recipe_with_non_ascii_text_and_without_other_metadata(tmp_path):
    text = '{"note": "d\u00e9j\u00e0 vu \u2713"}'
    out = save_image(tmp_path / "n.jpg", make_image((8, 8, 3)), recipe_text=text, options=ExportOptions(metadata="none"))
    assert read_embedded_recipe(out) == text


def test_bmp_cannot_hold_a_recipe(tmp_path):
    with pytest.raises(ImageWriteError, match="BMP cannot hold the processing log"):
        save_image(tmp_path / "x.bmp", make_image((4, 4, 3)), recipe_text=RECIPE)


# -- atomic writes ---------------------------------------------------------------------------------
def folder_listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("depth", [8, 16])
def test_interrupted_write_leaves_the_target_as_it_was(tmp_path, monkeypatch, depth):
    target = tmp_path / "keep.png"
    target.write_bytes(b"the old file")
    calls = []

    def half_written(image, fp, filename, *args):
        fp.write(b"\x89PNG half of a file")
        calls.append(filename)
        raise OSError(errno.ENOSPC, "No space left on device")

    def failing_encoder(*args, **kwargs):
        calls.append("png_encode")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setitem(Image.SAVE, "PNG", half_written)
    monkeypatch.setattr(imagecodecs, "png_encode", failing_encoder)
    with pytest.raises(ImageWriteError) as info:
        save_image(target, make_image((8, 8, 3)), options=ExportOptions(bit_depth=depth))
    assert calls, "the encoder was not reached"
    assert "No space left on device" in str(info.value) and str(target) in str(info.value)
    assert target.read_bytes() == b"the old file"
    assert folder_listing(tmp_path) == ["keep.png"]  # no temporary file left behind


def test_encoder_error_other_than_oserror_also_leaves_the_target(tmp_path, monkeypatch):
    target = tmp_path / "keep.tif"
    target.write_bytes(b"old")

    def broken(*args, **kwargs):
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(tifffile, "imwrite", broken)
    with pytest.raises(ImageWriteError, match="encoder exploded"):
        save_image(target, make_image((8, 8, 3)))
    assert target.read_bytes() == b"old" and folder_listing(tmp_path) == ["keep.tif"]


def test_write_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(ImageWriteError, match="the folder does not exist"):
        save_image(tmp_path / "gone" / "x.png", make_image((4, 4)))


@pytest.mark.skipif(IS_ROOT, reason="root may write anywhere")
def test_write_into_a_read_only_folder_says_so(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "x.png").write_bytes(b"old")
    folder.chmod(0o500)
    try:
        with pytest.raises(ImageWriteError, match="permission denied"):
            save_image(folder / "x.png", make_image((4, 4)))
        assert (folder / "x.png").read_bytes() == b"old"
    finally:
        folder.chmod(0o700)


def test_successful_write_replaces_the_target(tmp_path):
    target = tmp_path / "x.png"
    target.write_bytes(b"old")
    save_image(target, make_image((4, 4)))
    assert target.read_bytes().startswith(PNG_SIGNATURE) and folder_listing(tmp_path) == ["x.png"]


def test_unknown_suffix_and_bad_pixels(tmp_path):
    with pytest.raises(ImageWriteError, match=r"unknown file type '\.xyz'"):
        save_image(tmp_path / "x.xyz", make_image((4, 4)))
    with pytest.raises(ImageWriteError, match="pixels must be"):
        save_image(tmp_path / "x.png", np.zeros((4, 4, 2), np.float32))
    with pytest.raises(ImageWriteError, match="floating point"):
        save_image(tmp_path / "x.png", np.zeros((4, 4), np.uint8))
    assert folder_listing(tmp_path) == []


# -- files that cannot be read -------------------------------------------------------------------
def valid_jpeg(path: Path) -> bytes:
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path, quality=90)
    return path.read_bytes()


def valid_png(path: Path, deep: bool = False) -> bytes:
    if deep:
        path.write_bytes(encode_png(deep_samples((64, 64, 3))))
    else:
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    return path.read_bytes()


def corrupt_cases(tmp: Path):
    cases = {}
    empty = tmp / "empty.png"
    empty.write_bytes(b"")
    cases["empty"] = (empty, "the file is empty")
    text = tmp / "notes.jpg"
    text.write_text("these are shopping notes, not a photo\n" * 20)
    cases["not-an-image"] = (text, "not an image file")
    jpeg = tmp / "cut.jpg"
    jpeg.write_bytes(valid_jpeg(tmp / "whole.jpg")[:600])
    cases["truncated-jpeg"] = (jpeg, "truncated")
    png = tmp / "cut.png"
    png.write_bytes(valid_png(tmp / "whole.png")[:400])
    cases["truncated-png"] = (png, "truncated")
    png16_cut = tmp / "cut16.png"
    png16_cut.write_bytes(valid_png(tmp / "whole16.png", deep=True)[:400])
    cases["truncated-png16"] = (png16_cut, "truncated")
    crc = tmp / "crc.png"
    data = bytearray(valid_png(tmp / "w.png"))
    data[60] ^= 0xFF  # inside the IDAT data
    crc.write_bytes(bytes(data))
    cases["corrupt-png"] = (crc, "damaged")
    crc16 = tmp / "crc16.png"
    data = bytearray(valid_png(tmp / "w16.png", deep=True))
    data[60] ^= 0xFF
    crc16.write_bytes(bytes(data))
    cases["corrupt-png16"] = (crc16, "damaged")
    header_only = tmp / "header.jpg"
    header_only.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    cases["bad-jpeg-header"] = (header_only, "")
    cases["missing"] = (tmp / "nowhere.png", "the file does not exist")
    cases["folder"] = (tmp, "it is a folder, not a file")
    return cases


CORRUPT_IDS = ["empty", "not-an-image", "truncated-jpeg", "truncated-png", "truncated-png16", "corrupt-png",
               "corrupt-png16", "bad-jpeg-header", "missing", "folder"]


@pytest.mark.parametrize("case", CORRUPT_IDS)
def test_unreadable_file_gives_one_clear_message(tmp_path, case):
    path, reason = corrupt_cases(tmp_path)[case]
    with pytest.raises(ImageReadError) as info:
        load_image(path)
    message = str(info.value)
    assert message.startswith(f"Cannot open {path}: ")
    assert reason in message
    assert info.value.path == str(path)


@pytest.mark.skipif(IS_ROOT, reason="root can read anything")
def test_unreadable_permission(tmp_path):
    path = tmp_path / "secret.png"
    valid_png(path)
    path.chmod(0)
    try:
        with pytest.raises(ImageReadError, match="permission denied"):
            load_image(path)
    finally:
        path.chmod(0o600)


def test_permission_errors_are_named_even_as_root(tmp_path, monkeypatch):
    path = tmp_path / "secret.png"
    valid_png(path)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Image, "open", refuse)
    with pytest.raises(ImageReadError, match="permission denied"):
        load_image(path)
    monkeypatch.undo()
    monkeypatch.setattr(os, "open", refuse)  # the temporary file cannot be created
    with pytest.raises(ImageWriteError, match="permission denied"):
        save_image(path, make_image((4, 4)))
    assert load_image(path).pixels.shape == (64, 64, 3)


def test_decompression_bomb_limit_and_explicit_override(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("L", (100, 50)).save(path)  # 5000 pixels
    with pytest.raises(ImageReadError) as info:
        load_image(path, max_pixels=4000)
    assert "megapixels" in str(info.value) and "Preferences" in str(info.value)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow itself refuses above 2000
    with pytest.raises(ImageReadError, match="guards against decompression bombs"):
        load_image(path)
    assert load_image(path, max_pixels=5000).pixels.shape == (50, 100)
    assert Image.MAX_IMAGE_PIXELS == 1000  # the global is put back
    with pytest.raises(ValueError, match="max_pixels must be a positive integer"):
        load_image(path, max_pixels=0)


# -- export options and size estimate ----------------------------------------------------------------
@pytest.mark.parametrize(
    "changes,message",
    [
        ({"format": "GIF"}, "format must be one of"),
        ({"quality": 0}, "quality must be an integer in 1..100, got 0"),
        ({"quality": 50.5}, "quality must be an integer"),
        ({"png_compress_level": 10}, "png_compress_level must be an integer in 0..9, got 10"),
        ({"tiff_compression": "jpeg"}, "tiff_compression must be one of none, lzw, deflate, packbits"),
        ({"bit_depth": 12}, "bit_depth must be 8, 16 or None, got 12"),
        ({"metadata": "some"}, "metadata must be one of all, no_gps, none"),
    ],
)
def test_export_options_validate(changes, message):
    with pytest.raises(ValueError) as info:
        ExportOptions(**changes)
    assert message in str(info.value)


def test_export_options_resolve_format_and_depth():
    assert ExportOptions().resolve_format("a/b.JPEG") == "JPEG"
    assert ExportOptions(format="tif").resolve_format("a/b.png") == "TIFF"
    with pytest.raises(ValueError, match="no file type"):
        ExportOptions().resolve_format("a/b")
    deep = ImageInfo(bit_depth=16)
    assert ExportOptions().resolve_bit_depth("PNG", deep) == 16
    assert ExportOptions().resolve_bit_depth("JPEG", deep) == 8
    assert ExportOptions().resolve_bit_depth("TIFF", ImageInfo()) == 8
    assert ExportOptions(bit_depth=8).resolve_bit_depth("TIFF", deep) == 8
    hash(ExportOptions())  # frozen and hashable: fits in settings and undo data


def test_estimate_size_is_exact_for_small_and_close_for_large_images(tmp_path):
    small = make_image((40, 50, 3), seed=1)
    options = ExportOptions(format="JPEG", quality=85)
    exact = estimate_size(small, options)
    assert exact == save_image(tmp_path / "s.jpg", small, options=options).stat().st_size

    y, x = np.mgrid[0:600, 0:800].astype(np.float32)
    rng = np.random.default_rng(2)
    photo = np.clip(
        np.stack([0.5 + 0.3 * np.sin(x / 40 + c) * np.cos(y / 55) for c in range(3)], -1)
        + rng.normal(0, 0.03, (600, 800, 3)), 0, 1).astype(np.float32)
    for fmt_options, suffix in ((options, ".jpg"), (ExportOptions(format="WEBP", quality=80), ".webp")):
        guess = estimate_size(photo, fmt_options, sample_pixels=1 << 15, info=source_info())
        real = save_image(tmp_path / f"p{suffix}", photo, options=fmt_options, info=source_info()).stat().st_size
        assert 0.75 * real < guess < 1.33 * real, (suffix, guess, real)
