"""Nanonis grid spectroscopy (``.3ds``): a Z sweep of every channel at every pixel of a grid.

The format, as this module reads and writes it (checked against the readers of nanonispy's
``read.Grid`` and SpmGrids.jl's ``load_grid``; our own code):

* An ASCII header of ``key=value`` lines (``\\r\\n``; values may be in double quotes; lists
  separated by ``;``), ending with a line ``:HEADER_END:``. The data start right after it.
* ``Grid dim="NX x NY"`` (points along x, rows along y); ``Grid settings=cx;cy;w;h;angle``
  (frame centre and size [m], rotation [deg]); ``Sweep Signal="Z (m)"`` for force maps;
  ``Fixed parameters="Sweep Start;Sweep End"``; ``Experiment parameters="X (m);Y (m);Z (m);
  ..."``; ``# Parameters (4 byte)`` (= fixed + experiment parameters); ``Experiment size
  (bytes)`` (= ``Points`` x channels x 4); ``Points``; ``Channels="Frequency Shift (Hz);
  Frequency Shift [bwd] (Hz);..."``; ``Oscillation Control>Center Frequency (Hz)`` and
  ``Oscillation Control>Amplitude Setpoint (m)`` (f0 and the amplitude).
* For every pixel, in row order (x fastest, the first row at the frame's bottom, as
  SpmGrids.jl and nanonispy index it): the parameters (big-endian float32, fixed first), then
  ``Points`` values of each channel in ``Channels`` order (big-endian float32). The sweep of
  a pixel runs from its own ``Sweep Start`` to its ``Sweep End`` in ``Points`` equal steps;
  backward (``[bwd]``) channels are stored on the same points (as in the ``.dat`` files).
* An aborted grid: the data part stops after the last measured pixel, whose curve may be cut
  (NaN-padded). Pixels without data are NaN, never zeros; ``measured`` says which are.

Channel labels follow the ``.dat`` grammar ``Name [tokens] (unit) [filt]``
(:mod:`fmdecon.io.nanonis`): frequency-shift channels are ``Frequency Shift`` or ``OC M<n>
Freq. Shift``; the ``bwd`` token gives the direction, the others (``00001``, ``AVG``) the
sweep (``"recorded"`` when there is none); ``[filt]`` channels are used only if there are no
others.

z: Nanonis Z grows as the tip retracts, so ``z = +Z`` is the tip-sample distance up to a
constant (``flip_z`` for the other sign); each pixel's axis is sorted ascending (a sweep from
far to near is reversed). ``z_reference="sweep"`` (default) takes the sweep limits as the file
records them; ``"topography"`` adds each pixel's ``Z (m)`` parameter, for files whose sweep
limits are relative to the feedback height (Z rel), to put every pixel on one absolute axis.

Public: :func:`open_nanonis_grid` (header now, data in blocks of pixels on demand),
:func:`read_nanonis_grid` (the whole grid as a :class:`~fmdecon.io.CurveSet` with dims
``("y", "x", "direction", "sweep")``), :func:`write_nanonis_grid`, :func:`sniff`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.io._text import fail, header_float
from fmdecon.io.curves import CurveSet
from fmdecon.io.units import FREQUENCY_UNITS, LENGTH_UNITS

__all__ = [
    "GridBlock",
    "NanonisGrid",
    "SweepSignalError",
    "open_nanonis_grid",
    "read_nanonis_grid",
    "sniff",
    "write_nanonis_grid",
]

HEADER_END = ":HEADER_END:"
_F0_KEY = "Oscillation Control>Center Frequency (Hz)"
_AMPLITUDE_KEY = "Oscillation Control>Amplitude Setpoint (m)"
_REQUIRED = (
    "Grid dim",
    "Sweep Signal",
    "Fixed parameters",
    "Experiment parameters",
    "# Parameters (4 byte)",
    "Points",
    "Channels",
)
_DF_NAME = re.compile(r"^(frequency shift|oc m\d+ freq\. shift)$", re.IGNORECASE)
_Z_SIGNAL = re.compile(r"^z( rel)?$", re.IGNORECASE)
_LABEL = re.compile(
    r"^(?P<name>[^\[\(]*?)\s*(?P<tokens>(?:\[[^\]]*\]\s*)*)\((?P<unit>[^)]*)\)"
    r"\s*(?P<after>(?:\[[^\]]*\]\s*)*)$"
)
#: z options.
Z_REFERENCES = ("sweep", "topography")
#: Largest header read [bytes].
_MAX_HEADER = 1 << 20


class SweepSignalError(ValueError):
    """A grid whose sweep signal is not Z (e.g. a bias spectroscopy grid).

    Attributes
    ----------
    signal : str
        The file's ``Sweep Signal``.
    """

    def __init__(self, path: str | PathLike, signal: str) -> None:
        super().__init__(
            f"{path}: the grid's sweep signal is {signal!r}, not Z: fmdecon deconvolves Z "
            "sweeps (Sweep Signal 'Z (m)'), not a spectroscopy over another signal"
        )
        self.signal = signal


def sniff(path: Path, head: bytes) -> bool:
    """A Nanonis grid: a ``.3ds`` suffix, or a ``Grid dim=`` header line in ``head``."""
    return (
        path.suffix.lower() == ".3ds"
        or head.startswith(b"Grid dim=")
        or (b"\nGrid dim=" in head and HEADER_END.encode() in head)
    )


def _split_label(label: str) -> tuple[str, tuple[str, ...], str] | None:
    """``'Frequency Shift [00001] [bwd] (Hz)'`` -> (name, tokens, unit)."""
    match = _LABEL.match(label.strip())
    if match is None:
        return None
    tokens = re.findall(r"\[([^\]]*)\]", match["tokens"] + match["after"])
    return match["name"].strip(), tuple(t.strip() for t in tokens if t.strip()), match["unit"]


def _value(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in _value(text).split(";") if item.strip())


def _read_header(path: str | PathLike) -> tuple[dict[str, str], dict[str, tuple[str, ...]], int]:
    """(key -> last value, duplicate key -> all values, offset of the data [bytes])."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_HEADER)
    except OSError as exc:
        raise fail(path, f"cannot read the file ({exc.strerror or exc})") from None
    marker = raw.find(HEADER_END.encode())
    if marker < 0:
        raise fail(
            path,
            f"truncated header: no '{HEADER_END}' line in the first {len(raw)} bytes "
            "(a Nanonis .3ds header ends with it)",
        )
    end = raw.find(b"\n", marker)
    offset = len(raw) if end < 0 else end + 1
    try:
        text = raw[:marker].decode("utf-8")
    except UnicodeDecodeError:
        text = raw[:marker].decode("latin-1")  # older Nanonis versions write Windows-1252
    metadata: dict[str, str] = {}
    seen: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" not in line:
            continue
        key, _, value = line.partition("=")
        metadata[key.strip()] = _value(value)
        seen.setdefault(key.strip(), []).append(_value(value))
    return metadata, {k: tuple(v) for k, v in seen.items() if len(v) > 1}, offset


def _integer(metadata: Mapping[str, str], key: str, path: str | PathLike) -> int:
    try:
        value = int(metadata[key])
    except ValueError:
        raise fail(path, f"header '{key}' is not an integer: {metadata[key]!r}") from None
    if value < 1:
        raise fail(path, f"header '{key}' must be >= 1; got {value}")
    return value


class _Channel(NamedTuple):
    index: int  # position in Channels
    label: str
    direction: str
    sweep: str
    factor: float  # to Hz


def _df_channels(channels: Sequence[str], path: str | PathLike) -> list[_Channel]:
    found: list[tuple[_Channel, bool]] = []
    for i, label in enumerate(channels):
        parts = _split_label(label)
        if parts is None or not _DF_NAME.match(parts[0]):
            continue
        _, tokens, unit = parts
        if unit not in FREQUENCY_UNITS:
            raise fail(
                path,
                f"channel {label!r}: unknown frequency unit {unit!r}; known: "
                + ", ".join(FREQUENCY_UNITS),
            )
        direction = "bwd" if "bwd" in tokens else "fwd"
        rest = [t for t in tokens if t not in ("bwd", "filt")]
        sweep = " ".join(rest) if rest else "recorded"
        found.append(
            (_Channel(i, label, direction, sweep, FREQUENCY_UNITS[unit]), "filt" in tokens)
        )
    if not found:
        raise fail(
            path,
            "no frequency-shift channel ('Frequency Shift (Hz)' or 'OC M1 Freq. Shift (Hz)'); "
            f"channels: {'; '.join(channels)}",
        )
    plain = [c for c, filtered in found if not filtered]
    return plain or [c for c, _ in found]


class GridBlock(NamedTuple):
    """A block of consecutive pixels of a grid, as :meth:`NanonisGrid.block` reads it."""

    #: Flat pixel indices (row order: ``pixel = y * nx + x``), shape (P,).
    pixels: NDArray[np.int64]
    #: Each pixel's distance axis [m], ascending, shape (P, N) (NaN for unmeasured pixels).
    z: NDArray[np.float64]
    #: Frequency shift [Hz], shape (P, n_directions, n_sweeps, N) (NaN where not measured).
    df: NDArray[np.float64]
    #: True for pixels with data (finite, distinct sweep limits and some finite Δf).
    measured: NDArray[np.bool_]
    #: The parameters of each pixel as recorded, shape (P, n_parameters) (NaN if none).
    parameters: NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class NanonisGrid:
    """An opened ``.3ds`` grid: the header parsed, the data read in blocks on demand.

    Attributes
    ----------
    path : str
    metadata, duplicates : mapping
        Header key -> value (quotes removed; the last of duplicate keys) and duplicate keys
        -> all their values.
    shape : tuple of int
        ``(ny, nx)`` from ``Grid dim``.
    points : int
        Points per sweep.
    channels : tuple of str
        Every channel's label, in file order.
    parameter_names : tuple of str
        The per-pixel parameters, in file order (fixed ones first).
    sweep_signal : str
    directions, sweeps : tuple of str
        Labels of the ``direction`` and ``sweep`` dimensions of the frequency shift.
    x, y : numpy.ndarray
        Nominal pixel positions [m] in the grid frame (centre +- half the size, points at
        the frame's edges; the frame's rotation is ``angle``); the measured positions are
        the ``X (m)`` and ``Y (m)`` parameters.
    centre, size : tuple of float
        Frame centre and size [m] from ``Grid settings`` (NaN if absent).
    angle : float
        Frame rotation [deg].
    f0, amplitude : float or None
        Resonance frequency [Hz] and amplitude set-point [m] from the header.
    records : int
        Pixel records in the file (fewer than ``nx * ny`` for an aborted grid).
    source : mapping
        Where z, df, f0, amplitude and k come from.
    orientation : str
        How the sweep was mapped onto the distance z.
    """

    path: str
    metadata: Mapping[str, str]
    duplicates: Mapping[str, tuple[str, ...]]
    shape: tuple[int, int]
    points: int
    channels: tuple[str, ...]
    parameter_names: tuple[str, ...]
    sweep_signal: str
    directions: tuple[str, ...]
    sweeps: tuple[str, ...]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    centre: tuple[float, float]
    size: tuple[float, float]
    angle: float
    f0: float | None
    amplitude: float | None
    records: int
    source: Mapping[str, str]
    orientation: str
    _offset: int
    _df_channels: tuple[_Channel, ...]
    _z_factor: float
    _flip_z: bool
    _z_reference: str

    @property
    def n_pixels(self) -> int:
        """``nx * ny``."""
        return self.shape[0] * self.shape[1]

    @property
    def record_values(self) -> int:
        """float32 values per pixel record."""
        return len(self.parameter_names) + self.points * len(self.channels)

    def _data(self) -> NDArray[np.float32]:
        if self.records == 0:
            return np.zeros((0, self.record_values), dtype=">f4")
        return np.memmap(
            self.path,
            dtype=">f4",
            mode="r",
            offset=self._offset,
            shape=(self.records, self.record_values),
        )

    def parameter_index(self, name: str) -> int:
        """Position of the parameter ``name`` in a pixel record."""
        try:
            return self.parameter_names.index(name)
        except ValueError:
            raise fail(
                self.path,
                f"no parameter {name!r}; parameters: {'; '.join(self.parameter_names)}",
            ) from None

    def parameters(self) -> NDArray[np.float64]:
        """Every pixel's parameters as recorded, shape ``(ny, nx, n_parameters)``; NaN for
        pixels without a record."""
        out = np.full((self.n_pixels, len(self.parameter_names)), np.nan)
        data = self._data()
        out[: self.records] = data[:, : len(self.parameter_names)]
        return out.reshape(*self.shape, -1)

    def parameter(self, name: str) -> NDArray[np.float64]:
        """One parameter of every pixel, shape ``(ny, nx)`` (NaN without a record)."""
        return self.parameters()[..., self.parameter_index(name)]

    def channel(self, label: str) -> NDArray[np.float64]:
        """One channel of every pixel as recorded (sweep order, not sorted by z), shape
        ``(ny, nx, points)``; NaN for pixels without a record."""
        try:
            c = self.channels.index(label)
        except ValueError:
            raise fail(
                self.path, f"no channel {label!r}; channels: {'; '.join(self.channels)}"
            ) from None
        out = np.full((self.n_pixels, self.points), np.nan)
        first = len(self.parameter_names) + c * self.points
        out[: self.records] = self._data()[:, first : first + self.points]
        return out.reshape(*self.shape, self.points)

    def block(self, start: int, stop: int) -> GridBlock:
        """Pixels ``start <= pixel < stop`` (row order): z, Δf, which were measured.

        Pixels past the last record, and records without data, are NaN and not measured.
        """
        start, stop = max(0, int(start)), min(int(stop), self.n_pixels)
        count = max(stop - start, 0)
        n = self.points
        n_params = len(self.parameter_names)
        params = np.full((count, n_params), np.nan)
        df = np.full((count, len(self.directions), len(self.sweeps), n), np.nan)
        have = max(0, min(stop, self.records) - start)
        raw = np.asarray(self._data()[start : start + have], dtype=np.float64)
        params[:have] = raw[:, :n_params]
        for channel in self._df_channels:
            first = n_params + channel.index * n
            d = self.directions.index(channel.direction)
            s = self.sweeps.index(channel.sweep)
            df[:have, d, s] = raw[:, first : first + n] * channel.factor
        sweep_start, sweep_end = self._limits(params)
        with np.errstate(invalid="ignore"):
            limits = np.isfinite(sweep_start) & np.isfinite(sweep_end) & (sweep_start != sweep_end)
            measured = limits & np.isfinite(df).any(axis=(1, 2, 3))
            z = np.linspace(sweep_start, sweep_end, n, axis=-1)
            descending = sweep_end < sweep_start
        z[~measured] = np.nan
        z[descending] = z[descending, ::-1]
        df[descending] = df[descending, ..., ::-1]
        return GridBlock(np.arange(start, stop), z, df, measured, params)

    def _limits(
        self, params: NDArray[np.float64]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each pixel's sweep limits on the distance axis [m] (start, end; sweep order)."""
        sweep_start = params[..., self.parameter_index("Sweep Start")] * self._z_factor
        sweep_end = params[..., self.parameter_index("Sweep End")] * self._z_factor
        if self._z_reference == "topography":
            height = params[..., self.parameter_index("Z (m)")]
            sweep_start, sweep_end = sweep_start + height, sweep_end + height
        if self._flip_z:
            sweep_start, sweep_end = -sweep_start, -sweep_end
        return sweep_start, sweep_end

    def z_range(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each pixel's closest and farthest distance [m], shapes ``(ny, nx)`` (from the
        parameters only; NaN without a record)."""
        start, end = self._limits(self.parameters())
        return np.fmin(start, end), np.fmax(start, end)

    def measured(self) -> NDArray[np.bool_]:
        """Which pixels have data, shape ``(ny, nx)``."""
        out = np.zeros(self.n_pixels, dtype=bool)
        step = max(1, 2_000_000 // max(self.record_values, 1))
        for first in range(0, self.records, step):  # blocks of pixels, not all at once
            out[first : first + step] = self.block(first, first + step).measured
        return out.reshape(self.shape)

    def read(self) -> CurveSet:
        """The whole grid as a :class:`~fmdecon.io.CurveSet` with dims ``("y", "x",
        "direction", "sweep")`` and coordinates ``x``, ``y`` [m] (nominal), one z per pixel
        (shared when every measured pixel has the same axis)."""
        block = self.block(0, self.n_pixels)
        ny, nx = self.shape
        df = block.df.reshape(ny, nx, len(self.directions), len(self.sweeps), self.points)
        z_pixel = block.z
        measured = block.measured
        shared = measured.any() and bool(np.all(z_pixel[measured] == z_pixel[measured][0]))
        if shared:
            z: NDArray[np.float64] = z_pixel[measured][0]
        else:
            z = np.broadcast_to(z_pixel.reshape(ny, nx, 1, 1, self.points), df.shape)
        coords: dict[str, tuple[Hashable, ...]] = {
            "y": tuple(float(v) for v in self.y),
            "x": tuple(float(v) for v in self.x),
            "direction": self.directions,
            "sweep": self.sweeps,
        }
        if len(set(coords["x"])) != nx:
            coords["x"] = tuple(range(nx))
        if len(set(coords["y"])) != ny:
            coords["y"] = tuple(range(ny))
        return CurveSet(
            dims=("y", "x", "direction", "sweep"),
            z=z,
            df=df,
            coords=coords,
            f0=self.f0,
            amplitude=self.amplitude,
            k=None,
            metadata=self.metadata,
            duplicates=self.duplicates,
            source=self.source,
            orientation=self.orientation,
            path=self.path,
        )


def _frame(
    metadata: Mapping[str, str], shape: tuple[int, int], path: str | PathLike
) -> tuple[tuple[float, float], tuple[float, float], float, NDArray, NDArray]:
    if "Grid settings" not in metadata:
        nan = float("nan")
        return (
            (nan, nan),
            (nan, nan),
            0.0,
            np.arange(shape[1], dtype=float),
            np.arange(shape[0], dtype=float),
        )
    values = _list(metadata["Grid settings"])
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise fail(
            path, f"header 'Grid settings' is not numbers: {metadata['Grid settings']!r}"
        ) from None
    if len(numbers) < 5:
        raise fail(
            path,
            "header 'Grid settings' needs centre x, centre y, width, height, angle; got "
            f"{metadata['Grid settings']!r}",
        )
    cx, cy, width, height, angle = numbers[:5]

    def axis(centre: float, extent: float, count: int) -> NDArray[np.float64]:
        if count == 1:
            return np.array([centre])
        return centre + extent * (np.arange(count) / (count - 1) - 0.5)

    return (cx, cy), (width, height), angle, axis(cx, width, shape[1]), axis(cy, height, shape[0])


def open_nanonis_grid(
    path: str | PathLike, *, flip_z: bool = False, z_reference: str = "sweep"
) -> NanonisGrid:
    """Open a Nanonis ``.3ds`` grid of Z spectroscopies: parse and check the header and the
    data size; the data are read later, in blocks of pixels (:meth:`NanonisGrid.block`).

    Parameters
    ----------
    path : str or path-like
        The ``.3ds`` file.
    flip_z : bool
        Map ``z = -Z`` (for a z axis that grows towards the sample).
    z_reference : {"sweep", "topography"}
        ``"sweep"``: each pixel's axis from its ``Sweep Start`` to ``Sweep End`` as recorded;
        ``"topography"``: plus the pixel's ``Z (m)`` parameter (sweep limits relative to the
        feedback height, module docstring).

    Returns
    -------
    NanonisGrid

    Raises
    ------
    SweepSignalError
        If the sweep signal is not Z (e.g. ``Bias (V)``).
    ValueError
        One line naming the file and the problem: truncated header, a required header key
        missing or malformed, no frequency-shift channel, a data part whose size fits no
        pixel count, more records than pixels, no measured pixel record.
    """
    path_text = str(path)
    if z_reference not in Z_REFERENCES:
        raise ValueError(
            f"z_reference must be one of {', '.join(Z_REFERENCES)}; got {z_reference!r}"
        )
    metadata, duplicates, offset = _read_header(path)
    missing = [key for key in _REQUIRED if key not in metadata]
    if missing:
        raise fail(
            path,
            f"header has no {', '.join(repr(k) for k in missing)} (a .3ds grid header needs "
            f"{', '.join(_REQUIRED)})",
        )
    dims = re.fullmatch(r"\s*(\d+)\s*x\s*(\d+)\s*", metadata["Grid dim"])
    if dims is None or int(dims[1]) < 1 or int(dims[2]) < 1:
        raise fail(path, f"header 'Grid dim' is not 'NX x NY': {metadata['Grid dim']!r}")
    shape = (int(dims[2]), int(dims[1]))  # (ny, nx)
    signal = metadata["Sweep Signal"]
    signal_parts = _split_label(signal)
    if signal_parts is None or not _Z_SIGNAL.match(signal_parts[0]):
        raise SweepSignalError(path, signal)
    z_unit = signal_parts[2]
    if z_unit not in LENGTH_UNITS:
        raise fail(path, f"sweep signal {signal!r}: unknown length unit {z_unit!r}")
    points = _integer(metadata, "Points", path)
    channels = _list(metadata["Channels"])
    fixed = _list(metadata["Fixed parameters"])
    experiment = _list(metadata["Experiment parameters"])
    n_params = _integer(metadata, "# Parameters (4 byte)", path)
    if len(fixed) + len(experiment) == n_params:
        names = fixed + experiment
    elif len(experiment) == n_params and all(f in experiment for f in fixed):
        names = experiment
    else:
        raise fail(
            path,
            f"header '# Parameters (4 byte)' = {n_params} does not match the "
            f"{len(fixed)} fixed and {len(experiment)} experiment parameters named",
        )
    for needed in ("Sweep Start", "Sweep End"):
        if needed not in names:
            raise fail(path, f"no parameter {needed!r}; parameters: {'; '.join(names)}")
    if z_reference == "topography" and "Z (m)" not in names:
        raise fail(path, "z_reference='topography' needs the parameter 'Z (m)'; it is not there")
    if "Experiment size (bytes)" in metadata:
        size = _integer(metadata, "Experiment size (bytes)", path)
        if size != 4 * points * len(channels):
            raise fail(
                path,
                f"header 'Experiment size (bytes)' = {size} is not 4 x {points} points x "
                f"{len(channels)} channels = {4 * points * len(channels)}",
            )
    df_channels = _df_channels(channels, path)
    record = n_params + points * len(channels)
    try:
        data_bytes = Path(path).stat().st_size - offset
    except OSError as exc:
        raise fail(path, f"cannot read the file ({exc.strerror or exc})") from None
    record_bytes = 4 * record
    if data_bytes % record_bytes:
        raise fail(
            path,
            f"the data part ({data_bytes} bytes) fits no pixel count: a pixel record is "
            f"{record_bytes} bytes ({n_params} parameters + {len(channels)} channels x "
            f"{points} points, 4 bytes each), {data_bytes} / {record_bytes} = "
            f"{data_bytes / record_bytes:.4g}",
        )
    records = data_bytes // record_bytes
    if records > shape[0] * shape[1]:
        raise fail(
            path,
            f"the data part holds {records} pixel records, more than Grid dim "
            f"{shape[1]} x {shape[0]} = {shape[0] * shape[1]} pixels",
        )
    if records == 0:
        raise fail(path, "no pixel was measured (the data part is empty)")
    centre, frame_size, angle, x, y = _frame(metadata, shape, path)
    source = {
        "z": f"each pixel's parameters 'Sweep Start' to 'Sweep End' ({signal}), {points} points"
        + (" plus its 'Z (m)'" if z_reference == "topography" else ""),
        "df": "channels " + ", ".join(f"'{c.label}'" for c in df_channels),
        "k": "not in the file (Nanonis never records it)",
    }
    f0 = amplitude = None
    if metadata.get(_F0_KEY):
        f0 = header_float(metadata[_F0_KEY], _F0_KEY, path)
        source["f0"] = f"header '{_F0_KEY}' = {metadata[_F0_KEY]}"
    else:
        source["f0"] = f"not in the file (no header '{_F0_KEY}')"
    if metadata.get(_AMPLITUDE_KEY):
        amplitude = header_float(metadata[_AMPLITUDE_KEY], _AMPLITUDE_KEY, path)
        source["amplitude"] = f"header '{_AMPLITUDE_KEY}' = {metadata[_AMPLITUDE_KEY]}"
    else:
        source["amplitude"] = f"not in the file (no header '{_AMPLITUDE_KEY}')"
    mapping = (
        f"z = -({signal}) (flip_z=True)"
        if flip_z
        else f"z = +({signal}): Nanonis Z grows as the tip retracts, so it is the tip-sample "
        "distance up to a constant"
    )
    orientation = (
        f"{mapping}; each pixel's sweep from its Sweep Start to Sweep End"
        + (" plus its Z (m)" if z_reference == "topography" else "")
        + ", sorted ascending (a descending sweep reversed)"
    )
    directions = tuple(d for d in ("fwd", "bwd") if any(c.direction == d for c in df_channels))
    sweeps = tuple(dict.fromkeys(c.sweep for c in df_channels))
    return NanonisGrid(
        path=path_text,
        metadata=MappingProxyType(metadata),
        duplicates=MappingProxyType(duplicates),
        shape=shape,
        points=points,
        channels=channels,
        parameter_names=names,
        sweep_signal=signal,
        directions=directions,
        sweeps=sweeps,
        x=x,
        y=y,
        centre=centre,
        size=frame_size,
        angle=angle,
        f0=f0,
        amplitude=amplitude,
        records=records,
        source=MappingProxyType(source),
        orientation=orientation,
        _offset=offset,
        _df_channels=tuple(df_channels),
        _z_factor=LENGTH_UNITS[z_unit],
        _flip_z=flip_z,
        _z_reference=z_reference,
    )


def read_nanonis_grid(
    path: str | PathLike, *, flip_z: bool = False, z_reference: str = "sweep"
) -> CurveSet:
    """Read a whole Nanonis ``.3ds`` grid of Z spectroscopies (:func:`open_nanonis_grid`,
    then :meth:`NanonisGrid.read`).

    Returns
    -------
    CurveSet
        dims ``("y", "x", "direction", "sweep")``, coordinates ``x``, ``y`` [m], ``z`` per
        pixel ascending [m] (shared when all measured pixels have one axis), ``df`` [Hz]
        (NaN for unmeasured pixels and cut sweeps), f0 and the amplitude from the header.
    """
    return open_nanonis_grid(path, flip_z=flip_z, z_reference=z_reference).read()


def _per_pixel(value: ArrayLike, shape: tuple[int, int], name: str) -> NDArray[np.float64]:
    out = np.asarray(value, dtype=np.float64)
    try:
        return np.broadcast_to(out, shape).astype(np.float64)
    except ValueError:
        raise ValueError(
            f"{name} must be a number or have shape {shape}; got {out.shape}"
        ) from None


def _number(value: float) -> str:
    return f"{value:.6E}"


def write_nanonis_grid(
    path: str | PathLike,
    channels: Mapping[str, ArrayLike],
    *,
    sweep_start: ArrayLike,
    sweep_end: ArrayLike,
    centre: tuple[float, float] = (0.0, 0.0),
    size: tuple[float, float] | None = None,
    angle: float = 0.0,
    f0: float | None = None,
    amplitude: float | None = None,
    z_position: ArrayLike = 0.0,
    parameters: Mapping[str, ArrayLike] | None = None,
    measured: int | None = None,
    sweep_signal: str = "Z (m)",
    header: Mapping[str, str] | None = None,
) -> None:
    """Write a Nanonis ``.3ds`` grid of sweeps in the format :func:`open_nanonis_grid` reads.

    Parameters
    ----------
    path : str or path-like
        The file written.
    channels : mapping
        Channel label (``"Frequency Shift (Hz)"``, ``"Frequency Shift [bwd] (Hz)"``,
        ``"Amplitude (m)"``...) -> values, shape ``(ny, nx, points)``, in sweep order (point
        0 at ``Sweep Start``); NaN for a cut sweep. Stored as big-endian float32.
    sweep_start, sweep_end : float or array_like of shape (ny, nx)
        Each pixel's sweep limits, in the unit of ``sweep_signal`` (m).
    centre, size, angle : optional
        Frame centre and size [m] (default size: 1 nm per pixel), rotation [deg]
        (``Grid settings``); the ``X (m)``, ``Y (m)`` parameters are the nominal positions
        (:class:`NanonisGrid` ``x``, ``y``) rotated by ``angle`` about the centre.
    f0, amplitude : float, optional
        Written as ``Oscillation Control>Center Frequency (Hz)`` and ``>Amplitude Setpoint
        (m)``.
    z_position : float or array_like of shape (ny, nx)
        The ``Z (m)`` parameter of each pixel (its feedback height) [m].
    parameters : mapping, optional
        More experiment parameters: name -> value or (ny, nx) values.
    measured : int, optional
        Pixel records written (default all): fewer make an aborted grid whose data part
        stops after the last of them.
    sweep_signal : str
        ``Sweep Signal`` (``"Z (m)"``; anything else makes a grid of another signal).
    header : mapping, optional
        More header lines ``key=value`` (after the grid's own).
    """
    labels = list(channels)
    if not labels:
        raise ValueError("channels must hold at least one channel")
    arrays = [np.asarray(channels[label], dtype=np.float64) for label in labels]
    shape3 = arrays[0].shape
    if len(shape3) != 3 or any(a.shape != shape3 for a in arrays):
        raise ValueError(
            "every channel must have shape (ny, nx, points), the same for all; got "
            + ", ".join(str(a.shape) for a in arrays)
        )
    ny, nx, points = shape3
    shape = (ny, nx)
    count = ny * nx if measured is None else int(measured)
    if not 0 <= count <= ny * nx:
        raise ValueError(f"measured must be between 0 and {ny * nx}; got {measured}")
    if size is None:
        size = (1e-9 * max(nx - 1, 1), 1e-9 * max(ny - 1, 1))
    settings = {"Grid settings": ";".join(_number(v) for v in (*centre, *size, angle))}
    _, _, _, x, y = _frame(settings, shape, path)
    gx, gy = np.meshgrid(x - centre[0], y - centre[1])
    turn = math.radians(angle)
    positions = {
        "X (m)": centre[0] + gx * math.cos(turn) - gy * math.sin(turn),
        "Y (m)": centre[1] + gx * math.sin(turn) + gy * math.cos(turn),
    }
    params: dict[str, NDArray[np.float64]] = {
        "Sweep Start": _per_pixel(sweep_start, shape, "sweep_start"),
        "Sweep End": _per_pixel(sweep_end, shape, "sweep_end"),
        **positions,
        "Z (m)": _per_pixel(z_position, shape, "z_position"),
        "Z offset (m)": np.zeros(shape),
        "Settling time (s)": np.full(shape, 2e-3),
        "Integration time (s)": np.full(shape, 10e-3),
    }
    for name, value in (parameters or {}).items():
        params[name] = _per_pixel(value, shape, name)
    fixed = ["Sweep Start", "Sweep End"]
    experiment = [name for name in params if name not in fixed]
    lines = {
        "Grid dim": f'"{nx} x {ny}"',
        **settings,
        "Filetype": "Linear",
        "Sweep Signal": f'"{sweep_signal}"',
        "Fixed parameters": f'"{";".join(fixed)}"',
        "Experiment parameters": f'"{";".join(experiment)}"',
        "# Parameters (4 byte)": str(len(params)),
        "Experiment size (bytes)": str(4 * points * len(labels)),
        "Points": str(points),
        "Channels": f'"{";".join(labels)}"',
        "Delay before measuring (s)": "0E+0",
        "Experiment": '"Grid Spectroscopy"',
        "Start time": '"07.12.2026 09:00:00"',
        "End time": '"07.12.2026 17:00:00"',
        "User": "",
        "Comment": '"written by fmdecon.io.write_nanonis_grid"',
        "Z-Controller>Controller status": "OFF",
    }
    if f0 is not None:
        lines[_F0_KEY] = _number(f0)
    if amplitude is not None:
        lines[_AMPLITUDE_KEY] = _number(amplitude)
    lines.update(header or {})
    text = "".join(f"{key}={value}\r\n" for key, value in lines.items()) + f"{HEADER_END}\r\n"
    record = np.empty((ny * nx, len(params) + points * len(labels)), dtype=">f4")
    record[:, : len(params)] = np.stack([v.reshape(-1) for v in params.values()], axis=1)
    for c, values in enumerate(arrays):
        first = len(params) + c * points
        record[:, first : first + points] = values.reshape(-1, points)
    with open(path, "wb") as handle:
        handle.write(text.encode("latin-1"))
        handle.write(record[:count].tobytes())
