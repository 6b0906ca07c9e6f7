"""The student edition of every notebook keeps its two promises, checked without running whole notebooks.

1. Every exercise reports "not implemented yet" with a pointer: the student edition's solution cell (the
   placeholder ``raise NotImplementedError``) and its check cell are executed in a fresh namespace, and the
   check must print the message naming the exercise instead of raising.
2. Nothing after an exercise crashes because a solution is missing: a static (``ast``) scan finds every
   later cell that reads a name the solution cell defines. In the student edition such a name is a
   function that raises ``NotImplementedError`` (or is not defined at all), so the read would crash.

Running the 12 student notebooks end to end (what ``test_student_edition.py`` does for 00_welcome) would
cost minutes; this costs seconds, and the static scan also covers code paths a quick run may not reach.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from artgan_utils.student_edition import SOLUTION_TAG, make_student_edition

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHECK_RE = re.compile(r"""\bcheck\(\s*["'](\d+\.\d+)["']""")
# What every exercise namespace starts from (the notebooks import these before their exercises).
PRELUDE = "import numpy as np\nfrom artgan_utils.exercises import check\n"
# The pointer core.check prints with "not implemented yet" (artgan_utils/exercises/core.py).
POINTER = "Replace the `raise NotImplementedError` line with your code"


# --------------------------------------------------------------------------------------------------
# Notebook structure
# --------------------------------------------------------------------------------------------------

def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _is_solution(cell: dict[str, Any]) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def _parse(source: str, where: str) -> ast.Module:
    """Parse a code cell; IPython syntax (``%magic``, ``!cmd``) is translated first when present."""
    try:
        return ast.parse(source)
    except SyntaxError:
        from IPython.core.inputtransformer2 import TransformerManager

        try:
            return ast.parse(TransformerManager().transform_cell(source))
        except SyntaxError as exc:
            raise AssertionError(f"{where}: cannot parse the cell: {exc}") from exc


@dataclass
class ExerciseCells:
    """One exercise of a notebook: its solution cell (both editions) and its check cell."""

    exercise: str
    solution_index: int
    check_index: int
    instructor_source: str
    student_source: str
    check_source: str


def exercises_of(notebook: dict[str, Any], name: str) -> tuple[dict[str, Any], list[ExerciseCells]]:
    """(student edition, exercises) of an instructor-edition notebook; the check cell is the first code
    cell among the next three that calls ``check("NN.k", ...)``, as in artgan_utils.student_edition."""
    student, _ = make_student_edition(notebook, name)
    cells, found = notebook["cells"], []
    for i, cell in enumerate(cells):
        if not _is_solution(cell):
            continue
        for j in range(i + 1, min(i + 4, len(cells))):
            if cells[j].get("cell_type") != "code":
                continue
            match = CHECK_RE.search(_source(cells[j]))
            if match:
                found.append(ExerciseCells(match.group(1), i, j, _source(cell), _source(student["cells"][i]),
                                           _source(student["cells"][j])))
                break
        else:
            raise AssertionError(f"{name}: solution cell {i} has no check(\"NN.k\", fn) cell right after it")
    return student, found


# --------------------------------------------------------------------------------------------------
# Name analysis (module scope of one cell, nested scopes, evaluation order)
# --------------------------------------------------------------------------------------------------


def _check_call_exempt(node: ast.Call) -> ast.expr | None:
    """The function argument of ``check("NN.k", fn)``: handing a placeholder to check is what it is for."""
    if isinstance(node.func, ast.Name) and node.func.id == "check":
        if len(node.args) >= 2 and isinstance(node.args[1], ast.Name):
            return node.args[1]
        for kw in node.keywords:
            if kw.arg == "fn" and isinstance(kw.value, ast.Name):
                return kw.value
    return None


def _import_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [a.asname or a.name.split(".")[0] for a in node.names if a.name != "*"]


def _defaults_and_annotations(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> list[ast.expr]:
    """The parts of a function evaluated where it is defined (not when it is called)."""
    args = node.args
    parts: list[ast.expr | None] = [*args.defaults, *args.kw_defaults]
    if not isinstance(node, ast.Lambda):
        parts += [*node.decorator_list, node.returns]
        parts += [a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
                  if a is not None]
    return [p for p in parts if p is not None]


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    args = node.args
    return {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg)
            if a is not None}


class _ScopeNames(ast.NodeVisitor):
    """Names read (``loads``) and bound (``stores``) directly in one scope; nested scopes kept aside."""

    def __init__(self) -> None:
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.declared_global: set[str] = set()
        self.nested: list[ast.AST] = []

    def visit_Name(self, node: ast.Name) -> None:
        (self.loads if isinstance(node.ctx, ast.Load) else self.stores).add(node.id)

    def visit_Call(self, node: ast.Call) -> None:
        exempt = _check_call_exempt(node)
        for child in ast.iter_child_nodes(node):
            if child is not exempt:
                self.visit(child)

    def visit_Import(self, node: ast.Import) -> None:
        self.stores.update(_import_names(node))

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:
        self.declared_global.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.stores.add(node.name)
        self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        if not isinstance(node, ast.Lambda):
            self.stores.add(node.name)
        for part in _defaults_and_annotations(node):
            self.visit(part)
        self.nested.append(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.stores.add(node.name)
        for part in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(part)
        self.nested.append(node)

    def _comprehension(self, node: ast.expr) -> None:
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        self.nested.append(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def _outside(names: _ScopeNames, local: set[str]) -> set[str]:
    local = local | (names.stores - names.declared_global)
    inner = set().union(*(free_names(n) for n in names.nested))
    return (names.loads | inner) - local


def free_names(scope: ast.AST) -> set[str]:
    """Names a nested scope (function, lambda, class body, comprehension) reads from outside itself."""
    names = _ScopeNames()
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for stmt in scope.body:
            names.visit(stmt)
        return _outside(names, _parameters(scope))
    if isinstance(scope, ast.Lambda):
        names.visit(scope.body)
        return _outside(names, _parameters(scope))
    if isinstance(scope, ast.ClassDef):
        for stmt in scope.body:
            names.visit(stmt)
        return _outside(names, set())
    for k, gen in enumerate(scope.generators):  # comprehension; its first iterable belongs to the enclosing scope
        names.visit(gen.target)
        if k:
            names.visit(gen.iter)
        for cond in gen.ifs:
            names.visit(cond)
    for part in ((scope.key, scope.value) if isinstance(scope, ast.DictComp) else (scope.elt,)):
        names.visit(part)
    return _outside(names, set())


def cell_needs(tree: ast.Module) -> set[str]:
    """Names a cell reads without binding them itself (including inside its functions)."""
    names = _ScopeNames()
    for stmt in tree.body:
        names.visit(stmt)
    return _outside(names, set())


def top_level_bindings(stmt: ast.stmt) -> set[str]:
    """Names a statement binds in the module (cell) scope."""
    names = _ScopeNames()
    names.visit(stmt)
    return names.stores


@dataclass
class Read:
    """A read of a watched name: which, and on which line of the cell."""

    name: str
    line: int


class _OrderedReads(ast.NodeVisitor):
    """Walk a cell's module scope in evaluation order and report reads of ``watched`` names.

    A binding of a watched name (assignment, def, import, for target, ...) stops watching it: from then
    on the name holds the notebook's own value, not the student's placeholder. A function, lambda or
    class defined in the cell counts as reading its free names where it is defined: calling it later
    would run into the placeholder.
    """

    def __init__(self, watched: set[str]) -> None:
        self.watched = set(watched)
        self.reads: list[Read] = []

    def _read(self, name: str, line: int) -> None:
        if name in self.watched:
            self.reads.append(Read(name, line))

    def _bind(self, name: str) -> None:
        self.watched.discard(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._read(node.id, node.lineno)
        else:
            self._bind(node.id)

    def visit_Call(self, node: ast.Call) -> None:
        exempt = _check_call_exempt(node)
        for child in ast.iter_child_nodes(node):
            if child is not exempt:
                self.visit(child)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if isinstance(node.target, ast.Name):
            self._read(node.target.id, node.lineno)
        self.visit(node.value)
        self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.visit(node.annotation)
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self.visit(node.target)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        for stmt in (*node.body, *node.orelse):
            self.visit(stmt)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self.visit(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for name in _import_names(node):
            self._bind(name)

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self._bind(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def _scope(self, node: ast.AST) -> None:
        for name in sorted(free_names(node)):
            self._read(name, node.lineno)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        for part in _defaults_and_annotations(node):
            self.visit(part)
        if not isinstance(node, ast.Lambda):
            self._bind(node.name)  # bound before the body can run (recursion uses the new function)
        self._scope(node)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for part in (*node.decorator_list, *node.bases, *node.keywords):
            self.visit(part)
        self._scope(node)
        self._bind(node.name)

    def _comprehension(self, node: ast.expr) -> None:
        self.visit(node.generators[0].iter)
        self._scope(node)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def _raises_not_implemented(stmt: ast.stmt) -> bool:
    for node in ast.walk(stmt):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def placeholder_names(instructor_source: str, student_source: str, where: str) -> set[str]:
    """Names that do not work after the student edition's solution cell has run.

    A name bound by a statement holding the placeholder ``raise NotImplementedError`` (the exercise's
    function) raises when used; a name the instructor's cell binds but the student's does not (a
    top-level assignment between the markers) is not defined at all. Other names the cell binds outside
    the markers (a constant, an import) keep working.
    """
    student = _parse(student_source, where)
    instructor = _parse(instructor_source, where)
    bound_student: set[str] = set()
    broken: set[str] = set()
    for stmt in student.body:
        names = top_level_bindings(stmt)
        bound_student |= names
        if _raises_not_implemented(stmt):
            broken |= names
    bound_instructor = set().union(*(top_level_bindings(s) for s in instructor.body)) if instructor.body else set()
    return broken | (bound_instructor - bound_student)


def reads_of_missing_solutions(notebook: dict[str, Any], name: str = "notebook") -> list[str]:
    """Every read, in a cell after an exercise, of a name that the student edition leaves broken.

    Cells are scanned in order in their student-edition form (for solution cells, what is left after the
    answer is removed). Handing the placeholder to ``check("NN.k", fn)`` is allowed: that is what prints
    "not implemented yet". Returns one message per offending read (empty when the notebook is safe).
    """
    student, exercises = exercises_of(notebook, name)
    by_solution = {ex.solution_index: ex for ex in exercises}
    broken: dict[str, ExerciseCells] = {}  # name -> exercise whose solution defines it
    problems: list[str] = []
    for index, cell in enumerate(student["cells"]):
        if cell.get("cell_type") != "code":
            continue
        where = f"{name}, code cell {index}"
        tree = _parse(_source(cell), where)
        scan = _OrderedReads(set(broken))
        scan.visit(tree)
        for read in scan.reads:
            ex = broken[read.name]
            problems.append(
                f"{where} (line {read.line}) reads {read.name!r}, which the solution cell {ex.solution_index} of "
                f"exercise {ex.exercise} defines: in the student edition it is missing or raises NotImplementedError")
        for gone in set(broken) - scan.watched:
            del broken[gone]  # rebound by this cell: the notebook's own value from here on
        if index in by_solution:
            ex = by_solution[index]
            for placeholder in placeholder_names(ex.instructor_source, ex.student_source, where):
                broken[placeholder] = ex
    return problems


# --------------------------------------------------------------------------------------------------
# Running each exercise's placeholder and check
# --------------------------------------------------------------------------------------------------

def _imports_for(notebook: dict[str, Any], before: int, needed: set[str], where: str) -> str:
    """The notebook's own import statements (from cells before ``before``) that bind ``needed`` names."""
    latest: dict[str, str] = {}
    for cell in notebook["cells"][:before]:
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        for stmt in _parse(source, where).body:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for bound in _import_names(stmt):
                    latest[bound] = ast.get_source_segment(source, stmt) or ast.unparse(stmt)
    return "".join(f"{latest[n]}\n" for n in sorted(needed) if n in latest)


def run_exercise(notebook: dict[str, Any], ex: ExerciseCells, where: str) -> str:
    """Execute the student solution cell and its check cell in a fresh namespace; return what they print.

    The namespace starts with ``np`` and ``check``, plus the notebook's imports of any other name the
    student cell uses (in a signature, a default, or code kept outside the solution markers).
    """
    needed = cell_needs(_parse(ex.student_source, where))
    needed -= set(dir(builtins)) | {"np", "check"}
    namespace: dict[str, Any] = {"__name__": "__main__"}
    imports = PRELUDE + _imports_for(notebook, ex.solution_index, needed, where)
    exec(compile(imports, f"<{where}: imports>", "exec"), namespace)  # noqa: S102 - the notebook's own code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        solution = f"<{where}: solution cell {ex.solution_index}>"
        exec(compile(ex.student_source, solution, "exec"), namespace)  # noqa: S102
        exec(compile(ex.check_source, f"<{where}: check cell {ex.check_index}>", "exec"), namespace)  # noqa: S102
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_exercise_reports_not_implemented(path):
    """Each exercise's placeholder + check cell prints 'not implemented yet' naming the exercise, and does not raise."""
    from artgan_utils.exercises import REGISTRY

    notebook = _load(path)
    _, exercises = exercises_of(notebook, path.name)
    prefix = path.name[:2] + "."
    assert sorted(ex.exercise for ex in exercises) == sorted(k for k in REGISTRY if k.startswith(prefix)), (
        f"{path.name}: the exercises found in the notebook differ from those registered for it")
    for ex in exercises:
        where = f"{path.name}, exercise {ex.exercise}"
        assert f"(exercise {ex.exercise})" in ex.student_source, f"{where}: the placeholder names another exercise"
        try:
            printed = run_exercise(notebook, ex, path.name)
        except Exception as exc:  # noqa: BLE001 - report which exercise crashed
            pytest.fail(f"{where}: the student edition's solution or check cell raised {type(exc).__name__}: {exc}")
        assert f"Exercise {ex.exercise} (" in printed, f"{where}: the message does not name the exercise: {printed!r}"
        assert "not implemented yet" in printed, f"{where}: printed {printed!r}"
        assert POINTER in printed, f"{where}: no pointer to what to do in {printed!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_nothing_after_an_exercise_needs_its_solution(path):
    """No later cell reads a name that only the removed solution makes work."""
    problems = reads_of_missing_solutions(_load(path), path.name)
    assert not problems, "\n".join(problems)


# ---- the checker itself can fail -------------------------------------------------------------------

def _code(source: str, tags: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source, "outputs": [],
            "execution_count": None}


def _notebook(*later: str) -> dict[str, Any]:
    cells = [
        _code("import numpy as np\nfrom artgan_utils.exercises import check\n"),
        _code("SCALE = 2.0\n\ndef f(x):\n    # BEGIN SOLUTION\n    return SCALE * x\n    # END SOLUTION\n",
              (SOLUTION_TAG,)),
        _code('check("99.1", f)'),
        *(_code(src) for src in later),
    ]
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


@pytest.mark.parametrize("later, flagged", [
    ("y = f(np.ones(3))", True),                         # the plain case of the issue
    ("def g(x):\n    return f(x) + 1\n", True),          # a helper that calls it later
    ("values = [f(v) for v in range(3)]", True),         # inside a comprehension
    ("plot = lambda x: f(x)", True),                     # inside a lambda
    ("for k in range(2):\n    print(k)\nz = f", True),   # after other statements
    ("def f(x):\n    return x\n\ny = f(3)", False),      # redefined before use
    ("from numpy import sqrt as f\ny = f(4.0)", False),  # rebound by an import
    ("y = SCALE * 3", False),                            # kept outside the markers: works
    ('check("99.1", f, hint=True)', False),              # asking for the hint again
    ("def g(f):\n    return f(1)\n", False),             # a parameter, not the global
    ("print([f for f in range(3)])", False),             # a comprehension variable
])
def test_checker_flags_a_later_read_of_a_solution(later, flagged):
    problems = reads_of_missing_solutions(_notebook(later))
    assert bool(problems) is flagged, problems
    if flagged:
        assert "code cell 3" in problems[0] and "'f'" in problems[0] and "exercise 99.1" in problems[0]


def test_checker_flags_names_defined_only_between_the_markers():
    nb = _notebook("print(TABLE)")
    nb["cells"][1]["source"] = "def f(x):\n    return x\n\n# BEGIN SOLUTION\nTABLE = {1: 2}\n# END SOLUTION\n"
    problems = reads_of_missing_solutions(nb)
    assert len(problems) == 1 and "'TABLE'" in problems[0]


def test_running_an_exercise_catches_a_check_cell_that_uses_the_placeholder():
    """The runner really executes the check cell: code after check() that calls the placeholder raises."""
    nb = {"cells": [
        _code("def to_model_range(images):\n    # BEGIN SOLUTION\n    return images / 127.5 - 1\n    # END SOLUTION\n",
              (SOLUTION_TAG,)),
        _code('check("00.1", to_model_range)\nscaled = to_model_range(np.zeros(3))\n'),
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    _, (ex,) = exercises_of(nb, "synthetic")
    with pytest.raises(NotImplementedError, match="Exercise 00.1"):
        run_exercise(nb, ex, "synthetic")
    ex.check_source = 'check("00.1", to_model_range)\n'
    assert "not implemented yet" in run_exercise(nb, ex, "synthetic")
