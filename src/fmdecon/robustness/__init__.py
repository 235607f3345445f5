"""Robustness of the deconvolution methods to noise and calibration errors: the figures
(:mod:`~fmdecon.robustness.figures`, Figs 12-14) and the Markdown summary
(:mod:`~fmdecon.robustness.summary`) of a perturbed study (docs/physics.md sections 7-8).

Reads the perturbed metric cubes of :func:`fmdecon.study.compute.deconvolve_perturbed` merged by
:func:`fmdecon.study.merge`. Needs the ``study`` extra and matplotlib; ``import fmdecon`` does
not import this package.
"""

from __future__ import annotations

__all__ = ["figures", "summary"]
