"""A figure's entry in the registry: what draws it, its title and caption, and which studies it
applies to. Data only, cheap to import (no matplotlib): the workflow reads the entries while
building its job graph."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fmdecon.study.config import as_list
from fmdecon.study.perturb import ERROR_KEYS

__all__ = ["CALIBRATION", "NOISE", "NOISE_FREE", "STUDY_KINDS", "FigureEntry", "study_kinds"]

#: A study without a ``perturbations`` section.
NOISE_FREE = "noise-free"
#: A perturbed study with some frequency-shift noise level > 0.
NOISE = "noise"
#: A perturbed study with a calibration error swept over more than one value.
CALIBRATION = "calibration"
#: Every kind of study a figure can apply to.
STUDY_KINDS = (NOISE_FREE, NOISE, CALIBRATION)


def study_kinds(config: Mapping[str, Any]) -> frozenset[str]:
    """The kinds of study (:data:`STUDY_KINDS`) a configuration is.

    Parameters
    ----------
    config : mapping
        Study configuration (raw or validated).

    Returns
    -------
    frozenset of str
        ``{"noise-free"}`` without perturbations; else ``"noise"`` and/or ``"calibration"``
        (empty for a perturbed study with neither noise nor a swept calibration error).
    """
    section = config.get("perturbations") or {}
    if not section:
        return frozenset({NOISE_FREE})
    kinds = set()
    if any(float(v) > 0 for v in as_list(section.get("noise_rms", [0.0]))):
        kinds.add(NOISE)
    if any(len(as_list(section.get(key, [0.0]))) > 1 for key in ERROR_KEYS):
        kinds.add(CALIBRATION)
    return frozenset(kinds)


@dataclass(frozen=True)
class FigureEntry:
    """A registered figure: its body, title, caption and what it needs of a study.

    Attributes
    ----------
    stem : str
        Output file stem (``fig<N>_<what>``), the key in :data:`fmdecon.figures.FIGURES`.
    body : str
        ``"module:function"`` of the body ``function(cubes, curves, views, law) ->
        matplotlib.figure.Figure``, imported only when the figure is drawn.
    title : str
        One-line description (PDF title, report label).
    caption : pathlib.Path
        The caption of the HTML report: a reStructuredText file (a Jinja2 template over the
        rule's ``snakemake`` object) beside the module that contributes the entry.
    studies : tuple of str
        The kinds of study (:data:`STUDY_KINDS`) the figure applies to.
    law : str or None
        The force law it shows (None: every law of the cubes, at least one needed).
    methods : tuple of str
        Methods that must be in the study.
    marked : bool
        Needs ``figures.<law>.marked_amplitudes`` (curve figures).
    swept : tuple of str
        Parameters of ``law`` that must have at least two values.
    min_methods : int
        Least number of methods of the study that pass ``method_filter``.
    method_filter : callable
        Which methods count towards ``min_methods``.
    """

    stem: str
    body: str
    title: str
    caption: Path
    studies: tuple[str, ...] = (NOISE_FREE,)
    law: str | None = None
    methods: tuple[str, ...] = ()
    marked: bool = False
    swept: tuple[str, ...] = ()
    min_methods: int = 1
    method_filter: Callable[[str], bool] = bool

    def __post_init__(self) -> None:
        unknown = sorted(set(self.studies) - set(STUDY_KINDS))
        if unknown:
            raise ValueError(
                f"figure {self.stem}: unknown study kind(s) {unknown}; known: {STUDY_KINDS}"
            )
        if self.body.count(":") != 1:
            raise ValueError(
                f"figure {self.stem}: body must be 'module:function', not {self.body!r}"
            )

    def applies_to(self, config: Mapping[str, Any]) -> bool:
        """True if a study configuration can make this figure.

        Parameters
        ----------
        config : mapping
            Study configuration (``laws``, ``methods``, ``figures``, ``perturbations``; raw or
            validated).
        """
        laws = config.get("laws", {}) or {}
        if not laws or not set(self.studies) & study_kinds(config):
            return False
        needed = [self.law] if self.law else []
        if any(law not in laws for law in needed):
            return False
        methods = list(config.get("methods", []) or [])
        if any(method not in methods for method in self.methods):
            return False
        if sum(map(self.method_filter, methods)) < self.min_methods:
            return False
        views = config.get("figures", {}) or {}
        if self.marked and not all(
            (views.get(law) or {}).get("marked_amplitudes") for law in needed
        ):
            return False
        return not any(
            len(as_list(laws[law].get(name, []))) < 2 for law in needed for name in self.swept
        )

    def load_body(self) -> Callable[..., Any]:
        """The body function (its module is imported here, with matplotlib)."""
        module, _, name = self.body.partition(":")
        return getattr(importlib.import_module(module), name)
