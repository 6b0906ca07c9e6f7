"""Mixed precision (float16 with loss scaling, bfloat16) and XLA in the GAN's custom train_step."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import artgan_utils  # noqa: F401
from artgan_utils.gan import (
    GAN,
    build_gan,
    get_recipe,
    networks,
    precision_policy,
    recipe_dataset,
)

TINY = get_recipe("dcgan-digits").replace(name="tiny-digits", g_filters=16, d_filters=8, batch_size=16,
                                                  latent_dim=8, dropout=0.0)


def _fit(gan, steps=3):
    history = gan.fit(recipe_dataset(TINY), steps_per_epoch=steps, epochs=1, verbose=0)
    return {k: float(v[-1]) for k, v in history.history.items()}


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_trains_with_float32_weights_and_outputs(precision):
    gan = build_gan(TINY, precision=precision)
    assert keras.mixed_precision.global_policy().name == "float32"  # restored after building
    compute = precision.split("_")[1]
    assert gan.generator.get_layer("up1").compute_dtype == compute
    assert gan.discriminator.get_layer("down1").compute_dtype == compute
    assert all(w.dtype == "float32" for w in gan.generator.weights + gan.discriminator.weights)
    z = np.zeros((2, TINY.latent_dim), "float32")
    assert gan.generator(z).dtype == "float32"
    assert gan.discriminator(gan.generator(z)).dtype == "float32"
    scaled = isinstance(gan.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (precision == "mixed_float16")  # bfloat16 has float32's range: no loss scaling
    logs = _fit(gan)
    assert int(gan.step.numpy()) == 3 and all(np.isfinite(v) for v in logs.values())


def _one_step_update(precision: str) -> list[np.ndarray]:
    """The discriminator's weight change after one plain-SGD step (SGD: the change is -lr * gradient)."""
    with precision_policy(precision):
        g = networks.make_generator(TINY.latent_dim, 16, 1, base_filters=16, start_size=4, seed=0)
        d = networks.make_discriminator(16, 1, base_filters=8, dropout=0.0, seed=1)
        gan = GAN(g, d, latent_dim=TINY.latent_dim, seed=0)
        opts = [keras.optimizers.SGD(0.1), keras.optimizers.SGD(0.1)]
        if precision == "mixed_float16":
            opts = [keras.optimizers.LossScaleOptimizer(o) for o in opts]
        gan.compile(g_optimizer=opts[0], d_optimizer=opts[1])
    before = [w.numpy() for w in d.weights]
    _fit(gan, steps=1)
    return [w.numpy() - b for w, b in zip(d.weights, before)]


def test_float16_loss_scaling_gives_the_float32_gradient():
    # If train_step forgot to scale the loss, the update would be 2**15 times too small; if it forgot that
    # apply_gradients unscales (scaling twice), 2**15 times too big. Either way these would differ wildly.
    ref, half = _one_step_update("float32"), _one_step_update("mixed_float16")
    for a, b in zip(ref, half):
        if np.abs(a).max() > 0:
            assert np.linalg.norm(a - b) <= 0.05 * np.linalg.norm(a)


def test_jit_compile_is_an_option_not_a_default_on_cpu():
    # "auto" leaves XLA off on a CPU-only machine (measured 1.6-2x slower here: benchmarks/training_speed.py --extras)
    assert not build_gan(TINY).jit_compile
    xla = build_gan(TINY, jit_compile=True)
    assert xla.jit_compile
    logs = _fit(xla)
    # XLA's stateless random generators give other numbers than TensorFlow's kernels, so an XLA run is a
    # different (equally valid) sample path: check that it trains, not that it matches bit for bit.
    assert int(xla.step.numpy()) == 3 and all(np.isfinite(v) for v in logs.values())


def test_unknown_precision_is_refused():
    with pytest.raises(ValueError, match="precision must be one of float32, mixed_float16, mixed_bfloat16"):
        build_gan(TINY, precision="float16")
