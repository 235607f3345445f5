"""Study configuration: the shipped configs are valid; bad ones are rejected, naming key and value.

The Snakefile runs exactly :func:`fmdecon.config.validate_config` before any job
(tests/test_pipeline.py checks that path end to end for a few of these cases).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from fmdecon.study.config import ConfigError, amplitudes, load_config, validate_config
from fmdecon.study.summary import study_summary

REPO = Path(__file__).resolve().parents[1]
QUICK = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())


SHIPPED = sorted(p.name for p in (REPO / "config").glob("*.yaml") if p.name != "schema.yaml")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_are_valid(name):
    config = load_config(REPO / "config" / name)
    assert config["methods"]
    assert config["chunking"]["amplitudes_per_job"] >= 1
    # the captions' phrases too (the Snakefile builds them at parse time): a study may hold
    # no published method at all (config/regularized.yaml)
    summary = study_summary(config)
    assert summary["methods"]
    assert summary["paper_methods"] == "none" or summary["paper_methods"]


def test_paper_config_is_the_paper_study():
    config = load_config(REPO / "config" / "config.yaml")
    assert config["sensor"] == {"k": 1800.0, "f0": 32768.0}
    assert config["grid"] == {"z_min": 0.23e-9, "z_max": 5.0e-9, "points": 5000}
    np.testing.assert_allclose(amplitudes(config["amplitudes"]), np.geomspace(10e-12, 1e-9, 500))
    assert config["laws"]["morse"]["kappa"] == [2e9, 4e9, 4.25e9, 6e9, 8e9, 10e9]
    assert config["laws"]["morse"]["sigma"] == 0.235e-9
    assert config["laws"]["morse"]["bond_energy"] == 0.371e-18
    assert config["laws"]["lennard_jones"] == {"sigma": 0.235e-9, "bond_energy": 0.371e-18}
    # the paper's two methods first, then the two beyond the paper (docs/physics.md section 6)
    assert config["methods"] == ["sader_jarvis", "matrix", "matrix_resampled", "matrix_exact"]


def test_defaults_are_filled():
    config = copy.deepcopy(QUICK)
    for key in ("methods", "figures", "chunking", "baseline", "description"):
        config.pop(key, None)
    validated = validate_config(config)
    assert validated["methods"] == ["sader_jarvis", "matrix"]
    assert validated["chunking"] == {"amplitudes_per_job": 500, "points_per_job": 1}
    assert validated["curves"] == {"store_all": False}
    assert validated["baseline"] is None
    assert validated["diff"] == {"rtol": 1e-12, "atol": 0.0}
    assert config.get("curves") is None  # the input is not modified


def test_amplitude_ranges_join_and_sort():
    spec = [
        {"values": [5e-11, 1e-11]},
        {"min": 1e-11, "max": 1e-10, "count": 2, "spacing": "linear"},
    ]
    np.testing.assert_allclose(amplitudes(spec), [1e-11, 5e-11, 1e-10])


def _set(path: str, value):
    def change(config):
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _drop(path: str):
    def change(config):
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        del node[last]

    return change


# case -> (change to the quick config, texts the message must contain: key and value)
BAD = {
    "k is text": (_set("sensor.k", "stiff"), ["sensor.k", "stiff"]),
    "k negative": (_set("sensor.k", -1800.0), ["sensor.k", "-1800"]),
    "f0 zero": (_set("sensor.f0", 0), ["sensor.f0", "0"]),
    "f0 list with a bad item": (_set("sensor.f0", [32768.0, -1.0]), ["sensor.f0[1]", "-1"]),
    "number written as text": (_set("grid.z_min", "0.23e-9"), ["grid.z_min", "0.23e-9", "YAML"]),
    "too few points": (_set("grid.points", 3), ["grid.points", "3", "minimum"]),
    "points not an integer": (_set("grid.points", 1000.5), ["grid.points", "1000.5"]),
    "z_min >= z_max": (_set("grid.z_min", 6.0e-9), ["grid.z_min", "6e-09", "grid.z_max"]),
    "z_min negative": (_set("grid.z_min", -1.0e-10), ["grid.z_min", "-1e-10"]),
    "amplitude min >= max": (_set("amplitudes.min", 2.0e-9), ["amplitudes.min", "2e-09"]),
    "amplitude count zero": (_set("amplitudes.count", 0), ["amplitudes.count", "0"]),
    "negative amplitude": (_set("amplitudes.min", -1.0e-11), ["amplitudes.min", "-1e-11"]),
    "unknown spacing": (_set("amplitudes.spacing", "cubic"), ["amplitudes.spacing", "cubic"]),
    "values and range together": (
        _set("amplitudes.values", [1.0e-11]),
        ["amplitudes", "values"],
    ),
    "empty amplitude list": (
        _set("amplitudes", {"values": []}),
        ["amplitudes.values", "[]"],
    ),
    "z range too small for the largest amplitude": (
        _set("grid.z_max", 1.0e-9),
        ["grid", "z_max - z_min", "largest amplitude"],
    ),
    "unknown method": (_set("methods", ["sader_jarvis", "magic"]), ["methods[1]", "magic"]),
    "no methods": (_set("methods", []), ["methods", "[]"]),
    "repeated method": (_set("methods", ["matrix", "matrix"]), ["methods", "matrix"]),
    "no laws": (_set("laws", {}), ["laws", "{}"]),
    "unknown law": (_set("laws.yukawa", {"sigma": 1.0e-10}), ["laws.yukawa", "unknown force law"]),
    "misspelt parameter": (
        _set("laws.morse.kapa", 4.0e9),
        ["laws.morse.kapa", "unknown parameter"],
    ),
    "missing parameter": (_drop("laws.morse.sigma"), ["laws.morse.sigma", "missing"]),
    "empty parameter list": (_set("laws.morse.kappa", []), ["laws.morse.kappa", "[]"]),
    "repeated swept value": (
        _set("laws.morse.kappa", [4.0e9, 4.0e9]),
        ["laws.morse.kappa", "4000000000.0"],
    ),
    "missing section": (_drop("sensor"), ["sensor", "missing"]),
    "missing key": (_drop("sensor.k"), ["sensor.k", "missing"]),
    "unknown top-level key": (_set("sensors", {}), ["sensors", "unexpected"]),
    "study name escapes results/": (_set("study", "../elsewhere"), ["study", "../elsewhere"]),
    "chunk size zero": (
        _set("chunking.amplitudes_per_job", 0),
        ["chunking.amplitudes_per_job", "0"],
    ),
    "store_all as text": (_set("curves", {"store_all": "yes"}), ["curves.store_all", "yes"]),
    "figure point not swept": (
        _set("figures.morse.at", {"kappa": 5.0e9}),
        ["figures.morse.at.kappa", "5000000000.0"],
    ),
    "figure point with an unknown parameter": (
        _set("figures.morse.at", {"kapa": 4.25e9}),
        ["figures.morse.at.kapa", "unknown parameter"],
    ),
    "figure point on a grid value not swept": (
        _set("figures.morse.at", {"points": 2000}),
        ["figures.morse.at.points", "2000"],
    ),
    "figures for a law not studied": (
        _set("figures.yukawa", {"marked_amplitudes": [1.0e-11]}),
        ["figures.yukawa"],
    ),
    "negative tolerance": (_set("diff", {"rtol": -1.0}), ["diff.rtol", "-1"]),
    "baseline not a path": (_set("baseline", 3), ["baseline", "3"]),
    "baseline missing": (_set("baseline", "/no/such/results"), ["baseline", "/no/such/results"]),
    "points per job zero": (_set("chunking.points_per_job", 0), ["chunking.points_per_job", "0"]),
    "target minutes zero": (_set("chunking.target_minutes", 0), ["chunking.target_minutes", "0"]),
    "target minutes negative": (
        _set("chunking.target_minutes", -5.0),
        ["chunking.target_minutes", "-5"],
    ),
    "target minutes as text": (
        _set("chunking.target_minutes", "ten"),
        ["chunking.target_minutes", "ten"],
    ),
    "both points_per_job and target_minutes": (
        _set("chunking", {"points_per_job": 3, "target_minutes": 10.0}),
        ["chunking", "points_per_job = 3", "target_minutes = 10", "both given"],
    ),
    # plausibility: the message names the likely unit mistake, with plain numbers
    "z_min in nm": (_set("grid.z_min", 0.23), ["grid.z_min = 0.23", "in nm? 0.23 nm = 2.3e-10 m"]),
    "z_max in nm": (_set("grid.z_max", 5.0), ["grid.z_max = 5", "in nm? 5 nm = 5e-09 m"]),
    "amplitude in pm": (_set("amplitudes.max", 1000.0), ["amplitudes.max = 1000", "in pm?"]),
    "kappa in 1/nm": (
        _set("laws.morse.kappa", [4.25, 8.0]),
        ["laws.morse.kappa[0] = 4.25", "in 1/nm? 4.25 1/nm = 4.25e+09 1/m"],
    ),
    "sigma in nm": (_set("laws.morse.sigma", 0.235), ["laws.morse.sigma = 0.235", "in nm?"]),
    "bond energy in aJ": (
        _set("laws.lennard_jones.bond_energy", 0.371),
        ["laws.lennard_jones.bond_energy = 0.371", "in aJ? 0.371 aJ = 3.71e-19 J"],
    ),
    "f0 in kHz": (
        _set("sensor.f0", 32.768),
        ["sensor.f0 = 32.768", "in kHz? 32.768 kHz = 32768 Hz"],
    ),
    "k far too large": (_set("sensor.k", 1.8e6), ["sensor.k = 1.8e+06", "in mN/m?"]),
    "marked amplitude outside the sweep": (
        _set("figures.morse.marked_amplitudes", [5.0e-9]),
        ["figures.morse.marked_amplitudes[0] = 5e-09", "outside the swept amplitudes"],
    ),
}


def test_messages_print_plain_numbers():
    """No numpy reprs such as np.float64(2.3e-10) in any message."""
    for change, _ in BAD.values():
        config = copy.deepcopy(QUICK)
        change(config)
        with pytest.raises(ConfigError) as info:
            validate_config(config)
        assert "np." not in str(info.value), str(info.value)


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_is_rejected_naming_key_and_value(case):
    change, expected = BAD[case]
    config = copy.deepcopy(QUICK)
    change(config)
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    message = str(info.value)
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    assert "Traceback" not in message
    assert all("\n" not in problem for problem in info.value.problems)


def test_there_are_at_least_15_bad_config_cases():
    assert len(BAD) >= 15


def test_all_problems_reported_at_once():
    config = copy.deepcopy(QUICK)
    config["sensor"]["k"] = -1.0
    config["grid"]["points"] = 2
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert len(info.value.problems) == 2


def test_top_level_not_a_mapping():
    with pytest.raises(ConfigError, match="must be a mapping"):
        validate_config([1, 2, 3])


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("study: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
