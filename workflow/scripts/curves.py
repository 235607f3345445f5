"""Rule curves: model, deconvolved and residual curves at the marked amplitudes."""

from fmdecon.pipeline import job
from fmdecon.study import Study, selected_curves, write_dataset

with job(snakemake) as (config, provenance):
    curves = selected_curves(Study(config), snakemake.wildcards.law)
    write_dataset(curves, snakemake.output[0], provenance)
