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
:class:`PlausibilityWarning` for the warnings. Thresholds are module constants.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "Finding",
    "ImplausibleInputError",
    "PlausibilityWarning",
    "check_amplitude",
    "check_force",
    "check_frequency_shift",
    "check_grid",
    "check_inputs",
    "check_sensor",
    "enforce",
    "far_end_offset",
]

#: Largest z span [m] of a plausible FM-AFM spectroscopy.
MAX_Z_SPAN = 1e-6
#: Smallest plausible z step [m].
MIN_Z_STEP = 1e-15
#: Plausible amplitudes [m].
MIN_AMPLITUDE, MAX_AMPLITUDE = 1e-12, 100e-9
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
    """The z span must be at most 1 µm and the smallest step at least 1 fm.

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


def check_amplitude(amplitude: float, z: ArrayLike | None = None) -> list[Finding]:
    """The amplitude must be within 1 pm .. 100 nm; beyond the whole z span is suspicious.

    Parameters
    ----------
    amplitude : float
        Oscillation amplitude [m].
    z : array_like, optional
        Distances [m] of the curve, for the comparison with its span.

    Returns
    -------
    list of Finding
    """
    found = []
    if amplitude > MAX_AMPLITUDE:
        found.append(
            Finding(
                "error",
                "amplitude_large",
                f"amplitude = {amplitude:.6g} m is above {_si(MAX_AMPLITUDE, 'm')}: a number "
                "without a unit is read in metres. Did you mean "
                f"{amplitude:g}pm or {amplitude:g}nm?",
            )
        )
    elif amplitude < MIN_AMPLITUDE:
        found.append(
            Finding(
                "error",
                "amplitude_small",
                f"amplitude = {amplitude:.6g} m is below {_si(MIN_AMPLITUDE, 'm')}: is it in "
                "the right unit (a value in nm or pm must carry its unit, e.g. 50pm)?",
            )
        )
    if z is not None and amplitude <= MAX_AMPLITUDE:
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


def far_end_offset(df: ArrayLike, fraction: float = FAR_FRACTION) -> tuple[float, float, int]:
    """Mean of the far end of a curve, its standard error, and the number of points used.

    Parameters
    ----------
    df : array_like
        Frequency shift [Hz] on ascending z, shape (N,).
    fraction : float
        Fraction of the points taken as the far end (at least 3).

    Returns
    -------
    (float, float, int)
        Mean [Hz], its standard error [Hz] (from the scatter of second differences, so that
        a slope is not counted as noise), number of points.
    """
    values = np.asarray(df, dtype=np.float64)
    count = int(min(values.size, max(3, round(fraction * values.size))))
    far = values[-count:]
    noise = float(np.std(np.diff(far, 2)) / np.sqrt(6.0)) if count >= 5 else 0.0
    return float(np.mean(far)), noise / np.sqrt(count), count


def check_frequency_shift(
    z: ArrayLike, df: ArrayLike, f0: float | None = None, *, offset_hint: str = "--subtract-offset"
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

    Returns
    -------
    list of Finding
        ``df_large`` (error above 0.5 f0, warning above 1 % of f0) and ``far_end`` (warning:
        the mean of the last 10 % of the points exceeds 2 % of max|Δf| and three standard
        errors), whose message says whether the far part looks flat (a constant offset: it
        changes by less than 2 % of max|Δf| from the tenth before) or still sloped (cut off).
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
    offset, error, count = far_end_offset(values)
    if peak > 0 and abs(offset) > FAR_END_FRACTION * peak and abs(offset) > 3.0 * error:
        before = values[-2 * count : -count] if values.size >= 2 * count else values[:-count]
        change = abs(float(np.mean(before)) - offset) if before.size else np.inf
        z_far = _si(float(z[-count]), "m")
        share = f"{abs(offset) / peak:.0%} of max|Δf|"
        if change <= max(FAR_END_SLOPE_FRACTION * peak, 3.0 * np.sqrt(2.0) * error):
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}), and flat there: a constant offset? (use {offset_hint} to remove "
                "it; the deconvolution takes Δf beyond the far end as zero). If it is not an "
                "offset, the curve ends before Δf decays: measure farther out"
            )
        else:
            text = (
                f"Δf has not decayed at the far end: mean {offset:.4g} Hz over z >= {z_far} "
                f"({share}), still changing by {change:.3g} Hz: the curve looks cut off "
                "before Δf decays; the force beyond the far end is taken as zero, so the "
                "force is too weak everywhere. Measure farther out"
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


def check_inputs(
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float | None = None,
    k: float | None = None,
    f0: float | None = None,
    *,
    offset_hint: str = "--subtract-offset",
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

    Returns
    -------
    list of Finding
    """
    found = check_grid(z)
    if amplitude is not None:
        found += check_amplitude(amplitude, z)
    if k is not None and f0 is not None:
        found += check_sensor(k, f0)
    found += check_frequency_shift(z, df, f0, offset_hint=offset_hint)
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
