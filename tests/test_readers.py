"""Readers of measured curves: the real Nanonis file, round trips of model curves, bad input."""

from pathlib import Path

import numpy as np
import pytest

from fmdecon.io import read_curve, read_nanonis, read_table, write_table

DATA = Path(__file__).parent / "data" / "nanonis" / "z.dat"
SWEEPS = ("AVG", "00001", "00002", "00003", "AVG bwd", "00001 bwd", "00002 bwd", "00003 bwd")


def test_real_nanonis_file():
    spec = read_nanonis(DATA)
    assert spec.z.shape == (200,)
    assert spec.df.shape == (8, 200)
    assert spec.sweeps == SWEEPS
    assert spec.z[0] == pytest.approx(-210e-12)
    assert spec.z[-1] == pytest.approx(490e-12)
    assert np.all(np.diff(spec.z) > 0)
    assert spec.f0 == pytest.approx(47387.9)
    assert spec.amplitude == pytest.approx(10e-12)
    assert spec.k is None
    assert spec.sweep("AVG")[0] == pytest.approx(-17.4105)
    assert spec.sweep("00001")[0] == pytest.approx(-17.9824)
    # the average column is the mean of the three sweeps
    np.testing.assert_allclose(spec.df[0], spec.df[1:4].mean(axis=0), atol=2e-3)
    assert "Z rel (m)" in spec.orientation
    assert "already ascending" in spec.orientation
    assert "Center Frequency" in spec.source["f0"]
    assert "Amplitude Setpoint" in spec.source["amplitude"]
    assert spec.metadata["Experiment"] == "Z spectroscopy"
    assert spec.duplicates == {}
    assert not spec.z.flags.writeable
    with pytest.raises(ValueError, match="no sweep"):
        spec.sweep("nope")


def test_read_curve_dispatch_and_flip(tmp_path):
    assert read_curve(DATA).sweeps == SWEEPS
    flipped = read_nanonis(DATA, flip_z=True)
    assert flipped.z[0] == pytest.approx(-490e-12)
    assert "reversed" in flipped.orientation
    np.testing.assert_array_equal(flipped.df[:, ::-1], read_nanonis(DATA).df)


def nanonis_text(columns, rows, header=("Experiment\tZ spectroscopy\t",)):
    lines = [*header, "", "[DATA]", "\t".join(columns)]
    lines += ["\t".join(str(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def test_nanonis_variants_and_duplicates(tmp_path):
    path = tmp_path / "v.dat"
    header = (
        "Experiment\tZ spectroscopy\t",
        "Oscillation Control>Center Frequency (Hz)\t30E+3\t",
        "Oscillation Control>Center Frequency (Hz)\t32.768E+3\t",
    )
    columns = [
        "Z (nm)",
        "OC M1 Freq. Shift (mHz)",
        "OC M1 Freq. Shift [bwd] (Hz)",
        "OC M1 Freq. Shift (Hz) [filt]",
    ]
    rows = [[3, -1000, -1, -1.1], [2, -2000, -2, -2.1], [1, -3000, -3, -3.1]]
    path.write_text(nanonis_text(columns, rows, header))
    spec = read_curve(path)
    assert spec.sweeps == ("fwd", "bwd", "fwd filt")
    np.testing.assert_allclose(spec.z, [1e-9, 2e-9, 3e-9])
    np.testing.assert_allclose(spec.df, [[-3, -2, -1], [-3, -2, -1], [-3.1, -2.1, -1.1]])
    assert spec.f0 == 32768.0  # the last value of a duplicate key
    assert spec.duplicates["Oscillation Control>Center Frequency (Hz)"] == ("30E+3", "32.768E+3")
    assert spec.amplitude is None
    assert "not in the file" in spec.source["amplitude"]


@pytest.mark.parametrize(("law", "amplitude"), [("morse", 137e-12), ("lennard_jones", 20e-12)])
def test_model_curve_round_trip(tmp_path, paper, law, amplitude, request):
    model = request.getfixturevalue(law)
    z = paper.z[::10]
    df = model.frequency_shift(z, amplitude, paper.k, paper.f0)
    path = write_table(tmp_path / "m.csv", z, df, f0=paper.f0, amplitude=amplitude, k=paper.k)
    spec = read_curve(path)
    np.testing.assert_allclose(spec.z, z, rtol=1e-15)
    np.testing.assert_allclose(spec.df[0], df, rtol=1e-15)
    assert spec.sweeps == ("fwd",)
    assert (spec.f0, spec.amplitude, spec.k) == (paper.f0, amplitude, paper.k)
    # fewer digits: exact to the printed precision
    path = write_table(
        tmp_path / "p.tsv",
        z,
        np.vstack([df, 2 * df]),
        sweeps=["a", "b"],
        z_unit="pm",
        df_unit="kHz",
        digits=6,
    )
    spec = read_table(path)
    assert spec.sweeps == ("a", "b")
    np.testing.assert_allclose(spec.z, z, rtol=5e-6)
    np.testing.assert_allclose(spec.df, np.vstack([df, 2 * df]), rtol=5e-6)
    assert spec.f0 is None
    assert spec.source["f0"] == "not in the file"


def test_table_units_from_arguments_and_brackets(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("0.5 -2\n0.4 -3\n0.3 -4\n")
    spec = read_table(path, z_unit="nm", df_unit="Hz", f0=30e3)
    np.testing.assert_allclose(spec.z, [0.3e-9, 0.4e-9, 0.5e-9])
    np.testing.assert_allclose(spec.df[0], [-4, -3, -2])
    assert spec.source["f0"] == "argument"
    with pytest.raises(ValueError, match="no unit"):
        read_table(path)
    path.write_text("# A (pm): 50\nz [Å]\tdf [Hz]\n1\t-1\n2\t-0.5\n3\t-0.25\n")
    spec = read_table(path)
    np.testing.assert_allclose(spec.z, [1e-10, 2e-10, 3e-10])
    assert spec.amplitude == pytest.approx(50e-12)
    with pytest.raises(ValueError, match="was given"):
        read_table(path, z_unit="nm")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("z (nm),df (Hz)\n1,2\n2,3\n", "at least 3"),
        ("z (nm),df (Hz)\n1,2\n2,nan\n3,1\n", "line 3: df \\(Hz\\) is nan"),
        ("z (nm),df (Hz)\n1,2\n3,3\n2,1\n", "not monotonic"),
        ("z (nm),df (Hz)\n1,2\n2,3,4\n3,1\n", "line 3: 3 values"),
        ("z (nm),df (Hz)\n1,2\n2,x\n3,1\n", "line 3: not a row of numbers"),
        ("z (nm),I (A),V (V)\n1,2,0\n2,3,0\n3,1,0\n", "no frequency-shift column"),
        ("q (nm),df (Hz)\n1,2\n2,3\n3,1\n", "no z column"),
        ("z (furlong),df (Hz)\n1,2\n2,3\n3,1\n", "unknown length unit"),
        ("# only a comment\n", "no data"),
    ],
)
def test_bad_tables(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as info:
        read_curve(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "\n" not in message


@pytest.mark.parametrize(
    ("columns", "rows", "match"),
    [
        (["Z rel (m)", "Current (A)"], [[1, 1], [2, 2], [3, 3]], "no frequency-shift column"),
        (["Bias (V)", "Frequency Shift (Hz)"], [[1, 1], [2, 2], [3, 3]], "no z column"),
        (["Z rel (m)", "Frequency Shift (Hz)"], [[1, 1], [2, 2]], "at least 3"),
        (["Z rel (m)", "Frequency Shift (Hz)"], [[1, 1], [2, "NaN"], [3, 3]], "is nan"),
        (["Z rel (m)", "Frequency Shift (Hz)"], [[1, 1], [3, 2], [2, 3]], "not monotonic"),
        (["Z rel (m)", "Frequency Shift (Hz)"], [[1, 1], [2], [3, 3]], "garbled"),
    ],
)
def test_bad_nanonis(tmp_path, columns, rows, match):
    path = tmp_path / "bad.dat"
    path.write_text(nanonis_text(columns, rows))
    with pytest.raises(ValueError, match=match) as info:
        read_nanonis(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_unreadable_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        read_curve(tmp_path / "missing.dat")
    binary = tmp_path / "b.dat"
    binary.write_bytes(b"\x00\x01\x02[DATA]")
    with pytest.raises(ValueError, match="not a text file"):
        read_curve(binary)
    no_data = tmp_path / "n.dat"
    no_data.write_text("Experiment\tZ spectroscopy\t\nDate\tx\t\n")
    with pytest.raises(ValueError, match=r"\[DATA\]"):
        read_nanonis(no_data)


# -- aborted Nanonis sweeps: NaN-padded rows and all-NaN columns, written from z.dat ------------
def aborted(path, *, rows_from=None, keep_z=False, columns=None, cells=()):
    """z.dat with NaN written into it as an aborted sweep leaves it: every value of the rows
    from ``rows_from`` on (z too unless ``keep_z``), every row of the columns whose label
    contains ``columns``, and single (row, label) ``cells``."""
    lines = DATA.read_text().splitlines()
    at = lines.index("[DATA]")
    labels = lines[at + 1].split("\t")
    rows = [line.split("\t") for line in lines[at + 2 :]]
    for r, row in enumerate(rows):
        for c, label in enumerate(labels):
            padded = rows_from is not None and r >= rows_from and not (keep_z and c == 0)
            if padded or (columns and columns in label) or (r, label) in cells:
                row[c] = "NaN"
    path.write_text("\n".join([*lines[: at + 2], *("\t".join(row) for row in rows)]) + "\n")
    return path


FIRST_ROW_LINE = 136  # line of the first data row of z.dat ([DATA] is line 134)


@pytest.mark.parametrize("keep_z", [False, True])
def test_aborted_sweep_nan_padded_rows(tmp_path, keep_z):
    path = aborted(tmp_path / "a.dat", rows_from=150, keep_z=keep_z)
    spec = read_nanonis(path)
    full = read_nanonis(DATA)
    assert spec.sweeps == SWEEPS
    np.testing.assert_array_equal(spec.z, full.z[:150])
    np.testing.assert_array_equal(spec.df, full.df[:, :150])
    (note,) = spec.notes
    assert note.startswith("aborted sweep: dropped the last 50 of 200 rows (lines 286-335")
    assert ("NaN in every frequency-shift column" if keep_z else "NaN in z and every") in note
    assert note.endswith("kept 150 rows")
    assert spec.source["notes"] == note
    assert read_nanonis(DATA).notes == ()


def test_aborted_sweep_all_nan_bwd_columns(tmp_path):
    spec = read_nanonis(aborted(tmp_path / "b.dat", columns="[bwd]"))
    assert spec.sweeps == SWEEPS[:4]
    np.testing.assert_array_equal(spec.df, read_nanonis(DATA).df[:4])
    (note,) = spec.notes
    assert note.startswith("dropped 4 frequency-shift column(s) without a finite value")
    assert "'Frequency Shift [00003] [bwd] (Hz)'" in note
    assert "200" not in note  # no row is dropped


def test_aborted_sweep_both(tmp_path):
    spec = read_nanonis(aborted(tmp_path / "c.dat", rows_from=120, columns="[bwd]"))
    assert spec.sweeps == SWEEPS[:4]
    assert spec.z.size == 120
    assert len(spec.notes) == 2
    assert "dropped the last 80 of 200 rows" in spec.notes[1]


def test_interior_nan_stays_an_error(tmp_path):
    cell = (100, "Frequency Shift [00002] (Hz)")
    path = aborted(tmp_path / "d.dat", rows_from=150, cells=[cell])
    with pytest.raises(ValueError, match="is nan") as info:
        read_nanonis(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line {FIRST_ROW_LINE + 100}: ")
    assert "Frequency Shift [00002] (Hz)" in message


@pytest.mark.parametrize(
    ("variant", "match"),
    [
        ({"columns": "Frequency Shift"}, "every frequency-shift column .* is NaN in every row"),
        ({"rows_from": 2}, "only 2 complete row\\(s\\) before the NaN padding .* line 138"),
    ],
)
def test_aborted_sweep_with_nothing_usable(tmp_path, variant, match):
    path = aborted(tmp_path / "e.dat", **variant)
    with pytest.raises(ValueError, match=f"no usable data: {match}") as info:
        read_nanonis(path)
    assert str(info.value).startswith(str(path))
