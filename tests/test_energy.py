"""Energy from the frequency shift (Sader-Jarvis, docs/physics.md section 9) and from a force."""

import numpy as np
import pytest
from scipy import integrate

from fmdecon.energy import force_integral_energy, sader_jarvis_energy


def slow_energy(z, df, amplitude, k, f0):
    """The discretisation of section 9 written as an obvious double loop."""
    omega = np.asarray(df) / f0
    a = np.sqrt(amplitude) / (4 * np.sqrt(np.pi))
    b = amplitude**1.5 / np.sqrt(2)
    n = len(z)
    out = np.full(n, np.nan)
    for j in range(n - 2):
        h = z[j + 1] - z[j]
        total = omega[j] * (h * h / 2 + 2 / 3 * a * h**1.5 + 2 * b * np.sqrt(h))
        for i in range(j + 1, n):
            s = z[i] - z[j]
            lo = z[i] - z[i - 1] if i > j + 1 else 0.0
            hi = z[i + 1] - z[i] if i < n - 1 else 0.0
            total += 0.5 * (lo + hi) * omega[i] * (s + a * np.sqrt(s) + b / np.sqrt(s))
        out[j] = 2 * k * total
    return out


@pytest.mark.parametrize("uniform", [True, False])
def test_fast_equals_double_loop(paper, morse, uniform):
    z = np.linspace(0.23e-9, 2e-9, 300)
    if not uniform:
        z = 0.23e-9 + 1.77e-9 * np.linspace(0, 1, 300) ** 1.5
    amplitude = 50e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    fast = sader_jarvis_energy(z, df, amplitude, paper.k, paper.f0)
    slow = slow_energy(z, df, amplitude, paper.k, paper.f0)
    assert np.array_equal(np.isnan(fast), np.isnan(slow))
    assert np.isnan(fast[-2:]).all()
    ok = ~np.isnan(slow)
    np.testing.assert_allclose(fast[ok], slow[ok], rtol=1e-10, atol=1e-10 * np.abs(slow[ok]).max())


def test_against_quadrature(paper, morse):
    """The discrete energy converges to the integral of section 9 applied to the exact df."""
    amplitude = 137e-12
    k, f0 = paper.k, paper.f0
    z_min, _ = morse.force_minimum()
    z = np.linspace(z_min, z_min + 4e-9, 8001)
    df = morse.frequency_shift(z, amplitude, k, f0)
    discrete = sader_jarvis_energy(z, df, amplitude, k, f0)[0]

    def integrand(s):
        omega = morse.frequency_shift(np.array([z_min + s]), amplitude, k, f0)[0] / f0
        return (s + np.sqrt(amplitude) / 4 * np.sqrt(s / np.pi)) * omega

    def singular(s):  # the A^(3/2)/sqrt(2 s) term, weight 1/sqrt(s) handled by quad
        return (
            amplitude**1.5
            / np.sqrt(2)
            * morse.frequency_shift(np.array([z_min + s]), amplitude, k, f0)[0]
            / f0
        )

    smooth_part = integrate.quad(integrand, 0, 4e-9, epsabs=0, epsrel=1e-12, limit=200)[0]
    singular_part = integrate.quad(
        singular, 0, 4e-9, weight="alg", wvar=(-0.5, 0), epsabs=0, epsrel=1e-12, limit=200
    )[0]
    exact = 2 * k * (smooth_part + singular_part)
    assert discrete == pytest.approx(exact, rel=2e-4)


@pytest.mark.parametrize(
    ("amplitude", "expected"),
    [(20e-12, -0.013), (137e-12, -0.049), (352e-12, 0.007), (1000e-12, 0.010)],
)
def test_paper_grid_against_model_potential(paper, morse, amplitude, expected):
    """docs/physics.md section 9: U_SJ / U_model - 1 at the force minimum."""
    df = morse.frequency_shift(paper.z, amplitude, paper.k, paper.f0)
    energy = sader_jarvis_energy(paper.z, df, amplitude, paper.k, paper.f0)
    z_min, _ = morse.force_minimum()
    i = int(np.argmin(np.abs(paper.z - z_min)))
    ratio = energy[i] / morse.potential(paper.z[i]) - 1
    assert ratio == pytest.approx(expected, abs=0.002)


def test_energy_of_the_exact_force_is_the_potential(paper, morse):
    energy = force_integral_energy(paper.z, morse.force(paper.z))
    expected = morse.potential(paper.z) - morse.potential(paper.z[-1])
    np.testing.assert_allclose(energy, expected, atol=1e-5 * np.abs(expected).max())
    assert energy[-1] == 0


def test_force_integral_nan_ends():
    z = np.linspace(0, 1, 6)
    force = np.array([np.nan, 1.0, 1.0, 1.0, 1.0, np.nan])
    energy = force_integral_energy(z, force)
    np.testing.assert_allclose(energy, [np.nan, 0.6, 0.4, 0.2, 0.0, np.nan])
    with pytest.raises(ValueError, match="force"):
        force_integral_energy(z, [1, np.inf, 1, 1, 1, 1])
    with pytest.raises(ValueError, match="force"):
        force_integral_energy(z, np.ones(5))
    with pytest.raises(ValueError, match="finite"):
        force_integral_energy(z, np.full(6, np.nan))


def test_bad_arguments(paper):
    z = np.linspace(1e-9, 2e-9, 10)
    with pytest.raises(ValueError, match="amplitude"):
        sader_jarvis_energy(z, np.ones(10), -1.0, paper.k, paper.f0)
    with pytest.raises(ValueError, match="df"):
        sader_jarvis_energy(z, np.ones(9), 1e-10, paper.k, paper.f0)
    with pytest.raises(ValueError, match="increasing"):
        sader_jarvis_energy(z[::-1], np.ones(10), 1e-10, paper.k, paper.f0)


@pytest.mark.parametrize("uniform", [True, False])
def test_sader_jarvis_energy_of_a_batch_is_that_of_each_curve(uniform, morse, paper):
    rng = np.random.default_rng(3)
    if uniform:
        z = np.linspace(0.23e-9, 2.5e-9, 400)
    else:
        z = 0.2e-9 + np.geomspace(0.03e-9, 2.3e-9, 300)
    amplitude = 50e-12
    df = morse.frequency_shift(z, amplitude, paper.k, paper.f0)
    batch = df + rng.normal(0.0, 0.05, (3, 4, z.size))
    batch[0, 1] = 0.0  # a zero row
    batch[2, 3] = 1e-6 * np.exp(-np.arange(z.size) / 2.0)  # a row that decays fast
    energy = sader_jarvis_energy(z, batch, amplitude, paper.k, paper.f0)
    assert energy.shape == batch.shape
    for index in np.ndindex(3, 4):
        one = sader_jarvis_energy(z, batch[index], amplitude, paper.k, paper.f0)
        scale = np.nanmax(np.abs(one)) or 1.0
        np.testing.assert_allclose(energy[index], one, rtol=0, atol=1e-13 * scale)
        assert np.isnan(energy[index][-2:]).all()


def test_force_integral_energy_of_a_batch_is_that_of_each_curve(morse, paper):
    z = np.linspace(0.23e-9, 2.5e-9, 200)
    force = np.tile(morse.force(z), (5, 1)) * np.arange(1, 6)[:, None]
    force[1, -3:] = np.nan  # undefined far end
    force[2, :4] = np.nan  # undefined near end
    force[3, 100] = np.nan  # a hole: NaN below it
    force[4] = np.nan  # nothing: NaN (one curve raises)
    energy = force_integral_energy(z, force.reshape(5, 1, 200))
    assert energy.shape == (5, 1, 200)
    for row in range(4):
        np.testing.assert_array_equal(energy[row, 0], force_integral_energy(z, force[row]))
    assert np.isnan(energy[4]).all()
    with pytest.raises(ValueError, match="force"):
        force_integral_energy(z, np.where(np.arange(200) == 7, np.inf, force))
