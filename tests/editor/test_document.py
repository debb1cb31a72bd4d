import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import EditorError, ParamError, RenderCancelled, UnknownOperationError
from editor.operations import Operation
from editor.params import FloatParam, ProxyScaling
from editor.render_cache import RenderCache
from editor.steps import Step
from processing.filters import gaussian_blur
from processing.tone import brightness_contrast
from tests.conftest import make_image

calls = []


def counting_offset(image, amount=0.1):
    calls.append(amount)
    return np.clip(image + np.float32(amount), 0, 1).astype(np.float32)


COUNTING = Operation("test.offset", "Offset", "Test", counting_offset,
                     (FloatParam("amount", "Amount", 0.1, minimum=-1, maximum=1),))


@pytest.fixture
def doc():
    calls.clear()
    return Document(make_image((20, 30, 3)), catalog=CATALOG.extended([COUNTING]))


def test_push_pop_replace_and_render(doc):
    doc.push(doc.make_step("filter.gaussian_blur", sigma=1.5))
    doc.push(doc.make_step("tone.brightness_contrast", brightness=0.1))
    expected = brightness_contrast(gaussian_blur(doc.source, 1.5), 0.1)
    np.testing.assert_array_equal(doc.render(), expected)
    np.testing.assert_array_equal(doc.render(upto=0), doc.source)
    old = doc.replace(0, doc.make_step("filter.gaussian_blur", sigma=3.0))
    assert old.params["sigma"] == 1.5
    np.testing.assert_array_equal(doc.render(), brightness_contrast(gaussian_blur(doc.source, 3.0), 0.1))
    assert doc.pop().op_id == "tone.brightness_contrast"
    np.testing.assert_array_equal(doc.render(), gaussian_blur(doc.source, 3.0))


def test_source_is_copied_and_read_only():
    image = make_image((5, 5), readonly=False)
    doc = Document(image)
    image[:] = 0
    assert doc.source.max() > 0
    with pytest.raises(ValueError):
        doc.source[0, 0] = 1


def test_invalid_steps_are_refused_and_nothing_changes(doc):
    doc.push(doc.make_step("test.offset", amount=0.2))
    before = doc.steps
    with pytest.raises(UnknownOperationError):
        doc.push(Step("filter.nope", {}))
    with pytest.raises(ParamError, match="amount must be between"):
        doc.push(Step("test.offset", {"amount": 5}))
    with pytest.raises(ParamError, match="missing"):
        doc.push(Step("test.offset", {}))
    with pytest.raises(EditorError):
        doc.set_steps([Step("test.offset", {"amount": 0.1}), Step("bad.op", {})])
    assert doc.steps == before


def test_cache_reuses_prefix_and_rerenders_from_the_edited_step(doc):
    for amount in (0.01, 0.02, 0.03, 0.04):
        doc.push(doc.make_step("test.offset", amount=amount))
    doc.render()
    assert calls == [0.01, 0.02, 0.03, 0.04]
    calls.clear()
    doc.render()
    assert calls == []  # everything cached
    doc.replace(2, doc.make_step("test.offset", amount=0.05))
    doc.render()
    assert calls == [0.05, 0.04]  # from the edited step on, nothing before it


def test_disabled_step_passes_through(doc):
    doc.push(doc.make_step("test.offset", amount=0.2))
    doc.replace(0, doc.steps[0].with_enabled(False))
    np.testing.assert_array_equal(doc.render(), doc.source)


def test_cache_stays_within_budget():
    doc = Document(make_image((50, 50, 3)), cache=RenderCache(budget_bytes=3 * 50 * 50 * 3 * 4))
    for i in range(20):
        doc.push(doc.make_step("tone.brightness_contrast", brightness=0.01 * (i % 3)))
        doc.render()
        assert doc.cache.nbytes <= doc.cache.budget_bytes
    assert doc.cache.evictions > 0


def test_proxy_render_scales_length_params():
    image = make_image((64, 96, 3))
    doc = Document(image)
    doc.push(doc.make_step("filter.gaussian_blur", sigma=8.0))
    proxy = doc.render(factor=4)
    assert proxy.shape == (16, 24, 3)
    from processing.pyramid import reduce
    np.testing.assert_allclose(proxy, gaussian_blur(reduce(image, 4), 2.0), atol=1e-6)
    # And the proxy resembles the full render reduced.
    np.testing.assert_allclose(proxy, reduce(doc.render(), 4), atol=0.03)


def test_masked_step_applies_only_inside(doc):
    mask = np.zeros(doc.source.shape[:2], bool)
    mask[:, :10] = True
    doc.push(doc.make_step("test.offset", amount=0.3, mask=mask))
    out = doc.render()
    np.testing.assert_array_equal(out[:, 10:], doc.source[:, 10:])
    np.testing.assert_allclose(out[:, :10], np.clip(doc.source[:, :10] + 0.3, 0, 1))


def fill_holes(image, level=0.5, *, mask=None):
    """Paints the mask's pixels with ``level``; records what it was given."""
    seen_masks.append(None if mask is None else np.array(mask))
    if mask is None:
        return image.copy()
    out = image.copy()
    out[np.asarray(mask) > 0.5] = level
    return out


seen_masks = []
FILL = Operation("test.fill", "Fill", "Test", fill_holes,
                 (FloatParam("level", "Level", minimum=0, maximum=1),), margin=0, mask_argument="mask")


def test_an_operation_that_takes_the_mask_gets_it_instead_of_a_blend():
    seen_masks.clear()
    image = make_image((24, 32, 3), seed=4)
    doc = Document(image, catalog=CATALOG.extended([FILL]))
    mask = np.zeros((24, 32), bool)
    mask[4:12, 8:20] = True
    doc.push(doc.make_step("test.fill", level=0.25, mask=mask))
    out = doc.render()
    np.testing.assert_array_equal(seen_masks[-1], mask)
    expected = image.copy()
    expected[mask] = 0.25
    np.testing.assert_array_equal(out, expected)

    doc.render(factor=4)  # the proxy's function sees the mask reduced to the proxy
    assert seen_masks[-1].shape == (6, 8) and seen_masks[-1][1:3, 2:5].all() and not seen_masks[-1][4:].any()

    doc.cache.clear()
    region = doc.render_region((6, 2, 10, 12))  # and a region render, the mask's same region
    np.testing.assert_array_equal(seen_masks[-1], mask[2:14, 6:16])
    np.testing.assert_array_equal(region, expected[2:14, 6:16])

    doc.set_steps([doc.make_step("test.fill", level=0.25)])
    np.testing.assert_array_equal(doc.render(), image)
    assert seen_masks[-1] is None  # no mask: the function is told so


def test_an_operation_cannot_claim_a_mask_argument_its_function_lacks():
    with pytest.raises(ValueError, match="no 'holes' argument"):
        Operation("test.bad", "Bad", "Test", counting_offset, mask_argument="holes")


def test_a_masked_step_that_turns_colour_to_gray_blends_in_the_gray_layout():
    image = make_image((20, 30, 3), seed=6)
    doc = Document(image)
    mask = np.zeros((20, 30), np.float32)
    mask[:, 15:] = 1.0
    doc.push(doc.make_step("threshold.global", level=0.5, mask=mask))
    out = doc.render()
    gray = Document(image)
    gray.push(gray.make_step("threshold.global", level=0.5))
    thresholded = gray.render()
    assert out.shape == thresholded.shape
    np.testing.assert_array_equal(out[:, 15:], thresholded[:, 15:])
    np.testing.assert_allclose(out[:, :15], image[:, :15].mean(axis=2), atol=1e-6)  # outside: the input, as gray


def test_cancel_stops_between_steps(doc):
    doc.push(doc.make_step("test.offset", amount=0.1))
    doc.push(doc.make_step("test.offset", amount=0.2))
    with pytest.raises(RenderCancelled):
        doc.render(cancel=lambda: True)
    assert len(doc.cache) == 0 or calls == []


def test_listeners_hear_every_change(doc):
    seen = []
    doc.subscribe(lambda: seen.append(len(doc.steps)))
    doc.push(doc.make_step("test.offset"))
    doc.insert(0, doc.make_step("test.offset", amount=0.3))
    doc.move(0, 1)
    doc.remove(0)
    assert seen == [1, 2, 2, 1]
    assert doc.steps[0].params["amount"] == 0.3


def test_region_render_equals_the_crop_of_the_full_render():
    image = make_image((90, 120, 3), seed=9)
    doc = Document(image)
    doc.push(doc.make_step("tone.brightness_contrast", brightness=0.1, contrast=0.2))
    doc.push(doc.make_step("threshold.adaptive", block_size=15, offset=0.01, method="gaussian"))
    full = doc.render()
    for rect in [(30, 20, 40, 25), (0, 0, 17, 90), (100, 70, 50, 50)]:
        doc.cache.clear()  # computed from the source, on the region alone
        region = doc.render_region(rect)
        x, y, w, h = rect
        np.testing.assert_array_equal(region, full[y : y + h, x : x + w])


def test_region_render_refuses_global_operations():
    doc = Document(make_image((40, 40, 3)))
    doc.push(doc.make_step("histogram.equalize"))
    assert doc.render_region((0, 0, 10, 10)) is None
    assert doc.render_region((50, 50, 10, 10)) is None  # outside the image


def test_coarser_proxy_comes_from_a_cached_finer_one():
    image = make_image((64, 96, 3), seed=2)
    doc = Document(image)
    from processing.pyramid import reduce

    doc.render(factor=2)
    coarse = doc.render(factor=8)
    np.testing.assert_allclose(coarse, reduce(image, 8), atol=1e-6)
