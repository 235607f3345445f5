"""From a measured file to a force: the pipeline behind ``fmdecon deconvolve``.

:func:`measure` reads a Nanonis ``.dat`` or a table (:func:`fmdecon.io.read_curve`),
fills the sensor values from the arguments and the file header (recording where each came
from), selects the sweeps and the curve to deconvolve, estimates the frequency-shift noise,
runs the plausibility checks (:mod:`fmdecon.plausibility`), deconvolves with every requested
method and adds, per method, the force's standard deviation (:func:`fmdecon.force_noise`),
the energy (:mod:`fmdecon.energy`) and the inflection-point test
(:func:`fmdecon.wellposedness.inflection_point_test`). The result is a :class:`Measurement`.

Outputs: :func:`to_dataset` (xarray, CF attributes; xarray is imported only there),
:func:`write_netcdf`, :func:`write_csv`, :func:`plot_measurement` (matplotlib, Agg,
object-oriented) and :func:`summary_rows`. The pipeline itself needs numpy and scipy only.

Noise estimate (``df_noise`` of the deconvolved curve): with two or more single sweeps,
the pooled scatter of the sweeps about their direction's mean gives the noise of one sweep,
divided by sqrt(n) for the mean of n sweeps that is deconvolved; otherwise the
high-frequency residual of the far half of the curve, ``std(second differences) / sqrt 6``
(white noise of rms s gives second differences of rms s sqrt 6), which a smooth signal
hardly affects there.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fmdecon.energy import force_integral_energy, sader_jarvis_energy
from fmdecon.io import Spectroscopy, read_curve
from fmdecon.io.units import SI_UNITS, format_quantity, parse_quantity
from fmdecon.methods import METHODS, get_method
from fmdecon.noise import force_noise
from fmdecon.plausibility import (
    Finding,
    check_force,
    check_inputs,
    far_end_offset,
)
from fmdecon.wellposedness import WellPosedness, inflection_point_test

__all__ = [
    "SWEEP_CHOICES",
    "Measurement",
    "MeasurementError",
    "MethodResult",
    "SensorValue",
    "measure",
    "plot_measurement",
    "summary_rows",
    "to_dataset",
    "write_csv",
    "write_netcdf",
]

#: Sweep selections: forward sweeps, backward sweeps, the file's average column, all sweeps.
SWEEP_CHOICES = ("fwd", "bwd", "avg", "all")


class MeasurementError(ValueError):
    """A file that cannot be deconvolved; the message is one line naming the file."""


@dataclass(frozen=True)
class SensorValue:
    """A value used by the deconvolution and where it came from.

    Attributes
    ----------
    value : float
        SI value.
    unit : str
        SI unit (``"m"``, ``"N/m"``, ``"Hz"``).
    source : str
        ``"argument --k 1.8kN/m"``, ``"file header '...' = 10E-12"``, ...
    """

    value: float
    unit: str
    source: str

    def __str__(self) -> str:
        return f"{format_quantity(self.value, self.unit)} ({self.source})"


@dataclass(frozen=True)
class MethodResult:
    """The deconvolution of a measured curve by one method.

    Attributes
    ----------
    method : str
        Registry name.
    force, force_std, energy : numpy.ndarray
        Force [N], its standard deviation [N] for the estimated Δf noise, energy [J], on
        the measurement's z (NaN where the method leaves them undefined).
    wellposedness : WellPosedness or None
        The inflection-point test on ``force`` (None if it could not run, see ``warnings``).
    warnings : tuple of str
        Warnings of the method, the noise propagation, the test and the force check.
    """

    method: str
    force: NDArray[np.float64]
    force_std: NDArray[np.float64]
    energy: NDArray[np.float64]
    wellposedness: WellPosedness | None
    warnings: tuple[str, ...] = ()

    @property
    def force_min(self) -> float:
        """Smallest force [N] (most attractive)."""
        return float(np.nanmin(self.force))

    def z_at_min(self, z: NDArray[np.float64]) -> float:
        """Position [m] of the smallest force."""
        return float(z[int(np.nanargmin(self.force))])

    def verdict(self, amplitude: float) -> str:
        """``"well-posed"``, ``"ill-posed"`` (amplitude outside the forbidden range) or
        ``"ill-posed, A forbidden"``; ``"test failed"`` if the test could not run."""
        if self.wellposedness is None:
            return "test failed"
        if self.wellposedness.is_forbidden(amplitude):
            return "ill-posed, A forbidden"
        return self.wellposedness.verdict


@dataclass(frozen=True)
class Measurement:
    """A measured curve, the values used and the deconvolution by each method.

    Attributes
    ----------
    path : str
        The file read.
    z : numpy.ndarray
        Distance [m], ascending (up to a constant), shape (N,).
    sweeps : tuple of str
        The sweeps used.
    df_sweeps : numpy.ndarray
        Their frequency shift as read [Hz], shape (len(sweeps), N).
    df : numpy.ndarray
        The curve deconvolved [Hz] (mean of ``df_sweeps``, minus ``df_offset``).
    curve : str
        How ``df`` was formed.
    amplitude, k, f0 : SensorValue
        Sensor values and their sources.
    df_noise : SensorValue
        rms noise of ``df`` [Hz] and how it was estimated.
    df_offset : SensorValue
        Constant subtracted from the mean of the sweeps [Hz] (0 unless asked for).
    orientation : str
        How the file's z column was mapped onto the distance.
    results : mapping
        Method name -> :class:`MethodResult`.
    failed : mapping
        Method name -> error message, for methods that rejected the input.
    findings : tuple of Finding
        Plausibility warnings (errors raise unless ``strict=False``).
    file_sources : mapping
        The reader's record of where z, Δf, f0, amplitude came from.
    """

    path: str
    z: NDArray[np.float64]
    sweeps: tuple[str, ...]
    df_sweeps: NDArray[np.float64]
    df: NDArray[np.float64]
    curve: str
    amplitude: SensorValue
    k: SensorValue
    f0: SensorValue
    df_noise: SensorValue
    df_offset: SensorValue
    orientation: str
    results: Mapping[str, MethodResult]
    failed: Mapping[str, str] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()
    file_sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        """Every warning: plausibility findings, then each method's (prefixed by its name)."""
        out = [f.message for f in self.findings]
        for name, result in self.results.items():
            out += [w if w.startswith(name) else f"{name}: {w}" for w in result.warnings]
        out += [f"{name} skipped: {message}" for name, message in self.failed.items()]
        return out


def _sweep_parts(name: str) -> tuple[str, bool, bool]:
    """Sweep name -> (direction, is_average, is_filtered)."""
    tokens = name.lower().split()
    return ("bwd" if "bwd" in tokens else "fwd"), "avg" in tokens, "filt" in tokens


def _residual_noise(curve: NDArray[np.float64]) -> float:
    """``std(second differences) / sqrt 6`` of the far half of the curve."""
    far = curve[curve.size // 2 :]
    if far.size < 5:
        far = curve
    return float(np.std(np.diff(far, 2)) / np.sqrt(6.0))


def _select(
    spec: Spectroscopy, sweep: str
) -> tuple[list[int], NDArray[np.float64], str, float, str]:
    """Pick the sweeps: (indices, curve = their mean, description, noise, noise source)."""
    if sweep not in SWEEP_CHOICES:
        raise ValueError(f"sweep must be one of {', '.join(SWEEP_CHOICES)}; got {sweep!r}")
    parts = [_sweep_parts(name) for name in spec.sweeps]
    usable = [i for i, p in enumerate(parts) if not p[2]] or list(range(len(parts)))
    if sweep == "avg":
        chosen = [i for i in usable if parts[i][1]]
        chosen = [i for i in chosen if parts[i][0] == "fwd"] or chosen
        if not chosen:
            raise ValueError(f"no average column; sweeps: {', '.join(spec.sweeps)}")
        chosen = chosen[:1]
    else:
        directions = ("fwd", "bwd") if sweep == "all" else (sweep,)
        chosen = [i for i in usable if parts[i][0] in directions and not parts[i][1]]
        if not chosen:  # no single sweeps: the file's average column(s) of that direction
            chosen = [i for i in usable if parts[i][0] in directions and parts[i][1]]
        if not chosen:
            raise ValueError(f"no {sweep} sweep; sweeps: {', '.join(spec.sweeps)}")
    rows = spec.df[chosen]
    curve = rows.mean(axis=0)
    names = [spec.sweeps[i] for i in chosen]
    described = (
        f"sweep {names[0]}"
        if len(names) == 1
        else f"mean of the {len(names)} sweeps {', '.join(names)}"
    )
    singles = [i for i in chosen if not parts[i][1]]
    if len(singles) >= 2 and len(singles) == len(chosen):
        groups = {parts[i][0] for i in chosen}
        residual = np.concatenate(
            [
                spec.df[[i for i in chosen if parts[i][0] == g]]
                - spec.df[[i for i in chosen if parts[i][0] == g]].mean(axis=0)
                for g in sorted(groups)
            ]
        )
        dof = (len(chosen) - len(groups)) * spec.z.size
        per_sweep = float(np.sqrt(np.sum(residual**2) / dof)) if dof > 0 else 0.0
        if per_sweep > 0:
            noise = per_sweep / np.sqrt(len(chosen))
            source = (
                f"scatter of the {len(chosen)} sweeps about their "
                f"{'direction means' if len(groups) > 1 else 'mean'}: {per_sweep:.3g} Hz per "
                f"sweep, / sqrt({len(chosen)}) for their mean"
            )
            return chosen, curve, described, noise, source
    noise = _residual_noise(curve)
    source = (
        "high-frequency residual of the far half of the curve deconvolved "
        "(std of second differences / sqrt 6)"
    )
    return chosen, curve, described, noise, source


def _sensor(
    name: str,
    given: str | float | None,
    from_file: float | None,
    file_source: str,
    kind: str,
    hint: str,
    path: str,
) -> SensorValue:
    unit = SI_UNITS[kind]
    if given is not None:
        try:
            value = parse_quantity(given, kind)
        except ValueError as exc:
            raise MeasurementError(f"--{name}: {exc}") from None
        source = f"argument --{name} {given}"
        if from_file is not None:
            source += f" (the file says {format_quantity(from_file, unit)})"
        return SensorValue(value, unit, source)
    if from_file is None:
        raise MeasurementError(f"{path}: {name} is not in the file: give --{name} (e.g. {hint})")
    return SensorValue(float(from_file), unit, f"file: {file_source}")


def _run_method(
    name: str,
    z: NDArray[np.float64],
    df: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
    df_noise: float,
) -> MethodResult:
    """One method: force, force_std, energy, well-posedness and their warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        force = np.asarray(get_method(name)(z, df, amplitude, k, f0), dtype=np.float64)
        std = np.asarray(force_noise(name, z, amplitude, k, f0, df_noise), dtype=np.float64)
        if name == "sader_jarvis":
            energy = sader_jarvis_energy(z, df, amplitude, k, f0)
        elif np.isfinite(force).any():
            energy = force_integral_energy(z, force)
        else:
            energy = np.full(z.shape, np.nan)
    messages: list[str] = []
    for item in caught:
        text = str(item.message)
        if text not in messages:
            messages.append(text)
    test: WellPosedness | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test = inflection_point_test(z, force)
    except ValueError as exc:
        messages.append(f"inflection-point test not run: {exc}")
    messages += [f.message for f in check_force(force, name)]
    return MethodResult(name, force, std, energy, test, tuple(messages))


def measure(
    path: str | PathLike,
    *,
    amplitude: str | float | None = None,
    k: str | float | None = None,
    f0: str | float | None = None,
    methods: Sequence[str] | None = None,
    sweep: str = "fwd",
    df_noise: str | float | None = None,
    subtract_offset: bool = False,
    flip_z: bool = False,
    strict: bool = True,
) -> Measurement:
    """Read a measured file and deconvolve it with every requested method.

    Parameters
    ----------
    path : str or path-like
        Nanonis ``.dat`` Z spectroscopy or a table (``.csv``, ``.txt``...).
    amplitude, k, f0 : str or float, optional
        Oscillation amplitude, spring constant, resonance frequency: SI numbers or strings
        with unit suffixes (``"60pm"``, ``"1.8kN/m"``, ``"32.768kHz"``). Missing values are
        taken from the file header (f0 and the amplitude set-point of Nanonis files); k is
        never in a Nanonis file.
    methods : sequence of str, optional
        Registered method names (default: all of :data:`fmdecon.METHODS`).
    sweep : {"fwd", "bwd", "avg", "all"}
        Which sweeps are used: the single forward (backward) sweeps, or the file's average
        column where it has no single sweeps; ``avg`` the file's (forward) average column;
        ``all`` the single sweeps of both directions. Their mean is deconvolved.
    df_noise : str or float, optional
        rms noise of the deconvolved curve [Hz] (default: estimated from the data).
    subtract_offset : bool
        Subtract the mean of the far end (the last 10 % of the points) from the curve.
    flip_z : bool
        Map ``z = -z_file`` (for a z column that grows towards the sample).
    strict : bool
        If True (default), implausible values (:mod:`fmdecon.plausibility` errors) raise;
        if False they become warnings.

    Returns
    -------
    Measurement

    Raises
    ------
    MeasurementError
        One line naming the file and the problem (unreadable file, missing value,
        implausible value, every method failed).
    """
    path_text = str(path)
    try:
        spec = read_curve(path, flip_z=flip_z)
    except ValueError as exc:
        raise MeasurementError(str(exc)) from None
    names = list(methods) if methods else list(METHODS)
    for name in names:
        if name not in METHODS:
            raise MeasurementError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    a_value = _sensor(
        "amplitude",
        amplitude,
        spec.amplitude,
        spec.source.get("amplitude", ""),
        "length",
        "--amplitude 60pm",
        path_text,
    )
    k_value = _sensor(
        "k", k, spec.k, spec.source.get("k", ""), "stiffness", "--k 1.8kN/m", path_text
    )
    f_value = _sensor(
        "f0", f0, spec.f0, spec.source.get("f0", ""), "frequency", "--f0 32.768kHz", path_text
    )
    try:
        chosen, curve, described, noise, noise_source = _select(spec, sweep)
    except ValueError as exc:
        raise MeasurementError(f"{path_text}: {exc}") from None
    if df_noise is not None:
        try:
            given = parse_quantity(df_noise, "frequency")
        except ValueError as exc:
            raise MeasurementError(f"--df-noise: {exc}") from None
        noise_value = SensorValue(
            given, "Hz", f"argument --df-noise {df_noise} (the data suggest {noise:.3g} Hz)"
        )
    else:
        noise_value = SensorValue(noise, "Hz", f"estimated: {noise_source}")
    offset = 0.0
    offset_source = "not subtracted (use --subtract-offset)"
    if subtract_offset:
        offset, error, count = far_end_offset(curve)
        curve = curve - offset
        z_far = format_quantity(float(spec.z[-count]), "m")
        offset_source = (
            f"mean of the last {count} points (z >= {z_far}), +- {error:.2g} Hz, subtracted"
        )
    z = np.array(spec.z)
    findings = check_inputs(z, curve, a_value.value, k_value.value, f_value.value)
    errors = [f.message for f in findings if f.level == "error"]
    if errors and strict:
        raise MeasurementError(f"{path_text}: {'; '.join(errors)}")

    results: dict[str, MethodResult] = {}
    failed: dict[str, str] = {}
    for name in names:
        try:
            results[name] = _run_method(
                name, z, curve, a_value.value, k_value.value, f_value.value, noise_value.value
            )
        except (ValueError, MemoryError) as exc:
            failed[name] = str(exc)
    if not results:
        problems = "; ".join(f"{n}: {m}" for n, m in failed.items())
        raise MeasurementError(f"{path_text}: every method failed: {problems}")
    return Measurement(
        path=path_text,
        z=z,
        sweeps=tuple(spec.sweeps[i] for i in chosen),
        df_sweeps=np.array(spec.df[chosen]),
        df=curve,
        curve=described,
        amplitude=a_value,
        k=k_value,
        f0=f_value,
        df_noise=noise_value,
        df_offset=SensorValue(offset, "Hz", offset_source),
        orientation=spec.orientation,
        results=results,
        failed=failed,
        findings=tuple(findings),
        file_sources=dict(spec.source),
    )


def summary_rows(measurement: Measurement) -> list[dict[str, str]]:
    """One row per method: file, method, F_min, z at F_min, verdict (formatted strings)."""
    rows = []
    name = Path(measurement.path).name
    amplitude = measurement.amplitude.value
    for method, result in measurement.results.items():
        rows.append(
            {
                "file": name,
                "method": method,
                "F_min": format_quantity(result.force_min, "N", 3),
                "z at F_min": format_quantity(result.z_at_min(measurement.z), "m", 4),
                "verdict": result.verdict(amplitude),
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
    well-posedness (verdict, origin, S and its 95 % interval at each inflection point z_i,
    forbidden amplitude ranges) and the scalars ``amplitude``, ``k``, ``f0``, ``df_noise``,
    ``df_offset`` with their ``source``. Global attributes: provenance, the input file, the
    orientation, the curve, warnings.
    """
    import xarray as xr

    from fmdecon.study.provenance import provenance_attrs

    m = measurement
    methods = list(m.results)
    results = [m.results[n] for n in methods]
    tests = [r.wellposedness for r in results]
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
            cf("N", "minimum of the deconvolved force"),
        ),
        "z_force_min": (
            ("deconvolution",),
            np.array([r.z_at_min(m.z) for r in results]),
            cf("m", "position of the force minimum"),
        ),
        "wellposedness_verdict": (
            ("deconvolution",),
            np.array([r.verdict(m.amplitude.value) for r in results], dtype=object),
            cf(None, "inflection-point test (Sader et al. 2018): verdict at this amplitude"),
        ),
        "wellposedness_summary": (
            ("deconvolution",),
            np.array(
                [t.summary() if t is not None else "test not run" for t in tests], dtype=object
            ),
            cf(None, "inflection-point test: summary"),
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
            "curve": m.curve,
            "sweeps_used": ", ".join(m.sweeps),
            "noise_source": m.df_noise.source,
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
    lines.append(f"# curve: {m.curve}")
    for name, result in m.results.items():
        test = result.wellposedness
        lines.append(
            f"# wellposedness {name}: {result.verdict(m.amplitude.value)}; "
            + (test.summary() if test is not None else "test not run")
        )
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
    buffer = io.StringIO()
    np.savetxt(buffer, np.column_stack(columns), fmt="%.10e", delimiter=",")
    return "\n".join([*lines, ",".join(header)]) + "\n" + buffer.getvalue()


def write_csv(measurement: Measurement, path: str | PathLike) -> None:
    """Write :func:`csv_text` atomically."""
    from fmdecon.study.cube import write_text

    write_text(path, csv_text(measurement))


def render_plot(measurement: Measurement, fmt: str = "png") -> bytes:
    """The figure of :func:`plot_measurement` as bytes."""
    from matplotlib.figure import Figure

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
        style = dict(METHODS[name].style)
        color = style.get("color")
        force = result.force * 1e12
        std = result.force_std * 1e12
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
    ax_f.set_ylabel("F (pN), band: ± 1 std")
    ax_f.legend(fontsize=8, loc="lower right")

    names = list(m.results)
    amplitude_pm = m.amplitude.value * 1e12
    low, high = amplitude_pm, amplitude_pm
    for row, name in enumerate(names):
        test = m.results[name].wellposedness
        color = METHODS[name].style.get("color")
        if test is None:
            continue
        for lo, hi in test.forbidden_amplitudes:
            ax_a.barh(row, (hi - lo) * 1e12, left=lo * 1e12, height=0.6, color=color, alpha=0.5)
            low, high = min(low, lo * 1e12), max(high, hi * 1e12)
        if not test.forbidden_amplitudes:
            ax_a.text(amplitude_pm, row, "  no forbidden range", va="center", fontsize=7)
    ax_a.axvline(amplitude_pm, color="k", lw=1.5, label=f"A used = {amplitude_pm:.4g} pm")
    ax_a.set_yticks(range(len(names)), [METHODS[n].short_label for n in names], fontsize=8)
    ax_a.set_ylim(-0.7, len(names) - 0.3)
    ax_a.set_xscale("log")
    ax_a.set_xlim(low / 10.0, high * 10.0)
    ax_a.set_xlabel("amplitude (pm)")
    ax_a.set_title("forbidden amplitudes (inflection-point test; bars)", fontsize=9)
    ax_a.legend(fontsize=8, loc="upper right")
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
