"""How good is a generator: sample-quality metrics, the features they use, and evaluation during training.

Import the metric modules (``from artgan_utils.evaluation import metrics``);
the evaluator's API is re-exported here (``evaluation.Evaluator``).

``coverage``   mode coverage on toy mixtures (notebook 02); nearest training images, the memorisation check (notebook 04)
``metrics``    FD, KID, precision/recall on features; SWD on pixels (notebook 05)
``features``   feature extractors, each labelled: Inception-v3 (online), the offline random CNN (notebook 05)
``evaluator``  ``Evaluator`` (all metrics on held-out patches), ``EvaluateEvery``, ``TimeBudget``, equal-time runs (notebooks 05, 06)
``style_check`` a style classifier on image features and its confusion matrix; patch nearest-neighbour distances (notebook 10)
``roc``        a detector's scores: ROC, AUC, bootstrap intervals by work, the threshold at a false-positive rate, the split by work (notebook 11)
"""

from __future__ import annotations

from typing import Any

_EVALUATOR = ("EvaluateEvery", "Evaluator", "TimeBudget", "held_out_real", "train_for_time")
__all__ = list(_EVALUATOR)


def __getattr__(name: str) -> Any:
    # imported on first use: the metric modules need only numpy, the evaluator needs Keras
    if name in _EVALUATOR:
        from artgan_utils.evaluation import evaluator

        return getattr(evaluator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
