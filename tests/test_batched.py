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
