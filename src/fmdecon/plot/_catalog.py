"""The one figure registry: every contributor's catalog entries by stem, and which of them a
study can make. Data only, cheap to import (no matplotlib)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import chain
from types import MappingProxyType
from typing import Any

from fmdecon.beyond.catalog import ENTRIES as BEYOND_THE_PAPER
from fmdecon.plot._entry import FigureEntry
from fmdecon.robustness.catalog import ENTRIES as ROBUSTNESS
from fmdecon.welker2012.catalog import ENTRIES as PAPER

__all__ = ["FIGURES", "available"]


def _number(entry: FigureEntry) -> int:
    match = re.match(r"fig(\d+)_", entry.stem)
    if match is None:
        raise ValueError(f"figure stem {entry.stem!r} does not start with 'fig<N>_'")
    return int(match.group(1))


def _registry(*contributions: Iterable[FigureEntry]) -> Mapping[str, FigureEntry]:
    entries = sorted(chain(*contributions), key=_number)
    stems = [entry.stem for entry in entries]
    repeated = sorted({stem for stem in stems if stems.count(stem) > 1})
    if repeated:
        raise ValueError(f"figure stems registered twice: {repeated}")
    return MappingProxyType({entry.stem: entry for entry in entries})


#: Every figure by output stem, in figure-number order: the paper's Figs 2-9
#: (:mod:`fmdecon.welker2012.catalog`), Figs 10, 11 and 15 beyond the paper
#: (:mod:`fmdecon.beyond.catalog`), Figs 12-14 of the noise and calibration studies
#: (:mod:`fmdecon.robustness.catalog`).
FIGURES: Mapping[str, FigureEntry] = _registry(PAPER, BEYOND_THE_PAPER, ROBUSTNESS)


def available(config: Mapping[str, Any]) -> list[str]:
    """The figure stems a study configuration can make, in :data:`FIGURES` order.

    Parameters
    ----------
    config : mapping
        Study configuration (``laws``, ``methods``, ``figures``, ``perturbations``; raw or
        validated).

    Returns
    -------
    list of str
    """
    return [stem for stem, entry in FIGURES.items() if entry.applies_to(config)]
