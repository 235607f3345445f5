"""Units: the one home of the unit tables, quantity parsing and SI formatting.

Unit tables map a unit suffix onto its SI factor (``value_SI = value * factor``). They are
used by the readers (column names ``z (nm)``, comments ``# f0 (kHz): ...``), by
:func:`fmdecon.write_table` and by :func:`parse_quantity`, which reads the quantities that
:func:`fmdecon.measure` and the command line accept (``"60pm"``, ``"1.8kN/m"``,
``"32.768kHz"``). :func:`format_quantity` writes an SI value back with an engineering prefix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

__all__ = [
    "FREQUENCY_UNITS",
    "LENGTH_UNITS",
    "SI_UNITS",
    "STIFFNESS_UNITS",
    "TABLE_STIFFNESS_UNITS",
    "UNITS",
    "format_quantity",
    "parse_quantity",
    "split_quantity",
]

#: SI factors of the length units understood in column names and arguments [m].
LENGTH_UNITS: dict[str, float] = {
    "m": 1.0,
    "mm": 1e-3,
    "um": 1e-6,
    "µm": 1e-6,
    "μm": 1e-6,
    "nm": 1e-9,
    "pm": 1e-12,
    "fm": 1e-15,
    "Å": 1e-10,
    "\u212b": 1e-10,  # ANGSTROM SIGN
    "angstrom": 1e-10,
}
#: SI factors of the frequency units [Hz].
FREQUENCY_UNITS: dict[str, float] = {"Hz": 1.0, "mHz": 1e-3, "kHz": 1e3, "MHz": 1e6}
#: SI factors of the stiffness (spring constant) units of arguments [N/m].
STIFFNESS_UNITS: dict[str, float] = {
    "N/m": 1.0,
    "mN/m": 1e-3,
    "kN/m": 1e3,
    "MN/m": 1e6,
    "nN/nm": 1.0,
    "pN/pm": 1.0,
    "nN/pm": 1e3,
}
#: Stiffness units of a table's ``# k (unit): value`` comment (as :func:`fmdecon.write_table`
#: writes it).
TABLE_STIFFNESS_UNITS: dict[str, float] = {"N/m": 1.0}

#: Quantity kind -> its unit table.
UNITS: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {"length": LENGTH_UNITS, "stiffness": STIFFNESS_UNITS, "frequency": FREQUENCY_UNITS}
)
#: Quantity kind -> its SI unit.
SI_UNITS: Mapping[str, str] = MappingProxyType(
    {"length": "m", "stiffness": "N/m", "frequency": "Hz"}
)

_NUMBER = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$"
)
_EXAMPLES = {"length": "60pm", "stiffness": "1.8kN/m", "frequency": "32.768kHz"}
_PREFIXES = {-18: "a", -15: "f", -12: "p", -9: "n", -6: "µ", -3: "m", 0: "", 3: "k", 6: "M"}


def parse_quantity(text: str | float, kind: str) -> float:
    """A number with an optional unit suffix -> SI value.

    Parameters
    ----------
    text : str or float
        E.g. ``"60pm"``, ``"0.06 nm"``, ``"6e-11"`` (SI), ``"1.8kN/m"``, ``"32.768kHz"``,
        ``"10mHz"``.
    kind : {"length", "stiffness", "frequency"}
        Which units are allowed.

    Returns
    -------
    float
        The value in m, N/m or Hz.

    Raises
    ------
    ValueError
        Naming the text and the known units.
    """
    if isinstance(text, int | float):
        return float(text)
    units = UNITS[kind]
    number, unit = split_quantity(text, kind)
    if unit and unit not in units:
        raise ValueError(f"unknown {kind} unit {unit!r} in {text!r}; known: {', '.join(units)}")
    value = float(number) * (units[unit] if unit else 1.0)
    if not math.isfinite(value) or value <= 0:
        cause = "a sign typo?" if value < 0 else "a value left out?" if value == 0 else ""
        raise ValueError(
            f"{kind} must be a finite number > 0; got {text!r}" + (f" ({cause})" if cause else "")
        )
    return value


def split_quantity(text: str, kind: str = "length") -> tuple[str, str]:
    """``"100 nm"`` -> ``("100", "nm")``; ``"100"`` -> ``("100", "")``.

    Raises
    ------
    ValueError
        If ``text`` does not start with a number (naming the ``kind`` and an example).
    """
    match = _NUMBER.match(text)
    if match is None:
        raise ValueError(
            f"not a {kind}: {text!r} (a number with an optional unit, e.g. {_EXAMPLES[kind]})"
        )
    return match["number"], match["unit"]


def format_quantity(value: float, unit: str, digits: int = 4) -> str:
    """An SI value with an engineering prefix: ``1e-11, "m"`` -> ``"10 pm"``.

    Parameters
    ----------
    value : float
        SI value.
    unit : str
        Its SI unit (``"m"``, ``"N"``, ``"Hz"``, ...).
    digits : int
        Significant digits.

    Returns
    -------
    str
        Prefixes from atto (1e-18) to mega (1e6); zero and non-finite values unprefixed.
    """
    if value == 0 or not math.isfinite(value):
        return f"{value:g} {unit}"
    exponent = int(np.clip(3 * math.floor(math.log10(abs(value)) / 3), -18, 6))
    return f"{value / 10.0**exponent:.{digits}g} {_PREFIXES[exponent]}{unit}"
