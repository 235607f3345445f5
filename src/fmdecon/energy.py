"""Tip-sample interaction energy from a frequency-shift curve or a recovered force.

docs/physics.md section 9 (Sader & Jarvis 2004). Integrating the Sader-Jarvis force from z to
infinity (swap the integrals, integrate the dOmega/dt term by parts) gives, with
``Omega = df / f0``::

    U(z) = 2k int_z^inf [ (t - z) + (A^(1/2) / 4) sqrt((t - z) / pi)
                          + A^(3/2) / sqrt(2 (t - z)) ] Omega(t) dt

Discretisation (samples ``z_1 < ... < z_N``, spacing may be non-uniform), the same scheme as
:func:`fmdecon.sader_jarvis` (docs/physics.md section 2):

* on the first interval ``[z_j, z_{j+1}]`` (where the last term is singular) Omega is held at
  ``Omega_j`` and the kernel is integrated analytically:
  ``Omega_j (h^2/2 + (2/3) a h^(3/2) + 2 b h^(1/2))``, ``h = z_{j+1} - z_j``,
  ``a = A^(1/2) / (4 sqrt(pi))``, ``b = A^(3/2) / sqrt(2)``;
* the trapezoid rule over the samples ``t = z_{j+1} ... z_N``;
* Omega is taken as zero beyond ``z_N``.

The kernel ``K(s) = s + a sqrt(s) + b / sqrt(s)`` depends only on ``s = t - z``, so on a
uniform grid the sum over t is a correlation, done by FFT in O(N log N) on exponentially
rescaled data (as in :mod:`fmdecon.methods.sader_jarvis`, to keep pointwise relative accuracy
where the curve has decayed by many orders of magnitude). On a non-uniform grid the sum is
evaluated directly in row blocks: O(N^2) time, O(N) memory, no N x N array (the grids and
the time limit as for the force, :mod:`fmdecon.methods.sader_jarvis`).

For the matrix-family methods the energy is the integral of the recovered force from the far
end, :func:`force_integral_energy`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft

from fmdecon._progress import progress
from fmdecon._rescale import MAX_LOG_SCALE, envelope_exponent, floor_exponents
from fmdecon._validation import (
    check_direct_sum,
    curves,
    fft_uniform,
    finite_array,
    grid,
    sensor,
)

__all__ = ["force_integral_energy", "sader_jarvis_energy"]

_BLOCK_ELEMENTS = 1_000_000  # kernel entries per block on non-uniform grids


def _kernel(distance: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """``K(s) = s + a sqrt(s) + b / sqrt(s)`` for ``s > 0`` (any shape)."""
    root = np.sqrt(distance)
    return distance + a * root + b / root


def _correlate_uniform(
    values: NDArray[np.float64], step: float, a: float, b: float
) -> NDArray[np.float64]:
    """``out[j] = sum_{m>=1} values[j+m] K(m step)`` for all j, by FFT on rescaled data.

    The data are multiplied by ``exp(gamma i)`` and the kernel by ``exp(-gamma m)`` (the
    product is unchanged), gamma being the mean log-decay of the data's envelope, so that
    FFT rounding errors are relative to each output's own size.
    """
    n = values.size
    envelope = np.maximum.accumulate(np.abs(values[::-1]))[::-1]  # non-increasing
    gamma = envelope_exponent(envelope)  # the same rescaling as the Sader-Jarvis force
    if gamma is None:
        return np.zeros(n)
    index = np.arange(n, dtype=np.float64)
    kernel = np.zeros(n)
    kernel[1:] = _kernel(index[1:] * step, a, b) * np.exp(-gamma * index[1:])
    growth = np.exp(gamma * index)
    size = fft.next_fast_len(2 * n - 1, real=True)
    # correlation: out[j] = sum_m kernel[m] scaled[j + m] = conv(scaled[::-1], kernel)[n-1-j]
    conv = fft.irfft(fft.rfft((values * growth)[::-1], size) * fft.rfft(kernel, size), size)
    return conv[:n][::-1] / growth


def _correlate_direct(
    values: NDArray[np.float64],
    z: NDArray[np.float64],
    a: float,
    b: float,
    seconds: float = 0.0,
) -> NDArray[np.float64]:
    """``out[j] = sum_{i>j} values[i] K(z[i] - z[j])``, directly, in row blocks (``seconds``
    estimated: a progress bar if long)."""
    n = values.size
    out = np.zeros(n)
    rows = max(1, _BLOCK_ELEMENTS // n)
    starts = range(0, n, rows)
    for start in progress(  # a loop over blocks of rows
        starts, total=len(starts), description="energy (direct sum)", seconds=seconds
    ):
        j = np.arange(start, min(start + rows, n))
        distance = z[None, :] - z[j, None]
        positive = distance > 0
        kernel = np.where(positive, _kernel(np.where(positive, distance, 1.0), a, b), 0.0)
        out[j] = kernel @ values
    return out


def _batch_exponents(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rescaling exponents of the rows of ``values`` (R, N): the mean log-decay of each row's
    envelope as :func:`fmdecon._rescale.envelope_exponent` takes it, floored to multiples of
    ``GROUP_QUANTUM / N`` (:func:`fmdecon._rescale.floor_exponents`) so that rows of similar
    decay share one transform of the kernel; NaN for a zero row."""
    rows, n = values.shape
    envelope = np.maximum.accumulate(np.abs(values[:, ::-1]), axis=1)[:, ::-1]
    positive = envelope > 0
    live = positive[:, 0]
    last = n - 1 - np.argmax(positive[:, ::-1], axis=1)
    gamma = np.full(rows, np.nan)
    gamma[live] = 0.0
    decays = live & (last > 0)
    ratio = envelope[decays, 0] / envelope[decays, last[decays]]
    raw = np.clip(np.log(ratio) / last[decays], 0.0, MAX_LOG_SCALE / n)
    gamma[decays] = floor_exponents(raw, n)
    return gamma


def _correlate_uniform_rows(
    values: NDArray[np.float64], step: float, a: float, b: float
) -> NDArray[np.float64]:
    """:func:`_correlate_uniform` of every row of ``values`` (R, N): rows with one rescaling
    exponent share one transform of the kernel."""
    rows, n = values.shape
    out = np.zeros((rows, n))
    gamma = _batch_exponents(values)
    index = np.arange(n, dtype=np.float64)
    size = fft.next_fast_len(2 * n - 1, real=True)
    live = np.isfinite(gamma)
    exponents, group = np.unique(gamma[live], return_inverse=True)
    members_all = np.flatnonzero(live)
    for g, exponent in enumerate(exponents):  # a loop over rescaling exponents
        members = members_all[group.reshape(-1) == g]
        kernel = np.zeros(n)
        kernel[1:] = _kernel(index[1:] * step, a, b) * np.exp(-exponent * index[1:])
        growth = np.exp(exponent * index)
        spectrum = fft.rfft(kernel, size)
        scaled = (values[members] * growth)[:, ::-1]
        conv = fft.irfft(fft.rfft(scaled, size, axis=-1) * spectrum, size, axis=-1)
        out[members] = conv[:, :n][:, ::-1] / growth
    return out


def _correlate_direct_rows(
    values: NDArray[np.float64],
    z: NDArray[np.float64],
    a: float,
    b: float,
    seconds: float = 0.0,
) -> NDArray[np.float64]:
    """:func:`_correlate_direct` of every row of ``values`` (R, N), in blocks of points."""
    rows, n = values.shape
    out = np.zeros((rows, n))
    block = max(1, _BLOCK_ELEMENTS // n)
    starts = range(0, n, block)
    for start in progress(  # a loop over blocks of points
        starts, total=len(starts), description="energy (direct sum)", seconds=seconds
    ):
        j = np.arange(start, min(start + block, n))
        distance = z[None, :] - z[j, None]
        positive = distance > 0
        kernel = np.where(positive, _kernel(np.where(positive, distance, 1.0), a, b), 0.0)
        out[:, j] = values @ kernel.T
    return out


def sader_jarvis_energy(
    z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Interaction energy from a frequency-shift curve with the Sader-Jarvis formula.

    docs/physics.md section 9 (Sader & Jarvis 2004):
    ``U(z) = 2k int_z^inf [(t - z) + (A^(1/2)/4) sqrt((t - z)/pi) + A^(3/2)/sqrt(2 (t - z))]
    Omega(t) dt`` with ``Omega = df / f0``; the singular first interval is integrated
    analytically with Omega held at its value at z (as Sader's correction term of section 2),
    the rest by the trapezoid rule over the samples. Uniform grids: FFT, O(N log N);
    non-uniform grids: direct sum, O(N^2) time, O(N) memory.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing (closest approach first); the
        spacing may be non-uniform.
    df : array_like
        Frequency shift [Hz] at each ``z``: one curve (N,) or a batch (..., N) on ``z``
        (every row at once; rows share the kernel's transform where their rescaling
        exponents agree).
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].

    Returns
    -------
    numpy.ndarray
        Energy [J] at each ``z``, the shape of ``df`` (zero at infinity; the frequency shift
        is taken as zero beyond ``z[-1]``). The last two points, where the trapezoid rule has
        fewer than two samples, are NaN.

    Raises
    ------
    ValueError
        If an argument is not finite, not positive, of the wrong length, or if ``z`` is not
        strictly increasing or has fewer than 3 points.
    """
    z, df = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0)
    n = z.size
    omega = df / f0
    step = np.diff(z)
    a = np.sqrt(amplitude) / (4.0 * np.sqrt(np.pi))
    b = amplitude**1.5 / np.sqrt(2.0)

    # trapezoid weights of samples 1..n-1 for an integral that starts at sample 0; a later
    # start j only changes the weight of its first sample j+1 (corrected below).
    weights = np.zeros(n)
    weights[1:-1] = 0.5 * (z[2:] - z[:-2])
    weights[-1] = 0.5 * step[-1]
    values = weights * omega

    spacing = (z[-1] - z[0]) / (n - 1)
    uniform = fft_uniform(z)
    seconds = 0.0 if uniform else check_direct_sum(z, "sader_jarvis_energy", df.size // n)
    if df.ndim > 1:  # a batch: the rows at once
        rows = values.reshape(-1, n)
        if uniform:
            kernel_sum = _correlate_uniform_rows(rows, spacing, a, b).reshape(df.shape)
        else:
            kernel_sum = _correlate_direct_rows(rows, z, a, b, seconds).reshape(df.shape)
    elif uniform:
        kernel_sum = _correlate_uniform(values, spacing, a, b)
    else:
        kernel_sum = _correlate_direct(values, z, a, b, seconds)

    j = np.arange(n - 2)  # points with at least two trapezoid samples
    h = step[j]
    first_sample = 0.5 * h * omega[..., j + 1] * _kernel(h, a, b)
    root = np.sqrt(h)
    first_interval = omega[..., j] * (0.5 * h * h + (2.0 / 3.0) * a * h * root + 2.0 * b * root)

    energy = np.full(df.shape, np.nan)
    energy[..., j] = 2.0 * k * (first_interval + kernel_sum[..., j] - first_sample)
    return energy


def force_integral_energy(z: ArrayLike, force: ArrayLike) -> NDArray[np.float64]:
    """Energy as the integral of a force from the far end of the curve.

    docs/physics.md section 9: ``U(z_j) = int_{z_j}^{z_N} F dz'`` (cumulative trapezoid rule
    from the far end; the force is taken as zero beyond the last sample), the energy of the
    matrix-family methods.

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing.
    force : array_like
        Force [N] at each ``z``. NaN is allowed at the ends (where a method leaves the force
        undefined): the integral then starts at the last finite sample ``z_M`` and is NaN
        wherever a NaN lies between ``z_j`` and ``z_M``. A batch ``(..., N)`` is integrated
        row by row at once; a row with no finite value gives NaN (one curve raises).

    Returns
    -------
    numpy.ndarray
        Energy [J] at each ``z`` (zero at the last finite sample).

    Raises
    ------
    ValueError
        If ``z`` is not a strictly increasing grid of at least 2 points, if the lengths
        differ, if ``force`` holds an infinity, or if it has no finite value.
    """
    z = grid(z, "z", minimum=2)
    f = np.asarray(force, dtype=np.float64)
    if f.ndim > 1 and f.shape[-1] == z.size:
        return _force_integral_rows(z, f)
    if f.ndim != 1 or f.size != z.size:
        raise ValueError(
            f"force must be one-dimensional with the length of z ({z.size}); got shape {f.shape}"
        )
    finite = np.isfinite(f)
    if np.any(np.isinf(f)):
        finite_array(np.where(np.isnan(f), 0.0, f), "force")  # raises, naming the entry
    if not finite.any():
        raise ValueError("force has no finite value; cannot integrate it")
    last = int(np.flatnonzero(finite)[-1])
    # valid[j]: every sample j..last is finite
    valid = np.zeros(z.size, dtype=bool)
    valid[: last + 1] = np.logical_and.accumulate(finite[: last + 1][::-1])[::-1]
    filled = np.where(finite, f, 0.0)
    pieces = 0.5 * (filled[1:] + filled[:-1]) * np.diff(z)  # piece i covers [z_i, z_{i+1}]
    pieces[last:] = 0.0
    tail = np.zeros(z.size)
    tail[:-1] = np.cumsum(pieces[::-1])[::-1]
    return np.where(valid, tail, np.nan)


def _force_integral_rows(
    z: NDArray[np.float64], force: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`force_integral_energy` of every row of ``force`` (..., N) at once."""
    f = force.reshape(-1, z.size)
    if np.any(np.isinf(f)):
        finite_array(np.where(np.isnan(f), 0.0, f), "force")  # raises, naming the entry
    finite = np.isfinite(f)
    some = finite.any(axis=1)
    last = np.where(some, z.size - 1 - np.argmax(finite[:, ::-1], axis=1), -1)
    columns = np.arange(z.size)
    # valid[r, j]: every sample j..last[r] is finite
    upto = columns[None, :] <= last[:, None]
    gaps = np.cumsum((~finite & upto)[:, ::-1], axis=1)[:, ::-1]
    valid = upto & (gaps == 0)
    filled = np.where(finite, f, 0.0)
    pieces = 0.5 * (filled[:, 1:] + filled[:, :-1]) * np.diff(z)
    pieces[columns[None, :-1] >= last[:, None]] = 0.0
    tail = np.zeros(f.shape)
    tail[:, :-1] = np.cumsum(pieces[:, ::-1], axis=1)[:, ::-1]
    return np.where(valid, tail, np.nan).reshape(force.shape)
