"""The paper's facts as data: Welker, Illek & Giessibl, Beilstein J. Nanotechnol. 3, 238 (2012).

Everything this package knows of the paper is here, in SI units, and nowhere else:

- :data:`SETUP`, :data:`AMPLITUDES`, :data:`KAPPA_RANGE`: the simulation set-up
  (docs/physics.md section 5);
- :data:`MARKED_AMPLITUDES` and :data:`EMPHASIS`: the amplitudes marked in Figs 2-7 and the
  method whose R² the paper quotes at each mark (captions of Figs 3 and 6);
- :data:`KAPPA_A`: the worst and best κA of Fig. 9;
- :data:`CLAIMS`: every number the paper reports that the study can check, one
  :class:`Claim` per row of the comparison table, evaluated by
  :mod:`fmdecon.welker2012.comparison`.

Method names and labels come from the registry :data:`fmdecon.methods.METHODS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fmdecon.methods import METHODS

__all__ = [
    "AMPLITUDES",
    "CLAIMS",
    "EMPHASIS",
    "KAPPA_A",
    "KAPPA_RANGE",
    "MARKED_AMPLITUDES",
    "SETUP",
    "Claim",
    "emphasised",
    "is_matrix_family",
    "label",
    "published",
    "short_label",
]

MINUS = "\u2212"  # typographic minus sign

SJ = "sader_jarvis"
MATRIX = "matrix"

#: Sensor, grid and force-law parameters (SI units: N/m, Hz, m, J, 1/m).
SETUP: dict[str, float] = {
    "k": 1800.0,
    "f0": 32768.0,
    "z_min": 0.23e-9,
    "z_max": 5.0e-9,
    "points": 5000,
    "sigma": 0.235e-9,
    "bond_energy": 0.371e-18,
    "kappa": 4.25e9,
}
#: The amplitude grid: ``count`` values log-spaced from ``min`` to ``max`` [m].
AMPLITUDES: dict[str, float] = {"count": 500, "min": 10e-12, "max": 1e-9}
#: Morse decay constants of Fig. 9 [1/m].
KAPPA_RANGE: tuple[float, float] = (2e9, 10e9)
#: Worst and best κA of the Sader-Jarvis method (Fig. 9b).
KAPPA_A: tuple[float, float] = (0.59, 1.5)

#: Amplitudes [m] marked in Figs 2 and 5 and drawn in Figs 3 and 6, by law.
MARKED_AMPLITUDES: dict[str, tuple[float, ...]] = {
    "morse": (12.8e-12, 12.9e-12, 137e-12, 352e-12),
    "lennard_jones": (11.7e-12, 12.0e-12, 23e-12, 58.3e-12),
}

#: The methods whose R² the paper quotes at each marked amplitude, by law and amplitude [m].
EMPHASIS: dict[str, dict[float, tuple[str, ...]]] = {
    "morse": {12.8e-12: (MATRIX,), 12.9e-12: (MATRIX,), 137e-12: (SJ,), 352e-12: (SJ, MATRIX)},
    "lennard_jones": {11.7e-12: (MATRIX,), 12.0e-12: (MATRIX,), 23e-12: (SJ,), 58.3e-12: (SJ,)},
}


def label(method: str) -> str:
    """Legend name of ``method`` from the registry (the name itself if unregistered)."""
    entry = METHODS.get(method)
    return entry.label if entry is not None else method.replace("_", " ")


def short_label(method: str) -> str:
    """Compact name of ``method`` from the registry (the name itself if unregistered)."""
    entry = METHODS.get(method)
    return entry.short_label if entry is not None else method


def published(methods: list[str]) -> list[str]:
    """The methods of ``methods`` that the paper compares (``Method.published``), in order."""
    return [m for m in methods if m in METHODS and METHODS[m].published]


def is_matrix_family(method: str) -> bool:
    """True for the registered methods of the matrix family (``Method.family``)."""
    entry = METHODS.get(method)
    return entry is not None and entry.family == "matrix"


def emphasised(law: str, nominal: float, cod: dict[str, float]) -> tuple[str, ...]:
    """The methods whose R² the paper quotes at the marked amplitude ``nominal`` [m].

    Falls back to the method with the lowest finite R² of ``cod`` (method -> R²) when the
    paper marks no such amplitude or none of its methods is in ``cod``.
    """
    for mark, methods in EMPHASIS.get(law, {}).items():
        if abs(nominal / mark - 1.0) < 1e-6:
            found = tuple(m for m in methods if m in cod)
            if found:
                return found
    finite = {m: v for m, v in cod.items() if v == v}
    return (min(finite, key=finite.__getitem__),) if finite else tuple(cod)[:1]


@dataclass(frozen=True)
class Claim:
    """One statement of the paper and how the study checks it (one row of the table).

    Attributes
    ----------
    quantity : str
        What is compared (first column; the rows of docs/physics.md section 5 keep its words).
    paper : str
        The paper's statement, as it reads.
    checks : tuple of str
        Evaluators of :data:`fmdecon.welker2012.comparison.EVALUATORS` whose texts and notes
        are joined into the row.
    law : str or None
        Force law (None: every law of the study).
    methods : tuple of str
        Methods the claim is about (empty: every method of the cube).
    at : tuple of float
        Amplitudes [m] the paper names, 0 where it names none (for ``residual_far``: the z [m]
        from which on; for ``spikes``: the largest A/d; for ``kappa_rise``: the smallest κA).
    values : tuple of float
        The paper's numbers (SI units), one per entry of ``at`` or per method where that
        applies.
    bound : float or None
        A limit the paper states (an R², a force [N], a relative error).
    tolerance : float
        Relative tolerance of the agreement (0: evaluator default).
    grid_steps : tuple of (str, int)
        Largest position deviation of the force minimum the paper states, in grid steps, by
        method.
    agree, differ : str
        Notes when the study agrees with / differs from the claim.
    """

    quantity: str
    paper: str
    checks: tuple[str, ...]
    law: str | None = None
    methods: tuple[str, ...] = ()
    at: tuple[float, ...] = ()
    values: tuple[float, ...] = ()
    bound: float | None = None
    tolerance: float = 0.0
    grid_steps: tuple[tuple[str, int], ...] = ()
    agree: str = "agrees"
    differ: str = "differs"


_TO_THE_DIGITS = "agrees (to the paper's digits)"
_MORSE_53 = (
    "ΔF_min differs: {value} = {percent} of {f_min} matches the paper's '7 %' but not its "
    "'53 pN', which was most likely read off its figure (docs/physics.md §5)"
)

#: Every checked statement of the paper, in the order of the comparison table.
CLAIMS: tuple[Claim, ...] = (
    Claim("Morse F_min, z_min", f"{MINUS}790 pN at 398 pm", ("model_minimum",), "morse",
          values=(-790e-12, 398e-12), tolerance=0.006, agree="agrees (paper rounds)"),
    Claim("LJ F_min, z_min", f"{MINUS}4.25 nN at 261 pm", ("model_minimum",), "lennard_jones",
          values=(-4.25e-9, 261e-12), tolerance=0.006, agree="agrees (paper rounds)"),
    Claim("Morse SJ: CoD minimum / maximum", "A = 137 pm (R² = 0.990) / A = 352 pm",
          ("cod_extrema",), "morse", (SJ,), at=(137e-12, 352e-12), values=(0.990,)),
    Claim("Morse: lowest R² over all A", "R² > 0.990 (both methods)", ("lowest_cod",), "morse",
          bound=0.990),
    Claim("Morse matrix: CoD at 12.8 pm / 12.9 pm", "≈ 1 / 0.995", ("value_at",), "morse",
          (MATRIX,), at=(12.8e-12, 12.9e-12), values=(1.0, 0.995), agree=_TO_THE_DIGITS),
    Claim("Morse SJ: CoD at 137 pm / 352 pm (Fig. 3c, d)", "0.990 / ≈ 1", ("value_at",),
          "morse", (SJ,), at=(137e-12, 352e-12), values=(0.990, 1.0), agree=_TO_THE_DIGITS),
    Claim("Morse matrix: CoD at 352 pm (Fig. 3d)", "≈ 1", ("value_at",), "morse", (MATRIX,),
          at=(352e-12,), values=(1.0,), agree=_TO_THE_DIGITS),
    Claim("Morse matrix: CoD for A > 100 pm", "converges to 1", ("cod_large_amplitude",),
          "morse", (MATRIX,), at=(100e-12,), values=(1.0,)),
    Claim("Fig. 3: max |ΔF| of SJ at 137 pm / 352 pm", "109 pN / 13 pN", ("residual_at",),
          "morse", (SJ,), at=(137e-12, 352e-12), values=(109e-12, 13e-12), tolerance=0.05,
          agree="agrees (within 5 %)"),
    Claim("Fig. 3: largest |ΔF| over the marked panels, per method",
          "up to 109 pN for both methods", ("residual_largest",), "morse",
          agree="the paper's 109 pN is the SJ residual at 137 pm"),
    Claim("Fig. 3: |ΔF| for z > 1.5 nm", "< 1 pN", ("residual_far",), "morse", at=(1.5e-9,),
          bound=1e-12),
    Claim("Morse ΔF_min largest (SJ), position deviation",
          "53 pN near A = 123 pm (see note); up to 9 grid steps (SJ), 1 (matrix)",
          ("force_minimum_largest", "position_steps"), "morse", (SJ,), at=(123e-12,),
          values=(53e-12,), bound=0.07, tolerance=1.5e-12 / 53e-12,
          grid_steps=((SJ, 9), (MATRIX, 1)),
          agree="ΔF_min agrees", differ=_MORSE_53),
    Claim("Morse ΔF_min largest (matrix)", "up to 53 pN (both methods), at small A",
          ("force_minimum_largest",), "morse", (MATRIX,), values=(53e-12,), bound=0.07,
          tolerance=1.5e-12 / 53e-12,
          differ="differs like the SJ value (same ≈ 7 %, see the row above)"),
    Claim("Morse matrix: |ΔF_min| for A > 110 pm", "< 3 pN", ("force_minimum_bound",), "morse",
          (MATRIX,), at=(110e-12,), bound=3e-12,
          differ="differs: a few spikes above 110 pm exceed 3 pN"),
    Claim("Morse ΔF_min sign", "positive for most A (both methods)", ("sign_fraction",),
          "morse", bound=0.5),
    Claim("LJ SJ: CoD minima / maximum", "23 pm and 122 pm / 58 pm; R² ≥ 0.993",
          ("cod_extrema",), "lennard_jones", (SJ,), at=(23e-12, 122e-12, 58e-12), bound=0.993),
    Claim("LJ matrix: CoD at 11.7 pm / 12.0 pm", "0.9996 / 0.996", ("value_at",),
          "lennard_jones", (MATRIX,), at=(11.7e-12, 12.0e-12), values=(0.9996, 0.996),
          agree=_TO_THE_DIGITS),
    Claim("LJ SJ: CoD at 23 pm / 58.3 pm (Fig. 6c, d)", "0.994 / ≈ 1", ("value_at",),
          "lennard_jones", (SJ,), at=(23e-12, 58.3e-12), values=(0.994, 1.0),
          agree=_TO_THE_DIGITS),
    Claim("LJ matrix: CoD at large A", "does not converge to 1", ("cod_large_amplitude",),
          "lennard_jones", (MATRIX,), at=(100e-12,), bound=0.9999,
          agree="agrees (saturates below 1)"),
    Claim("Fig. 6: max |ΔF| of SJ at 23 pm / 58.3 pm", "460 pN / 78 pN", ("residual_at",),
          "lennard_jones", (SJ,), at=(23e-12, 58.3e-12), values=(460e-12, 78e-12),
          tolerance=0.05, agree="agrees (within 5 %)"),
    Claim("Fig. 6: |ΔF| for z > 0.55 nm", "significant deviations only below 0.55 nm",
          ("residual_far",), "lennard_jones", at=(0.55e-9,), tolerance=0.01),
    Claim("LJ ΔF_min largest",
          "293 pN (matrix), 259 pN (SJ, near A = 21 pm); 7 % and 6 % of 4.25 nN",
          ("force_minimum_largest",), "lennard_jones", (SJ, MATRIX), at=(21e-12, 0.0),
          values=(259e-12, 293e-12), tolerance=0.02, agree="agrees (within 2 %)"),
    Claim("LJ SJ: ΔF_min at the second CoD minimum (A = 120 pm)", "negative", ("sign_at",),
          "lennard_jones", (SJ,), at=(120e-12,), values=(-1.0,)),
    Claim("LJ ΔF_min sign", "positive for most A (matrix)", ("sign_fraction",),
          "lennard_jones", bound=0.5),
    Claim("LJ Δz_Fmin largest", "none (matrix), ≤ 1 grid step (SJ)", ("position_steps",),
          "lennard_jones", grid_steps=((SJ, 1), (MATRIX, 0))),
    Claim("Matrix CoD spikes (Fig. 8)", "sharp drop of R² at A/d → n + 0.5", ("spikes",),
          methods=(MATRIX,), at=(30.0,)),
    Claim("Morse, all κ: SJ worst / best", "κA ≈ 0.59 / κA ≈ 1.5", ("kappa_extrema",),
          "morse", (SJ,), values=KAPPA_A, tolerance=0.1, agree="agrees (within 10 %)"),
    Claim("Morse, all κ: SJ quality for large κA", "rises again for κA > 7", ("kappa_rise",),
          "morse", (SJ,), at=(7.0,)),
    Claim("T_SJ approximation", "largest relative error about 5 %", ("t_sj",), values=(0.05,),
          tolerance=0.1),
    Claim("Largest force-minimum error, relative (conclusion)",
          "7 % for both methods in the worst case", ("force_minimum_relative",), values=(0.07,),
          tolerance=0.005 / 0.07),
)  # fmt: skip
