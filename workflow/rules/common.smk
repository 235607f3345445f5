# Shared set-up: validate the config before any job, build the study, target lists.
import json
import sys
from pathlib import Path

from fmdecon.study.config import ConfigError, validate_config
from fmdecon.welker2012.figures import available as available_figures
from fmdecon.study.provenance import source_hash
from fmdecon.study import Study

try:
    _validated = validate_config(config, source="config")
except ConfigError as error:
    sys.exit(f"fmdecon: {error}")
config.clear()
config.update(_validated)

STUDY = Study(config)
RESULTS = f"results/{STUDY.name}"
LAWS = list(STUDY.laws)
FIGURES = available_figures(config)
# Snakemake reruns a job when its params change; the source hash of the library makes every
# rule that uses fmdecon rerun when the library's code changes.
LIBRARY = source_hash()
CONDA_ENV = "../../envs/fmdecon.yaml"


def chunk_names(law):
    """(point, block) wildcard values of every chunk of a law."""
    return [f"p{p:04d}_b{b:04d}" for p, b in STUDY.chunks(law)]


def chunk_files(wildcards):
    """Deconvolution outputs that make up the cube of one law."""
    return [
        f"{RESULTS}/deconvolve/{wildcards.law}/{name}.nc" for name in chunk_names(wildcards.law)
    ]


def law_setup(wildcards):
    """Everything a chunk's numbers depend on, as JSON (a change reruns the chunk)."""
    sweep = STUDY.laws[wildcards.law]
    setup = {
        "values": sweep.values,
        "amplitudes": config["amplitudes"],
        "methods": config["methods"],
        "chunking": config["chunking"],
        "store_all": config["curves"]["store_all"],
    }
    return json.dumps(setup, sort_keys=True)


def curves_setup(wildcards):
    """What the marked-amplitude curves depend on, as JSON."""
    setup = json.loads(law_setup(wildcards))
    setup["figures"] = config["figures"].get(wildcards.law, {})
    return json.dumps(setup, sort_keys=True)


def study_setup(wildcards):
    """The validated config as JSON, but for the baseline diff settings (figures and the
    comparison table depend on all the rest)."""
    setup = {key: value for key, value in config.items() if key not in ("baseline", "diff")}
    return json.dumps(setup, sort_keys=True)


def chunk_memory_mb(wildcards):
    """Memory of one chunk job: its frequency-shift block plus interpreter overhead."""
    sweep = STUDY.laws[wildcards.law]
    point = sweep.point(int(wildcards.point[1:]))
    values = STUDY.amplitudes_per_job * int(point["points"]) * (2 + len(STUDY.methods))
    return 400 + values * 8 // 1_000_000


def chunk_runtime_min(wildcards):
    """Generous wall-time estimate [min] of a chunk job (cluster schedulers need one)."""
    point = STUDY.laws[wildcards.law].point(int(wildcards.point[1:]))
    curves = STUDY.amplitudes_per_job * len(STUDY.methods)
    seconds = 30 + curves * 5e-3 * int(point["points"]) / 5000
    return max(5, int(seconds / 60 * 3) + 1)


def figure_caption(wildcards):
    """Caption of a figure for the HTML report (workflow/report/<figure>.rst)."""
    path = Path(workflow.basedir) / "workflow" / "report" / f"{wildcards.figure}.rst"
    return path.read_text(encoding="utf-8")


def curve_files(wildcards=None):
    """Marked-amplitude curve files (laws that mark amplitudes)."""
    return [
        f"{RESULTS}/curves/{law}.nc"
        for law in LAWS
        if config["figures"].get(law, {}).get("marked_amplitudes")
    ]


def cube_files(wildcards=None):
    """Metric cube of every law."""
    return [f"{RESULTS}/metrics/{law}.nc" for law in LAWS]


def all_targets():
    """Every target of the workflow (the input of the default target)."""
    targets = cube_files() + curve_files()
    targets += [f"{RESULTS}/figures/{stem}.{ext}" for stem in FIGURES for ext in ("png", "pdf")]
    targets.append(f"{RESULTS}/paper_comparison.md")
    if config["baseline"]:
        targets.append(f"{RESULTS}/diff/baseline.md")
    return targets
