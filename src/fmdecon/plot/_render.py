"""Drawing and writing the registered figures: :func:`draw` calls an entry's body under the
house style, :func:`save` is the one writer of every figure of fmdecon (PNG and PDF, atomic),
:func:`render` and :func:`render_all` do both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import xarray as xr
from matplotlib.figure import Figure

from fmdecon.plot._catalog import FIGURES
from fmdecon.plot._style import RC
from fmdecon.study.cube import write_atomic

__all__ = ["draw", "render", "render_all", "save"]

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


def draw(stem: str, cubes: Cubes, curves: Cubes, views: Views) -> Figure:
    """Draw the figure ``stem`` (under :data:`~fmdecon.plot.RC`).

    Parameters
    ----------
    stem : str
        A key of :data:`~fmdecon.plot.FIGURES`.
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
    with mpl.rc_context(RC):
        return body(cubes, curves, views, entry.law)


def save(figure: Figure, title: str, png: str | Path, pdf: str | Path) -> None:
    """Write a figure as PNG (200 dpi) and PDF, each atomically.

    Each file is written with :func:`fmdecon.study.cube.write_atomic`, so an interrupted run
    leaves no partial figure under the final name. The PNG records the fmdecon version as
    ``Software``; the PDF its ``Title`` and ``Creator`` and no creation date (reproducible).

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure (its layout is frozen after the PNG, so the PDF has the same layout).
    title : str
        PDF title.
    png, pdf : str or pathlib.Path
        Output files.
    """
    from fmdecon._version import __version__

    creator = f"fmdecon {__version__}"
    with mpl.rc_context(RC):
        write_atomic(
            png,
            lambda tmp: figure.savefig(tmp, format="png", dpi=200, metadata={"Software": creator}),
        )
        figure.set_layout_engine("none")  # keep the PNG's layout: the PDF need not redo it
        pdf_metadata = {"Creator": creator, "Title": title, "CreationDate": None}
        write_atomic(pdf, lambda tmp: figure.savefig(tmp, format="pdf", metadata=pdf_metadata))


def render(
    stem: str, cubes: Cubes, curves: Cubes, views: Views, png: str | Path, pdf: str | Path
) -> None:
    """Draw the figure ``stem`` and write it as PNG (200 dpi) and PDF with :func:`save`.

    Parameters
    ----------
    stem : str
        A key of :data:`~fmdecon.plot.FIGURES`.
    cubes, curves, views
        As for :func:`draw`.
    png, pdf : str or pathlib.Path
        Output files.

    Raises
    ------
    ValueError
        If ``stem`` is not a registered figure, or the data lack what it needs.
    """
    save(draw(stem, cubes, curves, views), FIGURES[stem].title, png, pdf)


def render_all(
    stems: Sequence[str], cubes: Cubes, curves: Cubes, views: Views, outdir: str | Path
) -> list[Path]:
    """Render several figures in one process as ``outdir/<stem>.png`` and ``.pdf``.

    Parameters
    ----------
    stems : sequence of str
        Keys of :data:`~fmdecon.plot.FIGURES` (e.g. :func:`~fmdecon.plot.available` of the
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
