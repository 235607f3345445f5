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
:func:`inflection_point_exact` gives the exact values for a force given as a function.
:meth:`WellPosedness.decide` gives the :class:`Verdict` at one amplitude: well-posed,
ill-posed at this amplitude, or undecided, with the reason (the amplitude forbidden for
some S of the 95 % interval only; a candidate inflection point not resolved above the
noise that could forbid it; a force that has not decayed within the curve, so that an
inflection point beyond it cannot be excluded).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curve, finite_array, grid

__all__ = [
    "InflectionPoint",
    "Verdict",
    "WellPosedness",
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


def _at(point: InflectionPoint, amplitude: float, max_force: float) -> str:
    """Whether ``point`` forbids ``amplitude``: ``"forbidden"`` for every S of its 95 %
    interval, ``"possible"`` for some of them, ``"no"`` for none.

    With ``sqrt(-F'/F''') = (z_i/2) / sqrt(-S)`` (z_i from the origin), the point forbids A
    when ``-S > 1``, ``-S >= (z_i / 2A)^2`` (A at or above ``sqrt(-F'/F''')``; and
    ``A <= z_i/2``) and the force jump ``sqrt(-F'/F''') |F'|`` exceeds 0.1 max|F|, i.e.
    ``-S < (z_i |F'| / (2 * 0.1 max|F|))^2``: a range of -S, compared with the interval.
    """
    high = point.amplitude_high
    if not 0.0 < amplitude <= high:
        return "no"
    threshold = _ILL_POSED_JUMP * max_force
    need_low = max(1.0, (high / amplitude) ** 2)
    need_high = (high * abs(point.dforce) / threshold) ** 2 if threshold > 0 else np.inf
    have_low, have_high = -point.S_interval[1], -point.S_interval[0]
    if need_low >= need_high or have_high < need_low or have_low >= need_high:
        return "no"
    if have_low > 1.0 and have_low >= need_low and have_high < need_high:
        return "forbidden"
    return "possible"


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
    derivs = [signal.savgol_filter(f_u, window, 3, deriv=m, delta=d) for m in (1, 2, 3)]
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
