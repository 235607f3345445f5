"""Rule figures: render every figure of the study from the cubes (PNG and PDF), in one job."""

from pathlib import Path

from fmdecon.study.cube import open_dataset
from fmdecon.study.pipeline import job, json_param

with job(snakemake, setup="views"):
    cubes = {Path(p).stem: open_dataset(p) for p in snakemake.input.cubes}
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    views = json_param(snakemake, "views")
    outdir = Path(snakemake.params.outdir)
    stems = list(snakemake.params.stems)
    if snakemake.params.perturbed:  # noise and calibration studies (Figs 12-14)
        from fmdecon.robustness.figures import render_all

        render_all(stems, cubes, views, outdir)
    else:  # Welker et al. (2012) Figs 2-9 and the methods beyond the paper (Figs 10-11)
        from fmdecon.welker2012.figures import render_all

        render_all(stems, cubes, curves, views, outdir)
