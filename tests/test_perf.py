"""perf: FLOP counts from traced graphs agree with the layer formulas; the matmul peak is measured."""

from __future__ import annotations

import keras
import pytest
import tensorflow as tf

import artgan_utils  # noqa: F401
from artgan_utils.gan import perf


def _conv_model():
    return keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(8, 4, strides=2, padding="same"),
                             keras.layers.Conv2DTranspose(5, 4, strides=2, padding="same"),
                             keras.layers.Flatten(), keras.layers.Dense(7)])


def test_forward_flops_match_the_layer_formulas():
    model = _conv_model()
    f = tf.function(lambda x: model(x))
    counted = perf.graph_flops(f.get_concrete_function(tf.TensorSpec((2, 16, 16, 3))))
    conv = perf.conv2d_flops(2, 8, 3, 8, 4)                      # 16x16x3 -> 8x8x8
    transposed = perf.conv2d_flops(2, 8, 5, 8, 4)                # its transpose: 16x16x5 -> 8x8x8
    dense = 2 * 2 * (16 * 16 * 5) * 7
    assert counted == conv + transposed + dense


def test_a_training_step_counts_both_gradients():
    model = _conv_model()

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x))
        return tape.gradient(loss, model.trainable_variables)

    forward = perf.graph_flops(tf.function(lambda x: model(x)).get_concrete_function(tf.TensorSpec((2, 16, 16, 3))))
    counted = perf.graph_flops(step.get_concrete_function(tf.TensorSpec((2, 16, 16, 3))))
    # every layer: forward + kernel gradient + input gradient (the traced graph also holds the first layer's
    # input gradient, which nothing uses; graph_flops documents that overcount)
    assert counted == 3 * forward


def test_unknown_shapes_are_refused():
    model = _conv_model()
    f = tf.function(lambda x: model(x))
    with pytest.raises(ValueError, match="unknown shape"):
        perf.graph_flops(f.get_concrete_function(tf.TensorSpec((None, 16, 16, 3))))


def test_matmul_peak_is_a_plausible_measurement():
    gflops = perf.matmul_peak(n=256, repeats=3)
    assert 0.1 < gflops < 1e6
