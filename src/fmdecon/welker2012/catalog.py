"""The paper's figures (Welker et al. 2012, Figs 2-9) in the figure registry
:data:`fmdecon.figures.FIGURES`: one entry per figure, its caption for the HTML report in
``captions/<stem>.rst`` beside this module, its body in :mod:`fmdecon.welker2012.figures`.

Data only, cheap to import (the workflow reads the registry while building its job graph).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmdecon.plot import FigureEntry
from fmdecon.welker2012.facts import published

__all__ = ["ENTRIES"]

CAPTIONS = Path(__file__).resolve().parent / "captions"


def _is_published(method: str) -> bool:
    return bool(published([method]))


def _figure(stem: str, body: str, title: str, **needs: Any) -> FigureEntry:
    needs.setdefault("method_filter", _is_published)  # at least one of the paper's methods
    return FigureEntry(
        stem, f"fmdecon.welker2012.figures:{body}", title, CAPTIONS / f"{stem}.rst", **needs
    )


#: The paper's figures: noise-free studies only, the paper's methods only (a study without
#: any of them, such as config/regularized.yaml, makes none of them).
ENTRIES: tuple[FigureEntry, ...] = (
    _figure("fig2_morse_cod", "cod_figure", "CoD versus amplitude, Morse law", law="morse"),
    _figure(
        "fig3_morse_curves",
        "curves_figure",
        "Forces and residuals at the marked amplitudes, Morse",
        law="morse",
        marked=True,
    ),
    _figure(
        "fig4_morse_force_minimum",
        "force_minimum_figure",
        "Deviation of the force minimum versus amplitude, Morse law",
        law="morse",
    ),
    _figure(
        "fig5_lj_cod",
        "cod_figure",
        "CoD versus amplitude, Lennard-Jones law",
        law="lennard_jones",
    ),
    _figure(
        "fig6_lj_curves",
        "curves_figure",
        "Forces and residuals at the marked amplitudes, Lennard-Jones",
        law="lennard_jones",
        marked=True,
    ),
    _figure(
        "fig7_lj_force_minimum",
        "force_minimum_figure",
        "Deviation of the force minimum versus amplitude, Lennard-Jones law",
        law="lennard_jones",
    ),
    _figure(
        "fig8_matrix_cod_vs_a_over_d",
        "matrix_a_over_d_figure",
        "Matrix-method CoD versus A/d, spikes at A/d = n + 1/2",
        methods=("matrix",),
    ),
    _figure(
        "fig9_kappa_scaling",
        "kappa_figure",
        "Sader-Jarvis CoD for several κ versus A and κA, and SqRE of T_SJ",
        law="morse",
        methods=("sader_jarvis",),
        swept=("kappa",),
    ),
)
