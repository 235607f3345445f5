"""Rule finalize_store: mark one law's zarr store complete (every chunk's region written)."""

import json

from fmdecon.study.cube import write_text
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.store import open_cube
from fmdecon.study.sweep import Study

with job(snakemake) as provenance:
    study = Study(json_param(snakemake, "study"))
    law = snakemake.wildcards.law
    open_cube(snakemake.input.store)  # readable: its consolidated metadata
    record = {"store": snakemake.input.store, "law": law, "chunks": len(snakemake.input.chunks)}
    write_text(snakemake.output[0], json.dumps(record | provenance, indent=1) + "\n")
