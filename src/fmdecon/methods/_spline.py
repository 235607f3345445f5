"""Not-a-knot cubic splines for batches of curves on one grid (docs/physics.md §6).

The spline is the one of :class:`scipy.interpolate.CubicSpline` with its default
``bc_type="not-a-knot"``: the same tridiagonal system for the slopes (solved by
:func:`scipy.linalg.solve_banded`), the same polynomial coefficients per interval, the same
interval of each evaluation point (``x_j <= point < x_(j+1)``, the last interval closed,
points outside continued from the first or last polynomial). It is built here with the
grid along the last axis and evaluated in blocks of curves that stay in cache: for a batch
of curves, ``CubicSpline(..., axis=-1)`` spends most of its time stacking and transposing
coefficient arrays. Equal to ``CubicSpline`` to rounding (tested); ``N >= 4`` nodes (with
fewer, scipy's special cases apply and callers use ``CubicSpline`` itself).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["LAYER", "Spline"]

#: Samples beyond which a not-a-knot cubic spline's cardinal function (and the effect of the
#: grid's ends on it) is below double rounding: (2 - sqrt 3)^32 ~ 6e-19.
LAYER = 32

_BLOCK_VALUES = 65_536  # evaluated values per block of curves


class Spline:
    """Not-a-knot cubic splines through ``(nodes, values)``, ``values`` of shape ``(..., N)``.

    Parameters
    ----------
    nodes : numpy.ndarray
        Strictly increasing nodes, ``N >= 4``.
    values : numpy.ndarray
        Values at the nodes, shape ``(..., N)``: one spline per row.
    """

    def __init__(self, nodes: NDArray[np.float64], values: NDArray[np.float64]) -> None:
        from scipy.linalg import solve_banded  # imported here: scipy.linalg is a slow import

        n = nodes.size
        if n < 4:
            raise ValueError(f"a not-a-knot spline here needs at least 4 nodes; got {n}")
        dx = np.diff(nodes)
        y = values.reshape(-1, n)  # (curves, N)
        slope = np.diff(y, axis=-1) / dx
        bands = np.zeros((3, n))
        bands[1, 1:-1] = 2.0 * (dx[:-1] + dx[1:])
        bands[0, 2:] = dx[:-1]
        bands[-1, :-2] = dx[1:]
        # right-hand sides as rows of a C-ordered array: its transpose is the Fortran-ordered
        # (N, curves) array LAPACK solves in place, without a copy
        rows = np.empty((y.shape[0], n))
        rows[:, 1:-1] = 3.0 * (dx[1:] * slope[:, :-1] + dx[:-1] * slope[:, 1:])
        start = nodes[2] - nodes[0]  # not-a-knot at both ends, as scipy writes them
        bands[1, 0] = dx[1]
        bands[0, 1] = start
        rows[:, 0] = (
            (dx[0] + 2.0 * start) * dx[1] * slope[:, 0] + dx[0] ** 2 * slope[:, 1]
        ) / start
        end = nodes[-1] - nodes[-3]
        bands[1, -1] = dx[-2]
        bands[-1, -2] = end
        rows[:, -1] = (
            dx[-1] ** 2 * slope[:, -2] + (2.0 * end + dx[-1]) * dx[-2] * slope[:, -1]
        ) / end
        s = solve_banded(
            (1, 1), bands, rows.T, overwrite_ab=True, overwrite_b=True, check_finite=False
        ).T  # (curves, N)
        # polynomial of interval j: ((c0 x + c1) x + c2) x + c3, x = point - nodes_j
        t = (s[:, :-1] + s[:, 1:] - 2.0 * slope) / dx
        self.nodes = nodes
        self.shape = values.shape[:-1]
        self.coefficients = (t / dx, (slope - s[:, :-1]) / dx - t, s[:, :-1], y[:, :-1])
        self.last = y[:, -1]

    def __call__(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """Values at sorted ``points``, shape ``(..., len(points))``."""
        nodes = self.nodes
        interval = np.clip(np.searchsorted(nodes, points, side="right") - 1, 0, nodes.size - 2)
        x = points - nodes[interval]
        c0, c1, c2, c3 = self.coefficients
        curves = c0.shape[0]
        out = np.empty((curves, points.size))
        rows = max(1, _BLOCK_VALUES // max(points.size, 1))
        for r in range(0, curves, rows):  # blocks of curves, not grid points
            block = slice(r, r + rows)
            out[block] = (
                (c0[block][:, interval] * x + c1[block][:, interval]) * x + c2[block][:, interval]
            ) * x + c3[block][:, interval]
        return out.reshape(*self.shape, points.size)

    def upsample(self, factor: int) -> NDArray[np.float64]:
        """Values at ``z_0 + q d / factor``, ``q = 0 .. factor (N - 1)``, for nodes uniform
        within ``UNIFORM_RTOL`` (``d`` the mean step), evaluated at the ``factor`` fixed
        positions of each interval without an interval search. The last point is ``z_N``
        itself, where the value is the data. A point up to ``1e-6 d`` outside its nominal
        interval continues that interval's polynomial, which changes the value by the
        spline's third-derivative jump times ``(1e-6 d)^3``: nothing."""
        nodes = self.nodes
        n = nodes.size
        c0, c1, c2, c3 = (c[:, None, :] for c in self.coefficients)  # position axis middle
        cell = (nodes[-1] - nodes[0]) / (n - 1) / factor
        position = np.arange(factor * (n - 1), dtype=np.float64).reshape(n - 1, factor).T
        x = nodes[0] + cell * position
        x -= nodes[:-1]  # (factor, intervals): fine point j factor + r sits at x[r, j] from z_j
        curves = c0.shape[0]
        fine = np.empty((curves, factor * (n - 1) + 1))
        interleaved = fine[:, :-1].reshape(curves, n - 1, factor)  # a view: [c, j, r]
        rows = max(1, _BLOCK_VALUES // fine.shape[1])
        for r in range(0, curves, rows):  # blocks of curves, not grid points
            block = slice(r, r + rows)
            values = ((c0[block] * x + c1[block]) * x + c2[block]) * x + c3[block]
            interleaved[block] = values.transpose(0, 2, 1)
        fine[:, -1] = self.last  # the last point is z_N itself, where the spline is the data
        return fine.reshape(*self.shape, fine.shape[-1])
