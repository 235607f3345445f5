"""fmdecon: force deconvolution for frequency-modulation atomic force microscopy.

SI units throughout; ``z`` is the lower turnaround point of the oscillation, strictly
increasing; outputs keep the length of ``z`` (NaN where a method is undefined). The physics of
every function: docs/physics.md. This core needs numpy and scipy only; the study, the figures
and the tools live in :mod:`fmdecon.study`, :mod:`fmdecon.figures` (with :mod:`fmdecon.plot`,
:mod:`fmdecon.welker2012`, :mod:`fmdecon.beyond`, :mod:`fmdecon.robustness`),
:mod:`fmdecon.measurement`, :mod:`fmdecon.diff` and the command line (extras
``fmdecon[study,plot,pipeline]``). Every name below is in ``__all__``.

Force laws and forward model (docs/physics.md section 1)
    Morse, LennardJones            -- model forces with closed-form frequency shifts
    ForceLaw                       -- the base of the force laws (force, frequency shift)
    FORCE_LAWS, force_law          -- registry of force laws
    frequency_shift                -- frequency shift of any force law by quadrature
    QuadratureWarning              -- the quadrature of frequency_shift did not converge
    exponential_frequency_shift    -- closed form for F0 exp(-lambda z)
    power_law_frequency_shift      -- closed form for C z^-n

Deconvolution methods (sections 2, 3, 6, 12)
    sader_jarvis                   -- Sader & Jarvis (2004), any grid
    matrix_method                  -- Giessibl (2001), as published (alpha = round(A/d))
    matrix_resampled               -- matrix method at an integer A/d >= 50 (the paper's advice)
    matrix_exact                   -- matrix method with exact cell weights (nothing rounded)
    regularized, regularized_fit   -- exact weights with Tikhonov smoothing chosen per curve;
                                      the fit adds exact std, bias bound and strength
    MethodFit                      -- what regularized_fit (a method's ``fit``) returns
    white_noise_rms                -- rms of white noise on a smooth curve (per curve)
    METHODS, deconvolve            -- registry of methods; call one by name
    Method, register_method        -- a registry entry and its capabilities; add a method
    matrix_alpha, matrix_weights, exact_cell_weights -- the matrix methods' bands
    SmallAmplitudeWarning, CoarseGridWarning -- A/d < 1; A/d below the advised 50

Quality measures (section 4)
    cod, residuals, force_minimum_deviation
    t_exact, t_sader_jarvis, sqre  -- T(x), its Sader-Jarvis approximation, and their error

Noise (section 7)
    force_noise                    -- exact force standard deviation for white df noise

Energy and well-posedness (sections 9, 10)
    sader_jarvis_energy            -- potential energy by the Sader-Jarvis formula
    force_integral_energy          -- potential energy by integrating a force
    inflection_point_test          -- Sader et al. (2018) well-posedness test of a force curve
    inflection_point_exact         -- the same for an analytic force
    inflection_point_batch, WellPosednessBatch -- the same test of a batch of curves, vectorised
    WellPosedness, InflectionPoint -- the test's result and its inflection points

Measured curves (section 11)
    read_curve, read_nanonis, read_table, write_table -- read (any format) and write curves
    Spectroscopy, CurveSet         -- one measured curve; a set of curves of any shape
    measure, Measurement           -- a measured file to forces with error bars and verdicts
    check_inputs                   -- plausibility of a curve and its sensor values
    PlausibilityWarning, ImplausibleInputError -- implausible input (a unit mistake?)
    extend_tail, TailExtension, TailModel -- a truncated curve extended by a fitted tail
    continuation_dependent         -- points whose force depends on Δf beyond the far end
    snap_grid, SnappedGrid         -- a grid uniform to its printed digits onto its lattice
    LongComputationError, direct_sum_limit -- refusal of (and the limit on) a long O(N^2) sum

Version
    __version__                    -- the installed version
"""

from __future__ import annotations

from fmdecon._validation import (
    LongComputationError,
    SnappedGrid,
    direct_sum_limit,
    snap_grid,
)
from fmdecon._version import __version__
from fmdecon.energy import force_integral_energy, sader_jarvis_energy
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
from fmdecon.io import CurveSet, Spectroscopy, read_curve, read_nanonis, read_table, write_table
from fmdecon.measurement.pipeline import Measurement, measure
from fmdecon.methods import METHODS, Method, MethodFit, deconvolve, register_method
from fmdecon.methods.matrix import (
    CoarseGridWarning,
    SmallAmplitudeWarning,
    matrix_alpha,
    matrix_method,
    matrix_weights,
)
from fmdecon.methods.matrix_exact import exact_cell_weights, matrix_exact
from fmdecon.methods.matrix_resampled import matrix_resampled
from fmdecon.methods.regularized import regularized, regularized_fit, white_noise_rms
from fmdecon.methods.sader_jarvis import sader_jarvis, sqre, t_exact, t_sader_jarvis
from fmdecon.metrics import cod, force_minimum_deviation, residuals
from fmdecon.noise import force_noise
from fmdecon.plausibility import ImplausibleInputError, PlausibilityWarning, check_inputs
from fmdecon.tail import TailExtension, TailModel, continuation_dependent, extend_tail
from fmdecon.wellposedness import (
    InflectionPoint,
    WellPosedness,
    WellPosednessBatch,
    inflection_point_batch,
    inflection_point_exact,
    inflection_point_test,
)

__all__ = [
    "FORCE_LAWS",
    "METHODS",
    "CoarseGridWarning",
    "CurveSet",
    "ForceLaw",
    "ImplausibleInputError",
    "InflectionPoint",
    "LennardJones",
    "LongComputationError",
    "Measurement",
    "Method",
    "MethodFit",
    "Morse",
    "PlausibilityWarning",
    "QuadratureWarning",
    "SmallAmplitudeWarning",
    "SnappedGrid",
    "Spectroscopy",
    "TailExtension",
    "TailModel",
    "WellPosedness",
    "WellPosednessBatch",
    "__version__",
    "check_inputs",
    "cod",
    "continuation_dependent",
    "deconvolve",
    "direct_sum_limit",
    "exact_cell_weights",
    "exponential_frequency_shift",
    "extend_tail",
    "force_integral_energy",
    "force_law",
    "force_minimum_deviation",
    "force_noise",
    "frequency_shift",
    "inflection_point_batch",
    "inflection_point_exact",
    "inflection_point_test",
    "matrix_alpha",
    "matrix_exact",
    "matrix_method",
    "matrix_resampled",
    "matrix_weights",
    "measure",
    "power_law_frequency_shift",
    "read_curve",
    "read_nanonis",
    "read_table",
    "register_method",
    "regularized",
    "regularized_fit",
    "residuals",
    "sader_jarvis",
    "sader_jarvis_energy",
    "snap_grid",
    "sqre",
    "t_exact",
    "t_sader_jarvis",
    "white_noise_rms",
    "write_table",
]
