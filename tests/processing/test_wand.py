"""The wand's level map against a plain breadth-first flood fill."""
from collections import deque

import numpy as np
import pytest

from processing.wand import color_distance, quantize_distance, sample_color, wand_levels, wand_mask


def flood(image, seed, level, connectivity=8, contiguous=True, levels=256):
    """Pixels within ``level / (levels - 1)`` (largest channel difference) of
    the seed's colour, reached from the seed by steps between neighbours that
    all are: a breadth-first search written for this test."""
    h, w = image.shape[:2]
    ref = image[seed[1], seed[0]].astype(np.float64)
    diff = np.abs(image.astype(np.float64) - ref)
    dist = diff.max(axis=2) if diff.ndim == 3 else diff
    ok = dist * (levels - 1) <= level + 1e-3
    if not contiguous:
        return ok
    seen = np.zeros((h, w), bool)
    if not ok[seed[1], seed[0]]:
        return seen
    seen[seed[1], seed[0]] = True
    queue = deque([(seed[1], seed[0])])
    moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if connectivity == 8:
        moves += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    while queue:
        y, x = queue.popleft()
        for dy, dx in moves:
            ny, nx = y + dy, x + dx
            if 0 <= ny < h and 0 <= nx < w and ok[ny, nx] and not seen[ny, nx]:
                seen[ny, nx] = True
                queue.append((ny, nx))
    return seen


def blobs(shape, seed, channels=3):
    """Smooth random colour fields on the 8-bit grid: regions, ramps and edges."""
    rng = np.random.default_rng(seed)
    small = rng.random((shape[0] // 6 + 2, shape[1] // 6 + 2, channels))
    big = np.repeat(np.repeat(small, 6, axis=0), 6, axis=1)[: shape[0], : shape[1]]
    noise = rng.integers(-6, 7, big.shape) / 255.0
    image = np.clip(np.round((big + noise) * 255) / 255, 0, 1).astype(np.float32)
    return image if channels > 1 else image[..., 0]


@pytest.mark.parametrize("connectivity", [4, 8])
@pytest.mark.parametrize("seed_image", [1, 2])
def test_level_map_agrees_with_a_flood_at_every_tolerance(connectivity, seed_image):
    image = blobs((40, 50), seed_image)
    seed = (17, 23)
    level_map = wand_levels(image, seed, connectivity=connectivity)
    assert level_map.dtype == np.uint8 and level_map[seed[1], seed[0]] == 0
    for level in range(0, 256, 5):
        expected = flood(image, seed, level, connectivity)
        np.testing.assert_array_equal(level_map <= level, expected, err_msg=f"level {level}")
        np.testing.assert_array_equal(wand_mask(level_map, level / 255), expected)


def test_gray_image_and_fewer_levels():
    image = blobs((30, 30), 5, channels=1)
    level_map = wand_levels(image, (3, 4), levels=64, connectivity=4)
    for level in (0, 7, 20, 63):
        np.testing.assert_array_equal(level_map <= level, flood(image, (3, 4), level, 4, levels=64))


def test_global_selects_the_colour_everywhere():
    image = blobs((30, 40), 3)
    level_map = wand_levels(image, (5, 5), contiguous=False)
    for level in (10, 40, 90):
        np.testing.assert_array_equal(level_map <= level, flood(image, (5, 5), level, contiguous=False))


def test_a_wall_stops_the_contiguous_wand_but_not_the_global_one():
    image = np.zeros((5, 7), np.float32)
    image[:, 3] = 1.0  # a white wall between two black halves
    contiguous = wand_levels(image, (0, 0))
    assert (contiguous[:, :3] == 0).all() and (contiguous[:, 3:] == 255).all()
    assert (wand_levels(image, (0, 0), contiguous=False)[:, 4:] == 0).all()
    # A diagonal line of black joins corner to corner with 8 neighbours only.
    diagonal = np.ones((3, 3), np.float32)
    diagonal[0, 0] = diagonal[1, 1] = diagonal[2, 2] = 0.0
    assert wand_levels(diagonal, (0, 0), connectivity=8)[2, 2] == 0
    assert wand_levels(diagonal, (0, 0), connectivity=4)[2, 2] == 255


def test_averaged_sample():
    image = np.zeros((5, 5), np.float32)
    image[2, 2] = 1.0
    assert float(sample_color(image, (2, 2), radius=1)) == pytest.approx(1 / 9)
    assert wand_levels(image, (2, 2), sample_radius=1, contiguous=False)[0, 0] == round(255 / 9 + 0.5 - 1e-9)


def test_quantisation_and_distance():
    assert quantize_distance(np.array([0, 1 / 255, 2 / 255, 1.0], np.float32)).tolist() == [0, 1, 2, 255]
    rgb = np.array([[[0.1, 0.2, 0.9]]], np.float32)
    assert float(color_distance(rgb, [0.1, 0.2, 0.5])[0, 0]) == pytest.approx(0.4)


def test_input_does_not_change_and_errors_are_precise():
    image = blobs((10, 10), 4)
    image.flags.writeable = False
    wand_levels(image, (1, 1))
    with pytest.raises(ValueError, match="seed"):
        wand_levels(image, (10, 0))
    with pytest.raises(ValueError, match="connectivity must be 4 or 8"):
        wand_levels(image, (0, 0), connectivity=6)
    with pytest.raises(ValueError, match="tolerance must be between 0 and 1"):
        wand_mask(np.zeros((2, 2), np.uint8), 1.5)


def test_a_partial_flood_is_exact_up_to_its_level():
    image = blobs((40, 50), 6)
    seed = (20, 20)
    for cap in (0, 12, 40):
        partial = wand_levels(image, seed, max_level=cap)
        assert partial.max() <= cap + 1
        for level in range(0, cap + 1, 3):
            np.testing.assert_array_equal(partial <= level, flood(image, seed, level))
    np.testing.assert_array_equal(wand_levels(image, seed, max_level=255), wand_levels(image, seed))


def test_a_selection_found_on_a_reduced_copy_gets_exact_edges_at_full_size():
    from processing.pyramid import reduce
    from processing.wand import refine_mask

    # A disk whose edge falls anywhere inside the 4 x 4 blocks of the reduced copy.
    h, w, factor = 120, 160, 4
    y, x = np.mgrid[0:h, 0:w]
    image = np.where((x - 73.3) ** 2 + (y - 58.6) ** 2 < 41.7 ** 2, 0.8, 0.2).astype(np.float32)
    image = np.stack([image, image * 0.5, 1 - image], axis=-1)
    seed, tolerance = (75, 60), 0.1
    exact = wand_mask(wand_levels(image, seed), tolerance)
    small_image = reduce(image, factor)
    small_seed = (seed[0] // factor, seed[1] // factor)
    small = wand_mask(wand_levels(small_image, small_seed), tolerance)
    colour = sample_color(small_image, small_seed)

    refined = refine_mask(image, small, factor, colour, tolerance)
    blocky = np.repeat(np.repeat(small, factor, axis=0), factor, axis=1)
    assert (blocky != exact).sum() > 100  # what the reduced copy alone gives: edges in blocks
    np.testing.assert_array_equal(refined, exact)


def test_refining_checks_its_inputs():
    from processing.wand import refine_mask

    image = np.zeros((8, 8), np.float32)
    with pytest.raises(ValueError, match="not a 1:2 copy"):
        refine_mask(image, np.zeros((3, 3), bool), 2, [0.0], 0.1)
    with pytest.raises(ValueError, match="tolerance"):
        refine_mask(image, np.zeros((4, 4), bool), 2, [0.0], 1.5)
    np.testing.assert_array_equal(refine_mask(image, np.ones((8, 8), bool), 1, [0.0], 0.1), np.ones((8, 8), bool))
