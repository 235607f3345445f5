"""Sader-Jarvis deconvolution (Sader & Jarvis 2004; Welker et al. 2012, Eqs. 11-14).

docs/physics.md section 2. With ``Omega = df / f0``::

    F(z) = 2k int_z^inf [(1 + A^(1/2) / (8 sqrt(pi (t - z)))) Omega(t)
                         - A^(3/2) / sqrt(2 (t - z)) dOmega/dt] dt

discretised with forward differences, the trapezoid rule over the samples
``t = z_{j+1} ... z_{N-1}`` (1-based) and Sader's correction term for ``[z_j, z_{j+1}]``.

One curve
---------
The double sum is split into a suffix sum (O(N)) and a sum with the kernel
``1 / sqrt(t - z)``. On a uniform grid the kernel depends only on ``t - z`` and that sum is
a correlation, done by FFT in O(N log N). To keep pointwise *relative* accuracy where the
curve has decayed by many orders of magnitude, the correlation is done on exponentially
rescaled data (``X_i e^(gamma i)`` against ``m^(-1/2) e^(-gamma m)``), which flattens the
dynamic range that an FFT's absolute rounding error would otherwise expose. On a
non-uniform grid the sum is evaluated directly in row blocks (O(N^2) work, O(N) memory).
These are the published method's numbers: a curve, and a batch of one curve, go this way.

A batch on a uniform grid: the whole map as one correlation
-----------------------------------------------------------
With every step equal to ``h`` the map ``df -> F`` is linear and, but for two end terms,
an upper-triangular Toeplitz correlation. Write ``a = A^(1/2) / (8 sqrt(pi))``,
``b = A^(3/2) / sqrt(2)``, sum the forward differences by parts onto ``Omega`` and let
``M = N - 2 - j`` (0-based; the last forward difference is at sample ``N - 2``)::

    F_j / 2k = sum_(m=0..M) c_m Omega_(j+m) + e1_M Omega_(N-2) + e2_M Omega_(N-1)

    c_0 = h + 2a sqrt(h) + 2b / sqrt(h)                    (Sader's term, [z_j, z_(j+1)])
    c_1 = h/2 + (a h + b) / (2 sqrt(h)) - 2b / sqrt(h)     (half a trapezoid weight)
    c_m = h + (a h + b) / sqrt(m h) - b / sqrt((m - 1) h)  (m >= 2; + b / (2 sqrt(h)) at
                                                            m = 2: the first difference)
    e1_M = -h/2 - (a h + b) / (2 sqrt(M h))   (the trapezoid's end weight h/2)
    e2_M = -b / (2 sqrt(M h))                 (df_(N-1) in the last forward difference)

(:mod:`fmdecon.noise` uses the same row structure for the noise of Sader-Jarvis). A block
of rows that stays in cache is then

1. rescaled, ``X_i = df_i e^(gamma i)`` for i <= N - 2 (one pass into a zero-padded buffer);
2. correlated with ``c_m e^(-gamma m)``, m >= 3: one real FFT pair of length >= 2N - 5 (no
   wrap-around onto the outputs j <= N - 4; the kernel's conjugate spectrum is cached per
   grid, amplitude and gamma), written into the output times ``2k/f0 e^(-gamma j)``;
3. completed exactly: the taps ``c_0, c_1, c_2`` (one correlation of the flattened rows),
   the end terms (one rank-2 BLAS update) and the last ``_EXACT_TAIL`` outputs, which are
   summed directly (a small matrix product). The taps are large (``~ b / sqrt(h)``) and of
   both signs and nearly cancel the rest of the kernel's sum: inside the FFT their size
   would set the rounding of every output (measured ~10x worse than a direct sum at the
   curve's tail). The last outputs are small (the integral is cut at the grid's end) while
   the FFT's rounding is set by the whole row.

That is about one FFT pair and six elementwise passes a row, against an FFT pair and some
twenty passes for the split above. Each row's gamma is its mean log-decay
(:func:`_batch_exponents`, vectorised over the rows), floored to a multiple of 4/N
(:mod:`fmdecon._rescale`), so that noisy copies of a curve share a few kernels; rows
are grouped by it. The pointwise relative accuracy at the tail of clean curves matches that
of the split (measured against an extended-precision evaluation). The rows agree with
single calls to rounding if the steps are exactly equal; a single call, though, weighs each
sample with its own ``z_(i+1) - z_i``, and the grid ``linspace(0.23 nm, 5 nm, 5000)``, for
one, has steps that differ from their mean by up to 5e-13 of it (``z`` is rounded to
~1e-16 |z|). The rows then differ from single calls by up to ~1.5 times that relative step
deviation, in units of the row's largest |F| (measured). The correlation is therefore used
only when every step is within ``BATCH_STEP_RTOL`` = 6e-13 of the mean
(:func:`fmdecon._validation.is_uniform`; rows agree to < 1e-12); a grid uniform only to
``FFT_UNIFORM_RTOL`` is done block by block with the split above (per-step
weights, vectorised exponents).

Which grids take the FFT: :func:`fmdecon._validation.fft_uniform` (steps within
``FFT_UNIFORM_RTOL``, or a lattice to the rounding of its own values, as a long
``numpy.linspace``). Any other grid takes the direct sum; one longer than the limit of
:func:`fmdecon._validation.direct_sum_limit` (estimated from N before starting) raises
:class:`fmdecon.LongComputationError` naming the way out (:func:`fmdecon.snap_grid` for a
grid uniform to its printed digits, resampling for any other).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import fft, special
from scipy.linalg import blas

from fmdecon._progress import progress
from fmdecon._rescale import MAX_LOG_SCALE, envelope_exponent, floor_exponents
from fmdecon._validation import (
    BATCH_STEP_RTOL,
    check_direct_sum,
    curves,
    fft_uniform,
    is_uniform,
    sensor,
)
from fmdecon.methods._rownorms import BLOCK_ELEMENTS

__all__ = ["sader_jarvis", "sqre", "t_exact", "t_sader_jarvis"]

_BLOCK_ELEMENTS = 1_000_000  # kernel entries per block on non-uniform grids
_CHUNK_ELEMENTS = 32_768  # values per chunk of rows in the elementwise work on a batch
_BLOCK_FFT_ELEMENTS = 160_000  # transform values per block of rows of a batch
_FFT_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"  # numpy.fft with out=
_TAIL_SAMPLES = 16  # samples at the far end whose largest |value| sets a batch row's exponent
_LOCAL_TAPS = 3  # kernel taps added exactly outside the FFT
_EXACT_TAIL = 32  # outputs at the far end of a batch's rows summed directly
_MAJORITY = 0.75  # share of a batch's rows above which one exponent does all rows first


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


@functools.lru_cache(maxsize=16)
def _scaled_kernel(
    n: int, step: float, gamma: float, terms: tuple[float, float] | None = None
) -> tuple:
    """Cached kernel spectrum and rescaling vectors of one grid and rescaling exponent.

    Without ``terms`` (single curves): FFT size, spectrum of the kernel
    ``m^(-1/2) e^(-gamma m) / sqrt(step)`` and the rescaling ``e^(gamma i)``. With
    ``terms = (a, b)`` (batches on a grid of constant step): the :class:`_BatchKernel` of the
    whole map. Cached, since a sweep reuses one grid for many curves.
    """
    if terms is not None:
        return _batch_kernel(n, step, gamma, *terms)
    index = np.arange(n, dtype=np.float64)
    kernel = np.zeros(n)
    kernel[1:] = np.exp(-gamma * index[1:] - 0.5 * np.log(index[1:] * step))
    size = fft.next_fast_len(2 * n - 1, real=True)
    spectrum = fft.rfft(kernel, size)
    growth = np.exp(gamma * index)
    for array in (spectrum, growth):
        array.flags.writeable = False
    return size, spectrum, growth


class _BatchKernel(NamedTuple):
    """Per-grid arrays of a batch for one rescaling exponent gamma (module docstring)."""

    spectrum: NDArray[np.complex128]  # conj. spectrum of c_m e^(-gamma m), m >= 3, / length
    growth: NDArray[np.float64]  # e^(gamma i), inputs i = 0 .. N-2
    decay: NDArray[np.float64]  # e^(-gamma j), outputs j = 0 .. N-4
    ends: NDArray[np.float64]  # rows e1, e2 of the end terms, length N (zero past N-4)
    taps: NDArray[np.float64]  # c_0 .. c_2, added outside the FFT
    tail: NDArray[np.float64]  # the last outputs' map, written out (:func:`_tail_matrix`)


def _combined_coefficients(n: int, step: float, a: float, b: float) -> NDArray[np.float64]:
    """Coefficients ``c_m`` (m = 0 .. N-2) of ``Omega_(j+m)`` in ``F_j / 2k`` on a uniform grid.

    ``c_0 = h + 2a sqrt(h) + 2b / sqrt(h)``, ``c_1 = h/2 + (a h + b) / (2 sqrt(h)) -
    2b / sqrt(h)``, ``c_m = h + (a h + b) / sqrt(m h) - b / sqrt((m - 1) h)`` for m >= 2, plus
    ``b / (2 sqrt(h))`` at m = 2; the difference of the last two terms is written without
    cancellation.
    """
    last = n - 2
    sh = np.sqrt(step)
    c = np.full(last + 1, step)
    c[0] += 2.0 * a * sh + 2.0 * b / sh
    c[1] = 0.5 * step + 0.5 * (a * step + b) / sh - 2.0 * b / sh
    root = np.sqrt(np.arange(1, last + 1, dtype=np.float64))  # sqrt(m), m = 1 .. N-2
    c[2:] += a * sh / root[1:] - (b / sh) / (root[1:] * root[:-1] * (root[1:] + root[:-1]))
    c[2:3] += 0.5 * b / sh
    return c


def _end_terms(n: int, step: float, a: float, b: float, j: NDArray[np.int_]) -> NDArray:
    """Rows ``e1``, ``e2`` at outputs ``j``: the coefficients of ``Omega_(N-2)`` and
    ``Omega_(N-1)`` in ``F_j / 2k`` beyond ``c_(N-2-j) Omega_(N-2)``."""
    root = np.sqrt((n - 2 - j) * step)  # sqrt(M h), M = N - 2 - j
    e1 = -0.5 * step - 0.5 * (a * step + b) / root  # trapezoid end weight h/2
    e2 = -0.5 * b / root  # df_(N-1) in the last forward difference
    return np.array([e1, e2])


def _tail_matrix(
    coefficients: NDArray[np.float64], n: int, step: float, a: float, b: float
) -> NDArray[np.float64]:
    """Map from the last ``K + 3`` samples of ``Omega`` to ``F / 2k`` at the last ``K``
    defined points (``K = min(_EXACT_TAIL, N - 3)``), written out: ``c_(i-j)`` plus the end
    terms. Those outputs sum few samples and are small (the integral is cut at the grid's
    end) while an FFT's rounding is set by the whole row; summed directly, they keep the
    accuracy of a direct sum."""
    last = n - 2
    defined = n - 3
    first = defined - min(_EXACT_TAIL, defined)
    j = np.arange(first, defined)
    i = np.arange(first, n)[:, None]
    span = i - j  # m = i - j
    matrix = np.where((span >= 0) & (i <= last), coefficients[np.clip(span, 0, last)], 0.0)
    matrix[last - first :] += _end_terms(n, step, a, b, j)
    return matrix


def _batch_kernel(n: int, step: float, gamma: float, a: float, b: float) -> _BatchKernel:
    """The :class:`_BatchKernel` of a grid of ``n`` points and constant ``step``."""
    last = n - 2
    defined = n - 3
    coefficients = _combined_coefficients(n, step, a, b)
    decay = np.exp(-gamma * np.arange(last + 1, dtype=np.float64))
    far = coefficients * decay
    far[:_LOCAL_TAPS] = 0.0
    size = _batch_length(n)  # the inverse transform's 1/size goes into the spectrum
    ends = np.zeros((2, n))
    ends[:, :defined] = _end_terms(n, step, a, b, np.arange(defined))
    kernel = _BatchKernel(
        spectrum=np.conj(fft.rfft(far, size)) / size,
        growth=1.0 / decay,
        decay=decay[:defined],
        ends=ends,
        taps=coefficients[:_LOCAL_TAPS].copy(),
        tail=_tail_matrix(coefficients, n, step, a, b),
    )
    for array in kernel:
        array.flags.writeable = False
    return kernel


def _batch_length(n: int) -> int:
    """Transform length of a batch: circular correlation free of wrap-around for the outputs
    j = 0 .. N-4 of inputs 0 .. N-2 needs ``2N - 5`` points."""
    return fft.next_fast_len(2 * n - 5, real=True)


def _add_taps(
    out: NDArray[np.float64], df: NDArray[np.float64], taps: NDArray[np.float64]
) -> None:
    """``out[:, j] += sum_m taps[m] df[:, j+m]`` in place, for C-contiguous ``out`` and ``df``
    of shape (B, N): one correlation over the flattened rows (a shift past a row's end
    reaches only its last, undefined points, which stay NaN or are overwritten)."""
    local = np.correlate(df.reshape(-1), taps, "valid")
    out.reshape(-1)[: local.size] += local


def _add_end_terms(
    out: NDArray[np.float64],
    end_values: NDArray[np.float64],
    factor: float,
    ends: NDArray[np.float64],
) -> None:
    """``out += factor * end_values @ ends`` in place: one rank-2 BLAS update of the
    C-contiguous ``out`` (B, N) seen as Fortran-ordered ``out.T`` (no temporary array)."""
    updated = blas.dgemm(factor, ends.T, end_values.T, 1.0, out.T, 0, 0, True)
    if not np.may_share_memory(updated, out):  # BLAS updated a copy: take it
        out[...] = updated.T


def _correlate_uniform(values: NDArray[np.float64], step: float) -> NDArray[np.float64]:
    """``out[j] = sum_{m>=1} values[j+m] / sqrt(m * step)`` for all j, by FFT.

    The data are rescaled by ``exp(gamma i)`` so that their envelope is roughly flat, and
    the kernel by ``exp(-gamma m)``; the product is unchanged, but FFT rounding errors are
    then relative to each output's own size rather than to the largest value. gamma is the
    mean log-decay of the data's envelope, rounded to two digits (any gamma gives the same
    sums; rounding lets curves on one grid share the kernel's spectrum).

    ``values`` may have shape ``(R, N)``: each row gets its own gamma (:func:`_batch_exponents`,
    floored to a multiple of 4/N); the rows are grouped by it and each group is done by one
    batched FFT with one (cached) kernel spectrum; every row then equals the 1-D call on it
    to rounding (the same sums, a slightly different flattening).
    """
    n = values.shape[-1]
    if values.ndim == 2:
        gammas = _batch_exponents(values)  # vectorised over the rows; NaN for a zero row
        live = np.flatnonzero(np.isfinite(gammas))
        exponents, group = np.unique(gammas[live], return_inverse=True)
        out = np.zeros(values.shape)
        for g, gamma_g in enumerate(exponents):  # a loop over groups of rows
            rows = live[group == g]
            size, spectrum, growth = _scaled_kernel(n, step, float(gamma_g))
            scaled = values[rows] * growth
            spectra = fft.rfft(scaled[:, ::-1], size, axis=-1)
            conv = fft.irfft(spectra * spectrum, size, axis=-1)[:, :n]
            out[rows] = conv[:, ::-1] / growth
        return out
    envelope = np.maximum.accumulate(np.abs(values[::-1]))[::-1]  # non-increasing
    gamma = envelope_exponent(envelope)
    if gamma is None:
        return np.zeros(n)
    size, spectrum, growth = _scaled_kernel(n, step, gamma)
    # correlation: out[j] = sum_m kernel[m] scaled[j + m] = conv(scaled[::-1], kernel)[n-1-j]
    scaled = values * growth
    conv = fft.irfft(fft.rfft(scaled[::-1], size) * spectrum, size)[:n]
    return conv[::-1] / growth


def _kernel_sum_direct(
    values: NDArray[np.float64], z: NDArray[np.float64], seconds: float = 0.0
) -> NDArray[np.float64]:
    """``out[..., j] = sum_{i>j} values[..., i] / sqrt(z[i] - z[j])``, directly, in row blocks.

    ``values`` has shape ``(N,)`` or ``(R, N)``; each kernel block is built once for all rows.
    ``seconds``: the estimated time (a progress bar if long, :mod:`fmdecon._progress`).
    """
    n = values.shape[-1]
    out = np.zeros(values.shape)
    rows = max(1, _BLOCK_ELEMENTS // n)
    starts = range(0, n, rows)
    for start in progress(  # a loop over blocks of rows
        starts, total=len(starts), description="sader_jarvis (direct sum)", seconds=seconds
    ):
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


def _batch_exponents(df: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rescaling exponents of the rows of ``df`` (shape (R, N)), floored to multiples of
    ``GROUP_QUANTUM / N``; NaN for a zero row. Vectorised over rows.

    A row's exponent is its mean log-decay ``log(max|row| / tail) / position``, where ``tail``
    is the largest ``|value|`` among the last ``w = min(_TAIL_SAMPLES, N // _TAIL_SAMPLES)``
    samples and ``position = N - w`` where they start: unlike the last value alone, that is
    not made tiny by one noise sample that happens to be near zero (which would over-flatten
    the row and blow its noise floor up by that factor). A row ending in that many zeros uses
    its last nonzero value and that value's index instead.
    """
    rows, n = df.shape
    peak = np.maximum(df.max(axis=1), -df.min(axis=1))
    width = max(1, min(_TAIL_SAMPLES, n // _TAIL_SAMPLES))
    tail = np.maximum(df[:, n - width :].max(axis=1), -df[:, n - width :].min(axis=1))
    position = np.full(rows, n - width)  # where a decaying row's tail maximum is
    ending = (tail == 0) & (peak > 0)  # nonzero rows that end in zeros
    if np.any(ending):
        position[ending] = n - 1 - np.argmax(df[ending, ::-1] != 0, axis=1)
        tail[ending] = np.abs(df[ending, position[ending]])
    gamma = np.full(rows, np.nan)
    live = peak > 0
    ratio = np.log(peak[live] / tail[live])
    gamma[live] = np.where(position[live] > 0, ratio / np.maximum(position[live], 1), 0.0)
    gamma[live] = floor_exponents(np.clip(gamma[live], 0.0, MAX_LOG_SCALE / n), n)
    return gamma


def _transforms(size: int, rows: int) -> tuple[Callable[..., NDArray], Callable[..., NDArray]]:
    """Forward and inverse real FFT along the last axis of length ``size``, writing into
    buffers reused over the blocks of ``rows`` rows (numpy >= 2: ``out=``; fresh arrays
    from scipy otherwise)."""
    if not _FFT_OUT:
        return (
            lambda x: fft.rfft(x, axis=-1),
            lambda x: fft.irfft(x, size, axis=-1, norm="forward"),
        )
    spectra = np.empty((rows, size // 2 + 1), dtype=np.complex128)
    values = np.empty((rows, size))
    return (
        lambda x: np.fft.rfft(x, axis=-1, out=spectra[: x.shape[0]]),
        lambda x: np.fft.irfft(x, size, axis=-1, norm="forward", out=values[: x.shape[0]]),
    )


def _sader_jarvis_batch(
    df: NDArray[np.float64], step: float, a: float, b: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Sader-Jarvis on a batch ``df`` of shape (R, N) on a grid of constant ``step``: one
    correlation per row, exact taps, end terms and tail (module docstring).

    Rows are grouped by rescaling exponent, each group sharing one cached kernel. If one
    exponent has most rows (noisy copies of one curve), all rows are first done with it in
    blocks of consecutive rows (views, no copies), and the few others are redone with their
    own exponents; otherwise each group is done on its own.
    """
    rows, n = df.shape
    defined = n - 3
    force = np.empty(df.shape)
    force[:, max(defined, 0) :] = np.nan
    if defined <= 0:
        return force
    factor = 2.0 * k / f0
    gamma = _batch_exponents(df)
    live = np.isfinite(gamma)
    exponents, group = np.unique(gamma[live], return_inverse=True)
    groups = [(float(e), np.flatnonzero(live)[group == g]) for g, e in enumerate(exponents)]
    groups.sort(key=lambda item: -item[1].size)  # the largest first
    size = _batch_length(n)
    block_rows = min(rows, max(1, _BLOCK_FFT_ELEMENTS // size))
    padded = np.zeros((block_rows, size))  # zero past column N - 2, always
    buffers = (padded, *_transforms(size, block_rows))
    if groups and groups[0][1].size >= _MAJORITY * rows:
        kernel = _scaled_kernel(n, step, groups[0][0], (a, b))
        _correlate_rows(force, df, np.arange(rows), kernel, factor, buffers)
        groups = groups[1:]  # their rows were done with the wrong exponent: redone below
    for exponent, members in groups:  # a loop over groups of rows
        _correlate_rows(
            force, df, members, _scaled_kernel(n, step, exponent, (a, b)), factor, buffers
        )
    force[~live, :defined] = 0.0
    return force


def _correlate_rows(
    force: NDArray[np.float64],
    df: NDArray[np.float64],
    members: NDArray[np.int_],
    kernel: _BatchKernel,
    factor: float,
    buffers: tuple,
) -> None:
    """``force[members] = `` the forces of ``df[members]`` (sorted rows) with ``kernel``, in
    blocks of rows that stay in cache; ``buffers``: the zero-padded input buffer and the two
    transforms (:func:`_transforms`)."""
    padded, forward, inverse = buffers
    n = df.shape[1]
    defined = n - 3
    scale = factor * kernel.decay
    taps = factor * kernel.taps
    tail_matrix = factor * kernel.tail
    tail = defined - tail_matrix.shape[1]
    for first in range(0, members.size, padded.shape[0]):  # a loop over blocks of rows
        block = members[first : first + padded.shape[0]]
        count = block.size
        if block[-1] - block[0] == count - 1:  # consecutive rows: views, no copies
            block = slice(block[0], block[-1] + 1)
            out = force[block]
        else:
            out = np.empty((count, n))
            out[:, defined:] = np.nan
        rows = np.ascontiguousarray(df[block])
        np.multiply(rows[:, : n - 1], kernel.growth, out=padded[:count, : n - 1])
        spectra = forward(padded[:count])
        spectra *= kernel.spectrum
        np.multiply(inverse(spectra)[:, :defined], scale, out=out[:, :defined])
        _add_taps(out, rows, taps)
        _add_end_terms(out, rows[:, n - 2 :], factor, kernel.ends)
        np.matmul(rows[:, tail:], tail_matrix, out=out[:, tail:defined])
        if not isinstance(block, slice):
            force[block] = out


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
        on the same grid and amplitude. A batch of one row is that row, bit for bit. In a
        larger batch each row equals the 1-D call on it to < 1e-12 of the row's largest
        |F|: on a grid of equal steps (``fmdecon._validation.is_uniform`` at
        ``BATCH_STEP_RTOL``) the whole map is one FFT correlation per row plus exact local
        terms (module docstring); otherwise rows are grouped by their rescaling exponent, each
        group sharing one kernel spectrum and one batched FFT (on a non-uniform grid, each
        kernel block is built once for all rows).
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
    amplitude, k, f0 = sensor(amplitude, k, f0, z)
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
    uniform = fft_uniform(z[:-1])  # the steps up to the last sample used
    seconds = 0.0 if uniform else check_direct_sum(z, "sader_jarvis", df.size // n)
    if uniform and df.ndim == 2 and df.shape[0] > 1:
        if is_uniform(z, BATCH_STEP_RTOL):
            return _sader_jarvis_batch(df, spacing, a, b, k, f0)  # one correlation a row
        # uniform only to FFT_UNIFORM_RTOL: per-step weights, everything per block of rows
        # that stays in cache (the kernel spectra come from the cache across blocks)
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
        kernel_sum = _kernel_sum_direct(singular, z[: last + 1], seconds)

    force = np.full(df.shape, np.nan)
    for rows in chunks:
        force[rows][..., :defined] = (
            2.0 * k * (partial[rows] + kernel_sum[rows][..., :defined] - first_sample[rows])
        )
    return force


# --------------------------------------------------------------------------------------------
# Sader-Jarvis (section 2)
# --------------------------------------------------------------------------------------------


def _sj_row_norms_uniform(n: int, step: float, a: float, b: float) -> NDArray[np.float64]:
    """Row norms of ``L`` in units of ``2k/f0`` on a uniform grid (see module docstring)."""
    last = n - 2
    h = step
    sh = np.sqrt(h)
    m = np.arange(last + 1, dtype=np.float64)
    c = np.empty(last + 1)
    c[0] = h + 2.0 * a * sh + 2.0 * b / sh
    c[1] = 0.5 * h + 0.5 * (a * h + b) / sh - 2.0 * b / sh
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (a * h + b) / np.sqrt(m * h)  # kernel term of sample j + m
        previous = b / np.sqrt((m - 1.0) * h)  # forward difference of sample j + m - 1
    c[2:] = h + own[2:] - previous[2:]
    c[2] += 0.5 * b / sh  # the first trapezoid sample's difference reaches df_(j+2)
    prefix = np.cumsum(c**2)
    out = np.full(n, np.nan)
    span = np.arange(last, 1, -1)  # M = last - j for j = 0 .. n - 4
    end_weight = c[span] - 0.5 * h - 0.5 * own[span]  # trapezoid end weight h/2
    end_difference = -0.5 * b / np.sqrt(span * h)  # df_(n-1) in the last difference
    out[: n - 3] = np.sqrt(prefix[span - 1] + end_weight**2 + end_difference**2)
    return out


def _sj_row_norms_direct(
    z: NDArray[np.float64], a: float, b: float, seconds: float = 0.0
) -> NDArray[np.float64]:
    """Row norms of ``L`` in units of ``2k/f0`` on any grid, in row blocks: O(N^2) time
    (``seconds`` estimated: a progress bar if long)."""
    n = z.size
    last = n - 2
    step = np.diff(z)
    weights = np.zeros(last + 1)
    weights[1:last] = 0.5 * (z[2 : last + 1] - z[: last - 1])
    weights[last] = 0.5 * (z[last] - z[last - 1])
    own = weights * (a + b / step[: last + 1])
    difference = b * weights / step[: last + 1]
    out = np.full(n, np.nan)
    rows = max(1, BLOCK_ELEMENTS // (2 * n))
    starts = range(0, n - 3, rows)
    for start in progress(  # a loop over blocks of rows
        starts, total=len(starts), description="sader_jarvis noise (direct)", seconds=seconds
    ):
        j = np.arange(start, min(start + rows, n - 3))
        distance = z[None, : last + 1] - z[j, None]
        later = distance > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            kernel = np.where(later, 1.0 / np.sqrt(np.where(later, distance, 1.0)), 0.0)
        coef = np.zeros((j.size, n))
        coef[:, : last + 1] = np.where(later, weights, 0.0) + own * kernel
        coef[:, 1 : last + 2] -= difference * kernel
        r = np.arange(j.size)
        hj = step[j]
        shj = np.sqrt(hj)
        coef[r, j] += hj + 2.0 * a * shj + 2.0 * b / shj
        coef[r, j + 1] += -2.0 * b / shj - 0.5 * hj * (1.0 + (a + b / step[j + 1]) / shj)
        coef[r, j + 2] += 0.5 * b * shj / step[j + 1]
        out[j] = np.sqrt(np.einsum("ij,ij->i", coef, coef))
    return out


def sader_jarvis_row_norms(
    z: NDArray[np.float64], amplitude: float, k: float, f0: float, options: dict[str, Any]
) -> NDArray[np.float64] | None:
    """Row norms of Sader-Jarvis's operator (the ``row_norms`` capability of its registry
    entry; docs/physics.md section 7): one shifted coefficient sequence plus two exact end
    terms on a uniform grid (prefix sums), coefficients in row blocks on any other grid
    (O(N^2) time, O(N) memory). None for options the method does not have."""
    if options:
        return None
    n = z.size
    a = np.sqrt(amplitude) / (8.0 * np.sqrt(np.pi))
    b = amplitude**1.5 / np.sqrt(2.0)
    last = n - 2
    spacing = (z[last] - z[0]) / last
    if n > 3 and fft_uniform(z[:-1]):
        norms = _sj_row_norms_uniform(n, spacing, a, b)
    elif n > 3:
        seconds = check_direct_sum(z, "force_noise (sader_jarvis)")
        norms = _sj_row_norms_direct(z, a, b, seconds)
    else:
        norms = np.full(n, np.nan)
    return 2.0 * k / f0 * norms
