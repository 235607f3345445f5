"""Giessibl's matrix method (Giessibl 2001; Welker et al. 2012, Eqs. 15-18).

docs/physics.md section 3. On a uniform grid of step d, with the axis reversed so that index 1
is the farthest point, ``df_i = sum_j W_ij F_j`` with a lower-triangular, banded Toeplitz
matrix: ``W_ij = w_(i-j)`` for ``0 <= i - j <= 2 alpha`` and zero elsewhere, where
``alpha = round(A/d)``. The true amplitude A stays in the prefactor while the band uses the
rounded alpha; this mismatch produces the CoD spikes at ``A/d = n + 1/2`` that Welker et al.
study, and it is kept on purpose.

Solving a lower-triangular Toeplitz system is a causal recursive (IIR) filter with
denominator ``w``: forward substitution in O(N alpha) time and O(N + alpha) memory, done by
:func:`scipy.signal.lfilter`. For wide bands the same system is solved in O(N log N) by FFT
power-series inversion: with ``F_i = e^(gamma i) G_i`` the weights become
``w_m e^(-gamma m)`` (the filter's poles, on the unit circle for this W, move inside it), the
inverse series of the rescaled weights is found by Newton iteration and applied by one FFT
convolution; the rescaling also keeps the result's relative accuracy where the force has
decayed by many orders of magnitude. Both agree with a dense triangular solve to ~1e-12. No
``N x N`` matrix is formed.

A batch of curves on a narrow band (``solver="auto"``; from a few rows on, by a measured cost
estimate) is solved by blocked forward substitution instead of the filter's loop over rows: the
axis is cut into blocks of ``b = 32`` samples and each block, for all rows at once, is one
matrix product (level-3 BLAS) of its right-hand sides and the ``2 alpha`` solution values
before it with a ``(b + 2 alpha) x b`` matrix built once from ``w`` (the inverse of the block's
own Toeplitz matrix, from the filter's first ``b`` impulse-response coefficients, and the
coupling of the preceding values into the block). The Python loop runs over the ``N / b``
blocks only; the carried values are the solution itself, so the rounding stays that of forward
substitution (rows agree with their single calls to ~1e-14 of their largest value). One curve,
a batch of one and ``solver="recursive"`` keep the filter, bit for bit.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curves, sensor, uniform_step
from fmdecon.methods._rownorms import solver_option, warn_small
from fmdecon.methods._toeplitz import (
    FFT_ALPHA,
    FFT_ALPHA_BATCH,
    fft_threshold,
    impulse_response,
    solve_causal,
)
from fmdecon.methods._warnings import CoarseGridWarning, SmallAmplitudeWarning

__all__ = [
    "ADVISED_A_OVER_D",
    "CoarseGridWarning",
    "SmallAmplitudeWarning",
    "check_band",
    "matrix_alpha",
    "matrix_method",
    "matrix_row_norms",
    "matrix_weights",
]

#: Welker et al. (2012) advise A/d > 50 for the matrix method.
ADVISED_A_OVER_D = 50.0


def check_band(half_band: float, points: int, method: str, amplitude: float, span: float) -> None:
    """Raise if a method's half-band (about ``A/d`` coefficients) is longer than the curve.

    Called before the band is allocated, so that an amplitude in the wrong unit (``50``
    meant as pm is 50 m) is a one-line error, not an attempt to allocate terabytes. A full
    band ``2 alpha + 1`` longer than the curve is still computed (only its first ``N``
    coefficients act, and such amplitudes are part of the study's sweeps); a half-band
    longer than the curve means the amplitude exceeds the whole z span.

    Parameters
    ----------
    half_band : float
        Half-width of the band in coefficients (``A/d`` or ``alpha``).
    points : int
        Number of points of the (possibly resampled) curve.
    method : str
        Name used in the message.
    amplitude, span : float
        Amplitude and z span of the curve [m], for the message.

    Raises
    ------
    ValueError
        If ``half_band > points``.
    """
    if half_band > points:
        raise ValueError(
            f"{method}: amplitude = {float(amplitude):.4g} m exceeds the whole z span "
            f"{float(span):.4g} m: its "
            f"band would have {2 * half_band + 1:.4g} weights for a curve of {points} points. "
            "Is the amplitude in the right unit (SI: metres; e.g. 50 pm = 5e-11)?"
        )


def matrix_alpha(amplitude: float, step: float) -> int:
    """Band half-width ``alpha = round(A/d)``, rounding halves up as MATLAB's ``round`` does.

    Parameters
    ----------
    amplitude : float
        Oscillation amplitude [m].
    step : float
        Grid spacing d [m].

    Returns
    -------
    int
    """
    return math.floor(amplitude / step + 0.5)


def matrix_weights(amplitude: float, step: float, k: float, f0: float) -> NDArray[np.float64]:
    """The band ``w_m = W_(i, i-m)``, ``m = 0 .. 2 alpha``, of the matrix method.

    docs/physics.md section 3 (Welker Eq. 16 integrated)::

        w_m = f0 / (pi k A) * 2 / (2 alpha + 1)
              * [sqrt((2 alpha + 1)(m + 1) - (m + 1)^2) - sqrt((2 alpha + 1) m - m^2)]

    The bracket is evaluated as ``(2 alpha - 2 m) / (g(m+1) + g(m))`` with
    ``g(x) = sqrt(x (2 alpha + 1 - x))``, the same number without the cancellation of two
    nearly equal square roots near the band centre.

    Parameters
    ----------
    amplitude : float
        Oscillation amplitude A [m] (used unrounded in the prefactor).
    step : float
        Grid spacing d [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].

    Returns
    -------
    numpy.ndarray
        ``2 alpha + 1`` weights [Hz/N]; a single zero when ``alpha = 0``.
    """
    alpha = matrix_alpha(amplitude, step)
    width = 2 * alpha + 1
    m = np.arange(width, dtype=np.float64)
    g_next = np.sqrt((m + 1.0) * (width - m - 1.0))
    g_this = np.sqrt(m * (width - m))
    with np.errstate(invalid="ignore", divide="ignore"):
        bracket = np.where(g_next + g_this > 0, (width - 1.0 - 2.0 * m) / (g_next + g_this), 0.0)
    return f0 / (np.pi * k * amplitude) * (2.0 / width) * bracket


def matrix_method(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    solver: str = "auto",
) -> NDArray[np.float64]:
    """Recover the force from a frequency-shift curve with Giessibl's matrix method.

    docs/physics.md section 3, exactly as specified: ``alpha = round(A/d)`` for the band and the
    true A in the prefactor; forces beyond the far end of the data are taken as zero.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing and uniformly spaced.
    df : array_like
        Frequency shift [Hz] at each ``z``: shape ``(N,)``, or ``(..., N)`` for several curves
        on the same grid and amplitude (solved together; the weights and, for the FFT solve,
        the inverse series are computed once).
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    solver : {"auto", "recursive", "fft"}, optional
        How the triangular system is solved: forward substitution as a recursive filter
        (O(N alpha); a batch row by row, each row bit for bit its single call), FFT
        power-series inversion (O(N log N)), or the faster for this band: ``"fft"`` when
        ``alpha > FFT_ALPHA``, or ``alpha > FFT_ALPHA_BATCH`` for a batch of curves, else
        forward substitution, for a batch of several curves in blocks of samples by matrix
        products. The results agree to rounding.

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z``, with the shape of ``df``. All NaN when ``A/d < 1/2``
        (``alpha = 0``, W singular).

    Raises
    ------
    ValueError
        On bad input, including a non-uniform grid (resample first, e.g. with
        :func:`numpy.interp`; values rounded to six significant digits count as uniform)
        and an amplitude beyond the whole z span (``A/d > N``, checked before any
        allocation: a wrong unit, not a band to build).

    Warns
    -----
    SmallAmplitudeWarning
        If ``A/d < 1``: the result is computed (NaN for ``alpha = 0``) but unreliable.
    CoarseGridWarning
        If ``1 <= A/d < 50``, below the ratio Welker et al. (2012) advise.
    """
    z, df = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
    step = uniform_step(z, "matrix_method")
    ratio = amplitude / step
    check_band(ratio, z.size, "matrix_method", amplitude, float(z[-1] - z[0]))
    alpha = matrix_alpha(amplitude, step)
    if ratio < 1.0:
        warnings.warn(
            f"matrix_method: amplitude / step = {ratio:.3g} < 1 (alpha = {alpha}); the "
            "oscillation spans less than one grid step and the result is unreliable"
            + (" (alpha = 0: W is singular, returning NaN)" if alpha == 0 else "")
            + ". Use a finer grid (Welker et al. 2012 advise A/d > 50).",
            SmallAmplitudeWarning,
            stacklevel=2,
        )
    elif ratio < ADVISED_A_OVER_D:
        warnings.warn(
            f"matrix_method: A/d = {ratio:.3g} is below the A/d = {ADVISED_A_OVER_D:g} that "
            "Welker et al. (2012) advise; expect errors of several per cent (and spikes at "
            "A/d = n + 1/2). Use a finer grid, or matrix_resampled / matrix_exact.",
            CoarseGridWarning,
            stacklevel=2,
        )
    if alpha == 0:
        return np.full(df.shape, np.nan)
    weights = matrix_weights(amplitude, step, k, f0)
    # reversed axis: index 0 is the farthest point; zero initial state = zero force beyond
    threshold = fft_threshold(df, FFT_ALPHA, FFT_ALPHA_BATCH)
    use_fft = solver == "fft" or (solver == "auto" and alpha > threshold)
    force = solve_causal(
        weights, df[..., ::-1], "fft" if use_fft else "recursive", blocked=solver == "auto"
    )[..., ::-1]
    return np.ascontiguousarray(force)  # a copy unless the solve left it contiguous


# --------------------------------------------------------------------------------------------
# matrix method (section 3)
# --------------------------------------------------------------------------------------------


def matrix_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms of the matrix method's operator (the ``row_norms`` capability of its
    registry entry; docs/physics.md section 7): on the reversed axis ``L`` is lower-triangular
    Toeplitz with first column ``h``, the inverse series of the band, so ``||row i||^2 =
    sum_(m <= i) h_m^2``, a cumulative sum. None for options the shortcut does not know."""
    if set(options) - {"solver"}:
        return None
    solver = solver_option(options)
    step = uniform_step(z, "matrix_method")
    alpha = matrix_alpha(amplitude, step)
    if amplitude / step < 1.0:
        warn_small(f"matrix_method: amplitude / step = {amplitude / step:.3g} < 1")
    if alpha == 0:
        return np.full(z.size, np.nan)
    weights = matrix_weights(amplitude, step, k, f0)
    use_fft = solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA)
    h = impulse_response(weights, z.size, use_fft, fast=False)
    # reversed axis: row i of L is h_i .. h_0; back on the input axis
    return np.sqrt(np.cumsum(h**2))[::-1].copy()
