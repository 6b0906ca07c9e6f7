"""Issue 19: the series' tf.data streams have autotuning off, so a finished fit (an iterator deleted) returns at once.

With autotuning on, tf.data re-optimises a pipeline on a background thread whose waits double
from 10 ms (wake-ups 10, 30, 70, ..., 630, 1270 ms after the iterator starts), and deleting the
iterator waits for the next wake-up; ``keras.Model.fit`` deletes its iterator at the end of
every call. See ``artgan_utils.data.streams.without_autotune``.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from artgan_utils.data import streams  # noqa: E402
from artgan_utils.transfer.chunked_training import pair_dataset  # noqa: E402


def _deletion_seconds(ds, idle: float = 0.7) -> float:
    """Take two batches, stay idle until ``idle`` s after the iterator started, then time its deletion."""
    t0 = time.perf_counter()
    it = iter(ds)
    next(it), next(it)
    time.sleep(max(0.0, idle - (time.perf_counter() - t0)))
    t1 = time.perf_counter()
    del it
    return time.perf_counter() - t1


def _pairs(k):
    rng = np.random.default_rng(k)
    return rng.random((2, 8, 8, 3), dtype=np.float32), rng.random((2, 8, 8, 3), dtype=np.float32)


def test_every_series_stream_has_autotuning_off():
    images = np.random.default_rng(0).integers(0, 255, (6, 16, 16, 3), dtype=np.uint8)
    for ds in (streams.array_dataset(images, batch_size=2), pair_dataset(_pairs, 0, 4, (2, 8, 8, 3))):
        assert ds.options().autotune.enabled is False


@pytest.mark.slow
def test_deleting_a_series_iterator_returns_at_once():
    """(An autotuned pipeline's iterator, deleted the same way, waited until the autotuner's next wake-up in
    about half of the trials on this machine, 0.23 s after 1 s idle; benchmarks/training_speed.py shows what
    that did to fit.)"""
    x = np.zeros((64, 8, 8, 3), np.float32)
    user_pipeline = tf.data.Dataset.from_tensor_slices(x).batch(2).prefetch(tf.data.AUTOTUNE)
    for idle in (0.4, 0.7, 1.0):
        assert _deletion_seconds(streams.without_autotune(user_pipeline), idle) < 0.1
        assert _deletion_seconds(pair_dataset(_pairs, 0, 8, (2, 8, 8, 3)), idle) < 0.1
