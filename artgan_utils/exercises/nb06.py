"""Checkers for 06_full_scale_training."""

from __future__ import annotations

import numpy as np

from artgan_utils.exercises.core import Checker, exercise


@exercise(
    "06.1",
    "the per-replica loss under tf.distribute",
    hint="Each replica sees its share of the global batch and the gradients of all replicas are SUMMED. So "
    "each replica must return sum(its per-example losses) / global_batch_size (what tf.nn.compute_average_loss "
    "does); the sum over replicas is then the mean over the whole batch.",
)
def _check_replica_loss(c: Checker) -> None:
    rng = np.random.default_rng(61)
    losses = rng.uniform(0.1, 2.0, 24)
    for replicas in (1, 2, 4):
        shards = np.split(losses, replicas)
        parts = [float(np.asarray(c.call(s, len(losses), describe=f"{len(s)} per-example losses, global batch "
                                                                    f"{len(losses)} ({replicas} replicas)")))
                 for s in shards]
        total = sum(parts)
        if replicas > 1 and np.isclose(total, replicas * losses.mean(), rtol=1e-6):
            c.fail(f"with {replicas} replicas your per-replica values add up to {total:.4f}, {replicas} times the "
                   f"batch mean {losses.mean():.4f}: you divided by the replica's own batch size. Divide by the "
                   "global batch size: the gradients of the replicas are added, not averaged.")
        c.expect_close(f"sum over {replicas} replicas (should be the mean loss of the global batch)", total,
                       losses.mean(), rtol=1e-6, atol=1e-9)
    c.ok("the replicas' losses add up to the global mean, for 1, 2 and 4 replicas")


@exercise(
    "06.2",
    "the FLOPs of a convolution",
    hint="Each output value (N * H_out * W_out * C_out of them) is a dot product of length kernel * kernel * C_in, "
    "and every multiply-add counts as 2 FLOPs: 2 * N * H_out * W_out * C_out * kernel**2 * C_in.",
)
def _check_conv_flops(c: Checker) -> None:
    import keras
    import tensorflow as tf

    from artgan_utils.gan.perf import graph_flops

    for batch, size, cin, cout, k, stride in ((64, 64, 3, 64, 4, 2), (8, 16, 128, 256, 4, 2), (1, 10, 5, 7, 3, 1)):
        layer = keras.layers.Conv2D(cout, k, strides=stride, padding="same")
        f = tf.function(lambda x, layer=layer: layer(x))
        measured = graph_flops(f.get_concrete_function(tf.TensorSpec((batch, size, size, cin))))
        out = -(-size // stride)
        got = c.call(batch, out, cin, cout, k, describe=f"batch {batch}, {size}x{size}x{cin} -> {out}x{out}x{cout}, "
                                                          f"kernel {k}")
        got = int(np.asarray(got))
        if got * 2 == measured:
            c.fail(f"you counted {got:,} multiply-adds; FLOPs count each multiply-add as 2 (a multiplication and an "
                   f"addition): expected {measured:,}.")
        c.expect_close(f"FLOPs of Conv2D({cout}, {k}) on {batch} images of {size}x{size}x{cin}", got, measured,
                       rtol=0, atol=0)
    c.ok("matches the FLOPs counted in TensorFlow's traced graph, for three layers")
