"""Shared rescaling exponents of a batch of curves (docs/physics.md section 3.3).

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


def floor_exponents(gammas: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Exponents floored to multiples of ``GROUP_QUANTUM / n`` (``n`` grid points)."""
    return np.floor(np.asarray(gammas) * n / GROUP_QUANTUM) * GROUP_QUANTUM / n


def floor_exponent(gamma: float, n: int) -> float:
    """:func:`floor_exponents` for one exponent."""
    return math.floor(gamma * n / GROUP_QUANTUM) * GROUP_QUANTUM / n
