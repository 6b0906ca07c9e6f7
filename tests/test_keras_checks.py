import keras
import numpy as np
import pytest
from keras import layers

from artgan_utils.teaching.keras_checks import constant_response, expected_params, param_table, weights_changed


def test_expected_params_match_keras_for_every_layer_kind():
    model = keras.Sequential([keras.Input((100,)), layers.Dense(8 * 8 * 16), layers.Reshape((8, 8, 16)),
                              layers.Conv2DTranspose(8, 4, strides=2, padding="same"), layers.BatchNormalization(),
                              layers.ReLU(), layers.Conv2D(4, 3, padding="same", use_bias=False),
                              layers.Dense(2, use_bias=False)])
    c_in = 100
    for layer in model.layers:
        assert expected_params(layer, c_in) == layer.count_params(), layer.name
        c_in = layer.output.shape[-1]
    table = param_table(model, 100)
    assert table.splitlines()[-1].split()[-1] == f"{model.count_params():,}"
    assert "re_lu" not in table  # layers without weights are left out


def test_weights_changed_sees_one_changed_value_and_refuses_other_snapshots():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    before = model.get_weights()
    assert not weights_changed(before, model)
    w = model.get_weights()
    w[1][0] += 1e-6
    model.set_weights(w)
    assert weights_changed(before, model)
    with pytest.raises(ValueError, match="same model"):
        weights_changed(before[:1], model)


def test_constant_response_shows_uneven_overlap_only_for_k3_s2():
    uneven = constant_response(layers.Conv2DTranspose(1, 3, strides=2, padding="same", use_bias=False))
    even = constant_response(layers.Conv2DTranspose(1, 4, strides=2, padding="same", use_bias=False))
    assert uneven.shape == even.shape == (16, 16)
    assert len(set(np.round(uneven[2:-2, 2:-2].ravel(), 3))) > 1  # a checkerboard
    assert set(np.round(even[2:-2, 2:-2].ravel(), 3)) == {4.0}  # flat
