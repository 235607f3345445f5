"""Bad input: ValueError naming the argument (and, for scalars, the offending value)."""

import math
import re

import numpy as np
import pytest
import reference

import fmdecon

K, F0 = 1800.0, 32768.0
KAPPA, SIGMA, BOND_ENERGY = 4.25e9, 0.235e-9, 0.371e-18
AMPLITUDE = 100e-12
Z = np.linspace(0.3e-9, 2e-9, 50)  # step 34.7 pm, A/d = 2.9
DF = reference.morse_frequency_shift(Z, AMPLITUDE, K, F0, KAPPA, SIGMA, BOND_ENERGY)

METHODS = {"sader_jarvis": fmdecon.sader_jarvis, "matrix_method": fmdecon.matrix_method}


def name_pattern(*names):
    """Regex: every one of ``names`` appears as a word in the message."""
    return "(?s)" + "".join(rf"(?=.*\b{name}\b)" for name in names)


def value_pattern(value):
    """Regex for a scalar as the message may print it: repr, str or %g."""
    spellings = {repr(value), str(value), f"{value:g}"}
    alternatives = "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True))
    return rf"(?<![\w.])({alternatives})(?!\d|\.\d)"


def call_method(name, z=Z, df=DF, amplitude=AMPLITUDE, k=K, f0=F0):
    return METHODS[name](z, df, amplitude, k, f0)


# --------------------------------------------------------------------------------------------
# Arrays z and df
# --------------------------------------------------------------------------------------------


def decreasing(z):
    return z[::-1].copy()


def repeated(z):
    z = z.copy()
    z[10] = z[9]
    return z


def one_step_back(z):
    z = z.copy()
    z[20] = z[18]
    return z


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("bad_z", [decreasing, repeated, one_step_back])
def test_z_not_strictly_increasing(method, bad_z):
    with pytest.raises(ValueError, match=name_pattern("z")) as excinfo:
        call_method(method, z=bad_z(Z))
    assert "increasing" in str(excinfo.value)


@pytest.mark.parametrize("method", list(METHODS))
def test_length_mismatch(method):
    with pytest.raises(ValueError, match=name_pattern("z", "df")):
        call_method(method, df=DF[:-1])


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("argument", ["z", "df"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
def test_non_finite_values(method, argument, bad):
    arrays = {"z": Z.copy(), "df": DF.copy()}
    arrays[argument][25] = bad
    with pytest.raises(ValueError, match=name_pattern(argument)):
        call_method(method, **arrays)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("n_points", [0, 1, 2])
def test_fewer_than_three_points(method, n_points):
    with pytest.raises(ValueError, match=r"\b(z|df)\b"):
        call_method(method, z=Z[:n_points], df=DF[:n_points])


def test_matrix_method_rejects_non_uniform_grid():
    z = Z.copy()
    z[25] += 0.2 * (z[1] - z[0])
    with pytest.raises(ValueError, match="uniform") as excinfo:
        call_method("matrix_method", z=z)
    assert re.search(r"(?i)resampl|interpol", str(excinfo.value))
    assert re.search(r"\bz\b", str(excinfo.value))


def test_sader_jarvis_accepts_non_uniform_grid():
    z = Z.copy()
    z[25] += 0.2 * (z[1] - z[0])
    df = reference.morse_frequency_shift(z, AMPLITUDE, K, F0, KAPPA, SIGMA, BOND_ENERGY)
    assert len(call_method("sader_jarvis", z=z, df=df)) == len(z)


def test_matrix_method_amplitude_below_step_warns():
    step = Z[1] - Z[0]
    amplitude = 0.8 * step  # alpha = round(0.8) = 1: computable, but A/d < 1
    df = reference.morse_frequency_shift(Z, amplitude, K, F0, KAPPA, SIGMA, BOND_ENERGY)
    with pytest.warns(UserWarning, match=r"(?i)amplitude|A/d|step"):
        force = fmdecon.matrix_method(Z, df, amplitude, K, F0)
    assert len(force) == len(Z)
    expected = reference.matrix_method_dense(Z, df, amplitude, K, F0)
    np.testing.assert_allclose(force, expected, rtol=1e-9)


# --------------------------------------------------------------------------------------------
# Scalars amplitude, k, f0
# --------------------------------------------------------------------------------------------

BAD_SCALARS = [0.0, -2.5, math.nan]
SCALAR_IDS = ["zero", "negative", "nan"]
SCALAR_PATTERNS = {"amplitude": r"\bamplitude\b", "k": r"\bk\b", "f0": r"\bf0\b"}


def assert_names_value(excinfo, value):
    message = str(excinfo.value)
    assert re.search(value_pattern(value), message), f"value {value!r} not in {message!r}"


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("argument", list(SCALAR_PATTERNS))
@pytest.mark.parametrize("bad", BAD_SCALARS, ids=SCALAR_IDS)
def test_method_scalar_not_positive(method, argument, bad):
    with pytest.raises(ValueError, match=SCALAR_PATTERNS[argument]) as excinfo:
        call_method(method, **{argument: bad})
    assert_names_value(excinfo, bad)


def forward_models():
    morse = fmdecon.Morse(KAPPA, SIGMA, BOND_ENERGY)
    lennard_jones = fmdecon.LennardJones(SIGMA, BOND_ENERGY)
    return {
        "Morse.frequency_shift": morse.frequency_shift,
        "LennardJones.frequency_shift": lennard_jones.frequency_shift,
        "frequency_shift": lambda z, amplitude, k, f0: fmdecon.frequency_shift(
            morse.force, z, amplitude, k, f0
        ),
    }


@pytest.mark.parametrize(
    "model", ["Morse.frequency_shift", "LennardJones.frequency_shift", "frequency_shift"]
)
@pytest.mark.parametrize("argument", list(SCALAR_PATTERNS))
@pytest.mark.parametrize("bad", BAD_SCALARS, ids=SCALAR_IDS)
def test_forward_model_scalar_not_positive(model, argument, bad):
    arguments = {"amplitude": AMPLITUDE, "k": K, "f0": F0, argument: bad}
    with pytest.raises(ValueError, match=SCALAR_PATTERNS[argument]) as excinfo:
        forward_models()[model](Z, **arguments)
    assert_names_value(excinfo, bad)


# --------------------------------------------------------------------------------------------
# Force-law parameters
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("argument", ["kappa", "sigma", "bond_energy"])
@pytest.mark.parametrize("bad", BAD_SCALARS, ids=SCALAR_IDS)
def test_morse_parameters_not_positive(argument, bad):
    parameters = {"kappa": KAPPA, "sigma": SIGMA, "bond_energy": BOND_ENERGY, argument: bad}
    pattern = r"bond[_ ]energy" if argument == "bond_energy" else rf"\b{argument}\b"
    with pytest.raises(ValueError, match=pattern) as excinfo:
        fmdecon.Morse(**parameters)
    assert_names_value(excinfo, bad)


@pytest.mark.parametrize("argument", ["sigma", "bond_energy"])
@pytest.mark.parametrize("bad", BAD_SCALARS, ids=SCALAR_IDS)
def test_lennard_jones_parameters_not_positive(argument, bad):
    parameters = {"sigma": SIGMA, "bond_energy": BOND_ENERGY, argument: bad}
    pattern = r"bond[_ ]energy" if argument == "bond_energy" else rf"\b{argument}\b"
    with pytest.raises(ValueError, match=pattern) as excinfo:
        fmdecon.LennardJones(**parameters)
    assert_names_value(excinfo, bad)
