"""Exercise checkers for the notebook series (see :mod:`artgan_utils.exercises.core`).

Described in notebook 00 (how exercises work); each ``nbNN`` module holds notebook NN's checkers.

Usage in a notebook::

    from artgan_utils.exercises import check
    check("00.1", to_model_range)

Checkers are grouped by notebook (``nb00``, ``nb01``, ...); importing this
package registers them all.
"""

from artgan_utils.exercises import nb00, nb01, nb02, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb11  # noqa: F401  (registers checkers)
from artgan_utils.exercises.core import (
    REGISTRY,
    Checker,
    CheckResult,
    ExerciseFailed,
    UnknownExercise,
    check,
    exercise,
)

__all__ = ["REGISTRY", "CheckResult", "Checker", "ExerciseFailed", "UnknownExercise", "check", "exercise"]
