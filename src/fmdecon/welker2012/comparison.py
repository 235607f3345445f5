"""The paper-comparison table: the numbers Welker et al. (2012) state, next to this pipeline's.

:func:`paper_comparison` reads every value from the metric cubes and the curves at the marked
amplitudes (nothing is typed in except the paper's own statements in the ``paper`` column) and
returns a Markdown table with one row per quantitative statement of the paper: the table of
``docs/physics.md`` section 5 plus the further numbers of the paper's text that the cubes can
answer. Where this pipeline differs from the paper the row says so; where the study lacks what
a row needs (a law, a marked amplitude, several κ), the row reads "n/a (not in this study)".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
from scipy.signal import find_peaks

from fmdecon.methods.sader_jarvis import sqre
from fmdecon.study.cube import select_point

__all__ = ["NOT_IN_STUDY", "PAPER_SETUP", "Row", "comparison_rows", "paper_comparison"]

NOT_IN_STUDY = "n/a (not in this study)"
MINUS = "\u2212"  # typographic minus sign
DASH = "\u2013"  # en dash of ranges

#: The paper's set-up (Welker et al. 2012, "Comparison of the force-deconvolution methods").
PAPER_SETUP: dict[str, float] = {
    "k": 1800.0,
    "f0": 32768.0,
    "z_min": 0.23e-9,
    "z_max": 5.0e-9,
    "points": 5000,
    "sigma": 0.235e-9,
    "bond_energy": 0.371e-18,
    "kappa": 4.25e9,
}
_PAPER_AMPLITUDES = {"count": 500, "min": 10e-12, "max": 1e-9}

#: Largest relative distance of a grid amplitude from a paper amplitude still taken as it.
_AMPLITUDE_MATCH = 0.01
#: Prominence below which a local extremum of a CoD curve is ignored.
_PROMINENCE = 1e-6

_LAW_NAME = {"morse": "Morse", "lennard_jones": "LJ"}

SJ = "sader_jarvis"
MATRIX = "matrix"


@dataclass(frozen=True)
class Row:
    """One line of the comparison table.

    Attributes
    ----------
    quantity : str
        What is compared (the first column of the table of docs/physics.md section 5 where the row
        comes from there).
    paper : str
        The paper's statement.
    pipeline : str
        This pipeline's value, computed from the cubes, with units.
    note : str
        Agreement, or how and why the values differ.
    """

    quantity: str
    paper: str
    pipeline: str
    note: str


# ---------------------------------------------------------------------------------------------
# formatting


def _sig(value: float, digits: int = 3) -> str:
    if not np.isfinite(value):
        return "nan"
    if value == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}".replace("-", MINUS)


def _force(value: float) -> str:
    """A force [N] in pN, or nN from 1 nN on."""
    if abs(value) >= 1e-9:
        return f"{_sig(value * 1e9)} nN"
    return f"{_sig(value * 1e12)} pN"


def _length(value: float) -> str:
    """A length [m] in pm, or nm from 1 nm on."""
    if abs(value) >= 1e-9:
        return f"{_sig(value * 1e9)} nm"
    return f"{_sig(value * 1e12)} pm"


def _cod(value: float, decimals: int = 4) -> str:
    return f"{value:.{decimals}f}" if np.isfinite(value) else "nan"


def _percent(value: float) -> str:
    return f"{_sig(100.0 * value, 2)} %"


def _range(values: Sequence[float], digits: int = 3) -> str:
    low, high = _sig(min(values), digits), _sig(max(values), digits)
    return low if low == high else f"{low}{DASH}{high}"


def _steps(count: int) -> str:
    return f"{count} grid step{'' if count == 1 else 's'}"


def _kappa(value: float) -> str:
    """A decay constant [1/m] in 1/nm."""
    return f"{value * 1e-9:g} nm⁻¹"


def _agree(ok: bool, agree: str = "agrees", differ: str = "differs") -> str:
    return agree if ok else differ


# ---------------------------------------------------------------------------------------------
# access to the study


class _Study:
    """The cubes and curves of a study at the parameter point of the figures."""

    def __init__(
        self, cubes: Mapping[str, xr.Dataset], curves: Mapping[str, xr.Dataset], config: Mapping
    ) -> None:
        self.cubes = cubes
        self.curves = curves
        self.config = config

    def at(self, law: str) -> Mapping[str, float]:
        return self.config.get("figures", {}).get(law, {}).get("at", {}) or {}

    def cube(self, law: str, method: str | None = None) -> xr.Dataset | None:
        if law not in self.cubes:
            return None
        cube = self.cubes[law]
        if method is not None and method not in cube["deconvolution"].to_numpy():
            return None
        return select_point(cube, self.at(law))

    def curve_index(self, law: str, nominal: float, method: str) -> tuple[xr.Dataset, int] | None:
        """The curves of ``law`` and the index of the amplitude marked at ``nominal`` [m]."""
        if law not in self.curves:
            return None
        data = select_point(self.curves[law], self.at(law))
        if method not in data["deconvolution"].to_numpy() or "amplitude_nominal" not in data:
            return None
        hits = np.flatnonzero(
            np.isclose(data["amplitude_nominal"].to_numpy(), nominal, rtol=1e-6, atol=0.0)
        )
        return (data, int(hits[0])) if hits.size else None


def _grid_step(cube: xr.Dataset) -> float:
    return float((cube["z_max"] - cube["z_min"]) / (cube["points"] - 1))


def _series(cube: xr.Dataset, name: str, method: str) -> tuple[np.ndarray, np.ndarray]:
    return cube["amplitude"].to_numpy(), cube[name].sel(deconvolution=method).to_numpy()


def _at_amplitude(cube: xr.Dataset, name: str, method: str, nominal: float) -> float | None:
    """``name`` at the cube amplitude within 1 % of ``nominal`` [m], else None."""
    amplitudes, values = _series(cube, name, method)
    index = int(np.argmin(np.abs(np.log(amplitudes / nominal))))
    if abs(amplitudes[index] / nominal - 1.0) > _AMPLITUDE_MATCH:
        return None
    return float(values[index])


def _log_step(cube: xr.Dataset) -> float:
    amplitudes = cube["amplitude"].to_numpy()
    return float(np.max(np.diff(np.log(amplitudes)))) if amplitudes.size > 1 else math.inf


def _extrema(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the interior local minima and maxima of a smooth curve."""
    finite = np.where(np.isfinite(values), values, np.nanmean(values))
    minima, _ = find_peaks(-finite, prominence=_PROMINENCE)
    maxima, _ = find_peaks(finite, prominence=_PROMINENCE)
    return minima, maxima


def _near(value: float, paper: float, cube: xr.Dataset, tolerance: float = 0.03) -> bool:
    """Whether an amplitude [m] matches the paper's within max(3 %, one grid step)."""
    return abs(math.log(value / paper)) <= max(tolerance, _log_step(cube))


def _na(quantity: str, paper: str) -> Row:
    return Row(quantity, paper, NOT_IN_STUDY, "")


# ---------------------------------------------------------------------------------------------
# rows


def _model_minimum(study: _Study, law: str, quantity: str, paper: str, force: float, z: float):
    cube = study.cube(law)
    if cube is None:
        return _na(quantity, paper)
    f_min, z_min = float(cube["force_min_model"]), float(cube["z_min_model"])
    ok = abs(f_min / force - 1.0) <= 0.006 and abs(z_min - z) <= max(1e-12, _grid_step(cube))
    return Row(
        quantity,
        paper,
        f"{_force(f_min)} at {_length(z_min)}",
        _agree(ok, "agrees (paper rounds)", "differs"),
    )


def _morse_sj_extrema(study: _Study) -> list[Row]:
    quantity, paper = "Morse SJ: CoD minimum / maximum", "A = 137 pm (R² = 0.990) / A = 352 pm"
    cube = study.cube("morse", SJ)
    if cube is None:
        return [_na(quantity, paper)]
    amplitudes, cod = _series(cube, "cod", SJ)
    minima, maxima = _extrema(cod)
    if minima.size == 0:
        return [Row(quantity, paper, "no interior minimum", "differs")]
    worst = int(minima[np.argmin(cod[minima])])
    later = maxima[maxima > worst]
    best = int(later[np.argmax(cod[later])]) if later.size else int(np.argmax(cod))
    ok = (
        _near(amplitudes[worst], 137e-12, cube)
        and _near(amplitudes[best], 352e-12, cube)
        and round(cod[worst], 3) == 0.990
    )
    note = _agree(ok)
    extra = [i for i in minima if i > best]
    if extra:
        i = int(extra[0])
        note += (
            f"; a second, shallow minimum follows at {_length(amplitudes[i])} "
            f"(R² = {_cod(cod[i])}), not discussed in the paper"
        )
    return [
        Row(
            quantity,
            paper,
            f"A = {_length(amplitudes[worst])} (R² = {_cod(cod[worst])}) / "
            f"A = {_length(amplitudes[best])} (R² = {_cod(cod[best], 5)})",
            note,
        )
    ]


def _lowest_cod(study: _Study, law: str, quantity: str, paper: str, bound: float) -> Row:
    cube = study.cube(law)
    if cube is None:
        return _na(quantity, paper)
    parts, lows = [], []
    for method in cube["deconvolution"].to_numpy():
        amplitudes, cod = _series(cube, "cod", str(method))
        i = int(np.nanargmin(cod))
        lows.append(float(cod[i]))
        parts.append(f"{_label(str(method))} {_cod(cod[i])} (at {_length(amplitudes[i])})")
    low = min(lows)
    if low >= bound:
        note = "agrees"
    elif round(low, 3) >= bound:
        note = f"agrees within rounding: the lowest value {_cod(low)} rounds to {bound:.3f}"
    else:
        note = "differs"
    return Row(quantity, paper, "; ".join(parts), note)


def _label(method: str) -> str:
    return {SJ: "SJ", MATRIX: "matrix"}.get(method, method)


def _decimals(value: float) -> int:
    text = f"{value:.6f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


def _matrix_large_amplitude(study: _Study) -> Row:
    quantity, paper = "Morse matrix: CoD for A > 100 pm", "converges to 1"
    cube = study.cube("morse", MATRIX)
    if cube is None:
        return _na(quantity, paper)
    amplitudes, cod = _series(cube, "cod", MATRIX)
    large = amplitudes > 100e-12
    if not large.any():
        return _na(quantity, paper)
    low = float(np.nanmin(cod[large]))
    return Row(
        quantity,
        paper,
        f"R² ≥ {_cod(low, 5)}; 1 {MINUS} R² = {1 - cod[-1]:.1e} at {_length(amplitudes[-1])}",
        _agree(low > 0.9995),
    )


def _residual_maxima(
    study: _Study,
    law: str,
    quantity: str,
    paper: str,
    marks: Sequence[tuple[float, float]],
    tolerance: float = 0.05,
) -> Row:
    values, amplitudes = [], []
    for nominal, _ in marks:
        found = study.curve_index(law, nominal, SJ)
        if found is None:
            return _na(quantity, paper)
        data, index = found
        amplitude = float(data["amplitude"][index])
        if abs(amplitude / nominal - 1.0) > _AMPLITUDE_MATCH:
            return _na(quantity, paper)
        residual = data["residual"].sel(deconvolution=SJ)[index].to_numpy()
        values.append(float(np.nanmax(np.abs(residual))))
        amplitudes.append(amplitude)
    text = " / ".join(
        f"{_force(v)} (A = {_length(a)})" for v, a in zip(values, amplitudes, strict=True)
    )
    ok = all(abs(v / p - 1.0) <= tolerance for v, (_, p) in zip(values, marks, strict=True))
    return Row(quantity, paper, text, _agree(ok, f"agrees (within {tolerance * 100:g} %)"))


def _residual_all_methods(study: _Study) -> Row:
    quantity = "Fig. 3: largest |ΔF| over the marked panels, per method"
    paper = "up to 109 pN for both methods"
    if "morse" not in study.curves:
        return _na(quantity, paper)
    data = select_point(study.curves["morse"], study.at("morse"))
    parts, maxima = [], {}
    for method in data["deconvolution"].to_numpy():
        residual = np.abs(data["residual"].sel(deconvolution=method).to_numpy())
        per_amplitude = np.nanmax(residual, axis=-1)
        i = int(np.nanargmax(per_amplitude))
        maxima[str(method)] = float(per_amplitude[i])
        amplitude = float(data["amplitude"][i])
        parts.append(
            f"{_label(str(method))} {_force(per_amplitude[i])} (A = {_length(amplitude)})"
        )
    note = "the paper's 109 pN is the SJ residual at 137 pm"
    if MATRIX in maxima and maxima[MATRIX] < 0.9 * max(maxima.values()):
        note += "; the matrix method's largest residual among the marked curves is smaller"
    return Row(quantity, paper, "; ".join(parts), note)


def _far_residual(
    study: _Study, law: str, quantity: str, paper: str, z_from: float, bound: float | None
) -> Row:
    if law not in study.curves:
        return _na(quantity, paper)
    data = select_point(study.curves[law], study.at(law))
    far = data["residual"].sel(z=slice(z_from, None)).to_numpy()
    largest = float(np.nanmax(np.abs(far)))
    f_min = abs(float(np.nanmin(data["force_model"].to_numpy())))
    text = f"max |ΔF| = {_force(largest)} for z > {_length(z_from)} (all marked curves)"
    if bound is not None:
        return Row(quantity, paper, text, _agree(largest < bound))
    return Row(
        quantity,
        paper,
        text,
        _agree(largest < 0.01 * f_min, f"agrees ({_percent(largest / f_min)} of |F_min|)"),
    )


def _morse_force_minimum(study: _Study) -> Row:
    quantity = "Morse ΔF_min largest (SJ), position deviation"
    paper = "53 pN near A = 123 pm (see note); up to 9 grid steps (SJ), 1 (matrix)"
    cube = study.cube("morse", SJ)
    if cube is None:
        return _na(quantity, paper)
    amplitudes, delta_f = _series(cube, "delta_f_min", SJ)
    i = int(np.nanargmax(delta_f))
    f_min = abs(float(cube["force_min_model"]))
    step = _grid_step(cube)
    steps = {}
    for method in cube["deconvolution"].to_numpy():
        _, delta_z = _series(cube, "delta_z_min", str(method))
        steps[str(method)] = round(float(np.nanmax(np.abs(delta_z))) / step)
    step_text = ", ".join(
        f"{_steps(n)} = {_length(n * step)} ({_label(m)})" for m, n in steps.items()
    )
    text = (
        f"{_force(delta_f[i])} at A = {_length(amplitudes[i])} "
        f"({_percent(delta_f[i] / f_min)} of |F_min|); {step_text}"
    )
    notes = []
    if abs(delta_f[i] - 53e-12) <= 1.5e-12:
        notes.append("ΔF_min agrees")
    else:
        notes.append(
            f"ΔF_min differs: {_force(delta_f[i])} = {_percent(delta_f[i] / f_min)} of "
            f"{_force(f_min)} matches the paper's '7 %' but not its '53 pN', which was most "
            "likely read off its figure (docs/physics.md §5)"
        )
    if not _near(amplitudes[i], 123e-12, cube):
        notes.append("position of the largest ΔF_min differs")
    if steps.get(SJ) == 9 and steps.get(MATRIX, 1) == 1:
        notes.append(f"steps agree (9 d = {_length(9 * step)}; the paper writes 9 pm)")
    else:
        notes.append("position deviation differs")
    return Row(quantity, paper, text, "; ".join(notes))


def _morse_matrix_force_minimum(study: _Study) -> list[Row]:
    cube = study.cube("morse", MATRIX)
    rows = []
    quantity, paper = "Morse ΔF_min largest (matrix)", "up to 53 pN (both methods), at small A"
    if cube is None:
        return [_na(quantity, paper), _na("Morse matrix: |ΔF_min| for A > 110 pm", "< 3 pN")]
    amplitudes, delta_f = _series(cube, "delta_f_min", MATRIX)
    f_min = abs(float(cube["force_min_model"]))
    i = int(np.nanargmax(np.abs(delta_f)))
    rows.append(
        Row(
            quantity,
            paper,
            f"{_force(delta_f[i])} at A = {_length(amplitudes[i])} "
            f"({_percent(abs(delta_f[i]) / f_min)} of |F_min|)",
            _agree(
                abs(abs(delta_f[i]) - 53e-12) <= 1.5e-12,
                "agrees",
                "differs like the SJ value (same ≈ 7 %, see the row above)"
                if abs(abs(delta_f[i]) / f_min - 0.07) <= 0.005
                else "differs",
            ),
        )
    )
    quantity, paper = "Morse matrix: |ΔF_min| for A > 110 pm", "< 3 pN"
    large = amplitudes > 110e-12
    if not large.any():
        rows.append(_na(quantity, paper))
        return rows
    largest = float(np.nanmax(np.abs(delta_f[large])))
    above = np.abs(delta_f) >= 3e-12
    last = int(np.flatnonzero(above)[-1]) if above.any() else -1
    text = f"≤ {_force(largest)}"
    if largest >= 3e-12 and last + 1 < amplitudes.size:
        text += f"; < 3 pN from A = {_length(amplitudes[last + 1])} on"
    rows.append(
        Row(
            quantity,
            paper,
            text,
            _agree(largest < 3e-12, "agrees", "differs: a few spikes above 110 pm exceed 3 pN"),
        )
    )
    return rows


def _sign_row(study: _Study, law: str, quantity: str, paper: str) -> Row:
    cube = study.cube(law)
    if cube is None:
        return _na(quantity, paper)
    parts, ok = [], True
    for method in cube["deconvolution"].to_numpy():
        _, delta_f = _series(cube, "delta_f_min", str(method))
        fraction = float(np.mean(delta_f[np.isfinite(delta_f)] > 0))
        ok &= fraction > 0.5
        parts.append(f"{_label(str(method))} {_percent(fraction)}")
    return Row(quantity, paper, "ΔF_min > 0 for " + ", ".join(parts) + " of A", _agree(ok))


def _lj_sj_extrema(study: _Study) -> Row:
    quantity, paper = "LJ SJ: CoD minima / maximum", "23 pm and 122 pm / 58 pm; R² ≥ 0.993"
    cube = study.cube("lennard_jones", SJ)
    if cube is None:
        return _na(quantity, paper)
    amplitudes, cod = _series(cube, "cod", SJ)
    minima, maxima = _extrema(cod)
    low = float(np.nanmin(cube["cod"].to_numpy()))
    best = int(maxima[np.argmax(cod[maxima])]) if maxima.size else int(np.nanargmax(cod))
    text = (
        " and ".join(f"{_length(amplitudes[i])} (R² = {_cod(cod[i])})" for i in minima)
        + f" / {_length(amplitudes[best])} (R² = {_cod(cod[best], 5)}); "
        + f"lowest R² (both methods) {_cod(low)}"
    )
    ok = (
        minima.size == 2
        and _near(amplitudes[minima[0]], 23e-12, cube)
        and _near(amplitudes[minima[1]], 122e-12, cube)
        and _near(amplitudes[best], 58e-12, cube)
        and low >= 0.993
    )
    return Row(quantity, paper, text, _agree(ok))


def _cod_at(
    study: _Study,
    law: str,
    method: str,
    quantity: str,
    paper: str,
    nominal: Sequence[float],
    expected: Sequence[float],
    *,
    pair: bool = False,
) -> Row:
    """CoD of ``method`` at the study amplitudes nearest to ``nominal``, against the paper's
    ``expected`` values to the paper's digits (``1`` stands for "about 1": within 5e-4).

    With ``pair`` the amplitudes are shown and must be distinct grid points (the 12.8 /
    12.9 pm pairs: a contrast between neighbouring amplitudes the study must resolve).
    """
    cube = study.cube(law, method)
    if cube is None:
        return _na(quantity, paper)
    values = [_at_amplitude(cube, "cod", method, a) for a in nominal]
    if any(v is None for v in values):
        return _na(quantity, paper)
    ok = all(
        abs(v - e) <= (5e-4 if e == 1.0 else 10 ** -_decimals(e))
        for v, e in zip(values, expected, strict=True)
    )
    if not pair:
        text = " / ".join(_cod(v, 5) for v in values)
        return Row(quantity, paper, text, _agree(ok, "agrees (to the paper's digits)"))
    amplitudes = [float(cube["amplitude"].sel(amplitude=a, method="nearest")) for a in nominal]
    if len(set(amplitudes)) < len(amplitudes):
        return _na(quantity, paper)
    text = " / ".join(
        f"{_cod(v)} (A = {_length(a)})" for v, a in zip(values, amplitudes, strict=True)
    )
    return Row(quantity, paper, text, _agree(ok, "agrees (to the paper's digits)"))


def _lj_large_amplitude(study: _Study) -> Row:
    quantity = "LJ matrix: CoD at large A"
    paper = "does not converge to 1"
    cube = study.cube("lennard_jones", MATRIX)
    if cube is None:
        return _na(quantity, paper)
    amplitudes, cod = _series(cube, "cod", MATRIX)
    large = amplitudes > 100e-12
    if not large.any():
        return _na(quantity, paper)
    low, high = float(np.nanmin(cod[large])), float(np.nanmax(cod[large]))
    return Row(
        quantity,
        paper,
        f"R² = {_cod(low, 5)}{DASH}{_cod(high, 5)} for A > 100 pm",
        _agree(high < 0.9999, "agrees (saturates below 1)"),
    )


def _lj_force_minimum(study: _Study) -> Row:
    quantity = "LJ ΔF_min largest"
    paper = "293 pN (matrix), 259 pN (SJ, near A = 21 pm); 7 % and 6 % of 4.25 nN"
    cube = study.cube("lennard_jones")
    if cube is None:
        return _na(quantity, paper)
    f_min = abs(float(cube["force_min_model"]))
    parts, ok = [], True
    expected = {MATRIX: (293e-12, None), SJ: (259e-12, 21e-12)}
    for method in cube["deconvolution"].to_numpy():
        method = str(method)
        amplitudes, delta_f = _series(cube, "delta_f_min", method)
        i = int(np.nanargmax(np.abs(delta_f)))
        parts.append(
            f"{_label(method)} {_force(delta_f[i])} at A = {_length(amplitudes[i])} "
            f"({_percent(abs(delta_f[i]) / f_min)})"
        )
        if method in expected:
            value, where = expected[method]
            ok &= abs(abs(delta_f[i]) - value) <= 0.02 * value
            if where is not None:
                ok &= _near(amplitudes[i], where, cube)
    return Row(quantity, paper, "; ".join(parts), _agree(ok, "agrees (within 2 %)"))


def _lj_second_minimum_sign(study: _Study) -> Row:
    quantity = "LJ SJ: ΔF_min at the second CoD minimum (A = 120 pm)"
    paper = "negative"
    cube = study.cube("lennard_jones", SJ)
    if cube is None:
        return _na(quantity, paper)
    value = _at_amplitude(cube, "delta_f_min", SJ, 120e-12)
    if value is None:
        return _na(quantity, paper)
    return Row(quantity, paper, _force(value), _agree(value < 0))


def _lj_position(study: _Study) -> Row:
    quantity = "LJ Δz_Fmin largest"
    paper = "none (matrix), ≤ 1 grid step (SJ)"
    cube = study.cube("lennard_jones")
    if cube is None:
        return _na(quantity, paper)
    step = _grid_step(cube)
    steps = {}
    for method in cube["deconvolution"].to_numpy():
        _, delta_z = _series(cube, "delta_z_min", str(method))
        steps[str(method)] = round(float(np.nanmax(np.abs(delta_z))) / step)
    text = ", ".join(f"{_label(m)} {_steps(n)}" for m, n in steps.items())
    ok = steps.get(MATRIX, 0) == 0 and steps.get(SJ, 0) <= 1
    return Row(quantity, paper, text + f" (d = {_length(step)})", _agree(ok))


def _spikes(study: _Study) -> Row:
    quantity = "Matrix CoD spikes (Fig. 8)"
    paper = "sharp drop of R² at A/d → n + 0.5"
    parts, ok, found, unresolved = [], True, False, False
    for law in ("morse", "lennard_jones"):
        cube = study.cube(law, MATRIX)
        if cube is None:
            continue
        found = True
        _, cod = _series(cube, "cod", MATRIX)
        ratio = cube["a_over_d"].to_numpy()
        minima, _ = find_peaks(-np.nan_to_num(cod, nan=1.0), prominence=1e-5)
        minima = minima[ratio[minima] < 30.0]
        if minima.size == 0:
            parts.append(f"{law}: no spikes resolved at A/d < 30")
            unresolved = True
            continue
        step = ratio[minima] * (np.exp(_log_step(cube)) - 1.0)  # A/d spacing of the grid
        distance = np.abs(np.mod(ratio[minima], 1.0) - 0.5)  # to the nearest n + 0.5
        within = int(np.count_nonzero(distance <= step + 1e-9))
        ok &= within == minima.size
        if float(np.median(step)) > 0.25:
            parts.append(
                f"{_LAW_NAME.get(law, law)}: not resolved (the amplitude grid steps A/d by "
                f"{_range(step, 2)} there)"
            )
            unresolved = True
            continue
        parts.append(
            f"{_LAW_NAME.get(law, law)}: {within} of {minima.size} spike minima at A/d < 30 lie "
            "within one amplitude step of n + 0.5 "
            f"(A/d mod 1 = {_range(np.mod(ratio[minima], 1.0), 2)})"
        )
    if not found:
        return _na(quantity, paper)
    if unresolved:
        return Row(quantity, paper, "; ".join(parts), "not resolved on this amplitude grid")
    return Row(quantity, paper, "; ".join(parts), _agree(ok))


def _kappa_rows(study: _Study) -> list[Row]:
    quantity, paper = "Morse, all κ: SJ worst / best", "κA ≈ 0.59 / κA ≈ 1.5"
    rise_quantity, rise_paper = "Morse, all κ: SJ quality for large κA", "rises again for κA > 7"
    cube = study.cube("morse", SJ)
    if cube is None:
        return [_na(quantity, paper), _na(rise_quantity, rise_paper)]
    cube = select_point(
        study.cubes["morse"],
        {k: v for k, v in study.at("morse").items() if k != "kappa"},
        keep=("kappa",),
    )
    if "kappa" not in cube.dims or cube.sizes["kappa"] < 2:
        return [_na(quantity, paper), _na(rise_quantity, rise_paper)]
    amplitudes = cube["amplitude"].to_numpy()
    worst, best, rises, second = [], [], [], []
    for kappa in cube["kappa"].to_numpy():
        cod = cube["cod"].sel(deconvolution=SJ, kappa=kappa).to_numpy()
        scaled = kappa * amplitudes
        minima, maxima = _extrema(cod)
        if minima.size == 0:
            continue
        i = int(minima[np.argmin(cod[minima])])
        worst.append(float(scaled[i]))
        later = maxima[maxima > i]
        if later.size:
            j = int(later[0])
            best.append(float(scaled[j]))
            after = minima[minima > j]
            if after.size:
                second.append(float(scaled[after[0]]))
        tail = scaled > 7.0
        if np.count_nonzero(tail) >= 2:
            rises.append((float(kappa), bool(np.all(np.diff(cod[tail]) > -1e-7)), cod[tail][-1]))
    count = cube.sizes["kappa"]
    if not worst or not best:
        return [
            Row(quantity, paper, "no SJ extrema found", "differs"),
            _na(rise_quantity, rise_paper),
        ]
    ok = all(abs(x / 0.59 - 1) <= 0.1 for x in worst) and all(
        abs(x / 1.5 - 1) <= 0.1 for x in best
    )
    rows = [
        Row(
            quantity,
            paper,
            f"κA = {_range(worst)} / {_range(best)} ({count} κ from "
            f"{_kappa(cube['kappa'].min().item())} to {_kappa(cube['kappa'].max().item())})",
            _agree(ok, "agrees (within 10 %)"),
        )
    ]
    if not rises:
        rows.append(
            Row(
                rise_quantity,
                rise_paper,
                "n/a (no κ of this study reaches κA > 7)",
                "",
            )
        )
        return rows
    text = "; ".join(
        f"κ = {_kappa(k)}: {'rises' if up else 'does not rise'} (R² = {_cod(last, 5)} "
        "at the largest A)"
        for k, up, last in rises
    )
    note = _agree(all(up for _, up, _ in rises))
    if second:
        note += (
            "; the rise already starts after a second, shallow minimum at "
            f"κA ≈ {_range(second, 2)}"
        )
    rows.append(Row(rise_quantity, rise_paper, text, note))
    return rows


def _t_sj_row() -> Row:
    x = np.geomspace(1e-3, 1e3, 60001)
    error = np.sqrt(sqre(x))
    i = int(np.argmax(error))
    return Row(
        "T_SJ approximation",
        "largest relative error about 5 %",
        f"{_percent(error[i])} at x = {_sig(x[i], 2)} (√SqRE over 10⁻³ ≤ x ≤ 10³)",
        _agree(abs(error[i] - 0.05) <= 0.005, "agrees"),
    )


def _worst_force_minimum(study: _Study) -> Row:
    quantity = "Largest force-minimum error, relative (conclusion)"
    paper = "7 % for both methods in the worst case"
    parts, values = [], []
    for law, name in (("morse", "Morse"), ("lennard_jones", "LJ")):
        cube = study.cube(law)
        if cube is None:
            continue
        f_min = abs(float(cube["force_min_model"]))
        for method in cube["deconvolution"].to_numpy():
            _, delta_f = _series(cube, "delta_f_min", str(method))
            value = float(np.nanmax(np.abs(delta_f))) / f_min
            values.append(value)
            parts.append(f"{name} {_label(str(method))} {_percent(value)}")
    if not parts:
        return _na(quantity, paper)
    return Row(quantity, paper, ", ".join(parts), _agree(abs(max(values) - 0.07) <= 0.005))


def comparison_rows(
    cubes: Mapping[str, xr.Dataset], curves: Mapping[str, xr.Dataset], config: Mapping[str, Any]
) -> list[Row]:
    """Every row of the comparison table, computed from the cubes and curves.

    Parameters
    ----------
    cubes, curves : mapping of str to xarray.Dataset
        Metric cubes and curves at the marked amplitudes, by force-law name (SI units).
    config : mapping
        Study configuration (``figures.<law>.at`` selects the parameter point).

    Returns
    -------
    list of Row
    """
    study = _Study(cubes, curves, config)
    rows = [
        _model_minimum(
            study, "morse", "Morse F_min, z_min", f"{MINUS}790 pN at 398 pm", -790e-12, 398e-12
        ),
        _model_minimum(
            study,
            "lennard_jones",
            "LJ F_min, z_min",
            f"{MINUS}4.25 nN at 261 pm",
            -4.25e-9,
            261e-12,
        ),
        *_morse_sj_extrema(study),
        _lowest_cod(
            study, "morse", "Morse: lowest R² over all A", "R² > 0.990 (both methods)", 0.990
        ),
        _cod_at(
            study,
            "morse",
            MATRIX,
            "Morse matrix: CoD at 12.8 pm / 12.9 pm",
            "≈ 1 / 0.995",
            (12.8e-12, 12.9e-12),
            (1.0, 0.995),
            pair=True,
        ),
        _cod_at(
            study,
            "morse",
            SJ,
            "Morse SJ: CoD at 137 pm / 352 pm (Fig. 3c, d)",
            "0.990 / ≈ 1",
            (137e-12, 352e-12),
            (0.990, 1.0),
        ),
        _cod_at(
            study,
            "morse",
            MATRIX,
            "Morse matrix: CoD at 352 pm (Fig. 3d)",
            "≈ 1",
            (352e-12,),
            (1.0,),
        ),
        _matrix_large_amplitude(study),
        _residual_maxima(
            study,
            "morse",
            "Fig. 3: max |ΔF| of SJ at 137 pm / 352 pm",
            "109 pN / 13 pN",
            ((137e-12, 109e-12), (352e-12, 13e-12)),
        ),
        _residual_all_methods(study),
        _far_residual(study, "morse", "Fig. 3: |ΔF| for z > 1.5 nm", "< 1 pN", 1.5e-9, 1e-12),
        _morse_force_minimum(study),
        *_morse_matrix_force_minimum(study),
        _sign_row(study, "morse", "Morse ΔF_min sign", "positive for most A (both methods)"),
        _lj_sj_extrema(study),
        _cod_at(
            study,
            "lennard_jones",
            MATRIX,
            "LJ matrix: CoD at 11.7 pm / 12.0 pm",
            "0.9996 / 0.996",
            (11.7e-12, 12.0e-12),
            (0.9996, 0.996),
            pair=True,
        ),
        _cod_at(
            study,
            "lennard_jones",
            SJ,
            "LJ SJ: CoD at 23 pm / 58.3 pm (Fig. 6c, d)",
            "0.994 / ≈ 1",
            (23e-12, 58.3e-12),
            (0.994, 1.0),
        ),
        _lj_large_amplitude(study),
        _residual_maxima(
            study,
            "lennard_jones",
            "Fig. 6: max |ΔF| of SJ at 23 pm / 58.3 pm",
            "460 pN / 78 pN",
            ((23e-12, 460e-12), (58.3e-12, 78e-12)),
        ),
        _far_residual(
            study,
            "lennard_jones",
            "Fig. 6: |ΔF| for z > 0.55 nm",
            "significant deviations only below 0.55 nm",
            0.55e-9,
            None,
        ),
        _lj_force_minimum(study),
        _lj_second_minimum_sign(study),
        _sign_row(study, "lennard_jones", "LJ ΔF_min sign", "positive for most A (matrix)"),
        _lj_position(study),
        _spikes(study),
        *_kappa_rows(study),
        _t_sj_row(),
        _worst_force_minimum(study),
    ]
    return rows


def _header(cubes: Mapping[str, xr.Dataset], config: Mapping[str, Any]) -> list[str]:
    source = next(iter(cubes.values()), None)
    attrs = source.attrs if source is not None else {}
    commit = str(attrs.get("git_commit", "unknown"))
    dirty = " (dirty)" if attrs.get("git_dirty") == "true" else ""
    version = attrs.get("fmdecon_version")
    if version is None:
        from fmdecon import __version__ as version
    lines = [
        f"Study `{config.get('study', '?')}`: numbers computed from the metric cubes written by "
        f"fmdecon {version}, commit {commit[:10]}{dirty}.",
    ]
    at = config.get("figures", {}).get("morse", {}).get("at", {}) or {}
    if "kappa" in at:
        lines.append(f"Single-point rows use the Morse law at κ = {_kappa(at['kappa'])}.")
    differences = []
    for law, cube in cubes.items():
        for name, value in PAPER_SETUP.items():
            if name not in cube.coords or (name == "kappa" and law != "morse"):
                continue
            values = np.atleast_1d(cube[name].to_numpy()).astype(float)
            if not np.any(np.isclose(values, value, rtol=1e-6, atol=0.0)):
                shown = ", ".join(_sig(v, 4) for v in values)
                differences.append(f"{name} = {shown} (paper {_sig(value, 4)})")
        amplitudes = cube["amplitude"].to_numpy()
        if amplitudes.size != _PAPER_AMPLITUDES["count"]:
            differences.append(
                f"{amplitudes.size} amplitudes (paper {_PAPER_AMPLITUDES['count']})"
            )
    if differences:
        unique = list(dict.fromkeys(differences))
        lines.append(
            "This study differs from the paper's set-up ("
            + "; ".join(unique)
            + "): values that depend on the grids are not expected to match."
        )
    return lines


def paper_comparison(
    cubes: Mapping[str, xr.Dataset], curves: Mapping[str, xr.Dataset], config: Mapping[str, Any]
) -> str:
    """The comparison with the paper's numbers as a Markdown table.

    Parameters
    ----------
    cubes : mapping of str to xarray.Dataset
        Metric cubes by force-law name (:func:`fmdecon.study.merge`), SI units.
    curves : mapping of str to xarray.Dataset
        Curves at the marked amplitudes by law (:func:`fmdecon.study.selected_curves`).
    config : mapping
        The study configuration.

    Returns
    -------
    str
        A header naming the study and the fmdecon version and commit, then a table with the
        columns quantity | paper | this pipeline | agreement/note. Forces are shown in pN or
        nN, lengths and amplitudes in pm.
    """
    lines = [*_header(cubes, config), ""]
    lines.append("| quantity | paper | this pipeline | agreement/note |")
    lines.append("|---|---|---|---|")
    for row in comparison_rows(cubes, curves, config):
        cells = [c.replace("|", "\\|") for c in (row.quantity, row.paper, row.pipeline, row.note)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
