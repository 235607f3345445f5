"""Copy generated results into docs/ and README.md (run by `make docs`).

* results/<study>/figures/*.png -> docs/figures/
* results/<study>/paper_comparison.md -> README.md between the `comparison` markers
* benchmark outputs (if given) -> README.md between the `bench` and `scaling` markers

Nothing here is typed by hand: the README shows what the pipeline and benchmarks printed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def splice(text: str, marker: str, content: str) -> str:
    """Replace what stands between ``<!-- marker: begin -->`` and ``<!-- marker: end -->``."""
    pattern = re.compile(
        rf"(<!-- {marker}: begin -->\n).*?(<!-- {marker}: end -->)", flags=re.DOTALL
    )
    if not pattern.search(text):
        raise SystemExit(f"update_docs: README.md has no '{marker}' markers")
    return pattern.sub(lambda m: m.group(1) + content.rstrip() + "\n" + m.group(2), text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--study", default="paper")
    parser.add_argument("--bench", type=Path, help="text output of benchmarks/kernels.py")
    parser.add_argument("--scaling", type=Path, help="text output of benchmarks/scaling.py")
    parser.add_argument("--batched", type=Path, help="text output of benchmarks/batched.py")
    parser.add_argument(
        "--summary-study",
        action="append",
        default=[],
        help="a noise or calibration study whose figures and noise_summary.md to copy "
        "(to docs/figures and docs/<study>_summary.md)",
    )
    args = parser.parse_args()
    results = REPO / "results" / args.study
    if not (results / "paper_comparison.md").exists():
        print(f"update_docs: {results} has no results; run `make results` first", file=sys.stderr)
        return 2
    target = REPO / "docs" / "figures"
    target.mkdir(parents=True, exist_ok=True)
    for png in sorted((results / "figures").glob("*.png")):
        shutil.copy2(png, target / png.name)
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    table = (results / "paper_comparison.md").read_text(encoding="utf-8")
    text = splice(text, "comparison", table)
    if args.bench:
        text = splice(text, "bench", "```\n" + args.bench.read_text(encoding="utf-8") + "```")
    if args.scaling:
        text = splice(text, "scaling", "```\n" + args.scaling.read_text(encoding="utf-8") + "```")
    if args.batched:
        text = splice(text, "batched", "```\n" + args.batched.read_text(encoding="utf-8") + "```")
    for study in args.summary_study:
        other = REPO / "results" / study
        summary = other / "noise_summary.md"
        if not summary.exists():
            print(
                f"update_docs: {other} has no noise_summary.md; run that study first",
                file=sys.stderr,
            )
            return 2
        for png in sorted((other / "figures").glob("*.png")):
            shutil.copy2(png, target / png.name)
        shutil.copy2(summary, REPO / "docs" / f"{study}_summary.md")
    readme.write_text(text, encoding="utf-8")
    print(f"update_docs: figures -> {target.relative_to(REPO)}, table into README.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
