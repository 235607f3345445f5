"""The figures of Welker, Illek & Giessibl (2012), and the study's further figures, drawn from
the metric cubes and curves.

Every figure is drawn by one of a few generic bodies ``body(cubes, curves, views, law) ->
matplotlib.figure.Figure`` from the merged metric cubes (:func:`fmdecon.study.merge`) and the
curves at the marked amplitudes (:func:`fmdecon.study.selected_curves`), both keyed by force-law
name, and ``views``, the ``figures`` section of the study configuration (per law ``at``: the
swept parameter values shown; ``marked_amplitudes``). :data:`FIGURES` says which body draws
which figure for which law. Figures only plot what the cubes hold (the grid step is the cube's
``grid_step`` coordinate, the marks of Figs 3 and 6 the curves' ``amplitude_nominal``); no
force law is evaluated here (the one exception, Fig. 9c, plots the pure function
:func:`fmdecon.sqre`). Figs 2-9 reproduce the paper and show only its methods
(``Method.published``); Figs 10 and 11 show every method of the cubes. Labels and line styles
come from the method registry :data:`fmdecon.methods.METHODS`.

Data are SI inside; axes show pm, nm, pN or nN. Figures are :class:`matplotlib.figure.Figure`
objects drawn on the Agg canvas under ``rc_context``: nothing touches pyplot's global state.
:func:`available` lists the stems a configuration can make; :func:`render` writes one figure as
PNG and PDF, :func:`render_all` several in one process.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fmdecon.forces import law_label, ordered_laws
from fmdecon.methods import METHODS
from fmdecon.methods.sader_jarvis import sqre
from fmdecon.study.cube import nearest_amplitude, select_point, write_atomic
from fmdecon.welker2012.catalog import FIGURES, FigureSpec, available
from fmdecon.welker2012.facts import (
    KAPPA_A,
    emphasised,
    is_matrix_family,
    label,
    published,
    short_label,
)

__all__ = ["FIGURES", "RC", "FigureSpec", "available", "draw", "render", "render_all"]

PM = 1e12  # m -> pm
NM = 1e9  # m -> nm
PN = 1e12  # N -> pN
NN = 1e9  # N -> nN

SINGLE_COLUMN = 3.4  # figure width [in]
DOUBLE_COLUMN = 7.0  # figure width [in]

#: Matplotlib settings of every figure (applied with ``rc_context``, never globally).
RC: dict[str, Any] = {
    "font.size": 8,
    "axes.labelsize": 8,
    "axes.titlesize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": True,
    "ytick.right": True,
    "legend.frameon": False,
    "axes.formatter.useoffset": False,
    "mathtext.default": "regular",
    "pdf.compression": 6,
}

#: z range [m] of the force-curve panels (Figs 3 and 6).
Z_WINDOW = {"morse": (0.2e-9, 1.5e-9), "lennard_jones": (0.2e-9, 0.8e-9)}

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


# ---------------------------------------------------------------------------------------------
# selection and styling helpers


def _point(data: Cubes, law: str, views: Views, keep: Sequence[str] = ()) -> xr.Dataset:
    if law not in data:
        raise ValueError(f"this figure needs the {law} cube and curves; given: {sorted(data)}")
    return select_point(data[law], (views.get(law) or {}).get("at") or {}, keep=keep)


def _methods(data: xr.Dataset, paper_only: bool = True) -> list[str]:
    names = [str(m) for m in data["deconvolution"].to_numpy()]
    return published(names) if paper_only else names


def _style(method: str, index: int) -> dict[str, Any]:
    """Line properties and legend label of ``method`` (registry; colour cycle if unknown)."""
    entry = METHODS.get(method)
    style = dict(entry.style) if entry is not None and entry.style else {}
    style.setdefault("color", f"C{(index + 4) % 10}")
    style.setdefault("lw", 1.0)
    return {**style, "label": label(method)}


def _format_amplitude(amplitude: float) -> str:
    """An amplitude [m] as text in pm with three significant digits."""
    value = amplitude * PM
    digits = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:.{digits}f} pm"


def _format_cod(value: float) -> str:
    return f"{value:.4f}" if np.isfinite(value) else "n/a"


def _kappa_label(kappa: float) -> str:
    return f"κ = {kappa * 1e-9:g} nm$^{{-1}}$"


def _law_label(data: xr.Dataset, law: str) -> str:
    text = law_label(law)
    if "kappa" in data.coords and data["kappa"].ndim == 0:
        text += f" ({_kappa_label(float(data['kappa']))})"
    return text


def _panel_letter(ax: Axes, index: int) -> None:
    ax.set_title(f"({chr(ord('a') + index)})", loc="left", fontweight="bold")


def _cod_limits(values: Sequence[np.ndarray]) -> tuple[float, float]:
    finite = np.concatenate([np.asarray(v)[np.isfinite(v)] for v in values])
    low = float(finite.min()) if finite.size else 0.0
    span = max(1.0 - low, 1e-6)
    return low - 0.12 * span, 1.0 + 0.1 * span


def _amplitude_axis(ax: Axes, cube: xr.Dataset) -> None:
    amplitudes = cube["amplitude"].to_numpy() * PM
    ax.set_xscale("log")
    ax.set_xlim(amplitudes.min(), amplitudes.max())
    ax.set_xlabel("amplitude A (pm)")


def _new_figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


# ---------------------------------------------------------------------------------------------
# the bodies: body(cubes, curves, views, law) -> Figure


def _cod_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """CoD R^2 versus amplitude A of the paper's methods, marked amplitudes numbered."""
    cube = _point(cubes, law, views)
    amplitudes = cube["amplitude"].to_numpy()
    figure = _new_figure(SINGLE_COLUMN, 2.6)
    ax = figure.add_subplot()
    methods = _methods(cube)
    series = {}
    for i, method in enumerate(methods):
        series[method] = cube["cod"].sel(deconvolution=method).to_numpy()
        ax.plot(amplitudes * PM, series[method], **_style(method, i))
    nominal = np.asarray((views.get(law) or {}).get("marked_amplitudes") or [], dtype=float)
    for number, (mark, amplitude) in enumerate(
        zip(nominal, amplitudes[nearest_amplitude(amplitudes, nominal)], strict=True), start=1
    ):
        index = int(np.argmin(np.abs(amplitudes - amplitude)))
        cod_at = {m: float(series[m][index]) for m in methods}
        method = emphasised(law, float(mark), cod_at)[0]
        y = cod_at[method]
        ax.plot(amplitude * PM, y, "o", mfc="none", mec="k", ms=5, mew=0.8, zorder=5)
        around = series[method][max(0, index - 5) : index + 6]
        below = y <= np.nanmean(around)  # at a dip of the curve: label underneath
        ax.annotate(
            str(number),
            (amplitude * PM, y),
            xytext=(0, -5) if below else (0, 5),
            textcoords="offset points",
            ha="center",
            va="top" if below else "bottom",
            fontsize=8,
            fontweight="bold",
        )
    ax.set_ylim(*_cod_limits(list(series.values())))
    _amplitude_axis(ax, cube)
    ax.set_ylabel("CoD $R^2$")
    ax.legend(title=_law_label(cube, law), loc="center right", title_fontsize=7)
    return figure


def _curves_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """Model and deconvolved forces and residuals at each marked amplitude of the curves."""
    data = _point(curves, law, views)
    cube = _point(cubes, law, views) if law in cubes else None
    methods = _methods(data)
    z = data["z"].to_numpy()
    z_low, z_high = Z_WINDOW.get(law, (float(z[0]), float(z[-1])))
    window = (z >= z_low) & (z <= z_high)
    force_model = data["force_model"].to_numpy()
    use_nn = np.nanmax(np.abs(force_model[window])) > 2e-9
    scale, unit = (NN, "nN") if use_nn else (PN, "pN")
    f_min = float(np.nanmin(force_model[window]))
    f_top = float(np.nanmax(force_model[window]))

    n = data.sizes["amplitude"]
    rows = max(1, math.ceil(n / 2))
    columns = 2 if n > 1 else 1
    width = DOUBLE_COLUMN if columns == 2 else SINGLE_COLUMN
    figure = _new_figure(width, 2.75 * rows)
    grid = figure.add_gridspec(rows, columns)
    nominal = data["amplitude_nominal"].to_numpy() if "amplitude_nominal" in data.coords else None
    for panel in range(rows * columns):
        row, column = divmod(panel, columns)
        if panel >= n:
            continue
        sub = grid[row, column].subgridspec(2, 1, height_ratios=[2.2, 1.0], hspace=0.0)
        ax_force = figure.add_subplot(sub[0])
        ax_residual = figure.add_subplot(sub[1], sharex=ax_force)
        amplitude = float(data["amplitude"][panel])
        ax_force.plot(
            z[window] * NM, force_model[window] * scale, color="0.55", lw=2.4, label="model"
        )
        cod_at: dict[str, float] = {}
        for i, method in enumerate(methods):
            style = _style(method, i)
            if i > 0:  # the first method solid, the others dashed
                style["linestyle"] = "--"
            force = data["force_deconvolved"].sel(deconvolution=method)[panel].to_numpy()
            residual = data["residual"].sel(deconvolution=method)[panel].to_numpy()
            ax_force.plot(z[window] * NM, force[window] * scale, **style)
            ax_residual.plot(z[window] * NM, residual[window] * PN, **style)
            if cube is not None:
                value = (
                    cube["cod"]
                    .sel(deconvolution=method)
                    .sel(amplitude=amplitude, method="nearest")
                )
                cod_at[method] = float(value)
        ax_residual.axhline(0.0, color="0.6", lw=0.5, zorder=0)
        ax_force.axhline(0.0, color="0.6", lw=0.5, zorder=0)
        mark = float(nominal[panel]) if nominal is not None else amplitude
        title = f"({chr(ord('a') + panel)}) A = {_format_amplitude(amplitude)}"
        if cod_at:
            quoted = emphasised(law, mark, cod_at)
            if len(quoted) > 1:
                lowest = min(cod_at[m] for m in quoted)
                title += f", $R^2$ ≥ {_format_cod(lowest)} (both)"
            else:
                short = short_label(quoted[0])
                title += f", $R^2$ = {_format_cod(cod_at[quoted[0]])} ({short})"
            text = "\n".join(
                f"$R^2_{{\\mathrm{{{short_label(m)}}}}}$ = {_format_cod(v)}"
                for m, v in cod_at.items()
            )
            ax_force.text(
                0.97, 0.06, text, transform=ax_force.transAxes, ha="right", va="bottom", fontsize=7
            )
        ax_force.set_title(title, loc="left")
        ax_force.set_ylim(1.25 * f_min * scale, (f_top + 0.15 * abs(f_min)) * scale)
        ax_residual.yaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
        ax_force.set_xlim(z_low * NM, z_high * NM)
        ax_force.tick_params(labelbottom=False)
        ax_force.set_ylabel(f"force ({unit})")
        ax_residual.set_ylabel("ΔF (pN)")
        ax_residual.set_xlabel("z (nm)")
        if panel == 0:
            handles, labels = ax_force.get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncol=len(labels))
    return figure


def _force_minimum_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """(a) ΔF_min and (b) Δz_Fmin of the paper's methods versus amplitude."""
    cube = _point(cubes, law, views)
    amplitudes = cube["amplitude"].to_numpy() * PM
    step = float(cube["grid_step"])
    figure = _new_figure(SINGLE_COLUMN, 4.2)
    ax_force, ax_position = figure.subplots(2, 1, sharex=True)
    for i, method in enumerate(_methods(cube)):
        style = _style(method, i)
        delta_f = cube["delta_f_min"].sel(deconvolution=method).to_numpy()
        delta_z = cube["delta_z_min"].sel(deconvolution=method).to_numpy()
        ax_force.plot(amplitudes, delta_f * PN, **style)
        ax_position.plot(amplitudes, delta_z * PM, drawstyle="steps-mid", **style)
    for ax in (ax_force, ax_position):
        ax.axhline(0.0, color="0.6", lw=0.5, zorder=0)
    _amplitude_axis(ax_position, cube)
    ax_force.set_ylabel(r"$\Delta F_{\min}$ (pN)")
    ax_position.set_ylabel(r"$\Delta z_{F\min}$ (pm)")
    ax_force.tick_params(labelbottom=False)
    ax_force.set_xlabel("")
    steps = ax_position.secondary_yaxis(
        "right", functions=(lambda y: y / (step * PM), lambda s: s * step * PM)
    )
    steps.set_ylabel(f"grid steps (d = {step * PM:.3g} pm)")
    steps.yaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax_position.get_ylim()
    ax_position.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
    ax_position.tick_params(right=False)
    ax_force.legend(title=_law_label(cube, law), loc="best", title_fontsize=7)
    _panel_letter(ax_force, 0)
    _panel_letter(ax_position, 1)
    return figure


def _spike_lines(ax: Axes, start: float, count: int = 10) -> None:
    """Dotted lines at A/d = n + 1/2 over ``count`` units of A/d from ``start``."""
    for n in np.arange(start, start + count):
        ax.axvline(n + 0.5, color="0.4", lw=0.6, linestyle=":", zorder=0)
    ax.set_xlim(start, start + count)
    ax.set_xticks(np.arange(start, start + count + 0.1, 2.0))


def _matrix_a_over_d_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """Matrix-method CoD versus A/d for every law, with an inset at small A/d (Fig. 8)."""
    figure = _new_figure(SINGLE_COLUMN, 2.8)
    ax = figure.add_subplot()
    inset = ax.inset_axes((0.43, 0.1, 0.54, 0.46))
    series = []
    ratio_low = math.inf
    for i, law in enumerate(ordered_laws(cubes)):
        cube = _point(cubes, law, views)
        if "matrix" not in _methods(cube):
            continue
        ratio = cube["a_over_d"].to_numpy()
        cod = cube["cod"].sel(deconvolution="matrix").to_numpy()
        style = {"color": f"C{i}", "lw": 0.8, "label": _law_label(cube, law)}
        ax.plot(ratio, cod, **style)
        inset.plot(ratio, cod, marker=".", ms=2.0, **style)
        series.append(cod)
        ratio_low = min(ratio_low, float(ratio.min()))
    if not series:
        raise ValueError("fig8 needs a cube with the matrix method")
    ax.set_xscale("log")
    ax.set_ylim(*_cod_limits(series))
    ax.set_xlabel("A/d")
    ax.set_ylabel("CoD $R^2$ (matrix method)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2)
    _spike_lines(inset, max(1.0, math.floor(ratio_low)))
    inset.tick_params(labelsize=7)
    inset.set_ylim(*_cod_limits(series))
    inset.set_title("dotted: A/d = n + ½", fontsize=7, pad=2)
    return figure


def _kappa_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """Sader-Jarvis CoD for every κ versus (a) A and (b) κA; (c) SqRE(x) (Fig. 9)."""
    cube = _point(cubes, law, views, keep=("kappa",))
    if "kappa" not in cube.dims:
        raise ValueError("fig9 needs a morse cube swept over kappa")
    figure = _new_figure(DOUBLE_COLUMN, 2.5)
    ax_a, ax_b, ax_c = figure.subplots(1, 3)
    amplitudes = cube["amplitude"].to_numpy()
    kappas = cube["kappa"].to_numpy()
    colours = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, kappas.size))
    series = []
    for kappa, colour in zip(kappas, colours, strict=True):
        cod = cube["cod"].sel(deconvolution="sader_jarvis", kappa=kappa).to_numpy()
        series.append(cod)
        ax_a.plot(amplitudes * PM, cod, color=colour, lw=0.9)
        ax_b.plot(kappa * amplitudes, cod, color=colour, lw=0.9, label=_kappa_label(kappa))
    limits = _cod_limits(series)
    for ax in (ax_a, ax_b):
        ax.set_xscale("log")
        ax.set_ylim(*limits)
        ax.set_ylabel(f"CoD $R^2$ ({label('sader_jarvis')})")
    ax_a.set_xlim(amplitudes.min() * PM, amplitudes.max() * PM)
    ax_a.set_xlabel("amplitude A (pm)")
    ax_b.set_xlim(kappas.min() * amplitudes.min(), kappas.max() * amplitudes.max())
    ax_b.set_xlabel("κA")
    for value in KAPPA_A:  # worst and best κA stated in the paper
        ax_b.axvline(value, color="0.5", lw=0.6, linestyle=":", zorder=0)
        ax_b.text(
            value,
            1.01,
            f"{value:g}",
            transform=ax_b.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=7,
            color="0.35",
        )
    figure.legend(loc="outside upper center", ncol=kappas.size, handlelength=1.5)
    x = np.geomspace(1e-2, 1e2, 2001)
    ax_c.plot(x, sqre(x), color="k", lw=0.9)
    ax_c.set_xscale("log")
    ax_c.set_yscale("log")
    ax_c.set_xlim(x[0], x[-1])
    ax_c.set_ylim(1e-8, 1e-2)
    ax_c.set_xlabel("x")
    ax_c.set_ylabel(r"SqRE$(x) = ((T_{SJ} - T)/T)^2$")
    for index, ax in enumerate((ax_a, ax_b, ax_c)):
        _panel_letter(ax, index)
    return figure


def _all_methods_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD(A) and |ΔF_min|(A) of every method of the cubes, one column per law (Fig. 10)."""
    laws = ordered_laws(cubes)
    figure = _new_figure(DOUBLE_COLUMN, 4.6)
    axes = np.asarray(figure.subplots(2, len(laws), sharex="col", squeeze=False))
    for column, law in enumerate(laws):
        cube = _point(cubes, law, views)
        ax_cod, ax_force = axes[:, column]
        series = []
        for i, method in enumerate(_methods(cube, paper_only=False)):
            style = _style(method, i)
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            delta_f = np.abs(cube["delta_f_min"].sel(deconvolution=method).to_numpy())
            series.append(cod)
            ax_cod.plot(cube["amplitude"].to_numpy() * PM, cod, **style)
            ax_force.plot(cube["amplitude"].to_numpy() * PM, delta_f * PN, **style)
        ax_cod.set_ylim(*_cod_limits(series))
        ax_cod.set_title(_law_label(cube, law))
        ax_cod.set_ylabel("CoD $R^2$")
        ax_force.set_yscale("log")
        ax_force.set_ylabel(r"$|\Delta F_{\min}|$ (pN)")
        _amplitude_axis(ax_force, cube)
        ax_cod.tick_params(labelbottom=False)
    for index, ax in enumerate(axes.T.ravel()):
        _panel_letter(ax, index)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncol=len(labels))
    return figure


def _wellposedness_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD(A) of every method with the amplitudes the inflection-point test forbids shaded,
    one panel per law (the test of docs/physics.md section 10 on the model force, stored in
    the cube as ``inflection_S`` and ``forbidden_amplitude_low``/``_high``)."""
    laws = ordered_laws(cubes)
    figure = _new_figure(DOUBLE_COLUMN, 2.9)
    axes = np.atleast_1d(figure.subplots(1, len(laws), squeeze=False)[0])
    for column, law in enumerate(laws):
        cube = _point(cubes, law, views)
        ax = axes[column]
        amplitudes = cube["amplitude"].to_numpy() * PM
        series = []
        for i, method in enumerate(_methods(cube, paper_only=False)):
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            series.append(cod)
            ax.plot(amplitudes, cod, **_style(method, i))
        low = (
            float(cube["forbidden_amplitude_low"]) if "forbidden_amplitude_low" in cube else np.nan
        )
        high = (
            float(cube["forbidden_amplitude_high"])
            if "forbidden_amplitude_high" in cube
            else np.nan
        )
        s_value = float(cube["inflection_S"]) if "inflection_S" in cube else np.nan
        if np.isfinite(low):
            ax.axvspan(low * PM, high * PM, color="0.75", alpha=0.6, lw=0, label="forbidden A")
            verdict = f"ill-posed for A = {low * PM:.1f}\u2013{high * PM:.1f} pm"
        elif np.isfinite(s_value):
            verdict = "well-posed (S > \u22121)"
        else:
            verdict = "no inflection point: well-posed"
        text = f"S = {s_value:.3f}: {verdict}" if np.isfinite(s_value) else verdict
        ax.text(0.03, 0.04, text, transform=ax.transAxes, fontsize=7, va="bottom")
        ax.set_ylim(*_cod_limits(series))
        ax.set_title(_law_label(cube, law))
        ax.set_ylabel("CoD $R^2$")
        _amplitude_axis(ax, cube)
        _panel_letter(ax, column)
    handles, labels = [], []
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            if text not in labels:
                handles.append(handle)
                labels.append(text)
    figure.legend(handles, labels, loc="outside upper center", ncol=min(len(labels), 5))
    return figure


def _matrix_family_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD versus A/d of the matrix-family methods: one column per law, the second row zoomed
    at small A/d with dotted lines at A/d = n + 1/2 (Fig. 11)."""
    laws = ordered_laws(cubes)
    figure = _new_figure(DOUBLE_COLUMN, 4.6)
    axes = np.asarray(figure.subplots(2, len(laws), squeeze=False))
    for column, law in enumerate(laws):
        cube = _point(cubes, law, views)
        ax_all, ax_zoom = axes[:, column]
        ratio = cube["a_over_d"].to_numpy()
        series = []
        for i, method in enumerate(_methods(cube, paper_only=False)):
            if not is_matrix_family(method):
                continue
            style = _style(method, i)
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            series.append(cod)
            ax_all.plot(ratio, cod, **style)
            ax_zoom.plot(ratio, cod, marker=".", ms=2.0, **style)
        if not series:
            raise ValueError("fig11 needs a cube with a matrix-family method")
        ax_all.set_xscale("log")
        ax_all.set_xlim(ratio.min(), ratio.max())
        ax_all.set_ylim(*_cod_limits(series))
        ax_all.set_title(_law_label(cube, law))
        start = max(1.0, math.floor(float(ratio.min())))
        _spike_lines(ax_zoom, start)
        shown = (ratio >= start) & (ratio <= start + 10.0)
        ax_zoom.set_ylim(*_cod_limits([s[shown] for s in series]))
        ax_zoom.set_title("zoom; dotted: A/d = n + ½", fontsize=7, loc="right")
        for ax in (ax_all, ax_zoom):
            ax.set_xlabel("A/d")
            ax.set_ylabel("CoD $R^2$")
    for index, ax in enumerate(axes.T.ravel()):
        _panel_letter(ax, index)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncol=len(labels))
    return figure


# ---------------------------------------------------------------------------------------------
# registry, availability, rendering

Body = Callable[[Cubes, Cubes, Views, Any], Figure]

#: The figure bodies by kind.
BODIES: dict[str, Body] = {
    "cod": _cod_figure,
    "curves": _curves_figure,
    "force_minimum": _force_minimum_figure,
    "matrix_a_over_d": _matrix_a_over_d_figure,
    "kappa": _kappa_figure,
    "all_methods": _all_methods_figure,
    "wellposedness": _wellposedness_figure,
    "matrix_family": _matrix_family_figure,
}


def draw(stem: str, cubes: Cubes, curves: Cubes, views: Views) -> Figure:
    """Draw the figure ``stem`` (under :data:`RC`).

    Parameters
    ----------
    stem : str
        A key of :data:`FIGURES`.
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves at the marked amplitudes, by law (SI units).
    views : mapping
        The ``figures`` section of the study configuration: per law ``at`` (swept parameter
        values shown) and ``marked_amplitudes`` [m].

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure, or the data lack what it needs.
    """
    try:
        spec = FIGURES[stem]
    except KeyError:
        raise ValueError(f"unknown figure {stem!r}; known: {', '.join(FIGURES)}") from None
    with mpl.rc_context(RC):
        return BODIES[spec.kind](cubes, curves, views, spec.law)


def render(
    stem: str, cubes: Cubes, curves: Cubes, views: Views, png: str | Path, pdf: str | Path
) -> None:
    """Draw the figure ``stem`` and write it as PNG (200 dpi) and PDF, atomically.

    Each file is written with :func:`fmdecon.study.cube.write_atomic`, so an interrupted run
    leaves no partial figure under the final name.

    Parameters
    ----------
    stem : str
        A key of :data:`FIGURES`.
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law.
    views : mapping
        The ``figures`` section of the study configuration.
    png, pdf : str or pathlib.Path
        Output files.

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure.
    """
    save(draw(stem, cubes, curves, views), FIGURES[stem].title, png, pdf)


def save(figure: Figure, title: str, png: str | Path, pdf: str | Path) -> None:
    """Write a figure as PNG (200 dpi) and PDF, each atomically
    (:func:`fmdecon.study.cube.write_atomic`); the one writer of every figure of fmdecon."""
    from fmdecon._version import __version__

    creator = f"fmdecon {__version__}"
    with mpl.rc_context(RC):
        write_atomic(
            png,
            lambda tmp: figure.savefig(tmp, format="png", dpi=200, metadata={"Software": creator}),
        )
        figure.set_layout_engine("none")  # keep the PNG's layout: the PDF need not redo it
        pdf_metadata = {"Creator": creator, "Title": title, "CreationDate": None}
        write_atomic(pdf, lambda tmp: figure.savefig(tmp, format="pdf", metadata=pdf_metadata))


def render_all(
    stems: Sequence[str], cubes: Cubes, curves: Cubes, views: Views, outdir: str | Path
) -> list[Path]:
    """Render several figures in one process as ``outdir/<stem>.png`` and ``.pdf``.

    Parameters
    ----------
    stems : sequence of str
        Keys of :data:`FIGURES`.
    cubes, curves, views
        As for :func:`render`.
    outdir : str or pathlib.Path
        Output folder (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written, PNG and PDF per stem, in ``stems`` order.
    """
    outdir = Path(outdir)
    written = []
    for stem in stems:
        png, pdf = outdir / f"{stem}.png", outdir / f"{stem}.pdf"
        render(stem, cubes, curves, views, png, pdf)
        written += [png, pdf]
    return written
