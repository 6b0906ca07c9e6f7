"""Checkers for 10_new_works."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


def _array(c: Checker, got, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        c.fail(f"return a numpy array; got {type(got).__name__}.")
    if arr.shape != shape and arr.size == int(np.prod(shape)):
        arr = arr.reshape(shape)
    c.expect_shape("the logits", arr, shape)
    return arr


@exercise(
    "10.1",
    "the projection discriminator's logit",
    hint="Two terms per image: the unconditional score psi(phi) = phi . w + b, and the projection, the inner "
    "product of phi with the embedding row of that image's own label. Look up one row per image (its label), "
    "not a row shared by the batch.",
)
def _check_projection(c: Checker) -> None:
    rng = np.random.default_rng(10)
    n, d, k = 6, 5, 3
    phi, w, b = rng.normal(size=(n, d)), rng.normal(size=d), 0.3
    table, labels = rng.normal(size=(k, d)), np.array([0, 1, 2, 2, 1, 0])
    got = _array(c, c.call(phi, w, b, table, labels, describe="6 images, 5 features, 3 classes"), (n,))
    expected = phi @ w + b + np.sum(table[labels] * phi, axis=1)
    wrong = {
        "no projection term (the unconditional score alone)": phi @ w + b,
        "the projection alone, without psi(phi)": np.sum(table[labels] * phi, axis=1),
        "the embedding multiplied with w instead of phi": phi @ w + b + table[labels] @ w,
        "the same embedding row for every image": phi @ w + b + phi @ table[labels[0]],
        "the bias left out": phi @ w + np.sum(table[labels] * phi, axis=1),
    }
    for mistake, wrong_value in wrong.items():
        if np.allclose(got, wrong_value, rtol=1e-5, atol=1e-8):
            c.fail(f"your logits match {mistake}; look at the formula of section 2 again.")
    c.expect_close("logits", got, expected, rtol=1e-5, atol=1e-8)
    swapped = _array(c, c.call(phi, w, b, table, labels[::-1].copy(), describe="the same images, other labels"), (n,))
    c.expect_close("logits follow the labels", swapped,
                   phi @ w + b + np.sum(table[labels[::-1]] * phi, axis=1), rtol=1e-5, atol=1e-8)


@exercise(
    "10.2",
    "CAN's style-ambiguity loss",
    hint="The generator wants the style classifier to be unsure: its loss is the cross-entropy between the uniform "
    "distribution over the K styles and the classifier's softmax, averaged over the batch. Per image that is "
    "-(1/K) times the sum over styles of log softmax; compute log softmax stably (subtract the row's maximum).",
)
def _check_ambiguity(c: Checker) -> None:
    rng = np.random.default_rng(11)
    logits = rng.normal(0, 2, (4, 5))
    value = c.number(c.call(logits.astype("float32"), describe="4 images, 5 styles"))

    def log_softmax(x):
        x = x - x.max(axis=1, keepdims=True)
        return x - np.log(np.exp(x).sum(axis=1, keepdims=True))

    expected = float(-np.mean(np.mean(log_softmax(logits), axis=1)))
    p = np.exp(log_softmax(logits))
    wrong = {
        "the sum over styles instead of the mean (K times too large)": float(-np.mean(np.sum(log_softmax(logits), 1))),
        "the negative entropy of the softmax": float(np.mean(np.sum(p * np.log(p), axis=1))),
        "the entropy of the softmax": float(-np.mean(np.sum(p * np.log(p), axis=1))),
        "the cross-entropy to the most likely style": float(-np.mean(log_softmax(logits).max(axis=1))),
        "log of the raw logits' mean instead of log softmax": float(-np.mean(logits)),
    }
    for mistake, wrong_value in wrong.items():
        if np.isclose(value, wrong_value, rtol=1e-4):
            c.fail(f"your value matches {mistake}.")
    c.expect_close("loss on random logits", value, expected, rtol=1e-4, atol=1e-6)
    flat = c.number(c.call(np.zeros((2, 5), "float32"), describe="a classifier that cannot tell (equal logits)"))
    c.expect_close("the smallest possible loss is log K", flat, float(np.log(5)), rtol=1e-4)
    huge = c.number(c.call(np.array([[1000.0, 0, 0, 0, 0]], "float32"), describe="one logit of 1000"))
    if not np.isfinite(huge):
        c.fail("one large logit gives inf or NaN: subtract each row's maximum before exponentiating.")
    c.expect_close("a certain classifier costs about 1000 * 4/5", huge, 800.0 + np.log(1.0), rtol=1e-3)
