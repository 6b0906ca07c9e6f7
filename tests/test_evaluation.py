"""Evaluator: deterministic, labelled scores that rank a trained generator above an untrained one."""

from __future__ import annotations

import keras
import numpy as np

import artgan_utils  # noqa: F401
from artgan_utils import evaluation
from artgan_utils.evaluation import features
from artgan_utils.gan import build_gan, get_recipe, recipe_dataset

TINY = get_recipe("dcgan-digits").replace(name="tiny", g_filters=16, d_filters=8, batch_size=32,
                                                  latent_dim=8, steps=6)


def test_held_out_real_differs_from_the_training_stream():
    real = evaluation.held_out_real(TINY, 40)
    train = next(iter(recipe_dataset(TINY.replace(batch_size=40)))).numpy()
    assert real.shape == (40, 16, 16, 1) and not np.array_equal(real, train)


def test_evaluator_is_deterministic_labelled_and_sees_quality():
    real = evaluation.held_out_real(TINY, 128)
    ev = evaluation.Evaluator(real, extractor=features.random_cnn(), n=128, kid_subsets=5, kid_subset_size=64)
    keras.utils.set_random_seed(0)
    constant = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16 * 16, kernel_initializer="zeros",
                                 bias_initializer="zeros"), keras.layers.Reshape((16, 16, 1))])
    a, b = ev(constant), ev(constant)
    assert a == b, "fixed noise: identical scores for the same generator"
    assert set(a) == {"swd", "kid", "kid_std", "fd", "precision", "recall"}
    line = ev.describe(a)
    assert "KID[random-cnn]" in line and "FD[random-cnn]" in line and "FID" not in line
    # a stand-in "generator" that returns real images scores far better than a grey square
    real_gen = lambda z, training=False: real[: len(z)]  # noqa: E731
    real_gen.input_shape = (None, 8)
    good = ev(real_gen)
    assert good["swd"] < a["swd"] / 3 and good["kid"] < a["kid"] / 3 and good["recall"] > a["recall"]


def test_evaluate_every_and_time_budget_in_fit():
    gan = build_gan(TINY)
    real = evaluation.held_out_real(TINY, 64)
    ev = evaluation.EvaluateEvery(evaluation.Evaluator(real, n=64, kid_subsets=2, kid_subset_size=32))
    budget = evaluation.TimeBudget(seconds=1e-9)  # stops after the first step
    gan.fit(recipe_dataset(TINY), steps_per_epoch=3, epochs=2, verbose=0, callbacks=[budget, ev])
    assert int(gan.step.numpy()) == 1 and len(ev.history) == 1 and ev.history[0]["step"] == 1


def test_train_for_time_scores_every_interval_and_the_final_state():
    real = evaluation.held_out_real(TINY, 64)
    ev = evaluation.Evaluator(real, n=64, kid_subsets=2, kid_subset_size=32)
    gan, history = evaluation.train_for_time(TINY, seconds=4.0, evaluator=ev, every=60)
    steps = [row["step"] for row in history]
    assert steps[-1] == int(gan.step.numpy()) > 60  # a few ms per step: several intervals
    assert all(s % 60 == 0 for s in steps[:-1]) and steps == sorted(set(steps))
    assert 4.0 <= history[-1]["seconds"] < 10  # training time only (the first step includes tracing), stops soon after the budget
