"""Benchmark: a "3-D grid" of measured curves through the batched deconvolution methods.

A force-volume map (64 x 64 pixels = 4096 curves of 500 points on one z grid) is what a
measurement pipeline hands to the methods: one ``(4096, 500)`` array per call. The curves are
Morse frequency shifts whose decay constant and bond energy vary across the map, plus white
noise of rms 0.1 Hz (seeded); qPlus sensor k = 1800 N/m, f0 = 32768 Hz, A = 50 pm,
z = linspace(0.23 nm, 2.5 nm, 500). Printed per method: the time of the batched call (best of
``--repeats``, after a warm-up, ``time.perf_counter``), the time per curve, and the time of
``force_noise`` (computed once: the standard deviation is the same for every curve of the
grid). Target: every method <= 10 s on one core (run with ``OMP_NUM_THREADS=1``).

``python benchmarks/measured_batch.py`` (``--quick`` for 256 curves).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

import fmdecon
from fmdecon import METHODS, force_noise

K, F0, AMPLITUDE = 1800.0, 32768.0, 50e-12


def curves(side: int, points: int) -> tuple[np.ndarray, np.ndarray]:
    """``side**2`` noisy Morse curves on one grid, shape (side, side, points)."""
    z = np.linspace(0.23e-9, 2.5e-9, points)
    rng = np.random.default_rng(7)
    kappa = np.linspace(3.5e9, 5.0e9, side)
    energy = np.linspace(0.3e-18, 0.45e-18, side)
    df = np.empty((side, side, points))
    for i, kap in enumerate(kappa):
        for j, e in enumerate(energy):
            df[i, j] = fmdecon.Morse(kap, 0.235e-9, e).frequency_shift(z, AMPLITUDE, K, F0)
    return z, df + rng.normal(0.0, 0.1, df.shape)


def best_of(call, repeats: int) -> float:
    call()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="16 x 16 curves")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--points", type=int, default=500)
    args = parser.parse_args()
    side = 16 if args.quick else 64
    z, df = curves(side, args.points)
    print(
        f"{side} x {side} = {side * side} curves x {args.points} points, A = 50 pm, "
        f"threads = {os.environ['OMP_NUM_THREADS']}"
    )
    print(
        f"{'method':<18}{'batched (s)':>12}{'per curve (ms)':>16}{'force_noise (s)':>17}  target"
    )
    for name in METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            seconds = best_of(lambda n=name: METHODS[n](z, df, AMPLITUDE, K, F0), args.repeats)
            start = time.perf_counter()
            if METHODS[name].fit is not None:  # its std comes with its fit, per curve
                METHODS[name].fit(z, df, AMPLITUDE, K, F0)
            else:  # one exact std for every curve of the grid
                force_noise(name, z, AMPLITUDE, K, F0, 0.1)
            noise = time.perf_counter() - start
        verdict = "ok" if seconds <= 10.0 else "SLOW"
        print(
            f"{name:<18}{seconds:>12.3f}{1e3 * seconds / (side * side):>16.3f}"
            f"{noise:>17.3f}  {verdict} (<= 10 s)"
        )
    print("force_noise: for a method that fits its strength per curve, its fit of every curve")


if __name__ == "__main__":
    main()
