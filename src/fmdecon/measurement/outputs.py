"""Outputs of a :class:`~fmdecon.measurement.pipeline.Measurement`: the netCDF dataset
(xarray, CF attributes, the study's provenance), the CSV and the summary table.

xarray and :mod:`fmdecon.study` are imported only by the functions that need them.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmdecon.io.units import format_quantity
from fmdecon.measurement.pipeline import Measurement

__all__ = [
    "DEPENDENT_FOOTNOTE",
    "csv_text",
    "summary_rows",
    "to_dataset",
    "write_csv",
    "write_netcdf",
]

#: The footnote of a ``*`` after F_min in :func:`summary_rows`.
DEPENDENT_FOOTNOTE = (
    "* F_min and z at F_min left out the points whose force depends on Δf beyond the far end "
    "(within 2A of it; for the matrix family also near far end - n*2A): see 'F_min (...)' "
    "above, or model the tail with --tail"
)


def summary_rows(measurement: Measurement) -> list[dict[str, str]]:
    """One row per method: file, method, F_min, z at F_min, and the verdict at the amplitude
    used with its brief reason (formatted strings). F_min ends in ``*`` where it is not
    taken at the points that depend on Δf beyond the far end (:attr:`MethodResult.dependent`,
    :data:`DEPENDENT_FOOTNOTE`)."""
    rows = []
    name = Path(measurement.path).name
    amplitude = measurement.amplitude.value
    for method, result in measurement.results.items():
        rows.append(
            {
                "file": name,
                "method": method,
                "F_min": format_quantity(result.force_min, "N", 3)
                + ("*" if result.dependent is not None else ""),
                "z at F_min": format_quantity(result.z_at_min(measurement.z), "m", 4),
                "verdict": result.verdict(amplitude).short,
            }
        )
    for method in measurement.failed:
        rows.append(
            {"file": name, "method": method, "F_min": "-", "z at F_min": "-", "verdict": "failed"}
        )
    return rows


def _config(measurement: Measurement) -> dict[str, Any]:
    return {
        "command": "fmdecon deconvolve",
        "input": measurement.path,
        "sweeps": list(measurement.sweeps),
        "methods": list(measurement.results),
        "amplitude": measurement.amplitude.value,
        "k": measurement.k.value,
        "f0": measurement.f0.value,
        "df_noise": measurement.df_noise.value,
        "df_offset": measurement.df_offset.value,
    }


def _padded(rows: Sequence[Sequence[float]], width: int) -> NDArray[np.float64]:
    out = np.full((len(rows), max(width, 1)), np.nan)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def to_dataset(measurement: Measurement) -> Any:
    """The measurement as an :class:`xarray.Dataset` with CF attributes (xarray needed).

    Coordinates ``z`` [m], ``deconvolution``, ``sweep``, ``inflection``, ``forbidden_range``;
    variables ``frequency_shift`` (the curve deconvolved), ``frequency_shift_sweep`` (each
    sweep used, as read), ``force``, ``force_std``, ``energy``, the force minimum, the
    well-posedness (the verdict at the amplitude used and its reason, origin, S and its 95 %
    interval at each inflection point z_i, forbidden amplitude ranges) and the scalars
    ``amplitude``, ``k``, ``f0``, ``df_noise``, ``df_offset`` with their ``source``. Global
    attributes: provenance, the input file, the orientation, the curve, the reader's notes,
    warnings.
    """
    import xarray as xr

    from fmdecon.study.provenance import provenance_attrs

    m = measurement
    methods = list(m.results)
    results = [m.results[n] for n in methods]
    tests = [r.wellposedness for r in results]
    verdicts = [r.verdict(m.amplitude.value) for r in results]
    points = [t.points if t is not None else () for t in tests]
    n_points = max((len(p) for p in points), default=0)
    ranges = [t.forbidden_amplitudes if t is not None else () for t in tests]
    n_ranges = max((len(r) for r in ranges), default=0)

    def per_method(values: Sequence[Sequence[float]], width: int) -> NDArray[np.float64]:
        return _padded(values, width)

    def cf(units: str | None, long_name: str, **extra: Any) -> dict[str, Any]:
        attrs: dict[str, Any] = {"long_name": long_name}
        if units is not None:
            attrs["units"] = units
        attrs.update(extra)
        return attrs

    method_dims = ("deconvolution", "z")
    data_vars = {
        "frequency_shift": (
            ("z",),
            m.df,
            cf("Hz", f"frequency shift deconvolved ({m.curve}, minus df_offset)"),
        ),
        "frequency_shift_sweep": (
            ("sweep", "z"),
            m.df_sweeps,
            cf("Hz", "frequency shift of each sweep used, as read"),
        ),
        "force": (
            method_dims,
            np.array([r.force for r in results]),
            cf("N", "deconvolved tip-sample force"),
        ),
        "force_std": (
            method_dims,
            np.array([r.force_std for r in results]),
            cf(
                "N",
                "standard deviation of the force for white frequency-shift noise df_noise",
                df_noise_source=m.df_noise.source,
            ),
        ),
        "force_bias": (
            method_dims,
            np.array(
                [
                    r.force_bias if r.force_bias is not None else np.full(m.z.shape, np.nan)
                    for r in results
                ]
            ),
            cf(
                "N",
                "estimated magnitude of the smoothing bias of a method whose strength is "
                "chosen from the data (NaN: a linear method, not estimated); combined "
                "uncertainty hypot(force_std, force_bias)",
            ),
        ),
        "energy": (
            method_dims,
            np.array([r.energy for r in results]),
            cf(
                "J",
                "interaction energy (sader_jarvis: Sader-Jarvis energy formula; other "
                "methods: integral of the recovered force from the far end)",
            ),
        ),
        "force_min": (
            ("deconvolution",),
            np.array([r.force_min for r in results]),
            cf(
                "N",
                "minimum of the deconvolved force, not taken where it depends on the unknown "
                "continuation of the frequency shift (continuation_dependent)",
            ),
        ),
        "force_min_note": (
            ("deconvolution",),
            np.array([r.dependent_note or "" for r in results], dtype=object),
            cf(None, "which points force_min left out, or the tail model used"),
        ),
        "continuation_dependent": (
            method_dims,
            np.array(
                [
                    r.dependent if r.dependent is not None else np.zeros(m.z.size, bool)
                    for r in results
                ],
                dtype=np.int8,
            ),
            cf(
                "1",
                "1 where the force depends on the frequency shift beyond the far end of a "
                "curve that has not decayed there (within 2A of it; matrix family: also near "
                "far end - n*2A); 0 elsewhere, and everywhere with a tail model",
                flag_values=np.array([0, 1], dtype=np.int8),
                flag_meanings="measured_data_only depends_on_continuation",
            ),
        ),
        "z_force_min": (
            ("deconvolution",),
            np.array([r.z_at_min(m.z) for r in results]),
            cf("m", "position of the force minimum"),
        ),
        "wellposedness_verdict": (
            ("deconvolution",),
            np.array([v.label for v in verdicts], dtype=object),
            cf(
                None,
                "inflection-point test (Sader et al. 2018): verdict at the amplitude used",
                flag_meanings="well-posed | ill-posed at this amplitude | undecided",
            ),
        ),
        "wellposedness_reason": (
            ("deconvolution",),
            np.array([v.reason for v in verdicts], dtype=object),
            cf(None, "inflection-point test: why this verdict"),
        ),
        "wellposedness_summary": (
            ("deconvolution",),
            np.array(
                [t.details() if t is not None else "test not run" for t in tests], dtype=object
            ),
            cf(None, "inflection-point test: S and the force jump at each inflection point"),
        ),
        "wellposedness_origin": (
            ("deconvolution",),
            np.array([t.origin if t is not None else np.nan for t in tests]),
            cf(
                "m",
                "origin of the distances in S and in the forbidden amplitudes",
                comment="; ".join(sorted({t.origin_source for t in tests if t is not None})),
            ),
        ),
        "amplitude_forbidden": (
            ("deconvolution",),
            np.array(
                [int(t is not None and t.is_forbidden(m.amplitude.value)) for t in tests],
                dtype=np.int8,
            ),
            cf("1", "1 if the amplitude used lies in a forbidden range", flag_values="0 1"),
        ),
        "inflection_z": (
            ("deconvolution", "inflection"),
            per_method([[p.z for p in ps] for ps in points], n_points),
            cf("m", "inflection point z_i of the force"),
        ),
        "inflection_S": (
            ("deconvolution", "inflection"),
            per_method([[p.S for p in ps] for ps in points], n_points),
            cf("1", "S = (z_i^2 / 4) F'''(z_i) / F'(z_i)"),
        ),
        "inflection_S_low": (
            ("deconvolution", "inflection"),
            per_method([[p.S_interval[0] for p in ps] for ps in points], n_points),
            cf("1", "lower end of the 95 % interval of S"),
        ),
        "inflection_S_high": (
            ("deconvolution", "inflection"),
            per_method([[p.S_interval[1] for p in ps] for ps in points], n_points),
            cf("1", "upper end of the 95 % interval of S"),
        ),
        "inflection_ill_posed": (
            ("deconvolution", "inflection"),
            per_method([[float(p.ill_posed) for p in ps] for ps in points], n_points),
            cf("1", "1 if the inflection point makes the inversion ill-posed (NaN: none)"),
        ),
        "forbidden_amplitude_low": (
            ("deconvolution", "forbidden_range"),
            per_method([[lo for lo, _ in r] for r in ranges], n_ranges),
            cf("m", "lower end of a forbidden amplitude range"),
        ),
        "forbidden_amplitude_high": (
            ("deconvolution", "forbidden_range"),
            per_method([[hi for _, hi in r] for r in ranges], n_ranges),
            cf("m", "upper end of a forbidden amplitude range"),
        ),
        "amplitude": (
            (),
            m.amplitude.value,
            cf("m", "oscillation amplitude (zero to peak)", source=m.amplitude.source),
        ),
        "k": ((), m.k.value, cf("N/m", "cantilever spring constant", source=m.k.source)),
        "f0": ((), m.f0.value, cf("Hz", "free resonance frequency", source=m.f0.source)),
        "df_noise": (
            (),
            m.df_noise.value,
            cf(
                "Hz",
                "rms white noise of the frequency shift deconvolved",
                source=m.df_noise.source,
            ),
        ),
        "df_offset": (
            (),
            m.df_offset.value,
            cf("Hz", "constant subtracted from the frequency shift", source=m.df_offset.source),
        ),
    }
    coords = {
        "z": (
            "z",
            m.z,
            cf(
                "m",
                "tip-sample distance (lower turnaround point, up to a constant)",
                orientation=m.orientation,
            ),
        ),
        "deconvolution": (
            "deconvolution",
            np.array(methods, dtype=object),
            cf(None, "deconvolution method"),
        ),
        "sweep": ("sweep", np.array(m.sweeps, dtype=object), cf(None, "sweep of the file")),
        "inflection": (
            "inflection",
            np.arange(max(n_points, 1)),
            cf("1", "inflection point index"),
        ),
        "forbidden_range": (
            "forbidden_range",
            np.arange(max(n_ranges, 1)),
            cf("1", "forbidden amplitude range index"),
        ),
    }
    dataset = xr.Dataset(data_vars=data_vars, coords=coords)
    dataset.attrs.update(provenance_attrs(_config(m), "fmdecon deconvolve"))
    dataset.attrs.update(
        {
            "title": f"force deconvolution of {Path(m.path).name}",
            "input_file": m.path,
            "orientation": m.orientation,
            "z_grid": m.grid or "as read",
            "curve": m.curve,
            "sweeps_used": ", ".join(m.sweeps),
            "noise_source": m.df_noise.source,
            "reader_notes": "\n".join(m.notes) or "none",
            "tail_model": m.tail or "none",
            "warnings": "\n".join(m.warnings) or "none",
            "failed_methods": "\n".join(f"{n}: {e}" for n, e in m.failed.items()) or "none",
        }
    )
    return dataset


def write_netcdf(measurement: Measurement, path: str | PathLike) -> None:
    """Write :func:`to_dataset` to netCDF4, atomically."""
    from fmdecon.study.cube import write_dataset

    write_dataset(to_dataset(measurement), path, {})


def csv_text(measurement: Measurement) -> str:
    """The columns of the netCDF file as CSV: ``#`` comment lines, a header with units."""
    m = measurement
    lines = [f"# fmdecon deconvolve: {m.path}"]
    for label, value in (
        ("amplitude (m)", m.amplitude),
        ("k (N/m)", m.k),
        ("f0 (Hz)", m.f0),
        ("df_noise (Hz)", m.df_noise),
        ("df_offset (Hz)", m.df_offset),
    ):
        lines.append(f"# {label}: {value.value!r} ({value.source})")
    lines.append(f"# orientation: {m.orientation}")
    if m.grid:
        lines.append(f"# grid: {m.grid}")
    lines.append(f"# curve: {m.curve}")
    for name, result in m.results.items():
        test = result.wellposedness
        lines.append(
            f"# wellposedness {name}: {result.verdict(m.amplitude.value)}; "
            + (test.details() if test is not None else "test not run")
        )
    if m.tail:
        lines.append(f"# {m.tail}")
    for name, result in m.results.items():
        if result.dependent is not None:
            lines.append(f"# F_min {name}: {result.dependent_note}")
    for text in m.warnings:
        lines.append(f"# warning: {text}")
    header = ["z (m)", "frequency_shift (Hz)"]
    columns = [m.z, m.df]
    for sweep, row in zip(m.sweeps, m.df_sweeps, strict=True):
        header.append(f"frequency_shift {sweep} (Hz)")
        columns.append(row)
    for name, result in m.results.items():
        header += [f"force {name} (N)", f"force_std {name} (N)", f"energy {name} (J)"]
        columns += [result.force, result.force_std, result.energy]
        if result.force_bias is not None:
            header.append(f"force_bias {name} (N)")
            columns.append(result.force_bias)
    buffer = io.StringIO()
    np.savetxt(buffer, np.column_stack(columns), fmt="%.10e", delimiter=",")
    return "\n".join([*lines, ",".join(header)]) + "\n" + buffer.getvalue()


def write_csv(measurement: Measurement, path: str | PathLike) -> None:
    """Write :func:`csv_text` atomically."""
    from fmdecon.study.cube import write_text

    write_text(path, csv_text(measurement))
