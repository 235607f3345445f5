"""Figures and the paper-comparison table, on a small study built in the test (< 1 s)."""

from __future__ import annotations

import copy
import importlib
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import ive

import fmdecon
from fmdecon import study as st
from fmdecon.figures import FIGURES, available, draw, render, render_all
from fmdecon.methods import METHODS
from fmdecon.plot import METHOD_STYLES, NOISE_FREE, method_style
from fmdecon.study.config import load_config, validate_config
from fmdecon.study.cube import select_point
from fmdecon.welker2012.comparison import (
    NOT_IN_STUDY,
    extremum,
    grid_steps,
    local_extrema,
    paper_comparison,
    sign_fraction,
    value_at,
    worst_cases,
)
from fmdecon.welker2012.facts import CLAIMS, published

CONFIG = Path(__file__).resolve().parents[1] / "config" / "quick.yaml"

#: The figures of noise-free studies (the paper's and those beyond it), in registry order.
NOISE_FREE_FIGURES = [stem for stem, entry in FIGURES.items() if NOISE_FREE in entry.studies]

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


ALL_METHODS = list(METHODS)


@pytest.fixture(scope="module")
def quick():
    """The quick study (config/quick.yaml) with every registered method: cubes, curves, config."""
    raw = copy.deepcopy(load_config(CONFIG))
    raw["methods"] = ALL_METHODS
    config = validate_config(raw)
    cubes, curves = build(config)
    return cubes, curves, config


@pytest.fixture(scope="module")
def table(quick):
    """The comparison table of the quick study, as {quantity: (paper, pipeline, note)}."""
    cubes, curves, config = quick
    return parse(paper_comparison(cubes, curves, config).split("**Beyond the paper**")[0])


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
    assert NOISE_FREE_FIGURES == [
        "fig2_morse_cod",
        "fig3_morse_curves",
        "fig4_morse_force_minimum",
        "fig5_lj_cod",
        "fig6_lj_curves",
        "fig7_lj_force_minimum",
        "fig8_matrix_cod_vs_a_over_d",
        "fig9_kappa_scaling",
        "fig10_all_methods",
        "fig11_matrix_family_cod_vs_a_over_d",
        "fig15_cod_wellposedness",
    ]
    assert all(spec.title for spec in FIGURES.values())


def test_each_caption_sits_beside_its_entry():
    """A figure's report caption is ``captions/<stem>.rst`` beside the catalog that registers
    it and the module of its body (the contributor's package)."""
    for stem, entry in FIGURES.items():
        assert entry.stem == stem
        assert entry.caption.is_file(), stem
        assert entry.caption.name == f"{stem}.rst"
        body_module = importlib.import_module(entry.body.split(":")[0])
        assert entry.caption.parent == Path(body_module.__file__).resolve().parent / "captions"
        assert callable(entry.load_body()), stem
        text = entry.caption.read_text(encoding="utf-8")
        assert "snakemake.params.caption" in text, stem  # a template of the study that ran


def test_registry_loads_no_matplotlib():
    """The workflow reads the registry while building its job graph: no matplotlib there."""
    code = (
        "import sys; from fmdecon.figures import FIGURES, available; "
        "from fmdecon.study.config import load_config; "
        f"print(len(available(load_config({str(CONFIG)!r}))) > 0, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_every_method_has_its_own_line_style():
    names = list(METHODS)
    for name in names:
        assert {"color"} <= set(method_style(name))
        assert method_style(name)["label"] == METHODS[name].label
    styles = {tuple(sorted(method_style(m).items())) for m in names}
    assert len(styles) == len(names)
    assert set(METHOD_STYLES) == set(names)


def test_a_method_without_a_style_gets_a_free_colour(monkeypatch):
    """A method registered later without an entry in METHOD_STYLES: the next colours of the
    cycle that no entry uses, distinct and the same in every call."""
    from fmdecon.plot import _lines

    later = dict(METHODS) | {"fifth": METHODS["matrix"], "sixth": METHODS["matrix"]}
    monkeypatch.setattr(_lines, "METHODS", later)
    used = {style["color"] for style in METHOD_STYLES.values()}
    fifth, sixth = method_style("fifth"), method_style("sixth")
    first_free = next(f"C{i}" for i in range(10) if f"C{i}" not in used)
    assert fifth["color"] == first_free  # the first colour of the cycle no entry uses
    assert fifth["color"] not in used
    assert sixth["color"] not in used | {fifth["color"]}
    assert method_style("fifth") == fifth


def test_wellposedness_figure_shades_the_forbidden_band(quick):
    """Lennard-Jones on the paper's grid start is ill-posed for 27.0-28.0 pm (docs/physics.md
    section 10): the cube carries the band and the figure shades exactly it."""
    cubes, curves, config = quick
    lj = cubes["lennard_jones"]
    assert float(lj["inflection_S"]) == pytest.approx(-1.074, abs=0.002)
    assert float(lj["forbidden_amplitude_low"]) == pytest.approx(27.0e-12, rel=0.01)
    assert float(lj["forbidden_amplitude_high"]) == pytest.approx(28.0e-12, rel=0.01)
    morse = cubes["morse"].sel(kappa=4.25e9)
    assert float(morse["inflection_S"]) == pytest.approx(-0.991, abs=0.002)
    assert np.isnan(float(morse["forbidden_amplitude_low"]))  # well-posed
    figure = draw("fig15_cod_wellposedness", cubes, curves, config["figures"])
    spans = [p for ax in figure.axes for p in ax.patches]
    assert len(spans) == 1  # the Lennard-Jones band only
    x = spans[0].get_patch_transform().transform(spans[0].get_path().vertices)[:, 0]
    assert min(x) == pytest.approx(27.0, rel=0.01)  # pm
    assert max(x) == pytest.approx(28.0, rel=0.01)


def test_every_figure_renders(quick, tmp_path):
    cubes, curves, config = quick
    stems = available(config)
    assert stems == NOISE_FREE_FIGURES  # the quick study has everything, in registry order
    pyplot = sys.modules.get("matplotlib.pyplot")
    before = pyplot.get_fignums() if pyplot else []
    written = render_all(stems, cubes, curves, config["figures"], tmp_path)
    assert written == [tmp_path / f"{s}.{ext}" for s in stems for ext in ("png", "pdf")]
    for stem in stems:
        png, pdf = tmp_path / f"{stem}.png", tmp_path / f"{stem}.pdf"
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
        render("fig1", cubes, curves, config["figures"], tmp_path / "a.png", tmp_path / "a.pdf")
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
        ({"methods": ["sader_jarvis"]}, {"fig8_matrix_cod_vs_a_over_d", "fig10_all_methods"}),
        ({"methods": ALL_METHODS}, set()),
        ({"methods": ["matrix"]}, {"fig9_kappa_scaling", "fig10_all_methods"}),
        ({"laws.morse.kappa": 4.25e9}, {"fig9_kappa_scaling"}),
        ({"figures.morse.marked_amplitudes": []}, {"fig3_morse_curves"}),
        ({"laws.morse": None, "figures.morse": None},
         {"fig2_morse_cod", "fig3_morse_curves", "fig4_morse_force_minimum",
          "fig9_kappa_scaling"}),
    ],
)  # fmt: skip
def test_available_follows_the_config(changes, missing):
    stems = available(_variant(**changes))
    methods = changes.get("methods", ALL_METHODS)  # quick.yaml has every method
    if sum(m == "matrix" or m.startswith("matrix_") for m in methods) < 2:
        missing = missing | {"fig11_matrix_family_cod_vs_a_over_d"}
    assert set(NOISE_FREE_FIGURES) - set(stems) == missing
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
    with pytest.raises(ValueError, match=r"kappa = 5e\+09 is not a value"):
        select_point(cube, {"kappa": 5e9})


def test_figure_of_a_single_point_selects_at(quick):
    cubes, curves, config = quick
    other = copy.deepcopy(config)
    other["figures"]["morse"]["at"] = {"kappa": 8e9}
    figure = draw("fig2_morse_cod", cubes, curves, other["figures"])
    lines = [line for ax in figure.axes for line in ax.get_lines() if line.get_label() == "matrix"]
    expected = cubes["morse"]["cod"].sel(deconvolution="matrix", kappa=8e9)
    np.testing.assert_array_equal(lines[0].get_ydata(), expected)


def _legend_labels(figure) -> set[str]:
    return {line.get_label() for ax in figure.axes for line in ax.get_lines()}


def test_paper_figures_show_only_the_papers_methods(quick):
    cubes, curves, config = quick
    paper = {METHODS[m].label for m in published(ALL_METHODS)}
    others = {METHODS[m].label for m in ALL_METHODS} - paper
    assert others  # the fixture has methods beyond the paper's
    for stem in ("fig2_morse_cod", "fig4_morse_force_minimum", "fig6_lj_curves"):
        labels = _legend_labels(draw(stem, cubes, curves, config["figures"]))
        assert paper <= labels, stem
        assert not labels & others, stem
    labels = _legend_labels(draw("fig10_all_methods", cubes, curves, config["figures"]))
    assert paper | others <= labels
    labels = _legend_labels(draw("fig11_matrix_family_cod_vs_a_over_d", cubes, curves, {}))
    family = {METHODS[m].label for m in ALL_METHODS if m.startswith("matrix")}
    assert family <= labels
    assert METHODS["sader_jarvis"].label not in labels


def test_force_minimum_figure_uses_the_cube_grid_step(quick):
    cubes, curves, config = quick
    cube = cubes["lennard_jones"]
    cube = cube.assign_coords(grid_step=2 * cube["grid_step"])  # what the cube says wins
    figure = draw("fig7_lj_force_minimum", {"lennard_jones": cube}, curves, config["figures"])
    axes = [child for ax in figure.axes for child in (ax, *ax.child_axes)]
    label = next(ax.get_ylabel() for ax in axes if "grid steps" in ax.get_ylabel())
    assert f"d = {2 * float(cubes['lennard_jones']['grid_step']) * 1e12:.3g} pm" in label


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
    ).split("**Beyond the paper**")[0]
    rows = parse(morse_only)
    for quantity in PHYSICS_TABLE:
        assert quantity in rows
    for quantity in ("LJ F_min, z_min", "LJ SJ: CoD minima / maximum", "LJ ΔF_min largest"):
        assert rows[quantity][1] == NOT_IN_STUDY
    assert rows["Morse, all κ: SJ worst / best"][1] == NOT_IN_STUDY
    assert rows["Morse F_min, z_min"][1] != NOT_IN_STUDY


# --- generic extractors ----------------------------------------------------------------------


def test_value_at_takes_the_nearest_amplitude_within_one_percent():
    amplitudes = np.array([10e-12, 20e-12, 40e-12])
    values = np.array([1.0, 2.0, 3.0])
    assert value_at(amplitudes, values, 20.1e-12) == (1, 2.0)  # 0.5 % off
    assert value_at(amplitudes, values, 30e-12) is None  # nearest is 25 % off
    assert value_at(amplitudes, values, 30e-12, match=0.5) == (2, 3.0)  # log-nearest: 40 pm


def test_extremum_ignores_nan_and_honours_the_mask():
    values = np.array([np.nan, -5.0, 2.0, 4.0, -1.0])
    assert extremum(values) == 3
    assert extremum(values, "min") == 1
    assert extremum(values, "abs") == 1
    assert extremum(values, "abs", where=np.arange(5) >= 2) == 3
    assert extremum(values, "min", where=np.arange(5) >= 2) == 4
    with pytest.raises(ValueError, match="no finite value"):
        extremum(values, where=np.zeros(5, bool))
    with pytest.raises(ValueError, match="kind"):
        extremum(values, "median")


def test_local_extrema_and_sign_fraction_by_hand():
    values = np.array([1.0, 0.5, 0.8, 0.9, 0.7, 0.95, 1.0])
    minima, maxima = local_extrema(values)
    assert minima.tolist() == [1, 4]
    assert maxima.tolist() == [3]
    assert sign_fraction(np.array([1.0, -2.0, 3.0, 0.0, np.nan])) == 0.5  # 2 of 4 finite
    assert sign_fraction(np.array([1.0, -2.0, 3.0, 0.0]), sign=-1) == 0.25
    assert grid_steps(np.array([0.0, -2.9e-12, 1e-12, np.nan]), 1e-12) == 3


# --- beyond the paper ------------------------------------------------------------------------


def test_worst_cases_cover_every_method_and_law(quick):
    cubes, curves, config = quick
    cases = worst_cases(cubes, config["figures"])
    assert [(c.law, c.method) for c in cases] == [
        (law, m) for law in ("morse", "lennard_jones") for m in ALL_METHODS
    ]
    for case in cases:
        cube = select_point(cubes[case.law], config["figures"][case.law].get("at"))
        cod = cube["cod"].sel(deconvolution=case.method).to_numpy()
        delta_f = cube["delta_f_min"].sel(deconvolution=case.method).to_numpy()
        amplitudes = cube["amplitude"].to_numpy()
        i = min(range(cod.size), key=lambda k: cod[k])
        j = max(range(delta_f.size), key=lambda k: abs(delta_f[k]))
        assert (case.cod, case.cod_amplitude) == (cod[i], amplitudes[i])
        assert (case.delta_f_min, case.delta_f_amplitude) == (delta_f[j], amplitudes[j])
    text = paper_comparison(cubes, curves, config)
    beyond = text.split("**Beyond the paper**")[1]
    for method in ALL_METHODS:
        assert f"| Morse | {METHODS[method].label} |" in beyond
        assert f"| Lennard-Jones | {METHODS[method].label} |" in beyond


def test_paper_rows_ignore_methods_beyond_the_paper(quick, table):
    cubes, curves, config = quick
    only_paper = {
        law: cube.sel(deconvolution=published(ALL_METHODS)) for law, cube in cubes.items()
    }
    curves_paper = {
        law: data.sel(deconvolution=published(ALL_METHODS)) for law, data in curves.items()
    }
    rows = parse(paper_comparison(only_paper, curves_paper, config).split("**Beyond")[0])
    assert rows == table
    assert list(rows) == [claim.quantity for claim in CLAIMS]


def test_known_numbers_of_the_quick_study(table):
    # regression: the quick study's values, as the table printed them before the claims
    # became data (numbers must not change with refactoring)
    expected = {
        "Morse SJ: CoD minimum / maximum": "A = 134 pm (R² = 0.9908) and 624 pm",
        "Morse ΔF_min largest (matrix)": "matrix 155 pN at A = 12.7 pm (20 % of |F_min|)",
        "Morse ΔF_min sign": "ΔF_min > 0 for SJ",
        "LJ ΔF_min largest": "SJ 237 pN at A = 20.3 pm (5.6 % of |F_min|); matrix 790 pN",
        "Morse matrix: |ΔF_min| for A > 110 pm": "≤ 15.4 pN; < 3 pN from A = 273 pm on",
        "LJ Δz_Fmin largest": "SJ 1 grid step = 4.77 pm, matrix 1 grid step = 4.77 pm",
    }
    for quantity, start in expected.items():
        assert table[quantity][1].startswith(start), (quantity, table[quantity][1])
