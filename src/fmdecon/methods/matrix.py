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
matrix is formed.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft

from fmdecon._validation import curve, sensor, uniform_step

__all__ = ["SmallAmplitudeWarning", "matrix_alpha", "matrix_method", "matrix_weights"]

#: Band half-width alpha above which ``solver="auto"`` uses the FFT solve (measured
#: crossover: the recursive filter costs ~N (2 alpha + 1) multiply-adds, the FFT solve a
#: few dozen FFTs of length ~2N).
FFT_ALPHA = 150
_MAX_LOG_SCALE = 600.0  # largest exponent of the rescaling, well inside float64 range


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


def _product(a: NDArray[np.float64], b: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """First ``n`` coefficients of the product of the power series ``a`` and ``b`` (FFT)."""
    size = fft.next_fast_len(a.size + b.size - 1, real=True)
    return fft.irfft(fft.rfft(a, size) * fft.rfft(b, size), size)[:n]


def _inverse_series(weights: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """First ``n`` coefficients of ``1 / w(x)`` by Newton iteration, ``h <- h (2 - w h)``:
    each step doubles the number of correct coefficients."""
    inverse = np.array([1.0 / weights[0]])
    known = 1
    while known < n:
        target = min(2 * known, n)
        remainder = -_product(weights[:target], inverse, target)
        remainder[0] += 1.0  # 1 - w h: zero up to `known`, up to rounding
        correction = _product(inverse, remainder[known:target], target - known)
        inverse = np.concatenate([inverse, correction])
        known = target
    return inverse


def _solve_fft(weights: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Solve the causal Toeplitz system ``sum_m w_m F_(i-m) = rhs_i`` in O(N log N)."""
    n = rhs.size
    envelope = np.maximum.accumulate(np.abs(rhs))  # non-decreasing
    nonzero = np.flatnonzero(envelope > 0)
    if nonzero.size == 0:
        return np.zeros(n)
    first = int(nonzero[0])
    gamma = 0.0
    if n - 1 > first:
        gamma = np.log(envelope[-1] / envelope[first]) / (n - 1 - first)
        gamma = min(max(gamma, 0.0), _MAX_LOG_SCALE / n)
    offset = np.arange(n, dtype=np.float64) - (n - 1)  # <= 0: the rescaling never overflows
    scaled_weights = weights * np.exp(-gamma * np.arange(weights.size))
    scaled = _product(_inverse_series(scaled_weights, n), rhs * np.exp(-gamma * offset), n)
    return scaled * np.exp(gamma * offset)


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
        Frequency shift [Hz] at each ``z``.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    solver : {"auto", "recursive", "fft"}, optional
        How the triangular system is solved: forward substitution as a recursive filter
        (O(N alpha)), FFT power-series inversion (O(N log N)), or the faster of the two for
        this band (``"fft"`` when ``alpha > FFT_ALPHA``). The results agree to rounding.

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
    if solver not in ("auto", "recursive", "fft"):
        raise ValueError(f"solver must be 'auto', 'recursive' or 'fft'; got solver = {solver!r}")
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
    weights = matrix_weights(amplitude, step, k, f0)
    # reversed axis: index 0 is the farthest point; zero initial state = zero force beyond
    if solver == "fft" or (solver == "auto" and alpha > FFT_ALPHA):
        return _solve_fft(weights, df[::-1])[::-1].copy()
    # imported here: scipy.signal takes ~0.8 s to import, which every pipeline job would pay
    from scipy.signal import lfilter

    return lfilter([1.0], weights, df[::-1])[::-1].copy()
