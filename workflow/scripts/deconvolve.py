"""Rule deconvolve: every method on every curve of a chunk, and the quality metrics."""

from fmdecon.study.compute import deconvolve_chunk
from fmdecon.study.cube import open_groups, write_groups
from fmdecon.study.perturb import Perturbations
from fmdecon.study.pipeline import job, json_param

with job(snakemake) as provenance:
    setup = json_param(snakemake, "study")
    methods, keep_curves = setup["methods"], setup["curves"]["store_all"]
    perturbations = Perturbations.from_config(setup)
    chunk = {
        name: deconvolve_chunk(simulated, methods, keep_curves, perturbations)
        for name, simulated in open_groups(snakemake.input[0]).items()
    }
    write_groups(chunk, snakemake.output[0], provenance)
