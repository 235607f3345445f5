"""The ``fmdecon deconvolve`` tool as a library: from a measured file to a force.

Pipeline (:mod:`fmdecon.measurement.pipeline`; numpy and scipy only, loaded by
``import fmdecon``)
    measure                    -- read a file, fill and check the values, deconvolve by each method
    Measurement, MethodResult, SensorValue -- its result, per method, and each value's source
    MeasurementError, ArgumentError, MissingValueError -- one-line errors naming the file or
                                  the argument of :func:`measure`
    SWEEP_CHOICES              -- the sweep selections

Grids (:mod:`fmdecon.measurement.grid`, numpy only; :mod:`~fmdecon.measurement.grid_outputs`,
netCDF4; :mod:`~fmdecon.measurement.grid_plot`, matplotlib)
    measure_grid, GridMeasurement -- a grid file (``.3ds``) pixel by pixel, streamed in blocks
    measure_grid_to_netcdf, grid_to_netcdf -- its CF volume (deconvolution, y, x, z), atomically
    render_grid_plot, plot_grid -- maps, x-z slices with the well-posedness mask, verdicts

Outputs (:mod:`fmdecon.measurement.outputs`; xarray and ``fmdecon[study]`` for netCDF)
    to_dataset, write_netcdf   -- the measurement as a CF dataset, written atomically
    csv_text, write_csv        -- the same columns as CSV
    summary_rows               -- one row per method for the summary table

Plot (:mod:`fmdecon.measurement.plot`; matplotlib, ``fmdecon[plot]``)
    render_plot, plot_measurement -- Δf, force ± std with inflection points, forbidden
                                  amplitudes

The outputs and the plot are loaded on first use, so that this package stays as light as
the pipeline.
"""

from __future__ import annotations

import importlib
from typing import Any

from fmdecon.measurement.pipeline import (
    SWEEP_CHOICES,
    ArgumentError,
    Measurement,
    MeasurementError,
    MethodResult,
    MissingValueError,
    SensorValue,
    measure,
)

__all__ = [
    "SWEEP_CHOICES",
    "ArgumentError",
    "GridMeasurement",
    "Measurement",
    "MeasurementError",
    "MethodResult",
    "MissingValueError",
    "SensorValue",
    "csv_text",
    "grid_to_netcdf",
    "measure",
    "measure_grid",
    "measure_grid_to_netcdf",
    "plot_grid",
    "plot_measurement",
    "render_grid_plot",
    "render_plot",
    "summary_rows",
    "to_dataset",
    "write_csv",
    "write_netcdf",
]

#: Names loaded on first use -> the module that defines them.
_LAZY = {
    "csv_text": "outputs",
    "summary_rows": "outputs",
    "to_dataset": "outputs",
    "write_csv": "outputs",
    "write_netcdf": "outputs",
    "plot_measurement": "plot",
    "GridMeasurement": "grid",
    "measure_grid": "grid",
    "measure_grid_to_netcdf": "grid_outputs",
    "grid_to_netcdf": "grid_outputs",
    "plot_grid": "grid_plot",
    "render_grid_plot": "grid_plot",
    "render_plot": "plot",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"fmdecon.measurement.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'fmdecon.measurement' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
