"""Noise and calibration errors as sweep dimensions (docs/physics.md sections 7-8): config
checks, reproducible noise independent of chunking, statistics against the exact noise
propagation, and the calibration relations that hold exactly."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import fmdecon
from fmdecon.study import Study, deconvolve_chunk, merge, simulate
from fmdecon.study.config import ConfigError, load_config, validate_config
from fmdecon.study.perturb import STATISTICS, Perturbations, noise

REPO = Path(__file__).resolve().parents[1]


def _config(**perturbations) -> dict:
    config = load_config(REPO / "config" / "quick.yaml")
    config["laws"] = {"morse": {"kappa": 4.25e9, "sigma": 0.235e-9, "bond_energy": 0.371e-18}}
    config["figures"] = {}
    config["grid"]["points"] = 400
    config["amplitudes"] = {"min": 20.0e-12, "max": 500.0e-12, "count": 4}
    config["chunking"] = {"amplitudes_per_job": 4, "points_per_job": 1}
    config["perturbations"] = {"noise_rms": [0.0, 0.1], "realizations": 50, "seed": 7}
    config["perturbations"].update(perturbations)
    return validate_config(config)


def _cube(config: dict) -> xr.Dataset:
    study = Study(config)
    perturbations = Perturbations.from_config(config)
    chunks = [
        deconvolve_chunk(simulate(study, "morse", p, b), study.methods, False, perturbations)
        for p, b in study.chunks("morse")
    ]
    return merge(study, "morse", chunks)


@pytest.fixture(scope="module")
def noisy() -> xr.Dataset:
    return _cube(_config())


def test_cube_layout(noisy):
    assert noisy["delta_f_min"].dims == ("deconvolution", "noise_rms", "amplitude", "statistic")
    assert list(noisy["statistic"].values) == list(STATISTICS)
    assert noisy["force_std_exact"].dims == ("deconvolution", "noise_rms", "amplitude")
    assert float(noisy["amplitude_error"]) == 0.0  # unswept: a scalar coordinate
    assert noisy["noise_rms"].attrs["units"] == "Hz"
    assert noisy.attrs["realizations"] == 50
    assert noisy.attrs["perturbation_seed"] == 7


def test_without_noise_the_statistics_collapse_to_the_exact_values(noisy):
    config = _config()
    del config["perturbations"]
    exact = _cube(config)
    for name in ("cod", "delta_f_min", "delta_z_min"):
        free = noisy[name].sel(noise_rms=0.0)
        for statistic in ("mean", "q05", "q50", "q95"):
            np.testing.assert_allclose(
                free.sel(statistic=statistic), exact[name], rtol=1e-12, atol=1e-30
            )
        np.testing.assert_array_equal(free.sel(statistic="std"), 0.0)


def test_chunking_and_reruns_give_identical_cubes(noisy):
    rechunked = _cube(_config() | {"chunking": {"amplitudes_per_job": 1, "points_per_job": 1}})
    xr.testing.assert_identical(noisy.drop_attrs(), rechunked.drop_attrs())
    xr.testing.assert_identical(noisy, _cube(_config()))


def test_noise_streams_depend_on_values_not_positions():
    point = {"kappa": 4.25e9, "points": 400}
    a = noise(7, "morse", point, 1e-10, 0.1, (3, 5))
    np.testing.assert_array_equal(a, noise(7, "morse", dict(point), 1e-10, 0.1, (3, 5)))
    assert not np.array_equal(a, noise(8, "morse", point, 1e-10, 0.1, (3, 5)))
    assert not np.array_equal(a, noise(7, "morse", point, 2e-10, 0.1, (3, 5)))
    assert not np.array_equal(a, noise(7, "lennard_jones", point, 1e-10, 0.1, (3, 5)))
    np.testing.assert_allclose(noise(7, "morse", point, 1e-10, 0.1, (2000, 50)).std(), 0.1, 0.02)


def test_monte_carlo_spread_matches_the_exact_propagation():
    """std over realisations of F at the model minimum = force_noise, within 3 standard
    errors (relative standard error of a std from R samples: 1/sqrt(2(R-1)))."""
    cube = _cube(_config(realizations=400))
    mc = cube["force_error_at_minimum"].sel(noise_rms=0.1, statistic="std")
    exact = cube["force_std_exact"].sel(noise_rms=0.1)
    tolerance = 3.0 / np.sqrt(2 * (400 - 1))
    np.testing.assert_array_less(np.abs(mc / exact - 1.0), tolerance)
    assert float(exact.min()) > 0


def test_spring_constant_error_scales_the_force_exactly():
    """F is proportional to k: a 2 % high k makes every deconvolved force 2 % larger."""
    config = _config(noise_rms=0.0, realizations=1, k_error=[0.0, 0.02])
    cube = _cube(config)
    q50 = cube["delta_f_min"].sel(statistic="q50")
    f_min = float(cube["force_min_model"])
    base, high = q50.sel(k_error=0.0), q50.sel(k_error=0.02)
    # min F_dec(k(1+e)) = (1+e) min F_dec(k): dF_high = (1+e)(dF_base + F_min) - F_min
    np.testing.assert_allclose(high, 1.02 * (base + f_min) - f_min, rtol=1e-9)


def test_z_scale_error_moves_the_minimum_on_the_reported_axis():
    cube = _cube(_config(noise_rms=0.0, realizations=1, z_scale_error=[0.0, 0.05]))
    dz = cube["delta_z_min"].sel(statistic="q50", deconvolution="matrix_exact")
    z_min = float(cube["z_min_model"])
    expected = 0.05 * (z_min - 0.23e-9)  # the reported grid stretches from z_1
    assert float(abs(dz.sel(z_scale_error=0.05).mean() - expected)) < 3 * float(cube.grid_step)


def test_keep_realizations_keeps_every_draw():
    cube = _cube(_config(realizations=5, keep_realizations=True))
    kept = cube["delta_f_min_realizations"]
    assert kept.dims == ("deconvolution", "noise_rms", "amplitude", "realization")
    np.testing.assert_allclose(
        kept.mean("realization"), cube["delta_f_min"].sel(statistic="mean"), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"noise_rms": [-0.1]}, ["perturbations.noise_rms[0]", "-0.1"]),
        ({"realizations": 0}, ["perturbations.realizations", "0"]),
        ({"amplitude_error": 1.0}, ["perturbations.amplitude_error", "1"]),
        ({"z_scale_error": [0.0, -1.5]}, ["perturbations.z_scale_error[1]", "-1.5"]),
        ({"seed": 1.5}, ["perturbations.seed", "1.5"]),
        ({"seed": "abc"}, ["perturbations.seed", "abc"]),
        (
            {"realizations": 100_000, "keep_realizations": True},
            ["perturbations.keep_realizations", "limit"],
        ),
    ],
)
def test_bad_perturbations_are_rejected_naming_key_and_value(change, expected):
    config = copy.deepcopy(load_config(REPO / "config" / "quick.yaml"))
    config["perturbations"] = {"noise_rms": [0.1]} | change
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    for text in expected:
        assert text in str(info.value), str(info.value)
    assert all("\n" not in problem for problem in info.value.problems)


def test_shipped_noise_and_calibration_studies_are_valid():
    for name, size in (("noise", 801_000), ("calibration", 60_000)):  # noisy + noise-free
        config = load_config(REPO / "config" / f"{name}.yaml")
        study = Study(config)
        perturbations = Perturbations.from_config(config)
        noisy_levels = sum(level > 0 for level in perturbations.noise_rms)
        per_curve = (
            (
                noisy_levels * perturbations.realizations
                + (len(perturbations.noise_rms) - noisy_levels)
            )
            * len(perturbations.combinations())
            // len(perturbations.noise_rms)
        )
        total = per_curve * study.amplitudes.size * len(study.methods) * len(study.laws)
        assert total == size, (name, total)
    assert fmdecon.METHODS
