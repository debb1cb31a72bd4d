"""A long history stays within the cache budget, and re-editing re-renders only what changed."""
import time
import tracemalloc

import numpy as np
import pytest

from editor.catalog import CATALOG
from editor.document import Document
from editor.operations import Operation
from editor.params import FloatParam, IntParam
from editor.render import apply_step
from editor.render_cache import RenderCache
from editor.steps import Step
from tests.conftest import make_image

calls: list[tuple[str, int]] = []


def nudge(image, amount=0.0, tag=0):
    """Cheap: one add; records which step (tag) ran."""
    calls.append(("nudge", tag))
    return np.add(image, np.float32(amount))


def slow(image, amount=0.0, tag=0):
    """Like nudge, but takes long enough that recomputing it is clearly expensive."""
    calls.append(("slow", tag))
    time.sleep(0.05)
    return np.add(image, np.float32(amount))


def _params():
    return (FloatParam("amount", "Amount", 0.0, minimum=-1, maximum=1), IntParam("tag", "Tag", 0, minimum=0, maximum=10**6))


FAKES = [Operation("test.nudge", "Nudge", "Test", nudge, _params()),
         Operation("test.slow", "Slow", "Test", slow, _params())]
CAT = CATALOG.extended(FAKES)


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


def fold(source, steps):
    """Reference render: apply every enabled step in turn, no cache (not counted in ``calls``)."""
    recorded = list(calls)
    image = source
    for step in steps:
        if step.enabled:
            image = apply_step(image, step, CAT)
    calls[:] = recorded
    return image


def step(tag, amount=0.001, op="test.nudge"):
    return Step(op, {"amount": amount, "tag": tag})


def test_200_steps_on_a_megapixel_image_stay_within_a_small_budget():
    source = make_image((1000, 1000, 3), seed=0) * np.float32(0.5)  # 12 MB per image
    budget = 40 * 2**20  # room for 3 intermediate images, not 200 (2.4 GB)
    doc = Document(source, catalog=CAT, cache=RenderCache(budget_bytes=budget))
    tracemalloc.start()  # NumPy reports its buffers to tracemalloc: this is the real memory
    try:
        for tag in range(200):
            doc.push(step(tag))
            doc.render()  # as the UI does after each edit
            assert doc.cache.nbytes <= budget
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Nothing but the cache holds intermediate images: at most the budget plus the
    # image being computed and its input, whatever the history length.
    assert held <= budget + 2 * source.nbytes
    assert peak <= budget + 3 * source.nbytes
    assert len(calls) == 200  # each edit rendered one step from the cached previous result
    assert doc.cache.evictions >= 196
    np.testing.assert_array_equal(doc.render(), fold(source, doc.steps))
    # Re-editing an early step re-renders the rest, still within budget.
    calls.clear()
    doc.replace(150, step(150, amount=0.002))
    np.testing.assert_array_equal(doc.render(), fold(source, doc.steps))
    assert doc.cache.nbytes <= budget


def test_reediting_step_2_of_5_recomputes_steps_2_to_5_only():
    source = make_image((40, 50, 3), seed=1)
    doc = Document(source, catalog=CAT)
    for tag in range(1, 6):
        doc.push(step(tag, amount=0.01 * tag))
    first = doc.render()
    assert calls == [("nudge", t) for t in range(1, 6)]
    calls.clear()
    np.testing.assert_array_equal(doc.render(), first)
    assert calls == []  # nothing changed, nothing recomputed
    doc.replace(1, doc.steps[1].with_params(amount=-0.02))
    edited = doc.render()
    assert calls == [("nudge", t) for t in range(2, 6)]
    fresh = Document(source, steps=doc.steps, catalog=CAT).render()
    np.testing.assert_array_equal(edited, fresh)
    assert not np.array_equal(edited, first)
    # Looking at the state before step 2 (before/after) needs no work at all.
    calls.clear()
    np.testing.assert_array_equal(doc.render(upto=1), fold(source, doc.steps[:1]))
    assert calls == []


def test_disabling_and_reenabling_a_step_reuses_the_cache():
    source = make_image((30, 30), seed=2)
    doc = Document(source, catalog=CAT)
    for tag in range(1, 6):
        doc.push(step(tag, amount=0.01))
    with_all = doc.render()
    calls.clear()
    doc.replace(2, doc.steps[2].with_enabled(False))
    np.testing.assert_array_equal(doc.render(), fold(source, doc.steps))
    assert calls == [("nudge", 4), ("nudge", 5)]
    calls.clear()
    doc.replace(2, doc.steps[2].with_enabled(True))
    np.testing.assert_array_equal(doc.render(), with_all)
    assert calls == []  # both versions of the tail are still cached


def test_eviction_keeps_the_expensive_step_and_drops_cheap_ones():
    source = make_image((200, 200, 3), seed=3)  # 480 KB per image
    budget = 3 * source.nbytes
    doc = Document(source, catalog=CAT, cache=RenderCache(budget_bytes=budget))
    doc.push(step(1, op="test.slow"))
    doc.render()
    for tag in range(2, 22):  # twenty cheap edits after the slow one
        doc.push(step(tag))
        doc.render()
        assert doc.cache.nbytes <= budget
    assert doc.cache.evictions > 0
    # Going back to re-edit any cheap step never re-runs the slow one: its result was kept.
    for index in (20, 10, 2, 1):
        calls.clear()
        doc.replace(index, doc.steps[index].with_params(amount=0.003 * index))
        np.testing.assert_array_equal(doc.render(), fold(source, doc.steps))
        assert ("slow", 1) not in calls
        assert doc.cache.nbytes <= budget
