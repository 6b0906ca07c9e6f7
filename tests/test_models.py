"""DCGAN builders and shape arithmetic, checked against real Keras layers."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import artgan_utils  # noqa: F401  (quiet TF logs)
from artgan_utils.gan.networks import (
    conv_output_size,
    conv_transpose_output_size,
    make_discriminator,
    make_generator,
    receptive_field,
)


@pytest.mark.parametrize("size, kernel, stride, padding", [(64, 4, 2, "same"), (63, 3, 2, "same"), (64, 4, 2, "valid"), (31, 5, 3, "valid")])
def test_conv_output_size_matches_keras(size, kernel, stride, padding):
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding)
    out = layer.compute_output_shape((1, size, size, 1))
    assert conv_output_size(size, kernel, stride, padding) == out[1]


@pytest.mark.parametrize("size, kernel, stride, padding", [(8, 4, 2, "same"), (7, 3, 2, "same"), (8, 4, 2, "valid"), (5, 2, 3, "valid")])
def test_conv_transpose_output_size_matches_keras(size, kernel, stride, padding):
    layer = keras.layers.Conv2DTranspose(1, kernel, strides=stride, padding=padding)
    out = layer.compute_output_shape((1, size, size, 1))
    assert conv_transpose_output_size(size, kernel, stride, padding) == out[1]


def test_receptive_field_known_values():
    assert receptive_field([3], [1]) == 3
    assert receptive_field([3, 3], [1, 1]) == 5
    assert receptive_field([4, 4], [2, 2]) == 10  # 1 + 3 + 3*2
    with pytest.raises(ValueError):
        receptive_field([3], [1, 2])


@pytest.mark.parametrize("upsample", ["transpose", "resize"])
@pytest.mark.parametrize("size", [32, 64])
def test_generator_shape_range_and_names(size, upsample):
    g = make_generator(latent_dim=16, image_size=size, base_filters=32, upsample=upsample, seed=1)
    out = g(np.random.default_rng(0).normal(size=(3, 16)).astype("float32"), training=False)
    assert tuple(out.shape) == (3, size, size, 3)
    arr = np.asarray(out)
    assert arr.min() >= -1.0 and arr.max() <= 1.0
    assert g.name == "generator" and g.get_layer("project") is not None


def test_generator_rejects_bad_sizes():
    with pytest.raises(ValueError, match="power of two"):
        make_generator(image_size=48)
    with pytest.raises(ValueError, match="upsample"):
        make_generator(upsample="bilinear")


def test_discriminator_outputs_one_logit_per_image_and_dcgan_init():
    d = make_discriminator(image_size=32, base_filters=16, seed=2)
    logits = d(np.zeros((5, 32, 32, 3), "float32"), training=False)
    assert tuple(logits.shape) == (5, 1)
    w = d.get_layer("down1").kernel.numpy()
    assert abs(w.std() - 0.02) < 0.004 and abs(w.mean()) < 0.004


def test_interpolate_latents_endpoints_and_norms():
    from artgan_utils.gan.networks import interpolate_latents

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    path = interpolate_latents(a, b, 9)
    assert path.shape == (9, 64) and path.dtype == np.float32
    np.testing.assert_allclose(path[0], a, atol=1e-6)
    np.testing.assert_allclose(path[-1], b, atol=1e-6)
    lin = interpolate_latents(a, b, 9, method="linear")
    # slerp keeps the norm up in the middle; linear interpolation dips towards the origin
    assert np.linalg.norm(path[4]) > np.linalg.norm(lin[4]) * 1.2
    with pytest.raises(ValueError, match="same size"):
        interpolate_latents(a, b[:3])
    with pytest.raises(ValueError, match="slerp"):
        interpolate_latents(a, b, method="cubic")


def test_slerp_scalar_and_array_t_and_great_circle():
    from artgan_utils.gan.networks import slerp

    a = np.array([1.0, 0.0, 0.0])
    b = np.array([0.0, 2.0, 0.0])
    mid = slerp(a, b, 0.5)
    assert mid.shape == (3,)
    # on the unit/2-radius arc at 45 degrees: sin(pi/4)/sin(pi/2) * (a + b)
    np.testing.assert_allclose(mid, np.sqrt(0.5) * (a + b), atol=1e-6)
    many = slerp(a, b, np.array([0.0, 0.5, 1.0]))
    assert many.shape == (3, 3)
    np.testing.assert_allclose(many[1], mid, atol=1e-7)
    np.testing.assert_allclose(slerp(a, 2 * a, 0.5), 1.5 * a, atol=1e-6)  # parallel: linear fallback
