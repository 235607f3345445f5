"""Nanonis ``.3ds`` grids: the reader against what the writer wrote (bit for bit), the
format's details (row order, fwd/bwd, several sweeps, per-pixel axes, aborted grids) and every
kind of bad file (one-line errors naming the cause)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from grid_helpers import F0, model_grid

from fmdecon.io import (
    FORMATS,
    CurveSet,
    SweepSignalError,
    is_grid,
    open_grid,
    open_nanonis_grid,
    read_curve,
    read_nanonis_grid,
    sniff_format,
    write_nanonis_grid,
)


def _float32(values):
    return np.asarray(values, dtype=np.float32).astype(np.float64)


def test_reader_returns_what_the_writer_wrote_bit_for_bit(tmp_path):
    model = model_grid(tmp_path / "g.3ds", nx=4, ny=3, points=64, noise=0.1, sweeps=2)
    grid = open_nanonis_grid(model.path)
    assert grid.shape == (3, 4)
    assert grid.points == 64
    assert grid.directions == ("fwd", "bwd")
    assert grid.sweeps == ("00001", "00002")
    assert grid.f0 == F0
    assert grid.amplitude == pytest.approx(50e-12, rel=1e-6)
    cs = grid.read()
    assert isinstance(cs, CurveSet)
    assert cs.dims == ("y", "x", "direction", "sweep")
    assert cs.df.shape == (3, 4, 2, 2, 64)
    for (d, direction), (s, sweep) in (
        ((0, ""), (0, "00001")),
        ((1, " [bwd]"), (1, "00002")),
    ):
        label = f"Frequency Shift [{sweep}]{direction} (Hz)"
        written = _float32(model.channels[label])[..., ::-1]  # descending sweep: reversed
        np.testing.assert_array_equal(cs.df[:, :, d, s], written)
    # z: each pixel's axis from its float32 sweep limits, ascending
    np.testing.assert_array_equal(cs.z, model.z[0, 0])
    assert cs.shared_z
    # the per-pixel parameters as written, row order x fastest
    np.testing.assert_array_equal(grid.parameter("Sweep Start"), _float32(model.sweep_start))
    np.testing.assert_array_equal(grid.parameter("Z (m)"), _float32(np.full((3, 4), -5e-9)))
    np.testing.assert_array_equal(grid.parameter("X (m)")[0], _float32(grid.x))
    np.testing.assert_array_equal(grid.parameter("Y (m)")[:, 0], _float32(grid.y))
    np.testing.assert_allclose(grid.x, model.x + 0.0)
    np.testing.assert_allclose(grid.y, model.y + 0.0)
    np.testing.assert_array_equal(
        grid.channel("Amplitude (m)"), _float32(model.channels["Amplitude (m)"])
    )
    np.testing.assert_array_equal(read_nanonis_grid(model.path).df, cs.df)


def test_each_pixel_has_its_own_axis_and_ascending_order(tmp_path):
    model = model_grid(tmp_path / "t.3ds", points=50, topography=40e-12, descending=False)
    cs = read_curve(model.path)
    assert not cs.shared_z
    np.testing.assert_array_equal(cs.z[:, :, 0, 0], model.z)
    assert np.all(np.diff(cs.z, axis=-1) > 0)
    np.testing.assert_array_equal(
        cs.df[:, :, 0, 0], _float32(model.channels["Frequency Shift (Hz)"])
    )
    flipped = open_nanonis_grid(model.path, flip_z=True).block(0, 1)
    np.testing.assert_array_equal(flipped.z[0], -model.z[0, 0, ::-1])
    assert "flip_z" in open_nanonis_grid(model.path, flip_z=True).orientation
    topo = open_nanonis_grid(model.path, z_reference="topography")
    height = topo.parameter("Z (m)")
    np.testing.assert_allclose(topo.block(0, 30).z.reshape(5, 6, 50), model.z + height[..., None])


def test_an_aborted_grid_is_nan_beyond_the_last_pixel_and_its_cut_curve(tmp_path):
    model = model_grid(tmp_path / "a.3ds", nx=5, ny=4, points=40, measured=13, cut=25)
    grid = open_grid(model.path)
    assert grid.records == 13
    measured = grid.measured()
    assert measured.sum() == 13
    assert measured.reshape(-1)[:13].all()
    cs = grid.read()
    flat = cs.df.reshape(20, 2, 1, 40)
    assert np.isnan(flat[13:]).all()  # unmeasured: NaN, never zeros
    assert np.isfinite(flat[:12]).all()
    last = flat[12, 0, 0]  # cut after 25 points of the (descending) sweep: NaN at the near end
    assert np.isnan(last[:15]).all()
    assert np.isfinite(last[15:]).all()
    assert np.isnan(grid.parameters().reshape(20, -1)[13:]).all()


def test_oc_channel_names_and_units_are_understood(tmp_path):
    path = tmp_path / "oc.3ds"
    values = np.linspace(-1.0, 0.0, 2 * 2 * 10).reshape(2, 2, 10)
    write_nanonis_grid(
        path,
        {"OC M1 Freq. Shift (kHz)": values, "OC M1 Freq. Shift [AVG] (kHz)": values},
        sweep_start=0.0,
        sweep_end=1e-9,
    )
    grid = open_grid(path)
    assert grid.sweeps == ("recorded", "AVG")
    np.testing.assert_allclose(grid.read().df[:, :, 0, 0], _float32(values) * 1e3)


def test_the_registry_sniffs_grids_by_suffix_or_content(tmp_path, monkeypatch):
    model = model_grid(tmp_path / "g.3ds", nx=2, ny=2, points=20)
    assert sniff_format(model.path) is FORMATS["nanonis_grid"]
    renamed = tmp_path / "grid_without_suffix.bin"
    renamed.write_bytes(model.path.read_bytes())
    assert sniff_format(renamed).name == "nanonis_grid"
    assert is_grid(renamed)
    dat = tmp_path / "curve.dat"
    dat.write_text("Experiment\tZ spectroscopy\n\n[DATA]\nZ rel (m)\tFrequency Shift (Hz)\n")
    assert sniff_format(dat).name == "nanonis"
    assert not is_grid(dat)
    with pytest.raises(ValueError, match="not a grid"):
        open_grid(dat)


def _write(path, **changes):
    """A small valid grid, with header lines replaced or the data cut."""
    values = np.zeros((2, 2, 10))
    write_nanonis_grid(
        path, {"Frequency Shift (Hz)": values}, sweep_start=1e-9, sweep_end=0.0, f0=F0
    )
    raw = path.read_bytes()
    head, _, data = raw.partition(b":HEADER_END:\r\n")
    text = head.decode("latin-1")
    for key, value in changes.get("header", {}).items():
        if value is None:
            text = re.sub(rf"^{re.escape(key)}=.*\r\n", "", text, flags=re.M)
        else:
            text = re.sub(rf"^{re.escape(key)}=.*$", f"{key}={value}\r", text, flags=re.M)
    data = data[: changes["data_bytes"]] if "data_bytes" in changes else data
    if changes.get("no_end"):
        path.write_bytes(text.encode("latin-1"))
    else:
        path.write_bytes(
            text.encode("latin-1") + b":HEADER_END:\r\n" + data + changes.get("extra", b"")
        )
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"no_end": True}, "truncated header: no ':HEADER_END:'"),
        ({"data_bytes": 100}, r"fits no pixel count: a pixel record is 72 bytes"),
        ({"extra": bytes(72)}, "5 pixel records, more than Grid dim 2 x 2"),
        ({"data_bytes": 0}, "no pixel was measured"),
        (
            {"header": {"Channels": '"Amplitude (m)"'}},
            r"no frequency-shift channel \('Frequency Shift \(Hz\)'",
        ),
        ({"header": {"Points": None}}, "header has no 'Points'"),
        ({"header": {"Grid dim": '"two x 2"'}}, "'Grid dim' is not 'NX x NY'"),
        ({"header": {"Experiment size (bytes)": "44"}}, "'Experiment size .bytes.' = 44"),
        ({"header": {"# Parameters (4 byte)": "3"}}, r"'# Parameters \(4 byte\)' = 3"),
    ],
)
def test_bad_grid_files_give_one_line_errors_naming_the_cause(tmp_path, changes, message):
    path = _write(tmp_path / "bad.3ds", **changes)
    with pytest.raises(ValueError, match=message) as info:
        open_nanonis_grid(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_a_grid_of_another_sweep_signal_names_it(tmp_path):
    path = tmp_path / "bias.3ds"
    write_nanonis_grid(
        path,
        {"Current (A)": np.zeros((2, 2, 10)), "Frequency Shift (Hz)": np.zeros((2, 2, 10))},
        sweep_start=-1.0,
        sweep_end=1.0,
        sweep_signal="Bias (V)",
    )
    with pytest.raises(SweepSignalError, match=r"sweep signal is 'Bias \(V\)', not Z") as info:
        open_nanonis_grid(path)
    assert info.value.signal == "Bias (V)"
