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
  phase). On a uniform grid, ``||row i||^2 = p_i H G H^T p_i^T`` with ``p_i`` row ``i`` of
  ``P`` and ``G = Q Q^T``, banded to rounding (cardinal functions). Away from the ends of the
  resampled grid ``p_i`` is the bulk cubic spline: four B-spline taps, weighted by the row's
  phase, of one filter ``sigma``, so ``H^T p_i^T`` is four shifts of one sequence
  ``m = sigma * h`` and the squared norms are 4 x 4 combinations of the sequences
  ``K[s, s + e] = m_s^T G m_(s+e)``, ``e = 0 .. 3``. Written with ``G``'s diagonals, each is a
  sum of correlations of a diagonal with a product ``m[k] m[k + v]``: FFTs of every diagonal
  and every product, multiplied and summed in the frequency domain, four inverse FFTs. ``G``'s
  diagonals are, in the bulk, polynomials in the phase of the resampled points (closed form)
  and, in its two corners (not-a-knot ends), exact values from the cardinal functions near a
  grid end; the rows within 32 resampled steps of either end, where ``P`` is not the bulk
  spline, are computed one by one (exact rows of ``P``; FFT solve; ``Q^T`` as B-spline values,
  prefilter and end corrections). Exact: it agrees with the sparse computation below to
  ~1e-13 (N ~ 1000) to ~6e-13 (N = 5000), the size of the rounding of the method's own grid
  points (``z_1 + t d'`` in floating point, ~1e-12 d at N = 5000; ~1e-10 for a grid at
  z ~ 1 um with pm steps, whose own rounding is that large). It costs about
  75 d/d' + 12 FFTs of length 2N' (d, d' the input and resampled steps): ~10 ms at N = 5000
  when A/d >= 50 (d' ~ d), ~40 ms at A = 20 pm (A/d = 21, d' = 0.42 d). On a
  non-uniform grid, and where the resampled grid is so much finer than the input that this
  would cost more (d' < ~75 d / N), ``Q`` and ``P`` are built as sparse matrices (cardinal
  functions cut where they are below rounding) and ``H`` is applied to blocks of ``Q``'s
  columns by FFT: exact, but O(N N' log N') time (N' the resampled length), about 0.6-1.3 s
  at N = 5000. The same sparse computation serves section 6b on a non-uniform grid (``P`` is
  then the linear interpolation from the cell centres, two entries a row);
* anything else (options the shortcuts do not know, short grids, methods registered
  later): the columns of ``L`` are the method's responses to unit vectors, computed in
  batched blocks and accumulated (exact, O(N) calls' work, O(N) memory per block).
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings
from typing import Any, NamedTuple

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

# Cubic splines on a uniform lattice, as B-splines (matrix_resampled on a uniform grid): a
# spline through data y is sum_k c_k beta3(x - k) with c = sigma * y in the bulk, where
# sigma_k = sqrt(3) (sqrt(3) - 2)^|k| inverts the B-spline's node values 1/6, 2/3, 1/6.
_POLE = math.sqrt(3.0) - 2.0
#: sigma is cut at |k| <= _SPAN (1e-23 relative).
_SPAN = 40
_PREFILTER = math.sqrt(3.0) * _POLE ** np.abs(np.arange(-_SPAN, _SPAN + 1))
#: tau_s = sum_k sigma_k sigma_(k+s) at index s + 2 _SPAN: the Gram sequence of the cardinal
#: functions' B-spline coefficients.
_PREFILTER_GRAM = np.correlate(_PREFILTER, _PREFILTER, "full")
#: beta3(f - j), j = -1, 0, 1, 2 (rows), on f in [0, 1]: coefficients of 1, f, f^2, f^3.
_BSPLINE = np.array([[1, -3, 3, -1], [4, 0, -6, 3], [1, 3, 3, -3], [0, 0, 0, 1]]) / 6.0
#: Input points within this many resampled steps of an end of the resampled grid are end
#: rows, computed one by one; elsewhere the spline back is the bulk one (to ~1e-18).
_END_ROWS = _LAYER
#: Input steps from an end within which two resampled points must both lie for the Gram
#: matrix of the resampling spline to differ from its bulk form (by ~(2 - sqrt 3)^40).
_CORNER = 40
#: Input (or resampled) steps beyond which a cardinal function, with its end effects, is
#: below ~1e-22.
_REACH = 40
#: Diagonals of that Gram matrix are kept while they may exceed this fraction of its diagonal.
_DIAGONAL_CUT = 1e-16
#: numpy >= 2 transforms into a given array (numpy.fft.rfft(..., out=)).
_FFT_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


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


class _Resampling(NamedTuple):
    """The resampled grid of :func:`fmdecon.matrix_resampled` and its solve, as the method
    computes them: step ``d'``, ``count`` points ``z_1 + t d'`` and the impulse response ``h``
    (force at resampled point ``a`` for a unit frequency shift at ``b >= a``: ``h[b - a]``)."""

    step: float
    count: int
    h: NDArray[np.float64]


def _resampling(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> _Resampling | None:
    """The method's resampled grid and impulse response; None if the options are not the
    method's or either grid is too short for the spline matrices' blocks."""
    if set(options) - {"alpha_min", "solver"} or z.size < 4 * _LAYER + 8:
        return None
    solver = _solver_option(options)
    minimum = _alpha_min(options.get("alpha_min", 50))
    mean_step = (z[-1] - z[0]) / (z.size - 1)
    alpha = max(matrix_alpha(amplitude, mean_step), minimum)
    step = amplitude / alpha
    count = math.floor((z[-1] - z[0]) / step * (1.0 + 1e-12)) + 1
    if count < 4 * _LAYER + 8:
        return None
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA)
    return _Resampling(step, count, _impulse_response(weights, count, use_fft, fast=True))


def _resampled_sparse_row_norms(
    z: NDArray[np.float64], resampling: _Resampling
) -> NDArray[np.float64]:
    """Row norms for :func:`fmdecon.matrix_resampled` on any grid: ``L = P H Q`` with the
    spline resampling ``Q`` and the spline back ``P`` as sparse (banded to rounding) matrices
    and the causal Toeplitz solve ``H`` as one FFT correlation per block of columns, cut to
    the part of the resampled grid that a block's columns reach. Exact; O(N N' log N') time
    (0.6-1.3 s at N = 5000)."""
    step, count, h = resampling
    resampled_z = z[0] + step * np.arange(count, dtype=np.float64)
    inside = z <= resampled_z[-1] + _END_TOLERANCE * step
    resample = _cardinal_matrix(z, resampled_z)  # Q: (N', N)
    back = _cardinal_matrix(resampled_z, z[inside]).tocsr()  # P: (N inside, N')
    out = np.full(z.size, np.nan)
    out[inside] = _sparse_solve_row_norms(resample, h, back)
    return out


def _bspline_weights(phase: NDArray[np.float64]) -> NDArray[np.float64]:
    """``beta3(f - j)``, ``j = -1, 0, 1, 2`` (last axis), at phases ``f`` in [0, 1]."""
    c = _BSPLINE
    return np.stack(
        [((c[j, 3] * phase + c[j, 2]) * phase + c[j, 1]) * phase + c[j, 0] for j in range(4)],
        axis=-1,
    )


def _shifted_bsplines(shift: NDArray[np.float64]) -> NDArray[np.float64]:
    """Coefficients of ``beta3(x + shift_m - j)`` in ascending powers of ``x``: (m, 4, 4)."""
    shift = np.asarray(shift, dtype=np.float64)
    power = np.arange(4)[:, None] - np.arange(4)[None, :]  # p - q for (x + s)^p -> x^q
    binomial = np.array([[math.comb(p, q) for q in range(4)] for p in range(4)], dtype=float)
    factor = binomial * shift[:, None, None] ** np.maximum(power, 0) * (power >= 0)
    return np.einsum("jp,mpq->mjq", _BSPLINE, factor)


@functools.lru_cache(maxsize=16)
def _unit_cardinals(columns: int) -> Any:
    """The not-a-knot spline through the unit lattice ``0 .. columns + 2 _LAYER - 1`` with
    data ``e_c``, ``c < columns``: at ``x`` (in steps) it gives the cardinal functions of the
    first ``columns`` nodes of any long uniform grid, and, mirrored, of its last nodes, to
    rounding for ``x`` up to ``columns - _REACH`` (the grid's far end acts through
    ``(2 - sqrt 3)^(2 _LAYER)``)."""
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    nodes = columns + 2 * _LAYER
    units = np.zeros((nodes, columns))
    units[np.arange(columns), np.arange(columns)] = 1.0
    return CubicSpline(np.arange(nodes, dtype=np.float64), units, axis=0)


def _bulk_cardinals(points: NDArray[np.float64], columns: int) -> NDArray[np.float64]:
    """Cardinal functions of the infinite unit lattice, ``phi(x - c)`` for ``c < columns``:
    ``sum_j beta3(x - m - j) sigma(m + j - c)`` with ``m = floor(x)``."""
    cell = np.floor(points).astype(np.intp)
    lag = (cell[:, None] + np.arange(-1, 3))[:, :, None] - np.arange(columns)  # (P, 4, c)
    taps = np.where(np.abs(lag) <= _SPAN, _PREFILTER[np.clip(lag, -_SPAN, _SPAN) + _SPAN], 0.0)
    return np.einsum("pj,pjc->pc", _bspline_weights(points - cell), taps)


def _gram_polynomials(ratio: float, width: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Diagonals ``u = 0 .. width`` of the Gram matrix ``G = Q Q^T`` of the bulk resampling
    spline as polynomials in the phase: ``coefficients[e, u, s]`` of ``(f_b - 1/2)^s`` for
    ``G[b, b + u]`` where ``f_b < 1 - rest[u]`` (``e = 0``) and elsewhere (``e = 1``).

    Resampled point ``b`` lies at ``x_b = b ratio`` on the input lattice, in cell ``n_b`` at
    phase ``f_b``. In B-spline form ``Q[b, n] = sum_j beta3(f_b - j) sigma(n_b + j - n)``,
    so ``G[b, b'] = sum_(j, j') beta3(f_b - j) beta3(f_b' - j') tau(n_b + j - n_b' - j')``.
    Along diagonal ``u`` (``u ratio = D + rest``, ``D`` an integer, ``0 <= rest < 1``), the
    cell steps by ``D + e`` and ``f_(b+u) = f_b + rest - e``: a polynomial of degree 6 in
    ``f_b`` for each ``e``, in closed form."""
    u = np.arange(width + 1)
    base = np.floor(u * ratio)
    rest = u * ratio - base
    own = _shifted_bsplines(np.array([0.5]))[0]  # beta3(x + 1/2 - j) in powers of x
    lags = np.arange(4)[:, None] - np.arange(4)[None, :]
    coefficients = np.zeros((2, width + 1, 7))
    for extra in (0, 1):
        partner = _shifted_bsplines(rest - extra + 0.5)  # beta3(f_(b+u) - j') in powers of x
        delta = base.astype(np.intp) + extra
        tau = _PREFILTER_GRAM[lags[None] - delta[:, None, None] + 2 * _SPAN]
        product = np.einsum("jp,ujk,ukq->upq", own, tau, partner)
        for p in range(4):
            coefficients[extra, :, p : p + 4] += product[:, p]
    return coefficients, rest


def _gram_diagonals(
    phase: NDArray[np.float64],
    powers: NDArray[np.float64],
    polynomials: tuple[NDArray[np.float64], NDArray[np.float64]],
    first: int,
    out: NDArray[np.float64],
) -> None:
    """Diagonals ``u = first .. first + len(out) - 1`` of the bulk Gram matrix (see
    :func:`_gram_polynomials`) written to ``out[u - first, b] = G[b, b + u]`` for
    ``b < count = phase.size``, zero where ``b + u >= count`` (the rest of ``out`` is left
    alone); ``powers[s] = (phase - 1/2)^s``."""
    count = phase.size
    coefficients, rest = polynomials
    stop = first + out.shape[0]
    target = out[:, :count]
    second = np.empty_like(target)  # the diagonals where the cell steps by D + 1
    block = max(1, 65536 // out.shape[0])  # columns per product: small (one BLAS thread)
    for start in range(0, count, block):
        columns = slice(start, start + block)
        np.matmul(coefficients[0, first:stop], powers[:, columns], out=target[:, columns])
        np.matmul(coefficients[1, first:stop], powers[:, columns], out=second[:, columns])
    np.copyto(target, second, where=phase[None, :] >= 1.0 - rest[first:stop, None])
    for row, diagonal in enumerate(range(first, stop)):
        if diagonal:
            target[row, count - diagonal :] = 0.0


def _smooth_size(minimum: int) -> int:
    """A length >= minimum of the form m 2^k, m in (1, 3, 5, 9): fast for pocketfft."""
    return min(m << max(0, math.ceil(math.log2(minimum / m))) for m in (1, 3, 5, 9))


def _rfft_into(x: NDArray[np.float64], out: NDArray[np.complex128]) -> None:
    """``out[...] = rfft(x)`` along the last axis, without a temporary where numpy can."""
    if _FFT_OUT:
        np.fft.rfft(x, out=out)
    else:  # numpy < 2
        out[...] = fft.rfft(x)


def _irfft_into(x: NDArray[np.complex128], size: int, out: NDArray[np.float64]) -> None:
    """``out[...] = irfft(x, size)`` along the last axis, as :func:`_rfft_into`."""
    if _FFT_OUT:
        np.fft.irfft(x, size, out=out)
    else:  # numpy < 2
        out[...] = fft.irfft(x, size)


def _start_row_norms(
    h: NDArray[np.float64],
    n: int,
    ratio: float,
    back: NDArray[np.float64],
    start_fix: NDArray[np.float64],
    far_fix: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Norms of rows ``p_i H Q`` of ``L`` for rows ``p_i`` of the spline back given on the
    first resampled points (``back``: rows x columns); ``start_fix`` and ``far_fix`` are the
    exact minus the bulk rows of ``Q`` for the first resampled points and, mirrored (row
    ``t`` for point ``N' - 1 - t``, column ``c`` for input point ``N - 1 - c``), the last,
    with at most ``N / 2`` columns.

    ``H^T p_i`` by FFT convolution, then its B-spline coefficients ``y = E^T H^T p_i`` on the
    input lattice (``E`` the B-spline values at the resampled points, sparse). The bulk row
    of ``L`` is ``sigma * y``: its norm over all integers by Parseval, less its values beyond
    the grid, plus the corrections of ``Q`` at both ends. In blocks of rows."""
    count = h.size
    columns = back.shape[1]
    length = _smooth_size(count + columns)
    solve = fft.rfft(h, length)
    position = np.arange(count) * ratio
    cell = np.minimum(np.floor(position).astype(np.intp), n - 2)
    evaluate = sparse.csr_matrix(
        (
            _bspline_weights(position - cell).ravel(),
            (cell[:, None] + np.arange(4)).ravel(),
            np.arange(0, 4 * count + 1, 4),
        ),
        shape=(count, n + 2),
    ).T  # B-spline values at the resampled points (coefficient k at index k + 1), transposed
    size = _smooth_size(n + 2 + 2 * _SPAN)  # holds sigma * y (indices -1 - span .. n + span)
    prefilter = np.zeros(size)
    prefilter[: _SPAN + 1] = _PREFILTER[_SPAN:]
    prefilter[size - _SPAN :] = _PREFILTER[:_SPAN]
    weight = np.abs(fft.rfft(prefilter)) ** 2 * (2.0 / size)
    weight[[0, -1]] /= 2.0  # sum over all frequencies of |y^ sigma^|^2 / size
    # sigma * y at input points -1 - span .. fix_columns - 1 from coefficients -1 .. reach - 2
    fix_columns = max(start_fix.shape[1], far_fix.shape[1])
    reach = fix_columns + _SPAN + 1
    lag = np.arange(-_SPAN - 1, fix_columns)[:, None] - np.arange(-1, reach - 1)[None, :]
    ends = np.where(np.abs(lag) <= _SPAN, _PREFILTER[np.clip(lag, -_SPAN, _SPAN) + _SPAN], 0.0)
    block = 8
    forces_in = np.zeros((block, length))
    spectra = np.empty((block, length // 2 + 1), dtype=complex)
    forces_out = np.empty((block, length))
    coefficients = np.zeros((block, size))
    transformed = np.empty((block, size // 2 + 1), dtype=complex)
    far = count - 1 - np.arange(far_fix.shape[0])
    out = np.empty(back.shape[0])
    for first in range(0, back.shape[0], block):
        rows = min(block, back.shape[0] - first)
        forces_in[:rows, :columns] = back[first : first + rows]
        _rfft_into(forces_in[:rows], spectra[:rows])
        spectra[:rows] *= solve
        _irfft_into(spectra[:rows], length, forces_out[:rows])
        forces = forces_out[:rows, :count]  # H^T p_i
        coefficients[:rows, : n + 2] = (evaluate @ np.ascontiguousarray(forces.T)).T
        _rfft_into(coefficients[:rows], transformed[:rows])
        total = (transformed[:rows].real ** 2 + transformed[:rows].imag ** 2) @ weight
        for fix, values in (
            (forces[:, : start_fix.shape[0]] @ start_fix, coefficients[:rows, :reach]),
            (forces[:, far] @ far_fix, coefficients[:rows, n + 1 :: -1][:, :reach]),
        ):  # the start, and the far end mirrored
            bulk = values @ ends.T  # sigma * y at points -1 - span .. fix_columns - 1
            inside = bulk[:, _SPAN + 1 : _SPAN + 1 + fix.shape[1]]
            total += np.sum(fix * (2.0 * inside + fix), axis=1)
            total -= np.sum(bulk[:, : _SPAN + 1] ** 2, axis=1)  # beyond the grid's end
        out[first : first + rows] = np.sqrt(total)
    return out


def _resampled_uniform_row_norms(
    z: NDArray[np.float64], resampling: _Resampling
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_resampled` on a uniform grid, exact, in about
    O(N'^2/N log N') time; None where the grid is too short for the end layers or the
    sparse computation is cheaper (resampled grids much finer than the input).

    Notation (input steps for ``x``, resampled steps for ``t``): ``ratio = d'/d``; resampled
    point ``b`` at ``x_b = b ratio``; input point ``i`` at ``t_i = a_i + g_i`` on the
    resampled grid. ``L = P H Q`` and ``var_i = p_i H G H^T p_i`` with ``p_i`` row ``i`` of
    ``P`` and ``G = Q Q^T`` (banded to rounding).

    * Bulk rows (``_END_ROWS <= t_i <= N' - 1 - _END_ROWS``): the spline back is the bulk
      B-spline form ``p_i[a] = sum_j beta3(g_i - j) sigma(a_i + j - a)``, so
      ``H^T p_i = sum_j beta3(g_i - j) m(. - a_i - j)`` with ``m = sigma * h`` and
      ``var_i = sum_(j, j') beta3(g_i - j) beta3(g_i - j') K[a_i + j, a_i + j']``,
      ``K[s, s + e] = sum_(b, b') m[b - s] G[b, b'] m[b' - s - e]`` for ``e = 0 .. 3``.
      With ``G``'s diagonals ``c_u[b] = G[b, b + u]`` and products
      ``pi_v[k] = m[k] m[k + v]``, ``K[s, s + e] = sum_(u >= 0) (c_u * pi_(u-e))[s]
      + sum_(u >= 1) (c_u * pi_(u+e))[s + e]`` (``*`` a correlation): one FFT of every
      diagonal and every product, multiply-accumulate in the frequency domain, four inverse
      FFTs. The diagonals are ``G``'s bulk form (:func:`_gram_diagonals`) except in its two
      corners, where they are the exact ``Q Q^T`` (not-a-knot ends) from the cardinal
      functions near a grid end (:func:`_unit_cardinals`).
    * End rows (``t_i`` within ``_END_ROWS`` of an end): exact rows of ``P`` from the same
      cardinal functions; near the far end the whole row of ``L`` lives on the last
      ``_END_ROWS + _REACH`` samples (small dense products); near the start ``H^T p_i`` is
      an FFT convolution and ``Q^T`` the B-spline evaluation (sparse), the prefilter
      ``sigma`` (FFT) and the not-a-knot corrections of ``Q`` in its corners.
    """
    step, count, h = resampling
    n = z.size
    spacing = (z[-1] - z[0]) / (n - 1)
    ratio = step / spacing
    last = z[0] + step * (count - 1)  # the last resampled point, as the method has it
    inside = z <= last + _END_TOLERANCE * step
    # diagonals of G kept: |tau| at the distance of diagonal u, less a B-spline's 4 steps
    tail = np.maximum.accumulate(np.abs(_PREFILTER_GRAM[2 * _SPAN :])[::-1])[::-1]
    limit = _DIAGONAL_CUT * _PREFILTER_GRAM[2 * _SPAN]
    width = 0
    while tail[min(max(math.floor((width + 1) * ratio) - 4, 0), tail.size - 1)] > limit:
        width += 1
    band = _END_ROWS + _REACH  # resampled samples that an end row's column of P reaches
    # input (and resampled) nodes whose cardinal functions are tabulated near an end; a
    # multiple of 16, so that few tables serve many amplitudes
    columns = 16 * math.ceil((max(_CORNER, band * ratio + 1) + _REACH) / 16)
    # the sparse computation costs ~N N' and this one ~2 width N' (both times log N')
    if min(n, count) < columns + 2 * _LAYER or count < 2 * band + width or 2 * width > n:
        return None

    # cardinal functions near the ends: rows of Q (Gram corners; Q's corrections), rows of P
    corner_start = math.ceil(_CORNER / ratio)  # resampled points with x_b < _CORNER
    near = max(band, corner_start + 2)  # last resampled points, counted from the end
    far_b = count - 1 - np.arange(near)
    mirrored = (z[-1] - (z[0] + step * far_b)) / spacing  # z_N - z'_b in input steps
    corner_far = int(np.count_nonzero(mirrored < _CORNER))
    start_t = (z - z[0]) / step
    end_t = (last - z) / step
    start_rows = np.flatnonzero(start_t < _END_ROWS)
    far_rows = np.flatnonzero(inside & (end_t < _END_ROWS))
    cardinals = _unit_cardinals(columns)(
        np.concatenate(
            [np.arange(corner_start) * ratio, mirrored, start_t[start_rows], end_t[far_rows]]
        )
    )
    q_start, q_far, p_start, p_far = np.split(
        cardinals, np.cumsum([corner_start, near, start_rows.size])
    )
    gram_start = q_start @ q_start.T  # exact G on the first corner_start points
    gram_far = q_far[:corner_far] @ q_far[:corner_far].T  # last points, reversed order

    # K[s, s + e] by FFT correlations
    m = np.convolve(h, _PREFILTER)[: count + _SPAN]  # m[k] at index k + _SPAN
    length = count + _SPAN
    size = _smooth_size(2 * count + 4)
    padded = np.concatenate([np.zeros(3), m, np.zeros(width + 4)])
    shifted = sliding_window_view(padded, length)  # shifted[v + 3][q] = m at index q + v
    position = np.arange(count) * ratio
    phase = position - np.floor(position)
    powers = np.vander(phase - 0.5, 7, increasing=True).T.copy()
    polynomials = _gram_polynomials(ratio, width)
    # small chunks of diagonals: the working arrays stay in the cache and are reused
    chunk = min(width + 1, max(8, 100_000 // size))
    diagonals = np.zeros((chunk, size))
    products = np.zeros((chunk + 6, size))
    sums = np.zeros((7, size // 2 + 1), dtype=complex)  # sum_u conj(c_u^) pi_(u+lag-3)^
    terms = np.empty_like(sums)
    transformed = np.empty((chunk + 6, size // 2 + 1), dtype=complex)
    spectra_buffer = np.empty((chunk, size // 2 + 1), dtype=complex)
    for first in range(0, width + 1, chunk):
        rows = min(chunk, width + 1 - first)
        _gram_diagonals(phase, powers, polynomials, first, diagonals[:rows])
        for row, u in enumerate(range(first, first + rows)):
            if u < corner_start:
                diagonals[row, : corner_start - u] = np.diagonal(gram_start, u)
            if u < corner_far:
                diagonals[row, count - corner_far : count - u] = np.diagonal(gram_far, u)[::-1]
        spectra = spectra_buffer[:rows]
        _rfft_into(diagonals[:rows], spectra)
        np.conjugate(spectra, out=spectra)
        # transforms of pi_v, v = first - 3 .. first + rows + 2 (the first 6 are kept from
        # the previous chunk)
        if first == 0:
            np.multiply(shifted[: rows + 6], m, out=products[: rows + 6, :length])
            _rfft_into(products[: rows + 6], transformed[: rows + 6])
            zero_terms = spectra[0] * transformed[3:7]  # the second sum runs over u >= 1
        else:
            transformed[:6] = transformed[chunk : chunk + 6]
            np.multiply(shifted[first + 6 : first + rows + 6], m, out=products[:rows, :length])
            _rfft_into(products[:rows], transformed[6 : rows + 6])
        for row in range(rows):  # sums[lag] += conj(c_u^) pi_(u+lag-3)^, lag = 0 .. 6
            np.multiply(spectra[row], transformed[row : row + 7], out=terms)
            sums += terms
    twiddle = np.exp(-2j * np.pi / size * np.arange(size // 2 + 1)) ** np.arange(4)[:, None]
    forms = sums[3::-1] + (sums[3:] - zero_terms) * twiddle
    kernel = fft.irfft(forms, size)[:, (_SPAN - np.arange(count)) % size]  # K[s, s + e]

    out = np.full(n, np.nan)
    bulk = np.flatnonzero(inside & (start_t >= _END_ROWS) & (end_t >= _END_ROWS))
    cell = np.floor(start_t[bulk]).astype(np.intp)
    weights = _bspline_weights((z[bulk] - (z[0] + step * cell)) / step)
    cell -= 1
    total = np.zeros(bulk.size)
    for j in range(4):
        total += weights[:, j] ** 2 * kernel[0, cell + j]
        for other in range(j + 1, 4):
            total += 2.0 * weights[:, j] * weights[:, other] * kernel[other - j, cell + j]
    out[bulk] = np.sqrt(total)

    # rows near the far end: everything within the last `band` resampled samples
    delay = np.arange(columns)[None, :] - np.arange(band)[:, None]
    solve = np.where(delay >= 0, h[np.clip(delay, 0, count - 1)], 0.0)  # h[a' - b'], mirrored
    far_values = q_far[:band].T @ (solve @ p_far.T)  # (columns, far rows)
    out[far_rows] = np.sqrt(np.einsum("ij,ij->j", far_values, far_values))

    # rows near the start: over the whole grid
    # Q's not-a-knot corrections: rows and columns within _CORNER, _REACH steps of an end
    start_fix = q_start[:, :_REACH] - _bulk_cardinals(np.arange(corner_start) * ratio, _REACH)
    far_fix = q_far[:corner_far, :_REACH] - _bulk_cardinals(mirrored[:corner_far], _REACH)
    out[start_rows] = _start_row_norms(h, n, ratio, p_start, start_fix, far_fix)
    return out


def _resampled_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_resampled`: by FFT correlations on a uniform grid
    (:func:`_resampled_uniform_row_norms`, for grids uniform to rounding), else by sparse
    spline matrices
    (:func:`_resampled_sparse_row_norms`). None if the options are not the method's or the
    grid is too short."""
    resampling = _resampling(z, amplitude, k, f0, options)
    if resampling is None:
        return None
    norms = _resampled_uniform_row_norms(z, resampling) if _lattice(z) else None
    return norms if norms is not None else _resampled_sparse_row_norms(z, resampling)


def _lattice(z: NDArray[np.float64]) -> bool:
    """True if ``z`` is uniform to the rounding of its own values (as ``numpy.linspace``
    makes it): the structured computation assumes an exact lattice, and a grid that is only
    nearly uniform (values rounded to a few digits, jitter) goes the sparse, exact way."""
    step = (z[-1] - z[0]) / (z.size - 1)
    rounding = 16.0 * np.finfo(np.float64).eps * float(np.max(np.abs(z)))
    return bool(np.max(np.abs(np.diff(z) - step)) <= max(1e-11 * step, rounding))


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
    spline operators around a Toeplitz solve for the exact-weights matrix method; for
    ``matrix_resampled`` on a uniform grid, FFT correlations of the diagonals of the
    resampling spline's Gram matrix with products of the solve's filtered impulse response,
    plus the rows near the ends one by one: about 10 ms at N = 5000 for A/d >= 50, about
    40 ms at A/d ~ 20, where the resampled grid is 2.4 times finer). ``matrix_resampled`` on a
    non-uniform grid (or with a resampled step below ~75/N input steps) and ``matrix_exact`` on
    a non-uniform grid use sparse spline matrices around an FFT solve, exact but
    O(N N' log N') time (about 1 s at N = 5000); anything else falls back to the method's
    responses to batches of unit vectors.

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
