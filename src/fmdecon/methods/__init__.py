"""Registry of deconvolution methods.

Each method is one module of this package and one :class:`Method` entry in :data:`METHODS`:
its function ``method(z, df, amplitude, k, f0, **options) -> force``, the name used in configs
and in the ``deconvolution`` dimension of result cubes, its labels, and its capabilities, which
the rest of the code asks the entry for instead of switching on names: whether the function
takes batches of curves, the exact row norms of its operator (its noise, :func:`force_noise
<fmdecon.force_noise>`), its energy formula, what it requires of the grid, and its family.
Figures, tables, the study and the CLI read these entries; adding a method touches its module
and this registry, nothing else: or, from outside the package, one :func:`register_method`
call (the entry is then known to every layer in that process).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from fmdecon.energy import force_integral_energy, sader_jarvis_energy
from fmdecon.methods._fit import MethodFit
from fmdecon.methods._resampled_noise import resampled_row_norms
from fmdecon.methods.matrix import matrix_method, matrix_row_norms
from fmdecon.methods.matrix_exact import exact_row_norms, matrix_exact
from fmdecon.methods.matrix_resampled import matrix_resampled
from fmdecon.methods.regularized import (
    regularized,
    regularized_method_fit,
    regularized_row_norms,
)
from fmdecon.methods.sader_jarvis import sader_jarvis, sader_jarvis_row_norms

__all__ = [
    "FAMILIES",
    "METHODS",
    "Method",
    "MethodFit",
    "deconvolve",
    "force_energy",
    "get_method",
    "register_method",
    "unregister_method",
]

MethodFunction = Callable[..., NDArray[np.float64]]
#: ``row_norms(z, amplitude, k, f0, options) -> norms [N/Hz] or None`` (None: not applicable
#: to these options or this grid; :func:`fmdecon.force_noise` then takes the generic path).
RowNorms = Callable[[NDArray[np.float64], float, float, float, dict[str, Any]], Any]
#: ``energy(z, df, force, amplitude, k, f0) -> energy [J]`` on ``z``.
EnergyFormula = Callable[..., NDArray[np.float64]]
#: ``fit(z, df, amplitude, k, f0, df_noise=None) -> MethodFit`` for a method whose operator
#: depends on the data (its force, exact standard deviation and bias bound at the strength it
#: chose per curve).
FitFunction = Callable[..., MethodFit]

#: The families of methods: ``"sader_jarvis"`` (integral inversion) and ``"matrix"``
#: (Giessibl's discretised system and its variants), plus ``"other"``.
FAMILIES = ("sader_jarvis", "matrix", "other")


def force_energy(
    z: NDArray[np.float64],
    df: NDArray[np.float64],
    force: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
) -> NDArray[np.float64]:
    """Energy [J] as the integral of the recovered force from the far end
    (:func:`fmdecon.force_integral_energy`); NaN everywhere if the force is nowhere finite.
    The energy formula of every method without one of its own (docs/physics.md section 9)."""
    if np.isfinite(force).any():
        return force_integral_energy(z, force)
    return np.full(np.shape(z), np.nan)


def _sader_jarvis_energy(
    z: NDArray[np.float64],
    df: NDArray[np.float64],
    force: NDArray[np.float64],
    amplitude: float,
    k: float,
    f0: float,
) -> NDArray[np.float64]:
    """Sader-Jarvis's own energy formula from the frequency shift (docs/physics.md section 9)."""
    return sader_jarvis_energy(z, df, amplitude, k, f0)


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
    family : str
        One of :data:`FAMILIES` (e.g. figures of the matrix family show every ``"matrix"``
        method).
    batched : bool
        True if ``function`` takes a batch ``df`` of shape ``(..., N)`` on one grid and
        amplitude (the batch operator); otherwise :meth:`batch` calls it once per curve.
    row_norms : callable or None
        The exact noise: row norms of the method's linear operator (``std(F) = df_noise *
        row_norms``), see :data:`RowNorms`; None: :func:`fmdecon.force_noise` computes them
        from the method's responses to unit vectors (exact, but O(N) calls).
    energy : callable
        The energy formula, ``energy(z, df, force, amplitude, k, f0) -> U`` [J]; default
        :func:`force_energy` (the integral of the force).
    fit : callable or None
        For a method whose operator depends on the data (a strength chosen per curve), see
        :data:`FitFunction`: the force with its standard deviation and bias bound; None for a
        linear method, whose standard deviation is :func:`fmdecon.force_noise`.
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
    family: str = "other"
    batched: bool = False
    row_norms: RowNorms | None = None
    energy: EnergyFormula = force_energy
    fit: FitFunction | None = None
    published: bool = False
    reference: str = ""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(
                f"Method {self.name!r}: family must be one of {', '.join(FAMILIES)}; "
                f"got family = {self.family!r}"
            )

    def __call__(
        self, z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float, **options: Any
    ) -> NDArray[np.float64]:
        return self.function(z, df, amplitude, k, f0, **options)

    def batch(
        self, z: ArrayLike, df: ArrayLike, amplitude: float, k: float, f0: float, **options: Any
    ) -> NDArray[np.float64]:
        """Deconvolve a batch ``df`` of shape ``(..., N)`` on one grid and amplitude.

        A method with a batch operator (``batched``) takes the whole batch in one call; any
        other is called once per curve (a registered method that is not yet batched)."""
        if self.batched:
            return self.function(z, df, amplitude, k, f0, **options)
        values = np.asarray(df, dtype=np.float64)
        if values.ndim <= 1:
            return self.function(z, values, amplitude, k, f0, **options)
        rows = values.reshape(-1, values.shape[-1])
        out = np.stack([self.function(z, row, amplitude, k, f0, **options) for row in rows])
        return out.reshape(values.shape)


_REGISTRY: dict[str, Method] = {}

#: Registered deconvolution methods by name, in the order figures and tables show them (a
#: read-only view: :func:`register_method` adds to it).
METHODS: Mapping[str, Method] = MappingProxyType(_REGISTRY)


def register_method(method: Method, *, replace: bool = False) -> Method:
    """Add ``method`` to :data:`METHODS` (after the methods registered before it).

    Parameters
    ----------
    method : Method
        The entry; its ``name`` becomes the key (in configs, cubes and on the command line).
    replace : bool, optional
        Replace an entry of the same name instead of refusing it.

    Returns
    -------
    Method
        ``method``, so the call can be used as an expression.

    Raises
    ------
    ValueError
        If ``method`` is not a :class:`Method`, or its name is taken and ``replace`` is False.
    """
    if not isinstance(method, Method):
        raise ValueError(f"register_method needs a Method entry; got {method!r}")
    if method.name in _REGISTRY and not replace:
        raise ValueError(
            f"a method called {method.name!r} is registered already; pass replace=True to "
            "replace it"
        )
    _REGISTRY[method.name] = method
    return method


def unregister_method(name: str) -> Method:
    """Remove the method called ``name`` from :data:`METHODS` and return its entry."""
    get_method(name)
    return _REGISTRY.pop(name)


register_method(
    Method(
        name="sader_jarvis",
        function=sader_jarvis,
        label="Sader\u2013Jarvis",
        short_label="SJ",
        uniform_grid=False,
        family="sader_jarvis",
        batched=True,
        row_norms=sader_jarvis_row_norms,
        energy=_sader_jarvis_energy,
        published=True,
        reference="docs/physics.md section 2; Sader & Jarvis, APL 84, 1801 (2004)",
    )
)
register_method(
    Method(
        name="matrix",
        function=matrix_method,
        label="matrix",
        short_label="matrix",
        uniform_grid=True,
        family="matrix",
        batched=True,
        row_norms=matrix_row_norms,
        published=True,
        reference="docs/physics.md section 3; Giessibl, APL 78, 123 (2001)",
    )
)
register_method(
    Method(
        name="matrix_resampled",
        function=matrix_resampled,
        label="matrix (resampled, integer A/d)",
        short_label="matrix-rs",
        uniform_grid=False,
        family="matrix",
        batched=True,
        row_norms=resampled_row_norms,
        reference="docs/physics.md section 6a",
    )
)
register_method(
    Method(
        name="matrix_exact",
        function=matrix_exact,
        label="matrix (exact weights)",
        short_label="matrix-ex",
        uniform_grid=False,
        family="matrix",
        batched=True,
        row_norms=exact_row_norms,
        reference="docs/physics.md section 6b",
    )
)
register_method(
    Method(
        name="regularized",
        function=regularized,
        label="regularised exact weights",
        short_label="reg",
        uniform_grid=True,
        family="matrix",
        batched=True,
        row_norms=regularized_row_norms,
        fit=regularized_method_fit,
        reference="docs/physics.md section 12",
    )
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
    except (KeyError, TypeError):
        import difflib

        close = [m for m in METHODS if m.startswith(str(name))] or difflib.get_close_matches(
            str(name), list(METHODS), n=1
        )
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(
            f"unknown deconvolution method {name!r}{hint}; known: {', '.join(METHODS)}"
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
