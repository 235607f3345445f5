"""Rule paper_comparison: the paper's numbers beside this pipeline's, as a Markdown table."""

import os
from pathlib import Path

from fmdecon.study import open_dataset
from fmdecon.study.pipeline import job
from fmdecon.welker2012.comparison import paper_comparison

with job(snakemake) as (config, provenance):
    cubes = {Path(p).stem: open_dataset(p) for p in snakemake.input.cubes}
    curves = {Path(p).stem: open_dataset(p) for p in snakemake.input.curves}
    output = Path(snakemake.output[0])
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(paper_comparison(cubes, curves, config), encoding="utf-8")
    os.replace(tmp, output)
