"""The readers' shared kit: reading a text file, parsing rows of numbers, checking and
orienting z, numbers from a header; every error one line naming the file."""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "assemble",
    "decode_head",
    "drop_padding",
    "fail",
    "freeze",
    "header_float",
    "parse_numbers",
    "read_text",
    "text_encoding",
    "unit_factor",
]


def fail(path: str | PathLike, problem: str) -> ValueError:
    """The error of a reader: ``"<path>: <problem>"``."""
    return ValueError(f"{path}: {problem}")


#: Byte-order marks -> the encoding they announce (longest first: UTF-32 LE starts like UTF-16 LE).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def text_encoding(raw: bytes) -> tuple[str, int]:
    """The encoding of a text file's bytes and the length of its byte-order mark.

    A byte-order mark decides (UTF-8 with BOM and UTF-16 as Excel writes them, UTF-32);
    without one, NUL in every other byte of the start is UTF-16 without a BOM; otherwise
    UTF-8 if the bytes are valid UTF-8, else latin-1 (older Nanonis versions write
    Windows-1252/latin-1). ``("", 0)`` for bytes that are no text (NUL bytes otherwise).
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return encoding, len(bom)
    start = raw[:4096]
    if b"\x00" in start:
        even, odd = start[0::2], start[1::2]
        if len(start) >= 4 and not odd.strip(b"\x00") and b"\x00" not in even:
            return "utf-16-le", 0
        if len(start) >= 4 and not even.strip(b"\x00") and b"\x00" not in odd:
            return "utf-16-be", 0
        return "", 0
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(raw) - 3:  # not a multibyte sequence cut at the end
            return "latin-1", 0
    return "utf-8", 0


def decode_head(head: bytes) -> bytes:
    """The first bytes of a file as UTF-8 (for the format sniffers): UTF-16/32 and a BOM
    are decoded, undecodable bytes replaced; bytes that are no text unchanged."""
    encoding, skip = text_encoding(head)
    if not encoding or (encoding == "utf-8" and not skip):
        return head
    return head[skip:].decode(encoding, errors="replace").encode("utf-8")


def read_text(path: str | PathLike) -> str:
    """The file's text: the encoding from :func:`text_encoding` (a byte-order mark, UTF-16
    without one, UTF-8, else latin-1); unreadable and binary files raise."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise fail(path, f"cannot read the file ({exc.strerror or exc})") from None
    encoding, skip = text_encoding(raw)
    if not encoding:
        raise fail(path, "not a text file (it contains NUL bytes)")
    try:
        return raw[skip:].decode(encoding)
    except UnicodeDecodeError as exc:
        raise fail(
            path,
            f"not readable as {encoding.upper()} text ({exc.reason} at byte {exc.start + skip})",
        ) from None


def unit_factor(unit: str, table: Mapping[str, float], what: str, path: str | PathLike) -> float:
    """SI factor of ``unit`` in ``table``; an unknown unit raises listing the known ones."""
    if unit in table:
        return table[unit]
    raise fail(path, f"unknown {what} unit {unit!r}; known: {', '.join(table)}")


#: A number written with a decimal comma (``1,5``, ``-2,0E-9``).
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+([eE][-+]?\d+)?")


def parse_numbers(
    lines: Sequence[str], delimiter: str | None, first_line: int, path: str | PathLike
) -> NDArray[np.float64]:
    """Parse rows of numbers; ragged or non-numeric rows raise naming the line.

    :func:`numpy.loadtxt` (C) parses a clean table (a 2e6-row CSV in ~1 s); any table it
    refuses is parsed row by row (:func:`_parse_rows`, the reference of the tests), which
    names the line and the likely cause.
    """
    if lines:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # e.g. an empty input: the slow path says it
                fast = np.loadtxt(
                    lines, delimiter=delimiter, comments=None, dtype=np.float64, ndmin=2
                )
        except (ValueError, Warning):
            pass
        else:
            if fast.shape[0] == len(lines):
                return fast
    return _parse_rows(lines, delimiter, first_line, path)


def _parse_rows(
    lines: Sequence[str], delimiter: str | None, first_line: int, path: str | PathLike
) -> NDArray[np.float64]:
    """:func:`parse_numbers` row by row (Python): every check, the messages."""
    rows = [line.split(delimiter) if delimiter else line.split() for line in lines]
    width = len(rows[0]) if rows else 0
    for offset, row in enumerate(rows):
        if len(row) != width:
            raise fail(
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
                cells = ", ".join(repr(v) for v in row[:4]) + (", ..." if len(row) > 4 else "")
                hint = (
                    ": a text cell among the numbers (a second header, a unit, or a comment "
                    "line without '#'?)"
                )
                if any(_DECIMAL_COMMA.fullmatch(v.strip()) for v in row):
                    hint = (
                        ": decimal commas? Export with a decimal point (1.5, not 1,5), e.g. "
                        "in Excel's or the instrument's regional settings"
                    )
                raise fail(
                    path, f"line {first_line + offset}: not a row of numbers ({cells}){hint}"
                ) from None
        raise  # pragma: no cover - every row parsed, yet the array did not


def assemble(
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
        raise fail(path, f"needs at least 3 data points; got {n} (an export cut short?)")
    bad_z = np.flatnonzero(~np.isfinite(z_file))
    if bad_z.size:
        raise fail(
            path,
            f"line {first_line + bad_z[0]}: {z_label} is {float(z_file[bad_z[0]])} (inside the "
            "sweep, where only an aborted sweep's trailing NaN rows are dropped: a glitch or a "
            "broken export? remove or fill that row)",
        )
    bad = np.argwhere(~np.isfinite(df))
    if bad.size:
        sweep, row = bad[0]
        raise fail(
            path,
            f"line {first_line + row}: {df_labels[sweep]} is {float(df[sweep, row])} "
            f"({bad.shape[0]} non-finite value(s) in the frequency shift, inside the sweep: "
            "only an aborted sweep's trailing NaN rows are dropped; remove or fill that row)",
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
        repeated = steps[i - 1] == 0 or (i < steps.size and steps[i] == 0)
        cause = (
            "a value repeated: z printed with too few digits, or a row written twice?"
            if repeated
            else "z turns back: two sweeps in one column (approach and retract)?"
        )
        raise fail(
            path,
            f"line {first_line + i}: {z_label} is not monotonic "
            f"({float(z_file[i - 1])!r} then {float(z_file[i])!r} then "
            f"{float(z_file[min(i + 1, n - 1)])!r}): {cause}",
        )
    mapping = f"z = -({z_label}) (flip_z=True)" if flip_z else default_orientation
    orientation = f"{mapping}; {order}"
    return np.ascontiguousarray(z), np.ascontiguousarray(df), orientation


def drop_padding(
    path: str | PathLike,
    z_file: NDArray[np.float64],
    df: NDArray[np.float64],
    z_label: str,
    df_labels: Sequence[str],
    first_line: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64], list[int], list[str]]:
    """The finite part of a table that an aborted sweep padded with NaN.

    Frequency-shift columns without a finite value (a sweep that never ran, e.g. the
    ``[bwd]`` columns) are dropped, then the rows at the end of the table (file order) that
    hold a non-finite z or Δf (the padding of a sweep stopped early). A non-finite value
    before the last complete row stays in the table (the caller's checks name it).

    Parameters
    ----------
    path : str or path-like
        The file (for messages).
    z_file : numpy.ndarray
        z column as read, shape (N,).
    df : numpy.ndarray
        Frequency-shift columns as read, shape (n_columns, N).
    z_label : str
        Label of the z column.
    df_labels : sequence of str
        Labels of the frequency-shift columns.
    first_line : int
        1-based line number of the first data row.

    Returns
    -------
    (z_file, df, kept, notes)
        The finite part, the indices of the columns kept, and one note per change (empty
        if nothing was dropped).

    Raises
    ------
    ValueError
        If nothing usable is left: every frequency-shift column is NaN, or fewer than 3
        complete rows precede the padding.
    """
    notes: list[str] = []
    empty = ~np.isfinite(df).any(axis=1)
    if empty.all():
        raise fail(
            path,
            f"no usable data: every frequency-shift column ({', '.join(df_labels)}) is NaN "
            "in every row (an aborted sweep that recorded nothing?)",
        )
    kept = [int(i) for i in np.flatnonzero(~empty)]
    if empty.any():
        dropped = [f"'{df_labels[i]}'" for i in np.flatnonzero(empty)]
        notes.append(
            f"dropped {len(dropped)} frequency-shift column(s) without a finite value (a "
            f"sweep that did not run): {', '.join(dropped)}"
        )
        df = df[kept]
    complete = np.isfinite(z_file) & np.isfinite(df).all(axis=0)
    n = z_file.size
    last = int(np.flatnonzero(complete)[-1]) + 1 if complete.any() else 0
    if last < n:
        if last < 3:
            raise fail(
                path,
                f"no usable data: only {last} complete row(s) before the NaN padding that "
                f"starts at line {first_line + last} (an aborted sweep?); needs at least 3",
            )
        tail = slice(last, n)
        nan_z = not np.isfinite(z_file[tail]).all()
        nan_df = [
            df_labels[i]
            for row, i in zip(df, kept, strict=True)
            if not np.isfinite(row[tail]).all()
        ]
        if len(nan_df) == len(kept):
            where = f"{'z and ' if nan_z else ''}every frequency-shift column"
        else:
            where = ", ".join(f"'{label}'" for label in ([z_label] if nan_z else []) + nan_df)
        notes.append(
            f"aborted sweep: dropped the last {n - last} of {n} rows (lines "
            f"{first_line + last}-{first_line + n - 1}, NaN in {where}); kept {last} rows"
        )
        z_file, df = z_file[:last], df[:, :last]
    return z_file, df, kept, notes


def freeze(*arrays: NDArray[np.float64]) -> None:
    """Make the arrays read-only."""
    for array in arrays:
        array.flags.writeable = False


def header_float(value: str, key: str, path: str | PathLike) -> float:
    """A header value that must be a finite number > 0."""
    try:
        out = float(value)
    except ValueError:
        raise fail(path, f"header '{key}' is not a number: {value!r}") from None
    if not np.isfinite(out) or out <= 0:
        raise fail(path, f"header '{key}' must be a finite number > 0; got {value!r}")
    return out
