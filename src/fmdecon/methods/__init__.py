"""Registry of deconvolution methods.

Each method is one module of this package and one :class:`Method` entry in :data:`METHODS`:
its function ``method(z, df, amplitude, k, f0, **options) -> force``, the name used in configs
and in the ``deconvolution`` dimension of result cubes, its labels, what it requires of the
grid and how it is drawn. Figures, tables and the CLI read these entries; adding a method
touches its module and this registry, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.methods.matrix import matrix_method
from fmdecon.methods.matrix_exact import matrix_exact
from fmdecon.methods.matrix_resampled import matrix_resampled
from fmdecon.methods.sader_jarvis import sader_jarvis

__all__ = ["METHODS", "Method", "deconvolve", "get_method"]

MethodFunction = Callable[..., NDArray[np.float64]]


@dataclass(frozen=True)
class Method:
    """A registered deconvolution method and what the rest of the code needs to know of it.

    Calling the entry calls its function, so ``METHODS[name](z, df, amplitude, k, f0)`` works.

    Attributes
    ----------
    name : str
        Registry key: the name in configs, cubes and on the command line.
    function : callable
        ``function(z, df, amplitude, k, f0, **options) -> force`` [N], same length as ``z``.
    label : str
        Name for legends and prose (e.g. ``"Sader\u2013Jarvis"``, with an en dash).
    short_label : str
        Compact name for tables and subscripts (e.g. ``"SJ"``).
    uniform_grid : bool
        True if ``function`` requires a uniformly spaced ``z`` (it raises otherwise).
    style : mapping
        Matplotlib line properties (``color``, ``linestyle``, ``lw``, ...) used in every figure.
    published : bool
        True for the methods Welker et al. (2012) compare; figures 2-9 show only these.
    reference : str
        Where the method is described (docs/physics.md section and literature).
    """

    name: str
    function: MethodFunction
    label: str
    short_label: str
    uniform_grid: bool
    style: Mapping[str, Any] = field(default_factory=dict)
    published: bool = False
    reference: str = ""

    def __call__(
        self, z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float, **options: Any
    ) -> NDArray[np.float64]:
        return self.function(z, df, amplitude, k, f0, **options)


def _registry(*methods: Method) -> Mapping[str, Method]:
    return MappingProxyType({m.name: m for m in methods})


#: Registered deconvolution methods by name, in the order figures and tables show them.
METHODS: Mapping[str, Method] = _registry(
    Method(
        name="sader_jarvis",
        function=sader_jarvis,
        label="Sader\u2013Jarvis",
        short_label="SJ",
        uniform_grid=False,
        style={"color": "C0", "linestyle": "-", "lw": 1.1},
        published=True,
        reference="docs/physics.md section 2; Sader & Jarvis, APL 84, 1801 (2004)",
    ),
    Method(
        name="matrix",
        function=matrix_method,
        label="matrix",
        short_label="matrix",
        uniform_grid=True,
        style={"color": "C3", "linestyle": "-", "lw": 0.8},
        published=True,
        reference="docs/physics.md section 3; Giessibl, APL 78, 123 (2001)",
    ),
    Method(
        name="matrix_resampled",
        function=matrix_resampled,
        label="matrix (resampled, integer A/d)",
        short_label="matrix-rs",
        uniform_grid=False,
        style={"color": "C2", "linestyle": "--", "lw": 0.9},
        published=False,
        reference="docs/physics.md section 6a",
    ),
    Method(
        name="matrix_exact",
        function=matrix_exact,
        label="matrix (exact weights)",
        short_label="matrix-ex",
        uniform_grid=False,
        style={"color": "C1", "linestyle": "-", "lw": 0.9},
        published=False,
        reference="docs/physics.md section 6b",
    ),
)


def get_method(name: str) -> Method:
    """The registered method called ``name``.

    Raises
    ------
    ValueError
        Naming the unknown method and listing the known ones.
    """
    try:
        return METHODS[name]
    except KeyError:
        raise ValueError(
            f"unknown deconvolution method {name!r}; known: {', '.join(METHODS)}"
        ) from None


def deconvolve(
    method: str,
    z: ArrayLike,
    df: ArrayLike,
    amplitude: float,
    k: float,
    f0: float,
    **options: Any,
) -> NDArray[np.float64]:
    """Deconvolve ``df`` with the registered method called ``method``.

    Parameters
    ----------
    method : str
        A key of :data:`METHODS` (``"sader_jarvis"``, ``"matrix"``, ...).
    z, df, amplitude, k, f0
        As for :func:`fmdecon.sader_jarvis`: grid [m], frequency shift [Hz], amplitude [m],
        spring constant [N/m], resonance frequency [Hz].
    **options
        Keyword options of that method (see its docstring).

    Returns
    -------
    numpy.ndarray
        Force [N] on ``z``.
    """
    return get_method(method)(z, df, amplitude, k, f0, **options)
