"""Rule table: the paper's numbers beside this study's (or the noise summary), as Markdown."""

from pathlib import Path

from fmdecon.study.cube import open_dataset, write_text
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.store import open_cube

with job(snakemake, setup="table"):
    cubes = {Path(p).stem: open_cube(p) for p in snakemake.input.cubes}  # zarr: lazily
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    setup = json_param(snakemake, "table")
    if setup.get("perturbations"):
        from fmdecon.robustness.summary import noise_summary

        table = noise_summary(cubes, setup)
    else:
        from fmdecon.welker2012.comparison import paper_comparison

        table = paper_comparison(cubes, curves, setup)
    write_text(snakemake.output[0], table)
