"""fmdecon.measurement as a library: its errors name measure()'s arguments (the command line
maps them onto its options), its outputs and plot load on first use."""

from __future__ import annotations

from pathlib import Path

import pytest

import fmdecon
import fmdecon.measurement as fm
from fmdecon.cli import main
from fmdecon.measurement import ArgumentError, MeasurementError, MissingValueError

DATA = Path(__file__).parent / "data" / "nanonis" / "z.dat"


def test_missing_value_names_the_argument():
    with pytest.raises(MissingValueError) as info:
        fmdecon.measure(DATA)
    error = info.value
    assert isinstance(error, MeasurementError)
    assert isinstance(error, ValueError)
    assert (error.argument, error.example, error.path) == ("k", "1.8kN/m", str(DATA))
    assert str(error) == f"{DATA}: k is not in the file: give k (e.g. k='1.8kN/m')"


@pytest.mark.parametrize(
    ("arguments", "argument", "problem"),
    [
        ({"k": "1.8 kN per m"}, "k", "unknown stiffness unit 'kN per m' in '1.8 kN per m'"),
        ({"k": 1800, "amplitude": "ten pm"}, "amplitude", "not a length: 'ten pm'"),
        ({"k": 1800, "f0": "-3Hz"}, "f0", "frequency must be a finite number > 0"),
        ({"k": 1800, "df_noise": "3 furlong"}, "df_noise", "unknown frequency unit 'furlong'"),
    ],
)
def test_bad_argument_names_the_argument(arguments, argument, problem):
    with pytest.raises(ArgumentError) as info:
        fmdecon.measure(DATA, **arguments)
    assert info.value.argument == argument
    assert str(info.value).startswith(f"{argument}: {problem}")
    assert info.value.problem.startswith(problem)
    assert "--" not in str(info.value)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--k", "1.8 kN per m"], "error: --k: unknown stiffness unit 'kN per m'"),
        (["--k", "1800", "--df-noise", "3 furlong"], "error: --df-noise: unknown frequency unit"),
        (["--k", "1800", "--amplitude", "ten pm"], "error: --amplitude: not a length: 'ten pm'"),
        ([], f"error: {DATA}: k is not in the file: give --k (e.g. --k 1.8kN/m)"),
    ],
)
def test_command_line_names_its_options(capsys, arguments, message):
    assert main(["deconvolve", str(DATA), *arguments]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_amplitude_of_a_table(capsys, tmp_path):
    path = tmp_path / "t.csv"
    z = [0.3e-9 + 0.01e-9 * i for i in range(20)]
    fmdecon.write_table(path, z, [-1.0 / (i + 1) for i in range(20)], f0=32768.0, k=1800.0)
    with pytest.raises(MissingValueError, match=r"give amplitude \(e.g. amplitude='60pm'\)"):
        fmdecon.measure(path)
    assert main(["deconvolve", str(path)]) == 2
    assert "give --amplitude (e.g. --amplitude 60pm)" in capsys.readouterr().err


def test_outputs_load_on_first_use():
    from fmdecon.measurement import outputs, plot

    assert fm.to_dataset is outputs.to_dataset
    assert fm.csv_text is outputs.csv_text
    assert fm.render_plot is plot.render_plot
    assert fm.measure is fmdecon.measure
    assert set(fm.__all__) <= set(dir(fm))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        _ = fm.nope
