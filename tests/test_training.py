"""GAN(keras.Model): train_step updates, NaN guard, and exact resume from a checkpoint."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

import artgan_utils  # noqa: F401
from artgan_utils.gan import GAN, GANCheckpoint, NaNGuard, SampleGrid, restore_latest


def _models(seed=0):
    keras.utils.set_random_seed(seed)
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)], name="g")
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(16), keras.layers.LeakyReLU(0.2), keras.layers.Dense(1)], name="d")
    return g, d


def _gan(seed=0, lr=1e-3):
    g, d = _models(seed)
    gan = GAN(g, d, latent_dim=4, seed=seed)
    gan.compile(g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5), d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return gan


def _data(n_batches, batch=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n_batches * batch, 2)).astype("float32") + np.array([2.0, -1.0], "float32")


def _weights(gan):
    return [w.copy() for w in gan.generator.get_weights() + gan.discriminator.get_weights()]


def test_fit_reports_metrics_and_counts_steps():
    gan = _gan()
    history = gan.fit(_data(5), batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert int(gan.step.numpy()) == 10
    assert all(np.isfinite(v).all() for v in history.history.values())


def test_resume_matches_uninterrupted_run(tmp_path):
    data = _data(12)
    # uninterrupted: 12 steps
    ref = _gan()
    ref_hist = ref.fit(data, batch_size=32, epochs=1, shuffle=False, verbose=0)
    # interrupted after 6 steps, checkpointed, then a fresh process-like rebuild resumes
    first = _gan()
    first.fit(data[: 6 * 32], batch_size=32, epochs=1, shuffle=False, verbose=0,
              callbacks=[GANCheckpoint(tmp_path / "ckpt", every=3)])
    assert tf.train.latest_checkpoint(str(tmp_path / "ckpt")).endswith("-6")
    resumed = _gan(seed=123)  # different initial weights and noise seed: everything must come from the checkpoint
    assert restore_latest(resumed, tmp_path / "ckpt") == 6
    resumed.fit(data[6 * 32:], batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert int(resumed.step.numpy()) == 12
    for a, b in zip(_weights(ref), _weights(resumed)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(resumed.g_optimizer.iterations.numpy()) == int(ref.g_optimizer.iterations.numpy()) == 12
    assert np.isfinite(ref_hist.history["g_loss"][-1])


def test_restore_without_checkpoint_returns_zero(tmp_path):
    assert restore_latest(_gan(), tmp_path / "empty") == 0


def test_nan_guard_stops_with_message():
    gan = _gan()
    bad = _data(3)
    bad[40] = np.nan
    with pytest.raises(FloatingPointError, match=r"Training stopped at step 2: .*loss=nan.*resume from the last checkpoint"):
        gan.fit(bad, batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[NaNGuard()])


def test_restore_into_a_different_architecture_fails_loudly(tmp_path):
    gan = _gan()
    gan.fit(_data(2), batch_size=32, epochs=1, shuffle=False, verbose=0, callbacks=[GANCheckpoint(tmp_path / "c", every=1)])
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    _, d = _models()
    other = GAN(g, d, latent_dim=4)
    other.compile(g_optimizer=keras.optimizers.Adam(), d_optimizer=keras.optimizers.Adam())
    with pytest.raises((AssertionError, ValueError)):
        restore_latest(other, tmp_path / "c")


def test_sample_grid_saves_one_png_per_epoch_from_fixed_noise(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    keras.utils.set_random_seed(0)
    g = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8 * 8 * 3, activation="tanh"), keras.layers.Reshape((8, 8, 3))])
    d = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Flatten(), keras.layers.Dense(1)])
    gan = GAN(g, d, latent_dim=4)
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-2), d_optimizer=keras.optimizers.Adam(1e-2))
    images = np.random.default_rng(0).uniform(-1, 1, (64, 8, 8, 3)).astype("float32")
    grid = SampleGrid(n=4, directory=tmp_path / "grids", show=False)
    gan.fit(images, batch_size=32, epochs=3, shuffle=False, verbose=0, callbacks=[grid])
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == ["step_000002.png", "step_000004.png", "step_000006.png"]
    assert len(grid.grids) == 3 and grid.grids[0].shape == (2 * 10 + 2, 2 * 10 + 2, 3)
    assert not np.array_equal(grid.grids[0], grid.grids[-1]), "the generator changed between epochs"


def test_sample_grid_counts_steps_for_models_without_a_step_counter():
    import matplotlib

    matplotlib.use("Agg")

    class Plain(keras.Model):  # a learner's own GAN class: a generator and latent_dim, no step variable
        def __init__(self):
            super().__init__()
            self.generator = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2 * 2 * 3, activation="tanh"),
                                               keras.layers.Reshape((2, 2, 3))])
            self.latent_dim = 4

        def train_step(self, data):
            return {"loss": 0.0}

    model = Plain()
    model.compile()
    grid = SampleGrid(n=4, show=False)
    model.fit(np.zeros((30, 1), "float32"), np.zeros((30, 1), "float32"), batch_size=10, epochs=2, verbose=0,
              callbacks=[grid])
    assert grid.steps == [3, 6]


def test_simultaneous_update_is_the_tensorflow_tutorial_step():
    """update="simultaneous" computes exactly the TF DCGAN tutorial's step (one forward pass, two tapes)."""
    from artgan_utils.gan import networks

    def nets():
        g = networks.make_generator(8, 16, 1, base_filters=16, start_size=4, seed=0)
        d = networks.make_discriminator(16, 1, base_filters=8, dropout=0.0, seed=1)
        return g, d

    real = np.random.default_rng(0).uniform(-1, 1, (8, 16, 16, 1)).astype("float32")
    g, d = nets()
    gan = GAN(g, d, latent_dim=8, seed=5, update="simultaneous")
    gan.compile(g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    z = gan._step_normal(0, 8)  # the noise the model will draw at step 0

    g2, d2 = nets()
    g2.set_weights(g.get_weights())
    d2.set_weights(d.get_weights())
    g_opt, d_opt = keras.optimizers.Adam(1e-3, beta_1=0.5), keras.optimizers.Adam(1e-3, beta_1=0.5)
    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:  # the tutorial, verbatim in spirit
        generated = g2(z, training=True)
        real_out, fake_out = d2(real, training=True), d2(generated, training=True)
        g_loss = bce(tf.ones_like(fake_out), fake_out)
        d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    g_opt.apply_gradients(zip(g_tape.gradient(g_loss, g2.trainable_variables), g2.trainable_variables))
    d_opt.apply_gradients(zip(d_tape.gradient(d_loss, d2.trainable_variables), d2.trainable_variables))

    logs = gan.fit(real, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    np.testing.assert_allclose(logs["d_loss"][0], float(d_loss), rtol=1e-5)
    np.testing.assert_allclose(logs["g_loss"][0], float(g_loss), rtol=1e-5)
    for a, b in zip(g.get_weights() + d.get_weights(), g2.get_weights() + d2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="n_critic=1"):
        GAN(*nets(), latent_dim=8, update="simultaneous", n_critic=2)
