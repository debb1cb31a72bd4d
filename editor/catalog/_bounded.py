"""Parameter kinds with the bounds their operations can really take.

The generic kinds in :mod:`editor.params` accept any finite number in a
kernel, a quad or a matrix; the functions cannot render all of them (a
kernel of 1e308 weights overflows to infinity and NaN, a matrix of 1e308
overflows its determinant, a singular matrix has no inverse). These
subclasses keep the kind (the same widget, the same JSON) and add the
operation's real limits, so validation refuses what rendering could not do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ParamError
from ..params import KernelParam, MatrixParam, QuadParam

__all__ = ["BoundedKernelParam", "BoundedQuadParam", "BoundedMatrixParam"]


def _largest(rows) -> float:
    return max((abs(v) for row in rows for v in row), default=0.0)


@dataclass(frozen=True)
class BoundedKernelParam(KernelParam):
    """A kernel whose weights lie within ``[-limit, limit]``.

    Examples
    --------
    >>> spec = BoundedKernelParam("kernel", "Kernel", ((0, 0, 0), (0, 1, 0), (0, 0, 0)), limit=1000.0)
    >>> spec.validate([[1e308] * 3] * 3)
    Traceback (most recent call last):
    ...
    editor.errors.ParamError: kernel weights must be between -1000 and 1000, got 1e+308
    """

    limit: float = 1000.0

    def validate(self, value: Any):
        rows = super().validate(value)
        largest = _largest(rows)
        if largest > self.limit:
            raise ParamError(f"{self.name} weights must be between -{self.limit:g} and {self.limit:g}, got {largest:g}")
        return rows

    def from_json(self, value: Any):
        return super().from_json(value)  # the JSON shape check, then the bounded validate


@dataclass(frozen=True)
class BoundedQuadParam(QuadParam):
    """Four corners whose coordinates lie within ``[-limit, limit]`` pixels.

    Examples
    --------
    >>> spec = BoundedQuadParam("quad", "Corners", ((0, 0),) * 4, limit=1e6)
    >>> spec.validate([[0, 0], [1e308, 0], [1e308, 1e308], [0, 1e308]])
    Traceback (most recent call last):
    ...
    editor.errors.ParamError: quad coordinates must be between -1e+06 and 1e+06 pixels, got 1e+308
    """

    limit: float = 1e6

    def validate(self, value: Any):
        points = super().validate(value)
        largest = _largest(points)
        if largest > self.limit:
            raise ParamError(
                f"{self.name} coordinates must be between -{self.limit:g} and {self.limit:g} pixels, got {largest:g}"
            )
        return points

    def from_json(self, value: Any):
        return super().from_json(value)


@dataclass(frozen=True)
class BoundedMatrixParam(MatrixParam):
    """An invertible affine matrix with bounded entries.

    ``scale_limit`` bounds the four linear entries, ``shift_limit`` the two
    translations (pixels), and ``min_determinant`` keeps the matrix far
    enough from singular that its inverse stays finite.

    Examples
    --------
    >>> spec = BoundedMatrixParam("matrix", "Matrix", ((1, 0, 0), (0, 1, 0)))
    >>> spec.validate([[0, 0, 0], [0, 0, 0]])
    Traceback (most recent call last):
    ...
    editor.errors.ParamError: matrix must be invertible: it flattens the image to a line or a point (determinant 0)
    """

    scale_limit: float = 1000.0
    shift_limit: float = 1e6
    min_determinant: float = 1e-6

    def validate(self, value: Any):
        rows = super().validate(value)
        (a, b, tx), (c, d, ty) = rows
        linear = max(abs(a), abs(b), abs(c), abs(d))
        if linear > self.scale_limit:
            raise ParamError(
                f"{self.name} scale and shear entries must be between -{self.scale_limit:g} and "
                f"{self.scale_limit:g}, got {linear:g}"
            )
        shift = max(abs(tx), abs(ty))
        if shift > self.shift_limit:
            raise ParamError(
                f"{self.name} translations must be between -{self.shift_limit:g} and {self.shift_limit:g} pixels, "
                f"got {shift:g}"
            )
        determinant = a * d - b * c
        if abs(determinant) < self.min_determinant:
            raise ParamError(
                f"{self.name} must be invertible: it flattens the image to a line or a point "
                f"(determinant {determinant:g})"
            )
        return rows

    def from_json(self, value: Any):
        return super().from_json(value)
