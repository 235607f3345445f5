"""Rule deconvolve: every method on every curve of a chunk, and the quality metrics."""

from fmdecon.study import deconvolve_chunk, open_dataset, write_dataset
from fmdecon.study.pipeline import job

with job(snakemake) as (config, provenance):
    simulated = open_dataset(snakemake.input[0])
    result = deconvolve_chunk(
        simulated, config["methods"], keep_curves=config["curves"]["store_all"]
    )
    write_dataset(result, snakemake.output[0], provenance)
