"""Figures and the paper-comparison table, on a small study built in the test (< 1 s)."""

from __future__ import annotations

import copy
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ive

import fmdecon
from fmdecon import study as st
from fmdecon.study.config import load_config, validate_config
from fmdecon.welker2012.comparison import NOT_IN_STUDY, paper_comparison
from fmdecon.welker2012.figures import FIGURES, available, render, select_point

CONFIG = Path(__file__).resolve().parents[1] / "config" / "quick.yaml"

#: The first column of the table of docs/physics.md section 5 (every one must be a row).
PHYSICS_TABLE = [
    "Morse F_min, z_min",
    "LJ F_min, z_min",
    "Morse SJ: CoD minimum / maximum",
    "Morse matrix: CoD at 12.8 pm / 12.9 pm",
    "Morse ΔF_min largest (SJ), position deviation",
    "LJ SJ: CoD minima / maximum",
    "LJ matrix: CoD at 11.7 pm / 12.0 pm",
    "LJ ΔF_min largest",
    "Morse, all κ: SJ worst / best",
    "T_SJ approximation",
]

MINUS = "\u2212"


def build(config: dict) -> tuple[dict, dict]:
    """Metric cubes and marked curves of every law of a study, in memory."""
    study = st.Study(config)
    cubes, curves = {}, {}
    for law in study.laws:
        chunks = [
            st.deconvolve_chunk(st.simulate(study, law, point, block), study.methods)
            for point, block in study.chunks(law)
        ]
        cubes[law] = st.merge(study, law, chunks)
        curves[law] = st.selected_curves(study, law, *study.figure_view(law))
    return cubes, curves


@pytest.fixture(scope="module")
def quick():
    """The quick study (config/quick.yaml): cubes, curves and config."""
    config = load_config(CONFIG)
    cubes, curves = build(config)
    return cubes, curves, config


@pytest.fixture(scope="module")
def table(quick):
    """The comparison table of the quick study, as {quantity: (paper, pipeline, note)}."""
    cubes, curves, config = quick
    return parse(paper_comparison(cubes, curves, config))


def parse(markdown: str) -> dict[str, tuple[str, str, str]]:
    rows = {}
    for line in markdown.splitlines():
        if not line.startswith("| ") or line.startswith(("| quantity", "|---")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        assert len(cells) == 4, line
        rows[cells[0]] = (cells[1], cells[2], cells[3])
    return rows


def number(text: str, unit: str) -> float:
    """The first number in ``text`` followed by ``unit``."""
    match = re.search(rf"([{MINUS}\-]?\d+(?:\.\d+)?) {re.escape(unit)}", text)
    assert match, f"no value in {unit} in {text!r}"
    return float(match.group(1).replace(MINUS, "-"))


# --- figures ---------------------------------------------------------------------------------


def test_registry_has_the_paper_figures():
    assert list(FIGURES) == [
        "fig2_morse_cod",
        "fig3_morse_curves",
        "fig4_morse_force_minimum",
        "fig5_lj_cod",
        "fig6_lj_curves",
        "fig7_lj_force_minimum",
        "fig8_matrix_cod_vs_a_over_d",
        "fig9_kappa_scaling",
    ]
    assert all(spec.title for spec in FIGURES.values())


def test_every_figure_renders(quick, tmp_path):
    cubes, curves, config = quick
    stems = available(config)
    assert stems == list(FIGURES)  # the quick study has everything, in registry order
    pyplot = sys.modules.get("matplotlib.pyplot")
    before = pyplot.get_fignums() if pyplot else []
    for stem in stems:
        png, pdf = tmp_path / f"{stem}.png", tmp_path / f"{stem}.pdf"
        render(stem, cubes, curves, config, png, pdf)
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", stem
        assert png.stat().st_size > 20_000, stem  # a drawn figure, not an empty canvas
        assert pdf.read_bytes()[:5] == b"%PDF-", stem
        assert pdf.stat().st_size > 5_000, stem
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{s}.{ext}" for s in stems for ext in ("png", "pdf")
    )  # no temporary files left behind
    if pyplot:
        assert pyplot.get_fignums() == before  # no pyplot figures were created


def test_render_rejects_unknown_stem(quick, tmp_path):
    cubes, curves, config = quick
    with pytest.raises(ValueError, match="unknown figure 'fig1'"):
        render("fig1", cubes, curves, config, tmp_path / "a.png", tmp_path / "a.pdf")
    assert not list(tmp_path.iterdir())


def _variant(**changes) -> dict:
    config = load_config(CONFIG)
    raw = copy.deepcopy(config)
    for key, value in changes.items():
        node = raw
        *path, last = key.split(".")
        for part in path:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return validate_config(raw)


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"laws.lennard_jones": None, "figures.lennard_jones": None},
         {"fig5_lj_cod", "fig6_lj_curves", "fig7_lj_force_minimum"}),
        ({"methods": ["sader_jarvis"]}, {"fig8_matrix_cod_vs_a_over_d"}),
        ({"methods": ["matrix"]}, {"fig9_kappa_scaling"}),
        ({"laws.morse.kappa": 4.25e9}, {"fig9_kappa_scaling"}),
        ({"figures.morse.marked_amplitudes": []}, {"fig3_morse_curves"}),
        ({"laws.morse": None, "figures.morse": None},
         {"fig2_morse_cod", "fig3_morse_curves", "fig4_morse_force_minimum",
          "fig9_kappa_scaling"}),
    ],
)  # fmt: skip
def test_available_follows_the_config(changes, missing):
    stems = available(_variant(**changes))
    assert set(FIGURES) - set(stems) == missing
    assert stems == [s for s in FIGURES if s in stems]


def test_select_point_picks_the_configured_parameters(quick):
    cubes, _, _ = quick
    cube = cubes["morse"]
    assert cube.sizes["kappa"] == 2
    picked = select_point(cube, {"kappa": 8e9})
    assert "kappa" not in picked.dims
    assert float(picked["kappa"]) == 8e9
    np.testing.assert_array_equal(picked["cod"], cube["cod"].isel(kappa=1))
    assert float(select_point(cube)["kappa"]) == 4.25e9  # first value by default
    assert select_point(cube, {"kappa": 8e9}, keep=("kappa",)).sizes["kappa"] == 2
    with pytest.raises(ValueError, match=r"kappa = 5000000000\.0 is not a value"):
        select_point(cube, {"kappa": 5e9})


def test_figure_of_a_single_point_selects_at(quick):
    cubes, curves, config = quick
    other = copy.deepcopy(config)
    other["figures"]["morse"]["at"] = {"kappa": 8e9}
    figure = FIGURES["fig2_morse_cod"].function(cubes, curves, other)
    lines = [line for ax in figure.axes for line in ax.get_lines() if line.get_label() == "matrix"]
    expected = cubes["morse"]["cod"].sel(deconvolution="matrix", kappa=8e9)
    np.testing.assert_array_equal(lines[0].get_ydata(), expected)


# --- comparison table ------------------------------------------------------------------------


def test_every_row_of_the_physics_table_is_there(table):
    for quantity in PHYSICS_TABLE:
        assert quantity in table, quantity


def test_header_names_study_and_version(quick):
    cubes, curves, config = quick
    text = paper_comparison(cubes, curves, config)
    assert "Study `quick`" in text.splitlines()[0]
    assert f"fmdecon {fmdecon.__version__}" in text.splitlines()[0]
    assert "points = 1000 (paper 5000)" in text  # the quick grid is not the paper's


def test_model_minima_match_the_closed_forms(table):
    # Morse: F_min = -kappa E / 2 (docs/physics.md section 1); the quick grid misses it by < 0.1 %
    kappa, energy, sigma = 4.25e9, 0.371e-18, 0.235e-9
    _, pipeline, note = table["Morse F_min, z_min"]
    assert number(pipeline, "pN") == pytest.approx(-kappa * energy / 2 * 1e12, abs=1.0)
    assert number(pipeline.split(" at ")[1], "pm") == pytest.approx(
        (sigma + math.log(2) / kappa) * 1e12, abs=4.8
    )
    assert note.startswith("agrees")
    # Lennard-Jones: minimum sigma (13/7)^(1/6) with F = -(12 E / sigma)((7/13)^(13/6)... )
    z_min = sigma * (13 / 7) ** (1 / 6)
    f_min = 12 * energy / sigma * ((sigma / z_min) ** 13 - (sigma / z_min) ** 7)
    _, pipeline, _ = table["LJ F_min, z_min"]
    assert number(pipeline, "nN") == pytest.approx(f_min * 1e9, abs=0.015)
    assert number(pipeline.split(" at ")[1], "pm") == pytest.approx(z_min * 1e12, abs=4.8)


def test_t_sj_error_is_independent_of_the_study(table):
    # T(x) = exp(-x) I1(x) and T_SJ(x) written out here from docs/physics.md section 2
    x = np.geomspace(1e-3, 1e3, 200_001)
    exact = ive(1, x)
    approx = (x / 2) / (1 + np.sqrt(x) / 8 + np.sqrt(np.pi / 2) * x**1.5)
    largest = np.max(np.abs(approx - exact) / exact)
    paper, pipeline, note = table["T_SJ approximation"]
    assert "5 %" in paper
    assert number(pipeline, "%") == pytest.approx(100 * largest, abs=0.05)
    assert note == "agrees"


def test_rows_computed_from_the_quick_cubes(quick, table):
    cubes, _, _ = quick
    cube = cubes["morse"].sel(kappa=4.25e9)
    # the SJ CoD minimum of the cube, located by a plain loop
    cod = cube["cod"].sel(deconvolution="sader_jarvis").to_numpy()
    lowest = min(range(cod.size), key=lambda i: cod[i])
    _, pipeline, _ = table["Morse SJ: CoD minimum / maximum"]
    amplitude = float(cube["amplitude"][lowest]) * 1e12
    assert number(pipeline, "pm") == pytest.approx(amplitude, rel=5e-3)
    assert f"R² = {cod[lowest]:.4f}" in pipeline
    # share of amplitudes with a positive force-minimum deviation
    _, pipeline, _ = table["Morse ΔF_min sign"]
    for method, short in (("sader_jarvis", "SJ"), ("matrix", "matrix")):
        values = cube["delta_f_min"].sel(deconvolution=method).to_numpy()
        share = sum(v > 0 for v in values) / len(values)
        assert f"{short} {100 * share:.0f} %" in pipeline
    # two kappa values are enough for the scaling row; worst SJ at kappa A near 0.59
    _, pipeline, _ = table["Morse, all κ: SJ worst / best"]
    assert number(pipeline.replace("κA = ", ""), "/") == pytest.approx(0.59, rel=0.1)
    assert "2 κ" in pipeline


def test_amplitudes_missing_from_the_grid_are_not_compared(table):
    # the 40-point quick grid has no amplitude within 1 % of 12.8 pm or 11.7 pm
    assert table["Morse matrix: CoD at 12.8 pm / 12.9 pm"][1] == NOT_IN_STUDY
    assert table["LJ matrix: CoD at 11.7 pm / 12.0 pm"][1] == NOT_IN_STUDY


def test_missing_law_and_kappa_give_not_applicable(quick):
    cubes, curves, config = quick
    morse_only = paper_comparison(
        {"morse": cubes["morse"].isel(kappa=[0])}, {"morse": curves["morse"]}, config
    )
    rows = parse(morse_only)
    for quantity in PHYSICS_TABLE:
        assert quantity in rows
    for quantity in ("LJ F_min, z_min", "LJ SJ: CoD minima / maximum", "LJ ΔF_min largest"):
        assert rows[quantity][1] == NOT_IN_STUDY
    assert rows["Morse, all κ: SJ worst / best"][1] == NOT_IN_STUDY
    assert rows["Morse F_min, z_min"][1] != NOT_IN_STUDY
