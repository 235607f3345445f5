"""Model force laws and their exact frequency shifts (docs/physics.md section 1).

Each law is a small class with ``force``, ``potential``, ``frequency_shift`` (closed form,
Giessibl & Bielefeldt 2000) and ``force_minimum`` (analytic). A law is registered under a
name in :data:`FORCE_LAWS`, which is how configs and the pipeline refer to it: adding a law
means adding one class here and naming it in the registry.

All quantities are SI: z, sigma in m; kappa in 1/m; bond_energy in J; forces in N; spring
constant k in N/m; resonance frequency f0 and frequency shifts in Hz. ``z`` is the lower
turnaround point of the oscillation and ``amplitude`` the zero-to-peak amplitude.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from fmdecon._validation import finite_array, positive_scalar, sensor

__all__ = [
    "FORCE_LAWS",
    "PARAMETER_UNITS",
    "ForceLaw",
    "LennardJones",
    "Morse",
    "exponential_frequency_shift",
    "force_law",
    "law_label",
    "ordered_laws",
    "power_law_frequency_shift",
]

#: SI units of every law parameter, as written into result files.
PARAMETER_UNITS: dict[str, str] = {"kappa": "1/m", "sigma": "m", "bond_energy": "J"}


def exponential_frequency_shift(
    z: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    prefactor: float,
    decay: float,
    z_ref: float = 0.0,
) -> NDArray[np.float64]:
    """Frequency shift of the exponential force ``F = prefactor * exp(-decay * (z - z_ref))``.

    docs/physics.md section 1: ``df = f0 F0 / (k A) * exp(-lambda z) * ive(1, lambda A)`` with
    ``i1e(x) = ive(1, x) = exp(-x) I1(x)``, which does not overflow. ``z_ref`` shifts the reference
    point of the exponential so that large ``decay * z`` never overflows.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m].
    amplitude, k, f0 : float
        Oscillation amplitude [m], spring constant [N/m], resonance frequency [Hz].
    prefactor : float
        Force at ``z = z_ref`` [N].
    decay : float
        Decay constant lambda [1/m].
    z_ref : float, optional
        Reference distance [m].

    Returns
    -------
    numpy.ndarray
        Frequency shift [Hz] at each ``z``.
    """
    amplitude, k, f0 = sensor(amplitude, k, f0)
    z = np.asarray(z, dtype=np.float64)
    return (
        f0
        * prefactor
        / (k * amplitude)
        * np.exp(-decay * (z - z_ref))
        * special.i1e(decay * amplitude)
    )


def power_law_frequency_shift(
    z: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    prefactor: float,
    exponent: float,
    length: float,
) -> NDArray[np.float64]:
    """Frequency shift of the power-law force ``F = prefactor * (length / z) ** exponent``.

    docs/physics.md section 1, with ``C = prefactor * length**n``:
    ``df = f0 C / (k A z^n) * [2F1(n, 1/2; 1; -2A/z) - 2F1(n, 3/2; 2; -2A/z)]``.

    Parameters
    ----------
    z : array_like
        Lower turnaround points [m], > 0.
    amplitude, k, f0 : float
        Oscillation amplitude [m], spring constant [N/m], resonance frequency [Hz].
    prefactor : float
        Force at ``z = length`` [N].
    exponent : float
        Power n (> 0).
    length : float
        Length scale [m].

    Returns
    -------
    numpy.ndarray
        Frequency shift [Hz] at each ``z``.
    """
    amplitude, k, f0 = sensor(amplitude, k, f0)
    z = np.asarray(z, dtype=np.float64)
    x = -2.0 * amplitude / z
    bracket = special.hyp2f1(exponent, 0.5, 1.0, x) - special.hyp2f1(exponent, 1.5, 2.0, x)
    return f0 * prefactor / (k * amplitude) * (length / z) ** exponent * bracket


class ForceLaw(abc.ABC):
    """A tip-sample force law with an exact frequency shift.

    Subclasses set :attr:`name` (the registry key), :attr:`label` (how tables and figures
    name it) and :attr:`parameter_names` (the constructor's keyword arguments, each with a
    unit in :data:`PARAMETER_UNITS`).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    parameter_names: ClassVar[tuple[str, ...]]

    @property
    def parameters(self) -> dict[str, float]:
        """The law's parameters by name (SI units)."""
        return {p: getattr(self, p) for p in self.parameter_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{p}={v!r}" for p, v in self.parameters.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.parameters == self.parameters  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(self.parameters.items())))

    @abc.abstractmethod
    def force(self, z: ArrayLike) -> NDArray[np.float64]:
        """Force [N] at distance ``z`` [m] (negative = attractive)."""

    @abc.abstractmethod
    def potential(self, z: ArrayLike) -> NDArray[np.float64]:
        """Potential energy [J] at distance ``z`` [m]."""

    @abc.abstractmethod
    def frequency_shift(
        self, z: ArrayLike, amplitude: float, k: float, f0: float
    ) -> NDArray[np.float64]:
        """Exact frequency shift [Hz] at lower turnaround points ``z`` [m]."""

    @abc.abstractmethod
    def force_minimum(self) -> tuple[float, float]:
        """Analytic position [m] and value [N] of the force minimum (largest attraction)."""


class Morse(ForceLaw):
    """Morse force law.

    ``V = E [exp(-2 kappa (z - sigma)) - 2 exp(-kappa (z - sigma))]`` and
    ``F = 2 kappa E [exp(-2 kappa (z - sigma)) - exp(-kappa (z - sigma))]``
    (Welker et al. 2012, Eqs. 5-6; docs/physics.md section 1).

    Parameters
    ----------
    kappa : float
        Decay constant [1/m].
    sigma : float
        Equilibrium distance [m].
    bond_energy : float
        Bond energy E [J].
    """

    name: ClassVar[str] = "morse"
    label: ClassVar[str] = "Morse"
    parameter_names: ClassVar[tuple[str, ...]] = ("kappa", "sigma", "bond_energy")

    def __init__(self, kappa: float, sigma: float, bond_energy: float) -> None:
        self.kappa = positive_scalar(kappa, "kappa")
        self.sigma = positive_scalar(sigma, "sigma")
        self.bond_energy = positive_scalar(bond_energy, "bond_energy")

    def _terms(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """(prefactor [N], decay [1/m]) of the two exponentials, referenced to z = sigma."""
        scale = 2.0 * self.kappa * self.bond_energy
        return (scale, 2.0 * self.kappa), (-scale, self.kappa)

    def force(self, z: ArrayLike) -> NDArray[np.float64]:
        """Force [N] at ``z`` [m] (Welker Eq. 6)."""
        z = np.asarray(z, dtype=np.float64)
        return sum(f * np.exp(-lam * (z - self.sigma)) for f, lam in self._terms())

    def potential(self, z: ArrayLike) -> NDArray[np.float64]:
        """Potential energy [J] at ``z`` [m] (Welker Eq. 5)."""
        x = np.exp(-self.kappa * (np.asarray(z, dtype=np.float64) - self.sigma))
        return self.bond_energy * (x * x - 2.0 * x)

    def frequency_shift(
        self, z: ArrayLike, amplitude: float, k: float, f0: float
    ) -> NDArray[np.float64]:
        """Exact frequency shift [Hz] (Welker Eq. 7), as a sum of exponential terms.

        Parameters
        ----------
        z : array_like
            Lower turnaround points [m].
        amplitude : float
            Oscillation amplitude [m].
        k : float
            Spring constant [N/m].
        f0 : float
            Free resonance frequency [Hz].
        """
        z = finite_array(np.atleast_1d(z), "z").reshape(np.shape(z))
        return sum(
            exponential_frequency_shift(z, amplitude, k, f0, f, lam, self.sigma)
            for f, lam in self._terms()
        )

    def force_minimum(self) -> tuple[float, float]:
        """``(sigma + ln 2 / kappa, -kappa E / 2)``."""
        return self.sigma + np.log(2.0) / self.kappa, -self.kappa * self.bond_energy / 2.0


class LennardJones(ForceLaw):
    """Lennard-Jones (12-6) force law.

    ``V = E [(sigma/z)^12 - 2 (sigma/z)^6]`` and ``F = (12 E / sigma) [(sigma/z)^13 -
    (sigma/z)^7]`` (Welker et al. 2012, Eqs. 8-9; docs/physics.md section 1).

    Parameters
    ----------
    sigma : float
        Equilibrium distance [m].
    bond_energy : float
        Bond energy E [J].
    """

    name: ClassVar[str] = "lennard_jones"
    label: ClassVar[str] = "Lennard-Jones"
    parameter_names: ClassVar[tuple[str, ...]] = ("sigma", "bond_energy")

    def __init__(self, sigma: float, bond_energy: float) -> None:
        self.sigma = positive_scalar(sigma, "sigma")
        self.bond_energy = positive_scalar(bond_energy, "bond_energy")

    def _terms(self) -> tuple[tuple[float, int], tuple[float, int]]:
        """(prefactor [N] at z = sigma, exponent) of the two power laws."""
        scale = 12.0 * self.bond_energy / self.sigma
        return (scale, 13), (-scale, 7)

    def force(self, z: ArrayLike) -> NDArray[np.float64]:
        """Force [N] at ``z`` [m] (Welker Eq. 9)."""
        ratio = self.sigma / np.asarray(z, dtype=np.float64)
        return sum(f * ratio**n for f, n in self._terms())

    def potential(self, z: ArrayLike) -> NDArray[np.float64]:
        """Potential energy [J] at ``z`` [m] (Welker Eq. 8)."""
        ratio6 = (self.sigma / np.asarray(z, dtype=np.float64)) ** 6
        return self.bond_energy * (ratio6 * ratio6 - 2.0 * ratio6)

    def frequency_shift(
        self, z: ArrayLike, amplitude: float, k: float, f0: float
    ) -> NDArray[np.float64]:
        """Exact frequency shift [Hz] (Welker Eq. 10), as a sum of power-law terms.

        Parameters
        ----------
        z : array_like
            Lower turnaround points [m], > 0.
        amplitude : float
            Oscillation amplitude [m].
        k : float
            Spring constant [N/m].
        f0 : float
            Free resonance frequency [Hz].
        """
        z = finite_array(np.atleast_1d(z), "z").reshape(np.shape(z))
        if np.any(z <= 0):
            raise ValueError(
                f"z must be > 0 for the Lennard-Jones law; got min(z) = {float(z.min())!r}"
            )
        return sum(
            power_law_frequency_shift(z, amplitude, k, f0, f, n, self.sigma)
            for f, n in self._terms()
        )

    def force_minimum(self) -> tuple[float, float]:
        """``z = sigma (13/7)^(1/6)`` and the force there."""
        z_min = self.sigma * (13.0 / 7.0) ** (1.0 / 6.0)
        return z_min, float(self.force(z_min))


#: Registered force laws by name (the names used in config files and result cubes).
FORCE_LAWS: dict[str, type[ForceLaw]] = {law.name: law for law in (Morse, LennardJones)}


def law_label(name: str) -> str:
    """How tables and figures name the law ``name`` (its registry label, else the name)."""
    law = FORCE_LAWS.get(name)
    return law.label if law is not None else name.replace("_", " ")


def ordered_laws(names: Iterable[str]) -> list[str]:
    """``names`` in registry order (Morse before Lennard-Jones), unknown names after them."""
    names = list(names)
    return [law for law in FORCE_LAWS if law in names] + [
        law for law in names if law not in FORCE_LAWS
    ]


def force_law(name: str, parameters: Mapping[str, float]) -> ForceLaw:
    """Build a registered force law from its name and parameters.

    Parameters
    ----------
    name : str
        Registry key, one of :data:`FORCE_LAWS`.
    parameters : mapping
        Keyword arguments of the law (SI units); extra keys are an error.

    Returns
    -------
    ForceLaw
    """
    try:
        cls = FORCE_LAWS[name]
    except KeyError:
        raise ValueError(
            f"unknown force law {name!r}; known laws: {', '.join(sorted(FORCE_LAWS))}"
        ) from None
    unknown = sorted(set(parameters) - set(cls.parameter_names))
    missing = sorted(set(cls.parameter_names) - set(parameters))
    if unknown or missing:
        raise ValueError(
            f"force law {name!r} takes parameters {', '.join(cls.parameter_names)}; "
            f"unknown: {unknown or 'none'}, missing: {missing or 'none'}"
        )
    return cls(**parameters)
