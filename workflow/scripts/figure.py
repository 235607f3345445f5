"""Rule figure: render one figure of the paper from the cubes (PNG and PDF)."""

from pathlib import Path

from fmdecon.study import open_dataset
from fmdecon.study.pipeline import job
from fmdecon.welker2012.figures import render

with job(snakemake) as (config, provenance):
    cubes = {Path(p).stem: open_dataset(p) for p in snakemake.input.cubes}
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    render(
        snakemake.wildcards.figure,
        cubes,
        curves,
        config,
        png=Path(snakemake.output.png),
        pdf=Path(snakemake.output.pdf),
    )
