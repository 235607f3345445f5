"""The documentation: the README is a short front door, every relative link resolves, and the
generated blocks that `make docs` (tools/update_docs.py) refreshes are where it writes them."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "config" / "README.md"],
) + sorted((ROOT / "docs").glob("*.md"))
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def _update_docs():
    spec = importlib.util.spec_from_file_location("update_docs", ROOT / "tools" / "update_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 300
    assert "make results" in text
    assert "make test" in text
    assert ": begin -->" not in text, "generated blocks live in docs/, not in the README"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (
            anchor and linked.suffix == ".md" and anchor not in _anchors(linked)
        ):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links to missing files or headings: {broken}"


def test_generated_blocks_are_where_update_docs_writes_them():
    update_docs = _update_docs()
    for marker, name in update_docs.BLOCKS.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        for end in ("begin", "end"):
            assert text.count(f"<!-- {marker}: {end} -->") == 1, (name, marker, end)


def test_splice_replaces_only_the_block():
    update_docs = _update_docs()
    text = "intro\n<!-- bench: begin -->\nold\nlines\n<!-- bench: end -->\noutro\n"
    spliced = update_docs.splice(text, "bench", "new\n\n")
    assert spliced == "intro\n<!-- bench: begin -->\nnew\n<!-- bench: end -->\noutro\n"
    assert update_docs.splice(spliced, "bench", "new") == spliced
    with pytest.raises(SystemExit, match="has no 'scaling' markers"):
        update_docs.splice(text, "scaling", "x")
