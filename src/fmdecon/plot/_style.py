"""The house style of every figure: matplotlib settings, figure widths, unit scales, the text of
amplitudes and laws, and the small drawing and selection helpers the figure bodies share.

Figures are :class:`matplotlib.figure.Figure` objects on the Agg canvas, drawn under
``rc_context(RC)``: nothing touches pyplot's global state. Data are SI inside; axes show pm, nm,
pN or nN (multiply by :data:`PM`, :data:`NM`, :data:`PN`, :data:`NN`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fmdecon.forces import law_label
from fmdecon.study.cube import select_point

__all__ = [
    "DOUBLE_COLUMN",
    "NM",
    "NN",
    "PM",
    "PN",
    "RC",
    "SINGLE_COLUMN",
    "amplitude_axis",
    "cod_limits",
    "cube_methods",
    "format_amplitude",
    "kappa_label",
    "law_title",
    "new_figure",
    "panel_letter",
    "shown_point",
    "spike_lines",
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
    "pdf.compression": 6,
}

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


# ---------------------------------------------------------------------------------------------
# text


def format_amplitude(amplitude: float) -> str:
    """An amplitude [m] as text in pm with three significant digits (``"137 pm"``)."""
    value = amplitude * PM
    digits = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:.{digits}f} pm"


def kappa_label(kappa: float) -> str:
    """A Morse decay constant κ [1/m] as mathtext in nm⁻¹."""
    return f"κ = {kappa * 1e-9:g} nm$^{{-1}}$"


def law_title(data: xr.Dataset, law: str) -> str:
    """The label of ``law`` for titles and legends, with κ when ``data`` is at one κ."""
    text = law_label(law)
    if "kappa" in data.coords and data["kappa"].ndim == 0:
        text += f" ({kappa_label(float(data['kappa']))})"
    return text


# ---------------------------------------------------------------------------------------------
# selection


def shown_point(data: Cubes, law: str, views: Views, keep: Sequence[str] = ()) -> xr.Dataset:
    """The cube (or curves) of ``law`` at the parameter point its figures show.

    Parameters
    ----------
    data : mapping of str to xarray.Dataset
        Metric cubes or curves by law.
    law : str
        Force-law name.
    views : mapping
        The ``figures`` section of the study configuration (``views[law]["at"]``: the swept
        parameter values shown; else the first value of each).
    keep : sequence of str, optional
        Swept dimensions to keep whole.

    Raises
    ------
    ValueError
        If ``data`` has nothing for ``law``.
    """
    if law not in data:
        raise ValueError(f"this figure needs the {law} cube and curves; given: {sorted(data)}")
    return select_point(data[law], (views.get(law) or {}).get("at") or {}, keep=keep)


def cube_methods(data: xr.Dataset) -> list[str]:
    """The methods of a cube or curves dataset, in their ``deconvolution`` order."""
    return [str(m) for m in data["deconvolution"].to_numpy()]


# ---------------------------------------------------------------------------------------------
# figures and axes


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width`` x ``height`` inches (constrained layout, Agg canvas)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def panel_letter(ax: Axes, index: int) -> None:
    """Title ``ax`` with the bold panel letter ``(a)``, ``(b)``, ... of ``index`` 0, 1, ..."""
    ax.set_title(f"({chr(ord('a') + index)})", loc="left", fontweight="bold")


def cod_limits(values: Sequence[np.ndarray]) -> tuple[float, float]:
    """Axis limits of CoD curves: from below their lowest finite value to just above 1."""
    finite = np.concatenate([np.asarray(v)[np.isfinite(v)] for v in values])
    low = float(finite.min()) if finite.size else 0.0
    span = max(1.0 - low, 1e-6)
    return low - 0.12 * span, 1.0 + 0.1 * span


def amplitude_axis(ax: Axes, cube: xr.Dataset) -> None:
    """A logarithmic x axis over the amplitudes of ``cube``, in pm."""
    amplitudes = cube["amplitude"].to_numpy() * PM
    ax.set_xscale("log")
    ax.set_xlim(amplitudes.min(), amplitudes.max())
    ax.set_xlabel("amplitude A (pm)")


def spike_lines(ax: Axes, start: float, count: int = 10) -> None:
    """Dotted lines at A/d = n + 1/2 over ``count`` units of A/d from ``start`` (where the
    published matrix method rounds its band width)."""
    for n in np.arange(start, start + count):
        ax.axvline(n + 0.5, color="0.4", lw=0.6, linestyle=":", zorder=0)
    ax.set_xlim(start, start + count)
    ax.set_xticks(np.arange(start, start + count + 0.1, 2.0))
