"""From a measured file to a force: the pipeline behind ``fmdecon deconvolve`` (numpy, scipy).

:func:`measure` reads a Nanonis ``.dat`` or a table (:func:`fmdecon.io.read_curve`),
fills the sensor values from the arguments and the file header (recording where each came
from), selects the sweeps and the curve to deconvolve, estimates the frequency-shift noise,
runs the plausibility checks (:mod:`fmdecon.plausibility`), deconvolves with every requested
method and adds, per method, the force's standard deviation (:func:`fmdecon.force_noise`),
the energy (:mod:`fmdecon.energy`) and the inflection-point test
(:func:`fmdecon.wellposedness.inflection_point_test`). The result is a :class:`Measurement`.
Its outputs live in :mod:`fmdecon.measurement.outputs` and :mod:`fmdecon.measurement.plot`.

Noise estimate (``df_noise`` of the deconvolved curve): with two or more single sweeps,
the pooled scatter of the sweeps about their direction's mean gives the noise of one sweep,
divided by sqrt(n) for the mean of n sweeps that is deconvolved; otherwise the
high-frequency residual of the far half of the curve, ``std(second differences) / sqrt 6``
(white noise of rms s gives second differences of rms s sqrt 6), which a smooth signal
hardly affects there.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
from numpy.typing import NDArray

from fmdecon._validation import LongComputationError, snap_grid
from fmdecon.io import Spectroscopy, is_grid, read_curve, sniff_format
from fmdecon.io.units import format_quantity, parse_quantity
from fmdecon.measurement._values import (
    SWEEP_CHOICES,
    ArgumentError,
    MeasurementError,
    MissingValueError,
    SensorValue,
    sensor_value,
)
from fmdecon.methods import METHODS, get_method
from fmdecon.noise import force_noise
from fmdecon.plausibility import (
    Finding,
    PlausibilityWarning,
    check_force,
    check_inputs,
    check_setpoint,
    far_end_offset,
)
from fmdecon.tail import TailExtension, continuation_dependent, extend_tail
from fmdecon.wellposedness import Verdict, WellPosedness, inflection_point_test

__all__ = [
    "SWEEP_CHOICES",
    "ArgumentError",
    "Measurement",
    "MeasurementError",
    "MethodResult",
    "MissingValueError",
    "SensorValue",
    "measure",
]


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
    force_bias : numpy.ndarray or None
        Estimated magnitude of the smoothing bias [N] of a method whose strength is chosen
        from the data (its ``fit`` capability; the combined uncertainty is
        ``hypot(force_std, force_bias)``); None for the linear methods.
    test_problem : str
        Why the inflection-point test could not run ("" if it ran).
    incomplete : str
        Why the measured curve may miss an inflection point beyond its far end (a Δf that
        has not decayed there; "" if it has): :meth:`verdict` is then undecided where the
        test alone would say well-posed.
    dependent : numpy.ndarray of bool or None
        Points whose force depends on the unknown continuation of a Δf that has not decayed
        at the far end (:func:`fmdecon.tail.continuation_dependent`); :attr:`force_min` is
        not taken there. None where Δf has decayed or a tail model supplies it.
    dependent_note : str
        What ``dependent`` excludes, or which tail model was used ("" if neither).
    """

    method: str
    force: NDArray[np.float64]
    force_std: NDArray[np.float64]
    energy: NDArray[np.float64]
    wellposedness: WellPosedness | None
    warnings: tuple[str, ...] = ()
    force_bias: NDArray[np.float64] | None = None
    test_problem: str = ""
    incomplete: str = ""
    dependent: NDArray[np.bool_] | None = None
    dependent_note: str = ""

    def _candidates(self) -> NDArray[np.bool_]:
        """Points the minimum is taken from: finite, and not ``dependent``."""
        ok = np.isfinite(self.force)
        return ok if self.dependent is None else ok & ~self.dependent

    @property
    def force_min(self) -> float:
        """Smallest force [N] (most attractive) where it does not depend on the unknown
        continuation of Δf (``dependent``); NaN if no such point is finite."""
        ok = self._candidates()
        return float(self.force[ok].min()) if ok.any() else float("nan")

    def z_at_min(self, z: NDArray[np.float64]) -> float:
        """Position [m] of :attr:`force_min`; NaN if no point qualifies."""
        ok = np.flatnonzero(self._candidates())
        if not ok.size:
            return float("nan")
        return float(z[ok[int(np.argmin(self.force[ok]))]])

    def verdict(self, amplitude: float) -> Verdict:
        """The well-posedness at ``amplitude`` [m]: well-posed, ill-posed at this amplitude or
        undecided, with the reason (:meth:`fmdecon.wellposedness.WellPosedness.decide`;
        undecided also where the test could not run, or where it finds nothing but the
        curve is ``incomplete``)."""
        if self.wellposedness is None:
            return Verdict.not_run(amplitude, self.test_problem or "no result")
        verdict = self.wellposedness.decide(amplitude)
        if verdict.status == "well-posed" and self.incomplete:
            return Verdict(
                "undecided",
                float(amplitude),
                f"{self.incomplete}: the force beyond it is unknown, and an inflection point "
                f"there cannot be excluded (within the curve: {verdict.brief})",
                "Δf not decayed",
            )
        return verdict


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
    notes : tuple of str
        What the reader dropped (the NaN padding and all-NaN columns of an aborted sweep:
        :attr:`fmdecon.io.Spectroscopy.notes`); the first of :attr:`warnings`.
    tail : str
        The tail model that extended Δf beyond the far end (``tail=True``), "" if none.
    grid : str
        What was done to the file's z grid: "z snapped to a uniform grid (max deviation
        ...)" for one uniform to its printed digits (:func:`fmdecon.snap_grid`), "" if
        nothing.
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
    notes: tuple[str, ...] = ()
    tail: str = ""
    grid: str = ""

    @property
    def warnings(self) -> list[str]:
        """Every warning: the reader's notes, plausibility findings, then each method's
        (prefixed by its name)."""
        out = [*self.notes, *(f.message for f in self.findings)]
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


def _run_method(
    name: str,
    z: NDArray[np.float64],
    df: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
    df_noise: float,
    incomplete: str = "",
    tail: TailExtension | None = None,
) -> MethodResult:
    """One method: force, force_std, energy, well-posedness and their warnings. With a
    ``tail``, the method runs on the extended curve (and on the other model's, whose spread
    is added to ``force_std``); the results are cut back to the measured points."""
    entry = get_method(name)
    bias = None
    grid, curve = (z, df) if tail is None else (tail.z, tail.df)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if entry.fit is not None:  # strength chosen from the data: std and bias of that fit
            fit = entry.fit(grid, curve, amplitude, k, f0, df_noise=df_noise)
            force = np.asarray(fit.force, dtype=np.float64)
            std = np.asarray(fit.force_std, dtype=np.float64)
            bias = np.asarray(fit.force_bias, dtype=np.float64)
        else:
            force = np.asarray(entry(grid, curve, amplitude, k, f0), dtype=np.float64)
            std = np.asarray(
                force_noise(entry, grid, amplitude, k, f0, df_noise), dtype=np.float64
            )
        if not np.isfinite(force).any():  # e.g. Sader-Jarvis on 3 points: every point NaN
            raise ValueError(f"gives no finite force on these {z.size} points")
        energy = entry.energy(grid, curve, force, amplitude, k, f0)
        dependent, note = None, ""
        if tail is not None:
            n = tail.measured
            force, std, energy = force[:n], std[:n], energy[:n]
            bias = bias[:n] if bias is not None else None
            note = tail.describe()
            if tail.df_alternative is not None:
                other = (
                    entry.fit(grid, tail.df_alternative, amplitude, k, f0, df_noise=df_noise).force
                    if entry.fit is not None
                    else entry(grid, tail.df_alternative, amplitude, k, f0)
                )
                spread = np.abs(np.asarray(other, dtype=np.float64)[:n] - force)
                std = np.hypot(std, np.where(np.isfinite(spread), spread, 0.0))
                note += "; force_std includes the spread of the forces from the two models"
        elif incomplete:
            dependent = continuation_dependent(z, amplitude, entry.family)
            note = _dependent_note(z, dependent, amplitude, entry.family)
    messages: list[str] = []
    for item in caught:
        if issubclass(item.category, PlausibilityWarning):
            continue  # measure() ran the same checks on the curve (its findings)
        text = str(item.message)
        if text not in messages:
            messages.append(text)
    test: WellPosedness | None = None
    problem = ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            test = inflection_point_test(z, force)
    except ValueError as exc:
        problem = str(exc)
        messages.append(f"inflection-point test not run: {exc}")
    messages += [f.message for f in check_force(force, name)]
    return MethodResult(
        name,
        force,
        std,
        energy,
        test,
        tuple(messages),
        bias,
        problem,
        incomplete,
        dependent,
        note,
    )


def _dependent_note(
    z: NDArray[np.float64], dependent: NDArray[np.bool_], amplitude: float, family: str
) -> str:
    """What :func:`continuation_dependent` excluded from F_min, in words."""
    two_a = format_quantity(2.0 * amplitude, "m", 3)
    where = f"z > {format_quantity(float(z[-1]) - 2.0 * amplitude, 'm', 4)} (2A = {two_a})"
    spikes = int(dependent.sum() - np.count_nonzero(z[-1] - z < 2.0 * amplitude))
    if spikes:
        where += f" and {spikes} near the far end - n*2A (n >= 1: the matrix family's spikes)"
    return (
        f"F_min not taken at {int(dependent.sum())} of {z.size} points, where the force "
        f"depends on Δf beyond the far end: {where}; use --tail to model that continuation"
    )


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
    z_unit: str | None = None,
    df_unit: str | None = None,
    tail: bool = False,
    snap: bool = True,
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
    z_unit, df_unit : str, optional
        Units of the z and Δf columns of a table whose header has none (``"nm"``,
        ``"Hz"``); for readers that take them (:func:`fmdecon.io.read_table`).
    tail : bool
        Extend a Δf that has not decayed at the far end by a fitted tail model
        (:func:`fmdecon.extend_tail`: exponential or power law, the better fit) before
        deconvolving; the spread of the two models' forces is added to ``force_std``.
        Without it, F_min is not taken where the force depends on the unknown continuation
        (:func:`fmdecon.tail.continuation_dependent`). Ignored where Δf has decayed.

    Returns
    -------
    Measurement
        For a grid file (a Nanonis ``.3ds``, :func:`fmdecon.io.is_grid`): a
        :class:`~fmdecon.measurement.grid.GridMeasurement`, per pixel and method
        (:func:`fmdecon.measurement.grid.measure_grid` with these arguments).

    Raises
    ------
    MeasurementError
        One line naming the file and the problem (unreadable file, missing value,
        implausible value, every method failed); :class:`ArgumentError` for an argument
        that cannot be used (its ``argument`` attribute names it), :class:`MissingValueError`
        for a sensor value neither given nor in the file.
    """
    path_text = str(path)
    if is_grid(path):  # a grid of curves: the grid pipeline (fmdecon.measurement.grid)
        from fmdecon.measurement.grid import measure_grid

        return measure_grid(  # type: ignore[return-value]
            path,
            amplitude=amplitude,
            k=k,
            f0=f0,
            methods=methods,
            sweep=sweep,
            df_noise=df_noise,
            subtract_offset=subtract_offset,
            flip_z=flip_z,
            strict=strict,
        )
    options: dict[str, object] = {"flip_z": flip_z}
    units = {name: value for name, value in (("z_unit", z_unit), ("df_unit", df_unit)) if value}
    if units:
        try:
            reader = sniff_format(path)
        except ValueError as exc:
            raise MeasurementError(str(exc)) from None
        taken = inspect.signature(reader.reader).parameters
        for name, value in units.items():
            if name not in taken:
                raise ArgumentError(
                    name,
                    f"{value!r} given, but a {reader.description} carries its units in the "
                    f"file; {name} is for tables without units in their header",
                )
        options.update(units)
    try:
        spec = read_curve(path, **options)
    except ValueError as exc:
        raise MeasurementError(str(exc)) from None
    names = list(methods) if methods else list(METHODS)
    for name in names:
        if name not in METHODS:
            raise MeasurementError(f"unknown method {name!r}; known: {', '.join(METHODS)}")
    a_value = sensor_value(
        "amplitude",
        amplitude,
        spec.amplitude,
        spec.source.get("amplitude", ""),
        "length",
        "60pm",
        path_text,
    )
    k_value = sensor_value(
        "k", k, spec.k, spec.source.get("k", ""), "stiffness", "1.8kN/m", path_text
    )
    f_value = sensor_value(
        "f0", f0, spec.f0, spec.source.get("f0", ""), "frequency", "32.768kHz", path_text
    )
    try:
        chosen, curve, described, noise, noise_source = _select(spec, sweep)
    except ValueError as exc:
        dropped = "".join(f" ({note})" for note in spec.notes if "column" in note)
        raise MeasurementError(f"{path_text}: {exc}{dropped}") from None
    if df_noise is not None:
        try:
            given = parse_quantity(df_noise, "frequency")
        except ValueError as exc:
            raise ArgumentError("df_noise", str(exc)) from None
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
    grid_note = ""
    try:
        snapped = snap_grid(z)
    except ValueError as exc:
        raise MeasurementError(f"{path_text}: {exc}") from None
    if snap and snapped.snapped:  # uniform to its printed digits: the lattice (O(N log N) sums)
        z = snapped.z
        grid_note = (
            f"z snapped to a uniform grid (max deviation "
            f"{format_quantity(snapped.deviation, 'm', 3)}, "
            f"{snapped.deviation / ((z[-1] - z[0]) / (z.size - 1)):.2g} steps)"
        )
    written = (
        str(amplitude) if amplitude is not None else format_quantity(a_value.value, "m")
    )  # as typed (a bare number or with a unit), or the file's value with its unit
    findings = check_inputs(
        z,
        curve,
        a_value.value,
        k_value.value,
        f_value.value,
        amplitude_written=written,
        tail=tail,
    )
    if amplitude is not None:
        findings += check_setpoint(
            a_value.value, spec.amplitude, f"the amplitude given ({amplitude})"
        )
    errors = [f.message for f in findings if f.level == "error"]
    if errors and strict:
        raise MeasurementError(f"{path_text}: {'; '.join(errors)}")

    far_end = any(f.check == "far_end" for f in findings)
    z_far = format_quantity(float(z[-1]), "m")
    incomplete = f"Δf has not decayed at the far end of the curve (z = {z_far})" if far_end else ""
    extension = None
    tail_note = ""
    if tail and far_end:
        try:
            extension = extend_tail(z, curve, df_noise=noise_value.value)
        except ValueError as exc:
            raise MeasurementError(f"{path_text}: --tail: {exc}") from None
        tail_note = extension.describe()
    elif tail:
        tail_note = "tail model: not used (Δf has decayed at the far end)"
    results: dict[str, MethodResult] = {}
    failed: dict[str, str] = {}
    for name in names:
        try:
            results[name] = _run_method(
                name,
                z,
                curve,
                a_value.value,
                k_value.value,
                f_value.value,
                noise_value.value,
                incomplete,
                extension,
            )
        except LongComputationError as exc:  # refused before starting: the whole file
            raise MeasurementError(
                f"{path_text}: {exc}".replace(
                    " (or allow it: with fmdecon.direct_sum_limit(None): ...)", ""
                )
            ) from None
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
        notes=spec.notes,
        tail=tail_note,
        grid=grid_note,
    )
