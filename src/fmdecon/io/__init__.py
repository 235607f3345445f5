"""Measured frequency-shift curves: readers, a registry of file formats, units, data model.

Everything is returned in SI units: ``z`` [m] ascending tip-sample distance (up to a
constant), ``df`` [Hz], the resonance frequency ``f0`` and the amplitude set-point when the
file has them, the header, and a record of where each value came from and how the file's z
axis was mapped. Numpy only.

Reading
    read_curve                 -- read any known format (the registry picks the reader)
    read_nanonis               -- Nanonis ``.dat`` Z spectroscopy (:mod:`fmdecon.io.nanonis`)
    open_grid, is_grid         -- open a grid file (the registry picks the opener); is it one
    open_nanonis_grid, read_nanonis_grid, write_nanonis_grid -- Nanonis ``.3ds`` grids of Z
                                  spectroscopies (:mod:`fmdecon.io.nanonis_grid`)
    read_table, write_table    -- CSV/TSV/whitespace tables with units (:mod:`fmdecon.io.table`)

Formats (one module each, one :class:`Format` entry in :data:`FORMATS`)
    FORMATS, Format            -- registry: name, ``sniff(path, head)``, reader (and, for
                                  grids, an ``opener`` that reads blocks of pixels)
    get_format, sniff_format   -- the entry called ``name``; the entry that takes a file

Data model (:mod:`fmdecon.io.curves`)
    CurveSet                   -- curves of any shape: named leading dims over a z axis
    Spectroscopy               -- the sweeps of one spectroscopy, the one-curve case

Units (:mod:`fmdecon.io.units`, the one home of unit tables)
    LENGTH_UNITS, FREQUENCY_UNITS, STIFFNESS_UNITS, parse_quantity, format_quantity

Adding a format: a module with ``sniff(path, head) -> bool`` and a reader returning a
:class:`Spectroscopy`, and one entry in :data:`FORMATS` (before the ``table`` fallback).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType

from fmdecon.io import nanonis, nanonis_grid, table
from fmdecon.io._text import decode_head
from fmdecon.io.curves import Curve, CurveGroup, CurveSet, Spectroscopy
from fmdecon.io.nanonis import read_nanonis
from fmdecon.io.nanonis_grid import (
    NanonisGrid,
    SweepSignalError,
    open_nanonis_grid,
    read_nanonis_grid,
    write_nanonis_grid,
)
from fmdecon.io.table import read_table, write_table
from fmdecon.io.units import (
    FREQUENCY_UNITS,
    LENGTH_UNITS,
    STIFFNESS_UNITS,
    format_quantity,
    parse_quantity,
)

__all__ = [
    "FORMATS",
    "FREQUENCY_UNITS",
    "HEAD_BYTES",
    "LENGTH_UNITS",
    "STIFFNESS_UNITS",
    "Curve",
    "CurveGroup",
    "CurveSet",
    "Format",
    "NanonisGrid",
    "Spectroscopy",
    "SweepSignalError",
    "format_quantity",
    "get_format",
    "is_grid",
    "open_grid",
    "open_nanonis_grid",
    "parse_quantity",
    "read_curve",
    "read_nanonis",
    "read_nanonis_grid",
    "read_table",
    "sniff_format",
    "write_nanonis_grid",
    "write_table",
]

#: How many bytes of a file the sniffers see.
HEAD_BYTES = 65536


@dataclass(frozen=True)
class Format:
    """A registered file format.

    Attributes
    ----------
    name : str
        Registry key.
    sniff : callable
        ``sniff(path, head) -> bool``: True if the reader takes the file, from its path
        (:class:`pathlib.Path`) and its first :data:`HEAD_BYTES` bytes ``head`` (``b""`` if
        the file cannot be opened).
    reader : callable
        ``reader(path, **options) -> Spectroscopy``.
    description : str
        One line for messages and help.
    opener : callable or None
        For a grid format: ``opener(path, **options)`` returning an object that reads the
        grid in blocks of pixels (:class:`~fmdecon.io.NanonisGrid`); its ``reader`` returns
        the whole grid as a :class:`CurveSet`. None for a format of single curves.
    """

    name: str
    sniff: Callable[[Path, bytes], bool]
    reader: Callable[..., Spectroscopy | CurveSet]
    description: str
    opener: Callable[..., NanonisGrid] | None = None


def _registry(*formats: Format) -> Mapping[str, Format]:
    return MappingProxyType({f.name: f for f in formats})


#: The known formats, in the order :func:`sniff_format` asks them; ``table`` takes any file
#: and comes last.
FORMATS: Mapping[str, Format] = _registry(
    Format(
        "nanonis_grid",
        nanonis_grid.sniff,
        read_nanonis_grid,
        "Nanonis .3ds grid of Z spectroscopies",
        opener=open_nanonis_grid,
    ),
    Format("nanonis", nanonis.sniff, read_nanonis, "Nanonis .dat Z spectroscopy"),
    Format("table", table.sniff, read_table, "CSV/TSV/whitespace table of z and df columns"),
)


def _known() -> str:
    return ", ".join(f"{f.name} ({f.description})" for f in FORMATS.values())


def get_format(name: str) -> Format:
    """The registered format called ``name``.

    Raises
    ------
    ValueError
        Naming the unknown format and listing the known ones.
    """
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown file format {name!r}; known: {_known()}") from None


def _head(path: Path) -> bytes:
    """The first :data:`HEAD_BYTES` bytes as UTF-8 (a UTF-16 or BOM-marked file decoded)."""
    try:
        with open(path, "rb") as handle:
            return decode_head(handle.read(HEAD_BYTES))
    except OSError:
        return b""


def sniff_format(path: str | PathLike) -> Format:
    """The first format of :data:`FORMATS` whose ``sniff`` takes the file.

    Raises
    ------
    ValueError
        If none does, naming the file and listing the known formats.
    """
    path = Path(path)
    head = _head(path)
    for entry in FORMATS.values():
        if entry.sniff(path, head):
            return entry
    raise ValueError(f"{path}: not a known file format; known: {_known()}")


def read_curve(path: str | PathLike, **kwargs: object) -> Spectroscopy:
    """Read a frequency-shift curve with the reader of its format (:func:`sniff_format`).

    Nanonis files (a ``[DATA]`` line, or a first line ``Experiment<TAB>...``; not ``.csv``
    or ``.tsv``) go to :func:`read_nanonis`, everything else (``.csv``, ``.tsv``, ``.txt``,
    ...) to :func:`read_table`; keyword arguments are passed on.

    Parameters
    ----------
    path : str or path-like
        The file.
    **kwargs
        Arguments of the chosen reader.

    Returns
    -------
    Spectroscopy
    """
    return sniff_format(path).reader(path, **kwargs)


def is_grid(path: str | PathLike) -> bool:
    """True if the format that takes ``path`` (:func:`sniff_format`) is a grid format (its
    entry has an ``opener``); False also for a file no format takes."""
    try:
        return sniff_format(path).opener is not None
    except ValueError:
        return False


def open_grid(path: str | PathLike, **kwargs: object) -> NanonisGrid:
    """Open a grid file with the opener of its format (:func:`sniff_format`); keyword
    arguments are passed on (``flip_z``, ``z_reference``).

    Raises
    ------
    ValueError
        If the file is not a grid (naming the format that takes it), or the opener's error.
    """
    entry = sniff_format(path)
    if entry.opener is None:
        raise ValueError(f"{path}: not a grid file (it is a {entry.description})")
    return entry.opener(path, **kwargs)
