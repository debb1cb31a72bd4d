"""Fuzzing the image loader: damaged, truncated, mislabelled and lying files.

Every case must end in a valid image (float32, finite, in [0, 1]) or the
editor's own read error, in bounded time and memory.
"""
import struct
import zlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from editor.errors import ImageReadError
from editor.image_file import load_image
from tests.fuzz.common import FUZZ_MAX_PIXELS, bounded, fuzz_settings, seed_files

SEEDS = seed_files()
SUFFIXES = [".png", ".jpg", ".tif", ".webp", ".bmp", ".gif", ".txt", ""]


def check_outcome(path):
    """The loader's result is a sane image or an ImageReadError; returns which."""
    with bounded():
        try:
            loaded = load_image(path, max_pixels=FUZZ_MAX_PIXELS)
        except ImageReadError as exc:
            assert str(exc).startswith(f"Cannot open {path}: ")
            assert "Traceback" not in str(exc)
            return "refused"
    pixels = loaded.pixels
    assert pixels.dtype == np.float32
    assert pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[2] in (3, 4))
    assert pixels.size > 0 and np.isfinite(pixels).all()
    assert pixels.min() >= 0 and pixels.max() <= 1
    return "read"


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(0, 7)),
    st.tuples(st.just("overwrite"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("huge"), st.floats(0, 1)),  # four bytes of 0xff: a lying length or size
)


def mutate(data: bytes, steps) -> bytes:
    buf = bytearray(data)
    for step in steps:
        kind, where = step[0], step[1]
        at = min(int(where * len(buf)), max(0, len(buf) - 1))
        if kind == "truncate":
            del buf[at:]
        elif kind == "flip" and buf:
            buf[at] ^= 1 << step[2]
        elif kind == "overwrite":
            buf[at : at + len(step[2])] = step[2]
        elif kind == "insert":
            buf[at:at] = step[2]
        elif kind == "huge":
            buf[at : at + 4] = b"\xff\xff\xff\xff"
    return bytes(buf)


@fuzz_settings
@given(seed=st.sampled_from(sorted(SEEDS)), steps=st.lists(mutation, min_size=1, max_size=4),
       suffix=st.sampled_from(SUFFIXES))
def test_mutated_files(tmp_path_factory, seed, steps, suffix):
    path = tmp_path_factory.mktemp("m") / f"case{suffix}"
    path.write_bytes(mutate(SEEDS[seed], steps))
    check_outcome(path)


@fuzz_settings
@given(seed=st.sampled_from(sorted(SEEDS)), suffix=st.sampled_from(SUFFIXES))
def test_valid_files_under_any_name(tmp_path_factory, seed, suffix):
    # The content decides, not the extension: every seed reads whatever it is called.
    path = tmp_path_factory.mktemp("n") / f"case{suffix}"
    path.write_bytes(SEEDS[seed])
    assert check_outcome(path) == "read"


def png_with_header(width: int, height: int, depth: int, colour: int, body: bytes) -> bytes:
    """A PNG whose IHDR says what we like (with a correct CRC) and whose data is ``body`` deflated."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(body, 9)) + chunk(b"IEND", b"")


@fuzz_settings
@given(
    width=st.one_of(st.integers(0, 64), st.integers(0, 2**31 - 1)),
    height=st.one_of(st.integers(0, 64), st.integers(0, 2**31 - 1)),
    depth=st.sampled_from([1, 2, 4, 8, 16]),
    colour=st.sampled_from([0, 2, 3, 4, 6]),
    body_size=st.one_of(st.integers(0, 512), st.just(20_000_000)),
)
def test_lying_png_headers_and_bombs(tmp_path_factory, width, height, depth, colour, body_size):
    # Headers that claim more (or fewer) pixels than the data holds; 20 MB of zeros deflates to ~20 kB.
    path = tmp_path_factory.mktemp("h") / "case.png"
    path.write_bytes(png_with_header(width, height, depth, colour, b"\0" * body_size))
    check_outcome(path)


@fuzz_settings
@given(width=st.integers(1, 2**32 - 1), height=st.integers(1, 2**32 - 1), seed=st.sampled_from(["rgb.tif", "gray16.tif", "float.tif", "palette.tif"]))
def test_lying_tiff_dimensions(tmp_path_factory, width, height, seed):
    # Rewrite the first directory's ImageWidth (256) and ImageLength (257) entries.
    data = bytearray(SEEDS[seed])
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(order + "I", data[4:8])
    (count,) = struct.unpack(order + "H", data[ifd : ifd + 2])
    for i in range(count):
        entry = ifd + 2 + 12 * i
        tag, kind = struct.unpack(order + "HH", data[entry : entry + 4])
        if tag in (256, 257):
            value = width if tag == 256 else height
            if kind == 3:
                data[entry + 8 : entry + 10] = struct.pack(order + "H", value & 0xFFFF)
            else:
                struct.pack_into(order + "HI", data, entry + 2, 4, value)
                data[entry + 8 : entry + 12] = struct.pack(order + "I", value)
    path = tmp_path_factory.mktemp("t") / "case.tif"
    path.write_bytes(bytes(data))
    check_outcome(path)
