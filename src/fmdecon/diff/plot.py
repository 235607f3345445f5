"""``fmdecon diff --plot``: a variable over amplitude, old against new, faceted by xarray.

One panel per file (row; its force law) and deconvolution method (column); old solid, new
dashed, one colour per value of the other swept parameters (e.g. kappa), values of the new side
differing beyond the tolerance circled in red. matplotlib is imported here only.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.diff.compare import DiffError, differences, prepare
from fmdecon.diff.model import DiffReport, FileDiff
from fmdecon.diff.report import format_coord
from fmdecon.study.cube import open_dataset, write_atomic

__all__ = ["plot_diff", "plot_format"]


def plot_format(path: str | Path) -> str:
    """Image format of ``path`` from its suffix (``png`` without one).

    Raises
    ------
    DiffError
        If matplotlib cannot write that format.
    """
    from fmdecon.plot import image_format

    try:
        return image_format(path)
    except ValueError as exc:
        raise DiffError(str(exc)) from None


def _lines(data: xr.Dataset, name: str) -> xr.Dataset:
    """The dimensions other than deconvolution and amplitude stacked into labelled lines."""
    extra = [d for d in data.dims if d not in ("deconvolution", "amplitude")]
    if not extra:
        return data.expand_dims(line=[name])
    stacked = data.stack(line=extra)
    labels = [
        ", ".join(
            f"{'κ' if d == 'kappa' else d} = {format_coord(d, v)}"
            for d, v in zip(extra, combo, strict=True)
        )
        for combo in stacked.indexes["line"].to_flat_index()
    ]
    return stacked.drop_vars(["line", *extra]).assign_coords(line=labels)


def _panels(f: FileDiff, variable: str, rtol: float, atol: float) -> xr.Dataset:
    """old, new and differs of one file (outer join of the two sides), as lines."""
    old, new, _ = prepare(open_dataset(f.old_path), open_dataset(f.new_path))
    old, new = (d[variable].reset_coords(drop=True) for d in (old, new))
    differs = differences(*xr.align(old, new, join="inner"), rtol, atol)["differs"]
    data = xr.merge(
        [old.rename("old"), new.rename("new"), differs.rename("differs")],
        join="outer",
        compat="override",
    )
    if "deconvolution" not in data.dims:
        data = data.expand_dims(deconvolution=[""])
    return _lines(data, f.law or f.name).expand_dims(file=[f.law or f.name])


def _draw(amplitude: np.ndarray, old: np.ndarray, new: np.ndarray, differs: np.ndarray) -> None:
    """One facet: every line old (solid) and new (dashed), differing points circled."""
    import matplotlib.pyplot as plt

    ax = plt.gca()
    x = amplitude * 1e12
    hits = np.asarray(differs, dtype=np.float64) == 1
    for i in range(old.shape[0]):
        for values, style in ((old[i], "-"), (new[i], "--")):
            shown = np.isfinite(values)
            ax.plot(x[shown], values[shown], style, color=f"C{i % 10}", lw=1.3)
        ax.plot(x[hits[i]], new[i][hits[i]], "o", mfc="none", mec="red", ms=7, zorder=5)


def _minor_label(value: float, _: Any) -> str:
    """Label the minor ticks 2 and 5 of each decade of a log axis."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return f"{value:g}" if round(mantissa) in (2, 5) else ""


def plot_diff(
    report: DiffReport, path: str | Path, max_lines: int = 6, variable: str = "cod"
) -> Path:
    """Plot ``variable`` (default CoD) over amplitude, old vs new, for the files compared.

    The data are read again from the files of the report; the image is written atomically,
    its format taken from the suffix.

    Parameters
    ----------
    report : DiffReport
        Result of :func:`~fmdecon.diff.diff_paths`.
    path : str or pathlib.Path
        Output image (``.png``, ``.pdf``, ``.svg``, ...).
    max_lines : int, optional
        Largest number of parameter combinations (e.g. kappa values) drawn per panel.
    variable : str, optional
        Data variable with an ``amplitude`` dimension.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    DiffError
        If no compared file (read from disk) has ``variable`` over amplitude, or the format of
        ``path`` is not supported.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    path = Path(path)
    file_format = plot_format(path)
    files = [
        f
        for f in report.files
        if f.old_path and f.new_path
        for v in f.variables
        if v.name == variable and "amplitude" in v.dims
    ]
    if not files:
        raise DiffError(
            f"nothing to plot: no compared file has a {variable} variable over amplitude"
        )
    data = xr.concat(
        [_panels(f, variable, report.rtol, report.atol) for f in files], "file", join="outer"
    )
    lines = data.sizes["line"]
    data = data.isel(line=slice(max_lines)).transpose("file", "deconvolution", "line", "amplitude")
    grid = xr.plot.FacetGrid(
        data, col="deconvolution", row="file", size=3.2, aspect=1.35, sharey="row"
    )
    try:
        grid.map(_draw, "amplitude", "old", "new", "differs")
        label = "CoD" if variable == "cod" else variable
        units = next(v.units for v in files[0].variables if v.name == variable)
        grid.set_axis_labels("amplitude A [pm]", label + (f" [{units}]" if units != "1" else ""))
        grid.set_titles(template="{value}")
        for ax in grid.axs.flat:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
            ax.xaxis.set_minor_formatter(FuncFormatter(_minor_label))
            ax.grid(True, which="both", alpha=0.3)
        handles = [
            Line2D([], [], color="0.2", ls="-", label="old"),
            Line2D([], [], color="0.2", ls="--", label="new"),
            Line2D(
                [],
                [],
                ls="none",
                marker="o",
                mfc="none",
                mec="red",
                label="differs beyond tolerance",
            ),
        ]
        handles += [
            Line2D([], [], color=f"C{i % 10}", lw=2, label=str(text))
            for i, text in enumerate(data["line"].to_numpy())
        ]
        shown = f" (first {max_lines} of {lines} parameter values)" if lines > max_lines else ""
        grid.fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5))
        grid.fig.suptitle(
            f"{label}(A): old (solid) vs new (dashed){shown}\nold: {report.old}\n"
            f"new: {report.new}",
            y=1.0,
            va="bottom",
        )
        write_atomic(
            path,
            lambda tmp: grid.fig.savefig(tmp, format=file_format, dpi=150, bbox_inches="tight"),
        )
    finally:
        plt.close(grid.fig)
    return path
