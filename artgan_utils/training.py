"""A GAN as a ``keras.Model``: override ``train_step``, train with ``fit``, resume exactly.

:class:`GAN` holds a generator and a discriminator (which outputs logits), two
optimizers and a step counter; every random draw of a training step is keyed
by ``(seed, step)``. ``fit`` then gives progress bars, callbacks and logs for free::

    gan = GAN(make_generator(...), make_discriminator(...), latent_dim=100)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(dataset, epochs=5, callbacks=[GANCheckpoint("runs/x/ckpt"), NaNGuard()])

Checkpoints (:class:`GANCheckpoint`, built on ``tf.train.Checkpoint``) hold both
networks, both optimizers' states, the step counter and the layers' random
states, so an interrupted run resumed from its last checkpoint continues exactly
as if it had never stopped (tested, also with the trainer process killed).

Scaling up (notebook 06): :func:`build_gan` takes a ``tf.distribute`` strategy
(:func:`make_strategy`: one device, MirroredStrategy, MultiWorkerMirroredStrategy),
a precision (``float32``, ``mixed_float16`` with loss scaling,
``mixed_bfloat16``) and ``jit_compile``; :func:`distribute_stream` splits the
global batches between replicas so that N devices compute what one device
computes with the same global batch (tested).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)
import keras
import numpy as np
import tensorflow as tf
from keras import ops

# Grappler's "remapper" pass tries to fuse Conv2D + BiasAdd + LeakyReLU and, for the
# discriminator's gradient, fails with a harmless but alarming C++ error line
# ("remapper failed: INVALID_ARGUMENT: Mutation::Apply error ...") on every
# compilation. Turning that one pass off removes the line; measured on the 2-core
# CPU, the DCGAN step time is unchanged (0.10-0.13 s at 32x32, batch 64).
tf.config.optimizer.set_experimental_options({"remapping": False})


#: The non-saturating losses from logits (notebook 04's exercise 04.1); more in :mod:`artgan_utils.losses`.
from artgan_utils.losses import nonsaturating_d as discriminator_loss  # noqa: E402
from artgan_utils.losses import nonsaturating_g as generator_loss  # noqa: E402


class GAN(keras.Model):
    """Generator + discriminator trained adversarially, with switchable losses and regularisers.

    Parameters
    ----------
    loss:
        ``"nonsaturating"`` (default), ``"hinge"`` or ``"wasserstein"``
        (:mod:`artgan_utils.losses`).
    gp_weight:
        Weight of the WGAN-GP gradient penalty (10 in the paper; 0 = off).
    r1_gamma:
        R1 penalty strength gamma; the loss adds gamma / 2 * E||grad D(x)||^2 (0 = off).
    n_critic:
        Discriminator updates per generator update (5 in WGAN-GP; 1 otherwise).
    ema_decay:
        If set (e.g. 0.999), keep an exponential moving average of the
        generator's weights in :attr:`ema_generator`, which usually gives
        smoother samples; :attr:`sampler` returns it. The decay warms up as
        min(ema_decay, (1 + step) / (10 + step)).
    augment:
        DiffAugment policy applied to every image D sees (e.g.
        ``"color,translation,cutout"``; ``""`` = off, :mod:`artgan_utils.augment`).
    fuse_d_passes:
        In the discriminator step, score real and generated images in one
        call on the concatenated batch instead of two calls (the keras.io
        DCGAN idiom). The same mathematics (D has no BatchNorm); measured in
        ``benchmarks/training_speed.py``.
    update:
        ``"alternating"`` (default; Goodfellow et al.'s algorithm and the keras.io
        DCGAN example): update D, then update G on fresh noise through the
        updated D. ``"simultaneous"`` (the TensorFlow DCGAN tutorial): both
        gradients from one forward pass, about 12 % fewer FLOPs per step for the
        series' DCGAN; G's gradient then comes from the D of before its update.

    Metrics reported by ``fit``: ``d_loss``, ``g_loss`` (without penalties),
    ``d_real`` and ``d_fake`` (mean sigmoid of D's score on real and generated
    images: D(x) and D(G(z)) for the non-saturating loss), and ``penalty``
    when a gradient penalty is on.

    All randomness in a training step (latent noise, interpolation weights,
    augmentations) is stateless, keyed by ``(seed, step)``: the checkpointed
    key and step counter are the whole random state, so a resumed run
    continues exactly. Per-example draws are made for the global batch and sliced by
    replica (:func:`artgan_utils.augment.replica_rows`), so training under a
    ``tf.distribute`` strategy over N devices computes what one device computes
    with the same global batch (tested with two logical CPUs and with two
    worker processes). The one exception is ``Dropout`` in the discriminator:
    Keras draws its masks per replica, which is statistically the same but not
    bit-identical.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, seed: int = 0,
                 loss: str = "nonsaturating", gp_weight: float = 0.0, r1_gamma: float = 0.0, n_critic: int = 1,
                 ema_decay: float | None = None, augment: str = "", fuse_d_passes: bool = False,
                 update: str = "alternating", **kwargs: Any):
        super().__init__(**kwargs)
        from artgan_utils import augment as _augment
        from artgan_utils import losses

        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.loss_name = loss
        self._d_loss_fn, self._g_loss_fn = losses.get_loss(loss)
        self.gp_weight, self.r1_gamma, self.n_critic = float(gp_weight), float(r1_gamma), int(n_critic)
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        self.augment_policy = augment
        _augment.parse_policy(augment)  # validate early
        self.fuse_d_passes = bool(fuse_d_passes)
        if update not in ("alternating", "simultaneous"):
            raise ValueError(f"update must be 'alternating' or 'simultaneous', got {update!r}.")
        if update == "simultaneous" and self.n_critic != 1:
            raise ValueError("update='simultaneous' makes one discriminator update per step; use n_critic=1.")
        self.update = update
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay is not None:
            if not 0.0 < ema_decay < 1.0:
                raise ValueError(f"ema_decay must be in (0, 1), got {ema_decay}.")
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
        self.seed = int(seed)
        # the key of the training step's random draws; a variable, so that a checkpoint restores it too
        self.rng_key = tf.Variable([self.seed, 0], dtype=tf.int64, trainable=False, name="rng_key",
                                   aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.noise = tf.random.Generator.from_seed(seed)  # for sample_noise(); training draws are stateless
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step",
                                aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.penalty_tracker = keras.metrics.Mean(name="penalty")
        self.built = True  # both networks are built; nothing to infer from the data

    def _maybe_symbolic_build(self, iterator=None, data_batch=None) -> None:
        """Skip Keras' symbolic build under ``tf.distribute`` (the networks are already built).

        Under a strategy, Keras' TensorFlow trainer pulls one batch from the
        training iterator to trace the model, and that batch is then never
        trained on: a distributed run would start at batch 1 and differ from a
        single-device run (caught by ``tests/test_distribute.py``).
        """

    def compile(self, g_optimizer: keras.optimizers.Optimizer, d_optimizer: keras.optimizers.Optimizer,
                **kwargs: Any) -> None:
        """Set the two optimizers (the generator's and the discriminator's)."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        # Create the optimizers' slots now (in the strategy scope the model was built in), not lazily
        # inside the first traced step, where tf.distribute cannot create mirrored variables.
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self) -> list:
        tracked = [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]
        return tracked + ([self.penalty_tracker] if self.gp_weight or self.r1_gamma else [])

    @property
    def sampler(self) -> keras.Model:
        """The generator to sample from: the EMA copy when ``ema_decay`` is set, else the generator."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def fit(self, x=None, *args: Any, **kwargs: Any):
        """``keras.Model.fit``; for a ``tf.data`` input, ``shuffle`` defaults to False.

        The series' datasets are step-indexed streams that shuffle themselves
        (so that resumed runs see the same batches); Keras would otherwise warn
        that its own ``shuffle=True`` default is ignored.
        """
        if hasattr(x, "element_spec"):  # a tf.data.Dataset, or one distributed by distribute_stream
            kwargs.setdefault("shuffle", False)
        return super().fit(x, *args, **kwargs)

    def call(self, z, training: bool = False):
        return self.generator(z, training=training)

    def sample_noise(self, n) -> tf.Tensor:
        """Latent vectors from the model's own (checkpointed) random generator, for use outside training."""
        return self.noise.normal((n, self.latent_dim))

    def _step_seed(self, tag: int) -> tf.Tensor:
        """A stateless seed for random draw number ``tag`` of the current step."""
        base = tf.random.experimental.stateless_fold_in(tf.convert_to_tensor(self.rng_key), self.step)
        return tf.random.experimental.stateless_fold_in(base, tag)

    def _step_normal(self, tag: int, n) -> tf.Tensor:
        """This replica's rows of the step's latent batch (same numbers on 1 or N devices)."""
        from artgan_utils.augment import replica_rows

        seed = self._step_seed(tag)
        return replica_rows(lambda m: tf.random.stateless_normal((m, self.latent_dim), seed), n)

    def _augment(self, images, tag: int):
        if not self.augment_policy:
            return images
        from artgan_utils.augment import diff_augment

        return diff_augment(images, self._step_seed(tag), self.augment_policy)

    @staticmethod
    def _for_gradients(loss, optimizer):
        """The loss to differentiate: divided by the replica count, then loss-scaled.

        Under ``tf.distribute`` each replica computes the mean loss of its part
        of the batch and the optimizer *sums* gradients across replicas, so the
        loss is divided by the number of replicas (as Keras' built-in losses
        do). ``optimizer.scale_loss`` multiplies by the dynamic loss scale of a
        ``keras.optimizers.LossScaleOptimizer`` (mixed precision), which
        ``apply_gradients`` undoes, and is a no-op otherwise.
        """
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        loss = tf.cast(loss, tf.float32)
        if replicas > 1:
            loss = loss / float(replicas)
        return optimizer.scale_loss(loss)

    def _score(self, real_in, fake_in, batch):
        """D's logits on real and generated images: two calls, or one on the concatenation."""
        if self.fuse_d_passes:  # one call on [real; fake]: bigger matrix products, one weight read
            logits = self.discriminator(tf.concat([real_in, fake_in], axis=0), training=True)
            return logits[:batch], logits[batch:]
        return self.discriminator(real_in, training=True), self.discriminator(fake_in, training=True)

    def _penalty(self, real_in, fake_in, batch, k: int):
        from artgan_utils.augment import replica_rows
        from artgan_utils.losses import gradient_penalty, r1_penalty

        penalty = tf.zeros(())
        if self.gp_weight:
            seed = self._step_seed(10 * k + 3)
            alpha = replica_rows(lambda m: tf.random.stateless_uniform((m,), seed), batch)
            penalty += self.gp_weight * gradient_penalty(self.discriminator, real_in, fake_in, alpha=alpha)
        if self.r1_gamma:
            penalty += 0.5 * self.r1_gamma * r1_penalty(self.discriminator, real_in)
        return penalty

    def _discriminator_step(self, real, batch, k: int):
        z = self._step_normal(10 * k, batch)
        with tf.GradientTape() as tape:
            fake = self.generator(z, training=True)
            real_in, fake_in = self._augment(real, 10 * k + 1), self._augment(fake, 10 * k + 2)
            real_logits, fake_logits = self._score(real_in, fake_in, batch)
            d_loss = self._d_loss_fn(real_logits, fake_logits)
            penalty = self._penalty(real_in, fake_in, batch, k)
            total = self._for_gradients(d_loss + penalty, self.d_optimizer)
        grads = tape.gradient(total, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return d_loss, penalty, real_logits, fake_logits

    def _simultaneous_step(self, real, batch):
        """Both updates from one forward pass (the TensorFlow DCGAN tutorial's step)."""
        z = self._step_normal(0, batch)
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(z, training=True)
            real_in, fake_in = self._augment(real, 1), self._augment(fake, 2)
            real_logits, fake_logits = self._score(real_in, fake_in, batch)
            d_loss = self._d_loss_fn(real_logits, fake_logits)
            g_loss = self._g_loss_fn(fake_logits)
            penalty = self._penalty(real_in, fake_in, batch, 0)
            d_total = self._for_gradients(d_loss + penalty, self.d_optimizer)
            g_total = self._for_gradients(g_loss, self.g_optimizer)
        d_grads = d_tape.gradient(d_total, self.discriminator.trainable_variables)
        g_grads = g_tape.gradient(g_total, self.generator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(d_grads, self.discriminator.trainable_variables))
        self.g_optimizer.apply_gradients(zip(g_grads, self.generator.trainable_variables))
        return d_loss, g_loss, penalty, real_logits, fake_logits

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        batch = tf.shape(real)[0]
        if self.update == "simultaneous":
            d_loss, g_loss, penalty, real_logits, fake_logits = self._simultaneous_step(real, batch)
        else:
            for k in range(self.n_critic):  # a Python loop: unrolled when traced
                d_loss, penalty, real_logits, fake_logits = self._discriminator_step(real, batch, k)
            z = self._step_normal(1000, batch)
            with tf.GradientTape() as tape:
                fake_logits_g = self.discriminator(self._augment(self.generator(z, training=True), 1001),
                                                   training=True)
                g_loss = self._g_loss_fn(fake_logits_g)
                scaled = self._for_gradients(g_loss, self.g_optimizer)
            grads = tape.gradient(scaled, self.generator.trainable_variables)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        if self.ema_generator is not None:
            # warm-up (as in TF's ExponentialMovingAverage with num_updates): early on, follow the generator
            # closely, so short runs are not dominated by the random initial weights
            step = tf.cast(self.step, tf.float32)
            d = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
            for w_ema, w in zip(self.ema_generator.trainable_variables, self.generator.trainable_variables):
                w_ema.assign(d * w_ema + (1.0 - d) * w)
            for w_ema, w in zip(self.ema_generator.non_trainable_variables, self.generator.non_trainable_variables):
                w_ema.assign(w)  # BatchNorm statistics: copy
        self.step.assign_add(1)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(ops.sigmoid(real_logits)))
        self.d_fake_tracker.update_state(ops.mean(ops.sigmoid(fake_logits)))
        if self.gp_weight or self.r1_gamma:
            self.penalty_tracker.update_state(penalty)
        logs = {m.name: m.result() for m in self.metrics}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras 3.15 reduces each log value across workers with strategy.reduce("MEAN", v, axis=0),
            # which fails on scalars ("Invalid reduction dimension 0"); a shape-(1,) value reduces to a scalar.
            logs = {k: tf.reshape(v, (1,)) for k, v in logs.items()}
        return logs

    def layer_rng_states(self) -> list:
        """State variables of the layers' own random generators (Dropout, noise layers).

        Keras 3 keeps them as non-trainable variables that ``tf.train.Checkpoint``
        does not reach through the models, so without them a resumed run would
        replay the dropout masks of step 0 (found by the exact-resume test).
        """
        return [v for m in (self.generator, self.discriminator) for v in m.non_trainable_variables
                if "seed_generator" in v.path]

    def checkpoint(self) -> tf.train.Checkpoint:
        """Everything needed to resume: networks, optimizers, step counter, noise and dropout RNG states."""
        parts = dict(generator=self.generator, discriminator=self.discriminator,
                     g_optimizer=self.g_optimizer, d_optimizer=self.d_optimizer,
                     step=self.step, rng_key=self.rng_key, noise=self.noise,
                     layer_rngs={str(i): v for i, v in enumerate(self.layer_rng_states())})
        if self.ema_generator is not None:
            parts["ema_generator"] = self.ema_generator
        return tf.train.Checkpoint(**parts)


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
    ``clear_output``); with ``directory`` each epoch's grid is also saved as
    ``step_NNNNNN.png`` (named by training step, so resumed runs do not overwrite).
    ``steps`` records the step of each grid in :attr:`grids`.
    """

    def __init__(self, n: int = 16, seed: int = 1234, directory: str | os.PathLike[str] | None = None,
                 show: bool = True, ncols: int | None = None):
        super().__init__()
        self.n, self.seed, self.show, self.ncols = n, seed, show, ncols
        self.directory = Path(directory) if directory is not None else None
        self.grids: list[np.ndarray] = []
        self.steps: list[int] = []
        self._live = None
        self._batches = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._batches += 1  # the step count for models without a ``step`` variable

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        from artgan_utils.viz import LiveFigure, image_grid, show_images

        z = np.random.default_rng(self.seed).standard_normal((self.n, self.model.latent_dim)).astype("float32")
        images = np.asarray(getattr(self.model, "sampler", self.model.generator)(z, training=False))
        step = int(self.model.step.numpy()) if hasattr(self.model, "step") else self._batches
        self.grids.append(image_grid(images, self.ncols, value_range=(-1, 1)))
        self.steps.append(step)
        if self.directory is not None:
            from PIL import Image

            self.directory.mkdir(parents=True, exist_ok=True)
            grid = (self.grids[-1] * 255).round().astype(np.uint8)
            Image.fromarray(grid[..., 0] if grid.ndim == 3 and grid.shape[-1] == 1 else grid).save(self.directory / f"step_{step:06d}.png")
        if self.show:
            if self._live is None:
                self._live = LiveFigure()
            self._live.update(show_images(images, ncols=self.ncols or int(np.ceil(np.sqrt(self.n))), size=1.2,
                                          suptitle=f"epoch {epoch + 1}, step {step}", value_range=(-1, 1)))


# --------------------------------------------------------------------------------------
# Recipes: the code path shared by notebook 04 and the headless trainer
# --------------------------------------------------------------------------------------

#: Files of a finished run (``train_recipe``) and of a shipped checkpoint.
GENERATOR_FILE = "generator.keras"
DISCRIMINATOR_FILE = "discriminator.keras"
RUN_FILE = "run.json"
CHECKPOINTS_ENV_VAR = "ARTGAN_CHECKPOINTS_DIR"


PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name``.

    ``"default"``: one device (TensorFlow's default strategy). ``"mirrored"``:
    ``MirroredStrategy`` over every GPU of this machine (or, with no GPU, over
    the logical CPU devices, which is how the tests run it). ``"multiworker"``:
    ``MultiWorkerMirroredStrategy`` over the machines listed in the
    ``TF_CONFIG`` environment variable (start the same command on each
    machine, each with its own ``task.index``). ``"auto"``: mirrored when this
    machine has more than one GPU, multiworker when ``TF_CONFIG`` is set, else
    default.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {name!r}.")
    if name == "auto":
        if os.environ.get("TF_CONFIG"):
            name = "multiworker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        import json

        try:
            cluster = json.loads(os.environ.get("TF_CONFIG", ""))
            cluster["cluster"]["worker"], cluster["task"]["index"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                "strategy 'multiworker' needs TF_CONFIG, e.g. "
                '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
            ) from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.get_strategy()


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """True except on the non-chief workers of a ``MultiWorkerMirroredStrategy`` (they must not write results)."""
    strategy = strategy or tf.distribute.get_strategy()
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def distribute_stream(strategy: tf.distribute.Strategy, make_dataset: Any, global_batch: int | None = None) -> Any:
    """Split a stream of *global* batches between a strategy's replicas, in order.

    ``make_dataset()`` returns the stream every worker builds identically
    (e.g. a step-indexed :func:`recipe_dataset`). Replica ``i`` of ``R``
    receives rows ``i*n ... (i+1)*n - 1`` of each global batch of ``R*n``
    images, which is the layout :func:`artgan_utils.augment.replica_rows`
    assumes. With one replica the dataset is returned unchanged.

    Raises ``ValueError`` if the global batch size (``global_batch``, or the
    dataset's static batch dimension) is not a multiple of the number of
    replicas; a batch whose size is only known at run time is checked then.
    """
    replicas = strategy.num_replicas_in_sync
    stream = make_dataset()  # built once: for a folder or TFDS recipe this loads every image
    if replicas == 1:
        return stream
    batch = global_batch or stream.element_spec.shape[0]
    if batch is not None and batch % replicas:
        raise ValueError(
            f"The global batch size ({batch}) must be a multiple of the number of replicas ({replicas}); "
            f"use --batch-size {max(replicas, batch // replicas * replicas)}."
        )

    def per_worker(ctx: tf.distribute.InputContext) -> tf.data.Dataset:
        local = ctx.num_replicas_in_sync // ctx.num_input_pipelines  # replicas fed by this worker
        first = ctx.input_pipeline_id * local

        def rows(b: tf.Tensor) -> tf.Tensor:
            tf.debugging.assert_equal(tf.shape(b)[0] % replicas, 0, message=(
                f"the global batch size must be a multiple of the number of replicas ({replicas})"))
            n = tf.shape(b)[0] // replicas
            mine = b[first * n:(first + local) * n]
            return tf.reshape(mine, tf.concat([[local, n], tf.shape(b)[1:]], axis=0))

        ds = stream.map(rows, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.unbatch().prefetch(tf.data.AUTOTUNE)  # element j goes to local replica j

    return strategy.distribute_datasets_from_function(per_worker)


@contextlib.contextmanager
def precision_policy(name: str) -> Iterator[None]:
    """Build layers under the Keras dtype policy ``name`` (e.g. ``"mixed_float16"``); restore the old one after.

    Layers take their policy when they are created, so models built inside
    keep it; the process-wide default is left as it was.
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def build_gan(recipe: Any, strategy: tf.distribute.Strategy | None = None, precision: str = "float32",
              jit_compile: bool | str = "auto") -> GAN:
    """A compiled :class:`GAN` (DCGAN generator + discriminator, two Adams) for a recipe.

    ``recipe`` is a :class:`artgan_utils.recipes.Recipe` or a recipe name.
    Weights, latent noise and (through :func:`recipe_dataset`) data are all
    seeded by ``recipe.seed``.

    Parameters
    ----------
    strategy:
        A ``tf.distribute`` strategy (:func:`make_strategy`); the networks,
        optimizers and step counter are created in its scope. With more than
        one replica the generator's BatchNorm is synchronised over the global
        batch. Feed it with :func:`distribute_stream`.
    precision:
        ``"float32"``, ``"mixed_float16"`` (GPUs with tensor cores: float16
        compute, float32 weights, dynamic loss scaling through
        ``keras.optimizers.LossScaleOptimizer``) or ``"mixed_bfloat16"`` (TPUs,
        recent GPUs and CPUs with bfloat16 units; no loss scaling needed). The
        generator's tanh and the discriminator's logit always compute in float32.
    jit_compile:
        Passed to ``compile``: ``"auto"`` (Keras: XLA on a single GPU, never on
        CPU), True or False.
    """
    from artgan_utils import models
    from artgan_utils.recipes import get_recipe

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(r.seed)
    with precision_policy(precision), strategy.scope():
        g = models.make_generator(r.latent_dim, r.image_size, r.channels, base_filters=r.g_filters,
                                  start_size=r.start_size, upsample=r.upsample, seed=r.seed,
                                  synchronized_bn=strategy.num_replicas_in_sync > 1)
        d = models.make_discriminator(r.image_size, r.channels, base_filters=r.d_filters, dropout=r.dropout,
                                      seed=r.seed + 1, spectral_norm=r.spectral_norm)
        gan = GAN(g, d, latent_dim=r.latent_dim, seed=r.seed, loss=r.loss, gp_weight=r.gp_weight,
                  r1_gamma=r.r1_gamma, n_critic=r.n_critic, ema_decay=r.ema_decay, augment=r.augment)
        g_opt = keras.optimizers.Adam(r.g_lr, beta_1=r.beta_1)
        d_opt = keras.optimizers.Adam(r.d_lr, beta_1=r.beta_1)
        if precision == "mixed_float16":
            g_opt, d_opt = keras.optimizers.LossScaleOptimizer(g_opt), keras.optimizers.LossScaleOptimizer(d_opt)
        gan.compile(g_optimizer=g_opt, d_optimizer=d_opt, jit_compile=jit_compile)
    gan.precision = precision
    return gan


def recipe_images(recipe: Any) -> list[np.ndarray] | np.ndarray:
    """The training images of a recipe, by its ``data`` field.

    - ``"digits"``: scikit-learn's digits array at the recipe's size;
    - a bundled style (``"ukiyo-e"``, ``"van-gogh"``, ...): the bundled paintings;
    - ``"folder:PATH"``: every readable image in your folder (sub-folders too),
      longest side scaled to ``max(512, 8 * image_size)`` so that patches have
      room; unreadable files are skipped and listed on stderr;
    - ``"tfds:cycle_gan/NAME/SPLIT"`` (e.g. ``tfds:cycle_gan/ukiyoe2photo/trainA``):
      a TensorFlow Datasets set, downloaded on first use (needs internet and
      the ``online`` extra), read from its cache afterwards.

    Raises
    ------
    artgan_utils.images.ImageFolderNotFoundError, artgan_utils.images.NoImagesFoundError
        For a missing or empty folder.
    artgan_utils.online.DatasetUnavailableError
        When a TFDS set can be neither downloaded nor found in the cache.
    """
    import sys

    from artgan_utils import data
    from artgan_utils.recipes import get_recipe

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if r.data == "digits":
        return data.load_digits(r.image_size)[0]
    if r.data.startswith("folder:"):
        from artgan_utils.images import load_image_folder

        folder = load_image_folder(Path(r.data[len("folder:"):]).expanduser(), size=max(512, 8 * r.image_size),
                                   on_error="skip")
        if folder.skipped:
            print(folder.summary(), file=sys.stderr)
        return list(folder.images)
    if r.data.startswith("tfds:"):
        from artgan_utils.online import load_tfds_cycle_gan

        parts = r.data[len("tfds:"):].split("/")
        if len(parts) != 3 or parts[0] != "cycle_gan":
            raise ValueError(f"TFDS data must look like tfds:cycle_gan/NAME/SPLIT (e.g. "
                             f"tfds:cycle_gan/ukiyoe2photo/trainA); got {r.data!r}.")
        ds = load_tfds_cycle_gan(parts[1], parts[2])
        return [image.numpy() for image, _ in ds]
    return data.load_artworks(data.catalogue(style=r.data, kind="painting"))


def recipe_dataset(recipe: Any, start_batch: int = 0) -> tf.data.Dataset:
    """The endless, step-indexed training stream of a recipe, starting at batch ``start_batch``.

    Batch ``k`` depends only on the recipe's seed and ``k`` (see
    :func:`artgan_utils.data.array_dataset` and :func:`~artgan_utils.data.patch_dataset`),
    so a run resumed at step ``k`` continues with the batches it would have seen.
    """
    from artgan_utils import data
    from artgan_utils.recipes import get_recipe

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    images = recipe_images(r)
    if r.data == "digits":
        return data.array_dataset(images, r.batch_size, seed=r.seed, start_batch=start_batch)
    return data.patch_dataset(images, r.image_size, r.batch_size, seed=r.seed, scale=r.patch_scale,
                              start_batch=start_batch)


class RunLogger(keras.callbacks.Callback):
    """Log each epoch's metrics against the global step: a CSV file and/or TensorBoard scalars.

    Keras' own ``CSVLogger`` and ``TensorBoard`` count epochs, which restart at
    0 in every ``fit`` call; a resumed run would overwrite its own history.
    This logger keys every row by ``model.step`` and the accumulated wall time
    (``elapsed`` carries the time of earlier sessions), and appends.

    Parameters
    ----------
    csv_path:
        CSV file (columns ``step, seconds, <metrics>``); appended to if it exists.
    tensorboard_dir:
        Folder for TensorBoard event files (``tensorboard --logdir DIR``).
    """

    def __init__(self, csv_path: str | os.PathLike[str] | None = None,
                 tensorboard_dir: str | os.PathLike[str] | None = None, elapsed: float = 0.0):
        super().__init__()
        self.csv_path = Path(csv_path) if csv_path is not None else None
        self.tensorboard_dir = Path(tensorboard_dir) if tensorboard_dir is not None else None
        self.elapsed = float(elapsed)
        self.rows: list[dict[str, float]] = []
        self._t0 = 0.0
        self._writer = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        import time

        self._t0 = time.perf_counter() - self.elapsed
        if self.tensorboard_dir is not None and self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.tensorboard_dir))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        import csv
        import time

        self.elapsed = time.perf_counter() - self._t0
        step = int(self.model.step.numpy())
        row = {"step": step, "seconds": round(self.elapsed, 1)}
        row.update({k: float(v) for k, v in sorted((logs or {}).items())})
        self.rows.append(row)
        if self.csv_path is not None:
            new = not self.csv_path.is_file()
            self.csv_path.parent.mkdir(parents=True, exist_ok=True)
            with self.csv_path.open("a", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=list(row))
                if new:
                    writer.writeheader()
                writer.writerow(row)
        if self._writer is not None:
            with self._writer.as_default(step=step):
                for k, v in row.items():
                    if k != "step":
                        tf.summary.scalar(k, v)
            self._writer.flush()


def read_scalars(tensorboard_dir: str | os.PathLike[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The scalars of a TensorBoard log folder (e.g. a run's ``tensorboard/``): tag -> (steps, values).

    What TensorBoard's *Scalars* tab plots, read with TensorBoard's own event
    reader. TF2 summaries store scalars as tensors; both kinds are read.
    Events written again for the same step (a resumed run) keep the last value.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tensorboard_dir), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for kind in ("scalars", "tensors"):
        for tag in events.Tags().get(kind, []):
            items = events.Scalars(tag) if kind == "scalars" else events.Tensors(tag)
            values = {e.step: float(e.value) if kind == "scalars" else float(tf.make_ndarray(e.tensor_proto))
                      for e in items}
            steps = np.array(sorted(values))
            out[tag] = (steps, np.array([values[s] for s in steps]))
    return out


def fit_steps(gan: GAN, make_dataset: Any, steps: int, every: int, callbacks: list | None = None,
              verbose: int | str = "auto") -> keras.callbacks.History | None:
    """Train ``gan`` from its current step up to ``steps``, in "epochs" of ``every`` steps.

    ``make_dataset(start_batch)`` must return the step-indexed stream (e.g.
    ``lambda k: recipe_dataset(recipe, k)``). A run resumed at a step that is
    not a multiple of ``every`` first finishes that epoch with a shorter ``fit``,
    so epochs (sample grids, log rows) stay on the same step boundaries as in an
    uninterrupted run. Returns the last ``History`` (None if nothing was left to do).
    """
    every = max(1, int(every))
    done = int(gan.step.numpy())
    history = None
    if done < steps and done % every:
        first = min(every - done % every, steps - done)
        history = gan.fit(make_dataset(done), steps_per_epoch=first, epochs=1, callbacks=callbacks, verbose=verbose)
        done += first
    if done < steps:
        epochs = (steps - done + every - 1) // every
        if (steps - done) % every:
            raise ValueError(f"steps ({steps}) must be a multiple of the sampling interval ({every}).")
        history = gan.fit(make_dataset(done), steps_per_epoch=every, initial_epoch=done // every,
                          epochs=done // every + epochs, callbacks=callbacks, verbose=verbose)
    return history


def train_recipe(recipe: Any, out_dir: str | os.PathLike[str], steps: int | None = None, every: int = 250,
                 resume: bool = True, tensorboard: bool = True, verbose: int | str = "auto",
                 extra_callbacks: list | None = None, command: str | None = None,
                 strategy: tf.distribute.Strategy | None = None, precision: str = "float32",
                 jit_compile: bool | str = "auto") -> GAN:
    """Train a recipe headlessly into ``out_dir``, resuming from its checkpoints.

    ``out_dir`` receives ``ckpt/`` (full checkpoints every ``every`` steps:
    both networks, both optimizers, the step counter, which is also the random
    state), ``samples/step_*.png`` (a fixed-noise grid every ``every`` steps),
    ``log.csv`` (one row per ``every`` steps), ``tensorboard/`` and, at the end,
    ``generator.keras``, ``discriminator.keras`` (Keras 3 format) and
    ``run.json`` (recipe, command, steps, wall time, machine, precision,
    replicas, library versions, last metrics).

    With ``resume=True`` (default) an existing checkpoint is restored and
    training continues exactly where it stopped; with ``resume=False`` an
    ``out_dir`` that already holds a checkpoint is refused rather than mixed.

    ``strategy``, ``precision`` and ``jit_compile`` are as in :func:`build_gan`;
    the recipe's ``batch_size`` is the *global* batch, split between replicas.
    Under ``MultiWorkerMirroredStrategy`` every worker runs this function; only
    the chief writes samples, logs and the final models, the other workers
    save their (required) checkpoints under ``out_dir/workers/N/`` and all
    restore from the chief's ``ckpt/`` (a shared folder, or a copy of it).
    """
    import json
    import time

    from artgan_utils.recipes import get_recipe

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    steps = int(steps or r.steps)
    strategy = strategy or tf.distribute.get_strategy()
    chief = is_chief(strategy)
    out = Path(out_dir)
    ckpt_dir = out / "ckpt"
    save_dir = ckpt_dir if chief else out / "workers" / str(strategy.cluster_resolver.task_id) / "ckpt"
    gan = build_gan(r, strategy=strategy, precision=precision, jit_compile=jit_compile)
    run_file = out / RUN_FILE
    previous = json.loads(run_file.read_text()) if run_file.is_file() else {}
    if tf.train.latest_checkpoint(str(ckpt_dir)) is not None:
        if not resume:
            raise FileExistsError(
                f"{out.name}/ already holds a checkpoint. Resume it (drop --no-resume), or choose a new output folder."
            )
        from artgan_utils.recipes import Recipe

        saved = previous.get("recipe")
        if saved and Recipe.from_dict(saved) != r:
            raise ValueError(
                f"{out.name}/ was trained with a different recipe ({saved.get('name')}, other settings); "
                "resume it with the same settings or choose a new output folder."
            )
        restore_latest(gan, ckpt_dir)
    out.mkdir(parents=True, exist_ok=True)
    start_step = int(gan.step.numpy())
    timer = RunLogger(out / "log.csv" if chief else None, out / "tensorboard" if tensorboard and chief else None,
                      elapsed=float(previous.get("seconds", 0.0)) if start_step else 0.0)
    callbacks = [NaNGuard(), GANCheckpoint(save_dir, every=every), timer]
    if chief:
        callbacks.append(SampleGrid(n=36, directory=out / "samples", show=False))
    callbacks += list(extra_callbacks or [])
    t0 = time.perf_counter()
    stream = lambda k: distribute_stream(strategy, lambda: recipe_dataset(r, k), r.batch_size)  # noqa: E731
    history = fit_steps(gan, stream, steps, every, callbacks, verbose if chief else 0)
    if (history is None and start_step >= steps) or not chief:
        return gan
    gan.sampler.save(out / GENERATOR_FILE)  # the EMA generator when the recipe keeps one
    gan.discriminator.save(out / DISCRIMINATOR_FILE)
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()} if history else {}
    info = {
        "recipe": r.to_dict(),
        "command": command or f"python -m artgan_utils.train {r.name} --steps {steps} --out {out.name}",
        "steps": int(gan.step.numpy()),
        "seconds": round(timer.elapsed, 1),
        "seconds_this_session": round(time.perf_counter() - t0, 1),
        "resumed_from_step": start_step,
        "precision": precision,
        "replicas": strategy.num_replicas_in_sync,
        "strategy": type(strategy).__name__,
        "last_metrics": last,
        "machine": _machine(),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    run_file.write_text(json.dumps(info, indent=2) + "\n")
    return gan


def export_run(run_dir: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Copy a finished run's shareable files to ``dest`` (how ``checkpoints/`` is filled).

    Copies ``generator.keras``, ``discriminator.keras``, ``run.json`` and
    ``log.csv``, and the last sample grid as ``samples.png``; leaves out the
    resumable checkpoint (it holds both optimizers' moments, about three times
    the size) and the TensorBoard events. Returns the written paths.
    """
    import shutil

    src, out = Path(run_dir), Path(dest)
    missing = [f for f in (GENERATOR_FILE, DISCRIMINATOR_FILE, RUN_FILE, "log.csv") if not (src / f).is_file()]
    if missing:
        raise FileNotFoundError(f"{src.name}/ is not a finished run (missing {', '.join(missing)}); train it to the end first.")
    grids = sorted((src / "samples").glob("step_*.png"))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for f in (GENERATOR_FILE, DISCRIMINATOR_FILE, RUN_FILE, "log.csv"):
        written.append(Path(shutil.copyfile(src / f, out / f)))
    if grids:
        written.append(Path(shutil.copyfile(grids[-1], out / "samples.png")))
    return written


def _machine() -> dict[str, Any]:
    import platform

    from artgan_utils.env import device_info

    info = device_info()
    return {"device": info.device, "cpu_count": os.cpu_count(), "platform": platform.platform(terse=True),
            "python": platform.python_version(), "tensorflow": tf.__version__, "keras": keras.__version__}


def checkpoints_dir() -> Path:
    """Folder of the shipped, pre-trained runs (``checkpoints/`` in the repository).

    ``ARTGAN_CHECKPOINTS_DIR`` overrides it.
    """
    override = os.environ.get(CHECKPOINTS_ENV_VAR)
    return Path(override) if override else Path(__file__).resolve().parent.parent / "checkpoints"


def load_pretrained(name: str, discriminator: bool = False) -> tuple[keras.Model, dict[str, Any]] | tuple[
        keras.Model, keras.Model, dict[str, Any]]:
    """Load a shipped (or your own) trained run: its generator, optionally its discriminator, and ``run.json``.

    ``name`` is a folder in :func:`checkpoints_dir` (e.g. ``"dcgan-ukiyoe-64"``)
    or a path to a ``train_recipe`` output folder.

    Raises
    ------
    FileNotFoundError
        Naming the folders that exist and the command that makes the run.
    """
    import json

    path = Path(name)
    if not (path / GENERATOR_FILE).is_file():
        path = checkpoints_dir() / name
    if not (path / GENERATOR_FILE).is_file():
        root = checkpoints_dir()
        have = sorted(p.name for p in root.iterdir() if (p / GENERATOR_FILE).is_file()) if root.is_dir() else []
        raise FileNotFoundError(
            f"No trained run {name!r} (no {GENERATOR_FILE} there). Shipped runs: {', '.join(have) or 'none'}. "
            f"Train one with `python -m artgan_utils.train RECIPE --out runs/NAME`."
        )
    info = json.loads((path / RUN_FILE).read_text()) if (path / RUN_FILE).is_file() else {}
    generator = keras.saving.load_model(path / GENERATOR_FILE, compile=False)
    if discriminator:
        return generator, keras.saving.load_model(path / DISCRIMINATOR_FILE, compile=False), info
    return generator, info
