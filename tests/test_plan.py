"""``fmdecon plan`` and ``chunking.target_minutes``: the plan's numbers are the cost model's sums
over the jobs (checked against a slow loop calling chunk_cost per job), the chosen
points_per_job fills the target, bad values are refused naming the key."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from fmdecon.cli import main
from fmdecon.figures import available
from fmdecon.study.config import ConfigError, load_config, validate_config
from fmdecon.study.cost import chunk_cost, cube_bytes, merge_memory_mb
from fmdecon.study.plan import plan_study, render_plan
from fmdecon.study.sweep import Study

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("config.yaml", "extended.yaml", "quick.yaml", "noise.yaml", "cluster.yaml")


def _slow_sums(study: Study, law: str) -> dict[str, float]:
    """The obvious way: every job of the law, one chunk_cost call each."""
    costs = [chunk_cost(study, law, g, b) for g, b in study.jobs(law)]
    return {
        "chunks": len(costs),
        "cpu_seconds": sum(c.seconds for c in costs),
        "longest_seconds": max(c.seconds for c in costs),
        "mem_mb_max": max(c.mem_mb for c in costs),
        "mem_mb_typical": int(np.median([c.mem_mb for c in costs])),
        "runtime_min_max": max(c.runtime_min for c in costs),
        "temporary_bytes": sum(c.temporary_bytes for c in costs),
        "temporary_max_bytes": max(c.temporary_bytes for c in costs),
        "chunk_bytes": sum(c.kept_bytes for c in costs),
    }


@pytest.mark.parametrize("name", ["config.yaml", "extended.yaml", "quick.yaml", "noise.yaml"])
def test_plan_is_the_sum_of_the_chunk_costs(name):
    config = load_config(REPO / "config" / name)
    study = Study(config)
    plan = plan_study(study, cores=2, figures=available(config))
    for law_plan in plan.laws:
        expected = _slow_sums(study, law_plan.law)
        for key, value in expected.items():
            assert getattr(law_plan, key) == pytest.approx(value, rel=1e-12), (name, key)
        assert law_plan.cube_bytes == cube_bytes(study, law_plan.law)
        assert law_plan.merge_mb == merge_memory_mb(study, law_plan.law)
    assert plan.chunks == sum(len(study.jobs(law)) for law in study.laws)
    every = [chunk_cost(study, law, g, b).mem_mb for law in study.laws for g, b in study.jobs(law)]
    assert plan.mem_mb_typical == int(np.median(every))


def test_plan_with_uneven_groups_and_blocks():
    """Groups that do not divide the points and blocks that do not divide the amplitudes."""
    config = load_config(REPO / "config" / "extended.yaml")
    config["chunking"] = {"amplitudes_per_job": 150, "points_per_job": 7}
    study = Study(validate_config(config))
    plan = plan_study(study, cores=5)
    for law_plan in plan.laws:
        expected = _slow_sums(study, law_plan.law)
        assert law_plan.chunks == expected["chunks"] == study.n_groups(law_plan.law) * 4
        for key, value in expected.items():
            assert getattr(law_plan, key) == pytest.approx(value, rel=1e-12), key


def test_job_counts_of_the_paper_study():
    """As `snakemake -n` counts them (14 jobs: docs/benchmarks.md)."""
    config = load_config(REPO / "config" / "config.yaml")
    plan = plan_study(Study(config), cores=2, figures=available(config))
    assert plan.jobs == {
        "simulate": 3,
        "deconvolve": 3,
        "merge_metrics": 2,
        "curves": 2,
        "figures": 2,
        "table": 1,
        "all": 1,
    }
    assert plan.submissions == 3 + 2 + 2 + 2 + 1


def test_wall_time_bounds():
    config = load_config(REPO / "config" / "extended.yaml")
    study = Study(config)
    one, many = plan_study(study, cores=1), plan_study(study, cores=10_000)
    chunk_cpu = sum(law.cpu_seconds for law in one.laws)
    assert one.wall_seconds >= chunk_cpu
    longest = max(law.longest_seconds for law in many.laws)
    assert longest <= many.wall_seconds < longest + 60


@pytest.mark.parametrize("target", [0.5, 5.0, 30.0])
def test_target_minutes_fills_the_target(target):
    config = load_config(REPO / "config" / "cluster.yaml")
    config["chunking"] = {"amplitudes_per_job": 500, "target_minutes": target}
    config["storage"] = "netcdf"  # the rule itself (zarr rounds to a block of the sweep)
    study = Study(validate_config(config))
    per_job = study.points_per_job_of("morse")
    assert 1 < per_job < study.laws["morse"].n_points
    seconds = chunk_cost(study, "morse", 0).seconds
    # within half a point's cost of the target: well within a factor 1.5 here
    one_point = seconds / per_job
    assert abs(seconds - 60 * target) <= one_point
    assert 60 * target / 1.5 < seconds < 60 * target * 1.5


def test_target_minutes_smaller_than_one_point():
    config = load_config(REPO / "config" / "extended.yaml")
    config["chunking"] = {"amplitudes_per_job": 500, "target_minutes": 1.0e-3}
    study = Study(validate_config(config))
    assert study.points_per_job_of("morse") == 1


def test_target_minutes_larger_than_the_law():
    config = load_config(REPO / "config" / "quick.yaml")
    config["chunking"] = {"amplitudes_per_job": 20, "target_minutes": 1.0e3}
    study = Study(validate_config(config))
    assert all(study.n_groups(law) == 1 for law in study.laws)


@pytest.mark.parametrize(
    ("chunking", "expected"),
    [
        ({"target_minutes": 0}, ["chunking.target_minutes", "0"]),
        ({"target_minutes": -1.0}, ["chunking.target_minutes", "-1"]),
        ({"points_per_job": 2, "target_minutes": 5.0}, ["points_per_job = 2", "target_minutes"]),
    ],
)
def test_bad_target_minutes_named(chunking, expected):
    config = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    config["chunking"] = chunking
    with pytest.raises(ConfigError) as info:
        validate_config(copy.deepcopy(config))
    for text in expected:
        assert text in str(info.value)


def test_cli_plan(capsys):
    assert main(["plan", str(REPO / "config" / "config.yaml"), "--cores", "2"]) == 0
    out = capsys.readouterr().out
    config = load_config(REPO / "config" / "config.yaml")
    expected = render_plan(
        plan_study(Study(config), 2, available(config)), str(REPO / "config" / "config.yaml")
    )
    assert out == expected
    for text in ("parameter points  7", "jobs              14", "CPU-h", "at 2 cores", "MB"):
        assert text in out


def test_cli_plan_default_cores(capsys):
    assert main(["plan", str(REPO / "config" / "quick.yaml")]) == 0
    assert "cores" in capsys.readouterr().out


def test_cli_plan_bad_config(tmp_path, capsys):
    config = yaml.safe_load((REPO / "config" / "quick.yaml").read_text())
    config["chunking"] = {"points_per_job": 2, "target_minutes": 5.0}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["plan", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "points_per_job = 2" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("cores", ["0", "-3", "many"])
def test_cli_plan_bad_cores(cores, capsys):
    assert main(["plan", str(REPO / "config" / "quick.yaml"), "--cores", cores]) == 2
    assert "--cores" in capsys.readouterr().err


def test_cli_plan_missing_file(tmp_path, capsys):
    assert main(["plan", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml" in capsys.readouterr().err


def test_shipped_configs_plan():
    for name in SHIPPED:
        config = load_config(REPO / "config" / name)
        text = render_plan(plan_study(Study(config), 256, available(config)))
        assert "CPU-h" in text, name


def test_cluster_config_is_cluster_sized():
    config = load_config(REPO / "config" / "cluster.yaml")
    study = Study(config)
    assert sum(sweep.n_points for sweep in study.laws.values()) >= 100_000
    assert "target_minutes" in config["chunking"]


def test_zarr_plan_has_no_merge():
    config = load_config(REPO / "config" / "cluster.yaml")
    assert config["storage"] == "zarr"
    study = Study(config)
    plan = plan_study(study, 256, available(config))
    assert "merge_metrics" not in plan.jobs
    assert plan.jobs["init_store"] == plan.jobs["finalize_store"] == 1
    assert plan.laws[0].chunk_bytes == 0
    text = render_plan(plan)
    assert "metadata only" in text
    assert "the whole cube" not in text
    # the zarr chunk jobs: a block of the sweep, within a factor 1.5 of the target
    seconds = chunk_cost(study, "morse", 0).seconds
    target = 60 * config["chunking"]["target_minutes"]
    assert target / 1.5 < seconds < target * 1.5
