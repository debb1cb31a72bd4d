"""The parts of image quilting: overlap errors for every position, the cut.

Kept private: :mod:`processing.synthesis` assembles them into
``synthesize_texture``; the tests reach the minimum cut here to compare it
with an exhaustive search.
"""
from __future__ import annotations

import numpy as np

__all__ = ["OverlapErrors", "minimum_cut"]


class OverlapErrors:
    """Sum of squared differences between a patch's overlap and every
    candidate patch of a sample, for all candidates at once.

    A patch of side ``patch`` overlaps what is already placed in an
    L-shaped region: a strip of ``overlap`` columns on its left, a strip of
    ``overlap`` rows on its top, or both. For a template ``t`` that is zero
    outside that region (mask ``m``), the error of the candidate at
    ``(y, x)`` is

        sum m s(y + i, x + j)^2  -  2 sum t(i, j) s(y + i, x + j)  +  sum t^2

    The first term is three box sums of ``s^2`` read off one integral image,
    the second a cross-correlation done by FFT at the sample's own size
    (candidates never reach past the sample's edge, so the circular
    correlation has no wrap-around where it is read), the third one number.

    Parameters
    ----------
    sample : ndarray
        float ``(h, w, C)``: the sample, channels last.
    patch, overlap : int
        Patch side and overlap width in pixels, ``0 <= overlap < patch``,
        ``patch <= min(h, w)``.

    Examples
    --------
    >>> sample = np.arange(16.0).reshape(4, 4, 1)
    >>> errors = OverlapErrors(sample, 2, 1)
    >>> template = sample[1:3, 2:4]  # the candidate at (1, 2) matches itself exactly
    >>> err = errors(template, left=True, top=True)
    >>> err.shape, float(err[1, 2])
    ((3, 3), 0.0)
    """

    def __init__(self, sample: np.ndarray, patch: int, overlap: int):
        sample = np.asarray(sample, np.float64)
        self.height, self.width = sample.shape[:2]
        self.patch, self.overlap = patch, overlap
        self.rows, self.cols = self.height - patch + 1, self.width - patch + 1  # candidate positions
        self.spectrum = np.fft.rfft2(sample, axes=(0, 1))
        energy = np.zeros((self.height + 1, self.width + 1))
        energy[1:, 1:] = (sample * sample).sum(axis=2).cumsum(axis=0).cumsum(axis=1)
        left = self._boxes(energy, patch, overlap)
        top = self._boxes(energy, overlap, patch)
        corner = self._boxes(energy, overlap, overlap)
        # The sample's energy under the overlap at every candidate, for each shape of overlap.
        self.energy = {(True, False): left, (False, True): top, (True, True): left + top - corner}

    def _boxes(self, integral: np.ndarray, height: int, width: int) -> np.ndarray:
        """Sums of ``height x width`` boxes whose top-left corner is each candidate position."""
        r, c = self.rows, self.cols
        return (integral[height:height + r, width:width + c] - integral[:r, width:width + c]
                - integral[height:height + r, :c] + integral[:r, :c])

    def __call__(self, placed: np.ndarray, *, left: bool, top: bool) -> np.ndarray:
        """Errors ``(rows, cols)`` of every candidate against ``placed``
        (the ``patch x patch x C`` area of the output the new patch covers),
        read over its left strip, top strip or both."""
        b, o = self.patch, self.overlap
        template = np.zeros((b, b, placed.shape[2]))
        if left:
            template[:, :o] = placed[:, :o]
        if top:
            template[:o, :] = placed[:o, :]
        spectrum = np.fft.rfft2(template, s=(self.height, self.width), axes=(0, 1))
        product = np.einsum("ijc,ijc->ij", self.spectrum, np.conjugate(spectrum, out=spectrum))
        correlation = np.fft.irfft2(product, s=(self.height, self.width))[:self.rows, :self.cols]
        error = self.energy[left, top] - 2.0 * correlation + float((template * template).sum())
        # Rounding in the FFT can leave a perfect match a hair below zero.
        return np.maximum(error, 0.0, out=error)


def minimum_cut(cost: np.ndarray) -> np.ndarray:
    """The cheapest path from the top row of ``cost`` to its bottom row.

    The path holds one column per row and moves at most one column between
    consecutive rows; its cost is the sum of ``cost`` along it. Found by
    dynamic programming, row by row (each row vectorised over the columns),
    then traced back from the cheapest end.

    Parameters
    ----------
    cost : ndarray
        ``(rows, columns)`` non-negative costs, ``columns >= 1``; or a stack
        ``(n, rows, columns)`` of such arrays, cut independently (in one
        pass, which costs little more than one).

    Returns
    -------
    ndarray
        int ``(rows,)`` (or ``(n, rows)`` for a stack): the path's column in
        each row. Ties go to the leftmost choice.

    Examples
    --------
    >>> cost = np.array([[1, 0, 5], [9, 9, 0], [9, 1, 9]], float)
    >>> minimum_cut(cost).tolist()
    [1, 2, 1]
    """
    cost = np.asarray(cost, np.float64)
    if cost.ndim == 2:
        return minimum_cut(cost[None])[0]
    n, rows, cols = cost.shape
    # Cumulative cheapest cost to reach each pixel, with a column of infinity
    # either side so that the edges need no special case.
    total = np.full((n, rows, cols + 2), np.inf)
    total[:, :, 1:-1] = cost
    best = np.empty((n, cols))
    for r in range(1, rows):
        above = total[:, r - 1]
        np.minimum(above[:, :-2], above[:, 1:-1], out=best)
        np.minimum(best, above[:, 2:], out=best)
        total[:, r, 1:-1] += best
    path = np.empty((n, rows), np.intp)
    # Tracing back is one scalar choice per row: plain Python on a list is
    # faster than any array operation on three numbers.
    for k, table in enumerate(total.tolist()):
        last = table[-1]
        column = min(range(cols), key=lambda c: last[c + 1])
        path[k, -1] = column
        for r in range(rows - 1, 0, -1):
            # The cheapest of the three pixels above (padded columns column .. column + 2), leftmost first.
            above = table[r - 1]
            column += min((0, 1, 2), key=lambda d: above[column + d]) - 1
            path[k, r - 1] = column
    return path
