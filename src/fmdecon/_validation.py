"""Input checks shared by the public functions.

Every check raises :class:`ValueError` with a message that names the argument and the
offending value, so that a user can see at once what to fix.
"""

from __future__ import annotations

import contextlib
import contextvars
import numbers
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

# --------------------------------------------------------------------------------------------
# Grid uniformity: the one home of "is this grid uniform / an exact lattice". Each tolerance is
# a named choice, from the loosest to the strictest; :func:`is_uniform` tests any of them,
# :func:`is_lattice` the rounding of a grid's own values, :func:`uniform_step` validates.
# --------------------------------------------------------------------------------------------

#: Largest relative deviation of the spacing from its mean that still counts as uniform for
#: the methods that need a uniform grid (the matrix method; matrix_exact's uniform spline).
UNIFORM_RTOL = 1e-6
#: Largest deviation of a step from the mean step, relative to it, up to which the FFT paths
#: of Sader-Jarvis (force, noise) and of its energy formula are exact to rounding (one kernel
#: for every sample); a grid uniform only to :data:`UNIFORM_RTOL` takes the direct sums.
FFT_UNIFORM_RTOL = 1e-10
#: Largest deviation of any step from the mean step, relative to it, up to which a batch of
#: curves is deconvolved as on an exact lattice (one shift-invariant operator for all rows):
#: rows then equal the single calls, which use the grid's own values, to < 1e-12 of their
#: largest value (measured: a deviation of ~1.5 times the step jitter).
BATCH_STEP_RTOL = 6e-13
#: :func:`is_lattice`: steps within this fraction of the mean step ...
LATTICE_RTOL = 1e-11
#: ... or within this many machine epsilons of max|z| (the rounding of the values themselves).
LATTICE_EPS = 16.0
#: Jitter, relative to max|z|, of a uniform grid whose values were printed to six significant
#: digits (each value is rounded by up to 5e-6 |z|, a step by up to 1e-5 max|z|). A grid within
#: it (steps and positions) also counts as uniform for :func:`uniform_step`.
PRINTED_JITTER = 1e-5
#: ... but only while the steps deviate by at most this fraction of the mean step.
PRINTED_JITTER_MAX_RTOL = 1e-2
#: :func:`snap_grid`: a grid whose every point is within this fraction of a step (and within
#: ``PRINTED_JITTER * max|z|``) of ``linspace(z[0], z[-1], N)`` is uniform to its printed
#: digits: rounding to a quantum q <= step moves a point by at most q/2 (a coarser quantum
#: would merge neighbours, which :func:`grid` refuses).
SNAP_STEP_FRACTION = 0.5
#: Measured time of one direct O(N^2) kernel sum [s per N^2] (Sader-Jarvis's force, its row
#: norms or its energy on a non-uniform grid, one curve; 2 cores, 2026-12, ~1.2e-8 unloaded,
#: rounded up), from which :func:`check_direct_sum` estimates the time before starting.
DIRECT_SUM_SECONDS = 1.5e-8
#: Longest estimated direct sum [s] run without asking (:func:`direct_sum_limit`).
DIRECT_SUM_LIMIT = 60.0
_DIRECT_SUM_LIMIT: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fmdecon_direct_sum_limit", default=DIRECT_SUM_LIMIT
)


class LongComputationError(ValueError):
    """A direct O(N^2) sum on a long non-uniform grid would take longer than the limit
    (:func:`direct_sum_limit`); raised before any of it is done."""


class SnappedGrid(NamedTuple):
    """What :func:`snap_grid` returns."""

    z: NDArray[np.float64]
    """The grid: ``linspace(z[0], z[-1], N)`` if snapped, else ``z`` unchanged [m]."""
    deviation: float
    """Largest ``|z - linspace(z[0], z[-1], N)|`` [m] of the grid given."""
    snapped: bool
    """Whether ``z`` was replaced by the lattice (uniform to its printed digits, not already
    a lattice)."""


def lattice_deviation(z: NDArray[np.float64]) -> tuple[float, int]:
    """Largest distance [m] of ``z`` from ``linspace(z[0], z[-1], N)`` and where it is."""
    lattice = np.linspace(z[0], z[-1], z.size)
    distance = np.abs(z - lattice)
    worst = int(np.argmax(distance))
    return float(distance[worst]), worst


def snap_grid(z: ArrayLike) -> SnappedGrid:
    """Snap a grid that is uniform up to the digits it was printed with onto the lattice.

    A z column printed with a few digits (a CSV, a six-digit Nanonis export) or a long
    ``numpy.linspace`` is uniform only to that rounding: its steps jitter, and the
    Sader-Jarvis sums would take the direct O(N^2) way. If every point lies within
    ``SNAP_STEP_FRACTION`` of a step and within ``PRINTED_JITTER * max|z|`` (six significant
    digits) of ``linspace(z[0], z[-1], N)``, that lattice is returned (every method then
    takes its O(N log N) or banded path); the deviation is the size of the rounding undone.

    Parameters
    ----------
    z : array_like
        Strictly increasing grid [m], at least 3 points.

    Returns
    -------
    SnappedGrid
        ``(z, deviation, snapped)``: the lattice and ``snapped=True`` if ``z`` is uniform to
        its printed digits and not already a lattice (:func:`is_lattice`); otherwise ``z``
        unchanged and ``snapped=False``. ``deviation`` [m] is the largest distance of the
        given points from the lattice either way.

    Raises
    ------
    ValueError
        If ``z`` is not a strictly increasing finite 1-D grid of at least 3 points.
    """
    checked = grid(z)
    deviation, _ = lattice_deviation(checked)
    if is_lattice(checked):
        return SnappedGrid(checked, deviation, False)
    step = (checked[-1] - checked[0]) / (checked.size - 1)
    limit = min(SNAP_STEP_FRACTION * step, PRINTED_JITTER * float(np.max(np.abs(checked))))
    if deviation <= limit:
        return SnappedGrid(np.linspace(checked[0], checked[-1], checked.size), deviation, True)
    return SnappedGrid(checked, deviation, False)


def fft_uniform(z: NDArray[np.float64]) -> bool:
    """Whether the Sader-Jarvis sums on ``z`` take their FFT paths (one kernel for every
    sample): every step within ``FFT_UNIFORM_RTOL`` of the mean step, or a lattice to the
    rounding of its own values (:func:`is_lattice`: a long ``numpy.linspace``, whose values'
    rounding exceeds ``FFT_UNIFORM_RTOL`` of a step beyond N ~ 1e6)."""
    return is_uniform(z, FFT_UNIFORM_RTOL) or is_lattice(z)


@contextlib.contextmanager
def direct_sum_limit(seconds: float | None) -> Iterator[None]:
    """Set the longest estimated direct O(N^2) sum that runs (default ``DIRECT_SUM_LIMIT``).

    The Sader-Jarvis force, noise and energy on a grid that is not uniform (nor uniform to
    its printed digits, :func:`snap_grid`) are direct sums; beyond the limit they raise
    :class:`LongComputationError` before starting. ``None`` lifts the limit::

        with fmdecon.direct_sum_limit(None):
            force = fmdecon.sader_jarvis(z, df, amplitude, k, f0)

    Parameters
    ----------
    seconds : float or None
        The limit [s] inside the ``with`` block; None for no limit.
    """
    if seconds is not None:
        seconds = positive_scalar(seconds, "seconds")
    token = _DIRECT_SUM_LIMIT.set(seconds)
    try:
        yield
    finally:
        _DIRECT_SUM_LIMIT.reset(token)


def direct_sum_seconds(n: int, rows: int = 1) -> float:
    """Estimated time [s] of one direct kernel sum over ``n`` points for ``rows`` curves
    (each kernel block is built once for all rows; a row adds about an eighth)."""
    return DIRECT_SUM_SECONDS * float(n) ** 2 * (1.0 + (rows - 1) / 8.0)


def check_direct_sum(z: NDArray[np.float64], what: str, rows: int = 1) -> float:
    """Return the estimated time [s] of a direct sum on ``z``, or raise
    :class:`LongComputationError` before it starts if that is above the limit
    (:func:`direct_sum_limit`), naming N, the estimate and what to do instead."""
    seconds = direct_sum_seconds(z.size, rows)
    limit = _DIRECT_SUM_LIMIT.get()
    if limit is None or seconds <= limit:
        return seconds
    step = (z[-1] - z[0]) / (z.size - 1)
    deviation, worst = lattice_deviation(z)
    snapped = snap_grid(z)
    advice = (
        f"it is uniform to its printed digits (at most {deviation:.3g} m from the lattice): "
        "snap it first, z = fmdecon.snap_grid(z).z"
        if snapped.snapped
        else "resample df onto a uniform grid first, z_u = numpy.linspace(z[0], z[-1], "
        "len(z)); df_u = numpy.interp(z_u, z, df)"
    )
    raise LongComputationError(
        f"{what}: z is not uniform (z[{worst}] is {deviation / step:.3g} steps from "
        f"numpy.linspace(z[0], z[-1], {z.size})), so the sum is direct, O(N^2): for N = "
        f"{z.size} an estimated {seconds:.3g} s, above the limit of {limit:g} s; {advice} "
        "(or allow it: with fmdecon.direct_sum_limit(None): ...)"
    )


def positive_scalar(value: object, name: str) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value.item()
        else:
            raise ValueError(f"{name} must be a positive real number; got {value!r}")
    out = float(value)
    if not np.isfinite(out) or out <= 0:
        cause = (
            "negative: a sign typo?"
            if out < 0
            else "zero: a value left out?"
            if out == 0
            else "not finite: a failed computation upstream?"
        )
        raise ValueError(f"{name} must be a finite number > 0; got {name} = {out!r} ({cause})")
    return out


def sensor(
    amplitude: object, k: object, f0: object, z: NDArray[np.float64] | None = None
) -> tuple[float, float, float]:
    """Check the oscillation amplitude [m], spring constant [N/m] and frequency [Hz].

    With the (checked) grid ``z`` [m], also the cheap plausibility of the amplitude on it
    (:func:`fmdecon.plausibility.check_method_arguments`): the one check every method runs
    before it allocates. Its errors raise :class:`fmdecon.ImplausibleInputError` (a
    ValueError) naming ``amplitude``; its warnings are :class:`fmdecon.PlausibilityWarning`.
    """
    values = (
        positive_scalar(amplitude, "amplitude"),
        positive_scalar(k, "k"),
        positive_scalar(f0, "f0"),
    )
    if z is not None:
        from fmdecon.plausibility import check_method_arguments, enforce

        enforce(check_method_arguments(z, values[0]), stacklevel=3)
    return values


def finite_array(values: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``values`` as a 1-D float64 array, or raise on wrong shape or non-finite entries."""
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a 1-D array of real numbers; got {values!r}") from exc
    if out.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {out.shape}")
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{name} must be finite; {name}[{i}] = {float(out[i])!r} "
            f"({bad.size} non-finite value(s))"
        )
    return out


def grid(z: ArrayLike, name: str = "z", minimum: int = 3) -> NDArray[np.float64]:
    """Check a distance grid: 1-D, finite, strictly increasing, at least ``minimum`` points."""
    out = finite_array(z, name)
    if out.size < minimum:
        raise ValueError(f"{name} needs at least {minimum} points; got {out.size}")
    steps = np.diff(out)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        raise ValueError(
            f"{name} must be strictly increasing (z is the lower turnaround point, closest "
            f"first); {name}[{i}] = {float(out[i])!r} <= {name}[{i - 1}] = {float(out[i - 1])!r}"
        )
    return out


def curve(
    z: ArrayLike, values: ArrayLike, name: str, z_name: str = "z"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check a grid and a curve sampled on it (same length, finite)."""
    z_checked = grid(z, z_name)
    values_checked = finite_array(values, name)
    if values_checked.size != z_checked.size:
        raise ValueError(
            f"{name} and {z_name} must have the same length; got len({name}) = "
            f"{values_checked.size} and len({z_name}) = {z_checked.size}"
        )
    return z_checked, values_checked


def _printed_uniform(z: NDArray[np.float64], step: float, worst: float) -> bool:
    """Whether ``z`` is a uniform grid up to the rounding of values printed to six digits.

    Rounding does not accumulate: every step and every point's distance from
    ``linspace(z[0], z[-1], N)`` must be within ``PRINTED_JITTER * max|z|``, and no step may
    deviate from the mean by more than ``PRINTED_JITTER_MAX_RTOL`` of it.
    """
    if worst > PRINTED_JITTER_MAX_RTOL:
        return False
    limit = PRINTED_JITTER * float(np.max(np.abs(z)))
    uniform = z[0] + step * np.arange(z.size, dtype=np.float64)
    return bool(
        np.max(np.abs(np.diff(z) - step)) <= limit and np.max(np.abs(z - uniform)) <= limit
    )


def uniform_step(z: NDArray[np.float64], method: str) -> float:
    """Return the step of a uniform grid, or raise naming the largest deviation.

    Uniform means every step within ``UNIFORM_RTOL`` of the mean step, or a uniform grid
    whose values were rounded to six significant digits (see :func:`_printed_uniform`; e.g. a
    Nanonis file's z column): the mean step ``(z[-1] - z[0]) / (N - 1)`` is returned.
    """
    steps = np.diff(z)
    step = (z[-1] - z[0]) / (z.size - 1)
    deviation = np.abs(steps - step) / step
    worst = int(np.argmax(deviation))
    if deviation[worst] > UNIFORM_RTOL and not _printed_uniform(z, step, deviation[worst]):
        raise ValueError(
            f"{method} needs a uniform grid z; the spacing z[{worst + 1}] - z[{worst}] = "
            f"{float(steps[worst])!r} m differs from the mean spacing {float(step)!r} m by "
            f"{deviation[worst]:.3g} (relative). Resample the frequency shift onto a uniform "
            f"grid first, e.g. z_u = numpy.linspace(z[0], z[-1], len(z)); "
            f"df_u = numpy.interp(z_u, z, df)"
        )
    return float(step)


def is_uniform(z: NDArray[np.float64], rtol: float) -> bool:
    """True if every step of ``z`` is within ``rtol`` of the mean step, relative to it.

    Purely relative to the step. With :data:`BATCH_STEP_RTOL` it is the test of the batched
    paths that treat the grid as an exact lattice (Sader-Jarvis's one correlation, the
    operators of ``matrix_exact`` and ``matrix_resampled``), so that a grid far from zero
    (z ~ 1 um with pm steps), whose values' rounding is a large part of a step, goes the
    per-curve way; with :data:`FFT_UNIFORM_RTOL` the test of the Sader-Jarvis FFT paths; with
    :data:`UNIFORM_RTOL` that of matrix_exact's uniform spline.
    """
    step = (z[-1] - z[0]) / (z.size - 1)
    return bool(np.max(np.abs(np.diff(z) - step)) <= rtol * step)


def is_lattice(z: NDArray[np.float64]) -> bool:
    """True if ``z`` is uniform to the rounding of its own values (as ``numpy.linspace``
    makes it): within ``max(LATTICE_RTOL step, LATTICE_EPS eps max|z|)`` of its mean step
    everywhere.

    Computations that treat a grid's operator as exactly shift-invariant (Toeplitz) need
    this; a grid that is only nearly uniform (values rounded to a few digits, jitter within
    ``UNIFORM_RTOL``) is handled by the general, exact paths.
    """
    step = (z[-1] - z[0]) / (z.size - 1)
    rounding = LATTICE_EPS * np.finfo(np.float64).eps * float(np.max(np.abs(z)))
    return bool(np.max(np.abs(np.diff(z) - step)) <= max(LATTICE_RTOL * step, rounding))


def same_length(
    first: ArrayLike, second: ArrayLike, names: tuple[str, str]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return two 1-D float arrays of equal length (NaN allowed), or raise."""
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    for arr, name in zip((a, b), names, strict=True):
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional; got shape {arr.shape}")
    if a.size != b.size:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same length; got {a.size} and {b.size}"
        )
    return a, b


def curves(
    z: ArrayLike, values: ArrayLike, name: str, z_name: str = "z"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check a grid and one curve (shape ``(N,)``) or a batch of curves (``(..., N)``) on it.

    1-D input goes through :func:`curve` unchanged; for batched input the same checks are
    made along the last axis (its length must be that of the grid, every value finite), and
    an error names the full index of the first offending value, e.g. ``df[1, 3] = nan``.
    """
    try:
        out = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return curve(z, values, name, z_name)  # raises, naming the argument
    if out.ndim <= 1:
        return curve(z, values, name, z_name)
    z_checked = grid(z, z_name)
    if out.shape[-1] != z_checked.size:
        raise ValueError(
            f"{name} must have the length of {z_name} along its last axis; got {name}.shape = "
            f"{out.shape} and len({z_name}) = {z_checked.size}"
        )
    if not np.isfinite(out).all():  # the cheap check first; the index only on failure
        bad = np.argwhere(~np.isfinite(out))
        i = tuple(int(v) for v in bad[0])
        raise ValueError(
            f"{name} must be finite; {name}[{', '.join(map(str, i))}] = {float(out[i])!r} "
            f"({bad.shape[0]} non-finite value(s))"
        )
    return z_checked, out
