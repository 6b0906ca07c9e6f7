"""Losses, gradient penalties, DiffAugment and the GAN's stabilisation switches."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import artgan_utils  # noqa: F401
from artgan_utils.gan import (
    augment,
    build_gan,
    get_recipe,
    losses,
    recipe_dataset,
    train_recipe,
)


def _critic(seed=0, size=8):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((size, size, 3)), keras.layers.Conv2D(4, 3, padding="same"),
                             keras.layers.LeakyReLU(0.2), keras.layers.Flatten(), keras.layers.Dense(1)])


def test_losses_match_their_formulas():
    r = np.array([[2.0], [-1.0], [0.5]], "float32")
    f = np.array([[-3.0], [0.2], [1.5]], "float32")
    sp = lambda x: np.log1p(np.exp(x))  # noqa: E731
    assert float(losses.nonsaturating_d(r, f)) == pytest.approx(sp(-r).mean() + sp(f).mean(), rel=1e-6)
    assert float(losses.nonsaturating_g(f)) == pytest.approx(sp(-f).mean(), rel=1e-6)
    assert float(losses.hinge_d(r, f)) == pytest.approx(np.maximum(0, 1 - r).mean() + np.maximum(0, 1 + f).mean())
    assert float(losses.hinge_g(f)) == pytest.approx(-f.mean())
    assert float(losses.wasserstein_d(r, f)) == pytest.approx(f.mean() - r.mean())
    with pytest.raises(ValueError, match="Losses: nonsaturating, hinge, wasserstein"):
        losses.get_loss("lsgan")


def test_gradient_penalty_matches_an_independent_per_example_computation():
    d = _critic()
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    fake = rng.uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    alpha = np.array([0.0, 0.3, 0.7, 1.0], "float32")
    gp = float(losses.gradient_penalty(d, real, fake, alpha=alpha))
    expected = []
    for i in range(4):  # one example at a time, with its own alpha
        x = tf.constant(alpha[i] * real[i : i + 1] + (1 - alpha[i]) * fake[i : i + 1])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = d(x, training=True)
        g = tape.gradient(y, x).numpy()
        expected.append((np.sqrt((g**2).sum()) - 1.0) ** 2)
    assert gp == pytest.approx(np.mean(expected), rel=1e-4)


def test_gradient_penalty_has_finite_gradients_where_d_is_flat():
    flat = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1, kernel_initializer="zeros")])
    x = np.zeros((2, 8, 8, 3), "float32")
    with tf.GradientTape() as tape:
        gp = losses.gradient_penalty(flat, x, x, alpha=np.array([0.5, 0.5], "float32"))
    grads = tape.gradient(gp, flat.trainable_variables)
    assert float(gp) == pytest.approx(1.0, rel=1e-5)  # (0 - 1)^2
    kernel_grad = grads[0]  # the bias does not enter grad_x D, so its gradient is None
    assert np.isfinite(kernel_grad.numpy()).all(), "eps inside the sqrt keeps the gradient finite at 0"
    with tf.GradientTape() as tape:
        no_eps = losses.gradient_penalty(flat, x, x, alpha=np.array([0.5, 0.5], "float32"), eps=0.0)
    assert not np.isfinite(tape.gradient(no_eps, flat.trainable_variables)[0].numpy()).all()


def test_r1_penalty_is_the_mean_squared_gradient_norm():
    lin = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    w = lin.layers[-1].kernel.numpy()
    x = np.random.default_rng(1).uniform(-1, 1, (3, 8, 8, 3)).astype("float32")
    assert float(losses.r1_penalty(lin, x)) == pytest.approx(float((w**2).sum()), rel=1e-5)  # linear D: grad = w


def test_diff_augment_is_seeded_differentiable_and_does_what_it_says():
    x = tf.constant(np.random.default_rng(2).uniform(-1, 1, (6, 16, 16, 3)).astype("float32"))
    seed = tf.constant([1, 2], tf.int64)
    a = augment.diff_augment(x, seed)
    np.testing.assert_array_equal(a.numpy(), augment.diff_augment(x, seed).numpy())
    assert not np.array_equal(a.numpy(), augment.diff_augment(x, tf.constant([1, 3], tf.int64)).numpy())
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(augment.diff_augment(x, seed))
    assert np.abs(tape.gradient(y, x).numpy()).sum() > 0
    cut = augment.diff_augment(tf.ones((50, 16, 16, 3)), seed, "cutout").numpy()
    assert (cut[..., 0] == 0).sum(axis=(1, 2)).max() == 64 and (cut[..., 0] == 0).sum(axis=(1, 2)).min() >= 16
    ones = tf.ones((200, 16, 16, 3))
    moved = augment.diff_augment(ones, seed, "translation").numpy()
    zero_rows = (moved[..., 0] == 0).all(axis=2).sum(axis=1)  # whole empty rows from a vertical shift
    assert zero_rows.max() == 2 and (moved >= 0).all()  # up to 16/8 = 2 pixels
    np.testing.assert_array_equal(augment.diff_augment(x, seed, "").numpy(), x.numpy())
    with pytest.raises(ValueError, match="Unknown DiffAugment policy"):
        augment.parse_policy("color,rotate")


TINY = get_recipe("dcgan-digits").replace(name="tiny", g_filters=16, d_filters=8, batch_size=16, latent_dim=8,
                                                  steps=6)


@pytest.mark.parametrize("changes", [
    dict(loss="hinge", spectral_norm=True),
    dict(loss="wasserstein", gp_weight=10.0, n_critic=2, dropout=0.0),
    dict(r1_gamma=1.0, augment="color,translation,cutout", ema_decay=0.9),
])
def test_stabilised_recipes_train_and_resume_exactly(tmp_path, changes):
    recipe = TINY.replace(**changes)
    ref = train_recipe(recipe, tmp_path / "a", every=3, tensorboard=False, verbose=0)
    assert np.isfinite([float(v) for v in ref.get_metrics_result().values()]).all()

    class Crash(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if int(self.model.step.numpy()) == 4:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_recipe(recipe, tmp_path / "b", every=3, tensorboard=False, verbose=0, extra_callbacks=[Crash()])
    resumed = train_recipe(recipe, tmp_path / "b", every=3, tensorboard=False, verbose=0)
    for a, b in zip(ref.sampler.get_weights() + ref.discriminator.get_weights(),
                    resumed.sampler.get_weights() + resumed.discriminator.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_ema_generator_lags_the_generator():
    gan = build_gan(TINY.replace(ema_decay=0.5))
    before = [w.copy() for w in gan.ema_generator.get_weights()]
    gan.fit(recipe_dataset(TINY), steps_per_epoch=2, epochs=1, verbose=0)
    after, raw = gan.ema_generator.get_weights(), gan.generator.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(before, after)), "EMA moved"
    assert any(not np.allclose(a, r) for a, r in zip(after, raw)), "but is not the generator"
    assert gan.sampler is gan.ema_generator and "penalty" not in [m.name for m in gan.metrics]
