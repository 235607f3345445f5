"""Long curves: a 2e6-point curve from a CSV printed with a few digits, through the CLI path.

Writes a Morse curve (z 0.23-10.23 nm, A = 100 pm, k = 1.8 kN/m, f0 = 32.768 kHz) as a CSV
whose z column is printed in nm with six decimals (1 fm) and Δf with six significant digits:
the z values are then uniform only to their printed digits (steps jitter by ~20 %), the case
that sent Sader-Jarvis to its O(N^2) direct sums. (Six *significant* digits cannot hold 2e6
distinct points of one z range: there are ~1e6 six-digit mantissas per decade, so the values
would merge.) Each method is run by ``fmdecon deconvolve FILE --method NAME`` in-process
(reading, snapping the grid, force, force_std, energy, well-posedness test, summary); the
time is printed against the 10 s target, and, for Sader-Jarvis, against its direct O(N^2)
path on the unsnapped grid (force, noise and energy), measured at a small N in the same run
and extrapolated as N^2.

    python benchmarks/long_curves.py                 # N = 2e6
    python benchmarks/long_curves.py --points 200000 --methods sader_jarvis matrix

The library timed is the one ``import fmdecon`` finds (PYTHONPATH).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import fmdecon
from fmdecon.cli import main as cli

Z_MIN, Z_MAX = 0.23e-9, 10.23e-9
AMPLITUDE, K, F0 = 100e-12, 1800.0, 32768.0
LAW = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
TARGET = 10.0  # seconds per method at N = 2e6
REGULARIZED_MAX = 200_000  # points above which regularized is left out unless named


def _six_digits(values: np.ndarray) -> np.ndarray:
    """``values`` rounded to six significant digits (as ``%.6g`` prints them), vectorised."""
    exponent = np.floor(np.log10(np.abs(np.where(values == 0, 1.0, values))))
    scale = 10.0 ** (5 - exponent)
    return np.round(values * scale) / scale


def write_csv(path: Path, n: int) -> float:
    """Write the six-digit CSV of ``n`` points; return the seconds taken."""
    start = time.perf_counter()
    exact = np.linspace(Z_MIN, Z_MAX, n)
    df = LAW.frequency_shift(exact, AMPLITUDE, K, F0)
    with path.open("w", encoding="utf-8") as handle:
        handle.write("z (nm),df (Hz)\n")
        np.savetxt(handle, np.column_stack([exact * 1e9, df]), fmt=["%.6f", "%.6g"], delimiter=",")
    return time.perf_counter() - start


def run_cli(path: Path, method: str) -> tuple[float, int, str]:
    """Seconds, exit code and the 'grid:' line of ``fmdecon deconvolve PATH --method M``."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(
            [
                "deconvolve",
                str(path),
                "--amplitude",
                "100pm",
                "--k",
                "1800",
                "--f0",
                "32768",
                "--method",
                method,
            ]
        )
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"long_curves: {method} failed ({code}): {err.getvalue().strip()}")
    grid = next((line.strip() for line in out.getvalue().splitlines() if "grid:" in line), "")
    return seconds, code, grid


def direct_seconds(n: int) -> float:
    """Sader-Jarvis's force, noise and energy on the unsnapped printed grid of ``n`` points
    (the direct O(N^2) sums), in seconds."""
    exact = np.linspace(Z_MIN, Z_MAX, n)
    z = np.round(exact * 1e9, 6) * 1e-9
    df = _six_digits(LAW.frequency_shift(exact, AMPLITUDE, K, F0))
    start = time.perf_counter()
    with fmdecon.direct_sum_limit(None), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        force = fmdecon.sader_jarvis(z, df, AMPLITUDE, K, F0)
        fmdecon.force_noise("sader_jarvis", z, AMPLITUDE, K, F0, 0.1)
        fmdecon.sader_jarvis_energy(z, df, AMPLITUDE, K, F0)
    assert np.isfinite(force[: n - 3]).all()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=float, default=2e6)
    parser.add_argument("--small", type=int, default=4000, help="N of the direct-sum timing")
    parser.add_argument("--methods", nargs="+", default=None)
    args = parser.parse_args()
    n = int(args.points)
    skipped = []
    if args.methods is None:  # regularized: its operator is built on p (N - 1) cells, dense
        args.methods = [m for m in fmdecon.METHODS if m != "regularized" or n <= REGULARIZED_MAX]
        skipped = [m for m in fmdecon.METHODS if m not in args.methods]
    print("fmdecon long-curve benchmark: a six-digit CSV through `fmdecon deconvolve`")
    print(f"  fmdecon from {Path(fmdecon.__file__).parent}, {os.cpu_count()} CPUs")
    print(
        f"  Morse, z {Z_MIN * 1e9:.2f}-{Z_MAX * 1e9:.2f} nm, N = {n}, step "
        f"{(Z_MAX - Z_MIN) / (n - 1) * 1e15:.2f} fm; z printed in nm with 6 decimals, Δf with "
        "6 significant digits"
    )
    direct_small = direct_seconds(args.small)
    direct = direct_small * (n / args.small) ** 2
    print(
        f"  direct O(N^2) Sader-Jarvis (force + noise + energy, unsnapped grid): "
        f"{direct_small:.2f} s at N = {args.small} -> {direct:.3g} s at N = {n} (x N^2)"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.csv"
        written = write_csv(path, n)
        size = path.stat().st_size / 1e6
        print(f"  CSV written in {written:.1f} s ({size:.0f} MB)")
        print()
        print(f"    {'method':<17} {'time [s]':>9}  {'target':>8}  {'direct / this':>13}")
        grid = ""
        for method in args.methods:
            seconds, _, grid = run_cli(path, method)
            verdict = "ok" if seconds <= TARGET else "OVER"
            ratio = f"{direct / seconds:13.3g}" if method == "sader_jarvis" else f"{'-':>13}"
            print(f"    {method:<17} {seconds:9.2f}  {verdict:>8}  {ratio}", flush=True)
        for method in skipped:
            print(f"    {method:<17} not run above N = {REGULARIZED_MAX} (--methods {method})")
        print()
        print(f"  {grid}")
        print(f"  target: <= {TARGET:g} s per method (reading, snapping, force, noise, energy)")


if __name__ == "__main__":
    main()
