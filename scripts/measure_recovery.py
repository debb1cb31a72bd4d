"""Time from killing an editor with unsaved edits to those edits restored and rendered on screen.

Runs offscreen: an editor opens a generated photo, applies a few steps,
waits for its autosave and is killed with SIGKILL; a new editor starts,
restores the autosave (answering yes for the user) and renders it at full
resolution. Prints the time from the kill to the restored render. Usage::

    QT_QPA_PLATFORM=offscreen python scripts/measure_recovery.py [WIDTH HEIGHT]
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EDIT_THEN_WAIT = """
import sys
from ui.app import make_application
from ui.main_window import MainWindow
from ui.autosave import Autosaver
from ui.history_commands import AddStepCommand

app = make_application()
win = MainWindow()
win.show()
assert win.open_file(sys.argv[1])
saver = Autosaver(win)
saver.saved.connect(lambda path: print("autosaved", flush=True))
for op_id, params in [("tone.brightness_contrast", {"brightness": 0.1, "contrast": 0.3}),
                      ("filter.gaussian_blur", {"sigma": 2.0}),
                      ("color.hue_saturation", {"saturation": 0.3})]:
    win.undo_stack.push(AddStepCommand(win.document, win.document.make_step(op_id, params)))
app.exec()
"""

RESTORE = """
import time
from ui.app import make_application
from ui.main_window import MainWindow
from ui.autosave import Autosaver
from PySide6.QtCore import QTimer

app = make_application()
win = MainWindow()
win.show()
saver = Autosaver(win)
assert saver.offer_restore(ask=lambda path: True), "nothing to restore"
steps = len(win.document.steps)

def check():
    if win.live.is_final_shown():
        print(f"restored {steps} steps, rendered at {time.time():.6f}", flush=True)
        saver.finish()
        win.undo_stack.setClean()  # the restored edits are unsaved: closing would ask about them
        app.quit()

timer = QTimer(interval=5)
timer.timeout.connect(check)
timer.start()
app.exec()
"""


def main() -> int:
    width, height = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) == 3 else (4000, 3000)
    import numpy as np

    from editor.image_file import save_image

    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "photo.tif"
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        save_image(image, np.stack([x / width, y / height, (x + y) / (width + height)], axis=-1))
        env = {**os.environ, "IMAGE_EDITOR_DATA": str(Path(tmp) / "data"), "QT_QPA_PLATFORM": "offscreen"}
        editor = subprocess.Popen([sys.executable, "-c", EDIT_THEN_WAIT, str(image)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, text=True)
        line = editor.stdout.readline()
        if not line.startswith("autosaved"):
            print("the editor did not autosave:", line)
            return 1
        killed = time.time()
        editor.send_signal(signal.SIGKILL)
        editor.wait()
        restored = subprocess.run([sys.executable, "-c", RESTORE], cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=600)
        if "rendered at" not in restored.stdout:
            print(restored.stdout.strip(), restored.stderr.strip()[-2000:])
            return 1
        shown = float(restored.stdout.split("rendered at")[1].split()[0])
        print(restored.stdout.strip().split(" at ")[0])
        print(f"{width} x {height} image: {shown - killed:.2f} s from the kill to the restored edits on screen")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
