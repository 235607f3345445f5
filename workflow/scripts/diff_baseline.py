"""Rule diff_baseline: compare this run's cubes with the baseline results directory."""

import os
from pathlib import Path

from fmdecon.diff import diff_paths
from fmdecon.study.pipeline import job

with job(snakemake) as (config, provenance):
    new = Path(snakemake.input.cubes[0]).parent.parent  # results/<study>: metrics/ and curves/
    report = diff_paths(
        Path(snakemake.params.baseline),
        new,
        rtol=snakemake.params.rtol,
        atol=snakemake.params.atol,
    )
    output = Path(snakemake.output[0])
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(report.to_markdown(), encoding="utf-8")
    os.replace(tmp, output)
