"""Plausibility checks of a measured curve and its sensor values: catch unit mistakes.

A force deconvolution is linear in the frequency shift and scales with k, f0 and powers of
A and z, so the common mistakes (z in nm read as metres, an amplitude ``50`` meant as pm,
k and f0 swapped, Δf in mHz read as Hz, a constant Δf offset, a curve cut off before Δf has
decayed) return a force that is wrong by orders of magnitude, without an error. Each check
here compares a value with what FM-AFM can plausibly produce and returns a :class:`Finding`
naming the value and the likely mistake: an ``"error"`` for values no measurement has (the
result would be meaningless), a ``"warning"`` for values that are possible but suspicious.

The checks are cheap (O(N), numpy only). :func:`check_inputs` runs all input checks;
:func:`enforce` raises :class:`ImplausibleInputError` for the errors and emits
:class:`PlausibilityWarning` for the warnings. Thresholds are module constants. Every
deconvolution method runs :func:`check_method_arguments` on its SI arguments before it
allocates anything (an amplitude above 1 µm is an error; one above the z span a
:class:`PlausibilityWarning`, which ``warnings.filterwarnings("ignore",
category=fmdecon.PlausibilityWarning)`` silences).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Finding",
    "ImplausibleInputError",
    "PlausibilityWarning",
    "check_amplitude",
    "check_force",
    "check_frequency_shift",
    "check_grid",
    "check_inputs",
    "check_method_arguments",
    "check_sensor",
    "check_setpoint",
    "enforce",
    "far_end_decayed",
    "far_end_offset",
]

#: Largest z span [m] of a plausible FM-AFM spectroscopy.
MAX_Z_SPAN = 1e-6
#: Smallest plausible z step [m].
MIN_Z_STEP = 1e-15
#: Fewest points a curve needs to be deconvolved (Sader-Jarvis needs 4 for one finite
#: point; the inflection-point test 15).
MIN_POINTS = 10
#: Plausible amplitudes [m].
MIN_AMPLITUDE, MAX_AMPLITUDE = 1e-12, 100e-9
#: Relative slack of the limits: ``100nm`` parses to 100 x 1e-9 = 1.0000000000000001e-07 m.
_ROUNDING = 1e-9
#: Plausible spring constants [N/m].
MIN_K, MAX_K = 0.01, 1e5
#: Smallest plausible resonance frequency [Hz].
MIN_F0 = 100.0
#: |Δf| above this fraction of f0 is impossible (the oscillator is no longer a perturbed one).
MAX_DF_FRACTION = 0.5
#: |Δf| above this fraction of f0 is suspicious (pN-nN forces shift f0 by far less).
LARGE_DF_FRACTION = 0.01
#: Part of the curve (fraction of its points, at least 3) taken as its far end.
FAR_FRACTION = 0.1
#: Far-end |Δf| above this fraction of max|Δf| counts as "not decayed".
FAR_END_FRACTION = 0.02
#: A far-end change (last two tenths of the curve) above this fraction of max|Δf| means
#: "still decaying" (cut off) rather than "flat" (a constant offset).
FAR_END_SLOPE_FRACTION = 0.02
#: |F| above this [N] is not a tip-sample force.
MAX_FORCE = 100e-9
#: Largest amplitude [m] the methods themselves take (:func:`check_method_arguments`).
LIBRARY_MAX_AMPLITUDE = 1e-6
#: Most grid steps (2A/d) an oscillation may span before the methods allocate its weights.
MAX_CELLS = 1e7


class ImplausibleInputError(ValueError):
    """A value no FM-AFM measurement has (most likely a unit or an argument mistake)."""


class PlausibilityWarning(UserWarning):
    """A value that is possible but suspicious (a unit mistake, an offset, a cut-off curve)."""


@dataclass(frozen=True)
class Finding:
    """The result of one failed check.

    Attributes
    ----------
    level : str
        ``"error"`` (implausible: the result would be meaningless) or ``"warning"``.
    check : str
        Short identifier of the check (``"z_span"``, ``"amplitude_large"``, ``"far_end"``...).
    message : str
        One sentence naming the value and the likely mistake.
    """

    level: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def _si(value: float, unit: str) -> str:
    """``3.5e-12, "m"`` -> ``"3.5 pm"`` (engineering prefix, 4 significant digits)."""
    if value == 0 or not np.isfinite(value):
        return f"{value:g} {unit}"
    prefixes = {-15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M", 9: "G"}
    exponent = int(np.clip(3 * np.floor(np.log10(abs(value)) / 3), -15, 9))
    return f"{value / 10.0**exponent:.4g} {prefixes[exponent]}{unit}"


def check_grid(z: ArrayLike) -> list[Finding]:
    """At least ``MIN_POINTS`` points, a z span of at most 1 µm, a smallest step of 1 fm.

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing.

    Returns
    -------
    list of Finding
    """
    z = np.asarray(z, dtype=np.float64)
    found = []
    if z.size < MIN_POINTS:
        found.append(
            Finding(
                "error",
                "too_few_points",
                f"the curve has {z.size} points, fewer than the {MIN_POINTS} a deconvolution "
                "needs (its force at z needs Δf over [z, z + 2A] and beyond): an export cut "
                "short, or a sweep that stopped at once?",
            )
        )
    if z.size < 2:
        return found
    span = float(z[-1] - z[0])
    if span > MAX_Z_SPAN:
        found.append(
            Finding(
                "error",
                "z_span",
                f"z spans {_si(span, 'm')}, above {_si(MAX_Z_SPAN, 'm')}: an FM-AFM "
                "spectroscopy covers a few nm. Is z in nm (or pm) but read as metres? Put "
                "the unit in the column name, e.g. 'z (nm)'",
            )
        )
    step = float(np.min(np.diff(z)))
    if step < MIN_Z_STEP:
        found.append(
            Finding(
                "error",
                "z_step",
                f"the smallest z step is {step:.3g} m, below {_si(MIN_Z_STEP, 'm')}: is z in "
                "metres but labelled nm or pm?",
            )
        )
    return found


def check_amplitude(
    amplitude: float, z: ArrayLike | None = None, *, written: str | None = None
) -> list[Finding]:
    """The amplitude must be within 1 pm .. 100 nm; beyond the whole z span is suspicious.

    Parameters
    ----------
    amplitude : float
        Oscillation amplitude [m].
    z : array_like, optional
        Distances [m] of the curve, for the comparison with its span.
    written : str, optional
        The amplitude as the user wrote it (``"200nm"``, ``"100"``); None for an SI number.
        A value written with a unit gets "is the unit right?", a bare number the units it
        may have been meant in.

    Returns
    -------
    list of Finding
    """
    from fmdecon.io.units import split_quantity

    found = []
    if amplitude > MAX_AMPLITUDE * (1 + _ROUNDING):
        try:
            number, unit = split_quantity(written) if written is not None else ("", "")
        except ValueError:
            number, unit = "", ""
        if unit:
            text = (
                f"amplitude = {_si(amplitude, 'm')} ({written!r}) is above "
                f"{_si(MAX_AMPLITUDE, 'm')}: FM-AFM amplitudes are pm to tens of nm. Is the "
                f"unit right (e.g. {number}pm)?"
            )
        else:
            number = number or f"{amplitude:g}"
            text = (
                f"amplitude = {amplitude:.6g} m is above {_si(MAX_AMPLITUDE, 'm')}: a number "
                f"without a unit is read in metres. Did you mean {number}pm or {number}nm?"
            )
        found.append(Finding("error", "amplitude_large", text))
    elif amplitude < MIN_AMPLITUDE * (1 - _ROUNDING):
        found.append(
            Finding(
                "error",
                "amplitude_small",
                f"amplitude = {amplitude:.6g} m is below {_si(MIN_AMPLITUDE, 'm')}: is it in "
                "the right unit (a value in nm or pm must carry its unit, e.g. 50pm)?",
            )
        )
    if z is not None and amplitude <= MAX_AMPLITUDE * (1 + _ROUNDING):
        z = np.asarray(z, dtype=np.float64)
        span = float(z[-1] - z[0])
        if amplitude > span:
            found.append(
                Finding(
                    "warning",
                    "amplitude_span",
                    f"amplitude = {_si(amplitude, 'm')} exceeds the whole z span "
                    f"{_si(span, 'm')}: the oscillation reaches far beyond the measured curve "
                    "(the force there is taken as zero). Is the amplitude or z in the wrong "
                    "unit?",
                )
            )
    return found


def check_sensor(k: float, f0: float) -> list[Finding]:
    """k within 0.01 .. 1e5 N/m, f0 at least 100 Hz, and f0 [Hz] not below k [N/m].

    Parameters
    ----------
    k : float
        Spring constant [N/m].
    f0 : float
        Resonance frequency [Hz].

    Returns
    -------
    list of Finding
    """
    found = []
    if not MIN_K <= k <= MAX_K:
        found.append(
            Finding(
                "error",
                "k_range",
                f"k = {k:.6g} N/m is outside {MIN_K:g} .. {MAX_K:g} N/m: is it in the right "
                "unit (e.g. 1.8kN/m), or swapped with f0?",
            )
        )
    if f0 < MIN_F0:
        found.append(
            Finding(
                "error",
                "f0_small",
                f"f0 = {f0:.6g} Hz is below {MIN_F0:g} Hz: is it in kHz without the unit "
                "(write e.g. 32.768kHz)?",
            )
        )
    if f0 < k:
        found.append(
            Finding(
                "error",
                "k_f0_swapped",
                f"f0 = {f0:.6g} Hz is below k = {k:.6g} N/m, which no FM-AFM sensor has "
                f"(qPlus: k ~ 1800 N/m, f0 ~ 32 kHz): are k and f0 swapped?",
            )
        )
    return found


def far_end_offset(df: ArrayLike, fraction: float = FAR_FRACTION) -> tuple[Any, Any, int]:
    """Mean of the far end of a curve, its standard error, and the number of points used.

    Parameters
    ----------
    df : array_like
        Frequency shift [Hz] on ascending z, shape (N,), or curves of shape (..., N).
    fraction : float
        Fraction of the points taken as the far end (at least 3).

    Returns
    -------
    (float, float, int)
        Mean [Hz], its standard error [Hz] (from the scatter of second differences, so that
        a slope is not counted as noise), number of points; for curves (..., N), the mean
        and error are arrays of shape (...).
    """
    values = np.asarray(df, dtype=np.float64)
    n = values.shape[-1]
    count = int(min(n, max(3, round(fraction * n))))
    far = values[..., -count:]
    if count >= 5:
        noise = np.std(np.diff(far, 2, axis=-1), axis=-1) / np.sqrt(6.0)
    else:
        noise = np.zeros(values.shape[:-1])
    mean = np.mean(far, axis=-1)
    error = noise / np.sqrt(count)
    if values.ndim == 1:
        return float(mean), float(error), count
    return mean, error, count


def _not_decayed(offset: Any, error: Any, peak: Any) -> Any:
    """The ``far_end`` criterion of :func:`check_frequency_shift`, elementwise."""
    return (peak > 0) & (np.abs(offset) > FAR_END_FRACTION * peak) & (np.abs(offset) > 3.0 * error)


def far_end_decayed(df: ArrayLike) -> NDArray[np.bool_]:
    """Per curve: whether Δf has decayed at its far end (no ``far_end`` finding of
    :func:`check_frequency_shift`), for curves of shape (..., N), finite, on ascending z.

    Parameters
    ----------
    df : array_like
        Frequency shifts [Hz], shape (..., N).

    Returns
    -------
    numpy.ndarray of bool, shape (...)
    """
    values = np.asarray(df, dtype=np.float64)
    offset, error, _ = far_end_offset(values)
    peak = np.max(np.abs(values), axis=-1)
    return ~np.asarray(_not_decayed(offset, error, peak), dtype=bool)


def check_frequency_shift(
    z: ArrayLike,
    df: ArrayLike,
    f0: float | None = None,
    *,
    offset_hint: str = "--subtract-offset",
    tail_hint: str = "--tail",
    tail: bool = False,
) -> list[Finding]:
    """|Δf| against f0, and whether Δf has decayed at the far end of the curve.

    Parameters
    ----------
    z : array_like
        Distances [m], ascending (closest first).
    df : array_like
        Frequency shift [Hz], shape (N,).
    f0 : float, optional
        Resonance frequency [Hz].
    offset_hint : str
        How the caller removes a constant offset (named in the message).
    tail_hint : str
        How the caller extends Δf by a tail model (:func:`fmdecon.extend_tail`).
    tail : bool
        Whether the caller extends Δf by a tail model (the far-end message says so).

    Returns
    -------
    list of Finding
        ``df_large`` (error above 0.5 f0, warning above 1 % of f0) and ``far_end`` (warning:
        the mean of the last 10 % of the points exceeds 2 % of max|Δf| and three standard
        errors), whose message says whether the far part looks flat (a constant offset: it
        changes by less than 2 % of max|Δf| from the tenth before) or still sloped (cut off);
        ``df_positive`` (warning: Δf > 0 at every point, a flipped sign convention?).
    """
    z = np.asarray(z, dtype=np.float64)
    values = np.asarray(df, dtype=np.float64)
    found = []
    peak = float(np.max(np.abs(values)))
    if f0 is not None and peak > LARGE_DF_FRACTION * f0:
        level = "error" if peak > MAX_DF_FRACTION * f0 else "warning"
        found.append(
            Finding(
                level,
                "df_large",
                f"|Δf| reaches {peak:.6g} Hz = {peak / f0:.3g} f0 (f0 = {f0:.6g} Hz): FM-AFM "
                f"shifts are far below {LARGE_DF_FRACTION:.0%} of f0. Is Δf in mHz but read "
                "as Hz, or f0 wrong?",
            )
        )
    finite = values[np.isfinite(values)]
    if finite.size >= MIN_POINTS and float(finite.min()) > 0:
        found.append(
            Finding(
                "warning",
                "df_positive",
                f"Δf is positive everywhere ({finite.min():.4g} to {finite.max():.4g} Hz): "
                "the force will come out repulsive at every distance. Attraction lowers the "
                "frequency (Δf = f - f0 < 0); is the sign flipped (an instrument that "
                "records f0 - f), or an offset added?",
            )
        )
    offset, error, count = far_end_offset(values)
    if _not_decayed(offset, error, peak):
        before = values[-2 * count : -count] if values.size >= 2 * count else values[:-count]
        change = abs(float(np.mean(before)) - offset) if before.size else np.inf
        z_far = _si(float(z[-count]), "m")
        share = f"{abs(offset) / peak:.0%} of max|Δf|"
        if tail:
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}); extended beyond it by a fitted tail model ({tail_hint}), whose "
                "uncertainty is added to force_std"
            )
        elif not before.size:
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}); the curve ({values.size} points) is too short to tell a constant "
                f"offset (use {offset_hint}) from a curve cut off before Δf decays"
            )
        elif change <= max(FAR_END_SLOPE_FRACTION * peak, 3.0 * np.sqrt(2.0) * error):
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}), and flat there: a constant offset? (use {offset_hint} to remove "
                "it; the deconvolution takes Δf beyond the far end as zero). If it is not an "
                f"offset, the curve ends before Δf decays: measure farther out, or model the "
                f"tail ({tail_hint})"
            )
        else:
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}), still changing by {change:.3g} Hz: the curve looks cut off "
                "before Δf decays; the force beyond the far end is taken as zero, so the "
                f"force is too weak everywhere. Measure farther out, or extend Δf by a fitted "
                f"tail model ({tail_hint})"
            )
        found.append(Finding("warning", "far_end", text))
    return found


def check_force(force: ArrayLike, method: str = "") -> list[Finding]:
    """A recovered |F| above 100 nN is not a tip-sample force: some input is in a wrong unit.

    Parameters
    ----------
    force : array_like
        Force [N] (NaN ignored).
    method : str
        Method name for the message.

    Returns
    -------
    list of Finding
    """
    values = np.asarray(force, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    peak = float(np.max(np.abs(finite)))
    if peak <= MAX_FORCE:
        return []
    label = f"{method}: " if method else ""
    return [
        Finding(
            "warning",
            "force_large",
            f"{label}|F| reaches {_si(peak, 'N')}, above {_si(MAX_FORCE, 'N')}: tip-sample "
            "forces are pN to nN. Check the units of z, Δf, A, k and f0",
        )
    ]


#: A given amplitude this far (as a ratio) from the file's set-point gets a warning.
SETPOINT_RATIO = 1.25


def check_setpoint(amplitude: float, setpoint: float | None, given: str = "") -> list[Finding]:
    """An amplitude given by the user that differs from the file's amplitude set-point.

    Parameters
    ----------
    amplitude : float
        The amplitude used [m].
    setpoint : float or None
        The amplitude set-point in the file's header [m] (None: no check).
    given : str
        How the amplitude was given (``"the amplitude given (200pm)"``), for the message.

    Returns
    -------
    list of Finding
        ``amplitude_setpoint`` (warning) if the ratio exceeds ``SETPOINT_RATIO`` either way.
    """
    if setpoint is None or not setpoint > 0 or not amplitude > 0:
        return []
    ratio = amplitude / setpoint
    if 1 / SETPOINT_RATIO <= ratio <= SETPOINT_RATIO:
        return []
    return [
        Finding(
            "warning",
            "amplitude_setpoint",
            f"{given or f'the amplitude {_si(amplitude, chr(109))}'} is {ratio:.4g} x the "
            f"amplitude set-point in the file ({_si(setpoint, 'm')}), and the force found "
            "depends on it: a typo, the wrong unit, or a peak-to-peak value (A is half of "
            "it)? The file's value is used when no amplitude is given",
        )
    ]


def check_method_arguments(z: ArrayLike, amplitude: float) -> list[Finding]:
    """The cheap checks every deconvolution method runs on its SI arguments before it
    allocates anything (:func:`fmdecon._validation.sensor` with a grid).

    An amplitude above 1 µm (``amplitude=100`` meant as pm is 100 m) and an oscillation
    spanning more than ``MAX_CELLS`` grid steps (z in metres labelled pm) are errors: the
    result would be meaningless and the weights of the matrix methods would not fit in
    memory. An amplitude above the whole z span is a warning (possible with large-amplitude
    sensors, and Sader-Jarvis handles it, but often a unit mistake).

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing.
    amplitude : float
        Oscillation amplitude [m].

    Returns
    -------
    list of Finding
        ``amplitude_si`` and ``amplitude_cells`` errors, an ``amplitude_span`` warning.
    """
    z = np.asarray(z, dtype=np.float64)
    span = float(z[-1] - z[0]) if z.size else 0.0
    if amplitude > LIBRARY_MAX_AMPLITUDE:
        beyond = f"exceeds the whole z span {_si(span, 'm')} and " if amplitude > span else ""
        return [
            Finding(
                "error",
                "amplitude_si",
                f"amplitude = {amplitude:g} m {beyond}is above "
                f"{_si(LIBRARY_MAX_AMPLITUDE, 'm')}: is it in the right unit? The methods take "
                f"SI values (metres): did you mean amplitude={amplitude * 1e-12:g} "
                f"({amplitude:g} pm) or amplitude={amplitude * 1e-9:g} ({amplitude:g} nm)?",
            )
        ]
    found = []
    step = float(np.min(np.diff(z))) if z.size > 1 else 0.0
    if step > 0 and 2.0 * amplitude / step > MAX_CELLS:
        found.append(
            Finding(
                "error",
                "amplitude_cells",
                f"amplitude = {_si(amplitude, 'm')} spans {2.0 * amplitude / step:.3g} grid "
                f"steps (2A/d, smallest step d = {step:.3g} m), above {MAX_CELLS:.0e}: is z "
                "or the amplitude in the wrong unit (SI: metres)?",
            )
        )
    if 0 < span < amplitude:
        found.append(
            Finding(
                "warning",
                "amplitude_span",
                f"amplitude = {_si(amplitude, 'm')} exceeds the whole z span {_si(span, 'm')}: "
                "the oscillation reaches far beyond the measured curve (the force there is "
                "taken as zero). Is the amplitude or z in the wrong unit (SI: metres)?",
            )
        )
    return found


def check_inputs(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float | None = None,
    k: float | None = None,
    f0: float | None = None,
    *,
    offset_hint: str = "--subtract-offset",
    amplitude_written: str | None = None,
    tail: bool = False,
) -> list[Finding]:
    """Every input check: grid, amplitude, sensor, frequency shift (errors first).

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing.
    df : array_like
        Frequency shift [Hz], shape (N,).
    amplitude, k, f0 : float, optional
        Sensor values [m, N/m, Hz]; checks needing a missing value are skipped.
    offset_hint : str
        Named in the far-end message as the way to remove an offset.
    amplitude_written : str, optional
        The amplitude as written, for the hint of :func:`check_amplitude`.
    tail : bool
        Whether Δf is extended by a tail model (:func:`check_frequency_shift`).

    Returns
    -------
    list of Finding
    """
    found = check_grid(z)
    if amplitude is not None:
        found += check_amplitude(amplitude, z, written=amplitude_written)
    if k is not None and f0 is not None:
        found += check_sensor(k, f0)
    found += check_frequency_shift(z, df, f0, offset_hint=offset_hint, tail=tail)
    return sorted(found, key=lambda f: f.level != "error")


def enforce(findings: Iterable[Finding], *, strict: bool = True, stacklevel: int = 2) -> None:
    """Raise for the errors among ``findings`` and warn for the rest.

    Parameters
    ----------
    findings : iterable of Finding
    strict : bool
        If False, errors are emitted as warnings too.
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Raises
    ------
    ImplausibleInputError
        With every error message, joined by ``"; "``.
    """
    findings = list(findings)
    errors = [f.message for f in findings if f.level == "error"]
    if errors and strict:
        raise ImplausibleInputError("; ".join(errors))
    for finding in findings:
        if finding.level != "error" or not strict:
            warnings.warn(finding.message, PlausibilityWarning, stacklevel=stacklevel + 1)
