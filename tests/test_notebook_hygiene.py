"""Every notebook is stored executed, in order, clean and self-describing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
SKIP_TAGS = {"nbval-skip", "skip-execution"}
# Absolute paths of this kind betray a machine: home folders, temp folders, site-packages.
MACHINE_PATH = re.compile(r"(/home/|/root/|/Users/|/tmp/|/work/|[A-Za-z]:\\\\Users|site-packages/|/private/var/)")
NOISE = re.compile(r"(absl::InitializeLog|cuda_|cuInit|cpu_feature_guard|oneDNN custom operations)")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_notebooks_exist_and_are_numbered():
    names = [p.name for p in NOTEBOOKS]
    assert names, "no notebooks found"
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", n) for n in names), names
    numbers = [int(n[:2]) for n in names]
    assert numbers == list(range(len(numbers))), f"notebooks must be numbered 00, 01, ... without gaps: {names}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_executed_top_to_bottom_once(path):
    cells = [c for c in _code_cells(_load(path)) if not SKIP_TAGS & set(c["metadata"].get("tags", []))]
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..{len(cells)}; "
        "regenerate outputs with tools/execute_notebooks.py"
    )
    assert any(c["outputs"] for c in cells), f"{path.name} has no stored outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_errors_noise_or_machine_paths(path):
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(_code_cells(nb)):
        tags = set(cell["metadata"].get("tags", []))
        for out in cell["outputs"]:
            if out["output_type"] == "error":
                assert "raises-exception" in tags, f"{path.name} code cell {i}: stored error {out['ename']}"
            text = json.dumps({k: v for k, v in out.items() if k != "data"}) + json.dumps(
                {k: v for k, v in out.get("data", {}).items() if k.startswith("text/")}
            )
            assert not MACHINE_PATH.search(text), f"{path.name} code cell {i}: machine path in output: {MACHINE_PATH.search(text).group(0)}"
            assert not NOISE.search(text), f"{path.name} code cell {i}: TensorFlow log noise in output"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_structure_intro_profile_summary_next(path):
    nb = _load(path)
    md = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert md and md[0].lstrip().startswith("# "), f"{path.name}: must open with a title"
    assert re.search(r"you will learn", md[0], re.I), f"{path.name}: first cell must say what you will learn"
    assert re.search(r"profile", md[0], re.I), f"{path.name}: first cell must name the run profile"
    tail = "\n".join(md[-3:])
    assert re.search(r"^#+ .*summary", "\n".join(md), re.I | re.M), f"{path.name}: needs a Summary section"
    later = sorted(p.name for p in NOTEBOOKS if p.name > path.name)
    if later:
        assert later[0] in tail, f"{path.name}: should end with a link to {later[0]}"
    first_code = "".join(_code_cells(nb)[0]["source"])
    assert "setup_notebook" in first_code, f"{path.name}: first code cell must call setup_notebook()"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_follow_the_convention(path):
    nb = _load(path)
    cells = nb["cells"]
    for i, cell in enumerate(cells):
        if "solution" in cell.get("metadata", {}).get("tags", []):
            following = "".join("".join(c["source"]) for c in cells[i + 1 : i + 4] if c["cell_type"] == "code")
            assert re.search(r"check\(\s*['\"]\d\d\.\d+['\"]", following), (
                f"{path.name} cell {i}: a solution cell must be followed by check('NN.k', ...)"
            )
