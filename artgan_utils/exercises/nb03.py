"""Checkers for 03_keras_generator_discriminator."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "03.1",
    "a DCGAN generator for 32x32 colour images",
    hint="From z: Dense(4*4*C) -> Reshape((4, 4, C)) -> three blocks of Conv2DTranspose(stride 2) + BatchNorm + ReLU "
    "(4 -> 8 -> 16 -> 32), the last one with 3 filters and tanh instead of BatchNorm + ReLU.",
)
def _check_generator(c: Checker) -> None:
    import keras

    model = c.call(64, describe="latent_dim=64")
    c.expect_type("returns a keras.Model", model, keras.Model)
    z = np.random.default_rng(0).standard_normal((5, 64)).astype("float32")
    try:
        out = np.asarray(model(z, training=False))
    except Exception as exc:  # noqa: BLE001 - report any failure to the learner
        c.fail(f"calling the model on a (5, 64) noise batch failed: {type(exc).__name__}: {exc}")
    c.expect_shape("output shape for 5 noise vectors", out, (5, 32, 32, 3))
    if out.min() < -1.0 - 1e-6 or out.max() > 1.0 + 1e-6:
        c.fail(f"outputs must lie in [-1, 1] (end with tanh); yours span [{out.min():.3f}, {out.max():.3f}].")
    c.ok("outputs in [-1, 1]")
    try:
        loud = np.asarray(model(1e6 * z, training=False))
    except Exception as exc:  # noqa: BLE001
        c.fail(f"calling the model on large noise failed: {type(exc).__name__}: {exc}")
    if np.abs(loud).max() > 1.0 + 1e-6:
        c.fail(f"for large noise (z x 10^6) your outputs reach {np.abs(loud).max():.3g}: the range [-1, 1] must hold "
               "for every input, not only by luck at initialisation. What does the last layer end with?")
    c.ok("outputs in [-1, 1] for any noise")
    if float(out.std()) < 1e-4:
        c.fail("all outputs are (nearly) the same: is the noise used, and are weights initialised randomly?")
    c.ok("outputs vary with the noise")
    if model.count_params() > 5_000_000:
        c.fail(f"{model.count_params():,} parameters is far too many for 32x32; keep it under 5 million.")
    c.ok("a sensible size")


@exercise(
    "03.2",
    "a DCGAN discriminator for 32x32 colour images",
    hint="Conv2D(64, 4, strides=2, padding='same') -> LeakyReLU(0.2) -> Conv2D(128, 4, strides=2, padding='same') "
    "-> LeakyReLU(0.2) -> Flatten -> Dense(1) with no activation (a logit).",
)
def _check_discriminator(c: Checker) -> None:
    import keras

    model = c.call(describe="no arguments")
    c.expect_type("returns a keras.Model", model, keras.Model)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 32, 32, 3)).astype("float32")
    try:
        out = np.asarray(model(x, training=False))
    except Exception as exc:  # noqa: BLE001
        c.fail(f"calling the model on a (4, 32, 32, 3) batch failed: {type(exc).__name__}: {exc}")
    c.expect_shape("one logit per image", out, (4, 1))
    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", "linear")
    if activation != "linear":
        c.fail(f"the last layer applies {activation!r}; output a raw logit and train with from_logits=True.")
    c.ok("the output is a logit (no sigmoid)")
    strided = [l for l in model.layers if isinstance(l, keras.layers.Conv2D) and max(l.strides) > 1]
    if len(strided) < 2:
        c.fail("use at least two strided Conv2D layers (strides=2) to downsample, as DCGAN does.")
    c.ok("downsamples with strided convolutions")
