"""Rescaling exponents shared by the FFT paths (docs/physics.md sections 2.3, 3.3).

The FFT solves of the matrix family and the Sader-Jarvis correlation flatten each curve by
``exp(gamma i)`` before transforming it (any gamma gives the same sums; gamma only decides the
rounding). In a batch, rows whose exponents agree to ``GROUP_QUANTUM / N`` share one: the
exponent is floored to such a multiple, which changes a row's flattened dynamic range by less
than ``e^GROUP_QUANTUM`` (~55: the rounding, relative to the row's own values, stays ~1e-14)
and never raises it. Noisy copies of one curve then fall into a few groups, each needing one
transform of its kernel or inverse series.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

#: Log-range by which the rescaling exponents of a batch's rows may differ.
GROUP_QUANTUM = 4.0
#: Largest exponent ``gamma N`` of a rescaling, well inside the float64 range.
MAX_LOG_SCALE = 600.0


def floor_exponents(gammas: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Exponents floored to multiples of ``GROUP_QUANTUM / n`` (``n`` grid points)."""
    return np.floor(np.asarray(gammas) * n / GROUP_QUANTUM) * GROUP_QUANTUM / n


def floor_exponent(gamma: float, n: int) -> float:
    """:func:`floor_exponents` for one exponent."""
    return math.floor(gamma * n / GROUP_QUANTUM) * GROUP_QUANTUM / n


def envelope_exponent(envelope: NDArray[np.float64]) -> float | None:
    """Rescaling exponent gamma of one curve whose non-increasing envelope (running maximum
    of ``|values|`` from the far end) is ``envelope``; None if the curve is zero. The
    exponent of the Sader-Jarvis correlation and of its energy formula: the mean log-decay of
    the envelope, clipped to ``[0, MAX_LOG_SCALE / N]`` and rounded to two digits."""
    n = envelope.size
    last = int(np.flatnonzero(envelope > 0)[-1]) if envelope[0] > 0 else -1
    if last < 0:
        return None
    gamma = 0.0
    if last > 0:
        gamma = np.log(envelope[0] / envelope[last]) / last
        gamma = float(f"{min(max(gamma, 0.0), MAX_LOG_SCALE / n):.2g}")
    return gamma
