"""Checkers for 04_training_dcgan."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


def _bce_from_logits_reference(real: np.ndarray, fake: np.ndarray) -> float:
    # -log sigmoid(r) = log(1 + e^-r) and -log(1 - sigmoid(f)) = log(1 + e^f), computed stably
    return float(np.mean(np.logaddexp(0.0, -real)) + np.mean(np.logaddexp(0.0, fake)))


@exercise(
    "04.1",
    "the discriminator loss from logits",
    hint="-log D(x) = softplus(-logit) and -log(1 - D(G(z))) = softplus(logit); average each over the batch and add "
    "them. keras.ops.softplus (or tf.nn.softplus) never overflows, unlike log(sigmoid(...)).",
)
def _check_discriminator_loss(c: Checker) -> None:
    rng = np.random.default_rng(4)
    cases = [
        ("random logits", rng.normal(0, 2, (16, 1)), rng.normal(0, 2, (16, 1))),
        ("D is sure and right", np.full((4, 1), 8.0), np.full((4, 1), -8.0)),
        ("D is sure and wrong", np.full((4, 1), -8.0), np.full((4, 1), 8.0)),
    ]
    for label, real, fake in cases:
        got = c.call(real.astype("float32"), fake.astype("float32"), describe=label)
        if np.isclose(float(np.asarray(got)), _bce_from_logits_reference(fake, real), atol=1e-4, rtol=1e-4) and \
                not np.isclose(_bce_from_logits_reference(fake, real), _bce_from_logits_reference(real, fake)):
            c.fail(f"for {label} your loss is the one with real and fake swapped: real images have the label 1 "
                   "(-log D(x)), generated ones the label 0 (-log(1 - D(G(z)))).")
        c.expect_close(f"loss for {label}", np.asarray(got, dtype=np.float64).reshape(()),
                       _bce_from_logits_reference(real, fake), atol=1e-4, rtol=1e-4)
    real, fake = np.array([[-100.0], [100.0]], "float32"), np.array([[100.0], [-100.0]], "float32")
    got = float(np.asarray(c.call(real, fake, describe="logits of +-100")))
    if not np.isfinite(got):
        c.fail("with logits of +-100 your loss is not finite: compute it from logits with softplus, "
               "not as log(sigmoid(logit)).")
    c.expect_close("loss for logits of +-100 (stable)", got, _bce_from_logits_reference(real, fake), atol=1e-3)


@exercise(
    "04.2",
    "the distance from each sample to its nearest training image",
    hint="Flatten both sets to (n, H*W*C) float arrays; for each sample, the RMS distance to training image j is "
    "sqrt(mean((s - t_j)**2)); take the minimum over j. Broadcasting s[:, None, :] - t[None, :, :] is fine here.",
)
def _check_nearest(c: Checker) -> None:
    rng = np.random.default_rng(5)
    train = rng.uniform(-1, 1, (12, 4, 4, 3)).astype("float32")
    samples = rng.uniform(-1, 1, (5, 4, 4, 3)).astype("float32")
    samples[2] = train[7]  # an exact copy: distance 0
    samples[3] = train[1] + 0.1  # a near copy: RMS distance 0.1
    got = c.call(samples, train, describe="5 samples, 12 training images of 4x4x3")
    d = np.sqrt(((samples.reshape(5, 1, -1) - train.reshape(1, 12, -1)) ** 2).mean(axis=2)).min(axis=1)
    c.expect_shape("one distance per sample", np.asarray(got), (5,))
    c.expect_close("distances", got, d, atol=1e-5)
    c.ok("finds the copied sample (distance 0) and the near copy (0.1)")
