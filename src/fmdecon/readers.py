"""Read measured frequency-shift curves: Nanonis ``.dat`` Z spectroscopy and plain tables.

Everything is returned in SI units as a :class:`Spectroscopy`: ``z`` [m] ascending
tip-sample distance (up to a constant), ``df`` [Hz] with one row per sweep, the resonance
frequency ``f0`` and the amplitude set-point when the file has them, the header, and a
record of where each value came from and how the file's z axis was mapped.

Nanonis ``.dat`` files (Z spectroscopy): header lines ``key<TAB>value<TAB>``, a ``[DATA]``
line, then a tab-separated table whose first line holds column names ``Name (unit)``. The z
column is ``Z rel (m)`` (or ``Z (m)``); frequency-shift columns are ``Frequency Shift (Hz)`` or
``OC M1 Freq. Shift (Hz)`` with bracketed variants: ``[bwd]`` (backward sweep), ``[AVG]``
(average of the sweeps), ``[00001]`` ... (single sweeps) and ``(Hz) [filt]`` (filtered). The
sweep name is the bracket tokens joined by a space (``"AVG"``, ``"00001 bwd"``,
``"fwd"`` when there is none). f0 is ``Oscillation Control>Center Frequency (Hz)`` and the
amplitude ``Oscillation Control>Amplitude Setpoint (m)``; the spring constant is never in
the file. Duplicate header keys keep their last value in ``metadata``; all values of such
keys are in ``duplicates``.

Why a small hand parser: the MIT-licensed package ``nanonis-xarray`` (0.1.9) reads the same
files into an ``xarray.Dataset`` with pint units and a nested header, but it needs pandas,
xarray and pint-xarray, which the numpy/scipy-only core must not import; it also drops the
``[AVG]`` columns (it recomputes averages), drops ``[filt]`` columns with a warning, assumes
every header line ends in exactly ``"\\t\\n"`` and raises ``RuntimeError`` rather than a
one-line ``ValueError``. The part of the format this module needs (header ``key<TAB>value``,
``[DATA]``, one table with ``Name [tokens] (unit)`` labels) takes a hundred lines of numpy,
keeps every sweep and its name, and gives error messages naming the file and the problem.
Its column-label grammar (``Name [sweep] [bwd] (unit) [filt]``) was checked against ours.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Spectroscopy", "read_curve", "read_nanonis", "read_table", "write_table"]

#: SI factors of the unit suffixes understood in column names and arguments.
LENGTH_UNITS: dict[str, float] = {
    "m": 1.0,
    "mm": 1e-3,
    "um": 1e-6,
    "µm": 1e-6,
    "μm": 1e-6,
    "nm": 1e-9,
    "pm": 1e-12,
    "fm": 1e-15,
    "Å": 1e-10,
    "\u212b": 1e-10,  # ANGSTROM SIGN
    "angstrom": 1e-10,
}
FREQUENCY_UNITS: dict[str, float] = {"Hz": 1.0, "mHz": 1e-3, "kHz": 1e3, "MHz": 1e6}

_NANONIS_DF = re.compile(r"^(frequency shift|oc m\d+ freq\. shift)$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?P<name>[^\[\(]*?)\s*(?P<tokens>(?:\[[^\]]*\]\s*)*)\((?P<unit>[^)]*)\)"
    r"\s*(?P<after>(?:\[[^\]]*\]\s*)*)$"
)
_TABLE_Z = {"z", "distance", "z rel", "height", "d"}
_TABLE_DF = re.compile(
    r"^(df|Δf|delta ?f|delta_f|frequency shift|freq\.? shift)\b(?P<rest>.*)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Spectroscopy:
    """A measured frequency-shift curve (one or several sweeps on one z grid), SI units.

    Attributes
    ----------
    z : numpy.ndarray
        Tip-sample distance [m], strictly increasing, up to an unknown constant (shape (N,)).
    df : numpy.ndarray
        Frequency shift [Hz], shape (n_sweeps, N), rows in the order of ``sweeps``.
    sweeps : tuple of str
        Sweep names (e.g. ``"AVG"``, ``"00001"``, ``"AVG bwd"``, ``"fwd"``, ``"fwd filt"``).
    f0 : float or None
        Resonance frequency [Hz] if known.
    amplitude : float or None
        Oscillation amplitude (set-point) [m] if known.
    k : float or None
        Spring constant [N/m] if the file states it (never for Nanonis files).
    metadata : mapping
        Header key -> value (strings; last value for duplicate keys).
    duplicates : mapping
        Header keys that occurred more than once -> all their values, in file order.
    source : mapping
        For ``z``, ``df``, ``f0``, ``amplitude`` and ``k``: where the value came from.
    orientation : str
        How the file's z column was mapped onto the distance ``z``.
    path : str
        The file read.
    """

    z: NDArray[np.float64]
    df: NDArray[np.float64]
    sweeps: tuple[str, ...]
    f0: float | None
    amplitude: float | None
    metadata: Mapping[str, str]
    source: Mapping[str, str]
    orientation: str
    path: str = ""
    k: float | None = None
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def sweep(self, name: str) -> NDArray[np.float64]:
        """Frequency shift [Hz] of the sweep called ``name``."""
        try:
            return self.df[self.sweeps.index(name)]
        except ValueError:
            raise ValueError(
                f"no sweep {name!r} in {self.path}; sweeps: {', '.join(self.sweeps)}"
            ) from None


def _fail(path: str | PathLike, problem: str) -> ValueError:
    return ValueError(f"{path}: {problem}")


def _read_text(path: str | PathLike) -> str:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise _fail(path, f"cannot read the file ({exc.strerror or exc})") from None
    if b"\x00" in raw[:4096]:
        raise _fail(path, "not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # older Nanonis versions write Windows-1252/latin-1


def _split_label(label: str) -> tuple[str, tuple[str, ...], str] | None:
    """``'Frequency Shift [AVG] [bwd] (Hz) [filt]'`` -> (name, tokens, unit)."""
    match = _LABEL.match(label.strip())
    if match is None:
        return None
    tokens = re.findall(r"\[([^\]]*)\]", match["tokens"] + match["after"])
    return match["name"].strip(), tuple(t.strip() for t in tokens), match["unit"].strip()


def _unit_factor(unit: str, table: Mapping[str, float], what: str, path: str | PathLike) -> float:
    if unit in table:
        return table[unit]
    raise _fail(path, f"unknown {what} unit {unit!r}; known: {', '.join(table)}")


def _sweep_name(tokens: Sequence[str]) -> str:
    """Bracket tokens -> sweep name: ``()`` -> "fwd", ``("bwd",)`` -> "bwd",
    ``("filt",)`` -> "fwd filt", ``("AVG", "bwd")`` -> "AVG bwd"."""
    names = [t for t in tokens if t]
    if not names or names[0] == "filt":
        names.insert(0, "fwd")
    return " ".join(names)


def _parse_numbers(
    lines: Sequence[str], delimiter: str | None, first_line: int, path: str | PathLike
) -> NDArray[np.float64]:
    """Parse rows of numbers; ragged or non-numeric rows raise naming the line."""
    rows = [line.split(delimiter) if delimiter else line.split() for line in lines]
    width = len(rows[0]) if rows else 0
    for offset, row in enumerate(rows):
        if len(row) != width:
            raise _fail(
                path,
                f"line {first_line + offset}: {len(row)} values where the table has {width} "
                "columns (garbled or truncated file)",
            )
    try:
        return np.array(rows, dtype=np.float64).reshape(len(rows), width)
    except ValueError:
        for offset, row in enumerate(rows):
            try:
                [float(v) for v in row]
            except ValueError:
                raise _fail(
                    path, f"line {first_line + offset}: not a row of numbers: {row[:4]!r}..."
                ) from None
        raise  # pragma: no cover - every row parsed, yet the array did not


def _assemble(
    path: str | PathLike,
    z_file: NDArray[np.float64],
    df: NDArray[np.float64],
    names: Sequence[str],
    z_label: str,
    df_labels: Sequence[str],
    first_line: int,
    flip_z: bool,
    default_orientation: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64], str]:
    """Checks shared by both readers; maps z onto an ascending distance."""
    n = z_file.size
    if n < 3:
        raise _fail(path, f"needs at least 3 data points; got {n}")
    bad_z = np.flatnonzero(~np.isfinite(z_file))
    if bad_z.size:
        raise _fail(path, f"line {first_line + bad_z[0]}: {z_label} is {float(z_file[bad_z[0]])}")
    bad = np.argwhere(~np.isfinite(df))
    if bad.size:
        sweep, row = bad[0]
        raise _fail(
            path,
            f"line {first_line + row}: {df_labels[sweep]} is {float(df[sweep, row])} "
            f"({bad.shape[0]} non-finite value(s) in the frequency shift)",
        )
    z = -z_file if flip_z else z_file
    steps = np.diff(z)
    if np.all(steps > 0):
        order = "kept the file's row order (already ascending)"
    elif np.all(steps < 0):
        z, df = z[::-1], df[:, ::-1]
        order = "reversed the file's row order (it was descending)"
    else:
        i = int(np.flatnonzero(np.sign(steps) != np.sign(steps[0]))[0]) + 1
        raise _fail(
            path,
            f"line {first_line + i}: {z_label} is not monotonic "
            f"({z_file[i - 1]!r} then {z_file[i]!r} then {z_file[min(i + 1, n - 1)]!r})",
        )
    mapping = f"z = -({z_label}) (flip_z=True)" if flip_z else default_orientation
    orientation = f"{mapping}; {order}"
    return np.ascontiguousarray(z), np.ascontiguousarray(df), orientation


def _frozen(z: NDArray[np.float64], df: NDArray[np.float64]) -> None:
    z.flags.writeable = False
    df.flags.writeable = False


def read_nanonis(path: str | PathLike, *, flip_z: bool = False) -> Spectroscopy:
    """Read a Nanonis ``.dat`` Z spectroscopy.

    Parameters
    ----------
    path : str or path-like
        The ``.dat`` file.
    flip_z : bool
        Map ``z = -Z`` instead of ``z = +Z``. Nanonis ``Z rel (m)`` grows as the tip
        retracts, so it is already the distance up to a constant; flip only files whose
        z axis points towards the sample.

    Returns
    -------
    Spectroscopy
        ``z`` ascending [m]; every frequency-shift column as a sweep [Hz]; ``f0`` from
        ``Oscillation Control>Center Frequency (Hz)``; ``amplitude`` from
        ``Oscillation Control>Amplitude Setpoint (m)`` (None if absent); ``k`` None.

    Raises
    ------
    ValueError
        One line naming the file and the problem: unreadable or garbled file, no
        ``[DATA]`` line, no z or frequency-shift column, fewer than 3 points, NaN in z or
        the frequency shift, non-monotonic z, unknown unit.
    """
    text = _read_text(path)
    lines = text.splitlines()
    try:
        data_at = next(i for i, line in enumerate(lines) if line.strip() == "[DATA]")
    except StopIteration:
        raise _fail(path, "no [DATA] line: not a Nanonis spectroscopy file") from None
    metadata: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for line in lines[:data_at]:
        if not line.strip():
            continue
        key, _, value = line.rstrip("\r\n").partition("\t")
        value = value.rstrip("\t").strip()
        metadata[key.strip()] = value
        seen.setdefault(key.strip(), []).append(value)
    duplicates = {k: tuple(v) for k, v in seen.items() if len(v) > 1}

    body = [line for line in lines[data_at + 1 :] if line.strip()]
    if not body:
        raise _fail(path, "no table after the [DATA] line")
    labels = [c.strip() for c in body[0].rstrip("\t\r\n").split("\t")]
    first_line = data_at + 3  # 1-based line number of the first data row (no blank lines)
    table = _parse_numbers([b.rstrip("\t\r\n") for b in body[1:]], "\t", first_line, path)
    if table.shape[1] != len(labels):
        raise _fail(path, f"the table has {table.shape[1]} columns but {len(labels)} column names")

    z_index = next((i for i, c in enumerate(labels) if c == "Z rel (m)"), None)
    if z_index is None:
        z_index = next((i for i, c in enumerate(labels) if re.fullmatch(r"Z \((.*)\)", c)), None)
    if z_index is None:
        raise _fail(path, f"no z column ('Z rel (m)' or 'Z (m)'); columns: {labels[:6]}...")
    z_unit = _split_label(labels[z_index])[2]  # type: ignore[index]
    z_file = table[:, z_index] * _unit_factor(z_unit, LENGTH_UNITS, "length", path)

    df_index, names = [], []
    for i, label in enumerate(labels):
        parts = _split_label(label)
        if parts and _NANONIS_DF.match(parts[0]):
            df_index.append(i)
            names.append(_sweep_name(parts[1]))
    if not df_index:
        raise _fail(
            path, "no frequency-shift column ('Frequency Shift (Hz)' or 'OC M1 Freq. Shift (Hz)')"
        )
    factors = [
        _unit_factor(_split_label(labels[i])[2], FREQUENCY_UNITS, "frequency", path)  # type: ignore[index]
        for i in df_index
    ]
    df = table[:, df_index].T * np.asarray(factors)[:, None]
    z, df, orientation = _assemble(
        path,
        z_file,
        df,
        names,
        labels[z_index],
        [labels[i] for i in df_index],
        first_line,
        flip_z,
        f"z = +({labels[z_index]}): Nanonis Z grows as the tip retracts, so it is the "
        "tip-sample distance up to a constant",
    )

    source = {
        "z": f"column '{labels[z_index]}'",
        "df": "columns " + ", ".join(f"'{labels[i]}'" for i in df_index),
        "k": "not in the file (Nanonis never records it)",
    }
    f0 = amplitude = None
    f0_key = "Oscillation Control>Center Frequency (Hz)"
    if metadata.get(f0_key):
        f0 = _header_float(metadata[f0_key], f0_key, path)
        source["f0"] = f"header '{f0_key}' = {metadata[f0_key]}"
    else:
        source["f0"] = f"not in the file (no header '{f0_key}')"
    a_key = "Oscillation Control>Amplitude Setpoint (m)"
    if metadata.get(a_key):
        amplitude = _header_float(metadata[a_key], a_key, path)
        source["amplitude"] = f"header '{a_key}' = {metadata[a_key]}"
        measured = [i for i, c in enumerate(labels) if c.startswith("Amplitude [AVG] (")]
        if measured:
            unit = _split_label(labels[measured[0]])[2]  # type: ignore[index]
            scale = LENGTH_UNITS.get(unit)
            if scale is not None:
                mean = float(np.nanmean(table[:, measured[0]])) * scale
                source["amplitude"] += f" (measured mean of '{labels[measured[0]]}': {mean:.4g} m)"
    else:
        source["amplitude"] = f"not in the file (no header '{a_key}')"
    _frozen(z, df)
    return Spectroscopy(
        z=z,
        df=df,
        sweeps=tuple(names),
        f0=f0,
        amplitude=amplitude,
        metadata=MappingProxyType(metadata),
        source=MappingProxyType(source),
        orientation=orientation,
        path=str(path),
        k=None,
        duplicates=MappingProxyType(duplicates),
    )


def _header_float(value: str, key: str, path: str | PathLike) -> float:
    try:
        out = float(value)
    except ValueError:
        raise _fail(path, f"header '{key}' is not a number: {value!r}") from None
    if not np.isfinite(out) or out <= 0:
        raise _fail(path, f"header '{key}' must be a finite number > 0; got {value!r}")
    return out


_COMMENT_KEYS = {
    "f0": ("f0", FREQUENCY_UNITS),
    "amplitude": ("amplitude", LENGTH_UNITS),
    "a": ("amplitude", LENGTH_UNITS),
    "k": ("k", {"N/m": 1.0}),
}


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
    them (any length or frequency unit suffix of :data:`LENGTH_UNITS` /
    :data:`FREQUENCY_UNITS`). The first other line is the header: column names with units in
    parentheses or brackets, e.g. ``z (nm), df (Hz)`` or ``z [pm]  df fwd [mHz]``. Without a
    header (the first line is numeric) the first column is z, the others Δf, and both units
    must be given as arguments.

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
    text = _read_text(path)
    lines = text.splitlines()
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
    if not content:
        raise _fail(path, "no data (only comments or blank lines)")
    head = content[0][1]
    if delimiter is None:
        delimiter = next((d for d in ("\t", ",", ";") if d in head), None)

    def split(line: str) -> list[str]:
        if delimiter is None:
            return line.split()
        return [c.strip() for c in next(csv.reader(io.StringIO(line), delimiter=delimiter))]

    first = split(head)
    try:
        [float(c) for c in first]
        has_header = False
    except ValueError:
        has_header = True
    if has_header:
        labels = first
        rows = content[1:]
    else:
        labels = [f"column {i}" for i in range(len(first))]
        rows = content
    if not rows:
        raise _fail(path, "needs at least 3 data points; got 0")
    first_line = rows[0][0]
    for offset, (number, _) in enumerate(rows):  # blank lines are skipped: check numbering
        if number != first_line + offset:
            first_line = -1
            break
    table = _parse_numbers([r for _, r in rows], delimiter, max(first_line, 1), path)
    if table.shape[1] != len(labels):
        raise _fail(path, f"the table has {table.shape[1]} columns but {len(labels)} names")

    parsed = []
    for label in labels:
        match = re.fullmatch(r"\s*(?P<name>.*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]\s*", label)
        parsed.append((match["name"], match["unit"].strip()) if match else (label.strip(), None))
    names_lower = [p[0].lower() for p in parsed]

    def column(ref: str | int, what: str) -> int:
        if isinstance(ref, int):
            if not -len(labels) <= ref < len(labels):
                raise _fail(path, f"{what} index {ref} out of range ({len(labels)} columns)")
            return ref % len(labels)
        if ref.lower() in names_lower:
            return names_lower.index(ref.lower())
        if ref in labels:
            return labels.index(ref)
        raise _fail(path, f"no {what} column {ref!r}; columns: {', '.join(labels)}")

    if z_column is not None:
        zi = column(z_column, "z")
    elif has_header:
        zi = next((i for i, n in enumerate(names_lower) if n in _TABLE_Z), None)
        if zi is None:
            raise _fail(path, f"no z column (z, distance or height); columns: {', '.join(labels)}")
    else:
        zi = 0
    if df_columns is not None:
        dfi = [column(c, "df") for c in df_columns]
    else:
        dfi = [i for i, n in enumerate(names_lower) if i != zi and _TABLE_DF.match(n)]
        if not dfi and (not has_header or len(labels) == 2):
            dfi = [i for i in range(len(labels)) if i != zi]
        if not dfi:
            raise _fail(
                path,
                f"no frequency-shift column (df, Δf, frequency shift); columns: "
                f"{', '.join(labels)}",
            )

    def unit_of(i: int, given: str | None, what: str) -> str:
        header_unit = parsed[i][1]
        if header_unit and given and header_unit != given:
            raise _fail(
                path,
                f"column '{labels[i]}' is in {header_unit} but {what}_unit={given!r} was given",
            )
        unit = header_unit or given
        if not unit:
            raise _fail(
                path,
                f"no unit for column '{labels[i]}': write it in the header, e.g. "
                f"'{parsed[i][0]} ({'nm' if what == 'z' else 'Hz'})', or pass {what}_unit",
            )
        return unit

    zu = unit_of(zi, z_unit, "z")
    z_file = table[:, zi] * _unit_factor(zu, LENGTH_UNITS, "length", path)
    factors, sweeps = [], []
    for i in dfi:
        factors.append(_unit_factor(unit_of(i, df_unit, "df"), FREQUENCY_UNITS, "frequency", path))
        match = _TABLE_DF.match(parsed[i][0])
        rest = match["rest"].strip(" _-") if match else parsed[i][0]
        sweeps.append(rest or ("fwd" if len(dfi) == 1 else parsed[i][0]))
    if len(set(sweeps)) != len(sweeps):
        sweeps = [parsed[i][0] or labels[i] for i in dfi]
    df = table[:, dfi].T * np.asarray(factors)[:, None]
    z, df, orientation = _assemble(
        path,
        z_file,
        df,
        sweeps,
        labels[zi],
        [labels[i] for i in dfi],
        max(first_line, 1),
        flip_z,
        f"z = +({labels[zi]}) (the column is taken as the tip-sample distance)",
    )

    source = {
        "z": f"column '{labels[zi]}'",
        "df": "columns " + ", ".join(f"'{labels[i]}'" for i in dfi),
    }
    values: dict[str, float | None] = {"f0": None, "amplitude": None, "k": None}
    for key, value in metadata.items():
        match = re.fullmatch(r"(?P<name>[^\(\[]*?)\s*[\(\[](?P<unit>[^\)\]]*)[\)\]]", key)
        name = (match["name"] if match else key).strip().lower()
        if name not in _COMMENT_KEYS:
            continue
        target, units = _COMMENT_KEYS[name]
        unit = match["unit"].strip() if match else next(iter(units))
        scale = _unit_factor(unit, units, target, path)
        values[target] = _header_float(value, key, path) * scale
        source[target] = f"comment '# {key}: {value}'"
    for target, given in (("f0", f0), ("amplitude", amplitude), ("k", k)):
        if given is not None:
            values[target] = float(given)
            source[target] = "argument"
        source.setdefault(target, "not in the file")
    _frozen(z, df)
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
        duplicates=MappingProxyType({k_: tuple(v) for k_, v in seen.items() if len(v) > 1}),
    )


def _looks_nanonis(path: str | PathLike) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return b"\n[DATA]" in head or head.startswith(b"Experiment\t")


def read_curve(path: str | PathLike, **kwargs: object) -> Spectroscopy:
    """Read a frequency-shift curve, choosing the reader from the suffix and the content.

    Nanonis files (a ``[DATA]`` line, or a first line ``Experiment<TAB>...``) go to
    :func:`read_nanonis`, everything else (``.csv``, ``.tsv``, ``.txt``, ...) to
    :func:`read_table`; keyword arguments are passed on.

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
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv") or not _looks_nanonis(path):
        return read_table(path, **kwargs)  # type: ignore[arg-type]
    return read_nanonis(path, **kwargs)  # type: ignore[arg-type]


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
    curves = np.atleast_2d(np.asarray(df, dtype=np.float64))
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
