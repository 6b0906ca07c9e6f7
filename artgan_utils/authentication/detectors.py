"""Forgery detectors on image tiles, whole-image decisions, and authenticity heatmaps.

Taught in notebook 11 (art authentication). A detector gives each tile a score
(higher = more likely a forgery); an image's score is the mean of its tiles'
scores. The tiles of an image are cut on a grid and, as in Frank & Frank's
Rembrandt study, only the detailed ones are kept: those whose grey-level entropy
is at least the whole image's. Flat sky says little about who painted it.

Three detectors:

``DiscriminatorDetector``
    a trained GAN's discriminator used as it is (minus its logit: a high logit means "real").
``FeatureProbe``
    logistic regression on ImageNet features (EfficientNet-Lite0, notebook 07).
``PatchCNN``
    a small convolutional network trained from scratch on the tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def tile_grid(image: np.ndarray, size: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Tiles ``(n, size, size, 3)`` of an image on a grid, and their top-left corners ``(n, 2)``.

    The grid is centred; an image smaller than ``size`` is padded by reflection first.
    """
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[-1] != 3:
        raise ValueError(f"expected an RGB image (h, w, 3); got shape {img.shape}.")
    pad = [(0, max(0, size - img.shape[0])), (0, max(0, size - img.shape[1])), (0, 0)]
    if any(p[1] for p in pad[:2]):
        img = np.pad(img, pad, mode="reflect" if min(img.shape[:2]) > 1 else "edge")
    h, w = img.shape[:2]
    ys = np.arange(0, h - size + 1, stride)
    xs = np.arange(0, w - size + 1, stride)
    ys, xs = ys + (h - size - ys[-1]) // 2, xs + (w - size - xs[-1]) // 2
    corners = np.array([(y, x) for y in ys for x in xs])
    return np.stack([img[y:y + size, x:x + size] for y, x in corners]), corners


def tile_entropy(tiles: np.ndarray) -> np.ndarray:
    """Shannon entropy (bits) of each uint8 tile's grey-level histogram (256 bins)."""
    grey = np.asarray(tiles, np.float64) @ np.array([0.299, 0.587, 0.114])
    levels = np.clip(np.round(grey), 0, 255).astype(np.int64).reshape(len(grey), -1)
    out = np.empty(len(levels))
    for i, row in enumerate(levels):
        p = np.bincount(row, minlength=256) / row.size
        p = p[p > 0]
        out[i] = -np.sum(p * np.log2(p))
    return out


@dataclass
class TileSet:
    """The kept tiles of a list of items, with each tile's item, label, method and group."""

    tiles: np.ndarray  # (n, size, size, 3) uint8
    item: np.ndarray  # index of the tile's image in the item list
    label: np.ndarray
    method: np.ndarray
    group: np.ndarray

    def subset(self, mask) -> "TileSet":
        mask = np.asarray(mask)
        return TileSet(self.tiles[mask], self.item[mask], self.label[mask], self.method[mask], self.group[mask])

    def __len__(self) -> int:
        return len(self.tiles)


def make_tiles(items, size: int, stride: int, keep: float | str = "image", max_per_image: int | None = None
               ) -> TileSet:
    """Tile every item and keep its detailed tiles.

    ``keep="image"`` is Frank & Frank's rule: the tiles whose entropy is at least the
    whole image's (the most detailed tile when none is); a number keeps that fraction
    of the tiles, most detailed first. At most ``max_per_image`` tiles per image, the
    most detailed.
    """
    parts = []
    for i, it in enumerate(items):
        tiles, _ = tile_grid(it.image, size, stride)
        entropy = tile_entropy(tiles)
        order = np.argsort(-entropy, kind="stable")
        if keep == "image":
            n = max(1, int(np.sum(entropy >= tile_entropy(np.asarray(it.image)[None])[0])))
        else:
            n = max(1, int(round(float(keep) * len(tiles))))
        n = min(n, max_per_image) if max_per_image else n
        chosen = np.sort(order[:n])
        parts.append((tiles[chosen], i, it.label, it.method, it.group))
    return TileSet(np.concatenate([p[0] for p in parts]),
                   np.concatenate([np.full(len(p[0]), p[1]) for p in parts]),
                   np.concatenate([np.full(len(p[0]), p[2]) for p in parts]),
                   np.concatenate([np.full(len(p[0]), p[3], dtype=object) for p in parts]),
                   np.concatenate([np.full(len(p[0]), p[4], dtype=object) for p in parts]))


def image_scores(tile_scores: np.ndarray, tile_item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(items, scores)``: each image's mean tile score, for the images that have tiles."""
    items = np.unique(tile_item)
    return items, np.array([np.mean(tile_scores[tile_item == i]) for i in items])


def _to_unit(tiles) -> np.ndarray:
    return np.asarray(tiles, np.float32) / 127.5 - 1.0


class DiscriminatorDetector:
    """A GAN discriminator as a detector: score = minus its logit ("not real")."""

    name = "GAN discriminator"

    def __init__(self, discriminator):
        self.model = discriminator
        self.size = int(discriminator.input_shape[1])

    def score(self, tiles: np.ndarray, batch_size: int = 256) -> np.ndarray:
        import tensorflow as tf

        x = _to_unit(tiles)
        if x.shape[1] != self.size:
            x = tf.image.resize(x, (self.size, self.size), antialias=True).numpy()
        return -np.concatenate([np.asarray(self.model(x[i:i + batch_size], training=False)).reshape(-1)
                                for i in range(0, len(x), batch_size)])


class FeatureProbe:
    """Logistic regression on fixed features (ImageNet EfficientNet-Lite0 by default), classes weighted equally."""

    name = "linear probe on ImageNet features"

    def __init__(self, l2: float = 1e-2, steps: int = 500, lr: float = 0.5, features=None):
        if features is None:
            from artgan_utils.pretrained import effnet

            features = effnet.features
        self.features, self.l2, self.steps, self.lr = features, float(l2), int(steps), float(lr)
        self.mean = self.std = self.w = None
        self.b = 0.0

    def fit_features(self, f: np.ndarray, labels: np.ndarray) -> "FeatureProbe":
        """Fit on features ``f`` (n, d) by full-batch gradient descent on the weighted logistic loss + L2."""
        f = np.asarray(f, np.float64)
        y = np.asarray(labels, np.float64)
        if len(np.unique(y)) != 2:
            raise ValueError("the probe needs genuine (0) and forged (1) examples to learn from.")
        self.mean, self.std = f.mean(0), f.std(0) + 1e-6
        x = (f - self.mean) / self.std
        weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())) / len(y)
        self.w, self.b = np.zeros(x.shape[1]), 0.0
        for _ in range(self.steps):
            p = 1 / (1 + np.exp(-(x @ self.w + self.b)))
            g = weight * (p - y)
            self.w -= self.lr * (x.T @ g + self.l2 * self.w)
            self.b -= self.lr * g.sum()
        return self

    def score_features(self, f: np.ndarray) -> np.ndarray:
        if self.w is None:
            raise RuntimeError("fit the probe first.")
        return ((np.asarray(f, np.float64) - self.mean) / self.std) @ self.w + self.b

    def fit(self, tiles: np.ndarray, labels: np.ndarray) -> "FeatureProbe":
        return self.fit_features(self.features(tiles), labels)

    def score(self, tiles: np.ndarray) -> np.ndarray:
        return self.score_features(self.features(tiles))


def patch_cnn(size: int = 64, width: int = 32, seed: int = 0):
    """A small from-scratch CNN: four stride-2 convolutions, global average pooling, one logit ("forged")."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((size, size, 3))
    x = inputs
    for i, channels in enumerate((width, 2 * width, 4 * width, 4 * width)):
        x = keras.layers.Conv2D(channels, 3, strides=2, padding="same", name=f"conv{i}")(x)
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"bn{i}")(x)
        x = keras.layers.LeakyReLU(0.2)(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(1, name="logit")(x), name="patch_cnn")


class PatchCNN:
    """:func:`patch_cnn` trained on tiles with class-balanced cross-entropy and random flips."""

    name = "patch CNN (from scratch)"

    def __init__(self, size: int = 64, width: int = 32, seed: int = 0, lr: float = 1e-3):
        import keras

        self.model = patch_cnn(size, width, seed)
        self.model.compile(optimizer=keras.optimizers.Adam(lr), loss=keras.losses.BinaryCrossentropy(from_logits=True))
        self.seed = seed

    def fit(self, tiles: np.ndarray, labels: np.ndarray, epochs: int = 5, batch_size: int = 64) -> "PatchCNN":
        y = np.asarray(labels, np.float32)
        if len(np.unique(y)) != 2:
            raise ValueError("the CNN needs genuine (0) and forged (1) tiles to learn from.")
        rng = np.random.default_rng(self.seed)
        x = _to_unit(tiles)
        weights = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean())).astype(np.float32)
        for _ in range(epochs):
            flip = rng.random(len(x)) < 0.5
            xe = np.where(flip[:, None, None, None], x[:, :, ::-1], x)
            self.model.fit(xe, y, sample_weight=weights, epochs=1, batch_size=batch_size, shuffle=True, verbose=0)
        return self

    def score(self, tiles: np.ndarray, batch_size: int = 256) -> np.ndarray:
        x = _to_unit(tiles)
        return np.concatenate([np.asarray(self.model(x[i:i + batch_size], training=False)).reshape(-1)
                               for i in range(0, len(x), batch_size)])


def heatmap(detector, image: np.ndarray, size: int, stride: int) -> np.ndarray:
    """Mean tile score at each pixel of ``image`` (h, w): every tile on a ``stride`` grid, overlaps averaged."""
    tiles, corners = tile_grid(image, size, stride)
    scores = detector.score(tiles)
    h, w = max(image.shape[0], size), max(image.shape[1], size)
    total, count = np.zeros((h, w)), np.zeros((h, w))
    for (y, x), s in zip(corners, scores):
        total[y:y + size, x:x + size] += s
        count[y:y + size, x:x + size] += 1
    out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out[:image.shape[0], :image.shape[1]]
