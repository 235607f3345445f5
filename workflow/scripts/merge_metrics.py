"""Rule merge_metrics: assemble the metric cube of one force law from its chunks."""

from fmdecon.study.compute import merge
from fmdecon.study.cube import open_groups, write_dataset
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.sweep import Study

with job(snakemake) as provenance:
    chunks = [point for path in snakemake.input for point in open_groups(path).values()]
    cube = merge(Study(json_param(snakemake, "study")), snakemake.wildcards.law, chunks)
    write_dataset(cube, snakemake.output[0], provenance)
