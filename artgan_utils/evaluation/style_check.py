"""Did the generator make what it was asked for, and did it copy? Style consistency and patch copying.

Taught in notebook 10. Two measurements that work on any feature extractor's vectors
or on pixels, so they can be tested without a pretrained network:

* :class:`StyleClassifier`: logistic regression on (standardised) image features, trained on
  real images of each style only. Its accuracy on held-out real images says how well the
  styles can be told apart at all; applied to generated images it says whether the samples
  conditioned on a style are recognisable as that style (:func:`confusion_matrix`).
* :func:`patch_copy_distances`: for every small patch of a generated image, the distance to
  its nearest patch of the painting it was trained on. A copy has distances near 0 everywhere;
  :func:`self_similarity_distances` gives the same statistic for a part of the painting measured
  against the *rest* of the painting, the level a new image "made of the same stuff" reaches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass
class StyleClassifier:
    """A linear classifier of styles on image features (fit with :meth:`fit`)."""

    class_names: tuple[str, ...]
    C: float = 0.1
    seed: int = 0

    def fit(self, features: ArrayLike, labels: ArrayLike) -> "StyleClassifier":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        x, y = np.asarray(features, np.float64), np.asarray(labels)
        missing = sorted(set(range(len(self.class_names))) - set(y.tolist()))
        if missing:
            raise ValueError(f"no training images for classes {[self.class_names[i] for i in missing]}.")
        self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=2000,
                                                                         random_state=self.seed))
        self.model_.fit(x, y)
        return self

    def predict(self, features: ArrayLike) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise RuntimeError("call fit(features, labels) on real images first.")
        return self.model_.predict(np.asarray(features, np.float64))

    def confusion(self, features: ArrayLike, labels: ArrayLike) -> np.ndarray:
        """Row-normalised confusion matrix: row = the true (or conditioning) class, column = predicted."""
        return confusion_matrix(labels, self.predict(features), len(self.class_names))


def confusion_matrix(true: ArrayLike, predicted: ArrayLike, num_classes: int, normalise: bool = True) -> np.ndarray:
    """``m[i, j]``: how many (or, normalised, which share) of class ``i`` were predicted as ``j``."""
    m = np.zeros((num_classes, num_classes))
    np.add.at(m, (np.asarray(true, int), np.asarray(predicted, int)), 1)
    if normalise:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    return m


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """The diagonal of a row-normalised confusion matrix: each class's share classified correctly."""
    return np.diag(np.asarray(matrix, float)).copy()


def _patches(image: np.ndarray, size: int, stride: int) -> np.ndarray:
    """All ``size`` x ``size`` patches of an (h, w, c) image on a ``stride`` grid, flattened: (n, size*size*c)."""
    image = np.asarray(image, np.float32)
    if image.ndim != 3:
        raise ValueError(f"images must be (h, w, channels); got shape {image.shape}.")
    h, w = image.shape[:2]
    if h < size or w < size:
        raise ValueError(f"image of {h}x{w} pixels is smaller than the {size}-pixel patch.")
    ys, xs = range(0, h - size + 1, stride), range(0, w - size + 1, stride)
    return np.stack([image[y:y + size, x:x + size].ravel() for y in ys for x in xs])


def _nearest(queries: np.ndarray, reference: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Euclidean distance of each query row to its nearest reference row, per pixel value (RMS)."""
    ref_sq = (reference ** 2).sum(axis=1)
    out = np.empty(len(queries))
    for i in range(0, len(queries), chunk):
        q = queries[i:i + chunk]
        d2 = (q ** 2).sum(axis=1)[:, None] + ref_sq[None, :] - 2.0 * q @ reference.T
        out[i:i + chunk] = np.sqrt(np.clip(d2.min(axis=1), 0, None) / queries.shape[1])
    return out


def patch_copy_distances(image: ArrayLike, painting: ArrayLike, size: int = 7, stride: int = 2,
                         reference_stride: int = 1) -> np.ndarray:
    """For each ``size``-pixel patch of ``image``: the RMS distance to its nearest patch of ``painting``.

    Both in the same value range (e.g. [0, 1]) and scale. A pixel-exact copy gives 0 for
    every patch; compare with :func:`self_similarity_distances`.
    """
    return _nearest(_patches(np.asarray(image), size, stride), _patches(np.asarray(painting), size, reference_stride))


def self_similarity_distances(painting: ArrayLike, size: int = 7, stride: int = 2, parts: int = 2,
                              margin: int | None = None) -> np.ndarray:
    """The copy statistic of the painting measured against itself, with the queried part left out.

    The painting is cut into ``parts`` vertical strips; each strip's patches are matched
    against patches of the painting that lie at least ``margin`` pixels (default: ``size``)
    outside the strip. The result is how close new material made of the painting's own
    strokes and colours comes to the painting without being a copy of the same place.
    """
    p = np.asarray(painting, np.float32)
    h, w = p.shape[:2]
    margin = size if margin is None else margin
    edges = np.linspace(0, w, parts + 1).round().astype(int)
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        left, right = p[:, : max(a - margin, 0)], p[:, min(b + margin, w):]
        refs = [_patches(r, size, 1) for r in (left, right) if r.shape[1] >= size]
        if not refs:
            raise ValueError("the painting is too narrow for this many parts.")
        out.append(_nearest(_patches(p[:, a:b], size, stride), np.concatenate(refs)))
    return np.concatenate(out)
