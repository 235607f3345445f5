"""The data model of measured curves: :class:`CurveSet` (curves of any shape) and
:class:`Spectroscopy` (what the readers return today: the sweeps of one spectroscopy on one
z grid, which is the one-curve case of a :class:`CurveSet` with ``dims == ("sweep",)``).

Numpy only; SI units (z [m], Δf [Hz], f0 [Hz], amplitude [m], k [N/m]).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Curve", "CurveGroup", "CurveSet", "Spectroscopy"]


@dataclass(frozen=True)
class Spectroscopy:
    """A measured frequency-shift curve (one or several sweeps on one z grid), SI units.

    The one-curve case of a :class:`CurveSet`: :meth:`to_curveset` gives the set with
    ``dims == ("sweep",)``, and :meth:`CurveSet.to_spectroscopy` returns it.

    Attributes
    ----------
    z : numpy.ndarray
        Tip-sample distance [m], strictly increasing, up to an unknown constant (shape (N,)).
    df : numpy.ndarray
        Frequency shift [Hz], shape (n_sweeps, N), rows in the order of ``sweeps``.
    sweeps : tuple of str
        Sweep names (e.g. ``"AVG"``, ``"00001"``, ``"AVG bwd"``, ``"fwd"``, ``"fwd filt"``).
    f0 : float or None
        Resonance frequency [Hz] if known.
    amplitude : float or None
        Oscillation amplitude (set-point) [m] if known.
    k : float or None
        Spring constant [N/m] if the file states it (never for Nanonis files).
    metadata : mapping
        Header key -> value (strings; last value for duplicate keys).
    duplicates : mapping
        Header keys that occurred more than once -> all their values, in file order.
    source : mapping
        For ``z``, ``df``, ``f0``, ``amplitude`` and ``k``: where the value came from; under
        ``notes``, what the reader dropped (see :attr:`notes`).
    orientation : str
        How the file's z column was mapped onto the distance ``z``.
    path : str
        The file read.
    """

    z: NDArray[np.float64]
    df: NDArray[np.float64]
    sweeps: tuple[str, ...]
    f0: float | None
    amplitude: float | None
    metadata: Mapping[str, str]
    source: Mapping[str, str]
    orientation: str
    path: str = ""
    k: float | None = None
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the reader changed, one line each (e.g. the NaN-padded rows and the all-NaN
        columns of an aborted Nanonis sweep that it dropped); empty if nothing."""
        text = self.source.get("notes", "")
        return tuple(text.splitlines()) if text else ()

    def sweep(self, name: str) -> NDArray[np.float64]:
        """Frequency shift [Hz] of the sweep called ``name``."""
        try:
            return self.df[self.sweeps.index(name)]
        except ValueError:
            raise ValueError(
                f"no sweep {name!r} in {self.path}; sweeps: {', '.join(self.sweeps)}"
            ) from None

    def to_curveset(self) -> CurveSet:
        """The sweeps as a :class:`CurveSet` with ``dims == ("sweep",)`` (arrays shared)."""
        return CurveSet.from_spectroscopy(self)


class Curve(NamedTuple):
    """One curve of a :class:`CurveSet`."""

    #: Position along the leading dimensions (integers).
    index: tuple[int, ...]
    #: Dimension name -> label of the curve along it.
    labels: Mapping[str, Hashable]
    #: Distance [m], shape (N,).
    z: NDArray[np.float64]
    #: Frequency shift [Hz], shape (N,).
    df: NDArray[np.float64]


class CurveGroup(NamedTuple):
    """Curves of a :class:`CurveSet` that share one z grid (see :meth:`CurveSet.group_by_z`)."""

    #: The shared distance [m], shape (N,).
    z: NDArray[np.float64]
    #: Position of each curve along the leading dimensions, in the set's (C) order.
    index: tuple[tuple[int, ...], ...]
    #: Their frequency shifts [Hz], shape (len(index), N).
    df: NDArray[np.float64]


def _read_only(values: ArrayLike) -> NDArray[np.float64]:
    out = np.asarray(values, dtype=np.float64).view()
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class CurveSet:
    """Frequency-shift curves of any shape over a z axis, SI units, numpy only.

    A set of curves with named leading dimensions: ``("sweep",)`` for the sweeps of one
    spectroscopy (the one-curve case, :class:`Spectroscopy`), e.g. ``("y", "x", "direction",
    "sweep")`` for a grid. ``df`` has shape ``shape + (N,)``; ``z`` is either shared by every
    curve (shape (N,)) or given per curve (shape of ``df``). The arrays are read-only views.

    Attributes
    ----------
    dims : tuple of str
        Names of the leading dimensions of ``df``.
    z : numpy.ndarray
        Distance [m], ascending along the last axis, shape (N,) or ``df.shape``.
    df : numpy.ndarray
        Frequency shift [Hz], shape ``shape + (N,)``.
    coords : mapping
        Dimension name -> tuple of labels along it (unique; default ``0, 1, ...``).
    f0, amplitude, k : float or None
        Sensor values found in the file [Hz, m, N/m] (None where absent).
    metadata : mapping
        The file's header: key -> value (strings; last value for duplicate keys).
    duplicates : mapping
        Header keys that occurred more than once -> all their values, in file order.
    source : mapping
        For ``z``, ``df``, ``f0``, ``amplitude`` and ``k``: where the value came from.
    orientation : str
        How the file's z axis was mapped onto the distance ``z``.
    path : str
        The file read ("" if none).
    units : mapping
        Class constant: the SI unit of ``z``, ``df``, ``f0``, ``amplitude`` and ``k``.
    """

    dims: tuple[str, ...]
    z: NDArray[np.float64]
    df: NDArray[np.float64]
    coords: Mapping[str, tuple[Hashable, ...]] = field(default_factory=dict)
    f0: float | None = None
    amplitude: float | None = None
    k: float | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    duplicates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: Mapping[str, str] = field(default_factory=dict)
    orientation: str = ""
    path: str = ""

    units: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"z": "m", "df": "Hz", "f0": "Hz", "amplitude": "m", "k": "N/m"}
    )

    def __post_init__(self) -> None:
        dims = tuple(self.dims)
        if len(set(dims)) != len(dims) or not all(isinstance(d, str) for d in dims):
            raise ValueError(f"dims must be distinct names; got {dims}")
        df = _read_only(self.df)
        if df.ndim != len(dims) + 1:
            raise ValueError(
                f"df must have one axis per dimension of dims {dims} and a last z axis "
                f"({len(dims) + 1} axes); got shape {df.shape}"
            )
        z = _read_only(self.z)
        if z.shape not in ((df.shape[-1],), df.shape):
            raise ValueError(
                f"z must have shape ({df.shape[-1]},) (shared) or {df.shape} (one z per "
                f"curve) for df of shape {df.shape}; got {z.shape}"
            )
        unknown = [name for name in self.coords if name not in dims]
        if unknown:
            raise ValueError(f"coords {unknown} are not dimensions; dims: {dims}")
        coords: dict[str, tuple[Hashable, ...]] = {}
        for dim, size in zip(dims, df.shape[:-1], strict=True):
            labels = tuple(self.coords[dim]) if dim in self.coords else tuple(range(size))
            if len(labels) != size:
                raise ValueError(
                    f"coords[{dim!r}] must have {size} labels (df.shape = {df.shape}); "
                    f"got {len(labels)}"
                )
            if len(set(labels)) != size:
                raise ValueError(f"coords[{dim!r}] labels must be distinct; got {labels}")
            coords[dim] = labels
        object.__setattr__(self, "dims", dims)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "df", df)
        object.__setattr__(self, "coords", MappingProxyType(coords))

    # -- shape ----------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """Lengths of the leading dimensions (``df.shape[:-1]``)."""
        return self.df.shape[:-1]

    @property
    def size(self) -> int:
        """Number of curves."""
        return math.prod(self.shape)

    @property
    def n_points(self) -> int:
        """Number of points N of every curve."""
        return self.df.shape[-1]

    @property
    def shared_z(self) -> bool:
        """True if one z (shape (N,)) serves every curve."""
        return self.z.ndim == 1

    def __len__(self) -> int:
        return self.size

    # -- curves ---------------------------------------------------------------------------
    def curve(self, *index: int) -> Curve:
        """The curve at integer position ``index`` (one integer per dimension)."""
        if len(index) != len(self.dims):
            raise ValueError(
                f"index must give one position per dimension {self.dims}; got {index}"
            )
        for dim, i, size in zip(self.dims, index, self.shape, strict=True):
            self._check_position(dim, i, size)
        position = tuple(i % n for i, n in zip(index, self.shape, strict=True))
        z = self.z if self.shared_z else self.z[position]
        labels = {d: self.coords[d][i] for d, i in zip(self.dims, position, strict=True)}
        return Curve(position, MappingProxyType(labels), z, self.df[position])

    @staticmethod
    def _check_position(dim: str, index: int, size: int) -> None:
        if not -size <= index < size:
            raise IndexError(
                f"index {index} is out of range for dimension {dim!r} of length {size}"
            )

    def __iter__(self) -> Iterator[Curve]:
        """Every curve, in C order of the leading dimensions."""
        for index in np.ndindex(*self.shape):
            yield self.curve(*index)

    def isel(self, **indexers: int | Sequence[int] | slice) -> CurveSet:
        """Select by position: ``isel(sweep=0)`` drops the dimension, ``isel(sweep=[0, 2])``
        or a slice keeps it."""
        self._check_dims(indexers)
        positions: list[NDArray[np.intp]] = []
        dropped: list[int] = []
        dims, coords = [], {}
        for axis, (dim, size) in enumerate(zip(self.dims, self.shape, strict=True)):
            chosen = indexers.get(dim, slice(None))
            if isinstance(chosen, slice):
                kept = list(range(size))[chosen]
            elif isinstance(chosen, int | np.integer):
                self._check_position(dim, int(chosen), size)
                positions.append(np.array([int(chosen) % size], dtype=np.intp))
                dropped.append(axis)
                continue
            else:
                kept = [int(i) for i in chosen]
                for i in kept:
                    self._check_position(dim, i, size)
                kept = [i % size for i in kept]
            positions.append(np.asarray(kept, dtype=np.intp))
            dims.append(dim)
            coords[dim] = tuple(self.coords[dim][i] for i in kept)
        grid = np.ix_(*positions)
        df = np.squeeze(self.df[grid], axis=tuple(dropped))
        z = self.z if self.shared_z else np.squeeze(self.z[grid], axis=tuple(dropped))
        return self._replace(tuple(dims), z, df, coords)

    def sel(self, **labels: Hashable | Sequence[Hashable]) -> CurveSet:
        """Select by label: ``sel(sweep="AVG")`` drops the dimension, ``sel(sweep=["AVG",
        "00001"])`` keeps it."""
        self._check_dims(labels)
        indexers: dict[str, int | list[int]] = {}
        for dim, wanted in labels.items():
            known = self.coords[dim]
            scalar = isinstance(wanted, str) or not isinstance(wanted, Sequence | np.ndarray)
            positions = []
            for label in [wanted] if scalar else list(wanted):  # type: ignore[arg-type]
                if label not in known:
                    raise ValueError(
                        f"no label {label!r} along {dim!r}; labels: {', '.join(map(str, known))}"
                    )
                positions.append(known.index(label))
            indexers[dim] = positions[0] if scalar else positions
        return self.isel(**indexers)

    def _check_dims(self, names: Mapping[str, object]) -> None:
        unknown = [name for name in names if name not in self.dims]
        if unknown:
            raise ValueError(f"no dimension {unknown[0]!r}; dims: {self.dims}")

    def _replace(
        self,
        dims: tuple[str, ...],
        z: NDArray[np.float64],
        df: NDArray[np.float64],
        coords: Mapping[str, tuple[Hashable, ...]],
    ) -> CurveSet:
        return CurveSet(
            dims=dims,
            z=z,
            df=df,
            coords=coords,
            f0=self.f0,
            amplitude=self.amplitude,
            k=self.k,
            metadata=self.metadata,
            duplicates=self.duplicates,
            source=self.source,
            orientation=self.orientation,
            path=self.path,
        )

    def group_by_z(self) -> list[CurveGroup]:
        """The curves grouped by their z grid (identical values), in order of first appearance.

        With a shared z: one group of every curve. Each group's ``df`` is a block of shape
        (n, N) that a batch of a method can take at once.
        """
        flat_df = self.df.reshape(self.size, self.n_points)
        indices = list(np.ndindex(*self.shape))
        if self.shared_z:
            return [CurveGroup(self.z, tuple(indices), flat_df)] if self.size else []
        flat_z = self.z.reshape(self.size, self.n_points)
        groups: dict[bytes, list[int]] = {}
        for row, z in enumerate(flat_z):
            groups.setdefault((z + 0.0).tobytes(), []).append(row)  # + 0.0: -0.0 -> 0.0
        out = []
        for rows in groups.values():
            z = flat_z[rows[0]]
            out.append(CurveGroup(z, tuple(indices[r] for r in rows), flat_df[rows]))
        return out

    # -- the one-curve case ---------------------------------------------------------------
    @classmethod
    def from_spectroscopy(cls, spectroscopy: Spectroscopy) -> CurveSet:
        """The sweeps of a :class:`Spectroscopy` as a set with ``dims == ("sweep",)``."""
        s = spectroscopy
        return cls(
            dims=("sweep",),
            z=s.z,
            df=s.df,
            coords={"sweep": s.sweeps},
            f0=s.f0,
            amplitude=s.amplitude,
            k=s.k,
            metadata=s.metadata,
            duplicates=s.duplicates,
            source=s.source,
            orientation=s.orientation,
            path=s.path,
        )

    def to_spectroscopy(self) -> Spectroscopy:
        """The one-curve case as a :class:`Spectroscopy`: needs ``dims == ("sweep",)``, a
        shared z and string labels."""
        if self.dims != ("sweep",) or not self.shared_z:
            raise ValueError(
                "a Spectroscopy is one z grid and its sweeps: needs dims ('sweep',) and a "
                f"shared z; got dims {self.dims} and z of shape {self.z.shape}"
            )
        return Spectroscopy(
            z=self.z,
            df=self.df,
            sweeps=tuple(str(s) for s in self.coords["sweep"]),
            f0=self.f0,
            amplitude=self.amplitude,
            metadata=self.metadata,
            source=self.source,
            orientation=self.orientation,
            path=self.path,
            k=self.k,
            duplicates=self.duplicates,
        )
