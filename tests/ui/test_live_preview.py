"""Issues 5, 10 and 17: proxy previews, newest render wins, stale work never holds
the screen, cancel and progress, before/after, histogram."""
import threading

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from editor.catalog import CATALOG
from editor.document import Document
from editor.operations import Operation
from editor.params import FloatParam
from editor.preview import LIVE_REDUCTIONS, Kind
from processing.tone import brightness_contrast
from tests.conftest import make_image
from tests.ui.conftest import canvas_pixels, dispose, wait_for_full_render

gate = threading.Event()
slow_entered = threading.Event()  # a render with a delay is waiting at the gate
slow_left = threading.Event()  # and has passed it


def slow_offset(image, amount=0.0, delay=0.0):
    """Adds ``amount``; waits ``delay`` seconds first (or until the test opens the gate)."""
    if delay:
        slow_entered.set()
    gate.wait(delay)
    if delay:
        slow_left.set()
    return np.clip(image + np.float32(amount), 0, 1).astype(np.float32)


blocker_entered = threading.Event()
blocker_release = threading.Event()


def blocker(image, amount=0.0):
    """Adds ``amount`` once the test releases it (a render that never reports progress)."""
    blocker_entered.set()
    blocker_release.wait(60)
    return np.clip(image + np.float32(amount), 0, 1).astype(np.float32)


BLOCKER = Operation(
    "test.blocker", "Blocker", "Test", blocker,
    (FloatParam("amount", "Amount", 0.0, minimum=-1, maximum=1),),
    live=False,
)

SLOW = Operation(
    "test.slow_offset", "Slow offset", "Test", slow_offset,
    (FloatParam("amount", "Amount", 0.0, minimum=-1, maximum=1),
     FloatParam("delay", "Delay", 0.0, minimum=0, maximum=30)),
    live=False,
)


@pytest.fixture
def big_window(qtbot):
    """A window on an image several times larger than its canvas, so previews use a proxy."""
    from ui.app import make_application
    from ui.main_window import MainWindow

    make_application()
    win = MainWindow(catalog=CATALOG.extended([SLOW, BLOCKER]))
    win.resize(900, 600)
    win.show()
    qtbot.waitExposed(win)
    win.set_document(Document(make_image((1200, 1600, 3), seed=4), catalog=win.catalog))
    wait_for_full_render(qtbot, win)
    gate.clear()
    slow_entered.clear()
    slow_left.clear()
    blocker_entered.clear()
    blocker_release.clear()
    yield win
    gate.set()
    blocker_release.set()
    dispose(win)


def test_drag_previews_on_a_proxy_then_full_resolution(big_window, qtbot):
    win = big_window
    factor = win.proxy_factor()
    assert factor >= 2
    win.sidebar.choose("tone.brightness_contrast")
    win.apply_action.trigger()
    slider = win.param_panel.widgets["brightness"].slider
    shown = []
    win.worker.rendered.connect(lambda r: shown.append(r.factor))
    slider.setSliderDown(True)
    for value in range(520, 700, 30):
        slider.setValue(value)
        qtbot.waitUntil(lambda: win.live.shown[0] == win.worker.latest_generation, timeout=5000)
        # Display resolution, or coarser when frames are slow (a busy machine).
        assert win.live.result.factor in [factor * k for k in LIVE_REDUCTIONS]
        assert win.canvas.is_preview_badge_shown()
    assert win.undo_stack.count() == 2  # Apply, then this gesture: merged as it goes
    slider.setSliderDown(False)
    wait_for_full_render(qtbot, win)
    # The window's slot and this test's are two queued deliveries of one
    # signal: the window may have the full frame before the test hears of it.
    qtbot.waitUntil(lambda: 1 in shown)
    assert not win.canvas.is_preview_badge_shown()
    assert 1 in shown and set(shown) <= {1} | {factor * k for k in LIVE_REDUCTIONS}
    assert win.undo_stack.count() == 2
    brightness = win.document.steps[0].params["brightness"]
    expected = brightness_contrast(win.document.source, brightness)
    np.testing.assert_allclose(canvas_pixels(win), np.rint(expected * 255), atol=1)


def test_stale_render_never_overwrites_a_newer_one(big_window, qtbot):
    win = big_window
    win.sidebar.choose("test.slow_offset")
    panel = win.param_panel
    # A slow render (held at the gate) is requested first, a fast one after it.
    panel.widgets["delay"].set_value(30.0)
    panel.widgets["amount"].set_value(0.3)
    panel.widgets["amount"].changed.emit(0.3, True)
    slow_generation = win.worker.latest_generation
    qtbot.waitUntil(slow_entered.is_set, timeout=5000)
    panel.widgets["delay"].set_value(0.0)
    panel.widgets["amount"].set_value(-0.2)
    panel.widgets["amount"].changed.emit(-0.2, True)
    wait_for_full_render(qtbot, win)  # the newer render, while the slow one waits
    gate.set()  # the slow render finishes now, after the newer one is shown
    qtbot.waitUntil(lambda: slow_left.is_set() and win.worker.abandoned_threads == 0, timeout=5000)
    QApplication.processEvents()  # anything it sent before its thread ended
    assert win.live.shown[0] > slow_generation
    expected = np.clip(win.document.source - np.float32(0.2), 0, 1)
    np.testing.assert_allclose(canvas_pixels(win), np.rint(expected * 255), atol=1)


def test_cancel_stops_a_long_operation_and_keeps_the_document(big_window, qtbot):
    win = big_window
    before_steps = win.document.steps
    win.sidebar.choose("test.slow_offset")  # previews at once: the default delay is 0
    wait_for_full_render(qtbot, win)
    win.param_panel.widgets["delay"].set_value(30.0)
    win.param_panel.widgets["amount"].set_value(0.5)
    win.param_panel.widgets["amount"].changed.emit(0.5, True)
    qtbot.waitUntil(lambda: win.progress.isVisible(), timeout=5000)
    assert win.cancel_render_button.isVisible()
    win.cancel_render_button.click()
    assert not win.progress.isVisible()
    # Let the cancelled work end (the worker goes idle after it); its result must be dropped.
    with qtbot.waitSignal(win.worker.busy_changed, check_params_cb=lambda busy: not busy, timeout=10000):
        gate.set()
    QApplication.processEvents()
    assert not win.progress.isVisible()
    assert win.document.steps == before_steps
    # The cancelled render (amount 0.5) never reached the canvas.
    np.testing.assert_allclose(canvas_pixels(win), np.rint(win.document.source * 255), atol=1)


def test_split_view_shows_before_left_and_after_right(window, qtbot):
    window.sidebar.choose("tone.brightness_contrast")
    window.param_panel.widgets["brightness"].set_value(0.4)
    window.param_panel.widgets["brightness"].changed.emit(0.4, True)
    window.apply_action.trigger()
    window.compare.set_mode("split")
    window.canvas.set_split(0.5)
    window.actual_size_action.trigger()
    qtbot.waitUntil(lambda: window.canvas.effective_mode() == "split", timeout=5000)
    wait_for_full_render(qtbot, window)  # the applied step's result, not the frame before it
    window.canvas.centerOn(40, 30)
    qtbot.waitUntil(lambda: window.canvas.viewport().rect().contains(window.canvas.mapFromScene(40, 30)), timeout=5000)
    shot = window.canvas.viewport().grab().toImage()
    line = window.canvas.mapFromScene(40, 30)

    def screen_mean(x0, y0):
        return np.mean([shot.pixelColor(x, y).redF() for x in range(x0, x0 + 6) for y in range(y0, y0 + 6)])

    source, after = window.document.source, window.document.render()
    # 6x6 blocks 4 to 10 pixels left and right of the line (zoom 100%).
    np.testing.assert_allclose(screen_mean(line.x() - 10, line.y()), source[30:36, 30:36, 0].mean(), atol=3 / 255)
    np.testing.assert_allclose(screen_mean(line.x() + 4, line.y()), after[30:36, 44:50, 0].mean(), atol=3 / 255)

    window.compare.set_mode("difference")
    qtbot.waitUntil(lambda: window.canvas.effective_mode() == "difference", timeout=5000)
    window.compare.set_mode("side")
    qtbot.waitUntil(lambda: window.before_canvas.isVisible(), timeout=5000)
    before = window.before_canvas.displayed_image()
    first = before.convertToFormat(before.Format.Format_RGB888)  # kept: frombuffer does not own it
    np.testing.assert_allclose(np.frombuffer(first.constBits(), np.uint8)[:3], np.rint(source[0, 0] * 255), atol=1)


def test_compare_with_an_earlier_step(window, qtbot):
    for b in (0.1, 0.2):
        window.sidebar.choose("tone.brightness_contrast")
        window.param_panel.widgets["brightness"].set_value(b)
        window.param_panel.widgets["brightness"].changed.emit(b, True)
        window.apply_action.trigger()
    window.steps_panel.list.setCurrentRow(0)
    window.steps_panel.compare_button.click()
    assert window.compare.before_count == 1 and window.compare.mode == "split"
    qtbot.waitUntil(lambda: window.canvas.before_item.picture.width > 0, timeout=5000)
    before = window.canvas.before_item.picture
    image = before.full or before.proxy
    expected = window.document.render(upto=1)
    assert abs(image.pixelColor(3, 4).redF() - expected[4, 3, 0]) <= 1 / 255


def test_holding_backslash_shows_before(window, qtbot):
    window.sidebar.choose("tone.brightness_contrast")
    window.param_panel.widgets["brightness"].set_value(0.3)
    window.param_panel.widgets["brightness"].changed.emit(0.3, True)
    window.apply_action.trigger()
    window.activateWindow()
    window.canvas.setFocus()
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\")
    release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Backslash, Qt.KeyboardModifier.NoModifier, "\\")
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    QApplication.sendEvent(window.canvas, press)
    qtbot.waitUntil(lambda: window.canvas.effective_mode() == "before", timeout=5000)
    QApplication.sendEvent(window.canvas, release)
    assert window.canvas.effective_mode() == "after"
    # Typing a backslash in a text field is just typing.
    window.sidebar.search.setFocus()
    QApplication.sendEvent(window.sidebar.search, press)
    assert window.canvas.effective_mode() == "after"


def test_histogram_follows_the_preview(window, qtbot):
    first = window.histogram_panel.histogram
    assert first is not None and first.total == 60 * 80
    window.sidebar.choose("tone.brightness_contrast")
    window.param_panel.widgets["brightness"].set_value(0.5)
    window.param_panel.widgets["brightness"].changed.emit(0.5, False)

    def centre(hist):
        return (hist.luminance * np.arange(hist.bins)).sum() / hist.total

    # Brighter: the luminance mass moves right. (The preview of the default
    # values, requested when the operation was chosen, may come first.)
    start = centre(first)
    qtbot.waitUntil(lambda: centre(window.histogram_panel.histogram) > start + 50, timeout=5000)


def test_pixel_probe_reports_values(window, qtbot):
    window.actual_size_action.trigger()
    window._probe(5, 7)
    text = window.probe_label.text()
    r = window.document.source[7, 5, 0]
    assert text.startswith("x 5, y 7") and f"R {round(r * 255):3d}" in text


def test_zoomed_in_drag_renders_the_visible_region_exactly(big_window, qtbot):
    win = big_window
    win.sidebar.choose("tone.brightness_contrast")
    win.apply_action.trigger()
    wait_for_full_render(qtbot, win)
    win.actual_size_action.trigger()
    win.canvas.centerOn(800, 600)
    assert win.canvas.zoom() * win.proxy_factor() > 1
    regions = []
    win.worker.rendered.connect(lambda r: regions.append(r.tag.kind))
    slider = win.param_panel.widgets["brightness"].slider
    slider.setSliderDown(True)
    slider.setValue(slider.value() + 120)
    qtbot.waitUntil(lambda: win.canvas.after_item.region is not None, timeout=5000)
    assert regions and regions[0] is Kind.REGION
    image, x, y = win.canvas.after_item.region
    brightness = win.param_panel.values()["brightness"]
    expected = brightness_contrast(win.document.source, brightness)
    rgb = image.convertToFormat(image.Format.Format_RGB888)  # kept: frombuffer does not own it
    shown = np.frombuffer(rgb.constBits(), np.uint8)
    row = shown[: image.width() * 3].reshape(image.width(), 3)
    np.testing.assert_allclose(row, np.rint(expected[y, x : x + image.width()] * 255), atol=1)
    slider.setSliderDown(False)
    wait_for_full_render(qtbot, win)
    assert win.canvas.after_item.region is None


def test_slow_live_frames_drop_to_a_coarser_resolution(big_window, qtbot, monkeypatch):
    win = big_window
    monkeypatch.setattr(win.live.model, "budget_s", 1e-9)  # every frame is over the budget
    win.sidebar.choose("filter.gaussian_blur")
    factor = win.proxy_factor()
    slider = win.param_panel.widgets["sigma"].slider
    slider.setSliderDown(True)
    factors = []
    win.worker.rendered.connect(lambda r: factors.append(r.factor))
    for step in range(1, 6):
        slider.setValue(slider.value() + 10)
        qtbot.waitUntil(lambda: win.live.shown[0] == win.worker.latest_generation, timeout=5000)
    slider.setSliderDown(False)
    # Learned from the first frame (the preview when the operation was
    # chosen, or the first of the drag): the drag runs at the coarsest
    # resolution the policy allows, a quarter of the display's.
    assert factors and all(f == 4 * factor for f in factors[1:])
    wait_for_full_render(qtbot, win)


def test_a_new_document_shows_at_once_while_a_stale_render_is_blocked(big_window, qtbot):
    """Issue 10, bug 3: pick a slow operation, Escape, open another image."""
    win = big_window
    win.sidebar.choose("test.blocker")
    qtbot.waitUntil(blocker_entered.is_set, timeout=5000)
    win.cancel_action.trigger()  # Escape drops the preview
    new = Document(make_image((1200, 1600, 3), seed=21), catalog=win.catalog)
    win.set_document(new)
    wait_for_full_render(qtbot, win)
    assert not blocker_release.is_set()  # the stale render is still held
    np.testing.assert_allclose(canvas_pixels(win), np.rint(new.source * 255), atol=1)
    # The histogram is the new image's (its every pixel, at full resolution).
    hist = win.histogram_panel.histogram
    expected, _ = np.histogram(new.source[..., 0], bins=hist.bins, range=(0, 1))
    np.testing.assert_allclose(hist.counts[0], expected, rtol=0.02, atol=8)


def test_another_operation_previews_at_once_while_a_stale_render_is_blocked(big_window, qtbot):
    win = big_window
    win.sidebar.choose("test.blocker")
    qtbot.waitUntil(blocker_entered.is_set, timeout=5000)
    win.sidebar.choose("tone.brightness_contrast")
    win.param_panel.widgets["brightness"].set_value(0.25)
    win.param_panel.widgets["brightness"].changed.emit(0.25, True)
    wait_for_full_render(qtbot, win)
    assert not blocker_release.is_set()
    expected = brightness_contrast(win.document.source, 0.25)
    np.testing.assert_allclose(canvas_pixels(win), np.rint(expected * 255), atol=1)


def test_stale_renders_left_running_are_bounded(big_window, qtbot):
    from ui.render_worker import MAX_ABANDONED

    win = big_window
    for amount in (0.1, 0.2, 0.3, 0.4, 0.5):
        win.sidebar.choose("test.blocker")
        win.param_panel.widgets["amount"].set_value(amount)
        win.param_panel.widgets["amount"].changed.emit(amount, True)
        qtbot.waitUntil(lambda: win.worker.busy, timeout=5000)
        qtbot.waitUntil(blocker_entered.is_set, timeout=5000)
        blocker_entered.clear()
        win.cancel_action.trigger()
        if win.worker.abandoned_threads == MAX_ABANDONED:
            break
    assert win.worker.abandoned_threads == MAX_ABANDONED
    # Past the bound, new work waits for the running render again.
    win.sidebar.choose("tone.brightness_contrast")
    assert win.worker.abandoned_threads == MAX_ABANDONED  # decided as the request is made
    blocker_release.set()
    wait_for_full_render(qtbot, win)
    qtbot.waitUntil(lambda: win.worker.abandoned_threads == 0, timeout=10000)


def test_progress_shows_a_percentage_and_the_time_left_and_cancel_stops(big_window, qtbot):
    win = big_window
    stopped = threading.Event()

    def compute(factor, cancel, progress):
        try:
            for i in range(1, 1000):
                progress(i / 1000)
                gate.wait(0.02)
        finally:
            stopped.set()
        return win.document.source

    win.worker.submit(compute, (1,), win.document.source.shape)
    qtbot.waitUntil(lambda: win.progress.isVisible() and "left" in win.progress.text(), timeout=10000)
    text = win.progress.text()
    assert text.startswith("Rendering ") and "%" in text
    assert win.progress.maximum() == 100 and 0 < win.progress.value() < 100
    win.cancel_render_button.click()
    qtbot.waitUntil(stopped.is_set, timeout=5000)  # the callback stopped the work
    qtbot.waitUntil(lambda: not win.progress.isVisible(), timeout=5000)


def test_histogram_counts_the_full_images_pixels_and_says_when_estimated(big_window, qtbot):
    from ui.histogram_panel import analyse

    win = big_window
    image = win.document.source
    hist = win.histogram_panel.histogram
    # The full-resolution render's histogram: every one of the image's pixels.
    assert hist.total == image.shape[0] * image.shape[1]
    assert win.histogram_panel.info.text() == f"{image.shape[0] * image.shape[1]:,} px"
    # A 1:4 proxy's counts stand for the full image, and the label says so.
    proxy = win.document.render(factor=4)
    estimate = analyse(proxy, 4)
    assert estimate.total == 16 * proxy.shape[0] * proxy.shape[1]
    win.histogram_panel.set_histogram(estimate)
    assert win.histogram_panel.info.text() == f"{estimate.total:,} px (estimated from 1 in 16)"


def test_histogram_of_a_two_level_image_shows_both_spikes(qtbot):
    from processing.histogram import histogram
    from ui.histogram_panel import HistogramPanel

    panel = HistogramPanel()
    qtbot.addWidget(panel)
    panel.resize(300, 160)
    panel.show()
    image = np.zeros((40, 50), np.float32)
    image[:, 30:] = 1.0  # a thresholded image: black and white only
    panel.set_histogram(histogram(image))
    shot = panel.plot.grab().toImage()
    background = shot.pixelColor(shot.width() // 2, shot.height() // 2)
    w, h = shot.width(), shot.height()

    def lit_columns(x0, x1):
        return [x for x in range(x0, x1)
                if any(shot.pixelColor(x, y) != background for y in range(h // 4, h - 6))]

    # Each spike is drawn a few pixels wide, well above the bottom, inside the frame.
    assert len(lit_columns(2, 12)) >= 2
    assert len(lit_columns(w - 12, w - 2)) >= 2
    assert not lit_columns(w // 4, 3 * w // 4)  # and nothing in between


def test_a_big_jpeg_shows_a_draft_decoded_off_the_gui_thread_while_it_loads(window, qtbot, tmp_path, monkeypatch):
    import ui.live_view as live_view
    from PIL import Image
    from PySide6.QtCore import QTimer

    path = tmp_path / "big.jpg"
    Image.fromarray((make_image((1600, 2400, 3), seed=5) * 255).astype(np.uint8)).save(path, quality=90)
    threads, release, seen = [], threading.Event(), []
    real_draft, real_load = live_view.load_draft, live_view.load_image

    def draft(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_draft(*args, **kwargs)

    def load(*args, **kwargs):
        release.wait(30)  # the full decode waits until the test has seen the draft
        return real_load(*args, **kwargs)

    monkeypatch.setattr(live_view, "load_draft", draft)
    monkeypatch.setattr(live_view, "load_image", load)

    def look():  # runs inside open_file's wait, as the window keeps painting
        picture = window.canvas.after_item.picture
        if (picture.width, picture.height) == (2400, 1600) and picture.factor > 1:
            seen.append(picture.factor)
            release.set()
        else:
            QTimer.singleShot(10, look)

    QTimer.singleShot(0, look)
    try:
        assert window.open_file(path)
    finally:
        release.set()
    assert seen and threads and threads[0] is not threading.main_thread()
    wait_for_full_render(qtbot, window)
    assert window.document.source.shape == (1600, 2400, 3)


def test_a_prefetch_never_supersedes_the_comparison(big_window, qtbot, monkeypatch):
    # Both go to the "before" worker, where the newest request wins: the
    # comparison's render must be asked for after the prefetch, whatever the
    # threads' timing (a busy machine once lost the split view's "before").
    win = big_window
    win.compare.set_mode("split")
    kinds = []
    original = win.before_worker.submit

    def spy(compute, factors, shape, tag=None, *args, **kwargs):
        kinds.append(tag.kind)
        return original(compute, factors, shape, tag, *args, **kwargs)

    monkeypatch.setattr(win.before_worker, "submit", spy)
    win.sidebar.choose("tone.brightness_contrast")
    win.apply_action.trigger()
    wait_for_full_render(qtbot, win)
    qtbot.waitUntil(lambda: Kind.BEFORE in kinds)
    assert Kind.PREFETCH in kinds
    assert kinds[-1] is Kind.BEFORE
    qtbot.waitUntil(lambda: win.canvas.effective_mode() == "split")
