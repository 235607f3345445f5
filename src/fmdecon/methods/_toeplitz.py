"""The causal Toeplitz solve shared by the matrix methods (docs/physics.md sections 3, 6).

On the reversed axis (index 0 the farthest point) every matrix method solves
``sum_m w_m F_(i-m) = rhs_i`` with zero initial state: a lower-triangular, banded Toeplitz
system, i.e. a causal recursive (IIR) filter with denominator ``w``. This module holds the ways
to solve it and what they share: forward substitution (:func:`scipy.signal.lfilter`), blocked
forward substitution for batches (:func:`solve_blocked`), FFT power-series inversion with
rescaling (:func:`solve_fft`, :func:`inverse_series`, :func:`inverse_series_fast`,
:func:`split_solve`), the solve's impulse response (:func:`impulse_response`, used by the
batch operators and the exact noise) and the rescaling exponents. Private to
:mod:`fmdecon.methods`: the methods' modules import these names; users call the methods.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import NDArray
from scipy import fft

from fmdecon._rescale import MAX_LOG_SCALE, floor_exponents

#: Band half-width alpha above which ``solver="auto"`` uses the FFT solve (measured
#: crossover: the recursive filter costs ~N (2 alpha + 1) multiply-adds, the FFT solve a
#: few dozen FFTs of length ~2N).
FFT_ALPHA = 150
#: The same for a batch of curves, where the inverse series is shared by all rows and each
#: row costs two transforms (measured crossover at N = 5000).
FFT_ALPHA_BATCH = 25
_MAX_LOG_GROWTH = np.log(1e8)  # largest growth of a rescaled curve above its end value
_BATCH_VALUES = 262_144  # transform values per block of curves in a batched FFT solve
_IMPULSE_START = 256  # coefficients of the fast inverse series found by forward substitution
_BLOCK = 32  # samples per block of the blocked solve (measured optimum of 16 .. 128 at N = 5000)
# When a batch solved by forward substitution takes the blocked solve (_use_blocked): the
# filter costs ~ rows N (p + 6) units, the blocked solve ~ _BLOCKED_PER_SAMPLE N +
# _BLOCKED_FIXED (a product per block and building its matrix; measured crossovers: about
# 22, 11, 4, 3 rows for p = 2, 10, 26, 42 at N = 1000 .. 5000, 12 rows for p = 42 at N = 50)
_BLOCKED_PER_SAMPLE = 150
_BLOCKED_FIXED = 20_000


def fast_length(n: int) -> int:
    """Smallest transform length ``>= n`` of the form ``2^k``, ``3 2^k`` or ``5 2^k``.

    pocketfft is fastest on powers of two with one small factor: at 20 000 and 40 000 points
    (what ``next_fast_len`` returns, 2^5 5^4 and 2^6 5^4) a transform pair takes 1.4x and
    1.8x the time of 20 480 and 40 960 points (measured). Used by the newer methods' solves
    and by batches; :func:`matrix_method`'s single calls keep ``next_fast_len``, so their
    numbers are unchanged.
    """
    return min(m << max(0, math.ceil(math.log2(n / m))) for m in (1, 3, 5))


def series_product(a: NDArray[np.float64], b: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """First ``n`` coefficients of the product of the power series ``a`` and ``b`` (FFT)."""
    size = fft.next_fast_len(a.size + b.size - 1, real=True)
    return fft.irfft(fft.rfft(a, size) * fft.rfft(b, size), size)[:n]


def inverse_series(weights: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """First ``n`` coefficients of ``1 / w(x)`` by Newton iteration, ``h <- h (2 - w h)``:
    each step doubles the number of correct coefficients."""
    inverse = np.array([1.0 / weights[0]])
    known = 1
    while known < n:
        target = min(2 * known, n)
        remainder = -series_product(weights[:target], inverse, target)
        remainder[0] += 1.0  # 1 - w h: zero up to `known`, up to rounding
        correction = series_product(inverse, remainder[known:target], target - known)
        inverse = np.concatenate([inverse, correction])
        known = target
    return inverse


def inverse_series_fast(weights: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """First ``n`` coefficients of ``1 / w(x)``, as :func:`inverse_series` but cheaper.

    The first coefficients come from the impulse response of the recursive filter (forward
    substitution, exact to rounding); each Newton step then needs only coefficients
    ``known .. target`` of ``w h``, which a cyclic convolution of length ``target`` gives (the
    wrapped-around part lands on the first ``known`` coefficients, which are not used), and
    the transform of ``h`` is shared by both products of the step. Used by the newer
    methods; :func:`matrix_method` keeps :func:`inverse_series`, so its numbers are unchanged.
    """
    from scipy.signal import lfilter

    known = min(n, _IMPULSE_START)
    impulse = np.zeros(known)
    impulse[0] = 1.0
    inverse = lfilter([1.0], weights[:known], impulse)
    while known < n:
        target = min(2 * known, n)
        size = fast_length(target)
        spectrum = fft.rfft(inverse, size)
        product = fft.irfft(fft.rfft(weights[:target], size) * spectrum, size)
        correction = fft.irfft(spectrum * fft.rfft(product[known:target], size), size)
        inverse = np.concatenate([inverse, -correction[: target - known]])
        known = target
    return inverse


def impulse_response(
    weights: NDArray[np.float64], n: int, use_fft: bool, fast: bool = True
) -> NDArray[np.float64]:
    """First ``n`` coefficients ``h`` of ``1 / w(x)`` (the solve's response to a unit sample
    at the far end), by the solver a method uses: the inverse power series
    (:func:`inverse_series_fast` for the newer methods, ``fast=False``
    :func:`inverse_series`) or the recursive filter on a unit impulse."""
    if use_fft:
        return (inverse_series_fast if fast else inverse_series)(weights, n)
    from scipy.signal import lfilter

    impulse = np.zeros(n)
    impulse[0] = 1.0
    return lfilter([1.0], weights, impulse)


def fft_threshold(df: NDArray[np.float64], single: int, batch: int) -> int:
    """Band size above which ``solver="auto"`` solves by FFT: ``single`` for one curve,
    ``batch`` for a batch of curves (which share the inverse series)."""
    return batch if df.ndim > 1 and df.size > df.shape[-1] else single


def split_solve(weights: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Solve ``sum_m w_m F_(i-m) = rhs_i``, ``i = 0 .. n-1``, for one curve in two halves.

    The inverse series is needed only to ``half = ceil(n/2)`` coefficients (half the
    Newton work of :func:`inverse_series_fast`): the first half of the solution is
    ``h * rhs[:half]``; the second half solves the same system for ``rhs[half:]`` minus what
    the first half's forces contribute there (``(w * F[:half])[half:n]``). Every product is a
    cyclic convolution of one length ``>= n`` whose wrapped-around part never reaches the
    coefficients used, so a curve costs eight transforms of length ~n instead of the
    Newton steps to ``n`` and three transforms of length ~2n. Same numbers to rounding.
    """
    n = rhs.size
    half = (n + 1) // 2
    size = fast_length(n)
    spectrum = fft.rfft(inverse_series_fast(weights, half), size)
    first = fft.irfft(spectrum * fft.rfft(rhs[:half], size), size)[:half]
    # linear product of length <= n + half - 1: wrapped indices land below half - 1
    carried = fft.irfft(fft.rfft(weights[:n], size) * fft.rfft(first, size), size)[half:n]
    second = fft.irfft(spectrum * fft.rfft(rhs[half:] - carried, size), size)[: n - half]
    return np.concatenate([first, second])


def scale_exponent(envelope: NDArray[np.float64]) -> float:
    """Exponent ``gamma`` of the rescaling ``F_i = e^(gamma i) G_i`` for one reversed curve
    whose running maximum of ``|rhs|`` is ``envelope`` (0 if the curve is zero)."""
    n = envelope.size
    nonzero = np.flatnonzero(envelope > 0)
    if nonzero.size == 0:
        return 0.0
    first = int(nonzero[0])
    gamma = 0.0
    if n - 1 > first:
        gamma = np.log(envelope[-1] / envelope[first]) / (n - 1 - first)
        gamma = min(max(gamma, 0.0), MAX_LOG_SCALE / n)
    if gamma > 0:
        # The rescaled data rhs_i e^(gamma (n-1-i)) must not grow far above its end value:
        # for a curve that jumps from tiny values (e.g. the 1e-30 tails of a resampled
        # unit impulse) the mean log-slope would amplify the jump by e^(gamma n), and the
        # FFT's absolute rounding with it. For smooth decays (every model curve) the bound
        # is far from active, and gamma is unchanged.
        # A bound first, from blocks of the envelope (non-decreasing) against the rescaling
        # (decreasing): only when it exceeds the limit is the growth computed per sample.
        # The exponent is the same either way; the bound saves a logarithm per sample.
        starts = np.arange(first, n - 1, max(1, (n - 1 - first) // 64))
        ends = np.append(starts[1:], n - 1) - 1
        bound = np.log(envelope[ends] / envelope[-1]) + gamma * (n - 1 - starts)
        if bound.max() <= _MAX_LOG_GROWTH:
            return gamma
        i = np.arange(first, n - 1)
        growth = np.log(envelope[i] / envelope[-1]) + gamma * (n - 1 - i)
        if growth.max() > _MAX_LOG_GROWTH:
            limit = np.min((_MAX_LOG_GROWTH - np.log(envelope[i] / envelope[-1])) / (n - 1 - i))
            gamma = max(float(limit), 0.0)
    return gamma


def scale_exponents(rows: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rescaling exponents of the rows of a batch (shape (R, N), in the input's orientation),
    per sample, as :func:`scale_exponent` finds them on the reversed axis (the same numbers),
    for all rows at once: the mean log-slope from the last non-zero sample to the
    largest, and the growth limit checked on a bound from the maxima of 64 blocks; that
    function itself only for rows where the bound exceeds the limit (rare: curves that jump
    from tiny values)."""
    count, n = rows.shape
    magnitude = np.abs(rows)
    largest = np.max(magnitude, axis=-1)
    far = n - 1 - np.argmax(magnitude[:, ::-1] > 0, axis=-1)  # last non-zero sample
    first = n - 1 - far  # its index on the reversed axis
    gammas = np.zeros(count)
    fit = (largest > 0) & (first < n - 1)
    with np.errstate(divide="ignore"):
        slope = np.log(largest[fit] / magnitude[fit, far[fit]]) / (n - 1 - first[fit])
    gammas[fit] = np.clip(slope, 0.0, MAX_LOG_SCALE / n)
    # blocks of the reversed axis: the envelope is at most its value at a block's end, the
    # rescaling at most its value at the block's start
    starts = np.arange(0, n - 1, max(1, (n - 1) // 64))
    block_max = np.maximum.reduceat(magnitude[:, ::-1], starts, axis=-1)
    envelope_end = np.maximum.accumulate(block_max, axis=-1)  # envelope at each block's end
    with np.errstate(divide="ignore", invalid="ignore"):  # zero rows: NaN, never above
        bound = np.log(envelope_end / largest[:, None]) + gammas[:, None] * (n - 1 - starts)
    for r in np.flatnonzero((gammas > 0) & (np.max(bound, axis=-1) > _MAX_LOG_GROWTH)):
        envelope = np.maximum.accumulate(magnitude[r, ::-1])  # a few rows at most
        gammas[r] = scale_exponent(envelope)
    return gammas


def solve_fft(
    weights: NDArray[np.float64], rhs: NDArray[np.float64], *, fast: bool = False
) -> NDArray[np.float64]:
    """Solve the causal Toeplitz system ``sum_m w_m F_(i-m) = rhs_i`` in O(N log N).

    ``rhs`` has shape ``(..., N)``; the rows' rescaling exponents are floored so that rows
    whose exponents agree to 4/N share one (:mod:`fmdecon._rescale`), and the inverse
    series is computed once, for the smallest exponent, and rescaled per group of rows
    (``1/w(x e^-g)`` has the coefficients ``h_m e^(-g m)``). One curve (or a batch of one)
    keeps its own exponent, as before; a row of a larger batch equals its single call to
    rounding (~1e-14 of the row's largest value). ``fast`` selects
    :func:`inverse_series_fast` and, for one curve, :func:`split_solve` (the same numbers
    to rounding; :func:`matrix_method` does not use it, so its single-curve numbers are
    unchanged).
    """
    series = inverse_series_fast if fast else inverse_series
    n = rhs.shape[-1]
    if rhs.ndim == 1:
        envelope = np.maximum.accumulate(np.abs(rhs))  # non-decreasing
        if not np.any(envelope > 0):
            return np.zeros(n)
        gamma = scale_exponent(envelope)
        offset = np.arange(n, dtype=np.float64) - (n - 1)  # <= 0: the rescaling never overflows
        scaled_weights = weights * np.exp(-gamma * np.arange(weights.size))
        scaled_rhs = rhs * np.exp(-gamma * offset)
        if fast:
            scaled = split_solve(scaled_weights, scaled_rhs)
        else:
            scaled = series_product(series(scaled_weights, n), scaled_rhs, n)
        return scaled * np.exp(gamma * offset)
    rows = rhs.reshape(-1, n)
    if rows.shape[0] == 0:
        return np.zeros(rhs.shape)
    if rows.shape[0] == 1:  # a batch of one curve is that curve, bit for bit
        return solve_fft(weights, rows[0], fast=fast).reshape(rhs.shape)
    # rows share a floored exponent (fmdecon._rescale): a few groups, each needing one
    # transform of its inverse series and no per-row exponentials; never above the bound of
    # scale_exponent (rows are on the reversed axis here)
    gammas = floor_exponents(scale_exponents(rows[:, ::-1]), n)
    base = float(gammas.min())
    offset = np.arange(n, dtype=np.float64) - (n - 1)
    index = np.arange(n, dtype=np.float64)
    inverse = series(weights * np.exp(-base * np.arange(weights.size)), n)
    size = fast_length(2 * n - 1)
    block_rows = max(1, _BATCH_VALUES // size)
    scaled = np.empty_like(rows)
    for gamma in np.unique(gammas):  # a loop over groups of curves, not grid points
        members = np.flatnonzero(gammas == gamma)
        group_inverse = inverse if gamma == base else inverse * np.exp(-(gamma - base) * index)
        spectrum = fft.rfft(group_inverse, size)
        rescale = np.exp(-gamma * offset)
        for block in range(0, members.size, block_rows):  # bounded memory, in cache
            chosen = members[block : block + block_rows]
            product = spectrum * fft.rfft(rows[chosen] * rescale, size)
            scaled[chosen] = fft.irfft(product, size)[:, :n] / rescale
    return scaled.reshape(rhs.shape)


def block_map(weights: NDArray[np.float64], block: int) -> NDArray[np.float64]:
    """The linear map of one step of :func:`solve_blocked`, in the input's orientation.

    On the reversed axis, a block ``x_s .. x_(s+b-1)`` of the solution of
    ``sum_m w_m x_(i-m) = rhs_i`` depends on the block's right-hand side and on the ``p =
    len(w) - 1`` solution values before it (the tail ``t = x_(s-p) .. x_(s-1)``)::

        x_blk = (rhs_blk - t C) T^T,     T_ij = h_(i-j) (i >= j),     C_ki = w_(p+i-k) (k >= i),

    with ``h`` the first ``b`` coefficients of ``1 / w(x)`` (the filter's impulse response,
    by forward substitution), so ``T`` is the inverse of the block's own ``b x b`` Toeplitz
    matrix and ``C`` holds the weights that reach back past the block's start. Stacked, the
    step is one product ``[t, rhs_blk] M`` with ``M = [-C T^T; T^T]``; flipped in both axes
    (the input's orientation, farthest point last) its rows are the block's ``b`` right-hand
    sides, then the ``p`` tail values, nearest first.

    Parameters
    ----------
    weights : numpy.ndarray
        The band ``w``, ``w_0 != 0``.
    block : int
        Block length ``b >= 1`` (any ``p``: the tail may span several blocks).

    Returns
    -------
    numpy.ndarray
        ``M`` flipped, shape ``(b + p, b)``.
    """
    from scipy.signal import lfilter

    order = weights.size - 1
    t_index, c_index = _block_indices(block, order)
    series = np.zeros(2 * block - 1)  # b - 1 zeros, then h
    series[block - 1] = 1.0
    series[block - 1 :] = lfilter([1.0], weights, series[block - 1 :])
    inverse_t = series[t_index]  # transpose of T: entry (j, i) is h_(i-j), zero for i < j
    coupling = np.concatenate([weights, np.zeros(block)])[c_index]  # zero for k < i
    return np.vstack([-(coupling @ inverse_t), inverse_t])[::-1, ::-1].copy()


@functools.lru_cache(maxsize=16)
def _block_indices(block: int, order: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Gather indices of :func:`block_map`: ``b - 1 + i - j`` (``b x b``) into ``b - 1``
    zeros followed by ``h``, and ``p + i - k`` (``p x b``) into ``w`` followed by ``b`` zeros
    (read-only: the arrays are shared by all calls)."""
    i = np.arange(block)
    t_index = block - 1 + i[None, :] - i[:, None]
    c_index = order + i[None, :] - np.arange(order)[:, None]
    t_index.flags.writeable = False
    c_index.flags.writeable = False
    return t_index, c_index


def solve_blocked(weights: NDArray[np.float64], rhs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Forward substitution for a batch of curves, a block of samples at a time (BLAS).

    The same solve as the recursive filter: blocks of ``b = _BLOCK`` samples from the far
    end, each solved for all rows at once by one matrix product ``[rhs_blk, tail] M`` (in the
    input's orientation, :func:`block_map`) with the ``p = len(w) - 1`` solution values
    before it; the last block (``N`` not a multiple of ``b``) and the first blocks (a tail of
    fewer than ``p`` values: the zero state) use the matching corner of ``M``. A loop over
    the ``N / b`` blocks only, each product vectorised over rows and block: ``N (p + b)``
    multiply-adds per row at matrix-product speed instead of the filter's ``N (p + 1)`` one
    row at a time. Each row is computed from that row alone; the carried tail is the solution
    itself, so the rounding is that of forward substitution regrouped in blocks (agreement
    with :func:`scipy.signal.lfilter` and a dense triangular solve ~1e-14 of the row's
    largest value, also over long curves whose impulse response does not decay; tested).
    Meant for finite input: a NaN would also reach the earlier samples of its block.

    Parameters
    ----------
    weights : numpy.ndarray
        The band ``w``, ``w_0 != 0``.
    rhs : numpy.ndarray
        Right-hand sides on the reversed axis (index 0 the farthest point), shape
        ``(..., N)``.

    Returns
    -------
    numpy.ndarray
        The solution on the reversed axis, shape of ``rhs`` (a reversed view of a
        C-contiguous array, so the caller's flip back costs nothing).
    """
    n = rhs.shape[-1]
    order = weights.size - 1
    block = min(_BLOCK, n)
    transfer = block_map(weights, block)
    # the input's orientation (farthest point last): solved in place from the end
    out = np.empty(rhs.shape)
    out[...] = rhs[..., ::-1]
    flat = out.reshape(-1, n)
    end = n
    while end > 0:  # a loop over blocks, not grid points
        size = min(block, end)
        start = end - size
        tail = min(order, n - end)
        flat[:, start:end] = (
            flat[:, start : end + tail] @ transfer[block - size : block + tail, block - size :]
        )
        end = start
    return out[..., ::-1]


def use_blocked(rhs: NDArray[np.float64], order: int) -> bool:
    """Whether forward substitution for ``rhs`` (shape ``(..., N)``, band ``p = order``) is
    faster in blocks (:func:`solve_blocked`) than by the filter's loop over rows: only for a
    batch of more than one row, so that one curve (or a batch of one) keeps the filter's
    numbers bit for bit."""
    n = rhs.shape[-1]
    if rhs.ndim < 2 or n == 0:
        return False
    rows = rhs.size // n
    return rows > 1 and rows * n * (order + 6) >= _BLOCKED_PER_SAMPLE * n + _BLOCKED_FIXED


def solve_causal(
    weights: NDArray[np.float64],
    rhs: NDArray[np.float64],
    solver: str,
    *,
    fast: bool = False,
    blocked: bool = False,
) -> NDArray[np.float64]:
    """Solve ``sum_m w_m F_(i-m) = rhs_i`` (zero initial state) along the last axis.

    Index 0 of ``rhs`` is the farthest point. ``solver`` is ``"recursive"`` (forward
    substitution as the causal IIR filter with denominator ``w``, O(N len(w)), row by row)
    or ``"fft"`` (power-series inversion, O(N log N)). ``rhs`` may have shape ``(..., N)``.
    ``fast`` selects the cheaper inverse series of the newer methods (same numbers to
    rounding). ``blocked`` lets a recursive solve of a batch of enough curves
    (:func:`use_blocked`) be done in blocks by matrix products (:func:`solve_blocked`: the
    same numbers to rounding, not bit for bit); one curve, a batch of one and every solve
    without ``blocked`` keep the filter's numbers bit for bit.
    """
    if solver == "fft":
        return solve_fft(weights, rhs, fast=fast)
    if blocked and use_blocked(rhs, weights.size - 1):
        return solve_blocked(weights, rhs)
    # imported here: scipy.signal takes ~0.8 s to import, which every pipeline job would pay
    from scipy.signal import lfilter

    return lfilter([1.0], weights, rhs, axis=-1)
