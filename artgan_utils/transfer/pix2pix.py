"""pix2pix (Isola et al. 2017): a U-Net generator, a PatchGAN discriminator, adversarial + L1 loss.

Taught in notebook 08 (paired translation: a painting's line drawing in, the painting out).

Images are in [-1, 1] (the generator ends in ``tanh``). The generator maps an
input image ``x`` (here a line drawing) to ``G(x)``; the discriminator scores
*pairs*: it sees ``x`` stacked with either the real target ``y`` or ``G(x)`` and
returns a grid of logits, one per overlapping patch (a PatchGAN). The losses::

    L_D = BCE(D(x, y), 1) + BCE(D(x, G(x)), 0)          (halved, as in the paper)
    L_G = BCE(D(x, G(x)), 1) + l1_weight * |y - G(x)|_1  (l1_weight = lambda = 100)

With ``adversarial=False`` only the L1 term trains G (the blurry baseline the
notebook compares against). Dropout in the first decoder blocks is pix2pix's
only noise (no z); at inference it is off (``translate``).

:meth:`Pix2Pix.checkpoint` holds both networks, both optimizers, the step
counter and the dropout RNG states, so a resumed run continues exactly
(:mod:`artgan_utils.transfer.pix2pix_train` tests this with a killed process).
"""

from __future__ import annotations

import math

import keras
import tensorflow as tf
from keras import layers

from artgan_utils.gan.losses import nonsaturating_d, nonsaturating_g
from artgan_utils.gan.model import quiet_remapper
from artgan_utils.gan.networks import receptive_field

#: The paper's encoder widths (C64-C128-C256-C512-C512-...), scaled by ``width``.
PAPER_FILTERS = (64, 128, 256, 512, 512, 512, 512, 512)
#: BatchNorm's moving-average momentum: PyTorch's default (0.1 there, 0.9 here), which the authors' code
#: uses; Keras' 0.99 leaves the inference statistics hundreds of steps behind in a short run.
BN_MOMENTUM = 0.9


def _init(seed: int | None, k: int):
    return keras.initializers.RandomNormal(0.0, 0.02, seed=None if seed is None else seed * 1000 + k)


def unet_generator(size: int = 128, width: float = 1.0, dropout_blocks: int = 3, channels: int = 3,
                   seed: int | None = 0) -> keras.Model:
    """The pix2pix U-Net with log2(``size``) levels (``size`` a power of two, at least 16).

    Trained on ``size`` x ``size`` crops, it runs on any image whose sides are multiples of ``size``
    (the bottleneck is then larger than 1x1); :class:`Pix2PixTranslator` pads to that.

    Encoder: log2(size) blocks of 4x4 convolutions with stride 2 (BatchNorm except the first,
    LeakyReLU 0.2) down to 1x1. Decoder: the mirror with transposed convolutions (BatchNorm,
    ReLU, dropout 0.5 in the first ``dropout_blocks``), each block's output concatenated with
    the encoder's output of the same size: the skip connections that carry the line positions
    straight across. ``width`` scales every filter count (1.0 = the paper).
    """
    depth = int(math.log2(size))
    if 2 ** depth != size or depth < 4:
        raise ValueError(f"The U-Net needs a power-of-two size of at least 16, got {size}.")
    filters = [max(8, int(PAPER_FILTERS[min(i, 7)] * width)) for i in range(depth)]
    inp = keras.Input((None, None, channels), name="source")  # any multiple of ``size``: trained on crops, run on photos
    x, skips, k = inp, [], 0
    for i, f in enumerate(filters):
        x = layers.Conv2D(f, 4, 2, padding="same", use_bias=False, kernel_initializer=_init(seed, k), name=f"down{i}")(x)
        k += 1
        if i > 0:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"down{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for i, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]))):
        x = layers.Conv2DTranspose(f, 4, 2, padding="same", use_bias=False, kernel_initializer=_init(seed, k),
                                   name=f"up{i}")(x)
        k += 1
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"up{i}_bn")(x)
        if i < dropout_blocks:
            x = layers.Dropout(0.5, seed=None if seed is None else seed + i, name=f"up{i}_dropout")(x)
        x = layers.ReLU()(x)
        x = layers.Concatenate(name=f"skip{i}")([x, skip])
    out = layers.Conv2DTranspose(channels, 4, 2, padding="same", activation="tanh", kernel_initializer=_init(seed, k),
                                 name="to_rgb")(x)
    return keras.Model(inp, out, name=f"unet{size}")


def patch_discriminator(width: float = 1.0, n_down: int = 3, channels: int = 3, seed: int | None = 0) -> keras.Model:
    """The PatchGAN: ``n_down`` 4x4 stride-2 convolutions, one 4x4 stride-1, and a 4x4 stride-1 to one logit per patch.

    With ``n_down=3`` each output logit sees a 70x70 window of the input (:func:`patch_size`),
    the paper's default. Input: source and image stacked on the channel axis.
    """
    inp = keras.Input((None, None, 2 * channels), name="source_and_image")
    x = inp
    for i in range(n_down + 1):
        stride = 2 if i < n_down else 1
        x = layers.Conv2D(max(8, int(64 * 2 ** min(i, 3) * width)), 4, stride, padding="same", use_bias=i == 0,
                          kernel_initializer=_init(seed, 100 + i), name=f"conv{i}")(x)
        if i > 0:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"conv{i}_bn")(x)
        x = layers.LeakyReLU(0.2)(x)
    out = layers.Conv2D(1, 4, 1, padding="same", kernel_initializer=_init(seed, 200), name="patch_logits")(x)
    return keras.Model(inp, out, name=f"patchgan{patch_size(n_down)}")


def patch_size(n_down: int = 3) -> int:
    """The receptive field of one PatchGAN logit: 70 for the paper's three downsamplings."""
    return receptive_field([4] * (n_down + 2), [2] * n_down + [1, 1])


class Pix2Pix(keras.Model):
    """Conditional GAN for paired translation, trained with ``fit`` on ``(source, target)`` batches in [-1, 1].

    Metrics: ``d_loss``, ``g_adv`` (the generator's adversarial loss), ``l1`` (mean absolute
    error to the target, in [-1, 1] units), ``d_real`` and ``d_fake`` (mean sigmoid of the
    patch logits).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model | None, l1_weight: float = 100.0,
                 adversarial: bool = True, **kwargs):
        super().__init__(**kwargs)
        if adversarial and discriminator is None:
            raise ValueError("An adversarial pix2pix needs a discriminator (or pass adversarial=False).")
        self.generator, self.discriminator = generator, discriminator
        self.l1_weight, self.adversarial = float(l1_weight), bool(adversarial)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")

    def compile(self, g_optimizer, d_optimizer=None, **kwargs):
        super().compile(**kwargs)
        quiet_remapper()
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        if self.adversarial and d_optimizer is None:
            raise ValueError("An adversarial pix2pix needs d_optimizer.")

    def call(self, source, training=False):
        return self.generator(source, training=training)

    def translate(self, source):
        """``G(source)`` for a batch in [-1, 1], BatchNorm and dropout in inference mode."""
        return self.generator(source, training=False)

    def train_step(self, data):
        source, target = data
        with tf.GradientTape(persistent=True) as tape:
            fake = self.generator(source, training=True)
            l1 = tf.reduce_mean(tf.abs(target - fake))
            if self.adversarial:
                real_logits = self.discriminator(tf.concat([source, target], -1), training=True)
                fake_logits = self.discriminator(tf.concat([source, fake], -1), training=True)
                d_loss = 0.5 * nonsaturating_d(real_logits, fake_logits)
                g_adv = nonsaturating_g(fake_logits)
            else:
                d_loss = g_adv = tf.constant(0.0)
            g_loss = g_adv + self.l1_weight * l1
        self._apply(self.g_optimizer, tape.gradient(g_loss, self.generator.trainable_variables),
                    self.generator.trainable_variables)
        logs = {"l1": l1}
        if self.adversarial:
            self._apply(self.d_optimizer, tape.gradient(d_loss, self.discriminator.trainable_variables),
                        self.discriminator.trainable_variables)
            logs |= {"d_loss": d_loss, "g_adv": g_adv, "d_real": tf.reduce_mean(tf.sigmoid(real_logits)),
                     "d_fake": tf.reduce_mean(tf.sigmoid(fake_logits))}
        del tape
        self.step.assign_add(1)
        return logs

    @staticmethod
    def _apply(optimizer, grads, variables):
        optimizer.apply_gradients(zip(grads, variables))

    def layer_rng_states(self) -> list:
        """The dropout layers' RNG state variables (checkpointed, or a resumed run would replay step 0's masks)."""
        nets = [self.generator] + ([self.discriminator] if self.discriminator is not None else [])
        return [v for m in nets for v in m.non_trainable_variables if "seed_generator" in v.path]

    def checkpoint(self) -> tf.train.Checkpoint:
        """Networks, optimizers, step and dropout RNG states: everything an exact resume needs."""
        parts = dict(generator=self.generator, g_optimizer=self.g_optimizer, step=self.step,
                     layer_rngs={str(i): v for i, v in enumerate(self.layer_rng_states())})
        if self.adversarial:
            parts |= dict(discriminator=self.discriminator, d_optimizer=self.d_optimizer)
        return tf.train.Checkpoint(**parts)



# ----------------------------------------------------------------------------- inference

#: Shipped generators under ``checkpoints/``, by style.
SHIPPED = {"ukiyo-e": "pix2pix-ukiyo-e", "van-gogh": "pix2pix-van-gogh"}
GENERATOR_FILE = "generator.weights.h5"
RUN_FILE = "run.json"


class Pix2PixTranslator:
    """A trained generator and the drawing method it was trained on: photo -> line drawing -> painting."""

    def __init__(self, generator: keras.Model, info: dict):
        self.generator, self.info = generator, dict(info)
        self.multiple = int(info["crop"])

    def render(self, photo, return_drawing: bool = False):
        """``photo`` (h, w, 3) in [0, 1] -> the generator's painting of its line drawing, (h, w, 3) in [0, 1].

        The drawing is made by the same method as in training (``info["method"]``), reflect-padded
        to a multiple of the training crop and cropped back.
        """
        import numpy as np

        from artgan_utils.transfer import pairs

        photo = np.asarray(photo, dtype="float32")
        drawing = pairs.drawing(photo, self.info.get("method", "hed"))
        h, w = drawing.shape[:2]
        m = self.multiple
        ph, pw = -h % m, -w % m
        x = np.pad(drawing * 2 - 1, ((0, ph), (0, pw), (0, 0)), mode="reflect" if ph < h and pw < w else "edge")
        out = np.asarray(self.generator(x[None], training=False))[0, :h, :w]
        painting = np.clip((out + 1) / 2, 0, 1).astype("float32")
        return (painting, drawing) if return_drawing else painting


def load_pix2pix(style_or_path: str = "ukiyo-e") -> Pix2PixTranslator:
    """A shipped generator by style (``"ukiyo-e"``, ``"van-gogh"``) or an exported folder."""
    import json
    from pathlib import Path

    import numpy as np

    from artgan_utils.gan.run_files import checkpoints_dir

    folder = checkpoints_dir() / SHIPPED[style_or_path] if style_or_path in SHIPPED else Path(style_or_path)
    run_file, weights = folder / RUN_FILE, folder / GENERATOR_FILE
    if not run_file.is_file() or not weights.is_file():
        raise FileNotFoundError(
            f"No pix2pix generator in {folder} (expected {GENERATOR_FILE} and {RUN_FILE}); shipped styles: "
            f"{', '.join(SHIPPED)}. Train and export one: python -m artgan_utils.transfer.pix2pix_train train "
            f"--style ukiyo-e --out runs/p2p && python -m artgan_utils.transfer.pix2pix_train export --out runs/p2p "
            f"--to {folder}")
    info = json.loads(run_file.read_text())
    half = unet_generator(info["crop"], info["width"], seed=None)
    half.load_weights(str(weights))
    generator = unet_generator(info["crop"], info["width"], seed=None)
    generator.set_weights([w.astype(np.float32) for w in half.get_weights()])
    return Pix2PixTranslator(generator, info)
