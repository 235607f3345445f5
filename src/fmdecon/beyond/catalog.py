"""The study's figures beyond the paper (Figs 10, 11 and 15) in the figure registry
:data:`fmdecon.figures.FIGURES`: one entry per figure, its caption for the HTML report in
``captions/<stem>.rst`` beside this module, its body in :mod:`fmdecon.beyond.figures`.

Data only, cheap to import (the workflow reads the registry while building its job graph).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmdecon.plot import FigureEntry
from fmdecon.welker2012.facts import is_matrix_family

__all__ = ["ENTRIES"]

CAPTIONS = Path(__file__).resolve().parent / "captions"


def _figure(stem: str, body: str, title: str, **needs: Any) -> FigureEntry:
    return FigureEntry(
        stem, f"fmdecon.beyond.figures:{body}", title, CAPTIONS / f"{stem}.rst", **needs
    )


#: Figures of noise-free studies that show every method of the cubes.
ENTRIES: tuple[FigureEntry, ...] = (
    _figure(
        "fig10_all_methods",
        "all_methods_figure",
        "CoD and |ΔF_min| versus amplitude, every method",
        min_methods=2,
    ),
    _figure(
        "fig11_matrix_family_cod_vs_a_over_d",
        "matrix_family_figure",
        "CoD versus A/d of the matrix-family methods",
        min_methods=2,
        method_filter=is_matrix_family,
    ),
    _figure(
        "fig15_cod_wellposedness",
        "wellposedness_figure",
        "CoD versus amplitude with the amplitudes the inflection-point test forbids",
    ),
)
