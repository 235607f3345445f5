"""Compare two metric cubes (or two results directories): data within tolerance, provenance.

A value differs if ``|new - old| > atol + rtol * |old|``; NaN against NaN counts as equal,
NaN against a number as different. The two sides are aligned on the coordinate values they
share (inner join; floating-point coordinates match within a relative 1e-9); values present
on one side only are listed. A dimension swept on one side and a scalar coordinate on the
other (e.g. ``kappa``) is compared at that scalar's value. Differences of provenance (library
version and source hash, git state, package versions, configuration) are reported separately
and do not make the data unequal.

Used by ``fmdecon diff`` (:mod:`fmdecon.cli`) and the pipeline's ``diff_baseline`` rule.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.study.cube import open_dataset

__all__ = [
    "MAX_POINTS",
    "PROVENANCE_KEYS",
    "DiffError",
    "DiffReport",
    "FileDiff",
    "PointDiff",
    "ProvenanceDiff",
    "VariableDiff",
    "diff_datasets",
    "diff_paths",
    "write_atomic",
]

#: Global attributes compared as provenance (``created`` and ``history`` are ignored).
PROVENANCE_KEYS = (
    "fmdecon_version",
    "fmdecon_source_hash",
    "git_commit",
    "git_dirty",
    "package_versions",
    "config",
)
#: Attributes holding JSON, compared key by key.
_JSON_KEYS = ("package_versions", "config")
#: Subdirectories of a results directory whose files are compared.
SUBDIRS = ("metrics", "curves")
#: Differing points listed per variable.
MAX_POINTS = 20
#: Relative tolerance for matching floating-point coordinate values of the two sides.
COORD_RTOL = 1e-9
#: Scale and unit of coordinates in text and markdown output (JSON stays in SI units).
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


class DiffError(ValueError):
    """The two sides cannot be compared (different quantities, layouts or bad arguments)."""


class _Absent:
    """Marker of a provenance attribute or configuration key missing on one side."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT = _Absent()


@dataclass(frozen=True)
class PointDiff:
    """One differing value.

    Attributes
    ----------
    coords : dict
        Coordinate value of each dimension of the variable (SI units).
    old, new : float or str
        The two values.
    abs_diff, rel_diff : float
        ``|new - old|`` and ``|new - old| / |old|`` (NaN where a value is not finite).
    """

    coords: dict[str, Any]
    old: Any
    new: Any
    abs_diff: float
    rel_diff: float


@dataclass
class VariableDiff:
    """Comparison of one variable (or non-index coordinate) on the shared coordinates.

    Attributes
    ----------
    name : str
        Variable name.
    units : str or None
        Its ``units`` attribute (the same on both sides).
    dims : tuple of str
        Dimensions, in the order of the old side.
    coordinate : bool
        True for a non-index coordinate such as ``a_over_d``.
    compared : int
        Number of values compared.
    differing : int
        Number of values differing beyond the tolerance.
    max_abs_diff, max_rel_diff : float or None
        Largest absolute and relative difference over the finite pairs (None if none).
    nonfinite_mismatches : int
        Pairs where one value is NaN or infinite and the other is not the same.
    where : dict
        For each dimension, the coordinate values having at least one differing value.
    points : list of PointDiff
        The largest differences (non-finite mismatches first), at most ``max_points``.
    """

    name: str
    units: str | None
    dims: tuple[str, ...]
    coordinate: bool
    compared: int
    differing: int
    max_abs_diff: float | None
    max_rel_diff: float | None
    nonfinite_mismatches: int
    where: dict[str, list[Any]]
    points: list[PointDiff]

    @property
    def equal(self) -> bool:
        """No value differs beyond the tolerance."""
        return self.differing == 0

    @property
    def identical(self) -> bool:
        """Every value is exactly equal (NaN matching NaN)."""
        return self.differing == 0 and not self.max_abs_diff


@dataclass(frozen=True)
class ProvenanceDiff:
    """A provenance attribute (or one key of a JSON attribute) that differs.

    ``key`` is a dotted path such as ``config.grid.points`` or ``package_versions.numpy``;
    ``old``/``new`` is :data:`ABSENT` where the key is missing on that side.
    """

    key: str
    old: Any
    new: Any


@dataclass
class FileDiff:
    """Comparison of one pair of datasets (files).

    Attributes
    ----------
    name : str
        Label: the relative path in directory mode, else the file name.
    law : str or None
        Force law (global attribute ``law``).
    old_path, new_path : pathlib.Path or None
        Files compared (None for in-memory datasets).
    sizes : dict
        Length of each dimension on the shared coordinates.
    only_old, only_new : dict
        For each dimension, coordinate values present on that side only.
    variables_only_old, variables_only_new : list of str
        Variables (and non-index coordinates) present on that side only.
    variables : list of VariableDiff
        The variables present on both sides.
    provenance : list of ProvenanceDiff
        Differing provenance attributes; they do not make the files unequal.
    """

    name: str
    law: str | None
    old_path: Path | None
    new_path: Path | None
    sizes: dict[str, int]
    only_old: dict[str, list[Any]]
    only_new: dict[str, list[Any]]
    variables_only_old: list[str]
    variables_only_new: list[str]
    variables: list[VariableDiff]
    provenance: list[ProvenanceDiff]
    old_data: xr.Dataset | None = field(default=None, repr=False)
    new_data: xr.Dataset | None = field(default=None, repr=False)
    cod_differs: xr.DataArray | None = field(default=None, repr=False)

    @property
    def equal(self) -> bool:
        """Same coordinates and variables, every value equal within the tolerance."""
        return (
            not self.only_old
            and not self.only_new
            and not self.variables_only_old
            and not self.variables_only_new
            and all(v.equal for v in self.variables)
        )

    @property
    def status(self) -> str:
        """``"identical"``, ``"equal within tolerance"`` or ``"differs"``."""
        if not self.equal:
            return "differs"
        return (
            "identical" if all(v.identical for v in self.variables) else "equal within tolerance"
        )

    @property
    def label(self) -> str:
        """Name with the law, e.g. ``metrics/morse.nc (law morse)``."""
        return f"{self.name} (law {self.law})" if self.law else self.name


@dataclass
class DiffReport:
    """Result of :func:`diff_paths` or :func:`diff_datasets`.

    Attributes
    ----------
    old, new : str
        What was compared (paths or labels).
    rtol, atol : float
        Tolerance: a value differs if ``|new - old| > atol + rtol * |old|``.
    files : list of FileDiff
        One entry per pair of files (one for two files or datasets).
    files_only_old, files_only_new : list of str
        Directory mode: files present on one side only (relative paths).
    note : str or None
        How the files of the two directories were matched, if not by the same layout.
    """

    old: str
    new: str
    rtol: float
    atol: float
    files: list[FileDiff]
    files_only_old: list[str] = field(default_factory=list)
    files_only_new: list[str] = field(default_factory=list)
    note: str | None = None

    @property
    def equal(self) -> bool:
        """The data are equal within the tolerance (provenance differences do not count)."""
        return (
            not self.files_only_old
            and not self.files_only_new
            and all(f.equal for f in self.files)
        )

    @property
    def provenance_differs(self) -> bool:
        """Some provenance attribute differs."""
        return any(f.provenance for f in self.files)

    def _summary(self) -> str:
        differing = sum(not f.equal for f in self.files)
        parts = [
            f"{differing} of {_count(len(self.files), 'file')} differ{'s' * (differing == 1)}"
        ]
        if self.files_only_old:
            parts.append(f"{_count(len(self.files_only_old), 'file')} only in old")
        if self.files_only_new:
            parts.append(f"{_count(len(self.files_only_new), 'file')} only in new")
        if self.provenance_differs:
            parts.append("provenance differs")
        if not self.equal:
            verdict = "differs"
        elif all(f.status == "identical" for f in self.files):
            verdict = "identical"
        else:
            verdict = "equal within tolerance"
        return f"{verdict} ({', '.join(parts)})"

    def _provenance_groups(self) -> list[tuple[list[str], list[ProvenanceDiff]]]:
        """Files with the same provenance differences, grouped (first appearance order)."""
        groups: dict[str, tuple[list[str], list[ProvenanceDiff]]] = {}
        for f in self.files:
            if f.provenance:
                key = repr([(p.key, p.old, p.new) for p in f.provenance])
                groups.setdefault(key, ([], f.provenance))[0].append(f.name)
        return list(groups.values())

    def to_text(self) -> str:
        """The report as plain text (coordinates in display units: pm, 1/nm, nm)."""
        lines = [
            "fmdecon diff",
            f"  old: {self.old}",
            f"  new: {self.new}",
            f"  tolerance: |new - old| > atol + rtol*|old|, rtol = {self.rtol:g}, "
            f"atol = {self.atol:g}",
        ]
        if self.note:
            lines.append(f"  note: {self.note}")
        for side, names in (("old", self.files_only_old), ("new", self.files_only_new)):
            if names:
                lines += ["", f"files only in {side}:", *(f"  {n}" for n in names)]
        for f in self.files:
            lines += ["", f"{f.label}: {f.status}"]
            lines += [f"  {line}" for line in _file_lines(f)]
            if f.variables:
                headers, rows = _variable_table(f)
                lines += [f"  {line}" for line in _text_table(headers, rows)]
            for v in f.variables:
                if v.differing:
                    lines += ["", f"  {_where_line(v)}"]
                    headers, rows = _points_table(f, v)
                    lines += [f"    {line}" for line in _text_table(headers, rows)]
                    if v.differing > len(v.points):
                        lines.append(f"    ... and {v.differing - len(v.points)} more")
        lines += ["", "provenance (does not affect the result):"]
        groups = self._provenance_groups()
        if not groups:
            lines.append("  same")
        for names, diffs in groups:
            lines.append(f"  {', '.join(names)}:")
            lines += [f"    {p.key}: {_show(p.old)} -> {_show(p.new)}" for p in diffs]
        lines += ["", f"result: {self._summary()}"]
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The report as GitHub-flavoured markdown with tables."""
        lines = [
            "# fmdecon diff",
            "",
            f"- old: `{self.old}`",
            f"- new: `{self.new}`",
            f"- tolerance: `|new - old| > atol + rtol*|old|`, rtol = {self.rtol:g}, "
            f"atol = {self.atol:g}",
        ]
        if self.note:
            lines.append(f"- note: {self.note}")
        lines.append(f"- **result: {self._summary()}**")
        for side, names in (("old", self.files_only_old), ("new", self.files_only_new)):
            if names:
                lines += ["", f"Files only in {side}: {', '.join(f'`{n}`' for n in names)}"]
        for f in self.files:
            lines += ["", f"## {f.label}: {f.status}", ""]
            lines += [f"- {line}" for line in _file_lines(f)]
            if f.variables:
                headers, rows = _variable_table(f)
                lines += ["", *_markdown_table(headers, rows)]
            for v in f.variables:
                if v.differing:
                    lines += ["", f"### {_where_line(v)}", ""]
                    headers, rows = _points_table(f, v)
                    lines += _markdown_table(headers, rows)
                    if v.differing > len(v.points):
                        lines += ["", f"... and {v.differing - len(v.points)} more"]
        lines += ["", "## Provenance (does not affect the result)", ""]
        groups = self._provenance_groups()
        if not groups:
            lines.append("Same provenance.")
        for names, diffs in groups:
            lines += [f"{', '.join(f'`{n}`' for n in names)}:", ""]
            rows = [[f"`{p.key}`", _show(p.old), _show(p.new)] for p in diffs]
            lines += [*_markdown_table(["key", "old", "new"], rows), ""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def to_json(self) -> dict[str, Any]:
        """The report as a JSON-serialisable dict (SI units; NaN as null, infinity as "inf")."""
        data = {
            "old": self.old,
            "new": self.new,
            "rtol": self.rtol,
            "atol": self.atol,
            "equal": self.equal,
            "provenance_differs": self.provenance_differs,
            "note": self.note,
            "files_only_old": self.files_only_old,
            "files_only_new": self.files_only_new,
            "files": [_file_json(f) for f in self.files],
        }
        return _jsonable(data)

    def plot(self, path: str | Path, max_lines: int = 6) -> Path:
        """Plot CoD(A), old (solid) vs new (dashed), one panel per law and method.

        Values of extra dimensions (e.g. ``kappa``) get one colour each, the first
        ``max_lines`` of them; points of the new side differing beyond the tolerance are
        circled in red. The file is written atomically, its format taken from the suffix.

        Parameters
        ----------
        path : str or pathlib.Path
            Output image (``.png``, ``.pdf``, ``.svg``, ...).
        max_lines : int, optional
            Largest number of extra-dimension values drawn per panel.

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        DiffError
            If no compared file has a ``cod`` variable over amplitude, or the format of
            ``path`` is not supported.
        """
        from matplotlib.figure import Figure

        path = Path(path)
        file_format = plot_format(path)
        files = [f for f in self.files if _has_cod(f.old_data) or _has_cod(f.new_data)]
        if not files:
            raise DiffError("nothing to plot: no compared file has a cod variable over amplitude")
        methods: list[str] = []
        for f in files:
            for data in (f.old_data, f.new_data):
                if _has_cod(data):
                    methods += [m for m in _methods(data) if m not in methods]
        methods = methods or [""]
        figure = Figure(figsize=(4.6 * len(methods), 3.4 * len(files) + 0.4), layout="constrained")
        axes = figure.subplots(len(files), len(methods), squeeze=False, sharex=True)
        for row, f in enumerate(files):
            for col, method in enumerate(methods):
                _plot_panel(axes[row][col], f, method, max_lines)
        for ax in axes[-1]:
            ax.set_xlabel("amplitude A [pm]")
        figure.suptitle(f"CoD(A): old (solid) vs new (dashed)\nold: {self.old}\nnew: {self.new}")
        write_atomic(path, lambda tmp: figure.savefig(tmp, format=file_format, dpi=150))
        return path


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------


def _check_tolerances(rtol: float, atol: float) -> None:
    for name, value in (("rtol", rtol), ("atol", atol)):
        try:
            ok = math.isfinite(float(value)) and float(value) >= 0
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise DiffError(f"{name} must be a finite number >= 0; got {value!r}")


def diff_datasets(
    old: xr.Dataset,
    new: xr.Dataset,
    rtol: float = 1e-12,
    atol: float = 0.0,
    name: str = "",
    max_points: int = MAX_POINTS,
) -> DiffReport:
    """Compare two datasets (e.g. metric cubes) value by value.

    Parameters
    ----------
    old, new : xarray.Dataset
        The two datasets.
    rtol, atol : float, optional
        Tolerance: a value differs if ``|new - old| > atol + rtol * |old|``.
    name : str, optional
        Label of the comparison in the report.
    max_points : int, optional
        Differing points listed per variable.

    Returns
    -------
    DiffReport
        With a single entry in ``files``.

    Raises
    ------
    DiffError
        If the datasets hold different quantities: no data variable in common, a shared
        variable with other units or other dimensions, or another force law.
    """
    _check_tolerances(rtol, atol)
    result = _diff_pair(old, new, rtol, atol, name or "dataset", max_points)
    return DiffReport(old="old dataset", new="new dataset", rtol=rtol, atol=atol, files=[result])


def diff_paths(
    old: str | Path,
    new: str | Path,
    rtol: float = 1e-12,
    atol: float = 0.0,
    max_points: int = MAX_POINTS,
) -> DiffReport:
    """Compare two netCDF files, or the netCDF files of two results directories.

    In a directory the files compared are ``metrics/*.nc`` and ``curves/*.nc`` and any
    ``*.nc`` directly inside it, matched by relative path. A directory holding the files
    directly (e.g. ``results/<study>/metrics``) against one with subdirectories is matched
    against the subdirectory of the same name (``metrics/`` if it has another name).

    Parameters
    ----------
    old, new : str or pathlib.Path
        Two files or two directories.
    rtol, atol : float, optional
        Tolerance: a value differs if ``|new - old| > atol + rtol * |old|``.
    max_points : int, optional
        Differing points listed per variable.

    Returns
    -------
    DiffReport

    Raises
    ------
    ValueError
        Naming the file, if a file is missing, truncated or not netCDF.
    DiffError
        If a path does not exist, one is a file and the other a directory, a directory has
        no netCDF files, or two files hold different quantities.
    """
    _check_tolerances(rtol, atol)
    old, new = Path(old), Path(new)
    for path in (old, new):
        if not path.exists():
            raise DiffError(f"cannot read {path}: no such file or directory")
    note = None
    only_old: list[str] = []
    only_new: list[str] = []
    if old.is_dir() and new.is_dir():
        old_files, new_files, note = _match_layouts(old, new)
        pairs = [(key, old_files[key], new_files[key]) for key in old_files if key in new_files]
        only_old = [key for key in old_files if key not in new_files]
        only_new = [key for key in new_files if key not in old_files]
    elif old.is_dir() or new.is_dir():
        raise DiffError(f"cannot compare {old} with {new}: one is a directory, the other is not")
    else:
        label = old.name if old.name == new.name else f"{old.name} -> {new.name}"
        pairs = [(label, old, new)]
    files = []
    for key, old_path, new_path in pairs:
        old_data = open_dataset(old_path)
        new_data = open_dataset(new_path)
        try:
            result = _diff_pair(old_data, new_data, rtol, atol, key, max_points)
        except DiffError as exc:
            raise DiffError(f"{old_path} vs {new_path}: {exc}") from None
        result.old_path, result.new_path = old_path, new_path
        files.append(result)
    return DiffReport(
        old=str(old),
        new=str(new),
        rtol=rtol,
        atol=atol,
        files=files,
        files_only_old=only_old,
        files_only_new=only_new,
        note=note,
    )


def _netcdf_files(directory: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """``*.nc`` directly in ``directory`` and in its subdirectories, by relative path."""

    def listing(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("*.nc") if p.is_file() and not p.name.startswith("."))

    flat = {p.name: p for p in listing(directory)}
    nested = {f"{sub}/{p.name}": p for sub in SUBDIRS for p in listing(directory / sub)}
    return flat, nested


def _match_layouts(old: Path, new: Path) -> tuple[dict[str, Path], dict[str, Path], str | None]:
    old_flat, old_nested = _netcdf_files(old)
    new_flat, new_nested = _netcdf_files(new)
    for path, flat, nested in ((old, old_flat, old_nested), (new, new_flat, new_nested)):
        if not flat and not nested:
            raise DiffError(
                f"no netCDF files (*.nc) in directory {path} or its "
                f"{' and '.join(f'{s}/' for s in SUBDIRS)} subdirectories"
            )
    note = None
    if old_flat and not old_nested and new_nested and not new_flat:
        sub = old.resolve().name if old.resolve().name in SUBDIRS else SUBDIRS[0]
        old_flat = {f"{sub}/{k}": v for k, v in old_flat.items()}
        new_nested = {k: v for k, v in new_nested.items() if k.startswith(f"{sub}/")}
        note = f"the files directly in old are compared with {sub}/ of new"
    elif new_flat and not new_nested and old_nested and not old_flat:
        sub = new.resolve().name if new.resolve().name in SUBDIRS else SUBDIRS[0]
        new_flat = {f"{sub}/{k}": v for k, v in new_flat.items()}
        old_nested = {k: v for k, v in old_nested.items() if k.startswith(f"{sub}/")}
        note = f"the files directly in new are compared with {sub}/ of old"
    return old_flat | old_nested, new_flat | new_nested, note


def _promote_scalars(data: xr.Dataset, other: xr.Dataset) -> xr.Dataset:
    """Turn scalar coordinates that are dimensions of ``other`` into length-1 dimensions."""
    for dim in other.dims:
        if dim in data.dims or dim not in data.coords or data[dim].ndim != 0:
            continue
        expanded = data.expand_dims(dim)
        for name in data.data_vars:
            if name in other.variables and dim not in other[name].dims:
                expanded[name] = expanded[name].isel({dim: 0}, drop=True)
        data = expanded
    return data


def _snap(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` replaced by the value of ``reference`` they match within COORD_RTOL."""
    if reference.size == 0 or values.size == 0:
        return values
    ordered = np.sort(reference)
    pos = np.searchsorted(ordered, values)
    below = ordered[np.clip(pos - 1, 0, ordered.size - 1)]
    above = ordered[np.clip(pos, 0, ordered.size - 1)]
    with np.errstate(invalid="ignore"):
        nearest = np.where(np.abs(below - values) <= np.abs(above - values), below, above)
        close = np.isclose(nearest, values, rtol=COORD_RTOL, atol=0.0)
    return np.where(close, nearest, values)


def _py(value: Any) -> Any:
    """A numpy scalar as a plain Python value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value


def _only(values: np.ndarray, other: np.ndarray) -> list[Any]:
    return [_py(v) for v in values[~np.isin(values, other)]]


def _diff_pair(
    old: xr.Dataset, new: xr.Dataset, rtol: float, atol: float, name: str, max_points: int
) -> FileDiff:
    law_old, law_new = old.attrs.get("law"), new.attrs.get("law")
    if law_old is not None and law_new is not None and law_old != law_new:
        raise DiffError(f"different quantities: law {law_old!r} in old, {law_new!r} in new")
    shared = [v for v in old.data_vars if v in new.data_vars]
    if not shared:
        raise DiffError(
            "different quantities: no data variable in common (old: "
            f"{', '.join(map(str, old.data_vars)) or 'none'}; new: "
            f"{', '.join(map(str, new.data_vars)) or 'none'})"
        )
    for var in (v for v in old.variables if v in new.variables):
        units_old, units_new = old[var].attrs.get("units"), new[var].attrs.get("units")
        if units_old != units_new:
            raise DiffError(
                f"different quantities: {var} is in units {units_old!r} in old "
                f"but {units_new!r} in new"
            )
    old, new = _promote_scalars(old, new), _promote_scalars(new, old)
    coords = [
        c for c in old.coords if c not in old.indexes and c in new.coords and c not in new.indexes
    ]
    for var in [*shared, *coords]:
        if set(old[var].dims) != set(new[var].dims):
            raise DiffError(
                f"different quantities: {var} has dimensions {_dims(old[var])} in old "
                f"but {_dims(new[var])} in new"
            )
    only_old: dict[str, list[Any]] = {}
    only_new: dict[str, list[Any]] = {}
    for dim in (d for d in old.indexes if d in new.indexes and d in old.dims):
        old_values, new_values = old[dim].to_numpy(), new[dim].to_numpy()
        if old_values.dtype.kind == "f" and new_values.dtype.kind == "f":
            new_values = _snap(old_values, new_values)
            new = new.assign_coords({dim: (dim, new_values, new[dim].attrs)})
        if values := _only(old_values, new_values):
            only_old[str(dim)] = values
        if values := _only(new_values, old_values):
            only_new[str(dim)] = values
    try:
        aligned_old, aligned_new = xr.align(old, new, join="inner")
    except Exception as exc:  # duplicate coordinate values, unindexed dims of other sizes...
        raise DiffError(f"cannot align the two sides: {exc}".replace("\n", " ")) from None
    variables = [
        _diff_variable(aligned_old[v], aligned_new[v], rtol, atol, v in coords, max_points)
        for v in [*shared, *coords]
    ]
    cod_differs = None
    if "cod" in shared:
        cod_differs = _differs(aligned_old["cod"], aligned_new["cod"], rtol, atol)
    return FileDiff(
        name=name,
        law=_py(law_old if law_old is not None else law_new),
        old_path=None,
        new_path=None,
        sizes=_sizes(aligned_old, aligned_new, [*shared, *coords]),
        only_old=only_old,
        only_new=only_new,
        variables_only_old=[
            str(v) for v in [*old.data_vars, *old.coords] if v not in new.variables
        ],
        variables_only_new=[
            str(v) for v in [*new.data_vars, *new.coords] if v not in old.variables
        ],
        variables=variables,
        provenance=_diff_provenance(old.attrs, new.attrs),
        old_data=old if _has_cod(old) else None,
        new_data=new if _has_cod(new) else None,
        cod_differs=cod_differs,
    )


def _sizes(old: xr.Dataset, new: xr.Dataset, names: Sequence[Any]) -> dict[str, int]:
    """Lengths of the compared dimensions, in the order the compared variables use them."""
    dims: list[Any] = []
    for name in names:
        dims += [d for d in old[name].dims if d not in dims and d in new.dims]
    return {str(d): int(old.sizes[d]) for d in dims}


def _dims(data: xr.DataArray) -> str:
    return "(" + ", ".join(map(str, data.dims)) + ")"


def _numeric(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype.kind in "biuf" and b.dtype.kind in "biuf"


def _differs(old: xr.DataArray, new: xr.DataArray, rtol: float, atol: float) -> xr.DataArray:
    """Boolean mask (on the dims of ``old``) of values differing beyond the tolerance."""
    a = old.to_numpy()
    b = new.transpose(*old.dims).to_numpy()
    return old.copy(data=_differs_array(a, b, rtol, atol))


def _differs_array(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    if not _numeric(a, b):
        return ~np.asarray(a == b, dtype=bool).reshape(a.shape)
    a, b = a.astype(np.float64), b.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        finite = np.isfinite(a) & np.isfinite(b)
        within = finite & (np.abs(b - a) <= atol + rtol * np.abs(a))
    return ~same & ~within


def _diff_variable(
    old: xr.DataArray,
    new: xr.DataArray,
    rtol: float,
    atol: float,
    coordinate: bool,
    max_points: int,
) -> VariableDiff:
    dims = tuple(str(d) for d in old.dims)
    a = old.to_numpy()
    b = new.transpose(*old.dims).to_numpy()
    if (a.dtype.kind in "biuf") != (b.dtype.kind in "biuf"):
        raise DiffError(
            f"different quantities: {old.name} is {a.dtype} in old but {b.dtype} in new"
        )
    differs = _differs_array(a, b, rtol, atol)
    max_abs = max_rel = None
    nonfinite = 0
    if _numeric(a, b):
        a, b = a.astype(np.float64), b.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            finite = np.isfinite(a) & np.isfinite(b)
            abs_diff = np.where(finite, np.abs(b - a), np.nan)
            rel_diff = np.where(
                finite & (a != 0),
                abs_diff / np.abs(np.where(a != 0, a, 1.0)),
                np.where(finite & (abs_diff > 0), np.inf, np.where(finite, 0.0, np.nan)),
            )
        if finite.any():
            max_abs = float(np.max(abs_diff[finite]))
            max_rel = float(np.max(rel_diff[finite]))
        nonfinite = int(np.count_nonzero(differs & ~finite))
        # order: non-finite mismatches first, then the largest absolute difference
        key = np.where(differs & ~finite, np.inf, np.nan_to_num(abs_diff, nan=-1.0))
    else:
        abs_diff = rel_diff = np.full(a.shape, np.nan)
        key = differs.astype(np.float64)
    flat = np.flatnonzero(differs.reshape(-1))
    chosen = flat[np.argsort(-key.reshape(-1)[flat], kind="stable")][:max_points]
    coord_values = [_coord_values(old, d) for d in old.dims]
    points = []
    for index in chosen:
        position = np.unravel_index(index, a.shape) if a.ndim else ()
        points.append(
            PointDiff(
                coords={
                    d: _py(v[i]) for d, v, i in zip(dims, coord_values, position, strict=True)
                },
                old=_py(a[position]),
                new=_py(b[position]),
                abs_diff=float(abs_diff[position]),
                rel_diff=float(rel_diff[position]),
            )
        )
    where = {}
    for axis, (dim, values) in enumerate(zip(dims, coord_values, strict=True)):
        others = tuple(i for i in range(a.ndim) if i != axis)
        mask = differs.any(axis=others) if others else differs
        where[dim] = [_py(v) for v in values[mask]]
    return VariableDiff(
        name=str(old.name),
        units=old.attrs.get("units"),
        dims=dims,
        coordinate=coordinate,
        compared=int(a.size),
        differing=int(np.count_nonzero(differs)),
        max_abs_diff=max_abs,
        max_rel_diff=max_rel,
        nonfinite_mismatches=nonfinite,
        where=where,
        points=points,
    )


def _coord_values(data: xr.DataArray, dim: Any) -> np.ndarray:
    if dim in data.coords:
        return data[dim].to_numpy()
    return np.arange(data.sizes[dim])


def _parse_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _mapping_diff(key: str, old: Any, new: Any) -> Iterator[ProvenanceDiff]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name in [*old, *(k for k in new if k not in old)]:
            yield from _mapping_diff(f"{key}.{name}", old.get(name, ABSENT), new.get(name, ABSENT))
    elif old != new and not (_is_nan(old) and _is_nan(new)):
        yield ProvenanceDiff(key, old, new)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _diff_provenance(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ProvenanceDiff]:
    diffs: list[ProvenanceDiff] = []
    for key in PROVENANCE_KEYS:
        a, b = _py(old.get(key, ABSENT)), _py(new.get(key, ABSENT))
        if key in _JSON_KEYS:
            a, b = _parse_json(a), _parse_json(b)
        diffs += _mapping_diff(key, a, b)
    return diffs


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(value: Any, digits: int = 6) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}"


def _pair(old: Any, new: Any) -> tuple[str, str]:
    """Old and new values with just enough digits to tell them apart."""
    for digits in (6, 9, 12, 17):
        a, b = _num(old, digits), _num(new, digits)
        if a != b:
            break
    return a, b


def _unit_suffix(units: str | None) -> str:
    return f" [{units}]" if units and units != "1" else ""


def _coord_header(dim: str) -> str:
    if dim in DISPLAY_UNITS:
        return f"{dim} [{DISPLAY_UNITS[dim][1]}]"
    return dim


def _coord(dim: str, value: Any, with_unit: bool = True) -> str:
    if dim in DISPLAY_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
        scale, unit = DISPLAY_UNITS[dim]
        return f"{value * scale:.6g}" + (f" {unit}" if with_unit else "")
    return _num(value)


def _values(dim: str, values: Sequence[Any]) -> str:
    """Coordinate values, spelt out if few, else as a count and range."""
    if len(values) <= _SHOWN_VALUES:
        return ", ".join(_coord(dim, v) for v in values)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if numeric:
        low, high = _coord(dim, min(values), False), _coord(dim, max(values))
        return f"{len(values)} values in {low} .. {high}"
    shown = ", ".join(_coord(dim, v) for v in values[:_SHOWN_VALUES])
    return f"{shown}, ... ({len(values)} values)"


def _file_lines(f: FileDiff) -> list[str]:
    lines = []
    if f.old_path is not None and f.new_path is not None:
        lines.append(f"files: {f.old_path} -> {f.new_path}")
    if f.sizes:
        compared = " x ".join(f"{d} {n}" for d, n in f.sizes.items())
        lines.append(f"compared on: {compared}")
    for side, only in (("old", f.only_old), ("new", f.only_new)):
        for dim, values in only.items():
            lines.append(f"{dim} only in {side}: {_values(dim, values)}")
    same = [v.name for v in f.variables if v.coordinate and v.identical]
    if same:
        lines.append(f"coordinates identical: {', '.join(same)}")
    if f.variables_only_old:
        lines.append(f"variables only in old: {', '.join(f.variables_only_old)}")
    if f.variables_only_new:
        lines.append(f"variables only in new: {', '.join(f.variables_only_new)}")
    return lines


def _variable_table(f: FileDiff) -> tuple[list[str], list[list[str]]]:
    headers = ["variable", "units", "compared", "differing", "max abs diff", "max rel diff"]
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
    return headers, rows


def _where_line(v: VariableDiff) -> str:
    parts = [f"{dim}: {_values(dim, values)}" for dim, values in v.where.items()]
    where = f"; at {'; '.join(parts)}" if parts else ""
    return f"{v.name}: {v.differing} of {v.compared} values differ{where}"


def _points_table(f: FileDiff, v: VariableDiff) -> tuple[list[str], list[list[str]]]:
    units = _unit_suffix(v.units)
    headers = [
        "law",
        *(_coord_header(d) for d in v.dims),
        f"old{units}",
        f"new{units}",
        "abs diff",
        "rel diff",
    ]
    rows = []
    for p in v.points:
        old, new = _pair(p.old, p.new)
        coords = [_coord(d, p.coords[d], with_unit=False) for d in v.dims]
        rows.append([f.law or "-", *coords, old, new, _num(p.abs_diff, 3), _num(p.rel_diff, 3)])
    return headers, rows


def _text_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    return [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]


def _markdown_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return [line(headers), line(["---"] * len(headers)), *(line(r) for r in rows)]


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


def _file_json(f: FileDiff) -> dict[str, Any]:
    return {
        "name": f.name,
        "law": f.law,
        "old_path": None if f.old_path is None else str(f.old_path),
        "new_path": None if f.new_path is None else str(f.new_path),
        "equal": f.equal,
        "status": f.status,
        "compared_sizes": f.sizes,
        "only_old": f.only_old,
        "only_new": f.only_new,
        "variables_only_old": f.variables_only_old,
        "variables_only_new": f.variables_only_new,
        "variables": [
            {
                "name": v.name,
                "units": v.units,
                "dims": list(v.dims),
                "coordinate": v.coordinate,
                "compared": v.compared,
                "differing": v.differing,
                "max_abs_diff": v.max_abs_diff,
                "max_rel_diff": v.max_rel_diff,
                "nonfinite_mismatches": v.nonfinite_mismatches,
                "where": v.where,
                "points": [
                    {
                        "coords": p.coords,
                        "old": p.old,
                        "new": p.new,
                        "abs_diff": p.abs_diff,
                        "rel_diff": p.rel_diff,
                    }
                    for p in v.points
                ],
                "points_omitted": v.differing - len(v.points),
            }
            for v in f.variables
        ],
        "provenance": [
            {"key": p.key}
            | ({} if p.old is ABSENT else {"old": p.old})
            | ({} if p.new is ABSENT else {"new": p.new})
            for p in f.provenance
        ],
    }


def _jsonable(value: Any) -> Any:
    """Plain JSON types: NaN becomes None, infinities "inf"/"-inf", numpy scalars Python."""
    value = _py(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


# --------------------------------------------------------------------------------------------
# Plot and atomic writing
# --------------------------------------------------------------------------------------------


def write_atomic(path: str | Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it to ``path``.

    Nothing appears under ``path`` unless ``write`` succeeds; the temporary file is removed
    on failure.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def plot_format(path: str | Path) -> str:
    """Image format of ``path`` from its suffix (``png`` without one).

    Raises
    ------
    DiffError
        If matplotlib cannot write that format.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lstrip(".").lower() or "png"
    supported = FigureCanvasBase.get_supported_filetypes()
    if suffix not in supported:
        raise DiffError(
            f"cannot plot to {path}: unsupported image format {suffix!r} "
            f"(use one of {', '.join(sorted(supported))})"
        )
    return suffix


def _has_cod(data: xr.Dataset | None) -> bool:
    return data is not None and "cod" in data.data_vars and "amplitude" in data["cod"].dims


def _methods(data: xr.Dataset) -> list[str]:
    if "deconvolution" in data["cod"].dims:
        return [str(m) for m in data["deconvolution"].to_numpy()]
    return []


def _combinations(data: xr.DataArray) -> list[dict[str, Any]]:
    """Every combination of the coordinate values of the dims other than amplitude."""
    dims = [d for d in data.dims if d != "amplitude"]
    values = [[_py(v) for v in _coord_values(data, d)] for d in dims]
    return [dict(zip(map(str, dims), combo, strict=True)) for combo in itertools.product(*values)]


def _combination_label(combo: Mapping[str, Any]) -> str:
    parts = []
    for dim, value in combo.items():
        name = r"$\kappa$" if dim == "kappa" else dim
        parts.append(f"{name} = {_coord(dim, value)}")
    return ", ".join(parts)


def _minor_label(value: float, _: Any) -> str:
    """Label the minor ticks 2 and 5 of each decade of a log axis."""
    if value <= 0:
        return ""
    mantissa = value / 10 ** math.floor(math.log10(value))
    return f"{value:g}" if round(mantissa) in (2, 5) else ""


def _plot_panel(ax: Any, f: FileDiff, method: str, max_lines: int) -> None:
    """Draw CoD(A) of one file and method: old solid, new dashed, differing points circled."""
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    series: dict[str, xr.DataArray] = {}
    for side, data in (("old", f.old_data), ("new", f.new_data)):
        if _has_cod(data) and method in _methods(data):
            series[side] = data["cod"].sel(deconvolution=method)
        elif _has_cod(data) and not method:
            series[side] = data["cod"]
    combos: list[dict[str, Any]] = []
    for cod in series.values():
        combos += [c for c in _combinations(cod) if c not in combos]
    shown = combos[:max_lines]
    colors = [f"C{i % 10}" for i in range(len(shown))]
    for side, cod in series.items():
        style = "-" if side == "old" else "--"
        for combo, color in zip(shown, colors, strict=True):
            try:
                curve = cod.sel(combo)
            except KeyError:
                continue
            ax.plot(curve["amplitude"] * 1e12, curve, style, color=color, lw=1.3)
    marked = False
    if f.cod_differs is not None and "new" in series:
        mask = f.cod_differs
        if method and "deconvolution" in mask.dims:
            mask = mask.sel(deconvolution=method) if method in mask["deconvolution"] else None
        for combo in shown:
            if mask is None:
                break
            try:
                hits = mask.sel(combo)
                values = series["new"].sel(combo).sel(amplitude=hits["amplitude"])
            except KeyError:
                continue
            flags = hits.to_numpy()
            if flags.any():
                marked = True
                ax.plot(
                    hits["amplitude"].to_numpy()[flags] * 1e12,
                    values.to_numpy()[flags],
                    "o",
                    mfc="none",
                    mec="red",
                    ms=6,
                    zorder=5,
                )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(FuncFormatter(_minor_label))
    ax.set_ylabel("CoD")
    title = f"{f.law or f.name}" + (f": {method}" if method else "")
    if len(combos) > len(shown):
        title += f" (first {len(shown)} of {len(combos)})"
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    handles = [
        Line2D([], [], color="0.2", ls="-", label="old"),
        Line2D([], [], color="0.2", ls="--", label="new"),
    ]
    if marked:
        handles.append(
            Line2D([], [], ls="none", marker="o", mfc="none", mec="red", label="differs")
        )
    handles += [
        Line2D([], [], color=c, lw=2, label=_combination_label(combo))
        for combo, c in zip(shown, colors, strict=True)
        if combo
    ]
    ax.legend(handles=handles, fontsize=7, loc="best")
