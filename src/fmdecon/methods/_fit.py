"""The result of a method whose operator depends on the data (a strength chosen per curve)."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray


class MethodFit(NamedTuple):
    """A deconvolution with its uncertainty, as the ``fit`` capability of a method returns it.

    Attributes
    ----------
    force : numpy.ndarray
        Force [N], shape of the frequency shift.
    force_std : numpy.ndarray
        Standard deviation of the force [N] for the noise used (exact for the strength chosen).
    force_bias : numpy.ndarray
        Estimated magnitude of the systematic (smoothing) error of the force [N].
    info : dict
        Per-curve values of the fit (e.g. ``strength``, ``df_noise`` [Hz]).
    """

    force: NDArray[np.float64]
    force_std: NDArray[np.float64]
    force_bias: NDArray[np.float64]
    info: dict[str, Any]
