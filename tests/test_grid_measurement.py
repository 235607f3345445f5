"""Grid spectroscopy to force volumes: model force field -> exact frequency shift per pixel ->
``.3ds`` (fwd/bwd, each pixel's own sweep limits, sweeps from far to near, an aborted last row
with a cut curve) -> read -> deconvolve, against the truth within each method's known accuracy
and against a slow loop of one-curve calls; the noise estimates; the netCDF volume streamed in
blocks; the command line with every bad-input kind of the issue (one-line errors, exit 2, no
output); the plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from grid_helpers import F0, K, model_grid

import fmdecon
from fmdecon.cli import main
from fmdecon.force_fields import LatticeField
from fmdecon.io import open_grid, write_nanonis_grid
from fmdecon.measurement import MeasurementError
from fmdecon.measurement.grid import STEP_RTOL, GridMeasurement, measure_grid

xr = pytest.importorskip("xarray")

NX, NY, POINTS = 6, 5, 200
MEASURED, CUT = 27, 120  # an aborted grid: the last row half measured, its last curve cut
#: Largest |F - F_true| / max|F_true| over the complete pixels, per method, on the model grid
#: (A = 50 pm, step 11.4 pm: A/d = 4.4; the published matrix method is at its coarsest, the
#: Sader-Jarvis approximation near A ~ 1/kappa at its worst; measured 0.063, 0.089, 0.009,
#: 0.005, 0.005).
ACCURACY = {
    "sader_jarvis": 0.08,
    "matrix": 0.11,
    "matrix_resampled": 0.015,
    "matrix_exact": 0.008,
    "regularized": 0.008,
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("grid") / "model.3ds"
    return model_grid(
        path, nx=NX, ny=NY, points=POINTS, topography=20e-12, measured=MEASURED, cut=CUT
    )


@pytest.fixture(scope="module")
def measured(model):
    """Every method, noise-free (each pixel's noise estimated from its curve)."""
    return measure_grid(model.path, k=K, block_pixels=2 * NX)


def _relative(z_pixel):
    return z_pixel - z_pixel[0]


def test_the_grid_pipeline_reads_the_file_bit_for_bit(model, measured):
    v = measured.volumes
    assert v is not None
    written = np.asarray(model.channels["Frequency Shift (Hz)"], np.float32).astype(float)
    rows, cols = np.divmod(np.arange(MEASURED), NX)
    # the curves deconvolved are the file's forward sweeps (descending: reversed)
    np.testing.assert_array_equal(v.df[rows, cols], written[rows, cols, ::-1])
    np.testing.assert_array_equal(v.z_pixel[rows, cols], model.z[rows, cols])
    assert np.isnan(v.df[NY - 1, MEASURED % NX :]).all()  # never measured: NaN, not zero
    assert np.isnan(v.z_pixel[NY - 1, MEASURED % NX :]).all()


def test_pixels_status_and_coordinates(model, measured):
    m = measured
    assert isinstance(m, GridMeasurement)
    assert m.shape == (NY, NX)
    assert (m.measured, m.deconvolved, m.cut) == (MEASURED, MEASURED, 1)
    status = m.status.reshape(-1)
    assert (status[: MEASURED - 1] == 1).all()
    assert status[MEASURED - 1] == 2
    assert (status[MEASURED:] == 0).all()
    np.testing.assert_allclose(m.x, model.x, atol=1e-21)
    np.testing.assert_allclose(m.y, model.y, atol=1e-21)
    for name in m.methods:
        force = m.volumes.force[name]
        assert np.isnan(force[~m.done]).all()
        assert np.isnan(m.maps[name].force_min[~m.done]).all()
        assert (m.maps[name].verdict[~m.done] == -1).all()
    # 2 z grids: the complete curves (one step, their own offsets) and the cut one
    assert m.z_grids == 2


@pytest.mark.parametrize("name", list(ACCURACY))
def test_round_trip_force_field_within_each_methods_accuracy(model, measured, name):
    m = measured
    complete = m.status == 1
    truth = model.force[complete]
    force = m.volumes.force[name][complete]
    error = np.nanmax(np.abs(force - truth)) / np.max(np.abs(truth))
    assert error < ACCURACY[name], f"{name}: {error:.4f}"
    # the F_min map against the exact minima of the model field
    z_true, f_true = model.field.force_minimum()
    f_min = m.maps[name].force_min[complete]
    assert np.max(np.abs(f_min - f_true[complete])) < ACCURACY[name] * np.max(np.abs(truth))
    step = model.z[0, 0, 1] - model.z[0, 0, 0]
    z_min = m.maps[name].z_force_min[complete]
    tolerance = {"sader_jarvis": 4, "matrix": 4}.get(name, 2) * step
    assert np.max(np.abs(z_min - z_true[complete])) < tolerance


def test_each_pixel_equals_the_one_curve_method_on_its_own_curve(model, measured):
    """A slow obvious loop: every pixel through the one-curve functions on its own z axis
    (the cut pixel on its measured part)."""
    m = measured
    v = m.volumes
    amplitude = m.amplitude.value
    pixels = [(0, 0), (1, 3), (3, 5), divmod(MEASURED - 1, NX)]
    for name in m.methods:
        entry = fmdecon.METHODS[name]
        for row, col in pixels:
            df = v.df[row, col]
            keep = np.isfinite(df)
            z = v.z_pixel[row, col][keep]
            step = (z[-1] - z[0]) / (z.size - 1)
            if keep.all():  # a group shares the operator of one step (its first pixel's)
                assert abs(m.z[1] / step - 1.0) < STEP_RTOL  # float32 limits: ~1e-7 apart
                z = z[0] + m.z
            if entry.fit is not None:
                noise = m.df_noise_map[row, col]
                one = entry.fit(_relative(z), df[keep], amplitude, K, F0, df_noise=noise).force
            else:
                one = fmdecon.deconvolve(name, _relative(z), df[keep], amplitude, K, F0)
            # (the regularised method's strength: on a grid of trial strengths shared by the
            # rows of a batch, so a batch and a single call differ by a fraction of a step)
            scale = np.nanmax(abs(one)) * (1e-3 if entry.fit is not None else 1e-9)
            np.testing.assert_allclose(v.force[name][row, col][keep], one, atol=scale)
            energy = entry.energy(_relative(z), df[keep], one, amplitude, K, F0)
            np.testing.assert_allclose(
                v.energy[name][row, col][keep],
                energy,
                atol=scale / np.nanmax(abs(one)) * np.nanmax(abs(energy)),
            )


def test_pixels_with_their_own_z_step_are_grouped_by_grid(tmp_path):
    """Half the pixels sweep a longer range (another step): two z grids, each pixel still
    equal to the one-curve method on its own axis."""
    nx, ny, n = 4, 3, 120
    field = model_grid(tmp_path / "m.3ds", nx=nx, ny=ny, points=n).field
    far = np.where(np.arange(nx)[None, :] % 2 == 0, 2.0e-9, 2.6e-9) * np.ones((ny, 1))
    near = np.full((ny, nx), 0.25e-9)
    far, near = (a.astype(np.float32).astype(float) for a in (far, near))
    z = np.linspace(near, far, n, axis=-1)
    df = field.frequency_shift(z, 80e-12, K, F0)
    path = tmp_path / "steps.3ds"
    write_nanonis_grid(
        path,
        {"Frequency Shift (Hz)": df},
        sweep_start=near,
        sweep_end=far,
        f0=F0,
        amplitude=80e-12,
    )
    m = measure_grid(path, k=K, methods=["matrix_exact", "sader_jarvis"])
    assert m.z_grids == 2
    for name in m.methods:
        for row, col in ((0, 0), (2, 1), (1, 2), (2, 3)):
            zp = m.volumes.z_pixel[row, col]
            one = fmdecon.deconvolve(name, zp - zp[0], m.volumes.df[row, col], 80e-12, K, F0)
            np.testing.assert_allclose(m.volumes.force[name][row, col], one, rtol=1e-9)
        truth = field.force(m.volumes.z_pixel)
        if name == "matrix_exact":
            assert np.max(np.abs(m.volumes.force[name] - truth)) < 0.01 * np.max(abs(truth))


def test_a_lattice_of_pair_forces_round_trips_through_the_quadrature_forward_model(tmp_path):
    """docs/physics.md section 13: Morse pair forces summed over a lattice of sites, the
    frequency shift per pixel by quadrature, written, read and deconvolved."""
    sites = [(0.0, 0.0), (0.4e-9, 0.0), (0.2e-9, 0.35e-9)]
    field = LatticeField(sites, fmdecon.Morse(kappa=4.25e9, sigma=0.235e-9, bond_energy=0.3e-18))
    x, y = np.linspace(0.0, 0.4e-9, 3), np.linspace(0.0, 0.35e-9, 2)
    # the far end where the summed force has decayed (docs/physics.md section 12)
    n, amplitude = 250, 60e-12
    near, far = np.full((2, 3), 0.26e-9), np.full((2, 3), 3.0e-9)
    z = np.linspace(np.float32(0.26e-9), np.float32(3.0e-9), n)
    df = field.frequency_shift(x, y, z, amplitude, K, F0)
    path = tmp_path / "lattice.3ds"
    write_nanonis_grid(
        path,
        {"Frequency Shift (Hz)": df[..., ::-1], "Frequency Shift [bwd] (Hz)": df[..., ::-1]},
        sweep_start=far,
        sweep_end=near,
        centre=(0.2e-9, 0.175e-9),
        size=(0.4e-9, 0.35e-9),
        f0=F0,
        amplitude=amplitude,
    )
    m = measure_grid(path, k=K, methods=["matrix_exact", "regularized"])
    truth = field.force(m.x, m.y, m.volumes.z_pixel[0, 0])
    for name in m.methods:
        error = np.max(np.abs(m.volumes.force[name] - truth)) / np.max(np.abs(truth))
        assert error < 0.005, f"{name}: {error:.4f}"  # measured 0.0017 (matrix_exact)


def test_force_std_from_forward_minus_backward_scatter(tmp_path):
    model = model_grid(tmp_path / "n.3ds", nx=4, ny=3, points=POINTS, noise=0.05, seed=3)
    m = measure_grid(model.path, k=K, methods=["sader_jarvis", "matrix_exact", "regularized"])
    noise = m.df_noise_map
    assert np.all(np.abs(noise / 0.05 - 1.0) < 0.25)  # each pixel's own estimate
    assert "forward minus backward" in m.noise_source
    z_rel = m.z
    for name in ("sader_jarvis", "matrix_exact"):
        unit = fmdecon.force_noise(name, z_rel, m.amplitude.value, K, F0, 1.0)
        np.testing.assert_allclose(
            m.volumes.force_std[name], noise[..., None] * unit[None, None, :], rtol=1e-10
        )
    # the fitted method: its own std and bias, from its fit of each curve with that noise
    fit = fmdecon.METHODS["regularized"].fit(
        z_rel, m.volumes.df[1, 2], m.amplitude.value, K, F0, df_noise=noise[1, 2]
    )
    np.testing.assert_allclose(m.volumes.force_std["regularized"][1, 2], fit.force_std, rtol=1e-8)
    np.testing.assert_allclose(
        m.volumes.force_bias["regularized"][1, 2], fit.force_bias, rtol=1e-8
    )
    assert set(m.volumes.force_bias) == {"regularized"}
    # the std is honest: errors of the linear methods' forces against the truth ~ N(0, std)
    z_scores = (m.volumes.force["matrix_exact"] - model.force) / m.volumes.force_std[
        "matrix_exact"
    ]
    assert 0.7 < np.nanstd(z_scores[..., 20:-20]) < 1.4


def test_force_std_from_the_scatter_of_several_sweeps_and_from_df_noise(tmp_path):
    model = model_grid(
        tmp_path / "s.3ds", nx=3, ny=2, points=POINTS, noise=0.04, sweeps=4, backward=False
    )
    m = measure_grid(model.path, k=K, methods=["matrix_exact"])
    assert "scatter of the 4 sweeps" in m.noise_source
    np.testing.assert_allclose(m.df_noise_map, 0.04 / 2.0, rtol=0.15)  # / sqrt(4) for the mean
    given = measure_grid(model.path, k=K, methods=["matrix_exact"], df_noise="30mHz")
    np.testing.assert_array_equal(given.df_noise_map, 0.03)
    unit = fmdecon.force_noise("matrix_exact", given.z, given.amplitude.value, K, F0, 1.0)
    np.testing.assert_allclose(given.volumes.force_std["matrix_exact"][1, 1], 0.03 * unit)


def test_the_netcdf_volume_streamed_in_blocks_equals_the_measurement(model, measured, tmp_path):
    from fmdecon.measurement.grid_outputs import measure_grid_to_netcdf

    out = tmp_path / "grid.nc"
    # the blocks of the in-memory run (3 blocks of 2 rows), written as they are done
    streamed = measure_grid_to_netcdf(model.path, out, k=K, block_pixels=2 * NX)
    assert streamed.volumes is None  # nothing of the volume kept in memory
    with xr.open_dataset(out) as ds:
        assert ds["force"].dims == ("deconvolution", "y", "x", "z")
        assert list(ds["deconvolution"].values) == list(measured.methods)
        for key in ("force", "force_std", "energy"):
            for i, name in enumerate(measured.methods):
                np.testing.assert_array_equal(
                    ds[key].values[i], getattr(measured.volumes, key)[name]
                )
        np.testing.assert_array_equal(
            ds["force_bias"].sel(fitted_deconvolution="regularized"),
            measured.volumes.force_bias["regularized"],
        )
        np.testing.assert_array_equal(ds["frequency_shift"].values, measured.volumes.df)
        np.testing.assert_array_equal(ds["z_pixel"].values, measured.volumes.z_pixel)
        np.testing.assert_allclose(ds["x"].values, measured.x)
        assert ds["x"].attrs["units"] == ds["y"].attrs["units"] == "m"
        for name, units in (
            ("force", "N"),
            ("force_std", "N"),
            ("energy", "J"),
            ("force_min", "N"),
            ("z_force_min", "m"),
            ("force_at_height", "N"),
            ("forbidden_amplitude_low", "m"),
            ("df_noise", "Hz"),
        ):
            assert ds[name].attrs["units"] == units
            assert ds[name].attrs["long_name"]
        assert ds["force_min"].dims == ("deconvolution", "y", "x")
        np.testing.assert_array_equal(
            ds["force_min"].sel(deconvolution="matrix_exact"),  # a keyword, as in the cubes
            measured.maps["matrix_exact"].force_min,
        )
        np.testing.assert_array_equal(
            ds["wellposedness_verdict"].sel(deconvolution="sader_jarvis"),
            measured.maps["sader_jarvis"].verdict,
        )
        np.testing.assert_array_equal(
            ds["force"].sel(deconvolution="sader_jarvis").values,
            measured.volumes.force["sader_jarvis"],
        )
        assert int(ds.attrs["pixels_measured"]) == MEASURED
        assert ds.attrs["Conventions"].startswith("CF")
        assert "fmdecon" in ds.attrs["source"]
        assert ds["k"].item() == K
    assert [p.name for p in tmp_path.iterdir()] == ["grid.nc"]  # no temporary file left


def test_measure_from_python_takes_a_grid(model):
    m = fmdecon.measure(model.path, k="1.8kN/m", methods=["matrix_exact"])
    assert isinstance(m, GridMeasurement)
    assert m.methods == ("matrix_exact",)


def run(capsys, *args):
    status = main(["deconvolve", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_deconvolves_a_grid_into_a_volume_and_a_plot(model, tmp_path, capsys):
    out, png = tmp_path / "g.nc", tmp_path / "g.png"
    status, text, err = run(
        capsys, model.path, "--k", "1.8kN/m", "-o", out, "--plot", png, "--method", "matrix_exact"
    )
    assert status == 0, err
    assert f"{MEASURED} of {NX * NY} measured" in text
    assert "1 cut" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with xr.open_dataset(out) as ds:
        assert ds["force"].shape == (1, NY, NX, POINTS)
        assert ds["k"].attrs["source"] == "argument --k 1.8kN/m"


def test_cli_an_error_while_drawing_leaves_no_output(model, tmp_path, capsys):
    out, png = tmp_path / "g.nc", tmp_path / "g.png"
    status, _, err = run(
        capsys,
        model.path,
        "--k",
        "1.8kN/m",
        "-o",
        out,
        "--plot",
        png,
        "--method",
        "sader_jarvis",
        "--plot-method",
        "matrix",
    )
    assert status == 2
    assert "method 'matrix' did not run" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_never_writes_over_its_input(model, tmp_path, capsys):
    copy = tmp_path / "g.3ds"
    copy.write_bytes(model.path.read_bytes())
    before = copy.read_bytes()
    status, _, err = run(capsys, copy, "--k", "1.8kN/m", "-o", copy)
    assert status == 2
    assert "is the input file" in err
    assert copy.read_bytes() == before


def _bad(path: Path, kind: str) -> Path:
    values = np.zeros((2, 2, 10))
    if kind == "bias":
        write_nanonis_grid(
            path,
            {"Frequency Shift (Hz)": values},
            sweep_start=-1.0,
            sweep_end=1.0,
            sweep_signal="Bias (V)",
        )
        return path
    labels = {"Amplitude (m)": values} if kind == "no_df" else {"Frequency Shift (Hz)": values}
    write_nanonis_grid(path, labels, sweep_start=1e-9, sweep_end=0.0, f0=F0)
    raw = path.read_bytes()
    head, _, data = raw.partition(b":HEADER_END:\r\n")
    if kind == "truncated":
        path.write_bytes(head[: len(head) // 2])
    elif kind == "size":
        path.write_bytes(head + b":HEADER_END:\r\n" + data[:100])
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("bias", r"sweep signal is 'Bias \(V\)', not Z"),
        ("truncated", "truncated header"),
        ("size", "fits no pixel count"),
        ("no_df", "no frequency-shift channel"),
    ],
)
def test_cli_bad_grids_one_line_exit_2_nothing_written(tmp_path, capsys, kind, message):
    import re

    path = _bad(tmp_path / "bad.3ds", kind)
    out, png = tmp_path / "out" / "bad.nc", tmp_path / "out" / "bad.png"
    status, _, err = run(capsys, path, "--k", "1.8kN/m", "-o", out, "--plot", png)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fmdecon deconvolve: error: ")
    assert re.search(message, lines[0]), lines[0]
    assert str(path) in lines[0]
    assert "Traceback" not in err
    assert not out.exists()
    assert not png.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_cli_a_grid_cannot_be_written_as_csv(model, tmp_path, capsys):
    status, _, err = run(capsys, model.path, "--k", "1.8kN/m", "-o", tmp_path / "g.csv")
    assert status == 2
    assert "--format csv" in err
    assert "netCDF only" in err


def test_a_grid_without_k_names_the_option(model, capsys):
    status, _, err = run(capsys, model.path)
    assert status == 2
    assert "give --k" in err


def test_measure_grid_rejects_an_unknown_method(model):
    with pytest.raises(MeasurementError, match="unknown method 'nope'"):
        measure_grid(model.path, k=K, methods=["nope"])


def test_the_plot_renders(measured):
    from fmdecon.measurement.grid_plot import render_grid_plot

    for name in ("matrix_exact", "regularized"):
        png = render_grid_plot(measured, "png", method=name)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError, match="did not run"):
        render_grid_plot(measured, "png", method="unknown")


def test_open_grid_and_the_pipeline_agree_on_the_z_axis(model, measured):
    grid = open_grid(model.path)
    near, far = grid.z_range()
    done = measured.done
    np.testing.assert_array_equal(measured.z_closest[done], near[done])
    np.testing.assert_array_equal(measured.volumes.z_pixel[done][:, -1], far[done])


def _one_curve_verdict(z, df, force, amplitude):
    """The one-curve pipeline's verdict (:meth:`MethodResult.verdict`) of one pixel: the
    inflection-point test of its force and, for a frequency shift that has not decayed at
    its far end (the ``far_end`` finding), "Δf not decayed"."""
    from fmdecon.measurement import MethodResult
    from fmdecon.plausibility import check_frequency_shift

    try:
        test, problem = fmdecon.inflection_point_test(z, force), ""
    except ValueError as exc:
        test, problem = None, str(exc)
    far_end = any(f.check == "far_end" for f in check_frequency_shift(z, df, F0))
    result = MethodResult(
        "one",
        force,
        force,
        force,
        test,
        test_problem=problem,
        incomplete="Δf has not decayed at the far end" if far_end else "",
    )
    return result.verdict(amplitude)


def test_the_verdict_map_has_the_one_curve_verdicts_words_including_undecided(tmp_path):
    """Noisy curves (some with inflection points, forbidding other amplitudes) and a curve
    cut before the force decays: well-posed and undecided pixels, each with the verdict and
    reason the one-curve pipeline gives the same curve; the summary, the netCDF flags and the
    plot's legend in the same words."""
    from fmdecon.measurement.grid import GRID_VERDICT_CODES, GRID_VERDICT_REASONS, summary_lines
    from fmdecon.measurement.grid_outputs import grid_to_netcdf

    cut_at = 40  # the last curve keeps its 40 nearest points (0.23-0.68 nm): not decayed
    model = model_grid(
        tmp_path / "verdicts.3ds",
        nx=6,
        ny=4,
        points=200,
        noise=0.05,
        seed=2,
        descending=False,
        cut=cut_at,
    )
    m = measure_grid(model.path, k=K, methods=["matrix_exact", "sader_jarvis"])
    amplitude = m.amplitude.value
    v = m.volumes
    for name in m.methods:
        maps = m.maps[name]
        for row, col in np.ndindex(*m.shape):  # the slow obvious loop of one-curve verdicts
            keep = np.isfinite(v.df[row, col])
            z = v.z_pixel[row, col][keep]
            expected = _one_curve_verdict(
                z - z[0], v.df[row, col][keep], v.force[name][row, col][keep], amplitude
            )
            label = GRID_VERDICT_CODES[int(maps.verdict[row, col])]
            reason = GRID_VERDICT_REASONS[int(maps.verdict_reason[row, col])]
            assert label == expected.label, (name, row, col, expected.short)
            brief = expected.brief
            if brief.startswith("A outside "):
                brief = "A outside the forbidden ranges"
            assert reason == brief, (name, row, col, expected.short)
        counts = maps.verdict_counts(m.done)
        assert counts["undecided"] >= 1
        assert counts["well-posed"] >= 1
        assert maps.verdict[-1, -1] == 2  # the cut curve
        assert GRID_VERDICT_REASONS[int(maps.verdict_reason[-1, -1])] == "force not decayed"
    line = next(t for t in summary_lines(m) if t.strip().startswith("matrix_exact:"))
    assert "well-posed (" in line
    assert "1 undecided (1 force not decayed)" in line
    out = tmp_path / "verdicts.nc"
    grid_to_netcdf(m, out)
    with xr.open_dataset(out, mask_and_scale=False) as ds:
        verdict = ds["wellposedness_verdict"]
        assert verdict.attrs["flag_meanings"].split() == [
            "not_deconvolved",
            "well_posed",
            "ill_posed_at_this_amplitude",
            "undecided",
        ]
        np.testing.assert_array_equal(
            verdict.sel(deconvolution="sader_jarvis"), m.maps["sader_jarvis"].verdict
        )
        assert "df_not_decayed" in ds["wellposedness_reason"].attrs["flag_meanings"]


def test_a_grid_of_curves_cut_before_the_force_decays_is_undecided(tmp_path):
    """Every curve ends at 0.6 nm, where the force and Δf are still large: no pixel is
    well-posed (undecided: the one-curve test's reason)."""
    model = model_grid(tmp_path / "short.3ds", nx=4, ny=3, points=120, z_far=0.6e-9)
    m = measure_grid(model.path, k=K, methods=["matrix_exact", "sader_jarvis"])
    for name in m.methods:
        assert (m.maps[name].verdict == 2).all(), name
