"""Sweeps and chunks of a study: which parameter points and amplitudes there are, and how the
work is cut into jobs.

A *point* is one combination of the swept values (law parameters, sensor, grid), numbered in C
order over the swept dimensions; a *group* is a run of ``chunking.points_per_job`` consecutive
points (or of as many as fill ``chunking.target_minutes`` by the cost model); a *block* is a
run of ``chunking.amplitudes_per_job`` consecutive amplitudes. A chunk (law, group, block) is
the unit of work of one pipeline job; the merged cube does not depend on how the work was
chunked.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.forces import FORCE_LAWS
from fmdecon.study.config import (
    GRID_KEYS,
    SENSOR_KEYS,
    aligned_group_sizes,
    as_list,
    nearest_aligned,
)
from fmdecon.study.config import amplitudes as amplitude_values
from fmdecon.study.perturb import Perturbations

__all__ = [
    "GRID_KEYS",
    "SENSOR_KEYS",
    "LawSweep",
    "Study",
    "aligned_group_sizes",
    "matching_index",
    "nearest_aligned",
    "nearest_amplitude",
]


def nearest_amplitude(amplitudes: ArrayLike, nominal: ArrayLike) -> NDArray[np.intp]:
    """Index of the amplitude nearest (in log distance) to each nominal amplitude.

    Parameters
    ----------
    amplitudes : array_like
        Amplitudes of a study [m], all > 0.
    nominal : array_like
        Amplitudes asked for [m], all > 0.

    Returns
    -------
    numpy.ndarray
        Integer indices into ``amplitudes``, one per nominal value (same shape as ``nominal``).
    """
    log_amp = np.log(np.asarray(amplitudes, dtype=np.float64))
    log_nominal = np.log(np.asarray(nominal, dtype=np.float64))
    return np.argmin(np.abs(log_amp[None, :] - np.ravel(log_nominal)[:, None]), axis=1).reshape(
        np.shape(log_nominal)
    )


def matching_index(values: ArrayLike, wanted: float) -> int | None:
    """Index of the first of ``values`` equal to ``wanted`` within 1e-9 relative, else None.

    The one rule by which a parameter value given in a config is found among swept values.
    """
    hits = np.flatnonzero(
        np.isclose(np.atleast_1d(np.asarray(values, dtype=np.float64)), wanted, rtol=1e-9, atol=0)
    )
    return int(hits[0]) if hits.size else None


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

    def column(self, name: str, indices: ArrayLike) -> NDArray[np.float64]:
        """The values of parameter ``name`` at the points ``indices`` (vectorised).

        Parameters
        ----------
        name : str
            A parameter of the sweep (e.g. ``"points"``).
        indices : array_like of int
            Point indices (C order over the swept dimensions).

        Returns
        -------
        numpy.ndarray
            One value per index (same shape as ``indices``).
        """
        values = np.asarray(self.values[name])
        if name not in self.swept:
            return np.full(np.shape(indices), values[0])
        positions = np.unravel_index(np.asarray(indices, dtype=np.intp), self.shape)
        return values[positions[self.swept.index(name)]]

    def index_of(self, at: Mapping[str, float]) -> int:
        """Index of the point with the swept values ``at`` (the first value where not given)."""
        position = []
        for name in self.swept:
            index = matching_index(self.values[name], at[name]) if name in at else 0
            if index is None:
                raise ValueError(
                    f"{name} = {at[name]:g} is not a swept value {list(self.values[name])}"
                )
            position.append(index)
        return int(np.ravel_multi_index(position, self.shape)) if self.shape else 0


class Study:
    """A validated study configuration with its sweeps and chunking.

    Parameters
    ----------
    config : mapping
        A configuration validated by :func:`fmdecon.study.config.validate_config`.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.name: str = config["study"]
        self.methods: list[str] = list(config["methods"])
        self.amplitudes = amplitude_values(config["amplitudes"])
        self.amplitudes_per_job: int = int(config["chunking"]["amplitudes_per_job"])
        self.perturbations = Perturbations.from_config(config)
        common = {key: as_list(config["sensor"][key]) for key in SENSOR_KEYS}
        common |= {key: as_list(config["grid"][key]) for key in GRID_KEYS}
        self.laws: dict[str, LawSweep] = {}
        for law, parameters in config["laws"].items():
            names = FORCE_LAWS[law].parameter_names
            values = {name: as_list(parameters[name]) for name in names} | common
            self.laws[law] = LawSweep(law, values)
        chunking = config["chunking"]
        #: parameter points of one job, per law: given, or chosen from the cost model so that
        #: a chunk takes about ``chunking.target_minutes`` (fmdecon.study.cost)
        self._points_per_job: dict[str, int] = dict.fromkeys(
            self.laws, int(chunking.get("points_per_job", 1))
        )
        #: how the cubes are stored (``storage``): "netcdf" or "zarr"
        self.storage: str = str(config.get("storage", "netcdf"))
        if chunking.get("target_minutes") is not None:
            from fmdecon.study.cost import points_per_job_for

            target = float(chunking["target_minutes"])
            for law, sweep in self.laws.items():
                per_job = points_per_job_for(self, law, target)
                if self.storage == "zarr":  # groups must be blocks of the store
                    per_job = nearest_aligned(sweep.shape, per_job)
                self._points_per_job[law] = per_job

    def cube_coords(self, law: str) -> dict[str, Any]:
        """The coordinates every cube of a law has, however it is stored: ``deconvolution``,
        ``amplitude`` and each parameter (an array where swept, else a scalar)."""
        coords: dict[str, Any] = {"deconvolution": self.methods, "amplitude": self.amplitudes}
        for name, values in self.laws[law].values.items():
            if name in self.laws[law].swept:
                coords[name] = np.asarray(
                    values, dtype=np.int64 if name == "points" else np.float64
                )
            else:
                coords[name] = int(values[0]) if name == "points" else float(values[0])
        return coords

    def points_per_job_of(self, law: str) -> int:
        """Parameter points of one job of a law."""
        return self._points_per_job[law]

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

    def n_groups(self, law: str) -> int:
        """Number of point groups of a law."""
        return math.ceil(self.laws[law].n_points / self._points_per_job[law])

    def group(self, law: str, index: int) -> range:
        """Points of group ``index`` of a law."""
        if not 0 <= index < self.n_groups(law):
            raise ValueError(f"group index must be in [0, {self.n_groups(law)}); got {index}")
        start = index * self._points_per_job[law]
        return range(start, min(start + self._points_per_job[law], self.laws[law].n_points))

    def group_region(self, law: str, index: int) -> dict[str, slice]:
        """The block of the swept dimensions that group ``index`` covers (zarr storage).

        Raises
        ------
        ValueError
            If the group is not a rectangular block (``points_per_job`` not one of
            :func:`aligned_group_sizes`).
        """
        sweep = self.laws[law]
        points = self.group(law, index)
        first = np.unravel_index(points.start, sweep.shape) if sweep.shape else ()
        last = np.unravel_index(points.stop - 1, sweep.shape) if sweep.shape else ()
        region = {
            name: slice(int(a), int(b) + 1)
            for name, a, b in zip(sweep.swept, first, last, strict=True)
        }
        if math.prod(r.stop - r.start for r in region.values()) != len(points):
            raise ValueError(
                f"group {index} of {law} (points {points.start} to {points.stop - 1}) is not "
                f"a block of the sweep {dict(zip(sweep.swept, sweep.shape, strict=True))}"
            )
        return region

    def jobs(self, law: str) -> list[tuple[int, int]]:
        """All (group, block) pairs of a law: the chunks of work of the pipeline's jobs."""
        return list(itertools.product(range(self.n_groups(law)), range(self.n_blocks)))

    def figure_view(self, law: str) -> tuple[dict[str, float], list[float]]:
        """The point (``figures.<law>.at``) and marked amplitudes [m] the figures show."""
        view = self.config.get("figures", {}).get(law, {}) or {}
        return dict(view.get("at", {})), [float(a) for a in view.get("marked_amplitudes", [])]

    def nearest_amplitudes(self, nominal: Sequence[float]) -> np.ndarray:
        """The study's amplitudes nearest to each nominal value (log distance)."""
        return self.amplitudes[nearest_amplitude(self.amplitudes, np.asarray(nominal))]
