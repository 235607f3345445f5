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
from fmdecon.study.config import PERTURBED_METRICS
from fmdecon.study.cube import annotate, grid_step
from fmdecon.study.perturb import (
    ERROR_KEYS,
    STATISTICS,
    Perturbations,
    batch_metrics,
    noise,
    reported,
    statistics,
)
from fmdecon.study.sweep import Study
from fmdecon.wellposedness import inflection_point_exact

__all__ = [
    "deconvolve_chunk",
    "deconvolve_perturbed",
    "deconvolved_forces",
    "merge",
    "model_curves",
    "selected_curves",
    "simulate",
    "simulate_group",
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


def _per_point(simulated: xr.Dataset) -> dict[str, Any]:
    """The per-point scalars of a simulated chunk that the cube keeps (well-posedness)."""
    return {name: ((), simulated[name].item()) for name in WELL_POSEDNESS if name in simulated}


def _metrics(
    z: np.ndarray, force_model: np.ndarray, force_deconvolved: np.ndarray
) -> tuple[float, float, float]:
    if np.count_nonzero(np.isfinite(force_deconvolved)) < 2:
        return math.nan, math.nan, math.nan
    delta_f, delta_z = force_minimum_deviation(z, force_model, force_deconvolved)
    return cod(force_model, force_deconvolved), delta_f, delta_z


#: Per-point results of the inflection-point test of the model force (docs/physics.md §10).
WELL_POSEDNESS = (
    "inflection_z",
    "inflection_S",
    "forbidden_amplitude_low",
    "forbidden_amplitude_high",
)


def well_posedness(law: str, point: Mapping[str, float], z: np.ndarray) -> dict[str, float]:
    """The inflection-point test of the model force of a parameter point, on its grid.

    Distances are measured from the grid's closest point ``z[0]`` (docs/physics.md §10). The
    inflection point with the most negative S is reported; the forbidden amplitudes span
    every ill-posed range (NaN where the curve is well-posed).
    """
    names = FORCE_LAWS[law].parameter_names
    model = force_law(law, {name: point[name] for name in names})
    result = inflection_point_exact(model.force, z)
    out = dict.fromkeys(WELL_POSEDNESS, math.nan)
    if result.points:
        worst = min(result.points, key=lambda p: p.S)
        out["inflection_z"], out["inflection_S"] = worst.z, worst.S
    if result.forbidden_amplitudes:
        out["forbidden_amplitude_low"] = min(low for low, _ in result.forbidden_amplitudes)
        out["forbidden_amplitude_high"] = max(high for _, high in result.forbidden_amplitudes)
    return out


def simulate(study: Study, law: str, point: int, block: int) -> xr.Dataset:
    """Exact frequency-shift curves of one chunk.

    Returns
    -------
    xarray.Dataset
        ``frequency_shift(amplitude, z)`` [Hz] and ``force_model(z)`` [N], with every
        parameter of the point as a scalar coordinate, and the point's inflection-point test
        (:data:`WELL_POSEDNESS`, scalars).
    """
    values = study.laws[law].point(point)
    amps = study.block(block)
    z, force_model, shift = model_curves(law, values, amps)
    dataset = xr.Dataset(
        {
            "frequency_shift": (("amplitude", "z"), shift),
            "force_model": ("z", force_model),
            **{name: ((), value) for name, value in well_posedness(law, values, z).items()},
        },
        coords={"amplitude": amps, "z": z, **_scalar_coords(values)},
        attrs={"law": law, "point": point, "block": block},
    )
    return annotate(dataset)


def simulate_group(study: Study, law: str, group: int, block: int) -> dict[str, xr.Dataset]:
    """:func:`simulate` for every point of a point group (one pipeline job), by point name."""
    return {f"p{p:04d}": simulate(study, law, p, block) for p in study.group(law, group)}


def deconvolve_chunk(
    simulated: xr.Dataset,
    methods: Sequence[str],
    keep_curves: bool = False,
    perturbations: Perturbations | None = None,
) -> xr.Dataset:
    """Deconvolve every curve of a chunk with each method and compute the quality metrics.

    Parameters
    ----------
    simulated : xarray.Dataset
        Output of :func:`simulate`.
    methods : sequence of str
        Registered method names.
    keep_curves : bool, optional
        Also return the deconvolved forces and frequency shifts (large; not with
        ``perturbations``).
    perturbations : Perturbations, optional
        Noise and calibration errors (:func:`deconvolve_perturbed`); None: the exact curves.

    Returns
    -------
    xarray.Dataset
        ``cod``, ``delta_f_min``, ``delta_z_min`` over (deconvolution, amplitude), plus
        ``force_min_model`` and ``z_min_model``; with ``keep_curves`` also
        ``force_deconvolved(deconvolution, amplitude, z)`` and the inputs.
    """
    if perturbations is not None:
        return deconvolve_perturbed(simulated, methods, perturbations)
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
        }
        | _per_point(simulated),
        coords={"deconvolution": list(methods), "amplitude": amps, **scalars},
        attrs=dict(simulated.attrs),
    )
    if keep_curves:
        dataset["force_deconvolved"] = (("deconvolution", "amplitude", "z"), forces)
        dataset["frequency_shift"] = simulated["frequency_shift"]
        dataset["force_model"] = simulated["force_model"]
    return annotate(dataset)


def deconvolve_perturbed(
    simulated: xr.Dataset, methods: Sequence[str], perturbations: Perturbations
) -> xr.Dataset:
    """Deconvolve noisy copies of every curve of a chunk with mis-calibrated instrument values.

    For each amplitude and each combination of noise level and calibration errors
    (docs/physics.md sections 7-8), ``perturbations.realizations`` noisy copies of the exact
    curve are deconvolved in one batched call per method with the *reported* grid, amplitude
    and spring constant, and compared sample by sample with the true model force.

    Returns
    -------
    xarray.Dataset
        ``cod``, ``delta_f_min``, ``delta_z_min``, ``rms_force_error`` over (deconvolution,
        swept perturbations, amplitude, statistic) with :data:`~fmdecon.study.perturb.STATISTICS`
        over the realisations; ``force_std_exact`` (deconvolution, swept perturbations,
        amplitude): the exact standard deviation of the force at the model's force minimum
        (:func:`fmdecon.force_noise`; for a method with a ``fit`` capability, whose strength
        is chosen per curve, the median over the realisations of the standard deviation at
        each chosen strength); with ``keep_realizations`` also ``<metric>_realizations``
        over a ``realization`` dimension. Plus ``force_min_model`` and ``z_min_model``.
    """
    from fmdecon.noise import force_noise

    z = simulated["z"].to_numpy()
    force_model = simulated["force_model"].to_numpy()
    shift = simulated["frequency_shift"].to_numpy()
    amps = simulated["amplitude"].to_numpy()
    k, f0 = float(simulated["k"]), float(simulated["f0"])
    scalars = {
        name: simulated[name].item() for name in simulated.coords if simulated[name].ndim == 0
    }
    law = str(simulated.attrs["law"])
    realizations = perturbations.realizations
    combos = perturbations.combinations()
    i_min = int(np.argmin(force_model))
    n_stats = len(STATISTICS)
    stats = np.full(
        (len(PERTURBED_METRICS), len(methods), len(combos), amps.size, n_stats), np.nan
    )
    exact_std = np.full((len(methods), len(combos), amps.size), np.nan)
    kept = (
        np.full(
            (len(PERTURBED_METRICS), len(methods), len(combos), amps.size, realizations), np.nan
        )
        if perturbations.keep_realizations
        else None
    )
    unit_std: dict[tuple[str, int, float, float, float], float] = {}  # per 1 Hz of noise
    for c, combo in enumerate(combos):
        for a, amplitude in enumerate(amps):
            z_rep, amplitude_rep, k_rep = reported(z, amplitude, k, combo)
            level = combo["noise_rms"]
            curves = shift[a][None, :]
            if level > 0:
                curves = curves + noise(
                    perturbations.seed, law, scalars, amplitude, level, (realizations, z.size)
                )
            errors = tuple(combo[key] for key in ERROR_KEYS)
            for m, name in enumerate(methods):
                entry = METHODS[name]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)
                    if entry.fit is not None:  # strength from each curve: its own std
                        fit = entry.fit(z_rep, curves, amplitude_rep, k_rep, f0)
                        forces = fit.force
                        exact_std[m, c, a] = float(np.median(fit.force_std[:, i_min]))
                    else:
                        forces = entry.batch(z_rep, curves, amplitude_rep, k_rep, f0)
                        key = (name, a, *errors)
                        if level > 0 and key not in unit_std:  # linear: once per 1 Hz
                            sigma = force_noise(name, z_rep, amplitude_rep, k_rep, f0, 1.0)
                            unit_std[key] = float(sigma[i_min])
                        exact_std[m, c, a] = level * unit_std[key] if level > 0 else 0.0
                values = batch_metrics(z, z_rep, force_model, forces, i_min)
                for i, metric in enumerate(PERTURBED_METRICS):
                    stats[i, m, c, a] = statistics(values[metric])  # noise-free: one value
                    if kept is not None:
                        kept[i, m, c, a] = np.broadcast_to(values[metric], (realizations,))
    # the combinations axis becomes the swept perturbation dimensions
    swept = perturbations.swept
    shape = tuple(len(perturbations.values[name]) for name in swept)
    unswept = {name: vals[0] for name, vals in perturbations.values.items() if name not in swept}

    def unfold(array: np.ndarray, axis: int) -> np.ndarray:
        return array.reshape(array.shape[:axis] + shape + array.shape[axis + 1 :])

    dims = ("deconvolution", *swept, "amplitude")
    data: dict[str, Any] = {
        metric: ((*dims, "statistic"), unfold(stats[i], 1))
        for i, metric in enumerate(PERTURBED_METRICS)
    }
    data["force_std_exact"] = (dims, unfold(exact_std, 1))
    if kept is not None:
        for i, metric in enumerate(PERTURBED_METRICS):
            data[f"{metric}_realizations"] = ((*dims, "realization"), unfold(kept[i], 1))
    data["force_min_model"] = ((), force_model[i_min])
    data["z_min_model"] = ((), z[i_min])
    data |= _per_point(simulated)
    coords: dict[str, Any] = {
        "deconvolution": list(methods),
        "amplitude": amps,
        "statistic": list(STATISTICS),
        **{name: list(perturbations.values[name]) for name in swept},
        **unswept,
        **scalars,
    }
    if kept is not None:
        coords["realization"] = np.arange(realizations)
    dataset = xr.Dataset(data, coords=coords, attrs=dict(simulated.attrs))
    dataset.attrs["perturbation_seed"] = perturbations.seed
    dataset.attrs["realizations"] = realizations
    return annotate(dataset)


def merge(study: Study, law: str, chunks: Sequence[xr.Dataset]) -> xr.Dataset:
    """Assemble the metric cube of one law from its chunks (in any order).

    The cube has dimensions ``deconvolution``, the swept parameters (in config order), then
    the chunks' own dimensions (swept perturbations, ``amplitude``, and for perturbed studies
    ``statistic`` or ``realization``); unswept parameters are scalar coordinates;
    ``grid_step`` and ``a_over_d`` are coordinates.

    Raises
    ------
    ValueError
        If a chunk is missing, repeated, or does not belong to this study.
    """
    sweep = study.laws[law]
    first = next(iter(chunks), None)
    if first is None:
        raise ValueError(f"{law}: no chunks to merge")
    per_point = [name for name in first.data_vars if first[name].ndim == 0]
    metrics = [  # per-curve quality measures (not the curves a chunk may also keep)
        name
        for name in first.data_vars
        if first[name].dims[:1] == ("deconvolution",) and "z" not in first[name].dims
    ]
    cube: dict[str, np.ndarray] = {}
    model = {name: np.full(sweep.shape, np.nan) for name in per_point}
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
        for name in metrics:
            variable = chunk[name]
            if name not in cube:
                shape = [len(study.methods), *sweep.shape]
                shape += [
                    study.amplitudes.size if d == "amplitude" else n
                    for d, n in zip(variable.dims[1:], variable.shape[1:], strict=True)
                ]
                cube[name] = np.full(shape, np.nan)
            inner = [
                slice(start, start + expected.size) if d == "amplitude" else slice(None)
                for d in variable.dims[1:]
            ]
            cube[name][(slice(None), *position, *inner)] = variable.to_numpy()
        for name in model:
            model[name][position] = chunk[name].item()
    missing = sorted(set(study.chunks(law)) - seen)
    if missing:
        raise ValueError(f"{law}: {len(missing)} chunk(s) missing, e.g. point/block {missing[0]}")

    coords: dict[str, Any] = {
        name: first[name]
        for name in first.coords
        if name not in ("deconvolution", "amplitude") and name not in sweep.values
    }
    coords |= study.cube_coords(law)
    dataset = xr.Dataset(
        {
            name: (("deconvolution", *sweep.swept, *first[name].dims[1:]), values)
            for name, values in cube.items()
        }
        | {name: (tuple(sweep.swept), values) for name, values in model.items()},
        coords=coords,
        attrs={"law": law, "title": f"fmdecon metric cube: {law} force law, study {study.name}"},
    )
    for name in ("perturbation_seed", "realizations"):
        if name in first.attrs:
            dataset.attrs[name] = first.attrs[name]
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
