"""Regularised exact-weight deconvolution (docs/physics.md section 12).

The forward model is that of :func:`fmdecon.matrix_exact` (section 6b), read the other way
round: the force is constant on cells of width ``d / p`` (``p = upsample``), and the frequency
shift at a grid point is exactly ``df_i = sum_m w_m F(c_(i p + m))`` with the exact cell
weights ``w`` and the cells' centres ``c``; forces beyond the far end are zero. Instead of
solving that system (which amplifies the noise of ``df``), the force is the minimiser of

    ||G a - df||^2 + lambda ||F''||^2,     F(z) = sum_j a_j B_j(z),

Tikhonov regularisation with the integral of the squared second derivative (a smoothing
spline's penalty), for a force written in cubic B-splines ``B_j`` whose knot spacing is the grid
step at the near end and grows by ``1 / KNOT_GROWTH`` of the distance from it (forces vary
fastest close to the sample; ~650 knots for the paper's 5000 points). ``G = S W B`` is the
forward operator on the spline coefficients (``B`` the splines at the cells' centres, ``W``
the cells' exact weights, ``S`` every ``p``-th fine sample), built once per grid and amplitude
by FFT correlations of blocks of spline columns with ``w`` and kept sparse.

One generalised symmetric eigenproblem per grid and amplitude, ``P v = mu (G^T G + P) v``
(``P`` the penalty's Gram matrix, scaled by ``tr(G^T G) / tr(P)`` so that ``lambda`` is
dimensionless), gives a basis ``V`` with ``V^T G^T G V = I`` and ``V^T P V = diag(rho)``,
``rho = mu / (1 - mu)`` (components ``G`` cannot see, ``mu = 1``, are dropped: every
``lambda > 0`` removes them). In that basis, for every curve and every strength,

    a_lambda = V diag(1 / (1 + lambda rho)) y,        y = V^T G^T df,
    ||G a_lambda - df||^2 = ||df||^2 - ||y||^2 + sum_k (lambda rho_k / (1 + lambda rho_k))^2 y_k^2,
    trace of the influence matrix = sum_k 1 / (1 + lambda rho_k),

so a strength rule costs O(K) per trial strength, with exact traces (no probes), and a curve
costs two products of sizes N x K (sparse) and K x K. The strength is chosen per curve from
the data and its noise ``df_noise`` (given, or estimated from the curve's second differences):

* ``"risk"`` (default): minimal predicted risk (Mallows' C_L, UPRE),
  ``r^2 + 2 sigma^2 trace`` minimal;
* ``"gcv"``: generalised cross-validation, ``N r^2 / (N - trace)^2`` minimal (needs no
  sigma; in the comparison it picks nearly the strengths of ``"risk"``);
* ``"discrepancy"``: the largest strength whose residual is at most ``N sigma^2`` (Morozov).

Kept: ``"risk"``. Over Morse and Lennard-Jones at 20 / 137 / 500 pm and 0.01 / 0.1 / 0.3 Hz
(200 realisations each) it and GCV gave a 90 % bound of the force-minimum error 1.1-3.2
times smaller than the discrepancy principle at 137 and 500 pm (which over-smooths: a
biased, too shallow minimum) and the same within 1.5 times at 20 pm; the Monte Carlo scatter
of the force at the minimum then equals the exact standard deviation at the chosen strength
(0.93-1.08), which the discrepancy principle's strength, varying more from curve to curve,
does not give (up to 4 times). docs/physics.md section 12.3 has the table.

A noise of exactly zero gives the unregularised exact method, :func:`fmdecon.matrix_exact`
(same ``upsample``). For a fixed strength the estimate is linear in ``df``: its standard
deviation is exact (:func:`regularized_row_norms`, the entry's noise), and its smoothing bias
``-E V diag(lambda rho / (1 + lambda rho)) V^(-1) a_true`` is estimated by plugging in a less
smoothed estimate (the strength divided by ``BIAS_PILOT``, :func:`regularized_fit`); the
combined uncertainty is ``sqrt(force_std^2 + force_bias^2)``.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft, sparse

from fmdecon._validation import curves, sensor, uniform_step
from fmdecon.methods._fit import MethodFit
from fmdecon.methods._toeplitz import fast_length
from fmdecon.methods.matrix_exact import exact_cell_weights, matrix_exact

__all__ = [
    "RULES",
    "RegularizedOperator",
    "regularized",
    "regularized_fit",
    "regularized_operator",
    "regularized_row_norms",
    "white_noise_rms",
]

#: The strength rules, by name (module docstring).
RULES = ("risk", "gcv", "discrepancy")
#: Knot spacing grows by this inverse fraction of the distance from the near end.
KNOT_GROWTH = 200.0
#: Most knots: beyond it the spacing at the near end grows (grids of ~10^6 points).
KNOTS_MAX = 1500
#: Richardson's factors of the cells' two leading error terms, O(cell^(3/2)) and O(cell^2)
#: (see regularized_operator).
RICHARDSON = (2.0**1.5, 4.0)
#: Strengths searched: 10^LOG_STRENGTH[0] .. 10^LOG_STRENGTH[1] (dimensionless, see above).
LOG_STRENGTH = (-14.0, 14.0)
#: The bias estimate plugs in the force at the chosen strength divided by this (less smoothed,
#: so less biased itself than the estimate whose bias it estimates).
BIAS_PILOT = 10.0
_BISECTIONS = 48  # halvings of the log-strength interval (to ~1e-13 decades)
_GRID_POINTS = 113  # trial strengths of the minimising rules (4 per decade), then refined
_REFINE = 64  # ... on a grid this many times finer around each row's coarse minimum
_FINE_BLOCK = 256  # fine trial strengths per block (memory: rows x block scores)
_DENSE_ROWS = 8  # curves from which y = df G V is one dense product rather than two
_BLOCK_COLUMNS = 32  # spline columns per FFT block when G is built
_TRIAL_VALUES = 2_000_000  # (rows, trial strengths, basis) values per block of a rule
#: Peak memory of building the operator per grid point [bytes] (its forward operator on the
#: cells of three Richardson levels; measured: 12.8 GB at N = 5e5, upsample 4).
OPERATOR_BYTES_PER_POINT = 26_000


def _physical_memory() -> float:
    """Physical memory of this machine [bytes] (inf where the OS does not say)."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return math.inf


def check_operator_memory(n: int, upsample: int) -> None:
    """Refuse, before any allocation, an operator that would not fit in memory.

    Raises
    ------
    ValueError
        If the estimated peak (:data:`OPERATOR_BYTES_PER_POINT` per point, linear in
        ``upsample``) is above 80 % of the machine's physical memory, naming N, the estimate
        and the way out.
    """
    need = OPERATOR_BYTES_PER_POINT * n * upsample / 4
    have = _physical_memory()
    if need > 0.8 * have:
        raise ValueError(
            f"regularized: N = {n} points would need an estimated {need / 1e9:.3g} GB to build "
            f"its operator ({OPERATOR_BYTES_PER_POINT * upsample / 4 / 1e3:.3g} kB per point), "
            f"more than this machine's {have / 1e9:.3g} GB allows; thin the curve first (e.g. "
            f"z[::{math.ceil(need / (0.4 * have))}], df[::{math.ceil(need / (0.4 * have))}]; "
            "the force varies on the scale of the amplitude, not of the step) or use another "
            "method"
        )


def white_noise_rms(df: ArrayLike) -> NDArray[np.float64] | float:
    """rms of white noise on a smooth curve: ``std(second differences) / sqrt 6`` of the far
    half of each curve (last axis), where the signal's own second differences are smallest.

    The estimate ``fmdecon deconvolve`` reports; a float for one curve, an array for a batch.
    """
    values = np.asarray(df, dtype=np.float64)
    n = values.shape[-1]
    far = values[..., n // 2 :] if n - n // 2 >= 5 else values
    out = np.std(np.diff(far, 2, axis=-1), axis=-1) / math.sqrt(6.0)
    return float(out) if np.ndim(out) == 0 else out


def _knots(start: float, stop: float, step: float) -> NDArray[np.float64]:
    """Interior knots from ``start`` to ``stop``: spacing ``h0 + (t - start) / KNOT_GROWTH``,
    ``h0`` the grid step (or larger, to stay within :data:`KNOTS_MAX`)."""
    span = stop - start
    h0 = step
    count = KNOT_GROWTH * math.log1p(span / (KNOT_GROWTH * h0))
    if count > KNOTS_MAX:  # solve G * log1p(span / (G h0)) = KNOTS_MAX for h0
        h0 = span / (KNOT_GROWTH * math.expm1(KNOTS_MAX / KNOT_GROWTH))
    # t(s) = start + G h0 (e^(s / G) - 1) has dt/ds = h0 + (t - start) / G
    intervals = max(1, math.ceil(KNOT_GROWTH * math.log1p(span / (KNOT_GROWTH * h0))))
    s = np.arange(intervals + 1, dtype=np.float64) * (
        KNOT_GROWTH * math.log1p(span / (KNOT_GROWTH * h0)) / intervals
    )
    t = start + KNOT_GROWTH * h0 * np.expm1(s / KNOT_GROWTH)
    t[0], t[-1] = start, stop
    return t


@dataclass(frozen=True, eq=False)
class RegularizedOperator:
    """What :func:`regularized` needs of one grid and amplitude (cached; read-only arrays).

    Attributes
    ----------
    knots : numpy.ndarray
        Full knot vector of the cubic B-splines (boundary knots repeated).
    forward : scipy.sparse.csc_matrix
        ``G``, shape (N, K): frequency shift at the grid points per spline coefficient.
    basis : numpy.ndarray
        ``V``, shape (K, K'): ``V^T G^T G V = I``, ``V^T P V = diag(rho)``.
    rho : numpy.ndarray
        The penalty's eigenvalues in that basis (K'), >= 0.
    values : scipy.sparse.csr_matrix
        ``E``, shape (N, K): the splines at the grid points (force = ``E a``).
    """

    knots: NDArray[np.float64]
    forward: Any
    basis: NDArray[np.float64]
    rho: NDArray[np.float64]
    values: Any

    @functools.cached_property
    def data_basis(self) -> NDArray[np.float64]:
        """``G V`` (N, K'): ``y = df @ G V`` for a batch is one dense product (BLAS)."""
        out = np.asarray(self.forward @ self.basis)
        out.flags.writeable = False
        return out

    @functools.cached_property
    def force_basis(self) -> NDArray[np.float64]:
        """``E V`` (N, K'): the force of each basis vector (for standard deviations)."""
        out = np.asarray(self.values @ self.basis)
        out.flags.writeable = False
        return out


def _forward(
    knots: NDArray[np.float64],
    n: int,
    start: float,
    step: float,
    weights: NDArray[np.float64],
    p: int,
) -> Any:
    """``G = S W B`` (sparse, N x K): per block of spline columns, their values at the cells'
    centres correlated with the weights by FFT, kept at every ``p``-th cell."""
    from scipy.interpolate import BSpline

    cell = step / p
    cells = p * (n - 1)
    centres = start + (np.arange(cells, dtype=np.float64) + 0.5) * cell
    design = BSpline.design_matrix(centres, knots, 3).tocsc()
    count = design.shape[1]
    band = weights.size
    rows: list[NDArray[np.intp]] = []
    cols: list[NDArray[np.intp]] = []
    data: list[NDArray[np.float64]] = []
    for first in range(0, count, _BLOCK_COLUMNS):
        last = min(first + _BLOCK_COLUMNS, count)
        block = design[:, first:last]
        if block.nnz == 0:
            continue
        low, high = int(block.indices.min()), int(block.indices.max()) + 1
        dense = block[low:high].toarray()  # (fine rows, columns)
        size = fast_length(high - low + band)
        spectrum = fft.rfft(dense, size, axis=0) * np.conj(fft.rfft(weights, size))[:, None]
        correlation = fft.irfft(spectrum, size, axis=0)  # [s] = sum_m w_m dense[s + m]
        # output rows i with i p in [low - band + 1, high - 1]: shift s = i p - low (mod size)
        i = np.arange(max(0, -(-(low - band + 1) // p)), min(n - 1, (high - 1) // p) + 1)
        values = correlation[(i * p - low) % size]
        r, c = np.nonzero(values)
        rows.append(i[r])
        cols.append(first + c)
        data.append(values[r, c])
    return sparse.csc_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n, count)
    )


def _penalty(knots: NDArray[np.float64]) -> NDArray[np.float64]:
    """``P_jk = int B_j'' B_k'' dz`` (exact: two Gauss points per knot interval)."""
    from scipy.interpolate import BSpline

    count = knots.size - 4
    breaks = np.unique(knots)
    nodes, weights = np.polynomial.legendre.leggauss(2)
    low, high = breaks[:-1, None], breaks[1:, None]
    points = (low + (high - low) * (nodes + 1.0) / 2.0).ravel()
    quadrature = ((high - low) * weights / 2.0).ravel()
    second = BSpline(knots, np.eye(count), 3).derivative(2)(points)  # (points, K)
    return second.T @ (quadrature[:, None] * second)


@functools.lru_cache(maxsize=8)
def regularized_operator(
    n: int, start: float, stop: float, amplitude: float, k: float, f0: float, upsample: int
) -> RegularizedOperator:
    """:class:`RegularizedOperator` on ``linspace(start, stop, n)`` (cached per grid,
    amplitude, sensor and ``upsample``; about 0.3-1 s at N = 5000). Refused before any
    allocation when it would not fit in memory (:func:`check_operator_memory`)."""
    check_operator_memory(n, upsample)
    from scipy import linalg
    from scipy.interpolate import BSpline

    step = (stop - start) / (n - 1)
    interior = _knots(start, stop, step)
    knots = np.concatenate([[start] * 3, interior, [stop] * 3])
    # the cells' midpoint rule errs by O(cell^(3/2)) first (the kernel's inverse square root at
    # both turning points; measured: the error falls 2.87 times when the cells halve), then by
    # O(cell^2): Richardson's extrapolation over p, 2p and 4p cells per step removes both
    levels = [
        _forward(knots, n, start, step, exact_cell_weights(amplitude, step / q, k, f0), q)
        for q in (upsample, 2 * upsample, 4 * upsample)
    ]
    for factor in RICHARDSON:
        levels = [(factor * b - a) / (factor - 1.0) for a, b in itertools.pairwise(levels)]
    forward = levels[0].tocsc()
    gram = (forward.T @ forward).toarray()
    penalty = _penalty(knots)
    penalty *= np.trace(gram) / np.trace(penalty)
    mu, vectors = linalg.eigh(penalty, gram + penalty)
    mu = np.clip(mu, 0.0, 1.0)
    seen = mu < 1.0 - 1e-12
    basis = vectors[:, seen] / np.sqrt(1.0 - mu[seen])
    rho = mu[seen] / (1.0 - mu[seen])
    grid_points = start + step * np.arange(n, dtype=np.float64)
    grid_points[-1] = stop
    values = BSpline.design_matrix(grid_points, knots, 3).tocsr()
    for array in (knots, basis, rho):
        array.flags.writeable = False
    return RegularizedOperator(knots, forward, basis, rho, values)


def _options(rule: object, strength: object, upsample: object) -> tuple[str, float | None, int]:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}; got rule = {rule!r}")
    if strength is not None:
        if isinstance(strength, bool) or not isinstance(strength, numbers.Real):
            raise ValueError(
                f"strength must be a number >= 0 or None; got strength = {strength!r}"
            )
        strength = float(strength)
        if not math.isfinite(strength) or strength < 0:
            raise ValueError(f"strength must be a finite number >= 0; got strength = {strength!r}")
    if isinstance(upsample, bool) or not isinstance(upsample, numbers.Integral) or upsample < 1:
        raise ValueError(f"upsample must be an integer >= 1; got upsample = {upsample!r}")
    return str(rule), strength, int(upsample)


def _noise(df_noise: object, df: NDArray[np.float64]) -> NDArray[np.float64]:
    """Noise rms per curve (shape of ``df`` without its last axis)."""
    shape = df.shape[:-1]
    if df_noise is None:
        return np.broadcast_to(np.asarray(white_noise_rms(df)), shape).astype(np.float64)
    try:
        sigma = np.asarray(df_noise, dtype=np.float64)
        out = np.broadcast_to(sigma, shape).astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"df_noise must be a number >= 0 [Hz] (or one per curve) or None; got "
            f"df_noise = {df_noise!r}"
        ) from None
    if not np.all(np.isfinite(out)) or np.any(out < 0):
        given = np.asarray(df_noise).tolist()
        raise ValueError(f"df_noise must be finite and >= 0 [Hz]; got df_noise = {given!r}")
    return out


def _residuals(
    y2: NDArray[np.float64],
    rest: NDArray[np.float64],
    rho: NDArray[np.float64],
    lam: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Residual ``||G a_lambda - df||^2`` and trace of the influence matrix for the rows of
    ``y^2`` (R, K) at trial strengths ``lam`` (R, L): two arrays (R, L), computed in blocks of
    rows that keep the (rows, L, K) intermediate near :data:`_TRIAL_VALUES`."""
    residual = np.empty(lam.shape)
    trace = np.empty(lam.shape)
    step = max(1, _TRIAL_VALUES // max(1, lam.shape[1] * rho.size))
    for first in range(0, lam.shape[0], step):  # blocks of rows, not single rows
        rows = slice(first, first + step)
        damped = lam[rows, :, None] * rho
        keep = 1.0 / (1.0 + damped)
        residual[rows] = rest[rows, None] + np.einsum("rk,rlk->rl", y2[rows], (damped * keep) ** 2)
        trace[rows] = keep.sum(axis=-1)
    return residual, trace


def _strengths(
    y: NDArray[np.float64],
    rest: NDArray[np.float64],
    sigma: NDArray[np.float64],
    rho: NDArray[np.float64],
    n: int,
    rule: str,
) -> NDArray[np.float64]:
    """The strength of each row (R,) by ``rule`` (module docstring): every row's trial
    strengths at once."""
    y2 = y**2
    low, high = LOG_STRENGTH
    rows = y.shape[0]
    if rule == "discrepancy":
        target = n * sigma**2
        lo, hi = np.full(rows, low), np.full(rows, high)
        for _ in range(_BISECTIONS):  # the residual grows with the strength: bisection
            mid = 0.5 * (lo + hi)
            below = _residuals(y2, rest, rho, 10.0 ** mid[:, None])[0][:, 0] <= target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        # where the model alone misses the data by more than the noise: the least smoothing
        return 10.0**lo

    # the trace and the damping of a trial strength are the same for every row: on a grid of
    # strengths shared by all rows, the residuals are one matrix product
    def scores(log_grid: NDArray[np.float64]) -> NDArray[np.float64]:
        damped = (10.0**log_grid)[:, None] * rho  # (L, K)
        keep = 1.0 / (1.0 + damped)
        residual = rest[:, None] + y2 @ ((damped * keep) ** 2).T  # (R, L)
        trace = keep.sum(axis=1)  # (L,)
        if rule == "gcv":
            return n * residual / np.maximum(n - trace, 1.0) ** 2
        return residual + 2.0 * (sigma**2)[:, None] * trace

    grid = np.linspace(low, high, _GRID_POINTS)
    coarse = grid[np.argmin(scores(grid), axis=1)]
    spacing = grid[1] - grid[0]
    # then a grid _REFINE times finer over the span of the rows' coarse minima, each row
    # taking its minimum within one coarse step of its own
    fine = np.arange(
        coarse.min() - spacing, coarse.max() + spacing * (1 + 0.5 / _REFINE), spacing / _REFINE
    )
    best = np.full(rows, np.inf)
    centre = coarse.copy()
    for first in range(0, fine.size, _FINE_BLOCK):  # blocks of the fine grid
        block = fine[first : first + _FINE_BLOCK]
        values = scores(block)
        values[np.abs(block[None, :] - coarse[:, None]) > spacing] = np.inf
        at = np.argmin(values, axis=1)
        lowest = values[np.arange(rows), at]
        better = lowest < best
        best[better], centre[better] = lowest[better], block[at[better]]
    return 10.0**centre


def _solve(
    z: NDArray[np.float64],
    df: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
    df_noise: object,
    rule: str,
    strength: float | None,
    upsample: int,
    bias: bool,
) -> MethodFit:
    rows = df.reshape(-1, z.size)
    sigma = _noise(df_noise, df).reshape(-1)
    if rows.shape[0] == 0:  # an empty batch: nothing to fit, no operator to build
        empty = np.zeros(df.shape)
        return MethodFit(
            empty,
            empty.copy(),
            empty.copy(),
            {"strength": np.zeros(df.shape[:-1]), "df_noise": sigma.reshape(df.shape[:-1])},
        )
    op = regularized_operator(z.size, float(z[0]), float(z[-1]), amplitude, k, f0, upsample)
    if rows.shape[0] >= _DENSE_ROWS:  # a batch: one dense product with G V (BLAS)
        y = rows @ op.data_basis  # (R, K')
    else:  # a few curves: the sparse G reads less memory than G V
        y = np.asarray(op.forward.T @ rows.T).T @ op.basis
    rest = np.maximum(np.einsum("rn,rn->r", rows, rows) - np.einsum("rk,rk->r", y, y), 0.0)
    if strength is not None:
        lam = np.full(rows.shape[0], strength)
    else:
        lam = _strengths(y, rest, sigma, op.rho, z.size, rule)
    keep = 1.0 / (1.0 + lam[:, None] * op.rho)
    force = np.asarray(op.values @ (op.basis @ (y * keep).T)).T
    if bias:  # the exact std at the chosen strength; the bias from a less smoothed pilot
        std = np.sqrt((op.force_basis**2) @ (keep**2).T).T * sigma[:, None]
        pilot = 1.0 / (1.0 + (lam / BIAS_PILOT)[:, None] * op.rho)
        smoothing = (lam[:, None] * op.rho) * keep * pilot  # (1 - keep) * pilot
        bias_values = np.abs(np.asarray(op.values @ (op.basis @ (smoothing * y).T)).T)
    else:  # the force alone (regularized)
        std, bias_values = np.zeros_like(force), np.zeros_like(force)
    # no noise (or a strength of zero): the unregularised exact method
    exact = sigma == 0 if strength is None else np.full(sigma.shape, strength == 0)
    if np.any(exact):
        force[exact] = matrix_exact(z, rows[exact], amplitude, k, f0, upsample=upsample)
        std[exact] = 0.0
        bias_values[exact] = 0.0
    shape = df.shape
    return MethodFit(
        force.reshape(shape),
        std.reshape(shape),
        bias_values.reshape(shape),
        {"strength": lam.reshape(shape[:-1]), "df_noise": sigma.reshape(shape[:-1])},
    )


def regularized_fit(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    df_noise: float | ArrayLike | None = None,
    rule: str = "risk",
    strength: float | None = None,
    upsample: int = 4,
) -> MethodFit:
    """The regularised force with its standard deviation, its bias bound and the strength.

    Parameters are those of :func:`regularized`.

    Returns
    -------
    MethodFit
        ``force`` [N], ``force_std`` [N] (exact for the chosen strength and noise),
        ``force_bias`` [N] (magnitude of the estimated smoothing bias; the combined
        uncertainty is ``hypot(force_std, force_bias)``), each with the shape of ``df``, and
        ``info`` with the ``strength`` and the ``df_noise`` [Hz] used per curve.
    """
    z, values = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    rule, strength, upsample = _options(rule, strength, upsample)
    uniform_step(z, "regularized")
    return _solve(z, values, amplitude, k, f0, df_noise, rule, strength, upsample, True)


def regularized(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    df_noise: float | ArrayLike | None = None,
    rule: str = "risk",
    strength: float | None = None,
    upsample: int = 4,
) -> NDArray[np.float64]:
    """Recover the force by Tikhonov-regularised exact-weight deconvolution.

    docs/physics.md section 12 (module docstring): the exact-weight forward model of
    :func:`fmdecon.matrix_exact`, a cubic-spline force, a penalty on ``int F''^2`` whose
    strength is chosen per curve from the data and its noise.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing and uniformly spaced (values printed
        to six digits count as uniform).
    df : array_like
        Frequency shift [Hz]: shape ``(N,)``, or ``(..., N)`` for several curves on the same
        grid and amplitude (the operator is built once; each curve gets its own strength).
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    df_noise : float or array_like, optional
        rms of the white frequency-shift noise [Hz], one value or one per curve; default:
        estimated from each curve (:func:`white_noise_rms`). Zero gives
        :func:`fmdecon.matrix_exact`.
    rule : {"risk", "gcv", "discrepancy"}, optional
        How the strength is chosen (module docstring); ignored when ``strength`` is given.
    strength : float, optional
        A fixed, dimensionless strength ``lambda >= 0`` instead of a rule (the estimate is then
        linear in ``df``).
    upsample : int, optional
        Cells per grid step of the forward model (as for :func:`fmdecon.matrix_exact`).

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z``, shape of ``df``.

    Raises
    ------
    ValueError
        On bad input, a non-uniform grid, an unknown rule or a negative noise or strength.
    """
    z, values = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    rule, strength, upsample = _options(rule, strength, upsample)
    uniform_step(z, "regularized")
    return _solve(z, values, amplitude, k, f0, df_noise, rule, strength, upsample, False).force


def regularized_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64]:
    """Row norms of the estimate's linear operator at a fixed ``strength`` (the ``row_norms``
    capability of the registry entry): ``||row i of E V diag(1 / (1 + lambda rho))||``.

    Raises
    ------
    ValueError
        Without ``strength``: the operator depends on the strength the rule picks from the
        data, which :func:`regularized_fit` reports (with the standard deviation).
    """
    unknown = set(options) - {"strength", "upsample", "rule", "df_noise"}
    if unknown:
        raise ValueError(f"regularized: unknown option(s) {', '.join(sorted(unknown))}")
    if options.get("strength") is None:
        raise ValueError(
            "regularized: its noise depends on the strength its rule picks from the data; pass "
            "strength=... (the strength fmdecon.regularized_fit reports), or take force_std "
            "from fmdecon.regularized_fit"
        )
    _, strength, upsample = _options("risk", options["strength"], options.get("upsample", 4))
    uniform_step(z, "regularized")
    if strength == 0:
        from fmdecon.methods.matrix_exact import exact_row_norms

        return exact_row_norms(z, amplitude, k, f0, {"upsample": upsample})
    op = regularized_operator(z.size, float(z[0]), float(z[-1]), amplitude, k, f0, upsample)
    keep = 1.0 / (1.0 + strength * op.rho)
    return np.sqrt((op.force_basis**2) @ keep**2)


def regularized_method_fit(
    z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float, df_noise: Any = None
) -> MethodFit:
    """The ``fit`` capability of the registry entry: :func:`regularized_fit` with defaults."""
    return regularized_fit(z, df, amplitude, k, f0, df_noise=df_noise)
