"""The noise and calibration figures (Figs 12-14) in the figure registry
:data:`fmdecon.figures.FIGURES`: one entry per figure, its caption for the HTML report in
``captions/<stem>.rst`` beside this module, its body in :mod:`fmdecon.robustness.figures`.

Data only, cheap to import (the workflow reads the registry while building its job graph).
"""

from __future__ import annotations

from pathlib import Path

from fmdecon.plot import CALIBRATION, NOISE, FigureEntry

__all__ = ["ENTRIES"]

CAPTIONS = Path(__file__).resolve().parent / "captions"


def _figure(stem: str, body: str, title: str, study: str) -> FigureEntry:
    return FigureEntry(
        stem,
        f"fmdecon.robustness.figures:{body}",
        title,
        CAPTIONS / f"{stem}.rst",
        studies=(study,),
    )


#: Figs 12 and 13 for studies with a noise level > 0, Fig. 14 for a swept calibration error.
ENTRIES: tuple[FigureEntry, ...] = (
    _figure(
        "fig12_noise_force_std",
        "force_std_figure",
        "Force standard deviation at the force minimum per Hz of noise versus amplitude",
        NOISE,
    ),
    _figure(
        "fig13_noise_force_minimum",
        "noise_force_minimum_figure",
        "Median force-minimum deviation and 5-95 % band versus noise level",
        NOISE,
    ),
    _figure(
        "fig14_calibration",
        "calibration_figure",
        "Force-minimum deviation versus amplitude, z-scale and spring-constant errors",
        CALIBRATION,
    ),
)
