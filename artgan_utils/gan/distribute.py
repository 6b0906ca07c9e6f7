"""Scaling a run: ``tf.distribute`` strategies, splitting global batches between replicas, precision policies.

Taught in notebook 06, sections 5-6. :func:`distribute_stream` gives replica ``i``
rows ``i`` of every global batch, which together with the per-replica slicing of
random draws (:func:`artgan_utils.gan.augment.replica_rows`) makes N devices
compute what one device computes with the same global batch (tested in
``tests/test_distribute.py``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import keras
import tensorflow as tf

PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
STRATEGIES = ("auto", "default", "mirrored", "multiworker")


def make_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """The ``tf.distribute`` strategy called ``name``.

    ``"default"``: one device (TensorFlow's default strategy). ``"mirrored"``:
    ``MirroredStrategy`` over every GPU of this machine (or, with no GPU, over
    the logical CPU devices, which is how the tests run it). ``"multiworker"``:
    ``MultiWorkerMirroredStrategy`` over the machines listed in the
    ``TF_CONFIG`` environment variable (start the same command on each
    machine, each with its own ``task.index``). ``"auto"``: mirrored when this
    machine has more than one GPU, multiworker when ``TF_CONFIG`` is set, else
    default.
    """
    if name not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}; got {name!r}.")
    if name == "auto":
        if os.environ.get("TF_CONFIG"):
            name = "multiworker"
        elif len(tf.config.list_logical_devices("GPU")) > 1:
            name = "mirrored"
        else:
            name = "default"
    if name == "multiworker":
        import json

        try:
            cluster = json.loads(os.environ.get("TF_CONFIG", ""))
            cluster["cluster"]["worker"], cluster["task"]["index"]
        except (ValueError, KeyError, TypeError):
            raise ValueError(
                "strategy 'multiworker' needs TF_CONFIG, e.g. "
                '{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker", "index": 0}}'
            ) from None
        return tf.distribute.MultiWorkerMirroredStrategy()
    if name == "mirrored":
        gpus = tf.config.list_logical_devices("GPU")
        devices = [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]
        return tf.distribute.MirroredStrategy(devices)
    return tf.distribute.get_strategy()


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """True except on the non-chief workers of a ``MultiWorkerMirroredStrategy`` (they must not write results)."""
    strategy = strategy or tf.distribute.get_strategy()
    return bool(getattr(strategy.extended, "should_checkpoint", True))


def distribute_stream(strategy: tf.distribute.Strategy, make_dataset: Any, global_batch: int | None = None) -> Any:
    """Split a stream of *global* batches between a strategy's replicas, in order.

    ``make_dataset()`` returns the stream every worker builds identically
    (e.g. a step-indexed :func:`artgan_utils.gan.recipe_training.recipe_dataset`). Replica ``i`` of ``R``
    receives rows ``i*n ... (i+1)*n - 1`` of each global batch of ``R*n``
    images, which is the layout :func:`artgan_utils.gan.augment.replica_rows`
    assumes. With one replica the dataset is returned unchanged.

    Raises ``ValueError`` if the global batch size (``global_batch``, or the
    dataset's static batch dimension) is not a multiple of the number of
    replicas; a batch whose size is only known at run time is checked then.
    """
    replicas = strategy.num_replicas_in_sync
    stream = make_dataset()  # built once: for a folder or TFDS recipe this loads every image
    if replicas == 1:
        return stream
    batch = global_batch or stream.element_spec.shape[0]
    if batch is not None and batch % replicas:
        raise ValueError(
            f"The global batch size ({batch}) must be a multiple of the number of replicas ({replicas}); "
            f"use --batch-size {max(replicas, batch // replicas * replicas)}."
        )

    def per_worker(ctx: tf.distribute.InputContext) -> tf.data.Dataset:
        local = ctx.num_replicas_in_sync // ctx.num_input_pipelines  # replicas fed by this worker
        first = ctx.input_pipeline_id * local

        def rows(b: tf.Tensor) -> tf.Tensor:
            tf.debugging.assert_equal(tf.shape(b)[0] % replicas, 0, message=(
                f"the global batch size must be a multiple of the number of replicas ({replicas})"))
            n = tf.shape(b)[0] // replicas
            mine = b[first * n:(first + local) * n]
            return tf.reshape(mine, tf.concat([[local, n], tf.shape(b)[1:]], axis=0))

        ds = stream.map(rows, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        return ds.unbatch().prefetch(tf.data.AUTOTUNE)  # element j goes to local replica j

    return strategy.distribute_datasets_from_function(per_worker)


@contextlib.contextmanager
def precision_policy(name: str) -> Iterator[None]:
    """Build layers under the Keras dtype policy ``name`` (e.g. ``"mixed_float16"``); restore the old one after.

    Layers take their policy when they are created, so models built inside
    keep it; the process-wide default is left as it was.
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
