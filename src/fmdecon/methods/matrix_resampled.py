"""Matrix method on a resampled grid with integer A/d (docs/physics.md section 6a).

Welker et al. (2012) advise an integer ratio A/d, by interpolation if needed, and A/d > 50.
For any input grid (uniform or not) with mean step ``dbar``: ``alpha' = max(round(A/dbar),
alpha_min)``, ``d' = A / alpha'`` (so A/d' is an exact integer and the band and prefactor of
section 3 agree), ``z'_i = z_1 + i d'`` up to ``z_N``, the frequency shift on ``z'`` by a
not-a-knot cubic spline, the matrix method of section 3 on ``(z', df')`` and the force back on
the input grid by a not-a-knot cubic spline.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curves, sensor
from fmdecon.methods._spline import Spline
from fmdecon.methods.matrix import (
    FFT_ALPHA,
    FFT_ALPHA_BATCH,
    _fft_threshold,
    _solve_causal,
    matrix_alpha,
    matrix_weights,
)

__all__ = ["matrix_resampled"]

_END_TOLERANCE = 1e-9  # of d': input points this far beyond the last resampled point count


def _alpha_min(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"alpha_min must be an integer >= 1; got alpha_min = {value!r}")
    return int(value)


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
        the same grid and amplitude (weights, inverse series and spline set-ups computed once).
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
    amplitude, k, f0 = sensor(amplitude, k, f0)
    minimum = _alpha_min(alpha_min)
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    n = z.size
    mean_step = (z[-1] - z[0]) / (n - 1)
    alpha = max(matrix_alpha(amplitude, mean_step), minimum)
    step = amplitude / alpha
    span = z[-1] - z[0]
    count = math.floor(span / step * (1.0 + 1e-12)) + 1
    resampled_z = z[0] + step * np.arange(count, dtype=np.float64)
    resampled_df = (Spline(z, df) if n >= 4 else CubicSpline(z, df, axis=-1))(resampled_z)
    # matrix_alpha(A, A/alpha) == alpha, so these are the weights of section 3 for alpha'
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (
        solver == "auto" and alpha > _fft_threshold(df, FFT_ALPHA, FFT_ALPHA_BATCH)
    )
    force = _solve_causal(
        weights, resampled_df[..., ::-1], "fft" if use_fft else "recursive", fast=True
    )[..., ::-1]
    back = Spline(resampled_z, force) if count >= 4 else CubicSpline(resampled_z, force, axis=-1)
    result = back(z)
    result[..., z > resampled_z[-1] + _END_TOLERANCE * step] = np.nan
    return result
