"""Rendering of a :class:`~fmdecon.diff.model.DiffReport`: text, markdown and JSON.

:func:`blocks` walks the report once, summary first (result, differing configuration keys,
differing variables with their largest difference and where), details after; two small
renderers turn the blocks into plain text or markdown. Text and markdown show coordinates in
display units (:data:`DISPLAY_UNITS`); JSON stays in SI units.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any, NamedTuple

import numpy as np

from fmdecon.diff.model import ABSENT, DiffReport, FileDiff, GridDiff, PointDiff, VariableDiff

__all__ = [
    "DISPLAY_UNITS",
    "blocks",
    "format_coord",
    "render_markdown",
    "render_text",
    "to_json",
]

#: Scale and unit of coordinates in text and markdown output.
DISPLAY_UNITS: dict[str, tuple[float, str]] = {
    "amplitude": (1e12, "pm"),
    "amplitude_nominal": (1e12, "pm"),
    "kappa": (1e-9, "1/nm"),
    "sigma": (1e9, "nm"),
    "z": (1e9, "nm"),
    "z_min": (1e9, "nm"),
    "z_max": (1e9, "nm"),
}
_SHOWN_VALUES = 6  # coordinate values spelt out in a list before it is summarised as a range
_SUMMARY_LINES = 12  # differences listed in the summary before "... and N more"


class Heading(NamedTuple):  # level 1 is the title
    level: int
    text: str


class Items(NamedTuple):  # markdown bullets, indented lines in text
    lines: list[str]


class Table(NamedTuple):
    headers: list[str]
    rows: list[list[str]]


Block = Heading | Items | Table


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(value: Any, digits: int = 6) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _pair(old: Any, new: Any) -> tuple[str, str]:
    """Old and new values with just enough digits to tell them apart."""
    for digits in (6, 9, 12, 17):
        a, b = _num(old, digits), _num(new, digits)
        if a != b:
            break
    return a, b


def format_coord(dim: str, value: Any, with_unit: bool = True) -> str:
    """A coordinate value in display units (:data:`DISPLAY_UNITS`), e.g. ``4.25 1/nm``.

    Values of other dimensions, and non-numbers, are shown as they are (floats to 6
    significant digits). Used by the text and markdown reports and the legends of the plot.
    """
    if dim in DISPLAY_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
        scale, unit = DISPLAY_UNITS[dim]
        return f"{value * scale:.6g}" + (f" {unit}" if with_unit else "")
    return _num(value)


def _coord_header(dim: str) -> str:
    return f"{dim} [{DISPLAY_UNITS[dim][1]}]" if dim in DISPLAY_UNITS else dim


def _values(dim: str, values: Sequence[Any]) -> str:
    """Coordinate values, spelt out if few, else as a count and range."""
    if len(values) <= _SHOWN_VALUES:
        return ", ".join(format_coord(dim, v) for v in values)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return _span(dim, [len(values), min(values), max(values)])
    shown = ", ".join(format_coord(dim, v) for v in values[:_SHOWN_VALUES])
    return f"{shown}, ... ({len(values)} values)"


def _span(dim: str, span: Sequence[float]) -> str:
    """``[count, first, last]`` as ``200 values in 0.23 .. 5 nm``."""
    count, first, last = span
    return f"{int(count)} values in {format_coord(dim, first, False)} .. {format_coord(dim, last)}"


def _at(point: PointDiff) -> str:
    where = ", ".join(f"{d} {format_coord(d, v)}" for d, v in point.coords.items())
    return f" at {where}" if where else ""


def _show(value: Any) -> str:
    if value is ABSENT:
        return "<absent>"
    text = value if isinstance(value, str) else _compact(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _compact(value: Any) -> str:
    """JSON-like text with floats in short ``g`` notation (4250000000.0 -> 4.25e+09)."""
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))}: {_compact(v)}" for k, v in value.items()) + "}"
        )
    return json.dumps(value, default=str)


def _result(report: DiffReport) -> str:
    differing = sum(not f.equal for f in report.files)
    parts = [f"{differing} of {_count(len(report.files), 'file')} differ{'s' * (differing == 1)}"]
    for side, names in (("old", report.files_only_old), ("new", report.files_only_new)):
        if names:
            parts.append(f"{_count(len(names), 'file')} only in {side}")
    if report.provenance_differs:
        parts.append("provenance differs")
    return f"result: {report.status} ({', '.join(parts)})"


def _provenance(report: DiffReport) -> dict[str, tuple[list[str], Any]]:
    """Provenance differences, grouped by the files having the same ones."""
    groups: dict[str, tuple[list[str], Any]] = {}
    for f in report.files:
        if f.provenance:
            key = repr([(p.key, p.old, p.new) for p in f.provenance])
            groups.setdefault(key, ([], f.provenance))[0].append(f.name)
    return groups


def _config_lines(report: DiffReport) -> list[str]:
    """Differing configuration keys, then the other provenance attributes by name."""
    config: dict[str, str] = {}
    other: list[str] = []
    for _, diffs in _provenance(report).values():
        for p in diffs:
            if p.key.startswith("config."):
                config[p.key] = f"`{p.key[7:]}` {_show(p.old)} -> {_show(p.new)}"
            elif (top := p.key.split(".")[0]) not in other:
                other.append(top)
    lines = [f"config differs: {'; '.join(config.values())}"] if config else []
    return lines + ([f"provenance also differs: {', '.join(other)}"] if other else [])


def _grid_line(g: GridDiff) -> str:
    sides = f"old {_span(g.dim, g.old)}, new {_span(g.dim, g.new)}"
    if g.grid is None:
        return (
            f"{g.dim} grids differ ({sides}) and are incomparable: {g.reason}; "
            f"not compared: {', '.join(g.not_compared)}"
        )
    other = "new" if g.grid == "old" else "old"
    return (
        f"{g.dim} grids differ ({sides}): compared on the {g.grid} grid within the overlap, "
        f"{_span(g.dim, g.values)}, with {other} linearly interpolated onto it"
    )


def _largest(v: VariableDiff) -> str:
    text = f"{v.differing} of {v.compared} values differ"
    if v.nonfinite_mismatches:
        text += f" ({v.nonfinite_mismatches} NaN or infinite on one side)"
    if (a := v.largest_abs) is not None:
        text += f"; largest abs diff {_num(a.abs_diff, 3)} (rel {_num(a.rel_diff, 3)}){_at(a)}"
    if (r := v.largest_rel) is not None and r != a:
        text += f"; largest rel diff {_num(r.rel_diff, 3)}{_at(r)}"
    return text


def _file_lines(f: FileDiff) -> Iterator[str]:
    """What differs in the layout of a file: grids, one-sided coordinates and variables."""
    yield from (_grid_line(g) for g in f.grids)
    for side, only in (("old", f.only_old), ("new", f.only_new)):
        yield from (f"{dim} only in {side}: {_values(dim, v)}" for dim, v in only.items())
    for side, names in (("old", f.variables_only_old), ("new", f.variables_only_new)):
        if names:
            yield f"variables only in {side}: {', '.join(names)}"


def _summary(report: DiffReport) -> list[str]:
    lines = [f"**{_result(report)}**", *_config_lines(report)]
    for side, names in (("old", report.files_only_old), ("new", report.files_only_new)):
        if names:
            lines.append(f"files only in {side}: {', '.join(f'`{n}`' for n in names)}")
    causes = [f"`{f.name}`: {line}" for f in report.files for line in _file_lines(f)]
    causes += [
        f"`{f.name}`: {v.name}: {_largest(v)}"
        for f in report.files
        for v in f.variables
        if not v.equal
    ]
    if len(causes) > _SUMMARY_LINES:
        rest = len(causes) - _SUMMARY_LINES + 1
        causes[_SUMMARY_LINES - 1 :] = [f"... and {rest} more differences (details below)"]
    return lines + causes


def _variable_table(f: FileDiff) -> Table:
    rows = [
        [
            v.name + (" (coord)" if v.coordinate else ""),
            v.units or "-",
            str(v.compared),
            str(v.differing)
            + (f" ({v.nonfinite_mismatches} non-finite)" if v.nonfinite_mismatches else ""),
            _num(v.max_abs_diff, 3),
            _num(v.max_rel_diff, 3),
        ]
        for v in f.variables
        if not v.coordinate or not v.identical
    ]
    headers = ["variable", "units", "compared", "differing", "max abs diff", "max rel diff"]
    return Table(headers, rows)


def _points_table(f: FileDiff, v: VariableDiff) -> Table:
    units = f" [{v.units}]" if v.units and v.units != "1" else ""
    headers = [
        "law",
        *map(_coord_header, v.dims),
        f"old{units}",
        f"new{units}",
        "abs diff",
        "rel diff",
    ]
    rows = [
        [
            f.law or "-",
            *(format_coord(d, p.coords[d], with_unit=False) for d in v.dims),
            *_pair(p.old, p.new),
            _num(p.abs_diff, 3),
            _num(p.rel_diff, 3),
        ]
        for p in v.points
    ]
    return Table(headers, rows)


def _file_blocks(f: FileDiff) -> Iterator[Block]:
    yield Heading(2, f"`{f.label}`: {f.status}")
    lines = [f"files: `{f.old_path}` -> `{f.new_path}`"] if f.old_path and f.new_path else []
    if f.sizes:
        compared = " x ".join(f"{d} {n}" for d, n in f.sizes.items())
        interpolated = [g.dim for g in f.grids if g.grid]
        lines.append(
            f"compared on: {compared}"
            + (f" ({', '.join(interpolated)} interpolated)" if interpolated else "")
        )
    lines += _file_lines(f)
    if same := [v.name for v in f.variables if v.coordinate and v.identical]:
        lines.append(f"coordinates identical: {', '.join(same)}")
    yield Items(lines)
    if f.variables:
        yield _variable_table(f)
    for v in (v for v in f.variables if v.differing):
        parts = [f"{dim}: {_values(dim, values)}" for dim, values in v.where.items()]
        where = f"; at {'; '.join(parts)}" if parts else ""
        yield Heading(3, f"{v.name}: {v.differing} of {v.compared} values differ{where}")
        yield _points_table(f, v)
        if v.differing > len(v.points):
            yield Items([f"... and {v.differing - len(v.points)} more"])


def blocks(report: DiffReport) -> list[Block]:
    """The report as a list of blocks: summary first, then per file, then provenance."""
    header = [
        f"old: `{report.old}`",
        f"new: `{report.new}`",
        "tolerance: differs if `|new - old| > atol + rtol*max(|old|, |new|)`, "
        f"rtol = {report.rtol:g}, atol = {report.atol:g}",
        "rel diff: `|new - old| / max(|old|, |new|)` (0 where both are 0)",
    ]
    header += [f"note: {report.note}"] if report.note else []
    result: list[Block] = [Heading(1, "fmdecon diff"), Items(header + _summary(report))]
    for f in report.files:
        result += _file_blocks(f)
    result.append(Heading(2, "provenance (does not affect the result)"))
    groups = _provenance(report)
    if not groups:
        result.append(Items(["same"]))
    for names, diffs in groups.values():
        result.append(Heading(3, ", ".join(f"`{n}`" for n in names)))
        result.append(Items([f"`{p.key}`: {_show(p.old)} -> {_show(p.new)}" for p in diffs]))
    return result


def render_text(report: DiffReport) -> str:
    """Plain text: headings unmarked, content indented below them, aligned tables."""
    lines: list[str] = []
    indent = ""
    for block in blocks(report):
        if isinstance(block, Heading):
            lines += [""] * (block.level > 1) + ["  " * max(block.level - 2, 0) + block.text]
            indent = "  " * max(block.level - 1, 1)
        elif isinstance(block, Items):
            lines += [indent + line for line in block.lines]
        else:
            cells = [block.headers, *block.rows]
            widths = [max(map(len, column)) for column in zip(*cells, strict=True)]
            lines += [
                (indent + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))).rstrip()
                for row in cells
            ]
    return "\n".join(lines).replace("`", "").replace("**", "") + "\n"


def render_markdown(report: DiffReport) -> str:
    """GitHub-flavoured markdown: headings, bullet lists and pipe tables."""

    def row(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    parts = []
    for block in blocks(report):
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Items):
            parts.append("\n".join(f"- {line}" for line in block.lines))
        else:
            lines = [block.headers, ["---"] * len(block.headers), *block.rows]
            parts.append("\n".join(map(row, lines)))
    return "\n\n".join(parts) + "\n"


def to_json(report: DiffReport) -> dict[str, Any]:
    """The report as plain JSON types (SI units; NaN as null, infinities as "inf"/"-inf")."""
    data = asdict(report) | {
        "equal": report.equal,
        "status": report.status,
        "provenance_differs": report.provenance_differs,
    }
    for f, file_data in zip(report.files, data["files"], strict=True):
        file_data |= {"equal": f.equal, "status": f.status}
        for v, variable in zip(f.variables, file_data["variables"], strict=True):
            variable["points_omitted"] = v.differing - len(v.points)
        file_data["provenance"] = [
            {k: x for k, x in p.items() if x is not ABSENT} for p in file_data["provenance"]
        ]
    return _jsonable(data)


def _jsonable(value: Any) -> Any:
    """Plain JSON types: NaN becomes None, infinities "inf"/"-inf", numpy scalars Python."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
