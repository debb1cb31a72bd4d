"""Progress and cancel from the render down into long operations."""
import inspect

import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.errors import RenderCancelled
from editor.operations import Operation
from editor.params import FloatParam
from processing import _parallel
from processing._parallel import set_workers
from tests.conftest import make_image

TILES = 10
tiles_run: list[tuple[float, int]] = []  # (amount, tile) of every tile computed
offsets_run: list[float] = []


def stepping_offset(image, amount=0.1, *, progress=None):
    """Adds ``amount`` in TILES bands of rows, reporting after each band."""
    out = np.empty_like(image)
    bands = np.array_split(np.arange(image.shape[0]), TILES)
    for t, rows in enumerate(bands):
        out[rows] = np.clip(image[rows] + np.float32(amount), 0, 1)
        tiles_run.append((amount, t))
        if progress is not None:
            progress((t + 1) / TILES)
    return out


def plain_offset(image, amount=0.1):
    offsets_run.append(amount)
    return np.clip(image + np.float32(amount), 0, 1).astype(np.float32)


def offset_with_kwargs(image, amount=0.1, **options):
    return plain_offset(image, amount)


def _op(op_id, function):
    return Operation(op_id, op_id, "Test", function,
                     (FloatParam("amount", "Amount", 0.1, minimum=-1, maximum=1),), margin=0)


STEPPING = _op("test.stepping", stepping_offset)
PLAIN = _op("test.plain", plain_offset)
KWARGS = _op("test.kwargs", offset_with_kwargs)
TEST_CATALOG = CATALOG.extended([STEPPING, PLAIN, KWARGS])


@pytest.fixture
def doc():
    tiles_run.clear()
    offsets_run.clear()
    return Document(make_image((40, 30, 3)), catalog=TEST_CATALOG)


@pytest.fixture
def one_thread():
    saved = _parallel._requested
    set_workers(1)
    yield
    _parallel._requested = saved


def expected_fractions(steps: int) -> list[float]:
    """Step i of n covers i/n .. (i+1)/n; each reports TILES times; then 1.0."""
    return [(i + t / TILES) / steps for i in range(steps) for t in range(1, TILES + 1)] + [1.0]


# -- Operation.apply ---------------------------------------------------------------
def test_which_functions_take_progress_is_known_from_the_signature():
    assert STEPPING.takes_progress
    assert not PLAIN.takes_progress
    assert KWARGS.takes_progress  # **options accepts it
    assert CATALOG.get("filter.gaussian_blur").takes_progress
    assert CATALOG.get("filter.bilateral_filter").takes_progress
    assert not CATALOG.get("tone.invert").takes_progress


def test_apply_passes_progress_only_where_it_is_taken(monkeypatch):
    image = make_image((6, 5))
    # Decided when the operation was made: apply must not look at signatures.
    monkeypatch.setattr(inspect, "signature", lambda *a, **k: pytest.fail("signature read at apply time"))
    seen = []
    STEPPING.apply(image, {"amount": 0.1}, progress=seen.append)
    assert seen == [(t + 1) / TILES for t in range(TILES)]
    out = PLAIN.apply(image, {"amount": 0.1}, progress=seen.append)  # no error: not passed
    np.testing.assert_allclose(out, np.clip(image + 0.1, 0, 1))


# -- Document.render -----------------------------------------------------------------
def test_progress_covers_the_steps_in_equal_shares(doc):
    for amount in (0.1, 0.2, 0.3):
        doc.push(doc.make_step("test.stepping", amount=amount))
    seen = []
    doc.render(progress=seen.append)
    assert seen == pytest.approx(expected_fractions(3))


def test_progress_counts_only_the_steps_still_to_compute(doc):
    doc.push(doc.make_step("test.stepping", amount=0.1))
    doc.push(doc.make_step("test.stepping", amount=0.2))
    doc.render()
    doc.push(doc.make_step("test.stepping", amount=0.3))
    seen = []
    doc.render(progress=seen.append)
    assert seen == pytest.approx(expected_fractions(1))
    seen.clear()
    doc.render(progress=seen.append)  # all cached: nothing to do but say so
    assert seen == [1.0]


def test_steps_without_progress_still_move_the_fraction(doc):
    doc.push(doc.make_step("test.plain", amount=0.1))
    doc.push(doc.make_step("test.stepping", amount=0.2))
    seen = []
    doc.render(progress=seen.append)
    # The plain step says nothing; the second step's reports start at 1/2.
    assert seen == pytest.approx([0.5 + t / (2 * TILES) for t in range(1, TILES + 1)] + [1.0])


def test_cancel_stops_inside_a_long_operation_and_caches_nothing_half_made(doc):
    doc.push(doc.make_step("test.stepping", amount=0.1))
    doc.push(doc.make_step("test.stepping", amount=0.2))
    polls = []

    def cancel():
        # False before each step starts and for its first reports; True at
        # the third report of the second step.
        polls.append(len(tiles_run))
        return len(tiles_run) >= TILES + 3

    with pytest.raises(RenderCancelled):
        doc.render(cancel=cancel)
    assert [a for a, _ in tiles_run].count(0.1) == TILES
    assert [a for a, _ in tiles_run].count(0.2) == 3  # stopped three tiles in, not ten
    tiles_run.clear()
    out = doc.render()
    # The first step was finished and cached; the second is computed again, whole.
    assert [a for a, _ in tiles_run] == [0.2] * TILES
    fresh = Document(doc.source, catalog=TEST_CATALOG, steps=doc.steps).render()
    np.testing.assert_array_equal(out, fresh)


def test_cancel_between_steps_still_works_for_operations_without_progress(doc):
    doc.push(doc.make_step("test.plain", amount=0.1))
    doc.push(doc.make_step("test.plain", amount=0.2))
    with pytest.raises(RenderCancelled):
        doc.render(cancel=lambda: len(offsets_run) >= 1)
    assert offsets_run == [0.1]


def test_proxy_render_reports_too(doc):
    doc.push(doc.make_step("test.stepping", amount=0.1))
    seen = []
    doc.render(factor=2, progress=seen.append)
    assert seen == pytest.approx(expected_fractions(1))


# -- Document.render_region ----------------------------------------------------------
def test_region_render_reports_and_can_be_cancelled(doc):
    doc.push(doc.make_step("test.stepping", amount=0.1))
    doc.push(doc.make_step("test.stepping", amount=0.2))
    seen = []
    region = doc.render_region((5, 6, 10, 12), progress=seen.append)
    assert region.shape == (12, 10, 3)
    assert seen == pytest.approx(expected_fractions(2))
    tiles_run.clear()
    with pytest.raises(RenderCancelled):
        doc.render_region((5, 6, 10, 12), cancel=lambda: len(tiles_run) >= 2)
    assert len(tiles_run) == 2


# -- real operations ---------------------------------------------------------------
def test_a_catalog_operation_reports_from_inside_and_stops(one_thread):
    doc = Document(make_image((512, 560, 3), seed=4))
    doc.push(doc.make_step("filter.bilateral_filter", sigma_spatial=1.5, sigma_range=0.1))
    seen = []
    doc.render(progress=seen.append)
    inside = [f for f in seen if 0.0 < f < 1.0]
    assert len(inside) >= 3  # reported between its bands, not only at the end
    assert seen[-1] == 1.0 and all(a <= b for a, b in zip(seen, seen[1:]))

    doc.push(doc.make_step("filter.gaussian_blur", sigma=3.0))
    polls = []

    def cancel():
        polls.append(None)
        return len(polls) >= 3  # once before the step, then inside it

    cached = len(doc.cache)
    with pytest.raises(RenderCancelled):
        doc.render(cancel=cancel)
    assert len(polls) == 3
    assert len(doc.cache) == cached  # the blur's half-made result was not kept
