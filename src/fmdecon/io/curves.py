"""The data model of measured curves: :class:`Spectroscopy`, the sweeps of one spectroscopy
on one z grid, as the readers return it. Numpy only; SI units (z [m], Δf [Hz], f0 [Hz],
amplitude [m], k [N/m]).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["Spectroscopy"]


@dataclass(frozen=True)
class Spectroscopy:
    """A measured frequency-shift curve (one or several sweeps on one z grid), SI units.

    Attributes
    ----------
    z : numpy.ndarray
        Tip-sample distance [m], strictly increasing, up to an unknown constant (shape (N,)).
    df : numpy.ndarray
        Frequency shift [Hz], shape (n_sweeps, N), rows in the order of ``sweeps``.
    sweeps : tuple of str
        Sweep names (e.g. ``"AVG"``, ``"00001"``, ``"AVG bwd"``, ``"fwd"``, ``"fwd filt"``).
    f0 : float or None
        Resonance frequency [Hz] if known.
    amplitude : float or None
        Oscillation amplitude (set-point) [m] if known.
    k : float or None
        Spring constant [N/m] if the file states it (never for Nanonis files).
    metadata : mapping
        Header key -> value (strings; last value for duplicate keys).
    duplicates : mapping
        Header keys that occurred more than once -> all their values, in file order.
    source : mapping
        For ``z``, ``df``, ``f0``, ``amplitude`` and ``k``: where the value came from.
    orientation : str
        How the file's z column was mapped onto the distance ``z``.
    path : str
        The file read.
    """

    z: NDArray[np.float64]
    df: NDArray[np.float64]
    sweeps: tuple[str, ...]
    f0: float | None
    amplitude: float | None
    metadata: Mapping[str, str]
    source: Mapping[str, str]
    orientation: str
    path: str = ""
    k: float | None = None
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def sweep(self, name: str) -> NDArray[np.float64]:
        """Frequency shift [Hz] of the sweep called ``name``."""
        try:
            return self.df[self.sweeps.index(name)]
        except ValueError:
            raise ValueError(
                f"no sweep {name!r} in {self.path}; sweeps: {', '.join(self.sweeps)}"
            ) from None
