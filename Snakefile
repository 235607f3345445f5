# fmdecon study pipeline: config -> frequency-shift curves -> deconvolved forces -> metric
# cubes -> figures, paper comparison and report. Run `make results` (paper study) or
#   .venv/bin/snakemake --cores 2 --configfile config/<study>.yaml
from snakemake.utils import min_version

min_version("9.0")


# The paper's study is the default. A study given with --configfile replaces it whole (no
# merging: a key left out of a study file must not silently come from the paper's config).
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config/config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    law="|".join(LAWS),
    group=r"g\d{4}",
    block=r"b\d{4}",
    figure="|".join(FIGURES) if FIGURES else "no_figures",


include: "workflow/rules/simulate.smk"
include: "workflow/rules/deconvolve.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/diff.smk"


rule all:
    default_target: True
    input:
        all_targets(),
