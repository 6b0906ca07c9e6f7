"""The exercise convention of the series: one checker per exercise, helpful messages.

Every exercise in a notebook has three parts:

1. a task in a markdown cell;
2. a code cell, tagged ``solution``, where the learner writes a function. In the
   repository (the *instructor edition*) the cell holds a reference solution
   between ``# BEGIN SOLUTION`` and ``# END SOLUTION``; the *student edition*
   (``python -m artgan_utils.student_edition``) replaces those lines with
   ``raise NotImplementedError``;
3. a check cell: ``check("00.1", to_model_range)``.

:func:`check` runs the registered checker against the learner's function and

* prints a pass line when every check holds;
* prints "not implemented yet" with what to do when the function still raises
  :class:`NotImplementedError` (so a student edition runs top to bottom);
* raises :class:`ExerciseFailed` with what was expected and what came back
  otherwise, so the mistake cannot go unnoticed.

Help is graduated: neither message gives the answer away. The exercise's hint
(which points the way: the formula's pieces, the layer order) is printed only
when asked for, ``check("05.2", kid, hint=True)``, or after :data:`HINT_AFTER`
failed attempts at the same exercise in one kernel session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class ExerciseFailed(AssertionError):
    """The learner's function ran but gave a wrong result (message says how)."""


class UnknownExercise(KeyError):
    """No checker is registered under that exercise id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class _NotImplementedYet(Exception):
    """Internal: the learner's function raised NotImplementedError."""


@dataclass
class CheckResult:
    """Outcome of :func:`check`.

    ``status`` is ``"passed"`` or ``"not implemented"`` (a wrong answer raises).
    """

    exercise: str
    title: str
    status: str
    checks: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __repr__(self) -> str:
        return f"CheckResult({self.exercise!r}, {self.status!r}, {len(self.checks)} checks)"

    def _ipython_display_(self) -> None:
        """Show nothing in a notebook: :func:`check` has already printed the verdict."""


class Checker:
    """Handed to a checker function: calls the learner's code and compares results."""

    def __init__(self, exercise: str, fn: Callable[..., Any]):
        self.exercise = exercise
        self.fn = fn
        self.passed: list[str] = []

    def call(self, *args: Any, describe: str = "", **kwargs: Any) -> Any:
        """Call the learner's function; translate its failures into clear messages."""
        name = getattr(self.fn, "__name__", "your function")
        where = f" when called with {describe}" if describe else ""
        try:
            result = self.fn(*args, **kwargs)
        except NotImplementedError:
            raise _NotImplementedYet() from None
        except Exception as exc:
            raise ExerciseFailed(
                f"{name} raised {type(exc).__name__}: {exc}{where}. Read the error, fix the "
                "function, run its cell again, then this check."
            ) from exc
        if result is None:
            raise ExerciseFailed(f"{name} returned None{where}: is a `return` statement missing?")
        return result

    def ok(self, what: str) -> None:
        """Record one passed check."""
        self.passed.append(what)

    def fail(self, message: str) -> None:
        """Fail the exercise with ``message``."""
        raise ExerciseFailed(message)

    def number(self, got: Any, what: str = "the loss") -> float:
        """``got`` as one float, or fail asking for ``what`` as one number."""
        try:
            return float(np.asarray(got))
        except (TypeError, ValueError):
            self.fail(f"return {what} as one number; got {type(got).__name__}.")

    def expect_type(self, what: str, got: Any, types: type | tuple[type, ...]) -> None:
        """Check ``isinstance(got, types)``."""
        if not isinstance(got, types):
            names = types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
            self.fail(f"{what}: expected a {names}, got {type(got).__name__}.")
        self.ok(what)

    def expect_shape(self, what: str, got: Any, shape: tuple[int | None, ...]) -> None:
        """Check an array's shape; ``None`` entries match any size."""
        actual = tuple(np.shape(got))
        if len(actual) != len(shape) or any(s is not None and s != a for s, a in zip(shape, actual)):
            pretty = tuple("any" if s is None else s for s in shape)
            self.fail(f"{what}: expected shape {pretty}, got {actual}.")
        self.ok(what)

    def expect_dtype(self, what: str, got: Any, dtype: Any) -> None:
        """Check an array's dtype (NumPy or TensorFlow tensors)."""
        dt = getattr(got, "dtype", None)
        if dt is None:
            dt = np.asarray(got).dtype
        actual = np.dtype(getattr(dt, "as_numpy_dtype", dt))  # TensorFlow DType or NumPy dtype
        if actual != np.dtype(dtype):
            self.fail(f"{what}: expected dtype {np.dtype(dtype).name}, got {actual.name}.")
        self.ok(what)

    def expect_close(
        self, what: str, got: Any, expected: Any, *, atol: float = 1e-6, rtol: float = 1e-5
    ) -> None:
        """Check values agree to tolerance; on failure show where and by how much."""
        try:
            g = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            self.fail(f"{what}: expected numbers, got {type(got).__name__}.")
        e = np.asarray(expected, dtype=np.float64)
        if g.shape != e.shape:
            self.fail(f"{what}: expected shape {e.shape}, got {g.shape}.")
        if not np.all(np.isfinite(g) | ~np.isfinite(e)):
            self.fail(f"{what}: your result contains NaN or infinity: {_preview(g)}.")
        close = np.isclose(g, e, atol=atol, rtol=rtol, equal_nan=True)
        if not close.all():
            idx = np.unravel_index(np.argmin(close), close.shape) if g.ndim else ()
            at = f" at index {tuple(int(i) for i in idx)}" if g.ndim else ""
            self.fail(
                f"{what}: expected {_preview(e)}, got {_preview(g)} "
                f"(first difference{at}: expected {e[idx]:.6g}, got {g[idx]:.6g})."
            )
        self.ok(what)


def _preview(a: np.ndarray, n: int = 6) -> str:
    flat = np.ravel(a)
    body = ", ".join(f"{v:.4g}" for v in flat[:n])
    more = ", ..." if flat.size > n else ""
    return f"[{body}{more}]" if a.ndim else body


@dataclass(frozen=True)
class Exercise:
    """A registered exercise: id (``"NN.k"``), title and checker function."""

    id: str
    title: str
    run: Callable[[Checker], None]
    hint: str = ""


REGISTRY: dict[str, Exercise] = {}
#: Failed attempts per exercise in this Python session (the hint appears by itself after HINT_AFTER).
FAILED_ATTEMPTS: dict[str, int] = {}
HINT_AFTER = 3


def exercise(exercise_id: str, title: str, hint: str = "") -> Callable[[Callable[[Checker], None]], Callable[[Checker], None]]:
    """Decorator registering a checker under ``exercise_id``."""

    def register(run: Callable[[Checker], None]) -> Callable[[Checker], None]:
        if exercise_id in REGISTRY:
            raise ValueError(f"Exercise {exercise_id} is registered twice.")
        REGISTRY[exercise_id] = Exercise(exercise_id, title, run, hint)
        return run

    return register


def check(exercise_id: str, fn: Callable[..., Any], hint: bool = False) -> CheckResult:
    """Check the learner's ``fn`` for exercise ``exercise_id`` and print the verdict.

    ``hint=True`` adds the exercise's hint to the message (it is also added after
    :data:`HINT_AFTER` failed attempts); otherwise the message only says how to ask for it.

    Raises
    ------
    ExerciseFailed
        The function ran but a result was wrong (the message says which, what
        was expected and what came back).
    UnknownExercise
        No such exercise id.
    """
    try:
        ex = REGISTRY[exercise_id]
    except KeyError:
        known = ", ".join(sorted(REGISTRY)) or "none"
        raise UnknownExercise(f"No exercise {exercise_id!r}. Known exercises: {known}.") from None
    if not callable(fn):
        raise ExerciseFailed(
            f"Exercise {ex.id} ({ex.title}): pass your function itself, e.g. "
            f"check({ex.id!r}, my_function), not {type(fn).__name__}."
        )
    checker = Checker(ex.id, fn)
    name = getattr(fn, "__name__", "your_function")
    offer = f"\nStuck? check({ex.id!r}, {name}, hint=True) adds a hint." if ex.hint else ""
    try:
        ex.run(checker)
    except _NotImplementedYet:
        print(
            f"Exercise {ex.id} ({ex.title}): not implemented yet. Replace the "
            "`raise NotImplementedError` line with your code (the text above the exercise has what you need), "
            "run that cell, then run this check again."
            + (f"\nHint: {ex.hint}" if hint and ex.hint else offer)
        )
        return CheckResult(ex.id, ex.title, "not implemented", checker.passed)
    except ExerciseFailed as exc:
        FAILED_ATTEMPTS[ex.id] = FAILED_ATTEMPTS.get(ex.id, 0) + 1
        show = ex.hint and (hint or FAILED_ATTEMPTS[ex.id] >= HINT_AFTER)
        tail = f"\nHint: {ex.hint}" if show else offer
        raise ExerciseFailed(f"Exercise {ex.id} ({ex.title}) is not right yet: {exc}{tail}") from exc.__cause__
    print(f"Exercise {ex.id} ({ex.title}): all {len(checker.passed)} checks passed.")
    return CheckResult(ex.id, ex.title, "passed", checker.passed)
