"""Convolutional generators and discriminators (DCGAN family) in Keras 3.

The builders here are the finished versions of what notebook 03 develops step
by step: a generator that maps a latent vector to an image in [-1, 1] with
strided transposed convolutions (or resize + convolution, which avoids
checkerboard artefacts), and a discriminator that maps an image to one
*logit* (use ``from_logits=True`` losses).

Shape arithmetic helpers (:func:`conv_output_size`,
:func:`conv_transpose_output_size`, :func:`receptive_field`) follow Keras'
``padding="same"`` / ``"valid"`` conventions and are tested against real
layers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import keras
from keras import layers


#: DCGAN weight initialisation (Radford et al. 2016): N(0, 0.02).
def dcgan_init(seed: int | None = None) -> keras.initializers.Initializer:
    """The DCGAN paper's weight initialiser, a normal distribution with std 0.02."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=seed)


def conv_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Spatial output size of ``Conv2D`` along one axis.

    ``same``: ceil(size / stride); ``valid``: floor((size - kernel) / stride) + 1.
    """
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        return (size - kernel) // stride + 1
    raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}.")


def conv_transpose_output_size(size: int, kernel: int, stride: int, padding: str = "same") -> int:
    """Spatial output size of ``Conv2DTranspose`` along one axis (no output_padding).

    ``same``: size * stride; ``valid``: (size - 1) * stride + max(kernel, stride).
    """
    if padding == "same":
        return size * stride
    if padding == "valid":
        return (size - 1) * stride + max(kernel, stride)
    raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}.")


def receptive_field(kernels: Sequence[int], strides: Sequence[int]) -> int:
    """Receptive field (in input pixels) of a stack of convolutions.

    r = 1 + sum_l (k_l - 1) * prod_{i<l} s_i.
    """
    if len(kernels) != len(strides):
        raise ValueError("kernels and strides must have the same length.")
    r, jump = 1, 1
    for k, s in zip(kernels, strides):
        r += (k - 1) * jump
        jump *= s
    return r


def upsample_layer(x, filters: int, index: int, upsample: str = "transpose", use_bias: bool = False,
                   kernel_initializer: Any = None):
    """One doubling of the resolution, named ``up{index}``: a stride-2 ``Conv2DTranspose`` (kernel 4)
    for ``"transpose"``, or ``UpSampling2D`` (nearest, ``resize{index}``) and a 3x3 ``Conv2D`` for ``"resize"``."""
    if upsample == "transpose":
        return layers.Conv2DTranspose(filters, 4, strides=2, padding="same", use_bias=use_bias,
                                      kernel_initializer=kernel_initializer, name=f"up{index}")(x)
    if upsample == "resize":
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"resize{index}")(x)
        return layers.Conv2D(filters, 3, padding="same", use_bias=use_bias, kernel_initializer=kernel_initializer,
                             name=f"up{index}")(x)
    raise ValueError(f"upsample must be 'transpose' or 'resize', got {upsample!r}.")


def make_generator(
    latent_dim: int = 100,
    image_size: int = 64,
    channels: int = 3,
    base_filters: int = 128,
    start_size: int = 8,
    upsample: str = "transpose",
    name: str = "generator",
    seed: int | None = None,
    synchronized_bn: bool = False,
) -> keras.Model:
    """DCGAN generator: z -> Dense -> (start_size, start_size, C) -> upsampling blocks -> tanh image.

    Each block doubles the resolution and halves the filters (BatchNorm, ReLU);
    the last layer maps to ``channels`` with ``tanh`` so outputs lie in [-1, 1].

    Parameters
    ----------
    upsample:
        ``"transpose"`` (strided ``Conv2DTranspose``, kernel 4, as in DCGAN) or
        ``"resize"`` (nearest-neighbour ``UpSampling2D`` + ``Conv2D``, kernel 3,
        which avoids checkerboard artefacts; Odena et al. 2016).
    synchronized_bn:
        BatchNorm statistics over the *global* batch under ``tf.distribute``
        (``BatchNormalization(synchronized=True)``), so N devices normalise
        exactly as one device with the same global batch. Off by default: on
        one device it only changes the variance formula (E[x^2] - E[x]^2).

    The final ``tanh`` always computes in float32, so under a mixed-precision
    policy (``keras.mixed_precision``) the images still come out in float32.
    """
    if upsample not in {"transpose", "resize"}:
        raise ValueError(f"upsample must be 'transpose' or 'resize', got {upsample!r}.")
    n_up = math.log2(image_size / start_size)
    if n_up < 1 or n_up != int(n_up):
        raise ValueError(
            f"image_size ({image_size}) must be start_size ({start_size}) times a power of two (>= 2x)."
        )
    init = dcgan_init(seed)
    z = keras.Input((latent_dim,), name="z")
    x = layers.Dense(start_size * start_size * base_filters, use_bias=False, kernel_initializer=init, name="project")(z)
    x = layers.BatchNormalization(synchronized=synchronized_bn, name="project_bn")(x)
    x = layers.ReLU(name="project_relu")(x)
    x = layers.Reshape((start_size, start_size, base_filters), name="reshape")(x)
    filters = base_filters
    for i in range(int(n_up)):
        last = i == int(n_up) - 1
        out_filters = channels if last else max(filters // 2, 16)
        x = upsample_layer(x, out_filters, i + 1, upsample, use_bias=last, kernel_initializer=init)
        if last:
            x = layers.Activation("tanh", dtype="float32", name="tanh")(x)
        else:
            x = layers.BatchNormalization(synchronized=synchronized_bn, name=f"up{i + 1}_bn")(x)
            x = layers.ReLU(name=f"up{i + 1}_relu")(x)
            filters = out_filters
    return keras.Model(z, x, name=name)


def default_discriminator_depth(image_size: int) -> int:
    """The DCGAN discriminator's stride-2 convolutions for an image size: ``log2(image_size) - 3``, at least 2.

    From 32 px up the last feature map is 8x8; one more convolution ends on 4x4.
    """
    return max(2, int(math.log2(image_size)) - 3)


def make_discriminator(
    image_size: int = 64,
    channels: int = 3,
    base_filters: int = 64,
    depth: int | None = None,
    dropout: float = 0.25,
    name: str = "discriminator",
    seed: int | None = None,
    spectral_norm: bool = False,
) -> keras.Model:
    """DCGAN discriminator: strided Conv2D blocks with LeakyReLU(0.2) -> one logit.

    No sigmoid at the end: train it with ``BinaryCrossentropy(from_logits=True)``,
    which is numerically stabler than a sigmoid followed by a log.

    ``spectral_norm=True`` wraps every Conv2D and the final Dense in
    ``keras.layers.SpectralNormalization`` (Miyato et al. 2018), which divides
    each weight matrix by its largest singular value (one power iteration per
    step), bounding how fast D's output can change with its input.

    The final ``Dense`` always computes in float32, so under a mixed-precision
    policy (``keras.mixed_precision``) the logits and the losses computed from
    them stay in float32.
    """
    wrap = (lambda layer: layers.SpectralNormalization(layer, name=f"{layer.name}_sn",
                                                       dtype=layer.dtype_policy)) if spectral_norm else (lambda layer: layer)
    depth = depth or default_discriminator_depth(image_size)
    init = dcgan_init(seed)
    img = keras.Input((image_size, image_size, channels), name="image")
    x = img
    filters = base_filters
    for i in range(depth):
        x = wrap(layers.Conv2D(filters, 4, strides=2, padding="same", kernel_initializer=init, name=f"down{i + 1}"))(x)
        x = layers.LeakyReLU(0.2, name=f"down{i + 1}_lrelu")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"down{i + 1}_dropout")(x)
        filters = min(filters * 2, 512)
    x = layers.Flatten(name="flatten")(x)
    logit = wrap(layers.Dense(1, kernel_initializer=init, dtype="float32", name="logit"))(x)
    return keras.Model(img, logit, name=name)


def slerp(z0, z1, t):
    """Spherical interpolation between two latent vectors at fraction(s) ``t`` in [0, 1].

    ``t`` may be a scalar (returns shape ``(latent_dim,)``) or a 1-D array
    (returns ``(len(t), latent_dim)``). Falls back to linear interpolation for
    (anti)parallel vectors, where the great circle is undefined.
    """
    import numpy as np

    a = np.asarray(z0, dtype=np.float64).ravel()
    b = np.asarray(z1, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same size, got {a.size} and {b.size}.")
    tt = np.asarray(t, dtype=np.float64)
    col = tt.reshape(-1, 1)
    cos = np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12), -1.0, 1.0)
    omega = np.arccos(cos)
    if omega < 1e-6 or np.pi - omega < 1e-6:
        out = (1 - col) * a + col * b
    else:
        out = (np.sin((1 - col) * omega) * a + np.sin(col * omega) * b) / np.sin(omega)
    out = out.astype("float32")
    return out[0] if tt.ndim == 0 else out


def interpolate_latents(z0, z1, steps: int = 8, method: str = "slerp"):
    """Points between two latent vectors, endpoints included: shape (steps, latent_dim).

    ``"slerp"`` (spherical, White 2016) keeps the norm typical of Gaussian
    noise, so intermediate images stay as sharp as the endpoints; ``"linear"``
    passes through lower-norm points near the origin.
    """
    import numpy as np

    a = np.asarray(z0, dtype=np.float64).ravel()
    b = np.asarray(z1, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same size, got {a.size} and {b.size}.")
    t = np.linspace(0.0, 1.0, steps)
    if method == "linear":
        return ((1 - t[:, None]) * a + t[:, None] * b).astype("float32")
    if method != "slerp":
        raise ValueError(f"method must be 'slerp' or 'linear', got {method!r}.")
    return slerp(a, b, t)
