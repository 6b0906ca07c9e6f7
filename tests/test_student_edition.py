"""Student edition: solutions are removed, everything else kept, and it still runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from artgan_utils.student_edition import (
    SOLUTION_TAG,
    StudentEditionError,
    make_student_edition,
    strip_solution,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_markers_replaced_keeping_signature_and_indent():
    src = "def f(x):\n    # BEGIN SOLUTION\n    y = x + 1\n    return y\n    # END SOLUTION\n\nprint('kept')\n"
    out = strip_solution(src, "03.2")
    assert out.startswith("def f(x):\n    # YOUR CODE HERE (exercise 03.2)\n")
    assert '    raise NotImplementedError("Exercise 03.2: write this part")\n' in out
    assert "x + 1" not in out and "return y" not in out
    assert out.endswith("print('kept')\n")


def test_cell_without_markers_is_replaced_whole():
    out = strip_solution("answer = 42\n", None)
    assert "42" not in out and "NotImplementedError" in out


@pytest.mark.parametrize(
    "src, message",
    [
        ("# BEGIN SOLUTION\nx = 1\n", "never closed"),
        ("x = 1\n# END SOLUTION\n", "without"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION\n", "nested"),
    ],
)
def test_unbalanced_markers_are_errors(src, message):
    with pytest.raises(StudentEditionError, match=message):
        strip_solution(src)


def _code(source, tags=(), outputs=()):
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source,
            "outputs": list(outputs), "execution_count": 1}


def test_notebook_transform_clears_solution_and_check_outputs():
    nb = {"cells": [
        _code("def g(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n", [SOLUTION_TAG],
              [{"output_type": "stream", "name": "stdout", "text": "secret"}]),
        _code('check("01.1", g)', outputs=[{"output_type": "stream", "name": "stdout", "text": "passed"}]),
        _code("print('other')", outputs=[{"output_type": "stream", "name": "stdout", "text": "other"}]),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    student, n = make_student_edition(nb)
    assert n == 1
    first, second, third = student["cells"]
    assert "2 * x" not in first["source"] and "Exercise 01.1" in first["source"]
    assert first["outputs"] == [] and second["outputs"] == []
    assert third["outputs"] and nb["cells"][0]["outputs"], "other cells and the original stay intact"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_repository_notebooks_have_well_formed_solutions(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    student, n = make_student_edition(nb, path.name)
    solutions = [c for c in nb["cells"] if SOLUTION_TAG in c.get("metadata", {}).get("tags", [])]
    assert n == len(solutions)
    for before, after in zip(nb["cells"], student["cells"]):
        if SOLUTION_TAG in before.get("metadata", {}).get("tags", []):
            src = "".join(before["source"])
            assert "# BEGIN SOLUTION" in src, f"{path.name}: solution cell without markers"
            assert "NotImplementedError" in after["source"]


def _solution_lines(source: str) -> list[str]:
    """The substantial lines between the solution markers (short ones such as `return x` are too common to test)."""
    body = source.split("# BEGIN SOLUTION", 1)[1].split("# END SOLUTION", 1)[0]
    return [line.strip() for line in body.splitlines() if len(line.strip()) >= 25 and not line.strip().startswith("#")]


def _visible_text(cell: dict) -> str:
    text = "".join(cell.get("source", ""))
    for out in cell.get("outputs", []):
        text += "".join(out.get("text", ""))
        for key, value in out.get("data", {}).items():
            if key.startswith("text/"):
                text += "".join(value)
    return text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_edition_holds_no_answer(path):
    """No cell or stored output of the student edition shows an exercise's answer.

    A cell gives an answer away when it holds at least half of the answer's substantial lines
    (and at least two): one shared line such as ``with tf.GradientTape() as tape:`` is a pattern,
    most of the body is the solution.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    answers = [_solution_lines("".join(c["source"])) for c in nb["cells"]
               if SOLUTION_TAG in c.get("metadata", {}).get("tags", [])]
    student, _ = make_student_edition(nb, path.name)
    for index, cell in enumerate(student["cells"]):
        text = _visible_text(cell)
        for lines in answers:
            shown = [line for line in lines if line in text]
            assert len(shown) < max(2, len(lines) / 2), (
                f"{path.name} cell {index} shows {len(shown)} of the {len(lines)} lines of an exercise's answer: "
                f"{shown}")


def test_the_leak_test_finds_an_answer_printed_before_its_exercise():
    nb = {"cells": [
        _code("print(inspect.getsource(f))", outputs=[{"output_type": "stream", "name": "stdout",
                                                      "text": "def f(x):\n    total = numpy.sum(x ** 2, axis=-1)\n"
                                                              "    return numpy.sqrt(total + 1e-12) - 1.0\n"}]),
        _code("def f(x):\n    # BEGIN SOLUTION\n    total = numpy.sum(x ** 2, axis=-1)\n"
              "    return numpy.sqrt(total + 1e-12) - 1.0\n    # END SOLUTION\n", [SOLUTION_TAG]),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    student, _ = make_student_edition(nb)
    lines = _solution_lines(nb["cells"][1]["source"])
    assert len(lines) == 2 and all(line in _visible_text(student["cells"][0]) for line in lines)


def test_student_edition_of_welcome_runs_and_reports_not_implemented(tmp_path):
    """Execute the student edition of 00_welcome: no crash, checkers say 'not implemented yet'."""
    nbclient = pytest.importorskip("nbclient")
    import nbformat

    src = ROOT / "notebooks" / "00_welcome.ipynb"
    if not src.exists():
        pytest.skip("00_welcome.ipynb not present")
    out = tmp_path / "student"
    subprocess.run([sys.executable, "-m", "artgan_utils.student_edition", str(src), "--out", str(out)],
                   check=True, capture_output=True, text=True)
    nb = nbformat.read(out / src.name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    env_profile = os.environ.get("ARTGAN_PROFILE")
    os.environ["ARTGAN_PROFILE"] = "quick"
    try:
        client.execute()
    finally:
        if env_profile is None:
            os.environ.pop("ARTGAN_PROFILE")
        else:
            os.environ["ARTGAN_PROFILE"] = env_profile
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.get("output_type") != "error", f"student edition crashed: {o.get('ename')}: {o.get('evalue')}"
            texts.append(o.get("text", ""))
    joined = "".join(texts)
    assert joined.count("not implemented yet") >= 2
