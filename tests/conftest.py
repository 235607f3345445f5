"""Shared fixtures: the parameters of Welker, Illek & Giessibl (2012)
(docs/physics.md section 5)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

# make ``import reference`` work whatever pytest's import mode is
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def paper():
    """Sensor, force-law parameters and grids of the paper's study (SI units)."""
    return SimpleNamespace(
        k=1800.0,  # N/m
        f0=32768.0,  # Hz
        sigma=0.235e-9,  # m
        bond_energy=0.371e-18,  # J
        kappa=4.25e9,  # 1/m
        z=np.linspace(0.23e-9, 5e-9, 5000),  # m, lower turnaround point
        amplitudes=np.geomspace(10e-12, 1e-9, 500),  # m
    )


@pytest.fixture(scope="session")
def morse(paper):
    """The library's Morse law with the paper's parameters."""
    import fmdecon

    return fmdecon.Morse(paper.kappa, paper.sigma, paper.bond_energy)


@pytest.fixture(scope="session")
def lennard_jones(paper):
    """The library's Lennard-Jones law with the paper's parameters."""
    import fmdecon

    return fmdecon.LennardJones(paper.sigma, paper.bond_energy)


def nearest_amplitude(amplitudes, target):
    """The value of the amplitude grid closest to ``target``."""
    return float(amplitudes[np.argmin(np.abs(amplitudes - target))])


@pytest.fixture(scope="session")
def paper_amplitude(paper):
    """Function: nearest amplitude of the paper's 500-point grid to a target amplitude."""
    return lambda target: nearest_amplitude(paper.amplitudes, target)
