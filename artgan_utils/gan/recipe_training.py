"""Recipes to trained runs: the one code path shared by the notebooks, the trainer command and the benchmarks.

:func:`build_gan` turns a :class:`~artgan_utils.gan.recipes.Recipe` into a
compiled :class:`~artgan_utils.gan.model.GAN`; :func:`recipe_dataset` gives its
step-indexed training stream; :func:`train_recipe` trains it into a run folder
with every callback of :mod:`artgan_utils.gan.callbacks` and resumes it
exactly. Taught in notebook 04 (section 3) and notebook 06 (the trainer).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from artgan_utils.gan import networks
from artgan_utils.gan.callbacks import (
    GANCheckpoint,
    NaNGuard,
    RunLogger,
    SampleGrid,
    restore_latest,
)
from artgan_utils.gan.distribute import (
    PRECISIONS,
    distribute_stream,
    is_chief,
    precision_policy,
)
from artgan_utils.gan.model import GAN
from artgan_utils.gan.recipes import Recipe, get_recipe
from artgan_utils.gan.run_files import (
    DISCRIMINATOR_FILE,
    GENERATOR_FILE,
    RUN_FILE,
    machine_info,
)


def build_gan(recipe: Any, strategy: tf.distribute.Strategy | None = None, precision: str = "float32",
              jit_compile: bool | str = "auto") -> GAN:
    """A compiled :class:`GAN` (DCGAN generator + discriminator, two Adams) for a recipe.

    ``recipe`` is a :class:`~artgan_utils.gan.recipes.Recipe` or a recipe name.
    Weights, latent noise and (through :func:`recipe_dataset`) data are all
    seeded by ``recipe.seed``.

    Parameters
    ----------
    strategy:
        A ``tf.distribute`` strategy (:func:`make_strategy`); the networks,
        optimizers and step counter are created in its scope. With more than
        one replica the generator's BatchNorm is synchronised over the global
        batch. Feed it with :func:`distribute_stream`.
    precision:
        ``"float32"``, ``"mixed_float16"`` (GPUs with tensor cores: float16
        compute, float32 weights, dynamic loss scaling through
        ``keras.optimizers.LossScaleOptimizer``) or ``"mixed_bfloat16"`` (TPUs,
        recent GPUs and CPUs with bfloat16 units; no loss scaling needed). The
        generator's tanh and the discriminator's logit always compute in float32.
    jit_compile:
        Passed to ``compile``: ``"auto"`` (Keras: XLA on a single GPU, never on
        CPU), True or False.
    """
    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(r.seed)
    with precision_policy(precision), strategy.scope():
        g = networks.make_generator(r.latent_dim, r.image_size, r.channels, base_filters=r.g_filters,
                                  start_size=r.start_size, upsample=r.upsample, seed=r.seed,
                                  synchronized_bn=strategy.num_replicas_in_sync > 1)
        d = networks.make_discriminator(r.image_size, r.channels, base_filters=r.d_filters, depth=r.d_depth or None,
                                      dropout=r.dropout, seed=r.seed + 1, spectral_norm=r.spectral_norm)
        gan = GAN(g, d, latent_dim=r.latent_dim, seed=r.seed, loss=r.loss, gp_weight=r.gp_weight,
                  r1_gamma=r.r1_gamma, n_critic=r.n_critic, ema_decay=r.ema_decay, augment=r.augment)
        g_opt = keras.optimizers.Adam(r.g_lr, beta_1=r.beta_1)
        d_opt = keras.optimizers.Adam(r.d_lr, beta_1=r.beta_1)
        if precision == "mixed_float16":
            g_opt, d_opt = keras.optimizers.LossScaleOptimizer(g_opt), keras.optimizers.LossScaleOptimizer(d_opt)
        gan.compile(g_optimizer=g_opt, d_optimizer=d_opt, jit_compile=jit_compile)
    gan.precision = precision
    return gan


def recipe_images(recipe: Any) -> list[np.ndarray] | np.ndarray:
    """The training images of a recipe, by its ``data`` field.

    - ``"digits"``: scikit-learn's digits array at the recipe's size;
    - a bundled style (``"ukiyo-e"``, ``"van-gogh"``, ...): the bundled paintings;
    - ``"folder:PATH"``: every readable image in your folder (sub-folders too),
      longest side scaled to ``max(512, 8 * image_size)`` so that patches have
      room; unreadable files are skipped and listed on stderr;
    - ``"tfds:cycle_gan/NAME/SPLIT"`` (e.g. ``tfds:cycle_gan/ukiyoe2photo/trainA``):
      a TensorFlow Datasets set, downloaded on first use (needs internet and
      the ``online`` extra), read from its cache afterwards.

    Raises
    ------
    artgan_utils.data.ImageFolderNotFoundError, artgan_utils.data.NoImagesFoundError
        For a missing or empty folder.
    artgan_utils.data.online.DatasetUnavailableError
        When a TFDS set can be neither downloaded nor found in the cache.
    """
    import sys

    from artgan_utils import data

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if r.data == "digits":
        return data.load_digits(r.image_size)[0]
    if r.data.startswith("folder:"):
        from artgan_utils.data import load_image_folder

        folder = load_image_folder(Path(r.data[len("folder:"):]).expanduser(), size=max(512, 8 * r.image_size),
                                   on_error="skip")
        if folder.skipped:
            print(folder.summary(), file=sys.stderr)
        return list(folder.images)
    if r.data.startswith("tfds:"):
        from artgan_utils.data.online import load_tfds_cycle_gan

        parts = r.data[len("tfds:"):].split("/")
        if len(parts) != 3 or parts[0] != "cycle_gan":
            raise ValueError(f"TFDS data must look like tfds:cycle_gan/NAME/SPLIT (e.g. "
                             f"tfds:cycle_gan/ukiyoe2photo/trainA); got {r.data!r}.")
        ds = load_tfds_cycle_gan(parts[1], parts[2])
        return [image.numpy() for image, _ in ds]
    return data.load_artworks(data.catalogue(style=r.data, kind="painting"))


def recipe_dataset(recipe: Any, start_batch: int = 0) -> tf.data.Dataset:
    """The endless, step-indexed training stream of a recipe, starting at batch ``start_batch``.

    Batch ``k`` depends only on the recipe's seed and ``k`` (see
    :func:`artgan_utils.data.array_dataset` and :func:`~artgan_utils.data.patch_dataset`),
    so a run resumed at step ``k`` continues with the batches it would have seen.
    """
    from artgan_utils import data

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    images = recipe_images(r)
    if r.data == "digits":
        return data.array_dataset(images, r.batch_size, seed=r.seed, start_batch=start_batch)
    return data.patch_dataset(images, r.image_size, r.batch_size, seed=r.seed, scale=r.patch_scale,
                              start_batch=start_batch)



def fit_steps(gan: GAN, make_dataset: Any, steps: int, every: int, callbacks: list | None = None,
              verbose: int | str = "auto") -> keras.callbacks.History | None:
    """Train ``gan`` from its current step up to ``steps``, in "epochs" of ``every`` steps.

    ``make_dataset(start_batch)`` must return the step-indexed stream (e.g.
    ``lambda k: recipe_dataset(recipe, k)``). A run resumed at a step that is
    not a multiple of ``every`` first finishes that epoch with a shorter ``fit``,
    so epochs (sample grids, log rows) stay on the same step boundaries as in an
    uninterrupted run. Returns the last ``History`` (None if nothing was left to do).
    """
    every = max(1, int(every))
    done = int(gan.step.numpy())
    history = None
    if done < steps and done % every:
        first = min(every - done % every, steps - done)
        history = gan.fit(make_dataset(done), steps_per_epoch=first, epochs=1, callbacks=callbacks, verbose=verbose)
        done += first
    if done < steps:
        epochs = (steps - done + every - 1) // every
        if (steps - done) % every:
            raise ValueError(f"steps ({steps}) must be a multiple of the sampling interval ({every}).")
        history = gan.fit(make_dataset(done), steps_per_epoch=every, initial_epoch=done // every,
                          epochs=done // every + epochs, callbacks=callbacks, verbose=verbose)
    return history


def train_recipe(recipe: Any, out_dir: str | os.PathLike[str], steps: int | None = None, every: int = 250,
                 resume: bool = True, tensorboard: bool = True, verbose: int | str = "auto",
                 extra_callbacks: list | None = None, command: str | None = None,
                 strategy: tf.distribute.Strategy | None = None, precision: str = "float32",
                 jit_compile: bool | str = "auto") -> GAN:
    """Train a recipe headlessly into ``out_dir``, resuming from its checkpoints.

    ``out_dir`` receives ``ckpt/`` (full checkpoints every ``every`` steps:
    both networks, both optimizers, the step counter, which is also the random
    state), ``samples/step_*.png`` (a fixed-noise grid every ``every`` steps),
    ``log.csv`` (one row per ``every`` steps), ``tensorboard/`` and, at the end,
    ``generator.keras``, ``discriminator.keras`` (Keras 3 format) and
    ``run.json`` (recipe, command, steps, wall time, machine, precision,
    replicas, library versions, last metrics).

    With ``resume=True`` (default) an existing checkpoint is restored and
    training continues exactly where it stopped; with ``resume=False`` an
    ``out_dir`` that already holds a checkpoint is refused rather than mixed.

    ``strategy``, ``precision`` and ``jit_compile`` are as in :func:`build_gan`;
    the recipe's ``batch_size`` is the *global* batch, split between replicas.
    Under ``MultiWorkerMirroredStrategy`` every worker runs this function; only
    the chief writes samples, logs and the final models, the other workers
    save their (required) checkpoints under ``out_dir/workers/N/`` and all
    restore from the chief's ``ckpt/`` (a shared folder, or a copy of it).
    """
    import json
    import time

    r = get_recipe(recipe) if isinstance(recipe, str) else recipe
    steps = int(steps or r.steps)
    strategy = strategy or tf.distribute.get_strategy()
    chief = is_chief(strategy)
    out = Path(out_dir)
    ckpt_dir = out / "ckpt"
    save_dir = ckpt_dir if chief else out / "workers" / str(strategy.cluster_resolver.task_id) / "ckpt"
    gan = build_gan(r, strategy=strategy, precision=precision, jit_compile=jit_compile)
    run_file = out / RUN_FILE
    previous = json.loads(run_file.read_text()) if run_file.is_file() else {}
    if tf.train.latest_checkpoint(str(ckpt_dir)) is not None:
        if not resume:
            raise FileExistsError(
                f"{out.name}/ already holds a checkpoint. Resume it (drop --no-resume), or choose a new output folder."
            )
        saved = previous.get("recipe")
        if saved and Recipe.from_dict(saved) != r:
            raise ValueError(
                f"{out.name}/ was trained with a different recipe ({saved.get('name')}, other settings); "
                "resume it with the same settings or choose a new output folder."
            )
        restore_latest(gan, ckpt_dir)
    out.mkdir(parents=True, exist_ok=True)
    start_step = int(gan.step.numpy())
    timer = RunLogger(out / "log.csv" if chief else None, out / "tensorboard" if tensorboard and chief else None,
                      elapsed=float(previous.get("seconds", 0.0)) if start_step else 0.0)
    callbacks = [NaNGuard(), GANCheckpoint(save_dir, every=every), timer]
    if chief:
        callbacks.append(SampleGrid(n=36, directory=out / "samples", show=False))
    callbacks += list(extra_callbacks or [])
    t0 = time.perf_counter()
    def stream(k: int) -> Any:
        return distribute_stream(strategy, lambda: recipe_dataset(r, k), r.batch_size)

    history = fit_steps(gan, stream, steps, every, callbacks, verbose if chief else 0)
    if (history is None and start_step >= steps) or not chief:
        return gan
    gan.sampler.save(out / GENERATOR_FILE)  # the EMA generator when the recipe keeps one
    gan.discriminator.save(out / DISCRIMINATOR_FILE)
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()} if history else {}
    info = {
        "recipe": r.to_dict(),
        "command": command or f"python -m artgan_utils.train {r.name} --steps {steps} --out {out.name}",
        "steps": int(gan.step.numpy()),
        "seconds": round(timer.elapsed, 1),
        "seconds_this_session": round(time.perf_counter() - t0, 1),
        "resumed_from_step": start_step,
        "precision": precision,
        "replicas": strategy.num_replicas_in_sync,
        "strategy": type(strategy).__name__,
        "last_metrics": last,
        "machine": machine_info(),
        "finished": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    run_file.write_text(json.dumps(info, indent=2) + "\n")
    return gan
