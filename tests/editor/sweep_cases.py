"""Corner values of every parameter kind and odd images, shared by the sweep test and the fuzzers.

The corners are written from the declared specs (minimum, maximum, default;
for lists of points, their extreme values), not from the functions, so a
range that promises more than the function can take is found.
"""
from __future__ import annotations

import numpy as np

from editor.params import Param

BIG = 1e308  # the largest finite value a JSON file (or a typed field) can hold, near enough


def odd_images() -> dict[str, np.ndarray]:
    """Small images of odd shapes and contents, each float32 in [0, 1]."""
    rng = np.random.default_rng(11)
    rgba_clear = rng.random((6, 5, 4), dtype=np.float32)
    rgba_clear[..., 3] = 0
    return {
        "1x1 gray": np.full((1, 1), 0.5, np.float32),
        "1x1 rgb": np.full((1, 1, 3), 0.25, np.float32),
        "1xN rgb": rng.random((1, 9, 3), dtype=np.float32),
        "Nx1 gray": rng.random((9, 1), dtype=np.float32),
        "gray": rng.random((7, 8), dtype=np.float32),
        "rgb": rng.random((7, 8, 3), dtype=np.float32),
        "rgba": rng.random((7, 8, 4), dtype=np.float32),
        "constant rgb": np.full((6, 7, 3), 0.4, np.float32),
        "black gray": np.zeros((6, 7), np.float32),
        "white rgb": np.ones((6, 7, 3), np.float32),
        "alpha 0": rgba_clear,
    }


def corners(spec: Param) -> list:
    """Values at the corners of what ``spec`` accepts (each one passes ``spec.validate``)."""
    kind = spec.kind
    values = [spec.default]
    if kind in ("float", "int"):
        values += [spec.minimum, spec.maximum]
    elif kind == "choice":
        values += [value for value, _ in spec.choices]
    elif kind == "bool":
        values += [True, False]
    elif kind == "color":
        values += [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]
    elif kind == "point":
        values += [(0.0, 0.0), (BIG, BIG), (1e6, 1e6)]
    elif kind == "rect":
        values += [(0.0, 0.0, 1e-300, 1e-300), (BIG, BIG, BIG, BIG)]
    elif kind == "kernel":
        for n in spec.sizes:
            values += [((BIG,) * n,) * n, ((-BIG,) * n,) * n, ((0.0,) * n,) * n,
                       tuple(tuple(BIG if (i + j) % 2 else -BIG for j in range(n)) for i in range(n))]
    elif kind == "curve":
        values += [((0.0, 1.0), (1.0, 0.0)), ((0.0, 0.0), (1e-12, 1.0), (1.0, 1.0)), ((0.0, 1.0), (0.5, 0.0), (1.0, 1.0))]
    elif kind == "quad":
        values += [
            ((0.0, 0.0),) * 4,
            ((0.0, 0.0), (BIG, 0.0), (BIG, BIG), (0.0, BIG)),
            ((-BIG, -BIG), (BIG, -BIG), (BIG, BIG), (-BIG, BIG)),
            ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)),
            ((0.0, 0.0), (1e-9, 0.0), (1e-9, 1e-9), (0.0, 1e-9)),
        ]
    elif kind == "matrix":
        values += [
            ((BIG, 0.0, 0.0), (0.0, BIG, 0.0)),
            ((1.0, 0.0, BIG), (0.0, 1.0, -BIG)),
            ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
            ((1e-300, 0.0, 0.0), (0.0, 1e-300, 0.0)),
            ((BIG, BIG, BIG), (BIG, BIG, BIG)),
        ]
    accepted = []
    for value in values:
        try:
            accepted.append(spec.validate(value))
        except Exception:  # noqa: BLE001 - the spec refuses it: not a corner of what it accepts
            continue
    unique = []
    for value in accepted:
        if value not in unique:
            unique.append(value)
    return unique


def parameter_sets(op) -> list[dict]:
    """Defaults, then each parameter at each corner with the others at default, then all at minimum and maximum."""
    base = op.defaults()
    sets = [dict(base)]
    for spec in op.params:
        for value in corners(spec):
            if value != base[spec.name]:
                sets.append({**base, spec.name: value})
    for pick in ("minimum", "maximum"):
        values = dict(base)
        for spec in op.params:
            if spec.kind in ("float", "int"):
                values[spec.name] = getattr(spec, pick)
        sets.append(values)
    return sets
