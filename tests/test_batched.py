"""Batched deconvolution: ``df`` of shape ``(..., N)`` for every registered method.

Tolerances: each row of a batched call equals the single call on that row to 1e-12 of the
row's largest |force| (1e-12 relative, plus the same absolute margin for points where the
force crosses zero). A batch of one row is bit-identical to the 1-D call. In larger
batches, rows whose rescaling exponents agree to 4/N share one exponent (one kernel spectrum
or inverse-series transform per group), which changes the rounding (~1e-15) but not the sums;
on a non-uniform grid the Sader-Jarvis kernel blocks are applied as a matrix-matrix product
instead of a matrix-vector product, which also rounds differently.
"""

import importlib

import numpy as np
import pytest

import fmdecon
from fmdecon import METHODS

sader_jarvis_module = importlib.import_module("fmdecon.methods.sader_jarvis")

K = 1800.0
F0 = 32768.0
RTOL = 1e-12


def batch(paper, morse, lennard_jones, z, amplitude, rows=6, seed=7):
    """Clean and noisy Morse / Lennard-Jones curves and a zero curve, shape (rows, N)."""
    rng = np.random.default_rng(seed)
    clean = [
        morse.frequency_shift(z, amplitude, paper.k, paper.f0),
        lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0),
        np.zeros(z.size),
    ]
    out = [
        clean[i % 3] + (0.1 * rng.standard_normal(z.size) if i >= 3 else 0) for i in range(rows)
    ]
    return np.array(out)


def assert_rows_equal(batched, single):
    np.testing.assert_array_equal(np.isnan(batched), np.isnan(single))
    scale = np.nanmax(np.abs(single)) if np.any(np.nan_to_num(single)) else 1.0
    np.testing.assert_allclose(batched, single, rtol=RTOL, atol=RTOL * scale)


def grids(paper):
    z = paper.z[:1200]
    jitter = np.random.default_rng(1).uniform(-0.3, 0.3, z.size) * (z[1] - z[0])
    jitter[[0, -1]] = 0.0
    return {"uniform": z, "nonuniform": z + jitter}


@pytest.mark.parametrize("grid_name", ["uniform", "nonuniform"])
@pytest.mark.parametrize("amplitude", [12e-12, 137e-12, 400e-12])
@pytest.mark.parametrize("name", list(METHODS))
def test_batched_equals_single_calls(name, amplitude, grid_name, paper, morse, lennard_jones):
    method = METHODS[name]
    if grid_name == "nonuniform" and method.uniform_grid:
        pytest.skip(f"{name} needs a uniform grid")
    z = grids(paper)[grid_name]
    curves = batch(paper, morse, lennard_jones, z, amplitude)
    batched = fmdecon.deconvolve(name, z, curves, amplitude, paper.k, paper.f0)
    assert batched.shape == curves.shape
    for row, curve in zip(batched, curves, strict=True):
        single = fmdecon.deconvolve(name, z, curve, amplitude, paper.k, paper.f0)
        assert_rows_equal(row, single)


@pytest.mark.parametrize("name", list(METHODS))
def test_shapes(name, paper, morse, lennard_jones):
    z = paper.z[:600]
    amplitude = 60e-12
    curves = batch(paper, morse, lennard_jones, z, amplitude).reshape(2, 3, z.size)
    method = METHODS[name]
    nested = method(z, curves, amplitude, K, F0)
    assert nested.shape == (2, 3, z.size)
    flat = method(z, curves.reshape(6, z.size), amplitude, K, F0)
    assert flat.shape == (6, z.size)
    np.testing.assert_array_equal(nested.reshape(6, z.size), flat)
    one = method(z, curves[1, 2], amplitude, K, F0)
    assert one.shape == (z.size,)
    assert_rows_equal(nested[1, 2], one)
    row = method(z, curves[1, 2][None, :], amplitude, K, F0)
    assert row.shape == (1, z.size)
    assert_rows_equal(row[0], one)


@pytest.mark.parametrize("amplitude", [12e-12, 200e-12])
@pytest.mark.parametrize("name", list(METHODS))
def test_single_row_batch_is_bit_identical(name, amplitude, paper, morse):
    """A batch of one curve, of shape (1, N) or (1, 1, N), is that curve, bit for bit."""
    z = paper.z[:1500]
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    df = df + 0.1 * np.random.default_rng(2).standard_normal(z.size)
    one = fmdecon.deconvolve(name, z, df, amplitude, paper.k, paper.f0)
    for shape in ((1, z.size), (1, 1, z.size)):
        batched = fmdecon.deconvolve(name, z, df.reshape(shape), amplitude, paper.k, paper.f0)
        assert batched.shape == shape
        np.testing.assert_array_equal(batched.reshape(z.size), one)


@pytest.mark.parametrize("amplitude", [12e-12, 200e-12])
@pytest.mark.parametrize("name", list(METHODS))
def test_empty_batch(name, amplitude, paper):
    z = paper.z[:600]
    out = fmdecon.deconvolve(name, z, np.zeros((0, z.size)), amplitude, paper.k, paper.f0)
    assert out.shape == (0, z.size)


def test_sader_jarvis_single_row_is_bit_identical(paper, morse):
    z = paper.z
    df = morse.frequency_shift(z, 80e-12, paper.k, paper.f0)
    one = fmdecon.sader_jarvis(z, df, 80e-12, paper.k, paper.f0)
    np.testing.assert_array_equal(fmdecon.sader_jarvis(z, df[None], 80e-12, K, F0)[0], one)


def test_sader_jarvis_kernel_spectrum_once_per_batch(paper, morse):
    """Curves whose envelopes decay alike share one rescaling exponent: the kernel spectrum
    is computed once for the whole batch (one cache miss; the blocks of rows reuse it from
    the cache), not once per curve."""
    z = paper.z
    amplitude = 90e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    curves = np.outer(np.linspace(0.5, 2.0, 40), df)  # scaled copies: one gamma
    sader_jarvis_module._scaled_kernel.cache_clear()
    fmdecon.sader_jarvis(z, curves, amplitude, paper.k, paper.f0)
    info = sader_jarvis_module._scaled_kernel.cache_info()
    assert info.misses == 1


def test_sader_jarvis_groups_by_gamma(paper, morse):
    """Each distinct rescaling exponent costs one kernel spectrum, whatever the batch size."""
    z = paper.z
    amplitude = 90e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    steep = fmdecon.Morse(10e9, paper.sigma, paper.bond_energy).frequency_shift(
        z, amplitude, paper.k, paper.f0
    )
    curves = np.array([df, steep] * 10)
    sader_jarvis_module._scaled_kernel.cache_clear()
    batched = fmdecon.sader_jarvis(z, curves, amplitude, paper.k, paper.f0)
    assert sader_jarvis_module._scaled_kernel.cache_info().misses == 2
    assert_rows_equal(batched[1], fmdecon.sader_jarvis(z, steep, amplitude, K, F0))


@pytest.mark.parametrize("name", ["sader_jarvis", "matrix_exact"])
def test_noisy_copies_share_a_few_rescalings(name, paper, morse):
    """200 noisy copies of one curve: their rescaling exponents scatter (the far end is
    noise), but they fall into a few groups of width 4/N, each sharing one transform."""
    from scipy import fft

    z = paper.z
    amplitude = 137e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    curves = df + 0.1 * np.random.default_rng(11).standard_normal((200, z.size))
    calls = []
    original = fft.rfft

    def counting_rfft(x, *args, **kwargs):
        calls.append(np.shape(x))
        return original(x, *args, **kwargs)

    sader_jarvis_module._scaled_kernel.cache_clear()
    fft.rfft = counting_rfft
    try:
        batched = fmdecon.deconvolve(name, z, curves, amplitude, paper.k, paper.f0)
    finally:
        fft.rfft = original
    one_dimensional = [shape for shape in calls if len(shape) == 1]
    assert len(one_dimensional) <= 40  # kernel spectra / inverse series, not one per curve
    for r in (0, 99, 199):
        single = fmdecon.deconvolve(name, z, curves[r], amplitude, paper.k, paper.f0)
        assert_rows_equal(batched[r], single)


def test_batched_bad_input_names_index(paper):
    z = paper.z[:50]
    curves = np.zeros((2, 4, z.size))
    curves[1, 3, 7] = np.nan
    for name in METHODS:
        with pytest.raises(ValueError, match=r"df\[1, 3, 7\] = (np\.float64\()?nan"):
            fmdecon.deconvolve(name, z, curves, 20e-12, K, F0)
    with pytest.raises(ValueError, match="last axis"):
        fmdecon.sader_jarvis(z, np.zeros((3, z.size + 1)), 20e-12, K, F0)


def test_validation_curves_helper():
    from fmdecon._validation import curves

    z = np.linspace(0.0, 1.0, 5)
    _, values = curves(z, np.ones((2, 5)), "df")
    assert values.shape == (2, 5)
    with pytest.raises(ValueError, match=r"df\[1, 3\] = inf"):
        curves(z, np.array([[0.0] * 5, [0, 0, 0, np.inf, 0]]), "df")
    with pytest.raises(ValueError, match="same length"):
        curves(z, np.ones(4), "df")  # 1-D: the checks of `curve`


# --------------------------------------------------------------------------------------------
# Sader-Jarvis batches on a uniform grid: the whole map as one correlation per row
# --------------------------------------------------------------------------------------------


def direct_sader_jarvis(z, df, amplitude, k, f0, dtype=np.float64, ideal=False):
    """The slow, obvious reference: the discretised Sader-Jarvis sums (docs/physics.md
    section 2) evaluated directly for each output point, O(N^2), in ``dtype``: trapezoid
    weights over the samples z_(j+1) .. z_(N-2), the kernel 1 / sqrt(z_i - z_j) from the grid
    itself, forward differences and Sader's correction term for [z_j, z_(j+1)]. With
    ``ideal``, on the grid of exactly equal steps ``(z_(N-2) - z_0) / (N - 2)`` (in ``dtype``)
    that a rounded uniform grid stands for."""
    z = np.asarray(z).astype(dtype)
    n = z.size
    last = n - 2
    if ideal:
        z = z[0] + (z[last] - z[0]) / dtype(last) * np.arange(n).astype(dtype)
    pi = dtype(np.pi) if dtype is np.float64 else np.arccos(dtype(-1))
    amplitude = dtype(amplitude)
    a = np.sqrt(amplitude) / (8 * np.sqrt(pi))
    b = amplitude * np.sqrt(amplitude) / np.sqrt(dtype(2))
    omega = np.atleast_2d(np.asarray(df).astype(dtype)) / dtype(f0)
    slope = np.diff(omega, axis=-1) / np.diff(z)
    out = np.full(omega.shape, np.nan)
    for j in range(n - 3):  # the reference: a plain loop over output points
        t = z[j + 1 : last + 1]
        weights = np.zeros(t.size, dtype=dtype)
        weights[1:] += 0.5 * np.diff(t)
        weights[:-1] += 0.5 * np.diff(t)
        integrand = omega[:, j + 1 : last + 1] + (
            a * omega[:, j + 1 : last + 1] - b * slope[:, j + 1 : last + 1]
        ) / np.sqrt(t - z[j])
        h = z[j + 1] - z[j]
        sader = (
            omega[:, j] * h + 2 * a * omega[:, j] * np.sqrt(h) - 2 * b * slope[:, j] * np.sqrt(h)
        )
        out[:, j] = (2 * dtype(k) * (integrand @ weights + sader)).astype(np.float64)
    return out.reshape(np.shape(df))


def sj_rows(paper, morse, lennard_jones, z, amplitude, seed=3):
    """Clean Morse and Lennard-Jones curves, their noisy copies, pure noise, a zero row, a
    scaled copy: rows of different rescaling exponents, interleaved."""
    rng = np.random.default_rng(seed)
    clean_m = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    clean_lj = lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0)
    return np.array(
        [
            clean_m,
            clean_lj,
            np.zeros(z.size),
            clean_m + 0.1 * rng.standard_normal(z.size),
            clean_lj + 0.1 * rng.standard_normal(z.size),
            0.1 * rng.standard_normal(z.size),
            -3.0 * clean_m,
        ]
    )


@pytest.fixture
def toeplitz_calls(monkeypatch):
    """Counts the batches that take the one-correlation path."""
    calls = []
    original = sader_jarvis_module._sader_jarvis_batch

    def counting(df, *args):
        calls.append(df.shape)
        return original(df, *args)

    monkeypatch.setattr(sader_jarvis_module, "_sader_jarvis_batch", counting)
    return calls


@pytest.mark.parametrize("n", [4, 5, 6, 10, 37, 300, 1200, 5000])
@pytest.mark.parametrize("amplitude", [12e-12, 50e-12, 137e-12, 500e-12])
def test_sader_jarvis_uniform_batch_equals_single_calls(
    n, amplitude, paper, morse, lennard_jones, toeplitz_calls
):
    """Rows of a batch on z = linspace(0.23 nm, 5 nm, N) equal single calls to 1e-12 of the
    row's largest |F|, NaN pattern included, from N = 4 (one defined point) to 5000."""
    z = np.linspace(0.23e-9, 5e-9, n)
    rows = sj_rows(paper, morse, lennard_jones, z, amplitude)
    batched = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    assert toeplitz_calls == [rows.shape]
    assert batched.shape == rows.shape
    for row, curve in zip(batched, rows, strict=True):
        assert_rows_equal(row, fmdecon.sader_jarvis(z, curve, amplitude, paper.k, paper.f0))
    assert np.all(batched[2][: n - 3] == 0.0)  # the zero row
    assert np.all(np.isnan(batched[:, n - 3 :]))


@pytest.mark.parametrize("n", [7, 40, 300])
@pytest.mark.parametrize("amplitude", [12e-12, 50e-12, 137e-12, 500e-12])
def test_sader_jarvis_uniform_batch_equals_direct_sums(
    n, amplitude, paper, morse, lennard_jones, toeplitz_calls
):
    """Against the slow, obvious reference (the sums written out, O(N^2)): batched rows and
    single calls agree with it to 1e-12 of the row's largest |F|."""
    z = np.linspace(0.23e-9, 5e-9, n)
    rows = sj_rows(paper, morse, lennard_jones, z, amplitude)
    reference = direct_sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    batched = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    assert toeplitz_calls
    for r in range(rows.shape[0]):
        assert_rows_equal(batched[r], reference[r])
        single = fmdecon.sader_jarvis(z, rows[r], amplitude, paper.k, paper.f0)
        assert_rows_equal(single, reference[r])


@pytest.mark.skipif(
    np.finfo(np.longdouble).eps > 1e-18, reason="needs an extended-precision long double"
)
@pytest.mark.parametrize("n", [100, 300])
@pytest.mark.parametrize("amplitude", [12e-12, 50e-12, 137e-12, 500e-12])
def test_sader_jarvis_uniform_batch_tail_accuracy(n, amplitude, paper, morse, lennard_jones):
    """Pointwise relative accuracy where the force has decayed (last quarter of the grid) of
    clean curves, against the direct sums in extended precision on the ideal uniform grid:
    batched rows are as accurate as single calls (which do the correlation on rescaled data;
    in a batch the taps and the last points are added exactly, see the module docstring)."""
    z = np.linspace(0.23e-9, 5e-9, n)
    rows = sj_rows(paper, morse, lennard_jones, z, amplitude)[[0, 1, 6]]
    reference = direct_sader_jarvis(z, rows, amplitude, paper.k, paper.f0, np.longdouble, True)
    batched = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    tail = slice(n - 3 - (n - 3) // 4, n - 3)
    for r in range(rows.shape[0]):
        single = fmdecon.sader_jarvis(z, rows[r], amplitude, paper.k, paper.f0)
        exact = reference[r][tail]
        error_batched = np.max(np.abs(batched[r][tail] - exact) / np.abs(exact))
        error_single = np.max(np.abs(single[tail] - exact) / np.abs(exact))
        assert error_batched <= 3 * error_single + 2e-15, (r, error_batched, error_single)


def test_sader_jarvis_uniform_batch_blocks_and_groups(paper, morse, toeplitz_calls):
    """Many interleaved rows of two rescaling exponents (several blocks of rows, groups that
    are not consecutive rows), and non-contiguous input: every row equals its single call."""
    z = paper.z[:1200]
    amplitude = 80e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    steep = fmdecon.Morse(10e9, paper.sigma, paper.bond_energy).frequency_shift(
        z, amplitude, paper.k, paper.f0
    )
    noise = 0.05 * np.random.default_rng(5).standard_normal((40, z.size))
    rows = np.where(np.arange(40)[:, None] % 3 == 0, steep, df) + noise
    batched = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    for r in (0, 1, 2, 17, 18, 39):
        assert_rows_equal(batched[r], fmdecon.sader_jarvis(z, rows[r], amplitude, K, F0))
    fortran = fmdecon.sader_jarvis(z, np.asfortranarray(rows), amplitude, paper.k, paper.f0)
    np.testing.assert_array_equal(fortran, batched)
    strided = np.repeat(rows, 2, axis=1)[:, ::2]
    np.testing.assert_array_equal(
        fmdecon.sader_jarvis(z, strided, amplitude, paper.k, paper.f0), batched
    )
    assert len(toeplitz_calls) == 3


def test_sader_jarvis_uniform_batch_few_kernels(paper, morse, toeplitz_calls):
    """200 noisy copies of one curve at N = 5000: one correlation path, a few kernel spectra
    (cache misses), whatever the number of rows; a second call computes none."""
    z = paper.z
    amplitude = 137e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    curves = df + 0.1 * np.random.default_rng(11).standard_normal((200, z.size))
    sader_jarvis_module._scaled_kernel.cache_clear()
    fmdecon.sader_jarvis(z, curves, amplitude, paper.k, paper.f0)
    misses = sader_jarvis_module._scaled_kernel.cache_info().misses
    assert 1 <= misses <= 3
    fmdecon.sader_jarvis(z, curves, amplitude, paper.k, paper.f0)
    assert sader_jarvis_module._scaled_kernel.cache_info().misses == misses
    assert toeplitz_calls == [curves.shape, curves.shape]


def test_sader_jarvis_uniform_batch_without_fft_out(paper, morse, monkeypatch):
    """With numpy < 2 (no ``out=`` in numpy.fft) the transforms come from scipy: same rows."""
    z = paper.z[:1500]
    amplitude = 137e-12
    rows = morse.frequency_shift(z, amplitude, paper.k, paper.f0) + 0.1 * np.random.default_rng(
        4
    ).standard_normal((20, z.size))
    default = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    monkeypatch.setattr(sader_jarvis_module, "_FFT_OUT", False)
    scipy_fft = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    for r in range(rows.shape[0]):
        assert_rows_equal(scipy_fft[r], default[r])


def test_sader_jarvis_nearly_uniform_grid_keeps_per_step_weights(
    paper, morse, lennard_jones, toeplitz_calls
):
    """A grid uniform to ~1e-11 (FFT kernel, but steps unequal beyond _TOEPLITZ_RTOL) is done
    with each sample's own weights, as single calls are: rows agree to rounding."""
    z = paper.z[:800].copy()
    z[1:-1] += 1e-11 * (z[1] - z[0]) * np.random.default_rng(8).uniform(-1, 1, z.size - 2)
    amplitude = 300e-12
    rows = sj_rows(paper, morse, lennard_jones, z, amplitude)
    batched = fmdecon.sader_jarvis(z, rows, amplitude, paper.k, paper.f0)
    assert toeplitz_calls == []
    for row, curve in zip(batched, rows, strict=True):
        assert_rows_equal(row, fmdecon.sader_jarvis(z, curve, amplitude, paper.k, paper.f0))


def test_sader_jarvis_three_point_batch(paper):
    z = paper.z[:3]
    out = fmdecon.sader_jarvis(z, np.ones((4, 3)), 50e-12, paper.k, paper.f0)
    assert out.shape == (4, 3)
    assert np.all(np.isnan(out))
