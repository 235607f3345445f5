"""How each deconvolution method is drawn: matplotlib line properties by method name, plain data
(no matplotlib import), used by every figure and plot of fmdecon."""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from fmdecon.methods import METHODS

__all__ = ["METHOD_STYLES", "method_style"]

#: Matplotlib line properties (``color``, ``linestyle``, ``lw``) of each method, by registry
#: name (:data:`fmdecon.methods.METHODS`).
METHOD_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "sader_jarvis": MappingProxyType({"color": "C0", "linestyle": "-", "lw": 1.1}),
        "matrix": MappingProxyType({"color": "C3", "linestyle": "-", "lw": 0.8}),
        "matrix_resampled": MappingProxyType({"color": "C2", "linestyle": "--", "lw": 0.9}),
        "matrix_exact": MappingProxyType({"color": "C1", "linestyle": "-", "lw": 0.9}),
        "regularized": MappingProxyType({"color": "C4", "linestyle": "-", "lw": 1.3}),
    }
)

#: Line styles that separate fallback styles once the free colours are used up.
_FALLBACK_LINESTYLES = ("-", "--", "-.", ":")


def _fallback(method: str) -> dict[str, Any]:
    """A method without an entry: the next colour of the cycle that no entry uses, counted over
    the unstyled methods in registry order (an unregistered name: by a hash of the name), then
    the next line style once those colours are used up."""
    used = {str(style["color"]) for style in METHOD_STYLES.values()}
    free = [f"C{i}" for i in range(10) if f"C{i}" not in used]
    unstyled = [name for name in METHODS if name not in METHOD_STYLES]
    index = unstyled.index(method) if method in unstyled else zlib.crc32(method.encode())
    linestyle = _FALLBACK_LINESTYLES[index // len(free) % len(_FALLBACK_LINESTYLES)]
    return {"color": free[index % len(free)], "linestyle": linestyle, "lw": 1.0}


def method_style(method: str) -> dict[str, Any]:
    """Line properties and legend label of a method, to pass to ``Axes.plot``.

    Parameters
    ----------
    method : str
        Registry name of the method (:data:`fmdecon.methods.METHODS`).

    Returns
    -------
    dict
        ``color``, ``linestyle`` and ``lw`` from :data:`METHOD_STYLES` (a method without an
        entry: the next colour of the cycle that no entry uses, the same in every figure) and
        ``label``, the registry label.
    """
    style = dict(METHOD_STYLES[method]) if method in METHOD_STYLES else _fallback(method)
    entry = METHODS.get(method)
    return {**style, "label": entry.label if entry is not None else method.replace("_", " ")}
