"""Small checks notebook 03 runs on Keras models: did the weights move, do the parameter counts match, what does a layer do to a constant image.

Taught in notebook 03 (sections 2, 3 and 7): the lesson is the formula or the
artefact; these are the measuring tools, kept here so the notebook's cells show
only what is being measured.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers


def weights_changed(before: Sequence[np.ndarray], model: keras.Model) -> bool:
    """True if any of ``model``'s weights differ from ``before`` (a ``get_weights()`` snapshot)."""
    after = model.get_weights()
    if len(after) != len(before):
        raise ValueError(f"the snapshot has {len(before)} arrays, the model {len(after)}: take it from the same model.")
    return any(not np.array_equal(a, b) for a, b in zip(before, after))


def expected_params(layer: layers.Layer, c_in: int) -> int:
    """Parameter count of ``layer`` on ``c_in`` input channels, by the formulas of notebook 03, section 3.

    ``Dense``: c_in * units + units; ``Conv2D``/``Conv2DTranspose``: k^2 c_in c_out + c_out (with bias);
    ``BatchNormalization``: 4 c_in. Other layers (activations, reshapes, dropout) have none.
    """
    if isinstance(layer, layers.Dense):
        return c_in * layer.units + (layer.units if layer.use_bias else 0)
    if isinstance(layer, (layers.Conv2D, layers.Conv2DTranspose)):
        kh, kw = layer.kernel_size
        return kh * kw * c_in * layer.filters + (layer.filters if layer.use_bias else 0)
    if isinstance(layer, layers.BatchNormalization):
        return 4 * c_in
    return 0


def param_table(model: keras.Model, c_in: int) -> str:
    """One line per layer with weights: the formula's count beside Keras' own, and the model's total."""
    rows = [model.name]
    for layer in model.layers:
        n = expected_params(layer, c_in)
        if n or layer.count_params():
            rows.append(f"  {layer.name:26} formula {n:>9,}   Keras {layer.count_params():>9,}")
        c_in = layer.output.shape[-1]
    rows.append(f"  {'total':26} {model.count_params():>25,}")
    return "\n".join(rows)


def constant_response(layer: layers.Layer, size: int = 8) -> np.ndarray:
    """The output of ``layer`` with all-ones weights on an all-ones ``size`` x ``size`` one-channel image.

    For a transposed convolution the result is the overlap pattern of its
    kernel stamps: uneven overlap (kernel size not a multiple of the stride)
    shows as a checkerboard (Odena et al. 2016).
    """
    x = np.ones((1, size, size, 1), dtype="float32")
    layer.build(x.shape)
    layer.set_weights([np.ones_like(w) for w in layer.get_weights()])
    return np.asarray(layer(x))[0, :, :, 0]
