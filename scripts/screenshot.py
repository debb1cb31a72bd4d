"""Make docs/screenshot.png: the real editor window, offscreen, in split
before/after mode on the bundled sample photo. Run by `make screenshot`, so
the README's picture never goes stale."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# A settings file of its own: the picture must not depend on (or change) the
# layout, theme or recent files of whoever runs it.
os.environ["IMAGE_EDITOR_SETTINGS"] = os.path.join(tempfile.mkdtemp(), "settings.ini")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshot.png"

# (operation id, parameters): a plausible tuning session on the sample.
EDITS = [
    ("histogram.clahe", {"clip_limit": 2.5}),
    ("color.hue_saturation", {"saturation": 0.25}),
    ("filter.unsharp_mask", {"radius": 2.0, "amount": 1.2}),
]


def main() -> int:

    from ui.app import make_application
    from ui.main_window import MainWindow
    from ui.resources import SAMPLE_IMAGE

    app = make_application()
    window = MainWindow()
    window.show()
    window.resize(1400, 860)

    def settle(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    if not window.open_file(SAMPLE_IMAGE):
        return 1
    settle(0.3)
    for op_id, params in EDITS:
        if op_id not in window.catalog:
            print(f"screenshot: {op_id} is not in the catalog, skipped", file=sys.stderr)
            continue
        window.sidebar.choose(op_id)
        for name, value in params.items():
            window.param_panel.widgets[name].set_value(value)
        window.param_panel.values_changed.emit(window.param_panel.values(), True)
        window.apply_action.trigger()
    window.steps_panel.select(len(window.document.steps) - 1)
    window.select_step(len(window.document.steps) - 1)
    window.compare.set_mode("split")
    window.canvas.set_split(0.45)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not window.live.is_final_shown():
        settle(0.05)
    settle(0.5)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(OUT))
    print(f"wrote {OUT.relative_to(ROOT)}")
    window.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
