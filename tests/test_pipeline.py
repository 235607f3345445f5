"""The Snakemake pipeline on the small study (config/quick.yaml), run as a user runs it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

import fmdecon
from fmdecon.figures import available
from fmdecon.study.config import load_config
from fmdecon.study.provenance import source_hash

pytestmark = pytest.mark.pipeline

REPO = Path(__file__).resolve().parents[1]
QUICK = REPO / "config" / "quick.yaml"
BIN = Path(sys.executable).parent


ENV = os.environ | {"PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def snakemake_command(workdir: Path, configfile: Path, *args: str) -> list[str]:
    """Snakemake as a user runs it, with the repository's Snakefile, in ``workdir``."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "2",
        *args,
        "--configfile",  # takes several values: always last
        str(configfile),
    ]


def snakemake(workdir: Path, configfile: Path, *args: str, timeout: float = 600):
    """Run Snakemake (see :func:`snakemake_command`) and capture its output."""
    return subprocess.run(
        snakemake_command(workdir, configfile, *args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        check=False,
    )


def write_config(path: Path, config: dict) -> Path:
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def data_variables(path: Path) -> xr.Dataset:
    with xr.open_dataset(path) as dataset:
        return dataset.load().drop_attrs()


BASELINE = REPO / "tests" / "data" / "quick"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> Path:
    """The quick study, diffed by the pipeline against the committed regression baseline."""
    workdir = tmp_path_factory.mktemp("quick")
    config = yaml.safe_load(QUICK.read_text())
    config["baseline"] = str(BASELINE)
    result = snakemake(workdir, write_config(workdir / "quick.yaml", config))
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir


@pytest.fixture(scope="module")
def quick_config() -> dict:
    return load_config(QUICK)


def test_cube_dimensions_units_and_provenance(quick_run, quick_config):
    results = quick_run / "results" / "quick"
    morse = xr.open_dataset(results / "metrics" / "morse.nc")
    assert morse["cod"].dims == ("deconvolution", "kappa", "amplitude")
    assert list(morse["deconvolution"].values) == quick_config["methods"]
    assert morse.sizes == {"deconvolution": 4, "kappa": 2, "amplitude": 40}
    np.testing.assert_allclose(morse["kappa"], [4.25e9, 8.0e9])
    np.testing.assert_allclose(morse["amplitude"], np.geomspace(10e-12, 1e-9, 40))
    units = {name: morse[name].attrs.get("units") for name in morse.variables}
    assert units["amplitude"] == "m"
    assert units["kappa"] == "1/m"
    assert units["cod"] == "1"
    assert units["delta_f_min"] == "N"
    assert units["delta_z_min"] == "m"
    assert units["a_over_d"] == "1"
    for name in ("cod", "delta_f_min", "delta_z_min", "amplitude", "a_over_d"):
        assert morse[name].attrs["long_name"]
    step = (5e-9 - 0.23e-9) / 999
    np.testing.assert_allclose(morse["a_over_d"], morse["amplitude"] / step, rtol=1e-12)
    assert float(morse["grid_step"]) == pytest.approx(step, rel=1e-15)
    assert morse["grid_step"].attrs["units"] == "m"
    attrs = morse.attrs
    assert attrs["Conventions"].startswith("CF-")
    assert attrs["fmdecon_version"] == fmdecon.__version__
    assert attrs["fmdecon_source_hash"] == source_hash()
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", attrs["git_commit"])
    assert attrs["git_dirty"] in {"true", "false", "unknown"}
    # the cube records what its numbers depend on: the study reduced to its law
    keys = ("study", "sensor", "grid", "amplitudes", "methods", "chunking", "curves")
    expected = {key: quick_config[key] for key in keys} | {
        "laws": {"morse": quick_config["laws"]["morse"]}
    }
    assert json.loads(attrs["config"]) == expected
    versions = json.loads(attrs["package_versions"])
    assert {"numpy", "scipy", "xarray", "netCDF4", "snakemake"} <= set(versions)
    assert attrs["rule"] == "snakemake rule merge_metrics"

    lj = xr.open_dataset(results / "metrics" / "lennard_jones.nc")
    assert lj["cod"].dims == ("deconvolution", "amplitude")
    assert float(lj["sigma"]) == pytest.approx(0.235e-9)


@pytest.mark.parametrize(
    ("law", "at", "index"),
    [("morse", {"kappa": 8.0e9}, 0), ("morse", {"kappa": 4.25e9}, 17), ("lennard_jones", {}, 39)],
)
def test_cube_values_equal_the_library_called_directly(quick_run, law, at, index):
    cube = xr.open_dataset(quick_run / "results" / "quick" / "metrics" / f"{law}.nc")
    amplitude = float(cube["amplitude"][index])
    z = np.linspace(0.23e-9, 5e-9, 1000)
    if law == "morse":
        model = fmdecon.Morse(at["kappa"], 0.235e-9, 0.371e-18)
        cube = cube.sel(kappa=at["kappa"])
    else:
        model = fmdecon.LennardJones(0.235e-9, 0.371e-18)
    df = model.frequency_shift(z, amplitude, 1800.0, 32768.0)
    for method in cube["deconvolution"].to_numpy():
        force = fmdecon.deconvolve(method, z, df, amplitude, 1800.0, 32768.0)
        point = cube.sel(deconvolution=method).isel(amplitude=index)
        expected_df, expected_dz = fmdecon.force_minimum_deviation(z, model.force(z), force)
        assert float(point["cod"]) == pytest.approx(fmdecon.cod(model.force(z), force), rel=1e-12)
        assert float(point["delta_f_min"]) == pytest.approx(expected_df, rel=1e-12)
        assert float(point["delta_z_min"]) == pytest.approx(expected_dz, rel=1e-12, abs=1e-24)


def test_curves_at_marked_amplitudes(quick_run):
    curves = xr.open_dataset(quick_run / "results" / "quick" / "curves" / "morse.nc")
    assert curves["force_deconvolved"].dims == ("deconvolution", "amplitude", "z")
    assert float(curves["kappa"]) == pytest.approx(4.25e9)
    np.testing.assert_allclose(curves["amplitude_nominal"], [12.8e-12, 137e-12, 352e-12])
    grid = np.geomspace(10e-12, 1e-9, 40)
    for nominal, used in zip(
        curves["amplitude_nominal"].values, curves["amplitude"].values, strict=True
    ):
        assert used == grid[np.argmin(np.abs(np.log(grid / nominal)))]
    np.testing.assert_array_equal(
        curves["residual"], curves["force_deconvolved"] - curves["force_model"]
    )


def test_every_figure_and_the_comparison_table_are_written(quick_run, quick_config):
    results = quick_run / "results" / "quick"
    stems = available(quick_config)
    assert "fig2_morse_cod" in stems
    assert "fig9_kappa_scaling" in stems
    for stem in stems:
        for ext in ("png", "pdf"):
            path = results / "figures" / f"{stem}.{ext}"
            assert path.stat().st_size > 10_000, path
        assert (results / "figures" / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = (results / "paper_comparison.md").read_text()
    assert "| quantity" in table.lower() or "|quantity" in table.lower()
    assert "137" in table


def test_benchmark_and_log_files(quick_run):
    results = quick_run / "results" / "quick"
    benchmarks = list((results / "benchmarks" / "deconvolve").rglob("*.tsv"))
    # 2 blocks of amplitudes for each law; the 2 Morse points in one job (points_per_job: 2)
    assert len(benchmarks) == 4
    header = benchmarks[0].read_text().splitlines()[0].split("\t")
    assert {"s", "max_rss"} <= set(header)
    assert list((results / "logs").rglob("*.log"))


def test_numbers_equal_the_regression_baseline(quick_run):
    """Fails when numerical output changes beyond 1e-12 relative (refresh: make baseline)."""
    from fmdecon.diff import diff_datasets
    from fmdecon.diff.report import render_text
    from fmdecon.study import open_dataset

    new = quick_run / "results" / "quick"
    files = sorted(p.relative_to(BASELINE) for p in BASELINE.rglob("*.nc"))
    assert len(files) == 4
    for name in files:
        old_data, new_data = open_dataset(BASELINE / name), open_dataset(new / name)
        # `residual` is F_dec - F_model (checked exactly in test_curves_at_marked_amplitudes);
        # its cancellation near zero crossings turns rounding into large relative changes
        old_data = old_data.drop_vars("residual", errors="ignore")
        new_data = new_data.drop_vars("residual", errors="ignore")
        report = diff_datasets(old_data, new_data, rtol=1e-12, atol=0.0, name=str(name))
        assert report.equal, render_text(report)
    written = (quick_run / "results" / "quick" / "diff" / "baseline.md").read_text()
    assert "metrics/morse.nc" in written
    assert "result:" in written


def test_second_run_has_nothing_to_do(quick_run):
    result = snakemake(quick_run, quick_run / "quick.yaml", "--dry-run")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Nothing to be done" in result.stdout + result.stderr


def test_every_rule_reruns_when_the_library_changes():
    """Snakemake only watches scripts: each rule must carry the library hash as a param."""
    rules = "\n".join(p.read_text() for p in sorted((REPO / "workflow" / "rules").glob("*.smk")))
    blocks = re.split(r"\n(?=\s*rule[ :])", rules)  # a rule may sit inside an `if` or a loop
    rule_blocks = [b.strip() for b in blocks if re.match(r"rule[ :]", b.strip())]
    assert len(rule_blocks) >= 7
    for block in rule_blocks:
        named = re.search(r"name:\s*(\S+)", block)  # `rule:` with a `name:` in a loop
        name = named.group(1) if block.startswith("rule:") and named else block.split()[1]
        assert "script:" in block, name
        assert "fmdecon=LIBRARY" in block, f"rule {name} does not pass the library hash"
        assert "conda:" in block, name
        assert "log:" in block, name


def test_html_report_has_every_figure(quick_run, quick_config):
    report = quick_run / "report.html"
    result = snakemake(quick_run, quick_run / "quick.yaml", "--report", str(report), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    text = report.read_text(errors="replace")
    for stem in available(quick_config):
        assert stem in text


def test_lint_is_clean(tmp_path):
    result = snakemake(tmp_path, QUICK, "--lint")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakefmt_check():
    snakefmt = BIN / "snakefmt"
    if not snakefmt.exists():
        pytest.skip("snakefmt is not installed in this environment")
    result = subprocess.run(
        [str(snakefmt), "--check", "Snakefile", "workflow"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=ENV,  # snakefmt runs shfmt from the environment's bin/
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _bad(change):
    config = yaml.safe_load(QUICK.read_text())
    change(config)
    return config


BAD_CONFIGS = {
    "wrong type": (
        _bad(lambda c: c["grid"].update(points="many")),
        ["grid.points", "many"],
    ),
    "negative amplitude": (
        _bad(lambda c: c["amplitudes"].update(min=-1.0e-11)),
        ["amplitudes.min", "-1e-11"],
    ),
    "z_min >= z_max": (
        _bad(lambda c: c["grid"].update(z_min=6.0e-9)),
        ["grid.z_min", "6e-09", "grid.z_max"],
    ),
    "unknown force law": (
        _bad(lambda c: c["laws"].update(yukawa={"sigma": 1.0e-10})),
        ["laws.yukawa", "unknown force law"],
    ),
    "unknown method": (
        _bad(lambda c: c.update(methods=["sader_jarvis", "magic"])),
        ["methods[1]", "magic"],
    ),
    "missing key": (
        _bad(lambda c: c["sensor"].pop("k")),
        ["sensor.k", "missing"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_stops_before_any_job(tmp_path, case):
    config, expected = BAD_CONFIGS[case]
    configfile = write_config(tmp_path / "bad.yaml", config)
    workdir = tmp_path / "run"
    workdir.mkdir()
    result = snakemake(workdir, configfile)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    for text in expected:
        assert text in output, output
    assert "Traceback" not in output
    assert not (workdir / "results").exists()


def test_chunking_does_not_change_the_cube(quick_run, tmp_path):
    config = yaml.safe_load(QUICK.read_text())
    config["chunking"] = {"amplitudes_per_job": 7}
    configfile = write_config(tmp_path / "chunked.yaml", config)
    targets = ["results/quick/metrics/morse.nc", "results/quick/metrics/lennard_jones.nc"]
    result = snakemake(tmp_path, configfile, *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(list((tmp_path / "results" / "quick" / "deconvolve" / "morse").glob("*.nc"))) == 12
    for law in ("morse", "lennard_jones"):
        chunked = data_variables(tmp_path / "results" / "quick" / "metrics" / f"{law}.nc")
        reference = data_variables(quick_run / "results" / "quick" / "metrics" / f"{law}.nc")
        xr.testing.assert_identical(chunked, reference)


def test_killed_run_resumes_to_identical_data(quick_run, tmp_path):
    """SIGKILL the whole run mid-way, rerun: it completes with the same data as a clean run."""
    targets = ["results/quick/metrics/morse.nc", "results/quick/metrics/lennard_jones.nc"]
    command = snakemake_command(tmp_path, QUICK, *targets)
    process = subprocess.Popen(
        command,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    chunks = tmp_path / "results" / "quick" / "deconvolve"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(chunks.rglob("*.nc")):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)  # Snakemake and its running jobs, without warning
    process.wait()
    assert not (tmp_path / "results" / "quick" / "metrics" / "morse.nc").exists()

    unlock = snakemake(tmp_path, QUICK, "--unlock")
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    result = snakemake(tmp_path, QUICK, *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    for law in ("morse", "lennard_jones"):
        resumed = data_variables(tmp_path / "results" / "quick" / "metrics" / f"{law}.nc")
        clean = data_variables(quick_run / "results" / "quick" / "metrics" / f"{law}.nc")
        xr.testing.assert_identical(resumed, clean)
    leftovers = [p for p in (tmp_path / "results").rglob(".*.tmp")]
    assert not leftovers


def test_library_sweep_with_two_listed_parameters_has_both_dimensions():
    from fmdecon.study import Study, deconvolve_chunk, merge, simulate
    from fmdecon.study.config import validate_config

    config = yaml.safe_load(QUICK.read_text())
    config["laws"] = {
        "morse": {
            "kappa": [4.0e9, 8.0e9],
            "sigma": [0.2e-9, 0.235e-9, 0.3e-9],
            "bond_energy": 0.371e-18,
        }
    }
    config["sensor"]["k"] = [1800.0, 3600.0]
    config["grid"]["points"] = 400
    config["amplitudes"] = {"min": 20.0e-12, "max": 200.0e-12, "count": 3}
    config["figures"] = {}
    study = Study(validate_config(config))
    chunks = [
        deconvolve_chunk(simulate(study, "morse", p, b), study.methods)
        for p, b in study.chunks("morse")
    ]
    cube = merge(study, "morse", chunks)
    assert cube["cod"].dims == ("deconvolution", "kappa", "sigma", "k", "amplitude")
    assert cube["cod"].shape == (4, 2, 3, 2, 3)
    assert not np.isnan(cube["cod"]).any()
    # k and f0 are linear factors (Welker): the cube must not depend on k
    np.testing.assert_allclose(cube["cod"].sel(k=1800.0), cube["cod"].sel(k=3600.0), rtol=1e-9)
    # a point of the cube equals a direct computation at that point
    z = np.linspace(0.23e-9, 5e-9, 400)
    model = fmdecon.Morse(8.0e9, 0.3e-9, 0.371e-18)
    amplitude = float(cube["amplitude"][1])
    force = fmdecon.sader_jarvis(
        z, model.frequency_shift(z, amplitude, 3600.0, 32768.0), amplitude, 3600.0, 32768.0
    )
    expected = fmdecon.cod(model.force(z), force)
    got = cube["cod"].sel(deconvolution="sader_jarvis", kappa=8.0e9, sigma=0.3e-9, k=3600.0)[1]
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_store_all_keeps_every_curve(tmp_path):
    config = yaml.safe_load(QUICK.read_text())
    config["curves"] = {"store_all": True}
    config["laws"] = {"lennard_jones": config["laws"]["lennard_jones"]}
    config["figures"] = {}
    config["amplitudes"]["count"] = 6
    configfile = write_config(tmp_path / "all.yaml", config)
    result = snakemake(tmp_path, configfile, "results/quick/metrics/lennard_jones.nc")
    assert result.returncode == 0, result.stderr[-3000:]
    from fmdecon.study.cube import open_groups

    kept = list((tmp_path / "results" / "quick" / "deconvolve").rglob("*.nc"))
    assert kept
    for chunk in open_groups(kept[0]).values():  # one group per parameter point
        assert chunk["force_deconvolved"].dims == ("deconvolution", "amplitude", "z")
    assert list((tmp_path / "results" / "quick" / "simulate").rglob("*.nc"))


def test_results_are_git_ignored():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(
        ["git", "check-ignore", "results/paper/metrics/morse.nc"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0


def test_corrupted_baseline_cube_fails_clearly_and_leaves_no_report(quick_run, tmp_path):
    """Runs last: it re-runs only the diff rule of the quick study against a broken baseline."""
    broken = tmp_path / "baseline"
    shutil.copytree(BASELINE, broken)
    cube = broken / "metrics" / "morse.nc"
    cube.write_bytes(cube.read_bytes()[: cube.stat().st_size // 2])  # truncated
    config = yaml.safe_load(QUICK.read_text())
    config["baseline"] = str(broken)
    configfile = write_config(tmp_path / "broken.yaml", config)
    result = snakemake(quick_run, configfile, "results/quick/diff/baseline.md")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert f"cannot read {cube}" in output, output[-3000:]
    assert not (quick_run / "results" / "quick" / "diff" / "baseline.md").exists()
    ran = re.findall(r"rule (\w+):", output)
    assert set(ran) <= {"diff_baseline"}, ran  # nothing else reran


def test_two_clean_runs_give_identical_data(quick_run, tmp_path):
    """Same inputs, same data: every netCDF of a second clean run equals the first one's
    (global attributes such as the creation time aside)."""
    targets = [
        f"results/quick/{kind}/{law}.nc"
        for kind in ("metrics", "curves")
        for law in ("morse", "lennard_jones")
    ]
    result = snakemake(tmp_path, QUICK, *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    for target in targets:
        xr.testing.assert_identical(
            data_variables(tmp_path / target), data_variables(quick_run / target)
        )
