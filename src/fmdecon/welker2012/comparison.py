"""The paper-comparison table: the numbers Welker et al. (2012) state, next to this pipeline's.

The paper's statements are data (:data:`fmdecon.welker2012.facts.CLAIMS`); this module evaluates
each :class:`~fmdecon.welker2012.facts.Claim` on the metric cubes and the curves at the marked
amplitudes with a few generic extractors (:func:`value_at`, :func:`extremum`,
:func:`local_extrema`, :func:`sign_fraction`, :func:`grid_steps`) and writes one table row per
claim. Nothing is typed in but the paper's own statements. Where the pipeline differs from the
paper the row says so; where the study lacks what a row needs (a law, a marked amplitude,
several κ), the row reads "n/a (not in this study)". Rows about the paper use only the paper's
methods (``Method.published``); :func:`worst_cases` ("Beyond the paper") covers every method
of the cubes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray
from scipy.signal import find_peaks

from fmdecon.forces import law_label, ordered_laws
from fmdecon.methods.sader_jarvis import sqre
from fmdecon.study.cube import nearest_amplitude, select_point
from fmdecon.welker2012.facts import (
    AMPLITUDES,
    CLAIMS,
    SETUP,
    Claim,
    label,
    published,
    short_label,
)

__all__ = [
    "EVALUATORS",
    "NOT_IN_STUDY",
    "Row",
    "WorstCase",
    "comparison_rows",
    "extremum",
    "grid_steps",
    "local_extrema",
    "paper_comparison",
    "sign_fraction",
    "value_at",
    "worst_cases",
]

NOT_IN_STUDY = "n/a (not in this study)"
MINUS = "\u2212"  # typographic minus sign
DASH = "\u2013"  # en dash of ranges

#: Largest relative distance of a grid amplitude from a paper amplitude still taken as it.
AMPLITUDE_MATCH = 0.01
#: Prominence below which a local extremum of a CoD curve is ignored.
PROMINENCE = 1e-6

_LAW_SHORT = {"morse": "Morse", "lennard_jones": "LJ"}


@dataclass(frozen=True)
class Row:
    """One line of the comparison table.

    Attributes
    ----------
    quantity : str
        What is compared.
    paper : str
        The paper's statement.
    pipeline : str
        This pipeline's value, computed from the cubes, with units.
    note : str
        Agreement, or how and why the values differ.
    """

    quantity: str
    paper: str
    pipeline: str
    note: str


# ---------------------------------------------------------------------------------------------
# generic extractors


def value_at(
    amplitudes: ArrayLike, values: ArrayLike, nominal: float, match: float = AMPLITUDE_MATCH
) -> tuple[int, float] | None:
    """Index and value at the amplitude nearest (in log) to ``nominal``, if close enough.

    Parameters
    ----------
    amplitudes, values : array_like
        Amplitudes [m] of a study and a quantity over them.
    nominal : float
        Amplitude asked for [m].
    match : float, optional
        Largest relative distance ``|A / nominal - 1|`` accepted.

    Returns
    -------
    tuple of (int, float) or None
        None if no amplitude is within ``match`` of ``nominal``.
    """
    amplitudes = np.asarray(amplitudes, dtype=np.float64)
    index = int(nearest_amplitude(amplitudes, nominal))
    if abs(amplitudes[index] / nominal - 1.0) > match:
        return None
    return index, float(np.asarray(values)[index])


def extremum(values: ArrayLike, kind: str = "max", where: ArrayLike | None = None) -> int:
    """Index of the largest (``"max"``), smallest (``"min"``) or largest-|value| (``"abs"``)
    finite value, among those selected by the boolean mask ``where``.

    Raises
    ------
    ValueError
        If no finite value is selected, or ``kind`` is unknown.
    """
    values = np.asarray(values, dtype=np.float64)
    signs = {"max": values, "min": -values, "abs": np.abs(values)}
    if kind not in signs:
        raise ValueError(f"kind must be one of {sorted(signs)}, not {kind!r}")
    keep = np.isfinite(values) & (True if where is None else np.asarray(where, dtype=bool))
    if not keep.any():
        raise ValueError("no finite value to take the extremum of")
    return int(np.argmax(np.where(keep, signs[kind], -np.inf)))


def local_extrema(
    values: ArrayLike, prominence: float = PROMINENCE
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices of the interior local minima and maxima of a curve (NaN read as its mean)."""
    values = np.asarray(values, dtype=np.float64)
    finite = np.where(np.isfinite(values), values, np.nanmean(values))
    minima, _ = find_peaks(-finite, prominence=prominence)
    maxima, _ = find_peaks(finite, prominence=prominence)
    return minima, maxima


def sign_fraction(values: ArrayLike, sign: int = 1) -> float:
    """Fraction of the finite ``values`` that have the sign of ``sign`` (zero counts neither)."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    return float(np.mean(sign * finite > 0)) if finite.size else math.nan


def grid_steps(deviation: ArrayLike, step: float) -> int:
    """Largest |position deviation| [m] as a whole number of grid steps ``step`` [m]."""
    return round(float(np.nanmax(np.abs(np.asarray(deviation, dtype=np.float64)))) / step)


# ---------------------------------------------------------------------------------------------
# formatting


def _sig(value: float, digits: int = 3) -> str:
    if not np.isfinite(value):
        return "nan"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}".replace("-", MINUS)


def _force(value: float) -> str:
    """A force [N] in pN, or nN from 1 nN on."""
    if abs(value) >= 1e-9:
        return f"{_sig(value * 1e9)} nN"
    return f"{_sig(value * 1e12)} pN"


def _length(value: float) -> str:
    """A length [m] in pm, or nm from 1 nm on."""
    if abs(value) >= 1e-9:
        return f"{_sig(value * 1e9)} nm"
    return f"{_sig(value * 1e12)} pm"


def _cod_close_to_one(value: float) -> str:
    """R² with enough decimals to show its distance from 1 (two significant digits of 1 - R²)."""
    if not math.isfinite(value) or value >= 1.0 or value < 0.9:
        return _cod(value, 5)
    decimals = max(5, 1 - math.floor(math.log10(1.0 - value)))
    return _cod(value, decimals)


def _cod(value: float, decimals: int = 4) -> str:
    return f"{value:.{decimals}f}" if np.isfinite(value) else "nan"


def _percent(value: float) -> str:
    return f"{_sig(100.0 * value, 2)} %"


def _range(values: Sequence[float], digits: int = 3) -> str:
    low, high = _sig(min(values), digits), _sig(max(values), digits)
    return low if low == high else f"{low}{DASH}{high}"


def _steps(count: int) -> str:
    return f"{count} grid step{'' if count == 1 else 's'}"


def _kappa(value: float) -> str:
    """A decay constant [1/m] in 1/nm."""
    return f"{value * 1e-9:g} nm⁻¹"


def _agree(ok: bool, agree: str = "agrees", differ: str = "differs") -> str:
    return agree if ok else differ


# ---------------------------------------------------------------------------------------------
# access to the study


class _Study:
    """The cubes and curves of a study at the parameter point of the figures (``views``)."""

    def __init__(
        self,
        cubes: Mapping[str, xr.Dataset],
        curves: Mapping[str, xr.Dataset],
        views: Mapping[str, Any],
    ) -> None:
        self.cubes = cubes
        self.curves = curves
        self.views = views

    def at(self, law: str) -> Mapping[str, float]:
        return (self.views.get(law) or {}).get("at") or {}

    def cube(self, law: str | None, keep: Sequence[str] = ()) -> xr.Dataset | None:
        if law not in self.cubes:
            return None
        return select_point(self.cubes[law], self.at(law), keep=keep)

    def curve(self, law: str | None) -> xr.Dataset | None:
        if law not in self.curves:
            return None
        return select_point(self.curves[law], self.at(law))

    def methods(self, claim: Claim, data: xr.Dataset) -> list[str] | None:
        """The claim's methods (None if one is missing), or the paper's methods of ``data``."""
        present = [str(m) for m in data["deconvolution"].to_numpy()]
        if claim.methods:
            return list(claim.methods) if all(m in present for m in claim.methods) else None
        return published(present)


def _series(cube: xr.Dataset, name: str, method: str) -> tuple[np.ndarray, np.ndarray]:
    return cube["amplitude"].to_numpy(), cube[name].sel(deconvolution=method).to_numpy()


def _log_step(cube: xr.Dataset) -> float:
    amplitudes = cube["amplitude"].to_numpy()
    return float(np.max(np.diff(np.log(amplitudes)))) if amplitudes.size > 1 else math.inf


def _near(value: float, paper: float, cube: xr.Dataset, tolerance: float = 0.03) -> bool:
    """Whether an amplitude [m] matches the paper's within max(3 %, one grid step)."""
    return abs(math.log(value / paper)) <= max(tolerance, _log_step(cube))


def _to_digits(value: float, paper: float) -> bool:
    """Agreement to the paper's digits; a paper value of 1 means "about 1" (within 5e-4)."""
    text = f"{paper:.6f}".rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(value - paper) <= (5e-4 if paper == 1.0 else 10.0**-decimals)


def _f_min(data: xr.Dataset) -> float:
    return abs(float(data["force_min_model"]))


# ---------------------------------------------------------------------------------------------
# evaluators: (study, claim) -> (pipeline text, note), or None if the study cannot answer

Result = tuple[str, str] | None


def _model_minimum(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    if cube is None:
        return None
    f_min, z_min = float(cube["force_min_model"]), float(cube["z_min_model"])
    force, z = claim.values
    ok = abs(f_min / force - 1.0) <= claim.tolerance and abs(z_min - z) <= max(
        1e-12, float(cube["grid_step"])
    )
    return f"{_force(f_min)} at {_length(z_min)}", _agree(ok, claim.agree, claim.differ)


def _cod_extrema(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    amplitudes, cod = _series(cube, "cod", methods[0])
    minima, maxima = local_extrema(cod)
    if minima.size == 0:
        return "no interior minimum", claim.differ
    best = maxima[extremum(cod[maxima])] if maxima.size else extremum(cod)
    *paper_minima, paper_best = claim.at
    text = (
        "A = "
        + " and ".join(f"{_length(amplitudes[i])} (R² = {_cod(cod[i])})" for i in minima)
        + f" / A = {_length(amplitudes[best])} (R² = {_cod(cod[best], 5)})"
    )
    ok = (
        minima.size >= len(paper_minima)
        and all(_near(amplitudes[i], a, cube) for i, a in zip(minima, paper_minima, strict=False))
        and _near(amplitudes[best], paper_best, cube)
    )
    if claim.values:
        ok &= round(float(np.nanmin(cod[minima])), 3) == claim.values[0]
    if claim.bound is not None:
        paper_methods = published([str(m) for m in cube["deconvolution"].to_numpy()])
        low = float(np.nanmin(cube["cod"].sel(deconvolution=paper_methods).to_numpy()))
        names = " and ".join(short_label(m) for m in paper_methods)
        text += f"; lowest R² ({names}) {_cod(low)}"
        ok &= low >= claim.bound
    note = _agree(ok, claim.agree, claim.differ)
    extra = minima[len(paper_minima) :]
    if extra.size:
        note += "; the minimum at " + " and ".join(_length(amplitudes[i]) for i in extra)
        note += " is shallow and not discussed in the paper"
    return text, note


def _lowest_cod(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    parts, lows = [], []
    for method in methods:
        amplitudes, cod = _series(cube, "cod", method)
        i = extremum(cod, "min")
        lows.append(float(cod[i]))
        parts.append(f"{short_label(method)} {_cod(cod[i])} (at {_length(amplitudes[i])})")
    low, bound = min(lows), float(claim.bound)
    if low >= bound:
        note = claim.agree
    elif round(low, 3) >= bound:
        note = f"agrees within rounding: the lowest value {_cod(low)} rounds to {bound:.3f}"
    else:
        note = claim.differ
    return "; ".join(parts), note


def _values_at(
    study: _Study, claim: Claim, name: str
) -> tuple[xr.Dataset, list[int], list[float]] | None:
    """The cube and ``name`` of the claim's method at each of its amplitudes."""
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    amplitudes, values = _series(cube, name, methods[0])
    found = [value_at(amplitudes, values, a) for a in claim.at]
    if any(f is None for f in found):
        return None
    return cube, [f[0] for f in found], [f[1] for f in found]


def _value_at(study: _Study, claim: Claim) -> Result:
    found = _values_at(study, claim, "cod")
    if found is None:
        return None
    cube, indices, values = found
    ok = all(_to_digits(v, p) for v, p in zip(values, claim.values, strict=True))
    note = _agree(ok, claim.agree, claim.differ)
    if len(claim.at) < 2 or max(claim.at) / min(claim.at) > 1.05:
        return " / ".join(_cod(v, 5) for v in values), note
    # neighbouring amplitudes (12.8 / 12.9 pm): a contrast the amplitude grid must resolve
    if len(set(indices)) < len(indices):
        return None
    amplitudes = cube["amplitude"].to_numpy()[indices]
    return " / ".join(
        f"{_cod(v)} (A = {_length(a)})" for v, a in zip(values, amplitudes, strict=True)
    ), note


def _sign_at(study: _Study, claim: Claim) -> Result:
    found = _values_at(study, claim, "delta_f_min")
    if found is None:
        return None
    value = found[2][0]
    return _force(value), _agree(np.sign(value) == np.sign(claim.values[0]), claim.agree)


def _cod_large_amplitude(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    amplitudes, cod = _series(cube, "cod", methods[0])
    large = amplitudes > claim.at[0]
    if not large.any():
        return None
    low = float(cod[extremum(cod, "min", large)])
    high = float(cod[extremum(cod, "max", large)])
    if claim.bound is None:  # converges to 1
        return (
            f"R² ≥ {_cod(low, 5)}; 1 {MINUS} R² = {1 - cod[-1]:.1e} at {_length(amplitudes[-1])}",
            _agree(low > 0.9995, claim.agree, claim.differ),
        )
    return (
        f"R² = {_cod(low, 5)}{DASH}{_cod(high, 5)} for A > {_length(claim.at[0])}",
        _agree(high < claim.bound, claim.agree, claim.differ),
    )


def _residual_at(study: _Study, claim: Claim) -> Result:
    data = study.curve(claim.law)
    methods = study.methods(claim, data) if data is not None else None
    if not methods or "amplitude_nominal" not in data.coords:
        return None
    residual = np.abs(data["residual"].sel(deconvolution=methods[0]).to_numpy())
    nominal = data["amplitude_nominal"].to_numpy()
    parts, ok = [], True
    for mark, paper in zip(claim.at, claim.values, strict=True):
        hits = np.flatnonzero(np.isclose(nominal, mark, rtol=1e-6, atol=0.0))
        if not hits.size:
            return None
        amplitude = float(data["amplitude"][hits[0]])
        if abs(amplitude / mark - 1.0) > AMPLITUDE_MATCH:
            return None
        value = float(np.nanmax(residual[hits[0]]))
        ok &= abs(value / paper - 1.0) <= claim.tolerance
        parts.append(f"{_force(value)} (A = {_length(amplitude)})")
    return " / ".join(parts), _agree(ok, claim.agree, claim.differ)


def _residual_largest(study: _Study, claim: Claim) -> Result:
    data = study.curve(claim.law)
    methods = study.methods(claim, data) if data is not None else None
    if not methods:
        return None
    parts, largest = [], {}
    for method in methods:
        per_amplitude = np.nanmax(
            np.abs(data["residual"].sel(deconvolution=method).to_numpy()), axis=-1
        )
        i = extremum(per_amplitude)
        largest[method] = float(per_amplitude[i])
        amplitude = float(data["amplitude"][i])
        parts.append(f"{short_label(method)} {_force(largest[method])} (A = {_length(amplitude)})")
    note = claim.agree
    top = max(largest, key=largest.__getitem__)
    smaller = [m for m in methods if largest[m] < 0.9 * largest[top]]
    if smaller:
        names = " and ".join(label(m) for m in smaller)
        note += f"; the largest residual of the {names} method among the marked curves is smaller"
    return "; ".join(parts), note


def _residual_far(study: _Study, claim: Claim) -> Result:
    data = study.curve(claim.law)
    methods = study.methods(claim, data) if data is not None else None
    if not methods:
        return None
    z_from = claim.at[0]
    far = data["residual"].sel(deconvolution=methods, z=slice(z_from, None)).to_numpy()
    largest = float(np.nanmax(np.abs(far)))
    text = f"max |ΔF| = {_force(largest)} for z > {_length(z_from)} (all marked curves)"
    if claim.bound is not None:
        return text, _agree(largest < claim.bound, claim.agree, claim.differ)
    f_min = abs(float(np.nanmin(data["force_model"].to_numpy())))
    agree = f"agrees ({_percent(largest / f_min)} of |F_min|)"
    return text, _agree(largest < claim.tolerance * f_min, agree, claim.differ)


def _force_minimum_largest(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    f_min = _f_min(cube)
    parts, ok, first = [], True, None
    for n, method in enumerate(methods):
        amplitudes, delta_f = _series(cube, "delta_f_min", method)
        i = extremum(delta_f, "abs")
        value = abs(float(delta_f[i]))
        first = first or {"value": _force(value), "percent": _percent(value / f_min)}
        parts.append(
            f"{short_label(method)} {_force(delta_f[i])} at A = {_length(amplitudes[i])} "
            f"({_percent(value / f_min)} of |F_min|)"
        )
        if n < len(claim.values):
            ok &= abs(value - claim.values[n]) <= claim.tolerance * claim.values[n]
        if n < len(claim.at) and claim.at[n]:
            ok &= _near(amplitudes[i], claim.at[n], cube)
    # the paper's relative error (bound) may hold where its absolute number does not
    like = claim.bound is not None and abs(value / f_min - claim.bound) <= 0.005
    differ = claim.differ.format(**first, f_min=_force(f_min)) if like else "differs"
    return "; ".join(parts), _agree(ok, claim.agree, differ)


def _force_minimum_bound(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    amplitudes, delta_f = _series(cube, "delta_f_min", methods[0])
    large = amplitudes > claim.at[0]
    if not large.any():
        return None
    bound = float(claim.bound)
    largest = abs(float(delta_f[extremum(delta_f, "abs", large)]))
    text = f"≤ {_force(largest)}"
    above = np.flatnonzero(np.abs(delta_f) >= bound)
    last = int(above[-1]) if above.size else -1
    if largest >= bound and last + 1 < amplitudes.size:
        text += f"; < {bound * 1e12:g} pN from A = {_length(amplitudes[last + 1])} on"
    return text, _agree(largest < bound, claim.agree, claim.differ)


def _sign_fraction(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    methods = study.methods(claim, cube) if cube is not None else None
    if not methods:
        return None
    fractions = {m: sign_fraction(_series(cube, "delta_f_min", m)[1]) for m in methods}
    text = ", ".join(f"{short_label(m)} {_percent(f)}" for m, f in fractions.items())
    ok = all(f > claim.bound for f in fractions.values())
    return f"ΔF_min > 0 for {text} of A", _agree(ok, claim.agree, claim.differ)


def _position_steps(study: _Study, claim: Claim) -> Result:
    cube = study.cube(claim.law)
    if cube is None:
        return None
    present = [str(m) for m in cube["deconvolution"].to_numpy()]
    stated = {m: n for m, n in claim.grid_steps if m in present}
    if not stated:
        return None
    step = float(cube["grid_step"])
    steps = {m: grid_steps(_series(cube, "delta_z_min", m)[1], step) for m in stated}
    text = ", ".join(
        f"{short_label(m)} {_steps(n)} = {_length(n * step)}" for m, n in steps.items()
    )
    ok = all(steps[m] == stated[m] for m in steps)
    return f"{text} (d = {_length(step)})", _agree(ok, "grid steps agree", "grid steps differ")


def _spikes(study: _Study, claim: Claim) -> Result:
    method, limit = claim.methods[0], claim.at[0]
    parts, ok, found, unresolved = [], True, False, False
    for law in ordered_laws(study.cubes):
        cube = study.cube(law)
        if method not in cube["deconvolution"].to_numpy():
            continue
        found = True
        name = _LAW_SHORT.get(law, law)
        _, cod = _series(cube, "cod", method)
        ratio = cube["a_over_d"].to_numpy()
        minima, _ = local_extrema(np.nan_to_num(cod, nan=1.0), prominence=1e-5)
        minima = minima[ratio[minima] < limit]
        if minima.size == 0:
            parts.append(f"{name}: no spikes resolved at A/d < {limit:g}")
            unresolved = True
            continue
        spacing = ratio[minima] * (np.exp(_log_step(cube)) - 1.0)  # A/d step of the grid
        distance = np.abs(np.mod(ratio[minima], 1.0) - 0.5)  # to the nearest n + 0.5
        within = int(np.count_nonzero(distance <= spacing + 1e-9))
        ok &= within == minima.size
        if float(np.median(spacing)) > 0.25:
            parts.append(
                f"{name}: not resolved (the amplitude grid steps A/d by "
                f"{_range(spacing, 2)} there)"
            )
            unresolved = True
            continue
        parts.append(
            f"{name}: {within} of {minima.size} spike minima at A/d < {limit:g} lie within one "
            f"amplitude step of n + 0.5 (A/d mod 1 = {_range(np.mod(ratio[minima], 1.0), 2)})"
        )
    if not found:
        return None
    if unresolved:
        return "; ".join(parts), "not resolved on this amplitude grid"
    return "; ".join(parts), _agree(ok, claim.agree, claim.differ)


@dataclass(frozen=True)
class _KappaScan:
    """Extrema of the SJ CoD against κA, one entry per κ that has them."""

    kappas: np.ndarray
    worst: list[float]
    best: list[float]
    second: list[float]
    tail: list[tuple[float, bool, float]]  # (κ, rises monotonically, R² at the largest A)


def _kappa_scan(study: _Study, claim: Claim) -> _KappaScan | None:
    cube = study.cube(claim.law, keep=("kappa",))
    if cube is None or study.methods(claim, cube) is None:
        return None
    if "kappa" not in cube.dims or cube.sizes["kappa"] < 2:
        return None
    amplitudes = cube["amplitude"].to_numpy()
    scan = _KappaScan(cube["kappa"].to_numpy(), [], [], [], [])
    for kappa in scan.kappas:
        cod = cube["cod"].sel(deconvolution=claim.methods[0], kappa=kappa).to_numpy()
        scaled = kappa * amplitudes
        minima, maxima = local_extrema(cod)
        if minima.size == 0:
            continue
        i = int(minima[extremum(cod[minima], "min")])
        scan.worst.append(float(scaled[i]))
        later = maxima[maxima > i]
        if later.size:
            scan.best.append(float(scaled[later[0]]))
            after = minima[minima > later[0]]
            if after.size:
                scan.second.append(float(scaled[after[0]]))
        tail = scaled > (claim.at[0] if claim.at else 7.0)
        if np.count_nonzero(tail) >= 2:
            rises = bool(np.all(np.diff(cod[tail]) > -1e-7))
            scan.tail.append((float(kappa), rises, float(cod[tail][-1])))
    return scan


def _kappa_extrema(study: _Study, claim: Claim) -> Result:
    scan = _kappa_scan(study, claim)
    if scan is None:
        return None
    if not scan.worst or not scan.best:
        return "no SJ extrema found", claim.differ
    worst, best = claim.values
    ok = all(abs(x / worst - 1) <= claim.tolerance for x in scan.worst) and all(
        abs(x / best - 1) <= claim.tolerance for x in scan.best
    )
    return (
        f"κA = {_range(scan.worst)} / {_range(scan.best)} ({scan.kappas.size} κ from "
        f"{_kappa(scan.kappas.min())} to {_kappa(scan.kappas.max())})",
        _agree(ok, claim.agree, claim.differ),
    )


def _kappa_rise(study: _Study, claim: Claim) -> Result:
    scan = _kappa_scan(study, claim)
    if scan is None:
        return None
    if not scan.tail:
        return f"n/a (no κ of this study reaches κA > {claim.at[0]:g})", ""
    text = "; ".join(
        f"κ = {_kappa(k)}: {'rises' if up else 'does not rise'} (R² = {_cod(last, 5)} "
        "at the largest A)"
        for k, up, last in scan.tail
    )
    note = _agree(all(up for _, up, _ in scan.tail), claim.agree, claim.differ)
    if scan.second:
        note += (
            "; the rise already starts after a second, shallow minimum at "
            f"κA ≈ {_range(scan.second, 2)}"
        )
    return text, note


def _t_sj(study: _Study, claim: Claim) -> Result:
    x = np.geomspace(1e-3, 1e3, 60001)
    error = np.sqrt(sqre(x))
    i = extremum(error)
    ok = abs(error[i] / claim.values[0] - 1.0) <= claim.tolerance
    return (
        f"{_percent(error[i])} at x = {_sig(x[i], 2)} (√SqRE over 10⁻³ ≤ x ≤ 10³)",
        _agree(ok, claim.agree, claim.differ),
    )


def _force_minimum_relative(study: _Study, claim: Claim) -> Result:
    parts, values = [], []
    for law in ordered_laws(study.cubes):
        cube = study.cube(law)
        for method in study.methods(claim, cube) or []:
            delta_f = _series(cube, "delta_f_min", method)[1]
            value = abs(float(delta_f[extremum(delta_f, "abs")])) / _f_min(cube)
            values.append(value)
            parts.append(f"{_LAW_SHORT.get(law, law)} {short_label(method)} {_percent(value)}")
    if not parts:
        return None
    paper = claim.values[0]
    ok = abs(max(values) - paper) <= claim.tolerance * paper
    return ", ".join(parts), _agree(ok, claim.agree, claim.differ)


#: The evaluators that :attr:`Claim.checks` names.
EVALUATORS: dict[str, Callable[[_Study, Claim], Result]] = {
    "model_minimum": _model_minimum,
    "cod_extrema": _cod_extrema,
    "lowest_cod": _lowest_cod,
    "value_at": _value_at,
    "sign_at": _sign_at,
    "cod_large_amplitude": _cod_large_amplitude,
    "residual_at": _residual_at,
    "residual_largest": _residual_largest,
    "residual_far": _residual_far,
    "force_minimum_largest": _force_minimum_largest,
    "force_minimum_bound": _force_minimum_bound,
    "sign_fraction": _sign_fraction,
    "position_steps": _position_steps,
    "spikes": _spikes,
    "kappa_extrema": _kappa_extrema,
    "kappa_rise": _kappa_rise,
    "t_sj": _t_sj,
    "force_minimum_relative": _force_minimum_relative,
}


def _evaluate(study: _Study, claim: Claim) -> Row:
    results = [EVALUATORS[check](study, claim) for check in claim.checks]
    if any(r is None for r in results):
        return Row(claim.quantity, claim.paper, NOT_IN_STUDY, "")
    text = "; ".join(r[0] for r in results)
    note = "; ".join(r[1] for r in results if r[1])
    return Row(claim.quantity, claim.paper, text, note)


def comparison_rows(
    cubes: Mapping[str, xr.Dataset],
    curves: Mapping[str, xr.Dataset],
    views: Mapping[str, Any],
    claims: Sequence[Claim] = CLAIMS,
) -> list[Row]:
    """One row per claim of the paper, computed from the cubes and curves.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves at the marked amplitudes, by force-law name (SI units).
    views : mapping
        The ``figures`` section of the configuration: per law ``at`` selects the point.
    claims : sequence of Claim, optional
        The claims to evaluate (default: all of :data:`~fmdecon.welker2012.facts.CLAIMS`).

    Returns
    -------
    list of Row
    """
    study = _Study(cubes, curves, views)
    return [_evaluate(study, claim) for claim in claims]


# ---------------------------------------------------------------------------------------------
# beyond the paper


@dataclass(frozen=True)
class WorstCase:
    """The worst amplitudes of one method and law (the "Beyond the paper" table).

    Attributes
    ----------
    law, method : str
        Force law and method names.
    cod : float
        Lowest R² over all amplitudes.
    cod_amplitude : float
        Where it occurs [m].
    delta_f_min : float
        ΔF_min [N] of largest magnitude over all amplitudes.
    delta_f_amplitude : float
        Where it occurs [m].
    """

    law: str
    method: str
    cod: float
    cod_amplitude: float
    delta_f_min: float
    delta_f_amplitude: float


def worst_cases(cubes: Mapping[str, xr.Dataset], views: Mapping[str, Any]) -> list[WorstCase]:
    """Lowest R² and largest |ΔF_min| of every method of every cube, and where they occur.

    Parameters
    ----------
    cubes : mapping of str to xarray.Dataset
        Metric cubes by law.
    views : mapping
        The ``figures`` section of the configuration (``at`` selects the parameter point).

    Returns
    -------
    list of WorstCase
        By law (cube order), then method (cube order). Methods that never give a finite
        value are left out.
    """
    study = _Study(cubes, {}, views)
    cases = []
    for law in ordered_laws(cubes):
        cube = study.cube(law)
        for method in (str(m) for m in cube["deconvolution"].to_numpy()):
            amplitudes, cod = _series(cube, "cod", method)
            delta_f = _series(cube, "delta_f_min", method)[1]
            if not (np.isfinite(cod).any() and np.isfinite(delta_f).any()):
                continue
            i, j = extremum(cod, "min"), extremum(delta_f, "abs")
            cases.append(
                WorstCase(
                    law,
                    method,
                    float(cod[i]),
                    float(amplitudes[i]),
                    float(delta_f[j]),
                    float(amplitudes[j]),
                )
            )
    return cases


def _beyond(cubes: Mapping[str, xr.Dataset], views: Mapping[str, Any]) -> list[str]:
    lines = [
        "",
        "**Beyond the paper**: every method of the cubes, at the parameter point above; the "
        "lowest R² and the largest |ΔF_min| over all amplitudes, and where they occur.",
        "",
        "| law | method | lowest R² | at A | largest \\|ΔF_min\\| | at A |",
        "|---|---|---|---|---|---|",
    ]
    for case in worst_cases(cubes, views):
        cells = (
            law_label(case.law),
            label(case.method),
            _cod_close_to_one(case.cod),
            _length(case.cod_amplitude),
            _force(case.delta_f_min),
            _length(case.delta_f_amplitude),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# ---------------------------------------------------------------------------------------------
# the table


def _header(cubes: Mapping[str, xr.Dataset], config: Mapping[str, Any]) -> list[str]:
    source = next(iter(cubes.values()), None)
    attrs = source.attrs if source is not None else {}
    commit = str(attrs.get("git_commit", "unknown"))
    dirty = " (dirty)" if attrs.get("git_dirty") == "true" else ""
    version = attrs.get("fmdecon_version")
    if version is None:
        from fmdecon._version import __version__ as version
    lines = [
        f"Study `{config.get('study', '?')}`: numbers computed from the metric cubes written by "
        f"fmdecon {version}, commit {commit[:10]}{dirty}.",
    ]
    at = config.get("figures", {}).get("morse", {}).get("at", {}) or {}
    if "kappa" in at:
        lines.append(f"Single-point rows use the Morse law at κ = {_kappa(at['kappa'])}.")
    differences = []
    for law, cube in cubes.items():
        for name, value in SETUP.items():
            if name not in cube.coords or (name == "kappa" and law != "morse"):
                continue
            values = np.atleast_1d(cube[name].to_numpy()).astype(float)
            if not np.any(np.isclose(values, value, rtol=1e-6, atol=0.0)):
                shown = ", ".join(_sig(v, 4) for v in values)
                differences.append(f"{name} = {shown} (paper {_sig(value, 4)})")
        amplitudes = cube["amplitude"].to_numpy()
        if amplitudes.size != AMPLITUDES["count"]:
            differences.append(f"{amplitudes.size} amplitudes (paper {AMPLITUDES['count']})")
    if differences:
        unique = list(dict.fromkeys(differences))
        lines.append(
            "This study differs from the paper's set-up ("
            + "; ".join(unique)
            + "): values that depend on the grids are not expected to match."
        )
    return lines


def paper_comparison(
    cubes: Mapping[str, xr.Dataset], curves: Mapping[str, xr.Dataset], config: Mapping[str, Any]
) -> str:
    """The comparison with the paper's numbers as Markdown: the claims, then beyond the paper.

    Parameters
    ----------
    cubes : mapping of str to xarray.Dataset
        Metric cubes by force-law name (:func:`fmdecon.study.merge`), SI units.
    curves : mapping of str to xarray.Dataset
        Curves at the marked amplitudes by law (:func:`fmdecon.study.selected_curves`).
    config : mapping
        The study configuration (its name, and its ``figures`` section).

    Returns
    -------
    str
        A header naming the study and the fmdecon version and commit; a table with the
        columns quantity | paper | this pipeline | agreement/note, one row per claim of
        :data:`~fmdecon.welker2012.facts.CLAIMS`; and the "Beyond the paper" table of
        :func:`worst_cases`. Forces are shown in pN or nN, lengths and amplitudes in pm.
    """
    views = config.get("figures", {}) or {}
    lines = [*_header(cubes, config), ""]
    lines.append("| quantity | paper | this pipeline | agreement/note |")
    lines.append("|---|---|---|---|")
    for row in comparison_rows(cubes, curves, views):
        cells = [c.replace("|", "\\|") for c in (row.quantity, row.paper, row.pipeline, row.note)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += _beyond(cubes, views)
    return "\n".join(lines) + "\n"
