"""Straightening: the rotation that makes a drawn line level or plumb.

The straighten tool lets a person draw a line along something that should
be horizontal (a horizon) or vertical (a wall); the image is then turned by
:func:`level_angle` with :func:`processing.geometry.rotate`, whose ``crop``
option cuts away the uncovered corners.

Coordinates are the image's pixels, x to the right and y down (see
:mod:`processing.geometry`); angles are degrees counter-clockwise on screen,
as :func:`processing.geometry.rotate` takes them.
"""
from __future__ import annotations

import math

from ._image import check_point

__all__ = ["line_angle", "level_angle"]


def line_angle(start, end) -> float:
    """Direction of the line from ``start`` to ``end``, degrees
    counter-clockwise from the positive x axis as seen on screen, in
    (-180, 180].

    Parameters
    ----------
    start, end : (float, float)
        The line's ends ``(x, y)`` in image pixels (y down); distinct.

    Returns
    -------
    float

    Examples
    --------
    >>> line_angle((0, 0), (10, -10)), line_angle((0, 0), (0, 5))
    (45.0, -90.0)
    """
    x0, y0 = check_point("start", start)
    x1, y1 = check_point("end", end)
    if x0 == x1 and y0 == y1:
        raise ValueError(f"the line needs two different points, got ({x0:g}, {y0:g}) twice")
    # y grows downwards on screen: flip it to measure counter-clockwise.
    return math.degrees(math.atan2(y0 - y1, x1 - x0))


def level_angle(start, end) -> float:
    """The rotation that makes the line from ``start`` to ``end`` level or
    plumb, whichever is the smaller turn.

    Parameters
    ----------
    start, end : (float, float)
        The line's ends ``(x, y)`` in image pixels (y down); distinct.

    Returns
    -------
    float
        Degrees counter-clockwise for :func:`processing.geometry.rotate`, in
        [-45, 45): a line 45 degrees from level is turned clockwise to level.

    Notes
    -----
    Rotating by ``t`` turns a line at angle ``a`` (see :func:`line_angle`)
    to ``a + t``. Level and plumb lines are the multiples of 90 degrees, so
    with ``r = a mod 90`` in [0, 90), ``t = -r`` when ``r <= 45`` and
    ``t = 90 - r`` otherwise. The direction the line was drawn in does not
    matter.

    Examples
    --------
    >>> round(level_angle((0, 100), (1000, 90)), 4)  # rises to the right: turn clockwise
    -0.5729
    >>> round(level_angle((500, 0), (510, 1000)), 4)  # a near-vertical line is made plumb
    -0.5729
    """
    remainder = line_angle(start, end) % 90.0
    turn = -remainder if remainder <= 45.0 else 90.0 - remainder
    return turn + 0.0  # no -0.0 in a step's parameters
