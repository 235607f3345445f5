"""Glue for the Snakemake rule scripts: logging, the job's parameters and its provenance.

Rule scripts read ``snakemake.params`` and ``snakemake.input`` only: the params are exactly the
values that make Snakemake rerun a job, so a script cannot depend on a config value that does
not trigger a rerun when it changes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from collections.abc import Iterator
from typing import Any

from fmdecon.study.provenance import provenance_attrs

__all__ = ["job", "json_param"]


def json_param(snakemake: Any, name: str) -> Any:
    """The rule parameter ``name``, given as JSON text by the workflow, decoded."""
    return json.loads(getattr(snakemake.params, name))


@contextlib.contextmanager
def job(snakemake: Any, setup: str = "study") -> Iterator[dict[str, str | int]]:
    """Run the body of a rule script with stderr and warnings going to the rule's log.

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake injects into ``script:`` files.
    setup : str, optional
        Name of the rule parameter (JSON) that holds what the job's outputs depend on; it is
        recorded as the ``config`` provenance attribute of every file the job writes.

    Yields
    ------
    dict
        Global attributes (provenance) for the files the job writes.
    """
    log = open(snakemake.log[0], "w", encoding="utf-8") if snakemake.log else sys.stderr  # noqa: SIM115
    saved = sys.stderr
    sys.stderr = log
    logging.captureWarnings(True)
    logging.basicConfig(stream=log, level=logging.INFO, force=True)
    try:
        config = json_param(snakemake, setup) if hasattr(snakemake.params, setup) else None
        yield provenance_attrs(config, rule=f"snakemake rule {snakemake.rule}")
    except ValueError as error:  # bad input (file, config): a clear message, no traceback
        logging.error("job %s failed: %s", snakemake.rule, error)
        print(f"fmdecon: rule {snakemake.rule}: {error}", file=saved)
        raise SystemExit(1) from None
    except Exception:  # a bug: keep the traceback
        logging.exception("job %s failed", snakemake.rule)
        raise
    finally:
        sys.stderr = saved
        if log is not saved:
            log.close()
