"""Plain tables: CSV, TSV or whitespace-separated z and frequency-shift columns with units.

Lines starting with ``#`` are comments; ``# key (unit): value`` comments are kept in the
metadata and ``f0``, ``amplitude`` (or ``A``) and ``k`` are read from them. The first other
line is the header (column names with units in parentheses or brackets) unless it is
numeric. :func:`write_table` writes what :func:`read_table` reads.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.io._text import (
    assemble,
    fail,
    freeze,
    header_float,
    parse_numbers,
    read_text,
    unit_factor,
)
from fmdecon.io.curves import Spectroscopy
from fmdecon.io.units import FREQUENCY_UNITS, LENGTH_UNITS, TABLE_STIFFNESS_UNITS

__all__ = ["read_table", "sniff", "write_table"]

_TABLE_Z = {"z", "distance", "z rel", "height", "d"}
_TABLE_DF = re.compile(
    r"^(df|Δf|delta ?f|delta_f|frequency shift|freq\.? shift)\b(?P<rest>.*)$", re.IGNORECASE
)
_COLUMN_LABEL = re.compile(r"\s*(?P<name>.*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]\s*")
#: A header name with its unit in brackets, in a whitespace-separated header.
_SPACED_LABEL = re.compile(r"[^\s\(\[][^\(\[]*?\s*[\(\[][^\)\]]*[\)\]]")
#: Integer cells on both sides of a comma, as decimal commas split by a comma separator give.
_DECIMAL_COMMA_CELLS = re.compile(r"\d,\d")
_COMMENT_KEY = re.compile(r"(?P<name>[^\(\[]*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]")
#: Comment name (lower case, without unit) -> (value it sets, its units).
_COMMENT_KEYS: Mapping[str, tuple[str, Mapping[str, float]]] = {
    "f0": ("f0", FREQUENCY_UNITS),
    "amplitude": ("amplitude", LENGTH_UNITS),
    "a": ("amplitude", LENGTH_UNITS),
    "k": ("k", TABLE_STIFFNESS_UNITS),
}


def sniff(path: Path, head: bytes) -> bool:
    """Every file: the table reader is the fallback, and says what is wrong with a file
    that is no table (unreadable, binary, no numbers)."""
    return True


@dataclass(frozen=True)
class _Columns:
    """The columns of a table: labels as written, names and units parsed from them."""

    path: str | PathLike
    labels: list[str]
    names: list[str]
    units: list[str | None]
    has_header: bool

    @classmethod
    def parse(cls, path: str | PathLike, labels: list[str], has_header: bool) -> _Columns:
        names, units = [], []
        for label in labels:
            match = _COLUMN_LABEL.fullmatch(label)
            names.append(match["name"] if match else label.strip())
            units.append(match["unit"].strip() if match else None)
        return cls(path, labels, names, units, has_header)

    @property
    def names_lower(self) -> list[str]:
        return [name.lower() for name in self.names]

    def index(self, ref: str | int, what: str) -> int:
        """Column ``ref`` (index, name without unit, or label) of the ``what`` values."""
        labels = self.labels
        if isinstance(ref, int):
            if not -len(labels) <= ref < len(labels):
                raise fail(self.path, f"{what} index {ref} out of range ({len(labels)} columns)")
            return ref % len(labels)
        if ref.lower() in self.names_lower:
            return self.names_lower.index(ref.lower())
        if ref in labels:
            return labels.index(ref)
        raise fail(self.path, f"no {what} column {ref!r}; columns: {', '.join(labels)}")

    def unit(self, i: int, given: str | None, what: str) -> str:
        """Unit of column ``i``: the header's, else ``given`` (the ``<what>_unit`` argument)."""
        header_unit = self.units[i]
        if header_unit and given and header_unit != given:
            raise fail(
                self.path,
                f"column '{self.labels[i]}' is in {header_unit} but {what}_unit={given!r} "
                "was given",
            )
        unit = header_unit or given
        if not unit:
            raise fail(
                self.path,
                f"no unit for column '{self.labels[i]}': write it in the header, e.g. "
                f"'{self.names[i]} ({'nm' if what == 'z' else 'Hz'})', or pass {what}_unit",
            )
        return unit


def _comments_and_content(
    lines: Sequence[str],
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], list[tuple[int, str]]]:
    """(``# key: value`` comments, keys that occurred more than once -> all their values,
    the other non-blank lines with their 1-based line numbers)."""
    metadata: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    content: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            key, sep, value = stripped[1:].partition(":")
            if sep and key.strip():
                metadata[key.strip()] = value.strip()
                seen.setdefault(key.strip(), []).append(value.strip())
            continue
        content.append((number, line.rstrip("\r\n")))
    return metadata, {k: tuple(v) for k, v in seen.items() if len(v) > 1}, content


def _guess_delimiter(head: str) -> str | None:
    """Tab if the header has one, else comma, else semicolon, else None (whitespace)."""
    return next((d for d in ("\t", ",", ";") if d in head), None)


def _split_cells(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return line.split()
    return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter))]


def _is_numeric(cells: Sequence[str]) -> bool:
    try:
        [float(c) for c in cells]
    except ValueError:
        return False
    return True


def _first_row_line(rows: Sequence[tuple[int, str]]) -> int:
    """Line number of the first data row, or -1 if blank lines break the numbering."""
    first_line = rows[0][0]
    for offset, (number, _) in enumerate(rows):
        if number != first_line + offset:
            return -1
    return first_line


def _z_index(columns: _Columns, z_column: str | int | None) -> int:
    if z_column is not None:
        return columns.index(z_column, "z")
    if not columns.has_header:
        return 0
    zi = next((i for i, n in enumerate(columns.names_lower) if n in _TABLE_Z), None)
    if zi is None:
        raise fail(
            columns.path,
            f"no z column (z, distance or height); columns: {', '.join(columns.labels)}",
        )
    return zi


def _df_indices(columns: _Columns, zi: int, df_columns: Sequence[str | int] | None) -> list[int]:
    if df_columns is not None:
        return [columns.index(c, "df") for c in df_columns]
    n = len(columns.labels)
    dfi = [i for i, name in enumerate(columns.names_lower) if i != zi and _TABLE_DF.match(name)]
    if not dfi and (not columns.has_header or n == 2):
        dfi = [i for i in range(n) if i != zi]
    if not dfi:
        raise fail(
            columns.path,
            f"no frequency-shift column (df, Δf, frequency shift); columns: "
            f"{', '.join(columns.labels)}",
        )
    return dfi


def _sweep_names(columns: _Columns, dfi: Sequence[int]) -> list[str]:
    """Sweep names: what follows ``df`` in each name (``fwd`` for a lone ``df``), else the
    names without units when those would repeat."""
    sweeps = []
    for i in dfi:
        match = _TABLE_DF.match(columns.names[i])
        rest = match["rest"].strip(" _-") if match else columns.names[i]
        sweeps.append(rest or ("fwd" if len(dfi) == 1 else columns.names[i]))
    if len(set(sweeps)) != len(sweeps):
        sweeps = [columns.names[i] or columns.labels[i] for i in dfi]
    return sweeps


def _spaced_labels(header: str, width: int) -> list[str] | None:
    """The names of a whitespace-separated header whose names hold spaces, when each ends
    in a unit in brackets (``z (nm)  df (Hz)``) and they are as many as the columns."""
    labels = [m.strip() for m in _SPACED_LABEL.findall(header)]
    if len(labels) == width and "".join(labels).replace(" ", "") == header.replace(" ", ""):
        return labels
    return None


def _width_problem(width: int, labels: Sequence[str], delimiter: str | None, row: str) -> str:
    """The message for a header with ``len(labels)`` names over ``width`` columns, naming
    the likely cause."""
    text = f"the table has {width} columns but the header {len(labels)} names"
    names = ", ".join(repr(label) for label in labels[:6])
    if delimiter == "," and width > len(labels) and _DECIMAL_COMMA_CELLS.search(row):
        return (
            f"{text}: decimal commas in a comma-separated file? (first row: {row.strip()!r}; "
            "export with a decimal point, or separate the columns with ';' or tabs)"
        )
    if delimiter is None and len(labels) > width:
        return (
            f"{text} ({names}): the header is split at spaces; write each name with its "
            "unit in brackets ('z (nm)  df (Hz)'), or separate the columns with tabs or commas"
        )
    return f"{text} ({names}): one name per column, separated like the data"


def _comment_values(
    metadata: Mapping[str, str], source: dict[str, str], path: str | PathLike
) -> dict[str, float | None]:
    """f0 [Hz], amplitude [m] and k [N/m] from ``# name (unit): value`` comments (None if
    absent); records their sources in ``source``."""
    values: dict[str, float | None] = {"f0": None, "amplitude": None, "k": None}
    for key, value in metadata.items():
        match = _COMMENT_KEY.fullmatch(key)
        name = (match["name"] if match else key).strip().lower()
        if name not in _COMMENT_KEYS:
            continue
        target, units = _COMMENT_KEYS[name]
        unit = match["unit"].strip() if match else next(iter(units))
        scale = unit_factor(unit, units, target, path)
        values[target] = header_float(value, key, path) * scale
        source[target] = f"comment '# {key}: {value}'"
    return values


def read_table(
    path: str | PathLike,
    *,
    z_unit: str | None = None,
    df_unit: str | None = None,
    z_column: str | int | None = None,
    df_columns: Sequence[str | int] | None = None,
    delimiter: str | None = None,
    f0: float | None = None,
    amplitude: float | None = None,
    k: float | None = None,
    flip_z: bool = False,
) -> Spectroscopy:
    """Read a CSV/TSV/whitespace table of z and one or more frequency-shift columns.

    Lines starting with ``#`` are comments; ``# key (unit): value`` comments are kept in
    ``metadata`` and ``f0 (Hz)``, ``amplitude (m)`` (or ``A``) and ``k (N/m)`` are read from
    them (any length or frequency unit suffix of :data:`fmdecon.io.units.LENGTH_UNITS` /
    :data:`fmdecon.io.units.FREQUENCY_UNITS`). The first other line is the header: column
    names with units in parentheses or brackets, e.g. ``z (nm), df (Hz)`` or
    ``z [pm]  df fwd [mHz]``. Without a header (the first line is numeric) the first column
    is z, the others Δf, and both units must be given as arguments.

    Parameters
    ----------
    path : str or path-like
        The file.
    z_unit, df_unit : str, optional
        Units of the z and Δf columns when the header has none (a unit in the header that
        disagrees is an error).
    z_column : str or int, optional
        Name (without unit) or index of the z column; default the column called ``z``,
        ``distance`` or ``height``, else the first.
    df_columns : sequence of str or int, optional
        Names or indices of the Δf columns; default every column called ``df``, ``Δf``,
        ``delta_f``, ``frequency shift`` (with any suffix, which becomes the sweep name),
        else every column but z.
    delimiter : str, optional
        Column separator; default: tab if the header has one, else comma, else semicolon,
        else whitespace.
    f0, amplitude, k : float, optional
        Values [Hz, m, N/m] that override those in the comments.
    flip_z : bool
        Map ``z = -z_file`` (for a column that grows towards the sample).

    Returns
    -------
    Spectroscopy

    Raises
    ------
    ValueError
        One line naming the file and the problem.
    """
    metadata, duplicates, content = _comments_and_content(read_text(path).splitlines())
    if not content:
        raise fail(path, "no data (only comments or blank lines)")
    if delimiter is None:
        delimiter = _guess_delimiter(content[0][1])
    first = _split_cells(content[0][1], delimiter)
    has_header = not _is_numeric(first)
    labels = first if has_header else [f"column {i}" for i in range(len(first))]
    rows = content[1:] if has_header else content
    if not rows:
        raise fail(path, "needs at least 3 data points; got 0")
    first_line = max(_first_row_line(rows), 1)
    table = parse_numbers([r for _, r in rows], delimiter, first_line, path)
    if table.shape[1] != len(labels) and has_header and delimiter is None:
        labels = _spaced_labels(content[0][1], table.shape[1]) or labels
    if table.shape[1] != len(labels):
        raise fail(path, _width_problem(table.shape[1], labels, delimiter, rows[0][1]))

    columns = _Columns.parse(path, labels, has_header)
    zi = _z_index(columns, z_column)
    dfi = _df_indices(columns, zi, df_columns)
    z_file = table[:, zi] * unit_factor(
        columns.unit(zi, z_unit, "z"), LENGTH_UNITS, "length", path
    )
    factors = [
        unit_factor(columns.unit(i, df_unit, "df"), FREQUENCY_UNITS, "frequency", path)
        for i in dfi
    ]
    sweeps = _sweep_names(columns, dfi)
    z, df, orientation = assemble(
        path,
        z_file,
        table[:, dfi].T * np.asarray(factors)[:, None],
        sweeps,
        labels[zi],
        [labels[i] for i in dfi],
        first_line,
        flip_z,
        f"z = +({labels[zi]}) (the column is taken as the tip-sample distance)",
    )

    source = {
        "z": f"column '{labels[zi]}'",
        "df": "columns " + ", ".join(f"'{labels[i]}'" for i in dfi),
    }
    values = _comment_values(metadata, source, path)
    for target, given in (("f0", f0), ("amplitude", amplitude), ("k", k)):
        if given is not None:
            values[target] = float(given)
            source[target] = "argument"
        source.setdefault(target, "not in the file")
    freeze(z, df)
    return Spectroscopy(
        z=z,
        df=df,
        sweeps=tuple(sweeps),
        f0=values["f0"],
        amplitude=values["amplitude"],
        metadata=MappingProxyType(metadata),
        source=MappingProxyType(source),
        orientation=orientation,
        path=str(path),
        k=values["k"],
        duplicates=MappingProxyType(duplicates),
    )


def write_table(
    path: str | PathLike,
    z: ArrayLike,
    df: ArrayLike,
    *,
    sweeps: Sequence[str] | None = None,
    f0: float | None = None,
    amplitude: float | None = None,
    k: float | None = None,
    z_unit: str = "nm",
    df_unit: str = "Hz",
    digits: int = 17,
    comments: Mapping[str, object] | None = None,
) -> Path:
    """Write z and one or more frequency-shift curves as a CSV with units in the header.

    The inverse of :func:`read_table`: ``# f0 (Hz): ...``, ``# amplitude (m): ...`` and
    ``# k (N/m): ...`` comments, then a header ``z (nm),df (Hz)`` (``df <sweep> (Hz)`` for
    several sweeps), then the values with ``digits`` significant digits (17 round-trips
    float64 up to the unit conversion).

    Parameters
    ----------
    path : str or path-like
        Output file.
    z : array_like
        Distances [m], shape (N,).
    df : array_like
        Frequency shift [Hz], shape (N,) or (n_sweeps, N).
    sweeps : sequence of str, optional
        Sweep names (default ``fwd`` for one curve, ``0``, ``1``, ... for several).
    f0, amplitude, k : float, optional
        Written as comments [Hz, m, N/m].
    z_unit, df_unit : str
        Units of the written columns.
    digits : int
        Significant digits.
    comments : mapping, optional
        Further ``# key: value`` lines.

    Returns
    -------
    pathlib.Path
    """
    z_arr = np.asarray(z, dtype=np.float64)
    curves: NDArray[np.float64] = np.atleast_2d(np.asarray(df, dtype=np.float64))
    if z_arr.ndim != 1 or curves.ndim != 2 or curves.shape[1] != z_arr.size:
        raise ValueError(
            f"z must be 1-D and df of shape (N,) or (n_sweeps, N) with N = len(z); "
            f"got z {z_arr.shape} and df {np.shape(df)}"
        )
    if sweeps is None:
        sweeps = ["fwd"] if curves.shape[0] == 1 else [str(i) for i in range(curves.shape[0])]
    if len(sweeps) != curves.shape[0]:
        raise ValueError(f"sweeps must name the {curves.shape[0]} curves; got {list(sweeps)}")
    z_scale = LENGTH_UNITS[z_unit]
    df_scale = FREQUENCY_UNITS[df_unit]
    lines = ["# fmdecon frequency-shift table (SI values = column value x unit)"]
    for key, value, unit in (("f0", f0, "Hz"), ("amplitude", amplitude, "m"), ("k", k, "N/m")):
        if value is not None:
            lines.append(f"# {key} ({unit}): {float(value)!r}")
    for key, value in (comments or {}).items():
        lines.append(f"# {key}: {value}")
    names = (
        [f"df ({df_unit})"]
        if curves.shape[0] == 1 and sweeps[0] == "fwd"
        else [f"df {s} ({df_unit})" for s in sweeps]
    )
    lines.append(",".join([f"z ({z_unit})", *names]))
    values = np.column_stack([z_arr / z_scale, (curves / df_scale).T])
    buffer = io.StringIO()
    np.savetxt(buffer, values, fmt=f"%.{digits - 1}e", delimiter=",")
    out = Path(path)
    out.write_text("\n".join(lines) + "\n" + buffer.getvalue(), encoding="utf-8")
    return out
