"""The one writer of every figure of fmdecon: :func:`save` (PNG and PDF, atomic). Drawing the
registered figures by stem: :mod:`fmdecon.figures`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib as mpl
import xarray as xr
from matplotlib.figure import Figure

from fmdecon.plot._style import RC
from fmdecon.study.cube import write_atomic

__all__ = ["image_format", "save"]

Cubes = Mapping[str, xr.Dataset]
Views = Mapping[str, Any]


def image_format(path: str | Path) -> str:
    """Image format of ``path`` from its suffix (``png`` without one).

    Raises
    ------
    ValueError
        If matplotlib cannot write that format, naming the path and the formats it can.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lstrip(".").lower() or "png"
    supported = FigureCanvasBase.get_supported_filetypes()
    if suffix not in supported:
        raise ValueError(
            f"cannot plot to {path}: unsupported image format {suffix!r} "
            f"(use one of {', '.join(sorted(supported))})"
        )
    return suffix


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
