"""The synthetic grid of the README and docs/grids.md: a model force field written as a Nanonis
``.3ds`` grid, deconvolved by ``fmdecon deconvolve`` with ``--plot`` (run by `make docs`).

The field (docs/physics.md section 13): :class:`fmdecon.force_fields.MorseMap.lattice`, the
paper's Morse law deepened and raised over a hexagonal lattice of atoms; its exact frequency
shift per pixel, forward and backward sweeps with white noise, each pixel's own sweep limits
(a topography of +-15 pm), sweeps from far to near, and an aborted grid (the last row only
partly measured, its last curve cut). Writes ``docs/images/grid_example.png`` and prints the
command's summary.

    python tools/grid_example.py [--output docs/images/grid_example.png] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from fmdecon.cli import main as fmdecon_main
from fmdecon.force_fields import MorseMap
from fmdecon.io import write_nanonis_grid

REPO = Path(__file__).resolve().parents[1]
K, F0 = 1800.0, 32768.0
AMPLITUDE = 180e-12
NOISE = 0.002  # Hz rms per sweep
NX, NY, POINTS = 40, 32, 300


def write_example(path: Path, seed: int = 1) -> None:
    """Write the synthetic grid to ``path``."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 2.0e-9, NX)
    y = np.linspace(0.0, 1.6e-9, NY)
    a = 0.5e-9  # lattice constant of the hexagonal lattice
    sites = [
        (i * a + (j % 2) * a / 2, j * a * np.sqrt(3) / 2)
        for i in range(-1, 6)
        for j in range(-1, 5)
    ]
    field = MorseMap.lattice(x, y, sites, relief=100e-12, contrast=0.6, width=0.1e-9)
    shift = 15e-12 * rng.uniform(-1.0, 1.0, (NY, NX))
    near = (0.25e-9 + shift).astype(np.float32).astype(np.float64)
    far = (2.0e-9 + shift).astype(np.float32).astype(np.float64)
    z_sweep = np.linspace(far, near, POINTS, axis=-1)  # from far to near, as an approach
    df = field.frequency_shift(z_sweep, AMPLITUDE, K, F0)
    channels = {
        "Frequency Shift (Hz)": df + rng.normal(0.0, NOISE, df.shape),
        "Frequency Shift [bwd] (Hz)": df + rng.normal(0.0, NOISE, df.shape),
    }
    measured = NX * (NY - 1) + NX // 2  # aborted in the last row
    for values in channels.values():  # the last measured curve cut half way
        values[NY - 1, NX // 2 - 1, POINTS // 2 :] = np.nan
    write_nanonis_grid(
        path,
        channels,
        sweep_start=far,
        sweep_end=near,
        centre=(1.0e-9, 0.8e-9),
        size=(2.0e-9, 1.6e-9),
        f0=F0,
        amplitude=AMPLITUDE,
        z_position=-5e-9 + shift,
        measured=measured,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--output", type=Path, default=REPO / "docs" / "images" / "grid_example.png"
    )
    parser.add_argument("--keep", type=Path, help="keep the .3ds and .nc files in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        grid = folder / "grid_example.3ds"
        write_example(grid)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        status = fmdecon_main(
            [
                "deconvolve",
                str(grid),
                "--k",
                "1.8kN/m",
                "--output",
                str(folder / "grid_example.nc"),
                "--plot",
                str(args.output),
                "--plot-method",
                "matrix_exact",
                "--overwrite",  # the figure is this script's own output (make docs reruns it)
            ]
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
