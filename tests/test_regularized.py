"""The regularised exact-weight method (docs/physics.md section 12) against slow, obvious
references: the forward operator summed cell by cell, the Tikhonov solve by a dense linear
system, the strength rules by their scores evaluated directly, its exact noise by the dense
linear map and by Monte Carlo, and its combined uncertainty by its coverage of the truth."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
from scipy.interpolate import BSpline

import fmdecon
from fmdecon.methods.matrix_exact import exact_cell_weights

regularized_module = importlib.import_module("fmdecon.methods.regularized")
K, F0 = 1800.0, 32768.0
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
LJ = fmdecon.LennardJones(0.235e-9, 0.371e-18)


@pytest.fixture(scope="module")
def small():
    """A short grid (N = 300) where dense references are cheap."""
    z = np.linspace(0.23e-9, 1.5e-9, 300)
    amplitude = 60e-12
    op = regularized_module.regularized_operator(
        z.size, float(z[0]), float(z[-1]), amplitude, K, F0, 4
    )
    return z, amplitude, op


def dense_forward(z, amplitude, knots, p):
    """G[i, j] = sum_m w_m B_j(centre of cell i p + m), cells of width d/p up to the far end,
    by an explicit loop over the observations; Richardson's extrapolation over p, 2p and 4p
    cells (errors O(cell^(3/2)) and O(cell^2))."""

    def one(q):
        d = (z[-1] - z[0]) / (z.size - 1)
        cell = d / q
        w = exact_cell_weights(amplitude, cell, K, F0)
        cells = q * (z.size - 1)
        centres = z[0] + (np.arange(cells) + 0.5) * cell
        design = BSpline.design_matrix(centres, knots, 3).toarray()
        out = np.zeros((z.size, design.shape[1]))
        for i in range(z.size):
            reach = np.arange(i * q, min(i * q + w.size, cells))
            out[i] = w[reach - i * q] @ design[reach]
        return out

    a, b, c = one(p), one(2 * p), one(4 * p)
    f = 2.0**1.5
    ab, bc = (f * b - a) / (f - 1.0), (f * c - b) / (f - 1.0)
    return (4.0 * bc - ab) / 3.0


def dense_penalty(knots):
    """int B_j'' B_k'' dz by a fine trapezoid rule (independent of the Gauss points)."""
    x = np.linspace(knots[0], knots[-1], 200_001)
    second = BSpline(knots, np.eye(knots.size - 4), 3).derivative(2)(x)
    weights = np.full(x.size, x[1] - x[0])
    weights[[0, -1]] /= 2
    return second.T @ (weights[:, None] * second)


def test_forward_operator_equals_the_cell_sum(small):
    z, amplitude, op = small
    dense = dense_forward(z, amplitude, np.asarray(op.knots), 4)
    forward = op.forward.toarray()
    np.testing.assert_allclose(forward, dense, rtol=0, atol=1e-12 * np.abs(dense).max())


@pytest.mark.filterwarnings("ignore::fmdecon.QuadratureWarning")  # at the far end only
def test_forward_operator_reproduces_the_exact_frequency_shift(small):
    """A force that is a spline of the basis (a Morse-like shape, zero at the far end): ``G a``
    equals the frequency shift of that force by quadrature (docs/physics.md section 1), to the
    accuracy of Richardson's extrapolation of the cells' midpoint rule."""
    from scipy.interpolate import make_lsq_spline

    z, amplitude, op = small
    knots = np.asarray(op.knots)
    fine = np.linspace(z[0], z[-1], 20_000)
    coefficients = make_lsq_spline(fine, MORSE.force(fine), knots, k=3).c.copy()
    coefficients[-4:] = 0.0  # value and derivatives vanish at the far end
    spline = BSpline(knots, coefficients, 3)

    def force(t):
        return np.where(t <= z[-1], spline(np.minimum(t, z[-1])), 0.0)

    exact = fmdecon.frequency_shift(force, z, amplitude, K, F0)
    np.testing.assert_allclose(
        op.forward @ coefficients, exact, rtol=0, atol=1e-5 * np.abs(exact).max()
    )


def test_basis_diagonalises_both_forms(small):
    op = small[2]
    gram = (op.forward.T @ op.forward).toarray()
    penalty = dense_penalty(np.asarray(op.knots))
    penalty *= np.trace(gram) / np.trace(penalty)
    v = np.asarray(op.basis)
    np.testing.assert_allclose(v.T @ gram @ v, np.eye(v.shape[1]), atol=1e-8)
    np.testing.assert_allclose(
        v.T @ penalty @ v, np.diag(op.rho), rtol=0, atol=1e-6 * max(1.0, op.rho.max())
    )


@pytest.mark.parametrize("strength", [1e-6, 1e-2, 10.0])
def test_fixed_strength_equals_the_dense_tikhonov_solve(small, strength):
    z, amplitude, op = small
    df = MORSE.frequency_shift(z, amplitude, K, F0)
    df = df + np.random.default_rng(3).normal(0.0, 0.05, z.size)
    gram = (op.forward.T @ op.forward).toarray()
    penalty = dense_penalty(np.asarray(op.knots))
    penalty *= np.trace(gram) / np.trace(penalty)
    coefficients = np.linalg.solve(gram + strength * penalty, op.forward.T @ df)
    want = op.values @ coefficients
    got = fmdecon.regularized(z, df, amplitude, K, F0, strength=strength)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6 * np.abs(want).max())


@pytest.mark.parametrize("rule", ["risk", "gcv", "discrepancy"])
def test_rules_pick_their_strength(small, rule):
    """The chosen strength against each rule's score evaluated by dense fits on a grid."""
    z, amplitude, op = small
    sigma = 0.05
    df = MORSE.frequency_shift(z, amplitude, K, F0)
    df = df + np.random.default_rng(4).normal(0.0, sigma, z.size)
    fit = fmdecon.regularized_fit(z, df, amplitude, K, F0, df_noise=sigma, rule=rule)
    chosen = float(fit.info["strength"])
    gram = (op.forward.T @ op.forward).toarray()
    penalty = dense_penalty(np.asarray(op.knots))
    penalty *= np.trace(gram) / np.trace(penalty)

    def score(lam):
        solve = np.linalg.solve(gram + lam * penalty, op.forward.T.toarray())  # (K, N)
        influence = op.forward @ solve
        residual = np.sum((influence @ df - df) ** 2)
        trace = np.trace(influence)
        if rule == "risk":
            return residual + 2 * sigma**2 * trace
        if rule == "gcv":
            return z.size * residual / (z.size - trace) ** 2
        return residual

    if rule == "discrepancy":
        assert score(chosen) == pytest.approx(z.size * sigma**2, rel=1e-6)
    else:
        trials = chosen * np.logspace(-2, 2, 21)
        assert score(chosen) <= min(score(t) for t in trials) * (1 + 1e-9)


def test_no_noise_is_the_exact_method(paper, morse):
    z = paper.z
    df = morse.frequency_shift(z, 137e-12, paper.k, paper.f0)
    exact = fmdecon.matrix_exact(z, df, 137e-12, paper.k, paper.f0)
    np.testing.assert_array_equal(
        fmdecon.regularized(z, df, 137e-12, paper.k, paper.f0, df_noise=0.0), exact
    )
    np.testing.assert_array_equal(
        fmdecon.regularized(z, df, 137e-12, paper.k, paper.f0, strength=0.0), exact
    )


def test_noise_estimate_of_white_noise():
    rng = np.random.default_rng(5)
    z = np.linspace(0.23e-9, 5e-9, 5000)
    curves = MORSE.frequency_shift(z, 100e-12, K, F0) + rng.normal(0, 0.2, (50, z.size))
    estimate = fmdecon.white_noise_rms(curves)
    assert estimate.shape == (50,)
    np.testing.assert_allclose(np.mean(estimate), 0.2, rtol=0.02)


def test_batch_rows_equal_single_calls(small):
    z, amplitude, _ = small
    rng = np.random.default_rng(6)
    df = MORSE.frequency_shift(z, amplitude, K, F0) + rng.normal(0, 0.05, (4, z.size))
    batch = fmdecon.regularized(z, df, amplitude, K, F0)
    for row, curve in zip(batch, df, strict=True):
        np.testing.assert_allclose(
            row, fmdecon.regularized(z, curve, amplitude, K, F0), rtol=0, atol=1e-12 * 1e-9
        )


def test_force_noise_at_a_fixed_strength(small):
    """Row norms of the dense linear map E (G^T G + lambda P)^-1 G^T, and Monte Carlo."""
    z, amplitude, op = small
    strength, sigma = 1e-2, 0.05
    gram = (op.forward.T @ op.forward).toarray()
    penalty = dense_penalty(np.asarray(op.knots))
    penalty *= np.trace(gram) / np.trace(penalty)
    dense = op.values @ np.linalg.solve(gram + strength * penalty, op.forward.T.toarray())
    want = sigma * np.linalg.norm(dense, axis=1)
    got = fmdecon.force_noise("regularized", z, amplitude, K, F0, sigma, strength=strength)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    realisations = 4000
    rng = np.random.default_rng(7)
    df = MORSE.frequency_shift(z, amplitude, K, F0) + rng.normal(0, sigma, (realisations, z.size))
    forces = fmdecon.regularized(z, df, amplitude, K, F0, strength=strength)
    scatter = np.std(forces, axis=0)
    standard_error = got / np.sqrt(2 * (realisations - 1))
    assert np.all(np.abs(scatter - got) <= 3.5 * standard_error)  # 300 points: 3.5 sigma
    fit = fmdecon.regularized_fit(z, df[:3], amplitude, K, F0, df_noise=sigma, strength=strength)
    np.testing.assert_allclose(fit.force_std[0], got, rtol=1e-12)


def test_force_noise_needs_the_strength(small):
    z, amplitude, _ = small
    with pytest.raises(ValueError, match="pass strength="):
        fmdecon.force_noise("regularized", z, amplitude, K, F0, 0.1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"rule": "lcurve"}, "rule must be one of risk, gcv, discrepancy"),
        ({"strength": -1.0}, "strength must be a finite number >= 0"),
        ({"df_noise": -0.1}, "df_noise must be finite and >= 0"),
        ({"upsample": 0}, "upsample must be an integer >= 1"),
    ],
)
def test_bad_options_are_named(small, value, message):
    z, amplitude, _ = small
    df = MORSE.frequency_shift(z, amplitude, K, F0)
    with pytest.raises(ValueError, match=message):
        fmdecon.regularized(z, df, amplitude, K, F0, **value)


# the published check: the paper's grid, 200 realisations, A = 20 / 137 / 500 pm and
# 0.01 / 0.1 / 0.3 Hz; the true force at the model's minimum inside +-2 combined uncertainties


@pytest.fixture(scope="module")
def coverage_table():
    z = np.linspace(0.23e-9, 5e-9, 5000)
    force = MORSE.force(z)
    i_min = int(np.argmin(force))
    table = {}
    for amplitude in (20e-12, 137e-12, 500e-12):
        clean = MORSE.frequency_shift(z, amplitude, K, F0)
        for sigma in (0.01, 0.1, 0.3):
            rng = np.random.default_rng(int(amplitude * 1e15) + int(sigma * 100))
            df = clean + rng.normal(0, sigma, (200, z.size))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = fmdecon.regularized_fit(z, df, amplitude, K, F0)
            error = fit.force[:, i_min] - force[i_min]
            combined = np.hypot(fit.force_std[:, i_min], fit.force_bias[:, i_min])
            table[amplitude, sigma] = (
                np.mean(np.abs(error) <= 2 * combined),
                np.std(error) / np.median(fit.force_std[:, i_min]),
            )
    return table


def test_combined_uncertainty_covers_the_true_force(coverage_table):
    for cell, (coverage, _) in coverage_table.items():
        assert coverage >= 0.90, (cell, coverage)


def test_chosen_strength_std_matches_monte_carlo(coverage_table):
    """With the strength chosen per curve the scatter stays that of the fixed-strength
    estimate (the predicted-risk rule's strength varies little from curve to curve)."""
    for cell, (_, ratio) in coverage_table.items():
        assert 0.85 <= ratio <= 1.15, (cell, ratio)


def test_an_operator_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    """A long curve whose operator would not fit is refused with N, the estimate and the
    way out, before anything is allocated (the machine's memory made small here)."""
    module = importlib.import_module("fmdecon.methods.regularized")

    monkeypatch.setattr(module, "_physical_memory", lambda: 1e9)
    z = np.linspace(0.23e-9, 5e-9, 100_000)
    with pytest.raises(ValueError, match=r"N = 100000 points would need an estimated 2\.6 GB"):
        module.regularized(z, np.zeros_like(z) - 1.0, 1e-10, 1800.0, 32768.0, df_noise=0.01)
