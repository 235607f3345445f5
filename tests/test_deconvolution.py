"""Fast deconvolution methods against the slow references of reference.py, and paper numbers.

Input frequency shifts come from the closed forms in reference.py (checked against quadrature
in test_forces.py), so these tests do not depend on the library's forward model.
"""

import numpy as np
import pytest
import reference
from scipy import linalg

import fmdecon

N_POINTS = 1000
Z_FIRST, Z_LAST = 0.23e-9, 5e-9


def uniform_grid():
    return np.linspace(Z_FIRST, Z_LAST, N_POINTS)


def power_grid():
    """Dense near the surface: z = 0.23 nm + 4.77 nm * u**1.5."""
    u = np.linspace(0.0, 1.0, N_POINTS)
    return Z_FIRST + (Z_LAST - Z_FIRST) * u**1.5


def jittered_grid():
    """Uniform grid with every inner point moved randomly by up to 30 % of the step."""
    z = uniform_grid()
    step = z[1] - z[0]
    rng = np.random.default_rng(20120312)
    z[1:-1] += rng.uniform(-0.3, 0.3, N_POINTS - 2) * step
    return z


GRIDS = {"uniform": uniform_grid, "power": power_grid, "jittered": jittered_grid}


def model_force(name, z, paper):
    if name == "morse":
        return reference.morse_force(z, paper.kappa, paper.sigma, paper.bond_energy)
    return reference.lj_force(z, paper.sigma, paper.bond_energy)


def model_frequency_shift(name, z, amplitude, paper):
    if name == "morse":
        return reference.morse_frequency_shift(
            z, amplitude, paper.k, paper.f0, paper.kappa, paper.sigma, paper.bond_energy
        )
    return reference.lj_frequency_shift(
        z, amplitude, paper.k, paper.f0, paper.sigma, paper.bond_energy
    )


def relative_error_report(fast, slow, z):
    """Worst pointwise relative error, its index, z and |F| relative to the curve's maximum."""
    finite = np.isfinite(slow)
    relative = np.full(len(slow), 0.0)
    relative[finite] = np.abs(fast[finite] - slow[finite]) / np.abs(slow[finite])
    worst = int(np.argmax(relative))
    scale = np.max(np.abs(slow[finite]))
    return (
        f"worst relative error {relative[worst]:.3e} at index {worst} of {len(z)} "
        f"(z = {z[worst] * 1e9:.4f} nm, |F| = {abs(slow[worst]):.3e} N = "
        f"{abs(slow[worst]) / scale:.1e} of max |F|)"
    )


# --------------------------------------------------------------------------------------------
# Sader-Jarvis: fast vs the O(N^2) double loop
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("grid", list(GRIDS))
@pytest.mark.parametrize("name", ["morse", "lj"])
@pytest.mark.parametrize("amplitude", [10e-12, 137e-12, 1e-9], ids=["10pm", "137pm", "1nm"])
def test_sader_jarvis_matches_double_loop(grid, name, amplitude, paper):
    z = GRIDS[grid]()
    df = model_frequency_shift(name, z, amplitude, paper)
    slow = reference.sader_jarvis_loop(z, df, amplitude, paper.k, paper.f0)
    fast = np.asarray(fmdecon.sader_jarvis(z, df, amplitude, paper.k, paper.f0))

    assert fast.shape == z.shape
    # NaN exactly where the discrete formula is undefined: the last three points
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    assert np.all(np.isnan(fast[-3:]))
    assert np.all(np.isfinite(fast[:-3]))
    # pointwise relative agreement everywhere, including the far tail
    finite = np.isfinite(slow)
    relative = np.abs(fast[finite] - slow[finite]) / np.abs(slow[finite])
    assert np.all(relative <= 1e-10), relative_error_report(fast, slow, z)


@pytest.mark.parametrize("name", ["morse", "lj"])
def test_sader_jarvis_reference_recovers_force(name, paper):
    """Sanity check of the oracle: on a smooth case the double loop approximates the force."""
    z = uniform_grid()
    amplitude = 352e-12 if name == "morse" else 58.3e-12
    df = model_frequency_shift(name, z, amplitude, paper)
    slow = reference.sader_jarvis_loop(z, df, amplitude, paper.k, paper.f0)
    force = model_force(name, z, paper)
    # LJ is steep at 0.23 nm and the grid here is 5x coarser than the paper's
    assert reference.cod(force, slow) > (0.999 if name == "morse" else 0.99)


def test_sader_jarvis_three_points_all_nan(paper):
    """Three points (only fewer than 3 is bad input): nothing defined, length kept (section 2)."""
    z = np.array([0.3e-9, 0.31e-9, 0.32e-9])
    df = model_frequency_shift("morse", z, 50e-12, paper)
    fast = np.asarray(fmdecon.sader_jarvis(z, df, 50e-12, paper.k, paper.f0))
    assert fast.shape == (3,)
    assert np.isnan(fast).all()


def test_sader_jarvis_four_points(paper):
    """Four points: only the first force is defined."""
    z = np.array([0.3e-9, 0.31e-9, 0.32e-9, 0.33e-9])
    df = model_frequency_shift("morse", z, 50e-12, paper)
    slow = reference.sader_jarvis_loop(z, df, 50e-12, paper.k, paper.f0)
    fast = np.asarray(fmdecon.sader_jarvis(z, df, 50e-12, paper.k, paper.f0))
    assert fast.shape == (4,)
    assert np.isnan(fast[1:]).all()
    assert fast[0] == pytest.approx(slow[0], rel=1e-12)


# --------------------------------------------------------------------------------------------
# Matrix method: fast vs dense W + scipy.linalg.solve_triangular
# --------------------------------------------------------------------------------------------

# z_i = 2**-38 m * (64 + i): every value and every difference is exact in binary, so the step
# is exactly d = 2**-38 m (about 3.64 pm) and A/d = n + 1/2 can be hit exactly.
STEP = 2.0**-38
N_MATRIX = 1200
MATRIX_RATIOS = [1.5, 2.49, 2.5, 2.51, 12.5, 13.49, 13.51, 40.0, 274.6]


def dyadic_grid():
    return STEP * (64 + np.arange(N_MATRIX, dtype=float))


@pytest.mark.parametrize("solver", ["auto", "recursive", "fft"])
@pytest.mark.parametrize("ratio", MATRIX_RATIOS, ids=[f"A/d={r}" for r in MATRIX_RATIOS])
@pytest.mark.parametrize("name", ["morse", "lj"])
def test_matrix_method_matches_dense_solve(ratio, name, solver, paper):
    z = dyadic_grid()
    amplitude = ratio * STEP
    assert amplitude / (z[1] - z[0]) == ratio
    df = model_frequency_shift(name, z, amplitude, paper)
    slow = reference.matrix_method_dense(z, df, amplitude, paper.k, paper.f0)
    fast = np.asarray(fmdecon.matrix_method(z, df, amplitude, paper.k, paper.f0, solver=solver))
    assert fast.shape == z.shape
    assert np.all(np.isfinite(fast))
    np.testing.assert_allclose(
        fast, slow, rtol=1e-9, atol=0, err_msg=relative_error_report(fast, slow, z)
    )


def test_matrix_method_rounds_half_up(paper):
    """alpha = floor(A/d + 1/2): at A/d = 2.5 the band has 2*3+1 samples, not 2*2+1.

    The two readings give clearly different forces, so this fails for round-half-even.
    """
    z = dyadic_grid()
    amplitude = 2.5 * STEP
    df = model_frequency_shift("morse", z, amplitude, paper)
    fast = np.asarray(fmdecon.matrix_method(z, df, amplitude, paper.k, paper.f0))
    half_up = reference.matrix_method_dense(z, df, amplitude, paper.k, paper.f0)
    # the same solve with alpha = 2: emulate by a slightly smaller amplitude in the band only
    w_half_even = reference.matrix_w(N_MATRIX, 2.4 * STEP, STEP, paper.k, paper.f0)
    w_half_even *= 2.4 / 2.5  # keep the true A in the prefactor
    half_even = linalg.solve_triangular(w_half_even, df[::-1], lower=True)[::-1]
    assert np.max(np.abs(half_up - half_even)) > 1e-3 * np.max(np.abs(half_up))
    np.testing.assert_allclose(fast, half_up, rtol=1e-9)


def test_matrix_method_reference_on_paper_grid(paper, paper_amplitude):
    """Sanity check of the oracle on the full grid: CoD 0.99998 at A = 12.83 pm (Morse)."""
    amplitude = paper_amplitude(12.8e-12)
    df = model_frequency_shift("morse", paper.z, amplitude, paper)
    slow = reference.matrix_method_dense(paper.z, df, amplitude, paper.k, paper.f0)
    force = model_force("morse", paper.z, paper)
    assert reference.cod(force, slow) == pytest.approx(0.99998, abs=1e-5)
    fast = fmdecon.matrix_method(paper.z, df, amplitude, paper.k, paper.f0)
    np.testing.assert_allclose(
        fast, slow, rtol=1e-9, atol=0, err_msg=relative_error_report(fast, slow, paper.z)
    )


# --------------------------------------------------------------------------------------------
# Paper numbers (docs/physics.md section 5), full grid of 5000 points
# --------------------------------------------------------------------------------------------


def paper_cod(method, name, amplitude, paper):
    df = model_frequency_shift(name, paper.z, amplitude, paper)
    force = method(paper.z, df, amplitude, paper.k, paper.f0)
    assert len(force) == len(paper.z)
    return reference.cod(model_force(name, paper.z, paper), force)


def test_paper_matrix_morse_cod_jump(paper, paper_amplitude):
    """Morse, matrix method: R^2 ~ 1 at 12.8 pm and 0.995 at 12.9 pm (across A/d = 13.5)."""
    step = paper.z[1] - paper.z[0]
    below, above = paper_amplitude(12.8e-12), paper_amplitude(12.9e-12)
    assert below / step < 13.5 < above / step
    assert paper_cod(fmdecon.matrix_method, "morse", below, paper) > 0.9995
    assert paper_cod(fmdecon.matrix_method, "morse", above, paper) == pytest.approx(
        0.995, abs=1e-3
    )


def test_paper_matrix_lennard_jones_cod_jump(paper, paper_amplitude):
    """LJ, matrix method: R^2 = 0.9996 at 11.7 pm and 0.996 at 12.0 pm (across A/d = 12.5)."""
    step = paper.z[1] - paper.z[0]
    below, above = paper_amplitude(11.7e-12), paper_amplitude(12.0e-12)
    assert below / step < 12.5 < above / step
    assert round(paper_cod(fmdecon.matrix_method, "lj", below, paper), 4) == 0.9996
    assert round(paper_cod(fmdecon.matrix_method, "lj", above, paper), 3) == 0.996


def test_paper_sader_jarvis_morse_cod(paper, paper_amplitude):
    """Morse, Sader-Jarvis: R^2 = 0.990 at 137 pm (its minimum) and ~1 at 352 pm."""
    cod_137 = paper_cod(fmdecon.sader_jarvis, "morse", paper_amplitude(137e-12), paper)
    assert cod_137 == pytest.approx(0.990, abs=1e-3)
    cod_352 = paper_cod(fmdecon.sader_jarvis, "morse", paper_amplitude(352e-12), paper)
    assert cod_352 > 0.9995


@pytest.mark.parametrize("kappa", [2e9, 20e9])
@pytest.mark.parametrize("amplitude", [30e-12, 300e-12, 1e-9])
def test_matrix_fft_solver_equals_recursive_filter_pointwise(kappa, amplitude, paper):
    """On the paper's grid, far tail included (forces down to ~1e-40 of the maximum)."""
    z = paper.z
    model = fmdecon.Morse(kappa, paper.sigma, paper.bond_energy)
    df = model.frequency_shift(z, amplitude, paper.k, paper.f0)
    recursive = fmdecon.matrix_method(z, df, amplitude, paper.k, paper.f0, solver="recursive")
    fast = fmdecon.matrix_method(z, df, amplitude, paper.k, paper.f0, solver="fft")
    np.testing.assert_allclose(fast, recursive, rtol=1e-9, atol=0)


def test_matrix_method_rejects_unknown_solver(paper):
    z = paper.z[:100]
    with pytest.raises(ValueError, match="solver"):
        fmdecon.matrix_method(z, np.ones(z.size), 10e-12, paper.k, paper.f0, solver="lu")
