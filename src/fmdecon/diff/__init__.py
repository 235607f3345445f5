"""Compare two metric cubes (or two results directories): data within tolerance, provenance.

:mod:`~fmdecon.diff.model` holds the report dataclasses and the definitions of the relative
difference and the tolerance, :mod:`~fmdecon.diff.compare` does the comparison (alignment,
``z`` grids, tolerance), :mod:`~fmdecon.diff.report` renders text, markdown and JSON
(``render_text``, ``render_markdown``, ``to_json``; display units and ``format_coord``),
:mod:`~fmdecon.diff.plot` draws ``--plot`` (the only module importing matplotlib). Imports
run one way, ``model`` at the bottom::

    compare -> model
    report  -> model
    plot    -> compare, model, report

Used by ``fmdecon diff`` (:mod:`fmdecon.cli`) and the pipeline's ``diff_baseline`` rule.
"""

from fmdecon.diff.compare import (
    MAX_POINTS,
    PROVENANCE_KEYS,
    DiffError,
    diff_datasets,
    diff_paths,
)
from fmdecon.diff.model import (
    DiffReport,
    FileDiff,
    GridDiff,
    PointDiff,
    ProvenanceDiff,
    VariableDiff,
)
from fmdecon.study.cube import write_atomic, write_text

__all__ = [
    "MAX_POINTS",
    "PROVENANCE_KEYS",
    "DiffError",
    "DiffReport",
    "FileDiff",
    "GridDiff",
    "PointDiff",
    "ProvenanceDiff",
    "VariableDiff",
    "diff_datasets",
    "diff_paths",
    "plot_diff",
    "plot_format",
    "write_atomic",
    "write_text",
]


def __getattr__(name: str) -> object:
    """``plot_diff`` and ``plot_format`` on first use, so matplotlib loads only for plots."""
    if name in ("plot_diff", "plot_format"):
        from fmdecon.diff import plot

        return getattr(plot, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
