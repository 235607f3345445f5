"""Write docs/bad_input.md: every bad-input kind, its command and what the tool prints.

Runs each case of tests/bad_input_cases.py in an empty temporary folder (the command line
in-process, or the library call) and writes the table of kinds, commands, exit statuses and
messages (run by `make docs`). tests/test_bad_input_table.py checks the cases and that the
file is up to date.

    python tools/bad_input_table.py            # write docs/bad_input.md
    python tools/bad_input_table.py --check    # exit 1 if docs/bad_input.md is out of date
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = REPO / "docs" / "bad_input.md"


def generate() -> str:
    """The text of docs/bad_input.md, from the cases as they run now."""
    sys.path.insert(0, str(REPO / "tests"))
    from bad_input_cases import CASES, render, run_case

    outcomes = []
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            outcomes.append((case, run_case(case, Path(folder))))
    return render(outcomes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"bad_input_table: {TARGET} is out of date; run tools/bad_input_table.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    kinds = sum(line.startswith("| ") and line[2].isdigit() for line in text.splitlines())
    print(f"bad_input_table: {kinds} kinds -> {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
