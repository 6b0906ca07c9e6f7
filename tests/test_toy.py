"""Toy GAN pieces: data, models, losses, steps, and a short reproducible training run."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import artgan_utils  # noqa: F401
from artgan_utils.teaching import toy


def test_samplers_match_the_papers():
    rng = np.random.default_rng(0)
    ring = toy.ring_of_gaussians(20_000, rng)
    radius = np.linalg.norm(ring, axis=1)
    assert abs(radius.mean() - 2.0) < 0.01 and abs(radius.std() - 0.02) < 0.003
    assert toy.grid_centres().shape == (25, 2) and set(toy.grid_centres()[:, 0]) == {-4.0, -2.0, 0.0, 2.0, 4.0}
    grid = toy.grid_of_gaussians(20_000, rng)
    nearest = np.linalg.norm(grid[:, None] - toy.grid_centres()[None], axis=-1).min(axis=1)
    assert abs(np.sqrt((nearest**2).mean() / 2) - 0.05) < 0.003
    one = toy.sample_1d(10_000, rng)
    assert one.shape == (10_000, 1) and abs(one.mean()) < 0.1 and abs(np.abs(one).mean() - 2.0) < 0.05


def test_losses_on_logits():
    a = np.array([[-3.0], [0.0], [3.0]], dtype=np.float32)
    d = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(toy.g_loss_fn(a, "non-saturating"), np.mean(-np.log(d)), rtol=1e-5)
    np.testing.assert_allclose(toy.g_loss_fn(a, "saturating"), np.mean(np.log(1 - d)), rtol=1e-5)
    np.testing.assert_allclose(toy.d_loss_fn(a, a), np.mean(-np.log(d)) + np.mean(-np.log(1 - d)), rtol=1e-5)
    with pytest.raises(ValueError, match="loss must be"):
        toy.g_loss_fn(a, "wasserstein")


def test_packing_and_minibatch_std_shapes():
    d = toy.make_toy_discriminator(2, width=8, depth=1, pack=2, minibatch_std=True)
    assert d.input_shape == (None, 4)
    assert tuple(d(np.zeros((5, 4), np.float32)).shape) == (5, 1)
    layer = toy.MinibatchStd()
    out = np.asarray(layer(np.array([[0.0, 0.0], [2.0, 4.0]], np.float32)))
    assert out.shape == (2, 3) and np.allclose(out[:, 2], (1.0 + 2.0) / 2, atol=1e-3)


def test_generator_step_only_updates_generator():
    keras.utils.set_random_seed(0)
    g, d = toy.make_toy_generator(4, 2, 8, 1), toy.make_toy_discriminator(2, 8, 1)
    dw, gw = [w.copy() for w in d.get_weights()], [w.copy() for w in g.get_weights()]
    loss = toy.generator_step(g, d, keras.optimizers.SGD(0.1), np.ones((8, 4), np.float32))
    assert np.isfinite(float(loss))
    assert all(np.array_equal(a, b) for a, b in zip(dw, d.get_weights()))
    assert any(not np.array_equal(a, b) for a, b in zip(gw, g.get_weights()))


def test_short_training_is_reproducible_and_snapshots():
    cfg = toy.ToyGANConfig(data="ring", steps=30, batch_size=64, width=16, depth=2, seed=3)
    a = toy.train_toy_gan(cfg, snapshots=3, n_snapshot_samples=50, surface_resolution=10, progress=False)
    b = toy.train_toy_gan(cfg, snapshots=3, n_snapshot_samples=50, surface_resolution=10, progress=False)
    assert a.snapshot_steps == [0, 15, 30]
    assert a.snapshots[0].shape == (50, 2) and a.surfaces[0].shape == (100,)
    np.testing.assert_array_equal(a.history["g_loss"], b.history["g_loss"])
    assert set(a.history) == {"d_loss", "g_loss", "d_real", "d_fake"} and len(a.history["d_loss"]) == 30
    assert 0 < a.history["d_real"].mean() < 1


def test_nan_guard_stops_with_a_clear_message():
    cfg = toy.ToyGANConfig(data="1d", steps=50, batch_size=32, width=8, depth=1, lr_g=1e6, lr_d=1e6, beta_1=0.0)
    with pytest.raises(FloatingPointError, match="diverged at step .*lower the learning rates"):
        toy.train_toy_gan(cfg, snapshots=0, progress=False)


def test_unknown_recipe_and_bad_pack():
    with pytest.raises(KeyError, match="Unknown recipe"):
        toy.run_recipe("magic")
    with pytest.raises(ValueError, match="multiple of pack"):
        toy.train_toy_gan(toy.ToyGANConfig(batch_size=33, pack=2, steps=1), snapshots=0, progress=False)
