"""The live preview's policy, without Qt: what to render, at what resolution,
and which finished frames may reach the screen.

The window asks a :class:`PreviewModel` for a :class:`RenderRequest` whenever
the image to show changes, hands it to a render worker, and passes every
finished frame back through :meth:`PreviewModel.accept`, which says what to do
with it (show it, show it as an exact region, update the histogram only, or
drop it as stale). The window draws; this module decides.

Live resolution comes from a frame-time budget. Each frame a person sees
during a drag costs the operation's render, which shrinks with the proxy's
pixel count, plus work that shrinks with it too (conversion to 8 bits, the
histogram) and painting, which does not. The model learns each cost from the
frames it is told about and picks the finest proxy whose predicted frame time
fits the budget. A frame that fits in ``FRAME_BUDGET_S`` reaches the screen
within about two budgets of a slider move (the frame in progress when the
value changed, then its own), so 16 ms keeps value-to-frame near 33 ms.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Sequence

from .steps import Step

__all__ = [
    "FRAME_BUDGET_S",
    "LIVE_REDUCTIONS",
    "FrameCosts",
    "Kind",
    "PreviewModel",
    "RenderRequest",
    "RenderTag",
    "Verdict",
]

FRAME_BUDGET_S = 0.016
# A live frame may be rendered at the display proxy's resolution divided by
# one of these (in each direction). Multiples of the display factor reduce
# cheaply from its cached proxy; past 1/4 a preview stops being useful.
LIVE_REDUCTIONS = (1, 2, 3, 4)
# Going back to a finer resolution needs this much headroom, so a cost that
# sits at the budget does not make the resolution flicker frame by frame.
FINER_HEADROOM = 0.75
# A render faster than this was served from the cache: it says nothing about
# what the operation costs.
CACHE_HIT_S = 0.0005
SMOOTHING = 0.5  # weight of the newest measurement in the running estimates
# An operation's rate is the median of its last few frames: the first frame
# at a new resolution also reduces the source and renders the earlier steps
# there, a one-off that must not send the next frames to a coarser one.
RECENT_FRAMES = 3


class Kind(enum.Enum):
    """What a render is for."""

    LIVE = "live"  # a proxy frame while a control moves
    FINAL = "final"  # display proxy then full resolution, after an edit or a release
    REGION = "region"  # exact full-resolution pixels of the visible part, zoomed in
    ANALYSIS = "analysis"  # a proxy made only for the histogram, beside a region
    BEFORE = "before"  # the image to compare with
    DIFFERENCE = "difference"  # heat map of after minus before
    PREFETCH = "prefetch"  # the source reduced for live frames, made while nothing else runs


@dataclass(frozen=True)
class RenderTag:
    """Travels with a render request and comes back with each of its frames.

    Attributes
    ----------
    kind : Kind
        What the frames are for.
    op_id : str or None
        The operation of the last step rendered (whose cost a frame measures).
    reduction : int
        For live frames, the extra reduction below the display proxy.
    display_factor : int
        The display proxy's factor when the request was made.
    origin : (int, int) or None
        For a region, its top-left pixel in the full-resolution image.
    full_size : (int, int) or None
        For a difference, the after image's full size (width, height).
    """

    kind: Kind
    op_id: str | None = None
    reduction: int = 1
    display_factor: int = 1
    origin: tuple[int, int] | None = None
    full_size: tuple[int, int] | None = None

    def with_origin(self, x: int, y: int) -> "RenderTag":
        return RenderTag(Kind.REGION, self.op_id, 1, self.display_factor, (x, y))

    def as_analysis(self) -> "RenderTag":
        return RenderTag(Kind.ANALYSIS, self.op_id, 1, self.display_factor)


@dataclass(frozen=True)
class RenderRequest:
    """What to render next.

    Attributes
    ----------
    tag : RenderTag
    steps : tuple of Step
        The steps to fold over the source.
    factors : tuple of int
        Reductions to render in turn (a proxy, then full size).
    live : bool
        A live frame runs to its end even when superseded: it is still newer
        than what is on screen.
    region : (x, y, width, height) or None
        Render this part of the image at full resolution, exactly (the
        display proxy follows, for the histogram only).
    sparse_histogram : bool
        A cheaper, sparser histogram: the frame is one of many in a drag.
    """

    tag: RenderTag
    steps: tuple[Step, ...]
    factors: tuple[int, ...]
    live: bool = False
    region: tuple[int, int, int, int] | None = None
    sparse_histogram: bool = False


class Verdict(enum.Enum):
    """What to do with a finished frame."""

    SHOW = "show"  # replace the result on the canvas (and the histogram if it has one)
    SHOW_REGION = "show region"  # draw the exact region over the proxy
    HISTOGRAM = "histogram"  # update the histogram only
    DROP = "drop"  # stale: something newer is on screen or was asked for


@dataclass
class FrameCosts:
    """Running estimates of what a live frame costs, in seconds.

    ``per_pixel[op_id]`` is the render's cost per output pixel (the median
    of the last ``RECENT_FRAMES`` frames of that operation),
    ``overhead_per_pixel`` the worker's own per-pixel work after the render
    (8-bit conversion, histogram), ``paint`` drawing the frame on the GUI
    thread (which depends on the screen, not on the proxy).
    """

    per_pixel: dict[str, float] = field(default_factory=dict)
    recent: dict[str, list[float]] = field(default_factory=dict)
    overhead_per_pixel: float = 0.0
    paint: float = 0.0

    def predict(self, op_id: str | None, pixels: float) -> float | None:
        """Seconds for a frame of ``pixels`` pixels; None if ``op_id`` was never measured."""
        if op_id is None:
            return (self.overhead_per_pixel * pixels) + self.paint
        rate = self.per_pixel.get(op_id)
        if rate is None:
            return None
        return (rate + self.overhead_per_pixel) * pixels + self.paint


def _smooth(old: float | None, new: float) -> float:
    return new if old is None or old == 0.0 else old + SMOOTHING * (new - old)


class PreviewModel:
    """The preview policy and the little state it needs.

    Parameters
    ----------
    budget_s : float
        Target time for one live frame, render to paint.
    reductions : sequence of int
        Allowed extra reductions below the display proxy for live frames,
        finest first.

    Examples
    --------
    >>> from editor.steps import Step
    >>> model = PreviewModel()
    >>> steps = (Step("filter.gaussian_blur", {"sigma": 4.0}),)
    >>> model.request(steps, display_factor=4, final=True).factors
    (4, 1)
    >>> model.accept(1, RenderTag(Kind.FINAL, display_factor=4), 4)
    <Verdict.SHOW: 'show'>
    >>> model.accept(1, RenderTag(Kind.FINAL, display_factor=4), 1)
    <Verdict.SHOW: 'show'>
    >>> model.accept(1, RenderTag(Kind.FINAL, display_factor=4), 4)  # the proxy after its full render
    <Verdict.DROP: 'drop'>
    """

    def __init__(self, budget_s: float = FRAME_BUDGET_S, reductions: Sequence[int] = LIVE_REDUCTIONS):
        if budget_s <= 0:
            raise ValueError(f"budget_s must be > 0, got {budget_s}")
        if not reductions or any(int(r) < 1 for r in reductions):
            raise ValueError(f"reductions must be integers >= 1, got {tuple(reductions)}")
        self.budget_s = float(budget_s)
        self.reductions = tuple(sorted(int(r) for r in reductions))
        self.costs = FrameCosts()
        self._reduction: dict[str, int] = {}  # op id -> reduction its live frames use now
        self.shown_generation = 0  # the newest frame on screen (or the floor after a reset)
        self.shown_factor = 0  # its reduction; 0 = nothing of that generation yet
        self._floor = 0  # frames of this generation or older are never shown
        self._before_floor = 0  # the same for the "before" renders (numbered on their own)
        self.in_gesture = False

    # -- what is on screen --------------------------------------------------------
    def reset(self, floor: int, before_floor: int = 0) -> None:
        """A new document: result frames of generation ``floor`` or older,
        and "before" frames of generation ``before_floor`` or older, must
        never reach the screen."""
        self._floor = max(self._floor, floor)
        self._before_floor = max(self._before_floor, before_floor)
        self.shown_generation, self.shown_factor = self._floor, 0

    def drop_upto(self, floor: int, before_floor: int = 0) -> None:
        """Cancel: frames requested so far are stale, what is shown stays."""
        self._floor = max(self._floor, floor)
        self._before_floor = max(self._before_floor, before_floor)

    def is_showing(self, generation: int, factor: int) -> bool:
        """Whether the newest frame on screen is ``generation`` at ``factor``."""
        return (self.shown_generation, self.shown_factor) == (generation, factor)

    # -- what to render -----------------------------------------------------------
    def live_reduction(self, op_id: str | None, display_pixels: float) -> int:
        """Extra reduction for live frames of ``op_id``: the finest whose
        predicted frame time fits the budget, from the frames seen so far.

        Examples
        --------
        >>> model = PreviewModel(budget_s=0.016)
        >>> model.live_reduction("op", 2e6)  # never measured: try full display resolution
        1
        >>> model.costs.per_pixel["op"] = 20e-9  # 40 ms for 2 MP, 10 ms for 0.5 MP
        >>> model.live_reduction("op", 2e6)
        2
        """
        if op_id is None:
            return 1
        current = self._reduction.get(op_id, self.reductions[0])
        chosen = self.reductions[-1]
        for reduction in self.reductions:
            predicted = self.costs.predict(op_id, display_pixels / reduction**2)
            if predicted is None:
                return current
            # Finer than now only with headroom: no flicker at the boundary.
            limit = self.budget_s * (FINER_HEADROOM if reduction < current else 1.0)
            if predicted <= limit:
                chosen = reduction
                break
        self._reduction[op_id] = chosen
        return chosen

    def request(
        self,
        steps: Sequence[Step],
        *,
        display_factor: int,
        final: bool,
        live_capable: bool = True,
        display_pixels: float = 0.0,
        region: tuple[int, int, int, int] | None = None,
    ) -> RenderRequest | None:
        """The render to ask for now.

        Parameters
        ----------
        steps : sequence of Step
            What the canvas should show.
        display_factor : int
            The reduction that renders about as many pixels as the canvas shows.
        final : bool
            True after an edit or a release: display proxy, then full size.
            False while a control moves: one live frame.
        live_capable : bool
            False when the last step's operation is too slow to follow a
            control: nothing is rendered until the release (None is returned).
        display_pixels : float
            Pixels of a render at ``display_factor`` (for the frame budget).
        region : (x, y, width, height), optional
            Zoomed in past the proxy's detail with a region render possible:
            render this part exactly instead of a proxy.
        """
        steps = tuple(steps)
        op_id = steps[-1].op_id if steps else None
        display_factor = max(1, int(display_factor))
        if final:
            factors = (display_factor, 1) if display_factor > 1 else (1,)
            # The first frame, at display resolution, also measures what a
            # live frame of this operation costs before any drag starts.
            return RenderRequest(RenderTag(Kind.FINAL, op_id, 1, display_factor), steps, factors)
        if not live_capable:
            return None
        if region is not None:
            tag = RenderTag(Kind.REGION, op_id, 1, display_factor, (region[0], region[1]))
            return RenderRequest(tag, steps, (1, display_factor), live=True, region=region, sparse_histogram=True)
        reduction = self.live_reduction(op_id, display_pixels)
        tag = RenderTag(Kind.LIVE, op_id, reduction, display_factor)
        return RenderRequest(tag, steps, (display_factor * reduction,), live=True, sparse_histogram=True)

    @staticmethod
    def wants_region(display_factor: int, zoom: float) -> bool:
        """Whether a live frame should be an exact region rather than a proxy:
        zoomed in past the display proxy's detail (one proxy pixel would
        cover more than one screen pixel).

        Examples
        --------
        >>> PreviewModel.wants_region(4, 0.25), PreviewModel.wants_region(4, 1.0)
        (False, True)
        """
        return display_factor > 1 and zoom * display_factor > 1.0

    # -- what to do with a finished frame -------------------------------------------
    def accept(self, generation: int, tag: RenderTag, factor: int) -> Verdict:
        """Decide about a finished frame and note it as shown if it is.

        An older render finishing late never replaces a newer one, and a
        proxy never replaces the full-resolution frame of the same request.
        """
        if generation <= self._floor:
            return Verdict.DROP
        if tag.kind is Kind.REGION:
            if generation < self.shown_generation:
                return Verdict.DROP
            self.shown_generation = generation
            return Verdict.SHOW_REGION
        if tag.kind is Kind.PREFETCH:
            return Verdict.DROP  # made for the cache, not for the screen
        if tag.kind is Kind.ANALYSIS:
            return Verdict.HISTOGRAM if generation >= self.shown_generation else Verdict.DROP
        if tag.kind not in (Kind.LIVE, Kind.FINAL):
            raise ValueError(f"accept() takes result frames, got a {tag.kind.value} frame")
        if generation < self.shown_generation or (
            generation == self.shown_generation and self.shown_factor and factor > self.shown_factor
        ):
            return Verdict.DROP
        self.shown_generation, self.shown_factor = generation, factor
        return Verdict.SHOW

    def accept_before(self, generation: int) -> Verdict:
        """Before and difference frames: dropped only after a reset or a cancel."""
        return Verdict.DROP if generation <= self._before_floor else Verdict.SHOW

    # -- learning what frames cost ----------------------------------------------------
    def observe(self, tag: RenderTag, factor: int, pixels: int, compute_s: float, overhead_s: float) -> None:
        """Learn from a finished frame: ``compute_s`` rendering it, ``overhead_s``
        converting and analysing its ``pixels`` pixels.

        Only live frames and the display-resolution frame of a final request
        say what a live frame costs.
        """
        if pixels <= 0:
            return
        if overhead_s > 0:
            self.costs.overhead_per_pixel = _smooth(self.costs.overhead_per_pixel, overhead_s / pixels)
        measures_op = tag.kind is Kind.LIVE or (tag.kind is Kind.FINAL and factor == tag.display_factor)
        if not measures_op or tag.op_id is None or compute_s < CACHE_HIT_S:
            return
        recent = self.costs.recent.setdefault(tag.op_id, [])
        recent.append(compute_s / pixels)
        del recent[:-RECENT_FRAMES]
        self.costs.per_pixel[tag.op_id] = sorted(recent)[len(recent) // 2]

    def observe_paint(self, seconds: float) -> None:
        """Learn what painting a frame on the canvas costs."""
        if seconds >= 0:
            self.costs.paint = _smooth(self.costs.paint, seconds)

    def prefetch_request(self, display_factor: int) -> RenderRequest:
        """Reduce the source, once, to every live resolution below the
        display proxy, after a final render: the first live frame at a new
        resolution then costs what its operation costs, without the one-off
        reduction of the source (tens of milliseconds on a big image).

        Examples
        --------
        >>> PreviewModel(reductions=(1, 2, 4)).prefetch_request(3).factors
        (6, 12)
        """
        display_factor = max(1, int(display_factor))
        factors = tuple(display_factor * r for r in self.reductions if r > 1)
        return RenderRequest(RenderTag(Kind.PREFETCH, display_factor=display_factor), (), factors)

    # -- the comparison ------------------------------------------------------------------
    @staticmethod
    def before_request(
        steps: Sequence[Step], before_count: int, factor: int, *, difference: bool,
        full_size: tuple[int, int] | None = None,
    ) -> RenderRequest:
        """The "before" image (the first ``before_count`` steps) at the
        result's ``factor``, or the difference heat map against it."""
        kind = Kind.DIFFERENCE if difference else Kind.BEFORE
        tag = RenderTag(kind, display_factor=factor, full_size=full_size)
        return RenderRequest(tag, tuple(steps[:before_count]), (factor,))
