"""Copy generated results into docs/ (run by `make docs`).

* results/<study>/figures/*.png -> docs/figures/
* results/<study>/paper_comparison.md -> docs/comparison.md between the `comparison` markers
* benchmark outputs (if given) -> docs/benchmarks.md between the `bench`, `batched`,
  `measured_batch`, `scaling`, `regularized`, `planning`, `long_curves` and `grid` markers
* results/<noise study>/noise_summary.md (if given) -> docs/<study>_summary.md
* `fmdecon plan` of config/config.yaml and config/cluster.yaml -> docs/cluster.md, of
  config/extended.yaml -> docs/studies.md (the `plan` and `plan_extended` markers; the plan
  needs no results, only the configs)

Nothing here is typed by hand: docs/ shows what the pipeline and benchmarks printed. The
README holds no generated block; it links to these files.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: Where each generated block goes: marker -> file (relative to the repository).
BLOCKS = {
    "comparison": "docs/comparison.md",
    "bench": "docs/benchmarks.md",
    "batched": "docs/benchmarks.md",
    "measured_batch": "docs/benchmarks.md",
    "scaling": "docs/benchmarks.md",
    "regularized": "docs/benchmarks.md",
    "planning": "docs/benchmarks.md",
    "long_curves": "docs/benchmarks.md",
    "plan": "docs/cluster.md",
    "plan_extended": "docs/studies.md",
    "grid": "docs/benchmarks.md",
}

#: The plans shown in the docs: marker -> (config, cores) of each `fmdecon plan` call.
PLANS = {
    "plan": (("config/config.yaml", 2), ("config/cluster.yaml", 256)),
    "plan_extended": (("config/extended.yaml", 2),),
}


def plan_blocks() -> dict[str, str]:
    """The output of `fmdecon plan` for :data:`PLANS`, as fenced blocks with the command."""
    import contextlib
    import io

    from fmdecon.cli import main as fmdecon

    blocks = {}
    for marker, calls in PLANS.items():
        parts = []
        for config, cores in calls:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = fmdecon(["plan", config, "--cores", str(cores)])
            if status != 0:
                raise SystemExit(f"update_docs: fmdecon plan {config} failed ({status})")
            parts.append(f"$ fmdecon plan {config} --cores {cores}\n{out.getvalue()}")
        blocks[marker] = "```\n" + "\n".join(parts).rstrip("\n") + "\n```"
    return blocks


def splice(text: str, marker: str, content: str, name: str = "the text") -> str:
    """Replace what stands between ``<!-- marker: begin -->`` and ``<!-- marker: end -->``."""
    pattern = re.compile(
        rf"(<!-- {marker}: begin -->\n).*?(<!-- {marker}: end -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"update_docs: {name} has no '{marker}' markers")
    return pattern.sub(lambda m: m.group(1) + content.rstrip() + "\n" + m.group(2), text)


def code_block(path: Path) -> str:
    """The text output of a benchmark as a fenced block."""
    return "```\n" + path.read_text(encoding="utf-8").rstrip("\n") + "\n```"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--study", default="paper")
    parser.add_argument("--bench", type=Path, help="text output of benchmarks/kernels.py")
    parser.add_argument("--scaling", type=Path, help="text output of benchmarks/scaling.py")
    parser.add_argument("--batched", type=Path, help="text output of benchmarks/batched.py")
    parser.add_argument(
        "--measured-batch", type=Path, help="text output of benchmarks/measured_batch.py"
    )
    parser.add_argument(
        "--regularized", type=Path, help="Markdown output of benchmarks/regularized.py"
    )
    parser.add_argument("--planning", type=Path, help="text output of benchmarks/planning.py")
    parser.add_argument("--grid", type=Path, help="text output of benchmarks/grid.py")
    parser.add_argument(
        "--long-curves", type=Path, help="text output of benchmarks/long_curves.py"
    )
    parser.add_argument(
        "--summary-study",
        action="append",
        default=[],
        help="a noise or calibration study whose figures and noise_summary.md to copy "
        "(to docs/figures and docs/<study>_summary.md)",
    )
    args = parser.parse_args(argv)
    results = REPO / "results" / args.study
    if not (results / "paper_comparison.md").exists():
        print(f"update_docs: {results} has no results; run `make results` first", file=sys.stderr)
        return 2
    for study in args.summary_study:
        if not (REPO / "results" / study / "noise_summary.md").exists():
            print(
                f"update_docs: {REPO / 'results' / study} has no noise_summary.md; "
                "run that study first",
                file=sys.stderr,
            )
            return 2
    contents = {"comparison": (results / "paper_comparison.md").read_text(encoding="utf-8")}
    contents |= plan_blocks()
    for marker, path in (
        ("bench", args.bench),
        ("scaling", args.scaling),
        ("batched", args.batched),
        ("measured_batch", args.measured_batch),
        ("planning", args.planning),
        ("long_curves", args.long_curves),
        ("grid", args.grid),
    ):
        if path is not None:
            contents[marker] = code_block(path)
    if args.regularized is not None:  # Markdown tables, kept as they are
        contents["regularized"] = args.regularized.read_text(encoding="utf-8")
    texts: dict[str, str] = {}
    for marker, content in contents.items():
        name = BLOCKS[marker]
        if name not in texts:
            texts[name] = (REPO / name).read_text(encoding="utf-8")
        texts[name] = splice(texts[name], marker, content, name)
    target = REPO / "docs" / "figures"
    target.mkdir(parents=True, exist_ok=True)
    for png in sorted((results / "figures").glob("*.png")):
        shutil.copy2(png, target / png.name)
    for study in args.summary_study:
        other = REPO / "results" / study
        for png in sorted((other / "figures").glob("*.png")):
            shutil.copy2(png, target / png.name)
        shutil.copy2(other / "noise_summary.md", REPO / "docs" / f"{study}_summary.md")
    for name, text in texts.items():
        (REPO / name).write_text(text, encoding="utf-8")
    print(
        f"update_docs: figures -> {target.relative_to(REPO)}; "
        f"{', '.join(sorted(contents))} -> {', '.join(sorted(texts))}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
