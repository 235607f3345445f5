"""The figures of Welker, Illek & Giessibl (2012), drawn from the metric cubes and curves.

Every figure is a function ``figN(cubes, curves, config) -> matplotlib.figure.Figure`` of the
merged metric cubes (:func:`fmdecon.study.merge`) and the curves at the marked amplitudes
(:func:`fmdecon.study.selected_curves`), both keyed by force-law name, and the validated study
configuration. Figures only plot what the cubes hold: no force law is evaluated here (the one
exception, Fig. 9c, plots the pure function :func:`fmdecon.sqre`).

Data are SI inside; axes show pm, nm, pN or nN. The figures use the object-oriented API
(:class:`matplotlib.figure.Figure`), so nothing touches pyplot's global state.

:data:`FIGURES` maps each output stem to its :class:`FigureSpec`; :func:`available` lists the
stems a configuration can make and :func:`render` writes one figure as PNG and PDF.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fmdecon.methods.sader_jarvis import sqre
from fmdecon.study.config import as_list

__all__ = [
    "FIGURES",
    "METHOD_STYLE",
    "FigureSpec",
    "available",
    "fig2",
    "fig3",
    "fig4",
    "fig5",
    "fig6",
    "fig7",
    "fig8",
    "fig9",
    "marked_amplitudes",
    "render",
    "select_point",
]

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
}

#: Line style and label of each deconvolution method; unknown methods get the colour cycle.
METHOD_STYLE: dict[str, dict[str, Any]] = {
    "sader_jarvis": {"label": "Sader\u2013Jarvis", "color": "C0", "linestyle": "-", "lw": 1.1},
    "matrix": {"label": "matrix", "color": "C3", "linestyle": "-", "lw": 0.8},
}
METHOD_SHORT = {"sader_jarvis": "SJ", "matrix": "matrix"}

LAW_LABEL = {"morse": "Morse", "lennard_jones": "Lennard-Jones"}

#: z range [m] of the force-curve panels (Figs 3 and 6).
Z_WINDOW = {"morse": (0.2e-9, 1.5e-9), "lennard_jones": (0.2e-9, 0.8e-9)}

#: The method whose R^2 the paper quotes for each marked amplitude (captions of Figs 3, 6),
#: keyed by law and nominal amplitude [pm]; other marks fall back to the lowest R^2.
PAPER_EMPHASIS: dict[tuple[str, float], tuple[str, ...]] = {
    ("morse", 12.8): ("matrix",),
    ("morse", 12.9): ("matrix",),
    ("morse", 137.0): ("sader_jarvis",),
    ("morse", 352.0): ("sader_jarvis", "matrix"),
    ("lennard_jones", 11.7): ("matrix",),
    ("lennard_jones", 12.0): ("matrix",),
    ("lennard_jones", 23.0): ("sader_jarvis",),
    ("lennard_jones", 58.3): ("sader_jarvis",),
}

#: Dimensions that are not parameters of the study point.
_DATA_DIMS = ("deconvolution", "amplitude", "z")

Cubes = Mapping[str, xr.Dataset]
FigureFunction = Callable[[Cubes, Cubes, Mapping[str, Any]], Figure]


# ---------------------------------------------------------------------------------------------
# selection helpers


def select_point(
    data: xr.Dataset, at: Mapping[str, float] | None = None, keep: Sequence[str] = ()
) -> xr.Dataset:
    """Select one parameter point of a cube: the values ``at``, else the first value.

    Parameters
    ----------
    data : xarray.Dataset
        A metric cube or curves dataset; every dimension other than ``deconvolution``,
        ``amplitude`` and ``z`` is a swept parameter (SI units).
    at : mapping, optional
        Parameter values to select (SI units, e.g. ``{"kappa": 4.25e9}`` [1/m]), matched with a
        relative tolerance of 1e-9. Names that are not coordinates of ``data`` are ignored.
    keep : sequence of str, optional
        Swept dimensions to keep whole (e.g. ``("kappa",)`` for Fig. 9).

    Returns
    -------
    xarray.Dataset
        ``data`` with every other swept dimension reduced to a scalar coordinate.

    Raises
    ------
    ValueError
        If a value of ``at`` is not among the values of that parameter in ``data``.
    """
    at = dict(at or {})
    for name, wanted in at.items():
        if name in keep or name not in data.coords:
            continue
        values = np.atleast_1d(data[name].to_numpy()).astype(np.float64)
        hits = np.flatnonzero(np.isclose(values, float(wanted), rtol=1e-9, atol=0.0))
        if hits.size == 0:
            raise ValueError(f"{name} = {wanted!r} is not a value of the cube: {values.tolist()}")
        if name in data.dims:
            data = data.isel({name: int(hits[0])})
    for dim in list(data.dims):
        if dim not in _DATA_DIMS and dim not in keep:
            data = data.isel({dim: 0})
    return data


def _view(config: Mapping[str, Any], law: str) -> Mapping[str, Any]:
    return config.get("figures", {}).get(law, {}) or {}


def _point(cubes: Cubes, law: str, config: Mapping[str, Any]) -> xr.Dataset:
    if law not in cubes:
        raise ValueError(f"this figure needs the {law} metric cube; given: {sorted(cubes)}")
    return select_point(cubes[law], _view(config, law).get("at", {}))


def _point_curves(curves: Cubes, law: str, config: Mapping[str, Any]) -> xr.Dataset:
    if law not in curves:
        raise ValueError(f"this figure needs the {law} curves; given: {sorted(curves)}")
    return select_point(curves[law], _view(config, law).get("at", {}))


def marked_amplitudes(cube: xr.Dataset, config: Mapping[str, Any], law: str) -> np.ndarray:
    """The cube amplitudes [m] nearest (in log) to ``figures.<law>.marked_amplitudes``.

    Parameters
    ----------
    cube : xarray.Dataset
        Metric cube with an ``amplitude`` dimension [m].
    config : mapping
        Study configuration.
    law : str
        Force-law name.

    Returns
    -------
    numpy.ndarray
        One amplitude [m] of the cube per marked amplitude, in config order.
    """
    nominal = np.asarray(_view(config, law).get("marked_amplitudes", []), dtype=np.float64)
    log_amp = np.log(cube["amplitude"].to_numpy())
    index = [int(np.argmin(np.abs(log_amp - math.log(a)))) for a in nominal]
    return cube["amplitude"].to_numpy()[index]


def _emphasis(law: str, nominal: float, cod: Mapping[str, float]) -> tuple[str, ...]:
    key = (law, round(nominal * PM, 1))
    methods = tuple(m for m in PAPER_EMPHASIS.get(key, ()) if m in cod)
    if methods:
        return methods
    finite = {m: v for m, v in cod.items() if np.isfinite(v)}
    return (min(finite, key=finite.__getitem__),) if finite else tuple(cod)[:1]


def _methods(data: xr.Dataset) -> list[str]:
    return [str(m) for m in data["deconvolution"].to_numpy()]


def _style(method: str, index: int) -> dict[str, Any]:
    default = {"label": method.replace("_", " "), "color": f"C{(index + 4) % 10}", "lw": 1.0}
    return dict(METHOD_STYLE.get(method, default))


def _label(method: str) -> str:
    return str(METHOD_STYLE.get(method, {}).get("label", method.replace("_", " ")))


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
    label = LAW_LABEL.get(law, law.replace("_", " "))
    if "kappa" in data.coords and data["kappa"].ndim == 0:
        label += f" ({_kappa_label(float(data['kappa']))})"
    return label


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


# ---------------------------------------------------------------------------------------------
# the figures (one function per figure of the paper, shared bodies for Morse and LJ)


def _cod_figure(cubes: Cubes, config: Mapping[str, Any], law: str) -> Figure:
    cube = _point(cubes, law, config)
    amplitudes = cube["amplitude"].to_numpy()
    figure = Figure(figsize=(SINGLE_COLUMN, 2.6), layout="constrained")
    ax = figure.add_subplot()
    methods = _methods(cube)
    series = {}
    for i, method in enumerate(methods):
        series[method] = cube["cod"].sel(deconvolution=method).to_numpy()
        ax.plot(amplitudes * PM, series[method], **_style(method, i))
    nominal = np.asarray(_view(config, law).get("marked_amplitudes", []), dtype=np.float64)
    for number, (mark, amplitude) in enumerate(
        zip(nominal, marked_amplitudes(cube, config, law), strict=True), start=1
    ):
        index = int(np.argmin(np.abs(amplitudes - amplitude)))
        cod_at = {m: float(series[m][index]) for m in methods}
        method = _emphasis(law, float(mark), cod_at)[0]
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


def _curves_figure(cubes: Cubes, curves: Cubes, config: Mapping[str, Any], law: str) -> Figure:
    data = _point_curves(curves, law, config)
    cube = _point(cubes, law, config) if law in cubes else None
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
    figure = Figure(figsize=(width, 2.75 * rows), layout="constrained")
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
            if method != "sader_jarvis":
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
            emphasised = _emphasis(law, mark, cod_at)
            if len(emphasised) > 1:
                lowest = min(cod_at[m] for m in emphasised)
                title += f", $R^2$ ≥ {_format_cod(lowest)} (both)"
            else:
                short = METHOD_SHORT.get(emphasised[0], emphasised[0])
                title += f", $R^2$ = {_format_cod(cod_at[emphasised[0]])} ({short})"
            text = "\n".join(
                f"$R^2_{{\\mathrm{{{METHOD_SHORT.get(m, m)}}}}}$ = {_format_cod(v)}"
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


def _force_minimum_figure(cubes: Cubes, config: Mapping[str, Any], law: str) -> Figure:
    cube = _point(cubes, law, config)
    amplitudes = cube["amplitude"].to_numpy() * PM
    step = float((cube["z_max"] - cube["z_min"]) / (cube["points"] - 1))
    figure = Figure(figsize=(SINGLE_COLUMN, 4.2), layout="constrained")
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


def fig2(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 2: CoD R^2 versus amplitude A, Morse law, every method, marked amplitudes 1-4.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law (SI units); ``cubes["morse"]`` is used at
        ``figures.morse.at``.
    config : mapping
        Study configuration (``figures.morse.marked_amplitudes`` [m] are marked).

    Returns
    -------
    matplotlib.figure.Figure
        Amplitude axis logarithmic in pm.
    """
    with mpl.rc_context(RC):
        return _cod_figure(cubes, config, "morse")


def fig3(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 3: model and deconvolved Morse forces and residuals at the marked amplitudes.

    One panel per marked amplitude: force (pN) and residual ΔF (pN) versus z (nm); the title
    gives the amplitude and R^2 of the method the paper discusses for it.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes (for R^2) and curves by law (SI units).
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with mpl.rc_context(RC):
        return _curves_figure(cubes, curves, config, "morse")


def fig4(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 4: deviation of the force minimum, (a) ΔF_min (pN) and (b) Δz_Fmin (pm), Morse.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law (SI units).
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
        Amplitude axis logarithmic in pm; (b) also in grid steps d on the right.
    """
    with mpl.rc_context(RC):
        return _force_minimum_figure(cubes, config, "morse")


def fig5(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 5: CoD R^2 versus amplitude A for the Lennard-Jones law (as :func:`fig2`).

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law (SI units).
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with mpl.rc_context(RC):
        return _cod_figure(cubes, config, "lennard_jones")


def fig6(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 6: Lennard-Jones forces and residuals at the marked amplitudes (as :func:`fig3`).

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law (SI units).
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
        Force in nN when the model force exceeds 2 nN in the window, residuals in pN.
    """
    with mpl.rc_context(RC):
        return _curves_figure(cubes, curves, config, "lennard_jones")


def fig7(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 7: deviation of the force minimum for the Lennard-Jones law (as :func:`fig4`).

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law (SI units).
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with mpl.rc_context(RC):
        return _force_minimum_figure(cubes, config, "lennard_jones")


def fig8(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 8: matrix-method CoD versus A/d for every law, with an inset at small A/d.

    The inset covers ten units of A/d from the integer part of the smallest A/d
    (A/d = 10 to 20 in the paper's study); dotted lines mark A/d = n + 1/2.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes (dimensionless ``a_over_d`` coordinate) and curves by law.
    config : mapping
        Study configuration.

    Returns
    -------
    matplotlib.figure.Figure
    """
    with mpl.rc_context(RC):
        figure = Figure(figsize=(SINGLE_COLUMN, 2.8), layout="constrained")
        ax = figure.add_subplot()
        inset = ax.inset_axes((0.43, 0.1, 0.54, 0.46))
        series = []
        ratio_low = math.inf
        order = [law for law in LAW_LABEL if law in cubes]
        order += [law for law in cubes if law not in order]
        for i, law in enumerate(order):
            cube = _point(cubes, law, config)
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
        start = max(1.0, math.floor(ratio_low))
        for n in np.arange(start, start + 10.0):
            inset.axvline(n + 0.5, color="0.4", lw=0.6, linestyle=":", zorder=0)
        inset.set_xlim(start, start + 10.0)
        inset.set_xticks(np.arange(start, start + 10.1, 2.0))
        inset.tick_params(labelsize=7)
        inset.set_ylim(*_cod_limits(series))
        inset.set_title("dotted: A/d = n + ½", fontsize=7, pad=2)
        return figure


def fig9(cubes: Cubes, curves: Cubes, config: Mapping[str, Any]) -> Figure:
    """Fig. 9: Sader-Jarvis CoD for every Morse κ versus (a) A and (b) κA; (c) SqRE(x).

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law; ``cubes["morse"]`` with a ``kappa`` dimension [1/m].
    config : mapping
        Study configuration (other swept parameters at ``figures.morse.at`` or first value).

    Returns
    -------
    matplotlib.figure.Figure
        (c) shows :func:`fmdecon.sqre` for x from 1e-2 to 1e2 (both axes logarithmic).
    """
    with mpl.rc_context(RC):
        if "morse" not in cubes:
            raise ValueError(f"fig9 needs the morse metric cube; given: {sorted(cubes)}")
        cube = select_point(cubes["morse"], _view(config, "morse").get("at", {}), keep=("kappa",))
        if "kappa" not in cube.dims:
            raise ValueError("fig9 needs a morse cube swept over kappa")
        figure = Figure(figsize=(DOUBLE_COLUMN, 2.5), layout="constrained")
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
            ax.set_ylabel("CoD $R^2$ (Sader\u2013Jarvis)")
        ax_a.set_xlim(amplitudes.min() * PM, amplitudes.max() * PM)
        ax_a.set_xlabel("amplitude A (pm)")
        ax_b.set_xlim(kappas.min() * amplitudes.min(), kappas.max() * amplitudes.max())
        ax_b.set_xlabel("κA")
        for value in (0.59, 1.5):  # worst and best κA stated in the paper
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


# ---------------------------------------------------------------------------------------------
# registry, availability, rendering


@dataclass(frozen=True)
class FigureSpec:
    """What a figure draws and what it needs.

    Attributes
    ----------
    function : callable
        ``function(cubes, curves, config) -> Figure``.
    laws : tuple of str
        Force laws that must be in the study (empty: any law).
    methods : tuple of str
        Deconvolution methods that must be in the study (empty: any method).
    title : str
        One-line description.
    marked : bool
        Needs ``figures.<law>.marked_amplitudes`` for each law (curve figures).
    swept : tuple of str
        Parameters of ``laws`` that must have at least two values.
    """

    function: FigureFunction
    laws: tuple[str, ...]
    methods: tuple[str, ...]
    title: str
    marked: bool = False
    swept: tuple[str, ...] = ()


#: Every figure by output stem.
FIGURES: dict[str, FigureSpec] = {
    "fig2_morse_cod": FigureSpec(fig2, ("morse",), (), "CoD versus amplitude, Morse law"),
    "fig3_morse_curves": FigureSpec(
        fig3, ("morse",), (), "Forces and residuals at the marked amplitudes, Morse", marked=True
    ),
    "fig4_morse_force_minimum": FigureSpec(
        fig4, ("morse",), (), "Deviation of the force minimum versus amplitude, Morse law"
    ),
    "fig5_lj_cod": FigureSpec(
        fig5, ("lennard_jones",), (), "CoD versus amplitude, Lennard-Jones law"
    ),
    "fig6_lj_curves": FigureSpec(
        fig6,
        ("lennard_jones",),
        (),
        "Forces and residuals at the marked amplitudes, Lennard-Jones",
        marked=True,
    ),
    "fig7_lj_force_minimum": FigureSpec(
        fig7,
        ("lennard_jones",),
        (),
        "Deviation of the force minimum versus amplitude, Lennard-Jones law",
    ),
    "fig8_matrix_cod_vs_a_over_d": FigureSpec(
        fig8, (), ("matrix",), "Matrix-method CoD versus A/d, spikes at A/d = n + 1/2"
    ),
    "fig9_kappa_scaling": FigureSpec(
        fig9,
        ("morse",),
        ("sader_jarvis",),
        "Sader-Jarvis CoD for several κ versus A and κA, and SqRE of T_SJ",
        swept=("kappa",),
    ),
}


def available(config: Mapping[str, Any]) -> list[str]:
    """The figure stems that a study configuration can make, in :data:`FIGURES` order.

    Parameters
    ----------
    config : mapping
        Study configuration (``laws``, ``methods``, ``figures``).

    Returns
    -------
    list of str
    """
    laws = config.get("laws", {}) or {}
    methods = list(config.get("methods", []) or [])
    stems = []
    for stem, spec in FIGURES.items():
        if not laws or not methods:
            continue
        if any(law not in laws for law in spec.laws):
            continue
        if any(method not in methods for method in spec.methods):
            continue
        if spec.marked and not all(
            _view(config, law).get("marked_amplitudes") for law in spec.laws
        ):
            continue
        if any(
            len(as_list(laws[law].get(name, []))) < 2 for law in spec.laws for name in spec.swept
        ):
            continue
        stems.append(stem)
    return stems


def _save(figure: Figure, path: Path, file_format: str, **options: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        figure.savefig(tmp, format=file_format, **options)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render(
    stem: str,
    cubes: Cubes,
    curves: Cubes,
    config: Mapping[str, Any],
    png: str | Path,
    pdf: str | Path,
) -> None:
    """Draw the figure ``stem`` and write it as PNG (200 dpi) and PDF, atomically.

    Each file is written to a temporary sibling and renamed, so an interrupted run leaves no
    partial figure under the final name.

    Parameters
    ----------
    stem : str
        A key of :data:`FIGURES`.
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves by law.
    config : mapping
        Study configuration.
    png, pdf : str or pathlib.Path
        Output files.

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure.
    """
    from fmdecon import __version__

    try:
        spec = FIGURES[stem]
    except KeyError:
        raise ValueError(f"unknown figure {stem!r}; known: {', '.join(FIGURES)}") from None
    creator = f"fmdecon {__version__}"
    with mpl.rc_context(RC):
        figure = spec.function(cubes, curves, config)
        _save(figure, Path(png), "png", dpi=200, metadata={"Software": creator})
        _save(
            figure,
            Path(pdf),
            "pdf",
            metadata={"Creator": creator, "Title": spec.title, "CreationDate": None},
        )
