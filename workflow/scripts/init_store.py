"""Rule init_store: the layout of one law's zarr store (coordinates, attributes, metadata)."""

from fmdecon.study.pipeline import job, json_param
from fmdecon.study.store import init_store
from fmdecon.study.sweep import Study

with job(snakemake) as provenance:
    study = Study(json_param(snakemake, "study"))
    init_store(study, snakemake.wildcards.law, snakemake.output[0], provenance)
