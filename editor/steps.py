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
    mask : ndarray of bool, optional
        Where the step applies; elsewhere the input shows through.
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
            mask = np.array(self.mask, dtype=bool, copy=True)
            if mask.ndim != 2:
                raise ValueError(f"a step's mask must be 2-D, got shape {mask.shape}")
            mask.flags.writeable = False
            object.__setattr__(self, "mask", mask)
            digest = hashlib.blake2b(np.packbits(mask).tobytes() + repr(mask.shape).encode(), digest_size=16).hexdigest()
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
