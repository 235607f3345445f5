"""fmdecon.io: the format registry (sniffing, unknown formats), the CurveSet data model (shapes,
selection, per-curve z, grouping by z grid) and the one-curve case (Spectroscopy), units."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pytest

import fmdecon
import fmdecon.io as fio
from fmdecon.io import CurveSet, Format, Spectroscopy, get_format, read_curve, sniff_format
from fmdecon.io.units import format_quantity

DATA = Path(__file__).parent / "data" / "nanonis" / "z.dat"


# -- registry -----------------------------------------------------------------------------
def test_registry_entries():
    assert list(fio.FORMATS) == ["nanonis_grid", "nanonis", "table"]
    assert fio.FORMATS["nanonis_grid"].opener is fio.open_nanonis_grid
    assert fio.FORMATS["nanonis"].opener is None
    assert fio.FORMATS["nanonis"].reader is fmdecon.read_nanonis
    assert fio.FORMATS["table"].reader is fmdecon.read_table
    for name, entry in fio.FORMATS.items():
        assert entry.name == name
        assert entry.description


def test_sniffing(tmp_path):
    assert sniff_format(DATA).name == "nanonis"
    # Nanonis content under a table suffix is read as a table, as before the registry
    for suffix in (".csv", ".TSV"):
        copy = shutil.copy(DATA, tmp_path / f"z{suffix}")
        assert sniff_format(copy).name == "table"
    experiment = tmp_path / "e.txt"
    experiment.write_text("Experiment\tZ spectroscopy\t\n")
    assert sniff_format(experiment).name == "nanonis"
    data_line = tmp_path / "d.txt"
    data_line.write_text("Date\t1.1.2024\t\n\n[DATA]\nZ rel (m)\tFrequency Shift (Hz)\n")
    assert sniff_format(data_line).name == "nanonis"
    table = tmp_path / "t.txt"
    table.write_text("z (nm) df (Hz)\n1 2\n2 3\n3 4\n")
    assert sniff_format(table).name == "table"
    # the table reader is the fallback: it says what is wrong with unreadable files
    assert sniff_format(tmp_path / "missing.dat").name == "table"
    with pytest.raises(ValueError, match="cannot read the file"):
        read_curve(tmp_path / "missing.dat")


def test_unknown_format_names_the_known_ones(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown file format 'spm'") as info:
        get_format("spm")
    assert "nanonis (Nanonis .dat Z spectroscopy), table (" in str(info.value)
    assert "known: nanonis_grid (Nanonis .3ds grid of Z spectroscopies)" in str(info.value)
    # without the table fallback a file that no sniffer takes is an unknown format
    monkeypatch.setattr(fio, "FORMATS", {"nanonis": fio.FORMATS["nanonis"]})
    path = tmp_path / "t.csv"
    path.write_text("z (nm),df (Hz)\n1,2\n2,3\n3,4\n")
    with pytest.raises(ValueError, match="not a known file format") as info:
        read_curve(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert message.endswith("known: nanonis (Nanonis .dat Z spectroscopy)")


def test_read_curve_asks_the_registry(tmp_path, monkeypatch):
    """A new format is one entry: read_curve finds it without any other change."""
    calls = []

    def read_fake(path, **options):
        calls.append((Path(path).name, options))
        z = np.array([1.0, 2.0, 3.0]) * 1e-9
        return Spectroscopy(z, np.ones((1, 3)), ("fwd",), None, None, {}, {}, "as is", str(path))

    fake = Format("fake", lambda path, head: head.startswith(b"FAKE"), read_fake, "test")
    monkeypatch.setattr(fio, "FORMATS", {"fake": fake, **fio.FORMATS})
    path = tmp_path / "x.dat"
    path.write_bytes(b"FAKE\n")
    spec = read_curve(path, flip_z=True)
    assert calls == [("x.dat", {"flip_z": True})]
    assert spec.orientation == "as is"
    assert read_curve(DATA).df.shape == (8, 200)  # the others are still asked in order


# -- CurveSet -----------------------------------------------------------------------------
def grid_set(z=None):
    """A (y=2, x=3, direction=2, sweep=4) set of N=5 curves whose values encode their index."""
    y, x, d, s, n = np.meshgrid(*map(np.arange, (2, 3, 2, 4, 5)), indexing="ij")
    df = 10000.0 * y + 1000.0 * x + 100.0 * d + 10.0 * s + n
    z = np.linspace(1e-10, 5e-10, 5) if z is None else z
    coords = {"direction": ("fwd", "bwd"), "sweep": ("AVG", "00001", "00002", "00003")}
    return CurveSet(("y", "x", "direction", "sweep"), z, df, coords, f0=3e4, path="grid")


def test_shape_iteration_and_selection():
    curves = grid_set()
    assert curves.shape == (2, 3, 2, 4)
    assert (curves.size, len(curves), curves.n_points) == (48, 48, 5)
    assert curves.shared_z
    assert curves.coords["y"] == (0, 1)  # default labels: positions
    seen = list(curves)
    assert [c.index for c in seen] == list(np.ndindex(2, 3, 2, 4))
    for c in seen:
        y, x, d, s = c.index
        np.testing.assert_array_equal(c.df, 10000 * y + 1000 * x + 100 * d + 10 * s + np.arange(5))
        assert c.labels["direction"] == ("fwd", "bwd")[d]
        assert c.z is curves.z
    one = curves.curve(1, -1, 1, 0)
    assert one.index == (1, 2, 1, 0)
    assert one.df[0] == 12100.0

    bwd = curves.sel(direction="bwd", sweep=["00003", "AVG"])
    assert bwd.dims == ("y", "x", "sweep")
    assert bwd.shape == (2, 3, 2)
    assert bwd.coords["sweep"] == ("00003", "AVG")
    assert bwd.df[1, 2, 0, 0] == 12130.0
    assert bwd.df[0, 1, 1, 4] == 1104.0
    assert (bwd.f0, bwd.path) == (3e4, "grid")
    column = curves.isel(x=1, y=slice(None, None, -1))
    assert column.dims == ("y", "direction", "sweep")
    assert column.coords["y"] == (1, 0)
    assert column.df[0, 0, 0, 0] == 11000.0
    single = curves.isel(y=0, x=0, direction=0, sweep=0)
    assert single.dims == ()
    assert single.shape == ()
    assert single.size == 1
    np.testing.assert_array_equal(single.df, np.arange(5.0))


def test_bad_sets_and_selections():
    z, df = np.linspace(1, 2, 4), np.zeros((3, 4))
    with pytest.raises(
        ValueError, match=r"df must have one axis per dimension .* got shape \(3, 4\)"
    ):
        CurveSet(("y", "x"), z, df)
    with pytest.raises(ValueError, match=r"z must have shape \(4,\) \(shared\) or \(3, 4\)"):
        CurveSet(("sweep",), z[:3], df)
    with pytest.raises(ValueError, match=r"coords\['sweep'\] must have 3 labels"):
        CurveSet(("sweep",), z, df, {"sweep": ("a", "b")})
    with pytest.raises(ValueError, match="must be distinct"):
        CurveSet(("sweep",), z, df, {"sweep": ("a", "b", "a")})
    with pytest.raises(ValueError, match="are not dimensions"):
        CurveSet(("sweep",), z, df, {"x": (1, 2, 3)})
    curves = CurveSet(("sweep",), z, df, {"sweep": ("a", "b", "c")})
    with pytest.raises(ValueError, match=r"no dimension 'x'; dims: \('sweep',\)"):
        curves.sel(x=0)
    with pytest.raises(ValueError, match="no label 'd' along 'sweep'; labels: a, b, c"):
        curves.sel(sweep="d")
    with pytest.raises(IndexError, match="index 3 is out of range"):
        curves.isel(sweep=3)
    with pytest.raises(ValueError, match="read-only"):
        curves.df[0, 0] = 1.0


def test_per_curve_z_and_grouping():
    near = np.linspace(0.2e-9, 1.0e-9, 5)
    far = np.linspace(0.3e-9, 1.1e-9, 5)
    z = np.empty((2, 3, 2, 4, 5))
    z[...] = near
    z[:, 1] = far  # the middle column was measured on another grid
    curves = grid_set(z)
    assert not curves.shared_z
    assert curves.z.shape == curves.df.shape
    np.testing.assert_array_equal(curves.curve(0, 1, 1, 2).z, far)
    np.testing.assert_array_equal(curves.sel(x=1).z[1, 0, 3], far)
    groups = curves.group_by_z()
    assert len(groups) == 2
    np.testing.assert_array_equal(groups[0].z, near)
    np.testing.assert_array_equal(groups[1].z, far)
    expected_far = [i for i in np.ndindex(2, 3, 2, 4) if i[1] == 1]
    assert list(groups[1].index) == expected_far
    assert len(groups[0].index) == 48 - len(expected_far)
    for group in groups:
        assert group.df.shape == (len(group.index), 5)
        for row, index in zip(group.df, group.index, strict=True):
            np.testing.assert_array_equal(row, curves.df[index])
    # -0.0 and 0.0 are the same grid
    signed = np.array([[-0.0, 1.0, 2.0], [0.0, 1.0, 2.0], [0.0, 1.0, 3.0]])
    assert len(CurveSet(("sweep",), signed, np.zeros((3, 3))).group_by_z()) == 2
    # a shared z is one group of every curve, in C order
    (group,) = grid_set().group_by_z()
    assert group.index == tuple(np.ndindex(2, 3, 2, 4))
    np.testing.assert_array_equal(group.df, grid_set().df.reshape(48, 5))


def test_one_curve_case_is_the_spectroscopy():
    spec = fmdecon.read_nanonis(DATA)
    curves = spec.to_curveset()
    assert isinstance(curves, fmdecon.CurveSet)
    assert curves.dims == ("sweep",)
    assert curves.shape == (8,)
    assert curves.coords["sweep"] == spec.sweeps
    assert curves.shared_z
    assert curves.units["z"] == "m"
    for curve, name in zip(curves, spec.sweeps, strict=True):
        np.testing.assert_array_equal(curve.z, spec.z)
        np.testing.assert_array_equal(curve.df, spec.sweep(name))
        assert curve.labels == {"sweep": name}
    avg = curves.sel(sweep="AVG bwd")
    assert avg.dims == ()
    np.testing.assert_array_equal(avg.df, spec.sweep("AVG bwd"))
    assert (curves.f0, curves.amplitude, curves.k) == (spec.f0, spec.amplitude, spec.k)
    assert curves.metadata["Experiment"] == "Z spectroscopy"
    assert "Center Frequency" in curves.source["f0"]
    assert curves.path == str(DATA)
    assert curves.orientation == spec.orientation
    back = curves.to_spectroscopy()
    for name in Spectroscopy.__dataclass_fields__:
        if name in ("z", "df"):
            np.testing.assert_array_equal(getattr(back, name), getattr(spec, name))
        else:
            assert getattr(back, name) == getattr(spec, name), name
    (group,) = curves.group_by_z()
    np.testing.assert_array_equal(group.df, spec.df)
    with pytest.raises(ValueError, match="needs dims \\('sweep',\\)"):
        grid_set().to_spectroscopy()


def test_spectroscopy_is_unchanged():
    spec = fmdecon.read_nanonis(DATA)
    assert isinstance(spec.metadata, MappingProxyType)
    assert not spec.df.flags.writeable
    assert [f for f in Spectroscopy.__dataclass_fields__] == [
        "z",
        "df",
        "sweeps",
        "f0",
        "amplitude",
        "metadata",
        "source",
        "orientation",
        "path",
        "k",
        "duplicates",
    ]


# -- units --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "digits", "text"),
    [
        (1e-11, "m", 4, "10 pm"),
        (-3.5e-10, "N", 3, "-350 pN"),
        (1.8e3, "N/m", 4, "1.8 kN/m"),
        (47387.9, "Hz", 4, "47.39 kHz"),
        (0.6918, "Hz", 4, "691.8 mHz"),
        (2.5e-20, "J", 4, "0.025 aJ"),  # below atto: the smallest prefix
        (3e9, "Hz", 4, "3000 MHz"),  # above mega: the largest prefix
        (0.0, "m", 4, "0 m"),
        (float("nan"), "N", 4, "nan N"),
    ],
)
def test_format_quantity(value, unit, digits, text):
    assert format_quantity(value, unit, digits) == text


def test_units_have_one_home():
    from fmdecon.io import nanonis, table, units

    assert fio.LENGTH_UNITS is units.LENGTH_UNITS is nanonis.LENGTH_UNITS is table.LENGTH_UNITS
    assert fio.FREQUENCY_UNITS is units.FREQUENCY_UNITS is table.FREQUENCY_UNITS
    assert units.UNITS["stiffness"] is units.STIFFNESS_UNITS
    assert units.parse_quantity("1.8kN/m", "stiffness") == 1800.0
