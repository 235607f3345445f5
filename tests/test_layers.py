"""The layers of the package: the core imports numpy and scipy only; the study, the paper's
figures and the tools need their extras and say so when one is missing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("xarray", "pandas", "matplotlib", "yaml", "jsonschema", "netCDF4", "snakemake")

#: The wave-one public API, which must keep working unchanged.
WAVE_ONE = (
    "Morse",
    "LennardJones",
    "frequency_shift",
    "sader_jarvis",
    "matrix_method",
    "cod",
    "residuals",
    "force_minimum_deviation",
    "t_exact",
    "t_sader_jarvis",
    "sqre",
    "FORCE_LAWS",
    "METHODS",
    "deconvolve",
)


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout))


def test_import_fmdecon_loads_no_heavy_module():
    loaded = _modules_after("import fmdecon")
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, f"import fmdecon loaded {heavy}"


def test_every_core_function_is_usable_without_heavy_modules():
    statement = (
        "import numpy as np, fmdecon\n"
        "z = np.linspace(0.23e-9, 5e-9, 400)\n"
        "law = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)\n"
        "df = law.frequency_shift(z, 100e-12, 1800.0, 32768.0)\n"
        "for name in fmdecon.METHODS:\n"
        "    fmdecon.deconvolve(name, z, df, 100e-12, 1800.0, 32768.0)\n"
        "fmdecon.force_noise('sader_jarvis', z, 100e-12, 1800.0, 32768.0, 0.1)\n"
        "fmdecon.sader_jarvis_energy(z, df, 100e-12, 1800.0, 32768.0)\n"
    )
    loaded = _modules_after(statement)
    heavy = sorted({m.split(".")[0] for m in loaded} & set(HEAVY))
    assert not heavy, f"the core loaded {heavy}"


def test_wave_one_api_is_still_there():
    import fmdecon

    missing = [name for name in WAVE_ONE if not hasattr(fmdecon, name)]
    assert not missing
    for name in WAVE_ONE:
        assert name in fmdecon.__all__


def test_registry_entries_carry_their_metadata():
    import fmdecon

    for name, method in fmdecon.METHODS.items():
        assert method.name == name
        assert method.label
        assert method.short_label
        assert isinstance(method.uniform_grid, bool)
    assert [m for m, e in fmdecon.METHODS.items() if e.published] == ["sader_jarvis", "matrix"]
    assert fmdecon.METHODS["matrix"].uniform_grid
    assert not fmdecon.METHODS["sader_jarvis"].uniform_grid


def test_unknown_method_names_the_known_ones():
    import numpy as np

    import fmdecon

    z = np.linspace(0.23e-9, 5e-9, 10)
    with pytest.raises(ValueError, match="unknown deconvolution method 'magic'; known: sader"):
        fmdecon.deconvolve("magic", z, z, 1e-10, 1800.0, 32768.0)


def test_missing_extra_is_named(monkeypatch):
    """Without xarray, the study layer says which extra to install."""
    from fmdecon import _optional

    monkeypatch.setattr(_optional.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match=r"pip install 'fmdecon\[study\]'"):
        _optional.require("study", "xarray")
