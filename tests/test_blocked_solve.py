"""The blocked forward substitution of batched recursive solves (fmdecon.methods.matrix).

A batch of curves solved by forward substitution is done a block of samples at a time by
matrix products (``solve_blocked``). Checked here against the slow, obvious reference (a
dense triangular solve of the full Toeplitz matrix, N <= 2000) and against the recursive
filter that single curves use, for clean Morse / Lennard-Jones curves, noisy ones and zero
rows, N below, at and not a multiple of the block length, bands wider than the curve and
alpha from 1 up to the batch FFT threshold; batched rows of the methods equal their single
calls (tests/test_batched.py tolerance), and one curve or a batch of one keeps the filter's
numbers bit for bit, as does an explicit ``solver="recursive"`` (row by row).
"""

import importlib
import warnings

import numpy as np
import pytest
from scipy.linalg import solve_triangular, toeplitz
from scipy.signal import lfilter
from test_batched import assert_rows_equal

import fmdecon

matrix = importlib.import_module("fmdecon.methods.matrix")
_toeplitz = importlib.import_module("fmdecon.methods._toeplitz")

RTOL = 1e-12


def curves_on(z, amplitude, paper, morse, lennard_jones, seed=11):
    """Clean Morse and Lennard-Jones curves, a noisy one and a zero row, shape (4, N)."""
    rng = np.random.default_rng(seed)
    clean = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    return np.array(
        [
            clean,
            lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0),
            clean + 0.1 * rng.standard_normal(z.size),
            np.zeros(z.size),
        ]
    )


def dense_solve(weights, rhs):
    """The reference: the full lower-triangular Toeplitz matrix, solved densely."""
    n = rhs.shape[-1]
    column = np.zeros(n)
    column[: min(n, weights.size)] = weights[:n]
    dense = toeplitz(column, np.zeros(n))
    return solve_triangular(dense, rhs.T, lower=True).T


@pytest.fixture
def blocked_calls(monkeypatch):
    """Force the blocked solve for every batch of more than one row; count its calls."""
    calls = []
    solve = _toeplitz.solve_blocked

    def counted(weights, rhs):
        calls.append(rhs.shape)
        return solve(weights, rhs)

    monkeypatch.setattr(_toeplitz, "_BLOCKED_PER_SAMPLE", 0)
    monkeypatch.setattr(_toeplitz, "_BLOCKED_FIXED", 0)
    monkeypatch.setattr(_toeplitz, "solve_blocked", counted)
    return calls


def assert_close_rows(got, want):
    """Each row to RTOL of that row's largest value (zero rows exactly zero)."""
    for row_got, row_want in zip(got, want, strict=True):
        scale = np.max(np.abs(row_want))
        if scale == 0:
            np.testing.assert_array_equal(row_got, 0.0)
        else:
            np.testing.assert_allclose(row_got, row_want, rtol=0, atol=RTOL * scale)


@pytest.mark.parametrize("n", [1, 2, 7, 31, 32, 33, 50, 97, 1000, 2000])
@pytest.mark.parametrize("alpha", [1, 2, 5, 15, 16, 17, 21, 25])
def test_blocked_equals_dense_and_filter(n, alpha, paper, morse, lennard_jones):
    z = np.linspace(0.23e-9, 5e-9, max(n, 2))[:n]
    step = (5e-9 - 0.23e-9) / max(n - 1, 1)
    amplitude = alpha * step
    weights = matrix.matrix_weights(amplitude, step, paper.k, paper.f0)
    assert weights.size == 2 * alpha + 1
    rhs = curves_on(z, amplitude, paper, morse, lennard_jones)[:, ::-1]
    blocked = _toeplitz.solve_blocked(weights, rhs)
    assert blocked.shape == rhs.shape
    assert_close_rows(blocked, dense_solve(weights, rhs))
    assert_close_rows(blocked, lfilter([1.0], weights, rhs, axis=-1))
    np.testing.assert_array_equal(blocked[3], 0.0)


@pytest.mark.parametrize("order", [0, 1, 31, 32, 33, 80])
def test_blocked_any_band(order):
    # bands shorter and longer than a block, and one weight only (a diagonal system)
    rng = np.random.default_rng(order)
    weights = rng.standard_normal(order + 1)
    weights[0] = 4.0 + np.abs(weights).sum()  # diagonally dominant: a well-posed reference
    rhs = rng.standard_normal((5, 300))
    assert_close_rows(_toeplitz.solve_blocked(weights, rhs), dense_solve(weights, rhs))


def test_block_map_is_one_step_of_forward_substitution():
    weights = matrix.matrix_weights(21e-12, 1e-12, 1800.0, 32768.0)
    order, block = weights.size - 1, 32
    transfer = _toeplitz.block_map(weights, block)
    assert transfer.shape == (block + order, block)
    rng = np.random.default_rng(5)
    x = rng.standard_normal(order + block)  # reversed axis: a tail, then the block
    rhs = np.convolve(weights, x)[order : order + block]  # rows of the block
    # input orientation: the block's right-hand sides, then the tail, both flipped
    got = np.concatenate([rhs[::-1], x[:order][::-1]]) @ transfer
    np.testing.assert_allclose(got[::-1], x[order:], rtol=0, atol=1e-12 * np.abs(x).max())


def test_long_curves_keep_their_accuracy(paper, morse, lennard_jones):
    # the filter's impulse response does not decay (poles on the unit circle): the blocked
    # products must not lose accuracy over a long curve
    z = paper.z
    amplitude = 20e-12
    step = z[1] - z[0]
    weights = matrix.matrix_weights(amplitude, step, paper.k, paper.f0)
    rhs = curves_on(z, amplitude, paper, morse, lennard_jones)[:, ::-1]
    assert_close_rows(_toeplitz.solve_blocked(weights, rhs), lfilter([1.0], weights, rhs, axis=-1))


def test_batches_take_the_blocked_solve_single_curves_do_not():
    order = 42
    assert _toeplitz.use_blocked(np.zeros((200, 5000)), order)
    assert _toeplitz.use_blocked(np.zeros((2, 3, 5000)), order)
    assert not _toeplitz.use_blocked(np.zeros(5000), order)
    assert not _toeplitz.use_blocked(np.zeros((1, 5000)), order)
    assert not _toeplitz.use_blocked(np.zeros((1, 1, 5000)), order)
    assert not _toeplitz.use_blocked(np.zeros((0, 5000)), order)
    assert not _toeplitz.use_blocked(np.zeros((4, 0)), order)


@pytest.mark.parametrize("solver", ["auto", "recursive"])
def test_single_curve_and_batch_of_one_keep_the_filter(solver, paper, morse):
    z = paper.z[:1500]
    amplitude = 20e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.SmallAmplitudeWarning)
        single = fmdecon.matrix_method(z, df, amplitude, paper.k, paper.f0, solver=solver)
        one = fmdecon.matrix_method(z, df[None], amplitude, paper.k, paper.f0, solver=solver)
    step = z[1] - z[0]
    weights = matrix.matrix_weights(amplitude, step, paper.k, paper.f0)
    expected = lfilter([1.0], weights, df[::-1])[::-1]
    np.testing.assert_array_equal(single, expected)
    np.testing.assert_array_equal(one, expected[None])
    assert single.flags.c_contiguous
    assert one.flags.c_contiguous


@pytest.mark.parametrize("n", [20, 31, 33, 640, 1201])
@pytest.mark.parametrize("amplitude", [1e-12, 5e-12, 12e-12, 24e-12])
def test_matrix_method_batched_rows_equal_single_calls(
    n, amplitude, paper, morse, lennard_jones, blocked_calls
):
    # grid step ~1 pm: alpha from 1 to the batch threshold, bands wider than short curves
    z = paper.z[:n]
    curves = np.vstack([curves_on(z, amplitude, paper, morse, lennard_jones)] * 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.SmallAmplitudeWarning)
        if amplitude / (z[1] - z[0]) > n:
            pytest.skip("amplitude beyond the z span")
        alpha = matrix.matrix_alpha(amplitude, z[1] - z[0])
        assert 1 <= alpha <= matrix.FFT_ALPHA_BATCH
        batched = fmdecon.matrix_method(z, curves, amplitude, paper.k, paper.f0)
        singles = [fmdecon.matrix_method(z, c, amplitude, paper.k, paper.f0) for c in curves]
    assert blocked_calls == [curves.shape]  # the batch only: single curves keep the filter
    assert batched.shape == curves.shape
    assert batched.flags.c_contiguous
    for row, single in zip(batched, singles, strict=True):
        assert_rows_equal(row, single)


@pytest.mark.parametrize("alpha", [60, 150])
def test_blocked_wide_bands(alpha, paper, morse, lennard_jones):
    # wider than the batch threshold (there "auto" solves by FFT): still exact to rounding
    z = paper.z[:2000]
    step = z[1] - z[0]
    amplitude = alpha * step
    weights = matrix.matrix_weights(amplitude, step, paper.k, paper.f0)
    rhs = curves_on(z, amplitude, paper, morse, lennard_jones)[:, ::-1]
    blocked = _toeplitz.solve_blocked(weights, rhs)
    assert_close_rows(blocked, dense_solve(weights, rhs))
    assert_close_rows(blocked, lfilter([1.0], weights, rhs, axis=-1))


def test_explicit_recursive_keeps_the_filter_row_by_row(
    paper, morse, lennard_jones, blocked_calls
):
    z = paper.z[:1200]
    amplitude = 20e-12
    curves = np.vstack([curves_on(z, amplitude, paper, morse, lennard_jones)] * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.SmallAmplitudeWarning)
        batched = fmdecon.matrix_method(
            z, curves, amplitude, paper.k, paper.f0, solver="recursive"
        )
        singles = [
            fmdecon.matrix_method(z, c, amplitude, paper.k, paper.f0, solver="recursive")
            for c in curves
        ]
    assert blocked_calls == []
    np.testing.assert_array_equal(batched, np.array(singles))


def test_solve_causal_opts_in_to_blocks(paper, morse, lennard_jones, blocked_calls):
    # the weights of the newer methods (exact cell weights; section 3 weights on a resampled
    # grid): the blocked solve only when asked for, exact to rounding
    z = paper.z[:1000]
    step = z[1] - z[0]
    amplitude = 15.3e-12
    rhs = curves_on(z, amplitude, paper, morse, lennard_jones)[:, ::-1]
    for weights in (
        fmdecon.exact_cell_weights(amplitude, step, paper.k, paper.f0),
        matrix.matrix_weights(amplitude, amplitude / 16, paper.k, paper.f0),
    ):
        filtered = _toeplitz.solve_causal(weights, rhs, "recursive")
        np.testing.assert_array_equal(filtered, lfilter([1.0], weights, rhs, axis=-1))
        assert blocked_calls == []
        blocked = _toeplitz.solve_causal(weights, rhs, "recursive", blocked=True)
        assert blocked_calls == [rhs.shape]
        blocked_calls.clear()
        assert_close_rows(blocked, dense_solve(weights, rhs))
        assert_close_rows(blocked, filtered)


def test_nested_and_non_contiguous_batches(paper, morse, lennard_jones):
    z = paper.z[:700]
    amplitude = 20e-12
    curves = np.vstack([curves_on(z, amplitude, paper, morse, lennard_jones)] * 3)  # 12 rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.SmallAmplitudeWarning)
        flat = fmdecon.matrix_method(z, curves, amplitude, paper.k, paper.f0)
        nested = fmdecon.matrix_method(
            z, curves.reshape(3, 4, z.size), amplitude, paper.k, paper.f0
        )
        fortran = fmdecon.matrix_method(z, np.asfortranarray(curves), amplitude, paper.k, paper.f0)
        strided = fmdecon.matrix_method(
            z, np.repeat(curves, 2, axis=0)[::2], amplitude, paper.k, paper.f0
        )
    np.testing.assert_array_equal(nested.reshape(flat.shape), flat)
    np.testing.assert_array_equal(fortran, flat)
    np.testing.assert_array_equal(strided, flat)
