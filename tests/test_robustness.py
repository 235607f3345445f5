"""Figures 12-14 and the noise/calibration summary, on tiny perturbed studies built in the test."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from matplotlib.figure import Figure

from fmdecon import figures
from fmdecon import study as st
from fmdecon.methods import METHODS
from fmdecon.robustness.catalog import ENTRIES
from fmdecon.robustness.summary import (
    calibration_slopes,
    change_sentence,
    k_error_check,
    monte_carlo_level,
    noise_summary,
    reference_amplitudes,
)
from fmdecon.study.config import load_config, validate_config
from fmdecon.study.perturb import STATISTICS, Perturbations

CONFIG = Path(__file__).resolve().parents[1] / "config"
#: The figures the robustness package contributes to the registry (Figs 12-14).
ROBUSTNESS_FIGURES = [entry.stem for entry in ENTRIES]
KAPPA = 4.25e9
EPS = [-0.02, 0.0, 0.02]


def _base() -> dict:
    config = load_config(CONFIG / "noise.yaml")
    config["grid"]["points"] = 400
    config["amplitudes"] = {"min": 20e-12, "max": 500e-12, "count": 4, "spacing": "log"}
    return config


def _build(config: dict) -> dict[str, xr.Dataset]:
    config = validate_config(config)
    study = st.Study(config)
    perturbations = Perturbations.from_config(config)
    return {
        law: st.merge(
            study,
            law,
            [
                st.deconvolve_chunk(
                    st.simulate(study, law, p, b), study.methods, perturbations=perturbations
                )
                for p, b in study.chunks(law)
            ],
        )
        for law in study.laws
    }


@pytest.fixture(scope="module")
def noise_study() -> tuple[dict, dict[str, xr.Dataset]]:
    """Morse (two κ, the figures at 4.25/nm) and Lennard-Jones, noise 0 / 0.03 / 0.1 Hz."""
    config = _base()
    config["laws"]["morse"]["kappa"] = [KAPPA, 8.0e9]
    config["perturbations"] = {"noise_rms": [0.0, 0.03, 0.1], "realizations": 30, "seed": 7}
    config["figures"] = {
        "morse": {"at": {"kappa": KAPPA}, "marked_amplitudes": [20e-12, 137e-12]},
        "lennard_jones": {"marked_amplitudes": [50e-12]},
    }
    return config, _build(copy.deepcopy(config))


@pytest.fixture(scope="module")
def calibration_study() -> tuple[dict, dict[str, xr.Dataset]]:
    """Noise-free Morse curves with ε_A, ε_z, ε_k of -2, 0, +2 %."""
    config = _base()
    del config["laws"]["lennard_jones"]
    config["perturbations"] = {
        "noise_rms": 0.0,
        "realizations": 1,
        "amplitude_error": EPS,
        "z_scale_error": EPS,
        "k_error": EPS,
    }
    config["figures"] = {}
    return config, _build(copy.deepcopy(config))


# ---------------------------------------------------------------------------------------------
# availability


@pytest.mark.parametrize(
    ("perturbations", "expected"),
    [
        (None, []),
        ({"noise_rms": [0.0]}, []),
        ({"noise_rms": 0.0, "k_error": [0.0]}, []),
        ({"noise_rms": [0.0, 0.1]}, ["fig12_noise_force_std", "fig13_noise_force_minimum"]),
        ({"noise_rms": 0.1}, ["fig12_noise_force_std", "fig13_noise_force_minimum"]),
        ({"noise_rms": 0.0, "k_error": [-0.01, 0.01]}, ["fig14_calibration"]),
        ({"amplitude_error": [0.0, 0.02]}, ["fig14_calibration"]),
        ({"noise_rms": [0.0, 0.1], "z_scale_error": [0.0, 0.02]}, ROBUSTNESS_FIGURES),
    ],
)
def test_available(perturbations: dict | None, expected: list[str]) -> None:
    config = _base()
    config.pop("perturbations")
    if perturbations is not None:
        config["perturbations"] = perturbations
    assert _robustness(figures.available(config)) == expected
    assert _robustness(figures.available(validate_config(config))) == expected
    if perturbations:  # a perturbed study makes only its own figures
        assert figures.available(config) == expected
        assert figures.available(validate_config(config)) == expected


def _robustness(stems: list[str]) -> list[str]:
    return [stem for stem in stems if stem in ROBUSTNESS_FIGURES]


def test_available_shipped_configs() -> None:
    assert figures.available(load_config(CONFIG / "noise.yaml")) == [
        "fig12_noise_force_std",
        "fig13_noise_force_minimum",
    ]
    assert figures.available(load_config(CONFIG / "calibration.yaml")) == ["fig14_calibration"]
    assert _robustness(figures.available(load_config(CONFIG / "quick.yaml"))) == []
    assert figures.available({"perturbations": {"noise_rms": [0.1]}, "laws": {}}) == []


def test_monte_carlo_level() -> None:
    assert monte_carlo_level([0.0, 0.01, 0.03, 0.1, 0.3]) == 0.1
    assert monte_carlo_level([0.0, 0.3, 1.0]) == 0.3
    assert monte_carlo_level([0.0]) is None


# ---------------------------------------------------------------------------------------------
# figures


def _no_partial(folder: Path) -> None:
    assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]


def test_render_all_noise(noise_study, tmp_path: Path) -> None:
    config, cubes = noise_study
    stems = figures.available(config)
    written = figures.render_all(stems, cubes, {}, config["figures"], tmp_path / "figures")
    assert written == [tmp_path / "figures" / f"{s}.{e}" for s in stems for e in ("png", "pdf")]
    for path in written:
        head = path.read_bytes()[:8]
        assert head.startswith(b"\x89PNG") if path.suffix == ".png" else head.startswith(b"%PDF")
    _no_partial(tmp_path)


def test_render_calibration(calibration_study, tmp_path: Path) -> None:
    config, cubes = calibration_study
    written = figures.render_all(["fig14_calibration"], cubes, {}, config["figures"], tmp_path)
    assert [p.name for p in written] == ["fig14_calibration.png", "fig14_calibration.pdf"]
    assert all(p.stat().st_size > 1000 for p in written)
    _no_partial(tmp_path)


def test_fig13_one_column_per_marked_amplitude(noise_study) -> None:
    config, cubes = noise_study
    figure = figures.draw("fig13_noise_force_minimum", cubes, {}, config["figures"])
    assert isinstance(figure, Figure)
    visible = [ax for ax in figure.axes if ax.get_visible()]
    assert len(visible) == 2 + 1  # Morse: 2 marked amplitudes; Lennard-Jones: 1
    assert [t.get_text() for t in visible[0].get_xticklabels()] == ["0", "0.03", "0.1"]


def test_fig12_exact_lines_are_force_std_per_hz(noise_study) -> None:
    config, cubes = noise_study
    figure = figures.draw("fig12_noise_force_std", cubes, {}, config["figures"])
    ax = figure.axes[0]
    cube = cubes["morse"].sel(kappa=KAPPA)
    expected = cube["force_std_exact"].sel(deconvolution="sader_jarvis", noise_rms=0.1) / 0.1
    line = ax.get_lines()[0]  # Sader-Jarvis exact line, then its Monte Carlo points
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy() * 1e12, rtol=1e-12)
    # the exact std per Hz does not depend on the noise level
    other = cube["force_std_exact"].sel(deconvolution="sader_jarvis", noise_rms=0.03) / 0.03
    np.testing.assert_allclose(other, expected, rtol=1e-9)
    points = ax.get_lines()[1].get_ydata()
    spread = cube["force_error_at_minimum"].sel(
        deconvolution="sader_jarvis", noise_rms=0.1, statistic="std"
    )
    np.testing.assert_allclose(points, spread.to_numpy() / 0.1 * 1e12, rtol=1e-12)


def test_failed_render_leaves_nothing(noise_study, tmp_path: Path, monkeypatch) -> None:
    config, cubes = noise_study

    def broken(self, fname, **kwargs):
        Path(fname).write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError):
        figures.render(
            "fig12_noise_force_std",
            cubes,
            {},
            config["figures"],
            tmp_path / "a.png",
            tmp_path / "a.pdf",
        )
    assert list(tmp_path.iterdir()) == []


def test_draw_errors(noise_study) -> None:
    config, cubes = noise_study
    with pytest.raises(ValueError, match="unknown figure"):
        figures.draw("fig99", cubes, {}, config["figures"])
    with pytest.raises(ValueError, match="swept calibration error"):
        figures.draw("fig14_calibration", cubes, {}, config["figures"])
    plain = {"morse": cubes["morse"].sel(statistic="mean", drop=True)}
    with pytest.raises(ValueError, match="not a perturbed cube"):
        figures.draw("fig12_noise_force_std", plain, {}, {})


def test_package_not_imported_by_fmdecon() -> None:
    code = (
        "import sys, fmdecon; "
        "print(any(m.startswith('fmdecon.robustness') for m in sys.modules), "
        "'matplotlib' in sys.modules, 'xarray' in sys.modules, "
        "any(m.startswith('fmdecon.plot') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False", "False"]


# ---------------------------------------------------------------------------------------------
# summary: numbers against hand computations


def _numbers(cell: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", cell)]


def _table_after(text: str, heading: str) -> list[list[str]]:
    """Rows (cells) of the first Markdown table after the line starting with ``heading``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    first = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    rows = []
    for line in lines[first + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_noise_summary_numbers(noise_study) -> None:
    config, cubes = noise_study
    text = noise_summary(cubes, config)
    assert "study `noise`" in text
    assert "Realisations per curve, noise level and calibration error: 30; noise seed 7" in text
    assert "## Morse (κ = 4.25 nm⁻¹)" in text
    assert "## Lennard-Jones" in text

    cube = cubes["morse"].sel(kappa=KAPPA)
    amplitude = float(cube["amplitude"][0])  # nearest to the marked 20 pm
    assert amplitude == pytest.approx(20e-12)
    rows = _table_after(
        text, "ΔF_min median (5 % … 95 %) and rms force error median, pN, at A = 20"
    )
    assert [r[0] for r in rows] == ["0 Hz", "0.03 Hz", "0.1 Hz"]
    for column, method in enumerate(cube["deconvolution"].to_numpy(), start=1):
        at = cube.sel(deconvolution=method, amplitude=amplitude, noise_rms=0.1)
        expected = [
            *(float(at["delta_f_min"].sel(statistic=s)) * 1e12 for s in ("q50", "q05", "q95")),
            float(at["rms_force_error"].sel(statistic="q50")) * 1e12,
        ]
        np.testing.assert_allclose(_numbers(rows[2][column]), expected, rtol=6e-3, atol=6e-3)

    # most accurate method: smallest median over amplitudes of max(|q05|, |q95|)
    best = _table_after(text, "Most accurate method")
    delta = cube["delta_f_min"]
    for i, level in enumerate([0.0, 0.03, 0.1]):
        at = delta.sel(noise_rms=level)
        e90 = np.maximum(abs(at.sel(statistic="q05")), abs(at.sel(statistic="q95")))
        overall = e90.median("amplitude")
        winner = str(overall["deconvolution"][int(np.argmin(overall.to_numpy()))].item())
        label, value = best[i][1].split(" (")
        assert label == METHODS[winner].short_label
        assert float(value.rstrip(")")) == pytest.approx(float(overall.min()) * 1e12, rel=6e-3)
        at_20 = e90.sel(amplitude=amplitude)
        winner_20 = str(at_20["deconvolution"][int(np.argmin(at_20.to_numpy()))].item())
        assert best[i][2].split(" (")[0] == METHODS[winner_20].short_label


def test_reference_amplitudes(noise_study) -> None:
    config, cubes = noise_study
    cube = cubes["lennard_jones"]
    amps = cube["amplitude"].to_numpy()
    assert reference_amplitudes(cube, config["figures"], "lennard_jones") == pytest.approx(
        [amps[1]]
    )
    assert reference_amplitudes(cube, {}, "lennard_jones") == pytest.approx([amps[2]])


def _constructed(best_by_level: list[str]) -> xr.Dataset:
    """A perturbed cube whose most accurate method at each noise level is given."""
    methods = ["sader_jarvis", "matrix_exact"]
    levels = [0.0, 0.01, 0.1]
    amplitudes = [20e-12, 100e-12]
    delta = np.zeros((len(methods), len(levels), len(amplitudes), len(STATISTICS)))
    for j, winner in enumerate(best_by_level):
        for m, method in enumerate(methods):
            error = (1.0 if method == winner else 3.0) * 1e-12 * (1 + j)
            delta[m, j, :, :] = [error, error / 4, -error, error / 2, error / 2]
    dims = ("deconvolution", "noise_rms", "amplitude", "statistic")
    return xr.Dataset(
        {
            name: (dims, delta.copy())
            for name in ("cod", "delta_f_min", "delta_z_min", "rms_force_error")
        }
        | {
            "force_std_exact": (dims[:-1], np.ones(delta.shape[:-1])),
            "force_min_model": ((), -1e-9),
            "z_min_model": ((), 0.4e-9),
        },
        coords={
            "deconvolution": methods,
            "noise_rms": levels,
            "amplitude": amplitudes,
            "statistic": list(STATISTICS),
        },
        attrs={"realizations": 10, "perturbation_seed": 3},
    )


def test_change_of_best_method_sentence() -> None:
    cube = _constructed(["matrix_exact", "matrix_exact", "sader_jarvis"])
    text = noise_summary({"morse": cube}, {"study": "constructed", "figures": {}})
    assert (
        "Over all amplitudes, the most accurate method is matrix (exact weights) at 0 Hz and "
        "changes from matrix (exact weights) to Sader\u2013Jarvis at 0.1 Hz." in text
    )
    same = noise_summary(
        {"morse": _constructed(["sader_jarvis"] * 3)}, {"study": "c", "figures": {}}
    )
    assert (
        "Sader\u2013Jarvis is the most accurate method at every noise level (0 Hz to 0.1 Hz)"
        in (same)
    )


def test_change_sentence_several_changes() -> None:
    sentence = change_sentence(
        [0.0, 0.01, 0.1, 0.3], ["matrix_exact", "matrix", "matrix", "sader_jarvis"], "at A = 1 pm"
    )
    assert sentence == (
        "At A = 1 pm, the most accurate method is matrix (exact weights) at 0 Hz and changes "
        "from matrix (exact weights) to matrix at 0.01 Hz and from matrix to Sader\u2013Jarvis "
        "at 0.3 Hz."
    )


# ---------------------------------------------------------------------------------------------
# calibration


def test_calibration_slopes_by_hand(calibration_study) -> None:
    config, cubes = calibration_study
    cube = cubes["morse"]
    f_min = abs(float(cube["force_min_model"]))
    slopes = calibration_slopes(cube, "amplitude_error")
    for method in cube["deconvolution"].to_numpy():
        for amplitude in cube["amplitude"].to_numpy():
            y = (
                cube["delta_f_min"]
                .sel(deconvolution=method, amplitude=amplitude, statistic="q50")
                .sel(z_scale_error=0.0, k_error=0.0)
                .to_numpy()
                / f_min
            )
            by_hand = np.polyfit(EPS, y, 1)[0]
            assert float(slopes.sel(deconvolution=method, amplitude=amplitude)) == pytest.approx(
                by_hand, rel=1e-9, abs=1e-12
            )
    text = noise_summary(cubes, config)
    rows = _table_after(text, "Calibration sensitivity")
    reference = float(reference_amplitudes(cube, {}, "morse")[0])
    for row, method in zip(rows, cube["deconvolution"].to_numpy(), strict=True):
        assert row[0] == METHODS[str(method)].label
        slope = slopes.sel(deconvolution=method)
        assert _numbers(row[2]) == pytest.approx(
            [float(slope.sel(amplitude=reference)), float(slope.min()), float(slope.max())],
            abs=1e-3,
        )
    assert "Check F ∝ k" in text


@pytest.mark.parametrize("method", list(METHODS))
def test_k_error_relation(calibration_study, method: str) -> None:
    """F ∝ k for every method: ΔF/F = ε_k exactly, and ΔF_min/|F_min| ≈ -ε_k."""
    _, cubes = calibration_study
    cube = cubes["morse"]
    check = k_error_check(cube).sel(deconvolution=method)
    assert float(abs(check).max()) < 1e-12
    # the recovered minimum moves by ε_k of itself: (F_min + ΔF_min(0)) ε_k, about -ε_k |F_min|
    delta = cube["delta_f_min"].sel(
        deconvolution=method, statistic="q50", amplitude_error=0.0, z_scale_error=0.0
    )
    f_min = abs(float(cube["force_min_model"]))
    change = (delta.sel(k_error=0.02) - delta.sel(k_error=-0.02)).to_numpy() / f_min
    recovered = (float(cube["force_min_model"]) + delta.sel(k_error=0.0).to_numpy()) / f_min
    np.testing.assert_allclose(change, 0.04 * recovered, rtol=1e-9)
    accurate = np.abs(recovered + 1) < 0.05  # systematic error below 5 % of |F_min|
    assert accurate.any()
    np.testing.assert_allclose(change[accurate], -0.04, rtol=0.05)
    # and directly: the method's output is linear in k
    z = np.linspace(0.23e-9, 5e-9, 400)
    df = -5.0 * np.exp(-(z - z[0]) / 0.1e-9)
    with warnings.catch_warnings():  # the matrix method warns of the coarse grid
        warnings.simplefilter("ignore", UserWarning)
        base = METHODS[method](z, df, 100e-12, 1800.0, 32768.0)
        scaled = METHODS[method](z, df, 100e-12, 1800.0 * 1.02, 32768.0)
    # a strength chosen from the data is chosen anew for the other k (its operator built and
    # diagonalised again): equal to the rounding of that decomposition
    # (of the largest force: the tail's tiny values carry the same absolute rounding)
    if METHODS[method].fit is not None:
        rtol, atol = 1e-9, 1e-12 * float(np.max(np.abs(base)))
    else:
        rtol, atol = 1e-12, 1e-24
    np.testing.assert_allclose(scaled, 1.02 * base, rtol=rtol, atol=atol)
