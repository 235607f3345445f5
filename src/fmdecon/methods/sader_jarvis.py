"""Sader-Jarvis deconvolution (Sader & Jarvis 2004; Welker et al. 2012, Eqs. 11-14).

docs/physics.md section 2. With ``Omega = df / f0``::

    F(z) = 2k int_z^inf [(1 + A^(1/2) / (8 sqrt(pi (t - z)))) Omega(t)
                         - A^(3/2) / sqrt(2 (t - z)) dOmega/dt] dt

discretised with forward differences, the trapezoid rule over the samples
``t = z_{j+1} ... z_{N-1}`` (1-based) and Sader's correction term for ``[z_j, z_{j+1}]``.

The double sum is split into a suffix sum (O(N)) and a sum with the kernel
``1 / sqrt(t - z)``. On a uniform grid the kernel depends only on ``t - z`` and that sum is
a correlation, done by FFT in O(N log N). To keep pointwise *relative* accuracy where the
curve has decayed by many orders of magnitude, the correlation is done on exponentially
rescaled data (``X_i e^(gamma i)`` against ``m^(-1/2) e^(-gamma m)``), which flattens the
dynamic range that an FFT's absolute rounding error would otherwise expose. On a
non-uniform grid the sum is evaluated directly in row blocks (O(N^2) work, O(N) memory).
A batch of curves (``df`` of shape ``(..., N)``) shares that per-grid work.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft, special

from fmdecon._validation import curves, sensor
from fmdecon.methods._rescale import floor_exponent

__all__ = ["sader_jarvis", "sqre", "t_exact", "t_sader_jarvis"]

_BLOCK_ELEMENTS = 1_000_000  # kernel entries per block on non-uniform grids
_MAX_LOG_SCALE = 600.0  # largest exponent of the rescaling, well inside float64 range
_FFT_UNIFORM_RTOL = 1e-10  # spacing deviation below which the FFT path is exact to rounding
_CHUNK_ELEMENTS = 32_768  # values per chunk of rows in the elementwise work on a batch


def t_exact(x: ArrayLike) -> NDArray[np.float64]:
    """Exact Laplace-space function ``T(x) = exp(-x) I1(x)`` (Welker, Fig. 9c).

    Parameters
    ----------
    x : array_like
        Dimensionless argument, e.g. ``lambda * A`` for an exponential force of decay
        constant lambda and amplitude A.

    Returns
    -------
    numpy.ndarray
    """
    return special.i1e(np.asarray(x, dtype=np.float64))


def t_sader_jarvis(x: ArrayLike) -> NDArray[np.float64]:
    """Sader-Jarvis approximation ``T_SJ(x) = (x/2) / (1 + x^(1/2)/8 + sqrt(pi/2) x^(3/2))``.

    Parameters
    ----------
    x : array_like
        Dimensionless argument (>= 0).

    Returns
    -------
    numpy.ndarray
    """
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x / (1.0 + np.sqrt(x) / 8.0 + np.sqrt(np.pi / 2.0) * x**1.5)


def sqre(x: ArrayLike) -> NDArray[np.float64]:
    """Squared relative error ``((T_SJ - T) / T)^2`` of the Sader-Jarvis approximation.

    Welker et al. 2012, Eq. 23 and Fig. 9c; its square root peaks at about 5 %.

    Parameters
    ----------
    x : array_like
        Dimensionless argument (> 0).

    Returns
    -------
    numpy.ndarray
    """
    exact = t_exact(x)
    return ((t_sader_jarvis(x) - exact) / exact) ** 2


@functools.lru_cache(maxsize=8)
def _scaled_kernel(n: int, step: float, gamma: float) -> tuple[int, np.ndarray, np.ndarray]:
    """FFT size, spectrum of the kernel ``m^(-1/2) e^(-gamma m) / sqrt(step)`` and the
    rescaling ``e^(gamma i)``; cached, since a sweep reuses one grid for many curves."""
    index = np.arange(n, dtype=np.float64)
    kernel = np.zeros(n)
    kernel[1:] = np.exp(-gamma * index[1:] - 0.5 * np.log(index[1:] * step))
    size = fft.next_fast_len(2 * n - 1, real=True)
    spectrum = fft.rfft(kernel, size)
    growth = np.exp(gamma * index)
    for array in (spectrum, growth):
        array.flags.writeable = False
    return size, spectrum, growth


def _scale_exponent(envelope: NDArray[np.float64]) -> float | None:
    """Rescaling exponent gamma of one curve whose non-increasing envelope (running maximum
    of ``|values|`` from the far end) is ``envelope``; None if the curve is zero."""
    n = envelope.size
    last = int(np.flatnonzero(envelope > 0)[-1]) if envelope[0] > 0 else -1
    if last < 0:
        return None
    gamma = 0.0
    if last > 0:
        gamma = np.log(envelope[0] / envelope[last]) / last
        gamma = float(f"{min(max(gamma, 0.0), _MAX_LOG_SCALE / n):.2g}")
    return gamma


def _correlate_uniform(values: NDArray[np.float64], step: float) -> NDArray[np.float64]:
    """``out[j] = sum_{m>=1} values[j+m] / sqrt(m * step)`` for all j, by FFT.

    The data are rescaled by ``exp(gamma i)`` so that their envelope is roughly flat, and
    the kernel by ``exp(-gamma m)``; the product is unchanged, but FFT rounding errors are
    then relative to each output's own size rather than to the largest value. gamma is the
    mean log-decay of the data's envelope, rounded to two digits (any gamma gives the same
    sums; rounding lets curves on one grid share the kernel's spectrum).

    ``values`` may have shape ``(R, N)``: each row gets its own gamma, floored to a multiple
    of 4/N (:mod:`fmdecon.methods._rescale`); the rows are grouped by it and each group is
    done by one batched FFT with one (cached) kernel spectrum; every row then equals the 1-D
    call on it to rounding (the same sums, a slightly different flattening).
    """
    n = values.shape[-1]
    if values.ndim == 2:
        envelopes = np.maximum.accumulate(np.abs(values[:, ::-1]), axis=-1)[:, ::-1]
        groups: dict[float, list[int]] = {}
        for r, envelope in enumerate(envelopes):  # a loop over curves, not grid points
            gamma_r = _scale_exponent(envelope)
            if gamma_r is not None:  # floored: a few kernel spectra for noisy copies
                groups.setdefault(floor_exponent(gamma_r, n), []).append(r)
        out = np.zeros(values.shape)
        for gamma_g, members in groups.items():
            rows = np.asarray(members)
            size, spectrum, growth = _scaled_kernel(n, step, gamma_g)
            scaled = values[rows] * growth
            spectra = fft.rfft(scaled[:, ::-1], size, axis=-1)
            conv = fft.irfft(spectra * spectrum, size, axis=-1)[:, :n]
            out[rows] = conv[:, ::-1] / growth
        return out
    envelope = np.maximum.accumulate(np.abs(values[::-1]))[::-1]  # non-increasing
    gamma = _scale_exponent(envelope)
    if gamma is None:
        return np.zeros(n)
    size, spectrum, growth = _scaled_kernel(n, step, gamma)
    # correlation: out[j] = sum_m kernel[m] scaled[j + m] = conv(scaled[::-1], kernel)[n-1-j]
    scaled = values * growth
    conv = fft.irfft(fft.rfft(scaled[::-1], size) * spectrum, size)[:n]
    return conv[::-1] / growth


def _kernel_sum_direct(values: NDArray[np.float64], z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``out[..., j] = sum_{i>j} values[..., i] / sqrt(z[i] - z[j])``, directly, in row blocks.

    ``values`` has shape ``(N,)`` or ``(R, N)``; each kernel block is built once for all rows.
    """
    n = values.shape[-1]
    out = np.zeros(values.shape)
    rows = max(1, _BLOCK_ELEMENTS // n)
    for start in range(0, n, rows):
        j = np.arange(start, min(start + rows, n))
        distance = z[None, :] - z[j, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            kernel = np.where(distance > 0, 1.0 / np.sqrt(np.where(distance > 0, distance, 1)), 0)
        if values.ndim == 1:
            out[j] = kernel @ values
        else:
            out[:, j] = (kernel @ values.T).T
    return out


def _row_chunks(rows: int, n: int) -> list[slice]:
    """Slices of about ``_CHUNK_ELEMENTS`` values each over ``rows`` curves of ``n`` points."""
    size = max(1, _CHUNK_ELEMENTS // max(n, 1))
    return [slice(start, start + size) for start in range(0, rows, size)]


def sader_jarvis(
    z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Recover the force from a frequency-shift curve with the Sader-Jarvis formula.

    docs/physics.md section 2 (Welker et al. 2012, Eqs. 11-14), including Sader's correction
    term for the integrable singularity at ``t = z``. Works on uniform grids (FFT,
    O(N log N)) and on non-uniform grids (direct sum, O(N^2) time, O(N) memory).

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], strictly increasing (closest approach first); the
        spacing may be non-uniform.
    df : array_like
        Frequency shift [Hz] at each ``z``: shape ``(N,)``, or ``(..., N)`` for several curves
        on the same grid and amplitude. Each row equals the 1-D call on it to rounding
        (~1e-15 of the row's largest value; a batch of one row bit for bit); rows are
        grouped by their
        rescaling exponent, and each group shares one kernel spectrum and one batched FFT
        (on a non-uniform grid, each kernel block is built once for all rows).
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].

    Returns
    -------
    numpy.ndarray
        Force [N] at each ``z`` (shape of ``df``); the last three points, where the
        trapezoid rule has fewer than two samples, are NaN.

    Raises
    ------
    ValueError
        If an argument is not finite, not positive, of the wrong length, if ``z`` is not
        strictly increasing or has fewer than 3 points (with 3, every point is NaN).
    """
    z, df = curves(z, df, "df")
    amplitude, k, f0 = sensor(amplitude, k, f0)
    if df.ndim > 1 and df.size == z.size:  # a batch of one curve: that curve, bit for bit
        return sader_jarvis(z, df.reshape(z.size), amplitude, k, f0).reshape(df.shape)
    if df.ndim > 2:
        return sader_jarvis(z, df.reshape(-1, z.size), amplitude, k, f0).reshape(df.shape)

    n = z.size
    last = n - 2  # last sample (0-based) where the forward difference exists
    step = np.diff(z)  # h_j = z_{j+1} - z_j
    a = np.sqrt(amplitude) / (8.0 * np.sqrt(np.pi))
    b = amplitude**1.5 / np.sqrt(2.0)

    # trapezoid weights of the samples 1..last when the integral starts at sample 0;
    # a later start j only changes the weight of its first sample j+1 (subtracted below).
    weights = np.zeros(last + 1)
    weights[1:last] = 0.5 * (z[2 : last + 1] - z[: last - 1])
    weights[last] = 0.5 * (z[last] - z[last - 1])
    defined = last - 1  # points j = 0 .. last-2 have at least two trapezoid samples
    h = step[:defined]

    def local_terms(rows: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        """Everything but the kernel sum, for curves ``rows`` (shape (N,) or (R, N))."""
        omega = rows / f0
        slope = np.diff(omega, axis=-1) / step  # Omega'_j, j = 0 .. n-2
        # suffix sum of the kernel-free part: sum_{i>j} w_i Omega_i
        plain = weights * omega[..., : last + 1]
        suffix = np.zeros(plain.shape)
        suffix[..., :-1] = np.cumsum(plain[..., ::-1], axis=-1)[..., ::-1][..., 1:]
        # integrand of the kernel part: w_i (a Omega_i - b Omega'_i)
        singular = weights * (a * omega[..., : last + 1] - b * slope[..., : last + 1])
        following = omega[..., 1 : defined + 1]
        first_sample = (
            0.5 * h * (following + (a * following - b * slope[..., 1 : defined + 1]) / np.sqrt(h))
        )
        this = omega[..., :defined]
        correction = (
            this * h + 2.0 * a * this * np.sqrt(h) - 2.0 * b * slope[..., :defined] * np.sqrt(h)
        )
        return singular, correction + suffix[..., :defined], first_sample

    spacing = (z[last] - z[0]) / last
    uniform = np.all(np.abs(step[:last] - spacing) <= _FFT_UNIFORM_RTOL * spacing)
    if uniform and df.ndim == 2 and df.shape[0] > 1:
        # a batch on a uniform grid: everything per block of rows that stays in cache (the
        # kernel spectra, one per rescaling exponent, come from the cache across blocks)
        force = np.full(df.shape, np.nan)
        for rows in _row_chunks(df.shape[0], n):
            singular_, partial_, first_ = local_terms(df[rows])
            kernel_ = _correlate_uniform(singular_, spacing)[:, :defined]
            force[rows, :defined] = 2.0 * k * (partial_ + kernel_ - first_)
        return force

    # on a batch (non-uniform grid), the elementwise work is done in chunks of rows that stay
    # in cache, the kernel sum for the whole batch at once (each kernel block built once)
    chunks = [slice(0, None)] if df.ndim == 1 else _row_chunks(df.shape[0], n)
    singular = np.empty((*df.shape[:-1], last + 1))
    partial = np.empty((*df.shape[:-1], max(defined, 0)))
    first_sample = np.empty_like(partial)
    for rows in chunks:
        singular[rows], partial[rows], first_sample[rows] = local_terms(df[rows])

    # kernel part: sum_{i>j} w_i (a Omega_i - b Omega'_i) / sqrt(z_i - z_j)
    if uniform:
        kernel_sum = _correlate_uniform(singular, spacing)
    else:
        kernel_sum = _kernel_sum_direct(singular, z[: last + 1])

    force = np.full(df.shape, np.nan)
    for rows in chunks:
        force[rows][..., :defined] = (
            2.0 * k * (partial[rows] + kernel_sum[rows][..., :defined] - first_sample[rows])
        )
    return force
