"""Giessibl's matrix method (Giessibl 2001; Welker et al. 2012, Eqs. 15-18).

PHYSICS.md section 3. On a uniform grid of step d, with the axis reversed so that index 1
is the farthest point, ``df_i = sum_j W_ij F_j`` with a lower-triangular, banded Toeplitz
matrix: ``W_ij = w_(i-j)`` for ``0 <= i - j <= 2 alpha`` and zero elsewhere, where
``alpha = round(A/d)``. The true amplitude A stays in the prefactor while the band uses the
rounded alpha; this mismatch produces the CoD spikes at ``A/d = n + 1/2`` that Welker et al.
study, and it is kept on purpose.

Solving a lower-triangular Toeplitz system is a causal recursive (IIR) filter with
denominator ``w``: forward substitution in O(N alpha) time and O(N + alpha) memory, done by
:func:`scipy.signal.lfilter`. No matrix is formed.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curve, sensor, uniform_step

__all__ = ["SmallAmplitudeWarning", "matrix_alpha", "matrix_method", "matrix_weights"]


class SmallAmplitudeWarning(UserWarning):
    """The amplitude spans less than one grid step: the matrix method is unreliable."""


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

    PHYSICS.md section 3 (Welker Eq. 16 integrated)::

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
    z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Recover the force from a frequency-shift curve with Giessibl's matrix method.

    PHYSICS.md section 3, exactly as specified: ``alpha = round(A/d)`` for the band and the
    true A in the prefactor; forces beyond the far end of the data are taken as zero.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing and uniformly spaced.
    df : array_like
        Frequency shift [Hz] at each ``z``.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z``. All NaN when ``A/d < 1/2`` (``alpha = 0``, W singular).

    Raises
    ------
    ValueError
        On bad input, including a non-uniform grid (resample first, e.g. with
        :func:`numpy.interp`).

    Warns
    -----
    SmallAmplitudeWarning
        If ``A/d < 1``: the result is computed (NaN for ``alpha = 0``) but unreliable.
    """
    z, df = curve(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0)
    step = uniform_step(z, "matrix_method")
    ratio = amplitude / step
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
    if alpha == 0:
        return np.full(z.size, np.nan)
    # imported here: scipy.signal takes ~0.8 s to import, which every pipeline job would pay
    from scipy.signal import lfilter

    weights = matrix_weights(amplitude, step, k, f0)
    # reversed axis: index 0 is the farthest point; zero initial state = zero force beyond
    return lfilter([1.0], weights, df[::-1])[::-1].copy()
