"""Training streams: random patches, value ranges, ``tf.data`` pipelines and the digits warm-up set.

Taught in notebook 04, sections 2 (``load_digits``, ``array_dataset``) and 4
(``patch_dataset``, the stream behind the painting recipes); notebook 00,
"From paintings to training data" and exercises 00.1-00.2, first shows
``random_patches``, ``to_model_range`` and ``to_uint8``.

Typical use::

    from artgan_utils import data
    images = data.load_artworks(data.catalogue(style="ukiyo-e"))
    patches = data.random_patches(images, n=256, size=64, seed=0)
    ds = data.array_dataset(patches, batch_size=32)      # tf.data, float32 in [-1, 1]

Every stream is returned with tf.data's autotuning switched off (:func:`without_autotune`,
notebook 06 explains why: an autotuned pipeline made ``fit`` calls end late).

TensorFlow, Pillow and scikit-learn are imported by the functions that need
them, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import tensorflow as tf


def without_autotune(ds: tf.data.Dataset) -> tf.data.Dataset:
    """``ds`` with tf.data's autotuning switched off, so that a finished ``fit`` returns at once.

    An autotuned pipeline runs a background thread that re-optimises it after waits that
    double from 10 ms up to 60 s (10, 20, 40, ... ms), and deleting the pipeline's iterator
    can wait for that thread's next wake-up (on a busy or single core: measured with
    ``benchmarks/autotune_stall.py``). ``keras.Model.fit`` makes a new iterator in every
    call, so calls ended at those wake-ups: at 1.27, 2.55, 5.11, 10.23, 20.47 s
    and so on, then 81.9 s plus multiples of 60 s. 20 steps of 240 ms took 5.11 s (256 ms a
    step) or 10.23 s (512 ms), and the headless trainers' chunks took 141.9 or 201.9 s for
    105 to 180 s of work (benchmarks/training_speed.py, the trainers' ``log.csv``). The
    series' streams are step-indexed and cheap to compute, so a fixed degree of parallelism
    costs nothing.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def random_patches(
    images: Sequence[np.ndarray],
    n: int,
    size: int,
    seed: int = 0,
    scale: tuple[float, float] = (0.25, 0.6),
    flip: bool = True,
) -> np.ndarray:
    """Cut ``n`` random square patches from ``images`` (deterministic for a seed).

    Each patch picks an image uniformly, a crop side of ``scale`` times the
    image's shorter side (never less than ``size``), a random position and an
    optional horizontal flip, and is resized to ``size`` x ``size``.

    Returns
    -------
    np.ndarray
        uint8 array of shape (n, size, size, 3).
    """
    from PIL import Image

    if not images:
        raise ValueError("random_patches needs at least one image.")
    lo, hi = scale
    if not 0 < lo <= hi <= 1:
        raise ValueError(f"scale must satisfy 0 < low <= high <= 1, got {scale}.")
    rng = np.random.default_rng(seed)
    out = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        img = images[int(rng.integers(len(images)))]
        h, w = img.shape[:2]
        short = min(h, w)
        side = int(round(rng.uniform(lo, hi) * short))
        side = max(min(side, short), min(size, short))
        top = int(rng.integers(0, h - side + 1))
        left = int(rng.integers(0, w - side + 1))
        crop = Image.fromarray(np.ascontiguousarray(img[top : top + side, left : left + side, :3]))
        patch = np.asarray(crop.resize((size, size), Image.Resampling.BICUBIC if side < size else Image.Resampling.LANCZOS))
        if flip and rng.random() < 0.5:
            patch = patch[:, ::-1]
        out[i] = patch
    return out


def to_model_range(images: Any) -> np.ndarray:
    """Unsigned-integer images -> float32 in [-1, 1] (the range of a tanh generator), as exercise 00.1 asks.

    0 maps to -1 and the dtype's maximum to 1: 255 for uint8, 65,535 for uint16
    (16-bit PNGs). Images of any other dtype are taken as values in [0, 255].
    """
    arr = np.asarray(images)
    top = float(np.iinfo(arr.dtype).max) if arr.dtype.kind == "u" else 255.0
    return (arr.astype(np.float32) / np.float32(top / 2.0) - np.float32(1.0)).astype(np.float32)


def to_uint8(images: Any) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255], rounded and clipped."""
    return np.clip(np.rint((np.asarray(images, dtype=np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def array_dataset(
    images: np.ndarray,
    batch_size: int,
    seed: int = 0,
    shuffle: bool = True,
    start_batch: int = 0,
) -> "tf.data.Dataset":
    """An endless, step-indexed tf.data stream of batches from an in-memory array, float32 in [-1, 1].

    Batch ``k`` is a pure function of ``(seed, k)``: epoch ``e = k // (N // batch_size)``
    uses its own permutation of the images (``stateless_shuffle`` seeded by
    ``(seed, e)``; the last ``N % batch_size`` images of each permutation are
    left out of that epoch), and batch ``k`` is its ``k % (N // batch_size)``-th
    slice. So a run resumed at step ``k`` with ``start_batch=k`` sees exactly the
    batches an uninterrupted run would have seen: that is what makes
    ``fit``-based training resume exactly (see :mod:`artgan_utils.gan`).

    The stream never ends: give ``fit`` a ``steps_per_epoch``, or use ``.take(n)``.
    """
    import tensorflow as tf

    arr = np.asarray(images)
    if arr.ndim != 4:
        raise ValueError(f"images must have shape (N, H, W, C); got {arr.shape}.")
    if arr.shape[0] < batch_size:
        raise ValueError(
            f"Only {arr.shape[0]} images for batch_size={batch_size}: lower the batch size or make more patches."
        )
    if start_batch < 0:
        raise ValueError(f"start_batch must be >= 0, got {start_batch}.")
    if arr.dtype == np.uint8:
        arr = to_model_range(arr)
    table = tf.constant(arr.astype(np.float32))
    n = arr.shape[0]
    per_epoch = n // batch_size

    def batch_at(k: tf.Tensor) -> tf.Tensor:
        epoch = k // per_epoch
        j = k % per_epoch
        order = tf.range(n, dtype=tf.int64)
        if shuffle:
            order = tf.random.experimental.stateless_shuffle(order, seed=tf.stack([tf.constant(seed, tf.int64), epoch]))
        return tf.gather(table, order[j * batch_size : (j + 1) * batch_size])

    ds = tf.data.Dataset.counter(start=int(start_batch), dtype=tf.int64)
    return without_autotune(ds.map(batch_at, num_parallel_calls=2, deterministic=True).prefetch(2))


def patch_dataset(
    images: Sequence[np.ndarray],
    size: int,
    batch_size: int,
    seed: int = 0,
    scale: tuple[float, float] = (0.25, 0.6),
    flip: bool = True,
    start_batch: int = 0,
) -> "tf.data.Dataset":
    """An endless, step-indexed tf.data stream of fresh random patches, float32 in [-1, 1].

    Unlike :func:`random_patches` (a fixed set), every batch here is new. Patch
    ``i`` of the stream is cut with stateless random ops seeded by ``(seed, i)``,
    so the stream is reproducible and batch ``k`` depends only on ``(seed, k)``:
    ``start_batch=k`` resumes it exactly where step ``k`` of a run left off.
    Images are decoded once and kept in memory (padded to a common size), crops
    are made in parallel and batches are prefetched. Use ``.take(k)`` or
    ``steps_per_epoch``.
    """
    import tensorflow as tf

    if not images:
        raise ValueError("patch_dataset needs at least one image.")
    if start_batch < 0:
        raise ValueError(f"start_batch must be >= 0, got {start_batch}.")
    cut = _patch_cutter(images, size, scale, flip)
    n = len(images)

    def crop(i: tf.Tensor) -> tf.Tensor:
        seeds = tf.random.experimental.stateless_split(tf.stack([tf.constant(seed, tf.int64), i]), num=5)
        return cut(tf.random.stateless_uniform([], seeds[0], 0, n, dtype=tf.int32), seeds[1:])

    return _indexed_stream(crop, batch_size, start_batch)


def _indexed_stream(crop, batch_size: int, start_batch: int) -> "tf.data.Dataset":
    """Batches of ``crop(i)`` for patch indices ``i`` from ``start_batch * batch_size`` on, in order and prefetched."""
    import tensorflow as tf

    ds = tf.data.Dataset.counter(start=int(start_batch) * batch_size, dtype=tf.int64)
    ds = ds.map(crop, num_parallel_calls=2, deterministic=True)
    return without_autotune(ds.batch(batch_size, drop_remainder=True).prefetch(2))


def _patch_cutter(images: Sequence[np.ndarray], size: int, scale: tuple[float, float], flip: bool):
    """``cut(idx, seeds)``: a random patch of image ``idx`` in [-1, 1] from four stateless seeds (size, top,
    left, flip); the images are padded into one in-memory stack."""
    import tensorflow as tf

    hmax = max(im.shape[0] for im in images)
    wmax = max(im.shape[1] for im in images)
    padded = np.zeros((len(images), hmax, wmax, 3), dtype=np.uint8)
    dims = np.zeros((len(images), 2), dtype=np.int32)
    for i, im in enumerate(images):
        padded[i, : im.shape[0], : im.shape[1]] = im[..., :3]
        dims[i] = im.shape[:2]
    stack = tf.constant(padded)
    hw = tf.constant(dims)
    lo, hi = scale

    def cut(idx: tf.Tensor, seeds: tf.Tensor) -> tf.Tensor:
        h, w = hw[idx, 0], hw[idx, 1]
        short = tf.cast(tf.minimum(h, w), tf.float32)
        frac = tf.random.stateless_uniform([], seeds[0], lo, hi)
        side = tf.cast(tf.round(frac * short), tf.int32)
        side = tf.clip_by_value(side, tf.minimum(size, tf.cast(short, tf.int32)), tf.cast(short, tf.int32))
        top = tf.random.stateless_uniform([], seeds[1], 0, h - side + 1, dtype=tf.int32)
        left = tf.random.stateless_uniform([], seeds[2], 0, w - side + 1, dtype=tf.int32)
        patch = stack[idx, top : top + side, left : left + side, :]
        patch = tf.image.resize(tf.cast(patch, tf.float32), (size, size), method="area", antialias=True)
        if flip:
            patch = tf.image.stateless_random_flip_left_right(patch, seeds[3])
        patch = tf.ensure_shape(patch, (size, size, 3))
        return patch / 127.5 - 1.0

    return cut


def labelled_patch_dataset(
    images: Sequence[np.ndarray],
    labels: Sequence[int],
    size: int,
    batch_size: int,
    seed: int = 0,
    scale: tuple[float, float] = (0.25, 0.6),
    flip: bool = True,
    start_batch: int = 0,
) -> "tf.data.Dataset":
    """:func:`patch_dataset` with a class per image: batches of ``(patches, labels)``, classes balanced.

    Each patch first draws a class uniformly, then one of that class's images, so a
    class with two paintings is seen as often as one with nine (notebook 10's styles
    and artists). Step-indexed like :func:`patch_dataset`: batch ``k`` depends only on
    ``(seed, k)``, and ``start_batch=k`` resumes there.
    """
    import tensorflow as tf

    labels = np.asarray(labels, dtype=np.int32)
    if not len(images) or len(images) != len(labels):
        raise ValueError(f"need one label per image; got {len(images)} images and {len(labels)} labels.")
    classes = np.unique(labels)
    if classes[0] != 0 or classes[-1] != len(classes) - 1:
        raise ValueError(f"labels must be 0..K-1 with every class present; got classes {classes.tolist()}.")
    members = [np.flatnonzero(labels == c) for c in classes]
    table = np.full((len(classes), max(map(len, members))), -1, dtype=np.int32)
    for c, m in enumerate(members):
        table[c, : len(m)] = m
    table, counts, k = tf.constant(table), tf.constant([len(m) for m in members], tf.int32), len(classes)
    cut = _patch_cutter(images, size, scale, flip)

    def crop(i: tf.Tensor):
        seeds = tf.random.experimental.stateless_split(tf.stack([tf.constant(seed, tf.int64), i]), num=6)
        c = tf.random.stateless_uniform([], seeds[0], 0, k, dtype=tf.int32)
        idx = table[c, tf.random.stateless_uniform([], seeds[5], 0, counts[c], dtype=tf.int32)]
        return cut(idx, seeds[1:5]), c

    return _indexed_stream(crop, batch_size, start_batch)


def load_digits(size: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits: a seconds-fast warm-up set.

    Parameters
    ----------
    size:
        Output side (8, or upsampled, e.g. 16 or 32, with bilinear resizing).

    Returns
    -------
    (images, labels)
        images float32 (1797, size, size, 1) in [-1, 1]; labels int (1797,).
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    bunch = _sk_load_digits()
    imgs = bunch.images.astype(np.float32) / 16.0  # sklearn's digits range 0..16
    if size != 8:
        from PIL import Image

        imgs = np.stack(
            [np.asarray(Image.fromarray(im).resize((size, size), Image.Resampling.BILINEAR)) for im in imgs]
        )
    imgs = np.clip(imgs, 0.0, 1.0) * 2.0 - 1.0
    return imgs[..., None].astype(np.float32), bunch.target.astype(np.int64)
