"""Train a few steps of a small stabilised recipe under a tf.distribute strategy; save the weights.

Used by ``tests/test_distribute.py`` in subprocesses, because logical CPU
devices and ``TF_CONFIG`` must be set before TensorFlow starts::

    python tests/helpers/distributed_step.py default OUT.npz
    python tests/helpers/distributed_step.py mirrored OUT.npz          # 2 logical CPU devices
    TF_CONFIG=... python tests/helpers/distributed_step.py multiworker OUT.npz

The recipe uses every switch that touches randomness or batch statistics
(hinge loss, spectral norm, DiffAugment, EMA, BatchNorm), without Dropout,
whose masks Keras draws per replica.
"""

from __future__ import annotations

import sys

import numpy as np


def main(strategy_name: str, out: str, steps: int = 4) -> None:
    if strategy_name == "mirrored":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from artgan_utils.gan import (
        build_gan,
        distribute_stream,
        get_recipe,
        make_strategy,
        recipe_dataset,
    )

    recipe = get_recipe("dcgan-ukiyoe-32-stable").replace(batch_size=8, g_filters=32, d_filters=16,
                                                                  dropout=0.0)
    strategy = make_strategy(strategy_name)
    gan = build_gan(recipe, strategy=strategy)
    stream = distribute_stream(strategy, lambda: recipe_dataset(recipe))
    history = gan.fit(stream, steps_per_epoch=steps, epochs=1, verbose=0)
    weights = [np.asarray(w) for m in (gan.generator, gan.discriminator, gan.ema_generator) for w in m.weights]
    logs = np.array([float(np.ravel(history.history[k])[-1]) for k in sorted(history.history)])
    np.savez(out, replicas=strategy.num_replicas_in_sync, step=int(gan.step.numpy()), logs=logs, *weights)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
