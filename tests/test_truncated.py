"""Truncated curves (docs/physics.md, spec section 12): the Morse curve of the CLI tests cut
at z = 0.8 nm (Δf at the end 18 % of max|Δf|) against its true force minimum."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fmdecon
from fmdecon.cli import main
from fmdecon.io import write_table

K, F0, AMPLITUDE = 1800.0, 32768.0, 100e-12
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
Z = np.linspace(0.23e-9, 5e-9, 1000)
CUT = Z < 0.8e-9


def cut_curve():
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
    return Z[CUT], df[CUT]


@pytest.mark.parametrize("name", list(fmdecon.METHODS))
def test_tail_model_recovers_the_force_minimum(name):
    z, df = cut_curve()
    true_min = MORSE.force(Z).min()  # -788 pN at 398 pm
    extension = fmdecon.extend_tail(z, df)
    assert extension.model.name == "exponential"  # the far part of a Morse curve
    assert np.array_equal(extension.z[: z.size], z)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        force = fmdecon.deconvolve(name, extension.z, extension.df, AMPLITUDE, K, F0)
    force = force[: extension.measured]
    assert abs(np.nanmin(force) / true_min - 1) < 0.10, np.nanmin(force)


def test_continuation_dependent_points():
    z, _ = cut_curve()
    mask = fmdecon.continuation_dependent(z, AMPLITUDE, "sader_jarvis")
    np.testing.assert_array_equal(mask, z[-1] - z < 2 * AMPLITUDE)
    matrix = fmdecon.continuation_dependent(z, AMPLITUDE, "matrix")
    below = z[-1] - z
    for n in (1, 2):  # the spikes at far end - n 2A
        assert matrix[np.argmin(np.abs(below - n * 2 * AMPLITUDE))]
    assert not matrix[np.argmin(np.abs(below - 3 * AMPLITUDE))]  # between two spikes


def test_extend_tail_refuses_a_constant():
    z = np.linspace(0.2e-9, 1e-9, 100)
    with pytest.raises(ValueError, match="does not decay towards zero"):
        fmdecon.extend_tail(z, np.where(z > 0.6e-9, -2.0, -2.0 - (0.6e-9 - z) * 1e10))


def test_cli_says_what_f_min_leaves_out_and_tail_helps(capsys, tmp_path):
    z, df = cut_curve()
    source = write_table(tmp_path / "cut.csv", z, df, f0=F0, k=K, amplitude=AMPLITUDE)
    status = main(["deconvolve", str(source), "--method", "matrix_exact"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "F_min (matrix_exact): F_min not taken at" in out
    assert "pN*" in out
    assert "--tail" in err  # the far-end warning suggests it
    target = tmp_path / "cut.nc"
    status = main(
        ["deconvolve", str(source), "--tail", "--method", "matrix_exact", "-o", str(target)]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "tail model: exponential" in out
    xr = pytest.importorskip("xarray")
    with xr.open_dataset(target) as data:
        assert (
            abs(float(data.force_min.sel(deconvolution="matrix_exact")) / MORSE.force(Z).min() - 1)
            < 0.10
        )
        assert "exponential" in data.attrs["tail_model"]
        assert int(data.continuation_dependent.sum()) == 0
