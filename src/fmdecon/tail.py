"""Truncated curves (docs/physics.md section 13.1): where a deconvolved force
depends on the unknown continuation of Δf beyond the far end, and a tail model that supplies
that continuation.

Every method needs Δf(z') for all z' above the point it reconstructs. A curve whose Δf has
not decayed at its far end ``z_end`` leaves that continuation unknown (the methods take it as
zero): the force within 2A of ``z_end`` depends on it directly, and the matrix family's
causal solve carries the error down the curve in steps of 2A (spikes at ``z_end - n 2A``).
:func:`continuation_dependent` marks those points; :func:`extend_tail` fits the far part of
the curve with an exponential ``a exp(-(z - z_end)/lambda)`` and a power law
``a (s / (z - z_end + s))^n`` (van der Waals-like), keeps the better fit and extends Δf on the
grid's step until the model has decayed; the other fit's extension measures the model's
uncertainty (the spread of the two forces, added to ``force_std`` by
:func:`fmdecon.measure` with ``tail=True``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import curves, positive_scalar

__all__ = [
    "TAIL_FRACTION",
    "TailExtension",
    "TailModel",
    "continuation_dependent",
    "extend_tail",
]

#: Part of the curve's span (its far end) that the tail models are fitted to.
TAIL_FRACTION = 0.2
#: The extension stops where the model falls below this fraction of max|Δf| (or the noise).
TAIL_STOP_FRACTION = 1e-4
#: Longest extension, in multiples of the measured number of points.
TAIL_MAX_FACTOR = 20
#: Exponents the power law may take (van der Waals: 2 for a sphere, up to ~7 for a pair).
MIN_EXPONENT, MAX_EXPONENT = 0.5, 10.0
#: Half-width of a spike window of the matrix family, in grid steps (at least 5 %, at most
#: 12.5 % of 2A).
SPIKE_HALF_WIDTH_STEPS = 3
#: Spike windows only where 2A spans at least this many steps (A/d >= 4): on coarser grids
#: the spikes are not resolved, and only the last 2A is left out.
SPIKE_MIN_PERIOD_STEPS = 8


@dataclass(frozen=True)
class TailModel:
    """A fitted model of the far part of Δf.

    Attributes
    ----------
    name : str
        ``"exponential"`` (``a exp(-(z - z_end)/decay)``) or ``"power law"``
        (``a (scale / (z - z_end + scale))^exponent``).
    z_end : float
        The far end of the measured curve [m] (the models' reference point).
    parameters : dict
        ``a`` [Hz] and ``decay`` [m], or ``a`` [Hz], ``scale`` [m] and ``exponent``.
    rms : float
        rms residual of the fit [Hz] on the points fitted.
    """

    name: str
    z_end: float
    parameters: dict[str, float] = field(default_factory=dict)
    rms: float = float("nan")

    def __call__(self, z: ArrayLike) -> NDArray[np.float64]:
        """The model's Δf [Hz] at ``z`` [m]."""
        x = np.asarray(z, dtype=np.float64) - self.z_end
        p = self.parameters
        if self.name == "exponential":
            return p["a"] * np.exp(-x / p["decay"])
        return p["a"] * (p["scale"] / (x + p["scale"])) ** p["exponent"]

    def describe(self) -> str:
        """``"exponential, decay length 235 pm, rms 0.01 Hz"``."""
        from fmdecon.io.units import format_quantity

        p = self.parameters
        if self.name == "exponential":
            shape = f"decay length {format_quantity(p['decay'], 'm', 3)}"
        else:
            shape = f"exponent {p['exponent']:.3g}, scale {format_quantity(p['scale'], 'm', 3)}"
        return f"{self.name} ({shape}; fit rms {self.rms:.2g} Hz)"


@dataclass(frozen=True)
class TailExtension:
    """A curve extended beyond its far end by a tail model.

    Attributes
    ----------
    z : numpy.ndarray
        The measured grid followed by the extension [m] (the same step).
    df : numpy.ndarray
        The measured Δf followed by the better model's extension [Hz], shape (M,).
    df_alternative : numpy.ndarray or None
        The measured Δf followed by the other model's extension (None if that fit failed).
    measured : int
        Number of measured points: ``z[:measured]`` is the input grid.
    model, alternative : TailModel, TailModel or None
        The model kept (smaller rms residual) and the other.
    """

    z: NDArray[np.float64]
    df: NDArray[np.float64]
    df_alternative: NDArray[np.float64] | None
    measured: int
    model: TailModel
    alternative: TailModel | None

    def describe(self) -> str:
        """One line: the model kept, the other and the length of the extension."""
        from fmdecon.io.units import format_quantity

        added = self.z.size - self.measured
        span = format_quantity(float(self.z[-1] - self.z[self.measured - 1]), "m", 3)
        other = f"; the other: {self.alternative.describe()}" if self.alternative else ""
        return (
            f"tail model: {self.model.describe()}, extends Δf by {added} points ({span}) "
            f"beyond z = {format_quantity(self.model.z_end, 'm', 4)}{other}"
        )


def continuation_dependent(
    z: ArrayLike, amplitude: float, family: str = "matrix"
) -> NDArray[np.bool_]:
    """Points whose deconvolved force depends on Δf beyond the far end of the curve.

    Within 2A of the far end ``z_end`` for every method (its oscillation reaches past the
    end); for the matrix family (``family == "matrix"``) also the points within
    ``max(3 steps, 0.1 A)`` (at most A/4) of ``z_end - n 2A``, n = 1, 2, ..., where its
    causal solve carries the missing tail down the curve as spikes, if 2A spans at least 8
    grid steps (docs/physics.md section 13.1).

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing.
    amplitude : float
        Oscillation amplitude [m].
    family : str
        The method's family (:attr:`fmdecon.Method.family`).

    Returns
    -------
    numpy.ndarray of bool
        True where the force depends on the unknown continuation.
    """
    z = np.asarray(z, dtype=np.float64)
    amplitude = positive_scalar(amplitude, "amplitude")
    if z.size == 0:
        return np.zeros(0, dtype=bool)
    period = 2.0 * amplitude
    below_end = z[-1] - z
    mask = below_end < period
    step = float(z[-1] - z[0]) / (z.size - 1) if z.size > 1 else np.inf
    if family == "matrix" and period >= SPIKE_MIN_PERIOD_STEPS * step:
        half = min(max(SPIKE_HALF_WIDTH_STEPS * step, 0.05 * period), 0.125 * period)
        n = np.rint(below_end / period)
        mask |= (n >= 1) & (np.abs(below_end - n * period) <= half)
    return mask


def _fit_exponential(x: NDArray[np.float64], y: NDArray[np.float64]) -> dict[str, float] | None:
    """``y = a exp(-x/decay)`` by least squares, from a straight line through log|y|."""
    from scipy.optimize import curve_fit

    sign = np.sign(y[-1])
    if sign == 0 or np.any(np.sign(y) != sign):
        return None
    slope, intercept = np.polyfit(x, np.log(np.abs(y)), 1)
    if not slope < 0:
        return None
    start = (float(sign * np.exp(intercept)), float(-1.0 / slope))
    try:
        (a, decay), _ = curve_fit(
            lambda t, a, decay: a * np.exp(-t / decay), x, y, p0=start, maxfev=5000
        )
    except (RuntimeError, ValueError):
        a, decay = start
    if not (np.isfinite(a) and np.isfinite(decay) and decay > 0):
        return None
    return {"a": float(a), "decay": float(decay)}


def _fit_power(
    x: NDArray[np.float64], y: NDArray[np.float64], decay: float
) -> dict[str, float] | None:
    """``y = a (scale / (x + scale))^exponent`` by least squares, started from the local
    logarithmic slope of the exponential fit (``exponent / scale = 1 / decay``)."""
    from scipy.optimize import curve_fit

    def model(t, a, log_scale, log_exponent):
        scale, exponent = np.exp(log_scale), np.exp(log_exponent)
        return a * (scale / (t + scale)) ** exponent

    span = float(x[-1] - x[0])
    best = None
    for exponent in (2.0, 4.0, 8.0):  # starts inside [MIN_EXPONENT, MAX_EXPONENT]
        scale = max(exponent * decay, 1.01 * span)  # keeps t + scale > 0 on the fitted part
        try:
            params, _ = curve_fit(
                model,
                x,
                y,
                p0=(float(y[-1]), np.log(scale), np.log(exponent)),
                bounds=(
                    [-np.inf, np.log(-x[0] * 1.0001), np.log(MIN_EXPONENT)],
                    [np.inf, np.inf, np.log(MAX_EXPONENT)],
                ),
                maxfev=5000,
            )
        except (RuntimeError, ValueError):
            continue
        rms = float(np.sqrt(np.mean((model(x, *params) - y) ** 2)))
        if np.all(np.isfinite(params)) and (best is None or rms < best[0]):
            best = (rms, params)
    if best is None:
        return None
    a, log_scale, log_exponent = best[1]
    return {
        "a": float(a),
        "scale": float(np.exp(log_scale)),
        "exponent": float(np.exp(log_exponent)),
    }


def extend_tail(
    z: ArrayLike,
    df: ArrayLike,
    *,
    fraction: float = TAIL_FRACTION,
    df_noise: float | None = None,
    max_points: int | None = None,
) -> TailExtension:
    """Extend a truncated Δf curve beyond its far end by a fitted tail model.

    The far part of the curve (the last ``fraction`` of its z span, at least 6 points) is
    fitted with an exponential ``a exp(-(z - z_end)/decay)`` and with a power law
    ``a (scale/(z - z_end + scale))^exponent``; the fit with the smaller rms residual is
    kept. Δf is extended on the grid's mean step until the kept model falls below
    ``max(df_noise, 1e-4 max|Δf|)`` (at most ``max_points`` points, default 20 times the
    curve's). The other model gives ``df_alternative``: deconvolve both and take the spread
    of the two forces as the tail's uncertainty (docs/physics.md section 13.1). Use the
    extended curve with any method; keep the first ``measured`` points of its force.

    Parameters
    ----------
    z : array_like
        Distances [m], strictly increasing, shape (N,).
    df : array_like
        Frequency shift [Hz], shape (N,).
    fraction : float
        Part of the z span fitted (0 < fraction <= 1).
    df_noise : float, optional
        rms noise of Δf [Hz]: the extension stops below it.
    max_points : int, optional
        Most points added.

    Returns
    -------
    TailExtension

    Raises
    ------
    ValueError
        If the far part does not decay towards zero with one sign (a constant offset, a
        curve that grows, noise only): no model can extend it; the message says which.
    """
    z, df = curves(z, df, "df")
    if df.ndim != 1:
        raise ValueError(f"extend_tail takes one curve; got df.shape = {df.shape}")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1]; got fraction = {fraction!r}")
    n = z.size
    z_end = float(z[-1])
    chosen = z >= z_end - fraction * float(z[-1] - z[0])
    if chosen.sum() < 6:
        chosen[-min(6, n) :] = True
    x, y = z[chosen] - z_end, df[chosen]
    peak = float(np.max(np.abs(df)))
    if y.size < 4 or peak == 0:
        raise ValueError(f"extend_tail needs at least 4 points in the far part; got {y.size}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's OptimizeWarning on a poorly determined fit
        exponential = _fit_exponential(x, y)
        if exponential is not None and exponential["decay"] > 10.0 * float(z[-1] - z[0]):
            exponential = None  # flat: decays over more than ten times the curve's span
        power = _fit_power(x, y, exponential["decay"]) if exponential is not None else None
    if exponential is None:
        raise ValueError(
            "extend_tail: Δf does not decay towards zero with one sign over the last "
            f"{fraction:.0%} of the curve (from {y[0]:.4g} to {y[-1]:.4g} Hz): a constant "
            "offset (subtract it first), a curve that still changes sign, or noise only; "
            "no tail model fits"
        )
    models = [TailModel("exponential", z_end, exponential)]
    if power is not None:
        models.append(TailModel("power law", z_end, power))
    models = [
        TailModel(m.name, z_end, m.parameters, float(np.sqrt(np.mean((m(z[chosen]) - y) ** 2))))
        for m in models
    ]
    models.sort(key=lambda m: m.rms)
    model, alternative = models[0], (models[1] if len(models) > 1 else None)

    step = float(z[-1] - z[0]) / (n - 1)
    stop = max(float(df_noise or 0.0), TAIL_STOP_FRACTION * peak)
    limit = TAIL_MAX_FACTOR * n if max_points is None else int(max_points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        count, size = 0, max(n, 64)
        while count < limit:  # grow the extension until the model has decayed below stop
            trial = z_end + step * np.arange(1, min(size, limit) + 1)
            below = np.flatnonzero(np.abs(model(trial)) < stop)
            if below.size:
                count = int(below[0]) + 1
                break
            count = trial.size
            if size >= limit:
                break
            size *= 4
    z_added = z_end + step * np.arange(1, count + 1)
    z_ext = np.concatenate([z, z_added])
    df_ext = np.concatenate([df, model(z_added)])
    df_alt = np.concatenate([df, alternative(z_added)]) if alternative is not None else None
    return TailExtension(z_ext, df_ext, df_alt, n, model, alternative)
