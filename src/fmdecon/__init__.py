"""fmdecon: force deconvolution for frequency-modulation atomic force microscopy.

Exact forward models (Morse, Lennard-Jones, any force by quadrature), the Sader-Jarvis and
matrix deconvolution methods, and the quality measures of Welker, Illek & Giessibl,
Beilstein J. Nanotechnol. 3, 238 (2012). SI units throughout; ``z`` is the lower turnaround
point of the oscillation, strictly increasing.
"""

from __future__ import annotations

from importlib import metadata

from fmdecon.forces import (
    FORCE_LAWS,
    ForceLaw,
    LennardJones,
    Morse,
    exponential_frequency_shift,
    force_law,
    power_law_frequency_shift,
)
from fmdecon.forward import QuadratureWarning, frequency_shift
from fmdecon.methods import METHODS, deconvolve
from fmdecon.methods.matrix import (
    SmallAmplitudeWarning,
    matrix_alpha,
    matrix_method,
    matrix_weights,
)
from fmdecon.methods.matrix_exact import exact_cell_weights, matrix_exact
from fmdecon.methods.matrix_resampled import matrix_resampled
from fmdecon.methods.sader_jarvis import sader_jarvis, sqre, t_exact, t_sader_jarvis
from fmdecon.metrics import cod, force_minimum_deviation, residuals

try:
    __version__ = metadata.version("fmdecon")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "FORCE_LAWS",
    "METHODS",
    "ForceLaw",
    "LennardJones",
    "Morse",
    "QuadratureWarning",
    "SmallAmplitudeWarning",
    "__version__",
    "cod",
    "deconvolve",
    "exact_cell_weights",
    "exponential_frequency_shift",
    "force_law",
    "force_minimum_deviation",
    "frequency_shift",
    "matrix_alpha",
    "matrix_exact",
    "matrix_method",
    "matrix_resampled",
    "matrix_weights",
    "power_law_frequency_shift",
    "residuals",
    "sader_jarvis",
    "sqre",
    "t_exact",
    "t_sader_jarvis",
]
