"""DiffAugment (Zhao et al. 2020): differentiable augmentation for GANs trained on few images.

Taught in notebook 05, section 2 (DiffAugment: few paintings).

With a few hundred images or fewer, a discriminator memorises the training set
and stops giving the generator useful gradients. Augmenting the real images
alone would teach the generator to produce augmented images; DiffAugment
instead applies the *same kind* of random transformation to real and generated
images every time the discriminator sees them (in both the discriminator and
the generator step), with operations that are differentiable, so gradients
flow through the augmentation back to the generator.

Policies (comma-separated): ``color`` (random brightness, saturation, contrast),
``translation`` (shift by up to 1/8 of the size, zero fill), ``cutout`` (zero a
random square of half the size). Randomness is stateless, from a seed tensor,
so a checkpointed run resumes with the same augmentations.

Under ``tf.distribute`` every replica draws the random parameters of the whole
global batch from the same seed and keeps its own rows (:func:`replica_rows`),
so a run on N devices augments exactly as a single-device run of the same
global batch does. (Under XLA, ``jit_compile=True``, TensorFlow's stateless
generators produce other numbers than without it: same distribution, other
stream.)
"""

from __future__ import annotations

import tensorflow as tf

POLICIES = ("color", "translation", "cutout")


def replica_rows(draw, n) -> tf.Tensor:
    """This replica's ``n`` rows of ``draw(global_batch)``, a per-example random draw.

    ``draw(m)`` must return a tensor with ``m`` rows from a stateless seed. On
    one device it is simply ``draw(n)``. Under a ``tf.distribute`` strategy with
    R replicas, each holding ``n`` examples (replica i holds rows ``i*n ...
    (i+1)*n - 1`` of the global batch, the layout of
    :func:`artgan_utils.gan.distribute_stream`), every replica draws all
    ``R*n`` rows and keeps its own, so the random numbers attached to each
    example do not depend on how many devices share the batch.
    """
    ctx = tf.distribute.get_replica_context()
    replicas = 1 if ctx is None else ctx.num_replicas_in_sync
    if replicas == 1:
        return draw(n)
    i = tf.cast(ctx.replica_id_in_sync_group, tf.int32)
    n = tf.cast(n, tf.int32)
    return draw(n * replicas)[i * n:(i + 1) * n]


def _uniform(seed: tf.Tensor, shape, lo=0.0, hi=1.0, dtype=tf.float32) -> tf.Tensor:
    """Per-example uniform draws of shape ``(n, ...)``, replica-independent (:func:`replica_rows`)."""
    return replica_rows(lambda m: tf.random.stateless_uniform((m, *shape[1:]), seed, lo, hi, dtype=dtype), shape[0])


def _color(x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    s = tf.random.experimental.stateless_split(seed, 3)
    n = tf.shape(x)[0]
    x = x + (_uniform(s[0], (n, 1, 1, 1)) - 0.5)  # brightness, images in [-1, 1]: +-0.5
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = (x - mean) * _uniform(s[1], (n, 1, 1, 1), 0.0, 2.0) + mean  # saturation
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * _uniform(s[2], (n, 1, 1, 1), 0.5, 1.5) + mean  # contrast


def _translation(x: tf.Tensor, seed: tf.Tensor, ratio: float = 0.125) -> tf.Tensor:
    s = tf.random.experimental.stateless_split(seed, 2)
    n, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    sh = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
    sw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
    dy = _uniform(s[0], (n, 1, 1), -sh, sh + 1, dtype=tf.int32)
    dx = _uniform(s[1], (n, 1, 1), -sw, sw + 1, dtype=tf.int32)
    ys = tf.range(h)[None, :, None] - dy  # source row for each output row
    xs = tf.range(w)[None, None, :] - dx
    valid = (ys >= 0) & (ys < h) & (xs >= 0) & (xs < w)
    ys, xs = tf.clip_by_value(ys, 0, h - 1), tf.clip_by_value(xs, 0, w - 1)
    idx = tf.stack([tf.broadcast_to(tf.range(n)[:, None, None], tf.shape(valid)),
                    tf.broadcast_to(ys, tf.shape(valid)), tf.broadcast_to(xs, tf.shape(valid))], axis=-1)
    return tf.gather_nd(x, idx) * tf.cast(valid, x.dtype)[..., None]


def _cutout(x: tf.Tensor, seed: tf.Tensor, ratio: float = 0.5) -> tf.Tensor:
    s = tf.random.experimental.stateless_split(seed, 2)
    n, h, w = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    ch = tf.cast(tf.cast(h, tf.float32) * ratio + 0.5, tf.int32)
    cw = tf.cast(tf.cast(w, tf.float32) * ratio + 0.5, tf.int32)
    cy = _uniform(s[0], (n, 1, 1), 0, h + (1 - ch % 2), dtype=tf.int32)
    cx = _uniform(s[1], (n, 1, 1), 0, w + (1 - cw % 2), dtype=tf.int32)
    ys = tf.range(h)[None, :, None]
    xs = tf.range(w)[None, None, :]
    inside = (ys >= cy - ch // 2) & (ys < cy - ch // 2 + ch) & (xs >= cx - cw // 2) & (xs < cx - cw // 2 + cw)
    return x * tf.cast(~inside, x.dtype)[..., None]


def parse_policy(policy: str) -> tuple[str, ...]:
    """``"color,translation"`` -> ("color", "translation"); empty string -> no augmentation."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"Unknown DiffAugment policy {unknown}; choose from {', '.join(POLICIES)}.")
    return names


def diff_augment(x: tf.Tensor, seed: tf.Tensor, policy: str = "color,translation,cutout") -> tf.Tensor:
    """Apply the policy's random transformations to a batch (n, h, w, c), differentiably.

    ``seed`` is a shape-(2,) integer tensor; the same seed gives the same
    transformations. Use a different seed for each call (real and fake
    batches get independent transformations of the same kind).
    """
    names = parse_policy(policy)
    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), max(len(names), 1))
    ops = {"color": _color, "translation": _translation, "cutout": _cutout}
    for i, name in enumerate(names):
        x = ops[name](x, seeds[i])
    return x
