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

from fmdecon._optional import require

require("study", "xarray", "yaml", "jsonschema", "netCDF4")

from fmdecon.study.compute import (  # noqa: E402
    deconvolve_chunk,
    deconvolved_forces,
    merge,
    model_curves,
    selected_curves,
    simulate,
)
from fmdecon.study.config import ConfigError, load_config, validate_config  # noqa: E402
from fmdecon.study.cube import (  # noqa: E402
    ATTRIBUTES,
    grid_step,
    nearest_amplitude,
    open_dataset,
    select_point,
    write_atomic,
    write_dataset,
)
from fmdecon.study.sweep import LawSweep, Study  # noqa: E402

__all__ = [
    "ATTRIBUTES",
    "ConfigError",
    "LawSweep",
    "Study",
    "deconvolve_chunk",
    "deconvolved_forces",
    "grid_step",
    "load_config",
    "merge",
    "model_curves",
    "nearest_amplitude",
    "open_dataset",
    "select_point",
    "selected_curves",
    "simulate",
    "validate_config",
    "write_atomic",
    "write_dataset",
]
