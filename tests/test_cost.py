"""The cost model (fmdecon.study.cost): resources from a chunk's own points, linear in them."""

from pathlib import Path

import numpy as np

from fmdecon.study.config import load_config
from fmdecon.study.cost import chunk_cost, merge_memory_mb
from fmdecon.study.sweep import Study

CONFIG = Path(__file__).resolve().parents[1] / "config" / "extended.yaml"


def test_column_matches_point():
    sweep = Study(load_config(CONFIG)).laws["morse"]
    indices = np.arange(sweep.n_points)
    for name in ("kappa", "sigma", "points", "k"):
        expected = [sweep.point(int(p))[name] for p in indices]
        np.testing.assert_array_equal(sweep.column(name, indices), expected)


def test_chunk_cost_depends_on_its_own_points_only():
    study = Study(load_config(CONFIG))  # one point per job, N in {2000, 5000, 20000}
    sweep = study.laws["morse"]
    costs = {int(sweep.point(g)["points"]): chunk_cost(study, "morse", g) for g in range(3)}
    assert [costs[n].grid_points for n in (2000, 5000, 20000)] == [2000, 5000, 20000]
    # memory and runtime grow with the chunk's own grid, not the law's largest one
    assert costs[2000].mem_mb < costs[5000].mem_mb < costs[20000].mem_mb
    assert costs[2000].seconds < costs[5000].seconds < costs[20000].seconds
    # the frequency shifts of 500 amplitudes on N points, 8 bytes each
    assert costs[5000].temporary_bytes == 500 * 5000 * 8
    assert all(c.runtime_min >= 5 for c in costs.values())
    assert merge_memory_mb(study, "morse") >= 1000
