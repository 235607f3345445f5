"""The study's figures beyond the paper, drawn from the metric cubes of a noise-free study: the
bodies of the entries of :mod:`fmdecon.beyond.catalog`.

- ``fig10_all_methods``: CoD and |ΔF_min| versus amplitude of every method of the cubes;
- ``fig11_matrix_family_cod_vs_a_over_d``: CoD versus A/d of the matrix-family methods;
- ``fig15_cod_wellposedness``: CoD versus amplitude with the amplitudes the inflection-point
  test (docs/physics.md section 10) forbids, as the cube stores them.

Every body is ``body(cubes, curves, views, law) -> matplotlib.figure.Figure`` (cubes by law,
``views`` the ``figures`` section of the study configuration; the curves are not used) and
shows every method of the cubes, each law at the point its single-point figures show. House
style, line styles, drawing and writing: :mod:`fmdecon.plot`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from fmdecon.forces import ordered_laws
from fmdecon.plot import (
    DOUBLE_COLUMN,
    PM,
    PN,
    amplitude_axis,
    cod_limits,
    cube_methods,
    law_title,
    method_style,
    new_figure,
    panel_letter,
    shown_point,
    spike_lines,
)
from fmdecon.welker2012.facts import is_matrix_family

__all__ = ["all_methods_figure", "matrix_family_figure", "wellposedness_figure"]

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


def all_methods_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD(A) and |ΔF_min|(A) of every method of the cubes, one column per law (Fig. 10)."""
    laws = ordered_laws(cubes)
    figure = new_figure(DOUBLE_COLUMN, 4.6)
    axes = np.asarray(figure.subplots(2, len(laws), sharex="col", squeeze=False))
    for column, law in enumerate(laws):
        cube = shown_point(cubes, law, views)
        ax_cod, ax_force = axes[:, column]
        series = []
        for method in cube_methods(cube):
            style = method_style(method)
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            delta_f = np.abs(cube["delta_f_min"].sel(deconvolution=method).to_numpy())
            series.append(cod)
            ax_cod.plot(cube["amplitude"].to_numpy() * PM, cod, **style)
            ax_force.plot(cube["amplitude"].to_numpy() * PM, delta_f * PN, **style)
        ax_cod.set_ylim(*cod_limits(series))
        ax_cod.set_title(law_title(cube, law))
        ax_cod.set_ylabel("CoD $R^2$")
        ax_force.set_yscale("log")
        ax_force.set_ylabel(r"$|\Delta F_{\min}|$ (pN)")
        amplitude_axis(ax_force, cube)
        ax_cod.tick_params(labelbottom=False)
    for index, ax in enumerate(axes.T.ravel()):
        panel_letter(ax, index)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncol=len(labels))
    return figure


def wellposedness_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD(A) of every method with the amplitudes the inflection-point test forbids shaded,
    one panel per law (the test of docs/physics.md section 10 on the model force, stored in
    the cube as ``inflection_S`` and ``forbidden_amplitude_low``/``_high``)."""
    laws = ordered_laws(cubes)
    figure = new_figure(DOUBLE_COLUMN, 2.9)
    axes = np.atleast_1d(figure.subplots(1, len(laws), squeeze=False)[0])
    for column, law in enumerate(laws):
        cube = shown_point(cubes, law, views)
        ax = axes[column]
        amplitudes = cube["amplitude"].to_numpy() * PM
        series = []
        for method in cube_methods(cube):
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            series.append(cod)
            ax.plot(amplitudes, cod, **method_style(method))
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
        ax.set_ylim(*cod_limits(series))
        ax.set_title(law_title(cube, law))
        ax.set_ylabel("CoD $R^2$")
        amplitude_axis(ax, cube)
        panel_letter(ax, column)
    handles, labels = [], []
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            if text not in labels:
                handles.append(handle)
                labels.append(text)
    figure.legend(handles, labels, loc="outside upper center", ncol=min(len(labels), 5))
    return figure


def matrix_family_figure(cubes: Cubes, curves: Cubes, views: Views, law: None) -> Figure:
    """CoD versus A/d of the matrix-family methods: one column per law, the second row zoomed
    at small A/d with dotted lines at A/d = n + 1/2 (Fig. 11)."""
    laws = ordered_laws(cubes)
    figure = new_figure(DOUBLE_COLUMN, 4.6)
    axes = np.asarray(figure.subplots(2, len(laws), squeeze=False))
    for column, law in enumerate(laws):
        cube = shown_point(cubes, law, views)
        ax_all, ax_zoom = axes[:, column]
        ratio = cube["a_over_d"].to_numpy()
        series = []
        for method in cube_methods(cube):
            if not is_matrix_family(method):
                continue
            style = method_style(method)
            cod = cube["cod"].sel(deconvolution=method).to_numpy()
            series.append(cod)
            ax_all.plot(ratio, cod, **style)
            ax_zoom.plot(ratio, cod, marker=".", ms=2.0, **style)
        if not series:
            raise ValueError("fig11 needs a cube with a matrix-family method")
        ax_all.set_xscale("log")
        ax_all.set_xlim(ratio.min(), ratio.max())
        ax_all.set_ylim(*cod_limits(series))
        ax_all.set_title(law_title(cube, law))
        start = max(1.0, math.floor(float(ratio.min())))
        spike_lines(ax_zoom, start)
        shown = (ratio >= start) & (ratio <= start + 10.0)
        ax_zoom.set_ylim(*cod_limits([s[shown] for s in series]))
        ax_zoom.set_title("zoom; dotted: A/d = n + ½", fontsize=7, loc="right")
        for ax in (ax_all, ax_zoom):
            ax.set_xlabel("A/d")
            ax.set_ylabel("CoD $R^2$")
    for index, ax in enumerate(axes.T.ravel()):
        panel_letter(ax, index)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="outside upper center", ncol=len(labels))
    return figure
