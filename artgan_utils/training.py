"""A GAN as a ``keras.Model``: override ``train_step``, train with ``fit``, resume exactly.

:class:`GAN` holds a generator and a discriminator (which outputs logits), two
optimizers, a step counter and its own random generator for latent noise.
``fit`` then gives progress bars, callbacks and logs for free::

    gan = GAN(make_generator(...), make_discriminator(...), latent_dim=100)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(dataset, epochs=5, callbacks=[GANCheckpoint("runs/x/ckpt"), NaNGuard()])

Checkpoints (:class:`GANCheckpoint`, built on ``tf.train.Checkpoint``) hold both
networks, both optimizers' states, the step counter and the noise generator's
state, so an interrupted run resumed from its last checkpoint continues exactly
as if it had never stopped (tested).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)
import keras
import numpy as np
import tensorflow as tf
from keras import ops


class GAN(keras.Model):
    """Generator + discriminator trained adversarially (non-saturating loss by default).

    Metrics reported by ``fit``: ``d_loss``, ``g_loss``, ``d_real`` (mean D(x))
    and ``d_fake`` (mean D(G(z))).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, seed: int = 0,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.noise = tf.random.Generator.from_seed(seed)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")

    def compile(self, g_optimizer: keras.optimizers.Optimizer, d_optimizer: keras.optimizers.Optimizer,
                **kwargs: Any) -> None:
        """Set the two optimizers (the generator's and the discriminator's)."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer

    @property
    def metrics(self) -> list:
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, z, training: bool = False):
        return self.generator(z, training=training)

    def sample_noise(self, n) -> tf.Tensor:
        """Latent vectors from the model's own (checkpointed) random generator."""
        return self.noise.normal((n, self.latent_dim))

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        batch = tf.shape(real)[0]
        z = self.sample_noise(batch)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
        grads = tape.gradient(d_loss, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))

        z = self.sample_noise(batch)
        with tf.GradientTape() as tape:
            fake_logits_g = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = ops.mean(ops.softplus(-fake_logits_g))
        grads = tape.gradient(g_loss, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        self.step.assign_add(1)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(ops.sigmoid(real_logits)))
        self.d_fake_tracker.update_state(ops.mean(ops.sigmoid(fake_logits)))
        return {m.name: m.result() for m in self.metrics}

    def checkpoint(self) -> tf.train.Checkpoint:
        """Everything needed to resume: networks, optimizers, step counter, noise RNG state."""
        return tf.train.Checkpoint(generator=self.generator, discriminator=self.discriminator,
                                   g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
                                   step=self.step, noise=self.noise)


class NaNGuard(keras.callbacks.Callback):
    """Stop training with a clear message as soon as a loss is NaN or infinite."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        bad = {k: float(v) for k, v in (logs or {}).items() if k.endswith("loss") and not np.isfinite(float(v))}
        if bad:
            self.model.stop_training = True
            step = int(self.model.step.numpy()) if hasattr(self.model, "step") else batch
            raise FloatingPointError(
                f"Training stopped at step {step}: {', '.join(f'{k}={v}' for k, v in bad.items())}. "
                "Lower the learning rates, check the input range ([-1, 1]) and resume from the last checkpoint."
            )


class GANCheckpoint(keras.callbacks.Callback):
    """Save a full checkpoint every ``every`` steps and at the end of training; restore on request.

    Parameters
    ----------
    directory:
        Where checkpoints go (``tf.train.CheckpointManager``, keeps ``max_to_keep``).
    """

    def __init__(self, directory: str | os.PathLike[str], every: int = 100, max_to_keep: int = 3):
        super().__init__()
        self.directory = Path(directory)
        self.every = int(every)
        self.max_to_keep = max_to_keep
        self._manager: tf.train.CheckpointManager | None = None

    def _get_manager(self) -> tf.train.CheckpointManager:
        if self._manager is None:
            self._manager = tf.train.CheckpointManager(self.model.checkpoint(), str(self.directory), self.max_to_keep)
        return self._manager

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        step = int(self.model.step.numpy())
        if self.every and step % self.every == 0:
            self._get_manager().save(checkpoint_number=step)

    def on_train_end(self, logs: dict | None = None) -> None:
        manager = self._get_manager()
        step = int(self.model.step.numpy())
        if manager.latest_checkpoint is None or not manager.latest_checkpoint.endswith(f"-{step}"):
            manager.save(checkpoint_number=step)


def restore_latest(gan: GAN, directory: str | os.PathLike[str]) -> int:
    """Restore ``gan`` (already compiled) from the newest checkpoint in ``directory``.

    The optimizers are built first, so that their state (moments, iteration
    counters) has variables to be restored into. Returns the restored step, or
    0 if ``directory`` holds no checkpoint.

    Raises
    ------
    AssertionError
        If the checkpoint does not match the model (e.g. a different architecture).
    """
    latest = tf.train.latest_checkpoint(str(directory))
    if latest is None:
        return 0
    gan.g_optimizer.build(gan.generator.trainable_variables)
    gan.d_optimizer.build(gan.discriminator.trainable_variables)
    status = gan.checkpoint().restore(latest)
    status.assert_existing_objects_matched()
    return int(gan.step.numpy())


class SampleGrid(keras.callbacks.Callback):
    """After every epoch, generate images from a fixed batch of noise, show and/or save them.

    The same noise every epoch shows how the generator's picture of each latent
    point evolves. In a notebook the grid is redrawn in place (one output, no
    ``clear_output``); with ``directory`` each epoch's grid is also saved as a PNG.
    """

    def __init__(self, n: int = 16, seed: int = 1234, directory: str | os.PathLike[str] | None = None,
                 show: bool = True, ncols: int | None = None):
        super().__init__()
        self.n, self.seed, self.show, self.ncols = n, seed, show, ncols
        self.directory = Path(directory) if directory is not None else None
        self.grids: list[np.ndarray] = []
        self._live = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from artgan_utils.viz import LiveFigure, image_grid, show_images

        z = np.random.default_rng(self.seed).standard_normal((self.n, self.model.latent_dim)).astype("float32")
        images = np.asarray(self.model.generator(z, training=False))
        self.grids.append(image_grid(images, self.ncols, value_range=(-1, 1)))
        if self.directory is not None:
            from PIL import Image

            self.directory.mkdir(parents=True, exist_ok=True)
            grid = (self.grids[-1] * 255).round().astype(np.uint8)
            Image.fromarray(grid if grid.ndim == 3 else grid).save(self.directory / f"epoch_{epoch + 1:04d}.png")
        if self.show:
            if self._live is None:
                self._live = LiveFigure()
            step = int(self.model.step.numpy())
            self._live.update(show_images(images, ncols=self.ncols or int(np.ceil(np.sqrt(self.n))), size=1.2,
                                          suptitle=f"epoch {epoch + 1}, step {step}", value_range=(-1, 1)))
