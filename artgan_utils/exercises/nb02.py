"""Checkers for 02_first_gan_toy."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


def _small_models(seed: int = 0):
    import keras

    from artgan_utils.teaching.toy import make_toy_discriminator, make_toy_generator

    keras.utils.set_random_seed(seed)
    g = make_toy_generator(latent_dim=4, out_dim=2, width=16, depth=2, name="check_generator")
    d = make_toy_discriminator(in_dim=2, width=16, depth=2, name="check_discriminator")
    return g, d


def _weights(model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


def least_squares_generator_step(generator, discriminator, optimizer, z):
    """The reference of exercise 02.1: one generator update with the least-squares loss 0.5 * mean((D(G(z)) - 1)**2)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        scores = discriminator(generator(z, training=True), training=True)
        loss = 0.5 * tf.reduce_mean(tf.square(scores - 1.0))
    grads = tape.gradient(loss, generator.trainable_variables)
    optimizer.apply_gradients(zip(grads, generator.trainable_variables))
    return loss


@exercise(
    "02.1",
    "the generator's training step, least-squares loss",
    hint="Start from the generator half of train_step above and change only the loss: the discriminator's raw "
    "output a goes into 0.5 * mean((a - 1)**2), with no sigmoid and no softplus.",
)
def _check_generator_step(c: Checker) -> None:
    import keras
    import tensorflow as tf

    z = np.random.default_rng(5).standard_normal((32, 4)).astype(np.float32)
    g_ref, d_ref = _small_models()
    ref_loss = float(least_squares_generator_step(g_ref, d_ref, keras.optimizers.SGD(0.1), z))
    g, d = _small_models()
    d_before = _weights(d)
    scores = d(g(z, training=True), training=True)
    non_saturating = float(tf.reduce_mean(tf.nn.softplus(-scores)))
    loss = c.call(g, d, keras.optimizers.SGD(0.1), z, describe="small MLPs, SGD(0.1) and a batch of 32 noise vectors")
    try:
        loss_value = float(np.asarray(loss))
    except (TypeError, ValueError):
        c.fail(f"return the generator loss (a scalar); got {type(loss).__name__}.")
    if abs(loss_value - non_saturating) < 1e-5:
        c.fail("your loss is the non-saturating loss of train_step above; this exercise asks for the least-squares "
               "loss 0.5 * mean((D(G(z)) - 1)**2) on the discriminator's raw output.")
    c.expect_close("returned loss = 0.5 * mean((D(G(z)) - 1)**2) (least squares)", loss_value, ref_loss, atol=1e-5)
    for before, after in zip(d_before, _weights(d)):
        if not np.array_equal(before, after):
            c.fail("the discriminator's weights changed: the generator's step must leave them alone.")
    c.ok("the discriminator is left untouched")
    changed = any(not np.array_equal(a, b) for a, b in zip(_weights(g), _weights(_small_models()[0])))
    if not changed:
        c.fail("the generator's weights did not change: did you apply the gradients?")
    for name, (mine, ref) in zip([w.path for w in g.weights], zip(_weights(g), _weights(g_ref))):
        c.expect_close(f"updated generator weight {name}", mine, ref, atol=1e-5)


@exercise(
    "02.2",
    "counting covered modes",
    hint="For each sample find its nearest centre and its distance; keep samples within 3 * std; "
    "count per mode (np.bincount with minlength=K); a mode is covered if its count >= min_count.",
)
def _check_modes_covered(c: Checker) -> None:
    from artgan_utils.evaluation.coverage import mode_coverage
    from artgan_utils.teaching.toy import grid_centres, ring_centres, ring_of_gaussians

    rng = np.random.default_rng(11)
    centres = ring_centres()
    cases = [
        (ring_of_gaussians(800, rng), centres, 0.02, 20, "800 samples from the real ring"),
        (centres[[0, 0, 0, 5, 5]] + 0.01 * rng.standard_normal((5, 2)), centres, 0.02, 1, "5 samples near modes 0 and 5"),
        (centres[[2] * 30 + [6] * 3] + 0.01 * rng.standard_normal((33, 2)), centres, 0.02, 10,
         "30 samples at mode 2 and 3 at mode 6, min_count=10"),
        (np.array([[0.0, 0.0], [2.1, 0.0], [2.0, 0.05]]), centres, 0.02, 1, "points off the modes and one 2.5 std away"),
        (np.concatenate([centres[[0] * 12] + 0.01 * rng.standard_normal((12, 2)), 0.5 * centres[[3] * 12]]), centres,
         0.02, 5, "12 samples at mode 0 and 12 halfway between the centre and mode 3 (nearest to mode 3, far off it)"),
    ]
    g = grid_centres()
    cases.append((g[rng.integers(25, size=600)] + 0.05 * rng.standard_normal((600, 2)), g, 0.05, 5, "600 samples from the 5x5 grid"))
    for samples, cen, std, min_count, desc in cases:
        expected = mode_coverage(samples, cen, std, min_fraction=min_count * len(cen) / len(samples)).modes_covered
        got = c.call(samples.copy(), cen.copy(), std, min_count, describe=desc)
        try:
            got_int = int(got)
        except (TypeError, ValueError):
            c.fail(f"return the number of covered modes (an int); got {type(got).__name__}.")
        if got_int != expected:
            c.fail(f"{desc}: expected {expected} covered modes, got {got_int}."
                   + (" Samples far from every mode must not count for their nearest one."
                      if "halfway" in desc and got_int > expected else ""))
        c.ok(desc)
