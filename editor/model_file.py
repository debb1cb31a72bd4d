"""Model files: a trained network's weights and architecture, read and written.

A model file is one NumPy ``.npz`` archive (uncompressed ZIP) holding:

- ``architecture``: UTF-8 JSON as a ``uint8`` array, for example
  ``{"format": "image-editor-cnn", "version": 1, "kind": "denoiser",
  "channels": 3, "scale": 2, "noise_map": true, "noise_scale": 4.0,
  "layers": [[13, 24], [24, 24], ..., [24, 12]], "metadata": {...}}``;
  ``layers`` lists the input and output channels of every 3 x 3
  convolution, ``metadata`` is free text about the training (shown, never
  interpreted);
- ``kernel_0`` ... ``kernel_{n-1}``: float32 ``(3, 3, in, out)``;
- ``bias_0`` ... ``bias_{n-1}``: float32 ``(out,)``.

A model file is untrusted input like any other (:mod:`editor.untrusted`):
only a regular file of bounded size is read, the archive's members are
listed and their declared sizes bounded before anything is inflated, no
pickled object is ever loaded, and every field is checked for type, shape
and finiteness. Any failure is one :class:`ModelFileError` naming the file
and the field.
"""
from __future__ import annotations

import functools
import io
import json
import math
import zipfile
from pathlib import Path

import numpy as np

from processing.cnn import Network

from .atomic import atomic_write_bytes
from .errors import EditorError, read_error_reason
from .untrusted import UntrustedInputError, load_json, read_regular_bytes, short_repr

__all__ = [
    "ModelFileError",
    "FORMAT",
    "VERSION",
    "MAX_MODEL_BYTES",
    "MODELS_DIR",
    "DEFAULT_DENOISER",
    "load_model",
    "read_model",
    "save_model",
    "model_bytes",
    "shipped_denoiser",
]

FORMAT = "image-editor-cnn"
VERSION = 1
# The shipped model is under 2 MB; 64 MB leaves room for larger ones while
# refusing anything that could exhaust memory when loaded.
MAX_MODEL_BYTES = 64 * 1024 * 1024
MAX_LAYERS = 64
MAX_CHANNELS = 512
MAX_ARCHITECTURE_BYTES = 1024 * 1024

MODELS_DIR = Path(__file__).resolve().parent.parent / "resources" / "models"
DEFAULT_DENOISER = MODELS_DIR / "denoiser.npz"


class ModelFileError(EditorError):
    """A model file could not be read or written; the message names the file and the field."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"Cannot load model {self.path}: {reason}")


def _architecture(network: Network, metadata: dict | None) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "kind": "denoiser",
        "channels": network.channels,
        "scale": network.scale,
        "noise_map": network.noise_map,
        "noise_scale": float(network.noise_scale),
        "layers": [[int(k.shape[2]), int(k.shape[3])] for k in network.kernels],
        "metadata": dict(metadata or {}),
    }


def model_bytes(network: Network, *, metadata: dict | None = None) -> bytes:
    """The bytes of a model file for ``network`` (see the module's docstring).

    Examples
    --------
    >>> from processing._cnn_train import init_network
    >>> net = init_network(2, 4)
    >>> read_model(model_bytes(net), "x.npz").parameters == net.parameters
    True
    """
    text = json.dumps(_architecture(network, metadata), indent=1, sort_keys=True, allow_nan=False)
    arrays = {"architecture": np.frombuffer(text.encode("utf-8"), np.uint8)}
    for i, (k, b) in enumerate(zip(network.kernels, network.biases)):
        arrays[f"kernel_{i}"] = k
        arrays[f"bias_{i}"] = b
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def save_model(path, network: Network, *, metadata: dict | None = None) -> None:
    """Write ``network`` to ``path`` atomically (the old file stays on failure).

    ``metadata`` is a JSON-serialisable dict stored with the architecture
    (training data, command, seed, figures).
    """
    atomic_write_bytes(path, model_bytes(network, metadata=metadata))


def _field(path, field: str, reason: str) -> ModelFileError:
    return ModelFileError(path, f"{field}: {reason}")


def _int_field(path, arch: dict, name: str, low: int, high: int) -> int:
    value = arch.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _field(path, name, f"must be a whole number from {low} to {high}, got {short_repr(value)}")
    return value


def _check_architecture(path, arch) -> dict:
    if not isinstance(arch, dict):
        raise _field(path, "architecture", f"must be a JSON object, got {type(arch).__name__}")
    if arch.get("format") != FORMAT:
        raise _field(path, "format", f"must be {FORMAT!r}, got {short_repr(arch.get('format'))}: "
                     "this is not a model file of this editor")
    version = arch.get("version")
    if version != VERSION or isinstance(version, bool):
        raise _field(path, "version", f"this editor reads version {VERSION}, the file has {short_repr(version)}")
    if arch.get("kind") != "denoiser":
        raise _field(path, "kind", f"must be 'denoiser', got {short_repr(arch.get('kind'))}")
    _int_field(path, arch, "channels", 1, 4)
    _int_field(path, arch, "scale", 1, 4)
    if not isinstance(arch.get("noise_map"), bool):
        raise _field(path, "noise_map", f"must be true or false, got {short_repr(arch.get('noise_map'))}")
    scale = arch.get("noise_scale")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale) \
            or not 0 < scale <= 1e6:
        raise _field(path, "noise_scale", f"must be a positive number, got {short_repr(scale)}")
    layers = arch.get("layers")
    if not isinstance(layers, list) or not 1 <= len(layers) <= MAX_LAYERS:
        raise _field(path, "layers", f"must be a list of 1 to {MAX_LAYERS} layers, got {short_repr(layers)}")
    for i, layer in enumerate(layers):
        if (not isinstance(layer, list) or len(layer) != 2
                or any(isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= MAX_CHANNELS for c in layer)):
            raise _field(path, f"layers[{i}]", "must be [input channels, output channels], "
                         f"each from 1 to {MAX_CHANNELS}, got {short_repr(layer)}")
    metadata = arch.get("metadata", {})
    if not isinstance(metadata, dict):
        raise _field(path, "metadata", f"must be a JSON object, got {type(metadata).__name__}")
    return arch


def _member_array(path, archive: zipfile.ZipFile, name: str, budget: list) -> np.ndarray:
    member = name + ".npy"
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise _field(path, name, "missing from the file") from None
    if info.file_size > budget[0]:
        raise _field(path, name, f"declares {info.file_size} bytes, more than a model may have")
    budget[0] -= info.file_size
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise ValueError("its size does not match the archive's directory")
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, RuntimeError) as exc:
        # RuntimeError: zlib errors and bad CRCs surface as BadZipFile or RuntimeError.
        raise _field(path, name, f"not a valid array ({exc})") from None
    if not isinstance(array, np.ndarray):
        raise _field(path, name, "not an array")
    return array


def read_model(data: bytes, path="model") -> Network:
    """Build a :class:`processing.cnn.Network` from a model file's bytes, checking every field.

    Raises
    ------
    ModelFileError
        Naming ``path`` and the field at fault.
    """
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(path, f"the file is more than {MAX_MODEL_BYTES // 2**20} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ModelFileError(path, f"not a model file (a NumPy .npz archive): {exc}") from None
    budget = [MAX_MODEL_BYTES * 4]  # total bytes the members may inflate to
    with archive:
        raw = _member_array(path, archive, "architecture", [MAX_ARCHITECTURE_BYTES])
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise _field(path, "architecture", "must be UTF-8 JSON text stored as bytes")
        try:
            arch = load_json(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, UntrustedInputError) as exc:
            raise _field(path, "architecture", f"not valid JSON ({exc})") from None
        arch = _check_architecture(path, arch)
        layers = arch["layers"]
        expected = {"architecture.npy"} | {f"{kind}_{i}.npy" for i in range(len(layers))
                                           for kind in ("kernel", "bias")}
        extra = sorted(names - expected)
        if extra:
            raise _field(path, extra[0][:-4] if extra[0].endswith(".npy") else extra[0],
                         "not part of a model with the layers the architecture lists")
        kernels, biases = [], []
        for i, (c_in, c_out) in enumerate(layers):
            k = _member_array(path, archive, f"kernel_{i}", budget)
            b = _member_array(path, archive, f"bias_{i}", budget)
            for name, array, shape in ((f"kernel_{i}", k, (3, 3, c_in, c_out)), (f"bias_{i}", b, (c_out,))):
                if array.dtype != np.float32:
                    raise _field(path, name, f"must hold float32 values, got {array.dtype}")
                if array.shape != shape:
                    raise _field(path, name, f"must have shape {shape} as the architecture says, got {array.shape}")
                if not np.isfinite(array).all():
                    raise _field(path, name, "holds values that are not finite (NaN or infinity)")
            kernels.append(np.ascontiguousarray(k))
            biases.append(np.ascontiguousarray(b))
    try:
        return Network(tuple(kernels), tuple(biases), channels=arch["channels"], scale=arch["scale"],
                       noise_map=arch["noise_map"], noise_scale=float(arch["noise_scale"]))
    except ValueError as exc:
        raise _field(path, "layers", str(exc)) from None


def read_metadata(data: bytes, path="model") -> dict:
    """The ``metadata`` object of a model file (after the same checks as :func:`read_model`)."""
    read_model(data, path)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        raw = np.load(io.BytesIO(archive.read("architecture.npy")), allow_pickle=False)
    return load_json(raw.tobytes().decode("utf-8")).get("metadata", {})


def load_model(path) -> Network:
    """Read and check the model file at ``path``.

    Raises
    ------
    ModelFileError
        The file cannot be read, or a field is wrong; the message says which.
    """
    try:
        data = read_regular_bytes(path, MAX_MODEL_BYTES)
    except UntrustedInputError as exc:
        raise ModelFileError(path, exc.reason) from None
    except OSError as exc:
        raise ModelFileError(path, read_error_reason(exc)) from None
    return read_model(data, path)


@functools.lru_cache(maxsize=1)
def shipped_denoiser() -> Network:
    """The denoiser shipped in ``resources/models`` (read once per process)."""
    return load_model(DEFAULT_DENOISER)
