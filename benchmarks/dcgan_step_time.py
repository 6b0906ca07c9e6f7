"""Measure the DCGAN training step time of the named recipes on this machine.

    python benchmarks/dcgan_step_time.py                      # all DCGAN recipes
    python benchmarks/dcgan_step_time.py dcgan-ukiyoe-64 --steps 100

For each recipe: build the model and data stream exactly as training does
(``training.build_gan``, ``training.recipe_dataset``), run ``--warmup`` steps
(tracing, first allocations), then time ``--steps`` steps of ``fit`` and report
seconds per step and images per second (real images seen by D). Results are
appended to ``benchmarks/results/dcgan_step_time.csv`` with the device, thread
count and library versions. Run it with nothing else busy on the machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import artgan_utils  # noqa: E402,F401  (quiet TF logs before TF loads)

RESULTS = Path(__file__).resolve().parent / "results" / "dcgan_step_time.csv"


def measure(name: str, steps: int, warmup: int) -> dict[str, object]:
    import tensorflow as tf

    from artgan_utils import recipes, training
    from artgan_utils.env import device_info

    recipe = recipes.get_recipe(name)
    gan = training.build_gan(recipe)
    ds = training.recipe_dataset(recipe)
    gan.fit(ds, steps_per_epoch=warmup, epochs=1, verbose=0)
    start = time.perf_counter()
    gan.fit(ds, steps_per_epoch=steps, epochs=1, verbose=0)
    seconds = (time.perf_counter() - start) / steps
    return {
        "recipe": name,
        "image_size": recipe.image_size,
        "batch_size": recipe.batch_size,
        "seconds_per_step": round(seconds, 4),
        "images_per_second": round(recipe.batch_size / seconds, 1),
        "device": device_info().device,
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count(),
        "tensorflow": tf.__version__,
        "date": time.strftime("%Y-%m-%d"),
    }


def main(argv: list[str] | None = None) -> int:
    from artgan_utils.recipes import RECIPES

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("recipes", nargs="*", default=list(RECIPES), help="recipe names (default: all)")
    p.add_argument("--steps", type=int, default=60, help="timed steps per recipe")
    p.add_argument("--warmup", type=int, default=10, help="untimed steps first")
    args = p.parse_args(argv)
    rows = [measure(name, args.steps, args.warmup) for name in args.recipes]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    new = not RESULTS.is_file()
    with RESULTS.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        if new:
            writer.writeheader()
        writer.writerows(rows)
    for r in rows:
        print(f"{r['recipe']:<18} {r['image_size']:>3}px batch {r['batch_size']:>3}: "
              f"{r['seconds_per_step']:.3f} s/step, {r['images_per_second']:.0f} img/s ({r['device']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
