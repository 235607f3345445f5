"""Plausibility checks (one test per check), the uniform-grid tolerance and the matrix guards."""

from __future__ import annotations

import time

import numpy as np
import pytest

import fmdecon
from fmdecon import plausibility as pl
from fmdecon.io.units import parse_quantity

K, F0 = 1800.0, 32768.0
Z = np.linspace(0.23e-9, 5e-9, 500)
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
DF = MORSE.frequency_shift(Z, 50e-12, K, F0)


def checks(findings):
    return {(f.level, f.check) for f in findings}


def test_a_sane_measurement_passes():
    assert pl.check_inputs(Z, DF, 50e-12, K, F0) == []
    assert pl.check_force(MORSE.force(Z)) == []


def test_z_span_above_a_micrometre():
    (finding,) = pl.check_grid(Z * 1e9)
    assert (finding.level, finding.check) == ("error", "z_span")
    assert "4.77 m" in finding.message
    assert "nm" in finding.message


def test_z_step_below_a_femtometre():
    found = pl.check_grid(Z * 1e-9)
    assert ("error", "z_step") in checks(found)
    assert "labelled nm" in found[0].message


def test_amplitude_too_large_names_the_unit():
    (finding,) = pl.check_amplitude(50.0, Z)
    assert (finding.level, finding.check) == ("error", "amplitude_large")
    assert "50pm" in finding.message
    assert "metres" in finding.message


def test_amplitude_too_small():
    assert checks(pl.check_amplitude(5e-14, Z)) == {("error", "amplitude_small")}


def test_amplitude_beyond_the_z_span():
    found = pl.check_amplitude(8e-9, Z)
    assert checks(found) == {("warning", "amplitude_span")}
    assert "exceeds the whole z span" in found[0].message


@pytest.mark.parametrize("k", [1e-3, 1e6])
def test_k_out_of_range(k):
    assert ("error", "k_range") in checks(pl.check_sensor(k, 3e5 if k > 1 else F0))


def test_f0_too_small():
    assert ("error", "f0_small") in checks(pl.check_sensor(40.0, 32.768))


def test_k_and_f0_swapped():
    found = pl.check_sensor(F0, K)
    assert checks(found) == {("error", "k_f0_swapped")}
    assert "swapped" in found[0].message
    assert pl.check_sensor(K, F0) == []


def test_frequency_shift_above_half_f0_is_an_error():
    assert ("error", "df_large") in checks(pl.check_frequency_shift(Z, DF * 2e3, F0))


def test_frequency_shift_above_a_percent_of_f0_is_a_warning():
    found = pl.check_frequency_shift(Z, DF * 10, F0)
    assert ("warning", "df_large") in checks(found)
    assert "mHz" in found[0].message


def test_constant_offset():
    found = pl.check_frequency_shift(Z, DF - 2.0, F0)
    assert checks(found) == {("warning", "far_end")}
    assert "constant offset" in found[0].message
    assert "-2 Hz" in found[0].message
    offset, _, count = pl.far_end_offset(DF - 2.0)
    assert offset == pytest.approx(-2.0, abs=1e-3)
    assert count == 50


def test_cut_off_curve():
    near = Z < 0.8e-9
    found = pl.check_frequency_shift(Z[near], DF[near], F0)
    assert checks(found) == {("warning", "far_end")}
    assert "cut off" in found[0].message


def test_noisy_decayed_curve_is_not_flagged():
    noisy = DF + np.random.default_rng(1).normal(0.0, 0.05, DF.size)
    assert pl.check_frequency_shift(Z, noisy, F0) == []


def test_implausible_force():
    found = pl.check_force(MORSE.force(Z) * 1e3, "matrix")
    assert checks(found) == {("warning", "force_large")}
    assert found[0].message.startswith("matrix:")


def test_enforce_raises_errors_and_warns_warnings():
    found = pl.check_inputs(Z, DF - 2.0, 50.0, K, F0)
    with pytest.raises(pl.ImplausibleInputError, match="50pm"):
        pl.enforce(found)
    with pytest.warns(pl.PlausibilityWarning, match="offset"):
        pl.enforce([f for f in found if f.level == "warning"])
    with pytest.warns(pl.PlausibilityWarning, match="50pm"):
        pl.enforce(found, strict=False)


def test_six_digit_grid_counts_as_uniform():
    """A Nanonis z column printed to six significant digits (jitter ~2e-4 of a step)."""
    z = np.array([float(f"{v:.5e}") for v in np.linspace(-210e-12, 490e-12, 200)])
    steps = np.diff(z)
    assert np.max(np.abs(steps - steps.mean())) / steps.mean() > 1e-4
    df = MORSE.frequency_shift(z + 0.45e-9, 10e-12, K, F0)
    with pytest.warns(fmdecon.CoarseGridWarning):
        force = fmdecon.matrix_method(z, df, 10e-12, K, F0)
    exact = np.linspace(z[0], z[-1], z.size)
    with pytest.warns(fmdecon.CoarseGridWarning):
        reference = fmdecon.matrix_method(exact, df, 10e-12, K, F0)
    np.testing.assert_array_equal(force, reference)  # the mean step is used either way


@pytest.mark.filterwarnings("ignore::fmdecon.CoarseGridWarning")
@pytest.mark.parametrize("kind", ["jitter", "geometric", "drift"])
def test_genuinely_non_uniform_grids_are_rejected(kind):
    z = np.linspace(-210e-12, 490e-12, 200)
    step = z[1] - z[0]
    if kind == "jitter":
        z = z + np.random.default_rng(0).uniform(-0.05, 0.05, z.size) * step
    elif kind == "geometric":
        z = z[0] + np.geomspace(1.0, 1.2, z.size) - 1.0
        z = -210e-12 + (z - z[0]) / (z[-1] - z[0]) * 700e-12
    else:  # steps within the six-digit bound, but the positions drift away
        z = z + 4e-14 * np.linspace(0.0, 1.0, z.size) ** 2
    with pytest.raises(ValueError, match="uniform grid"):
        fmdecon.matrix_method(z, np.ones(z.size), 100e-12, K, F0)


def test_matrix_warns_below_the_advised_ratio_only():
    step = Z[1] - Z[0]
    with pytest.warns(fmdecon.CoarseGridWarning, match="A/d = 10"):
        fmdecon.matrix_method(Z, DF, 10 * step, K, F0)
    with pytest.warns(fmdecon.SmallAmplitudeWarning):  # the subclass is caught too
        fmdecon.matrix_method(Z, DF, 10 * step, K, F0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fmdecon.matrix_method(Z, DF, 60 * step, K, F0)


def test_amplitude_beyond_the_curve_is_an_error_not_an_allocation():
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"exceeds the whole z span.*right unit"):
        fmdecon.matrix_method(Z, DF, 50.0, K, F0)  # 50 "pm" as metres: alpha ~ 5e12
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("60pm", "length", 60e-12),
        ("0.06nm", "length", 60e-12),
        ("6e-11", "length", 6e-11),
        ("1.8kN/m", "stiffness", 1800.0),
        ("1800", "stiffness", 1800.0),
        ("32.768kHz", "frequency", 32768.0),
        ("10mHz", "frequency", 0.01),
        ("5 Å", "length", 5e-10),
    ],
)
def test_parse_quantity(text, kind, value):
    assert parse_quantity(text, kind) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text", ["60 furlongs", "abc", "-5pm", "0"])
def test_parse_quantity_rejects(text):
    with pytest.raises(ValueError, match=r"unknown|not a|> 0"):
        parse_quantity(text, "length")
