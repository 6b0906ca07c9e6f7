"""Performance arithmetic: how much work a training step is, and how fast this machine can do it.

Taught in notebook 06, section 1 (what a run costs).

    from artgan_utils.gan import perf
    perf.conv2d_flops(batch=64, out_size=32, in_channels=64, out_channels=128, kernel=4)
    perf.graph_flops(tf.function(step).get_concrete_function(spec))   # FLOPs of a traced step
    perf.matmul_peak()                                                 # GFLOP/s of this machine's tf.matmul

FLOPs count 2 per multiply-add (the convention of GPU data sheets, where a
"65 TFLOPS" tensor core does 32.5 T multiply-adds per second). Only the matrix
work is counted: convolutions, transposed convolutions, their two gradients,
and matrix products; element-wise operations (activations, BatchNorm, Adam)
are a few percent of a DCGAN step and are left out.
"""

from __future__ import annotations

import time
from typing import Any


#: Training-step times of the series' DCGAN on one NVIDIA H200, as reported in issue 14 (not measured by this
#: project, which has no GPU): the series' own model code under Keras 3.15 on the **JAX** backend, XLA-compiled
#: alternating updates, synthetic data, median of 5 x 50 steps. TensorFlow on a GPU is unmeasured here.
#: Key: (image size, generator base filters or None where the report does not say, batch);
#: value: (float32 ms, mixed_bfloat16 ms or None where not reported).
H200_JAX_STEP_MS: dict[tuple[int, int | None, int], tuple[float, float | None]] = {
    (64, 128, 32): (2.1, None),     # the 2019 article's DCGAN at 64x64
    (64, 128, 64): (3.06, 1.86),
    (64, 128, 256): (9.9, 3.2),
    (128, 512, 64): (12.1, 4.9),
    (256, None, 32): (22.6, 11.0),
}

def conv2d_flops(batch: int, out_size: int, in_channels: int, out_channels: int, kernel: int) -> int:
    """FLOPs of a Conv2D forward pass with a square ``out_size`` output: 2 * N * H * W * C_out * k * k * C_in.

    Each output value is a dot product of length ``k * k * C_in`` (that many
    multiply-adds). A transposed convolution costs the same as the convolution
    it transposes (the one from its output back to its input), and so does
    each of a convolution's two gradients (with respect to its input and to
    its kernel), so a trained layer costs about three times its forward pass.
    """
    return 2 * batch * out_size * out_size * out_channels * kernel * kernel * in_channels


def conv_transpose2d_flops(batch: int, in_size: int, in_channels: int, out_channels: int, kernel: int) -> int:
    """FLOPs of a Conv2DTranspose forward pass on a square ``in_size`` input (exercise 06.2's answer).

    Every input value is multiplied into a ``k * k * C_out`` block of the
    output, so the count follows the *input*: 2 * N * H_in * W_in * C_in * k * k * C_out,
    whatever the stride (the Conv2D formula on the output size overcounts by stride**2).
    """
    return 2 * batch * in_size * in_size * in_channels * kernel * kernel * out_channels


def graph_flops(concrete: Any) -> int:
    """FLOPs (2 per multiply-add) of the matrix work in a traced function, nested functions included.

    ``concrete`` is a ``tf.function``'s concrete function traced with fully
    known shapes (``f.get_concrete_function(tf.TensorSpec((64, 64, 64, 3)))``).
    Counts Conv2D, Conv2DBackpropInput (a transposed convolution's forward pass
    and a convolution's input gradient), Conv2DBackpropFilter and MatMul, from
    the shapes in the graph. TensorFlow's own profiler leaves the two gradient
    ops out, which undercounts a training step about threefold. The traced
    graph also holds gradients nothing uses (the first layer's gradient with
    respect to the input images), which TensorFlow prunes when it runs: for
    the series' DCGAN that overcount is under 1 %.

    Raises
    ------
    ValueError
        If a counted op has a shape that is not fully known.
    """
    import numpy as np

    def shape(t) -> list[int]:
        s = t.shape.as_list()
        if any(d is None for d in s):
            raise ValueError(f"unknown shape {s} for {t.name}: trace with fixed shapes")
        return s

    def conv(out_shape, filter_shape) -> int:  # 2 * N*Ho*Wo*Co * kh*kw*Ci, for a forward Conv2D
        return 2 * int(np.prod(out_shape)) * int(np.prod(filter_shape[:3]))

    total = 0
    graphs = [concrete.graph]
    seen = set()
    while graphs:
        g = graphs.pop()
        if id(g) in seen:
            continue
        seen.add(id(g))
        graphs.extend(f.graph for f in getattr(g, "_functions", {}).values() if hasattr(f, "graph"))
        for op in g.get_operations():
            t = op.type
            if t == "Conv2D":
                total += conv(shape(op.outputs[0]), shape(op.inputs[1]))
            elif t == "Conv2DBackpropInput":  # also the forward pass of Conv2DTranspose
                total += conv(shape(op.inputs[2]), shape(op.inputs[1]))
            elif t == "Conv2DBackpropFilter":
                total += conv(shape(op.inputs[2]), shape(op.outputs[0]))
            elif t == "MatMul":
                a, b = shape(op.inputs[0]), shape(op.inputs[1])
                m, k = (a[1], a[0]) if op.get_attr("transpose_a") else (a[0], a[1])
                n = b[0] if op.get_attr("transpose_b") else b[1]
                total += 2 * m * k * n
    return total


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    """Float32 GFLOP/s of ``tf.matmul`` on n x n matrices (best of ``repeats`` timed batches of 4)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))

    @tf.function
    def four(a, b):
        c = a
        for _ in range(4):
            c = tf.matmul(c, b) * 1e-3
        return c

    four(a, b).numpy()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        four(a, b).numpy()
        best = min(best, time.perf_counter() - t0)
    return 4 * 2 * n**3 / best / 1e9
