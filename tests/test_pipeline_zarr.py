"""The pipeline with ``storage: zarr`` on the quick study: the stores equal the netCDF cubes
bit for bit for two chunkings, the figures and the table are the same, the baseline diff runs
on the stores, the plan counts the jobs Snakemake runs, and a chunk killed after writing part
of its region (no done marker) is rewritten on rerun."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from test_pipeline import QUICK, snakemake, write_config

from fmdecon.figures import available
from fmdecon.study.config import validate_config
from fmdecon.study.plan import plan_study
from fmdecon.study.store import open_cube
from fmdecon.study.sweep import Study

pytestmark = pytest.mark.pipeline


def _quick(**changes) -> dict:
    config = yaml.safe_load(QUICK.read_text())
    config.update(changes)
    return config


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The quick study with netCDF storage, and with zarr storage diffed against it."""
    netcdf = tmp_path_factory.mktemp("netcdf")
    result = snakemake(netcdf, write_config(netcdf / "quick.yaml", _quick()))
    assert result.returncode == 0, result.stderr[-4000:]
    zarr = tmp_path_factory.mktemp("zarr")
    baseline = str(netcdf / "results" / "quick")
    config = _quick(storage="zarr", baseline=baseline)
    result = snakemake(zarr, write_config(zarr / "quick.yaml", config))
    assert result.returncode == 0, result.stderr[-4000:]
    return {"netcdf": netcdf / "results" / "quick", "zarr": zarr / "results" / "quick"}


def assert_same_cube(store: Path, netcdf: Path) -> None:
    cube = open_cube(store)
    assert cube["cod"].chunks is not None  # opened lazily
    loaded = cube.load()
    with xr.open_dataset(netcdf) as reference:
        reference = reference.load()
    # provenance differs (the rule, the config's storage key), the numbers do not
    xr.testing.assert_identical(loaded.drop_attrs(deep=False), reference.drop_attrs(deep=False))
    for name in reference.variables:
        a, b = loaded[name].to_numpy(), reference[name].to_numpy()
        if a.dtype.kind == "f":
            assert a.tobytes() == b.tobytes(), name
    for key in ("Conventions", "fmdecon_version", "git_commit", "law", "title"):
        assert loaded.attrs[key] == reference.attrs[key], key


def test_stores_equal_the_netcdf_cubes(runs):
    for law in ("morse", "lennard_jones"):
        store = runs["zarr"] / "metrics" / f"{law}.zarr"
        assert_same_cube(store, runs["netcdf"] / "metrics" / f"{law}.nc")
        assert (runs["zarr"] / "metrics" / f"{law}.zarr.complete").is_file()
        assert not (runs["zarr"] / "metrics" / f"{law}.nc").exists()
        record = json.loads((runs["zarr"] / "metrics" / f"{law}.zarr.complete").read_text())
        assert record["chunks"] == 2


def test_figures_table_and_baseline_diff_on_stores(runs):
    for png in sorted((runs["netcdf"] / "figures").glob("*.png")):
        assert (runs["zarr"] / "figures" / png.name).read_bytes() == png.read_bytes(), png.name
    table = (runs["zarr"] / "paper_comparison.md").read_text()
    assert table == (runs["netcdf"] / "paper_comparison.md").read_text()
    report = (runs["zarr"] / "diff" / "baseline.md").read_text()
    assert "metrics/morse.nc -> metrics/morse.zarr" in report
    assert re.search(r"identical \(0 of 4 files differ", report), report[:600]


def test_plan_counts_the_jobs(runs, tmp_path):
    config = _quick(storage="zarr")
    result = snakemake(tmp_path, write_config(tmp_path / "quick.yaml", config), "-n")
    assert result.returncode == 0, result.stderr[-2000:]
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, flags=re.MULTILINE))
    counted = {}
    for rule, n in stats.items():
        if rule != "total":
            key = "figures" if rule.startswith("figures_") else rule
            counted[key] = counted.get(key, 0) + int(n)
    validated = validate_config(config)
    plan = plan_study(Study(validated), 2, available(validated))
    assert {rule: n for rule, n in plan.jobs.items() if n} == counted


def test_other_chunking_and_a_killed_chunk(runs, tmp_path):
    """One point per job and blocks of 7 amplitudes: the same cube. Then a chunk "killed"
    after writing part of its region (garbage in, marker gone) is rewritten by the rerun."""
    config = _quick(storage="zarr", chunking={"points_per_job": 1, "amplitudes_per_job": 7})
    path = write_config(tmp_path / "quick.yaml", config)
    results = tmp_path / "results" / "quick"
    laws = ("morse", "lennard_jones")
    targets = [f"results/quick/metrics/{law}.zarr.complete" for law in laws]
    result = snakemake(tmp_path, path, *targets)
    assert result.returncode == 0, result.stderr[-4000:]
    store = results / "metrics" / "morse.zarr"
    assert_same_cube(store, runs["netcdf"] / "metrics" / "morse.nc")
    # the killed attempt of chunk g0001_b0002 (kappa 8e9, amplitudes 14-20)
    region = {"kappa": slice(1, 2), "amplitude": slice(14, 21)}
    garbage = open_cube(store)[["cod", "delta_f_min"]].isel(region).load()
    garbage = (garbage * 0 + 123.0).drop_vars(list(garbage.coords))
    garbage[["cod"]].to_zarr(store, region=region | {"deconvolution": slice(None)}, mode="r+")
    # killed mid-run: its marker never written, so neither was the store's completion marker
    (results / "deconvolve" / "morse" / "g0001_b0002.done").unlink()
    (results / "metrics" / "morse.zarr.complete").unlink()
    assert float(open_cube(store)["cod"].isel(region).max()) == 123.0
    rerun = snakemake(tmp_path, path, *targets)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    ran = re.findall(r"^(?:localrule|rule) (\w+):", rerun.stdout + rerun.stderr, re.MULTILINE)
    assert sorted(ran) == ["deconvolve", "finalize_store", "simulate"], ran
    assert_same_cube(store, runs["netcdf"] / "metrics" / "morse.nc")
    assert np.isfinite(open_cube(store)["cod"].isel(region).to_numpy()).any()
    shutil.rmtree(results / "simulate", ignore_errors=True)
