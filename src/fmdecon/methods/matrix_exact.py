"""Matrix method with exact weights for the true amplitude (docs/physics.md section 6b).

The force is modelled as constant on each cell ``[z_j, z_j + d]`` of a uniform grid, with the
value ``Fbar_j`` standing for the force at the cell centre ``z_j + d/2``. The frequency shift
of docs/physics.md section 1 is then exactly::

    df_i = sum_(m=0)^(M-1) w_m Fbar_(i+m),          M = ceil(2A/d),
    w_m  = f0 / (pi k A) * [sqrt(1 - u_(m+1)^2) - sqrt(1 - u_m^2)],
    u_m  = clip(m d / A - 1, -1, 1),

i.e. ``w_m`` is ``-(f0 / (pi k A))`` times the integral of ``u / sqrt(1 - u^2)`` over the
cell's u-range; the last cell is partial when ``2A/d`` is not an integer and nothing is
rounded (unlike section 3, whose band uses ``round(A/d)``). ``w_0 != 0``, so with the axis
reversed the system is the causal lower-triangular Toeplitz solve of section 3 (zero force
beyond the far end), done by the same recursive filter or FFT power-series inversion
(:func:`fmdecon.methods.matrix.solve_causal`).

Before the solve the frequency shift is upsampled by an integer factor ``p`` with a
not-a-knot cubic spline (cell size ``d/p``); afterwards the cell-centre forces are moved onto
the input grid points by linear interpolation (on a uniform input grid each point lies
exactly half-way between two cell centres, so this is their mean). The issue proposed a cubic
spline for this last step; on the paper's grid both meet the targets (the spline is not more
accurate there, the discretisation error of the cells dominates) and linear interpolation is
local, cheaper and what the specification's prototype used.

A batch of curves on a lattice (steps equal to 6e-13: :func:`fmdecon._validation.is_uniform` at
``BATCH_STEP_RTOL``) is not solved curve by curve on the cells: the whole map ``df -> F`` is
linear and, away from the grid's ends, shift-invariant on the *input* grid (the spline's
cardinal functions are one shifted shape there), so it is built once per grid and amplitude
from its structure (:class:`ExactOperator`: a Toeplitz bulk, ``LAYER`` exact columns at each
end, row 0) and applied to every row by one FFT correlation of length ~2N plus two products
with ``LAYER`` columns, instead of a spline and a solve at ``p N`` points. The same numbers to
rounding (tested against the dense reference and against single calls).
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

from fmdecon._rescale import floor_exponents
from fmdecon._validation import (
    BATCH_STEP_RTOL,
    UNIFORM_RTOL,
    curves,
    is_uniform,
    positive_scalar,
    sensor,
)
from fmdecon.methods._rownorms import (
    cardinal_matrix,
    solver_option,
    sparse_solve_row_norms,
    warn_small,
)
from fmdecon.methods._spline import LAYER, Spline
from fmdecon.methods._toeplitz import (
    FFT_ALPHA,
    fast_length,
    fft_threshold,
    impulse_response,
    scale_exponents,
    solve_causal,
)
from fmdecon.methods._warnings import SmallAmplitudeWarning

__all__ = [
    "ExactOperator",
    "exact_cell_weights",
    "exact_operator",
    "exact_row_norms",
    "matrix_exact",
]

#: Number of weights above which ``solver="auto"`` uses the FFT solve (measured crossover on
#: the upsampled paper grid, N p ~ 20000: both take ~2 ms per curve there).
FFT_WIDTH = FFT_ALPHA
#: The same for a batch of curves (shared inverse series; measured crossover, N p ~ 20000).
FFT_WIDTH_BATCH = 45
#: Fewest curves for which a batch on a lattice applies the method's operator on the input
#: grid (:class:`ExactOperator`) rather than solving each curve on the fine grid.
OPERATOR_ROWS = 2
_BATCH_VALUES = 262_144  # transform values per block of curves


def exact_cell_weights(amplitude: float, step: float, k: float, f0: float) -> NDArray[np.float64]:
    """Exact weights ``w_m``, ``m = 0 .. M-1``, of piecewise-constant force cells.

    docs/physics.md section 6b::

        w_m = f0 / (pi k A) * [sqrt(1 - u_(m+1)^2) - sqrt(1 - u_m^2)],
        u_m = clip(m d / A - 1, -1, 1),   M = ceil(2A/d).

    With ``R = 2A/d``, ``a_m = min(m, R)`` and ``g_m = sqrt(a_m (R - a_m))`` one has
    ``sqrt(1 - u_m^2) = (2/R) g_m``, and the difference of square roots is evaluated as
    ``(2/R) (a_(m+1) - a_m)(R - a_m - a_(m+1)) / (g_m + g_(m+1))``: no two nearly equal
    numbers are subtracted except in ``R - a_m - a_(m+1)``, which is exact to one rounding of
    ``R`` (the weights' own sensitivity to ``A``).

    Parameters
    ----------
    amplitude : float
        Oscillation amplitude A [m].
    step : float
        Cell size d [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].

    Returns
    -------
    numpy.ndarray
        ``M = ceil(2A/d)`` weights [Hz/N]; the first is zero only when ``M = 1``
        (``d >= 2A``: one cell holds the whole oscillation and the system is singular).
    """
    amplitude, k, f0 = sensor(amplitude, k, f0)
    step = positive_scalar(step, "step")
    ratio = 2.0 * amplitude / step
    count = max(math.ceil(ratio), 1)
    a = np.minimum(np.arange(count + 1, dtype=np.float64), ratio)
    g = np.sqrt(a * (ratio - a))
    if count == 1:  # g = 0 at both ends: the single cell's weight is exactly zero
        bracket = np.zeros(1)
    else:  # g_m + g_(m+1) > 0: a_m < R for every m < M
        bracket = np.diff(a) * (ratio - a[:-1] - a[1:]) / (g[:-1] + g[1:])
    return f0 / (np.pi * k * amplitude) * (2.0 / ratio) * bracket


def _upsample_factor(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"upsample must be an integer >= 1; got upsample = {value!r}")
    return int(value)


class ExactOperator(NamedTuple):
    """The linear map ``df -> F`` of :func:`matrix_exact` on a lattice, by its structure.

    ``F = L df`` with ``L = P H Q`` (spline upsampling ``Q``, causal Toeplitz solve ``H`` on
    the cells, the mean of two cell centres ``P``). A cardinal function of the input spline
    decays like ``(2 - sqrt 3)^|k|`` from its node and feels the grid's ends through the same
    factor, so away from the ends every column is one shifted shape: for output rows
    ``j >= 1`` and the bulk columns ``layer <= c <= N - 1 - layer``,
    ``L[j, c] = tau[c - j]``. The rest is exact and small: the first ``layer`` columns
    reach only the first ``near.shape[0]`` rows (the solve is causal towards the surface), the
    last ``layer`` columns reach every row (``far``), and row 0 (a linear extrapolation from
    cells 0 and 1) is ``row0``. No N x N array: O(N layer) numbers.

    Attributes
    ----------
    tau : numpy.ndarray
        ``tau[m - low]`` for ``m = low .. N - 2 - layer`` (length N).
    low : int
        Smallest offset with a non-zero bulk coefficient, ``-(layer + 1)``.
    layer : int
        Columns next to each end that are not of the bulk shape (0 without upsampling).
    row0 : numpy.ndarray
        Row 0 of ``L`` (length N).
    near : numpy.ndarray
        ``L[1 + r, c]`` for the first ``layer`` columns ``c``, shape (rows reached, layer).
    far : numpy.ndarray
        ``L[1 + r, N - layer + c]``, shape (N - 1, layer).
    """

    tau: NDArray[np.float64]
    low: int
    layer: int
    row0: NDArray[np.float64]
    near: NDArray[np.float64]
    far: NDArray[np.float64]


@functools.lru_cache(maxsize=4)
def exact_operator(
    n: int,
    start: float,
    stop: float,
    amplitude: float,
    k: float,
    f0: float,
    factor: int,
    fft_solve: bool,
) -> ExactOperator:
    """:class:`ExactOperator` of :func:`matrix_exact` on ``linspace(start, stop, n)``.

    Cached (a sweep applies one operator to many batches). ``fft_solve`` selects how the
    impulse response of the cells' solve is found (inverse power series or recursive
    filter, the same numbers to rounding). Needs ``n >= 4 LAYER + 8`` for ``factor > 1``.
    """
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    p = factor
    step = (stop - start) / (n - 1)
    cell = step / p
    weights = exact_cell_weights(amplitude, cell, k, f0)
    fine_count = p * (n - 1) + 1
    h = impulse_response(weights, fine_count, fft_solve)
    layer = LAYER if p > 1 else 0
    reach = layer * p  # fine samples over which a bulk cardinal function is above rounding
    # centre force of cell a for a unit fine sample at b: h[b - a]. Output row j >= 1 is the
    # mean of cells j p - 1 and j p: g[b - j p]; row 0 extrapolates from cells 0 and 1: g0[b]
    pad = (2 * layer + 2) * p + 2  # zeros in front: index x of g is g_ext[x + pad]
    g_ext = np.zeros(pad + fine_count + reach)
    g_ext[pad - 1] = 0.5 * h[0]  # g[-1]
    g_ext[pad : pad + fine_count - 1] = 0.5 * (h[1:] + h[:-1])  # g[t], t = 0 .. N' - 2
    g0 = 1.5 * h
    g0[1:] -= 0.5 * h[:-1]
    low = -(layer + 1)
    m = np.arange(low, n - 1 - layer)
    bulk = np.arange(layer, n - layer)
    if p == 1:  # no spline: L[j, c] = g[c - j], L[0, c] = g0[c]
        pieces = (g_ext[m + pad], g0.copy(), np.zeros((0, 0)), np.zeros((n - 1, 0)))
        for array in pieces:  # cached: read-only
            array.flags.writeable = False
        return ExactOperator(pieces[0], low, 0, *pieces[1:])
    # the cardinal functions in units of the input step: nodes at the integers, fine samples
    # at b / p (positions of the lattice itself, free of the rounding of z's values, which
    # would shift every column alike by ~1e-12 of a cell)
    z = np.arange(n, dtype=np.float64)
    fine_z = np.arange(fine_count, dtype=np.float64) / p
    # the bulk cardinal function, from a piece of 4 layers of the grid around its node
    piece = 4 * layer
    unit = np.zeros(piece + 1)
    unit[2 * layer] = 1.0
    middle = n // 2
    nodes = slice(middle - 2 * layer, middle + 2 * layer + 1)
    q = CubicSpline(z[nodes], unit)(fine_z[middle * p - reach : middle * p + reach + 1])
    # windows[x + pad - reach] ~ g[x +- reach]; rows p apart are strided views, not gathers
    windows = sliding_window_view(g_ext, 2 * reach + 1)
    first = low * p + pad - reach  # > 0
    tau = windows[first : first + p * m.size : p] @ q
    g0_ext = np.concatenate([np.zeros(reach), g0, np.zeros(reach)])
    row0 = np.zeros(n)
    row0[bulk] = sliding_window_view(g0_ext, 2 * reach + 1)[layer * p : (n - layer) * p : p] @ q
    # the first and last `layer` columns: their cardinal functions where above rounding
    near_width = 2 * layer * p + 1  # fine samples 0 .. near_width - 1
    units = np.zeros((piece, layer))
    units[np.arange(layer), np.arange(layer)] = 1.0
    near_q = CubicSpline(z[:piece], units, axis=0)(fine_z[:near_width])  # (W, layer)
    # row j of these blocks is g_ext[start - p j :][:near_width]: views stepping back by p
    spans = sliding_window_view(g_ext, near_width)
    reached = (near_width + 1) // p + 1  # rows 1 .. reached (later rows start beyond)
    near = spans[pad - p : pad - p * reached - 1 : -p] @ near_q  # pad - p reached - 1 > 0
    row0[:layer] = g0[:near_width] @ near_q
    far_start = fine_count - near_width
    far_q = CubicSpline(z[n - piece :], units[::-1, ::-1], axis=0)(fine_z[far_start:])
    start = pad + far_start
    far = spans[start - p : start - p * (n - 1) - 1 : -p] @ far_q  # rows 1 .. n - 1
    row0[n - layer :] = g0[far_start:] @ far_q
    for array in (tau, row0, near, far):  # cached: read-only
        array.flags.writeable = False
    return ExactOperator(tau, low, layer, row0, near, far)


def _apply_operator(operator: ExactOperator, rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """``F = L df`` for a batch ``rows`` of shape (R, N), with :class:`ExactOperator`.

    The bulk is the correlation ``sum_m tau[m] df[j + m]`` by FFT, on data flattened by
    ``exp(gamma c)`` and the kernel by ``exp(-gamma m)`` (the same sums; the rounding then
    stays relative to each output's own size where a clean curve has decayed by orders of
    magnitude). The rows' exponents are floored to multiples of 4/N and rows sharing one
    share the kernel's spectrum (:mod:`fmdecon._rescale`). The boundary columns and
    row 0 are matrix products with ``layer`` columns.
    """
    tau, low, layer, row0, near, far = operator
    count, n = rows.shape
    out = np.empty((count, n))
    # exponents as the FFT solve of section 3 finds them on the reversed axis, floored
    gammas = floor_exponents(scale_exponents(rows), n)
    bulk_count = n - 2 * layer
    size = fast_length(bulk_count + n - 1)
    block_rows = max(1, _BATCH_VALUES // size)
    column = np.arange(layer, n - layer, dtype=np.float64)  # bulk columns
    offset = np.arange(low, n - 1 - layer, dtype=np.float64)  # m of tau
    target = np.arange(1, n, dtype=np.float64)
    # corr[s] = sum_i tau[i - s] x[i] (x: bulk columns from 0, tau from m = low) at s = j -
    # layer + low: irfft(conj(tau^) x^)[s mod size]; no wrap-around for size >= 2N - 1 - 2 layer
    shifts = (np.arange(1, n) - layer + low) % size
    for gamma in np.unique(gammas):  # a loop over groups of curves, not grid points
        members = np.flatnonzero(gammas == gamma)
        spectrum = np.conj(fft.rfft(tau * np.exp(-gamma * offset), size))
        grow = np.exp(gamma * column)
        shrink = np.exp(-gamma * target)
        for first in range(0, members.size, block_rows):  # bounded memory, in cache
            chosen = members[first : first + block_rows]
            data = rows[chosen]
            corr = fft.irfft(fft.rfft(data[:, layer : n - layer] * grow, size) * spectrum, size)
            out[chosen, 1:] = corr[:, shifts] * shrink
    out[:, 0] = rows @ row0
    if layer:
        out[:, 1 : 1 + near.shape[0]] += rows[:, :layer] @ near.T
        out[:, 1:] += rows[:, n - layer :] @ far.T
    return out


def matrix_exact(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    upsample: int = 4,
    solver: str = "auto",
) -> NDArray[np.float64]:
    """Recover the force with the matrix method on exact cell weights (no rounding of A/d).

    docs/physics.md section 6b. Steps: (1) the frequency shift is put on the uniform grid
    ``z_1 + j d / p``, ``j = 0 .. p (N - 1)``, with ``d = (z_N - z_1) / (N - 1)`` the mean input
    step and ``p = upsample``, by a not-a-knot cubic spline through the input samples
    (skipped when the input grid is uniform and ``p = 1``); (2) the causal triangular
    Toeplitz system with the weights :func:`exact_cell_weights` ``(A, d/p, k, f0)`` is solved
    on the reversed axis, forces beyond the far end being zero; (3) the cell-centre forces
    (at ``z_1 + (j + 1/2) d / p``) are interpolated linearly onto the input ``z``.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing, at least 3. Need not be uniform: a
        non-uniform grid is resampled by the cubic spline of step (1), which assumes the
        frequency shift is smooth on the scale of the largest input step (the result then
        carries that spline's interpolation error).
    df : array_like
        Frequency shift [Hz] at each ``z``: shape ``(N,)`` or ``(..., N)`` for several curves on
        the same grid and amplitude. On a lattice (``solver="auto"``, ``N >= 4 LAYER + 8``
        when ``p > 1``) a batch is deconvolved by the method's operator on the input grid
        (:class:`ExactOperator`, built once per grid and amplitude and cached); otherwise the
        weights, inverse series and spline set-up are computed once for all rows.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    upsample : int, optional
        Integer upsampling factor ``p >= 1`` of the frequency shift before the solve
        (default 4).
    solver : {"auto", "recursive", "fft"}, optional
        Forward substitution as a recursive filter (O(N p M)), FFT power-series inversion
        (O(N p log(N p))), or the first for ``M <= FFT_WIDTH`` weights and the second above
        (``FFT_WIDTH_BATCH`` for a batch of curves, which share the inverse series).

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z`` (shape of ``df``). All NaN when ``2A <= d/p`` (one cell holds
        the whole oscillation; the system is singular).

    Raises
    ------
    ValueError
        On bad input, naming the argument and its value.

    Warns
    -----
    SmallAmplitudeWarning
        If ``A < d/p`` (the oscillation spans less than one cell).
    """
    from scipy.interpolate import CubicSpline  # imported here: a 0.2 s import

    z, df = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    factor = _upsample_factor(upsample)
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    n = z.size
    step = (z[-1] - z[0]) / (n - 1)
    cell = step / factor
    weights = exact_cell_weights(amplitude, cell, k, f0)
    ratio = amplitude / cell
    if ratio < 1.0:
        warnings.warn(
            f"matrix_exact: amplitude / cell = {ratio:.3g} < 1 (cell = step / upsample); the "
            "oscillation spans less than one cell and the result is unreliable"
            + (
                " (a single cell: the system is singular, returning NaN)"
                if weights.size == 1
                else ""
            )
            + ". Use a finer grid or a larger upsample.",
            SmallAmplitudeWarning,
            stacklevel=2,
        )
    if weights.size == 1:
        return np.full(df.shape, np.nan)
    fine_count = factor * (n - 1) + 1
    use_fft = solver == "fft" or (
        solver == "auto" and weights.size > fft_threshold(df, FFT_WIDTH, FFT_WIDTH_BATCH)
    )
    batch = df.reshape(-1, n)
    if (
        solver == "auto"
        and batch.shape[0] >= OPERATOR_ROWS
        and (factor == 1 or n >= 4 * LAYER + 8)
        and is_uniform(z, BATCH_STEP_RTOL)
    ):
        # a batch on a lattice: the operator on the input grid, built once (and cached); an
        # explicit solver asks for the solve on the cells, curve by curve
        operator = exact_operator(
            n, float(z[0]), float(z[-1]), amplitude, k, f0, factor, bool(use_fft)
        )
        return _apply_operator(operator, batch).reshape(df.shape)
    uniform = is_uniform(z, UNIFORM_RTOL)
    if uniform and factor == 1:
        fine = df
    elif uniform and n >= 4:
        fine = Spline(z, df).upsample(factor)
    else:
        fine_z = z[0] + cell * np.arange(fine_count, dtype=np.float64)
        fine_z[-1] = z[-1]
        fine = CubicSpline(z, df, axis=-1)(fine_z)
    # reversed axis: index 0 is the farthest cell; zero initial state = zero force beyond
    centre_force = solve_causal(
        weights, fine[..., ::-1], "fft" if use_fft else "recursive", fast=True
    )[..., ::-1]
    if uniform:
        # grid point j p lies half-way between the centres of cells j p - 1 and j p; the
        # first point extrapolates linearly from cells 0 and 1
        out = np.empty(df.shape)
        above = centre_force[..., ::factor]
        below = centre_force[..., factor - 1 : -1 : factor]
        out[..., 1:] = 0.5 * (below + above[..., 1:])
        out[..., 0] = 1.5 * centre_force[..., 0] - 0.5 * centre_force[..., 1]
        return out
    centres = z[0] + cell * (np.arange(fine_count, dtype=np.float64) + 0.5)
    position = (z - centres[0]) / cell  # fractional cell-centre index of each input point
    left = np.clip(np.floor(position).astype(np.intp), 0, fine_count - 2)
    fraction = position - left
    return (1.0 - fraction) * centre_force[..., left] + fraction * centre_force[..., left + 1]


# --------------------------------------------------------------------------------------------
# matrix method with exact weights (section 6b), uniform grid
# --------------------------------------------------------------------------------------------


def exact_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms for :func:`fmdecon.matrix_exact` on a uniform grid; None if the structured
    computation does not apply (non-uniform or short grid, or unknown options).

    The structured path (:func:`fmdecon.methods.matrix_exact.exact_operator`) treats the grid
    as an exact lattice; a grid uniform only to ``UNIFORM_RTOL`` (values printed to a few
    digits) gets norms off by about its relative jitter (1e-10 at a jitter of 1e-9 of a
    step): ample for a standard deviation, and fast for measured files.
    """

    if set(options) - {"upsample", "solver"}:
        return None
    solver = solver_option(options)
    p = _upsample_factor(options.get("upsample", 4))
    n = z.size
    if n < 4 * LAYER + 8:
        return None
    step = (z[-1] - z[0]) / (n - 1)
    cell = step / p
    weights = exact_cell_weights(amplitude, cell, k, f0)
    if amplitude / cell < 1.0:
        warn_small(f"matrix_exact: amplitude / cell = {amplitude / cell:.3g} < 1")
    if weights.size == 1:
        return np.full(n, np.nan)
    fine_count = p * (n - 1) + 1
    use_fft = solver == "fft" or (solver == "auto" and weights.size > FFT_WIDTH)
    if not is_uniform(z, UNIFORM_RTOL):
        h = impulse_response(weights, fine_count, use_fft, fast=True)
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
        return sparse_solve_row_norms(cardinal_matrix(z, fine_z), h, back)
    # the operator of matrix_exact's batches (a Toeplitz bulk, LAYER exact columns at each
    # end, row 0): squared row norms by prefix sums of tau^2 over each row's bulk columns
    tau, low, layer, row0, near, far = exact_operator(
        n, float(z[0]), float(z[-1]), amplitude, k, f0, p, bool(use_fft)
    )
    prefix = np.concatenate([[0.0], np.cumsum(tau**2)])  # prefix[i] = sum tau[low .. low+i-1]
    j = np.arange(1, n)
    first = np.maximum(layer - j, low) - low  # bulk columns layer .. n-1-layer: m = c - j
    stop = n - 1 - layer - j + 1 - low
    total = np.empty(n)
    total[0] = np.sum(row0**2)
    total[1:] = prefix[np.minimum(stop, tau.size)] - prefix[np.minimum(first, tau.size)]
    total[1 : 1 + near.shape[0]] += np.sum(near**2, axis=1)
    total[1:] += np.sum(far**2, axis=1)
    return np.sqrt(total)
