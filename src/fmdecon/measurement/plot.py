"""The figure of a :class:`~fmdecon.measurement.pipeline.Measurement` (matplotlib, Agg,
object-oriented; matplotlib is imported only when a figure is drawn)."""

from __future__ import annotations

import io
from os import PathLike
from pathlib import Path

import numpy as np

from fmdecon.io.units import format_quantity
from fmdecon.measurement.pipeline import Measurement
from fmdecon.methods import METHODS

__all__ = ["plot_measurement", "render_plot"]


def render_plot(measurement: Measurement, fmt: str = "png") -> bytes:
    """The figure of :func:`plot_measurement` as bytes."""
    from matplotlib.figure import Figure

    from fmdecon.plot import method_style

    m = measurement
    z_nm = m.z * 1e9
    figure = Figure(figsize=(7.5, 9.0), layout="constrained")
    grid = figure.add_gridspec(3, 1, height_ratios=[1.0, 1.4, 0.55])
    ax_df = figure.add_subplot(grid[0])
    ax_f = figure.add_subplot(grid[1], sharex=ax_df)
    ax_a = figure.add_subplot(grid[2])

    for i, row in enumerate(m.df_sweeps):
        ax_df.plot(
            z_nm, row, color="0.55", lw=0.7, alpha=0.45, label="sweeps used" if i == 0 else None
        )
    bold = "curve deconvolved"
    if m.df_offset.value:
        bold += f" (offset {m.df_offset.value:.3g} Hz removed)"
    ax_df.plot(z_nm, m.df, color="k", lw=1.8, label=bold)
    ax_df.axhline(0.0, color="0.3", lw=0.5, ls=":")
    ax_df.set_ylabel("Δf (Hz)")
    amplitude_text = format_quantity(m.amplitude.value, "m")
    k_text = format_quantity(m.k.value, "N/m")
    f0_text = format_quantity(m.f0.value, "Hz")
    ax_df.set_title(
        f"{Path(m.path).name}: A = {amplitude_text}, k = {k_text}, f0 = {f0_text}; "
        f"Δf noise {m.df_noise.value:.2g} Hz",
        fontsize=9,
    )
    ax_df.legend(fontsize=8, loc="lower right")
    ax_df.tick_params(labelbottom=False)

    marker_done = False
    for name, result in m.results.items():
        style = method_style(name)
        color = style.get("color")
        force = result.force * 1e12
        std = result.force_std * 1e12
        if result.force_bias is not None:  # the combined uncertainty of a fitted strength
            std = np.hypot(std, result.force_bias * 1e12)
        ax_f.plot(
            z_nm,
            force,
            color=color,
            ls=style.get("linestyle", "-"),
            lw=1.3,
            label=METHODS[name].label,
        )
        ax_f.fill_between(z_nm, force - std, force + std, color=color, alpha=0.3, lw=0)
        test = result.wellposedness
        if test is not None:
            for point in test.points:
                ax_f.axvline(
                    point.z * 1e9,
                    color=color,
                    lw=0.8,
                    ls=":",
                    label=None if marker_done else "inflection point z_i",
                )
                marker_done = True
    ax_f.axhline(0.0, color="0.3", lw=0.5, ls=":")
    ax_f.set_xlabel("z (nm, up to a constant)")
    ax_f.set_ylabel("F (pN), band: ± 1 std (reg: std ⊕ bias)")
    ax_f.legend(fontsize=8, loc="lower right")

    names = list(m.results)
    amplitude_pm = m.amplitude.value * 1e12
    low, high = amplitude_pm, amplitude_pm
    for row, name in enumerate(names):
        result = m.results[name]
        test = result.wellposedness
        color = method_style(name).get("color")
        # the verdict at the amplitude used, as in the table and the netCDF file
        ax_a.text(
            0.99,
            row,
            result.verdict(m.amplitude.value).short,
            transform=ax_a.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=7,
        )
        if test is None:
            continue
        for lo, hi in test.forbidden_amplitudes:
            ax_a.barh(row, (hi - lo) * 1e12, left=lo * 1e12, height=0.6, color=color, alpha=0.5)
            low, high = min(low, lo * 1e12), max(high, hi * 1e12)
    ax_a.axvline(amplitude_pm, color="k", lw=1.5, label=f"A used = {amplitude_pm:.4g} pm")
    ax_a.set_yticks(range(len(names)), [METHODS[n].short_label for n in names], fontsize=8)
    ax_a.set_ylim(-0.7, len(names) - 0.3)
    ax_a.set_xscale("log")
    ax_a.set_xlim(low / 10.0, high * 10.0)
    ax_a.set_xlabel("amplitude (pm)")
    ax_a.set_title(
        "forbidden amplitudes (inflection-point test; bars) and the verdict at A used",
        fontsize=9,
    )
    ax_a.legend(fontsize=8, loc="upper left")
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=150)
    return buffer.getvalue()


def plot_measurement(measurement: Measurement, path: str | PathLike) -> None:
    """Plot Δf (sweeps faint, the curve deconvolved bold), the force ± std of each method
    with its inflection points, and the forbidden amplitude ranges with the amplitude used;
    written atomically, format from the suffix (``.png``, ``.pdf``, ``.svg``)."""
    from fmdecon.study.cube import write_atomic

    fmt = Path(path).suffix.lstrip(".").lower() or "png"
    data = render_plot(measurement, fmt)
    write_atomic(path, lambda tmp: tmp.write_bytes(data))
