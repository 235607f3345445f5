"""``fmdecon deconvolve``: the real Nanonis file, exact Morse tables, user mistakes, batches."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import fmdecon
from fmdecon.cli import main
from fmdecon.io import read_curve, write_table

xr = pytest.importorskip("xarray")

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
    "regularized": 0.002,
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
        assert set(data.wellposedness_verdict.values) <= {"well-posed", "ill-posed"}
        # the library gives the same force
        z, df = spec.z, spec.df[1:4].mean(axis=0)
        np.testing.assert_allclose(
            data.force.sel(deconvolution="sader_jarvis"),
            fmdecon.sader_jarvis(z, df, 10e-12, K, 47387.9),
            rtol=1e-12,
        )


def test_real_file_summary_and_matrix_accepts_six_digit_grid(capsys, tmp_path):
    status, out, err = run(capsys, DATA, "--k", "1800", "--method", "matrix")
    assert status == 0, err
    assert "matrix" in out
    assert "pN" in out
    assert "well-posed" in out
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
    assert status == 1
    assert "pattern" in err
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
