"""Rule diff_baseline: compare this run's cubes with the baseline results directory."""

from pathlib import Path

from fmdecon.diff import diff_paths
from fmdecon.diff.report import render_markdown
from fmdecon.study.cube import write_text
from fmdecon.study.pipeline import job

with job(snakemake):
    new = Path(snakemake.input.cubes[0]).parent.parent  # results/<study>: metrics/ and curves/
    report = diff_paths(
        Path(snakemake.params.baseline),
        new,
        rtol=snakemake.params.rtol,
        atol=snakemake.params.atol,
    )
    write_text(snakemake.output[0], render_markdown(report))
