"""Issue 19's probe: does a finished ``fit`` (a deleted tf.data iterator) wait for tf.data's autotuner?

    taskset -c 0 python benchmarks/autotune_stall.py      # one core, as the headless trainers run
    python benchmarks/autotune_stall.py                   # both cores

A tiny Keras model, 100 steps per ``fit`` call, 4 calls each on the same in-memory data with
tf.data's default options and with autotuning off (``data.streams.without_autotune``); then
an iterator is deleted after 1 s idle. Prints wall times; nothing is written.

Measured on the 2-core machine (2026-11-30): on one core the default fits took 1.27-1.28 s
(after the first, 1.81 s), exactly the autotuner's wake-up at 1,270 ms, against 0.81-0.92 s
with autotuning off; on both cores, idle, 0.70-0.76 s either way (the stall did not show);
the 1 s-idle deletions took at most 0.001 s in both runs.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)


def main() -> None:
    import keras
    import tensorflow as tf

    from artgan_utils.data.streams import without_autotune

    shape = (4, 32, 32, 3)
    x = np.random.default_rng(0).random((100, *shape), dtype=np.float32)
    inp = keras.Input(shape[1:])
    model = keras.Model(inp, keras.layers.Conv2D(3, 3, padding="same")(keras.layers.Conv2D(64, 3, padding="same")(inp)))
    model.compile("adam", "mae")
    variants = {"default options": lambda: tf.data.Dataset.from_tensor_slices((x, x)),
                "autotune off": lambda: without_autotune(tf.data.Dataset.from_tensor_slices((x, x)))}
    for name, make in variants.items():
        for _ in range(4):
            t0 = time.perf_counter()
            model.fit(make(), epochs=1, steps_per_epoch=100, verbose=0, shuffle=False)
            fit_s = time.perf_counter() - t0
            it = iter(make())
            for _ in range(100):
                next(it)
            time.sleep(1.0)
            t1 = time.perf_counter()
            del it
            print(f"{name:15} fit of 100 steps {fit_s:.3f} s; iterator deleted after 1 s idle in "
                  f"{time.perf_counter() - t1:.3f} s", flush=True)


if __name__ == "__main__":
    main()
