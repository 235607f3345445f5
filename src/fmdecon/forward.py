"""Frequency shift of an arbitrary force law by numerical quadrature (docs/physics.md section 1).

``df(z) = -(f0 / (pi k A)) * integral_{-1}^{1} F(z + A (1 + u)) u / sqrt(1 - u^2) du``

With ``u = cos(theta)`` the weight's endpoint singularities disappear:
``df(z) = -(f0 / (pi k A)) * integral_0^pi F(z + A (1 + cos theta)) cos theta dtheta``,
an analytic integrand for any smooth force, which Gauss-Legendre quadrature integrates to
rounding with few nodes. The node count is doubled until two successive estimates agree.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import grid, sensor

__all__ = ["QuadratureWarning", "frequency_shift"]

_MAX_BLOCK = 2_000_000  # force evaluations per vectorised block (memory bound)


class QuadratureWarning(UserWarning):
    """The quadrature did not reach the requested tolerance."""


def _gauss_legendre_theta(nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    x, w = np.polynomial.legendre.leggauss(nodes)
    theta = 0.5 * np.pi * (x + 1.0)
    return theta, 0.5 * np.pi * w


def frequency_shift(
    force: Callable[[NDArray[np.float64]], ArrayLike],
    z: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    *,
    rtol: float = 1e-12,
    max_nodes: int = 8192,
) -> NDArray[np.float64]:
    """Frequency shift of any force law by numerical quadrature.

    Use it for force laws without a closed form; it is also the oracle the closed forms of
    :mod:`fmdecon.forces` are tested against.

    Parameters
    ----------
    force : callable
        Vectorised force law ``F(z)`` [N] taking an array of distances [m].
    z : array_like
        Lower turnaround points [m], strictly increasing.
    amplitude : float
        Oscillation amplitude (zero-to-peak) [m].
    k : float
        Spring constant [N/m].
    f0 : float
        Free resonance frequency [Hz].
    rtol : float, optional
        Relative tolerance per point (with an absolute floor of ``1e-14`` times the integral
        of ``|F cos(theta)|``, below which cancellation makes relative accuracy meaningless).
    max_nodes : int, optional
        Largest number of Gauss-Legendre nodes tried before warning.

    Returns
    -------
    numpy.ndarray
        Frequency shift [Hz], same length as ``z``.

    Warns
    -----
    QuadratureWarning
        If the estimate has not converged at ``max_nodes`` nodes.
    """
    z = grid(z, "z", minimum=1)
    amplitude, k, f0 = sensor(amplitude, k, f0)
    if not callable(force):
        raise ValueError(f"force must be a callable F(z); got {force!r}")

    def integrate(nodes: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        theta, weights = _gauss_legendre_theta(nodes)
        cos_theta = np.cos(theta)
        total = np.empty_like(z)
        magnitude = np.empty_like(z)
        block = max(1, _MAX_BLOCK // nodes)
        for start in range(0, z.size, block):
            zb = z[start : start + block, None]
            values = np.asarray(force(zb + amplitude * (1.0 + cos_theta)), dtype=np.float64)
            values = np.broadcast_to(values, (zb.shape[0], nodes))
            if not np.all(np.isfinite(values)):
                raise ValueError(
                    "force returned non-finite values inside the oscillation range "
                    f"[{float(zb[0, 0])!r}, {float(zb[-1, 0] + 2 * amplitude)!r}] m"
                )
            total[start : start + block] = (values * cos_theta) @ weights
            magnitude[start : start + block] = np.abs(values * cos_theta) @ weights
        return total, magnitude

    nodes = 32
    previous, _ = integrate(nodes)
    while True:
        nodes *= 2
        current, magnitude = integrate(nodes)
        error = np.abs(current - previous)
        if np.all(error <= rtol * np.abs(current) + 1e-14 * magnitude):
            break
        if nodes >= max_nodes:
            worst = int(np.argmax(error / (np.abs(current) + 1e-300)))
            warnings.warn(
                f"frequency_shift: quadrature not converged to rtol={rtol} with {nodes} nodes "
                f"at z[{worst}] = {float(z[worst])!r} m; is the force smooth on "
                f"[z, z + 2 * amplitude]?",
                QuadratureWarning,
                stacklevel=2,
            )
            break
        previous = current
    return -f0 / (np.pi * k * amplitude) * current
