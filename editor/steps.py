"""Steps: one operation with its parameters, the unit of the editing history."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

import numpy as np

__all__ = ["FrozenParams", "Step"]


class FrozenParams(Mapping[str, Any]):
    """An immutable, hashable mapping of parameter names to plain values.

    Examples
    --------
    >>> p = FrozenParams({"sigma": 2.0})
    >>> p["sigma"], hash(p) == hash(FrozenParams(sigma=2.0))
    (2.0, True)
    """

    __slots__ = ("_items", "_hash")

    def __init__(self, values: Mapping[str, Any] | None = None, **kwargs: Any):
        merged = dict(values or {}, **kwargs)
        self._items = tuple(sorted(merged.items()))
        self._hash = hash(self._items)

    def __getitem__(self, key: str) -> Any:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenParams):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"FrozenParams({dict(self._items)!r})"


MASK_LEVELS = 255  # a soft mask's weights are multiples of 1/255


def _normalized_mask(mask) -> tuple[np.ndarray, np.ndarray]:
    """A read-only copy: bool as is, float weights clipped to [0, 1] and
    rounded to 1/255 (bool when only 0 and 1 are left); and the bytes that
    identify it (packed bits, or the weights' 8-bit levels: a quarter of
    the float data to hash)."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise ValueError(f"a step's mask must be 2-D, got shape {mask.shape}")
    if mask.dtype == bool:
        mask = np.array(mask, order="C")
        identity = np.packbits(mask)
    elif mask.dtype.kind in "fiu":
        # In place on one copy: a 24 MP mask is 96 MB of weights.
        levels = np.array(mask, dtype=np.float32, order="C")
        np.clip(levels, 0.0, 1.0, out=levels)  # infinities clip; NaN stays NaN
        if np.isnan(levels).any():
            raise ValueError("a step's mask weights must be finite numbers")
        levels *= np.float32(MASK_LEVELS)
        np.rint(levels, out=levels)
        if not ((levels > 0) & (levels < MASK_LEVELS)).any():
            mask = levels == MASK_LEVELS
            identity = np.packbits(mask)
        else:
            identity = levels.astype(np.uint8)
            levels /= np.float32(MASK_LEVELS)
            mask = levels
    else:
        raise ValueError(f"a step's mask must be bool or float weights, got dtype {mask.dtype}")
    mask.flags.writeable = False
    return mask, identity


@dataclass(frozen=True, eq=False)
class Step:
    """One edit: an operation id, its parameters, an optional mask.

    Immutable: editing a step means replacing it with a new one, which is what
    makes the list of steps usable as undo history and as cache keys.

    Attributes
    ----------
    op_id : str
        Catalog id of the operation.
    params : Mapping
        Parameter values (validated by the document when the step is added).
    mask : ndarray, optional
        Where the step applies, ``(H, W)``: bool (applies or not), or float
        weights in [0, 1] (a feathered selection: the result is blended with
        the input by the weight). Weights are kept to 1/255 steps, the
        precision a project stores; a float mask of only 0 and 1 is kept as
        bool. Elsewhere the input shows through.
    enabled : bool
        A disabled step is kept in the list but passes its input through.

    Examples
    --------
    >>> a = Step("filter.gaussian_blur", {"sigma": 2.0})
    >>> a == Step("filter.gaussian_blur", {"sigma": 2.0}), a.with_params(sigma=3.0).params["sigma"]
    (True, 3.0)
    """

    op_id: str
    params: Mapping[str, Any] = field(default_factory=dict)
    mask: np.ndarray | None = None
    enabled: bool = True

    def __post_init__(self):
        object.__setattr__(self, "params", FrozenParams(self.params))
        digest = None
        if self.mask is not None:
            mask, identity = _normalized_mask(self.mask)
            object.__setattr__(self, "mask", mask)
            digest = hashlib.blake2b(memoryview(identity).cast("B"), digest_size=16)
            digest.update(repr((mask.shape, mask.dtype.str)).encode())
            digest = digest.hexdigest()
        object.__setattr__(self, "_mask_digest", digest)

    @property
    def key(self) -> tuple:
        """Everything that determines the step's result, hashable."""
        return (self.op_id, self.params._items, self._mask_digest, self.enabled)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Step) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def with_params(self, values: Mapping[str, Any] | None = None, **changes: Any) -> "Step":
        """A copy with some parameters changed."""
        merged = dict(self.params)
        merged.update(values or {}, **changes)
        return Step(self.op_id, merged, self.mask, self.enabled)

    def with_enabled(self, enabled: bool) -> "Step":
        """A copy switched on or off."""
        return Step(self.op_id, self.params, self.mask, enabled)

    def with_mask(self, mask: np.ndarray | None) -> "Step":
        """A copy with another mask (None: the whole image)."""
        return Step(self.op_id, self.params, mask, self.enabled)
