"""Make the student edition of the notebooks from the instructor edition.

Described in notebook 00 (how exercises work) and the README.

The repository's notebooks are the *instructor edition*: every exercise's
solution cell carries the cell tag ``solution`` and marks the reference code
with ``# BEGIN SOLUTION`` / ``# END SOLUTION``. The student edition keeps
everything else and replaces the marked lines with a placeholder::

    def to_model_range(images):
        # YOUR CODE HERE (exercise 00.1)
        raise NotImplementedError("Exercise 00.1: write this function")

A solution cell without markers is replaced whole. Outputs of solution cells
and of the checks right after them are cleared, so no answer leaks through a
stored output.

Command line::

    python -m artgan_utils.student_edition notebooks/ --out student/
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from pathlib import Path
from typing import Any

SOLUTION_TAG = "solution"
BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
_EXERCISE_RE = re.compile(r"""check\(\s*["'](\d+\.\d+)["']""")


class StudentEditionError(ValueError):
    """A solution cell is malformed (unbalanced markers, nothing to replace)."""


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _placeholder(indent: str, exercise: str | None) -> list[str]:
    label = f"Exercise {exercise}" if exercise else "This exercise"
    return [
        f"{indent}# YOUR CODE HERE{f' (exercise {exercise})' if exercise else ''}\n",
        f'{indent}raise NotImplementedError("{label}: write this part")\n',
    ]


def strip_solution(source: str, exercise: str | None = None, where: str = "cell") -> str:
    """Replace every ``BEGIN/END SOLUTION`` block in ``source`` with a placeholder."""
    lines = source.splitlines(keepends=True)
    if not any(line.strip() in (BEGIN, END) for line in lines):
        return "".join(_placeholder("", exercise))
    out: list[str] = []
    inside = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise StudentEditionError(f"{where}, line {number}: nested {BEGIN!r}.")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(_placeholder(indent, exercise))
        elif stripped == END:
            if not inside:
                raise StudentEditionError(f"{where}, line {number}: {END!r} without {BEGIN!r}.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise StudentEditionError(f"{where}: {BEGIN!r} is never closed by {END!r}.")
    text = "".join(out)
    return text if text.endswith("\n") or not text else text + "\n"


def _exercise_after(cells: list[dict[str, Any]], index: int) -> str | None:
    for cell in cells[index + 1 : index + 4]:
        if cell.get("cell_type") == "code":
            match = _EXERCISE_RE.search(_source(cell))
            if match:
                return match.group(1)
    return None


def make_student_edition(notebook: dict[str, Any], name: str = "notebook") -> tuple[dict[str, Any], int]:
    """Return (student copy of ``notebook``, number of solution cells replaced)."""
    nb = copy.deepcopy(notebook)
    cells = nb.get("cells", [])
    replaced = 0
    for i, cell in enumerate(cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or SOLUTION_TAG not in tags:
            continue
        exercise = _exercise_after(cells, i)
        cell["source"] = strip_solution(_source(cell), exercise, where=f"{name}, code cell {i}")
        cell["outputs"] = []
        cell["execution_count"] = None
        replaced += 1
        for follower in cells[i + 1 : i + 4]:
            if follower.get("cell_type") == "code" and _EXERCISE_RE.search(_source(follower)):
                follower["outputs"] = []
                follower["execution_count"] = None
                break
    return nb, replaced


def build(src: Path, out: Path) -> dict[str, int]:
    """Write student editions of every notebook in ``src`` (a folder or one file) to ``out``."""
    files = sorted(src.glob("*.ipynb")) if src.is_dir() else [src]
    if not files:
        raise FileNotFoundError(f"No notebooks found in {src}.")
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for path in files:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        student, replaced = make_student_edition(notebook, path.name)
        (out / path.name).write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        counts[path.name] = replaced
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, nargs="?", default=Path("notebooks"), help="notebook or folder")
    parser.add_argument("--out", type=Path, default=Path("student"), help="output folder")
    args = parser.parse_args(argv)
    counts = build(args.src, args.out)
    for name, n in counts.items():
        print(f"{name}: {n} solution cell(s) replaced")
    print(f"Student edition written to {args.out}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
