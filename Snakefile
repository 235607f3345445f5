# fmdecon study pipeline: config -> frequency-shift curves -> deconvolved forces -> metric
# cubes -> figures, paper comparison and report. Run `make results` (paper study) or
#   .venv/bin/snakemake --cores 2 --configfile config/<study>.yaml
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/deconvolve.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/diff.smk"


rule all:
    input:
        all_targets(),
    default_target: True
