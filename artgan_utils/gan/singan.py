"""A single-image GAN in the spirit of SinGAN (Shaham et al. 2019): new variations of one painting.

Taught in notebook 10, section 2. The painting is resized into a pyramid of ``S`` scales,
coarsest first. Scale ``n`` has its own small, fully convolutional generator ``G_n`` and
patch critic ``D_n`` (five 3x3 convolutions, 32 channels), trained one scale after another
while the coarser ones stay frozen:

* ``G_0`` turns noise ``sigma_0 z`` into a tiny image; ``G_n`` (n > 0) adds detail to the
  upsampled output of the scale below: ``x_n = up(x_{n-1}) + G_n(up(x_{n-1}) + sigma_n z_n)``.
* ``D_n`` scores every patch (its receptive field, 11 px) of real and generated images at
  its scale: WGAN-GP, as in the paper.
* A reconstruction loss ties one fixed noise map ``z_rec`` (at the coarsest scale, zero noise
  above it) to the painting itself (weight ``alpha`` = 10), and sets each scale's noise
  amplitude ``sigma_n`` = 0.1 x the RMS error of the reconstruction arriving from below.

Because every network is convolutional, the same generators paint variations at the original
size, at another aspect ratio (start from a wider noise map), or start at a middle scale from
an edited image (harmonisation: a pasted object takes on the painting's texture).

:class:`SinGAN` is a ``keras.Model`` whose ``train_step`` trains the current scale; :meth:`start_scale`
moves to the next one. Every random draw is keyed by ``(seed, step)`` and :meth:`checkpoint`
holds all networks, optimizers, noise amplitudes and the step, so a run resumes exactly.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
import tensorflow as tf
from keras import layers


def pyramid_shapes(height: int, width: int, max_size: int, min_size: int = 25,
                   scale_factor: float = 0.75) -> list[tuple[int, int]]:
    """The (h, w) of every scale, coarsest first: the finest has longest side ``max_size``; the coarsest
    a shorter side of about ``min_size``; neighbours differ by about ``scale_factor``."""
    if not 0 < scale_factor < 1:
        raise ValueError(f"scale_factor must be in (0, 1), got {scale_factor}.")
    k = max_size / max(height, width)
    top = (max(round(height * k), 1), max(round(width * k), 1))
    if min(top) < min_size:
        raise ValueError(f"max_size {max_size} makes the shorter side {min(top)} px, below min_size {min_size}.")
    n = int(math.ceil(math.log(min_size / min(top)) / math.log(scale_factor))) + 1
    r = (min_size / min(top)) ** (1 / max(n - 1, 1))  # the factor that lands the coarsest exactly on min_size
    return [(round(top[0] * r ** (n - 1 - i)), round(top[1] * r ** (n - 1 - i))) for i in range(n)]


def _block(x, channels: int, name: str, norm: bool = True):
    x = layers.Conv2D(channels, 3, padding="same", name=f"{name}_conv")(x)
    if norm:  # SinGAN's BatchNorm on a batch of one image is instance normalisation
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_in")(x)
    return layers.LeakyReLU(0.2, name=f"{name}_lrelu")(x)


def make_scale_generator(channels: int = 32, depth: int = 5, name: str = "generator") -> keras.Model:
    """``G_n([noisy, prev]) = prev + tanh(convs(noisy))``, fully convolutional (any image size)."""
    noisy = keras.Input((None, None, 3), name="noisy")
    prev = keras.Input((None, None, 3), name="prev")
    x = noisy
    for i in range(depth - 1):
        x = _block(x, channels, f"b{i + 1}")
    x = layers.Conv2D(3, 3, padding="same", activation="tanh", name="to_rgb")(x)
    return keras.Model([noisy, prev], layers.Add(name="plus_prev")([x, prev]), name=name)


def make_scale_discriminator(channels: int = 32, depth: int = 5, name: str = "critic") -> keras.Model:
    """A patch critic: one score per position, receptive field ``2 * depth + 1`` pixels."""
    image = keras.Input((None, None, 3), name="image")
    x = image
    for i in range(depth - 1):
        x = _block(x, channels, f"b{i + 1}", norm=i > 0)
    return keras.Model(image, layers.Conv2D(1, 3, padding="same", name="score")(x), name=name)


def _resize(x, shape) -> tf.Tensor:
    return tf.image.resize(x, shape, method="bilinear", antialias=True)


class SinGAN(keras.Model):
    """The multi-scale single-image GAN; ``painting`` is (h, w, 3) in [-1, 1] at the finest scale's size or larger.

    Parameters
    ----------
    shapes:
        (h, w) of each scale, coarsest first (:func:`pyramid_shapes`).
    iters_per_scale:
        Training iterations per scale (the paper: 2,000). Each makes ``d_steps`` critic and
        ``g_steps`` generator updates (the paper: 3 and 3); the learning rate drops 10x after 80 %.
    alpha, gp_weight:
        Weights of the reconstruction loss (10) and of the gradient penalty (0.1), as in the paper.
    """

    def __init__(self, painting: Any, shapes: list[tuple[int, int]], iters_per_scale: int = 2000, channels: int = 32,
                 alpha: float = 10.0, gp_weight: float = 0.1, d_steps: int = 3, g_steps: int = 3, lr: float = 5e-4,
                 seed: int = 0, **kwargs: Any):
        super().__init__(**kwargs)
        self.shapes = [tuple(int(v) for v in s) for s in shapes]
        image = tf.convert_to_tensor(np.asarray(painting, np.float32))[None]
        self.reals = [_resize(image, s) for s in self.shapes]
        self.iters_per_scale, self.seed = int(iters_per_scale), int(seed)
        self.alpha, self.gp_weight, self.d_steps, self.g_steps = float(alpha), float(gp_weight), int(d_steps), int(g_steps)
        keras.utils.set_random_seed(seed)
        self.generators = [make_scale_generator(channels, name=f"G{n}") for n in range(len(self.shapes))]
        self.critics = [make_scale_discriminator(channels, name=f"D{n}") for n in range(len(self.shapes))]
        for g, d in zip(self.generators, self.critics):
            g([tf.zeros((1, 16, 16, 3))] * 2), d(tf.zeros((1, 16, 16, 3)))

        def adam(steps):
            drop = keras.optimizers.schedules.PiecewiseConstantDecay([int(0.8 * self.iters_per_scale * steps)],
                                                                     [lr, lr * 0.1])
            return keras.optimizers.Adam(drop, beta_1=0.5, beta_2=0.999)

        self.g_opts = [adam(self.g_steps) for _ in self.shapes]
        self.d_opts = [adam(self.d_steps) for _ in self.shapes]
        for opt, net in zip(self.g_opts + self.d_opts, self.generators + self.critics):
            opt.build(net.trainable_variables)
        self.noise_amps = tf.Variable(tf.zeros(len(self.shapes)), trainable=False, name="noise_amps")
        self.z_rec = tf.random.stateless_normal((1, *self.shapes[0], 3), [seed, 12345])
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.current = -1
        self.trackers = {k: keras.metrics.Mean(name=k) for k in ("d_loss", "g_adv", "rec", "gp")}

    @property
    def metrics(self) -> list:
        return list(self.trackers.values())

    @property
    def num_scales(self) -> int:
        return len(self.shapes)

    @property
    def total_steps(self) -> int:
        return self.num_scales * self.iters_per_scale

    def checkpoint(self) -> tf.train.Checkpoint:
        """All generators, critics and optimizers, the noise amplitudes and the step."""
        return tf.train.Checkpoint(
            generators={str(i): g for i, g in enumerate(self.generators)},
            critics={str(i): d for i, d in enumerate(self.critics)},
            g_opts={str(i): o for i, o in enumerate(self.g_opts)},
            d_opts={str(i): o for i, o in enumerate(self.d_opts)}, noise_amps=self.noise_amps, step=self.step)

    # ------------------------------------------------------------------ generating
    def generate(self, n: int = 1, seed: int = 0, shapes: list[tuple[int, int]] | None = None, start: int = 0,
                 start_image: Any = None, noise: bool = True, until: int | None = None) -> tf.Tensor:
        """``n`` images in [-1, 1] from scale ``start`` up to ``until`` (default: the finest trained scale).

        ``shapes`` overrides the pyramid's sizes (another aspect ratio); ``start_image``
        (h, w, 3) in [-1, 1] replaces the output of the scales below ``start`` (harmonisation).
        ``noise=False`` with ``start=0`` gives the reconstruction of the painting.
        """
        shapes = self.shapes if shapes is None else [tuple(s) for s in shapes]
        until = (self.current if self.current >= 0 else self.num_scales - 1) if until is None else until
        x = tf.zeros((n, *shapes[0], 3))
        if start_image is not None:
            x = tf.repeat(_resize(tf.convert_to_tensor(np.asarray(start_image, np.float32))[None], shapes[start]), n, 0)
        for k in range(start, until + 1):
            x = _resize(x, shapes[k]) if k > start else x
            if noise:
                z = tf.random.stateless_normal((n, *shapes[k], 3), [seed, k])
            else:
                z = self.z_rec if k == 0 else tf.zeros_like(x)
            x = self.generators[k]([x + self.noise_amps[k] * z, x], training=False)
        return x

    def _from_below(self, n: int, seed) -> tf.Tensor:
        """The input of scale ``n`` on a random path: frozen scales 0..n-1 with fresh noise, upsampled."""
        x = tf.zeros((1, *self.shapes[0], 3))
        for k in range(n):
            z = tf.random.stateless_normal((1, *self.shapes[k], 3), tf.random.experimental.stateless_fold_in(seed, k))
            x = _resize(self.generators[k]([x + self.noise_amps[k] * z, x], training=False), self.shapes[k + 1])
        return x

    # ------------------------------------------------------------------ training
    def start_scale(self, n: int) -> None:
        """Make scale ``n`` the one ``fit`` trains: its noise amplitude, its fixed reconstruction input,
        and (when it has not been trained yet) weights copied from scale ``n - 1`` as in the paper."""
        if not 0 <= n < self.num_scales:
            raise ValueError(f"scale must be in 0..{self.num_scales - 1}, got {n}.")
        if n > 0 and int(self.g_opts[n].iterations.numpy()) == 0:
            self.generators[n].set_weights(self.generators[n - 1].get_weights())
            self.critics[n].set_weights(self.critics[n - 1].get_weights())
        if n == 0:
            self.rec_input = tf.zeros((1, *self.shapes[0], 3))
            self.noise_amps[0].assign(1.0)
        else:
            self.rec_input = _resize(self.generate(1, start=0, noise=False, until=n - 1), self.shapes[n])
            rmse = tf.sqrt(tf.reduce_mean((self.rec_input - self.reals[n]) ** 2))
            self.noise_amps[n].assign(0.1 * rmse)
        self.current = n
        self.train_function = None  # retrace train_step for this scale

    def _gradient_penalty(self, critic, real, fake, seed):
        a = tf.random.stateless_uniform([1, 1, 1, 1], seed)
        mixed = a * real + (1 - a) * fake
        with tf.GradientTape() as tape:
            tape.watch(mixed)
            score = critic(mixed, training=True)
        grad = tape.gradient(score, mixed)
        return tf.reduce_mean((tf.sqrt(tf.reduce_sum(grad ** 2, axis=-1) + 1e-12) - 1.0) ** 2)

    def train_step(self, _):
        n = self.current
        if n < 0:
            raise RuntimeError("call start_scale(n) before fit.")
        g, d, real, amp = self.generators[n], self.critics[n], self.reals[n], self.noise_amps[n]
        base = tf.random.experimental.stateless_fold_in(tf.constant([self.seed, 0], tf.int64), self.step)

        def seed(tag):
            return tf.random.experimental.stateless_fold_in(base, tag)

        prev = self._from_below(n, seed(0))
        for k in range(self.d_steps):
            z = tf.random.stateless_normal(tf.shape(real), seed(10 + k))
            fake = g([prev + amp * z, prev], training=True)
            with tf.GradientTape() as tape:
                d_loss = tf.reduce_mean(d(fake, training=True)) - tf.reduce_mean(d(real, training=True))
                gp = self._gradient_penalty(d, real, fake, seed(20 + k))
                total = d_loss + self.gp_weight * gp
            self.d_opts[n].apply_gradients(zip(tape.gradient(total, d.trainable_variables), d.trainable_variables))
        for k in range(self.g_steps):
            z = tf.random.stateless_normal(tf.shape(real), seed(30 + k))
            rec_z = self.z_rec if n == 0 else tf.zeros_like(real)
            with tf.GradientTape() as tape:
                g_adv = -tf.reduce_mean(d(g([prev + amp * z, prev], training=True), training=True))
                rec = tf.reduce_mean((g([self.rec_input + amp * rec_z, self.rec_input], training=True) - real) ** 2)
                total = g_adv + self.alpha * rec
            self.g_opts[n].apply_gradients(zip(tape.gradient(total, g.trainable_variables), g.trainable_variables))
        self.step.assign_add(1)
        for name, value in (("d_loss", d_loss), ("g_adv", g_adv), ("rec", rec), ("gp", gp)):
            self.trackers[name].update_state(value)
        return {k: t.result() for k, t in self.trackers.items()}

    def train(self, every: int | None = None, callback: Any = None) -> None:
        """Train every scale from the current step to the end (resumes mid-scale); ``callback(self)`` after each chunk."""
        every = every or self.iters_per_scale
        dummy = tf.data.Dataset.from_tensors(0.0).repeat()
        while int(self.step.numpy()) < self.total_steps:
            self.fit_chunk(dummy, every)
            if callback is not None:
                callback(self)

    def fit_chunk(self, dataset, every: int):
        """Up to ``every`` steps of the scale the current step belongs to (never crossing into the next)."""
        step = int(self.step.numpy())
        scale = step // self.iters_per_scale
        if scale != self.current:
            self.start_scale(scale)
        n = min(every, (scale + 1) * self.iters_per_scale - step)
        return self.fit(dataset, epochs=1, steps_per_epoch=n, verbose=0, shuffle=False)
