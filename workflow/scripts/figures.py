"""Rule figures: render every figure of the study from the cubes (PNG and PDF), in one job."""

from pathlib import Path

from fmdecon.study.cube import open_dataset
from fmdecon.study.pipeline import job, json_param
from fmdecon.welker2012.figures import render_all

with job(snakemake, setup="views"):
    cubes = {Path(p).stem: open_dataset(p) for p in snakemake.input.cubes}
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    views = json_param(snakemake, "views")
    render_all(snakemake.params.stems, cubes, curves, views, Path(snakemake.params.outdir))
