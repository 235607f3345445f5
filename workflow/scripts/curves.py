"""Rule curves: model, deconvolved and residual curves at the marked amplitudes."""

from fmdecon.study import Study, selected_curves, write_dataset
from fmdecon.study.pipeline import job

with job(snakemake) as (config, provenance):
    study = Study(config)
    law = snakemake.wildcards.law
    curves = selected_curves(study, law, *study.figure_view(law))
    write_dataset(curves, snakemake.output[0], provenance)
