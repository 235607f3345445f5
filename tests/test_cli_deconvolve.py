"""``fmdecon deconvolve``: the real Nanonis file, exact Morse tables, user mistakes, batches."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import fmdecon
from fmdecon.cli import main
from fmdecon.io import read_curve, write_table
from fmdecon.io.units import parse_quantity

xr = pytest.importorskip("xarray")
mpl = pytest.importorskip("matplotlib")

DATA = Path(__file__).parent / "data" / "nanonis" / "z.dat"
K, F0 = 1800.0, 32768.0
AMPLITUDE = 100e-12
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
Z = np.linspace(0.23e-9, 5e-9, 1000)
#: Largest |F - F_model| / |min F_model| of each method on the Morse table (A/d = 20.9);
#: Sader-Jarvis is at its worst near A ~ 1/kappa (Welker et al. 2012, Fig. 3).
ACCURACY = {
    "sader_jarvis": 0.1,
    "matrix": 0.03,
    "matrix_resampled": 0.01,
    "matrix_exact": 0.002,
    "regularized": 0.002,  # measured 2.2e-4 (its strength chosen from the noise-free data)
}


def run(capsys, *args):
    status = main(["deconvolve", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def morse_table(path, z=Z, df=None, **kwargs):
    df = MORSE.frequency_shift(z, AMPLITUDE, K, F0) if df is None else df
    return write_table(path, z, df, **kwargs)


@pytest.fixture(scope="module")
def real_output(tmp_path_factory):
    folder = tmp_path_factory.mktemp("real")
    status = main(
        [
            "deconvolve",
            str(DATA),
            "--k",
            "1.8kN/m",
            "--output",
            str(folder / "z.nc"),
            "--plot",
            str(folder / "z.png"),
        ]
    )
    return status, folder


def test_real_file_end_to_end(real_output):
    status, folder = real_output
    assert status == 0
    assert (folder / "z.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with xr.open_dataset(folder / "z.nc") as data:
        assert list(data.deconvolution.values) == list(fmdecon.METHODS)
        assert data.z.attrs["units"] == "m"
        expected = {
            "frequency_shift": "Hz",
            "frequency_shift_sweep": "Hz",
            "force": "N",
            "force_std": "N",
            "energy": "J",
            "amplitude": "m",
            "k": "N/m",
            "f0": "Hz",
            "df_noise": "Hz",
            "inflection_S": "1",
            "forbidden_amplitude_low": "m",
        }
        for name, units in expected.items():
            assert data[name].attrs["units"] == units, name
        for name in data.variables:
            assert data[name].attrs.get("long_name"), name
            if data[name].dtype.kind == "f":
                assert "units" in data[name].attrs, name
        assert "sader_jarvis" in data.attrs["config"]
        assert data.attrs["rule"] == "fmdecon deconvolve"
        assert "Nanonis Z grows" in data.attrs["orientation"]
        assert list(data.sweep.values) == ["00001", "00002", "00003"]
        assert data.k.attrs["source"].startswith("argument")
        assert "Center Frequency" in data.f0.attrs["source"]
        assert "Amplitude Setpoint" in data.amplitude.attrs["source"]
        assert float(data.amplitude) == pytest.approx(10e-12)
        assert float(data.f0) == pytest.approx(47387.9)
        assert "scatter of the 3 sweeps" in data.df_noise.attrs["source"]
        # the scatter of 3 sweeps (about 1.2 Hz each) over sqrt(3) for their mean
        assert 0.5 < float(data.df_noise) < 0.9
        spec = read_curve(DATA)
        np.testing.assert_allclose(data.frequency_shift, spec.df[1:4].mean(axis=0))
        # the force minimum of this curve: about -0.35 nN at the closest point
        force_min = data.force.min("z")
        assert np.all((force_min > -420e-12) & (force_min < -280e-12))
        assert np.all(data.z_force_min < -0.2e-9)
        std = data.force_std.sel(deconvolution="sader_jarvis")
        assert 0 < float(std.max()) < 20e-12
        assert np.all(data.energy.isel(z=0) < 0)
        # Δf has not decayed at the far end (-2.6 Hz, 15 % of max|Δf|): an inflection point
        # beyond the curve cannot be excluded, so no method's verdict is "well-posed"
        assert set(data.wellposedness_verdict.values) == {"undecided"}
        for reason in data.wellposedness_reason.values:
            assert "Δf has not decayed at the far end" in reason
        # the library gives the same force on the grid snapped to its lattice (the file's z
        # is printed with seven digits), and on the z as printed to the rounding undone
        assert "z snapped to a uniform grid (max deviation" in data.attrs["z_grid"]
        snapped = fmdecon.snap_grid(spec.z)
        assert snapped.snapped
        np.testing.assert_array_equal(data.z, snapped.z)
        df = spec.df[1:4].mean(axis=0)
        force = data.force.sel(deconvolution="sader_jarvis")
        np.testing.assert_allclose(
            force, fmdecon.sader_jarvis(snapped.z, df, 10e-12, K, 47387.9), rtol=1e-12
        )
        as_printed = fmdecon.sader_jarvis(spec.z, df, 10e-12, K, 47387.9)
        step = (spec.z[-1] - spec.z[0]) / (spec.z.size - 1)
        scale = float(np.nanmax(np.abs(as_printed)))
        assert np.nanmax(np.abs(force - as_printed)) < 2 * snapped.deviation / step * scale


def test_real_file_summary_and_matrix_accepts_six_digit_grid(capsys, tmp_path):
    status, out, err = run(capsys, DATA, "--k", "1800", "--method", "matrix")
    assert status == 0, err
    assert "matrix" in out
    assert "pN" in out
    assert "undecided (Δf not decayed)" in out  # was "well-posed": it overstated (#20)
    assert "A/d = 2.84 is below" in err  # the paper's advice, not only A/d < 1
    assert "not decayed" in err
    assert "offset" in err
    assert "written: nothing" in out


def test_csv_output(capsys, tmp_path):
    target = tmp_path / "z.csv"
    status, _, err = run(capsys, DATA, "--k", "1.8kN/m", "-o", target, "--method", "sader_jarvis")
    assert status == 0, err
    lines = [line for line in target.read_text().splitlines() if not line.startswith("#")]
    header = next(csv.reader([lines[0]]))
    assert header[:2] == ["z (m)", "frequency_shift (Hz)"]
    assert "frequency_shift 00002 (Hz)" in header
    assert {
        "force sader_jarvis (N)",
        "force_std sader_jarvis (N)",
        "energy sader_jarvis (J)",
    } <= set(header)
    assert len(lines) == 201
    assert "# k (N/m): 1800.0 (argument --k 1.8kN/m)" in target.read_text()


@pytest.mark.filterwarnings("ignore::fmdecon.CoarseGridWarning")
def test_morse_table_matches_library_and_model(capsys, tmp_path):
    source = morse_table(tmp_path / "morse.csv", f0=F0)
    target = tmp_path / "morse.nc"
    status, _, err = run(capsys, source, "--amplitude", "100pm", "--k", "1.8kN/m", "-o", target)
    assert status == 0, err
    spec = read_curve(source)
    model = MORSE.force(spec.z)
    with xr.open_dataset(target) as data:
        assert "comment '# f0 (Hz)" in data.f0.attrs["source"]
        for name in fmdecon.METHODS:
            force = data.force.sel(deconvolution=name).values
            options = {}
            if fmdecon.METHODS[name].fit is not None:  # it takes the noise the file gives
                options["df_noise"] = float(data.df_noise)
            library = fmdecon.deconvolve(name, spec.z, spec.df[0], AMPLITUDE, K, F0, **options)
            np.testing.assert_allclose(force, library, rtol=1e-12, atol=1e-25)
            ok = np.isfinite(force)
            error = np.max(np.abs(force[ok] - model[ok])) / abs(model.min())
            assert error < ACCURACY[name], (name, error)
        assert "high-frequency residual" in data.df_noise.attrs["source"]
        energy = data.energy.sel(deconvolution="matrix_exact").values
        np.testing.assert_allclose(np.nanmin(energy), MORSE.potential(spec.z).min(), rtol=0.02)


@pytest.mark.parametrize(
    ("case", "arguments", "status", "message"),
    [
        ("z_in_nm", ["--amplitude", "100pm"], 2, "z spans"),
        ("amplitude_without_unit", ["--amplitude", "50"], 2, "Did you mean 50pm"),
        ("k_f0_swapped", ["--amplitude", "100pm", "--k", "32768", "--f0", "1800"], 2, "swapped"),
        ("df_in_mhz", ["--amplitude", "100pm"], 2, "Δf in mHz"),
        ("offset", ["--amplitude", "100pm"], 0, "constant offset"),
        ("cut_off", ["--amplitude", "100pm"], 0, "cut off"),
    ],
)
def test_user_mistakes_are_reported(capsys, tmp_path, case, arguments, status, message):
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
    z = Z
    options = {}
    if case == "z_in_nm":
        z, options = Z * 1e9, {"z_unit": "m"}  # values in nm, labelled metres
    elif case == "df_in_mhz":
        df = df * 1e3  # values in mHz, labelled Hz
    elif case == "offset":
        df = df - 2.0
    elif case == "cut_off":
        z, df = Z[Z < 0.8e-9], df[Z < 0.8e-9]
    source = write_table(tmp_path / f"{case}.csv", z, df, **options)
    target = tmp_path / "out.nc"
    defaults = [] if "--k" in arguments else ["--k", "1.8kN/m", "--f0", "32.768kHz"]
    got, _, err = run(
        capsys, source, *arguments, *defaults, "-o", target, "--method", "sader_jarvis"
    )
    assert got == status, err
    assert message in err
    assert target.exists() == (status == 0)
    if status == 2:
        assert len(err.strip().splitlines()) == 1
        assert "Traceback" not in err


def test_subtract_offset_removes_the_offset(capsys, tmp_path):
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0) - 2.0
    source = write_table(tmp_path / "offset.csv", Z, df, f0=F0, k=K, amplitude=AMPLITUDE)
    target = tmp_path / "out.nc"
    status, _, err = run(
        capsys, source, "--subtract-offset", "-o", target, "--method", "matrix_exact"
    )
    assert status == 0, err
    assert "not decayed" not in err
    with xr.open_dataset(target) as data:
        assert float(data.df_offset) == pytest.approx(-2.0, abs=1e-3)
        assert "subtracted" in data.df_offset.attrs["source"]
        force = data.force.sel(deconvolution="matrix_exact").values
    model = MORSE.force(Z)
    assert abs(np.nanmin(force) / model.min() - 1) < 0.02


def test_flip_z_is_recorded(capsys, tmp_path):
    df = MORSE.frequency_shift(Z, AMPLITUDE, K, F0)
    source = write_table(tmp_path / "towards.csv", -Z, df, f0=F0, k=K, amplitude=AMPLITUDE)
    target = tmp_path / "out.nc"
    status, _, err = run(capsys, source, "--flip-z", "-o", target, "--method", "sader_jarvis")
    assert status == 0, err
    with xr.open_dataset(target) as data:
        assert "flip_z=True" in data.attrs["orientation"]
        np.testing.assert_allclose(data.z, Z, rtol=1e-12)


def test_batch_with_a_bad_file(capsys, tmp_path):
    [morse_table(tmp_path / f"good{i}.csv", f0=F0, k=K, amplitude=AMPLITUDE) for i in (1, 2)]
    bad = tmp_path / "bad.csv"
    bad.write_text("z (nm),df (Hz)\n1,2\n3,x\n")
    out_dir = tmp_path / "out"
    status, out, err = run(
        capsys, tmp_path / "*.csv", "-o", out_dir, "--plot", out_dir, "--method", "matrix_exact"
    )
    assert status == 1
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "good1.nc",
        "good1.png",
        "good2.nc",
        "good2.png",
    ]
    assert "bad.csv" in err
    assert err.count("error") == 1
    table = out.split("\n\n")[-1]
    assert "good1.csv" in table
    assert "good2.csv" in table
    assert "F_min" in table
    assert "verdict" in table


def test_several_files_need_a_directory_or_pattern(capsys, tmp_path):
    files = [morse_table(tmp_path / f"m{i}.csv", f0=F0, k=K, amplitude=AMPLITUDE) for i in (1, 2)]
    status, _, err = run(capsys, *files, "-o", tmp_path / "one.nc", "--method", "matrix_exact")
    assert status == 2  # a usage error (it was 1, the status of "some files failed")
    assert "pattern" in err
    assert not (tmp_path / "one.nc").exists()
    status, _, err = run(
        capsys, *files, "-o", tmp_path / "res_{stem}.csv", "--method", "matrix_exact"
    )
    assert status == 0, err
    assert (tmp_path / "res_m1.csv").exists()
    assert (tmp_path / "res_m2.csv").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("\x00\x01garbage", "not a text file"),
        ("z (nm),df (Hz)\n1,2\n2,3\n3\n", "garbled"),
        ("distance_x (nm),other (Hz)\n1,2\n2,3\n3,4\n", "no z column"),
        ("z (nm),df (Hz)\n1,2\n2,3\n", "at least 3"),
        ("z (nm),df (Hz)\n1,2\n2,nan\n3,4\n4,5\n", "nan"),
        ("z (nm),current (A),bias (V)\n1,2,3\n2,3,4\n3,4,5\n", "no frequency-shift column"),
    ],
)
def test_bad_files(capsys, tmp_path, content, problem):
    source = tmp_path / "bad.csv"
    source.write_bytes(content.encode("utf-8"))
    target = tmp_path / "out.nc"
    status, _, err = run(capsys, source, "--amplitude", "100pm", "--k", "1800", "-o", target)
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "bad.csv" in err
    assert problem in err
    assert "Traceback" not in err
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [source]


def test_missing_spring_constant_and_bad_quantity(capsys):
    status, _, err = run(capsys, DATA)
    assert status == 2
    assert "--k" in err
    assert len(err.strip().splitlines()) == 1
    status, _, err = run(capsys, DATA, "--k", "1.8 kN per m")
    assert status == 2
    assert "unknown stiffness unit" in err


# -- outputs never replace an input, nor an existing file without --overwrite ------------------
def nanonis_copy(folder):
    return Path(shutil.copy(DATA, folder / "Z.dat"))


@pytest.mark.parametrize(
    ("target", "extra"),
    [
        ("Z.dat", []),  # the same path
        ("link.dat", []),  # a symbolic link to the input
        ("hard.dat", []),  # a hard link: the same file under another name
        ("{stem}.dat", []),  # a pattern that names the input
        (".", ["--format", "csv", "--input-as-csv"]),  # a directory holding the input
        ("plot:Z.dat", []),  # the plot target
        ("plot:{name}", []),
    ],
)
def test_an_input_is_never_written_over(capsys, tmp_path, monkeypatch, target, extra):
    monkeypatch.chdir(tmp_path)
    source = nanonis_copy(tmp_path)
    if "--input-as-csv" in extra:  # a CSV input and --output its directory, --format csv
        extra = extra[:2]
        source = morse_table(tmp_path / "Z.csv", f0=F0, k=K, amplitude=AMPLITUDE)
        (tmp_path / "Z.dat").unlink()
    (tmp_path / "link.dat").symlink_to(source)
    os.link(source, tmp_path / "hard.dat")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    option = "--plot" if target.startswith("plot:") else "-o"
    status, out, err = run(
        capsys, source.name, "--k", "1800", option, target.removeprefix("plot:"), *extra
    )
    assert status == 2
    assert "is the input file" in err
    assert "refusing to write over a measurement" in err
    assert len(err.strip().splitlines()) == 1
    assert out == ""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_refused_batch_writes_nothing(capsys, tmp_path):
    good = morse_table(tmp_path / "good.csv", f0=F0, k=K, amplitude=AMPLITUDE)
    source = nanonis_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    # the second file's output would be the first file: refused before anything is written
    status, out, err = run(
        capsys, good, source, "-o", tmp_path / "{stem}.dat", "--k", "1800", "--method", "matrix"
    )
    assert status == 2
    assert "is the input file" in err
    assert out == ""
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_existing_output_needs_overwrite(capsys, tmp_path):
    source = nanonis_copy(tmp_path)
    target = tmp_path / "Z.nc"
    target.write_bytes(b"earlier result")
    status, _, err = run(capsys, source, "--k", "1800", "-o", target, "--method", "matrix")
    assert status == 2
    assert f"--output {target} exists: pass --overwrite to replace it" in err
    assert target.read_bytes() == b"earlier result"
    status, _, err = run(
        capsys, source, "--k", "1800", "-o", target, "--method", "matrix", "--overwrite"
    )
    assert status == 0, err
    with xr.open_dataset(target) as data:
        assert list(data.deconvolution.values) == ["matrix"]
    # --overwrite never extends to an input
    status, _, err = run(capsys, source, "--k", "1800", "-o", source, "--overwrite")
    assert status == 2
    assert "is the input file" in err
    assert source.read_bytes() == DATA.read_bytes()


def test_two_inputs_with_one_target_are_refused(capsys, tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        morse_table(tmp_path / folder / "m.csv", f0=F0, k=K, amplitude=AMPLITUDE)
    status, _, err = run(
        capsys, tmp_path / "a" / "m.csv", tmp_path / "b" / "m.csv", "-o", tmp_path / "out"
    )
    assert status == 2
    assert "is the target of both" in err
    assert not (tmp_path / "out").exists()
    status, _, err = run(
        capsys, tmp_path / "a" / "m.csv", "-o", tmp_path / "x.nc", "--plot", tmp_path / "x.nc"
    )
    assert status == 2
    assert "of both --output and --plot" in err


# -- the verdict at the amplitude used: well-posed, ill-posed at this amplitude, undecided -------
def verdict_cells(out):
    """method -> the verdict column of the summary table."""
    table = out.split("\n\n")[-1].splitlines()
    start = table[0].index("verdict")
    return {line.split()[1]: line[start:].strip() for line in table[2:] if line.strip()}


@pytest.mark.filterwarnings("ignore::fmdecon.CoarseGridWarning")
@pytest.mark.parametrize(
    ("amplitude", "expected"),
    [
        # the Morse law from z = 0.15 nm: S = -1.53 at z_i = 0.561 nm, forbidden 166-206 pm
        ("100pm", "well-posed (A outside 166.6-2"),  # printed "ill-posed" before (#20)
        ("180pm", "ill-posed at this amplitude (A in 166.6-2"),
    ],
)
def test_verdict_at_the_amplitude_used(capsys, tmp_path, amplitude, expected):
    z = np.linspace(0.15e-9, 5e-9, 1000)
    a = parse_quantity(amplitude, "length")
    source = write_table(tmp_path / "m.csv", z, MORSE.frequency_shift(z, a, K, F0), f0=F0, k=K)
    target, picture = tmp_path / "m.nc", tmp_path / "m.svg"
    methods = ["--method", "sader_jarvis", "--method", "matrix_exact"]
    with mpl.rc_context({"svg.fonttype": "none"}):  # text as text, to read the plot back
        status, out, err = run(
            capsys, source, "-A", amplitude, "-o", target, "--plot", picture, *methods
        )
    assert status == 0, err
    cells = verdict_cells(out)
    assert set(cells) == {"sader_jarvis", "matrix_exact"}
    svg = picture.read_text()
    with xr.open_dataset(target) as data:
        for name, cell in cells.items():
            assert cell.startswith(expected), cell
            label = cell.split(" (")[0]
            assert str(data.wellposedness_verdict.sel(deconvolution=name).values) == label
            reason = str(data.wellposedness_reason.sel(deconvolution=name).values)
            assert f"A = {amplitude.removesuffix('pm')} pm" in reason
            assert f"well-posedness ({name}): {label}: {reason}" in out
            assert cell.replace(">", "&gt;") in svg  # the plot says the same


def test_verdict_of_the_real_file_without_the_offset(capsys):
    """With the far-end offset removed Δf decays, and the test finds no inflection point
    in the part of the force above 5 % of its maximum: well-posed, with that reason."""
    status, out, err = run(capsys, DATA, "--k", "1800", "--subtract-offset")
    assert status == 0, err
    cells = verdict_cells(out)
    assert set(cells) == set(fmdecon.METHODS)
    assert set(cells.values()) == {"well-posed (no inflection point)"}
    assert "no inflection point in z = -0.1959 to 0.2" in out


# -- aborted Nanonis sweeps (variants of z.dat written by tests/test_readers.aborted) ----------
def test_aborted_sweep_is_read_and_said(capsys, tmp_path):
    from test_readers import aborted

    source = aborted(tmp_path / "aborted.dat", rows_from=120, columns="[bwd]")
    target = tmp_path / "aborted.nc"
    status, out, err = run(
        capsys, source, "--k", "1800", "--sweep", "fwd", "-o", target, "--method", "matrix_exact"
    )
    assert status == 0, err
    assert out.startswith(f"{source}: 120 points, mean of the 3 sweeps 00001, 00002, 00003")
    warnings = [line for line in err.splitlines() if "warning: aborted.dat:" in line]
    assert warnings[0].endswith(
        "dropped 4 frequency-shift column(s) without a finite value (a sweep that did not run): "
        "'Frequency Shift [AVG] [bwd] (Hz)', 'Frequency Shift [00001] [bwd] (Hz)', "
        "'Frequency Shift [00002] [bwd] (Hz)', 'Frequency Shift [00003] [bwd] (Hz)'"
    )
    assert warnings[1].endswith(
        "aborted sweep: dropped the last 80 of 200 rows (lines 256-335, NaN in z and every "
        "frequency-shift column); kept 120 rows"
    )
    with xr.open_dataset(target) as data:
        assert data.z.size == 120
        assert "dropped the last 80 of 200 rows" in data.attrs["reader_notes"]
        assert "dropped the last 80 of 200 rows" in data.attrs["warnings"]
        np.testing.assert_allclose(
            data.frequency_shift, read_curve(DATA).df[1:4, :120].mean(axis=0), rtol=1e-12
        )


@pytest.mark.parametrize(
    ("variant", "options", "message"),
    [
        ({"columns": "[bwd]"}, ["--sweep", "bwd"], "no bwd sweep; sweeps: AVG, 00001, 00002"),
        ({"columns": "Frequency Shift"}, [], "no usable data: every frequency-shift column"),
        ({"rows_from": 150, "cells": [(10, "Z rel (m)")]}, [], "line 146: Z rel (m) is nan"),
    ],
)
def test_aborted_sweep_refused(capsys, tmp_path, variant, options, message):
    from test_readers import aborted

    source = aborted(tmp_path / "aborted.dat", **variant)
    status, out, err = run(capsys, source, "--k", "1800", *options, "-o", tmp_path / "o.nc")
    assert out == ""
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not (tmp_path / "o.nc").exists()
