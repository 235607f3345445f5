"""Robustness of the deconvolution methods to noise and calibration errors: Figs 12-14 (bodies
in :mod:`~fmdecon.robustness.figures`, registry entries and captions in
:mod:`~fmdecon.robustness.catalog` and ``captions/``) and the Markdown summary
(:mod:`~fmdecon.robustness.summary`) of a perturbed study (docs/physics.md sections 7-8).

Reads the perturbed metric cubes of :func:`fmdecon.study.compute.deconvolve_perturbed` merged by
:func:`fmdecon.study.merge`. Needs the ``study`` extra and matplotlib; ``import fmdecon`` does
not import this package. The figures are drawn and written by :mod:`fmdecon.plot`.
"""

from __future__ import annotations

__all__ = ["catalog", "figures", "summary"]
