"""The study layer: a sweep of force laws, sensors, grids and amplitudes, deconvolved with every
method, stored as metric cubes (xarray/netCDF), driven by the Snakemake workflow.

Needs the ``study`` extra (``pip install fmdecon[study]``: xarray, netCDF4, PyYAML,
jsonschema). Modules:

- :mod:`~fmdecon.study.config`: schema, defaults and plausibility checks of a study file
- :mod:`~fmdecon.study.sweep`: parameter points, amplitude blocks, chunks
- :mod:`~fmdecon.study.compute`: model curves, deconvolution, metrics, cube assembly
- :mod:`~fmdecon.study.cube`: CF attributes, atomic writing, reading, point selection
- :mod:`~fmdecon.study.provenance`: what every output records of how it was made
- :mod:`~fmdecon.study.pipeline`: glue for the Snakemake rule scripts
"""

from __future__ import annotations

import importlib
from typing import Any

from fmdecon._optional import require

require("study", "xarray", "yaml", "jsonschema", "netCDF4")

#: Public names and the module that defines each; imported on first use, so that the light
#: modules (config, sweep, summary) can be used without loading xarray.
_EXPORTS = {
    "deconvolve_chunk": "compute",
    "deconvolved_forces": "compute",
    "merge": "compute",
    "model_curves": "compute",
    "selected_curves": "compute",
    "simulate": "compute",
    "ConfigError": "config",
    "load_config": "config",
    "validate_config": "config",
    "ATTRIBUTES": "cube",
    "grid_step": "cube",
    "open_dataset": "cube",
    "select_point": "cube",
    "write_atomic": "cube",
    "write_dataset": "cube",
    "LawSweep": "sweep",
    "Study": "sweep",
    "nearest_amplitude": "sweep",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"fmdecon.study.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'fmdecon.study' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
