"""Zarr storage (fmdecon.study.store): the store written region by region equals the merged
netCDF cube bit for bit, whatever the chunking; a half-written region is rewritten."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from fmdecon.study.compute import deconvolve_chunk, merge, simulate_group
from fmdecon.study.config import ConfigError, validate_config
from fmdecon.study.cube import open_dataset, write_dataset
from fmdecon.study.store import cube_template, init_store, open_cube, write_region
from fmdecon.study.sweep import Study, aligned_group_sizes

REPO = Path(__file__).resolve().parents[1]
PROVENANCE = {"config": "{}", "fmdecon_version": "test"}


def _config(
    points_per_job: int, amplitudes_per_job: int, noise: bool = False, single: bool = False
) -> dict:
    config = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    config |= {
        "study": "store",
        "storage": "zarr",
        "grid": {"z_min": 0.23e-9, "z_max": 5.0e-9, "points": [300, 400]},
        "amplitudes": {"min": 50.0e-12, "max": 1.0e-9, "count": 7},
        "methods": ["sader_jarvis", "matrix"],
        "chunking": {"points_per_job": points_per_job, "amplitudes_per_job": amplitudes_per_job},
        "figures": {},
    }
    config["laws"] = {
        "morse": {"kappa": [4.25e9, 8.0e9], "sigma": [0.235e-9, 0.3e-9], "bond_energy": 0.371e-18},
        "lennard_jones": {"sigma": 0.235e-9, "bond_energy": 0.371e-18},
    }
    if single:  # one point: the per-point values are 0-d arrays of the store
        config["grid"]["points"] = 300
    if noise:
        config["perturbations"] = {
            "noise_rms": [0.0, 0.05],
            "realizations": 3,
            "amplitude_error": [0.0, 0.02],
            "keep_realizations": True,
        }
    return validate_config(config)


def _chunks(study: Study, law: str) -> dict[tuple[int, int], list[xr.Dataset]]:
    """Every job's per-point results, computed as the deconvolve rule computes them."""
    methods, perturbations = study.methods, study.perturbations
    return {
        (g, b): [
            deconvolve_chunk(simulated, methods, False, perturbations)
            for simulated in simulate_group(study, law, g, b).values()
        ]
        for g, b in study.jobs(law)
    }


def _netcdf(study: Study, law: str, jobs, tmp_path: Path) -> xr.Dataset:
    cube = merge(study, law, [c for chunks in jobs.values() for c in chunks])
    path = tmp_path / f"{law}.nc"
    write_dataset(cube, path, PROVENANCE)
    return open_dataset(path)


def _zarr(study: Study, law: str, jobs, tmp_path: Path, order=None) -> Path:
    path = tmp_path / f"{law}.zarr"
    init_store(study, law, path, PROVENANCE)
    for key in order or list(jobs):
        write_region(study, law, *key, jobs[key], path)
    return path


def assert_bit_identical(zarr_cube: xr.Dataset, netcdf_cube: xr.Dataset) -> None:
    loaded = zarr_cube.load()
    xr.testing.assert_identical(loaded, netcdf_cube)
    for name in netcdf_cube.variables:
        a, b = loaded[name].to_numpy(), netcdf_cube[name].to_numpy()
        if a.dtype.kind == "f":
            assert a.tobytes() == b.tobytes(), name  # the same bits, NaN included


@pytest.mark.parametrize("noise", [False, True], ids=["exact", "perturbed"])
@pytest.mark.parametrize(("per_job", "per_block"), [(1, 7), (4, 3), (2, 2)])
def test_zarr_store_is_the_merged_cube(tmp_path, noise, per_job, per_block):
    study = Study(_config(per_job, per_block, noise))
    for law in study.laws:
        jobs = _chunks(study, law)
        reverse = list(reversed(list(jobs)))  # any order of the jobs
        store = _zarr(study, law, jobs, tmp_path, order=reverse)
        assert_bit_identical(open_cube(store), _netcdf(study, law, jobs, tmp_path))


@pytest.mark.parametrize("noise", [False, True], ids=["exact", "perturbed"])
def test_law_of_one_point(tmp_path, noise):
    study = Study(_config(1, 4, noise, single=True))
    assert study.laws["lennard_jones"].n_points == 1
    jobs = _chunks(study, "lennard_jones")
    store = _zarr(study, "lennard_jones", jobs, tmp_path)
    assert_bit_identical(open_cube(store), _netcdf(study, "lennard_jones", jobs, tmp_path))


def test_template_has_the_merged_layout(tmp_path):
    study = Study(_config(2, 3, noise=True))
    jobs = _chunks(study, "morse")
    cube = merge(study, "morse", [c for chunks in jobs.values() for c in chunks])
    template = cube_template(study, "morse")
    assert list(template.data_vars) == list(cube.data_vars)
    for name in cube.variables:
        assert template[name].dims == cube[name].dims, name
        assert template[name].attrs == cube[name].attrs, name
    assert template.attrs == cube.attrs


def test_zarr_chunks_are_the_jobs_regions(tmp_path):
    study = Study(_config(2, 3))
    store = _zarr(study, "morse", _chunks(study, "morse"), tmp_path)
    cube = open_cube(store)
    # (deconvolution, kappa, sigma, points, amplitude): a group is 2 grid sizes of one point
    assert cube["cod"].encoding["chunks"] == (2, 1, 1, 2, 3)
    assert cube["force_min_model"].encoding["chunks"] == (1, 1, 2)
    assert cube["cod"].chunks is not None  # dask-backed: read on demand


def test_unwritten_regions_read_as_nan(tmp_path):
    study = Study(_config(2, 3))
    jobs = _chunks(study, "morse")
    store = _zarr(study, "morse", jobs, tmp_path, order=[(0, 0)])
    cube = open_cube(store).load()
    region = study.group_region("morse", 0)
    written = cube["cod"].isel(region).isel(amplitude=slice(0, 3))
    assert np.isfinite(written.to_numpy()).all()
    assert np.isnan(cube["cod"].isel(amplitude=slice(3, None)).to_numpy()).all()


def test_half_written_region_is_rewritten(tmp_path):
    """A job killed after writing part of its region: the rerun writes the region whole."""
    study = Study(_config(2, 3))
    jobs = _chunks(study, "morse")
    store = _zarr(study, "morse", jobs, tmp_path)
    expected = open_cube(store).load()
    # the killed attempt: garbage in one variable of region (1, 1), another left unwritten
    region = study.group_region("morse", 1) | {"amplitude": slice(3, 6)}
    garbage = open_cube(store)[["cod"]].isel(region).load() * 0 + 123.0
    garbage.drop_vars(list(garbage.coords)).to_zarr(store, region=region, mode="r+")
    assert float(open_cube(store)["cod"].isel(region).max()) == 123.0
    write_region(study, "morse", 1, 1, jobs[(1, 1)], store)
    xr.testing.assert_identical(open_cube(store).load(), expected)


def test_region_refuses_foreign_chunks(tmp_path):
    study = Study(_config(2, 3))
    jobs = _chunks(study, "morse")
    store = _zarr(study, "morse", jobs, tmp_path, order=[])
    with pytest.raises(ValueError, match="does not belong"):
        write_region(study, "morse", 0, 0, jobs[(1, 0)], store)
    with pytest.raises(ValueError, match="missing"):
        write_region(study, "morse", 0, 0, jobs[(0, 0)][:1], store)


def test_aligned_group_sizes():
    assert aligned_group_sizes((2, 2, 2)) == [1, 2, 4, 8]
    assert aligned_group_sizes((25, 20, 10, 20))[:8] == [1, 2, 4, 5, 10, 20, 40, 100]
    assert aligned_group_sizes(()) == [1]


def test_zarr_points_per_job_must_be_a_block():
    config = _config(2, 3)
    config["chunking"]["points_per_job"] = 3  # 8 points (2 x 2 x 2): 3 is not a block
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    message = str(info.value)
    assert "chunking.points_per_job = 3" in message
    assert "storage: zarr" in message
    assert "[1, 2, 4, 8]" in message


def test_target_minutes_with_zarr_picks_a_block():
    config = yaml.safe_load((REPO / "config" / "cluster.yaml").read_text())
    config["storage"] = "zarr"
    study = Study(validate_config(copy.deepcopy(config)))
    sweep = study.laws["morse"]
    per_job = study.points_per_job_of("morse")
    assert per_job in aligned_group_sizes(sweep.shape)
    study.group_region("morse", study.n_groups("morse") - 1)  # every group is a block
