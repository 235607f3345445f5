"""Test helpers: spec-conforming Nanonis ``.3ds`` grids written from model force fields.

:func:`model_grid` writes a grid of Z sweeps whose frequency shift is the exact forward model
of a known 3-D force field (docs/physics.md section 13) plus optional white noise, with what
real files bring: forward and backward sweeps, several sweeps per pixel, each pixel's own
sweep limits (a topography), descending sweeps, and an aborted grid whose last pixel is cut.
It returns the truth next to the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from fmdecon.force_fields import MorseMap
from fmdecon.io import write_nanonis_grid

K, F0 = 1800.0, 32768.0


@dataclass
class ModelGrid:
    """A written model grid and the truth behind it."""

    path: Path
    field: MorseMap
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    z: NDArray[np.float64]  # (ny, nx, N) ascending distance of each pixel [m]
    force: NDArray[np.float64]  # (ny, nx, N) exact force on z [N]
    df: NDArray[np.float64]  # (ny, nx, N) exact frequency shift on z [Hz]
    channels: dict[str, NDArray[np.float64]]  # as written (sweep order)
    sweep_start: NDArray[np.float64]
    sweep_end: NDArray[np.float64]
    measured: int  # pixel records written
    cut: int | None  # points kept of the last record's curve (None: not cut)
    amplitude: float


def model_grid(
    path: Path,
    *,
    nx: int = 6,
    ny: int = 5,
    points: int = 400,
    amplitude: float = 50e-12,
    noise: float = 0.0,
    seed: int = 0,
    backward: bool = True,
    sweeps: int = 1,
    topography: float = 0.0,
    descending: bool = True,
    measured: int | None = None,
    cut: int | None = None,
    z_near: float = 0.23e-9,
    z_far: float = 2.5e-9,
) -> ModelGrid:
    """Write a model grid (a lattice of two atoms on the paper's Morse law) to ``path``.

    ``topography`` [m]: each pixel's sweep limits are shifted by up to this much (its own z
    axis); ``descending``: the sweep runs from far to near (as an approach); ``measured``:
    pixel records written (an aborted grid); ``cut``: the last record's curves keep only
    their first ``cut`` points in sweep order (NaN-padded).
    """
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 1.0e-9, nx)
    y = np.linspace(0.0, 0.8e-9, ny)
    sites = [[0.3e-9, 0.3e-9], [0.75e-9, 0.55e-9]]
    field = MorseMap.lattice(x, y, sites)
    shift = topography * rng.uniform(-1.0, 1.0, (ny, nx)) if topography else np.zeros((ny, nx))
    near = (z_near + shift).astype(np.float32).astype(np.float64)
    far = (z_far + shift).astype(np.float32).astype(np.float64)
    start, end = (far, near) if descending else (near, far)
    z_sweep = np.linspace(start, end, points, axis=-1)  # sweep order
    df_sweep = field.frequency_shift(z_sweep, amplitude, K, F0)
    channels: dict[str, NDArray[np.float64]] = {}
    for direction in ("", " [bwd]") if backward else ("",):
        for s in range(sweeps):
            token = f" [{s + 1:05d}]" if sweeps > 1 else ""
            label = f"Frequency Shift{token}{direction} (Hz)"
            channels[label] = df_sweep + (rng.normal(0.0, noise, df_sweep.shape) if noise else 0)
    channels["Amplitude (m)"] = np.full(df_sweep.shape, amplitude)
    count = nx * ny if measured is None else measured
    if cut is not None:
        row, col = divmod(count - 1, nx)
        for label in channels:
            if label.startswith("Frequency Shift"):
                channels[label][row, col, cut:] = np.nan
    write_nanonis_grid(
        path,
        channels,
        sweep_start=start,
        sweep_end=end,
        centre=(0.5e-9, 0.4e-9),
        size=(1.0e-9, 0.8e-9),
        f0=F0,
        amplitude=amplitude,
        z_position=-5e-9 + shift,
        measured=count,
    )
    z = np.sort(z_sweep, axis=-1)
    return ModelGrid(
        path=path,
        field=field,
        x=x,
        y=y,
        z=z,
        force=field.force(z),
        df=field.frequency_shift(z, amplitude, K, F0),
        channels=channels,
        sweep_start=start,
        sweep_end=end,
        measured=count,
        cut=cut,
        amplitude=amplitude,
    )
