"""Matrix method on a resampled grid with integer A/d (docs/physics.md section 6a).

Welker et al. (2012) advise an integer ratio A/d, by interpolation if needed, and A/d > 50.
For any input grid (uniform or not) with mean step ``dbar``: ``alpha' = max(round(A/dbar),
alpha_min)``, ``d' = A / alpha'`` (so A/d' is an exact integer and the band and prefactor of
section 3 agree), ``z'_i = z_1 + i d'`` up to ``z_N``, the frequency shift on ``z'`` by a
not-a-knot cubic spline, the matrix method of section 3 on ``(z', df')`` and the force back on
the input grid by a not-a-knot cubic spline.

A batch of curves on a lattice (steps equal to 6e-13: :func:`fmdecon._validation.is_uniform` at
``BATCH_STEP_RTOL``) builds no spline per curve. On a lattice a not-a-knot spline is, in
B-spline form, ``c = sigma * y`` (``sigma_k = sqrt(3) (sqrt(3) - 2)^|k|`` inverts the
B-spline's node values 1/6, 2/3, 1/6; applied as a causal and an anti-causal first-order
recursive filter) plus two end modes ``(sqrt(3) - 2)^(k+1)`` and ``(sqrt(3) - 2)^(N-k)``, whose
amplitudes the two not-a-knot conditions fix (a 2 x 2 solve per curve). The spline's values at
the other grid's points are four B-spline values each (a sparse product shared by the batch).
The solve ``H`` and the B-spline coefficients of the spline back through its result are one
correlation, ``sigma * (H y) = m * y`` with ``m = sigma * h`` (``h`` the solve's impulse
response), done by FFT on rescaled data (rows grouped by their floored exponent as in the FFT
solve). Per curve: two recursive filters of length N, two sparse products, one FFT pair of
length ~2N'. The same numbers to rounding (tested against the dense reference, scipy's
CubicSpline and single calls).
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft

from fmdecon._rescale import floor_exponents
from fmdecon._validation import BATCH_STEP_RTOL, curves, is_uniform, sensor
from fmdecon.methods._spline import Spline
from fmdecon.methods._toeplitz import (
    FFT_ALPHA,
    FFT_ALPHA_BATCH,
    fast_length,
    fft_threshold,
    impulse_response,
    scale_exponents,
    solve_causal,
)
from fmdecon.methods.matrix import matrix_alpha, matrix_weights

__all__ = ["ResampledOperator", "matrix_resampled", "resampled_operator"]

END_TOLERANCE = 1e-9  # of d': input points this far beyond the last resampled point count


def alpha_min_option(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"alpha_min must be an integer >= 1; got alpha_min = {value!r}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# batches on a lattice: splines in B-spline form, the solve and the spline back as one
# correlation
# ---------------------------------------------------------------------------------------------

#: Pole of the cubic B-spline interpolation filter: ``(c_(k-1) + 4 c_k + c_(k+1)) / 6 = y_k``
#: is inverted by ``sigma_k = sqrt(3) POLE^|k|``.
POLE = math.sqrt(3.0) - 2.0
#: sigma is cut at ``|k| <= SPAN`` where it is applied by FFT (|POLE|^40 ~ 1e-23).
SPAN = 40
#: Fewest curves for which a batch on a lattice takes :func:`_apply_operator`.
OPERATOR_ROWS = 2
_BATCH_VALUES = 262_144  # transform values per block of curves
_SPARSE_PARTS = ("data", "indices", "indptr")  # the arrays of a CSR matrix
#: Jumps of the third derivative of the cubic B-spline at its knots -2 .. 2: the not-a-knot
#: condition at node 1 is ``sum_j JUMP_j c_(j-1) = 0``.
JUMP = np.array([1.0, -4.0, 6.0, -4.0, 1.0])
#: beta3(f - j), j = -1, 0, 1, 2 (rows): coefficients of 1, f, f^2, f^3.
BSPLINE = np.array([[1, -3, 3, -1], [4, 0, -6, 3], [1, 3, 3, -3], [0, 0, 0, 1]]) / 6.0


def _bspline_taps(
    position: NDArray[np.float64], nodes: int
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """First coefficient index (of ``c_-1 .. c_nodes``, from 0) and the four B-spline values
    ``beta3(f - j)``, ``j = -1 .. 2``, at ``position`` (in node steps) on ``nodes`` nodes; the
    last interval's polynomial continues beyond it, as a spline's evaluation does."""
    cell = np.clip(np.floor(position), 0, nodes - 2).astype(np.intp)
    return cell, bspline_values(position - cell)  # c_(cell - 1 + j) sits at index cell + j


def bspline_values(phase: NDArray[np.float64]) -> NDArray[np.float64]:
    """``beta3(f - j)``, ``j = -1, 0, 1, 2`` (along a new first axis), at phases ``f``: the
    cubic B-spline's four pieces, continued as polynomials outside [0, 1]."""
    c = BSPLINE
    return np.stack(
        [((c[j, 3] * phase + c[j, 2]) * phase + c[j, 1]) * phase + c[j, 0] for j in range(4)]
    )


def _end_modes(nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The not-a-knot end modes of a cubic spline on ``nodes`` unit-spaced nodes.

    In B-spline form ``s(x) = sum_k c_k beta3(x - k)``, ``k = -1 .. nodes``, the coefficients
    ``sigma * y`` (``y`` zero beyond the nodes) interpolate every node; so do they plus any
    combination of ``POLE^(k+1)`` and ``POLE^(nodes-k)`` (``(c_(k-1) + 4 c_k + c_(k+1)) = 0``
    for powers of the pole). The two not-a-knot conditions fix the combination: returned are
    the modes (2, nodes + 2) and the inverse of the 2 x 2 matrix of the conditions on them.
    """
    k = np.arange(-1, nodes + 1, dtype=np.float64)
    modes = np.stack([POLE ** (k + 1.0), POLE ** (nodes - k)])
    conditions = np.stack(_not_a_knot(modes, nodes))  # [condition, mode]
    return modes, np.linalg.inv(conditions)


def _not_a_knot(
    c: NDArray[np.float64], nodes: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Third-derivative jumps of ``sum_k c_k beta3(x - k)`` at nodes 1 and ``nodes - 2``
    (``c`` indexed from ``k = -1`` along the last axis)."""
    return c[..., 0:5] @ JUMP, c[..., nodes - 3 : nodes + 2] @ JUMP


class ResampledOperator(NamedTuple):
    """What a batch of :func:`matrix_resampled` on a lattice needs, per grid and amplitude.

    Attributes
    ----------
    count : int
        Resampled points ``N'``.
    ratio : float
        Resampled step over input step, ``d'/d``.
    forward : scipy.sparse.csr_matrix
        ``(N', N + 2)``: B-spline values of the resampled points on the input lattice, four a
        row (coefficient ``c_k`` in column ``k + 1``).
    back : scipy.sparse.csr_matrix
        ``(inside, N' + 2)``: the same for the input points inside the resampled grid, on the
        resampled lattice.
    inside : int
        Input points not beyond the last resampled point, the first ``inside`` (the result
        is NaN at the others).
    modes_in, solve_in : tuple, numpy.ndarray
        Not-a-knot end modes of the input lattice (the first mode's head and the second's
        tail, where they are above 1e-40 of their largest value) and the inverse of their
        conditions.
    modes_back, solve_back : tuple, numpy.ndarray
        The resampled lattice's end modes evaluated at the input points inside (head and
        tail, as above), and the inverse of their conditions.
    m : numpy.ndarray
        ``m = sigma * h`` (``h`` the impulse response of the solve) at ``k = -SPAN ..
        N' + SPAN``.
    """

    count: int
    ratio: float
    forward: Any
    back: Any
    inside: int
    modes_in: tuple[NDArray[np.float64], NDArray[np.float64]]
    solve_in: NDArray[np.float64]
    modes_back: tuple[NDArray[np.float64], NDArray[np.float64]]
    solve_back: NDArray[np.float64]
    m: NDArray[np.float64]


def _tap_matrix(position: NDArray[np.float64], nodes: int) -> Any:
    """Sparse ``(points, nodes + 2)`` matrix of the B-spline values at ``position``."""
    from scipy import sparse

    cell, taps = _bspline_taps(position, nodes)
    return sparse.csr_matrix(
        (
            taps.T.ravel(),
            (cell[:, None] + np.arange(4)).ravel(),
            np.arange(0, 4 * cell.size + 1, 4),
        ),
        shape=(cell.size, nodes + 2),
    )


@functools.lru_cache(maxsize=4)
def resampled_operator(
    n: int,
    step: float,
    count: int,
    resampled_step: float,
    amplitude: float,
    k: float,
    f0: float,
    fft_solve: bool,
) -> ResampledOperator:
    """:class:`ResampledOperator` for ``n`` input points of step ``step`` and ``count``
    resampled points of step ``resampled_step = A / alpha'`` (both from the same first
    point); ``fft_solve`` selects how the solve's impulse response is found (the same
    numbers to rounding). Cached: a sweep applies one operator to many batches."""

    weights = matrix_weights(amplitude, resampled_step, k, f0)
    h = impulse_response(weights, count, fft_solve)
    sigma = math.sqrt(3.0) * POLE ** np.abs(np.arange(-SPAN, SPAN + 1, dtype=np.float64))
    m = np.convolve(h, sigma)[: count + 2 * SPAN + 1]  # k = -SPAN .. count + SPAN
    ratio = resampled_step / step
    # positions on the lattices, in their own steps (free of the rounding of z's values)
    forward = _tap_matrix(np.arange(count, dtype=np.float64) * ratio, n)
    position = np.arange(n, dtype=np.float64) / ratio  # input points on the resampled lattice
    inside = int(np.count_nonzero(position <= count - 1 + END_TOLERANCE))  # a prefix
    back = _tap_matrix(position[:inside], count)
    modes_in, solve_in = _end_modes(n)
    modes_out, solve_back = _end_modes(count)
    modes_back = (back @ modes_out.T).T
    modes_in, modes_back = _mode_ends(modes_in), _mode_ends(modes_back)
    arrays = [m, solve_in, solve_back, *modes_in, *modes_back]
    arrays += [getattr(matrix, name) for matrix in (forward, back) for name in _SPARSE_PARTS]
    for array in arrays:  # cached: read-only
        array.flags.writeable = False
    return ResampledOperator(
        count, ratio, forward, back, inside, modes_in, solve_in, modes_back, solve_back, m
    )


def _apply_operator(operator: ResampledOperator, rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """:func:`matrix_resampled` for a batch ``rows`` (R, N) on a lattice, exactly.

    1. The input spline in B-spline form: ``c = sigma * df`` (two first-order recursive
       filters, causal and anti-causal) plus the not-a-knot end modes (a 2 x 2 solve per
       row); its values at the resampled points ``y``: four B-spline values a point.
    2. The solve ``H y`` and the B-spline coefficients of the spline back through it are one
       correlation: ``sigma * (H y) = m * y`` with ``m = sigma * h`` (``h`` the solve's
       impulse response), by FFT on data flattened by ``exp(gamma b)`` (rows grouped by
       their floored exponent, as the FFT solve of section 3.3 does), plus the end modes of
       the resampled lattice; the force at the input points: four B-spline values a point.
    """
    from scipy.signal import lfilter

    count = operator.count
    r, n = rows.shape
    # c_k = sqrt(3) (causal_k + anticausal_k - df_k), k = -1 .. n, df zero beyond the nodes
    causal = lfilter([1.0], [1.0, -POLE], rows, axis=-1)
    anticausal = lfilter([1.0], [1.0, -POLE], rows[:, ::-1], axis=-1)[:, ::-1]
    c = np.empty((r, n + 2))
    inner = c[:, 1 : n + 1]
    np.add(causal, anticausal, out=inner)
    inner -= rows
    inner *= math.sqrt(3.0)
    c[:, 0] = math.sqrt(3.0) * POLE * anticausal[:, 0]
    c[:, n + 1] = math.sqrt(3.0) * POLE * causal[:, n - 1]
    _add_modes(c, _mode_amplitudes(c, n, operator.solve_in), operator.modes_in)
    # exponents per resampled step, from the input curves (the spline follows them)
    gammas = floor_exponents(scale_exponents(rows) * operator.ratio, count)
    length = operator.m.size
    lead = SPAN + 1  # y starts at index lead: corr[s + 1] is the coefficient at s
    size = fast_length(lead + count + length)
    block_rows = max(1, _BATCH_VALUES // size)
    lag = np.arange(-SPAN, length - SPAN, dtype=np.float64)
    target = np.arange(-1, count + 1, dtype=np.float64)
    ends = np.r_[0:5, count - 3 : count + 2]  # coefficients of the not-a-knot conditions
    out = np.full((r, n), np.nan)
    buffer = np.zeros((min(block_rows, r), size))
    for gamma in np.unique(gammas):  # a loop over groups of curves, not grid points
        members = np.flatnonzero(gammas == gamma)
        spectrum = np.conj(fft.rfft(operator.m * np.exp(-gamma * lag), size))
        shrink = np.exp(-gamma * target)
        # the rescalings folded into the sparse products: rows of `forward` grow, columns of
        # `back` shrink
        forward = operator.forward.multiply(np.exp(gamma * np.arange(count))[:, None]).tocsr()
        back = operator.back.multiply(shrink[None, :]).tocsr()
        for first in range(0, members.size, block_rows):  # blocks of curves that stay in cache
            chosen = members[first : first + block_rows]
            if chosen[-1] - chosen[0] == chosen.size - 1:  # consecutive rows: no gathering
                chosen = slice(int(chosen[0]), int(chosen[-1]) + 1)
            block = c[chosen]
            data = buffer[: block.shape[0]]
            data[:, lead : lead + count] = (forward @ block.T).T  # rescaled values y e^(gamma b)
            corr = fft.irfft(fft.rfft(data, axis=-1) * spectrum, size, axis=-1)[:, : count + 2]
            force = (back @ corr.T).T
            # the ten end coefficients laid out as those of 8 nodes: conditions on 0:5, 5:10
            amplitudes = _mode_amplitudes(corr[:, ends] * shrink[ends], 8, operator.solve_back)
            _add_modes(force, amplitudes, operator.modes_back)
            out[chosen, : operator.inside] = force
    return out


def _mode_ends(
    modes: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The first mode's head and the second's tail, where above 1e-40 of their largest value
    (beyond, they are far below the rounding of the values they are added to)."""
    head = np.flatnonzero(np.abs(modes[0]) > 1e-40 * np.max(np.abs(modes[0])))
    tail = np.flatnonzero(np.abs(modes[1]) > 1e-40 * np.max(np.abs(modes[1])))
    return modes[0, : head[-1] + 1].copy(), modes[1, tail[0] :].copy()


def _add_modes(
    values: NDArray[np.float64],
    amplitudes: NDArray[np.float64],
    modes: tuple[NDArray[np.float64], NDArray[np.float64]],
) -> None:
    """``values += amplitudes @ modes``, on the ends where the modes live."""
    head, tail = modes
    values[:, : head.size] += amplitudes[:, :1] * head
    values[:, values.shape[1] - tail.size :] += amplitudes[:, 1:] * tail


def _mode_amplitudes(
    c: NDArray[np.float64], nodes: int, solve: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Amplitudes (rows, 2) of the end modes that make ``c`` a not-a-knot spline."""
    left, right = _not_a_knot(c, nodes)
    return -np.stack([left, right], axis=-1) @ solve.T


def matrix_resampled(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    alpha_min: int = 50,
    solver: str = "auto",
) -> NDArray[np.float64]:
    """Recover the force with the matrix method on a grid resampled to integer A/d.

    docs/physics.md section 6a.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing (uniform or not), at least 3.
    df : array_like
        Frequency shift [Hz] at each ``z``: shape ``(N,)`` or ``(..., N)`` for several curves on
        the same grid and amplitude. On a lattice (``solver="auto"``) a batch takes the
        B-spline form above (:class:`ResampledOperator`, built once per grid and amplitude
        and cached); otherwise the weights, inverse series and spline set-ups are computed
        once for all rows.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    alpha_min : int, optional
        Smallest band half-width ``alpha'`` (default 50, as Welker et al. advise A/d > 50).
    solver : {"auto", "recursive", "fft"}, optional
        As for :func:`fmdecon.matrix_method` (``"auto"``: FFT when ``alpha' > FFT_ALPHA``, or
        ``alpha' > FFT_ALPHA_BATCH`` for a batch of curves).

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z`` (shape of ``df``); NaN at input points beyond the last
        resampled point ``z'`` (at most one step ``d'`` before ``z_N``), where the spline
        would extrapolate.

    Raises
    ------
    ValueError
        On bad input, naming the argument and its value.
    """
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    z, df = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    minimum = alpha_min_option(alpha_min)
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    n = z.size
    mean_step = (z[-1] - z[0]) / (n - 1)
    alpha = max(matrix_alpha(amplitude, mean_step), minimum)
    step = amplitude / alpha
    span = z[-1] - z[0]
    count = math.floor(span / step * (1.0 + 1e-12)) + 1
    use_fft = solver == "fft" or (
        solver == "auto" and alpha > fft_threshold(df, FFT_ALPHA, FFT_ALPHA_BATCH)
    )
    batch = df.reshape(-1, n)
    if (
        solver == "auto"
        and batch.shape[0] >= OPERATOR_ROWS
        and min(n, count) >= 8
        and is_uniform(z, BATCH_STEP_RTOL)
    ):
        # a batch on a lattice: splines in B-spline form, solve and spline back as one
        # correlation, the per-grid part built once (and cached)
        operator = resampled_operator(
            n, float(mean_step), count, float(step), amplitude, k, f0, bool(use_fft)
        )
        return _apply_operator(operator, batch).reshape(df.shape)
    resampled_z = z[0] + step * np.arange(count, dtype=np.float64)
    resampled_df = (Spline(z, df) if n >= 4 else CubicSpline(z, df, axis=-1))(resampled_z)
    # matrix_alpha(A, A/alpha) == alpha, so these are the weights of section 3 for alpha'
    weights = matrix_weights(amplitude, step, k, f0)
    force = solve_causal(
        weights, resampled_df[..., ::-1], "fft" if use_fft else "recursive", fast=True
    )[..., ::-1]
    back = Spline(resampled_z, force) if count >= 4 else CubicSpline(resampled_z, force, axis=-1)
    result = back(z)
    result[..., z > resampled_z[-1] + END_TOLERANCE * step] = np.nan
    return result
