"""CycleGAN (Zhu et al. 2017): unpaired translation between photos and paintings, as a ``keras.Model``.

Taught in notebook 09.

Two generators, ``G: A -> B`` (photo -> painting) and ``F: B -> A``, and two
discriminators, ``D_B`` (is this a painting?) and ``D_A``. With no pairs to compare
with, the generators are held to the content by **cycle consistency**: ``F(G(a))``
must give ``a`` back and ``G(F(b))`` must give ``b`` back. The losses (images in
[-1, 1], least-squares adversarial loss as in the paper)::

    L_G = (D_B(G(a)) - 1)^2 + (D_A(F(b)) - 1)^2                         adversarial
        + cycle_weight * (|F(G(a)) - a| + |G(F(b)) - b|)                 cycle, lambda = 10
        + identity_weight * cycle_weight * (|F(a) - a| + |G(b) - b|)    identity, 0.5 * lambda
    L_D_B = 0.5 * ((D_B(b) - 1)^2 + D_B(pool_B(G(a)))^2)                 (and L_D_A alike)

The discriminators see fakes drawn from a **pool** of the last 50 generated images
(Shrivastava et al. 2017), which damps oscillation. The generators are ResNets with
reflection padding and instance normalisation (``GroupNormalization(groups=-1)``);
the discriminators are 70x70 PatchGANs with instance normalisation. Learning rates
stay constant, then fall linearly to 0 (:class:`LinearDecay`).

:meth:`CycleGAN.checkpoint` holds the four networks, the four optimizers (their step
counters drive the learning-rate schedule), both pools and the step: every random
draw of a step is keyed by ``(seed, step)``, so a resumed run continues exactly.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from artgan_utils.gan.model import quiet_remapper


@keras.saving.register_keras_serializable(package="artgan")
class ReflectionPad2D(layers.Layer):
    """Pad height and width by ``pad`` pixels, mirroring the image (no dark border for the convolution to learn)."""

    def __init__(self, pad: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.pad = int(pad)

    def call(self, x):
        p = self.pad
        return tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="REFLECT")

    def get_config(self):
        return super().get_config() | {"pad": self.pad}


def _init(seed: int | None, k: int):
    return keras.initializers.RandomNormal(0.0, 0.02, seed=None if seed is None else seed * 1000 + k)


def _instance_norm(name: str):
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, name=name)


def resnet_generator(width: float = 1.0, n_blocks: int = 6, upsample: str = "transpose", channels: int = 3,
                     seed: int | None = 0, name: str = "generator") -> keras.Model:
    """The CycleGAN generator: c7s1-64, d128, d256, ``n_blocks`` residual blocks, u128, u64, c7s1-3 (tanh).

    Sizes: any height and width divisible by 4. ``width`` scales the filter counts (1.0 = the
    paper's 64/128/256); ``n_blocks`` is 6 for 128 px and 9 for 256 px in the paper.
    ``upsample``: ``"transpose"`` (the paper: stride-2 transposed convolutions, prone to
    checkerboards) or ``"resize"`` (nearest-neighbour 2x + convolution, notebook 03's fix).
    """
    if upsample not in ("transpose", "resize"):
        raise ValueError(f"upsample must be 'transpose' or 'resize', got {upsample!r}.")
    f1, f2, f3 = (max(8, int(c * width)) for c in (64, 128, 256))
    counter = iter(range(1000))
    inp = keras.Input((None, None, channels), name="image")
    x = ReflectionPad2D(3)(inp)
    x = layers.Conv2D(f1, 7, kernel_initializer=_init(seed, next(counter)), name="c7s1")(x)
    x = layers.ReLU()(_instance_norm("c7s1_norm")(x))
    for i, f in enumerate((f2, f3)):
        x = layers.Conv2D(f, 3, 2, padding="same", kernel_initializer=_init(seed, next(counter)), name=f"down{i}")(x)
        x = layers.ReLU()(_instance_norm(f"down{i}_norm")(x))
    for i in range(n_blocks):
        y = ReflectionPad2D(1)(x)
        y = layers.Conv2D(f3, 3, kernel_initializer=_init(seed, next(counter)), name=f"res{i}_a")(y)
        y = layers.ReLU()(_instance_norm(f"res{i}_a_norm")(y))
        y = ReflectionPad2D(1)(y)
        y = layers.Conv2D(f3, 3, kernel_initializer=_init(seed, next(counter)), name=f"res{i}_b")(y)
        x = layers.Add(name=f"res{i}")([x, _instance_norm(f"res{i}_b_norm")(y)])
    for i, f in enumerate((f2, f1)):
        if upsample == "transpose":
            x = layers.Conv2DTranspose(f, 3, 2, padding="same", kernel_initializer=_init(seed, next(counter)),
                                       name=f"up{i}")(x)
        else:
            x = layers.UpSampling2D(2, interpolation="nearest")(x)
            x = layers.Conv2D(f, 3, padding="same", kernel_initializer=_init(seed, next(counter)), name=f"up{i}")(x)
        x = layers.ReLU()(_instance_norm(f"up{i}_norm")(x))
    x = ReflectionPad2D(3)(x)
    out = layers.Conv2D(channels, 7, activation="tanh", kernel_initializer=_init(seed, next(counter)),
                        name="to_rgb")(x)
    return keras.Model(inp, out, name=name)


def patch_discriminator(width: float = 1.0, channels: int = 3, seed: int | None = 0,
                        name: str = "discriminator") -> keras.Model:
    """The 70x70 PatchGAN of CycleGAN: C64-C128-C256-C512 (instance norm, LeakyReLU 0.2), then one score per patch.

    Unlike pix2pix's, it sees one image (there is no input to pair it with) and outputs raw
    scores for the least-squares loss.
    """
    inp = keras.Input((None, None, channels), name="image")
    x = inp
    for i, stride in enumerate((2, 2, 2, 1)):
        x = layers.Conv2D(max(8, int(64 * 2 ** i * width)), 4, stride, padding="same",
                          kernel_initializer=_init(seed, 100 + i), name=f"conv{i}")(x)
        if i > 0:
            x = _instance_norm(f"conv{i}_norm")(x)
        x = layers.LeakyReLU(0.2)(x)
    out = layers.Conv2D(1, 4, padding="same", kernel_initializer=_init(seed, 200), name="patch_scores")(x)
    return keras.Model(inp, out, name=name)


@keras.saving.register_keras_serializable(package="artgan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """``lr`` for ``constant_steps``, then linearly down to 0 over ``decay_steps`` (the paper: 100 + 100 epochs)."""

    def __init__(self, lr: float, constant_steps: int, decay_steps: int):
        self.lr, self.constant_steps, self.decay_steps = float(lr), int(constant_steps), int(decay_steps)

    def __call__(self, step):
        step = tf.cast(step, tf.float32)
        past = tf.maximum(0.0, step - self.constant_steps) / max(1, self.decay_steps)
        return self.lr * tf.maximum(0.0, 1.0 - past)

    def get_config(self):
        return {"lr": self.lr, "constant_steps": self.constant_steps, "decay_steps": self.decay_steps}


class ImagePool(tf.Module):
    """The last ``size`` generated images; :meth:`query` returns a batch for the discriminator.

    While the pool is filling, images go in and come back unchanged. Once full, each image
    is, with probability 1/2, swapped for a random stored one (which the new image replaces),
    else returned as it is. Draws are stateless, keyed by ``key`` (seed, step): exact resume.
    """

    def __init__(self, size: int, image_shape: tuple[int, int, int], name: str = "pool"):
        super().__init__(name=name)
        self.size = int(size)
        self.images = tf.Variable(tf.zeros((max(1, self.size), *image_shape)), trainable=False, name="images")
        self.count = tf.Variable(0, dtype=tf.int32, trainable=False, name="count")

    def query(self, images, key):
        if self.size == 0:
            return images
        out = []
        n = tf.shape(images)[0]
        swap = tf.random.stateless_uniform((n,), seed=key) < 0.5
        slots = tf.random.stateless_uniform((n,), seed=key + [0, 1], maxval=self.size, dtype=tf.int32)
        for i in range(images.shape[0]):
            image = images[i]
            filling = self.count < self.size

            def add(image=image):
                self.images[self.count].assign(image)
                self.count.assign_add(1)
                return image

            def exchange(image=image, i=i):
                old = tf.identity(self.images[slots[i]])
                self.images[slots[i]].assign(image)
                return old

            out.append(tf.cond(filling, add, lambda image=image, i=i: tf.cond(swap[i], exchange, lambda: image)))
        return tf.stack(out)


def _mse(x, target: float):
    return tf.reduce_mean(tf.square(x - target))


class CycleGAN(keras.Model):
    """``G: A -> B``, ``F: B -> A`` and their discriminators, trained with ``fit`` on ``(a, b)`` batches in [-1, 1].

    Metrics: ``g_adv`` (both generators' adversarial losses), ``cycle``, ``identity``
    (mean absolute errors), ``d_a``, ``d_b`` (discriminator losses).
    """

    def __init__(self, g_ab: keras.Model, g_ba: keras.Model, d_a: keras.Model, d_b: keras.Model,
                 image_shape: tuple[int, int, int], cycle_weight: float = 10.0, identity_weight: float = 0.5,
                 pool_size: int = 50, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b
        self.cycle_weight, self.identity_weight = float(cycle_weight), float(identity_weight)
        self.seed = int(seed)
        self.pool_a, self.pool_b = ImagePool(pool_size, image_shape, "pool_a"), ImagePool(pool_size, image_shape, "pool_b")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")

    def compile(self, optimizers: dict, **kwargs):
        """``optimizers``: one per network, keys ``g_ab``, ``g_ba``, ``d_a``, ``d_b``."""
        super().compile(**kwargs)
        quiet_remapper()
        missing = {"g_ab", "g_ba", "d_a", "d_b"} - set(optimizers)
        if missing:
            raise ValueError(f"CycleGAN needs an optimizer for each network; missing {sorted(missing)}.")
        self.opts = dict(optimizers)
        for key, net in self.networks().items():
            self.opts[key].build(net.trainable_variables)

    def networks(self) -> dict[str, keras.Model]:
        return {"g_ab": self.g_ab, "g_ba": self.g_ba, "d_a": self.d_a, "d_b": self.d_b}

    def call(self, a, training=False):
        return self.g_ab(a, training=training)

    def train_step(self, data):
        a, b = data
        key = tf.stack([tf.constant(self.seed, tf.int64), self.step])
        with tf.GradientTape(persistent=True) as tape:
            fake_b, fake_a = self.g_ab(a, training=True), self.g_ba(b, training=True)
            cycle = tf.reduce_mean(tf.abs(self.g_ba(fake_b, training=True) - a)) + \
                tf.reduce_mean(tf.abs(self.g_ab(fake_a, training=True) - b))
            identity = tf.reduce_mean(tf.abs(self.g_ba(a, training=True) - a)) + \
                tf.reduce_mean(tf.abs(self.g_ab(b, training=True) - b))
            g_adv = _mse(self.d_b(fake_b, training=True), 1.0) + _mse(self.d_a(fake_a, training=True), 1.0)
            g_loss = g_adv + self.cycle_weight * (cycle + self.identity_weight * identity)
        for name in ("g_ab", "g_ba"):
            self._apply(name, tape.gradient(g_loss, self.networks()[name].trainable_variables))
        del tape
        pooled_b = self.pool_b.query(tf.stop_gradient(fake_b), key)
        pooled_a = self.pool_a.query(tf.stop_gradient(fake_a), key + [0, 7])
        with tf.GradientTape(persistent=True) as tape:
            d_b = 0.5 * (_mse(self.d_b(b, training=True), 1.0) + _mse(self.d_b(pooled_b, training=True), 0.0))
            d_a = 0.5 * (_mse(self.d_a(a, training=True), 1.0) + _mse(self.d_a(pooled_a, training=True), 0.0))
        self._apply("d_b", tape.gradient(d_b, self.d_b.trainable_variables))
        self._apply("d_a", tape.gradient(d_a, self.d_a.trainable_variables))
        del tape
        self.step.assign_add(1)
        return {"g_adv": g_adv, "cycle": cycle, "identity": identity, "d_a": d_a, "d_b": d_b}

    def _apply(self, name: str, grads):
        self.opts[name].apply_gradients(zip(grads, self.networks()[name].trainable_variables))

    def checkpoint(self) -> tf.train.Checkpoint:
        """The four networks and optimizers, both pools and the step: everything an exact resume needs."""
        return tf.train.Checkpoint(step=self.step, pool_a=self.pool_a, pool_b=self.pool_b,
                                   **self.networks(), **{f"opt_{k}": v for k, v in self.opts.items()})


# ----------------------------------------------------------------------------- inference

#: Shipped translators under ``checkpoints/``, by style (exported runs of ``cyclegan_train``).
SHIPPED: dict[str, str] = {"ukiyo-e": "cyclegan-ukiyo-e", "van-gogh": "cyclegan-van-gogh"}


class CycleGANTranslator:
    """The two exported generators of a run: :meth:`to_painting` (G) and :meth:`to_photo` (F)."""

    def __init__(self, g_ab: keras.Model, g_ba: keras.Model, info: dict):
        self.g_ab, self.g_ba, self.info = g_ab, g_ba, dict(info)

    @staticmethod
    def _run(generator, image):
        import numpy as np

        x = np.asarray(image, dtype="float32")
        h, w = x.shape[:2]
        x = np.pad(x * 2 - 1, ((0, -h % 4), (0, -w % 4), (0, 0)), mode="reflect")
        return np.clip((np.asarray(generator(x[None], training=False))[0, :h, :w] + 1) / 2, 0, 1).astype("float32")

    def to_painting(self, photo):
        """A photo (h, w, 3) in [0, 1] as a painting of the run's style, same size, in [0, 1]."""
        return self._run(self.g_ab, photo)

    def to_photo(self, painting):
        """A painting (h, w, 3) in [0, 1] translated back into the photo domain."""
        return self._run(self.g_ba, painting)


def load_cyclegan(style_or_path: str) -> CycleGANTranslator:
    """A shipped translator by style (:data:`SHIPPED`) or an exported folder."""
    import json
    from pathlib import Path

    import numpy as np

    from artgan_utils.gan.run_files import checkpoints_dir
    from artgan_utils.transfer.cyclegan_train import GENERATOR_FILES, RUN_FILE

    folder = checkpoints_dir() / SHIPPED[style_or_path] if style_or_path in SHIPPED else Path(style_or_path)
    files = [folder / RUN_FILE] + [folder / f for f in GENERATOR_FILES.values()]
    if not all(f.is_file() for f in files):
        raise FileNotFoundError(
            f"No CycleGAN translator in {folder} (expected {', '.join(f.name for f in files)}); shipped styles: "
            f"{', '.join(SHIPPED) or 'none yet'}. Train and export one with python -m "
            "artgan_utils.transfer.cyclegan_train train ... and ... export --out RUN --to FOLDER.")
    info = json.loads((folder / RUN_FILE).read_text())
    nets = {}
    for key, file in GENERATOR_FILES.items():
        net = resnet_generator(info["width"], info["n_blocks"], info["upsample"], seed=None, name=key)
        net.load_weights(str(folder / file))
        net.set_weights([np.asarray(w, np.float32) for w in net.get_weights()])
        nets[key] = net
    return CycleGANTranslator(nets["g_ab"], nets["g_ba"], info)
