"""fmdecon.io: the format registry (sniffing, unknown formats), units."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import fmdecon
import fmdecon.io as fio
from fmdecon.io import Format, Spectroscopy, get_format, read_curve, sniff_format
from fmdecon.io.units import format_quantity

DATA = Path(__file__).parent / "data" / "nanonis" / "z.dat"


# -- registry -----------------------------------------------------------------------------
def test_registry_entries():
    assert list(fio.FORMATS) == ["nanonis", "table"]
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
    assert "known: nanonis (Nanonis .dat Z spectroscopy), table (" in str(info.value)
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
