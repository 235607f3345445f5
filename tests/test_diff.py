"""``fmdecon diff`` and ``fmdecon validate``: exit codes, reports, errors without tracebacks."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from fmdecon.cli import main
from fmdecon.diff import DiffError, diff_datasets, diff_paths, plot_diff
from fmdecon.diff.report import render_text, to_json
from fmdecon.study import Study, deconvolve_chunk, merge, selected_curves, simulate, write_dataset
from fmdecon.study.config import load_config, validate_config
from fmdecon.study.provenance import provenance_attrs

ROOT = Path(__file__).resolve().parents[1]
KAPPA = 4.25e9  # 1/m, shown as 4.25 1/nm


@pytest.fixture(scope="session")
def study():
    """The quick study shrunk to 4 amplitudes and 200 grid points (about 1 s)."""
    config = load_config(ROOT / "config" / "quick.yaml")
    config["amplitudes"] = {"min": 10e-12, "max": 400e-12, "count": 4}
    config["grid"]["points"] = 200
    config["chunking"]["amplitudes_per_job"] = 4
    config["methods"] = ["sader_jarvis", "matrix"]  # the diff does not depend on the methods
    return Study(validate_config(config))


@pytest.fixture(scope="session")
def cubes(study):
    """Metric cubes and curves by law: dims deconvolution (x kappa) x amplitude."""
    result = {}
    for law in study.laws:
        chunks = [
            deconvolve_chunk(simulate(study, law, p, b), study.methods)
            for p, b in study.chunks(law)
        ]
        result[law] = (
            merge(study, law, chunks),
            selected_curves(study, law, *study.figure_view(law)),
        )
    return result


@pytest.fixture(scope="session")
def attrs(study):
    return provenance_attrs(study.config, rule="test")


def write_results(directory, cubes, attrs, skip=()):
    """A results directory: metrics/<law>.nc and curves/<law>.nc."""
    for law, (cube, curves) in cubes.items():
        for sub, data in (("metrics", cube), ("curves", curves)):
            if f"{sub}/{law}.nc" not in skip:
                write_dataset(data, directory / sub / f"{law}.nc", attrs)
    return directory


@pytest.fixture
def morse_pair(tmp_path, cubes, attrs):
    """Function: write the Morse cube as old.nc and ``change(cube)`` as new.nc."""

    def make(change=lambda cube: cube, new_attrs=None):
        cube = cubes["morse"][0]
        write_dataset(cube, tmp_path / "old.nc", attrs)
        write_dataset(change(cube.copy(deep=True)), tmp_path / "new.nc", new_attrs or attrs)
        return str(tmp_path / "old.nc"), str(tmp_path / "new.nc")

    return make


def perturb(cube, factor=1 + 1e-6, variable="cod", method="matrix", kappa=KAPPA, index=2):
    """Multiply one value (method, kappa, amplitude number ``index``) by ``factor``."""
    at = {"deconvolution": method, "kappa": kappa, "amplitude": cube["amplitude"][index]}
    cube[variable].loc[at] = cube[variable].loc[at] * factor
    return cube


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*args):
    return subprocess.run(
        [sys.executable, "-m", "fmdecon.cli", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


# --------------------------------------------------------------------------------------------
# Exit status 0 and 1
# --------------------------------------------------------------------------------------------


def test_identical_cubes_exit_0(morse_pair, capsys):
    code, out, err = run(capsys, "diff", *morse_pair())
    assert code == 0, out + err
    assert "result: identical" in out
    assert err == ""


def test_perturbed_value_exit_1_reports_coordinates(morse_pair, cubes, capsys):
    old, new = morse_pair(perturb)
    amplitude_pm = float(cubes["morse"][0]["amplitude"][2]) * 1e12
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 1
    assert "cod: 1 of 16 values differ" in out
    row = next(line.split() for line in out.splitlines() if line.strip().startswith("morse "))
    assert row[:4] == ["morse", "matrix", "4.25", f"{amplitude_pm:.6g}"]
    assert "result: differs" in out

    code, out, _ = run(capsys, "diff", old, new, "--format", "json")
    assert code == 1
    report = json.loads(out)
    cod = next(v for v in report["files"][0]["variables"] if v["name"] == "cod")
    assert cod["differing"] == 1
    assert cod["max_rel_diff"] == pytest.approx(1e-6 / (1 + 1e-6), rel=1e-9)  # / max(|old|, |new|)
    point = cod["points"][0]
    assert report["files"][0]["law"] == "morse"
    assert point["coords"]["deconvolution"] == "matrix"
    assert point["coords"]["kappa"] == KAPPA  # SI in JSON
    assert point["coords"]["amplitude"] == float(cubes["morse"][0]["amplitude"][2])
    assert cod["where"] == {
        "deconvolution": ["matrix"],
        "kappa": [KAPPA],
        "amplitude": [point["coords"]["amplitude"]],
    }


def test_difference_within_tolerance_exit_0(morse_pair, capsys):
    old, new = morse_pair(lambda cube: perturb(cube, factor=1 + 1e-9))
    code, out, _ = run(capsys, "diff", old, new, "--rtol", "1e-6")
    assert code == 0
    assert "result: equal within tolerance" in out
    assert run(capsys, "diff", old, new)[0] == 1  # default rtol 1e-12
    assert run(capsys, "diff", old, new, "--rtol", "0", "--atol", "1e-6")[0] == 0


def test_nan_handling():
    old = xr.Dataset({"cod": ("amplitude", [np.nan, 0.5, 0.9])}, coords={"amplitude": [1, 2, 3]})
    assert diff_datasets(old, old.copy(deep=True)).equal  # NaN == NaN
    new = old.copy(deep=True)
    new["cod"][1] = np.nan
    report = diff_datasets(old, new)
    (cod,) = report.files[0].variables
    assert not report.equal
    assert (cod.differing, cod.nonfinite_mismatches) == (1, 1)
    assert json.dumps(to_json(report), allow_nan=False)


def test_extra_amplitude_and_kappa_listed(morse_pair, cubes, capsys):
    def change(cube):
        cube = cube.sel(kappa=[KAPPA])  # drop kappa = 8 1/nm
        extra = cube.isel(amplitude=[-1]).assign_coords(amplitude=[300e-12])
        return xr.concat([cube, extra], "amplitude", data_vars="minimal", coords="minimal")

    old, new = morse_pair(change)
    code, out, err = run(capsys, "diff", old, new)
    assert code == 1, err
    assert "kappa only in old: 8 1/nm" in out
    assert "amplitude only in new: 300 pm" in out
    assert "compared on: deconvolution 2 x kappa 1 x amplitude 4" in out
    report = json.loads(run(capsys, "diff", old, new, "--format", "json")[1])["files"][0]
    assert report["only_old"] == {"kappa": [8e9]}
    assert report["only_new"] == {"amplitude": [300e-12]}
    cod = report["variables"][0]
    assert (cod["name"], cod["compared"], cod["differing"]) == ("cod", 8, 0)


def test_scalar_kappa_compared_with_swept_kappa(morse_pair, capsys):
    old, new = morse_pair(lambda cube: cube.sel(kappa=KAPPA))
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 1
    assert "kappa only in old: 8 1/nm" in out
    assert "compared on: deconvolution 2 x kappa 1 x amplitude 4" in out
    report = diff_paths(old, new)
    assert all(v.differing == 0 for v in report.files[0].variables)


def test_provenance_only_difference_exit_0(morse_pair, attrs, capsys):
    config = json.loads(attrs["config"])
    config["grid"]["points"] = 999
    other = attrs | {"fmdecon_version": "9.9.9", "config": json.dumps(config)}
    code, out, _ = run(capsys, "diff", *morse_pair(new_attrs=other))
    assert code == 0
    summary, provenance = out.split("provenance (does not affect the result)")
    assert "config differs: grid.points 200 -> 999" in summary.split("\n\n")[0]  # cause first
    assert f"fmdecon_version: {attrs['fmdecon_version']} -> 9.9.9" in provenance
    assert "config.grid.points: 200 -> 999" in provenance
    assert "result: identical (0 of 1 file differ, provenance differs)" in out


def test_summary_leads_with_the_cause(morse_pair, attrs, cubes, capsys):
    config = json.loads(attrs["config"])
    config["grid"]["points"] = 999
    other = attrs | {"config": json.dumps(config)}
    old, new = morse_pair(perturb, new_attrs=other)
    amplitude_pm = float(cubes["morse"][0]["amplitude"][2]) * 1e12
    for fmt, end in (("text", "\n\n"), ("markdown", "\n## ")):
        code, out, _ = run(capsys, "diff", old, new, "--format", fmt)
        assert code == 1
        summary = out.split(end)[0]  # before the first file's details
        assert summary.index("result: differs") < summary.index("config differs")
        assert "grid.points 200 -> 999" in summary.replace("`", "")
        assert "cod: 1 of 16 values differ; largest abs diff" in summary
        assert (
            f"at deconvolution matrix, kappa 4.25 1/nm, amplitude {amplitude_pm:.6g} pm" in summary
        )
        assert len(summary.splitlines()) < 25  # one screen


def test_relative_difference_where_old_is_zero():
    old = xr.Dataset({"v": ("amplitude", [0.0, 0.0, 2.0])}, coords={"amplitude": [1, 2, 3]})
    new = old.copy(deep=True)
    new["v"][:] = [0.0, 1e-3, -2.0]
    report = diff_datasets(old, new, rtol=0.1)
    (v,) = report.files[0].variables
    assert v.max_rel_diff == 2.0  # |new - old| / max(|old|, |new|): at most 2, never inf
    assert (v.largest_rel.coords, v.largest_rel.rel_diff) == ({"amplitude": 3}, 2.0)
    assert [p.rel_diff for p in v.points] == [2.0, 1.0]  # 0 -> 1e-3 is 100 %
    assert v.differing == 2
    data = to_json(report)
    assert "inf" not in json.dumps(data)
    text = render_text(report)
    assert "inf" not in text
    assert "max(|old|, |new|)" in text
    # within tolerance: |new - old| <= atol + rtol * max(|old|, |new|)
    assert diff_datasets(old, new.where(new.amplitude < 3, 2.0), atol=1e-3).equal


def _curves(z, offset=0.0):
    z = np.asarray(z)
    return xr.Dataset(
        {"force": ("z", np.exp(-z / 1e-9) + offset, {"units": "N"}), "q": ((), 1.0)},
        coords={"z": ("z", z, {"units": "m"})},
        attrs={"law": "morse"},
    )


def test_curves_on_different_z_grids_are_interpolated():
    old = _curves(np.linspace(0.2e-9, 5e-9, 200))
    new = _curves(np.linspace(0.2e-9, 6e-9, 400))
    report = diff_datasets(old, new, rtol=1e-3)
    f = report.files[0]
    (grid,) = f.grids
    assert (grid.grid, grid.values[0]) == ("old", 200)  # the coarser grid in the overlap
    assert f.sizes == {"z": 200}
    assert not f.only_old
    assert not f.only_new
    assert not report.equal  # different grids never count as equal
    force = next(v for v in f.variables if v.name == "force")
    assert force.compared == 200
    assert force.max_rel_diff < 1e-3  # linear interpolation of a smooth curve
    text = render_text(report)
    assert "z grids differ (old 200 values in 0.2 .. 5 nm, new 400 values in 0.2 .. 6 nm)" in text
    assert "compared on the old grid within the overlap, 200 values in 0.2 .. 5 nm" in text
    assert "new linearly interpolated onto it" in text
    assert "compared on: z 200 (z interpolated)" in text
    assert "compared on: z 2\n" not in text

    # one grid containing the other's values: exact join, one-sided values listed
    report = diff_datasets(old, _curves(np.concatenate([old.z, [6e-9]])))
    assert report.files[0].grids == []
    assert report.files[0].only_new == {"z": [6e-9]}


def test_curves_on_disjoint_z_grids_are_incomparable():
    old = _curves(np.linspace(0.2e-9, 5e-9, 200))
    new = _curves(np.linspace(6e-9, 9e-9, 100))
    report = diff_datasets(old, new)
    f = report.files[0]
    (grid,) = f.grids
    assert grid.grid is None
    assert grid.not_compared == ["force"]
    assert [v.name for v in f.variables] == ["q"]  # what does not depend on z is compared
    assert not report.equal
    text = render_text(report)
    assert "z grids differ (old 200 values in 0.2 .. 5 nm, new 100 values in 6 .. 9 nm)" in text
    assert "incomparable: the ranges do not overlap; not compared: force" in text
    assert json.loads(json.dumps(to_json(report)))["files"][0]["grids"][0]["grid"] is None


# --------------------------------------------------------------------------------------------
# Exit status 2: errors name the file, no traceback, no output
# --------------------------------------------------------------------------------------------


def test_units_mismatch_exit_2(morse_pair, capsys):
    def change(cube):
        cube["delta_z_min"].attrs["units"] = "nm"
        return cube

    old, new = morse_pair(change)
    code, out, err = run(capsys, "diff", old, new)
    assert code == 2
    assert out == ""
    assert err.startswith("fmdecon diff: error: ")
    assert err.count("\n") == 1
    assert "delta_z_min" in err
    assert "'nm'" in err
    assert "new.nc" in err


def test_different_quantities_errors(cubes):
    cube, curves = cubes["morse"]
    with pytest.raises(DiffError, match="no data variable in common"):
        diff_datasets(cube, curves)
    with pytest.raises(DiffError, match="law 'morse' in old, 'lennard_jones' in new"):
        diff_datasets(cube, cubes["lennard_jones"][0])
    with pytest.raises(DiffError, match=r"cod has dimensions .* in old but"):
        diff_datasets(cube, cube.drop_vars("kappa").rename({"kappa": "sigma_index"}))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "missing"])
def test_unreadable_file_exit_2_without_traceback(tmp_path, cubes, attrs, damage, capsys):
    good = tmp_path / "good.nc"
    bad = tmp_path / "bad.nc"
    write_dataset(cubes["morse"][0], good, attrs)
    if damage == "truncated":
        data = good.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        bad.write_bytes(b"this is not a netCDF file\n" * 50)
    plot = tmp_path / "plot.png"
    if damage == "truncated":  # once through the interpreter, as a user runs it
        result = run_subprocess("diff", good, bad, "--plot", plot)
        code, out, err = result.returncode, result.stdout, result.stderr
    else:
        code, out, err = run(capsys, "diff", good, bad, "--plot", plot)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("fmdecon diff: error: ")
    assert err.count("\n") == 1
    assert str(bad) in err
    assert not plot.exists()
    expected = {"good.nc"} if damage == "missing" else {"good.nc", "bad.nc"}
    assert {p.name for p in tmp_path.iterdir()} == expected  # no plot, no temporary file


def test_usage_errors(morse_pair, tmp_path, capsys):
    old, new = morse_pair()
    assert run(capsys, "diff", old, new, "--rtol", "-1")[0] == 2
    assert run(capsys, "diff", old, new, "--format", "yaml")[0] == 2
    code, _, err = run(capsys, "diff", old, tmp_path)
    assert code == 2
    assert "one is a directory" in err
    code, _, err = run(capsys, "diff", old, new, "--plot", tmp_path / "cod.xyz")
    assert code == 2
    assert "unsupported image format 'xyz'" in err
    code, _, err = run(capsys, "diff", old, new, "--output", tmp_path / "no" / "r.txt")
    assert code == 2
    assert "does not exist" in err
    assert run(capsys)[0] == 2  # no subcommand


def test_error_writes_no_output_file(morse_pair, tmp_path, capsys):
    old, _ = morse_pair()
    output = tmp_path / "report.md"
    code, out, _ = run(capsys, "diff", old, tmp_path / "absent.nc", "-o", output)
    assert code == 2
    assert out == ""
    assert not output.exists()


# --------------------------------------------------------------------------------------------
# Directories, formats, plot
# --------------------------------------------------------------------------------------------


def test_directory_mode_file_missing_on_one_side(tmp_path, cubes, attrs, capsys):
    old = write_results(tmp_path / "old", cubes, attrs)
    new = write_results(tmp_path / "new", cubes, attrs, skip={"curves/lennard_jones.nc"})
    code, out, _ = run(capsys, "diff", old, new)
    assert code == 1
    assert "files only in old: curves/lennard_jones.nc" in out
    for name in ("metrics/morse.nc", "metrics/lennard_jones.nc", "curves/morse.nc"):
        assert f"{name} (law " in out
    assert "result: differs (0 of 3 files differ, 1 file only in old)" in out

    # identical directories; a flat metrics directory against a results directory
    assert run(capsys, "diff", old, old)[0] == 0
    report = diff_paths(old, new / "metrics")
    assert report.equal
    assert len(report.files) == 2
    assert "compared with metrics/" in report.note


def test_empty_directory_is_an_error(tmp_path, capsys):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    code, _, err = run(capsys, "diff", tmp_path / "a", tmp_path / "b")
    assert code == 2
    assert "no netCDF files" in err


def test_json_markdown_and_output_file(morse_pair, tmp_path, capsys):
    old, new = morse_pair(perturb)
    code, out, _ = run(capsys, "diff", old, new, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["equal"] is False
    assert report["files"][0]["provenance"] == []

    code, out, _ = run(capsys, "diff", old, new, "--format", "markdown")
    assert code == 1
    assert "| variable | units | compared | differing | max abs diff | max rel diff |" in out
    assert "| --- |" in out
    assert "| morse | matrix | 4.25 |" in out

    output = tmp_path / "report.md"
    code, out, _ = run(capsys, "diff", old, new, "--format", "markdown", "-o", output)
    assert (code, out) == (1, "")
    assert output.read_text(encoding="utf-8").startswith("# fmdecon diff")
    assert [p.name for p in tmp_path.glob(".*tmp")] == []


def test_plot_writes_png(tmp_path, cubes, attrs, capsys):
    old = write_results(tmp_path / "old", cubes, attrs)
    changed = {law: (perturb(cube.copy(deep=True), 0.99) if law == "morse" else cube, curves)
               for law, (cube, curves) in cubes.items()}  # fmt: skip
    new = write_results(tmp_path / "new", changed, attrs)
    plot = tmp_path / "cod.png"
    code, _, err = run(capsys, "diff", old, new, "--plot", plot)
    assert code == 1, err
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cod.png", "new", "old"]


def test_plot_needs_cod(cubes, tmp_path):
    curves = cubes["morse"][1]
    with pytest.raises(DiffError, match="nothing to plot"):
        plot_diff(diff_datasets(curves, curves), tmp_path / "x.png")


def test_subprocess_exit_codes(morse_pair):
    old, new = morse_pair(perturb)
    result = run_subprocess("diff", old, new)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cod: 1 of 16 values differ" in result.stdout


# --------------------------------------------------------------------------------------------
# validate, --version
# --------------------------------------------------------------------------------------------


def test_validate(tmp_path, capsys):
    code, out, _ = run(capsys, "validate", ROOT / "config" / "quick.yaml")
    assert code == 0
    assert out.startswith("ok: quick ")

    bad = tmp_path / "bad.yaml"
    config = load_config(ROOT / "config" / "quick.yaml")
    broken = copy.deepcopy(config)
    broken["grid"]["points"] = "many"
    bad.write_text(json.dumps(broken), encoding="utf-8")  # JSON is YAML
    code, out, err = run(capsys, "validate", bad)
    assert code == 2
    assert out == ""
    assert "grid.points" in err
    assert str(bad) in err
    assert run(capsys, "validate", tmp_path / "absent.yaml")[0] == 2


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("fmdecon ")


def test_diff_modules_import_one_way():
    """model at the bottom, no circle (lazy imports count), no private name across modules."""
    import ast

    package = ROOT / "src" / "fmdecon" / "diff"
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    imports: dict[str, set[str]] = {}
    for name in modules:
        imports[name] = set()
        for node in ast.walk(ast.parse((package / f"{name}.py").read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fmdecon.diff"):
                parts = node.module.split(".")
                targets = parts[2:3] or [a.name for a in node.names if a.name in modules]
                imports[name] |= set(targets) & modules
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{name} imports the private {private} of {node.module}"
    assert imports["model"] == set()

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(
            m == target or (m not in seen and reaches(m, target, seen | {m}))
            for m in imports[start]
        )

    circles = sorted(name for name in modules if reaches(name, name))
    assert not circles, f"circle of imports through {circles}: {imports}"
