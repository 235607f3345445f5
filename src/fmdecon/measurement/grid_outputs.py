"""The netCDF volume of a grid measurement, written block by block (netCDF4, CF attributes,
the study's provenance; ``fmdecon[study]``).

:class:`NetCDFGridSink` is the sink of :func:`fmdecon.measurement.grid.measure_grid`: it creates
the file with every variable when the run starts, writes each block's volumes into chunks of
whole rows as the block is done (nothing of the volume is held in memory), and the 2-D maps,
slices and attributes at the end. :func:`measure_grid_to_netcdf` runs the pipeline into such a
file, atomically (nothing appears under the output's name unless the whole run succeeds);
:func:`grid_to_netcdf` writes a measurement whose volumes were kept in memory.

Layout (docs/grids.md): dims ``(deconvolution, y, x, z)`` for ``force``, ``force_std``,
``energy`` (and ``force_bias`` over ``(fitted_deconvolution, y, x, z)`` when a method with a
``fit`` ran); ``(y, x, z)`` for ``frequency_shift`` and ``z_pixel``; the maps over
``(deconvolution, y, x)`` (plus ``inflection``, ``forbidden_range``); ``force_at_height`` over
``(deconvolution, height, y, x)``; per-pixel ``pixel_status``, ``z_closest``, ``df_noise`` and
the file's parameters over ``(y, x)``. Coordinates in m. The method dimension is named
``deconvolution`` as in the study's cubes (``method`` is a keyword of xarray's ``sel``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from fmdecon.measurement.grid import (
    GRID_VERDICT_CODES,
    GRID_VERDICT_REASONS,
    INFLECTION_SLOTS,
    PIXEL_STATUS,
    RANGE_SLOTS,
    GridBlockResult,
    GridLayout,
    GridMeasurement,
    measure_grid,
)

__all__ = ["NetCDFGridSink", "grid_to_netcdf", "measure_grid_to_netcdf"]

#: Largest chunk of a volume [bytes] (chunks are whole rows of pixels).
CHUNK_BYTES = 4 << 20


def _flags(codes: dict[int, str]) -> dict[str, Any]:
    return {
        "flag_values": np.array(list(codes), dtype=np.int8),
        "flag_meanings": " ".join(
            re.sub(r"[^a-z0-9]+", "_", v.replace("Δ", "d").lower()).strip("_")
            for v in codes.values()
        ),
        "comment": "; ".join(f"{k} = {v}" for k, v in codes.items()),
    }


def _parameter_name(name: str) -> str:
    """``'Z offset (m)'`` -> ``'parameter_Z_offset'``."""
    bare = re.sub(r"\s*\([^)]*\)\s*$", "", name)
    return "parameter_" + re.sub(r"[^A-Za-z0-9]+", "_", bare).strip("_")


def _unit(name: str) -> str | None:
    match = re.search(r"\(([^)]*)\)\s*$", name)
    return match[1] if match else None


class NetCDFGridSink:
    """Writes a grid measurement to a netCDF4 file as it is made (a :class:`GridSink
    <fmdecon.measurement.grid.GridSink>`).

    Parameters
    ----------
    path : str or path-like
        The file (created; use :func:`measure_grid_to_netcdf` for an atomic write).
    """

    def __init__(self, path: str | PathLike) -> None:
        self.path = Path(path)
        self._dataset: Any = None
        self._layout: GridLayout | None = None

    def open(self, layout: GridLayout) -> None:
        """Create the file, its dimensions, coordinates and (empty, chunked) volumes."""
        import netCDF4

        self._layout = layout
        ny, nx = layout.shape
        n = layout.points
        ds = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        self._dataset = ds
        ds.createDimension("deconvolution", len(layout.methods))
        ds.createDimension("y", ny)
        ds.createDimension("x", nx)
        ds.createDimension("z", n)
        ds.createDimension("inflection", INFLECTION_SLOTS)
        ds.createDimension("forbidden_range", RANGE_SLOTS)
        ds.createDimension("height", layout.heights.size)
        if layout.fitted:
            ds.createDimension("fitted_deconvolution", len(layout.fitted))
        rows = max(1, min(layout.rows_per_block, CHUNK_BYTES // max(8 * nx * n, 1)))
        while layout.rows_per_block % rows:
            rows -= 1  # chunks that tile a block: every write is whole chunks
        self._chunk_rows = rows

        method = ds.createVariable("deconvolution", str, ("deconvolution",))
        method[:] = np.array(layout.methods, dtype=object)
        method.long_name = "deconvolution method"
        for name, values, long_name in (
            ("x", layout.x, "pixel position along the grid frame's x axis (nominal)"),
            ("y", layout.y, "pixel position along the grid frame's y axis (nominal)"),
        ):
            var = ds.createVariable(name, "f8", (name,))
            var[:] = values
            var.units = "m"
            var.long_name = long_name
            var.axis = name.upper()
        for name, dims, long_name in (
            ("inflection", ("inflection",), "inflection point index"),
            ("forbidden_range", ("forbidden_range",), "forbidden amplitude range index"),
        ):
            var = ds.createVariable(name, "i4", dims)
            var[:] = np.arange(ds.dimensions[name].size)
            var.units = "1"
            var.long_name = long_name
        var = ds.createVariable("height", "f8", ("height",))
        var[:] = layout.heights
        var.units = "m"
        var.long_name = "distance of the constant-height force slices (the pixels' z axis)"
        var = ds.createVariable("z", "f8", ("z",), fill_value=np.nan)
        var.units = "m"
        var.long_name = "distance above each pixel's closest point (the common z step)"
        var.axis = "Z"
        var.comment = "each pixel's own axis: z_pixel (= z_closest + z for the common step)"
        if layout.fitted:
            var = ds.createVariable("fitted_deconvolution", str, ("fitted_deconvolution",))
            var[:] = np.array(layout.fitted, dtype=object)
            var.long_name = "methods whose strength is chosen from the data (force_bias)"

        volume = ("deconvolution", "y", "x", "z")

        def create(name: str, dims: tuple[str, ...], units: str, long_name: str, **attrs: Any):
            sizes = {"deconvolution": 1, "fitted_deconvolution": 1, "y": rows, "x": nx, "z": n}
            v = ds.createVariable(
                name,
                "f8",
                dims,
                fill_value=np.nan,
                chunksizes=tuple(sizes[d] for d in dims),
            )
            v.units = units
            v.long_name = long_name
            for key, value in attrs.items():
                setattr(v, key, value)
            return v

        create("force", volume, "N", "deconvolved tip-sample force", coordinates="z_pixel")
        create(
            "force_std",
            volume,
            "N",
            "standard deviation of the force for white frequency-shift noise df_noise "
            "(exact for the linear methods)",
            coordinates="z_pixel",
        )
        create(
            "energy",
            volume,
            "J",
            "interaction energy (sader_jarvis: Sader-Jarvis energy formula; other methods: "
            "integral of the recovered force from the far end)",
            coordinates="z_pixel",
        )
        if layout.fitted:
            create(
                "force_bias",
                ("fitted_deconvolution", "y", "x", "z"),
                "N",
                "estimated magnitude of the smoothing bias of a method whose strength is "
                "chosen from the data; combined uncertainty hypot(force_std, force_bias)",
                coordinates="z_pixel",
            )
        create(
            "frequency_shift",
            ("y", "x", "z"),
            "Hz",
            "frequency shift deconvolved (each pixel's curve, minus df_offset)",
            coordinates="z_pixel",
        )
        create(
            "z_pixel",
            ("y", "x", "z"),
            "m",
            "tip-sample distance of each sample: the pixel's own z axis (lower turnaround "
            "point, up to a constant)",
        )

    def abort(self) -> None:
        """Close the file of a failed run (if open); the caller removes it."""
        if self._dataset is not None:
            self._dataset.close()
            self._dataset = None

    def write(self, block: GridBlockResult) -> None:
        """Write one block's volumes (whole rows, whole chunks)."""
        ds, layout = self._dataset, self._layout
        if ds is None or layout is None:
            raise RuntimeError("NetCDFGridSink.write before open")
        nx = layout.shape[1]
        rows = block.rows
        height = rows.stop - rows.start
        shape = (height, nx, layout.points)
        for key in ("force", "force_std", "energy"):
            var = ds.variables[key]
            for m, name in enumerate(layout.methods):
                var[m, rows] = getattr(block, key)[name].reshape(shape)
        if layout.fitted:
            var = ds.variables["force_bias"]
            for m, name in enumerate(layout.fitted):
                var[m, rows] = block.force_bias[name].reshape(shape)
        ds.variables["frequency_shift"][rows] = block.df.reshape(shape)
        ds.variables["z_pixel"][rows] = block.z_pixel.reshape(shape)

    def close(self, measurement: GridMeasurement) -> None:
        """Write the maps, slices, per-pixel values and attributes; close the file."""
        from fmdecon.study.provenance import provenance_attrs

        ds, layout = self._dataset, self._layout
        if ds is None or layout is None:
            raise RuntimeError("NetCDFGridSink.close before open")
        m = measurement
        ds.variables["z"][:] = m.z

        def put(
            name: str,
            dims: tuple[str, ...],
            values: Any,
            units: str | None,
            long: str,
            dtype: str = "f8",
            **attrs: Any,
        ) -> None:
            fill = np.nan if dtype == "f8" else None
            var = ds.createVariable(name, dtype, dims, fill_value=fill)
            var[:] = values
            if units is not None:
                var.units = units
            var.long_name = long
            for key, value in attrs.items():
                setattr(var, key, value)

        names = layout.methods
        ran = [n for n in names if n in m.maps]

        def per_method(field: str, fill: float = np.nan, dtype: Any = np.float64) -> np.ndarray:
            sample = getattr(next(iter(m.maps.values())), field)
            out = np.full((len(names), *sample.shape), fill, dtype=dtype)
            for i, name in enumerate(names):
                if name in m.maps:
                    out[i] = getattr(m.maps[name], field)
            return out

        mxy = ("deconvolution", "y", "x")
        put("force_min", mxy, per_method("force_min"), "N", "minimum of the deconvolved force")
        put(
            "z_force_min",
            mxy,
            per_method("z_force_min"),
            "m",
            "position of the force minimum on the pixel's z axis",
        )
        put(
            "wellposedness_verdict",
            mxy,
            per_method("verdict", -1, np.int8),
            None,
            "verdict of the inflection-point test (Sader et al. 2018) at the amplitude used, "
            "as the one-curve summary gives it",
            dtype="i1",
            **_flags(GRID_VERDICT_CODES),
        )
        put(
            "wellposedness_reason",
            mxy,
            per_method("verdict_reason", -1, np.int8),
            None,
            "reason of the verdict (the one-curve verdict's brief reason)",
            dtype="i1",
            **_flags(GRID_VERDICT_REASONS),
        )
        put(
            "inflection_count",
            mxy,
            per_method("inflection_count", 0, np.int32),
            "1",
            "number of inflection points of the force",
            dtype="i4",
        )
        for field, units, long in (
            ("inflection_z", "m", "inflection point z_i of the force, on the pixel's z axis"),
            (
                "inflection_S",
                "1",
                "S = (z_i^2 / 4) F'''(z_i) / F'(z_i), z_i from the closest point",
            ),
            ("inflection_S_low", "1", "lower end of the 95 % interval of S"),
            ("inflection_S_high", "1", "upper end of the 95 % interval of S"),
        ):
            put(field, (*mxy, "inflection"), per_method(field), units, long)
        put(
            "forbidden_amplitude_low",
            (*mxy, "forbidden_range"),
            per_method("forbidden_low"),
            "m",
            "lower end of a forbidden amplitude range",
        )
        put(
            "forbidden_amplitude_high",
            (*mxy, "forbidden_range"),
            per_method("forbidden_high"),
            "m",
            "upper end of a forbidden amplitude range",
        )
        put(
            "amplitude_forbidden",
            mxy,
            per_method("amplitude_forbidden", 0, np.int8),
            "1",
            "1 if the amplitude used lies in a forbidden range",
            dtype="i1",
            flag_values=np.array([0, 1], dtype=np.int8),
            flag_meanings="allowed forbidden",
        )
        at_height = np.full((len(names), layout.heights.size, *layout.shape), np.nan)
        for i, name in enumerate(names):
            if name in m.force_at_height:
                at_height[i] = m.force_at_height[name]
        put(
            "force_at_height",
            ("deconvolution", "height", "y", "x"),
            at_height,
            "N",
            "force at constant distance (linear interpolation on each pixel's axis)",
        )
        put(
            "pixel_status",
            ("y", "x"),
            m.status,
            None,
            "which pixels were measured and deconvolved",
            dtype="i1",
            **_flags(PIXEL_STATUS),
        )
        put("z_closest", ("y", "x"), m.z_closest, "m", "closest point of each pixel's z axis")
        put(
            "df_noise",
            ("y", "x"),
            m.df_noise_map if not np.isnan(m.df_noise_map).all() else np.nan,
            "Hz",
            "rms white noise of each pixel's frequency shift",
            source=m.noise_source,
        )
        for name, values in m.parameters.items():
            units = _unit(name)
            put(
                _parameter_name(name),
                ("y", "x"),
                values,
                units if units not in (None, "") else None,
                f"the file's per-pixel parameter '{name}'",
            )
        for name, value, units, long in (
            ("amplitude", m.amplitude, "m", "oscillation amplitude (zero to peak)"),
            ("k", m.k, "N/m", "cantilever spring constant"),
            ("f0", m.f0, "Hz", "free resonance frequency"),
            ("df_noise_median", m.df_noise, "Hz", "median rms noise of the pixels' curves"),
            ("df_offset", m.df_offset, "Hz", "constant subtracted from the frequency shift"),
        ):
            var = ds.createVariable(name, "f8", ())
            var[...] = value.value
            var.units = units
            var.long_name = long
            var.source = value.source
        config = {
            "command": "fmdecon deconvolve",
            "input": m.path,
            "curve": m.curve,
            "methods": list(ran),
            "amplitude": m.amplitude.value,
            "k": m.k.value,
            "f0": m.f0.value,
            "df_noise": m.df_noise.value,
            "df_offset": m.df_offset.value,
        }
        attrs = dict(provenance_attrs(config, "fmdecon deconvolve"))
        attrs.update(
            {
                "title": f"force deconvolution of the grid {Path(m.path).name}",
                "input_file": m.path,
                "orientation": m.orientation,
                "curve": m.curve,
                "noise_source": m.noise_source,
                "pixels": m.n_pixels,
                "pixels_measured": m.measured,
                "pixels_deconvolved": m.deconvolved,
                "pixels_cut": m.cut,
                "z_grids": m.z_grids,
                "slice_row": m.slice_row,
                "warnings": "\n".join(m.warnings) or "none",
                "failed_methods": "\n".join(f"{n}: {e}" for n, e in m.failed.items()) or "none",
            }
        )
        ds.setncatts(attrs)
        ds.close()
        self._dataset = None


def measure_grid_to_netcdf(
    path: str | PathLike,
    output: str | PathLike,
    *,
    then: Callable[[GridMeasurement], Any] | None = None,
    **options: Any,
) -> GridMeasurement:
    """Run :func:`~fmdecon.measurement.grid.measure_grid` on ``path`` into the netCDF file
    ``output``, streaming (the volumes are not kept in memory), atomically.

    Parameters
    ----------
    path, output : str or path-like
        The grid file and the netCDF file written.
    then : callable, optional
        ``then(measurement)`` runs after the file is complete and before it takes its name
        (e.g. rendering the plot): if it raises, nothing is written.
    **options
        Arguments of :func:`~fmdecon.measurement.grid.measure_grid` (not ``keep_volumes``
        and ``sink``).
    """
    from fmdecon.study.cube import write_atomic

    done: dict[str, GridMeasurement] = {}

    def write(tmp: Path) -> None:
        sink = NetCDFGridSink(tmp)
        try:
            done["m"] = measure_grid(path, keep_volumes=False, sink=sink, **options)
        finally:
            sink.abort()  # a failed run: close what was opened (a finished one is closed)
        if then is not None:
            then(done["m"])

    write_atomic(output, write)
    return done["m"]


def grid_to_netcdf(measurement: GridMeasurement, output: str | PathLike) -> None:
    """Write a grid measurement whose volumes were kept in memory (``keep_volumes=True``) to
    the netCDF file ``output``, atomically, in the layout of :class:`NetCDFGridSink`."""
    from fmdecon.study.cube import write_atomic

    m = measurement
    if m.volumes is None:
        raise ValueError(
            "the measurement kept no volumes (keep_volumes=False); write it while measuring "
            "with measure_grid_to_netcdf"
        )
    v = m.volumes
    ny, nx = m.shape
    layout = GridLayout(
        path=m.path,
        shape=m.shape,
        points=m.points,
        x=m.x,
        y=m.y,
        methods=m.methods,
        fitted=tuple(v.force_bias),
        heights=m.heights,
        rows_per_block=ny,
        z=m.z,
    )
    flat = (ny * nx, m.points)
    block = GridBlockResult(
        rows=slice(0, ny),
        status=m.status.reshape(-1),
        z_pixel=v.z_pixel.reshape(flat),
        df=v.df.reshape(flat),
        df_noise=m.df_noise_map.reshape(-1),
        force={n: v.force[n].reshape(flat) for n in m.methods},
        force_std={n: v.force_std[n].reshape(flat) for n in m.methods},
        energy={n: v.energy[n].reshape(flat) for n in m.methods},
        force_bias={n: v.force_bias[n].reshape(flat) for n in v.force_bias},
    )

    def write(tmp: Path) -> None:
        sink = NetCDFGridSink(tmp)
        sink.open(layout)
        sink.write(block)
        sink.close(m)

    write_atomic(output, write)
