"""Straighten: the levelling angle, and rotate's crop of the empty corners."""
import math

import numpy as np
import pytest

from editor.catalog import CATALOG
from processing.geometry import crop, rotate, rotated_crop_rect
from processing.straighten import level_angle, line_angle


def turned(vector, angle_deg):
    """A y-down vector after a counter-clockwise (on screen) turn."""
    t = math.radians(angle_deg)
    dx, dy = vector
    # Counter-clockwise on screen is clockwise in y-down coordinates.
    return dx * math.cos(t) + dy * math.sin(t), -dx * math.sin(t) + dy * math.cos(t)


@pytest.mark.parametrize("drawn", [0.0, 3.0, -7.5, 44.0, 46.0, 89.0, 91.5, 135.2, -178.0, -93.0, 30.0, 60.0])
def test_level_angle_makes_the_line_level_or_plumb_by_the_smaller_turn(drawn):
    start = (120.0, 80.0)
    # A line drawn at ``drawn`` degrees on screen (y down).
    end = (start[0] + 300 * math.cos(math.radians(drawn)), start[1] - 300 * math.sin(math.radians(drawn)))
    angle = level_angle(start, end)
    assert -45.0 <= angle < 45.0
    dx, dy = turned((end[0] - start[0], end[1] - start[1]), angle)
    assert min(abs(dx), abs(dy)) < 1e-9 * 300
    # No smaller turn would do: the nearest multiple of 90 degrees is |angle| away.
    off = drawn % 90.0
    assert abs(angle) == pytest.approx(min(off, 90.0 - off), abs=1e-9)
    # The direction the line was drawn in does not matter.
    assert level_angle(end, start) == pytest.approx(angle, abs=1e-9)


def test_line_angle_and_its_errors():
    assert line_angle((0, 0), (10, 0)) == 0.0
    assert line_angle((0, 0), (-5, -5)) == pytest.approx(135.0)
    with pytest.raises(ValueError, match=r"the line needs two different points, got \(3, 4\) twice"):
        level_angle((3, 4), (3, 4))
    with pytest.raises(ValueError, match="end must be finite"):
        level_angle((3, 4), (float("inf"), 4))


def test_a_tilted_horizon_comes_out_level():
    # A bright band tilted by 4 degrees (rising to the right) across a dark image.
    h, w, tilt = 120, 200, 4.0
    rows, cols = np.mgrid[0:h, 0:w] + 0.5
    slope = math.tan(math.radians(tilt))
    centre_line = h / 2 - (cols - w / 2) * slope
    image = (np.abs(rows - centre_line) < 2.0).astype(np.float32)
    angle = level_angle((10.0, h / 2 + (w / 2 - 10.0) * slope), (190.0, h / 2 - (190.0 - w / 2) * slope))
    assert angle == pytest.approx(-tilt)
    out = rotate(image, angle, interpolation="bilinear")
    # Every column of the middle now has its band on the same rows.
    peaks = [np.argmax(out[:, c]) for c in range(40, 160)]
    assert max(peaks) - min(peaks) <= 1
    assert abs(np.mean(peaks) + 0.5 - h / 2) <= 1.5


def largest_true_rectangle(valid):
    """Area of the largest all-True rectangle (histogram method, the reference)."""
    best = 0
    heights = np.zeros(valid.shape[1], int)
    for row in valid:
        heights = np.where(row, heights + 1, 0)
        stack = []
        for i, height in enumerate(list(heights) + [0]):
            start = i
            while stack and stack[-1][1] >= height:
                start, top = stack.pop()
                best = max(best, top * (i - start))
            stack.append((start, height))
    return best


@pytest.mark.parametrize("shape, angle, expand, interpolation", [
    ((60, 90), 7.0, False, "bilinear"),
    ((60, 90), -12.5, True, "bilinear"),
    ((90, 40), 30.0, False, "bicubic"),
    ((50, 50), 45.0, False, "nearest"),
    ((64, 100), 95.0, True, "bilinear"),
    ((70, 30), 2.0, False, "bilinear"),
])
def test_crop_rect_keeps_only_covered_pixels_and_nearly_all_it_can(shape, angle, expand, interpolation):
    ones = np.ones(shape, np.float32)
    rotated = rotate(ones, angle, expand=expand, interpolation=interpolation, fill=0.0)
    covered = np.abs(rotated - 1.0) < 1e-5
    x, y, width, height = rotated_crop_rect(shape, angle, expand=expand, interpolation=interpolation)
    assert covered[y:y + height, x:x + width].all()
    # Within a pixel-wide frame of the largest rectangle found by search.
    best = largest_true_rectangle(covered)
    assert width * height >= best - 2 * (width + height) - 4


def test_keep_aspect_keeps_the_proportions_and_fits():
    shape = (400, 600)
    for angle in (1.0, 5.0, -9.0, 20.0):
        x, y, width, height = rotated_crop_rect(shape, angle, keep_aspect=True)
        assert width / height == pytest.approx(1.5, abs=3 / height)
        largest = rotated_crop_rect(shape, angle)
        assert width * height <= largest[2] * largest[3]
        covered = rotate(np.ones(shape, np.float32), angle, fill=0.0)[y:y + height, x:x + width]
        assert (np.abs(covered - 1) < 1e-5).all()


def test_no_turn_keeps_everything():
    assert rotated_crop_rect((30, 40), 0.0) == (0, 0, 40, 30)
    assert rotated_crop_rect((30, 40), 180.0, interpolation="bicubic") == (0, 0, 40, 30)
    assert rotated_crop_rect((30, 40), 90.0, expand=True) == (0, 0, 30, 40)


@pytest.mark.parametrize("mode", ["largest", "aspect"])
@pytest.mark.parametrize("angle, expand", [(6.0, False), (-33.0, True), (90.0, False), (180.0, True)])
def test_rotate_crop_is_rotate_then_crop(mode, angle, expand):
    rng = np.random.default_rng(3)
    image = rng.random((48, 64, 3), dtype=np.float32)
    image.flags.writeable = False
    x, y, width, height = rotated_crop_rect(image.shape, angle, expand=expand, keep_aspect=mode == "aspect")
    whole = rotate(image, angle, expand=expand, fill=(1.0, 0.0, 0.0))
    out = rotate(image, angle, expand=expand, fill=(1.0, 0.0, 0.0), crop=mode)
    np.testing.assert_allclose(out, crop(whole, x, y, width, height), atol=2e-6)
    # The catalog's size formula agrees with the function, for the memory guard.
    values = {"angle_deg": angle, "expand": expand, "interpolation": "bilinear", "crop": mode}
    assert CATALOG.get("geometry.rotate").result_shape(image.shape, values) == out.shape


def test_rotate_crop_errors():
    with pytest.raises(ValueError, match="crop must be one of none, largest, aspect; got 'all'"):
        rotate(np.zeros((4, 4), np.float32), 3, crop="all")
    with pytest.raises(ValueError, match="shape must be at least 1 x 1, got 0 x 4"):
        rotated_crop_rect((0, 4), 3)
