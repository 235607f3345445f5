"""The extended cluster study (config/extended.yaml): valid, with the intended sweep and chunking.

The numbers checked here are the ones docs/studies.md's "Expected cost of config/extended.yaml"
quotes: 180 Morse and 9 Lennard-Jones parameter points, one block of 500 amplitudes each,
so 189 simulate and 189 deconvolve jobs.
"""

from pathlib import Path

import numpy as np
import pytest

from fmdecon.study import Study
from fmdecon.study.config import load_config

CONFIG = Path(__file__).resolve().parents[1] / "config" / "extended.yaml"


@pytest.fixture(scope="module")
def study():
    return Study(load_config(CONFIG))


def test_validates():
    config = load_config(CONFIG)
    assert config["study"] == "extended"
    assert config["methods"] == ["sader_jarvis", "matrix"]


def test_dimensions(study):
    morse = study.laws["morse"]
    assert morse.swept == ["kappa", "sigma", "points"]
    assert morse.shape == (20, 3, 3)
    lennard_jones = study.laws["lennard_jones"]
    assert lennard_jones.swept == ["sigma", "points"]
    assert lennard_jones.shape == (3, 3)
    assert morse.values["points"] == lennard_jones.values["points"] == [2000, 5000, 20000]
    assert morse.values["sigma"] == lennard_jones.values["sigma"]


def test_kappa_range_contains_the_papers_values(study):
    kappa = np.asarray(study.laws["morse"].values["kappa"])
    assert kappa.min() == pytest.approx(1.0e9)
    assert kappa.max() == pytest.approx(20.0e9)
    assert np.all(np.diff(kappa) > 0)
    for value in (2.0e9, 4.0e9, 4.25e9, 6.0e9, 8.0e9, 10.0e9):  # config/config.yaml
        assert np.isclose(kappa, value, rtol=1e-12).any()


def test_amplitudes(study):
    amplitudes = study.amplitudes
    assert amplitudes.size == 500
    assert amplitudes[0] == pytest.approx(10.0e-12)
    assert amplitudes[-1] == pytest.approx(1.0e-9)
    np.testing.assert_allclose(np.diff(np.log(amplitudes)), np.log(100.0) / 499)


def test_chunk_counts(study):
    assert study.amplitudes_per_job == 500
    assert study.n_blocks == 1
    assert len(study.chunks("morse")) == 180
    assert len(study.chunks("lennard_jones")) == 9
    assert sum(len(study.chunks(law)) for law in study.laws) == 189


@pytest.mark.parametrize(
    ("law", "expected"),
    [
        ("morse", {"kappa": 4.25e9, "sigma": 0.235e-9, "points": 5000}),
        ("lennard_jones", {"sigma": 0.235e-9, "points": 5000}),
    ],
)
def test_figure_point(study, law, expected):
    sweep = study.laws[law]
    at = study.config["figures"][law]["at"]
    point = sweep.point(sweep.index_of(at))
    for name, value in expected.items():
        assert point[name] == pytest.approx(value, rel=1e-12)
    assert study.config["figures"][law]["marked_amplitudes"]
