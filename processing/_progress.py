"""The cancel-and-progress callback that long functions accept.

A slow function takes ``progress=None`` (keyword-only) and calls it with the
fraction of its work done, a float from 0 to 1, between tiles, rows, offsets
or iterations: often enough that a call comes at least every 0.1 to 0.2 s.
The callback is the function's only contact with the outside; it stays pure.

To cancel, the callback raises (the editor raises its own "render cancelled"
error). Functions let that exception pass: they hold no state to clean up, as
they never change their inputs.

A function made of phases gives each phase a share of the range with
:func:`phase`, so the fraction the caller sees never goes backwards.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["Progress", "report", "phase"]

Progress = Callable[[float], None]


def report(progress: Progress | None, fraction: float) -> None:
    """Tell ``progress`` (if any) that ``fraction`` of the work is done.

    Examples
    --------
    >>> seen = []
    >>> report(seen.append, 1.5); seen
    [1.0]
    >>> report(None, 0.5)  # no callback: nothing to do
    """
    if progress is not None:
        progress(min(1.0, max(0.0, float(fraction))))


def phase(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """A callback for one phase, mapping its 0..1 onto ``start..stop`` of ``progress``.

    Examples
    --------
    >>> seen = []
    >>> second_half = phase(seen.append, 0.5, 1.0)
    >>> second_half(0.5); seen
    [0.75]
    >>> phase(None, 0, 1) is None
    True
    """
    if progress is None:
        return None
    span = stop - start

    def sub(fraction: float) -> None:
        progress(min(1.0, max(0.0, start + span * min(1.0, max(0.0, fraction)))))

    return sub
