"""The GAN as a ``keras.Model``: notebook 04's ``DCGAN`` class, plus named switches.

Taught in notebook 04, sections 1 and 3: ``train_step`` below reads as the
notebook's class (a discriminator update, then a generator update on fresh
noise), each update a named private method, plus the switches notebooks 05 and
06 add (losses, penalties, DiffAugment, EMA, ``tf.distribute``, mixed
precision)::

    gan = GAN(make_generator(...), make_discriminator(...), latent_dim=100)
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    gan.fit(dataset, epochs=5, callbacks=[GANCheckpoint("runs/x/ckpt"), NaNGuard()])

Every random draw of a training step is keyed by ``(seed, step)``, and
:meth:`GAN.checkpoint` holds both networks, both optimizers, the step counter
and the layers' random states, so an interrupted run resumed from its last
checkpoint continues exactly (:mod:`artgan_utils.gan.callbacks`).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf
from keras import ops

from artgan_utils.gan import losses
from artgan_utils.gan.augment import diff_augment, parse_policy, replica_rows


def quiet_remapper() -> None:
    """Turn off Grappler's "remapper" pass for this process (called by :meth:`GAN.compile`).

    The pass tries to fuse Conv2D + BiasAdd + LeakyReLU and, for the
    discriminator's gradient, fails with a harmless but alarming C++ error line
    ("remapper failed: INVALID_ARGUMENT: Mutation::Apply error ...") on every
    compilation. Measured on the 2-core CPU, the DCGAN step time is unchanged
    (0.10-0.13 s at 32x32, batch 64). It is a process-wide TensorFlow option,
    so it is set when a GAN is compiled, not when the package is imported.
    """
    tf.config.optimizer.set_experimental_options({"remapping": False})


class GAN(keras.Model):
    """Generator + discriminator trained adversarially, with switchable losses and regularisers.

    Parameters
    ----------
    loss:
        ``"nonsaturating"`` (default), ``"hinge"`` or ``"wasserstein"``
        (:mod:`artgan_utils.gan.losses`).
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
        ``"color,translation,cutout"``; ``""`` = off, :mod:`artgan_utils.gan.augment`).
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
    replica (:func:`artgan_utils.gan.augment.replica_rows`), so training under a
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
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.loss_name = loss
        self._d_loss_fn, self._g_loss_fn = losses.get_loss(loss)
        self.gp_weight, self.r1_gamma, self.n_critic = float(gp_weight), float(r1_gamma), int(n_critic)
        if self.n_critic < 1:
            raise ValueError(f"n_critic must be >= 1, got {n_critic}.")
        self.augment_policy = augment
        parse_policy(augment)  # validate early
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
        quiet_remapper()
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
        """``keras.Model.fit``; for a ``tf.data`` input, ``shuffle`` defaults to False and autotuning is off.

        The series' datasets are step-indexed streams that shuffle themselves
        (so that resumed runs see the same batches); Keras would otherwise warn
        that its own ``shuffle=True`` default is ignored. A ``tf.data.Dataset`` of the
        user's own gets :func:`artgan_utils.data.streams.without_autotune`, as the
        series' streams do, so that ``fit`` returns as soon as its steps are done.
        """
        if hasattr(x, "element_spec"):  # a tf.data.Dataset, or one distributed by distribute_stream
            kwargs.setdefault("shuffle", False)
        if isinstance(x, tf.data.Dataset):
            from artgan_utils.data.streams import without_autotune

            x = without_autotune(x)
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
        seed = self._step_seed(tag)
        return replica_rows(lambda m: tf.random.stateless_normal((m, self.latent_dim), seed), n)

    def _augment(self, images, tag: int):
        if not self.augment_policy:
            return images
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
        penalty = tf.zeros(())
        if self.gp_weight:
            seed = self._step_seed(10 * k + 3)
            alpha = replica_rows(lambda m: tf.random.stateless_uniform((m,), seed), batch)
            penalty += self.gp_weight * losses.gradient_penalty(self.discriminator, real_in, fake_in, alpha=alpha)
        if self.r1_gamma:
            penalty += 0.5 * self.r1_gamma * losses.r1_penalty(self.discriminator, real_in)
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
        """One training step: notebook 04's two updates, then the EMA, the step counter and the logs."""
        if isinstance(real, tuple):
            real = real[0]
        batch = tf.shape(real)[0]
        if self.update == "simultaneous":
            d_loss, g_loss, penalty, real_logits, fake_logits = self._simultaneous_step(real, batch)
        else:
            for k in range(self.n_critic):  # a Python loop: unrolled when traced
                d_loss, penalty, real_logits, fake_logits = self._discriminator_step(real, batch, k)
            g_loss = self._generator_step(batch)
        self._update_ema()
        self.step.assign_add(1)
        return self._logs(d_loss, g_loss, penalty, real_logits, fake_logits)

    def _generator_step(self, batch):
        """Fresh noise through the just-updated D; only G's weights move (notebook 04's step 2)."""
        z = self._step_normal(1000, batch)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self._augment(self.generator(z, training=True), 1001), training=True)
            g_loss = self._g_loss_fn(fake_logits)
            scaled = self._for_gradients(g_loss, self.g_optimizer)
        grads = tape.gradient(scaled, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return g_loss

    def _update_ema(self) -> None:
        """Move the EMA generator towards the generator (notebook 05); nothing when ``ema_decay`` is None.

        The decay warms up (as in TF's ExponentialMovingAverage with num_updates):
        early on the copy follows the generator closely, so short runs are not
        dominated by the random initial weights. BatchNorm statistics are copied.
        """
        if self.ema_generator is None:
            return
        step = tf.cast(self.step, tf.float32)
        d = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for w_ema, w in zip(self.ema_generator.trainable_variables, self.generator.trainable_variables):
            w_ema.assign(d * w_ema + (1.0 - d) * w)
        for w_ema, w in zip(self.ema_generator.non_trainable_variables, self.generator.non_trainable_variables):
            w_ema.assign(w)

    def _logs(self, d_loss, g_loss, penalty, real_logits, fake_logits) -> dict:
        """Update the metric trackers; return what ``fit``'s progress bar and callbacks see."""
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

