"""Glue for the Snakemake scripts: logging, validated config and provenance of one job."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from typing import Any

from fmdecon.study.config import validate_config
from fmdecon.study.provenance import provenance_attrs

__all__ = ["job"]


@contextlib.contextmanager
def job(snakemake: Any) -> Iterator[tuple[dict[str, Any], dict[str, str | int]]]:
    """Run the body of a rule script with stderr and warnings going to the rule's log.

    Parameters
    ----------
    snakemake : snakemake.script.Snakemake
        The object Snakemake injects into ``script:`` files.

    Yields
    ------
    config : dict
        The validated study configuration.
    provenance : dict
        Global attributes for the files the job writes.
    """
    log = open(snakemake.log[0], "w", encoding="utf-8") if snakemake.log else sys.stderr  # noqa: SIM115
    saved = sys.stderr
    sys.stderr = log
    logging.captureWarnings(True)
    logging.basicConfig(stream=log, level=logging.INFO, force=True)
    try:
        config = validate_config(snakemake.config)
        yield config, provenance_attrs(config, rule=f"snakemake rule {snakemake.rule}")
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
