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
    "the FLOPs of a transposed convolution",
    hint="Follow the input, not the output: a stride-2 transposed convolution takes each input value (N * H_in * "
    "W_in * C_in of them) and adds it, times a kernel x kernel x C_out block of weights, into the output. "
    "Count those multiply-adds, 2 FLOPs each.",
)
def _check_conv_transpose_flops(c: Checker) -> None:
    import keras
    import tensorflow as tf

    from artgan_utils.gan.perf import graph_flops

    for batch, size, cin, cout, k in ((64, 8, 512, 256, 4), (8, 16, 128, 64, 4), (1, 5, 3, 7, 3)):
        layer = keras.layers.Conv2DTranspose(cout, k, strides=2, padding="same", use_bias=False)
        f = tf.function(tf.autograph.experimental.do_not_convert(lambda x, layer=layer: layer(x)))
        measured = graph_flops(f.get_concrete_function(tf.TensorSpec((batch, size, size, cin))))
        got = c.call(batch, size, cin, cout, k, describe=f"batch {batch}, {size}x{size}x{cin} -> "
                                                          f"{2 * size}x{2 * size}x{cout}, kernel {k}, stride 2")
        got = int(np.asarray(got))
        if got == 4 * measured:
            c.fail(f"you got {got:,}, 4 times too many: that is the Conv2D formula applied to the *output* size. "
                   "A stride-2 transposed convolution does not compute a full kernel-sized dot product at every "
                   "output pixel; ask where the work happens.")
        if got * 2 == measured:
            c.fail(f"you counted {got:,} multiply-adds; FLOPs count each multiply-add as 2 (a multiplication and an "
                   f"addition): expected {measured:,}.")
        c.expect_close(f"FLOPs of Conv2DTranspose({cout}, {k}, strides=2) on {batch} inputs of {size}x{size}x{cin}",
                       got, measured, rtol=0, atol=0)
    c.ok("matches the FLOPs counted in TensorFlow's traced graph, for three layers")
