"""Copy generated results into docs/ (run by `make docs`).

* results/<study>/figures/*.png -> docs/figures/
* results/<study>/paper_comparison.md -> docs/comparison.md between the `comparison` markers
* benchmark outputs (if given) -> docs/benchmarks.md between the `bench`, `batched`,
  `measured_batch`, `scaling`, `regularized`, `planning` and `grid` markers
* results/<noise study>/noise_summary.md (if given) -> docs/<study>_summary.md

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
    "grid": "docs/benchmarks.md",
}


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
    for marker, path in (
        ("bench", args.bench),
        ("scaling", args.scaling),
        ("batched", args.batched),
        ("measured_batch", args.measured_batch),
        ("planning", args.planning),
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
