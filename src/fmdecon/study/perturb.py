"""Noise and calibration errors as sweep dimensions (docs/physics.md sections 7 and 8).

A perturbed study deconvolves, for every exact curve, ``realizations`` noisy copies per noise
level, with the amplitude, spring constant and z scale the instrument would *report*
(``A (1 + eps_A)``, ``k (1 + eps_k)``, ``z_1 + (z - z_1)(1 + eps_z)``), and compares the
result sample by sample with the true model force. The metrics of the realisations are kept
as statistics (:data:`STATISTICS`) beside the exact force standard deviation at the force
minimum from :func:`fmdecon.force_noise`.

Reproducible noise: the noise of each work item (law, parameter point, amplitude, noise
level) comes from its own stream, ``numpy.random.SeedSequence(seed, spawn_key=...)`` keyed by
the *values* (not positions) of the law name, the point, the amplitude and the noise level,
so any chunking, any rerun and any extension of a sweep give the same numbers for the same
work item. Realisation r of an item is row r of one ``(realizations, N)`` draw.
"""

from __future__ import annotations

import itertools
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from fmdecon.study.config import PERTURBED_METRICS, as_list

__all__ = [
    "ERROR_KEYS",
    "STATISTICS",
    "Perturbations",
    "batch_metrics",
    "noise",
    "reported",
    "statistics",
]

#: Calibration errors, in the order of the cube dimensions.
ERROR_KEYS = ("amplitude_error", "z_scale_error", "k_error")
#: Statistics over realisations kept in a perturbed cube (``statistic`` dimension).
STATISTICS = ("mean", "std", "q05", "q50", "q95")
_QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Perturbations:
    """The validated ``perturbations`` section of a study.

    Attributes
    ----------
    noise_rms : tuple of float
        rms of white frequency-shift noise [Hz].
    realizations : int
        Noisy copies per curve and noise level.
    seed : int
        Root seed.
    amplitude_error, z_scale_error, k_error : tuple of float
        Relative errors of the reported amplitude, z scale and spring constant.
    keep_realizations : bool
        Keep every realisation's metrics too.
    """

    noise_rms: tuple[float, ...]
    realizations: int
    seed: int
    amplitude_error: tuple[float, ...]
    z_scale_error: tuple[float, ...]
    k_error: tuple[float, ...]
    keep_realizations: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Perturbations | None:
        """The perturbations of a validated config, or None for a noise-free exact study."""
        section = config.get("perturbations")
        if not section:
            return None
        return cls(
            noise_rms=tuple(float(v) for v in as_list(section["noise_rms"])),
            realizations=int(section["realizations"]),
            seed=int(section["seed"]),
            **{key: tuple(float(v) for v in as_list(section[key])) for key in ERROR_KEYS},
            keep_realizations=bool(section["keep_realizations"]),
        )

    @property
    def values(self) -> dict[str, tuple[float, ...]]:
        """Every perturbation dimension (noise level, then the errors) with its values."""
        return {"noise_rms": self.noise_rms} | {key: getattr(self, key) for key in ERROR_KEYS}

    @property
    def swept(self) -> list[str]:
        """The perturbation dimensions of the cube (more than one value)."""
        return [name for name, vals in self.values.items() if len(vals) > 1]

    def combinations(self) -> list[dict[str, float]]:
        """Every (noise level, errors) combination, in C order over :attr:`values`."""
        names = list(self.values)
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*self.values.values())
        ]


def _key(value: Any) -> int:
    """An integer key of a value for a SeedSequence spawn key (stable across runs): the 64
    bits of a float, the CRC-32 of anything else's JSON."""
    if isinstance(value, float):
        return int(np.float64(value).view(np.uint64))
    return zlib.crc32(json.dumps(value, sort_keys=True).encode())


def noise(
    seed: int,
    law: str,
    point: Mapping[str, float],
    amplitude: float,
    noise_rms: float,
    shape: tuple[int, int],
) -> np.ndarray:
    """White Gaussian frequency-shift noise [Hz] of one work item, shape ``(R, N)``.

    The stream is ``SeedSequence(seed, spawn_key=(law, point, amplitude, noise level))`` with
    each key derived from the value, so it does not depend on chunking or sweep order.
    """
    spawn_key = (_key(law), _key(dict(point)), _key(float(amplitude)), _key(float(noise_rms)))
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=spawn_key))
    return noise_rms * generator.standard_normal(shape)


def reported(
    z: np.ndarray, amplitude: float, k: float, errors: Mapping[str, float]
) -> tuple[np.ndarray, float, float]:
    """The grid, amplitude and spring constant an instrument with these errors reports.

    docs/physics.md section 8: ``A_rep = A (1 + eps_A)``, ``k_rep = k (1 + eps_k)``,
    ``z_rep = z_1 + (z - z_1)(1 + eps_z)``.
    """
    z_rep = (
        z if errors["z_scale_error"] == 0 else z[0] + (z - z[0]) * (1 + errors["z_scale_error"])
    )
    return (
        z_rep,
        amplitude * (1 + errors["amplitude_error"]),
        k * (1 + errors["k_error"]),
    )


def batch_metrics(
    z_true: np.ndarray,
    z_reported: np.ndarray,
    force_model: np.ndarray,
    forces: np.ndarray,
    i_min: int,
) -> dict[str, np.ndarray]:
    """Quality measures of many deconvolved forces ``(R, N)`` against one model force.

    The measures of :mod:`fmdecon.metrics` (Welker Eqs. 19, 21, 22) row by row, over the
    points where the force is defined, plus the rms force error and the force error at the
    model's force minimum ``i_min`` (whose spread over realisations is what
    :func:`fmdecon.force_noise` predicts); the force-minimum position is read on the reported
    grid and compared with the true one (docs/physics.md section 8). NaN for rows with fewer
    than 2 defined points.
    """
    defined = np.isfinite(forces) & np.isfinite(force_model)
    count = defined.sum(axis=-1)
    ok = count >= 2
    dec = np.where(defined, forces, np.nan)
    model = np.where(defined, force_model, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.nansum((dec - np.nanmean(dec, axis=-1, keepdims=True)) ** 2, axis=-1)
        squared = np.nansum((model - dec) ** 2, axis=-1)
        cod = 1.0 - squared / spread
        rms = np.sqrt(squared / count)
    filled_dec = np.where(defined, forces, np.inf)
    filled_model = np.where(defined, force_model, np.inf)
    i_dec = np.argmin(filled_dec, axis=-1)
    i_model = np.argmin(filled_model, axis=-1)
    rows = np.arange(forces.shape[0])
    delta_f = forces[rows, i_dec] - force_model[i_model]
    delta_z = z_reported[i_dec] - z_true[i_model]
    out = {
        "cod": cod,
        "delta_f_min": delta_f,
        "delta_z_min": delta_z,
        "rms_force_error": rms,
        "force_error_at_minimum": forces[:, i_min] - force_model[i_min],
    }
    return {name: np.where(ok, out[name], np.nan) for name in PERTURBED_METRICS}


def statistics(values: np.ndarray) -> np.ndarray:
    """:data:`STATISTICS` of realisations along the last axis: mean, std, 5/50/95 % quantiles."""
    with np.errstate(invalid="ignore"):
        quantiles = np.quantile(values, _QUANTILES, axis=-1)
        ddof = 1 if values.shape[-1] > 1 else 0
        return np.stack(
            [values.mean(axis=-1), values.std(axis=-1, ddof=ddof), *quantiles], axis=-1
        )
