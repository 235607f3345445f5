"""Grid spectroscopy end to end: `fmdecon deconvolve grid.3ds --k 1.8kN/m -o out.nc`.

Writes synthetic spec-conforming Nanonis ``.3ds`` grids (``fmdecon.io.write_nanonis_grid``;
not timed): the paper's Morse law over a hexagonal lattice of atoms
(``fmdecon.force_fields.MorseMap.lattice``), its exact frequency shift, forward and backward
sweeps with 5 mHz white noise each, every pixel's own sweep limits (a float32 topography of
+-15 pm), sweeps from far to near, 0.23-2.5 nm, A = 100 pm. The lattice's Morse parameters
are those of a 20 x 20 pixel tile, repeated; the exact Δf is computed for every pixel on its
own axis, the noise drawn per pixel.

Then times, in a fresh interpreter each (the command line: read the file, deconvolve every
pixel with the four published methods with force_std, energy and the well-posedness test,
write the netCDF volume), its wall time and peak memory (its own maximum resident set):

    (a) 128 x 128 pixels x 500 points (16 384 curves)        target <= 20 s
    (b) 256 x 256 pixels x 500 points (65 536 curves,        target <= 90 s, <= 1.5 GB
        250 MB of Δf as float64)
    (c) the per-curve time of (a) against a loop of single-curve calls on the same grid's
        curves (each method: fmdecon.deconvolve, fmdecon.force_noise, the method's energy,
        fmdecon.inflection_point_test, as `fmdecon deconvolve` does for one curve), timed
        on the first 256 pixels and extrapolated per curve      target ratio >= 5

    python benchmarks/grid.py            # (a), (b), (c)
    python benchmarks/grid.py --quick    # a 32 x 32 x 200 grid: a smoke test of the script

The library timed is the one ``python -c "import fmdecon"`` finds (PYTHONPATH). The machine
load (``os.getloadavg``) is printed before and after: the targets are for a 2-core machine
that may be shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import fmdecon
from fmdecon.force_fields import MorseMap
from fmdecon.io import open_grid, write_nanonis_grid

K, F0 = 1800.0, 32768.0
AMPLITUDE = 100e-12
NOISE = 0.005  # Hz rms per sweep
Z_NEAR, Z_FAR = 0.23e-9, 2.5e-9
PITCH = 0.1e-9  # pixel spacing [m]
TILE = 20  # pixels per tile side: the lattice (a = 0.5 nm, 2 rows per sqrt(3) a) repeats
METHODS = ("sader_jarvis", "matrix", "matrix_resampled", "matrix_exact")
LOOP_CURVES = 256

#: The runner of a timed command: the CLI in this interpreter, then its own peak memory.
RUNNER = (
    "import json, resource, sys\n"
    "from fmdecon.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
    "print('BENCH ' + json.dumps({'status': status, 'peak': peak}))\n"
)


def write_grid(path: Path, nx: int, ny: int, points: int, seed: int = 0) -> None:
    """The synthetic grid (module docstring) of ``nx x ny`` pixels and ``points`` points."""
    rng = np.random.default_rng(seed)
    a = 0.5e-9  # lattice constant; a tile of 20 pixels (2 nm) holds 4 of them along x
    tile = np.arange(TILE) * PITCH
    sites = [
        (i * a + (j % 2) * a / 2, j * a * np.sqrt(3) / 2)
        for i in range(-1, 6)
        for j in range(-1, 6)
    ]
    unit = MorseMap.lattice(tile, tile, sites, relief=60e-12, contrast=0.5, width=0.1e-9)
    reps = (-(-ny // TILE), -(-nx // TILE))
    field = MorseMap(
        unit.kappa,
        np.tile(unit.sigma, reps)[:ny, :nx],
        np.tile(unit.bond_energy, reps)[:ny, :nx],
    )
    shift = 15e-12 * rng.uniform(-1.0, 1.0, (ny, nx))
    near = (Z_NEAR + shift).astype(np.float32).astype(np.float64)
    far = (Z_FAR + shift).astype(np.float32).astype(np.float64)
    z_sweep = np.linspace(far, near, points, axis=-1)  # from far to near, as an approach
    df = field.frequency_shift(z_sweep, AMPLITUDE, K, F0)  # exact, every pixel on its axis
    del z_sweep
    channels = {
        "Frequency Shift (Hz)": df + rng.normal(0.0, NOISE, df.shape),
        "Frequency Shift [bwd] (Hz)": df + rng.normal(0.0, NOISE, df.shape),
    }
    del df
    write_nanonis_grid(
        path,
        channels,
        sweep_start=far,
        sweep_end=near,
        centre=(0.5 * (nx - 1) * PITCH, 0.5 * (ny - 1) * PITCH),
        size=((nx - 1) * PITCH, (ny - 1) * PITCH),
        f0=F0,
        amplitude=AMPLITUDE,
        z_position=-5e-9 + shift,
    )


def run_cli(grid: Path, output: Path) -> dict:
    """`fmdecon deconvolve grid -o output` in a fresh interpreter: wall [s], peak [bytes]."""
    command = [sys.executable, "-c", RUNNER, "deconvolve", str(grid), "--k", "1.8kN/m"]
    for name in METHODS:
        command += ["--method", name]
    command += ["-o", str(output), "--overwrite"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    line = [t for t in done.stdout.splitlines() if t.startswith("BENCH ")]
    if done.returncode != 0 or not line:
        raise SystemExit(f"benchmark run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(line[-1][6:])
    result["wall"] = wall
    summary = [t for t in done.stdout.splitlines() if t.strip().startswith("time:")]
    result["inside"] = summary[-1].strip() if summary else ""
    return result


def single_curve_loop(grid_path: Path, count: int) -> tuple[float, int]:
    """Seconds per curve of a loop of single-curve calls (every method, as `fmdecon
    deconvolve` does for one curve) on the first ``count`` pixels of the grid."""
    grid = open_grid(grid_path)
    block = grid.block(0, count)
    curves = block.df[:, 0, 0]  # the forward sweep, ascending z
    z_all = block.z
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for z_pixel, df in zip(z_all, curves, strict=True):  # the loop being measured
            z = z_pixel - z_pixel[0]
            for name in METHODS:
                entry = fmdecon.METHODS[name]
                force = fmdecon.deconvolve(name, z, df, AMPLITUDE, K, F0)
                fmdecon.force_noise(entry, z, AMPLITUDE, K, F0, NOISE)
                entry.energy(z, df, force, AMPLITUDE, K, F0)
                with contextlib.suppress(ValueError):  # too short a curve: not tested
                    fmdecon.inflection_point_test(z, force)
    return (time.perf_counter() - started) / count, count


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 32 x 32 x 200 grid only")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = [("quick", 32, 32, 200, None, None)]
    else:
        sizes = [
            ("(a)", 128, 128, 500, 20.0, None),
            ("(b)", 256, 256, 500, 90.0, 1.5e9),
        ]
    print("fmdecon grid benchmark: fmdecon deconvolve grid.3ds --k 1.8kN/m -o out.nc")
    print(f"  fmdecon from {Path(fmdecon.__file__).parent}")
    print(f"  methods {', '.join(METHODS)} (with force_std, energy, well-posedness maps)")
    print(f"  before: {load()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        loop = None
        for label, nx, ny, points, wall_target, memory_target in sizes:
            grid = folder / f"grid_{nx}x{ny}.3ds"
            write_grid(grid, nx, ny, points)
            size_mb = grid.stat().st_size / 1e6
            result = run_cli(grid, folder / f"out_{nx}x{ny}.nc")
            out_mb = (folder / f"out_{nx}x{ny}.nc").stat().st_size / 1e6
            curves = nx * ny
            rows.append(
                (
                    label,
                    nx,
                    ny,
                    points,
                    curves,
                    size_mb,
                    out_mb,
                    result,
                    wall_target,
                    memory_target,
                )
            )
            if loop is None:  # (c) on the first grid
                loop = (single_curve_loop(grid, min(LOOP_CURVES, curves)), result, curves)
            grid.unlink()
            (folder / f"out_{nx}x{ny}.nc").unlink()
    print(f"  after:  {load()}")
    print()
    print(
        "  grid               curves   file [MB]  out [MB]  wall [s]  target    "
        "peak [MB]  target     per curve [ms]"
    )
    for label, nx, ny, points, curves, size_mb, out_mb, result, wall_t, mem_t in rows:
        wall = result["wall"]
        peak = result["peak"]
        wall_text = (
            "-" if wall_t is None else f"<= {wall_t:.0f} {'PASS' if wall <= wall_t else 'MISS'}"
        )
        mem_text = (
            "-" if mem_t is None else f"<= {mem_t / 1e6:.0f} {'PASS' if peak <= mem_t else 'MISS'}"
        )
        shape = f"{label:4s} {nx:3d} x {ny:3d} x {points}"
        print(
            f"  {shape}  {curves:6d}  {size_mb:9.0f}  {out_mb:8.0f}  {wall:8.1f}  {wall_text:9s}"
            f"  {peak / 1e6:9.0f}  {mem_text:10s} {1e3 * wall / curves:8.3f}"
        )
        print(f"       (inside the command: {result['inside']})")
    (per_loop, count), first, curves = loop
    per_grid = first["wall"] / curves
    ratio = per_loop / per_grid
    target = "" if args.quick else f"  target >= 5: {'PASS' if ratio >= 5 else 'MISS'}"
    print()
    print(
        f"  (c) single-curve loop: {1e3 * per_loop:.2f} ms per curve (4 methods; timed on "
        f"{count} curves of the first grid, extrapolated per curve)"
    )
    print(
        f"      grid path: {1e3 * per_grid:.3f} ms per curve (the first grid's end-to-end wall "
        f"/ {curves} curves): {ratio:.1f}x faster{target}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
