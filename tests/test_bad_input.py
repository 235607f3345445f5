"""Everyday bad input (issue 20, item 5): each gets one line naming the value and the likely
mistake, exit status 2, no traceback and no output."""

from __future__ import annotations

import numpy as np
import pytest

import fmdecon
from fmdecon.cli import main
from fmdecon.io import read_curve, write_table

K, F0, AMPLITUDE = 1800.0, 32768.0, 100e-12
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
Z = np.linspace(0.23e-9, 5e-9, 200)


def run(capsys, *args):
    status = main(["deconvolve", *map(str, args), "--method", "sader_jarvis"])
    out, err = capsys.readouterr()
    return status, out, err


def good(path):
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
    return write_table(path, Z, df, f0=F0, k=K, amplitude=AMPLITUDE)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_excel_encodings_are_read(tmp_path, encoding):
    text = good(tmp_path / "good.csv").read_text(encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text(text, encoding=encoding)
    np.testing.assert_array_equal(read_curve(other).df, read_curve(tmp_path / "good.csv").df)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("z (nm);df (Hz)\n" + "".join(f"{i},0;-{i},5\n" for i in range(1, 12)), "decimal commas"),
        ("z (nm),df (Hz)\n" + "".join(f"{i},0,-{i},5\n" for i in range(1, 12)), "decimal commas"),
        ("z nm df Hz\n" + "".join(f"{i} -{i}\n" for i in range(1, 12)), "split at spaces"),
        ("z,df\n" + "".join(f"{i}e-10,-{i}\n" for i in range(1, 12)), "--z-unit"),
        ("z (nm),df (Hz)\n1,-2\n2,-1\n3,-0.5\n", "fewer than the 10"),
    ],
)
def test_bad_tables(capsys, tmp_path, content, message):
    source = tmp_path / "bad.csv"
    source.write_text(content, encoding="utf-8")
    status, out, err = run(capsys, source, "-A", "100pm", "--k", "1800", "--f0", "32768")
    assert status == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert "np.float64" not in err
    assert list(tmp_path.iterdir()) == [source]


def test_space_separated_names_with_units_are_read(tmp_path):
    source = tmp_path / "spaced.txt"
    rows = "".join(
        f"{z * 1e9:.6f} {d:.6f}\n"
        for z, d in zip(Z, MORSE.frequency_shift(Z, AMPLITUDE, K, F0), strict=True)
    )
    source.write_text("z (nm)  df fwd (Hz)\n" + rows, encoding="utf-8")
    assert read_curve(source).z.size == Z.size


def test_amplitude_warnings(capsys, tmp_path):
    source = good(tmp_path / "good.csv")
    status, _, err = run(capsys, source, "-A", "200pm")
    assert status == 0
    assert "is 2 x the amplitude set-point in the file (100 pm)" in err
    status, _, err = run(capsys, source, "-A", "200nm")
    assert status == 2
    assert "Is the unit right (e.g. 200pm)?" in err
    status, _, err = run(capsys, source, "-A", "100nm")  # 100 x 1e-9 > 1e-7 by one ulp
    assert "Did you mean" not in err


def test_positive_df_is_warned(capsys, tmp_path):
    df = 5.0 * np.exp(-(Z - Z[0]) / 0.3e-9)
    source = write_table(tmp_path / "pos.csv", Z, df, f0=F0, k=K, amplitude=AMPLITUDE)
    status, _, err = run(capsys, source)
    assert status == 0
    assert "Δf is positive everywhere" in err


def test_library_refuses_an_amplitude_in_pm_before_allocating():
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
    for name in fmdecon.METHODS:
        with pytest.raises(fmdecon.ImplausibleInputError, match=r"amplitude=1e-10 \(100 pm\)"):
            fmdecon.deconvolve(name, Z, df, 100, K, F0)
    with pytest.warns(fmdecon.PlausibilityWarning, match="exceeds the whole z span"):
        fmdecon.sader_jarvis(Z, df, 10e-9, K, F0)
