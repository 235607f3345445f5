"""Model 3-D force fields F(x, y, z) for grid tests and synthetic grids (docs/physics.md s. 13).

Two ideal, known fields over a grid of pixels ``(y, x)`` and the distance ``z``:

* :class:`MorseMap` -- at every pixel a Morse law (section 1) whose equilibrium distance
  ``sigma(x, y)`` and bond energy ``E(x, y)`` vary over the grid: the simplest field with an
  exact frequency shift per pixel (the closed form of section 1, shifted by ``sigma``).
  :meth:`MorseMap.lattice` builds one whose depth and position follow a lattice of atoms.
* :class:`LatticeField` -- a lattice of sites ``r_s = (x_s, y_s, 0)`` with a pair force summed
  over the sites: ``F_z(x, y, z) = sum_s F_pair(|r - r_s|) z / |r - r_s|``; its frequency
  shift needs the quadrature forward model (:func:`fmdecon.frequency_shift`), one quadrature
  per pixel (a test-data generator, not a pipeline path).

Arrays in, arrays out, SI units; no file is touched here (the ``.3ds`` writer is
:func:`fmdecon.io.write_nanonis_grid`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import positive_scalar
from fmdecon.forces import ForceLaw, Morse
from fmdecon.forward import frequency_shift

__all__ = ["LatticeField", "MorseMap"]


def _pixel_z(z: ArrayLike, shape: tuple[int, int]) -> NDArray[np.float64]:
    """``z`` (N,) shared or (ny, nx, N) per pixel -> (ny, nx, N)."""
    values = np.asarray(z, dtype=np.float64)
    if values.ndim == 1:
        return np.broadcast_to(values, (*shape, values.size))
    if values.shape[:2] != shape:
        raise ValueError(f"z must have shape (N,) or {shape} + (N,); got {values.shape}")
    return values


class MorseMap:
    """A Morse law at every pixel with ``sigma`` and the bond energy varying over the grid.

    ``F(x, y, z) = 2 kappa E(x, y) [exp(-2 kappa (z - sigma(x, y))) - exp(-kappa (z -
    sigma(x, y)))]`` (docs/physics.md section 1); the force minimum of a pixel is
    ``-kappa E / 2`` at ``sigma + ln 2 / kappa``.

    Parameters
    ----------
    kappa : float
        Decay constant [1/m], the same everywhere.
    sigma : array_like, shape (ny, nx)
        Equilibrium distance of each pixel [m].
    bond_energy : array_like, shape (ny, nx)
        Bond energy of each pixel [J].
    """

    def __init__(self, kappa: float, sigma: ArrayLike, bond_energy: ArrayLike) -> None:
        self.kappa = positive_scalar(kappa, "kappa")
        self.sigma = np.asarray(sigma, dtype=np.float64)
        self.bond_energy = np.broadcast_to(
            np.asarray(bond_energy, dtype=np.float64), self.sigma.shape
        )
        if self.sigma.ndim != 2:
            raise ValueError(f"sigma must have shape (ny, nx); got {self.sigma.shape}")
        if not (np.all(np.isfinite(self.sigma)) and np.all(self.bond_energy > 0)):
            raise ValueError("sigma must be finite and bond_energy > 0 at every pixel")
        self._reference = Morse(self.kappa, float(np.mean(self.sigma)), 1.0)

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return self.sigma.shape  # type: ignore[return-value]

    @classmethod
    def lattice(
        cls,
        x: ArrayLike,
        y: ArrayLike,
        sites: ArrayLike,
        *,
        kappa: float = 4.25e9,
        sigma: float = 0.235e-9,
        bond_energy: float = 0.371e-18,
        relief: float = 30e-12,
        contrast: float = 0.5,
        width: float = 0.12e-9,
    ) -> MorseMap:
        """A map whose bond energy and equilibrium distance follow atoms at ``sites``.

        Over an atom (Gaussian profile of ``width``) the bond is ``1 + contrast`` times
        deeper and ``relief`` further out (the tip meets the atom earlier); between atoms the
        paper's Morse law (docs/physics.md section 5).

        Parameters
        ----------
        x, y : array_like
            Pixel positions [m], shapes (nx,) and (ny,).
        sites : array_like, shape (S, 2)
            Atom positions (x_s, y_s) [m].
        """
        gx, gy = np.meshgrid(np.asarray(x, float), np.asarray(y, float))
        s = np.asarray(sites, dtype=np.float64).reshape(-1, 2)
        r2 = (gx[..., None] - s[:, 0]) ** 2 + (gy[..., None] - s[:, 1]) ** 2
        bump = np.max(np.exp(-r2 / (2.0 * width**2)), axis=-1)
        return cls(kappa, sigma + relief * bump, bond_energy * (1.0 + contrast * bump))

    def force(self, z: ArrayLike) -> NDArray[np.float64]:
        """Force [N] at every pixel, shape (ny, nx, N), for ``z`` (N,) or (ny, nx, N) [m]."""
        zz = _pixel_z(z, self.shape)
        shift = self.sigma - self._reference.sigma
        return self.bond_energy[..., None] * self._reference.force(zz - shift[..., None])

    def frequency_shift(
        self, z: ArrayLike, amplitude: float, k: float, f0: float
    ) -> NDArray[np.float64]:
        """Exact frequency shift [Hz] at every pixel (the closed form of docs/physics.md
        section 1), shape (ny, nx, N), for lower turnaround points ``z`` (N,) or (ny, nx, N)."""
        zz = _pixel_z(z, self.shape)
        shift = self.sigma - self._reference.sigma
        shifted = (zz - shift[..., None]).reshape(-1)
        unit = self._reference.frequency_shift(shifted, amplitude, k, f0).reshape(zz.shape)
        return self.bond_energy[..., None] * unit

    def force_minimum(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Exact position [m] and value [N] of each pixel's force minimum, shapes (ny, nx)."""
        return self.sigma + np.log(2.0) / self.kappa, -self.kappa * self.bond_energy / 2.0


class LatticeField:
    """Pair forces summed over a lattice of sites: a known F(x, y, z) (docs/physics.md s. 13).

    ``F_z(x, y, z) = sum_s F_pair(d_s) z / d_s`` with ``d_s = |(x, y, z) - (x_s, y_s, 0)|``.

    Parameters
    ----------
    sites : array_like, shape (S, 2)
        Site positions (x_s, y_s) [m] in the plane z = 0.
    pair : ForceLaw
        The pair force ``F_pair(d)`` [N] (e.g. :class:`fmdecon.Morse`,
        :class:`fmdecon.LennardJones`), evaluated at the distance d [m].
    """

    def __init__(self, sites: ArrayLike, pair: ForceLaw) -> None:
        self.sites = np.asarray(sites, dtype=np.float64).reshape(-1, 2)
        if not isinstance(pair, ForceLaw):
            raise ValueError(f"pair must be a ForceLaw (Morse, LennardJones); got {pair!r}")
        self.pair = pair

    def force_at(self, x: float, y: float, z: ArrayLike) -> NDArray[np.float64]:
        """``F_z`` [N] at lateral position (x, y) [m] for distances ``z`` [m] (any shape)."""
        zz = np.asarray(z, dtype=np.float64)
        lateral2 = (x - self.sites[:, 0]) ** 2 + (y - self.sites[:, 1]) ** 2
        distance = np.sqrt(zz[..., None] ** 2 + lateral2)
        return np.sum(np.asarray(self.pair.force(distance)) * zz[..., None] / distance, axis=-1)

    def force(self, x: ArrayLike, y: ArrayLike, z: ArrayLike) -> NDArray[np.float64]:
        """``F_z`` [N] at every pixel of the grid ``x`` (nx,), ``y`` (ny,), shape (ny, nx, N),
        for ``z`` (N,) or (ny, nx, N) [m]."""
        xs, ys = np.asarray(x, float), np.asarray(y, float)
        zz = _pixel_z(z, (ys.size, xs.size))
        out = np.empty(zz.shape)
        for iy, yv in enumerate(ys):  # rows of pixels; each row one vectorised sum
            lateral2 = (xs[:, None] - self.sites[:, 0]) ** 2 + (yv - self.sites[:, 1]) ** 2
            distance = np.sqrt(zz[iy][..., None] ** 2 + lateral2[:, None, :])
            pair = np.asarray(self.pair.force(distance))
            out[iy] = np.sum(pair * zz[iy][..., None] / distance, axis=-1)
        return out

    def frequency_shift(
        self,
        x: ArrayLike,
        y: ArrayLike,
        z: ArrayLike,
        amplitude: float,
        k: float,
        f0: float,
        *,
        rtol: float = 1e-10,
    ) -> NDArray[np.float64]:
        """Frequency shift [Hz] at every pixel by the quadrature forward model
        (:func:`fmdecon.frequency_shift`, docs/physics.md section 1), shape (ny, nx, N).

        One quadrature per pixel: meant for test grids of tens to hundreds of pixels."""
        xs, ys = np.asarray(x, float), np.asarray(y, float)
        zz = _pixel_z(z, (ys.size, xs.size))
        out = np.empty(zz.shape)
        for iy, yv in enumerate(ys):  # one quadrature per pixel (test data only)
            for ix, xv in enumerate(xs):
                out[iy, ix] = frequency_shift(
                    lambda d, xv=xv, yv=yv: self.force_at(xv, yv, d),
                    zz[iy, ix],
                    amplitude,
                    k,
                    f0,
                    rtol=rtol,
                )
        return out
