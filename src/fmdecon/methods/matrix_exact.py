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
(:func:`fmdecon.methods.matrix._solve_causal`).

Before the solve the frequency shift is upsampled by an integer factor ``p`` with a
not-a-knot cubic spline (cell size ``d/p``); afterwards the cell-centre forces are moved onto
the input grid points by linear interpolation (on a uniform input grid each point lies
exactly half-way between two cell centres, so this is their mean). The issue proposed a cubic
spline for this last step; on the paper's grid both meet the targets (the spline is not more
accurate there, the discretisation error of the cells dominates) and linear interpolation is
local, cheaper and what the specification's prototype used.
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import UNIFORM_RTOL, curves, positive_scalar, sensor
from fmdecon.methods._spline import Spline
from fmdecon.methods.matrix import (
    FFT_ALPHA,
    SmallAmplitudeWarning,
    _fft_threshold,
    _solve_causal,
)

__all__ = ["exact_cell_weights", "matrix_exact"]

#: Number of weights above which ``solver="auto"`` uses the FFT solve (measured crossover on
#: the upsampled paper grid, N p ~ 20000: both take ~2 ms per curve there).
FFT_WIDTH = FFT_ALPHA
#: The same for a batch of curves (shared inverse series; measured crossover, N p ~ 20000).
FFT_WIDTH_BATCH = 45


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


def _is_uniform(z: NDArray[np.float64]) -> bool:
    step = (z[-1] - z[0]) / (z.size - 1)
    return bool(np.max(np.abs(np.diff(z) - step)) <= UNIFORM_RTOL * step)


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
        the same grid and amplitude (weights, inverse series and spline set-up computed once).
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
    amplitude, k, f0 = sensor(amplitude, k, f0)
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
    uniform = _is_uniform(z)
    if uniform and factor == 1:
        fine = df
    elif uniform and n >= 4:
        fine = Spline(z, df).upsample(factor)
    else:
        fine_z = z[0] + cell * np.arange(fine_count, dtype=np.float64)
        fine_z[-1] = z[-1]
        fine = CubicSpline(z, df, axis=-1)(fine_z)
    use_fft = solver == "fft" or (
        solver == "auto" and weights.size > _fft_threshold(df, FFT_WIDTH, FFT_WIDTH_BATCH)
    )
    # reversed axis: index 0 is the farthest cell; zero initial state = zero force beyond
    centre_force = _solve_causal(
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
