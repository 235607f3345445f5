"""Registry of deconvolution methods.

A method is a function ``method(z, df, amplitude, k, f0) -> force`` registered under the
name used in configs and in the ``deconvolution`` dimension of result cubes. Adding a method
means adding its module and one entry here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.matrix import matrix_method
from fmdecon.sader_jarvis import sader_jarvis

__all__ = ["METHODS", "Method", "deconvolve"]

Method = Callable[[ArrayLike, ArrayLike, float, float, float], NDArray[np.float64]]

#: Registered deconvolution methods by name.
METHODS: dict[str, Method] = {"sader_jarvis": sader_jarvis, "matrix": matrix_method}


def deconvolve(
    method: str, z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float
) -> NDArray[np.float64]:
    """Deconvolve ``df`` with the registered method called ``method``.

    Parameters
    ----------
    method : str
        One of :data:`METHODS` (``"sader_jarvis"``, ``"matrix"``).
    z, df, amplitude, k, f0
        As for :func:`fmdecon.sader_jarvis`.

    Returns
    -------
    numpy.ndarray
        Force [N] on ``z``.
    """
    try:
        function = METHODS[method]
    except KeyError:
        raise ValueError(
            f"unknown deconvolution method {method!r}; known: {', '.join(sorted(METHODS))}"
        ) from None
    return function(z, df, amplitude, k, f0)
