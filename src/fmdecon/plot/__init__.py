"""The plot layer: the house style of every figure, the figure entries and the writer.

Figures come from contributors, each a figure-body module and a catalog of registry entries
with the report captions beside it (``captions/<stem>.rst``): :mod:`fmdecon.welker2012` (the
paper's Figs 2-9), :mod:`fmdecon.beyond` (Figs 10, 11 and 15: every method side by side and
the well-posedness test) and :mod:`fmdecon.robustness` (Figs 12-14: noise and calibration).
Adding a figure = its body in a contributor's ``figures`` module + one entry and its caption.

Needs the ``study`` and ``plot`` extras; ``import fmdecon`` does not import this package.
Names are imported on first use: the registry (``FIGURES``, ``available``) loads no
matplotlib, so that the workflow can read it while building its job graph.

The one figure registry, which gathers the contributors' entries, is :mod:`fmdecon.figures`
(``FIGURES``, ``available``, ``draw``, ``render``, ``render_all``): above the contributors,
which use this package.

Figure entries (data only)
    FigureEntry                    -- an entry: body, title, caption, studies, what it needs
    study_kinds, STUDY_KINDS       -- noise-free, noise, calibration: what a figure applies to

Writing
    save                           -- the one writer of every figure (atomic, PDF metadata)
    image_format                   -- the image format of a path's suffix (or ValueError)

House style
    RC                             -- matplotlib settings (applied with ``rc_context``)
    SINGLE_COLUMN, DOUBLE_COLUMN   -- figure widths [in]
    PM, NM, PN, NN                 -- SI -> pm, nm, pN, nN
    METHOD_STYLES, method_style    -- line properties and legend label of each method
    format_amplitude, kappa_label, law_title -- text of an amplitude, a κ, a law
    new_figure, panel_letter       -- an empty figure on the Agg canvas; "(a)", "(b)", ...
    amplitude_axis, cod_limits, spike_lines -- shared axes: log A in pm, CoD range, A/d = n + ½
    shown_point, cube_methods      -- the point of a cube the figures show; its methods
"""

from __future__ import annotations

import importlib
from typing import Any

from fmdecon._optional import require

require("plot", "matplotlib")

#: Public names and the private module that defines each; imported on first use.
_EXPORTS = {
    "CALIBRATION": "_entry",
    "NOISE": "_entry",
    "NOISE_FREE": "_entry",
    "STUDY_KINDS": "_entry",
    "FigureEntry": "_entry",
    "study_kinds": "_entry",
    "METHOD_STYLES": "_lines",
    "method_style": "_lines",
    "DOUBLE_COLUMN": "_style",
    "NM": "_style",
    "NN": "_style",
    "PM": "_style",
    "PN": "_style",
    "RC": "_style",
    "SINGLE_COLUMN": "_style",
    "amplitude_axis": "_style",
    "cod_limits": "_style",
    "cube_methods": "_style",
    "format_amplitude": "_style",
    "kappa_label": "_style",
    "law_title": "_style",
    "new_figure": "_style",
    "panel_letter": "_style",
    "shown_point": "_style",
    "spike_lines": "_style",
    "image_format": "_render",
    "save": "_render",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"fmdecon.plot.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'fmdecon.plot' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
