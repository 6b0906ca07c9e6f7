"""Checkers for 05_stabilizing_and_evaluating."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "05.1",
    "the WGAN-GP gradient penalty",
    hint="x_hat = alpha * real + (1 - alpha) * fake with alpha reshaped to (batch, 1, 1, 1); inside a GradientTape that "
    "watches x_hat, score it with the critic; g = tape.gradient(score, x_hat); per example "
    "norm = sqrt(sum(g**2 over h, w, c) + 1e-12); return mean((norm - 1)**2).",
)
def _check_gradient_penalty(c: Checker) -> None:
    import keras
    import tensorflow as tf

    from artgan_utils.gan.losses import gradient_penalty

    keras.utils.set_random_seed(3)
    critic = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, padding="same"),
                               keras.layers.LeakyReLU(0.2), keras.layers.Flatten(), keras.layers.Dense(1)])
    rng = np.random.default_rng(6)
    real = rng.uniform(-1, 1, (5, 8, 8, 3)).astype("float32")
    fake = rng.uniform(-1, 1, (5, 8, 8, 3)).astype("float32")
    alpha = np.array([0.0, 0.25, 0.5, 0.75, 1.0], "float32")
    got = c.call(critic, tf.constant(real), tf.constant(fake), tf.constant(alpha), describe="a small critic, 5 images")
    expected = float(gradient_penalty(critic, real, fake, alpha=alpha))
    c.expect_close("penalty with one alpha per example", np.asarray(got, dtype=np.float64).reshape(()), expected,
                   rtol=1e-3, atol=1e-6)
    flat = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(),
                             keras.layers.Dense(1, kernel_initializer="zeros")])
    x = tf.zeros((2, 8, 8, 3))
    with tf.GradientTape() as tape:
        value = c.call(flat, x, x, tf.constant([0.5, 0.5]), describe="a flat critic (gradient exactly 0)")
    grads = tape.gradient(value, flat.trainable_variables)[0]
    if grads is None or not np.isfinite(np.asarray(grads)).all():
        c.fail("where the critic's gradient is exactly 0 your penalty's own gradient is NaN or missing: "
               "put the epsilon inside the square root, sqrt(sum(g**2) + 1e-12).")
    c.ok("finite gradient where the critic is flat (epsilon inside the sqrt)")


@exercise(
    "05.2",
    "an unbiased KID estimator (squared MMD, cubic polynomial kernel)",
    hint="Among the m * m pairs (x_i, x_j) of one set, the m pairs with i = j are not two independent draws, and "
    "k(x_i, x_i) is larger on average than k(x_i, x_j). Leave those pairs out of the within-set averages and divide "
    "by the number of pairs you kept. The cross term has no such pairs.",
)
def _check_kid(c: Checker) -> None:
    from artgan_utils.evaluation.metrics import mmd2_unbiased

    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((30, 6)), rng.standard_normal((25, 6)) + 0.4
    got = c.call(x, y, describe="30 and 25 feature vectors of size 6")
    k = lambda a, b: (a @ b.T / a.shape[1] + 1.0) ** 3  # noqa: E731
    biased = k(x, x).mean() + k(y, y).mean() - 2.0 * k(x, y).mean()
    if np.isclose(float(np.asarray(got)), biased, rtol=1e-6):
        c.fail("your estimate averages the kernel over all pairs, including each vector with itself: that estimator "
               "is biased (above 0 on average for one distribution). Leave the diagonal k(x_i, x_i) out of the "
               "within-set averages.")
    c.expect_close("KID of two different sets", float(np.asarray(got)), mmd2_unbiased(x, y), rtol=1e-6, atol=1e-9)
    same = [float(np.asarray(c.call(rng.standard_normal((20, 4)), rng.standard_normal((20, 4)), describe="same distribution")))
            for _ in range(200)]
    if np.mean(same) > 4 * np.std(same) / np.sqrt(len(same)):
        c.fail(f"for two samples of the same distribution your estimates average {np.mean(same):.4f}, clearly above 0: "
               "leave the diagonal k(x_i, x_i) out of the within-set means (that is what makes it unbiased).")
    c.ok("unbiased: averages to 0 for one distribution")
