"""The catalog: every operation the editor offers, declared once.

Each topic module beside this one (``_filters``, ``_tone``, ...) declares its
operations in a list named ``OPERATIONS``; this module gathers them in
sidebar order. The sidebar, the parameter panel, recipes and the command line
are all generated from here.

Where each fact lives
---------------------
- **Defaults: the processing function's signature is the truth.** A
  ``Param`` written without a default takes the function's when the
  ``Operation`` is built, so a default is stated once, beside the code that
  gives it its meaning, and a library call and the editor start from the
  same place. A ``Param`` states a default only where the function has none
  (crop's rectangle, the magic wand's seed), or where the editor must start
  elsewhere and says why in ``default_reason`` (the custom kernel starts at
  "sharpen": the function's identity kernel would preview as no change).
  Any other default written in a ``Param`` must equal the function's, or
  building the catalog fails: the two cannot drift. (Keeping both copies
  and a test to tie them was the alternative; it leaves two places to edit
  and a failure only when the tests run.)
- **Ranges** are the editor's (the function accepts more than a slider
  should offer). Those that depend on the image say so (``maximum_from``,
  ``default_from``) and become concrete in ``Operation.for_image(shape)``;
  the unbound limits are what a recipe is checked against.
- **Descriptions and help** are written here for users, in words: no
  markup, no argument names. Without a ``description`` the docstring's
  summary is used with its markup removed.
"""
from __future__ import annotations

import difflib
from typing import Iterable, Iterator

from ..errors import UnknownOperationError
from ..operations import Operation
from . import (
    _augment,
    _color,
    _edges,
    _filters,
    _geometry,
    _histogram,
    _learned,
    _morphology,
    _restoration,
    _segmentation,
    _synthesis,
    _threshold,
    _tone,
)

__all__ = ["Catalog", "CATALOG"]


class Catalog:
    """An ordered, searchable collection of operations keyed by id.

    Examples
    --------
    >>> CATALOG.get("filter.gaussian_blur").title
    'Gaussian blur'
    >>> CATALOG.get("filter.gausian_blur")
    Traceback (most recent call last):
    ...
    editor.errors.UnknownOperationError: unknown operation 'filter.gausian_blur'; did you mean 'filter.gaussian_blur'?
    """

    def __init__(self, operations: Iterable[Operation]):
        self._ops: dict[str, Operation] = {}
        for op in operations:
            if op.id in self._ops:
                raise ValueError(f"operation id {op.id!r} is declared twice")
            self._ops[op.id] = op

    def get(self, op_id: str) -> Operation:
        try:
            return self._ops[op_id]
        except KeyError:
            close = difflib.get_close_matches(str(op_id), self._ops, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownOperationError(f"unknown operation {op_id!r}{hint}") from None

    def __contains__(self, op_id: object) -> bool:
        return op_id in self._ops

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._ops.values())

    def __len__(self) -> int:
        return len(self._ops)

    def categories(self) -> dict[str, list[Operation]]:
        """Operations grouped by category, in declaration order."""
        groups: dict[str, list[Operation]] = {}
        for op in self._ops.values():
            groups.setdefault(op.category, []).append(op)
        return groups

    def search(self, text: str) -> list[Operation]:
        """Operations whose id, title, category or description contain every word of ``text``.

        Examples
        --------
        >>> [op.id for op in CATALOG.search("gauss")]
        ['filter.gaussian_blur']
        """
        words = text.lower().split()
        found = []
        for op in self._ops.values():
            haystack = " ".join((op.id, op.title, op.category, op.description)).lower()
            if all(w in haystack for w in words):
                found.append(op)
        return found

    def extended(self, operations: Iterable[Operation]) -> "Catalog":
        """A new catalog with extra operations (tests add fakes this way)."""
        return Catalog(list(self) + list(operations))


# Sidebar order: the categories appear in the order of this list.
_TOPICS = (
    _filters, _edges, _tone, _color, _histogram, _threshold, _morphology, _geometry, _segmentation, _restoration,
    _synthesis, _augment, _learned,
)

CATALOG = Catalog(op for topic in _TOPICS for op in topic.OPERATIONS)
