"""Rule curves: model, deconvolved and residual curves at the marked amplitudes."""

from fmdecon.study.compute import selected_curves
from fmdecon.study.cube import write_dataset
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.sweep import Study

with job(snakemake) as provenance:
    study = Study(json_param(snakemake, "study"))
    law = snakemake.wildcards.law
    curves = selected_curves(study, law, *study.figure_view(law))
    write_dataset(curves, snakemake.output[0], provenance)
