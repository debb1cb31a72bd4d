"""Texture synthesis in the editor: a size-changing, seeded, re-editable step
whose selection is the sample, rendered at full size and on proxies."""
import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import ParamError
from editor.recipe import dumps_recipe, loads_recipe
from processing.synthesis import synthesize_texture

OP_ID = "synthesis.texture"
SHAPE = (48, 64, 3)


def source(shape=SHAPE, seed=0):
    """A read-only image whose pixels are all different (channel 0 is a shuffled ramp)."""
    rng = np.random.default_rng(seed)
    image = rng.random(shape).astype(np.float32)
    n = shape[0] * shape[1]
    image[..., 0] = (rng.permutation(n) / n).reshape(shape[:2])
    image.flags.writeable = False
    return image


def copied_from(out, region):
    """Whether every pixel of ``out`` is one of ``region``'s pixels, whole."""
    pixels = {tuple(p) for p in region.reshape(-1, region.shape[-1]).tolist()}
    return all(tuple(p) in pixels for p in out.reshape(-1, out.shape[-1]).tolist())


@pytest.fixture
def doc():
    return Document(source())


def test_the_operation_is_declared_for_the_sidebar_and_the_memory_guard():
    op = CATALOG.get(OP_ID)
    assert op.category == "Synthesis" and op.changes_size and not op.live
    assert op.mask_argument == "mask" and op.takes_progress
    assert op.result_shape((48, 64, 3), {"width": 300, "height": 200}) == (200, 300, 3)
    assert op.result_shape((48, 64, 4), {"width": 0, "height": 0}) == (48, 64, 4)
    assert op in CATALOG.search("texture")


def test_renders_at_the_chosen_size_with_only_pixels_of_the_image(doc):
    doc.push(doc.make_step(OP_ID, width=150, height=90, patch_size=16, overlap=4, seed=3))
    full = doc.render()
    assert full.shape == (90, 150, 3) and full.dtype == np.float32
    assert copied_from(full, doc.source)


def test_zero_width_and_height_keep_the_image_size(doc):
    doc.push(doc.make_step(OP_ID, patch_size=16, overlap=4))
    assert doc.render().shape == SHAPE


def test_proxies_are_the_same_quilting_reduced(doc):
    doc.push(doc.make_step(OP_ID, width=160, height=120, patch_size=16, overlap=4, seed=1))
    op = CATALOG.get(OP_ID)
    scaled = op.scaled(doc.steps[0].params, 0.25)
    assert (scaled["width"], scaled["height"], scaled["patch_size"], scaled["overlap"]) == (40, 30, 4, 1)
    full = doc.render()
    for factor in (2, 4):
        proxy = doc.render(factor=factor)
        assert proxy.shape == (120 // factor, 160 // factor, 3)
        # The proxy is quilted from the reduced image, so its pixels are the reduced image's.
        assert copied_from(proxy, doc.render(upto=0, factor=factor))
        # Its colours are those of the full result, as far as a random texture can say.
        np.testing.assert_allclose(proxy.mean(axis=(0, 1)), full.mean(axis=(0, 1)), atol=0.06)


def test_proxy_rounding_never_makes_the_overlap_reach_the_patch(doc):
    # 10 and 9 pixels are 2 and 2 at a quarter: the preview keeps the overlap below the patch.
    doc.push(doc.make_step(OP_ID, width=80, height=80, patch_size=10, overlap=9, seed=2))
    assert doc.render(factor=4).shape == (20, 20, 3)
    assert doc.render().shape == (80, 80, 3)


def test_same_seed_same_pixels_and_reediting_the_seed_changes_them(doc):
    doc.push(doc.make_step(OP_ID, width=100, height=70, patch_size=16, overlap=4, seed=5))
    first = doc.render().copy()
    doc.cache.clear()
    assert doc.render().tobytes() == first.tobytes()
    doc.replace(0, doc.make_step(OP_ID, width=100, height=70, patch_size=16, overlap=4, seed=6))
    assert doc.render().tobytes() != first.tobytes()
    doc.replace(0, doc.make_step(OP_ID, width=100, height=70, patch_size=16, overlap=4, seed=5))
    assert doc.render().tobytes() == first.tobytes()


def test_the_selection_is_the_sample(doc):
    mask = np.zeros(SHAPE[:2], bool)
    mask[10:34, 20:52] = True
    doc.push(doc.make_step(OP_ID, width=90, height=60, patch_size=16, overlap=4, seed=4, mask=mask))
    full = doc.render()
    # Exactly the quilting of the selected rectangle, with the same values.
    sample = np.ascontiguousarray(doc.source[10:34, 20:52])
    expected = synthesize_texture(sample, 90, 60, patch_size=16, overlap=4, seed=4, tolerance=0.1)
    assert full.tobytes() == expected.tobytes()
    proxy = doc.render(factor=2)
    assert proxy.shape == (30, 45, 3)
    assert copied_from(proxy, doc.render(upto=0, factor=2)[5:17, 10:26])


def test_a_round_selection_gives_the_largest_rectangle_inside_it(doc):
    yy, xx = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    disc = (yy - 24) ** 2 + (xx - 32) ** 2 <= 20 ** 2
    doc.push(doc.make_step(OP_ID, width=64, height=64, patch_size=12, overlap=3, mask=disc))
    full = doc.render()
    outside = doc.source[~disc]
    assert not (full[..., 0][..., None] == outside[:, 0][None, None, :]).any()  # nothing from outside the disc


def test_a_patch_larger_than_the_sample_is_made_to_fit(doc):
    mask = np.zeros(SHAPE[:2], bool)
    mask[5:15, 5:30] = True  # 10 rows: the 40-pixel patch becomes 10, its overlap 10 / 4
    doc.push(doc.make_step(OP_ID, width=50, height=50, patch_size=40, overlap=10, seed=1, mask=mask))
    full = doc.render()
    assert full.shape == (50, 50, 3) and copied_from(full, doc.source[5:15, 5:30])


def test_an_empty_selection_is_refused_with_a_message(doc):
    doc.push(doc.make_step(OP_ID, width=50, height=50, mask=np.zeros(SHAPE[:2], bool)))
    with pytest.raises(ValueError, match="^the selection holds no whole pixel to take a texture sample from$"):
        doc.render()


def test_overlap_must_stay_below_the_patch_size():
    with pytest.raises(ParamError, match=r"^the overlap must be less than the patch size \(16 pixels\), got 16$"):
        CATALOG.get(OP_ID).validate({"patch_size": 16, "overlap": 16})


def test_a_recipe_round_trips_and_renders_the_same(doc):
    doc.push(doc.make_step(OP_ID, width=70, height=50, patch_size=12, overlap=3, seed=9, variety=0.3))
    steps = loads_recipe(dumps_recipe(doc.steps))
    again = Document(doc.source, steps=steps)
    assert again.render().tobytes() == doc.render().tobytes()


@pytest.mark.parametrize("layout", ["gray", "rgba"])
def test_gray_and_rgba_keep_their_layout(layout):
    rgb = source((40, 36, 3))
    if layout == "gray":
        image = np.ascontiguousarray(rgb[..., 0])
    else:
        image = np.dstack([rgb, np.linspace(0, 1, 40 * 36, dtype=np.float32).reshape(40, 36)])
    doc = Document(image)
    doc.push(doc.make_step(OP_ID, width=50, height=30, patch_size=12, overlap=3))
    out = doc.render()
    assert out.shape == (30, 50) + image.shape[2:]
    assert np.isin(out, image).all()
