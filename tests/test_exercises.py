"""The exercise convention: checkers pass solutions, explain mistakes, tolerate placeholders."""

from __future__ import annotations

import numpy as np
import pytest

from artgan_utils import data
from artgan_utils.exercises import REGISTRY, ExerciseFailed, UnknownExercise, check

# Reference solutions for every registered exercise (kept in sync with the notebooks'
# solution cells; tests/test_student_edition.py checks the notebooks themselves).
SOLUTIONS = {
    "00.1": data.to_model_range,
    "00.2": data.to_uint8,
}


def _not_implemented(*args, **kwargs):
    raise NotImplementedError("Exercise: write this part")


def test_every_exercise_has_a_reference_solution_here():
    assert set(SOLUTIONS) == set(REGISTRY), "add the reference solution of every new exercise to SOLUTIONS"


@pytest.mark.parametrize("exercise_id", sorted(SOLUTIONS))
def test_reference_solution_passes(exercise_id, capsys):
    result = check(exercise_id, SOLUTIONS[exercise_id])
    assert result.passed and result.checks
    assert "checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("exercise_id", sorted(REGISTRY))
def test_placeholder_reports_not_implemented(exercise_id, capsys):
    result = check(exercise_id, _not_implemented)
    assert result.status == "not implemented"
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "NotImplementedError" in out


def test_wrong_answer_says_expected_and_got():
    with pytest.raises(ExerciseFailed, match=r"00\.1.*expected dtype float32, got float64"):
        check("00.1", lambda x: x / 127.5 - 1.0)
    with pytest.raises(ExerciseFailed, match=r"expected \[-1, -0\.003922, 1\], got \[0, 0\.498, 1\]"):
        check("00.1", lambda x: (x / 255.0).astype(np.float32))


def test_crashing_function_is_reported_with_its_input():
    def broken(x):
        return x.reshape(7)

    with pytest.raises(ExerciseFailed, match=r"broken raised ValueError.*when called with a 1x1x3 uint8 image"):
        check("00.1", broken)


def test_missing_clip_is_caught():
    with pytest.raises(ExerciseFailed, match="clipped"):
        check("00.2", lambda x: np.rint((x + 1) * 127.5).astype(np.uint8))


def test_unknown_exercise_and_non_callable():
    with pytest.raises(UnknownExercise, match="No exercise '99.9'. Known exercises: 00.1"):
        check("99.9", print)
    with pytest.raises(ExerciseFailed, match="pass your function itself"):
        check("00.1", data.to_model_range(np.zeros(3, np.uint8)))
