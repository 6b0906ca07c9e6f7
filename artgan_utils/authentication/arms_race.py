"""The arms race: a generator fine-tuned to fool a frozen forgery detector.

Taught in notebook 11 (art authentication). The generator's new loss is the
detector's non-saturating GAN loss, ``softplus(logit)`` of its samples (the
detector's logit says "forged"), so the detector plays the discriminator of
notebook 04, frozen. A small ``anchor`` weight keeps the generator near its
starting samples (an L1 distance to what the original generator makes from the
same latent vectors), so that it learns to hide its traces rather than to paint
something else.
"""

from __future__ import annotations

import numpy as np


def fine_tune_against(generator, detector_model, steps: int, batch_size: int = 16, lr: float = 5e-5,
                      anchor: float = 1.0, seed: int = 0):
    """A copy of ``generator`` (latent -> image in [-1, 1]) trained ``steps`` steps to lower the detector's logit.

    ``detector_model`` maps images in [-1, 1] to one "forged" logit per image; it is not trained
    (only the copy's weights receive gradients) and is left as it was.
    Returns ``(tuned_generator, history)`` with history ``{"detector_logit": [...], "anchor_l1": [...]}``.
    """
    import keras
    import tensorflow as tf

    tuned = keras.models.clone_model(generator)
    tuned.set_weights(generator.get_weights())
    opt = keras.optimizers.Adam(lr, beta_1=0.5)
    latent = int(generator.input_shape[-1])
    size = int(detector_model.input_shape[1])

    @tf.function
    def step(z):
        target = generator(z, training=False)
        with tf.GradientTape() as tape:
            fake = tuned(z, training=False)
            x = fake if fake.shape[1] == size else tf.image.resize(fake, (size, size), antialias=True)
            logit = detector_model(x, training=False)
            l1 = tf.reduce_mean(tf.abs(fake - target))
            loss = tf.reduce_mean(tf.nn.softplus(logit)) + anchor * l1
        grads = tape.gradient(loss, tuned.trainable_variables)
        opt.apply_gradients(zip(grads, tuned.trainable_variables))
        return tf.reduce_mean(logit), l1

    rng = np.random.default_rng(seed)
    history: dict[str, list[float]] = {"detector_logit": [], "anchor_l1": []}
    for _ in range(int(steps)):
        logit, l1 = step(tf.constant(rng.normal(size=(batch_size, latent)).astype("float32")))
        history["detector_logit"].append(float(logit))
        history["anchor_l1"].append(float(l1))
    return tuned, history
