"""Evaluate a generator against real data: SWD, KID, FD and precision/recall in one call, and during training.

Taught in notebook 05 (sections 1 and 3); notebook 06 compares recipes at equal time with it.

    ev = Evaluator(real_images, extractor=features.random_cnn())
    scores = ev(generator)           # {"swd": ..., "kid": ..., "kid_std": ..., "fd": ..., "precision": ..., "recall": ...}
    print(ev.describe(scores))       # labelled: FD[random-cnn], KID[random-cnn] when offline

Real images are held out from training by drawing them from the recipe's
stream with a different seed (:func:`held_out_real`). Generated images come
from fixed noise, so two evaluations of the same generator agree exactly.
"""

from __future__ import annotations

import time
from typing import Any

import keras
import numpy as np

from artgan_utils.evaluation import metrics
from artgan_utils.evaluation.features import FeatureExtractor, random_cnn


def held_out_real(recipe: Any, n: int, seed_offset: int = 10_000) -> np.ndarray:
    """``n`` real training-distribution images (in [-1, 1]) from the recipe's stream under another seed."""
    from artgan_utils.gan import recipe_dataset

    r = recipe.replace(seed=recipe.seed + seed_offset, batch_size=min(n, 256))
    batches, have = [], 0
    for batch in recipe_dataset(r):
        batches.append(batch.numpy())
        have += len(batches[-1])
        if have >= n:
            break
    return np.concatenate(batches)[:n]


class Evaluator:
    """Scores generators against a fixed set of real images.

    Parameters
    ----------
    real:
        Real images (n, h, w, c) in [-1, 1].
    extractor:
        Feature extractor for KID, FD and precision/recall (default: the
        offline :func:`~artgan_utils.evaluation.features.random_cnn`).
    n:
        Number of generated images per evaluation (default: as many as real).
    """

    def __init__(self, real: np.ndarray, extractor: FeatureExtractor | None = None, n: int | None = None,
                 seed: int = 0, kid_subsets: int = 20, kid_subset_size: int = 100):
        self.real = np.asarray(real, dtype=np.float32)
        self.extractor = extractor or random_cnn()
        self.n = int(n or len(self.real))
        self.seed = seed
        self.kid_subsets, self.kid_subset_size = kid_subsets, kid_subset_size
        self.real_features = self.extractor(self.real)

    def samples(self, generator: keras.Model) -> np.ndarray:
        """Images from fixed noise (the same for every call), in [-1, 1]."""
        dim = int(generator.input_shape[-1])
        z = np.random.default_rng(self.seed).standard_normal((self.n, dim)).astype("float32")
        return np.concatenate([np.asarray(generator(z[i : i + 256], training=False)) for i in range(0, self.n, 256)])

    def __call__(self, generator: keras.Model) -> dict[str, float]:
        fake = np.clip(self.samples(generator), -1.0, 1.0)
        feats = self.extractor(fake)
        kid = metrics.kernel_distance(self.real_features, feats, self.kid_subsets, self.kid_subset_size, seed=self.seed)
        pr = metrics.precision_recall(self.real_features, feats)
        m = min(len(self.real), len(fake))
        return {
            "swd": metrics.sliced_wasserstein(self.real[:m], fake[:m], seed=self.seed).mean,
            "kid": kid.mean,
            "kid_std": kid.std,
            "fd": metrics.frechet_distance_features(self.real_features, feats),
            "precision": pr.precision,
            "recall": pr.recall,
        }

    def describe(self, scores: dict[str, float]) -> str:
        """One labelled line, e.g. ``SWD 41.2 | KID[random-cnn] 0.0123 ± 0.0008 | ...``."""
        return (f"SWD {scores['swd']:.1f} | {self.extractor.label('KID')} {scores['kid']:.4f} ± {scores['kid_std']:.4f} | "
                f"{self.extractor.label('FD')} {scores['fd']:.2f} | precision {scores['precision']:.2f} | "
                f"recall {scores['recall']:.2f}")


class EvaluateEvery(keras.callbacks.Callback):
    """Score the model's sampler at every epoch end; keeps ``history`` rows (step, seconds, scores).

    The time spent evaluating is excluded from ``seconds`` (training time only),
    so runs can be compared at equal training time.
    """

    def __init__(self, evaluator: Evaluator):
        super().__init__()
        self.evaluator = evaluator
        self.history: list[dict[str, float]] = []
        self.train_seconds = 0.0
        self._t0 = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.train_seconds += time.perf_counter() - self._t0
        scores = self.evaluator(getattr(self.model, "sampler", self.model.generator))
        self.history.append({"step": int(self.model.step.numpy()), "seconds": round(self.train_seconds, 1), **scores})


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of training time (excluding evaluation callbacks' epochs ends) have passed."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = float(seconds)
        self.used = 0.0
        self._t0 = 0.0

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._t0 = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.used += time.perf_counter() - self._t0
        if self.used >= self.seconds:
            self.model.stop_training = True


def train_for_time(recipe: Any, seconds: float, evaluator: Evaluator, every: int,
                   **build_kwargs: Any) -> tuple[Any, list[dict[str, float]]]:
    """Train a recipe for ``seconds`` of training time, scoring it every ``every`` steps and at the end.

    The comparison behind the series' "at equal time" tables: evaluation time
    is excluded from the budget (:class:`TimeBudget`, :class:`EvaluateEvery`),
    and the final state is always scored, also when the budget runs out in
    the middle of an interval. ``build_kwargs`` go to
    :func:`artgan_utils.gan.build_gan`. Returns the GAN and the score rows
    (``step``, ``seconds``, scores).
    """
    from artgan_utils.gan import build_gan, recipe_dataset

    gan = build_gan(recipe, **build_kwargs)
    scores = EvaluateEvery(evaluator)
    gan.fit(recipe_dataset(recipe), steps_per_epoch=every, epochs=1_000_000, verbose=0,
            callbacks=[TimeBudget(seconds), scores])
    if not scores.history or scores.history[-1]["step"] != int(gan.step.numpy()):
        scores.on_epoch_end(0)
    return gan, scores.history
