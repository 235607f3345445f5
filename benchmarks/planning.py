"""Planning cost of the workflow: `snakemake -n` against the number of parameter points.

Generates study configs of 10^3, 10^4 and 10^5 Morse parameter points (kappa x sigma) in a
temporary folder, each with a fixed number of points per job, and times a dry run of the
workflow (`snakemake -n`: config validation, the study, the job graph with every job's
resources) on each, with its peak memory. Prints the times, the slope of log(time) against
log(points) (1 = linear) and the time at 10^5 points (target: <= 60 s and <= 2 GB).

    python benchmarks/planning.py                       # 1e3, 1e4, 1e5 points
    python benchmarks/planning.py --sizes 1000 4000     # other sizes
    python benchmarks/planning.py --points-per-job 1    # one point per job (most jobs)

The library that is timed is the one ``python -c "import fmdecon"`` finds (PYTHONPATH), so
the same script measures another checkout's code.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]


def study_config(points: int, points_per_job: int) -> dict:
    """A Morse study of ``points`` parameter points (kappa x sigma), small grid and sweep."""
    sigmas = 10 if points <= 1000 else 100
    kappas = math.ceil(points / sigmas)
    return {
        "study": f"plan{points}",
        "sensor": {"k": 1800.0, "f0": 32768.0},
        "grid": {"z_min": 0.23e-9, "z_max": 5.0e-9, "points": 1000},
        "amplitudes": {"min": 10.0e-12, "max": 1.0e-9, "count": 20},
        "methods": ["sader_jarvis", "matrix"],
        "laws": {
            "morse": {
                "kappa": np.linspace(1.0e9, 20.0e9, kappas).tolist(),
                "sigma": np.linspace(0.2e-9, 0.3e-9, sigmas).tolist(),
                "bond_energy": 0.371e-18,
            }
        },
        "chunking": {"amplitudes_per_job": 20, "points_per_job": points_per_job},
    }


def dry_run(config: Path, workdir: Path, snakefile: Path) -> tuple[float, float, int]:
    """Wall seconds, peak memory [MB] and job count of `snakemake -n` on ``config``."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "-n",
        "--cores",
        "1",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(config),
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"snakemake -n failed on {config}:\n{output[-3000:]}")
    jobs = 0
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total" and parts[1].isdigit():
            jobs = int(parts[1])
    return seconds, usage.ru_maxrss / 1024, jobs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--points-per-job", type=int, default=50)
    parser.add_argument(
        "--snakefile",
        type=Path,
        default=REPO / "Snakefile",
        help="workflow to time (default this checkout's; with PYTHONPATH, another checkout)",
    )
    args = parser.parse_args(argv)
    import fmdecon

    print("fmdecon planning benchmark: snakemake -n against parameter points")
    print(f"  fmdecon from {Path(fmdecon.__file__).parent}, {os.cpu_count()} CPUs")
    print(f"  workflow {args.snakefile}")
    print(
        f"  Morse kappa x sigma, N = 1000, 20 amplitudes, 2 methods, "
        f"points_per_job = {args.points_per_job}"
    )
    print()
    header = f"  {'points':>8}  {'jobs':>6}  {'wall [s]':>8}  {'per point [ms]':>14}"
    print(f"{header}  {'peak [MB]':>9}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="fmdecon-plan-") as tmp:
        for size in args.sizes:
            config = Path(tmp) / f"plan{size}.yaml"
            config.write_text(yaml.safe_dump(study_config(size, args.points_per_job)))
            workdir = Path(tmp) / f"run{size}"
            workdir.mkdir()
            seconds, peak, jobs = dry_run(config, workdir, args.snakefile)
            rows.append((size, seconds))
            print(
                f"  {size:>8}  {jobs:>6}  {seconds:>8.1f}  {seconds / size * 1e3:>14.2f}  "
                f"{peak:>9.0f}"
            )
    print()
    if len(rows) >= 2:
        sizes, times = np.log([r[0] for r in rows]), np.log([r[1] for r in rows])
        slope = float(np.polyfit(sizes, times, 1)[0])
        big = rows[-1]
        marginal = (rows[-1][1] - rows[-2][1]) / (rows[-1][0] - rows[-2][0])
        print(
            f"  slope of log(wall) against log(points): {slope:.2f} (1 = linear; the fixed "
            "start-up pulls it below 1)"
        )
        print(f"  marginal cost between the two largest sizes: {marginal * 1e3:.2f} ms per point")
        print(f"  {big[0]} points: {big[1]:.1f} s (target <= 60 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
