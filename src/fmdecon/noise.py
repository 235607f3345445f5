"""Exact propagation of white frequency-shift noise through the deconvolution methods.

docs/physics.md section 7. Every method is linear in the frequency shift for fixed
``(z, A, k, f0)``: ``F = L df``. For independent (white) noise of rms ``sigma`` on each
sample, ``Cov(F) = sigma^2 L L^T`` and ``std(F_j) = sigma ||row j of L||_2``. The row norms
are found from the structure of each method's operator without forming ``L``, by the method's
own code beside its operator: the ``row_norms`` capability of its registry entry
(:class:`fmdecon.methods.Method`), which :func:`force_noise` asks for; this module holds the
dispatch and the generic fallback:

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
  computed exactly and the bulk by prefix sums of ``tau^2``. The pieces are those the
  method's batches apply (:func:`fmdecon.methods.matrix_exact.exact_operator`, one home);
* matrix on a resampled grid (section 6a): ``L = P H Q`` with an incommensurate resampled
  grid, so not Toeplitz: on a uniform grid by FFT correlations of Bernoulli functions of the
  resampled points' phases, else by sparse spline matrices
  (:mod:`fmdecon.methods._resampled_noise`);
* anything else (options the shortcuts do not know, short grids, methods registered
  later): the columns of ``L`` are the method's responses to unit vectors, computed in
  batched blocks and accumulated (exact, O(N) calls' work, O(N) memory per block).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import grid, sensor
from fmdecon.methods import METHODS, Method, get_method

__all__ = ["force_noise"]

#: Matrix elements per block of unit-vector responses.
_BLOCK_ELEMENTS = 2_000_000
#: Most unit vectors per method call in the generic computation (the resampled and upsampled
#: methods work on grids several times finer than the input).
_GENERIC_BLOCK = 64


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
    ``matrix_resampled`` on a uniform grid, FFT correlations of Bernoulli functions of the
    resampled points' phases, into which the resampling spline's Gram matrix splits, with
    products of the solve's filtered impulse response, plus end terms row by row: about
    7-9 ms at N = 5000 for A/d >= 50, 13-16 ms at A/d ~ 20, where the resampled grid is
    2.4 times finer). ``matrix_resampled`` on a non-uniform grid (or with a resampled step
    below ~70/N input steps) and ``matrix_exact`` on a non-uniform grid use sparse spline
    matrices around an FFT solve, exact but O(N N' log N') time (about 1 s at N = 5000);
    anything else falls back to the method's responses to batches of unit vectors.

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
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
    norms = entry.row_norms(z, amplitude, k, f0, options) if entry.row_norms else None
    if norms is None:
        norms = _generic_row_norms(entry, z, amplitude, k, f0, options)
    return sigma * norms
