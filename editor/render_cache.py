"""A memory-bounded cache of intermediate render results."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Hashable

import numpy as np

__all__ = ["RenderCache", "default_budget_bytes"]

_GiB = 1024**3


def default_budget_bytes() -> int:
    """A quarter of the machine's memory, at most 4 GiB (8 GiB assumed if unknown).

    Examples
    --------
    >>> 0 < default_budget_bytes() <= 4 * 1024**3
    True
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        total = 8 * _GiB
    return int(min(total // 4, 4 * _GiB))


def _owner_nbytes(image: np.ndarray) -> int:
    """Bytes of the buffer ``image`` keeps alive (its own if it owns its data)."""
    base = image
    while isinstance(base.base, np.ndarray):
        base = base.base
    return base.nbytes if base is not image else image.nbytes


@dataclass
class _Entry:
    image: np.ndarray
    cost: float
    last_used: int


class RenderCache:
    """Images keyed by render state, evicting what is cheapest to recompute.

    Thread-safe: the preview worker and the GUI thread share one cache.

    Parameters
    ----------
    budget_bytes : int, optional
        Upper bound on the bytes of cached images; defaults to
        :func:`default_budget_bytes`.

    Notes
    -----
    When over budget, the entry with the lowest ``cost / nbytes`` (seconds to
    recompute per byte held), discounted by how long ago it was used, is
    dropped first. An image larger than the whole budget is not stored.

    Examples
    --------
    >>> cache = RenderCache(budget_bytes=100)
    >>> cache.put("slow", np.zeros(10, np.float32), cost=1.0)     # 40 bytes each
    >>> cache.put("cheap", np.zeros(10, np.float32), cost=0.001)
    >>> cache.put("new", np.zeros(10, np.float32), cost=0.5)      # over budget
    >>> sorted(cache.keys()), cache.nbytes
    (['new', 'slow'], 80)
    """

    def __init__(self, budget_bytes: int | None = None):
        self._budget = int(budget_bytes if budget_bytes is not None else default_budget_bytes())
        self._entries: dict[Hashable, _Entry] = {}
        self._bytes = 0
        self._tick = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    @property
    def budget_bytes(self) -> int:
        return self._budget

    @budget_bytes.setter
    def budget_bytes(self, value: int) -> None:
        with self._lock:
            self._budget = int(value)
            self._evict_to(self._budget)

    @property
    def nbytes(self) -> int:
        """Bytes currently held (the cache's own accounting)."""
        return self._bytes

    def keys(self):
        with self._lock:
            return list(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._tick += 1
            entry.last_used = self._tick
            self.hits += 1
            return entry.image

    def put(self, key: Hashable, image: np.ndarray, cost: float) -> None:
        """Store ``image`` (made read-only) that took ``cost`` seconds to compute.

        A view into a bigger buffer (a crop, a channel) is stored as a compact
        copy, so the cache never keeps more memory alive than it accounts for.
        """
        if image.nbytes > self._budget:
            return
        if _owner_nbytes(image) > image.nbytes:
            image = image.copy()
        image.flags.writeable = False
        with self._lock:
            self._tick += 1
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.image.nbytes
            self._entries[key] = _Entry(image, max(float(cost), 1e-9), self._tick)
            self._bytes += image.nbytes
            self._evict_to(self._budget, keep=key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _evict_to(self, budget: int, keep: Hashable = None) -> None:
        while self._bytes > budget and self._entries:
            def value(item):
                key, entry = item
                if key == keep:
                    return float("inf")
                age = self._tick - entry.last_used
                return entry.cost / max(entry.image.nbytes, 1) / (1.0 + age)

            key, entry = min(self._entries.items(), key=value)
            if key == keep:
                break
            del self._entries[key]
            self._bytes -= entry.image.nbytes
            self.evictions += 1
