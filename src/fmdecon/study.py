"""A deconvolution study: parameter sweeps, chunked work units and the metric cubes.

Data flow (one way): config -> :func:`simulate` (exact frequency-shift curves of one chunk)
-> :func:`deconvolve` (each method, quality metrics) -> :func:`merge` (metric cube of one
force law). :func:`selected_curves` keeps the full curves of a few amplitudes (Figs 3, 6).

A *point* is one combination of the swept values (law parameters, sensor, grid), numbered
in C order over the swept dimensions; a *block* is a run of consecutive amplitudes. A chunk
(law, point, block) is the unit of work of one pipeline job; the merged cube does not depend
on how the work was chunked.
"""

from __future__ import annotations

import itertools
import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.config import amplitudes as amplitude_values
from fmdecon.config import as_list
from fmdecon.forces import FORCE_LAWS, PARAMETER_UNITS, force_law
from fmdecon.methods import METHODS
from fmdecon.metrics import cod, force_minimum_deviation

__all__ = [
    "ATTRIBUTES",
    "LawSweep",
    "Study",
    "deconvolve",
    "merge",
    "open_dataset",
    "selected_curves",
    "simulate",
    "write_dataset",
]

SENSOR_KEYS = ("k", "f0")
GRID_KEYS = ("z_min", "z_max", "points")

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
}


@dataclass(frozen=True)
class LawSweep:
    """The parameter sweep of one force law.

    Attributes
    ----------
    law : str
        Registered force-law name.
    values : dict
        Every parameter (law, then sensor, then grid) mapped to its list of values.
    """

    law: str
    values: dict[str, list[float]]

    @property
    def swept(self) -> list[str]:
        """Names of the parameters with more than one value (cube dimensions), in order."""
        return [name for name, vals in self.values.items() if len(vals) > 1]

    @property
    def shape(self) -> tuple[int, ...]:
        """Lengths of the swept dimensions."""
        return tuple(len(self.values[name]) for name in self.swept)

    @property
    def n_points(self) -> int:
        """Number of parameter points."""
        return math.prod(self.shape)

    def point(self, index: int) -> dict[str, float]:
        """All parameter values at point ``index`` (C order over the swept dimensions)."""
        if not 0 <= index < self.n_points:
            raise ValueError(f"point index must be in [0, {self.n_points}); got {index}")
        position = dict(zip(self.swept, np.unravel_index(index, self.shape), strict=True))
        return {name: vals[int(position.get(name, 0))] for name, vals in self.values.items()}

    def index_of(self, at: Mapping[str, float]) -> int:
        """Index of the point with the swept values ``at`` (the first value where not given)."""
        position = []
        for name in self.swept:
            vals = np.asarray(self.values[name], dtype=np.float64)
            if name in at:
                hits = np.flatnonzero(np.isclose(vals, at[name], rtol=1e-9, atol=0))
                if hits.size == 0:
                    raise ValueError(f"{name} = {at[name]!r} is not a swept value {vals.tolist()}")
                position.append(int(hits[0]))
            else:
                position.append(0)
        return int(np.ravel_multi_index(position, self.shape)) if self.shape else 0


class Study:
    """A validated study configuration with its sweeps and chunking.

    Parameters
    ----------
    config : mapping
        A configuration validated by :func:`fmdecon.config.validate_config`.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.name: str = config["study"]
        self.methods: list[str] = list(config["methods"])
        self.amplitudes = amplitude_values(config["amplitudes"])
        self.amplitudes_per_job: int = int(config["chunking"]["amplitudes_per_job"])
        common = {key: as_list(config["sensor"][key]) for key in SENSOR_KEYS}
        common |= {key: as_list(config["grid"][key]) for key in GRID_KEYS}
        self.laws: dict[str, LawSweep] = {}
        for law, parameters in config["laws"].items():
            names = FORCE_LAWS[law].parameter_names
            values = {name: as_list(parameters[name]) for name in names} | common
            self.laws[law] = LawSweep(law, values)

    @property
    def n_blocks(self) -> int:
        """Number of amplitude blocks."""
        return math.ceil(self.amplitudes.size / self.amplitudes_per_job)

    def block(self, index: int) -> np.ndarray:
        """Amplitudes [m] of block ``index``."""
        if not 0 <= index < self.n_blocks:
            raise ValueError(f"block index must be in [0, {self.n_blocks}); got {index}")
        start = index * self.amplitudes_per_job
        return self.amplitudes[start : start + self.amplitudes_per_job]

    def chunks(self, law: str) -> list[tuple[int, int]]:
        """All (point, block) pairs of a law."""
        return list(itertools.product(range(self.laws[law].n_points), range(self.n_blocks)))

    def nearest_amplitudes(self, nominal: Sequence[float]) -> np.ndarray:
        """The study's amplitudes nearest to each nominal value (log distance)."""
        log_amp = np.log(self.amplitudes)
        return np.array([self.amplitudes[np.argmin(np.abs(log_amp - np.log(a)))] for a in nominal])


def _grid(point: Mapping[str, float]) -> np.ndarray:
    return np.linspace(point["z_min"], point["z_max"], int(point["points"]))


def _annotate(dataset: xr.Dataset) -> xr.Dataset:
    for name in list(dataset.variables):
        if name in ATTRIBUTES:
            dataset[name].attrs.update(ATTRIBUTES[name])
    return dataset


def _scalar_coords(point: Mapping[str, float]) -> dict[str, Any]:
    return {
        name: int(value) if name == "points" else float(value) for name, value in point.items()
    }


def simulate(study: Study, law: str, point: int, block: int) -> xr.Dataset:
    """Exact frequency-shift curves of one chunk.

    Returns
    -------
    xarray.Dataset
        ``frequency_shift(amplitude, z)`` [Hz] and ``force_model(z)`` [N], with every
        parameter of the point as a scalar coordinate.
    """
    values = study.laws[law].point(point)
    model = force_law(law, {p: values[p] for p in FORCE_LAWS[law].parameter_names})
    z = _grid(values)
    amps = study.block(block)
    shift = np.stack([model.frequency_shift(z, a, values["k"], values["f0"]) for a in amps])
    dataset = xr.Dataset(
        {
            "frequency_shift": (("amplitude", "z"), shift),
            "force_model": ("z", model.force(z)),
        },
        coords={"amplitude": amps, "z": z, **_scalar_coords(values)},
        attrs={"law": law, "point": point, "block": block},
    )
    return _annotate(dataset)


def _metrics(
    z: np.ndarray, force_model: np.ndarray, force_deconvolved: np.ndarray
) -> tuple[float, float, float]:
    if np.count_nonzero(np.isfinite(force_deconvolved)) < 2:
        return math.nan, math.nan, math.nan
    delta_f, delta_z = force_minimum_deviation(z, force_model, force_deconvolved)
    return cod(force_model, force_deconvolved), delta_f, delta_z


def deconvolve(
    simulated: xr.Dataset, methods: Sequence[str], keep_curves: bool = False
) -> xr.Dataset:
    """Deconvolve every curve of a chunk with each method and compute the quality metrics.

    Parameters
    ----------
    simulated : xarray.Dataset
        Output of :func:`simulate`.
    methods : sequence of str
        Registered method names.
    keep_curves : bool, optional
        Also return the deconvolved forces and frequency shifts (large).

    Returns
    -------
    xarray.Dataset
        ``cod``, ``delta_f_min``, ``delta_z_min`` over (deconvolution, amplitude), plus
        ``force_min_model`` and ``z_min_model``; with ``keep_curves`` also
        ``force_deconvolved(deconvolution, amplitude, z)`` and the inputs.
    """
    z = simulated["z"].to_numpy()
    force_model = simulated["force_model"].to_numpy()
    shift = simulated["frequency_shift"].to_numpy()
    amps = simulated["amplitude"].to_numpy()
    k = float(simulated["k"])
    f0 = float(simulated["f0"])
    metrics = np.full((3, len(methods), amps.size), np.nan)
    forces = np.full((len(methods), amps.size, z.size), np.nan) if keep_curves else None
    for m, name in enumerate(methods):
        method = METHODS[name]
        for a, amplitude in enumerate(amps):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # A/d < 1 is a valid sweep point
                force = method(z, shift[a], amplitude, k, f0)
            metrics[:, m, a] = _metrics(z, force_model, force)
            if forces is not None:
                forces[m, a] = force
    i_min = int(np.argmin(force_model))
    scalars = {
        name: simulated[name].item() for name in simulated.coords if simulated[name].ndim == 0
    }
    dims = ("deconvolution", "amplitude")
    dataset = xr.Dataset(
        {
            "cod": (dims, metrics[0]),
            "delta_f_min": (dims, metrics[1]),
            "delta_z_min": (dims, metrics[2]),
            "force_min_model": ((), force_model[i_min]),
            "z_min_model": ((), z[i_min]),
        },
        coords={"deconvolution": list(methods), "amplitude": amps, **scalars},
        attrs=dict(simulated.attrs),
    )
    if forces is not None:
        dataset["force_deconvolved"] = (("deconvolution", "amplitude", "z"), forces)
        dataset["frequency_shift"] = simulated["frequency_shift"]
        dataset["force_model"] = simulated["force_model"]
    return _annotate(dataset)


def merge(study: Study, law: str, chunks: Sequence[xr.Dataset]) -> xr.Dataset:
    """Assemble the metric cube of one law from its chunks (in any order).

    The cube has dimensions ``deconvolution``, the swept parameters (in config order) and
    ``amplitude``; unswept parameters are scalar coordinates; ``a_over_d`` is a coordinate.

    Raises
    ------
    ValueError
        If a chunk is missing, repeated, or does not belong to this study.
    """
    sweep = study.laws[law]
    shape = (len(study.methods), *sweep.shape, study.amplitudes.size)
    cube = {name: np.full(shape, np.nan) for name in ("cod", "delta_f_min", "delta_z_min")}
    model = {name: np.full(sweep.shape, np.nan) for name in ("force_min_model", "z_min_model")}
    seen: set[tuple[int, int]] = set()
    for chunk in chunks:
        key = (int(chunk.attrs["point"]), int(chunk.attrs["block"]))
        if key in seen:
            raise ValueError(f"chunk point={key[0]} block={key[1]} of {law} given twice")
        seen.add(key)
        expected = study.block(key[1])
        if not np.array_equal(chunk["amplitude"].to_numpy(), expected):
            raise ValueError(
                f"chunk point={key[0]} block={key[1]} of {law} has other amplitudes than the "
                "study (was it made with another config?)"
            )
        if list(chunk["deconvolution"].to_numpy()) != study.methods:
            raise ValueError(f"chunk point={key[0]} block={key[1]} has other methods")
        position = np.unravel_index(key[0], sweep.shape) if sweep.shape else ()
        start = key[1] * study.amplitudes_per_job
        where = (slice(None), *position, slice(start, start + expected.size))
        for name in cube:
            cube[name][where] = chunk[name].to_numpy()
        for name in model:
            model[name][position] = chunk[name].item()
    missing = sorted(set(study.chunks(law)) - seen)
    if missing:
        raise ValueError(f"{law}: {len(missing)} chunk(s) missing, e.g. point/block {missing[0]}")

    dims = ("deconvolution", *sweep.swept, "amplitude")
    coords: dict[str, Any] = {
        "deconvolution": study.methods,
        "amplitude": study.amplitudes,
    }
    for name, vals in sweep.values.items():
        if name in sweep.swept:
            coords[name] = np.asarray(vals, dtype=np.int64 if name == "points" else np.float64)
        else:
            coords[name] = int(vals[0]) if name == "points" else float(vals[0])
    dataset = xr.Dataset(
        {name: (dims, values) for name, values in cube.items()}
        | {name: (tuple(sweep.swept), values) for name, values in model.items()},
        coords=coords,
        attrs={"law": law, "title": f"fmdecon metric cube: {law} force law, study {study.name}"},
    )
    step = (dataset["z_max"] - dataset["z_min"]) / (dataset["points"] - 1)
    dataset = dataset.assign_coords(a_over_d=dataset["amplitude"] / step)
    return _annotate(dataset)


def selected_curves(study: Study, law: str) -> xr.Dataset:
    """Model, frequency-shift, deconvolved and residual curves at the marked amplitudes.

    Taken at the parameter point ``figures.<law>.at`` of the config and at the study
    amplitudes nearest to ``figures.<law>.marked_amplitudes`` (Figs 3 and 6).
    """
    view = study.config.get("figures", {}).get(law, {})
    nominal = np.asarray(view.get("marked_amplitudes", []), dtype=np.float64)
    sweep = study.laws[law]
    values = sweep.point(sweep.index_of(view.get("at", {})))
    model = force_law(law, {p: values[p] for p in FORCE_LAWS[law].parameter_names})
    z = _grid(values)
    amps = study.nearest_amplitudes(nominal) if nominal.size else np.empty(0)
    k, f0 = values["k"], values["f0"]
    shift = np.stack([model.frequency_shift(z, a, k, f0) for a in amps]).reshape(amps.size, z.size)
    forces = np.full((len(study.methods), amps.size, z.size), np.nan)
    for m, name in enumerate(study.methods):
        for a, amplitude in enumerate(amps):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                forces[m, a] = METHODS[name](z, shift[a], amplitude, k, f0)
    force_model = model.force(z)
    dataset = xr.Dataset(
        {
            "force_model": ("z", force_model),
            "frequency_shift": (("amplitude", "z"), shift),
            "force_deconvolved": (("deconvolution", "amplitude", "z"), forces),
            "residual": (("deconvolution", "amplitude", "z"), forces - force_model),
        },
        coords={
            "deconvolution": study.methods,
            "amplitude": amps,
            "amplitude_nominal": ("amplitude", nominal),
            "z": z,
            **_scalar_coords(values),
        },
        attrs={"law": law, "title": f"fmdecon curves at marked amplitudes: {law}"},
    )
    return _annotate(dataset)


def write_dataset(dataset: xr.Dataset, path: str | Path, attrs: Mapping[str, Any]) -> None:
    """Write a dataset to netCDF4 atomically, with global attributes ``attrs`` added.

    The file appears under its name only when complete: it is written to a temporary
    sibling and renamed, so an interrupted write leaves no partial file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dataset = dataset.copy()
    dataset.attrs.update(attrs)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        dataset.to_netcdf(tmp, engine="netcdf4", format="NETCDF4")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
