"""Model files: round trip, refusal of damaged or hostile files with the
field named, the shipped denoiser, and the Denoise (CNN) operation."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from editor import model_file
from editor.catalog import CATALOG
from editor.model_file import ModelFileError, load_model, model_bytes, read_model, save_model
from processing import cnn, noise
from processing._cnn_train import init_network


@pytest.fixture
def net():
    return init_network(3, 4, seed=1)


def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _archive(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _with_architecture(data: bytes, change) -> bytes:
    members = _members(data)
    arch = json.loads(np.load(io.BytesIO(members["architecture.npy"])).tobytes())
    change(arch)
    members["architecture.npy"] = _npy(np.frombuffer(json.dumps(arch).encode(), np.uint8))
    return _archive(members)


def test_round_trip_keeps_every_weight(tmp_path, net):
    path = tmp_path / "m.npz"
    save_model(path, net, metadata={"seed": 1})
    loaded = load_model(path)
    assert (loaded.channels, loaded.scale, loaded.noise_map, loaded.noise_scale) == \
        (net.channels, net.scale, net.noise_map, net.noise_scale)
    for a, b in zip(loaded.kernels + loaded.biases, net.kernels + net.biases):
        np.testing.assert_array_equal(a, b)
    assert model_file.read_metadata(path.read_bytes()) == {"seed": 1}


def _check_refused(data: bytes, *words):
    with pytest.raises(ModelFileError) as info:
        read_model(data, "bad.npz")
    message = str(info.value)
    assert message.startswith("Cannot load model bad.npz: ")
    for word in words:
        assert word in message
    return message


def test_not_an_archive_is_refused():
    _check_refused(b"hello, not a zip", "not a model file")


def test_missing_member_is_named(net):
    members = _members(model_bytes(net))
    del members["kernel_1.npy"]
    _check_refused(_archive(members), "kernel_1", "missing")


def test_wrong_dtype_shape_and_nan_are_named(net):
    data = model_bytes(net)
    members = _members(data)
    bad = dict(members, **{"kernel_0.npy": _npy(net.kernels[0].astype(np.float64))})
    _check_refused(_archive(bad), "kernel_0", "float32")
    bad = dict(members, **{"bias_2.npy": _npy(np.zeros(5, np.float32))})
    _check_refused(_archive(bad), "bias_2", "shape")
    nan = net.kernels[1].copy()
    nan[0, 0, 0, 0] = np.nan
    bad = dict(members, **{"kernel_1.npy": _npy(nan)})
    _check_refused(_archive(bad), "kernel_1", "not finite")


def test_pickled_objects_are_never_loaded(net):
    members = _members(model_bytes(net))
    members["bias_0.npy"] = _npy(np.array([{"evil": 1}], dtype=object))
    _check_refused(_archive(members), "bias_0", "not a valid array")


def test_extra_members_are_refused(net):
    members = _members(model_bytes(net))
    members["kernel_7.npy"] = members["kernel_0.npy"]
    _check_refused(_archive(members), "kernel_7")


@pytest.mark.parametrize("field,value,words", [
    ("format", "something-else", ("format", "not a model file of this editor")),
    ("version", 99, ("version", "99")),
    ("channels", 0, ("channels",)),
    ("scale", True, ("scale",)),
    ("noise_map", "yes", ("noise_map",)),
    ("noise_scale", -1, ("noise_scale",)),
    ("layers", [], ("layers",)),
    ("layers", [[13, 4], [4, "4"], [4, 12]], ("layers[1]",)),
    ("layers", [[13, 4], [4, 4], [4, 12]] * 30, ("layers",)),
    ("metadata", [1], ("metadata",)),
])
def test_bad_architecture_fields_are_named(net, field, value, words):
    _check_refused(_with_architecture(model_bytes(net), lambda a: a.__setitem__(field, value)), *words)


def test_architecture_that_disagrees_with_the_arrays_is_refused(net):
    def change(arch):
        arch["layers"][1] = [4, 5]
    _check_refused(_with_architecture(model_bytes(net), change), "kernel_1", "shape")


def test_architecture_must_be_json(net):
    members = _members(model_bytes(net))
    members["architecture.npy"] = _npy(np.frombuffer(b"{not json", np.uint8))
    _check_refused(_archive(members), "architecture", "not valid JSON")


def test_a_file_too_big_is_refused(net, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_MODEL_BYTES", 2000)
    _check_refused(model_bytes(init_network(3, 16, seed=0)), "more than")


def test_a_member_inflating_past_the_limit_is_refused_before_inflating(net, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_MODEL_BYTES", 100_000)
    members = _members(model_bytes(net))
    members["kernel_0.npy"] = _npy(np.zeros((3, 3, 13, 10_000), np.float32))  # 4.7 MB of zeros
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    data = buffer.getvalue()
    assert len(data) < 100_000
    _check_refused(data, "kernel_0", "more than a model may have")


def test_unreadable_paths_give_one_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "missing.npz")
    with pytest.raises(ModelFileError, match="folder"):
        load_model(tmp_path)


# --- the shipped model and the operation ---------------------------------------


def _test_photo(shape=(64, 80)):
    """Smooth shading with a few sharp-edged shapes: a stand-in photograph."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    r = 0.3 + 0.4 * xx / shape[1]
    g = 0.2 + 0.5 * yy / shape[0]
    b = np.full(shape, 0.6, np.float32)
    img = np.stack([r, g, b], axis=-1)
    img[10:30, 15:40] = (0.9, 0.8, 0.2)
    img[(yy - 45) ** 2 + (xx - 55) ** 2 < 150] = (0.1, 0.2, 0.7)
    return img.astype(np.float32)


def test_shipped_model_loads_and_lowers_the_error_of_a_noisy_image():
    net = load_model(model_file.DEFAULT_DENOISER)
    assert model_file.DEFAULT_DENOISER.stat().st_size < 2_000_000
    clean = _test_photo()
    sigma = 25 / 255
    noisy = noise.add_noise(clean, "gaussian", sigma, seed=3)
    out = cnn.denoise(noisy, net, sigma)
    before = np.mean((noisy - clean) ** 2)
    after = np.mean((out - clean) ** 2)
    assert after < 0.5 * before


@pytest.mark.parametrize("layout", ["gray", "rgb", "rgba"])
@pytest.mark.parametrize("bits", [8, 16])
def test_denoise_operation_on_every_layout_and_depth(layout, bits):
    op = CATALOG.get("restore.denoise_cnn")
    assert op.title == "Denoise (CNN)" and op.category == "Restoration"
    clean = _test_photo((40, 48))
    if layout == "gray":
        clean = clean.mean(axis=2)
    elif layout == "rgba":
        alpha = np.linspace(0, 1, 40 * 48, dtype=np.float32).reshape(40, 48, 1)
        clean = np.concatenate([clean, alpha], axis=2)
    noisy = noise.add_noise(clean, "gaussian", 20 / 255, seed=4)
    top = 2 ** bits - 1
    # As the editor's reader gives it: integers scaled to [0, 1].
    noisy = (np.round(noisy * top) / top).astype(np.float32)
    noisy.setflags(write=False)
    for values in ({"auto": True}, {"auto": False, "strength": 20.0}):
        out = op.apply(noisy, op.validate(values))
        assert out.shape == noisy.shape and out.dtype == np.float32
        if layout == "rgba":
            np.testing.assert_array_equal(out[..., 3], noisy[..., 3])
        keep = (lambda a: a[..., :3]) if layout == "rgba" else (lambda a: a)
        assert np.mean((keep(out) - keep(clean)) ** 2) < np.mean((keep(noisy) - keep(clean)) ** 2)


def test_strength_zero_changes_little_and_more_strength_smooths_more():
    op = CATALOG.get("restore.denoise_cnn")
    noisy = noise.add_noise(_test_photo((32, 32)), "gaussian", 15 / 255, seed=5)
    weak = op.apply(noisy, op.validate({"auto": False, "strength": 0.0}))
    strong = op.apply(noisy, op.validate({"auto": False, "strength": 50.0}))
    assert np.abs(weak - noisy).mean() < np.abs(strong - noisy).mean()
