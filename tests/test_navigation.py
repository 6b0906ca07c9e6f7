"""Every notebook ends with the same footer: ← previous · Contents · next →, with the neighbours' real titles."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _title(path: Path) -> str:
    first = "".join(_cells(path)[0]["source"]).split("\n")[0]
    assert first.startswith("# "), f"{path.name} must open with its title as a level-1 heading"
    return first[2:].strip()


def _anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_notebooks_are_numbered_contiguously():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(len(NOTEBOOKS))), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("index", range(len(NOTEBOOKS)), ids=[p.stem for p in NOTEBOOKS])
def test_footer_links_resolve_to_the_neighbours_and_the_contents(index):
    path = NOTEBOOKS[index]
    last = _cells(path)[-1]
    text = "".join(last["source"])
    assert last["cell_type"] == "markdown" and text.startswith("---\n"), f"{path.name}: the last cell must be the footer"
    links = LINK.findall(text)
    expected = []
    if index > 0:
        prev = NOTEBOOKS[index - 1]
        expected.append((f"← {_title(prev)}", prev.name))
    expected.append(("Contents", "../README.md#the-notebooks"))
    if index + 1 < len(NOTEBOOKS):
        nxt = NOTEBOOKS[index + 1]
        expected.append((f"{_title(nxt)} →", nxt.name))
    assert links == expected, f"{path.name}: footer links {links}, expected {expected}"
    assert " | ".join(f"[{t}]({u})" for t, u in expected) in text
    for _, target in links:
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve()
        assert resolved.is_file(), f"{path.name}: {target} does not exist"
        if anchor:
            headings = [_anchor(h) for h in re.findall(r"(?m)^#+ (.+)$", resolved.read_text(encoding="utf-8"))]
            assert anchor in headings, f"{path.name}: no heading #{anchor} in {file}"


def test_the_contents_table_lists_every_notebook_in_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## The notebooks", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"\]\(notebooks/([^)]+\.ipynb)\)", table)
    assert listed == [p.name for p in NOTEBOOKS]
