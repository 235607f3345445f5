"""Rule merge_metrics: assemble the metric cube of one force law from its chunks."""

from fmdecon.study import Study, merge, open_dataset, write_dataset
from fmdecon.study.pipeline import job

with job(snakemake) as (config, provenance):
    chunks = [open_dataset(path) for path in snakemake.input]
    cube = merge(Study(config), snakemake.wildcards.law, chunks)
    write_dataset(cube, snakemake.output[0], provenance)
