"""The Network view draws the first layer's kernels and the feature maps of an image."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from processing import cnn  # noqa: E402
from processing._cnn_train import init_network  # noqa: E402


def test_kernel_and_feature_pictures_have_one_tile_per_channel():
    from ui.network_view import COLUMNS, GAP, KERNEL_ZOOM, feature_picture, kernel_picture

    net = init_network(3, 8, seed=0)
    kernels = kernel_picture(net)
    side = 6 * KERNEL_ZOOM
    assert kernels.shape == (2 * (side + GAP) - GAP, COLUMNS * (side + GAP) - GAP, 3)
    assert 0 <= kernels.min() and kernels.max() <= 1
    image = np.random.default_rng(1).random((40, 30, 3)).astype(np.float32)
    maps = feature_picture(net, image)
    assert maps.shape == (2 * (20 + GAP) - GAP, COLUMNS * (15 + GAP) - GAP)
    assert 0 <= maps.min() and maps.max() <= 1


def test_view_shows_pictures_once_visible(qtbot):
    from ui.app import make_application
    from ui.network_view import NetworkView

    make_application()
    view = NetworkView()
    qtbot.addWidget(view)
    view.set_image(np.random.default_rng(2).random((50, 70, 3)).astype(np.float32))
    assert view.features.pixmap().isNull()  # hidden: nothing computed yet
    view.show()
    qtbot.waitUntil(lambda: not view.features.pixmap().isNull())
    assert not view.kernels.pixmap().isNull()
    view.set_image(None)
    qtbot.waitUntil(lambda: view.features.pixmap().isNull())
