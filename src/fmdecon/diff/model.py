"""The report model of ``fmdecon diff``: plain dataclasses (numbers, strings, lists), no data.

The bottom of :mod:`fmdecon.diff`: it imports no other module of the package;
:mod:`~fmdecon.diff.compare` builds these classes, :mod:`~fmdecon.diff.report` renders them
and :mod:`~fmdecon.diff.plot` draws them.

Definitions used throughout (SI units):

- absolute difference ``|new - old|``;
- relative difference ``|new - old| / max(|old|, |new|)``: 0 where both values are 0, at
  most 2 (opposite signs), never infinite, and symmetric in old and new;
- a value *differs* if ``|new - old| > atol + rtol * max(|old|, |new|)``, i.e. with
  ``atol = 0`` exactly when its relative difference exceeds ``rtol``. NaN against NaN (and an
  infinity against the same infinity) is equal, NaN against a number differs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class _Absent:
    """Marker of a provenance attribute or configuration key missing on one side."""

    def __repr__(self) -> str:
        return "<absent>"

    def __deepcopy__(self, memo: Any) -> _Absent:  # stays the one marker in asdict()
        return self


ABSENT = _Absent()


@dataclass(frozen=True)
class PointDiff:
    """One pair of values: ``coords`` (SI units) of each dimension, ``old`` and ``new``, and
    their ``abs_diff`` and ``rel_diff`` (NaN unless both values are finite numbers)."""

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
    name, units : str
        Variable name and ``units`` attribute (the same on both sides; None if absent).
    dims : tuple of str
        Dimensions, in the order of the old side.
    coordinate : bool
        True for a non-index coordinate such as ``a_over_d``.
    compared, differing : int
        Number of values compared, and of those differing beyond the tolerance.
    max_abs_diff, max_rel_diff : float or None
        Largest absolute and relative difference over the finite pairs (None if none).
    largest_abs, largest_rel : PointDiff or None
        Where those largest differences are (None if no finite pair differs at all).
    nonfinite_mismatches : int
        Pairs where one value is NaN or infinite and the other is not the same.
    where : dict
        For each dimension, the coordinate values having at least one differing value.
    points : list of PointDiff
        The differing values, non-finite mismatches first, then by decreasing absolute
        difference; at most ``max_points``.
    """

    name: str
    units: str | None
    dims: tuple[str, ...]
    coordinate: bool
    compared: int
    differing: int
    max_abs_diff: float | None
    max_rel_diff: float | None
    largest_abs: PointDiff | None
    largest_rel: PointDiff | None
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


@dataclass(frozen=True)
class GridDiff:
    """A continuous grid dimension ``dim`` (``z``) with other values on the two sides.

    ``old``, ``new`` and ``values`` are ``[count, first, last]`` of the two grids and of the
    grid compared on: the values of side ``grid`` ("old" or "new") within the overlap of the
    two ranges, the other side linearly interpolated onto them. If the grids are incomparable
    ``grid`` is None, ``reason`` says why, and the variables over ``dim``, ``not_compared``,
    are left out.
    """

    dim: str
    old: list[float]
    new: list[float]
    grid: str | None
    values: list[float]
    reason: str = ""
    not_compared: list[str] = field(default_factory=list)


@dataclass
class FileDiff:
    """Comparison of one pair of datasets (files).

    Attributes
    ----------
    name, law : str
        Label (relative path in directory mode, else file name); force law (or None).
    old_path, new_path : pathlib.Path or None
        Files compared (None for in-memory datasets).
    sizes : dict
        Length of each dimension on the compared coordinates.
    only_old, only_new : dict
        For each dimension, coordinate values present on that side only.
    grids : list of GridDiff
        Grid dimensions compared by interpolation, or found incomparable.
    variables_only_old, variables_only_new : list of str
        Variables (and non-index coordinates) present on that side only.
    variables : list of VariableDiff
        The variables compared.
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
    grids: list[GridDiff]
    variables_only_old: list[str]
    variables_only_new: list[str]
    variables: list[VariableDiff]
    provenance: list[ProvenanceDiff]

    @property
    def equal(self) -> bool:
        """Same coordinates and variables, every value equal within the tolerance."""
        return not (
            self.only_old
            or self.only_new
            or self.grids
            or self.variables_only_old
            or self.variables_only_new
            or not all(v.equal for v in self.variables)
        )

    @property
    def status(self) -> str:
        """``"identical"``, ``"equal within tolerance"`` or ``"differs"``."""
        if not self.equal:
            return "differs"
        identical = all(v.identical for v in self.variables)
        return "identical" if identical else "equal within tolerance"

    @property
    def label(self) -> str:
        """Name with the law, e.g. ``metrics/morse.nc (law morse)``."""
        return f"{self.name} (law {self.law})" if self.law else self.name


@dataclass
class DiffReport:
    """Result of :func:`~fmdecon.diff.diff_paths` or :func:`~fmdecon.diff.diff_datasets`.

    Attributes
    ----------
    old, new : str
        What was compared (paths or labels).
    rtol, atol : float
        Tolerance (see :mod:`fmdecon.diff.model`).
    files : list of FileDiff
        One entry per pair of files (one for two files or datasets).
    files_only_old, files_only_new : list of str
        Directory mode: files present on one side only (relative paths).
    note : str or None
        How the files of the two directories were matched, if not by the same layout.

    Rendered by :func:`~fmdecon.diff.report.render_text`,
    :func:`~fmdecon.diff.report.render_markdown` and :func:`~fmdecon.diff.report.to_json`,
    drawn by :func:`~fmdecon.diff.plot.plot_diff`.
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
        return not (self.files_only_old or self.files_only_new) and all(
            f.equal for f in self.files
        )

    @property
    def status(self) -> str:
        """``"identical"``, ``"equal within tolerance"`` or ``"differs"``."""
        statuses = {f.status for f in self.files}
        if not self.equal:
            return "differs"
        return "equal within tolerance" if "equal within tolerance" in statuses else "identical"

    @property
    def provenance_differs(self) -> bool:
        """Some provenance attribute differs."""
        return any(f.provenance for f in self.files)
