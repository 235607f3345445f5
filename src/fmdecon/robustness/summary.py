"""A Markdown summary of a perturbed study: noise and calibration tables, generated sentences.

The definitions (also stated in the generated text):

- **Accuracy score** of a method at one amplitude and noise level: ``e90 = max(|q05|, |q95|)``
  of the force-minimum deviation ``ΔF_min`` over the realisations, so at least 90 % of the
  noisy curves deviate by less (noise-free: ``|ΔF_min|``). It counts the bias (the minimum of
  a noisy curve picks a noise trough) and the spread. Over all amplitudes the score is the
  median of ``e90`` over the study's amplitudes; the **most accurate** method has the smallest
  score.
- **Calibration sensitivity**: the least-squares slope of ``ΔF_min / |F_min|`` (median over
  the realisations) against the relative error ``ε`` over its swept values, with the other two
  errors at (the value nearest to) 0 and the noise at its smallest level; dimensionless
  (% per %).

The selection helpers here are shared with :mod:`fmdecon.robustness.figures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.forces import law_label, ordered_laws
from fmdecon.methods import METHODS
from fmdecon.study.cube import nearest_amplitude, select_point
from fmdecon.study.perturb import ERROR_KEYS

__all__ = [
    "ERROR_LABEL",
    "KEEP_DIMS",
    "MC_LEVEL_MAX",
    "accuracy_score",
    "calibration_slopes",
    "change_sentence",
    "k_error_check",
    "monte_carlo_level",
    "most_accurate",
    "noise_levels",
    "noise_summary",
    "nominal",
    "point",
    "reference_amplitudes",
    "swept_errors",
]

#: Dimensions a perturbed cube keeps whole when one parameter point is selected.
KEEP_DIMS = ("noise_rms", *ERROR_KEYS, "statistic", "realization")
#: Largest noise level [Hz] whose Monte Carlo spread Fig. 12 shows.
MC_LEVEL_MAX = 0.1
#: Symbols of the calibration errors (plain text / Markdown).
ERROR_LABEL = {"amplitude_error": "ε_A", "z_scale_error": "ε_z", "k_error": "ε_k"}

Cubes = Mapping[str, xr.Dataset]


# ---------------------------------------------------------------------------------------------
# selection helpers (shared with the figures)


def point(cubes: Cubes, law: str, views: Mapping[str, Any]) -> xr.Dataset:
    """The cube of ``law`` at the parameter point ``views[law]["at"]`` (else the first one),
    with the perturbation dimensions (and ``statistic``) kept whole.

    Raises
    ------
    ValueError
        If there is no cube for ``law`` or it is not a perturbed cube.
    """
    if law not in cubes:
        raise ValueError(f"no cube for the {law} law; given: {sorted(cubes)}")
    cube = cubes[law]
    if "statistic" not in cube.dims or "force_std_exact" not in cube:
        raise ValueError(f"the {law} cube is not a perturbed cube (no statistic dimension)")
    return select_point(cube, (views.get(law) or {}).get("at") or {}, keep=KEEP_DIMS)


def noise_levels(cube: xr.Dataset) -> np.ndarray:
    """The noise levels [Hz] of a cube (a scalar coordinate as one value)."""
    return np.atleast_1d(cube["noise_rms"].to_numpy()).astype(np.float64)


def swept_errors(cube: xr.Dataset) -> list[str]:
    """The calibration errors that are dimensions of ``cube`` (more than one value)."""
    return [name for name in ERROR_KEYS if name in cube.dims]


def nominal(cube: xr.Dataset, keep: Sequence[str] = (), noise: float | None = None) -> xr.Dataset:
    """Reduce the swept perturbations not in ``keep``: each error to its value nearest to 0,
    the noise to the level ``noise`` (nearest; default: the smallest level)."""
    for name in ERROR_KEYS:
        if name in cube.dims and name not in keep:
            cube = cube.isel({name: int(np.argmin(np.abs(cube[name].to_numpy())))})
    if "noise_rms" in cube.dims and "noise_rms" not in keep:
        levels = noise_levels(cube)
        index = int(np.argmin(levels)) if noise is None else int(np.argmin(np.abs(levels - noise)))
        cube = cube.isel(noise_rms=index)
    return cube


def monte_carlo_level(levels: Sequence[float]) -> float | None:
    """The noise level of Fig. 12's Monte Carlo points: the largest level ≤ 0.1 Hz that is
    > 0, else the smallest level > 0; None without noise."""
    positive = [float(v) for v in levels if v > 0]
    if not positive:
        return None
    small = [v for v in positive if v <= MC_LEVEL_MAX * (1 + 1e-9)]
    return max(small) if small else min(positive)


def reference_amplitudes(cube: xr.Dataset, views: Mapping[str, Any], law: str) -> np.ndarray:
    """The cube amplitudes [m] nearest to ``views[law]["marked_amplitudes"]`` (duplicates
    dropped, order kept), else the median amplitude of the cube."""
    amplitudes = cube["amplitude"].to_numpy()
    marked = (views.get(law) or {}).get("marked_amplitudes") or []
    if not marked:
        return amplitudes[[amplitudes.size // 2]]
    index = nearest_amplitude(amplitudes, np.asarray(marked, dtype=np.float64))
    return amplitudes[list(dict.fromkeys(int(i) for i in index))]


def methods(cube: xr.Dataset) -> list[str]:
    """The methods of a cube, in cube order."""
    return [str(m) for m in cube["deconvolution"].to_numpy()]


def short_label(method: str) -> str:
    """Compact method name from the registry (the name itself if unregistered)."""
    entry = METHODS.get(method)
    return entry.short_label if entry is not None else method


# ---------------------------------------------------------------------------------------------
# the measures


def accuracy_score(cube: xr.Dataset) -> xr.DataArray:
    """``e90 = max(|q05|, |q95|)`` of ``delta_f_min`` [N] (over the remaining dimensions)."""
    delta = cube["delta_f_min"]
    return np.maximum(abs(delta.sel(statistic="q05")), abs(delta.sel(statistic="q95")))


def most_accurate(score: xr.DataArray) -> str:
    """The method (``deconvolution`` label) with the smallest score (NaN never wins)."""
    values = score.to_numpy()
    if not np.isfinite(values).any():
        return "n/a"
    return str(score["deconvolution"].to_numpy()[int(np.nanargmin(values))])


def calibration_slopes(cube: xr.Dataset, error: str, statistic: str = "q50") -> xr.DataArray:
    """Least-squares slope of ``ΔF_min / |F_min|`` against the relative error ``error``.

    Parameters
    ----------
    cube : xarray.Dataset
        A perturbed cube at one parameter point with ``error`` as a dimension.
    error : str
        One of :data:`fmdecon.study.perturb.ERROR_KEYS`.
    statistic : str
        Statistic of ``delta_f_min`` over the realisations.

    Returns
    -------
    xarray.DataArray
        Slope (dimensionless, % per %) over ``deconvolution`` and ``amplitude``; the other
        errors at (nearest) 0 and the noise at its smallest level.
    """
    data = nominal(cube, keep=(error,))
    eps = data[error]
    relative = data["delta_f_min"].sel(statistic=statistic) / abs(data["force_min_model"])
    centred = eps - eps.mean()
    return ((relative - relative.mean(error)) * centred).sum(error) / (centred**2).sum()


def k_error_check(cube: xr.Dataset, statistic: str = "q50") -> xr.DataArray:
    """``(ΔF_min(ε_k) - ΔF_min(0)) / (F_min + ΔF_min(0)) - ε_k`` for every swept ε_k.

    The deconvolved force is proportional to the reported k (every registered method), so the
    recovered minimum scales by ``1 + ε_k`` and this is 0 up to rounding (docs/physics.md
    section 8). Needs a value ε_k = 0 in the cube.
    """
    data = nominal(cube, keep=("k_error",))
    eps = data["k_error"].to_numpy()
    zero = np.flatnonzero(eps == 0.0)
    if zero.size == 0:
        raise ValueError("the cube has no k_error = 0")
    delta = data["delta_f_min"].sel(statistic=statistic)
    base = delta.isel(k_error=int(zero[0]))
    return (delta - base) / (data["force_min_model"] + base) - data["k_error"]


def change_sentence(levels: Sequence[float], best: Sequence[str], where: str) -> str:
    """A sentence saying at which noise levels the most accurate method changes.

    Parameters
    ----------
    levels : sequence of float
        Noise levels [Hz], increasing.
    best : sequence of str
        The most accurate method at each level.
    where : str
        What the ranking was taken over (e.g. ``"over all amplitudes"``).
    """
    names = [METHODS[m].label if m in METHODS else m for m in best]
    shown = [_hz(v) for v in levels]
    where = where[:1].upper() + where[1:]
    if len(set(names)) == 1:
        return (
            f"{where}, {names[0]} is the most accurate method at every noise level "
            f"({shown[0]} to {shown[-1]})."
        )
    changes = [
        f"from {names[i - 1]} to {names[i]} at {shown[i]}"
        for i in range(1, len(names))
        if names[i] != names[i - 1]
    ]
    return (
        f"{where}, the most accurate method is {names[0]} at {shown[0]} and changes "
        + _join(changes)
        + "."
    )


# ---------------------------------------------------------------------------------------------
# formatting


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _hz(value: float) -> str:
    return f"{value:g} Hz"


def _pn(value: float) -> str:
    """A force [N] in pN with about three significant digits (no exponent)."""
    if not np.isfinite(value):
        return "n/a"
    x = value * 1e12
    magnitude = abs(x)
    if magnitude < 5e-4:
        return "0"
    if magnitude < 0.995:  # three significant digits, no exponent
        return f"{x:.{2 - int(np.floor(np.log10(magnitude)))}f}"
    return f"{x:.0f}" if magnitude >= 99.5 else f"{x:.1f}" if magnitude >= 9.95 else f"{x:.2f}"


def _pm(value: float) -> str:
    return f"{value * 1e12:.3g} pm"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table (``|`` inside cells escaped)."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return [line(header), "|" + "|".join("---" for _ in header) + "|", *map(line, rows)]


def _law_title(cube: xr.Dataset, law: str) -> str:
    text = law_label(law)
    if "kappa" in cube.coords and cube["kappa"].ndim == 0:
        text += f" (κ = {float(cube['kappa']) * 1e-9:g} nm⁻¹)"
    return text


# ---------------------------------------------------------------------------------------------
# the sections


def _noise_section(cube: xr.Dataset, law: str, views: Mapping[str, Any]) -> list[str]:
    data = nominal(cube, keep=("noise_rms",))
    levels = noise_levels(data)
    names = methods(data)
    amplitudes = reference_amplitudes(data, views, law)
    lines: list[str] = []
    for amplitude in amplitudes:
        at = data.sel(amplitude=amplitude)
        lines += [
            "",
            f"ΔF_min median (5 % … 95 %) and rms force error median, pN, at A = {_pm(amplitude)}:",
            "",
        ]
        rows = []
        for level in levels:
            row = [_hz(level)]
            for method in names:
                one = at.sel(deconvolution=method)
                if "noise_rms" in one.dims:
                    one = one.sel(noise_rms=level)
                delta = one["delta_f_min"]
                row.append(
                    f"{_pn(float(delta.sel(statistic='q50')))} "
                    f"({_pn(float(delta.sel(statistic='q05')))} … "
                    f"{_pn(float(delta.sel(statistic='q95')))}); "
                    f"rms {_pn(float(one['rms_force_error'].sel(statistic='q50')))}"
                )
            rows.append(row)
        lines += _table(["noise", *(short_label(m) for m in names)], rows)

    # most accurate method per level: over all amplitudes and at each reference amplitude
    score = accuracy_score(data)
    if "noise_rms" not in score.dims:
        score = score.expand_dims(noise_rms=levels)
    overall = score.median("amplitude")
    best_all = [most_accurate(overall.isel(noise_rms=i)) for i in range(levels.size)]
    best_at = {
        float(a): [
            most_accurate(score.sel(amplitude=a).isel(noise_rms=i)) for i in range(levels.size)
        ]
        for a in amplitudes
    }
    header = ["noise", "all amplitudes (median e90)", *(f"A = {_pm(a)}" for a in best_at)]
    rows = []
    for i, level in enumerate(levels):
        cells = [
            f"{short_label(best_all[i])} "
            f"({_pn(float(overall.sel(deconvolution=best_all[i]).isel(noise_rms=i)))})"
            if best_all[i] != "n/a"
            else "n/a"
        ]
        for a, best in best_at.items():
            value = (
                _pn(float(score.sel(amplitude=a, deconvolution=best[i]).isel(noise_rms=i)))
                if best[i] != "n/a"
                else "n/a"
            )
            cells.append(f"{short_label(best[i])} ({value})")
        rows.append([_hz(level), *cells])
    lines += [
        "",
        "Most accurate method (smallest accuracy score e90 = max(|q05|, |q95|) of ΔF_min over the "
        "realisations, pN: at least 90 % of the noisy curves deviate by less; over all "
        f"amplitudes: the median of e90 over the {data.sizes['amplitude']} amplitudes):",
        "",
        *_table(header, rows),
        "",
        "- " + change_sentence(levels, best_all, "over all amplitudes"),
    ]
    lines += [
        "- " + change_sentence(levels, best, f"at A = {_pm(a)}") for a, best in best_at.items()
    ]
    return lines


def versus_others(data: xr.Dataset, method: str) -> xr.Dataset:
    """``method`` against the best of the other methods, per (noise > 0, amplitude) cell:
    e90 and median rms force error of both and their ratios (others' best / method's)."""
    score = accuracy_score(data)
    rms = data["rms_force_error"].sel(statistic="q50")
    others = [m for m in methods(data) if m != method]
    noisy = data["noise_rms"].to_numpy() > 0
    pick = {"noise_rms": data["noise_rms"].to_numpy()[noisy]}
    own_e90 = score.sel(deconvolution=method).sel(pick)
    best_e90 = score.sel(deconvolution=others).min("deconvolution").sel(pick)
    own_rms = rms.sel(deconvolution=method).sel(pick)
    best_rms = rms.sel(deconvolution=others).min("deconvolution").sel(pick)
    return xr.Dataset(
        {
            "e90": own_e90,
            "best_e90": best_e90,
            "rms": own_rms,
            "best_rms": best_rms,
            "e90_gain": best_e90 / own_e90,
            "rms_gain": best_rms / own_rms,
        }
    )


def _versus_section(cube: xr.Dataset, law: str) -> list[str]:
    """For each method that fits its strength to the data (registry ``fit``): how it compares
    with the best of the other methods, cell by cell."""
    data = nominal(cube, keep=("noise_rms",))
    if "noise_rms" not in data.dims or not np.any(data["noise_rms"].to_numpy() > 0):
        return []
    lines: list[str] = []
    for method in methods(data):
        entry = METHODS.get(method)
        if entry is None or entry.fit is None or len(methods(data)) < 2:
            continue
        table = versus_others(data, method)
        rows = []
        for level in table["noise_rms"].to_numpy():
            one = table.sel(noise_rms=level)
            both = (one["e90"] <= one["best_e90"]) & (one["rms"] <= one["best_rms"])
            large = one.where(one["amplitude"] >= 137e-12, drop=True)
            rows.append(
                [
                    _hz(level),
                    f"{100 * float(both.mean()):.0f} %",
                    f"{float(one['e90_gain'].min()):.2f}",
                    f"{float(one['rms_gain'].min()):.2f}",
                    f"{float(large['e90_gain'].min()):.1f} / "
                    f"{float(large['e90_gain'].median()):.1f}"
                    if large.sizes["amplitude"]
                    else "n/a",
                ]
            )
        cells = table["e90"].size
        both = (table["e90"] <= table["best_e90"]) & (table["rms"] <= table["best_rms"])
        lines += [
            "",
            f"{entry.label} against the best of the other methods in each (noise, amplitude) "
            f"cell ({cells} cells with noise; gain = the others' best / its own, > 1: "
            "better):",
            "",
            *_table(
                [
                    "noise",
                    "cells with e90 and rms both ≤ the best",
                    "smallest e90 gain",
                    "smallest rms gain",
                    "e90 gain at A ≥ 137 pm, smallest / median",
                ],
                rows,
            ),
            "",
            f"- In {100 * float(both.mean()):.0f} % of the cells its e90 and its median rms "
            "force error are both at most those of the best other method; its e90 is at worst "
            f"{1 / float(table['e90_gain'].min()):.2f} times and its rms at worst "
            f"{1 / float(table['rms_gain'].min()):.2f} times the best other method's.",
        ]
    return lines


def _calibration_section(cube: xr.Dataset, law: str, views: Mapping[str, Any]) -> list[str]:
    errors = swept_errors(cube)
    names = methods(cube)
    amplitude = float(reference_amplitudes(cube, views, law)[0])
    base = nominal(cube)
    f_min = abs(float(base["force_min_model"]))
    slopes = {error: calibration_slopes(cube, error) for error in errors}
    rows = []
    for method in names:
        at_zero = float(
            base["delta_f_min"].sel(deconvolution=method, amplitude=amplitude, statistic="q50")
        )
        row = [
            METHODS[method].label if method in METHODS else method,
            f"{100 * at_zero / f_min:.2f} %",
        ]
        for error in errors:
            slope = slopes[error].sel(deconvolution=method)
            row.append(
                f"{float(slope.sel(amplitude=amplitude)):+.3f} "
                f"({float(slope.min()):+.3f} … {float(slope.max()):+.3f})"
            )
        rows.append(row)
    level = float(noise_levels(cube).min())
    lines = [
        "",
        "Calibration sensitivity: least-squares slope of ΔF_min/|F_min| (median over the "
        "realisations) against each relative error over its swept values, the other errors at 0 "
        f"and the noise at {_hz(level)}; at A = {_pm(amplitude)} and (min … max) over all "
        f"amplitudes. |F_min| = {_pn(f_min)} pN. Dimensionless (% per %).",
        "",
        *_table(
            ["method", f"ΔF_min/|F_min| at ε = 0, A = {_pm(amplitude)}"]
            + [f"slope {ERROR_LABEL[e]}" for e in errors],
            rows,
        ),
    ]
    if "k_error" in errors and np.any(cube["k_error"].to_numpy() == 0.0):
        worst = float(np.nanmax(np.abs(k_error_check(cube).to_numpy())))
        lines += [
            "",
            "Check F ∝ k: (ΔF_min(ε_k) \u2212 ΔF_min(0)) / (F_min + ΔF_min(0)) = ε_k for every "
            f"method and amplitude, largest deviation {worst:.1e}; hence the ε_k slope is "
            "\u2212(1 + ΔF_min(0)/F_min) ≈ \u22121.",
        ]
    return lines


def noise_summary(cubes: Cubes, config: Mapping[str, Any]) -> str:
    """The Markdown summary of a perturbed study.

    Per law (at the parameter point ``config["figures"][law]["at"]``): with noise, a table per
    reference amplitude (the cube amplitudes nearest to ``marked_amplitudes``, else the median
    amplitude) of the median ΔF_min, its 5-95 % range and the median rms force error for every
    noise level and method, and the most accurate method per noise level with a generated
    sentence saying where it changes; with swept calibration errors, the sensitivity of
    ΔF_min/|F_min| to each error per method and a check of the ε_k relation.

    Parameters
    ----------
    cubes : mapping of str to xarray.Dataset
        Perturbed metric cubes by law.
    config : mapping
        The validated study configuration (``study``, ``figures``).

    Returns
    -------
    str
        Markdown text ending with a newline.
    """
    views = config.get("figures", {}) or {}
    laws = ordered_laws(cubes)
    if not laws:
        raise ValueError("noise_summary needs at least one cube")
    first = cubes[laws[0]]
    lines = [
        f"# Noise and calibration errors: study `{config.get('study', 'unnamed')}`",
        "",
        f"Realisations per curve, noise level and calibration error: "
        f"{first.attrs.get('realizations', 'n/a')}; "
        f"noise seed {first.attrs.get('perturbation_seed', 'n/a')}; "
        f"{first.sizes['amplitude']} amplitudes; methods "
        + ", ".join(METHODS[m].label if m in METHODS else m for m in methods(first))
        + ". ΔF_min = min F_dec \u2212 min F_model, per realisation; forces in pN.",
    ]
    for law in laws:
        cube = point(cubes, law, views)
        lines += ["", f"## {_law_title(cube, law)}"]
        if np.any(noise_levels(cube) > 0):
            lines += _noise_section(cube, law, views)
            lines += _versus_section(cube, law)
        if swept_errors(cube):
            lines += _calibration_section(cube, law, views)
    return "\n".join(lines) + "\n"
