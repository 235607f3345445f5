"""The cost model of a study: what each chunk job costs and asks for, and the whole study's plan.

One home for the estimates: the workflow's resources (``runtime``, ``mem_mb`` of the chunk
and merge jobs, ``workflow/rules/common.smk``) call these functions.

Everything here is a closed form in the sizes of a chunk (its points' grid sizes, amplitudes,
methods, noise realisations), linear in the number of the chunk's points: nothing scans the
law's other points, so planning a study costs O(points), not O(points x jobs).

The per-curve costs (:data:`SECONDS_PER_CURVE`) were measured on this project's 2-core
machine at N = 5000 over the paper's 500 amplitudes (``benchmarks/planning.py`` prints them
beside the measured chunk times); an estimate scales them linearly in N. They are rough (the
matrix methods' cost grows with A/d): the requested runtime is three times the estimate plus
a start-up margin, and a method without a measured cost is charged the dearest measured one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np

#: A :class:`fmdecon.study.sweep.Study`. Not imported, not even for type checking: the study
#: asks this model for its chunking (``chunking.target_minutes``), so the model stays below it.
Study: TypeAlias = Any

__all__ = [
    "BATCHED_SECONDS_PER_CURVE",
    "JOB_START_SECONDS",
    "SECONDS_PER_CURVE",
    "SIMULATE_SECONDS_PER_CURVE",
    "ChunkCost",
    "chunk_cost",
    "cube_bytes",
    "law_chunk_costs",
    "merge_memory_mb",
    "points_per_job_for",
    "seconds_per_point",
]

#: Reference grid size of the per-curve costs.
REFERENCE_POINTS = 5000
#: In-process CPU seconds per noise-free curve at N = 5000, per method (deconvolution and its
#: metrics; a chunk's points at one amplitude deconvolved as one batch).
SECONDS_PER_CURVE: dict[str, float] = {
    "sader_jarvis": 0.5e-3,
    "matrix": 1.5e-3,
    "matrix_resampled": 2.2e-3,
    "matrix_exact": 4.0e-3,
    "regularized": 6.0e-3,
}
#: ... per noisy realisation (realisations go through the batch operators together).
BATCHED_SECONDS_PER_CURVE: dict[str, float] = {
    "sader_jarvis": 0.15e-3,
    "matrix": 0.3e-3,
    "matrix_resampled": 0.3e-3,
    "matrix_exact": 0.4e-3,
    "regularized": 1.0e-3,
}
#: CPU seconds per exact frequency-shift curve at N = 5000, per force law (closed-form
#: Morse; Lennard-Jones by quadrature).
SIMULATE_SECONDS_PER_CURVE: dict[str, float] = {"morse": 0.3e-3, "lennard_jones": 2.0e-3}
#: Interpreter start-up and imports of one job [s].
JOB_START_SECONDS = 1.5
#: Memory of an interpreter with numpy, scipy, xarray and netCDF4 loaded [MB].
BASE_MEMORY_MB = 400
#: Bytes per stored value (float64).
VALUE_BYTES = 8
#: Metrics per curve of a noise-free chunk (cod, delta_f_min, delta_z_min) and per-point
#: scalars of a cube (force_min_model, z_min_model, the inflection-point test).
METRICS_PER_CURVE = 3
SCALARS_PER_POINT = 6
#: Statistics kept per metric and perturbation combination of a perturbed study.
PERTURBED_METRICS = 5
STATISTICS = 5


def _per_curve(table: dict[str, float], method: str) -> float:
    return table.get(method, max(table.values()))


def seconds_per_point(study: Study, law: str, grid_points: int, amplitudes: int) -> float:
    """Estimated in-process CPU seconds of one parameter point over ``amplitudes`` amplitudes.

    Parameters
    ----------
    study : Study
        The study (its methods and perturbations).
    law : str
        Force law.
    grid_points : int
        N of the point's grid.
    amplitudes : int
        Amplitudes of the point in this chunk.

    Returns
    -------
    float
        Simulation plus every method on every curve (and every noisy realisation) [s].
    """
    scale = grid_points / REFERENCE_POINTS
    simulate = _per_curve(SIMULATE_SECONDS_PER_CURVE, law)
    perturbations = study.perturbations
    if perturbations is None:
        deconvolve = sum(_per_curve(SECONDS_PER_CURVE, m) for m in study.methods)
    else:
        realisations = len(perturbations.combinations()) * perturbations.realizations
        deconvolve = realisations * sum(
            _per_curve(BATCHED_SECONDS_PER_CURVE, m) for m in study.methods
        )
    return amplitudes * scale * (simulate + deconvolve)


@dataclass(frozen=True)
class ChunkCost:
    """What one chunk job (a group of points x a block of amplitudes) costs and requests.

    Attributes
    ----------
    points : int
        Parameter points of the chunk.
    amplitudes : int
        Amplitudes of the chunk.
    grid_points : int
        N of the largest grid among its points.
    seconds : float
        Estimated in-process CPU seconds (simulate + deconvolve, both jobs of the group).
    runtime_min : int
        Runtime requested of each of its jobs [min]: three times the estimate plus a margin.
    mem_mb : int
        Memory requested of each of its jobs [MB].
    temporary_bytes : int
        Size of its frequency-shift file (deleted after the deconvolution unless
        ``curves.store_all``).
    kept_bytes : int
        Size of its metrics file (kept).
    """

    points: int
    amplitudes: int
    grid_points: int
    seconds: float
    runtime_min: int
    mem_mb: int
    temporary_bytes: int
    kept_bytes: int


def _grid_points(study: Study, law: str, points: range) -> np.ndarray:
    """N of each of ``points`` (vectorised over the points, no per-point loop)."""
    return study.laws[law].column("points", np.arange(points.start, points.stop))


def _values_per_curve(study: Study) -> int:
    """Stored metric values per (method, amplitude) of a point."""
    perturbations = study.perturbations
    if perturbations is None:
        return METRICS_PER_CURVE
    per_combo = PERTURBED_METRICS * STATISTICS + 1  # + force_std_exact
    if perturbations.keep_realizations:
        per_combo += PERTURBED_METRICS * perturbations.realizations
    return per_combo * len(perturbations.combinations())


def _costs(
    study: Study,
    law: str,
    n_points: np.ndarray,
    grid_sum: np.ndarray,
    grid_max: np.ndarray,
    amplitudes: np.ndarray,
) -> dict[str, np.ndarray]:
    """The closed forms of :func:`chunk_cost`, vectorised over chunks (one home of them).

    Every argument is an integer array of one value per chunk (broadcast together): the
    chunk's points, the sum and the largest of their grid sizes, its amplitudes.
    """
    n_points, grid_sum, grid_max, amplitudes = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.int64) for a in (n_points, grid_sum, grid_max, amplitudes))
    )
    # linear in N: the points' costs sum to that of one point on all their grid points
    per_grid_point = seconds_per_point(study, law, 1, 1)
    seconds = 2 * JOB_START_SECONDS + per_grid_point * (grid_sum * amplitudes)
    shift_values = grid_sum * amplitudes
    perturbations = study.perturbations
    copies = 1 if perturbations is None else perturbations.realizations
    working = n_points * copies * grid_max * (4 + len(study.methods))
    if study.config["curves"]["store_all"]:
        working = working + len(study.methods) * shift_values
    mem_mb = BASE_MEMORY_MB + (3 * shift_values + working) * VALUE_BYTES // 1_000_000
    runtime_min = np.maximum(5, np.ceil((60 + 3 * seconds) / 60)).astype(np.int64)
    kept = n_points * (
        len(study.methods) * amplitudes * _values_per_curve(study) + SCALARS_PER_POINT
    )
    return {
        "seconds": seconds,
        "runtime_min": runtime_min,
        "mem_mb": mem_mb.astype(np.int64),
        "temporary_bytes": shift_values * VALUE_BYTES,
        "kept_bytes": kept * VALUE_BYTES,
    }


def chunk_cost(study: Study, law: str, group: int, block: int = 0) -> ChunkCost:
    """The cost of chunk (``group``, ``block``) of a law, from its own points only.

    Memory: the chunk's frequency shifts (all its points, read whole) and, per amplitude, the
    batch of its points' curves through each method (noisy realisations included), on top of
    the interpreter. Runtime: :func:`seconds_per_point` summed over its points, three times,
    plus a minute of margin, at least 5 min.
    """
    points = study.group(law, group)
    amplitudes = study.block(block).size
    sizes = _grid_points(study, law, points)
    largest = int(sizes.max())
    cost = _costs(study, law, len(points), int(sizes.sum()), largest, amplitudes)
    return ChunkCost(
        points=len(points),
        amplitudes=amplitudes,
        grid_points=largest,
        seconds=float(cost["seconds"]),
        runtime_min=int(cost["runtime_min"]),
        mem_mb=int(cost["mem_mb"]),
        temporary_bytes=int(cost["temporary_bytes"]),
        kept_bytes=int(cost["kept_bytes"]),
    )


def law_chunk_costs(study: Study, law: str) -> dict[str, np.ndarray]:
    """:func:`chunk_cost` of every chunk of a law at once, as arrays of shape (groups, blocks).

    Vectorised: the grid sizes of all the law's points in one call, summed and maximised per
    group with :func:`numpy.add.reduceat`; O(points + jobs) array work, no Python loop over
    jobs (planning 10^5 points takes well under a second).

    Returns
    -------
    dict of str to numpy.ndarray
        ``seconds``, ``runtime_min``, ``mem_mb``, ``temporary_bytes``, ``kept_bytes`` (as the
        fields of :class:`ChunkCost`), and ``points``, ``amplitudes``, ``grid_points``.
    """
    sweep = study.laws[law]
    sizes = sweep.column("points", np.arange(sweep.n_points)).astype(np.int64)
    starts = np.arange(0, sweep.n_points, study.points_per_job_of(law))
    n_points = np.diff(np.append(starts, sweep.n_points))
    grid_sum = np.add.reduceat(sizes, starts)
    grid_max = np.maximum.reduceat(sizes, starts)
    amplitudes = np.array([study.block(b).size for b in range(study.n_blocks)])
    cost = _costs(
        study, law, n_points[:, None], grid_sum[:, None], grid_max[:, None], amplitudes[None, :]
    )
    shape = (starts.size, amplitudes.size)
    cost["points"] = np.broadcast_to(n_points[:, None], shape)
    cost["amplitudes"] = np.broadcast_to(amplitudes[None, :], shape)
    cost["grid_points"] = np.broadcast_to(grid_max[:, None], shape)
    return cost


def points_per_job_for(study: Study, law: str, target_minutes: float) -> int:
    """Parameter points of one job so that a chunk's estimated runtime is ``target_minutes``.

    The rule (``chunking.target_minutes``): the estimated in-process seconds of one point of
    the law over a full amplitude block (:func:`seconds_per_point` at the mean grid size of
    the law, every swept grid size being equally frequent) fill the target after the two job
    start-ups: ``round((60 * target_minutes - 2 * JOB_START_SECONDS) / seconds)`` points,
    at least 1 and at most the law's points. A chunk's estimate (:func:`chunk_cost`
    ``.seconds``) is then within half a point's cost of the target where the grids do not
    vary, and one point's chunk where a single point exceeds the target.
    """
    sweep = study.laws[law]
    mean_grid = float(np.mean(np.asarray(sweep.values["points"], dtype=np.float64)))
    amplitudes = min(study.amplitudes_per_job, study.amplitudes.size)
    per_point = seconds_per_point(study, law, 1, 1) * mean_grid * amplitudes
    budget = 60.0 * target_minutes - 2 * JOB_START_SECONDS
    return int(min(sweep.n_points, max(1, round(budget / per_point))))


def cube_bytes(study: Study, law: str) -> int:
    """Size of the metric cube of a law [bytes]."""
    points = study.laws[law].n_points
    per_point = len(study.methods) * study.amplitudes.size * _values_per_curve(study)
    return points * (per_point + SCALARS_PER_POINT) * VALUE_BYTES


def merge_memory_mb(study: Study, law: str) -> int:
    """Memory requested of the merge job of a law [MB]: the chunks read and the cube built
    (twice the cube), on top of the interpreter; at least 1000 MB."""
    return max(1000, BASE_MEMORY_MB + 2 * cube_bytes(study, law) // 1_000_000)
