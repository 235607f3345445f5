# Shared set-up: validate the config before any job, build the study, target lists and the
# parameters of every rule (rule scripts read only their params and inputs).
import json
import sys
from pathlib import Path

from fmdecon.figures import FIGURES as FIGURE_ENTRIES
from fmdecon.figures import available as available_figures
from fmdecon.study.config import ConfigError, validate_config
from fmdecon.study.cost import chunk_cost, merge_memory_mb
from fmdecon.study.plan import figure_parts as split_figures
from fmdecon.study.provenance import source_hash
from fmdecon.study.summary import study_summary
from fmdecon.study.sweep import Study

try:
    _validated = validate_config(config, source="config")
except ConfigError as error:
    sys.exit(f"fmdecon: {error}")
config.clear()
config.update(_validated)

STUDY = Study(config)
PERTURBATIONS = STUDY.perturbations
RESULTS = f"results/{STUDY.name}"
LAWS = list(STUDY.laws)
# the figures this study makes (the registry reads no matplotlib: cheap while building the DAG)
FIGURES = available_figures(config)
#: the generated table: the paper's claims, or for perturbed studies the noise summary
TABLE_FILE = f"{RESULTS}/{'noise_summary' if PERTURBATIONS else 'paper_comparison'}.md"
# Snakemake reruns a job when its params change; the source hash of the library makes every
# rule that uses fmdecon rerun when the library's code changes.
LIBRARY = source_hash()
CONDA_ENV = "../../envs/fmdecon.yaml"
# what the figures and the comparison table show of each law (point, marked amplitudes)
VIEWS = json.dumps(config["figures"], sort_keys=True)
# what report captions say of the study (Jinja2 templates: the figures' beside their registry
# entries, the tables' in workflow/report/)
CAPTION = study_summary(config)
# ... and, for the comparison table's header, the study's name
TABLE = json.dumps(
    {key: config[key] for key in ("study", "figures", "perturbations") if key in config},
    sort_keys=True,
)


#: how the cubes are stored: one netCDF file per law merged from the chunks, or one zarr
#: store per law that each chunk job writes its region of (fmdecon.study.store)
ZARR = STUDY.storage == "zarr"
#: what a deconvolve job leaves: its chunk's metrics (netCDF), or the marker that its region
#: of the store is written (zarr; written after the region, so a killed job reruns)
CHUNK_OUTPUT = f"{RESULTS}/deconvolve/{{law}}/{{group}}_{{block}}.{'done' if ZARR else 'nc'}"


def job_names(law):
    """(group, block) wildcard values of every job of a law."""
    return [f"g{g:04d}_b{b:04d}" for g, b in STUDY.jobs(law)]


def chunk_files(wildcards):
    """Deconvolution outputs that make up the cube of one law (chunk files or markers)."""
    suffix = "done" if ZARR else "nc"
    return [
        f"{RESULTS}/deconvolve/{wildcards.law}/{name}.{suffix}"
        for name in job_names(wildcards.law)
    ]


def store_input(wildcards):
    """The law's zarr store a deconvolve job writes into (none with netCDF storage)."""
    return [f"{RESULTS}/metrics/{wildcards.law}.zarr"] if ZARR else []


def _law_config(law):
    """The validated config reduced to one law: what that law's numbers depend on."""
    keys = ("study", "sensor", "grid", "amplitudes", "methods", "chunking", "curves")
    setup = {key: config[key] for key in keys} | {"laws": {law: config["laws"][law]}}
    if ZARR:  # (not for netCDF: the jobs of earlier netCDF runs keep their parameters)
        setup["storage"] = config["storage"]
    if config.get("perturbations"):
        setup["perturbations"] = config["perturbations"]
    return setup


def law_study(wildcards):
    """Rule parameter: the study of one law as JSON (a change reruns its jobs)."""
    return json.dumps(_law_config(wildcards.law), sort_keys=True)


def curves_study(wildcards):
    """Rule parameter: the study of one law and what its curve figures show, as JSON."""
    view = {wildcards.law: config["figures"].get(wildcards.law, {})}
    return json.dumps(_law_config(wildcards.law) | {"figures": view}, sort_keys=True)


def _chunk(wildcards):
    """The cost model's estimate of one chunk (from its own points only: linear planning)."""
    group, block = int(wildcards.group[1:]), int(wildcards.block[1:])
    return chunk_cost(STUDY, wildcards.law, group, block)


def chunk_memory_mb(wildcards):
    """Memory [MB] of one chunk job (fmdecon.study.cost.chunk_cost, as `fmdecon plan`)."""
    return _chunk(wildcards).mem_mb


def chunk_runtime_min(wildcards):
    """Generous wall time [min] of one chunk job (cluster schedulers need one)."""
    return _chunk(wildcards).runtime_min


def merge_mem_mb(wildcards):
    """Memory [MB] of the merge job of one law (the whole cube in one process)."""
    return merge_memory_mb(STUDY, wildcards.law)


def curve_files(wildcards=None):
    """Marked-amplitude curve files (laws that mark amplitudes)."""
    return [
        f"{RESULTS}/curves/{law}.nc"
        for law in LAWS
        if config["figures"].get(law, {}).get("marked_amplitudes")
    ]


def cube_files(wildcards=None):
    """Metric cube of every law (netCDF file or zarr store)."""
    return [f"{RESULTS}/metrics/{law}.{'zarr' if ZARR else 'nc'}" for law in LAWS]


def complete_files(wildcards=None):
    """Zarr storage: the markers that every region of each law's store is written."""
    return [f"{RESULTS}/metrics/{law}.zarr.complete" for law in LAWS] if ZARR else []


def figure_parts():
    """The figures of each rendering job (fmdecon.study.plan.figure_parts, as `fmdecon plan`
    counts them)."""
    return split_figures(FIGURES)


def figure_outputs(stems):
    """The figures ``stems`` as PNG (in the report, with the caption and title of their
    registry entry) and PDF."""
    outputs = []
    for stem in stems:
        entry = FIGURE_ENTRIES[stem]
        png = f"{RESULTS}/figures/{stem}.png"
        labels = {"figure": stem.split("_")[0], "shows": entry.title}
        outputs.append(report(png, caption=str(entry.caption), category="Figures", labels=labels))
        outputs.append(f"{RESULTS}/figures/{stem}.pdf")
    return outputs


def output_folder(wildcards, output):
    """Rule parameter: the folder of a rule's first output."""
    return str(Path(output[0]).parent)


def all_targets():
    """Every target of the workflow (the input of the default target)."""
    targets = cube_files() + complete_files() + curve_files()
    targets += [f"{RESULTS}/figures/{stem}.{ext}" for stem in FIGURES for ext in ("png", "pdf")]
    targets.append(TABLE_FILE)
    if config["baseline"]:
        targets.append(f"{RESULTS}/diff/baseline.md")
    return targets
