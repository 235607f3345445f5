"""Which figures there are and which a study can make: data only, cheap to import (the
workflow reads it while building its job graph; drawing is in :mod:`.figures`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fmdecon.study.config import as_list
from fmdecon.welker2012.facts import is_matrix_family

__all__ = ["FIGURES", "FigureSpec", "available"]


@dataclass(frozen=True)
class FigureSpec:
    """What a figure draws and what it needs.

    Attributes
    ----------
    kind : str
        Key of :data:`BODIES`: the body that draws it.
    law : str or None
        The force law it shows (None: every law of the cubes, at least one needed).
    title : str
        One-line description (PDF title).
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

    kind: str
    law: str | None
    title: str
    methods: tuple[str, ...] = ()
    marked: bool = False
    swept: tuple[str, ...] = ()
    min_methods: int = 1
    method_filter: Callable[[str], bool] = bool


#: Every figure by output stem.
FIGURES: dict[str, FigureSpec] = {
    "fig2_morse_cod": FigureSpec("cod", "morse", "CoD versus amplitude, Morse law"),
    "fig3_morse_curves": FigureSpec(
        "curves", "morse", "Forces and residuals at the marked amplitudes, Morse", marked=True
    ),
    "fig4_morse_force_minimum": FigureSpec(
        "force_minimum", "morse", "Deviation of the force minimum versus amplitude, Morse law"
    ),
    "fig5_lj_cod": FigureSpec("cod", "lennard_jones", "CoD versus amplitude, Lennard-Jones law"),
    "fig6_lj_curves": FigureSpec(
        "curves",
        "lennard_jones",
        "Forces and residuals at the marked amplitudes, Lennard-Jones",
        marked=True,
    ),
    "fig7_lj_force_minimum": FigureSpec(
        "force_minimum",
        "lennard_jones",
        "Deviation of the force minimum versus amplitude, Lennard-Jones law",
    ),
    "fig8_matrix_cod_vs_a_over_d": FigureSpec(
        "matrix_a_over_d",
        None,
        "Matrix-method CoD versus A/d, spikes at A/d = n + 1/2",
        methods=("matrix",),
    ),
    "fig9_kappa_scaling": FigureSpec(
        "kappa",
        "morse",
        "Sader-Jarvis CoD for several κ versus A and κA, and SqRE of T_SJ",
        methods=("sader_jarvis",),
        swept=("kappa",),
    ),
    "fig10_all_methods": FigureSpec(
        "all_methods", None, "CoD and |ΔF_min| versus amplitude, every method", min_methods=2
    ),
    "fig11_matrix_family_cod_vs_a_over_d": FigureSpec(
        "matrix_family",
        None,
        "CoD versus A/d of the matrix-family methods",
        min_methods=2,
        method_filter=is_matrix_family,
    ),
    "fig15_cod_wellposedness": FigureSpec(
        "wellposedness",
        None,
        "CoD versus amplitude with the amplitudes the inflection-point test forbids",
    ),
}


def available(config: Mapping[str, Any]) -> list[str]:
    """The figure stems that a study configuration can make, in :data:`FIGURES` order.

    Parameters
    ----------
    config : mapping
        Study configuration (``laws``, ``methods``, ``figures``).

    Returns
    -------
    list of str
    """
    if config.get("perturbations"):  # noisy or mis-calibrated studies have their own figures
        return []
    laws = config.get("laws", {}) or {}
    methods = list(config.get("methods", []) or [])
    views = config.get("figures", {}) or {}
    stems = []
    for stem, spec in FIGURES.items():
        needed = [spec.law] if spec.law else []
        if not laws or any(law not in laws for law in needed):
            continue
        if any(method not in methods for method in spec.methods):
            continue
        if sum(map(spec.method_filter, methods)) < spec.min_methods:
            continue
        if spec.marked and not all(
            (views.get(law) or {}).get("marked_amplitudes") for law in needed
        ):
            continue
        if any(len(as_list(laws[law].get(name, []))) < 2 for law in needed for name in spec.swept):
            continue
        stems.append(stem)
    return stems
