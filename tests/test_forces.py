"""Force laws and forward model: closed forms against adaptive quadrature
(docs/physics.md section 1)."""

import math

import numpy as np
import pytest
import reference
from scipy import optimize

import fmdecon

# The paper's range: A from 10 pm to 1 nm, z from 0.23 nm to 5 nm, kappa from 2 to 10 /nm.
AMPLITUDES = np.geomspace(10e-12, 1e-9, 6)
Z_POINTS = np.geomspace(0.23e-9, 5e-9, 8)
KAPPAS = (2e9, 4.25e9, 10e9)

RTOL = 1e-10
# Near a zero of df neither quadrature nor a sum of closed-form terms can be relatively
# accurate; below this fraction of the integral of |integrand| the error is rounding.
ATOL_OF_SCALE = 1e-13


def law_and_reference_force(name, paper, kappa=None):
    """(library law, vectorised reference force) for 'morse' or 'lj'."""
    if name == "morse":
        kappa = paper.kappa if kappa is None else kappa
        law = fmdecon.Morse(kappa, paper.sigma, paper.bond_energy)
        return law, lambda z: reference.morse_force(z, kappa, paper.sigma, paper.bond_energy)
    law = fmdecon.LennardJones(paper.sigma, paper.bond_energy)
    return law, lambda z: reference.lj_force(z, paper.sigma, paper.bond_energy)


def reference_closed_form(name, z, amplitude, paper, kappa=None):
    if name == "morse":
        kappa = paper.kappa if kappa is None else kappa
        return reference.morse_frequency_shift(
            z, amplitude, paper.k, paper.f0, kappa, paper.sigma, paper.bond_energy
        )
    return reference.lj_frequency_shift(
        z, amplitude, paper.k, paper.f0, paper.sigma, paper.bond_energy
    )


def assert_matches_quadrature(values, quad, quad_abs, label):
    """|values - quad| <= RTOL |quad| + ATOL_OF_SCALE * integral(|integrand|), pointwise."""
    error = np.abs(values - quad)
    bound = RTOL * np.abs(quad) + ATOL_OF_SCALE * quad_abs
    worst = int(np.argmax(error / bound))
    assert np.all(error <= bound), (
        f"{label}: worst relative error {error[worst] / abs(quad[worst]):.3e} "
        f"at point {worst} (value {values[worst]!r}, quadrature {quad[worst]!r})"
    )


LAW_CASES = [("morse", kappa) for kappa in KAPPAS] + [("lj", None)]
LAW_IDS = [f"morse-kappa{kappa / 1e9:g}" for kappa in KAPPAS] + ["lj"]


@pytest.fixture(scope="module")
def quadrature_table(paper):
    """Quadrature of Eq. 3 on the (law, A, z) grid, computed once for the module."""
    table = {}
    for name, kappa in LAW_CASES:
        _, force = law_and_reference_force(name, paper, kappa)
        for amplitude in AMPLITUDES:
            quad, quad_abs, err = reference.frequency_shift_quad(
                force, Z_POINTS, amplitude, paper.k, paper.f0
            )
            # the oracle itself must be converged well below the tolerance tested
            # (quad's estimate is pessimistic; near a zero of df it is ~1e-14 of the scale)
            assert np.all(err <= 1e-11 * np.abs(quad) + 3e-14 * quad_abs)
            table[name, kappa, amplitude] = (quad, quad_abs)
    return table


@pytest.mark.parametrize(("name", "kappa"), LAW_CASES, ids=LAW_IDS)
def test_closed_form_frequency_shift_matches_quadrature(name, kappa, paper, quadrature_table):
    law, _ = law_and_reference_force(name, paper, kappa)
    for amplitude in AMPLITUDES:
        quad, quad_abs = quadrature_table[name, kappa, amplitude]
        closed = np.asarray(law.frequency_shift(Z_POINTS, amplitude, paper.k, paper.f0))
        assert closed.shape == Z_POINTS.shape
        assert_matches_quadrature(closed, quad, quad_abs, f"{name} A={amplitude:.3e}")


@pytest.mark.parametrize(("name", "kappa"), LAW_CASES, ids=LAW_IDS)
def test_library_quadrature_matches_adaptive_quadrature(name, kappa, paper, quadrature_table):
    """fmdecon.frequency_shift (the library's quadrature) on a reference force callable."""
    _, force = law_and_reference_force(name, paper, kappa)
    for amplitude in AMPLITUDES:
        quad, quad_abs = quadrature_table[name, kappa, amplitude]
        numeric = np.asarray(
            fmdecon.frequency_shift(force, Z_POINTS, amplitude, paper.k, paper.f0)
        )
        assert numeric.shape == Z_POINTS.shape
        assert_matches_quadrature(numeric, quad, quad_abs, f"{name} A={amplitude:.3e}")


@pytest.mark.parametrize(("name", "kappa"), LAW_CASES, ids=LAW_IDS)
def test_library_quadrature_matches_closed_form_on_dense_grid(name, kappa, paper):
    """fmdecon.frequency_shift vs the (quadrature-verified) reference closed forms."""
    _, force = law_and_reference_force(name, paper, kappa)
    z = np.linspace(0.23e-9, 5e-9, 97)
    for amplitude in (10e-12, 137e-12, 1e-9):
        closed = reference_closed_form(name, z, amplitude, paper, kappa)
        numeric = np.asarray(fmdecon.frequency_shift(force, z, amplitude, paper.k, paper.f0))
        # absolute floor: rounding of the largest term of the curve
        np.testing.assert_allclose(numeric, closed, rtol=RTOL, atol=1e-14 * np.max(np.abs(closed)))


def test_reference_closed_forms_match_quadrature(paper, quadrature_table):
    """The closed forms in reference.py, used as input to the deconvolution tests."""
    for name, kappa in LAW_CASES:
        for amplitude in AMPLITUDES:
            quad, quad_abs = quadrature_table[name, kappa, amplitude]
            closed = reference_closed_form(name, Z_POINTS, amplitude, paper, kappa)
            assert_matches_quadrature(closed, quad, quad_abs, f"reference {name}")


def test_frequency_shift_of_other_force_law(paper):
    """Any vectorised callable: a single exponential, whose closed form is f0 F0 e ive/(k A)."""
    force0, decay = -1e-9, 3e9

    def force(z):
        return force0 * np.exp(-decay * np.asarray(z))

    z = np.linspace(0.3e-9, 3e-9, 11)
    for amplitude in (20e-12, 500e-12):
        expected = reference.exponential_term_frequency_shift(
            force(z), decay, amplitude, paper.k, paper.f0
        )
        numeric = fmdecon.frequency_shift(force, z, amplitude, paper.k, paper.f0)
        np.testing.assert_allclose(numeric, expected, rtol=RTOL)


# z values away from the force minimum (where k_ts = 0 and the relative error is undefined)
SMALL_AMPLITUDE_Z = {
    "morse": np.array([0.23, 0.3, 0.5, 0.8, 1.5, 3.0, 5.0]) * 1e-9,
    "lj": np.array([0.23, 0.24, 0.3, 0.5, 1.0, 2.0, 5.0]) * 1e-9,
}


@pytest.mark.parametrize("name", ["morse", "lj"])
def test_small_amplitude_limit_is_force_gradient(name, paper):
    """df -> f0 k_ts / (2k), k_ts = -dF/dz, first-order correction A F''/F' < 1e-6 here."""
    amplitude = 1e-17
    z = SMALL_AMPLITUDE_Z[name]
    law, _ = law_and_reference_force(name, paper)
    if name == "morse":
        gradient = reference.morse_force_gradient(z, paper.kappa, paper.sigma, paper.bond_energy)
    else:
        gradient = reference.lj_force_gradient(z, paper.sigma, paper.bond_energy)
    expected = paper.f0 * (-gradient) / (2.0 * paper.k)
    closed = law.frequency_shift(z, amplitude, paper.k, paper.f0)
    np.testing.assert_allclose(closed, expected, rtol=1e-6)


@pytest.mark.parametrize("name", ["morse", "lj"])
def test_force_and_potential_formulas(name, paper):
    law, force = law_and_reference_force(name, paper)
    z = np.linspace(0.23e-9, 5e-9, 301)
    if name == "morse":
        potential = reference.morse_potential(z, paper.kappa, paper.sigma, paper.bond_energy)
    else:
        potential = reference.lj_potential(z, paper.sigma, paper.bond_energy)
    f_scale = np.max(np.abs(force(z)))
    np.testing.assert_allclose(law.force(z), force(z), rtol=1e-12, atol=1e-14 * f_scale)
    np.testing.assert_allclose(
        law.potential(z), potential, rtol=1e-12, atol=1e-14 * paper.bond_energy
    )
    # both laws: V(sigma) = -E (bond energy at the equilibrium distance), F(sigma) = 0
    assert law.potential(np.array([paper.sigma]))[0] == pytest.approx(
        -paper.bond_energy, rel=1e-14
    )
    assert abs(law.force(np.array([paper.sigma]))[0]) <= 1e-14 * f_scale


@pytest.mark.parametrize("name", ["morse", "lj"])
def test_force_is_minus_derivative_of_potential(name, paper):
    """Five-point central differences of the library's potential."""
    law, _ = law_and_reference_force(name, paper)
    z = np.linspace(0.23e-9, 5e-9, 301)
    h = 1e-13
    derivative = (
        -law.potential(z + 2 * h)
        + 8 * law.potential(z + h)
        - 8 * law.potential(z - h)
        + law.potential(z - 2 * h)
    ) / (12 * h)
    f_scale = np.max(np.abs(law.force(z)))
    np.testing.assert_allclose(law.force(z), -derivative, rtol=1e-8, atol=1e-10 * f_scale)


def test_morse_force_minimum(paper, morse):
    z_min, f_min = morse.force_minimum()
    # analytic: F_min = -kappa E / 2 at z = sigma + ln 2 / kappa
    assert z_min == pytest.approx(paper.sigma + math.log(2) / paper.kappa, rel=1e-14)
    assert f_min == pytest.approx(-paper.kappa * paper.bond_energy / 2, rel=1e-14)
    # paper: -790 pN at 398 pm
    assert round(f_min * 1e12, -1) == -790
    assert round(z_min * 1e12) == 398
    numeric = optimize.minimize_scalar(
        lambda z: float(morse.force(np.array([z]))[0]),
        bounds=(0.3e-9, 0.5e-9),
        method="bounded",
        options={"xatol": 1e-19},
    )
    assert z_min == pytest.approx(numeric.x, rel=1e-7)
    assert f_min == pytest.approx(numeric.fun, rel=1e-12)


def test_lennard_jones_force_minimum(paper, lennard_jones):
    z_min, f_min = lennard_jones.force_minimum()
    assert z_min == pytest.approx(paper.sigma * (13 / 7) ** (1 / 6), rel=1e-14)
    ratio = 7 / 13
    expected_f_min = 12 * paper.bond_energy / paper.sigma * (ratio ** (13 / 6) - ratio ** (7 / 6))
    assert f_min == pytest.approx(expected_f_min, rel=1e-13)
    # paper: -4.25 nN at 261 pm
    assert round(f_min * 1e9, 2) == -4.25
    assert round(z_min * 1e12) == 261
    numeric = optimize.minimize_scalar(
        lambda z: float(lennard_jones.force(np.array([z]))[0]),
        bounds=(0.24e-9, 0.3e-9),
        method="bounded",
        options={"xatol": 1e-19},
    )
    assert z_min == pytest.approx(numeric.x, rel=1e-7)
    assert f_min == pytest.approx(numeric.fun, rel=1e-12)


@pytest.mark.parametrize("kappa", KAPPAS)
def test_morse_force_minimum_other_kappa(kappa, paper):
    law = fmdecon.Morse(kappa, paper.sigma, paper.bond_energy)
    z_min, f_min = law.force_minimum()
    assert z_min == pytest.approx(paper.sigma + math.log(2) / kappa, rel=1e-14)
    assert f_min == pytest.approx(-kappa * paper.bond_energy / 2, rel=1e-14)
    assert law.force(np.array([z_min]))[0] == pytest.approx(f_min, rel=1e-14)


def test_force_minimum_on_paper_grid(paper, morse, lennard_jones):
    """docs/physics.md section 5: the sampled curves (5000 points) give the paper's numbers."""
    for law, f_paper_pn, z_paper_pm in (
        (morse, -790, 398),  # -790 pN (rounded to 10 pN) at 398 pm
        (lennard_jones, -4250, 261),  # -4.25 nN (rounded to 10 pN) at 261 pm
    ):
        force = law.force(paper.z)
        i = int(np.argmin(force))
        assert round(force[i] * 1e12, -1) == f_paper_pn
        assert round(paper.z[i] * 1e12) == z_paper_pm


def test_law_labels_and_order():
    from fmdecon.forces import law_label, ordered_laws

    assert law_label("morse") == "Morse"
    assert law_label("lennard_jones") == "Lennard-Jones"
    assert law_label("buckingham_exp") == "buckingham exp"  # unregistered: the name
    assert ordered_laws(["x", "lennard_jones", "morse"]) == ["morse", "lennard_jones", "x"]
    assert ordered_laws({"lennard_jones": 1}) == ["lennard_jones"]
