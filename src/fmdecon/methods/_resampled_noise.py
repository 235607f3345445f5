"""Exact noise of :func:`fmdecon.matrix_resampled` (docs/physics.md section 7): the
``row_norms`` capability of its registry entry, beside the method's operator.

The method on a resampled grid (section 6a): ``L = P H Q`` again, but the resampled grid is in
general incommensurate with the input grid, so ``L`` is not Toeplitz (each row has its own
phase). On a uniform grid, ``||row i||^2 = v_i^T G v_i`` with ``v_i = H^T p_i^T`` (``p_i``
row ``i`` of ``P``) and ``G = Q Q^T``, banded to rounding (``w ~ 32 d/d'`` diagonals; d,
d' the input and resampled steps). In B-spline form ``p_i`` is four taps, weighted by the
row's phase, of the prefilter ``sigma`` plus the not-a-knot end modes, so ``v_i`` is four
shifts of one sequence ``m = sigma * h`` less two fixed vectors (the prefilter's part
before the grid and the start's modes; the far end's) weighted by ``(2 - sqrt 3)^s``, the
row's distance ``s`` from an end. ``G`` is its bulk form plus a rank-2 term at each end
(the input spline's end modes: ``Q``'s B-spline coefficients are the projection of
``sigma * y`` onto the not-a-knot splines). Along a diagonal the bulk form is a periodic
piecewise polynomial in the phase whose only breaks are where either point crosses an
input node; written by its jumps as Bernoulli functions of either point's phase it is
separable, ``G[b, b + u] = gamma_u + sum_p alpha_pu (X_p[b] + (-1)^p X_p[b + u])``,
``p = 4 .. 7``. So the sums ``K[s, s + e] = m_s^T G m_(s+e)`` (``e = 0 .. 3``), whose
4 x 4 combinations give the squared norms, are four correlations of the phases'
functions ``X_p`` with products of ``m`` and its correlations with the jumps (24 FFTs of
length ~2N' in all, N' the resampled length; ~30 of length N' for the correlations with
the jumps and the ends' terms) and a prefix sum. The part attached to the earlier point
of a pair also counts pairs past the grid's far end: they are taken off row by row (each
row's ``v_i`` on ``2 w`` samples, a ``w x w`` matrix: O(N w^2)). The rows within 40
resampled steps of the far end, where the shifts of ``m`` cancel (the force there depends
on few samples), are computed directly on the last samples. Exact: it agrees with the
sparse computation below to ~1e-13 (N ~ 1000) to ~1e-12 (N = 5000: 4e-13 to 9e-13 at
A = 20 .. 500 pm, the worst in the last rows), the size of the rounding of the grids'
own points (``z_1 + t d'`` and ``z`` in floating point, ~1e-12 d at N = 5000; ~1e-10 for
a grid at z ~ 1 um with pm steps, whose own rounding is that large): it takes the
resampled points as a lattice through the grids' ends and the rows' phases as the spline
back finds them. It costs O(N' log N' + N w^2); at N = 5000, with the solve's impulse
response (~1 ms), about 13-16 ms at A = 20 pm (A/d = 21, d' = 0.42 d, w = 83; the earlier
computation, an FFT per diagonal of ``G``, took ~38 ms), 12 ms at 30 pm, 7-9 ms when
A/d >= 50 (d' ~ d) and ~26 ms at 12 pm (d' = 0.25 d). On a non-uniform grid, and where
the resampled grid is so much finer than the input that the band exceeds half the grid
(``2 w > N``, d' < ~70 d / N), ``Q`` and ``P`` are built as sparse matrices (cardinal
functions cut where they are below rounding) and ``H`` is applied to blocks of ``Q``'s
columns by FFT: exact, but O(N N' log N') time, about 1 s at N = 5000 when d' ~ d and
several seconds when d' << d. The same sparse computation serves section 6b on a
non-uniform grid (``P`` is then the linear interpolation from the cell centres, two
entries a row).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy import fft

from fmdecon._validation import is_lattice
from fmdecon.methods._rownorms import (
    cardinal_matrix,
    solver_option,
    sparse_solve_row_norms,
)
from fmdecon.methods._spline import LAYER
from fmdecon.methods._toeplitz import FFT_ALPHA, impulse_response
from fmdecon.methods.matrix import matrix_alpha, matrix_weights
from fmdecon.methods.matrix_resampled import (
    BSPLINE,
    END_TOLERANCE,
    JUMP,
    POLE,
    SPAN,
    alpha_min_option,
    bspline_values,
)

__all__ = ["resampled_row_norms"]

# Cubic splines on a uniform lattice, as B-splines (matrix_resampled on a uniform grid): a
# spline through data y is sum_k c_k beta3(x - k) with c = sigma * y in the bulk, where
# sigma_k = sqrt(3) (sqrt(3) - 2)^|k| inverts the B-spline's node values 1/6, 2/3, 1/6.
_POLE = POLE
#: sigma is cut at |k| <= _SPAN (1e-23 relative).
_SPAN = SPAN
_PREFILTER = math.sqrt(3.0) * _POLE ** np.abs(np.arange(-_SPAN, _SPAN + 1))
#: tau_s = sum_k sigma_k sigma_(k+s) at index s + 2 _SPAN: the Gram sequence of the cardinal
#: functions' B-spline coefficients.
_PREFILTER_GRAM = np.correlate(_PREFILTER, _PREFILTER, "full")
#: beta3(f - j), j = -1, 0, 1, 2 (rows), on f in [0, 1]: coefficients of 1, f, f^2, f^3.
_BSPLINE = BSPLINE
#: Input steps from an end beyond which the end terms of the resampling spline's Gram
#: matrix (its end modes, ~(2 - sqrt 3)^40 ~ 1e-23, and tau's tail) are below rounding.
_REACH = 40
#: Diagonals of that Gram matrix are kept while they may exceed this fraction of its diagonal.
_DIAGONAL_CUT = 1e-16
#: Resampled steps from an end within which the end modes of the spline back and the
#: prefilter's part before the grid (``POLE^s``, ~1e-23 at 40) are above rounding for a row.
_BOUNDARY = 40
#: Multiply-adds below which OpenBLAS keeps a matrix product on one thread (it starts more
#: above 4 * 65536; more threads stall on a shared machine).
_BLAS_SINGLE = 262_144
#: numpy >= 2 transforms into a given array (numpy.fft.rfft(..., out=)).
_FFT_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


# --------------------------------------------------------------------------------------------
# matrix method on a resampled grid (section 6a)
# --------------------------------------------------------------------------------------------


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
    if set(options) - {"alpha_min", "solver"} or z.size < 4 * LAYER + 8:
        return None
    solver = solver_option(options)
    minimum = alpha_min_option(options.get("alpha_min", 50))
    mean_step = (z[-1] - z[0]) / (z.size - 1)
    alpha = max(matrix_alpha(amplitude, mean_step), minimum)
    step = amplitude / alpha
    count = math.floor((z[-1] - z[0]) / step * (1.0 + 1e-12)) + 1
    if count < 4 * LAYER + 8:
        return None
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA)
    return _Resampling(step, count, impulse_response(weights, count, use_fft, fast=True))


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
    inside = z <= resampled_z[-1] + END_TOLERANCE * step
    resample = cardinal_matrix(z, resampled_z)  # Q: (N', N)
    back = cardinal_matrix(resampled_z, z[inside]).tocsr()  # P: (N inside, N')
    out = np.full(z.size, np.nan)
    out[inside] = sparse_solve_row_norms(resample, h, back)
    return out


def _bspline_weights(phase: NDArray[np.float64]) -> NDArray[np.float64]:
    """``beta3(f - j)``, ``j = -1, 0, 1, 2`` (last axis), at phases ``f`` in [0, 1]."""
    return np.moveaxis(bspline_values(phase), 0, -1)


def _bernoulli_table() -> NDArray[np.float64]:
    """Coefficients of ``B_p(1/2 + y) / p!``, ``p = 4 .. 7`` (rows), in ascending powers of
    ``y`` (``B_p`` the Bernoulli polynomials)."""
    numbers = [1.0, -0.5, 1.0 / 6.0, 0.0, -1.0 / 30.0, 0.0, 1.0 / 42.0, 0.0]
    table = np.zeros((4, 8))
    for row, p in enumerate(range(4, 8)):
        in_x = np.polynomial.Polynomial(
            [math.comb(p, p - q) * numbers[p - q] for q in range(p + 1)]
        )  # B_p(x) = sum_q C(p, q) B_(p-q) x^q
        in_y = in_x(np.polynomial.Polynomial([0.5, 1.0])).coef / math.factorial(p)
        table[row, : in_y.size] = in_y
    return table


#: ``B_p(1/2 + y) / p!``, ``p = 4 .. 7``: the periodic Bernoulli functions of the phase into
#: which the bulk Gram diagonals split (:func:`_gram_jumps`).
_BERNOULLI = _bernoulli_table()
#: Jumps of the third derivative of the cubic B-spline at its knots -2 .. 2.
_JUMP = JUMP


def _lattice_phase(
    index: NDArray[np.intp], ratio: float, low: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cell ``floor(index ratio)`` and phase ``index ratio - cell`` of lattice points, to
    ~1e-16 whatever the index, for the step ``ratio + low`` (``low`` below its rounding):
    ``ratio`` is split into halves of 26 bits, and the product with the high half is exact
    for indices below 2^26."""
    index = np.asarray(index, dtype=np.float64)
    split = 134217729.0 * ratio  # 2^27 + 1
    high = split - (split - ratio)
    product = index * high  # exact
    cell = np.floor(product)
    phase = (product - cell) + index * ((ratio - high) + low)
    carry = np.floor(phase)
    return cell + carry, phase - carry


def _bernoulli_phase(phase: NDArray[np.float64]) -> NDArray[np.float64]:
    """``B_p(f) / p!``, ``p = 4 .. 7`` (rows), at phases ``f``."""
    y = phase - 0.5
    out = np.empty((4, y.size))
    for row in range(4):
        c = _BERNOULLI[row]
        value = np.full(y.size, c[7])
        for q in range(6, -1, -1):
            value *= y
            value += c[q]
        out[row] = value
    return out


def _gram_jumps(
    ratio: float, width: int, low: float = 0.0
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The bulk Gram matrix ``G = Q Q^T`` of the resampling spline, diagonal by diagonal, as
    Bernoulli functions of the two points' phases.

    Resampled point ``b`` lies at ``x_b = b ratio`` on the input lattice, at phase ``f_b``;
    in B-spline form ``G[b, b'] = sum_(k, k') beta3(x_b - k) tau(k - k') beta3(x_b' - k')``.
    Along diagonal ``u`` (``delta = u ratio``) this is a periodic function of ``f_b``, a
    cubic spline in each point: polynomial of degree 6 but for jumps of its derivatives 3 to
    6 where ``x_b`` crosses a node (``f_b = 0``) or ``x_(b+u)`` does (``f_(b+u) = 0``). A
    periodic piecewise polynomial is its mean plus its jumps times Bernoulli functions, so

        ``G[b, b + u] = gamma_u + sum_p alpha[p, u] (B_p(f_b) + (-1)^p B_p(f_(b+u))) / p!``

    (``p = 4 .. 7``; the jumps at ``f_(b+u) = 0`` mirror those at ``f_b = 0``). The jump of
    the ``(p-1)``-th derivative at a node comes from the B-spline's third-derivative jumps:
    ``alpha[p, u] = -C(p - 1, 3) sum_k' T4(k') beta3^(p-4)(delta - k')`` with ``T4`` the
    fourth difference of ``tau``; the mean is ``gamma_u = sum_d tau(d) beta7(delta + d)``
    (``beta7`` the centred B-spline of degree 7, the autocorrelation of ``beta3``).
    The step is ``ratio + low`` (:func:`_lattice_phase`). Returns ``alpha`` (4, width + 1)
    and ``gamma`` (width + 1)."""
    cell, rest = _lattice_phase(np.arange(width + 1), ratio, low)
    cell = cell.astype(np.intp)
    fourth = np.convolve(_PREFILTER_GRAM, _JUMP)  # T4(k') at index k' + 2 _SPAN + 2
    index = cell[:, None] + np.arange(-1, 3) + 2 * _SPAN + 2  # k' = cell + j, j = -1 .. 2
    taps = np.where(index < fourth.size, fourth[np.minimum(index, fourth.size - 1)], 0.0)
    alpha = np.empty((4, width + 1))
    for row in range(4):  # p = row + 4: derivative `row` of beta3(rest - j)
        derivative = np.zeros((4, 4))
        derivative[:, : 4 - row] = _BSPLINE[:, row:] * [
            math.perm(q + row, row) for q in range(4 - row)
        ]
        values = sum(derivative[:, q][None, :] * rest[:, None] ** q for q in range(4 - row))
        alpha[row] = -math.comb(row + 3, 3) * np.sum(taps * values, axis=1)
    # beta7(rest + l) for l = -4 .. 3, the only arguments inside (-4, 4); tau(l - cell)
    distance = np.abs(rest[:, None] + np.arange(-4, 4))
    spline = np.zeros_like(distance)
    for k in range(4):
        spline += (-1) ** k * math.comb(8, k) * np.maximum(4.0 - distance - k, 0.0) ** 7
    lag = np.arange(-4, 4)[None, :] - cell[:, None] + 2 * _SPAN
    tau = np.where(lag >= 0, _PREFILTER_GRAM[np.maximum(lag, 0)], 0.0)
    gamma = np.sum(tau * spline, axis=1) / math.factorial(7)
    return alpha, gamma


def _end_gram(
    cell: NDArray[np.float64], phase: NDArray[np.float64], nodes: int, far: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    """The exact Gram matrix of the resampling spline less its bulk form, near one end of
    the input grid: ``scale (mode mode^T) - weight (mode fix^T + fix mode^T)``.

    The not-a-knot spline through ``y`` has B-spline coefficients ``P (sigma * y)``,
    ``P = I - M S J`` (``M`` the two end modes ``POLE^(k+1)``, ``POLE^(N-k)``, ``J`` the two
    conditions, third-derivative jumps at nodes 1 and N - 2, ``S = (J M)^(-1)``), and
    ``sigma * y`` (``y`` zero beyond the grid) has the Gram matrix ``T - 3/(1 - POLE^2)
    M M^T`` (``T`` the Toeplitz matrix of ``tau``: the sums over nodes beyond the grid are
    the modes). ``P M = 0``, so ``Q Q^T = E (T - M Z^T - Z M^T + M S J Z M^T) E^T`` with
    ``Z = T J^T S^T`` and ``E`` the B-spline values at the resampled points (``E T E^T`` is
    the bulk form). The two ends decouple (to ``POLE^N``): per end, ``mode = E M_e``,
    ``fix = E T J_e^T``, ``weight = S_e``, ``scale = S_e^2 J_e T J_e^T``. ``cell`` and
    ``phase`` place the resampled points on the input lattice (``nodes`` points); ``far``
    selects the end. Returns ``mode``, ``fix``, ``scale``, ``weight``."""
    clipped = np.minimum(cell, nodes - 2)  # the last interval's polynomial, as the spline's
    weights = _bspline_weights(phase + (cell - clipped))
    coefficient = clipped.astype(np.intp)[:, None] + np.arange(-1, 3)  # k = cell - 1 + j
    # distance from coefficient -1 at the start, N at the far end (mirrored)
    coefficient = nodes - coefficient if far else coefficient + 1
    mode_values = _POLE**coefficient  # POLE^(k+1) at the start, POLE^(N-k) at the far end
    # T J^T: sum_i JUMP_i tau(k - k_i), the condition's coefficients k_i at distance 0 .. 4
    lag = coefficient[:, :, None] - np.arange(5) + 2 * _SPAN
    inside = (lag >= 0) & (lag < _PREFILTER_GRAM.size)
    fix_values = np.where(inside, _PREFILTER_GRAM[np.clip(lag, 0, _PREFILTER_GRAM.size - 1)], 0.0)
    fix_values = fix_values @ _JUMP
    weight = 1.0 / float(_JUMP @ _POLE ** np.arange(5.0))  # 1 / (J_e M_e)
    block = _PREFILTER_GRAM[np.arange(5)[:, None] - np.arange(5) + 2 * _SPAN]
    scale = weight**2 * float(_JUMP @ block @ _JUMP)  # S_e^2 J_e T J_e^T
    return (
        np.sum(weights * mode_values, axis=1),
        np.sum(weights * fix_values, axis=1),
        scale,
        weight,
    )


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


def _resampled_uniform_row_norms(
    z: NDArray[np.float64], resampling: _Resampling
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_resampled` on a uniform grid, exact; None where
    the grid is too short or the sparse computation is cheaper (resampled grids much finer
    than the input).

    In B-spline form (as :func:`fmdecon.methods.matrix_resampled._apply_operator`):
    ``L = B (I - M' S' J') Sigma' H Q`` with ``Q`` the resampling spline (N' x N), ``H``
    the solve (force at ``a`` from ``h[b - a] y_b``), ``Sigma'`` the prefilter on the
    resampled lattice, ``M'``, ``J'``, ``S'`` its not-a-knot end modes, conditions and the
    inverse of their product, and ``B`` the B-spline values at the input points (four a
    row, at coefficients ``s_j = cell_i - 1 + j``). So ``var_i = v_i^T G v_i``,
    ``G = Q Q^T`` (banded to rounding: ``|b - b'| <= w``, ~32 d/d'), with

        ``v_i = H^T x_i = sum_j beta_ij m(. - s_j) - nu_i xi - nu'_i zeta``:

    ``m = sigma * h``, ``beta_ij`` the B-spline values; the prefilter summed over all
    integers (the shifts of ``m``) less its part before the grid (rank one,
    ``sqrt 3 POLE^(s+1) POLE^(-a-1)``) and the end modes' corrections make the two fixed
    vectors ``xi`` (start, :func:`_start_vector`) and ``zeta`` (far end), with
    ``nu_i = sum_j beta_ij POLE^(s_j+1)`` and ``nu'_i = sum_j beta_ij POLE^(N'-s_j)``.

    * ``G`` is its bulk form plus a rank-2 term at each end (:func:`_end_gram`), and the
      bulk form splits into Bernoulli functions of either point's phase
      (:func:`_gram_jumps`). With ``K[s, s + e] = sum_(b, b' < N') m[b - s] G[b, b']
      m[b' - s - e]`` (``e = 0 .. 3``), ``var_i = sum_(j, j') beta_ij beta_ij' K[s_j, s_j']``
      plus the ends' terms (``G``'s: two products ``g . m(. - s)`` a vector and end; ``xi``'s:
      ``(G xi) . m(. - s)``, for the rows where ``nu_i`` is above rounding, near the start).
    * ``K`` for the bulk form is four correlations of the phases' Bernoulli functions with
      products of ``m`` and its correlations with the jumps, plus a prefix sum
      (:func:`_bulk_kernel`: 24 FFTs of length ~2N'). They also count the pairs
      ``b < N' <= b'`` for the part attached to the earlier point and ``b < 0 <= b'`` for the
      rest, taken off row by row (:func:`_pairs_beyond`, :func:`_pairs_before`: ``v_i`` on
      up to ``2 w`` samples around the end and a ``w x w`` matrix).
    * Rows within ``_BOUNDARY`` resampled steps of the far end (where ``nu'_i`` counts, and
      where the force depends on few samples, so that the shifted ``m`` cancel) are computed
      directly on the last samples (:func:`_far_row_norms`).

    The resampled points are the lattice ``x_b = b d'/d`` with both ends where the grids'
    values put them, and the rows' phases as the spline back finds them. Exact to the
    rounding of the grids' positions; ``O(N' log N' + N w^2)`` time.
    """
    step, count, h = resampling
    n = z.size
    spacing = (z[-1] - z[0]) / (n - 1)
    last = z[0] + step * (count - 1)  # the last resampled point, as the method has it
    # resampled point b at x_b = b ratio on the input lattice, the grids' ends placed as
    # their values place them (z'_1 = z_1, z'_N' from z_N); the step in double-double
    ends = Fraction(n - 1) - Fraction(float((z[-1] - last) / spacing))
    ratio = float(ends / (count - 1))
    ratio_low = float(ends / (count - 1) - Fraction(ratio))
    inside = np.flatnonzero(z <= last + END_TOLERANCE * step)
    # diagonals of G kept: |tau| at the distance of diagonal u, less a B-spline's 4 steps
    tail = np.maximum.accumulate(np.abs(_PREFILTER_GRAM[2 * _SPAN :])[::-1])[::-1]
    limit = _DIAGONAL_CUT * _PREFILTER_GRAM[2 * _SPAN]
    width = 3
    while tail[min(max(math.floor((width + 1) * ratio) - 4, 0), tail.size - 1)] > limit:
        width += 1
    reach = math.ceil(_REACH / ratio)  # resampled points within _REACH input steps of an end
    # the sparse computation costs ~N N' log N'; this one ~N' log N' + N w^2
    if count < 2 * width + 8 or 2 * width > n:
        return None

    # rows: v_i = sum_j beta_ij m(. - s_j) - ..., s_j = first_i + j, each row's phase within
    # its resampled interval as the spline back finds it
    cell = np.minimum(np.floor((z[inside] - z[0]) / step), count - 2).astype(np.intp)
    below = z[0] + step * cell
    weights = _bspline_weights((z[inside] - below) / ((z[0] + step * (cell + 1)) - below))
    first = cell - 1
    low, high = int(first[0]), int(first[-1]) + 4  # shifts s used: low .. high - 1
    at = (first - low)[:, None] + np.arange(4)  # s_j - low
    # correlations with m by FFT of this length: with the jumps (w each side), and free of
    # wrap-around for vectors near the ends (reach) or shifts near the start (_BOUNDARY)
    size = _smooth_size(count + _SPAN + 1 + max(2 * width, reach + 5, _BOUNDARY + 4))
    # m[k] at k + lead, for k <= N' (the shifts s >= -1 reach b - s <= N'), zero beyond
    lead = _SPAN + max(width, reach, _BOUNDARY) + 3
    extended = np.zeros(lead + max(count + max(width, _BOUNDARY) + 3, size))
    extended[lead - _SPAN : lead + count + 1] = np.convolve(h, _PREFILTER)[: count + _SPAN + 1]
    spectrum = fft.rfft(extended[lead - _SPAN : lead - _SPAN + size])  # of m[index - _SPAN]

    # the bulk form of G: sum_(j, j') beta_ij beta_ij' K[s_j, s_j']
    cells, phase = _lattice_phase(np.arange(count), ratio, ratio_low)
    bernoulli = _bernoulli_phase(phase)  # X_p[b], p = 4 .. 7
    alpha, gamma = _gram_jumps(ratio, width, ratio_low)
    jumps = _jump_spectra(alpha, gamma, size)
    kernel = _bulk_kernel(spectrum, extended, lead, bernoulli, alpha, gamma, jumps, low, high)
    total = np.sum(weights**2 * kernel[0, at], axis=1)
    for e in range(1, 4):  # K[s_j, s_j + e] for the pairs j, j + e
        total += 2.0 * np.sum(weights[:, :-e] * weights[:, e:] * kernel[e, at[:, : 4 - e]], axis=1)
    # less the pairs counted beyond the grid: b < N' <= b' (earlier point's part) and, for
    # the first rows, b < 0 <= b' (gamma and the later point's part; m[k] = 0 for k < -_SPAN)
    total -= 2.0 * _pairs_beyond(extended, lead, weights, first, alpha, bernoulli)
    early = np.flatnonzero(first < _SPAN)
    total[early] -= 2.0 * _pairs_before(
        extended, lead, weights[early], first[early], alpha, gamma, bernoulli
    )

    # G's ends: per end scale (mode . v)^2 - 2 weight (mode . v)(fix . v); and xi's terms
    # for the rows near the start, -2 nu (G xi) . v + nu^2 xi . G xi
    ends = []
    vectors = np.zeros((5, size))  # zero-padded for _shifted_products
    for far in (False, True):
        points = np.arange(count - reach, count) if far else np.arange(reach)
        mode, fix, scale, weight = _end_gram(cells[points], phase[points], n, far)
        ends.append((points, mode, fix, scale, weight))
        vectors[2 * far, points], vectors[2 * far + 1, points] = mode, fix
    xi = _start_vector(h)
    vectors[4, :count] = _gram_apply(xi, bernoulli, jumps, size, width, ends)
    products = _shifted_products(spectrum, vectors, low, high)  # vector . m(. - s)
    products[:2, max(0, reach + _SPAN - low) :] = 0.0  # beyond the start's vectors
    onto = np.einsum("rj,krj->kr", weights, products[:, at])  # vector . v_i
    for far in (False, True):
        _, _, _, scale, weight = ends[far]
        mode, fix = onto[2 * far], onto[2 * far + 1]
        total += mode * (scale * mode - 2.0 * weight * fix)
    near = np.flatnonzero(first < _BOUNDARY)
    start = np.sum(weights[near] * _POLE ** (at[near] + low + 1.0), axis=1)  # nu_i
    total[near] += start * (start * np.sum(xi * vectors[4, :count]) - 2.0 * onto[4, near])
    out = np.full(n, np.nan)
    out[inside] = np.sqrt(total)

    # rows near the far end, directly
    near = np.flatnonzero(first > count - _BOUNDARY)
    out[inside[near]] = _far_row_norms(
        h, weights[near], first[near], bernoulli, alpha, gamma, ends[1]
    )
    return out


def _product(left: NDArray[np.float64], right: NDArray[np.float64]) -> NDArray[np.float64]:
    """``left @ right`` as a stack of products small enough for one BLAS thread each."""
    rows = max(1, _BLAS_SINGLE // (right.shape[0] * right.shape[1]))
    if left.shape[0] <= rows:
        return left @ right
    blocks = -(-left.shape[0] // rows)
    padded = np.zeros((blocks * rows, left.shape[1]))
    padded[: left.shape[0]] = left
    stacked = np.matmul(padded.reshape(blocks, rows, -1), right)
    return stacked.reshape(blocks * rows, -1)[: left.shape[0]]


def _shifted_products(
    spectrum: NDArray[np.complex128], vectors: NDArray[np.float64], low: int, high: int
) -> NDArray[np.float64]:
    """``sum_b vectors[:, b] m[b - s]`` for ``s = low .. high - 1``, by FFT: ``spectrum`` is
    the transform of ``m[index - _SPAN]`` (``m[k]`` for ``k = -_SPAN .. N'``) and
    ``vectors`` (on the resampled grid) are zero-padded to its length ``size``. A product
    is free of wrap-around where the vector's samples ``b`` and the shift satisfy
    ``b - s > N' + _SPAN - size``: for vectors near the far end, or small shifts."""
    size = vectors.shape[1]
    correlation = fft.irfft(fft.rfft(vectors) * np.conj(spectrum), size)
    return correlation[:, (np.arange(low, high) - _SPAN) % size]


def _end_conditions() -> tuple[float, NDArray[np.float64]]:
    """``S' = 1 / (J'_e M'_e)`` of the not-a-knot end modes of a lattice (either end, to
    ``POLE^N'``) and ``Sigma'^T J'_0^T`` at ``a = 0 .. _SPAN + 4`` (``sum_i JUMP_i
    sigma(i - 1 - a)``; the far end's mirrored)."""
    lag = np.arange(5)[None, :] - 1 - np.arange(_SPAN + 5)[:, None]
    taps = np.where(np.abs(lag) <= _SPAN, _PREFILTER[np.clip(lag + _SPAN, 0, 2 * _SPAN)], 0.0)
    return 1.0 / float(_JUMP @ _POLE ** np.arange(5.0)), taps @ _JUMP


def _start_vector(h: NDArray[np.float64]) -> NDArray[np.float64]:
    """``xi = sqrt(3) H^T POLE^(-a-1) + S' H^T Sigma'^T J'_0^T`` on the resampled grid (see
    :func:`_resampled_uniform_row_norms`): the prefilter's part before the grid and the
    start's mode correction. ``H^T x`` is ``sum_(a <= b) x_a h[b - a]``."""
    from scipy.signal import lfilter

    count = h.size
    weight, condition = _end_conditions()
    before = np.zeros(count)  # sum_(q >= 0) POLE^q h[b + 1 + q]
    before[: count - 1] = lfilter([1.0], [1.0, -_POLE], h[:0:-1])[::-1]
    return math.sqrt(3.0) * before + weight * np.convolve(condition, h)[:count]


def _far_row_norms(
    h: NDArray[np.float64],
    weights: NDArray[np.float64],
    first: NDArray[np.intp],
    bernoulli: NDArray[np.float64],
    alpha: NDArray[np.float64],
    gamma: NDArray[np.float64],
    end: tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], float, float],
) -> NDArray[np.float64]:
    """Row norms for rows near the far end (shifts ``first_i > N' - _BOUNDARY``): the exact
    row of ``P`` on the force samples (B-spline taps times ``sigma``, less the far end's mode
    correction), ``v_i = H^T x_i`` and ``v_i^T G v_i``, all on the last samples, where they
    live (``G`` from its bulk form and the far end's term ``end`` of :func:`_end_gram`)."""
    count = h.size
    width = gamma.size - 1
    length = min(count, _BOUNDARY + _SPAN + 8)
    samples = np.arange(count - length, count)
    lag = (first[:, None] + np.arange(4))[:, :, None] - samples  # (rows, 4, samples)
    taps = np.where(np.abs(lag) <= _SPAN, _PREFILTER[np.clip(lag + _SPAN, 0, 2 * _SPAN)], 0.0)
    forces = np.einsum("rj,rjl->rl", weights, taps)
    weight, condition = _end_conditions()
    modes = np.sum(weights * _POLE ** (count - first[:, None] - np.arange(4.0)), axis=1)
    distance = count - 1 - samples
    mirrored = np.where(
        distance < condition.size, condition[np.minimum(distance, condition.size - 1)], 0.0
    )
    forces -= (weight * modes)[:, None] * mirrored
    delay = samples[None, :] - samples[:, None]  # b - a
    solve = np.where(delay >= 0, h[np.clip(delay, 0, count - 1)], 0.0)
    values = _product(forces, solve)  # v_i on the samples
    # G on the samples: bulk form within the band plus the far end's rank-2 term
    gap = np.abs(samples[None, :] - samples[:, None])
    local = bernoulli[:, samples]
    signs = np.array([1.0, -1.0, 1.0, -1.0])[:, None, None]
    upper = gamma[np.minimum(gap, width)] + np.sum(
        alpha[:, np.minimum(gap, width)] * (local[:, :, None] + signs * local[:, None, :]), axis=0
    )  # entry (a, c) for a <= c
    upper[gap > width] = 0.0
    gram = np.triu(upper) + np.triu(upper, 1).T
    points, mode, fix, scale, weight_end = end
    keep = points >= samples[0]
    index = points[keep] - samples[0]
    mode, fix = mode[keep], fix[keep]
    gram[np.ix_(index, index)] += scale * np.outer(mode, mode) - weight_end * (
        np.outer(mode, fix) + np.outer(fix, mode)
    )
    return np.sqrt(np.sum(_product(values, gram) * values, axis=1))


def _jump_spectra(
    alpha: NDArray[np.float64], gamma: NDArray[np.float64], size: int
) -> NDArray[np.complex128]:
    """Transforms (length ``size``) of the reversed two-sided kernels ``k[v]``, ``v = -w .. w``
    (``corr(x)[b] = sum_v k[v] x[b + v]`` is ``(x * reversed k)[b + w]``): rows 0-3 the
    partners of a point's own Bernoulli function, ``alpha[p, v]`` after it and
    ``(-1)^p alpha[p, -v]`` before it; rows 4-7 those of its partners' functions,
    ``(-1)^p alpha[p, v]`` and ``alpha[p, -v]``; row 8 ``gamma_|v|``; row 9 ``gamma_-v``
    before the point only."""
    width = gamma.size - 1
    signs = np.array([1.0, -1.0, 1.0, -1.0])[:, None]  # (-1)^p, p = 4 .. 7
    reversed_ = np.zeros((10, 2 * width + 1))  # reversed_[:, j] = k[w - j]
    reversed_[:4, : width + 1] = alpha[:, ::-1]
    reversed_[:4, width + 1 :] = signs * alpha[:, 1:]
    reversed_[4:8, : width + 1] = signs * alpha[:, ::-1]
    reversed_[4:8, width + 1 :] = alpha[:, 1:]
    reversed_[8, : width + 1] = gamma[::-1]
    reversed_[8, width + 1 :] = gamma[1:]
    reversed_[9, width:] = gamma
    return fft.rfft(reversed_, size)


def _bulk_kernel(
    spectrum: NDArray[np.complex128],
    extended: NDArray[np.float64],
    lead: int,
    bernoulli: NDArray[np.float64],
    alpha: NDArray[np.float64],
    gamma: NDArray[np.float64],
    jumps: NDArray[np.complex128],
    low: int,
    high: int,
) -> NDArray[np.float64]:
    """``K[s, s + e] = sum_(b, b') m[b - s] G[b, b'] m[b' - s - e]`` for ``e = 0 .. 3``
    (rows) and ``s = low .. high - 1``, with ``G`` the bulk Gram form of :func:`_gram_jumps`
    on the pairs ``0 <= b, b' < N'``, ``|b - b'| <= w``, and also on pairs ``b < N' <= b'``
    for the part attached to the earlier point and pairs ``b < 0 <= b'`` for ``gamma`` and
    the part attached to the later one. ``extended[k + lead] = m[k]``, ``spectrum`` the
    transform of ``m[index - _SPAN]`` and ``jumps`` (:func:`_jump_spectra`) of the same
    length.

    Per power ``p`` the pairs' sum is ``sum_b X_p[b] Y_(p,e)[b - s]`` with
    ``Y_(p,e)[k] = m[k] S_p[k - e] + m[k - e] S_p[k] - kappa_p m[k] m[k - e]``, where
    ``S_p[k] = sum_(u=0..w) alpha[p, u] (m[k + u] + (-1)^p m[k - u])`` collects the
    partners of the point at ``k`` (the upper and lower triangle of ``G`` alike) and
    ``kappa_p`` is the doubly counted diagonal; for ``gamma`` (``X = 1``) the same with
    ``S[k] = sum_u gamma_u m[k - u]``, summed by a prefix sum."""
    count = bernoulli.shape[1]
    width = alpha.shape[1] - 1
    size = 2 * (spectrum.size - 1)
    m = extended[lead - _SPAN - 3 : lead + count + 3]  # m[k], index k + _SPAN + 3
    length = count + _SPAN + 3  # Y[k] for k = -_SPAN .. count + 2 (index k + _SPAN)
    own = m[3 : 3 + length]
    fft_size = _smooth_size(2 * count + 4)
    half = fft_size // 2 + 1
    shifts = np.arange(low, high)
    # S_p[k] for k = -_SPAN - 3 .. count + 2 (index k + _SPAN + 3), by FFT
    partners = fft.irfft(spectrum * jumps[[0, 1, 2, 3, 9]], size)
    sums = partners[:, width - 3 : width + count + _SPAN + 3]  # corr[k] at k + _SPAN + w
    signs = np.array([1.0, -1.0, 1.0, -1.0])  # (-1)^p
    sums[:4] += (signs * alpha[:, 0])[:, None] * m  # the diagonal's later-point part
    diagonal = np.append(alpha[:, 0] * (1.0 + signs), gamma[0])  # kappa_p
    # one power at a time in buffers reused (large temporaries cost page faults)
    rows = np.zeros((4, fft_size))
    rows[:, :count] = bernoulli
    phases = np.empty((4, half), dtype=complex)
    _rfft_into(rows, phases)
    np.conjugate(phases, out=phases)
    rows[:, count:length] = 0.0
    transformed = np.empty((4, half), dtype=complex)
    accumulated = np.zeros((4, half), dtype=complex)  # sum_p conj(X_p^) Y_(p,e)^
    adjusted = np.empty(length)
    scratch = np.empty(length)
    for p in range(5):  # p = 4 .. 7, then gamma
        np.multiply(own, -diagonal[p], out=adjusted)
        adjusted += sums[p, 3 : 3 + length]  # S_p[k] - kappa_p m[k]
        for e in range(4):  # Y_(p,e)
            np.multiply(sums[p, 3 - e : 3 - e + length], own, out=rows[e, :length])
            np.multiply(adjusted, m[3 - e : 3 - e + length], out=scratch)
            rows[e, :length] += scratch
        if p < 4:
            _rfft_into(rows, transformed)
            transformed *= phases[p]
            accumulated += transformed
    # gamma (X = 1): sum_(b=0..count-1) Y[b - s], k = -s .. count - 1 - s, by prefix sums
    prefix = np.cumsum(rows[:, :length], axis=1)
    kernel = prefix[:, count - 1 - shifts + _SPAN]
    before = _SPAN - 1 - shifts  # k = -s - 1 at index -s - 1 + _SPAN
    kernel[:, before >= 0] -= prefix[:, before[before >= 0]]
    _irfft_into(accumulated, fft_size, rows)  # sum_b X[b] Y[b + t], reversed
    kernel += rows[:, (_SPAN - shifts) % fft_size]  # sum_b X[b] Y[b - s]
    return kernel


def _gram_apply(
    vector: NDArray[np.float64],
    bernoulli: NDArray[np.float64],
    jumps: NDArray[np.complex128],
    size: int,
    width: int,
    ends: list[tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], float, float]],
) -> NDArray[np.float64]:
    """``G vector`` on the resampled grid, ``G`` the exact Gram matrix of the resampling
    spline: its bulk form (:func:`_gram_jumps`; correlations with the jumps by FFT of length
    ``size``, ``jumps`` from :func:`_jump_spectra`) plus the ends' rank-2 terms
    (:func:`_end_gram`; ``ends`` holds per end the points, ``mode``, ``fix``, ``scale``,
    ``weight``)."""
    count = vector.size
    data = np.zeros((5, size))
    data[0, :count] = vector
    np.multiply(bernoulli, vector, out=data[1:, :count])
    transformed = fft.rfft(data)
    own = fft.irfft(transformed[0] * jumps[:4], size)  # the points' own functions
    others = fft.irfft(
        np.sum(transformed[1:] * jumps[4:8], axis=0) + transformed[0] * jumps[8], size
    )  # the partners' functions and gamma
    out = np.sum(bernoulli * own[:, width : width + count], axis=0)
    out += others[width : width + count]
    for points, mode, fix, scale, weight in ends:
        on_mode, on_fix = mode @ vector[points], fix @ vector[points]
        out[points] += mode * (scale * on_mode - weight * on_fix) - fix * (weight * on_mode)
    return out


def _pairs_sum(
    extended: NDArray[np.float64],
    lead: int,
    weights: NDArray[np.float64],
    first: NDArray[np.intp],
    start: int,
    table: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``sum_(a, c) v_i[start + a] table[a, c] v_i[start + w + c]`` for the rows ``i``
    (``w`` the table's size), ``v_i[b] = sum_j weights[i, j] m[b - first_i - j]`` and
    ``extended[k + lead] = m[k]``; in blocks of rows small enough for one BLAS thread."""
    width = table.shape[0]
    length = 2 * width
    windows = sliding_window_view(extended, length)
    offset = (start + lead - first)[:, None] - np.arange(4)  # m(. - s_j) from b = start
    out = np.empty(first.size)
    block = max(8, _BLAS_SINGLE // (width * width))
    for lo in range(0, first.size, block):
        rows = slice(lo, lo + block)
        values = np.matmul(weights[rows, None, :], windows[offset[rows]])[:, 0]
        out[rows] = np.einsum("ij,ij->i", values[:, :width] @ table, values[:, width:])
    return out


def _pairs_beyond(
    extended: NDArray[np.float64],
    lead: int,
    weights: NDArray[np.float64],
    first: NDArray[np.intp],
    alpha: NDArray[np.float64],
    bernoulli: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``sum v_i[b] G'[b, b'] v_i[b']`` over the pairs ``b < N' <= b'`` that
    :func:`_bulk_kernel` counts: ``G'`` the part of the bulk Gram form attached to the
    earlier point, ``sum_p alpha[p, b' - b] X_p[b]``."""
    count = bernoulli.shape[1]
    width = alpha.shape[1] - 1
    index = np.arange(width)
    distance = width - index[:, None] + index[None, :]  # b = N' - w + a, b' = N' + c
    table = np.einsum(
        "pac,pa->ac", alpha[:, np.minimum(distance, width)], bernoulli[:, count - width :]
    )
    table[distance > width] = 0.0
    # the pairs whose entries are below the band's cut (_DIAGONAL_CUT) are left out, as G's
    # diagonals beyond the band are: w' <= w steps each side
    above = np.zeros(width + 1, dtype=bool)
    above[distance[np.abs(table) > _DIAGONAL_CUT * _PREFILTER_GRAM[2 * _SPAN]]] = True
    kept = int(np.flatnonzero(above).max(initial=1))
    table = table[width - kept :, :kept]
    return _pairs_sum(extended, lead, weights, first, count - kept, table)


def _pairs_before(
    extended: NDArray[np.float64],
    lead: int,
    weights: NDArray[np.float64],
    first: NDArray[np.intp],
    alpha: NDArray[np.float64],
    gamma: NDArray[np.float64],
    bernoulli: NDArray[np.float64],
) -> NDArray[np.float64]:
    """As :func:`_pairs_beyond` for the pairs ``b < 0 <= b'``: ``gamma`` and the part
    attached to the later point, ``gamma_(b'-b) + sum_p (-1)^p alpha[p, b' - b] X_p[b']``."""
    width = alpha.shape[1] - 1
    index = np.arange(width)
    distance = np.minimum(width - index[:, None] + index[None, :], width)  # b = a - w, b' = c
    signs = np.array([1.0, -1.0, 1.0, -1.0])[:, None, None]
    table = gamma[distance] + np.einsum(
        "pac,pc->ac", signs * alpha[:, distance], bernoulli[:, :width]
    )
    table[width - index[:, None] + index[None, :] > width] = 0.0
    return _pairs_sum(extended, lead, weights, first, -width, table)


def resampled_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_resampled` (the ``row_norms`` capability of its
    registry entry): by FFT correlations on a uniform grid
    (:func:`_resampled_uniform_row_norms`, for grids uniform to rounding), else by sparse
    spline matrices
    (:func:`_resampled_sparse_row_norms`). None if the options are not the method's or the
    grid is too short."""
    resampling = _resampling(z, amplitude, k, f0, options)
    if resampling is None:
        return None
    norms = _resampled_uniform_row_norms(z, resampling) if is_lattice(z) else None
    return norms if norms is not None else _resampled_sparse_row_norms(z, resampling)
