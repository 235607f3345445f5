"""The one figure registry: every figure of every study by stem, which of them a study can make,
and drawing and writing them.

The plot layer's top: :mod:`fmdecon.plot` holds the house style, the entry type
(:class:`~fmdecon.plot.FigureEntry`) and the writer, which the contributors use; the
contributors (:mod:`fmdecon.welker2012`, :mod:`fmdecon.beyond`, :mod:`fmdecon.robustness`)
hold their figure bodies and catalog entries with the captions beside them; this module
gathers the entries. Cheap to import (no matplotlib until a figure is drawn), so that the
workflow can read it while building its job graph.

    FIGURES          -- every figure by stem, in figure-number order
    available        -- the stems a study configuration can make
    draw             -- one figure from the cubes, under the house style
    render, render_all -- draw and write PNG (200 dpi) and PDF (fmdecon.plot.save)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fmdecon.beyond.catalog import ENTRIES as BEYOND_THE_PAPER
from fmdecon.plot._entry import FigureEntry
from fmdecon.robustness.catalog import ENTRIES as ROBUSTNESS
from fmdecon.welker2012.catalog import ENTRIES as PAPER

__all__ = ["FIGURES", "available", "draw", "render", "render_all"]


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


Cubes = Mapping[str, Any]
Views = Mapping[str, Any]


def draw(stem: str, cubes: Cubes, curves: Cubes, views: Views) -> Any:
    """Draw the figure ``stem`` (under :data:`~fmdecon.plot.RC`).

    Parameters
    ----------
    stem : str
        A key of :data:`FIGURES`.
    cubes : mapping of str to xarray.Dataset
        Metric cubes by law (merged by :func:`fmdecon.study.merge`; perturbed cubes for the
        noise and calibration figures), SI units.
    curves : mapping of str to xarray.Dataset
        Curves at the marked amplitudes by law (:func:`fmdecon.study.selected_curves`); only
        the curve figures read them, the others take ``{}``.
    views : mapping
        The ``figures`` section of the study configuration: per law ``at`` (swept parameter
        values shown) and ``marked_amplitudes`` [m].

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure, or the data lack what it needs.
    """
    try:
        entry = FIGURES[stem]
    except KeyError:
        raise ValueError(f"unknown figure {stem!r}; known: {', '.join(FIGURES)}") from None
    body = entry.load_body()
    import matplotlib as mpl

    from fmdecon.plot._style import RC

    with mpl.rc_context(RC):
        return body(cubes, curves, views, entry.law)


def render(
    stem: str, cubes: Cubes, curves: Cubes, views: Views, png: str | Path, pdf: str | Path
) -> None:
    """Draw the figure ``stem`` and write it as PNG (200 dpi) and PDF with :func:`save`.

    Parameters
    ----------
    stem : str
        A key of :data:`FIGURES`.
    cubes, curves, views
        As for :func:`draw`.
    png, pdf : str or pathlib.Path
        Output files.

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure, or the data lack what it needs.
    """
    from fmdecon.plot._render import save

    save(draw(stem, cubes, curves, views), FIGURES[stem].title, png, pdf)


def render_all(
    stems: Sequence[str], cubes: Cubes, curves: Cubes, views: Views, outdir: str | Path
) -> list[Path]:
    """Render several figures in one process as ``outdir/<stem>.png`` and ``.pdf``.

    Parameters
    ----------
    stems : sequence of str
        Keys of :data:`FIGURES` (e.g. :func:`available` of the
        study).
    cubes, curves, views
        As for :func:`draw`.
    outdir : str or pathlib.Path
        Output folder (created if needed).

    Returns
    -------
    list of pathlib.Path
        The files written, PNG and PDF per stem, in ``stems`` order.
    """
    outdir = Path(outdir)
    written: list[Path] = []
    for stem in stems:
        png, pdf = outdir / f"{stem}.png", outdir / f"{stem}.pdf"
        render(stem, cubes, curves, views, png, pdf)
        written += [png, pdf]
    return written
