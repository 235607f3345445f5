"""Shared parts of the methods' exact noise (docs/physics.md section 7).

Each method computes the row norms of its linear operator ``L`` (``std(F_j) = sigma ||row j
of L||``) beside its own code, as the ``row_norms`` capability of its registry entry; what
several of them share lives here: the noise paths' warning and option checks, and the sparse
spline matrices with the FFT-applied causal solve that give the exact row norms of
``L = P H Q`` on any grid (``matrix_resampled`` anywhere, ``matrix_exact`` on a non-uniform
grid). Private to :mod:`fmdecon.methods`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import fft, sparse

from fmdecon.methods._spline import LAYER
from fmdecon.methods._warnings import SmallAmplitudeWarning

#: Matrix elements per block of coefficients or unit-vector responses.
BLOCK_ELEMENTS = 2_000_000


def warn_small(what: str) -> None:
    warnings.warn(
        f"{what}: the oscillation spans less than one grid step (cell); the method's result "
        "and its noise are unreliable (NaN where its system is singular)",
        SmallAmplitudeWarning,
        stacklevel=4,
    )


def solver_option(options: dict[str, Any]) -> str:
    solver = options.get("solver", "auto")
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    return solver


def cardinal_matrix(
    nodes: NDArray[np.float64], points: NDArray[np.float64], block: int = 256
) -> sparse.csc_matrix:
    """Sparse ``C[i, c]`` = value at ``points[i]`` of the not-a-knot cubic spline through
    ``nodes`` with data ``e_c`` (column ``c`` of the identity).

    The cardinal functions decay like ``(2 - sqrt 3)^k`` with the number of nodes ``k`` from
    their own, and feel the grid's ends only through the same factor: each block of columns
    is computed from a spline through its nodes plus ``2 LAYER`` on either side, and kept
    within ``LAYER`` nodes of its own node (the rest is below rounding). ``points`` must be
    sorted; points beyond the last node (extrapolation) belong to the last columns' window.
    """
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    count = nodes.size
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    values: list[NDArray[np.float64]] = []
    layer = LAYER
    for start in range(0, count, block):
        stop = min(start + block, count)
        lo, hi = max(0, start - 2 * layer), min(count, stop + 2 * layer)
        units = np.zeros((hi - lo, stop - start))
        units[np.arange(start, stop) - lo, np.arange(stop - start)] = 1.0
        spline = CubicSpline(nodes[lo:hi], units, axis=0)
        own = np.arange(start, stop)
        left = nodes[np.maximum(own - layer, 0)]
        right = np.where(own + layer < count, nodes[np.minimum(own + layer, count - 1)], np.inf)
        first = int(np.searchsorted(points, left[0], side="left"))
        last = int(np.searchsorted(points, right[-1], side="right"))
        window = points[first:last]
        table = spline(window)  # (points in window, columns of the block)
        keep = (window[:, None] >= left[None, :]) & (window[:, None] <= right[None, :])
        point_index, column = np.nonzero(keep)
        rows.append(first + point_index)
        cols.append(start + column)
        values.append(table[point_index, column])
    return sparse.csc_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(points.size, count),
    )


def sparse_solve_row_norms(
    resample: sparse.csc_matrix, h: NDArray[np.float64], back: sparse.csr_matrix
) -> NDArray[np.float64]:
    """Row norms of ``L = P H Q`` for sparse ``Q`` (N' x N, ``resample``) and ``P`` (rows x N',
    ``back``) and the causal Toeplitz ``H`` of first column ``h`` (force at ``a`` is
    ``sum_(b >= a) h[b - a] y[b]``), applied by FFT to blocks of ``Q``'s columns, each cut
    to the samples its columns reach."""
    count, n = resample.shape
    total = np.zeros(back.shape[0])
    columns = max(1, BLOCK_ELEMENTS // count)
    for start in range(0, n, columns):
        block = resample[:, start : start + columns]
        reach = int(block.indices.max()) + 1  # the block's columns live on samples < reach
        dense = np.ascontiguousarray(block[:reach].toarray().T)  # (columns, reach)
        # a causal convolution with h on the reversed axis
        size = fft.next_fast_len(2 * reach - 1, real=True)
        spectrum = fft.rfft(h[:reach], size)
        solved = fft.irfft(fft.rfft(dense[:, ::-1], size) * spectrum, size)[:, reach - 1 :: -1]
        forces = back[:, :reach] @ np.ascontiguousarray(solved.T)
        total += np.einsum("ij,ij->i", forces, forces)
    return np.sqrt(total)
