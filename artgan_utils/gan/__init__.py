"""The DCGAN family and how it is trained, from notebook 03's networks to notebook 06's distributed runs.

Import from here (``from artgan_utils.gan import GAN, build_gan``); the modules
are the implementation, one job each:

``networks``          generators, discriminators, shape arithmetic, latent interpolation (notebook 03)
``losses``            GAN losses from logits, gradient penalty, R1 (notebooks 04-05)
``augment``           DiffAugment with step-keyed, per-replica randomness (notebook 05)
``model``             ``GAN(keras.Model)`` and its ``train_step`` (notebook 04)
``callbacks``         checkpoints with exact resume, NaN guard, sample grids, step-keyed logs (notebook 04)
``distribute``        ``tf.distribute`` strategies, per-replica batches, precision policies (notebook 06)
``recipes``           named recipes: data, architecture, optimiser, steps, seed (notebook 04)
``recipe_training``   recipe -> compiled GAN -> trained run folder, resumable (notebooks 04, 06; the trainer)
``run_files``         run folders: export, TensorBoard scalars, loading shipped runs (notebooks 04, 06)
``perf``              FLOPs of a traced step, this machine's matmul rate (notebook 06)
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it. Imported on first use, so that
#: ``artgan_utils.gan.recipes`` (and ``python -m artgan_utils.train --help``) does not load TensorFlow.
_EXPORTS = {
    "callbacks": ["GANCheckpoint", "NaNGuard", "RunLogger", "SampleGrid", "restore_latest"],
    "distribute": ["PRECISIONS", "STRATEGIES", "distribute_stream", "is_chief", "make_strategy", "precision_policy"],
    "model": ["GAN"],
    "recipe_training": ["build_gan", "fit_steps", "recipe_dataset", "recipe_images", "train_recipe"],
    "recipes": ["RECIPES", "Recipe", "RecipeError", "get_recipe"],
    "run_files": ["DISCRIMINATOR_FILE", "GENERATOR_FILE", "RUN_FILE", "checkpoints_dir", "export_run",
                  "load_pretrained", "machine_info", "read_scalars"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
