"""Rule simulate: exact frequency-shift curves of one chunk."""

from fmdecon.study import Study, simulate, write_dataset
from fmdecon.study.pipeline import job

with job(snakemake) as (config, provenance):
    wildcards = snakemake.wildcards
    dataset = simulate(
        Study(config), wildcards.law, int(wildcards.point[1:]), int(wildcards.block[1:])
    )
    write_dataset(dataset, snakemake.output[0], provenance)
