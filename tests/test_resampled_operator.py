"""Batches of matrix_resampled on a lattice: splines in B-spline form, one correlation.

A batch of more than one curve on a grid uniform to rounding (``solver="auto"``) is
deconvolved without building a spline per curve: the input spline's B-spline coefficients are
``sigma * df`` plus two not-a-knot end modes, the solve and the spline back are one FFT
correlation with ``m = sigma * h`` plus the end modes of the resampled lattice. Checked here
against the slow, obvious reference of section 6a (``tests/reference.py``), against
scipy's CubicSpline and against single calls.
"""

import importlib
import warnings

import numpy as np
import pytest
from scipy.interpolate import CubicSpline

import fmdecon
from fmdecon.methods._toeplitz import scale_exponent, scale_exponents
from tests.reference import matrix_resampled_dense, not_a_lattice

resampled_module = importlib.import_module("fmdecon.methods.matrix_resampled")


def curves(paper, morse, lennard_jones, z, amplitude, rows=4, seed=5):
    rng = np.random.default_rng(seed)
    clean = [
        morse.frequency_shift(z, amplitude, paper.k, paper.f0),
        lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0),
    ]
    noisy = [clean[0] + 0.1 * rng.standard_normal(z.size) for _ in range(rows - 2)]
    return np.array(clean + noisy)


@pytest.mark.parametrize("nodes", [4, 5, 9, 40, 301])
def test_bspline_form_is_the_not_a_knot_spline(nodes):
    """sigma * y plus the end modes, evaluated by B-spline taps, is CubicSpline's spline."""
    rng = np.random.default_rng(nodes)
    y = rng.standard_normal((3, nodes))
    padded = np.zeros((3, nodes + 2))
    padded[:, 1:-1] = y
    index = np.arange(nodes + 2)
    sigma = np.sqrt(3.0) * resampled_module.POLE ** np.abs(index[:, None] - index[None, :])
    c = padded @ sigma  # sigma * y, directly (y zero beyond the nodes)
    modes, solve = resampled_module._end_modes(nodes)
    c += resampled_module._mode_amplitudes(c, nodes, solve) @ modes
    points = np.sort(rng.uniform(0.0, nodes - 1.0, 200))
    taps = resampled_module._tap_matrix(points, nodes)
    expected = CubicSpline(np.arange(nodes, dtype=float), y, axis=-1)(points)
    np.testing.assert_allclose((taps @ c.T).T, expected, rtol=0, atol=1e-13)


def test_scale_exponents_equal_the_single_curve_ones(paper):
    z = paper.z[:3000]
    rng = np.random.default_rng(0)
    rows = [
        fmdecon.Morse(kappa, paper.sigma, paper.bond_energy).frequency_shift(z, a, 1800.0, 32768.0)
        for kappa in (2e9, 4.25e9, 30e9)
        for a in (5e-12, 1e-9)
    ]
    rows += [row + 0.1 * rng.standard_normal(z.size) for row in rows]
    jump = np.full(z.size, 1e-30)
    jump[:100] = 1.0  # a jump from tiny values: the growth limit acts
    tail = np.zeros(z.size)
    tail[:2000] = rng.standard_normal(2000)  # exact zeros at the far end
    rows = np.array([*rows, np.zeros(z.size), jump, tail, 1e-300 * rows[0]])
    expected = [scale_exponent(np.maximum.accumulate(np.abs(row[::-1]))) for row in rows]
    np.testing.assert_array_equal(scale_exponents(rows), expected)


@pytest.mark.parametrize("alpha_min", [1, 50])
@pytest.mark.parametrize("amplitude", [8e-12, 60e-12, 300e-12])
def test_operator_equals_dense_reference(alpha_min, amplitude, paper, morse, lennard_jones):
    z = paper.z[:300]
    batch = curves(paper, morse, lennard_jones, z, amplitude)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = fmdecon.matrix_resampled(
            z, batch, amplitude, paper.k, paper.f0, alpha_min=alpha_min
        )
        for row, curve in zip(batched, batch, strict=True):
            dense = matrix_resampled_dense(z, curve, amplitude, paper.k, paper.f0, alpha_min)
            np.testing.assert_array_equal(np.isnan(row), np.isnan(dense))
            scale = np.nanmax(np.abs(dense))
            np.testing.assert_allclose(row, dense, rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("amplitude", [12e-12, 20e-12, 137e-12, 500e-12])
def test_operator_rows_equal_single_calls(amplitude, paper, morse, lennard_jones):
    z = paper.z
    batch = np.vstack([curves(paper, morse, lennard_jones, z, amplitude), np.zeros(z.size)])
    batched = fmdecon.matrix_resampled(z, batch, amplitude, paper.k, paper.f0)
    for row, curve in zip(batched, batch, strict=True):
        single = fmdecon.matrix_resampled(z, curve, amplitude, paper.k, paper.f0)
        np.testing.assert_array_equal(np.isnan(row), np.isnan(single))
        scale = np.nanmax(np.abs(single)) if np.any(np.nan_to_num(single)) else 1.0
        np.testing.assert_allclose(row, single, rtol=0, atol=1e-12 * scale)
    # the clean curve keeps its relative accuracy where it has decayed (rescaled correlation)
    single = fmdecon.matrix_resampled(z, batch[0], amplitude, paper.k, paper.f0)
    np.testing.assert_allclose(batched[0], single, rtol=1e-9)


def test_operator_built_once_per_grid(paper, morse, lennard_jones):
    z = paper.z[:2000]
    amplitude = 90e-12
    batch = curves(paper, morse, lennard_jones, z, amplitude, rows=6)
    resampled_module.resampled_operator.cache_clear()
    first = fmdecon.matrix_resampled(z, batch, amplitude, paper.k, paper.f0)
    again = fmdecon.matrix_resampled(z, 2.0 * batch, amplitude, paper.k, paper.f0)
    info = resampled_module.resampled_operator.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    np.testing.assert_array_equal(2.0 * first, again)  # linear, and 2x is exact


@pytest.mark.parametrize("kind", ["printed", "far"])
def test_grid_not_a_lattice_takes_the_splines(kind, paper, morse):
    """Not a lattice at 1e-12 (is_uniform, BATCH_STEP_RTOL): values printed to 7 digits, or
    z ~ 1 um with pm steps; the batch builds its splines on the actual nodes and equals single
    calls."""
    z, batch, amplitude = not_a_lattice(kind, paper, morse)
    resampled_module.resampled_operator.cache_clear()
    batched = fmdecon.matrix_resampled(z, batch, amplitude, paper.k, paper.f0)
    assert resampled_module.resampled_operator.cache_info().misses == 0
    for row, curve in zip(batched, batch, strict=True):
        single = fmdecon.matrix_resampled(z, curve, amplitude, paper.k, paper.f0)
        scale = np.nanmax(np.abs(single))
        np.testing.assert_allclose(row, single, rtol=0, atol=1e-12 * scale)


def test_cached_operator_is_read_only(paper):
    z = paper.z[:600]
    step = float((z[-1] - z[0]) / (z.size - 1))
    alpha = 63  # round(60 pm / 0.954 pm)
    count = int(np.floor((z[-1] - z[0]) / (60e-12 / alpha) * (1 + 1e-12))) + 1
    cached = resampled_module.resampled_operator(
        z.size, step, count, 60e-12 / alpha, 60e-12, paper.k, paper.f0, False
    )
    arrays = [cached.m, cached.solve_in, cached.solve_back, *cached.modes_in]
    arrays += [*cached.modes_back, cached.forward.data, cached.back.indices]
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0
