"""The preview policy, without Qt: requests, stale frames, the frame-time budget."""
import pytest

from editor.preview import Kind, PreviewModel, RenderTag, Verdict
from editor.steps import Step

BLUR = (Step("filter.gaussian_blur", {"sigma": 3.0}),)


def live_tag(op_id="filter.gaussian_blur", reduction=1, display_factor=4):
    return RenderTag(Kind.LIVE, op_id, reduction, display_factor)


def test_final_request_renders_the_display_proxy_then_full_size():
    request = PreviewModel().request(BLUR, display_factor=4, final=True)
    assert request.factors == (4, 1)
    assert request.tag.kind is Kind.FINAL and request.tag.op_id == "filter.gaussian_blur"
    assert not request.live
    assert PreviewModel().request(BLUR, display_factor=1, final=True).factors == (1,)


def test_live_request_is_one_live_frame_or_nothing_for_slow_operations():
    model = PreviewModel()
    request = model.request(BLUR, display_factor=3, final=False, display_pixels=1e6)
    assert request.live and request.factors == (3,) and request.tag.kind is Kind.LIVE
    assert model.request(BLUR, display_factor=3, final=False, live_capable=False) is None


def test_region_request_renders_the_region_then_the_proxy_for_the_histogram():
    request = PreviewModel().request(BLUR, display_factor=4, final=False, region=(10, 20, 300, 200))
    assert request.region == (10, 20, 300, 200) and request.factors == (1, 4)
    assert request.tag.kind is Kind.REGION and request.tag.origin == (10, 20)


def test_an_older_frame_never_replaces_a_newer_one():
    model = PreviewModel()
    assert model.accept(2, live_tag(), 4) is Verdict.SHOW
    assert model.accept(1, live_tag(), 4) is Verdict.DROP
    assert model.accept(3, RenderTag(Kind.FINAL, display_factor=4), 4) is Verdict.SHOW
    assert model.accept(3, RenderTag(Kind.FINAL, display_factor=4), 1) is Verdict.SHOW
    assert model.is_showing(3, 1)
    # The proxy of the same request arriving after its full render is stale.
    assert model.accept(3, RenderTag(Kind.FINAL, display_factor=4), 4) is Verdict.DROP
    assert model.is_showing(3, 1)


def test_regions_and_histograms_follow_the_newest_generation():
    model = PreviewModel()
    assert model.accept(5, live_tag(), 4) is Verdict.SHOW
    region = RenderTag(Kind.REGION, origin=(0, 0))
    assert model.accept(4, region, 1) is Verdict.DROP
    assert model.accept(6, region, 1) is Verdict.SHOW_REGION
    assert model.accept(6, region.as_analysis(), 4) is Verdict.HISTOGRAM
    assert model.accept(5, region.as_analysis(), 4) is Verdict.DROP


def test_after_a_reset_nothing_requested_before_reaches_the_screen():
    model = PreviewModel()
    assert model.accept(1, live_tag(), 4) is Verdict.SHOW
    # A new document; results up to 7 and "before" frames up to 2 belonged
    # to the old one (the two are numbered on their own).
    model.reset(floor=7, before_floor=2)
    for generation in (2, 7):
        assert model.accept(generation, RenderTag(Kind.FINAL, display_factor=4), 1) is Verdict.DROP
    assert model.accept_before(2) is Verdict.DROP
    assert model.accept(8, RenderTag(Kind.FINAL, display_factor=4), 4) is Verdict.SHOW
    assert model.accept_before(3) is Verdict.SHOW


def test_cancel_drops_pending_frames_but_keeps_what_is_shown():
    model = PreviewModel()
    model.accept(3, RenderTag(Kind.FINAL, display_factor=2), 1)
    model.drop_upto(5)
    assert model.is_showing(3, 1)
    assert model.accept(4, RenderTag(Kind.FINAL, display_factor=2), 1) is Verdict.DROP
    assert model.accept(6, RenderTag(Kind.FINAL, display_factor=2), 2) is Verdict.SHOW


def test_live_resolution_follows_the_frame_budget():
    model = PreviewModel(budget_s=0.016)
    pixels = 2_000_000  # a full-HD canvas
    # A cheap operation: 2 ms for the display proxy.
    model.observe(live_tag("cheap"), 4, pixels, compute_s=0.002, overhead_s=0.002)
    model.observe_paint(0.002)
    assert model.live_reduction("cheap", pixels) == 1
    # An expensive one: 60 ms at display resolution. Per frame at reduction r:
    # (60 ms + 2 ms) / r**2 + 2 ms paint; r = 2 predicts 17.5 ms, r = 3 8.9 ms.
    model.observe(live_tag("costly"), 4, pixels, compute_s=0.060, overhead_s=0.002)
    assert model.live_reduction("costly", pixels) == 3
    # Measured from a frame at reduction 3 (a ninth of the pixels): the same rate.
    model.observe(live_tag("costly", 3), 12, pixels // 9, compute_s=0.060 / 9, overhead_s=0.002 / 9)
    assert model.live_reduction("costly", pixels) == 3


def test_fixed_costs_count_against_the_budget():
    model = PreviewModel(budget_s=0.016)
    pixels = 1_000_000
    model.observe(live_tag("op"), 4, pixels, compute_s=0.008, overhead_s=0.001)
    assert model.live_reduction("op", pixels) == 1  # 9 ms per frame
    model.observe_paint(0.012)  # a slow screen: 12 ms to paint whatever the proxy
    model.observe_paint(0.012)
    # 9 ms + 12 ms is over the budget; at r = 2, 2.25 ms + 12 ms fits.
    assert model.live_reduction("op", pixels) == 2


def test_the_coarsest_reduction_when_nothing_fits():
    model = PreviewModel(budget_s=0.016, reductions=(1, 2, 4))
    model.observe(live_tag("op"), 4, 1_000_000, compute_s=5.0, overhead_s=0.0)
    assert model.live_reduction("op", 1_000_000) == 4


def test_going_finer_needs_headroom():
    model = PreviewModel(budget_s=0.010, reductions=(1, 2))
    model.observe(live_tag("op"), 4, 1_000_000, compute_s=0.020, overhead_s=0.0)
    assert model.live_reduction("op", 1_000_000) == 2
    # Now 9 ms at full display resolution: under the budget, but not by the
    # margin it takes to go back (7.5 ms), so it stays coarse.
    model.costs.per_pixel["op"] = 9e-9
    assert model.live_reduction("op", 1_000_000) == 2
    model.costs.per_pixel["op"] = 7e-9
    assert model.live_reduction("op", 1_000_000) == 1


def test_cache_hits_and_full_resolution_frames_do_not_teach_the_cost():
    model = PreviewModel()
    model.observe(live_tag("op"), 4, 1_000_000, compute_s=0.0001, overhead_s=0.0)  # a cached value
    assert "op" not in model.costs.per_pixel
    model.observe(RenderTag(Kind.FINAL, "op", 1, 4), 1, 16_000_000, compute_s=1.0, overhead_s=0.0)
    assert "op" not in model.costs.per_pixel
    model.observe(RenderTag(Kind.FINAL, "op", 1, 4), 4, 1_000_000, compute_s=0.01, overhead_s=0.0)
    assert model.costs.per_pixel["op"] == pytest.approx(1e-8)
    assert model.costs.per_pixel["op"] == pytest.approx(1e-8)


def test_live_requests_use_the_learned_reduction():
    model = PreviewModel(budget_s=0.016)
    model.observe(RenderTag(Kind.FINAL, "filter.gaussian_blur", 1, 2), 2, 1_000_000, compute_s=0.05, overhead_s=0)
    request = model.request(BLUR, display_factor=2, final=False, display_pixels=1_000_000)
    # 50 ms at r = 1, 12.5 ms at r = 2.
    assert request.tag.reduction == 2 and request.factors == (4,)


def test_before_and_difference_requests():
    steps = BLUR + (Step("tone.brightness_contrast", {"brightness": 0.1}),)
    before = PreviewModel.before_request(steps, 1, 4, difference=False)
    assert before.steps == BLUR and before.factors == (4,) and before.tag.kind is Kind.BEFORE
    diff = PreviewModel.before_request(steps, 0, 2, difference=True, full_size=(80, 60))
    assert diff.steps == () and diff.tag.kind is Kind.DIFFERENCE and diff.tag.full_size == (80, 60)


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="budget_s must be > 0"):
        PreviewModel(budget_s=0)
    with pytest.raises(ValueError, match="reductions must be integers >= 1"):
        PreviewModel(reductions=(0, 2))
    with pytest.raises(ValueError, match="takes result frames"):
        PreviewModel().accept(1, RenderTag(Kind.BEFORE), 1)


def test_a_one_off_slow_frame_does_not_change_the_resolution():
    model = PreviewModel(budget_s=0.016)
    pixels = 1_000_000
    for _ in range(2):
        model.observe(live_tag("op"), 4, pixels, compute_s=0.004, overhead_s=0.0)
    # The first frame at a new resolution also reduces the source: 10 times the cost.
    model.observe(live_tag("op"), 4, pixels, compute_s=0.040, overhead_s=0.0)
    assert model.live_reduction("op", pixels) == 1
    # A lasting slowdown (a busy machine) does.
    model.observe(live_tag("op"), 4, pixels, compute_s=0.040, overhead_s=0.0)
    assert model.live_reduction("op", pixels) == 2


def test_a_region_is_wanted_only_when_zoomed_past_the_proxys_detail():
    assert not PreviewModel.wants_region(1, 8.0)  # no proxy: the frame is exact already
    assert not PreviewModel.wants_region(4, 0.25)  # one proxy pixel per screen pixel
    assert PreviewModel.wants_region(4, 0.3)


def test_prefetch_reduces_the_source_to_the_live_resolutions_and_is_never_shown():
    model = PreviewModel(reductions=(1, 2, 3, 4))
    request = model.prefetch_request(4)
    assert request.tag.kind is Kind.PREFETCH and request.steps == () and request.factors == (8, 12, 16)
    assert model.accept(9, request.tag, 8) is Verdict.DROP
    assert model.shown_generation == 0
