"""The figure of a grid measurement (:class:`~fmdecon.measurement.grid.GridMeasurement`;
matplotlib, Agg, object-oriented, the house style of :mod:`fmdecon.plot`; matplotlib is
imported only when a figure is drawn).

Six panels for one method: the F_min map and the map of z at F_min; an x-z slice (one row of
pixels) of the frequency shift and of the force, with the well-posedness mask (pixels
ill-posed at the amplitude used hatched; those with forbidden amplitudes elsewhere and the
undecided ones marked by a strip) and the inflection points; the force at one constant
height; the per-pixel verdict map in the one-curve verdict's words (well-posed, ill-posed at
this amplitude, undecided: why). Distances in nm or pm, forces in pN, every colour bar with
its unit.
"""

from __future__ import annotations

import io
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmdecon.io.units import format_quantity
from fmdecon.measurement.grid import GRID_VERDICT_CODES, GRID_VERDICT_REASONS, GridMeasurement
from fmdecon.methods import METHODS

__all__ = ["VERDICT_COLOURS", "plot_grid", "render_grid_plot"]

#: Colours of the verdict map, per :data:`~fmdecon.measurement.grid.GRID_VERDICT_CODES`: not
#: deconvolved, well-posed, ill-posed at this amplitude, undecided.
VERDICT_COLOURS = {
    -1: ("white", GRID_VERDICT_CODES[-1]),
    0: ("#4a9a4a", GRID_VERDICT_CODES[0]),
    1: ("#c8283c", GRID_VERDICT_CODES[1]),
    2: ("#9a9ab4", GRID_VERDICT_CODES[2]),
}
#: The strip of the x-z slice over pixels with forbidden amplitudes away from the one used.
ELSEWHERE_COLOUR = "#f0a030"
_ELSEWHERE = next(
    c for c, n in GRID_VERDICT_REASONS.items() if n == "A outside the forbidden ranges"
)


def _edges(centres: NDArray[np.float64]) -> tuple[float, float]:
    """The outer edges of pixels centred at ``centres`` (one pixel: its own width 1)."""
    if centres.size < 2:
        return float(centres[0]) - 0.5, float(centres[0]) + 0.5
    half = 0.5 * (centres[-1] - centres[0]) / (centres.size - 1)
    return float(centres[0] - half), float(centres[-1] + half)


def _resample(
    z: NDArray[np.float64], values: NDArray[np.float64], target: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Rows ``values`` (P, N) on their own uniform axes ``z`` (P, N) at absolute ``target``
    (M,): (P, M), linear, NaN outside each row's axis (vectorised over rows)."""
    n = z.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        step = (z[:, -1] - z[:, 0]) / (n - 1)
        position = (target[None, :] - z[:, :1]) / step[:, None]
    finite = np.isfinite(position)
    j = np.floor(np.where(finite, position, 0.0)).astype(np.int64)
    t = np.where(finite, position, 0.0) - j
    inside = finite & (j >= 0) & (j <= n - 2)
    jc = np.clip(j, 0, n - 2)
    rows = np.arange(z.shape[0])[:, None]
    out = values[rows, jc] * (1.0 - t) + values[rows, jc + 1] * t
    return np.where(inside, out, np.nan)


def _limits(
    values: NDArray[np.float64], low: float = 1.0, high: float = 99.0
) -> tuple[float, float]:
    """Robust colour limits (percentiles of the finite values)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 1.0
    lo, hi = np.percentile(finite, [low, high])
    if lo == hi:
        lo, hi = lo - 1.0, hi + 1.0
    return float(lo), float(hi)


def _diverging(values: NDArray[np.float64]) -> Any:
    """A norm centred on zero that spans the robust range of ``values``."""
    from matplotlib.colors import Normalize, TwoSlopeNorm

    lo, hi = _limits(values, 0.5, 99.5)
    if lo < 0.0 < hi:
        return TwoSlopeNorm(vcenter=0.0, vmin=lo, vmax=hi)
    return Normalize(lo, hi)


def _colourbar(figure: Any, ax: Any, image: Any, label: str) -> None:
    """A colour bar beside ``ax`` (attached to the axes box, also for an equal aspect)."""
    cax = ax.inset_axes((1.04, 0.0, 0.05, 1.0))
    figure.colorbar(image, cax=cax, label=label)


def _map(ax: Any, figure: Any, m: GridMeasurement, values: NDArray, label: str, **kwargs: Any):
    """An x-y map in nm (pixels centred on their positions), NaN light grey, colour bar."""
    x0, x1 = _edges(m.x * 1e9)
    y0, y1 = _edges(m.y * 1e9)
    image = ax.imshow(
        values,
        origin="lower",
        extent=(x0, x1, y0, y1),
        interpolation="nearest",
        aspect="equal",
        **kwargs,
    )
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    ax.set_facecolor("0.88")
    if label:
        _colourbar(figure, ax, image, label)
    return image


def _pick_height(m: GridMeasurement, method: str) -> int:
    """The constant height shown: the slice nearest the median z at F_min."""
    heights = m.heights
    z_min = m.maps[method].z_force_min[m.done]
    z_min = z_min[np.isfinite(z_min)]
    if not z_min.size or not np.isfinite(heights).any():
        return heights.size // 2
    return int(np.nanargmin(np.abs(heights - np.median(z_min))))


def render_grid_plot(
    measurement: GridMeasurement, fmt: str = "png", *, method: str | None = None
) -> bytes:
    """The figure of :func:`plot_grid` as bytes (format ``png``, ``pdf`` or ``svg``).

    Parameters
    ----------
    measurement : GridMeasurement
    fmt : str
        Image format.
    method : str, optional
        The method drawn (default the first that ran).

    Raises
    ------
    ValueError
        For a method that did not run.
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    from fmdecon.plot import DOUBLE_COLUMN, RC

    m = measurement
    name = method or m.methods[0]
    if name not in m.maps:
        raise ValueError(
            f"method {name!r} did not run on {m.path}; methods that ran: {', '.join(m.methods)}"
        )
    maps = m.maps[name]
    done = m.done
    label = METHODS[name].label if name in METHODS else name
    with rc_context(RC):
        figure = Figure(figsize=(DOUBLE_COLUMN, 8.6), layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.subplots(3, 2)
        ny, nx = m.shape
        figure.suptitle(
            f"{Path(m.path).name}: {nx} x {ny} pixels ({m.deconvolved} deconvolved of "
            f"{m.measured} measured)\n{label}; A = {format_quantity(m.amplitude.value, 'm')}, "
            f"k = {format_quantity(m.k.value, 'N/m')}, "
            f"f0 = {format_quantity(m.f0.value, 'Hz')}",
            fontsize=8,
        )
        row_y = m.y[m.slice_row] * 1e9

        # (a) F_min map, (b) z at F_min
        ax = axes[0, 0]
        f_min = np.where(done, maps.force_min, np.nan) * 1e12
        lo, hi = _limits(f_min, 2.0, 98.0)
        _map(ax, figure, m, f_min, "F_min (pN)", cmap="magma", vmin=lo, vmax=hi)
        ax.axhline(row_y, color="c", lw=0.8, ls="--")
        ax.set_title("(a) force minimum F_min (dashed: slice c, d)")
        ax = axes[0, 1]
        z_min = np.where(done, maps.z_force_min, np.nan) * 1e12
        lo, hi = _limits(z_min, 2.0, 98.0)
        _map(ax, figure, m, z_min, "z at F_min (pm)", cmap="viridis", vmin=lo, vmax=hi)
        ax.set_title("(b) z at the force minimum")

        # (c) x-z slice of the frequency shift, (d) of the force with the mask
        z_row = m.slice_z
        finite_z = z_row[np.isfinite(z_row)]
        x0, x1 = _edges(m.x * 1e9)
        if finite_z.size:
            target = np.linspace(finite_z.min(), finite_z.max(), max(m.points, 2))
        else:
            target = np.linspace(0.0, 1e-9, max(m.points, 2))
        extent = (x0, x1, target[0] * 1e9, target[-1] * 1e9)
        df_slice = _resample(np.nan_to_num(z_row, nan=np.nan), m.slice_df, target)
        force_slice = _resample(z_row, m.slice_force[name], target) * 1e12
        for ax, values, unit, title in (
            (axes[1, 0], df_slice, "Δf (Hz)", "(c) Δf, x-z slice"),
            (axes[1, 1], force_slice, "F (pN)", "(d) F, x-z slice"),
        ):
            image = ax.imshow(
                values.T,
                origin="lower",
                extent=extent,
                aspect="auto",
                interpolation="nearest",
                cmap="RdBu_r",
                norm=_diverging(values),
            )
            ax.set_facecolor("0.88")
            _colourbar(figure, ax, image, unit)
            ax.set_xlabel("x (nm)")
            ax.set_ylabel("z (nm)")
            ax.set_title(f"{title} at y = {row_y:.3g} nm")
        ax = axes[1, 1]
        width = (x1 - x0) / nx
        verdict_row = np.where(done[m.slice_row], maps.verdict[m.slice_row], -1)
        reason_row = maps.verdict_reason[m.slice_row]
        strip = 0.04 * (extent[3] - extent[2])
        for i in np.flatnonzero(verdict_row >= 1):  # drawing the mask, column by column
            if verdict_row[i] == 1:  # ill-posed at the amplitude used: the column masked
                ax.add_patch(
                    _column(x0 + i * width, width, extent[2], extent[3], "////", "k", "none")
                )
            else:  # undecided: a strip at the top
                colour = VERDICT_COLOURS[2][0]
                ax.add_patch(
                    _column(
                        x0 + i * width, width, extent[3] - strip, extent[3], "", colour, colour
                    )
                )
        for i in np.flatnonzero((verdict_row == 0) & (reason_row == _ELSEWHERE)):
            ax.add_patch(  # well-posed here, ill-posed at other amplitudes: a strip
                _column(
                    x0 + i * width,
                    width,
                    extent[3] - strip,
                    extent[3],
                    "",
                    ELSEWHERE_COLOUR,
                    ELSEWHERE_COLOUR,
                )
            )
        zi = maps.inflection_z[m.slice_row] * 1e9
        xi = np.broadcast_to((m.x * 1e9)[:, None], zi.shape)
        ax.plot(xi.ravel(), zi.ravel(), "o", ms=2.2, mfc="w", mec="k", mew=0.4, ls="none")
        zf = maps.z_force_min[m.slice_row] * 1e9
        ax.plot(m.x * 1e9, zf, "k_", ms=4, mew=1.0, ls="none")
        height_index = _pick_height(m, name)
        height = m.heights[height_index]
        for ax in axes[1]:
            ax.axhline(height * 1e9, color="c", lw=0.8, ls="--")
        axes[1, 1].legend(
            handles=[
                Patch(facecolor="none", edgecolor="k", hatch="////"),
                Patch(facecolor=VERDICT_COLOURS[2][0]),
                Patch(facecolor=ELSEWHERE_COLOUR),
                axes[1, 1].lines[0],
                axes[1, 1].lines[1],
            ],
            labels=[
                "ill-posed at this A (masked)",
                "undecided (top strip)",
                "forbidden A elsewhere (strip)",
                "inflection point",
                "F_min",
            ],
            loc="upper right",
            bbox_to_anchor=(1.0, 0.94),  # below the strips at the top
            fontsize=6,
            frameon=True,
            framealpha=0.8,
        )

        # (e) the force at constant height, (f) the verdict map
        ax = axes[2, 0]
        at_height = m.force_at_height[name][height_index] * 1e12
        lo, hi = _limits(at_height, 0.0, 100.0)
        _map(ax, figure, m, at_height, "F (pN)", cmap="magma", vmin=lo, vmax=hi)
        ax.set_title(f"(e) F at constant z = {height * 1e9:.3g} nm (dashed in c, d)")
        ax = axes[2, 1]
        codes = sorted(VERDICT_COLOURS)
        verdict = np.where(done, maps.verdict, -1).astype(float)
        cmap = ListedColormap([VERDICT_COLOURS[c][0] for c in codes])
        norm = BoundaryNorm(np.arange(codes[0] - 0.5, codes[-1] + 1.0), cmap.N)
        _map(ax, figure, m, verdict, "", cmap=cmap, norm=norm)
        counts = {c: int(np.sum(verdict == c)) for c in codes}
        labels = {}
        for c in codes:  # the label, its count and (deconvolved pixels) the reasons
            text = f"{VERDICT_COLOURS[c][1]} ({counts[c]})"
            if c >= 0:
                reasons = maps.reason_counts(done, c)
                why = [f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda i: -i[1]) if n]
                text += "".join(f"\n  {line}" for line in why)
            labels[c] = text
        ax.legend(
            handles=[
                Patch(facecolor=VERDICT_COLOURS[c][0], edgecolor="0.4", lw=0.4)
                for c in codes
                if counts[c]
            ],
            labels=[labels[c] for c in codes if counts[c]],
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            fontsize=6,
            title="verdict (pixels)",
            title_fontsize=6,
        )
        ax.set_title("(f) inflection-point test at the A used")
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, dpi=200)
    return buffer.getvalue()


def _column(
    x: float, width: float, bottom: float, top: float, hatch: str, edge: str, face: str
) -> Any:
    """One column of the x-z slice's mask."""
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, bottom), width, top - bottom, facecolor=face, edgecolor=edge, hatch=hatch, lw=0.0
    )


def plot_grid(
    measurement: GridMeasurement, path: str | PathLike, *, method: str | None = None
) -> None:
    """Plot a grid measurement (module docstring) to ``path``, written atomically; format
    from the suffix (``.png``, ``.pdf``, ``.svg``).

    Parameters
    ----------
    measurement : GridMeasurement
    path : str or path-like
    method : str, optional
        The method drawn (default the first that ran).
    """
    from fmdecon.study.cube import write_atomic

    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    data = render_grid_plot(measurement, fmt, method=method)
    write_atomic(path, lambda tmp: tmp.write_bytes(data))
