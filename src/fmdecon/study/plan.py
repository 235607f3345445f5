"""The plan of a study before anything runs (``fmdecon plan``): points, chunks, jobs, CPU time,
wall time at a core count, memory per job, disk kept and temporary.

Every number comes from the cost model the workflow's rules use (:mod:`fmdecon.study.cost`):
the chunk jobs' estimates are :func:`~fmdecon.study.cost.law_chunk_costs`, the same closed
forms as the ``runtime`` and ``mem_mb`` of each chunk job, evaluated for all chunks at once
(no Python loop over the jobs: 10^5 points plan in about a second). The job list is the
workflow's (``workflow/rules``): a simulate and a deconvolve job per chunk (one Snakemake
group, i.e. one cluster submission), a merge per law, the marked-amplitude curves of each
law that marks amplitudes, :data:`FIGURE_JOBS` figure jobs, the table and, with a baseline,
the diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fmdecon.study.cost import (
    JOB_START_SECONDS,
    cube_bytes,
    law_chunk_costs,
    merge_memory_mb,
    seconds_per_point,
)
from fmdecon.study.sweep import Study

__all__ = [
    "FIGURE_JOBS",
    "LawPlan",
    "StudyPlan",
    "figure_parts",
    "plan_study",
    "render_plan",
]

#: Jobs that share the rendering of the figures (workflow/rules/figures.smk).
FIGURE_JOBS = 2
#: CPU seconds of rendering one figure as PNG and PDF (docs/benchmarks.md: 11 figures in
#: 2 jobs of 4.4 s, start-up included).
SECONDS_PER_FIGURE = 0.7
#: Rate at which the merge job reads the chunks and writes the cube [bytes/s] (rough).
MERGE_BYTES_PER_SECOND = 100e6
#: Memory requested of the metadata-only store jobs (init_store, finalize_store) [MB].
STORE_JOB_MB = 1000


def figure_parts(stems: Sequence[str]) -> list[list[str]]:
    """The figures of each rendering job (alternating, so that the costly curve figures are
    spread over the jobs); no job without figures."""
    parts = [list(stems[i::FIGURE_JOBS]) for i in range(FIGURE_JOBS)]
    return [part for part in parts if part]


@dataclass(frozen=True)
class LawPlan:
    """The chunk jobs of one force law.

    Attributes
    ----------
    law : str
        Force law.
    points, points_per_job, groups, blocks, chunks : int
        Parameter points, points of one job, point groups, amplitude blocks, chunks
        (groups x blocks).
    cpu_seconds : float
        Estimated CPU seconds of all its chunks (simulate + deconvolve, start-ups included).
    longest_seconds : float
        Estimate of its longest chunk [s].
    mem_mb_max, mem_mb_typical : int
        Largest and median memory of its chunk jobs [MB] (as requested by the rules).
    runtime_min_max : int
        Longest runtime requested of a chunk job [min].
    temporary_bytes, temporary_max_bytes : int
        Frequency-shift files of all its chunks, and of its largest chunk [bytes].
    chunk_bytes : int
        Metric files of all its chunks (deconvolve outputs, kept) [bytes].
    cube_bytes : int
        Its metric cube [bytes].
    merge_mb : int
        Memory requested of its merge job [MB].
    """

    law: str
    points: int
    points_per_job: int
    groups: int
    blocks: int
    chunks: int
    cpu_seconds: float
    longest_seconds: float
    mem_mb_max: int
    mem_mb_typical: int
    runtime_min_max: int
    temporary_bytes: int
    temporary_max_bytes: int
    chunk_bytes: int
    cube_bytes: int
    merge_mb: int


@dataclass(frozen=True)
class StudyPlan:
    """What a study costs, from the cost model.

    Attributes
    ----------
    study : str
        Study name.
    cores : int
        Cores the wall time is estimated for.
    laws : list of LawPlan
        The chunk jobs of each law.
    jobs : dict of str to int
        Jobs per rule (as ``snakemake -n`` counts them).
    submissions : int
        Cluster submissions (a chunk's simulate and deconvolve jobs are one group).
    post_seconds : dict of str to float
        Estimated CPU seconds of the jobs after the chunks, per rule.
    store_all : bool
        ``curves.store_all``: the frequency-shift files are kept.
    mem_mb_typical : int
        Median memory of all chunk jobs [MB].
    storage : str
        ``storage``: "netcdf" (a merge job per law) or "zarr" (a store per law, written by
        the chunk jobs; metadata-only jobs before and after them).
    """

    study: str
    cores: int
    laws: list[LawPlan]
    jobs: dict[str, int]
    submissions: int
    post_seconds: dict[str, float] = field(default_factory=dict)
    store_all: bool = False
    mem_mb_typical: int = 0
    storage: str = "netcdf"

    @property
    def points(self) -> int:
        """Parameter points of all laws."""
        return sum(law.points for law in self.laws)

    @property
    def chunks(self) -> int:
        """Chunks of all laws."""
        return sum(law.chunks for law in self.laws)

    @property
    def cpu_seconds(self) -> float:
        """Estimated CPU seconds of every job."""
        return sum(law.cpu_seconds for law in self.laws) + sum(self.post_seconds.values())

    @property
    def wall_seconds(self) -> float:
        """Estimated wall time [s] at :attr:`cores`: the chunk jobs spread over the cores
        (their CPU time over the cores, at least the longest chunk: within a factor 2 of the
        best schedule), then the merges side by side, then the figures and the table side
        by side."""
        chunk_cpu = sum(law.cpu_seconds for law in self.laws)
        longest = max(law.longest_seconds for law in self.laws)
        merge = sum(
            self.post_seconds.get(rule, 0.0) for rule in ("merge_metrics", "finalize_store")
        ) / max(1, len(self.laws))
        tail = max(
            self.post_seconds.get("figures", 0.0) / max(1, self.jobs.get("figures", 1)),
            self.post_seconds.get("table", 0.0),
        )
        return max(chunk_cpu / self.cores, longest) + merge + tail


def plan_study(study: Study, cores: int, figures: Sequence[str] = ()) -> StudyPlan:
    """The plan of a study from the cost model.

    Parameters
    ----------
    study : Study
        The study.
    cores : int
        Cores for the wall-time estimate (> 0).
    figures : sequence of str
        The figure stems the study makes (:func:`fmdecon.figures.available`).

    Returns
    -------
    StudyPlan
    """
    if cores < 1:
        raise ValueError(f"cores must be >= 1; got {cores}")
    laws: list[LawPlan] = []
    zarr = study.storage == "zarr"
    post = {"curves": 0.0, "figures": 0.0, "table": JOB_START_SECONDS}
    if not zarr:
        post["merge_metrics"] = 0.0
    marking = 0
    memory: list[np.ndarray] = []
    for law in study.laws:
        cost = law_chunk_costs(study, law)
        memory.append(cost["mem_mb"].ravel())
        cube = cube_bytes(study, law)
        laws.append(
            LawPlan(
                law=law,
                points=study.laws[law].n_points,
                points_per_job=study.points_per_job_of(law),
                groups=study.n_groups(law),
                blocks=study.n_blocks,
                chunks=int(cost["seconds"].size),
                cpu_seconds=float(cost["seconds"].sum()),
                longest_seconds=float(cost["seconds"].max()),
                mem_mb_max=int(cost["mem_mb"].max()),
                mem_mb_typical=int(np.median(cost["mem_mb"])),
                runtime_min_max=int(cost["runtime_min"].max()),
                temporary_bytes=int(cost["temporary_bytes"].sum()),
                temporary_max_bytes=int(cost["temporary_bytes"].max()),
                chunk_bytes=0 if zarr else int(cost["kept_bytes"].sum()),
                cube_bytes=cube,
                merge_mb=STORE_JOB_MB if zarr else merge_memory_mb(study, law),
            )
        )
        if zarr:  # the store's layout, then its completion marker: metadata only
            post["init_store"] = post.get("init_store", 0.0) + JOB_START_SECONDS
            post["finalize_store"] = post.get("finalize_store", 0.0) + JOB_START_SECONDS
        else:
            post["merge_metrics"] += JOB_START_SECONDS + 2 * cube / MERGE_BYTES_PER_SECOND
        marked = study.figure_view(law)[1]
        if marked:
            marking += 1
            largest = int(max(study.laws[law].values["points"]))
            post["curves"] += JOB_START_SECONDS + seconds_per_point(
                study, law, largest, len(marked)
            )
    parts = figure_parts(list(figures))
    post["figures"] = len(parts) * JOB_START_SECONDS + len(figures) * SECONDS_PER_FIGURE
    chunks = sum(law.chunks for law in laws)
    jobs = {"init_store": len(laws)} if zarr else {}
    jobs |= {"simulate": chunks, "deconvolve": chunks}
    jobs |= {"finalize_store": len(laws)} if zarr else {"merge_metrics": len(laws)}
    jobs |= {
        "curves": marking,
        "figures": len(parts),
        "table": 1,
    }
    if study.config.get("baseline"):
        jobs["diff_baseline"] = 1
        post["diff_baseline"] = JOB_START_SECONDS
    jobs["all"] = 1
    singles = sum(n for rule, n in jobs.items() if rule not in ("simulate", "deconvolve", "all"))
    return StudyPlan(
        study=study.name,
        cores=cores,
        laws=laws,
        jobs=jobs,
        submissions=chunks + singles,
        post_seconds=post,
        store_all=bool(study.config["curves"]["store_all"]),
        mem_mb_typical=int(np.median(np.concatenate(memory))),
        storage=study.storage,
    )


def duration(seconds: float) -> str:
    """A duration in s, min or h (three significant figures at most)."""
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


def size(nbytes: float) -> str:
    """A size in kB, MB, GB or TB (decimal units)."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{int(nbytes)} B"


def _memory(mb: float) -> str:
    return size(mb * 1e6)


def render_plan(plan: StudyPlan, source: str = "") -> str:
    """The plan as the text ``fmdecon plan`` prints (human units)."""
    where = f" ({source})" if source else ""
    lines = [f"fmdecon plan: study {plan.study}{where}, estimated for {plan.cores} cores", ""]
    header = ("law", "points", "per job", "chunks", "CPU", "longest chunk", "memory max/typ")
    rows = [
        (
            law.law,
            f"{law.points}",
            f"{law.points_per_job}",
            f"{law.chunks} ({law.groups} x {law.blocks})",
            duration(law.cpu_seconds),
            duration(law.longest_seconds),
            f"{_memory(law.mem_mb_max)} / {_memory(law.mem_mb_typical)}",
        )
        for law in plan.laws
    ]
    if len(plan.laws) > 1:
        rows.append(
            (
                "total",
                f"{plan.points}",
                "",
                f"{plan.chunks}",
                duration(sum(law.cpu_seconds for law in plan.laws)),
                duration(max(law.longest_seconds for law in plan.laws)),
                "",
            )
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines.append(
        "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    )
    lines += [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    jobs = sum(plan.jobs.values())
    parts = " + ".join(f"{n} {rule}" for rule, n in plan.jobs.items() if n)
    cpu = plan.cpu_seconds
    merge_mb = max(law.merge_mb for law in plan.laws)
    runtime = max(law.runtime_min_max for law in plan.laws)
    kept = sum(law.cube_bytes for law in plan.laws)
    chunk_files = sum(law.chunk_bytes for law in plan.laws)
    temporary = sum(law.temporary_bytes for law in plan.laws)
    largest_temp = max(law.temporary_max_bytes for law in plan.laws)
    at_once = min(plan.cores, plan.chunks) * largest_temp
    lines += [
        "",
        f"parameter points  {plan.points} ({', '.join(f'{x.points} {x.law}' for x in plan.laws)})",
        f"chunks            {plan.chunks}",
        f"jobs              {jobs}: {parts}",
        f"                  {plan.submissions} cluster submissions (a chunk's simulate and "
        "deconvolve are one group)",
        f"CPU time          {cpu / 3600:.3g} CPU-h (chunks "
        f"{duration(cpu - sum(plan.post_seconds.values()))}, after them "
        f"{duration(sum(plan.post_seconds.values()))})",
        f"wall time         {duration(plan.wall_seconds)} at {plan.cores} cores (no queueing)",
        f"memory per job    chunk jobs max {_memory(max(x.mem_mb_max for x in plan.laws))}, "
        f"typical {_memory(plan.mem_mb_typical)}; "
        + (
            f"init_store, finalize_store {_memory(merge_mb)} (metadata only)"
            if plan.storage == "zarr"
            else f"merge_metrics {_memory(merge_mb)} (the whole cube)"
        ),
        f"requested         chunk runtime up to {runtime} min (3 x the estimate + 1 min, "
        "at least 5)",
        f"disk kept         cubes {size(kept)} "
        f"({', '.join(f'{x.law} {size(x.cube_bytes)}' for x in plan.laws)}"
        + (
            "; zarr stores, compressed: at most this)"
            if plan.storage == "zarr"
            else f"); chunk metric files {size(chunk_files)}"
        ),
    ]
    if plan.store_all:
        lines.append(
            f"                  simulated curves {size(temporary)} (kept: curves.store_all)"
        )
    else:
        lines.append(
            f"disk temporary    simulated curves {size(temporary)} in all, "
            f"at most ~{size(at_once)} at once (each deleted after its chunk's "
            "deconvolution; curves.store_all keeps them)"
        )
    return "\n".join(lines) + "\n"
