"""Rule deconvolve: every method on every curve of a chunk, and the quality metrics (as the
chunk's file, or with zarr storage as its region of the law's store and then its marker)."""

import json

from fmdecon.study.compute import deconvolve_chunk
from fmdecon.study.cube import open_groups, write_groups, write_text
from fmdecon.study.perturb import Perturbations
from fmdecon.study.pipeline import job, json_param

with job(snakemake) as provenance:
    setup = json_param(snakemake, "study")
    methods, keep_curves = setup["methods"], setup["curves"]["store_all"]
    perturbations = Perturbations.from_config(setup)
    chunk = {
        name: deconvolve_chunk(simulated, methods, keep_curves, perturbations)
        for name, simulated in open_groups(snakemake.input.simulated).items()
    }
    if setup.get("storage") == "zarr":
        from fmdecon.study.store import write_region
        from fmdecon.study.sweep import Study

        law, wildcards = snakemake.wildcards.law, snakemake.wildcards
        group, block = int(wildcards.group[1:]), int(wildcards.block[1:])
        store = snakemake.input.store[0]
        write_region(Study(setup), law, group, block, list(chunk.values()), store)
        # the marker last: a job killed before it leaves no output, and is run again
        record = {"store": store, "law": law, "group": group, "block": block}
        write_text(snakemake.output[0], json.dumps(record | provenance, indent=1) + "\n")
    else:
        write_groups(chunk, snakemake.output[0], provenance)
