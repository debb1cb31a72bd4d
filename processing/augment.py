"""Data augmentation: seeded pipelines of random transforms, with masks, boxes
and keypoints kept aligned with the image.

A *pipeline* is plain data, a list of steps such as::

    [{"transform": "hflip", "p": 0.5},
     {"transform": "rotate", "p": 1.0, "angle_deg": [-15.0, 15.0]},
     {"transform": "brightness", "p": 0.8, "delta": [-0.2, 0.2]}]

Each step names a transform of :data:`TRANSFORMS`, the probability ``p`` that
it happens, and a ``[low, high]`` range (or a choice) for each of its
parameters; :func:`check_pipeline` fills in what a step leaves out.

:func:`sample` draws one *variant* from a pipeline and a seed: the exact
parameters of every transform that happens, as plain data::

    {"shape": [480, 640],
     "ops": [{"transform": "hflip"},
             {"transform": "rotate", "angle_deg": 7.312}]}

and :func:`apply` applies a variant to an image and, optionally, its masks,
boxes and keypoints. Drawing and applying are separate so that a variant can
be shown, recorded in a manifest, replayed, or kept as an editing step. The
same pipeline and seed give the same variant on any machine and with any
number of workers: every step draws from its own generator, seeded from the
seed and the step's index (so moving one step's range leaves the others'
draws alone), and its parameters are drawn whether or not the step happens
(so changing a probability moves nothing else).

Positions are in pixels from the top-left corner, as in
:mod:`processing.geometry`: pixel ``(i, j)`` covers ``[j, j + 1) x [i, i + 1)``.
Geometric parameters of a variant are fractions of the image size, so a
variant drawn for a preview proxy applies unchanged to the full image; blur
widths, the one parameter in pixels, are scaled by the ratio of the image's
size to the ``shape`` the variant was drawn for.

Consecutive geometric transforms are composed into one map and the image is
resampled once (bilinear), which is both faster and sharper than a
resampling per transform; flips and quarter turns alone move pixels exactly.
Masks and label images are read nearest-neighbour, so they never gain a
value except the fill of new areas outside the input (``mask_fill``).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from . import geometry
from ._augment_draw import DRAW as _DRAW
from ._augment_geometry import axis_aligned as _axis_aligned
from ._augment_geometry import box_outline as _box_outline
from ._augment_geometry import exact as _exact
from ._augment_geometry import grid_forward as _grid_forward
from ._augment_geometry import grid_positions as _grid_positions
from ._augment_geometry import map_points as _map_points
from ._augment_remap import remap_edge as _remap_edge
from ._augment_remap import warp_levels as _warp_levels
from ._augment_sample import (axis_bilinear, axis_bilinear_levels, axis_nearest, bilinear_remap, matrix_positions,
                              nearest_index, take_axes, take_nearest)
from ._augment_transforms import EXACT_OPS as _EXACT_OPS
from ._augment_transforms import MATRIX_OPS as _MATRIX_OPS
from ._augment_transforms import MAX_STEPS as _MAX_STEPS
from ._augment_transforms import TRANSFORMS, Choice, Range, Transform
from ._augment_transforms import check_number as _number
from ._augment_values import ELEMENTWISE as _ELEMENTWISE
from ._augment_values import SCALE as _SCALE
from ._augment_values import as_float as _to_float
from ._augment_values import blank as _blank
from ._augment_values import color_matrix as _color_matrix
from ._augment_values import compact as _compact
from ._augment_values import color_native as _color_native
from ._augment_values import cutout_native as _cutout_native
from ._augment_values import color_of as _color_of
from ._augment_values import elementwise as _elementwise
from ._augment_values import elementwise_inplace as _elementwise_inplace
from ._augment_values import for_bands as _for_bands
from ._augment_values import from_float as _from_float
from ._augment_values import lookup as _lookup
from ._augment_variant import check_variant
from ._image import check_int, split_alpha
from ._progress import Progress, phase, report
from ._warp import bilinear_warp

__all__ = [
    "Range",
    "Choice",
    "Transform",
    "TRANSFORMS",
    "Check",
    "Augmented",
    "check_pipeline",
    "default_step",
    "sample",
    "check_variant",
    "apply",
    "variant_seed",
    "output_shape",
    "variants",
]


# -- pipelines ------------------------------------------------------------------
def default_step(name: str) -> dict:
    """A pipeline step for transform ``name`` with its default probability and ranges.

    Examples
    --------
    >>> default_step("rotate")
    {'transform': 'rotate', 'p': 0.5, 'angle_deg': [-15.0, 15.0]}
    """
    if not isinstance(name, str) or name not in TRANSFORMS:
        raise ValueError(f"unknown transform {name!r:.40}; known: {', '.join(TRANSFORMS)}")
    t = TRANSFORMS[name]
    step: dict[str, Any] = {"transform": name, "p": t.p}
    for spec in t.params:
        step[spec.name] = spec.default if isinstance(spec, Choice) else [float(v) for v in spec.default]
    return step


def check_pipeline(pipeline) -> list[dict]:
    """Validate a pipeline and return it complete (defaults filled in), as new data.

    Parameters
    ----------
    pipeline : list of dict
        Steps ``{"transform": name, "p": probability, <param>: [low, high] or choice}``;
        a step may leave out ``p`` and any parameter (the defaults of
        :func:`default_step` are used). A one-number range ``x`` means ``[x, x]``.

    Returns
    -------
    list of dict
        The steps with every field present, ranges as ``[low, high]`` floats.

    Raises
    ------
    ValueError
        Naming the step and the field at fault.

    Examples
    --------
    >>> check_pipeline([{"transform": "gamma", "gamma": 1.5}])
    [{'transform': 'gamma', 'p': 0.5, 'gamma': [1.5, 1.5]}]
    >>> check_pipeline([{"transform": "rotate", "angle_deg": [10, -10]}])
    Traceback (most recent call last):
    ...
    ValueError: step 1 (rotate): angle_deg must be [low, high] with low <= high, got [10, -10]
    """
    if not isinstance(pipeline, (list, tuple)):
        raise ValueError(f"a pipeline must be a list of steps, got {type(pipeline).__name__}")
    if len(pipeline) > _MAX_STEPS:
        raise ValueError(f"a pipeline has at most {_MAX_STEPS} steps, got {len(pipeline)}")
    out = []
    for number, step in enumerate(pipeline, start=1):
        if not isinstance(step, dict):
            raise ValueError(f"step {number} must be an object, got {type(step).__name__}")
        name = step.get("transform")
        if not isinstance(name, str) or name not in TRANSFORMS:  # a list or an object is no name
            raise ValueError(f"step {number}: unknown transform {name!r:.40}; known: {', '.join(TRANSFORMS)}")
        t = TRANSFORMS[name]
        where = f"step {number} ({name})"
        known = {"transform", "p"} | {spec.name for spec in t.params}
        extra = sorted(set(step) - known)
        if extra:
            raise ValueError(f"{where}: unknown field {extra[0]!r}; known: {', '.join(sorted(known))}")
        checked: dict[str, Any] = {"transform": name}
        p = _number(f"{where}: p", step.get("p", t.p))
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{where}: p must be between 0 and 1, got {step['p']!r}")
        checked["p"] = p
        for spec in t.params:
            value = step.get(spec.name, spec.default)
            if isinstance(spec, Choice):
                if value not in spec.choices:
                    raise ValueError(f"{where}: {spec.name} must be one of {', '.join(spec.choices)}; got {value!r}")
                checked[spec.name] = value
                continue
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise ValueError(f"{where}: {spec.name} must be [low, high], got {value!r}")
                low, high = (_number(f"{where}: {spec.name}", v) for v in value)
            else:
                low = high = _number(f"{where}: {spec.name}", value)
            if low > high:
                raise ValueError(f"{where}: {spec.name} must be [low, high] with low <= high, got {list(value)!r}")
            if low < spec.minimum or high > spec.maximum:
                raise ValueError(
                    f"{where}: {spec.name} must lie within {spec.minimum:g} .. {spec.maximum:g}, got {[low, high]!r}")
            if spec.integer and not (low.is_integer() and high.is_integer()):
                raise ValueError(f"{where}: {spec.name} must be whole numbers, got {[low, high]!r}")
            checked[spec.name] = [low, high]
        out.append(checked)
    return out


def variant_seed(seed: int, *indices: int) -> tuple[int, ...]:
    """The seed of one variant: the run's ``seed`` and its indices (input, variant).

    Every variant gets its own independent stream of random numbers from
    this tuple (NumPy's ``SeedSequence``), so it is the same whichever worker
    draws it and in whatever order.

    Examples
    --------
    >>> variant_seed(7, 3, 0)
    (7, 3, 0)
    """
    return tuple(_seed_words((seed,) + tuple(indices)))


def _whole(v) -> bool:
    """An integer, not a bool (``type(v) is int`` first: the abstract-class
    check costs a microsecond, a noticeable part of a flip)."""
    return type(v) is int or (isinstance(v, numbers.Integral) and not isinstance(v, bool))


def _seed_words(seed) -> list[int]:
    words = [seed] if _whole(seed) else seed
    try:
        words = list(words)
    except TypeError:
        raise ValueError(f"seed must be a non-negative integer or a tuple of them, got {seed!r}") from None
    if not words or any(not _whole(v) or v < 0 for v in words):
        raise ValueError(f"seed must be a non-negative integer or a tuple of them, got {seed!r}")
    return [int(v) for v in words]


def sample(pipeline, seed, shape) -> dict:
    """Draw the exact parameters of one variant.

    Parameters
    ----------
    pipeline : list of dict
        See :func:`check_pipeline`.
    seed : int or tuple of int
        Non-negative; a tuple such as ``(seed, input_index, variant_index)``
        (see :func:`variant_seed`) gives each variant of a run its own stream.
    shape : tuple of int
        Shape of the image the variant is for (``(H, W)`` or ``(H, W, C)``).

    Returns
    -------
    dict
        ``{"shape": [H, W], "ops": [...]}``: one entry per step that happens,
        in pipeline order, with its drawn parameters (plain Python numbers;
        JSON keeps them exactly).

    Examples
    --------
    >>> v = sample([{"transform": "rotate", "p": 1.0, "angle_deg": [-10, 10]}], 42, (8, 8))
    >>> v == sample([{"transform": "rotate", "p": 1.0, "angle_deg": [-10, 10]}], 42, (8, 8))
    True
    >>> [op["transform"] for op in v["ops"]], -10 <= v["ops"][0]["angle_deg"] <= 10
    (['rotate'], True)
    """
    steps = check_pipeline(pipeline)
    words = _seed_words(seed)
    if len(shape) < 2 or any(not _whole(v) or v < 1
                             for v in shape[:2]):
        raise ValueError(f"shape must start with a positive height and width, got {tuple(shape)!r}")
    h, w = int(shape[0]), int(shape[1])
    ops = []
    for index, step in enumerate(steps):
        rng = np.random.default_rng(np.random.SeedSequence(words, spawn_key=(index,)))
        happens = float(rng.random()) < step["p"]
        op = _DRAW[step["transform"]](rng, step, h, w)
        if happens:
            ops.append(op)
    return {"shape": [h, w], "ops": ops}


# -- the result -------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """What went wrong for the targets of one variant (all empty: nothing).

    ``new_label_values``: for each mask, the values it holds after that it
    did not hold before (only ever ``mask_fill``, where new area appears);
    ``boxes_dropped`` and ``boxes_clipped``: indices of input boxes dropped
    (less than the minimum visible fraction left) or cut at the frame;
    ``keypoints_out``: indices of keypoints that left the frame.
    """

    new_label_values: tuple[tuple, ...] = ()
    boxes_dropped: tuple[int, ...] = ()
    boxes_clipped: tuple[int, ...] = ()
    keypoints_out: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was dropped, clipped, lost or gained."""
        return not (any(self.new_label_values) or self.boxes_dropped or self.boxes_clipped or self.keypoints_out)

    def summary(self) -> str:
        """One line for people, such as ``"2 boxes clipped, 1 keypoint out of frame"``.

        Examples
        --------
        >>> Check(boxes_clipped=(0, 3), keypoints_out=(1,)).summary()
        '2 boxes clipped, 1 keypoint out of frame'
        >>> Check().summary()
        'no problems'
        """
        parts = []
        gained = sum(len(v) for v in self.new_label_values)
        if gained:
            parts.append(f"{gained} new label value{'s' * (gained != 1)} in masks")
        for count, what in ((len(self.boxes_dropped), "dropped"), (len(self.boxes_clipped), "clipped")):
            if count:
                parts.append(f"{count} box{'es' * (count != 1)} {what}")
        if self.keypoints_out:
            n = len(self.keypoints_out)
            parts.append(f"{n} keypoint{'s' * (n != 1)} out of frame")
        return ", ".join(parts) if parts else "no problems"

    @staticmethod
    def combined(checks: Sequence["Check"]) -> str:
        """One line for several variants (a grid): how many had a problem, and the totals.

        Examples
        --------
        >>> Check.combined([Check(), Check(boxes_clipped=(1,)), Check(boxes_clipped=(0,), keypoints_out=(2,))])
        '2 of 3 variants: 2 boxes clipped, 1 keypoint out of frame'
        >>> Check.combined([Check(), Check()])
        'no problems in 2 variants'
        """
        checks = list(checks)
        bad = [c for c in checks if not c.ok]
        if not bad:
            return f"no problems in {len(checks)} variant{'s' * (len(checks) != 1)}"
        gained = {}
        for c in bad:
            for n, values in enumerate(c.new_label_values):
                gained.setdefault(n, set()).update(values)
        total = Check(tuple(tuple(sorted(v)) for _, v in sorted(gained.items())),
                      tuple(range(sum(len(c.boxes_dropped) for c in bad))),
                      tuple(range(sum(len(c.boxes_clipped) for c in bad))),
                      tuple(range(sum(len(c.keypoints_out) for c in bad))))
        return f"{len(bad)} of {len(checks)} variants: {total.summary()}"


@dataclass(frozen=True)
class Augmented:
    """What :func:`apply` returns.

    ``image`` has the input's dtype; ``masks`` one array per input mask, each
    of its own dtype; ``boxes`` ``(M, 4)`` float64 ``x_min, y_min, x_max,
    y_max`` of the boxes kept, ``box_indices`` ``(M,)`` their indices in the
    input (so class labels can follow); ``keypoints`` ``(N, 2)`` float64, all
    of them, with ``keypoints_inside`` ``(N,)`` bool; ``check`` the report.
    """

    image: np.ndarray
    masks: tuple[np.ndarray, ...] = ()
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    box_indices: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    keypoints: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    keypoints_inside: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    check: Check = field(default_factory=Check)


# -- geometry of the ops ----------------------------------------------------------
# The rest of the ops' geometry is in _augment_geometry; this map stays here
# because a perspective needs geometry.homography, a topic module.
def _forward(op: dict, h: int, w: int) -> tuple[np.ndarray, int, int]:
    """3x3 map from input to output positions of a matrix op, and the output size."""
    name = op["transform"]
    if name == "hflip":
        return np.array([[-1.0, 0, w], [0, 1, 0], [0, 0, 1]]), h, w
    if name == "vflip":
        return np.array([[1.0, 0, 0], [0, -1, h], [0, 0, 1]]), h, w
    if name == "rot90":
        k = op["k"] % 4
        if k == 0:
            return np.eye(3), h, w
        if k == 1:  # as numpy.rot90: counter-clockwise on screen
            return np.array([[0.0, 1, 0], [-1, 0, w], [0, 0, 1]]), w, h
        if k == 2:
            return np.array([[-1.0, 0, w], [0, -1, h], [0, 0, 1]]), h, w
        return np.array([[0.0, -1, h], [1, 0, 0], [0, 0, 1]]), w, h
    cx, cy = w / 2.0, h / 2.0
    centre = np.array([[1.0, 0, cx], [0, 1, cy], [0, 0, 1]])
    uncentre = np.array([[1.0, 0, -cx], [0, 1, -cy], [0, 0, 1]])
    if name == "rotate":
        t = math.radians(op["angle_deg"])
        c, s = math.cos(t), math.sin(t)
        # y points down: counter-clockwise on screen is (c, s; -s, c).
        return centre @ np.array([[c, s, 0], [-s, c, 0], [0, 0, 1]]) @ uncentre, h, w
    if name == "affine":
        s = op["scale"]
        shear = np.array([[1.0, math.tan(math.radians(op["shear_x_deg"])), 0],
                          [math.tan(math.radians(op["shear_y_deg"])), 1, 0], [0, 0, 1]])
        move = np.array([[1.0, 0, op["translate_x"] * w], [0, 1, op["translate_y"] * h], [0, 0, 1]])
        return move @ centre @ shear @ np.diag([s, s, 1.0]) @ uncentre, h, w
    if name == "resized_crop":
        x0, y0 = op["x"] * w, op["y"] * h
        sx, sy = 1.0 / op["width"], 1.0 / op["height"]
        return np.array([[sx, 0, -x0 * sx], [0, sy, -y0 * sy], [0, 0, 1]]), h, w
    if name == "perspective":
        j = op["corners"]
        quad = [(j[0][0] * w, j[0][1] * h), ((1 - j[1][0]) * w, j[1][1] * h),
                ((1 - j[2][0]) * w, (1 - j[2][1]) * h), (j[3][0] * w, (1 - j[3][1]) * h)]
        inverse = geometry.homography([(0, 0), (w, 0), (w, h), (0, h)], quad)
        return np.linalg.inv(inverse), h, w
    raise AssertionError(name)


# -- pixel values ------------------------------------------------------------------
# The rest of the value arithmetic is in _augment_values; this dispatch stays
# here because blur and noise come from the filters and noise topic modules.
def _photometric(op: dict, image: np.ndarray, length_scale: float) -> np.ndarray:
    """float32 ``image`` after photometric ``op`` (alpha untouched)."""
    name = op["transform"]
    color, alpha = split_alpha(image)
    color = color.copy() if alpha is not None else color
    if name in _ELEMENTWISE:
        color = _elementwise(op, color)
    elif name in ("saturation", "hue"):
        if color.ndim == 2:
            return image.copy()
        color = color @ _color_matrix(op).T.astype(np.float32)
    elif name == "blur":
        from .filters import gaussian_blur

        sigma = op["sigma_px"] * length_scale
        color = gaussian_blur(np.ascontiguousarray(color), sigma) if sigma > 0 else color.copy()
    elif name == "noise":
        from .noise import add_noise

        color = add_noise(np.ascontiguousarray(color), op["kind"], op["amount"], seed=op["seed"])
    elif name == "cutout":
        color = _compact(color)
        _blank(op, color, np.float32(op["fill"]))
    else:
        raise AssertionError(name)
    if not (name == "blur" and op["sigma_px"] * length_scale > 0):  # gaussian_blur's result is clipped
        np.clip(color, 0.0, 1.0, out=color)
    if alpha is None:
        return color
    out = image.copy()
    out[..., :3] = color
    return out


# -- apply -------------------------------------------------------------------------
def _check_targets(image, masks, boxes, keypoints):
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a NumPy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)) or 0 in image.shape[:2]:
        raise ValueError(f"image must be (H, W), (H, W, 3) or (H, W, 4), got shape {image.shape}")
    if image.dtype not in (np.uint8, np.uint16) and image.dtype.kind != "f":
        raise ValueError(f"image must be 8-bit, 16-bit or floating point, got dtype {image.dtype}")
    h, w = image.shape[:2]
    masks = tuple(masks)
    for n, m in enumerate(masks):
        if not isinstance(m, np.ndarray) or m.shape[:2] != (h, w) or m.ndim not in (2, 3):
            shape = getattr(m, "shape", None)
            raise ValueError(f"mask {n} must be an array of the image's size {h} x {w}, got shape {shape}")
    if boxes is not None:
        boxes = np.asarray(boxes, np.float64).reshape(-1, 4) if len(boxes) else np.zeros((0, 4))
        if not np.isfinite(boxes).all() or (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any():
            raise ValueError("boxes must be finite x_min, y_min, x_max, y_max with x_min <= x_max, y_min <= y_max")
    if keypoints is not None:
        keypoints = np.asarray(keypoints, np.float64).reshape(-1, 2) if len(keypoints) else np.zeros((0, 2))
        if not np.isfinite(keypoints).all():
            raise ValueError("keypoints must be finite (x, y) positions")
    return masks, boxes, keypoints


def apply(image: np.ndarray, variant: dict, *, masks: Sequence[np.ndarray] = (), boxes=None, keypoints=None,
          min_visibility: float = 0.3, mask_fill=0, progress: Progress | None = None) -> Augmented:
    """Apply one drawn variant to an image and its targets.

    Parameters
    ----------
    image : ndarray
        ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``; uint8, uint16 or float
        (values in [0, 1]). The result has the same dtype: integer images
        are computed in float32 and rounded once at the end.
    variant : dict
        From :func:`sample` (or read back from a manifest; it is checked by
        :func:`check_variant`).
    masks : sequence of ndarray
        Masks or label images of the image's height and width, any dtype:
        read nearest-neighbour; new areas get ``mask_fill``.
    boxes : array_like, optional
        ``(N, 4)`` pixel boxes ``x_min, y_min, x_max, y_max``. Each box's
        outline is mapped, the box around it clipped to the frame; boxes
        keeping less than ``min_visibility`` of their mapped area are dropped.
    keypoints : array_like, optional
        ``(N, 2)`` pixel positions ``(x, y)``; a pixel's centre is
        ``(j + 0.5, i + 0.5)``. All are mapped; those outside the frame are
        flagged.
    min_visibility : float
        Fraction of a box's area that must stay in the frame, 0 to 1.
    mask_fill : scalar
        Value of new mask areas (where the output sees outside the input).
    progress : callable, optional
        Cancel-and-progress callback, called between the variant's stages.

    Returns
    -------
    Augmented
        The image, masks, boxes (with the indices of those kept), keypoints
        (with a flag for those inside the frame) and the :class:`Check` report.

    Notes
    -----
    Runs of consecutive geometric transforms become one map (3x3 products of
    their matrices); the image is resampled once through it, bilinearly
    (colour premultiplied by alpha for RGBA; new areas black, transparent
    for RGBA). Runs of flips and quarter turns move pixels exactly instead.
    Grid distortion resamples through its own per-pixel map, border pixels
    repeated. Photometric transforms act on colour, never on alpha.

    Examples
    --------
    >>> img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    >>> out = apply(img, {"shape": [2, 3], "ops": [{"transform": "hflip"}]}, keypoints=[(0.5, 0.5)])
    >>> out.image.tolist(), out.keypoints.tolist()
    ([[2, 1, 0], [5, 4, 3]], [[2.5, 0.5]])
    """
    variant = check_variant(variant)
    masks, boxes, keypoints = _check_targets(image, masks, boxes, keypoints)
    min_visibility = float(min_visibility)
    if not 0.0 <= min_visibility <= 1.0:
        raise ValueError(f"min_visibility must be between 0 and 1, got {min_visibility!r}")
    dtype = image.dtype
    squeeze = image.ndim == 3 and image.shape[2] == 1
    work = image[..., 0] if squeeze else image
    h0, w0 = variant["shape"]
    length_scale = 0.5 * (work.shape[0] / h0 + work.shape[1] / w0)
    out_masks = list(masks)
    has_grid = any(op["transform"] == "grid_distortion" for op in variant["ops"])
    samples = 8 if has_grid else 1
    points = _box_outline(boxes, samples) if boxes is not None and len(boxes) else np.zeros((0, 2))
    kp = keypoints.copy() if keypoints is not None else np.zeros((0, 2))
    is_float = False

    # Stages: runs of matrix ops, or one other op each.
    stages: list[list[dict]] = []
    for op in variant["ops"]:
        if op["transform"] in _MATRIX_OPS and stages and stages[-1][0]["transform"] in _MATRIX_OPS:
            stages[-1].append(op)
        else:
            stages.append([op])

    report(progress, 0.0)
    pending: list[dict] = []  # elementwise ops waiting to be applied as one table
    pending_float: list[dict] = []  # elementwise ops waiting to be applied to float work in one pass
    integer = dtype in _SCALE
    filled = False  # some mask got new area (mask_fill)
    # An integer image's stage computed on its own levels may round to the
    # dtype at once only when no later stage changes values (moves of whole
    # pixels and cutout do not): rounding twice would lose precision.
    final = [False] * len(stages)
    if integer:
        last_change = max((k for k, s in enumerate(stages)
                           if not (s[0]["transform"] == "cutout" or all(op["transform"] in _EXACT_OPS for op in s))),
                          default=-1)
        final = [k >= last_change for k in range(len(stages))]
    for number, stage in enumerate(stages):
        step_progress = phase(progress, number / len(stages), (number + 1) / len(stages))
        name = stage[0]["transform"]
        h, w = work.shape[:2]
        if name in _ELEMENTWISE and (is_float or integer):
            # Integer levels: one table at the next stage or the end. Float
            # values (our own array): in place, with the next such ops.
            (pending_float if is_float else pending).append(stage[0])
            continue
        if pending:
            work, is_float, pending = _lookup(work, pending, to_float=True), True, []
        if pending_float:
            _for_bands(work, lambda band, ops=pending_float: _elementwise_inplace(ops, _color_of(band)))
            pending_float = []
        if name in _MATRIX_OPS:
            exact_only = all(op["transform"] in _EXACT_OPS for op in stage)
            # Exact moves of whole pixels with nothing to map need no matrix.
            if not exact_only or len(points) or len(kp):
                forward, oh, ow = np.eye(3), h, w
                for op in stage:
                    f, oh, ow = _forward(op, oh, ow)
                    forward = f @ forward
                points = _map_points(forward, points)
                kp = _map_points(forward, kp)
            if exact_only:
                for op in stage:
                    work = _exact(op, work)
                    out_masks = [_exact(op, m) for m in out_masks]
                report(step_progress, 1.0)
                continue
            inverse = np.linalg.inv(forward)
            lanes = 1 if work.ndim == 2 else work.shape[2]
            if _axis_aligned(inverse) and lanes != 4:
                if integer and not is_float:  # on the image's own levels
                    work = axis_bilinear_levels(work, inverse, oh, ow, rounded=final[number])
                    is_float = not final[number]
                else:
                    if not is_float:
                        work, is_float = _to_float(work, "work"), True
                    work = axis_bilinear(work, inverse, oh, ow)
                if out_masks:
                    rows, cols = axis_nearest(inverse, oh, ow, h, w)
                    out_masks = [take_axes(m, rows, cols, mask_fill) for m in out_masks]
                    filled |= bool((rows < 0).any() or (cols < 0).any())
            elif integer and not is_float and lanes != 4:  # on the image's own levels
                work = _warp_levels(work, inverse, oh, ow, rounded=final[number], progress=step_progress)
                is_float = not final[number]
            else:
                if not is_float:
                    work, is_float = _to_float(work, "work"), True
                work = bilinear_warp(work, inverse, oh, ow, (0.0,) * lanes, premultiplied=lanes == 4,
                                     progress=step_progress)
            if not _axis_aligned(inverse) or lanes == 4:
                if out_masks:
                    x, y = matrix_positions(inverse, oh, ow)
                    index, outside = nearest_index(x, y, h, w)
                    out_masks = [take_nearest(m, index, outside, mask_fill) for m in out_masks]
                    filled |= bool(outside.any())
        elif name == "grid_distortion":
            op = stage[0]
            x, y = _grid_positions(op, h, w)
            if h < 2 or w < 2:
                if not is_float:
                    work, is_float = _to_float(work, "work"), True
                work = bilinear_remap(work, x, y)
            elif integer and not is_float:  # on the image's own levels
                work = _remap_edge(work, x, y, rounded=final[number], progress=step_progress)
                is_float = not final[number]
            else:
                if not is_float:
                    work, is_float = _to_float(work, "work"), True
                work = _remap_edge(work, x, y, progress=step_progress)
            if out_masks:
                index, _ = nearest_index(x, y, h, w)
                out_masks = [take_nearest(m, index, None, mask_fill) for m in out_masks]
            points = _grid_forward(op, h, w, points)
            kp = _grid_forward(op, h, w, kp)
        elif name == "cutout" and integer and not is_float:
            work = _cutout_native(stage[0], work)
        elif name in ("saturation", "hue") and integer and not is_float and work.ndim == 3 and work.shape[2] == 3:
            work = _color_native(stage[0], work, final[number])
            is_float = not final[number]
        else:
            if not is_float:
                work, is_float = _to_float(work, "work"), True
            work = _photometric(stage[0], work, length_scale)
        report(step_progress, 1.0)

    if pending:
        out_image = _lookup(work, pending, to_float=False)
    elif is_float:
        out_image = _from_float(work, dtype, pending_float)
    else:
        out_image = _compact(work) if work is image or np.shares_memory(work, image) else work
    if squeeze:
        out_image = out_image[..., None]
    out_h, out_w = out_image.shape[:2]

    new_values = []
    if masks:
        out_masks = [_compact(m) if any(np.shares_memory(m, src) for src in masks) else m for m in out_masks]
    for before, after in zip(masks, out_masks):
        # Nearest-neighbour reads only copy values: the one value a mask can
        # gain is the fill of new area, so that is all there is to look for.
        gained = ()
        if filled:
            fill = np.array(mask_fill).astype(after.dtype)
            if (after == fill).any() and not (before == fill).any():
                gained = (fill.item(),)
        new_values.append(gained)

    kept_boxes = np.zeros((0, 4))
    kept = np.zeros(0, np.intp)
    dropped: tuple[int, ...] = ()
    clipped: tuple[int, ...] = ()
    if boxes is not None and len(boxes):
        outline = points.reshape(len(boxes), 4 * samples, 2)
        lost = np.isnan(outline).any(axis=(1, 2))
        safe = np.where(np.isnan(outline), 0.0, outline)
        lo, hi = safe.min(axis=1), safe.max(axis=1)
        full = np.concatenate([lo, hi], axis=1)
        clip = full.copy()
        clip[:, [0, 2]] = np.clip(full[:, [0, 2]], 0, out_w)
        clip[:, [1, 3]] = np.clip(full[:, [1, 3]], 0, out_h)
        area = (full[:, 2] - full[:, 0]) * (full[:, 3] - full[:, 1])
        visible_area = (clip[:, 2] - clip[:, 0]) * (clip[:, 3] - clip[:, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            fraction = np.where(area > 0, visible_area / np.where(area > 0, area, 1), 1.0)
        # A box of no area (a line or point) is visible when it stays in the frame.
        degenerate_out = (area <= 0) & ((full[:, :2] < 0).any(axis=1) | (full[:, 2] > out_w) | (full[:, 3] > out_h))
        drop = lost | degenerate_out | (fraction < min_visibility) | (visible_area <= 0) & (area > 0)
        is_clipped = ~drop & (np.abs(clip - full) > 1e-9).any(axis=1)
        kept = np.flatnonzero(~drop)
        kept_boxes = clip[kept]
        dropped = tuple(int(i) for i in np.flatnonzero(drop))
        clipped = tuple(int(i) for i in np.flatnonzero(is_clipped))

    inside = np.zeros(len(kp), bool)
    out_of_frame: tuple[int, ...] = ()
    if len(kp):
        with np.errstate(invalid="ignore"):
            inside = (kp[:, 0] >= 0) & (kp[:, 0] < out_w) & (kp[:, 1] >= 0) & (kp[:, 1] < out_h)
        inside &= ~np.isnan(kp).any(axis=1)
        out_of_frame = tuple(int(i) for i in np.flatnonzero(~inside))
    check = Check(tuple(new_values), dropped, clipped, out_of_frame)
    report(progress, 1.0)
    return Augmented(out_image, tuple(out_masks), kept_boxes, kept, kp, inside, check)


def variants(image: np.ndarray, pipeline, seed: int, count: int, *, input_index: int = 0,
             full_shape: tuple[int, ...] | None = None, masks: Sequence[np.ndarray] = (), boxes=None,
             keypoints=None, min_visibility: float = 0.3, mask_fill=0,
             progress: Progress | None = None) -> list[tuple[dict, Augmented]]:
    """Draw and apply ``count`` variants of one image: a preview grid.

    Variant ``k`` is drawn with the seed ``variant_seed(seed, input_index, k)``,
    as an export numbers them, and for ``full_shape`` (the full image's,
    when ``image`` is a reduced preview of it; default its own), so cell
    ``k`` of a grid shows, reduced, what the dataset's variant ``k`` of that
    input will be (a blur of 2 pixels of the full image is half a pixel on a
    preview a quarter its size). ``progress`` hears after each variant and
    may raise to stop.

    Returns
    -------
    list of (dict, Augmented)
        Each variant's drawn parameters and its result, in order.

    Examples
    --------
    >>> img = np.zeros((6, 8, 3), np.uint8)
    >>> cells = variants(img, [{"transform": "rot90", "p": 1.0}], 5, 4)
    >>> [v == sample([{"transform": "rot90", "p": 1.0}], variant_seed(5, 0, k), img.shape)
    ...  for k, (v, _) in enumerate(cells)]
    [True, True, True, True]
    """
    steps = check_pipeline(pipeline)
    count = check_int("count", count, 0)
    shape = image.shape if full_shape is None else full_shape
    drawn = [sample(steps, variant_seed(seed, input_index, k), shape) for k in range(count)]

    # One after the other: side by side on the pool measured slower for
    # grid-cell sizes (each variant's own warps and blurs already use it).
    results = []
    for k, variant in enumerate(drawn):
        results.append((variant, apply(image, variant, masks=masks, boxes=boxes, keypoints=keypoints,
                                       min_visibility=min_visibility, mask_fill=mask_fill)))
        report(progress, (k + 1) / max(count, 1))
    return results


def output_shape(shape: tuple[int, ...], variant: dict) -> tuple[int, ...]:
    """Shape of :func:`apply`'s image for an input of ``shape`` (odd numbers
    of quarter turns swap height and width).

    Examples
    --------
    >>> output_shape((4, 6, 3), {"shape": [4, 6], "ops": [{"transform": "rot90", "k": 1}]})
    (6, 4, 3)
    """
    turns = sum(op["k"] for op in check_variant(variant)["ops"] if op["transform"] == "rot90")
    h, w = shape[:2]
    return ((w, h) if turns % 2 else (h, w)) + tuple(shape[2:])
