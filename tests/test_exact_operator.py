"""Batches of matrix_exact on a lattice: the method's operator applied on the input grid.

A batch of more than one curve on a grid uniform to rounding (``solver="auto"``) is
deconvolved as ``F = L df`` with ``L`` from its structure (``ExactOperator``: a Toeplitz bulk
``tau``, the ``LAYER`` columns next to each end and row 0), built once per grid and
amplitude. Checked here against the slow, obvious reference of section 6b (dense spline,
dense triangular solve; ``tests/reference.py``) and against the single-curve calls.
"""

import importlib
import warnings

import numpy as np
import pytest

import fmdecon
from tests.reference import matrix_exact_dense, not_a_lattice

exact_module = importlib.import_module("fmdecon.methods.matrix_exact")


def curves(paper, morse, lennard_jones, z, amplitude, rows=4, seed=3):
    rng = np.random.default_rng(seed)
    clean = [
        morse.frequency_shift(z, amplitude, paper.k, paper.f0),
        lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0),
    ]
    noisy = [clean[0] + 0.1 * rng.standard_normal(z.size) for _ in range(rows - 2)]
    return np.array(clean + noisy)


@pytest.mark.parametrize("upsample", [1, 2, 3, 4])
@pytest.mark.parametrize("amplitude", [8e-12, 60e-12, 300e-12])
def test_operator_equals_dense_reference(upsample, amplitude, paper, morse, lennard_jones):
    z = paper.z[:400]
    batch = curves(paper, morse, lennard_jones, z, amplitude)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = fmdecon.matrix_exact(z, batch, amplitude, paper.k, paper.f0, upsample=upsample)
        for row, curve in zip(batched, batch, strict=True):
            dense = matrix_exact_dense(z, curve, amplitude, paper.k, paper.f0, upsample)
            scale = np.max(np.abs(dense))
            # the reference's weights come from quadrature (1e-13); the rest is rounding
            np.testing.assert_allclose(row, dense, rtol=0, atol=1e-11 * scale)


@pytest.mark.parametrize("upsample", [1, 4])
@pytest.mark.parametrize("amplitude", [20e-12, 137e-12, 500e-12])
def test_operator_rows_equal_single_calls(upsample, amplitude, paper, morse, lennard_jones):
    z = paper.z
    batch = curves(paper, morse, lennard_jones, z, amplitude)
    batch = np.vstack([batch, np.zeros(z.size)])
    batched = fmdecon.matrix_exact(z, batch, amplitude, paper.k, paper.f0, upsample=upsample)
    for row, curve in zip(batched, batch, strict=True):
        single = fmdecon.matrix_exact(z, curve, amplitude, paper.k, paper.f0, upsample=upsample)
        scale = np.max(np.abs(single)) if np.any(single) else 1.0
        np.testing.assert_allclose(row, single, rtol=0, atol=1e-12 * scale)
    # the clean curve keeps its relative accuracy where it has decayed (rescaled correlation)
    single = fmdecon.matrix_exact(z, batch[0], amplitude, paper.k, paper.f0, upsample=upsample)
    np.testing.assert_allclose(batched[0], single, rtol=1e-9)


def test_operator_built_once_per_grid(paper, morse, lennard_jones):
    z = paper.z[:2000]
    amplitude = 90e-12
    batch = curves(paper, morse, lennard_jones, z, amplitude, rows=6)
    exact_module.exact_operator.cache_clear()
    first = fmdecon.matrix_exact(z, batch, amplitude, paper.k, paper.f0)
    again = fmdecon.matrix_exact(z, 2.0 * batch, amplitude, paper.k, paper.f0)
    info = exact_module.exact_operator.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    np.testing.assert_array_equal(2.0 * first, again)  # linear, and 2x is exact


def test_operator_structure_is_small(paper):
    """O(N LAYER) numbers, no N x N array."""
    n = paper.z.size
    operator = exact_module.exact_operator(
        n, float(paper.z[0]), float(paper.z[-1]), 137e-12, paper.k, paper.f0, 4, True
    )
    layer = exact_module.LAYER
    assert operator.tau.shape == (n,)
    assert operator.row0.shape == (n,)
    assert operator.far.shape == (n - 1, layer)
    assert operator.near.shape[1] == layer
    assert operator.near.shape[0] < 4 * layer


def test_short_grid_falls_back(paper, morse, lennard_jones):
    """Fewer than 4 LAYER + 8 points with upsampling: no operator, the cells' solve."""
    z = paper.z[: 4 * exact_module.LAYER + 7]
    amplitude = 30e-12
    batch = curves(paper, morse, lennard_jones, z, amplitude)
    exact_module.exact_operator.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = fmdecon.matrix_exact(z, batch, amplitude, paper.k, paper.f0)
        single = fmdecon.matrix_exact(z, batch[1], amplitude, paper.k, paper.f0)
    assert exact_module.exact_operator.cache_info().misses == 0
    np.testing.assert_allclose(batched[1], single, rtol=0, atol=1e-12 * np.max(np.abs(single)))


@pytest.mark.parametrize("kind", ["printed", "far"])
def test_grid_not_a_lattice_is_solved_curve_by_curve(kind, paper, morse):
    """Not an exact lattice at 1e-12 (is_uniform at BATCH_STEP_RTOL), so the batch takes the
    cells' solve and equals single calls: values printed to 7 digits (uniform within
    UNIFORM_RTOL only), or z ~ 1 um with pm steps (the rounding of z's values is ~1e-10 of a
    step)."""
    z, batch, amplitude = not_a_lattice(kind, paper, morse)
    exact_module.exact_operator.cache_clear()
    batched = fmdecon.matrix_exact(z, batch, amplitude, paper.k, paper.f0)
    assert exact_module.exact_operator.cache_info().misses == 0
    for row, curve in zip(batched, batch, strict=True):
        single = fmdecon.matrix_exact(z, curve, amplitude, paper.k, paper.f0)
        np.testing.assert_allclose(row, single, rtol=0, atol=1e-12 * np.max(np.abs(single)))


@pytest.mark.parametrize("upsample", [1, 4])
def test_cached_operator_is_read_only(upsample, paper):
    operator = exact_module.exact_operator(
        600, float(paper.z[0]), float(paper.z[599]), 60e-12, paper.k, paper.f0, upsample, True
    )
    for array in (operator.tau, operator.row0, operator.near, operator.far):
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
