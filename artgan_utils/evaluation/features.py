"""Feature extractors for the distribution metrics (Fréchet distance, KID, precision/recall).

Taught in notebook 05, section 1 (which features a metric uses, and why the name says so).

Which network turns images into feature vectors is part of a metric's name:

``inception_v3()``
    Inception-v3 with ImageNet weights, 2048-d average-pool features of images
    resized to 299x299: the features of the published **FID** and **KID**.
    Needs the weights: downloaded by Keras on first use (internet), or a local
    file (``weights=`` or ``ARTGAN_INCEPTION_WEIGHTS``). Offline without a file
    it raises :class:`FeatureExtractorUnavailable`; it never falls back silently.
``random_cnn()``
    The offline extractor: a fixed, randomly initialised convolutional network
    (seeded, so every machine computes the same features) whose per-channel
    means and standard deviations at four scales form a 960-d vector. Random
    convolutional features are a known, if weaker, basis for distribution
    distances (they see colour, texture and edges, not object categories).
    Numbers computed with it are labelled ``FD[random-cnn]`` / ``KID[random-cnn]``
    and are **not comparable** to published FID values, only to each other.

Every extractor has a ``name`` and a ``label(metric)`` method that the
notebooks print next to each number.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)

INCEPTION_ENV_VAR = "ARTGAN_INCEPTION_WEIGHTS"


class FeatureExtractorUnavailable(RuntimeError):
    """A feature extractor's weights could not be loaded (offline, or a bad file)."""


@dataclass
class FeatureExtractor:
    """A named image -> feature-vector function, applied in batches.

    Attributes
    ----------
    name:
        Short name used in labels (``"inception-v3"``, ``"random-cnn"``).
    description:
        One line for printouts.
    comparable_to_published:
        True only for Inception-v3 with ImageNet weights.
    """

    name: str
    description: str
    comparable_to_published: bool
    _fn: Callable[[Any], Any]
    dim: int

    def label(self, metric: str) -> str:
        """``"FID"`` / ``"KID"`` for Inception features, otherwise e.g. ``"FD[random-cnn]"``."""
        if self.comparable_to_published:
            return {"FD": "FID", "KD": "KID", "KID": "KID"}.get(metric, f"{metric}[{self.name}]")
        return f"{'FD' if metric == 'FID' else metric}[{self.name}]"

    def __call__(self, images: Any, batch_size: int = 64) -> np.ndarray:
        """Features of ``images`` (n, h, w, c), uint8 or float in [-1, 1]; grayscale is repeated to RGB."""
        arr = np.asarray(images)
        if arr.ndim != 4 or arr.shape[-1] not in (1, 3):
            raise ValueError(f"images must have shape (n, h, w, 1 or 3); got {arr.shape}.")
        x = arr.astype(np.float32) / 127.5 - 1.0 if arr.dtype == np.uint8 else arr.astype(np.float32)
        if x.size and (x.min() < -1.001 or x.max() > 1.001):
            raise ValueError(f"float images must lie in [-1, 1]; got [{x.min():.3f}, {x.max():.3f}].")
        if x.shape[-1] == 1:
            x = np.repeat(x, 3, axis=-1)
        out = [np.asarray(self._fn(x[i : i + batch_size]), dtype=np.float64) for i in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, self.dim))


def random_cnn(seed: int = 0) -> FeatureExtractor:
    """The offline extractor: a seeded random conv net; mean and std of each channel at four scales (960-d)."""
    import keras
    from keras import layers, ops

    init = keras.initializers.HeNormal(seed=seed)
    inp = keras.Input((None, None, 3))
    x, pooled = inp, []
    for i, filters in enumerate((32, 64, 128, 256)):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", kernel_initializer=init, name=f"conv{i + 1}")(x)
        x = layers.LeakyReLU(0.2)(x)
        pooled += [ops.mean(x, axis=(1, 2)), ops.std(x, axis=(1, 2))]
    model = keras.Model(inp, ops.concatenate(pooled, axis=-1), name=f"random_cnn_{seed}")
    return FeatureExtractor("random-cnn", f"random conv net (seed {seed}), 960-d, offline; not comparable to "
                            "published FID", False, lambda x: model(x, training=False), 960)


def inception_v3(weights: str | os.PathLike[str] | None = None) -> FeatureExtractor:
    """Inception-v3 (ImageNet) pool features, the published FID/KID features.

    Parameters
    ----------
    weights:
        A local Keras weights file for ``InceptionV3(include_top=False)``;
        default: ``ARTGAN_INCEPTION_WEIGHTS`` if set, else Keras' download.

    Raises
    ------
    FeatureExtractorUnavailable
        If the weights cannot be downloaded or read, with what to do instead.
    """
    import keras
    import tensorflow as tf

    source = weights or os.environ.get(INCEPTION_ENV_VAR) or "imagenet"
    try:
        if source == "imagenet":
            net = keras.applications.InceptionV3(include_top=False, pooling="avg", weights="imagenet",
                                                 input_shape=(299, 299, 3))
        else:
            net = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=None,
                                                 input_shape=(299, 299, 3))
            net.load_weights(str(source))
    except Exception as exc:  # noqa: BLE001 - download and file errors come in many types
        where = "downloading the ImageNet weights" if source == "imagenet" else f"loading {os.fspath(source)!r}"
        raise FeatureExtractorUnavailable(
            f"Inception-v3 is unavailable: {where} failed ({type(exc).__name__}: {str(exc)[:200]}). "
            "Online, retry (Keras caches the file in ~/.keras/models); offline, point "
            f"{INCEPTION_ENV_VAR} at a copy of the weights file, or use features.random_cnn(), "
            "whose numbers are labelled FD[random-cnn] and are not comparable to published FID."
        ) from exc

    def fn(x):
        return net(tf.image.resize(x, (299, 299), method="bilinear"), training=False)  # inputs already in [-1, 1]

    return FeatureExtractor("inception-v3", "Inception-v3 ImageNet pool3, 2048-d (the published FID features)",
                            True, fn, 2048)


def best_available(verbose: bool = True) -> FeatureExtractor:
    """Inception-v3 if its weights load, else :func:`random_cnn`, saying so (never silently)."""
    try:
        return inception_v3()
    except FeatureExtractorUnavailable as err:
        if verbose:
            print(f"Using random-cnn features: {str(err).split(':')[0]} (offline?). Numbers are labelled "
                  "FD[random-cnn]/KID[random-cnn] and are not comparable to published FID.")
        return random_cnn()
