"""Rule figures: render the figures of one job from the cubes (PNG and PDF)."""

from pathlib import Path

from fmdecon.figures import render_all
from fmdecon.study.cube import open_dataset
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.store import open_cube

with job(snakemake, setup="views"):
    cubes = {Path(p).stem: open_cube(p) for p in snakemake.input.cubes}  # zarr: lazily
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    views = json_param(snakemake, "views")
    render_all(list(snakemake.params.stems), cubes, curves, views, snakemake.params.outdir)
