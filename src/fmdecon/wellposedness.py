"""Well-posedness of the force deconvolution: the inflection-point test.

docs/physics.md section 10; Sader, Hughes, Huber & Giessibl, Nat. Nanotechnol. 13, 1088
(2018) (and its 2019 correction); applied to measurements by Huber & Giessibl,
J. Appl. Phys. 127, 184301 (2020).

Where the force has an inflection point z_i (F''(z_i) = 0), some amplitudes make the
inversion ill-posed. With distances measured from an origin (by default the closest point of
the curve, the convention of Sader's own implementation)::

    S = (z_i^2 / 4) F'''(z_i) / F'(z_i)

The curve is ill-posed at z_i when S < -1 and the force jump
``dF = sqrt(-F'/F''') |F'(z_i)|`` exceeds 0.1 max|F|; the forbidden amplitudes are
``sqrt(-F'/F''') <= A <= z_i / 2`` (non-empty exactly when S < -1). The overall forbidden
range is the union over the ill-posed inflection points.

:func:`inflection_point_test` works on a sampled (possibly noisy) force;
:func:`inflection_point_batch` does the same test for a batch of curves on one grid at once
(vectorised over the curves, about a hundred times faster per curve; a
:class:`WellPosednessBatch` of arrays); :func:`inflection_point_exact` gives the exact values
for a force given as a function.
:meth:`WellPosedness.decide` gives the :class:`Verdict` at one amplitude: well-posed,
ill-posed at this amplitude, or undecided, with the reason (the amplitude forbidden for
some S of the 95 % interval only; a candidate inflection point not resolved above the
noise that could forbid it; a force that has not decayed within the curve, so that an
inflection point beyond it cannot be excluded).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curve, finite_array, grid, is_uniform

__all__ = [
    "DECISION_CODES",
    "DECISION_REASONS",
    "VERDICT_CODES",
    "InflectionPoint",
    "Verdict",
    "WellPosedness",
    "WellPosednessBatch",
    "inflection_point_batch",
    "inflection_point_exact",
    "inflection_point_test",
]

_Z95 = 1.959963984540054  # two-sided 95 % quantile of the normal distribution
_ILL_POSED_JUMP = 0.1  # dF must exceed this fraction of max|F|


@dataclass(frozen=True)
class InflectionPoint:
    """One inflection point of the force and what it implies (docs/physics.md section 10).

    Attributes
    ----------
    z : float
        Position z_i [m] (absolute, same axis as the input).
    S : float
        ``((z_i - origin)^2 / 4) F'''(z_i) / F'(z_i)``.
    S_interval : tuple of float
        95 % interval of S (equal ends for exact values).
    dforce, d3force : float
        F'(z_i) [N/m] and F'''(z_i) [N/m^3].
    amplitude_low : float
        ``sqrt(-F'/F''')`` [m] (NaN when F'/F''' > 0).
    amplitude_high : float
        ``(z_i - origin) / 2`` [m].
    force_jump : float
        ``dF = sqrt(-F'/F''') |F'(z_i)|`` [N] (NaN when F'/F''' > 0).
    ill_posed : bool
        ``S < -1`` and ``dF > 0.1 max|F|``.
    marginal : bool
        The 95 % interval of S contains -1 (the verdict at this point is not certain).
    window : float
        Half-width [m] of the fit window kept (0 for exact values).
    """

    z: float
    S: float
    S_interval: tuple[float, float]
    dforce: float
    d3force: float
    amplitude_low: float
    amplitude_high: float
    force_jump: float
    ill_posed: bool
    marginal: bool
    window: float

    @property
    def forbidden(self) -> tuple[float, float] | None:
        """Forbidden amplitudes ``(sqrt(-F'/F'''), z_i/2)`` [m], or None if empty."""
        if self.amplitude_low <= self.amplitude_high:  # False for NaN
            return (self.amplitude_low, self.amplitude_high)
        return None


#: :attr:`Verdict.status` -> how tables and files write it.
VERDICT_LABELS = {
    "well-posed": "well-posed",
    "ill-posed": "ill-posed at this amplitude",
    "undecided": "undecided",
}


@dataclass(frozen=True)
class Verdict:
    """The inflection-point test's answer at one amplitude (:meth:`WellPosedness.decide`).

    Attributes
    ----------
    status : str
        ``"well-posed"``, ``"ill-posed"`` (the amplitude lies in a forbidden range) or
        ``"undecided"`` (the curve cannot tell; ``reason`` says why).
    amplitude : float
        The amplitude [m] the verdict is for.
    reason : str
        One sentence: the forbidden range and the amplitude, or what the curve lacks.
    brief : str
        A few words of ``reason`` for tables (``"A outside 18.0-57.0 pm"``, ``"force not
        decayed"``).
    """

    status: str
    amplitude: float
    reason: str
    brief: str

    @property
    def label(self) -> str:
        """``"well-posed"``, ``"ill-posed at this amplitude"`` or ``"undecided"``."""
        return VERDICT_LABELS[self.status]

    @property
    def short(self) -> str:
        """Label and brief reason, e.g. ``"undecided (force not decayed)"``."""
        return f"{self.label} ({self.brief})"

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"

    @classmethod
    def not_run(cls, amplitude: float, problem: str) -> Verdict:
        """The verdict when the test could not run (``problem`` says why)."""
        return cls(
            "undecided",
            float(amplitude),
            f"the inflection-point test could not run: {problem}",
            "test not run",
        )


def _pm(value: float) -> str:
    return f"{value * 1e12:.4g} pm"


def _ranges(ranges: Sequence[tuple[float, float]]) -> str:
    return ", ".join(f"{lo * 1e12:.1f}-{hi * 1e12:.1f} pm" for lo, hi in ranges)


def _interval(point: InflectionPoint) -> str:
    lo, hi = point.S_interval
    text = f"S = {point.S:.3f}"
    return text + (f" [{lo:.3f}, {hi:.3f}]" if hi > lo else "")


def _forbids(
    s_low: ArrayLike,
    s_high: ArrayLike,
    amplitude_high: ArrayLike,
    dforce: ArrayLike,
    max_force: ArrayLike,
    amplitude: float,
) -> NDArray[np.int8]:
    """Whether inflection points forbid ``amplitude``, elementwise (the arrays broadcast): 2
    for every S of their 95 % interval ``[s_low, s_high]``, 1 for some of them, 0 for none
    (also for NaN: an empty slot).

    With ``sqrt(-F'/F''') = (z_i/2) / sqrt(-S)`` (z_i from the origin, ``amplitude_high =
    z_i / 2``), a point forbids A when ``-S > 1``, ``-S >= (z_i / 2A)^2`` (A at or above
    ``sqrt(-F'/F''')``; and ``A <= z_i/2``) and the force jump ``sqrt(-F'/F''') |F'|`` exceeds
    0.1 max|F|, i.e. ``-S < (z_i |F'| / (2 * 0.1 max|F|))^2``: a range of -S, compared with
    the interval.
    """
    high = np.asarray(amplitude_high, dtype=np.float64)
    a = float(amplitude)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        threshold = _ILL_POSED_JUMP * np.asarray(max_force, dtype=np.float64)
        positive = threshold > 0
        scale = np.where(positive, threshold, 1.0)
        need_low = np.maximum(1.0, (high / a) ** 2)
        need_high = np.where(positive, (high * np.abs(dforce) / scale) ** 2, np.inf)
        have_low, have_high = -np.asarray(s_high), -np.asarray(s_low)
        no = (
            ~((a > 0.0) & (a <= high))
            | (need_low >= need_high)
            | (have_high < need_low)
            | (have_low >= need_high)
        )
        forbidden = ~no & (have_low > 1.0) & (have_low >= need_low) & (have_high < need_high)
    return np.where(no, 0, np.where(forbidden, 2, 1)).astype(np.int8)


def _at(point: InflectionPoint, amplitude: float, max_force: float) -> str:
    """Whether ``point`` forbids ``amplitude``: ``"forbidden"`` for every S of its 95 %
    interval, ``"possible"`` for some of them, ``"no"`` for none (:func:`_forbids`)."""
    code = _forbids(
        point.S_interval[0],
        point.S_interval[1],
        point.amplitude_high,
        point.dforce,
        max_force,
        amplitude,
    )
    return ("no", "possible", "forbidden")[int(code)]


@dataclass(frozen=True)
class WellPosedness:
    """Result of the inflection-point test (docs/physics.md section 10).

    Attributes
    ----------
    points : tuple of InflectionPoint
        Every inflection point found, closest first.
    origin : float
        Origin [m] from which z_i is measured in S and in the upper amplitude bound.
    origin_source : str
        How the origin was chosen (e.g. ``"closest point of the curve, z[0]"``).
    max_force : float
        max|F| over the curve [N], the scale of the force-jump criterion.
    forbidden_amplitudes : tuple of (float, float)
        Union of the forbidden amplitude ranges [m] of the ill-posed points, merged and
        sorted.
    rejected : int
        Candidate inflection points dropped because the 95 % interval of S contains 0 (the
        cubic term is not resolved, typically noise in the weak tail of the force).
    unresolved : tuple of InflectionPoint
        Those candidates, with the S interval of their fit. They are not in ``points`` and
        make no forbidden range, but :meth:`decide` is undecided where one could.
    analysed : tuple of float
        The z range [m] searched for inflection points (NaN for the exact test).
    far_end_force : float
        |F| at the far end of the curve (lightly smoothed) over max|F| (NaN: not known).
    decayed : bool
        False if ``far_end_force`` is at least the test's ``far_fraction``: the force has
        not decayed within the curve, and an inflection point beyond it cannot be excluded.
    """

    points: tuple[InflectionPoint, ...]
    origin: float
    origin_source: str
    max_force: float
    forbidden_amplitudes: tuple[tuple[float, float], ...]
    rejected: int = 0
    unresolved: tuple[InflectionPoint, ...] = ()
    analysed: tuple[float, float] = (float("nan"), float("nan"))
    far_end_force: float = float("nan")
    decayed: bool = True

    @property
    def ill_posed(self) -> bool:
        """True if any inflection point makes the inversion ill-posed."""
        return any(p.ill_posed for p in self.points)

    @property
    def verdict(self) -> str:
        """``"ill-posed"`` or ``"well-posed"`` (the latter also without inflection point)."""
        return "ill-posed" if self.ill_posed else "well-posed"

    def is_forbidden(self, amplitude: float) -> bool:
        """Whether ``amplitude`` [m] lies in a forbidden range."""
        return any(lo <= amplitude <= hi for lo, hi in self.forbidden_amplitudes)

    def details(self) -> str:
        """S and the force jump at each inflection point, and the origin: the summary
        without its verdict."""
        where = f"origin {self.origin * 1e9:.4g} nm, {self.origin_source}"
        if not self.points:
            return f"no inflection point found ({where})"
        parts = []
        for p in self.points:
            text = f"z_i = {p.z * 1e9:.4f} nm: {_interval(p)}, dF = {p.force_jump * 1e12:.0f} pN"
            if p.marginal:
                text += " (marginal)"
            parts.append(text)
        return f"{'; '.join(parts)} ({where})"

    def summary(self) -> str:
        """One line: the verdict over all amplitudes on the estimates of S (``verdict``),
        the forbidden amplitudes and :meth:`details`. The verdict at one amplitude, with
        the uncertainty of S and what the curve lacks, is :meth:`decide`."""
        if not self.points:
            return f"well-posed: {self.details()}"
        ranges = _ranges(self.forbidden_amplitudes)
        head = f"ill-posed for A in {ranges}" if self.ill_posed else "well-posed"
        return f"{head}; {self.details()}"

    def decide(self, amplitude: float) -> Verdict:
        """The verdict at ``amplitude`` [m], with its reason.

        ``"ill-posed"`` if the amplitude lies in the forbidden range of an ill-posed
        inflection point for every S of its 95 % interval. ``"undecided"`` if it does for
        some S only (-1 in the interval, or the amplitude near an end of the range), if it
        could lie in the range of a candidate not resolved above the noise
        (``unresolved``), or if the force has not decayed within the curve (an inflection
        point beyond it cannot be excluded). ``"well-posed"`` otherwise: no inflection
        point, or the amplitude outside every forbidden range.

        Parameters
        ----------
        amplitude : float
            Oscillation amplitude [m].

        Returns
        -------
        Verdict
        """
        a = float(amplitude)
        text_a = f"A = {_pm(a)}"
        for p in self.points:
            if _at(p, a, self.max_force) == "forbidden":
                ranges = _ranges([p.forbidden])  # type: ignore[list-item]
                return Verdict(
                    "ill-posed",
                    a,
                    f"{text_a} lies in the forbidden range {ranges} of the inflection point "
                    f"z_i = {p.z * 1e9:.4f} nm ({_interval(p)})",
                    f"A in {ranges}",
                )
        for p in self.points:
            if _at(p, a, self.max_force) == "possible":
                return Verdict(
                    "undecided",
                    a,
                    f"{text_a} may lie in the forbidden range of the inflection point "
                    f"z_i = {p.z * 1e9:.4f} nm: it does for some S of the 95 % interval "
                    f"({_interval(p)}) and not for others",
                    "A possibly forbidden",
                )
        for p in self.unresolved:
            if _at(p, a, self.max_force) != "no":
                return Verdict(
                    "undecided",
                    a,
                    f"a candidate inflection point at z_i = {p.z * 1e9:.4f} nm is not resolved "
                    f"above the noise ({_interval(p)}) and could forbid {text_a}",
                    "unresolved inflection point",
                )
        if not self.decayed:
            return Verdict(
                "undecided",
                a,
                f"the force has not decayed within the curve (|F| at its far end is "
                f"{self.far_end_force:.0%} of max|F|): an inflection point beyond "
                f"z = {self.analysed[1] * 1e9:.4g} nm, where the search ends, cannot be "
                "excluded",
                "force not decayed",
            )
        if self.forbidden_amplitudes:
            ranges = _ranges(self.forbidden_amplitudes)
            return Verdict(
                "well-posed",
                a,
                f"{text_a} lies outside the forbidden amplitudes {ranges}",
                f"A outside {ranges}",
            )
        if self.points:
            points = "; ".join(f"z_i = {p.z * 1e9:.4f} nm: {_interval(p)}" for p in self.points)
            return Verdict(
                "well-posed",
                a,
                f"no inflection point forbids {text_a} ({points})",
                "no forbidden amplitude",
            )
        searched = self.analysed
        where = (
            f" in z = {searched[0] * 1e9:.4g} to {searched[1] * 1e9:.4g} nm"
            if np.isfinite(searched[1])
            else ""
        )
        return Verdict(
            "well-posed",
            a,
            f"no inflection point{where}, and the force has decayed within the curve",
            "no inflection point",
        )


def _origin(z: NDArray[np.float64], origin: float | None) -> tuple[float, str]:
    if origin is None:
        return float(z[0]), "closest point of the curve, z[0]"
    value = float(finite_array(np.atleast_1d(origin), "origin")[0])
    if value > z[0]:
        raise ValueError(
            f"origin must not lie beyond the closest point of the curve z[0] = {float(z[0])!r}; "
            f"got origin = {value!r}"
        )
    return value, "given"


def _point(
    z_i: float,
    dforce: float,
    d3force: float,
    origin: float,
    max_force: float,
    rel_error: float,
    window: float,
) -> InflectionPoint:
    """Assemble an :class:`InflectionPoint` from the fitted or exact derivatives."""
    distance = z_i - origin
    s = distance**2 / 4.0 * d3force / dforce
    half = _Z95 * abs(s) * rel_error
    ratio = -dforce / d3force
    low = float(np.sqrt(ratio)) if ratio > 0 else float("nan")
    jump = low * abs(dforce)
    ill = bool(s < -1.0 and jump > _ILL_POSED_JUMP * max_force)
    marginal = bool(s - half <= -1.0 <= s + half) and half > 0
    return InflectionPoint(
        z=float(z_i),
        S=float(s),
        S_interval=(float(s - half), float(s + half)),
        dforce=float(dforce),
        d3force=float(d3force),
        amplitude_low=low,
        amplitude_high=float(distance / 2.0),
        force_jump=float(jump),
        ill_posed=ill,
        marginal=marginal,
        window=float(window),
    )


def _result(
    points: Sequence[InflectionPoint],
    origin: float,
    source: str,
    max_force: float,
    rejected: int = 0,
    **record: object,
) -> WellPosedness:
    ranges = sorted(p.forbidden for p in points if p.ill_posed and p.forbidden is not None)
    merged: list[tuple[float, float]] = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return WellPosedness(
        points=tuple(sorted(points, key=lambda p: p.z)),
        origin=origin,
        origin_source=source,
        max_force=float(max_force),
        forbidden_amplitudes=tuple(merged),
        rejected=rejected,
        **record,  # type: ignore[arg-type]
    )


def _fd_derivatives(
    force: Callable[[ArrayLike], ArrayLike], h: float
) -> tuple[Callable, Callable, Callable]:
    """Fourth-order central differences for F', F'' and F''' with step h."""

    def f(x: ArrayLike, m: int) -> NDArray[np.float64]:
        return np.asarray(force(np.asarray(x, dtype=np.float64) + m * h), dtype=np.float64)

    def d1(x: ArrayLike) -> NDArray[np.float64]:
        return (-f(x, 2) + 8 * f(x, 1) - 8 * f(x, -1) + f(x, -2)) / (12 * h)

    def d2(x: ArrayLike) -> NDArray[np.float64]:
        return (-f(x, 2) + 16 * f(x, 1) - 30 * f(x, 0) + 16 * f(x, -1) - f(x, -2)) / (12 * h**2)

    def d3(x: ArrayLike) -> NDArray[np.float64]:
        num = -f(x, 3) + 8 * f(x, 2) - 13 * f(x, 1) + 13 * f(x, -1) - 8 * f(x, -2) + f(x, -3)
        return num / (8 * h**3)

    return d1, d2, d3


def inflection_point_exact(
    force: Callable[[ArrayLike], ArrayLike],
    z: ArrayLike,
    *,
    derivatives: tuple[Callable, Callable, Callable] | None = None,
    origin: float | None = None,
    step: float | None = None,
) -> WellPosedness:
    """Exact inflection-point test for a force given as a function.

    docs/physics.md section 10. Inflection points are the sign changes of F'' on the grid
    ``z``, refined by root finding (:func:`scipy.optimize.brentq`); S, the force jump and the
    forbidden amplitudes follow from the exact F' and F''' there. max|F| is taken over the
    grid. Intervals of S have zero width.

    Parameters
    ----------
    force : callable
        ``F(z)`` [N], vectorised over numpy arrays of z [m].
    z : array_like
        Grid [m], strictly increasing, on which inflection points are looked for.
    derivatives : tuple of three callables, optional
        ``(F', F'', F''')``. By default fourth-order central differences of ``force``.
    origin : float, optional
        Origin of the distances [m]; default ``z[0]``.
    step : float, optional
        Finite-difference step [m]; default the mean grid spacing.

    Returns
    -------
    WellPosedness
    """
    from scipy import optimize  # imported here: 0.4 s, only for this test

    z = grid(z, "z")
    origin_value, source = _origin(z, origin)
    if derivatives is None:
        h = float(step) if step is not None else float((z[-1] - z[0]) / (z.size - 1))
        derivatives = _fd_derivatives(force, h)
    d1, d2, d3 = derivatives
    f = np.asarray(force(z), dtype=np.float64)
    max_force = float(np.max(np.abs(f)))
    second = np.asarray(d2(z), dtype=np.float64)
    changes = np.flatnonzero(np.sign(second[:-1]) * np.sign(second[1:]) < 0)
    points = []
    for i in changes:  # a handful of inflection points
        z_i = optimize.brentq(lambda x: float(d2(x)), z[i], z[i + 1], xtol=1e-18, rtol=1e-14)
        points.append(
            _point(z_i, float(d1(z_i)), float(d3(z_i)), origin_value, max_force, 0.0, 0.0)
        )
    return _result(points, origin_value, source, max_force)


def _fit_window(
    z: NDArray[np.float64], f: NDArray[np.float64], z_guess: float
) -> NDArray[np.float64] | None:
    """Fit ``a + b (z - z_i) + (c/6)(z - z_i)^3`` with z_i free (no quadratic term).

    Returns ``[residual variance, z_i, b, c, dz_i, db/b, dc/c]`` (standard errors from the
    Jacobian and the residual variance), or None if the fit is degenerate or z_i leaves the window.
    """
    from scipy import optimize  # imported here: 0.4 s, only for this test

    width = float(np.max(np.abs(z - z_guess)))
    scale = float(np.max(np.abs(f))) or 1.0
    u = (z - z_guess) / width  # scaled variables keep the problem well conditioned
    y = f / scale
    design = np.column_stack([np.ones_like(u), u, u**3 / 6.0])
    start = np.linalg.lstsq(design, y, rcond=None)[0]

    def residual(p: NDArray[np.float64]) -> NDArray[np.float64]:
        v = u - p[3]
        return p[0] + p[1] * v + p[2] * v**3 / 6.0 - y

    def jacobian(p: NDArray[np.float64]) -> NDArray[np.float64]:
        v = u - p[3]
        return np.column_stack([np.ones_like(v), v, v**3 / 6.0, -p[1] - 0.5 * p[2] * v**2])

    fit = optimize.least_squares(
        residual, np.append(start, 0.0), jac=jacobian, method="lm", xtol=1e-15, ftol=1e-15
    )
    p = fit.x
    if p[1] == 0 or p[2] == 0 or abs(p[3]) > 1.0:
        return None
    try:
        cov = np.linalg.inv(fit.jac.T @ fit.jac) * (2.0 * fit.cost / (u.size - 4))
    except np.linalg.LinAlgError:
        return None
    err = np.sqrt(np.abs(np.diag(cov)))
    return np.array(
        [
            2.0 * fit.cost * scale**2 / (u.size - 4),
            z_guess + width * p[3],
            p[1] * scale / width,
            p[2] * scale / width**3,
            width * err[3],
            abs(err[1] / p[1]),
            abs(err[2] / p[2]),
        ]
    )


def _centred_fit(
    z: NDArray[np.float64], f: NDArray[np.float64], z_guess: float, m: int
) -> tuple[NDArray[np.float64], float] | None:
    """Fit on ``2m+1`` points, centred on z_i as well as the grid allows.

    A window whose centre is offset by e from z_i biases F''' by about ``F'''' e`` (the
    quartic term leaks into the cubic one; up to 2 % for Lennard-Jones at half a grid step).
    The two windows centred on the grid points either side of z_i are both fitted and
    their results interpolated linearly in the offset to zero offset (the relative errors
    are the larger of the two); repeated while z_i moves to another grid interval.
    Returns the result of :func:`_fit_window` and the window half-width [m].
    """
    n = z.size
    z_i = z_guess
    previous = -1
    result = None
    for _ in range(4):
        i0 = int(np.clip(np.searchsorted(z, z_i) - 1, m, n - 2 - m))
        if i0 == previous:
            break
        previous = i0
        fits = [_fit_window(z[i - m : i + m + 1], f[i - m : i + m + 1], z_i) for i in (i0, i0 + 1)]
        if fits[0] is None or fits[1] is None:
            return None
        offset = (z[i0] - fits[0][1], z[i0 + 1] - fits[1][1])
        t = 0.5 if offset[0] == offset[1] else float(offset[0] / (offset[0] - offset[1]))
        t = min(max(t, 0.0), 1.0)
        result = fits[0] + t * (fits[1] - fits[0])
        result[4:] = np.maximum(fits[0][4:], fits[1][4:])
        z_i = float(result[1])
    if result is None:
        return None
    return result, float(0.5 * (z[previous + m] - z[previous - m]))


#: Largest ``N x window`` of a Savitzky-Golay filter done by direct correlation; above it
#: :func:`savgol` convolves by FFT (the window is a tenth of the curve: O(N^2) directly).
SAVGOL_DIRECT_ELEMENTS = 5e7


def savgol(
    values: NDArray[np.float64], window: int, order: int, deriv: int = 0, delta: float = 1.0
) -> NDArray[np.float64]:
    """:func:`scipy.signal.savgol_filter` (``mode="interp"``) of a 1-D array, by FFT for long
    windows.

    Up to ``SAVGOL_DIRECT_ELEMENTS`` (N x window) it is ``savgol_filter`` itself. Beyond, the
    interior is the convolution with :func:`scipy.signal.savgol_coeffs` by
    :func:`scipy.signal.oaconvolve` (O(N log window)) and the first and last ``window // 2``
    points are, as in ``mode="interp"``, the polynomial fitted to the first (last)
    ``window`` points, differentiated ``deriv`` times (tests/test_wellposedness.py: equal to
    ``savgol_filter`` to rounding).
    """
    from scipy import signal

    n = values.size
    if n * window <= SAVGOL_DIRECT_ELEMENTS:
        return signal.savgol_filter(values, window, order, deriv=deriv, delta=delta)
    coefficients = signal.savgol_coeffs(window, order, deriv=deriv, delta=delta)
    out = signal.oaconvolve(values, coefficients, mode="same")
    half = window // 2
    index = np.arange(window, dtype=np.float64)
    for edge, points in (
        (slice(0, window), slice(0, half)),
        (slice(n - window, n), slice(n - half, n)),
    ):
        fit = np.polynomial.polynomial.Polynomial.fit(index, values[edge], order)
        at = np.arange(window, dtype=np.float64)[
            points.start - edge.start : points.stop - edge.start
        ]
        out[points] = fit.deriv(deriv)(at) / delta**deriv if deriv else fit(at)
    return out


def inflection_point_test(
    z: ArrayLike,
    force: ArrayLike,
    *,
    origin: float | None = None,
    skip_start: float = 0.02,
    far_fraction: float = 0.05,
    smooth: int | None = None,
    confirm: int = 5,
    min_window: int = 5,
    max_window: float = 2.0,
    n_windows: int = 16,
) -> WellPosedness:
    """Inflection-point test of a sampled (measured or deconvolved) force curve.

    docs/physics.md section 10 (Sader et al., Nat. Nanotechnol. 13, 1088 (2018)):

    1. The analysed part ends where |F| (smoothed) last reaches ``far_fraction`` of max|F|;
       its first ``skip_start`` fraction of points is skipped.
    2. F'' is estimated with a Savitzky-Golay filter (cubic, ``smooth`` points; on a
       non-uniform grid the force is first interpolated onto a uniform one for this step
       only); inflection points are sign changes of F'' confirmed by ``confirm`` points of
       constant sign on each side.
    3. Around each, ``F = a + b (z - z_i) + (c/6)(z - z_i)^3`` is fitted by nonlinear least
       squares (:func:`scipy.optimize.least_squares`) with z_i free, on windows growing
       geometrically from ``+-min_window`` points to a total width of about
       ``max_window * sqrt(|F'/F'''|)``; the window with the smallest relative standard
       error of S, ``sqrt((2 dz_i/z_i)^2 + (db/b)^2 + (dc/c)^2)`` (z_i from the origin), is
       kept and gives the 95 % interval of S. Growth stops at the first window whose
       residual variance exceeds the noise level (robust estimate from second differences)
       by more than ``3 sqrt(2/dof)`` (lack of fit); candidates whose S interval contains 0
       are dropped (counted in ``rejected``). Each window is centred on z_i by interpolating
       the fits centred on the grid points either side (see ``_centred_fit``), which
       removes the leak of the quartic term into the cubic one.

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing (closest first).
    force : array_like
        Force [N] at each ``z``. NaN is allowed at the ends only (e.g. the last points of
        :func:`fmdecon.sader_jarvis`); those samples are dropped.
    origin : float, optional
        Origin of the distances [m]; default the closest point of the curve, ``z[0]``
        (of the finite part). Recorded in the result.
    skip_start : float
        Fraction of the analysed points skipped at the near end.
    far_fraction : float
        The far part where |F| < ``far_fraction * max|F|`` is not analysed.
    smooth : int, optional
        Savitzky-Golay window in points (odd); default about a tenth of the analysed part,
        at least 7.
    confirm : int
        Points of constant sign of F'' required on each side of a sign change.
    min_window : int
        Smallest fit half-window, in points.
    max_window : float
        Largest total fit window in units of ``sqrt(|F'/F'''|)``.
    n_windows : int
        Number of window sizes tried.

    Returns
    -------
    WellPosedness

    Raises
    ------
    ValueError
        If the curve is not a strictly increasing grid with finite values (NaN only at the
        ends), or has too few points to analyse.
    """
    from scipy import signal  # imported here: 0.4 s, only for this test

    z_all = np.asarray(z, dtype=np.float64)
    f_all = np.asarray(force, dtype=np.float64)
    if f_all.ndim == 1 and z_all.shape == f_all.shape and np.isnan(f_all).any():
        finite = np.flatnonzero(~np.isnan(f_all))
        if finite.size:
            z_all = z_all[finite[0] : finite[-1] + 1]
            f_all = f_all[finite[0] : finite[-1] + 1]
    z_arr, f = curve(z_all, f_all, "force")
    n = z_arr.size
    if n < 2 * min_window + 5:
        raise ValueError(f"force needs at least {2 * min_window + 5} finite points; got {n}")
    origin_value, source = _origin(z_arr, origin)
    max_force = float(np.max(np.abs(f)))

    # uniform copy for the derivative estimate (identity on a uniform grid)
    z_u = np.linspace(z_arr[0], z_arr[-1], n)
    f_u = np.interp(z_u, z_arr, f)
    d = float(z_u[1] - z_u[0])
    # the far cut, on a lightly smoothed copy so that noise does not extend it
    light = signal.savgol_filter(f_u, 7, 3)
    far = np.flatnonzero(np.abs(light) >= far_fraction * max_force)
    end = int(far[-1]) if far.size else n - 1
    window = smooth if smooth is not None else max(7, int(0.1 * (end + 1)))
    window = min(max(int(window), 5), n - 1) | 1
    derivs = [savgol(f_u, window, 3, deriv=m, delta=d) for m in (1, 2, 3)]
    start = int(np.ceil(skip_start * (end + 1)))

    # confirmed sign changes of F'' between i and i+1 within [start, end]
    positive = np.concatenate([[0], np.cumsum(derivs[1] > 0)])
    negative = np.concatenate([[0], np.cumsum(derivs[1] < 0)])
    i = np.arange(max(start, confirm - 1), min(end, n - 1 - confirm) + 1)

    def run(counts: NDArray[np.int64], lo: NDArray[np.int64]) -> NDArray[np.bool_]:
        return counts[lo + confirm] - counts[lo] == confirm

    before, after = i - confirm + 1, i + 1
    changes = i[
        (run(positive, before) & run(negative, after))
        | (run(negative, before) & run(positive, after))
    ]

    points: list[InflectionPoint] = []
    unresolved: list[InflectionPoint] = []
    rejected = 0
    for i_c in changes:  # a handful of inflection points
        s_lo, s_hi = derivs[1][i_c], derivs[1][i_c + 1]
        z_guess = z_u[i_c] + d * s_lo / (s_lo - s_hi)
        ratio = abs(derivs[0][i_c] / derivs[2][i_c]) if derivs[2][i_c] != 0 else np.inf
        half_max = 0.5 * max_window * np.sqrt(ratio)
        centre = int(np.searchsorted(z_arr, z_guess))
        room = min(centre, n - 1 - centre) - 1
        top = int(min(max(half_max / d, min_window), room))
        if top < min_window:
            continue
        # noise level from second differences (robust), for the lack-of-fit check
        near = f[max(centre - top, 0) : centre + top + 1]
        second_diff = np.diff(near, 2)
        noise = 1.4826 * np.median(np.abs(second_diff - np.median(second_diff))) / np.sqrt(6.0)
        best = None
        for m in np.unique(np.geomspace(min_window, top, n_windows).astype(int)):
            fitted = _centred_fit(z_arr, f, z_guess, int(m))
            if fitted is None:
                continue
            (variance, z_i, b, c, dz, rel_b, rel_c), half_width = fitted
            if not z_arr[start] <= z_i <= z_arr[end]:
                continue
            dof = 2 * m - 3
            if best is not None and variance > noise**2 * (1.0 + 3.0 * np.sqrt(2.0 / dof)):
                break  # lack of fit: the cubic model no longer describes the window
            rel = float(np.sqrt((2.0 * dz / (z_i - origin_value)) ** 2 + rel_b**2 + rel_c**2))
            if best is None or rel < best[0]:
                best = (rel, z_i, b, c, half_width)
        if best is None:
            continue
        rel, z_i, b, c, half_width = best
        if _Z95 * rel >= 1.0:
            rejected += 1  # the cubic term is not resolved: S is not significantly non-zero
            unresolved.append(_point(z_i, b, c, origin_value, max_force, rel, half_width))
            continue
        if any(abs(p.z - z_i) < max(p.window, half_width) for p in points):
            continue  # the same inflection point found twice
        points.append(_point(z_i, b, c, origin_value, max_force, rel, half_width))
    far_end_force = float(abs(light[-1]) / max_force) if max_force > 0 else 0.0
    searched = (
        (float(z_u[i[0]]), float(z_u[min(int(i[-1]) + 1, n - 1)]))
        if i.size
        else (float("nan"), float("nan"))
    )
    return _result(
        points,
        origin_value,
        source,
        max_force,
        rejected,
        unresolved=tuple(unresolved),
        analysed=searched,
        far_end_force=far_end_force,
        decayed=far_end_force < far_fraction,
    )


# --------------------------------------------------------------------------------------------
# the same test for a batch of curves on one grid, vectorised over the curves
# --------------------------------------------------------------------------------------------

#: Verdict codes of :meth:`WellPosednessBatch.verdict_code`, and their names.
VERDICT_CODES = {
    -1: "test not run",
    0: "well-posed",
    1: "ill-posed",
    2: "ill-posed, A forbidden",
}


#: Codes of the verdict at one amplitude (:meth:`WellPosednessBatch.decide`, the grids'
#: verdict maps), and their :attr:`Verdict.label`.
DECISION_CODES = {
    0: VERDICT_LABELS["well-posed"],
    1: VERDICT_LABELS["ill-posed"],
    2: VERDICT_LABELS["undecided"],
}
#: Codes of the reason of a verdict (:attr:`Verdict.brief`, without its numbers). "Δf not
#: decayed" is the measurement pipelines' (a well-posed force from a curve whose frequency
#: shift has not decayed at its far end), never :meth:`WellPosednessBatch.decide`'s.
DECISION_REASONS = {
    0: "no inflection point",
    1: "no forbidden amplitude",
    2: "A outside the forbidden ranges",
    3: "A in a forbidden range",
    4: "A possibly forbidden",
    5: "unresolved inflection point",
    6: "force not decayed",
    7: "Δf not decayed",
    8: "test not run",
}
_REASON = {name: code for code, name in DECISION_REASONS.items()}
#: The status code (:data:`DECISION_CODES`) of each reason code.
_STATUS_OF_REASON = np.array([0, 0, 0, 1, 2, 2, 2, 2, 2], dtype=np.int8)


@dataclass(frozen=True, eq=False)
class WellPosednessBatch:
    """The inflection-point test of a batch of curves, as arrays (docs/physics.md section 10).

    What :func:`inflection_point_test` returns for each curve, stacked: the leading shape
    ``shape`` is the batch's (``force.shape[:-1]``); per-point arrays have a last axis of
    length ``P`` (the most inflection points of any curve, at least 1), per-range arrays one
    of length ``R`` (the most forbidden ranges, at least 1), padded with NaN (False, 0).
    :meth:`curve` gives one curve's :class:`WellPosedness`.

    Attributes
    ----------
    count : numpy.ndarray of int
        Number of inflection points kept per curve.
    z, S, S_low, S_high, dforce, d3force, amplitude_low, amplitude_high, force_jump, window :
        numpy.ndarray, shape ``shape + (P,)``
        The :class:`InflectionPoint` fields (``S_interval`` as ``S_low``, ``S_high``), closest
        first.
    point_ill_posed, marginal : numpy.ndarray of bool, shape ``shape + (P,)``
    origin, max_force : numpy.ndarray, shape ``shape``
        Origin of the distances [m] and max|F| [N] (NaN where the test did not run).
    origin_source : str
        How the origin was chosen.
    rejected : numpy.ndarray of int, shape ``shape``
    forbidden_low, forbidden_high : numpy.ndarray, shape ``shape + (R,)``
        The merged forbidden amplitude ranges [m].
    unresolved_z, unresolved_S, unresolved_S_low, unresolved_S_high : numpy.ndarray
        Shape ``shape + (U,)``: the candidates not resolved above the noise
        (:attr:`WellPosedness.unresolved`), NaN-padded (U at least 1); also their
        ``unresolved_dforce``, ``unresolved_d3force``, ``unresolved_amplitude_high`` and
        ``unresolved_window``.
    far_end_force : numpy.ndarray, shape ``shape``
        |F| at the far end (lightly smoothed) over max|F|.
    decayed : numpy.ndarray of bool, shape ``shape``
        False where ``far_end_force`` is at least the test's ``far_fraction``.
    analysed_low, analysed_high : numpy.ndarray, shape ``shape``
        The z range [m] searched for inflection points.
    failure : numpy.ndarray of str, shape ``shape``
        ``""`` where the test ran, else why not (the error :func:`inflection_point_test`
        would raise).
    """

    count: NDArray[np.int64]
    z: NDArray[np.float64]
    S: NDArray[np.float64]
    S_low: NDArray[np.float64]
    S_high: NDArray[np.float64]
    dforce: NDArray[np.float64]
    d3force: NDArray[np.float64]
    amplitude_low: NDArray[np.float64]
    amplitude_high: NDArray[np.float64]
    force_jump: NDArray[np.float64]
    window: NDArray[np.float64]
    point_ill_posed: NDArray[np.bool_]
    marginal: NDArray[np.bool_]
    origin: NDArray[np.float64]
    origin_source: str
    max_force: NDArray[np.float64]
    rejected: NDArray[np.int64]
    forbidden_low: NDArray[np.float64]
    forbidden_high: NDArray[np.float64]
    unresolved_z: NDArray[np.float64]
    unresolved_S: NDArray[np.float64]
    unresolved_S_low: NDArray[np.float64]
    unresolved_S_high: NDArray[np.float64]
    unresolved_dforce: NDArray[np.float64]
    unresolved_d3force: NDArray[np.float64]
    unresolved_amplitude_high: NDArray[np.float64]
    unresolved_window: NDArray[np.float64]
    far_end_force: NDArray[np.float64]
    decayed: NDArray[np.bool_]
    analysed_low: NDArray[np.float64]
    analysed_high: NDArray[np.float64]
    failure: NDArray[np.str_]

    @property
    def shape(self) -> tuple[int, ...]:
        """The batch shape."""
        return self.count.shape

    @property
    def ran(self) -> NDArray[np.bool_]:
        """True where the test ran."""
        return self.failure == ""

    @property
    def ill_posed(self) -> NDArray[np.bool_]:
        """True where any inflection point makes the inversion ill-posed."""
        return self.point_ill_posed.any(axis=-1)

    def is_forbidden(self, amplitude: float) -> NDArray[np.bool_]:
        """Whether ``amplitude`` [m] lies in a forbidden range, per curve."""
        inside = (self.forbidden_low <= amplitude) & (amplitude <= self.forbidden_high)
        return inside.any(axis=-1)

    def verdict_code(self, amplitude: float) -> NDArray[np.int8]:
        """Per curve: 0 well-posed, 1 ill-posed (``amplitude`` outside the forbidden ranges),
        2 ill-posed with ``amplitude`` forbidden, -1 test not run (:data:`VERDICT_CODES`)."""
        code = np.where(self.ill_posed, 1, 0).astype(np.int8)
        code[self.is_forbidden(amplitude)] = 2
        code[~self.ran] = -1
        return code

    def decide(self, amplitude: float) -> tuple[NDArray[np.int8], NDArray[np.int8]]:
        """:meth:`WellPosedness.decide` of every curve at ``amplitude`` [m], as codes.

        The same rules in the same order: ill-posed where an inflection point forbids the
        amplitude for every S of its 95 % interval; undecided where one does for some S
        only, where an unresolved candidate could, where the force has not decayed within
        the curve, or where the test did not run (:meth:`Verdict.not_run`); well-posed
        otherwise.

        Parameters
        ----------
        amplitude : float
            Oscillation amplitude [m].

        Returns
        -------
        status, reason : numpy.ndarray of int8, shape ``shape``
            :data:`DECISION_CODES` (the :attr:`Verdict.label`) and :data:`DECISION_REASONS`
            (the :attr:`Verdict.brief`, without its numbers) of each curve.
        """
        a = float(amplitude)
        max_force = self.max_force[..., None]
        points = _forbids(self.S_low, self.S_high, self.amplitude_high, self.dforce, max_force, a)
        loose = _forbids(
            self.unresolved_S_low,
            self.unresolved_S_high,
            self.unresolved_amplitude_high,
            self.unresolved_dforce,
            max_force,
            a,
        )
        ranges = np.isfinite(self.forbidden_low).any(axis=-1)
        reason = np.select(
            [
                ~self.ran,
                (points == 2).any(axis=-1),
                (points == 1).any(axis=-1),
                (loose > 0).any(axis=-1),
                ~self.decayed,
                ranges,
                self.count > 0,
            ],
            [
                _REASON[r]
                for r in (
                    "test not run",
                    "A in a forbidden range",
                    "A possibly forbidden",
                    "unresolved inflection point",
                    "force not decayed",
                    "A outside the forbidden ranges",
                    "no forbidden amplitude",
                )
            ],
            _REASON["no inflection point"],
        ).astype(np.int8)
        return _STATUS_OF_REASON[reason], reason

    def curve(self, *index: int) -> WellPosedness | None:
        """The :class:`WellPosedness` of the curve at ``index`` (None if the test did not
        run there)."""
        if not self.ran[index]:
            return None
        points = []
        for p in range(int(self.count[index])):
            at = (*index, p)
            points.append(
                InflectionPoint(
                    z=float(self.z[at]),
                    S=float(self.S[at]),
                    S_interval=(float(self.S_low[at]), float(self.S_high[at])),
                    dforce=float(self.dforce[at]),
                    d3force=float(self.d3force[at]),
                    amplitude_low=float(self.amplitude_low[at]),
                    amplitude_high=float(self.amplitude_high[at]),
                    force_jump=float(self.force_jump[at]),
                    ill_posed=bool(self.point_ill_posed[at]),
                    marginal=bool(self.marginal[at]),
                    window=float(self.window[at]),
                )
            )
        low, high = self.forbidden_low[index], self.forbidden_high[index]
        ranges = tuple(
            (float(lo), float(hi)) for lo, hi in zip(low, high, strict=True) if np.isfinite(lo)
        )
        unresolved = []
        origin = float(self.origin[index])
        for p in np.flatnonzero(np.isfinite(self.unresolved_z[index])):
            at = (*index, int(p))
            z_i = float(self.unresolved_z[at])
            s_value = float(self.unresolved_S[at])
            half = 0.5 * float(self.unresolved_S_high[at] - self.unresolved_S_low[at])
            rel = half / (_Z95 * abs(s_value)) if s_value else np.inf
            unresolved.append(
                _point(
                    z_i,
                    float(self.unresolved_dforce[at]),
                    float(self.unresolved_d3force[at]),
                    origin,
                    float(self.max_force[index]),
                    rel,
                    float(self.unresolved_window[at]),
                )
            )
        return WellPosedness(
            points=tuple(points),
            origin=origin,
            origin_source=self.origin_source,
            max_force=float(self.max_force[index]),
            forbidden_amplitudes=ranges,
            rejected=int(self.rejected[index]),
            unresolved=tuple(unresolved),
            analysed=(float(self.analysed_low[index]), float(self.analysed_high[index])),
            far_end_force=float(self.far_end_force[index]),
            decayed=bool(self.decayed[index]),
        )


def _uniform_projections(m: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Cubic least squares on ``2m+1`` equally spaced points ``u = j/m``: the design ``V``
    (2m+1, 4) and the inverse Gram matrix ``(V^T V)^-1`` (4, 4)."""
    u = np.arange(-m, m + 1, dtype=np.float64) / m
    design = np.vander(u, 4, increasing=True)
    return design, np.linalg.inv(design.T @ design)


def _fit_windows(
    z: NDArray[np.float64],
    f: NDArray[np.float64],
    rows: NDArray[np.int64],
    centres: NDArray[np.int64],
    m: NDArray[np.int64],
    z_ref: NDArray[np.float64],
    uniform: bool,
    cache: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """:func:`_fit_window` for many windows ``[centre - m, centre + m]`` of rows of ``f``.

    The model ``a + b (z - z_i) + (c/6)(z - z_i)^3`` with z_i free is every cubic with a
    non-zero cubic term (z_i is its inflection point), so the nonlinear least-squares fit of
    :func:`_fit_window` is the linear cubic fit ``alpha_0 + alpha_1 u + alpha_2 u^2 +
    alpha_3 u^3`` in local coordinates ``u = (z - z_centre) / h``: ``z_i = z_centre + h t``
    with ``t = -alpha_2 / (3 alpha_3)``, ``b = p'(t) / h``, ``c = 6 alpha_3 / h^3``; their
    standard errors are the same linear map of the fit's covariance as the Jacobian's (the
    two parametrisations are one reparametrisation). On a uniform grid the fit of every
    window of half-width m is one fixed projection; otherwise the normal equations are
    solved per window. Returns (ok, values) with ``values`` as :func:`_fit_window`'s
    (``[variance, z_i, b, c, dz_i, db/b, dc/c]``) per window.
    """
    count = rows.size
    values = np.full((count, 7), np.nan)
    ok = np.zeros(count, dtype=bool)
    for width in np.unique(m):  # a loop over window sizes, each a batch of windows
        sel = np.flatnonzero(m == width)
        offsets = np.arange(-width, width + 1)
        index = centres[sel, None] + offsets
        y = f[rows[sel, None], index]
        zc = z[centres[sel]]
        half = 0.5 * (z[centres[sel] + width] - z[centres[sel] - width])
        if uniform:
            if width not in cache:
                cache[int(width)] = _uniform_projections(int(width))
            design, gram_inv = cache[int(width)]
            alpha = (y @ design) @ gram_inv  # (K, 4)
            fitted = alpha @ design.T
            inverse = np.broadcast_to(gram_inv, (sel.size, 4, 4))
        else:
            u = (z[index] - zc[:, None]) / half[:, None]
            design_k = u[..., None] ** np.arange(4)  # (K, L, 4)
            gram = np.einsum("klp,klq->kpq", design_k, design_k)
            try:
                inverse = np.linalg.inv(gram)
            except np.linalg.LinAlgError:
                continue
            alpha = np.einsum("kpq,klq,kl->kp", inverse, design_k, y)
            fitted = np.einsum("klp,kp->kl", design_k, alpha)
        residual = y - fitted
        variance = np.einsum("kl,kl->k", residual, residual) / (2 * width + 1 - 4)
        a1, a2, a3 = alpha[:, 1], alpha[:, 2], alpha[:, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -a2 / (3.0 * a3)
            slope = a1 + 2.0 * a2 * t + 3.0 * a3 * t**2  # b in units of 1/h
            zero = np.zeros_like(t)
            grad_t = np.stack([zero, zero, -1.0 / (3.0 * a3), a2 / (3.0 * a3**2)], axis=-1)
            grad_b = np.stack([zero, np.ones_like(t), 2.0 * t, 3.0 * t**2], axis=-1)
            var_t = np.einsum("kp,kpq,kq->k", grad_t, inverse, grad_t) * variance
            var_b = np.einsum("kp,kpq,kq->k", grad_b, inverse, grad_b) * variance
            var_c = 36.0 * inverse[:, 3, 3] * variance
            z_fit = zc + half * t
            reach = np.maximum(
                np.abs(z[centres[sel] - width] - z_ref[sel]),
                np.abs(z[centres[sel] + width] - z_ref[sel]),
            )
            good = (slope != 0) & (a3 != 0) & (np.abs(z_fit - z_ref[sel]) <= reach)
            good &= np.isfinite(var_t) & np.isfinite(var_b)
            values[sel] = np.column_stack(
                [
                    variance,
                    z_fit,
                    slope / half,
                    6.0 * a3 / half**3,
                    half * np.sqrt(np.abs(var_t)),
                    np.abs(np.sqrt(np.abs(var_b)) / slope),
                    np.abs(np.sqrt(np.abs(var_c)) / (6.0 * a3)),
                ]
            )
        ok[sel] = good
    return ok, values


def _centred_fits(
    z: NDArray[np.float64],
    f: NDArray[np.float64],
    rows: NDArray[np.int64],
    z_guess: NDArray[np.float64],
    m: NDArray[np.int64],
    uniform: bool,
    cache: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`_centred_fit` for many candidates at once: (ok, values, half-width [m])."""
    n = z.size
    count = rows.size
    z_i = np.array(z_guess, dtype=np.float64)
    previous = np.full(count, -1)
    alive = np.ones(count, dtype=bool)
    done = np.zeros(count, dtype=bool)
    result = np.full((count, 7), np.nan)
    for _ in range(4):
        with np.errstate(invalid="ignore"):
            i0 = np.clip(np.searchsorted(z, z_i) - 1, m, n - 2 - m)
        done |= i0 == previous
        go = np.flatnonzero(~done & alive)
        if go.size == 0:
            break
        previous[go] = i0[go]
        ok_a, fit_a = _fit_windows(z, f, rows[go], i0[go], m[go], z_i[go], uniform, cache)
        ok_b, fit_b = _fit_windows(z, f, rows[go], i0[go] + 1, m[go], z_i[go], uniform, cache)
        bad = ~(ok_a & ok_b)
        alive[go[bad]] = False
        good = go[~bad]
        fit_a, fit_b = fit_a[~bad], fit_b[~bad]
        offset_a = z[i0[good]] - fit_a[:, 1]
        offset_b = z[i0[good] + 1] - fit_b[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(offset_a == offset_b, 0.5, offset_a / (offset_a - offset_b))
        t = np.clip(t, 0.0, 1.0)[:, None]
        combined = fit_a + t * (fit_b - fit_a)
        combined[:, 4:] = np.maximum(fit_a[:, 4:], fit_b[:, 4:])
        result[good] = combined
        z_i[good] = combined[:, 1]
    ok = alive & (previous >= 0)
    safe = np.where(ok, previous, m)
    half_width = 0.5 * (z[safe + m] - z[safe - m])
    return ok, result, half_width


@functools.lru_cache(maxsize=64)
def _savgol_table(window: int, deriv: int, delta: float) -> NDArray[np.float64]:
    """Savitzky-Golay coefficients (cubic, ``window`` points) of the ``deriv``-th derivative
    at every position of the window: row ``pos`` dotted with the window's values gives it at
    ``pos`` (what :func:`scipy.signal.savgol_filter` with ``mode="interp"`` uses in the
    middle, ``pos = window // 2``, and at the ends)."""
    from scipy.signal import savgol_coeffs  # imported here: 0.4 s, only for this test

    table = np.array(
        [
            savgol_coeffs(window, 3, deriv=deriv, delta=delta, pos=p, use="dot")
            for p in range(window)
        ]
    )
    table.flags.writeable = False  # cached: shared by every call
    return table


def _savgol_rows(
    f: NDArray[np.float64], window: int, deriv: int, delta: float
) -> NDArray[np.float64]:
    """``scipy.signal.savgol_filter(f, window, 3, deriv=deriv, delta=delta, axis=-1)``
    (``mode="interp"``) of rows ``f``: a correlation in the middle, the end fits as
    matrices."""
    from scipy import ndimage

    n = f.shape[-1]
    half = window // 2
    table = _savgol_table(window, deriv, delta)
    out = ndimage.correlate1d(f, table[half], axis=-1, mode="constant")
    out[:, :half] = f[:, :window] @ table[:half].T
    out[:, n - half :] = f[:, n - window :] @ table[half + 1 :].T
    return out


def _savgol_points(
    f: NDArray[np.float64],
    rows: NDArray[np.int64],
    points: NDArray[np.int64],
    window: int,
    deriv: int,
    delta: float,
) -> NDArray[np.float64]:
    """:func:`_savgol_rows` at the given (row, point) pairs only."""
    n = f.shape[-1]
    first = np.clip(points - window // 2, 0, n - window)
    values = f[rows[:, None], first[:, None] + np.arange(window)]
    table = _savgol_table(window, deriv, delta)
    return np.einsum("kw,kw->k", values, table[points - first])


def _first_true(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    return np.argmax(mask, axis=-1)


def _last_true(mask: NDArray[np.bool_]) -> NDArray[np.int64]:
    return mask.shape[-1] - 1 - np.argmax(mask[..., ::-1], axis=-1)


def _test_group(
    z_arr: NDArray[np.float64],
    f: NDArray[np.float64],
    origin_value: float,
    skip_start: float,
    far_fraction: float,
    smooth: int | None,
    confirm: int,
    min_window: int,
    max_window: float,
    n_windows: int,
) -> dict[str, NDArray]:
    """The test of rows ``f`` (R, n), all finite, on one grid ``z_arr``: per-row arrays."""
    rows, n = f.shape
    max_force = np.max(np.abs(f), axis=1)
    z_u = np.linspace(z_arr[0], z_arr[-1], n)
    if np.array_equal(z_u, z_arr):
        f_u = f
    else:  # numpy.interp, row by row
        j = np.clip(np.searchsorted(z_arr, z_u, side="right") - 1, 0, n - 2)
        slope = (f[:, j + 1] - f[:, j]) / (z_arr[j + 1] - z_arr[j])
        f_u = slope * (z_u - z_arr[j]) + f[:, j]
        exact = z_u == z_arr[j]
        f_u[:, exact] = f[:, j[exact]]
        f_u[:, -1] = f[:, -1]
    d = float(z_u[1] - z_u[0])
    light = _savgol_rows(f_u, 7, 0, 1.0)
    far = np.abs(light) >= far_fraction * max_force[:, None]
    end = np.where(far.any(axis=1), _last_true(far), n - 1)
    if smooth is not None:
        window = np.full(rows, int(smooth))
    else:
        window = np.maximum(7, (0.1 * (end + 1)).astype(np.int64))
    window = np.minimum(np.maximum(window, 5), n - 1) | 1
    second = np.empty((rows, n))
    for size in np.unique(window):  # a loop over filter lengths, each a batch of rows
        members = np.flatnonzero(window == size)
        second[members] = _savgol_rows(f_u[members], int(size), 2, d)
    start = np.ceil(skip_start * (end + 1)).astype(np.int64)

    # confirmed sign changes of F'' between i and i+1 within [start, end]: the `confirm`
    # values up to i have one sign, the `confirm` values after it the other
    zeros = np.zeros((rows, 1), dtype=np.int32)
    positive = np.concatenate([zeros, np.cumsum(second > 0, axis=1, dtype=np.int32)], axis=1)
    negative = np.concatenate([zeros, np.cumsum(second < 0, axis=1, dtype=np.int32)], axis=1)
    i_all = np.arange(confirm - 1, n - confirm)
    span = i_all.size

    def run(counts: NDArray[np.int32], lo: int) -> NDArray[np.bool_]:
        return counts[:, lo + confirm : lo + confirm + span] - counts[:, lo : lo + span] == confirm

    change = (run(positive, 0) & run(negative, confirm)) | (
        run(negative, 0) & run(positive, confirm)
    )
    lo_bound = np.maximum(start, confirm - 1)[:, None]
    hi_bound = np.minimum(end, n - 1 - confirm)[:, None]
    change &= (i_all >= lo_bound) & (i_all <= hi_bound)
    cand_row, cand_k = np.nonzero(change)
    i_c = i_all[cand_k]

    s_lo, s_hi = second[cand_row, i_c], second[cand_row, i_c + 1]
    z_guess = z_u[i_c] + d * s_lo / (s_lo - s_hi)
    d1c, d3c = np.empty(i_c.size), np.empty(i_c.size)
    for size in np.unique(window[cand_row]):  # F' and F''' at the candidates only
        these = np.flatnonzero(window[cand_row] == size)
        d1c[these] = _savgol_points(f_u, cand_row[these], i_c[these], int(size), 1, d)
        d3c[these] = _savgol_points(f_u, cand_row[these], i_c[these], int(size), 3, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d3c != 0, np.abs(d1c / d3c), np.inf)
    half_max = 0.5 * max_window * np.sqrt(ratio)
    centre = np.searchsorted(z_arr, z_guess)
    room = np.minimum(centre, n - 1 - centre) - 1
    top = np.trunc(np.minimum(np.maximum(half_max / d, min_window), room)).astype(np.int64)
    keep = top >= min_window
    cand_row, centre, top, z_guess = cand_row[keep], centre[keep], top[keep], z_guess[keep]
    count = cand_row.size

    # noise level from second differences (robust), for the lack-of-fit check
    longest = int(2 * top.max() + 1) if count else 1
    offsets = np.arange(longest)
    index = np.minimum((centre - top)[:, None] + offsets, n - 1)
    near = f[cand_row[:, None], index]
    step_diff = np.diff(near, axis=1)
    second_diff = np.diff(step_diff, axis=1)
    second_diff[offsets[None, : longest - 2] >= (2 * top - 1)[:, None]] = np.nan
    if count:
        median = np.nanmedian(second_diff, axis=1)
        mad = np.nanmedian(np.abs(second_diff - median[:, None]), axis=1)
    else:
        mad = np.zeros(0)
    noise = 1.4826 * mad / np.sqrt(6.0)

    # the window sizes of each candidate, as in the loop
    sizes = {
        int(t): np.unique(np.geomspace(min_window, t, n_windows).astype(int))
        for t in np.unique(top)
    }
    levels = max((s.size for s in sizes.values()), default=0)
    windows = np.full((count, max(levels, 1)), -1, dtype=np.int64)
    for t, values in sizes.items():  # a loop over distinct window ranges
        windows[top == t, : values.size] = values

    active = np.ones(count, dtype=bool)
    has_best = np.zeros(count, dtype=bool)
    best = np.full((count, 5), np.nan)  # rel, z_i, b, c, half_width
    z_start, z_end = z_arr[start[cand_row]], z_arr[end[cand_row]]
    uniform = is_uniform(z_arr, 1e-10)
    cache: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    for level in range(levels):  # window sizes grow geometrically, each a batch of candidates
        at = np.flatnonzero(active & (windows[:, level] >= 0))
        if at.size == 0:
            break
        m = windows[at, level]
        ok, fitted, half_width = _centred_fits(
            z_arr, f, cand_row[at], z_guess[at], m, uniform, cache
        )
        variance, z_i, b, c, dz, rel_b, rel_c = fitted.T
        with np.errstate(invalid="ignore"):
            ok &= (z_start[at] <= z_i) & (z_i <= z_end[at])
            dof = 2 * m - 3
            lack = (
                ok & has_best[at] & (variance > noise[at] ** 2 * (1.0 + 3.0 * np.sqrt(2.0 / dof)))
            )
            active[at[lack]] = False
            ok &= ~lack
            rel = np.sqrt((2.0 * dz / (z_i - origin_value)) ** 2 + rel_b**2 + rel_c**2)
            better = ok & (~has_best[at] | (rel < best[at, 0]))
        chosen = at[better]
        best[chosen] = np.column_stack([rel, z_i, b, c, half_width])[better]
        has_best[chosen] = True

    resolved = has_best & (_Z95 * best[:, 0] < 1.0)
    rejected = np.bincount(cand_row[has_best & ~resolved], minlength=rows)
    # the same inflection point found twice: the loop keeps the first, in candidate order
    order = np.flatnonzero(resolved)
    rank = np.zeros(order.size, dtype=np.int64)
    if order.size:
        first_of_row = np.r_[True, cand_row[order][1:] != cand_row[order][:-1]]
        starts = np.maximum.accumulate(np.where(first_of_row, np.arange(order.size), 0))
        rank = np.arange(order.size) - starts
    slots = int(rank.max()) + 1 if order.size else 1
    kept_z = np.full((rows, slots), np.nan)
    kept_w = np.full((rows, slots), np.nan)
    kept = np.zeros((rows, slots), dtype=bool)
    chosen_best = np.full((rows, slots, 5), np.nan)
    for r in range(slots):  # a loop over the candidates' rank within their curve
        these = order[rank == r]
        row = cand_row[these]
        z_i, half_width = best[these, 1], best[these, 4]
        with np.errstate(invalid="ignore"):
            near_other = (
                kept[row]
                & (np.abs(kept_z[row] - z_i[:, None]) < np.fmax(kept_w[row], half_width[:, None]))
            ).any(axis=1)
        new = ~near_other
        row, these = row[new], these[new]
        kept_z[row, r], kept_w[row, r] = best[these, 1], best[these, 4]
        kept[row, r] = True
        chosen_best[row, r] = best[these]

    rel, z_i, b, c, half_width = np.moveaxis(chosen_best, -1, 0)
    distance, s, half = _s_interval(z_i, b, c, rel, origin_value)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = -b / c
        low = np.where(ratio > 0, np.sqrt(np.abs(ratio)), np.nan)
        jump = low * np.abs(b)
        ill = kept & (s < -1.0) & (jump > _ILL_POSED_JUMP * max_force[:, None])
        marginal = kept & (s - half <= -1.0) & (s + half >= -1.0) & (half > 0)
    # closest first
    by_z = np.argsort(np.where(kept, z_i, np.inf), axis=1, kind="stable")

    def sort(values: NDArray) -> NDArray:
        return np.take_along_axis(values, by_z, axis=1)

    out = {
        "count": kept.sum(axis=1),
        "z": sort(z_i),
        "S": sort(s),
        "S_low": sort(s - half),
        "S_high": sort(s + half),
        "dforce": sort(b),
        "d3force": sort(c),
        "amplitude_low": sort(low),
        "amplitude_high": sort(distance / 2.0),
        "force_jump": sort(jump),
        "window": sort(half_width),
        "point_ill_posed": sort(ill),
        "marginal": sort(marginal),
        "max_force": max_force,
        "rejected": rejected,
    }
    # the candidates not resolved above the noise (the one-curve test's `unresolved`)
    loose = np.flatnonzero(has_best & ~resolved)
    loose_rank = np.zeros(loose.size, dtype=np.int64)
    if loose.size:
        first_of_row = np.r_[True, cand_row[loose][1:] != cand_row[loose][:-1]]
        starts = np.maximum.accumulate(np.where(first_of_row, np.arange(loose.size), 0))
        loose_rank = np.arange(loose.size) - starts
    loose_best = np.full((rows, int(loose_rank.max()) + 1 if loose.size else 1, 5), np.nan)
    loose_best[cand_row[loose], loose_rank] = best[loose]
    u_rel, u_z, u_b, u_c, u_width = np.moveaxis(loose_best, -1, 0)
    u_distance, u_s, u_half = _s_interval(u_z, u_b, u_c, u_rel, origin_value)
    out.update(
        {
            "unresolved_z": u_z,
            "unresolved_S": u_s,
            "unresolved_S_low": u_s - u_half,
            "unresolved_S_high": u_s + u_half,
            "unresolved_dforce": u_b,
            "unresolved_d3force": u_c,
            "unresolved_amplitude_high": u_distance / 2.0,
            "unresolved_window": u_width,
        }
    )
    # whether the force has decayed within the curve, and the z range searched
    with np.errstate(invalid="ignore", divide="ignore"):
        far_end_force = np.where(max_force > 0, np.abs(light[:, -1]) / max_force, 0.0)
    out["far_end_force"] = far_end_force
    out["decayed"] = far_end_force < far_fraction
    first_i = np.maximum(start, confirm - 1)
    last_i = np.minimum(end, n - 1 - confirm)
    searched = first_i <= last_i
    out["analysed_low"] = np.where(searched, z_u[np.clip(first_i, 0, n - 1)], np.nan)
    out["analysed_high"] = np.where(searched, z_u[np.clip(last_i + 1, 0, n - 1)], np.nan)
    # forbidden ranges of the ill-posed points, sorted and merged (as _result)
    with np.errstate(invalid="ignore"):
        allowed = ill & (low <= distance / 2.0)
    lo = np.where(allowed, low, np.inf)
    hi = np.where(allowed, distance / 2.0, np.inf)
    by_lo = np.lexsort((hi, lo), axis=1)
    lo, hi = np.take_along_axis(lo, by_lo, axis=1), np.take_along_axis(hi, by_lo, axis=1)
    merged_lo = np.full((rows, slots), np.nan)
    merged_hi = np.full((rows, slots), np.nan)
    filled = np.zeros(rows, dtype=np.int64)
    every = np.arange(rows)
    for r in range(slots):  # a loop over range slots
        valid = np.isfinite(lo[:, r])
        last = np.maximum(filled - 1, 0)
        overlap = valid & (filled > 0) & (lo[:, r] <= merged_hi[every, last])
        merged_hi[every[overlap], last[overlap]] = np.maximum(
            merged_hi[every[overlap], last[overlap]], hi[overlap, r]
        )
        fresh = valid & ~overlap
        merged_lo[every[fresh], filled[fresh]] = lo[fresh, r]
        merged_hi[every[fresh], filled[fresh]] = hi[fresh, r]
        filled += fresh
    out["forbidden_low"] = merged_lo
    out["forbidden_high"] = merged_hi
    return out


def _s_interval(
    z_i: NDArray[np.float64],
    dforce: NDArray[np.float64],
    d3force: NDArray[np.float64],
    rel: NDArray[np.float64],
    origin: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Distance from the origin, S and the half width of its 95 % interval (as
    :func:`_point`), elementwise."""
    with np.errstate(invalid="ignore", divide="ignore"):
        distance = z_i - origin
        s = distance**2 / 4.0 * d3force / dforce
        half = _Z95 * np.abs(s) * rel
    return distance, s, half


_POINT_FIELDS = (
    "z",
    "S",
    "S_low",
    "S_high",
    "dforce",
    "d3force",
    "amplitude_low",
    "amplitude_high",
    "force_jump",
    "window",
)
_UNRESOLVED_FIELDS = tuple(
    f"unresolved_{name}"
    for name in ("z", "S", "S_low", "S_high", "dforce", "d3force", "amplitude_high", "window")
)


def inflection_point_batch(
    z: ArrayLike,
    force: ArrayLike,
    *,
    origin: float | None = None,
    skip_start: float = 0.02,
    far_fraction: float = 0.05,
    smooth: int | None = None,
    confirm: int = 5,
    min_window: int = 5,
    max_window: float = 2.0,
    n_windows: int = 16,
) -> WellPosednessBatch:
    """:func:`inflection_point_test` of a batch of force curves on one grid, vectorised.

    docs/physics.md section 10. The same steps, thresholds and choices as the test of one
    curve, done for every curve at once: the Savitzky-Golay derivatives in batches of rows
    that share a filter length, the confirmed sign changes of F'' by cumulative sums, and the
    fits of all candidates' windows of one size in one step (the nonlinear fit of the cubic
    with z_i free is the linear cubic fit, see :func:`_fit_windows`, so on a uniform grid a
    window's fit is one fixed projection). The results agree with a loop of
    :func:`inflection_point_test` to rounding (tests/test_wellposedness_batch.py); about
    0.1 ms per curve of 500 points instead of 50-100 ms.

    Parameters
    ----------
    z : array_like
        Distances [m], shape (N,), strictly increasing, shared by every curve.
    force : array_like
        Forces [N], shape ``(..., N)``. NaN is allowed at the ends of a curve (those samples
        are dropped, curves with the same finite part are tested together); a curve with a
        NaN or infinity inside, or too few finite points, is not tested (``failure``).
    origin, skip_start, far_fraction, smooth, confirm, min_window, max_window, n_windows
        As for :func:`inflection_point_test` (``origin``: one value for every curve).

    Returns
    -------
    WellPosednessBatch
    """
    z_all = grid(z, "z")
    f_all = np.asarray(force, dtype=np.float64)
    if f_all.ndim < 1 or f_all.shape[-1] != z_all.size:
        raise ValueError(
            f"force must have shape (..., {z_all.size}) (the length of z last); got {f_all.shape}"
        )
    shape = f_all.shape[:-1]
    rows = f_all.reshape(-1, z_all.size)
    total = rows.shape[0]
    source = (
        _origin(z_all, origin)[1] if origin is not None else "closest point of the curve, z[0]"
    )
    arrays: dict[str, NDArray] = {
        "count": np.zeros(total, dtype=np.int64),
        "origin": np.full(total, np.nan),
        "max_force": np.full(total, np.nan),
        "rejected": np.zeros(total, dtype=np.int64),
    }
    failure = np.full(total, "", dtype=object)
    present = ~np.isnan(rows)
    some = present.any(axis=1)
    first = np.where(some, _first_true(present), 0)
    last = np.where(some, _last_true(present), z_all.size - 1)
    width = last - first + 1
    inside_ok = np.isfinite(rows).sum(axis=1) == width
    failure[~some] = "force has no finite value"
    failure[some & ~inside_ok] = "force has a NaN or an infinity inside the curve"
    needed = 2 * min_window + 5
    short = some & inside_ok & (width < needed)
    failure[short] = f"force needs at least {needed} finite points"
    testable = some & inside_ok & ~short
    groups: dict[tuple[int, int], NDArray[np.int64]] = {}
    if testable.any():
        keys = np.stack([first[testable], last[testable]], axis=1)
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        members = np.flatnonzero(testable)
        for g, (lo, hi) in enumerate(unique):  # a loop over the curves' finite parts
            groups[(int(lo), int(hi))] = members[inverse.reshape(-1) == g]
    results: list[tuple[NDArray[np.int64], dict[str, NDArray]]] = []
    for (lo, hi), members in groups.items():
        z_arr = z_all[lo : hi + 1]
        origin_value, source = _origin(z_arr, origin)
        part = _test_group(
            z_arr,
            rows[members, lo : hi + 1],
            origin_value,
            skip_start,
            far_fraction,
            smooth,
            confirm,
            min_window,
            max_window,
            n_windows,
        )
        part["origin"] = np.full(members.size, origin_value)
        results.append((members, part))
    widths: dict[str, int] = {}
    for _, part in results:
        for name, values in part.items():
            if values.ndim == 2:
                widths[name] = max(widths.get(name, 1), values.shape[1])
    for name in (*_POINT_FIELDS, *_UNRESOLVED_FIELDS, "forbidden_low", "forbidden_high"):
        arrays[name] = np.full((total, widths.get(name, 1)), np.nan)
    for name in ("point_ill_posed", "marginal"):
        arrays[name] = np.zeros((total, widths.get(name, 1)), dtype=bool)
    for name in ("far_end_force", "analysed_low", "analysed_high"):
        arrays[name] = np.full(total, np.nan)
    arrays["decayed"] = np.ones(total, dtype=bool)
    for members, part in results:
        for name, values in part.items():
            if values.ndim == 2:
                arrays[name][members, : values.shape[1]] = values
            else:
                arrays[name][members] = values
    keep = {
        "points": int(np.max(arrays["count"], initial=0)),
        "ranges": int(np.max(np.isfinite(arrays["forbidden_low"]).sum(axis=1), initial=0)),
        "unresolved": int(np.max(np.isfinite(arrays["unresolved_z"]).sum(axis=1), initial=0)),
    }
    fields: dict[str, object] = {}
    for name, values in arrays.items():
        if values.ndim == 2:
            kind = (
                "ranges"
                if name.startswith("forbidden")
                else "unresolved"
                if name.startswith("unresolved")
                else "points"
            )
            values = values[:, : max(keep[kind], 1)]
        fields[name] = values.reshape(shape + values.shape[1:])
    return WellPosednessBatch(
        **fields,  # type: ignore[arg-type]
        origin_source=source,
        failure=failure.astype(str).reshape(shape),
    )
