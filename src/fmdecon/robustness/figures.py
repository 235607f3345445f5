"""Figures 12-14: how noise and calibration errors change the recovered force minimum; the bodies
of the entries of :mod:`fmdecon.robustness.catalog`.

Drawn from the perturbed metric cubes (:func:`fmdecon.study.compute.deconvolve_perturbed`,
merged by :func:`fmdecon.study.merge`) keyed by force-law name, and ``views``, the ``figures``
section of the study configuration (per law ``at``: the swept law/sensor/grid parameter values
shown; ``marked_amplitudes``: the amplitudes of Fig. 13, nearest cube amplitudes used). Every
body is ``body(cubes, curves, views, law) -> matplotlib.figure.Figure`` (the curves and
``law`` are not used):

- ``fig12_noise_force_std``: standard deviation of the force at the force minimum per 1 Hz of
  frequency-shift noise versus amplitude, exact (:func:`fmdecon.force_noise`, stored as
  ``force_std_exact``) as lines and, as points, the Monte Carlo standard deviation of the
  deconvolved force at the model's force minimum (``force_error_at_minimum``).
- ``fig13_noise_force_minimum``: median ΔF_min with its 5-95 % band versus noise level at the
  marked amplitudes.
- ``fig14_calibration``: ΔF_min/|F_min| versus each calibration error at one amplitude, and its
  slope (sensitivity) versus amplitude, with the exact ε_k relation as reference.

House style, line styles and labels, drawing and writing: :mod:`fmdecon.plot`. Data are SI
inside; axes show pm, pN and %.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from fmdecon.forces import ordered_laws
from fmdecon.plot import (
    DOUBLE_COLUMN,
    PM,
    PN,
    format_amplitude,
    law_title,
    method_style,
    new_figure,
    panel_letter,
)
from fmdecon.robustness.summary import (
    calibration_slopes,
    methods,
    monte_carlo_level,
    noise_levels,
    nominal,
    point,
    reference_amplitudes,
    swept_errors,
)
from fmdecon.study.perturb import ERROR_KEYS

__all__ = [
    "ERROR_SYMBOL",
    "MONTE_CARLO",
    "calibration_figure",
    "force_std_figure",
    "noise_force_minimum_figure",
]

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]

#: Symbols of the calibration errors on the axes.
ERROR_SYMBOL = {
    "amplitude_error": r"$\varepsilon_A$",
    "z_scale_error": r"$\varepsilon_z$",
    "k_error": r"$\varepsilon_k$",
}


# ---------------------------------------------------------------------------------------------
# helpers


def _points(cubes: Cubes, views: Views) -> dict[str, xr.Dataset]:
    laws = ordered_laws(cubes)
    if not laws:
        raise ValueError("this figure needs at least one perturbed cube")
    return {law: point(cubes, law, views) for law in laws}


def _legend(figure: Figure, ax: Axes, extra: Sequence[Any] = (), ncol: int = 3) -> None:
    handles, labels = ax.get_legend_handles_labels()
    handles += list(extra)
    labels += [str(h.get_label()) for h in extra]
    figure.legend(handles, labels, loc="outside upper center", ncol=min(len(labels), ncol))


def _noise_tick(value: float) -> str:
    return "0" if value == 0 else f"{value:g}"


# ---------------------------------------------------------------------------------------------
# the bodies: body(cubes, curves, views, law) -> Figure


def force_std_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """Force standard deviation at the force minimum per Hz of noise versus A (Fig. 12)."""
    data = _points(cubes, views)
    figure = new_figure(DOUBLE_COLUMN, 3.0)
    axes = np.atleast_1d(figure.subplots(1, len(data), squeeze=False)[0])
    level = None
    for column, (law, cube) in enumerate(data.items()):
        cube = nominal(cube, keep=("noise_rms",))
        level = monte_carlo_level(noise_levels(cube))
        if level is None:
            raise ValueError(f"fig12 needs a noise level > 0 in the {law} cube")
        at = cube.sel(noise_rms=level) if "noise_rms" in cube.dims else cube
        amplitudes = cube["amplitude"].to_numpy() * PM
        ax = axes[column]
        for method in methods(cube):
            style = method_style(method)
            exact = at["force_std_exact"].sel(deconvolution=method).to_numpy() / level
            spread = at[MONTE_CARLO].sel(deconvolution=method, statistic="std").to_numpy()
            ax.plot(amplitudes, exact * PN, **style)
            ax.plot(
                amplitudes,
                spread / level * PN,
                linestyle="none",
                marker="o",
                ms=2.8,
                mfc="none",
                mew=0.7,
                color=style["color"],
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(amplitudes.min(), amplitudes.max())
        ax.set_xlabel("amplitude A (pm)")
        ax.set_ylabel(r"std $F(z_{\min})$ per $\sigma_{\Delta f}$ (pN/Hz)")
        ax.set_title(law_title(cube, law))
        ax.grid(True, which="major", color="0.9", lw=0.4)
        panel_letter(ax, column)
    realizations = next(iter(data.values())).attrs.get("realizations", "?")
    extra = [
        Line2D([], [], color="0.3", label="exact (linear propagation)"),
        Line2D(
            [],
            [],
            color="0.3",
            linestyle="none",
            marker="o",
            mfc="none",
            ms=2.8,
            label=f"Monte Carlo: std of F at the minimum ({realizations} draws, {level:g} Hz)",
        ),
    ]
    _legend(figure, axes[0], extra)
    return figure


#: The Monte Carlo counterpart of ``force_std_exact``: the force error at the model's force
#: minimum, whose standard deviation over the realisations the exact propagation predicts.
MONTE_CARLO = "force_error_at_minimum"


def noise_force_minimum_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """Median ΔF_min and 5-95 % band versus noise level at the marked amplitudes (Fig. 13)."""
    data = _points(cubes, views)
    references = {law: reference_amplitudes(cube, views, law) for law, cube in data.items()}
    columns = max(a.size for a in references.values())
    figure = new_figure(DOUBLE_COLUMN, 1.05 + 1.95 * len(data))
    axes = np.asarray(figure.subplots(len(data), columns, squeeze=False))
    index = 0
    for row, (law, cube) in enumerate(data.items()):
        cube = nominal(cube, keep=("noise_rms",))
        levels = noise_levels(cube)
        positive = levels[levels > 0]
        if positive.size == 0:
            raise ValueError(f"fig13 needs a noise level > 0 in the {law} cube")
        # the level 0 is drawn at the left of a log axis, apart from the others
        zero_at = positive.min() / 3.0
        x = np.where(levels > 0, levels, zero_at)
        order = np.argsort(x)
        for column in range(columns):
            ax = axes[row, column]
            if column >= references[law].size:
                ax.set_visible(False)
                continue
            amplitude = float(references[law][column])
            at = cube.sel(amplitude=amplitude)
            names = methods(cube)
            for i, method in enumerate(names):
                style = method_style(method)
                delta = at["delta_f_min"].sel(deconvolution=method)
                if "noise_rms" not in delta.dims:
                    delta = delta.expand_dims(noise_rms=levels)
                q05, q50, q95 = (
                    delta.sel(statistic=s).to_numpy()[order] * PN for s in ("q05", "q50", "q95")
                )
                xs = x[order] * 1.07 ** (i - (len(names) - 1) / 2)  # dodge the methods
                noisy = levels[order] > 0
                ax.fill_between(
                    xs[noisy], q05[noisy], q95[noisy], color=style["color"], alpha=0.13, lw=0
                )
                ax.plot(xs[noisy], q50[noisy], marker="o", ms=2.5, **style)
                ax.errorbar(
                    xs[~noisy],
                    q50[~noisy],
                    yerr=[q50[~noisy] - q05[~noisy], q95[~noisy] - q50[~noisy]],
                    color=style["color"],
                    marker="s",
                    ms=2.8,
                    lw=0,
                    elinewidth=0.8,
                )
            ax.axhline(0.0, color="0.6", lw=0.5, zorder=0)
            if np.any(levels == 0):  # separates the noise-free level from the log axis
                ax.axvline(np.sqrt(zero_at * positive.min()), color="0.75", lw=0.5, ls=":")
            ax.set_xscale("log")
            ax.set_xlim(x.min() / 1.6, positive.max() * 1.6)
            ax.set_xticks(np.sort(x), [_noise_tick(v) for v in np.sort(levels)])
            ax.minorticks_off()
            ax.tick_params(axis="x", labelrotation=0, labelsize=7)
            ax.set_title(f"A = {format_amplitude(amplitude)}", loc="right")
            panel_letter(ax, index)
            index += 1
            if row == len(data) - 1:
                ax.set_xlabel(r"noise $\sigma_{\Delta f}$ (Hz)")
            if column == 0:
                ax.set_ylabel(f"{law_title(cube, law)}\n" + r"$\Delta F_{\min}$ (pN)")
    extra = [
        mpl.patches.Patch(color="0.5", alpha=0.3, label="5\u201395 % of realisations"),
        Line2D([], [], color="0.3", marker="o", ms=2.5, label="median"),
        Line2D([], [], color="0.3", marker="s", ms=2.8, lw=0, label="noise-free"),
    ]
    _legend(figure, axes[0, 0], extra)
    return figure


def calibration_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """ΔF_min/|F_min| versus each calibration error at one amplitude, and its slope versus
    amplitude, one pair of rows per law (Fig. 14)."""
    data = _points(cubes, views)
    errors = [e for e in ERROR_KEYS if any(e in swept_errors(c) for c in data.values())]
    if not errors:
        raise ValueError("fig14 needs a swept calibration error")
    figure = new_figure(DOUBLE_COLUMN, 0.8 + 3.2 * len(data))
    axes = np.asarray(figure.subplots(2 * len(data), len(errors), squeeze=False))
    for block, (law, cube) in enumerate(data.items()):
        amplitude = float(reference_amplitudes(cube, views, law)[0])
        f_min = abs(float(cube["force_min_model"]))
        level = float(noise_levels(cube).min())
        names = methods(cube)
        for column, error in enumerate(errors):
            ax_eps, ax_slope = axes[2 * block, column], axes[2 * block + 1, column]
            if error not in cube.dims:
                ax_eps.set_visible(False)
                ax_slope.set_visible(False)
                continue
            at = nominal(cube, keep=(error,))
            eps = at[error].to_numpy()
            slopes = calibration_slopes(cube, error)
            amplitudes = cube["amplitude"].to_numpy() * PM
            for method in names:
                style = method_style(method)
                relative = (
                    at["delta_f_min"]
                    .sel(deconvolution=method, amplitude=amplitude, statistic="q50")
                    .to_numpy()
                    / f_min
                )
                ax_eps.plot(eps * 100, relative * 100, marker="o", ms=2.5, **style)
                ax_slope.plot(amplitudes, slopes.sel(deconvolution=method).to_numpy(), **style)
            if error == "k_error":  # F ∝ k: ΔF/F = ε_k, i.e. ΔF_min/|F_min| = -ε_k
                ax_eps.plot(
                    eps * 100,
                    -eps * 100,
                    color="k",
                    lw=0.6,
                    ls=":",
                    label=r"$\Delta F/F = \varepsilon_k$ (F ∝ k)",
                )
                ax_slope.axhline(-1.0, color="k", lw=0.6, ls=":")
            ax_eps.axhline(0.0, color="0.6", lw=0.5, zorder=0)
            if error != "k_error":
                ax_slope.axhline(0.0, color="0.6", lw=0.5, zorder=0)
            symbol = ERROR_SYMBOL[error]
            ax_eps.set_xlabel(f"{symbol} (%)")
            ax_eps.set_ylabel(r"$\Delta F_{\min}/|F_{\min}|$ (%)")
            ax_eps.set_title(f"A = {format_amplitude(amplitude)}", loc="right")
            ax_slope.set_xscale("log")
            ax_slope.set_xlim(amplitudes.min(), amplitudes.max())
            ax_slope.set_xlabel("amplitude A (pm)")
            ax_slope.set_ylabel(f"slope per {symbol}")
            ax_slope.set_title(f"\u03c3 = {level:g} Hz", loc="right")
            if column == 0:
                for ax in (ax_eps, ax_slope):
                    ax.set_ylabel(f"{law_title(cube, law)}\n{ax.get_ylabel()}")
    visible = [ax for ax in axes.ravel() if ax.get_visible()]
    for index, ax in enumerate(visible):  # row by row
        panel_letter(ax, index)
    reference = [
        Line2D([], [], color="k", lw=0.6, ls=":", label=r"$\Delta F/F = \varepsilon_k$ (F ∝ k)")
    ]
    _legend(figure, axes[0, 0], [] if "k_error" not in errors else reference)
    for handle in figure.legends:
        handle.set_ncols(5)
    return figure
