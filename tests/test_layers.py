"""The layers of the package: the core imports numpy and scipy only; the study, the paper's
figures and the tools need their extras and say so when one is missing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("xarray", "pandas", "matplotlib", "yaml", "jsonschema", "netCDF4", "snakemake", "tqdm")

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
        assert method.family in fmdecon.methods.FAMILIES
        assert callable(method.energy)
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


SRC = Path(__file__).resolve().parents[1] / "src" / "fmdecon"


def _imports(path) -> set[str]:
    """Every module a file imports (module level and inside functions), relative ones
    resolved against its package."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def _module(path) -> str:
    name = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
    return name.removesuffix(".__init__")


def test_io_and_measurement_import_nothing_above_them():
    """fmdecon.io uses only itself; the measurement pipeline only the core; nothing in either
    imports the top-level package, the command line or (but outputs/plot) the study."""
    for path in sorted((SRC / "io").glob("*.py")):
        outside = {
            m for m in _imports(path) if m.startswith("fmdecon") and not m.startswith("fmdecon.io")
        }
        assert not outside, (path.name, outside)
    for path in sorted((SRC / "measurement").glob("*.py")):
        imported = _imports(path)
        assert "fmdecon" not in imported, path.name  # from fmdecon import ... runs up
        assert not {m for m in imported if m.startswith(("fmdecon.cli", "fmdecon.diff"))}
        if path.name in ("__init__.py", "pipeline.py"):
            above = {
                m
                for m in imported
                if m.split(".")[0] in HEAVY
                or m.startswith(("fmdecon.study", "fmdecon.measurement.outputs"))
                or m.startswith("fmdecon.measurement.plot")
            }
            assert not above, (path.name, above)


def test_no_circle_of_imports_in_io_and_measurement():
    modules = {
        _module(p): p for folder in ("io", "measurement") for p in (SRC / folder).glob("*.py")
    }
    graph = {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }

    def visit(name, trail):
        assert name not in trail, " -> ".join([*trail, name])
        for child in graph[name]:
            visit(child, [*trail, name])

    assert graph["fmdecon.measurement.outputs"] >= {"fmdecon.measurement.pipeline"}
    for name in graph:
        visit(name, [])


def test_measurement_package_loads_no_heavy_module():
    loaded = _modules_after(
        "import fmdecon.measurement, fmdecon.measurement.outputs, fmdecon.measurement.plot"
    )
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert not heavy, heavy


def test_public_index_lists_every_public_name():
    """help(fmdecon) is the topic index: every name of __all__ appears in it."""
    import re

    import fmdecon

    missing = [
        name
        for name in fmdecon.__all__
        if not re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", fmdecon.__doc__)
    ]
    assert not missing
