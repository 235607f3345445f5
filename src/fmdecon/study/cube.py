"""Result files of a study: CF attributes, the one atomic writer, reading, and the derived
quantities every reader of a cube needs (grid step, point selection, nearest amplitude).

Each derived quantity has its home here, so that figures, the comparison table and the diff
tool agree on it: :func:`grid_step` (also stored in every cube as the coordinate
``grid_step``), :func:`select_point` and :func:`nearest_amplitude`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.forces import PARAMETER_UNITS
from fmdecon.study.sweep import matching_index, nearest_amplitude

__all__ = [
    "ATTRIBUTES",
    "DATA_DIMS",
    "annotate",
    "grid_step",
    "matching_index",
    "nearest_amplitude",
    "open_dataset",
    "open_groups",
    "select_point",
    "write_atomic",
    "write_dataset",
    "write_groups",
    "write_text",
]

#: Dimensions of result files that are not parameters of the study point.
DATA_DIMS = ("deconvolution", "amplitude", "z")

#: CF attributes (units, long_name) of every variable and coordinate the study writes.
ATTRIBUTES: dict[str, dict[str, str]] = {
    "kappa": {"units": PARAMETER_UNITS["kappa"], "long_name": "Morse decay constant"},
    "sigma": {"units": PARAMETER_UNITS["sigma"], "long_name": "equilibrium distance"},
    "bond_energy": {"units": PARAMETER_UNITS["bond_energy"], "long_name": "bond energy"},
    "k": {"units": "N/m", "long_name": "cantilever spring constant"},
    "f0": {"units": "Hz", "long_name": "free resonance frequency"},
    "z_min": {"units": "m", "long_name": "closest lower turnaround point of the grid"},
    "z_max": {"units": "m", "long_name": "farthest lower turnaround point of the grid"},
    "points": {"units": "1", "long_name": "number of grid points"},
    "grid_step": {"units": "m", "long_name": "grid step d = (z_max - z_min) / (points - 1)"},
    "z": {"units": "m", "long_name": "lower turnaround point"},
    "amplitude": {"units": "m", "long_name": "oscillation amplitude (zero to peak)"},
    "amplitude_nominal": {"units": "m", "long_name": "amplitude asked for in the config"},
    "deconvolution": {"long_name": "deconvolution method"},
    "a_over_d": {"units": "1", "long_name": "amplitude over grid step A/d"},
    "cod": {"units": "1", "long_name": "coefficient of determination R^2 (Welker Eq. 19)"},
    "delta_f_min": {
        "units": "N",
        "long_name": "deviation of the force minimum, min F_dec - min F_model (Welker Eq. 21)",
    },
    "delta_z_min": {
        "units": "m",
        "long_name": "deviation of the force-minimum position (Welker Eq. 22)",
    },
    "force_min_model": {"units": "N", "long_name": "minimum of the model force on the grid"},
    "z_min_model": {"units": "m", "long_name": "position of the model force minimum on the grid"},
    "force_model": {"units": "N", "long_name": "model force"},
    "frequency_shift": {"units": "Hz", "long_name": "exact frequency shift"},
    "force_deconvolved": {"units": "N", "long_name": "deconvolved force"},
    "residual": {"units": "N", "long_name": "residual F_dec - F_model (Welker Eq. 20)"},
    # the inflection-point test of the model force (docs/physics.md section 10)
    "inflection_z": {
        "units": "m",
        "long_name": "inflection point of the model force with the most negative S",
    },
    "inflection_S": {
        "units": "1",
        "long_name": "S = (z_i - z_min)^2 F3(z_i) / (4 F1(z_i)), Fn the n-th derivative of F",
    },
    "forbidden_amplitude_low": {
        "units": "m",
        "long_name": "smallest amplitude of the ill-posed range (NaN: well-posed)",
    },
    "forbidden_amplitude_high": {
        "units": "m",
        "long_name": "largest amplitude of the ill-posed range (NaN: well-posed)",
    },
    # perturbed studies (docs/physics.md sections 7-8)
    "noise_rms": {"units": "Hz", "long_name": "rms of white frequency-shift noise"},
    "amplitude_error": {"units": "1", "long_name": "relative error of the reported amplitude"},
    "z_scale_error": {"units": "1", "long_name": "relative error of the reported z scale"},
    "k_error": {"units": "1", "long_name": "relative error of the reported spring constant"},
    "statistic": {"long_name": "statistic over the noise realisations (q: quantile in %)"},
    "realization": {"long_name": "noise realisation"},
    "rms_force_error": {"units": "N", "long_name": "rms of F_dec - F_model over the grid"},
    "force_error_at_minimum": {
        "units": "N",
        "long_name": "F_dec - F_model at the position of the model's force minimum",
    },
    "force_std_exact": {
        "units": "N",
        "long_name": "exact standard deviation of F_dec at the model's force minimum "
        "(fmdecon.force_noise; for a strength chosen per curve, the median over the "
        "realisations of the standard deviation at each chosen strength)",
    },
}


def annotate(dataset: xr.Dataset) -> xr.Dataset:
    """Add the CF ``units`` and ``long_name`` of :data:`ATTRIBUTES` to every known variable."""
    for name in list(dataset.variables):
        if name in ATTRIBUTES:
            dataset[name].attrs.update(ATTRIBUTES[name])
    return dataset


def grid_step(z_min: Any, z_max: Any, points: Any) -> Any:
    """Step d [m] of the uniform grid ``linspace(z_min, z_max, points)``.

    Works on numbers and on xarray objects alike (a cube's coordinates ``z_min``, ``z_max``,
    ``points``), always with the same expression, so every reader gets the same bits.
    """
    return (z_max - z_min) / (points - 1)


def select_point(
    data: xr.Dataset, at: Mapping[str, float] | None = None, keep: Sequence[str] = ()
) -> xr.Dataset:
    """Select one parameter point of a cube: the values ``at``, else the first value.

    Parameters
    ----------
    data : xarray.Dataset
        A metric cube or curves dataset; every dimension other than ``deconvolution``,
        ``amplitude`` and ``z`` is a swept parameter (SI units).
    at : mapping, optional
        Parameter values to select (SI units, e.g. ``{"kappa": 4.25e9}`` [1/m]), matched with a
        relative tolerance of 1e-9. Names that are not coordinates of ``data`` are ignored.
    keep : sequence of str, optional
        Swept dimensions to keep whole (e.g. ``("kappa",)`` for Fig. 9).

    Returns
    -------
    xarray.Dataset
        ``data`` with every other swept dimension reduced to a scalar coordinate.

    Raises
    ------
    ValueError
        If a value of ``at`` is not among the values of that parameter in ``data``.
    """
    for name, wanted in dict(at or {}).items():
        if name in keep or name not in data.coords:
            continue
        index = matching_index(data[name].to_numpy(), float(wanted))
        if index is None:
            values = np.atleast_1d(data[name].to_numpy()).tolist()
            raise ValueError(f"{name} = {float(wanted):g} is not a value of the cube: {values}")
        if name in data.dims:
            data = data.isel({name: index})
    extra = [dim for dim in data.dims if dim not in DATA_DIMS and dim not in keep]
    return data.isel(dict.fromkeys(extra, 0))


def write_atomic(path: str | Path, write: Callable[[Path], Any]) -> None:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it to ``path``.

    The one way every result file is written (netCDF, figures, tables): nothing appears under
    ``path`` unless ``write`` succeeds, and the temporary file is removed on failure, so an
    interrupted run leaves no partial output. The parent folder is created if needed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    """Write a text file (UTF-8) atomically with :func:`write_atomic`."""
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_dataset(dataset: xr.Dataset, path: str | Path, attrs: Mapping[str, Any]) -> None:
    """Write a dataset to netCDF4 atomically, with global attributes ``attrs`` added."""
    dataset = dataset.copy()
    dataset.attrs.update(attrs)
    write_atomic(path, lambda tmp: dataset.to_netcdf(tmp, engine="netcdf4", format="NETCDF4"))


def write_groups(
    datasets: Mapping[str, xr.Dataset], path: str | Path, attrs: Mapping[str, Any]
) -> None:
    """Write several datasets as the groups of one netCDF4 file, atomically.

    Used for the chunks of a pipeline job that covers several parameter points (one group
    per point, named after it); :func:`open_groups` reads them back.
    """

    def write(tmp: Path) -> None:
        for mode, (name, dataset) in zip(
            ("w", *["a"] * (len(datasets) - 1)), datasets.items(), strict=True
        ):
            dataset = dataset.copy()
            dataset.attrs.update(attrs)
            dataset.to_netcdf(tmp, mode=mode, group=name, engine="netcdf4", format="NETCDF4")

    if not datasets:
        raise ValueError(f"nothing to write to {path}: no datasets")
    write_atomic(path, write)


def open_groups(path: str | Path) -> dict[str, xr.Dataset]:
    """Read the groups written by :func:`write_groups` (name -> dataset, fully loaded).

    Raises
    ------
    ValueError
        Naming the file, if it is missing, truncated, not netCDF or has no groups.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"cannot read {path}: no such file")
    try:
        groups = xr.open_groups(path, engine="netcdf4")
        datasets = {name.strip("/"): data.load() for name, data in groups.items() if name != "/"}
        for data in groups.values():
            data.close()
    except Exception as exc:  # netCDF4/HDF5 raise OSError, RuntimeError, KeyError...
        raise ValueError(
            f"cannot read {path}: not a readable netCDF file ({type(exc).__name__}: {exc})"
        ) from None
    if not datasets:
        raise ValueError(f"cannot read {path}: the file holds no chunk groups")
    return datasets


def open_dataset(path: str | Path) -> xr.Dataset:
    """Open a netCDF result file fully into memory, with a clear error if it is unreadable.

    Raises
    ------
    ValueError
        Naming the file, if it is missing, truncated or not netCDF.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"cannot read {path}: no such file")
    try:
        with xr.open_dataset(path, engine="netcdf4") as dataset:
            return dataset.load()
    except Exception as exc:  # netCDF4/HDF5 raise OSError, RuntimeError, KeyError...
        raise ValueError(
            f"cannot read {path}: not a readable netCDF file ({type(exc).__name__}: {exc})"
        ) from None
