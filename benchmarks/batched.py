"""Benchmark of batched deconvolution and of exact noise propagation (docs/physics.md §7).

What is measured
----------------
1. Batched calls. ``R`` noisy copies (white noise of rms 0.1 Hz, seeded) of one Morse
   frequency-shift curve on the paper's grid (z = linspace(0.23 nm, 5 nm, N), N = 5000,
   k = 1800 N/m, f0 = 32768 Hz, kappa = 4.25/nm, sigma = 0.235 nm, E = 0.371 aJ) are
   deconvolved by every registered method, once as one ``(R, N)`` call and once as a Python
   loop of ``R`` single calls. Best of ``--repeats`` runs each (``time.perf_counter``, after a
   warm-up). The strict comparison: every timed batched call starts from empty caches (the
   kernel spectra of Sader-Jarvis, the operators of matrix_exact's and matrix_resampled's
   batches), so its per-grid work is part of its time, as for the first batch on a new grid;
   the loop runs with the caches its warm-up call filled. Printed: both times, per-curve
   times, the ratio loop / batched (target >= 5x) and the largest deviation of a batched row
   from its single call, relative to the row's largest |F|.
2. ``fmdecon.force_noise`` per method at N = 5000 (best of ``--repeats``, each from empty
   caches; one run for methods that take seconds), against the slow, obvious reference at
   a smaller grid (``--dense-n`` points): the dense operator built column by column by
   applying the method to unit vectors, and its row norms. Printed: both times, the ratio
   reference / fast at the small grid and reference(small N) / fast(N = 5000), and the
   agreement at the small grid (target <= 20 ms per call at N = 5000).
3. The section 7 figures: std(F) at the force minimum for 0.1 Hz noise at
   A = 20 / 50 / 137 / 500 pm, next to the specification's numbers.

No assertion on times: targets are reported, not raised.

How to run
----------
``make bench``, or ``python benchmarks/batched.py`` (``--quick`` for a smoke run,
``--help`` for the options).
"""

from __future__ import annotations

import argparse
import importlib
import time
import warnings
from collections.abc import Callable

import numpy as np

import fmdecon
from fmdecon import METHODS, force_noise

#: The methods whose noise is one linear map for every curve (a method that fits its strength
#: per curve has its std from its fit: benchmarks/regularized.py)
LINEAR = [name for name, entry in METHODS.items() if entry.fit is None]

K = 1800.0
F0 = 32768.0
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)
SPEC_SECTION7 = {"sader_jarvis": [1.7, 6.2, 30.0, 224.0], "matrix": [12.7, 30.0, 84.0, 337.0]}
SECTION7_AMPLITUDES = [20e-12, 50e-12, 137e-12, 500e-12]


def best_time(function: Callable[[], object], repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls [s] (after one untimed warm-up call)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def clear_caches() -> None:
    """Empty the caches of per-grid work (kernel spectra, operators)."""
    importlib.import_module("fmdecon.methods.sader_jarvis")._scaled_kernel.cache_clear()
    importlib.import_module("fmdecon.methods.matrix_exact").exact_operator.cache_clear()
    importlib.import_module("fmdecon.methods.matrix_resampled").resampled_operator.cache_clear()


def cold(function: Callable[[], object]) -> Callable[[], object]:
    """``function`` called after :func:`clear_caches`."""

    def call() -> object:
        clear_caches()
        return function()

    return call


def grid(n: int) -> np.ndarray:
    return np.linspace(0.23e-9, 5e-9, n)


def batched_table(n: int, rows: int, amplitudes: list[float], repeats: int) -> None:
    z = grid(n)
    rng = np.random.default_rng(12345)
    print(f"\n1. Batched calls: R = {rows} noisy copies of one Morse curve, N = {n}")
    header = (
        f"{'method':<18}{'A [pm]':>8}{'batched [ms]':>14}{'loop [ms]':>12}"
        f"{'per curve b/l [ms]':>20}{'ratio':>8}{'max dev':>10}  target >= 5x"
    )
    print(header)
    print("-" * len(header))
    for name, method in METHODS.items():
        for amplitude in amplitudes:
            df = MORSE.frequency_shift(z, amplitude, K, F0)
            curves = df + 0.1 * rng.standard_normal((rows, n))
            batched = method(z, curves, amplitude, K, F0)
            singles = np.array([method(z, curve, amplitude, K, F0) for curve in curves])
            scale = np.nanmax(np.abs(singles), axis=1, keepdims=True)
            deviation = float(np.nanmax(np.abs(batched - singles) / scale))
            t_batch = best_time(
                cold(lambda m=method, c=curves, a=amplitude: m(z, c, a, K, F0)), repeats
            )
            t_loop = best_time(
                lambda m=method, c=curves, a=amplitude: [m(z, r, a, K, F0) for r in c],
                max(1, repeats // 2),
            )
            ratio = t_loop / t_batch
            print(
                f"{name:<18}{amplitude * 1e12:>8.0f}{t_batch * 1e3:>14.1f}{t_loop * 1e3:>12.1f}"
                f"{t_batch / rows * 1e3:>11.3f} / {t_loop / rows * 1e3:<6.3f}{ratio:>8.1f}"
                f"{deviation:>10.1e}  {'met' if ratio >= 5 else 'missed'}"
            )


def dense_row_norms(name: str, z: np.ndarray, amplitude: float) -> np.ndarray:
    """The reference: dense L from unit vectors (one call per column), its row norms."""
    options = {} if name == "sader_jarvis" else {"solver": "recursive"}
    columns = [METHODS[name](z, unit, amplitude, K, F0, **options) for unit in np.eye(z.size)]
    return np.sqrt(np.sum(np.array(columns) ** 2, axis=0))


def noise_table(n: int, dense_n: int, amplitudes: list[float], repeats: int) -> None:
    z = grid(n)
    z_small = grid(dense_n)
    print(f"\n2. force_noise at N = {n}; dense column-by-column reference at N = {dense_n}")
    header = (
        f"{'method':<18}{'A [pm]':>8}{'fast N=' + str(n) + ' [ms]':>18}"
        f"{'fast N=' + str(dense_n) + ' [ms]':>17}{'dense N=' + str(dense_n) + ' [ms]':>18}"
        f"{'ratio@' + str(dense_n):>12}{'dense/fast' + str(n):>14}{'rel. diff':>11}  <= 20 ms"
    )
    print(header)
    print("-" * len(header))
    for name in LINEAR:
        for amplitude in amplitudes:
            once = time.perf_counter()
            force_noise(name, z, amplitude, K, F0, 0.1)
            once = time.perf_counter() - once
            fast = (
                once
                if once > 1.0
                else best_time(
                    cold(lambda a=amplitude, m=name: force_noise(m, z, a, K, F0, 0.1)), repeats
                )
            )
            small = force_noise(name, z_small, amplitude, K, F0, 1.0)
            fast_small = best_time(
                cold(lambda a=amplitude, m=name: force_noise(m, z_small, a, K, F0, 1.0)), repeats
            )
            start = time.perf_counter()
            reference = dense_row_norms(name, z_small, amplitude)
            dense = time.perf_counter() - start
            difference = float(np.nanmax(np.abs(small - reference) / reference))
            print(
                f"{name:<18}{amplitude * 1e12:>8.0f}{fast * 1e3:>18.1f}{fast_small * 1e3:>17.2f}"
                f"{dense * 1e3:>18.0f}{dense / fast_small:>12.0f}{dense / fast:>14.1f}"
                f"{difference:>11.1e}  {'met' if fast <= 0.02 else 'missed'}"
            )


def section7_table(n: int) -> None:
    z = grid(n)
    at_minimum = int(np.argmin(MORSE.force(z)))
    print(
        f"\n3. std(F) [pN] at the force minimum (z = {z[at_minimum] * 1e12:.0f} pm), Morse, "
        f"0.1 Hz white noise, N = {n}"
    )
    print(f"{'method':<18}" + "".join(f"{a * 1e12:>10.0f} pm" for a in SECTION7_AMPLITUDES))
    for name in LINEAR:
        values = [
            force_noise(name, z, a, K, F0, 0.1)[at_minimum] * 1e12 for a in SECTION7_AMPLITUDES
        ]
        print(f"{name:<18}" + "".join(f"{v:>13.2f}" for v in values))
        if name in SPEC_SECTION7 and n == 5000:
            print(f"{'  spec (§7)':<18}" + "".join(f"{v:>13.1f}" for v in SPEC_SECTION7[name]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="grid points (default 5000)")
    parser.add_argument("--rows", type=int, default=200, help="curves per batch (default 200)")
    parser.add_argument("--dense-n", type=int, default=400, help="reference grid (default 400)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs, best kept")
    parser.add_argument("--quick", action="store_true", help="smoke run: N = 1000, R = 20")
    args = parser.parse_args()
    if args.quick:
        args.n, args.rows, args.dense_n, args.repeats = 1000, 20, 200, 1
    warnings.simplefilter("ignore", fmdecon.SmallAmplitudeWarning)
    print("fmdecon batched deconvolution and exact noise propagation (docs/physics.md §7)")
    batched_table(args.n, args.rows, [20e-12, 137e-12, 500e-12], args.repeats)
    noise_table(args.n, args.dense_n, [20e-12, 137e-12, 500e-12], args.repeats)
    section7_table(args.n)


if __name__ == "__main__":
    main()
