"""Class-conditional GANs: one generator for several styles, three ways to tell it which.

Taught in notebook 10, section 1. The label ``y`` (an integer class: a style or an
artist) enters both networks; the three schemes compared there are

``"concat"``      the starting point (Mirza & Osindero 2014): G reads ``[z, one_hot(y)]``,
                  D reads the image with ``one_hot(y)`` stacked as extra constant channels;
``"acgan"``       AC-GAN (Odena et al. 2017): G as in ``concat``; D has a second head that
                  classifies the style, and both networks add its cross-entropy
                  (D on real images, G on its own) to their losses;
``"projection"``  the projection discriminator (Miyato & Koyama 2018) with conditional batch
                  normalisation in G (de Vries et al. 2017): D's logit is
                  ``psi(phi(x)) + <embed(y), phi(x)>``, and every BatchNorm in G takes its
                  scale and shift from a per-class table.

:class:`ConditionalGAN` is :class:`artgan_utils.gan.GAN` (notebook 04) with the labels
threaded through: the batches are ``(images, labels)``, the generated images' labels are
drawn uniformly from the classes (keyed by ``(seed, step)`` like all the step's draws, so
exact resume still holds), and the stabilisers of notebook 05 (hinge loss, spectral norm,
DiffAugment, EMA) work unchanged. Gradient penalties and simultaneous updates are not
offered here.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import tensorflow as tf
from keras import layers, ops

from artgan_utils.gan.model import GAN
from artgan_utils.gan.networks import dcgan_init, default_discriminator_depth, upsample_layer

SCHEMES = ("concat", "acgan", "projection")


@keras.saving.register_keras_serializable(package="artgan_utils")
class ConditionalBatchNorm(layers.Layer):
    """BatchNorm without its own scale and shift; they are looked up per class instead.

    ``call([x, y])``: normalise ``x`` over the batch, then ``x * gamma[y] + beta[y]`` with
    ``gamma`` starting at 1 and ``beta`` at 0 (so at initialisation it is plain BatchNorm).
    ``y`` holds class weights (n, K), one-hot for one class: the tables are mixed as
    ``y @ gamma`` and ``y @ beta``, which is the lookup for a one-hot ``y``.
    """

    def __init__(self, num_classes: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.num_classes = int(num_classes)

    def build(self, input_shape):
        channels = int(input_shape[0][-1])
        self.bn = layers.BatchNormalization(center=False, scale=False, name="bn")
        self.bn.build(input_shape[0])
        self.gamma = self.add_weight(shape=(self.num_classes, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_classes, channels), initializer="zeros", name="beta")

    def call(self, inputs, training=None):
        x, y = inputs
        h = self.bn(x, training=training)
        y = ops.cast(y, h.dtype)
        shape = (-1,) + (1,) * (len(x.shape) - 2) + (x.shape[-1],)
        return h * ops.reshape(y @ self.gamma, shape) + ops.reshape(y @ self.beta, shape)

    def get_config(self) -> dict:
        return super().get_config() | {"num_classes": self.num_classes}


def _check(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}.")


def make_conditional_generator(num_classes: int, scheme: str = "projection", latent_dim: int = 100,
                               image_size: int = 32, base_filters: int = 128, start_size: int = 8,
                               seed: int | None = None, name: str = "generator",
                               upsample: str = "transpose") -> keras.Model:
    """Notebook 03's DCGAN generator, conditioned on a class: ``G([z, y]) -> image in [-1, 1]``.

    ``y`` is a vector of class weights (``num_classes``,): one-hot for one style, a mixture
    such as ``0.5 * one_hot(a) + 0.5 * one_hot(b)`` for a blend. ``concat`` and ``acgan``
    feed ``[z, y]`` to the first layer; ``projection`` keeps ``z`` alone and conditions
    every normalisation (:class:`ConditionalBatchNorm`). ``upsample``: ``"transpose"``
    (stride-2 transposed convolutions) or ``"resize"`` (nearest-neighbour upsampling and a
    3x3 convolution, without the checkerboard; notebook 05).
    """
    _check(scheme)
    if upsample not in {"transpose", "resize"}:
        raise ValueError(f"upsample must be 'transpose' or 'resize', got {upsample!r}.")
    n_up = math.log2(image_size / start_size)
    if n_up < 1 or n_up != int(n_up):
        raise ValueError(f"image_size ({image_size}) must be start_size ({start_size}) times a power of two.")
    init = dcgan_init(seed)
    z = keras.Input((latent_dim,), name="z")
    y = keras.Input((num_classes,), name="label_weights")  # one-hot; a mixture of two styles in between
    cbn = scheme == "projection"

    def norm(x, label):
        if cbn:
            return ConditionalBatchNorm(num_classes, name=f"{label}_cbn")([x, y])
        return layers.BatchNormalization(name=f"{label}_bn")(x)

    h = z if cbn else layers.Concatenate(name="z_and_label")([z, y])
    x = layers.Dense(start_size * start_size * base_filters, use_bias=False, kernel_initializer=init, name="project")(h)
    x = layers.ReLU(name="project_relu")(norm(x, "project"))
    x = layers.Reshape((start_size, start_size, base_filters), name="reshape")(x)
    filters = base_filters
    for i in range(int(n_up)):
        last = i == int(n_up) - 1
        out_filters = 3 if last else max(filters // 2, 16)
        x = upsample_layer(x, out_filters, i + 1, upsample, use_bias=last, kernel_initializer=init)
        if last:
            x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
        else:
            x = layers.ReLU(name=f"up{i + 1}_relu")(norm(x, f"up{i + 1}"))
            filters = out_filters
    return keras.Model([z, y], x, name=name)


def make_conditional_discriminator(num_classes: int, scheme: str = "projection", image_size: int = 32,
                                   base_filters: int = 64, dropout: float = 0.25, spectral_norm: bool = True,
                                   seed: int | None = None, name: str = "discriminator",
                                   layers_down: int | None = None) -> keras.Model:
    """Notebook 03's DCGAN discriminator, conditioned: ``D([x, y])``.

    Returns the real/fake logit ``(n, 1)``; for ``acgan`` a list ``[logit, class_logits (n, K)]``.
    ``projection`` adds ``<embed(y), phi(x)>`` to the logit, where ``phi(x)`` is the flattened
    last feature map (the embedding is not spectrally normalised).
    ``layers_down``: the number of stride-2 convolutions; by default ``log2(image_size) - 3``
    (at least 2), which ends on an 8x8 map from 32 px up; one more ends on 4x4, so that the last
    convolution's features each see most of the patch (its layout, not only its texture).
    """
    _check(scheme)
    n_down = default_discriminator_depth(image_size) if layers_down is None else int(layers_down)
    if not 1 <= n_down <= int(math.log2(image_size)):
        raise ValueError(f"layers_down must be between 1 and log2(image_size) = {int(math.log2(image_size))}, "
                         f"got {layers_down}.")
    wrap = (lambda layer: layers.SpectralNormalization(layer, name=f"{layer.name}_sn")) if spectral_norm else (
        lambda layer: layer)
    init = dcgan_init(seed)
    img = keras.Input((image_size, image_size, 3), name="image")
    y = keras.Input((), dtype="int32", name="label")
    x = img
    if scheme == "concat":
        maps = ops.ones_like(img[..., :1]) * ops.reshape(ops.one_hot(y, num_classes), (-1, 1, 1, num_classes))
        x = layers.Concatenate(name="image_and_label")([img, maps])
    filters = base_filters
    for i in range(n_down):
        x = wrap(layers.Conv2D(filters, 4, strides=2, padding="same", kernel_initializer=init, name=f"down{i + 1}"))(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"down{i + 1}_dropout")(x)
        filters = min(filters * 2, 512)
    phi = layers.Flatten(name="flatten")(x)
    logit = wrap(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"))(phi)
    if scheme == "acgan":
        classes = wrap(layers.Dense(num_classes, kernel_initializer=init, dtype="float32", name="class_logits"))(phi)
        return keras.Model([img, y], [logit, classes], name=name)
    if scheme == "projection":
        embed = layers.Embedding(num_classes, phi.shape[-1], embeddings_initializer=init, name="label_embedding")(y)
        logit = layers.Add(name="logit_plus_projection")(
            [logit, ops.sum(embed * phi, axis=-1, keepdims=True)])
    return keras.Model([img, y], logit, name=name)


class ConditionalGAN(GAN):
    """:class:`~artgan_utils.gan.GAN` trained on ``(images, labels)`` batches; ``G([z, y])``, ``D([x, y])``.

    Parameters (besides :class:`~artgan_utils.gan.GAN`'s ``loss``, ``ema_decay``, ``augment``,
    ``n_critic``, ``seed``)
    ----------
    num_classes, scheme:
        The classes and how they enter the networks (:data:`SCHEMES`).
    class_weight:
        Weight of AC-GAN's classification losses (ignored by the other schemes).

    Metrics: those of :class:`~artgan_utils.gan.GAN`, plus ``d_class`` (D's cross-entropy on
    the real images' styles) for ``acgan``.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int, num_classes: int,
                 scheme: str = "projection", class_weight: float = 1.0, **kwargs: Any):
        if kwargs.get("gp_weight") or kwargs.get("r1_gamma") or kwargs.get("update", "alternating") != "alternating":
            raise ValueError("ConditionalGAN supports neither gradient penalties nor simultaneous updates.")
        super().__init__(generator, discriminator, latent_dim, **kwargs)
        _check(scheme)
        self.num_classes, self.scheme, self.class_weight = int(num_classes), scheme, float(class_weight)
        self.class_tracker = keras.metrics.Mean(name="d_class")

    @property
    def metrics(self) -> list:
        return super().metrics + ([self.class_tracker] if self.scheme == "acgan" else [])

    def call(self, inputs, training: bool = False):
        z, y = inputs
        return self.generator([z, self._onehot(y)], training=training)

    def _onehot(self, labels):
        return tf.one_hot(tf.cast(labels, tf.int32), self.num_classes)

    def _step_labels(self, tag: int, n) -> tf.Tensor:
        """Uniformly drawn class labels for the step's generated images (keyed by ``(seed, step, tag)``)."""
        return tf.random.stateless_uniform((n,), self._step_seed(tag), 0, self.num_classes, dtype=tf.int32)

    def _d(self, images, labels):
        """D's real/fake logits and (AC-GAN only) its class logits."""
        out = self.discriminator([images, labels], training=True)
        return (out[0], out[1]) if self.scheme == "acgan" else (out, None)

    def _class_loss(self, class_logits, labels):
        if class_logits is None:
            return tf.zeros(())
        ce = keras.losses.sparse_categorical_crossentropy(labels, class_logits, from_logits=True)
        return self.class_weight * ops.mean(ce)

    def _discriminator_step(self, real, labels, batch, k: int):
        z, y_fake = self._step_normal(10 * k, batch), self._step_labels(10 * k + 5, batch)
        with tf.GradientTape() as tape:
            fake = self.generator([z, self._onehot(y_fake)], training=True)
            real_logits, real_classes = self._d(self._augment(real, 10 * k + 1), labels)
            fake_logits, _ = self._d(self._augment(fake, 10 * k + 2), y_fake)
            d_loss = self._d_loss_fn(real_logits, fake_logits)
            class_loss = self._class_loss(real_classes, labels)  # AC-GAN: D learns the styles from real images
            total = self._for_gradients(d_loss + class_loss, self.d_optimizer)
        grads = tape.gradient(total, self.discriminator.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_variables))
        return d_loss, class_loss, real_logits, fake_logits

    def _conditional_generator_step(self, batch):
        z, y_fake = self._step_normal(1000, batch), self._step_labels(1005, batch)
        with tf.GradientTape() as tape:
            fake = self.generator([z, self._onehot(y_fake)], training=True)
            fake_logits, fake_classes = self._d(self._augment(fake, 1001), y_fake)
            g_loss = self._g_loss_fn(fake_logits)
            # AC-GAN: G is also rewarded when D recognises the style it was asked for
            total = self._for_gradients(g_loss + self._class_loss(fake_classes, y_fake), self.g_optimizer)
        grads = tape.gradient(total, self.generator.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_variables))
        return g_loss

    def train_step(self, data):
        real, labels = data
        labels = tf.cast(tf.reshape(labels, (-1,)), tf.int32)
        batch = tf.shape(real)[0]
        for k in range(self.n_critic):
            d_loss, class_loss, real_logits, fake_logits = self._discriminator_step(real, labels, batch, k)
        g_loss = self._conditional_generator_step(batch)
        self._update_ema()
        self.step.assign_add(1)
        if self.scheme == "acgan":
            self.class_tracker.update_state(class_loss)
        return self._logs(d_loss, g_loss, tf.zeros(()), real_logits, fake_logits)

    def generate(self, z, labels, ema: bool = True):
        """Images (n, h, w, 3) in [-1, 1] for latent vectors ``z`` and class ``labels``.

        ``labels``: one int, one int per row, or class weights (K,) or (n, K) (a blend of styles).
        """
        z = tf.convert_to_tensor(z, tf.float32)
        n = tf.shape(z)[0]
        labels = tf.convert_to_tensor(labels)
        if labels.dtype.is_integer:
            weights = self._onehot(tf.broadcast_to(labels, (n,)))
        else:
            weights = tf.broadcast_to(tf.cast(labels, tf.float32), (n, self.num_classes))
        net = self.sampler if ema else self.generator
        return net([z, weights], training=False)

    def blend(self, z, a: int, b: int, t: float, ema: bool = True):
        """Images for ``z`` conditioned on ``(1 - t)`` of class ``a`` and ``t`` of class ``b`` (z held fixed)."""
        weights = (1.0 - t) * tf.one_hot(a, self.num_classes) + t * tf.one_hot(b, self.num_classes)
        return self.generate(z, weights, ema)


def build_conditional_gan(num_classes: int, scheme: str = "projection", image_size: int = 32, seed: int = 0,
                          g_filters: int = 128, d_filters: int = 64, lr: float = 2e-4, latent_dim: int = 100,
                          ema_decay: float | None = 0.999, augment: str = "color,translation",
                          upsample: str = "transpose", start_size: int = 8,
                          d_layers: int | None = None) -> ConditionalGAN:
    """A compiled :class:`ConditionalGAN` with ``dcgan-ukiyoe-32-stable``'s settings (notebook 05's stabilisation).

    ``start_size``: the side of G's first feature map (8; 4 adds one coarse layer);
    ``d_layers``: D's stride-2 convolutions (see :func:`make_conditional_discriminator`).

    Sets Keras' global seed first, so that the same arguments build the same networks,
    dropout seeds and spectral-norm vectors (which exact resume and equal-seed comparisons need).
    """
    keras.utils.set_random_seed(seed)
    g = make_conditional_generator(num_classes, scheme, latent_dim, image_size, g_filters, start_size, seed=seed,
                                   upsample=upsample)
    d = make_conditional_discriminator(num_classes, scheme, image_size, d_filters, seed=seed + 1,
                                       layers_down=d_layers)
    gan = ConditionalGAN(g, d, latent_dim, num_classes, scheme, seed=seed, loss="hinge", ema_decay=ema_decay,
                         augment=augment)
    gan.compile(g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5), d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return gan
