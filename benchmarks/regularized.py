"""The regularised exact-weight method (docs/physics.md section 12): its strength rules, the
coverage of its combined uncertainty and its cost, measured in one run.

Monte Carlo with 200 seeded realisations of white noise on the paper's grid (N = 5000), Morse
(kappa = 4.25 /nm) and Lennard-Jones, A = 20 / 137 / 500 pm, 0.01 / 0.1 / 0.3 Hz. Per cell:
the 90 % bound e90 = max(|q05|, |q95|) of dF_min = min F_dec - min F_model for each rule and
for the best of the four other methods on the same noisy curves; the share of realisations
whose true force at the model's minimum lies within +-2 combined uncertainties
(hypot(force_std, force_bias)); the Monte Carlo scatter of the force there over the median
exact standard deviation. Then the cost per curve against a Sader-Jarvis single call and a
batch against a loop of single calls (warm caches, best of 3). Prints Markdown.

    python benchmarks/regularized.py
"""

from __future__ import annotations

import sys
import time
import warnings
from importlib import import_module

import numpy as np

import fmdecon
from fmdecon.methods import METHODS

Z = np.linspace(0.23e-9, 5e-9, 5000)
K, F0 = 1800.0, 32768.0
LAWS = {
    "Morse": fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18),
    "LJ": fmdecon.LennardJones(0.235e-9, 0.371e-18),
}
AMPLITUDES = (20e-12, 137e-12, 500e-12)
NOISE = (0.01, 0.1, 0.3)
REALISATIONS = 200
RULES = ("risk", "gcv", "discrepancy")
OTHERS = [name for name, entry in METHODS.items() if entry.fit is None]


def e90(delta: np.ndarray) -> float:
    return float(max(abs(np.quantile(delta, 0.05)), abs(np.quantile(delta, 0.95))))


def best_time(call, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def accuracy() -> list[str]:
    rows = [
        "| law | A (pm) | noise (Hz) | e90 risk | e90 gcv | e90 discrepancy | best other "
        "(e90) | gain | coverage ±2 (risk) | MC / exact std (risk) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, law in LAWS.items():
        force = law.force(Z)
        i_min = int(np.argmin(force))
        for amplitude in AMPLITUDES:
            clean = law.frequency_shift(Z, amplitude, K, F0)
            for sigma in NOISE:
                seed = int(amplitude * 1e14) + int(sigma * 1000)
                df = clean + np.random.default_rng(seed).normal(0, sigma, (REALISATIONS, Z.size))
                scores = {}
                for rule in RULES:
                    fit = fmdecon.regularized_fit(Z, df, amplitude, K, F0, rule=rule)
                    scores[rule] = e90(np.nanmin(fit.force, axis=1) - force.min())
                    if rule == "risk":
                        error = fit.force[:, i_min] - force[i_min]
                        bound = np.hypot(fit.force_std[:, i_min], fit.force_bias[:, i_min])
                        coverage = float(np.mean(np.abs(error) <= 2 * bound))
                        ratio = float(np.std(error) / np.median(fit.force_std[:, i_min]))
                other = {}
                for method in OTHERS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        out = METHODS[method].batch(Z, df, amplitude, K, F0)
                    other[method] = e90(np.nanmin(out, axis=1) - force.min())
                best = min(other, key=other.get)
                rows.append(
                    f"| {name} | {amplitude * 1e12:.0f} | {sigma} | {scores['risk'] * 1e12:.3g} | "
                    f"{scores['gcv'] * 1e12:.3g} | {scores['discrepancy'] * 1e12:.3g} | "
                    f"{METHODS[best].short_label} ({other[best] * 1e12:.3g}) | "
                    f"{other[best] / scores['risk']:.1f}x | {100 * coverage:.1f} % | "
                    f"{ratio:.2f} |"
                )
                print(rows[-1], file=sys.stderr, flush=True)  # progress
    return rows


def cost() -> list[str]:
    law = LAWS["Morse"]
    rows = [
        "| A (pm) | operator (s, once per grid and amplitude) | single call (ms) | SJ single "
        "call (ms) | ratio | batch of 200 (ms/curve) | loop / batch |",
        "|---|---|---|---|---|---|---|",
    ]
    module = import_module("fmdecon.methods.regularized")
    for amplitude in AMPLITUDES:
        df = law.frequency_shift(Z, amplitude, K, F0)
        df = df + np.random.default_rng(1).normal(0, 0.1, (200, Z.size))
        module.regularized_operator.cache_clear()
        start = time.perf_counter()
        module.regularized_operator(Z.size, float(Z[0]), float(Z[-1]), amplitude, K, F0, 4)
        setup = time.perf_counter() - start
        single = best_time(lambda a=amplitude, d=df: fmdecon.regularized(Z, d[0], a, K, F0))
        sj = best_time(lambda a=amplitude, d=df: fmdecon.sader_jarvis(Z, d[0], a, K, F0))
        batch = best_time(lambda a=amplitude, d=df: fmdecon.regularized(Z, d, a, K, F0))
        loop = best_time(
            lambda a=amplitude, d=df: [fmdecon.regularized(Z, row, a, K, F0) for row in d],
            repeats=1,
        )
        rows.append(
            f"| {amplitude * 1e12:.0f} | {setup:.2f} | {1e3 * single:.2f} | {1e3 * sj:.2f} | "
            f"{single / sj:.1f}x | {1e3 * batch / 200:.2f} | {loop / batch:.1f}x |"
        )
        print(rows[-1], file=sys.stderr, flush=True)  # progress
    return rows


def main() -> None:
    print("## Regularised exact weights: rules, coverage and cost\n")
    print(
        f"Paper grid (N = {Z.size}), {REALISATIONS} realisations per cell, noise estimated from "
        "each curve; e90 in pN; gain = best other method's e90 / the risk rule's.\n"
    )
    lines = accuracy()
    print()
    print("\n".join(lines))
    print()
    cost_lines = cost()
    print()
    print("\n".join(cost_lines))


if __name__ == "__main__":
    main()
