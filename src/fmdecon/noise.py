"""Exact propagation of white frequency-shift noise through the deconvolution methods.

docs/physics.md section 7. Every method is linear in the frequency shift for fixed
``(z, A, k, f0)``: ``F = L df``. For independent (white) noise of rms ``sigma`` on each
sample, ``Cov(F) = sigma^2 L L^T`` and ``std(F_j) = sigma ||row j of L||_2``. The row norms
are found from the structure of each method's operator without forming ``L``:

* matrix method (section 3): on the reversed axis ``L`` is lower-triangular Toeplitz with
  first column ``h``, the power-series inverse of the band ``w``, so
  ``||row i||^2 = sum_(m <= i) h_m^2`` (a cumulative sum);
* Sader-Jarvis (section 2) on a uniform grid: row ``j`` holds one sequence ``c_m`` (the
  coefficient of ``df_(j+m)``), the same for every row, except the two last coefficients,
  where the trapezoid's end weight and the last forward difference enter: prefix sums of
  ``c_m^2`` plus two exact end terms. On a non-uniform grid the coefficients are built in row
  blocks (O(N^2) time, O(N) memory);
* matrix with exact weights (section 6b) on a uniform grid: ``L = P H Q`` (cubic-spline
  upsampling ``Q``, causal Toeplitz solve ``H``, interpolation back ``P``). Away from the
  grid ends the spline's cardinal functions are one shifted shape (they decay like
  ``(2 - sqrt 3)^|k|``, below rounding after ``_LAYER`` samples), so ``L[j, n] = tau[n - j]``
  for all but the ``_LAYER`` columns next to each end; those columns and the first row are
  computed exactly and the bulk by prefix sums of ``tau^2``;
* matrix on a resampled grid (section 6a): ``L = P H Q`` again, but the resampled grid is in
  general incommensurate with the input grid, so ``L`` is not Toeplitz (each row has its own
  phase). ``Q`` and ``P`` are built as sparse matrices (cardinal functions cut where they are
  below rounding) and ``H`` is applied to blocks of ``Q``'s columns by FFT: exact, but
  O(N N' log N') time (N' the resampled length), about 0.6-1.2 s at N = 5000.
  The same computation serves section 6b on a non-uniform grid (``P`` is then the linear
  interpolation from the cell centres, two entries a row);
* anything else (options the shortcuts do not know, short grids, methods registered
  later): the columns of ``L`` are the method's responses to unit vectors, computed in
  batched blocks and accumulated (exact, O(N) calls' work, O(N) memory per block).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import ArrayLike, NDArray
from scipy import fft, sparse

from fmdecon._validation import grid, sensor, uniform_step
from fmdecon.methods import METHODS, Method, get_method
from fmdecon.methods.matrix import (
    FFT_ALPHA,
    SmallAmplitudeWarning,
    _inverse_series,
    _inverse_series_fast,
    matrix_alpha,
    matrix_method,
    matrix_weights,
)
from fmdecon.methods.matrix_exact import (
    FFT_WIDTH,
    _is_uniform,
    _upsample_factor,
    exact_cell_weights,
    matrix_exact,
)
from fmdecon.methods.matrix_resampled import _END_TOLERANCE, _alpha_min, matrix_resampled
from fmdecon.methods.sader_jarvis import _FFT_UNIFORM_RTOL, sader_jarvis

__all__ = ["force_noise"]

#: Grid samples beyond which a not-a-knot cubic spline's cardinal function (and the effect
#: of the grid's ends on it) is below double rounding: (2 - sqrt 3)^32 ~ 6e-19.
_LAYER = 32
#: Matrix elements per block of coefficients or unit-vector responses.
_BLOCK_ELEMENTS = 2_000_000
#: Most unit vectors per method call in the generic computation (the resampled and upsampled
#: methods work on grids several times finer than the input).
_GENERIC_BLOCK = 64


def _noise_level(value: object) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"df_noise must be a real number >= 0 [Hz]; got df_noise = {value!r}")
    out = float(value)
    if not np.isfinite(out) or out < 0:
        raise ValueError(f"df_noise must be a finite number >= 0 [Hz]; got df_noise = {out!r}")
    return out


def _method(method: str | Method) -> Method:
    if isinstance(method, Method):
        return method
    if isinstance(method, str):
        return get_method(method)
    raise ValueError(
        f"method must be the name of a registered method ({', '.join(METHODS)}) or a Method "
        f"entry; got method = {method!r}"
    )


def _warn_small(what: str) -> None:
    warnings.warn(
        f"{what}: the oscillation spans less than one grid step (cell); the method's result "
        "and its noise are unreliable (NaN where its system is singular)",
        SmallAmplitudeWarning,
        stacklevel=4,
    )


def _impulse_response(
    weights: NDArray[np.float64], n: int, use_fft: bool, fast: bool
) -> NDArray[np.float64]:
    """First ``n`` coefficients ``h`` of ``1 / w(x)``, by the solver the method uses."""
    if use_fft:
        return (_inverse_series_fast if fast else _inverse_series)(weights, n)
    from scipy.signal import lfilter

    impulse = np.zeros(n)
    impulse[0] = 1.0
    return lfilter([1.0], weights, impulse)


def _solver_option(options: dict[str, Any]) -> str:
    solver = options.get("solver", "auto")
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    return solver


# --------------------------------------------------------------------------------------------
# matrix method (section 3)
# --------------------------------------------------------------------------------------------


def _matrix_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64]:
    solver = _solver_option(options)
    step = uniform_step(z, "matrix_method")
    alpha = matrix_alpha(amplitude, step)
    if amplitude / step < 1.0:
        _warn_small(f"matrix_method: amplitude / step = {amplitude / step:.3g} < 1")
    if alpha == 0:
        return np.full(z.size, np.nan)
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA)
    h = _impulse_response(weights, z.size, use_fft, fast=False)
    # reversed axis: row i of L is h_i .. h_0; back on the input axis
    return np.sqrt(np.cumsum(h**2))[::-1].copy()


# --------------------------------------------------------------------------------------------
# Sader-Jarvis (section 2)
# --------------------------------------------------------------------------------------------


def _sj_row_norms_uniform(n: int, step: float, a: float, b: float) -> NDArray[np.float64]:
    """Row norms of ``L`` in units of ``2k/f0`` on a uniform grid (see module docstring)."""
    last = n - 2
    h = step
    sh = np.sqrt(h)
    m = np.arange(last + 1, dtype=np.float64)
    c = np.empty(last + 1)
    c[0] = h + 2.0 * a * sh + 2.0 * b / sh
    c[1] = 0.5 * h + 0.5 * (a * h + b) / sh - 2.0 * b / sh
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (a * h + b) / np.sqrt(m * h)  # kernel term of sample j + m
        previous = b / np.sqrt((m - 1.0) * h)  # forward difference of sample j + m - 1
    c[2:] = h + own[2:] - previous[2:]
    c[2] += 0.5 * b / sh  # the first trapezoid sample's difference reaches df_(j+2)
    prefix = np.cumsum(c**2)
    out = np.full(n, np.nan)
    span = np.arange(last, 1, -1)  # M = last - j for j = 0 .. n - 4
    end_weight = c[span] - 0.5 * h - 0.5 * own[span]  # trapezoid end weight h/2
    end_difference = -0.5 * b / np.sqrt(span * h)  # df_(n-1) in the last difference
    out[: n - 3] = np.sqrt(prefix[span - 1] + end_weight**2 + end_difference**2)
    return out


def _sj_row_norms_direct(z: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """Row norms of ``L`` in units of ``2k/f0`` on any grid, in row blocks: O(N^2) time."""
    n = z.size
    last = n - 2
    step = np.diff(z)
    weights = np.zeros(last + 1)
    weights[1:last] = 0.5 * (z[2 : last + 1] - z[: last - 1])
    weights[last] = 0.5 * (z[last] - z[last - 1])
    own = weights * (a + b / step[: last + 1])
    difference = b * weights / step[: last + 1]
    out = np.full(n, np.nan)
    rows = max(1, _BLOCK_ELEMENTS // (2 * n))
    for start in range(0, n - 3, rows):
        j = np.arange(start, min(start + rows, n - 3))
        distance = z[None, : last + 1] - z[j, None]
        later = distance > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            kernel = np.where(later, 1.0 / np.sqrt(np.where(later, distance, 1.0)), 0.0)
        coef = np.zeros((j.size, n))
        coef[:, : last + 1] = np.where(later, weights, 0.0) + own * kernel
        coef[:, 1 : last + 2] -= difference * kernel
        r = np.arange(j.size)
        hj = step[j]
        shj = np.sqrt(hj)
        coef[r, j] += hj + 2.0 * a * shj + 2.0 * b / shj
        coef[r, j + 1] += -2.0 * b / shj - 0.5 * hj * (1.0 + (a + b / step[j + 1]) / shj)
        coef[r, j + 2] += 0.5 * b * shj / step[j + 1]
        out[j] = np.sqrt(np.einsum("ij,ij->i", coef, coef))
    return out


def _sj_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    n = z.size
    a = np.sqrt(amplitude) / (8.0 * np.sqrt(np.pi))
    b = amplitude**1.5 / np.sqrt(2.0)
    last = n - 2
    step = np.diff(z)
    spacing = (z[last] - z[0]) / last
    if n > 3 and np.all(np.abs(step[:last] - spacing) <= _FFT_UNIFORM_RTOL * spacing):
        norms = _sj_row_norms_uniform(n, spacing, a, b)
    elif n > 3:
        norms = _sj_row_norms_direct(z, a, b)
    else:
        norms = np.full(n, np.nan)
    return 2.0 * k / f0 * norms


# --------------------------------------------------------------------------------------------
# matrix method with exact weights (section 6b), uniform grid
# --------------------------------------------------------------------------------------------


def _exact_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_exact` on a uniform grid; None if the structured
    computation does not apply (non-uniform or short grid, or unknown options)."""
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    if set(options) - {"upsample", "solver"}:
        return None
    solver = _solver_option(options)
    p = _upsample_factor(options.get("upsample", 4))
    n = z.size
    if n < 4 * _LAYER + 8:
        return None
    step = (z[-1] - z[0]) / (n - 1)
    cell = step / p
    weights = exact_cell_weights(amplitude, cell, k, f0)
    if amplitude / cell < 1.0:
        _warn_small(f"matrix_exact: amplitude / cell = {amplitude / cell:.3g} < 1")
    if weights.size == 1:
        return np.full(n, np.nan)
    fine_count = p * (n - 1) + 1
    use_fft = solver == "fft" or (solver == "auto" and weights.size > FFT_WIDTH)
    h = _impulse_response(weights, fine_count, use_fft, fast=True)
    if not _is_uniform(z):
        # spline onto the fine grid (sparse Q), solve (H), linear interpolation from the
        # cell centres back onto z (P, two entries a row)
        fine_z = z[0] + cell * np.arange(fine_count, dtype=np.float64)
        fine_z[-1] = z[-1]
        position = (z - (z[0] + 0.5 * cell)) / cell
        left = np.clip(np.floor(position).astype(np.intp), 0, fine_count - 2)
        fraction = position - left
        back = sparse.csr_matrix(
            (
                np.concatenate([1.0 - fraction, fraction]),
                (np.tile(np.arange(n), 2), np.concatenate([left, left + 1])),
            ),
            shape=(n, fine_count),
        )
        return _sparse_solve_row_norms(_cardinal_matrix(z, fine_z), h, back)
    # centre force of cell a for a unit fine sample at b: h[b - a]. Output row j >= 1 is
    # the mean of cells j p - 1 and j p: g[b - j p]; row 0 extrapolates from cells 0 and 1.
    pad = (2 * _LAYER + 2) * p + 2  # zeros in front: index x of g is g_ext[x + pad]
    g_ext = np.zeros(pad + fine_count)
    g_ext[pad - 1] = 0.5 * h[0]  # g[-1]
    g_ext[pad : pad + fine_count - 1] = 0.5 * (h[1:] + h[:-1])  # g[t], t = 0 .. N' - 2
    g0 = 1.5 * h
    g0[1:] -= 0.5 * h[:-1]  # row 0: g0[b], b = 0 .. N' - 1

    if p == 1:  # no spline: L[j, m] = g[m - j] for j >= 1
        prefix = np.cumsum(g_ext[pad - 1 :] ** 2)  # sum of g[-1 .. t]
        out = np.empty(n)
        out[0] = np.sqrt(np.sum(g0**2))
        out[1:] = np.sqrt(prefix[n - 1 - np.arange(1, n) + 1])
        return out

    fine_z = z[0] + cell * np.arange(fine_count, dtype=np.float64)
    fine_z[-1] = z[-1]
    layer = _LAYER
    reach = layer * p  # cardinal functions are taken as zero beyond `layer` input steps
    # Cardinal functions of the input spline. Each decays like (2 - sqrt 3)^|k| from its node
    # and feels a grid end only through the same factor, so a spline through a piece of
    # 4 layers of the grid around it gives the same values to rounding (1e-36).
    piece = 4 * layer
    unit = np.zeros(piece + 1)
    unit[2 * layer] = 1.0
    middle = n // 2
    nodes = slice(middle - 2 * layer, middle + 2 * layer + 1)
    q = CubicSpline(z[nodes], unit)(fine_z[middle * p - reach : middle * p + reach + 1])
    windows = sliding_window_view(g_ext, 2 * reach + 1)  # windows[x + pad - reach] ~ g[x +- reach]

    # bulk columns layer .. n-1-layer: L[j, col] = tau[col - j] (j >= 1),
    # tau[m] = sum_t g[m p + t] q[t], zero for m < -(layer + 1)
    low = -(layer + 1)
    m = np.arange(low, n - 1 - layer)
    tau = windows[m * p + pad - reach] @ q
    prefix = np.concatenate([[0.0], np.cumsum(tau**2)])  # prefix[i] = sum tau[low .. low+i-1]
    j = np.arange(1, n)
    first = np.maximum(layer - j, low) - low
    stop = np.maximum(n - 1 - layer - j + 1, low) - low
    total = np.empty(n)
    total[1:] = prefix[np.minimum(stop, m.size)] - prefix[np.minimum(first, m.size)]
    cols = np.arange(layer, n - layer)
    g0_ext = np.concatenate([np.zeros(reach), g0, np.zeros(reach)])
    tau0 = sliding_window_view(g0_ext, 2 * reach + 1)[cols * p] @ q
    total[0] = np.sum(tau0**2)

    # boundary columns: their cardinal functions evaluated where they are above rounding
    near_width = (2 * layer) * p + 1  # fine samples 0 .. near_width-1
    units = np.zeros((piece, layer))
    units[np.arange(layer), np.arange(layer)] = 1.0
    near_q = CubicSpline(z[:piece], units, axis=0)(fine_z[:near_width])  # (W, layer)
    near_rows = np.arange(1, (near_width + 1) // p + 2)
    near_g = g_ext[pad + np.arange(near_width)[None, :] - p * near_rows[:, None]]
    total[near_rows] += np.sum((near_g @ near_q) ** 2, axis=1)
    total[0] += np.sum((g0[:near_width] @ near_q) ** 2)

    far_start = fine_count - near_width
    far_q = CubicSpline(z[n - piece :], units[::-1, ::-1], axis=0)(fine_z[far_start:])
    far_g = g_ext[pad + far_start + np.arange(near_width)[None, :] - p * j[:, None]]
    total[1:] += np.sum((far_g @ far_q) ** 2, axis=1)
    total[0] += np.sum((g0[far_start:] @ far_q) ** 2)
    return np.sqrt(total)


# --------------------------------------------------------------------------------------------
# matrix method on a resampled grid (section 6a)
# --------------------------------------------------------------------------------------------


def _cardinal_matrix(
    nodes: NDArray[np.float64], points: NDArray[np.float64], block: int = 256
) -> sparse.csc_matrix:
    """Sparse ``C[i, c]`` = value at ``points[i]`` of the not-a-knot cubic spline through
    ``nodes`` with data ``e_c`` (column ``c`` of the identity).

    The cardinal functions decay like ``(2 - sqrt 3)^k`` with the number of nodes ``k`` from
    their own, and feel the grid's ends only through the same factor: each block of columns
    is computed from a spline through its nodes plus ``2 _LAYER`` on either side, and kept
    within ``_LAYER`` nodes of its own node (the rest is below rounding). ``points`` must be
    sorted; points beyond the last node (extrapolation) belong to the last columns' window.
    """
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    count = nodes.size
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    values: list[NDArray[np.float64]] = []
    layer = _LAYER
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


def _sparse_solve_row_norms(
    resample: sparse.csc_matrix, h: NDArray[np.float64], back: sparse.csr_matrix
) -> NDArray[np.float64]:
    """Row norms of ``L = P H Q`` for sparse ``Q`` (N' x N, ``resample``) and ``P`` (rows x N',
    ``back``) and the causal Toeplitz ``H`` of first column ``h`` (force at ``a`` is
    ``sum_(b >= a) h[b - a] y[b]``), applied by FFT to blocks of ``Q``'s columns, each cut
    to the samples its columns reach."""
    count, n = resample.shape
    total = np.zeros(back.shape[0])
    columns = max(1, _BLOCK_ELEMENTS // count)
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


def _resampled_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_resampled`: ``L = P H Q`` with the spline
    resampling ``Q`` and the spline back ``P`` as sparse (banded to rounding) matrices and
    the causal Toeplitz solve ``H`` as one FFT correlation per block of columns, cut to the
    part of the resampled grid that a block's columns reach. Exact; O(N N' log N') time.
    None if the options are not the method's."""
    if set(options) - {"alpha_min", "solver"} or z.size < 4 * _LAYER + 8:
        return None
    solver = _solver_option(options)
    minimum = _alpha_min(options.get("alpha_min", 50))
    n = z.size
    mean_step = (z[-1] - z[0]) / (n - 1)
    alpha = max(matrix_alpha(amplitude, mean_step), minimum)
    step = amplitude / alpha
    count = math.floor((z[-1] - z[0]) / step * (1.0 + 1e-12)) + 1
    resampled_z = z[0] + step * np.arange(count, dtype=np.float64)
    if count < 4 * _LAYER + 8:
        return None
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA)
    h = _impulse_response(weights, count, use_fft, fast=True)
    inside = z <= resampled_z[-1] + _END_TOLERANCE * step
    resample = _cardinal_matrix(z, resampled_z)  # Q: (N', N)
    back = _cardinal_matrix(resampled_z, z[inside]).tocsr()  # P: (N inside, N')
    out = np.full(n, np.nan)
    out[inside] = _sparse_solve_row_norms(resample, h, back)
    return out


# --------------------------------------------------------------------------------------------
# any linear method: responses to unit vectors
# --------------------------------------------------------------------------------------------


def _generic_row_norms(
    method: Method,
    z: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
    options: dict[str, Any],
) -> NDArray[np.float64]:
    """Row norms of ``L`` from its columns (the method applied to batches of unit vectors)."""
    n = z.size
    rows = max(1, min(_GENERIC_BLOCK, _BLOCK_ELEMENTS // n))
    total = np.zeros(n)
    offset = method(z, np.ones(n), amplitude, k, f0, **options)
    for start in range(0, n, rows):
        count = min(rows, n - start)
        unit = np.zeros((count, n))
        unit[np.arange(count), start + np.arange(count)] = 1.0
        with warnings.catch_warnings():  # the call for `offset` has warned already
            warnings.simplefilter("ignore")
            # unit vectors plus a constant, minus the response to the constant: a unit
            # vector's spline has tails ~1e-30 whose dynamic range the FFT solver's
            # rescaling cannot handle; the offset makes every input flat, like noise
            columns = method(z, unit + 1.0, amplitude, k, f0, **options) - offset
        total += np.einsum("ij,ij->j", columns, columns)
    return np.sqrt(total)


def force_noise(
    method: str | Method,
    z: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    df_noise: float,
    **options: Any,
) -> NDArray[np.float64]:
    """Standard deviation of the deconvolved force for white frequency-shift noise.

    docs/physics.md section 7: every method is linear, ``F = L df``; for independent noise of
    rms ``df_noise`` on each sample, ``std(F_j) = df_noise * ||row j of L||_2``. This is exact
    for the method's discrete operator (not a Monte Carlo estimate) and no ``N x N`` matrix
    is formed: the rows' norms follow from the operator's structure (Toeplitz for the matrix
    method, one shifted coefficient sequence plus exact end terms for Sader-Jarvis, banded
    spline operators around a Toeplitz solve for the exact-weights matrix method); methods
    with a resampling step (``matrix_resampled``, ``matrix_exact`` on a non-uniform grid) use
    sparse spline matrices around an FFT solve, exact but O(N N' log N') time (about 1 s at
    N = 5000); anything else falls back to the method's responses to batches of unit vectors.

    Parameters
    ----------
    method : str or Method
        A registered method name (a key of :data:`fmdecon.METHODS`) or a ``Method`` entry.
    z : array_like
        Lower turnaround points [m], strictly increasing, as for the method.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    df_noise : float
        rms of the white (sample-to-sample independent) frequency-shift noise [Hz], >= 0.
    **options
        Keyword options of the method (e.g. ``solver``, ``upsample``, ``alpha_min``).

    Returns
    -------
    numpy.ndarray
        Standard deviation of the force [N] at each ``z``; NaN where the method's force is
        undefined (the last three points of Sader-Jarvis, all points when the method's system
        is singular, points beyond the resampled grid of ``matrix_resampled``).

    Raises
    ------
    ValueError
        For an unknown method name, ``df_noise < 0``, or input the method itself rejects
        (e.g. a non-uniform grid for the matrix method).
    """
    entry = _method(method)
    sigma = _noise_level(df_noise)
    z = grid(z)
    amplitude, k, f0 = sensor(amplitude, k, f0)
    norms = None
    if entry.function is sader_jarvis and not options:
        norms = _sj_row_norms(z, amplitude, k, f0)
    elif entry.function is matrix_method and set(options) <= {"solver"}:
        norms = _matrix_row_norms(z, amplitude, k, f0, options)
    elif entry.function is matrix_exact:
        norms = _exact_row_norms(z, amplitude, k, f0, options)
    elif entry.function is matrix_resampled:
        norms = _resampled_row_norms(z, amplitude, k, f0, options)
    if norms is None:
        norms = _generic_row_norms(entry, z, amplitude, k, f0, options)
    return sigma * norms
