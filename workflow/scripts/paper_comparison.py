"""Rule paper_comparison: the paper's numbers beside this pipeline's, as a Markdown table."""

from pathlib import Path

from fmdecon.study.cube import open_dataset, write_text
from fmdecon.study.pipeline import job, json_param
from fmdecon.welker2012.comparison import paper_comparison

with job(snakemake, setup="table"):
    cubes = {Path(p).stem: open_dataset(p) for p in snakemake.input.cubes}
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    table = paper_comparison(cubes, curves, json_param(snakemake, "table"))
    write_text(snakemake.output[0], table)
