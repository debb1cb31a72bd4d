"""The document: a source image and the ordered list of steps applied to it.

The step list is the one representation behind the undo history, the
re-editable stack, the before/after comparison and the saved recipe. The
document offers primitives (push, pop, insert, remove, replace, move); the
UI's undo commands call them, and every render is derived from the list.
"""
from __future__ import annotations

import itertools
import uuid
from typing import Callable, Iterable, Mapping, Any

import numpy as np

from processing._image import as_image

from .catalog import CATALOG, Catalog
from .errors import EditorError
from .image_file import ImageInfo
from .render import region_renderable, render_region, render_steps
from .render_cache import RenderCache
from .selection import Selection
from .steps import Step

__all__ = ["Document"]


class Document:
    """A source image plus immutable steps, rendered through a bounded cache.

    Parameters
    ----------
    source : ndarray
        float32 image in [0, 1]; copied and made read-only unless it already
        is a read-only array owning its memory.
    info : ImageInfo, optional
        Where the image came from and its metadata.
    steps : iterable of Step
        Initial steps; each is validated against the catalog.
    catalog : Catalog
        Where operations are looked up (tests pass extended catalogs).
    cache : RenderCache, optional
        Intermediate results; a new one with the default budget if omitted.

    Examples
    --------
    >>> doc = Document(np.full((4, 4), 0.5, np.float32))
    >>> doc.push(doc.make_step("tone.brightness_contrast", brightness=0.25))
    >>> float(doc.render()[0, 0]), float(doc.render(upto=0)[0, 0])
    (0.75, 0.5)
    >>> doc.pop().op_id, len(doc.steps)
    ('tone.brightness_contrast', 0)
    """

    def __init__(
        self,
        source: np.ndarray,
        info: ImageInfo | None = None,
        steps: Iterable[Step] = (),
        *,
        catalog: Catalog = CATALOG,
        cache: RenderCache | None = None,
    ):
        source = as_image(source, "source")
        # A read-only float32 array that owns its memory (what load_image
        # returns) cannot change under us: keep it rather than copying
        # hundreds of megabytes. Anything else is copied.
        if source.flags.writeable or source.base is not None or not source.flags.c_contiguous:
            source = np.array(source, dtype=np.float32, copy=True)
            source.flags.writeable = False
        self._source = source
        self._source_key = uuid.uuid4().hex
        self.info = info or ImageInfo()
        self.catalog = catalog
        self.cache = cache if cache is not None else RenderCache()
        self._steps: tuple[Step, ...] = ()
        # Each step has an identity that survives edits and moves (a step is
        # immutable, so "the same step" after an edit is a new object): the
        # window's edited step and the "before" of a comparison follow it.
        self._ids: tuple[int, ...] = ()
        self._id_counter = itertools.count(1)
        self._listeners: list[Callable[[], None]] = []
        self._selection: Selection | None = None
        self._selection_listeners: list[Callable[[], None]] = []
        self.revision = 0
        self.set_steps(steps)

    # -- state -------------------------------------------------------------
    @property
    def source(self) -> np.ndarray:
        """The source pixels (read-only)."""
        return self._source

    @property
    def steps(self) -> tuple[Step, ...]:
        return self._steps

    @property
    def step_ids(self) -> tuple[int, ...]:
        """A stable identity for each step, in step order.

        An id stays with its step when the step is edited (replaced), moved,
        or removed and inserted again by undo; new steps get new ids.

        Examples
        --------
        >>> doc = Document(np.zeros((2, 2), np.float32))
        >>> doc.push(doc.make_step("tone.invert")); doc.push(doc.make_step("tone.gamma"))
        >>> first = doc.step_ids[0]
        >>> doc.move(0, 1); doc.index_of(first)
        1
        """
        return self._ids

    def index_of(self, step_id: int | None) -> int | None:
        """Where the step with identity ``step_id`` is now, or None if it is gone."""
        try:
            return self._ids.index(step_id)
        except ValueError:
            return None

    def subscribe(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change of the step list."""
        self._listeners.append(callback)

    def _changed(self) -> None:
        self.revision += 1
        for callback in list(self._listeners):
            callback()

    # -- the selection -------------------------------------------------------------
    @property
    def selection(self) -> Selection | None:
        """Where the next operation applies (None: everywhere). Its size is
        that of the image after the steps when it was made."""
        return self._selection

    def shape_after(self, count: int | None = None) -> tuple[int, ...]:
        """Height and width of the image after the first ``count`` steps (all
        by default), from the operations' declared output shapes: nothing
        is rendered.

        Examples
        --------
        >>> doc = Document(np.zeros((40, 60, 3), np.float32))
        >>> doc.push(doc.make_step("geometry.crop", x=5, y=5, width=20, height=10))
        >>> doc.shape_after(0), doc.shape_after()
        ((40, 60), (10, 20))
        """
        shape = self._source.shape[:2]
        for step in self._steps[:count]:
            if step.enabled:
                op = self.catalog.get(step.op_id)
                if op.changes_size:
                    shape = op.result_shape(shape, step.params)[:2]
        return tuple(shape)

    def set_selection(self, selection: Selection | None) -> None:
        """Replace the selection (the undo commands call this)."""
        if selection is self._selection:
            return
        self._selection = selection
        for callback in list(self._selection_listeners):
            callback()

    def subscribe_selection(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every change of the selection."""
        self._selection_listeners.append(callback)

    def masked(self, step: Step, shape: tuple[int, ...] | None = None) -> Step:
        """``step`` limited to the current selection: the selection becomes its
        mask, when there is one, the step has none, the step keeps the image's
        size (a crop or rotation cannot be limited to a selection) and (given
        ``shape``, the image the step applies to) their sizes agree."""
        selection = self._selection
        if selection is None or step.mask is not None or self.catalog.get(step.op_id).changes_size:
            return step
        if shape is not None and tuple(shape[:2]) != selection.shape:
            return step
        return step.with_mask(selection.mask)

    # -- building steps ------------------------------------------------------
    def make_step(self, op_id: str, params: Mapping[str, Any] | None = None, *, mask=None, **kwargs) -> Step:
        """A validated step with defaults filled in for parameters not given."""
        op = self.catalog.get(op_id)
        values = dict(params or {}, **kwargs)
        return Step(op_id, op.validate(values), mask)

    def validate_step(self, step: Step) -> Step:
        """Check that ``step`` names a known operation with valid parameters.

        Returns the step with its parameters coerced to their types.
        """
        op = self.catalog.get(step.op_id)
        params = op.validate(step.params, fill_defaults=False)
        return Step(step.op_id, params, step.mask, step.enabled)

    # -- primitives the undo commands call ----------------------------------------
    def push(self, step: Step) -> None:
        """Append a step."""
        self.insert(len(self._steps), step)

    def pop(self) -> Step:
        """Remove and return the last step."""
        if not self._steps:
            raise EditorError("there is no step to remove")
        return self.remove(len(self._steps) - 1)

    def insert(self, index: int, step: Step, *, step_id: int | None = None) -> int:
        """Insert a step before position ``index``; returns its identity.

        Undo passes the ``step_id`` the step had before it was removed.
        """
        step = self.validate_step(step)
        if not 0 <= index <= len(self._steps):
            raise IndexError(f"step index {index} out of range 0..{len(self._steps)}")
        if step_id is None or step_id in self._ids:
            step_id = next(self._id_counter)
        self._steps = self._steps[:index] + (step,) + self._steps[index:]
        self._ids = self._ids[:index] + (step_id,) + self._ids[index:]
        self._changed()
        return step_id

    def remove(self, index: int) -> Step:
        """Remove and return the step at ``index``."""
        self._check_index(index)
        step = self._steps[index]
        self._steps = self._steps[:index] + self._steps[index + 1 :]
        self._ids = self._ids[:index] + self._ids[index + 1 :]
        self._changed()
        return step

    def replace(self, index: int, step: Step) -> Step:
        """Put ``step`` at ``index``; returns the step it replaced."""
        self._check_index(index)
        step = self.validate_step(step)
        old = self._steps[index]
        self._steps = self._steps[:index] + (step,) + self._steps[index + 1 :]
        self._changed()
        return old

    def move(self, source: int, destination: int) -> None:
        """Move the step at ``source`` so that it ends up at ``destination``."""
        self._check_index(source)
        self._check_index(destination)
        steps, ids = list(self._steps), list(self._ids)
        steps.insert(destination, steps.pop(source))
        ids.insert(destination, ids.pop(source))
        self._steps, self._ids = tuple(steps), tuple(ids)
        self._changed()

    def set_steps(self, steps: Iterable[Step], *, step_ids: Iterable[int] | None = None) -> None:
        """Replace the whole list at once; nothing changes if any step is invalid.

        ``step_ids`` gives the steps back identities they had before (undo);
        by default they get new ones.
        """
        validated = tuple(self.validate_step(s) for s in steps)
        ids = tuple(step_ids) if step_ids is not None else ()
        if len(ids) != len(validated) or len(set(ids)) != len(ids):
            ids = tuple(next(self._id_counter) for _ in validated)
        self._steps, self._ids = validated, ids
        self._changed()

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self._steps):
            raise IndexError(f"step index {index} out of range 0..{len(self._steps) - 1}")

    # -- rendering -------------------------------------------------------------
    def render(
        self,
        upto: int | None = None,
        *,
        factor: int = 1,
        steps: Iterable[Step] | None = None,
        cancel: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> np.ndarray:
        """The image after the first ``upto`` steps (all by default).

        Parameters
        ----------
        upto : int, optional
            How many steps to apply; 0 is the source.
        factor : int
            Proxy reduction factor (1 = full resolution).
        steps : iterable of Step, optional
            Render these instead of the document's steps (a preview of an
            edit not yet committed); cached prefixes are still reused.
        cancel : callable, optional
            Polled between steps and inside long operations (between their
            tiles, rows or iterations); raises RenderCancelled when true.
            Nothing half-made is cached.
        progress : callable, optional
            Called with the fraction (0 to 1) of the remaining work done,
            from the rendering thread; ends with 1.0.
        """
        chosen = tuple(steps) if steps is not None else self._steps
        if upto is not None:
            chosen = chosen[:upto]
        return render_steps(
            self._source, self._source_key, chosen, self.catalog, self.cache,
            factor=factor, cancel=cancel, progress=progress,
        )

    def render_region(
        self,
        rect: tuple[int, int, int, int],
        *,
        steps: Iterable[Step] | None = None,
        cancel: Callable[[], bool] | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> np.ndarray | None:
        """Exact full-resolution pixels of ``rect`` (x, y, w, h) after the
        steps, computed on that region only; None when a step needs the
        whole image. Used for 1:1 previews while a slider moves. ``cancel``
        and ``progress`` work as in :meth:`render`."""
        chosen = tuple(steps) if steps is not None else self._steps
        return render_region(self._source, self._source_key, chosen, self.catalog, self.cache, rect,
                             cancel=cancel, progress=progress)

    def can_render_region(self, steps: Iterable[Step] | None = None) -> bool:
        """Whether :meth:`render_region` can serve these steps right now."""
        chosen = tuple(steps) if steps is not None else self._steps
        return region_renderable(self._source_key, chosen, self.catalog, self.cache)
