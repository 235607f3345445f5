"""Every bad-input kind of tests/bad_input_cases.py: its exit status (or exception / warning
class) and message, and docs/bad_input.md is the table tools/bad_input_table.py writes from
them (so the docs cannot drift from what the tool prints)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bad_input_cases import CASES, render, run_case

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every case run once, each in its own empty folder."""
    return {case.kind: run_case(case, tmp_path_factory.mktemp("case")) for case in CASES}


def test_there_are_at_least_40_kinds_each_named_once():
    kinds = [case.kind for case in CASES]
    assert len(kinds) >= 40
    assert len(set(kinds)) == len(kinds)


@pytest.mark.parametrize("case", CASES, ids=[case.kind for case in CASES])
def test_case(outcomes, case):
    outcome = outcomes[case.kind]
    assert outcome.status == case.status, outcome.message
    assert case.expect in outcome.message
    assert "Traceback" not in outcome.message
    assert "np.float64" not in outcome.message
    if case.status == "exit 2":  # an error: one line, nothing on stdout, nothing written
        # (a study config lists all its problems, one line each, under one heading line)
        assert outcome.lines == 1 or case.argv[:1] == ("validate",), outcome.message
        assert outcome.stdout == ""
        assert outcome.created == ()
    if case.status == "exit 0" and not case.expect:  # read as usual: no warning at all
        assert outcome.message == ""


def test_docs_table_is_up_to_date(outcomes):
    text = render([(case, outcomes[case.kind]) for case in CASES])
    docs = (REPO / "docs" / "bad_input.md").read_text(encoding="utf-8")
    assert docs == text, "docs/bad_input.md is out of date: run python tools/bad_input_table.py"


def test_the_tool_writes_the_same_table(monkeypatch):
    sys.path.insert(0, str(REPO / "tools"))
    import bad_input_table

    assert bad_input_table.generate().startswith("# Bad input")
