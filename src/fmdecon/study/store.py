"""Zarr storage of the metric cubes (``storage: zarr``): one store per law, written region by
region by the chunk jobs, for cubes larger than memory.

The store ``results/<study>/metrics/<law>.zarr`` holds the same cube as the netCDF file
:func:`fmdecon.study.compute.merge` builds (every variable, coordinate, ``units`` and
``long_name``, provenance), bit for bit:

1. :func:`init_store` (one small job per law) writes its layout from the study alone:
   coordinates, attributes and every data variable's metadata, filled with NaN (no data is
   written, no chunk is read). The zarr chunks of each variable are the chunk jobs' regions:
   one group of points (a block of the swept dimensions, :meth:`Study.group_region`) by one
   amplitude block, whole along the methods and perturbation dimensions, so that two jobs
   never write the same zarr chunk.
2. :func:`write_region` (each chunk job) writes exactly its points and amplitudes
   (``Dataset.to_zarr(region=...)``); the per-point scalars are written by the job of the
   first amplitude block only. A job holds its chunk and nothing more. Writing a region
   again rewrites it whole: a job killed half-way is simply run again (its done marker, the
   Snakemake output written after the region, is missing).
3. The metadata is consolidated by :func:`init_store` already; the merge step becomes a
   marker that every chunk is in (the ``finalize_store`` rule).

:func:`open_cube` opens a store lazily (dask-backed): the figures and the table select their
points and read only those; ``fmdecon diff`` compares it block by block.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.study.config import PERTURBED_METRICS
from fmdecon.study.cube import annotate, grid_step
from fmdecon.study.perturb import STATISTICS
from fmdecon.study.sweep import Study

__all__ = [
    "ZARR_FORMAT",
    "cube_template",
    "init_store",
    "open_cube",
    "write_region",
]

#: Zarr format of the stores: 2, whose specification covers the text coordinates
#: (``deconvolution``, ``statistic``); format 3 has no stable string type yet.
ZARR_FORMAT = 2
#: Metrics per curve of a noise-free chunk, in chunk order (fmdecon.study.compute.METRICS).
METRICS = ("cod", "delta_f_min", "delta_z_min")
#: Per-point scalars of a cube, in chunk order (force minimum, then
#: fmdecon.study.compute.WELL_POSEDNESS).
PER_POINT = (
    "force_min_model",
    "z_min_model",
    "inflection_z",
    "inflection_S",
    "forbidden_amplitude_low",
    "forbidden_amplitude_high",
)


def _variables(study: Study, law: str) -> dict[str, tuple[str, ...]]:
    """Data variables of the law's cube and their dimensions, in the cube's order."""
    swept = tuple(study.laws[law].swept)
    head = ("deconvolution", *swept)
    perturbations = study.perturbations
    variables: dict[str, tuple[str, ...]] = {}
    if perturbations is None:
        variables |= {name: (*head, "amplitude") for name in METRICS}
    else:
        inner = (*head, *perturbations.swept, "amplitude")
        variables |= {name: (*inner, "statistic") for name in PERTURBED_METRICS}
        variables["force_std_exact"] = inner
        if perturbations.keep_realizations:
            variables |= {
                f"{name}_realizations": (*inner, "realization") for name in PERTURBED_METRICS
            }
    variables |= dict.fromkeys(PER_POINT, swept)
    return variables


def _coords(study: Study, law: str) -> dict[str, Any]:
    """Coordinates of the law's cube (as :func:`fmdecon.study.compute.merge` makes them)."""
    coords: dict[str, Any] = {}
    perturbations = study.perturbations
    if perturbations is not None:
        coords["statistic"] = list(STATISTICS)
        for name, values in perturbations.values.items():
            coords[name] = list(values) if name in perturbations.swept else values[0]
        if perturbations.keep_realizations:
            coords["realization"] = np.arange(perturbations.realizations)
    return coords | study.cube_coords(law)


def _chunks(study: Study, law: str, dims: Sequence[str], sizes: Mapping[str, int]) -> tuple:
    """Zarr chunk shape of a variable: one job's region (a group by an amplitude block)."""
    region = study.group_region(law, 0)
    shape = []
    for dim in dims:
        if dim in region:
            shape.append(region[dim].stop - region[dim].start)
        elif dim == "amplitude":
            shape.append(min(study.amplitudes_per_job, sizes[dim]))
        else:
            shape.append(sizes[dim])
    return tuple(shape)


def cube_template(study: Study, law: str) -> xr.Dataset:
    """The law's cube with every value NaN, lazily (dask), chunked as the jobs' regions.

    Everything but the values is what :func:`fmdecon.study.compute.merge` gives: variables,
    dimensions, coordinates (``grid_step``, ``a_over_d`` included), attributes, units.
    """
    import dask.array as da

    coords = _coords(study, law)
    sizes = {
        "deconvolution": len(study.methods),
        "amplitude": study.amplitudes.size,
        **dict(zip(study.laws[law].swept, study.laws[law].shape, strict=True)),
    }
    for name, value in coords.items():
        if name not in sizes and np.ndim(value) == 1:
            sizes[name] = len(value)
    data = {}
    for name, dims in _variables(study, law).items():
        shape = tuple(sizes[d] for d in dims)
        chunks = _chunks(study, law, dims, sizes)
        data[name] = (dims, da.full(shape, np.nan, dtype=np.float64, chunks=chunks))
    dataset = xr.Dataset(
        data,
        coords=coords,
        attrs={"law": law, "title": f"fmdecon metric cube: {law} force law, study {study.name}"},
    )
    perturbations = study.perturbations
    if perturbations is not None:
        dataset.attrs["perturbation_seed"] = perturbations.seed
        dataset.attrs["realizations"] = perturbations.realizations
    step = grid_step(dataset["z_min"], dataset["z_max"], dataset["points"])
    dataset = dataset.assign_coords(grid_step=step, a_over_d=dataset["amplitude"] / step)
    return annotate(dataset)


def init_store(study: Study, law: str, path: str | Path, attrs: Mapping[str, Any]) -> None:
    """Create the law's store at ``path``: its layout, coordinates and attributes only.

    Written to a temporary sibling and renamed, so that ``path`` appears complete or not at
    all; no data variable's chunk is written (unwritten chunks read as NaN).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    template = cube_template(study, law)
    template.attrs.update(attrs)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        template.to_zarr(tmp, mode="w-", compute=False, consolidated=True, zarr_format=ZARR_FORMAT)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def region_dataset(
    study: Study, law: str, group: int, block: int, chunks: Sequence[xr.Dataset]
) -> tuple[xr.Dataset, dict[str, slice]]:
    """The values of one job's region (its points by its amplitude block) and the region.

    ``chunks`` are the job's per-point results (:func:`fmdecon.study.compute.deconvolve_chunk`),
    in any order; they are placed as :func:`fmdecon.study.compute.merge` places them.

    Raises
    ------
    ValueError
        If a point of the group is missing or repeated, or a chunk belongs to another point,
        block, amplitude set or method list.
    """
    region = study.group_region(law, group)
    sweep = study.laws[law]
    points = study.group(law, group)
    amplitudes = study.block(block)
    start = block * study.amplitudes_per_job
    variables = _variables(study, law)
    origin = [region[name].start for name in sweep.swept]
    block_shape = tuple(region[name].stop - region[name].start for name in sweep.swept)
    arrays: dict[str, np.ndarray] = {}
    seen: set[int] = set()
    for chunk in chunks:
        point = int(chunk.attrs["point"])
        if point not in points or int(chunk.attrs["block"]) != block or point in seen:
            raise ValueError(
                f"chunk point={point} block={chunk.attrs['block']} of {law} does not belong to "
                f"group {group} block {block} (or is given twice)"
            )
        seen.add(point)
        if not np.array_equal(chunk["amplitude"].to_numpy(), amplitudes):
            raise ValueError(f"chunk point={point} of {law} has other amplitudes than the study")
        if list(chunk["deconvolution"].to_numpy()) != study.methods:
            raise ValueError(f"chunk point={point} of {law} has other methods than the study")
        position = np.unravel_index(point, sweep.shape) if sweep.shape else ()
        local = tuple(int(p) - o for p, o in zip(position, origin, strict=True))
        for name, dims in variables.items():
            variable = chunk[name]
            if dims[:1] != ("deconvolution",):  # a per-point scalar
                arrays.setdefault(name, np.full(block_shape, np.nan))[local] = variable.item()
                continue
            inner = dims[1 + len(block_shape) :]
            if name not in arrays:
                extra = [amplitudes.size if d == "amplitude" else variable.sizes[d] for d in inner]
                arrays[name] = np.full((len(study.methods), *block_shape, *extra), np.nan)
            values = variable.transpose("deconvolution", *inner).to_numpy()
            arrays[name][(slice(None), *local)] = values
    missing = [p for p in points if p not in seen]
    if missing:
        raise ValueError(
            f"{law} group {group}: {len(missing)} point(s) missing, e.g. {missing[0]}"
        )
    data = {}
    for name, dims in variables.items():
        if dims[:1] != ("deconvolution",) and block != 0:
            continue  # the per-point scalars: written once, by the first amplitude block
        data[name] = (dims, arrays[name])
    where = dict(region)
    where |= {"deconvolution": slice(None), "amplitude": slice(start, start + amplitudes.size)}
    return xr.Dataset(data), where


def write_region(
    study: Study,
    law: str,
    group: int,
    block: int,
    chunks: Sequence[xr.Dataset],
    path: str | Path,
) -> None:
    """Write one job's region of the law's store (made by :func:`init_store`).

    Only the region's own zarr chunks are written: concurrent jobs never touch the same one.
    """
    if not Path(path).is_dir():
        raise ValueError(f"cannot write to {path}: no such zarr store (run init_store first)")
    dataset, region = region_dataset(study, law, group, block, chunks)
    scalars = [name for name in dataset.data_vars if dataset[name].ndim == 0]
    if scalars:  # a law of one point: its per-point values are 0-d arrays of the store
        import zarr

        root = zarr.open_group(str(path), mode="r+", zarr_format=ZARR_FORMAT)
        for name in scalars:
            root[name][...] = dataset[name].item()
        dataset = dataset.drop_vars(scalars)
    used = {d for name in dataset.data_vars for d in dataset[name].dims}
    region = {dim: where for dim, where in region.items() if dim in used}
    dataset.to_zarr(path, region=region, mode="r+", zarr_format=ZARR_FORMAT)


def open_cube(path: str | Path) -> xr.Dataset:
    """Open a metric cube: a zarr store lazily (dask-backed, read block by block on demand),
    a netCDF file fully into memory (:func:`fmdecon.study.cube.open_dataset`).

    Raises
    ------
    ValueError
        Naming the path, if it is missing or not a readable cube.
    """
    path = Path(path)
    if path.suffix != ".zarr":
        from fmdecon.study.cube import open_dataset

        return open_dataset(path)
    if not path.is_dir():
        raise ValueError(f"cannot read {path}: no such zarr store")
    try:
        return xr.open_zarr(path, consolidated=True, zarr_format=ZARR_FORMAT)
    except Exception as exc:  # zarr raises FileNotFoundError, KeyError, ValueError...
        raise ValueError(
            f"cannot read {path}: not a readable zarr store ({type(exc).__name__}: {exc})"
        ) from None
