"""Speed and memory benchmark of the fmdecon deconvolution kernels.

What is measured
----------------
The two deconvolution methods of the library, :func:`fmdecon.sader_jarvis` (FFT
correlation, O(N log N)) and :func:`fmdecon.matrix_method` (banded Toeplitz forward
substitution as a recursive filter, O(N alpha)), against straightforward ports of the
2012 algorithms that live in this file:

* Sader-Jarvis port: a Python loop over j; for each j the integrand over the samples
  t = z_{j+1} .. z_{N-1} (1-based) is evaluated with NumPy and integrated with
  ``numpy.trapezoid``, plus Sader's correction term (docs/physics.md section 2). O(N^2).
* Matrix-method port: the dense N x N matrix W built from the section 3 formula (axis
  reversed, alpha = round(A/d), true A in the prefactor) and solved with
  ``numpy.linalg.solve``. O(N^2) memory, O(N^3) time.

The setting is the paper's (Welker, Illek & Giessibl 2012): a Morse force (kappa = 4.25e9
1/m, sigma = 0.235 nm, E = 0.371 aJ), k = 1800 N/m, f0 = 32768 Hz,
z = linspace(0.23 nm, 5 nm, N) with N = 5000 and the 500 amplitudes
geomspace(10 pm, 1 nm, 500). The frequency shifts are computed once with the exact
forward model and are not part of any timing.

* The library is timed on every amplitude (``--repeats`` sweeps, one call per curve,
  ``time.perf_counter``, after a warm-up call); the ports, which take up to seconds per
  curve, on a subset of ``--port-curves`` amplitudes spread over the log range, after an
  untimed warm-up call (their cost hardly depends on A: the O(N^2) loop and the O(N^3)
  dense solve do not; the dense port's time includes building W, as the library's includes
  its weights). Reported: mean and median milliseconds per curve and the speed-up
  port mean / library mean from the same run, plus library and port times at each subset
  amplitude (the matrix method's library cost grows with alpha = A/d).
* Every port result is checked against the library (not timed): Sader-Jarvis to 1e-10 and
  the matrix method to 1e-8 of max |F|, with the same NaN points. A failed check is the
  only way this script exits non-zero; missed speed targets are reported, not raised.
* Memory: ``tracemalloc`` peak of one library call (NumPy buffers and Python objects;
  scratch space inside the FFT library is not traced) at N and at ``--large-n`` (100 000),
  printed as bytes per point to show O(N), next to what one N x N float64 array would
  take. The dense port's W at N = 100 000 (80 GB) is computed, not allocated.
* N = 100 000: both library methods at the middle and the largest amplitude are run and
  timed once (after an untimed call that is also the memory measurement).

The output ends with one verdict line per target: <= 3 ms per curve per method at
N = 5000, >= 300x faster than the ports, O(N) memory (no N x N array), N = 100 000 runs.

How to run
----------
``make bench`` (default mode, about a minute on two cores), or directly::

    python benchmarks/kernels.py            # N = 5000, 500 amplitudes, 5 port curves
    python benchmarks/kernels.py --quick    # smoke run: N = 2000, 50 amplitudes, 2 port curves
    python benchmarks/kernels.py --help     # all options

The dense port uses NumPy's multithreaded LAPACK; everything else is single-threaded.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy
from numpy.typing import NDArray

import fmdecon

# The paper's setting (Welker et al. 2012), SI units.
KAPPA = 4.25e9  # 1/m
SIGMA = 0.235e-9  # m
BOND_ENERGY = 0.371e-18  # J
K = 1800.0  # N/m
F0 = 32768.0  # Hz
Z_MIN, Z_MAX = 0.23e-9, 5e-9  # m
A_MIN, A_MAX = 10e-12, 1e-9  # m

# Targets (from the issue).
TARGET_MS_PER_CURVE = 3.0
TARGET_SPEEDUP = 300.0
TARGET_LARGE_N = 100_000

# Agreement required between each port and the library (relative to max |F|).
SJ_RTOL = 1e-10
MATRIX_RTOL = 1e-8

Kernel = Callable[[NDArray[np.float64], NDArray[np.float64], float, float, float], NDArray]


class CorrectnessError(Exception):
    """A port and the library disagree: the comparison would not be honest."""


# --------------------------------------------------------------------------------------------
# Straightforward ports of the 2012 algorithms
# --------------------------------------------------------------------------------------------


def sader_jarvis_port(
    z: NDArray[np.float64], df: NDArray[np.float64], amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Sader-Jarvis as the 2012 script does it: one trapezoid integral per point, O(N^2).

    docs/physics.md section 2: forward-difference slope, trapezoid over t = z_{j+1} .. z_{N-1}
    (1-based; 0-based j+1 .. N-2), correction term for [z_j, z_{j+1}], NaN where the
    trapezoid has fewer than two samples.
    """
    n = z.size
    omega = df / f0
    slope = np.diff(omega) / np.diff(z)  # Omega'_j, j = 0 .. n-2 (0-based)
    force = np.full(n, np.nan)
    for j in range(n - 3):
        t = z[j + 1 : n - 1]
        integrand = (1.0 + math.sqrt(amplitude) / (8.0 * np.sqrt(np.pi * (t - z[j])))) * omega[
            j + 1 : n - 1
        ] - amplitude**1.5 / np.sqrt(2.0 * (t - z[j])) * slope[j + 1 : n - 1]
        h = z[j + 1] - z[j]
        correction = (
            omega[j] * h
            + 2.0 * (math.sqrt(amplitude) / (8.0 * math.sqrt(math.pi))) * omega[j] * math.sqrt(h)
            - 2.0 * (amplitude**1.5 / math.sqrt(2.0)) * slope[j] * math.sqrt(h)
        )
        force[j] = 2.0 * k * (correction + np.trapezoid(integrand, t))
    return force


def dense_matrix(n: int, step: float, amplitude: float, k: float, f0: float) -> NDArray:
    """The full N x N matrix W of docs/physics.md section 3 (axis reversed: row 0 = farthest).

    ``W_ij = w(i - j)`` for ``0 <= i - j <= 2 alpha``, zero elsewhere, filled row by row as
    the 2012 script does; ``alpha = round(A/d)``, the true A in the prefactor.
    """
    alpha = math.floor(amplitude / step + 0.5)  # MATLAB round
    width = 2 * alpha + 1
    m = np.arange(width, dtype=np.float64)  # m = i - j inside the band
    band = (
        f0
        / (np.pi * k * amplitude)
        * (2.0 / width)
        * (np.sqrt(width * (m + 1) - (m + 1) ** 2) - np.sqrt(width * m - m**2))
    )
    w = np.zeros((n, n))
    for i in range(n):
        j = np.arange(max(0, i - 2 * alpha), i + 1)
        w[i, j] = band[i - j]
    return w


def matrix_method_port(
    z: NDArray[np.float64], df: NDArray[np.float64], amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Matrix method as the 2012 script does it: dense W, ``numpy.linalg.solve``."""
    step = (z[-1] - z[0]) / (z.size - 1)
    w = dense_matrix(z.size, step, amplitude, k, f0)
    return np.linalg.solve(w, df[::-1])[::-1].copy()


# --------------------------------------------------------------------------------------------
# Measurement helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    name: str
    library: Kernel
    port: Kernel
    port_label: str
    rtol: float


METHODS = (
    Method("Sader-Jarvis", fmdecon.sader_jarvis, sader_jarvis_port, "O(N^2) loop", SJ_RTOL),
    Method("matrix method", fmdecon.matrix_method, matrix_method_port, "dense W", MATRIX_RTOL),
)


#: The newer inversions of docs/physics.md section 6 (no 2012 port exists): timed on every
#: amplitude in the same run, reported as time per curve and as a ratio to Sader-Jarvis.
NEW_METHODS = (
    ("matrix_resampled", fmdecon.matrix_resampled),
    ("matrix_exact", fmdecon.matrix_exact),
)


def grid(n: int) -> NDArray[np.float64]:
    return np.linspace(Z_MIN, Z_MAX, n)


def alpha_of(amplitude: float, n: int) -> int:
    return fmdecon.matrix_alpha(amplitude, (Z_MAX - Z_MIN) / (n - 1))


def timed(fn: Kernel, *args: object) -> tuple[NDArray[np.float64], float]:
    """One call, garbage collector off as in ``timeit``; returns (result, seconds)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()
    return result, elapsed


def traced_peak(fn: Kernel, *args: object) -> tuple[NDArray[np.float64], int]:
    """One call under ``tracemalloc``; returns (result, peak bytes allocated during it)."""
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def check_agreement(method: Method, port: NDArray, library: NDArray, amplitude: float) -> float:
    """Max |port - library| / max |library| over the defined points; raise if above rtol."""
    nan_port, nan_library = np.isnan(port), np.isnan(library)
    where = f"{method.name} port vs library at A = {amplitude * 1e12:.4g} pm"
    if not np.array_equal(nan_port, nan_library):
        raise CorrectnessError(f"{where}: undefined (NaN) points differ")
    defined = ~nan_library
    scale = np.max(np.abs(library[defined]))
    deviation = float(np.max(np.abs(port[defined] - library[defined])) / scale)
    if not deviation <= method.rtol:
        raise CorrectnessError(
            f"{where}: max deviation {deviation:.3g} of max |F| exceeds {method.rtol:g}"
        )
    return deviation


def _is_number(cell: str) -> bool:
    try:
        float(cell.removesuffix("x"))
    except ValueError:
        return cell == ""
    return True


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> None:
    """Print a table: numeric columns right-aligned, text columns left-aligned."""
    body = [[str(c) for c in row] for row in rows]
    cells = [[str(h) for h in headers], *body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(_is_number(row[i]) for row in body) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            c.rjust(w) if right else c.ljust(w)
            for c, w, right in zip(row, widths, numeric, strict=True)
        ]
        return indent + "  ".join(parts).rstrip()

    print(line(cells[0]))
    print(indent + "  ".join("-" * w for w in widths))
    for row in body:
        print(line(row))


def ms(seconds: float) -> str:
    value = seconds * 1e3
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def megabytes(nbytes: float) -> str:
    return f"{nbytes / 1e6:.3g}"


def human_bytes(nbytes: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{nbytes:.0f} B"


def section(title: str) -> None:
    print()
    print(title)
    print("=" * len(title))


# --------------------------------------------------------------------------------------------
# Benchmark
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time fmdecon's Sader-Jarvis and matrix method against straightforward "
        "ports of the 2012 algorithms, and measure their memory.",
    )
    parser.add_argument("--n", type=int, default=None, help="grid points N (default 5000)")
    parser.add_argument(
        "--amplitudes", type=int, default=None, help="amplitudes for the library (default 500)"
    )
    parser.add_argument(
        "--port-curves",
        type=int,
        default=None,
        help="amplitudes (spread over the log range) on which the slow ports are timed "
        "(default 5)",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="sweeps over all amplitudes for the library"
    )
    parser.add_argument(
        "--large-n",
        type=int,
        default=None,
        help=f"grid size of the large-N run (default {TARGET_LARGE_N})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: N = 2000, 50 amplitudes, 2 port curves, large N = 20000 "
        "(explicit options still win)",
    )
    args = parser.parse_args(argv)
    defaults = (
        {"n": 2000, "amplitudes": 50, "port_curves": 2, "large_n": 20_000}
        if args.quick
        else {"n": 5000, "amplitudes": 500, "port_curves": 5, "large_n": TARGET_LARGE_N}
    )
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.n < 10 or args.large_n < 10:
        parser.error("--n and --large-n must be at least 10")
    if args.amplitudes < 1 or args.repeats < 1:
        parser.error("--amplitudes and --repeats must be at least 1")
    if not 1 <= args.port_curves <= args.amplitudes:
        parser.error("--port-curves must be between 1 and --amplitudes")
    return args


def run(args: argparse.Namespace) -> None:
    n = args.n
    law = fmdecon.Morse(KAPPA, SIGMA, BOND_ENERGY)
    z = grid(n)
    amplitudes = np.geomspace(A_MIN, A_MAX, args.amplitudes)
    subset = np.unique(np.linspace(0, args.amplitudes - 1, args.port_curves).round().astype(int))
    mid = args.amplitudes // 2
    largest = args.amplitudes - 1
    dfs = [law.frequency_shift(z, a, K, F0) for a in amplitudes]

    print("fmdecon kernel benchmark" + ("  [--quick: smoke run, not target sizes]" * args.quick))
    print(
        f"  fmdecon {fmdecon.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs"
    )
    print(
        f"  Morse kappa = {KAPPA / 1e9:g}e9 1/m, sigma = {SIGMA * 1e9:g} nm, "
        f"E = {BOND_ENERGY * 1e18:g} aJ; k = {K:g} N/m, f0 = {F0:g} Hz"
    )
    print(
        f"  z = linspace({Z_MIN * 1e9:g}, {Z_MAX * 1e9:g} nm, N = {n}), "
        f"d = {(Z_MAX - Z_MIN) / (n - 1) * 1e12:.4g} pm; A = geomspace({A_MIN * 1e12:g} pm, "
        f"{A_MAX * 1e9:g} nm, {args.amplitudes})"
    )
    print(
        f"  library: {args.repeats} sweep(s) x {args.amplitudes} curves; ports: "
        f"{subset.size} curve(s) at A = "
        + ", ".join(f"{amplitudes[i] * 1e12:.4g}" for i in subset)
        + " pm"
    )

    # ---- library: every amplitude, `repeats` sweeps ----------------------------------------
    library_s: dict[str, NDArray[np.float64]] = {}  # (repeats, amplitudes) seconds
    for method in METHODS:
        method.library(z, dfs[mid], amplitudes[mid], K, F0)  # warm-up
        times = np.empty((args.repeats, args.amplitudes))
        for r in range(args.repeats):
            for i, amplitude in enumerate(amplitudes):
                _, times[r, i] = timed(method.library, z, dfs[i], amplitude, K, F0)
        library_s[method.name] = times

    for name, function in NEW_METHODS:
        function(z, dfs[mid], amplitudes[mid], K, F0)  # warm-up
        times = np.empty((args.repeats, args.amplitudes))
        for r in range(args.repeats):
            for i, amplitude in enumerate(amplitudes):
                _, times[r, i] = timed(function, z, dfs[i], amplitude, K, F0)
        library_s[name] = times

    # ---- ports: subset of amplitudes, checked against the library ----------------------------
    port_s: dict[str, NDArray[np.float64]] = {}
    port_peak: dict[str, int] = {}
    deviation: dict[str, float] = {}
    for method in METHODS:
        # warm-up call, also the port's memory measurement (not timed)
        _, port_peak[method.name] = traced_peak(
            method.port, z, dfs[subset[0]], amplitudes[subset[0]], K, F0
        )
        times = np.empty(subset.size)
        results = []
        for s, i in enumerate(subset):
            result, times[s] = timed(method.port, z, dfs[i], amplitudes[i], K, F0)
            results.append(result)
        port_s[method.name] = times
        deviation[method.name] = max(
            check_agreement(
                method, result, method.library(z, dfs[i], amplitudes[i], K, F0), amplitudes[i]
            )
            for result, i in zip(results, subset, strict=True)
        )

    section(f"Time per curve at N = {n} [ms]")
    rows = []
    for method in METHODS:
        lib = library_s[method.name]
        port = port_s[method.name]
        rows.append(
            [
                method.name,
                "fmdecon",
                lib.size,
                ms(lib.mean()),
                ms(np.median(lib)),
                ms(lib.min()),
                ms(lib.max()),
                "",
            ]
        )
        rows.append(
            [
                "",
                f"2012 port ({method.port_label})",
                port.size,
                ms(port.mean()),
                ms(np.median(port)),
                ms(port.min()),
                ms(port.max()),
                f"{deviation[method.name]:.1e}",
            ]
        )
    table(
        [
            "method",
            "implementation",
            "curves",
            "mean [ms]",
            "median [ms]",
            "min [ms]",
            "max [ms]",
            "port-lib / max|F|",
        ],
        rows,
    )

    section("Speed-up, same run (port time per curve / library time per curve)")
    speedup: dict[str, float] = {}
    rows = []
    for method in METHODS:
        lib = library_s[method.name]
        port = port_s[method.name]
        speedup[method.name] = port.mean() / lib.mean()
        rows.append(
            [
                method.name,
                ms(port.mean()),
                ms(lib.mean()),
                f"{speedup[method.name]:.0f}x",
                f"{np.median(port) / np.median(lib):.0f}x",
                f"{port.mean() / np.median(lib, axis=0).max():.0f}x",
            ]
        )
    table(
        [
            "method",
            "port mean [ms]",
            "library mean [ms]",
            "speed-up (means)",
            "(medians)",
            "(vs slowest library curve)",
        ],
        rows,
    )

    section(f"Per amplitude at N = {n} (library: median of {args.repeats} sweep(s)) [ms]")
    sj, mm = (m.name for m in METHODS)
    rows = []
    for s, i in enumerate(subset):
        label = " (smallest)" if i == 0 else " (largest)" if i == largest else ""
        alpha = alpha_of(amplitudes[i], n)
        sj_lib = np.median(library_s[sj][:, i])
        mm_lib = np.median(library_s[mm][:, i])
        rows.append(
            [
                f"{amplitudes[i] * 1e12:.4g}{label}",
                alpha,
                2 * alpha + 1,
                ms(sj_lib),
                ms(port_s[sj][s]),
                f"{port_s[sj][s] / sj_lib:.0f}x",
                ms(mm_lib),
                ms(port_s[mm][s]),
                f"{port_s[mm][s] / mm_lib:.0f}x",
            ]
        )
    table(
        [
            "A [pm]",
            "alpha",
            "band",
            "SJ lib [ms]",
            "SJ port [ms]",
            "SJ x",
            "matrix lib [ms]",
            "matrix port [ms]",
            "matrix x",
        ],
        rows,
    )
    mm_by_amplitude = np.median(library_s[mm], axis=0)
    over = int(np.sum(mm_by_amplitude > TARGET_MS_PER_CURVE * 1e-3))
    print(
        f"  matrix-method library cost grows with the band 2 alpha + 1 (forward substitution, "
        f"O(N alpha)):\n  {over} of {args.amplitudes} amplitudes take more than "
        f"{TARGET_MS_PER_CURVE:g} ms per curve."
    )

    section(f"Newer inversions (docs/physics.md section 6) at N = {n}: time per curve [ms]")
    sj_mean = library_s[METHODS[0].name].mean()
    rows = []
    for name, _ in NEW_METHODS:
        lib = library_s[name]
        rows.append(
            [
                name,
                lib.size,
                ms(lib.mean()),
                ms(np.median(lib)),
                ms(lib.min()),
                ms(np.median(lib, axis=0).max()),
                f"{lib.mean() / sj_mean:.1f}x",
            ]
        )
    table(
        [
            "method",
            "curves",
            "mean [ms]",
            "median [ms]",
            "min [ms]",
            "slowest A [ms]",
            "mean / Sader-Jarvis mean",
        ],
        rows,
    )

    # ---- large N: run, time, memory ------------------------------------------------------------
    large_n = args.large_n
    z_large = grid(large_n)
    large_amplitudes = {"middle": amplitudes[mid], "largest": amplitudes[largest]}
    large_dfs = {
        key: law.frequency_shift(z_large, a, K, F0) for key, a in large_amplitudes.items()
    }
    large_s: dict[tuple[str, str], float] = {}
    peaks: list[tuple[int, Method, str, int]] = []  # (N, method, which amplitude, bytes)
    picks = {"middle": mid, "largest": largest}
    for method in METHODS:
        for key, i in picks.items():
            _, peak = traced_peak(method.library, z, dfs[i], amplitudes[i], K, F0)
            peaks.append((n, method, key, peak))
    for method in METHODS:
        for key, amplitude in large_amplitudes.items():
            # untimed call (warm-up at this size) doubles as the memory measurement
            _, peak = traced_peak(method.library, z_large, large_dfs[key], amplitude, K, F0)
            peaks.append((large_n, method, key, peak))
            result, large_s[method.name, key] = timed(
                method.library, z_large, large_dfs[key], amplitude, K, F0
            )
            undefined = 3 if method is METHODS[0] else 0
            if not np.all(np.isfinite(result[: large_n - undefined])):
                raise CorrectnessError(f"{method.name} at N = {large_n}: non-finite force")

    new_large: list[tuple[str, str, float, int, int]] = []  # (name, which A, s, peak n, peak N)
    for name, function in NEW_METHODS:
        for key, amplitude in large_amplitudes.items():
            _, small_peak = traced_peak(function, z, dfs[picks[key]], amplitude, K, F0)
            _, peak = traced_peak(function, z_large, large_dfs[key], amplitude, K, F0)
            result, seconds = timed(function, z_large, large_dfs[key], amplitude, K, F0)
            if not np.all(np.isfinite(result[: large_n - 1])):
                raise CorrectnessError(f"{name} at N = {large_n}: non-finite force")
            new_large.append((name, key, seconds, small_peak, peak))

    section(f"N = {large_n}: one curve [ms]")
    rows = [
        [
            method.name,
            f"{large_amplitudes[key] * 1e12:.4g} ({key})",
            alpha_of(large_amplitudes[key], large_n),
            ms(large_s[method.name, key]),
        ]
        for method in METHODS
        for key in large_amplitudes
    ]
    table(["method", "A [pm]", "alpha", "time [ms]"], rows)
    print(
        f"  2012 ports: not run. Dense W alone would be {large_n}^2 x 8 bytes = "
        f"{human_bytes(8.0 * large_n**2)};\n  the O(N^2) Sader-Jarvis loop would take about "
        f"{port_s[sj].mean() * (large_n / n) ** 2:.0f} s per curve (scaled from N = {n})."
    )

    section(f"Newer inversions at N = {large_n}: one curve, and tracemalloc peak of one call")
    table(
        [
            "method",
            "A [pm]",
            "time [ms]",
            f"peak N={n} [MB]",
            "bytes/point",
            f"peak N={large_n} [MB]",
            "bytes/point",
        ],
        [
            [
                name,
                f"{large_amplitudes[key] * 1e12:.4g} ({key})",
                ms(seconds),
                megabytes(small_peak),
                f"{small_peak / n:.0f}",
                megabytes(peak),
                f"{peak / large_n:.0f}",
            ]
            for name, key, seconds, small_peak, peak in new_large
        ],
    )
    print(
        "  matrix_exact works on the grid upsampled 4x and matrix_resampled on up to\n"
        "  alpha_min / (A/d) times more points, hence more bytes per input point; both O(N)."
    )

    section("Memory per curve: tracemalloc peak of one call")
    rows = [
        [
            size,
            method.name,
            "fmdecon",
            f"{large_amplitudes[key] * 1e12:.4g}",
            megabytes(peak),
            f"{peak / size:.0f}",
            megabytes(8.0 * size**2),
        ]
        for size, method, key, peak in peaks
    ]
    rows += [
        [
            n,
            method.name,
            f"2012 port ({method.port_label})",
            f"{amplitudes[subset[0]] * 1e12:.4g}",
            megabytes(port_peak[method.name]),
            f"{port_peak[method.name] / n:.0f}",
            megabytes(8.0 * n**2),
        ]
        for method in METHODS
    ]
    table(
        [
            "N",
            "method",
            "implementation",
            "A [pm]",
            "peak [MB]",
            "bytes/point",
            "one NxN float64 [MB]",
        ],
        rows,
    )
    print(
        f"  dense W at N = {TARGET_LARGE_N}: {TARGET_LARGE_N}^2 x 8 bytes = "
        f"{human_bytes(8.0 * TARGET_LARGE_N**2)} (computed, not allocated)."
    )
    print(
        "  tracemalloc sees NumPy buffers and Python objects; scratch space inside the FFT\n"
        "  library is not traced."
    )

    # ---- verdicts ---------------------------------------------------------------------------
    section("Verdict")
    if args.quick:
        print(f"(quick run at N = {n}: the targets are stated for N = 5000 and N = 100000)")
    for method in METHODS:
        lib = library_s[method.name]
        by_amplitude = np.median(lib, axis=0)
        slowest = int(np.argmax(by_amplitude))
        n_over = int(np.sum(by_amplitude > TARGET_MS_PER_CURVE * 1e-3))
        status = "met" if lib.mean() * 1e3 <= TARGET_MS_PER_CURVE else "NOT met"
        over = f", {n_over}/{args.amplitudes} curves above target" if n_over else ""
        print(
            f"target <= {TARGET_MS_PER_CURVE:g} ms/curve, {method.name}: {status} "
            f"(mean {lib.mean() * 1e3:.2f} ms, median {np.median(lib) * 1e3:.2f} ms; slowest "
            f"{by_amplitude[slowest] * 1e3:.2f} ms at A = {amplitudes[slowest] * 1e12:.4g} pm"
            f"{over})"
        )
    for name, _ in NEW_METHODS:
        lib = library_s[name]
        by_amplitude = np.median(lib, axis=0)
        status = "met" if lib.mean() * 1e3 <= TARGET_MS_PER_CURVE else "NOT met"
        print(
            f"target <= {TARGET_MS_PER_CURVE:g} ms/curve, {name}: {status} "
            f"(mean {lib.mean() * 1e3:.2f} ms, median {np.median(lib) * 1e3:.2f} ms; slowest "
            f"{by_amplitude.max() * 1e3:.2f} ms)"
        )
    new_o_n = all(
        peak / large_n <= 2.0 * small_peak / n and peak < 8.0 * large_n**2
        for _, _, _, small_peak, peak in new_large
    )
    print(
        f"target memory O(N), newer inversions: {'met' if new_o_n else 'NOT met'} (peak "
        f"bytes/point at N = {large_n} <= 2x that at N = {n}; largest "
        f"{max(p / large_n for *_, p in new_large):.0f} B/point); N = {large_n} runs: met "
        f"({', '.join(f'{nm} {sec * 1e3:.0f} ms' for nm, _, sec, _, _ in new_large)})"
    )
    for method in METHODS:
        ratio = speedup[method.name]
        print(
            f"target >= {TARGET_SPEEDUP:g}x vs 2012 port, {method.name}: "
            f"{'met' if ratio >= TARGET_SPEEDUP else 'NOT met'} ({ratio:.0f}x: "
            f"{port_s[method.name].mean() * 1e3:.1f} ms vs "
            f"{library_s[method.name].mean() * 1e3:.2f} ms per curve; ratio of medians "
            f"{np.median(port_s[method.name]) / np.median(library_s[method.name]):.0f}x)"
        )
    sizes = (n, large_n)
    per_point = {size: max(p / size for s, _, _, p in peaks if s == size) for size in sizes}
    o_n = all(per_point[size] < 8.0 * size for size in sizes) and (
        per_point[large_n] <= 2.0 * per_point[n]
    )
    print(
        f"target memory O(N), no NxN array: {'met' if o_n else 'NOT met'} (peak <= "
        f"{per_point[n]:.0f} B/point at N = {n}, <= {per_point[large_n]:.0f} B/point at "
        f"N = {large_n}; an NxN float64 array is 8N = {8 * n} and {8 * large_n} B/point)"
    )
    print(
        f"target N = {large_n} runs: met (Sader-Jarvis <= "
        f"{max(large_s[sj, key] for key in large_amplitudes) * 1e3:.1f} ms, matrix method "
        f"{large_s[mm, 'middle'] * 1e3:.0f} ms at middle A, "
        f"{large_s[mm, 'largest'] * 1e3:.0f} ms at largest A); dense port cannot "
        f"(W alone {human_bytes(8.0 * large_n**2)})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except CorrectnessError as error:
        print(f"\nCORRECTNESS CHECK FAILED: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
