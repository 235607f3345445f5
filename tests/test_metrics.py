"""Quality measures (docs/physics.md section 4) and the functions T, T_SJ and SqRE (section 2)."""

import math
import warnings

import numpy as np
import pytest
from scipy import integrate, special

import fmdecon

# --------------------------------------------------------------------------------------------
# Coefficient of determination
# --------------------------------------------------------------------------------------------

MODEL = np.array([1.0, 2.0, 3.0, 4.0])
DECONVOLVED = np.array([1.0, 2.0, 3.0, 5.0])
# residual sum: 1; deconvolved mean 2.75 -> total sum 1.75^2 + 0.75^2 + 0.25^2 + 2.25^2 = 8.75
COD_DECONVOLVED_MEAN = 1.0 - 1.0 / 8.75  # 0.885714...
COD_MODEL_MEAN = 1.0 - 1.0 / 5.0  # 0.8, what the model-mean convention would give


def test_cod_hand_example_uses_mean_of_deconvolved_force():
    value = fmdecon.cod(MODEL, DECONVOLVED)
    assert isinstance(value, float)
    assert value == pytest.approx(COD_DECONVOLVED_MEAN, rel=1e-14)
    assert value != pytest.approx(COD_MODEL_MEAN, rel=1e-3)


def test_cod_perfect_deconvolution_is_one():
    force = np.array([-3.0, -1.0, 0.5, 0.25, 0.0])
    assert fmdecon.cod(force, force.copy()) == 1.0


def test_cod_ignores_undefined_points():
    model = np.append(MODEL, [10.0, -7.0, 3.0])
    deconvolved = np.append(DECONVOLVED, [np.nan, np.nan, np.nan])
    assert fmdecon.cod(model, deconvolved) == pytest.approx(COD_DECONVOLVED_MEAN, rel=1e-14)
    # NaN in the middle too
    model = np.array([1.0, 99.0, 2.0, 3.0, 4.0])
    deconvolved = np.array([1.0, np.nan, 2.0, 3.0, 5.0])
    assert fmdecon.cod(model, deconvolved) == pytest.approx(COD_DECONVOLVED_MEAN, rel=1e-14)


def test_cod_random_example_against_formula():
    rng = np.random.default_rng(7)
    model = rng.normal(size=200) * 1e-9
    deconvolved = model + rng.normal(size=200) * 1e-10
    deconvolved[-3:] = np.nan
    m, d = model[:-3], deconvolved[:-3]
    expected = 1.0 - np.sum((m - d) ** 2) / np.sum((d - d.mean()) ** 2)
    assert fmdecon.cod(model, deconvolved) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------------------------
# Residuals and force-minimum deviation
# --------------------------------------------------------------------------------------------


def test_residuals_sign_convention():
    model = np.array([-2.0, -1.0, 0.5])
    deconvolved = np.array([-1.5, -1.25, np.nan])
    result = np.asarray(fmdecon.residuals(model, deconvolved))
    # Delta F = F_dec - F_model
    np.testing.assert_array_equal(result[:2], [0.5, -0.25])
    assert np.isnan(result[2])


STEP = 1e-12
Z_SMALL = 0.3e-9 + STEP * np.arange(6)


def test_force_minimum_deviation_hand_example():
    model = np.array([3.0, 1.0, -2.0, -1.0, 0.0, 0.0]) * 1e-10
    deconvolved = np.array([np.nan, 2.0, 1.0, -1.5, -0.5, np.nan]) * 1e-10
    df_min, dz_min = fmdecon.force_minimum_deviation(Z_SMALL, model, deconvolved)
    # min F_dec = -1.5e-10 at index 3, min F_model = -2e-10 at index 2
    assert df_min == pytest.approx(0.5e-10, rel=1e-12)
    assert dz_min == pytest.approx(Z_SMALL[3] - Z_SMALL[2], rel=1e-12)
    assert dz_min / STEP == pytest.approx(1.0, rel=1e-9)


def test_force_minimum_deviation_negative_shift():
    model = np.array([0.0, -1.0, -3.0, -4.0, -2.0, 0.0])
    deconvolved = np.array([-5.0, -1.0, -3.0, -4.0, -2.0, np.nan])
    df_min, dz_min = fmdecon.force_minimum_deviation(Z_SMALL, model, deconvolved)
    assert df_min == pytest.approx(-1.0)
    assert dz_min == pytest.approx(-3 * STEP, rel=1e-9)


def test_force_minimum_deviation_exact():
    model = np.array([0.0, -1.0, -3.0, -4.0, -2.0, 0.0])
    df_min, dz_min = fmdecon.force_minimum_deviation(Z_SMALL, model, model.copy())
    assert df_min == 0.0
    assert dz_min == 0.0


# --------------------------------------------------------------------------------------------
# T(x) = exp(-x) I1(x), T_SJ(x) and SqRE(x)
# --------------------------------------------------------------------------------------------


def t_sader_jarvis_formula(x):
    return (x / 2) / (1 + np.sqrt(x) / 8 + np.sqrt(np.pi / 2) * x**1.5)


def test_t_exact_against_bessel_i1():
    x = np.geomspace(1e-6, 700.0, 400)  # i1 overflows beyond ~710
    np.testing.assert_allclose(fmdecon.t_exact(x), special.i1(x) * np.exp(-x), rtol=1e-12)


def test_t_exact_large_argument_asymptotics():
    """exp(-x) I1(x) ~ (1 - 3/(8x) - 15/(128x^2) - 315/(3072x^3)) / sqrt(2 pi x)."""
    x = np.geomspace(1e3, 1e9, 50)
    series = (1 - 3 / (8 * x) - 15 / (128 * x**2) - 315 / (3072 * x**3)) / np.sqrt(2 * np.pi * x)
    np.testing.assert_allclose(fmdecon.t_exact(x), series, rtol=1e-11)


@pytest.mark.parametrize("x", [1e-3, 0.05, 0.35, 1.0, 4.0, 30.0, 300.0, 1000.0])
def test_t_exact_against_integral_representation(x):
    """exp(-x) I1(x) = (1/pi) integral_0^pi exp(x (cos t - 1)) cos t dt."""
    with warnings.catch_warnings():
        # at small x the integral cancels; its error estimate is checked below instead
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        value, error = integrate.quad(
            lambda t: math.exp(x * (math.cos(t) - 1)) * math.cos(t),
            0.0,
            math.pi,
            epsabs=0.0,
            epsrel=1e-13,
            limit=500,
        )
    expected = value / math.pi
    assert error / math.pi < 1e-10 * expected
    result = float(np.asarray(fmdecon.t_exact(np.array([x])))[0])
    assert result == pytest.approx(expected, rel=1e-9)


def test_t_sader_jarvis_formula():
    x = np.geomspace(1e-8, 1e8, 300)
    np.testing.assert_allclose(fmdecon.t_sader_jarvis(x), t_sader_jarvis_formula(x), rtol=1e-13)


def test_sqre_formula():
    x = np.geomspace(1e-6, 1e6, 300)
    exact = special.i1(np.minimum(x, 700)) * np.exp(-np.minimum(x, 700))
    exact = np.where(x > 700, special.ive(1, x), exact)
    expected = ((t_sader_jarvis_formula(x) - exact) / exact) ** 2
    # SqRE passes through zero where T_SJ crosses T; there only an absolute floor is meaningful
    # (i1e and ive differ in the last bits, i.e. ~1e-22 in SqRE at the crossing)
    np.testing.assert_allclose(fmdecon.sqre(x), expected, rtol=1e-9, atol=1e-20)


def test_t_sader_jarvis_largest_relative_error_about_five_percent():
    x = np.geomspace(1e-4, 1e4, 200001)
    relative = np.sqrt(np.asarray(fmdecon.sqre(x)))
    worst = float(np.max(relative))
    assert 0.04 < worst < 0.06
    # the worst point of the approximation is near x = 0.35
    assert 0.2 < x[np.argmax(relative)] < 0.6
    # and the approximation is exact in both limits
    assert np.all(np.asarray(fmdecon.sqre(np.array([1e-10, 1e8]))) < 1e-8)
