"""The comparison: two datasets (or the netCDF files of two results directories) to a report.

The two sides are aligned on the coordinate values they share (inner join; floating-point
coordinates match within a relative :data:`COORD_RTOL`); values on one side only are listed.
A dimension swept on one side and a scalar coordinate on the other (e.g. ``kappa``) is
compared at that scalar's value. A continuous grid (:data:`GRID_DIMS`, i.e. ``z``) with other
values on the two sides, neither a subset of the other, is compared on the coarser of the two
grids within the overlap of their ranges, the other side linearly interpolated onto it; if
the ranges do not overlap, the variables over it are not compared. Either way the file
differs. Provenance (versions, git state, configuration) is compared separately and does not
make the data unequal. Tolerance and relative difference: see :mod:`fmdecon.diff.model`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.diff import model
from fmdecon.study.cube import open_dataset

#: Global attributes compared as provenance (``created`` and ``history`` are ignored).
PROVENANCE_KEYS = (
    "fmdecon_version",
    "fmdecon_source_hash",
    "git_commit",
    "git_dirty",
    "package_versions",
    "config",
)
_JSON_KEYS = ("package_versions", "config")  # attributes holding JSON, compared key by key
#: Subdirectories of a results directory whose files are compared.
SUBDIRS = ("metrics", "curves")
#: Differing points listed per variable.
MAX_POINTS = 20
#: Relative tolerance for matching floating-point coordinate values of the two sides.
COORD_RTOL = 1e-9
#: Continuous grid dimensions, compared by interpolation when the two grids differ.
GRID_DIMS = ("z",)


class DiffError(ValueError):
    """The two sides cannot be compared (different quantities, layouts or bad arguments)."""


def check_tolerances(rtol: float, atol: float) -> None:
    """Raise :class:`DiffError` unless both tolerances are finite numbers >= 0."""
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
) -> model.DiffReport:
    """Compare two datasets (e.g. metric cubes) value by value.

    Parameters
    ----------
    old, new : xarray.Dataset
        The two datasets.
    rtol, atol : float, optional
        Tolerance: a value differs if ``|new - old| > atol + rtol * max(|old|, |new|)``.
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
        variable with other units, dimensions or type, or another force law.
    """
    check_tolerances(rtol, atol)
    result = _diff_pair(old, new, rtol, atol, name or "dataset", max_points)
    return model.DiffReport(
        old="old dataset", new="new dataset", rtol=rtol, atol=atol, files=[result]
    )


def diff_paths(
    old: str | Path,
    new: str | Path,
    rtol: float = 1e-12,
    atol: float = 0.0,
    max_points: int = MAX_POINTS,
) -> model.DiffReport:
    """Compare two netCDF files or zarr stores, or those of two results directories.

    In a directory the files compared are ``metrics/*.nc`` and ``curves/*.nc`` and any
    ``*.nc`` directly inside it, matched by relative path, and likewise ``*.zarr`` stores
    (storage: zarr); a netCDF file and a store of the same name (``metrics/morse.nc`` and
    ``metrics/morse.zarr``) are compared with each other. A store is opened lazily and
    compared block by block (:data:`BLOCK_VALUES` values a side at a time). A directory
    holding the files directly (e.g. ``results/<study>/metrics``) against one with
    subdirectories is matched against the subdirectory of the same name (``metrics/`` if it
    has another name).

    Parameters
    ----------
    old, new : str or pathlib.Path
        Two files or two directories.
    rtol, atol : float, optional
        Tolerance: a value differs if ``|new - old| > atol + rtol * max(|old|, |new|)``.
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
    check_tolerances(rtol, atol)
    old, new = Path(old), Path(new)
    for path in (old, new):
        if not path.exists():
            raise DiffError(f"cannot read {path}: no such file or directory")
    report = model.DiffReport(old=str(old), new=str(new), rtol=rtol, atol=atol, files=[])
    folders = [path.is_dir() and path.suffix != ".zarr" for path in (old, new)]  # a store: one
    if all(folders):
        old_files, new_files, report.note = _match_layouts(old, new)
        pairs = [(key, old_files[key], new_files[key]) for key in old_files if key in new_files]
        # a netCDF cube and a zarr store of the same law (storage: netcdf vs zarr)
        stems = {_stem(key): key for key in new_files if key not in old_files}
        for key in [k for k in old_files if k not in new_files and _stem(k) in stems]:
            other = stems.pop(_stem(key))
            pairs.append((f"{key} -> {other}", old_files.pop(key), new_files.pop(other)))
        report.files_only_old = [key for key in old_files if key not in new_files]
        report.files_only_new = [key for key in new_files if key not in old_files]
    elif any(folders):
        raise DiffError(f"cannot compare {old} with {new}: one is a directory, the other is not")
    else:
        pairs = [(old.name if old.name == new.name else f"{old.name} -> {new.name}", old, new)]
    for key, old_path, new_path in pairs:
        old_data, new_data = _open(old_path), _open(new_path)
        try:
            result = _diff_pair(old_data, new_data, rtol, atol, key, max_points)
        except DiffError as exc:
            raise DiffError(f"{old_path} vs {new_path}: {exc}") from None
        result.old_path, result.new_path = old_path, new_path
        report.files.append(result)
    return report


def _open(path: Path) -> xr.Dataset:
    """A netCDF file fully in memory, a zarr store lazily (compared block by block)."""
    if path.suffix == ".zarr":
        from fmdecon.study.store import open_cube

        return open_cube(path)
    return open_dataset(path)


def _netcdf_files(directory: Path) -> tuple[dict[str, Path], dict[str, Path]]:
    """``*.nc`` files and ``*.zarr`` stores directly in ``directory`` and in its
    subdirectories, by relative path."""

    def listing(folder: Path) -> list[Path]:
        if not folder.is_dir():
            return []
        files = [p for p in folder.glob("*.nc") if p.is_file()]
        files += [p for p in folder.glob("*.zarr") if p.is_dir()]
        return sorted(p for p in files if not p.name.startswith("."))

    flat = {p.name: p for p in listing(directory)}
    nested = {f"{sub}/{p.name}": p for sub in SUBDIRS for p in listing(directory / sub)}
    return flat, nested


def _stem(key: str) -> str:
    """A relative path without its suffix (``metrics/morse.nc`` -> ``metrics/morse``)."""
    return str(Path(key).with_suffix(""))


def _match_layouts(old: Path, new: Path) -> tuple[dict[str, Path], dict[str, Path], str | None]:
    """The files of both directories by relative path, and how the layouts were matched."""
    sides = {"old": (old, *_netcdf_files(old)), "new": (new, *_netcdf_files(new))}
    for path, flat, nested in sides.values():
        if not flat and not nested:
            raise DiffError(
                f"no netCDF files (*.nc) in directory {path} or its "
                f"{' and '.join(f'{s}/' for s in SUBDIRS)} subdirectories"
            )
    files = {side: flat | nested for side, (_, flat, nested) in sides.items()}
    note = None
    for side, other in (("old", "new"), ("new", "old")):
        path, flat, nested = sides[side]
        if flat and not nested and sides[other][2] and not sides[other][1]:
            sub = path.resolve().name if path.resolve().name in SUBDIRS else SUBDIRS[0]
            files[side] = {f"{sub}/{k}": v for k, v in flat.items()}
            files[other] = {k: v for k, v in files[other].items() if k.startswith(f"{sub}/")}
            note = f"the files directly in {side} are compared with {sub}/ of {other}"
    return files["old"], files["new"], note


def _py(value: Any) -> Any:
    """A numpy scalar as a plain Python value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return value


def _check_quantities(old: xr.Dataset, new: xr.Dataset) -> list[str]:
    """The data variables both sides hold; DiffError if they hold different quantities."""
    law_old, law_new = old.attrs.get("law"), new.attrs.get("law")
    if law_old is not None and law_new is not None and law_old != law_new:
        raise DiffError(f"different quantities: law {law_old!r} in old, {law_new!r} in new")
    shared = [str(v) for v in old.data_vars if v in new.data_vars]
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
    return shared


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


def _span(values: np.ndarray) -> list[float]:
    return [len(values), float(values[0]), float(values[-1])] if len(values) else [0]


def _common_grid(
    old: xr.Dataset, new: xr.Dataset, dim: str
) -> tuple[xr.Dataset, xr.Dataset, model.GridDiff | None]:
    """Both sides on one grid of ``dim`` (interpolated), or without it (incomparable)."""
    a, b = old[dim].to_numpy(), new[dim].to_numpy()
    low, high = max(a.min(), b.min()), min(a.max(), b.max())
    a_in, b_in = a[(a >= low) & (a <= high)], b[(b >= low) & (b <= high)]
    if min(a_in.size, b_in.size) < 2:
        reason = "the ranges do not overlap"
    elif np.isin(a_in, b).all() or np.isin(b_in, a).all():
        return old, new, None  # one grid contains the other's overlap: an exact join
    elif np.unique(a).size < a.size or np.unique(b).size < b.size:
        reason = "a grid has repeated values"
    else:
        side = "old" if a_in.size <= b_in.size else "new"
        grid = np.sort(a_in if side == "old" else b_in)
        old, new = (
            data.sortby(dim).sel({dim: grid})
            if name == side
            else data.sortby(dim).interp({dim: grid})
            for name, data in (("old", old), ("new", new))
        )
        return old, new, model.GridDiff(dim, _span(a), _span(b), side, _span(grid))
    over = sorted({str(v) for d in (old, new) for v in d.variables if dim in d[v].dims} - {dim})
    old, new = (d.drop_vars([dim, *over], errors="ignore") for d in (old, new))
    return old, new, model.GridDiff(dim, _span(a), _span(b), None, [], reason, over)


def prepare(
    old: xr.Dataset, new: xr.Dataset
) -> tuple[xr.Dataset, xr.Dataset, list[model.GridDiff]]:
    """The two sides made comparable by coordinate value (before the inner join).

    Scalar coordinates that the other side sweeps become length-1 dimensions, floating-point
    coordinates of ``new`` matching those of ``old`` within :data:`COORD_RTOL` take their
    values, and differing grids (:data:`GRID_DIMS`) are brought onto a common grid.

    Returns
    -------
    old, new : xarray.Dataset
        The prepared sides.
    grids : list of GridDiff
        The grid dimensions interpolated or found incomparable.
    """
    old, new = _promote_scalars(old, new), _promote_scalars(new, old)
    grids = []
    for dim in (d for d in old.indexes if d in new.indexes and d in old.dims):
        old_values, new_values = old[dim].to_numpy(), new[dim].to_numpy()
        if old_values.dtype.kind == "f" and new_values.dtype.kind == "f":
            new_values = _snap(old_values, new_values)
            new = new.assign_coords({dim: (dim, new_values, new[dim].attrs)})
            if dim in GRID_DIMS and not np.array_equal(old_values, new_values):
                old, new, grid = _common_grid(old, new, str(dim))
                grids += [grid] if grid else []
    return old, new, grids


def differences(old: xr.DataArray, new: xr.DataArray, rtol: float, atol: float) -> xr.Dataset:
    """Value-by-value comparison of two aligned arrays.

    Returns
    -------
    xarray.Dataset
        ``differs`` (beyond the tolerance), ``abs_diff``, ``rel_diff`` (NaN unless both values
        are finite numbers) and ``order`` (non-finite mismatches first, then by ``abs_diff``).
    """
    numeric = [data.dtype.kind in "biuf" for data in (old, new)]
    if numeric[0] != numeric[1]:
        raise DiffError(
            f"different quantities: {old.name} is {old.dtype} in old but {new.dtype} in new"
        )
    if not numeric[0]:
        differs = old != new
        nan = xr.full_like(old, np.nan, dtype=np.float64)
        return xr.Dataset(
            {"differs": differs, "abs_diff": nan, "rel_diff": nan, "order": differs * 1.0}
        )
    a, b = old.astype(np.float64), new.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        finite = np.isfinite(a) & np.isfinite(b)
        scale = np.maximum(abs(a), abs(b)).where(finite)
        abs_diff = abs(b - a).where(finite)
        rel_diff = abs(b / scale - a / scale).where(scale > 0, 0.0).where(finite)
        same = (a == b) | (a.isnull() & b.isnull())
        differs = ~same & ~(abs_diff <= atol + rtol * scale)
    order = xr.where(differs & ~finite, np.inf, abs_diff.fillna(-1.0))
    return xr.Dataset(
        {"differs": differs, "abs_diff": abs_diff, "rel_diff": rel_diff, "order": order}
    )


def _point(table: xr.Dataset, dims: Sequence[str]) -> model.PointDiff:
    """The pair of values of a 0-d selection of a :func:`_diff_variable` table."""
    return model.PointDiff(
        coords={d: _py(table[d].item()) for d in dims},
        old=_py(table["old"].item()),
        new=_py(table["new"].item()),
        abs_diff=float(table["abs_diff"]),
        rel_diff=float(table["rel_diff"]),
    )


def _diff_variable(
    old: xr.DataArray, new: xr.DataArray, rtol: float, atol: float, max_points: int
) -> model.VariableDiff:
    dims = tuple(map(str, old.dims))
    name = str(old.name)
    coordinate = name in old.coords
    old, new = (d.drop_vars([c for c in d.coords if c not in d.dims]) for d in (old, new))
    table = differences(old, new, rtol, atol).assign(old=old, new=new.transpose(*dims))
    differs = table["differs"]
    where = {
        dim: [_py(v) for v in table[dim].to_numpy()[differs.any([d for d in dims if d != dim])]]
        for dim in dims
    }
    stacked = table.stack(point=dims) if dims else table.expand_dims("point")
    flagged = stacked.isel(point=np.flatnonzero(stacked["differs"].to_numpy()))
    order = np.argsort(-flagged["order"].to_numpy(), kind="stable")[:max_points]
    largest = {}
    for key in ("abs_diff", "rel_diff"):
        values = table[key]
        has_max = values.size > 0 and bool(values.max(skipna=True) > 0)
        at = values.fillna(-1.0).argmax(dim=dims) if dims else {}
        largest[key] = _point(table.isel(at), dims) if has_max else None
    finite = bool(table["abs_diff"].notnull().any())
    return model.VariableDiff(
        name=name,
        units=old.attrs.get("units"),
        dims=dims,
        coordinate=coordinate,
        compared=int(old.size),
        differing=int(differs.sum()),
        max_abs_diff=float(table["abs_diff"].max()) if finite else None,
        max_rel_diff=float(table["rel_diff"].max()) if finite else None,
        largest_abs=largest["abs_diff"],
        largest_rel=largest["rel_diff"],
        nonfinite_mismatches=int((differs & table["abs_diff"].isnull()).sum()),
        where=where,
        points=[_point(flagged.isel(point=i), dims) for i in order],
    )


#: Values of one block of a lazily opened (zarr) variable compared at a time (8 MB a side).
BLOCK_VALUES = 2**20


def _blocks(shape: Sequence[int], budget: int) -> Iterator[tuple[slice, ...]]:
    """Blocks of at most ``budget`` values (at least one row of the last axis) covering an
    array of ``shape`` in C order: single indices of the leading axes, a run of the first
    axis whose trailing block fits, whole trailing axes."""
    if math.prod(shape) <= budget or not shape:
        yield tuple(slice(None) for _ in shape)
        return
    axis = next(
        (j for j in range(len(shape)) if math.prod(shape[j + 1 :]) <= budget), len(shape) - 1
    )
    step = max(1, budget // max(1, math.prod(shape[axis + 1 :])))
    trailing = tuple(slice(None) for _ in shape[axis + 1 :])
    for lead in itertools.product(*(range(n) for n in shape[:axis])):
        for start in range(0, shape[axis], step):
            yield (*(slice(i, i + 1) for i in lead), slice(start, start + step), *trailing)


def _diff_variable_blocked(
    old: xr.DataArray,
    new: xr.DataArray,
    rtol: float,
    atol: float,
    max_points: int,
    budget: int = BLOCK_VALUES,
) -> model.VariableDiff:
    """:func:`_diff_variable` block by block (blocks of :func:`_blocks`, each read from the
    store when it is compared): the same report, holding one block of each side at a time.

    The blocks run in C order, so the first of equal largest differences and the order of
    equally differing points are those of the whole comparison.
    """
    import dask

    dims = tuple(map(str, old.dims))
    new = new.transpose(*dims)
    parts = []
    with dask.config.set(scheduler="synchronous"):
        for block in _blocks(old.shape, budget):
            where = dict(zip(dims, block, strict=True))
            parts.append(
                _diff_variable(
                    old.isel(where).load(), new.isel(where).load(), rtol, atol, max_points
                )
            )
    first = parts[0]
    finite = [p for p in parts if p.max_abs_diff is not None]

    def largest(key: str, field: str) -> model.PointDiff | None:
        """The first block's point of the largest ``field`` (as argmax over the whole)."""
        found = [getattr(p, key) for p in parts if getattr(p, key) is not None]
        if not found:
            return None
        value = max(getattr(point, field) for point in found)
        return next(point for point in found if getattr(point, field) == value)

    def rank(point: model.PointDiff) -> float:
        return math.inf if math.isnan(point.abs_diff) else point.abs_diff

    candidates = [point for p in parts for point in p.points]
    order = sorted(range(len(candidates)), key=lambda i: -rank(candidates[i]))  # stable
    flagged = {dim: {v for p in parts for v in p.where[dim]} for dim in dims}
    return model.VariableDiff(
        name=first.name,
        units=first.units,
        dims=dims,
        coordinate=first.coordinate,
        compared=sum(p.compared for p in parts),
        differing=sum(p.differing for p in parts),
        max_abs_diff=max(p.max_abs_diff for p in finite) if finite else None,
        max_rel_diff=max(p.max_rel_diff for p in finite) if finite else None,
        largest_abs=largest("largest_abs", "abs_diff"),
        largest_rel=largest("largest_rel", "rel_diff"),
        nonfinite_mismatches=sum(p.nonfinite_mismatches for p in parts),
        where={
            dim: [v for v in map(_py, old[dim].to_numpy()) if v in flagged[dim]] for dim in dims
        },
        points=[candidates[i] for i in order[:max_points]],
    )


def _compare(
    old: xr.DataArray, new: xr.DataArray, rtol: float, atol: float, max_points: int
) -> model.VariableDiff:
    """One variable: in memory, or block by block if either side is lazy (a zarr store)
    and larger than one block."""
    lazy = old.chunks is not None or new.chunks is not None
    numeric = old.dtype.kind in "biuf" and new.dtype.kind in "biuf"
    if lazy and numeric and old.size > BLOCK_VALUES:
        return _diff_variable_blocked(old, new, rtol, atol, max_points)
    return _diff_variable(old.load(), new.load(), rtol, atol, max_points)


def _diff_pair(
    old: xr.Dataset, new: xr.Dataset, rtol: float, atol: float, name: str, max_points: int
) -> model.FileDiff:
    shared = _check_quantities(old, new)
    provenance = _diff_provenance(old.attrs, new.attrs)
    old, new, grids = prepare(old, new)
    shared = [v for v in shared if v in old.data_vars and v in new.data_vars]
    coords = [c for c in old.coords if c not in old.indexes and c in new.coords]
    coords = [str(c) for c in coords if c not in new.indexes]
    for var in [*shared, *coords]:
        if set(old[var].dims) != set(new[var].dims):
            raise DiffError(
                f"different quantities: {var} has dimensions {old[var].dims} in old "
                f"but {new[var].dims} in new"
            )
    only: dict[str, dict[str, list[Any]]] = {"old": {}, "new": {}}
    for dim in (str(d) for d in old.indexes if d in new.indexes and d in old.dims):
        for side, (mine, theirs) in {"old": (old, new), "new": (new, old)}.items():
            values = mine[dim].to_numpy()
            if values := [_py(v) for v in values[~np.isin(values, theirs[dim].to_numpy())]]:
                only[side][dim] = values
    try:
        old_aligned, new_aligned = xr.align(old, new, join="inner")
    except Exception as exc:  # duplicate coordinate values, unindexed dims of other sizes...
        raise DiffError(f"cannot align the two sides: {exc}".replace("\n", " ")) from None
    unindexed = {d: np.arange(n) for d, n in old_aligned.sizes.items() if d not in old_aligned}
    old_aligned, new_aligned = (d.assign_coords(unindexed) for d in (old_aligned, new_aligned))
    names = [*shared, *coords]
    sizes: dict[str, int] = {}
    for var in names:
        sizes |= {str(d): old_aligned.sizes[d] for d in old_aligned[var].dims if d not in sizes}
    return model.FileDiff(
        name=name,
        law=_py(old.attrs.get("law", new.attrs.get("law"))),
        old_path=None,
        new_path=None,
        sizes=sizes,
        only_old=only["old"],
        only_new=only["new"],
        grids=grids,
        variables_only_old=[str(v) for v in old.variables if v not in new.variables],
        variables_only_new=[str(v) for v in new.variables if v not in old.variables],
        variables=[
            _compare(old_aligned[v], new_aligned[v], rtol, atol, max_points) for v in names
        ],
        provenance=provenance,
    )


def _parse_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _mapping_diff(key: str, old: Any, new: Any) -> Iterator[model.ProvenanceDiff]:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for name in [*old, *(k for k in new if k not in old)]:
            yield from _mapping_diff(
                f"{key}.{name}", old.get(name, model.ABSENT), new.get(name, model.ABSENT)
            )
    elif old != new and not (old != old and new != new):  # NaN equals NaN
        yield model.ProvenanceDiff(key, old, new)


def _diff_provenance(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[model.ProvenanceDiff]:
    diffs: list[model.ProvenanceDiff] = []
    for key in PROVENANCE_KEYS:
        a, b = _py(old.get(key, model.ABSENT)), _py(new.get(key, model.ABSENT))
        if key in _JSON_KEYS:
            a, b = _parse_json(a), _parse_json(b)
        diffs += _mapping_diff(key, a, b)
    return diffs
