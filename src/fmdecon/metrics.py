"""Deconvolution quality measures (Welker et al. 2012, Eqs. 19-22; docs/physics.md section 4).

All measures are taken over the points where the deconvolved force is defined (finite).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon._validation import same_length

__all__ = ["cod", "force_minimum_deviation", "residuals"]


def _defined(
    force_model: ArrayLike, force_deconvolved: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    model, deconvolved = same_length(
        force_model, force_deconvolved, ("force_model", "force_deconvolved")
    )
    mask = np.isfinite(deconvolved) & np.isfinite(model)
    if np.count_nonzero(mask) < 2:
        raise ValueError(
            "force_deconvolved has fewer than 2 finite points where force_model is finite; "
            f"got {np.count_nonzero(mask)} of {mask.size}"
        )
    return model, deconvolved, mask


def cod(force_model: ArrayLike, force_deconvolved: ArrayLike) -> float:
    """Coefficient of determination R^2 of a deconvolved force (Welker Eq. 19).

    ``R^2 = 1 - sum (F_model - F_dec)^2 / sum (F_dec - mean(F_dec))^2``; note the mean of
    the *deconvolved* force in the denominator, as in the paper.

    Parameters
    ----------
    force_model : array_like
        Model force [N] on the grid.
    force_deconvolved : array_like
        Deconvolved force [N] on the same grid; NaN points are left out.

    Returns
    -------
    float
        R^2 (1 for a perfect match; may be negative).
    """
    model, deconvolved, mask = _defined(force_model, force_deconvolved)
    model, deconvolved = model[mask], deconvolved[mask]
    spread = np.sum((deconvolved - deconvolved.mean()) ** 2)
    return float(1.0 - np.sum((model - deconvolved) ** 2) / spread)


def residuals(force_model: ArrayLike, force_deconvolved: ArrayLike) -> NDArray[np.float64]:
    """Residuals ``F_dec - F_model`` [N] (Welker Eq. 20), NaN where F_dec is undefined.

    Parameters
    ----------
    force_model : array_like
        Model force [N].
    force_deconvolved : array_like
        Deconvolved force [N] on the same grid.

    Returns
    -------
    numpy.ndarray
    """
    model, deconvolved = same_length(
        force_model, force_deconvolved, ("force_model", "force_deconvolved")
    )
    return deconvolved - model


def force_minimum_deviation(
    z: ArrayLike, force_model: ArrayLike, force_deconvolved: ArrayLike
) -> tuple[float, float]:
    """Deviation of the force minimum in value and position (Welker Eqs. 21-22).

    ``dF_min = min F_dec - min F_model`` and ``dz_min = z(argmin F_dec) - z(argmin F_model)``,
    both over the points where the deconvolved force is defined; ``dz_min`` is a multiple of
    the grid step.

    Parameters
    ----------
    z : array_like
        Grid [m].
    force_model, force_deconvolved : array_like
        Model and deconvolved force [N] on ``z``.

    Returns
    -------
    tuple of float
        ``(dF_min [N], dz_min [m])``; positive dF_min means the attraction is underestimated.
    """
    z_arr, model = same_length(z, force_model, ("z", "force_model"))
    model, deconvolved, mask = _defined(model, force_deconvolved)
    index = np.flatnonzero(mask)
    i_model = index[np.argmin(model[mask])]
    i_dec = index[np.argmin(deconvolved[mask])]
    return (
        float(deconvolved[i_dec] - model[i_model]),
        float(z_arr[i_dec] - z_arr[i_model]),
    )
