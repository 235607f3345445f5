"""The computations of a study, one path for all of them: exact frequency-shift curves of a
parameter point, every method on every curve, the quality metrics, and their assembly.

Data flow (one way): config -> :func:`simulate` (exact frequency-shift curves of one chunk)
-> :func:`deconvolve_chunk` (each method, quality metrics) -> :func:`merge` (metric cube of one
force law). :func:`selected_curves` keeps the full curves of a few amplitudes (Figs 3, 6); it
calls the same :func:`model_curves` and :func:`deconvolved_forces` as the chunks.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xarray as xr

from fmdecon.forces import FORCE_LAWS, force_law
from fmdecon.methods import METHODS
from fmdecon.metrics import cod, force_minimum_deviation
from fmdecon.study.cube import annotate, grid_step
from fmdecon.study.sweep import Study

__all__ = [
    "deconvolve_chunk",
    "deconvolved_forces",
    "merge",
    "model_curves",
    "selected_curves",
    "simulate",
]

METRICS = ("cod", "delta_f_min", "delta_z_min")


def _grid(point: Mapping[str, float]) -> np.ndarray:
    return np.linspace(point["z_min"], point["z_max"], int(point["points"]))


def _scalar_coords(point: Mapping[str, float]) -> dict[str, Any]:
    return {
        name: int(value) if name == "points" else float(value) for name, value in point.items()
    }


def model_curves(
    law: str, point: Mapping[str, float], amplitudes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid, model force and exact frequency shifts of one parameter point.

    Parameters
    ----------
    law : str
        Registered force law.
    point : mapping
        The point's values: the law's parameters, ``k``, ``f0``, ``z_min``, ``z_max``,
        ``points`` (SI units).
    amplitudes : numpy.ndarray
        Amplitudes [m].

    Returns
    -------
    z : numpy.ndarray
        Lower turnaround points [m].
    force_model : numpy.ndarray
        Model force [N] on ``z``.
    frequency_shift : numpy.ndarray
        Exact frequency shift [Hz], shape ``(len(amplitudes), len(z))``.
    """
    names = FORCE_LAWS[law].parameter_names
    model = force_law(law, {name: point[name] for name in names})
    z = _grid(point)
    shift = np.empty((amplitudes.size, z.size))
    for a, amplitude in enumerate(amplitudes):
        shift[a] = model.frequency_shift(z, amplitude, point["k"], point["f0"])
    return z, model.force(z), shift


def deconvolved_forces(
    z: np.ndarray,
    frequency_shift: np.ndarray,
    amplitudes: np.ndarray,
    k: float,
    f0: float,
    methods: Sequence[str],
) -> np.ndarray:
    """Every method on every curve: forces [N] of shape ``(methods, amplitudes, z)``.

    Small-amplitude warnings are silenced: A/d < 1 is a valid point of a sweep (the method
    returns NaN where it is undefined).
    """
    forces = np.empty((len(methods), amplitudes.size, z.size))
    for m, name in enumerate(methods):
        method = METHODS[name]
        for a, amplitude in enumerate(amplitudes):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                forces[m, a] = method(z, frequency_shift[a], amplitude, k, f0)
    return forces


def _metrics(
    z: np.ndarray, force_model: np.ndarray, force_deconvolved: np.ndarray
) -> tuple[float, float, float]:
    if np.count_nonzero(np.isfinite(force_deconvolved)) < 2:
        return math.nan, math.nan, math.nan
    delta_f, delta_z = force_minimum_deviation(z, force_model, force_deconvolved)
    return cod(force_model, force_deconvolved), delta_f, delta_z


def simulate(study: Study, law: str, point: int, block: int) -> xr.Dataset:
    """Exact frequency-shift curves of one chunk.

    Returns
    -------
    xarray.Dataset
        ``frequency_shift(amplitude, z)`` [Hz] and ``force_model(z)`` [N], with every
        parameter of the point as a scalar coordinate.
    """
    values = study.laws[law].point(point)
    amps = study.block(block)
    z, force_model, shift = model_curves(law, values, amps)
    dataset = xr.Dataset(
        {
            "frequency_shift": (("amplitude", "z"), shift),
            "force_model": ("z", force_model),
        },
        coords={"amplitude": amps, "z": z, **_scalar_coords(values)},
        attrs={"law": law, "point": point, "block": block},
    )
    return annotate(dataset)


def deconvolve_chunk(
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
    amps = simulated["amplitude"].to_numpy()
    forces = deconvolved_forces(
        z,
        simulated["frequency_shift"].to_numpy(),
        amps,
        float(simulated["k"]),
        float(simulated["f0"]),
        methods,
    )
    metrics = np.full((len(METRICS), len(methods), amps.size), np.nan)
    for m in range(len(methods)):
        for a in range(amps.size):
            metrics[:, m, a] = _metrics(z, force_model, forces[m, a])
    i_min = int(np.argmin(force_model))
    scalars = {
        name: simulated[name].item() for name in simulated.coords if simulated[name].ndim == 0
    }
    dims = ("deconvolution", "amplitude")
    dataset = xr.Dataset(
        {name: (dims, metrics[i]) for i, name in enumerate(METRICS)}
        | {
            "force_min_model": ((), force_model[i_min]),
            "z_min_model": ((), z[i_min]),
        },
        coords={"deconvolution": list(methods), "amplitude": amps, **scalars},
        attrs=dict(simulated.attrs),
    )
    if keep_curves:
        dataset["force_deconvolved"] = (("deconvolution", "amplitude", "z"), forces)
        dataset["frequency_shift"] = simulated["frequency_shift"]
        dataset["force_model"] = simulated["force_model"]
    return annotate(dataset)


def merge(study: Study, law: str, chunks: Sequence[xr.Dataset]) -> xr.Dataset:
    """Assemble the metric cube of one law from its chunks (in any order).

    The cube has dimensions ``deconvolution``, the swept parameters (in config order) and
    ``amplitude``; unswept parameters are scalar coordinates; ``grid_step`` and ``a_over_d``
    are coordinates.

    Raises
    ------
    ValueError
        If a chunk is missing, repeated, or does not belong to this study.
    """
    sweep = study.laws[law]
    shape = (len(study.methods), *sweep.shape, study.amplitudes.size)
    cube = {name: np.full(shape, np.nan) for name in METRICS}
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
    step = grid_step(dataset["z_min"], dataset["z_max"], dataset["points"])
    dataset = dataset.assign_coords(grid_step=step, a_over_d=dataset["amplitude"] / step)
    return annotate(dataset)


def selected_curves(
    study: Study, law: str, at: Mapping[str, float], marked_amplitudes: Sequence[float]
) -> xr.Dataset:
    """Model, frequency-shift, deconvolved and residual curves at the marked amplitudes.

    Parameters
    ----------
    study : Study
        The study.
    law : str
        Force law.
    at : mapping
        Swept parameter values of the point (the first value of a parameter not given).
    marked_amplitudes : sequence of float
        Nominal amplitudes [m]; the study's nearest amplitudes are used and the nominal ones
        kept as the coordinate ``amplitude_nominal`` (Figs 3 and 6).
    """
    nominal = np.asarray(marked_amplitudes, dtype=np.float64)
    sweep = study.laws[law]
    values = sweep.point(sweep.index_of(at))
    amps = study.nearest_amplitudes(nominal)
    z, force_model, shift = model_curves(law, values, amps)
    forces = deconvolved_forces(z, shift, amps, values["k"], values["f0"], study.methods)
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
    return annotate(dataset)
