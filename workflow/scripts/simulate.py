"""Rule simulate: exact frequency-shift curves of one chunk (every point of a group)."""

from fmdecon.study.compute import simulate_group
from fmdecon.study.cube import write_groups
from fmdecon.study.pipeline import job, json_param
from fmdecon.study.sweep import Study

with job(snakemake) as provenance:
    study = Study(json_param(snakemake, "study"))
    group, block = int(snakemake.wildcards.group[1:]), int(snakemake.wildcards.block[1:])
    chunk = simulate_group(study, snakemake.wildcards.law, group, block)
    write_groups(chunk, snakemake.output[0], provenance)
