"""Nanonis ``.dat`` Z spectroscopy.

Header lines ``key<TAB>value<TAB>``, a ``[DATA]`` line, then a tab-separated table whose
first line holds column names ``Name (unit)``. The z column is ``Z rel (m)`` (or ``Z (m)``);
frequency-shift columns are ``Frequency Shift (Hz)`` or ``OC M1 Freq. Shift (Hz)`` with
bracketed variants: ``[bwd]`` (backward sweep), ``[AVG]`` (average of the sweeps),
``[00001]`` ... (single sweeps) and ``(Hz) [filt]`` (filtered). The sweep name is the bracket
tokens joined by a space (``"AVG"``, ``"00001 bwd"``, ``"fwd"`` when there is none). f0 is
``Oscillation Control>Center Frequency (Hz)`` and the amplitude ``Oscillation
Control>Amplitude Setpoint (m)``; the spring constant is never in the file. Duplicate header
keys keep their last value in ``metadata``; all values of such keys are in ``duplicates``.

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

import re
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from fmdecon.io._text import (
    assemble,
    drop_padding,
    fail,
    freeze,
    header_float,
    parse_numbers,
    read_text,
    unit_factor,
)
from fmdecon.io.curves import Spectroscopy
from fmdecon.io.units import FREQUENCY_UNITS, LENGTH_UNITS

__all__ = ["read_nanonis", "sniff"]

_NANONIS_DF = re.compile(r"^(frequency shift|oc m\d+ freq\. shift)$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?P<name>[^\[\(]*?)\s*(?P<tokens>(?:\[[^\]]*\]\s*)*)\((?P<unit>[^)]*)\)"
    r"\s*(?P<after>(?:\[[^\]]*\]\s*)*)$"
)
_F0_KEY = "Oscillation Control>Center Frequency (Hz)"
_AMPLITUDE_KEY = "Oscillation Control>Amplitude Setpoint (m)"


def sniff(path: Path, head: bytes) -> bool:
    """A Nanonis file: a ``[DATA]`` line or a first line ``Experiment<TAB>...`` in the first
    bytes ``head``, and not a ``.csv``/``.tsv`` suffix (those are always tables)."""
    if path.suffix.lower() in (".csv", ".tsv"):
        return False
    return b"\n[DATA]" in head or head.startswith(b"Experiment\t")


def _split_label(label: str) -> tuple[str, tuple[str, ...], str] | None:
    """``'Frequency Shift [AVG] [bwd] (Hz) [filt]'`` -> (name, tokens, unit)."""
    match = _LABEL.match(label.strip())
    if match is None:
        return None
    tokens = re.findall(r"\[([^\]]*)\]", match["tokens"] + match["after"])
    return match["name"].strip(), tuple(t.strip() for t in tokens), match["unit"].strip()


def _sweep_name(tokens: Sequence[str]) -> str:
    """Bracket tokens -> sweep name: ``()`` -> "fwd", ``("bwd",)`` -> "bwd",
    ``("filt",)`` -> "fwd filt", ``("AVG", "bwd")`` -> "AVG bwd"."""
    names = [t for t in tokens if t]
    if not names or names[0] == "filt":
        names.insert(0, "fwd")
    return " ".join(names)


def _header(lines: Sequence[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Header lines ``key<TAB>value`` -> (key -> last value, duplicate key -> all values)."""
    metadata: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for line in lines:
        if not line.strip():
            continue
        key, _, value = line.rstrip("\r\n").partition("\t")
        value = value.rstrip("\t").strip()
        metadata[key.strip()] = value
        seen.setdefault(key.strip(), []).append(value)
    return metadata, {k: tuple(v) for k, v in seen.items() if len(v) > 1}


def _z_column(
    labels: Sequence[str], table: NDArray[np.float64], path: str | PathLike
) -> tuple[int, NDArray[np.float64]]:
    """Index of the z column and its values [m]."""
    z_index = next((i for i, c in enumerate(labels) if c == "Z rel (m)"), None)
    if z_index is None:
        z_index = next((i for i, c in enumerate(labels) if re.fullmatch(r"Z \((.*)\)", c)), None)
    if z_index is None:
        raise fail(path, f"no z column ('Z rel (m)' or 'Z (m)'); columns: {labels[:6]}...")
    z_unit = _split_label(labels[z_index])[2]  # type: ignore[index]
    return z_index, table[:, z_index] * unit_factor(z_unit, LENGTH_UNITS, "length", path)


def _df_columns(
    labels: Sequence[str], table: NDArray[np.float64], path: str | PathLike
) -> tuple[list[int], list[str], NDArray[np.float64]]:
    """Indices of the frequency-shift columns, their sweep names and values [Hz], one row
    per column."""
    df_index, names = [], []
    for i, label in enumerate(labels):
        parts = _split_label(label)
        if parts and _NANONIS_DF.match(parts[0]):
            df_index.append(i)
            names.append(_sweep_name(parts[1]))
    if not df_index:
        raise fail(
            path, "no frequency-shift column ('Frequency Shift (Hz)' or 'OC M1 Freq. Shift (Hz)')"
        )
    factors = [
        unit_factor(_split_label(labels[i])[2], FREQUENCY_UNITS, "frequency", path)  # type: ignore[index]
        for i in df_index
    ]
    return df_index, names, table[:, df_index].T * np.asarray(factors)[:, None]


def _sensor_values(
    metadata: dict[str, str],
    labels: Sequence[str],
    table: NDArray[np.float64],
    source: dict[str, str],
    path: str | PathLike,
) -> tuple[float | None, float | None]:
    """f0 [Hz] and the amplitude set-point [m] from the header (None if absent); records
    their sources in ``source``."""
    f0 = amplitude = None
    if metadata.get(_F0_KEY):
        f0 = header_float(metadata[_F0_KEY], _F0_KEY, path)
        source["f0"] = f"header '{_F0_KEY}' = {metadata[_F0_KEY]}"
    else:
        source["f0"] = f"not in the file (no header '{_F0_KEY}')"
    if metadata.get(_AMPLITUDE_KEY):
        amplitude = header_float(metadata[_AMPLITUDE_KEY], _AMPLITUDE_KEY, path)
        source["amplitude"] = f"header '{_AMPLITUDE_KEY}' = {metadata[_AMPLITUDE_KEY]}"
        measured = [i for i, c in enumerate(labels) if c.startswith("Amplitude [AVG] (")]
        if measured:
            unit = _split_label(labels[measured[0]])[2]  # type: ignore[index]
            scale = LENGTH_UNITS.get(unit)
            values = table[:, measured[0]]
            if scale is not None and np.isfinite(values).any():
                mean = float(np.nanmean(values)) * scale
                source["amplitude"] += f" (measured mean of '{labels[measured[0]]}': {mean:.4g} m)"
    else:
        source["amplitude"] = f"not in the file (no header '{_AMPLITUDE_KEY}')"
    return f0, amplitude


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

    An aborted sweep is read up to where it stopped: frequency-shift columns without a
    finite value (e.g. ``[bwd]`` columns of a sweep that never ran) and the NaN-padded rows
    at the end of the table are dropped (:func:`fmdecon.io._text.drop_padding`), and
    ``source["notes"]`` (:attr:`Spectroscopy.notes`) says how many rows and which columns.

    Raises
    ------
    ValueError
        One line naming the file and the problem: unreadable or garbled file, no
        ``[DATA]`` line, no z or frequency-shift column, fewer than 3 points, NaN in z or
        the frequency shift before the last complete row, nothing usable left, non-monotonic
        z, unknown unit.
    """
    lines = read_text(path).splitlines()
    try:
        data_at = next(i for i, line in enumerate(lines) if line.strip() == "[DATA]")
    except StopIteration:
        raise fail(path, "no [DATA] line: not a Nanonis spectroscopy file") from None
    metadata, duplicates = _header(lines[:data_at])

    body = [line for line in lines[data_at + 1 :] if line.strip()]
    if not body:
        raise fail(path, "no table after the [DATA] line")
    labels = [c.strip() for c in body[0].rstrip("\t\r\n").split("\t")]
    first_line = data_at + 3  # 1-based line number of the first data row (no blank lines)
    table = parse_numbers([b.rstrip("\t\r\n") for b in body[1:]], "\t", first_line, path)
    if table.shape[1] != len(labels):
        raise fail(path, f"the table has {table.shape[1]} columns but {len(labels)} column names")

    z_index, z_file = _z_column(labels, table, path)
    df_index, names, df = _df_columns(labels, table, path)
    z_file, df, kept, notes = drop_padding(
        path, z_file, df, labels[z_index], [labels[i] for i in df_index], first_line
    )
    df_index, names = [df_index[i] for i in kept], [names[i] for i in kept]
    z, df, orientation = assemble(
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
    if notes:
        source["notes"] = "\n".join(notes)
    f0, amplitude = _sensor_values(metadata, labels, table, source, path)
    freeze(z, df)
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
