"""A plain-text summary of a study (for report captions): what was swept, on which grid, with
which methods, and what each law's figures show. Lengths in pm/nm, as on the figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from fmdecon.forces import law_label
from fmdecon.methods import METHODS
from fmdecon.study.config import amplitudes, as_list

__all__ = ["study_summary"]

_PARAMETER = {  # name, scale to the shown unit, unit
    "kappa": ("κ", 1e-9, "nm⁻¹"),
    "sigma": ("\u03c3", 1e9, "nm"),
    "bond_energy": ("E", 1e18, "aJ"),
    "k": ("k", 1.0, "N/m"),
    "f0": ("f₀", 1e-3, "kHz"),
    "z_min": ("z_min", 1e9, "nm"),
    "z_max": ("z_max", 1e9, "nm"),
    "points": ("N", 1.0, ""),
}


def _values(name: str, value: Any) -> str:
    symbol, scale, unit = _PARAMETER.get(name, (name, 1.0, ""))
    shown = ", ".join(f"{float(v) * scale:g}" for v in as_list(value))
    if isinstance(value, list) and len(value) > 1:
        shown = f"{{{shown}}}"
    return f"{symbol} = {shown}{' ' + unit if unit else ''}"


def _join(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``; ``""`` for none (a study without a published
    method)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def study_summary(config: Mapping[str, Any]) -> dict[str, Any]:
    """Phrases describing a validated study, for captions (Jinja2 templates of the report).

    Returns
    -------
    dict
        ``study``, ``description``, ``amplitudes``, ``grid``, ``sensor``, ``methods``,
        ``paper_methods`` and per law in ``laws``: ``label``, ``parameters``, ``at`` (the
        point the single-point figures show) and ``marked`` (the marked amplitudes).
    """
    amps = amplitudes(config["amplitudes"])
    log_steps = np.diff(np.log(amps))
    spacing = "log-spaced " if amps.size > 2 and np.allclose(log_steps, log_steps[0]) else ""
    grid = config["grid"]
    laws = {}
    for law, parameters in config["laws"].items():
        view = config.get("figures", {}).get(law, {}) or {}
        marked = [f"{a * 1e12:g}" for a in view.get("marked_amplitudes", [])]
        at = view.get("at", {}) or {}
        laws[law] = {
            "label": law_label(law),
            "parameters": ", ".join(_values(n, v) for n, v in parameters.items()),
            "at": ", ".join(_values(n, v) for n, v in at.items()),
            "marked": f"{_join(marked)} pm" if marked else "none",
        }
    return {
        "study": config["study"],
        "description": " ".join(str(config.get("description", "")).split()),
        "amplitudes": (
            f"{amps.size} {spacing}amplitudes from {amps[0] * 1e12:.3g} pm to "
            f"{amps[-1] * 1e12:.4g} pm"
        ),
        "grid": ", ".join(_values(key, grid[key]) for key in ("points", "z_min", "z_max")),
        "sensor": ", ".join(_values(key, config["sensor"][key]) for key in ("k", "f0")),
        "methods": _join([METHODS[m].label for m in config["methods"]]),
        "paper_methods": _join(
            [METHODS[m].label for m in config["methods"] if METHODS[m].published]
        )
        or "none",
        "laws": laws,
    }
