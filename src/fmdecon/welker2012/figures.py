"""The figures of Welker, Illek & Giessibl (2012), Figs 2-9, drawn from the metric cubes and
curves: the bodies of the entries of :mod:`fmdecon.welker2012.catalog`.

Every body is ``body(cubes, curves, views, law) -> matplotlib.figure.Figure``: the merged
metric cubes (:func:`fmdecon.study.merge`) and the curves at the marked amplitudes
(:func:`fmdecon.study.selected_curves`), both keyed by force-law name, and ``views``, the
``figures`` section of the study configuration (per law ``at``: the swept parameter values
shown; ``marked_amplitudes``). Figures only plot what the cubes hold (the grid step is the
cube's ``grid_step`` coordinate, the marks of Figs 3 and 6 the curves' ``amplitude_nominal``);
no force law is evaluated here (the one exception, Fig. 9c, plots the pure function
:func:`fmdecon.sqre`). They show only the paper's methods (``Method.published``). House style,
line styles, drawing and writing: :mod:`fmdecon.plot` (:func:`fmdecon.figures.draw` calls these
bodies under its ``rc_context``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fmdecon.forces import ordered_laws
from fmdecon.methods.sader_jarvis import sqre
from fmdecon.plot import (
    DOUBLE_COLUMN,
    NM,
    NN,
    PM,
    PN,
    SINGLE_COLUMN,
    amplitude_axis,
    cod_limits,
    cube_methods,
    format_amplitude,
    kappa_label,
    law_title,
    method_style,
    new_figure,
    panel_letter,
    shown_point,
    spike_lines,
)
from fmdecon.study.cube import nearest_amplitude
from fmdecon.welker2012.facts import KAPPA_A, emphasised, label, published, short_label

__all__ = [
    "Z_WINDOW",
    "cod_figure",
    "curves_figure",
    "force_minimum_figure",
    "kappa_figure",
    "matrix_a_over_d_figure",
]

#: z range [m] of the force-curve panels (Figs 3 and 6).
Z_WINDOW = {"morse": (0.2e-9, 1.5e-9), "lennard_jones": (0.2e-9, 0.8e-9)}

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


def _paper_methods(data: xr.Dataset) -> list[str]:
    """The paper's methods among those of a cube or curves dataset."""
    return published(cube_methods(data))


def _format_cod(value: float) -> str:
    return f"{value:.4f}" if np.isfinite(value) else "n/a"


# ---------------------------------------------------------------------------------------------
# the bodies: body(cubes, curves, views, law) -> Figure (Figs 2-9)


def cod_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """CoD R^2 versus amplitude A of the paper's methods, marked amplitudes numbered."""
    cube = shown_point(cubes, law, views)
    amplitudes = cube["amplitude"].to_numpy()
    figure = new_figure(SINGLE_COLUMN, 2.6)
    ax = figure.add_subplot()
    methods = _paper_methods(cube)
    series = {}
    for method in methods:
        series[method] = cube["cod"].sel(deconvolution=method).to_numpy()
        ax.plot(amplitudes * PM, series[method], **method_style(method))
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
    ax.set_ylim(*cod_limits(list(series.values())))
    amplitude_axis(ax, cube)
    ax.set_ylabel("CoD $R^2$")
    ax.legend(title=law_title(cube, law), loc="center right", title_fontsize=7)
    return figure


def curves_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """Model and deconvolved forces and residuals at each marked amplitude of the curves."""
    data = shown_point(curves, law, views)
    cube = shown_point(cubes, law, views) if law in cubes else None
    methods = _paper_methods(data)
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
    figure = new_figure(width, 2.75 * rows)
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
            style = method_style(method)
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
        title = f"({chr(ord('a') + panel)}) A = {format_amplitude(amplitude)}"
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


def force_minimum_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """(a) ΔF_min and (b) Δz_Fmin of the paper's methods versus amplitude."""
    cube = shown_point(cubes, law, views)
    amplitudes = cube["amplitude"].to_numpy() * PM
    step = float(cube["grid_step"])
    figure = new_figure(SINGLE_COLUMN, 4.2)
    ax_force, ax_position = figure.subplots(2, 1, sharex=True)
    for method in _paper_methods(cube):
        style = method_style(method)
        delta_f = cube["delta_f_min"].sel(deconvolution=method).to_numpy()
        delta_z = cube["delta_z_min"].sel(deconvolution=method).to_numpy()
        ax_force.plot(amplitudes, delta_f * PN, **style)
        ax_position.plot(amplitudes, delta_z * PM, drawstyle="steps-mid", **style)
    for ax in (ax_force, ax_position):
        ax.axhline(0.0, color="0.6", lw=0.5, zorder=0)
    amplitude_axis(ax_position, cube)
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
    ax_force.legend(title=law_title(cube, law), loc="best", title_fontsize=7)
    panel_letter(ax_force, 0)
    panel_letter(ax_position, 1)
    return figure


def matrix_a_over_d_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """Matrix-method CoD versus A/d for every law, with an inset at small A/d (Fig. 8)."""
    figure = new_figure(SINGLE_COLUMN, 2.8)
    ax = figure.add_subplot()
    inset = ax.inset_axes((0.43, 0.1, 0.54, 0.46))
    series = []
    ratio_low = math.inf
    for i, law in enumerate(ordered_laws(cubes)):
        cube = shown_point(cubes, law, views)
        if "matrix" not in _paper_methods(cube):
            continue
        ratio = cube["a_over_d"].to_numpy()
        cod = cube["cod"].sel(deconvolution="matrix").to_numpy()
        style = {"color": f"C{i}", "lw": 0.8, "label": law_title(cube, law)}
        ax.plot(ratio, cod, **style)
        inset.plot(ratio, cod, marker=".", ms=2.0, **style)
        series.append(cod)
        ratio_low = min(ratio_low, float(ratio.min()))
    if not series:
        raise ValueError("fig8 needs a cube with the matrix method")
    ax.set_xscale("log")
    ax.set_ylim(*cod_limits(series))
    ax.set_xlabel("A/d")
    ax.set_ylabel("CoD $R^2$ (matrix method)")
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=2, borderaxespad=0.2)
    spike_lines(inset, max(1.0, math.floor(ratio_low)))
    inset.tick_params(labelsize=7)
    inset.set_ylim(*cod_limits(series))
    inset.set_title("dotted: A/d = n + ½", fontsize=7, pad=2)
    return figure


def kappa_figure(cubes: Cubes, curves: Cubes, views: Views, law: str) -> Figure:
    """Sader-Jarvis CoD for every κ versus (a) A and (b) κA; (c) SqRE(x) (Fig. 9)."""
    cube = shown_point(cubes, law, views, keep=("kappa",))
    if "kappa" not in cube.dims:
        raise ValueError("fig9 needs a morse cube swept over kappa")
    figure = new_figure(DOUBLE_COLUMN, 2.5)
    ax_a, ax_b, ax_c = figure.subplots(1, 3)
    amplitudes = cube["amplitude"].to_numpy()
    kappas = cube["kappa"].to_numpy()
    colours = mpl.colormaps["viridis"](np.linspace(0.0, 0.9, kappas.size))
    series = []
    for kappa, colour in zip(kappas, colours, strict=True):
        cod = cube["cod"].sel(deconvolution="sader_jarvis", kappa=kappa).to_numpy()
        series.append(cod)
        ax_a.plot(amplitudes * PM, cod, color=colour, lw=0.9)
        ax_b.plot(kappa * amplitudes, cod, color=colour, lw=0.9, label=kappa_label(kappa))
    limits = cod_limits(series)
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
        panel_letter(ax, index)
    return figure
